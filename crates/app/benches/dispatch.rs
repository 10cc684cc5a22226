//! A month of dispatch of the Iwate demo read from the register: the demo's 40 synthetic
//! clinics ask for cover (one in five with beds asks for night duty too) and the synthetic
//! doctors working in the prefecture offer days and report hours; April is solved and
//! confirmed first, so that May's doctors carry April's dispatches. Times the whole use case
//! (the register and offers read, the month solved with the standard 10-second limit, the
//! final check of every timeline, the run stored) and prints what it achieved.
//! `cargo bench -p chiiki-app --bench dispatch`.

use chiiki_app::access::Principal;
use chiiki_app::dispatch::{self as dx, Effort, Month};
use chiiki_domain::NaiveDate;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn iwate_demo_month() -> usize {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let t = chiiki_store::testing::sqlite().await;
        let store = t.store();
        chiiki_app::load_demo(store).await.unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 4, 15).unwrap();
        let made = dx::demo(store, today, Effort::quick()).await.unwrap();
        let who = Principal::system("bench");
        let pref = chiiki_app::demo::iwate();
        let may = Month::parse("2026-05").unwrap();
        let started = std::time::Instant::now();
        let run = dx::solve_month(store, &who, pref, may, Effort::standard())
            .await
            .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let r = dx::run(store, &who, pref, run.seq).await.unwrap();
        let f = &r.plan.figures;
        let binding = r
            .plan
            .findings
            .iter()
            .filter(|b| !matches!(b.severity, chiiki_roster::hours::Severity::Due))
            .count();
        eprintln!(
            "iwate demo May 2026: {} requests from {} clinics, {} doctors offering ({} left out), {} filled, weighted cover {:.1} %, {} doctors sent, {} withdrawn, {binding} binding findings; solver {:.2} s, use case {seconds:.2} s (April before it: {} dispatches confirmed)",
            f.requests,
            r.input
                .problem
                .requests
                .iter()
                .map(|q| &q.facility)
                .collect::<std::collections::HashSet<_>>()
                .len(),
            f.doctors_offering,
            r.input.left_out.len(),
            f.filled,
            f.weighted_cover * 100.0,
            f.doctors_sent,
            f.withdrawn,
            f.seconds,
            made.dispatches,
        );
        f.filled
    })
}
