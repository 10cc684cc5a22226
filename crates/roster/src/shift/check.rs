//! The checker: judges a roster against an instance, written plainly from the model's
//! definitions and independent of the solver's incremental bookkeeping.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{Instance, Roster};

/// A hard rule of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The instance itself is malformed (see [`Instance::validate`]).
    InvalidInstance,
    /// The roster has the wrong number of employees or days.
    Shape,
    /// A cell names a shift that does not exist.
    ShiftIndex,
    DayOff,
    Unavailable,
    CannotFollow,
    Succession,
    CoverMax,
    MaxShifts,
    MaxTotalMinutes,
    MinTotalMinutes,
    MinuteLimit,
    MaxConsecutive,
    MinConsecutive,
    MinConsecutiveDaysOff,
    MaxWeekends,
}

/// One broken hard rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub rule: Rule,
    /// Employee index, when the rule concerns one employee.
    pub employee: Option<usize>,
    /// Employee ID, when the rule concerns one employee.
    pub employee_id: Option<String>,
    /// First and last day concerned (inclusive), when the rule concerns days.
    pub days: Option<(usize, usize)>,
    /// The figures, in English, e.g. "max consecutive 5, worked 6 on days 3–8".
    pub message: String,
}

/// The objective split by source; the parts add up to [`Evaluation::objective`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// Weights of shift-on requests not granted.
    pub on_requests: i64,
    /// Weights of shift-off requests not granted.
    pub off_requests: i64,
    /// Cover short of the requirement, weighted.
    pub cover_under: i64,
    /// Cover over the requirement, weighted.
    pub cover_over: i64,
    /// Assignment costs of the cells worked.
    pub assignment_costs: i64,
    /// `fairness_weight × Σ (shifts worked)²`.
    pub fairness: i64,
}

impl Breakdown {
    pub fn total(&self) -> i64 {
        self.on_requests
            + self.off_requests
            + self.cover_under
            + self.cover_over
            + self.assignment_costs
            + self.fairness
    }
}

/// The checker's verdict on a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// No hard rule broken.
    pub feasible: bool,
    pub violations: Vec<Violation>,
    /// The soft objective (computed even when infeasible).
    pub objective: i64,
    pub breakdown: Breakdown,
}

fn weekday(instance: &Instance, day: usize) -> usize {
    (instance.first_weekday as usize + day) % 7
}

/// The weekend a day belongs to, named by its Saturday's day index (−1 when the horizon
/// starts on a Sunday), or `None` on a weekday.
pub(crate) fn weekend_of(instance: &Instance, day: usize) -> Option<i64> {
    match weekday(instance, day) {
        5 => Some(day as i64),
        6 => Some(day as i64 - 1),
        _ => None,
    }
}

