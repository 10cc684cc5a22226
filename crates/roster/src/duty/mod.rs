//! Monthly duty rosters (勤務表) for a facility or an alliance of facilities.
//!
//! A [`Spec`] names the month, the facilities, the shifts (a code such as 日 or 当, the
//! facility, the kind of duty, the times, and the cover wanted on weekdays, Saturdays and
//! Sundays or holidays), the staff (their level under the 2024 work-hour rules, which shifts
//! and facilities they may work, their limits, their leave, and their hours elsewhere) and
//! their requests for shifts on and days off. [`solve`] makes it an instance of the roster
//! engine: cover rows per day and shift; leave and shifts a person may not work as cells
//! barred; the rest rules as forbidden successions; the hour caps, counted in overtime
//! minutes with everything each person worked elsewhere, as minute limits; requests as the
//! benchmark's requests on and off; fairness as Σ (shifts per person)². The engine's roster is
//! then checked again on every person's whole timeline by the hours checker, a duty that
//! would break a binding rule is taken out and the month solved again without it, and every
//! shift left short is explained person by person.
//!
//! A person works at most one shift a day, as in the engine: a day followed by a night at
//! the same place is one shift of its own (日勤＋当直 08:30–翌08:30).

mod build;
mod explain;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use chiiki_domain::{DutyKind, Msg, NaiveDate, WorkHourLevel};
use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::hours::{self, Baseline, Breach, Rules, Timeline};
use crate::shift;

pub use explain::{Short, ShortReason};

/// The most staff, shifts and facilities a roster may have.
pub const MAX_STAFF: usize = 300;
pub const MAX_SHIFTS: usize = 40;
pub const MAX_FACILITIES: usize = 30;
/// The most weight a request may carry (cover short weighs [`Weights::under`]).
pub const MAX_REQUEST_WEIGHT: i64 = 10_000;

/// What a duty roster is to be made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub title: String,
    /// The first day of the month.
    pub month: NaiveDate,
    /// Public holidays and closing days of the month (treated like Sundays for cover);
    /// `None`: Japan's public holidays of that month.
    #[serde(default)]
    pub holidays: Option<Vec<NaiveDate>>,
    pub facilities: Vec<Place>,
    pub shifts: Vec<ShiftSpec>,
    pub staff: Vec<Member>,
    #[serde(default)]
    pub requests: Vec<DayRequest>,
    #[serde(default)]
    pub weights: Weights,
}

/// A facility of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    pub name: String,
}

/// Cover wanted by type of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Need {
    /// Monday to Friday that are not holidays.
    pub weekday: u32,
    /// Saturdays that are not holidays.
    pub saturday: u32,
    /// Sundays and holidays.
    pub holiday: u32,
}

impl Need {
    fn on(&self, day: DayType) -> u32 {
        match day {
            DayType::Weekday => self.weekday,
            DayType::Saturday => self.saturday,
            DayType::Holiday => self.holiday,
        }
    }
}

/// A shift of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftSpec {
    /// Short code shown in the roster (日, 当, 直, N …), unique in the roster.
    pub code: String,
    pub name: String,
    /// The facility (a [`Place::id`]).
    pub facility: String,
    pub kind: DutyKind,
    pub start: NaiveTime,
    /// The end; at or before `start`: on the next day.
    pub end: NaiveTime,
    pub need: Need,
    /// Hard ceiling of people on the shift a day (`None`: the need is not a ceiling, extra
    /// people only cost [`Weights::over`]).
    #[serde(default)]
    pub max: Option<u32>,
    /// Minutes of the shift that are overtime and holiday work (時間外・休日労働); `None`:
    /// every counted minute (right for duties on top of contracted hours; a contracted
    /// weekday shift says 0).
    #[serde(default)]
    pub overtime: Option<u32>,
}

impl ShiftSpec {
    /// The shift's length in minutes (24 h when the end is the start).
    pub fn minutes(&self) -> i64 {
        let m = (self.end - self.start).num_minutes();
        if m <= 0 { m + 24 * 60 } else { m }
    }

    /// Whether this is a night duty (for the night cap).
    pub fn is_night(&self) -> bool {
        matches!(
            self.kind,
            DutyKind::NightDuty | DutyKind::PermittedNightDuty
        )
    }

