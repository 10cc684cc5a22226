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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// The feasibility oracle never rejects a state on the way of a row that keeps every
    /// hard rule, blocks touching the first day included.
    #[test]
    fn oracle_keeps_every_feasible_row(inst in tiny_instance(3, 7, 3)) {
        use super::ctx::OFF;
        use super::oracle::{Oracle, Params};
        let ctx = Ctx::new(&inst);
        let nd = ctx.nd;
        let mut scratch = Vec::new();
        for e in 0..ctx.ne {
            let emp = &ctx.emps[e];
            let succ = &ctx.succ[emp.succ];
            let has2 = succ.has_gap2;
            let run_w = if emp.max_cons == u32::MAX {
                emp.min_cons.max(1)
            } else {
                emp.max_cons.max(emp.min_cons).max(1)
            };
            let run_o = emp.min_off.max(1);
            let cands: Vec<Vec<(u16, i64)>> =
                (0..nd).map(|d| ctx.options[e * nd + d].iter().map(|&s| (s, 0)).collect()).collect();
            let p = Params { e, run_w, run_o, has2, free_only: false };
            let mut oracle = Oracle::default();
            let Some(start_ok) = oracle.build(&ctx, &p, &cands) else { continue };
            // Every row of the employee, day by day.
            let mut pick = vec![0usize; nd];
            let mut row = vec![OFF; nd];
            let mut feasible = 0;
            'rows: loop {
                for d in 0..nd {
                    row[d] = if pick[d] == 0 { OFF } else { cands[d][pick[d] - 1].0 };
                }
                if ctx.row_ok(e, &row, &mut scratch) {
                    feasible += 1;
                    let (mut last, mut run, mut flag, mut wk, mut m) =
                        (0u16, run_o, true, 0u32, 0u64);
                    for d in 0..nd {
                        let prev = if has2 { last } else { 0 };
                        if row[d] == OFF {
                            (run, flag) = if last == 0 { ((run + 1).min(run_o), flag) } else { (1, false) };
                            last = 0;
                        } else {
                            let su = row[d] as usize;
                            wk += u32::from(ctx.weekend[d] == 1 || (ctx.weekend[d] == 2 && last == 0));
                            (run, flag) = if last == 0 { (1, d == 0) } else { ((run + 1).min(run_w), flag) };
                            last = succ.class_of[su] + 1;
                            m += ctx.len[su];
                        }
                        prop_assert!(
                            oracle.ok(d + 1, last, prev, run, flag, wk, m),
                            "employee {e}: row {row:?} rejected entering day {}", d + 1
                        );
                    }
                }
                for (d, p) in pick.iter_mut().enumerate() {
                    *p += 1;
                    if *p <= cands[d].len() {
                        continue 'rows;
                    }
                    *p = 0;
                }
                break;
            }
            prop_assert!(feasible == 0 || start_ok, "employee {e}: a feasible row exists");
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

/// Manual benchmark harness (release mode):
/// `CQ=6,8,13 CQ_SECS=15 CQ_SEEDS=1,2 cargo test --release -p chiiki-roster cq_bench -- --ignored --nocapture`.
#[test]
#[ignore]
fn cq_bench() {
    use crate::shift::parse::parse;
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let list =
        |s: String| -> Vec<u64> { s.split(',').filter_map(|x| x.trim().parse().ok()).collect() };
    let secs: f64 = var("CQ_SECS", "15").parse().unwrap_or(15.0);
    let threads: usize = var("CQ_THREADS", "2").parse().unwrap_or(2);
    for i in list(var("CQ", "6,8,13,15,19,21")) {
        for seed in list(var("CQ_SEEDS", "0")) {
            let name = format!("Instance{i}");
            let path = format!(
                "{}/../../benchmarks/shift-scheduling/{name}.txt",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).expect("benchmark file");
            let inst = parse(&name, &text).expect("parses");
            let limits = Limits {
                time_limit: Duration::from_secs_f64(secs),
                seed,
                threads,
            };
            let sol = solve_with(&inst, &limits, Stopping::FULL_TIME);
            println!(
                "CQ {name} seed {seed} obj {} feasible {} secs {:.1} {:?}",
                sol.objective, sol.feasible, sol.seconds, sol.evaluation.breakdown
            );
        }
    }
}
