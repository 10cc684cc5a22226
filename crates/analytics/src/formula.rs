//! The physician maldistribution index recomputed from its tables (医師偏在指標の算定式).
//!
//! Source: 厚生労働省「医師確保計画策定ガイドライン」(the MHLW guideline for physician securing
//! plans). The index of an area is
//!
//! ```text
//! index = standardised doctors ÷ (population / 100,000 × standardised utilisation ratio)
//! ```
//!
//! ([`crate::index`]), with
//!
//! - **standardised doctors** (標準化医師数) = Σ_{sex, age} doctors × (mean work hours of that
//!   sex and age group ÷ mean work hours of all doctors) — [`standardised_doctors`] over
//!   [`DoctorCounts`] and [`WorkHourRatios`];
//! - **expected utilisation** (期待受療率) of an area = Σ (national adjusted utilisation rate by
//!   sex and age × the area's population of that sex and age) ÷ the area's population —
//!   [`expected_utilisation`];
//! - **standardised utilisation ratio** (標準化受療率比) = the area's expected utilisation ÷ the
//!   national expected utilisation (the national population with the same rates) —
//!   [`utilisation_ratio`];
//! - **national adjusted rate** (全国の性年齢階級別調整受療率) = bedless-clinic doctor demand
//!   factor (無床診療所医療医師需要度) × national bedless-clinic outpatient rate × the area's
//!   bedless-clinic inflow/outflow coefficient + national inpatient rate × the area's inpatient
//!   inflow/outflow coefficient — [`AdjustedRate`], [`adjusted_rates`];
//! - **inflow/outflow coefficient** (患者流出入調整係数) = (patients by residence + inflow −
//!   outflow) ÷ patients by residence — [`flow_coefficient`].
//!
//! Rates are per 100,000 persons, as 患者調査 publishes them; an expected utilisation is in the
//! same unit, a ratio has none.
//!
//! # Limitations
//!
//! Not every table the ministry uses is public. The outpatient rates of bedless clinics, the
//! demand factor and the areas' flow coefficients come from data the ministry holds (NDB and
//! 患者調査 individual records); the national inpatient rate by age is published only in
//! summary form, and the one bundled with chiiki is transcribed from a **secondary source**.
//! A ratio computed from the inpatient rate alone (coefficients 1) is an *approximation* of the
//! published one: it follows the age structure of an area but not its patients' movements nor
//! its use of clinics. Every output that uses such a ratio should say so: [`Sources`] records
//! where each table came from and [`Sources::caveats`] words it.
//!
//! The five-year bands of [`Population`] are finer than the published age groups at both ends:
//! [`UtilisationRates::from_published_ages`] spreads `0` and `1-4` over 0–4 by years of age (as
//! if ages were evenly spread within the band) and gives 90–94, 95–99 and 100+ the rate of `90+`.

use std::borrow::Cow;

use serde::Serialize;

use chiiki_domain::{Lang, Msg, Sex, normalize};

use crate::population::{BAND_LABELS, BANDS, Population};
use crate::{Gap, index};

/// The band of an age in completed years: 0–4 → 0, …, 100 and over → 20.
pub fn band_of_age(age: u32) -> usize {
    ((age / 5) as usize).min(BANDS - 1)
}

/// A table that could not be read: what is wrong, naming the label or value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum TableError {
    /// An age group label that is not one of the expected ones.
    #[error("age group '{label}' is not known; expected {expected}")]
    UnknownLabel { label: String, expected: String },
    /// Expected age groups that no row gives.
    #[error("age group(s) missing: {}", labels.join(", "))]
    MissingLabels { labels: Vec<String> },
    /// A row that gives an age group (or band) another row already gave.
    #[error("age group '{label}' is given twice (or overlaps another row)")]
    Duplicate { label: String },
    /// A sex that is not M, F or T.
    #[error("sex '{label}' is not known; use M (male), F (female) or T (both)")]
    UnknownSex { label: String },
    /// A value that is not a finite number in range (`value` is its text).
    #[error("the value of '{label}' is {value}: {expected}")]
    BadValue {
        label: String,
        value: String,
        expected: &'static str,
    },
}

impl TableError {
    /// The message in both languages.
    pub fn message(&self) -> Msg {
        match self {
            TableError::UnknownLabel { label, expected } => Msg::new(
                format!("年齢階級「{label}」は認識できません（{expected} のいずれか）"),
                self.to_string(),
            ),
            TableError::MissingLabels { labels } => Msg::new(
                format!("年齢階級 {} の行がありません", labels.join("、")),
                self.to_string(),
            ),
            TableError::Duplicate { label } => Msg::new(
                format!("年齢階級「{label}」が重複しています（他の行と重なっています）"),
                self.to_string(),
            ),
            TableError::UnknownSex { label } => Msg::new(
                format!("性別「{label}」は認識できません（男・女・総数 (M/F/T) のいずれか）"),
                self.to_string(),
            ),
            TableError::BadValue {
                label,
                value,
                expected,
            } => Msg::new(
                format!("「{label}」の値 {value} は使えません（{expected}）"),
                self.to_string(),
            ),
        }
    }
}

fn bad_value(label: impl Into<String>, value: f64, expected: &'static str) -> TableError {
    TableError::BadValue {
        label: label.into(),
        value: value.to_string(),
        expected,
    }
}

const FINITE_NOT_NEGATIVE: &str = "a finite number, 0 or more";
const FINITE_POSITIVE: &str = "a finite number above 0";

/// NFKC, no spaces, Japanese spellings folded: `1～4歳` → `1-4`, `90歳以上` → `90+`,
/// `20歳代` → `20代`.
fn normalise_age_label(label: &str) -> String {
    let s: String = normalize(label)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '~' | '〜' | '‐' | '‑' | '–' | '—' | '−' | 'ー' => '-',
            c => c,
        })
        .collect();
    s.replace("歳以上", "+")
        .replace("以上", "+")
        .replace("歳代", "代")
        .replace('歳', "")
        .to_lowercase()
}

