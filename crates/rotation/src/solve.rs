//! Planning the cohort together.
//!
//! 1. Each doctor in turn, most constrained first, takes their best plan given everyone else
//!    ([`crate::doctor::best_plan`]). Capacities are soft while searching: a full post costs
//!    more than any plan can gain, so a doctor takes one only when no plan within the posts
//!    exists, and the search then works the overflow away.
//! 2. Column generation ([`crate::master`]) solves the linear relaxation over every doctor's
//!    rows: its prices give the bound, and the rows it finds (the first plan's among them)
//!    are the pool from which annealing ([`crate::pool`]) picks one row per doctor.
//! 3. Rounds of large-neighbourhood search free a group of doctors (around an overflowing
//!    post, an unmet need, or one doctor and those who share their posts) and plan them
//!    again, keeping a change when the objective does not fall.
//! 4. The bound says how far from the best plan there is the result can be; small cohorts
//!    are solved exactly ([`crate::exact`]).
//!
//! Deterministic for a seed, whatever the threads, unless the time limit cuts a phase short.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::time::{Duration, Instant};

use crate::doctor::best_plan;
use crate::instance::{Instance, Slot};
use crate::master::Master;
use crate::plan::{Plan, Score, check_doctor, score, score_counted};
use crate::pool::anneal;

/// How long to search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    /// Rounds of large-neighbourhood search after the pool's plan.
    pub rounds: usize,
    /// Doctors freed in a round.
    pub freed: usize,
    pub seed: u64,
    /// Pricing rounds of the column generation that gives the bound and the pool (0: no
    /// bound and no pool).
    pub bound_iterations: usize,
    /// Annealing moves over the pool of columns (0: none).
    pub moves: u64,
    /// Nodes the exact search of a small cohort may visit before giving up (0: never exact).
    pub exact_nodes: u64,
    /// Threads for pricing (the results do not depend on them).
    pub threads: usize,
    /// Wall-clock time for the whole solve, shared out between its phases (relaxation,
    /// dive, annealing, search); the exact search of a small cohort is not cut. Results
    /// depend on it only when it cuts a phase short. `None`: the other limits alone.
    pub time_limit: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rounds: 2000,
            freed: 6,
            seed: 2027,
            bound_iterations: 60,
            moves: 20_000_000,
            exact_nodes: 2_000_000,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            time_limit: Some(Duration::from_secs(50)),
        }
    }
}

impl Limits {
    /// When the search must stop, for a solve started at `start`.
    pub(crate) fn deadline(&self, start: Instant) -> Option<Instant> {
        self.time_limit.map(|t| start + t)
    }
}

/// A doctor no plan can serve: their rules cannot be met with the sites listed, even with
/// every post free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplanned {
    pub doctor: usize,
}

/// More doctors at a site in a year than it has posts, in the best plan found: the posts
/// cannot hold every doctor's rules (for example fixed years above the capacity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overflow {
    pub site: usize,
    pub year: usize,
    /// Doctors beyond the posts.
    pub over: u32,
    /// Every doctor at the site that year.
    pub doctors: Vec<usize>,
}

/// The plan found, its objective, how far from the best it can be, and what it could not do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solved {
    pub plan: Plan,
    pub score: Score,
    /// An upper bound on the objective of any plan (of the doctors that can be planned);
    /// `None` when not computed.
    pub bound: Option<f64>,
    /// `(bound − objective) / bound`, when there is a bound.
    pub gap: Option<f64>,
    /// The plan is proven the best there is (exact search, or a bound it meets).
    pub proven: bool,
    pub unplanned: Vec<Unplanned>,
    pub overflow: Vec<Overflow>,
    /// Rounds of search that improved the plan.
    pub improvements: usize,
}

pub(crate) fn remove(counts: &mut [Vec<u32>], row: &[Option<usize>]) {
    for (t, s) in row.iter().enumerate() {
        if let Some(s) = s {
            counts[*s][t] -= 1;
        }
    }
}

