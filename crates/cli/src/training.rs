//! `chiiki training`: joint training and seminars from the command line — a scope's sessions
//! with their seats, a session's roster, and the yearly attendance per organisation and topic
//! against the requirements (table, csv, json or xlsx).

use std::path::PathBuf;

use chiiki_app::AppError;
use chiiki_app::training as tr;
use chiiki_domain::{DocScope, FiscalYear};
use clap::Subcommand;

use crate::{
    OutputFormat, bad, binary_destination, cli_principal, open, parse, rejected, roster, write_out,
};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// A scope's sessions, by start: course, topic, times, place, seats, confirmed, free,
    /// waiting and attended.
    Sessions {
        /// An alliance's id (e.g. 12-TOKATSU-NANBU) or a prefecture's code (e.g. 03).
        #[arg(long)]
        scope: String,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Each organisation's attendance per topic over a fiscal year against its requirements.
    Attendance {
        /// An alliance's id (e.g. 12-TOKATSU-NANBU) or a prefecture's code (e.g. 03).
        #[arg(long)]
        scope: String,
        /// The fiscal year (April to March), e.g. 2025; the current one when absent.
        #[arg(long)]
        fy: Option<String>,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// A session's registrations: registered, waiting, cancelled, attended, absent.
    Roster {
        /// The session's number.
        #[arg(long)]
        session: u64,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// A scope or session that is not there, said as such (bad input).
fn missing(ja: &str, en: &str, e: AppError) -> anyhow::Error {
    match e {
        AppError::Store(chiiki_store::StoreError::Missing { .. }) => {
            bad(format!("{ja}は見つかりません / {en} was not found"))
        }
        e => rejected(e),
    }
}

fn scope(raw: &str) -> anyhow::Result<DocScope> {
    tr::parse_scope(raw).map_err(|_| {
        bad(format!(
            "範囲「{raw}」が読めません。連携推進法人のID（12-TOKATSU-NANBU）か都道府県コード（03）を指定してください / cannot read the scope '{raw}': give an alliance id (12-TOKATSU-NANBU) or a prefecture code (03)"
        ))
    })
}

pub(crate) async fn run(
    db: &str,
    format: Option<OutputFormat>,
    what: Command,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let store = store.as_ref();
    let who = cli_principal();
    let now = chrono::Local::now().naive_local();
    let format = format.unwrap_or(OutputFormat::Table);
    let (sheet, json, output, title) = match what {
        Command::Sessions { scope: raw, output } => {
            let s = scope(&raw)?;
            let rows = tr::sessions(store, &who, &s, now).await.map_err(|e| {
                missing(
                    &format!("「{raw}」の研修"),
                    &format!("the training of '{raw}'"),
                    e,
                )
            })?;
            (
                tr::sessions_sheet(&rows),
                roster::json_bytes(&rows)?,
                output,
                format!("{raw} 開催回"),
            )
        }
        Command::Attendance {
            scope: raw,
            fy,
            output,
        } => {
            let s = scope(&raw)?;
            let fy = match fy {
                Some(text) => parse(FiscalYear::parse(&text))?,
                None => FiscalYear::of(now.date()),
            };
            let lines = tr::attendance(store, &who, &s, fy).await.map_err(|e| {
                missing(
                    &format!("「{raw}」の研修"),
                    &format!("the training of '{raw}'"),
                    e,
                )
            })?;
            (
                tr::attendance_sheet(fy, &lines),
                roster::json_bytes(&lines)?,
                output,
                format!("{raw} {}年度 受講状況", fy.year()),
            )
        }
        Command::Roster { session, output } => {
            let (ja, en) = (format!("開催回 {session} "), format!("session {session}"));
            let s = tr::scope_of_session(store, session)
                .await
                .map_err(|e| missing(&ja, &en, e))?;
            let view = tr::session(store, &who, &s, session, now)
                .await
                .map_err(|e| missing(&ja, &en, e))?;
            (
                tr::roster_sheet(&view.registrations),
                roster::json_bytes(&view.registrations)?,
                output,
                format!("開催回 {session} 申込者"),
            )
        }
    };
    let bytes = match format {
        OutputFormat::Json => json,
        OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheet)?,
        OutputFormat::Xlsx => {
            binary_destination(output.as_deref())?;
            chiiki_tabular::sheets_to_xlsx(&title, &[sheet])?
        }
        OutputFormat::Table => format!("{}\n", roster::sheet_table(&sheet)).into_bytes(),
    };
    write_out(&bytes, output.as_deref())
}
