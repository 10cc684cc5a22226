//! `chiiki roster`: the roster engine on the public Curtois–Qu benchmark (solve, write the
//! roster, check a roster independently), a month of dispatch from a problem file, the
//! work-hour checker on doctors' timelines, and the dispatch of the database: the month's
//! requests, solving and confirming a month, the fiscal year's statistics and the doctors'
//! hours against the caps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chiiki_app::dispatch::{self as dx, Month, RequestRow};
use chiiki_domain::{DutyKind, FiscalYear, Lang, PrefCode, RequestState, Urgency, parse_date};
use chiiki_roster::dispatch::{self, Problem};
use chiiki_roster::duty;
use chiiki_roster::hours::{self, Rules, Severity, Timeline};
use chiiki_roster::shift;
use chiiki_tabular::{Cell, Format, Sheet};
use chrono::NaiveDateTime;
use clap::Subcommand;
use comfy_table::Table;

use crate::{
    OutputFormat, bad, binary_destination, cli_principal, open, parse, rejected, write_out,
};

#[derive(Subcommand)]
pub(crate) enum RosterCommand {
    /// Solve Curtois–Qu shift scheduling instances (InstanceN.txt) and print each result as
    /// the independent checker sees it: objective, feasible, seconds (json: one object per
    /// line).
    Benchmark {
        /// Instance files in the Curtois–Qu text format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Seconds per instance.
        #[arg(long, default_value_t = 60.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Write the roster as JSON (a directory when several instances are solved).
        #[arg(long, value_name = "FILE")]
        roster_out: Option<PathBuf>,
    },
    /// Check a roster (JSON, as written by `benchmark --roster-out`) against its instance:
    /// every hard rule, and the objective recomputed. Exit code 1 when a rule is broken.
    Check { instance: PathBuf, roster: PathBuf },
    /// Plan a month of dispatch from a problem file (JSON: month, requests, doctors with
    /// offers and hours, travel, weights) and print the plan, the unfilled requests with
    /// their reasons and every doctor's hours.
    Dispatch {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Seconds for the search.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a synthetic, prefecture-shaped month of dispatch (every doctor synthetic) as a
    /// problem file for `dispatch`.
    Generate {
        /// The month, e.g. 2026-12.
        #[arg(long)]
        month: String,
        #[arg(long, default_value_t = 40)]
        sites: usize,
        #[arg(long, default_value_t = 300)]
        doctors: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check doctors' timelines (JSON: a list of timelines) against the 2024 work-hour
    /// rules; every finding with the rule, the doctor, the period and the hours. Exit code
    /// 1 when a binding rule is broken.
    Hours {
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// The date compensatory rest is judged on (today when left out).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Make a facility's or an alliance's monthly duty roster (勤務表) from a spec file (TOML
    /// or JSON: month, facilities, shifts with their cover, staff with their limits, leave
    /// and hours, requests on and off) and print the roster grid, the shifts left short with
    /// their reasons and every person's hours; `--format json` prints the whole result,
    /// `csv` the grid, `xlsx` the grid, the shortfalls and the requests.
    Duty {
        /// The spec (`.toml` or `.json`).
        spec: PathBuf,
        /// Seconds for the search.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    #[command(flatten)]
    Database(DatabaseCommand),
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        bad(format!(
            "{} を読めません / cannot read {}: {e}",
            path.display(),
            path.display()
        ))
    })
}

fn seconds(s: f64) -> anyhow::Result<Duration> {
    if s.is_finite() && s > 0.0 && s <= 86_400.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(bad(format!(
            "--time-limit {s}: 0より大きく86400以下の秒数にしてください / give seconds above 0 and at most 86400"
        )))
    }
}

fn instance_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "instance".into())
}

