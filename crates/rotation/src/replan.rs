//! Replanning after a change (a doctor's leave, a post lost, a decision fixed): the new plan
//! keeps every year of the old one that it can. Doctors whose old rows break the new rules,
//! and those at posts that now overflow, are planned again first; the search may then move
//! others, but keeping a year is worth more than any year's coverage or wishes, so a year
//! changes only when the rules or the posts require it. Small cohorts are replanned exactly:
//! the fewest years changed, then the best objective.

use serde::Serialize;

use crate::instance::Instance;
use crate::plan::{Plan, check_doctor};
use crate::solve::{Keep, Limits, Search, Solved, finish, infeasible_alone, overflow_cost};

/// One year of one doctor that differs between two plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub doctor: usize,
    pub year: usize,
    pub before: Option<usize>,
    pub after: Option<usize>,
}

/// The new plan and what changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replanned {
    pub solved: Solved,
    /// Doctors whose old rows broke the new rules or sat at an overflowing post.
    pub affected: Vec<usize>,
    pub changes: Vec<Change>,
}

/// The years that differ between two plans of the same cohort (rows missing on either side
/// count as empty).
pub fn diff(before: &Plan, after: &Plan) -> Vec<Change> {
    let doctors = before.sites.len().max(after.sites.len());
    let mut out = Vec::new();
    for d in 0..doctors {
        let a = before.sites.get(d);
        let b = after.sites.get(d);
        let years = a.map_or(0, Vec::len).max(b.map_or(0, Vec::len));
        for t in 0..years {
            let x = a.and_then(|r| r.get(t)).copied().flatten();
            let y = b.and_then(|r| r.get(t)).copied().flatten();
            if x != y {
                out.push(Change {
                    doctor: d,
                    year: t,
                    before: x,
                    after: y,
                });
            }
        }
    }
    out
}

/// Replans `previous` (a plan of the same doctors and years) for the changed `instance`.
pub fn replan(instance: &Instance, previous: &Plan, limits: &Limits) -> Replanned {
    let nd = instance.doctors.len();
    let years = instance.years;
    let rows: Vec<Vec<Option<usize>>> = (0..nd)
        .map(|d| {
            let mut row = previous.sites.get(d).cloned().unwrap_or_default();
            row.resize(years, None);
            row.iter()
                .map(|s| s.filter(|s| *s < instance.sites.len()))
                .collect()
        })
        .collect();
    let unplanned = infeasible_alone(instance);
    let planned: Vec<usize> = (0..nd)
        .filter(|d| !unplanned.iter().any(|u| u.doctor == *d))
        .collect();
    let mut start = Plan {
        sites: rows.clone(),
    };
    let broken: Vec<usize> = planned
        .iter()
        .copied()
        .filter(|&d| !check_doctor(instance, d, &rows[d]).is_empty())
        .collect();
    for u in &unplanned {
        start.sites[u.doctor] = instance.fixed_row(u.doctor);
    }
    // Keeping a year is worth more than any year can gain; overflow costs more than every
    // kept year together.
    let gain = overflow_cost(instance) / (2.0 * years.max(1) as f64);
    let per_year = 1.0 + 2.0 * gain;
    let mut search = Search::new(instance, start);
    search.deadline = limits.deadline(std::time::Instant::now());
    search.cost = 1.0 + 2.0 * per_year * (years * nd.max(1)) as f64;
    search.keep = Some(Keep { rows, per_year });
    let crowded: Vec<usize> = crate::solve::overflow(instance, &search.plan)
        .into_iter()
        .flat_map(|o| o.doctors)
        .filter(|d| planned.binary_search(d).is_ok())
        .collect();
    let mut affected: Vec<usize> = broken.iter().chain(&crowded).copied().collect();
    affected.sort_unstable();
    affected.dedup();
    // The broken rows first (they must change), then those at crowded posts.
    for &d in &broken {
        search.clear(d);
    }
    for &d in broken.iter().chain(&crowded) {
        search.clear(d);
        search.place(d);
    }
    let improvements = if affected.is_empty() {
        0
    } else {
        search.improve(&planned, limits)
    };
    let keep = search.keep.take();
    let solved = finish(
        instance,
        search.plan,
        &planned,
        unplanned,
        improvements,
        limits,
        Some(keep.as_ref()),
        None,
    );
    let changes = diff(previous, &solved.plan);
    Replanned {
        solved,
        affected,
        changes,
    }
}
