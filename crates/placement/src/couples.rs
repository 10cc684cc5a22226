//! Couples who must work in the same region (or both stay unplaced), in the manner of
//! Roth & Peranson (AER 1999).
//!
//! A couple's joint list is every pair (facility for the first, facility for the second) in
//! one region — a facility without a region is its own area, so both at that facility — each
//! mutually acceptable to its member, ordered by the sum of the two ranks, then by the first
//! member's rank (generated lazily).
//!
//! 1. Deferred acceptance for the single doctors (flexible deferred acceptance under caps).
//! 2. The couples enter one at a time, in the instance's order. A couple proposes pairs down
//!    its joint list; a pair is taken only when the region (or facility) would keep both
//!    members — checked before anything changes, so a refused pair displaces nobody.
//! 3. Doctors displaced by a couple propose again from where they were. A couple one of
//!    whose members is displaced withdraws the other and proposes again further down its
//!    list. A withdrawal frees a post, offered again to the doctors that facility turned
//!    away, best first: the first single who would rather be there and would be kept takes
//!    it (so a vacancy moves along a chain); couples it turned away propose again from the
//!    top of their lists. When nobody takes it and the region has a cap, the region's other
//!    facilities offer the seat the same way.
//! 4. A couple's entry, with everything it sets off, may take at most (total list length +
//!    doctors + 1,024) proposals: couples can chase each other round a cycle. An entry that
//!    does not settle is undone (the state before it is restored) and the couple left
//!    unplaced; such couples try once more after all others, and a note names those still
//!    left out. All work is bounded by 16 × (total list length + doctors + Σ over couples of
//!    min(l₁·l₂, 65,536)) + 4,096 proposals; a note says when that bound stopped it.
//!
//! Complexity: as deferred acceptance for the singles; then per couple the cascade it sets
//! off, each proposal O(k + h) (k facilities in the region, h doctors held at the facility),
//! within the bounds above. At national scale (10,000 doctors, 1,000 facilities, 300
//! couples) 0.1–0.7 s in a release build, the upper end when an entry has to be undone.
//!
//! A stable matching may not exist with couples (Roth 1984; Kojima, Pathak & Roth, QJE
//! 2013), so stability is not promised: the result is checked and every blocking pair and
//! blocking couple is reported ([`Promise::InstabilitiesReported`]); [`Promise::Stable`] or
//! [`Promise::StableUpToCaps`] is added only when the check finds none of the kind. Couples
//! are together by construction ([`Promise::CouplesTogether`]). Not strategy-proof.
//! Deterministic.

use std::collections::VecDeque;

use crate::caps::{Engine, FlexibleConfig, Rules};
use crate::instance::{Instance, InstanceError, Matching};
use crate::promise::{JointList, Placement, Promise, intact, joint_key};
use chiiki_domain::Msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applicant {
    Single(usize),
    Couple(usize),
    /// A post freed at a facility.
    Vacancy(usize),
}

struct State<'a> {
    engine: Engine<'a>,
    instance: &'a Instance,
    next: Vec<usize>,
    couple_of: Vec<Option<usize>>,
    lists: Vec<JointList>,
    queue: VecDeque<Applicant>,
    queued_single: Vec<bool>,
    queued_couple: Vec<bool>,
    /// The doctors each facility has turned away (may repeat).
    turned_away: Vec<Vec<usize>>,
    steps: u64,
    budget: u64,
    /// The steps allowed for one couple's entry and what follows from it.
    limit: u64,
    /// Couples taken out after their entry did not settle.
    out: Vec<bool>,
}

