//! Integration tests of the roster engine on the Curtois–Qu instances and on random tiny
//! instances.

use std::time::Duration;

use chiiki_roster::shift::*;
use proptest::prelude::*;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../benchmarks/shift-scheduling"
);

fn load(i: usize) -> (String, String) {
    let name = format!("Instance{i}");
    let text = std::fs::read_to_string(format!("{DIR}/{name}.txt")).expect("instance file");
    (name, text)
}

/// days, staff, shift types, day-off entries, on requests, off requests, cover rows.
const SIZES: [[usize; 7]; 24] = [
    [14, 8, 1, 8, 21, 5, 14],
    [14, 14, 2, 14, 50, 12, 28],
    [14, 20, 3, 20, 39, 25, 42],
    [28, 10, 2, 20, 52, 19, 56],
    [28, 16, 2, 32, 79, 27, 56],
    [28, 18, 3, 36, 87, 48, 84],
    [28, 20, 3, 40, 104, 64, 84],
    [28, 30, 4, 60, 139, 86, 112],
    [28, 36, 4, 72, 144, 88, 112],
    [28, 40, 5, 80, 210, 74, 140],
    [28, 50, 6, 100, 197, 139, 168],
    [28, 60, 10, 120, 294, 128, 280],
    [28, 120, 18, 240, 589, 252, 504],
    [42, 32, 4, 128, 266, 93, 168],
    [42, 45, 6, 180, 350, 140, 252],
    [56, 20, 3, 120, 177, 103, 168],
    [56, 32, 4, 160, 351, 129, 224],
    [84, 22, 3, 176, 322, 92, 252],
    [84, 40, 5, 320, 587, 247, 420],
    [182, 50, 6, 900, 1665, 653, 1092],
    [182, 100, 8, 1800, 3210, 1492, 1456],
    [364, 50, 10, 1800, 3253, 1385, 3640],
    [364, 100, 16, 3600, 6549, 2861, 5824],
    [364, 150, 32, 5400, 9540, 4269, 11648],
];