/// The bands (inclusive) an age range label covers: a five-year label (`25-29`, `100+`), a
/// range on band edges (`20-29`, `70+`, `70歳以上`) or a decade (`20代`, `20歳代`).
fn band_range(label: &str) -> Option<(usize, usize)> {
    let s = normalise_age_label(label);
    let num = |t: &str| -> Option<u32> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            t.parse().ok()
        }
    };
    if let Some(d) = s.strip_suffix('代') {
        let d = num(d)?;
        return (d % 10 == 0 && d <= 90).then(|| (band_of_age(d), band_of_age(d + 5)));
    }
    if let Some(a) = s.strip_suffix('+') {
        let a = num(a)?;
        return (a % 5 == 0 && a <= 100).then(|| (band_of_age(a), BANDS - 1));
    }
    let (a, b) = s.split_once('-')?;
    let (a, b) = (num(a)?, num(b)?);
    (a % 5 == 0 && (b + 1) % 5 == 0 && a < b && b < 100).then(|| (band_of_age(a), band_of_age(b)))
}

/// Which sexes a table row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SexGroup {
    Male,
    Female,
    /// Both sexes (総数, T).
    Total,
}

impl SexGroup {
    /// `M`/`F`/`T`, `male`/`female`/`total`/`both`, 男/女/総数/計/男女計, or the codes
    /// `1`/`2`/`0` (any width, any case).
    pub fn parse(label: &str) -> Result<SexGroup, TableError> {
        let s = normalize(label).to_lowercase();
        match s.as_str() {
            "m" | "male" | "男" | "男性" | "1" => Ok(SexGroup::Male),
            "f" | "female" | "女" | "女性" | "2" => Ok(SexGroup::Female),
            "t" | "total" | "both" | "all" | "総数" | "計" | "男女計" | "全体" | "0" => {
                Ok(SexGroup::Total)
            }
            _ => Err(TableError::UnknownSex {
                label: label.to_string(),
            }),
        }
    }
}

/// Work-hour ratios by sex × band: the mean work hours of doctors of that sex and age ÷ the
/// mean work hours of all doctors (性・年齢階級別労働時間比). A band may have no ratio (no
/// doctors are that young); [`standardised_doctors`] then needs that band to have no doctors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkHourRatios {
    male: [Option<f64>; BANDS],
    female: [Option<f64>; BANDS],
}

impl WorkHourRatios {
    /// A ratio for every sex and band; each must be finite and above 0.
    pub fn new(male: [f64; BANDS], female: [f64; BANDS]) -> Result<Self, TableError> {
        check_bands("M", &male, true)?;
        check_bands("F", &female, true)?;
        Ok(WorkHourRatios {
            male: male.map(Some),
            female: female.map(Some),
        })
    }

    /// The same ratio everywhere (1 gives head counts).
    pub fn uniform(ratio: f64) -> Result<Self, TableError> {
        Self::new([ratio; BANDS], [ratio; BANDS])
    }

    /// From rows (sex, age group, ratio), as the guideline's table prints them. Sex is
    /// M/F/T (or 男/女/総数, see [`SexGroup::parse`]); a T row applies to both sexes unless a
    /// row for that sex covers the band. Age groups are five-year bands (`25-29`, `100+`), ranges
    /// on band edges (`20-29`, `70+`, `70歳以上`) or decades (`20代`, `20歳代`). Bands no row
    /// covers have no ratio. Rows of one sex (or of T) must not overlap.
    pub fn from_rows<S: AsRef<str>, A: AsRef<str>>(
        rows: &[(S, A, f64)],
    ) -> Result<Self, TableError> {
        // male, female, total
        let mut cells = [[None::<f64>; BANDS]; 3];
        for (sex, age, ratio) in rows {
            let (sex, age, ratio) = (sex.as_ref(), age.as_ref(), *ratio);
            let g = match SexGroup::parse(sex)? {
                SexGroup::Male => 0,
                SexGroup::Female => 1,
                SexGroup::Total => 2,
            };
            let (from, to) = band_range(age).ok_or_else(|| TableError::UnknownLabel {
                label: age.to_string(),
                expected: "a five-year band (25-29, 100+), a range (20-29, 70+) or a decade (20代)"
                    .into(),
            })?;
            if !ratio.is_finite() || ratio <= 0.0 {
                return Err(bad_value(format!("{sex} {age}"), ratio, FINITE_POSITIVE));
            }
            for cell in &mut cells[g][from..=to] {
                if cell.replace(ratio).is_some() {
                    return Err(TableError::Duplicate {
                        label: format!("{sex} {age}"),
                    });
                }
            }
        }
        let [m, f, t] = cells;
        Ok(WorkHourRatios {
            male: std::array::from_fn(|b| m[b].or(t[b])),
            female: std::array::from_fn(|b| f[b].or(t[b])),
        })
    }

    /// From rows (sex, age group, mean weekly work hours) and the mean of all doctors: each
    /// ratio is the group's hours ÷ `all_doctors_mean`. Rows as in [`Self::from_rows`].
    pub fn from_hours<S: AsRef<str>, A: AsRef<str>>(
        rows: &[(S, A, f64)],
        all_doctors_mean: f64,
    ) -> Result<Self, TableError> {
        if !all_doctors_mean.is_finite() || all_doctors_mean <= 0.0 {
            return Err(bad_value(
                "mean work hours of all doctors",
                all_doctors_mean,
                FINITE_POSITIVE,
            ));
        }
        let ratios: Vec<(&str, &str, f64)> = rows
            .iter()
            .map(|(s, a, h)| (s.as_ref(), a.as_ref(), *h / all_doctors_mean))
            .collect();
        Self::from_rows(&ratios)
    }

    /// The ratio of a sex and band, if the table has one.
    pub fn get(&self, sex: Sex, band: usize) -> Option<f64> {
        match sex {
            Sex::Male => self.male.get(band).copied().flatten(),
            Sex::Female => self.female.get(band).copied().flatten(),
        }
    }

    /// The (sex, band) cells without a ratio.
    pub fn missing(&self) -> Vec<(Sex, usize)> {
        [Sex::Male, Sex::Female]
            .into_iter()
            .flat_map(|s| (0..BANDS).map(move |b| (s, b)))
            .filter(|&(s, b)| self.get(s, b).is_none())
            .collect()
    }
}

/// Doctors by sex × band (head counts, as 医師・歯科医師・薬剤師統計 counts them; fractional
/// values such as FTE are accepted). Never negative, never NaN.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct DoctorCounts {
    male: [f64; BANDS],
    female: [f64; BANDS],
}