    /// The shift as a duty starting on `date`; on-call and permitted night duty are planned
    /// with a quarter of their time worked (what is worked is known only afterwards).
    pub fn duty_on(&self, date: NaiveDate, reference: String) -> hours::Duty {
        let start = NaiveDateTime::new(date, self.start);
        let minutes = self.minutes();
        let worked = match self.kind {
            DutyKind::ClinicDay | DutyKind::NightDuty => 0,
            DutyKind::PermittedNightDuty | DutyKind::OnCall => minutes / 4,
        };
        hours::Duty {
            employer: self.facility.clone(),
            reference,
            kind: self.kind,
            start,
            end: start + Duration::minutes(minutes),
            worked,
            overtime: self.overtime.map(i64::from),
        }
    }

    /// The overtime minutes planned for one such shift.
    pub fn planned_overtime(&self) -> i64 {
        self.duty_on(NaiveDate::MIN, String::new())
            .overtime_minutes()
    }
}

/// A person on the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// A doctor's id in the register, or the facility's own staff number; unique.
    pub id: String,
    pub name: String,
    pub level: WorkHourLevel,
    #[serde(default)]
    pub initial_resident: bool,
    /// Codes of the shifts the person may work (empty: every shift of `facilities`).
    #[serde(default)]
    pub shifts: Vec<String>,
    /// Facilities the person may work at (empty: every facility of the roster).
    #[serde(default)]
    pub facilities: Vec<String>,
    /// Most night duties in the month.
    #[serde(default)]
    pub max_nights: Option<u32>,
    /// Most weekends worked (a weekend is worked when its Saturday or Sunday is).
    #[serde(default)]
    pub max_weekends: Option<u32>,
    /// Most consecutive days worked (`None`: [`DEFAULT_MAX_CONSECUTIVE`]).
    #[serde(default)]
    pub max_consecutive: Option<u32>,
    /// Leave: days the person does not work at all (hard).
    #[serde(default)]
    pub days_off: Vec<NaiveDate>,
    /// Overtime already worked this month and fiscal year at every employer (this roster's
    /// facilities included for the days before the roster), as reported.
    #[serde(default)]
    pub baseline: Vec<Baseline>,
    #[serde(default)]
    pub interviews: Vec<NaiveDate>,
    /// Duties fixed elsewhere (a confirmed dispatch, another facility's published roster):
    /// they count for rest and hours, and the roster keeps clear of them.
    #[serde(default)]
    pub fixed: Vec<hours::Duty>,
}

impl Member {
    /// A person with no limits of their own beyond the rules, no leave and nothing known of
    /// their hours elsewhere.
    pub fn new(id: &str, name: &str, level: WorkHourLevel) -> Member {
        Member {
            id: id.to_string(),
            name: name.to_string(),
            level,
            initial_resident: false,
            shifts: vec![],
            facilities: vec![],
            max_nights: None,
            max_weekends: None,
            max_consecutive: None,
            days_off: vec![],
            baseline: vec![],
            interviews: vec![],
            fixed: vec![],
        }
    }
}

/// Labour Standards Act art. 35 asks for a day off a week: at worst twelve days in a row
/// (off on the first day of one week and the last of the next).
pub const DEFAULT_MAX_CONSECUTIVE: u32 = 12;

/// A request for a shift (`on`) or a day or shift off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRequest {
    pub member: String,
    pub date: NaiveDate,
    /// The shift's code; `None` for a day off (every shift that day). A request on names
    /// its shift.
    #[serde(default)]
    pub shift: Option<String>,
    /// `true`: wants to work it; `false`: wants it off.
    pub on: bool,
    /// How much it matters (1 to [`MAX_REQUEST_WEIGHT`]; `None`: [`Weights::request`]).
    #[serde(default)]
    pub weight: Option<i64>,
}

/// How the objective weighs what the roster misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// Each person short of a shift's need.
    pub under: i64,
    /// Each person over it (where the need is not a ceiling).
    pub over: i64,
    /// A request not granted.
    pub request: i64,
    /// Fairness: this × Σ (shifts per person)².
    pub fairness: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            under: 1000,
            over: 100,
            request: 100,
            fairness: 2,
        }
    }
}

/// A day's type, for cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    Weekday,
    Saturday,
    Holiday,
}

/// A day of the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: NaiveDate,
    pub kind: DayType,
    /// The public holiday's name, when there is one.
    #[serde(default)]
    pub holiday: Option<String>,
}

