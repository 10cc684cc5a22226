//! Dispatch of doctors and substitute doctors (代診医): facilities' requests for cover,
//! doctors' offers of days, the overtime each doctor has worked at every employer, the
//! coordinator's solved runs and the dispatches confirmed from them.
//!
//! Requests and offers change until a run is confirmed; runs and confirmed dispatches are
//! kept as they were (a dispatch may later record the minutes actually worked during
//! permitted on-call duty).

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{DoctorId, FacilityId, PrefCode};
use crate::date::NaiveDate;
use crate::error::ValueError;
use crate::labels::{DutyKind, Urgency};
use crate::text::Msg;

fn invalid(input: impl Into<String>, problem: Msg, fix: Msg) -> ValueError {
    ValueError::new(input, problem, fix)
}

/// The longest request: two days (a weekend's duty).
pub const MAX_REQUEST_HOURS: i64 = 48;
/// The longest offer window: two weeks.
pub const MAX_OFFER_DAYS: i64 = 14;
/// The most overtime a month can hold (every hour of 31 days).
pub const MAX_MONTH_MINUTES: i64 = 31 * 24 * 60;

fn period(
    start: NaiveDateTime,
    end: NaiveDateTime,
    max_minutes: i64,
    what: Msg,
) -> Result<(), ValueError> {
    let minutes = (end - start).num_minutes();
    if minutes <= 0 {
        return Err(invalid(
            format!("{start} – {end}"),
            Msg::new(
                format!(
                    "{}の終了（{end}）が開始（{start}）より前か同時です",
                    what.ja
                ),
                format!(
                    "the {} ends ({end}) before or when it starts ({start})",
                    what.en
                ),
            ),
            Msg::new(
                "終了を開始より後にしてください",
                "make the end later than the start",
            ),
        ));
    }
    if minutes > max_minutes {
        return Err(invalid(
            format!("{start} – {end}"),
            Msg::new(
                format!(
                    "{}が{}時間で長すぎます（上限{}時間）",
                    what.ja,
                    minutes / 60,
                    max_minutes / 60
                ),
                format!(
                    "the {} lasts {} h, longer than {} h",
                    what.en,
                    minutes / 60,
                    max_minutes / 60
                ),
            ),
            Msg::new(
                "期間を分けて登録してください",
                "split it into shorter periods",
            ),
        ));
    }
    Ok(())
}

