//! Running a mechanism by name: the one dispatch shared by `chiiki place` and the placement
//! rounds of the application. A run solves the instance, has the independent checker verify
//! every promise the mechanism made on this output, and says which were verified.

use chiiki_domain::{Lang, Msg};
use serde::{Deserialize, Serialize};

use crate::caps::{FlexibleConfig, flexible_da};
use crate::check::{Guarantee, Report, check};
use crate::couples::place_couples;
use crate::da::deferred_acceptance;
use crate::explain::Context;
use crate::floors::place_with_floors;
use crate::instance::{Instance, InstanceError};
use crate::optimise::maximise_shortage_coverage;
use crate::promise::{Placement, Promise};

/// A mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
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
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Da,
        Algorithm::RegionalCaps,
        Algorithm::Floors,
        Algorithm::Couples,
        Algorithm::Optimise,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Algorithm::Da => "da",
            Algorithm::RegionalCaps => "regional-caps",
            Algorithm::Floors => "floors",
            Algorithm::Couples => "couples",
            Algorithm::Optimise => "optimise",
        }
    }

    pub fn parse(s: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.code() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            Algorithm::Da => ("受入保留（DA）", "Deferred acceptance (DA)"),
            Algorithm::RegionalCaps => (
                "地域上限つき受入保留（鎌田・小島）",
                "Flexible DA with regional caps (Kamada–Kojima)",
            ),
            Algorithm::Floors => ("地域下限つき受入保留", "DA meeting regional floors"),
            Algorithm::Couples => ("同一地域の組（カップル）", "Couples in the same region"),
            Algorithm::Optimise => (
                "医師少数区域の充足を最大化（最小費用流）",
                "Maximise shortage coverage (min-cost flow)",
            ),
        };
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// What the explanations may cite as reasons under this mechanism.
    pub fn context<'a>(
        self,
        instance: &Instance,
        ineligible: &'a [(usize, usize, Msg)],
    ) -> Context<'a> {
        Context {
            caps: instance.regions.iter().any(|r| r.cap.is_some()) && self != Algorithm::Da,
            floors: matches!(self, Algorithm::Floors | Algorithm::Optimise),
            couples: self == Algorithm::Couples,
            ineligible,
        }
    }
}

/// Solves the instance with the mechanism. Deferred acceptance ignores caps, floors and
/// couples, and says so in a note when the instance has any.
pub fn solve(instance: &Instance, algorithm: Algorithm) -> Result<Placement, Vec<InstanceError>> {
    let config = FlexibleConfig::default();
    Ok(match algorithm {
        Algorithm::Da => {
            let mut p = Placement::new(
                deferred_acceptance(instance),
                vec![
                    Promise::Stable,
                    Promise::StrategyProofForDoctors,
                    Promise::IndividuallyRational,
                ],
            );
            if !instance.couples.is_empty()
                || instance
                    .regions
                    .iter()
                    .any(|r| r.cap.is_some() || r.floor > 0)
            {
                p.notes.push(Msg::new(
                    "受入保留（DA）は地域の上限・下限と組を考慮しません",
                    "deferred acceptance ignores regional caps, floors and couples",
                ));
            }
            p
        }
        Algorithm::RegionalCaps => flexible_da(instance, &config)?,
        Algorithm::Floors => place_with_floors(instance, &config)?.placement,
        Algorithm::Couples => place_couples(instance, &config)?,
        Algorithm::Optimise => {
            let shortage: Vec<bool> = instance.regions.iter().map(|r| r.floor > 0).collect();
            maximise_shortage_coverage(instance, &shortage)?
        }
    })
}

/// A promise and whether the checker verified it on the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseCheck {
    pub promise: Promise,
    /// `true`/`false` as checked on the output; `null` for a property of the mechanism that
    /// one output cannot show (strategy-proofness).
    pub verified: Option<bool>,
}

/// Whether the checker's report shows a promise on this output. Caps, floors and couples
/// hold trivially when the instance has none. With couples, stability means no blocking
/// couple and no blocking single doctor (a couple's member moving alone would part them),
/// which the checker's doctor-by-doctor stability does not decide: `None`.
pub fn verified(p: Promise, r: &Report) -> Option<bool> {
    let with_couples = r.couples_together.is_some();
    let g = match p {
        Promise::Stable | Promise::StableUpToCaps if with_couples => return None,
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

/// A solved instance: the placement, the checker's report and each promise verified.
#[derive(Debug, Clone)]
pub struct Checked {
    pub placement: Placement,
    pub report: Report,
    pub promised: Vec<PromiseCheck>,
}

impl Checked {
    /// The promises the checker found broken on the output (none, unless a mechanism is
    /// wrong).
    pub fn broken(&self) -> Vec<Promise> {
        self.promised
            .iter()
            .filter(|p| p.verified == Some(false))
            .map(|p| p.promise)
            .collect()
    }
}

/// Solves, then checks the output independently.
pub fn solve_checked(
    instance: &Instance,
    algorithm: Algorithm,
) -> Result<Checked, Vec<InstanceError>> {
    let placement = solve(instance, algorithm)?;
    let report = check(instance, &placement.matching);
    let promised = placement
        .promises
        .iter()
        .map(|&p| PromiseCheck {
            promise: p,
            verified: verified(p, &report),
        })
        .collect();
    Ok(Checked {
        placement,
        report,
        promised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;

    #[test]
    fn codes_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.code()), Some(a));
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::Value::String(a.code().into())
            );
        }
        assert_eq!(Algorithm::parse("gale-shapley"), None);
    }

    #[test]
    fn every_mechanism_keeps_its_promises_on_a_prefecture() {
        let instance = generate::prefecture(11);
        for a in Algorithm::ALL {
            let c = solve_checked(&instance, a).unwrap();
            assert!(c.broken().is_empty(), "{a:?}: {:?}", c.broken());
            assert!(!c.promised.is_empty());
            assert_eq!(
                c.placement.matching.assignment.len(),
                instance.doctors.len()
            );
        }
    }

    #[test]
    fn deferred_acceptance_says_what_it_ignores() {
        let instance = generate::prefecture(3);
        let c = solve_checked(&instance, Algorithm::Da).unwrap();
        assert!(instance.regions.iter().any(|r| r.cap.is_some()));
        assert_eq!(c.placement.notes.len(), 1);
    }
}