/// Japan's public holidays (国民の祝日, substitute and citizens' holidays) in a month, with
/// their names.
pub fn japanese_holidays(month: NaiveDate) -> Vec<(NaiveDate, String)> {
    jpholiday::jpholiday::JPHoliday::new().month_holidays(month.year(), month.month())
}

/// A problem with a spec: where (`staff[3].shifts[1]`), what and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {problem} — {fix}")]
pub struct SpecError {
    pub field: String,
    pub problem: Msg,
    pub fix: Msg,
}

fn spec_error(field: impl Into<String>, problem: Msg, fix: Msg) -> SpecError {
    SpecError {
        field: field.into(),
        problem,
        fix,
    }
}

impl Spec {
    /// The days of the month.
    pub fn days(&self) -> Vec<Day> {
        let named: BTreeMap<NaiveDate, String> = match &self.holidays {
            Some(list) => list.iter().map(|d| (*d, String::new())).collect(),
            None => japanese_holidays(self.month).into_iter().collect(),
        };
        let mut out = Vec::new();
        let mut d = self.month;
        while d.month() == self.month.month() && d.year() == self.month.year() {
            let holiday = named.get(&d).cloned();
            let kind = if holiday.is_some() || d.weekday() == Weekday::Sun {
                DayType::Holiday
            } else if d.weekday() == Weekday::Sat {
                DayType::Saturday
            } else {
                DayType::Weekday
            };
            out.push(Day {
                date: d,
                kind,
                holiday: holiday.filter(|h| !h.is_empty()),
            });
            let Some(next) = d.succ_opt() else { break };
            d = next;
        }
        out
    }

