//! Reading and checking the shipped scheme files, and looking up doctors' versions.
//! `cargo bench -p chiiki-obligations`.

use chiiki_domain::{NaiveDate, SchemeId};
use chiiki_obligations::{Registry, SHIPPED, SchemeDefinition};

fn main() {
    divan::main();
}

#[divan::bench]
fn load_shipped_files(b: divan::Bencher) {
    b.counter(divan::counter::ItemsCount::new(SHIPPED.len()))
        .bench(|| {
            SHIPPED
                .iter()
                .filter(|(name, text)| {
                    SchemeDefinition::from_toml(divan::black_box(name), divan::black_box(text))
                        .is_ok()
                })
                .count()
        });
}

#[divan::bench]
fn version_lookups(b: divan::Bencher) {
    let registry = Registry::shipped().expect("shipped schemes are valid");
    let ids: Vec<SchemeId> = registry.scheme_ids().cloned().collect();
    let base = NaiveDate::from_ymd_opt(2000, 4, 1).expect("exists");
    b.counter(divan::counter::ItemsCount::new(10_000usize))
        .bench(|| {
            (0..10_000i64)
                .filter(|i| {
                    let id = &ids[*i as usize % ids.len()];
                    let day = base + chrono::Duration::days(i % 9_000);
                    registry.version_for(id, divan::black_box(day)).is_ok()
                })
                .count()
        });
}