pub(crate) fn add(counts: &mut [Vec<u32>], row: &[Option<usize>]) {
    for (t, s) in row.iter().enumerate() {
        if let Some(s) = s {
            counts[*s][t] += 1;
        }
    }
}

/// The first year of a return to a site left earlier (not one the doctor had already been
/// at before the plan), if any.
fn first_return(instance: &Instance, d: usize, row: &[Option<usize>]) -> Option<(usize, usize)> {
    let doc = &instance.doctors[d];
    let mut seen: Vec<usize> = Vec::new();
    let mut last: Option<usize> = None;
    for (t, s) in row.iter().enumerate() {
        let Some(s) = *s else { continue };
        if last != Some(s) {
            if seen.contains(&s)
                && !doc.visited.contains(&s)
                && !doc.slots.contains(&Slot::Fixed(s))
            {
                return Some((s, t));
            }
            seen.push(s);
        }
        last = Some(s);
    }
    None
}

/// The doctor's best plan for the posts' values; a return to a site that breaks the rules is
/// banned and the doctor planned again.
pub(crate) fn plan_doctor(
    instance: &Instance,
    d: usize,
    values: &[Vec<f64>],
) -> Option<Vec<Option<usize>>> {
    let mut banned = vec![usize::MAX; instance.sites.len()];
    for _ in 0..instance.years.max(1) {
        let (row, _) = best_plan(instance, d, values, &banned)?;
        if check_doctor(instance, d, &row).is_empty() {
            return Some(row);
        }
        // What the programme cannot see: a return to a site (banned, and planned again), or
        // fewer years in the slots than the service owed (no plan helps).
        let (s, t) = first_return(instance, d, &row)?;
        banned[s] = banned[s].min(t);
    }
    None
}

/// The value of a post's wanted year: `coverage × weight`.
pub(crate) fn cover_value(instance: &Instance, s: usize) -> f64 {
    instance.weights.coverage * instance.sites[s].weight
}

/// More than any one doctor's plan can gain: the cost of a doctor beyond a site's posts.
pub(crate) fn overflow_cost(instance: &Instance) -> f64 {
    let w = instance.weights;
    let site = (0..instance.sites.len())
        .map(|s| cover_value(instance, s))
        .fold(0.0, f64::max);
    let pref = instance
        .doctors
        .iter()
        .flat_map(|d| d.preference.iter())
        .fold(0.0f64, |a, p| a.max(p.abs()));
    1.0 + 2.0 * instance.years as f64 * (site + w.preference * pref + w.continuity)
}

