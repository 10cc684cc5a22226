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

/// Projected populations of the municipalities, wards and designated cities as a whole, by
/// [`PROJECTION_YEARS`]. The 13 municipalities of 福島県浜通り are projected only as one
/// group and are missing here.
pub fn projections() -> Result<&'static HashMap<LgCode, [f64; 7]>, RefDataError> {
    static PROJECTIONS: std::sync::OnceLock<Result<HashMap<LgCode, [f64; 7]>, RefDataError>> =
        std::sync::OnceLock::new();
    PROJECTIONS
        .get_or_init(load_projections)
        .as_ref()
        .map_err(Clone::clone)
}

fn load_projections() -> Result<HashMap<LgCode, [f64; 7]>, RefDataError> {
    const FILE: &str = "ipss_R5_2023_projection_by_municipality_total_65plus_75plus.csv";
    let mut text = String::new();
    flate2::read::GzDecoder::new(PROJECTIONS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|e| err(FILE, 0, e))?;
    let mut out = HashMap::new();
    for (i, r) in rows(&text).enumerate() {
        let r = r.map_err(|e| err(FILE, i + 2, e))?;
        if !matches!(&r[1], "0" | "1" | "2" | "3") {
            continue;
        }
        let code = LgCode::parse(&r[0]).map_err(|e| err(FILE, i + 2, e))?;
        let mut pop = [0.0; 7];
        for (k, p) in pop.iter_mut().enumerate() {
            *p = r[4 + k].parse().map_err(|e| err(FILE, i + 2, e))?;
        }
        out.insert(code, pop);
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

    data.hospitals = hospitals(&by_name, &keep)?;
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
) -> Result<Vec<Facility>, RefDataError> {
    const FILE: &str = "mhlw_R7_hospital_beds_doctors_by_facility_339areas.csv";
    let mut text = String::new();
    flate2::read::GzDecoder::new(HOSPITALS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|e| err(FILE, 0, e))?;

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
    let mut out = Vec::with_capacity(raws.len());
    for r in &raws {
        let mut f = r.fields.clone();
        f.area = match r.located {
            Some((_, area)) => area,
            None => votes
                .get(r.vision_area.as_str())
                .and_then(|v| {
                    v.iter()
                        .max_by_key(|(a, n)| (**n, std::cmp::Reverse(**a)))
                        .map(|(a, _)| *a)
                })
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
    Ok(out)
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
