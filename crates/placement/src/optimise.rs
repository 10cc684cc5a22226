//! Optimisation mode: as many doctors as possible in shortage regions, then as many placed
//! as possible, then the smallest sum of the doctors' ranks — within capacities, regional
//! caps and acceptability (a doctor goes only to a facility both list). It may sacrifice
//! stability; every blocking pair of the optimum is reported.
//!
//! The problem is a minimum-cost flow: source → doctor (1) → facility (acceptable pairs, 1)
//! → region (capacity) → sink (cap). The three objectives are one cost compared
//! lexicographically, (−shortage placements, −placements, Σ rank), which is an ordered
//! group, so successive shortest paths with potentials stay exact (no big-M weights that
//! could overflow). Flow is augmented while the shortest path has negative cost; the path
//! costs never decrease, so the flow found is of least cost over all flow values
//! (optimality: no negative cycle in the residual graph).
//!
//! Why our own: crates.io's `pathfinding` has max flow but no min-cost flow; `mcmf` builds
//! the LEMON C++ library (a native dependency); `good_lp` needs a solver back end. This one
//! is ~200 lines and checked against brute force by proptest.
//!
//! Complexity: primal–dual (Dijkstra on reduced costs, then a blocking flow on the edges of
//! reduced cost zero, as in Dinic): O(P · (E log V + E √V)) with P the number of distinct
//! shortest-path costs (at most the number of distinct (shortage, rank) combinations of a
//! path, in practice tens), V ≈ doctors + facilities + regions, E ≈ the total list length.
//! At national scale (10,000 doctors with lists of 10–20, 1,000 facilities, 47 capped
//! regions) that is 35–50 phases and 0.7–0.9 s in a release build; the mechanisms of
//! deferred acceptance take tens of milliseconds.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::instance::{Instance, InstanceError, Matching};
use crate::promise::{Placement, Promise, intact};

/// A cost compared lexicographically.
pub(crate) type Cost = [i64; 3];

const ZERO: Cost = [0, 0, 0];

fn add(a: Cost, b: Cost) -> Cost {
    [
        a[0].saturating_add(b[0]),
        a[1].saturating_add(b[1]),
        a[2].saturating_add(b[2]),
    ]
}

fn sub(a: Cost, b: Cost) -> Cost {
    [
        a[0].saturating_sub(b[0]),
        a[1].saturating_sub(b[1]),
        a[2].saturating_sub(b[2]),
    ]
}

/// A flow network with lexicographic costs, solved by successive shortest paths.
pub(crate) struct Flow {
    to: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<Cost>,
    adj: Vec<Vec<usize>>,
}

impl Flow {
    pub(crate) fn new(nodes: usize) -> Flow {
        Flow {
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            adj: vec![Vec::new(); nodes],
        }
    }

    /// Adds an edge and returns its index (for [`Flow::flow`]).
    pub(crate) fn edge(&mut self, u: usize, v: usize, cap: i64, cost: Cost) -> usize {
        let e = self.to.len();
        self.to.extend([v, u]);
        self.cap.extend([cap, 0]);
        self.cost.extend([cost, [-cost[0], -cost[1], -cost[2]]]);
        self.adj[u].push(e);
        self.adj[v].push(e + 1);
        e
    }

    /// The flow on an edge.
    pub(crate) fn flow(&self, e: usize) -> i64 {
        self.cap[e ^ 1]
    }

    /// The nodes that can still reach `t` in the residual graph.
    pub(crate) fn reaching(&self, t: usize) -> Vec<bool> {
        let mut seen = vec![false; self.adj.len()];
        seen[t] = true;
        let mut queue = VecDeque::from([t]);
        while let Some(v) = queue.pop_front() {
            for &e in &self.adj[v] {
                // e goes v → u; its reverse u → v has residual capacity cap[e ^ 1].
                let u = self.to[e];
                if self.cap[e ^ 1] > 0 && !seen[u] {
                    seen[u] = true;
                    queue.push_back(u);
                }
            }
        }
        seen
    }

