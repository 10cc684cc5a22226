//! The bundled national data, shared by the tests and the benchmark.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

const TOPOJSON_GZ: &[u8] =
    include_bytes!("../../../../data/smri_N03-21_210101_designated_city_s0010.topojson.gz");
const MAPPING_CSV: &[u8] =
    include_bytes!("../../../../data/secondary_area_municipality_map_derived.csv");

/// The municipality TopoJSON of Japan, decompressed.
pub fn national_topojson() -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(TOPOJSON_GZ)
        .read_to_end(&mut out)
        .expect("the bundled TopoJSON is gzip");
    out
}

/// Municipality code (5 digits) → area code, from the derived mapping; cities split between
/// areas (`SPLIT:…`) have no single area and are left out.
pub fn area_mapping() -> HashMap<String, String> {
    let mut r = csv::Reader::from_reader(MAPPING_CSV);
    let headers = r.headers().expect("header row").clone();
    assert_eq!(headers.get(1), Some("lg_code5"));
    assert_eq!(headers.get(7), Some("area_code"));
    r.records()
        .map(|rec| rec.expect("a CSV row"))
        .filter(|rec| !rec[7].starts_with("SPLIT"))
        .map(|rec| (rec[1].to_owned(), rec[7].to_owned()))
        .collect()
}

/// Every area code of the mapping, SPLIT excluded.
pub fn all_areas() -> BTreeSet<String> {
    area_mapping().into_values().collect()
}
