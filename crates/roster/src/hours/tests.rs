//! The checker on constructed timelines that break each rule exactly once.

use chiiki_domain::{DutyKind, NaiveDate, WorkHourLevel};
use chrono::NaiveDateTime;

use super::*;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn duty(reference: &str, kind: DutyKind, start: &str, end: &str) -> Duty {
    Duty {
        employer: "F1".into(),
        reference: reference.into(),
        kind,
        start: at(start),
        end: at(end),
        worked: 0,
        overtime: None,
    }
}

fn timeline(level: WorkHourLevel, duties: Vec<Duty>) -> Timeline {
    Timeline {
        doctor: "DEMO-D1".into(),
        level,
        initial_resident: false,
        month: day("2026-12-01"),
        baseline: vec![],
        interviews: vec![],
        compensatory: vec![],
        duties,
    }
}

fn findings(t: &Timeline) -> Vec<(RuleKind, Severity)> {
    check(Rules::mhlw_2024(), t, day("2026-12-31"))
        .into_iter()
        .map(|b| (b.rule, b.severity))
        .collect()
}

const CLINIC: DutyKind = DutyKind::ClinicDay;

#[test]
fn a_lawful_month_has_no_findings() {
    let mut duties = Vec::new();
    for d in 1..=20 {
        let s = format!("2026-12-{d:02}");
        let mut regular = duty(
            &format!("c{d}"),
            CLINIC,
            &format!("{s} 09:00"),
            &format!("{s} 17:00"),
        );
        regular.overtime = Some(0);
        duties.push(regular);
    }
    // A night duty without permit, then a day's rest.
    duties.push(duty(
        "n",
        DutyKind::NightDuty,
        "2026-12-21 09:00",
        "2026-12-22 13:00",
    ));
    duties.push(duty("c23", CLINIC, "2026-12-23 09:00", "2026-12-23 17:00"));
    let t = timeline(WorkHourLevel::B, duties);
    assert_eq!(
        findings(&t),
        vec![],
        "{:#?}",
        check(Rules::mhlw_2024(), &t, day("2026-12-31"))
    );
}

#[test]
fn two_duties_at_once_overlap() {
    let mut second = duty("b", CLINIC, "2026-12-01 16:00", "2026-12-01 20:00");
    second.employer = "F2".into();
    let t = timeline(
        WorkHourLevel::B,
        vec![
            duty("a", CLINIC, "2026-12-01 09:00", "2026-12-01 17:00"),
            second,
        ],
    );
    let all = check(Rules::mhlw_2024(), &t, day("2026-12-31"));
    assert_eq!(findings(&t), vec![(RuleKind::Overlap, Severity::Breach)]);
    assert_eq!(all[0].minutes, 60);
    assert_eq!(all[0].duties, vec!["a", "b"]);
}

#[test]
fn day_rest_of_nine_hours_within_twenty_four() {
    // 14:00–22:00, then 06:00 the next morning: 8 h of rest.
    let duties = vec![
        duty("late", CLINIC, "2026-12-01 14:00", "2026-12-01 22:00"),
        duty("early", CLINIC, "2026-12-02 06:00", "2026-12-02 14:00"),
    ];
    let t = timeline(WorkHourLevel::B, duties.clone());
    assert_eq!(findings(&t), vec![(RuleKind::Rest, Severity::Breach)]);
    let b = &check(Rules::mhlw_2024(), &t, day("2026-12-31"))[0];
    assert_eq!((b.minutes, b.limit), (8 * 60, 9 * 60));
    assert_eq!(
        (b.from, b.to),
        (at("2026-12-01 14:00"), at("2026-12-02 14:00"))
    );
    assert_eq!(b.duties, vec!["late"]);
    // Best effort for level A: a warning.
    let a = timeline(WorkHourLevel::A, duties);
    assert_eq!(findings(&a), vec![(RuleKind::Rest, Severity::Warning)]);
}

#[test]
fn night_duty_without_permit_needs_eighteen_hours_within_forty_six() {
    let t = timeline(
        WorkHourLevel::B,
        vec![
            duty(
                "night",
                DutyKind::NightDuty,
                "2026-12-01 09:00",
                "2026-12-02 13:00",
            ),
            duty("next", CLINIC, "2026-12-03 06:00", "2026-12-03 14:00"),
        ],
    );
    assert_eq!(findings(&t), vec![(RuleKind::Rest, Severity::Breach)]);
    let b = &check(Rules::mhlw_2024(), &t, day("2026-12-31"))[0];
    assert_eq!((b.minutes, b.limit), (17 * 60, 18 * 60));
}