fn skills(list: &[String]) -> Result<(), ValueError> {
    for s in list {
        let n = s.chars().count();
        if s.trim().is_empty() || n > 40 || s.chars().any(char::is_control) {
            return Err(invalid(
                s.clone(),
                Msg::new(
                    format!("技能「{s}」は使えません"),
                    format!("skill '{s}' is not usable"),
                ),
                Msg::new(
                    "1〜40文字で、制御文字を含めずに書いてください",
                    "write 1 to 40 characters without control characters",
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn note(text: &str) -> Result<(), ValueError> {
    if text.chars().count() > 1000 {
        return Err(invalid(
            format!("{}…", text.chars().take(20).collect::<String>()),
            Msg::new(
                "備考が1000文字を超えています",
                "the note is longer than 1,000 characters",
            ),
            Msg::new("1000文字以内にしてください", "keep it to 1,000 characters"),
        ));
    }
    Ok(())
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for a doctor.
    Open,
    /// A dispatch is confirmed.
    Filled,
    /// Withdrawn by the facility or the centre.
    Cancelled,
}

impl RequestState {
    pub fn code(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Filled => "filled",
            RequestState::Cancelled => "cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "open" => Some(RequestState::Open),
            "filled" => Some(RequestState::Filled),
            "cancelled" => Some(RequestState::Cancelled),
            _ => None,
        }
    }

    pub fn label(self) -> Msg {
        match self {
            RequestState::Open => Msg::new("募集中", "Open"),
            RequestState::Filled => Msg::new("派遣決定", "Filled"),
            RequestState::Cancelled => Msg::new("取消", "Cancelled"),
        }
    }
}

/// A facility's request for cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchRequest {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub pref: PrefCode,
    pub facility: FacilityId,
    pub kind: DutyKind,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// Skills the doctor must have.
    pub skills: Vec<String>,
    pub urgency: Urgency,
    pub note: String,
    pub state: RequestState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
}

impl DispatchRequest {
    pub fn validate(&self) -> Result<(), ValueError> {
        period(
            self.start,
            self.end,
            MAX_REQUEST_HOURS * 60,
            Msg::new("依頼", "request"),
        )?;
        skills(&self.skills)?;
        note(&self.note)
    }

    /// The first day of the month the request starts in.
    pub fn month(&self) -> NaiveDate {
        first_of_month(self.start.date())
    }
}

/// A doctor's offer of time for dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchOffer {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub doctor: DoctorId,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    /// Where the doctor sets out from, when not from their workplace in the register (a
    /// graduate student, a doctor working outside the register): a facility of the register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<FacilityId>,
    pub note: String,
    pub offered_at: DateTime<Utc>,
}

impl DispatchOffer {
    pub fn validate(&self) -> Result<(), ValueError> {
        period(
            self.from,
            self.to,
            MAX_OFFER_DAYS * 24 * 60,
            Msg::new("申出", "offer"),
        )?;
        note(&self.note)
    }
}

/// Overtime and holiday work (時間外・休日労働) a doctor has worked at one employer, as
/// reported for a month: the month so far and the fiscal year so far (this month included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursReport {
    pub doctor: DoctorId,
    /// The employer: a facility id in the register, or another employer's name.
    pub employer: String,
    /// The first day of the month.
    pub month: NaiveDate,
    pub month_minutes: i64,
    pub year_minutes: i64,
    /// The date of the interview (面接指導) held this month, if any.
    pub interview: Option<NaiveDate>,
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
}

impl HoursReport {
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.month.day() != 1 {
            return Err(invalid(
                self.month.to_string(),
                Msg::new(
                    "月は1日の日付で指定してください",
                    "a month is given by its first day",
                ),
                Msg::new(
                    format!("{} にしてください", first_of_month(self.month)),
                    format!("use {}", first_of_month(self.month)),
                ),
            ));
        }
        if self.employer.trim().is_empty() || self.employer.chars().count() > 100 {
            return Err(invalid(
                self.employer.clone(),
                Msg::new(
                    "勤務先が空か長すぎます",
                    "the employer is empty or too long",
                ),
                Msg::new("1〜100文字で書いてください", "write 1 to 100 characters"),
            ));
        }
        for (m, what) in [(self.month_minutes, "month"), (self.year_minutes, "year")] {
            if !(0..=MAX_MONTH_MINUTES * 12).contains(&m)
                || (what == "month" && m > MAX_MONTH_MINUTES)
            {
                return Err(invalid(
                    m.to_string(),
                    Msg::new(
                        format!(
                            "時間外労働（{}）{}分は範囲外です",
                            if what == "month" { "月" } else { "年度" },
                            m
                        ),
                        format!("{m} minutes of overtime in the {what} is out of range"),
                    ),
                    Msg::new(
                        "0以上の、暦の上で可能な時間にしてください",
                        "give 0 or more, no more than the calendar allows",
                    ),
                ));
            }
        }
        if self.year_minutes < self.month_minutes {
            return Err(invalid(
                format!("{} < {}", self.year_minutes, self.month_minutes),
                Msg::new(
                    "年度の累計が当月より少なくなっています",
                    "the fiscal year's total is below the month's",
                ),
                Msg::new(
                    "年度累計には当月分を含めてください",
                    "include this month in the year's total",
                ),
            ));
        }
        if let Some(i) = self.interview
            && first_of_month(i) != self.month
        {
            return Err(invalid(
                i.to_string(),
                Msg::new(
                    "面接指導日がその月の日付ではありません",
                    "the interview date is not in the month",
                ),
                Msg::new("その月の日付にしてください", "give a date in that month"),
            ));
        }
        Ok(())
    }
}

/// One solved run of a prefecture's month: input, result and figures. Never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchRun {
    pub pref: PrefCode,
    /// 1, 2, … within the prefecture, given by the store.
    pub seq: u32,
    /// The first day of the month solved.
    pub month: NaiveDate,
    pub input: serde_json::Value,
    pub result: serde_json::Value,
    pub summary: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One version of a facility's (or an alliance's) monthly duty roster (勤務表): what was
