//! The checker: a doctor's timeline against the rules, every breach with the rule, the
//! period and the hours.

use std::collections::BTreeMap;

use chiiki_domain::{DutyKind, FiscalYear, Msg, NaiveDate, WorkHourLevel};
use chrono::{Datelike, Duration, Months, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::rules::{RestRule, Rules};

/// One duty of a doctor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    /// The employer (facility id) whose work this is.
    pub employer: String,
    /// What this duty is in the caller's terms (a dispatch id, a roster cell).
    pub reference: String,
    pub kind: DutyKind,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// Minutes actually worked during permitted on-call duty or on call (ignored for work).
    #[serde(default)]
    pub worked: i64,
    /// How many of the counted minutes are overtime, when not all of them are.
    #[serde(default)]
    pub overtime: Option<i64>,
}

impl Duty {
    /// The duty's length in minutes.
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes().max(0)
    }

    /// Whether the whole duty is working time.
    pub fn is_work(&self) -> bool {
        matches!(self.kind, DutyKind::ClinicDay | DutyKind::NightDuty)
    }

    /// Minutes counted as working time.
    pub fn counted(&self) -> i64 {
        if self.is_work() {
            self.minutes()
        } else {
            self.worked.clamp(0, self.minutes())
        }
    }

    /// Counted minutes that are overtime and holiday work.
    pub fn overtime_minutes(&self) -> i64 {
        let counted = self.counted();
        self.overtime.map_or(counted, |o| o.clamp(0, counted))
    }
}

/// Overtime already worked at one employer in the timeline's month and fiscal year, as
/// recorded so far (before the timeline's duties).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub employer: String,
    /// Minutes this calendar month so far.
    pub month: i64,
    /// Minutes this fiscal year so far (including this month's).
    pub year: i64,
}

/// What is known of one doctor's work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub doctor: String,
    pub level: WorkHourLevel,
    /// An initial resident (臨床研修医) under C-1: the resident's rest rule applies.
    #[serde(default)]
    pub initial_resident: bool,
    /// The first day of the month the baseline belongs to.
    pub month: NaiveDate,
    #[serde(default)]
    pub baseline: Vec<Baseline>,
    /// Dates of interviews (面接指導) held.
    #[serde(default)]
    pub interviews: Vec<NaiveDate>,
    /// Compensatory rest given (代償休息), start and end.
    #[serde(default)]
    pub compensatory: Vec<(NaiveDateTime, NaiveDateTime)>,
    #[serde(default)]
    pub duties: Vec<Duty>,
}

/// Which rule a breach is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Two duties at once.
    Overlap,
    /// Continuous work over the limit.
    ContinuousWork,
    /// Not enough continuous rest after the start of work.
    Rest,
    /// The month reached the interview threshold without an interview before it.
    MonthlyInterview,
    /// The month went over the action threshold.
    MonthlyAction,
    /// The fiscal year went over the level's cap.
    AnnualCap,
    /// 連携B: one facility's hours went over its cap.
    FacilityCap,
    /// Work under a level after its end date.
    LevelExpired,
    /// Compensatory rest not given back in time.
    Compensatory,
}

impl RuleKind {
    pub const ALL: [RuleKind; 9] = [
        RuleKind::Overlap,
        RuleKind::ContinuousWork,
        RuleKind::Rest,
        RuleKind::MonthlyInterview,
        RuleKind::MonthlyAction,
        RuleKind::AnnualCap,
        RuleKind::FacilityCap,
        RuleKind::LevelExpired,
        RuleKind::Compensatory,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            RuleKind::Overlap => "overlap",
            RuleKind::ContinuousWork => "continuous_work",
            RuleKind::Rest => "rest",
            RuleKind::MonthlyInterview => "monthly_interview",
            RuleKind::MonthlyAction => "monthly_action",
            RuleKind::AnnualCap => "annual_cap",
            RuleKind::FacilityCap => "facility_cap",
            RuleKind::LevelExpired => "level_expired",
            RuleKind::Compensatory => "compensatory",
        }
    }

    pub fn label(self) -> Msg {
        let (ja, en) = match self {
            RuleKind::Overlap => ("勤務の重複", "Overlapping duties"),
            RuleKind::ContinuousWork => ("連続勤務時間制限", "Continuous work limit"),
            RuleKind::Rest => ("勤務間インターバル", "Rest between duties"),
            RuleKind::MonthlyInterview => {
                ("月100時間以上の面接指導", "Interview before 100 h a month")
            }
            RuleKind::MonthlyAction => ("月155時間超の措置", "Action above 155 h a month"),
            RuleKind::AnnualCap => ("年間の時間外・休日労働の上限", "Annual overtime cap"),
            RuleKind::FacilityCap => ("連携B水準の医療機関ごとの上限", "Linked B cap per facility"),
            RuleKind::LevelExpired => ("水準の適用期限", "End of the level"),
            RuleKind::Compensatory => ("代償休息", "Compensatory rest"),
        };
        Msg::new(ja, en)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A binding rule is broken.
    Breach,
    /// A best-effort rule is broken (rest for level A).
    Warning,
    /// The manager must act (over 155 h in a month).
    Action,
    /// Something is owed and not yet due (compensatory rest).
    Due,
}