impl DoctorCounts {
    pub fn new(male: [f64; BANDS], female: [f64; BANDS]) -> Result<Self, TableError> {
        check_bands("M", &male, false)?;
        check_bands("F", &female, false)?;
        Ok(DoctorCounts { male, female })
    }

    /// Counts doctors given as (sex, age in completed years).
    pub fn from_doctors(doctors: impl IntoIterator<Item = (Sex, u32)>) -> Self {
        let mut c = DoctorCounts::default();
        for (sex, age) in doctors {
            match sex {
                Sex::Male => c.male[band_of_age(age)] += 1.0,
                Sex::Female => c.female[band_of_age(age)] += 1.0,
            }
        }
        c
    }

    pub fn get(&self, sex: Sex, band: usize) -> f64 {
        let bands = match sex {
            Sex::Male => &self.male,
            Sex::Female => &self.female,
        };
        bands.get(band).copied().unwrap_or(0.0)
    }

    /// All doctors (the head count).
    pub fn total(&self) -> f64 {
        self.male.iter().chain(&self.female).sum()
    }
}

/// Standardised doctors = Σ doctors × work-hour ratio, over sex and band.
/// [`Gap::MissingRate`] when a band with doctors has no ratio; [`Gap::InvalidInput`] if the sum
/// overflows.
pub fn standardised_doctors(doctors: &DoctorCounts, ratios: &WorkHourRatios) -> Result<f64, Gap> {
    let mut sum = 0.0;
    for (counts, rs) in [
        (&doctors.male, &ratios.male),
        (&doctors.female, &ratios.female),
    ] {
        for (&n, &r) in counts.iter().zip(rs) {
            if n > 0.0 {
                sum += n * r.ok_or(Gap::MissingRate)?;
            }
        }
    }
    finite(sum)
}

/// Utilisation rates (受療率) per 100,000 persons by sex × band, or one rate for both sexes.
/// Never negative, never NaN.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UtilisationRates {
    male: [f64; BANDS],
    female: [f64; BANDS],
    by_sex: bool,
}

/// The age groups 患者調査 publishes rates for, in order.
pub const PUBLISHED_AGES: [&str; 20] = [
    "0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];

impl UtilisationRates {
    /// One rate per band for both sexes.
    pub fn both_sexes(rates: [f64; BANDS]) -> Result<Self, TableError> {
        check_bands("T", &rates, false)?;
        Ok(UtilisationRates {
            male: rates,
            female: rates,
            by_sex: false,
        })
    }

    pub fn by_sex(male: [f64; BANDS], female: [f64; BANDS]) -> Result<Self, TableError> {
        check_bands("M", &male, false)?;
        check_bands("F", &female, false)?;
        Ok(UtilisationRates {
            male,
            female,
            by_sex: true,
        })
    }

    /// Both sexes, from the age groups 患者調査 publishes: `0`, `1-4`, `5-9`, …, `85-89`,
    /// `90+` ([`PUBLISHED_AGES`]; Japanese spellings such as `1～4歳`, `90歳以上` too).
    /// Band 0–4 is (1 × rate(0) + 4 × rate(1–4)) / 5; `0-4` may be given instead of `0` and
    /// `1-4`. Bands 90–94, 95–99 and 100+ take the rate of `90+`. Summary rows (`total…`,
    /// 総数, 計) are skipped. A label not in the list, a label given twice, a missing label or a
    /// rate that is negative or not a number is an error naming it.
    pub fn from_published_ages<S: AsRef<str>>(rows: &[(S, f64)]) -> Result<Self, TableError> {
        Self::both_sexes(published_to_bands(rows)?)
    }

    /// By sex, each from rows as in [`Self::from_published_ages`].
    pub fn from_published_ages_by_sex<S: AsRef<str>, T: AsRef<str>>(
        male: &[(S, f64)],
        female: &[(T, f64)],
    ) -> Result<Self, TableError> {
        Self::by_sex(published_to_bands(male)?, published_to_bands(female)?)
    }

    /// The rate of a sex and band (0 past the last band).
    pub fn rate(&self, sex: Sex, band: usize) -> f64 {
        let bands = match sex {
            Sex::Male => &self.male,
            Sex::Female => &self.female,
        };
        bands.get(band).copied().unwrap_or(0.0)
    }

    /// Whether the rates differ by sex (else both sexes have the same rate).
    pub fn is_by_sex(&self) -> bool {
        self.by_sex
    }

    /// Σ rate × persons over sex and band, ÷ 100,000: the patients (per day, for daily rates)
    /// the population gives. The population must be checked.
    pub(crate) fn patients(&self, p: &Population) -> f64 {
        self.weighted_sum(p) / 100_000.0
    }

    /// Σ rate × persons over sex and band.
    pub(crate) fn weighted_sum(&self, p: &Population) -> f64 {
        let mut sum = 0.0;
        for b in 0..BANDS {
            sum += self.male[b] * p.male[b] + self.female[b] * p.female[b];
        }
        sum
    }
}

/// The first band of one sex whose value is not a finite number of 0 or more (above 0 when
/// `positive`), as an error naming sex and band.
fn check_bands(sex: &str, values: &[f64; BANDS], positive: bool) -> Result<(), TableError> {
    let expected = if positive {
        FINITE_POSITIVE
    } else {
        FINITE_NOT_NEGATIVE
    };
    let bad = |v: f64| !v.is_finite() || v < 0.0 || (positive && v == 0.0);
    match values.iter().position(|v| bad(*v)) {
        Some(b) => Err(bad_value(
            format!("{sex} {}", BAND_LABELS[b]),
            values[b],
            expected,
        )),
        None => Ok(()),
    }
}

fn published_to_bands<S: AsRef<str>>(rows: &[(S, f64)]) -> Result<[f64; BANDS], TableError> {
    // PUBLISHED_AGES, then "0-4" at the end.
    let mut given = [None::<f64>; PUBLISHED_AGES.len() + 1];
    for (label, rate) in rows {
        let label = label.as_ref();
        let s = normalise_age_label(label);
        if s.starts_with("total") || matches!(s.as_str(), "総数" | "計" | "総計" | "男女計")
        {
            continue;
        }
        let k = if s == "0-4" {
            PUBLISHED_AGES.len()
        } else {
            PUBLISHED_AGES
                .iter()
                .position(|a| *a == s)
                .ok_or_else(|| TableError::UnknownLabel {
                    label: label.to_string(),
                    expected: format!("{} (or 0-4)", PUBLISHED_AGES.join(", ")),
                })?
        };
        if !rate.is_finite() || *rate < 0.0 {
            return Err(bad_value(label, *rate, FINITE_NOT_NEGATIVE));
        }
        if given[k].replace(*rate).is_some() {
            return Err(TableError::Duplicate {
                label: label.to_string(),
            });
        }
    }
    let whole_0_4 = given[PUBLISHED_AGES.len()];
    if whole_0_4.is_some() && (given[0].is_some() || given[1].is_some()) {
        return Err(TableError::Duplicate {
            label: "0-4".into(),
        });
    }
    let skip = if whole_0_4.is_some() { 2 } else { 0 };
    let missing: Vec<String> = PUBLISHED_AGES
        .iter()
        .zip(&given)
        .skip(skip)
        .filter(|(_, g)| g.is_none())
        .map(|(a, _)| a.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(TableError::MissingLabels { labels: missing });
    }
    let g = |k: usize| given[k].unwrap_or(0.0);
    let mut bands = [0.0; BANDS];
    bands[0] = whole_0_4.unwrap_or_else(|| (g(0) + 4.0 * g(1)) / 5.0);
    // "5-9" (index 2) … "85-89" (index 18) are bands 1 … 17; "90+" (19) fills 18, 19, 20.
    for (b, band) in bands.iter_mut().enumerate().skip(1) {
        *band = g((b + 1).min(PUBLISHED_AGES.len() - 1));
    }
    Ok(bands)
}

/// The components of one national adjusted rate (全国の性年齢階級別調整受療率), per 100,000:
/// `demand_factor × outpatient × outpatient_coef + inpatient × inpatient_coef`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdjustedRate {
    /// 無床診療所医療医師需要度.
    pub demand_factor: f64,
    /// National outpatient rate of bedless clinics (全国の無床診療所受療率).
    pub outpatient: f64,
    /// The area's bedless-clinic inflow/outflow coefficient ([`flow_coefficient`]).
    pub outpatient_coef: f64,
    /// National inpatient rate (全国の入院受療率).
    pub inpatient: f64,
    /// The area's inpatient inflow/outflow coefficient ([`flow_coefficient`]).
    pub inpatient_coef: f64,
}

