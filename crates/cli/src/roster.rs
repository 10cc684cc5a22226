//! `chiiki roster`: the roster engine on the public Curtois–Qu benchmark (solve, write the
//! roster, check a roster independently), a month of dispatch from a problem file, and the
//! work-hour checker on doctors' timelines.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chiiki_domain::{Lang, NaiveDate, parse_date};
use chiiki_roster::dispatch::{self, Problem};
use chiiki_roster::hours::{self, Rules, Severity, Timeline};
use chiiki_roster::shift;
use clap::Subcommand;
use comfy_table::Table;

use crate::{OutputFormat, bad, write_out};

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

fn month(text: &str) -> anyhow::Result<NaiveDate> {
    let with_day = if text.len() <= 7 {
        format!("{text}-01")
    } else {
        text.to_string()
    };
    parse_date(&with_day)
        .map(chiiki_domain::dispatch::first_of_month)
        .map_err(|e| bad(format!("--month {text}: {e}")))
}

fn instance_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "instance".into())
}

pub(crate) fn run(format: Option<OutputFormat>, what: RosterCommand) -> anyhow::Result<bool> {
    match what {
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
            let p = dispatch::generate::prefecture(month(&m)?, sites, doctors, seed);
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
