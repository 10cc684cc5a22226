//! A doctor's timeline measured against their scheme as of a date: what counted, what
//! remains, by when, the status, the rules broken and the risks, each said in one plain
//! sentence in Japanese and in English that names the rule and the numbers.
//!
//! How it counts (the units are those of [`crate::span`]):
//! - Only what happened up to the as-of date counts: every period is cut at that day, and a
//!   violation never depends on a later period. Periods after it are plans; they are used
//!   only for risks ("designated years not yet scheduled") and by [`what_if`].
//! - A day of service counts when the period's kind counts under `rules.service` (without
//!   that rule: every kind of work but initial residency), in the prefecture when the rule
//!   says so, at its FTE when `pro_rata_fte` (in hundredths of a day, exactly), not at all
//!   below `min_fte`, and fully otherwise.
//! - Designated service is counted service in a designated facility (`facility_group =
//!   designated`) or a shortage area (`in_shortage_area`), as the rule's `places` say.
//! - Suspensions of an allowed kind pause the obligation: they never count, and when the
//!   deadline is extended by them it moves by their calendar days, up to each kind's cap.
//! - The order of the periods in the file never matters.

use std::collections::BTreeMap;

use chiiki_domain::{
    AssignmentKind, FacilityGroup, Lang, Msg, NaiveDate, Period, RegisterStatus, SchemeId,
    format_iso, over_full_time,
};
use serde::Serialize;

use crate::scheme::{Cited, ObligationStatus, Place, SchemeDefinition, Suspension};
use crate::span::{self, SERVICE_DAYS_PER_YEAR};
use crate::timeline::{ServicePeriod, Timeline};

/// Where a doctor stands as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing has started yet (a student, or before the first period).
    NotStarted,
    InitialResidency,
    InService,
    InDesignatedService,
    Suspended,
    Completed,
    /// A rule was broken so that the obligation can no longer be met as agreed.
    Breached,
    Repaid,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::NotStarted,
        Status::InitialResidency,
        Status::InService,
        Status::InDesignatedService,
        Status::Suspended,
        Status::Completed,
        Status::Breached,
        Status::Repaid,
        Status::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InitialResidency => "initial_residency",
            Status::InService => "in_service",
            Status::InDesignatedService => "in_designated_service",
            Status::Suspended => "suspended",
            Status::Completed => "completed",
            Status::Breached => "breached",
            Status::Repaid => "repaid",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            Status::NotStarted => ("開始前", "Not started"),
            Status::InitialResidency => ("初期研修", "Initial residency"),
            Status::InService => ("義務履行中", "In service"),
            Status::InDesignatedService => ("指定勤務中", "In designated service"),
            Status::Suspended => ("中断中", "Suspended"),
            Status::Completed => ("義務明け", "Completed"),
            Status::Breached => ("違反", "Breached"),
            Status::Repaid => ("返還", "Repaid"),
            Status::Withdrawn => ("辞退", "Withdrawn"),
        };
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// The scheme's own word for the status, when it has one (Gifu: 指定勤務, 指定明け…).
    pub fn label_in(self, scheme: &SchemeDefinition, lang: Lang) -> String {
        let general = match self {
            Status::InitialResidency => Some(ObligationStatus::InitialResidency),
            Status::InService | Status::InDesignatedService => Some(ObligationStatus::InService),
            Status::Suspended => Some(ObligationStatus::Suspended),
            Status::Completed => Some(ObligationStatus::Completed),
            _ => None,
        };
        match (general, &scheme.statuses) {
            (Some(g), Some(words)) if lang == Lang::Ja => words.label(g, lang).to_string(),
            _ => self.label(lang).to_string(),
        }
    }
}