/// One finding of the checker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    pub rule: RuleKind,
    pub severity: Severity,
    pub doctor: String,
    /// The period concerned.
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    /// The figure found, in minutes (hours worked, rest found, minutes owed).
    pub minutes: i64,
    /// The limit it is measured against, in minutes.
    pub limit: i64,
    /// The duties concerned (their references).
    pub duties: Vec<String>,
    pub message: Msg,
    /// Where the rule comes from.
    pub source: String,
}

/// How much more a doctor may work, in minutes, for planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headroom {
    /// To the month's planning cap: just under the interview threshold, or the action
    /// threshold once an interview is held that month.
    pub month: i64,
    /// To the level's annual cap.
    pub year: i64,
    /// 連携B: to the cap at the facility asked about.
    pub facility: Option<i64>,
}

impl Headroom {
    /// The least of the three.
    pub fn least(&self) -> i64 {
        self.month
            .min(self.year)
            .min(self.facility.unwrap_or(i64::MAX))
            .max(0)
    }
}

/// The first day of the month of a moment.
pub fn month_of(t: NaiveDateTime) -> NaiveDate {
    t.date().with_day(1).unwrap_or(t.date())
}

fn month_end(first: NaiveDate, months_after: u32) -> NaiveDateTime {
    let next = first
        .checked_add_months(Months::new(months_after + 1))
        .unwrap_or(NaiveDate::MAX);
    next.and_hms_opt(0, 0, 0).unwrap_or(NaiveDateTime::MAX)
}

fn hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        format!("{}", minutes / 60)
    } else {
        format!("{:.1}", minutes as f64 / 60.0)
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or(NaiveDateTime::MIN)
}

/// Everything the rules find in a timeline, as of a date (compensatory rest falls due).
pub fn check(rules: &Rules, timeline: &Timeline, as_of: NaiveDate) -> Vec<Breach> {
    let mut out = Vec::new();
    let mut duties: Vec<&Duty> = timeline.duties.iter().collect();
    duties.sort_by_key(|d| (d.start, d.end));
    overlaps(timeline, &duties, &mut out);
    rest(rules, timeline, &duties, &mut out);
    monthly(rules, timeline, &duties, &mut out);
    annual(rules, timeline, &duties, &mut out);
    compensatory(rules, timeline, &duties, as_of, &mut out);
    out
}

/// What adding `extra` to the timeline would break in overlap and rest (the caps are
/// planned through [`headroom`]): the findings present with it and absent without it.
pub fn admissible(rules: &Rules, timeline: &Timeline, extra: &Duty) -> Vec<Breach> {
    let mut duties: Vec<&Duty> = timeline.duties.iter().collect();
    duties.sort_by_key(|d| (d.start, d.end));
    let mut before = Vec::new();
    overlaps(timeline, &duties, &mut before);
    rest(rules, timeline, &duties, &mut before);
    duties.push(extra);
    duties.sort_by_key(|d| (d.start, d.end));
    let mut after = Vec::new();
    overlaps(timeline, &duties, &mut after);
    rest(rules, timeline, &duties, &mut after);
    after.retain(|b| !before.contains(b));
    after
}

