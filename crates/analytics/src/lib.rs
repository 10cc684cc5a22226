//! Shortage analytics, pure: the physician maldistribution index (医師偏在指標) and its classes
//! and ranks, prefecture classes, and deviation scores (偏差値). No I/O: inputs are values,
//! outputs are values; a figure that cannot be computed is a [`Gap`], never NaN.

pub mod beds;
pub mod cohort;
pub mod demand;
pub mod formula;
pub mod population;
pub mod supply;

pub use population::{BANDS, Population};

use serde::Serialize;

use chiiki_domain::{Lang, Msg};

/// The national index of the 2024 edition (令和6年1月公表).
pub const NATIONAL_INDEX_2024: f64 = 255.6;

/// Why a figure is missing: said in every output instead of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    #[error("population is missing or zero")]
    NoPopulation,
    #[error("the standardised utilisation ratio is missing or zero")]
    NoUtilisation,
    #[error("an input is negative or not a number")]
    InvalidInput,
    #[error("too few values for a deviation score")]
    TooFewValues,
    #[error("the patients (by residence, or rate × population) are missing or zero")]
    NoPatients,
    #[error("a rate or ratio is missing for an age group that has persons or doctors")]
    MissingRate,
    #[error("the year is outside the range of the projection")]
    YearOutOfRange,
}

impl Gap {
    pub fn message(self) -> Msg {
        match self {
            Gap::NoPopulation => Msg::new("人口がないか0です", "population is missing or zero"),
            Gap::NoUtilisation => Msg::new(
                "標準化受療率比がないか0です",
                "the standardised utilisation ratio is missing or zero",
            ),
            Gap::InvalidInput => Msg::new(
                "入力が負か数ではありません",
                "an input is negative or not a number",
            ),
            Gap::TooFewValues => Msg::new(
                "偏差値を出すには値が足りません",
                "too few values for a deviation score",
            ),
            Gap::NoPatients => Msg::new(
                "患者数（住所地ベース、または受療率×人口）がないか0です",
                "the patients (by residence, or rate × population) are missing or zero",
            ),
            Gap::MissingRate => Msg::new(
                "人や医師がいる年齢階級の率（比）がありません",
                "a rate or ratio is missing for an age group that has persons or doctors",
            ),
            Gap::YearOutOfRange => Msg::new(
                "年が推計の範囲外です",
                "the year is outside the range of the projection",
            ),
        }
    }
}

/// The index: standardised doctors ÷ (population / 100,000 × standardised utilisation ratio).
pub fn index(
    standardized_doctors: f64,
    population_100k: f64,
    utilization_ratio: f64,
) -> Result<f64, Gap> {
    if !standardized_doctors.is_finite() || standardized_doctors < 0.0 {
        return Err(Gap::InvalidInput);
    }
    if !population_100k.is_finite() || population_100k <= 0.0 {
        return Err(Gap::NoPopulation);
    }
    if !utilization_ratio.is_finite() || utilization_ratio <= 0.0 {
        return Err(Gap::NoUtilisation);
    }
    Ok(standardized_doctors / (population_100k * utilization_ratio))
}

/// The class of an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 医師少数区域: the bottom third.
    Shortage,
    Intermediate,
    /// 医師多数区域: the top third.
    Surplus,
}

impl Class {
    pub fn code(self) -> &'static str {
        match self {
            Class::Shortage => "shortage",
            Class::Intermediate => "intermediate",
            Class::Surplus => "surplus",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Class::Shortage, Lang::Ja) => "医師少数",
            (Class::Intermediate, Lang::Ja) => "中間",
            (Class::Surplus, Lang::Ja) => "医師多数",
            (Class::Shortage, Lang::En) => "Shortage",
            (Class::Intermediate, Lang::En) => "Intermediate",
            (Class::Surplus, Lang::En) => "Surplus",
        }
    }
    /// The published wording: 医師少数 / 中間 / 医師多数 (with or without 区域・都道府県).
    pub fn parse_published(s: &str) -> Option<Class> {
        let s = s.trim();
        if s.starts_with("医師少数") {
            Some(Class::Shortage)
        } else if s.starts_with("医師多数") {
            Some(Class::Surplus)
        } else if s.starts_with("中間") {
            Some(Class::Intermediate)
        } else {
            None
        }
    }
}