    /// Sends flow from `s` to `t` while a path of negative cost exists, cheapest first; returns
    /// the flow sent. The graph must have no cycle of negative cost to begin with (ours are
    /// acyclic).
    pub(crate) fn solve(&mut self, s: usize, t: usize) -> i64 {
        let n = self.adj.len();
        // Potentials: shortest distances from s (Bellman–Ford; few rounds on a layered DAG).
        let mut pot: Vec<Option<Cost>> = vec![None; n];
        pot[s] = Some(ZERO);
        for _ in 0..n {
            let mut changed = false;
            for u in 0..n {
                let Some(pu) = pot[u] else { continue };
                for &e in &self.adj[u] {
                    if self.cap[e] > 0 {
                        let c = add(pu, self.cost[e]);
                        let v = self.to[e];
                        if pot[v].is_none_or(|pv| c < pv) {
                            pot[v] = Some(c);
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut pot: Vec<Cost> = pot.into_iter().map(|p| p.unwrap_or(ZERO)).collect();
        let mut total = 0;
        let reduced = |pot: &[Cost], cost: Cost, u: usize, v: usize| sub(add(cost, pot[u]), pot[v]);
        let mut dist: Vec<Option<Cost>> = vec![None; n];
        let mut level = vec![usize::MAX; n];
        let mut it = vec![0usize; n];
        loop {
            // Dijkstra on reduced costs.
            dist.iter_mut().for_each(|d| *d = None);
            dist[s] = Some(ZERO);
            let mut heap = BinaryHeap::from([Reverse((ZERO, s))]);
            while let Some(Reverse((d, u))) = heap.pop() {
                if dist[u].is_some_and(|x| x < d) {
                    continue;
                }
                for &e in &self.adj[u] {
                    if self.cap[e] == 0 {
                        continue;
                    }
                    let v = self.to[e];
                    let nd = add(d, reduced(&pot, self.cost[e], u, v));
                    if dist[v].is_none_or(|x| nd < x) {
                        dist[v] = Some(nd);
                        heap.push(Reverse((nd, v)));
                    }
                }
            }
            let Some(dt) = dist[t] else { break };
            for v in 0..n {
                let dv = match dist[v] {
                    Some(x) if x < dt => x,
                    _ => dt,
                };
                pot[v] = add(pot[v], dv);
            }
            // The shortest path's true cost; stop when it no longer lowers the total.
            if sub(pot[t], pot[s]) >= ZERO {
                break;
            }
            // Blocking flows on the admissible edges (reduced cost zero).
            let admissible = |flow: &Flow, pot: &[Cost], e: usize, u: usize| {
                flow.cap[e] > 0 && reduced(pot, flow.cost[e], u, flow.to[e]) == ZERO
            };
            loop {
                level.iter_mut().for_each(|l| *l = usize::MAX);
                level[s] = 0;
                let mut queue = VecDeque::from([s]);
                while let Some(u) = queue.pop_front() {
                    for &e in &self.adj[u] {
                        let v = self.to[e];
                        if level[v] == usize::MAX && admissible(self, &pot, e, u) {
                            level[v] = level[u] + 1;
                            queue.push_back(v);
                        }
                    }
                }
                if level[t] == usize::MAX {
                    break;
                }
                it.iter_mut().for_each(|i| *i = 0);
                let mut path: Vec<usize> = Vec::new();
                let mut u = s;
                loop {
                    if u == t {
                        let f = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0);
                        for &e in &path {
                            self.cap[e] -= f;
                            self.cap[e ^ 1] += f;
                        }
                        total += f;
                        path.clear();
                        u = s;
                        continue;
                    }
                    let mut advanced = false;
                    while it[u] < self.adj[u].len() {
                        let e = self.adj[u][it[u]];
                        let v = self.to[e];
                        if level[v] == level[u].wrapping_add(1) && admissible(self, &pot, e, u) {
                            path.push(e);
                            u = v;
                            advanced = true;
                            break;
                        }
                        it[u] += 1;
                    }
                    if advanced {
                        continue;
                    }
                    if u == s {
                        break;
                    }
                    // Dead end: retreat and skip the edge that led here.
                    level[u] = usize::MAX;
                    match path.pop() {
                        Some(e) => {
                            u = self.to[e ^ 1];
                            it[u] += 1;
                        }
                        None => break,
                    }
                }
            }
        }
        total
    }
}

/// Maximises the number of doctors placed in shortage regions (`shortage[r]`), then the
/// number placed, then minimises the sum of the placed doctors' ranks of their posts;
/// within capacities, caps and mutual acceptability. Couples are treated as two single
/// doctors. Deterministic.
///
/// Promises: [`Promise::MaxShortageCoverage`], [`Promise::CapsRespected`],
/// [`Promise::IndividuallyRational`], [`Promise::InstabilitiesReported`] (and
/// [`Promise::StableUpToCaps`] or [`Promise::Stable`] when the check finds it so).
pub fn maximise_shortage_coverage(
    instance: &Instance,
    shortage: &[bool],
) -> Result<Placement, Vec<InstanceError>> {
    intact(instance)?;
    if shortage.len() != instance.regions.len() {
        return Err(vec![InstanceError {
            path: "shortage".into(),
            ja: format!(
                "医師少数区域の指定は地域ごとに一つ（{} 個）必要です（{} 個あります）",
                instance.regions.len(),
                shortage.len()
            ),
            en: format!(
                "one shortage flag per region is needed ({}), not {}",
                instance.regions.len(),
                shortage.len()
            ),
        }]);
    }
    let weights: Vec<u32> = shortage.iter().map(|&s| u32::from(s)).collect();
    let matching = optimum(instance, &weights);
    Ok(Placement::new(
        matching,
        vec![
            Promise::MaxShortageCoverage,
            Promise::CapsRespected,
            Promise::IndividuallyRational,
        ],
    )
    .with_instabilities(instance, false))
}

/// The number of doctors placed in the regions flagged in `shortage`: what
/// [`maximise_shortage_coverage`] maximises first.
pub fn coverage(instance: &Instance, matching: &Matching, shortage: &[bool]) -> u64 {
    matching
        .region_counts(instance)
        .iter()
        .zip(shortage)
        .filter(|(_, s)| **s)
        .map(|(&c, _)| u64::from(c))
        .sum()
}

/// The lexicographic optimum for region weights.
fn optimum(instance: &Instance, weight: &[u32]) -> Matching {
    let nd = instance.doctors.len();
    let nf = instance.facilities.len();
    let nr = instance.regions.len();
    let (s, t) = (0, 1);
    let doctor = |d: usize| 2 + d;
    let facility = |f: usize| 2 + nd + f;
    let region = |r: usize| 2 + nd + nf + r;
    let mut flow = Flow::new(2 + nd + nf + nr);
    let mut pairs = Vec::new();
    for (d, doc) in instance.doctors.iter().enumerate() {
        let mut any = false;
        for (k, &f) in doc.preferences.iter().enumerate() {
            if instance.facility_rank(f, d).is_some() && instance.facilities[f].capacity > 0 {
                let e = flow.edge(doctor(d), facility(f), 1, [0, -1, k as i64]);
                pairs.push((e, d, f));
                any = true;
            }
        }
        if any {
            flow.edge(s, doctor(d), 1, ZERO);
        }
    }
    for (f, fac) in instance.facilities.iter().enumerate() {
        let q = i64::from(fac.capacity);
        match fac.region {
            Some(r) => flow.edge(facility(f), region(r), q, ZERO),
            None => flow.edge(facility(f), t, q, ZERO),
        };
    }
    for (r, reg) in instance.regions.iter().enumerate() {
        let cap = reg.cap.map_or(nd as i64, i64::from);
        let w = weight.get(r).copied().map_or(0, i64::from);
        flow.edge(region(r), t, cap, [-w, 0, 0]);
    }
    flow.solve(s, t);
    let mut m = Matching::empty(nd);
    for (e, d, f) in pairs {
        if flow.flow(e) > 0 {
            m.assignment[d] = Some(f);
        }
    }
    m
}