#[test]
fn initial_residents_on_night_duty_rest_twenty_four_hours() {
    let duties = vec![
        duty(
            "night",
            DutyKind::NightDuty,
            "2026-12-01 09:00",
            "2026-12-02 09:00",
        ),
        duty("next", CLINIC, "2026-12-03 08:00", "2026-12-03 16:00"),
    ];
    let mut t = timeline(WorkHourLevel::C1, duties);
    assert_eq!(findings(&t), vec![], "a specialty resident rests 18 h");
    t.initial_resident = true;
    assert_eq!(findings(&t), vec![(RuleKind::Rest, Severity::Breach)]);
    // 25 h of continuous night work is over the resident's 24 h (and leaves too little rest).
    t.duties = vec![duty(
        "long",
        DutyKind::NightDuty,
        "2026-12-01 09:00",
        "2026-12-02 10:00",
    )];
    assert_eq!(
        findings(&t),
        vec![
            (RuleKind::ContinuousWork, Severity::Breach),
            (RuleKind::Rest, Severity::Breach)
        ]
    );
}

#[test]
fn continuous_work_limit_alone() {
    // The published limits leave exactly the rest in the window, so a longer block also
    // breaks rest; widen the window to see the continuous-work limit on its own.
    let mut rules = Rules::mhlw_2024().clone();
    rules.rest.day.within = 30 * 60;
    let t = timeline(
        WorkHourLevel::B,
        vec![duty("long", CLINIC, "2026-12-01 08:00", "2026-12-01 23:30")],
    );
    let found = check(&rules, &t, day("2026-12-31"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, RuleKind::ContinuousWork);
    assert_eq!((found[0].minutes, found[0].limit), (15 * 60 + 30, 15 * 60));
}

#[test]
fn permitted_duty_counts_as_rest_and_work_during_it_is_given_back() {
    let mut permitted = duty(
        "permit",
        DutyKind::PermittedNightDuty,
        "2026-12-01 17:00",
        "2026-12-02 08:30",
    );
    permitted.worked = 120;
    let mut t = timeline(
        WorkHourLevel::B,
        vec![
            duty("day1", CLINIC, "2026-12-01 08:30", "2026-12-01 17:00"),
            permitted,
            duty("day2", CLINIC, "2026-12-02 08:30", "2026-12-02 17:00"),
        ],
    );
    // Not yet due: a notice.
    assert_eq!(findings(&t), vec![(RuleKind::Compensatory, Severity::Due)]);
    // Overdue after the end of January.
    let late = check(Rules::mhlw_2024(), &t, day("2027-02-01"));
    assert_eq!(late.len(), 1);
    assert_eq!(
        (late[0].rule, late[0].severity, late[0].minutes),
        (RuleKind::Compensatory, Severity::Breach, 120)
    );
    // Given back in January: nothing owed.
    t.compensatory = vec![(at("2027-01-10 09:00"), at("2027-01-10 11:00"))];
    assert_eq!(check(Rules::mhlw_2024(), &t, day("2027-02-01")), vec![]);
    // The two worked hours count; the rest of the permitted duty does not.
    let h = headroom(Rules::mhlw_2024(), &t, day("2026-12-01"), None);
    assert_eq!(h.month, 100 * 60 - 1 - (8 * 60 + 30) * 2 - 120);
    // Level A: compensatory rest is not binding.
    t.level = WorkHourLevel::A;
    t.compensatory.clear();
    assert_eq!(check(Rules::mhlw_2024(), &t, day("2027-02-01")), vec![]);
}

#[test]
fn a_short_permitted_duty_does_not_count_as_rest() {
    let t = timeline(
        WorkHourLevel::B,
        vec![
            duty("late", CLINIC, "2026-12-01 12:00", "2026-12-01 20:00"),
            duty(
                "permit",
                DutyKind::PermittedNightDuty,
                "2026-12-01 22:00",
                "2026-12-02 06:00",
            ),
            duty("early", CLINIC, "2026-12-02 08:00", "2026-12-02 12:00"),
        ],
    );
    // Free within 24 h of 12:00: 20:00–22:00 and 06:00–08:00 only.
    let found = check(Rules::mhlw_2024(), &t, day("2026-12-31"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].rule, found[0].minutes), (RuleKind::Rest, 120));
    // Nine hours of permitted duty count as the rest.
    let mut long = t.clone();
    long.duties[1].start = at("2026-12-01 21:00");
    assert_eq!(findings(&long), vec![]);
}