/// Service counted, in days (fractions of a day from part-time work) and years.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Counted {
    /// Service toward the obligation.
    pub service_days: f64,
    pub service_years: f64,
    /// Of which in designated facilities or shortage areas.
    pub designated_days: f64,
    pub designated_years: f64,
    /// Calendar days of initial residency.
    pub initial_residency_days: u32,
    /// Calendar days suspended, by kind (code).
    pub suspended_days: BTreeMap<String, u32>,
    /// Service days outside the prefecture (of the kinds the rule covers).
    pub outside_prefecture_days: u32,
}

/// What is still owed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Remaining {
    pub service_days: f64,
    pub service_years: f64,
    pub designated_days: f64,
    pub designated_years: f64,
}

/// The deadline and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineInfo {
    /// The end of 卒後N年目.
    pub base: NaiveDate,
    /// Calendar days added for allowed suspensions (within their caps).
    pub extension_days: u32,
    pub deadline: NaiveDate,
}

/// A rule broken, or at risk: the rule (its key in the scheme file), its source passage,
/// one sentence in each language, and the periods (indices into the timeline) involved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub source: String,
    pub explanation_ja: String,
    pub explanation_en: String,
    pub periods: Vec<usize>,
}

/// The evaluation of one timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub doctor: String,
    pub scheme: SchemeId,
    pub version: u32,
    pub as_of: NaiveDate,
    pub status: Status,
    /// True when no rule is violated as of the date.
    pub compliant: bool,
    /// The service owed, in years, when it can be known (a loan-based length needs the loan).
    pub required_years: Option<f64>,
    pub counted: Counted,
    pub remaining: Remaining,
    pub deadline: Option<DeadlineInfo>,
    pub violations: Vec<Finding>,
    pub risks: Vec<Finding>,
}

fn years(days: f64) -> f64 {
    (days / f64::from(SERVICE_DAYS_PER_YEAR) * 100.0).round() / 100.0
}

fn y(days: f64) -> String {
    format!("{:.1}", days / f64::from(SERVICE_DAYS_PER_YEAR))
}

/// A period cut at the as-of date: its first and last day, or `None` when it starts later.
fn cut(p: &Period, as_of: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    if p.start() > as_of {
        return None;
    }
    let last = p.end().map_or(as_of, |e| e.min(as_of));
    Some((p.start(), last))
}

/// Whether a period's kind is work that counts, under the scheme (see the module docs).
fn counts(scheme: &SchemeDefinition, p: &ServicePeriod) -> bool {
    match &scheme.rules.service {
        Some(rule) => rule.counts(p.kind) && (!rule.within_prefecture || p.in_prefecture),
        None => !p.kind.is_leave() && p.kind != AssignmentKind::InitialResidency,
    }
}

/// A day of the period as hundredths of a service day.
fn weight(scheme: &SchemeDefinition, p: &ServicePeriod) -> u32 {
    let h = u32::from(p.fte.hundredths());
    match &scheme.rules.service {
        Some(rule) => {
            if rule.min_fte.is_some_and(|m| p.fte < m) {
                0
            } else if rule.pro_rata_fte {
                h
            } else {
                100
            }
        }
        None => 100,
    }
}

fn designated(scheme: &SchemeDefinition, p: &ServicePeriod) -> bool {
    let places: &[Place] = match &scheme.rules.designated {
        Some(d) if !d.places.is_empty() => &d.places,
        _ => &Place::ALL,
    };
    places.iter().any(|place| match place {
        Place::DesignatedFacility => p.facility_group == Some(FacilityGroup::DesignatedShortage),
        Place::ShortageArea => p.in_shortage_area,
    })
}

/// The scheme's rule when the kind is an allowed suspension.
fn suspension(scheme: &SchemeDefinition, kind: AssignmentKind) -> Option<&Cited<Suspension>> {
    scheme.rules.suspensions.iter().find(|s| s.kind == kind)
}

/// The service days from the day after `as_of` to the deadline: what can still be worked.
fn days_left(as_of: NaiveDate, deadline: NaiveDate) -> u32 {
    span::service_days(as_of.succ_opt().unwrap_or(as_of), deadline)
}

