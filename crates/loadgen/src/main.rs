//! `chiiki-loadgen`: runs the closed-loop load of `chiiki_loadgen` against a server, prints
//! its figures, and exits 1 unless every client logged in, no request failed and every
//! write was read back. `chiiki-loadgen accounts` prints the accounts the clients need.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "Closed-loop load of chiiki's web application: logged-in clients mixing reads and writes"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Print the accounts the clients log in with, one a line: the username, then the options
    /// of `chiiki user add` after `--username` (e.g. `load-000 --role coordinator --pref 03`).
    Accounts {
        #[arg(long, default_value_t = 200)]
        clients: usize,
        #[arg(long, default_value = "load")]
        prefix: String,
    },
}

#[derive(clap::Args)]
struct LoadArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// Clients at once (each logged in with its own account).
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Account names are PREFIX-000, PREFIX-001, … (see `accounts`).
    #[arg(long, default_value = "load")]
    prefix: String,
    /// A file whose first line is the accounts' password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Percentage of operations that are writes.
    #[arg(long, default_value_t = 15)]
    write_percent: u32,
    /// Seconds a request may take before it counts as an error.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chiiki-loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    if let Some(Command::Accounts { clients, prefix }) = cli.command {
        for a in chiiki_loadgen::accounts(&prefix, clients) {
            println!("{} {}", a.username, a.role.user_add_args().join(" "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let l = cli.load;
    let file = l.password_file.context(
        "no --password-file: give a file whose first line is the password of the accounts \
         made with `chiiki user add` (see `chiiki-loadgen accounts`)",
    )?;
    let text = std::fs::read_to_string(&file).with_context(|| {
        format!(
            "cannot read the password file {}: check the path and its permissions",
            file.display()
        )
    })?;
    let password = text.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(
        !password.is_empty(),
        "the password file {} is empty: write the accounts' password on its first line",
        file.display()
    );
    anyhow::ensure!(
        (1..=3600).contains(&l.seconds),
        "--seconds {} is out of range: give 1 to 3600",
        l.seconds
    );
    let cfg = chiiki_loadgen::Config {
        base: l.base,
        clients: l.clients,
        duration: Duration::from_secs(l.seconds),
        min_writes: 0,
        prefix: l.prefix,
        password,
        write_percent: l.write_percent,
        timeout: Duration::from_secs(l.timeout.max(1)),
        seed: l.seed,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = rt.block_on(chiiki_loadgen::run(&cfg))?;
    println!("{report}");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
