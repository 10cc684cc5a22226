use std::time::Duration;

use chiiki_domain::{DutyKind, NaiveDate, WorkHourLevel};
use chrono::{Datelike, NaiveTime};

use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn limits() -> Limits {
    Limits {
        time_limit: Duration::from_secs(2),
        seed: 7,
        threads: 1,
    }
}

fn member(id: &str) -> Member {
    Member {
        max_nights: Some(6),
        ..Member::new(id, &format!("合成 {id}"), WorkHourLevel::B)
    }
}

/// An emergency department on two shifts (交代制): day 08:30–17:15 and night 16:30–09:00
/// without an on-call permit, for December 2026, with eight synthetic doctors.
fn er() -> Spec {
    Spec {
        title: "救急外来 12月".to_string(),
        month: day("2026-12-01"),
        holidays: None,
        facilities: vec![Place {
            id: "F-1".to_string(),
            name: "合成病院".to_string(),
        }],
        shifts: vec![
            ShiftSpec {
                code: "日".to_string(),
                name: "日勤".to_string(),
                facility: "F-1".to_string(),
                kind: DutyKind::ClinicDay,
                start: time("08:30"),
                end: time("17:15"),
                need: Need {
                    weekday: 2,
                    saturday: 1,
                    holiday: 1,
                },
                max: Some(3),
                overtime: Some(0),
            },
            ShiftSpec {
                code: "夜".to_string(),
                name: "夜勤".to_string(),
                facility: "F-1".to_string(),
                kind: DutyKind::NightDuty,
                start: time("16:30"),
                end: time("09:00"),
                need: Need {
                    weekday: 1,
                    saturday: 1,
                    holiday: 1,
                },
                max: Some(1),
                overtime: None,
            },
        ],
        staff: (1..=8).map(|i| member(&format!("S{i}"))).collect(),
        requests: vec![],
        weights: Weights::default(),
    }
}

/// What every roster must keep, whatever the spec: people work shifts they may, one a day,
/// never on leave, within their night cap, and no binding finding the roster made.
fn assert_lawful(spec: &Spec, roster: &DutyRoster) {
    let rules = Rules::mhlw_2024();
    for a in &roster.assignments {
        let m = spec.staff.iter().position(|x| x.id == a.member).unwrap();
        let s = spec.shifts.iter().position(|x| x.code == a.shift).unwrap();
        assert!(spec.may_work(m, s), "{a:?} not theirs");
        assert!(!spec.staff[m].days_off.contains(&a.date), "{a:?} on leave");
        let same_day = roster
            .assignments
            .iter()
            .filter(|b| b.member == a.member && b.date == a.date)
            .count();
        assert_eq!(same_day, 1, "{a:?} twice a day");
    }
    for (m, member) in spec.staff.iter().enumerate() {
        let mine: Vec<&Assignment> = roster
            .assignments
            .iter()
            .filter(|a| a.member == member.id)
            .collect();
        if let Some(most) = member.max_nights {
            let nights = mine
                .iter()
                .filter(|a| {
                    spec.shifts
                        .iter()
                        .any(|s| s.code == a.shift && s.is_night())
                })
                .count();
            assert!(nights as u32 <= most, "{} works {nights} nights", member.id);
        }
        let mut t = spec.timeline(m);
        let before = hours::binding(hours::check(rules, &t, spec.month));
        for a in &mine {
            let s = spec.shifts.iter().find(|s| s.code == a.shift).unwrap();
            t.duties
                .push(s.duty_on(a.date, format!("{}@{}", a.shift, a.date)));
        }
        let after = hours::binding(hours::check(rules, &t, spec.month));
        let new: Vec<_> = after.iter().filter(|b| !before.contains(b)).collect();
        assert!(new.is_empty(), "{}: {new:#?}", member.id);
    }
    let totals: u32 = roster.members.iter().map(|m| m.shifts).sum();
    assert_eq!(totals as usize, roster.assignments.len());
}

#[test]
fn japans_holidays_of_a_month_are_known() {
    let sept: Vec<NaiveDate> = japanese_holidays(day("2026-09-01"))
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    // 敬老の日, the citizens' holiday between, 秋分の日.
    assert_eq!(
        sept,
        vec![day("2026-09-21"), day("2026-09-22"), day("2026-09-23")]
    );
    let may = er_with_month("2026-05-01").days();
    let kinds: Vec<DayType> = may[2..7].iter().map(|d| d.kind).collect();
    // 3 Sun (憲法記念日), 4 Mon, 5 Tue, 6 Wed (振替休日), 7 Thu.
    assert_eq!(
        kinds,
        vec![
            DayType::Holiday,
            DayType::Holiday,
            DayType::Holiday,
            DayType::Holiday,
            DayType::Weekday
        ]
    );
    assert_eq!(may.len(), 31);
    assert_eq!(may[1].kind, DayType::Saturday);
    // A spec may give its own closing days instead.
    let mut own = er_with_month("2026-05-01");
    own.holidays = Some(vec![day("2026-05-07")]);
    let days = own.days();
    assert_eq!(days[3].kind, DayType::Weekday);
    assert_eq!(days[6].kind, DayType::Holiday);
}

