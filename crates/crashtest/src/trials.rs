//! The trials: calibrate, then start the victim on a fresh copy of the template, kill it
//! after a random delay, restart and check.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use rand::{Rng, SeedableRng};

use crate::check::{self, Content, LossKind, Reference, Verdict};
use crate::db::{Backend, Env, TrialDb};
use crate::ops::{self, Op};

pub struct Config {
    pub backends: Vec<Backend>,
    pub ops: Vec<Op>,
    pub trials: u32,
    pub pg_url: Option<String>,
    pub seed: u64,
    pub doctors: usize,
}

/// One row of the table.
#[derive(Default)]
struct Tally {
    trials: u32,
    /// Killed before the victim had opened the store.
    killed_start: u32,
    /// Killed after it had opened the store (and before it exited).
    killed: u32,
    finished: u32,
    /// Killed trials found absent whose writes had begun (see `Env::write_evidence`).
    rolled_back: u32,
    present: u32,
    absent: u32,
    partial: u32,
    integrity: u32,
    audit: u32,
    lost: u32,
    error: u32,
    calibrated: Duration,
}

impl Tally {
    fn losses(&self) -> u32 {
        self.partial + self.integrity + self.audit + self.lost + self.error
    }
}

/// Runs every back end × operation; `Ok(true)` when no trial lost.
pub async fn run(config: Config) -> anyhow::Result<bool> {
    if config.backends.contains(&Backend::Postgres) && config.pg_url.is_none() {
        bail!(
            "--backend postgres needs a server: pass --pg-url postgres://USER@HOST:PORT/DB or set CHIIKI_TEST_PG_URL (./scripts/crash-trials starts a throwaway one)"
        );
    }
    let exe = std::env::current_exe().context("finding this program's path")?;
    let work = tempfile::Builder::new()
        .prefix("chiiki-crash-")
        .tempdir()
        .context("making a temporary directory")?;
    let keep_dir = std::env::temp_dir().join(format!("chiiki-crash-kept-{}", std::process::id()));
    println!(
        "seed {} — {} trials per back end and operation",
        config.seed, config.trials
    );
    let file = work.path().join("doctors.csv");
    if config.ops.contains(&Op::Import) {
        ops::write_doctors(&file, config.doctors)?;
        println!(
            "wrote {} synthetic doctors to {}",
            config.doctors,
            file.display()
        );
    }
    let mut rows: Vec<(Backend, Op, Tally)> = Vec::new();
    for (bi, &backend) in config.backends.iter().enumerate() {
        let dir = work.path().join(backend.code());
        std::fs::create_dir_all(&dir)?;
        let started = Instant::now();
        let mut env = Env::prepare(backend, &dir, config.pg_url.as_deref())
            .await
            .with_context(|| format!("preparing the {} template", backend.code()))?;
        println!(
            "{}: template prepared in {:.1} s",
            backend.code(),
            started.elapsed().as_secs_f64()
        );
        for (oi, &op) in config.ops.iter().enumerate() {
            let stream = config.seed ^ (((bi as u64) << 8) | oi as u64);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(stream);
            let ctx = Ctx {
                exe: &exe,
                op,
                file: (op == Op::Import).then_some(file.as_path()),
                keep_dir: &keep_dir,
                seed: config.seed,
            };
            let tally = trials_of(&mut env, &ctx, config.trials, &mut rng).await?;
            rows.push((backend, op, tally));
        }
        env.finish().await?;
    }
    print_table(&rows);
    let losses: u32 = rows.iter().map(|(_, _, t)| t.losses()).sum();
    let total: u32 = rows.iter().map(|(_, _, t)| t.trials).sum();
    println!("total: {total} trials, {losses} losses");
    Ok(losses == 0)
}

struct Ctx<'a> {
    exe: &'a Path,
    op: Op,
    file: Option<&'a Path>,
    keep_dir: &'a Path,
    seed: u64,
}

