//! The roster model: who may work which shift on which day, what must be covered, and what
//! each choice costs. It is the Curtois–Qu shift scheduling model, extended with what
//! chiiki's own rosters need (assignment costs, hard cover ceilings, unavailable cells,
//! per-employee successions over one or two days, minute caps over a subset of shifts,
//! fairness); a benchmark instance leaves every extension empty.
//!
//! Indices: shifts, employees and days are numbered by position (`usize`); day 0 is the
//! first day of the horizon and its weekday is [`Instance::first_weekday`].

use serde::{Deserialize, Serialize};

/// Minutes of work.
pub type Minutes = u32;

/// A roster problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The instance's name (the benchmark file's stem, or the roster's title).
    pub name: String,
    /// Days in the horizon.
    pub days: usize,
    /// Weekday of day 0: 0 = Monday … 6 = Sunday. A weekend is a Saturday and the Sunday
    /// after it; it is worked when either day is.
    pub first_weekday: u8,
    pub shifts: Vec<Shift>,
    pub staff: Vec<Employee>,
    /// Penalty `weight` if the employee does NOT work `shift` on `day`.
    pub on_requests: Vec<Request>,
    /// Penalty `weight` if the employee works `shift` on `day`.
    pub off_requests: Vec<Request>,
    /// Cover wanted per day and shift.
    pub cover: Vec<Cover>,

    // ---- Extensions for chiiki's own rosters; empty (or zero) in a benchmark instance. ----
    /// Cost added when the employee works `shift` on `day` (travel, preference); may be
    /// negative (a reward).
    #[serde(default)]
    pub assignment_costs: Vec<AssignmentCost>,
    /// Cells the employee may not work (hard), finer than a whole day off.
    #[serde(default)]
    pub unavailable: Vec<Cell>,
    /// Forbidden successions beyond each shift's `cannot_follow` (hard).
    #[serde(default)]
    pub successions: Vec<Succession>,
    /// Caps on an employee's minutes over a subset of shifts (hard).
    #[serde(default)]
    pub minute_limits: Vec<MinuteLimit>,
    /// Fairness: `fairness_weight × Σ over employees of (shifts worked)²` is added to the
    /// objective, so that work is spread rather than piled on the same people.
    #[serde(default)]
    pub fairness_weight: i64,
}

/// A shift type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub id: String,
    pub minutes: Minutes,
    /// Shifts (by index) that may not be worked on the day after this one (hard).
    pub cannot_follow: Vec<usize>,
}

/// An employee and their contract (every field hard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Employee {
    pub id: String,
    /// Most shifts of each type (indexed like [`Instance::shifts`]) in the horizon.
    pub max_shifts: Vec<u32>,
    pub max_total_minutes: Minutes,
    pub min_total_minutes: Minutes,
    /// Most consecutive days worked.
    pub max_consecutive: u32,
    /// Fewest consecutive days worked in a block (blocks touching the first or last day of
    /// the horizon are exempt).
    pub min_consecutive: u32,
    /// Fewest consecutive days off in a block (blocks touching the first or last day of the
    /// horizon are exempt).
    pub min_consecutive_days_off: u32,
    /// Most weekends worked.
    pub max_weekends: u32,
    /// Days the employee may not work.
    pub days_off: Vec<usize>,
}

/// A request for a shift on (or off) a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub employee: usize,
    pub day: usize,
    pub shift: usize,
    pub weight: i64,
}

/// Cover wanted on a day for a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    pub day: usize,
    pub shift: usize,
    pub requirement: u32,
    /// Penalty per person short of the requirement.
    pub weight_under: i64,
    /// Penalty per person over the requirement.
    pub weight_over: i64,
    /// Hard ceiling on the people working this shift that day (`None`: no ceiling).
    #[serde(default)]
    pub max: Option<u32>,
}

/// An employee, a day and a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cell {
    pub employee: usize,
    pub day: usize,
    pub shift: usize,
}

/// The cost of one cell when worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentCost {
    pub cell: Cell,
    pub cost: i64,
}

/// `second` may not be worked `gap` days after `first` (gap 1 = the next day, 2 = the day
/// after that), by `employee` or, when `None`, by anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub employee: Option<usize>,
    pub first: usize,
    pub gap: u8,
    pub second: usize,
}

/// At most `max` minutes for `employee` over the shifts listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteLimit {
    pub employee: usize,
    pub shifts: Vec<usize>,
    pub max: Minutes,
}

/// A roster: for each employee, for each day, the shift worked (or `None`, a day off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub cells: Vec<Vec<Option<usize>>>,
}

impl Roster {
    /// Everyone off every day.
    pub fn empty(instance: &Instance) -> Self {
        Self {
            cells: vec![vec![None; instance.days]; instance.staff.len()],
        }
    }
}