/// The successions the rest rules forbid among `n` duty patterns, for a doctor of `level`
/// (an initial resident when `initial_resident`): `(a, gap, b)` when a duty of pattern `b`
/// starting `gap` days (1 or 2) after one of pattern `a` breaks a rule that the pair alone
/// does not break apart. `duty_on(i, date)` is pattern `i` on `date`.
pub fn forbidden_successions(
    rules: &Rules,
    level: WorkHourLevel,
    initial_resident: bool,
    first: NaiveDate,
    n: usize,
    duty_on: impl Fn(usize, NaiveDate) -> Duty,
) -> std::collections::HashSet<(usize, u8, usize)> {
    let mut out = std::collections::HashSet::new();
    let probe = Timeline {
        doctor: String::new(),
        level,
        initial_resident,
        month: first,
        baseline: vec![],
        interviews: vec![],
        compensatory: vec![],
        duties: vec![],
    };
    for a in 0..n {
        let mut t = probe.clone();
        t.duties = vec![duty_on(a, first)];
        for gap in 1..=2u8 {
            let date = first + Duration::days(i64::from(gap));
            for b in 0..n {
                if !admissible(rules, &t, &duty_on(b, date)).is_empty() {
                    out.insert((a, gap, b));
                }
            }
        }
    }
    out
}

/// The findings a plan must not create: breaches, warnings (rest is planned even where it
/// is best effort) and the action threshold; notices of compensatory rest due are left.
pub fn binding(found: Vec<Breach>) -> Vec<Breach> {
    found
        .into_iter()
        .filter(|b| b.severity != Severity::Due)
        .collect()
}

/// Overtime minutes a timeline holds in `month` (the first day of a month), in its fiscal
/// year, and in that year at `facility`: the baseline plus the duties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worked {
    pub month: i64,
    pub year: i64,
    pub facility: i64,
}

/// What [`Worked`] a timeline holds.
pub fn worked(timeline: &Timeline, month: NaiveDate, facility: Option<&str>) -> Worked {
    let fy = FiscalYear::of(month);
    let mut w = Worked {
        month: 0,
        year: 0,
        facility: 0,
    };
    if timeline.month == month {
        w.month += timeline.baseline.iter().map(|b| b.month).sum::<i64>();
    }
    if FiscalYear::of(timeline.month) == fy {
        for b in &timeline.baseline {
            w.year += b.year;
            if Some(b.employer.as_str()) == facility {
                w.facility += b.year;
            }
        }
    }
    for d in &timeline.duties {
        let m = d.overtime_minutes();
        if month_of(d.start) == month {
            w.month += m;
        }
        if FiscalYear::of(d.start.date()) == fy {
            w.year += m;
            if Some(d.employer.as_str()) == facility {
                w.facility += m;
            }
        }
    }
    w
}

/// How much more the doctor may work in `month` (the first day of a month), and at
/// `facility` for 連携B.
pub fn headroom(
    rules: &Rules,
    timeline: &Timeline,
    month: NaiveDate,
    facility: Option<&str>,
) -> Headroom {
    let w = worked(timeline, month, facility);
    let interviewed = timeline
        .interviews
        .iter()
        .any(|d| d.year() == month.year() && d.month() == month.month());
    let month_cap = if interviewed {
        rules.monthly.action_from
    } else {
        rules.monthly.interview_from - 1
    };
    let annual = rules.annual(timeline.level);
    Headroom {
        month: month_cap - w.month,
        year: annual.cap - w.year,
        facility: match (annual.per_facility, facility) {
            (Some(cap), Some(_)) => Some(cap - w.facility),
            _ => None,
        },
    }
}

fn overlaps(t: &Timeline, duties: &[&Duty], out: &mut Vec<Breach>) {
    let mut latest: Option<&Duty> = None;
    for d in duties {
        if let Some(prev) = latest {
            if d.start < prev.end {
                let minutes = (prev.end.min(d.end) - d.start).num_minutes();
                out.push(Breach {
                    rule: RuleKind::Overlap,
                    severity: Severity::Breach,
                    doctor: t.doctor.clone(),
                    from: d.start,
                    to: prev.end.min(d.end),
                    minutes,
                    limit: 0,
                    duties: vec![prev.reference.clone(), d.reference.clone()],
                    message: Msg::new(
                        format!(
                            "{}と{}が{}時間重なっています。どちらかを別の医師にしてください",
                            prev.reference,
                            d.reference,
                            hours(minutes)
                        ),
                        format!(
                            "{} and {} overlap by {} h; give one of them to another doctor",
                            prev.reference,
                            d.reference,
                            hours(minutes)
                        ),
                    ),
                    source: "一人の医師は同時に二つの勤務に就けません / one doctor cannot be in two duties at once".into(),
                });
            }
            if d.end > prev.end {
                latest = Some(d);
            }
        } else {
            latest = Some(d);
        }
    }
}

