//! Cohort-component population projection (コーホート要因法) by sex × five-year age band, in
//! five-year steps from a 住民基本台帳 base (1 January 2025) to 2050, optionally calibrated to
//! the IPSS municipal projection.
//!
//! # What goes in, and where it comes from
//!
//! | input | source |
//! |---|---|
//! | base population by sex × 21 bands | 総務省「住民基本台帳に基づく人口…（令和7年1月1日現在）」年齢階級別人口 |
//! | births, deaths, moves in and out in 2024 (totals only) | 同「人口動態」(the same release, movements of 2024) |
//! | optional constraints: total, 65+, 75+ by year | 国立社会保障・人口問題研究所「日本の地域別将来推計人口（令和5(2023)年推計）」 |
//!
//! The data hold no life table, no fertility by age and no migration by age. Those shapes are
//! therefore **assumptions** ([`Assumptions`], listed below with their values); only their
//! **levels** are derived from the area's own 2024 figures ([`derive_rates`], [`Rates`]).
//!
//! # Method
//!
//! Notation: `P[s][b]` persons of sex `s` in band `b` (0 = 0–4, …, 19 = 95–99, 20 = 100+) at
//! the start of a step; `y_b = 5b + 2.5` the band's mid age (the open band 100+ uses
//! [`Assumptions::open_band_age`], 102). One step moves from year `t` to `t + 5`.
//!
//! ## 1. Mortality: a Gompertz schedule whose level is calibrated on the 2024 deaths
//!
//! The hazard of death at age `x` is `μ_s(x) = a_s · exp(β x)` (Gompertz), with
//!
//! - slope `β` = [`Assumptions::gompertz_slope`] = 0.095 per year of age (mortality doubles
//!   every 7.3 years of age, a typical adult slope of low-mortality populations) — *assumed*;
//! - `a_female = r · a_male` with `r` = [`Assumptions::female_mortality_ratio`] = 0.56 —
//!   *assumed*. Under Gompertz a constant hazard ratio `r` shifts the ages at death by
//!   `ln(1/r)/β` ≈ 6.1 years, the female–male gap in life expectancy at birth of the 2023
//!   abridged life table (令和5年簡易生命表: 81.09 and 87.14 years);
//! - level `a_male` **derived from the data**: the value at which the base population's
//!   expected deaths over one year equal the observed 2024 deaths `D`:
//!
//!   `Σ_s Σ_b P[s][b] · (1 − exp(−H_s(y_b, 1))) = D`, with the cumulative hazard
//!   `H_s(y, n) = a_s/β · e^{βy} · (e^{βn} − 1)` from age `y` over `n` years.
//!
//!   The left side increases strictly with `a_male` from 0 to the population, so the equation
//!   has exactly one root when `0 ≤ D < population`; it is found by bisection (bracket: the
//!   linearised value `D / Σ P·H/a`, a lower bound since `1 − e^{−h} ≤ h`, doubled until the
//!   deaths are exceeded; then halved to a relative width of 10⁻¹²).
//!
//! The five-year survival of band `b` is `S_s[b] = exp(−H_s(y_b, 5))`; survivors move up one
//! band (`b → b + 1`), and both 95–99 and 100+ survive into the open band 100+. Mortality is
//! held constant: no improvement is assumed (IPSS assumes life expectancy keeps rising, so
//! this alone makes the model project fewer old people than IPSS). Deaths of infants born in
//! the year are not in the base population; at about 2 per 1,000 births they are ignored
//! in the calibration. With this calibration the whole of Japan (1,608,923 deaths in 2024)
//! gives a life expectancy at birth of 80.5 (male) and 86.6 (female)
//! ([`Rates::life_expectancy_at_birth`]), against 81.09 and 87.14 in the life table: the
//! shape is reasonable.
//!
//! ## 2. Births: a general fertility rate held constant
//!
//! `GFR = births in 2024 ÷ women aged 15–49 in the base` (derived). Births in a step are
//! `5 · GFR · (W(t) + W'(t+5)) / 2`, `W` the women aged 15–49 at the start and `W'` the
//! surviving women 15–49 at the end (before the step's migration; migrant women's births count
//! from the next step). Births are split by the sex ratio at birth 105 boys : 100 girls
//! ([`Assumptions::sex_ratio_at_birth`], the long-run Japanese value — *assumed*) and survive
//! to the 0–4 band at the end of the step with `exp(−H_s(0, 2.5))` (born on average half way
//! through the step; Gompertz understates infant mortality, by under 0.3 % of the band).
//!
//! ## 3. Migration: observed net migration, held per year, spread by a standard age schedule
//!
//! `M = (in_domestic + in_abroad) − (out_domestic + out_abroad)` of 2024 (derived; the caller
//! computes it; "other" entries and deletions of the register are left out). `N = 5 · M` net
//! migrants per step, held constant. The age pattern is the Rogers–Castro model migration
//! schedule ([`MigrationSchedule`]): a childhood component falling with age, a labour-force
//! peak near age 20–24, and a constant —
//!
//! `m(x) = a1·e^{−α1 x} + a2·exp(−α2(x − μ2) − e^{−λ2(x − μ2)}) + c`, with `a1` = 0.02,
//! `α1` = 0.1, `a2` = 0.06, `μ2` = 20, `α2` = 0.1, `λ2` = 0.4, `c` = 0.003 —
//!
//! round values of the order Rogers & Castro (1981, *Model Migration Schedules*, IIASA
//! RR-81-30) report for their model schedules, not fitted to Japanese data; *assumed*, the
//! same for both sexes. A band's propensity `w_b` is the mean
//! of `m` over its five single years of age (`m(open_band_age)` for 100+). The step's net
//! migrants go to the end-of-step population `Q` in proportion to propensity × persons:
//! cell `(s, b)` receives `N · w_b·Q[s][b] / Σ w·Q`. So the net flow is a rate schedule scaled
//! to the observed total, and an area cannot lose young adults it does not have. A net loss
//! larger than a cell holds empties the cell and the rest is reported as
//! [`StepAccount::migration_not_applied`], never a negative count. Into an empty area a net
//! gain is spread by `w_b` alone.
//!
//! ## 4. Calibration to external totals (raking)
//!
//! A [`Constraint`] for a year gives the total, the persons 65+ and 75+ (IPSS: the total times
//! the published shares, [`Constraint::from_shares`]). The three margins nest, so they define
//! three disjoint groups: 0–64 (`total − 65+`), 65–74 (`65+ − 75+`) and 75+. Iterative
//! proportional fitting over nested margins converges in a single pass, which is what is
//! applied: every band (both sexes) of a group is multiplied by `target ÷ projected` for its
//! group ([`RakingFactors`]). The model thus supplies the distribution by sex and band within
//! each group and IPSS the group totals. The next step starts from the calibrated population.
//! A constraint for the base year calibrates the base itself (the 住民基本台帳 counts of
//! 1 January differ from the census-based IPSS counts of 1 October); the levels of §1–3
//! are still derived from the uncalibrated base, the population the 2024 events belong to.
//! Every [`ProjectedYear`] says whether it was calibrated.
//!
//! ## Years
//!
//! Projected years are `base_year + 5k` up to [`HORIZON`] (2050, the IPSS horizon). Any other
//! year is an error ([`ProjectionError::YearOffGrid`], [`ProjectionError::YearOutOfRange`]):
//! the model does not interpolate or extrapolate. The base is treated as the population of
//! the base year; IPSS figures are for 1 October, nine months later.
//!
//! ## How far this is from IPSS
//!
//! Uncalibrated, for Iwate prefecture as a whole (base 1,153,668 in the bands; 2024: 4,929
//! births, 19,678 deaths, net migration −3,532) the model gives 671,576 persons in 2050,
//! 14.3 % below the IPSS 783,242: 2024 had record-low births and high deaths, both held
//! constant here, while IPSS assumes improving mortality and migration converging. Over the
//! 1,876 municipalities and wards the 2050 difference has median −6 %, first and ninth
//! deciles −37 % and +19 % (1,413 within ±25 %): a single year's net migration held for 25
//! years is noisy in small areas, and 15 of them (輪島市, 珠洲市 after the 2024 Noto
//! earthquake, small islands and villages) empty before 2050. Use constraints for totals;
//! use the uncalibrated model to see what continuing 2024 would mean.

