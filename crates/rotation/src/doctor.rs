//! One doctor's best plan for given values of the posts: a dynamic programme over the years
//! whose state is what the rules need to know — the current site and how long the doctor has
//! been there, how many sites and which groups the rotation has covered, the years of
//! accredited training and of designated service so far. Exact for the rules, except that a
//! site may be returned to after leaving it (counted as a new site); the caller repairs that
//! by banning the return ([`best_plan`] with `banned`).
//!
//! Only reachable states are kept: a layer is a list of states, found through an index that
//! is reset after each year, so a call costs what the doctor's reachable states cost, not
//! the product of every counter's range.

use crate::instance::{Instance, Slot};

/// The value of a post to the doctor, besides their own preference: `value[s][t]` for a year
/// at site `s` in year `t`; `f64::NEG_INFINITY` when the post is not open to them. Fixed
/// years add their value too when it is finite.
pub type Values = [Vec<f64>];

/// The doctor's best plan and its value (the posts' values, preference and continuity of
/// every year of the row, fixed years included), or `None` when no plan keeps the rules.
/// `banned[s]`: the first year from which site `s` may not be planned (`usize::MAX`: never).
pub fn best_plan(
    instance: &Instance,
    d: usize,
    values: &Values,
    banned: &[usize],
) -> Option<(Vec<Option<usize>>, f64)> {
    Dp::new(instance, d).run(instance, d, values, banned)
}

/// A state of the programme: where the doctor is and what the rules have counted so far.
#[derive(Debug, Clone, Copy)]
struct State {
    /// Local index of the current site; `ns` before any site.
    cur: u16,
    /// Years in the current stint, capped at the programme's minimum.
    run: u8,
    /// The current stint has a planned (not fixed) year.
    planned: bool,
    /// Distinct sites so far, capped at the programme's minimum.
    k: u8,
    /// Sites per group so far, as a mixed-radix counter capped at each group's minimum.
    g: u16,
    /// Accredited training years so far, capped at those still needed.
    tr: u8,
    /// Designated years so far.
    de: u8,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    state: State,
    value: f64,
    /// Index of the entry it came from in the previous layer.
    from: u32,
    /// The site of this year, or `NONE`.
    site: u32,
}

const NONE: u32 = u32::MAX;

/// What a doctor's programme needs, computed once per call.
struct Dp {
    /// Sites the doctor may be at: the programme's, and the fixed ones.
    local: Vec<usize>,
    /// Sites known before planning (visited before the horizon, or fixed).
    known: Vec<bool>,
    /// The minimum sites per group rule, and each group's radix.
    group_rule: Vec<(chiiki_domain::FacilityGroup, usize)>,
    n_g: usize,
    full_g: usize,
    k_max: usize,
    t_need: usize,
    d_max: usize,
    m: usize,
}

impl Dp {
    fn new(instance: &Instance, d: usize) -> Dp {
        let doc = &instance.doctors[d];
        let prog = &instance.programmes[doc.programme];
        let mut local: Vec<usize> = (0..instance.sites.len())
            .filter(|&s| prog.allowed[s])
            .collect();
        let mut known = vec![false; instance.sites.len()];
        for &s in &doc.visited {
            known[s] = true;
        }
        for slot in &doc.slots {
            if let Slot::Fixed(s) = slot {
                known[*s] = true;
                if !local.contains(s) {
                    local.push(*s);
                }
            }
        }
        let group_rule: Vec<_> = prog
            .groups
            .iter()
            .map(|g| (g.group, g.min_sites as usize))
            .collect();
        let n_g = group_rule.iter().map(|(_, m)| m + 1).product();
        let mut full_g = 0;
        let mut scale = 1;
        for (_, m) in &group_rule {
            full_g += m * scale;
            scale *= m + 1;
        }
        Dp {
            local,
            known,
            group_rule,
            n_g,
            full_g,
            k_max: prog.min_sites as usize,
            t_need: prog.training_years.saturating_sub(doc.trained_years) as usize,
            d_max: doc.max_designated as usize,
            m: prog.min_years_per_site.max(1) as usize,
        }
    }

    /// The group counter after a first year at site `s`.
    fn add_group(&self, instance: &Instance, g: usize, s: usize) -> usize {
        let mut out = 0;
        let mut rest = g;
        let mut scale = 1;
        for &(group, m) in &self.group_rule {
            let c = rest % (m + 1);
            rest /= m + 1;
            let c = if instance.sites[s].group == group {
                (c + 1).min(m)
            } else {
                c
            };
            out += c * scale;
            scale *= m + 1;
        }
        out
    }

    /// The dense index of a state (for finding it again within a layer).
    fn key(&self, st: &State) -> usize {
        let ns = self.local.len();
        debug_assert!(st.cur as usize <= ns);
        let mut i = st.cur as usize;
        i = i * (self.m + 1) + st.run as usize;
        i = i * 2 + usize::from(st.planned);
        i = i * (self.k_max + 1) + st.k as usize;
        i = i * self.n_g + st.g as usize;
        i = i * (self.t_need + 1) + st.tr as usize;
        i * (self.d_max + 1) + st.de as usize
    }

