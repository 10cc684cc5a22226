//! Doctor supply, demand and the gap between them, by year.
//!
//! # Demand: the doctors at a target index
//!
//! The physician maldistribution index is `doctors ÷ (population / 100,000 × standardised
//! utilisation ratio)` ([`crate::index`]). The doctors an area needs in a year to reach a
//! target index (for example the national 255.6, [`crate::NATIONAL_INDEX_2024`]) are
//!
//! `demand(year) = target × population(year) / 100,000 × utilisation ratio(year)`
//!
//! ([`required_doctors`]). Population and utilisation ratio for future years are inputs: the
//! population from [`crate::cohort`] (calibrated or not), the ratio from the age structure
//! (computed elsewhere). This module does not project them.
//!
//! # Supply: base doctors aged, plus entrants, plus obligated doctors
//!
//! Every input is explicit ([`SupplyInputs`]); nothing is filled in by default.
//!
//! - **Base doctors** in the base year, in the unit the index uses (標準化医師数 when the gap
//!   is read against the published index; a head count or FTE otherwise). They must exclude
//!   the obligated doctors of the schedule below, which are added on top.
//! - **Age profile** ([`AgeProfile::Known`]): the base doctors' distribution over the 21
//!   five-year bands of [`crate::population`] (weights, normalised here), and an annual exit
//!   rate per band (retirement, death, leaving the area; 0–1). Each year, from the base year
//!   on: every band loses `exit rate × doctors`; then a fifth of each band (but the open
//!   100+) moves up one band, doctors being assumed evenly spread over the five years of age
//!   of their band; then the **entrants** of the year (doctors per year, e.g. those finishing
//!   initial training in the area) join their band (e.g. 25–29). Exit rates and entrants are
//!   held constant. Sources for an analyst: the area's doctors by age from the 医師・歯科医師・
//!   薬剤師統計 (三師調査); exits from two successive surveys of the same cohorts; entrants
//!   from the prefecture's training posts.
//! - **Unknown profile** ([`AgeProfile::Unknown`]): the base doctors are held constant, i.e.
//!   entrants are assumed to replace exits exactly. Entrants given with an unknown profile
//!   are not added (they would add without any exit). The result says so in its
//!   [`Assumption`]s — never silently.
//! - **Obligated doctors** ([`ObligatedService`]): from the register, each obligated doctor
//!   (地域枠, 自治医科大学, 修学資金) serving in the area, with the first and last year of
//!   service there and the FTE; supply in a year adds the FTE of every service covering it.
//!   After the last service year a doctor is not counted (no retention is assumed: that is
//!   the conservative reading and is stated).
//!
//! `supply(year) = Σ_b doctors_b(year) + Σ obligated FTE(year)`.
//!
//! # Gap
//!
//! `gap = supply − demand` (negative: a shortage) and `coverage = supply ÷ demand` (1 = the
//! target index is met), per year ([`GapRow`], [`gap_table`]). A year whose demand cannot be
//! computed (no population, no utilisation ratio) is an `Err(`[`Gap`]`)`, never NaN.
//!
//! Years are whatever the caller uses consistently for supply and demand (the register counts
//! fiscal years, the projections calendar years); supply is stepped yearly from the base year
//! up to [`MAX_YEARS_AHEAD`] years, and a year before the base is an error.

use chiiki_domain::Msg;
use serde::Serialize;

use crate::Gap;
use crate::cohort::ProjectedYear;
use crate::population::BANDS;

/// The furthest year a supply is stepped to, after its base year.
pub const MAX_YEARS_AHEAD: i32 = 100;

/// The band of 25–29, where doctors usually join after initial training (初期臨床研修).
pub const BAND_25: usize = 5;

/// The age profile of the base doctors.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AgeProfile {
    /// Known: see [`DoctorAges`].
    Known(Box<DoctorAges>),
    /// Not known: the base doctors are held constant.
    Unknown,
}

impl AgeProfile {
    pub fn known(weights: [f64; BANDS], exit_rates: [f64; BANDS]) -> Self {
        AgeProfile::Known(Box::new(DoctorAges {
            weights,
            exit_rates,
        }))
    }
}

