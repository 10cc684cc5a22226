//! No input makes the exchange reader (`chiiki place --input`) panic: random bytes, random
//! text, damaged valid files and structurally random instances (unknown ids, duplicates,
//! negative or huge numbers, wrong types) give an instance or explained errors, each with
//! its path. Every instance read, written with `input_json`, reads back equal. (The fuzz
//! target `fuzz/fuzz_targets/placement_json.rs` checks the same at length.)

use chiiki_placement::exchange::{input_json, read};
use chiiki_placement::generate::{Scale, generate};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Reads `bytes`: an instance that reads back equal through `input_json`, or errors that
/// each say where and what.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match read(bytes) {
        Ok((instance, ids)) => {
            prop_assert_eq!(ids.doctors.len(), instance.doctors.len());
            prop_assert_eq!(ids.facilities.len(), instance.facilities.len());
            let json = input_json(&instance);
            let (back, back_ids) = read(json.as_bytes()).map_err(|e| {
                TestCaseError::fail(format!("input_json does not read back: {e:?}"))
            })?;
            prop_assert_eq!(back, instance);
            prop_assert_eq!(back_ids, ids);
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                prop_assert!(!e.path.is_empty(), "an error without a path: {e:?}");
                prop_assert!(!e.ja.is_empty() && !e.en.is_empty());
                let _ = e.to_string();
            }
        }
    }
    Ok(())
}

/// A small valid instance with regions and couples, as its file.
fn valid() -> String {
    let mut scale = Scale::prefecture();
    scale.doctors = 14;
    scale.facilities = 6;
    scale.couples = 2;
    input_json(&generate(&scale, 11))
}

/// An id that may or may not name something: the ids the instance uses, unknown ones,
/// empty, odd Unicode.
fn id_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0u8..5).prop_map(|k| json!(format!("d{k}"))),
        4 => (0u8..4).prop_map(|k| json!(format!("f{k}"))),
        2 => (0u8..3).prop_map(|k| json!(format!("r{k}"))),
        1 => Just(json!("")),
        1 => Just(json!("医師\u{0}\u{FEFF}\"\\")),
        1 => Just(json!(7)),
        1 => Just(Value::Null),
        1 => Just(json!(["d0"])),
    ]
}

/// A number as a capacity, cap or floor might be written.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0i64..5).prop_map(|n| json!(n)),
        1 => Just(json!(-1)),
        1 => Just(json!(i64::MAX)),
        1 => Just(json!(i64::MIN)),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(4_294_967_296_i64)),
        1 => Just(json!(1.5)),
        1 => Just(json!("3")),
        1 => Just(Value::Null),
    ]
}

fn list(item: impl Strategy<Value = Value>, max: usize) -> impl Strategy<Value = Value> {
    prop::collection::vec(item, 0..max).prop_map(Value::Array)
}

fn doctor() -> impl Strategy<Value = Value> {
    (id_value(), prop::option::of(list(id_value(), 4))).prop_map(|(id, prefs)| match prefs {
        Some(p) => json!({"id": id, "preferences": p}),
        None => json!({"id": id}),
    })
}

fn facility() -> impl Strategy<Value = Value> {
    (
        id_value(),
        number(),
        prop::option::of(id_value()),
        list(id_value(), 4),
    )
        .prop_map(|(id, capacity, region, priority)| {
            let mut f = json!({"id": id, "capacity": capacity, "priority": priority});
            if let Some(r) = region {
                f["region"] = r;
            }
            f
        })
}

fn region() -> impl Strategy<Value = Value> {
    (
        id_value(),
        prop::option::of(number()),
        prop::option::of(number()),
    )
        .prop_map(|(id, cap, floor)| {
            let mut r = json!({"id": id});
            if let Some(c) = cap {
                r["cap"] = c;
            }
            if let Some(f) = floor {
                r["floor"] = f;
            }
            r
        })
}

fn instance() -> impl Strategy<Value = Value> {
    (
        list(doctor(), 6),
        list(facility(), 5),
        prop::option::of(list(region(), 3)),
        prop::option::of(list(list(id_value(), 3), 3)),
    )
        .prop_map(|(doctors, facilities, regions, couples)| {
            let mut i = json!({"doctors": doctors, "facilities": facilities});
            if let Some(r) = regions {
                i["regions"] = r;
            }
            if let Some(c) = couples {
                i["couples"] = c;
            }
            i
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes)?;
        check(&[b"\xEF\xBB\xBF", &bytes[..]].concat())?;
    }

    #[test]
    fn random_json_like_text(text in "[{}\\[\\]\",:0-9a-z \n\\\\-]{0,300}") {
        check(text.as_bytes())?;
    }

    #[test]
    fn structurally_random_instances(value in instance()) {
        check(value.to_string().as_bytes())?;
        check(serde_json::to_string_pretty(&value).unwrap().as_bytes())?;
    }

    #[test]
    fn damaged_valid_files(
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = valid().into_bytes();
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        check(&bytes)?;
    }

    #[test]
    fn generated_instances_round_trip(seed in any::<u64>(), doctors in 0usize..30, facilities in 1usize..8) {
        let mut scale = Scale::prefecture();
        scale.doctors = doctors;
        scale.facilities = facilities;
        scale.couples = doctors / 10;
        let instance = generate(&scale, seed);
        let (back, _) = read(input_json(&instance).as_bytes()).unwrap();
        prop_assert_eq!(back, instance);
    }
}

#[test]
fn the_valid_file_reads() {
    let (instance, ids) = read(valid().as_bytes()).unwrap();
    assert_eq!(instance.doctors.len(), 14);
    assert_eq!(ids.facilities.len(), 6);
}
