//! Necessary beds by function (必要病床数) as the regional medical care vision (地域医療構想)
//! estimates them, projected to other years, and compared with the beds hospitals report
//! (病床機能報告).
//!
//! Source: 厚生労働省「地域医療構想策定ガイドライン」 and 医療法施行規則 (the bed occupancy
//! rates). For each function,
//!
//! ```text
//! daily demand (patients per day) = Σ_{sex, age} admission rate by function (per 100,000)
//!                                   × future population ÷ 100,000
//! necessary beds = daily demand ÷ bed occupancy rate
//! ```
//!
//! with occupancy 0.75 high-acute (高度急性期), 0.78 acute (急性期), 0.90 recovery (回復期),
//! 0.92 chronic (慢性期) — [`BedFunction::occupancy`].
//!
//! # Limitations
//!
//! - The admission rates by function come from NDB and DPC data by 構想区域 and are not public.
//!   [`project_necessary`] therefore scales the *published* necessary beds of the base year
//!   (2025) by the ratio of age-weighted demand, future ÷ base: every function follows the same
//!   age weights (for example the national inpatient rate by age), which ignores that
//!   high-acute care grows less with age than chronic care.
//! - The chronic estimate of the vision also moves part of the patients to home care (医療区分1
//!   and the regional target of 療養病床 use); the projection keeps the base year's result of
//!   that and does not redo it.
//! - Published necessary beds are by 構想区域, which differ from the secondary medical areas in
//!   Akita and Mie.
//! - [`compare`] flags a reported count outside 80%–120% of the necessary count
//!   ([`SHORTFALL_BELOW`], [`EXCESS_ABOVE`]). The thresholds are chiiki's, not the ministry's:
//!   reported beds are chosen by hospitals under the report's own definitions and are not meant
//!   to equal the estimate; a flag is a prompt to look, not a finding.

use serde::Serialize;

use chiiki_domain::Lang;

use crate::Gap;
use crate::formula::{UtilisationRates, check_population, finite};
use crate::population::Population;

/// A bed function of the regional medical care vision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BedFunction {
    HighAcute,
    Acute,
    Recovery,
    Chronic,
}

impl BedFunction {
    /// In the order of the report and of every `[_; 4]` in this module.
    pub const ALL: [BedFunction; 4] = [
        BedFunction::HighAcute,
        BedFunction::Acute,
        BedFunction::Recovery,
        BedFunction::Chronic,
    ];

    /// The bed occupancy rate the vision assumes (病床稼働率).
    pub fn occupancy(self) -> f64 {
        match self {
            BedFunction::HighAcute => 0.75,
            BedFunction::Acute => 0.78,
            BedFunction::Recovery => 0.90,
            BedFunction::Chronic => 0.92,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            BedFunction::HighAcute => "high_acute",
            BedFunction::Acute => "acute",
            BedFunction::Recovery => "recovery",
            BedFunction::Chronic => "chronic",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (BedFunction::HighAcute, Lang::Ja) => "高度急性期",
            (BedFunction::Acute, Lang::Ja) => "急性期",
            (BedFunction::Recovery, Lang::Ja) => "回復期",
            (BedFunction::Chronic, Lang::Ja) => "慢性期",
            (BedFunction::HighAcute, Lang::En) => "High-acute",
            (BedFunction::Acute, Lang::En) => "Acute",
            (BedFunction::Recovery, Lang::En) => "Recovery",
            (BedFunction::Chronic, Lang::En) => "Chronic",
        }
    }

