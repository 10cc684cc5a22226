//! `chiiki place`: solve a placement instance in the exchange format with a chosen
//! mechanism, verify the promised guarantees with the independent checker, explain the
//! result, and write it as JSON.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chiiki_domain::Msg;
use chiiki_placement::exchange;
use chiiki_placement::explain::{Explanations, explain};
use chiiki_placement::promise::Instability;
use chiiki_placement::{Algorithm, Checked, PromiseCheck, Sentences, solve_checked};
use serde::Serialize;

use crate::bad;

/// Reads a named choice (`--algorithm`, `--sentences`): one of `all` by its code.
fn one_of<T: Copy>(
    s: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    what: &str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|x| code(*x) == s.trim())
        .ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|x| code(*x)).collect();
            format!("'{s}' is not {what}; use one of {}", known.join(", "))
        })
}

/// Reads `--algorithm`.
pub(crate) fn algorithm(s: &str) -> Result<Algorithm, String> {
    one_of(s, &Algorithm::ALL, Algorithm::code, "a mechanism")
}

/// Reads `--sentences`.
pub(crate) fn sentences(s: &str) -> Result<Sentences, String> {
    one_of(s, &Sentences::ALL, Sentences::code, "a choice of sentences")
}

/// The result file: the exchange output, what the mechanism promised, and whether the
/// checker verified each promise on this output.
#[derive(Serialize)]
struct Run<'a> {
    #[serde(flatten)]
    output: exchange::Output<'a>,
    promised: Vec<PromiseCheck>,
    instabilities: Vec<Instability>,
    notes: Vec<Msg>,
}

fn refused(errors: Vec<chiiki_placement::InstanceError>) -> anyhow::Error {
    bad(errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n"))
}

pub(crate) fn run(
    input: &Path,
    output: Option<&Path>,
    algorithm: Algorithm,
    sentences: Sentences,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(input).map_err(|e| {
        bad(format!(
            "{}: 読めません / cannot read it: {e}",
            input.display()
        ))
    })?;
    let (instance, _ids) = exchange::read(&bytes).map_err(refused)?;
    let checked = solve_checked(&instance, algorithm).map_err(refused)?;
    for note in &checked.placement.notes {
        eprintln!("注意: {} / note: {}", note.ja, note.en);
    }
    let broken: Vec<String> = checked.broken().iter().map(|p| format!("{p:?}")).collect();
    let Checked {
        placement,
        report,
        promised,
    } = checked;
    let matching = placement.matching;
    let explanations = Explanations {
        sentences,
        ..explain(&instance, &matching, &algorithm.context(&instance, &[]))
    };
    let run = Run {
        output: exchange::write(
            &instance,
            &matching,
            algorithm.code(),
            &report,
            &explanations,
        ),
        promised,
        instabilities: placement.instabilities,
        notes: placement.notes,
    };
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("writing {}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(64 * 1024, file);
            serde_json::to_writer(&mut w, &run)?;
            w.flush()?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &run)?;
            let _ = writeln!(out);
        }
    }
    let stats = &run.output.stats;
    eprintln!(
        "{}: {}/{} 人を配置 / doctors placed; 阻止ペア / blocking pairs: {}",
        algorithm.code(),
        stats.placed,
        stats.doctors,
        report.blocking_pairs.len()
    );
    if !broken.is_empty() {
        anyhow::bail!(
            "検証できなかった保証 / promised but not verified on the output: {}",
            broken.join(", ")
        );
    }
    Ok(())
}
