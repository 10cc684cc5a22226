//! The Curtois–Qu benchmark: solves instances and prints a table with the gap to the best
//! published values.
//!
//! `CHIIKI_SHIFT_INSTANCES=1,2,5` picks instances (default: all 24);
//! `CHIIKI_SHIFT_SECONDS=60` sets the seconds per instance (default 60);
//! `CHIIKI_SHIFT_THREADS=2` the threads (default 2); `CHIIKI_SHIFT_SEED=0` the seed.

use std::time::Duration;

use chiiki_roster::shift::{Limits, best_known, run_benchmark};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn main() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/shift-scheduling"
    );
    let instances: Vec<usize> = match std::env::var("CHIIKI_SHIFT_INSTANCES") {
        Ok(list) => list
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect(),
        Err(_) => (1..=24).collect(),
    };
    let seconds: f64 = env_or("CHIIKI_SHIFT_SECONDS", 60.0);
    let limits = Limits {
        time_limit: Duration::from_secs_f64(seconds),
        seed: env_or("CHIIKI_SHIFT_SEED", 0),
        threads: env_or("CHIIKI_SHIFT_THREADS", 2),
    };
    println!(
        "{:<11} {:>10} {:>10} {:>8} {:>9} {:>8}",
        "instance", "objective", "best", "gap %", "feasible", "seconds"
    );
    for i in instances {
        let name = format!("Instance{i}");
        let path = format!("{dir}/{name}.txt");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                println!("{name:<11} cannot read {path}: {e}");
                continue;
            }
        };
        match run_benchmark(&name, &text, &limits) {
            Ok((result, _, _)) => {
                let best = best_known(&name);
                let gap = best.map_or("-".to_string(), |b| {
                    format!("{:.2}", 100.0 * (result.objective - b) as f64 / b as f64)
                });
                println!(
                    "{:<11} {:>10} {:>10} {:>8} {:>9} {:>8.1}",
                    name,
                    result.objective,
                    best.map_or("-".to_string(), |b| b.to_string()),
                    gap,
                    result.feasible,
                    result.seconds
                );
            }
            Err(e) => println!("{name:<11} parse error: {e}"),
        }
    }
}