/// The base doctors by five-year band of [`crate::population`] (weights, any scale;
/// normalised to the base doctors) and the annual exit rate of each band (0–1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DoctorAges {
    pub weights: [f64; BANDS],
    pub exit_rates: [f64; BANDS],
}

/// An obligated doctor's service in the area, from the register.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ObligatedService {
    pub first_year: i32,
    /// Inclusive.
    pub last_year: i32,
    pub fte: f64,
}

/// Everything the supply needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyInputs {
    pub base_year: i32,
    /// Doctors in the base year, excluding those in `obligated`.
    pub base_doctors: f64,
    pub age_profile: AgeProfile,
    /// Doctors joining each year after the base year.
    pub entrants_per_year: f64,
    /// The band entrants join (index into the 21 bands; [`BAND_25`] for 25–29).
    pub entrant_band: usize,
    pub obligated: Vec<ObligatedService>,
}

/// An assumption a result rests on, stated with it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "assumption")]
pub enum Assumption {
    /// No age profile: base doctors held constant (exits assumed replaced by entrants).
    BaseHeldConstant,
    /// Entrants were given without an age profile and were not added.
    EntrantsNotAdded { per_year: f64 },
    /// Exit rates by age and entrants per year held constant over the years.
    ExitRatesAndEntrantsConstant,
    /// Doctors evenly spread over the ages of their band: a fifth moves up each year.
    EvenAgesWithinBand,
    /// Obligated FTE added on top of the base doctors, which must exclude them.
    ObligatedOnTop,
    /// Obligated doctors are not counted after their last service year (no retention).
    NoRetentionAfterService,
}

impl Assumption {
    pub fn message(&self) -> Msg {
        match self {
            Assumption::BaseHeldConstant => Msg::new(
                "年齢構成が不明のため、基準年の医師数を一定としました（退職等は新規参入で補われると仮定）",
                "age profile unknown: base doctors held constant (exits assumed replaced by entrants)",
            ),
            Assumption::EntrantsNotAdded { per_year } => Msg::new(
                format!(
                    "年齢構成が不明のため、新規参入 年{per_year}人は加算していません（退職等が見込めないため）"
                ),
                format!(
                    "age profile unknown: the {per_year} entrants a year were not added (exits cannot be estimated)"
                ),
            ),
            Assumption::ExitRatesAndEntrantsConstant => Msg::new(
                "年齢別の離職率と年間の新規参入数は将来も一定と仮定",
                "exit rates by age and entrants per year held constant",
            ),
            Assumption::EvenAgesWithinBand => Msg::new(
                "各5歳階級内の年齢は均等と仮定（毎年5分の1が次の階級へ移る）",
                "doctors evenly spread over the ages of their band (a fifth moves up each year)",
            ),
            Assumption::ObligatedOnTop => Msg::new(
                "義務年限中の医師のFTEを基準医師数に上乗せ（基準医師数には含めない前提）",
                "obligated doctors' FTE added on top of base doctors (which must exclude them)",
            ),
            Assumption::NoRetentionAfterService => Msg::new(
                "義務年限の終了後は計上しない（定着は仮定しない）",
                "obligated doctors not counted after their service ends (no retention assumed)",
            ),
        }
    }
}

/// Supply in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SupplyYear {
    pub year: i32,
    /// Base doctors aged (with entrants), or held constant.
    pub doctors: f64,
    /// Obligated FTE serving that year.
    pub obligated: f64,
    /// `doctors + obligated`.
    pub total: f64,
}

/// Supply by year and what it assumes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyProjection {
    pub rows: Vec<SupplyYear>,
    pub assumptions: Vec<Assumption>,
}

fn finite_non_negative(x: f64) -> Result<f64, Gap> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(Gap::InvalidInput)
    }
}

/// The obligated FTE serving in `year`: the sum over services covering it.
pub fn obligated_fte(services: &[ObligatedService], year: i32) -> f64 {
    services
        .iter()
        .filter(|s| s.first_year <= year && year <= s.last_year)
        .map(|s| s.fte)
        .sum()
}

