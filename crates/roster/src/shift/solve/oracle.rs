//! A feasibility oracle for DPs over one employee's whole horizon: a backward pass over
//! (day, last shift class, class before it, run length, weekends left) that bounds the
//! minutes a valid completion can still add. The forward DP keeps only the states the
//! oracle deems completable, so that a narrow beam chooses by cost among rows that can
//! still meet the employee's minutes, weekends and block rules.
//!
//! A block touching the first day owes no minimum length: off blocks from day 0 behave as
//! if already long enough, and work blocks from day 0 shorter than the minimum have their
//! own small table, so that the oracle never rejects a row for its first block.
//!
//! The bounds are an interval (fewest and most minutes), which is exact for the
//! achievable totals when all shifts have the same length and close to it otherwise; caps
//! on shift counts and minute limits are honoured conservatively (the `free_only` pass
//! completes with uncapped shifts only). The caller checks the final row in any case.

use super::ctx::Ctx;

/// Largest table (entries) the oracle builds.
const MAX_ENTRIES: usize = 3_000_000;

/// Backward bounds, indexed `((day * states + state) * budgets + weekends_left)`.
#[derive(Default)]
pub(crate) struct Oracle {
    lo: Vec<u64>,
    hi: Vec<u64>,
    /// The same bounds for work blocks that started on day 0 and are still shorter than
    /// the minimum, indexed like `lo`/`hi` for the days `0..first_days`.
    flo: Vec<u64>,
    fhi: Vec<u64>,
    first_days: usize,
    min_cons: u32,
    run_o: u32,
    states: usize,
    budgets: usize,
    prevs: usize,
    run_max: u32,
    max_weekends: u32,
    lo_total: u64,
    hi_total: u64,
    free: Vec<bool>,
}

/// The employee-level parameters of one build.
pub(crate) struct Params {
    pub e: usize,
    pub run_w: u32,
    pub run_o: u32,
    pub has2: bool,
    /// Only shifts whose caps cannot bind complete a row.
    pub free_only: bool,
}

impl Oracle {
    #[inline]
    fn state(&self, last: u16, prev: u16, run: u32) -> usize {
        ((last as usize * self.prevs) + prev as usize) * self.run_max as usize
            + (run.clamp(1, self.run_max) - 1) as usize
    }

