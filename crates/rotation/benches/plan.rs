//! Planning a synthetic cohort over 10 years at about 60 sites: one doctor's best plan
//! (the dynamic programme), the bound alone, and the whole cohort (first plan, search, bound)
//! at 100, 300 and 1,000 doctors. `cargo bench -p chiiki-rotation`.

use chiiki_rotation::generate::cohort;
use chiiki_rotation::{Limits, check, doctor::best_plan, solve};

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

#[divan::bench(args = [100, 300, 1000], sample_count = 1, sample_size = 1)]
fn cohort_10_years_60_sites(b: divan::Bencher, doctors: usize) {
    let i = cohort(doctors, 10, 60, 7);
    let limits = Limits::default();
    b.bench(|| {
        let started = std::time::Instant::now();
        let solved = solve(divan::black_box(&i), &limits);
        println!(
            "{doctors} doctors: objective {:.2} (coverage {:.2}), bound {:.2}, gap {:.3} %, {} unplanned, {} overflowing posts, {} violations, {} improving rounds, {:.1} s",
            solved.score.total(),
            solved.score.coverage,
            solved.bound.unwrap_or(f64::NAN),
            100.0 * solved.gap.unwrap_or(f64::NAN),
            solved.unplanned.len(),
            solved.overflow.len(),
            check(&i, &solved.plan).len(),
            solved.improvements,
            started.elapsed().as_secs_f64(),
        );
        solved
    });
}
