//! Monthly duty rosters (勤務表) in the browser. A facility (or the centre, for a facility of
//! its prefecture) opens a month: the versions made so far, and the roster form filled in
//! from the latest version or the register — the shifts with the cover they need, the staff
//! with their limits, leave and requests, a row each. Making the roster keeps it as a new
//! version; its page shows the grid (a row per person, a column per day), the cover, why
//! any shift is left short, the requests granted and the hours checker's findings, and
//! publishes it. The rules are in `chiiki_app::duty`; this module shows them.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chiiki_app::AppError;
use chiiki_app::access::Principal;
use chiiki_app::auth::Session;
use chiiki_app::dispatch::Month;
use chiiki_app::duty;
use chiiki_domain::{
    DutyKind, Entity, Explain, Facility, FacilityId, Lang, Msg, NaiveDate, PrefCode, Record, Role,
    WorkHourLevel,
};
use chiiki_roster::duty::{DayRequest, DayType, Member, Need, Place, ShiftSpec, Spec, SpecError};
use chiiki_roster::hours::Severity;
use chiiki_tabular::Format;
use chrono::{Datelike, NaiveTime};
use serde::Deserialize;

use crate::dispatch::{month_of, pref_of, suffix as amp};
use crate::forms::{Fields, field};
use crate::i18n::T;
use crate::pages::{Chrome, internal, percent};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// `?facility=&month=&pref=&done=` of the duty pages.
#[derive(Deserialize, Default)]
pub(crate) struct DutyQuery {
    facility: Option<String>,
    month: Option<String>,
    pref: Option<String>,
    done: Option<String>,
}

/// The same as a whole query string: `?pref=03`.
fn query(who: &Principal, pref: PrefCode) -> String {
    if who.pref == Some(pref) {
        String::new()
    } else {
        format!("?pref={pref}")
    }
}

async fn facility_of(s: &AppState, id: &FacilityId) -> Result<Option<Facility>, PageError> {
    Ok(match s.store.get(Entity::Facilities, id.as_str()).await? {
        Some(Record::Facility(f)) => Some(f),
        _ => None,
    })
}

/// The facility of the month's page: a facility account's own (whatever the query says),
/// else the one the centre chose, if any.
fn chosen(who: &Principal, asked: Option<&str>) -> Result<Option<FacilityId>, PageError> {
    if who.role == Role::Facility {
        return who.facility.clone().map(Some).ok_or(PageError::Forbidden);
    }
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => FacilityId::parse(s)
            .map(Some)
            .map_err(|e| PageError::BadRequest(e.said())),
        None => Ok(None),
    }
}

/// An app error on reading: what is not there (or not the user's) is the error page.
fn reading(e: AppError) -> PageError {
    match e {
        AppError::Rejected(_) => PageError::NotFound,
        other => other.into(),
    }
}

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

pub(crate) fn weekday(d: NaiveDate, lang: Lang) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Ja => ["月", "火", "水", "木", "金", "土", "日"][i],
        Lang::En => ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"][i],
    }
}

fn days_in(month: Month) -> u32 {
    (month.next() - month.first()).num_days() as u32
}

// ---------------------------------------------------------------------------------------
// The roster form, as the user sees and sends it

/// A row of the shifts table, as text.
#[derive(Default, Clone)]
struct ShiftRow {
    code: String,
    name: String,
    kind: String,
    start: String,
    end: String,
    weekday: String,
    saturday: String,
    holiday: String,
    max: String,
    overtime: String,
    /// The facility of the roster it is at (kept, not edited).
    facility: String,
    bad: HashSet<&'static str>,
}

impl ShiftRow {
    fn is_bad(&self, column: &str) -> bool {
        self.bad.contains(column)
    }
}

/// A row of the staff table, as text.
#[derive(Default, Clone)]
struct StaffRow {
    id: String,
    name: String,
    level: String,
    shifts: String,
    nights: String,
    weekends: String,
    consecutive: String,
    leave: String,
    off: String,
    on: String,
    /// What the register says of the person's work elsewhere (not edited here).
    notes: Vec<String>,
    bad: HashSet<&'static str>,
}

impl StaffRow {
    fn is_bad(&self, column: &str) -> bool {
        self.bad.contains(column)
    }
}

#[derive(Default, Clone)]
struct DutyForm {
    title: String,
    title_bad: bool,
    shifts: Vec<ShiftRow>,
    staff: Vec<StaffRow>,
}

/// Blank rows under the draft's, to add shifts and people.
const BLANK_SHIFTS: usize = 2;
const BLANK_STAFF: usize = 3;

fn time_text(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn opt_text(n: Option<u32>) -> String {
    n.map_or(String::new(), |n| n.to_string())
}

/// Day numbers as the form writes them: `3, 4, 17, 21-27` (runs of three or more as ranges).
fn days_text(mut days: Vec<u32>) -> String {
    days.sort_unstable();
    days.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            out.push(format!("{}-{}", days[i], days[j]));
        } else {
            out.extend(days[i..=j].iter().map(u32::to_string));
        }
        i = j + 1;
    }
    out.join(", ")
}

