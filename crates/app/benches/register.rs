//! Hot paths of the register at national scale, in process: reading and writing files of
//! synthetic doctors, importing them into SQLite, listing them. `cargo bench -p chiiki-app`.
//! (Whole-command figures with peak memory, on SQLite and PostgreSQL: `scripts/bench`.)

use chiiki_app::register::{self, Source};
use chiiki_domain::{Entity, Record};
use chiiki_store::{DoctorFilter, Store};
use chiiki_tabular::Format;

fn main() {
    divan::main();
}

const N: usize = 20_000;

fn doctors() -> Vec<Record> {
    chiiki_app::demo::synthetic_doctors(N, 7)
        .into_iter()
        .map(Record::from)
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[divan::bench(args = [Format::Csv, Format::Xlsx], sample_count = 5)]
fn write_doctors(b: divan::Bencher, format: Format) {
    let records = doctors();
    b.counter(divan::counter::ItemsCount::new(N)).bench(|| {
        register::records_to_bytes(Entity::Doctors, &records, format)
            .unwrap()
            .len()
    });
}

#[divan::bench(args = [Format::Csv, Format::Xlsx], sample_count = 5)]
fn read_doctors(b: divan::Bencher, format: Format) {
    let bytes = register::records_to_bytes(Entity::Doctors, &doctors(), format).unwrap();
    let name = format!("doctors.{}", format.extension());
    b.counter(divan::counter::BytesCount::new(bytes.len()))
        .bench(|| {
            let decoded =
                chiiki_tabular::read_bytes::<chiiki_domain::Doctor>(&name, &bytes).unwrap();
            assert_eq!(decoded.records.len(), N);
        });
}

/// A fresh SQLite store with the demo's schemes, in a temporary directory.
async fn fresh() -> (tempfile::TempDir, chiiki_store::SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = chiiki_store::SqliteStore::open(&dir.path().join("b.db"))
        .await
        .unwrap();
    chiiki_app::load_demo(&store).await.unwrap();
    (dir, store)
}

#[divan::bench(sample_count = 3)]
fn import_doctors_into_sqlite(b: divan::Bencher) {
    let rt = runtime();
    let bytes = register::records_to_bytes(Entity::Doctors, &doctors(), Format::Xlsx).unwrap();
    b.counter(divan::counter::ItemsCount::new(N))
        .with_inputs(|| rt.block_on(fresh()))
        .bench_local_values(|(_dir, store)| {
            let report = rt
                .block_on(register::import(
                    &store,
                    &chiiki_app::access::Principal::system("bench"),
                    Entity::Doctors,
                    Source::Bytes {
                        name: "d.xlsx",
                        bytes: &bytes,
                    },
                    false,
                    &mut |_, _| {},
                ))
                .unwrap();
            assert_eq!(report.added as usize, N);
        });
}

#[divan::bench(sample_count = 5)]
fn list_doctors_from_sqlite(b: divan::Bencher) {
    let rt = runtime();
    let (_dir, store) = rt.block_on(fresh());
    let changes = doctors()
        .into_iter()
        .map(chiiki_store::Change::Put)
        .collect();
    rt.block_on(store.apply("bench", changes, chiiki_store::Mode::Commit))
        .unwrap();
    b.counter(divan::counter::ItemsCount::new(N + 300))
        .bench_local(|| {
            let page = rt
                .block_on(store.list_doctors(&DoctorFilter::default()))
                .unwrap();
            assert_eq!(page.items.len(), N + 300);
        });
}
