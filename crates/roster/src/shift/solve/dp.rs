//! Re-optimisation of one employee's row over a window of days, everything else fixed: a
//! dynamic programme over (day, last shift class, run length, weekends, minutes, tight
//! resources) whose arc costs are the employee's marginal costs (cell cost plus the change
//! in cover penalty). Exact unless a layer exceeds the beam width.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use super::ctx::{Ctx, OFF};
use super::oracle::{Oracle, Params};

/// A small multiplicative hasher for the DP keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    head: u64,
    minutes: u32,
    extra: u64,
}

#[derive(Clone, Copy)]
struct Label {
    key: Key,
    cost: i64,
    parent: u32,
    shift: u16,
}

#[derive(Clone, Copy)]
struct Effect {
    mult: u64,
    radix: u64,
    add: u64,
    budget: u64,
}

/// Buffers reused between calls.
#[derive(Default)]
pub(crate) struct Workspace {
    layers: Vec<Vec<Label>>,
    map: HashMap<Key, u32, BuildHasherDefault<Fx>>,
    effects: Vec<Vec<Effect>>,
    maxrem: Vec<u64>,
    out_count: Vec<u64>,
    oracle: Oracle,
    /// The window found by the last successful call, one entry per day.
    pub out: Vec<u16>,
}

/// One call: employee `e`, days `a..=b`, the employee's current row (only the days outside
/// the window matter) and the candidate shifts with their marginal costs per window day.
pub(crate) struct Window<'a> {
    pub e: usize,
    pub a: usize,
    pub b: usize,
    pub row: &'a [u16],
    pub cands: &'a [Vec<(u16, i64)>],
    pub beam: usize,
    /// Construction only (window = horizon): keep the minutes near a steady pace, within
    /// this slack (narrowing towards the end), so that a narrow beam does not starve the
    /// end of the horizon.
    pub pace: Option<u64>,
    /// Give up (`None`) once this instant has passed.
    pub deadline: Option<std::time::Instant>,
    /// Whole horizon only: keep only states that the feasibility [`Oracle`] deems
    /// completable (replaces `pace`).
    pub oracle: bool,
}

const RUN_MAX: u32 = 0x7fff;

#[inline]
fn pack(last: u16, prev: u16, run: u32, flag: bool, weekends: u32) -> u64 {
    u64::from(last)
        | (u64::from(prev) << 16)
        | (u64::from(run) << 32)
        | (u64::from(flag) << 47)
        | (u64::from(weekends) << 48)
}

#[inline]
fn unpack(h: u64) -> (u16, u16, u32, bool, u32) {
    (
        h as u16,
        (h >> 16) as u16,
        ((h >> 32) & 0x7fff) as u32,
        (h >> 47) & 1 == 1,
        (h >> 48) as u32,
    )
}