/// A block of continuous work.
struct Block {
    start: NaiveDateTime,
    end: NaiveDateTime,
    night: bool,
    duties: Vec<String>,
}

fn rest(rules: &Rules, t: &Timeline, duties: &[&Duty], out: &mut Vec<Breach>) {
    let mut blocks: Vec<Block> = Vec::new();
    for d in duties.iter().filter(|d| d.is_work()) {
        match blocks.last_mut() {
            Some(b) if d.start <= b.end => {
                b.end = b.end.max(d.end);
                b.night |= d.kind == DutyKind::NightDuty;
                b.duties.push(d.reference.clone());
            }
            _ => blocks.push(Block {
                start: d.start,
                end: d.end,
                night: d.kind == DutyKind::NightDuty,
                duties: vec![d.reference.clone()],
            }),
        }
    }
    // What breaks rest: work, and permitted duty too short to count as rest.
    let mut barriers: Vec<(NaiveDateTime, NaiveDateTime)> = duties
        .iter()
        .filter(|d| {
            d.is_work()
                || (d.kind == DutyKind::PermittedNightDuty
                    && d.minutes() < rules.permit.rest_equivalent)
        })
        .map(|d| (d.start, d.end))
        .collect();
    barriers.sort();
    let mandatory = rules.rest_mandatory(t.level);
    let severity = if mandatory {
        Severity::Breach
    } else {
        Severity::Warning
    };
    for b in &blocks {
        let (rule, source): (RestRule, &str) = if !b.night {
            (rules.rest.day, &rules.rest.day_source)
        } else if t.level == WorkHourLevel::C1 && t.initial_resident {
            (rules.rest.resident, &rules.rest.resident_source)
        } else {
            (rules.rest.night, &rules.rest.night_source)
        };
        let length = (b.end - b.start).num_minutes();
        if length > rule.max_continuous {
            out.push(Breach {
                rule: RuleKind::ContinuousWork,
                severity,
                doctor: t.doctor.clone(),
                from: b.start,
                to: b.end,
                minutes: length,
                limit: rule.max_continuous,
                duties: b.duties.clone(),
                message: Msg::new(
                    format!(
                        "連続勤務が{}時間で、上限{}時間を超えています",
                        hours(length),
                        hours(rule.max_continuous)
                    ),
                    format!(
                        "{} h of continuous work, over the limit of {} h",
                        hours(length),
                        hours(rule.max_continuous)
                    ),
                ),
                source: source.to_string(),
            });
        }
        let window_end = b.start + Duration::minutes(rule.within);
        let mut cursor = b.start;
        let mut longest = 0;
        for &(s, e) in &barriers {
            if e <= cursor {
                continue;
            }
            if s >= window_end {
                break;
            }
            longest = longest.max((s.min(window_end) - cursor).num_minutes());
            cursor = cursor.max(e);
            if cursor >= window_end {
                break;
            }
        }
        if cursor < window_end {
            longest = longest.max((window_end - cursor).num_minutes());
        }
        if longest < rule.rest {
            out.push(Breach {
                rule: RuleKind::Rest,
                severity,
                doctor: t.doctor.clone(),
                from: b.start,
                to: window_end,
                minutes: longest,
                limit: rule.rest,
                duties: b.duties.clone(),
                message: Msg::new(
                    format!(
                        "始業から{}時間以内の連続した休息が{}時間しかありません（{}時間必要）",
                        hours(rule.within),
                        hours(longest),
                        hours(rule.rest)
                    ),
                    format!(
                        "only {} h of continuous rest within {} h of the start ({} h needed)",
                        hours(longest),
                        hours(rule.within),
                        hours(rule.rest)
                    ),
                ),
                source: source.to_string(),
            });
        }
    }
}

