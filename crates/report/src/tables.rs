//! The analysis as tables: one column list per table serves the terminal, CSV and the Excel
//! workbook, so they always agree. A missing figure is `—` (with the reason in `gaps`),
//! never NaN or an empty number.

use chiiki_app::analysis::AreaAnalysis;
use chiiki_app::outlook::{BedFigures, YearFigures};
use chiiki_domain::Lang;
use chiiki_tabular::{Cell, Sheet, WriteError};

/// A column: its machine key (CSV and JSON), its Japanese header (workbook, terminal) and
/// how a row gives its cell.
pub struct Col<T: ?Sized> {
    pub key: &'static str,
    pub ja: &'static str,
    pub value: fn(&T) -> Cell,
}

/// What a missing figure shows.
pub const MISSING: &str = "—";

fn n(x: Option<f64>) -> Cell {
    match x.filter(|v| v.is_finite()) {
        Some(v) => Cell::Number(v),
        None => Cell::Text(MISSING.to_string()),
    }
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn function_rate<const K: usize>(a: &AreaAnalysis) -> Cell {
    n(a.beds_by_function.get(K).and_then(|f| f.per_100k))
}

fn function_deviation<const K: usize>(a: &AreaAnalysis) -> Cell {
    n(a.beds_by_function.get(K).and_then(|f| f.deviation))
}

/// Beds of each function per 100,000 and their deviation scores.
fn function_columns() -> Vec<Col<AreaAnalysis>> {
    type Pair = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        fn(&AreaAnalysis) -> Cell,
        fn(&AreaAnalysis) -> Cell,
    );
    let rates: [Pair; 4] = [
        (
            "high_acute_per_100k",
            "高度急性期病床/10万",
            "high_acute_deviation",
            "高度急性期の偏差値",
            function_rate::<0>,
            function_deviation::<0>,
        ),
        (
            "acute_per_100k",
            "急性期病床/10万",
            "acute_deviation",
            "急性期の偏差値",
            function_rate::<1>,
            function_deviation::<1>,
        ),
        (
            "recovery_per_100k",
            "回復期病床/10万",
            "recovery_deviation",
            "回復期の偏差値",
            function_rate::<2>,
            function_deviation::<2>,
        ),
        (
            "chronic_per_100k",
            "慢性期病床/10万",
            "chronic_deviation",
            "慢性期の偏差値",
            function_rate::<3>,
            function_deviation::<3>,
        ),
    ];
    rates
        .into_iter()
        .flat_map(|(key, ja, dkey, dja, rate, dev)| {
            [
                Col {
                    key,
                    ja,
                    value: rate,
                },
                Col {
                    key: dkey,
                    ja: dja,
                    value: dev,
                },
            ]
        })
        .collect()
}

/// The columns of the areas table.
pub fn area_columns() -> Vec<Col<AreaAnalysis>> {
    let mut cols = area_columns_before_outlook();
    cols.extend(function_columns());
    cols.extend(outlook_columns());
    cols
}

fn area_columns_before_outlook() -> Vec<Col<AreaAnalysis>> {
    vec![
        Col {
            key: "area_code",
            ja: "二次医療圏コード",
            value: |a| t(&a.area_code),
        },
        Col {
            key: "area_name",
            ja: "二次医療圏",
            value: |a| t(&a.area_name),
        },
        Col {
            key: "maldistribution_index",
            ja: "医師偏在指標",
            value: |a| n(Some(a.maldistribution_index)),
        },
        Col {
            key: "recomputed_index",
            ja: "指標（構成要素から再計算）",
            value: |a| n(a.recomputed_index),
        },
        Col {
            key: "difference",
            ja: "差",
            value: |a| n(a.difference),
        },
        Col {
            key: "class",
            ja: "区分",
            value: |a| t(a.class.code()),
        },
        Col {
            key: "rank",
            ja: "順位（330）",
            value: |a| n(Some(f64::from(a.rank))),
        },
        Col {
            key: "class_ja",
            ja: "区分（日本語）",
            value: |a| t(a.class.label(Lang::Ja)),
        },
        Col {
            key: "standardized_physicians",
            ja: "標準化医師数",
            value: |a| n(Some(a.standardized_physicians)),
        },
        Col {
            key: "population_100k",
            ja: "人口（10万人）",
            value: |a| n(Some(a.population_100k)),
        },
        Col {
            key: "standardized_utilization_ratio",
            ja: "標準化受療率比",
            value: |a| n(Some(a.standardized_utilization_ratio)),
        },
        Col {
            key: "utilisation_ratio_inpatient",
            ja: "同（入院受療率による近似）",
            value: |a| n(a.utilisation_ratio_inpatient),
        },
        Col {
            key: "index_deviation",
            ja: "偏差値（区域平均）",
            value: |a| n(a.index_deviation),
        },
        Col {
            key: "index_deviation_national",
            ja: "偏差値（全国値）",
            value: |a| n(a.index_deviation_national),
        },
        Col {
            key: "hospital_doctors_per_100k",
            ja: "病院医師/10万",
            value: |a| n(a.hospital_doctors_per_100k),
        },
        Col {
            key: "hospital_doctors_deviation",
            ja: "病院医師の偏差値",
            value: |a| n(a.hospital_doctors_deviation),
        },
        Col {
            key: "hospital_doctors_deviation_national",
            ja: "病院医師の偏差値（全国率）",
            value: |a| n(a.hospital_doctors_deviation_national),
        },
        Col {
            key: "beds_per_100k",
            ja: "病床/10万",
            value: |a| n(a.beds_per_100k),
        },
        Col {
            key: "beds_deviation",
            ja: "病床の偏差値",
            value: |a| n(a.beds_deviation),
        },
        Col {
            key: "beds_deviation_national",
            ja: "病床の偏差値（全国率）",
            value: |a| n(a.beds_deviation_national),
        },
    ]
}

