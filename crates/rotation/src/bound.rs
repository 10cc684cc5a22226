//! An upper bound on the objective of any plan: the Lagrangian dual of the posts that couple
//! the doctors.
//!
//! The objective is `Σ_d own(p_d) + Σ_st W_st · min(n_st, need_st)` subject to
//! `n_st ≤ cap_st`, where `own` is a doctor's preference and continuity and `W_st` the worth
//! of a wanted year at site `s`. Since `W·min(n, need) = min_{π ∈ [0, W]} π·n + (W − π)·need`,
//! for any prices `y_st ≤ W_st`
//!
//! ```text
//! objective ≤ Σ_d max_p [own(p) + Σ_{(s,t) ∈ p} y_st] + Σ_st h_st(y_st)
//! h(y) = (W − y)·need          when y ≥ 0
//!        W·need − y·cap        when y < 0   (the price of a full post)
//! ```
//!
//! and each doctor's maximum is one call of the dynamic programme, which may only
//! overestimate (it counts a return to a site as a new one). The bound holds for every `y`;
//! a subgradient descent looks for the lowest, which at its limit is the bound of the linear
//! relaxation of the formulation with one variable per doctor and plan. The planner reaches
//! that limit by column generation instead ([`crate::master`]), which prices the doctors
//! with the same dynamic programme; this descent is kept for callers that want a bound
//! without a pool.

use serde::Serialize;

use crate::doctor::best_plan;
use crate::instance::Instance;
use crate::solve::{Limits, cover_value};

/// The bound found and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bound {
    pub value: f64,
    pub iterations: usize,
}

/// The lowest bound found (`None` when a doctor has no plan at all) in `limits.bound_iterations` steps, for the `planned` doctors (the
/// others are left out of both the plan and the bound). `target`: the objective of a plan
/// found (for the step size).
pub fn lagrangian(
    instance: &Instance,
    planned: &[usize],
    target: f64,
    limits: &Limits,
) -> Option<Bound> {
    let ns = instance.sites.len();
    let years = instance.years;
    let worth: Vec<f64> = (0..ns).map(|s| cover_value(instance, s)).collect();
    // Start from the worth of each wanted year.
    let mut y: Vec<Vec<f64>> = (0..ns)
        .map(|s| {
            (0..years)
                .map(|t| {
                    if instance.sites[s].need[t] > 0 {
                        worth[s]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let mut best = f64::INFINITY;
    let mut theta = 1.0;
    let mut since_better = 0;
    let mut iterations = 0;
    let banned = vec![usize::MAX; ns];
    for _ in 0..limits.bound_iterations {
        iterations += 1;
        // Posts nobody may hold are not on offer.
        let values: Vec<Vec<f64>> = (0..ns)
            .map(|s| {
                (0..years)
                    .map(|t| {
                        if instance.sites[s].capacity[t] == 0 {
                            f64::NEG_INFINITY
                        } else {
                            y[s][t]
                        }
                    })
                    .collect()
            })
            .collect();
        let rows = best_rows(instance, planned, &values, &banned, limits.threads);
        let mut n = vec![vec![0u32; years]; ns];
        let mut total = 0.0;
        for (row, v) in rows.iter().flatten() {
            total += v;
            crate::solve::add(&mut n, row);
        }
        if rows.iter().any(Option::is_none) {
            // A doctor with no plan at all: nothing to bound (the caller leaves them out).
            break;
        }
        let mut grad = vec![vec![0.0; years]; ns];
        let mut norm = 0.0;
        for s in 0..ns {
            let site = &instance.sites[s];
            for t in 0..years {
                let (need, cap) = (f64::from(site.need[t]), f64::from(site.capacity[t]));
                let ys = y[s][t];
                total += if ys >= 0.0 {
                    (worth[s] - ys) * need
                } else {
                    worth[s] * need - ys * cap
                };
                let here = f64::from(n[s][t]);
                let g = if site.capacity[t] == 0 {
                    0.0
                } else if ys < 0.0 {
                    here - cap
                } else if ys > 0.0 {
                    here - need
                } else if here > cap {
                    here - cap
                } else if here < need {
                    here - need
                } else {
                    0.0
                };
                grad[s][t] = g;
                norm += g * g;
            }
        }
        if total < best - 1e-9 {
            best = total;
            since_better = 0;
        } else {
            since_better += 1;
            if since_better >= 8 {
                theta /= 2.0;
                since_better = 0;
            }
        }
        if norm == 0.0 || best - target <= 1e-9 * best.abs().max(1.0) {
            break;
        }
        let gap = (total - target).max(1e-3 * total.abs().max(1.0));
        let step = theta * gap / norm;
        for s in 0..ns {
            for t in 0..years {
                y[s][t] = (y[s][t] - step * grad[s][t]).min(worth[s]);
            }
        }
    }
    best.is_finite().then_some(Bound {
        value: best,
        iterations,
    })
}

/// Each doctor's best row and value for the posts' values, on `threads` threads.
pub(crate) fn best_rows(
    instance: &Instance,
    doctors: &[usize],
    values: &[Vec<f64>],
    banned: &[usize],
    threads: usize,
) -> Vec<Option<(Vec<Option<usize>>, f64)>> {
    let threads = threads.clamp(1, doctors.len().max(1));
    if threads == 1 {
        return doctors
            .iter()
            .map(|&d| best_plan(instance, d, values, banned))
            .collect();
    }
    let chunk = doctors.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = doctors
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&d| best_plan(instance, d, values, banned))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(doctors.chunks(chunk))
            .flat_map(|(h, part)| h.join().unwrap_or_else(|_| vec![None; part.len()]))
            .collect()
    })
}
