//! Hot paths of the formula, the demand indices and the bed model over a national set of areas
//! (1,911 municipalities, 330 secondary areas, 339 構想区域) with synthetic populations.
//! `cargo bench -p chiiki-analytics`.

use chiiki_analytics::beds::{compare, necessary_beds_from_rates, project_necessary};
use chiiki_analytics::demand::{AgeGroups, DemandKind, demand_index};
use chiiki_analytics::formula::{
    DoctorCounts, PUBLISHED_AGES, UtilisationRates, WorkHourRatios, expected_utilisation,
    standardised_doctors, standardised_ratio,
};
use chiiki_analytics::{BANDS, Population};
use divan::{Bencher, black_box, counter::ItemsCount};

fn main() {
    divan::main();
}

const MUNICIPALITIES: usize = 1911;
const AREAS: usize = 330;
const VISION_AREAS: usize = 339;

/// A deterministic stream of numbers in 0..1 (no dependency on a random crate).
fn stream(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn populations(n: usize) -> Vec<Population> {
    let mut r = stream(n as u64);
    (0..n)
        .map(|_| {
            let size = 1_000.0 + 100_000.0 * r();
            let m: [f64; BANDS] = std::array::from_fn(|_| size * r());
            let f: [f64; BANDS] = std::array::from_fn(|_| size * r());
            Population::new(m, f).unwrap()
        })
        .collect()
}

fn inpatient_rates() -> UtilisationRates {
    let rows: Vec<(&str, f64)> = PUBLISHED_AGES
        .iter()
        .enumerate()
        .map(|(k, a)| (*a, 100.0 + 300.0 * k as f64))
        .collect();
    UtilisationRates::from_published_ages(&rows).unwrap()
}

#[divan::bench]
fn from_published_ages(b: Bencher) {
    let rows: Vec<(String, f64)> = PUBLISHED_AGES
        .iter()
        .map(|a| (format!("{}歳", a.replace('-', "～")), 100.0))
        .collect();
    b.bench(|| UtilisationRates::from_published_ages(black_box(&rows)).unwrap());
}

#[divan::bench]
fn expected_utilisation_municipalities(b: Bencher) {
    let pops = populations(MUNICIPALITIES);
    let rates = inpatient_rates();
    b.counter(ItemsCount::new(pops.len())).bench(|| {
        pops.iter()
            .map(|p| expected_utilisation(black_box(&rates), p).unwrap())
            .sum::<f64>()
    });
}

#[divan::bench]
fn standardised_ratio_areas(b: Bencher) {
    let pops = populations(AREAS);
    let mut nation = Population::default();
    for p in &pops {
        nation.add(p);
    }
    let rates = inpatient_rates();
    b.counter(ItemsCount::new(pops.len())).bench(|| {
        pops.iter()
            .map(|p| standardised_ratio(black_box(&rates), p, &nation).unwrap())
            .sum::<f64>()
    });
}

#[divan::bench]
fn standardised_doctors_areas(b: Bencher) {
    let mut r = stream(7);
    let doctors: Vec<DoctorCounts> = (0..AREAS)
        .map(|_| {
            let m: [f64; BANDS] = std::array::from_fn(|b| if b >= 4 { 500.0 * r() } else { 0.0 });
            let f: [f64; BANDS] = std::array::from_fn(|b| if b >= 4 { 200.0 * r() } else { 0.0 });
            DoctorCounts::new(m, f).unwrap()
        })
        .collect();
    let ratios = WorkHourRatios::from_rows(&[
        ("M", "20代", 1.24),
        ("M", "30代", 1.17),
        ("M", "40代", 1.07),
        ("M", "50代", 0.99),
        ("M", "60代", 0.85),
        ("M", "70+", 0.63),
        ("F", "20代", 1.14),
        ("F", "30代", 0.95),
        ("F", "40代", 0.88),
        ("F", "50代", 0.88),
        ("F", "60代", 0.77),
        ("F", "70+", 0.53),
    ])
    .unwrap();
    b.counter(ItemsCount::new(doctors.len())).bench(|| {
        doctors
            .iter()
            .map(|d| standardised_doctors(black_box(d), &ratios).unwrap())
            .sum::<f64>()
    });
}

/// An IPSS projection of one year: total, share 65+, share 75+.
type Totals = (f64, f64, f64);

/// Both indices of 1,911 municipalities for the 6 projected years after 2020, from IPSS-style
/// totals and shares.
#[divan::bench]
fn demand_indices_municipalities(b: Bencher) {
    let pops = populations(MUNICIPALITIES);
    let mut r = stream(11);
    let inputs: Vec<(AgeGroups, Vec<Totals>)> = pops
        .iter()
        .map(|p| {
            let base = AgeGroups::from_population(p).unwrap();
            let years = (0..6)
                .map(|_| {
                    let s65 = 0.2 + 0.3 * r();
                    (p.total() * (0.7 + 0.3 * r()), s65, s65 * (0.4 + 0.3 * r()))
                })
                .collect();
            (base, years)
        })
        .collect();
    b.counter(ItemsCount::new(inputs.len() * 6 * 2)).bench(|| {
        let mut sum = 0.0;
        for (base, years) in black_box(&inputs) {
            for &(total, s65, s75) in years {
                let year = AgeGroups::from_totals(total, s65, s75, base).unwrap();
                for kind in DemandKind::ALL {
                    sum += demand_index(base, &year, kind).unwrap();
                }
            }
        }
        sum
    });
}

#[divan::bench]
fn necessary_beds_from_rates_vision_areas(b: Bencher) {
    let pops = populations(VISION_AREAS);
    let base = inpatient_rates();
    let rates: [UtilisationRates; 4] = std::array::from_fn(|k| {
        let r: [f64; BANDS] = std::array::from_fn(|b| {
            base.rate(chiiki_domain::Sex::Male, b) * (k as f64 + 1.0) / 10.0
        });
        UtilisationRates::both_sexes(r).unwrap()
    });
    b.counter(ItemsCount::new(pops.len())).bench(|| {
        pops.iter()
            .map(|p| necessary_beds_from_rates(black_box(&rates), p).unwrap()[3])
            .sum::<f64>()
    });
}

#[divan::bench]
fn project_and_compare_vision_areas(b: Bencher) {
    let base = populations(VISION_AREAS);
    let future: Vec<Population> = base
        .iter()
        .map(|p| Population::new(p.male.map(|x| x * 0.9), p.female.map(|x| x * 0.95)).unwrap())
        .collect();
    let weights = inpatient_rates();
    let published = [300.0, 900.0, 700.0, 600.0];
    let reported = [Some(350.0), Some(1200.0), Some(0.0), None];
    b.counter(ItemsCount::new(base.len())).bench(|| {
        base.iter()
            .zip(&future)
            .map(|(p, q)| {
                let n = project_necessary(black_box(published), p, q, &weights).unwrap();
                compare(reported, n.map(Some))[1].difference.unwrap_or(0.0)
            })
            .sum::<f64>()
    });
}