fn outlook_columns() -> Vec<Col<AreaAnalysis>> {
    fn year(a: &AreaAnalysis, y: i32, f: fn(&YearFigures) -> Option<f64>) -> Cell {
        n(a.years.iter().find(|r| r.year == y).and_then(f))
    }
    vec![
        Col {
            key: "population_2025",
            ja: "人口2025",
            value: |a| year(a, 2025, |y| y.population),
        },
        Col {
            key: "population_2040",
            ja: "人口2040",
            value: |a| year(a, 2040, |y| y.population),
        },
        Col {
            key: "medical_demand_2040",
            ja: "医療需要指数2040",
            value: |a| year(a, 2040, |y| y.medical_demand_index),
        },
        Col {
            key: "care_demand_2040",
            ja: "介護需要指数2040",
            value: |a| year(a, 2040, |y| y.care_demand_index),
        },
        Col {
            key: "target_doctors_2026",
            ja: "目標医師数2026",
            value: |a| n(a.target_doctors_2026),
        },
        Col {
            key: "doctors_for_national_2036",
            ja: "全国値に必要な医師数2036",
            value: |a| n(a.doctors_for_national_2036),
        },
        Col {
            key: "shortfall_2036",
            ja: "不足2036",
            value: |a| n(a.shortfall_2036),
        },
        Col {
            key: "gap_2040",
            ja: "過不足2040",
            value: |a| year(a, 2040, |y| y.gap),
        },
        Col {
            key: "gaps",
            ja: "欠けている値の理由",
            value: |a| t(a.gaps.join("; ")),
        },
    ]
}

/// A column of a table whose rows are an area and one of its parts (a year, a function).
pub struct PartCol<P> {
    pub key: &'static str,
    pub ja: &'static str,
    pub value: fn(&AreaAnalysis, &P) -> Cell,
}

/// The two columns that name the area of a part row.
fn area_keys<P>() -> Vec<PartCol<P>> {
    vec![
        PartCol {
            key: "area_code",
            ja: "二次医療圏コード",
            value: |a, _| t(&a.area_code),
        },
        PartCol {
            key: "area_name",
            ja: "二次医療圏",
            value: |a, _| t(&a.area_name),
        },
    ]
}

/// The columns of the outlook table: an area and one of its years per row.
pub fn year_columns() -> Vec<PartCol<YearFigures>> {
    let mut cols: Vec<PartCol<YearFigures>> = area_keys();
    cols.extend([
        PartCol {
            key: "year",
            ja: "年",
            value: |_, y: &YearFigures| n(Some(f64::from(y.year))),
        },
        PartCol {
            key: "population",
            ja: "人口",
            value: |_, y: &YearFigures| n(y.population),
        },
        PartCol {
            key: "aged_65_plus",
            ja: "65歳以上",
            value: |_, y: &YearFigures| n(y.aged_65_plus),
        },
        PartCol {
            key: "aged_75_plus",
            ja: "75歳以上",
            value: |_, y: &YearFigures| n(y.aged_75_plus),
        },
        PartCol {
            key: "medical_demand_index",
            ja: "医療需要指数（2020=100）",
            value: |_, y: &YearFigures| n(y.medical_demand_index),
        },
        PartCol {
            key: "care_demand_index",
            ja: "介護需要指数（2020=100）",
            value: |_, y: &YearFigures| n(y.care_demand_index),
        },
        PartCol {
            key: "utilisation_ratio",
            ja: "標準化受療率比（推計）",
            value: |_, y: &YearFigures| n(y.utilisation_ratio),
        },
        PartCol {
            key: "doctors_needed",
            ja: "全国値に必要な医師数",
            value: |_, y: &YearFigures| n(y.doctors_needed),
        },
        PartCol {
            key: "supply",
            ja: "供給",
            value: |_, y: &YearFigures| n(y.supply),
        },
        PartCol {
            key: "gap",
            ja: "過不足",
            value: |_, y: &YearFigures| n(y.gap),
        },
    ]);
    cols
}

