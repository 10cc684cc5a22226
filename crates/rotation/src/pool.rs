//! The integer plan from the pool of columns: each doctor takes one of their columns
//! ([`crate::master`]), and simulated annealing moves one doctor at a time to another of
//! theirs. A move touches only the posts of two rows, so it costs a few additions and
//! millions can be tried in the time one round of the dynamic programme takes. Capacities
//! are soft while annealing (a doctor beyond the posts costs more than any move can gain);
//! the best plan within the posts is kept.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

use crate::master::Master;

/// The annealing's state: each planned doctor's column and the posts' counts.
struct State<'m, 'a> {
    master: &'m Master<'a>,
    pick: Vec<usize>,
    counts: Vec<u32>,
    /// The cost of a doctor beyond a post's capacity.
    cost: f64,
    /// Doctors beyond the posts, summed.
    over: u32,
}

impl State<'_, '_> {
    /// The change in the objective when doctor `k` leaves post `p` (applied).
    fn leave(&mut self, p: usize) -> f64 {
        let m = self.master;
        let n = self.counts[p];
        self.counts[p] = n - 1;
        let mut delta = 0.0;
        if f64::from(n) <= m.need[p] {
            delta -= m.worth[p];
        }
        if f64::from(n) > m.cap[p] {
            delta += self.cost;
            self.over -= 1;
        }
        delta
    }

    fn join(&mut self, p: usize) -> f64 {
        let m = self.master;
        let n = self.counts[p];
        self.counts[p] = n + 1;
        let mut delta = 0.0;
        if f64::from(n) < m.need[p] {
            delta += m.worth[p];
        }
        if f64::from(n) >= m.cap[p] {
            delta -= self.cost;
            self.over += 1;
        }
        delta
    }

    /// Moves doctor `k` to column `b`; returns the change in the (penalised) objective.
    fn switch(&mut self, k: usize, b: usize) -> f64 {
        let cols = &self.master.columns[k];
        let a = self.pick[k];
        let mut delta = cols[b].own - cols[a].own;
        for &p in &cols[a].posts {
            delta += self.leave(p as usize);
        }
        for &p in &cols[b].posts {
            delta += self.join(p as usize);
        }
        self.pick[k] = b;
        delta
    }
}

/// The best choice of columns found by `moves` annealing moves (fewer when `deadline`
/// passes) from `start` (a column per
/// planned doctor), with its objective; `None` when no choice seen fits the posts. The
/// temperature falls geometrically from a fiftieth of the worthiest post's worth: the start
/// (a dive into the relaxation) is close, and only needs its posts made to fit and polished.
pub(crate) fn anneal(
    master: &Master,
    start: &[usize],
    moves: u64,
    seed: u64,
    deadline: Option<Instant>,
) -> Option<(Vec<usize>, f64)> {
    let scale = master.worth.iter().copied().fold(0.0, f64::max).max(1e-3);
    let mut state = State {
        master,
        pick: start.to_vec(),
        counts: vec![0; master.worth.len()],
        cost: 2.0 * scale + 1.0,
        over: 0,
    };
    let mut value = master.constant;
    for (k, &c) in start.iter().enumerate() {
        let col = &master.columns[k][c];
        value += col.own;
        for &p in &col.posts {
            value += state.join(p as usize);
        }
    }
    let mut best = (state.over == 0).then(|| (state.pick.clone(), value));
    let movable: Vec<usize> = (0..start.len())
        .filter(|&k| master.columns[k].len() > 1)
        .collect();
    if movable.is_empty() || moves == 0 {
        return best;
    }
    // A few thousand tries per column are plenty: small pools stop early.
    let columns: usize = movable.iter().map(|&k| master.columns[k].len()).sum();
    let moves = moves.min(2_000 * columns as u64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let hot = 0.02 * scale;
    let cold = 1e-3 * scale;
    let mut temperature = hot;
    let cool = (cold / hot).powf(1.0 / moves as f64);
    for m in 0..moves {
        if m % (1 << 20) == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        temperature *= cool;
        let k = movable[rng.random_range(0..movable.len())];
        let a = state.pick[k];
        let mut b = rng.random_range(0..master.columns[k].len() - 1);
        if b >= a {
            b += 1;
        }
        let delta = state.switch(k, b);
        if delta >= 0.0 || rng.random::<f64>() < (delta / temperature).exp() {
            value += delta;
            if state.over == 0 && best.as_ref().is_none_or(|(_, v)| value > *v + 1e-9) {
                best = Some((state.pick.clone(), value));
            }
        } else {
            state.switch(k, a);
        }
    }
    best
}