    /// Every problem with the spec, in order (empty when it can be solved).
    pub fn validate(&self) -> Vec<SpecError> {
        let mut out = Vec::new();
        let in_month =
            |d: &NaiveDate| d.year() == self.month.year() && d.month() == self.month.month();
        let date_fix = || {
            Msg::new(
                format!("{} の日付にしてください", self.month.format("%Y-%m")),
                format!("give a date in {}", self.month.format("%Y-%m")),
            )
        };
        if self.month.day() != 1 {
            out.push(spec_error(
                "month",
                Msg::new(
                    format!("月は1日で指定します（{}）", self.month),
                    format!("the month is given by its first day, not {}", self.month),
                ),
                Msg::new("例: 2026-12-01", "for example 2026-12-01"),
            ));
        }
        if self.title.trim().is_empty() || self.title.chars().count() > 200 {
            out.push(spec_error(
                "title",
                Msg::new(
                    "表題が空か200文字を超えています",
                    "the title is empty or over 200 characters",
                ),
                Msg::new(
                    "200文字以内の表題を付けてください",
                    "give a title of at most 200 characters",
                ),
            ));
        }
        let count = |field: &str, n: usize, most: usize, ja: &str, en: &str| {
            (n == 0 || n > most).then(|| {
                spec_error(
                    field,
                    Msg::new(format!("{ja}が{n}件です"), format!("{n} {en}")),
                    Msg::new(
                        format!("{ja}は1件以上{most}件以下にしてください"),
                        format!("give 1 to {most} {en}"),
                    ),
                )
            })
        };
        out.extend(count(
            "facilities",
            self.facilities.len(),
            MAX_FACILITIES,
            "施設",
            "facilities",
        ));
        out.extend(count(
            "shifts",
            self.shifts.len(),
            MAX_SHIFTS,
            "勤務",
            "shifts",
        ));
        out.extend(count("staff", self.staff.len(), MAX_STAFF, "職員", "staff"));
        let duplicate = |field: String, what: &str, id: &str| {
            spec_error(
                field,
                Msg::new(
                    format!("{what}「{id}」が重複しています"),
                    format!("{what} '{id}' is given twice"),
                ),
                Msg::new("重複を除いてください", "give each once"),
            )
        };
        let mut seen = HashSet::new();
        for (i, f) in self.facilities.iter().enumerate() {
            if f.id.trim().is_empty() {
                out.push(spec_error(
                    format!("facilities[{i}].id"),
                    Msg::new("施設IDが空です", "the facility id is empty"),
                    Msg::new("施設IDを入力してください", "give the facility's id"),
                ));
            } else if !seen.insert(f.id.as_str()) {
                out.push(duplicate(
                    format!("facilities[{i}].id"),
                    "施設 / facility",
                    &f.id,
                ));
            }
        }
        let facility_known = |id: &str| self.facilities.iter().any(|f| f.id == id);
        let unknown_facility = |field: String, id: &str| {
            spec_error(
                field,
                Msg::new(
                    format!("施設「{id}」は勤務表にありません"),
                    format!("facility '{id}' is not in the roster"),
                ),
                Msg::new(
                    "勤務表の施設IDを指定してください",
                    "name one of the roster's facilities",
                ),
            )
        };
        let mut codes = HashSet::new();
        for (i, s) in self.shifts.iter().enumerate() {
            let field = |f: &str| format!("shifts[{i}].{f}");
            if s.code.trim().is_empty() || s.code.chars().count() > 8 {
                out.push(spec_error(
                    field("code"),
                    Msg::new(
                        "勤務の記号が空か8文字を超えています",
                        "the shift's code is empty or over 8 characters",
                    ),
                    Msg::new(
                        "日・当 など短い記号にしてください",
                        "use a short code such as D or N",
                    ),
                ));
            } else if !codes.insert(s.code.as_str()) {
                out.push(duplicate(field("code"), "勤務 / shift", &s.code));
            }
            if !facility_known(&s.facility) {
                out.push(unknown_facility(field("facility"), &s.facility));
            }
            if let Some(o) = s.overtime
                && i64::from(o) > s.minutes()
            {
                out.push(spec_error(
                    field("overtime"),
                    Msg::new(
                        format!("時間外 {o} 分が勤務の長さ {} 分を超えています", s.minutes()),
                        format!(
                            "{o} overtime minutes exceed the shift's {} minutes",
                            s.minutes()
                        ),
                    ),
                    Msg::new(
                        "勤務の長さ以下にしてください",
                        "give at most the shift's length",
                    ),
                ));
            }
            for (what, n) in [
                ("weekday", s.need.weekday),
                ("saturday", s.need.saturday),
                ("holiday", s.need.holiday),
            ] {
                if n as usize > MAX_STAFF || s.max.is_some_and(|m| n > m) {
                    out.push(spec_error(
                        format!("shifts[{i}].need.{what}"),
                        Msg::new(
                            format!("必要人数 {n} が上限を超えています"),
                            format!("a need of {n} is over the ceiling"),
                        ),
                        Msg::new("上限以下の人数にしてください", "give at most the ceiling"),
                    ));
                }
            }
        }
        let shift_known = |code: &str| self.shifts.iter().any(|s| s.code == code);
        let unknown_shift = |field: String, code: &str| {
            spec_error(
                field,
                Msg::new(
                    format!("勤務「{code}」は勤務表にありません"),
                    format!("shift '{code}' is not in the roster"),
                ),
                Msg::new(
                    "勤務表の勤務記号を指定してください",
                    "name one of the roster's shift codes",
                ),
            )
        };
        let mut ids = HashSet::new();
        for (i, m) in self.staff.iter().enumerate() {
            let field = |f: &str| format!("staff[{i}].{f}");
            if m.id.trim().is_empty() {
                out.push(spec_error(
                    field("id"),
                    Msg::new("職員IDが空です", "the staff id is empty"),
                    Msg::new(
                        "職員番号か医師IDを入力してください",
                        "give a staff number or doctor id",
                    ),
                ));
            } else if !ids.insert(m.id.as_str()) {
                out.push(duplicate(field("id"), "職員 / staff", &m.id));
            }
            if m.name.trim().is_empty() {
                out.push(spec_error(
                    field("name"),
                    Msg::new("氏名が空です", "the name is empty"),
                    Msg::new("氏名を入力してください", "give the name"),
                ));
            }
            for (j, c) in m.shifts.iter().enumerate() {
                if !shift_known(c) {
                    out.push(unknown_shift(format!("staff[{i}].shifts[{j}]"), c));
                }
            }
            for (j, f) in m.facilities.iter().enumerate() {
                if !facility_known(f) {
                    out.push(unknown_facility(format!("staff[{i}].facilities[{j}]"), f));
                }
            }
            if m.max_consecutive == Some(0) {
                out.push(spec_error(
                    field("max_consecutive"),
                    Msg::new("連続勤務の上限が0日です", "the most consecutive days is 0"),
                    Msg::new(
                        "1日以上にするか、休暇として入力してください",
                        "give 1 or more, or enter leave",
                    ),
                ));
            }
            for (j, d) in m.days_off.iter().enumerate() {
                if !in_month(d) {
                    out.push(spec_error(
                        format!("staff[{i}].days_off[{j}]"),
                        Msg::new(
                            format!("休暇 {d} がその月の日付ではありません"),
                            format!("leave on {d} is not in the month"),
                        ),
                        date_fix(),
                    ));
                }
            }
        }
        for (i, r) in self.requests.iter().enumerate() {
            let field = |f: &str| format!("requests[{i}].{f}");
            if !self.staff.iter().any(|m| m.id == r.member) {
                out.push(spec_error(
                    field("member"),
                    Msg::new(
                        format!("職員「{}」は勤務表にいません", r.member),
                        format!("'{}' is not on the roster's staff", r.member),
                    ),
                    Msg::new(
                        "勤務表の職員IDを指定してください",
                        "name one of the roster's staff",
                    ),
                ));
            }
            if !in_month(&r.date) {
                out.push(spec_error(
                    field("date"),
                    Msg::new(
                        format!("希望日 {} がその月の日付ではありません", r.date),
                        format!("{} is not in the month", r.date),
                    ),
                    date_fix(),
                ));
            }
            match &r.shift {
                Some(c) if !shift_known(c) => out.push(unknown_shift(field("shift"), c)),
                None if r.on => out.push(spec_error(
                    field("shift"),
                    Msg::new(
                        "勤務希望には勤務の記号が要ります",
                        "a request to work names its shift",
                    ),
                    Msg::new(
                        "希望する勤務の記号を指定してください",
                        "give the shift's code",
                    ),
                )),
                _ => {}
            }
            if let Some(w) = r.weight
                && !(1..=MAX_REQUEST_WEIGHT).contains(&w)
            {
                out.push(spec_error(
                    field("weight"),
                    Msg::new(
                        format!("重み {w} が範囲外です"),
                        format!("weight {w} is out of range"),
                    ),
                    Msg::new(
                        format!("1〜{MAX_REQUEST_WEIGHT} にしてください"),
                        format!("give 1 to {MAX_REQUEST_WEIGHT}"),
                    ),
                ));
            }
        }
        if let Some(list) = &self.holidays {
            for (i, d) in list.iter().enumerate() {
                if !in_month(d) {
                    out.push(spec_error(
                        format!("holidays[{i}]"),
                        Msg::new(
                            format!("休日 {d} がその月の日付ではありません"),
                            format!("holiday {d} is not in the month"),
                        ),
                        date_fix(),
                    ));
                }
            }
        }
        let w = &self.weights;
        for (what, v) in [
            ("under", w.under),
            ("over", w.over),
            ("request", w.request),
            ("fairness", w.fairness),
        ] {
            if !(0..=1_000_000).contains(&v) {
                out.push(spec_error(
                    format!("weights.{what}"),
                    Msg::new(
                        format!("重み {v} が範囲外です"),
                        format!("weight {v} is out of range"),
                    ),
                    Msg::new("0〜1,000,000 にしてください", "give 0 to 1,000,000"),
                ));
            }
        }
        out
    }

