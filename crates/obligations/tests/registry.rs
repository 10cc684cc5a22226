//! Which version a doctor is under: the one in force when their loan started, whatever
//! the date of the question.

use chiiki_domain::{Enrolment, Explain, NaiveDate, Period, SchemeId};
use chiiki_obligations::{LookupError, Registry, SchemeDefinition, Window};
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../doc/example.toml");

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn base() -> SchemeDefinition {
    SchemeDefinition::from_toml("example.toml", EXAMPLE).unwrap()
}

fn version(n: u32, from: Option<NaiveDate>, until: Option<NaiveDate>) -> SchemeDefinition {
    SchemeDefinition {
        version: n,
        effective_from: from,
        effective_until: until,
        file: format!("example.v{n}.toml"),
        ..base()
    }
}

fn id() -> SchemeId {
    SchemeId::parse("example-loan").unwrap()
}

#[test]
fn the_version_in_force_when_the_loan_started() {
    let registry = Registry::new([
        version(1, None, None),
        version(2, Some(d(2020, 4, 1)), None),
        version(3, Some(d(2024, 4, 1)), Some(d(2025, 3, 31))),
    ])
    .unwrap();
    let v = |date| registry.version_for(&id(), date).map(|d| d.version);
    assert_eq!(v(d(1990, 1, 1)), Ok(1));
    assert_eq!(v(d(2020, 3, 31)), Ok(1));
    assert_eq!(v(d(2020, 4, 1)), Ok(2));
    assert_eq!(v(d(2024, 3, 31)), Ok(2));
    assert_eq!(v(d(2024, 4, 1)), Ok(3));
    assert_eq!(v(d(2025, 3, 31)), Ok(3));
    // After the last version closed: none applies, and the error says how to fix it.
    let e = v(d(2025, 4, 1)).unwrap_err();
    assert!(matches!(e, LookupError::NoVersion { .. }));
    assert!(e.problem().ja.contains("2025-04-01") && e.fix().en.contains("add a version"));
    let unknown = registry
        .version_for(&SchemeId::parse("nope").unwrap(), d(2020, 4, 1))
        .unwrap_err();
    assert_eq!(
        unknown,
        LookupError::UnknownScheme(SchemeId::parse("nope").unwrap())
    );
    assert!(unknown.problem().en.contains("nope"));

    assert_eq!(
        registry.window(&id(), 2),
        Some(Window {
            from: Some(d(2020, 4, 1)),
            until: Some(d(2024, 3, 31))
        })
    );
    assert_eq!(registry.get(&id(), 3).unwrap().file, "example.v3.toml");
    assert_eq!(registry.versions(&id()).count(), 3);

    // A doctor is looked up by the first day of their loan.
    let enrolment = Enrolment {
        scheme: id(),
        loan: Period::new(d(2018, 4, 1), Some(d(2024, 3, 31))).unwrap(),
    };
    assert_eq!(registry.for_enrolment(&enrolment).unwrap().version, 1);
}

/// Version start dates (strictly increasing) and optional explicit ends, as offsets in days.
fn versions() -> impl Strategy<Value = Vec<SchemeDefinition>> {
    (
        any::<bool>(),
        prop::collection::vec((1i64..3_000, prop::option::of(0i64..4_000)), 1..6),
    )
        .prop_map(|(first_open, steps)| {
            let mut from = d(2000, 4, 1);
            let n = steps.len();
            let starts: Vec<NaiveDate> = steps
                .iter()
                .map(|(gap, _)| {
                    from += chrono::Duration::days(*gap);
                    from
                })
                .collect();
            (0..n)
                .map(|i| {
                    let start = starts[i];
                    // An explicit end, kept before the next version's start.
                    let until = steps[i].1.map(|len| {
                        let end = start + chrono::Duration::days(len);
                        match starts.get(i + 1) {
                            Some(next) if end >= *next => next.pred_opt().unwrap(),
                            _ => end,
                        }
                    });
                    let from = if i == 0 && first_open {
                        None
                    } else {
                        Some(start)
                    };
                    version(i as u32 + 1, from, until)
                })
                .collect()
        })
}

/// Whether a version applies to a date, worked out from the definitions alone.
fn applies(defs: &[SchemeDefinition], i: usize, date: NaiveDate) -> bool {
    let v = &defs[i];
    v.effective_from.is_none_or(|f| f <= date)
        && v.effective_until.is_none_or(|u| date <= u)
        && defs
            .get(i + 1)
            .and_then(|next| next.effective_from)
            .is_none_or(|next| date < next)
}

proptest! {
    #[test]
    fn at_most_one_version_applies_on_any_date(defs in versions(), offset in -1_000i64..20_000) {
        let registry = Registry::new(defs.clone()).unwrap();
        let date = d(2000, 4, 1) + chrono::Duration::days(offset);
        let applying: Vec<u32> = (0..defs.len())
            .filter(|&i| applies(&defs, i, date))
            .map(|i| defs[i].version)
            .collect();
        prop_assert!(applying.len() <= 1);
        let windows: Vec<Window> = defs
            .iter()
            .map(|v| registry.window(&id(), v.version).unwrap())
            .collect();
        prop_assert!(windows.iter().filter(|w| w.contains(date)).count() <= 1);
        let found = registry.version_for(&id(), date).ok().map(|v| v.version);
        prop_assert_eq!(found, applying.first().copied());
    }

    /// Publishing versions over time never moves a doctor: the registry as it stood on any
    /// later as-of date (every version whose start had come) gives the same version.
    #[test]
    fn a_doctors_version_never_changes_with_the_as_of_date(
        defs in versions(),
        enrolled in 0i64..20_000,
        later in 0i64..20_000,
    ) {
        let full = Registry::new(defs.clone()).unwrap();
        let enrolled = d(2000, 4, 1) + chrono::Duration::days(enrolled);
        let as_of = enrolled + chrono::Duration::days(later);
        let published: Vec<SchemeDefinition> = defs
            .iter()
            .filter(|v| v.effective_from.is_none_or(|f| f <= as_of))
            .cloned()
            .collect();
        prop_assume!(!published.is_empty());
        let then = Registry::new(published).unwrap();
        prop_assert_eq!(
            then.version_for(&id(), enrolled).ok().map(|v| v.version),
            full.version_for(&id(), enrolled).ok().map(|v| v.version)
        );
    }
}