impl AdjustedRate {
    /// Only the inpatient part (no outpatient rate, coefficient 1): the approximation used when
    /// the other tables are not public.
    pub fn inpatient_only(inpatient: f64) -> Self {
        AdjustedRate {
            demand_factor: 0.0,
            outpatient: 0.0,
            outpatient_coef: 1.0,
            inpatient,
            inpatient_coef: 1.0,
        }
    }

    /// The adjusted rate; [`Gap::InvalidInput`] if a component is negative or not a number.
    pub fn value(&self) -> Result<f64, Gap> {
        let parts = [
            self.demand_factor,
            self.outpatient,
            self.outpatient_coef,
            self.inpatient,
            self.inpatient_coef,
        ];
        if parts.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(Gap::InvalidInput);
        }
        finite(
            self.demand_factor * self.outpatient * self.outpatient_coef
                + self.inpatient * self.inpatient_coef,
        )
    }
}

/// The adjusted rates of every sex and band ([`AdjustedRate`]) for one area's coefficients.
/// By sex if either table is.
pub fn adjusted_rates(
    outpatient: &UtilisationRates,
    demand_factor: f64,
    outpatient_coef: f64,
    inpatient: &UtilisationRates,
    inpatient_coef: f64,
) -> Result<UtilisationRates, Gap> {
    let cell = |sex: Sex, b: usize| {
        AdjustedRate {
            demand_factor,
            outpatient: outpatient.rate(sex, b),
            outpatient_coef,
            inpatient: inpatient.rate(sex, b),
            inpatient_coef,
        }
        .value()
    };
    let mut male = [0.0; BANDS];
    let mut female = [0.0; BANDS];
    for b in 0..BANDS {
        male[b] = cell(Sex::Male, b)?;
        female[b] = cell(Sex::Female, b)?;
    }
    Ok(UtilisationRates {
        male,
        female,
        by_sex: outpatient.by_sex || inpatient.by_sex,
    })
}

/// The inflow/outflow coefficient = (patients by residence + inflow − outflow) ÷ patients by
/// residence: above 1 for an area that treats more patients than it houses.
/// [`Gap::NoPatients`] when no patients live in the area; [`Gap::InvalidInput`] for a negative
/// or non-finite count, or an outflow larger than the patients by residence.
pub fn flow_coefficient(by_residence: f64, inflow: f64, outflow: f64) -> Result<f64, Gap> {
    if [by_residence, inflow, outflow]
        .iter()
        .any(|x| !x.is_finite() || *x < 0.0)
    {
        return Err(Gap::InvalidInput);
    }
    if by_residence == 0.0 {
        return Err(Gap::NoPatients);
    }
    if outflow > by_residence {
        return Err(Gap::InvalidInput);
    }
    finite((by_residence + inflow - outflow) / by_residence)
}

/// Expected utilisation of an area, per 100,000 = Σ rate × persons ÷ persons, over sex and
/// band: the mean of the rates weighted by the area's population.
/// [`Gap::NoPopulation`] for a population of 0; [`Gap::InvalidInput`] for a negative or
/// non-finite count.
pub fn expected_utilisation(rates: &UtilisationRates, population: &Population) -> Result<f64, Gap> {
    check_population(population)?;
    let total = population.total();
    if total <= 0.0 {
        return Err(Gap::NoPopulation);
    }
    finite(rates.weighted_sum(population) / total)
}

/// The standardised utilisation ratio = local ÷ national expected utilisation.
/// [`Gap::NoUtilisation`] when the national value is 0 or not a number; [`Gap::InvalidInput`]
/// for a negative or non-finite local value.
pub fn utilisation_ratio(local: f64, national: f64) -> Result<f64, Gap> {
    if !national.is_finite() || national <= 0.0 {
        return Err(Gap::NoUtilisation);
    }
    if !local.is_finite() || local < 0.0 {
        return Err(Gap::InvalidInput);
    }
    finite(local / national)
}

