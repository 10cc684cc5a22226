//! No input makes reading panic: it returns records, issues or an error.

mod common;

use std::sync::OnceLock;

use chiiki_domain::*;
use chiiki_tabular::{Format, read_bytes, write_bytes};
use proptest::prelude::*;

/// A valid workbook and CSV of doctors, to damage.
fn valid(format: Format) -> &'static [u8] {
    static XLSX: OnceLock<Vec<u8>> = OnceLock::new();
    static CSV: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = if format == Format::Xlsx { &XLSX } else { &CSV };
    cell.get_or_init(|| write_bytes(&common::doctors(), format).unwrap())
}

fn read_all(name: &str, bytes: &[u8]) {
    let _ =
        read_bytes::<Doctor>(name, bytes).map(|d| d.issues.iter().map(ToString::to_string).count());
    let _ = read_bytes::<Facility>(name, bytes);
    let _ = read_bytes::<Assignment>(name, bytes);
    let _ = read_bytes::<Municipality>(name, bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        for name in ["x.csv", "x.xlsx", "x.tsv", "x", "x.xls"] {
            let _ = read_bytes::<Doctor>(name, &bytes);
        }
    }

    #[test]
    fn random_bytes_behind_workbook_signatures(
        magic in prop_oneof![Just(&b"PK\x03\x04"[..]), Just(&b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"[..])],
        bytes in proptest::collection::vec(any::<u8>(), 0..2_000),
    ) {
        let data = [magic, &bytes].concat();
        read_all("x.xlsx", &data);
    }

    #[test]
    fn damaged_workbooks(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid(Format::Xlsx).to_vec();
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        read_all("x.xlsx", &bytes);
    }

    #[test]
    fn damaged_csv(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = valid(Format::Csv).to_vec();
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        read_all("x.csv", &bytes);
    }

    #[test]
    fn random_text(text in "[\"',\t\r\n a-zA-Z0-9\\-=/.０-９ア-ン一-龠令和年月日医師ID氏名性別生年月日卒業都道府県]{0,400}") {
        read_all("x.csv", text.as_bytes());
        let with_header = format!("医師ID,氏名,性別,生年月日,卒業年月日,都道府県\n{text}");
        read_all("x.csv", with_header.as_bytes());
    }
}
