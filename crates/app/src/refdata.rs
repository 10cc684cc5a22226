//! The real public data bundled with chiiki (`data/` of the repository, compiled into the
//! binary): secondary medical areas, municipalities and hospitals, with their source credits.
//! See `data/README.md` for every file's origin and licence.

use std::collections::HashMap;
use std::io::Read;

use chiiki_domain::{
    Amount, AreaCode, Beds, Coordinates, EmergencyLevel, Facility, FacilityFields, FacilityGroup,
    FacilityId, FacilityKind, LgCode, Municipality, MunicipalityKind, Name, PrefCode,
    SecondaryArea, parse_count,
};

/// 厚生労働省「医師偏在指標」(令和6年1月公表): the 330 secondary areas and their index.
const AREAS_CSV: &str =
    include_str!("../../../data/mhlw_physician_maldistribution_index_R6-01_secondary_areas.csv");
/// 国立社会保障・人口問題研究所「日本の地域別将来推計人口（令和5(2023)年推計）」: totals by
/// municipality, 2020–2050.
const PROJECTIONS_CSV_GZ: &[u8] = include_bytes!(
    "../../../data/ipss_R5_2023_projection_by_municipality_total_65plus_75plus.csv.gz"
);
/// The credit line of the projections.
pub const PROJECTIONS_SOURCE: &str =
    "出典：国立社会保障・人口問題研究所「日本の地域別将来推計人口（令和5(2023)年推計）」";
/// The years of the projections.
pub const PROJECTION_YEARS: [i32; 7] = [2020, 2025, 2030, 2035, 2040, 2045, 2050];

/// 厚生労働省「医師偏在指標」(令和6年1月公表): the 47 prefectures and Japan.
const PREFECTURES_CSV: &str =
    include_str!("../../../data/mhlw_physician_maldistribution_index_R6-01_prefectures.csv");
/// Municipality → secondary area map (derived; see data/README.md).
const MUNICIPALITIES_CSV: &str =
    include_str!("../../../data/secondary_area_municipality_map_derived.csv");
/// 厚生労働省「病床機能報告」令和7年度公表: 11,760 hospitals and clinics with beds.
const HOSPITALS_CSV_GZ: &[u8] =
    include_bytes!("../../../data/mhlw_R7_hospital_beds_doctors_by_facility_339areas.csv.gz");

/// The credit line of the hospital figures.
pub const HOSPITALS_SOURCE: &str = "出典：厚生労働省「病床機能報告」（令和7年度公表、構想区域別の医療機関の病床機能報告上の病床数、診療実績、医師数等）を加工して作成";
/// The credit line of the areas and the index.
pub const INDEX_SOURCE: &str = "出典：厚生労働省『医師偏在指標（令和6年1月公表）』を加工して作成";

/// A problem with the bundled data: a bug of the build, never of the user.
#[derive(Debug, Clone, thiserror::Error)]
#[error("bundled data file {file}, row {row}: {reason}")]
pub struct RefDataError {
    pub file: &'static str,
    pub row: usize,
    pub reason: String,
}

/// The physician maldistribution index of an area as published (2024 edition).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PublishedIndex {
    pub area: AreaCode,
    pub index: f64,
    pub standardized_physicians: f64,
    pub population_100k: f64,
    pub standardized_utilization_ratio: f64,
    pub classification: String,
    pub national_rank: u32,
}

/// The index of a prefecture as published; the class is derived from the rank (top and
/// bottom 16 of 47), as the ministry does.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PublishedPrefectureIndex {
    pub pref: PrefCode,
    pub index: f64,
    pub rank: u32,
    pub class_by_rank: String,
}

/// The 47 prefectures' published index, and the national value.
pub fn prefecture_index() -> Result<(Vec<PublishedPrefectureIndex>, f64), RefDataError> {
    const FILE: &str = "mhlw_physician_maldistribution_index_R6-01_prefectures.csv";
    let mut out = Vec::new();
    let mut national = None;
    for (i, r) in rows(PREFECTURES_CSV).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        let index: f64 = r[2].parse().map_err(|e| err(FILE, i + 2, e))?;
        if &r[0] == "00" {
            national = Some(index);
            continue;
        }
        out.push(PublishedPrefectureIndex {
            pref: PrefCode::parse(&r[0]).map_err(|e| err(FILE, i + 2, e))?,
            index,
            rank: r[3].parse().map_err(|e| err(FILE, i + 2, e))?,
            class_by_rank: r[4].to_string(),
        });
    }
    let national = national.ok_or_else(|| err(FILE, 0, "no national row (00)"))?;
    Ok((out, national))
}

