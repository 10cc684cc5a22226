//! The choropleth of secondary areas by class, from the bundled municipality boundaries
//! (国土数値情報 N03, 2021-01-01, simplified) dissolved by the municipality → area map of the
//! reference data. Each map (Japan, each prefecture) is dissolved once per process.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use chiiki_app::analysis::AreaAnalysis;
use chiiki_domain::{Lang, MunicipalityKind, PrefCode};
use chiiki_maps::{AreaMap, AreaStyle, Corner, LegendEntry, MapError, RenderOptions, Topology};

use crate::charts::{class_colour, hex};

/// Municipality boundaries of Japan, designated cities merged.
const TOPOLOGY_GZ: &[u8] =
    include_bytes!("../../../data/smri_N03-21_210101_designated_city_s0010.topojson.gz");

/// The credit line of the map.
pub const MAP_SOURCE: &str = "「国土数値情報（行政区域データ）」（国土交通省、2021年1月1日）を加工して作成。二次医療圏の境界は市区町村を医療圏の対応表（非公式、data/README.md）で合成したもの。";

/// Why a map could not be drawn (a bug of the bundled data).
#[derive(Debug, thiserror::Error)]
pub enum MapBuildError {
    #[error("map data: {0}")]
    Map(#[from] MapError),
    #[error("map data: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Reference(#[from] chiiki_app::refdata::RefDataError),
}

fn topology() -> Result<&'static Topology, String> {
    static TOPO: OnceLock<Result<Topology, String>> = OnceLock::new();
    TOPO.get_or_init(|| {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(TOPOLOGY_GZ)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        Topology::from_json(&bytes).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Municipality code (5 digits) → area key, for the features of the topology: designated
/// cities as a whole (the topology merges their wards). A city whose wards lie in several
/// areas (川崎市: 川崎北部 and 川崎南部) gets the joint key `1404/1405`, drawn as one shape.
fn area_of_municipality() -> Result<HashMap<String, String>, MapBuildError> {
    let reference = chiiki_app::refdata::national()?;
    let mut out: HashMap<String, String> = reference
        .municipalities
        .iter()
        .filter(|m| m.kind() != MunicipalityKind::Ward)
        .map(|m| (m.code().code5(), m.area().to_string()))
        .collect();
    // Wards of cities missing above: the city's code is the wards' first four digits and 0.
    let mut split: HashMap<String, Vec<String>> = HashMap::new();
    for w in reference
        .municipalities
        .iter()
        .filter(|m| m.kind() == MunicipalityKind::Ward)
    {
        let code = w.code().code5();
        let city = format!("{}0", code.get(..4).unwrap_or_default());
        if !out.contains_key(&city) {
            let areas = split.entry(city).or_default();
            if !areas.contains(&w.area().to_string()) {
                areas.push(w.area().to_string());
            }
        }
    }
    for (city, mut areas) in split {
        areas.sort();
        out.insert(city, areas.join("/"));
    }
    Ok(out)
}

/// The dissolved areas of Japan, or of one prefecture.
fn area_map(pref: Option<PrefCode>) -> Result<AreaMap, MapBuildError> {
    let topo = topology().map_err(std::io::Error::other)?;
    let mapping = area_of_municipality()?;
    let prefs = pref.map(|p| vec![p.to_string()]);
    Ok(AreaMap::dissolve(
        topo,
        None,
        |code| mapping.get(code).cloned(),
        prefs.as_deref(),
    )?)
}

/// [`area_map`] of Japan (`None`) or of one prefecture, dissolved once per process: the pages
/// and the reports draw the same maps again and again.
fn cached_map(pref: Option<PrefCode>) -> Result<&'static AreaMap, MapBuildError> {
    static MAPS: [OnceLock<Result<AreaMap, String>>; 48] = [const { OnceLock::new() }; 48];
    let slot = &MAPS[pref.map_or(0, |p| usize::from(p.number()))];
    slot.get_or_init(|| area_map(pref).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| std::io::Error::other(e.clone()).into())
}

/// The areas coloured by class, each with its index in the tooltip and an optional link.
/// With `pref`, only that prefecture is drawn.
pub fn class_map(
    areas: &[AreaAnalysis],
    pref: Option<PrefCode>,
    href: &dyn Fn(&AreaAnalysis) -> Option<String>,
    id_prefix: &str,
) -> Result<String, MapBuildError> {
    let map = cached_map(pref)?;
    let title = |a: &AreaAnalysis| {
        format!(
            "{}（{}）医師偏在指標 {:.1}・{}・{}位/330",
            a.area_name,
            a.area_code,
            a.maldistribution_index,
            a.class.label(Lang::Ja),
            a.rank
        )
    };
    let mut styles: HashMap<String, AreaStyle> = HashMap::new();
    for key in map.areas() {
        let members: Vec<&AreaAnalysis> = key
            .split('/')
            .filter_map(|code| areas.iter().find(|a| a.area_code == code))
            .collect();
        let Some(first) = members.first() else {
            continue;
        };
        // Joint areas share a shape: one colour when they share a class, else none.
        let same = members.iter().all(|a| a.class == first.class);
        styles.insert(
            key.to_string(),
            AreaStyle {
                fill: if same {
                    hex(class_colour(first.class))
                } else {
                    String::new()
                },
                title: members
                    .iter()
                    .map(|a| title(a))
                    .collect::<Vec<_>>()
                    .join(" / "),
                href: (members.len() == 1).then(|| href(first)).flatten(),
                class: Some(format!("area {}", first.class.code())),
            },
        );
    }
    let legend = [
        chiiki_analytics::Class::Shortage,
        chiiki_analytics::Class::Intermediate,
        chiiki_analytics::Class::Surplus,
    ]
    .into_iter()
    .map(|c| LegendEntry {
        color: hex(class_colour(c)),
        label: format!("{} / {}", c.label(Lang::Ja), c.label(Lang::En)),
    })
    .collect();
    let (width, height) = if pref.is_none() {
        (900.0, 900.0)
    } else {
        (640.0, 640.0)
    };
    let opts = RenderOptions {
        width,
        height,
        title: match pref {
            None => "二次医療圏の区分（全国）".to_string(),
            Some(p) => format!("二次医療圏の区分（{}）", p.name_ja()),
        },
        description: Some(
            "医師偏在指標（令和6年1月公表）による医師少数区域・中間・医師多数区域".to_string(),
        ),
        legend_title: Some("医師偏在指標の区分".to_string()),
        legend,
        legend_corner: if pref.is_none() {
            Corner::TopLeft
        } else {
            Corner::BottomRight
        },
        caption: MAP_SOURCE.to_string(),
        id_prefix: id_prefix.to_string(),
        ..RenderOptions::default()
    };
    Ok(map.render(&styles, &opts))
}

/// The map of what a user sees: their prefecture's areas when all are in one prefecture,
/// else Japan with their areas coloured. `None` for no areas.
pub fn scope_map(
    areas: &[AreaAnalysis],
    href: &dyn Fn(&AreaAnalysis) -> Option<String>,
    id_prefix: &str,
) -> Result<Option<String>, MapBuildError> {
    let Some(first) = areas.first() else {
        return Ok(None);
    };
    let pref = areas
        .iter()
        .all(|a| a.pref_code == first.pref_code)
        .then(|| PrefCode::parse(&first.pref_code).ok())
        .flatten();
    class_map(areas, pref, href, id_prefix).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_and_iwate() {
        let rows = crate::national_areas();
        let svg = class_map(
            rows,
            None,
            &|a| Some(format!("/areas/{}", a.area_code)),
            "jp",
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        // Every one of the 330 areas is drawn once, coloured by its class; 川崎北部 and 川崎南部
        // share 川崎市's shape.
        let joint = svg.matches(r#"data-area="1404/1405""#).count();
        assert_eq!(joint, 1);
        for a in rows
            .iter()
            .filter(|a| a.area_code != "1404" && a.area_code != "1405")
        {
            let alone = svg
                .matches(&format!(r#"data-area="{}""#, a.area_code))
                .count();
            assert_eq!(alone, 1, "{}", a.area_name);
        }
        assert!(svg.contains("釜石（0306）医師偏在指標 107.8・医師少数・330位/330"));
        assert!(!svg.contains("NaN"));
        println!("national map: {} bytes", svg.len());
        let iwate: Vec<_> = rows
            .iter()
            .filter(|r| r.pref_code == "03")
            .cloned()
            .collect();
        let svg = class_map(&iwate, PrefCode::parse("03").ok(), &|_| None, "iw").unwrap();
        assert_eq!(svg.matches("data-area=").count(), 9);
        assert!(svg.contains(&hex(crate::charts::SHORTAGE)));
        println!("Iwate map: {} bytes", svg.len());
    }
}