#[test]
fn an_hundred_hours_in_a_month_need_an_interview_first() {
    let mut t = timeline(
        WorkHourLevel::B,
        vec![duty(
            "dispatch",
            CLINIC,
            "2026-12-10 08:00",
            "2026-12-10 20:00",
        )],
    );
    t.baseline = vec![Baseline {
        employer: "HOME".into(),
        month: 90 * 60,
        year: 600 * 60,
    }];
    assert_eq!(
        findings(&t),
        vec![(RuleKind::MonthlyInterview, Severity::Breach)]
    );
    let b = &check(Rules::mhlw_2024(), &t, day("2026-12-31"))[0];
    assert_eq!((b.minutes, b.limit), (102 * 60, 100 * 60));
    // An interview after the crossing does not help; one before it does.
    t.interviews = vec![day("2026-12-11")];
    assert_eq!(
        findings(&t),
        vec![(RuleKind::MonthlyInterview, Severity::Breach)]
    );
    t.interviews = vec![day("2026-12-09")];
    assert_eq!(findings(&t), vec![]);
    // Over 155 h: the manager must act.
    t.baseline[0].month = 150 * 60;
    assert_eq!(
        findings(&t),
        vec![(RuleKind::MonthlyAction, Severity::Action)]
    );
}

#[test]
fn the_annual_cap_sums_every_employer() {
    let mut t = timeline(
        WorkHourLevel::A,
        vec![duty(
            "dispatch",
            CLINIC,
            "2026-12-10 09:00",
            "2026-12-10 17:00",
        )],
    );
    t.baseline = vec![
        Baseline {
            employer: "HOME".into(),
            month: 10 * 60,
            year: 700 * 60,
        },
        Baseline {
            employer: "SIDE".into(),
            month: 0,
            year: 255 * 60,
        },
    ];
    assert_eq!(findings(&t), vec![(RuleKind::AnnualCap, Severity::Breach)]);
    let b = &check(Rules::mhlw_2024(), &t, day("2026-12-31"))[0];
    assert_eq!((b.minutes, b.limit), (963 * 60, 960 * 60));
    let h = headroom(Rules::mhlw_2024(), &t, day("2026-12-01"), None);
    assert_eq!(h.year, -3 * 60);
    assert_eq!(h.least(), 0);
    // Level B has room.
    t.level = WorkHourLevel::B;
    assert_eq!(findings(&t), vec![]);
}

#[test]
fn linked_b_caps_each_facility() {
    let mut t = timeline(
        WorkHourLevel::LinkedB,
        vec![duty(
            "dispatch",
            CLINIC,
            "2026-12-10 09:00",
            "2026-12-10 17:00",
        )],
    );
    t.baseline = vec![Baseline {
        employer: "F1".into(),
        month: 0,
        year: 955 * 60,
    }];
    assert_eq!(
        findings(&t),
        vec![(RuleKind::FacilityCap, Severity::Breach)]
    );
    let h = headroom(Rules::mhlw_2024(), &t, day("2026-12-01"), Some("F1"));
    assert_eq!(h.facility, Some(960 * 60 - 963 * 60));
    t.duties[0].employer = "F2".into();
    assert_eq!(findings(&t), vec![]);
    assert_eq!(
        headroom(Rules::mhlw_2024(), &t, day("2026-12-01"), Some("F2")).facility,
        Some(960 * 60 - 8 * 60)
    );
}

#[test]
fn level_b_ends_with_fiscal_2035() {
    let mut t = timeline(
        WorkHourLevel::B,
        vec![duty("late", CLINIC, "2036-04-02 09:00", "2036-04-02 17:00")],
    );
    t.month = day("2036-04-01");
    assert_eq!(
        findings(&t),
        vec![(RuleKind::LevelExpired, Severity::Breach)]
    );
    t.level = WorkHourLevel::A;
    assert_eq!(findings(&t), vec![]);
}

#[test]
fn admissible_names_only_what_the_new_duty_breaks() {
    let t = timeline(
        WorkHourLevel::B,
        vec![
            // Already a breach of rest (8 h): not the candidate's fault.
            duty("late", CLINIC, "2026-12-01 14:00", "2026-12-01 22:00"),
            duty("early", CLINIC, "2026-12-02 06:00", "2026-12-02 14:00"),
            duty(
                "night",
                DutyKind::NightDuty,
                "2026-12-05 09:00",
                "2026-12-06 13:00",
            ),
        ],
    );
    let ok = duty("ok", CLINIC, "2026-12-08 09:00", "2026-12-08 17:00");
    assert_eq!(admissible(Rules::mhlw_2024(), &t, &ok), vec![]);
    let too_soon = duty("soon", CLINIC, "2026-12-07 06:00", "2026-12-07 14:00");
    let found = admissible(Rules::mhlw_2024(), &t, &too_soon);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, RuleKind::Rest);
    assert_eq!(found[0].duties, vec!["night"]);
    let clash = duty("clash", CLINIC, "2026-12-05 10:00", "2026-12-05 12:00");
    assert!(
        admissible(Rules::mhlw_2024(), &t, &clash)
            .iter()
            .any(|b| b.rule == RuleKind::Overlap)
    );
}

#[test]
fn every_rule_has_a_label_and_a_source() {
    for r in RuleKind::ALL {
        assert!(!r.label().ja.is_empty() && !r.label().en.is_empty());
        assert!(!r.code().is_empty());
    }
}
