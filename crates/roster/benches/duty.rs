//! Duty rosters (勤務表): the documented alliance example (two facilities, 8 people) and a
//! synthetic alliance of three hospitals (60 people; day work, weekend day duty, night duty
//! without a permit and on-call at each; leave and requests for days off), each made with a
//! 10 s limit. Each run prints the cover, the requests granted, shifts withdrawn by the hours
//! check, binding findings (always 0) and seconds.
//! `cargo bench -p chiiki-roster --bench duty`.

use std::time::Duration;

use chiiki_domain::{DutyKind, NaiveDate, WorkHourLevel};
use chiiki_roster::duty::{self, DayRequest, Limits, Member, Need, Place, ShiftSpec, Spec};
use chiiki_roster::hours::Severity;
use chrono::NaiveTime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Three hospitals of 20 synthetic doctors each; each doctor may also work at the next one.
fn alliance() -> Spec {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let month = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    let mut shifts = Vec::new();
    let facilities: Vec<Place> = (1..=3)
        .map(|i| Place {
            id: format!("H{i}"),
            name: format!("合成病院{i}"),
        })
        .collect();
    for f in &facilities {
        let shift = |code: &str, kind, start, end, need, max, overtime| ShiftSpec {
            code: format!("{code}{}", &f.id[1..]),
            name: format!("{code} {}", f.name),
            facility: f.id.clone(),
            kind,
            start,
            end,
            need,
            max,
            overtime,
        };
        shifts.push(shift(
            "日",
            DutyKind::ClinicDay,
            at(8, 30),
            at(17, 15),
            Need {
                weekday: 8,
                saturday: 0,
                holiday: 0,
            },
            None,
            Some(0),
        ));
        shifts.push(shift(
            "直",
            DutyKind::ClinicDay,
            at(8, 30),
            at(17, 15),
            Need {
                weekday: 0,
                saturday: 2,
                holiday: 2,
            },
            Some(2),
            None,
        ));
        shifts.push(shift(
            "当",
            DutyKind::NightDuty,
            at(17, 15),
            at(8, 30),
            Need {
                weekday: 1,
                saturday: 1,
                holiday: 1,
            },
            Some(1),
            None,
        ));
        shifts.push(shift(
            "オ",
            DutyKind::OnCall,
            at(17, 15),
            at(8, 30),
            Need {
                weekday: 1,
                saturday: 1,
                holiday: 1,
            },
            Some(1),
            None,
        ));
    }
    let levels = [WorkHourLevel::A, WorkHourLevel::B, WorkHourLevel::C1];
    let mut staff = Vec::new();
    let mut requests = Vec::new();
    for i in 0..60 {
        let home = i / 20;
        let id = format!("P{i:02}");
        let mut m = Member::new(&id, &format!("合成 医師{i:02}"), levels[i % 3]);
        m.facilities = vec![
            facilities[home].id.clone(),
            facilities[(home + 1) % 3].id.clone(),
        ];
        m.max_nights = Some(rng.random_range(3..=6));
        m.max_weekends = Some(3);
        let start = rng.random_range(1..=25);
        if i % 4 == 0 {
            m.days_off = (start..start + 3)
                .filter_map(|d| NaiveDate::from_ymd_opt(2027, 1, d))
                .collect();
        }
        for _ in 0..2 {
            if let Some(date) = NaiveDate::from_ymd_opt(2027, 1, rng.random_range(1..=31)) {
                requests.push(DayRequest {
                    member: id.clone(),
                    date,
                    shift: None,
                    on: false,
                    weight: None,
                });
            }
        }
        staff.push(m);
    }
    Spec {
        title: "合成アライアンス 3病院".to_string(),
        month,
        holidays: None,
        facilities,
        shifts,
        staff,
        requests,
        weights: duty::Weights::default(),
    }
}

fn example() -> Spec {
    toml::from_str(include_str!("../../../docs/examples/duty-roster.toml"))
        .unwrap_or_else(|_| alliance())
}

#[divan::bench(args = ["example", "alliance"], sample_count = 1, sample_size = 1)]
fn month_roster(b: divan::Bencher, which: &str) {
    let spec = if which == "example" {
        example()
    } else {
        alliance()
    };
    b.bench(|| {
        let Ok(r) = duty::solve(
            divan::black_box(&spec),
            &Limits {
                time_limit: Duration::from_secs(10),
                seed: 1,
                threads: 2,
            },
        ) else {
            println!("{which}: the spec does not validate");
            return;
        };
        let binding = r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Due)
            .count();
        let f = &r.figures;
        println!(
            "{which}: {} people, {} shifts: covered {}/{} ({:.1} %), over {}, requests {}/{}, {} withdrawn by the hours check, {binding} binding findings, objective {}, {:.2} s",
            spec.staff.len(),
            spec.shifts.len(),
            f.covered,
            f.needed,
            100.0 * f64::from(f.covered) / f64::from(f.needed.max(1)),
            f.over,
            f.granted,
            f.requests,
            f.withdrawn,
            f.objective,
            f.seconds
        );
    });
}