impl Ctx<'_> {
    fn spawn(&self, db: &TrialDb) -> anyhow::Result<std::process::Child> {
        let mut cmd = Command::new(self.exe);
        cmd.arg("victim")
            .arg("--db")
            .arg(db.target())
            .arg("--op")
            .arg(self.op.code());
        if let Some(f) = self.file {
            cmd.arg("--file").arg(f);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", self.exe.display()))
    }
}

async fn wait(child: std::process::Child) -> anyhow::Result<Output> {
    Ok(tokio::task::spawn_blocking(move || child.wait_with_output()).await??)
}

fn said(out: &Output, word: &str) -> bool {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == word)
}

/// What the restarted store shows of a trial.
async fn inspect(
    env: &Env,
    db: &TrialDb,
    reference: &Reference,
    reported: bool,
) -> anyhow::Result<Verdict> {
    env.settle(db).await?;
    let opened = match env.open(db).await {
        Ok(o) => o,
        Err(e) => {
            return Ok(Verdict::Loss(
                LossKind::Integrity,
                format!("the store does not open: {e:#}"),
            ));
        }
    };
    let integrity = opened.integrity().await;
    let content = check::content_state(opened.store(), &reference.content).await;
    opened.close().await;
    let integrity = integrity?;
    let content = content?;
    let counts = check::counts_state(reference, &env.counts(db).await?);
    let audit = check::audit_state(reference, &env.audit_since(db, reference.audit_base).await?);
    Ok(check::judge(
        &integrity, &counts, &audit, &content, reported,
    ))
}

