//! The evaluation of timelines: one test per rule of Mie's programme conditions, the
//! deadline and suspensions of a full scheme, and the properties every evaluation keeps.

use std::sync::OnceLock;

use chiiki_domain::{NaiveDate, RegisterStatus};
use chiiki_obligations::evaluate::{Status, evaluate, what_if};
use chiiki_obligations::timeline::{ServicePeriod, Timeline};
use chiiki_obligations::{Registry, SchemeDefinition};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    chiiki_domain::parse_date(s).unwrap()
}

const MIE: &str = "mie-late-training";
const EXAMPLE: &str = "example-loan";

/// Mie's programme, read once for all the tests.
fn mie() -> &'static SchemeDefinition {
    static MIE_SCHEME: OnceLock<SchemeDefinition> = OnceLock::new();
    MIE_SCHEME.get_or_init(|| {
        let r = Registry::shipped().unwrap();
        r.versions(&chiiki_domain::SchemeId::parse(MIE).unwrap())
            .next()
            .unwrap()
            .clone()
    })
}

/// The scheme of the format's documentation: every rule, a deadline, suspensions.
fn example() -> &'static SchemeDefinition {
    static EXAMPLE_SCHEME: OnceLock<SchemeDefinition> = OnceLock::new();
    EXAMPLE_SCHEME.get_or_init(|| {
        SchemeDefinition::from_toml("example.toml", include_str!("../doc/example.toml")).unwrap()
    })
}

/// A period as JSON: (start, end, kind, facility, group, in_prefecture, fte).
type P<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a str,
    bool,
    f64,
);

/// A full-time period in the prefecture.
const fn full<'a>(
    start: &'a str,
    end: &'a str,
    kind: &'a str,
    facility: &'a str,
    group: &'a str,
) -> P<'a> {
    (start, Some(end), kind, facility, group, true, 1.0)
}

/// A full-time period of specialist training in the prefecture.
const fn training<'a>(start: &'a str, end: &'a str, facility: &'a str, group: &'a str) -> P<'a> {
    full(start, end, "specialist_training", facility, group)
}

/// The same period outside the prefecture.
const fn outside(mut p: P) -> P {
    p.5 = false;
    p
}

/// The timeline of a doctor who graduated on 2015-03-31 (every test's doctor).
fn timeline(scheme: &str, certified: Option<&str>, periods: &[P]) -> Timeline {
    let ps: Vec<serde_json::Value> = periods
        .iter()
        .map(|(s, e, kind, facility, group, in_pref, fte)| {
            serde_json::json!({"start": s, "end": e, "kind": kind, "facility": facility,
                "facility_group": group, "in_prefecture": in_pref, "fte": fte,
                "in_shortage_area": *group == "designated"})
        })
        .collect();
    let json = serde_json::json!({"doctor": "d-001", "scheme": scheme,
        "graduation_date": "2015-03-31", "loan_start": "2009-04-01", "loan_end": "2015-03-31",
        "specialist_certified_on": certified, "periods": ps});
    Timeline::from_json("t.json", json.to_string().as_bytes()).unwrap()
}

/// One period, as the timeline reads it.
fn service_period(p: P) -> ServicePeriod {
    timeline(EXAMPLE, None, &[p]).periods.remove(0)
}

fn rules(e: &chiiki_obligations::evaluate::Evaluation) -> Vec<&str> {
    e.violations.iter().map(|v| v.rule).collect()
}

fn risk_rules(e: &chiiki_obligations::evaluate::Evaluation) -> Vec<&str> {
    e.risks.iter().map(|v| v.rule).collect()
}

const RES: P = full(
    "2015-04-01",
    "2017-03-31",
    "initial_residency",
    "三重大学医学部附属病院",
    "university",
);
const UNI_2017: P = training(
    "2017-04-01",
    "2018-03-31",
    "三重大学医学部附属病院",
    "university",
);
const LARGE_2018: P = training("2018-04-01", "2019-03-31", "市立四日市病院", "large_medium");

#[test]
fn mie_counts_ten_years_in_the_prefecture_with_initial_residency() {
    let s = mie();
    // Outside Mie: does not count toward the ten years.
    let nagoya = outside(training(
        "2019-04-01",
        "2020-03-31",
        "名古屋大学医学部附属病院",
        "university",
    ));
    let t = timeline(MIE, None, &[RES, UNI_2017, LARGE_2018, nagoya]);
    let e = evaluate(s, &t, d("2020-03-31"), None);
    assert_eq!(e.required_years, Some(10.0));
    // Two years of residency + two in Mie; 2016 and 2020 leap days do not count.
    assert_eq!(e.counted.service_days, 4.0 * 365.0);
    assert_eq!(e.counted.service_years, 4.0);
    assert_eq!(e.remaining.service_years, 6.0);
    assert_eq!(e.status, Status::InService);
    assert!(e.compliant, "{:?}", e.violations);
}