/// The IPSS projection of one municipality by [`PROJECTION_YEARS`]: persons in all, aged 65
/// and over and aged 75 and over.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Projection {
    pub total: [f64; 7],
    pub aged_65_plus: [f64; 7],
    pub aged_75_plus: [f64; 7],
}

impl Projection {
    /// The sum of two projections (municipalities into an area).
    pub fn add(&mut self, other: &Projection) {
        for k in 0..7 {
            self.total[k] += other.total[k];
            self.aged_65_plus[k] += other.aged_65_plus[k];
            self.aged_75_plus[k] += other.aged_75_plus[k];
        }
    }
}

/// Projected populations of the municipalities, wards and designated cities as a whole, by
/// [`PROJECTION_YEARS`]. The 13 municipalities of 福島県浜通り are projected only as one
/// group and are missing here.
pub fn projections() -> Result<&'static HashMap<LgCode, Projection>, RefDataError> {
    static PROJECTIONS: std::sync::OnceLock<Result<HashMap<LgCode, Projection>, RefDataError>> =
        std::sync::OnceLock::new();
    PROJECTIONS
        .get_or_init(load_projections)
        .as_ref()
        .map_err(Clone::clone)
}

fn gunzip(file: &'static str, bytes: &[u8]) -> Result<String, RefDataError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| err(file, 0, e))?;
    Ok(text)
}

fn load_projections() -> Result<HashMap<LgCode, Projection>, RefDataError> {
    const FILE: &str = "ipss_R5_2023_projection_by_municipality_total_65plus_75plus.csv";
    let text = gunzip(FILE, PROJECTIONS_CSV_GZ)?;
    let mut out = HashMap::new();
    for (i, r) in rows(&text).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        if !matches!(&r[1], "0" | "1" | "2" | "3") {
            continue;
        }
        let code = LgCode::parse(&r[0]).map_err(|e| err(FILE, i + 2, e))?;
        let num = |k: usize| -> Result<f64, RefDataError> {
            let x: f64 = r[k].parse().map_err(|e| err(FILE, i + 2, e))?;
            if x.is_finite() && x >= 0.0 {
                Ok(x)
            } else {
                Err(err(FILE, i + 2, format!("column {k}: {x} is not a count")))
            }
        };
        let mut p = Projection::default();
        for k in 0..7 {
            p.total[k] = num(4 + k)?;
            p.aged_65_plus[k] = p.total[k] * num(11 + k)? / 100.0;
            p.aged_75_plus[k] = p.total[k] * num(18 + k)? / 100.0;
        }
        out.insert(code, p);
    }
    Ok(out)
}

/// 総務省 住民基本台帳 2025-01-01: population by municipality × sex × five-year age.
const AGES_CSV_GZ: &[u8] =
    include_bytes!("../../../data/juki_2025-01-01_population_by_municipality_sex_age5.csv.gz");
/// 総務省 住民基本台帳 2025-01-01: the movements of 2024 by municipality.
const MOVEMENTS_CSV_GZ: &[u8] = include_bytes!(
    "../../../data/juki_2025-01-01_population_households_dynamics2024_by_municipality.csv.gz"
);
/// The credit line of the population by age and of the movements.
pub const AGES_SOURCE: &str =
    "出典：総務省「住民基本台帳に基づく人口、人口動態及び世帯数（令和7年1月1日現在）」";
/// National inpatient utilisation rate by age, 2023 (a secondary source).
const INPATIENT_CSV: &str = include_str!(
    "../../../data/mhlw_patient_survey_R5_2023_national_inpatient_rate_by_age_SECONDARY.csv"
);
/// The credit line of the inpatient rates, which says they are a secondary source.
pub const INPATIENT_SOURCE: &str = "出典：厚生労働省「令和5年患者調査の概況」全国の年齢階級別入院受療率（二次資料からの転記。一次資料で未確認）";
/// 厚生労働省「病床機能報告」令和7年度: the summary row of each 構想区域.
const VISION_AREAS_CSV: &str =
    include_str!("../../../data/mhlw_R7_area_summary_beds_doctors_339areas.csv");

