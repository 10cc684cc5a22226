//! The three operations the trials kill, their setup in the template, and the victim.

use std::path::Path;

use anyhow::{Context, anyhow, bail};
use chiiki_app::access::Principal;
use chiiki_app::register::{self, Source};
use chiiki_domain::{Entity, Name, PrefCode, Rationale, Record, RoundId};
use chiiki_store::Store;
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Op {
    /// A large import of doctors (one `register::import`).
    Import,
    /// The committee's decision of the demo's placement round (`placement::decide`).
    Decide,
    /// The adoption of the demo's rotation plan version (`rotation::adopt`).
    Publish,
}

impl Op {
    pub fn code(self) -> &'static str {
        match self {
            Op::Import => "import",
            Op::Decide => "decide",
            Op::Publish => "publish",
        }
    }
}

/// The principal of the command line (`chiiki import`, `chiiki rotate adopt`): a local
/// administrator.
pub fn principal() -> Principal {
    Principal::system("cli")
}

pub fn iwate() -> PrefCode {
    chiiki_app::demo::iwate()
}

/// Fills an empty store as the template of every trial: the demo (`chiiki demo`), a run of
/// the demo's placement round (so that the victim only decides) and the demo's rotation plan
/// version (so that the victim only adopts).
pub async fn prepare_template(store: &dyn Store) -> anyhow::Result<()> {
    chiiki_app::load_demo(store)
        .await
        .context("loading the demo")?;
    let who = principal();
    let round = demo_round(store).await?;
    let label = Name::parse("クラッシュ試験 / crash trials").map_err(|e| anyhow!("{e}"))?;
    let run = match chiiki_app::placement::run(
        store,
        &who,
        round,
        chiiki_placement::Algorithm::Floors,
        label.clone(),
    )
    .await
    {
        Ok(run) => run,
        Err(_) => {
            chiiki_app::placement::run(store, &who, round, chiiki_placement::Algorithm::Da, label)
                .await
                .context("running the demo round")?
        }
    };
    if chiiki_app::placement::outcomes(&run)
        .iter()
        .all(|o| o.facility.is_none())
    {
        bail!("the demo round's run places nobody: nothing for a decision to write");
    }
    chiiki_app::rotation::demo_plan(store, chiiki_app::rotation::Effort::quick())
        .await
        .context("planning the demo's rotation")?
        .ok_or_else(|| anyhow!("the demo already had a rotation plan"))?;
    Ok(())
}

/// The demo's placement round (the only round of Iwate).
pub async fn demo_round(store: &dyn Store) -> anyhow::Result<RoundId> {
    let rounds = store.list_rounds(Some(iwate())).await?;
    match rounds.as_slice() {
        [r] => Ok(r.id),
        _ => bail!(
            "expected the demo's one placement round of Iwate, found {}",
            rounds.len()
        ),
    }
}

/// The round and the run the victim decides: the demo round's latest run.
pub async fn decide_target(store: &dyn Store) -> anyhow::Result<(RoundId, u32)> {
    let round = demo_round(store).await?;
    let seq = store
        .list_runs(round)
        .await?
        .iter()
        .map(|r| r.seq)
        .max()
        .ok_or_else(|| anyhow!("the demo round has no run: the template was not prepared"))?;
    Ok((round, seq))
}

/// The rotation plan version the victim adopts: Iwate's latest.
pub async fn publish_target(store: &dyn Store) -> anyhow::Result<u32> {
    store
        .list_plan_versions(iwate())
        .await?
        .iter()
        .map(|v| v.seq)
        .max()
        .ok_or_else(|| anyhow!("Iwate has no rotation plan version: the template was not prepared"))
}

/// Writes the file of `n` synthetic doctors that the import trials read (the generator of
/// `chiiki bench generate-doctors`).
pub fn write_doctors(path: &Path, n: usize) -> anyhow::Result<()> {
    let format = chiiki_tabular::Format::from_path(path).ok_or_else(|| {
        anyhow!(
            "{}: the file name must end in .csv or .xlsx",
            path.display()
        )
    })?;
    let records: Vec<Record> = chiiki_app::demo::synthetic_doctors(n, 1)
        .into_iter()
        .map(Record::from)
        .collect();
    register::write_records(path, Entity::Doctors, &records, format)?;
    Ok(())
}

/// Performs one operation, through the app layer as `chiiki` does.
pub async fn victim(db: &str, op: Op, file: Option<&Path>) -> anyhow::Result<()> {
    let store = chiiki_store::open(db)
        .await
        .with_context(|| format!("opening the database {db}"))?;
    let store = store.as_ref();
    // The trials tell a kill during start-up from one during the operation by this line.
    println!("opened");
    let who = principal();
    let rationale = |text: &str| Rationale::parse(text).map_err(|e| anyhow!("{e}"));
    match op {
        Op::Import => {
            let file =
                file.ok_or_else(|| anyhow!("--op import needs --file: the CSV of doctors"))?;
            let report = register::import(
                store,
                &who,
                Entity::Doctors,
                Source::Path(file),
                false,
                &mut |_, _| {},
            )
            .await?;
            if !report.issues.is_empty() || !report.committed {
                bail!(
                    "the import of {} was refused: {} problems, first: {:?}",
                    file.display(),
                    report.issues.len(),
                    report.issues.first()
                );
            }
        }
        Op::Decide => {
            let (round, seq) = decide_target(store).await?;
            chiiki_app::placement::decide(
                store,
                &who,
                round,
                seq,
                rationale("クラッシュ試験の決定 / crash trial decision")?,
            )
            .await?;
        }
        Op::Publish => {
            let seq = publish_target(store).await?;
            chiiki_app::rotation::adopt(
                store,
                &who,
                iwate(),
                seq,
                rationale("クラッシュ試験の採用 / crash trial adoption")?,
            )
            .await?;
        }
    }
    Ok(())
}
