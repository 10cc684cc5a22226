//! Dispatch: the plan never breaks a rule, sends only doctors who offered and can go, and
//! explains every unfilled request.

use std::collections::HashSet;
use std::time::Duration;

use chiiki_domain::{Coordinates, DutyKind, NaiveDate, Urgency, WorkHourLevel};
use chiiki_roster::dispatch::{
    self, Doctor, Limits, Offer, Plan, Problem, ReasonKind, Request, Source, Travel, Weights,
    generate,
};
use chiiki_roster::hours::{self, Baseline, Rules, Severity, Timeline};
use chrono::NaiveDateTime;
use proptest::prelude::*;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn month() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn point(lat: f64, lon: f64) -> Coordinates {
    Coordinates::new(lat, lon).unwrap()
}

fn request(id: &str, kind: DutyKind, start: &str, end: &str) -> Request {
    Request {
        id: id.into(),
        facility: format!("F-{id}"),
        facility_name: format!("診療所{id}"),
        area: "0301".into(),
        location: point(39.70, 141.15),
        island: false,
        snow: false,
        kind,
        start: at(start),
        end: at(end),
        skills: vec!["内科".into()],
        urgency: Urgency::Routine,
    }
}

fn doctor(id: &str, offers: &[(&str, &str)]) -> Doctor {
    Doctor {
        id: id.into(),
        home: point(39.72, 141.13),
        skills: vec!["内科".into()],
        source: Source::Registered,
        timeline: Timeline {
            doctor: id.into(),
            level: WorkHourLevel::B,
            initial_resident: false,
            month: month(),
            baseline: vec![],
            interviews: vec![],
            compensatory: vec![],
            duties: vec![],
        },
        offers: offers
            .iter()
            .map(|(f, t)| Offer {
                from: at(f),
                to: at(t),
            })
            .collect(),
    }
}

fn problem(requests: Vec<Request>, doctors: Vec<Doctor>) -> Problem {
    Problem {
        month: month(),
        requests,
        doctors,
        travel: Travel::default(),
        weights: Weights::default(),
    }
}

fn quick() -> Limits {
    Limits {
        time_limit: Duration::from_millis(1500),
        seed: 7,
        threads: 1,
    }
}

/// Everything a plan must satisfy, whatever the problem.
fn assert_sound(p: &Problem, plan: &Plan) {
    let binding: Vec<_> = plan
        .findings
        .iter()
        .filter(|b| b.severity != Severity::Due)
        .collect();
    assert!(binding.is_empty(), "a plan broke a rule: {binding:#?}");
    let mut seen = HashSet::new();
    let mut day_of = HashSet::new();
    for a in &plan.assignments {
        assert!(seen.insert(a.request.clone()), "{} sent twice", a.request);
        let r = p.requests.iter().find(|r| r.id == a.request).unwrap();
        let d = p.doctors.iter().find(|d| d.id == a.doctor).unwrap();
        assert!(d.offered(r), "{} did not offer {}", d.id, r.id);
        assert!(d.skilled(r), "{} lacks skills for {}", d.id, r.id);
        assert!(a.travel_minutes <= p.travel.max_minutes);
        assert!(
            day_of.insert((a.doctor.clone(), r.start.date())),
            "{} twice on a day",
            a.doctor
        );
    }
    // Independently of the plan's own findings: every doctor's timeline checks clean.
    for d in &p.doctors {
        let mut t = d.timeline.clone();
        for a in plan.assignments.iter().filter(|a| a.doctor == d.id) {
            t.duties.push(
                p.requests
                    .iter()
                    .find(|r| r.id == a.request)
                    .unwrap()
                    .duty(),
            );
        }
        let before: Vec<_> = hours::check(Rules::mhlw_2024(), &d.timeline, p.month);
        let found: Vec<_> = hours::check(Rules::mhlw_2024(), &t, p.month)
            .into_iter()
            .filter(|b| b.severity != Severity::Due && !before.contains(b))
            .collect();
        assert!(found.is_empty(), "{}: {found:#?}", d.id);
    }
    assert_eq!(
        plan.assignments.len() + plan.unfilled.len(),
        p.requests.len()
    );
    for u in &plan.unfilled {
        assert!(
            !u.reasons.is_empty() || p.doctors.is_empty(),
            "{} unexplained",
            u.request
        );
        assert!(!u.summary.ja.is_empty() && !u.summary.en.is_empty());
    }
}

