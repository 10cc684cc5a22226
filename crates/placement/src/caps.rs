//! Regional caps: flexible deferred acceptance (Kamada & Kojima, AER 2015) and the JRMP
//! baseline it improves on.
//!
//! A region with a cap takes at most `cap` doctors in all its facilities together. The
//! Japan Residency Matching Program cuts each hospital's capacity in advance so that the
//! capacities of a region add up to its cap, then runs deferred acceptance
//! ([`jrmp`]); a seat cut from a hospital nobody applies to is lost, while a popular
//! hospital next door turns doctors away. Flexible deferred acceptance ([`flexible_da`])
//! keeps the cut capacities as *targets* and lets the region's spare seats move:
//!
//! 1. each facility of the region first takes its best applicants up to its target;
//! 2. then the facilities, in a fixed order of the region, take one more applicant each in
//!    turn (round robin), each within its own capacity, until the region reaches its cap or
//!    no facility has an applicant left.
//!
//! The region's choice so defined satisfies substitutes and the law of aggregate demand, so
//! deferred acceptance with regions as the choosing agents (Hatfield & Milgrom 2005) is
//! strategy-proof for doctors, and its result is stable in Kamada & Kojima's sense: every
//! blocking pair (d, h) has h's region at its cap, h ranking every doctor it has above d, and
//! h at or above its target ([`Promise::StableUpToCaps`]). Its regional choice always
//! contains JRMP's (phase 1 is JRMP's choice), so with the JRMP cut as targets every doctor
//! does at least as well as under JRMP and at least as many doctors are placed (comparative
//! statics of deferred acceptance under an expansion of choice; checked by proptest).
//!
//! Complexity: each proposal to a capped region recomputes that region's choice in
//! O(k log C) (k facilities in the region, C their largest capacity); other proposals are
//! O(log q). With L the total length of the doctors' lists, O(L·k log C) in all.

use std::collections::BinaryHeap;

use crate::instance::{Instance, InstanceError, Matching};
use crate::promise::{Placement, Promise, intact};

/// How a region's spare seats move between its facilities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlexibleConfig {
    /// Each facility's target capacity (by facility index), at most its capacity; the targets
    /// of a capped region add up to at most its cap. `None`: the JRMP cut
    /// ([`jrmp_capacities`]).
    pub targets: Option<Vec<u32>>,
    /// For each region, its facilities in the order in which the region offers its spare
    /// seats, each exactly once. `None`: by facility index.
    pub orders: Option<Vec<Vec<usize>>>,
}

/// The capacities the JRMP sets in advance: in a region whose facilities' capacities add up
/// to more than its cap, each capacity is cut in proportion so that they add up to the cap
/// exactly (largest remainders get the leftover seats, ties to the lower facility index).
/// Other capacities are unchanged.
pub fn jrmp_capacities(instance: &Instance) -> Vec<u32> {
    let capacity: Vec<u32> = instance.facilities.iter().map(|f| f.capacity).collect();
    let caps: Vec<Option<u32>> = instance.regions.iter().map(|r| r.cap).collect();
    cut(instance, &capacity, &caps)
}

/// Proportional cut of `capacity` to the regional `caps` (Hamilton apportionment).
pub(crate) fn cut(instance: &Instance, capacity: &[u32], caps: &[Option<u32>]) -> Vec<u32> {
    let mut out = capacity.to_vec();
    for (r, members) in region_members(instance).iter().enumerate() {
        let Some(cap) = caps.get(r).copied().flatten() else {
            continue;
        };
        let total: u64 = members.iter().map(|&f| u64::from(capacity[f])).sum();
        if total <= u64::from(cap) {
            continue;
        }
        let mut given = 0u64;
        let mut rest = Vec::with_capacity(members.len());
        for &f in members {
            let share = u128::from(capacity[f]) * u128::from(cap);
            let base = (share / u128::from(total)) as u64;
            let remainder = (share % u128::from(total)) as u64;
            out[f] = base as u32;
            given += base;
            rest.push((std::cmp::Reverse(remainder), f));
        }
        rest.sort_unstable();
        let left = u64::from(cap).saturating_sub(given) as usize;
        for &(_, f) in rest.iter().take(left) {
            out[f] += 1;
        }
    }
    out
}

