//! The planner's guarantees: every plan it returns passes the independent checker; one
//! doctor's plan is the best of all plans found by exhaustive search; doctors whose rules
//! cannot be met are reported, not planned.

mod common;

use chiiki_rotation::{Instance, Limits, Slot, Weights, check, doctor::best_plan, score, solve};
use common::*;
use proptest::prelude::*;

#[test]
fn a_cohort_rotates_through_each_group_and_covers_the_remote_sites_first() {
    let years = 5;
    let i = three_doctors(years);
    let solved = solve(&i, &Limits::default());
    assert!(solved.unplanned.is_empty());
    assert_eq!(check(&i, &solved.plan), vec![]);
    // 15 doctor-years: each doctor needs a year at the university, the large and the small
    // hospital, which leaves 6 remote years. The best: the remote site that weighs most
    // staffed every year (5 × 4) and the other once (3), the small hospital every year a
    // doctor passes (3 × 2), the large one likewise (3 × 1): 32.
    let n = solved.plan.counts(&i);
    assert_eq!(n[3], vec![1; years], "{n:?}");
    assert!(
        (solved.score.coverage - 32.0).abs() < 1e-9,
        "{:?} {n:?}",
        solved.score
    );
}

#[test]
fn a_doctor_whose_rules_cannot_be_met_is_reported() {
    let years = 3;
    let sites = mie_sites(years);
    // Three free years cannot hold four sites.
    let d = doctor("short", vec![Slot::Free; years], sites.len());
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
    assert_eq!(solved.unplanned[0].doctor, 0);
}

#[test]
fn fixed_years_and_leave_are_kept_and_count() {
    let years = 5;
    let sites = mie_sites(years);
    // Year 0 fixed at the university, year 2 on leave: four more sites in three years is
    // impossible, three (large, small, remote) fit.
    let slots = vec![
        Slot::Fixed(0),
        Slot::Free,
        Slot::Leave,
        Slot::Free,
        Slot::Free,
    ];
    let mut d = doctor("d", slots.clone(), sites.len());
    d.designated_owed = 1;
    d.service_owed = 3;
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
    assert!(solved.unplanned.is_empty());
    let row = &solved.plan.sites[0];
    assert_eq!(row[0], Some(0));
    assert_eq!(row[2], None);
    assert_eq!(check(&i, &solved.plan), vec![]);
}