use chiiki_domain::{Msg, Sex};
use serde::Serialize;

use crate::population::{BAND_65, BAND_75, BANDS, Population};

/// The last year projected: the horizon of the IPSS 2023 municipal projection.
pub const HORIZON: i32 = 2050;

/// Years in one projection step.
pub const STEP_YEARS: i32 = 5;

/// The bands of women counted for fertility: 15–19 … 45–49.
pub const CHILDBEARING_BANDS: std::ops::Range<usize> = 3..10;

const STEP: f64 = STEP_YEARS as f64;

/// The Rogers–Castro model migration schedule (without the retirement component): relative
/// propensity to migrate at age `x`, see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MigrationSchedule {
    /// Level of the childhood component.
    pub a1: f64,
    /// Its rate of descent with age.
    pub alpha1: f64,
    /// Level of the labour-force component.
    pub a2: f64,
    /// Its mean age.
    pub mu2: f64,
    /// Its rate of descent after the peak.
    pub alpha2: f64,
    /// Its rate of ascent before the peak.
    pub lambda2: f64,
    /// The constant.
    pub c: f64,
}

impl MigrationSchedule {
    /// The standard schedule used here (round values of Rogers & Castro 1981).
    pub const STANDARD: MigrationSchedule = MigrationSchedule {
        a1: 0.02,
        alpha1: 0.1,
        a2: 0.06,
        mu2: 20.0,
        alpha2: 0.1,
        lambda2: 0.4,
        c: 0.003,
    };

    /// The propensity at exact age `x`.
    pub fn rate(&self, x: f64) -> f64 {
        let d = x - self.mu2;
        self.a1 * (-self.alpha1 * x).exp()
            + self.a2 * (-self.alpha2 * d - (-self.lambda2 * d).exp()).exp()
            + self.c
    }

    /// The propensity of each band: the mean over its five single years of age (at their
    /// mid points), `rate(open_band_age)` for the open band.
    pub fn band_weights(&self, open_band_age: f64) -> [f64; BANDS] {
        let mut w = [0.0; BANDS];
        for (b, w) in w.iter_mut().enumerate().take(BANDS - 1) {
            *w = (0..5)
                .map(|i| self.rate((5 * b + i) as f64 + 0.5))
                .sum::<f64>()
                / 5.0;
        }
        w[BANDS - 1] = self.rate(open_band_age);
        w
    }
}

/// The shapes the data cannot give, with the values of [`Assumptions::default`]. See the
/// module documentation for their provenance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assumptions {
    /// Gompertz slope β per year of age: 0.095.
    pub gompertz_slope: f64,
    /// Female hazard ÷ male hazard, at every age: 0.56.
    pub female_mortality_ratio: f64,
    /// The representative age of the open band 100+: 102.
    pub open_band_age: f64,
    /// Boys per girl at birth: 1.05.
    pub sex_ratio_at_birth: f64,
    /// The age pattern of net migration: [`MigrationSchedule::STANDARD`].
    pub migration: MigrationSchedule,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            gompertz_slope: 0.095,
            female_mortality_ratio: 0.56,
            open_band_age: 102.0,
            sex_ratio_at_birth: 1.05,
            migration: MigrationSchedule::STANDARD,
        }
    }
}

/// Totals a projected year is calibrated to (persons).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Constraint {
    pub year: i32,
    pub total: f64,
    pub aged_65_plus: f64,
    pub aged_75_plus: f64,
}

impl Constraint {
    /// From a total and the shares aged 65+ and 75+ in per cent, as IPSS publishes them.
    pub fn from_shares(year: i32, total: f64, share_65_pct: f64, share_75_pct: f64) -> Self {
        Constraint {
            year,
            total,
            aged_65_plus: total * share_65_pct / 100.0,
            aged_75_plus: total * share_75_pct / 100.0,
        }
    }
}

/// Everything a projection needs. Counts are persons; the three flows are per year (2024).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortInputs {
    /// The year of the base population (2025 for 住民基本台帳 of 1 January 2025).
    pub base_year: i32,
    pub base: Population,
    /// Births in the year before the base (not negative).
    pub births_per_year: f64,
    /// Deaths in the year before the base (not negative, below the population).
    pub deaths_per_year: f64,
    /// Moves in minus moves out (domestic and abroad) in the year before the base; may be
    /// negative.
    pub net_migration_per_year: f64,
    /// At most one per year, each on the projection's grid.
    pub constraints: Vec<Constraint>,
    pub assumptions: Assumptions,
}

impl CohortInputs {
    /// Inputs with the standard assumptions and no constraints.
    pub fn new(
        base_year: i32,
        base: Population,
        births_per_year: f64,
        deaths_per_year: f64,
        net_migration_per_year: f64,
    ) -> Self {
        CohortInputs {
            base_year,
            base,
            births_per_year,
            deaths_per_year,
            net_migration_per_year,
            constraints: Vec::new(),
            assumptions: Assumptions::default(),
        }
    }
}

/// An age group of the calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    Under65,
    Aged65To74,
    Aged75Plus,
}

impl AgeGroup {
    /// The bands of the group.
    pub fn bands(self) -> std::ops::Range<usize> {
        match self {
            AgeGroup::Under65 => 0..BAND_65,
            AgeGroup::Aged65To74 => BAND_65..BAND_75,
            AgeGroup::Aged75Plus => BAND_75..BANDS,
        }
    }

    pub fn message(self) -> Msg {
        match self {
            AgeGroup::Under65 => Msg::new("0〜64歳", "aged 0–64"),
            AgeGroup::Aged65To74 => Msg::new("65〜74歳", "aged 65–74"),
            AgeGroup::Aged75Plus => Msg::new("75歳以上", "aged 75 and over"),
        }
    }
}

