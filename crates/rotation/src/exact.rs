//! Small cohorts solved exactly: every plan of every doctor that the checker accepts is
//! listed, then a branch and bound over the doctors finds the best combination within the
//! posts. Gives up (returns `None`) when a doctor has too many plans or the search visits
//! more nodes than allowed; the heuristic's plan then stands.

use crate::instance::{Instance, Slot};
use crate::plan::{Plan, check_doctor};
use crate::solve::{Keep, cover_value};

/// The most plans listed for one doctor.
const MAX_ROWS: usize = 20_000;

/// Every row of doctor `d` that keeps their rules, or `None` past [`MAX_ROWS`].
pub fn rows(instance: &Instance, d: usize) -> Option<Vec<Vec<Option<usize>>>> {
    let doc = &instance.doctors[d];
    let prog = &instance.programmes[doc.programme];
    let choices: Vec<Vec<Option<usize>>> = doc
        .slots
        .iter()
        .map(|slot| match slot {
            Slot::Fixed(s) => vec![Some(*s)],
            Slot::Leave | Slot::Away => vec![None],
            Slot::Free => (0..instance.sites.len())
                .filter(|&s| prog.allowed[s])
                .map(Some)
                .collect(),
        })
        .collect();
    let combos = choices
        .iter()
        .try_fold(1usize, |acc, c| acc.checked_mul(c.len()))?;
    if combos > MAX_ROWS * 50 {
        return None;
    }
    let mut out = Vec::new();
    let mut row = vec![None; instance.years];
    let mut stack = vec![0usize; instance.years];
    // Odometer over the choices.
    if choices.iter().any(Vec::is_empty) {
        return Some(out);
    }
    loop {
        for (t, c) in choices.iter().enumerate() {
            row[t] = c[stack[t]];
        }
        if check_doctor(instance, d, &row).is_empty() {
            out.push(row.clone());
            if out.len() > MAX_ROWS {
                return None;
            }
        }
        let mut t = 0;
        loop {
            if t == instance.years {
                return Some(out);
            }
            stack[t] += 1;
            if stack[t] < choices[t].len() {
                break;
            }
            stack[t] = 0;
            t += 1;
        }
    }
}

/// A doctor's own part of the objective for a row: preference and continuity, and when
/// replanning the worth of the years kept.
fn own(instance: &Instance, d: usize, row: &[Option<usize>], keep: Option<&Keep>) -> f64 {
    let w = instance.weights;
    let doc = &instance.doctors[d];
    let kept = keep.map_or(0.0, |k| {
        let same = row
            .iter()
            .zip(&k.rows[d])
            .filter(|(a, b)| a.is_some() && a == b)
            .count();
        k.per_year * same as f64
    });
    kept + row
        .iter()
        .enumerate()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .map(|(t, s)| {
            let stay = t > 0 && row[t - 1] == Some(s);
            w.preference * doc.preference[s] + if stay { w.continuity } else { 0.0 }
        })
        .sum::<f64>()
}

/// The most a row can be worth: its own value and the coverage of every wanted year in it.
fn optimistic(instance: &Instance, row: &[Option<usize>], own: f64) -> f64 {
    own + row
        .iter()
        .enumerate()
        .filter_map(|(t, s)| s.filter(|s| instance.sites[*s].need[t] > 0))
        .map(|s| cover_value(instance, s))
        .sum::<f64>()
}

/// The coverage a row adds to the counts, or `None` when it needs a post that is full.
fn cover_within(instance: &Instance, counts: &[Vec<u32>], row: &[Option<usize>]) -> Option<f64> {
    let mut cover = 0.0;
    for (t, s) in row.iter().enumerate() {
        if let Some(s) = *s {
            let site = &instance.sites[s];
            if counts[s][t] >= site.capacity[t] {
                return None;
            }
            if counts[s][t] < site.need[t] {
                cover += cover_value(instance, s);
            }
        }
    }
    Some(cover)
}

/// A doctor's rows that keep their rules, each with its own value.
type Rows = Vec<(Vec<Option<usize>>, f64)>;

struct Node<'a> {
    instance: &'a Instance,
    doctors: &'a [usize],
    rows: &'a [Rows],
    /// The best any remaining doctors can add, from position `i` on.
    rest: Vec<f64>,
    /// The best the remaining doctors can add for themselves alone (preference, continuity).
    rest_own: Vec<f64>,
    /// The worth of the wanted years not yet covered.
    uncovered: f64,
    counts: Vec<Vec<u32>>,
    chosen: Vec<usize>,
    best: f64,
    best_chosen: Option<Vec<usize>>,
    nodes: u64,
    limit: u64,
}

