//! A month of dispatch as an instance of the roster engine.

use std::collections::{BTreeMap, HashMap, HashSet};

use chiiki_domain::{DutyKind, Urgency, WorkHourLevel};
use chrono::{Duration, NaiveDateTime, NaiveTime};

use super::{Problem, Request};
use crate::hours::{self, Rules};
use crate::shift::{
    AssignmentCost, Cell, Cover, Employee, Instance, MinuteLimit, Roster, Shift, Succession,
};

/// Requests alike enough to share a shift type: same facility, kind, times, urgency and
/// skills.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Class {
    facility: String,
    kind: DutyKind,
    start: NaiveTime,
    minutes: i64,
    urgency: Urgency,
    skills: Vec<String>,
    /// The minutes the caps are planned with.
    planned: i64,
}

impl Class {
    fn of(r: &Request) -> Self {
        let mut skills = r.skills.clone();
        skills.sort();
        Self {
            facility: r.facility.clone(),
            kind: r.kind,
            start: r.start.time(),
            minutes: r.minutes(),
            urgency: r.urgency,
            skills,
            planned: r.planned_minutes(),
        }
    }

    fn duty_on(&self, date: chiiki_domain::NaiveDate, reference: &str) -> hours::Duty {
        let start = NaiveDateTime::new(date, self.start);
        hours::Duty {
            employer: self.facility.clone(),
            reference: reference.to_string(),
            kind: self.kind,
            start,
            end: start + Duration::minutes(self.minutes),
            worked: 0,
            overtime: None,
        }
    }
}

/// The engine's instance and the way back to requests.
pub(super) struct Model {
    pub instance: Instance,
    /// The requests of each (day, shift) cover row, most valuable first.
    rows: HashMap<(usize, usize), Vec<usize>>,
}

impl Model {
    /// The (request, doctor) pairs a roster makes.
    pub fn assignments(&self, roster: &Roster) -> Vec<(usize, usize)> {
        let mut taken: HashMap<(usize, usize), usize> = HashMap::new();
        let mut out = Vec::new();
        for (e, row) in roster.cells.iter().enumerate() {
            for (day, cell) in row.iter().enumerate() {
                let Some(shift) = *cell else { continue };
                let Some(requests) = self.rows.get(&(day, shift)) else {
                    continue;
                };
                let next = taken.entry((day, shift)).or_default();
                if let Some(&r) = requests.get(*next) {
                    *next += 1;
                    out.push((r, e));
                }
            }
        }
        out
    }
}