impl DutyForm {
    /// The form filled in from a spec, with blank rows to add to.
    fn of(spec: &Spec, home: &str) -> DutyForm {
        let mut shifts: Vec<ShiftRow> = spec
            .shifts
            .iter()
            .map(|s| ShiftRow {
                code: s.code.clone(),
                name: s.name.clone(),
                kind: s.kind.code().to_string(),
                start: time_text(s.start),
                end: time_text(s.end),
                weekday: s.need.weekday.to_string(),
                saturday: s.need.saturday.to_string(),
                holiday: s.need.holiday.to_string(),
                max: opt_text(s.max),
                overtime: opt_text(s.overtime),
                facility: s.facility.clone(),
                bad: HashSet::new(),
            })
            .collect();
        shifts.extend((0..BLANK_SHIFTS).map(|_| ShiftRow {
            kind: DutyKind::ClinicDay.code().to_string(),
            facility: home.to_string(),
            ..Default::default()
        }));
        let mut staff: Vec<StaffRow> = spec
            .staff
            .iter()
            .map(|m| {
                let mine = spec.requests.iter().filter(|r| r.member == m.id);
                let off: Vec<u32> = mine
                    .clone()
                    .filter(|r| !r.on && r.shift.is_none())
                    .map(|r| r.date.day())
                    .collect();
                let on: Vec<String> = mine
                    .filter_map(|r| {
                        let code = r.shift.as_ref()?;
                        Some(if r.on {
                            format!("{}:{code}", r.date.day())
                        } else {
                            format!("{}:!{code}", r.date.day())
                        })
                    })
                    .collect();
                StaffRow {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    level: m.level.code().to_string(),
                    shifts: m.shifts.join(", "),
                    nights: opt_text(m.max_nights),
                    weekends: opt_text(m.max_weekends),
                    consecutive: opt_text(m.max_consecutive),
                    leave: days_text(m.days_off.iter().map(|d| d.day()).collect()),
                    off: days_text(off),
                    on: on.join(", "),
                    notes: Vec::new(),
                    bad: HashSet::new(),
                }
            })
            .collect();
        staff.extend((0..BLANK_STAFF).map(|_| StaffRow {
            level: WorkHourLevel::A.code().to_string(),
            ..Default::default()
        }));
        DutyForm {
            title: spec.title.clone(),
            title_bad: false,
            shifts,
            staff,
        }
    }

    /// The form as it was sent: every row the page had, `shift.0.code`, `staff.2.leave` …
    fn sent(f: &Fields) -> DutyForm {
        let get = |k: String| field(f, &k).to_string();
        let mut shifts = Vec::new();
        // Every row sent (the body's size limit bounds them; the model refuses too many).
        for i in 0.. {
            if !f.contains_key(&format!("shift.{i}.code")) {
                break;
            }
            let c = |col: &str| get(format!("shift.{i}.{col}"));
            shifts.push(ShiftRow {
                code: c("code"),
                name: c("name"),
                kind: c("kind"),
                start: c("start"),
                end: c("end"),
                weekday: c("weekday"),
                saturday: c("saturday"),
                holiday: c("holiday"),
                max: c("max"),
                overtime: c("overtime"),
                facility: c("facility"),
                bad: HashSet::new(),
            });
        }
        let mut staff = Vec::new();
        for i in 0.. {
            if !f.contains_key(&format!("staff.{i}.id")) {
                break;
            }
            let c = |col: &str| get(format!("staff.{i}.{col}"));
            staff.push(StaffRow {
                id: c("id"),
                name: c("name"),
                level: c("level"),
                shifts: c("shifts"),
                nights: c("nights"),
                weekends: c("weekends"),
                consecutive: c("consecutive"),
                leave: c("leave"),
                off: c("off"),
                on: c("on"),
                notes: Vec::new(),
                bad: HashSet::new(),
            });
        }
        DutyForm {
            title: field(f, "title").to_string(),
            title_bad: false,
            shifts,
            staff,
        }
    }

    /// Marks where a problem is.
    fn mark(&mut self, at: &At) {
        match at {
            At::Title => self.title_bad = true,
            At::Shift(i, col) => {
                if let Some(r) = self.shifts.get_mut(*i) {
                    r.bad.insert(col);
                }
            }
            At::Staff(i, col) => {
                if let Some(r) = self.staff.get_mut(*i) {
                    r.bad.insert(col);
                }
            }
            At::Elsewhere(_) => {}
        }
    }
}

/// Where in the form a problem is: a cell of a table (row index, column), the title, or
/// something the form does not show (its key in the catalog).
#[derive(Debug, Clone, PartialEq)]
enum At {
    Title,
    Shift(usize, &'static str),
    Staff(usize, &'static str),
    Elsewhere(&'static str),
}

/// The catalog key of a column's heading.
fn column_key(col: &str) -> &'static str {
    match col {
        "code" => "duty.shift.code",
        "name" => "duty.shift.name",
        "kind" => "duty.shift.kind",
        "start" => "duty.shift.start",
        "end" => "duty.shift.end",
        "weekday" => "duty.shift.weekday",
        "saturday" => "duty.shift.saturday",
        "holiday" => "duty.shift.holiday",
        "max" => "duty.shift.max",
        "overtime" => "duty.shift.overtime",
        "facility" => "duty.facility",
        "id" => "duty.staff.id",
        "level" => "duty.staff.level",
        "shifts" => "duty.staff.shifts",
        "nights" => "duty.staff.nights",
        "weekends" => "duty.staff.weekends",
        "consecutive" => "duty.staff.consecutive",
        "leave" => "duty.staff.leave",
        "off" => "duty.staff.off",
        "on" => "duty.staff.on",
        _ => "duty.form",
    }
}

impl At {
    /// Where, in both languages: 「職員 3 行目 休暇（日）」 / "staff row 3, leave (days)".
    fn said(&self) -> Msg {
        let (ja, en) = (T(Lang::Ja), T(Lang::En));
        match self {
            At::Title => Msg::new(ja.get("duty.title_field"), en.get("duty.title_field")),
            At::Shift(i, col) => {
                let k = column_key(col);
                Msg::new(
                    format!("勤務 {} 行目 {}", i + 1, ja.get(k)),
                    format!("shift row {}, {}", i + 1, en.get(k)),
                )
            }
            At::Staff(i, col) => {
                let k = if *col == "name" {
                    "duty.staff.name"
                } else {
                    column_key(col)
                };
                Msg::new(
                    format!("職員 {} 行目 {}", i + 1, ja.get(k)),
                    format!("staff row {}, {}", i + 1, en.get(k)),
                )
            }
            At::Elsewhere(k) => Msg::new(ja.get(k), en.get(k)),
        }
    }
}

/// A problem of the form: where, what and how to fix it.
struct Problem {
    at: At,
    what: Msg,
}

impl Problem {
    fn new(at: At, problem: Msg, fix: Msg) -> Problem {
        Problem {
            at,
            what: problem.with_fix(&fix),
        }
    }

    fn said(&self, lang: Lang) -> String {
        format!("{}: {}", self.at.said().get(lang), self.what.get(lang))
    }
}

/// Japanese input as the parser reads it: full-width digits and punctuation as ASCII.
fn narrow(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '，' | '、' | '､' | '・' => ',',
            '：' => ':',
            '－' | '−' | '‐' | '〜' | '～' | '~' => '-',
            '！' => '!',
            '　' => ' ',
            c => c,
        })
        .collect()
}

