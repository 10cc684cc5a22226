//! `chiiki_obligations::timeline::Timeline::from_json`: a doctor's timeline (JSON, dates ISO
//! or 和暦). Returns the timeline or every problem with its JSON path, never panics; a
//! timeline read is evaluated against every shipped scheme without panicking.
#![no_main]

use std::sync::OnceLock;

use chiiki_domain::NaiveDate;
use chiiki_obligations::Registry;
use chiiki_obligations::evaluate::evaluate;
use chiiki_obligations::timeline::Timeline;
use libfuzzer_sys::fuzz_target;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry::shipped().expect("the shipped schemes load"))
}

fuzz_target!(|data: &[u8]| {
    match Timeline::from_json("fuzz.json", data) {
        Ok(timeline) => {
            let as_of = NaiveDate::from_ymd_opt(2030, 3, 31).expect("a date");
            for scheme in registry().definitions() {
                let _ = evaluate(scheme, &timeline, as_of, None);
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without a problem");
            for e in &errors {
                let _ = e.to_string();
            }
        }
    }
});