/// Runs a verb; `false` when it found what its exit code 1 reports (a broken rule).
pub(crate) async fn run(
    db: &str,
    format: Option<OutputFormat>,
    what: RosterCommand,
) -> anyhow::Result<bool> {
    match what {
        RosterCommand::Database(what) => database(db, format, what).await,
        RosterCommand::Benchmark {
            files,
            time_limit,
            seed,
            threads,
            roster_out,
        } => {
            let limits = shift::Limits {
                time_limit: seconds(time_limit)?,
                seed,
                threads: threads.clamp(1, 64),
            };
            if files.len() > 1
                && let Some(dir) = &roster_out
                && !dir.is_dir()
            {
                return Err(bad(format!(
                    "--roster-out {}: 複数のインスタンスではディレクトリを指定してください / with several instances, give a directory",
                    dir.display()
                )));
            }
            let format = format.unwrap_or(OutputFormat::Table);
            let mut table = Table::new();
            table.set_header([
                "instance",
                "objective",
                "best known",
                "gap %",
                "feasible",
                "seconds",
            ]);
            let mut csv =
                String::from("instance,objective,best_known,gap_percent,feasible,seconds\n");
            for file in &files {
                let name = instance_name(file);
                let text = read(file)?;
                let (result, roster, evaluation) = shift::run_benchmark(&name, &text, &limits)
                    .map_err(|e| bad(format!("{}: {e}", file.display())))?;
                if let Some(out) = &roster_out {
                    let path = if out.is_dir() {
                        out.join(format!("{name}.roster.json"))
                    } else {
                        out.clone()
                    };
                    let instance = shift::parse(&name, &text)
                        .map_err(|e| bad(format!("{}: {e}", file.display())))?;
                    let json =
                        serde_json::to_string_pretty(&shift::roster_json(&instance, &roster))?;
                    write_out(format!("{json}\n").as_bytes(), Some(&path))?;
                }
                let best = shift::BEST_KNOWN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| *v);
                let gap = best
                    .filter(|b| *b > 0)
                    .map(|b| 100.0 * (result.objective - b) as f64 / b as f64);
                match format {
                    OutputFormat::Json => println!("{}", serde_json::to_string(&result)?),
                    OutputFormat::Csv => csv.push_str(&format!(
                        "{},{},{},{},{},{:.1}\n",
                        result.instance,
                        result.objective,
                        best.map(|b| b.to_string()).unwrap_or_default(),
                        gap.map(|g| format!("{g:.2}")).unwrap_or_default(),
                        result.feasible,
                        result.seconds
                    )),
                    OutputFormat::Table | OutputFormat::Xlsx => {
                        table.add_row([
                            result.instance.clone(),
                            result.objective.to_string(),
                            best.map(|b| b.to_string()).unwrap_or_else(|| "–".into()),
                            gap.map(|g| format!("{g:.2}")).unwrap_or_else(|| "–".into()),
                            if result.feasible {
                                "yes".into()
                            } else {
                                format!("NO ({} violations)", evaluation.violations.len())
                            },
                            format!("{:.1}", result.seconds),
                        ]);
                    }
                }
            }
            match format {
                OutputFormat::Csv => write_out(csv.as_bytes(), None)?,
                OutputFormat::Table | OutputFormat::Xlsx => println!("{table}"),
                OutputFormat::Json => {}
            }
            Ok(true)
        }
        RosterCommand::Check { instance, roster } => {
            let name = instance_name(&instance);
            let inst = shift::parse(&name, &read(&instance)?)
                .map_err(|e| bad(format!("{}: {e}", instance.display())))?;
            let r = shift::roster_from_json(&inst, &read(&roster)?)
                .map_err(|e| bad(format!("{}: {e}", roster.display())))?;
            let evaluation = shift::check(&inst, &r);
            if format == Some(OutputFormat::Json) {
                println!("{}", serde_json::to_string_pretty(&evaluation)?);
            } else {
                println!(
                    "{name}: objective {}, {}",
                    evaluation.objective,
                    if evaluation.feasible {
                        "every hard rule holds / 全ての制約を満たします".to_string()
                    } else {
                        format!(
                            "{} hard rule(s) broken / 制約違反 {} 件",
                            evaluation.violations.len(),
                            evaluation.violations.len()
                        )
                    }
                );
                for v in &evaluation.violations {
                    println!(
                        "  {:?}{}: {}",
                        v.rule,
                        v.employee_id
                            .as_deref()
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default(),
                        v.message
                    );
                }
            }
            Ok(evaluation.feasible)
        }
        RosterCommand::Generate {
            month: m,
            sites,
            doctors,
            seed,
            output,
        } => {
            if sites == 0 || sites > 2_000 || doctors > 20_000 {
                return Err(bad(
                    "--sites 1〜2000、--doctors 0〜20000 にしてください / use 1–2000 sites and 0–20000 doctors",
                ));
            }
            let p = dispatch::generate::prefecture(month_of(&m)?.first(), sites, doctors, seed);
            let json = serde_json::to_string_pretty(&p)?;
            write_out(format!("{json}\n").as_bytes(), output.as_deref())?;
            Ok(true)
        }
        RosterCommand::Dispatch {
            input,
            time_limit,
            seed,
            output,
        } => {
            let text = read(&input)?;
            let problem: Problem = serde_json::from_str(&text).map_err(|e| {
                bad(format!(
                    "{}:{}:{}: 派遣の問題ファイルとして読めません / not a dispatch problem: {e}",
                    input.display(),
                    e.line(),
                    e.column()
                ))
            })?;
            let plan = dispatch::solve(
                &problem,
                &dispatch::Limits {
                    time_limit: seconds(time_limit)?,
                    seed,
                    threads: 2,
                },
            );
            match format.unwrap_or(OutputFormat::Table) {
                OutputFormat::Json => {
                    let json = serde_json::to_string_pretty(&plan)?;
                    write_out(format!("{json}\n").as_bytes(), output.as_deref())?;
                }
                OutputFormat::Csv => {
                    let mut out = String::from("request,doctor,travel_minutes\n");
                    for a in &plan.assignments {
                        out.push_str(&format!(
                            "{},{},{}\n",
                            a.request, a.doctor, a.travel_minutes
                        ));
                    }
                    write_out(out.as_bytes(), output.as_deref())?;
                }
                OutputFormat::Table | OutputFormat::Xlsx => {
                    let f = &plan.figures;
                    let mut out = format!(
                        "{} 依頼 / requests, {} 派遣 / filled, 重み付き充足率 / weighted cover {:.1} %, 移動 / travel {} min, {} 人派遣 / doctors sent (最多 / most {}), {:.2} s\n",
                        f.requests,
                        f.filled,
                        100.0 * f.weighted_cover,
                        f.travel_minutes,
                        f.doctors_sent,
                        f.most_dispatches,
                        f.seconds
                    );
                    let binding = plan
                        .findings
                        .iter()
                        .filter(|b| b.severity != Severity::Due)
                        .count();
                    out.push_str(&format!(
                        "労働時間規制の違反 / work-hour breaches: {binding}; 取り下げ / withdrawn by the final check: {}\n",
                        f.withdrawn
                    ));
                    let mut t = Table::new();
                    t.set_header(["request", "doctor", "travel (min)"]);
                    for a in &plan.assignments {
                        t.add_row([
                            a.request.clone(),
                            a.doctor.clone(),
                            a.travel_minutes.to_string(),
                        ]);
                    }
                    out.push_str(&format!("{t}\n"));
                    if !plan.unfilled.is_empty() {
                        let mut t = Table::new();
                        t.set_header(["unfilled request / 未充足", "why / 理由"]);
                        for u in &plan.unfilled {
                            t.add_row([
                                u.request.clone(),
                                format!("{} / {}", u.summary.ja, u.summary.en),
                            ]);
                        }
                        out.push_str(&format!("{t}\n"));
                    }
                    write_out(out.as_bytes(), output.as_deref())?;
                }
            }
            Ok(true)
        }
        RosterCommand::Duty {
            spec,
            time_limit,
            seed,
            threads,
            output,
        } => duty_file(&spec, time_limit, seed, threads, format, output.as_deref()),
        RosterCommand::Hours { input, as_of } => {
            let text = read(&input)?;
            let timelines: Vec<Timeline> = serde_json::from_str(&text).map_err(|e| {
                bad(format!(
                    "{}:{}:{}: 勤務記録として読めません / not a list of timelines: {e}",
                    input.display(),
                    e.line(),
                    e.column()
                ))
            })?;
            let as_of = match as_of {
                Some(d) => parse_date(&d).map_err(|e| bad(format!("--as-of {d}: {e}")))?,
                None => chrono::Local::now().date_naive(),
            };
            let rules = Rules::mhlw_2024();
            let findings: Vec<hours::Breach> = timelines
                .iter()
                .flat_map(|t| hours::check(rules, t, as_of))
                .collect();
            if format == Some(OutputFormat::Json) {
                println!("{}", serde_json::to_string_pretty(&findings)?);
            } else {
                let mut t = Table::new();
                t.set_header([
                    "doctor", "rule", "severity", "from", "to", "hours", "limit", "finding",
                ]);
                for b in &findings {
                    t.add_row([
                        b.doctor.clone(),
                        b.rule.label().get(Lang::Ja).to_string(),
                        format!("{:?}", b.severity),
                        b.from.format("%Y-%m-%d %H:%M").to_string(),
                        b.to.format("%Y-%m-%d %H:%M").to_string(),
                        format!("{:.1}", b.minutes as f64 / 60.0),
                        format!("{:.1}", b.limit as f64 / 60.0),
                        b.message.ja.clone(),
                    ]);
                }
                println!("{} 件 / findings\n{t}", findings.len());
            }
            Ok(!findings.iter().any(|b| b.severity == Severity::Breach))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Dispatch on the database.

/// The dispatch of the database, as the command line's administrator.
#[derive(Subcommand)]
pub(crate) enum DatabaseCommand {
    /// The requests for cover in the database (a month's, or all): id, facility, kind, start,
    /// end, urgency, skills, state and the doctor sent (table, csv, json or xlsx).
    Requests {
        /// The prefecture (code or name); the database's only one when left out.
        #[arg(long)]
        pref: Option<String>,
        /// The month, e.g. 2026-12; every request of the prefecture when left out.
        #[arg(long)]
        month: Option<String>,
        /// Write to this file instead of standard output; without --format, .csv or .xlsx
        /// chooses the format.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Solve a month: the open requests of the month with the offers, the hours reported and
    /// the dispatches confirmed in the database. Keeps the run and prints its number, its
    /// figures, the dispatches it proposes and why each unfilled request is unfilled (table
    /// or json). Nothing is confirmed until `confirm`.
    Solve {
        /// The prefecture (code or name); the database's only one when left out.
        #[arg(long)]
        pref: Option<String>,
        /// The month, e.g. 2026-12.
        #[arg(long)]
        month: String,
        /// Seconds for the search.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Confirm every dispatch of a run, all or nothing, after checking them again against
    /// the database: a run made stale by a request filled or cancelled, an offer withdrawn or
    /// hours reported since is refused (exit code 2): solve the month again.
    Confirm {
        /// The prefecture (code or name); the database's only one when left out.
        #[arg(long)]
        pref: Option<String>,
        /// The run's number, as `solve` prints it.
        #[arg(long)]
        run: u32,
    },
    /// The fiscal year's dispatch statistics: requests, filled, open, cancelled,
    /// dispatch-days, hours and fill rate, in total and by month, area, facility, kind,
    /// urgency or doctor. Table: the total and the breakdown of --by; csv: the sheet of --by
    /// (the secondary areas unless told); xlsx: every sheet; json: everything.
    Stats {
        /// The prefecture (code or name); the database's only one when left out.
        #[arg(long)]
        pref: Option<String>,
        /// The fiscal year (2026, 2026年度, 令和8年度); this fiscal year when left out.
        #[arg(long, value_name = "YEAR")]
        fy: Option<String>,
        /// The breakdown shown as a table or written as csv.
        #[arg(long, value_enum, default_value = "area")]
        by: StatsBy,
        /// Write to this file instead of standard output; without --format, .csv (the sheet
        /// of --by) or .xlsx (every sheet) chooses the format.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Each doctor's overtime in a month and its fiscal year against the caps, confirmed
    /// dispatches included, with the checker's findings. Exit code 1 when a binding rule is
    /// broken.
    HoursMonth {
        /// The prefecture (code or name); the database's only one when left out.
        #[arg(long)]
        pref: Option<String>,
        /// The month, e.g. 2026-12.
        #[arg(long)]
        month: String,
        /// Write to this file instead of standard output; without --format, .csv or .xlsx
        /// chooses the format.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Load the demo's dispatch into a database holding the Iwate demo (`chiiki demo`):
    /// synthetic requests, offers and hours for every month of the fiscal year up to TODAY's,
    /// each month before TODAY's solved and confirmed, and the next month's left open for the
    /// coordinator. Once: nothing is done when the demo prefecture has dispatch runs already.
    /// `chiiki serve --demo` does the same in the background.
    Demo {
        /// The day the demo takes as today (today when left out).
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
}

/// A breakdown of the statistics, in the order of `stats_sheets`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StatsBy {
    Total,
    Month,
    Area,
    Facility,
    Kind,
    Urgency,
    Doctor,
}

impl StatsBy {
    /// The sheet of `stats_sheets`.
    fn sheet(self) -> usize {
        self as usize
    }
}

fn month_of(text: &str) -> anyhow::Result<Month> {
    Month::parse(text).map_err(rejected)
}

/// How a verb writes its sheets: `--format`, else the extension of `-o` (.csv, .xlsx), else
/// a table.
fn destination(
    format: Option<OutputFormat>,
    output: Option<&Path>,
) -> anyhow::Result<OutputFormat> {
    let by_name = output.and_then(Format::from_path).map(|f| match f {
        Format::Csv => OutputFormat::Csv,
        Format::Xlsx => OutputFormat::Xlsx,
    });
    let chosen = match (format, by_name) {
        (Some(f), Some(n)) if f != n => {
            return Err(bad(
                "--format とファイル名の拡張子が食い違っています / --format and the extension of the file name disagree",
            ));
        }
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) if output.is_some() => {
            return Err(bad(
                "ファイル名は .csv か .xlsx で終えるか、--format を指定してください / end the file name in .csv or .xlsx, or give --format",
            ));
        }
        (None, None) => OutputFormat::Table,
    };
    if chosen == OutputFormat::Xlsx {
        binary_destination(output)?;
    }
    Ok(chosen)
}

/// `roster duty`: a duty roster from a spec file.
fn duty_file(
    path: &Path,
    time_limit: f64,
    seed: u64,
    threads: usize,
    format: Option<OutputFormat>,
    output: Option<&Path>,
) -> anyhow::Result<bool> {
    let text = read(path)?;
    let spec: duty::Spec = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "{}:{}:{}: 勤務表の指定として読めません / not a duty roster spec: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?
    } else {
        toml::from_str(&text).map_err(|e| {
            bad(format!(
                "{}: 勤務表の指定として読めません / not a duty roster spec: {e}",
                path.display()
            ))
        })?
    };
    let limits = duty::Limits {
        time_limit: seconds(time_limit)?,
        seed,
        threads: threads.clamp(1, 64),
    };
    let roster = duty::solve(&spec, &limits).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| {
                format!(
                    "{}: {}: {} — {} / {} — {}",
                    path.display(),
                    p.field,
                    p.problem.ja,
                    p.fix.ja,
                    p.problem.en,
                    p.fix.en
                )
            })
            .collect();
        bad(lines.join("\n"))
    })?;
    let chosen = destination(format, output)?;
    let sheets = chiiki_app::duty::roster_sheets(&spec, &roster, Lang::Ja);
    let bytes = match chosen {
        OutputFormat::Json => json_bytes(&roster)?,
        OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheets[0])?,
        OutputFormat::Xlsx => chiiki_tabular::sheets_to_xlsx(&spec.title, &sheets)?,
        OutputFormat::Table => {
            let f = &roster.figures;
            let mut out = format!(
                "{}\n充足 / covered {}/{} ({:.1} %), 超過 / over {}, 希望 / requests {}/{}, 取り下げ / withdrawn by the hours check {}, 目的関数 / objective {}, {:.2} s\n{}\n",
                spec.title,
                f.covered,
                f.needed,
                if f.needed > 0 {
                    100.0 * f64::from(f.covered) / f64::from(f.needed)
                } else {
                    100.0
                },
                f.over,
                f.granted,
                f.requests,
                f.withdrawn,
                f.objective,
                f.seconds,
                sheet_table(&sheets[0])
            );
            for short in &roster.short {
                out.push_str(&format!(
                    "{} {}: {} / {}\n",
                    short.date, short.shift, short.summary.ja, short.summary.en
                ));
            }
            let binding = roster
                .findings
                .iter()
                .filter(|b| b.severity != Severity::Due)
                .count();
            out.push_str(&format!(
                "労働時間規制の指摘 / work-hour findings: {} ({binding} binding, made before the roster)\n",
                roster.findings.len()
            ));
            out.into_bytes()
        }
    };
    write_out(&bytes, output)?;
    Ok(true)
}