/// Each region's facilities, by index.
fn region_members(instance: &Instance) -> Vec<Vec<usize>> {
    let mut members = vec![Vec::new(); instance.regions.len()];
    for (f, fac) in instance.facilities.iter().enumerate() {
        if let Some(r) = fac.region
            && let Some(m) = members.get_mut(r)
        {
            m.push(f);
        }
    }
    members
}

/// The rules a run of deferred acceptance works with: capacities, caps, targets and orders.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub capacity: Vec<u32>,
    pub cap: Vec<Option<u32>>,
    pub target: Vec<u32>,
    /// Each region's facilities in round-robin order.
    pub order: Vec<Vec<usize>>,
}

impl Rules {
    /// Rules from a configuration, checked.
    pub(crate) fn new(
        instance: &Instance,
        config: &FlexibleConfig,
    ) -> Result<Rules, Vec<InstanceError>> {
        let capacity: Vec<u32> = instance.facilities.iter().map(|f| f.capacity).collect();
        let cap: Vec<Option<u32>> = instance.regions.iter().map(|r| r.cap).collect();
        Rules::with(instance, capacity, cap, config)
    }

    /// Rules for given capacities and caps (which must be at most the instance's).
    pub(crate) fn with(
        instance: &Instance,
        capacity: Vec<u32>,
        cap: Vec<Option<u32>>,
        config: &FlexibleConfig,
    ) -> Result<Rules, Vec<InstanceError>> {
        let mut errors = Vec::new();
        let err = |path: String, ja: String, en: String| InstanceError { path, ja, en };
        let members = region_members(instance);
        let order = match &config.orders {
            None => members.clone(),
            Some(orders) => {
                if orders.len() != instance.regions.len() {
                    errors.push(err(
                        "orders".into(),
                        format!(
                            "順序は地域ごとに一つ（{} 個）必要です（{} 個あります）",
                            instance.regions.len(),
                            orders.len()
                        ),
                        format!(
                            "one order per region is needed ({}), not {}",
                            instance.regions.len(),
                            orders.len()
                        ),
                    ));
                } else {
                    for (r, list) in orders.iter().enumerate() {
                        let mut seen = vec![false; instance.facilities.len()];
                        for (k, &f) in list.iter().enumerate() {
                            let in_region = instance
                                .facilities
                                .get(f)
                                .is_some_and(|x| x.region == Some(r));
                            if !in_region {
                                errors.push(err(
                                    format!("orders[{r}][{k}]"),
                                    format!("医療機関 {f} はこの地域にありません"),
                                    format!("facility {f} is not in this region"),
                                ));
                            } else if std::mem::replace(&mut seen[f], true) {
                                errors.push(err(
                                    format!("orders[{r}][{k}]"),
                                    format!("{} が二度あります", instance.facilities[f].id),
                                    format!("{} is listed twice", instance.facilities[f].id),
                                ));
                            }
                        }
                        for &f in &members[r] {
                            if !seen[f] {
                                errors.push(err(
                                    format!("orders[{r}]"),
                                    format!("{} がありません", instance.facilities[f].id),
                                    format!("{} is missing", instance.facilities[f].id),
                                ));
                            }
                        }
                    }
                }
                orders.clone()
            }
        };
        let target = match &config.targets {
            None => cut(instance, &capacity, &cap),
            Some(targets) => {
                if targets.len() != instance.facilities.len() {
                    errors.push(err(
                        "targets".into(),
                        format!(
                            "目標定員は医療機関ごとに一つ（{} 個）必要です（{} 個あります）",
                            instance.facilities.len(),
                            targets.len()
                        ),
                        format!(
                            "one target per facility is needed ({}), not {}",
                            instance.facilities.len(),
                            targets.len()
                        ),
                    ));
                } else {
                    for (f, (&t, &q)) in targets.iter().zip(&capacity).enumerate() {
                        if t > q {
                            errors.push(err(
                                format!("targets[{f}]"),
                                format!(
                                    "{}: 目標定員 {t} が定員 {q} を超えています",
                                    instance.facilities[f].id
                                ),
                                format!(
                                    "{}: the target {t} is above the capacity {q}",
                                    instance.facilities[f].id
                                ),
                            ));
                        }
                    }
                    for (r, list) in members.iter().enumerate() {
                        if let Some(c) = cap[r] {
                            let sum: u64 = list.iter().map(|&f| u64::from(targets[f])).sum();
                            if sum > u64::from(c) {
                                errors.push(err(
                                    format!("targets (regions[{r}])"),
                                    format!(
                                        "{}: 目標定員の合計 {sum} が地域上限 {c} を超えています",
                                        instance.regions[r].id
                                    ),
                                    format!(
                                        "{}: the targets add up to {sum}, above the cap {c}",
                                        instance.regions[r].id
                                    ),
                                ));
                            }
                        }
                    }
                }
                targets.clone()
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rules {
            capacity,
            cap,
            target,
            order,
        })
    }

    /// Rules without regional caps (JRMP after its cut, or plain deferred acceptance).
    pub(crate) fn uncapped(instance: &Instance, capacity: Vec<u32>) -> Rules {
        Rules {
            target: capacity.clone(),
            capacity,
            cap: vec![None; instance.regions.len()],
            order: region_members(instance),
        }
    }

    /// Whether no cap can bind: every region's cap is at least its facilities' capacities.
    pub(crate) fn caps_slack(&self) -> bool {
        self.order
            .iter()
            .enumerate()
            .all(|(r, list)| match self.cap[r] {
                None => true,
                Some(c) => {
                    list.iter()
                        .map(|&f| u64::from(self.capacity[f]))
                        .sum::<u64>()
                        <= u64::from(c)
                }
            })
    }
}

/// How many applicants each facility of a capped region keeps, in the region's order:
/// `applicants[i]`, `capacity[i]`, `target[i]` for the i-th facility, `cap` the region's.
/// Phase 1: min(target, applicants); phase 2: round robin over the rest.
pub(crate) fn region_choice(
    applicants: &[u32],
    capacity: &[u32],
    target: &[u32],
    cap: u32,
) -> Vec<u32> {
    let n = applicants.len();
    let mut keep = vec![0u32; n];
    let mut extra = vec![0u32; n];
    let mut used: u64 = 0;
    for i in 0..n {
        let a = applicants[i].min(target[i]).min(capacity[i]);
        keep[i] = a;
        extra[i] = applicants[i].min(capacity[i]) - a;
        used += u64::from(a);
    }
    let mut spare = u64::from(cap).saturating_sub(used);
    let demand: u64 = extra.iter().map(|&e| u64::from(e)).sum();
    if demand <= spare {
        for i in 0..n {
            keep[i] += extra[i];
        }
        return keep;
    }
    // Full rounds: the largest t with Σ min(extra, t) ≤ spare.
    let (mut lo, mut hi) = (0u32, extra.iter().copied().max().unwrap_or(0));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let sum: u64 = extra.iter().map(|&e| u64::from(e.min(mid))).sum();
        if sum <= spare {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    for i in 0..n {
        let x = extra[i].min(lo);
        keep[i] += x;
        spare -= u64::from(x);
    }
    // The last, partial round, in the region's order.
    for i in 0..n {
        if spare == 0 {
            break;
        }
        if extra[i] > lo {
            keep[i] += 1;
            spare -= 1;
        }
    }
    keep
}

/// The held doctors of an [`Engine`] at some point.
pub(crate) struct Snapshot {
    held: Vec<BinaryHeap<(u32, usize)>>,
    at: Vec<Option<usize>>,
}

/// The state of a deferred acceptance run: who each facility holds, with the regional
/// choice applied after every change.
pub(crate) struct Engine<'a> {
    pub instance: &'a Instance,
    pub rules: &'a Rules,
    /// (facility's rank of the doctor, doctor), the worst on top.
    held: Vec<BinaryHeap<(u32, usize)>>,
    /// Where each doctor is held.
    pub at: Vec<Option<usize>>,
    /// Position of each facility in its region's order.
    position: Vec<usize>,
}

impl<'a> Engine<'a> {
    pub(crate) fn new(instance: &'a Instance, rules: &'a Rules) -> Engine<'a> {
        let mut position = vec![0; instance.facilities.len()];
        for list in &rules.order {
            for (i, &f) in list.iter().enumerate() {
                position[f] = i;
            }
        }
        Engine {
            instance,
            rules,
            held: vec![BinaryHeap::new(); instance.facilities.len()],
            at: vec![None; instance.doctors.len()],
            position,
        }
    }

