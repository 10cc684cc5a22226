//! The heuristic search alone (no exhaustive shortcut) against exhaustive enumeration on
//! random tiny instances.

use std::time::Duration;

use proptest::prelude::*;

use super::ctx::Ctx;
use super::exact::{Exact, exact};
use super::*;
use crate::shift::model::*;

/// A random tiny instance, extensions included.
pub(crate) fn tiny_instance(
    max_staff: usize,
    max_days: usize,
    max_shifts: usize,
) -> impl Strategy<Value = Instance> {
    (
        1..=max_staff,
        2..=max_days,
        1..=max_shifts,
        0u8..7,
        any::<u64>(),
    )
        .prop_map(|(ne, nd, ns, wd, seed)| {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let shifts: Vec<Shift> = (0..ns)
                .map(|s| Shift {
                    id: format!("S{s}"),
                    minutes: [240, 480, 600][rng.random_range(0..3)],
                    cannot_follow: (0..ns).filter(|_| rng.random_bool(0.2)).collect(),
                })
                .collect();
            let staff: Vec<Employee> = (0..ne)
                .map(|e| Employee {
                    id: format!("E{e}"),
                    max_shifts: (0..ns).map(|_| rng.random_range(0..=nd as u32)).collect(),
                    max_total_minutes: rng.random_range(0..=nd as u32 * 600),
                    min_total_minutes: rng.random_range(0..=nd as u32 * 300),
                    max_consecutive: rng.random_range(1..=nd as u32),
                    min_consecutive: rng.random_range(0..=3),
                    min_consecutive_days_off: rng.random_range(0..=3),
                    max_weekends: rng.random_range(0..=2),
                    days_off: (0..nd).filter(|_| rng.random_bool(0.15)).collect(),
                })
                .collect();
            let mut req = |on: bool| -> Vec<Request> {
                let n = rng.random_range(0..=ne * nd / if on { 2 } else { 3 });
                (0..n)
                    .map(|_| Request {
                        employee: rng.random_range(0..ne),
                        day: rng.random_range(0..nd),
                        shift: rng.random_range(0..ns),
                        weight: rng.random_range(1..=5),
                    })
                    .collect()
            };
            let on_requests = req(true);
            let off_requests = req(false);
            let mut cover = Vec::new();
            for d in 0..nd {
                for s in 0..ns {
                    if rng.random_bool(0.8) {
                        cover.push(Cover {
                            day: d,
                            shift: s,
                            requirement: rng.random_range(0..=ne as u32),
                            weight_under: rng.random_range(0..=20),
                            weight_over: rng.random_range(0..=3),
                            max: rng
                                .random_bool(0.2)
                                .then(|| rng.random_range(0..=ne as u32)),
                        });
                    }
                }
            }
            let cell = |rng: &mut rand_chacha::ChaCha8Rng| Cell {
                employee: rng.random_range(0..ne),
                day: rng.random_range(0..nd),
                shift: rng.random_range(0..ns),
            };
            let assignment_costs = (0..rng.random_range(0..=3))
                .map(|_| AssignmentCost {
                    cell: cell(&mut rng),
                    cost: rng.random_range(-3..=5),
                })
                .collect();
            let unavailable = (0..rng.random_range(0..=2))
                .map(|_| cell(&mut rng))
                .collect();
            let successions = (0..rng.random_range(0..=2))
                .map(|_| Succession {
                    employee: rng.random_bool(0.5).then(|| rng.random_range(0..ne)),
                    first: rng.random_range(0..ns),
                    gap: rng.random_range(1..=2),
                    second: rng.random_range(0..ns),
                })
                .collect();
            let minute_limits = (0..rng.random_range(0..=1))
                .map(|_| MinuteLimit {
                    employee: rng.random_range(0..ne),
                    shifts: (0..ns).filter(|_| rng.random_bool(0.6)).collect(),
                    max: rng.random_range(0..=nd as u32 * 400),
                })
                .collect();
            Instance {
                name: "tiny".into(),
                days: nd,
                first_weekday: wd,
                shifts,
                staff,
                on_requests,
                off_requests,
                cover,
                assignment_costs,
                unavailable,
                successions,
                minute_limits,
                fairness_weight: if rng.random_bool(0.3) {
                    rng.random_range(-1..=2)
                } else {
                    0
                },
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// The search alone finds the optimum that enumeration proves on tiny instances, and
    /// is feasible whenever enumeration finds a feasible roster.
    #[test]
    fn search_reaches_enumerated_optimum(inst in tiny_instance(3, 5, 2)) {
        let ctx = Ctx::new(&inst);
        let Some(truth) = exact(&ctx, 1 << 20, 1 << 22) else {
            return Ok(());
        };
        let limits = Limits { time_limit: Duration::from_millis(300), seed: 1, threads: 1 };
        let rows = run_search(&ctx, &limits, Stopping::CONVERGE, std::time::Instant::now());
        let roster = to_roster(&ctx, &rows);
        let ev = check(&inst, &roster);
        prop_assert_eq!(ev.objective, ctx.objective(&rows));
        match truth {
            Exact::Optimal(rows) => {
                let best = ctx.objective(&rows);
                prop_assert!(ev.feasible, "feasible roster exists (objective {best}) but search found {:?}", ev.violations);
                prop_assert!(ev.objective >= best);
                prop_assert_eq!(ev.objective, best, "search {} vs optimum {}", ev.objective, best);
            }
            Exact::Infeasible => prop_assert!(!ev.feasible),
        }
    }
}

/// The year-long benchmark instances: construction against the feasibility oracle gives
/// every employee a row that keeps all hard rules, in well under a second per thread.
#[test]
fn year_long_construction_is_feasible() {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    use super::search::{Search, Shared, Team};
    use crate::shift::parse::parse;

    for name in ["Instance22", "Instance24"] {
        let path = format!(
            "{}/../../benchmarks/shift-scheduling/{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("benchmark file");
        let inst = parse(name, &text).expect("parses");
        let ctx = Ctx::new(&inst);
        let start = Instant::now();
        let team = Team {
            best: Mutex::new(Shared {
                bad: usize::MAX,
                obj: i64::MAX,
                rows: Vec::new(),
                improved: Duration::ZERO,
            }),
            stop: AtomicBool::new(false),
            start,
            deadline: start + Duration::from_secs(120),
            patience: None,
            ctx: &ctx,
        };
        let mut search = Search::new(&ctx, 7);
        search.construct(&team);
        assert_eq!(search.broken_rows(), 0, "{name}: rows left infeasible");
    }
}