/// A sheet as a terminal table.
pub(crate) fn sheet_table(sheet: &Sheet) -> Table {
    let mut t = Table::new();
    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    t.set_header(sheet.headers.clone());
    for row in &sheet.rows {
        t.add_row(row.iter().map(Cell::to_text));
    }
    t
}

pub(crate) fn json_bytes<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    Ok(format!("{}\n", serde_json::to_string_pretty(value)?).into_bytes())
}

fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// A request as JSON shows it: codes, and the doctor sent once confirmed.
#[derive(serde::Serialize)]
struct RequestLine<'a> {
    id: u64,
    facility: &'a str,
    facility_name: &'a str,
    area: &'a str,
    kind: DutyKind,
    start: NaiveDateTime,
    end: NaiveDateTime,
    urgency: Urgency,
    skills: &'a [String],
    state: RequestState,
    note: &'a str,
    doctor: Option<&'a str>,
    doctor_name: Option<&'a str>,
    travel_minutes: Option<i64>,
}

/// The requests as a sheet, in Japanese.
fn requests_sheet(rows: &[RequestRow]) -> Sheet {
    Sheet {
        name: "派遣依頼".into(),
        headers: [
            "依頼ID",
            "施設ID",
            "施設名",
            "種類",
            "開始",
            "終了",
            "緊急度",
            "技能",
            "状態",
            "派遣医師ID",
            "派遣医師",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let q = &r.request;
                vec![
                    Cell::Text(q.id.to_string()),
                    Cell::Text(q.facility.to_string()),
                    Cell::Text(r.facility_name.clone()),
                    Cell::Text(q.kind.label(Lang::Ja).to_string()),
                    Cell::Text(time(q.start)),
                    Cell::Text(time(q.end)),
                    Cell::Text(q.urgency.label(Lang::Ja).to_string()),
                    Cell::Text(q.skills.join("、")),
                    Cell::Text(q.state.label().ja),
                    Cell::text(r.doctor.as_ref().map(|d| &d.0)),
                    Cell::text(r.doctor.as_ref().map(|d| &d.1)),
                ]
            })
            .collect(),
    }
}

