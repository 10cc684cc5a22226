//! The outlook of each secondary area to 2050: a cohort-component projection by sex × age
//! calibrated to the IPSS municipal projection, JMAP demand indices, the standardised
//! utilisation ratio moved by ageing, doctors needed for the national index, supply and gap,
//! and beds by function against the necessary beds. Everything here is computed once per
//! process from the bundled data ([`outlook`]); the register adds obligated doctors' service
//! to the supply ([`with_obligated`]).
//!
//! Method, in the order of computation (the report prints the same):
//! 1. Population by sex × five-year age on 2025-01-01 (住民基本台帳) and the movements of 2024
//!    (births, deaths, net migration) are summed over each area's municipalities.
//! 2. [`chiiki_analytics::cohort::project`] carries each area's population to 2030 … 2050 in
//!    five-year steps and rakes it to the area's IPSS totals, 65+ and 75+ of each year.
//! 3. Expected utilisation per head = Σ national inpatient rate by age × persons ÷ persons
//!    (the rates are a secondary source). The area's standardised utilisation ratio in a year
//!    is the published ratio × the area's change in expected utilisation since 2025 ÷ Japan's
//!    (the sum of all areas).
//! 4. Doctors needed = national index (255.6) × population ÷ 100,000 × that ratio; supply =
//!    the published standardised doctors (2020 census; no age profile of doctors by area is
//!    public, so no retirement is modelled) plus the change in FTE that obligated doctors of
//!    the register serve in the area since the census; gap = supply − needed.
//! 5. JMAP demand indices with 2020 = 100; the 2020 age groups come from the IPSS 2020 total,
//!    65+ and 75+ with the under-65s split as in 2025.
//! 6. Beds: the 2025 bed-function report's beds and the 2025 necessary beds of the 構想区域 in
//!    the area, summed; necessary beds in 2040 = those of 2025 × the change in inpatient
//!    demand (rates by age × projected population); flags from
//!    [`chiiki_analytics::beds::compare`].

use std::collections::HashMap;

use chiiki_analytics::beds::{self, BedFlag, BedFunction};
use chiiki_analytics::cohort::{self, CohortInputs, Constraint};
use chiiki_analytics::demand::{AgeGroups, DemandKind, demand_index};
use chiiki_analytics::formula::{UtilisationRates, expected_utilisation};
use chiiki_analytics::supply;
use chiiki_analytics::{NATIONAL_INDEX_2024, Population, round1};
use chiiki_domain::AreaCode;
use serde::Serialize;

use crate::analysis::sum_by_area;
use crate::refdata::{self, Movements, PROJECTION_YEARS, Projection, ReferenceData};

/// The years of the outlook: those of the IPSS projection.
pub const YEARS: [i32; 7] = PROJECTION_YEARS;

/// One year of an area's outlook. A figure that cannot be computed is `null`, with the
/// reason in the area's `gaps`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFigures {
    pub year: i32,
    /// Persons (IPSS; the cohort projection where IPSS has no figure of the area).
    pub population: Option<f64>,
    pub aged_65_plus: Option<f64>,
    pub aged_75_plus: Option<f64>,
    /// JMAP medical demand index, 2020 = 100.
    pub medical_demand_index: Option<f64>,
    /// JMAP care demand index, 2020 = 100.
    pub care_demand_index: Option<f64>,
    /// The standardised utilisation ratio moved by ageing (published value in 2025's place).
    pub utilisation_ratio: Option<f64>,
    /// Standardised doctors at which the area's index equals the national value (255.6).
    pub doctors_needed: Option<f64>,
    /// Today's standardised doctors plus the register's obligated service in the area.
    pub supply: Option<f64>,
    /// supply − doctors needed (negative: short).
    pub gap: Option<f64>,
    /// Persons in the five groups of the demand indices (for sums over areas).
    #[serde(skip)]
    pub age_groups: Option<AgeGroups>,
}

/// Beds of one function in an area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BedFigures {
    pub function: BedFunction,
    /// Beds in the 2025 bed-function report.
    pub reported: Option<f64>,
    /// 必要病床数 of the 2025 地域医療構想.
    pub necessary_2025: Option<f64>,
    /// The same carried to 2040 by inpatient demand.
    pub necessary_2040: Option<f64>,
    /// reported − necessary (2025).
    pub difference: Option<f64>,
    pub flag: BedFlag,
}

