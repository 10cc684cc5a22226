//! Shortage analytics over the bundled published figures: the physician maldistribution
//! index of each secondary area (published, and recomputed from its components), its class
//! and rank, and deviation scores of the index, of hospital doctors and of beds per 100,000.

use std::collections::HashMap;

use chiiki_analytics::{Basis, Class, CutOffs, Gap, deviation_scores, index, round1};
use chiiki_domain::{AreaCode, Entity, Record};
use chiiki_store::{Paging, Store};
use serde::Serialize;

use crate::AppError;
use crate::access::Principal;
use crate::refdata;
use crate::register::{self, ListFilter};

/// One secondary area's figures. Missing figures are `null`, with the reason in `gaps`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaAnalysis {
    pub area_code: String,
    pub area_name: String,
    pub pref_code: String,
    /// As published (2024 edition), rounded to 0.1.
    pub maldistribution_index: f64,
    /// Recomputed from the published components (which are themselves rounded).
    pub recomputed_index: Option<f64>,
    /// Recomputed minus published.
    pub difference: Option<f64>,
    /// shortage, intermediate or surplus (2024 cut-offs 179.3 / 217.6).
    pub class: Class,
    /// The published rank of 330 (1 = the most doctors).
    pub rank: u32,
    pub standardized_physicians: f64,
    pub population_100k: f64,
    pub standardized_utilization_ratio: f64,
    /// 偏差値 of the index over the 330 areas (their mean as the centre).
    pub index_deviation: Option<f64>,
    /// The same against the national index (255.6).
    pub index_deviation_national: Option<f64>,
    /// Hospital and bed-clinic doctors (full-time + part-time FTE), 2025 bed-function report.
    pub hospital_doctors_fte: f64,
    pub hospital_doctors_per_100k: Option<f64>,
    pub hospital_doctors_deviation: Option<f64>,
    /// The same against the national rate (all areas' doctors ÷ their population).
    pub hospital_doctors_deviation_national: Option<f64>,
    /// All reported beds per 100,000 population.
    pub beds_per_100k: Option<f64>,
    pub beds_deviation: Option<f64>,
    pub beds_deviation_national: Option<f64>,
    /// Beds of each function per 100,000 and their deviation scores (both bases).
    pub beds_by_function: Vec<FunctionRate>,
    /// Projected population (IPSS 2023), 2025, 2036 (interpolated) and 2040.
    pub population_2025: Option<f64>,
    pub population_2036: Option<f64>,
    pub population_2040: Option<f64>,
    /// 目標医師数 at the end of the plan (FY2026): the shortage cut-off (179.3) × projected
    /// population / 100,000 × the projected standardised utilisation ratio.
    pub target_doctors_2026: Option<f64>,
    /// Standardised doctors at which the area's index would equal the national value
    /// (255.6) in 2036, on the same assumptions; and the gap to today's.
    pub doctors_for_national_2036: Option<f64>,
    pub shortfall_2036: Option<f64>,
    /// The standardised utilisation ratio recomputed from the national inpatient rates by
    /// age and the 2025 population (an approximation; see [`crate::outlook::RATIO_NOTE`]),
    /// and its difference from the published ratio.
    pub utilisation_ratio_inpatient: Option<f64>,
    pub utilisation_ratio_difference: Option<f64>,
    /// 2020 … 2050: population, demand indices, ratio, doctors needed, supply and gap.
    pub years: Vec<crate::outlook::YearFigures>,
    /// Beds by function: reported (2025), necessary (2025, 2040) and the flag.
    pub beds: Vec<crate::outlook::BedFigures>,
    /// Population by sex × age in 2025 and 2040 (for pyramids; not serialised).
    #[serde(skip)]
    pub ages_2025: Option<chiiki_analytics::Population>,
    #[serde(skip)]
    pub ages_2040: Option<chiiki_analytics::Population>,
    /// Why a figure is missing.
    pub gaps: Vec<String>,
}

/// Beds of one function per 100,000 population, and their deviation scores over the areas'
/// mean and against the national rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionRate {
    pub function: chiiki_analytics::beds::BedFunction,
    pub per_100k: Option<f64>,
    pub deviation: Option<f64>,
    pub deviation_national: Option<f64>,
}

