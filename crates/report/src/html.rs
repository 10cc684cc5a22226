//! The analytics report as one self-contained HTML page (inline CSS and SVG, no scripts, no
//! external resources) for the nation or one prefecture: map, index, prefectures, outlook to
//! 2050, beds by function, published against recomputed figures, missing figures, sources.
//! Readable on screen and in print (A4).

use askama::Template;
use chiiki_analytics::beds::BedFunction;
use chiiki_app::analysis::{AreaAnalysis, PrefectureAnalysis};
use chiiki_app::outlook::YEARS;
use chiiki_domain::Lang;

use crate::charts;
use crate::figures;

/// Rendering failed (a bug: the inputs are values).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Map(#[from] crate::map::MapBuildError),
}

/// What a report covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Nation,
    Prefecture { code: String, name: String },
}

/// Everything a report shows. `areas` are those of the scope, in code order.
pub struct ReportInput<'a> {
    pub scope: Scope,
    pub areas: &'a [AreaAnalysis],
    /// All 47 (the nation's report lists them; a prefecture's shows its own row).
    pub prefectures: &'a [PrefectureAnalysis],
    /// The choropleth of the scope's areas, if one could be drawn.
    pub map_svg: Option<String>,
    pub map_caption: String,
    /// Link of a prefecture's own report (from the nation's report).
    pub prefecture_href: &'a dyn Fn(&str) -> Option<String>,
    /// The day the report was made.
    pub generated: String,
    /// Credit lines of every source used.
    pub sources: Vec<String>,
    /// Notes on methods and assumptions.
    pub projection_notes: Vec<String>,
    /// What the recomputed utilisation ratio is.
    pub ratio_note: String,
}

struct Fact {
    label: String,
    value: String,
}

struct Row {
    code: String,
    name: String,
    index: String,
    class_code: &'static str,
    class_label: &'static str,
    rank: u32,
    dev: String,
    dev_national: String,
    doctors: String,
    doctors_dev: String,
    beds: String,
    beds_dev: String,
    target: String,
    needed: String,
    shortfall: String,
}

struct PrefRow {
    code: String,
    name: String,
    href: Option<String>,
    index: String,
    rank: u32,
    class_code: &'static str,
    class_label: &'static str,
    dev: String,
}

struct YearRow {
    name: String,
    year: i32,
    population: String,
    aged_65: String,
    aged_75: String,
    medical: String,
    care: String,
    ratio: String,
    demand: String,
    supply: String,
    gap: String,
}

struct BedRow {
    name: String,
    function: &'static str,
    reported: String,
    necessary: String,
    necessary_2040: String,
    difference: String,
    flag_code: &'static str,
    flag_label: String,
}

struct RecomputeRow {
    name: String,
    published: String,
    recomputed: String,
    difference: String,
    ratio: String,
    ratio_recomputed: String,
    ratio_difference: String,
}

struct Link {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    title: String,
    title_en: String,
    lead: String,
    unit: &'static str,
    basis_scope: &'static str,
    facts: Vec<Fact>,
    map: Option<String>,
    map_caption: String,
    index_chart: String,
    rows: Vec<Row>,
    prefectures: Vec<PrefRow>,
    population_chart: String,
    population_caption: String,
    demand_chart: String,
    doctors_chart: String,
    years: Vec<YearRow>,
    pyramid: Option<String>,
    pyramid_caption: String,
    projection_notes: Vec<String>,
    beds_chart: Option<String>,
    beds_caption: String,
    beds: Vec<BedRow>,
    bed_notes: Vec<String>,
    recomputed: Vec<RecomputeRow>,
    recompute_notes: Vec<String>,
    gaps: Vec<String>,
    links: Vec<Link>,
    sources: Vec<String>,
    generated: String,
}

/// A figure or a dash for a missing one.
pub fn num(x: Option<f64>, decimals: usize) -> String {
    match x.filter(|v| v.is_finite()) {
        Some(v) if decimals == 0 => thousands(v.round()),
        Some(v) => format!("{v:.decimals$}"),
        None => "—".to_string(),
    }
}

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