    /// Whether member `m` may work shift `s` at all.
    pub fn may_work(&self, m: usize, s: usize) -> bool {
        let (member, shift) = (&self.staff[m], &self.shifts[s]);
        (member.shifts.is_empty() || member.shifts.contains(&shift.code))
            && (member.facilities.is_empty() || member.facilities.contains(&shift.facility))
    }

    /// Member `m`'s timeline before the roster.
    pub fn timeline(&self, m: usize) -> Timeline {
        let member = &self.staff[m];
        Timeline {
            doctor: member.id.clone(),
            level: member.level,
            initial_resident: member.initial_resident && member.level == WorkHourLevel::C1,
            month: self.month,
            baseline: member.baseline.clone(),
            interviews: member.interviews.clone(),
            compensatory: vec![],
            duties: member.fixed.clone(),
        }
    }
}

/// How long and how the engine may search.
pub use crate::shift::Limits;

/// One shift of the roster worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub member: String,
    pub date: NaiveDate,
    /// The shift's code.
    pub shift: String,
}

/// Cover of a shift on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverCell {
    pub date: NaiveDate,
    pub shift: String,
    pub need: u32,
    pub got: u32,
}

/// A request and whether the roster grants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestOutcome {
    pub request: DayRequest,
    pub granted: bool,
}