async fn database(
    db: &str,
    format: Option<OutputFormat>,
    what: DatabaseCommand,
) -> anyhow::Result<bool> {
    let store = open(db).await?;
    let store = store.as_ref();
    let who = cli_principal();
    match what {
        DatabaseCommand::Requests {
            pref,
            month,
            output,
        } => {
            let format = destination(format, output.as_deref())?;
            let pref = crate::rotate::pref_of(store, pref.as_deref()).await?;
            let month = month.as_deref().map(month_of).transpose()?;
            let rows = dx::requests(store, &who, pref, month)
                .await
                .map_err(rejected)?;
            let sheet = requests_sheet(&rows);
            let bytes = match format {
                OutputFormat::Json => {
                    let lines: Vec<RequestLine> = rows
                        .iter()
                        .map(|r| RequestLine {
                            id: r.request.id,
                            facility: r.request.facility.as_str(),
                            facility_name: &r.facility_name,
                            area: &r.area,
                            kind: r.request.kind,
                            start: r.request.start,
                            end: r.request.end,
                            urgency: r.request.urgency,
                            skills: &r.request.skills,
                            state: r.request.state,
                            note: &r.request.note,
                            doctor: r.doctor.as_ref().map(|d| d.0.as_str()),
                            doctor_name: r.doctor.as_ref().map(|d| d.1.as_str()),
                            travel_minutes: r.travel_minutes,
                        })
                        .collect();
                    json_bytes(&lines)?
                }
                OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheet)?,
                OutputFormat::Xlsx => chiiki_tabular::sheets_to_xlsx("派遣依頼", &[sheet])?,
                OutputFormat::Table => format!(
                    "{}\n{}件 / {} requests\n",
                    sheet_table(&sheet),
                    rows.len(),
                    rows.len()
                )
                .into_bytes(),
            };
            write_out(&bytes, output.as_deref())?;
            Ok(true)
        }
        DatabaseCommand::Solve {
            pref,
            month,
            time_limit,
            seed,
        } => {
            let format = format.unwrap_or(OutputFormat::Table);
            if !matches!(format, OutputFormat::Table | OutputFormat::Json) {
                return Err(bad(
                    "計算結果は table か json で出力します / a run prints as table or json",
                ));
            }
            let pref = crate::rotate::pref_of(store, pref.as_deref()).await?;
            let month = month_of(&month)?;
            let mut effort = dx::Effort::standard();
            effort.limits.time_limit = seconds(time_limit)?;
            effort.limits.seed = seed;
            let solved = dx::solve_month(store, &who, pref, month, effort)
                .await
                .map_err(rejected)?;
            let r = dx::run(store, &who, pref, solved.seq)
                .await
                .map_err(rejected)?;
            let bytes = if format == OutputFormat::Json {
                json_bytes(&serde_json::json!({
                    "run": r.run.seq,
                    "pref": pref,
                    "month": month.to_string(),
                    "figures": r.plan.figures,
                    "assignments": r.plan.assignments,
                    "unfilled": r.plan.unfilled,
                    "left_out": r.input.left_out,
                }))?
            } else {
                run_text(&r, pref, month).into_bytes()
            };
            write_out(&bytes, None)?;
            Ok(true)
        }
        DatabaseCommand::Confirm { pref, run } => {
            let pref = crate::rotate::pref_of(store, pref.as_deref()).await?;
            let n = dx::confirm(store, &who, pref, run)
                .await
                .map_err(rejected)?;
            let bytes = if format == Some(OutputFormat::Json) {
                json_bytes(&serde_json::json!({ "run": run, "confirmed": n }))?
            } else {
                format!("第{run}回の計算から{n}件の派遣を確定しました / confirmed {n} dispatches from run {run}\n")
                    .into_bytes()
            };
            write_out(&bytes, None)?;
            Ok(true)
        }
        DatabaseCommand::Stats {
            pref,
            fy,
            by,
            output,
        } => {
            let format = destination(format, output.as_deref())?;
            let pref = crate::rotate::pref_of(store, pref.as_deref()).await?;
            let year = match fy {
                Some(text) => parse(FiscalYear::parse(&text))?,
                None => FiscalYear::of(chrono::Local::now().date_naive()),
            };
            let stats = dx::stats(store, &who, pref, year).await.map_err(rejected)?;
            let sheets = dx::stats_sheets(&stats, Lang::Ja);
            let bytes = match format {
                OutputFormat::Json => json_bytes(&stats)?,
                OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheets[by.sheet()])?,
                OutputFormat::Xlsx => chiiki_tabular::sheets_to_xlsx(
                    &format!("派遣実績 {}年度", year.year()),
                    &sheets,
                )?,
                OutputFormat::Table => {
                    let mut text = format!(
                        "{} {}年度 / FY{}\n{}\n",
                        pref.name_ja(),
                        year.year(),
                        year.year(),
                        sheet_table(&sheets[StatsBy::Total.sheet()])
                    );
                    if by != StatsBy::Total {
                        let sheet = &sheets[by.sheet()];
                        text.push_str(&format!("{}\n{}\n", sheet.name, sheet_table(sheet)));
                    }
                    text.into_bytes()
                }
            };
            write_out(&bytes, output.as_deref())?;
            Ok(true)
        }
        DatabaseCommand::HoursMonth {
            pref,
            month,
            output,
        } => {
            let format = destination(format, output.as_deref())?;
            let pref = crate::rotate::pref_of(store, pref.as_deref()).await?;
            let month = month_of(&month)?;
            let rows = dx::hours_month(store, &who, pref, month)
                .await
                .map_err(rejected)?;
            let sheet = dx::hours_sheet(&rows, Lang::Ja);
            let breaches = rows
                .iter()
                .filter(|d| d.worst() == Some(Severity::Breach))
                .count();
            let bytes = match format {
                OutputFormat::Json => json_bytes(&rows)?,
                OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheet)?,
                OutputFormat::Xlsx => chiiki_tabular::sheets_to_xlsx(
                    &format!("時間外労働 {}", month.label(Lang::Ja)),
                    &[sheet],
                )?,
                OutputFormat::Table => format!(
                    "{} / {}\n{}\n{}人 / doctors; 違反のある医師 / doctors with a breach: {breaches}\n",
                    month.label(Lang::Ja),
                    month.label(Lang::En),
                    sheet_table(&sheet),
                    rows.len(),
                )
                .into_bytes(),
            };
            write_out(&bytes, output.as_deref())?;
            if breaches > 0 {
                eprintln!(
                    "労働時間規制の違反がある医師が{breaches}人います / {breaches} doctor(s) break a binding work-hour rule"
                );
            }
            Ok(breaches == 0)
        }
        DatabaseCommand::Demo { today } => {
            let today = match today {
                Some(d) => parse_date(&d).map_err(|e| bad(format!("--today {d}: {e}")))?,
                None => chrono::Local::now().date_naive(),
            };
            eprintln!("派遣のデモを計算中 / solving the demo's dispatch…");
            let f = dx::demo(store, today, dx::Effort::quick())
                .await
                .map_err(|e| match e {
                    // Without the demo's clinics and doctors there is nothing to solve.
                    chiiki_app::AppError::Rejected(m) => bad(format!(
                        "{}。chiiki demo で岩手県のデモを読み込んだデータベースで使ってください / {}: use it on a database holding the Iwate demo (chiiki demo)",
                        m.ja, m.en
                    )),
                    other => other.into(),
                })?;
            let bytes = if format == Some(OutputFormat::Json) {
                json_bytes(&serde_json::json!({
                    "requests": f.requests,
                    "offers": f.offers,
                    "reports": f.reports,
                    "runs": f.runs,
                    "dispatches": f.dispatches,
                }))?
            } else if f == dx::DemoFigures::default() {
                "派遣のデモは読み込み済みです（何もしていません） / the demo's dispatch is there already: nothing done\n"
                    .to_string()
                    .into_bytes()
            } else {
                format!(
                    "派遣のデモを読み込みました / loaded the demo's dispatch: 依頼 {} requests, 申出 {} offers, 時間外労働の報告 {} hours reports, 計算 {} runs, 確定 {} dispatches\n",
                    f.requests, f.offers, f.reports, f.runs, f.dispatches
                )
                .into_bytes()
            };
            write_out(&bytes, None)?;
            Ok(true)
        }
    }
}