fn signed(x: Option<f64>, decimals: usize) -> String {
    match x.filter(|v| v.is_finite()) {
        Some(v) if v > 0.0 => format!("+{}", num(Some(v), decimals)),
        _ => num(x, decimals),
    }
}

/// The report as HTML.
pub fn render(input: &ReportInput) -> Result<String, ReportError> {
    let nation = input.scope == Scope::Nation;
    let (title, title_en, scope_name) = match &input.scope {
        Scope::Nation => (
            "全国 医師偏在と地域医療の分析".to_string(),
            "Japan: physician maldistribution and regional care".to_string(),
            "全国".to_string(),
        ),
        Scope::Prefecture { name, .. } => (
            format!("{name} 医師偏在と地域医療の分析"),
            format!("{name}: physician maldistribution and regional care"),
            name.clone(),
        ),
    };
    let areas = input.areas;
    let count = |c: chiiki_analytics::Class| areas.iter().filter(|a| a.class == c).count();
    let mut facts = vec![
        Fact {
            label: "二次医療圏".into(),
            value: areas.len().to_string(),
        },
        Fact {
            label: "医師少数区域".into(),
            value: count(chiiki_analytics::Class::Shortage).to_string(),
        },
        Fact {
            label: "医師多数区域".into(),
            value: count(chiiki_analytics::Class::Surplus).to_string(),
        },
    ];
    if let Scope::Prefecture { code, .. } = &input.scope
        && let Some(p) = input.prefectures.iter().find(|p| &p.pref_code == code)
    {
        facts.push(Fact {
            label: "都道府県の指標（順位）".into(),
            value: format!("{:.1}（{}位/47）", p.maldistribution_index, p.rank),
        });
        facts.push(Fact {
            label: "都道府県の区分".into(),
            value: p.class.label(Lang::Ja).to_string(),
        });
    }
    facts.push(Fact {
        label: "全国値".into(),
        value: format!("{:.1}", chiiki_analytics::NATIONAL_INDEX_2024),
    });
    // Areas without the figure are left out of the sum, and said to be.
    let present: Vec<f64> = areas.iter().filter_map(|a| a.shortfall_2036).collect();
    let missing = areas.len() - present.len();
    facts.push(Fact {
        label: "全国値まで不足 2036（人）".into(),
        value: if missing == 0 {
            num(Some(present.iter().sum()), 0)
        } else {
            format!(
                "{}（{missing}区域を除く）",
                num(Some(present.iter().sum()), 0)
            )
        },
    });

    let index_chart = if nation {
        let labels: Vec<String> = input
            .prefectures
            .iter()
            .map(|p| p.pref_name.clone())
            .collect();
        let values: Vec<f64> = input
            .prefectures
            .iter()
            .map(|p| p.maldistribution_index)
            .collect();
        charts::index_bars(&labels, &values, chiiki_analytics::NATIONAL_INDEX_2024)?
    } else {
        let labels: Vec<String> = areas.iter().map(|a| a.area_name.clone()).collect();
        let values: Vec<f64> = areas.iter().map(|a| a.maldistribution_index).collect();
        charts::index_bars(&labels, &values, chiiki_analytics::NATIONAL_INDEX_2024)?
    };

    let rows = areas
        .iter()
        .map(|a| Row {
            code: a.area_code.clone(),
            name: a.area_name.clone(),
            index: format!("{:.1}", a.maldistribution_index),
            class_code: a.class.code(),
            class_label: a.class.label(Lang::Ja),
            rank: a.rank,
            dev: num(a.index_deviation, 1),
            dev_national: num(a.index_deviation_national, 1),
            doctors: num(a.hospital_doctors_per_100k, 1),
            doctors_dev: num(a.hospital_doctors_deviation, 1),
            beds: num(a.beds_per_100k, 1),
            beds_dev: num(a.beds_deviation, 1),
            target: num(a.target_doctors_2026, 0),
            needed: num(a.doctors_for_national_2036, 0),
            shortfall: num(a.shortfall_2036, 0),
        })
        .collect();
    let prefectures = if nation {
        input
            .prefectures
            .iter()
            .map(|p| PrefRow {
                code: p.pref_code.clone(),
                name: p.pref_name.clone(),
                href: (input.prefecture_href)(&p.pref_code),
                index: format!("{:.1}", p.maldistribution_index),
                rank: p.rank,
                class_code: p.class.code(),
                class_label: p.class.label(Lang::Ja),
                dev: num(p.index_deviation, 1),
            })
            .collect()
    } else {
        Vec::new()
    };

    // The outlook of the scope.
    let sums = figures::sums(areas);
    let figures::Sums {
        population,
        aged_65,
        aged_75,
        medical,
        care,
        needed,
        supply,
        gap,
        reported,
        necessary,
        necessary_2040,
    } = &sums;
    let population_chart = figures::population_chart(&sums)?;
    let demand_chart = figures::demand_chart(&sums, &scope_name, (!nation).then_some(areas))?;
    let doctors_chart = figures::doctors_chart(&sums)?;
    let mut years = Vec::new();
    for (k, &year) in YEARS.iter().enumerate() {
        years.push(YearRow {
            name: scope_name.clone(),
            year,
            population: num(population[k], 0),
            aged_65: num(aged_65[k], 0),
            aged_75: num(aged_75[k], 0),
            medical: num(medical[k], 1),
            care: num(care[k], 1),
            ratio: "".into(),
            demand: num(needed[k], 0),
            supply: num(supply[k], 0),
            gap: signed(gap[k], 0),
        });
    }
    if !nation {
        for a in areas {
            for y in &a.years {
                years.push(YearRow {
                    name: a.area_name.clone(),
                    year: y.year,
                    population: num(y.population, 0),
                    aged_65: num(y.aged_65_plus, 0),
                    aged_75: num(y.aged_75_plus, 0),
                    medical: num(y.medical_demand_index, 1),
                    care: num(y.care_demand_index, 1),
                    ratio: num(y.utilisation_ratio, 3),
                    demand: num(y.doctors_needed, 1),
                    supply: num(y.supply, 1),
                    gap: signed(y.gap, 1),
                });
            }
        }
    }
    let pyramid = figures::pyramid_chart(areas)?;

    // Beds.
    let beds_chart = Some(figures::beds_chart(&sums)?);
    let mut beds = Vec::new();
    for k in 0..4 {
        let flagged = areas
            .iter()
            .filter(|a| {
                a.beds.get(k).is_some_and(|b| {
                    matches!(
                        b.flag,
                        chiiki_analytics::beds::BedFlag::Missing
                            | chiiki_analytics::beds::BedFlag::Shortfall
                    )
                })
            })
            .count();
        beds.push(BedRow {
            name: scope_name.clone(),
            function: BedFunction::ALL[k].label(Lang::Ja),
            reported: num(reported[k], 0),
            necessary: num(necessary[k], 0),
            necessary_2040: num(necessary_2040[k], 0),
            difference: signed(reported[k].zip(necessary[k]).map(|(r, n)| r - n), 0),
            flag_code: "",
            flag_label: format!("不足・欠落の区域 {flagged}"),
        });
    }
    if !nation {
        for a in areas {
            for b in &a.beds {
                beds.push(BedRow {
                    name: a.area_name.clone(),
                    function: b.function.label(Lang::Ja),
                    reported: num(b.reported, 0),
                    necessary: num(b.necessary_2025, 0),
                    necessary_2040: num(b.necessary_2040, 0),
                    difference: signed(b.difference, 0),
                    flag_code: b.flag.code(),
                    flag_label: b.flag.label(Lang::Ja).to_string(),
                });
            }
        }
    }
    let bed_notes = vec![
        format!(
            "判定：報告病床が必要病床の{:.0}%未満は「不足」、{:.0}%超は「過剰」、必要病床があるのに報告が0は「欠落」。",
            chiiki_analytics::beds::SHORTFALL_BELOW * 100.0,
            chiiki_analytics::beds::EXCESS_ABOVE * 100.0
        ),
        "必要病床数は構想区域（地域医療構想の単位）ごとに定められ、二次医療圏に含まれる構想区域の合計で示す（秋田県の8構想区域は3医療圏に、三重県の8構想区域は4医療圏に含まれる）。".into(),
        "2040年の必要病床数は2025年の必要病床数 ×（全国の年齢階級別入院受療率 × 推計人口の変化）による近似。機能別・性年齢別の入院受療率は公表されていない。".into(),
        "病床機能の占める病床稼働率：高度急性期75%、急性期78%、回復期90%、慢性期92%（地域医療構想策定ガイドライン）。".into(),
    ];

    // Published against recomputed.
    let recomputed: Vec<RecomputeRow> = areas
        .iter()
        .map(|a| RecomputeRow {
            name: a.area_name.clone(),
            published: format!("{:.1}", a.maldistribution_index),
            recomputed: num(a.recomputed_index, 1),
            difference: signed(a.difference, 1),
            ratio: format!("{:.3}", a.standardized_utilization_ratio),
            ratio_recomputed: num(a.utilisation_ratio_inpatient, 3),
            ratio_difference: signed(a.utilisation_ratio_difference, 3),
        })
        .collect();
    let within = areas
        .iter()
        .filter(|a| a.difference.is_some_and(|d| d.abs() <= 0.1 + 1e-9))
        .count();
    let recompute_notes = vec![
        format!(
            "構成要素（標準化医師数・人口・標準化受療率比）からの再計算が公表値と0.1以内で一致：{within}/{}区域。構成要素自体が丸めて公表されている（医師数は整数、比は小数3桁）ため、差はその丸めの範囲内。",
            areas.len()
        ),
        input.ratio_note.clone(),
    ];
    let gaps: Vec<String> = areas
        .iter()
        .flat_map(|a| {
            a.gaps
                .iter()
                .map(move |g| format!("{}（{}）：{}", a.area_name, a.area_code, g))
        })
        .collect();
    let links = if nation {
        input
            .prefectures
            .iter()
            .filter_map(|p| {
                Some(Link {
                    href: (input.prefecture_href)(&p.pref_code)?,
                    label: p.pref_name.clone(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = Page {
        title,
        title_en,
        lead: format!(
            "医師偏在指標（令和6年1月公表）、医療需要と人口の見通し（2050年まで）、病床機能を{}の二次医療圏ごとにまとめた資料。",
            scope_name
        ),
        unit: "二次医療圏",
        basis_scope: "全国330区域",
        facts,
        map: input.map_svg.clone(),
        map_caption: input.map_caption.clone(),
        index_chart,
        rows,
        prefectures,
        population_chart,
        population_caption: format!(
            "{scope_name}の人口、65歳以上、75歳以上（2020年 = 100）。国立社会保障・人口問題研究所の推計（令和5年推計）。"
        ),
        demand_chart,
        doctors_chart,
        years,
        pyramid,
        pyramid_caption: format!(
            "{scope_name}の人口ピラミッド：2025年（住民基本台帳、棒）と2040年（コーホート要因法による推計、枠）。"
        ),
        projection_notes: input.projection_notes.clone(),
        beds_chart,
        beds_caption: format!("{scope_name}の病床機能報告（2025）と必要病床数（2025）。"),
        beds,
        bed_notes,
        recomputed,
        recompute_notes,
        gaps,
        links,
        sources: input.sources.clone(),
        generated: input.generated.clone(),
    };
    Ok(page.render()?)
}

/// The file name of a prefecture's report.
pub fn prefecture_file(pref_code: &str) -> String {
    format!("pref-{pref_code}.html")
}

/// The nation's report (`index.html`, from `national`: all 330 areas) and one report per
/// prefecture of `scoped` (the areas the user may see, with the register's obligated
/// doctors in their supply), as (file name, HTML).
pub fn reports(
    national: &[AreaAnalysis],
    scoped: &[AreaAnalysis],
    prefectures: &[PrefectureAnalysis],
    generated: &str,
    ratio_note: &str,
) -> Result<Vec<(String, String)>, ReportError> {
    let mut prefs: Vec<String> = scoped.iter().map(|a| a.pref_code.clone()).collect();
    prefs.dedup();
    let href = |code: &str| {
        prefs
            .iter()
            .any(|p| p == code)
            .then(|| prefecture_file(code))
    };
    let mut sources = chiiki_app::analysis::source_lines();
    sources.push(crate::map::MAP_SOURCE.to_string());
    let notes: Vec<String> = chiiki_app::outlook::METHOD_NOTES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let map_caption = "色は医師偏在指標（令和6年1月公表）の区分。斜線は医療圏を割り当てられない地域（北方領土、所属未定地）。川崎北部と川崎南部は川崎市として一つに描く（境界データが区を分けていないため）。".to_string();
    let mut out = Vec::new();
    let nation_map = crate::map::class_map(national, None, &|a| href(&a.pref_code), "jp")?;
    out.push((
        "index.html".to_string(),
        render(&ReportInput {
            scope: Scope::Nation,
            areas: national,
            prefectures,
            map_svg: Some(nation_map),
            map_caption: map_caption.clone(),
            prefecture_href: &href,
            generated: generated.to_string(),
            sources: sources.clone(),
            projection_notes: notes.clone(),
            ratio_note: ratio_note.to_string(),
        })?,
    ));
    for code in &prefs {
        let areas: Vec<AreaAnalysis> = scoped
            .iter()
            .filter(|a| &a.pref_code == code)
            .cloned()
            .collect();
        let pref = chiiki_domain::PrefCode::parse(code).ok();
        let map = crate::map::class_map(&areas, pref, &|_| None, &format!("p{code}"))?;
        out.push((
            prefecture_file(code),
            render(&ReportInput {
                scope: Scope::Prefecture {
                    code: code.clone(),
                    name: pref.map(|p| p.name_ja().to_string()).unwrap_or_default(),
                },
                areas: &areas,
                prefectures,
                map_svg: Some(map),
                map_caption: map_caption.clone(),
                prefecture_href: &|_| None,
                generated: generated.to_string(),
                sources: sources.clone(),
                projection_notes: notes.clone(),
                ratio_note: ratio_note.to_string(),
            })?,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nation_and_iwate() {
        let national = crate::national_areas();
        let iwate: Vec<AreaAnalysis> = national
            .iter()
            .filter(|a| a.pref_code == "03")
            .cloned()
            .collect();
        let (prefectures, _) = chiiki_app::analysis::prefectures().unwrap();
        let files = reports(
            national,
            &iwate,
            &prefectures,
            "2026-11-24",
            chiiki_app::outlook::RATIO_NOTE,
        )
        .unwrap();
        assert_eq!(
            files.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["index.html", "pref-03.html"]
        );
        let (_, nation) = &files[0];
        let (_, page) = &files[1];
        for html in [nation, page] {
            assert!(html.starts_with("<!doctype html>"));
            assert!(!html.contains("NaN") && !html.contains("inf<") && !html.contains("<script"));
            assert!(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"));
            assert!(html.contains("国土数値情報"));
            assert!(html.contains("二次資料"));
        }
        // The nation's report: 330 area rows, 47 prefectures, a link to Iwate's report.
        assert_eq!(nation.matches("<tr data-area=").count(), 330);
        assert!(nation.contains(r#"<a href="pref-03.html">岩手県</a>"#));
        // Iwate's: nine areas in the table and on the map, 釜石 last of 330.
        assert_eq!(page.matches("<tr data-area=").count(), 9);
        assert!(page.contains("岩手県 医師偏在と地域医療の分析"));
        assert!(page.contains(r#"<td>0306</td><td>釜石</td><td class="num">107.8</td>"#));
        assert!(page.contains("182.5（47位/47）"));
        // The outlook, beds and pyramid are there.
        assert!(
            page.contains("医療需要指数")
                && page.contains("回復期")
                && page.contains("2040（推計）")
        );
        assert!(
            nation.contains("（2区域を除く）"),
            "福島県浜通り's two areas lack projections"
        );
    }
}
