//! The Curtois–Qu benchmark runner and reference values.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::check::{Evaluation, check};
use super::model::Roster;
use super::parse::{ParseError, parse};
use super::solve::{Limits, Stopping, solve_with};

/// Best published upper bounds as commonly cited for the Curtois–Qu instances 1–19 (not
/// verified by us; Instance1's 607 is a proven optimum).
pub const BEST_KNOWN: [(&str, i64); 19] = [
    ("Instance1", 607),
    ("Instance2", 828),
    ("Instance3", 1001),
    ("Instance4", 1716),
    ("Instance5", 1143),
    ("Instance6", 1950),
    ("Instance7", 1056),
    ("Instance8", 1300),
    ("Instance9", 439),
    ("Instance10", 4631),
    ("Instance11", 3443),
    ("Instance12", 4040),
    ("Instance13", 1348),
    ("Instance14", 1278),
    ("Instance15", 3831),
    ("Instance16", 3225),
    ("Instance17", 5746),
    ("Instance18", 4459),
    ("Instance19", 3149),
];

/// The reference value of an instance, by name (`Instance7`).
pub fn best_known(name: &str) -> Option<i64> {
    BEST_KNOWN.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// One benchmark run, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkResult {
    pub instance: String,
    /// The checker's objective.
    pub objective: i64,
    /// The checker's verdict.
    pub feasible: bool,
    /// Wall-clock seconds for parsing, solving and checking.
    pub seconds: f64,
}

/// Parses `text` as instance `name`, solves it for the whole time limit and judges the roster with
/// the checker; the result reports the checker's objective and verdict.
pub fn run_benchmark(
    name: &str,
    text: &str,
    limits: &Limits,
) -> Result<(BenchmarkResult, Roster, Evaluation), ParseError> {
    let start = Instant::now();
    let instance = parse(name, text)?;
    let solution = solve_with(&instance, limits, Stopping::FULL_TIME);
    let evaluation = check(&instance, &solution.roster);
    let result = BenchmarkResult {
        instance: name.to_string(),
        objective: evaluation.objective,
        feasible: evaluation.feasible,
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok((result, solution.roster, evaluation))
}