/// A count per area as a rate per 100,000 (the index's population) with its deviation
/// scores over the mean of the areas and against the national rate (Σ count ÷ Σ population).
struct Rates {
    per_100k: Vec<Option<f64>>,
    mean: Vec<Option<f64>>,
    national: Vec<Option<f64>>,
}

impl Rates {
    fn of(reference: &refdata::ReferenceData, counts: &HashMap<AreaCode, f64>) -> Rates {
        let per_100k: Vec<Option<f64>> = reference
            .index
            .iter()
            .map(|i| {
                let x = counts.get(&i.area).copied().unwrap_or(0.0);
                (i.population_100k > 0.0).then(|| x / i.population_100k)
            })
            .collect();
        let population: f64 = reference
            .index
            .iter()
            .filter(|i| i.population_100k > 0.0)
            .map(|i| i.population_100k)
            .sum();
        let total: f64 = reference
            .index
            .iter()
            .filter(|i| i.population_100k > 0.0)
            .map(|i| counts.get(&i.area).copied().unwrap_or(0.0))
            .sum();
        let none = || vec![None; per_100k.len()];
        let mean = deviation_scores(&per_100k, Basis::MeanOfAreas).unwrap_or_else(|_| none());
        let national = (population > 0.0)
            .then(|| deviation_scores(&per_100k, Basis::Reference(total / population)).ok())
            .flatten()
            .unwrap_or_else(none);
        Rates {
            per_100k,
            mean,
            national,
        }
    }
}

/// One prefecture's index, rank and class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefectureAnalysis {
    pub pref_code: String,
    pub pref_name: String,
    pub maldistribution_index: f64,
    /// Rank of 47 from the published values (1 = the most doctors).
    pub rank: u32,
    /// Top 16: surplus (医師多数都道府県); bottom 16: shortage (医師少数都道府県).
    pub class: Class,
    /// 偏差値 over the 47 (their mean as the centre).
    pub index_deviation: Option<f64>,
}

/// The 47 prefectures, in code order, and the national index.
pub fn prefectures() -> Result<(Vec<PrefectureAnalysis>, f64), AppError> {
    let (published, national) = refdata::prefecture_index()?;
    let values: Vec<f64> = published.iter().map(|p| p.index).collect();
    let ranks = chiiki_analytics::ranks_desc(&values);
    let devs = deviation_scores(
        &values.iter().copied().map(Some).collect::<Vec<_>>(),
        Basis::MeanOfAreas,
    )
    .unwrap_or_else(|_| vec![None; values.len()]);
    let count = values.len() as u32;
    let rows = published
        .iter()
        .zip(ranks)
        .zip(devs)
        .map(|((p, rank), dev)| PrefectureAnalysis {
            pref_code: p.pref.to_string(),
            pref_name: p.pref.name_ja().to_string(),
            maldistribution_index: p.index,
            rank,
            class: chiiki_analytics::prefecture_class(rank, count),
            index_deviation: dev.map(round1),
        })
        .collect();
    Ok((rows, national))
}

/// The credit line of the figures.
pub const SOURCES: &str = "出典：厚生労働省『医師偏在指標（令和6年1月公表）』、厚生労働省「病床機能報告」（令和7年度公表）、国立社会保障・人口問題研究所「日本の地域別将来推計人口（令和5(2023)年推計）」、総務省「住民基本台帳に基づく人口、人口動態及び世帯数（令和7年1月1日現在）」、厚生労働省「令和5年患者調査の概況」（二次資料）を加工して作成。10万人あたりの値は医師偏在指標の人口による。目標医師数と必要医師数は標準化受療率比を年齢構成の変化で推計した値による。";

