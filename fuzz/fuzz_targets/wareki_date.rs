//! `chiiki_domain::parse_date`: ISO and 和暦 dates (令和6年4月1日, R6.4.1, R06/04/01, 元年,
//! full-width digits). Returns a date or an explained error, never panics; a date read is
//! read back the same from its ISO, 和暦 and short 和暦 forms.
#![no_main]

use chiiki_domain::date::{format_wareki_short, wareki};
use chiiki_domain::{format_iso, format_wareki, parse_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_date(text) {
        Ok(d) => {
            assert_eq!(parse_date(&format_iso(d)).ok(), Some(d), "ISO form of {d}");
            if wareki(d).is_some() {
                let long = format_wareki(d);
                assert_eq!(parse_date(&long).ok(), Some(d), "和暦 {long}");
                let short = format_wareki_short(d);
                assert_eq!(parse_date(&short).ok(), Some(d), "short 和暦 {short}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