#[test]
fn every_unfilled_request_says_why() {
    let mut far = doctor("DEMO-FAR", &[("2026-12-07 07:00", "2026-12-07 21:00")]);
    far.home = point(33.59, 130.40); // Fukuoka
    let mut capped = doctor("DEMO-CAP", &[("2026-12-08 07:00", "2026-12-08 21:00")]);
    capped.timeline.level = WorkHourLevel::A;
    capped.timeline.baseline = vec![Baseline {
        employer: "HOME".into(),
        month: 20 * 60,
        year: 955 * 60,
    }];
    let mut busy = doctor("DEMO-BUSY", &[("2026-12-09 07:00", "2026-12-09 21:00")]);
    busy.timeline.duties.push(hours::Duty {
        employer: "HOME".into(),
        reference: "home-night".into(),
        kind: DutyKind::NightDuty,
        start: at("2026-12-08 09:00"),
        end: at("2026-12-09 13:00"),
        worked: 0,
        overtime: None,
    });
    let one = doctor("DEMO-ONE", &[("2026-12-10 07:00", "2026-12-10 21:00")]);
    let mut pediatric = request(
        "R-PED",
        DutyKind::ClinicDay,
        "2026-12-11 08:30",
        "2026-12-11 17:15",
    );
    pediatric.skills.push("小児科".into());
    let ped_doc = doctor("DEMO-IM", &[("2026-12-11 07:00", "2026-12-11 21:00")]);
    let mut urgent = request(
        "R-URG",
        DutyKind::ClinicDay,
        "2026-12-10 08:30",
        "2026-12-10 17:15",
    );
    urgent.urgency = Urgency::Critical;
    let p = problem(
        vec![
            request(
                "R-NOBODY",
                DutyKind::ClinicDay,
                "2026-12-04 08:30",
                "2026-12-04 17:15",
            ),
            request(
                "R-FAR",
                DutyKind::ClinicDay,
                "2026-12-07 08:30",
                "2026-12-07 17:15",
            ),
            request(
                "R-CAP",
                DutyKind::ClinicDay,
                "2026-12-08 08:30",
                "2026-12-08 17:15",
            ),
            request(
                "R-BUSY",
                DutyKind::ClinicDay,
                "2026-12-09 14:00",
                "2026-12-09 20:00",
            ),
            request(
                "R-ROUTINE",
                DutyKind::ClinicDay,
                "2026-12-10 08:30",
                "2026-12-10 17:15",
            ),
            urgent,
            pediatric,
        ],
        vec![far, capped, busy, one, ped_doc],
    );
    let plan = dispatch::solve(&p, &quick());
    assert_sound(&p, &plan);
    let sent: Vec<(&str, &str)> = plan
        .assignments
        .iter()
        .map(|a| (a.request.as_str(), a.doctor.as_str()))
        .collect();
    assert_eq!(
        sent,
        vec![("R-URG", "DEMO-ONE")],
        "the critical request wins the one doctor"
    );
    let why = |id: &str| {
        plan.unfilled
            .iter()
            .find(|u| u.request == id)
            .unwrap_or_else(|| panic!("{id} filled"))
            .reasons
            .iter()
            .map(|r| r.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(why("R-NOBODY"), vec![ReasonKind::NotOffered]);
    assert_eq!(why("R-FAR"), vec![ReasonKind::Travel]);
    assert_eq!(why("R-CAP"), vec![ReasonKind::Hours]);
    assert_eq!(why("R-BUSY"), vec![ReasonKind::Conflict]);
    assert_eq!(why("R-ROUTINE"), vec![ReasonKind::Taken]);
    assert_eq!(why("R-PED"), vec![ReasonKind::Skills]);
    let taken = plan
        .unfilled
        .iter()
        .find(|u| u.request == "R-ROUTINE")
        .unwrap();
    assert!(taken.summary.ja.contains("R-URG"), "{:?}", taken.summary);
    assert!(
        plan.unfilled
            .iter()
            .find(|u| u.request == "R-PED")
            .unwrap()
            .summary
            .ja
            .contains("小児科")
    );
}

#[test]
fn three_duties_in_a_row_that_pairwise_look_lawful_are_caught_by_the_final_check() {
    // Night duty without permit (16 h), a clinic day after it (24 h of continuous work),
    // then an early start: only 15 h of rest within 46 h of the night's start.
    let d = doctor("DEMO-ALL", &[("2026-12-01 07:00", "2026-12-04 12:00")]);
    let p = problem(
        vec![
            request(
                "N",
                DutyKind::NightDuty,
                "2026-12-01 17:00",
                "2026-12-02 09:00",
            ),
            request(
                "D",
                DutyKind::ClinicDay,
                "2026-12-02 09:00",
                "2026-12-02 17:00",
            ),
            request(
                "E",
                DutyKind::ClinicDay,
                "2026-12-03 08:00",
                "2026-12-03 12:00",
            ),
        ],
        vec![d],
    );
    let plan = dispatch::solve(&p, &quick());
    assert_sound(&p, &plan);
    assert_eq!(plan.assignments.len(), 2, "{plan:#?}");
}

#[test]
fn a_prefecture_month_is_planned_soundly() {
    let p = generate::prefecture(month(), 20, 80, 3);
    let plan = dispatch::solve(
        &p,
        &Limits {
            time_limit: Duration::from_secs(4),
            seed: 1,
            threads: 2,
        },
    );
    assert_sound(&p, &plan);
    assert!(
        plan.figures.filled > p.requests.len() / 2,
        "{:?}",
        plan.figures
    );
    assert!(plan.figures.doctors_sent > 10);
}

fn small_problem() -> impl Strategy<Value = Problem> {
    (1usize..6, 1usize..8, any::<u64>()).prop_map(|(sites, people, seed)| {
        let mut p = generate::prefecture(month(), sites, people, seed);
        // Crowd the month into one week so that rest and caps bind.
        for r in &mut p.requests {
            let shift = (r.start.date() - month()).num_days() % 7;
            let back = (r.start.date() - month()).num_days() - shift;
            r.start -= chrono::Duration::days(back);
            r.end -= chrono::Duration::days(back);
        }
        for d in &mut p.doctors {
            for o in &mut d.offers {
                let back = (o.from.date() - month()).num_days() / 7 * 7;
                o.from -= chrono::Duration::days(back);
                o.to -= chrono::Duration::days(back);
            }
        }
        p
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn plans_never_break_a_rule(p in small_problem()) {
        let plan = dispatch::solve(&p, &Limits { time_limit: Duration::from_millis(300), seed: 1, threads: 1 });
        assert_sound(&p, &plan);
    }
}
