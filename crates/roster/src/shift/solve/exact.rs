//! Exhaustive search for tiny instances: every feasible row of every employee, then every
//! combination of rows. Proves optimality (or infeasibility) when it applies.

use super::ctx::{Ctx, OFF};

/// The outcome of an exhaustive search.
pub(crate) enum Exact {
    /// Optimal rows.
    Optimal(Vec<u16>),
    /// No roster keeps every hard rule.
    Infeasible,
}

/// Enumerates when at most `max_rows` rows per employee and `max_combos` combinations
/// need to be looked at; `None` when the instance is too large.
pub(crate) fn exact(ctx: &Ctx, max_rows: u64, max_combos: u64) -> Option<Exact> {
    let (ne, nd, ns) = (ctx.ne, ctx.nd, ctx.ns);
    let mut rows_of: Vec<Vec<(i64, Vec<u16>)>> = Vec::with_capacity(ne);
    let mut combos = 1u64;
    let mut scratch = Vec::new();
    for e in 0..ne {
        let mut total = 1u64;
        for d in 0..nd {
            total = total.saturating_mul(ctx.options[e * nd + d].len() as u64 + 1);
        }
        if total > max_rows {
            return None;
        }
        let mut rows = Vec::new();
        let mut pick = vec![0usize; nd];
        let mut row = vec![OFF; nd];
        'enumerate: loop {
            for d in 0..nd {
                row[d] = if pick[d] == 0 {
                    OFF
                } else {
                    ctx.options[e * nd + d][pick[d] - 1]
                };
            }
            if ctx.row_ok(e, &row, &mut scratch) {
                rows.push((ctx.row_cost(e, &row), row.clone()));
            }
            for (d, p) in pick.iter_mut().enumerate() {
                *p += 1;
                if *p <= ctx.options[e * nd + d].len() {
                    continue 'enumerate;
                }
                *p = 0;
            }
            break;
        }
        if rows.is_empty() {
            return Some(Exact::Infeasible);
        }
        combos = combos.saturating_mul(rows.len() as u64);
        if combos > max_combos {
            return None;
        }
        rows_of.push(rows);
    }
    let mut count = vec![0i64; nd * ns];
    let mut choice = vec![0usize; ne];
    let mut best: Option<(i64, Vec<usize>)> = None;
    descend(ctx, &rows_of, 0, 0, &mut count, &mut choice, &mut best);
    let (_, choice) = match best {
        Some(b) => b,
        None => return Some(Exact::Infeasible),
    };
    let mut out = Vec::with_capacity(ne * nd);
    for (e, &c) in choice.iter().enumerate() {
        out.extend_from_slice(&rows_of[e][c].1);
    }
    Some(Exact::Optimal(out))
}

fn descend(
    ctx: &Ctx,
    rows_of: &[Vec<(i64, Vec<u16>)>],
    e: usize,
    cost: i64,
    count: &mut [i64],
    choice: &mut [usize],
    best: &mut Option<(i64, Vec<usize>)>,
) {
    let ns = ctx.ns;
    if e == rows_of.len() {
        let mut total = ctx.constant + cost;
        for (ds, &n) in count.iter().enumerate() {
            total += ctx.cover_cost(ds, n);
        }
        if best.as_ref().is_none_or(|(b, _)| total < *b) {
            *best = Some((total, choice.to_vec()));
        }
        return;
    }
    for (i, (c, row)) in rows_of[e].iter().enumerate() {
        let mut fits = true;
        for (d, &s) in row.iter().enumerate() {
            if s != OFF {
                let ds = d * ns + s as usize;
                count[ds] += 1;
                fits &= count[ds] <= i64::from(ctx.cover_max[ds]);
            }
        }
        if fits {
            choice[e] = i;
            descend(ctx, rows_of, e + 1, cost + c, count, choice, best);
        }
        for (d, &s) in row.iter().enumerate() {
            if s != OFF {
                count[d * ns + s as usize] -= 1;
            }
        }
    }
}