fn calendar_days(first: NaiveDate, last: NaiveDate) -> u32 {
    u32::try_from((last - first).num_days() + 1).unwrap_or(0)
}

/// Evaluates a timeline against its scheme as of a date. `register` is the register's own
/// status of the doctor (repaid and withdrawn end the evaluation's status).
pub fn evaluate(
    scheme: &SchemeDefinition,
    t: &Timeline,
    as_of: NaiveDate,
    register: Option<RegisterStatus>,
) -> Evaluation {
    let rules = &scheme.rules;
    let mut counted = Counted::default();
    let mut service_h: u64 = 0;
    let mut designated_h: u64 = 0;
    let mut violations = Vec::new();
    let mut risks = Vec::new();
    let mut suspended_by_kind: BTreeMap<AssignmentKind, (u32, Vec<usize>)> = BTreeMap::new();
    let mut outside: (u32, Vec<usize>) = (0, Vec::new());
    let mut limit_days: Vec<(u32, Vec<usize>)> = vec![(0, Vec::new()); rules.limits.len()];

    for (i, p) in t.periods.iter().enumerate() {
        let Some((first, last)) = cut(&p.period, as_of) else {
            continue;
        };
        let days = span::service_days(first, last);
        if p.kind == AssignmentKind::InitialResidency {
            counted.initial_residency_days += calendar_days(first, last);
        }
        if suspension(scheme, p.kind).is_some() {
            let entry = suspended_by_kind.entry(p.kind).or_default();
            entry.0 += calendar_days(first, last);
            entry.1.push(i);
        } else if counts(scheme, p) {
            let h = u64::from(days) * u64::from(weight(scheme, p));
            service_h += h;
            if designated(scheme, p) {
                designated_h += h;
            }
        }
        if let Some(rule) = &rules.outside_prefecture {
            let covered = rule.applies_to.is_empty() || rule.applies_to.contains(&p.kind);
            let abroad = p.kind == AssignmentKind::StudyAbroad;
            if covered && (!p.in_prefecture || (abroad && rule.includes_abroad)) {
                outside.0 += days;
                outside.1.push(i);
            }
        }
        for (k, limit) in rules.limits.iter().enumerate() {
            if limit.kinds.contains(&p.kind) {
                limit_days[k].0 += days;
                limit_days[k].1.push(i);
            }
        }
        if let Some(rule) = &rules.initial_residency
            && rule.in_prefecture
            && p.kind == AssignmentKind::InitialResidency
            && !p.in_prefecture
        {
            violations.push(Finding {
                rule: "rules.initial_residency",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "初期研修は県内で行う決まりですが、{} の初期研修（{}）は県外です。",
                    p.period,
                    p.facility.as_deref().unwrap_or("勤務先不明")
                ),
                explanation_en: format!(
                    "Initial residency must be in the prefecture, but the residency of {} ({}) was outside it.",
                    p.period,
                    p.facility.as_deref().unwrap_or("workplace not given")
                ),
                periods: vec![i],
            });
        }
    }
    counted.service_days = service_h as f64 / 100.0;
    counted.service_years = years(counted.service_days);
    counted.designated_days = designated_h as f64 / 100.0;
    counted.designated_years = years(counted.designated_days);
    counted.outside_prefecture_days = outside.0;

    // Suspensions: their caps, and the extension of the deadline.
    let mut extension_days = 0u32;
    for (kind, (days, periods)) in &suspended_by_kind {
        counted
            .suspended_days
            .insert(kind.code().to_string(), *days);
        let rule = suspension(scheme, *kind);
        let cap = rule.and_then(|r| r.cap).map(|c| c.service_days());
        let allowed = cap.map_or(*days, |c| (*days).min(c));
        extension_days += allowed;
        if let (Some(rule), Some(cap)) = (rule, cap)
            && *days > cap
        {
            violations.push(Finding {
                rule: "rules.suspensions",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "{}は通算 {} 日までですが、{} 日になっています。",
                    kind.label(Lang::Ja),
                    cap,
                    days
                ),
                explanation_en: format!(
                    "{} is allowed for {} days in total, but has lasted {} days.",
                    kind.label(Lang::En),
                    cap,
                    days
                ),
                periods: periods.clone(),
            });
        }
    }

    // The obligation and what remains.
    let required = rules.obligation.as_ref().and_then(|o| match t.loan {
        Some(loan) => o.for_loan(&loan),
        None => match o.rule {
            crate::scheme::ObligationLength::Fixed(s) => Some(s),
            _ => None,
        },
    });
    let required_days = required.map(|s| f64::from(s.service_days()));
    let designated_required = rules
        .designated
        .as_ref()
        .and_then(|d| d.min)
        .map(|s| f64::from(s.service_days()));
    let remaining_service = required_days.map_or(0.0, |r| (r - counted.service_days).max(0.0));
    let remaining_designated =
        designated_required.map_or(0.0, |r| (r - counted.designated_days).max(0.0));
    let remaining = Remaining {
        service_days: remaining_service,
        service_years: years(remaining_service),
        designated_days: remaining_designated,
        designated_years: years(remaining_designated),
    };
    let done = required_days.is_some() && remaining_service <= 0.0 && remaining_designated <= 0.0;

    // The deadline.
    let deadline = rules.deadline.as_ref().and_then(|d| {
        let base = d.base(t.graduation_date)?;
        let extension = if d.extended_by_suspensions {
            extension_days
        } else {
            0
        };
        let deadline = base.checked_add_days(chrono::Days::new(u64::from(extension)))?;
        Some(DeadlineInfo {
            base,
            extension_days: extension,
            deadline,
        })
    });
    if let (Some(d), Some(rule)) = (&deadline, &rules.deadline) {
        if !done && as_of > d.deadline {
            violations.push(Finding {
                rule: "rules.deadline",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "卒後{}年目の終わり（延長 {} 日を含め {}）までに義務を終える決まりですが、{} 年のうち {} 年しか終えていません。",
                    rule.years_after_graduation,
                    d.extension_days,
                    format_iso(d.deadline),
                    required.map(|s| s.label(Lang::Ja)).unwrap_or_default(),
                    y(counted.service_days)
                ),
                explanation_en: format!(
                    "The obligation had to be completed by the end of year {} after graduation ({} with {} days of extension), but only {} of {} years were served.",
                    rule.years_after_graduation,
                    format_iso(d.deadline),
                    d.extension_days,
                    y(counted.service_days),
                    required.map(|s| s.label(Lang::En)).unwrap_or_default()
                ),
                periods: Vec::new(),
            });
        } else if !done && as_of <= d.deadline {
            let available = f64::from(days_left(as_of, d.deadline));
            if remaining_service > available {
                risks.push(Finding {
                    rule: "rules.deadline",
                    source: rule.source.clone(),
                    explanation_ja: format!(
                        "残り {} 年の義務は、期限 {} までの残り期間（{} 年）を毎日勤務に充てても終わりません。",
                        y(remaining_service),
                        format_iso(d.deadline),
                        y(available)
                    ),
                    explanation_en: format!(
                        "The {} years still owed cannot be served by the deadline of {} even if every remaining day ({} years) counts.",
                        y(remaining_service),
                        format_iso(d.deadline),
                        y(available)
                    ),
                    periods: Vec::new(),
                });
            }
        }
    }

    // Time outside the prefecture.
    if let Some(rule) = &rules.outside_prefecture {
        let max = rule.max.service_days();
        if outside.0 > max {
            violations.push(Finding {
                rule: "rules.outside_prefecture",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "県外での勤務は通算 {} までですが、{} 年（{} 日）になっています。",
                    rule.max.label(Lang::Ja),
                    y(f64::from(outside.0)),
                    outside.0
                ),
                explanation_en: format!(
                    "Service outside the prefecture is limited to {} in total, but amounts to {} years ({} days).",
                    rule.max.label(Lang::En),
                    y(f64::from(outside.0)),
                    outside.0
                ),
                periods: outside.1.clone(),
            });
        }
    }

    // Limits on kinds (graduate school, research…).
    for (k, limit) in rules.limits.iter().enumerate() {
        let (days, periods) = &limit_days[k];
        if *days > limit.max.service_days() {
            let kinds_ja: Vec<&str> = limit.kinds.iter().map(|k| k.label(Lang::Ja)).collect();
            let kinds_en: Vec<&str> = limit.kinds.iter().map(|k| k.label(Lang::En)).collect();
            violations.push(Finding {
                rule: "rules.limits",
                source: limit.source.clone(),
                explanation_ja: format!(
                    "{}は通算 {} までですが、{} 年になっています。",
                    kinds_ja.join("・"),
                    limit.max.label(Lang::Ja),
                    y(f64::from(*days))
                ),
                explanation_en: format!(
                    "{} is limited to {} in total, but amounts to {} years.",
                    kinds_en.join(" and "),
                    limit.max.label(Lang::En),
                    y(f64::from(*days))
                ),
                periods: periods.clone(),
            });
        }
    }

    // Tenure: each finished stay at a facility at least the minimum.
    if let Some(rule) = &rules.tenure {
        for (facility, (first, last, periods)) in stays(t, &rule.applies_to, as_of) {
            let finished = periods
                .iter()
                .all(|&i| t.periods[i].period.end().is_some_and(|e| e <= as_of));
            let days = span::service_days(first, last);
            if finished && days < rule.min_per_facility.service_days() {
                violations.push(Finding {
                    rule: "rules.tenure",
                    source: rule.source.clone(),
                    explanation_ja: format!(
                        "各医療機関での勤務は {} 以上の決まりですが、{}での勤務（{} – {}）は {} 日でした。",
                        rule.min_per_facility.label(Lang::Ja),
                        facility,
                        format_iso(first),
                        format_iso(last),
                        days
                    ),
                    explanation_en: format!(
                        "Each stay must last at least {}, but the stay at {} ({} – {}) lasted {} days.",
                        rule.min_per_facility.label(Lang::En),
                        facility,
                        format_iso(first),
                        format_iso(last),
                        days
                    ),
                    periods,
                });
            }
        }
    }

    // Specialist certification by year N after graduation.
    if let Some(rule) = &rules.specialist
        && let Some(due) = rule.due(t.graduation_date)
    {
        let certified_in_time = t
            .specialist_certified_on
            .is_some_and(|c| c <= due && c <= as_of);
        if !certified_in_time && as_of > due && !t.specialist_recorded {
            risks.push(Finding {
                rule: "rules.specialist",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "専門医の資格を卒後{}年目の終わり（{}）までに取る決まりですが、取得日が登録されていません。確認してください。",
                    rule.year_after_graduation,
                    format_iso(due)
                ),
                explanation_en: format!(
                    "Board certification was due by the end of year {} after graduation ({}); no certification date is recorded, so check it.",
                    rule.year_after_graduation,
                    format_iso(due)
                ),
                periods: Vec::new(),
            });
        } else if !certified_in_time && as_of > due {
            violations.push(Finding {
                rule: "rules.specialist",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "専門医の資格を卒後{}年目の終わり（{}）までに取る決まりですが、取得していません。",
                    rule.year_after_graduation,
                    format_iso(due)
                ),
                explanation_en: format!(
                    "Board certification was due by the end of year {} after graduation ({}) and has not been obtained.",
                    rule.year_after_graduation,
                    format_iso(due)
                ),
                periods: Vec::new(),
            });
        } else if !certified_in_time
            && due
                .checked_sub_days(chrono::Days::new(2 * 365))
                .is_some_and(|two_years_before| as_of >= two_years_before)
        {
            risks.push(Finding {
                rule: "rules.specialist",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "専門医の資格の期限（卒後{}年目の終わり、{}）まで2年を切りましたが、まだ取得していません。",
                    rule.year_after_graduation,
                    format_iso(due)
                ),
                explanation_en: format!(
                    "Less than two years remain to the board-certification deadline (end of year {} after graduation, {}), and it is not yet obtained.",
                    rule.year_after_graduation,
                    format_iso(due)
                ),
                periods: Vec::new(),
            });
        }
    }

    // Rotation composition: a violation once the obligation is complete without it; a risk
    // before.
    if let Some(rule) = &rules.rotation {
        let stays = stays(t, &rule.applies_to, as_of);
        let mut missing_ja = Vec::new();
        let mut missing_en = Vec::new();
        if (stays.len() as u32) < rule.min_sites {
            missing_ja.push(format!(
                "{} か所以上（現在 {}）",
                rule.min_sites,
                stays.len()
            ));
            missing_en.push(format!(
                "at least {} sites (now {})",
                rule.min_sites,
                stays.len()
            ));
        }
        for g in &rule.groups {
            let sites = stays
                .iter()
                .filter(|(_, (first, last, periods))| {
                    periods
                        .iter()
                        .any(|&i| t.periods[i].facility_group == Some(g.group))
                        && g.min_per_site
                            .is_none_or(|m| span::service_days(*first, *last) >= m.service_days())
                })
                .count() as u32;
            if sites < g.min_sites {
                missing_ja.push(format!(
                    "{}から {} か所{}",
                    g.group.label(Lang::Ja),
                    g.min_sites,
                    g.min_per_site
                        .map(|m| format!("（各{}以上）", m.label(Lang::Ja)))
                        .unwrap_or_default()
                ));
                missing_en.push(format!(
                    "{} site(s) in the group {}{}",
                    g.min_sites,
                    g.group.label(Lang::En),
                    g.min_per_site
                        .map(|m| format!(" (each at least {})", m.label(Lang::En)))
                        .unwrap_or_default()
                ));
            }
        }
        if !missing_ja.is_empty() {
            let finding = Finding {
                rule: "rules.rotation",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "研修先の組み合わせが決まりを満たしていません：{} が足りません。",
                    missing_ja.join("、")
                ),
                explanation_en: format!(
                    "The rotation does not yet meet its composition: missing {}.",
                    missing_en.join("; ")
                ),
                periods: Vec::new(),
            };
            if done {
                violations.push(finding);
            } else {
                risks.push(finding);
            }
        }
    }

    // Designated years not yet scheduled.
    if remaining_designated > 0.0 {
        let planned: u64 = t
            .periods
            .iter()
            .filter(|p| p.period.end().is_none_or(|e| e > as_of))
            .filter(|p| counts(scheme, p) && designated(scheme, p))
            .map(|p| {
                let first = p.period.start().max(as_of.succ_opt().unwrap_or(as_of));
                // An open period counts as planned to the end of what is owed.
                let last = p.period.end().unwrap_or(NaiveDate::MAX);
                u64::from(span::service_days(
                    first,
                    last.min(first + chrono::Days::new(100 * 366)),
                )) * u64::from(weight(scheme, p))
            })
            .sum();
        if (planned as f64 / 100.0) < remaining_designated
            && let Some(rule) = &rules.designated
        {
            risks.push(Finding {
                rule: "rules.designated",
                source: rule.source.clone(),
                explanation_ja: format!(
                    "医師不足地域等での勤務があと {} 年必要ですが、その予定が組まれていません（予定 {} 年）。",
                    y(remaining_designated),
                    y(planned as f64 / 100.0)
                ),
                explanation_en: format!(
                    "{} more years of designated service are needed, but only {} years are scheduled.",
                    y(remaining_designated),
                    y(planned as f64 / 100.0)
                ),
                periods: Vec::new(),
            });
        }
    }

    // Status as of the date.
    let current: Vec<&ServicePeriod> = t
        .periods
        .iter()
        .filter(|p| p.period.contains(as_of))
        .collect();
    let breached = violations.iter().any(|v| v.rule == "rules.deadline");
    let status = match register {
        Some(RegisterStatus::Repaid) => Status::Repaid,
        Some(RegisterStatus::Withdrawn) => Status::Withdrawn,
        _ if breached => Status::Breached,
        _ if done => Status::Completed,
        _ if current
            .iter()
            .any(|p| suspension(scheme, p.kind).is_some() || p.kind.is_leave()) =>
        {
            Status::Suspended
        }
        _ if current
            .iter()
            .any(|p| p.kind == AssignmentKind::InitialResidency) =>
        {
            Status::InitialResidency
        }
        _ if current
            .iter()
            .any(|p| counts(scheme, p) && designated(scheme, p)) =>
        {
            Status::InDesignatedService
        }
        _ if !current.is_empty() || counted.service_days > 0.0 => Status::InService,
        _ => Status::NotStarted,
    };
    Evaluation {
        doctor: t.doctor.clone(),
        scheme: scheme.id.clone(),
        version: scheme.version,
        as_of,
        status,
        compliant: violations.is_empty(),
        required_years: required.map(|s| s.in_years()),
        counted,
        remaining,
        deadline,
        violations,
        risks,
    }
}

