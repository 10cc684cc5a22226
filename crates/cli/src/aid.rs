//! `chiiki aid`: an alliance's emergency mutual support from the command line — the call
//! trees (one row per contact, with its level and who calls them), each facility's latest
//! capabilities, and an event's log in time order (table, csv, json or xlsx).

use std::path::PathBuf;

use chiiki_app::AppError;
use chiiki_app::mutual_aid as aid;
use chiiki_domain::AllianceId;
use clap::Subcommand;

use crate::{
    OutputFormat, alliance_missing, bad, binary_destination, cli_principal, open, parse, rejected,
    roster, write_out,
};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// The call trees of an alliance's facilities: one row per contact in calling order,
    /// with its level and who calls them.
    Contacts {
        /// The alliance's id (e.g. 12-TOKATSU-NANBU).
        #[arg(long)]
        alliance: String,
        /// Write to this file instead of standard output (required for xlsx).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Each facility's latest capabilities (beds, generators, fuel, water, staff to send…).
    Capabilities {
        #[arg(long)]
        alliance: String,
        /// Every record, not only each facility's latest.
        #[arg(long)]
        all: bool,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// An event's log in time order: its start, requests, offers (accepted or not) and end.
    Log {
        #[arg(long)]
        alliance: String,
        /// The event's number.
        #[arg(long)]
        event: u64,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// An event that is not there, said as such (bad input).
fn event_missing(id: &AllianceId, event: u64, e: AppError) -> anyhow::Error {
    match e {
        AppError::Store(chiiki_store::StoreError::Missing { what }) if what.contains("event") => {
            bad(format!(
                "連携推進法人「{id}」に事象 {event} は見つかりません / no event {event} in the alliance '{id}'"
            ))
        }
        AppError::Store(chiiki_store::StoreError::Missing { .. }) => alliance_missing(id, e),
        e => rejected(e),
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
    let format = format.unwrap_or(OutputFormat::Table);
    let id = |text: &str| parse(AllianceId::parse(text));
    let (sheet, json, output, title) = match what {
        Command::Contacts { alliance, output } => {
            let a = id(&alliance)?;
            let trees = aid::trees(store, &who, &a)
                .await
                .map_err(|e| alliance_missing(&a, e))?;
            (
                aid::trees_sheet(&trees),
                roster::json_bytes(&trees)?,
                output,
                format!("{a} 連絡網"),
            )
        }
        Command::Capabilities {
            alliance,
            all,
            output,
        } => {
            let a = id(&alliance)?;
            let mut list = aid::all_capabilities(store, &who, &a)
                .await
                .map_err(|e| alliance_missing(&a, e))?;
            if !all {
                list = aid::latest(&list);
            }
            (
                aid::capabilities_sheet(&list),
                roster::json_bytes(&list)?,
                output,
                format!("{a} 受入・派遣可能資源"),
            )
        }
        Command::Log {
            alliance,
            event,
            output,
        } => {
            let a = id(&alliance)?;
            let report = aid::event_log(store, &who, &a, event)
                .await
                .map_err(|e| event_missing(&a, event, e))?;
            (
                aid::log_sheet(&report.log),
                roster::json_bytes(&report)?,
                output,
                format!("{a} 事象 {event} 活動記録"),
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
