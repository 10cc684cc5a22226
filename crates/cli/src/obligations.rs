//! `chiiki obligations`: evaluate timelines and the register against the schemes, print the
//! register views, list and validate scheme files.

use std::path::PathBuf;

use anyhow::Context;
use chiiki_app::obligations::{self as ob, DoctorObligation};
use chiiki_domain::{Lang, NaiveDate};
use chiiki_obligations::SchemeDefinition;
use chiiki_obligations::timeline::Timeline;
use chiiki_tabular::Cell;
use clap::Subcommand;

use crate::{OutputFormat, bad, binary_destination, cli_principal, open, rejected, write_out};

#[derive(Subcommand)]
pub(crate) enum ObligationsCommand {
    /// Evaluate a timeline file (JSON), or with no file every doctor of the database.
    Check {
        /// A timeline in the exchange format (see crates/obligations/src/timeline.rs).
        #[arg(long, value_name = "FILE")]
        timeline: Option<PathBuf>,
        /// The date to evaluate at (ISO or 和暦); today when left out.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Write to this file instead of standard output (required for xlsx).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The centre's own scheme files (TOML), besides the shipped ones; repeat for more.
        #[arg(long = "scheme", value_name = "FILE")]
        schemes: Vec<PathBuf>,
    },
    /// The register views: cohort tables (status × specialty, × area, graduation year ×
    /// status, pipeline), doctors at risk, deadlines within 12 months.
    Cohort {
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The centre's own scheme files (TOML), besides the shipped ones.
        #[arg(long = "scheme", value_name = "FILE")]
        schemes: Vec<PathBuf>,
    },
    /// The schemes chiiki ships, with their versions and rules.
    Schemes,
    /// Check scheme files (TOML) and say every problem with its key and the fix.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn as_of(text: Option<&str>) -> anyhow::Result<NaiveDate> {
    match text {
        None => Ok(chrono::Local::now().date_naive()),
        Some(t) => chiiki_domain::parse_date(t).map_err(|e| {
            use chiiki_domain::Explain;
            bad(format!("--as-of: {} — {}", e.problem(), e.fix()))
        }),
    }
}

/// The shipped schemes and the given files, all checked.
fn registry(files: &[PathBuf]) -> anyhow::Result<chiiki_obligations::Registry> {
    let mut texts = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| bad(format!("{}: 読めません / cannot read it: {e}", f.display())))?;
        texts.push((f.display().to_string(), text));
    }
    ob::registry_with(&texts).map_err(rejected)
}

/// The register's doctors evaluated as of a date (today when none) against the shipped
/// schemes and the given scheme files.
async fn register(
    db: &str,
    date: Option<&str>,
    schemes: &[PathBuf],
) -> anyhow::Result<(Vec<DoctorObligation>, Vec<ob::NotEvaluated>)> {
    let registry = registry(schemes)?;
    let date = as_of(date)?;
    let store = open(db).await?;
    Ok(ob::evaluate_register_with(store.as_ref(), &cli_principal(), date, &registry).await?)
}