#[test]
fn mie_initial_residency_must_be_in_the_prefecture() {
    let s = mie();
    let e = evaluate(
        s,
        &timeline(MIE, None, &[outside(RES)]),
        d("2017-03-31"),
        None,
    );
    assert_eq!(rules(&e), ["rules.initial_residency"]);
    assert!(e.violations[0].explanation_en.contains("outside"));
    assert!(e.violations[0].explanation_ja.contains("県外"));
    assert_eq!(e.violations[0].periods, [0]);
}

#[test]
fn mie_allows_two_years_outside_the_prefecture() {
    let s = mie();
    let out = |end| {
        outside(training(
            "2017-04-01",
            end,
            "名古屋大学医学部附属病院",
            "university",
        ))
    };
    // Exactly two years: allowed.
    let e = evaluate(
        s,
        &timeline(MIE, None, &[RES, out("2019-03-31")]),
        d("2019-03-31"),
        None,
    );
    assert!(
        !rules(&e).contains(&"rules.outside_prefecture"),
        "{:?}",
        e.violations
    );
    // One day more: broken, with the numbers.
    let e = evaluate(
        s,
        &timeline(MIE, None, &[RES, out("2019-04-01")]),
        d("2019-04-01"),
        None,
    );
    assert!(rules(&e).contains(&"rules.outside_prefecture"));
    let v = e
        .violations
        .iter()
        .find(|v| v.rule == "rules.outside_prefecture")
        .unwrap();
    assert!(
        v.explanation_en.contains("731 days"),
        "{}",
        v.explanation_en
    );
    assert!(v.explanation_ja.contains("2年"), "{}", v.explanation_ja);
}

#[test]
fn mie_requires_a_year_at_each_facility() {
    let s = mie();
    let short = training(
        "2017-04-01",
        "2017-09-30",
        "松阪中央総合病院",
        "large_medium",
    );
    let next = training(
        "2017-10-01",
        "2018-09-30",
        "三重大学医学部附属病院",
        "university",
    );
    // While the short stay is still under way, nothing is broken yet.
    let e = evaluate(
        s,
        &timeline(MIE, None, &[RES, short, next]),
        d("2017-08-31"),
        None,
    );
    assert!(!rules(&e).contains(&"rules.tenure"));
    // Once it is over at six months, it is.
    let e = evaluate(
        s,
        &timeline(MIE, None, &[RES, short, next]),
        d("2018-03-31"),
        None,
    );
    assert!(rules(&e).contains(&"rules.tenure"), "{:?}", e.violations);
    let v = e
        .violations
        .iter()
        .find(|v| v.rule == "rules.tenure")
        .unwrap();
    assert!(
        v.explanation_ja.contains("松阪中央総合病院") && v.explanation_en.contains("183 days"),
        "{}",
        v.explanation_en
    );
    assert_eq!(v.periods, [1]);
}

#[test]
fn mie_expects_board_certification_by_year_ten() {
    let s = mie();
    let t = timeline(MIE, None, &[RES]);
    // Year 10 after a March 2015 graduation ends on 2025-03-31.
    let e = evaluate(s, &t, d("2023-04-01"), None);
    assert!(
        risk_rules(&e).contains(&"rules.specialist"),
        "{:?}",
        e.risks
    );
    assert!(!rules(&e).contains(&"rules.specialist"));
    let e = evaluate(s, &t, d("2025-04-01"), None);
    assert!(rules(&e).contains(&"rules.specialist"));
    assert!(
        e.violations
            .iter()
            .any(|v| v.explanation_en.contains("2025-03-31"))
    );
    let certified = timeline(MIE, Some("2024-06-01"), &[RES]);
    let e = evaluate(s, &certified, d("2025-04-01"), None);
    assert!(
        !rules(&e).contains(&"rules.specialist") && !risk_rules(&e).contains(&"rules.specialist")
    );
}