/// The outlook of one area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaOutlook {
    pub years: Vec<YearFigures>,
    pub beds: Vec<BedFigures>,
    /// The standardised utilisation ratio recomputed from 2025 population and the national
    /// inpatient rates by age only (an approximation: see [`RATIO_NOTE`]).
    pub utilisation_ratio_inpatient: Option<f64>,
    /// Population by sex × age, 2025 (住民基本台帳) and 2040 (projected).
    #[serde(skip)]
    pub ages_2025: Option<Population>,
    #[serde(skip)]
    pub ages_2040: Option<Population>,
    pub gaps: Vec<String>,
}

impl AreaOutlook {
    /// The figures of a year of [`YEARS`].
    pub fn year(&self, year: i32) -> Option<&YearFigures> {
        self.years.iter().find(|y| y.year == year)
    }

    /// The utilisation ratio in any year from 2025 to 2050, linear between grid years.
    pub fn ratio_in(&self, year: i32) -> Option<f64> {
        interpolate(&self.years, year, |y| y.utilisation_ratio)
    }

    /// The population in any year from 2020 to 2050, linear between grid years.
    pub fn population_in(&self, year: i32) -> Option<f64> {
        interpolate(&self.years, year, |y| y.population)
    }

    /// Adds to the supply the change in FTE that obligated doctors serve in the area: their
    /// FTE in each year less that on the census day of the published doctors (under 2020),
    /// whom the published figure already counts. Negative when obligated service ends.
    pub fn with_obligated(&mut self, fte_by_year: &HashMap<i32, f64>) {
        let counted = fte_by_year.get(&2020).copied().unwrap_or(0.0);
        for y in self.years.iter_mut().filter(|y| y.year > 2020) {
            let add = fte_by_year.get(&y.year).copied().unwrap_or(0.0) - counted;
            if let Some(s) = y.supply.as_mut() {
                *s = round1((*s + add).max(0.0));
                y.gap = y.doctors_needed.map(|n| round1(*s - n));
            }
        }
    }
}

fn interpolate(
    years: &[YearFigures],
    year: i32,
    f: impl Fn(&YearFigures) -> Option<f64>,
) -> Option<f64> {
    let k = years.iter().position(|y| y.year >= year)?;
    let b = &years[k];
    if b.year == year {
        return f(b);
    }
    let a = years.get(k.checked_sub(1)?)?;
    let (x0, x1) = (f(a)?, f(b)?);
    let t = f64::from(year - a.year) / f64::from(b.year - a.year);
    Some(x0 + (x1 - x0) * t)
}

/// The method of the outlook in the words of the report (Japanese), step by step.
pub const METHOD_NOTES: [&str; 6] = [
    "人口：2025年1月1日の住民基本台帳人口（男女・5歳階級）と2024年の人口動態（出生・死亡・転入出）を二次医療圏ごとに合計し、コーホート要因法で5年ごとに2050年まで推計。死亡はゴンペルツ型の年齢パターン（傾き0.095、女性は男性の0.56倍）の水準を2024年の死亡数に合わせ、出生は2024年の出生数÷15–49歳女性の率を一定、出生性比105、純移動は2024年の値を標準的な年齢パターンで配分。各年の総数・65歳以上・75歳以上は国立社会保障・人口問題研究所の市区町村別推計（令和5年推計）の合計に合わせて補正（福島県浜通りの2区域は同推計が一括のため補正なし）。",
    "医療需要指数・介護需要指数：日本医師会 JMAP の重み（医療：0–14歳0.6、15–39歳0.4、40–64歳1.0、65–74歳2.3、75歳以上3.9／介護：40–64歳1.0、65–74歳9.7、75歳以上87.3）で、2020年 = 100。2020年の年齢区分は同推計の総数・65歳以上・75歳以上から、65歳未満を2025年の構成で按分。",
    "標準化受療率比の推計：公表値（2025年の位置）に、区域の期待受療率（全国の年齢階級別入院受療率 × 推計人口）の2025年からの変化を全国（全区域の合計）の変化で割った比を掛けたもの。入院受療率は二次資料による。",
    "必要医師数：医師偏在指標が全国値 255.6 になる標準化医師数 = 255.6 × 人口 ÷ 10万 × 推計した標準化受療率比。目標医師数（2026）は医師少数区域の上限 179.3 で同様に計算。",
    "供給：公表の標準化医師数（2020年医師・歯科医師・薬剤師統計）を一定とし（区域別の医師の年齢構成は公表されておらず、退職と新規参入は相殺と仮定）、登録簿の義務年限中の医師がその区域で勤務するFTEの2020年末からの増減を加えたもの。過不足 = 供給 − 必要医師数。",
    "年の値は5年ごとの推計値の間を直線で補間（2026年、2036年）。",
];

