//! Structural validation of an [`Instance`] built in code: every index in range, IDs unique.

use std::collections::HashSet;

use super::model::Instance;

/// A field of an instance that is out of range or inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid instance: {field}: {message}")]
pub struct ValidationError {
    /// Where, e.g. `staff[3].days_off[0]`.
    pub field: String,
    /// What is wrong, in English.
    pub message: String,
}

fn fail(field: impl Into<String>, message: impl Into<String>) -> Result<(), ValidationError> {
    Err(ValidationError {
        field: field.into(),
        message: message.into(),
    })
}

impl Instance {
    /// Checks that every index (shift, employee, day) is in range, that each employee's
    /// `max_shifts` has one entry per shift, that successions have a gap of 1 or 2 and that
    /// shift and employee IDs are unique. The solver and the checker rely on it.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let (days, shifts, staff) = (self.days, self.shifts.len(), self.staff.len());
        if days == 0 {
            return fail("days", "the horizon must be at least one day");
        }
        if self.first_weekday > 6 {
            return fail(
                "first_weekday",
                format!(
                    "{} is not a weekday (0 = Monday … 6 = Sunday)",
                    self.first_weekday
                ),
            );
        }
        if shifts >= u16::MAX as usize {
            return fail("shifts", format!("{shifts} shift types is too many"));
        }
        let mut ids = HashSet::new();
        for (s, shift) in self.shifts.iter().enumerate() {
            if !ids.insert(shift.id.as_str()) {
                return fail(
                    format!("shifts[{s}].id"),
                    format!("duplicate shift ID '{}'", shift.id),
                );
            }
            for (i, &t) in shift.cannot_follow.iter().enumerate() {
                if t >= shifts {
                    return fail(
                        format!("shifts[{s}].cannot_follow[{i}]"),
                        format!("shift index {t} out of range (0..{shifts})"),
                    );
                }
            }
        }
        let mut ids = HashSet::new();
        for (e, emp) in self.staff.iter().enumerate() {
            if !ids.insert(emp.id.as_str()) {
                return fail(
                    format!("staff[{e}].id"),
                    format!("duplicate employee ID '{}'", emp.id),
                );
            }
            if emp.max_shifts.len() != shifts {
                return fail(
                    format!("staff[{e}].max_shifts"),
                    format!("{} entries for {shifts} shift types", emp.max_shifts.len()),
                );
            }
            for (i, &d) in emp.days_off.iter().enumerate() {
                if d >= days {
                    return fail(
                        format!("staff[{e}].days_off[{i}]"),
                        format!("day {d} out of range (0..{days})"),
                    );
                }
            }
        }
        let cell = |field: String, e: Option<usize>, d: Option<usize>, s: Option<usize>| {
            if let Some(e) = e.filter(|&e| e >= staff) {
                fail(
                    field,
                    format!("employee index {e} out of range (0..{staff})"),
                )
            } else if let Some(d) = d.filter(|&d| d >= days) {
                fail(field, format!("day {d} out of range (0..{days})"))
            } else if let Some(s) = s.filter(|&s| s >= shifts) {
                fail(field, format!("shift index {s} out of range (0..{shifts})"))
            } else {
                Ok(())
            }
        };
        for (i, r) in self.on_requests.iter().enumerate() {
            cell(
                format!("on_requests[{i}]"),
                Some(r.employee),
                Some(r.day),
                Some(r.shift),
            )?;
        }
        for (i, r) in self.off_requests.iter().enumerate() {
            cell(
                format!("off_requests[{i}]"),
                Some(r.employee),
                Some(r.day),
                Some(r.shift),
            )?;
        }
        for (i, c) in self.cover.iter().enumerate() {
            cell(format!("cover[{i}]"), None, Some(c.day), Some(c.shift))?;
        }
        for (i, a) in self.assignment_costs.iter().enumerate() {
            cell(
                format!("assignment_costs[{i}]"),
                Some(a.cell.employee),
                Some(a.cell.day),
                Some(a.cell.shift),
            )?;
        }
        for (i, c) in self.unavailable.iter().enumerate() {
            cell(
                format!("unavailable[{i}]"),
                Some(c.employee),
                Some(c.day),
                Some(c.shift),
            )?;
        }
        for (i, s) in self.successions.iter().enumerate() {
            let field = format!("successions[{i}]");
            cell(field.clone(), s.employee, None, Some(s.first))?;
            cell(field.clone(), None, None, Some(s.second))?;
            if !(1..=2).contains(&s.gap) {
                return fail(field, format!("gap {} (must be 1 or 2)", s.gap));
            }
        }
        for (i, l) in self.minute_limits.iter().enumerate() {
            cell(format!("minute_limits[{i}]"), Some(l.employee), None, None)?;
            for (j, &s) in l.shifts.iter().enumerate() {
                cell(
                    format!("minute_limits[{i}].shifts[{j}]"),
                    None,
                    None,
                    Some(s),
                )?;
            }
        }
        let too_big = |w: i64| !(-MAX_WEIGHT..=MAX_WEIGHT).contains(&w);
        let weights = self
            .on_requests
            .iter()
            .chain(&self.off_requests)
            .map(|r| ("requests", r.weight))
            .chain(
                self.cover
                    .iter()
                    .flat_map(|c| [("cover", c.weight_under), ("cover", c.weight_over)]),
            )
            .chain(
                self.assignment_costs
                    .iter()
                    .map(|a| ("assignment_costs", a.cost)),
            )
            .chain([("fairness_weight", self.fairness_weight)]);
        for (field, w) in weights {
            if too_big(w) {
                return fail(field, format!("weight {w} outside ±{MAX_WEIGHT}"));
            }
        }
        Ok(())
    }
}

/// Largest weight or cost magnitude accepted, so that objectives never overflow.
pub const MAX_WEIGHT: i64 = 1_000_000_000;
