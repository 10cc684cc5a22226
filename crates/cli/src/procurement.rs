//! `chiiki procurement`: an alliance's joint procurement from the command line — its tenders
//! with their state and totals, and a tender's aggregated sheet (入札集計), the members' lines
//! (参加法人別) and the savings (削減効果) as a table, CSV, JSON or the XLSX tender document.

use std::path::PathBuf;

use chiiki_app::AppError;
use chiiki_app::procurement as pc;
use chiiki_domain::AllianceId;
use clap::{Subcommand, ValueEnum};

use crate::{
    OutputFormat, bad, binary_destination, cli_principal, open, parse, rejected, roster, write_out,
};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// An alliance's tenders, latest first: state, contract period, deadline, demands,
    /// members, items, the current cost and the saving once awarded (yen).
    Tenders {
        /// The alliance's id (e.g. 12-TOKATSU-NANBU).
        #[arg(long)]
        alliance: String,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// A tender: the aggregated items, the members' lines and the savings per member, per
    /// item and overall. A table shows all three; CSV one (--part); XLSX is the tender
    /// document with the three sheets (the format follows an --output ending in .xlsx or
    /// .csv when --format is not given).
    Tender {
        /// The tender's number.
        #[arg(long)]
        tender: u64,
        /// The part written as CSV.
        #[arg(long, value_enum, default_value = "items")]
        part: Part,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// A part of a tender.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Part {
    /// 入札集計: per item.
    Items,
    /// 参加法人別: per member and item.
    Lines,
    /// 削減効果: per member, per item and overall.
    Savings,
}

fn missing(ja: &str, en: &str, e: AppError) -> anyhow::Error {
    match e {
        AppError::Store(chiiki_store::StoreError::Missing { .. }) => {
            bad(format!("{ja}は見つかりません / {en} was not found"))
        }
        e => rejected(e),
    }
}

/// The format asked for, else the one the output file's extension names, else a table.
fn format_of(asked: Option<OutputFormat>, output: Option<&PathBuf>) -> OutputFormat {
    if let Some(f) = asked {
        return f;
    }
    match output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => OutputFormat::Xlsx,
        Some("csv") => OutputFormat::Csv,
        Some("json") => OutputFormat::Json,
        _ => OutputFormat::Table,
    }
}

pub(crate) async fn run(
    db: &str,
    format: Option<OutputFormat>,
    what: Command,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let store = store.as_ref();
    let who = cli_principal();
    match what {
        Command::Tenders { alliance, output } => {
            let id = parse(AllianceId::parse(&alliance))?;
            let rows = pc::tenders(store, &who, &id).await.map_err(|e| {
                missing(
                    &format!("連携推進法人「{id}」"),
                    &format!("the alliance '{id}'"),
                    e,
                )
            })?;
            let sheet = pc::tenders_sheet(&rows);
            let bytes = match format_of(format, output.as_ref()) {
                OutputFormat::Json => roster::json_bytes(&rows)?,
                OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheet)?,
                OutputFormat::Xlsx => {
                    binary_destination(output.as_deref())?;
                    chiiki_tabular::sheets_to_xlsx(&format!("{id} 入札一覧"), &[sheet])?
                }
                OutputFormat::Table => format!("{}\n", roster::sheet_table(&sheet)).into_bytes(),
            };
            write_out(&bytes, output.as_deref())
        }
        Command::Tender {
            tender,
            part,
            output,
        } => {
            let v = pc::tender_by_id(store, &who, tender).await.map_err(|e| {
                missing(
                    &format!("入札 {tender} "),
                    &format!("the tender {tender}"),
                    e,
                )
            })?;
            let sheets = pc::tender_sheets(&v);
            let bytes = match format_of(format, output.as_ref()) {
                OutputFormat::Json => roster::json_bytes(&v)?,
                OutputFormat::Csv => {
                    let i = match part {
                        Part::Items => 0,
                        Part::Lines => 1,
                        Part::Savings => 2,
                    };
                    chiiki_tabular::sheet_to_csv(&sheets[i])?
                }
                OutputFormat::Xlsx => {
                    binary_destination(output.as_deref())?;
                    chiiki_tabular::sheets_to_xlsx(&v.tender.title, &sheets)?
                }
                OutputFormat::Table => {
                    let mut out = format!(
                        "{}（{}、{} – {}）\n",
                        v.tender.title,
                        v.tender.state.label(chiiki_domain::Lang::Ja),
                        v.tender.from,
                        v.tender.to
                    );
                    for s in &sheets {
                        out.push_str(&format!("\n{}\n{}\n", s.name, roster::sheet_table(s)));
                    }
                    out.into_bytes()
                }
            };
            write_out(&bytes, output.as_deref())
        }
    }
}