/// Judges `roster` against `instance`. Never panics: a roster of the wrong shape or with
/// unknown shifts is reported as violations (missing cells count as days off).
pub fn check(instance: &Instance, roster: &Roster) -> Evaluation {
    let mut violations = Vec::new();
    if let Err(e) = instance.validate() {
        violations.push(Violation {
            rule: Rule::InvalidInstance,
            employee: None,
            employee_id: None,
            days: None,
            message: e.to_string(),
        });
        return Evaluation {
            feasible: false,
            violations,
            objective: 0,
            breakdown: Breakdown::default(),
        };
    }
    let days = instance.days;
    let nshifts = instance.shifts.len();
    let staff = &instance.staff;
    let v =
        |rule: Rule, e: Option<usize>, days: Option<(usize, usize)>, message: String| Violation {
            rule,
            employee: e,
            employee_id: e.map(|e| staff[e].id.clone()),
            days,
            message,
        };
    let shift_name = |s: usize| instance.shifts[s].id.as_str();

    // Normalise the roster to staff × days.
    if roster.cells.len() != staff.len() {
        violations.push(v(
            Rule::Shape,
            None,
            None,
            format!(
                "roster has {} rows for {} employees",
                roster.cells.len(),
                staff.len()
            ),
        ));
    }
    let mut grid = vec![vec![None; days]; staff.len()];
    for (e, row) in grid.iter_mut().enumerate() {
        let Some(given) = roster.cells.get(e) else {
            continue;
        };
        if given.len() != days {
            violations.push(v(
                Rule::Shape,
                Some(e),
                None,
                format!("row has {} days for a horizon of {days}", given.len()),
            ));
        }
        for (d, cell) in given.iter().enumerate().take(days) {
            match *cell {
                Some(s) if s >= nshifts => violations.push(v(
                    Rule::ShiftIndex,
                    Some(e),
                    Some((d, d)),
                    format!("shift index {s} out of range (0..{nshifts})"),
                )),
                other => row[d] = other,
            }
        }
    }

    let unavailable: HashSet<(usize, usize, usize)> = instance
        .unavailable
        .iter()
        .map(|c| (c.employee, c.day, c.shift))
        .collect();

    for (e, emp) in staff.iter().enumerate() {
        let row = &grid[e];
        let worked = |d: usize| row[d].is_some();

        // Days off and unavailable cells.
        for (d, cell) in row.iter().enumerate() {
            if let Some(s) = *cell {
                if emp.days_off.contains(&d) {
                    violations.push(v(
                        Rule::DayOff,
                        Some(e),
                        Some((d, d)),
                        format!("works {} on day {d}, a day off", shift_name(s)),
                    ));
                }
                if unavailable.contains(&(e, d, s)) {
                    violations.push(v(
                        Rule::Unavailable,
                        Some(e),
                        Some((d, d)),
                        format!("works {} on day {d}, marked unavailable", shift_name(s)),
                    ));
                }
            }
        }

        // Forbidden successions.
        for d in 0..days.saturating_sub(1) {
            if let (Some(a), Some(b)) = (row[d], row[d + 1])
                && instance.shifts[a].cannot_follow.contains(&b)
            {
                violations.push(v(
                    Rule::CannotFollow,
                    Some(e),
                    Some((d, d + 1)),
                    format!(
                        "{} on day {d} may not be followed by {} on day {}",
                        shift_name(a),
                        shift_name(b),
                        d + 1
                    ),
                ));
            }
        }
        for succ in &instance.successions {
            if succ.employee.is_some_and(|x| x != e) {
                continue;
            }
            let gap = succ.gap as usize;
            for d in 0..days.saturating_sub(gap) {
                if row[d] == Some(succ.first) && row[d + gap] == Some(succ.second) {
                    violations.push(v(
                        Rule::Succession,
                        Some(e),
                        Some((d, d + gap)),
                        format!(
                            "{} on day {d} may not be followed by {} {gap} day(s) later",
                            shift_name(succ.first),
                            shift_name(succ.second)
                        ),
                    ));
                }
            }
        }

        // Counts and minutes.
        let mut counts = vec![0u64; nshifts];
        let mut minutes = 0u64;
        for s in row.iter().flatten() {
            counts[*s] += 1;
            minutes += u64::from(instance.shifts[*s].minutes);
        }
        for (s, &n) in counts.iter().enumerate() {
            let max = u64::from(emp.max_shifts[s]);
            if n > max {
                violations.push(v(
                    Rule::MaxShifts,
                    Some(e),
                    None,
                    format!("at most {max} {} shifts, worked {n}", shift_name(s)),
                ));
            }
        }
        if minutes > u64::from(emp.max_total_minutes) {
            violations.push(v(
                Rule::MaxTotalMinutes,
                Some(e),
                None,
                format!(
                    "at most {} minutes, worked {minutes}",
                    emp.max_total_minutes
                ),
            ));
        }
        if minutes < u64::from(emp.min_total_minutes) {
            violations.push(v(
                Rule::MinTotalMinutes,
                Some(e),
                None,
                format!(
                    "at least {} minutes, worked {minutes}",
                    emp.min_total_minutes
                ),
            ));
        }
        for limit in instance.minute_limits.iter().filter(|l| l.employee == e) {
            let set: BTreeSet<usize> = limit.shifts.iter().copied().collect();
            let sum: u64 = row
                .iter()
                .flatten()
                .filter(|s| set.contains(s))
                .map(|&s| u64::from(instance.shifts[s].minutes))
                .sum();
            if sum > u64::from(limit.max) {
                let names: Vec<&str> = set.iter().map(|&s| shift_name(s)).collect();
                violations.push(v(
                    Rule::MinuteLimit,
                    Some(e),
                    None,
                    format!(
                        "at most {} minutes on shifts {}, worked {sum}",
                        limit.max,
                        names.join("|")
                    ),
                ));
            }
        }

        // Blocks of work and of days off.
        let mut start = 0;
        while start < days {
            let on = worked(start);
            let mut end = start;
            while end + 1 < days && worked(end + 1) == on {
                end += 1;
            }
            let len = (end - start + 1) as u64;
            let inner = start > 0 && end + 1 < days;
            if on {
                if len > u64::from(emp.max_consecutive) {
                    violations.push(v(
                        Rule::MaxConsecutive,
                        Some(e),
                        Some((start, end)),
                        format!(
                            "max consecutive {}, worked {len} on days {start}–{end}",
                            emp.max_consecutive
                        ),
                    ));
                }
                if inner && len < u64::from(emp.min_consecutive) {
                    violations.push(v(
                        Rule::MinConsecutive,
                        Some(e),
                        Some((start, end)),
                        format!(
                            "min consecutive {}, worked {len} on days {start}–{end}",
                            emp.min_consecutive
                        ),
                    ));
                }
            } else if inner && len < u64::from(emp.min_consecutive_days_off) {
                violations.push(v(
                    Rule::MinConsecutiveDaysOff,
                    Some(e),
                    Some((start, end)),
                    format!(
                        "min consecutive days off {}, off {len} on days {start}–{end}",
                        emp.min_consecutive_days_off
                    ),
                ));
            }
            start = end + 1;
        }

        // Weekends.
        let weekends: BTreeSet<i64> = (0..days)
            .filter(|&d| worked(d))
            .filter_map(|d| weekend_of(instance, d))
            .collect();
        if weekends.len() as u64 > u64::from(emp.max_weekends) {
            let first = weekends.first().map_or(0, |&w| w.max(0) as usize);
            let last = weekends
                .last()
                .map_or(0, |&w| (w + 1).min(days as i64 - 1) as usize);
            violations.push(v(
                Rule::MaxWeekends,
                Some(e),
                Some((first, last)),
                format!(
                    "max weekends {}, worked {} between days {first} and {last}",
                    emp.max_weekends,
                    weekends.len()
                ),
            ));
        }
    }

    // Cover.
    let mut breakdown = Breakdown::default();
    let mut counts = vec![0u64; days * nshifts];
    for row in &grid {
        for (d, s) in row.iter().enumerate() {
            if let Some(s) = s {
                counts[d * nshifts + s] += 1;
            }
        }
    }
    for c in &instance.cover {
        let n = counts[c.day * nshifts + c.shift] as i64;
        let req = i64::from(c.requirement);
        breakdown.cover_under += (req - n).max(0) * c.weight_under;
        breakdown.cover_over += (n - req).max(0) * c.weight_over;
        if let Some(max) = c.max
            && n > i64::from(max)
        {
            violations.push(v(
                Rule::CoverMax,
                None,
                Some((c.day, c.day)),
                format!(
                    "at most {max} on {} on day {}, assigned {n}",
                    shift_name(c.shift),
                    c.day
                ),
            ));
        }
    }

    // Requests, costs, fairness.
    for r in &instance.on_requests {
        if grid[r.employee][r.day] != Some(r.shift) {
            breakdown.on_requests += r.weight;
        }
    }
    for r in &instance.off_requests {
        if grid[r.employee][r.day] == Some(r.shift) {
            breakdown.off_requests += r.weight;
        }
    }
    for a in &instance.assignment_costs {
        if grid[a.cell.employee][a.cell.day] == Some(a.cell.shift) {
            breakdown.assignment_costs += a.cost;
        }
    }
    for row in &grid {
        let n = row.iter().flatten().count() as i64;
        breakdown.fairness += instance.fairness_weight * n * n;
    }

    Evaluation {
        feasible: violations.is_empty(),
        violations,
        objective: breakdown.total(),
        breakdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shift::model::*;

    /// Two shifts (D 480 min, N 600 min; D may not follow N), `staff` lenient employees,
    /// 14 days from a Monday.
    fn base(staff: usize) -> Instance {
        Instance {
            name: "t".into(),
            days: 14,
            first_weekday: 0,
            shifts: vec![
                Shift {
                    id: "D".into(),
                    minutes: 480,
                    cannot_follow: vec![],
                },
                Shift {
                    id: "N".into(),
                    minutes: 600,
                    cannot_follow: vec![0],
                },
            ],
            staff: (0..staff)
                .map(|e| Employee {
                    id: format!("E{e}"),
                    max_shifts: vec![14, 14],
                    max_total_minutes: 100_000,
                    min_total_minutes: 0,
                    max_consecutive: 14,
                    min_consecutive: 1,
                    min_consecutive_days_off: 1,
                    max_weekends: 2,
                    days_off: vec![],
                })
                .collect(),
            on_requests: vec![],
            off_requests: vec![],
            cover: vec![],
            assignment_costs: vec![],
            unavailable: vec![],
            successions: vec![],
            minute_limits: vec![],
            fairness_weight: 0,
        }
    }

    /// Rows written as text: `D`, `N` or `.` (off) per day.
    fn roster(rows: &[&str]) -> Roster {
        Roster {
            cells: rows
                .iter()
                .map(|r| {
                    r.chars()
                        .map(|c| match c {
                            'D' => Some(0),
                            'N' => Some(1),
                            _ => None,
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// Exactly one violation, of `rule`, for `employee`, on `days`.
    fn one(
        inst: &Instance,
        rows: &[&str],
        rule: Rule,
        employee: Option<usize>,
        days: Option<(usize, usize)>,
    ) -> Violation {
        let ev = check(inst, &roster(rows));
        assert!(!ev.feasible);
        assert_eq!(ev.violations.len(), 1, "{:?}", ev.violations);
        let v = ev.violations[0].clone();
        assert_eq!(
            (v.rule, v.employee, v.days),
            (rule, employee, days),
            "{v:?}"
        );
        v
    }

    fn clean(inst: &Instance, rows: &[&str]) {
        let ev = check(inst, &roster(rows));
        assert!(ev.feasible, "{:?}", ev.violations);
    }

    #[test]
    fn lenient_base_is_feasible() {
        clean(&base(2), &["DDDDDDDDDDDDDD", "NNNNNNNNNNNNNN"]);
    }

    #[test]
    fn day_off() {
        let mut inst = base(1);
        inst.staff[0].days_off = vec![3];
        let v = one(
            &inst,
            &["...D.........."],
            Rule::DayOff,
            Some(0),
            Some((3, 3)),
        );
        assert_eq!(v.employee_id.as_deref(), Some("E0"));
        clean(&inst, &["DDD.DDDDDDDDDD"]);
    }

    #[test]
    fn unavailable_cell() {
        let mut inst = base(1);
        inst.unavailable = vec![Cell {
            employee: 0,
            day: 2,
            shift: 1,
        }];
        one(
            &inst,
            &["..N..........."],
            Rule::Unavailable,
            Some(0),
            Some((2, 2)),
        );
        clean(&inst, &["..D..........."]);
    }

    #[test]
    fn cannot_follow() {
        one(
            &base(1),
            &[".ND..........."],
            Rule::CannotFollow,
            Some(0),
            Some((1, 2)),
        );
        clean(&base(1), &[".DN..........."]);
    }

    #[test]
    fn succession_two_days_later() {
        let mut inst = base(2);
        inst.successions = vec![Succession {
            employee: Some(1),
            first: 0,
            gap: 2,
            second: 1,
        }];
        one(
            &inst,
            &["D.N...........", "D.N..........."],
            Rule::Succession,
            Some(1),
            Some((0, 2)),
        );
        inst.successions[0].gap = 1;
        one(
            &inst,
            &["DN............", "DN............"],
            Rule::Succession,
            Some(1),
            Some((0, 1)),
        );
    }

    #[test]
    fn cover_ceiling() {
        let mut inst = base(3);
        inst.cover = vec![Cover {
            day: 4,
            shift: 0,
            requirement: 1,
            weight_under: 0,
            weight_over: 0,
            max: Some(1),
        }];
        let v = one(
            &inst,
            &["....D.........", "....D.........", ".............."],
            Rule::CoverMax,
            None,
            Some((4, 4)),
        );
        assert!(v.message.contains("at most 1"), "{}", v.message);
        clean(
            &inst,
            &["....D.........", "....N.........", ".............."],
        );
    }

    #[test]
    fn max_shifts_per_type() {
        let mut inst = base(1);
        inst.staff[0].max_shifts = vec![14, 1];
        let v = one(&inst, &["N...N........."], Rule::MaxShifts, Some(0), None);
        assert!(
            v.message.contains("at most 1 N shifts, worked 2"),
            "{}",
            v.message
        );
    }

    #[test]
    fn total_minutes() {
        let mut inst = base(1);
        inst.staff[0].max_total_minutes = 960;
        one(
            &inst,
            &["D.D.D........."],
            Rule::MaxTotalMinutes,
            Some(0),
            None,
        );
        clean(&inst, &["D.D..........."]);
        let mut inst = base(1);
        inst.staff[0].min_total_minutes = 1000;
        one(
            &inst,
            &["D.D..........."],
            Rule::MinTotalMinutes,
            Some(0),
            None,
        );
        clean(&inst, &["D.N..........."]);
    }

    #[test]
    fn minute_limit_over_subset() {
        let mut inst = base(1);
        inst.minute_limits = vec![MinuteLimit {
            employee: 0,
            shifts: vec![1],
            max: 600,
        }];
        one(&inst, &["N.N.DD........"], Rule::MinuteLimit, Some(0), None);
        clean(&inst, &["N.D.DD........"]);
    }

    #[test]
    fn max_consecutive() {
        let mut inst = base(1);
        inst.staff[0].max_consecutive = 3;
        let v = one(
            &inst,
            &["..DDDD.DDD...."],
            Rule::MaxConsecutive,
            Some(0),
            Some((2, 5)),
        );
        assert_eq!(v.message, "max consecutive 3, worked 4 on days 2–5");
    }

    #[test]
    fn min_consecutive_with_boundaries() {
        let mut inst = base(1);
        inst.staff[0].min_consecutive = 2;
        let v = one(
            &inst,
            &["..D...DD......"],
            Rule::MinConsecutive,
            Some(0),
            Some((2, 2)),
        );
        assert!(
            v.message.contains("min consecutive 2, worked 1"),
            "{}",
            v.message
        );
        // Blocks touching the first or the last day are exempt.
        clean(&inst, &["D......DD....D"]);
    }

    #[test]
    fn min_days_off_with_boundaries() {
        let mut inst = base(1);
        inst.staff[0].min_consecutive_days_off = 2;
        one(
            &inst,
            &["DD.DD..DDDDDDD"],
            Rule::MinConsecutiveDaysOff,
            Some(0),
            Some((2, 2)),
        );
        clean(&inst, &[".DD..DDDDDDDD."]);
    }

    #[test]
    fn max_weekends() {
        let mut inst = base(1);
        inst.staff[0].max_weekends = 1;
        // Saturday and Sunday of one weekend count once.
        clean(&inst, &[".....DD......."]);
        one(
            &inst,
            &[".....D.......D"],
            Rule::MaxWeekends,
            Some(0),
            Some((5, 13)),
        );
        // A horizon starting on a Sunday: day 0 is a weekend on its own.
        inst.first_weekday = 6;
        one(
            &inst,
            &["D.....D......."],
            Rule::MaxWeekends,
            Some(0),
            Some((0, 7)),
        );
        clean(&inst, &["D..........DD."]);
    }

    #[test]
    fn wrong_shape_is_a_violation() {
        let inst = base(2);
        let ev = check(&inst, &roster(&["DD"]));
        assert!(!ev.feasible);
        assert!(
            ev.violations
                .iter()
                .any(|v| v.rule == Rule::Shape && v.employee.is_none())
        );
        assert!(
            ev.violations
                .iter()
                .any(|v| v.rule == Rule::Shape && v.employee == Some(0))
        );
        let mut r = roster(&["D.............", ".............."]);
        r.cells[1][3] = Some(7);
        one(&inst, &[], Rule::Shape, None, None);
        let ev = check(&inst, &r);
        assert_eq!(ev.violations.len(), 1);
        assert_eq!(
            (ev.violations[0].rule, ev.violations[0].days),
            (Rule::ShiftIndex, Some((3, 3)))
        );
    }

    #[test]
    fn invalid_instance_is_reported() {
        let mut inst = base(1);
        inst.on_requests.push(Request {
            employee: 3,
            day: 0,
            shift: 0,
            weight: 1,
        });
        let ev = check(&inst, &roster(&[".............."]));
        assert!(!ev.feasible);
        assert_eq!(ev.violations[0].rule, Rule::InvalidInstance);
    }

    #[test]
    fn objective_by_hand() {
        let mut inst = base(2);
        inst.days = 3;
        inst.shifts.truncate(1);
        for e in &mut inst.staff {
            e.max_shifts.truncate(1);
        }
        inst.on_requests = vec![
            Request {
                employee: 0,
                day: 0,
                shift: 0,
                weight: 2,
            },
            Request {
                employee: 1,
                day: 2,
                shift: 0,
                weight: 7,
            },
        ];
        inst.off_requests = vec![Request {
            employee: 1,
            day: 1,
            shift: 0,
            weight: 3,
        }];
        let cover = |day, requirement, weight_under, weight_over| Cover {
            day,
            shift: 0,
            requirement,
            weight_under,
            weight_over,
            max: None,
        };
        inst.cover = vec![cover(0, 2, 10, 1), cover(1, 0, 10, 5), cover(2, 1, 10, 1)];
        inst.assignment_costs = vec![AssignmentCost {
            cell: Cell {
                employee: 0,
                day: 2,
                shift: 0,
            },
            cost: 4,
        }];
        inst.fairness_weight = 1;
        let ev = check(&inst, &roster(&["D.D", ".D."]));
        assert!(ev.feasible);
        // On: B misses day 2 (7). Off: B works day 1 (3). Cover: day 0 one short (10),
        // day 1 one over (5), day 2 exact. Cost: A day 2 (4). Fairness: 2² + 1² = 5.
        let b = ev.breakdown;
        assert_eq!(
            (
                b.on_requests,
                b.off_requests,
                b.cover_under,
                b.cover_over,
                b.assignment_costs,
                b.fairness
            ),
            (7, 3, 10, 5, 4, 5)
        );
        assert_eq!(ev.objective, 34);
    }
}
