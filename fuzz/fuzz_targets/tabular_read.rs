//! `chiiki_tabular::read_bytes` (CSV, TSV, Shift_JIS, UTF-16, XLSX/XLS/ODS by content) for
//! every entity. The first byte picks the file name (and so the extension), the second the
//! entity; the rest is the file. Reading returns records, issues or an error, never panics;
//! the records it returns, written as CSV, read back as the same records without issues.
#![no_main]

use chiiki_domain::{Assignment, Doctor, Facility, Municipality, Programme, Scheme, SecondaryArea};
use chiiki_tabular::{Format, Record, read_bytes, write_bytes};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = ["x.csv", "x.tsv", "x.xlsx", "x.xls", "x.txt", "x"];

fn check<T: Record + PartialEq + std::fmt::Debug>(name: &str, bytes: &[u8]) {
    let Ok(decoded) = read_bytes::<T>(name, bytes) else {
        return;
    };
    for issue in &decoded.issues {
        let _ = issue.to_string();
    }
    let records: Vec<T> = decoded.records.into_iter().map(|(_, r)| r).collect();
    if records.is_empty() {
        return;
    }
    let csv = write_bytes(&records, Format::Csv).expect("decoded records can be written");
    let back = read_bytes::<T>("back.csv", &csv).expect("written CSV reads back");
    assert!(
        back.issues.is_empty(),
        "written CSV reads back with issues: {:?}",
        back.issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    let back: Vec<T> = back.records.into_iter().map(|(_, r)| r).collect();
    assert_eq!(back, records, "CSV round trip changed the records");
}

/// Keeps libFuzzer's abort-on-panic hook except for panics inside calamine (the workbook
/// parser), which the reader catches and reports as a damaged workbook
/// (`chiiki_tabular`'s `book::shielded`): such a panic is a finding only if it escapes
/// the reader, and then `libfuzzer-sys` aborts on it anyway.
fn let_calamine_panics_unwind() {
    let abort_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_calamine = info
            .location()
            .is_some_and(|l| l.file().contains("/calamine-"));
        if !in_calamine {
            abort_hook(info);
        }
    }));
}

fuzz_target!(init: let_calamine_panics_unwind(), |data: &[u8]| {
    let [pick_name, pick_entity, file @ ..] = data else {
        return;
    };
    let name = NAMES[usize::from(*pick_name) % NAMES.len()];
    match pick_entity % 7 {
        0 => check::<Doctor>(name, file),
        1 => check::<Facility>(name, file),
        2 => check::<Assignment>(name, file),
        3 => check::<Municipality>(name, file),
        4 => check::<SecondaryArea>(name, file),
        5 => check::<Scheme>(name, file),
        _ => check::<Programme>(name, file),
    }
});