#[test]
fn an_unrecorded_certification_is_a_risk_to_check_not_a_violation() {
    // The register does not record board certification: past the due date, the evaluation
    // asks to check it instead of calling it broken.
    let mut t = timeline(MIE, None, &[RES]);
    t.specialist_recorded = false;
    let e = evaluate(mie(), &t, d("2025-04-01"), None);
    assert!(!rules(&e).contains(&"rules.specialist"));
    let r = e
        .risks
        .iter()
        .find(|r| r.rule == "rules.specialist")
        .unwrap();
    assert!(
        r.explanation_en
            .contains("no certification date is recorded"),
        "{}",
        r.explanation_en
    );
}

#[test]
fn mie_rotation_needs_its_groups() {
    let s = mie();
    let (uni, large) = (UNI_2017, LARGE_2018);
    let e = evaluate(
        s,
        &timeline(MIE, None, &[RES, uni, large]),
        d("2019-03-31"),
        None,
    );
    // Before the obligation ends, a missing group is a risk, naming what is missing.
    let r = e.risks.iter().find(|r| r.rule == "rules.rotation").unwrap();
    assert!(
        r.explanation_en.contains("Designated") && r.explanation_en.contains("Small"),
        "{}",
        r.explanation_en
    );
    assert!(!rules(&e).contains(&"rules.rotation"));
    // All four groups, a year at the designated one: nothing to say.
    let small = training("2019-04-01", "2020-03-31", "紀和病院", "small");
    let desig = training("2020-04-01", "2021-03-31", "紀南病院", "designated");
    let e = evaluate(
        s,
        &timeline(MIE, None, &[RES, uni, large, small, desig]),
        d("2021-03-31"),
        None,
    );
    assert!(!risk_rules(&e).contains(&"rules.rotation"), "{:?}", e.risks);
}

#[test]
fn mie_limits_graduate_school_and_research_to_two_years() {
    let s = mie();
    let grad = full(
        "2017-04-01",
        "2020-03-31",
        "graduate_school",
        "三重大学大学院",
        "university",
    );
    let e = evaluate(s, &timeline(MIE, None, &[RES, grad]), d("2019-03-31"), None);
    assert!(!rules(&e).contains(&"rules.limits"));
    let e = evaluate(s, &timeline(MIE, None, &[RES, grad]), d("2020-03-31"), None);
    assert!(rules(&e).contains(&"rules.limits"));
    // Graduate school does not count toward the ten years.
    assert_eq!(e.counted.service_years, 2.0);
}

#[test]
fn a_deadline_extended_by_allowed_leave() {
    let s = example();
    // Loan 2009-04 – 2015-03: 72 months × 1.5 = 9 years owed; deadline end of year 15.
    let leave = full("2017-04-01", "2018-03-31", "childcare_leave", "", "");
    let t = timeline(EXAMPLE, Some("2022-01-01"), &[RES, leave]);
    let e = evaluate(s, &t, d("2020-01-01"), None);
    assert_eq!(e.required_years, Some(9.0));
    let dl = e.deadline.clone().unwrap();
    assert_eq!(dl.base, d("2030-03-31"));
    assert_eq!(dl.extension_days, 365);
    assert_eq!(dl.deadline, d("2031-03-31"));
    assert_eq!(e.counted.suspended_days["childcare_leave"], 365);
    // Leave never counts, and the deadline passes with years still owed: breached.
    assert_eq!(e.counted.service_days, 0.0);
    let late = evaluate(s, &t, d("2031-04-01"), None);
    assert_eq!(late.status, Status::Breached);
    assert!(rules(&late).contains(&"rules.deadline"));
    assert!(!late.compliant);
    // Long before, the deadline can still be met; close to it, it cannot: a risk.
    assert!(!risk_rules(&e).contains(&"rules.deadline"));
    let near = evaluate(s, &t, d("2024-04-01"), None);
    assert!(
        risk_rules(&near).contains(&"rules.deadline"),
        "{:?}",
        near.risks
    );
    // The register's status wins.
    assert_eq!(
        evaluate(s, &t, d("2031-04-01"), Some(RegisterStatus::Repaid)).status,
        Status::Repaid
    );
}

#[test]
fn part_time_counts_pro_rata_and_not_below_the_minimum() {
    let s = example();
    let kinan = |start, end, fte| -> P {
        let mut p = full(start, end, "designated_service", "紀南病院", "designated");
        p.6 = fte;
        p
    };
    let half = kinan("2017-04-01", "2018-03-31", 0.5);
    let little = kinan("2018-04-01", "2019-03-31", 0.4);
    let e = evaluate(
        s,
        &timeline(EXAMPLE, None, &[RES, half, little]),
        d("2019-03-31"),
        None,
    );
    assert_eq!(e.counted.service_days, 182.5);
    assert_eq!(e.counted.designated_days, 182.5);
    assert_eq!(e.status, Status::InDesignatedService);
}

