//! The linear relaxation of the cohort's plan by column generation: its value is the bound,
//! its columns (each doctor's rows worth considering) the material of the search.
//!
//! The master programme has one variable per doctor and row (a column), the share of the
//! doctor's year plan that row takes:
//!
//! ```text
//! max  Σ_dr own_r·λ_dr + Σ_st W_s·y_st
//!      Σ_r λ_dr = 1                       each planned doctor
//!      y_st ≤ Σ_dr a_rst·λ_dr,  y_st ≤ need_st,  Σ_dr a_rst·λ_dr ≤ cap_st
//! ```
//!
//! (`own` a row's preference and continuity, `a_rst = 1` when the row is at `s` in `t`; the
//! doctors that cannot be planned keep their fixed years, which take posts and cover need
//! before the others: `need` and `cap` here are what they leave.) Its dual, for a price
//! `v_st ≤ W_s` of each post, is the Lagrangian function
//!
//! ```text
//! L(v) = Σ_d max_r [own_r + Σ_{(s,t) ∈ r} v_st] + Σ_st h_st(v_st)
//! h(v) = (W − v)·need        when v ≥ 0
//!        W·need − v·cap      when v < 0
//! ```
//!
//! which bounds every plan for every `v`; each doctor's maximum is one call of the dynamic
//! programme ([`crate::doctor::best_plan`], exact or optimistic), so every price vector tried
//! gives a valid bound and the lowest is kept. No general LP solver is fast enough here:
//! the restricted master (the columns found so far) is solved in its dual form by an
//! accelerated proximal gradient on `L` smoothed over the pool — each doctor's maximum
//! replaced by `τ·log Σ exp(·/τ)`, whose gradient is the posts' expected use and whose
//! weights are a fractional plan — which costs a pass over the pool per step instead of a
//! dynamic programme per doctor. The prices it finds price every doctor again, which bounds
//! and adds each doctor's best row; the rounds stop when the bound meets the fractional plan
//! or the budget ends.

use std::time::Instant;

use crate::bound::best_rows;
use crate::instance::Instance;
use crate::plan::check_doctor;
use crate::solve::{cover_value, plan_doctor};

/// A row of a doctor with what the master needs of it.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub row: Vec<Option<usize>>,
    /// Preference and continuity over the whole row (fixed years included).
    pub own: f64,
    /// The posts it takes, as `s * years + t`.
    pub posts: Vec<u32>,
}

/// The doctor's own part of the objective for a row: preference and continuity.
pub(crate) fn own_value(instance: &Instance, d: usize, row: &[Option<usize>]) -> f64 {
    let w = instance.weights;
    let doc = &instance.doctors[d];
    row.iter()
        .enumerate()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .map(|(t, s)| {
            let stay = t > 0 && row[t - 1] == Some(s);
            w.preference * doc.preference[s] + if stay { w.continuity } else { 0.0 }
        })
        .sum()
}

/// The master programme of the `planned` doctors, its pool of columns and its prices.
pub(crate) struct Master<'a> {
    pub instance: &'a Instance,
    pub planned: Vec<usize>,
    /// Per post (`s * years + t`): the worth of a wanted year, the need and the posts the
    /// unplanned doctors leave.
    pub worth: Vec<f64>,
    pub need: Vec<f64>,
    pub cap: Vec<f64>,
    /// What the unplanned doctors' fixed years give the objective.
    pub constant: f64,
    /// Columns per planned doctor (by position in `planned`).
    pub columns: Vec<Vec<Column>>,
    /// The current prices, and the lowest bound found with the prices that gave it.
    pub v: Vec<f64>,
    pub bound: f64,
    pub best_v: Vec<f64>,
    /// The fractional plan of the last restricted master: each column's share.
    pub shares: Vec<Vec<f64>>,
    /// Its objective (an estimate of the relaxation from below).
    pub fractional: f64,
    /// Pricing rounds done.
    pub rounds: usize,
    /// The lowest price of a post in the restricted master: more than any row can gain, so
    /// that a pool whose rows cannot all fit the posts (early on) prices the crowded posts
    /// high instead of without end — the restricted master with posts beyond capacity
    /// allowed at this cost. (The bound holds for any prices.)
    pub floor: f64,
    /// Doctors held to one column (while diving): the restricted master gives them no other.
    pub fixed: Vec<Option<usize>>,
}