    fn capped_region(&self, f: usize) -> Option<(usize, u32)> {
        let r = self.instance.facilities[f].region?;
        Some((r, self.rules.cap.get(r).copied().flatten()?))
    }

    /// Adds d to f's held doctors when f lists d; false otherwise (nothing changes).
    pub(crate) fn add(&mut self, d: usize, f: usize) -> bool {
        let Some(rank) = self.instance.facility_rank(f, d) else {
            return false;
        };
        self.held[f].push((rank, d));
        self.at[d] = Some(f);
        true
    }

    /// Removes d from f.
    pub(crate) fn remove(&mut self, d: usize, f: usize) {
        self.held[f].retain(|&(_, x)| x != d);
        if self.at[d] == Some(f) {
            self.at[d] = None;
        }
    }

    /// Applies the choice of f's region (or of f alone) to the held doctors; the doctors
    /// turned away are appended to `rejected` with the facility that turned them away.
    pub(crate) fn settle(&mut self, f: usize, rejected: &mut Vec<(usize, usize)>) {
        match self.capped_region(f) {
            None => {
                let q = self.rules.capacity[f] as usize;
                self.trim(f, q, rejected);
            }
            Some((r, cap)) => {
                let keep = self.keep(r, cap, &[]);
                for (i, &g) in self.rules.order[r].iter().enumerate() {
                    self.trim(g, keep[i] as usize, rejected);
                }
            }
        }
    }