    /// The position in [`Self::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Beds for a daily demand: patients per day ÷ occupancy. [`Gap::InvalidInput`] for a
/// negative or non-finite demand.
pub fn necessary_beds(daily_patients: f64, function: BedFunction) -> Result<f64, Gap> {
    if !daily_patients.is_finite() || daily_patients < 0.0 {
        return Err(Gap::InvalidInput);
    }
    finite(daily_patients / function.occupancy())
}

/// Necessary beds of each function from daily admission rates per 100,000 by sex and age (one
/// table per function, in the order of [`BedFunction::ALL`]) and a (future) population. A
/// population of 0 needs 0 beds; [`Gap::InvalidInput`] for a negative or non-finite count.
pub fn necessary_beds_from_rates(
    rates_by_function: &[UtilisationRates; 4],
    population: &Population,
) -> Result<[f64; 4], Gap> {
    check_population(population)?;
    let mut out = [0.0; 4];
    for (o, (rates, f)) in out
        .iter_mut()
        .zip(rates_by_function.iter().zip(BedFunction::ALL))
    {
        *o = necessary_beds(rates.patients(population), f)?;
    }
    Ok(out)
}

/// The published necessary beds of the base year projected to a future population: each
/// function × (age-weighted demand of the future population ÷ that of the base population),
/// the demand being Σ `age_weights` × persons (for example the national inpatient rate by
/// age). The approximation documented above, for when admission rates by function are not
/// public. [`Gap::NoPopulation`] for a base population of 0; [`Gap::NoPatients`] when the
/// base has persons but no weighted demand; [`Gap::InvalidInput`] for a negative or
/// non-finite input.
pub fn project_necessary(
    published_base: [f64; 4],
    base_pop: &Population,
    future_pop: &Population,
    age_weights: &UtilisationRates,
) -> Result<[f64; 4], Gap> {
    check_population(base_pop)?;
    check_population(future_pop)?;
    if published_base.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Err(Gap::InvalidInput);
    }
    if base_pop.total() <= 0.0 {
        return Err(Gap::NoPopulation);
    }
    let base = age_weights.weighted_sum(base_pop);
    if base <= 0.0 {
        return Err(Gap::NoPatients);
    }
    let factor = finite(age_weights.weighted_sum(future_pop) / base)?;
    let mut out = [0.0; 4];
    for (o, b) in out.iter_mut().zip(published_base) {
        *o = finite(b * factor)?;
    }
    Ok(out)
}

/// Below this share of the necessary beds, reported beds are a [`BedFlag::Shortfall`].
pub const SHORTFALL_BELOW: f64 = 0.8;
/// Above this share of the necessary beds, reported beds are an [`BedFlag::Excess`].
pub const EXCESS_ABOVE: f64 = 1.2;

/// What a comparison of reported with necessary beds finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BedFlag {
    /// Within [`SHORTFALL_BELOW`]..=[`EXCESS_ABOVE`] of the necessary beds (or both 0).
    None,
    /// No beds reported while some are necessary (e.g. an area without recovery beds,
    /// 回復期病床がない).
    Missing,
    /// Reported < [`SHORTFALL_BELOW`] × necessary (and not 0).
    Shortfall,
    /// Reported > [`EXCESS_ABOVE`] × necessary (also any beds where none are necessary).
    Excess,
    /// An input is missing (or negative, or not a number).
    Unknown,
}

impl BedFlag {
    pub fn code(self) -> &'static str {
        match self {
            BedFlag::None => "none",
            BedFlag::Missing => "missing",
            BedFlag::Shortfall => "shortfall",
            BedFlag::Excess => "excess",
            BedFlag::Unknown => "unknown",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (BedFlag::None, Lang::Ja) => "おおむね必要数",
            (BedFlag::Missing, Lang::Ja) => "病床がない",
            (BedFlag::Shortfall, Lang::Ja) => "不足",
            (BedFlag::Excess, Lang::Ja) => "過剰",
            (BedFlag::Unknown, Lang::Ja) => "不明",
            (BedFlag::None, Lang::En) => "About as necessary",
            (BedFlag::Missing, Lang::En) => "No beds",
            (BedFlag::Shortfall, Lang::En) => "Shortfall",
            (BedFlag::Excess, Lang::En) => "Excess",
            (BedFlag::Unknown, Lang::En) => "Unknown",
        }
    }
}

/// Reported against necessary beds of one function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BedGap {
    pub function: BedFunction,
    pub reported: Option<f64>,
    pub necessary: Option<f64>,
    /// reported − necessary.
    pub difference: Option<f64>,
    /// reported ÷ necessary; `None` when necessary is 0.
    pub ratio: Option<f64>,
    pub flag: BedFlag,
}