/// One person's month with the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTotals {
    pub member: String,
    pub shifts: u32,
    pub nights: u32,
    pub weekends: u32,
    /// Minutes on the roster (shifts' whole length).
    pub minutes: i64,
    /// Overtime and holiday work in the month and fiscal year with the roster, at every
    /// employer.
    pub month_overtime: i64,
    pub year_overtime: i64,
    /// Minutes left to the month's planning cap and to the annual cap.
    pub month_left: i64,
    pub year_left: i64,
}

/// What the roster achieves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Person-shifts wanted, and of them covered.
    pub needed: u32,
    pub covered: u32,
    /// People over the need.
    pub over: u32,
    pub requests: usize,
    pub granted: usize,
    /// Shifts taken out by the final hours check and solved again.
    pub withdrawn: usize,
    /// The engine's objective of the final roster (lower is better).
    pub objective: i64,
    pub seconds: f64,
}

/// The roster made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyRoster {
    pub days: Vec<Day>,
    pub assignments: Vec<Assignment>,
    pub cover: Vec<CoverCell>,
    pub short: Vec<Short>,
    pub requests: Vec<RequestOutcome>,
    pub members: Vec<MemberTotals>,
    /// The hours checker's findings on every person's timeline with the roster: never a
    /// binding one made by the roster; notices (compensatory rest due) and findings that
    /// were there before it remain.
    pub findings: Vec<Breach>,
    pub figures: Figures,
}

impl DutyRoster {
    /// The code of the shift `member` works on `date`, if any.
    pub fn shift_of(&self, member: &str, date: NaiveDate) -> Option<&str> {
        self.assignments
            .iter()
            .find(|a| a.member == member && a.date == date)
            .map(|a| a.shift.as_str())
    }
}

/// Makes the roster; `Err` with every problem of the spec when it cannot be solved.
pub fn solve(spec: &Spec, limits: &Limits) -> Result<DutyRoster, Vec<SpecError>> {
    let problems = spec.validate();
    if !problems.is_empty() {
        return Err(problems);
    }
    let started = Instant::now();
    let rules = Rules::mhlw_2024();
    let days = spec.days();
    let mut banned: Vec<(usize, usize, usize)> = Vec::new();
    // Rounds are compared on the model without the cells the hours check took out.
    let judge = build::model(spec, rules, &days);
    // The best round: its cells, objective and shifts withdrawn.
    let mut best: Option<(Vec<CellIx>, i64, usize)> = None;
    let mut rounds = 0u64;
    loop {
        rounds += 1;
        let left = limits.time_limit.saturating_sub(started.elapsed());
        let share = if rounds == 1 {
            limits.time_limit.mul_f64(0.6)
        } else {
            left / 2
        };
        let model = judge.without(&banned);
        let engine = shift::Limits {
            time_limit: share.min(left),
            seed: limits.seed.wrapping_add(rounds),
            threads: limits.threads,
        };
        let solution = shift::solve(&model.instance, &engine);
        let mut cells = model.cells(&solution.roster);
        // The hours checker has the last word: take out what it refuses (taking work out
        // never breaks a rule), then fill what that left short where it lawfully can.
        let mut withdrawn = 0;
        loop {
            let bad = verify(spec, rules, &days, &cells);
            if bad.is_empty() {
                break;
            }
            withdrawn += bad.len();
            banned.extend(bad.iter().copied());
            cells.retain(|c| !bad.contains(c));
        }
        if withdrawn > 0 {
            refill(spec, rules, &days, &judge, &mut cells);
        }
        let objective = shift::check(&judge.instance, &judge.roster_of(&cells)).objective;
        if best.as_ref().is_none_or(|b| objective < b.1) {
            best = Some((cells, objective, withdrawn));
        }
        if withdrawn == 0 || rounds >= 4 || started.elapsed() >= limits.time_limit {
            break;
        }
    }
    let (cells, objective, withdrawn) = best.unwrap_or((Vec::new(), 0, 0));
    Ok(report(
        spec, rules, days, &cells, withdrawn, objective, started,
    ))
}

/// The most tries [`refill`] makes.
const REFILL_TRIES: usize = 5_000;