fn monthly(rules: &Rules, t: &Timeline, duties: &[&Duty], out: &mut Vec<Breach>) {
    let mut months: BTreeMap<NaiveDate, Vec<&Duty>> = BTreeMap::new();
    for d in duties {
        months.entry(month_of(d.start)).or_default().push(d);
    }
    months.entry(t.month).or_default();
    let base: i64 = t.baseline.iter().map(|b| b.month).sum();
    for (month, ds) in months {
        let start = if month == t.month { base } else { 0 };
        let mut total = start;
        // Crossed before the duties we know of: when is unknown, so any interview that
        // month will do.
        let mut crossing: Option<NaiveDate> = (total >= rules.monthly.interview_from)
            .then(|| month_end(month, 0).date() - Duration::days(1));
        for d in &ds {
            let before = total;
            total += d.overtime_minutes();
            if crossing.is_none() && total >= rules.monthly.interview_from && before < total {
                crossing = Some(d.start.date());
            }
        }
        let end = month_end(month, 0);
        let refs: Vec<String> = ds.iter().map(|d| d.reference.clone()).collect();
        if let Some(by) = crossing {
            let held = t.interviews.iter().any(|i| *i >= month && *i <= by);
            if !held {
                out.push(Breach {
                    rule: RuleKind::MonthlyInterview,
                    severity: Severity::Breach,
                    doctor: t.doctor.clone(),
                    from: midnight(month),
                    to: end,
                    minutes: total,
                    limit: rules.monthly.interview_from,
                    duties: refs.clone(),
                    message: Msg::new(
                        format!(
                            "{}年{}月の時間外・休日労働が{}時間に達しますが、{}までに面接指導の記録がありません",
                            month.year(),
                            month.month(),
                            hours(total),
                            by
                        ),
                        format!(
                            "{}-{:02} reaches {} h of overtime with no interview recorded by {}; hold and record the interview first",
                            month.year(),
                            month.month(),
                            hours(total),
                            by
                        ),
                    ),
                    source: rules.monthly.source.clone(),
                });
            }
        }
        if total > rules.monthly.action_from {
            out.push(Breach {
                rule: RuleKind::MonthlyAction,
                severity: Severity::Action,
                doctor: t.doctor.clone(),
                from: midnight(month),
                to: end,
                minutes: total,
                limit: rules.monthly.action_from,
                duties: refs,
                message: Msg::new(
                    format!(
                        "{}年{}月の時間外・休日労働が{}時間で{}時間を超えます。労働時間短縮の措置が必要です",
                        month.year(),
                        month.month(),
                        hours(total),
                        hours(rules.monthly.action_from)
                    ),
                    format!(
                        "{}-{:02} has {} h of overtime, over {} h: the hours must be reduced",
                        month.year(),
                        month.month(),
                        hours(total),
                        hours(rules.monthly.action_from)
                    ),
                ),
                source: rules.monthly.source.clone(),
            });
        }
    }
}

/// A fiscal year's overtime: in all, per employer, and the duties concerned.
type YearTotals<'a> = (i64, BTreeMap<&'a str, i64>, Vec<String>);