/// Runs the DP. On success returns the window's cost (sum of the chosen candidates' costs
/// plus the employee's fairness term) and leaves the window in `ws.out`.
pub(crate) fn optimize(ctx: &Ctx, w: &Window<'_>, ws: &mut Workspace) -> Option<i64> {
    let (e, a, b, row) = (w.e, w.a, w.b, w.row);
    let nd = ctx.nd;
    let ns = ctx.ns;
    if a > b || b >= nd || w.cands.len() != b - a + 1 {
        return None;
    }
    let width = b - a + 1;
    let emp = &ctx.emps[e];
    let succ = &ctx.succ[emp.succ];
    let has2 = succ.has_gap2;
    let worked = |d: usize| row[d] != OFF;

    // What the days outside the window use.
    let mut out_min = 0u64;
    let mut out_n = 0u64;
    ws.out_count.clear();
    ws.out_count.resize(ns + emp.limits.len(), 0);
    for d in (0..a).chain(b + 1..nd) {
        let s = row[d];
        if s != OFF {
            let s = s as usize;
            out_min += ctx.len[s];
            out_n += 1;
            ws.out_count[s] += 1;
            for (i, l) in emp.limits.iter().enumerate() {
                if l.member[s] {
                    ws.out_count[ns + i] += ctx.len[s];
                }
            }
        }
    }
    if out_min > emp.hi {
        return None;
    }
    let hi_w = emp.hi - out_min;
    let lo_w = emp.lo.saturating_sub(out_min);

    // Weekends worked before and after the window.
    let mut before = 0u32;
    for d in 0..a {
        match ctx.weekend[d] {
            1 if worked(d) => before += 1,
            2 if worked(d) && (d == 0 || !worked(d - 1)) => before += 1,
            _ => {}
        }
    }
    let mut after = 0u32;
    for d in b + 1..nd {
        match ctx.weekend[d] {
            1 if worked(d) => after += 1,
            2 if worked(d) && (d == b + 1 || !worked(d - 1)) => after += 1,
            _ => {}
        }
    }
    let overlap = ctx.weekend[b] == 1 && b + 1 < nd && worked(b + 1);
    let wk_budget = emp
        .max_weekends
        .saturating_add(u32::from(overlap))
        .checked_sub(before + after)?;

    // Tight resources, packed in mixed radix into `extra`.
    ws.effects.clear();
    ws.effects.resize(ns, Vec::new());
    let mut mult = 1u64;
    let mut fair: Option<(u64, u64)> = None;
    if ctx.fairness != 0 {
        let radix = width as u64 + 1;
        fair = Some((mult, radix));
        for list in ws.effects.iter_mut() {
            list.push(Effect {
                mult,
                radix,
                add: 1,
                budget: width as u64,
            });
        }
        mult *= radix;
    }
    // Tightest caps first, so that they are the ones tracked if space runs out.
    let mut tight: Vec<(u64, u64, usize)> = Vec::new();
    for s in 0..ns {
        let cap = u64::from(emp.caps[s]);
        let used = ws.out_count[s];
        if used > cap {
            return None;
        }
        let budget = cap - used;
        let avail = w
            .cands
            .iter()
            .filter(|c| c.iter().any(|&(t, _)| t as usize == s))
            .count() as u64;
        if budget < avail {
            tight.push((budget, avail, s));
        }
    }
    tight.sort_unstable_by(|x, y| (x.0 * y.1).cmp(&(y.0 * x.1)));
    for (budget, _, s) in tight {
        {
            let radix = budget + 1;
            let Some(next) = mult.checked_mul(radix) else {
                continue; // untracked: the caller's row check rejects a violation
            };
            ws.effects[s].push(Effect {
                mult,
                radix,
                add: 1,
                budget,
            });
            mult = next;
        }
    }
    for (i, l) in emp.limits.iter().enumerate() {
        let used = ws.out_count[ns + i];
        if used > l.max {
            return None;
        }
        let budget = l.max - used;
        let most: u64 = w
            .cands
            .iter()
            .map(|c| {
                c.iter()
                    .filter(|&&(t, _)| l.member[t as usize])
                    .map(|&(t, _)| ctx.len[t as usize])
                    .max()
                    .unwrap_or(0)
            })
            .sum();
        if budget >= most {
            continue;
        }
        let unit = (0..ns)
            .filter(|&s| l.member[s])
            .fold(0u64, |g, s| gcd(g, ctx.len[s]))
            .max(1);
        let radix = budget / unit + 1;
        let Some(next) = mult.checked_mul(radix) else {
            continue;
        };
        for s in (0..ns).filter(|&s| l.member[s]) {
            ws.effects[s].push(Effect {
                mult,
                radix,
                add: ctx.len[s] / unit,
                budget: budget / unit,
            });
        }
        mult = next;
    }

    // Most minutes still reachable from each window day on (for pruning).
    ws.maxrem.clear();
    ws.maxrem.resize(width + 1, 0);
    for i in (0..width).rev() {
        let best = w.cands[i]
            .iter()
            .map(|&(s, _)| ctx.len[s as usize])
            .max()
            .unwrap_or(0);
        ws.maxrem[i] = ws.maxrem[i + 1] + best;
    }

    let run_w = if emp.max_cons == u32::MAX {
        emp.min_cons.max(1)
    } else {
        emp.max_cons.max(emp.min_cons).max(1)
    }
    .min(RUN_MAX);
    let run_o = emp.min_off.clamp(1, RUN_MAX);
    let class = |s: u16| succ.class_of[s as usize] + 1;

    let mut oracle_on = false;
    if w.oracle && a == 0 && b + 1 == nd {
        let mut p = Params {
            e,
            run_w,
            run_o,
            has2,
            free_only: true,
        };
        match ws.oracle.build(ctx, &p, w.cands) {
            Some(true) => oracle_on = true,
            Some(false) => {
                p.free_only = false;
                // Unreachable with uncapped shifts only: allow every shift (caps are then
                // left to the final row check).
                oracle_on = ws.oracle.build(ctx, &p, w.cands) == Some(true);
            }
            None => {}
        }
    }
    let oracle = oracle_on.then_some(&ws.oracle);

    // Initial state: the day before the window.
    let start = if a == 0 {
        pack(0, 0, run_o, true, 0)
    } else {
        let x = row[a - 1];
        let on = x != OFF;
        let cap = if on { run_w } else { run_o };
        let mut run = 0u32;
        let mut d = a;
        while d > 0 && (row[d - 1] != OFF) == on && run < cap {
            run += 1;
            d -= 1;
        }
        let flag = d == 0 && (row[0] != OFF) == on;
        let last = if on { class(x) } else { 0 };
        let prev = if has2 && a >= 2 && row[a - 2] != OFF {
            class(row[a - 2])
        } else {
            0
        };
        pack(last, prev, run, flag, 0)
    };

    if ws.layers.len() < width + 1 {
        ws.layers.resize_with(width + 1, Vec::new);
    }
    ws.layers[0].clear();
    ws.layers[0].push(Label {
        key: Key {
            head: start,
            minutes: 0,
            extra: 0,
        },
        cost: 0,
        parent: u32::MAX,
        shift: OFF,
    });
    let (min_cons, min_off, max_cons) = (emp.min_cons, emp.min_off, emp.max_cons);
    let pace = w.pace.filter(|_| a == 0 && b + 1 == nd);
    let maxlen = ctx.len.iter().copied().max().unwrap_or(0);

    for i in 0..width {
        let d = a + i;
        let (done, rest) = ws.layers.split_at_mut(i + 1);
        let prev_layer = &done[i];
        let next = &mut rest[0];
        next.clear();
        ws.map.clear();
        let maxrem_next = ws.maxrem[i + 1];
        if w.deadline.is_some_and(|t| std::time::Instant::now() >= t) {
            return None;
        }
        let (pace_lo, pace_hi) = match pace {
            Some(slack) => {
                let left = (nd - d - 1) as u64;
                let slack = slack * left / nd as u64 + maxlen;
                (
                    (emp.lo * (d as u64 + 1) / nd as u64).saturating_sub(slack),
                    emp.hi * (d as u64 + 1) / nd as u64 + slack,
                )
            }
            None => (0, u64::MAX),
        };
        let map = &mut ws.map;
        let mut push = |key: Key, cost: i64, parent: u32, shift: u16| match map.entry(key) {
            Entry::Occupied(o) => {
                let l = &mut next[*o.get() as usize];
                if cost < l.cost {
                    *l = Label {
                        key,
                        cost,
                        parent,
                        shift,
                    };
                }
            }
            Entry::Vacant(v) => {
                v.insert(next.len() as u32);
                next.push(Label {
                    key,
                    cost,
                    parent,
                    shift,
                });
            }
        };
        let weekend = ctx.weekend[d];
        // Construction: weekends at a steady pace too.
        let wk_pace = match pace {
            Some(_) => {
                let seen = ctx.weekend[..=d].iter().filter(|&&k| k == 1).count() as u64 + 1;
                let total = ctx.weekend.iter().filter(|&&k| k == 1).count() as u64 + 1;
                (u64::from(emp.max_weekends) * seen).div_ceil(total) as u32 + 2
            }
            None => u32::MAX,
        };
        for (pi, st) in prev_layer.iter().enumerate() {
            let (last, prev, run, flag, wk) = unpack(st.key.head);
            let m = u64::from(st.key.minutes);
            let new_prev = if has2 { last } else { 0 };
            // A day off.
            if (last == 0 || run >= min_cons || flag) && m + maxrem_next >= lo_w && m >= pace_lo {
                let (nrun, nflag) = if last == 0 {
                    ((run + 1).min(run_o), flag)
                } else {
                    (1, d == 0)
                };
                if oracle.is_none_or(|o| o.ok(i + 1, 0, new_prev, nrun, nflag, wk, m)) {
                    let head = pack(0, new_prev, nrun, nflag, wk);
                    push(Key { head, ..st.key }, st.cost, pi as u32, OFF);
                }
            }
            // A shift.
            if last == 0 && run < min_off && !flag {
                continue;
            }
            let nwk = wk + u32::from(weekend == 1 || (weekend == 2 && last == 0));
            if nwk > wk_budget || nwk > wk_pace {
                continue;
            }
            let (nrun, nflag) = if last == 0 {
                (1, d == 0)
            } else {
                if run + 1 > max_cons {
                    continue;
                }
                ((run + 1).min(run_w), flag)
            };
            let r1 = if last == 0 {
                None
            } else {
                Some(succ.class_rep[(last - 1) as usize] as usize * ns)
            };
            let r2 = if has2 && prev != 0 {
                Some(succ.class_rep[(prev - 1) as usize] as usize * ns)
            } else {
                None
            };
            'cands: for &(s, c) in &w.cands[i] {
                let su = s as usize;
                if r1.is_some_and(|r| succ.gap1[r + su]) || r2.is_some_and(|r| succ.gap2[r + su]) {
                    continue;
                }
                let nm = m + ctx.len[su];
                if nm > hi_w || nm + maxrem_next < lo_w || nm > pace_hi || nm < pace_lo {
                    continue;
                }
                if oracle.is_some_and(|o| !o.ok(i + 1, class(s), new_prev, nrun, nflag, nwk, nm)) {
                    continue;
                }
                let mut extra = st.key.extra;
                for ef in &ws.effects[su] {
                    let cur = (extra / ef.mult) % ef.radix;
                    if cur + ef.add > ef.budget {
                        continue 'cands;
                    }
                    extra += ef.add * ef.mult;
                }
                let head = pack(class(s), new_prev, nrun, nflag, nwk);
                push(
                    Key {
                        head,
                        minutes: nm as u32,
                        extra,
                    },
                    st.cost + c,
                    pi as u32,
                    s,
                );
            }
        }
        if pace.is_some() && next.len() > w.beam.max(1) {
            // Keep every minutes total represented: the end of the horizon needs the
            // right total, not only the cheapest prefix.
            next.sort_unstable_by_key(|l| (l.key.minutes, l.cost));
            let distinct = 1 + next
                .windows(2)
                .filter(|p| p[0].key.minutes != p[1].key.minutes)
                .count();
            let per = (w.beam / distinct).max(2);
            let mut kept = 0;
            let mut run = 0;
            for j in 0..next.len() {
                if j > 0 && next[j].key.minutes != next[j - 1].key.minutes {
                    run = 0;
                }
                if run < per {
                    next[kept] = next[j];
                    kept += 1;
                }
                run += 1;
            }
            next.truncate(kept);
        }
        if next.len() > w.beam.max(1) {
            let beam = w.beam.max(1);
            next.select_nth_unstable_by_key(beam, |l| l.cost);
            next.truncate(beam);
        }
        if next.is_empty() {
            return None;
        }
    }

    // The fixed days after the window.
    let suffix = if b + 1 < nd {
        let t1 = row[b + 1];
        let on = t1 != OFF;
        let mut end = b + 1;
        while end + 1 < nd && (row[end + 1] != OFF) == on {
            end += 1;
        }
        let t2 = if b + 2 < nd { row[b + 2] } else { OFF };
        Some((t1, t2, (end - b) as u32, end + 1 == nd))
    } else {
        None
    };
    let last_layer = &ws.layers[width];
    let mut best: Option<(i64, usize)> = None;
    for (li, st) in last_layer.iter().enumerate() {
        let (last, prev, run, flag, wk) = unpack(st.key.head);
        let m = u64::from(st.key.minutes);
        if m < lo_w || m > hi_w {
            continue;
        }
        if before + wk + after - u32::from(overlap && last != 0) > emp.max_weekends {
            continue;
        }
        if let Some((t1, t2, len_s, touches_end)) = suffix {
            let g2 = |p: u16, t: u16| {
                has2 && p != 0
                    && t != OFF
                    && succ.gap2[succ.class_rep[(p - 1) as usize] as usize * ns + t as usize]
            };
            let ok = if last != 0 {
                let r = succ.class_rep[(last - 1) as usize] as usize * ns;
                let join = if t1 != OFF {
                    let merged = run + len_s;
                    !succ.gap1[r + t1 as usize]
                        && !g2(prev, t1)
                        && merged <= max_cons
                        && (merged >= min_cons || flag || touches_end)
                } else {
                    (run >= min_cons || flag) && (len_s >= min_off || touches_end)
                };
                join && !g2(last, t2)
            } else if t1 != OFF {
                (run >= min_off || flag) && (len_s >= min_cons || touches_end) && !g2(prev, t1)
            } else {
                run + len_s >= min_off || flag || touches_end
            };
            if !ok {
                continue;
            }
        }
        let mut cost = st.cost;
        if let Some((m, radix)) = fair {
            let n = (out_n + (st.key.extra / m) % radix) as i64;
            cost += ctx.fairness * n * n;
        }
        if best.is_none_or(|(c, _)| cost < c) {
            best = Some((cost, li));
        }
    }
    let (cost, mut li) = best?;
    ws.out.clear();
    ws.out.resize(width, OFF);
    for i in (0..width).rev() {
        let l = ws.layers[i + 1][li];
        ws.out[i] = l.shift;
        li = l.parent as usize;
    }
    Some(cost)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}