/// A run as text: its figures, the dispatches it proposes, the unfilled requests and why,
/// and what the month's problem left out.
fn run_text(r: &dx::Run, pref: PrefCode, month: Month) -> String {
    let f = &r.plan.figures;
    let seq = r.run.seq;
    let mut out = format!(
        "第{seq}回の計算 / run {seq}: {} / {}\n{} 依頼 / requests, {} 派遣 / filled, 重み付き充足率 / weighted cover {:.1} %, {} 人派遣 / doctors sent, 移動 / travel {} min, {:.2} s\n",
        month.label(Lang::Ja),
        month.label(Lang::En),
        f.requests,
        f.filled,
        100.0 * f.weighted_cover,
        f.doctors_sent,
        f.travel_minutes,
        f.seconds
    );
    let requests: std::collections::HashMap<&str, &dispatch::Request> = r
        .input
        .problem
        .requests
        .iter()
        .map(|q| (q.id.as_str(), q))
        .collect();
    let name = |names: &std::collections::BTreeMap<String, String>, id: &str| {
        names.get(id).cloned().unwrap_or_default()
    };
    if !r.plan.assignments.is_empty() {
        let mut t = Table::new();
        t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
        t.set_header([
            "依頼 / request",
            "施設 / facility",
            "開始 / start",
            "医師 / doctor",
            "移動（分） / travel (min)",
        ]);
        for a in &r.plan.assignments {
            let q = requests.get(a.request.as_str());
            t.add_row([
                a.request.clone(),
                q.map(|q| q.facility_name.clone()).unwrap_or_default(),
                q.map(|q| time(q.start)).unwrap_or_default(),
                format!("{} {}", a.doctor, name(&r.input.doctor_names, &a.doctor)),
                a.travel_minutes.to_string(),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    if !r.plan.unfilled.is_empty() {
        let mut t = Table::new();
        t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
        t.set_header([
            "未充足 / unfilled",
            "施設 / facility",
            "開始 / start",
            "理由 / why",
        ]);
        for u in &r.plan.unfilled {
            let q = requests.get(u.request.as_str());
            t.add_row([
                u.request.clone(),
                q.map(|q| q.facility_name.clone()).unwrap_or_default(),
                q.map(|q| time(q.start)).unwrap_or_default(),
                format!("{} / {}", u.summary.ja, u.summary.en),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    for l in &r.input.left_out {
        out.push_str(&format!(
            "対象外 / left out: {}: {} / {}\n",
            l.what, l.reason.ja, l.reason.en
        ));
    }
    if !r.plan.assignments.is_empty() {
        out.push_str(&format!(
            "確定するには / to confirm: chiiki roster confirm --pref {pref} --run {seq}\n"
        ));
    }
    out
}
