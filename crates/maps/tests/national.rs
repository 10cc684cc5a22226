//! The bundled national municipality topology dissolved by the derived area mapping.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use chiiki_maps::{AreaMap, AreaStyle, LegendEntry, RenderOptions, Topology};

const CREDIT: &str = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成";

/// The topology and the mapping, decoded once for all the tests of this file.
fn national() -> &'static (Topology, HashMap<String, String>) {
    static NATIONAL: OnceLock<(Topology, HashMap<String, String>)> = OnceLock::new();
    NATIONAL.get_or_init(|| {
        let topo = Topology::from_json(&common::national_topojson()).expect("the bundled topology");
        (topo, common::area_mapping())
    })
}

#[test]
fn every_area_but_kawasakis_two_gets_an_outline_and_the_unmapped_are_named() {
    let (topo, mapping) = national();
    assert_eq!(topo.object_names().collect::<Vec<_>>(), ["N03-21_210101"]);
    let map = AreaMap::dissolve(topo, None, |c| mapping.get(c).cloned(), None).unwrap();

    let all = common::all_areas();
    assert_eq!(all.len(), 330);
    let drawn: BTreeSet<String> = map.areas().map(str::to_owned).collect();
    // 川崎北部 (1404) and 川崎南部 (1405) consist of 川崎市's wards only, and the topology
    // has 川崎市 as one feature (designated cities are merged): it is drawn without an area.
    let missing: Vec<&String> = all.difference(&drawn).collect();
    assert_eq!(missing, ["1404", "1405"]);
    assert!(drawn.is_subset(&all));
    assert_eq!(drawn.len(), 328);

    // Input order; compared as a set.
    let unmapped: BTreeSet<(Option<&str>, &str)> = map
        .unmapped()
        .iter()
        .map(|u| (u.code.as_deref(), u.label.as_str()))
        .collect();
    let expected: BTreeSet<(Option<&str>, &str)> = [
        (Some("14130"), "神奈川県川崎市"),
        (Some("01695"), "北海道色丹郡色丹村"),
        (Some("01696"), "北海道国後郡泊村"),
        (Some("01697"), "北海道国後郡留夜別村"),
        (Some("01698"), "北海道択捉郡留別村"),
        (Some("01699"), "北海道紗那郡紗那村"),
        (Some("01700"), "北海道蘂取郡蘂取村"),
        (None, "千葉県所属未定地"),
        (None, "東京都所属未定地"),
        (None, "愛知県所属未定地"),
        (None, "沖縄県所属未定地"),
    ]
    .into_iter()
    .collect();
    assert_eq!(unmapped, expected);
    assert_eq!(map.unmapped().len(), 11);

    // Every drawn ring closes, and no arc repeats within an area.
    for key in map.areas() {
        let area = map.area(key).unwrap();
        assert!(!area.rings.is_empty(), "{key}");
        let mut seen = std::collections::HashSet::new();
        for ring in &area.rings {
            for a in ring {
                assert!(seen.insert(a.index), "{key}: arc {} twice", a.index);
            }
        }
        for pts in map.rings(key).unwrap() {
            assert_eq!(pts.first(), pts.last(), "{key}");
        }
    }
    assert!(!map.prefecture_borders().is_empty());
    assert!(!map.area_borders().is_empty());
}

#[test]
fn iwate_alone_has_nine_areas_and_its_borders() {
    let (topo, mapping) = national();
    let map = AreaMap::dissolve(
        topo,
        None,
        |c| mapping.get(c).cloned(),
        Some(&["03".to_owned()]),
    )
    .unwrap();
    let areas: Vec<&str> = map.areas().collect();
    assert_eq!(areas.len(), 9, "{areas:?}");
    assert!(areas.iter().all(|a| a.starts_with("03")));
    assert!(map.unmapped().is_empty());
    let members: usize = areas
        .iter()
        .map(|a| map.area(a).unwrap().members.len())
        .sum();
    assert_eq!(members, 33);
    // Iwate's borders with Aomori, Akita and Miyagi are prefecture borders.
    assert!(!map.prefecture_borders().is_empty());
    let b = map.bounds().unwrap();
    assert!(
        b.west > 140.5 && b.east < 142.2 && b.south > 38.7 && b.north < 40.5,
        "{b:?}"
    );

    let styles: HashMap<String, AreaStyle> = areas
        .iter()
        .map(|a| {
            (
                a.to_string(),
                AreaStyle {
                    fill: "#c0392b".into(),
                    title: format!("{a} <医師少数区域>"),
                    href: Some(format!("/areas/{a}")),
                    class: Some("shortage".into()),
                },
            )
        })
        .collect();
    let svg = map.render(
        &styles,
        &RenderOptions {
            width: 400.0,
            height: 500.0,
            title: "岩手県の二次医療圏".into(),
            legend: vec![LegendEntry {
                color: "#c0392b".into(),
                label: "医師少数区域".into(),
            }],
            caption: CREDIT.into(),
            ..Default::default()
        },
    );
    assert_eq!(svg.matches("data-area=").count(), 9);
    assert_eq!(svg.matches(r#"<a href="/areas/03"#).count(), 9);
    assert!(svg.contains("&lt;医師少数区域&gt;"));
    assert!(svg.contains(r#"class="area shortage""#));
    assert!(svg.contains(r#"aria-label="岩手県の二次医療圏""#));
    assert!(svg.contains(CREDIT));
    assert!(!svg.contains("no-data"));
    assert!(!svg.contains("unmapped"));
}

#[test]
fn the_national_svg_is_complete_and_small() {
    let (topo, mapping) = national();
    let map = AreaMap::dissolve(topo, None, |c| mapping.get(c).cloned(), None).unwrap();
    let styles: HashMap<String, AreaStyle> = map
        .areas()
        .enumerate()
        .map(|(i, a)| {
            let fill = ["#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"][i % 4];
            (
                a.to_owned(),
                AreaStyle {
                    fill: fill.into(),
                    title: format!("二次医療圏 {a}"),
                    href: None,
                    class: None,
                },
            )
        })
        .collect();
    let opts = RenderOptions {
        title: "二次医療圏別 医師偏在指標".into(),
        legend_title: Some("医師偏在指標".into()),
        legend: vec![
            LegendEntry {
                color: "#cb181d".into(),
                label: "医師少数区域".into(),
            },
            LegendEntry {
                color: "#fee5d9".into(),
                label: "医師多数区域".into(),
            },
        ],
        caption: CREDIT.into(),
        ..Default::default()
    };
    let svg = map.render(&styles, &opts);
    println!(
        "national SVG ({}×{}): {} bytes, {} areas, {} unmapped",
        opts.width,
        opts.height,
        svg.len(),
        map.areas().count(),
        map.unmapped().len()
    );
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>\n"));
    assert_eq!(svg.matches("<path class=\"area\"").count(), 328);
    assert_eq!(svg.matches("<path class=\"unmapped\"").count(), 11);
    assert!(svg.contains("二次医療圏の割当なし"));
    assert!(!svg.contains("<script"));
    assert!(!svg.contains("style="));
    if let Ok(p) = std::env::var("CHIIKI_MAPS_SVG_OUT") {
        std::fs::write(p, &svg).unwrap();
    }
    assert!(svg.len() < 1_500_000, "{} bytes", svg.len());
    // Nothing but the own pattern and clip path is referenced.
    for (i, _) in svg.match_indices("url(") {
        assert!(
            svg[i..].starts_with("url(#chiiki-map-"),
            "{}",
            &svg[i..i + 40]
        );
    }
}
