//! A few crash trials of each operation (SQLite always; PostgreSQL when
//! `CHIIKI_TEST_PG_URL` names a server, required when `CHIIKI_REQUIRE_PG=1`): every trial
//! must leave the operation wholly present or wholly absent, with its audit events, in a
//! sound database. `./scripts/crash-trials` runs 50 of each.

use std::process::Command;

const TRIALS: u32 = 3;

#[test]
fn killed_operations_are_all_or_nothing() {
    let pg = std::env::var("CHIIKI_TEST_PG_URL").ok();
    if pg.is_none() {
        if std::env::var("CHIIKI_REQUIRE_PG").as_deref() == Ok("1") {
            panic!("CHIIKI_REQUIRE_PG=1 but CHIIKI_TEST_PG_URL is not set: run ./scripts/test");
        }
        eprintln!("CHIIKI_TEST_PG_URL is not set: skipping the PostgreSQL half of this test");
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chiiki-crashtest"));
    cmd.args(["trials", "--op", "all", "--seed", "10", "--doctors", "2000"])
        .args(["--trials", &TRIALS.to_string()]);
    let backends: &[&str] = match &pg {
        Some(url) => {
            cmd.args(["--backend", "both", "--pg-url", url]);
            &["sqlite", "postgres"]
        }
        None => {
            cmd.env_remove("CHIIKI_TEST_PG_URL")
                .args(["--backend", "sqlite"]);
            &["sqlite"]
        }
    };
    let out = cmd.output().expect("run chiiki-crashtest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chiiki-crashtest failed ({}):\n{stdout}\n{stderr}",
        out.status
    );

    // The table: one row per back end and operation, each with its trials and no loss.
    let rows: Vec<Vec<String>> = stdout
        .lines()
        .filter(|l| backends.iter().any(|b| l.starts_with(&format!("| {b} "))))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), backends.len() * 3, "table rows in:\n{stdout}");
    for row in &rows {
        let n = |i: usize| -> u32 {
            row[i]
                .parse()
                .unwrap_or_else(|_| panic!("column {i} of {row:?} is not a number"))
        };
        // backend, op, uncontested, trials, killed at start-up, killed mid-op, finished,
        // present, absent, of which rolled back mid-write, losses, kinds of loss.
        assert_eq!(n(3), TRIALS, "{row:?}");
        assert_eq!(
            n(4) + n(5) + n(6),
            TRIALS,
            "killed + finished = trials: {row:?}"
        );
        assert_eq!(n(7) + n(8), TRIALS, "present + absent = trials: {row:?}");
        assert_eq!(n(10), 0, "losses: {row:?}\n{stdout}");
    }
    let total = backends.len() as u32 * 3 * TRIALS;
    assert!(
        stdout.contains(&format!("total: {total} trials, 0 losses")),
        "{stdout}"
    );
}