/// The items of a list cell: separated by commas or spaces; `10 : 当` is one item.
fn items(text: &str) -> Vec<String> {
    let mut t = narrow(text);
    while t.contains(" :") || t.contains(": ") {
        t = t.replace(" :", ":").replace(": ", ":");
    }
    t.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn day_fix(n: u32) -> Msg {
    Msg::new(
        format!("1〜{n} の日にちを 3, 4 や 21-27 のように入力してください"),
        format!("give days 1 to {n}, like 3, 4 or 21-27"),
    )
}

/// Day numbers of the month (`3`, `21-27`): the dates, or what is wrong with each item.
fn read_days(item: &str, month: Month) -> Result<Vec<NaiveDate>, (Msg, Msg)> {
    let n = days_in(month);
    let day = |s: &str| -> Result<u32, (Msg, Msg)> {
        match s.trim().parse::<u32>() {
            Ok(d) if (1..=n).contains(&d) => Ok(d),
            Ok(d) => Err((
                Msg::new(
                    format!("{d} はこの月の日ではありません"),
                    format!("{d} is not a day of this month"),
                ),
                day_fix(n),
            )),
            Err(_) => Err((
                Msg::new(
                    format!("「{s}」は日にちとして読めません"),
                    format!("'{s}' is not a day number"),
                ),
                day_fix(n),
            )),
        }
    };
    let (a, b) = match item.split_once('-') {
        Some((a, b)) => (day(a)?, day(b)?),
        None => {
            let d = day(item)?;
            (d, d)
        }
    };
    if a > b {
        return Err((
            Msg::new(
                format!("範囲 {item} が逆順です"),
                format!("the range {item} runs backwards"),
            ),
            Msg::new(
                format!("{b}-{a} のように小さい日から書いてください"),
                format!("write it from the earlier day, like {b}-{a}"),
            ),
        ));
    }
    Ok((a..=b)
        .filter_map(|d| NaiveDate::from_ymd_opt(month.first().year(), month.first().month(), d))
        .collect())
}

fn number(text: &str) -> Result<Option<u32>, (Msg, Msg)> {
    let t = narrow(text);
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| {
        (
            Msg::new(
                format!("「{t}」は 0 以上の整数ではありません"),
                format!("'{t}' is not a whole number of 0 or more"),
            ),
            Msg::new("0, 1, 2 … の数を入力してください", "give 0, 1, 2 …"),
        )
    })
}

