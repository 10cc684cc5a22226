//! Medical and care demand indices (医療需要・介護需要指数) as JMAP (地域医療情報システム, 日本医師会)
//! computes them from the population's age structure.
//!
//! Each age group carries a weight, roughly its use of care relative to persons aged 40–64:
//!
//! | group | 0–14 | 15–39 | 40–64 | 65–74 | 75+ |
//! |---|---|---|---|---|---|
//! | medical ([`MEDICAL_WEIGHTS`]) | 0.6 | 0.4 | 1.0 | 2.3 | 3.9 |
//! | care ([`CARE_WEIGHTS`]) | – | – | 1.0 | 9.7 | 87.3 |
//!
//! weight(year) = Σ persons of a group × its weight, and
//! `index(year) = 100 × weight(year) ÷ weight(base year)`: 120 means the area will need 20% more
//! care than in the base year, from its population alone.
//!
//! # Projections that give only totals
//!
//! IPSS (国立社会保障・人口問題研究所「日本の地域別将来推計人口」) projects municipalities' totals
//! and the shares aged 65+ and 75+, not the five groups. [`AgeGroups::from_totals`] makes the
//! groups from them: 65–74 = total × (share65 − share75), 75+ = total × share75, and the persons
//! under 65 are split into 0–14, 15–39 and 40–64 in the proportions of a reference structure
//! (typically the area's own population by age at the base date, from 住民基本台帳).
//!
//! # Limitations
//!
//! - The weights are national averages: they say nothing about an area's health or its
//!   patients' movements, and they do not change over time.
//! - Holding the under-65 proportions fixed misses ageing within the under-65s (15–39 shrinking
//!   into 40–64): the medical index of a projected year is slightly low; the care index, where
//!   the under-65s weigh 1 against 87.3, hardly moves.
//! - Base and year should come from the same source (both IPSS, say): 住民基本台帳 and the
//!   census that IPSS starts from count residents differently, and the difference would show as
//!   a change in demand.

use serde::Serialize;

use chiiki_domain::Lang;

use crate::Gap;
use crate::formula::{check_population, finite};
use crate::population::{BAND_65, BAND_75, BANDS, Population};

/// The medical demand weights of 0–14, 15–39, 40–64, 65–74 and 75+ (JMAP).
pub const MEDICAL_WEIGHTS: [f64; 5] = [0.6, 0.4, 1.0, 2.3, 3.9];
/// The care demand weights of the same groups (JMAP); under 40 counts for nothing.
pub const CARE_WEIGHTS: [f64; 5] = [0.0, 0.0, 1.0, 9.7, 87.3];

/// Persons in the five age groups of the demand indices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct AgeGroups {
    pub a0_14: f64,
    pub a15_39: f64,
    pub a40_64: f64,
    pub a65_74: f64,
    pub a75_plus: f64,
}

impl AgeGroups {
    /// Checked: each count finite and not negative, else [`Gap::InvalidInput`].
    pub fn new(
        a0_14: f64,
        a15_39: f64,
        a40_64: f64,
        a65_74: f64,
        a75_plus: f64,
    ) -> Result<Self, Gap> {
        Self::from_array([a0_14, a15_39, a40_64, a65_74, a75_plus])
    }

    fn from_array(g: [f64; 5]) -> Result<Self, Gap> {
        if g.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(Gap::InvalidInput);
        }
        let [a0_14, a15_39, a40_64, a65_74, a75_plus] = g;
        Ok(AgeGroups {
            a0_14,
            a15_39,
            a40_64,
            a65_74,
            a75_plus,
        })
    }

    /// The groups in order 0–14, 15–39, 40–64, 65–74, 75+.
    pub fn to_array(&self) -> [f64; 5] {
        [
            self.a0_14,
            self.a15_39,
            self.a40_64,
            self.a65_74,
            self.a75_plus,
        ]
    }

    /// Bands 0–2 (0–14), 3–7 (15–39), 8–12 (40–64), 13–14 (65–74), 15–20 (75+), both sexes.
    pub fn from_population(p: &Population) -> Result<Self, Gap> {
        check_population(p)?;
        Self::from_array([
            p.in_bands(0, 3),
            p.in_bands(3, 8),
            p.in_bands(8, BAND_65),
            p.in_bands(BAND_65, BAND_75),
            p.in_bands(BAND_75, BANDS),
        ])
    }

    /// From a total and the shares aged 65+ and 75+ (fractions, 0 to 1: IPSS prints percent,
    /// divide by 100), the under-65s split in the proportions of `under65_split`'s 0–14, 15–39
    /// and 40–64 (its older groups are not used). [`Gap::InvalidInput`] for a negative or
    /// non-finite number, a share outside 0..=1 or share75 above share65;
    /// [`Gap::NoPopulation`] when there are persons under 65 to split but the reference has
    /// none.
    pub fn from_totals(
        total: f64,
        share65: f64,
        share75: f64,
        under65_split: &AgeGroups,
    ) -> Result<Self, Gap> {
        let reference = Self::from_array(under65_split.to_array())?;
        if !total.is_finite()
            || total < 0.0
            || !(0.0..=1.0).contains(&share65)
            || !(0.0..=1.0).contains(&share75)
            || share75 > share65
        {
            return Err(Gap::InvalidInput);
        }
        let under65 = total * (1.0 - share65);
        let ref_under65 = reference.a0_14 + reference.a15_39 + reference.a40_64;
        let split = |x: f64| {
            if under65 == 0.0 {
                Ok(0.0)
            } else if ref_under65 > 0.0 {
                finite(under65 * (x / ref_under65))
            } else {
                Err(Gap::NoPopulation)
            }
        };
        Self::from_array([
            split(reference.a0_14)?,
            split(reference.a15_39)?,
            split(reference.a40_64)?,
            total * (share65 - share75),
            total * share75,
        ])
    }

    pub fn total(&self) -> f64 {
        self.to_array().iter().sum()
    }
}

