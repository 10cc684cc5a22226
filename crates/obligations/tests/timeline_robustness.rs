//! No input makes the timeline reader (`Timeline::from_json`, the JSON of `chiiki
//! obligations check --timeline`) panic: random bytes, random text, damaged valid files and
//! structurally random timelines (any dates, 和暦 or not, unknown kinds and groups, wrong
//! types, overlapping periods) give a timeline or errors, each with its file, JSON path,
//! problem and fix. A timeline read is evaluated against every shipped scheme without
//! panicking. (The fuzz target `fuzz/fuzz_targets/timeline_json.rs` checks the same at
//! length.)

use std::sync::OnceLock;

use chiiki_domain::NaiveDate;
use chiiki_obligations::Registry;
use chiiki_obligations::evaluate::evaluate;
use chiiki_obligations::timeline::Timeline;
use proptest::prelude::*;
use serde_json::{Value, json};

const EXAMPLE: &str = r#"{"doctor": "d-001", "scheme": "mie-late-training",
 "graduation_date": "2015-03-31", "loan_start": "2009-04-01", "loan_end": "2015-03-31",
 "specialist_certified_on": null,
 "periods": [{"start": "2015-04-01", "end": "2017-03-31", "kind": "initial_residency",
              "facility": "三重大学医学部附属病院", "facility_group": "university",
              "in_prefecture": true, "fte": 1.0},
             {"start": "令和2年4月1日", "end": null, "kind": "指定勤務",
              "facility": "紀南病院", "facility_group": "designated", "in_shortage_area": true}]}"#;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry::shipped().unwrap())
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match Timeline::from_json("t.json", bytes) {
        Ok(t) => {
            let as_of = NaiveDate::from_ymd_opt(2030, 3, 31).unwrap();
            for scheme in registry().definitions() {
                let _ = evaluate(scheme, &t, as_of, None);
            }
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                prop_assert_eq!(&e.file, "t.json");
                prop_assert!(!e.path.is_empty(), "an error without a path: {:?}", e);
                let _ = e.to_string();
            }
        }
    }
    Ok(())
}

/// A date as a file might give it: valid or not, ISO or 和暦, or not a string.
fn date() -> impl Strategy<Value = Value> {
    prop_oneof![
        16 => (1990i32..2045, 1u32..13, 1u32..29).prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}"))),
        4 => (1u32..9, 1u32..13, 1u32..29).prop_map(|(y, m, d)| json!(format!("令和{y}年{m}月{d}日"))),
        2 => (0u32..40, 0u32..14, 0u32..33).prop_map(|(y, m, d)| json!(format!("H{y}.{m}.{d}"))),
        1 => "\\PC{0,12}".prop_map(|s| json!(s)),
        1 => Just(json!("2024-02-30")),
        1 => Just(json!("+275760-09-13")),
        1 => Just(json!(20240401)),
        1 => Just(Value::Null),
    ]
}

fn period() -> impl Strategy<Value = Value> {
    (
        date(),
        prop::option::of(date()),
        prop_oneof![
            8 => prop::sample::select(vec![
                json!("initial_residency"), json!("designated_service"), json!("指定勤務"),
                json!("maternity_leave"), json!("research"), json!("other_service"),
                json!("specialist_training"), json!("childcare_leave"),
            ]),
            1 => prop::sample::select(vec![json!("x"), json!(3), Value::Null]),
        ],
        prop::option::of(prop::sample::select(vec![
            json!("university"),
            json!("designated"),
            json!("small"),
            json!("large_medium"),
            json!("?"),
            Value::Null,
        ])),
        prop::option::of(any::<bool>()),
        prop::option::of(prop_oneof![
            6 => prop::sample::select(vec![json!(1.0), json!(0.5), json!(0.01), json!(0.75)]),
            1 => prop::sample::select(vec![
                json!(0.0), json!(-1), json!(1.01), json!(1e308), json!(0.333), json!("1"),
            ]),
        ]),
    )
        .prop_map(|(start, end, kind, group, in_pref, fte)| {
            let mut p = json!({"start": start, "kind": kind});
            if let Some(e) = end {
                p["end"] = e;
            }
            if let Some(g) = group {
                p["facility_group"] = g;
            }
            if let Some(b) = in_pref {
                p["in_prefecture"] = json!(b);
            }
            if let Some(f) = fte {
                p["fte"] = f;
            }
            p
        })
}

fn timeline() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["mie-late-training", "gifu-type1", "iwate-career", "nope", ""]),
        date(),
        prop::option::of((date(), date())),
        prop::option::of(date()),
        prop::collection::vec(period(), 0..5),
    )
        .prop_map(|(scheme, grad, loan, spec, periods)| {
            let mut t = json!({"doctor": "d-001", "scheme": scheme, "graduation_date": grad, "periods": periods});
            if let Some((a, b)) = loan {
                t["loan_start"] = a;
                t["loan_end"] = b;
            }
            if let Some(s) = spec { t["specialist_certified_on"] = s; }
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes)?;
    }

    #[test]
    fn random_json_like_text(text in "[{}\\[\\]\",:0-9a-z_ \n令和年月日.\\-]{0,300}") {
        check(text.as_bytes())?;
    }

    #[test]
    fn structurally_random_timelines(value in timeline()) {
        check(value.to_string().as_bytes())?;
    }

    #[test]
    fn damaged_example(
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = EXAMPLE.as_bytes().to_vec();
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check(&bytes)?;
    }
}

#[test]
fn the_example_reads() {
    let t = Timeline::from_json("t.json", EXAMPLE.as_bytes()).unwrap();
    assert_eq!(t.periods.len(), 2);
}
