//! The solver: an exhaustive search on tiny instances, otherwise a construction by
//! per-employee dynamic programming followed by a large-neighbourhood search (see
//! [`search`]) on several threads sharing their best roster. The result is always judged
//! again by [`check`]: the reported feasibility and objective are the checker's.

mod ctx;
mod dp;
mod exact;
mod oracle;
mod search;
#[cfg(test)]
mod tests;

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::check::{Evaluation, check};
use super::model::{Instance, Roster};
use ctx::{Ctx, OFF};

/// How long and how the solver may search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock budget (honoured within a fraction of a second).
    pub time_limit: Duration,
    /// Seed of the random choices (each thread derives its own).
    pub seed: u64,
    /// Search threads (at least 1).
    pub threads: usize,
}

impl Default for Limits {
    /// 60 s, seed 0, 2 threads.
    fn default() -> Self {
        Limits {
            time_limit: Duration::from_secs(60),
            seed: 0,
            threads: 2,
        }
    }
}

/// When to stop before the time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stopping {
    /// Stop once the best objective has not improved for
    /// `max(patience, time taken to reach that best)`; `None`: use the whole time limit.
    pub patience: Option<Duration>,
}

impl Stopping {
    /// What [`solve`] uses: patience 1 s.
    pub const CONVERGE: Stopping = Stopping {
        patience: Some(Duration::from_secs(1)),
    };
    /// No early stop (benchmarks).
    pub const FULL_TIME: Stopping = Stopping { patience: None };
}

/// The solver's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    pub roster: Roster,
    /// The checker's objective of `roster`.
    pub objective: i64,
    /// The checker's verdict: no hard rule broken.
    pub feasible: bool,
    /// Proven optimal (tiny instances searched exhaustively).
    pub optimal: bool,
    /// Proven infeasible (tiny instances searched exhaustively).
    pub proven_infeasible: bool,
    /// The checker's full evaluation of `roster`.
    pub evaluation: Evaluation,
    pub seconds: f64,
}

/// Exhaustive search applies up to this many rows per employee and combinations.
const EXACT_ROWS: u64 = 20_000;
const EXACT_COMBOS: u64 = 300_000;

/// Solves `instance` within `limits`, stopping early once the search has converged
/// ([`Stopping::CONVERGE`]). Never panics; an invalid instance gives an empty roster
/// judged infeasible.
pub fn solve(instance: &Instance, limits: &Limits) -> Solution {
    solve_with(instance, limits, Stopping::CONVERGE)
}

/// [`solve`] with an explicit stopping rule.
pub fn solve_with(instance: &Instance, limits: &Limits, stopping: Stopping) -> Solution {
    let start = Instant::now();
    let finish = |roster: Roster, optimal: bool, proven_infeasible: bool| {
        let evaluation = check(instance, &roster);
        Solution {
            objective: evaluation.objective,
            feasible: evaluation.feasible,
            optimal: optimal && evaluation.feasible,
            proven_infeasible,
            roster,
            evaluation,
            seconds: start.elapsed().as_secs_f64(),
        }
    };
    if instance.validate().is_err() {
        return finish(Roster::empty(instance), false, false);
    }
    let ctx = Ctx::new(instance);
    match exact::exact(&ctx, EXACT_ROWS, EXACT_COMBOS) {
        Some(exact::Exact::Optimal(rows)) => return finish(to_roster(&ctx, &rows), true, false),
        Some(exact::Exact::Infeasible) => {
            // Still return the heuristic's best effort below, flagged.
            let sol = run_search(&ctx, limits, stopping, start);
            return finish(to_roster(&ctx, &sol), false, true);
        }
        None => {}
    }
    let rows = run_search(&ctx, limits, stopping, start);
    finish(to_roster(&ctx, &rows), false, false)
}

fn run_search(ctx: &Ctx, limits: &Limits, stopping: Stopping, start: Instant) -> Vec<u16> {
    let threads = limits.threads.max(1);
    let team = search::Team {
        best: Mutex::new(search::Shared {
            bad: usize::MAX,
            obj: i64::MAX,
            rows: vec![OFF; ctx.ne * ctx.nd],
            improved: Duration::ZERO,
        }),
        stop: AtomicBool::new(false),
        start,
        deadline: start + limits.time_limit,
        patience: stopping.patience,
        ctx,
    };
    let results: Vec<(usize, i64, Vec<u16>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let team = &team;
                let seed = limits.seed ^ (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                scope.spawn(move || search::Search::new(team.ctx, seed).run(team))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    results
        .into_iter()
        .min_by_key(|r| (r.0, r.1))
        .map(|r| r.2)
        .unwrap_or_else(|| vec![OFF; ctx.ne * ctx.nd])
}

fn to_roster(ctx: &Ctx, rows: &[u16]) -> Roster {
    Roster {
        cells: (0..ctx.ne)
            .map(|e| {
                rows[e * ctx.nd..(e + 1) * ctx.nd]
                    .iter()
                    .map(|&s| (s != OFF).then_some(s as usize))
                    .collect()
            })
            .collect(),
    }
}