    /// Whether a state entering day `day` (with `wk` weekends and `m` minutes used so far)
    /// can still be completed into a valid row. `first`: the current block started on
    /// day 0.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn ok(
        &self,
        day: usize,
        last: u16,
        prev: u16,
        run: u32,
        first: bool,
        wk: u32,
        m: u64,
    ) -> bool {
        if wk > self.max_weekends {
            return false;
        }
        let r = ((self.max_weekends - wk) as usize).min(self.budgets - 1);
        let (lo, hi) = if first && last == 0 {
            // Days off since day 0 owe no minimum: as good as a long enough rest.
            let i = (day * self.states + self.state(0, prev, self.run_o)) * self.budgets + r;
            (self.lo[i], self.hi[i])
        } else if first && run < self.min_cons && day < self.first_days {
            let i = (day * self.states + self.state(last, prev, run)) * self.budgets + r;
            (self.flo[i], self.fhi[i])
        } else {
            let i = (day * self.states + self.state(last, prev, run)) * self.budgets + r;
            (self.lo[i], self.hi[i])
        };
        lo <= hi && m + hi >= self.lo_total && m + lo <= self.hi_total
    }

    /// Builds the bounds for employee `p.e` over the whole horizon with the candidate
    /// shifts `cands` (one list per day). Returns whether the start of the horizon can be
    /// completed, `None` when the table would be too large.
    pub fn build(&mut self, ctx: &Ctx, p: &Params, cands: &[Vec<(u16, i64)>]) -> Option<bool> {
        let nd = ctx.nd;
        let ns = ctx.ns;
        if cands.len() != nd {
            return None;
        }
        let emp = &ctx.emps[p.e];
        let succ = &ctx.succ[emp.succ];
        let nc = succ.class_rep.len();
        let weekends_in = ctx.weekend.iter().filter(|&&k| k == 1).count()
            + usize::from(ctx.weekend.first() == Some(&2));
        self.max_weekends = emp.max_weekends;
        self.budgets = (emp.max_weekends as usize).min(weekends_in) + 1;
        self.prevs = if p.has2 { nc + 1 } else { 1 };
        self.run_max = p.run_w.max(p.run_o).max(1);
        self.states = (nc + 1) * self.prevs * self.run_max as usize;
        let entries = (nd + 1)
            .saturating_mul(self.states)
            .saturating_mul(self.budgets);
        if entries > MAX_ENTRIES {
            return None;
        }
        self.lo_total = emp.lo;
        self.hi_total = emp.hi;
        self.free.clear();
        self.free.extend((0..ns).map(|s| {
            !p.free_only
                || (u64::from(emp.caps[s]) >= nd as u64 && emp.limits.iter().all(|l| !l.member[s]))
        }));
        self.lo.clear();
        self.lo.resize(entries, u64::MAX);
        self.hi.clear();
        self.hi.resize(entries, 0);
        let block = self.states * self.budgets;
        for i in nd * block..(nd + 1) * block {
            self.lo[i] = 0;
        }
        let (min_cons, min_off, max_cons) = (emp.min_cons, emp.min_off, emp.max_cons);
        let (run_w, run_o) = (p.run_w, p.run_o);
        let nb = self.budgets;
        for d in (0..nd).rev() {
            let weekend = ctx.weekend[d];
            let (cur, next) = {
                let (x, y) = (d * block, (d + 1) * block);
                (x, y)
            };
            for last in 0..=nc as u16 {
                let prev_range = if p.has2 { 0..=nc as u16 } else { 0..=0 };
                for prev in prev_range {
                    let max_run = if last == 0 { run_o } else { run_w };
                    for run in 1..=max_run {
                        let here = cur + self.state(last, prev, run) * nb;
                        let new_prev = if p.has2 { last } else { 0 };
                        // A day off.
                        if last == 0 || run >= min_cons {
                            let nrun = if last == 0 { (run + 1).min(run_o) } else { 1 };
                            let there = next + self.state(0, new_prev, nrun) * nb;
                            for r in 0..nb {
                                let (l, h) = (self.lo[there + r], self.hi[there + r]);
                                if l <= h {
                                    self.lo[here + r] = self.lo[here + r].min(l);
                                    self.hi[here + r] = self.hi[here + r].max(h);
                                }
                            }
                        }
                        // A shift.
                        if last == 0 && run < min_off {
                            continue;
                        }
                        if last != 0 && run + 1 > max_cons {
                            continue;
                        }
                        let nrun = if last == 0 { 1 } else { (run + 1).min(run_w) };
                        let w = usize::from(weekend == 1 || (weekend == 2 && last == 0));
                        let r1 =
                            (last != 0).then(|| succ.class_rep[(last - 1) as usize] as usize * ns);
                        let r2 = (p.has2 && prev != 0)
                            .then(|| succ.class_rep[(prev - 1) as usize] as usize * ns);
                        for &(s, _) in &cands[d] {
                            let su = s as usize;
                            if !self.free[su]
                                || r1.is_some_and(|r| succ.gap1[r + su])
                                || r2.is_some_and(|r| succ.gap2[r + su])
                            {
                                continue;
                            }
                            let len = ctx.len[su];
                            let c = succ.class_of[su] + 1;
                            let there = next + self.state(c, new_prev, nrun) * nb;
                            for r in w..nb {
                                let (l, h) = (self.lo[there + r - w], self.hi[there + r - w]);
                                if l <= h {
                                    self.lo[here + r] = self.lo[here + r].min(l + len);
                                    self.hi[here + r] = self.hi[here + r].max(h + len);
                                }
                            }
                        }
                    }
                }
            }
        }
        // Work blocks from day 0 still shorter than the minimum: the run equals the day.
        self.min_cons = min_cons;
        self.run_o = run_o;
        self.first_days = (min_cons as usize).min(nd);
        let fentries = self.first_days * block;
        self.flo.clear();
        self.flo.resize(fentries, u64::MAX);
        self.fhi.clear();
        self.fhi.resize(fentries, 0);
        for d in (1..self.first_days).rev() {
            let weekend = ctx.weekend[d];
            let run = d as u32;
            let w = usize::from(weekend == 1);
            for last in 1..=nc as u16 {
                let prev_range = if p.has2 { 0..=nc as u16 } else { 0..=0 };
                for prev in prev_range {
                    let here = d * block + self.state(last, prev, run) * nb;
                    let new_prev = if p.has2 { last } else { 0 };
                    // A day off ends the block, whatever its length.
                    let there = (d + 1) * block + self.state(0, new_prev, 1) * nb;
                    for r in 0..nb {
                        let (l, h) = (self.lo[there + r], self.hi[there + r]);
                        if l <= h {
                            self.flo[here + r] = self.flo[here + r].min(l);
                            self.fhi[here + r] = self.fhi[here + r].max(h);
                        }
                    }
                    if run + 1 > max_cons {
                        continue;
                    }
                    let nrun = (run + 1).min(run_w);
                    let to_first = nrun < min_cons && d + 1 < self.first_days;
                    let r1 = succ.class_rep[(last - 1) as usize] as usize * ns;
                    let r2 = (p.has2 && prev != 0)
                        .then(|| succ.class_rep[(prev - 1) as usize] as usize * ns);
                    for &(s, _) in &cands[d] {
                        let su = s as usize;
                        if !self.free[su]
                            || succ.gap1[r1 + su]
                            || r2.is_some_and(|r| succ.gap2[r + su])
                        {
                            continue;
                        }
                        let len = ctx.len[su];
                        let c = succ.class_of[su] + 1;
                        let there = (d + 1) * block + self.state(c, new_prev, nrun) * nb;
                        for r in w..nb {
                            let (l, h) = if to_first {
                                (self.flo[there + r - w], self.fhi[there + r - w])
                            } else {
                                (self.lo[there + r - w], self.hi[there + r - w])
                            };
                            if l <= h {
                                self.flo[here + r] = self.flo[here + r].min(l + len);
                                self.fhi[here + r] = self.fhi[here + r].max(h + len);
                            }
                        }
                    }
                }
            }
        }
        // The start: a day off keeps the first block's exemption, and so does a shift.
        if nd == 0 {
            return Some(true);
        }
        let r0 = (self.max_weekends as usize).min(nb - 1);
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        {
            let there = block + self.state(0, 0, run_o) * nb + r0;
            if self.lo[there] <= self.hi[there] {
                (lo, hi) = (self.lo[there], self.hi[there]);
            }
        }
        let w = usize::from(ctx.weekend[0] != 0);
        if r0 >= w && max_cons >= 1 {
            for &(s, _) in &cands[0] {
                let su = s as usize;
                if !self.free[su] {
                    continue;
                }
                let c = succ.class_of[su] + 1;
                let there = block + self.state(c, 0, 1) * nb + r0 - w;
                let (l, h) = if 1 < min_cons && 1 < self.first_days {
                    (self.flo[there], self.fhi[there])
                } else {
                    (self.lo[there], self.hi[there])
                };
                if l <= h {
                    lo = lo.min(l + ctx.len[su]);
                    hi = hi.max(h + ctx.len[su]);
                }
            }
        }
        Some(lo <= hi && hi >= self.lo_total && lo <= self.hi_total)
    }
}
