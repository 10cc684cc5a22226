//! No input makes the date reader (`parse_date`: ISO and 和暦) panic, beyond the module's own
//! proptests: sequences of the very tokens it reads (era names and letters, 元, digits of any
//! length, every separator, full-width forms, whitespace) give a date or an explained error,
//! and a date read reads back the same from its ISO, 和暦 and short 和暦 forms. (The fuzz
//! target `fuzz/fuzz_targets/wareki_date.rs` checks the same at length.)

use chiiki_domain::date::{format_wareki_short, wareki};
use chiiki_domain::{format_iso, format_wareki, parse_date};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "令和",
    "令",
    "平成",
    "平",
    "昭和",
    "昭",
    "大正",
    "大",
    "明治",
    "明",
    "㋿",
    "R",
    "r",
    "H",
    "S",
    "T",
    "M",
    "元",
    "年",
    "月",
    "日",
    "-",
    "/",
    ".",
    "ー",
    "−",
    "‐",
    "－",
    "／",
    "．",
    " ",
    "　",
    "0",
    "1",
    "01",
    "12",
    "29",
    "30",
    "31",
    "64",
    "99",
    "100",
    "2024",
    "1873",
    "2200",
    "20240401",
    "4294967295",
    "4294967296",
    "99999999999999999999",
    "０",
    "１２",
    "２０２４",
    "元年",
    "\u{FEFF}",
    "\t",
];

fn check(input: &str) -> Result<(), TestCaseError> {
    match parse_date(input) {
        Ok(d) => {
            prop_assert_eq!(parse_date(&format_iso(d)).ok(), Some(d));
            if wareki(d).is_some() {
                prop_assert_eq!(parse_date(&format_wareki(d)).ok(), Some(d));
                prop_assert_eq!(parse_date(&format_wareki_short(d)).ok(), Some(d));
            }
        }
        Err(e) => {
            let text = e.to_string();
            prop_assert!(!text.is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn token_sequences(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..9)) {
        check(&tokens.concat())?;
    }

    #[test]
    fn wareki_shapes_with_any_numbers(
        era in prop::sample::select(&TOKENS[..13]),
        year in 0u32..200,
        month in 0u32..15,
        day in 0u32..40,
        sep in prop::sample::select(vec![("年", "月", "日"), (".", ".", ""), ("/", "/", ""), ("-", "-", "")]),
    ) {
        check(&format!("{era}{year}{}{month}{}{day}{}", sep.0, sep.1, sep.2))?;
    }
}