#[test]
fn what_if_adds_proposals_and_refuses_overlaps() {
    let s = example();
    let t = timeline(EXAMPLE, None, &[RES]);
    let kinan = |start| {
        service_period(full(
            start,
            "2026-03-31",
            "designated_service",
            "紀南病院",
            "designated",
        ))
    };
    let plan = [kinan("2017-04-01")];
    let e = what_if(s, &t, &plan, d("2026-03-31")).unwrap();
    assert_eq!(e.counted.service_years, 9.0);
    assert_eq!(e.status, Status::Completed);
    let clash = [kinan("2016-04-01")];
    let err = what_if(s, &t, &clash, d("2026-03-31")).unwrap_err();
    assert!(
        err.problem.en.contains("2016-04-01 – 2017-03-31"),
        "{}",
        err.problem.en
    );
}

// -------------------------------------------------------------------------------------
// Properties

const KINDS: [&str; 6] = [
    "specialist_training",
    "designated_service",
    "other_service",
    "childcare_leave",
    "research",
    "initial_residency",
];
const FACILITIES: [(&str, &str); 4] = [
    ("三重大学医学部附属病院", "university"),
    ("市立四日市病院", "large_medium"),
    ("紀和病院", "small"),
    ("紀南病院", "designated"),
];

/// Random back-to-back periods from 2015-04-01: (length in days, kind, facility, in
/// prefecture, fte in tenths).
fn periods() -> impl Strategy<Value = Vec<(u32, usize, usize, bool, u8)>> {
    proptest::collection::vec(
        (30u32..900, 0usize..6, 0usize..4, any::<bool>(), 5u8..=10),
        0..8,
    )
}

fn build(spec: &[(u32, usize, usize, bool, u8)], scheme: &str) -> Timeline {
    let mut start = d("2015-04-01");
    let mut ps: Vec<(String, String, &str, &str, &str, bool, f64)> = Vec::new();
    for (len, kind, fac, in_pref, fte) in spec {
        let end = start + chrono::Days::new(u64::from(*len) - 1);
        let (name, group) = FACILITIES[*fac];
        ps.push((
            start.to_string(),
            end.to_string(),
            KINDS[*kind],
            name,
            group,
            *in_pref,
            f64::from(*fte) / 10.0,
        ));
        start = end + chrono::Days::new(1);
    }
    let borrowed: Vec<P> = ps
        .iter()
        .map(|(s, e, k, n, g, p, f)| (s.as_str(), Some(e.as_str()), *k, *n, *g, *p, *f))
        .collect();
    timeline(scheme, None, &borrowed)
}

/// Rules and sentences of the findings, without the period indices (which follow the order
/// of the file).
fn said(f: &[chiiki_obligations::evaluate::Finding]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = f
        .iter()
        .map(|f| (f.rule.to_string(), f.explanation_en.clone()))
        .collect();
    v.sort();
    v
}

