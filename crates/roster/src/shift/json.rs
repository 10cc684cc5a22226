//! Rosters as JSON: `{"instance": …, "assignments": [{"employee", "day", "shift"}, …]}`.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::model::{Instance, Roster};

/// A roster JSON document that does not fit its instance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterJsonError {
    #[error("roster JSON is malformed: {0}")]
    Syntax(String),
    #[error("roster is for instance '{found}', not '{expected}'")]
    WrongInstance { expected: String, found: String },
    #[error("assignments[{index}]: {message}")]
    Entry { index: usize, message: String },
}

/// The roster as JSON: one entry per worked shift, ordered by employee then day.
pub fn roster_json(instance: &Instance, roster: &Roster) -> Value {
    let mut assignments = Vec::new();
    for (e, row) in roster.cells.iter().enumerate() {
        for (d, cell) in row.iter().enumerate() {
            if let Some(s) = *cell {
                let employee = instance
                    .staff
                    .get(e)
                    .map_or_else(|| e.to_string(), |x| x.id.clone());
                let shift = instance
                    .shifts
                    .get(s)
                    .map_or_else(|| s.to_string(), |x| x.id.clone());
                assignments.push(json!({"employee": employee, "day": d, "shift": shift}));
            }
        }
    }
    json!({"instance": instance.name, "assignments": assignments})
}

#[derive(Deserialize)]
struct Doc {
    instance: Option<String>,
    assignments: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    employee: String,
    day: usize,
    shift: String,
}

/// Reads a roster written by [`roster_json`]. Unknown IDs, days outside the horizon and two
/// shifts for one employee on one day are errors naming the entry.
pub fn roster_from_json(instance: &Instance, text: &str) -> Result<Roster, RosterJsonError> {
    let doc: Doc =
        serde_json::from_str(text).map_err(|e| RosterJsonError::Syntax(e.to_string()))?;
    if let Some(found) = doc.instance
        && found != instance.name
    {
        return Err(RosterJsonError::WrongInstance {
            expected: instance.name.clone(),
            found,
        });
    }
    let staff: HashMap<&str, usize> = instance
        .staff
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let shifts: HashMap<&str, usize> = instance
        .shifts
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut roster = Roster::empty(instance);
    for (index, value) in doc.assignments.into_iter().enumerate() {
        let fail = |message: String| RosterJsonError::Entry { index, message };
        let entry: Entry = serde_json::from_value(value).map_err(|e| fail(e.to_string()))?;
        let e = *staff
            .get(entry.employee.as_str())
            .ok_or_else(|| fail(format!("unknown employee '{}'", entry.employee)))?;
        let s = *shifts
            .get(entry.shift.as_str())
            .ok_or_else(|| fail(format!("unknown shift '{}'", entry.shift)))?;
        if entry.day >= instance.days {
            return Err(fail(format!(
                "day {} outside the horizon of {} days",
                entry.day, instance.days
            )));
        }
        let cell = &mut roster.cells[e][entry.day];
        if let Some(other) = *cell {
            return Err(fail(format!(
                "employee '{}' already works {} on day {}",
                entry.employee, instance.shifts[other].id, entry.day
            )));
        }
        *cell = Some(s);
    }
    Ok(roster)
}