/// Why a projection cannot be made.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum ProjectionError {
    #[error("{field} is {value}: it must be a finite number and not negative")]
    InvalidInput { field: String, value: f64 },
    #[error("the base year {base_year} is after {HORIZON}")]
    BaseYearAfterHorizon { base_year: i32 },
    #[error("{year} is outside {base_year}–{HORIZON}: the projection does not extrapolate")]
    YearOutOfRange { year: i32, base_year: i32 },
    #[error(
        "{year} is not {base_year} plus a multiple of 5 years: the projection does not interpolate"
    )]
    YearOffGrid { year: i32, base_year: i32 },
    #[error(
        "{deaths} deaths a year in a population of {population}: deaths must be below the population"
    )]
    DeathsNotBelowPopulation { deaths: f64, population: f64 },
    #[error("{births} births a year but no women aged 15–49: no fertility rate can be derived")]
    BirthsWithoutWomen { births: f64 },
    #[error("constraint for {year}: needs total ≥ 65+ ≥ 75+")]
    InconsistentConstraint { year: i32 },
    #[error("two constraints for {year}")]
    DuplicateConstraint { year: i32 },
    #[error(
        "constraint for {year}: the projection has nobody {group:?} to scale to a positive target"
    )]
    ConstraintUnreachable { year: i32, group: AgeGroup },
}

impl ProjectionError {
    pub fn message(&self) -> Msg {
        use ProjectionError::*;
        match self {
            InvalidInput { field, value } => Msg::new(
                format!("{field} が {value} です。有限で負でない数が必要です"),
                self.to_string(),
            ),
            BaseYearAfterHorizon { base_year } => Msg::new(
                format!("基準年 {base_year} が {HORIZON} より後です"),
                self.to_string(),
            ),
            YearOutOfRange { year, base_year } => Msg::new(
                format!("{year}年は {base_year}〜{HORIZON}年の範囲外です（外挿はしません）"),
                self.to_string(),
            ),
            YearOffGrid { year, base_year } => Msg::new(
                format!("{year}年は {base_year}年から5年刻みの年ではありません（補間はしません）"),
                self.to_string(),
            ),
            DeathsNotBelowPopulation { deaths, population } => Msg::new(
                format!("年間死亡数 {deaths} が人口 {population} 以上です"),
                self.to_string(),
            ),
            BirthsWithoutWomen { births } => Msg::new(
                format!("出生数 {births} に対し15〜49歳の女性がいないため出生率を求められません"),
                self.to_string(),
            ),
            InconsistentConstraint { year } => Msg::new(
                format!("{year}年の制約: 総数 ≥ 65歳以上 ≥ 75歳以上 でなければなりません"),
                self.to_string(),
            ),
            DuplicateConstraint { year } => {
                Msg::new(format!("{year}年の制約が二つあります"), self.to_string())
            }
            ConstraintUnreachable { year, group } => Msg::new(
                format!(
                    "{year}年の制約: 推計の{}が0人のため正の目標値に合わせられません",
                    group.message().ja
                ),
                format!(
                    "constraint for {year}: the projection has nobody {} to scale to a positive target",
                    group.message().en
                ),
            ),
        }
    }
}

fn sex_index(sex: Sex) -> usize {
    match sex {
        Sex::Male => 0,
        Sex::Female => 1,
    }
}

/// The levels derived from the area's data, with the assumed shapes and the factors the
/// projection applies. Built by [`derive_rates`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// Gompertz level `a` by sex (male, female), per year.
    mortality_level: [f64; 2],
    /// Births per woman aged 15–49 per year.
    general_fertility_rate: f64,
    net_migration_per_year: f64,
    assumptions: Assumptions,
    /// Five-year survival by sex and band.
    survival: [[f64; BANDS]; 2],
    /// Survival from birth to the end of the step, by sex.
    birth_survival: [f64; 2],
    /// Migration propensity by band.
    migration_weights: [f64; BANDS],
}

impl Rates {
    /// The Gompertz level `a` of the hazard `a·e^{βx}` (per year).
    pub fn mortality_level(&self, sex: Sex) -> f64 {
        self.mortality_level[sex_index(sex)]
    }

    pub fn general_fertility_rate(&self) -> f64 {
        self.general_fertility_rate
    }

    pub fn net_migration_per_year(&self) -> f64 {
        self.net_migration_per_year
    }

    pub fn assumptions(&self) -> &Assumptions {
        &self.assumptions
    }

    /// The probability that a person of band `band` survives the next five years.
    pub fn five_year_survival(&self, sex: Sex, band: usize) -> f64 {
        self.survival[sex_index(sex)][band]
    }

    /// The probability that a child born during a step is alive at its end.
    pub fn birth_survival(&self, sex: Sex) -> f64 {
        self.birth_survival[sex_index(sex)]
    }

    /// The migration propensity of each band (relative; see [`MigrationSchedule`]).
    pub fn migration_weights(&self) -> &[f64; BANDS] {
        &self.migration_weights
    }

    /// Expected deaths over one year in `pop` under these rates.
    pub fn expected_annual_deaths(&self, pop: &Population) -> f64 {
        let g = one_year_hazards(&self.assumptions);
        expected_deaths(pop, &g, self.mortality_level[0])
    }

    /// Life expectancy at birth implied by the schedule, `∫ exp(−H(0, x)) dx` (Simpson's rule,
    /// steps of 0.05 year): a check on the calibrated level against a life table. `None`
    /// when the level is zero (no deaths) or too small for the survival curve to end within
    /// 1,000 years.
    pub fn life_expectancy_at_birth(&self, sex: Sex) -> Option<f64> {
        let a = self.mortality_level[sex_index(sex)];
        let beta = self.assumptions.gompertz_slope;
        if a <= 0.0 {
            return None;
        }
        let survival = |x: f64| (-(a / beta) * (beta * x).exp_m1()).exp();
        let h = 0.05;
        let mut sum = 0.0;
        let mut x = 0.0;
        while x < 1000.0 {
            sum += h / 6.0 * (survival(x) + 4.0 * survival(x + h / 2.0) + survival(x + h));
            x += h;
            if survival(x) < 1e-12 {
                return Some(sum);
            }
        }
        None
    }
}

/// `r_s · e^{β y_b} (e^{β} − 1) / β`: the one-year cumulative hazard per unit of level.
fn one_year_hazards(a: &Assumptions) -> [[f64; BANDS]; 2] {
    hazards_over(a, 1.0)
}

fn mid_age(a: &Assumptions, b: usize) -> f64 {
    if b == BANDS - 1 {
        a.open_band_age
    } else {
        5.0 * b as f64 + 2.5
    }
}

fn hazards_over(a: &Assumptions, years: f64) -> [[f64; BANDS]; 2] {
    let beta = a.gompertz_slope;
    let span = (beta * years).exp_m1() / beta;
    let male: [f64; BANDS] = std::array::from_fn(|b| (beta * mid_age(a, b)).exp() * span);
    [male, male.map(|x| x * a.female_mortality_ratio)]
}

