//! Population by sex × five-year age band, the shape of 住民基本台帳 and IPSS tables: the one
//! input type of the formula, the demand indices, the cohort projection and the bed model.

use serde::Serialize;

/// The number of five-year age bands: 0–4, 5–9, …, 95–99, 100+.
pub const BANDS: usize = 21;

/// The labels of the bands, as the tables print them.
pub const BAND_LABELS: [&str; BANDS] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
    "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95-99", "100+",
];

/// The first band of age 65 and over, and of 75 and over.
pub const BAND_65: usize = 13;
pub const BAND_75: usize = 15;

/// Persons by sex and five-year age band. Values are counts (may be fractional after
/// projection); never negative, never NaN: [`Population::new`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Population {
    pub male: [f64; BANDS],
    pub female: [f64; BANDS],
}

/// A band count that is negative, infinite or NaN.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("band {band} ({sex}) is {value}: counts must be finite and not negative")]
pub struct BadCount {
    pub sex: char,
    pub band: usize,
    pub value: f64,
}

impl Population {
    pub fn new(male: [f64; BANDS], female: [f64; BANDS]) -> Result<Self, BadCount> {
        for (sex, bands) in [('M', &male), ('F', &female)] {
            if let Some((band, &value)) = bands
                .iter()
                .enumerate()
                .find(|(_, v)| !v.is_finite() || **v < 0.0)
            {
                return Err(BadCount { sex, band, value });
            }
        }
        Ok(Population { male, female })
    }

    /// Both sexes of one band.
    pub fn band(&self, b: usize) -> f64 {
        self.male[b] + self.female[b]
    }

    pub fn total(&self) -> f64 {
        (0..BANDS).map(|b| self.band(b)).sum()
    }

    /// Persons in bands `from..to` (both sexes).
    pub fn in_bands(&self, from: usize, to: usize) -> f64 {
        (from..to.min(BANDS)).map(|b| self.band(b)).sum()
    }

    pub fn aged_65_plus(&self) -> f64 {
        self.in_bands(BAND_65, BANDS)
    }

    pub fn aged_75_plus(&self) -> f64 {
        self.in_bands(BAND_75, BANDS)
    }

    /// The sum of two populations (municipalities into an area).
    pub fn add(&mut self, other: &Population) {
        for b in 0..BANDS {
            self.male[b] += other.male[b];
            self.female[b] += other.female[b];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_validation() {
        let mut m = [0.0; BANDS];
        let mut f = [0.0; BANDS];
        m[0] = 10.0;
        f[BAND_65] = 5.0;
        f[BAND_75] = 3.0;
        f[20] = 1.0;
        let p = Population::new(m, f).unwrap();
        assert_eq!(p.total(), 19.0);
        assert_eq!(p.aged_65_plus(), 9.0);
        assert_eq!(p.aged_75_plus(), 4.0);
        let mut q = p;
        q.add(&p);
        assert_eq!(q.total(), 38.0);
        m[3] = -1.0;
        assert_eq!(Population::new(m, f).unwrap_err().band, 3);
        m[3] = f64::NAN;
        assert!(Population::new(m, f).is_err());
    }
}
