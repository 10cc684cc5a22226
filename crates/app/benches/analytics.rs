//! Analytics for the whole country: the index, classes, ranks and deviation scores of the 330
//! secondary areas and the 47 prefectures from the bundled figures (11,760 hospitals), and
//! the outlook to 2050 (1,741 municipalities and 171 wards summed into areas, 330 cohort
//! projections, demand indices, ratios, supply and gap, beds).
//! `cargo bench -p chiiki-app --bench analytics`.

fn main() {
    divan::main();
}

/// Warm: the bundled tables already decoded; everything else computed.
#[divan::bench]
fn all_areas_with_outlook(b: divan::Bencher) {
    let reference = chiiki_app::refdata::load(None).unwrap();
    chiiki_app::outlook::national().unwrap();
    b.bench(|| {
        let rows = chiiki_app::analysis::compute(divan::black_box(&reference)).unwrap();
        assert_eq!(rows.len(), 330);
        rows.len()
    });
}

/// Warm, the outlook alone.
#[divan::bench]
fn outlook_only(b: divan::Bencher) {
    let reference = chiiki_app::refdata::load(None).unwrap();
    chiiki_app::outlook::national().unwrap();
    b.bench(|| {
        chiiki_app::outlook::outlook(divan::black_box(&reference))
            .unwrap()
            .len()
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
    chiiki_app::analysis::compute(&reference).unwrap().len()
}