/// Compares reported with necessary beds, function by function (in the order of
/// [`BedFunction::ALL`]). A negative or non-finite input counts as missing. The flag follows
/// the thresholds: [`BedFlag::Missing`] if reported is 0 and necessary above 0; else
/// [`BedFlag::Shortfall`] if ratio < [`SHORTFALL_BELOW`]; [`BedFlag::Excess`] if ratio >
/// [`EXCESS_ABOVE`] (or beds reported where none are necessary); else [`BedFlag::None`].
pub fn compare(reported: [Option<f64>; 4], necessary: [Option<f64>; 4]) -> [BedGap; 4] {
    let valid = |x: Option<f64>| x.filter(|v| v.is_finite() && *v >= 0.0);
    std::array::from_fn(|k| {
        let function = BedFunction::ALL[k];
        let (r, n) = (valid(reported[k]), valid(necessary[k]));
        let (difference, ratio, flag) = match (r, n) {
            (Some(r), Some(n)) => {
                let ratio = (n > 0.0).then(|| r / n).filter(|x| x.is_finite());
                let flag = if n > 0.0 && r == 0.0 {
                    BedFlag::Missing
                } else {
                    match ratio {
                        Some(x) if x < SHORTFALL_BELOW => BedFlag::Shortfall,
                        Some(x) if x > EXCESS_ABOVE => BedFlag::Excess,
                        Some(_) => BedFlag::None,
                        None if r > 0.0 => BedFlag::Excess,
                        None => BedFlag::None,
                    }
                };
                (Some(r - n).filter(|d| d.is_finite()), ratio, flag)
            }
            _ => (None, None, BedFlag::Unknown),
        };
        BedGap {
            function,
            reported: r,
            necessary: n,
            difference,
            ratio,
            flag,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::{BAND_75, BANDS};
    use chiiki_domain::Sex;
    use proptest::prelude::*;

    fn pop(m: [f64; BANDS], f: [f64; BANDS]) -> Population {
        Population::new(m, f).unwrap()
    }

    #[test]
    fn functions_occupancy_and_labels() {
        assert_eq!(
            BedFunction::ALL.map(BedFunction::occupancy),
            [0.75, 0.78, 0.90, 0.92]
        );
        assert_eq!(
            BedFunction::ALL.map(|f| f.label(Lang::Ja)),
            ["高度急性期", "急性期", "回復期", "慢性期"]
        );
        assert_eq!(BedFunction::Recovery.index(), 2);
        assert_eq!(necessary_beds(75.0, BedFunction::HighAcute), Ok(100.0));
        assert_eq!(necessary_beds(92.0, BedFunction::Chronic), Ok(100.0));
        assert_eq!(
            necessary_beds(-1.0, BedFunction::Acute),
            Err(Gap::InvalidInput)
        );
    }

    #[test]
    fn beds_from_rates() {
        let rate = |r: f64| UtilisationRates::both_sexes([r; BANDS]).unwrap();
        let rates = [rate(75.0), rate(78.0), rate(90.0), rate(92.0)];
        let mut m = [0.0; BANDS];
        m[0] = 100_000.0;
        let beds = necessary_beds_from_rates(&rates, &pop(m, [0.0; BANDS])).unwrap();
        for b in beds {
            assert!((b - 100.0).abs() < 1e-9, "{beds:?}");
        }
        assert_eq!(
            necessary_beds_from_rates(&rates, &Population::default()),
            Ok([0.0; 4])
        );
        let by_sex = UtilisationRates::by_sex([0.0; BANDS], [10.0; BANDS]).unwrap();
        let only_women = [by_sex; 4];
        assert_eq!(
            necessary_beds_from_rates(&only_women, &pop(m, [0.0; BANDS])),
            Ok([0.0; 4])
        );
        assert_eq!(by_sex.rate(Sex::Female, 3), 10.0);
    }

    #[test]
    fn projection_scales_the_published_beds() {
        let mut w = [100.0; BANDS];
        w[BAND_75] = 1000.0;
        let weights = UtilisationRates::both_sexes(w).unwrap();
        let mut base = [0.0; BANDS];
        base[5] = 1000.0;
        base[BAND_75] = 1000.0;
        let mut future = base;
        future[BAND_75] = 2000.0;
        let published = [100.0, 300.0, 200.0, 250.0];
        let p =
            project_necessary(published, &pop(base, base), &pop(future, future), &weights).unwrap();
        let factor = (100.0 + 2000.0) / (100.0 + 1000.0);
        for (x, b) in p.iter().zip(published) {
            assert!((x - b * factor).abs() < 1e-9);
        }
        assert_eq!(
            project_necessary(
                published,
                &Population::default(),
                &pop(base, base),
                &weights
            ),
            Err(Gap::NoPopulation)
        );
        let zero = UtilisationRates::both_sexes([0.0; BANDS]).unwrap();
        assert_eq!(
            project_necessary(published, &pop(base, base), &pop(base, base), &zero),
            Err(Gap::NoPatients)
        );
        assert_eq!(
            project_necessary(
                [f64::NAN, 0.0, 0.0, 0.0],
                &pop(base, base),
                &pop(base, base),
                &weights
            ),
            Err(Gap::InvalidInput)
        );
    }

    #[test]
    fn comparison_flags() {
        let g = compare(
            [Some(0.0), Some(70.0), Some(130.0), None],
            [Some(50.0), Some(100.0), Some(100.0), Some(10.0)],
        );
        assert_eq!(
            g.map(|x| x.flag),
            [
                BedFlag::Missing,
                BedFlag::Shortfall,
                BedFlag::Excess,
                BedFlag::Unknown
            ]
        );
        assert_eq!(g[2].difference, Some(30.0));
        assert_eq!(g[2].ratio, Some(1.3));
        assert_eq!(g[3].difference, None);
        assert_eq!(g[0].function, BedFunction::HighAcute);
        let g = compare(
            [Some(80.0), Some(120.0), Some(0.0), Some(5.0)],
            [Some(100.0), Some(100.0), Some(0.0), Some(0.0)],
        );
        assert_eq!(
            g.map(|x| x.flag),
            [BedFlag::None, BedFlag::None, BedFlag::None, BedFlag::Excess]
        );
        assert_eq!(g[3].ratio, None);
        let g = compare([Some(f64::NAN); 4], [Some(-1.0); 4]);
        assert!(
            g.iter()
                .all(|x| x.flag == BedFlag::Unknown && x.reported.is_none())
        );
        assert_eq!(BedFlag::Missing.label(Lang::Ja), "病床がない");
    }

    fn arb_pop() -> impl Strategy<Value = Population> {
        (
            proptest::array::uniform21(0.0f64..1e6),
            proptest::array::uniform21(0.0f64..1e6),
        )
            .prop_map(|(m, f)| pop(m, f))
    }

    fn arb_rates() -> impl Strategy<Value = UtilisationRates> {
        proptest::array::uniform21(0.0f64..5_000.0)
            .prop_map(|r| UtilisationRates::both_sexes(r).unwrap())
    }

    fn scaled(p: &Population, k: f64) -> Population {
        pop(p.male.map(|x| x * k), p.female.map(|x| x * k))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    fn arb_beds() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(0.0)),
            8 => (0.0f64..2_000.0).prop_map(Some),
        ]
    }

    proptest! {
        /// Necessary beds scale linearly with the population.
        #[test]
        fn beds_scale_with_the_population(r in proptest::array::uniform4(arb_rates()), p in arb_pop(), k in 0.0f64..50.0) {
            let a = necessary_beds_from_rates(&r, &p).unwrap();
            let b = necessary_beds_from_rates(&r, &scaled(&p, k)).unwrap();
            for (x, y) in a.iter().zip(b) {
                prop_assert!(close(k * x, y), "{} × {} vs {}", k, x, y);
            }
        }

        /// Projecting to the base population gives the published beds; to k × the base, k ×
        /// the published beds.
        #[test]
        fn projection_is_linear(published in proptest::array::uniform4(0.0f64..5_000.0), p in arb_pop(), w in arb_rates(), k in 0.0f64..10.0) {
            prop_assume!(p.total() > 0.0 && w.patients(&p) > 0.0);
            let same = project_necessary(published, &p, &p, &w).unwrap();
            prop_assert_eq!(same, published);
            let more = project_necessary(published, &p, &scaled(&p, k), &w).unwrap();
            for (x, y) in published.iter().zip(more) {
                prop_assert!(close(k * x, y), "{} × {} vs {}", k, x, y);
            }
        }

        /// Flags agree with the thresholds and the figures.
        #[test]
        fn flags_follow_the_thresholds(r in proptest::array::uniform4(arb_beds()), n in proptest::array::uniform4(arb_beds())) {
            for (k, g) in compare(r, n).iter().enumerate() {
                prop_assert_eq!(g.function, BedFunction::ALL[k]);
                match (r[k], n[k]) {
                    (Some(r), Some(n)) => {
                        prop_assert_eq!(g.difference, Some(r - n));
                        let expected = if r == 0.0 && n > 0.0 {
                            BedFlag::Missing
                        } else if n == 0.0 {
                            if r > 0.0 { BedFlag::Excess } else { BedFlag::None }
                        } else if r / n < SHORTFALL_BELOW {
                            BedFlag::Shortfall
                        } else if r / n > EXCESS_ABOVE {
                            BedFlag::Excess
                        } else {
                            BedFlag::None
                        };
                        prop_assert_eq!(g.flag, expected);
                        prop_assert_eq!(g.ratio, (n > 0.0).then(|| r / n));
                        if g.flag == BedFlag::Shortfall { prop_assert!(r < SHORTFALL_BELOW * n * (1.0 + 1e-12)); }
                        if g.flag == BedFlag::Excess { prop_assert!(r > EXCESS_ABOVE * n * (1.0 - 1e-12)); }
                        if g.flag == BedFlag::None { prop_assert!(n == 0.0 || (SHORTFALL_BELOW..=EXCESS_ABOVE).contains(&(r / n))); }
                    }
                    _ => {
                        prop_assert_eq!(g.flag, BedFlag::Unknown);
                        prop_assert!(g.difference.is_none() && g.ratio.is_none());
                    }
                }
            }
        }
    }
}
