//! `chiiki_roster::shift::parse`: a shift-scheduling benchmark instance (Curtois–Qu text
//! format, `benchmarks/shift-scheduling`, read by `chiiki roster benchmark`). Returns the
//! instance or an error with its line and section, never panics.
#![no_main]

use chiiki_roster::shift::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse("fuzz.txt", text) {
        Ok(instance) => {
            let _ = format!("{instance:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
