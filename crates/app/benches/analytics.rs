//! Analytics for the whole country: the index, classes, ranks and deviation scores of the 330
//! secondary areas and the 47 prefectures, from the bundled figures (11,760 hospitals).
//! `cargo bench -p chiiki-app --bench analytics`.

fn main() {
    divan::main();
}

/// Warm: the reference data already loaded.
#[divan::bench]
fn all_areas(b: divan::Bencher) {
    let reference = chiiki_app::refdata::load(None).unwrap();
    b.bench(|| {
        let rows = chiiki_app::analysis::compute(divan::black_box(&reference));
        assert_eq!(rows.len(), 330);
        rows.len()
    });
}

#[divan::bench]
fn all_prefectures() -> usize {
    chiiki_app::analysis::prefectures().unwrap().0.len()
}

/// Cold: decompressing and validating the bundled reference data first.
#[divan::bench(sample_count = 10)]
fn load_reference_and_all_areas() -> usize {
    let reference = chiiki_app::refdata::load(None).unwrap();
    chiiki_app::analysis::compute(&reference).len()
}