fn er_with_month(m: &str) -> Spec {
    Spec {
        month: day(m),
        ..er()
    }
}

#[test]
fn an_emergency_department_month_is_covered_lawfully() {
    let spec = er();
    let roster = solve(&spec, &limits()).unwrap();
    assert_lawful(&spec, &roster);
    // 31 nights, 2 × 23 weekdays (1 Dec 2026 is a Tuesday; no public holiday), 1 × 8
    // weekend days: all covered with eight people.
    let days = spec.days();
    let weekdays = days.iter().filter(|d| d.kind == DayType::Weekday).count() as u32;
    assert_eq!(weekdays, 23);
    assert_eq!(roster.figures.needed, 31 + 2 * weekdays + (31 - weekdays));
    assert_eq!(
        roster.figures.covered, roster.figures.needed,
        "{:#?}",
        roster.short
    );
    assert!(roster.short.is_empty());
    // A night is never followed by the next day's day shift (they overlap at 08:30–09:00),
    // nor, without a permit, by a night straight after (28 h limit then 18 h rest).
    for a in roster.assignments.iter().filter(|a| a.shift == "夜") {
        let next = a.date.succ_opt().unwrap();
        assert_eq!(roster.shift_of(&a.member, next), None, "{a:?}");
    }
    // Fairness: nobody works far more than another.
    let most = roster.members.iter().map(|m| m.shifts).max().unwrap();
    let least = roster.members.iter().map(|m| m.shifts).min().unwrap();
    assert!(most - least <= 3, "{most} vs {least}");
    // Day shifts count no overtime; each night counts all of its 16.5 h.
    for t in &roster.members {
        assert_eq!(t.month_overtime, i64::from(t.nights) * 990, "{t:?}");
    }
}

#[test]
fn requests_for_days_off_and_shifts_are_granted_when_they_can_be() {
    let mut spec = er();
    spec.requests = vec![
        DayRequest {
            member: "S1".to_string(),
            date: day("2026-12-24"),
            shift: None,
            on: false,
            weight: None,
        },
        DayRequest {
            member: "S2".to_string(),
            date: day("2026-12-31"),
            shift: Some("夜".to_string()),
            on: true,
            weight: Some(500),
        },
    ];
    spec.staff[2].days_off = (21..=27).map(|d| day(&format!("2026-12-{d}"))).collect();
    let roster = solve(&spec, &limits()).unwrap();
    assert_lawful(&spec, &roster);
    assert_eq!(roster.shift_of("S1", day("2026-12-24")), None);
    assert_eq!(roster.shift_of("S2", day("2026-12-31")), Some("夜"));
    for d in 21..=27 {
        assert_eq!(roster.shift_of("S3", day(&format!("2026-12-{d}"))), None);
    }
    assert_eq!(roster.figures.requests, 2);
    assert_eq!(roster.figures.granted, 2);
    assert!(roster.requests.iter().all(|r| r.granted));
}

#[test]
fn shifts_left_short_are_explained_person_by_person() {
    let mut spec = er();
    // Only two people may do nights, at most four each: 23 nights stay short.
    for m in &mut spec.staff[2..] {
        m.shifts = vec!["日".to_string()];
    }
    spec.staff[0].max_nights = Some(4);
    spec.staff[1].max_nights = Some(4);
    // A shift nobody may work.
    spec.facilities.push(Place {
        id: "F-2".to_string(),
        name: "合成診療所".to_string(),
    });
    spec.shifts.push(ShiftSpec {
        code: "診".to_string(),
        name: "診療所外来".to_string(),
        facility: "F-2".to_string(),
        kind: DutyKind::ClinicDay,
        start: time("09:00"),
        end: time("12:00"),
        need: Need {
            weekday: 0,
            saturday: 1,
            holiday: 0,
        },
        max: None,
        overtime: None,
    });
    for m in &mut spec.staff {
        m.facilities = vec!["F-1".to_string()];
    }
    let roster = solve(&spec, &limits()).unwrap();
    assert_lawful(&spec, &roster);
    let nights: Vec<&Short> = roster.short.iter().filter(|s| s.shift == "夜").collect();
    assert_eq!(nights.len(), 31 - 8);
    for short in &nights {
        assert_eq!(short.not_qualified, 6);
        assert_eq!(short.reasons.len(), 2, "{short:?}");
        for (who, reason) in &short.reasons {
            assert!(
                matches!(
                    reason,
                    ShortReason::Nights { most: 4 }
                        | ShortReason::OtherShift { .. }
                        | ShortReason::Rest { .. }
                ),
                "{who}: {reason:?}"
            );
        }
        assert!(
            short
                .summary
                .en
                .starts_with("1 short: of 2 who may work it")
        );
    }
    let clinic: Vec<&Short> = roster.short.iter().filter(|s| s.shift == "診").collect();
    assert_eq!(clinic.len(), 4, "four Saturdays in December 2026");
    assert!(
        clinic
            .iter()
            .all(|s| s.reasons.is_empty() && s.not_qualified == 8)
    );
    assert_eq!(
        clinic[0].summary.ja,
        "1人不足: この勤務に就ける職員がいません"
    );
}