fn annual(rules: &Rules, t: &Timeline, duties: &[&Duty], out: &mut Vec<Breach>) {
    let rule = rules.annual(t.level);
    let base_year = FiscalYear::of(t.month);
    let mut years: BTreeMap<FiscalYear, YearTotals> = BTreeMap::new();
    let entry = years.entry(base_year).or_default();
    for b in &t.baseline {
        entry.0 += b.year;
        *entry.1.entry(b.employer.as_str()).or_default() += b.year;
    }
    for d in duties {
        let e = years.entry(FiscalYear::of(d.start.date())).or_default();
        e.0 += d.overtime_minutes();
        *e.1.entry(d.employer.as_str()).or_default() += d.overtime_minutes();
        e.2.push(d.reference.clone());
    }
    for (fy, (total, by_employer, refs)) in &years {
        let (from, to) = (midnight(fy.start()), midnight(fy.end()) + Duration::days(1));
        if *total > rule.cap {
            out.push(Breach {
                rule: RuleKind::AnnualCap,
                severity: Severity::Breach,
                doctor: t.doctor.clone(),
                from,
                to,
                minutes: *total,
                limit: rule.cap,
                duties: refs.clone(),
                message: Msg::new(
                    format!(
                        "{}の時間外・休日労働が{}時間で、{}の上限{}時間を超えます",
                        fy,
                        hours(*total),
                        t.level.label(chiiki_domain::Lang::Ja),
                        hours(rule.cap)
                    ),
                    format!(
                        "FY{} has {} h of overtime, over the {} cap of {} h",
                        fy.year(),
                        hours(*total),
                        t.level.label(chiiki_domain::Lang::En),
                        hours(rule.cap)
                    ),
                ),
                source: rule.source.clone(),
            });
        }
        if let Some(cap) = rule.per_facility {
            for (employer, m) in by_employer {
                if *m > cap {
                    out.push(Breach {
                        rule: RuleKind::FacilityCap,
                        severity: Severity::Breach,
                        doctor: t.doctor.clone(),
                        from,
                        to,
                        minutes: *m,
                        limit: cap,
                        duties: refs.clone(),
                        message: Msg::new(
                            format!("{fy}の{employer}での時間外・休日労働が{}時間で、医療機関ごとの上限{}時間を超えます", hours(*m), hours(cap)),
                            format!("FY{} has {} h of overtime at {employer}, over the per-facility cap of {} h", fy.year(), hours(*m), hours(cap)),
                        ),
                        source: rule.source.clone(),
                    });
                }
            }
        }
    }
    if let Some(until) = rule.until
        && let Some(d) = duties.iter().find(|d| d.start.date() > until)
    {
        out.push(Breach {
            rule: RuleKind::LevelExpired,
            severity: Severity::Breach,
            doctor: t.doctor.clone(),
            from: d.start,
            to: d.end,
            minutes: d.overtime_minutes(),
            limit: 0,
            duties: vec![d.reference.clone()],
            message: Msg::new(
                format!(
                    "{}は{}で終了しています。水準を見直してください",
                    t.level.label(chiiki_domain::Lang::Ja),
                    until
                ),
                format!(
                    "{} ended on {}; review the doctor's level",
                    t.level.label(chiiki_domain::Lang::En),
                    until
                ),
            ),
            source: rule.source.clone(),
        });
    }
}

fn compensatory(
    rules: &Rules,
    t: &Timeline,
    duties: &[&Duty],
    as_of: NaiveDate,
    out: &mut Vec<Breach>,
) {
    if !rules.rest_mandatory(t.level) {
        return;
    }
    let mut given: Vec<(NaiveDateTime, i64)> = t
        .compensatory
        .iter()
        .map(|(s, e)| (*s, (*e - *s).num_minutes().max(0)))
        .collect();
    given.sort();
    for d in duties.iter().filter(|d| !d.is_work() && d.counted() > 0) {
        let due = month_end(month_of(d.start), rules.compensatory.months_after);
        let mut owed = d.counted();
        for (start, left) in given.iter_mut() {
            if owed == 0 {
                break;
            }
            if *start >= d.start && *start < due && *left > 0 {
                let take = owed.min(*left);
                owed -= take;
                *left -= take;
            }
        }
        if owed > 0 {
            let overdue = midnight(as_of) >= due;
            let last_day = (due - Duration::days(1)).date();
            out.push(Breach {
                rule: RuleKind::Compensatory,
                severity: if overdue {
                    Severity::Breach
                } else {
                    Severity::Due
                },
                doctor: t.doctor.clone(),
                from: d.start,
                to: due,
                minutes: owed,
                limit: 0,
                duties: vec![d.reference.clone()],
                message: Msg::new(
                    format!(
                        "{}中の勤務{}時間分の代償休息を{}までに付与してください{}",
                        d.reference,
                        hours(owed),
                        last_day,
                        if overdue { "（期限切れ）" } else { "" }
                    ),
                    format!(
                        "{} h of compensatory rest for work during {} {} by {}",
                        hours(owed),
                        d.reference,
                        if overdue { "was due" } else { "is due" },
                        last_day
                    ),
                ),
                source: rules.compensatory.source.clone(),
            });
        }
    }
}