/// Every credit line of the analysis, one per source, for reports and workbooks.
pub fn source_lines() -> Vec<String> {
    [
        refdata::INDEX_SOURCE,
        refdata::HOSPITALS_SOURCE,
        refdata::PROJECTIONS_SOURCE,
        refdata::AGES_SOURCE,
        refdata::INPATIENT_SOURCE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The analysis of every secondary area (`national`) or of the areas of the register that
/// the principal may see, in area-code order. Deviation scores are always over all 330.
pub async fn analyze(
    store: &dyn Store,
    who: &Principal,
    national: bool,
) -> Result<Vec<AreaAnalysis>, AppError> {
    let reference = refdata::national()?;
    let wanted: Option<Vec<AreaCode>> = if national {
        None
    } else {
        let areas = register::list(
            store,
            who,
            Entity::Areas,
            &ListFilter::default(),
            Paging::default(),
        )
        .await?
        .items;
        Some(
            areas
                .iter()
                .filter_map(|r| {
                    if let Record::Area(a) = r {
                        Some(a.code)
                    } else {
                        None
                    }
                })
                .collect(),
        )
    };
    let Some(wanted) = wanted else {
        return Ok(compute_with(reference, crate::outlook::national()?));
    };
    // The register's obligated doctors add their service to the supply of their areas.
    let mut outlooks = crate::outlook::national()?.clone();
    for (area, fte) in obligated_fte(store, who).await? {
        if let Some(o) = outlooks.get_mut(&area) {
            o.with_obligated(&fte);
        }
    }
    let mut all = compute_with(reference, &outlooks);
    all.retain(|a| wanted.iter().any(|c| c.to_string() == a.area_code));
    Ok(all)
}

/// The FTE that enrolled (obligated) doctors of the register serve in each area on 1 April
/// of each outlook year from 2025, from their assignments at registered facilities; under
/// 2020 the FTE on the census day (2020-12-31), which the published doctors already count.
pub async fn obligated_fte(
    store: &dyn Store,
    who: &Principal,
) -> Result<HashMap<AreaCode, HashMap<i32, f64>>, AppError> {
    use chiiki_domain::Workplace;
    let all = ListFilter::default();
    let list = |entity| register::list(store, who, entity, &all, Paging::default());
    let enrolled: std::collections::HashSet<chiiki_domain::DoctorId> = list(Entity::Doctors)
        .await?
        .items
        .iter()
        .filter_map(|r| match r {
            Record::Doctor(d) if d.enrolment.is_some() => Some(d.id.clone()),
            _ => None,
        })
        .collect();
    let area_of: HashMap<chiiki_domain::FacilityId, AreaCode> = list(Entity::Facilities)
        .await?
        .items
        .iter()
        .filter_map(|r| match r {
            Record::Facility(f) => Some((f.id.clone(), f.area)),
            _ => None,
        })
        .collect();
    let mut out: HashMap<AreaCode, HashMap<i32, f64>> = HashMap::new();
    for r in list(Entity::Assignments).await?.items {
        let Record::Assignment(a) = r else { continue };
        let Some(Workplace::Registered { facility }) = &a.place else {
            continue;
        };
        let (true, Some(area)) = (enrolled.contains(&a.doctor), area_of.get(facility)) else {
            continue;
        };
        for year in crate::outlook::YEARS {
            let (m, d) = if year == 2020 { (12, 31) } else { (4, 1) };
            let Some(day) = chrono::NaiveDate::from_ymd_opt(year, m, d) else {
                continue;
            };
            if a.period.contains(day) {
                *out.entry(*area).or_default().entry(year).or_default() += a.fte.as_f64();
            }
        }
    }
    Ok(out)
}

/// Sums a figure of the municipalities and wards (projections, population by age, movements)
/// over each area. A designated city whose wards changed since the figures (浜松市, 2024)
/// counts as a whole when it lies in one area. `None` for an area with a municipality that
/// has no figure of its own (the IPSS projects 福島県浜通り only as one group).
pub fn sum_by_area<T: Clone + Default>(
    reference: &refdata::ReferenceData,
    values: &HashMap<chiiki_domain::LgCode, T>,
    add: impl Fn(&mut T, &T),
) -> HashMap<AreaCode, Option<T>> {
    use chiiki_domain::MunicipalityKind as Kind;
    let cities: Vec<&chiiki_domain::Municipality> = reference
        .municipalities
        .iter()
        .filter(|m| m.kind() == Kind::DesignatedCity)
        .collect();
    let city_of = |ward: &chiiki_domain::Municipality| {
        cities
            .iter()
            .find(|c| ward.name().as_str().starts_with(c.name().as_str()))
            .copied()
    };
    // Cities counted whole: a ward without a figure, and all wards in the city's area.
    let whole: Vec<&chiiki_domain::Municipality> = cities
        .iter()
        .copied()
        .filter(|c| {
            let wards: Vec<_> = reference
                .municipalities
                .iter()
                .filter(|m| {
                    m.kind() == Kind::Ward && city_of(m).map(|x| x.code()) == Some(c.code())
                })
                .collect();
            wards.iter().any(|w| !values.contains_key(&w.code()))
                && wards.iter().all(|w| w.area() == c.area())
                && values.contains_key(&c.code())
        })
        .collect();
    let mut out: HashMap<AreaCode, Option<T>> = HashMap::new();
    let mut put = |area: AreaCode, p: Option<&T>| {
        let entry = out.entry(area).or_insert(Some(T::default()));
        match (entry.as_mut(), p) {
            (Some(sum), Some(p)) => add(sum, p),
            _ => *entry = None,
        }
    };
    for m in &reference.municipalities {
        match m.kind() {
            Kind::DesignatedCity if whole.iter().any(|c| c.code() == m.code()) => {
                put(m.area(), values.get(&m.code()))
            }
            Kind::DesignatedCity => {}
            Kind::Ward
                if city_of(m).is_some_and(|c| whole.iter().any(|w| w.code() == c.code())) => {}
            _ => put(m.area(), values.get(&m.code())),
        }
    }
    out
}

/// The population in `year`, interpolated linearly between projection years.
pub fn population_in(p: &[f64; 7], year: i32) -> Option<f64> {
    let years = refdata::PROJECTION_YEARS;
    let k = years.iter().position(|y| *y > year)?.checked_sub(1)?;
    let (y0, y1) = (years[k], years[k + 1]);
    let t = f64::from(year - y0) / f64::from(y1 - y0);
    Some(p[k] + (p[k + 1] - p[k]) * t)
}

/// The class of an area by the 2024 cut-offs; for a published value on a cut-off after
/// rounding, the published class decides.
pub fn published_class(i: &refdata::PublishedIndex) -> Class {
    match Class::parse_published(&i.classification) {
        Some(c) if CutOffs::R6.on_the_line(i.index) => c,
        _ => CutOffs::R6.classify(i.index),
    }
}

/// The figures of all areas of the reference data.
pub fn compute(reference: &refdata::ReferenceData) -> Result<Vec<AreaAnalysis>, AppError> {
    Ok(compute_with(
        reference,
        &crate::outlook::outlook(reference)?,
    ))
}

/// The figures of all areas of the reference data, with their outlook.
pub fn compute_with(
    reference: &refdata::ReferenceData,
    outlooks: &HashMap<AreaCode, crate::outlook::AreaOutlook>,
) -> Vec<AreaAnalysis> {
    let projected = refdata::projections()
        .map(|p| sum_by_area(reference, p, refdata::Projection::add))
        .unwrap_or_default();
    let names: HashMap<AreaCode, String> = reference
        .areas
        .iter()
        .map(|a| (a.code, a.name.to_string()))
        .collect();
    // Per area: hospital doctors, all beds, beds of each function.
    let mut doctors: HashMap<AreaCode, f64> = HashMap::new();
    let mut beds: HashMap<AreaCode, f64> = HashMap::new();
    let mut by_function: [HashMap<AreaCode, f64>; 4] = Default::default();
    for h in &reference.hospitals {
        *doctors.entry(h.area).or_default() += h.doctors_fte();
        *beds.entry(h.area).or_default() += f64::from(h.beds.total());
        let b = &h.beds;
        for (m, n) in by_function
            .iter_mut()
            .zip([b.high_acute, b.acute, b.recovery, b.chronic])
        {
            *m.entry(h.area).or_default() += f64::from(n);
        }
    }
    let published: Vec<f64> = reference.index.iter().map(|i| i.index).collect();
    let doctors_rate = Rates::of(reference, &doctors);
    let beds_rate = Rates::of(reference, &beds);
    let function_rates: Vec<Rates> = by_function
        .iter()
        .map(|m| Rates::of(reference, m))
        .collect();
    let as_opt: Vec<Option<f64>> = published.iter().copied().map(Some).collect();
    let none = vec![None; published.len()];
    let dev_index = deviation_scores(&as_opt, Basis::MeanOfAreas).unwrap_or_else(|_| none.clone());
    let dev_index_nat = deviation_scores(
        &as_opt,
        Basis::Reference(chiiki_analytics::NATIONAL_INDEX_2024),
    )
    .unwrap_or_else(|_| none.clone());
    reference
        .index
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let mut gaps = Vec::new();
            let recomputed = match index(
                i.standardized_physicians,
                i.population_100k,
                i.standardized_utilization_ratio,
            ) {
                Ok(x) => Some(x),
                Err(g) => {
                    gaps.push(format!("recomputed_index: {}", gap_text(g)));
                    None
                }
            };
            let class = published_class(i);
            let projection = projected.get(&i.area).copied().flatten().map(|p| p.total);
            if projection.is_none() {
                gaps.push("人口推計：区域の市町村に個別の推計がない（社人研は福島県浜通りを一括で推計）か、区域に市町村がない / population projection: a municipality of the area has no projection of its own (IPSS projects 福島県浜通り as one group), or the area has no municipalities".to_string());
            }
            let outlook = outlooks.get(&i.area);
            if let Some(o) = outlook {
                gaps.extend(o.gaps.iter().cloned());
            }
            let in_year = |y: i32| projection.as_ref().and_then(|p| population_in(p, y));
            let ratio_in = |y: i32| outlook.and_then(|o| o.ratio_in(y));
            let target_2026 = in_year(2026)
                .zip(ratio_in(2026))
                .map(|(p, r)| CutOffs::R6.shortage_max * p / 100_000.0 * r);
            let national_2036 = in_year(2036)
                .zip(ratio_in(2036))
                .map(|(p, r)| chiiki_analytics::NATIONAL_INDEX_2024 * p / 100_000.0 * r);
            let ratio_inpatient = outlook.and_then(|o| o.utilisation_ratio_inpatient);
            AreaAnalysis {
                population_2025: projection.map(|p| p[1]),
                population_2036: in_year(2036).map(f64::round),
                population_2040: projection.map(|p| p[4]),
                target_doctors_2026: target_2026.map(round1),
                doctors_for_national_2036: national_2036.map(round1),
                shortfall_2036: national_2036.map(|n| round1((n - i.standardized_physicians).max(0.0))),
                area_code: i.area.to_string(),
                area_name: names.get(&i.area).cloned().unwrap_or_default(),
                pref_code: i.area.pref().to_string(),
                maldistribution_index: i.index,
                recomputed_index: recomputed.map(round1),
                difference: recomputed.map(|r| round1(r - i.index)),
                class,
                rank: i.national_rank,
                standardized_physicians: i.standardized_physicians,
                population_100k: i.population_100k,
                standardized_utilization_ratio: i.standardized_utilization_ratio,
                index_deviation: dev_index[k].map(round1),
                index_deviation_national: dev_index_nat[k].map(round1),
                hospital_doctors_fte: round1(doctors.get(&i.area).copied().unwrap_or(0.0)),
                hospital_doctors_per_100k: doctors_rate.per_100k[k].map(round1),
                hospital_doctors_deviation: doctors_rate.mean[k].map(round1),
                hospital_doctors_deviation_national: doctors_rate.national[k].map(round1),
                beds_per_100k: beds_rate.per_100k[k].map(round1),
                beds_deviation: beds_rate.mean[k].map(round1),
                beds_deviation_national: beds_rate.national[k].map(round1),
                beds_by_function: chiiki_analytics::beds::BedFunction::ALL
                    .iter()
                    .zip(&function_rates)
                    .map(|(f, r)| FunctionRate {
                        function: *f,
                        per_100k: r.per_100k[k].map(round1),
                        deviation: r.mean[k].map(round1),
                        deviation_national: r.national[k].map(round1),
                    })
                    .collect(),
                utilisation_ratio_inpatient: ratio_inpatient,
                utilisation_ratio_difference: ratio_inpatient
                    .map(|r| chiiki_analytics::round3(r - i.standardized_utilization_ratio)),
                years: outlook.map(|o| o.years.clone()).unwrap_or_default(),
                beds: outlook.map(|o| o.beds.clone()).unwrap_or_default(),
                ages_2025: outlook.and_then(|o| o.ages_2025),
                ages_2040: outlook.and_then(|o| o.ages_2040),
                gaps,
            }
        })
        .collect()
}

