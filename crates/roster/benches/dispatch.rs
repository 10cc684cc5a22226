//! Dispatch: a prefecture-shaped month (40 facilities, 300 synthetic doctors, as in the Iwate
//! demo) planned under the work-hour rules, and the hours checker on a doctor's month.
//! Each run prints requests, filled, weighted cover, travel, doctors sent, withdrawals, the
//! checker's binding findings (always 0) and seconds. `cargo bench -p chiiki-roster --bench dispatch`.

use std::time::Duration;

use chiiki_domain::NaiveDate;
use chiiki_roster::dispatch::{self, Limits, generate};
use chiiki_roster::hours::{self, Rules, Severity};

fn main() {
    divan::main();
}

fn december() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
}

#[divan::bench(args = [(40, 300), (80, 600)], sample_count = 1, sample_size = 1)]
fn month_of_dispatch(b: divan::Bencher, (sites, doctors): (usize, usize)) {
    let p = generate::prefecture(december(), sites, doctors, 11);
    b.bench(|| {
        let plan = dispatch::solve(
            divan::black_box(&p),
            &Limits {
                time_limit: Duration::from_secs(8),
                seed: 1,
                threads: 2,
            },
        );
        let binding = plan
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Due)
            .count();
        println!(
            "{sites} facilities, {doctors} doctors ({} offering): {} requests, {} filled, weighted cover {:.1} %, travel {} min, {} doctors sent (most {}), {} withdrawn, {binding} binding findings, {:.2} s",
            plan.figures.doctors_offering,
            plan.figures.requests,
            plan.figures.filled,
            100.0 * plan.figures.weighted_cover,
            plan.figures.travel_minutes,
            plan.figures.doctors_sent,
            plan.figures.most_dispatches,
            plan.figures.withdrawn,
            plan.figures.seconds,
        );
        plan
    });
}

#[divan::bench(sample_count = 50)]
fn hours_check_one_doctor_month(b: divan::Bencher) {
    let p = generate::prefecture(december(), 40, 300, 11);
    let mut t = p.doctors[0].timeline.clone();
    for r in p.requests.iter().take(25) {
        t.duties.push(r.duty());
    }
    b.bench(|| hours::check(Rules::mhlw_2024(), divan::black_box(&t), december()));
}