/// A stay at one facility: its first and last day and the periods it is made of.
type Stay = (NaiveDate, NaiveDate, Vec<usize>);

/// The stays at each facility in periods of the given kinds (all kinds when empty), cut at
/// the date: facility → (first day, last day, periods). Consecutive or overlapping periods
/// at one facility are one stay; a return after a gap is another.
fn stays(t: &Timeline, kinds: &[AssignmentKind], as_of: NaiveDate) -> Vec<(String, Stay)> {
    let mut by_facility: BTreeMap<String, Vec<(NaiveDate, NaiveDate, usize)>> = BTreeMap::new();
    for (i, p) in t.periods.iter().enumerate() {
        if !(kinds.is_empty() || kinds.contains(&p.kind)) {
            continue;
        }
        let (Some(name), Some((first, last))) = (&p.facility, cut(&p.period, as_of)) else {
            continue;
        };
        by_facility
            .entry(name.clone())
            .or_default()
            .push((first, last, i));
    }
    let mut out = Vec::new();
    for (name, mut list) in by_facility {
        list.sort();
        let mut current: Option<Stay> = None;
        for (first, last, i) in list {
            match current.as_mut() {
                Some((_, end, ids)) if first <= end.succ_opt().unwrap_or(*end) => {
                    *end = (*end).max(last);
                    ids.push(i);
                }
                _ => {
                    if let Some(c) = current.take() {
                        out.push((name.clone(), c));
                    }
                    current = Some((first, last, vec![i]));
                }
            }
        }
        if let Some(c) = current {
            out.push((name, c));
        }
    }
    out
}

