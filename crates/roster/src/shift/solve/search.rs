//! Large-neighbourhood search on compact rows: DP re-optimisation of one employee's window,
//! ruin-and-recreate of a few employees over a window (each row rebuilt by the DP in turn),
//! ejection chains around day-shifts short of cover, and swaps of blocks of days between
//! two employees, under simulated-annealing acceptance. Every accepted state keeps every
//! hard rule; the objective is tracked incrementally.
//!
//! Which move to make and how wide a beam its window DPs keep are chosen by their recent
//! gain per second (each keeps a floor share of the time), so that an instance gets the
//! mix that pays on it: narrow beams (many cheap moves) on most, wider ones where narrow
//! beams stall, e.g. on long horizons. Construction (and repair) solves each whole row
//! against the feasibility [`super::oracle`] first, on long horizons at a steady pace of
//! minutes, so that even year-long horizons start from rows that keep every hard rule
//! and spread their work over the year.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ctx::{Ctx, OFF};
use super::dp::{Window, Workspace, optimize};

/// The best roster found by any thread.
pub(crate) struct Shared {
    pub bad: usize,
    pub obj: i64,
    pub rows: Vec<u16>,
    /// When the shared best last improved (from the start).
    pub improved: Duration,
}

/// What all threads share.
pub(crate) struct Team<'a> {
    pub best: Mutex<Shared>,
    pub stop: AtomicBool,
    pub start: Instant,
    pub deadline: Instant,
    pub patience: Option<Duration>,
    pub ctx: &'a Ctx,
}

impl Team<'_> {
    fn stopped(&self, now: Instant) -> bool {
        now >= self.deadline || self.stop.load(Ordering::Relaxed)
    }
}

/// Beam width of the repair DPs (practically exact).
const BEAM_WIDE: usize = 2_000;
/// Beam widths the search's window DPs choose from, by their recent gain per second, and
/// the least share of the search time each keeps.
const BEAMS: [usize; 3] = [24, 160, 2_000];
const BEAM_FLOORS: [f64; 3] = [0.06, 0.06, 0.06];
/// Least shares of the search time of the move kinds (window DP, ejection chain, ruin and
/// recreate, swaps, one employee's whole row against the others' cover); the rest goes by
/// their recent gain per second.
const MOVE_FLOORS: [f64; 5] = [0.1, 0.1, 0.1, 0.02, 0.03];
/// Horizons within these days re-optimise whole rows as the fifth move kind (shorter ones
/// have windows nearly as long, longer ones make it slow); others use a window there.
const WHOLE_ROW_DAYS: std::ops::RangeInclusive<usize> = 43..=100;

/// One alternative's recent record: objective gained and seconds spent, both decaying.
#[derive(Clone, Copy, Default)]
struct Arm {
    gain: f64,
    time: f64,
}

/// Chooses among alternatives by their recent gain per second: each gets a share of the
/// time, its floor plus a part of the rest in proportion to its rate, and the alternative
/// furthest below its share goes next.
struct Bandit {
    arms: Vec<Arm>,
    floors: Vec<f64>,
}

impl Bandit {
    fn new(floors: &[f64]) -> Self {
        Bandit {
            arms: vec![Arm::default(); floors.len()],
            floors: floors.to_vec(),
        }
    }

    fn pick(&self) -> usize {
        let rate = |a: &Arm| {
            if a.time > 0.0 {
                (a.gain / a.time).max(0.0)
            } else {
                0.0
            }
        };
        let sum: f64 = self.arms.iter().map(rate).sum();
        let n = self.arms.len() as f64;
        let free = (1.0 - self.floors.iter().sum::<f64>()).max(0.0);
        let mut best = (f64::INFINITY, 0);
        for (i, a) in self.arms.iter().enumerate() {
            let share = self.floors[i]
                + if sum > 0.0 {
                    free * rate(a) / sum
                } else {
                    free / n
                };
            let behind = a.time / share.max(1e-6);
            if behind < best.0 {
                best = (behind, i);
            }
        }
        best.1
    }

    /// Records a move of alternative `arm`; all records first decay by `keep`.
    fn record(&mut self, arm: usize, gain: f64, dt: f64, keep: f64) {
        for a in self.arms.iter_mut() {
            a.gain *= keep;
            a.time *= keep;
        }
        self.arms[arm].gain += gain;
        self.arms[arm].time += dt;
    }
}