fn check_supply(inputs: &SupplyInputs) -> Result<(), Gap> {
    finite_non_negative(inputs.base_doctors)?;
    finite_non_negative(inputs.entrants_per_year)?;
    if inputs.entrant_band >= BANDS {
        return Err(Gap::InvalidInput);
    }
    for s in &inputs.obligated {
        finite_non_negative(s.fte)?;
        if s.first_year > s.last_year {
            return Err(Gap::InvalidInput);
        }
    }
    if let AgeProfile::Known(ages) = &inputs.age_profile {
        let DoctorAges {
            weights,
            exit_rates,
        } = &**ages;
        for w in weights {
            finite_non_negative(*w)?;
        }
        for e in exit_rates {
            if finite_non_negative(*e)? > 1.0 {
                return Err(Gap::InvalidInput);
            }
        }
        let sum: f64 = weights.iter().sum();
        if inputs.base_doctors > 0.0 && !(sum > 0.0 && sum.is_finite()) {
            return Err(Gap::InvalidInput);
        }
    }
    Ok(())
}

fn check_years(base_year: i32, years: impl IntoIterator<Item = i32>) -> Result<i32, Gap> {
    let mut last = base_year;
    for y in years {
        if y < base_year || y - base_year > MAX_YEARS_AHEAD {
            return Err(Gap::YearOutOfRange);
        }
        last = last.max(y);
    }
    Ok(last)
}

/// One year of the aged stock: exits, then a fifth of each band moves up, then entrants.
fn age_one_year(d: &mut [f64; BANDS], exit_rates: &[f64; BANDS], entrants: f64, band: usize) {
    for (d, e) in d.iter_mut().zip(exit_rates) {
        *d *= 1.0 - e;
    }
    let mut moved = 0.0;
    for x in d.iter_mut().take(BANDS - 1) {
        let out = *x / 5.0;
        *x = *x - out + moved;
        moved = out;
    }
    d[BANDS - 1] += moved;
    d[band] += entrants;
}

/// Supply in each of `years` (any order; each from the base year to
/// [`MAX_YEARS_AHEAD`] years later).
pub fn project_supply(inputs: &SupplyInputs, years: &[i32]) -> Result<SupplyProjection, Gap> {
    check_supply(inputs)?;
    let last = check_years(inputs.base_year, years.iter().copied())?;
    let mut assumptions = Vec::new();
    // doctors by year offset 0..=last − base
    let doctors: Vec<f64> = match &inputs.age_profile {
        AgeProfile::Unknown => {
            assumptions.push(Assumption::BaseHeldConstant);
            if inputs.entrants_per_year > 0.0 {
                assumptions.push(Assumption::EntrantsNotAdded {
                    per_year: inputs.entrants_per_year,
                });
            }
            vec![inputs.base_doctors; (last - inputs.base_year + 1) as usize]
        }
        AgeProfile::Known(ages) => {
            let DoctorAges {
                weights,
                exit_rates,
            } = &**ages;
            assumptions.push(Assumption::ExitRatesAndEntrantsConstant);
            assumptions.push(Assumption::EvenAgesWithinBand);
            let sum: f64 = weights.iter().sum();
            let mut d = [0.0; BANDS];
            if inputs.base_doctors > 0.0 {
                for (d, w) in d.iter_mut().zip(weights) {
                    *d = inputs.base_doctors * (w / sum);
                }
            }
            let mut out = Vec::with_capacity((last - inputs.base_year + 1) as usize);
            out.push(d.iter().sum());
            for _ in inputs.base_year..last {
                age_one_year(
                    &mut d,
                    exit_rates,
                    inputs.entrants_per_year,
                    inputs.entrant_band,
                );
                out.push(d.iter().sum());
            }
            out
        }
    };
    if !inputs.obligated.is_empty() {
        assumptions.push(Assumption::ObligatedOnTop);
        assumptions.push(Assumption::NoRetentionAfterService);
    }
    let rows = years
        .iter()
        .map(|&year| {
            let doctors = doctors[(year - inputs.base_year) as usize];
            let obligated = obligated_fte(&inputs.obligated, year);
            let total = doctors + obligated;
            if total.is_finite() {
                Ok(SupplyYear {
                    year,
                    doctors,
                    obligated,
                    total,
                })
            } else {
                Err(Gap::InvalidInput)
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(SupplyProjection { rows, assumptions })
}

/// Population and utilisation ratio of one year, for demand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DemandYear {
    pub year: i32,
    /// Persons (not hundred thousands).
    pub population: f64,
    /// The standardised utilisation ratio (標準化受療率比) of that year.
    pub utilisation_ratio: f64,
}

impl DemandYear {
    /// From a projected year and its utilisation ratio.
    pub fn from_projection(p: &ProjectedYear, utilisation_ratio: f64) -> Self {
        DemandYear {
            year: p.year,
            population: p.population.total(),
            utilisation_ratio,
        }
    }
}

/// The doctors at which the index equals `target_index`:
/// `target × population / 100,000 × utilisation ratio`.
pub fn required_doctors(
    target_index: f64,
    population: f64,
    utilisation_ratio: f64,
) -> Result<f64, Gap> {
    if !(target_index.is_finite() && target_index > 0.0) {
        return Err(Gap::InvalidInput);
    }
    if !(population.is_finite() && population > 0.0) {
        return Err(Gap::NoPopulation);
    }
    if !(utilisation_ratio.is_finite() && utilisation_ratio > 0.0) {
        return Err(Gap::NoUtilisation);
    }
    let d = target_index * (population / 100_000.0) * utilisation_ratio;
    if d.is_finite() && d > 0.0 {
        Ok(d)
    } else {
        Err(Gap::InvalidInput)
    }
}

/// Supply against demand in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GapRow {
    pub year: i32,
    pub supply: f64,
    pub demand: f64,
    /// `supply − demand`; negative is a shortage.
    pub gap: f64,
    /// `supply ÷ demand`; 1 meets the target index.
    pub coverage: f64,
}

/// Gap rows and the assumptions of their supply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapTable {
    pub target_index: f64,
    pub rows: Vec<GapRow>,
    pub assumptions: Vec<Assumption>,
}

