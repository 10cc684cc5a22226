//! Planning a synthetic cohort over 10 years at about 60 sites: one doctor's best plan
//! (the dynamic programme), and the whole cohort (first plan and 200 rounds of
//! large-neighbourhood search) at 100 and 300 doctors. `cargo bench -p chiiki-rotation`.

use chiiki_rotation::generate::cohort;
use chiiki_rotation::{Limits, check, doctor::best_plan, solve};

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn one_doctor_10_years_60_sites(b: divan::Bencher) {
    let i = cohort(300, 10, 60, 7);
    let empty = vec![vec![0u32; i.years]; i.sites.len()];
    let banned = vec![usize::MAX; i.sites.len()];
    b.bench(|| best_plan(divan::black_box(&i), 0, &empty, &banned));
}

#[divan::bench(args = [100, 300], sample_count = 3)]
fn cohort_10_years_60_sites(b: divan::Bencher, doctors: usize) {
    let i = cohort(doctors, 10, 60, 7);
    let limits = Limits::default();
    let solved = solve(&i, &limits);
    println!(
        "{doctors} doctors: objective {:.1} (coverage {:.1}), {} unplanned, {} violations, {} improving rounds",
        solved.score.total(),
        solved.score.coverage,
        solved.unplanned.len(),
        check(&i, &solved.plan).len(),
        solved.improvements
    );
    b.bench(|| solve(divan::black_box(&i), &limits));
}