fn gap_text(g: Gap) -> String {
    g.message().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_analytics::ranks_desc;
    use chiiki_domain::PrefCode;

    #[test]
    fn the_47_prefectures_agree_with_the_published_ranks_and_classes() {
        let (rows, national) = prefectures().unwrap();
        assert_eq!((rows.len(), national), (47, 255.6));
        let (published, _) = refdata::prefecture_index().unwrap();
        for (r, p) in rows.iter().zip(&published) {
            assert_eq!(r.rank, p.rank, "{}", r.pref_name);
            assert_eq!(
                Some(r.class),
                Class::parse_published(&p.class_by_rank),
                "{}",
                r.pref_name
            );
        }
        let iwate = rows.iter().find(|r| r.pref_code == "03").unwrap();
        assert_eq!(
            (iwate.maldistribution_index, iwate.rank, iwate.class),
            (182.5, 47, Class::Shortage)
        );
        assert_eq!(
            rows.iter().filter(|r| r.class == Class::Shortage).count(),
            16
        );
        assert_eq!(
            rows.iter().filter(|r| r.class == Class::Surplus).count(),
            16
        );
    }

    #[test]
    fn all_330_areas_agree_with_the_published_table() {
        let reference = refdata::load(None).unwrap();
        let rows = compute(&reference).unwrap();
        assert_eq!(rows.len(), 330);
        let mut within_01 = 0;
        for (r, p) in rows.iter().zip(&reference.index) {
            // The published class, everywhere.
            assert_eq!(
                Some(r.class),
                Class::parse_published(&p.classification),
                "{}",
                r.area_name
            );
            // Recomputed from rounded components: within what their rounding allows.
            let x = r.recomputed_index.unwrap();
            let bound = p.index
                * (0.5 / p.standardized_physicians
                    + 0.0005 / p.population_100k
                    + 0.0005 / p.standardized_utilization_ratio)
                + 0.1;
            assert!(
                (x - p.index).abs() <= bound,
                "{} {x} vs {}",
                r.area_name,
                p.index
            );
            if (x - p.index).abs() <= 0.1 + 1e-9 {
                within_01 += 1;
            }
            assert!(r.index_deviation.is_some() && r.hospital_doctors_deviation.is_some());
        }
        // The published ranks follow the published values.
        let published: Vec<f64> = reference.index.iter().map(|i| i.index).collect();
        for (rank, (r, p)) in ranks_desc(&published)
            .iter()
            .zip(rows.iter().zip(&reference.index))
        {
            assert!(
                rank.abs_diff(r.rank) <= 2,
                "{} {} vs {}",
                p.area,
                rank,
                r.rank
            );
        }
        println!("recomputed within 0.1 of the published index: {within_01} of 330");
        // Iwate.
        let morioka = rows.iter().find(|r| r.area_code == "0301").unwrap();
        assert_eq!(
            (morioka.maldistribution_index, morioka.rank, morioka.class),
            (244.6, 78, Class::Surplus)
        );
        let kamaishi = rows.iter().find(|r| r.area_code == "0306").unwrap();
        assert_eq!(
            (
                kamaishi.maldistribution_index,
                kamaishi.rank,
                kamaishi.class
            ),
            (107.8, 330, Class::Shortage)
        );
        // Seven of Iwate\'s nine areas are shortage areas; 盛岡 is a surplus area, 二戸 (200.9) intermediate.
        assert_eq!(
            rows.iter()
                .filter(|r| r.pref_code == "03" && r.class == Class::Shortage)
                .count(),
            7
        );
        // Projections: Iwate's nine areas add up to the prefecture's IPSS total for 2025.
        let iwate: f64 = rows
            .iter()
            .filter(|r| r.pref_code == "03")
            .map(|r| r.population_2025.unwrap())
            .sum();
        assert_eq!(iwate, 1_138_160.0);
        assert!(kamaishi.population_2040.unwrap() < kamaishi.population_2025.unwrap());
        assert!(
            kamaishi.shortfall_2036.unwrap() > 0.0 && morioka.doctors_for_national_2036.is_some()
        );
        let gaps = rows.iter().filter(|r| r.population_2025.is_none()).count();
        assert!(
            gaps <= 2,
            "only 福島県浜通り lacks projections ({gaps} areas)"
        );
        for r in &rows {
            for x in [
                r.target_doctors_2026,
                r.doctors_for_national_2036,
                r.population_2036,
            ]
            .into_iter()
            .flatten()
            {
                assert!(x.is_finite() && x >= 0.0);
            }
        }
        // Deviation scores have mean 50 and sd 10 over the areas (to the rounding to 0.1);
        // against a national value the spread is the same and the centre moves.
        let mean_sd = |xs: Vec<f64>| {
            let n = xs.len() as f64;
            let m = xs.iter().sum::<f64>() / n;
            (
                m,
                (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt(),
            )
        };
        let mut series: Vec<(&str, Vec<f64>, Vec<f64>)> = vec![
            (
                "index",
                rows.iter().filter_map(|r| r.index_deviation).collect(),
                rows.iter()
                    .filter_map(|r| r.index_deviation_national)
                    .collect(),
            ),
            (
                "doctors",
                rows.iter()
                    .filter_map(|r| r.hospital_doctors_deviation)
                    .collect(),
                rows.iter()
                    .filter_map(|r| r.hospital_doctors_deviation_national)
                    .collect(),
            ),
            (
                "beds",
                rows.iter().filter_map(|r| r.beds_deviation).collect(),
                rows.iter()
                    .filter_map(|r| r.beds_deviation_national)
                    .collect(),
            ),
        ];
        for k in 0..4 {
            series.push((
                "beds by function",
                rows.iter()
                    .filter_map(|r| r.beds_by_function[k].deviation)
                    .collect(),
                rows.iter()
                    .filter_map(|r| r.beds_by_function[k].deviation_national)
                    .collect(),
            ));
        }
        for (name, mean_basis, national_basis) in series {
            assert_eq!(mean_basis.len(), 330, "{name}");
            let (m, sd) = mean_sd(mean_basis);
            assert!(
                (m - 50.0).abs() < 0.05 && (sd - 10.0).abs() < 0.05,
                "{name}: {m} {sd}"
            );
            let (_, sd) = mean_sd(national_basis);
            assert!((sd - 10.0).abs() < 0.05, "{name}: {sd}");
        }
    }

    #[test]
    fn a_zero_or_missing_population_is_a_gap_never_a_number() {
        let mut reference = refdata::load(PrefCode::parse("03").ok()).unwrap();
        // 釜石 with no population in the index's components, and 宮古's municipalities
        // gone from the map (no population by age, no projection).
        let kamaishi = AreaCode::parse("0306").unwrap();
        let miyako = AreaCode::parse("0307").unwrap();
        reference
            .index
            .iter_mut()
            .find(|i| i.area == kamaishi)
            .unwrap()
            .population_100k = 0.0;
        reference.municipalities.retain(|m| m.area() != miyako);
        let rows = compute(&reference).unwrap();
        let k = rows.iter().find(|r| r.area_code == "0306").unwrap();
        assert_eq!(k.recomputed_index, None);
        assert_eq!(k.hospital_doctors_per_100k, None);
        assert_eq!(k.beds_per_100k, None);
        assert!(
            k.gaps.iter().any(|g| g.contains("人口がないか0です")),
            "{:?}",
            k.gaps
        );
        let m = rows.iter().find(|r| r.area_code == "0307").unwrap();
        assert!(m.years.is_empty() || m.years.iter().all(|y| y.population.is_none()));
        assert_eq!(m.target_doctors_2026, None);
        assert!(!m.gaps.is_empty(), "the missing figures are explained");
        let json = serde_json::to_string(&rows).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"));
        // The others are untouched.
        let morioka = rows.iter().find(|r| r.area_code == "0301").unwrap();
        assert!(morioka.gaps.is_empty() && morioka.target_doctors_2026.is_some());
    }
}