/// Places singles and couples (see the module documentation). `config` sets the regional
/// targets and orders as for [`crate::caps::flexible_da`].
///
/// Promises: [`Promise::CouplesTogether`], [`Promise::CapsRespected`],
/// [`Promise::IndividuallyRational`], [`Promise::InstabilitiesReported`] (and
/// [`Promise::StableUpToCaps`] or [`Promise::Stable`] when the check finds it so).
pub fn place_couples(
    instance: &Instance,
    config: &FlexibleConfig,
) -> Result<Placement, Vec<InstanceError>> {
    intact(instance)?;
    let rules = Rules::new(instance, config)?;
    let n = instance.doctors.len();
    let mut couple_of = vec![None; n];
    let mut pairs_total = 0u64;
    for (k, &(a, b)) in instance.couples.iter().enumerate() {
        couple_of[a] = Some(k);
        couple_of[b] = Some(k);
        let la = instance.doctors[a].preferences.len() as u64;
        let lb = instance.doctors[b].preferences.len() as u64;
        pairs_total += (la * lb).min(1 << 16);
    }
    let list_total: u64 = instance
        .doctors
        .iter()
        .map(|d| d.preferences.len() as u64)
        .sum();
    let budget = 16 * (list_total + n as u64 + pairs_total) + 4096;
    let limit = list_total + n as u64 + 1024;
    let mut state = State {
        engine: Engine::new(instance, &rules),
        instance,
        next: vec![0; n],
        couple_of,
        lists: instance
            .couples
            .iter()
            .map(|&(a, b)| JointList::new(instance, a, b))
            .collect(),
        queue: VecDeque::new(),
        queued_single: vec![false; n],
        queued_couple: vec![false; instance.couples.len()],
        turned_away: vec![Vec::new(); instance.facilities.len()],
        steps: 0,
        budget,
        limit,
        out: vec![false; instance.couples.len()],
    };
    for d in 0..n {
        if state.couple_of[d].is_none() {
            state.enqueue(Applicant::Single(d));
        }
    }
    state.drain();
    // Each couple enters; an entry that does not settle within `limit` steps (couples can
    // chase each other round a cycle) is undone and the couple left out; those left out try
    // once more at the end.
    for k in (0..instance.couples.len()).chain(0..instance.couples.len()) {
        if state.steps >= state.budget {
            break;
        }
        if !state.out[k] && state.engine.at[instance.couples[k].0].is_some() {
            continue;
        }
        let saved = (
            state.engine.snapshot(),
            state.next.clone(),
            state.lists.clone(),
        );
        let start = state.steps;
        state.out[k] = false;
        state.enqueue(Applicant::Couple(k));
        state.drain_until(start.saturating_add(state.limit));
        if !state.queue.is_empty() {
            state.queue.clear();
            state.queued_single.iter_mut().for_each(|x| *x = false);
            state.queued_couple.iter_mut().for_each(|x| *x = false);
            let (engine, next, lists) = saved;
            state.engine.restore(engine);
            state.next = next;
            state.lists = lists;
            state.out[k] = true;
        }
    }
    let mut notes = Vec::new();
    let left_out: Vec<&str> = (0..instance.couples.len())
        .filter(|&k| state.out[k])
        .map(|k| instance.doctors[instance.couples[k].0].id.as_str())
        .collect();
    if !left_out.is_empty() {
        notes.push(Msg {
            ja: format!(
                "組（{} ほか、最初の医師で表示）を入れると玉突きが収まらないため、未配置のままにしました。",
                left_out.join("・")
            ),
            en: format!(
                "couples (shown by their first doctor: {}) were left unplaced: placing them set \
                 off displacements that did not settle.",
                left_out.join(", ")
            ),
        });
    }
    if state.steps >= state.budget {
        notes.push(Msg {
            ja: format!(
                "提案の回数が上限 {} 回に達したため打ち切りました。結果は制約を満たしますが、\
                 不安定な組合せが残ることがあります（一覧を参照）。",
                state.budget
            ),
            en: format!(
                "stopped at the bound of {} proposals; the result meets the constraints but \
                 may keep instabilities (see the list).",
                state.budget
            ),
        });
    }
    let mut matching = state.engine.matching();
    // Couples together, whatever happened above.
    for &(a, b) in &instance.couples {
        if matching.assignment[a].is_none() || matching.assignment[b].is_none() {
            matching.assignment[a] = None;
            matching.assignment[b] = None;
        }
    }
    let mut placement = Placement::new(
        matching,
        vec![
            Promise::CouplesTogether,
            Promise::CapsRespected,
            Promise::IndividuallyRational,
        ],
    )
    .with_instabilities(instance, true);
    placement.notes = notes;
    Ok(placement)
}

