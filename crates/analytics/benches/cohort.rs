//! The cohort-component projection for every municipality: 1,741 synthetic but realistic
//! populations (Iwate's age structure of 1 January 2025, varied band by band, scaled to
//! between 150 and 3.7 million persons, with 2024-like births, deaths and net migration),
//! projected 2025 → 2050 uncalibrated and calibrated to five constraints.
//! `cargo bench -p chiiki-analytics --bench cohort`.

use chiiki_analytics::cohort::{CohortInputs, Constraint, project};
use chiiki_analytics::{BANDS, Population};

fn main() {
    divan::main();
}

const MUNICIPALITIES: usize = 1741;

const IWATE_MALE: [f64; BANDS] = [
    14941.0, 20429.0, 23928.0, 25497.0, 24371.0, 23895.0, 25827.0, 29465.0, 34579.0, 40192.0,
    42279.0, 38392.0, 40045.0, 41985.0, 45064.0, 36882.0, 24820.0, 15910.0, 7244.0, 1585.0, 144.0,
];
const IWATE_FEMALE: [f64; BANDS] = [
    14286.0, 19529.0, 22837.0, 24026.0, 22034.0, 20794.0, 23771.0, 27515.0, 32985.0, 37874.0,
    39926.0, 38320.0, 40042.0, 43278.0, 49077.0, 43972.0, 38035.0, 30860.0, 19358.0, 6675.0,
    1000.0,
];

/// A fixed-seed generator (splitmix64), so every run projects the same areas.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn municipalities(calibrated: bool) -> Vec<CohortInputs> {
    let mut rng = Rng(2025);
    let iwate_total: f64 = IWATE_MALE.iter().chain(&IWATE_FEMALE).sum();
    (0..MUNICIPALITIES)
        .map(|_| {
            // Log-uniform size between 150 and 3.7 million; older small places.
            let size = (150f64.ln() + rng.next() * (3.7e6f64 / 150.0).ln()).exp();
            let ageing = 0.8 + 0.6 * rng.next();
            let mut m = [0.0; BANDS];
            let mut f = [0.0; BANDS];
            for b in 0..BANDS {
                let tilt = if b >= 13 { ageing } else { 2.0 - ageing };
                m[b] = IWATE_MALE[b] * tilt * (0.8 + 0.4 * rng.next());
                f[b] = IWATE_FEMALE[b] * tilt * (0.8 + 0.4 * rng.next());
            }
            let scale = size / m.iter().chain(&f).sum::<f64>();
            m.iter_mut()
                .chain(f.iter_mut())
                .for_each(|x| *x = (*x * scale).round());
            let base = Population::new(m, f).unwrap();
            let total = base.total();
            let share = total / iwate_total;
            let mut inputs = CohortInputs::new(
                2025,
                base,
                4929.0 * share * (0.6 + 0.8 * rng.next()),
                19678.0 * share * (0.8 + 0.4 * rng.next()),
                total * (rng.next() - 0.6) * 0.02,
            );
            if calibrated {
                inputs.constraints = (1..=5)
                    .map(|k| {
                        let t = total * (1.0 - 0.05 * k as f64);
                        Constraint::from_shares(
                            2025 + 5 * k,
                            t,
                            35.0 + 2.0 * k as f64,
                            20.0 + 2.0 * k as f64,
                        )
                    })
                    .collect();
            }
            inputs
        })
        .collect()
}

#[divan::bench]
fn all_municipalities_uncalibrated(b: divan::Bencher) {
    let areas = municipalities(false);
    b.bench(|| {
        let mut sum = 0.0;
        for a in divan::black_box(&areas) {
            sum += project(a, 2050).unwrap()[5].population.total();
        }
        sum
    });
}

#[divan::bench]
fn all_municipalities_calibrated(b: divan::Bencher) {
    let areas = municipalities(true);
    b.bench(|| {
        let mut sum = 0.0;
        for a in divan::black_box(&areas) {
            sum += project(a, 2050).unwrap()[5].population.total();
        }
        sum
    });
}