    fn trim(&mut self, f: usize, keep: usize, rejected: &mut Vec<(usize, usize)>) {
        while self.held[f].len() > keep {
            if let Some((_, d)) = self.held[f].pop() {
                if self.at[d] == Some(f) {
                    self.at[d] = None;
                }
                rejected.push((d, f));
            }
        }
    }

    /// The region's choice counts with `delta` (facility, change) applied to the held counts.
    fn keep(&self, r: usize, cap: u32, delta: &[(usize, i64)]) -> Vec<u32> {
        let order = &self.rules.order[r];
        let mut n: Vec<u32> = order.iter().map(|&g| self.held[g].len() as u32).collect();
        for &(g, change) in delta {
            let i = self.position[g];
            if order.get(i) == Some(&g) {
                n[i] = (i64::from(n[i]) + change).max(0) as u32;
            }
        }
        let q: Vec<u32> = order.iter().map(|&g| self.rules.capacity[g]).collect();
        let t: Vec<u32> = order.iter().map(|&g| self.rules.target[g]).collect();
        region_choice(&n, &q, &t, cap)
    }

    /// Whether each of `proposals` (doctor, facility) would be kept if they were added after
    /// removing `removed` (doctor, facility), without changing anything. The proposals'
    /// facilities must be in one capped region or be one facility.
    pub(crate) fn would_keep(
        &self,
        proposals: &[(usize, usize)],
        removed: &[(usize, usize)],
    ) -> Vec<bool> {
        let mut delta: Vec<(usize, i64)> = Vec::new();
        for &(d, f) in removed {
            if self.held[f].iter().any(|&(_, x)| x == d) {
                delta.push((f, -1));
            }
        }
        for &(d, f) in proposals {
            if self.instance.facility_rank(f, d).is_some() {
                delta.push((f, 1));
            }
        }
        proposals
            .iter()
            .map(|&(d, f)| {
                let Some(rank) = self.instance.facility_rank(f, d) else {
                    return false;
                };
                let limit = match self.capped_region(f) {
                    None => {
                        let n: i64 = self.held[f].len() as i64
                            + delta.iter().filter(|x| x.0 == f).map(|x| x.1).sum::<i64>();
                        n.min(i64::from(self.rules.capacity[f])).max(0) as usize
                    }
                    Some((r, cap)) => {
                        let keep = self.keep(r, cap, &delta);
                        keep.get(self.position[f]).copied().unwrap_or(0) as usize
                    }
                };
                let better = self.held[f]
                    .iter()
                    .filter(|&&(r, x)| r < rank && !removed.contains(&(x, f)))
                    .count()
                    + proposals
                        .iter()
                        .filter(|&&(x, g)| {
                            g == f && self.instance.facility_rank(f, x).is_some_and(|r| r < rank)
                        })
                        .count();
                better < limit
            })
            .collect()
    }