/// What the recomputed ratio is, said wherever it is shown.
pub const RATIO_NOTE: &str = "標準化受療率比の再計算は、全国の年齢階級別入院受療率（二次資料）× 2025年1月1日の住民基本台帳人口による近似。公表値は外来（無床診療所）需要、流出入調整係数、性別の受療率、2021年人口を含むため一致しない。外来受療率と流出入係数は表として公表されていない。";

/// The outlook of the whole country, computed once per process and shared.
pub fn national() -> Result<&'static HashMap<AreaCode, AreaOutlook>, refdata::RefDataError> {
    static NATIONAL: std::sync::OnceLock<
        Result<HashMap<AreaCode, AreaOutlook>, refdata::RefDataError>,
    > = std::sync::OnceLock::new();
    NATIONAL
        .get_or_init(|| outlook(refdata::national()?))
        .as_ref()
        .map_err(Clone::clone)
}

/// The outlook of every area of the reference data, by area.
pub fn outlook(
    reference: &ReferenceData,
) -> Result<HashMap<AreaCode, AreaOutlook>, refdata::RefDataError> {
    let ages = sum_by_area(reference, refdata::ages()?, Population::add);
    let moves = sum_by_area(reference, refdata::movements()?, Movements::add);
    let projected = sum_by_area(reference, refdata::projections()?, Projection::add);
    let rates =
        UtilisationRates::from_published_ages(&refdata::inpatient_rates()?).map_err(|e| {
            refdata::RefDataError {
                file: "mhlw_patient_survey_R5_2023_national_inpatient_rate_by_age_SECONDARY.csv",
                row: 0,
                reason: e.to_string(),
            }
        })?;

    // Cohort projections of every area; Japan is their sum.
    let mut cohorts: HashMap<AreaCode, Result<Vec<cohort::ProjectedYear>, String>> = HashMap::new();
    for i in &reference.index {
        let base = ages.get(&i.area).copied().flatten();
        let flows = moves.get(&i.area).copied().flatten();
        let ipss = projected.get(&i.area).copied().flatten();
        let result = match (base, flows) {
            (Some(base), Some(m)) => {
                let mut inputs = CohortInputs::new(2025, base, m.births, m.deaths, m.net_migration);
                if let Some(p) = ipss {
                    inputs.constraints = (2..7)
                        .map(|k| Constraint {
                            year: YEARS[k],
                            total: p.total[k],
                            aged_65_plus: p.aged_65_plus[k],
                            aged_75_plus: p.aged_75_plus[k],
                        })
                        .collect();
                }
                cohort::project(&inputs, 2050).map_err(|e| e.message().to_string())
            }
            _ => Err("population by age or the movements of 2024 are missing".to_string()),
        };
        cohorts.insert(i.area, result);
    }
    let mut japan = [Population::default(); 6];
    for rows in cohorts.values().flatten() {
        for (j, row) in japan.iter_mut().zip(rows) {
            j.add(&row.population);
        }
    }
    let national_e: Vec<Option<f64>> = japan
        .iter()
        .map(|p| expected_utilisation(&rates, p).ok())
        .collect();

    let mut out = HashMap::new();
    // Reported and necessary beds by function, summed over the 構想区域 of each area.
    type Beds4 = [Option<f64>; 4];
    let mut vision_sums: HashMap<AreaCode, (Beds4, Beds4)> = HashMap::new();
    for v in refdata::vision_areas()? {
        if let Some(area) = reference.vision_area_of.get(&v.code) {
            let entry = vision_sums
                .entry(*area)
                .or_insert(([Some(0.0); 4], [Some(0.0); 4]));
            for k in 0..4 {
                entry.0[k] = entry.0[k].zip(v.reported[k]).map(|(a, b)| a + b);
                entry.1[k] = entry.1[k].zip(v.necessary[k]).map(|(a, b)| a + b);
            }
        }
    }
    for i in &reference.index {
        let mut gaps = Vec::new();
        let ipss = projected.get(&i.area).copied().flatten();
        if ipss.is_none() {
            gaps.push("IPSS の推計に区域の市町村が個別にない（福島県浜通りは一括）ため、人口はコーホート推計（較正なし） / IPSS projects 福島県浜通り only as a group: population from the uncalibrated cohort projection".to_string());
        }
        let rows = match cohorts.get(&i.area) {
            Some(Ok(rows)) => Some(rows),
            Some(Err(e)) => {
                gaps.push(format!("cohort projection: {e}"));
                None
            }
            None => None,
        };
        let pop_at = |k: usize| -> Option<&Population> {
            // k indexes YEARS; the cohort starts at 2025 (k = 1).
            rows.and_then(|r| r.get(k.checked_sub(1)?))
                .map(|r| &r.population)
        };
        let base_groups = ages
            .get(&i.area)
            .copied()
            .flatten()
            .and_then(|p| AgeGroups::from_population(&p).ok());
        let groups_2020 = ipss.and_then(|p| {
            let t = p.total[0];
            if t <= 0.0 {
                return None;
            }
            AgeGroups::from_totals(
                t,
                p.aged_65_plus[0] / t,
                p.aged_75_plus[0] / t,
                base_groups.as_ref()?,
            )
            .ok()
        });
        if groups_2020.is_none() {
            gaps.push(
                "demand indices: no 2020 age groups (2020 = 100 needs the IPSS 2020 figures)"
                    .to_string(),
            );
        }
        let e_area: Vec<Option<f64>> = (0..7)
            .map(|k| pop_at(k).and_then(|p| expected_utilisation(&rates, p).ok()))
            .collect();
        let supply = i.standardized_physicians;
        let mut years = Vec::with_capacity(7);
        for (k, &year) in YEARS.iter().enumerate() {
            let cohort_pop = pop_at(k);
            let population = ipss
                .map(|p| p.total[k])
                .or_else(|| cohort_pop.map(Population::total));
            let aged_65 = ipss
                .map(|p| p.aged_65_plus[k])
                .or_else(|| cohort_pop.map(Population::aged_65_plus));
            let aged_75 = ipss
                .map(|p| p.aged_75_plus[k])
                .or_else(|| cohort_pop.map(Population::aged_75_plus));
            let groups = if k == 0 {
                groups_2020
            } else {
                cohort_pop.and_then(|p| AgeGroups::from_population(p).ok())
            };
            let index_of = |kind| {
                groups_2020
                    .as_ref()
                    .zip(groups.as_ref())
                    .and_then(|(b, g)| demand_index(b, g, kind).ok())
                    .map(round1)
            };
            let ratio = if k == 0 {
                None
            } else {
                moved_ratio(
                    i.standardized_utilization_ratio,
                    e_area[1],
                    e_area[k],
                    national_e[0],
                    national_e[k - 1],
                )
            };
            let needed = population
                .zip(ratio)
                .and_then(|(p, r)| supply::required_doctors(NATIONAL_INDEX_2024, p, r).ok());
            years.push(YearFigures {
                year,
                population: population.map(f64::round),
                aged_65_plus: aged_65.map(f64::round),
                aged_75_plus: aged_75.map(f64::round),
                medical_demand_index: index_of(DemandKind::Medical),
                care_demand_index: index_of(DemandKind::Care),
                utilisation_ratio: ratio.map(chiiki_analytics::round3),
                doctors_needed: needed.map(round1),
                supply: (k > 0).then_some(supply),
                gap: needed.filter(|_| k > 0).map(|n| round1(supply - n)),
                age_groups: groups,
            });
        }
        let ages_2025 = ages.get(&i.area).copied().flatten();
        let ages_2040 = pop_at(4).copied();
        let (reported, necessary) = vision_sums
            .get(&i.area)
            .copied()
            .unwrap_or(([None; 4], [None; 4]));
        if !vision_sums.contains_key(&i.area) {
            gaps.push("beds: no 構想区域 of the 2025 report lies in the area".to_string());
        }
        let necessary_2040 = match (necessary, ages_2025, ages_2040) {
            ([Some(a), Some(b), Some(c), Some(d)], Some(p25), Some(p40)) => {
                beds::project_necessary([a, b, c, d], &p25, &p40, &rates).ok()
            }
            _ => None,
        };
        let compared = beds::compare(reported, necessary);
        let beds = compared
            .iter()
            .map(|g| BedFigures {
                function: g.function,
                reported: g.reported,
                necessary_2025: g.necessary,
                necessary_2040: necessary_2040.map(|n| n[g.function.index()].round()),
                difference: g.difference,
                flag: g.flag,
            })
            .collect();
        let ratio_inpatient = ages_2025
            .and_then(|p| expected_utilisation(&rates, &p).ok())
            .zip(national_e[0])
            .and_then(|(a, n)| chiiki_analytics::formula::utilisation_ratio(a, n).ok())
            .map(chiiki_analytics::round3);
        out.insert(
            i.area,
            AreaOutlook {
                years,
                beds,
                utilisation_ratio_inpatient: ratio_inpatient,
                ages_2025,
                ages_2040,
                gaps,
            },
        );
    }
    Ok(out)
}

