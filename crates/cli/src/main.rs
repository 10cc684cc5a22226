//! `chiiki`: the command line. A thin shell over `chiiki-app`: it parses arguments, shows
//! progress and prints results; every operation is a use case of the app crate.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chiiki_app::AppError;
use chiiki_app::register::{self, ImportReport, Source};
use chiiki_domain::{
    AllianceId, AreaCode, Entity, Explain, FacilityId, Lang, PrefCode, Record, RegisterStatus,
};
use chiiki_store::{Paging, Store};
use chiiki_tabular::Format;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "chiiki",
    version,
    about = "地域医療の医師確保を支えるプラットフォーム / workforce platform for regional medical support centres"
)]
struct Cli {
    /// The database: a SQLite file path (created when missing) or a postgres:// URL.
    #[arg(long, global = true, env = "CHIIKI_DB", default_value = "chiiki.db")]
    db: String,
    /// Output format.
    #[arg(long, global = true, value_enum)]
    format: Option<OutputFormat>,
    /// Print the elapsed time and the peak memory of the command to standard error.
    #[arg(long, global = true)]
    stats: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Table,
    Csv,
    Json,
    Xlsx,
}

mod aid;
mod bank;
mod obligations;
mod place;
mod procurement;
mod roster;
mod rotate;
mod training;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How `chiiki backup` writes.
#[derive(Clone, Copy, ValueEnum)]
enum BackupFormat {
    Sqlite,
    Dump,
}