fn time(text: &str) -> Result<NaiveTime, (Msg, Msg)> {
    let t = narrow(text);
    let t = t.trim();
    NaiveTime::parse_from_str(t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
        .map_err(|_| {
            (
                if t.is_empty() {
                    Msg::new("時刻がありません", "the time is missing")
                } else {
                    Msg::new(
                        format!("時刻「{t}」が読めません"),
                        format!("cannot read the time '{t}'"),
                    )
                },
                Msg::new(
                    "08:30 のように時刻を入力してください",
                    "write the time like 08:30",
                ),
            )
        })
}

fn choice(what: Msg) -> (Msg, Msg) {
    (
        Msg::new(
            format!("{}が選ばれていません", what.ja),
            format!("no {} is chosen", what.en),
        ),
        Msg::new("一覧から選んでください", "pick one from the list"),
    )
}

/// What the form asks for, and where each part of the spec came from in the form (to say
/// where the model's problems are).
struct Built {
    spec: Spec,
    shift_rows: Vec<usize>,
    staff_rows: Vec<usize>,
    /// For each request, the staff row and the column it was written in.
    request_at: Vec<(usize, &'static str)>,
}

/// Reads the form into a spec. `base` is the draft of the month: the facilities, holidays
/// and weights, and what the form does not edit of each person (kept by id), come from it.
fn build(
    form: &DutyForm,
    base: &Spec,
    month: Month,
    home: &FacilityId,
) -> Result<Built, Vec<Problem>> {
    let mut problems = Vec::new();
    let facilities = if base.facilities.iter().any(|p| p.id == home.as_str()) {
        base.facilities.clone()
    } else {
        let mut list = vec![Place {
            id: home.to_string(),
            name: String::new(),
        }];
        list.extend(base.facilities.iter().cloned());
        list
    };
    // Shifts.
    let mut shifts = Vec::new();
    let mut shift_rows = Vec::new();
    for (i, r) in form.shifts.iter().enumerate() {
        if r.code.is_empty() && r.name.is_empty() {
            continue;
        }
        let mut bad = |col: &'static str, (p, f): (Msg, Msg)| {
            problems.push(Problem::new(At::Shift(i, col), p, f));
        };
        if r.code.is_empty() {
            bad(
                "code",
                (
                    Msg::new("勤務の記号がありません", "the shift has no code"),
                    Msg::new(
                        "日・当 など短い記号を入力するか、名称も消して行を空にしてください",
                        "give a short code such as D or N, or clear the name to leave the row out",
                    ),
                ),
            );
        }
        let kind = DutyKind::parse(&r.kind)
            .map_err(|_| bad("kind", choice(Msg::new("勤務の種類", "kind of duty"))))
            .ok();
        let start = time(&r.start).map_err(|e| bad("start", e)).ok();
        let end = time(&r.end).map_err(|e| bad("end", e)).ok();
        let mut need = |col: &'static str, text: &str| {
            number(text)
                .map_err(|e| bad(col, e))
                .ok()
                .map(|n| n.unwrap_or(0))
        };
        let weekday = need("weekday", &r.weekday);
        let saturday = need("saturday", &r.saturday);
        let holiday = need("holiday", &r.holiday);
        let max = number(&r.max).map_err(|e| bad("max", e)).ok();
        let overtime = number(&r.overtime).map_err(|e| bad("overtime", e)).ok();
        if let (
            Some(kind),
            Some(start),
            Some(end),
            Some(weekday),
            Some(saturday),
            Some(holiday),
            Some(max),
            Some(overtime),
        ) = (kind, start, end, weekday, saturday, holiday, max, overtime)
        {
            let facility = if facilities.iter().any(|p| p.id == r.facility) {
                r.facility.clone()
            } else {
                home.to_string()
            };
            shifts.push(ShiftSpec {
                code: r.code.clone(),
                name: if r.name.is_empty() {
                    r.code.clone()
                } else {
                    r.name.clone()
                },
                facility,
                kind,
                start,
                end,
                need: Need {
                    weekday,
                    saturday,
                    holiday,
                },
                max,
                overtime,
            });
            shift_rows.push(i);
        }
    }
    let codes: Vec<String> = form
        .shifts
        .iter()
        .map(|r| r.code.clone())
        .filter(|c| !c.is_empty())
        .collect();
    let unknown_code = |code: &str| {
        (
            Msg::new(
                format!("勤務「{code}」はこの勤務表にありません"),
                format!("there is no shift '{code}' on this roster"),
            ),
            Msg::new(
                format!("勤務表の記号（{}）を使ってください", codes.join("・")),
                format!("use the roster's codes ({})", codes.join(", ")),
            ),
        )
    };
    // Staff and their requests.
    let kept: HashMap<&str, &Member> = base.staff.iter().map(|m| (m.id.as_str(), m)).collect();
    let kept_requests: HashMap<(&str, NaiveDate, Option<&str>, bool), Option<i64>> = base
        .requests
        .iter()
        .map(|r| {
            (
                (r.member.as_str(), r.date, r.shift.as_deref(), r.on),
                r.weight,
            )
        })
        .collect();
    let mut staff = Vec::new();
    let mut staff_rows = Vec::new();
    let mut requests = Vec::new();
    let mut request_at = Vec::new();
    for (i, r) in form.staff.iter().enumerate() {
        if r.id.is_empty() && r.name.is_empty() {
            continue;
        }
        let mut bad = |col: &'static str, (p, f): (Msg, Msg)| {
            problems.push(Problem::new(At::Staff(i, col), p, f));
        };
        if r.id.is_empty() {
            bad(
                "id",
                (
                    Msg::new("職員IDがありません", "the staff id is missing"),
                    Msg::new(
                        "職員番号か医師IDを入力するか、氏名も消して行を空にしてください",
                        "give a staff number or doctor id, or clear the name to leave the row out",
                    ),
                ),
            );
        }
        let level = WorkHourLevel::parse(&r.level)
            .map_err(|_| bad("level", choice(Msg::new("水準", "level"))))
            .ok();
        let mut allowed = Vec::new();
        for code in items(&r.shifts) {
            if codes.contains(&code) {
                allowed.push(code);
            } else {
                bad("shifts", unknown_code(&code));
            }
        }
        let nights = number(&r.nights).map_err(|e| bad("nights", e)).ok();
        let weekends = number(&r.weekends).map_err(|e| bad("weekends", e)).ok();
        let consecutive = number(&r.consecutive)
            .map_err(|e| bad("consecutive", e))
            .ok();
        let mut leave = Vec::new();
        for item in items(&r.leave) {
            match read_days(&item, month) {
                Ok(days) => leave.extend(days),
                Err(e) => bad("leave", e),
            }
        }
        leave.sort();
        leave.dedup();
        let mut asked: Vec<(NaiveDate, Option<String>, bool, &'static str)> = Vec::new();
        for item in items(&r.off) {
            match read_days(&item, month) {
                Ok(days) => asked.extend(days.into_iter().map(|d| (d, None, false, "off"))),
                Err(e) => bad("off", e),
            }
        }
        for item in items(&r.on) {
            let Some((days, code)) = item.split_once(':') else {
                bad(
                    "on",
                    (
                        Msg::new(
                            format!("「{item}」が読めません"),
                            format!("cannot read '{item}'"),
                        ),
                        Msg::new(
                            "10:当 のように日と勤務の記号をコロンで区切ってください（その勤務を休みたい日は 10:!当）",
                            "write the day and the shift's code with a colon, like 10:N (a shift wanted off: 10:!N)",
                        ),
                    ),
                );
                continue;
            };
            let (on, code) = match code.strip_prefix('!') {
                Some(c) => (false, c),
                None => (true, code),
            };
            if !codes.iter().any(|c| c == code) {
                bad("on", unknown_code(code));
                continue;
            }
            match read_days(days, month) {
                Ok(list) => asked.extend(
                    list.into_iter()
                        .map(|d| (d, Some(code.to_string()), on, "on")),
                ),
                Err(e) => bad("on", e),
            }
        }
        let (Some(level), Some(nights), Some(weekends), Some(consecutive)) =
            (level, nights, weekends, consecutive)
        else {
            continue;
        };
        let before = kept.get(r.id.as_str());
        for (date, shift, on, col) in asked {
            let weight = kept_requests
                .get(&(r.id.as_str(), date, shift.as_deref(), on))
                .copied()
                .flatten();
            requests.push(DayRequest {
                member: r.id.clone(),
                date,
                shift,
                on,
                weight,
            });
            request_at.push((i, col));
        }
        staff.push(Member {
            id: r.id.clone(),
            name: r.name.clone(),
            level,
            initial_resident: before.is_some_and(|m| m.initial_resident),
            shifts: allowed,
            facilities: before.map_or_else(Vec::new, |m| m.facilities.clone()),
            max_nights: nights,
            max_weekends: weekends,
            max_consecutive: consecutive,
            days_off: leave,
            baseline: before.map_or_else(Vec::new, |m| m.baseline.clone()),
            interviews: before.map_or_else(Vec::new, |m| m.interviews.clone()),
            fixed: before.map_or_else(Vec::new, |m| m.fixed.clone()),
        });
        staff_rows.push(i);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Built {
        spec: Spec {
            title: form.title.clone(),
            month: month.first(),
            holidays: base.holidays.clone(),
            facilities,
            shifts,
            staff,
            requests,
            weights: base.weights,
        },
        shift_rows,
        staff_rows,
        request_at,
    })
}

/// The model's problems of a spec read from the form, each where it is in the form.
fn located(built: &Built, problems: Vec<SpecError>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|p| {
            let at = locate(built, &p.field);
            Problem::new(at, p.problem, p.fix)
        })
        .collect()
}

