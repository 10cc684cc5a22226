//! Planning the cohort together: each doctor in turn takes their best plan given everyone
//! else ([`crate::doctor::best_plan`]); then rounds of large-neighbourhood search free a group
//! of doctors and plan them again, keeping a change only when the objective does not fall.
//! Deterministic for a seed.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::doctor::best_plan;
use crate::instance::Instance;
use crate::plan::{Plan, Score, check_doctor, score};

/// How long to search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    /// Rounds of large-neighbourhood search after the first plan.
    pub rounds: usize,
    /// Doctors freed in a round.
    pub freed: usize,
    pub seed: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rounds: 200,
            freed: 8,
            seed: 2027,
        }
    }
}

/// A doctor no plan can serve, with the rest of the cohort as it is or even alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplanned {
    pub doctor: usize,
    /// True when no plan keeps the doctor's rules even with every post free: the rules
    /// cannot be met with the sites listed. False: the posts are taken by others.
    pub alone: bool,
}

/// The plan found, its objective, and the doctors it could not plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solved {
    pub plan: Plan,
    pub score: Score,
    pub unplanned: Vec<Unplanned>,
    /// Rounds of search that improved the plan.
    pub improvements: usize,
}

fn remove(counts: &mut [Vec<u32>], row: &[Option<usize>]) {
    for (t, s) in row.iter().enumerate() {
        if let Some(s) = s {
            counts[*s][t] -= 1;
        }
    }
}

fn add(counts: &mut [Vec<u32>], row: &[Option<usize>]) {
    for (t, s) in row.iter().enumerate() {
        if let Some(s) = s {
            counts[*s][t] += 1;
        }
    }
}

/// The first year of a return to a site left earlier (not one the doctor had already been
/// at before the plan), if any.
fn first_return(instance: &Instance, d: usize, row: &[Option<usize>]) -> Option<(usize, usize)> {
    let doc = &instance.doctors[d];
    let mut seen: Vec<usize> = Vec::new();
    let mut last: Option<usize> = None;
    for (t, s) in row.iter().enumerate() {
        let Some(s) = *s else { continue };
        if last != Some(s) {
            if seen.contains(&s)
                && !doc.visited.contains(&s)
                && !doc.slots.contains(&crate::instance::Slot::Fixed(s))
            {
                return Some((s, t));
            }
            seen.push(s);
        }
        last = Some(s);
    }
    None
}

/// The doctor's best plan given the others; a return to a site that breaks the rules is
/// banned and the doctor planned again.
fn plan_doctor(instance: &Instance, d: usize, others: &[Vec<u32>]) -> Option<Vec<Option<usize>>> {
    let mut banned = vec![usize::MAX; instance.sites.len()];
    for _ in 0..instance.years.max(1) {
        let (row, _) = best_plan(instance, d, others, &banned)?;
        // A return to a site is counted as a new site by the dynamic programme: fine when
        // the rules still hold, else the return is banned and the doctor planned again.
        match first_return(instance, d, &row) {
            Some((s, t)) if !check_doctor(instance, d, &row).is_empty() => {
                banned[s] = banned[s].min(t);
            }
            _ => return Some(row),
        }
    }
    None
}

/// Plans the cohort.
pub fn solve(instance: &Instance, limits: &Limits) -> Solved {
    let nd = instance.doctors.len();
    let mut rng = ChaCha8Rng::seed_from_u64(limits.seed);
    let empty: Vec<Option<usize>> = vec![None; instance.years];
    let mut plan = Plan {
        sites: vec![empty.clone(); nd],
    };
    let mut n = plan.counts(instance);
    // Most constrained first: the most designated years owed, then the fewest free years.
    let mut order: Vec<usize> = (0..nd).collect();
    let free = |d: usize| {
        instance.doctors[d]
            .slots
            .iter()
            .filter(|s| **s == crate::instance::Slot::Free)
            .count()
    };
    order.sort_by_key(|&d| {
        (
            std::cmp::Reverse(instance.doctors[d].designated_owed),
            free(d),
            d,
        )
    });
    let mut unplanned = Vec::new();
    for &d in &order {
        match plan_doctor(instance, d, &n) {
            Some(row) => {
                add(&mut n, &row);
                plan.sites[d] = row;
            }
            None => {
                let nothing = vec![vec![0u32; instance.years]; instance.sites.len()];
                unplanned.push(Unplanned {
                    doctor: d,
                    alone: plan_doctor(instance, d, &nothing).is_none(),
                });
            }
        }
    }
    let planned: Vec<usize> = (0..nd)
        .filter(|d| !unplanned.iter().any(|u| u.doctor == *d))
        .collect();
    let mut current = score(instance, &plan).total();
    let mut improvements = 0;
    if !planned.is_empty() {
        for _ in 0..limits.rounds {
            // Free a neighbourhood: a random doctor and others sharing a site-year with them,
            // topped up at random.
            let pivot = planned[rng.random_range(0..planned.len())];
            let mut freed = vec![pivot];
            for &d in &planned {
                if freed.len() >= limits.freed {
                    break;
                }
                let shares = plan.sites[d]
                    .iter()
                    .zip(&plan.sites[pivot])
                    .any(|(a, b)| a.is_some() && a == b);
                if d != pivot && shares && rng.random_bool(0.5) {
                    freed.push(d);
                }
            }
            while freed.len() < limits.freed.min(planned.len()) {
                let d = planned[rng.random_range(0..planned.len())];
                if !freed.contains(&d) {
                    freed.push(d);
                }
            }
            let saved: Vec<(usize, Vec<Option<usize>>)> =
                freed.iter().map(|&d| (d, plan.sites[d].clone())).collect();
            for &d in &freed {
                remove(&mut n, &plan.sites[d]);
                plan.sites[d] = empty.clone();
            }
            freed.shuffle(&mut rng);
            let mut ok = true;
            for &d in &freed {
                match plan_doctor(instance, d, &n) {
                    Some(row) => {
                        add(&mut n, &row);
                        plan.sites[d] = row;
                    }
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            let next = score(instance, &plan).total();
            if ok && next >= current {
                if next > current + 1e-9 {
                    improvements += 1;
                }
                current = next;
            } else {
                for &d in &freed {
                    remove(&mut n, &plan.sites[d]);
                    plan.sites[d] = empty.clone();
                }
                for (d, row) in saved {
                    add(&mut n, &row);
                    plan.sites[d] = row;
                }
            }
        }
    }
    Solved {
        score: score(instance, &plan),
        plan,
        unplanned,
        improvements,
    }
}
