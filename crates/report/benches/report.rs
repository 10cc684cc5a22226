//! Drawing and printing for the whole country: the class map of the 330 areas, the nation's
//! HTML report and all 48 report pages, the Excel workbook.
//! `cargo bench -p chiiki-report --bench report`.

fn main() {
    divan::main();
}

fn national() -> Vec<chiiki_app::analysis::AreaAnalysis> {
    let reference = chiiki_app::refdata::national().unwrap();
    chiiki_app::analysis::compute_with(reference, chiiki_app::outlook::national().unwrap())
}

#[divan::bench]
fn class_map_japan(b: divan::Bencher) {
    let rows = national();
    chiiki_report::map::class_map(&rows, None, &|_| None, "jp").unwrap();
    b.bench(|| {
        chiiki_report::map::class_map(divan::black_box(&rows), None, &|_| None, "jp")
            .unwrap()
            .len()
    });
}

#[divan::bench(sample_count = 10)]
fn all_48_report_pages(b: divan::Bencher) {
    let rows = national();
    let (prefectures, _) = chiiki_app::analysis::prefectures().unwrap();
    b.bench(|| {
        chiiki_report::html::reports(
            &rows,
            &rows,
            &prefectures,
            "2026-11-24",
            chiiki_app::outlook::RATIO_NOTE,
        )
        .unwrap()
        .iter()
        .map(|(_, html)| html.len())
        .sum::<usize>()
    });
}

#[divan::bench(sample_count = 10)]
fn workbook_330_areas(b: divan::Bencher) {
    let rows = national();
    b.bench(|| {
        chiiki_report::tables::workbook(&rows, &["出典".to_string()])
            .unwrap()
            .len()
    });
}

#[divan::bench(sample_count = 20)]
fn gantt_300_doctors_10_years(b: divan::Bencher) {
    let plans = chiiki_report::gantt::sample(300, 10, chiiki_domain::Lang::Ja);
    let svg = chiiki_report::gantt::render(&plans);
    println!("gantt 300 × 10: {} bytes", svg.len());
    b.bench(|| chiiki_report::gantt::render(divan::black_box(&plans)).len());
}
