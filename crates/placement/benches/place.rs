//! Placement at national scale: deferred acceptance on 1,000, 10,000 and 100,000 synthetic
//! doctors (the national generator: n / 10 facilities in 47 capped prefectures, lists of
//! 10–20 skewed to popular facilities), and the whole pipeline of `chiiki place` on 10,000 —
//! read the input JSON, deferred acceptance, check, explain, write the result JSON (target:
//! under 50 ms, with the command's default `--sentences summary`) — with its parts timed apart. The result is streamed through a buffered
//! writer, as `chiiki place --output R.json` writes its file, into a byte counter instead of
//! the disk. `cargo bench -p chiiki-placement --bench place`.

use chiiki_placement::exchange::{input_json, read, write};
use chiiki_placement::generate::national;
use chiiki_placement::{Context, Explanations, Sentences, check, deferred_acceptance, explain};

fn main() {
    divan::main();
}

/// Counts the bytes written to it: a file without the disk.
#[derive(Default)]
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serialises as the command line writes a file: through a 64 KiB buffer.
fn stream(value: &impl serde::Serialize) -> usize {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, Counter::default());
    serde_json::to_writer(&mut out, value).expect("serialisable");
    out.into_inner().map_or(0, |c| c.0)
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn deferred_acceptance_national(b: divan::Bencher, doctors: usize) {
    let instance = national(doctors, 2026);
    b.counter(divan::counter::ItemsCount::new(doctors))
        .bench(|| deferred_acceptance(divan::black_box(&instance)));
}

#[divan::bench(sample_count = 10)]
fn check_national_10000(b: divan::Bencher) {
    let instance = national(10_000, 2026);
    let matching = deferred_acceptance(&instance);
    b.bench(|| check(divan::black_box(&instance), divan::black_box(&matching)));
}

#[divan::bench(sample_count = 10)]
fn explain_national_10000(b: divan::Bencher) {
    let instance = national(10_000, 2026);
    let matching = deferred_acceptance(&instance);
    b.bench(|| explain(divan::black_box(&instance), &matching, &Context::plain()));
}

/// read JSON → deferred acceptance → check → explain → write JSON, with the command's
/// default sentences (`summary`) and with a sentence for every "why not" entry (`every`).
#[divan::bench(args = ["summary", "every"], sample_count = 10)]
fn pipeline_json_10000(b: divan::Bencher, sentences: &str) {
    let sentences = Sentences::parse(sentences).expect("known");
    let input = input_json(&national(10_000, 2026)).into_bytes();
    b.counter(divan::counter::BytesCount::new(input.len()))
        .bench(|| {
            let (instance, _ids) = read(divan::black_box(&input)).expect("valid input");
            let matching = deferred_acceptance(&instance);
            let report = check(&instance, &matching);
            let explanations = Explanations {
                sentences,
                ..explain(&instance, &matching, &Context::plain())
            };
            let output = write(
                &instance,
                &matching,
                "deferred_acceptance",
                &report,
                &explanations,
            );
            stream(&output)
        });
}

#[divan::bench(sample_count = 10)]
fn read_json_10000(b: divan::Bencher) {
    let input = input_json(&national(10_000, 2026)).into_bytes();
    b.bench(|| read(divan::black_box(&input)).expect("valid input"));
}

#[divan::bench(args = ["summary", "every"], sample_count = 10)]
fn write_json_10000(b: divan::Bencher, sentences: &str) {
    let sentences = Sentences::parse(sentences).expect("known");
    let instance = national(10_000, 2026);
    let matching = deferred_acceptance(&instance);
    let report = check(&instance, &matching);
    let explanations = Explanations {
        sentences,
        ..explain(&instance, &matching, &Context::plain())
    };
    let size = stream(&write(&instance, &matching, "da", &report, &explanations));
    println!("result file at 10,000 doctors, {sentences:?} sentences: {size} bytes");
    b.bench(|| {
        let output = write(&instance, &matching, "da", &report, &explanations);
        stream(&output)
    });
}

/// The part of reading that is the instance's own validation and rank tables.
#[divan::bench(sample_count = 10)]
fn instance_new_10000(b: divan::Bencher) {
    let i = national(10_000, 2026);
    b.bench(|| {
        chiiki_placement::Instance::new(
            i.doctors.clone(),
            i.facilities.clone(),
            i.regions.clone(),
            i.couples.clone(),
        )
        .expect("valid")
    });
}

#[divan::bench(sample_count = 10)]
fn parse_json_value_10000(b: divan::Bencher) {
    let input = input_json(&national(10_000, 2026)).into_bytes();
    b.bench(|| {
        serde_json::from_slice::<serde_json::Value>(divan::black_box(&input)).expect("json")
    });
}