/// The cut-offs between classes: an index at or below `shortage_max` is a shortage area, at
/// or above `surplus_min` a surplus area.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CutOffs {
    pub shortage_max: f64,
    pub surplus_min: f64,
}

impl CutOffs {
    /// The 2024 edition's cut-offs, fixed on the areas of March 2022.
    pub const R6: CutOffs = CutOffs {
        shortage_max: 179.3,
        surplus_min: 217.6,
    };

    /// Cut-offs for a new round: the bottom and top thirds of the given indices (the value of
    /// the last area in the bottom third, of the first in the top third). `None` for fewer
    /// than three values.
    pub fn thirds(values: &[f64]) -> Option<CutOffs> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.len() < 3 {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let third = v.len().div_ceil(3);
        Some(CutOffs {
            shortage_max: v[third - 1],
            surplus_min: v[v.len() - third],
        })
    }

    pub fn classify(&self, index: f64) -> Class {
        if index <= self.shortage_max {
            Class::Shortage
        } else if index >= self.surplus_min {
            Class::Surplus
        } else {
            Class::Intermediate
        }
    }

    /// Whether a value rounded to 0.1 sits on a cut-off, so that its class depends on the
    /// unrounded value.
    pub fn on_the_line(&self, rounded: f64) -> bool {
        (rounded - self.shortage_max).abs() < 0.05 || (rounded - self.surplus_min).abs() < 0.05
    }
}

/// Ranks, 1 for the highest value; equal values share a rank (1, 2, 2, 4).
pub fn ranks_desc(values: &[f64]) -> Vec<u32> {
    values
        .iter()
        .map(|x| 1 + values.iter().filter(|y| y.total_cmp(x).is_gt()).count() as u32)
        .collect()
}

/// Prefecture classes by rank: the top third (rounded up: 16 of 47) are 医師多数都道府県, the bottom 16
/// 医師少数都道府県.
pub fn prefecture_class(rank: u32, count: u32) -> Class {
    let third = count.div_ceil(3);
    if rank <= third {
        Class::Surplus
    } else if rank > count - third {
        Class::Shortage
    } else {
        Class::Intermediate
    }
}

/// What a deviation score is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "basis", content = "value")]
pub enum Basis {
    /// The mean of the areas' values (then the scores average 50).
    MeanOfAreas,
    /// A reference such as the national rate; the spread is still that of the areas.
    Reference(f64),
}

/// 偏差値 = 50 + 10 × (x − centre) / sd, the sd being the population standard deviation of
/// the values present. Missing values stay missing; all equal values score 50.
pub fn deviation_scores(values: &[Option<f64>], basis: Basis) -> Result<Vec<Option<f64>>, Gap> {
    let present: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if present.len() < 2 {
        return Err(Gap::TooFewValues);
    }
    let n = present.len() as f64;
    let mean = present.iter().sum::<f64>() / n;
    let sd = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let centre = match basis {
        Basis::MeanOfAreas => mean,
        Basis::Reference(r) => r,
    };
    Ok(values
        .iter()
        .map(|v| {
            v.filter(|x| x.is_finite()).map(|x| {
                if sd > 0.0 {
                    50.0 + 10.0 * (x - centre) / sd
                } else {
                    50.0
                }
            })
        })
        .collect())
}