/// Population on 2025-01-01 by municipality, ward and designated city as a whole.
pub fn ages() -> Result<&'static HashMap<LgCode, chiiki_analytics::Population>, RefDataError> {
    static AGES: std::sync::OnceLock<
        Result<HashMap<LgCode, chiiki_analytics::Population>, RefDataError>,
    > = std::sync::OnceLock::new();
    AGES.get_or_init(load_ages).as_ref().map_err(Clone::clone)
}

fn load_ages() -> Result<HashMap<LgCode, chiiki_analytics::Population>, RefDataError> {
    use chiiki_analytics::BANDS;
    const FILE: &str = "juki_2025-01-01_population_by_municipality_sex_age5.csv";
    let text = gunzip(FILE, AGES_CSV_GZ)?;
    let mut bands: HashMap<LgCode, ([f64; BANDS], [f64; BANDS])> = HashMap::new();
    for (i, r) in rows(&text).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        // 郡 and 島しょ rows are sums of municipalities listed anyway; their codes are not
        // municipality codes.
        if r[2].ends_with('郡') || r[2].ends_with("島しょ") || r[2].is_empty() {
            continue;
        }
        let Ok(code) = LgCode::parse(&r[0]) else {
            return Err(err(FILE, i + 2, format!("code {}", &r[0])));
        };
        let mut v = [0.0; BANDS];
        for (k, x) in v.iter_mut().enumerate() {
            *x = r[5 + k].parse().map_err(|e| err(FILE, i + 2, e))?;
        }
        let entry = bands.entry(code).or_default();
        match &r[3] {
            "M" => entry.0 = v,
            "F" => entry.1 = v,
            _ => {}
        }
    }
    bands
        .into_iter()
        .map(|(code, (m, f))| {
            chiiki_analytics::Population::new(m, f)
                .map(|p| (code, p))
                .map_err(|e| err(FILE, 0, format!("{code}: {e}")))
        })
        .collect()
}

/// The movements of one municipality in 2024.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Movements {
    pub births: f64,
    pub deaths: f64,
    /// Moves in less moves out, domestic and from abroad.
    pub net_migration: f64,
}

impl Movements {
    pub fn add(&mut self, other: &Movements) {
        self.births += other.births;
        self.deaths += other.deaths;
        self.net_migration += other.net_migration;
    }
}

/// Births, deaths and net migration of 2024 by municipality, ward and designated city.
pub fn movements() -> Result<&'static HashMap<LgCode, Movements>, RefDataError> {
    static MOVES: std::sync::OnceLock<Result<HashMap<LgCode, Movements>, RefDataError>> =
        std::sync::OnceLock::new();
    MOVES
        .get_or_init(load_movements)
        .as_ref()
        .map_err(Clone::clone)
}

fn load_movements() -> Result<HashMap<LgCode, Movements>, RefDataError> {
    const FILE: &str = "juki_2025-01-01_population_households_dynamics2024_by_municipality.csv";
    let text = gunzip(FILE, MOVEMENTS_CSV_GZ)?;
    let mut out = HashMap::new();
    for (i, r) in rows(&text).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        if r[2].ends_with('郡') || r[2].ends_with("島しょ") || r[2].is_empty() {
            continue;
        }
        let code = LgCode::parse(&r[0]).map_err(|e| err(FILE, i + 2, e))?;
        let num = |k: usize| r[k].parse::<f64>().map_err(|e| err(FILE, i + 2, e));
        // in_total (9) − out_total (15): domestic and abroad.
        out.insert(
            code,
            Movements {
                births: num(10)?,
                deaths: num(16)?,
                net_migration: num(9)? - num(15)?,
            },
        );
    }
    Ok(out)
}

/// The national inpatient rate per 100,000 by the published age groups (0, 1-4, 5-9, …,
/// 90+), both sexes; a secondary source (see [`INPATIENT_SOURCE`]).
pub fn inpatient_rates() -> Result<Vec<(String, f64)>, RefDataError> {
    const FILE: &str = "mhlw_patient_survey_R5_2023_national_inpatient_rate_by_age_SECONDARY.csv";
    let mut out = Vec::new();
    for (i, r) in rows(INPATIENT_CSV).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        if r[0].starts_with("total") {
            continue;
        }
        out.push((
            r[0].to_string(),
            r[1].parse().map_err(|e| err(FILE, i + 2, e))?,
        ));
    }
    Ok(out)
}

/// A 構想区域 (the unit of 地域医療構想) of the 2025 bed-function report: its reported beds by
/// function and the necessary beds of the 2025 plan, high-acute, acute, recovery, chronic.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VisionArea {
    pub code: String,
    pub name: String,
    pub pref: PrefCode,
    pub reported: [Option<f64>; 4],
    pub necessary: [Option<f64>; 4],
}