fn expected_deaths(pop: &Population, g: &[[f64; BANDS]; 2], level: f64) -> f64 {
    let cells = pop.male.iter().zip(&g[0]);
    cells
        .chain(pop.female.iter().zip(&g[1]))
        .map(|(p, g)| -p * (-level * g).exp_m1())
        .sum()
}

/// The male Gompertz level at which expected annual deaths equal `deaths` (bisection).
fn mortality_level(pop: &Population, deaths: f64, a: &Assumptions) -> Result<f64, ProjectionError> {
    if deaths == 0.0 {
        return Ok(0.0);
    }
    let population = pop.total();
    let unreachable = ProjectionError::DeathsNotBelowPopulation { deaths, population };
    if deaths >= population {
        return Err(unreachable);
    }
    let g = one_year_hazards(a);
    let linear: f64 = (0..BANDS)
        .map(|b| pop.male[b] * g[0][b] + pop.female[b] * g[1][b])
        .sum();
    let mut lo = deaths / linear;
    if !lo.is_finite() {
        return Err(unreachable);
    }
    let mut hi = 2.0 * lo;
    while expected_deaths(pop, &g, hi) < deaths {
        lo = hi;
        hi *= 2.0;
        if !hi.is_finite() {
            return Err(unreachable);
        }
    }
    while hi - lo > 1e-12 * hi {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if expected_deaths(pop, &g, mid) < deaths {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

fn check_count(field: &str, value: f64) -> Result<(), ProjectionError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ProjectionError::InvalidInput {
            field: field.to_string(),
            value,
        })
    }
}

fn check_positive(field: &str, value: f64) -> Result<(), ProjectionError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ProjectionError::InvalidInput {
            field: field.to_string(),
            value,
        })
    }
}

fn check_assumptions(a: &Assumptions) -> Result<(), ProjectionError> {
    check_positive("assumptions.gompertz_slope", a.gompertz_slope)?;
    check_positive(
        "assumptions.female_mortality_ratio",
        a.female_mortality_ratio,
    )?;
    check_positive("assumptions.sex_ratio_at_birth", a.sex_ratio_at_birth)?;
    if !(a.open_band_age.is_finite() && a.open_band_age >= 100.0) {
        return Err(ProjectionError::InvalidInput {
            field: "assumptions.open_band_age (at least 100)".to_string(),
            value: a.open_band_age,
        });
    }
    let m = &a.migration;
    for (name, v) in [
        ("a1", m.a1),
        ("alpha1", m.alpha1),
        ("a2", m.a2),
        ("mu2", m.mu2),
        ("alpha2", m.alpha2),
        ("lambda2", m.lambda2),
        ("c", m.c),
    ] {
        check_count(&format!("assumptions.migration.{name}"), v)?;
    }
    let w = m.band_weights(a.open_band_age);
    if w.iter().any(|x| !x.is_finite()) || w.iter().sum::<f64>() <= 0.0 {
        return Err(ProjectionError::InvalidInput {
            field: "assumptions.migration (all propensities zero or not finite)".to_string(),
            value: w.iter().sum(),
        });
    }
    // The projection multiplies these; keep them away from overflow.
    let g = hazards_over(a, STEP);
    if g.iter().flatten().any(|x| !x.is_finite()) {
        return Err(ProjectionError::InvalidInput {
            field: "assumptions.gompertz_slope (hazard overflows)".to_string(),
            value: a.gompertz_slope,
        });
    }
    Ok(())
}

/// Checks that `year` is on the projection's grid: `base_year + 5k` within `base_year..=2050`.
pub fn check_year(base_year: i32, year: i32) -> Result<(), ProjectionError> {
    if base_year > HORIZON {
        return Err(ProjectionError::BaseYearAfterHorizon { base_year });
    }
    if year < base_year || year > HORIZON {
        return Err(ProjectionError::YearOutOfRange { year, base_year });
    }
    if (year - base_year) % STEP_YEARS != 0 {
        return Err(ProjectionError::YearOffGrid { year, base_year });
    }
    Ok(())
}

fn check_inputs(inputs: &CohortInputs) -> Result<(), ProjectionError> {
    check_year(inputs.base_year, inputs.base_year)?;
    if let Err(bad) = Population::new(inputs.base.male, inputs.base.female) {
        return Err(ProjectionError::InvalidInput {
            field: format!(
                "base.{}[{}]",
                if bad.sex == 'M' { "male" } else { "female" },
                bad.band
            ),
            value: bad.value,
        });
    }
    check_count("births_per_year", inputs.births_per_year)?;
    check_count("deaths_per_year", inputs.deaths_per_year)?;
    if !inputs.net_migration_per_year.is_finite() {
        return Err(ProjectionError::InvalidInput {
            field: "net_migration_per_year".to_string(),
            value: inputs.net_migration_per_year,
        });
    }
    check_assumptions(&inputs.assumptions)?;
    for (i, c) in inputs.constraints.iter().enumerate() {
        check_year(inputs.base_year, c.year)?;
        check_count(&format!("constraints[{i}].total"), c.total)?;
        check_count(&format!("constraints[{i}].aged_65_plus"), c.aged_65_plus)?;
        check_count(&format!("constraints[{i}].aged_75_plus"), c.aged_75_plus)?;
        if c.total < c.aged_65_plus || c.aged_65_plus < c.aged_75_plus {
            return Err(ProjectionError::InconsistentConstraint { year: c.year });
        }
        if inputs.constraints[..i].iter().any(|d| d.year == c.year) {
            return Err(ProjectionError::DuplicateConstraint { year: c.year });
        }
    }
    Ok(())
}

/// Validates the inputs and derives the levels from the data: the mortality level (by
/// bisection on the 2024 deaths), the general fertility rate, the net migration; and the
/// factors the projection applies.
pub fn derive_rates(inputs: &CohortInputs) -> Result<Rates, ProjectionError> {
    check_inputs(inputs)?;
    let a = inputs.assumptions;
    let base = &inputs.base;
    let level = mortality_level(base, inputs.deaths_per_year, &a)?;
    let women: f64 = base.female[CHILDBEARING_BANDS].iter().sum();
    let general_fertility_rate = if inputs.births_per_year == 0.0 {
        0.0
    } else if women > 0.0 {
        inputs.births_per_year / women
    } else {
        return Err(ProjectionError::BirthsWithoutWomen {
            births: inputs.births_per_year,
        });
    };
    if !general_fertility_rate.is_finite() {
        return Err(ProjectionError::BirthsWithoutWomen {
            births: inputs.births_per_year,
        });
    }
    let mortality_level = [level, level * a.female_mortality_ratio];
    let g5 = hazards_over(&a, STEP);
    let mut survival = [[1.0; BANDS]; 2];
    for s in 0..2 {
        for b in 0..BANDS {
            // g5 already carries the female ratio: multiply by the male level.
            survival[s][b] = (-level * g5[s][b]).exp();
        }
    }
    let beta = a.gompertz_slope;
    let from_birth = (beta * STEP / 2.0).exp_m1() / beta;
    let birth_survival = [
        (-mortality_level[0] * from_birth).exp(),
        (-mortality_level[1] * from_birth).exp(),
    ];
    Ok(Rates {
        mortality_level,
        general_fertility_rate,
        net_migration_per_year: inputs.net_migration_per_year,
        assumptions: a,
        survival,
        birth_survival,
        migration_weights: a.migration.band_weights(a.open_band_age),
    })
}