/// Fills shifts left short, one person at a time (the fewest shifts first, those who asked
/// for the day off last), wherever the engine's rules and the hours checker both allow it.
fn refill(
    spec: &Spec,
    rules: &Rules,
    days: &[Day],
    model: &build::Model,
    cells: &mut Vec<(usize, usize, usize)>,
) {
    let mut roster = model.roster_of(cells);
    let mut tries = 0;
    for (d, day) in days.iter().enumerate() {
        for (s, shift) in spec.shifts.iter().enumerate() {
            let need = shift.need.on(day.kind) as usize;
            let mut got = cells.iter().filter(|c| c.1 == d && c.2 == s).count();
            if got >= need {
                continue;
            }
            let mut candidates: Vec<usize> = (0..spec.staff.len())
                .filter(|&m| spec.may_work(m, s) && roster.cells[m][d].is_none())
                .collect();
            let asked_off = |m: usize| {
                spec.requests
                    .iter()
                    .any(|r| !r.on && r.member == spec.staff[m].id && r.date == day.date)
            };
            let load = |m: usize| roster.cells[m].iter().flatten().count();
            candidates.sort_by_key(|&m| (asked_off(m), load(m), m));
            for m in candidates {
                if got >= need || tries >= REFILL_TRIES {
                    break;
                }
                tries += 1;
                roster.cells[m][d] = Some(s);
                let mine: Vec<(usize, usize)> = roster.cells[m]
                    .iter()
                    .enumerate()
                    .filter_map(|(day, cell)| cell.map(|x| (day, x)))
                    .collect();
                let lawful = shift::check(&model.instance, &roster).feasible
                    && refused(spec, rules, days, m, &mine).is_none();
                if lawful {
                    cells.push((m, d, s));
                    got += 1;
                } else {
                    roster.cells[m][d] = None;
                }
            }
        }
    }
}

/// A cell of the roster by index: `(member, day, shift)`.
type CellIx = (usize, usize, usize);

/// `(member, day, shift)` cells by member.
fn by_member(spec: &Spec, cells: &[(usize, usize, usize)]) -> Vec<Vec<(usize, usize)>> {
    let mut out = vec![Vec::new(); spec.staff.len()];
    for &(m, d, s) in cells {
        out[m].push((d, s));
    }
    out
}

fn reference(spec: &Spec, day: &Day, s: usize) -> String {
    format!("{}@{}", spec.shifts[s].code, day.date)
}

fn with_roster(spec: &Spec, days: &[Day], m: usize, mine: &[(usize, usize)]) -> Timeline {
    let mut t = spec.timeline(m);
    t.duties.extend(
        mine.iter()
            .map(|&(d, s)| spec.shifts[s].duty_on(days[d].date, reference(spec, &days[d], s))),
    );
    t
}

/// Cells that make a person's timeline break a binding rule the timeline did not break
/// before: for each such person, the last of the duties concerned.
fn verify(
    spec: &Spec,
    rules: &Rules,
    days: &[Day],
    cells: &[(usize, usize, usize)],
) -> Vec<(usize, usize, usize)> {
    by_member(spec, cells)
        .into_iter()
        .enumerate()
        .filter_map(|(m, mine)| refused(spec, rules, days, m, &mine).map(|(d, s)| (m, d, s)))
        .collect()
}

/// The shift of member `m`'s cells `mine` to take out when they break the night cap (when
/// several kinds of night share it unequally) or a binding rule the member's timeline did
/// not break before: the last of the duties concerned.
fn refused(
    spec: &Spec,
    rules: &Rules,
    days: &[Day],
    m: usize,
    mine: &[(usize, usize)],
) -> Option<(usize, usize)> {
    if mine.is_empty() {
        return None;
    }
    if let Some(most) = spec.staff[m].max_nights {
        let nights: Vec<(usize, usize)> = mine
            .iter()
            .copied()
            .filter(|(_, s)| spec.shifts[*s].is_night())
            .collect();
        if nights.len() as u32 > most {
            return nights.iter().max().copied();
        }
    }
    let before = hours::binding(hours::check(rules, &spec.timeline(m), spec.month));
    let after = hours::binding(hours::check(
        rules,
        &with_roster(spec, days, m, mine),
        spec.month,
    ));
    let new: Vec<&Breach> = after.iter().filter(|b| !before.contains(b)).collect();
    if new.is_empty() {
        return None;
    }
    mine.iter()
        .copied()
        .filter(|&(d, s)| {
            let r = reference(spec, &days[d], s);
            new.iter().any(|b| b.duties.contains(&r))
        })
        .max()
        .or_else(|| mine.iter().copied().max())
}