impl Node<'_> {
    fn search(&mut self, i: usize, value: f64) -> bool {
        self.nodes += 1;
        if self.nodes > self.limit {
            return false;
        }
        if i == self.doctors.len() {
            if value > self.best + 1e-12 {
                self.best = value;
                self.best_chosen = Some(self.chosen.clone());
            }
            return true;
        }
        let optimistic = self.rest[i].min(self.rest_own[i] + self.uncovered);
        if value + optimistic <= self.best + 1e-12 {
            return true;
        }
        for r in 0..self.rows[i].len() {
            let (row, own) = &self.rows[i][r];
            let Some(cover) = cover_within(self.instance, &self.counts, row) else {
                continue;
            };
            crate::solve::add(&mut self.counts, row);
            self.chosen.push(r);
            self.uncovered -= cover;
            let ok = self.search(i + 1, value + own + cover);
            self.uncovered += cover;
            self.chosen.pop();
            crate::solve::remove(&mut self.counts, row);
            if !ok {
                return false;
            }
        }
        true
    }
}

/// The best plan of the `planned` doctors within the posts (the others keep their rows of
/// `start`), or `None` when the search is too large or no combination fits the posts.
/// When replanning, `keep` adds the worth of each year kept.
pub(crate) fn solve(
    instance: &Instance,
    planned: &[usize],
    start: &Plan,
    limit: u64,
    keep: Option<&Keep>,
) -> Option<Plan> {
    if limit == 0 || planned.is_empty() {
        return None;
    }
    let mut lists = Vec::with_capacity(planned.len());
    for &d in planned {
        let mut list: Rows = rows(instance, d)?
            .into_iter()
            .map(|r| {
                let v = own(instance, d, &r, keep);
                (r, v)
            })
            .collect();
        // Most promising first.
        list.sort_by(|a, b| {
            optimistic(instance, &b.0, b.1).total_cmp(&optimistic(instance, &a.0, a.1))
        });
        lists.push(list);
    }
    // The product of the lists' lengths is what an exhaustive search would visit.
    let mut rest = vec![0.0; planned.len() + 1];
    for i in (0..planned.len()).rev() {
        let top = lists[i]
            .iter()
            .map(|(r, v)| optimistic(instance, r, *v))
            .fold(f64::NEG_INFINITY, f64::max);
        rest[i] = rest[i + 1] + top;
    }
    let mut rest_own = vec![0.0; planned.len() + 1];
    for i in (0..planned.len()).rev() {
        let top = lists[i]
            .iter()
            .map(|(_, v)| *v)
            .fold(f64::NEG_INFINITY, f64::max);
        rest_own[i] = rest_own[i + 1] + top;
    }
    let mut counts = vec![vec![0u32; instance.years]; instance.sites.len()];
    let mut base = Plan {
        sites: vec![vec![None; instance.years]; instance.doctors.len()],
    };
    for (d, row) in start.sites.iter().enumerate() {
        if !planned.contains(&d) {
            base.sites[d] = row.clone();
            crate::solve::add(&mut counts, row);
        }
    }
    let uncovered: f64 = (0..instance.sites.len())
        .map(|s| {
            let site = &instance.sites[s];
            (0..instance.years)
                .map(|t| f64::from(site.need[t].saturating_sub(counts[s][t])))
                .sum::<f64>()
                * cover_value(instance, s)
        })
        .sum();
    // The start's value on the searched part (gains measured against the others' counts, as
    // the search measures them), when it fits the posts: the search must beat it.
    let start_value = {
        let mut n = counts.clone();
        let mut value = 0.0;
        let mut fits = true;
        for &d in planned {
            let row = &start.sites[d];
            value += own(instance, d, row, keep);
            match cover_within(instance, &n, row) {
                Some(cover) => value += cover,
                None => fits = false,
            }
            crate::solve::add(&mut n, row);
        }
        let keeps = planned
            .iter()
            .all(|&d| check_doctor(instance, d, &start.sites[d]).is_empty());
        (fits && keeps).then_some(value)
    };
    let mut node = Node {
        instance,
        doctors: planned,
        rows: &lists,
        rest,
        rest_own,
        uncovered,
        counts,
        chosen: Vec::new(),
        best: start_value.map_or(f64::NEG_INFINITY, |v| v + 1e-9),
        best_chosen: None,
        nodes: 0,
        limit,
    };
    if !node.search(0, 0.0) {
        return None;
    }
    let Some(chosen) = node.best_chosen else {
        // Nothing beats the start: it is the best there is (or nothing fits at all).
        return start_value.map(|_| start.clone());
    };
    for (i, &d) in planned.iter().enumerate() {
        base.sites[d] = lists[i][chosen[i]].0.clone();
    }
    Some(base)
}