#[derive(Subcommand)]
enum Command {
    /// Create or upgrade the database; optionally load the bundled public reference data.
    Init {
        /// Load areas, municipalities and hospitals: `all` for Japan, or a prefecture (03, 岩手).
        #[arg(long)]
        reference: Option<String>,
    },
    /// Load the Iwate demo (real public data and synthetic doctors) into an empty database.
    Demo,
    /// Import a CSV or Excel file of one kind of record. All or nothing.
    Import {
        /// areas, municipalities, schemes, facilities, doctors, assignments (or 医師, 医療機関, …)
        entity: String,
        file: PathBuf,
        /// Show what would be added, changed and rejected without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export all records of one kind to a CSV or XLSX file (format from the extension).
    Export { entity: String, file: PathBuf },
    /// List records of one kind (or `alliance-members`: the member corporations of the
    /// regional medical alliances, on `--on`, by default today).
    List {
        entity: String,
        #[command(flatten)]
        filter: ListArgs,
        /// Write to this file instead of standard output (required for xlsx).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Show one record.
    Show { entity: String, id: String },
    /// Make synthetic national-scale files for benchmarks and load tests.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Shortage analytics: the physician maldistribution index of each secondary area
    /// (published and recomputed), its class and rank, deviation scores.
    Analyze {
        /// All 330 secondary areas of Japan, not only those of the database.
        #[arg(long)]
        national: bool,
        /// The 47 prefectures instead of the secondary areas.
        #[arg(long)]
        prefectures: bool,
        /// Write the HTML report into this folder: index.html for the nation and
        /// pref-NN.html for each prefecture of the areas analysed.
        #[arg(long, value_name = "DIR")]
        html: Option<PathBuf>,
        /// Write to this file instead of standard output (required for xlsx).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Only these areas (4-digit codes; repeat the option for more).
        #[arg(long = "area", value_name = "CODE")]
        areas: Vec<String>,
        /// The outlook of one year (2020, 2025, … 2050) instead of the areas table.
        #[arg(long, value_name = "YEAR")]
        year: Option<i32>,
        /// A utilisation-rate table (CSV: age_group, rate per 100,000, optional sex) with
        /// which to recompute the standardised utilisation ratio, instead of the bundled
        /// national inpatient rates.
        #[arg(long, value_name = "FILE")]
        rates: Option<PathBuf>,
    },
    /// Rosters and dispatch: the roster engine on the Curtois–Qu shift scheduling benchmark
    /// (benchmark, check), a month of dispatch under the 2024 work-hour rules from a file
    /// (dispatch, generate), the work-hour checker (hours), and the dispatch of the database
    /// (requests, solve, confirm, stats, hours-month, demo).
    Roster {
        #[command(subcommand)]
        what: roster::RosterCommand,
    },
    /// Obligations: evaluate timelines and the register against the schemes; cohort tables.
    Obligations {
        #[command(subcommand)]
        what: obligations::ObligationsCommand,
    },
    /// Rotation plans: plan the prefecture's obligated doctors over several fiscal years
    /// (alone: plan and report coverage and the optimality gap); list, show, replan, adopt,
    /// why.
    #[command(args_conflicts_with_subcommands = true)]
    Rotate {
        #[command(subcommand)]
        what: Option<rotate::RotateCommand>,
        #[command(flatten)]
        plan: rotate::PlanArgs,
    },
    /// Place doctors: solve a placement instance (JSON exchange format) and write the
    /// result with its checked guarantees and explanations.
    Place {
        /// The instance: doctors, facilities, optional regions and couples.
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// The result file; standard output when left out.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The mechanism: da (deferred acceptance, doctor-optimal stable), regional-caps
        /// (flexible DA, Kamada–Kojima), floors (meets regional floors), couples (same
        /// region, instabilities reported) or optimise (maximum shortage coverage).
        #[arg(long, default_value = "da", value_parser = place::algorithm)]
        algorithm: chiiki_placement::Algorithm,
        /// Sentences in the explanations: summary (one per doctor and per facility; every
        /// "why not" entry keeps its structured reason) or every (also one sentence per
        /// "why not" entry, more than twice the size at national scale).
        #[arg(long, default_value = "summary", value_parser = place::sentences)]
        sentences: chiiki_placement::Sentences,
    },
    /// Regional medical alliances: the staff lending ledger (loans) and each member's
    /// balance of minutes lent and borrowed (balances).
    Alliance {
        #[command(subcommand)]
        what: AllianceCommand,
    },
    /// Joint procurement of an alliance: catalogue, tenders, members' demand, the aggregated
    /// tender and the savings.
    Procurement {
        #[command(subcommand)]
        what: procurement::Command,
    },
    /// Joint training and seminars: courses, sessions, registrations, attendance,
    /// certificates and yearly attendance against requirements.
    Training {
        #[command(subcommand)]
        what: training::Command,
    },
    /// Emergency mutual support of an alliance: call trees, capabilities, drills and
    /// incidents with their requests and responses.
    Aid {
        #[command(subcommand)]
        what: aid::Command,
    },
    /// The prefecture's doctor bank (ドクターバンク): posts, profiles, matching, applications,
    /// yearly figures.
    Bank {
        #[command(subcommand)]
        what: bank::Command,
    },
    /// The lists of an alliance (staff loans, equipment, bookings, procurement, training,
    /// mutual support) or of a prefecture's centre (doctor bank, seminars) as one workbook:
    /// export it, edit or add rows in Excel, import it back (all or nothing).
    Workbook {
        #[command(subcommand)]
        what: WorkbookCommand,
    },
    /// Back up the database to FILE while chiiki may be running: a consistent copy of the
    /// SQLite file (checked by opening it), or the logical dump (--kind dump: gzip JSON
    /// Lines of every table, from SQLite or PostgreSQL, which restores into either).
    Backup {
        #[arg(long)]
        out: PathBuf,
        /// sqlite (a copy of the file; the default for SQLite) or dump (the logical dump;
        /// the default for PostgreSQL).
        #[arg(long, value_enum)]
        kind: Option<BackupFormat>,
    },
    /// Restore the database from a backup (a SQLite copy or a logical dump, told apart by
    /// their contents): it is checked (and migrated when an older release wrote it) before it
    /// replaces anything. A dump restores into SQLite or into a new, empty PostgreSQL
    /// database. Stop chiiki first.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Serve the web application.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Load the demo first when the database is empty.
        #[arg(long)]
        demo: bool,
        /// Served only through a TLS reverse proxy (see docs/OPERATIONS.md): cookies marked
        /// Secure, the login throttle per client as X-Forwarded-For says.
        #[arg(long, env = "CHIIKI_BEHIND_PROXY")]
        behind_proxy: bool,
    },
}

#[derive(Subcommand)]
enum AllianceCommand {
    /// The staff loans of an alliance, by start day.
    Loans {
        /// The alliance's id (e.g. 12-TOKATSU-NANBU).
        #[arg(long)]
        alliance: String,
        /// Write to this file instead of standard output (required for xlsx).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Each member's minutes lent and borrowed over the months --from to --to (a fiscal
    /// year, 2025-04 to 2026-03, by default the current one).
    Balances {
        #[arg(long)]
        alliance: String,
        /// The first month (2025-04, or any day of it).
        #[arg(long)]
        from: Option<String>,
        /// The last month.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The bookings of an alliance's shared equipment that share time with the days --from
    /// to --to (both included; all when not given), by equipment, then start.
    Bookings {
        #[arg(long)]
        alliance: String,
        /// The first day (2025-04-01).
        #[arg(long)]
        from: Option<String>,
        /// The last day.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum WorkbookCommand {
    /// Write the lists to an XLSX file, a sheet per list.
    Export {
        /// An alliance's id (12-TOKATSU-NANBU) or a prefecture's code (03).
        #[arg(long)]
        scope: String,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Read a workbook (or one list as CSV, named after it) back, all or nothing: rows with id
    /// 0 or empty are new, rows with an id replace that record, rows as exported change
    /// nothing.
    Import {
        #[arg(long)]
        scope: String,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Write N synthetic doctors (ids SYN-0000001…, in the demo's schemes) to a CSV or XLSX file.
    GenerateDoctors {
        n: usize,
        file: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a synthetic placement instance (the `chiiki place` exchange format): Iwate's
    /// scale (185 doctors) with `--prefecture`, else national scale with N doctors (about
    /// N/10 facilities in 47 capped regions, lists of 10–20).
    GeneratePlacement {
        /// Doctors at national scale (ignored with --prefecture).
        #[arg(default_value_t = 10_000)]
        n: usize,
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        #[arg(long)]
        prefecture: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (or update it). The password is read from standard input with
    /// --password-stdin, or generated and printed once.
    Add {
        #[arg(long)]
        username: String,
        /// admin, coordinator, facility, doctor, auditor, secretariat
        #[arg(long)]
        role: String,
        /// The prefecture (coordinator, facility, doctor, secretariat; optional for auditor).
        #[arg(long)]
        pref: Option<String>,
        /// The facility of a facility account.
        #[arg(long)]
        facility: Option<String>,
        /// The doctor of a doctor account.
        #[arg(long)]
        doctor: Option<String>,
        /// The alliance of a secretariat account (e.g. 12-TOKATSU-NANBU).
        #[arg(long)]
        alliance: Option<String>,
        /// The name shown in the application.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account (ends its sessions).
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    List,
}

#[derive(clap::Args, Default)]
struct ListArgs {
    /// Prefecture code or name.
    #[arg(long)]
    pref: Option<String>,
    /// Secondary medical area code (doctors: where they work today).
    #[arg(long)]
    area: Option<String>,
    /// Facility id (doctors: who works there today).
    #[arg(long)]
    facility: Option<String>,
    /// Register status: active, completed, repaid, withdrawn.
    #[arg(long)]
    status: Option<String>,
    /// Graduation year.
    #[arg(long)]
    graduation_year: Option<i32>,
    /// Text in the name or id.
    #[arg(long)]
    text: Option<String>,
    /// At most this many records.
    #[arg(long)]
    limit: Option<u64>,
    /// alliance-members: the alliance's id (e.g. 12-TOKATSU-NANBU); all alliances when absent.
    #[arg(long)]
    alliance: Option<String>,
    /// alliance-members: the members on this day (ISO or 和暦); today when absent.
    #[arg(long)]
    on: Option<String>,
}

/// A failure the user caused (exit code 2) rather than one of the system (exit code 1).
#[derive(Debug)]
struct BadInput(String);
impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

/// A missing alliance said so by its id; other errors as they are.
fn alliance_missing(id: &AllianceId, e: AppError) -> anyhow::Error {
    match e {
        AppError::Store(chiiki_store::StoreError::Missing { .. }) => bad(format!(
            "連携推進法人「{id}」は見つかりません / no alliance with id '{id}'"
        )),
        e => e.into(),
    }
}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput(msg.into()).into()
}

/// An app refusal as bad input, said in both languages.
fn rejected(e: AppError) -> anyhow::Error {
    match e {
        AppError::Rejected(m) => bad(m.to_string()),
        other => other.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CHIIKI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let stats = cli.stats.then(Instant::now);
    let result = runtime.block_on(run(cli));
    if let Some(start) = stats {
        eprintln!(
            "stats: elapsed {:.3} s, peak memory {}",
            start.elapsed().as_secs_f64(),
            peak_memory().unwrap_or_else(|| "unknown".into())
        );
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = if e.downcast_ref::<BadInput>().is_some() || is_user_error(&e) {
                2
            } else {
                1
            };
            eprintln!("エラー / error: {e:#}");
            ExitCode::from(code)
        }
    }
}

/// The peak resident set size of this process (VmHWM), on Linux.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kb / 1024.0))
}

fn is_user_error(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<AppError>(),
        Some(
            AppError::File(_)
                | AppError::NotEmpty
                | AppError::Denied(_)
                | AppError::Invalid(_)
                | AppError::Rejected(_)
        )
    )
}

async fn open(db: &str) -> anyhow::Result<Box<dyn Store>> {
    chiiki_store::open(db)
        .await
        .with_context(|| format!("opening the database {db}"))
}

fn entity(s: &str) -> anyhow::Result<Entity> {
    chiiki_tabular::entity_from_name(s).ok_or_else(|| {
        bad(format!(
            "「{s}」という種類はありません / unknown kind of record '{s}': use one of {}",
            Entity::ALL
                .iter()
                .map(|e| e.code())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn parse<T>(r: Result<T, chiiki_domain::ValueError>) -> anyhow::Result<T> {
    r.map_err(|e| bad(format!("{} — {}", e.problem(), e.fix())))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { reference } => {
            let store = open(&cli.db).await?;
            if let Some(which) = reference {
                let pref = if which == "all" {
                    None
                } else {
                    Some(parse(PrefCode::parse(&which))?)
                };
                let data = chiiki_app::refdata::load(pref)?;
                let mut changes: Vec<chiiki_store::Change> = Vec::new();
                changes.extend(
                    data.areas
                        .into_iter()
                        .map(|r| chiiki_store::Change::Put(r.into())),
                );
                changes.extend(
                    data.municipalities
                        .into_iter()
                        .map(|r| chiiki_store::Change::Put(r.into())),
                );
                changes.extend(
                    data.hospitals
                        .into_iter()
                        .map(|r| chiiki_store::Change::Put(r.into())),
                );
                let applied = store
                    .apply("init", changes, chiiki_store::Mode::Commit)
                    .await?;
                println!(
                    "参照データを読み込みました / reference data loaded: {} added, {} changed, {} unchanged",
                    applied.total_created(),
                    applied.total_updated(),
                    applied.total_unchanged()
                );
            }
            println!(
                "データベースの準備ができました / database ready: {}",
                cli.db
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let store = open(&cli.db).await?;
            let n = chiiki_app::load_demo(store.as_ref()).await?;
            println!(
                "岩手県のデモを読み込みました（{n}件） / loaded the Iwate demo ({n} records) into {}",
                cli.db
            );
            print_accounts(&chiiki_app::demo_accounts(store.as_ref()).await?);
            Ok(ExitCode::SUCCESS)
        }
        Command::User { what } => user(&cli.db, what).await,
        Command::Place {
            input,
            output,
            algorithm,
            sentences,
        } => {
            place::run(&input, output.as_deref(), algorithm, sentences)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rotate { what, plan } => {
            rotate::run(&cli.db, cli.format, what, plan).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Roster { what } => Ok(if roster::run(&cli.db, cli.format, what).await? {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
        Command::Obligations { what } => {
            obligations::run(&cli.db, cli.format, what).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { out, kind } => {
            let format = match kind {
                Some(BackupFormat::Sqlite) => chiiki_app::backup::Format::Sqlite,
                Some(BackupFormat::Dump) => chiiki_app::backup::Format::Dump,
                None => chiiki_app::backup::Format::default_for(&cli.db),
            };
            let counts = chiiki_app::backup::backup(&cli.db, &out, format).await?;
            println!(
                "バックアップしました / backed up to {}: {}",
                out.display(),
                counts_line(&counts)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, force } => {
            let counts = chiiki_app::backup::restore(&cli.db, &from, force).await?;
            println!(
                "復元しました / restored {} from {}: {}",
                cli.db,
                from.display(),
                counts_line(&counts)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Workbook { what } => {
            let store = open(&cli.db).await?;
            let who = cli_principal();
            let scope = |text: &str| parse(chiiki_domain::DocScope::parse(text));
            match what {
                WorkbookCommand::Export { scope: s, output } => {
                    let scope = scope(&s)?;
                    let bytes = chiiki_app::workbook::export(store.as_ref(), &who, &scope).await?;
                    std::fs::write(&output, bytes)
                        .with_context(|| format!("writing {}", output.display()))?;
                    println!(
                        "{scope} の一覧を書き出しました / wrote the lists of {scope} to {}",
                        output.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                WorkbookCommand::Import { scope: s, file } => {
                    let scope = scope(&s)?;
                    let bytes = std::fs::read(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let name = file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let done =
                        chiiki_app::workbook::import(store.as_ref(), &who, &scope, &name, &bytes)
                            .await?;
                    if done.committed {
                        println!(
                            "取り込みました / imported: {} 行 / rows, 追加・変更 {} added or changed",
                            done.rows, done.changed
                        );
                        Ok(ExitCode::SUCCESS)
                    } else {
                        eprintln!(
                            "{}件の問題があるため、何も書き込んでいません / {} problems found: nothing was written",
                            done.issues.len(),
                            done.issues.len()
                        );
                        for i in &done.issues {
                            eprintln!("  {i}");
                        }
                        Ok(ExitCode::from(2))
                    }
                }
            }
        }
        Command::Procurement { what } => {
            procurement::run(&cli.db, cli.format, what).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Training { what } => {
            training::run(&cli.db, cli.format, what).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Aid { what } => {
            aid::run(&cli.db, cli.format, what).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bank { what } => {
            bank::run(&cli.db, cli.format, what).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Analyze {
            prefectures: true,
            output,
            ..
        } => {
            let format = cli.format.unwrap_or(OutputFormat::Table);
            if format == OutputFormat::Xlsx || output.is_some() {
                return Err(bad(
                    "--prefectures は table・csv・json を標準出力に書きます / --prefectures writes table, csv or json to standard output",
                ));
            }
            let (rows, national) = chiiki_app::analysis::prefectures()?;
            print_prefectures(&rows, national, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Analyze {
            national,
            html: Some(dir),
            rates,
            ..
        } => {
            let store = open(&cli.db).await?;
            let who = cli_principal();
            let mut scoped = chiiki_app::analysis::analyze(store.as_ref(), &who, national).await?;
            let mut all = if national {
                scoped.clone()
            } else {
                chiiki_app::analysis::analyze(store.as_ref(), &who, true).await?
            };
            let note = match &rates {
                Some(file) => {
                    with_rates(&mut scoped, file)?;
                    with_rates(&mut all, file)?
                }
                None => chiiki_app::outlook::RATIO_NOTE.to_string(),
            };
            let (prefectures, _) = chiiki_app::analysis::prefectures()?;
            let today = chrono::Local::now().date_naive().to_string();
            let files = chiiki_report::html::reports(&all, &scoped, &prefectures, &today, &note)?;
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, html) in &files {
                let path = dir.join(name);
                std::fs::write(&path, html)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            println!(
                "レポートを書きました / wrote the report: {} ({} files: {})",
                dir.join("index.html").display(),
                files.len(),
                files
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Analyze {
            national,
            output,
            areas,
            year,
            rates,
            ..
        } => {
            let format = cli.format.unwrap_or(OutputFormat::Table);
            if format == OutputFormat::Xlsx {
                binary_destination(output.as_deref())?;
            }
            if let Some(y) = year
                && !chiiki_app::outlook::YEARS.contains(&y)
            {
                return Err(bad(format!(
                    "--year {y}: 推計は2020年から2050年まで5年ごとです（2020, 2025, … 2050） / the outlook covers 2020 to 2050 in steps of 5 years (2020, 2025, … 2050)"
                )));
            }
            let store = open(&cli.db).await?;
            let mut rows =
                chiiki_app::analysis::analyze(store.as_ref(), &cli_principal(), national).await?;
            if !areas.is_empty() {
                let mut wanted = Vec::new();
                for code in &areas {
                    let code = AreaCode::parse(code)
                        .map_err(|e| bad(format!("--area: {} — {}", e.problem(), e.fix())))?;
                    if !rows.iter().any(|r| r.area_code == code.to_string()) {
                        return Err(bad(format!(
                            "--area {code}: この二次医療圏はありません（--national で全国を、chiiki list areas で一覧を） / no such area here (--national for all of Japan, chiiki list areas for the list)"
                        )));
                    }
                    wanted.push(code.to_string());
                }
                rows.retain(|r| wanted.contains(&r.area_code));
            }
            if let Some(file) = &rates {
                eprintln!("{}", with_rates(&mut rows, file)?);
            }
            match year {
                Some(y) => print_outlook(&rows, y, format, output.as_deref())?,
                None => print_analysis(&rows, format, output.as_deref())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            entity: e,
            file,
            dry_run,
        } => {
            let e = entity(&e)?;
            let store = open(&cli.db).await?;
            let mut progress = Progress::new("読み込み / reading");
            let report = register::import(
                store.as_ref(),
                &chiiki_app::access::Principal::system("cli"),
                e,
                Source::Path(&file),
                dry_run,
                &mut |done, total| progress.update(done, total),
            )
            .await?;
            progress.finish();
            print_report(&report, cli.format.unwrap_or(OutputFormat::Table))?;
            Ok(if report.issues.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Export { entity: e, file } => {
            let e = entity(&e)?;
            let format = Format::from_path(&file)
                .ok_or_else(|| bad("ファイル名は .csv か .xlsx で終えてください / the file name must end in .csv or .xlsx"))?;
            let store = open(&cli.db).await?;
            let progress = Progress::new("書き出し / exporting");
            let filter = register::ListFilter::default();
            let (bytes, n) =
                register::export(store.as_ref(), &cli_principal(), e, &filter, format).await?;
            std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
            progress.finish();
            println!(
                "{n}件を書き出しました / exported {n} records to {}",
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Alliance { what } => {
            let store = open(&cli.db).await?;
            let who = cli_principal();
            let format = cli.format.unwrap_or(OutputFormat::Table);
            let id = |text: &str| parse(AllianceId::parse(text));
            let (sheet, json, title) = match what {
                AllianceCommand::Loans { alliance, output } => {
                    let a = id(&alliance)?;
                    let loans = chiiki_app::alliance::loans(store.as_ref(), &who, &a)
                        .await
                        .map_err(|e| alliance_missing(&a, e))?;
                    let sheet = chiiki_app::alliance::loans_sheet(&loans);
                    (sheet, roster::json_bytes(&loans)?, (output, "職員派遣"))
                }
                AllianceCommand::Bookings {
                    alliance,
                    from,
                    to,
                    output,
                } => {
                    let a = id(&alliance)?;
                    let day = |text: Option<String>,
                               default: &str|
                     -> anyhow::Result<chiiki_domain::NaiveDate> {
                        let t = text.unwrap_or_else(|| default.to_string());
                        chiiki_domain::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                            .map_err(|e| bad(format!("{t}: {e}")))
                    };
                    let from = day(from, "1900-01-01")?.and_time(chrono::NaiveTime::MIN);
                    let to = (day(to, "9999-12-30")? + chrono::Days::new(1))
                        .and_time(chrono::NaiveTime::MIN);
                    let list = chiiki_app::alliance::bookings(store.as_ref(), &who, &a, from, to)
                        .await
                        .map_err(|e| alliance_missing(&a, e))?;
                    let sheet = chiiki_app::alliance::bookings_sheet(&list);
                    (sheet, roster::json_bytes(&list)?, (output, "機器予約"))
                }
                AllianceCommand::Balances {
                    alliance,
                    from,
                    to,
                    output,
                } => {
                    let a = id(&alliance)?;
                    let month = |text: Option<String>,
                                 default: chiiki_domain::NaiveDate|
                     -> anyhow::Result<chiiki_domain::NaiveDate> {
                        match text {
                            Some(t) => Ok(chiiki_app::dispatch::Month::parse(&t)
                                .map_err(|e| bad(format!("{t}: {e}")))?
                                .first()),
                            None => Ok(default),
                        }
                    };
                    let fy = chiiki_domain::FiscalYear::of(chrono::Local::now().date_naive());
                    let from = month(from, fy.start())?;
                    let to = month(to, fy.end())?;
                    let balances =
                        chiiki_app::alliance::balances(store.as_ref(), &who, &a, from, to)
                            .await
                            .map_err(|e| alliance_missing(&a, e))?;
                    let sheet = chiiki_app::alliance::balances_sheet(&balances);
                    (sheet, roster::json_bytes(&balances)?, (output, "派遣収支"))
                }
            };
            let (output, title) = title;
            let bytes = match format {
                OutputFormat::Json => json,
                OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheet)?,
                OutputFormat::Xlsx => {
                    binary_destination(output.as_deref())?;
                    chiiki_tabular::sheets_to_xlsx(title, &[sheet])?
                }
                OutputFormat::Table => format!("{}\n", roster::sheet_table(&sheet)).into_bytes(),
            };
            write_out(&bytes, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            entity: e,
            filter,
            output,
        } if e == "alliance-members" => {
            let store = open(&cli.db).await?;
            let alliance = parse(
                filter
                    .alliance
                    .as_deref()
                    .map(AllianceId::parse)
                    .transpose(),
            )?;
            let on = match filter.on.as_deref() {
                Some(text) => {
                    chiiki_domain::parse_date(text).map_err(|e| bad(format!("--on {text}: {e}")))?
                }
                None => chrono::Local::now().date_naive(),
            };
            let members = chiiki_app::alliance::members(
                store.as_ref(),
                &cli_principal(),
                alliance.as_ref(),
                Some(on),
            )
            .await
            .map_err(|e| match &alliance {
                Some(id) => alliance_missing(id, e),
                None => e.into(),
            })?;
            let sheet = chiiki_app::alliance::members_sheet(&members);
            let bytes = match cli.format.unwrap_or(OutputFormat::Table) {
                OutputFormat::Json => roster::json_bytes(&members)?,
                OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheet)?,
                OutputFormat::Xlsx => {
                    binary_destination(output.as_deref())?;
                    chiiki_tabular::sheets_to_xlsx("地域医療連携推進法人 参加法人", &[sheet])?
                }
                OutputFormat::Table => format!(
                    "{}\n参加法人 {}件（{on}時点） / {} member corporations on {on}\n",
                    roster::sheet_table(&sheet),
                    members.len(),
                    members.len()
                )
                .into_bytes(),
            };
            write_out(&bytes, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            entity: e,
            filter,
            output,
        } => {
            let e = entity(&e)?;
            let store = open(&cli.db).await?;
            let format = cli.format.unwrap_or(OutputFormat::Table);
            let streamable = matches!(e, Entity::Doctors | Entity::Facilities)
                && matches!(format, OutputFormat::Json | OutputFormat::Csv);
            if streamable {
                let out: Box<dyn Write> = match &output {
                    Some(path) => Box::new(std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("writing {}", path.display()))?,
                    )),
                    None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                };
                match stream_records(store.as_ref(), e, &filter, format, out).await {
                    Err(err) if is_broken_pipe(&err) => {}
                    other => other?,
                }
            } else {
                let paging = Paging {
                    limit: filter.limit,
                    offset: 0,
                };
                let records = list(store.as_ref(), e, &filter, paging).await?;
                print_records(e, &records, format, output.as_deref())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { entity: e, id } => {
            let e = entity(&e)?;
            let store = open(&cli.db).await?;
            let Some(record) = store.get(e, &id).await? else {
                return Err(bad(format!(
                    "{} 「{id}」は見つかりません / no {e} with id '{id}'",
                    e.label(Lang::Ja)
                )));
            };
            match cli.format.unwrap_or(OutputFormat::Json) {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&record)?),
                f => print_records(e, &[record], f, None)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            what: BenchCommand::GenerateDoctors { n, file, seed },
        } => {
            let format = Format::from_path(&file)
                .ok_or_else(|| bad("ファイル名は .csv か .xlsx で終えてください / the file name must end in .csv or .xlsx"))?;
            let doctors = chiiki_app::demo::synthetic_doctors(n, seed);
            let records: Vec<Record> = doctors.into_iter().map(Record::from).collect();
            register::write_records(&file, Entity::Doctors, &records, format)?;
            println!(
                "{n}人の架空の医師を書き出しました / wrote {n} synthetic doctors to {}",
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            what:
                BenchCommand::GeneratePlacement {
                    n,
                    output,
                    prefecture,
                    seed,
                },
        } => {
            let instance = if prefecture {
                chiiki_placement::generate::prefecture(seed)
            } else {
                chiiki_placement::generate::national(n, seed)
            };
            std::fs::write(&output, chiiki_placement::exchange::input_json(&instance))
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "配置の問題を書き出しました（医師 {}、医療機関 {}、地域 {}） / wrote a placement instance to {}",
                instance.doctors.len(),
                instance.facilities.len(),
                instance.regions.len(),
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            addr,
            demo,
            behind_proxy,
        } => {
            let store = open(&cli.db).await?;
            let accounts = if demo {
                if store.counts().await?.values().all(|n| *n == 0) {
                    let n = chiiki_app::load_demo(store.as_ref()).await?;
                    tracing::info!(records = n, "loaded the Iwate demo");
                }
                chiiki_app::demo_accounts(store.as_ref()).await?
            } else {
                Vec::new()
            };
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .with_context(|| format!("listening on {addr}"))?;
            let local = listener.local_addr()?;
            println!("chiiki: http://{local}/ （終了は Ctrl-C / Ctrl-C to stop）");
            print_accounts(&accounts);
            let store: std::sync::Arc<dyn Store> = store.into();
            if demo {
                // The demo's first rotation plan, then its dispatch, computed while the server
                // already answers.
                let planner = store.clone();
                tokio::spawn(async move {
                    let effort = chiiki_app::rotation::Effort::default();
                    match chiiki_app::rotation::demo_plan(planner.as_ref(), effort).await {
                        Ok(Some(v)) => {
                            tracing::info!(seq = v.seq, "the demo's rotation plan is ready")
                        }
                        Ok(None) => {}
                        Err(e) => tracing::warn!("the demo's rotation plan: {e}"),
                    }
                    // Then the demo's dispatch (the months of this fiscal year solved and
                    // confirmed, the next one open), after the plan: not to compete with it
                    // for the cores.
                    let today = chrono::Local::now().date_naive();
                    let effort = chiiki_app::dispatch::Effort::quick();
                    match chiiki_app::dispatch::demo(planner.as_ref(), today, effort.clone()).await
                    {
                        Ok(f) if f.runs > 0 => tracing::info!(
                            runs = f.runs,
                            dispatches = f.dispatches,
                            "the demo's dispatch is ready"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("the demo's dispatch: {e}"),
                    }
                    // And this month's duty roster of the demo facility's hospital.
                    match chiiki_app::duty::demo(planner.as_ref(), today, effort).await {
                        Ok(Some(v)) => {
                            tracing::info!(seq = v.seq, "the demo's duty roster is published")
                        }
                        Ok(None) => {}
                        Err(e) => tracing::warn!("the demo's duty roster: {e}"),
                    }
                });
            }
            let options = chiiki_web::Options {
                behind_proxy,
                ..chiiki_web::Options::default()
            };
            chiiki_web::serve_with(listener, store, options).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Rows fetched at a time when a list is streamed.
const PAGE: u64 = 5_000;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || matches!(
                c.downcast_ref::<chiiki_tabular::WriteError>(),
                Some(chiiki_tabular::WriteError::Io(io)) if io.kind() == std::io::ErrorKind::BrokenPipe
            )
    })
}

/// Writes a long list page by page, so that memory stays bounded whatever its length: the
/// same bytes as the whole list written at once.
async fn stream_records(
    store: &dyn Store,
    e: Entity,
    f: &ListArgs,
    format: OutputFormat,
    mut out: Box<dyn Write>,
) -> anyhow::Result<()> {
    if format == OutputFormat::Csv {
        let mut w = chiiki_tabular::CsvStream::new(out, chiiki_tabular::columns(e))?;
        each_page(store, e, f, |page| {
            for cells in register::records_to_cells(e, page).1 {
                w.write_cells(&cells)?;
            }
            Ok(())
        })
        .await?;
        w.finish()?.flush()?;
        return Ok(());
    }
    let mut first = true;
    each_page(store, e, f, |page| {
        let mut json = String::new();
        for r in page {
            json.push_str(if first { "[\n" } else { ",\n" });
            first = false;
            let v = serde_json::to_value(r)?;
            let pretty = serde_json::to_string_pretty(&v["record"])?;
            json.push_str(
                &pretty
                    .lines()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        out.write_all(json.as_bytes())?;
        Ok(())
    })
    .await?;
    out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
    out.flush()?;
    Ok(())
}

/// Calls `each` with the list's records, `PAGE` at a time, up to `--limit`.
async fn each_page(
    store: &dyn Store,
    e: Entity,
    f: &ListArgs,
    mut each: impl FnMut(&[Record]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut offset = 0;
    loop {
        let want = f.limit.map_or(PAGE, |l| l.saturating_sub(offset).min(PAGE));
        if want == 0 {
            return Ok(());
        }
        let page = list(
            store,
            e,
            f,
            Paging {
                limit: Some(want),
                offset,
            },
        )
        .await?;
        each(&page)?;
        offset += page.len() as u64;
        if (page.len() as u64) < want {
            return Ok(());
        }
    }
}

/// The command line acts as a local administrator: it has the database in hand anyway.
/// Records per entity, as `doctors 300, facilities 171, …`.
fn counts_line(counts: &chiiki_app::backup::Counts) -> String {
    counts
        .iter()
        .map(|(e, n)| format!("{} {n}", e.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cli_principal() -> chiiki_app::access::Principal {
    chiiki_app::access::Principal::system("cli")
}

fn print_prefectures(
    rows: &[chiiki_app::analysis::PrefectureAnalysis],
    national: f64,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let text = match format {
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(
                &serde_json::json!({ "national": national, "prefectures": rows })
            )?
        ),
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "pref_code",
                "pref_name",
                "maldistribution_index",
                "rank",
                "class",
                "index_deviation",
            ])?;
            for r in rows {
                w.write_record([
                    r.pref_code.clone(),
                    r.pref_name.clone(),
                    format!("{:.1}", r.maldistribution_index),
                    r.rank.to_string(),
                    r.class.code().to_string(),
                    r.index_deviation
                        .map(|d| format!("{d:.1}"))
                        .unwrap_or_default(),
                ])?;
            }
            String::from_utf8(w.into_inner().map_err(|e| e.into_error())?)?
        }
        OutputFormat::Table | OutputFormat::Xlsx => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
            t.set_header(["コード", "都道府県", "偏在指標", "順位", "区分", "偏差値"]);
            for r in rows {
                t.add_row([
                    r.pref_code.clone(),
                    r.pref_name.clone(),
                    format!("{:.1}", r.maldistribution_index),
                    r.rank.to_string(),
                    r.class.label(Lang::Ja).to_string(),
                    r.index_deviation
                        .map(|d| format!("{d:.1}"))
                        .unwrap_or_default(),
                ]);
            }
            format!(
                "{t}\n全国 / national: {national}\n{}\n",
                chiiki_app::analysis::SOURCES
            )
        }
    };
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn print_analysis(
    rows: &[chiiki_app::analysis::AreaAnalysis],
    format: OutputFormat,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    use chiiki_report::tables;
    let bytes = match format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(rows)?;
            s.push('\n');
            s.into_bytes()
        }
        OutputFormat::Csv => tables::csv(rows)?,
        OutputFormat::Xlsx => {
            let mut sources = chiiki_app::analysis::source_lines();
            sources.extend(
                chiiki_app::outlook::METHOD_NOTES
                    .iter()
                    .map(|s| s.to_string()),
            );
            sources.push(chiiki_app::outlook::RATIO_NOTE.to_string());
            tables::workbook(rows, &sources)?
        }
        OutputFormat::Table => {
            // The terminal shows the first columns; csv, xlsx and json have them all.
            let shown = [
                "area_code",
                "area_name",
                "maldistribution_index",
                "class_ja",
                "rank",
                "index_deviation",
                "hospital_doctors_per_100k",
                "beds_per_100k",
                "population_2040",
                "medical_demand_2040",
                "doctors_for_national_2036",
                "gap_2040",
            ];
            let cols: Vec<_> = tables::area_columns()
                .into_iter()
                .filter(|c| shown.contains(&c.key))
                .collect();
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
            t.set_header(cols.iter().map(|c| c.ja));
            for r in rows {
                t.add_row(cols.iter().map(|c| tables::cell_text(&(c.value)(r))));
            }
            format!("{t}\n{}\n", chiiki_app::analysis::SOURCES).into_bytes()
        }
    };
    write_out(&bytes, output)
}

/// Recomputes the rows' utilisation ratio with the user's rate table; returns the note that
/// says so.
fn with_rates(
    rows: &mut [chiiki_app::analysis::AreaAnalysis],
    file: &Path,
) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).map_err(|e| {
        bad(format!(
            "{}: 読めません / cannot read it: {e}",
            file.display()
        ))
    })?;
    let name = file.display().to_string();
    let rates = chiiki_app::outlook::rates_from_csv(&name, &bytes).map_err(|e| match e {
        AppError::Rejected(m) => bad(m.to_string()),
        other => other.into(),
    })?;
    let reference = chiiki_app::refdata::national()?;
    let ratios = chiiki_app::outlook::recomputed_ratios(reference, &rates)?;
    for r in rows.iter_mut() {
        let area = AreaCode::parse(&r.area_code).ok();
        let ratio = area.and_then(|a| ratios.get(&a).copied().flatten());
        r.utilisation_ratio_inpatient = ratio;
        r.utilisation_ratio_difference =
            ratio.map(|x| ((x - r.standardized_utilization_ratio) * 1000.0).round() / 1000.0);
    }
    Ok(chiiki_app::outlook::ratio_note_for(&name))
}

/// One year of the outlook of the areas: table, CSV, JSON or a workbook.
fn print_outlook(
    rows: &[chiiki_app::analysis::AreaAnalysis],
    year: i32,
    format: OutputFormat,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    use chiiki_report::tables;
    let cols = tables::year_columns();
    let picked: Vec<_> = tables::part_rows(rows, |a| &a.years)
        .into_iter()
        .filter(|(_, y)| y.year == year)
        .collect();
    let bytes = match format {
        OutputFormat::Json => {
            let values: Vec<serde_json::Value> = picked
                .iter()
                .map(|(a, y)| {
                    let mut v = serde_json::to_value(y).unwrap_or_default();
                    v["area_code"] = a.area_code.clone().into();
                    v["area_name"] = a.area_name.clone().into();
                    v
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&values)?;
            s.push('\n');
            s.into_bytes()
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(cols.iter().map(|c| c.key))?;
            for (a, y) in &picked {
                w.write_record(cols.iter().map(|c| tables::cell_text(&(c.value)(a, y))))?;
            }
            w.into_inner().map_err(|e| e.into_error())?
        }
        OutputFormat::Xlsx => {
            let sheet = chiiki_tabular::Sheet {
                name: format!("{year}年"),
                headers: cols.iter().map(|c| c.ja.to_string()).collect(),
                rows: picked
                    .iter()
                    .map(|(a, y)| cols.iter().map(|c| (c.value)(a, y)).collect())
                    .collect(),
            };
            chiiki_tabular::sheets_to_xlsx("将来推計", &[sheet])?
        }
        OutputFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
            t.set_header(cols.iter().map(|c| c.ja));
            for (a, y) in &picked {
                t.add_row(cols.iter().map(|c| tables::cell_text(&(c.value)(a, y))));
            }
            format!("{t}\n{}\n", chiiki_app::analysis::SOURCES).into_bytes()
        }
    };
    write_out(&bytes, output)
}

/// An Excel file goes to `--output`, or to standard output when that is redirected — never
/// to a terminal.
fn binary_destination(output: Option<&Path>) -> anyhow::Result<()> {
    if output.is_none() && std::io::stdout().is_terminal() {
        return Err(bad(
            "xlsx は --output でファイルを指定するか、出力をリダイレクトしてください / give a file with --output for xlsx, or redirect standard output",
        ));
    }
    Ok(())
}

/// Bytes to a file, or to standard output (a reader that went away is not an error).
fn write_out(bytes: &[u8], output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?
        }
        None => match std::io::stdout().lock().write_all(bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        },
    }
    Ok(())
}

fn print_accounts(accounts: &[chiiki_app::DemoAccount]) {
    if accounts.is_empty() {
        return;
    }
    println!(
        "デモ用アカウント（パスワードはこの起動ごとに新しくなります） / demo accounts (new passwords at every start):"
    );
    for (user, role, password) in accounts {
        println!(
            "  {:<12} {:<12} password: {password}",
            user.as_str(),
            role.code()
        );
    }
}

/// The password: a line of standard input, or a new random one that is printed.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        let pw = chiiki_app::auth::random_token()[..20].to_string();
        println!("パスワード / password: {pw}");
        Ok(pw)
    }
}

async fn user(db: &str, what: UserCommand) -> anyhow::Result<ExitCode> {
    use chiiki_domain::{AccountFields, DoctorId, Name, Role, Username};
    let store = open(db).await?;
    let admin = cli_principal();
    let rejected = |e: AppError| match e {
        AppError::Rejected(m) => bad(m.to_string()),
        AppError::Invalid(v) => bad(format!("{} — {}", v.problem(), v.fix())),
        other => other.into(),
    };
    match what {
        UserCommand::Add {
            username,
            role,
            pref,
            facility,
            doctor,
            alliance,
            name,
            password_stdin,
        } => {
            let username = parse(Username::parse(&username))?;
            let fields = AccountFields {
                alliance: parse(alliance.as_deref().map(AllianceId::parse).transpose())?,
                display_name: parse(Name::parse(name.as_deref().unwrap_or(username.as_str())))?,
                username,
                role: parse(Role::parse(&role))?,
                pref: parse(pref.as_deref().map(PrefCode::parse).transpose())?,
                facility: parse(facility.as_deref().map(FacilityId::parse).transpose())?,
                doctor: parse(doctor.as_deref().map(DoctorId::parse).transpose())?,
                disabled: false,
            };
            let password = read_password(password_stdin)?;
            let account =
                chiiki_app::auth::put_account(store.as_ref(), &admin, fields, Some(&password))
                    .await
                    .map_err(rejected)?;
            println!(
                "アカウントを保存しました / saved the account {} ({})",
                account.username,
                account.role.code()
            );
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let username = parse(Username::parse(&username))?;
            let password = read_password(password_stdin)?;
            chiiki_app::auth::reset_password(store.as_ref(), &admin, &username, &password)
                .await
                .map_err(rejected)?;
            println!("パスワードを変更しました / password changed for {username}");
        }
        UserCommand::List => {
            for a in store.list_accounts().await? {
                println!(
                    "{:<20} {:<12} {:<4} {}{}",
                    a.username.as_str(),
                    a.role.code(),
                    a.pref.map(|p| p.to_string()).unwrap_or_default(),
                    a.display_name,
                    if a.disabled { " (disabled)" } else { "" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The list's filter, validated.
fn list_filter(f: &ListArgs) -> anyhow::Result<register::ListFilter> {
    Ok(register::ListFilter {
        pref: parse(f.pref.as_deref().map(PrefCode::parse).transpose())?,
        area: parse(f.area.as_deref().map(AreaCode::parse).transpose())?,
        facility: parse(f.facility.as_deref().map(FacilityId::parse).transpose())?,
        status: parse(f.status.as_deref().map(RegisterStatus::parse).transpose())?,
        graduation_year: f.graduation_year,
        text: f.text.clone(),
    })
}

async fn list(
    store: &dyn Store,
    e: Entity,
    f: &ListArgs,
    paging: Paging,
) -> anyhow::Result<Vec<Record>> {
    Ok(
        register::list(store, &cli_principal(), e, &list_filter(f)?, paging)
            .await?
            .items,
    )
}

fn print_records(
    e: Entity,
    records: &[Record],
    format: OutputFormat,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let bytes = match format {
        OutputFormat::Json => {
            let values: Vec<serde_json::Value> = records
                .iter()
                .map(|r| serde_json::to_value(r).map(|v| v["record"].clone()))
                .collect::<Result<_, _>>()?;
            let mut s = serde_json::to_string_pretty(&values)?;
            s.push('\n');
            s.into_bytes()
        }
        OutputFormat::Csv => register::records_to_bytes(e, records, Format::Csv)?,
        OutputFormat::Xlsx => {
            binary_destination(output)?;
            register::records_to_bytes(e, records, Format::Xlsx)?
        }
        OutputFormat::Table => table(e, records)?.into_bytes(),
    };
    write_out(&bytes, output)?;
    Ok(())
}

fn table(e: Entity, records: &[Record]) -> anyhow::Result<String> {
    let (headers, rows) = register::records_to_cells(e, records);
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    t.set_header(headers);
    for row in rows {
        t.add_row(
            row.iter()
                .map(|c| c.to_text().chars().take(40).collect::<String>()),
        );
    }
    Ok(format!(
        "{t}\n{} {}件 / {} records\n",
        e.label(Lang::Ja),
        records.len(),
        records.len()
    ))
}

fn print_report(r: &ImportReport, format: OutputFormat) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let verb = if r.committed {
        ("取り込みました", "imported")
    } else {
        ("取り込む予定（試行）", "dry run")
    };
    println!(
        "{} / {}: {} — {}行 / {} rows: 追加 {} added, 変更 {} changed, 変更なし {} unchanged, 却下 {} rejected",
        verb.0,
        verb.1,
        r.file,
        r.rows_read,
        r.rows_read,
        r.added,
        r.changed,
        r.unchanged,
        r.rejected_rows()
    );
    if !r.issues.is_empty() {
        eprintln!(
            "{}件の問題があるため、何も書き込んでいません / {} problems found: nothing was written",
            r.issues.len(),
            r.issues.len()
        );
        for i in &r.issues {
            eprintln!("  {i}");
        }
    }
    Ok(())
}

/// A progress bar that appears only when the work takes over a second and standard error
/// is a terminal.
struct Progress {
    bar: indicatif::ProgressBar,
    start: Instant,
    shown: bool,
}

impl Progress {
    fn new(message: &'static str) -> Self {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_message(message);
        Self {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }
    fn update(&mut self, done: u64, total: u64) {
        if !self.shown
            && self.start.elapsed() > Duration::from_secs(1)
            && std::io::stderr().is_terminal()
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})",
            ) {
                self.bar.set_style(style);
            }
            self.shown = true;
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