/// What happened in the five years up to a projected year (persons).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepAccount {
    /// Children born in the step (before their own mortality).
    pub births: f64,
    /// Deaths in the step, including those of children born in it.
    pub deaths: f64,
    /// Net migration applied (negative: net loss).
    pub net_migration: f64,
    /// Net out-migration that could not be applied because the cells it fell on were
    /// emptied (≥ 0; zero in all but vanishing areas).
    pub migration_not_applied: f64,
}

/// The factors calibration multiplied each group by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RakingFactors {
    pub under_65: f64,
    pub aged_65_to_74: f64,
    pub aged_75_plus: f64,
}

/// One year of the projection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProjectedYear {
    pub year: i32,
    pub population: Population,
    /// Whether the population was calibrated to a [`Constraint`] for this year.
    pub calibrated: bool,
    /// The factors of that calibration.
    pub raking: Option<RakingFactors>,
    /// The step's components (`None` for the base year).
    pub step: Option<StepAccount>,
}

/// One five-year step of the cohort-component method, uncalibrated: survival and ageing,
/// births, net migration (module documentation §1–3).
pub fn advance(pop: &Population, rates: &Rates) -> (Population, StepAccount) {
    let start = [&pop.male, &pop.female];
    let mut q = [[0.0; BANDS]; 2];
    let mut deaths = 0.0;
    for s in 0..2 {
        for b in 0..BANDS {
            let survivors = start[s][b] * rates.survival[s][b];
            deaths += start[s][b] - survivors;
            q[s][(b + 1).min(BANDS - 1)] += survivors;
        }
    }
    let women_start: f64 = pop.female[CHILDBEARING_BANDS].iter().sum();
    let women_end: f64 = q[1][CHILDBEARING_BANDS].iter().sum();
    let births = rates.general_fertility_rate * STEP * 0.5 * (women_start + women_end);
    let srb = rates.assumptions.sex_ratio_at_birth;
    let born = [births * srb / (1.0 + srb), births / (1.0 + srb)];
    for s in 0..2 {
        q[s][0] = born[s] * rates.birth_survival[s];
        deaths += born[s] - q[s][0];
    }

    let n = STEP * rates.net_migration_per_year;
    let w = &rates.migration_weights;
    let mut not_applied = 0.0;
    if n != 0.0 {
        let weighted: f64 = (0..BANDS).map(|b| w[b] * (q[0][b] + q[1][b])).sum();
        if weighted > 0.0 {
            for row in q.iter_mut() {
                for b in 0..BANDS {
                    let share = w[b] * row[b] / weighted;
                    let v = row[b] + n * share;
                    if v < 0.0 {
                        not_applied -= v;
                        row[b] = 0.0;
                    } else {
                        row[b] = v;
                    }
                }
            }
        } else if n > 0.0 {
            let sum_w: f64 = 2.0 * w.iter().sum::<f64>();
            for row in q.iter_mut() {
                for b in 0..BANDS {
                    row[b] = n * w[b] / sum_w;
                }
            }
        } else {
            not_applied = -n;
        }
    }
    let next = Population {
        male: q[0],
        female: q[1],
    };
    let account = StepAccount {
        births,
        deaths,
        net_migration: n + not_applied,
        migration_not_applied: not_applied,
    };
    (next, account)
}

/// Calibrates `pop` to `c` (module documentation §4): each of the groups 0–64, 65–74, 75+ is
/// scaled to its target. Matches the constraint's total, 65+ and 75+ up to rounding.
pub fn rake(
    pop: &Population,
    c: &Constraint,
) -> Result<(Population, RakingFactors), ProjectionError> {
    let targets = [
        (AgeGroup::Under65, c.total - c.aged_65_plus),
        (AgeGroup::Aged65To74, c.aged_65_plus - c.aged_75_plus),
        (AgeGroup::Aged75Plus, c.aged_75_plus),
    ];
    let mut out = *pop;
    let mut factors = [0.0; 3];
    for (i, (group, target)) in targets.into_iter().enumerate() {
        let bands = group.bands();
        let current = pop.in_bands(bands.start, bands.end);
        let factor = if target <= 0.0 { 0.0 } else { target / current };
        if !factor.is_finite() {
            return Err(ProjectionError::ConstraintUnreachable {
                year: c.year,
                group,
            });
        }
        for b in bands {
            out.male[b] *= factor;
            out.female[b] *= factor;
        }
        factors[i] = factor;
    }
    Ok((
        out,
        RakingFactors {
            under_65: factors[0],
            aged_65_to_74: factors[1],
            aged_75_plus: factors[2],
        },
    ))
}

/// Projects from the base year to `until` (inclusive, on the grid): one row per grid year,
/// the base year first.
pub fn project(inputs: &CohortInputs, until: i32) -> Result<Vec<ProjectedYear>, ProjectionError> {
    let rates = derive_rates(inputs)?;
    check_year(inputs.base_year, until)?;
    let constraint = |year: i32| inputs.constraints.iter().find(|c| c.year == year);
    let calibrate = |year: i32, pop: Population| -> Result<_, ProjectionError> {
        match constraint(year) {
            Some(c) => {
                let (p, f) = rake(&pop, c)?;
                Ok((p, Some(f)))
            }
            None => Ok((pop, None)),
        }
    };
    let steps = ((until - inputs.base_year) / STEP_YEARS) as usize;
    let mut rows = Vec::with_capacity(steps + 1);
    let (mut pop, raking) = calibrate(inputs.base_year, inputs.base)?;
    rows.push(ProjectedYear {
        year: inputs.base_year,
        population: pop,
        calibrated: raking.is_some(),
        raking,
        step: None,
    });
    for k in 1..=steps {
        let year = inputs.base_year + STEP_YEARS * k as i32;
        let (next, account) = advance(&pop, &rates);
        let (next, raking) = calibrate(year, next)?;
        rows.push(ProjectedYear {
            year,
            population: next,
            calibrated: raking.is_some(),
            raking,
            step: Some(account),
        });
        pop = next;
    }
    Ok(rows)
}