    fn size(&self) -> usize {
        (self.local.len() + 1)
            * (self.m + 1)
            * 2
            * (self.k_max + 1)
            * self.n_g
            * (self.t_need + 1)
            * (self.d_max + 1)
    }

    /// The dense index of what a move carries over: sites, groups, training, designated.
    fn summary(&self, st: &State) -> usize {
        let mut i = st.k as usize;
        i = i * self.n_g + st.g as usize;
        i = i * (self.t_need + 1) + st.tr as usize;
        i * (self.d_max + 1) + st.de as usize
    }

    fn run(
        &self,
        instance: &Instance,
        d: usize,
        values: &Values,
        banned: &[usize],
    ) -> Option<(Vec<Option<usize>>, f64)> {
        let doc = &instance.doctors[d];
        let prog = &instance.programmes[doc.programme];
        let w = instance.weights;
        let years = instance.years;
        let ns = self.local.len();
        let m = self.m;
        if self.group_rule.len() > 8 || ns >= u16::MAX as usize || self.n_g > u16::MAX as usize {
            return None;
        }
        // The known sites count from the start.
        let mut k0 = 0;
        let mut g0 = 0;
        for (s, &is) in self.known.iter().enumerate() {
            if is {
                k0 += 1;
                g0 = self.add_group(instance, g0, s);
            }
        }
        let start = State {
            cur: ns as u16,
            run: m as u8,
            planned: false,
            k: k0.min(self.k_max) as u8,
            g: g0 as u16,
            tr: 0,
            de: 0,
        };
        // Position + 1 of each state in the layer being built; 0: absent. Reset after each
        // year from the layer's own entries.
        let mut slot_of = vec![0u32; self.size()];
        let n_summary = (self.k_max + 1) * self.n_g * (self.t_need + 1) * (self.d_max + 1);
        // The best two sources of different sites per summary, for moves.
        let mut best: Vec<[(f64, u32, u16); 2]> =
            vec![[(f64::NEG_INFINITY, 0, u16::MAX); 2]; n_summary];
        let mut touched: Vec<usize> = Vec::new();
        let mut layers: Vec<Vec<Entry>> = Vec::with_capacity(years);
        let mut prev: Vec<Entry> = vec![Entry {
            state: start,
            value: 0.0,
            from: NONE,
            site: NONE,
        }];
        let by_training = instance.training_by(d);
        let deadline = instance.deadline(d);
        let pref = |s: usize| w.preference * doc.preference[s];
        #[allow(clippy::needless_range_loop)] // t indexes the slots, the values and the deadlines
        for t in 0..years {
            let mut next: Vec<Entry> = Vec::with_capacity(prev.len() * 2);
            let mut put = |next: &mut Vec<Entry>, state: State, value: f64, from: usize, site| {
                let key = self.key(&state);
                let at = slot_of[key];
                if at == 0 {
                    next.push(Entry {
                        state,
                        value,
                        from: from as u32,
                        site,
                    });
                    slot_of[key] = next.len() as u32;
                } else {
                    let e = &mut next[at as usize - 1];
                    if value > e.value {
                        *e = Entry {
                            state,
                            value,
                            from: from as u32,
                            site,
                        };
                    }
                }
            };
            // A year at site `s`: training and designated counters, or `None` past the
            // fairness cap.
            let bump = |s: usize, st: &State| -> Option<(u8, u8)> {
                let tr = if t <= by_training && prog.accredited[s] {
                    (st.tr as usize + 1).min(self.t_need)
                } else {
                    st.tr as usize
                };
                let de = st.de as usize + usize::from(instance.sites[s].designated);
                (de <= self.d_max).then_some((tr as u8, de as u8))
            };
            let site_year_before = t > 0 && matches!(doc.slots[t - 1], Slot::Free | Slot::Fixed(_));
            let start_run = if t == 0 { m } else { 1 } as u8;
            let may_leave =
                |st: &State| st.cur as usize == ns || st.run as usize >= m || !st.planned;
            match doc.slots[t] {
                Slot::Leave | Slot::Away => {
                    for (i, e) in prev.iter().enumerate() {
                        put(&mut next, e.state, e.value, i, NONE);
                    }
                }
                Slot::Fixed(s) => {
                    let ls = self.local.iter().position(|&x| x == s).unwrap_or(ns) as u16;
                    let v = values[s][t];
                    let here = if v.is_finite() { v } else { 0.0 } + pref(s);
                    for (i, e) in prev.iter().enumerate() {
                        let st = e.state;
                        let Some((tr, de)) = bump(s, &st) else {
                            continue;
                        };
                        let (state, bonus) = if st.cur == ls {
                            let bonus = if site_year_before { w.continuity } else { 0.0 };
                            let run = (st.run as usize + 1).min(m) as u8;
                            (State { run, tr, de, ..st }, bonus)
                        } else if may_leave(&st) {
                            let state = State {
                                cur: ls,
                                run: start_run,
                                planned: false,
                                tr,
                                de,
                                ..st
                            };
                            (state, 0.0)
                        } else {
                            continue;
                        };
                        put(&mut next, state, e.value + here + bonus, i, s as u32);
                    }
                }
                Slot::Free => {
                    let gains: Vec<f64> = self
                        .local
                        .iter()
                        .map(|&s| {
                            let v = values[s][t];
                            let banned = t >= banned.get(s).copied().unwrap_or(usize::MAX);
                            if !prog.allowed[s] || banned || v == f64::NEG_INFINITY {
                                f64::NEG_INFINITY
                            } else {
                                v + pref(s)
                            }
                        })
                        .collect();
                    for (i, e) in prev.iter().enumerate() {
                        let st = e.state;
                        // Stay.
                        let c = st.cur as usize;
                        if c < ns
                            && gains[c] > f64::NEG_INFINITY
                            && let Some((tr, de)) = bump(self.local[c], &st)
                        {
                            let bonus = if site_year_before { w.continuity } else { 0.0 };
                            let state = State {
                                run: (st.run as usize + 1).min(m) as u8,
                                planned: true,
                                tr,
                                de,
                                ..st
                            };
                            put(
                                &mut next,
                                state,
                                e.value + gains[c] + bonus,
                                i,
                                self.local[c] as u32,
                            );
                        }
                        if may_leave(&st) {
                            let key = self.summary(&st);
                            let b = &mut best[key];
                            if b[0].0 == f64::NEG_INFINITY && b[1].0 == f64::NEG_INFINITY {
                                touched.push(key);
                            }
                            let cand = (e.value, i as u32, st.cur);
                            if e.value > b[0].0 {
                                if b[0].2 != st.cur {
                                    b[1] = b[0];
                                }
                                b[0] = cand;
                            } else if e.value > b[1].0 && b[0].2 != st.cur {
                                b[1] = cand;
                            }
                        }
                    }
                    for &key in &touched {
                        let b = best[key];
                        best[key] = [(f64::NEG_INFINITY, 0, u16::MAX); 2];
                        let from = prev[b[0].1 as usize].state;
                        for (ls, &gv) in gains.iter().enumerate() {
                            if gv == f64::NEG_INFINITY {
                                continue;
                            }
                            let src = if b[0].2 as usize != ls {
                                b[0]
                            } else if b[1].0 > f64::NEG_INFINITY {
                                b[1]
                            } else {
                                continue;
                            };
                            let s = self.local[ls];
                            let Some((tr, de)) = bump(s, &from) else {
                                continue;
                            };
                            let (k, g) = if self.known[s] {
                                (from.k, from.g)
                            } else {
                                (
                                    (from.k as usize + 1).min(self.k_max) as u8,
                                    self.add_group(instance, from.g as usize, s) as u16,
                                )
                            };
                            let state = State {
                                cur: ls as u16,
                                run: start_run,
                                planned: true,
                                k,
                                g,
                                tr,
                                de,
                            };
                            put(&mut next, state, src.0 + gv, src.1 as usize, s as u32);
                        }
                    }
                    touched.clear();
                }
            }
            for e in &mut next {
                slot_of[self.key(&e.state)] = 0;
            }
            // Deadlines: designated service by the obligation's, training by the exam.
            if t == deadline || t == by_training {
                next.retain(|e| {
                    let late_designated =
                        t == deadline && u32::from(e.state.de) < doc.designated_owed;
                    let late_training = t == by_training && (e.state.tr as usize) < self.t_need;
                    !(late_designated || late_training)
                });
                // `from` indices stay valid: they point into the previous layer.
            }
            layers.push(std::mem::replace(&mut prev, next));
        }
        layers.push(prev);
        // The best final state that covers the sites and groups, whose last stint is long
        // enough when the obligation ends within the horizon (away years after it).
        let last_site_year = doc
            .slots
            .iter()
            .rposition(|s| matches!(s, Slot::Free | Slot::Fixed(_)));
        let closed = last_site_year.is_some_and(|l| doc.slots[l + 1..].contains(&Slot::Away));
        let last = layers.last()?;
        let (mut at, total) = last
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let st = e.state;
                st.k as usize >= self.k_max
                    && st.g as usize == self.full_g
                    && (!closed || st.run as usize >= m || !st.planned)
            })
            .max_by(|a, b| a.1.value.total_cmp(&b.1.value))
            .map(|(i, e)| (i, e.value))?;
        let mut row = vec![None; years];
        for t in (0..years).rev() {
            let e = layers[t + 1][at];
            if e.site != NONE {
                row[t] = Some(e.site as usize);
            }
            at = e.from as usize;
        }
        Some((row, total))
    }
}