/// Service days that can still be worked from the day after `as_of` to the deadline, less the
/// service days still owed: the obligation's slack (negative when it can no longer be met).
/// `None` without a deadline or when nothing is owed.
pub fn slack_days(e: &Evaluation) -> Option<i64> {
    let d = e.deadline.as_ref()?;
    let owed = e.remaining.service_days.max(e.remaining.designated_days);
    if owed <= 0.0 {
        return None;
    }
    Some(i64::from(days_left(e.as_of, d.deadline)) - owed.ceil() as i64)
}

/// Whether a doctor may take a post for a period (the year of a placement round): `Err`
/// with the rule when the post would break a rule the timeline does not already break as of
/// `horizon` (the end of the period), or would leave more designated service owed than
/// days remain before the deadline — a doctor who must serve designated years next year is
/// eligible only for designated posts. To check several posts of one doctor, build one
/// [`Eligibility`] and [`Eligibility::check`] each post.
pub fn eligible(
    scheme: &SchemeDefinition,
    t: &Timeline,
    post: &ServicePeriod,
    horizon: NaiveDate,
) -> Result<(), Finding> {
    Eligibility::new(scheme, t, horizon).check(post)
}

/// One doctor's timeline ready to have posts checked against it as of `horizon`: the rules
/// it already breaks without any post are found once ([`eligible`] for one post).
#[derive(Debug, Clone)]
pub struct Eligibility<'a> {
    scheme: &'a SchemeDefinition,
    timeline: &'a Timeline,
    horizon: NaiveDate,
    /// The rules the timeline breaks as of `horizon` without a post.
    already_broken: Vec<&'static str>,
}