impl<'a> Master<'a> {
    /// The master of the `planned` doctors; `others` are the rows of the rest (kept as they
    /// are: their posts and coverage count first).
    pub fn new(instance: &'a Instance, planned: &[usize], others: &[Vec<Option<usize>>]) -> Self {
        let years = instance.years;
        let ns = instance.sites.len();
        let mut taken = vec![vec![0u32; years]; ns];
        let mut constant = 0.0;
        for (d, row) in others.iter().enumerate() {
            if planned.binary_search(&d).is_err() {
                crate::solve::add(&mut taken, row);
                constant += own_value(instance, d, row);
            }
        }
        let mut worth = Vec::with_capacity(ns * years);
        let mut need = Vec::with_capacity(ns * years);
        let mut cap = Vec::with_capacity(ns * years);
        for (s, (site, taken)) in instance.sites.iter().zip(&taken).enumerate() {
            let w = cover_value(instance, s);
            for (t, &n0) in taken.iter().enumerate() {
                constant += w * f64::from(n0.min(site.need[t]));
                let c = site.capacity[t].saturating_sub(n0);
                let wanted = site.need[t].saturating_sub(n0).min(c);
                worth.push(w);
                need.push(f64::from(wanted));
                cap.push(f64::from(c));
            }
        }
        // Start from the worth of each wanted year (what a post gives its first doctor).
        let v: Vec<f64> = (0..ns * years)
            .map(|p| if need[p] > 0.0 { worth[p] } else { 0.0 })
            .collect();
        Master {
            instance,
            planned: planned.to_vec(),
            worth,
            need,
            cap,
            constant,
            columns: vec![Vec::new(); planned.len()],
            best_v: v.clone(),
            v,
            bound: f64::INFINITY,
            shares: vec![Vec::new(); planned.len()],
            fractional: f64::NEG_INFINITY,
            rounds: 0,
            floor: -crate::solve::overflow_cost(instance),
            fixed: vec![None; planned.len()],
        }
    }

    fn post(&self, s: usize, t: usize) -> usize {
        s * self.instance.years + t
    }

    /// `h` of the Lagrangian at price `x` of post `p`.
    fn h(&self, p: usize, x: f64) -> f64 {
        if x >= 0.0 {
            (self.worth[p] - x) * self.need[p]
        } else {
            self.worth[p] * self.need[p] - x * self.cap[p]
        }
    }