/// The 339 構想区域 of the 2025 bed-function report.
pub fn vision_areas() -> Result<Vec<VisionArea>, RefDataError> {
    const FILE: &str = "mhlw_R7_area_summary_beds_doctors_339areas.csv";
    let mut out = Vec::new();
    for (i, r) in rows(VISION_AREAS_CSV).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        let num = |k: usize| -> Option<f64> {
            r[k].parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
        };
        out.push(VisionArea {
            code: r[0].to_string(),
            name: r[2].to_string(),
            pref: PrefCode::parse(r[0].get(..2).unwrap_or_default())
                .map_err(|e| err(FILE, i + 2, e))?,
            reported: [num(8), num(9), num(10), num(11)],
            necessary: [num(26), num(27), num(28), num(29)],
        });
    }
    Ok(out)
}

/// Reference data of the whole country or one prefecture.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    pub areas: Vec<SecondaryArea>,
    pub index: Vec<PublishedIndex>,
    pub municipalities: Vec<Municipality>,
    pub hospitals: Vec<Facility>,
    /// The secondary area each 構想区域 (by code) lies in, from where its hospitals are.
    pub vision_area_of: HashMap<String, AreaCode>,
}

fn rows(text: &str) -> csv::StringRecordsIntoIter<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .into_records()
}

fn err(file: &'static str, row: usize, reason: impl ToString) -> RefDataError {
    RefDataError {
        file,
        row,
        reason: reason.to_string(),
    }
}

/// The reference data of the whole country, decoded once per process and shared: the
/// analytics read it on every request.
pub fn national() -> Result<&'static ReferenceData, RefDataError> {
    static NATIONAL: std::sync::OnceLock<Result<ReferenceData, RefDataError>> =
        std::sync::OnceLock::new();
    NATIONAL
        .get_or_init(|| load(None))
        .as_ref()
        .map_err(Clone::clone)
}

/// Loads the reference data, of one prefecture or of all.
pub fn load(pref: Option<PrefCode>) -> Result<ReferenceData, RefDataError> {
    let keep = |p: PrefCode| pref.is_none_or(|x| x == p);
    let mut data = ReferenceData::default();

    const AREAS: &str = "mhlw_physician_maldistribution_index_R6-01_secondary_areas.csv";
    for (i, r) in rows(AREAS_CSV).enumerate() {
        let r = r.map_err(|e| err(AREAS, i + 2, e))?;
        let code = AreaCode::parse(&r[0]).map_err(|e| err(AREAS, i + 2, e))?;
        if !keep(code.pref()) {
            continue;
        }
        let num = |k: usize| r[k].parse::<f64>().map_err(|e| err(AREAS, i + 2, e));
        data.areas.push(SecondaryArea {
            code,
            name: Name::parse(&r[3]).map_err(|e| err(AREAS, i + 2, e))?,
        });
        data.index.push(PublishedIndex {
            area: code,
            index: num(4)?,
            standardized_physicians: num(5)?,
            population_100k: num(6)?,
            standardized_utilization_ratio: num(7)?,
            classification: r[8].to_string(),
            national_rank: r[9].parse().map_err(|e| err(AREAS, i + 2, e))?,
        });
    }

    const MUNIS: &str = "secondary_area_municipality_map_derived.csv";
    // Name → (code, area) per prefecture, for placing hospitals.
    let mut by_name: HashMap<(PrefCode, String), (LgCode, AreaCode)> = HashMap::new();
    for (i, r) in rows(MUNICIPALITIES_CSV).enumerate() {
        let r = r.map_err(|e| err(MUNIS, i + 2, e))?;
        let code = LgCode::parse(&r[0]).map_err(|e| err(MUNIS, i + 2, e))?;
        if r[7].starts_with("SPLIT:") {
            // 川崎市 as a whole spans two areas; its wards carry them.
            continue;
        }
        let area = AreaCode::parse(&r[7]).map_err(|e| err(MUNIS, i + 2, e))?;
        let kind =
            MunicipalityKind::parse(&r[6]).ok_or_else(|| err(MUNIS, i + 2, "unknown kind"))?;
        let name = Name::parse(&r[4]).map_err(|e| err(MUNIS, i + 2, e))?;
        by_name.insert((code.pref(), fold_variants(name.as_str())), (code, area));
        if keep(code.pref()) {
            data.municipalities
                .push(Municipality::new(code, name, area, kind).map_err(|e| err(MUNIS, i + 2, e))?);
        }
    }

    (data.hospitals, data.vision_area_of) = hospitals(&by_name, &keep)?;
    Ok(data)
}