/// The published ratio × (area's expected utilisation now ÷ in 2025) ÷ (Japan's likewise).
fn moved_ratio(
    published: f64,
    area_2025: Option<f64>,
    area_now: Option<f64>,
    japan_2025: Option<f64>,
    japan_now: Option<f64>,
) -> Option<f64> {
    let (a0, a1, j0, j1) = (area_2025?, area_now?, japan_2025?, japan_now?);
    if a0 <= 0.0 || j0 <= 0.0 || j1 <= 0.0 {
        return None;
    }
    let r = published * (a1 / a0) / (j1 / j0);
    r.is_finite().then_some(r)
}

/// A utilisation-rate table given by the user (for example the adjusted rates of the
/// ministry's guideline), as CSV: a header row naming the age column (`age_group`, `age`,
/// `年齢階級`) and the rate column (`rate`, `受療率`, per 100,000), and optionally a sex column
/// (`sex`, `性別`: M/F/T, 男/女/総数). Age groups as the patient survey publishes them (`0`,
/// `1-4`, `5-9`, … `90+`) or five-year bands. Any problem is an error naming the file, row and
/// column, in Japanese and English.
pub fn rates_from_csv(file: &str, bytes: &[u8]) -> Result<UtilisationRates, crate::AppError> {
    use chiiki_analytics::formula::SexGroup;
    let fail = |row: usize, column: &str, ja: String, en: String| {
        crate::AppError::Rejected(chiiki_domain::Msg::new(
            format!("{file} {row}行目 {column}: {ja}"),
            format!("{file} row {row}, {column}: {en}"),
        ))
    };
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(
        |_| {
            fail(
                1,
                "-",
                "UTF-8 で保存してください".into(),
                "save the file as UTF-8".into(),
            )
        },
    )?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| fail(1, "-", e.to_string(), e.to_string()))?
        .clone();
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let age = find(&["age_group", "age", "年齢階級", "年齢"]).ok_or_else(|| {
        fail(
            1,
            "-",
            "年齢階級の列（age_group / 年齢階級）がありません".into(),
            "no age column (age_group)".into(),
        )
    })?;
    let rate = find(&["rate", "受療率", "rate_per_100k"]).ok_or_else(|| {
        fail(
            1,
            "-",
            "受療率の列（rate / 受療率）がありません".into(),
            "no rate column (rate)".into(),
        )
    })?;
    let sex = find(&["sex", "性別"]);
    let (mut both, mut male, mut female) = (Vec::new(), Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let r = record.map_err(|e| fail(row, "-", e.to_string(), e.to_string()))?;
        let label = r.get(age).unwrap_or_default().trim().to_string();
        let raw = r.get(rate).unwrap_or_default().trim();
        let value: f64 = raw.replace(',', "").parse().map_err(|_| {
            fail(
                row,
                &header[rate],
                format!("「{raw}」は数ではありません（10万人あたりの受療率を数字で）"),
                format!("'{raw}' is not a number (the rate per 100,000 in digits)"),
            )
        })?;
        let group = match sex {
            None => SexGroup::Total,
            Some(k) => SexGroup::parse(r.get(k).unwrap_or_default()).map_err(|e| {
                let m = e.message();
                fail(row, &header[k], m.ja, m.en)
            })?,
        };
        match group {
            SexGroup::Total => both.push((label, value)),
            SexGroup::Male => male.push((label, value)),
            SexGroup::Female => female.push((label, value)),
        }
    }
    let table = if male.is_empty() && female.is_empty() {
        UtilisationRates::from_published_ages(&both)
    } else {
        UtilisationRates::from_published_ages_by_sex(&male, &female)
    };
    table.map_err(|e| {
        let m = e.message();
        crate::AppError::Rejected(chiiki_domain::Msg::new(
            format!("{file}: {}", m.ja),
            format!("{file}: {}", m.en),
        ))
    })
}

