//! The mechanisms beyond plain deferred acceptance at national scale (10,000 synthetic
//! doctors, 1,000 facilities, 47 capped regions): flexible deferred acceptance with regional
//! caps and its JRMP baseline, the floors mechanism (every fourth region given a floor of half
//! its posts), couples (300), and the shortage-coverage optimisation; scaling of
//! flexible deferred acceptance from 1,000 to 100,000 doctors.
//! `cargo bench -p chiiki-placement --bench mechanisms`.

use chiiki_placement::caps::{FlexibleConfig, flexible_da, jrmp};
use chiiki_placement::couples::place_couples;
use chiiki_placement::floors::place_with_floors;
use chiiki_placement::generate::national;
use chiiki_placement::optimise::maximise_shortage_coverage;
use chiiki_placement::{Instance, Region};

fn main() {
    divan::main();
}

/// The national instance with a floor in every fourth region: half of what its facilities
/// could hold (within the cap).
fn with_floors(doctors: usize) -> Instance {
    let i = national(doctors, 2026);
    let mut capacity = vec![0u32; i.regions.len()];
    for f in &i.facilities {
        if let Some(r) = f.region {
            capacity[r] += f.capacity;
        }
    }
    let regions: Vec<Region> = i
        .regions
        .iter()
        .enumerate()
        .map(|(k, r)| Region {
            floor: if k % 4 == 0 {
                (capacity[k] / 2).min(r.cap.unwrap_or(u32::MAX))
            } else {
                0
            },
            ..r.clone()
        })
        .collect();
    Instance::new(i.doctors, i.facilities, regions, Vec::new()).expect("valid")
}

/// The national instance with 300 couples among its doctors.
fn with_couples(doctors: usize) -> Instance {
    let i = national(doctors, 2026);
    let couples = (0..300).map(|k| (2 * k, 2 * k + 1)).collect();
    Instance::new(i.doctors, i.facilities, i.regions, couples).expect("valid")
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn flexible_da_regional_caps(b: divan::Bencher, doctors: usize) {
    let instance = national(doctors, 2026);
    let config = FlexibleConfig::default();
    b.counter(divan::counter::ItemsCount::new(doctors))
        .bench(|| flexible_da(divan::black_box(&instance), &config).expect("valid"));
}

#[divan::bench(sample_count = 10)]
fn jrmp_cut_10000(b: divan::Bencher) {
    let instance = national(10_000, 2026);
    b.bench(|| jrmp(divan::black_box(&instance)).expect("valid"));
}

#[divan::bench(sample_count = 10)]
fn floors_10000(b: divan::Bencher) {
    let instance = with_floors(10_000);
    let config = FlexibleConfig::default();
    b.bench(|| place_with_floors(divan::black_box(&instance), &config).expect("valid"));
}

#[divan::bench(sample_count = 5)]
fn couples_300_of_10000(b: divan::Bencher) {
    let instance = with_couples(10_000);
    let config = FlexibleConfig::default();
    b.bench(|| place_couples(divan::black_box(&instance), &config).expect("valid"));
}

#[divan::bench(sample_count = 5)]
fn optimise_shortage_coverage_10000(b: divan::Bencher) {
    let instance = national(10_000, 2026);
    let shortage: Vec<bool> = (0..instance.regions.len()).map(|k| k % 4 == 0).collect();
    b.bench(|| maximise_shortage_coverage(divan::black_box(&instance), &shortage).expect("valid"));
}
