//! The solver's precomputed, read-only view of an instance: dense cell costs and
//! permissions, cover cost functions, succession matrices and per-employee limits.

use std::collections::HashMap;

use crate::shift::model::Instance;

/// A day off in the solver's compact rows.
pub(crate) const OFF: u16 = u16::MAX;

/// Succession matrices shared by the employees with the same personal successions.
pub(crate) struct Successions {
    /// `gap1[a * ns + b]`: `b` may not follow `a` on the next day.
    pub gap1: Vec<bool>,
    /// `gap2[a * ns + b]`: `b` may not be worked two days after `a`.
    pub gap2: Vec<bool>,
    pub has_gap2: bool,
    /// Shifts with identical successor rows share a class (the DP keys on classes).
    pub class_of: Vec<u16>,
    /// A representative shift per class.
    pub class_rep: Vec<u16>,
}

/// A cap on minutes over a subset of shifts.
pub(crate) struct Limit {
    pub member: Vec<bool>,
    pub max: u64,
}

/// One employee's hard limits, in solver form.
pub(crate) struct Emp {
    /// Most consecutive days worked (`u32::MAX`: not binding within the horizon).
    pub max_cons: u32,
    pub min_cons: u32,
    pub min_off: u32,
    pub max_weekends: u32,
    pub lo: u64,
    pub hi: u64,
    pub caps: Vec<u32>,
    pub limits: Vec<Limit>,
    pub succ: usize,
}

pub(crate) struct Ctx {
    pub ne: usize,
    pub nd: usize,
    pub ns: usize,
    pub len: Vec<u64>,
    /// `(e * nd + d) * ns + s`: the cell may be worked (days off, unavailable, zero caps…).
    pub allowed: Vec<bool>,
    /// Same index: cost of working the cell, cover aside (requests, assignment costs).
    pub cell: Vec<i64>,
    /// `e * nd + d`: the shifts the employee may work that day.
    pub options: Vec<Vec<u16>>,
    /// Objective part that does not depend on the roster (all on-requests missed).
    pub constant: i64,
    /// Cover rows `(requirement, under, over)` per `d * ns + s`, as ranges in `cover_rows`.
    pub cover_start: Vec<u32>,
    pub cover_rows: Vec<(i64, i64, i64)>,
    /// Hard ceiling per `d * ns + s` (`u32::MAX`: none).
    pub cover_max: Vec<u32>,
    /// 1 on Saturdays, 2 on Sundays, 0 otherwise.
    pub weekend: Vec<u8>,
    pub emps: Vec<Emp>,
    pub succ: Vec<Successions>,
    pub fairness: i64,
}

