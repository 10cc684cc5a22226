//! One doctor's best plan with everyone else's fixed: a dynamic programme over the years
//! whose state is what the rules need to know — the current site and how long the doctor has
//! been there, how many sites and which groups the rotation has covered, the years of
//! accredited training and of designated service so far. Exact for the rules, except that a
//! site may be returned to after leaving it (counted as a new site); the caller repairs that
//! by banning the return ([`best_plan`] with `banned`).

use crate::instance::{Instance, Slot};

/// What the rest of the cohort leaves for the doctor: doctors already at each site and year
/// (`others[s][t]`, the doctor excluded).
pub type Others = [Vec<u32>];

/// The doctor's best plan and its value (coverage, preference and continuity of this
/// doctor's planned years), or `None` when no plan keeps the rules. `banned[s]`: the first
/// year from which site `s` may not be planned (`usize::MAX`: never banned).
pub fn best_plan(
    instance: &Instance,
    d: usize,
    others: &Others,
    banned: &[usize],
) -> Option<(Vec<Option<usize>>, f64)> {
    let doc = &instance.doctors[d];
    let prog = &instance.programmes[doc.programme];
    let w = instance.weights;
    let years = instance.years;
    // The sites the doctor may be at: the programme's, and the fixed ones.
    let mut local: Vec<usize> = (0..instance.sites.len())
        .filter(|&s| prog.allowed[s])
        .collect();
    for slot in &doc.slots {
        if let Slot::Fixed(s) = slot
            && !local.contains(s)
        {
            local.push(*s);
        }
    }
    let ns = local.len();
    let mut known = vec![false; instance.sites.len()];
    for &s in &doc.visited {
        known[s] = true;
    }
    for slot in &doc.slots {
        if let Slot::Fixed(s) = slot {
            known[*s] = true;
        }
    }
    // Group rules as a mixed-radix counter, each count capped at its minimum.
    let group_min: Vec<(crate::instance::Group, u32)> =
        prog.groups.iter().map(|g| (g.group, g.min_sites)).collect();
    let radix: Vec<usize> = group_min.iter().map(|(_, m)| *m as usize + 1).collect();
    let n_g: usize = radix.iter().product();
    let add_group = |g: usize, s: usize| -> usize {
        let mut out = 0;
        let mut rest = g;
        let mut scale = 1;
        for (i, &(group, m)) in group_min.iter().enumerate() {
            let c = rest % radix[i];
            rest /= radix[i];
            let c = if instance.sites[s].group == group {
                (c + 1).min(m as usize)
            } else {
                c
            };
            out += c * scale;
            scale *= radix[i];
        }
        out
    };
    let full_g: usize = {
        let mut out = 0;
        let mut scale = 1;
        for (i, &(_, m)) in group_min.iter().enumerate() {
            out += m as usize * scale;
            scale *= radix[i];
        }
        out
    };
    let k_max = prog.min_sites as usize;
    let t_need = prog.training_years.saturating_sub(doc.trained_years) as usize;
    let d_max = doc.max_designated as usize;
    let m = prog.min_years_per_site.max(1) as usize;
    // The known sites count from the start.
    let mut k0 = 0;
    let mut g0 = 0;
    for (s, &is) in known.iter().enumerate() {
        if is {
            k0 += 1;
            g0 = add_group(g0, s);
        }
    }
    let k0 = k0.min(k_max);

    // State index: cur (ns = none) × run (0..=m) × planned (0/1) × k × g × train × des.
    let dims = [ns + 1, m + 1, 2, k_max + 1, n_g, t_need + 1, d_max + 1];
    let size: usize = dims.iter().product();
    let index = |c: usize, run: usize, p: usize, k: usize, g: usize, tr: usize, de: usize| {
        ((((((c * dims[1] + run) * 2 + p) * dims[3] + k) * dims[4] + g) * dims[5] + tr) * dims[6])
            + de
    };
    let decode = |mut i: usize| {
        let de = i % dims[6];
        i /= dims[6];
        let tr = i % dims[5];
        i /= dims[5];
        let g = i % dims[4];
        i /= dims[4];
        let k = i % dims[3];
        i /= dims[3];
        let p = i % 2;
        i /= 2;
        let run = i % dims[1];
        let c = i / dims[1];
        (c, run, p, k, g, tr, de)
    };
    const NONE: u32 = u32::MAX;
    let mut value = vec![f64::NEG_INFINITY; size];
    value[index(ns, m, 0, k0, g0, 0, 0)] = 0.0;
    // parent[t][state] = (previous state, site chosen or NONE)
    let mut parents: Vec<Vec<(u32, u32)>> = Vec::with_capacity(years);
    let by_training = instance.training_by(d);
    let deadline = instance.deadline(d);
    #[allow(clippy::needless_range_loop)] // t indexes the slots, the others and the deadlines
    for t in 0..years {
        let mut next = vec![f64::NEG_INFINITY; size];
        let mut parent = vec![(NONE, NONE); size];
        let mut put = |next: &mut Vec<f64>, i: usize, v: f64, from: usize, site: u32| {
            if v > next[i] {
                next[i] = v;
                parent[i] = (from as u32, site);
            }
        };
        let bump = |s: usize, tr: usize, de: usize| -> Option<(usize, usize)> {
            let tr = if t <= by_training && prog.accredited[s] {
                (tr + 1).min(t_need)
            } else {
                tr
            };
            let de = de + usize::from(instance.sites[s].designated);
            (de <= d_max).then_some((tr, de))
        };
        let site_year_before = t > 0 && matches!(doc.slots[t - 1], Slot::Free | Slot::Fixed(_));
        let start_run = |t: usize| if t == 0 { m } else { 1 };
        match doc.slots[t] {
            Slot::Leave | Slot::Away => {
                for (i, &v) in value.iter().enumerate() {
                    if v > f64::NEG_INFINITY {
                        put(&mut next, i, v, i, NONE);
                    }
                }
            }
            Slot::Fixed(s) => {
                let ls = local.iter().position(|&x| x == s).unwrap_or(ns);
                for (i, &v) in value.iter().enumerate() {
                    if v == f64::NEG_INFINITY {
                        continue;
                    }
                    let (c, run, p, k, g, tr, de) = decode(i);
                    let Some((tr2, de2)) = bump(s, tr, de) else {
                        continue;
                    };
                    let bonus = if c == ls && site_year_before {
                        w.continuity
                    } else {
                        0.0
                    };
                    let j = if c == ls {
                        index(c, (run + 1).min(m), p, k, g, tr2, de2)
                    } else if c == ns || run >= m || p == 0 {
                        index(ls, start_run(t), 0, k, g, tr2, de2)
                    } else {
                        continue;
                    };
                    put(&mut next, j, v + bonus, i, s as u32);
                }
            }
            Slot::Free => {
                let gain = |s: usize| -> Option<f64> {
                    let site = &instance.sites[s];
                    let here = others[s][t];
                    if here >= site.capacity[t] || t >= banned.get(s).copied().unwrap_or(usize::MAX)
                    {
                        return None;
                    }
                    let cover = if here < site.need[t] {
                        w.coverage * site.weight
                    } else {
                        0.0
                    };
                    Some(cover + w.preference * doc.preference[s])
                };
                let gains: Vec<Option<f64>> = local
                    .iter()
                    .map(|&s| prog.allowed[s].then(|| gain(s)).flatten())
                    .collect();
                // Moves: the best two sources (of different sites) per key (k, g, tr, de)
                // among states that may leave their site.
                let keys = dims[3] * dims[4] * dims[5] * dims[6];
                let mut best: Vec<[(f64, usize, usize); 2]> =
                    vec![[(f64::NEG_INFINITY, 0, usize::MAX); 2]; keys];
                for (i, &v) in value.iter().enumerate() {
                    if v == f64::NEG_INFINITY {
                        continue;
                    }
                    let (c, run, p, k, g, tr, de) = decode(i);
                    // Stay.
                    if c < ns
                        && let Some(gv) = gains[c]
                        && let Some((tr2, de2)) = bump(local[c], tr, de)
                    {
                        let bonus = if site_year_before { w.continuity } else { 0.0 };
                        let j = index(c, (run + 1).min(m), 1, k, g, tr2, de2);
                        put(&mut next, j, v + gv + bonus, i, local[c] as u32);
                    }
                    if c == ns || run >= m || p == 0 {
                        let key = ((k * dims[4] + g) * dims[5] + tr) * dims[6] + de;
                        let b = &mut best[key];
                        if v > b[0].0 {
                            if b[0].2 != c {
                                b[1] = b[0];
                            }
                            b[0] = (v, i, c);
                        } else if v > b[1].0 && b[0].2 != c {
                            b[1] = (v, i, c);
                        }
                    }
                }
                for (key, b) in best.iter().enumerate() {
                    if b[0].0 == f64::NEG_INFINITY {
                        continue;
                    }
                    let de = key % dims[6];
                    let tr = (key / dims[6]) % dims[5];
                    let g = (key / (dims[6] * dims[5])) % dims[4];
                    let k = key / (dims[6] * dims[5] * dims[4]);
                    for (ls, gv) in gains.iter().enumerate() {
                        let Some(gv) = gv else { continue };
                        let src = if b[0].2 != ls {
                            b[0]
                        } else if b[1].0 > f64::NEG_INFINITY {
                            b[1]
                        } else {
                            continue;
                        };
                        let s = local[ls];
                        let Some((tr2, de2)) = bump(s, tr, de) else {
                            continue;
                        };
                        let (k2, g2) = if known[s] {
                            (k, g)
                        } else {
                            ((k + 1).min(k_max), add_group(g, s))
                        };
                        let j = index(ls, start_run(t), 1, k2, g2, tr2, de2);
                        put(&mut next, j, src.0 + gv, src.1, s as u32);
                    }
                }
            }
        }
        // Deadlines: designated service by the obligation's, training by the exam.
        if t == deadline || t == by_training {
            for (i, v) in next.iter_mut().enumerate() {
                let (_, _, _, _, _, tr, de) = decode(i);
                let late_designated = t == deadline && (de as u32) < doc.designated_owed;
                let late_training = t == by_training && tr < t_need;
                if late_designated || late_training {
                    *v = f64::NEG_INFINITY;
                }
            }
        }
        parents.push(parent);
        value = next;
    }
    // The best final state that covers the sites and groups, whose last stint is long
    // enough when the obligation ends within the horizon (away years after it).
    let last_site_year = doc
        .slots
        .iter()
        .rposition(|s| matches!(s, Slot::Free | Slot::Fixed(_)));
    let closed = last_site_year.is_some_and(|l| doc.slots[l + 1..].contains(&Slot::Away));
    let (mut state, total) = value
        .iter()
        .enumerate()
        .filter(|(i, v)| {
            let (_, run, p, k, g, _, _) = decode(*i);
            **v > f64::NEG_INFINITY && k >= k_max && g == full_g && (!closed || run >= m || p == 0)
        })
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, v)| (i, *v))?;
    let mut row = vec![None; years];
    for t in (0..years).rev() {
        let (from, site) = parents[t][state];
        if site != NONE {
            row[t] = Some(site as usize);
        }
        state = from as usize;
    }
    Some((row, total))
}
