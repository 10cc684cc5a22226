//! Replanning: a change gives a plan that keeps the rules and changes as few years as any
//! plan can, and nothing of a doctor the change does not reach.

mod common;

use chiiki_rotation::replan::{diff, replan};
use chiiki_rotation::{Instance, Limits, Plan, Slot, check, solve};
use common::*;
use proptest::prelude::*;

#[test]
fn a_doctors_leave_changes_only_that_doctor() {
    let before = three_doctors(6);
    let planned = solve(&before, &Limits::default());
    assert_eq!(check(&before, &planned.plan), vec![]);
    // Doctor 1 takes childcare leave in the second year (FY2028).
    let mut after = before.clone();
    after.doctors[1].slots[1] = Slot::Leave;
    let after = Instance::new(
        2027,
        6,
        after.sites,
        after.programmes,
        after.doctors,
        after.weights,
    )
    .unwrap();
    let r = replan(&after, &planned.plan, &Limits::default());
    assert_eq!(check(&after, &r.solved.plan), vec![]);
    assert_eq!(r.affected, vec![1]);
    assert!(!r.changes.is_empty());
    assert!(r.changes.iter().all(|c| c.doctor == 1), "{:?}", r.changes);
    assert_eq!(r.solved.plan.sites[1][1], None);
    assert_eq!(r.changes, diff(&planned.plan, &r.solved.plan));
}

#[test]
fn a_lost_post_moves_one_doctor_for_as_few_years_as_possible() {
    let before = three_doctors(6);
    let planned = solve(&before, &Limits::default());
    // The most weighted remote site loses its post in FY2029 (year 2).
    let taken = (0..3)
        .find(|&d| planned.plan.sites[d][2] == Some(3))
        .expect("the remote site is staffed every year");
    let mut after = before.clone();
    after.sites[3].capacity[2] = 0;
    let r = replan(&after, &planned.plan, &Limits::default());
    assert_eq!(check(&after, &r.solved.plan), vec![]);
    assert_eq!(r.affected, vec![taken]);
    assert_ne!(r.solved.plan.sites[taken][2], Some(3));
    // Nobody else moves.
    assert!(
        r.changes.iter().all(|c| c.doctor == taken),
        "{:?}",
        r.changes
    );
}

#[test]
fn an_unchanged_instance_changes_nothing() {
    let i = three_doctors(6);
    let planned = solve(&i, &Limits::default());
    let r = replan(&i, &planned.plan, &Limits::default());
    assert_eq!(r.changes, vec![]);
    assert_eq!(r.affected, Vec::<usize>::new());
}

/// A change to a small cohort: a year of leave for a doctor, or a post lost.
fn changed() -> impl Strategy<Value = (Instance, Instance)> {
    (
        small_cohort(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(i, who, when, leave)| {
            let mut j = i.clone();
            let t = when.index(i.years);
            if leave {
                let d = who.index(i.doctors.len());
                j.doctors[d].slots[t] = Slot::Leave;
            } else {
                let s = who.index(i.sites.len());
                j.sites[s].capacity[t] = j.sites[s].capacity[t].saturating_sub(1);
            }
            let j = Instance::new(
                j.first_year,
                j.years,
                j.sites,
                j.programmes,
                j.doctors,
                j.weights,
            )
            .unwrap();
            (i, j)
        })
}

fn changed_years(a: &Plan, b: &Plan) -> usize {
    diff(a, b).len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The replanned plan keeps the rules whenever some plan does, and changes no more years
    /// than the plan that changes fewest (brute force).
    #[test]
    fn replanning_changes_as_little_as_any_plan_can((before, after) in changed()) {
        let planned = solve(&before, &Limits::default());
        prop_assume!(check(&before, &planned.plan).is_empty());
        let fewest = best_by(&after, |p| -(changed_years(&planned.plan, p) as f64));
        let r = replan(&after, &planned.plan, &Limits::default());
        if let Some((fewest, _)) = fewest {
            prop_assert_eq!(check(&after, &r.solved.plan), vec![]);
            prop_assert_eq!(r.changes.len() as f64, -fewest, "changes {:?}", r.changes);
        }
    }
}