impl Ctx {
    /// Builds the context; the instance must be valid.
    pub fn new(inst: &Instance) -> Ctx {
        let (ne, nd, ns) = (inst.staff.len(), inst.days, inst.shifts.len());
        let len: Vec<u64> = inst.shifts.iter().map(|s| u64::from(s.minutes)).collect();
        let mut cover_max = vec![u32::MAX; nd * ns];
        let mut rows_of: Vec<Vec<(i64, i64, i64)>> = vec![Vec::new(); nd * ns];
        for c in &inst.cover {
            let i = c.day * ns + c.shift;
            rows_of[i].push((i64::from(c.requirement), c.weight_under, c.weight_over));
            if let Some(m) = c.max {
                cover_max[i] = cover_max[i].min(m);
            }
        }
        let mut cover_start = Vec::with_capacity(nd * ns + 1);
        let mut cover_rows = Vec::new();
        for rows in rows_of {
            cover_start.push(cover_rows.len() as u32);
            cover_rows.extend(rows);
        }
        cover_start.push(cover_rows.len() as u32);

        let mut allowed = vec![true; ne * nd * ns];
        let mut cell = vec![0i64; ne * nd * ns];
        let at = |e: usize, d: usize, s: usize| (e * nd + d) * ns + s;
        let mut constant = 0;
        for r in &inst.on_requests {
            constant += r.weight;
            // Working any other shift that day leaves the request missed: only the
            // requested shift earns the weight back.
            cell[at(r.employee, r.day, r.shift)] -= r.weight;
        }
        for r in &inst.off_requests {
            cell[at(r.employee, r.day, r.shift)] += r.weight;
        }
        for a in &inst.assignment_costs {
            cell[at(a.cell.employee, a.cell.day, a.cell.shift)] += a.cost;
        }
        for c in &inst.unavailable {
            allowed[at(c.employee, c.day, c.shift)] = false;
        }
        for (e, emp) in inst.staff.iter().enumerate() {
            for &d in &emp.days_off {
                for s in 0..ns {
                    allowed[at(e, d, s)] = false;
                }
            }
            for s in 0..ns {
                let too_long = len[s] > u64::from(emp.max_total_minutes)
                    || inst.minute_limits.iter().any(|l| {
                        l.employee == e && l.shifts.contains(&s) && len[s] > u64::from(l.max)
                    });
                if emp.max_shifts[s] == 0 || too_long {
                    for d in 0..nd {
                        allowed[at(e, d, s)] = false;
                    }
                }
            }
            for d in 0..nd {
                for s in 0..ns {
                    if cover_max[d * ns + s] == 0 {
                        allowed[at(e, d, s)] = false;
                    }
                }
            }
        }
        let mut options = vec![Vec::new(); ne * nd];
        for e in 0..ne {
            for d in 0..nd {
                options[e * nd + d] = (0..ns)
                    .filter(|&s| allowed[at(e, d, s)])
                    .map(|s| s as u16)
                    .collect();
            }
        }

        // Succession matrices, shared by employees with the same personal rules.
        let mut base1 = vec![false; ns * ns];
        let mut base2 = vec![false; ns * ns];
        for (a, shift) in inst.shifts.iter().enumerate() {
            for &b in &shift.cannot_follow {
                base1[a * ns + b] = true;
            }
        }
        let mut personal: Vec<Vec<(u8, usize, usize)>> = vec![Vec::new(); ne];
        for s in &inst.successions {
            match s.employee {
                None => {
                    let m = if s.gap == 1 { &mut base1 } else { &mut base2 };
                    m[s.first * ns + s.second] = true;
                }
                Some(e) => personal[e].push((s.gap, s.first, s.second)),
            }
        }
        let mut succ = Vec::new();
        let mut succ_ids: HashMap<Vec<(u8, usize, usize)>, usize> = HashMap::new();
        let mut emp_succ = vec![0; ne];
        for (e, mut rules) in personal.into_iter().enumerate() {
            rules.sort_unstable();
            rules.dedup();
            let id = *succ_ids.entry(rules.clone()).or_insert_with(|| {
                let (mut g1, mut g2) = (base1.clone(), base2.clone());
                for &(gap, a, b) in &rules {
                    if gap == 1 {
                        g1[a * ns + b] = true;
                    } else {
                        g2[a * ns + b] = true;
                    }
                }
                succ.push(Successions::new(g1, g2, ns));
                succ.len() - 1
            });
            emp_succ[e] = id;
        }

        let emps = inst
            .staff
            .iter()
            .enumerate()
            .map(|(e, emp)| Emp {
                max_cons: if emp.max_consecutive as usize >= nd {
                    u32::MAX
                } else {
                    emp.max_consecutive
                },
                min_cons: emp.min_consecutive,
                min_off: emp.min_consecutive_days_off,
                max_weekends: emp.max_weekends,
                lo: u64::from(emp.min_total_minutes),
                hi: u64::from(emp.max_total_minutes),
                caps: emp.max_shifts.clone(),
                limits: inst
                    .minute_limits
                    .iter()
                    .filter(|l| l.employee == e)
                    .map(|l| {
                        let mut member = vec![false; ns];
                        for &s in &l.shifts {
                            member[s] = true;
                        }
                        Limit {
                            member,
                            max: u64::from(l.max),
                        }
                    })
                    .collect(),
                succ: emp_succ[e],
            })
            .collect();
        let weekend = (0..nd)
            .map(|d| match (inst.first_weekday as usize + d) % 7 {
                5 => 1,
                6 => 2,
                _ => 0,
            })
            .collect();
        Ctx {
            ne,
            nd,
            ns,
            len,
            allowed,
            cell,
            options,
            constant,
            cover_start,
            cover_rows,
            cover_max,
            weekend,
            emps,
            succ,
            fairness: inst.fairness_weight,
        }
    }

    #[inline]
    pub fn cell_index(&self, e: usize, d: usize, s: usize) -> usize {
        (e * self.nd + d) * self.ns + s
    }

    /// Cover penalty of `n` people on `d * ns + s`.
    #[inline]
    pub fn cover_cost(&self, ds: usize, n: i64) -> i64 {
        let (a, b) = (
            self.cover_start[ds] as usize,
            self.cover_start[ds + 1] as usize,
        );
        let mut c = 0;
        for &(req, under, over) in &self.cover_rows[a..b] {
            c += if n < req {
                (req - n) * under
            } else {
                (n - req) * over
            };
        }
        c
    }