/// Builds the reference (template counts, an uncontested run's counts and audit events),
/// measures the victim uncontested (median of 3) and runs the trials.
async fn trials_of(
    env: &mut Env,
    ctx: &Ctx<'_>,
    trials: u32,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> anyhow::Result<Tally> {
    let (backend, op) = (env.backend.code(), ctx.op.code());
    // The template as it is.
    let base = env.fresh(&format!("{op}_base")).await?;
    let before = env.counts(&base).await?;
    let audit_base = env.audit_max(&base).await?;
    let opened = env.open(&base).await?;
    let content = check::content_of(ctx.op, opened.store(), ctx.file).await;
    opened.close().await;
    let content = content?;
    env.discard(&base).await?;

    // Three uncontested runs: the first gives the reference, all three the duration.
    let mut reference: Option<Reference> = None;
    let mut durations = Vec::new();
    // PostgreSQL: the rollbacks of an uncontested run (SQLite: none; its WAL is empty
    // until something is written).
    let mut baseline = 0;
    for k in 1..=3 {
        let db = env.fresh(&format!("{op}_cal")).await?;
        let start = Instant::now();
        let out = wait(ctx.spawn(&db)?).await?;
        durations.push(start.elapsed());
        if !out.status.success() || !said(&out, "done") {
            bail!(
                "{backend} {op}: the uncontested run {k} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        env.settle(&db).await?;
        if env.backend == Backend::Postgres {
            baseline = baseline.max(env.write_evidence(&db).await?);
        }
        match &reference {
            None => {
                let after = env.counts(&db).await?;
                let audit = env.audit_since(&db, audit_base).await?;
                let content = match &content {
                    Content::Decide { round, seq, .. } => {
                        let opened = env.open(&db).await?;
                        let a = check::decided_assignments(opened.store(), &audit).await;
                        opened.close().await;
                        Content::Decide {
                            round: *round,
                            seq: *seq,
                            assignments: a?,
                        }
                    }
                    Content::Import { doctors } => Content::Import {
                        doctors: doctors.clone(),
                    },
                    Content::Publish { seq } => Content::Publish { seq: *seq },
                };
                let r = Reference {
                    before: before.clone(),
                    after,
                    audit_base,
                    audit,
                    content,
                };
                let v = inspect(env, &db, &r, true).await?;
                if v != Verdict::Present {
                    bail!("{backend} {op}: the uncontested run does not check: {v:?}");
                }
                reference = Some(r);
            }
            Some(r) => {
                let v = inspect(env, &db, r, true).await?;
                if v != Verdict::Present {
                    bail!("{backend} {op}: the uncontested run {k} differs from the first: {v:?}");
                }
            }
        }
        env.discard(&db).await?;
    }
    let reference = reference.ok_or_else(|| anyhow!("no uncontested run"))?;
    durations.sort();
    let calibrated = durations[1];
    println!(
        "{backend} {op}: uncontested {:.0} ms (median of 3: {}), {} audit events, {} rows added",
        calibrated.as_secs_f64() * 1000.0,
        durations
            .iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", "),
        reference.audit.len(),
        reference.after.values().sum::<i64>() - reference.before.values().sum::<i64>()
    );

    let mut tally = Tally {
        calibrated,
        ..Tally::default()
    };
    let limit = calibrated.mul_f64(1.2);
    for n in 1..=trials {
        let delay = limit.mul_f64(rng.random_range(0.0..=1.0));
        let db = env.fresh(op).await?;
        let start = Instant::now();
        let mut child = ctx.spawn(&db)?;
        tokio::time::sleep_until((start + delay).into()).await;
        if child.try_wait()?.is_none() {
            // SIGKILL on Unix.
            let _ = child.kill();
        }
        let out = wait(child).await?;
        tally.trials += 1;
        let reported = said(&out, "done");
        env.settle(&db).await?;
        let evidence = env.write_evidence(&db).await?;
        let verdict = if out.status.success() {
            tally.finished += 1;
            inspect(env, &db, &reference, true).await?
        } else if out.status.signal() == Some(9) {
            if said(&out, "opened") {
                tally.killed += 1;
            } else {
                tally.killed_start += 1;
            }
            let v = inspect(env, &db, &reference, reported).await?;
            if v == Verdict::Absent && evidence > baseline {
                tally.rolled_back += 1;
            }
            v
        } else {
            Verdict::Loss(
                LossKind::Error,
                format!(
                    "the victim failed on its own ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            )
        };
        match &verdict {
            Verdict::Present => tally.present += 1,
            Verdict::Absent => tally.absent += 1,
            Verdict::Loss(kind, what) => {
                match kind {
                    LossKind::Partial => tally.partial += 1,
                    LossKind::Integrity => tally.integrity += 1,
                    LossKind::Audit => tally.audit += 1,
                    LossKind::Lost => tally.lost += 1,
                    LossKind::Error => tally.error += 1,
                }
                let kept = env.keep(&db, ctx.keep_dir);
                println!(
                    "LOSS {backend} {op} seed {} trial {n} (kill after {:.0} ms, {}): {}: {what} — {kept}",
                    ctx.seed,
                    delay.as_secs_f64() * 1000.0,
                    if out.status.success() {
                        "finished before the kill"
                    } else {
                        "killed"
                    },
                    kind.code()
                );
                continue;
            }
        }
        env.discard(&db).await?;
    }
    println!(
        "{backend} {op}: {} trials, {} killed during start-up, {} killed during the operation, {} finished, {} present, {} absent ({} rolled back mid-write), {} losses",
        tally.trials,
        tally.killed_start,
        tally.killed,
        tally.finished,
        tally.present,
        tally.absent,
        tally.rolled_back,
        tally.losses()
    );
    Ok(tally)
}

fn print_table(rows: &[(Backend, Op, Tally)]) {
    let header = [
        "backend",
        "op",
        "uncontested",
        "trials",
        "killed at start-up",
        "killed mid-op",
        "finished before kill",
        "present",
        "absent",
        "of which rolled back mid-write",
        "losses",
        "partial/integrity/audit/lost/error",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(b, o, t)| {
            vec![
                b.code().to_string(),
                o.code().to_string(),
                format!("{:.0} ms", t.calibrated.as_secs_f64() * 1000.0),
                t.trials.to_string(),
                t.killed_start.to_string(),
                t.killed.to_string(),
                t.finished.to_string(),
                t.present.to_string(),
                t.absent.to_string(),
                t.rolled_back.to_string(),
                t.losses().to_string(),
                format!(
                    "{}/{}/{}/{}/{}",
                    t.partial, t.integrity, t.audit, t.lost, t.error
                ),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            body.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("| {} |", parts.join(" | "));
    };
    println!();
    line(header.iter().map(|s| s.to_string()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for r in body {
        line(r);
    }
    println!();
}