fn report(
    spec: &Spec,
    rules: &Rules,
    days: Vec<Day>,
    cells: &[(usize, usize, usize)],
    withdrawn: usize,
    objective: i64,
    started: Instant,
) -> DutyRoster {
    let mine = by_member(spec, cells);
    let mut assignments: Vec<Assignment> = cells
        .iter()
        .map(|&(m, d, s)| Assignment {
            member: spec.staff[m].id.clone(),
            date: days[d].date,
            shift: spec.shifts[s].code.clone(),
        })
        .collect();
    assignments.sort_by(|a, b| (a.date, &a.shift, &a.member).cmp(&(b.date, &b.shift, &b.member)));
    let mut got = vec![vec![0u32; spec.shifts.len()]; days.len()];
    for &(_, d, s) in cells {
        got[d][s] += 1;
    }
    let mut cover = Vec::new();
    let (mut needed, mut covered, mut over) = (0, 0, 0);
    for (d, day) in days.iter().enumerate() {
        for (s, shift) in spec.shifts.iter().enumerate() {
            let need = shift.need.on(day.kind);
            let n = got[d][s];
            if need == 0 && n == 0 {
                continue;
            }
            needed += need;
            covered += n.min(need);
            over += n.saturating_sub(need);
            cover.push(CoverCell {
                date: day.date,
                shift: shift.code.clone(),
                need,
                got: n,
            });
        }
    }
    let short = explain::short(spec, rules, &days, &mine, &got);
    let requests: Vec<RequestOutcome> = spec
        .requests
        .iter()
        .map(|r| {
            let worked = mine
                .iter()
                .zip(&spec.staff)
                .find(|(_, m)| m.id == r.member)
                .and_then(|(cells, _)| {
                    cells
                        .iter()
                        .find(|(d, _)| days[*d].date == r.date)
                        .map(|(_, s)| *s)
                });
            let same_shift = |s: usize| r.shift.as_ref().is_none_or(|c| &spec.shifts[s].code == c);
            let granted = match (r.on, worked) {
                (true, Some(s)) => same_shift(s),
                (true, None) => false,
                (false, Some(s)) => !same_shift(s),
                (false, None) => true,
            };
            RequestOutcome {
                request: r.clone(),
                granted,
            }
        })
        .collect();
    let mut members = Vec::new();
    let mut findings = Vec::new();
    for (m, member) in spec.staff.iter().enumerate() {
        let t = with_roster(spec, &days, m, &mine[m]);
        findings.extend(hours::check(rules, &t, spec.month));
        let worked = hours::worked(&t, spec.month, None);
        let room = hours::headroom(rules, &t, spec.month, None);
        let worked_days: HashSet<usize> = mine[m].iter().map(|(d, _)| *d).collect();
        let weekends = weekends_worked(&days, &worked_days);
        members.push(MemberTotals {
            member: member.id.clone(),
            shifts: mine[m].len() as u32,
            nights: mine[m]
                .iter()
                .filter(|(_, s)| spec.shifts[*s].is_night())
                .count() as u32,
            weekends,
            minutes: mine[m].iter().map(|(_, s)| spec.shifts[*s].minutes()).sum(),
            month_overtime: worked.month,
            year_overtime: worked.year,
            month_left: room.month,
            year_left: room.year,
        });
    }
    let granted = requests.iter().filter(|r| r.granted).count();
    let figures = Figures {
        needed,
        covered,
        over,
        requests: requests.len(),
        granted,
        withdrawn,
        objective,
        seconds: started.elapsed().as_secs_f64(),
    };
    DutyRoster {
        days,
        assignments,
        cover,
        short,
        requests,
        members,
        findings,
        figures,
    }
}

/// Weekends (a Saturday and the Sunday after it, either worked) among `worked` days.
fn weekends_worked(days: &[Day], worked: &HashSet<usize>) -> u32 {
    let mut n = 0;
    for (d, day) in days.iter().enumerate() {
        match day.date.weekday() {
            Weekday::Sat if worked.contains(&d) => n += 1,
            Weekday::Sun if worked.contains(&d) && (d == 0 || !worked.contains(&(d - 1))) => n += 1,
            _ => {}
        }
    }
    n
}