/// Folds the variant kanji that the hospital file and the municipality list spell
/// differently (梼原町 / 檮原町, 須恵町 / 須惠町).
fn fold_variants(name: &str) -> String {
    name.replace('檮', "梼").replace('惠', "恵")
}

fn hospitals(
    by_name: &HashMap<(PrefCode, String), (LgCode, AreaCode)>,
    keep: &dyn Fn(PrefCode) -> bool,
) -> Result<(Vec<Facility>, HashMap<String, AreaCode>), RefDataError> {
    const FILE: &str = "mhlw_R7_hospital_beds_doctors_by_facility_339areas.csv";
    let text = gunzip(FILE, HOSPITALS_CSV_GZ)?;

    struct Raw {
        row: usize,
        pref: PrefCode,
        vision_area: String,
        located: Option<(LgCode, AreaCode)>,
        fields: FacilityFields,
    }
    let mut raws = Vec::new();
    for (i, r) in rows(&text).enumerate() {
        let row = i + 2;
        let r = r.map_err(|e| err(FILE, row, e))?;
        let pref = PrefCode::parse(&r[2]).map_err(|e| err(FILE, row, e))?;
        if !keep(pref) {
            continue;
        }
        let count = |k: usize| parse_count(&r[k]).map_err(|e| err(FILE, row, e));
        let amount = |k: usize| Amount::parse(&r[k]).map_err(|e| err(FILE, row, e));
        let beds = Beds {
            high_acute: count(9)?,
            acute: count(10)?,
            recovery: count(11)?,
            chronic: count(12)?,
            idle: count(13)?,
        };
        let name = Name::parse(&r[6]).map_err(|e| err(FILE, row, e))?;
        let special = &r[17] == "特";
        let kind = if special && name.as_str().contains("大学") {
            FacilityKind::UniversityHospital
        } else if (if &r[8] == "未報告" {
            beds.total()
        } else {
            count(8)?
        }) < 20
        {
            // Fewer than 20 beds: a clinic with beds (有床診療所), by the Medical Care Act.
            FacilityKind::ClinicWithBeds
        } else {
            FacilityKind::Hospital
        };
        let emergency = if !r[19].is_empty() {
            EmergencyLevel::Tertiary
        } else if !r[20].is_empty() {
            EmergencyLevel::Secondary
        } else {
            EmergencyLevel::None
        };
        let coordinates = match (r[35].parse::<f64>(), r[36].parse::<f64>()) {
            (Ok(lon), Ok(lat)) => Coordinates::new(lat, lon).ok(),
            _ => None,
        };
        let located = by_name.get(&(pref, fold_variants(&r[7]))).copied();
        raws.push(Raw {
            row,
            pref,
            vision_area: r[1].to_string(),
            located,
            fields: FacilityFields {
                id: FacilityId::parse(&r[4]).map_err(|e| err(FILE, row, e))?,
                name,
                kind,
                municipality: located.map(|(m, _)| m),
                // Set below.
                area: AreaCode::parse(&r[1]).map_err(|e| err(FILE, row, e))?,
                coordinates,
                beds,
                doctors_fulltime: amount(14)?,
                doctors_parttime_fte: amount(15)?,
                emergency,
                group: (kind == FacilityKind::UniversityHospital)
                    .then_some(FacilityGroup::University),
                alliance: None,
                synthetic: false,
                source: Some(HOSPITALS_SOURCE.to_string()),
            },
        });
    }

    // The file's area codes are those of the 構想区域 of 2025, which differ from the secondary
    // areas of the index in Akita and Mie. A located hospital takes its municipality's area;
    // one without an address takes the area most of its 構想区域's located hospitals are in.
    let mut votes: HashMap<&str, HashMap<AreaCode, usize>> = HashMap::new();
    for r in &raws {
        if let Some((_, area)) = r.located {
            *votes
                .entry(&r.vision_area)
                .or_default()
                .entry(area)
                .or_default() += 1;
        }
    }
    let majority: HashMap<String, AreaCode> = votes
        .iter()
        .filter_map(|(vision, v)| {
            v.iter()
                .max_by_key(|(a, n)| (**n, std::cmp::Reverse(**a)))
                .map(|(a, _)| (vision.to_string(), *a))
        })
        .collect();
    let mut out = Vec::with_capacity(raws.len());
    for r in &raws {
        let mut f = r.fields.clone();
        f.area = match r.located {
            Some((_, area)) => area,
            None => majority
                .get(r.vision_area.as_str())
                .copied()
                .ok_or_else(|| {
                    err(
                        FILE,
                        r.row,
                        format!("no area for 構想区域 {}", r.vision_area),
                    )
                })?,
        };
        debug_assert_eq!(f.area.pref(), r.pref);
        out.push(Facility::new(f).map_err(|e| err(FILE, r.row, e))?);
    }
    Ok((out, majority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_country() {
        let d = load(None).unwrap();
        assert_eq!(d.areas.len(), 330);
        // 1,912 rows less 川崎市 as a whole, whose wards are in two areas.
        assert_eq!(d.municipalities.len(), 1911);
        assert_eq!(d.hospitals.len(), 11_760);
        let located = d
            .hospitals
            .iter()
            .filter(|h| h.municipality.is_some())
            .count();
        assert!(located >= 11_590, "{located}");
        // Every hospital's area is one of the 330.
        let codes: std::collections::HashSet<_> = d.areas.iter().map(|a| a.code).collect();
        assert!(d.hospitals.iter().all(|h| codes.contains(&h.area)));
        // The index components give back the index within their published rounding
        // (physicians to the unit, population and ratio to 0.001, index to 0.1).
        for i in &d.index {
            let x =
                i.standardized_physicians / (i.population_100k * i.standardized_utilization_ratio);
            let bound = 0.5 / i.standardized_physicians
                + 0.0005 / i.population_100k
                + 0.0005 / i.standardized_utilization_ratio
                + 0.05 / i.index;
            assert!((x - i.index).abs() / i.index <= bound, "{i:?}");
        }
    }

    #[test]
    fn population_by_age_movements_and_vision_areas() {
        let d = national().unwrap();
        let ages = ages().unwrap();
        let by_area = crate::analysis::sum_by_area(d, ages, chiiki_analytics::Population::add);
        assert_eq!(by_area.len(), 330);
        assert!(by_area.values().all(Option::is_some), "every area has ages");
        let total: f64 = by_area.values().flatten().map(|p| p.total()).sum();
        // 住民基本台帳 2025-01-01: 124,330,690 in Japan; the municipalities' age bands add up
        // to 6,721 fewer (the published totals include persons not in the bands).
        assert_eq!(total, 124_323_969.0);
        let moves = movements().unwrap();
        let m = crate::analysis::sum_by_area(d, moves, Movements::add);
        let deaths: f64 = m.values().flatten().map(|x| x.deaths).sum();
        assert_eq!(deaths, 1_608_923.0);
        let rates = inpatient_rates().unwrap();
        assert_eq!(rates.len(), 20);
        assert_eq!(rates[0], ("0".to_string(), 1237.0));
        // 339 構想区域; each lies in one secondary area of its prefecture.
        let vision = vision_areas().unwrap();
        assert_eq!(vision.len(), 339);
        for v in &vision {
            let area = d
                .vision_area_of
                .get(&v.code)
                .unwrap_or_else(|| panic!("{}", v.code));
            assert_eq!(area.pref(), v.pref);
        }
        let akita: std::collections::HashSet<_> = vision
            .iter()
            .filter(|v| v.pref.to_string() == "05")
            .map(|v| d.vision_area_of[&v.code])
            .collect();
        assert_eq!(akita.len(), 3);
    }

    #[test]
    fn iwate() {
        let d = load(PrefCode::parse("03").ok()).unwrap();
        assert_eq!(d.areas.len(), 9);
        assert_eq!(d.municipalities.len(), 33);
        let iwa = d
            .hospitals
            .iter()
            .find(|h| h.name.as_str() == "岩手医科大学附属病院")
            .unwrap();
        assert_eq!(iwa.kind, FacilityKind::UniversityHospital);
        assert_eq!(iwa.area.to_string(), "0301");
        assert_eq!(iwa.municipality.unwrap().to_string(), "03322"); // 矢巾町
        assert_eq!(iwa.emergency, EmergencyLevel::Tertiary);
        assert!(iwa.coordinates.is_some());
        let kamaishi = d
            .index
            .iter()
            .find(|i| i.area.to_string() == "0306")
            .unwrap();
        assert_eq!(kamaishi.national_rank, 330);
        println!("Iwate hospitals: {}", d.hospitals.len());
    }
}