pub(crate) struct Search<'c> {
    ctx: &'c Ctx,
    rng: ChaCha8Rng,
    rows: Vec<u16>,
    count: Vec<i64>,
    worked: Vec<i64>,
    obj: i64,
    bad: Vec<bool>,
    nbad: usize,
    best_rows: Vec<u16>,
    best_obj: i64,
    best_bad: usize,
    best_dirty: bool,
    last_improve: Instant,
    ws: Workspace,
    cands: Vec<Vec<(u16, i64)>>,
    scratch: Vec<u64>,
    tmp_row: Vec<u16>,
    saved: Vec<u16>,
    temp: f64,
    /// Beam width of the window DPs of the current move: mostly narrow (fast, and the
    /// cost-ranked beam still finds good rows), sometimes wide (practically exact).
    beam: usize,
    /// Longest window for single-employee moves.
    max_window: usize,
    /// Window of the wide ruins.
    full_ruin: usize,
    deadline: Instant,
    /// Beam width of DPs over a long horizon (construction, repair).
    long_beam: usize,
    /// Repair attempts per employee (each widens the beam).
    repairs: Vec<u32>,
    /// The recent record of the beam widths [`BEAMS`].
    beam_bandit: Bandit,
    /// The move kinds' recent record.
    move_bandit: Bandit,
    /// Per-shift penalties steering construction and repair away from caps the DP could
    /// not track (zero during the search proper).
    pen: Vec<i64>,
}

impl<'c> Search<'c> {
    pub fn new(ctx: &'c Ctx, seed: u64) -> Self {
        let rows = vec![OFF; ctx.ne * ctx.nd];
        let obj = ctx.objective(&rows);
        let mut s = Search {
            ctx,
            rng: ChaCha8Rng::seed_from_u64(seed),
            rows: rows.clone(),
            count: vec![0; ctx.nd * ctx.ns],
            worked: vec![0; ctx.ne],
            obj,
            bad: vec![false; ctx.ne],
            nbad: 0,
            best_rows: rows,
            best_obj: obj,
            best_bad: usize::MAX,
            best_dirty: false,
            last_improve: Instant::now(),
            ws: Workspace::default(),
            cands: Vec::new(),
            scratch: Vec::new(),
            tmp_row: Vec::new(),
            saved: Vec::new(),
            temp: 1.0,
            beam: BEAM_WIDE,
            max_window: ctx.nd.min(28),
            full_ruin: ctx.nd.min(28),
            deadline: Instant::now() + Duration::from_secs(3600),
            long_beam: if ctx.nd > 42 { 150 } else { 2_000 },
            repairs: vec![0; ctx.ne],
            beam_bandit: Bandit::new(&BEAM_FLOORS),
            move_bandit: Bandit::new(&MOVE_FLOORS),
            pen: vec![0; ctx.ns],
        };
        for e in 0..ctx.ne {
            s.refresh_bad(e);
        }
        s
    }

    fn refresh_bad(&mut self, e: usize) {
        let nd = self.ctx.nd;
        let ok = self
            .ctx
            .row_ok(e, &self.rows[e * nd..(e + 1) * nd], &mut self.scratch);
        if self.bad[e] == ok {
            self.bad[e] = !ok;
            if ok {
                self.nbad -= 1;
            } else {
                self.nbad += 1;
            }
        }
    }

    /// Sets one cell, keeping counts and the objective up to date.
    fn set(&mut self, e: usize, d: usize, s: u16) {
        let ctx = self.ctx;
        let i = e * ctx.nd + d;
        let old = self.rows[i];
        if old == s {
            return;
        }
        if old != OFF {
            let ds = d * ctx.ns + old as usize;
            let n = self.count[ds];
            self.obj += ctx.cover_cost(ds, n - 1)
                - ctx.cover_cost(ds, n)
                - ctx.cell[ctx.cell_index(e, d, old as usize)];
            self.count[ds] = n - 1;
        }
        if s != OFF {
            let ds = d * ctx.ns + s as usize;
            let n = self.count[ds];
            self.obj += ctx.cover_cost(ds, n + 1) - ctx.cover_cost(ds, n)
                + ctx.cell[ctx.cell_index(e, d, s as usize)];
            self.count[ds] = n + 1;
        }
        let dn = i64::from(s != OFF) - i64::from(old != OFF);
        if dn != 0 {
            let n = self.worked[e];
            self.obj += ctx.fairness * ((n + dn) * (n + dn) - n * n);
            self.worked[e] = n + dn;
        }
        self.rows[i] = s;
    }

