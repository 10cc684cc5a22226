//! Rotation plans of the Iwate demo cohort (about 220 doctors still owing service, 171
//! hospitals and clinics, 10 fiscal years): the planner with its default limits and with the
//! quick ones, from the register read into the planning problem. Prints the objective, the
//! bound, the gap, the seconds and what the checkers found.
//! `cargo bench -p chiiki-app --bench rotation`.

use chiiki_app::access::Principal;
use chiiki_app::rotation::{Effort, Horizon, Input, cohort};
use chiiki_domain::FiscalYear;
use chiiki_rotation as rot;

fn main() {
    divan::main();
}

fn demo_input() -> Input {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let t = chiiki_store::testing::sqlite().await;
        chiiki_app::load_demo(t.store()).await.unwrap();
        let horizon = Horizon::new(FiscalYear::new(2027).unwrap(), 10).unwrap();
        cohort(
            t.store(),
            &Principal::system("bench"),
            chiiki_app::demo::iwate(),
            horizon,
        )
        .await
        .unwrap()
    })
}

fn run(effort: Effort, what: &str) -> f64 {
    let input = demo_input();
    let instance = input.instance().unwrap();
    let started = std::time::Instant::now();
    let solved = rot::solve(&instance, &effort.limits);
    let seconds = started.elapsed().as_secs_f64();
    let violations = rot::check(&instance, &solved.plan)
        .iter()
        .filter(|v| {
            v.doctor
                .is_none_or(|d| !solved.unplanned.iter().any(|u| u.doctor == d))
        })
        .count();
    eprintln!(
        "iwate demo ({what}): {} doctors, {} sites, {} years: objective {:.1}, bound {}, gap {}, unplanned {}, overflow {}, violations {violations}, {seconds:.1} s",
        instance.doctors.len(),
        instance.sites.len(),
        instance.years,
        solved.score.total(),
        solved.bound.map_or("—".into(), |b| format!("{b:.1}")),
        solved
            .gap
            .map_or("—".into(), |g| format!("{:.2} %", g * 100.0)),
        solved.unplanned.len(),
        solved.overflow.len(),
    );
    solved.score.total()
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn iwate_demo_default() -> f64 {
    run(Effort::default(), "default limits")
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn iwate_demo_quick() -> f64 {
    run(Effort::quick(), "quick")
}