/// asked (shifts, cover, staff, requests on and off), the roster made and its figures.
/// Versions are never changed. A version may be published, once; the version of a
/// facility's month published last is the roster in force, and its duties count in its
/// doctors' timelines (rest and hours) when dispatch is planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyRosterVersion {
    pub pref: PrefCode,
    /// 1, 2, … within the prefecture, given by the store.
    pub seq: u32,
    /// The facility the roster belongs to (for an alliance: the facility that makes it).
    pub facility: FacilityId,
    /// The first day of the month.
    pub month: NaiveDate,
    pub title: String,
    /// What was asked (`roster::duty::Spec` as JSON).
    pub spec: serde_json::Value,
    /// The roster made (`roster::duty::DutyRoster` as JSON).
    pub result: serde_json::Value,
    pub summary: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Who published it and when; `None` while a draft. Set once by the store.
    #[serde(default)]
    pub published: Option<Publication>,
}

/// Who published a duty roster version, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A confirmed dispatch: a doctor sent to a request, from a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispatch {
    pub request: u64,
    pub doctor: DoctorId,
    /// The run it was confirmed from.
    pub run: u32,
    pub travel_minutes: i64,
    /// Minutes actually worked during permitted on-call duty or on call, once recorded.
    pub worked_minutes: Option<i64>,
    pub confirmed_by: String,
    pub confirmed_at: DateTime<Utc>,
}

/// The first day of a date's month.
pub fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn request() -> DispatchRequest {
        DispatchRequest {
            id: 0,
            pref: PrefCode::new(3).unwrap(),
            facility: FacilityId::parse("DEMO-C001").unwrap(),
            kind: DutyKind::ClinicDay,
            start: at("2026-12-10 08:30"),
            end: at("2026-12-10 17:15"),
            skills: vec!["内科".into()],
            urgency: Urgency::Soon,
            note: String::new(),
            state: RequestState::Open,
            requested_by: "demo".into(),
            requested_at: Utc::now(),
        }
    }

    #[test]
    fn requests_end_after_they_start_and_last_at_most_two_days() {
        assert!(request().validate().is_ok());
        assert_eq!(
            request().month(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        let mut r = request();
        r.end = r.start;
        let e = r.validate().unwrap_err();
        assert!(e.to_string().contains("before or when"), "{e}");
        r.end = at("2026-12-13 08:30");
        assert!(r.validate().is_err());
        let mut r = request();
        r.skills = vec![" ".into()];
        assert!(r.validate().is_err());
    }

    #[test]
    fn hours_reports_are_consistent() {
        let ok = HoursReport {
            doctor: DoctorId::parse("DEMO-2020-001").unwrap(),
            employer: "DEMO-C001".into(),
            month: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            month_minutes: 30 * 60,
            year_minutes: 400 * 60,
            interview: None,
            reported_by: "demo".into(),
            reported_at: Utc::now(),
        };
        assert!(ok.validate().is_ok());
        let mut bad = ok.clone();
        bad.month = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.year_minutes = 10;
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.interview = NaiveDate::from_ymd_opt(2026, 11, 30);
        assert!(bad.validate().is_err());
        let mut bad = ok;
        bad.month_minutes = -1;
        assert!(bad.validate().is_err());
    }

    #[test]
    fn offers_are_at_most_two_weeks() {
        let mut o = DispatchOffer {
            id: 0,
            doctor: DoctorId::parse("DEMO-2020-001").unwrap(),
            from: at("2026-12-01 07:00"),
            to: at("2026-12-01 21:00"),
            base: None,
            note: String::new(),
            offered_at: Utc::now(),
        };
        assert!(o.validate().is_ok());
        o.to = at("2026-12-20 07:00");
        assert!(o.validate().is_err());
    }

    #[test]
    fn states_round_trip() {
        for s in [
            RequestState::Open,
            RequestState::Filled,
            RequestState::Cancelled,
        ] {
            assert_eq!(RequestState::parse(s.code()), Some(s));
        }
    }
}