/// Supply, demand, gap and coverage for each year of `demand`.
pub fn gap_table(
    supply: &SupplyInputs,
    demand: &[DemandYear],
    target_index: f64,
) -> Result<GapTable, Gap> {
    let years: Vec<i32> = demand.iter().map(|d| d.year).collect();
    let s = project_supply(supply, &years)?;
    let rows = demand
        .iter()
        .zip(&s.rows)
        .map(|(d, s)| {
            let demand = required_doctors(target_index, d.population, d.utilisation_ratio)?;
            let coverage = s.total / demand;
            if !coverage.is_finite() {
                return Err(Gap::NoPopulation);
            }
            Ok(GapRow {
                year: d.year,
                supply: s.total,
                demand,
                gap: s.total - demand,
                coverage,
            })
        })
        .collect::<Result<_, Gap>>()?;
    Ok(GapTable {
        target_index,
        rows,
        assumptions: s.assumptions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NATIONAL_INDEX_2024, index};
    use proptest::prelude::*;

    fn known(weights: [f64; BANDS], exit_rates: [f64; BANDS]) -> AgeProfile {
        AgeProfile::known(weights, exit_rates)
    }

    /// A plausible area: 300 doctors, most aged 30–64, exits rising after 60.
    fn area() -> SupplyInputs {
        let mut w = [0.0; BANDS];
        let mut e = [0.0; BANDS];
        for (b, x) in [
            (5, 30.0),
            (6, 40.0),
            (7, 40.0),
            (8, 40.0),
            (9, 40.0),
            (10, 35.0),
            (11, 30.0),
            (12, 25.0),
            (13, 15.0),
            (14, 5.0),
        ] {
            w[b] = x;
        }
        for (b, r) in e.iter_mut().enumerate() {
            *r = match b {
                0..=11 => 0.02,
                12 => 0.05,
                13 => 0.15,
                _ => 0.3,
            };
        }
        SupplyInputs {
            base_year: 2025,
            base_doctors: 300.0,
            age_profile: known(w, e),
            entrants_per_year: 8.0,
            entrant_band: BAND_25,
            obligated: vec![ObligatedService {
                first_year: 2026,
                last_year: 2034,
                fte: 1.0,
            }],
        }
    }

    #[test]
    fn demand_is_the_doctors_at_the_target_index() {
        let d = required_doctors(NATIONAL_INDEX_2024, 462_300.0, 1.198).unwrap();
        assert!((d - 255.6 * 4.623 * 1.198).abs() < 1e-9);
        let i = index(d, 4.623, 1.198).unwrap();
        assert!((i - NATIONAL_INDEX_2024).abs() < 1e-9);
        assert_eq!(required_doctors(255.6, 0.0, 1.0), Err(Gap::NoPopulation));
        assert_eq!(required_doctors(255.6, 1.0, 0.0), Err(Gap::NoUtilisation));
        assert_eq!(required_doctors(0.0, 1.0, 1.0), Err(Gap::InvalidInput));
        assert_eq!(required_doctors(f64::NAN, 1.0, 1.0), Err(Gap::InvalidInput));
    }

    #[test]
    fn a_gap_table() {
        let demand = [
            DemandYear {
                year: 2025,
                population: 120_000.0,
                utilisation_ratio: 1.15,
            },
            DemandYear {
                year: 2030,
                population: 110_000.0,
                utilisation_ratio: 1.2,
            },
            DemandYear {
                year: 2040,
                population: 95_000.0,
                utilisation_ratio: 1.25,
            },
        ];
        let t = gap_table(&area(), &demand, NATIONAL_INDEX_2024).unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].supply, 300.0);
        // 2030: the obligated doctor serves, the stock has aged.
        let s = project_supply(&area(), &[2030, 2035]).unwrap();
        assert_eq!(s.rows[0].obligated, 1.0);
        assert_eq!(s.rows[1].obligated, 0.0);
        assert!(s.rows[0].doctors != 300.0);
        for r in &t.rows {
            assert_eq!(r.gap, r.supply - r.demand);
            assert!((r.coverage - r.supply / r.demand).abs() < 1e-15);
        }
        assert!(t.assumptions.contains(&Assumption::NoRetentionAfterService));
        let mut zero = demand;
        zero[1].population = 0.0;
        assert_eq!(
            gap_table(&area(), &zero, NATIONAL_INDEX_2024),
            Err(Gap::NoPopulation)
        );
    }

    #[test]
    fn unknown_profile_holds_base_constant_and_says_so() {
        let mut i = area();
        i.age_profile = AgeProfile::Unknown;
        let s = project_supply(&i, &[2025, 2030, 2050]).unwrap();
        assert_eq!(s.rows[0].total, 300.0);
        assert_eq!(s.rows[1].total, 301.0);
        assert_eq!(s.rows[2].total, 300.0);
        assert_eq!(
            s.assumptions,
            vec![
                Assumption::BaseHeldConstant,
                Assumption::EntrantsNotAdded { per_year: 8.0 },
                Assumption::ObligatedOnTop,
                Assumption::NoRetentionAfterService,
            ]
        );
        for a in &s.assumptions {
            let m = a.message();
            assert!(!m.ja.is_empty() && !m.en.is_empty());
        }
    }

    #[test]
    fn bad_inputs_and_years() {
        let mut i = area();
        i.base_doctors = -1.0;
        assert_eq!(project_supply(&i, &[2030]), Err(Gap::InvalidInput));
        let mut i = area();
        i.entrant_band = BANDS;
        assert_eq!(project_supply(&i, &[2030]), Err(Gap::InvalidInput));
        let mut i = area();
        i.obligated[0].first_year = 2040;
        assert_eq!(project_supply(&i, &[2030]), Err(Gap::InvalidInput));
        let mut i = area();
        if let AgeProfile::Known(ages) = &mut i.age_profile {
            ages.exit_rates[3] = 1.5;
        }
        assert_eq!(project_supply(&i, &[2030]), Err(Gap::InvalidInput));
        let mut i = area();
        i.age_profile = known([0.0; BANDS], [0.0; BANDS]);
        assert_eq!(project_supply(&i, &[2030]), Err(Gap::InvalidInput));
        assert_eq!(project_supply(&area(), &[2024]), Err(Gap::YearOutOfRange));
        assert_eq!(project_supply(&area(), &[2126]), Err(Gap::YearOutOfRange));
        assert!(project_supply(&area(), &[2125]).is_ok());
    }

    fn inputs() -> impl Strategy<Value = SupplyInputs> {
        (
            0.0f64..5_000.0,
            proptest::array::uniform21(0.0f64..100.0),
            proptest::array::uniform21(0.0f64..=1.0),
            any::<bool>(),
            0.0f64..50.0,
            0usize..BANDS,
            proptest::collection::vec((2025i32..2060, 0i32..15, 0.0f64..1.0), 0..20),
        )
            .prop_map(
                |(base, mut w, e, known_profile, entrants, band, services)| {
                    w[8] += 1.0; // never all zero
                    SupplyInputs {
                        base_year: 2025,
                        base_doctors: base,
                        age_profile: if known_profile {
                            AgeProfile::known(w, e)
                        } else {
                            AgeProfile::Unknown
                        },
                        entrants_per_year: entrants,
                        entrant_band: band,
                        obligated: services
                            .into_iter()
                            .map(|(f, n, fte)| ObligatedService {
                                first_year: f,
                                last_year: f + n,
                                fte,
                            })
                            .collect(),
                    }
                },
            )
    }

    const YEARS: [i32; 7] = [2025, 2026, 2030, 2035, 2040, 2045, 2050];

    proptest! {
        /// Supply is finite and never negative.
        #[test]
        fn supply_is_not_negative(i in inputs()) {
            let s = project_supply(&i, &YEARS).unwrap();
            for r in &s.rows {
                prop_assert!(r.total.is_finite() && r.total >= 0.0);
                prop_assert!(r.doctors >= 0.0 && r.obligated >= 0.0);
            }
        }

        /// With no exits and no entrants the aged stock stays the base doctors.
        #[test]
        fn no_exits_and_no_entrants_keep_supply_constant(i in inputs()) {
            let mut i = i;
            i.entrants_per_year = 0.0;
            if let AgeProfile::Known(ages) = &mut i.age_profile {
                ages.exit_rates = [0.0; BANDS];
            }
            let s = project_supply(&i, &YEARS).unwrap();
            for r in &s.rows {
                prop_assert!((r.doctors - i.base_doctors).abs() <= 1e-9 * i.base_doctors.max(1.0),
                    "{} vs {}", r.doctors, i.base_doctors);
            }
        }

        /// Adding an obligated doctor, or more FTE to one, never lowers supply.
        #[test]
        fn more_obligated_fte_never_lowers_supply(i in inputs(), extra in 0.0f64..1.0, f in 2025i32..2050, n in 0i32..10) {
            let before = project_supply(&i, &YEARS).unwrap();
            let mut more = i.clone();
            more.obligated.push(ObligatedService { first_year: f, last_year: f + n, fte: extra });
            if let Some(s) = more.obligated.first_mut() {
                s.fte += extra;
            }
            let after = project_supply(&more, &YEARS).unwrap();
            for (a, b) in after.rows.iter().zip(&before.rows) {
                prop_assert!(a.total >= b.total);
            }
        }

        /// gap = supply − demand exactly, and coverage = supply ÷ demand.
        #[test]
        fn gap_is_supply_minus_demand(
            i in inputs(),
            pops in proptest::collection::vec((1.0f64..5e6, 0.5f64..2.0), 7),
            target in 50.0f64..500.0,
        ) {
            let demand: Vec<DemandYear> = YEARS.iter().zip(&pops)
                .map(|(&year, &(population, utilisation_ratio))| DemandYear { year, population, utilisation_ratio })
                .collect();
            let t = gap_table(&i, &demand, target).unwrap();
            for (r, d) in t.rows.iter().zip(&demand) {
                prop_assert_eq!(r.gap, r.supply - r.demand);
                prop_assert_eq!(r.coverage, r.supply / r.demand);
                prop_assert!(r.coverage.is_finite() && r.coverage >= 0.0);
                let at_target = index(r.demand, d.population / 100_000.0, d.utilisation_ratio).unwrap();
                prop_assert!((at_target - target).abs() <= 1e-9 * target);
            }
        }
    }
}