/// What a post is worth to a doctor given the others (`counts`, the doctor excluded): the
/// coverage of a wanted year, nothing for a year already covered, minus the overflow cost
/// when the posts are full.
pub(crate) fn values_given(instance: &Instance, counts: &[Vec<u32>], cost: f64) -> Vec<Vec<f64>> {
    instance
        .sites
        .iter()
        .enumerate()
        .map(|(s, site)| {
            (0..instance.years)
                .map(|t| {
                    let here = counts[s][t];
                    if here >= site.capacity[t] {
                        -cost
                    } else if here < site.need[t] {
                        cover_value(instance, s)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

/// Doctors beyond the posts, summed over sites and years.
pub(crate) fn overflow_total(instance: &Instance, counts: &[Vec<u32>]) -> u32 {
    instance
        .sites
        .iter()
        .zip(counts)
        .map(|(site, n)| {
            n.iter()
                .zip(&site.capacity)
                .map(|(h, c)| h.saturating_sub(*c))
                .sum::<u32>()
        })
        .sum()
}

/// The overflowing posts of a plan, with the doctors there.
pub fn overflow(instance: &Instance, plan: &Plan) -> Vec<Overflow> {
    let n = plan.counts(instance);
    let mut out = Vec::new();
    for (s, (site, at)) in instance.sites.iter().zip(&n).enumerate() {
        for (t, (&here, &cap)) in at.iter().zip(&site.capacity).enumerate() {
            if here > cap {
                out.push(Overflow {
                    site: s,
                    year: t,
                    over: here - cap,
                    doctors: (0..plan.sites.len())
                        .filter(|&d| plan.sites[d][t] == Some(s))
                        .collect(),
                });
            }
        }
    }
    out
}

/// The doctors whose rules no plan can meet, even with every post free.
pub fn infeasible_alone(instance: &Instance) -> Vec<Unplanned> {
    let zero = vec![vec![0.0; instance.years]; instance.sites.len()];
    (0..instance.doctors.len())
        .filter(|&d| plan_doctor(instance, d, &zero).is_none())
        .map(|doctor| Unplanned { doctor })
        .collect()
}

/// The search's state: the plan, its counts, and its objective with overflow priced in.
pub(crate) struct Search<'a> {
    pub instance: &'a Instance,
    pub plan: Plan,
    pub counts: Vec<Vec<u32>>,
    pub cost: f64,
    /// When replanning: the rows to keep, and what keeping a year is worth.
    pub keep: Option<Keep>,
    /// No round of search starts after this.
    pub deadline: Option<Instant>,
}

/// The plan being replanned: each year kept as it was is worth `per_year`, more than any
/// year's coverage and wishes, so the search changes a year only when it must.
pub(crate) struct Keep {
    pub rows: Vec<Vec<Option<usize>>>,
    pub per_year: f64,
}

impl Keep {
    fn kept(&self, plan: &Plan) -> usize {
        plan.sites
            .iter()
            .zip(&self.rows)
            .map(|(a, b)| {
                a.iter()
                    .zip(b)
                    .filter(|(x, y)| x.is_some() && x == y)
                    .count()
            })
            .sum()
    }
}

impl<'a> Search<'a> {
    pub fn new(instance: &'a Instance, plan: Plan) -> Search<'a> {
        let counts = plan.counts(instance);
        Search {
            instance,
            plan,
            counts,
            cost: overflow_cost(instance),
            keep: None,
            deadline: None,
        }
    }

    pub fn objective(&self) -> f64 {
        let kept = self
            .keep
            .as_ref()
            .map_or(0.0, |k| k.per_year * k.kept(&self.plan) as f64);
        score_counted(self.instance, &self.plan, &self.counts).total() + kept
            - self.cost * f64::from(overflow_total(self.instance, &self.counts))
    }

    pub fn clear(&mut self, d: usize) {
        remove(&mut self.counts, &self.plan.sites[d]);
        self.plan.sites[d] = vec![None; self.instance.years];
    }

    pub fn set(&mut self, d: usize, row: Vec<Option<usize>>) {
        remove(&mut self.counts, &self.plan.sites[d]);
        add(&mut self.counts, &row);
        self.plan.sites[d] = row;
    }

    /// Plans doctor `d` (cleared) given the others.
    pub fn place(&mut self, d: usize) -> bool {
        let mut values = values_given(self.instance, &self.counts, self.cost);
        if let Some(keep) = &self.keep {
            for (t, s) in keep.rows[d].iter().enumerate() {
                if let Some(s) = *s
                    && let Some(v) = values.get_mut(s).and_then(|v| v.get_mut(t))
                {
                    *v += keep.per_year;
                }
            }
        }
        match plan_doctor(self.instance, d, &values) {
            Some(row) => {
                self.set(d, row);
                true
            }
            None => false,
        }
    }

    /// Rounds of large-neighbourhood search over the `movable` doctors (sorted); returns how
    /// many improved the objective.
    pub fn improve(&mut self, movable: &[usize], limits: &Limits) -> usize {
        if movable.is_empty() {
            return 0;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(limits.seed);
        let mut current = self.objective();
        let mut improvements = 0;
        let k = limits.freed.clamp(1, movable.len());
        for _ in 0..limits.rounds {
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let freed = self.neighbourhood(movable, k, &mut rng);
            let saved: Vec<(usize, Vec<Option<usize>>)> = freed
                .iter()
                .map(|&d| (d, self.plan.sites[d].clone()))
                .collect();
            for &d in &freed {
                self.clear(d);
            }
            let mut ok = true;
            for &d in &freed {
                if !self.place(d) {
                    ok = false;
                    break;
                }
            }
            let next = if ok {
                self.objective()
            } else {
                f64::NEG_INFINITY
            };
            if next >= current - 1e-9 {
                if next > current + 1e-9 {
                    improvements += 1;
                }
                current = next;
            } else {
                for (d, row) in saved {
                    self.set(d, row);
                }
            }
        }
        improvements
    }

    /// Doctors to free together: those at an overflowing post; or those who could cover an
    /// unmet need (free that year, the site in their programme); or a doctor and others who
    /// share their posts; topped up at random. In a random order.
    fn neighbourhood(&self, movable: &[usize], k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let instance = self.instance;
        let n = &self.counts;
        let mut freed: Vec<usize> = Vec::with_capacity(k);
        let push = |freed: &mut Vec<usize>, d: usize| {
            if freed.len() < k && !freed.contains(&d) && movable.binary_search(&d).is_ok() {
                freed.push(d);
            }
        };
        let over: Vec<(usize, usize)> = (0..instance.sites.len())
            .flat_map(|s| (0..instance.years).map(move |t| (s, t)))
            .filter(|&(s, t)| n[s][t] > instance.sites[s].capacity[t])
            .collect();
        let kind = rng.random_range(0..3);
        if let Some(&(s, t)) = over.choose(rng) {
            for &d in movable {
                if self.plan.sites[d][t] == Some(s) {
                    push(&mut freed, d);
                }
            }
        } else if kind == 0 {
            let short: Vec<(usize, usize)> = (0..instance.sites.len())
                .flat_map(|s| (0..instance.years).map(move |t| (s, t)))
                .filter(|&(s, t)| {
                    n[s][t] < instance.sites[s].need[t] && n[s][t] < instance.sites[s].capacity[t]
                })
                .collect();
            if let Some(&(s, t)) = short.choose(rng) {
                let mut able: Vec<usize> = movable
                    .iter()
                    .copied()
                    .filter(|&d| {
                        let doc = &instance.doctors[d];
                        doc.slots[t] == Slot::Free && instance.programmes[doc.programme].allowed[s]
                    })
                    .collect();
                able.shuffle(rng);
                for d in able {
                    push(&mut freed, d);
                }
            }
        } else {
            let pivot = movable[rng.random_range(0..movable.len())];
            push(&mut freed, pivot);
            let mut sharing: Vec<usize> = movable
                .iter()
                .copied()
                .filter(|&d| {
                    d != pivot
                        && self.plan.sites[d]
                            .iter()
                            .zip(&self.plan.sites[pivot])
                            .any(|(a, b)| a.is_some() && a == b)
                })
                .collect();
            sharing.shuffle(rng);
            for d in sharing {
                push(&mut freed, d);
            }
        }
        while freed.len() < k {
            push(&mut freed, movable[rng.random_range(0..movable.len())]);
        }
        freed.shuffle(rng);
        freed
    }
}

/// Plans the cohort.
pub fn solve(instance: &Instance, limits: &Limits) -> Solved {
    let started = Instant::now();
    let deadline = limits.deadline(started);
    let nd = instance.doctors.len();
    let unplanned = infeasible_alone(instance);
    let planned: Vec<usize> = (0..nd)
        .filter(|d| !unplanned.iter().any(|u| u.doctor == *d))
        .collect();
    // Fixed years stay, whoever is planned: they are decisions already taken.
    let mut first = Plan {
        sites: vec![vec![None; instance.years]; nd],
    };
    for u in &unplanned {
        first.sites[u.doctor] = instance.fixed_row(u.doctor);
    }
    let mut search = Search::new(instance, first);
    search.deadline = deadline;
    // Most constrained first: the most designated years owed, then the fewest free years.
    let free = |d: usize| {
        instance.doctors[d]
            .slots
            .iter()
            .filter(|s| **s == Slot::Free)
            .count()
    };
    let mut order = planned.clone();
    order.sort_by_key(|&d| {
        (
            std::cmp::Reverse(instance.doctors[d].designated_owed),
            free(d),
            d,
        )
    });
    // Fixed years first, so that everyone's plan sees them.
    for &d in &order {
        let fixed: Vec<Option<usize>> = instance.fixed_row(d);
        search.set(d, fixed);
    }
    for &d in &order {
        search.clear(d);
        let placed = search.place(d);
        debug_assert!(placed, "a doctor feasible alone is always planned");
    }
    let mut bound = None;
    if limits.bound_iterations > 0 && !planned.is_empty() {
        let mut master = Master::new(instance, &planned, &search.plan.sites);
        // The first plan's rows come first in the pool: the annealing starts from them.
        for (k, &d) in planned.iter().enumerate() {
            master.add(k, search.plan.sites[d].clone());
        }
        // The time limit's shares: two fifths at most for the relaxation, a fifth for the
        // dive, a quarter for the annealing, the rest for the search.
        let by = |share: f64| limits.time_limit.map(|t| started + t.mul_f64(share));
        if master
            .generate(limits.bound_iterations, 1e-4, limits.threads, by(0.4))
            .is_some()
        {
            // A plan from the relaxation by diving (its pricing may lower the bound too),
            // then annealing over the pool from it, or from the first plan when the dive
            // ends beyond the posts and the annealing finds nothing better.
            let dived = master.dive(limits.threads, by(0.6));
            bound = Some(master.bound);
            let current = search.objective();
            let found = anneal(&master, &dived, limits.moves, limits.seed, by(0.85));
            if let Some((pick, value)) = found
                && value > current + 1e-9
            {
                for (k, &d) in planned.iter().enumerate() {
                    search.set(d, master.columns[k][pick[k]].row.clone());
                }
            }
        }
    }
    let improvements = search.improve(&planned, limits);
    finish(
        instance,
        search.plan,
        &planned,
        unplanned,
        improvements,
        limits,
        Some(None),
        bound,
    )
}

/// The plan's figures: exact search when `exact` is given and the cohort small enough (with
/// the replanned rows to keep, if any), the bound (`bound` when already known) and the gap,
/// the overflowing posts.
#[allow(clippy::too_many_arguments)] // the figures of a solve, each from its own phase
pub(crate) fn finish(
    instance: &Instance,
    mut plan: Plan,
    planned: &[usize],
    unplanned: Vec<Unplanned>,
    improvements: usize,
    limits: &Limits,
    exact: Option<Option<&Keep>>,
    bound: Option<f64>,
) -> Solved {
    let mut proven = false;
    if let Some(keep) = exact
        && let Some(best) = crate::exact::solve(instance, planned, &plan, limits.exact_nodes, keep)
    {
        plan = best;
        proven = true;
    }
    let score = score(instance, &plan);
    let overflow = overflow(instance, &plan);
    let bound = bound.or_else(|| {
        (limits.bound_iterations > 0 && !planned.is_empty())
            .then(|| crate::master::bound(instance, planned, &plan, limits))
            .flatten()
    });
    let bound = if proven { Some(score.total()) } else { bound };
    let gap = bound.map(|b| relative_gap(b, score.total()));
    let proven = proven || (overflow.is_empty() && gap.is_some_and(|g| g <= 1e-9));
    Solved {
        plan,
        score,
        bound,
        gap,
        proven,
        unplanned,
        overflow,
        improvements,
    }
}

/// `(bound − value) / |bound|`, 0 when both are 0, never below 0.
pub fn relative_gap(bound: f64, value: f64) -> f64 {
    if bound.abs() < 1e-12 {
        return if value >= bound - 1e-12 { 0.0 } else { 1.0 };
    }
    ((bound - value) / bound.abs()).max(0.0)
}