/// `staff[3].days_off[1]` → the form's staff row and the column.
fn locate(built: &Built, path: &str) -> At {
    let (head, rest) = path.split_once('[').unwrap_or((path, ""));
    let (index, tail) = rest.split_once(']').unwrap_or(("", ""));
    let index: Option<usize> = index.parse().ok();
    let tail = tail.trim_start_matches('.');
    let column = tail.split(['.', '[']).collect::<Vec<_>>();
    match (head, index) {
        ("title", _) => At::Title,
        ("shifts", Some(i)) => {
            let row = built.shift_rows.get(i).copied().unwrap_or(i);
            let col = match (column.first().copied(), column.get(1).copied()) {
                (Some("need"), Some("weekday")) => "weekday",
                (Some("need"), Some("saturday")) => "saturday",
                (Some("need"), Some("holiday")) => "holiday",
                (Some("code"), _) => "code",
                (Some("name"), _) => "name",
                (Some("kind"), _) => "kind",
                (Some("start"), _) => "start",
                (Some("end"), _) => "end",
                (Some("max"), _) => "max",
                (Some("overtime"), _) => "overtime",
                _ => "facility",
            };
            At::Shift(row, col)
        }
        ("staff", Some(i)) => {
            let row = built.staff_rows.get(i).copied().unwrap_or(i);
            let col = match column.first().copied() {
                Some("id") => "id",
                Some("name") => "name",
                Some("level") => "level",
                Some("shifts") => "shifts",
                Some("max_nights") => "nights",
                Some("max_weekends") => "weekends",
                Some("max_consecutive") => "consecutive",
                Some("days_off") => "leave",
                _ => "facility",
            };
            At::Staff(row, col)
        }
        ("requests", Some(i)) => match built.request_at.get(i) {
            Some((row, col)) => At::Staff(*row, col),
            None => At::Elsewhere("duty.staff"),
        },
        ("shifts", None) => At::Elsewhere("duty.shifts"),
        ("staff", None) => At::Elsewhere("duty.staff"),
        ("month", _) => At::Elsewhere("duty.month"),
        ("facilities", _) => At::Elsewhere("duty.facility"),
        _ => At::Elsewhere("duty.form"),
    }
}

