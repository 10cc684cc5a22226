//! Evaluating 10,000 timelines (Mie's programme: ten years, five rules over 6–10 periods
//! each) as of one date. `cargo bench -p chiiki-obligations --bench evaluate`.

use chiiki_domain::{NaiveDate, SchemeId};
use chiiki_obligations::Registry;
use chiiki_obligations::evaluate::evaluate;
use chiiki_obligations::timeline::Timeline;

fn main() {
    divan::main();
}

/// A synthetic timeline: residency, then yearly moves between four facilities, some outside
/// the prefecture, a leave now and then.
fn timeline(k: usize) -> Timeline {
    let facilities = [
        ("三重大学医学部附属病院", "university"),
        ("市立四日市病院", "large_medium"),
        ("紀和病院", "small"),
        ("紀南病院", "designated"),
    ];
    let mut periods = vec![
        serde_json::json!({"start": "2015-04-01", "end": "2017-03-31",
        "kind": "initial_residency", "facility": "三重大学医学部附属病院",
        "facility_group": "university"}),
    ];
    let n = 4 + k % 7;
    for i in 0..n {
        let (name, group) = facilities[(k + i) % 4];
        let kind = if (k + i).is_multiple_of(13) {
            "childcare_leave"
        } else {
            "specialist_training"
        };
        periods.push(serde_json::json!({"start": format!("{}-04-01", 2017 + i),
            "end": format!("{}-03-31", 2018 + i), "kind": kind, "facility": name,
            "facility_group": group, "in_prefecture": !(k + i).is_multiple_of(5)}));
    }
    let json = serde_json::json!({"doctor": format!("SYN-{k:05}"), "scheme": "mie-late-training",
        "graduation_date": "2015-03-31", "periods": periods});
    Timeline::from_json("bench.json", json.to_string().as_bytes()).expect("valid")
}

#[divan::bench(sample_count = 20)]
fn evaluate_10000_timelines(b: divan::Bencher) {
    let registry = Registry::shipped().expect("valid");
    let scheme = registry
        .versions(&SchemeId::parse("mie-late-training").expect("id"))
        .next()
        .expect("shipped")
        .clone();
    let timelines: Vec<Timeline> = (0..10_000).map(timeline).collect();
    let as_of = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
    b.counter(divan::counter::ItemsCount::new(timelines.len()))
        .bench(|| {
            timelines
                .iter()
                .filter(|t| evaluate(&scheme, divan::black_box(t), as_of, None).compliant)
                .count()
        });
}

#[divan::bench(sample_count = 20)]
fn parse_10000_timelines(b: divan::Bencher) {
    let texts: Vec<String> = (0..10_000)
        .map(|k| {
            serde_json::to_string(&serde_json::json!({"doctor": format!("SYN-{k:05}"),
            "scheme": "mie-late-training", "graduation_date": "2015-03-31",
            "periods": [{"start": "2015-04-01", "end": "2017-03-31", "kind": "initial_residency",
                         "facility": "三重大学医学部附属病院", "facility_group": "university"}]}))
            .expect("json")
        })
        .collect();
    b.counter(divan::counter::ItemsCount::new(texts.len()))
        .bench(|| {
            texts
                .iter()
                .filter(|t| Timeline::from_json("b.json", t.as_bytes()).is_ok())
                .count()
        });
}