    /// The held doctors, to go back to with [`Engine::restore`].
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            held: self.held.clone(),
            at: self.at.clone(),
        }
    }

    pub(crate) fn restore(&mut self, snapshot: Snapshot) {
        self.held = snapshot.held;
        self.at = snapshot.at;
    }

    pub(crate) fn matching(&self) -> Matching {
        let mut m = Matching::empty(self.instance.doctors.len());
        for (f, heap) in self.held.iter().enumerate() {
            for &(_, d) in heap {
                m.assignment[d] = Some(f);
            }
        }
        m
    }
}

/// Doctor-proposing deferred acceptance under `rules` for the doctors with `active[d]`
/// (all when `None`), each proposing down their own list. Deterministic: doctors start in
/// index order, and a doctor turned away proposes again before the rest.
pub(crate) fn run(instance: &Instance, rules: &Rules, active: Option<&[bool]>) -> Matching {
    let mut engine = Engine::new(instance, rules);
    let n = instance.doctors.len();
    let mut next = vec![0usize; n];
    let mut stack: Vec<usize> = (0..n)
        .rev()
        .filter(|&d| active.is_none_or(|a| a.get(d).copied().unwrap_or(false)))
        .collect();
    let mut rejected = Vec::new();
    while let Some(d) = stack.pop() {
        let prefs = &instance.doctors[d].preferences;
        while let Some(&f) = prefs.get(next[d]) {
            next[d] += 1;
            if !engine.add(d, f) {
                continue;
            }
            rejected.clear();
            engine.settle(f, &mut rejected);
            let mut turned_away = false;
            for &(x, _) in &rejected {
                if x == d {
                    turned_away = true;
                } else {
                    stack.push(x);
                }
            }
            if !turned_away {
                break;
            }
        }
    }
    engine.matching()
}

/// Flexible deferred acceptance (Kamada & Kojima, AER 2015) with the configuration's targets
/// and orders. Couples are treated as two single doctors (see [`crate::couples`]).
///
/// Promises: [`Promise::StrategyProofForDoctors`], [`Promise::StableUpToCaps`],
/// [`Promise::CapsRespected`], [`Promise::IndividuallyRational`], and [`Promise::Stable`]
/// when no cap can bind (every capped region's capacities fit under its cap: then this is
/// Gale–Shapley deferred acceptance).
pub fn flexible_da(
    instance: &Instance,
    config: &FlexibleConfig,
) -> Result<Placement, Vec<InstanceError>> {
    intact(instance)?;
    let rules = Rules::new(instance, config)?;
    let matching = run(instance, &rules, None);
    let mut promises = vec![
        Promise::StrategyProofForDoctors,
        Promise::StableUpToCaps,
        Promise::CapsRespected,
        Promise::IndividuallyRational,
    ];
    if rules.caps_slack() {
        promises.push(Promise::Stable);
    }
    Ok(Placement::new(matching, promises))
}

/// The JRMP mechanism: capacities cut in advance ([`jrmp_capacities`]), then deferred
/// acceptance. Strategy-proof (the cut depends on capacities and caps only), within caps,
/// but not stable: a doctor may be turned away by a facility with a free post in a region
/// below its cap. For comparison with [`flexible_da`].
pub fn jrmp(instance: &Instance) -> Result<Placement, Vec<InstanceError>> {
    intact(instance)?;
    let rules = Rules::uncapped(instance, jrmp_capacities(instance));
    let matching = run(instance, &rules, None);
    Ok(Placement::new(
        matching,
        vec![
            Promise::StrategyProofForDoctors,
            Promise::CapsRespected,
            Promise::IndividuallyRational,
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin() {
        // Targets 1 and 1, cap 5: three spare seats go A, B, A.
        assert_eq!(region_choice(&[4, 4], &[4, 4], &[1, 1], 5), vec![3, 2]);
        // Below the cap every applicant within capacity stays.
        assert_eq!(region_choice(&[1, 2], &[4, 4], &[1, 1], 5), vec![1, 2]);
        // A facility without applicants gives its spare seats away.
        assert_eq!(region_choice(&[0, 9], &[3, 4], &[2, 2], 4), vec![0, 4]);
        // Capacity bounds round robin.
        assert_eq!(
            region_choice(&[9, 9, 9], &[1, 5, 5], &[0, 0, 0], 6),
            vec![1, 3, 2]
        );
        assert_eq!(region_choice(&[9], &[9], &[0], 0), vec![0]);
    }
}