/// What the recomputed ratio is when the user gave the rates.
pub fn ratio_note_for(file: &str) -> String {
    format!(
        "標準化受療率比の再計算は、利用者が与えた受療率表（{file}）× 2025年1月1日の住民基本台帳人口による。公表値との差は、表の違い（外来需要、流出入調整係数を含むか）と人口の時点（公表値は2021年）による。"
    )
}

/// The standardised utilisation ratio of every area recomputed with `rates` and the 2025
/// population by sex × age (Japan as the sum of the areas).
pub fn recomputed_ratios(
    reference: &ReferenceData,
    rates: &UtilisationRates,
) -> Result<HashMap<AreaCode, Option<f64>>, refdata::RefDataError> {
    let ages = sum_by_area(reference, refdata::ages()?, Population::add);
    let mut japan = Population::default();
    for p in ages.values().flatten() {
        japan.add(p);
    }
    let national = expected_utilisation(rates, &japan).ok();
    Ok(ages
        .iter()
        .map(|(area, p)| {
            let r = p
                .as_ref()
                .and_then(|p| expected_utilisation(rates, p).ok())
                .zip(national)
                .and_then(|(a, n)| chiiki_analytics::formula::utilisation_ratio(a, n).ok())
                .map(chiiki_analytics::round3);
            (*area, r)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iwate_and_japan() {
        let all = national().unwrap();
        assert_eq!(all.len(), 330);
        let reference = refdata::national().unwrap();
        for i in reference
            .index
            .iter()
            .filter(|i| i.area.pref().to_string() == "03")
        {
            let o = &all[&i.area];
            assert!(o.gaps.is_empty(), "{:?}", o.gaps);
            assert_eq!(o.years.len(), 7);
            let y2020 = o.year(2020).unwrap();
            assert_eq!(y2020.medical_demand_index, Some(100.0));
            assert_eq!(y2020.care_demand_index, Some(100.0));
            // 2025 keeps the published ratio; later years move with ageing.
            let y2025 = o.year(2025).unwrap();
            assert_eq!(
                y2025.utilisation_ratio,
                Some(i.standardized_utilization_ratio)
            );
            for y in &o.years[1..] {
                for x in [
                    y.population,
                    y.medical_demand_index,
                    y.care_demand_index,
                    y.utilisation_ratio,
                    y.doctors_needed,
                    y.supply,
                    y.gap,
                ] {
                    let x = x.unwrap_or_else(|| panic!("{} {}", i.area, y.year));
                    assert!(x.is_finite());
                }
                assert_eq!(
                    y.gap,
                    Some(round1(y.supply.unwrap() - y.doctors_needed.unwrap()))
                );
            }
            // Iwate shrinks.
            assert!(o.year(2050).unwrap().population < y2025.population);
            assert!(o.ages_2025.is_some() && o.ages_2040.is_some());
        }
        // 釜石: no high-acute beds reported against 31 necessary.
        let kamaishi = &all[&AreaCode::parse("0306").unwrap()];
        let high = &kamaishi.beds[0];
        assert_eq!(high.function, BedFunction::HighAcute);
        assert_eq!(
            (high.reported, high.necessary_2025, high.flag),
            (Some(0.0), Some(31.0), BedFlag::Missing)
        );
        // Beds of Japan: the 339 構想区域 are all counted once.
        let reported: f64 = all
            .values()
            .flat_map(|o| &o.beds)
            .filter_map(|b| b.reported)
            .sum();
        let vision: f64 = refdata::vision_areas()
            .unwrap()
            .iter()
            .flat_map(|v| v.reported)
            .flatten()
            .sum();
        assert_eq!(reported, vision);
        // Only 福島県浜通り's two areas lack the IPSS figures; their cohort projection fills in.
        let uncalibrated: Vec<_> = all
            .iter()
            .filter(|(_, o)| !o.gaps.is_empty())
            .map(|(a, _)| a.to_string())
            .collect();
        assert!(uncalibrated.len() <= 2, "{uncalibrated:?}");
        // The inpatient-only ratio is an approximation: say how far it is.
        let mut diffs: Vec<f64> = reference
            .index
            .iter()
            .filter_map(|i| {
                Some(
                    (all[&i.area].utilisation_ratio_inpatient? - i.standardized_utilization_ratio)
                        .abs(),
                )
            })
            .collect();
        diffs.sort_by(f64::total_cmp);
        println!(
            "inpatient-only ratio vs published: median |diff| {:.3}, max {:.3}",
            diffs[diffs.len() / 2],
            diffs[diffs.len() - 1]
        );
        assert_eq!(diffs.len(), 330);
    }

    #[test]
    fn obligated_service_adds_to_supply() {
        let all = national().unwrap();
        let mut o = all[&AreaCode::parse("0306").unwrap()].clone();
        let before = o.year(2030).unwrap().clone();
        o.with_obligated(&HashMap::from([(2030, 2.5)]));
        let after = o.year(2030).unwrap();
        assert_eq!(after.supply, before.supply.map(|s| s + 2.5));
        assert_eq!(after.gap, before.gap.map(|g| round1(g + 2.5)));
        assert_eq!(
            o.year(2035),
            all[&AreaCode::parse("0306").unwrap()].year(2035)
        );
    }

    #[test]
    fn a_rate_table_from_a_file() {
        let bundled = refdata::inpatient_rates().unwrap();
        let mut csv = String::from("年齢階級,受療率\n");
        for (label, rate) in &bundled {
            csv.push_str(&format!("{label},{rate}\n"));
        }
        let rates = rates_from_csv("rates.csv", csv.as_bytes()).unwrap();
        let reference = refdata::national().unwrap();
        let ratios = recomputed_ratios(reference, &rates).unwrap();
        // The bundled table through a file gives the outlook's recomputed ratio.
        let all = national().unwrap();
        for (area, r) in &ratios {
            assert_eq!(*r, all[area].utilisation_ratio_inpatient, "{area}");
        }
        // Problems name the row and column, in both languages.
        let e = rates_from_csv("rates.csv", "age_group,rate\n0,abc\n".as_bytes()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("row 2, rate"), "{text}");
        let e = rates_from_csv("r.csv", "age,rate\n0,1\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("r.csv"), "{e}");
        assert!(rates_from_csv("r.csv", "x,y\n".as_bytes()).is_err());
        let by_sex = "sex,age_group,rate\n".to_string()
            + &bundled
                .iter()
                .flat_map(|(l, r)| [format!("M,{l},{r}\n"), format!("女,{l},{}\n", r * 1.1)])
                .collect::<String>();
        assert!(
            rates_from_csv("s.csv", by_sex.as_bytes())
                .unwrap()
                .is_by_sex()
        );
    }

    #[test]
    fn interpolation() {
        let all = national().unwrap();
        let o = &all[&AreaCode::parse("0301").unwrap()];
        let (a, b) = (o.ratio_in(2035).unwrap(), o.ratio_in(2040).unwrap());
        let mid = o.ratio_in(2036).unwrap();
        assert!((mid - (a + (b - a) * 0.2)).abs() < 1e-9);
        assert_eq!(o.ratio_in(2020), None);
        assert_eq!(o.ratio_in(2051), None);
        assert!(o.population_in(2026).is_some());
    }
}