/// The ratio of an area to the nation, both with the same rates.
pub fn standardised_ratio(
    rates: &UtilisationRates,
    area: &Population,
    national: &Population,
) -> Result<f64, Gap> {
    utilisation_ratio(
        expected_utilisation(rates, area)?,
        expected_utilisation(rates, national)?,
    )
}

/// The index recomputed from its parts: [`crate::index`] with the population's total ÷
/// 100,000.
pub fn recomputed_index(
    standardised_doctors: f64,
    population: &Population,
    ratio: f64,
) -> Result<f64, Gap> {
    check_population(population)?;
    index(standardised_doctors, population.total() / 100_000.0, ratio)
}

/// `Ok(x)` for a finite number, else [`Gap::InvalidInput`] (an overflow).
pub(crate) fn finite(x: f64) -> Result<f64, Gap> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Gap::InvalidInput)
    }
}

/// [`Gap::InvalidInput`] for a population with a negative or non-finite count (its fields
/// are public, so [`Population::new`] may have been bypassed).
pub(crate) fn check_population(p: &Population) -> Result<(), Gap> {
    Population::new(p.male, p.female)
        .map(|_| ())
        .map_err(|_| Gap::InvalidInput)
}

/// A table the formula uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    WorkHourRatios,
    DoctorCounts,
    Population,
    OutpatientRates,
    DemandFactor,
    InpatientRates,
    FlowCoefficients,
}

impl Table {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Table::WorkHourRatios, Lang::Ja) => "性・年齢階級別労働時間比",
            (Table::WorkHourRatios, Lang::En) => "work-hour ratios by sex and age",
            (Table::DoctorCounts, Lang::Ja) => "性・年齢階級別医師数",
            (Table::DoctorCounts, Lang::En) => "doctors by sex and age",
            (Table::Population, Lang::Ja) => "性・年齢階級別人口",
            (Table::Population, Lang::En) => "population by sex and age",
            (Table::OutpatientRates, Lang::Ja) => "無床診療所外来受療率",
            (Table::OutpatientRates, Lang::En) => "bedless-clinic outpatient rates",
            (Table::DemandFactor, Lang::Ja) => "無床診療所医療医師需要度",
            (Table::DemandFactor, Lang::En) => "bedless-clinic doctor demand factor",
            (Table::InpatientRates, Lang::Ja) => "年齢階級別入院受療率",
            (Table::InpatientRates, Lang::En) => "national inpatient rate by age",
            (Table::FlowCoefficients, Lang::Ja) => "患者流出入調整係数",
            (Table::FlowCoefficients, Lang::En) => "flow coefficients",
        }
    }
}

/// Where a table came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The publication, as its credit line names it.
    pub source: Cow<'static, str>,
    /// Transcribed from a secondary source rather than the publication itself.
    pub secondary: bool,
    pub note: Option<Msg>,
}

impl Provenance {
    pub fn primary(source: impl Into<Cow<'static, str>>) -> Self {
        Provenance {
            source: source.into(),
            secondary: false,
            note: None,
        }
    }

    pub fn secondary(source: impl Into<Cow<'static, str>>) -> Self {
        Provenance {
            secondary: true,
            ..Self::primary(source)
        }
    }

    pub fn with_note(self, note: Msg) -> Self {
        Provenance {
            note: Some(note),
            ..self
        }
    }
}

/// One table of a computation and where it came from; `None` when it is not available.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSource {
    pub table: Table,
    pub provenance: Option<Provenance>,
}

/// The tables a computation used, so that its output can say what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Sources {
    pub tables: Vec<TableSource>,
}

impl Sources {
    pub fn with(mut self, table: Table, provenance: Option<Provenance>) -> Self {
        self.tables.push(TableSource { table, provenance });
        self
    }

    /// The ratio as chiiki can compute it from bundled data: the national inpatient rate by age
    /// of the 2023 patient survey (a secondary transcription) and 住民基本台帳 population; the
    /// outpatient rates, the demand factor and the flow coefficients are not public.
    pub fn inpatient_only_r5() -> Self {
        Sources::default()
            .with(
                Table::InpatientRates,
                Some(Provenance::secondary(
                    "厚生労働省「令和5年患者調査の概況」（二次資料からの転記）",
                )),
            )
            .with(
                Table::Population,
                Some(Provenance::primary(
                    "総務省「住民基本台帳に基づく人口、人口動態及び世帯数」",
                )),
            )
            .with(Table::OutpatientRates, None)
            .with(Table::DemandFactor, None)
            .with(Table::FlowCoefficients, None)
    }

    /// Whether a table is missing, so that the result is an approximation.
    pub fn is_approximation(&self) -> bool {
        self.tables.iter().any(|t| t.provenance.is_none())
    }

