//! The planner's guarantees: every plan it returns passes the independent checker; one
//! doctor's plan is the best of all plans found by exhaustive search; doctors whose rules
//! cannot be met are reported, not planned.

use chiiki_rotation::{
    Doctor, Group, Instance, Limits, Plan, Programme, Site, Slot, Weights, check,
    doctor::best_plan, score, solve,
};
use proptest::prelude::*;

fn site(id: &str, group: Group, years: usize, cap: u32, need: u32, weight: f64) -> Site {
    Site {
        id: id.into(),
        group,
        designated: group == Group::Designated,
        capacity: vec![cap; years],
        need: vec![need; years],
        weight,
    }
}

/// Mie's rule: four sites, one of each group, a year or more each.
fn mie(sites: usize, training_years: u32) -> Programme {
    Programme::one_of_each_group(
        "mie",
        4,
        (0..sites).map(|s| s < 3).collect(),
        training_years,
    )
}

fn doctor(id: &str, slots: Vec<Slot>, sites: usize) -> Doctor {
    Doctor {
        id: id.into(),
        programme: 0,
        slots,
        visited: vec![],
        trained_years: 0,
        service_owed: 0,
        designated_owed: 0,
        deadline: None,
        training_by: None,
        max_designated: 10,
        preference: vec![0.0; sites],
    }
}

fn mie_sites(years: usize) -> Vec<Site> {
    vec![
        site("university", Group::University, years, 5, 0, 0.0),
        site("large", Group::LargeMedium, years, 2, 1, 1.0),
        site("small", Group::Small, years, 1, 1, 2.0),
        site("remote-a", Group::Designated, years, 1, 1, 4.0),
        site("remote-b", Group::Designated, years, 1, 1, 3.0),
    ]
}

#[test]
fn a_cohort_rotates_through_each_group_and_covers_the_remote_sites_first() {
    let years = 5;
    let sites = mie_sites(years);
    let doctors = (0..3)
        .map(|k| {
            let mut d = doctor(&format!("d{k}"), vec![Slot::Free; years], sites.len());
            d.designated_owed = 1;
            d.service_owed = 4;
            d
        })
        .collect();
    let i = Instance::new(
        2027,
        years,
        sites,
        vec![mie(5, 2)],
        doctors,
        Weights::default(),
    )
    .unwrap();
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
    assert!(solved.unplanned[0].alone);
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

/// Every plan of one doctor (each free year at any site), best first by score, keeping those
/// the checker accepts.
fn exhaustive_best(i: &Instance) -> Option<f64> {
    let d = &i.doctors[0];
    let free: Vec<usize> = (0..i.years).filter(|&t| d.slots[t] == Slot::Free).collect();
    let ns = i.sites.len();
    let mut best: Option<f64> = None;
    let total = ns.pow(free.len() as u32);
    for code in 0..total {
        let mut row: Vec<Option<usize>> = d
            .slots
            .iter()
            .map(|s| match s {
                Slot::Fixed(f) => Some(*f),
                _ => None,
            })
            .collect();
        let mut c = code;
        for &t in &free {
            row[t] = Some(c % ns);
            c /= ns;
        }
        let plan = Plan { sites: vec![row] };
        if check(i, &plan).is_empty() {
            let v = score(i, &plan).total();
            if best.is_none_or(|b| v > b) {
                best = Some(v);
            }
        }
    }
    best
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        6 => Just(Slot::Free),
        1 => Just(Slot::Leave),
        1 => Just(Slot::Away),
        1 => (0usize..5).prop_map(Slot::Fixed),
    ]
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
        let empty = vec![vec![0u32; i.years]; i.sites.len()];
        let exhaustive = exhaustive_best(&i);
        let solved = solve(&i, &Limits { rounds: 0, ..Limits::default() });
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
