//! Planning synthetic cohorts over 10 years: one doctor's best plan (the dynamic programme),
//! and the whole cohort (first plan, column generation with its bound, dive, annealing,
//! search) at 100, 300 and 1,000 doctors at about 60 sites (`generate::cohort`), and at 300
//! doctors over 170 sites shaped like a prefecture (`generate::prefecture`). Each cohort run
//! prints its objective, bound, gap, seconds and the checker's violations.
//! `cargo bench -p chiiki-rotation`.

use chiiki_rotation::generate::{cohort, prefecture};
use chiiki_rotation::{Instance, Limits, check, doctor::best_plan, solve};

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 20)]
fn one_doctor_10_years_60_sites(b: divan::Bencher) {
    let i = cohort(300, 10, 60, 7);
    let values = vec![vec![1.0f64; i.years]; i.sites.len()];
    let banned = vec![usize::MAX; i.sites.len()];
    b.bench(|| best_plan(divan::black_box(&i), 0, &values, &banned));
}

fn run(name: &str, i: &Instance) -> chiiki_rotation::Solved {
    let limits = Limits::default();
    let started = std::time::Instant::now();
    let solved = solve(divan::black_box(i), &limits);
    println!(
        "{name}: objective {:.2} (coverage {:.2}), bound {:.2}, gap {:.3} %, {:.1} s, {} violations, {} unplanned, {} overflowing posts, {} improving rounds",
        solved.score.total(),
        solved.score.coverage,
        solved.bound.unwrap_or(f64::NAN),
        100.0 * solved.gap.unwrap_or(f64::NAN),
        started.elapsed().as_secs_f64(),
        check(i, &solved.plan).len(),
        solved.unplanned.len(),
        solved.overflow.len(),
        solved.improvements,
    );
    solved
}

#[divan::bench(args = [100, 300, 1000], sample_count = 1, sample_size = 1)]
fn cohort_10_years_60_sites(b: divan::Bencher, doctors: usize) {
    let i = cohort(doctors, 10, 60, 7);
    b.bench(|| run(&format!("{doctors} doctors, 60 sites"), &i));
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn prefecture_300_doctors_170_sites(b: divan::Bencher) {
    let i = prefecture(300, 10, 170, 7);
    b.bench(|| run("300 doctors, 170 sites (prefecture)", &i));
}
