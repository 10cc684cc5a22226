//! Crash-durability trials (issue 10).
//!
//! `chiiki-crashtest victim --db URL --op import|decide|publish [--file F]` performs exactly
//! one operation through the app layer, as the command line and the web application do, and
//! prints `done` once it has returned: a large import of doctors, a placement round's
//! decision, or the adoption of a rotation plan version.
//!
//! `chiiki-crashtest trials …` prepares a template database (the demo, a run of the demo's
//! placement round and a version of the demo's rotation plan), measures how long the victim
//! takes uncontested, then for every trial copies the template, starts the victim and kills
//! it with SIGKILL after a random delay. It then reopens the database with the store (the
//! "restart": migrations and recovery) and checks that the operation is wholly present or
//! wholly absent — every table's row count, the operation's records and its audit events —
//! and that the database is sound. Any trial that fails a check is a loss; the table at the
//! end counts them, and the exit code is 1 when there is one.

mod check;
mod db;
mod ops;
mod trials;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "chiiki-crashtest",
    about = "Crash-durability trials for chiiki's store"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Performs one operation on the database (the process the trials kill) and prints
    /// `done` when it has returned.
    Victim {
        /// A SQLite file path or a postgres:// URL.
        #[arg(long)]
        db: String,
        #[arg(long, value_enum)]
        op: ops::Op,
        /// The CSV file of doctors to import (for `--op import`).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Runs the trials and prints the table; exit code 1 when any trial lost.
    Trials {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        #[arg(long, value_enum, default_value = "all")]
        op: OpArg,
        /// Trials per back end and operation.
        #[arg(long, default_value_t = 50)]
        trials: u32,
        /// A PostgreSQL server's URL whose user may create databases (for `--backend
        /// postgres|both`); `./scripts/crash-trials` starts a throwaway server and sets it.
        #[arg(long, env = "CHIIKI_TEST_PG_URL")]
        pg_url: Option<String>,
        /// The seed of the random kill delays (printed, so that a run can be repeated).
        #[arg(long)]
        seed: Option<u64>,
        /// Synthetic doctors in the imported file.
        #[arg(long, default_value_t = 20_000)]
        doctors: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OpArg {
    Import,
    Decide,
    Publish,
    All,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Victim { db, op, file } => {
                ops::victim(&db, op, file.as_deref()).await?;
                println!("done");
                Ok(true)
            }
            Command::Trials {
                backend,
                op,
                trials,
                pg_url,
                seed,
                doctors,
            } => {
                let backends = match backend {
                    BackendArg::Sqlite => vec![db::Backend::Sqlite],
                    BackendArg::Postgres => vec![db::Backend::Postgres],
                    BackendArg::Both => vec![db::Backend::Sqlite, db::Backend::Postgres],
                };
                let ops = match op {
                    OpArg::Import => vec![ops::Op::Import],
                    OpArg::Decide => vec![ops::Op::Decide],
                    OpArg::Publish => vec![ops::Op::Publish],
                    OpArg::All => vec![ops::Op::Import, ops::Op::Decide, ops::Op::Publish],
                };
                let seed = seed.unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0)
                });
                trials::run(trials::Config {
                    backends,
                    ops,
                    trials,
                    pg_url,
                    seed,
                    doctors,
                })
                .await
            }
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