    /// Marginal cost of `e` working `s` on `d`, the others as they are; `None` when the
    /// cell may not be worked (cover ceiling reached by the others).
    #[inline]
    fn marginal(&self, e: usize, d: usize, s: u16) -> Option<i64> {
        let ctx = self.ctx;
        let ds = d * ctx.ns + s as usize;
        let n = self.count[ds] - i64::from(self.rows[e * ctx.nd + d] == s);
        if n + 1 > i64::from(ctx.cover_max[ds]) {
            return None;
        }
        Some(
            ctx.cell[ctx.cell_index(e, d, s as usize)] + ctx.cover_cost(ds, n + 1)
                - ctx.cover_cost(ds, n),
        )
    }

    fn build_cands(&mut self, e: usize, a: usize, b: usize) {
        let width = b - a + 1;
        if self.cands.len() < width {
            self.cands.resize_with(width, Vec::new);
        }
        for d in a..=b {
            let mut list = std::mem::take(&mut self.cands[d - a]);
            list.clear();
            for &s in &self.ctx.options[e * self.ctx.nd + d] {
                if let Some(c) = self.marginal(e, d, s) {
                    list.push((s, c + self.pen[s as usize]));
                }
            }
            self.cands[d - a] = list;
        }
    }

    /// Re-optimises `e` on `a..=b` by DP. Returns the objective change if applied.
    fn dp_move(
        &mut self,
        e: usize,
        a: usize,
        b: usize,
        beam: usize,
        pace: Option<u64>,
        oracle: bool,
    ) -> Option<i64> {
        let ctx = self.ctx;
        let nd = ctx.nd;
        self.build_cands(e, a, b);
        let mut old = ctx.fairness * self.worked[e] * self.worked[e];
        for d in a..=b {
            let s = self.rows[e * nd + d];
            if s != OFF {
                old += self.marginal(e, d, s).unwrap_or(0);
            }
        }
        let window = Window {
            e,
            a,
            b,
            row: &self.rows[e * nd..(e + 1) * nd],
            cands: &self.cands[..b - a + 1],
            beam,
            pace,
            deadline: Some(self.deadline),
            oracle,
        };
        let mut new = optimize(ctx, &window, &mut self.ws)?;
        let was_bad = self.bad[e];
        if was_bad {
            // Caps the DP could not track: penalise the shifts over their cap and retry.
            for _ in 0..6 {
                let mut over = false;
                for s in 0..ctx.ns {
                    let used = (0..nd)
                        .filter(|&d| {
                            let t = if (a..=b).contains(&d) {
                                self.ws.out[d - a]
                            } else {
                                self.rows[e * nd + d]
                            };
                            t as usize == s
                        })
                        .count() as u64;
                    if used > u64::from(ctx.emps[e].caps[s]) {
                        self.pen[s] = (self.pen[s] * 2).max(200);
                        over = true;
                    }
                }
                if !over {
                    break;
                }
                self.build_cands(e, a, b);
                let window = Window {
                    e,
                    a,
                    b,
                    row: &self.rows[e * nd..(e + 1) * nd],
                    cands: &self.cands[..b - a + 1],
                    beam,
                    pace,
                    deadline: Some(self.deadline),
                    oracle,
                };
                match optimize(ctx, &window, &mut self.ws) {
                    Some(c) => new = c,
                    None => break,
                }
            }
            self.pen.iter_mut().for_each(|p| *p = 0);
        }
        if !was_bad && new > old {
            return None;
        }
        if self.rows[e * nd + a..=e * nd + b] == self.ws.out[..] {
            return Some(0);
        }
        self.tmp_row.clear();
        self.tmp_row
            .extend_from_slice(&self.rows[e * nd..(e + 1) * nd]);
        self.tmp_row[a..=b].copy_from_slice(&self.ws.out);
        if !ctx.row_ok(e, &self.tmp_row, &mut self.scratch) {
            return None;
        }
        if new > old {
            self.note_worse();
        }
        let before = self.obj;
        for d in a..=b {
            let s = self.ws.out[d - a];
            self.set(e, d, s);
        }
        debug_assert!(was_bad || self.obj - before == new - old);
        self.refresh_bad(e);
        self.note();
        Some(self.obj - before)
    }