#[test]
fn hours_worked_elsewhere_and_fixed_duties_are_kept_to() {
    let mut spec = er();
    // S1 has worked 90 h of overtime this month at another employer: one more 16.5 h
    // night would pass the 100 h interview threshold, so no night for S1.
    spec.staff[0].baseline = vec![Baseline {
        employer: "F-9".to_string(),
        month: 90 * 60,
        year: 500 * 60,
    }];
    // S2 is dispatched elsewhere on the night of 10 December.
    spec.staff[1].fixed = vec![spec.shifts[1].duty_on(day("2026-12-10"), "dispatch-7".to_string())];
    spec.staff[1].fixed[0].employer = "F-9".to_string();
    let roster = solve(&spec, &limits()).unwrap();
    assert_lawful(&spec, &roster);
    let s1 = roster.members.iter().find(|m| m.member == "S1").unwrap();
    assert_eq!(s1.nights, 0);
    assert!(s1.month_overtime <= 100 * 60);
    for d in ["2026-12-10", "2026-12-11"] {
        assert_eq!(roster.shift_of("S2", day(d)), None, "{d}");
    }
}

#[test]
fn a_bad_spec_says_every_problem_with_where_and_how_to_fix_it() {
    let mut spec = er();
    spec.month = day("2026-12-02");
    spec.shifts[1].code = "日".to_string();
    spec.staff[0].shifts = vec!["X".to_string()];
    spec.staff[1].days_off = vec![day("2027-01-03")];
    spec.requests = vec![DayRequest {
        member: "S9".to_string(),
        date: day("2026-12-05"),
        shift: None,
        on: true,
        weight: Some(0),
    }];
    let problems = solve(&spec, &limits()).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "month",
            "shifts[1].code",
            "staff[0].shifts[0]",
            "staff[1].days_off[0]",
            "requests[0].member",
            "requests[0].shift",
            "requests[0].weight",
        ]
    );
    assert!(problems[2].problem.ja.contains("「X」"));
    assert!(problems[2].fix.en.contains("shift codes"));
    assert!(
        problems
            .iter()
            .all(|p| !p.fix.ja.is_empty() && !p.fix.en.is_empty())
    );
    // An empty roster is refused, not panicked on.
    let empty = Spec {
        facilities: vec![],
        shifts: vec![],
        staff: vec![],
        ..er()
    };
    let fields: Vec<String> = empty.validate().into_iter().map(|p| p.field).collect();
    assert_eq!(fields, vec!["facilities", "shifts", "staff"]);
    assert_eq!(er().month.day(), 1);
}

#[test]
fn a_spec_reads_from_toml_with_defaults() {
    let text = r#"
title = "当直表"
month = "2027-01-01"

[[facilities]]
id = "F-1"
name = "合成病院"

[[shifts]]
code = "当"
name = "当直"
facility = "F-1"
kind = "permitted_night_duty"
start = "17:15:00"
end = "08:30:00"
need = { weekday = 1, saturday = 1, holiday = 1 }

[[staff]]
id = "S1"
name = "合成 一郎"
level = "A"

[[staff]]
id = "S2"
name = "合成 二郎"
level = "B"
max_nights = 10
"#;
    let spec: Spec = toml::from_str(text).unwrap();
    assert_eq!(spec.weights, Weights::default());
    assert!(spec.validate().is_empty());
    let roster = solve(&spec, &limits()).unwrap();
    assert_lawful(&spec, &roster);
    // 1 January is a holiday: the days know it.
    assert_eq!(roster.days[0].kind, DayType::Holiday);
    assert_eq!(roster.days[0].holiday.as_deref(), Some("元日"));
    // Permitted night duty: a night after a night is lawful, and 31 nights are covered by
    // the two of them.
    assert_eq!(roster.figures.covered, 31);
}