impl<'a> Eligibility<'a> {
    pub fn new(scheme: &'a SchemeDefinition, timeline: &'a Timeline, horizon: NaiveDate) -> Self {
        let before = evaluate(scheme, timeline, horizon, None);
        Eligibility {
            scheme,
            timeline,
            horizon,
            already_broken: before.violations.iter().map(|v| v.rule).collect(),
        }
    }

    /// Whether the doctor may take `post` (see [`eligible`]).
    pub fn check(&self, post: &ServicePeriod) -> Result<(), Finding> {
        let (scheme, horizon) = (self.scheme, self.horizon);
        let with =
            what_if(scheme, self.timeline, std::slice::from_ref(post), horizon).map_err(|e| {
                Finding {
                    rule: "rules.limits",
                    source: String::new(),
                    explanation_ja: e.problem.ja,
                    explanation_en: e.problem.en,
                    periods: e.periods,
                }
            })?;
        if let Some(new) = with
            .violations
            .iter()
            .find(|v| !self.already_broken.contains(&v.rule))
        {
            return Err(new.clone());
        }
        // Whether or not the post counts as service, a year not at a designated post is a
        // year in which no designated service is done.
        if let (Some(d), Some(rule)) = (&with.deadline, &scheme.rules.designated)
            && !designated(scheme, post)
            && with.remaining.designated_days > 0.0
        {
            let available = f64::from(days_left(horizon, d.deadline));
            if with.remaining.designated_days > available {
                return Err(Finding {
                    rule: "rules.designated",
                    source: rule.source.clone(),
                    explanation_ja: format!(
                        "医師不足地域等での勤務があと {} 年必要で、期限 {} までに残る期間（{} 年）ではこの勤務先の後に終えられません。この年度は指定された勤務先に限られます。",
                        y(with.remaining.designated_days),
                        format_iso(d.deadline),
                        y(available)
                    ),
                    explanation_en: format!(
                        "{} more years of designated service are owed and only {} years remain before the deadline of {} after this post: this year must be served at a designated post.",
                        y(with.remaining.designated_days),
                        y(available),
                        format_iso(d.deadline)
                    ),
                    periods: Vec::new(),
                });
            }
        }
        Ok(())
    }
}