impl State<'_> {
    fn enqueue(&mut self, a: Applicant) {
        let flag = match a {
            Applicant::Single(d) => &mut self.queued_single[d],
            Applicant::Couple(k) => &mut self.queued_couple[k],
            Applicant::Vacancy(_) => {
                self.queue.push_back(a);
                return;
            }
        };
        if !std::mem::replace(flag, true) {
            self.queue.push_back(a);
        }
    }

    fn drain(&mut self) {
        self.drain_until(u64::MAX);
    }

    /// Processes the queue until it is empty or `until` steps have been taken.
    fn drain_until(&mut self, until: u64) {
        while self.steps < until.min(self.budget)
            && let Some(a) = self.queue.pop_front()
        {
            match a {
                Applicant::Single(d) => {
                    self.queued_single[d] = false;
                    self.single(d);
                }
                Applicant::Couple(k) => {
                    self.queued_couple[k] = false;
                    self.couple(k);
                }
                Applicant::Vacancy(f) => self.vacancy(f),
            }
        }
    }

    fn out_of_steps(&mut self) -> bool {
        self.steps += 1;
        self.steps > self.budget
    }

    fn single(&mut self, d: usize) {
        let instance = self.instance;
        let prefs = &instance.doctors[d].preferences;
        loop {
            let current = self.engine.at[d];
            let limit = current
                .and_then(|f| instance.doctor_rank(d, f))
                .map_or(prefs.len(), |r| r as usize);
            if self.next[d] >= limit {
                return;
            }
            if self.out_of_steps() {
                self.steps = self.budget;
                return;
            }
            let f = prefs[self.next[d]];
            self.next[d] += 1;
            if instance.facility_rank(f, d).is_none() {
                continue;
            }
            match current {
                None => {
                    self.engine.add(d, f);
                    let mut rejected = Vec::new();
                    self.engine.settle(f, &mut rejected);
                    let kept = !rejected.iter().any(|&(x, _)| x == d);
                    if !kept {
                        self.turned_away[f].push(d);
                    }
                    rejected.retain(|&(x, _)| x != d);
                    self.displaced(&rejected);
                    if kept {
                        return;
                    }
                }
                Some(c) => {
                    if self.engine.would_keep(&[(d, f)], &[(d, c)]) == [true] {
                        self.engine.remove(d, c);
                        self.engine.add(d, f);
                        let mut rejected = Vec::new();
                        self.engine.settle(f, &mut rejected);
                        self.displaced(&rejected);
                        self.freed(c);
                        return;
                    }
                    self.turned_away[f].push(d);
                }
            }
        }
    }

    fn couple(&mut self, k: usize) {
        let instance = self.instance;
        let (a, b) = instance.couples[k];
        let current = match (self.engine.at[a], self.engine.at[b]) {
            (Some(x), Some(y)) => Some((x, y)),
            _ => None,
        };
        let current_key = current.and_then(|(x, y)| {
            Some(joint_key(
                instance.doctor_rank(a, x)?,
                instance.doctor_rank(b, y)?,
            ))
        });
        loop {
            let Some((ra, rb, fa, fb)) = self.lists[k].next_pair() else {
                return;
            };
            if current_key.is_some_and(|c| joint_key(ra, rb) >= c) {
                return;
            }
            if self.out_of_steps() {
                self.steps = self.budget;
                return;
            }
            let removed: Vec<(usize, usize)> =
                current.map_or_else(Vec::new, |(x, y)| vec![(a, x), (b, y)]);
            let keep = self.engine.would_keep(&[(a, fa), (b, fb)], &removed);
            if keep == [true, true] {
                for &(d, f) in &removed {
                    self.engine.remove(d, f);
                }
                self.engine.add(a, fa);
                self.engine.add(b, fb);
                let mut rejected = Vec::new();
                self.engine.settle(fa, &mut rejected);
                self.engine.settle(fb, &mut rejected);
                self.displaced(&rejected);
                for &(_, f) in &removed {
                    self.freed(f);
                }
                return;
            }
            if !keep.first().copied().unwrap_or(false) {
                self.turned_away[fa].push(a);
            }
            if !keep.get(1).copied().unwrap_or(false) {
                self.turned_away[fb].push(b);
            }
        }
    }

    /// Doctors turned away by a facility after someone was added there.
    fn displaced(&mut self, rejected: &[(usize, usize)]) {
        for &(x, f) in rejected {
            self.turned_away[f].push(x);
            match self.couple_of[x] {
                None => self.enqueue(Applicant::Single(x)),
                Some(k) => {
                    let (a, b) = self.instance.couples[k];
                    let partner = if x == a { b } else { a };
                    if let Some(g) = self.engine.at[partner] {
                        self.engine.remove(partner, g);
                        self.freed(g);
                    }
                    self.enqueue(Applicant::Couple(k));
                }
            }
        }
    }

    /// A post at `f` was freed: it is offered again (see [`State::vacancy`]).
    fn freed(&mut self, f: usize) {
        self.queue.push_back(Applicant::Vacancy(f));
    }

    /// Offers a freed post at `f` to the doctors f turned away, best first by f's order: the
    /// first single who would rather be there and whom f (and its region) would keep takes
    /// it; every couple one of whose members f turned away proposes again from the top of its
    /// list. When nobody takes it and f's region has a cap, the region's other facilities
    /// offer the seat the same way to those they turned away.
    fn vacancy(&mut self, f: usize) {
        let instance = self.instance;
        let region: Vec<usize> = match instance.facilities[f].region {
            Some(r) if self.engine.rules.cap.get(r).copied().flatten().is_some() => {
                self.engine.rules.order[r]
                    .iter()
                    .copied()
                    .filter(|&g| g != f)
                    .collect()
            }
            _ => Vec::new(),
        };
        let mut filled = false;
        for g in std::iter::once(f).chain(region) {
            if filled {
                break;
            }
            let mut list = std::mem::take(&mut self.turned_away[g]);
            list.sort_unstable_by_key(|&x| (instance.facility_rank(g, x).unwrap_or(u32::MAX), x));
            list.dedup();
            let mut kept = Vec::with_capacity(list.len());
            for x in list {
                if filled {
                    kept.push(x);
                    continue;
                }
                let Some(rank) = instance.doctor_rank(x, g) else {
                    continue;
                };
                match self.couple_of[x] {
                    None => {
                        let current = self.engine.at[x];
                        let wants = current
                            .and_then(|c| instance.doctor_rank(x, c))
                            .is_none_or(|c| rank < c);
                        if !wants {
                            kept.push(x);
                            continue;
                        }
                        if self.out_of_steps() {
                            self.steps = self.budget;
                            kept.push(x);
                            filled = true;
                            continue;
                        }
                        let removed: Vec<(usize, usize)> =
                            current.map_or_else(Vec::new, |c| vec![(x, c)]);
                        if self.engine.would_keep(&[(x, g)], &removed) == [true] {
                            if let Some(c) = current {
                                self.engine.remove(x, c);
                            }
                            self.engine.add(x, g);
                            self.next[x] = rank as usize + 1;
                            let mut rejected = Vec::new();
                            self.engine.settle(g, &mut rejected);
                            self.displaced(&rejected);
                            if let Some(c) = current {
                                self.freed(c);
                            }
                            filled = true;
                        } else {
                            kept.push(x);
                        }
                    }
                    Some(k) => {
                        if !self.out[k] && !self.queued_couple[k] {
                            let (a, b) = instance.couples[k];
                            self.lists[k] = JointList::new(instance, a, b);
                            self.enqueue(Applicant::Couple(k));
                        }
                        kept.push(x);
                    }
                }
            }
            kept.append(&mut self.turned_away[g]);
            self.turned_away[g] = kept;
        }
    }
}

/// Whether the two doctors of every couple are in one area (the same region, or the same
/// facility when it has no region) or both unplaced.
pub fn couples_together(instance: &Instance, matching: &Matching) -> bool {
    instance.couples.iter().all(|&(a, b)| {
        match (
            matching.assignment.get(a).copied().flatten(),
            matching.assignment.get(b).copied().flatten(),
        ) {
            (None, None) => true,
            (Some(x), Some(y)) => {
                x < instance.facilities.len()
                    && y < instance.facilities.len()
                    && crate::promise::area(instance, x) == crate::promise::area(instance, y)
            }
            _ => false,
        }
    })
}