pub(crate) async fn run(
    db: &str,
    format: Option<OutputFormat>,
    what: ObligationsCommand,
) -> anyhow::Result<()> {
    match what {
        ObligationsCommand::Check {
            timeline: Some(file),
            as_of: date,
            output,
            schemes,
        } => {
            let registry = registry(&schemes)?;
            let date = as_of(date.as_deref())?;
            let bytes = std::fs::read(&file).map_err(|e| {
                bad(format!(
                    "{}: 読めません / cannot read it: {e}",
                    file.display()
                ))
            })?;
            let t = Timeline::from_json(&file.display().to_string(), &bytes).map_err(|errors| {
                bad(errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"))
            })?;
            let e = ob::check_timeline_with(&registry, &t, date).map_err(rejected)?;
            let bytes = match format.unwrap_or(OutputFormat::Table) {
                OutputFormat::Json => {
                    format!("{}\n", serde_json::to_string_pretty(&e)?).into_bytes()
                }
                OutputFormat::Csv | OutputFormat::Xlsx => {
                    return Err(bad(
                        "1件の評価は table か json で出力します（登録簿全体は --timeline なしで） / one evaluation prints as table or json (leave out --timeline for the whole register)",
                    ));
                }
                OutputFormat::Table => explain(&e).into_bytes(),
            };
            write_out(&bytes, output.as_deref())
        }
        ObligationsCommand::Check {
            timeline: None,
            as_of: date,
            output,
            schemes,
        } => {
            let (list, skipped) = register(db, date.as_deref(), &schemes).await?;
            for s in &skipped {
                eprintln!("{}: {}", s.doctor, s.reason);
            }
            let format = format.unwrap_or(OutputFormat::Table);
            let bytes = match format {
                OutputFormat::Json => {
                    format!("{}\n", serde_json::to_string_pretty(&list)?).into_bytes()
                }
                OutputFormat::Csv => doctors_csv(&list)?,
                OutputFormat::Xlsx => {
                    binary_destination(output.as_deref())?;
                    let sheet = ob::sheets(&list).into_iter().next().unwrap_or_else(|| {
                        chiiki_tabular::Sheet {
                            name: "医師".into(),
                            headers: Vec::new(),
                            rows: Vec::new(),
                        }
                    });
                    chiiki_tabular::sheets_to_xlsx("義務の履行状況", &[sheet])?
                }
                OutputFormat::Table => doctors_table(&list).into_bytes(),
            };
            write_out(&bytes, output.as_deref())
        }
        ObligationsCommand::Cohort {
            as_of: date,
            output,
            schemes,
        } => {
            let (list, _) = register(db, date.as_deref(), &schemes).await?;
            let format = format.unwrap_or(OutputFormat::Table);
            let bytes = match format {
                OutputFormat::Xlsx => {
                    binary_destination(output.as_deref())?;
                    chiiki_tabular::sheets_to_xlsx(
                        "義務の履行状況（コホート表）",
                        &ob::sheets(&list),
                    )?
                }
                OutputFormat::Json => {
                    let risky: Vec<&DoctorObligation> = ob::at_risk(&list);
                    let deadlines: Vec<serde_json::Value> = ob::deadlines_within(&list, 12)
                        .into_iter()
                        .map(|(d, date)| serde_json::json!({"doctor": d.doctor, "deadline": date}))
                        .collect();
                    let value = serde_json::json!({
                        "as_of": date,
                        "tables": ob::cohort_tables(&list),
                        "at_risk": risky.iter().map(|d| &d.doctor).collect::<Vec<_>>(),
                        "deadlines_within_12_months": deadlines,
                    });
                    format!("{}\n", serde_json::to_string_pretty(&value)?).into_bytes()
                }
                OutputFormat::Csv => {
                    let mut w = csv::Writer::from_writer(Vec::new());
                    for t in ob::cohort_tables(&list) {
                        let mut header = vec![t.title_ja.clone()];
                        header.extend(t.columns.iter().cloned());
                        header.push("計".into());
                        w.write_record(&header)?;
                        for row in rows_with_totals(&t) {
                            w.write_record(&row)?;
                        }
                        w.write_record([""])?;
                    }
                    w.into_inner().map_err(|e| e.into_error())?
                }
                OutputFormat::Table => {
                    let mut out = String::new();
                    for t in ob::cohort_tables(&list) {
                        let mut table = comfy_table::Table::new();
                        table.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
                        let mut header = vec![String::new()];
                        header.extend(t.columns.iter().cloned());
                        header.push("計".into());
                        table.set_header(header);
                        for row in rows_with_totals(&t) {
                            table.add_row(row);
                        }
                        out.push_str(&format!("{} / {}\n{table}\n\n", t.title_ja, t.title_en));
                    }
                    out.into_bytes()
                }
            };
            write_out(&bytes, output.as_deref())
        }
        ObligationsCommand::Schemes => {
            let registry = ob::registry()?;
            let mut table = comfy_table::Table::new();
            table.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
            table.set_header(["制度ID", "版", "名称", "義務", "規則", "出典"]);
            for s in registry.definitions() {
                let length = s
                    .rules
                    .obligation
                    .as_ref()
                    .map(|o| match o.rule {
                        chiiki_obligations::ObligationLength::Fixed(span) => span.label(Lang::Ja),
                        _ => "貸与期間に応じて".to_string(),
                    })
                    .unwrap_or_else(|| "—".into());
                table.add_row([
                    s.id.to_string(),
                    s.version.to_string(),
                    s.name.ja.clone(),
                    length,
                    rule_count(s).to_string(),
                    s.source.clone(),
                ]);
            }
            write_out(format!("{table}\n").as_bytes(), None)
        }
        ObligationsCommand::Validate { files } => {
            let mut texts = Vec::new();
            for f in &files {
                let text = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
                texts.push((f.display().to_string(), text));
            }
            let mut problems = Vec::new();
            for (name, bytes) in &texts {
                match SchemeDefinition::from_bytes(name, bytes) {
                    Ok(s) => {
                        let n = rule_count(&s);
                        println!(
                            "{name}: {} 版{} — 規則 {n} 件 / {n} rules, valid",
                            s.id, s.version
                        )
                    }
                    Err(errors) => problems.extend(errors.into_inner()),
                }
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(bad(problems
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")))
            }
        }
    }
}

/// A cross-table's rows as text: the label, the counts and the row's total.
fn rows_with_totals(t: &ob::CrossTable) -> impl Iterator<Item = Vec<String>> + '_ {
    t.rows.iter().enumerate().map(|(r, label)| {
        let mut row = vec![label.clone()];
        row.extend(t.cells[r].iter().map(u32::to_string));
        row.push(t.row_total(r).to_string());
        row
    })
}

fn rule_count(s: &SchemeDefinition) -> usize {
    let r = &s.rules;
    [
        r.obligation.is_some(),
        r.service.is_some(),
        r.designated.is_some(),
        r.deadline.is_some(),
        r.outside_prefecture.is_some(),
        r.tenure.is_some(),
        r.specialist.is_some(),
        r.rotation.is_some(),
        r.initial_residency.is_some(),
        r.repayment.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count()
        + r.suspensions.len()
        + r.limits.len()
}

fn text(c: &Cell) -> String {
    chiiki_report::tables::cell_text(c)
}

fn doctors_csv(list: &[DoctorObligation]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(ob::DOCTOR_COLUMNS.iter().map(|(key, _)| *key))?;
    for d in list {
        w.write_record(ob::doctor_row(d, Lang::Ja).iter().map(text))?;
    }
    Ok(w.into_inner().map_err(|e| e.into_error())?)
}

fn doctors_table(list: &[DoctorObligation]) -> String {
    let shown = [0usize, 1, 3, 6, 7, 10, 12];
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    t.set_header(shown.iter().map(|&k| ob::DOCTOR_COLUMNS[k].1));
    for d in list {
        let row = ob::doctor_row(d, Lang::Ja);
        t.add_row(shown.iter().map(|&k| text(&row[k])));
    }
    format!("{t}\n{} 人 / doctors\n", list.len())
}

/// One evaluation in words, for the terminal.
fn explain(e: &chiiki_obligations::evaluate::Evaluation) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{} （{} 版{}）{} 時点: {} / {}\n",
        e.doctor,
        e.scheme,
        e.version,
        e.as_of,
        e.status.label(Lang::Ja),
        e.status.label(Lang::En)
    ));
    s.push_str(&format!(
        "  履行 / served: {:.2} 年{}  残り / remaining: {:.2} 年\n",
        e.counted.service_years,
        e.required_years
            .map(|r| format!(" / {r} 年"))
            .unwrap_or_default(),
        e.remaining.service_years
    ));
    if let Some(d) = &e.deadline {
        s.push_str(&format!(
            "  期限 / deadline: {}（卒後年限 {} + 延長 {} 日）\n",
            d.deadline, d.base, d.extension_days
        ));
    }
    for v in &e.violations {
        s.push_str(&format!(
            "  違反 / violation [{}]: {}\n    {}\n",
            v.rule, v.explanation_ja, v.explanation_en
        ));
    }
    for r in &e.risks {
        s.push_str(&format!(
            "  リスク / risk [{}]: {}\n    {}\n",
            r.rule, r.explanation_ja, r.explanation_en
        ));
    }
    if e.violations.is_empty() {
        s.push_str("  違反なし / compliant\n");
    }
    s
}