/// The example in the documentation: an alliance of a hospital and a clinic, with night
/// duty without a permit (whose rest rule reaches over three days, beyond what the engine's
/// successions hold: the hours check takes such shifts out and the refill puts others in).
#[test]
fn the_documented_alliance_example_is_made_lawfully_and_explained() {
    let spec: Spec =
        toml::from_str(include_str!("../../../../docs/examples/duty-roster.toml")).unwrap();
    assert!(spec.validate().is_empty(), "{:?}", spec.validate());
    // The engine's budget is wall-clock time only: 3 s granted one wish instead of two once
    // in a full run with the other tests on both cores. 10 s leaves room for a busy machine;
    // a deterministic budget (moves, not seconds) in `shift::Limits` is the real cure.
    let roster = solve(
        &spec,
        &Limits {
            time_limit: Duration::from_secs(10),
            seed: 1,
            threads: 1,
        },
    )
    .unwrap();
    assert_lawful(&spec, &roster);
    assert_eq!(roster.figures.granted, 2);
    assert!(
        roster.figures.covered * 100 >= roster.figures.needed * 95,
        "{:?}",
        roster.figures
    );
    // The clinic's doctor only works at the clinic.
    assert!(
        roster
            .assignments
            .iter()
            .filter(|a| a.member == "S-06")
            .all(|a| a.shift == "診")
    );
    // Nobody is left free beside a shift left short: each reason is a rule.
    for short in &roster.short {
        assert!(
            short.reasons.iter().all(|(_, r)| *r != ShortReason::Free),
            "{short:#?}"
        );
    }
}

mod props {
    use proptest::prelude::*;

    use super::*;

    fn arb_spec() -> impl Strategy<Value = Spec> {
        (
            2usize..=6,
            prop::collection::vec((0u32..=2, 0u32..=2, 0usize..4, any::<bool>()), 1..=3),
            prop::collection::vec((0u32..=3, any::<bool>(), 0usize..3, 0u32..=40), 12),
            prop::collection::vec((0usize..6, 1u32..=28, any::<bool>()), 0..6),
            any::<u64>(),
        )
            .prop_map(|(n, shifts, people, requests, seed)| {
                let starts = ["08:30", "13:00", "17:15", "21:00"];
                let mut spec = er();
                spec.month = day("2027-02-01");
                spec.shifts = shifts
                    .iter()
                    .enumerate()
                    .map(|(i, &(weekday, holiday, start, night))| ShiftSpec {
                        code: format!("S{i}"),
                        name: format!("shift {i}"),
                        facility: "F-1".to_string(),
                        kind: if night {
                            DutyKind::NightDuty
                        } else {
                            DutyKind::ClinicDay
                        },
                        start: time(starts[start]),
                        end: time(if night { "09:00" } else { "17:00" }),
                        need: Need {
                            weekday,
                            saturday: holiday,
                            holiday,
                        },
                        max: None,
                        overtime: None,
                    })
                    .collect();
                spec.staff = people[..n]
                    .iter()
                    .enumerate()
                    .map(|(i, &(nights, resident, level, hours))| {
                        let mut m = member(&format!("P{i}"));
                        m.max_nights = Some(nights);
                        m.level = [WorkHourLevel::A, WorkHourLevel::B, WorkHourLevel::C1][level];
                        m.initial_resident = resident;
                        m.baseline = vec![Baseline {
                            employer: "F-9".to_string(),
                            month: i64::from(hours) * 60,
                            year: i64::from(hours) * 60 * 3,
                        }];
                        if i == 0 {
                            m.days_off = vec![day("2027-02-10")];
                        }
                        m
                    })
                    .collect();
                spec.requests = requests
                    .into_iter()
                    .filter(|(m, _, _)| *m < n)
                    .map(|(m, d, on)| DayRequest {
                        member: format!("P{m}"),
                        date: day(&format!("2027-02-{d:02}")),
                        shift: on.then(|| "S0".to_string()),
                        on,
                        weight: None,
                    })
                    .collect();
                spec.title = format!("random {seed}");
                spec
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever is asked, the roster keeps every hard rule and its figures add up.
        #[test]
        fn a_roster_never_breaks_a_rule(spec in arb_spec()) {
            let roster = solve(&spec, &Limits {
                time_limit: Duration::from_millis(300),
                seed: 1,
                threads: 1,
            }).unwrap();
            assert_lawful(&spec, &roster);
            let short: u32 = roster.short.iter().map(|s| s.need - s.got).sum();
            prop_assert_eq!(roster.figures.needed - roster.figures.covered, short);
            let granted = roster.requests.iter().filter(|r| r.granted).count();
            prop_assert_eq!(granted, roster.figures.granted);
        }
    }
}
