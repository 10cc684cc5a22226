//! The roster engine: the model, a reader for the Curtois–Qu text format, an independent
//! checker, the solver, roster JSON and the benchmark runner.

pub mod benchmark;
pub mod check;
pub mod json;
pub mod model;
pub mod parse;
pub mod solve;
mod validate;

pub use benchmark::{BEST_KNOWN, BenchmarkResult, best_known, run_benchmark};
pub use check::{Breakdown, Evaluation, Rule, Violation, check};
pub use json::{RosterJsonError, roster_from_json, roster_json};
pub use model::*;
pub use parse::{ParseError, parse};
pub use solve::{Limits, Solution, Stopping, solve, solve_with};
pub use validate::{MAX_WEIGHT, ValidationError};