    /// The prices as the dynamic programme takes them: posts the planned doctors may not
    /// hold (none left) closed.
    fn values(&self, v: &[f64]) -> Vec<Vec<f64>> {
        let years = self.instance.years;
        (0..self.instance.sites.len())
            .map(|s| {
                (0..years)
                    .map(|t| {
                        let p = self.post(s, t);
                        if self.cap[p] <= 0.0 {
                            f64::NEG_INFINITY
                        } else {
                            v[p]
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Adds a doctor's row unless the pool has it; returns whether it was new.
    pub fn add(&mut self, k: usize, row: Vec<Option<usize>>) -> bool {
        if self.columns[k].iter().any(|c| c.row == row) {
            return false;
        }
        let years = self.instance.years;
        let d = self.planned[k];
        let posts = row
            .iter()
            .enumerate()
            .filter_map(|(t, s)| s.map(|s| (s * years + t) as u32))
            .collect();
        let own = own_value(self.instance, d, &row);
        self.columns[k].push(Column { row, own, posts });
        self.shares[k].push(0.0);
        true
    }

    /// Prices every planned doctor at the current prices: the Lagrangian bound there (kept
    /// when lowest), and each doctor's best row added to the pool (repaired when it returns
    /// to a site). Returns the bound and the columns added; `None` when a doctor has no row
    /// at all.
    pub fn price(&mut self, threads: usize) -> Option<(f64, usize)> {
        let v = self.v.clone();
        let values = self.values(&v);
        let banned = vec![usize::MAX; self.instance.sites.len()];
        let rows = best_rows(self.instance, &self.planned, &values, &banned, threads);
        let mut total = self.constant + self.h_total(&v);
        let mut added = 0;
        for (k, found) in rows.into_iter().enumerate() {
            let (row, value) = found?;
            total += value;
            let d = self.planned[k];
            let row = if check_doctor(self.instance, d, &row).is_empty() {
                Some(row)
            } else {
                plan_doctor(self.instance, d, &values)
            };
            if let Some(row) = row {
                added += usize::from(self.add(k, row));
            }
        }
        self.rounds += 1;
        if total < self.bound {
            self.bound = total;
            self.best_v = v;
        }
        Some((total, added))
    }

    /// Column generation: rounds of pricing and of the restricted master until the bound
    /// meets the fractional plan (relative `tolerance`), `rounds` are done or `deadline`
    /// passes. Returns `None` when a doctor has no row at all.
    pub fn generate(
        &mut self,
        rounds: usize,
        tolerance: f64,
        threads: usize,
        deadline: Option<Instant>,
    ) -> Option<()> {
        let mut tau = self.initial_tau();
        for round in 0..rounds {
            let (_, added) = self.price(threads)?;
            let late = deadline.is_some_and(|d| Instant::now() >= d);
            let close = self.bound - self.fractional <= tolerance * self.bound.abs().max(1.0);
            if late || close || (added == 0 && round > 0 && tau <= self.final_tau()) {
                break;
            }
            self.restricted(tau, 400);
            tau = (tau * 0.6).max(self.final_tau());
        }
        Some(())
    }

    /// A plan by diving: solve the restricted master, hold the doctors whose columns take the
    /// largest shares to them (a sixth of the rest each time, at least those above 0.95),
    /// price the others again, until every doctor is held. The prices keep giving valid
    /// bounds (pricing ignores what is held). Returns each doctor's column.
    pub fn dive(&mut self, threads: usize, deadline: Option<Instant>) -> Vec<usize> {
        let tau = self.final_tau();
        let n = self.planned.len();
        loop {
            let free: Vec<usize> = (0..n).filter(|&k| self.fixed[k].is_none()).collect();
            if free.is_empty() {
                break;
            }
            self.restricted(tau, 200);
            let mut ranked: Vec<(usize, usize, f64)> = free
                .iter()
                .filter_map(|&k| {
                    let sh = &self.shares[k];
                    (0..sh.len())
                        .max_by(|&a, &b| sh[a].total_cmp(&sh[b]).then(b.cmp(&a)))
                        .map(|c| (k, c, sh[c]))
                })
                .collect();
            ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
            let late = deadline.is_some_and(|d| Instant::now() >= d);
            let batch = if late {
                ranked.len()
            } else {
                let sure = ranked.iter().filter(|r| r.2 >= 0.95).count();
                sure.max(free.len().div_ceil(6))
            };
            for &(k, c, _) in ranked.iter().take(batch) {
                self.fixed[k] = Some(c);
            }
            if !late && ranked.len() > batch && self.price(threads).is_none() {
                break;
            }
        }
        let picks = (0..n).map(|k| self.fixed[k].unwrap_or(0)).collect();
        self.fixed = vec![None; n];
        picks
    }

    fn initial_tau(&self) -> f64 {
        0.05 * self.scale()
    }

    fn final_tau(&self) -> f64 {
        0.002 * self.scale()
    }

    /// A typical worth of a post, for the smoothing.
    fn scale(&self) -> f64 {
        let top = self.worth.iter().copied().fold(0.0, f64::max);
        top.max(self.instance.weights.preference + self.instance.weights.continuity)
            .max(1e-3)
    }

    /// The smoothed restricted dual at `v`: its value and gradient (the expected use of each
    /// post minus its slope in `h` is left to the proximal step), with each column's share.
    fn smooth(&self, v: &[f64], tau: f64, grad: &mut [f64], shares: &mut [Vec<f64>]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut total = 0.0;
        let mut scores: Vec<f64> = Vec::new();
        for (k, cols) in self.columns.iter().enumerate() {
            if cols.is_empty() {
                continue;
            }
            if let Some(c) = self.fixed[k] {
                let col = &cols[c];
                total += col.own + col.posts.iter().map(|&p| v[p as usize]).sum::<f64>();
                shares[k].iter_mut().for_each(|x| *x = 0.0);
                shares[k][c] = 1.0;
                for &p in &col.posts {
                    grad[p as usize] += 1.0;
                }
                continue;
            }
            scores.clear();
            scores.extend(
                cols.iter()
                    .map(|c| c.own + c.posts.iter().map(|&p| v[p as usize]).sum::<f64>()),
            );
            let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for (x, share) in scores.iter().zip(shares[k].iter_mut()) {
                *share = ((x - top) / tau).exp();
                sum += *share;
            }
            total += top + tau * sum.ln();
            for (c, share) in cols.iter().zip(shares[k].iter_mut()) {
                *share /= sum;
                for &p in &c.posts {
                    grad[p as usize] += *share;
                }
            }
        }
        total
    }

    fn h_total(&self, v: &[f64]) -> f64 {
        (0..v.len()).map(|p| self.h(p, v[p])).sum()
    }

    /// The proximal step of `h` (with the domain `floor ≤ v ≤ W`) at `z` with step `g`.
    fn prox(&self, p: usize, z: f64, g: f64) -> f64 {
        if self.cap[p] <= 0.0 {
            return 0.0;
        }
        let (w, need, cap) = (self.worth[p], self.need[p], self.cap[p]);
        if z + g * cap < 0.0 {
            (z + g * cap).max(self.floor)
        } else if z + g * need > w {
            w
        } else if z + g * need > 0.0 {
            z + g * need
        } else {
            0.0
        }
    }

    /// Solves the restricted master's smoothed dual from the current prices by an
    /// accelerated proximal gradient (backtracking step, restart when the value rises), in
    /// at most `steps` steps; keeps the prices and the columns' shares.
    fn restricted(&mut self, tau: f64, steps: usize) {
        let n = self.v.len();
        let mut shares: Vec<Vec<f64>> = self.columns.iter().map(|c| vec![0.0; c.len()]).collect();
        let mut grad = vec![0.0; n];
        let mut x = self.v.clone();
        let mut y = x.clone();
        let mut t = 1.0f64;
        let mut step = tau / self.instance.years.max(1) as f64;
        let mut fx = self.smooth(&x, tau, &mut grad, &mut shares) + self.h_total(&x);
        let mut next = vec![0.0; n];
        let mut g2 = vec![0.0; n];
        for _ in 0..steps {
            let fy = self.smooth(&y, tau, &mut grad, &mut shares);
            // Backtracking on the smooth part.
            let mut fnext;
            loop {
                for p in 0..n {
                    next[p] = self.prox(p, y[p] - step * grad[p], step);
                }
                fnext = self.smooth(&next, tau, &mut g2, &mut shares);
                let mut lin = fy;
                let mut sq = 0.0;
                for p in 0..n {
                    let d = next[p] - y[p];
                    lin += grad[p] * d;
                    sq += d * d;
                }
                if fnext <= lin + sq / (2.0 * step) + 1e-12 * fy.abs() || step < 1e-12 {
                    break;
                }
                step *= 0.5;
            }
            let fnext = fnext + self.h_total(&next);
            if fnext > fx {
                // Restart the momentum from the better point.
                t = 1.0;
                y.copy_from_slice(&x);
                continue;
            }
            let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
            let beta = (t - 1.0) / t_next;
            for p in 0..n {
                y[p] = next[p] + beta * (next[p] - x[p]);
                y[p] = y[p].min(if self.cap[p] <= 0.0 {
                    0.0
                } else {
                    self.worth[p]
                });
            }
            let change: f64 = (0..n).map(|p| (next[p] - x[p]).abs()).fold(0.0, f64::max);
            x.copy_from_slice(&next);
            fx = fnext;
            t = t_next;
            step *= 1.2;
            if change < 1e-7 * self.scale() {
                break;
            }
        }
        // The shares at the prices kept, and the fractional plan's objective.
        self.smooth(&x, tau, &mut grad, &mut shares);
        self.v = x;
        self.fractional = self.fractional_value(&shares);
        self.shares = shares;
    }

    /// The objective of a fractional plan with these shares.
    fn fractional_value(&self, shares: &[Vec<f64>]) -> f64 {
        let mut n = vec![0.0; self.v.len()];
        let mut total = self.constant;
        for (cols, sh) in self.columns.iter().zip(shares) {
            for (c, &x) in cols.iter().zip(sh) {
                total += x * c.own;
                for &p in &c.posts {
                    n[p as usize] += x;
                }
            }
        }
        let mut over = 0.0;
        for (p, &n) in n.iter().enumerate() {
            total += self.worth[p] * n.min(self.need[p]);
            over += (n - self.cap[p]).max(0.0);
        }
        // Posts beyond their capacity cost what a year at the worthiest post is worth: an
        // estimate, not a bound (the bound is only ever the Lagrangian's).
        total - (self.scale() + 1.0) * over
    }
}

/// The bound of the relaxation alone, for a plan found otherwise (the rows of `plan` seed the
/// pool; the doctors not `planned` keep theirs): `None` when a doctor has no row at all.
pub(crate) fn bound(
    instance: &Instance,
    planned: &[usize],
    plan: &crate::plan::Plan,
    limits: &crate::solve::Limits,
) -> Option<f64> {
    let mut master = Master::new(instance, planned, &plan.sites);
    for (k, &d) in planned.iter().enumerate() {
        if check_doctor(instance, d, &plan.sites[d]).is_empty() {
            master.add(k, plan.sites[d].clone());
        }
    }
    let deadline = limits.time_limit.map(|t| Instant::now() + t / 2);
    master.generate(limits.bound_iterations, 1e-4, limits.threads, deadline)?;
    Some(master.bound)
}
