//! Synthetic months of dispatch, for the demo, tests and benchmarks. Every doctor made here
//! is synthetic; ids say so (`DEMO-…` from the caller, `SYN-…` from [`prefecture`]).

use chiiki_domain::{Coordinates, DutyKind, NaiveDate, Urgency, WorkHourLevel};
use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Doctor, Offer, Problem, Request, Source, Travel, Weights};
use crate::hours::{Baseline, Timeline};

/// A facility that may ask for cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub area: String,
    pub location: Coordinates,
    pub island: bool,
    pub snow: bool,
    /// A clinic with one doctor (asks for clinic days) or a small hospital (asks for
    /// night duty too).
    pub hospital: bool,
}

/// A doctor who may offer days.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub home: Coordinates,
    pub level: WorkHourLevel,
    pub employer: String,
    pub source: Source,
}

/// The skills requests ask for and doctors have.
pub const SKILLS: [&str; 4] = ["内科", "小児科", "救急", "在宅医療"];

fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    NaiveDateTime::new(
        date,
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN),
    )
}

/// A month of requests from `sites` and offers from about half of `people`.
pub fn month(month: NaiveDate, sites: &[Site], people: &[Person], seed: u64) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let first = month.with_day(1).unwrap_or(month);
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .map_or(30, |n| (n - first).num_days());
    let mut requests = Vec::new();
    let ask = |site: &Site, kind, start, end, skills, urgency| Request {
        id: String::new(),
        facility: site.id.clone(),
        facility_name: site.name.clone(),
        area: site.area.clone(),
        location: site.location,
        island: site.island,
        snow: site.snow,
        kind,
        start,
        end,
        skills,
        urgency,
    };
    for site in sites {
        // The clinic's own doctor is away a few days (conferences, leave, illness).
        let away = rng.random_range(1..=4);
        for _ in 0..away {
            let date = first + Duration::days(rng.random_range(0..days));
            if date.weekday().num_days_from_monday() >= 5 {
                continue;
            }
            let mut skills = vec![SKILLS[0].to_string()];
            if rng.random_bool(0.2) {
                skills.push(SKILLS[1].to_string());
            }
            let urgency = match rng.random_range(0..10) {
                0..=3 => Urgency::Routine,
                4..=6 => Urgency::Soon,
                7..=8 => Urgency::Urgent,
                _ => Urgency::Critical,
            };
            let (start, end) = (at(date, 8, 30), at(date, 17, 15));
            requests.push(ask(site, DutyKind::ClinicDay, start, end, skills, urgency));
        }
        if site.hospital {
            for _ in 0..rng.random_range(2..=5) {
                let date = first + Duration::days(rng.random_range(0..days));
                let permitted = rng.random_bool(0.6);
                let kind = if permitted {
                    DutyKind::PermittedNightDuty
                } else {
                    DutyKind::NightDuty
                };
                let skills = vec![SKILLS[if rng.random_bool(0.5) { 0 } else { 2 }].to_string()];
                let urgency = if rng.random_bool(0.3) {
                    Urgency::Urgent
                } else {
                    Urgency::Soon
                };
                let (start, end) = (at(date, 17, 15), at(date + Duration::days(1), 8, 30));
                requests.push(ask(site, kind, start, end, skills, urgency));
            }
        }
    }
    requests.sort_by(|a, b| (a.start, &a.facility).cmp(&(b.start, &b.facility)));
    for (i, r) in requests.iter_mut().enumerate() {
        r.id = format!("REQ-{}-{:04}", first.format("%Y%m"), i + 1);
    }
    let mut doctors = Vec::new();
    for p in people {
        if !rng.random_bool(0.45) {
            continue;
        }
        let mut offers = Vec::new();
        for _ in 0..rng.random_range(2..=7) {
            let date = first + Duration::days(rng.random_range(0..days));
            if rng.random_bool(0.7) {
                offers.push(Offer {
                    from: at(date, 7, 0),
                    to: at(date, 21, 0),
                });
            } else {
                offers.push(Offer {
                    from: at(date, 7, 0),
                    to: at(date + Duration::days(1), 12, 0),
                });
            }
        }
        offers.sort_by_key(|o| o.from);
        let mut skills = vec![SKILLS[0].to_string()];
        for s in &SKILLS[1..] {
            if rng.random_bool(0.3) {
                skills.push((*s).to_string());
            }
        }
        let heavy = matches!(p.level, WorkHourLevel::A) as i64;
        let month_minutes = rng.random_range(0..=(70 - 20 * heavy)) * 60;
        let year_minutes = month_minutes
            + rng.random_range(0..=(i64::from(first.month() + 12 - 4) % 12) * (80 - 25 * heavy))
                * 60;
        doctors.push(Doctor {
            id: p.id.clone(),
            home: p.home,
            skills,
            source: p.source,
            timeline: Timeline {
                doctor: p.id.clone(),
                level: p.level,
                initial_resident: false,
                month: first,
                baseline: vec![Baseline {
                    employer: p.employer.clone(),
                    month: month_minutes,
                    year: year_minutes,
                }],
                interviews: if month_minutes > 60 * 60 {
                    vec![first]
                } else {
                    vec![]
                },
                compensatory: vec![],
                duties: vec![],
            },
            offers,
        });
    }
    Problem {
        month: first,
        requests,
        doctors,
        travel: Travel::default(),
        weights: Weights::default(),
    }
}

/// A prefecture-shaped month: `sites` facilities (a quarter of them small hospitals) and
/// `people` synthetic doctors spread over a region the size of Iwate (ids `SYN-…`).
pub fn prefecture(first: NaiveDate, sites: usize, people: usize, seed: u64) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let point = |rng: &mut ChaCha8Rng| {
        Coordinates::new(
            rng.random_range(38.9..40.45),
            rng.random_range(140.7..142.0),
        )
        .unwrap_or_else(|_| unreachable_point())
    };
    let sites: Vec<Site> = (0..sites)
        .map(|i| Site {
            id: format!("SYN-F{:03}", i + 1),
            name: format!("合成診療所{}（synthetic）", i + 1),
            area: format!("03{:02}", 1 + i % 9),
            location: point(&mut rng),
            island: false,
            snow: i % 3 == 0,
            hospital: i % 4 == 0,
        })
        .collect();
    let levels = [
        WorkHourLevel::A,
        WorkHourLevel::A,
        WorkHourLevel::B,
        WorkHourLevel::LinkedB,
        WorkHourLevel::C1,
    ];
    let people: Vec<Person> = (0..people)
        .map(|i| Person {
            id: format!("SYN-D{:04}", i + 1),
            home: point(&mut rng),
            level: levels[i % levels.len()],
            employer: format!("SYN-H{:02}", i % 12),
            source: match i % 5 {
                0..=2 => Source::Obligated,
                3 => Source::Registered,
                _ => Source::Alliance,
            },
        })
        .collect();
    month(first, &sites, &people, seed)
}

fn unreachable_point() -> Coordinates {
    // Morioka; the ranges above are inside Japan, so this is never used.
    Coordinates::new(39.70, 141.15).unwrap_or_else(|_| unreachable!())
}