/// The projection for one grid year.
pub fn project_year(inputs: &CohortInputs, year: i32) -> Result<ProjectedYear, ProjectionError> {
    check_year(inputs.base_year, year)?;
    let rows = project(inputs, year)?;
    Ok(*rows.last().expect("the base year is always projected"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 岩手県, 住民基本台帳 1 January 2025, by sex × five-year band (the bands sum to 1,153,668;
    /// the published total is 1,153,900).
    const IWATE_MALE: [f64; BANDS] = [
        14941.0, 20429.0, 23928.0, 25497.0, 24371.0, 23895.0, 25827.0, 29465.0, 34579.0, 40192.0,
        42279.0, 38392.0, 40045.0, 41985.0, 45064.0, 36882.0, 24820.0, 15910.0, 7244.0, 1585.0,
        144.0,
    ];
    const IWATE_FEMALE: [f64; BANDS] = [
        14286.0, 19529.0, 22837.0, 24026.0, 22034.0, 20794.0, 23771.0, 27515.0, 32985.0, 37874.0,
        39926.0, 38320.0, 40042.0, 43278.0, 49077.0, 43972.0, 38035.0, 30860.0, 19358.0, 6675.0,
        1000.0,
    ];
    /// 2024 movements of Iwate: births, deaths, moves in (33,681) − out (37,213).
    const IWATE_BIRTHS: f64 = 4929.0;
    const IWATE_DEATHS: f64 = 19678.0;
    const IWATE_NET_MIGRATION: f64 = 33681.0 - 37213.0;
    /// IPSS 2023: total, % 65+, % 75+ in 2025, 2030, …, 2050.
    const IWATE_IPSS: [(i32, f64, f64, f64); 6] = [
        (2025, 1138160.0, 35.835, 20.476),
        (2030, 1066088.0, 37.616, 23.008),
        (2035, 994645.0, 39.289, 24.642),
        (2040, 923684.0, 41.839, 25.871),
        (2045, 853120.0, 44.111, 26.947),
        (2050, 783242.0, 45.852, 29.119),
    ];

    fn iwate() -> CohortInputs {
        CohortInputs::new(
            2025,
            Population::new(IWATE_MALE, IWATE_FEMALE).unwrap(),
            IWATE_BIRTHS,
            IWATE_DEATHS,
            IWATE_NET_MIGRATION,
        )
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn iwate_uncalibrated_2050_is_within_a_plausible_range_of_ipss() {
        let inputs = iwate();
        let rates = derive_rates(&inputs).unwrap();
        // The level reproduces the observed deaths.
        let d = rates.expected_annual_deaths(&inputs.base);
        assert!(close(d, IWATE_DEATHS, 1e-9), "{d}");
        // Implied life expectancy at birth: male 79.7, female 85.8 (Japan 2023: 81.09, 87.14).
        let e_m = rates.life_expectancy_at_birth(Sex::Male).unwrap();
        let e_f = rates.life_expectancy_at_birth(Sex::Female).unwrap();
        assert!(
            (77.0..83.0).contains(&e_m) && (83.0..89.0).contains(&e_f),
            "{e_m} {e_f}"
        );
        // GFR 4,929 / 188,999 women 15–49 ≈ 26.1 per 1,000.
        assert!(close(
            rates.general_fertility_rate(),
            4929.0 / 188_999.0,
            1e-12
        ));

        let rows = project(&inputs, 2050).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.year).collect::<Vec<_>>(),
            [2025, 2030, 2035, 2040, 2045, 2050]
        );
        assert!(rows.iter().all(|r| !r.calibrated));
        let p2050 = rows[5].population.total();
        let ipss = IWATE_IPSS[5].1;
        // Uncalibrated: 671,576 in 2050, 14.3 % below IPSS's 783,242 (2024's low births and
        // high deaths held constant, no mortality improvement); 65+ share 43.7 % vs 45.9 %.
        assert!((0.75 * ipss..1.25 * ipss).contains(&p2050), "{p2050}");
        assert!((p2050 - 671_576.0).abs() < 50.0, "{p2050}");
        let share65 = 100.0 * rows[5].population.aged_65_plus() / p2050;
        assert!((40.0..50.0).contains(&share65), "{share65}");
        // Components of the first step: 5 × (−3,532) migrants, about 5 × 4,900 births.
        let s = rows[1].step.unwrap();
        assert!(close(s.net_migration, 5.0 * IWATE_NET_MIGRATION, 1e-12));
        assert_eq!(s.migration_not_applied, 0.0);
        assert!((20_000.0..26_000.0).contains(&s.births), "{}", s.births);
        // Accounting: end = start + births − deaths + migration.
        let balance = rows[0].population.total() + s.births - s.deaths + s.net_migration;
        assert!(close(rows[1].population.total(), balance, 1e-12));
    }

    #[test]
    fn iwate_calibrated_to_ipss() {
        let mut inputs = iwate();
        inputs.constraints = IWATE_IPSS
            .iter()
            .map(|&(y, t, s65, s75)| Constraint::from_shares(y, t, s65, s75))
            .collect();
        let rows = project(&inputs, 2050).unwrap();
        for (row, c) in rows.iter().zip(&inputs.constraints) {
            assert!(row.calibrated);
            assert!(close(row.population.total(), c.total, 1e-9));
            assert!(close(row.population.aged_65_plus(), c.aged_65_plus, 1e-9));
            assert!(close(row.population.aged_75_plus(), c.aged_75_plus, 1e-9));
        }
        // The base is scaled down to the census basis (1,153,668 → 1,138,160).
        let f = rows[0].raking.unwrap();
        assert!((0.95..1.0).contains(&f.under_65), "{f:?}");
        // The 2050 step needed the young scaled up: the model loses more of them than IPSS.
        assert!(rows[5].raking.unwrap().under_65 > 1.0);
        let y = project_year(&inputs, 2040).unwrap();
        assert_eq!(y, rows[3]);
    }

    /// Japan, 1 January 2025, and its 1,608,923 deaths of 2024: the calibrated Gompertz
    /// schedule implies a life expectancy at birth of 80.5 (male) and 86.6 (female), against
    /// 81.09 and 87.14 in the 2023 abridged life table (令和5年簡易生命表).
    #[test]
    fn japan_calibrated_mortality_implies_a_realistic_life_expectancy() {
        let male = [
            2010546.0, 2464598.0, 2713233.0, 2849118.0, 3257881.0, 3378007.0, 3342998.0, 3560873.0,
            3929667.0, 4454953.0, 5002860.0, 4297548.0, 3785562.0, 3527550.0, 3802016.0, 3617616.0,
            2528429.0, 1426928.0, 578877.0, 122831.0, 11145.0,
        ];
        let female = [
            1914740.0, 2344674.0, 2577179.0, 2707432.0, 3070699.0, 3164205.0, 3141432.0, 3385647.0,
            3786558.0, 4309427.0, 4878805.0, 4254961.0, 3830618.0, 3697618.0, 4225161.0, 4366388.0,
            3546504.0, 2459521.0, 1430826.0, 491439.0, 83578.0,
        ];
        let base = Population::new(male, female).unwrap();
        let i = CohortInputs::new(2025, base, 710_427.0, 1_608_923.0, 0.0);
        let rates = derive_rates(&i).unwrap();
        let e_m = rates.life_expectancy_at_birth(Sex::Male).unwrap();
        let e_f = rates.life_expectancy_at_birth(Sex::Female).unwrap();
        assert!((e_m - 80.5).abs() < 0.3, "{e_m}");
        assert!((e_f - 86.6).abs() < 0.3, "{e_f}");
        assert!((e_f - e_m - 6.1).abs() < 0.2);
        let none = derive_rates(&CohortInputs::new(2025, base, 0.0, 0.0, 0.0)).unwrap();
        assert_eq!(none.life_expectancy_at_birth(Sex::Male), None);
    }

    #[test]
    fn years_off_the_grid_or_out_of_range_are_errors() {
        let inputs = iwate();
        assert_eq!(
            project(&inputs, 2032).unwrap_err(),
            ProjectionError::YearOffGrid {
                year: 2032,
                base_year: 2025
            }
        );
        assert!(matches!(
            project(&inputs, 2055),
            Err(ProjectionError::YearOutOfRange { year: 2055, .. })
        ));
        assert!(matches!(
            project_year(&inputs, 2020),
            Err(ProjectionError::YearOutOfRange { year: 2020, .. })
        ));
        assert_eq!(project(&inputs, 2025).unwrap().len(), 1);
        let mut late = iwate();
        late.base_year = 2051;
        assert!(matches!(
            project(&late, 2051),
            Err(ProjectionError::BaseYearAfterHorizon { .. })
        ));
        let mut c = iwate();
        c.constraints = vec![Constraint::from_shares(2033, 1.0, 0.0, 0.0)];
        assert!(matches!(
            derive_rates(&c),
            Err(ProjectionError::YearOffGrid { year: 2033, .. })
        ));
    }

    #[test]
    fn invalid_inputs_are_rejected_with_their_field() {
        let mut i = iwate();
        i.births_per_year = -1.0;
        let e = derive_rates(&i).unwrap_err();
        assert!(
            matches!(&e, ProjectionError::InvalidInput { field, .. } if field == "births_per_year")
        );
        assert!(e.message().ja.contains("births_per_year"));
        let mut i = iwate();
        i.deaths_per_year = f64::NAN;
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::InvalidInput { .. })
        ));
        let mut i = iwate();
        i.net_migration_per_year = f64::INFINITY;
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::InvalidInput { .. })
        ));
        let mut i = iwate();
        i.base.female[7] = -3.0;
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::InvalidInput { field, value }) if field == "base.female[7]" && value == -3.0
        ));
        let mut i = iwate();
        i.deaths_per_year = 2e6;
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::DeathsNotBelowPopulation { .. })
        ));
        let mut i = iwate();
        i.base.female = [0.0; BANDS];
        i.base.female[15] = 10.0;
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::BirthsWithoutWomen { .. })
        ));
        let mut i = iwate();
        i.constraints = vec![Constraint {
            year: 2030,
            total: 10.0,
            aged_65_plus: 20.0,
            aged_75_plus: 1.0,
        }];
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::InconsistentConstraint { year: 2030 })
        ));
        i.constraints = vec![
            Constraint::from_shares(2030, 10.0, 1.0, 1.0),
            Constraint::from_shares(2030, 10.0, 1.0, 1.0),
        ];
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::DuplicateConstraint { year: 2030 })
        ));
        let mut i = iwate();
        i.assumptions.gompertz_slope = 0.0;
        assert!(matches!(
            derive_rates(&i),
            Err(ProjectionError::InvalidInput { .. })
        ));
    }

    #[test]
    fn a_constraint_on_an_empty_group_is_an_error() {
        let mut m = [0.0; BANDS];
        m[2] = 100.0;
        let mut i = CohortInputs::new(
            2025,
            Population::new(m, [0.0; BANDS]).unwrap(),
            0.0,
            0.0,
            0.0,
        );
        i.constraints = vec![Constraint::from_shares(2030, 100.0, 50.0, 0.0)];
        let e = project(&i, 2030).unwrap_err();
        assert_eq!(
            e,
            ProjectionError::ConstraintUnreachable {
                year: 2030,
                group: AgeGroup::Aged65To74
            }
        );
        assert!(e.message().ja.contains("65〜74歳"));
    }

    #[test]
    fn an_emptying_area_reaches_zero_and_reports_the_shortfall() {
        // 輪島市-like: net loss of 1,582 a year from about 20,000 persons.
        let m: [f64; BANDS] = std::array::from_fn(|b| 500.0 + 10.0 * b as f64);
        let p = Population::new(m, m).unwrap();
        let i = CohortInputs::new(2025, p, 50.0, 600.0, -1582.0);
        let rows = project(&i, 2050).unwrap();
        let last = rows.last().unwrap();
        assert!(last.population.total() >= 0.0);
        assert!(
            rows.iter()
                .flat_map(|r| r.population.male.iter().chain(&r.population.female))
                .all(|x| x.is_finite() && *x >= 0.0)
        );
        let shortfall: f64 = rows
            .iter()
            .filter_map(|r| r.step)
            .map(|s| s.migration_not_applied)
            .sum();
        assert!(shortfall > 0.0);
        // Into an empty area a gain is spread by the schedule alone.
        let empty = CohortInputs::new(2025, Population::default(), 0.0, 0.0, 100.0);
        let r = project(&empty, 2030).unwrap();
        assert!(close(r[1].population.total(), 500.0, 1e-12));
        assert!(r[1].population.band(4) > r[1].population.band(12));
    }

    #[test]
    fn the_migration_schedule_peaks_at_young_adult_ages() {
        let w = MigrationSchedule::STANDARD.band_weights(102.0);
        let peak = (0..BANDS).max_by(|a, b| w[*a].total_cmp(&w[*b])).unwrap();
        assert_eq!(peak, 4, "{w:?}"); // 20–24
        assert!(w[0] > w[2], "childhood component");
        assert!(w.iter().all(|x| *x > 0.0));
    }

    #[test]
    fn errors_and_outputs_serialise() {
        let e = ProjectionError::YearOffGrid {
            year: 2032,
            base_year: 2025,
        };
        let m = e.message();
        assert!(m.ja.contains("2032") && m.en.contains("2032"));
        let rates = derive_rates(&iwate()).unwrap();
        fn is_serialize<T: Serialize>(_: &T) {}
        is_serialize(&rates);
        is_serialize(&project(&iwate(), 2030).unwrap());
        is_serialize(&e);
    }

    fn population() -> impl Strategy<Value = Population> {
        (
            proptest::array::uniform21(0.0f64..50_000.0),
            proptest::array::uniform21(0.0f64..50_000.0),
        )
            .prop_map(|(m, f)| Population::new(m, f).unwrap())
    }

    /// A population with someone in every band, and flows that are plausible for it.
    fn inputs() -> impl Strategy<Value = CohortInputs> {
        (population(), 0.0f64..0.08, 0.0f64..0.05, -0.08f64..0.08).prop_map(
            |(base, birth_rate, death_rate, migration_rate)| {
                let total = base.total();
                let women: f64 = base.female[CHILDBEARING_BANDS].iter().sum();
                CohortInputs::new(
                    2025,
                    base,
                    if women > 0.0 { birth_rate * women } else { 0.0 },
                    death_rate * total,
                    migration_rate * total,
                )
            },
        )
    }

    fn all_cells(p: &Population) -> impl Iterator<Item = f64> + '_ {
        p.male.iter().chain(&p.female).copied()
    }

    proptest! {
        /// Every count of every year is finite and not negative, and so is every component.
        #[test]
        fn counts_are_finite_and_not_negative(i in inputs()) {
            let rows = project(&i, HORIZON).unwrap();
            prop_assert_eq!(rows.len(), 6);
            for r in &rows {
                prop_assert!(all_cells(&r.population).all(|x| x.is_finite() && x >= 0.0));
                if let Some(s) = r.step {
                    prop_assert!(s.births.is_finite() && s.births >= 0.0);
                    prop_assert!(s.deaths.is_finite() && s.deaths >= 0.0);
                    prop_assert!(s.net_migration.is_finite());
                    prop_assert!(s.migration_not_applied >= 0.0);
                }
            }
        }

        /// The derived level reproduces the observed deaths.
        #[test]
        fn the_mortality_level_reproduces_observed_deaths(i in inputs()) {
            let rates = derive_rates(&i).unwrap();
            let d = rates.expected_annual_deaths(&i.base);
            prop_assert!(close(d, i.deaths_per_year, 1e-9), "{} vs {}", d, i.deaths_per_year);
        }

        /// With constraints, each calibrated year matches total, 65+ and 75+ to 1e-6. (Flows
        /// that cannot empty an age group: a constraint on an empty group is an error, tested
        /// above.)
        #[test]
        fn calibrated_years_match_their_constraints(
            base in population(),
            death_rate in 0.0f64..0.02,
            migration_rate in -0.01f64..0.08,
            targets in proptest::collection::vec((1_000.0f64..2e6, 0.05f64..0.6, 0.0f64..1.0), 6),
            which in proptest::collection::vec(any::<bool>(), 6),
        ) {
            let women: f64 = base.female[CHILDBEARING_BANDS].iter().sum();
            let mut i = CohortInputs::new(2025, base, 0.05 * women, death_rate * base.total(), migration_rate * base.total());
            i.constraints = (0..6)
                .filter(|k| which[*k])
                .map(|k| {
                    let (t, s65, f75) = targets[k];
                    Constraint { year: 2025 + 5 * k as i32, total: t, aged_65_plus: t * s65, aged_75_plus: t * s65 * f75 }
                })
                .collect();
            let rows = match project(&i, HORIZON) {
                Ok(rows) => rows,
                // A group the model left empty cannot be scaled to a positive target (an
                // area with nobody under 50 and no women to bear children): an error, as
                // documented, not a number.
                Err(ProjectionError::ConstraintUnreachable { .. }) => {
                    prop_assume!(false);
                    unreachable!()
                }
                Err(e) => panic!("{e}"),
            };
            for r in &rows {
                let c = i.constraints.iter().find(|c| c.year == r.year);
                prop_assert_eq!(r.calibrated, c.is_some());
                prop_assert_eq!(r.raking.is_some(), c.is_some());
                if let Some(c) = c {
                    let p = &r.population;
                    prop_assert!(close(p.total(), c.total, 1e-6), "{} {}", p.total(), c.total);
                    prop_assert!(close(p.aged_65_plus(), c.aged_65_plus, 1e-6));
                    prop_assert!(close(p.aged_75_plus(), c.aged_75_plus, 1e-6));
                    prop_assert!(all_cells(p).all(|x| x.is_finite() && x >= 0.0));
                }
            }
        }

        /// No deaths, births or migration and no constraints: the population just ages.
        /// Each band moves up one; the total is conserved, the open band accumulates.
        #[test]
        fn without_events_the_population_just_ages(base in population()) {
            let i = CohortInputs::new(2025, base, 0.0, 0.0, 0.0);
            let rows = project(&i, HORIZON).unwrap();
            for w in rows.windows(2) {
                let (p, q) = (&w[0].population, &w[1].population);
                prop_assert!(close(q.total(), p.total(), 1e-12));
                prop_assert_eq!(q.male[0], 0.0);
                prop_assert_eq!(q.female[0], 0.0);
                for b in 1..BANDS - 1 {
                    prop_assert_eq!(q.male[b], p.male[b - 1]);
                    prop_assert_eq!(q.female[b], p.female[b - 1]);
                }
                prop_assert_eq!(q.male[BANDS - 1], p.male[BANDS - 2] + p.male[BANDS - 1]);
                prop_assert!(q.band(BANDS - 1) >= p.band(BANDS - 1));
            }
        }

        /// Cohort shift: with deaths but no births or migration, band b at t+5 is band b−1 at t
        /// times its five-year survival, and nothing else.
        #[test]
        fn band_b_at_t_plus_5_derives_from_band_b_minus_1_at_t(base in population(), death_rate in 0.0f64..0.05) {
            let i = CohortInputs::new(2025, base, 0.0, death_rate * base.total(), 0.0);
            let rates = derive_rates(&i).unwrap();
            let (q, account) = advance(&base, &rates);
            for (sex, p_s, q_s) in [(Sex::Male, &base.male, &q.male), (Sex::Female, &base.female, &q.female)] {
                prop_assert_eq!(q_s[0], 0.0);
                for b in 1..BANDS - 1 {
                    prop_assert_eq!(q_s[b], p_s[b - 1] * rates.five_year_survival(sex, b - 1));
                    prop_assert!(q_s[b] <= p_s[b - 1]);
                }
                let open = p_s[BANDS - 2] * rates.five_year_survival(sex, BANDS - 2)
                    + p_s[BANDS - 1] * rates.five_year_survival(sex, BANDS - 1);
                prop_assert!(close(q_s[BANDS - 1], open, 1e-12));
            }
            prop_assert!(close(q.total() + account.deaths, base.total(), 1e-12));
            // Older bands survive less (Gompertz), women more than men.
            for b in 1..BANDS {
                prop_assert!(rates.five_year_survival(Sex::Male, b) <= rates.five_year_survival(Sex::Male, b - 1));
                prop_assert!(rates.five_year_survival(Sex::Female, b) >= rates.five_year_survival(Sex::Male, b));
            }
        }

        /// Net migration is applied in full unless cells are emptied, and the account balances.
        #[test]
        fn the_account_balances(i in inputs()) {
            let rows = project(&i, HORIZON).unwrap();
            for w in rows.windows(2) {
                let s = w[1].step.unwrap();
                let expected = w[0].population.total() + s.births - s.deaths + s.net_migration;
                prop_assert!(close(w[1].population.total(), expected, 1e-9));
                prop_assert!(close(s.net_migration - s.migration_not_applied, 5.0 * i.net_migration_per_year, 1e-9));
            }
        }
    }
}
