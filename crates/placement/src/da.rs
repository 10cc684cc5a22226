//! Doctor-proposing deferred acceptance (Gale and Shapley 1962) on the plain model: a doctor
//! and a facility can be matched when each lists the other, and a facility takes at most its
//! capacity. Regions (caps, floors) and couples are ignored; the mechanisms that honour them
//! live in their own modules.
//!
//! The result is the doctor-optimal stable matching: no doctor and facility would both rather
//! be matched to each other, and every doctor weakly prefers it to every other stable
//! matching. Reporting true preferences is a dominant strategy for doctors. It does not depend
//! on the order in which proposals are made, so it is deterministic.
//!
//! Each facility keeps the doctors it holds in a max-heap by its rank of them, so the doctor it
//! would drop is at the top: every proposal costs O(log capacity) and every doctor proposes at
//! most once to each facility on their list, O(L log c) in all for L the total length of the
//! doctors' lists.

use std::collections::BinaryHeap;

use crate::instance::{Instance, Matching};

/// The doctor-optimal stable matching of the plain model (regions and couples ignored).
///
/// Never panics, also on an instance whose public fields were changed after validation: an
/// index out of range is skipped as an unacceptable facility.
pub fn deferred_acceptance(instance: &Instance) -> Matching {
    let doctors = &instance.doctors;
    let facilities = &instance.facilities;
    // The next position in each doctor's list to propose to.
    let mut next = vec![0usize; doctors.len()];
    // Held doctors by facility: (the facility's rank of the doctor, doctor), worst on top.
    let mut held: Vec<BinaryHeap<(u32, usize)>> = vec![BinaryHeap::new(); facilities.len()];
    // Doctors not held anywhere who still have facilities to propose to; popped from the end,
    // so doctor 0 proposes first.
    let mut free: Vec<usize> = (0..doctors.len()).rev().collect();
    while let Some(d) = free.pop() {
        let prefs = &doctors[d].preferences;
        while let Some(&f) = prefs.get(next[d]) {
            next[d] += 1;
            let (Some(facility), Some(rank)) = (facilities.get(f), instance.facility_rank(f, d))
            else {
                continue;
            };
            let capacity = facility.capacity as usize;
            let heap = &mut held[f];
            if heap.len() < capacity {
                heap.push((rank, d));
                break;
            }
            match heap.peek() {
                Some(&(worst, dropped)) if worst > rank => {
                    heap.pop();
                    heap.push((rank, d));
                    free.push(dropped);
                    break;
                }
                _ => {}
            }
        }
    }
    let mut matching = Matching::empty(doctors.len());
    for (f, heap) in held.into_iter().enumerate() {
        for (_, d) in heap {
            matching.assignment[d] = Some(f);
        }
    }
    matching
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::generate::strategy::{instance, rebuild_with_list};
    use crate::instance::{Doctor, Facility};
    use proptest::prelude::*;

    fn doc(id: &str, prefs: &[usize]) -> Doctor {
        Doctor::new(id, prefs)
    }

    fn fac(id: &str, cap: u32, prio: &[usize]) -> Facility {
        Facility::new(id, cap, None, prio)
    }

    #[test]
    fn textbook_example() {
        // Three doctors, two facilities of one post each and one of two: d0 and d1 both want
        // f0, which prefers d1; d0 then goes to f1, where it displaces d2, who goes to f2.
        let i = Instance::new(
            vec![doc("d0", &[0, 1]), doc("d1", &[0]), doc("d2", &[1, 2])],
            vec![
                fac("f0", 1, &[1, 0]),
                fac("f1", 1, &[0, 2]),
                fac("f2", 2, &[2]),
            ],
            vec![],
            vec![],
        )
        .unwrap();
        let m = deferred_acceptance(&i);
        assert_eq!(m.assignment, [Some(1), Some(0), Some(2)]);
    }

    #[test]
    fn unacceptable_and_zero_capacity() {
        let i = Instance::new(
            vec![doc("d0", &[0, 1]), doc("d1", &[1])],
            vec![fac("f0", 0, &[0]), fac("f1", 1, &[1])],
            vec![],
            vec![],
        )
        .unwrap();
        assert_eq!(deferred_acceptance(&i).assignment, [None, Some(1)]);
    }

    #[test]
    fn tolerates_indices_changed_after_validation() {
        let mut i = Instance::new(
            vec![doc("d0", &[0])],
            vec![fac("f0", 1, &[0])],
            vec![],
            vec![],
        )
        .unwrap();
        i.doctors[0].preferences = vec![7, 0];
        assert_eq!(deferred_acceptance(&i).assignment, [Some(0)]);
    }

    /// Every matching of the instance (each doctor unplaced or at one facility), in order.
    fn all_matchings(i: &Instance) -> Vec<Matching> {
        let n = i.doctors.len();
        let m = i.facilities.len();
        let mut out = Vec::new();
        let total = (m + 1).pow(n as u32);
        for mut code in 0..total {
            let mut assignment = Vec::with_capacity(n);
            for _ in 0..n {
                let x = code % (m + 1);
                code /= m + 1;
                assignment.push(if x == m { None } else { Some(x) });
            }
            out.push(Matching { assignment });
        }
        out
    }

    /// How doctor `d` ranks an outcome under their list: lower is better, unplaced and
    /// unacceptable last.
    fn value(i: &Instance, d: usize, f: Option<usize>) -> u32 {
        f.and_then(|f| i.doctor_rank(d, f)).unwrap_or(u32::MAX)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn stable_rational_within_capacity(i in instance(12, 6, 3, false)) {
            let m = deferred_acceptance(&i);
            let r = check(&i, &m);
            prop_assert!(r.well_formed);
            prop_assert!(r.individually_rational);
            prop_assert!(r.capacities_respected);
            prop_assert!(r.blocking_pairs.is_empty(), "{:?}", r.blocking_pairs);
            prop_assert!(r.cap_justified_blocking_pairs.is_empty());
            prop_assert!(r.non_wasteful);
            prop_assert!(r.guarantees.contains(&crate::check::Guarantee::Stable));
        }

        #[test]
        fn deterministic_and_independent_of_doctor_order(i in instance(10, 5, 3, false)) {
            let m = deferred_acceptance(&i);
            prop_assert_eq!(&m, &deferred_acceptance(&i));
            // Reversing the doctors' numbering relabels the same matching.
            let n = i.doctors.len();
            let rev = |d: usize| n - 1 - d;
            let doctors: Vec<_> = i.doctors.iter().rev().cloned().collect();
            let facilities = i
                .facilities
                .iter()
                .map(|f| Facility { priority: f.priority.iter().map(|&d| rev(d)).collect(), ..f.clone() })
                .collect();
            let j = Instance::new(doctors, facilities, vec![], vec![]).unwrap();
            let mj = deferred_acceptance(&j);
            for d in 0..n {
                prop_assert_eq!(m.assignment[d], mj.assignment[rev(d)]);
            }
        }

        #[test]
        fn doctor_optimal_against_brute_force(i in instance(5, 3, 2, false)) {
            let da = deferred_acceptance(&i);
            let mut stable = 0;
            for m in all_matchings(&i) {
                let r = check(&i, &m);
                if !(r.individually_rational && r.capacities_respected && r.blocking_pairs.is_empty()) {
                    continue;
                }
                stable += 1;
                for d in 0..i.doctors.len() {
                    prop_assert!(
                        value(&i, d, da.assignment[d]) <= value(&i, d, m.assignment[d]),
                        "doctor {} prefers {:?} to DA's {:?}", d, m.assignment, da.assignment
                    );
                }
            }
            // DA's matching is one of them.
            prop_assert!(stable >= 1);
        }

        #[test]
        fn strategy_proof_for_doctors(i in instance(5, 3, 2, false)) {
            let truthful = deferred_acceptance(&i);
            let m = i.facilities.len();
            // Every list a doctor could report: every ordered selection of the facilities,
            // which includes every permutation and truncation of the true list.
            let mut lists: Vec<Vec<usize>> = vec![vec![]];
            let mut frontier = lists.clone();
            for _ in 0..m {
                let mut grown = Vec::new();
                for l in &frontier {
                    for f in 0..m {
                        if !l.contains(&f) {
                            let mut x = l.clone();
                            x.push(f);
                            grown.push(x);
                        }
                    }
                }
                lists.extend(grown.iter().cloned());
                frontier = grown;
            }
            for d in 0..i.doctors.len() {
                let honest = value(&i, d, truthful.assignment[d]);
                for list in &lists {
                    let lie = rebuild_with_list(&i, d, list);
                    let got = deferred_acceptance(&lie).assignment[d];
                    prop_assert!(
                        value(&i, d, got) >= honest,
                        "doctor {} gains by reporting {:?}: {:?} instead of {:?}",
                        d, list, got, truthful.assignment[d]
                    );
                }
            }
        }
    }
}
