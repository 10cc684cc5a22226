//! Explanations name what they claim: a rule that needs a year, the shortage a year covers,
//! and the rule no plan can keep.

mod common;

use chiiki_rotation::explain::{cannot, why};
use chiiki_rotation::{Instance, Limits, Slot, Weights, check, solve};
use common::*;

/// One doctor with three years fixed at the university, the large and the small hospital and
/// one year to plan: only a designated site completes the groups.
fn last_year_open() -> Instance {
    let years = 4;
    let sites = mie_sites(years);
    let mut d = doctor(
        "d",
        vec![Slot::Fixed(0), Slot::Fixed(1), Slot::Fixed(2), Slot::Free],
        sites.len(),
    );
    d.designated_owed = 1;
    d.service_owed = 4;
    Instance::new(
        2027,
        years,
        sites,
        vec![mie(5, 0)],
        vec![d],
        Weights::default(),
    )
    .unwrap()
}

#[test]
fn a_fixed_year_is_a_decision_already_taken() {
    let i = last_year_open();
    let solved = solve(&i, &Limits::default());
    let w = why(&i, &solved.plan, 0, 0);
    assert_eq!(w.reasons[0].code, "fixed");
    assert!(w.reasons[0].ja.contains("決定済み"));
}

#[test]
fn the_year_goes_to_the_shortage_that_weighs_most_and_says_what_else_would_lose() {
    let i = last_year_open();
    let solved = solve(&i, &Limits::default());
    assert_eq!(check(&i, &solved.plan), vec![]);
    // remote-a (weight 4) over remote-b (weight 3).
    assert_eq!(solved.plan.sites[0][3], Some(3));
    let w = why(&i, &solved.plan, 0, 3);
    let codes: Vec<&str> = w.reasons.iter().map(|r| r.code).collect();
    assert!(codes.contains(&"coverage"), "{codes:?}");
    assert_eq!(w.alternative.as_ref().map(|r| r[3]), Some(Some(4)));
    assert!((w.loss.unwrap() - 1.0).abs() < 1e-9, "{:?}", w.loss);
}

#[test]
fn a_year_only_a_rule_allows_names_the_rule() {
    let mut i = last_year_open();
    // Only one designated site: the last year has no alternative.
    i.sites[4].capacity = vec![0; 4];
    let solved = solve(&i, &Limits::default());
    assert_eq!(solved.plan.sites[0][3], Some(3));
    let w = why(&i, &solved.plan, 0, 3);
    assert_eq!(w.alternative, None);
    let rules: Vec<&str> = w.reasons.iter().filter_map(|r| r.rule).collect();
    assert!(rules.contains(&"programme.groups"), "{:?}", w.reasons);
}

#[test]
fn a_doctor_no_plan_can_serve_is_told_which_rule_and_year() {
    let years = 5;
    let sites = mie_sites(years);
    // Two designated years owed by FY2028 (year 1), but the first year is fixed at the
    // university.
    let mut d = doctor(
        "late",
        vec![
            Slot::Fixed(0),
            Slot::Free,
            Slot::Free,
            Slot::Free,
            Slot::Free,
        ],
        sites.len(),
    );
    d.designated_owed = 2;
    d.service_owed = 2;
    d.deadline = Some(1);
    d.max_designated = 3;
    let i = Instance::new(
        2027,
        years,
        sites,
        vec![mie(5, 0)],
        vec![d],
        Weights::default(),
    )
    .unwrap();
    let solved = solve(&i, &Limits::default());
    assert_eq!(solved.unplanned.len(), 1);
    let broken = cannot(&i, 0);
    let designated = broken
        .iter()
        .find(|v| v.rule == "obligation.designated")
        .unwrap_or_else(|| panic!("{broken:?}"));
    assert_eq!(designated.year, Some(1));
    assert!(designated.ja.contains("2028年度"), "{}", designated.ja);
    // A doctor who can be planned has nothing to explain.
    assert_eq!(cannot(&last_year_open(), 0), vec![]);
}