/// Builds the instance; `banned` are (request, doctor) pairs the checker refused.
pub(super) fn model(problem: &Problem, rules: &Rules, banned: &[(usize, usize)]) -> Model {
    let first = problem.month;
    let days = {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        (next - first).num_days().max(1) as usize
    };
    let day_of = |t: NaiveDateTime| -> Option<usize> {
        let d = (t.date() - first).num_days();
        (0..days as i64).contains(&d).then_some(d as usize)
    };
    // Shift types.
    let mut by_index: Vec<Class> = Vec::new();
    let mut index: HashMap<Class, usize> = HashMap::new();
    let mut class_of = vec![usize::MAX; problem.requests.len()];
    for (i, r) in problem.requests.iter().enumerate() {
        if day_of(r.start).is_none() || r.minutes() == 0 {
            continue;
        }
        let class = Class::of(r);
        class_of[i] = *index.entry(class.clone()).or_insert_with(|| {
            by_index.push(class);
            by_index.len() - 1
        });
    }
    let shifts: Vec<Shift> = by_index
        .iter()
        .enumerate()
        .map(|(i, c)| Shift {
            id: format!("S{i}"),
            minutes: clamp_minutes(c.planned),
            cannot_follow: vec![],
        })
        .collect();
    // Cover rows: one per (day, shift) with requests; a ceiling of their number.
    let mut rows: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (i, r) in problem.requests.iter().enumerate() {
        if class_of[i] == usize::MAX {
            continue;
        }
        if let Some(day) = day_of(r.start) {
            rows.entry((day, class_of[i])).or_default().push(i);
        }
    }
    for list in rows.values_mut() {
        list.sort_by_key(|r| std::cmp::Reverse(problem.requests[*r].value()));
    }
    let mut cover = Vec::new();
    for day in 0..days {
        for (s, class) in by_index.iter().enumerate() {
            let n = rows.get(&(day, s)).map_or(0, Vec::len) as u32;
            let value = class.minutes * class.urgency.weight() * problem.weights.cover;
            cover.push(Cover {
                day,
                shift: s,
                requirement: n,
                weight_under: value,
                weight_over: 0,
                max: Some(n),
            });
        }
    }
    // Successions the rest rules forbid, for everyone and for initial residents.
    let mut successions = Vec::new();
    let pairs = |resident: bool| {
        let level = if resident {
            WorkHourLevel::C1
        } else {
            WorkHourLevel::B
        };
        hours::forbidden_successions(rules, level, resident, first, by_index.len(), |i, date| {
            by_index[i].duty_on(date, "a")
        })
    };
    let everyone = pairs(false);
    for &(first, gap, second) in &everyone {
        successions.push(Succession {
            employee: None,
            first,
            gap,
            second,
        });
    }
    let residents: Vec<usize> = problem
        .doctors
        .iter()
        .enumerate()
        .filter(|(_, d)| d.timeline.initial_resident && d.timeline.level == WorkHourLevel::C1)
        .map(|(i, _)| i)
        .collect();
    if !residents.is_empty() {
        for &(first, gap, second) in pairs(true).difference(&everyone) {
            for &e in &residents {
                successions.push(Succession {
                    employee: Some(e),
                    first,
                    gap,
                    second,
                });
            }
        }
    }
    successions.sort_by_key(|s| (s.employee, s.first, s.gap, s.second));
    // Employees, their caps, the cells they cannot take and what the others cost.
    let banned: HashSet<(usize, usize)> = banned.iter().copied().collect();
    let mut staff = Vec::new();
    let mut unavailable = Vec::new();
    let mut assignment_costs = Vec::new();
    let mut minute_limits = Vec::new();
    for (e, doctor) in problem.doctors.iter().enumerate() {
        let room = hours::headroom(rules, &doctor.timeline, first, None);
        let mut open: HashSet<(usize, usize)> = HashSet::new();
        let mut cost: HashMap<(usize, usize), i64> = HashMap::new();
        for ((day, s), list) in &rows {
            let r = &problem.requests[list[0]];
            if !doctor.offered(r) || !doctor.skilled(r) {
                continue;
            }
            let travel = problem.travel.minutes(&doctor.home, r);
            if travel > problem.travel.max_minutes {
                continue;
            }
            if list.iter().all(|i| banned.contains(&(*i, e))) {
                continue;
            }
            if !hours::admissible(rules, &doctor.timeline, &r.duty()).is_empty() {
                continue;
            }
            open.insert((*day, *s));
            cost.insert((*day, *s), 2 * travel * problem.weights.travel);
        }
        let open_days: HashSet<usize> = open.iter().map(|(d, _)| *d).collect();
        for day in 0..days {
            if !open_days.contains(&day) {
                continue;
            }
            for s in 0..by_index.len() {
                let cell = Cell {
                    employee: e,
                    day,
                    shift: s,
                };
                match cost.get(&(day, s)) {
                    Some(c) => assignment_costs.push(AssignmentCost { cell, cost: *c }),
                    None => unavailable.push(cell),
                }
            }
        }
        if doctor.timeline.level == WorkHourLevel::LinkedB {
            let mut facilities: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (s, c) in by_index.iter().enumerate() {
                facilities.entry(c.facility.as_str()).or_default().push(s);
            }
            for (facility, shifts) in facilities {
                let left = hours::headroom(rules, &doctor.timeline, first, Some(facility))
                    .facility
                    .unwrap_or(i64::MAX);
                minute_limits.push(MinuteLimit {
                    employee: e,
                    shifts,
                    max: clamp_minutes(left),
                });
            }
        }
        staff.push(Employee {
            id: doctor.id.clone(),
            max_shifts: vec![days as u32; by_index.len()],
            max_total_minutes: clamp_minutes(room.least()),
            min_total_minutes: 0,
            max_consecutive: days as u32,
            min_consecutive: 1,
            min_consecutive_days_off: 1,
            max_weekends: days as u32,
            days_off: (0..days).filter(|d| !open_days.contains(d)).collect(),
        });
    }
    let instance = Instance {
        name: format!("dispatch {}", first.format("%Y-%m")),
        days,
        first_weekday: chrono::Datelike::weekday(&first).num_days_from_monday() as u8,
        shifts,
        staff,
        on_requests: vec![],
        off_requests: vec![],
        cover,
        assignment_costs,
        unavailable,
        successions,
        minute_limits,
        fairness_weight: problem.weights.fairness,
    };
    Model { instance, rows }
}

fn clamp_minutes(m: i64) -> u32 {
    m.clamp(0, i64::from(u32::MAX)) as u32
}