    /// What an output should say: one line per secondary source, one for the tables that are
    /// missing and what that makes of the result, then the notes.
    pub fn caveats(&self) -> Vec<Msg> {
        let mut out = Vec::new();
        for t in &self.tables {
            if let Some(p) = t.provenance.as_ref().filter(|p| p.secondary) {
                out.push(Msg::new(
                    format!("{}は二次資料です（{}）", t.table.label(Lang::Ja), p.source),
                    format!(
                        "{} is a secondary source ({})",
                        t.table.label(Lang::En),
                        p.source
                    ),
                ));
            }
        }
        let missing: Vec<Table> = self
            .tables
            .iter()
            .filter(|t| t.provenance.is_none())
            .map(|t| t.table)
            .collect();
        if !missing.is_empty() {
            let names = |lang: Lang, sep: &str| {
                missing
                    .iter()
                    .map(|t| t.label(lang))
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            let (ja, en) = if missing
                .iter()
                .any(|t| matches!(t, Table::OutpatientRates | Table::DemandFactor))
            {
                (
                    "入院受療率のみによる近似です",
                    "inpatient-only approximation",
                )
            } else if missing.contains(&Table::FlowCoefficients) {
                (
                    "患者の流出入を調整しない近似です（係数1）",
                    "approximation without inflow/outflow adjustment (coefficients 1)",
                )
            } else {
                ("近似です", "approximation")
            };
            out.push(Msg::new(
                format!("{}は公表されていないため、{ja}", names(Lang::Ja, "・")),
                format!("{} not public: {en}", names(Lang::En, ", ")),
            ));
        }
        for t in &self.tables {
            if let Some(note) = t.provenance.as_ref().and_then(|p| p.note.clone()) {
                out.push(note);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::{BAND_65, BAND_75};
    use proptest::prelude::*;

    /// The bundled national inpatient rates (2023, secondary source), with its summary rows.
    const R5_INPATIENT: [(&str, f64); 23] = [
        ("0", 1237.0),
        ("1-4", 153.0),
        ("5-9", 86.0),
        ("10-14", 87.0),
        ("15-19", 115.0),
        ("20-24", 137.0),
        ("25-29", 182.0),
        ("30-34", 239.0),
        ("35-39", 242.0),
        ("40-44", 258.0),
        ("45-49", 318.0),
        ("50-54", 441.0),
        ("55-59", 613.0),
        ("60-64", 838.0),
        ("65-69", 1117.0),
        ("70-74", 1502.0),
        ("75-79", 2033.0),
        ("80-84", 2952.0),
        ("85-89", 4413.0),
        ("90+", 6275.0),
        ("total", 945.0),
        ("total_male", 893.0),
        ("total_female", 995.0),
    ];

    fn pop(m: [f64; BANDS], f: [f64; BANDS]) -> Population {
        Population::new(m, f).unwrap()
    }

    #[test]
    fn band_of_age_and_labels() {
        assert_eq!(band_of_age(0), 0);
        assert_eq!(band_of_age(24), 4);
        assert_eq!(band_of_age(65), BAND_65);
        assert_eq!(band_of_age(75), BAND_75);
        assert_eq!(band_of_age(104), 20);
        assert_eq!(band_range("25-29"), Some((5, 5)));
        assert_eq!(band_range("20-29"), Some((4, 5)));
        assert_eq!(band_range("２０歳代"), Some((4, 5)));
        assert_eq!(band_range("70歳以上"), Some((14, 20)));
        assert_eq!(band_range("100+"), Some((20, 20)));
        assert_eq!(band_range("20～24歳"), Some((4, 4)));
        assert_eq!(band_range("21-29"), None);
        assert_eq!(band_range("0"), None);
        assert_eq!(band_range("abc"), None);
    }

    #[test]
    fn published_ages_map_to_bands() {
        let r = UtilisationRates::from_published_ages(&R5_INPATIENT).unwrap();
        assert!(!r.is_by_sex());
        assert_eq!(r.rate(Sex::Male, 0), (1237.0 + 4.0 * 153.0) / 5.0);
        assert_eq!(r.rate(Sex::Female, 1), 86.0);
        assert_eq!(r.rate(Sex::Female, 17), 4413.0);
        for b in 18..BANDS {
            assert_eq!(r.rate(Sex::Male, b), 6275.0);
        }
        // Japanese spellings.
        let ja: Vec<(String, f64)> = R5_INPATIENT[..20]
            .iter()
            .map(|(a, x)| {
                let a = match *a {
                    "90+" => "９０歳以上".to_string(),
                    "0" => "０歳".to_string(),
                    a => format!("{}歳", a.replace('-', "～")),
                };
                (a, *x)
            })
            .collect();
        assert_eq!(UtilisationRates::from_published_ages(&ja).unwrap(), r);
        // 0-4 instead of 0 and 1-4.
        let mut whole: Vec<(&str, f64)> = R5_INPATIENT[2..20].to_vec();
        whole.push(("0-4", 400.0));
        assert_eq!(
            UtilisationRates::from_published_ages(&whole)
                .unwrap()
                .rate(Sex::Male, 0),
            400.0
        );
        whole.push(("0", 1.0));
        assert!(matches!(
            UtilisationRates::from_published_ages(&whole),
            Err(TableError::Duplicate { .. })
        ));
    }

    #[test]
    fn published_ages_errors_name_the_label() {
        let mut rows = R5_INPATIENT.to_vec();
        rows.push(("85+", 1.0));
        let e = UtilisationRates::from_published_ages(&rows).unwrap_err();
        assert!(matches!(&e, TableError::UnknownLabel { label, .. } if label == "85+"));
        assert!(e.to_string().contains("'85+'"), "{e}");
        assert!(e.message().ja.contains("85+"));

        let rows: Vec<_> = R5_INPATIENT
            .iter()
            .filter(|(a, _)| *a != "85-89")
            .copied()
            .collect();
        let e = UtilisationRates::from_published_ages(&rows).unwrap_err();
        assert_eq!(
            e,
            TableError::MissingLabels {
                labels: vec!["85-89".into()]
            }
        );
        assert!(e.to_string().contains("85-89"));

        let mut rows = R5_INPATIENT.to_vec();
        rows.push(("5-9", 1.0));
        assert!(matches!(
            UtilisationRates::from_published_ages(&rows),
            Err(TableError::Duplicate { label }) if label == "5-9"
        ));

        let mut rows = R5_INPATIENT.to_vec();
        rows[3].1 = f64::NAN;
        let e = UtilisationRates::from_published_ages(&rows).unwrap_err();
        // The value is kept as text, so the error serialises without a NaN number.
        assert!(
            matches!(&e, TableError::BadValue { label, value, .. } if label == "10-14" && value == "NaN")
        );
    }

    #[test]
    fn work_hour_rows() {
        let rows = [
            ("M", "20代", 1.2),
            ("M", "30-39", 1.1),
            ("M", "40代", 1.0),
            ("M", "50代", 0.95),
            ("M", "60代", 0.85),
            ("M", "70歳以上", 0.6),
            ("T", "20-29", 1.0),
            ("T", "30-39", 1.0),
            ("T", "40+", 0.9),
        ];
        let w = WorkHourRatios::from_rows(&rows).unwrap();
        assert_eq!(w.get(Sex::Male, 4), Some(1.2));
        assert_eq!(w.get(Sex::Male, 20), Some(0.6));
        assert_eq!(w.get(Sex::Female, 5), Some(1.0));
        assert_eq!(w.get(Sex::Female, 20), Some(0.9));
        assert_eq!(w.get(Sex::Male, 3), None);
        assert_eq!(w.missing().len(), 8);

        let mut d =
            DoctorCounts::from_doctors([(Sex::Male, 27), (Sex::Male, 72), (Sex::Female, 45)]);
        assert_eq!(d.total(), 3.0);
        let s = standardised_doctors(&d, &w).unwrap();
        assert!((s - (1.2 + 0.6 + 0.9)).abs() < 1e-12);
        d.male[3] = 1.0; // a doctor aged 15–19, for whom the table has no ratio
        assert_eq!(standardised_doctors(&d, &w), Err(Gap::MissingRate));

        assert!(matches!(
            WorkHourRatios::from_rows(&[("M", "20代", 1.0), ("M", "25-29", 1.0)]),
            Err(TableError::Duplicate { .. })
        ));
        assert!(matches!(
            WorkHourRatios::from_rows(&[("X", "20代", 1.0)]),
            Err(TableError::UnknownSex { label }) if label == "X"
        ));
        assert!(matches!(
            WorkHourRatios::from_rows(&[("F", "22-29", 1.0)]),
            Err(TableError::UnknownLabel { label, .. }) if label == "22-29"
        ));
        assert!(matches!(
            WorkHourRatios::from_rows(&[("F", "20代", 0.0)]),
            Err(TableError::BadValue { .. })
        ));
        assert!(WorkHourRatios::uniform(f64::INFINITY).is_err());
        let h = WorkHourRatios::from_hours(&[("T", "20+", 55.0)], 50.0).unwrap();
        assert_eq!(h.get(Sex::Female, 10), Some(1.1));
        assert!(WorkHourRatios::from_hours(&[("T", "20+", 55.0)], 0.0).is_err());
    }

    #[test]
    fn flow_and_adjusted_rates() {
        assert_eq!(flow_coefficient(100.0, 30.0, 10.0), Ok(1.2));
        assert_eq!(flow_coefficient(0.0, 3.0, 0.0), Err(Gap::NoPatients));
        assert_eq!(flow_coefficient(10.0, 0.0, 11.0), Err(Gap::InvalidInput));
        assert_eq!(flow_coefficient(f64::NAN, 0.0, 0.0), Err(Gap::InvalidInput));

        let a = AdjustedRate {
            demand_factor: 0.5,
            outpatient: 1000.0,
            outpatient_coef: 0.9,
            inpatient: 800.0,
            inpatient_coef: 1.1,
        };
        assert!((a.value().unwrap() - (450.0 + 880.0)).abs() < 1e-9);
        assert_eq!(AdjustedRate::inpatient_only(800.0).value(), Ok(800.0));
        assert_eq!(
            AdjustedRate {
                inpatient_coef: -1.0,
                ..a
            }
            .value(),
            Err(Gap::InvalidInput)
        );

        let inp = UtilisationRates::from_published_ages(&R5_INPATIENT).unwrap();
        let out = UtilisationRates::by_sex([100.0; BANDS], [200.0; BANDS]).unwrap();
        let adj = adjusted_rates(&out, 0.5, 2.0, &inp, 1.0).unwrap();
        assert!(adj.is_by_sex());
        assert_eq!(adj.rate(Sex::Male, 1), 100.0 + 86.0);
        assert_eq!(adj.rate(Sex::Female, 1), 200.0 + 86.0);
        assert_eq!(
            adjusted_rates(&out, f64::NAN, 1.0, &inp, 1.0),
            Err(Gap::InvalidInput)
        );
    }

    #[test]
    fn expected_utilisation_and_the_index() {
        let r = UtilisationRates::from_published_ages(&R5_INPATIENT).unwrap();
        let mut young = [0.0; BANDS];
        young[5] = 1000.0;
        let mut old = [0.0; BANDS];
        old[BAND_75] = 1000.0;
        let a = pop(young, young);
        let b = pop(old, old);
        assert_eq!(expected_utilisation(&r, &a), Ok(182.0));
        assert_eq!(expected_utilisation(&r, &b), Ok(2033.0));
        let mut nation = a;
        nation.add(&b);
        let ratio = standardised_ratio(&r, &b, &nation).unwrap();
        assert!((ratio - 2033.0 / ((182.0 + 2033.0) / 2.0)).abs() < 1e-12);
        assert_eq!(
            expected_utilisation(&r, &Population::default()),
            Err(Gap::NoPopulation)
        );
        let mut bad = a;
        bad.male[0] = f64::NAN;
        assert_eq!(expected_utilisation(&r, &bad), Err(Gap::InvalidInput));
        assert_eq!(utilisation_ratio(1.0, 0.0), Err(Gap::NoUtilisation));
        assert_eq!(utilisation_ratio(-1.0, 1.0), Err(Gap::InvalidInput));

        // The published 2024 components of an area give back its index.
        let mut m = [0.0; BANDS];
        m[8] = 462_300.0;
        let p = pop(m, [0.0; BANDS]);
        let x = recomputed_index(1355.0, &p, 1.198).unwrap();
        assert_eq!(x, index(1355.0, 4.623, 1.198).unwrap());
        assert_eq!(
            recomputed_index(1.0, &Population::default(), 1.0),
            Err(Gap::NoPopulation)
        );
    }

    #[test]
    fn caveats_say_what_the_ratio_rests_on() {
        let s = Sources::inpatient_only_r5();
        assert!(s.is_approximation());
        let c = s.caveats();
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].en,
            "national inpatient rate by age is a secondary source (厚生労働省「令和5年患者調査の概況」（二次資料からの転記）)"
        );
        assert_eq!(
            c[1].en,
            "bedless-clinic outpatient rates, bedless-clinic doctor demand factor, flow coefficients not public: inpatient-only approximation"
        );
        assert!(c[1].ja.ends_with("入院受療率のみによる近似です"));
        let only_flow = Sources::default()
            .with(
                Table::InpatientRates,
                Some(Provenance::primary("x").with_note(Msg::new("注", "note"))),
            )
            .with(Table::FlowCoefficients, None);
        let c = only_flow.caveats();
        assert!(c[0].en.contains("without inflow/outflow"), "{c:?}");
        assert_eq!(c[1].en, "note");
        assert!(Sources::default().caveats().is_empty());
    }

    fn arb_bands(max: f64) -> impl Strategy<Value = [f64; BANDS]> {
        proptest::array::uniform21(0.0..max)
    }

    fn arb_pop() -> impl Strategy<Value = Population> {
        (arb_bands(1e6), arb_bands(1e6))
            .prop_filter("not empty", |(m, f)| m.iter().chain(f).sum::<f64>() > 1.0)
            .prop_map(|(m, f)| pop(m, f))
    }

    fn arb_rates() -> impl Strategy<Value = UtilisationRates> {
        prop_oneof![
            arb_bands(10_000.0).prop_map(|r| UtilisationRates::both_sexes(r).unwrap()),
            (arb_bands(10_000.0), arb_bands(10_000.0))
                .prop_map(|(m, f)| UtilisationRates::by_sex(m, f).unwrap()),
        ]
    }

    fn arb_ratios() -> impl Strategy<Value = WorkHourRatios> {
        (
            proptest::array::uniform21(0.1f64..2.0),
            proptest::array::uniform21(0.1f64..2.0),
        )
            .prop_map(|(m, f)| WorkHourRatios::new(m, f).unwrap())
    }

    fn arb_doctors() -> impl Strategy<Value = DoctorCounts> {
        (arb_bands(5_000.0), arb_bands(5_000.0)).prop_map(|(m, f)| DoctorCounts::new(m, f).unwrap())
    }

    proptest! {
        /// The ratio of a population to itself is exactly 1, whatever the rates.
        #[test]
        fn ratio_of_the_nation_to_itself_is_1(r in arb_rates(), p in arb_pop()) {
            let nat = expected_utilisation(&r, &p).unwrap();
            prop_assume!(nat > 0.0);
            prop_assert_eq!(standardised_ratio(&r, &p, &p), Ok(1.0));
        }

        /// Scaling an area's population (all bands by k) leaves its ratio unchanged.
        #[test]
        fn ratio_is_invariant_to_scaling(r in arb_rates(), a in arb_pop(), n in arb_pop(), k in 0.001f64..1000.0) {
            prop_assume!(expected_utilisation(&r, &n).unwrap() > 0.0);
            let scaled = pop(a.male.map(|x| x * k), a.female.map(|x| x * k));
            let x = standardised_ratio(&r, &a, &n).unwrap();
            let y = standardised_ratio(&r, &scaled, &n).unwrap();
            prop_assert!((x - y).abs() <= 1e-9 * x.max(1.0), "{} vs {}", x, y);
        }

        /// The expected utilisation is a weighted mean of the rates: between the lowest and the
        /// highest rate of a band with people, finite.
        #[test]
        fn expected_utilisation_is_a_mean_of_the_rates(r in arb_rates(), p in arb_pop()) {
            let e = expected_utilisation(&r, &p).unwrap();
            let present: Vec<f64> = (0..BANDS).flat_map(|b| {
                let m = (p.male[b] > 0.0).then(|| r.rate(Sex::Male, b));
                let f = (p.female[b] > 0.0).then(|| r.rate(Sex::Female, b));
                [m, f]
            }).flatten().collect();
            let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = present.iter().copied().fold(0.0, f64::max);
            prop_assert!(e.is_finite());
            prop_assert!(e >= lo * (1.0 - 1e-12) && e <= hi * (1.0 + 1e-12), "{} not in [{}, {}]", e, lo, hi);
        }

        /// With every work-hour ratio 1, standardised doctors are the head count.
        #[test]
        fn ratio_1_gives_the_head_count(d in arb_doctors()) {
            let s = standardised_doctors(&d, &WorkHourRatios::uniform(1.0).unwrap()).unwrap();
            prop_assert!((s - d.total()).abs() <= 1e-9 * d.total().max(1.0));
        }

        /// Adding doctors to any cell never lowers the standardised count, and raises it by the
        /// added doctors × that cell's ratio.
        #[test]
        fn standardised_doctors_are_monotonic(d in arb_doctors(), w in arb_ratios(), female in any::<bool>(), b in 0..BANDS, extra in 0.0f64..100.0) {
            let before = standardised_doctors(&d, &w).unwrap();
            let mut more = d;
            let sex = if female { more.female[b] += extra; Sex::Female } else { more.male[b] += extra; Sex::Male };
            let after = standardised_doctors(&more, &w).unwrap();
            prop_assert!(after >= before);
            let expected = extra * w.get(sex, b).unwrap();
            prop_assert!((after - before - expected).abs() <= 1e-9 * after.max(1.0));
        }

        /// Rates given for every published age group map to bands: a constant rate stays
        /// constant, and dropping any one label is an error naming it.
        #[test]
        fn published_ages_are_all_needed(c in 0.0f64..10_000.0, drop in 0..PUBLISHED_AGES.len()) {
            let rows: Vec<(&str, f64)> = PUBLISHED_AGES.iter().map(|a| (*a, c)).collect();
            let r = UtilisationRates::from_published_ages(&rows).unwrap();
            for b in 0..BANDS {
                prop_assert!((r.rate(Sex::Female, b) - c).abs() <= 1e-9 * c.max(1.0));
            }
            let mut fewer = rows.clone();
            let gone = fewer.remove(drop).0;
            let e = UtilisationRates::from_published_ages(&fewer).unwrap_err();
            prop_assert_eq!(e, TableError::MissingLabels { labels: vec![gone.to_string()] });
        }

        /// A coefficient is never negative or NaN; equal inflow and outflow give 1.
        #[test]
        fn flow_coefficients_are_sound(r in 0.0f64..1e6, i in 0.0f64..1e6, o in 0.0f64..1e6) {
            match flow_coefficient(r, i, o) {
                Ok(c) => prop_assert!(c.is_finite() && c >= 0.0),
                Err(g) => prop_assert!((r == 0.0 && g == Gap::NoPatients) || (o > r && g == Gap::InvalidInput)),
            }
            if r > 0.0 && o <= r {
                let c = flow_coefficient(r, o, o).unwrap();
                prop_assert!((c - 1.0).abs() < 1e-12);
            }
        }

        /// The recomputed index is the index of the population's total.
        #[test]
        fn recomputed_index_matches_index(s in 0.0f64..1e5, p in arb_pop(), ratio in 0.1f64..3.0) {
            prop_assert_eq!(recomputed_index(s, &p, ratio), index(s, p.total() / 100_000.0, ratio));
        }
    }
}