fn one_doctor() -> impl Strategy<Value = Instance> {
    (
        prop::collection::vec(slot(), 4..=6),
        prop::collection::vec(0.0f64..3.0, 5),
        prop::collection::vec(0u32..3, 5),
        0u32..=2,
        0u32..=2,
        1u32..=2,
        2u32..=4,
    )
        .prop_map(|(slots, pref, need, owed, train, per_site, min_sites)| {
            let years = slots.len();
            let mut sites = mie_sites(years);
            for (s, n) in need.iter().enumerate() {
                sites[s].need = vec![*n; years];
            }
            let mut p = mie(5, train);
            p.min_years_per_site = per_site;
            p.min_sites = min_sites;
            let mut d = doctor("d", slots, 5);
            d.preference = pref;
            d.designated_owed = owed;
            d.service_owed = owed;
            d.max_designated = owed + 1;
            Instance::new(2027, years, sites, vec![p], vec![d], Weights::default()).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// One doctor alone: the dynamic programme finds the best plan exhaustive search finds,
    /// or says there is none when there is none.
    #[test]
    fn one_doctors_plan_is_the_best_there_is(i in one_doctor()) {
        let empty = vec![vec![0.0f64; i.years]; i.sites.len()];
        let exhaustive = brute_force(&i);
        // The dynamic programme alone: no search, no exact search, no bound.
        let limits = Limits { rounds: 0, exact_nodes: 0, bound_iterations: 0, ..Limits::default() };
        let solved = solve(&i, &limits);
        match exhaustive {
            None => prop_assert_eq!(solved.unplanned.len(), 1),
            Some(best) => {
                prop_assert!(solved.unplanned.is_empty(), "exhaustive found {}", best);
                prop_assert_eq!(check(&i, &solved.plan), vec![]);
                let got = score(&i, &solved.plan).total();
                prop_assert!((got - best).abs() < 1e-6, "planned {} best {}", got, best);
                // The dynamic programme's own value agrees with the score of its plan
                // (up to the fixed years, which it does not count).
                prop_assert!(best_plan(&i, 0, &empty, &[usize::MAX; 5]).is_some());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Small cohorts: the solver's plan is the best brute force finds, proven; the bound is
    /// never below it; and when no plan fits the posts, the solver says which posts overflow
    /// or which doctors cannot be planned.
    #[test]
    fn a_small_cohorts_plan_is_the_best_there_is(i in small_cohort()) {
        let best = brute_force(&i);
        let solved = solve(&i, &Limits::default());
        let heuristic = solve(&i, &Limits { exact_nodes: 0, rounds: 50, ..Limits::default() });
        match best {
            Some(best) => {
                prop_assert!(solved.proven, "not proven: {:?}", solved);
                prop_assert_eq!(check(&i, &solved.plan), vec![]);
                let got = solved.score.total();
                prop_assert!((got - best).abs() < 1e-6, "solved {} brute force {}", got, best);
                if let Some(bound) = heuristic.bound {
                    prop_assert!(bound >= best - 1e-6, "bound {} below the best {}", bound, best);
                }
                if check(&i, &heuristic.plan).is_empty() {
                    prop_assert!(heuristic.score.total() <= best + 1e-6);
                }
            }
            None => {
                prop_assert!(!solved.unplanned.is_empty() || !solved.overflow.is_empty()
                    || !check(&i, &solved.plan).is_empty());
            }
        }
    }
}

#[test]
fn fixed_years_above_the_posts_are_reported_with_the_doctors() {
    let years = 5;
    let mut i = three_doctors(years);
    // Two doctors fixed at the small hospital (one post) in FY2027.
    i.doctors[0].slots[0] = Slot::Fixed(2);
    i.doctors[1].slots[0] = Slot::Fixed(2);
    let i = Instance::new(2027, years, i.sites, i.programmes, i.doctors, i.weights).unwrap();
    let solved = solve(&i, &Limits::default());
    assert_eq!(solved.overflow.len(), 1, "{:?}", solved.overflow);
    let o = &solved.overflow[0];
    assert_eq!((o.site, o.year, o.over), (2, 0, 1));
    assert_eq!(o.doctors, vec![0, 1]);
    assert!(!solved.proven);
    let rules: Vec<&str> = check(&i, &solved.plan).iter().map(|v| v.rule).collect();
    assert_eq!(rules, vec!["capacity"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The relaxation's bound after any number of pricing rounds (each round's prices give a
    /// valid bound, whatever the restricted master made of them) is never below the best
    /// plan, and the plan from the pool (dive and annealing, no search, no exact search)
    /// keeps every rule whenever a plan does.
    #[test]
    fn the_relaxations_bound_holds_after_any_round(i in small_cohort(), rounds in 1usize..=6) {
        let best = brute_force(&i);
        let limits = Limits { rounds: 0, exact_nodes: 0, bound_iterations: rounds, moves: 20_000, ..Limits::default() };
        let solved = solve(&i, &limits);
        if let Some(best) = best {
            let bound = solved.bound.expect("a bound for a cohort that can be planned");
            prop_assert!(bound >= best - 1e-6, "bound {} below the best {}", bound, best);
            prop_assert!(solved.score.total() <= best + 1e-6 || !check(&i, &solved.plan).is_empty());
        }
    }
}

#[test]
fn a_prefecture_shaped_cohort_is_planned_within_its_bound() {
    let i = chiiki_rotation::generate::prefecture(60, 10, 40, 3);
    let solved = solve(&i, &Limits::default());
    assert!(solved.unplanned.is_empty(), "{:?}", solved.unplanned);
    assert_eq!(check(&i, &solved.plan), vec![]);
    let bound = solved.bound.expect("a bound");
    assert!(bound >= solved.score.total() - 1e-6);
    assert!(solved.gap.is_some_and(|g| g < 0.05), "gap {:?}", solved.gap);
}