/// The columns of the beds table: an area and one function per row.
pub fn bed_columns() -> Vec<PartCol<BedFigures>> {
    let mut cols: Vec<PartCol<BedFigures>> = area_keys();
    cols.extend([
        PartCol {
            key: "function",
            ja: "機能",
            value: |_, b: &BedFigures| t(b.function.label(Lang::Ja)),
        },
        PartCol {
            key: "reported",
            ja: "報告病床（2025）",
            value: |_, b: &BedFigures| n(b.reported),
        },
        PartCol {
            key: "necessary_2025",
            ja: "必要病床（2025）",
            value: |_, b: &BedFigures| n(b.necessary_2025),
        },
        PartCol {
            key: "necessary_2040",
            ja: "必要病床（2040推計）",
            value: |_, b: &BedFigures| n(b.necessary_2040),
        },
        PartCol {
            key: "difference",
            ja: "差",
            value: |_, b: &BedFigures| n(b.difference),
        },
        PartCol {
            key: "flag",
            ja: "判定",
            value: |_, b: &BedFigures| t(b.flag.label(Lang::Ja)),
        },
    ]);
    cols
}

/// The rows of a part table, area by area.
pub fn part_rows<P>(
    areas: &[AreaAnalysis],
    parts: fn(&AreaAnalysis) -> &[P],
) -> Vec<(&AreaAnalysis, &P)> {
    areas
        .iter()
        .flat_map(|a| parts(a).iter().map(move |p| (a, p)))
        .collect()
}

fn part_sheet<P>(
    name: &str,
    cols: &[PartCol<P>],
    areas: &[AreaAnalysis],
    parts: fn(&AreaAnalysis) -> &[P],
) -> Sheet {
    Sheet {
        name: name.to_string(),
        headers: cols.iter().map(|c| c.ja.to_string()).collect(),
        rows: part_rows(areas, parts)
            .into_iter()
            .map(|(a, p)| cols.iter().map(|c| (c.value)(a, p)).collect())
            .collect(),
    }
}

fn sheet<T>(name: &str, cols: &[Col<T>], rows: &[T]) -> Sheet {
    Sheet {
        name: name.to_string(),
        headers: cols.iter().map(|c| c.ja.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| cols.iter().map(|c| (c.value)(r)).collect())
            .collect(),
    }
}

/// The analysis as an Excel workbook: areas, outlook, beds and sources.
pub fn workbook(areas: &[AreaAnalysis], sources: &[String]) -> Result<Vec<u8>, WriteError> {
    let sheets = [
        sheet("二次医療圏", &area_columns(), areas),
        part_sheet("将来推計", &year_columns(), areas, |a| &a.years),
        part_sheet("病床機能", &bed_columns(), areas, |a| &a.beds),
        Sheet {
            name: "出典と方法".into(),
            headers: vec!["出典と方法".into()],
            rows: sources.iter().map(|s| vec![t(s)]).collect(),
        },
    ];
    chiiki_tabular::sheets_to_xlsx("医師偏在と地域医療の分析", &sheets)
}

/// The areas table as CSV (UTF-8, machine keys as the header).
pub fn csv(areas: &[AreaAnalysis]) -> Result<Vec<u8>, csv::Error> {
    let cols = area_columns();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cols.iter().map(|c| c.key))?;
    for a in areas {
        w.write_record(cols.iter().map(|c| cell_text(&(c.value)(a))))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A cell as text: numbers without needless decimals.
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Number(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Cell::Number(v) => {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        other => other.to_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_workbook_of_iwate() {
        let rows: Vec<AreaAnalysis> = crate::national_areas()
            .iter()
            .filter(|r| r.pref_code == "03")
            .cloned()
            .collect();
        let text = String::from_utf8(csv(&rows).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10);
        assert!(lines[0].starts_with("area_code,area_name,maldistribution_index,"));
        assert!(lines[6].starts_with("0306,釜石,107.8,"), "{}", lines[6]);
        assert!(!text.contains("NaN") && !text.contains("inf"));
        let book = workbook(&rows, &["出典".into()]).unwrap();
        assert!(book.starts_with(b"PK"));
        // The same rows give the same bytes.
        assert_eq!(book, workbook(&rows, &["出典".into()]).unwrap());
        assert_eq!(part_rows(&rows, |a| &a.years).len(), 9 * 7);
        assert_eq!(part_rows(&rows, |a| &a.beds).len(), 9 * 4);
    }

    #[test]
    fn a_missing_figure_is_a_dash() {
        assert_eq!(n(None), Cell::Text(MISSING.into()));
        assert_eq!(n(Some(f64::NAN)), Cell::Text(MISSING.into()));
        assert_eq!(cell_text(&Cell::Number(1.250)), "1.25");
        assert_eq!(cell_text(&Cell::Number(330.0)), "330");
    }
}