/// What the register says of a person's work elsewhere, for the staff table.
fn notes(m: &Member, t: T) -> Vec<String> {
    let mut out = Vec::new();
    if !m.fixed.is_empty() {
        let mut duties: Vec<String> = m
            .fixed
            .iter()
            .take(3)
            .map(|d| {
                format!(
                    "{}/{} {}–{} {}",
                    d.start.month(),
                    d.start.day(),
                    d.start.format("%H:%M"),
                    d.end.format("%H:%M"),
                    d.employer
                )
            })
            .collect();
        if m.fixed.len() > 3 {
            duties.push(format!("+{}", m.fixed.len() - 3));
        }
        out.push(format!(
            "{} {}: {}",
            t.get("duty.note.fixed"),
            m.fixed.len(),
            duties.join(", ")
        ));
    }
    let month: i64 = m.baseline.iter().map(|b| b.month).sum();
    let year: i64 = m.baseline.iter().map(|b| b.year).sum();
    if month > 0 || year > 0 {
        out.push(format!(
            "{} {} h / {} {} h",
            t.get("duty.note.hours_month"),
            hours(month),
            t.get("duty.note.hours_year"),
            hours(year)
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// The month's page

struct VersionLine {
    seq: u32,
    href: String,
    title: String,
    cover: String,
    granted: String,
    created: String,
    published: bool,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct MonthPage {
    chrome: Chrome,
    pref: String,
    amp: String,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    days: u32,
    /// A facility's account: its own facility, no chooser.
    own: bool,
    facilities: Vec<(String, String)>,
    /// The facility shown: id and name.
    facility: Option<(String, String)>,
    versions: Vec<VersionLine>,
    /// The roster form, for those who may make the facility's rosters.
    form: Option<DutyForm>,
    problems: Vec<String>,
    kinds: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
}

/// The form sent again with its problems.
struct Again {
    form: DutyForm,
    problems: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
async fn month_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    mut pref: PrefCode,
    month: Month,
    facility: Option<FacilityId>,
    again: Option<Again>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    if !duty::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let lang = prefs.lang;
    let t = T(lang);
    let store = s.store.as_ref();
    let own = who.role == Role::Facility;
    let facilities = if own {
        Vec::new()
    } else {
        let filter = who
            .facility_filter(chiiki_store::FacilityFilter {
                pref: Some(pref),
                paging: chiiki_store::Paging {
                    offset: 0,
                    limit: None,
                },
                ..Default::default()
            })
            .map_err(|_| PageError::Forbidden)?;
        let mut list: Vec<(String, String)> = store
            .list_facilities(&filter)
            .await?
            .items
            .into_iter()
            .map(|f| (f.id.to_string(), f.name.to_string()))
            .collect();
        list.sort();
        list
    };
    let mut shown = None;
    let mut versions = Vec::new();
    let mut form = None;
    let mut problems = Vec::new();
    if let Some(fid) = facility {
        let f = facility_of(s, &fid).await?.ok_or(PageError::NotFound)?;
        pref = f.area.pref();
        if !duty::may_read(who, &fid, pref) {
            return Err(PageError::Forbidden);
        }
        let q = query(who, pref);
        versions = duty::versions(store, who, &fid, Some(month))
            .await
            .map_err(reading)?
            .into_iter()
            .map(|v| VersionLine {
                seq: v.seq,
                href: format!("/duty/{}{q}", v.seq),
                title: v.title,
                cover: format!("{} / {}", v.figures.covered, v.figures.needed),
                granted: format!("{} / {}", v.figures.granted, v.figures.requests),
                created: format!(
                    "{} · {}",
                    v.created_by,
                    v.created_at.format("%Y-%m-%d %H:%M UTC")
                ),
                published: v.published,
            })
            .collect();
        if duty::may_roster(who, &fid, pref) {
            let base = duty::draft(store, who, &fid, month)
                .await
                .map_err(reading)?;
            let by_id: HashMap<&str, &Member> =
                base.staff.iter().map(|m| (m.id.as_str(), m)).collect();
            let mut f = match again {
                Some(a) => {
                    problems = a.problems;
                    a.form
                }
                None => DutyForm::of(&base, fid.as_str()),
            };
            for r in &mut f.staff {
                if let Some(m) = by_id.get(r.id.as_str()) {
                    r.notes = notes(m, t);
                }
            }
            form = Some(f);
        }
        shown = Some((fid.to_string(), f.name.to_string()));
    }
    let page = MonthPage {
        pref: pref.to_string(),
        amp: amp(who, pref),
        month: month.to_string(),
        month_label: month.label(lang),
        prev: month.previous().to_string(),
        next: month.following().to_string(),
        days: days_in(month),
        own,
        facilities,
        facility: shown,
        versions,
        form,
        problems,
        kinds: DutyKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(lang)))
            .collect(),
        levels: WorkHourLevel::ALL
            .iter()
            .map(|l| (l.code(), l.label(lang)))
            .collect(),
        chrome: Chrome::new(session, prefs, "duty", uri),
    };
    Ok(Html(page.render()?))
}

/// `GET /duty?facility=&month=`: a facility's month — its versions and the roster form.
pub(crate) async fn page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<DutyQuery>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    if !duty::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let pref = pref_of(who, q.pref.as_deref())?;
    let month = month_of(q.month.as_deref())?;
    let facility = chosen(who, q.facility.as_deref())?;
    month_page(&s, &session, prefs, &uri, pref, month, facility, None).await
}

/// `POST /duty`: makes the roster the form asks for; then its page, or the form again with
/// every problem where it is (422).
pub(crate) async fn make(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    if !duty::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let lang = prefs.lang;
    let month = month_of(Some(field(&f, "month")))?;
    let fid = chosen(who, Some(field(&f, "facility")))?.ok_or_else(|| {
        PageError::BadRequest(Msg::new(
            "施設を選んでください",
            "choose the facility of the roster",
        ))
    })?;
    let facility = facility_of(&s, &fid).await?.ok_or(PageError::NotFound)?;
    let pref = facility.area.pref();
    // Refused before reading the form; the app decides again.
    if !duty::may_roster(who, &fid, pref) {
        return Err(PageError::Forbidden);
    }
    let store = s.store.as_ref();
    let base = duty::draft(store, who, &fid, month)
        .await
        .map_err(reading)?;
    let mut form = DutyForm::sent(&f);
    let problems: Vec<Problem> = match build(&form, &base, month, &fid) {
        Err(p) => p,
        Ok(built) => {
            let found = built.spec.validate();
            if !found.is_empty() {
                located(&built, found)
            } else {
                let (store, w, id, effort) = (
                    s.store.clone(),
                    who.clone(),
                    fid.clone(),
                    s.dispatch_effort(),
                );
                let spec = built.spec;
                let result = crate::rotation::planning(&s, async move {
                    duty::make(store.as_ref(), &w, &id, spec, effort).await
                })
                .await;
                match result {
                    Ok(v) => {
                        return Ok(
                            Redirect::to(&format!("/duty/{}{}", v.seq, query(who, pref)))
                                .into_response(),
                        );
                    }
                    Err(e) => match crate::forms::on_page(e) {
                        Ok(m) => vec![Problem {
                            at: At::Elsewhere("duty.form"),
                            what: m,
                        }],
                        Err(e) => return Err(e),
                    },
                }
            }
        }
    };
    for p in &problems {
        form.mark(&p.at);
    }
    let again = Again {
        problems: problems.iter().map(|p| p.said(lang)).collect(),
        form,
    };
    let html = month_page(
        &s,
        &session,
        prefs,
        &uri,
        pref,
        month,
        Some(fid),
        Some(again),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

// ---------------------------------------------------------------------------------------
// A version

struct DayHead {
    day: u32,
    weekday: &'static str,
    class: &'static str,
    title: String,
}

struct GridCell {
    text: String,
    class: String,
    title: String,
    date: String,
}

struct GridRow {
    id: String,
    name: String,
    cells: Vec<GridCell>,
    shifts: u32,
    nights: u32,
    weekends: u32,
    overtime: String,
    left: String,
}

struct CoverRow {
    code: String,
    name: String,
    /// Text, short, the day's class.
    cells: Vec<(String, bool, &'static str)>,
}

struct ShortLine {
    date: String,
    shift: String,
    got: u32,
    need: u32,
    summary: String,
    reasons: Vec<String>,
    not_qualified: usize,
}

struct RequestLine {
    person: String,
    date: String,
    shift: String,
    on: bool,
    granted: bool,
}

struct FindingLine {
    rule: String,
    severity: &'static str,
    binding: bool,
    person: String,
    period: String,
    message: String,
}

#[derive(Template)]
#[template(path = "duty_version.html")]
struct VersionPage {
    chrome: Chrome,
    seq: u32,
    q: String,
    pref: String,
    title: String,
    facility: String,
    facility_id: String,
    month: String,
    month_label: String,
    amp: String,
    published: Option<String>,
    notice: bool,
    error: Option<String>,
    cover: String,
    cover_percent: String,
    over: u32,
    granted: String,
    withdrawn: usize,
    objective: i64,
    seconds: String,
    created: String,
    days: Vec<DayHead>,
    rows: Vec<GridRow>,
    cover_rows: Vec<CoverRow>,
    short: Vec<ShortLine>,
    requests: Vec<RequestLine>,
    findings: Vec<FindingLine>,
    can_publish: bool,
}

/// Reads a version for a page: 404 when there is none, 403 when it is not the user's to see.
async fn readable(
    s: &AppState,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
) -> Result<duty::Version, PageError> {
    duty::version(s.store.as_ref(), who, pref, seq)
        .await
        .map_err(reading)
}

#[allow(clippy::too_many_arguments)]
async fn version_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    pref: PrefCode,
    seq: u32,
    notice: bool,
    error: Option<Msg>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let lang = prefs.lang;
    let t = T(lang);
    let chrome = Chrome::new(session, prefs, "duty", uri);
    let v = readable(s, who, pref, seq).await?;
    let (spec, r) = (&v.spec, &v.roster);
    let month = Month::of(v.version.month);
    let name = |id: &str| {
        v.names
            .get(id)
            .map_or(id.to_string(), |n| format!("{n}（{id}）"))
    };
    let day_class = |k: DayType| match k {
        DayType::Weekday => "",
        DayType::Saturday => "sat",
        DayType::Holiday => "hol",
    };
    let days: Vec<DayHead> = r
        .days
        .iter()
        .map(|d| DayHead {
            day: d.date.day(),
            weekday: weekday(d.date, lang),
            class: day_class(d.kind),
            title: d.holiday.clone().unwrap_or_default(),
        })
        .collect();
    let totals: HashMap<&str, &chiiki_roster::duty::MemberTotals> =
        r.members.iter().map(|m| (m.member.as_str(), m)).collect();
    let shift_names: HashMap<&str, &str> = spec
        .shifts
        .iter()
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    let rows = spec
        .staff
        .iter()
        .map(|m| {
            let cells = r
                .days
                .iter()
                .map(|d| {
                    let asked: Vec<&DayRequest> = spec
                        .requests
                        .iter()
                        .filter(|q| q.member == m.id && q.date == d.date)
                        .collect();
                    let mut class = vec![day_class(d.kind)];
                    let mut title = Vec::new();
                    let text = match r.shift_of(&m.id, d.date) {
                        Some(code) => {
                            title.push(shift_names.get(code).copied().unwrap_or(code).to_string());
                            code.to_string()
                        }
                        None if m.days_off.contains(&d.date) => {
                            class.push("leave");
                            title.push(t.get("duty.leave").to_string());
                            t.get("duty.leave_mark").to_string()
                        }
                        None => String::new(),
                    };
                    for q in asked {
                        class.push(if q.on { "asked-on" } else { "asked-off" });
                        title.push(match (&q.shift, q.on) {
                            (Some(c), true) => format!("{} {c}", t.get("duty.request.on")),
                            (Some(c), false) => format!("{} {c}", t.get("duty.request.off")),
                            (None, _) => t.get("duty.request.day_off").to_string(),
                        });
                    }
                    GridCell {
                        text,
                        class: class
                            .into_iter()
                            .filter(|c| !c.is_empty())
                            .collect::<Vec<_>>()
                            .join(" "),
                        title: title.join(" · "),
                        date: d.date.to_string(),
                    }
                })
                .collect();
            let tot = totals.get(m.id.as_str());
            GridRow {
                id: m.id.clone(),
                name: m.name.clone(),
                cells,
                shifts: tot.map_or(0, |x| x.shifts),
                nights: tot.map_or(0, |x| x.nights),
                weekends: tot.map_or(0, |x| x.weekends),
                overtime: tot.map_or(String::new(), |x| hours(x.month_overtime)),
                left: tot.map_or(String::new(), |x| hours(x.month_left)),
            }
        })
        .collect();
    let cover: HashMap<(NaiveDate, &str), (u32, u32)> = r
        .cover
        .iter()
        .map(|c| ((c.date, c.shift.as_str()), (c.got, c.need)))
        .collect();
    let cover_rows = spec
        .shifts
        .iter()
        .map(|sh| CoverRow {
            code: sh.code.clone(),
            name: sh.name.clone(),
            cells: r
                .days
                .iter()
                .map(|d| match cover.get(&(d.date, sh.code.as_str())) {
                    Some((got, need)) => (format!("{got}/{need}"), got < need, day_class(d.kind)),
                    None => (String::new(), false, day_class(d.kind)),
                })
                .collect(),
        })
        .collect();
    let date = |d: NaiveDate| format!("{}/{}（{}）", d.month(), d.day(), weekday(d, lang));
    // A moment of a finding: the year only when it is not the roster's.
    let stamp = |t: chrono::NaiveDateTime| {
        if t.year() == v.version.month.year() {
            t.format("%m/%d %H:%M").to_string()
        } else {
            t.format("%Y/%m/%d %H:%M").to_string()
        }
    };
    let short = r
        .short
        .iter()
        .map(|x| ShortLine {
            date: date(x.date),
            shift: x.shift.clone(),
            got: x.got,
            need: x.need,
            summary: x.summary.get(lang).to_string(),
            reasons: x
                .reasons
                .iter()
                .map(|(who, why)| format!("{}: {}", name(who), why.message().get(lang)))
                .collect(),
            not_qualified: x.not_qualified,
        })
        .collect();
    let requests = r
        .requests
        .iter()
        .map(|o| RequestLine {
            person: name(&o.request.member),
            date: date(o.request.date),
            shift: o
                .request
                .shift
                .clone()
                .unwrap_or_else(|| t.get("duty.request.all_day").to_string()),
            on: o.request.on,
            granted: o.granted,
        })
        .collect();
    let findings = r
        .findings
        .iter()
        .map(|b| FindingLine {
            rule: b.rule.label().get(lang).to_string(),
            severity: match b.severity {
                Severity::Breach => t.get("duty.severity.breach"),
                Severity::Warning => t.get("duty.severity.warning"),
                Severity::Action => t.get("duty.severity.action"),
                Severity::Due => t.get("duty.severity.due"),
            },
            binding: matches!(b.severity, Severity::Breach | Severity::Action),
            person: name(&b.doctor),
            period: format!("{} – {}", stamp(b.from), stamp(b.to)),
            message: b.message.get(lang).to_string(),
        })
        .collect();
    let fg = &r.figures;
    let facility_name = spec
        .facilities
        .iter()
        .find(|p| p.id == v.version.facility.as_str())
        .map_or(String::new(), |p| p.name.clone());
    let page = VersionPage {
        seq,
        q: query(who, pref),
        pref: pref.to_string(),
        title: v.version.title.clone(),
        facility: facility_name,
        facility_id: v.version.facility.to_string(),
        month: month.to_string(),
        month_label: month.label(lang),
        amp: amp(who, pref),
        published: v
            .version
            .published
            .as_ref()
            .map(|p| format!("{} · {}", p.by, p.at.format("%Y-%m-%d %H:%M UTC"))),
        notice,
        error: error.map(|m| m.get(lang).to_string()),
        cover: format!("{} / {}", fg.covered, fg.needed),
        cover_percent: if fg.needed == 0 {
            "100.0".to_string()
        } else {
            percent(f64::from(fg.covered) / f64::from(fg.needed))
        },
        over: fg.over,
        granted: format!("{} / {}", fg.granted, fg.requests),
        withdrawn: fg.withdrawn,
        objective: fg.objective,
        seconds: format!("{:.1}", fg.seconds),
        created: format!(
            "{} · {}",
            v.version.created_by,
            v.version.created_at.format("%Y-%m-%d %H:%M UTC")
        ),
        days,
        rows,
        cover_rows,
        short,
        requests,
        findings,
        can_publish: v.version.published.is_none()
            && duty::may_roster(who, &v.version.facility, pref),
        chrome,
    };
    Ok(Html(page.render()?))
}

/// `GET /duty/{seq}`, and its grid as `/duty/{seq}.xlsx` (every sheet) and `.csv`.
pub(crate) async fn version(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(seq): Path<String>,
    Query(q): Query<DutyQuery>,
) -> Result<Response, PageError> {
    let who = &session.principal;
    if !duty::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let (number, ext) = match seq.split_once('.') {
        Some((n, e)) => (n, Some(e)),
        None => (seq.as_str(), None),
    };
    let seq: u32 = number.parse().map_err(|_| PageError::NotFound)?;
    let pref = pref_of(who, q.pref.as_deref())?;
    match ext {
        None => {
            let notice = q.done.as_deref() == Some("published");
            Ok(
                version_page(&s, &session, prefs, &uri, pref, seq, notice, None)
                    .await?
                    .into_response(),
            )
        }
        Some(ext @ ("xlsx" | "csv")) => {
            let v = readable(&s, who, pref, seq).await?;
            let sheets = duty::sheets(&v, prefs.lang);
            let stem = format!(
                "duty-{}-{}-{seq}",
                v.version.facility,
                Month::of(v.version.month)
            );
            if ext == "csv" {
                let grid = sheets.first().ok_or(PageError::NotFound)?;
                let bytes = chiiki_tabular::sheet_to_csv(grid).map_err(internal)?;
                Ok(crate::files::attachment(bytes, Format::Csv, &stem))
            } else {
                let bytes =
                    chiiki_tabular::sheets_to_xlsx(&v.version.title, &sheets).map_err(internal)?;
                Ok(crate::files::attachment(bytes, Format::Xlsx, &stem))
            }
        }
        Some(_) => Err(PageError::NotFound),
    }
}

/// `POST /duty/{seq}/publish`: publishes the version; back to its page with a notice.
pub(crate) async fn publish(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(seq): Path<u32>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    if !duty::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let pref = pref_of(who, Some(field(&f, "pref")))?;
    match duty::publish(s.store.as_ref(), who, pref, seq).await {
        Ok(_) => {
            let to = match query(who, pref).as_str() {
                "" => format!("/duty/{seq}?done=published"),
                q => format!("/duty/{seq}{q}&done=published"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let m = crate::forms::on_page(e)?;
            let html = version_page(&s, &session, prefs, &uri, pref, seq, false, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> Month {
        Month::parse("2026-11").unwrap()
    }

    #[test]
    fn day_numbers_read_as_lists_and_ranges_in_either_width() {
        let m = month();
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        let all: Vec<NaiveDate> = items("3，４ 21〜23")
            .iter()
            .flat_map(|i| read_days(i, m).unwrap())
            .collect();
        assert_eq!(all, vec![d(3), d(4), d(21), d(22), d(23)]);
        let (p, f) = read_days("31", m).unwrap_err();
        assert!(p.ja.contains("31 はこの月の日ではありません"), "{p:?}");
        assert!(f.ja.contains("1〜30"), "{f:?}");
        assert!(read_days("x", m).is_err());
        assert!(read_days("9-3", m).unwrap_err().0.en.contains("backwards"));
        assert_eq!(items("10 : 当, 24:日"), vec!["10:当", "24:日"]);
        assert_eq!(days_text(vec![17, 3, 4, 21, 22, 23, 24]), "3, 4, 17, 21-24");
    }

    #[test]
    fn every_column_has_a_heading_in_both_languages() {
        for col in [
            "code",
            "name",
            "kind",
            "start",
            "end",
            "weekday",
            "saturday",
            "holiday",
            "max",
            "overtime",
            "facility",
            "id",
            "level",
            "shifts",
            "nights",
            "weekends",
            "consecutive",
            "leave",
            "off",
            "on",
            "other",
        ] {
            let k = column_key(col);
            assert_ne!(T(Lang::Ja).get(k), k, "{col}");
            assert_ne!(T(Lang::En).get(k), k, "{col}");
        }
        for k in [
            "duty.title_field",
            "duty.staff.name",
            "duty.staff",
            "duty.shifts",
            "duty.month",
            "duty.form",
            "duty.note.fixed",
            "duty.note.hours_month",
            "duty.note.hours_year",
        ] {
            assert_ne!(T(Lang::Ja).get(k), k);
        }
    }

    #[test]
    fn the_models_problems_are_said_where_they_are_in_the_form() {
        let built = Built {
            spec: Spec {
                title: String::new(),
                month: month().first(),
                holidays: None,
                facilities: vec![],
                shifts: vec![],
                staff: vec![],
                requests: vec![],
                weights: Default::default(),
            },
            shift_rows: vec![0, 2],
            staff_rows: vec![0, 1, 4],
            request_at: vec![(4, "off"), (4, "on")],
        };
        assert_eq!(
            locate(&built, "staff[2].days_off[0]"),
            At::Staff(4, "leave")
        );
        assert_eq!(
            locate(&built, "shifts[1].need.saturday"),
            At::Shift(2, "saturday")
        );
        assert_eq!(locate(&built, "requests[1].shift"), At::Staff(4, "on"));
        assert_eq!(locate(&built, "title"), At::Title);
        let said = At::Staff(4, "leave").said();
        assert_eq!(said.ja, "職員 5 行目 休暇（日）");
        assert_eq!(said.en, "staff row 5, Leave (days)");
    }
}