    /// Whether `row` (one employee's whole horizon) keeps every rule of that employee.
    /// `scratch` is reused between calls.
    pub fn row_ok(&self, e: usize, row: &[u16], scratch: &mut Vec<u64>) -> bool {
        let emp = &self.emps[e];
        let nd = self.nd;
        let succ = &self.succ[emp.succ];
        let ns = self.ns;
        scratch.clear();
        scratch.resize(ns + emp.limits.len(), 0);
        let mut minutes = 0u64;
        let mut weekends = 0u32;
        for d in 0..nd {
            let s = row[d];
            if s == OFF {
                continue;
            }
            let s = s as usize;
            if !self.allowed[self.cell_index(e, d, s)] {
                return false;
            }
            if d + 1 < nd && row[d + 1] != OFF && succ.gap1[s * ns + row[d + 1] as usize] {
                return false;
            }
            if succ.has_gap2
                && d + 2 < nd
                && row[d + 2] != OFF
                && succ.gap2[s * ns + row[d + 2] as usize]
            {
                return false;
            }
            scratch[s] += 1;
            minutes += self.len[s];
            for (i, l) in emp.limits.iter().enumerate() {
                if l.member[s] {
                    scratch[ns + i] += self.len[s];
                }
            }
            match self.weekend[d] {
                1 => weekends += 1,
                2 if d == 0 || row[d - 1] == OFF => weekends += 1,
                _ => {}
            }
        }
        if minutes < emp.lo || minutes > emp.hi || weekends > emp.max_weekends {
            return false;
        }
        if (0..ns).any(|s| scratch[s] > u64::from(emp.caps[s])) {
            return false;
        }
        if emp
            .limits
            .iter()
            .enumerate()
            .any(|(i, l)| scratch[ns + i] > l.max)
        {
            return false;
        }
        let mut start = 0;
        while start < nd {
            let on = row[start] != OFF;
            let mut end = start;
            while end + 1 < nd && (row[end + 1] != OFF) == on {
                end += 1;
            }
            let n = (end - start + 1) as u64;
            let inner = start > 0 && end + 1 < nd;
            if on {
                if n > u64::from(emp.max_cons) || (inner && n < u64::from(emp.min_cons)) {
                    return false;
                }
            } else if inner && n < u64::from(emp.min_off) {
                return false;
            }
            start = end + 1;
        }
        true
    }

    /// The row's own part of the objective: cell costs and fairness.
    pub fn row_cost(&self, e: usize, row: &[u16]) -> i64 {
        let mut c = 0;
        let mut n = 0i64;
        for (d, &s) in row.iter().enumerate() {
            if s != OFF {
                c += self.cell[self.cell_index(e, d, s as usize)];
                n += 1;
            }
        }
        c + self.fairness * n * n
    }

    /// The whole objective of compact rows (`rows[e * nd + d]`).
    pub fn objective(&self, rows: &[u16]) -> i64 {
        let mut total = self.constant;
        let mut count = vec![0i64; self.nd * self.ns];
        for e in 0..self.ne {
            let row = &rows[e * self.nd..(e + 1) * self.nd];
            total += self.row_cost(e, row);
            for (d, &s) in row.iter().enumerate() {
                if s != OFF {
                    count[d * self.ns + s as usize] += 1;
                }
            }
        }
        for (ds, &n) in count.iter().enumerate() {
            total += self.cover_cost(ds, n);
        }
        total
    }
}

impl Successions {
    fn new(gap1: Vec<bool>, gap2: Vec<bool>, ns: usize) -> Self {
        let has_gap2 = gap2.iter().any(|&x| x);
        let mut class_of = vec![0u16; ns];
        let mut class_rep = Vec::new();
        let mut seen: HashMap<(&[bool], &[bool]), u16> = HashMap::new();
        for s in 0..ns {
            let key = (&gap1[s * ns..(s + 1) * ns], &gap2[s * ns..(s + 1) * ns]);
            let id = *seen.entry(key).or_insert_with(|| {
                class_rep.push(s as u16);
                (class_rep.len() - 1) as u16
            });
            class_of[s] = id;
        }
        Successions {
            gap1,
            gap2,
            has_gap2,
            class_of,
            class_rep,
        }
    }
}