/// Rounds to one decimal place, as the ministry publishes the index.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Rounds to three decimal places, as ratios (utilisation, flows) are shown.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn index_and_gaps() {
        let x = index(1355.0, 4.623, 1.198).unwrap();
        assert!((round1(x) - 244.7).abs() < 0.11, "{x}");
        assert_eq!(index(10.0, 0.0, 1.0), Err(Gap::NoPopulation));
        assert_eq!(index(10.0, 1.0, 0.0), Err(Gap::NoUtilisation));
        assert_eq!(index(f64::NAN, 1.0, 1.0), Err(Gap::InvalidInput));
        assert_eq!(index(-1.0, 1.0, 1.0), Err(Gap::InvalidInput));
    }

    #[test]
    fn classes_with_the_2024_cut_offs() {
        let c = CutOffs::R6;
        assert_eq!(c.classify(179.3), Class::Shortage);
        assert_eq!(c.classify(179.4), Class::Intermediate);
        assert_eq!(c.classify(217.6), Class::Surplus);
        assert!(c.on_the_line(179.3) && !c.on_the_line(179.5));
        assert_eq!(
            Class::parse_published("医師少数区域"),
            Some(Class::Shortage)
        );
        assert_eq!(Class::parse_published("中間"), Some(Class::Intermediate));
    }

    #[test]
    fn thirds_and_ranks() {
        let v: Vec<f64> = (1..=9).map(f64::from).collect();
        let c = CutOffs::thirds(&v).unwrap();
        assert_eq!((c.shortage_max, c.surplus_min), (3.0, 7.0));
        assert_eq!(
            v.iter()
                .filter(|x| c.classify(**x) == Class::Shortage)
                .count(),
            3
        );
        assert_eq!(ranks_desc(&[3.0, 5.0, 5.0, 1.0]), vec![3, 1, 1, 4]);
        assert_eq!(prefecture_class(16, 47), Class::Surplus);
        assert_eq!(prefecture_class(17, 47), Class::Intermediate);
        assert_eq!(prefecture_class(32, 47), Class::Shortage);
        assert_eq!(prefecture_class(31, 47), Class::Intermediate);
        assert!(CutOffs::thirds(&[1.0, 2.0]).is_none());
    }

    #[test]
    fn deviation_scores_missing_values_and_basis() {
        let s = deviation_scores(&[Some(1.0), None, Some(3.0)], Basis::MeanOfAreas).unwrap();
        assert_eq!(s, vec![Some(40.0), None, Some(60.0)]);
        let r = deviation_scores(&[Some(1.0), Some(3.0)], Basis::Reference(1.0)).unwrap();
        assert_eq!(r, vec![Some(50.0), Some(70.0)]);
        assert_eq!(
            deviation_scores(&[Some(1.0)], Basis::MeanOfAreas),
            Err(Gap::TooFewValues)
        );
        let flat = deviation_scores(&[Some(2.0), Some(2.0)], Basis::MeanOfAreas).unwrap();
        assert_eq!(flat, vec![Some(50.0), Some(50.0)]);
    }

    proptest! {
        /// Over their basis, scores have mean 50 and standard deviation 10.
        #[test]
        fn scores_have_mean_50_and_sd_10(v in proptest::collection::vec(0.0f64..1000.0, 2..60)) {
            let values: Vec<Option<f64>> = v.iter().copied().map(Some).collect();
            let s: Vec<f64> = deviation_scores(&values, Basis::MeanOfAreas).unwrap().into_iter().flatten().collect();
            let n = s.len() as f64;
            let mean = s.iter().sum::<f64>() / n;
            prop_assert!((mean - 50.0).abs() < 1e-6);
            let sd = (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            let all_equal = v.iter().all(|x| (x - v[0]).abs() < 1e-12);
            prop_assert!(all_equal || (sd - 10.0).abs() < 1e-6, "sd {}", sd);
        }

        /// Every finite value is classed, the thirds hold a third of the values each.
        #[test]
        fn thirds_split_the_values(v in proptest::collection::vec(0.0f64..500.0, 3..200)) {
            let c = CutOffs::thirds(&v).unwrap();
            let shortage = v.iter().filter(|x| c.classify(**x) == Class::Shortage).count();
            prop_assert!(shortage >= v.len() / 3);
            prop_assert!(c.shortage_max <= c.surplus_min);
        }
    }
}