proptest! {
    #[test]
    fn adding_a_counted_period_never_increases_what_remains(spec in periods(), len in 30u32..800) {
        for s in [mie(), example()] {
            let t = build(&spec, s.id.as_str());
            let mut more = spec.clone();
            more.push((len, 1, 3, true, 10));
            let t2 = build(&more, s.id.as_str());
            let as_of = d("2060-03-31");
            let (a, b) = (evaluate(s, &t, as_of, None), evaluate(s, &t2, as_of, None));
            prop_assert!(b.remaining.service_days <= a.remaining.service_days);
            prop_assert!(b.remaining.designated_days <= a.remaining.designated_days);
            prop_assert!(b.counted.service_days >= a.counted.service_days);
        }
    }

    #[test]
    fn suspended_time_never_counts(spec in periods()) {
        let s = example();
        let t = build(&spec, EXAMPLE);
        let e = evaluate(s, &t, d("2060-03-31"), None);
        // Research is neither service nor suspension in the example: the same timeline with
        // every leave turned into research counts the same service.
        let kept: Vec<_> = spec
            .iter()
            .map(|p| if KINDS[p.1] == "childcare_leave" { (p.0, 4, p.2, p.3, p.4) } else { *p })
            .collect();
        let e2 = evaluate(s, &build(&kept, EXAMPLE), d("2060-03-31"), None);
        prop_assert_eq!(e.counted.service_days, e2.counted.service_days);
        prop_assert_eq!(e.counted.designated_days, e2.counted.designated_days);
    }

    #[test]
    fn the_order_of_the_periods_does_not_matter(spec in periods(), seed in any::<u64>(), days in 0u32..12_000) {
        for s in [mie(), example()] {
            let t = build(&spec, s.id.as_str());
            let mut shuffled = t.clone();
            // A deterministic shuffle.
            let n = shuffled.periods.len();
            for i in (1..n).rev() {
                let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
                shuffled.periods.swap(i, j);
            }
            let as_of = d("2015-04-01") + chrono::Days::new(u64::from(days));
            let (a, b) = (evaluate(s, &t, as_of, None), evaluate(s, &shuffled, as_of, None));
            prop_assert_eq!(a.status, b.status);
            prop_assert_eq!(&a.counted, &b.counted);
            prop_assert_eq!(&a.remaining, &b.remaining);
            prop_assert_eq!(&a.deadline, &b.deadline);
            prop_assert_eq!(said(&a.violations), said(&b.violations));
            prop_assert_eq!(said(&a.risks), said(&b.risks));
        }
    }

    #[test]
    fn an_earlier_date_never_sees_later_periods(spec in periods(), days in 0u32..8_000) {
        for s in [mie(), example()] {
            let t = build(&spec, s.id.as_str());
            let as_of = d("2015-04-01") + chrono::Days::new(u64::from(days));
            let mut earlier = t.clone();
            earlier.periods.retain(|p| p.period.start() <= as_of);
            let (a, b) = (evaluate(s, &t, as_of, None), evaluate(s, &earlier, as_of, None));
            prop_assert_eq!(said(&a.violations), said(&b.violations));
            prop_assert_eq!(&a.counted, &b.counted);
            prop_assert_eq!(a.compliant, b.compliant);
        }
    }
}

#[test]
fn a_doctor_who_must_serve_designated_years_now_is_eligible_only_for_designated_posts() {
    use chiiki_obligations::evaluate::{Eligibility, eligible, slack_days};
    let s = example();
    let university = training(
        "2017-04-01",
        "2026-03-31",
        "三重大学医学部附属病院",
        "university",
    );
    let t = timeline(EXAMPLE, None, &[RES, university]);
    let post = |group| {
        service_period(full(
            "2026-04-01",
            "2027-03-31",
            "designated_service",
            "どこか",
            group,
        ))
    };
    let horizon = d("2027-03-31");
    // Four designated years owed, three left after 2027-03-31 (deadline 2030-03-31).
    let e = eligible(s, &t, &post("university"), horizon).unwrap_err();
    assert_eq!(e.rule, "rules.designated");
    assert!(
        e.explanation_en.contains("2030-03-31"),
        "{}",
        e.explanation_en
    );
    assert!(eligible(s, &t, &post("designated"), horizon).is_ok());
    // Work that does not count as service (other service, in this scheme) serves no
    // designated year either: ruled out the same way.
    let other = service_period(full(
        "2026-04-01",
        "2027-03-31",
        "other_service",
        "どこか",
        "university",
    ));
    assert_eq!(
        eligible(s, &t, &other, horizon).unwrap_err().rule,
        "rules.designated"
    );
    // One doctor's posts checked against one evaluation of their timeline say the same.
    let year = Eligibility::new(s, &t, horizon);
    for group in ["university", "designated"] {
        assert_eq!(
            year.check(&post(group)),
            eligible(s, &t, &post(group), horizon)
        );
    }
    // With years to spare, any post will do.
    let early = timeline(EXAMPLE, None, &[RES]);
    let next = service_period(training("2017-04-01", "2018-03-31", "大学", "university"));
    assert!(eligible(s, &early, &next, d("2018-03-31")).is_ok());
    // Slack: the earlier doctor has more of it.
    let tight = slack_days(&evaluate(s, &t, d("2026-03-31"), None)).unwrap();
    let loose = slack_days(&evaluate(s, &early, d("2017-03-31"), None)).unwrap();
    assert!(tight < loose, "{tight} {loose}");
    // A post overlapping existing work is refused with the overlap.
    let clash = service_period(full(
        "2025-04-01",
        "2026-03-31",
        "designated_service",
        "x",
        "designated",
    ));
    assert!(eligible(s, &t, &clash, horizon).is_err());
}