#[test]
fn all_instances_parse_with_the_published_sizes() {
    for (i, want) in SIZES.iter().enumerate() {
        let (name, text) = load(i + 1);
        let inst = parse(&name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let days_off: usize = inst.staff.iter().map(|e| e.days_off.len()).sum();
        let got = [
            inst.days,
            inst.staff.len(),
            inst.shifts.len(),
            days_off,
            inst.on_requests.len(),
            inst.off_requests.len(),
            inst.cover.len(),
        ];
        assert_eq!(&got, want, "{name}");
        assert_eq!(inst.first_weekday, 0);
        assert!(inst.validate().is_ok(), "{name}");
        // The empty roster is judged without panicking; it breaks minimum minutes.
        let ev = check(&inst, &Roster::empty(&inst));
        assert!(!ev.feasible, "{name}");
        assert!(
            ev.violations
                .iter()
                .all(|v| v.rule == Rule::MinTotalMinutes)
        );
    }
}

#[test]
fn instance1_solved_feasibly_and_json_round_trips() {
    let (name, text) = load(1);
    let limits = Limits {
        time_limit: Duration::from_secs(5),
        seed: 7,
        threads: 2,
    };
    let (result, roster, evaluation) = run_benchmark(&name, &text, &limits).expect("parses");
    assert!(result.feasible, "{:?}", evaluation.violations);
    assert_eq!(result.objective, evaluation.objective);
    assert!(
        result.objective >= 607,
        "below the proven optimum: {}",
        result.objective
    );
    assert!(
        result.objective <= 620,
        "far from the optimum 607: {}",
        result.objective
    );
    assert!(result.seconds < 7.0, "took {} s", result.seconds);
    assert_eq!(best_known(&name), Some(607));

    let inst = parse(&name, &text).expect("parses");
    let json = roster_json(&inst, &roster);
    assert_eq!(json["instance"], "Instance1");
    let entries = json["assignments"].as_array().expect("array");
    assert_eq!(
        entries.len(),
        roster.cells.iter().flatten().flatten().count()
    );
    assert!(entries[0]["employee"] == "A" && entries[0]["shift"] == "D");
    let back = roster_from_json(&inst, &json.to_string()).expect("round trip");
    assert_eq!(back, roster);

    let out = serde_json::to_string(&result).expect("serialises");
    let keys: Vec<usize> = [
        "\"instance\"",
        "\"objective\"",
        "\"feasible\"",
        "\"seconds\"",
    ]
    .iter()
    .map(|k| out.find(k).expect("key"))
    .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{out}");
}

#[test]
fn roster_json_errors_name_the_entry() {
    let (name, text) = load(1);
    let inst = parse(&name, &text).expect("parses");
    let bad = r#"{"instance":"Instance1","assignments":[{"employee":"A","day":0,"shift":"D"},{"employee":"Q","day":1,"shift":"D"}]}"#;
    let err = roster_from_json(&inst, bad).expect_err("unknown employee");
    assert_eq!(err.to_string(), "assignments[1]: unknown employee 'Q'");
    let twice = r#"{"assignments":[{"employee":"A","day":3,"shift":"D"},{"employee":"A","day":3,"shift":"D"}]}"#;
    assert!(matches!(
        roster_from_json(&inst, twice),
        Err(RosterJsonError::Entry { index: 1, .. })
    ));
    let late = r#"{"assignments":[{"employee":"A","day":14,"shift":"D"}]}"#;
    assert!(matches!(
        roster_from_json(&inst, late),
        Err(RosterJsonError::Entry { index: 0, .. })
    ));
    let other = r#"{"instance":"Instance2","assignments":[]}"#;
    assert!(matches!(
        roster_from_json(&inst, other),
        Err(RosterJsonError::WrongInstance { .. })
    ));
    assert!(matches!(
        roster_from_json(&inst, "[1"),
        Err(RosterJsonError::Syntax(_))
    ));
}

#[test]
fn solver_honours_the_time_limit_on_the_largest_instance() {
    let (name, text) = load(24);
    let inst = parse(&name, &text).expect("parses");
    let limits = Limits {
        time_limit: Duration::from_secs(2),
        seed: 1,
        threads: 2,
    };
    let t = std::time::Instant::now();
    let sol = solve(&inst, &limits);
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(sol.objective, check(&inst, &sol.roster).objective);
}

/// A random tiny instance with the extensions, built from a seed.
fn tiny(seed: u64, ne: usize, nd: usize, ns: usize) -> Instance {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let shifts = (0..ns)
        .map(|s| Shift {
            id: format!("S{s}"),
            minutes: [240, 480, 600][rng.random_range(0..3)],
            cannot_follow: (0..ns).filter(|_| rng.random_bool(0.2)).collect(),
        })
        .collect();
    let staff = (0..ne)
        .map(|e| Employee {
            id: format!("E{e}"),
            max_shifts: (0..ns).map(|_| rng.random_range(1..=nd as u32)).collect(),
            max_total_minutes: rng.random_range(nd as u32 * 200..=nd as u32 * 600),
            min_total_minutes: rng.random_range(0..=nd as u32 * 200),
            max_consecutive: rng.random_range(1..=nd as u32),
            min_consecutive: rng.random_range(0..=2),
            min_consecutive_days_off: rng.random_range(0..=2),
            max_weekends: rng.random_range(0..=2),
            days_off: (0..nd).filter(|_| rng.random_bool(0.1)).collect(),
        })
        .collect();
    let mut requests = |n: usize| -> Vec<Request> {
        (0..n)
            .map(|_| Request {
                employee: rng.random_range(0..ne),
                day: rng.random_range(0..nd),
                shift: rng.random_range(0..ns),
                weight: rng.random_range(1..=5),
            })
            .collect()
    };
    let on_requests = requests(ne * nd / 2);
    let off_requests = requests(ne * nd / 3);
    let mut cover = Vec::new();
    for day in 0..nd {
        for shift in 0..ns {
            cover.push(Cover {
                day,
                shift,
                requirement: rng.random_range(0..=ne as u32),
                weight_under: rng.random_range(0..=20),
                weight_over: rng.random_range(0..=3),
                max: rng
                    .random_bool(0.2)
                    .then(|| rng.random_range(1..=ne as u32)),
            });
        }
    }
    let mut cell = || Cell {
        employee: rng.random_range(0..ne),
        day: rng.random_range(0..nd),
        shift: rng.random_range(0..ns),
    };
    let assignment_costs = (0..3)
        .map(|i| AssignmentCost {
            cell: cell(),
            cost: i - 1,
        })
        .collect();
    let unavailable = vec![cell()];
    let successions = (0..2)
        .map(|_| Succession {
            employee: rng.random_bool(0.5).then(|| rng.random_range(0..ne)),
            first: rng.random_range(0..ns),
            gap: rng.random_range(1..=2),
            second: rng.random_range(0..ns),
        })
        .collect();
    let minute_limits = vec![MinuteLimit {
        employee: rng.random_range(0..ne),
        shifts: vec![rng.random_range(0..ns)],
        max: rng.random_range(0..=nd as u32 * 400),
    }];
    Instance {
        name: format!("tiny{seed}"),
        days: nd,
        first_weekday: rng.random_range(0..7),
        shifts,
        staff,
        on_requests,
        off_requests,
        cover,
        assignment_costs,
        unavailable,
        successions,
        minute_limits,
        fairness_weight: rng.random_range(0..=1),
    }
}

/// Every roster, by brute force over each employee's feasible rows (rows filtered with the
/// checker on a one-employee copy, combinations judged by the checker).
fn brute_force(inst: &Instance) -> Option<Option<i64>> {
    let (ne, nd, ns) = (inst.staff.len(), inst.days, inst.shifts.len());
    let mut rows_of: Vec<Vec<Vec<Option<usize>>>> = Vec::new();
    let mut combos = 1usize;
    for e in 0..ne {
        let mut rows = Vec::new();
        let total = (ns + 1).pow(nd as u32);
        for code in 0..total {
            let mut c = code;
            let row: Vec<Option<usize>> = (0..nd)
                .map(|_| {
                    let x = c % (ns + 1);
                    c /= ns + 1;
                    (x > 0).then(|| x - 1)
                })
                .collect();
            let mut cells = vec![vec![None; nd]; ne];
            cells[e] = row.clone();
            let ev = check(inst, &Roster { cells });
            if ev.violations.iter().all(|v| v.employee != Some(e)) {
                rows.push(row);
            }
        }
        combos = combos.saturating_mul(rows.len());
        rows_of.push(rows);
    }
    if combos > 60_000 {
        return None;
    }
    let mut best: Option<i64> = None;
    let mut pick = vec![0usize; ne];
    if rows_of.iter().any(|r| r.is_empty()) {
        return Some(None);
    }
    'all: loop {
        let cells = (0..ne).map(|e| rows_of[e][pick[e]].clone()).collect();
        let ev = check(inst, &Roster { cells });
        if ev.feasible && best.is_none_or(|b| ev.objective < b) {
            best = Some(ev.objective);
        }
        for e in 0..ne {
            pick[e] += 1;
            if pick[e] < rows_of[e].len() {
                continue 'all;
            }
            pick[e] = 0;
        }
        break;
    }
    Some(best)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// The solver never claims a roster feasible that the checker rejects, and reports the
    /// checker's objective.
    #[test]
    fn solver_agrees_with_checker(seed in any::<u64>(), ne in 1usize..6, nd in 2usize..15, ns in 1usize..4) {
        let inst = tiny(seed, ne, nd, ns);
        let limits = Limits { time_limit: Duration::from_millis(150), seed, threads: 1 };
        let sol = solve(&inst, &limits);
        let ev = check(&inst, &sol.roster);
        prop_assert_eq!(sol.feasible, ev.feasible);
        prop_assert_eq!(sol.objective, ev.objective);
        prop_assert_eq!(&sol.evaluation, &ev);
        prop_assert!(!(sol.optimal && sol.proven_infeasible));
        prop_assert!(sol.seconds < 1.5, "took {} s", sol.seconds);
    }

    /// On tiny instances the solver finds the brute-force optimum, and a feasible roster
    /// whenever one exists.
    #[test]
    fn solver_matches_brute_force(seed in any::<u64>(), ne in 1usize..=3, nd in 2usize..=5, ns in 1usize..=2) {
        let inst = tiny(seed, ne, nd, ns);
        let Some(truth) = brute_force(&inst) else {
            return Ok(());
        };
        let limits = Limits { time_limit: Duration::from_millis(300), seed, threads: 1 };
        let sol = solve(&inst, &limits);
        match truth {
            Some(best) => {
                prop_assert!(sol.feasible, "a feasible roster exists: {:?}", sol.evaluation.violations);
                prop_assert_eq!(sol.objective, best);
            }
            None => prop_assert!(!sol.feasible),
        }
    }
}