/// Which demand an index measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandKind {
    Medical,
    Care,
}

impl DemandKind {
    pub const ALL: [DemandKind; 2] = [DemandKind::Medical, DemandKind::Care];

    pub fn code(self) -> &'static str {
        match self {
            DemandKind::Medical => "medical",
            DemandKind::Care => "care",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DemandKind::Medical, Lang::Ja) => "医療需要",
            (DemandKind::Medical, Lang::En) => "Medical demand",
            (DemandKind::Care, Lang::Ja) => "介護需要",
            (DemandKind::Care, Lang::En) => "Care demand",
        }
    }

    pub fn weights(self) -> [f64; 5] {
        match self {
            DemandKind::Medical => MEDICAL_WEIGHTS,
            DemandKind::Care => CARE_WEIGHTS,
        }
    }

    /// Σ persons × weight.
    pub fn weight(self, g: &AgeGroups) -> f64 {
        g.to_array()
            .iter()
            .zip(self.weights())
            .map(|(n, w)| n * w)
            .sum()
    }
}

/// 100 × weight(year) ÷ weight(base). [`Gap::InvalidInput`] for a negative or non-finite
/// count; [`Gap::NoPopulation`] when the base has no weight (no persons, or for care none aged
/// 40 and over).
pub fn demand_index(base: &AgeGroups, year: &AgeGroups, kind: DemandKind) -> Result<f64, Gap> {
    let base = AgeGroups::from_array(base.to_array())?;
    let year = AgeGroups::from_array(year.to_array())?;
    let b = kind.weight(&base);
    if !b.is_finite() {
        return Err(Gap::InvalidInput);
    }
    if b <= 0.0 {
        return Err(Gap::NoPopulation);
    }
    finite(100.0 * (kind.weight(&year) / b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn groups(g: [f64; 5]) -> AgeGroups {
        AgeGroups::from_array(g).unwrap()
    }

    #[test]
    fn groups_from_a_population() {
        let m: [f64; BANDS] = std::array::from_fn(|b| b as f64);
        let p = Population::new(m, m).unwrap();
        let g = AgeGroups::from_population(&p).unwrap();
        assert_eq!(
            g.to_array(),
            [
                2.0 * 3.0,
                2.0 * (3.0 + 4.0 + 5.0 + 6.0 + 7.0),
                2.0 * (8.0 + 9.0 + 10.0 + 11.0 + 12.0),
                2.0 * (13.0 + 14.0),
                2.0 * (15..=20).sum::<i32>() as f64
            ]
        );
        assert_eq!(g.total(), p.total());
        let mut bad = p;
        bad.female[4] = -1.0;
        assert_eq!(AgeGroups::from_population(&bad), Err(Gap::InvalidInput));
    }

    #[test]
    fn weights_and_indices() {
        let g = groups([10.0, 10.0, 10.0, 10.0, 10.0]);
        assert!((DemandKind::Medical.weight(&g) - 82.0).abs() < 1e-12);
        assert!((DemandKind::Care.weight(&g) - 980.0).abs() < 1e-12);
        let older = groups([10.0, 0.0, 10.0, 10.0, 20.0]);
        let m = demand_index(&g, &older, DemandKind::Medical).unwrap();
        assert!((m - 100.0 * (82.0 - 4.0 + 39.0) / 82.0).abs() < 1e-9);
        let children = groups([10.0, 10.0, 0.0, 0.0, 0.0]);
        assert_eq!(
            demand_index(&children, &g, DemandKind::Care),
            Err(Gap::NoPopulation)
        );
        assert!(demand_index(&children, &g, DemandKind::Medical).is_ok());
        let nan = AgeGroups {
            a0_14: f64::NAN,
            ..g
        };
        assert_eq!(
            demand_index(&g, &nan, DemandKind::Medical),
            Err(Gap::InvalidInput)
        );
        assert_eq!(DemandKind::Care.label(Lang::Ja), "介護需要");
    }

    #[test]
    fn groups_from_ipss_totals() {
        // 札幌市 2040: 1,868,252 persons, 36.239% aged 65+, 21.122% aged 75+.
        let reference = groups([200.0, 500.0, 300.0, 0.0, 0.0]);
        let g = AgeGroups::from_totals(1_868_252.0, 0.36239, 0.21122, &reference).unwrap();
        assert!((g.total() - 1_868_252.0).abs() < 1e-6);
        assert!((g.a75_plus - 1_868_252.0 * 0.21122).abs() < 1e-6);
        assert!((g.a65_74 - 1_868_252.0 * (0.36239 - 0.21122)).abs() < 1e-6);
        assert!((g.a15_39 / g.a0_14 - 2.5).abs() < 1e-12);
        assert_eq!(
            AgeGroups::from_totals(100.0, 36.2, 21.1, &reference),
            Err(Gap::InvalidInput),
            "percent instead of a fraction"
        );
        assert_eq!(
            AgeGroups::from_totals(100.0, 0.2, 0.3, &reference),
            Err(Gap::InvalidInput)
        );
        assert_eq!(
            AgeGroups::from_totals(100.0, 0.3, 0.2, &AgeGroups::default()),
            Err(Gap::NoPopulation)
        );
        let all_old = AgeGroups::from_totals(100.0, 1.0, 0.5, &AgeGroups::default()).unwrap();
        assert_eq!(all_old.to_array(), [0.0, 0.0, 0.0, 50.0, 50.0]);
    }

    fn arb_groups() -> impl Strategy<Value = AgeGroups> {
        proptest::array::uniform5(0.0f64..1e6)
            .prop_filter("some persons aged 40+", |g| g[2] + g[3] + g[4] > 1.0)
            .prop_map(groups)
    }

    fn arb_kind() -> impl Strategy<Value = DemandKind> {
        prop_oneof![Just(DemandKind::Medical), Just(DemandKind::Care)]
    }

    proptest! {
        /// A year against itself is 100.
        #[test]
        fn base_against_itself_is_100(g in arb_groups(), kind in arb_kind()) {
            prop_assert_eq!(demand_index(&g, &g, kind), Ok(100.0));
        }

        /// Scaling every group of the year by k scales its index by k.
        #[test]
        fn index_scales_with_the_population(b in arb_groups(), y in arb_groups(), k in 0.0f64..100.0, kind in arb_kind()) {
            let scaled = groups(y.to_array().map(|x| x * k));
            let i = demand_index(&b, &y, kind).unwrap();
            let j = demand_index(&b, &scaled, kind).unwrap();
            prop_assert!((j - k * i).abs() <= 1e-9 * j.max(1.0), "{} vs {} × {}", j, k, i);
        }

        /// Moving persons from 15–39 to 75+ raises both indices.
        #[test]
        fn ageing_raises_demand(b in arb_groups(), y in arb_groups(), share in 0.01f64..=1.0, kind in arb_kind()) {
            prop_assume!(y.a15_39 > 1.0);
            let moved = y.a15_39 * share;
            let older = AgeGroups { a15_39: y.a15_39 - moved, a75_plus: y.a75_plus + moved, ..y };
            prop_assert!(demand_index(&b, &older, kind).unwrap() > demand_index(&b, &y, kind).unwrap());
        }

        /// Groups from totals add up to the total, have the given shares and split the under-65s
        /// as the reference does.
        #[test]
        fn groups_from_totals_keep_the_shares(total in 0.0f64..1e7, s65 in 0.0f64..=1.0, f in 0.0f64..=1.0, r in arb_groups()) {
            prop_assume!(r.a0_14 + r.a15_39 + r.a40_64 > 0.0);
            let s75 = s65 * f;
            let g = AgeGroups::from_totals(total, s65, s75, &r).unwrap();
            let tol = 1e-9 * total.max(1.0);
            prop_assert!((g.total() - total).abs() <= tol);
            prop_assert!((g.a65_74 + g.a75_plus - total * s65).abs() <= tol);
            prop_assert!((g.a75_plus - total * s75).abs() <= tol);
            let under = g.a0_14 + g.a15_39 + g.a40_64;
            let ref_under = r.a0_14 + r.a15_39 + r.a40_64;
            prop_assert!((g.a40_64 * ref_under - r.a40_64 * under).abs() <= 1e-6 * (under * ref_under).max(1.0));
        }
    }
}
