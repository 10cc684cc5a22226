//! `chiiki place`: solve a placement instance in the exchange format with a chosen
//! mechanism, verify the promised guarantees with the independent checker, explain the
//! result, and write it as JSON.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chiiki_domain::Msg;
use chiiki_placement::caps::{FlexibleConfig, flexible_da};
use chiiki_placement::couples::place_couples;
use chiiki_placement::exchange;
use chiiki_placement::explain::{Context as Why, explain};
use chiiki_placement::floors::place_with_floors;
use chiiki_placement::optimise::maximise_shortage_coverage;
use chiiki_placement::promise::{Instability, Promise};
use chiiki_placement::{Guarantee, Instance, Matching, Report, check, deferred_acceptance};
use clap::ValueEnum;
use serde::Serialize;

use crate::bad;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Algorithm {
    /// Doctor-proposing deferred acceptance: the doctor-optimal stable matching.
    Da,
    /// Flexible deferred acceptance with regional caps (Kamada–Kojima).
    RegionalCaps,
    /// Deferred acceptance that meets the regions' floors where they can be met.
    Floors,
    /// Couples placed in the same region (Roth–Peranson style; instabilities reported).
    Couples,
    /// Maximise doctors in shortage regions (regions with a floor) subject to caps and
    /// individual rationality; every blocking pair it creates is reported.
    Optimise,
}

impl Algorithm {
    fn code(self) -> &'static str {
        match self {
            Algorithm::Da => "da",
            Algorithm::RegionalCaps => "regional-caps",
            Algorithm::Floors => "floors",
            Algorithm::Couples => "couples",
            Algorithm::Optimise => "optimise",
        }
    }
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

#[derive(Serialize)]
struct PromiseCheck {
    promise: Promise,
    /// `true`/`false` as checked on the output; `null` for a property of the mechanism that
    /// one output cannot show (strategy-proofness).
    verified: Option<bool>,
}

/// Whether the checker's report shows a promise on this output. Caps, floors and couples
/// hold trivially when the instance has none.
fn verified(p: Promise, r: &Report) -> Option<bool> {
    let g = match p {
        Promise::Stable => Guarantee::Stable,
        Promise::StableUpToCaps => Guarantee::StableUpToCaps,
        Promise::CapsRespected => return Some(r.caps_respected != Some(false)),
        Promise::FloorsMet => return Some(r.floors_met != Some(false)),
        Promise::CouplesTogether => return Some(r.couples_together != Some(false)),
        Promise::IndividuallyRational => Guarantee::IndividuallyRational,
        _ => return None,
    };
    Some(r.holds(g))
}

fn refused(errors: Vec<chiiki_placement::InstanceError>) -> anyhow::Error {
    bad(errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n"))
}

pub(crate) fn run(input: &Path, output: Option<&Path>, algorithm: Algorithm) -> anyhow::Result<()> {
    let bytes = std::fs::read(input).map_err(|e| {
        bad(format!(
            "{}: 読めません / cannot read it: {e}",
            input.display()
        ))
    })?;
    let (instance, _ids) = exchange::read(&bytes).map_err(refused)?;
    let (matching, promises, instabilities, notes) = solve(&instance, algorithm)?;
    let report = check(&instance, &matching);
    let why = Why {
        caps: instance.regions.iter().any(|r| r.cap.is_some()) && algorithm != Algorithm::Da,
        floors: matches!(algorithm, Algorithm::Floors | Algorithm::Optimise),
        couples: matches!(algorithm, Algorithm::Couples),
        ineligible: &[],
    };
    let explanations = explain(&instance, &matching, &why);
    let promised: Vec<PromiseCheck> = promises
        .iter()
        .map(|&p| PromiseCheck {
            promise: p,
            verified: verified(p, &report),
        })
        .collect();
    let broken: Vec<String> = promised
        .iter()
        .filter(|p| p.verified == Some(false))
        .map(|p| format!("{:?}", p.promise))
        .collect();
    let run = Run {
        output: exchange::write(
            &instance,
            &matching,
            algorithm.code(),
            &report,
            &explanations,
        ),
        promised,
        instabilities,
        notes,
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
    let placed = matching.assignment.iter().filter(|a| a.is_some()).count();
    eprintln!(
        "{}: {placed}/{} 人を配置 / doctors placed; 阻止ペア / blocking pairs: {}",
        algorithm.code(),
        matching.assignment.len(),
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

type Solved = (Matching, Vec<Promise>, Vec<Instability>, Vec<Msg>);

fn solve(instance: &Instance, algorithm: Algorithm) -> anyhow::Result<Solved> {
    let config = FlexibleConfig::default();
    let from = |p: chiiki_placement::promise::Placement| {
        (p.matching, p.promises, p.instabilities, p.notes)
    };
    Ok(match algorithm {
        Algorithm::Da => {
            if !instance.couples.is_empty()
                || instance
                    .regions
                    .iter()
                    .any(|r| r.cap.is_some() || r.floor > 0)
            {
                eprintln!(
                    "注意: da は地域の上限・下限と組を無視します / note: da ignores regional caps, floors and couples"
                );
            }
            (
                deferred_acceptance(instance),
                vec![
                    Promise::Stable,
                    Promise::StrategyProofForDoctors,
                    Promise::IndividuallyRational,
                ],
                Vec::new(),
                Vec::new(),
            )
        }
        Algorithm::RegionalCaps => from(flexible_da(instance, &config).map_err(refused)?),
        Algorithm::Floors => from(
            place_with_floors(instance, &config)
                .map_err(refused)?
                .placement,
        ),
        Algorithm::Couples => from(place_couples(instance, &config).map_err(refused)?),
        Algorithm::Optimise => {
            let shortage: Vec<bool> = instance.regions.iter().map(|r| r.floor > 0).collect();
            from(maximise_shortage_coverage(instance, &shortage).map_err(refused)?)
        }
    })
}