/// A proposal that cannot be added: it overlaps the timeline above full time.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{problem}")]
pub struct ProposalError {
    pub problem: Msg,
    pub periods: Vec<usize>,
}

/// What-if: the timeline with proposed future periods, evaluated as of `horizon` (for
/// example the end of the proposals). Refuses proposals that would make any day more than
/// full time.
pub fn what_if(
    scheme: &SchemeDefinition,
    t: &Timeline,
    proposals: &[ServicePeriod],
    horizon: NaiveDate,
) -> Result<Evaluation, ProposalError> {
    let mut with = t.clone();
    with.periods.extend(proposals.iter().cloned());
    let loads: Vec<(Period, chiiki_domain::Fte)> =
        with.periods.iter().map(|p| (p.period, p.fte)).collect();
    if let Some(over) = over_full_time(&loads).into_iter().next() {
        let total = f64::from(over.total_hundredths) / 100.0;
        return Err(ProposalError {
            problem: Msg::new(
                format!(
                    "提案は {} に既存の期間と重なり、常勤換算の合計が {total} になります",
                    over.period
                ),
                format!(
                    "the proposal overlaps on {} and adds up to {total} FTE",
                    over.period
                ),
            ),
            periods: over.items,
        });
    }
    Ok(evaluate(scheme, &with, horizon, None))
}
