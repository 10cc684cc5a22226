//! `chiiki_tabular::grid::read_grid`: every sheet of a workbook or CSV/TSV as raw cells, the
//! reading layer of the application's exact record sheets (`app::docsheet`). The first byte
//! picks the file name; the rest is the file. Returns sheets or an error, never panics, and
//! keeps to its documented bounds.
#![no_main]

use chiiki_tabular::grid::read_grid;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = ["x.csv", "x.tsv", "x.xlsx", "x.ods", "x.txt", "x"];

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
    let [pick_name, file @ ..] = data else {
        return;
    };
    let name = NAMES[usize::from(*pick_name) % NAMES.len()];
    match read_grid(name, file) {
        Ok(sheets) => {
            for sheet in &sheets {
                assert!(sheet.rows.len() <= 200_000, "more rows than the bound");
                for row in &sheet.rows {
                    assert!(row.len() <= 16_384, "more columns than the bound");
                    for cell in row {
                        let _ = cell.to_text();
                    }
                }
            }
        }
        Err(issue) => {
            let _ = issue.to_string();
        }
    }
});
