//! A duty roster as an instance of the roster engine: the spec's shifts and staff are the
//! engine's, index for index.

use std::collections::HashSet;

use chiiki_domain::WorkHourLevel;
use chrono::Datelike;

use super::{DEFAULT_MAX_CONSECUTIVE, Day, Spec};
use crate::hours::{self, Rules};
use crate::shift::{
    Cell, Cover, Employee, Instance, MinuteLimit, Request, Roster, Shift, Succession,
};

pub(super) struct Model {
    pub instance: Instance,
}

impl Model {
    /// The `(member, day, shift)` cells a roster works.
    pub fn cells(&self, roster: &Roster) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (m, row) in roster.cells.iter().enumerate() {
            for (d, cell) in row.iter().enumerate() {
                if let Some(s) = *cell {
                    out.push((m, d, s));
                }
            }
        }
        out
    }

    /// The roster that works exactly `cells`.
    pub fn roster_of(&self, cells: &[(usize, usize, usize)]) -> Roster {
        let mut roster = Roster::empty(&self.instance);
        for &(m, d, s) in cells {
            roster.cells[m][d] = Some(s);
        }
        roster
    }
}

fn clamp(m: i64) -> u32 {
    m.clamp(0, i64::from(u32::MAX)) as u32
}

impl Model {
    /// The same instance with `banned` cells (those the hours check took out) barred too.
    pub fn without(&self, banned: &[(usize, usize, usize)]) -> Model {
        let mut instance = self.instance.clone();
        instance
            .unavailable
            .extend(banned.iter().map(|&(employee, day, shift)| Cell {
                employee,
                day,
                shift,
            }));
        Model { instance }
    }
}

/// Builds the instance.
pub(super) fn model(spec: &Spec, rules: &Rules, days: &[Day]) -> Model {
    let nd = days.len();
    let shifts: Vec<Shift> = spec
        .shifts
        .iter()
        .map(|s| Shift {
            id: s.code.clone(),
            minutes: clamp(s.planned_overtime()),
            cannot_follow: vec![],
        })
        .collect();
    let mut cover = Vec::new();
    for (d, day) in days.iter().enumerate() {
        for (s, shift) in spec.shifts.iter().enumerate() {
            cover.push(Cover {
                day: d,
                shift: s,
                requirement: shift.need.on(day.kind),
                weight_under: spec.weights.under,
                weight_over: spec.weights.over,
                max: shift.max,
            });
        }
    }
    // The rest rules as successions: for everyone as for level B, and the initial
    // residents' own rule for them.
    let duty_on = |i: usize, date| spec.shifts[i].duty_on(date, format!("{i}"));
    let n = spec.shifts.len();
    let everyone =
        hours::forbidden_successions(rules, WorkHourLevel::B, false, spec.month, n, duty_on);
    let mut successions: Vec<Succession> = everyone
        .iter()
        .map(|&(first, gap, second)| Succession {
            employee: None,
            first,
            gap,
            second,
        })
        .collect();
    let residents: Vec<usize> = (0..spec.staff.len())
        .filter(|&m| spec.timeline(m).initial_resident)
        .collect();
    if !residents.is_empty() {
        let theirs =
            hours::forbidden_successions(rules, WorkHourLevel::C1, true, spec.month, n, duty_on);
        for &(first, gap, second) in theirs.difference(&everyone) {
            for &m in &residents {
                successions.push(Succession {
                    employee: Some(m),
                    first,
                    gap,
                    second,
                });
            }
        }
    }
    successions.sort_by_key(|s| (s.employee, s.first, s.gap, s.second));
    let mut staff = Vec::new();
    let mut unavailable = Vec::new();
    let mut minute_limits = Vec::new();
    for (m, member) in spec.staff.iter().enumerate() {
        let timeline = spec.timeline(m);
        let room = hours::headroom(rules, &timeline, spec.month, None);
        let nights: Vec<usize> = (0..n)
            .filter(|&s| spec.may_work(m, s) && spec.shifts[s].is_night())
            .collect();
        let mut max_shifts: Vec<u32> = (0..n)
            .map(|s| if spec.may_work(m, s) { nd as u32 } else { 0 })
            .collect();
        if let Some(most) = member.max_nights {
            // Each night shift capped alone; several kinds share the cap by their minutes
            // when they are equally long, and the final check keeps the count otherwise.
            for &s in &nights {
                max_shifts[s] = max_shifts[s].min(most);
            }
            let lengths: HashSet<u32> = nights.iter().map(|&s| shifts[s].minutes).collect();
            if nights.len() > 1 && lengths.len() == 1 {
                let len = lengths.into_iter().next().unwrap_or(0);
                if len > 0 {
                    minute_limits.push(MinuteLimit {
                        employee: m,
                        shifts: nights.clone(),
                        max: most.saturating_mul(len),
                    });
                }
            }
        }
        // Duties fixed elsewhere: the cells they overlap or leave without rest.
        for (d, day) in days.iter().enumerate() {
            for (s, shift) in spec.shifts.iter().enumerate() {
                if max_shifts[s] == 0 {
                    continue;
                }
                let barred = !member.fixed.is_empty()
                    && !hours::admissible(
                        rules,
                        &timeline,
                        &shift.duty_on(day.date, String::new()),
                    )
                    .is_empty();
                if barred {
                    unavailable.push(Cell {
                        employee: m,
                        day: d,
                        shift: s,
                    });
                }
            }
        }
        let days_off: Vec<usize> = days
            .iter()
            .enumerate()
            .filter(|(_, day)| member.days_off.contains(&day.date))
            .map(|(d, _)| d)
            .collect();
        staff.push(Employee {
            id: member.id.clone(),
            max_shifts,
            max_total_minutes: clamp(room.least()),
            min_total_minutes: 0,
            max_consecutive: member
                .max_consecutive
                .unwrap_or(DEFAULT_MAX_CONSECUTIVE)
                .min(nd as u32)
                .max(1),
            min_consecutive: 1,
            min_consecutive_days_off: 1,
            max_weekends: member.max_weekends.unwrap_or(nd as u32),
            days_off,
        });
    }
    let day_of = |date| days.iter().position(|d| d.date == date);
    let shift_of = |code: &str| spec.shifts.iter().position(|s| s.code == code);
    let member_of = |id: &str| spec.staff.iter().position(|m| m.id == id);
    let mut on_requests = Vec::new();
    let mut off_requests = Vec::new();
    for r in &spec.requests {
        let (Some(m), Some(d)) = (member_of(&r.member), day_of(r.date)) else {
            continue;
        };
        let weight = r.weight.unwrap_or(spec.weights.request);
        let targets: Vec<usize> = match &r.shift {
            Some(code) => shift_of(code).into_iter().collect(),
            None => (0..n).filter(|&s| spec.may_work(m, s)).collect(),
        };
        for s in targets {
            let req = Request {
                employee: m,
                day: d,
                shift: s,
                weight,
            };
            if r.on {
                on_requests.push(req);
            } else {
                off_requests.push(req);
            }
        }
    }
    let instance = Instance {
        name: spec.title.clone(),
        days: nd,
        first_weekday: spec.month.weekday().num_days_from_monday() as u8,
        shifts,
        staff,
        on_requests,
        off_requests,
        cover,
        assignment_costs: vec![],
        unavailable,
        successions,
        minute_limits,
        fairness_weight: spec.weights.fairness,
    };
    Model { instance }
}