    /// Ruin and recreate: clears `emps` on `a..=b` and rebuilds them one by one by DP.
    fn ruin(&mut self, emps: &mut [usize], a: usize, b: usize, feasibility: bool) -> bool {
        let nd = self.ctx.nd;
        let width = b - a + 1;
        self.note_worse();
        let before = (self.nbad, self.obj);
        self.saved.clear();
        for &e in emps.iter() {
            let r = &self.rows[e * nd + a..=e * nd + b];
            self.saved.extend_from_slice(r);
        }
        for &e in emps.iter() {
            for d in a..=b {
                self.set(e, d, OFF);
            }
        }
        emps.shuffle(&mut self.rng);
        let mut ok = true;
        let long = width > 42;
        let maxlen = self.ctx.len.iter().copied().max().unwrap_or(0);
        for &e in emps.iter() {
            self.build_cands(e, a, b);
            let window = Window {
                e,
                a,
                b,
                row: &self.rows[e * nd..(e + 1) * nd],
                cands: &self.cands[..width],
                beam: if long { self.long_beam * 4 } else { self.beam },
                pace: long.then_some(maxlen * 28),
                deadline: Some(self.deadline),
                oracle: false,
            };
            if optimize(self.ctx, &window, &mut self.ws).is_none() {
                ok = false;
                break;
            }
            for d in a..=b {
                let s = self.ws.out[d - a];
                self.set(e, d, s);
            }
        }
        if ok {
            for &e in emps.iter() {
                let r = &self.rows[e * nd..(e + 1) * nd];
                if !self.ctx.row_ok(e, r, &mut self.scratch) {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            let bad_after = self.nbad - emps.iter().filter(|&&e| self.bad[e]).count();
            ok = if feasibility {
                bad_after < before.0
            } else {
                let delta = self.obj - before.1;
                delta <= 0 || self.accept(delta)
            };
        }
        if !ok {
            // The caller restores the windows saved in `self.saved`.
            return false;
        }
        for &e in emps.iter() {
            self.refresh_bad(e);
        }
        self.note();
        true
    }

    fn accept(&mut self, delta: i64) -> bool {
        delta <= 0 || self.rng.random::<f64>() < (-(delta as f64) / self.temp).exp()
    }

    /// Swaps `e1` and `e2` on `a..=b` if the rows stay feasible and annealing accepts.
    fn swap(&mut self, e1: usize, e2: usize, a: usize, b: usize) -> bool {
        let ctx = self.ctx;
        let nd = ctx.nd;
        let mut delta = 0;
        let mut dn = 0i64;
        let mut differ = false;
        for d in a..=b {
            let (s1, s2) = (self.rows[e1 * nd + d], self.rows[e2 * nd + d]);
            if s1 == s2 {
                continue;
            }
            differ = true;
            if s1 != OFF {
                delta -= ctx.cell[ctx.cell_index(e1, d, s1 as usize)];
                if !ctx.allowed[ctx.cell_index(e2, d, s1 as usize)] {
                    return false;
                }
                delta += ctx.cell[ctx.cell_index(e2, d, s1 as usize)];
                dn += 1;
            }
            if s2 != OFF {
                delta -= ctx.cell[ctx.cell_index(e2, d, s2 as usize)];
                if !ctx.allowed[ctx.cell_index(e1, d, s2 as usize)] {
                    return false;
                }
                delta += ctx.cell[ctx.cell_index(e1, d, s2 as usize)];
                dn -= 1;
            }
        }
        if !differ {
            return false;
        }
        if dn != 0 && ctx.fairness != 0 {
            let (n1, n2) = (self.worked[e1], self.worked[e2]);
            let (m1, m2) = (n1 - dn, n2 + dn);
            delta += ctx.fairness * (m1 * m1 + m2 * m2 - n1 * n1 - n2 * n2);
        }
        if !self.accept(delta) {
            return false;
        }
        for d in a..=b {
            self.rows.swap(e1 * nd + d, e2 * nd + d);
        }
        let ok = ctx.row_ok(e1, &self.rows[e1 * nd..(e1 + 1) * nd], &mut self.scratch)
            && ctx.row_ok(e2, &self.rows[e2 * nd..(e2 + 1) * nd], &mut self.scratch);
        if !ok {
            for d in a..=b {
                self.rows.swap(e1 * nd + d, e2 * nd + d);
            }
            return false;
        }
        if delta > 0 {
            // Undo, remember the best, redo.
            for d in a..=b {
                self.rows.swap(e1 * nd + d, e2 * nd + d);
            }
            self.note_worse();
            for d in a..=b {
                self.rows.swap(e1 * nd + d, e2 * nd + d);
            }
        }
        self.obj += delta;
        self.worked[e1] -= dn;
        self.worked[e2] += dn;
        self.note();
        true
    }

    /// Before a worsening step: make sure the best roster is saved.
    fn note_worse(&mut self) {
        if self.best_dirty {
            self.best_rows.copy_from_slice(&self.rows);
            self.best_dirty = false;
        }
    }

    /// After a step: record a new best.
    fn note(&mut self) {
        if (self.nbad, self.obj) < (self.best_bad, self.best_obj) {
            self.best_bad = self.nbad;
            self.best_obj = self.obj;
            self.best_dirty = true;
            self.last_improve = Instant::now();
        }
    }

    fn best_now(&mut self) -> (usize, i64) {
        if self.best_dirty {
            self.best_rows.copy_from_slice(&self.rows);
            self.best_dirty = false;
        }
        (self.best_bad, self.best_obj)
    }

    /// Replaces the current state by `rows`.
    fn load(&mut self, rows: &[u16]) {
        let ctx = self.ctx;
        self.rows.copy_from_slice(rows);
        self.count.iter_mut().for_each(|c| *c = 0);
        for e in 0..ctx.ne {
            let mut n = 0;
            for d in 0..ctx.nd {
                let s = self.rows[e * ctx.nd + d];
                if s != OFF {
                    self.count[d * ctx.ns + s as usize] += 1;
                    n += 1;
                }
            }
            self.worked[e] = n;
        }
        self.obj = ctx.objective(&self.rows);
        for e in 0..ctx.ne {
            self.refresh_bad(e);
        }
    }

    /// Builds a first roster, employee by employee, each row by a DP over the horizon.
    pub(super) fn construct(&mut self, team: &Team<'_>) {
        let ctx = self.ctx;
        let mut order: Vec<usize> = (0..ctx.ne).collect();
        order.shuffle(&mut self.rng);
        let long = ctx.nd > 42;
        let beam = self.long_beam;
        let maxlen = ctx.len.iter().copied().max().unwrap_or(0);
        for e in order {
            if team.stopped(Instant::now()) {
                break;
            }
            // First against the feasibility oracle, so that the row keeps every hard rule
            // whatever the beam drops, at a steady pace on long horizons (a cost-ranked
            // beam would otherwise work early and idle late); then the oracle alone; the
            // paced beam alone is the last resort.
            let pace = long.then_some(maxlen * 14);
            if pace.is_some()
                && self.dp_move(e, 0, ctx.nd - 1, beam, pace, true).is_some()
                && !self.bad[e]
            {
                continue;
            }
            if self.dp_move(e, 0, ctx.nd - 1, beam, None, true).is_some() && !self.bad[e] {
                continue;
            }
            if self.dp_move(e, 0, ctx.nd - 1, beam, pace, false).is_none() && self.bad[e] {
                self.dp_move(e, 0, ctx.nd - 1, beam * 4, pace.map(|p| p * 3), false);
            }
        }
        self.note();
    }

    /// Rows that break a hard rule.
    #[cfg(test)]
    pub(super) fn broken_rows(&self) -> usize {
        self.nbad
    }

    /// A day-shift short of cover, found by sampling.
    fn find_hole(&mut self, tries: usize) -> Option<(usize, usize)> {
        let ctx = self.ctx;
        for _ in 0..tries {
            let d = self.rng.random_range(0..ctx.nd);
            let s = self.rng.random_range(0..ctx.ns);
            let ds = d * ctx.ns + s;
            if ctx.cover_cost(ds, self.count[ds] + 1) < ctx.cover_cost(ds, self.count[ds]) {
                return Some((d, s));
            }
        }
        None
    }

    /// Ejection chain: an employee is made to fill a hole (its row re-optimised by DP
    /// around the forced cell), a hole that it leaves is filled by the next employee, and
    /// so on; the chain is kept if annealing accepts the total change.
    fn chain(&mut self) -> bool {
        let ctx = self.ctx;
        let (ne, nd) = (ctx.ne, ctx.nd);
        let Some(mut hole) = self.find_hole(30) else {
            return false;
        };
        self.note_worse();
        let before = self.obj;
        let mut touched: Vec<(usize, Vec<u16>)> = Vec::new();
        let mut ok = true;
        for _ in 0..5 {
            let (d, s) = hole;
            let mut pick = None;
            for _ in 0..3 * ne {
                let e = self.rng.random_range(0..ne);
                if ctx.allowed[ctx.cell_index(e, d, s)]
                    && self.rows[e * nd + d] != s as u16
                    && !touched.iter().any(|(t, _)| *t == e)
                {
                    pick = Some(e);
                    break;
                }
            }
            let Some(e) = pick else {
                break;
            };
            let old: Vec<u16> = self.rows[e * nd..(e + 1) * nd].to_vec();
            let span = self.full_ruin;
            let a = d.saturating_sub(span / 2).min(nd - span.min(nd));
            let b = (a + span - 1).min(nd - 1);
            self.build_cands(e, a, b);
            self.cands[d - a].retain(|&(t, _)| t as usize == s);
            if self.cands[d - a].is_empty() {
                break;
            }
            let window = Window {
                e,
                a,
                b,
                row: &self.rows[e * nd..(e + 1) * nd],
                cands: &self.cands[..b - a + 1],
                beam: self.beam,
                pace: None,
                deadline: Some(self.deadline),
                oracle: false,
            };
            if optimize(ctx, &window, &mut self.ws).is_none() {
                break;
            }
            self.tmp_row.clear();
            self.tmp_row.extend_from_slice(&old);
            self.tmp_row[a..=b].copy_from_slice(&self.ws.out);
            if !ctx.row_ok(e, &self.tmp_row, &mut self.scratch) {
                ok = false;
                touched.push((e, old));
                break;
            }
            for d2 in a..=b {
                let t = self.ws.out[d2 - a];
                self.set(e, d2, t);
            }
            // The next hole: a cell this employee left that is now short.
            let mut next = None;
            let start = self.rng.random_range(0..nd);
            for k in 0..nd {
                let d2 = (start + k) % nd;
                let t = old[d2];
                if t != OFF && self.rows[e * nd + d2] != t {
                    let ds = d2 * ctx.ns + t as usize;
                    if ctx.cover_cost(ds, self.count[ds] + 1) < ctx.cover_cost(ds, self.count[ds]) {
                        next = Some((d2, t as usize));
                        break;
                    }
                }
            }
            touched.push((e, old));
            match next {
                Some(h) => hole = h,
                None => break,
            }
        }
        let delta = self.obj - before;
        if ok && !touched.is_empty() && self.accept(delta) {
            self.note();
            return true;
        }
        for (e, old) in touched.into_iter().rev() {
            for (d, &t) in old.iter().enumerate() {
                self.set(e, d, t);
            }
        }
        false
    }

    /// Keeps single-employee DP calls cheap: shrinks the longest window when a call is
    /// slow, grows it back when calls are fast.
    fn adapt(&mut self, width: usize, took: Duration) {
        let limit = self.ctx.nd.min(28);
        if took > Duration::from_millis(3) && width <= self.max_window && self.max_window > 7 {
            self.max_window -= 1;
        } else if took < Duration::from_micros(500)
            && width + 2 >= self.max_window
            && self.max_window < limit
        {
            self.max_window += 1;
        }
    }

    /// Employees and a window to ruin: around a day-shift short of cover when there is
    /// one (some who may work it, some who work that day), otherwise at random.
    fn pick_ruin(&mut self) -> (Vec<usize>, usize, usize) {
        let ctx = self.ctx;
        let (ne, nd, ns) = (ctx.ne, ctx.nd, ctx.ns);
        let k = self.rng.random_range(2..=5usize.min(ne));
        let mut emps = Vec::with_capacity(k);
        let mut hole = None;
        for _ in 0..8 {
            let d = self.rng.random_range(0..nd);
            let s = self.rng.random_range(0..ns);
            let ds = d * ns + s;
            if ctx.cover_cost(ds, self.count[ds] + 1) < ctx.cover_cost(ds, self.count[ds]) {
                hole = Some((d, s));
                break;
            }
        }
        let (a, b) = match hole {
            Some((d, s)) => {
                for _ in 0..4 * ne {
                    if emps.len() * 2 >= k {
                        break;
                    }
                    let e = self.rng.random_range(0..ne);
                    if ctx.allowed[ctx.cell_index(e, d, s)] && !emps.contains(&e) {
                        emps.push(e);
                    }
                }
                for _ in 0..4 * ne {
                    if emps.len() >= k {
                        break;
                    }
                    let e = self.rng.random_range(0..ne);
                    if self.rows[e * nd + d] != OFF && !emps.contains(&e) {
                        emps.push(e);
                    }
                }
                if self.rng.random_bool(0.5) {
                    let half = self.full_ruin / 2;
                    let a = d.saturating_sub(half).min(nd - self.full_ruin.min(nd));
                    (a, (a + self.full_ruin - 1).min(nd - 1))
                } else {
                    let before = self.rng.random_range(0..=6usize);
                    let after = self.rng.random_range(0..=6usize);
                    (d.saturating_sub(before), (d + after).min(nd - 1))
                }
            }
            None => self.random_window(14),
        };
        while emps.len() < k {
            let e = self.rng.random_range(0..ne);
            if !emps.contains(&e) {
                emps.push(e);
            }
        }
        (emps, a, b)
    }

    fn random_window(&mut self, max: usize) -> (usize, usize) {
        let nd = self.ctx.nd;
        let max = max.clamp(1, nd);
        let min = max.min(7);
        let w = self.rng.random_range(min..=max);
        let a = self.rng.random_range(0..=nd - w);
        (a, a + w - 1)
    }

    /// Tries to make an infeasible row feasible.
    fn repair(&mut self) {
        let ctx = self.ctx;
        let bad: Vec<usize> = (0..ctx.ne).filter(|&e| self.bad[e]).collect();
        let Some(&e) = bad.get(self.rng.random_range(0..bad.len().max(1))) else {
            return;
        };
        let maxlen = ctx.len.iter().copied().max().unwrap_or(0);
        let level = self.repairs.get(e).copied().unwrap_or(0).min(3);
        if let Some(r) = self.repairs.get_mut(e) {
            *r += 1;
        }
        let beam = self.long_beam << (2 * level);
        let pace = (ctx.nd > 42).then_some(maxlen * (14 << level));
        if self.dp_move(e, 0, ctx.nd - 1, beam, None, true).is_some() && !self.bad[e] {
            return;
        }
        if self.dp_move(e, 0, ctx.nd - 1, beam, pace, false).is_some() && !self.bad[e] {
            return;
        }

        let mut emps = vec![e];
        for _ in 0..self.rng.random_range(1..=3usize) {
            let o = self.rng.random_range(0..ctx.ne);
            if !emps.contains(&o) {
                emps.push(o);
            }
        }
        let (a, b) = if self.rng.random_bool(0.5) {
            (0, ctx.nd - 1)
        } else {
            self.random_window(ctx.nd)
        };
        self.ruin_restoring(&mut emps, a, b, true);
    }

    /// [`Self::ruin`], restoring the previous windows when it is rejected.
    fn ruin_restoring(
        &mut self,
        emps: &mut [usize],
        a: usize,
        b: usize,
        feasibility: bool,
    ) -> bool {
        let original: Vec<usize> = emps.to_vec();
        if self.ruin(emps, a, b, feasibility) {
            return true;
        }
        let saved = std::mem::take(&mut self.saved);
        for (k, &e) in original.iter().enumerate() {
            for d in a..=b {
                self.set(e, d, saved[k * (b - a + 1) + d - a]);
            }
        }
        self.saved = saved;
        for &e in &original {
            self.refresh_bad(e);
        }
        false
    }

    /// Runs until the team stops; returns the best rows with (rows broken, objective).
    pub fn run(mut self, team: &Team<'_>) -> (usize, i64, Vec<u16>) {
        let ctx = self.ctx;
        if ctx.ne == 0 {
            let (bad, obj) = self.best_now();
            return (bad, obj, self.best_rows);
        }
        self.deadline = team.deadline;
        self.construct(team);
        self.sync(team, true);
        let total = team
            .deadline
            .saturating_duration_since(team.start)
            .as_secs_f64()
            .max(1e-3);
        let (t0, t1) = (3.0f64, 0.2f64);
        let mut iter: u64 = 0;
        let mut last_sync = Instant::now();
        loop {
            iter += 1;
            if iter.is_multiple_of(16) {
                let now = Instant::now();
                if team.stopped(now) {
                    break;
                }
                let frac = (now.duration_since(team.start).as_secs_f64() / total).min(1.0);
                self.temp = t0 * (t1 / t0).powf(frac);
                if now.duration_since(last_sync) > Duration::from_millis(200) {
                    last_sync = now;
                    self.sync(team, false);
                }
            }
            if self.nbad > 0 {
                self.beam = BEAM_WIDE;
                self.repair();
                continue;
            }
            let arm = self.beam_bandit.pick();
            self.beam = BEAMS[arm];
            let kind = if ctx.ne >= 2 {
                self.move_bandit.pick()
            } else {
                0
            };
            let (t, o) = (Instant::now(), self.obj);
            self.one_move(kind);
            let dt = t.elapsed().as_secs_f64();
            // Forget at a pace of a tenth of the time limit (at least 2 s).
            let keep = (-dt / (0.1 * total).max(2.0)).exp();
            let gain = (o - self.obj) as f64;
            self.beam_bandit.record(arm, gain, dt, keep);
            self.move_bandit.record(kind, gain, dt, keep);
        }
        self.sync(team, false);
        let (bad, obj) = self.best_now();
        (bad, obj, self.best_rows)
    }

    /// One move of the search proper, of the given kind (window DP, ejection chain, ruin and
    /// recreate, swaps, whole row).
    fn one_move(&mut self, kind: usize) {
        let ctx = self.ctx;
        {
            if kind == 0 || ctx.ne < 2 {
                let e = self.rng.random_range(0..ctx.ne);
                let (a, b) = self.random_window(self.max_window);
                let beam = self.beam;
                let t = Instant::now();
                self.dp_move(e, a, b, beam, None, false);
                self.adapt(b - a + 1, t.elapsed());
            } else if kind == 4 {
                let e = self.rng.random_range(0..ctx.ne);
                let (a, b) = if WHOLE_ROW_DAYS.contains(&ctx.nd) {
                    (0, ctx.nd - 1)
                } else {
                    self.random_window(self.max_window)
                };
                let beam = self.beam;
                self.dp_move(e, a, b, beam, None, false);
            } else if kind == 1 {
                self.chain();
            } else if kind == 2 {
                let (mut emps, a, b) = self.pick_ruin();
                self.ruin_restoring(&mut emps, a, b, false);
            } else {
                for _ in 0..20 {
                    let e1 = self.rng.random_range(0..ctx.ne);
                    let e2 = self.rng.random_range(0..ctx.ne);
                    if e1 == e2 {
                        continue;
                    }
                    let w = self.rng.random_range(1..=ctx.nd.min(7));
                    let a = self.rng.random_range(0..=ctx.nd - w);
                    self.swap(e1, e2, a, a + w - 1);
                }
            }
        }
    }

    /// Publishes this thread's best, adopts the team's when stuck, and applies patience.
    fn sync(&mut self, team: &Team<'_>, first: bool) {
        let mine = self.best_now();
        let now = Instant::now();
        let Ok(mut shared) = team.best.lock() else {
            return;
        };
        if mine < (shared.bad, shared.obj) {
            shared.bad = mine.0;
            shared.obj = mine.1;
            shared.rows.copy_from_slice(&self.best_rows);
            shared.improved = now.duration_since(team.start);
        } else if !first
            && (shared.bad, shared.obj) < mine
            && now.duration_since(self.last_improve) > Duration::from_secs(2)
        {
            let rows = shared.rows.clone();
            drop(shared);
            self.load(&rows);
            self.best_rows.copy_from_slice(&rows);
            self.best_bad = self.nbad;
            self.best_obj = self.obj;
            self.best_dirty = false;
            self.last_improve = now;
            return;
        }
        if let Some(p) = team.patience {
            let since = now.duration_since(team.start);
            let stall = since.saturating_sub(shared.improved);
            if shared.bad == 0 && stall > p.max(shared.improved) {
                team.stop.store(true, Ordering::Relaxed);
            }
        }
    }
}
