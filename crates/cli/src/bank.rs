//! `chiiki bank`: the prefecture's doctor bank (ドクターバンク) from the command line — the
//! posts, the year's figures as the prefecture publishes them, and the posts ranked for a
//! profile with every reason (table, csv, json, xlsx).

use std::path::PathBuf;

use chiiki_app::doctor_bank as bank;
use chiiki_domain::doctor_bank::PostQuery;
use chiiki_domain::{FiscalYear, Lang, PrefCode};
use chiiki_tabular::Sheet;
use clap::Subcommand;

use crate::{OutputFormat, bad, binary_destination, cli_principal, open, rejected, write_out};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// The posts (求人) of a prefecture: id, facility, title, employment, specialty, what
    /// they offer, state.
    Posts {
        /// The prefecture's code (e.g. 03); by default the only one with posts.
        #[arg(long)]
        pref: Option<String>,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The fiscal year's figures (年度実績): posts, applications, introductions, placements
    /// by employment, returning doctors placed, spot days covered, by specialty (xlsx: both
    /// sheets; table/csv: the totals, json: everything).
    Figures {
        /// The fiscal year (April to March), e.g. 2026.
        #[arg(long)]
        fy: String,
        #[arg(long)]
        pref: Option<String>,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The posts ranked for a profile, best first, with every reason (✓ met, ✗ missed).
    Match {
        /// The profile's number.
        #[arg(long)]
        profile: u64,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

async fn pref_of(store: &dyn chiiki_store::Store, raw: Option<&str>) -> anyhow::Result<PrefCode> {
    match raw {
        Some(t) => t
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(|n| PrefCode::new(n).ok())
            .ok_or_else(|| {
                bad(format!(
                    "--pref {t}: 都道府県コード（01〜47）を指定してください / give a prefecture code (01 to 47)"
                ))
            }),
        None => bank::only_pref(store).await.map_err(rejected)?.ok_or_else(|| {
            bad("--pref を指定してください（例: --pref 03） / give --pref (e.g. --pref 03)")
        }),
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
    let (sheets, json, output, title): (Vec<Sheet>, Vec<u8>, Option<PathBuf>, String) = match what {
        Command::Posts { pref, output } => {
            let pref = pref_of(store, pref.as_deref()).await?;
            let posts = bank::posts(store, &who, pref).await.map_err(rejected)?;
            (
                vec![bank::posts_sheet(&posts)],
                crate::roster::json_bytes(&posts)?,
                output,
                format!("求人-{pref}"),
            )
        }
        Command::Figures { fy, pref, output } => {
            let fy = FiscalYear::parse(&fy).map_err(|e| bad(format!("--fy {fy}: {e}")))?;
            let pref = pref_of(store, pref.as_deref()).await?;
            let f = bank::figures(store, &who, pref, fy)
                .await
                .map_err(rejected)?;
            (
                bank::figures_sheets(&f),
                crate::roster::json_bytes(&f)?,
                output,
                format!("ドクターバンク年度実績-{pref}-{}", fy.year()),
            )
        }
        Command::Match { profile, output } => {
            let ranked = bank::ranked_posts(store, &who, profile, &PostQuery::default())
                .await
                .map_err(|e| match e {
                    chiiki_app::AppError::Store(chiiki_store::StoreError::Missing { .. }) => bad(
                        format!("登録 {profile} は見つかりません / no profile {profile}"),
                    ),
                    e => rejected(e),
                })?;
            let json: Vec<serde_json::Value> = ranked
                .iter()
                .enumerate()
                .map(|(i, (p, f))| {
                    serde_json::json!({
                        "rank": i + 1,
                        "post": p.id,
                        "title": p.title,
                        "facility": p.facility.to_string(),
                        "fits": f.fits(),
                        "score": f.score,
                        "failures": f.failures,
                        "reasons": f.reasons,
                        "summary_en": bank::reasons_text(f, Lang::En),
                    })
                })
                .collect();
            (
                vec![bank::matches_sheet(&ranked)],
                crate::roster::json_bytes(&json)?,
                output,
                format!("マッチング-{profile}"),
            )
        }
    };
    let bytes = match format {
        OutputFormat::Json => json,
        OutputFormat::Csv => chiiki_tabular::sheet_to_csv(&sheets[0])?,
        OutputFormat::Xlsx => {
            binary_destination(output.as_deref())?;
            chiiki_tabular::sheets_to_xlsx(&title, &sheets)?
        }
        OutputFormat::Table => sheets
            .iter()
            .map(|s| format!("{}\n{}\n", s.name, crate::roster::sheet_table(s)))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
    };
    write_out(&bytes, output.as_deref())?;
    Ok(())
}
