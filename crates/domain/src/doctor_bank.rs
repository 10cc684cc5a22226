//! A prefecture's doctor bank (ドクターバンク): the centre introduces doctors — among them
//! doctors returning to work after a leave such as childbirth and childcare (女性医師等の
//! 復職支援) — to facilities that post vacancies (求人), and supports them until they take
//! up the post (就任).
//!
//! Facilities' posts ([`Post`]) and doctors' profiles ([`Profile`]) are matched by [`score`],
//! which explains every criterion in both languages; [`rank_posts`] and [`rank_profiles`]
//! order them. An [`Application`] follows one doctor and one post from the application (or
//! the centre's introduction) to the placement or its end, and [`yearly_figures`] counts the
//! year as prefectures publish it.
//!
//! Introductions are not documents of their own: the centre's introduction (紹介) is the
//! `introduced` state of the application of that doctor to that post, with its date in the
//! history and the coordinator in `introduced_by`. One document per doctor and post keeps
//! the introduction and its outcome together, so the figures count each introduction and
//! each placement once, and the one-active-application check ([`check_one_active`]) sees the
//! centre's introductions and the doctor's own applications alike. The centre can introduce
//! a doctor who did not apply: the application then starts at `introduced`
//! ([`Application::introduce`]).
//!
//! Every document here is scoped to its prefecture.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::account::Username;
use crate::alliance::{invalid, short_text};
use crate::codes::{AreaCode, DoctorId, FacilityId, PrefCode};
use crate::date::NaiveDate;
use crate::document::{DocScope, Document};
use crate::error::ValueError;
use crate::labels::Specialty;
use crate::name::{Email, Name, Phone};
use crate::text::{Lang, Msg};
use crate::time::FiscalYear;

/// The most characters of a post's title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The most hours a week a post can ask for or a doctor can offer.
pub const MAX_WEEK_HOURS: u16 = 80;
/// The largest annual salary a post can state, in yen.
pub const MAX_SALARY_YEN: i64 = 200_000_000;
/// The most years of experience a profile can state.
pub const MAX_YEARS: u8 = 70;
/// The longest leave a profile can state, in months (50 years).
pub const MAX_LEAVE_MONTHS: u16 = 600;
/// The most cover days of one spot placement.
pub const MAX_COVER_DAYS: u16 = 366;

crate::labels::labelled_enum!(
    /// How a post employs a doctor (雇用形態).
    Employment, "雇用形態", "employment" {
        FullTime = ("full_time", "常勤", "Full time", "常勤医"),
        PartTime = ("part_time", "非常勤", "Part time", "非常勤医", "パート"),
        Spot = ("spot", "スポット", "Spot", "スポット勤務", "単発"),
    }
);

crate::labels::labelled_enum!(
    /// Where a post stands (募集状況).
    PostState, "募集状況", "post state" {
        Open = ("open", "募集中", "Open"),
        Filled = ("filled", "充足", "Filled", "充足済"),
        Withdrawn = ("withdrawn", "取下げ", "Withdrawn", "取り下げ"),
    }
);

crate::labels::labelled_enum!(
    /// Why a returning doctor was away (休職・離職の理由).
    LeaveReason, "休職理由", "leave reason" {
        Childcare = ("childcare", "育児", "Childcare", "出産・育児", "育休", "産休"),
        Care = ("care", "介護", "Family care", "家族の介護"),
        Illness = ("illness", "療養", "Illness", "病気療養", "病休"),
        Study = ("study", "留学", "Study abroad", "研究"),
        Other = ("other", "その他", "Other"),
    }
);

crate::labels::labelled_enum!(
    /// The support a returning doctor needs to take up a post (復職支援).
    ReturnSupport, "復職支援", "return support" {
        RefresherTraining = ("refresher_training", "復職研修", "Refresher training", "再研修"),
        Supervision = ("supervision", "指導医の同伴", "Supervision by a senior doctor", "指導医"),
        ShortHours = ("short_hours", "短時間勤務", "Short working hours", "時短"),
        Childcare = ("childcare", "保育", "Childcare", "院内保育", "託児"),
    }
);

crate::labels::labelled_enum!(
    /// Where an application stands. The way forward is applied → introduced → interview →
    /// offered → placed, one step at a time (the centre introduces every doctor it places,
    /// so an application cannot skip to placed); declined (by the doctor), rejected (by the
    /// facility) and withdrawn (by the centre, e.g. when the post is withdrawn) end it from
    /// any active state. Placed, declined, rejected and withdrawn are final.
    ApplicationState, "応募状況", "application state" {
        Applied = ("applied", "応募", "Applied", "応募済"),
        Introduced = ("introduced", "紹介済", "Introduced", "紹介"),
        Interview = ("interview", "面談", "Interview", "面接"),
        Offered = ("offered", "内定", "Offered"),
        Placed = ("placed", "就任", "Placed", "就職", "採用"),
        Declined = ("declined", "辞退", "Declined"),
        Rejected = ("rejected", "不採用", "Rejected", "見送り"),
        Withdrawn = ("withdrawn", "取下げ", "Withdrawn", "取り下げ"),
    }
);

impl ApplicationState {
    /// Whether it is still under way (not placed, declined, rejected or withdrawn).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Applied | Self::Introduced | Self::Interview | Self::Offered
        )
    }
    /// Whether an application in this state can go to `to` (see the type's doc).
    pub fn can_go(self, to: ApplicationState) -> bool {
        use ApplicationState::*;
        match (self, to) {
            (Applied, Introduced)
            | (Introduced, Interview)
            | (Interview, Offered)
            | (Offered, Placed) => true,
            (from, Declined | Rejected | Withdrawn) => from.is_active(),
            _ => false,
        }
    }
    /// The states it can go to, in the order of [`ApplicationState::ALL`].
    pub fn next(self) -> Vec<ApplicationState> {
        Self::ALL
            .iter()
            .copied()
            .filter(|&to| self.can_go(to))
            .collect()
    }
}

fn out_of_range(field: &str, ja: &str, value: impl std::fmt::Display, range: Msg) -> ValueError {
    invalid(
        value.to_string(),
        format!("{ja}（{field}）の値 {value} が範囲外です"),
        format!("{field} {value} is out of range"),
        Msg::new(
            format!("{ja}（{field}）は{}にしてください", range.ja),
            format!("keep {field} within {}", range.en),
        ),
    )
}

fn area_in_pref(field: &str, area: AreaCode, pref: PrefCode) -> Result<(), ValueError> {
    if area.pref() != pref {
        return Err(invalid(
            area.to_string(),
            format!(
                "{field} の二次医療圏 {area} が都道府県 {pref}（{}）にありません",
                pref.name_ja()
            ),
            format!(
                "{field}: secondary medical area {area} is not in prefecture {pref} ({})",
                pref.name_en()
            ),
            Msg::new(
                format!("{}の二次医療圏コードを指定してください", pref.name_ja()),
                format!("give an area of {}", pref.name_en()),
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Posts
// ---------------------------------------------------------------------------------------

/// An annual salary range in whole yen (年収), `min` to `max` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalaryRange {
    /// 0 to `max`.
    pub min: i64,
    /// `min` to [`MAX_SALARY_YEN`].
    pub max: i64,
}

/// A facility's vacancy (求人) in the doctor bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PostFields", into = "PostFields")]
pub struct Post(PostFields);

/// The fields of a post, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub pref: PrefCode,
    /// The posting facility (its owner).
    pub facility: FacilityId,
    /// 1 to 200 characters.
    pub title: String,
    pub employment: Employment,
    pub specialty: Specialty,
    /// Where the work is; an area of `pref`.
    pub area: AreaCode,
    /// 1 to 7.
    pub days_per_week: u8,
    /// 1 to 80, at most 24 a day.
    pub hours_per_week: u16,
    /// The conditions in the facility's words (勤務条件); up to 1,000 characters.
    pub conditions: String,
    /// The annual salary range (年収), if stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salary: Option<SalaryRange>,
    /// Housing provided (住宅・宿舎あり).
    pub housing: bool,
    /// Childcare at the facility (院内保育あり).
    pub childcare: bool,
    /// Short-time or flexible hours possible (短時間勤務可).
    pub short_time: bool,
    /// On-call duty required (オンコールあり).
    pub on_call: bool,
    /// Support for returning doctors (復職研修あり): refresher training and supervision.
    pub returning_support: bool,
    /// The day it opened.
    pub opened: NaiveDate,
    /// The last day applications are taken, if any; on or after `opened`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<NaiveDate>,
    pub state: PostState,
}

checked_record!(Post, PostFields);

impl Post {
    /// Checks the fields: a title of 1 to 200 characters, an area of the prefecture, 1 to 7
    /// days and 1 to 80 hours a week (at most 24 a day), a salary range within 0 ≤ min ≤ max
    /// ≤ 200,000,000 yen, a close on or after the opening, and conditions of at most 1,000
    /// characters.
    pub fn new(mut f: PostFields) -> Result<Self, ValueError> {
        f.title = crate::normalize(&f.title);
        short_text("title", &f.title, MAX_TITLE_CHARS, true)?;
        area_in_pref("area", f.area, f.pref)?;
        if !(1..=7).contains(&f.days_per_week) {
            return Err(out_of_range(
                "days_per_week",
                "週の勤務日数",
                f.days_per_week,
                Msg::new("1〜7", "1 to 7"),
            ));
        }
        if !(1..=MAX_WEEK_HOURS).contains(&f.hours_per_week)
            || f.hours_per_week > u16::from(f.days_per_week) * 24
        {
            return Err(out_of_range(
                "hours_per_week",
                "週の勤務時間",
                f.hours_per_week,
                Msg::new("1〜80で、1日24時間以内", "1 to 80 and at most 24 a day"),
            ));
        }
        if let Some(s) = f.salary
            && !(0 <= s.min && s.min <= s.max && s.max <= MAX_SALARY_YEN)
        {
            return Err(invalid(
                format!("{}–{}", s.min, s.max),
                format!("年収（salary）の範囲 {}〜{} 円が不正です", s.min, s.max),
                format!("the salary range {}–{} yen is not valid", s.min, s.max),
                Msg::new(
                    "salary は 0 ≤ 下限（min）≤ 上限（max）≤ 2億円にしてください",
                    "make salary 0 ≤ min ≤ max ≤ 200,000,000 yen",
                ),
            ));
        }
        if let Some(c) = f.closes
            && c < f.opened
        {
            return Err(invalid(
                c.to_string(),
                format!("締切日（closes）{c} が募集開始日 {} より前です", f.opened),
                format!(
                    "closes {c} is before the day the post opened ({})",
                    f.opened
                ),
                Msg::new(
                    "締切日を募集開始日以降にするか、空にしてください",
                    "make closes on or after opened, or leave it empty",
                ),
            ));
        }
        crate::dispatch::note(&f.conditions)?;
        Ok(Self(f))
    }
    /// Its fields, to edit and check again through `new`.
    pub fn into_fields(self) -> PostFields {
        self.0
    }
    /// Whether it takes applications on the day: open, opened on or before it, not closed.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.0.state == PostState::Open
            && self.0.opened <= day
            && self.0.closes.is_none_or(|c| day <= c)
    }
    /// The same post in another state: an open post can be filled or withdrawn, and a filled
    /// or withdrawn post reopened.
    pub fn set_state(self, to: PostState) -> Result<Self, ValueError> {
        let from = self.0.state;
        let ok = matches!(
            (from, to),
            (PostState::Open, PostState::Filled | PostState::Withdrawn)
                | (PostState::Filled | PostState::Withdrawn, PostState::Open)
        );
        if !ok {
            return Err(invalid(
                to.code(),
                format!(
                    "求人の状況（state）を「{}」から「{}」にはできません",
                    from.label(Lang::Ja),
                    to.label(Lang::Ja)
                ),
                format!(
                    "the post's state cannot go from {} to {}",
                    from.label(Lang::En),
                    to.label(Lang::En)
                ),
                Msg::new(
                    "募集中の求人は充足か取下げに、充足・取下げの求人は募集中に戻せます",
                    "an open post can be filled or withdrawn; a filled or withdrawn one reopened",
                ),
            ));
        }
        Ok(Self(PostFields {
            state: to,
            ..self.0
        }))
    }
}

impl Document for Post {
    const KIND: &'static str = "bank_posts";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "pref",
        "facility",
        "title",
        "employment",
        "specialty",
        "area",
        "days_per_week",
        "hours_per_week",
        "salary",
        "housing",
        "childcare",
        "short_time",
        "on_call",
        "returning_support",
        "opened",
        "closes",
        "state",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(PostFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Pref(self.0.pref)
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.facility.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------

/// A returning doctor's leave (休職・離職) and the support they need to come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leave {
    /// How long they were away, 1 to 600 months.
    pub months: u16,
    pub reason: LeaveReason,
    /// The support they need (復職支援の希望).
    #[serde(default)]
    pub support_needed: BTreeSet<ReturnSupport>,
}

/// A doctor's registration with the bank (求職登録). Personal data: its name, contacts and
/// note are never audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ProfileFields", into = "ProfileFields")]
pub struct Profile(ProfileFields);

/// The fields of a profile, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub pref: PrefCode,
    /// The doctor's account, when they keep the profile themselves (its owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Username>,
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// The doctor in the register, if there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor: Option<DoctorId>,
    /// At least one, each once; the first is the main one.
    pub specialties: Vec<Specialty>,
    /// Years of experience as a doctor, 0 to 70.
    pub years: u8,
    /// The employments wanted; at least one.
    pub employment: BTreeSet<Employment>,
    /// The areas wanted, each once, all of `pref`; empty for anywhere in the prefecture.
    pub areas: Vec<AreaCode>,
    /// The most days a week, 1 to 7.
    pub max_days_per_week: u8,
    /// The most hours a week, 1 to 80.
    pub max_hours_per_week: u16,
    /// Needs housing (住宅が必要).
    pub needs_housing: bool,
    /// Needs childcare (保育が必要).
    pub needs_childcare: bool,
    /// Needs short-time work (短時間勤務が必要).
    pub needs_short_time: bool,
    /// Cannot take on-call duty (オンコール不可).
    pub no_on_call: bool,
    /// The leave of a returning doctor (復職希望), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<Leave>,
    /// The doctor lets facilities see the profile (公開).
    pub visible: bool,
    pub updated: NaiveDate,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(Profile, ProfileFields);

impl Profile {
    /// Checks the fields: one or more distinct specialties, 0 to 70 years, one or more
    /// employments, distinct areas of the prefecture, 1 to 7 days and 1 to 80 hours a week,
    /// a leave of 1 to 600 months, and a note of at most 1,000 characters.
    pub fn new(f: ProfileFields) -> Result<Self, ValueError> {
        if f.specialties.is_empty() {
            return Err(invalid(
                "",
                "専門（specialties）が空です".into(),
                "specialties is empty".into(),
                Msg::new(
                    "専門（基本領域）を1つ以上指定してください",
                    "give at least one specialty",
                ),
            ));
        }
        for (i, s) in f.specialties.iter().enumerate() {
            if f.specialties[..i].contains(s) {
                return Err(invalid(
                    s.code(),
                    format!(
                        "専門（specialties）の「{}」が重複しています",
                        s.label(Lang::Ja)
                    ),
                    format!("specialties lists {} twice", s.label(Lang::En)),
                    Msg::new("1回だけ指定してください", "list it once"),
                ));
            }
        }
        if f.years > MAX_YEARS {
            return Err(out_of_range(
                "years",
                "経験年数",
                f.years,
                Msg::new("0〜70", "0 to 70"),
            ));
        }
        if f.employment.is_empty() {
            return Err(invalid(
                "",
                "希望する雇用形態（employment）が空です".into(),
                "employment is empty".into(),
                Msg::new(
                    "常勤・非常勤・スポットから1つ以上指定してください",
                    "give at least one of full_time, part_time, spot",
                ),
            ));
        }
        for (i, a) in f.areas.iter().enumerate() {
            area_in_pref("areas", *a, f.pref)?;
            if f.areas[..i].contains(a) {
                return Err(invalid(
                    a.to_string(),
                    format!("希望地域（areas）の {a} が重複しています"),
                    format!("areas lists {a} twice"),
                    Msg::new("1回だけ指定してください", "list it once"),
                ));
            }
        }
        if !(1..=7).contains(&f.max_days_per_week) {
            return Err(out_of_range(
                "max_days_per_week",
                "希望する週の勤務日数の上限",
                f.max_days_per_week,
                Msg::new("1〜7", "1 to 7"),
            ));
        }
        if !(1..=MAX_WEEK_HOURS).contains(&f.max_hours_per_week) {
            return Err(out_of_range(
                "max_hours_per_week",
                "希望する週の勤務時間の上限",
                f.max_hours_per_week,
                Msg::new("1〜80", "1 to 80"),
            ));
        }
        if let Some(l) = &f.leave
            && !(1..=MAX_LEAVE_MONTHS).contains(&l.months)
        {
            return Err(out_of_range(
                "leave.months",
                "休職期間（月）",
                l.months,
                Msg::new("1〜600", "1 to 600"),
            ));
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    /// Its fields, to edit and check again through `new`.
    pub fn into_fields(self) -> ProfileFields {
        self.0
    }
    /// Whether the doctor is returning to work after a leave (復職希望).
    pub fn returning(&self) -> bool {
        self.0.leave.is_some()
    }
    fn support(&self, s: ReturnSupport) -> bool {
        self.0
            .leave
            .as_ref()
            .is_some_and(|l| l.support_needed.contains(&s))
    }
    /// Needs short-time work: asked directly or as return support.
    pub fn wants_short_time(&self) -> bool {
        self.0.needs_short_time || self.support(ReturnSupport::ShortHours)
    }
    /// Needs childcare: asked directly or as return support.
    pub fn wants_childcare(&self) -> bool {
        self.0.needs_childcare || self.support(ReturnSupport::Childcare)
    }
    /// Needs refresher training or supervision (a post's 復職研修).
    pub fn wants_return_training(&self) -> bool {
        self.support(ReturnSupport::RefresherTraining) || self.support(ReturnSupport::Supervision)
    }
}

impl Document for Profile {
    const KIND: &'static str = "bank_profiles";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "pref",
        "account",
        "doctor",
        "specialties",
        "years",
        "employment",
        "areas",
        "max_days_per_week",
        "max_hours_per_week",
        "needs_housing",
        "needs_childcare",
        "needs_short_time",
        "no_on_call",
        "leave",
        "visible",
        "updated",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(ProfileFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Pref(self.0.pref)
    }
    /// The doctor's account, when the profile is one's (the centre may keep a profile for a
    /// doctor without an account).
    fn owner(&self) -> Option<String> {
        self.0.account.as_ref().map(|a| a.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------

crate::labels::labelled_enum!(
    /// What a criterion of a match is about.
    Criterion, "条件", "criterion" {
        State = ("state", "募集状況", "Post state"),
        Pref = ("pref", "都道府県", "Prefecture"),
        Specialty = ("specialty", "専門", "Specialty"),
        Employment = ("employment", "雇用形態", "Employment"),
        Area = ("area", "地域", "Area"),
        Days = ("days", "勤務日数", "Days a week"),
        Hours = ("hours", "勤務時間", "Hours a week"),
        ShortTime = ("short_time", "短時間勤務", "Short-time work"),
        Childcare = ("childcare", "保育", "Childcare"),
        Housing = ("housing", "住宅", "Housing"),
        OnCall = ("on_call", "オンコール", "On call"),
        ReturnSupport = ("returning_support", "復職支援", "Return support"),
    }
);

/// One criterion of a match: its points (0 for a hard failure) and why, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub criterion: Criterion,
    pub points: i64,
    pub msg: Msg,
}

/// How a post and a profile fit: the total of the points of `reasons`, and the hard failures
/// that rule the match out whatever the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fit {
    /// The sum of the points of `reasons`.
    pub score: i64,
    /// What rules the match out (each with 0 points); empty when it fits.
    pub failures: Vec<Reason>,
    /// The criteria that count, met (positive points) or soft-missed (negative points).
    pub reasons: Vec<Reason>,
}

impl Fit {
    /// Whether nothing rules the match out.
    pub fn fits(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Points of a post's specialty when it is the doctor's main one.
pub const POINTS_MAIN_SPECIALTY: i64 = 40;
/// Points of a post's specialty when it is one of the doctor's other ones.
pub const POINTS_OTHER_SPECIALTY: i64 = 30;
/// Points of a wanted employment.
pub const POINTS_EMPLOYMENT: i64 = 20;
/// Points of an area the doctor named.
pub const POINTS_AREA_NAMED: i64 = 20;
/// Points of an area when the doctor takes any in the prefecture.
pub const POINTS_AREA_ANY: i64 = 10;
/// Points of a need the post meets (short-time work, childcare, return training).
pub const POINTS_NEED_MET: i64 = 30;
/// Points of housing when needed and provided.
pub const POINTS_HOUSING: i64 = 20;
/// Points of no on-call when the doctor cannot take it.
pub const POINTS_NO_ON_CALL: i64 = 10;
/// Points of return support offered to a returning doctor who did not ask for it.
pub const POINTS_RETURN_WELCOME: i64 = 10;
/// Points of childcare needed but not available (soft: a nursery outside may do).
pub const PENALTY_CHILDCARE: i64 = -30;
/// Points of housing needed but not provided (soft: the doctor may rent).
pub const PENALTY_HOUSING: i64 = -20;
/// Points of return training needed but not offered (soft: the centre can arrange it).
pub const PENALTY_RETURN_TRAINING: i64 = -25;

/// How well `post` fits `profile`, every criterion explained. (The post's state counts, its
/// closing day does not: [`Post::open_on`] tells whether it takes applications on a day.)
///
/// Hard failures (the match is ruled out): the post is not open; another prefecture; the
/// post's specialty is not one of the doctor's; an employment not wanted; an area not
/// wanted (when the doctor named areas); more days or hours a week than the doctor's
/// maximum; short-time work needed but not possible; on-call required but the doctor cannot
/// take it. Short-time work is hard because a doctor who needs it (to collect a child, to
/// care for a parent) cannot take a post whose daily hours are fixed even when the weekly
/// total is within their maximum.
///
/// Soft penalties (the match stays, lower): childcare needed but not available
/// ([`PENALTY_CHILDCARE`]: a nursery outside may do), housing needed but not provided
/// ([`PENALTY_HOUSING`]), refresher training or supervision needed but not offered
/// ([`PENALTY_RETURN_TRAINING`]: the centre can arrange it elsewhere).
///
/// Points: the specialty (main 40, other 30), the employment (20), the area (named 20,
/// anywhere 10), each need met (short-time, childcare, return training 30 each; housing 20;
/// no on-call 10), and return support offered to a returning doctor who did not ask for it
/// (10). Needs come from the profile's flags and from a returning doctor's support needed
/// (short hours, childcare, refresher training, supervision). The score is an integer and
/// depends on nothing but the two records.
pub fn score(post: &Post, profile: &Profile) -> Fit {
    let mut failures = Vec::new();
    let mut reasons = Vec::new();
    let mut fail = |c: Criterion, ja: String, en: String| {
        failures.push(Reason {
            criterion: c,
            points: 0,
            msg: Msg::new(ja, en),
        })
    };
    if post.state != PostState::Open {
        fail(
            Criterion::State,
            format!("求人は{}です", post.state.label(Lang::Ja)),
            format!("the post is {}", post.state.label(Lang::En).to_lowercase()),
        );
    }
    if post.pref != profile.pref {
        fail(
            Criterion::Pref,
            format!(
                "求人は{}、登録は{}です",
                post.pref.name_ja(),
                profile.pref.name_ja()
            ),
            format!(
                "the post is in {}, the profile in {}",
                post.pref.name_en(),
                profile.pref.name_en()
            ),
        );
    }
    let sp = post.specialty;
    match profile.specialties.iter().position(|s| *s == sp) {
        Some(i) => reasons.push(Reason {
            criterion: Criterion::Specialty,
            points: if i == 0 {
                POINTS_MAIN_SPECIALTY
            } else {
                POINTS_OTHER_SPECIALTY
            },
            msg: Msg::new(
                format!(
                    "{}が{}",
                    sp.label(Lang::Ja),
                    if i == 0 {
                        "主な専門"
                    } else {
                        "専門の一つ"
                    }
                ),
                format!(
                    "{} is {} specialty",
                    sp.label(Lang::En),
                    if i == 0 { "the main" } else { "a" }
                ),
            ),
        }),
        None => fail(
            Criterion::Specialty,
            format!("{}は専門外", sp.label(Lang::Ja)),
            format!("{} is not a specialty of the doctor", sp.label(Lang::En)),
        ),
    }
    let emp = post.employment;
    if profile.employment.contains(&emp) {
        reasons.push(Reason {
            criterion: Criterion::Employment,
            points: POINTS_EMPLOYMENT,
            msg: Msg::new(
                format!("{}を希望", emp.label(Lang::Ja)),
                format!("wants {}", emp.label(Lang::En).to_lowercase()),
            ),
        });
    } else {
        fail(
            Criterion::Employment,
            format!("{}は希望外", emp.label(Lang::Ja)),
            format!("does not want {}", emp.label(Lang::En).to_lowercase()),
        );
    }
    if profile.areas.is_empty() {
        reasons.push(Reason {
            criterion: Criterion::Area,
            points: POINTS_AREA_ANY,
            msg: Msg::new("県内どこでも可", "any area of the prefecture"),
        });
    } else if profile.areas.contains(&post.area) {
        reasons.push(Reason {
            criterion: Criterion::Area,
            points: POINTS_AREA_NAMED,
            msg: Msg::new(
                format!("希望地域 {}", post.area),
                format!("wants area {}", post.area),
            ),
        });
    } else {
        fail(
            Criterion::Area,
            format!("地域 {} は希望外", post.area),
            format!("area {} is not wanted", post.area),
        );
    }
    if post.days_per_week > profile.max_days_per_week {
        fail(
            Criterion::Days,
            format!(
                "週{}日の勤務が上限の週{}日を超える",
                post.days_per_week, profile.max_days_per_week
            ),
            format!(
                "{} days a week exceed the most wanted ({})",
                post.days_per_week, profile.max_days_per_week
            ),
        );
    }
    if post.hours_per_week > profile.max_hours_per_week {
        fail(
            Criterion::Hours,
            format!(
                "週{}時間の勤務が上限の週{}時間を超える",
                post.hours_per_week, profile.max_hours_per_week
            ),
            format!(
                "{} hours a week exceed the most wanted ({})",
                post.hours_per_week, profile.max_hours_per_week
            ),
        );
    }
    if profile.wants_short_time() {
        if post.short_time {
            reasons.push(Reason {
                criterion: Criterion::ShortTime,
                points: POINTS_NEED_MET,
                msg: Msg::new("短時間勤務が可能", "short-time work possible"),
            });
        } else {
            fail(
                Criterion::ShortTime,
                "短時間勤務が必要だが不可".into(),
                "needs short-time work, which the post does not allow".into(),
            );
        }
    }
    if profile.no_on_call {
        if post.on_call {
            fail(
                Criterion::OnCall,
                "オンコール不可だが必要な求人".into(),
                "cannot take on-call duty, which the post requires".into(),
            );
        } else {
            reasons.push(Reason {
                criterion: Criterion::OnCall,
                points: POINTS_NO_ON_CALL,
                msg: Msg::new("オンコールなし", "no on-call duty"),
            });
        }
    }
    if profile.wants_childcare() {
        reasons.push(if post.childcare {
            Reason {
                criterion: Criterion::Childcare,
                points: POINTS_NEED_MET,
                msg: Msg::new("院内保育あり", "childcare at the facility"),
            }
        } else {
            Reason {
                criterion: Criterion::Childcare,
                points: PENALTY_CHILDCARE,
                msg: Msg::new(
                    "保育が必要だが院内保育なし",
                    "needs childcare, which the facility does not have",
                ),
            }
        });
    }
    if profile.needs_housing {
        reasons.push(if post.housing {
            Reason {
                criterion: Criterion::Housing,
                points: POINTS_HOUSING,
                msg: Msg::new("住宅あり", "housing provided"),
            }
        } else {
            Reason {
                criterion: Criterion::Housing,
                points: PENALTY_HOUSING,
                msg: Msg::new(
                    "住宅が必要だが提供なし",
                    "needs housing, which the post does not provide",
                ),
            }
        });
    }
    if profile.wants_return_training() {
        reasons.push(if post.returning_support {
            Reason {
                criterion: Criterion::ReturnSupport,
                points: POINTS_NEED_MET,
                msg: Msg::new("復職研修あり", "return training offered"),
            }
        } else {
            Reason {
                criterion: Criterion::ReturnSupport,
                points: PENALTY_RETURN_TRAINING,
                msg: Msg::new(
                    "復職研修が必要だが実施なし",
                    "needs return training, which the post does not offer",
                ),
            }
        });
    } else if profile.returning() && post.returning_support {
        reasons.push(Reason {
            criterion: Criterion::ReturnSupport,
            points: POINTS_RETURN_WELCOME,
            msg: Msg::new("復職支援あり", "return support offered"),
        });
    }
    let score = reasons.iter().map(|r| r.points).sum();
    Fit {
        score,
        failures,
        reasons,
    }
}

/// Orders (id, fit) pairs: fitting ones first, then the higher score, then the lower id.
fn rank(mut v: Vec<(u64, Fit)>, include_unfit: bool) -> Vec<(u64, Fit)> {
    if !include_unfit {
        v.retain(|(_, f)| f.fits());
    }
    v.sort_by(|(a, fa), (b, fb)| {
        fb.fits()
            .cmp(&fa.fits())
            .then(fb.score.cmp(&fa.score))
            .then(a.cmp(b))
    });
    v
}

/// The posts for a profile, best first: fitting posts by score (ties by post id), then —
/// only with `include_unfit` — the posts ruled out, in the same order.
pub fn rank_posts(profile: &Profile, posts: &[Post], include_unfit: bool) -> Vec<(u64, Fit)> {
    let v = posts.iter().map(|p| (p.id, score(p, profile))).collect();
    rank(v, include_unfit)
}

/// The visible profiles for a post, best first: fitting profiles by score (ties by profile
/// id), then — only with `include_unfit` — the profiles ruled out. Profiles the doctor has
/// not made visible are never listed.
pub fn rank_profiles(post: &Post, profiles: &[Profile], include_unfit: bool) -> Vec<(u64, Fit)> {
    let v = profiles
        .iter()
        .filter(|p| p.visible)
        .map(|p| (p.id, score(post, p)))
        .collect();
    rank(v, include_unfit)
}

// ---------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------

/// A search of posts. Empty fields (None, false, blank text) do not filter; each `true`
/// requires the post to offer that.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostQuery {
    pub specialty: Option<Specialty>,
    pub area: Option<AreaCode>,
    pub employment: Option<Employment>,
    pub housing: bool,
    pub childcare: bool,
    pub short_time: bool,
    pub returning_support: bool,
    /// Words that must all occur in the title or the conditions (after NFKC, ignoring case).
    pub text: String,
    /// Only posts in the open state.
    pub open_only: bool,
}

fn fold(s: &str) -> String {
    crate::normalize(s).to_lowercase()
}

impl PostQuery {
    /// Whether the post meets every filter of the query.
    pub fn matches(&self, p: &Post) -> bool {
        let hay = format!("{}\n{}", fold(&p.title), fold(&p.conditions));
        self.specialty.is_none_or(|s| s == p.specialty)
            && self.area.is_none_or(|a| a == p.area)
            && self.employment.is_none_or(|e| e == p.employment)
            && (!self.housing || p.housing)
            && (!self.childcare || p.childcare)
            && (!self.short_time || p.short_time)
            && (!self.returning_support || p.returning_support)
            && (!self.open_only || p.state == PostState::Open)
            && fold(&self.text).split_whitespace().all(|w| hay.contains(w))
    }
}

/// The posts that meet the query, in the order given.
pub fn search<'a>(posts: &'a [Post], query: &PostQuery) -> Vec<&'a Post> {
    posts.iter().filter(|p| query.matches(p)).collect()
}

// ---------------------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------------------

/// One doctor's way to one post (応募・紹介), from the application or the centre's
/// introduction to the placement (就任) or its end, with every state it passed and the day.
/// The post's employment and specialty and whether the doctor was returning are kept as
/// they were when it started, so that the year's figures do not move when a post or a
/// profile is later edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ApplicationFields", into = "ApplicationFields")]
pub struct Application(ApplicationFields);

/// The fields of an application, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub pref: PrefCode,
    /// The post's id (its parent).
    pub post: u64,
    /// The profile's id (its owner).
    pub profile: u64,
    /// The post's employment when it started.
    pub employment: Employment,
    /// The post's specialty when it started.
    pub specialty: Specialty,
    /// Whether the doctor was returning after a leave when it started.
    pub returning: bool,
    /// The last state of `history`.
    pub state: ApplicationState,
    /// Every state with its day, in order: it starts at applied or introduced, each step
    /// allowed by [`ApplicationState::can_go`], the days never going back.
    pub history: Vec<(ApplicationState, NaiveDate)>,
    /// The coordinator who introduced the doctor, once introduced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced_by: Option<Username>,
    /// The first day at the post; exactly when placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts: Option<NaiveDate>,
    /// The days covered by a spot placement, 1 to 366; only when placed at a spot post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_days: Option<u16>,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(Application, ApplicationFields);

fn step_error(from: ApplicationState, to: ApplicationState) -> ValueError {
    let next_ja: Vec<&str> = from.next().iter().map(|s| s.label(Lang::Ja)).collect();
    let next_en: Vec<&str> = from.next().iter().map(|s| s.code()).collect();
    invalid(
        to.code(),
        format!(
            "応募状況（state）を「{}」から「{}」にはできません",
            from.label(Lang::Ja),
            to.label(Lang::Ja)
        ),
        format!(
            "the application's state cannot go from {} to {}",
            from.code(),
            to.code()
        ),
        if next_ja.is_empty() {
            Msg::new(
                "この応募は終了しています。新しい応募を作成してください",
                "the application has ended; start a new one",
            )
        } else {
            Msg::new(
                format!("次のいずれかにしてください: {}", next_ja.join("、")),
                format!("go to one of: {}", next_en.join(", ")),
            )
        },
    )
}

impl Application {
    /// Checks the fields: a history that starts at applied or introduced, takes allowed
    /// steps on days that never go back and ends at `state`; the introducer only once
    /// introduced; a start day exactly when placed; cover days (1 to 366) only for a spot
    /// placement; and a note of at most 1,000 characters.
    pub fn new(f: ApplicationFields) -> Result<Self, ValueError> {
        let Some(&(first, _)) = f.history.first() else {
            return Err(invalid(
                "",
                "応募の履歴（history）が空です".into(),
                "the application's history is empty".into(),
                Msg::new(
                    "応募（applied）か紹介（introduced）の日から始めてください",
                    "start it with the day it was applied or introduced",
                ),
            ));
        };
        if !matches!(
            first,
            ApplicationState::Applied | ApplicationState::Introduced
        ) {
            return Err(invalid(
                first.code(),
                format!(
                    "履歴（history）が「{}」から始まっています",
                    first.label(Lang::Ja)
                ),
                format!("history starts at {}", first.code()),
                Msg::new(
                    "応募（applied）か紹介（introduced）から始めてください",
                    "start it at applied or introduced",
                ),
            ));
        }
        for w in f.history.windows(2) {
            let ((a, da), (b, db)) = (w[0], w[1]);
            if !a.can_go(b) {
                return Err(step_error(a, b));
            }
            if db < da {
                return Err(invalid(
                    db.to_string(),
                    format!(
                        "履歴（history）の「{}」の日 {db} が前の日 {da} より前です",
                        b.label(Lang::Ja)
                    ),
                    format!(
                        "history: {} on {db} is before the step before ({da})",
                        b.code()
                    ),
                    Msg::new("日付を順に並べてください", "keep the days in order"),
                ));
            }
        }
        let last = f.history.last().map(|(s, _)| *s).unwrap_or(first);
        if last != f.state {
            return Err(invalid(
                f.state.code(),
                format!(
                    "応募状況（state）「{}」が履歴の最後「{}」と違います",
                    f.state.label(Lang::Ja),
                    last.label(Lang::Ja)
                ),
                format!("state {} is not the last of history ({})", f.state, last),
                Msg::new(
                    "状況は履歴の最後の状況にしてください",
                    "make state the last state of history",
                ),
            ));
        }
        let introduced = f
            .history
            .iter()
            .any(|(s, _)| *s == ApplicationState::Introduced);
        if f.introduced_by.is_some() && !introduced {
            return Err(invalid(
                "introduced_by",
                "紹介していない応募に紹介者（introduced_by）があります".into(),
                "introduced_by is given but the doctor was never introduced".into(),
                Msg::new(
                    "紹介者を外すか、紹介済にしてください",
                    "leave introduced_by out, or introduce the doctor",
                ),
            ));
        }
        let placed = f.state == ApplicationState::Placed;
        if placed != f.starts.is_some() {
            return Err(invalid(
                "starts",
                "就任開始日（starts）は就任した応募にだけ、必ず付けます".into(),
                "starts is given exactly when the application is placed".into(),
                Msg::new(
                    "就任したら開始日を入れ、それ以外は空にしてください",
                    "give the first day at the post when placed, and only then",
                ),
            ));
        }
        if let Some(d) = f.cover_days {
            if !placed || f.employment != Employment::Spot {
                return Err(invalid(
                    d.to_string(),
                    "対応日数（cover_days）はスポットの就任にだけ付けます".into(),
                    "cover_days is only for a placement at a spot post".into(),
                    Msg::new("対応日数を空にしてください", "leave cover_days out"),
                ));
            }
            if !(1..=MAX_COVER_DAYS).contains(&d) {
                return Err(out_of_range(
                    "cover_days",
                    "対応日数",
                    d,
                    Msg::new("1〜366", "1 to 366"),
                ));
            }
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    /// Its fields, to edit and check again through `new`.
    pub fn into_fields(self) -> ApplicationFields {
        self.0
    }

    fn start(
        post: &Post,
        profile: &Profile,
        state: ApplicationState,
        on: NaiveDate,
        by: Option<Username>,
    ) -> Result<Self, ValueError> {
        if post.pref != profile.pref {
            return Err(invalid(
                profile.pref.to_string(),
                format!(
                    "求人（{}）と登録（{}）の都道府県が違います",
                    post.pref.name_ja(),
                    profile.pref.name_ja()
                ),
                format!(
                    "the post ({}) and the profile ({}) are of different prefectures",
                    post.pref.name_en(),
                    profile.pref.name_en()
                ),
                Msg::new(
                    "同じ都道府県の求人に応募してください",
                    "apply to a post of the profile's prefecture",
                ),
            ));
        }
        if !post.open_on(on) {
            return Err(invalid(
                on.to_string(),
                format!("求人「{}」は {on} に募集していません", post.title),
                format!(
                    "the post '{}' does not take applications on {on}",
                    post.title
                ),
                Msg::new(
                    "募集中で締切前の求人を選んでください",
                    "choose a post that is open and not closed",
                ),
            ));
        }
        Self::new(ApplicationFields {
            id: 0,
            pref: post.pref,
            post: post.id,
            profile: profile.id,
            employment: post.employment,
            specialty: post.specialty,
            returning: profile.returning(),
            state,
            history: vec![(state, on)],
            introduced_by: by,
            starts: None,
            cover_days: None,
            note: String::new(),
        })
    }

    /// The doctor's application to a post on the day: the post must be of the profile's
    /// prefecture and open on the day.
    pub fn apply(post: &Post, profile: &Profile, on: NaiveDate) -> Result<Self, ValueError> {
        Self::start(post, profile, ApplicationState::Applied, on, None)
    }

    /// The centre's introduction (紹介) of a doctor who did not apply, by a coordinator.
    pub fn introduce(
        post: &Post,
        profile: &Profile,
        on: NaiveDate,
        by: Username,
    ) -> Result<Self, ValueError> {
        Self::start(post, profile, ApplicationState::Introduced, on, Some(by))
    }

    fn push(self, to: ApplicationState, on: NaiveDate) -> Result<ApplicationFields, ValueError> {
        let from = self.0.state;
        if !from.can_go(to) {
            return Err(step_error(from, to));
        }
        if let Some(&(_, last)) = self.0.history.last()
            && on < last
        {
            return Err(invalid(
                on.to_string(),
                format!("{on} は前の段階の日 {last} より前です"),
                format!("{on} is before the day of the step before ({last})"),
                Msg::new(
                    format!("{last} 以降の日にしてください"),
                    format!("give a day on or after {last}"),
                ),
            ));
        }
        let mut f = self.0;
        f.state = to;
        f.history.push((to, on));
        Ok(f)
    }

    /// The same application moved to `to` on the day. Refused when the step is not allowed
    /// ([`ApplicationState::can_go`]), when the day is before the last step's, and for
    /// placed, which needs the start day ([`Application::place`]).
    pub fn advance(self, to: ApplicationState, on: NaiveDate) -> Result<Self, ValueError> {
        if to == ApplicationState::Placed {
            return Err(invalid(
                to.code(),
                "就任（placed）には就任開始日が必要です".into(),
                "placed needs the first day at the post".into(),
                Msg::new(
                    "就任の操作で開始日（starts）を入力してください",
                    "record the placement with its start day (starts)",
                ),
            ));
        }
        Self::new(self.push(to, on)?)
    }

    /// The same application introduced (紹介) on the day by a coordinator.
    pub fn introduced(self, on: NaiveDate, by: Username) -> Result<Self, ValueError> {
        let mut f = self.push(ApplicationState::Introduced, on)?;
        f.introduced_by = Some(by);
        Self::new(f)
    }

    /// The same application placed (就任) on the day: the doctor starts on `starts`, and a
    /// spot placement may give the days it covers.
    pub fn place(
        self,
        on: NaiveDate,
        starts: NaiveDate,
        cover_days: Option<u16>,
    ) -> Result<Self, ValueError> {
        let mut f = self.push(ApplicationState::Placed, on)?;
        f.starts = Some(starts);
        f.cover_days = cover_days;
        Self::new(f)
    }

    /// The day it reached `state`, if it did.
    pub fn day_of(&self, state: ApplicationState) -> Option<NaiveDate> {
        self.0
            .history
            .iter()
            .find(|(s, _)| *s == state)
            .map(|(_, d)| *d)
    }

    /// The day it started (applied or introduced).
    pub fn started(&self) -> Option<NaiveDate> {
        self.0.history.first().map(|(_, d)| *d)
    }
}

impl Document for Application {
    const KIND: &'static str = "bank_applications";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "pref",
        "post",
        "profile",
        "employment",
        "specialty",
        "returning",
        "state",
        "history",
        "introduced_by",
        "starts",
        "cover_days",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(ApplicationFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Pref(self.0.pref)
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.post)
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.profile.to_string())
    }
}

/// Refuses `new` when it is active and another active application (another id) of the same
/// profile to the same post is among `existing`: a doctor has one application at a time per
/// post. An ended application does not block a new one.
pub fn check_one_active(existing: &[Application], new: &Application) -> Result<(), ValueError> {
    if !new.state.is_active() {
        return Ok(());
    }
    let clash = existing.iter().find(|e| {
        e.state.is_active()
            && e.post == new.post
            && e.profile == new.profile
            && (new.id == 0 || e.id != new.id)
    });
    match clash {
        Some(e) => Err(invalid(
            e.id.to_string(),
            format!(
                "この医師はこの求人に応募中です（応募 {}、{}）",
                e.id,
                e.state.label(Lang::Ja)
            ),
            format!(
                "the doctor already has an active application to this post ({}, {})",
                e.id, e.state
            ),
            Msg::new(
                "進行中の応募を進めるか、終了させてから応募してください",
                "carry on with the active application, or end it first",
            ),
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Yearly figures
// ---------------------------------------------------------------------------------------

/// Placements counted by the post's employment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placements {
    pub full_time: u64,
    pub part_time: u64,
    pub spot: u64,
}

impl Placements {
    /// All placements.
    pub fn total(&self) -> u64 {
        self.full_time + self.part_time + self.spot
    }
    fn add(&mut self, e: Employment) {
        match e {
            Employment::FullTime => self.full_time += 1,
            Employment::PartTime => self.part_time += 1,
            Employment::Spot => self.spot += 1,
        }
    }
}

/// The year's figures of one specialty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialtyFigures {
    pub specialty: Specialty,
    pub posts_opened: u64,
    pub applications: u64,
    pub introductions: u64,
    pub placements: u64,
}

/// A fiscal year of the doctor bank as prefectures publish it (年度実績).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankFigures {
    pub fiscal_year: FiscalYear,
    /// Posts opened within the year.
    pub posts_opened: u64,
    /// Posts still open on March 31st (see [`yearly_figures`]).
    pub posts_open_at_year_end: u64,
    /// Applications started (applied or introduced) within the year.
    pub applications: u64,
    /// Introductions (紹介) made within the year.
    pub introductions: u64,
    /// Placements (就任) within the year, by employment.
    pub placements: Placements,
    /// Of the placements, those of returning doctors (復職).
    pub returning_doctors_placed: u64,
    /// The days covered by the year's spot placements.
    pub cover_days: u64,
    /// By specialty, in the order of [`Specialty::ALL`], only specialties with a count.
    pub by_specialty: Vec<SpecialtyFigures>,
}

/// The figures of a fiscal year (April to March). An application counts in the year its
/// first day falls in, an introduction and a placement in the year of their day in the
/// history; each application is placed at most once, so each placement counts once.
///
/// A post is open at the year's end when it opened on or before March 31st, its close is
/// not before then, and it is open now, or filled now by a placement dated after the year's
/// end (a post withdrawn or filled some other way is not counted: the day is not known).
pub fn yearly_figures(
    fiscal_year: FiscalYear,
    posts: &[Post],
    applications: &[Application],
) -> BankFigures {
    let inside = |d: NaiveDate| FiscalYear::of(d) == fiscal_year;
    let end = fiscal_year.end();
    let mut by: Vec<SpecialtyFigures> = Specialty::ALL
        .iter()
        .map(|&specialty| SpecialtyFigures {
            specialty,
            posts_opened: 0,
            applications: 0,
            introductions: 0,
            placements: 0,
        })
        .collect();
    let slot = |s: Specialty| Specialty::ALL.iter().position(|x| *x == s).unwrap_or(0);
    let mut fig = BankFigures {
        fiscal_year,
        posts_opened: 0,
        posts_open_at_year_end: 0,
        applications: 0,
        introductions: 0,
        placements: Placements::default(),
        returning_doctors_placed: 0,
        cover_days: 0,
        by_specialty: Vec::new(),
    };
    // The first placement of each post.
    let mut first_placed: BTreeMap<u64, NaiveDate> = BTreeMap::new();
    for a in applications {
        if let Some(d) = a.day_of(ApplicationState::Placed) {
            first_placed
                .entry(a.post)
                .and_modify(|x| *x = (*x).min(d))
                .or_insert(d);
        }
    }
    for p in posts {
        if inside(p.opened) {
            fig.posts_opened += 1;
            by[slot(p.specialty)].posts_opened += 1;
        }
        let listed = p.opened <= end && p.closes.is_none_or(|c| c > end);
        let open_then = match p.state {
            PostState::Open => true,
            PostState::Filled => first_placed.get(&p.id).is_some_and(|d| *d > end),
            PostState::Withdrawn => false,
        };
        if listed && open_then {
            fig.posts_open_at_year_end += 1;
        }
    }
    for a in applications {
        let s = slot(a.specialty);
        if a.started().is_some_and(inside) {
            fig.applications += 1;
            by[s].applications += 1;
        }
        if a.day_of(ApplicationState::Introduced).is_some_and(inside) {
            fig.introductions += 1;
            by[s].introductions += 1;
        }
        if a.day_of(ApplicationState::Placed).is_some_and(inside) {
            fig.placements.add(a.employment);
            by[s].placements += 1;
            if a.returning {
                fig.returning_doctors_placed += 1;
            }
            if a.employment == Employment::Spot {
                fig.cover_days += u64::from(a.cover_days.unwrap_or(0));
            }
        }
    }
    fig.by_specialty = by
        .into_iter()
        .filter(|x| x.posts_opened + x.applications + x.introductions + x.placements > 0)
        .collect();
    fig
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn pref() -> PrefCode {
        PrefCode::new(3).unwrap()
    }
    fn area(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    fn post_fields(id: u64) -> PostFields {
        PostFields {
            id,
            pref: pref(),
            facility: FacilityId::parse("F-0301-001").unwrap(),
            title: "内科医（外来中心）".into(),
            employment: Employment::FullTime,
            specialty: Specialty::InternalMedicine,
            area: area("0301"),
            days_per_week: 4,
            hours_per_week: 32,
            conditions: "外来・病棟。Ｗｅｂ面談可".into(),
            salary: Some(SalaryRange {
                min: 12_000_000,
                max: 15_000_000,
            }),
            housing: false,
            childcare: false,
            short_time: false,
            on_call: false,
            returning_support: false,
            opened: day("2025-04-01"),
            closes: None,
            state: PostState::Open,
        }
    }
    fn post(id: u64) -> Post {
        Post::new(post_fields(id)).unwrap()
    }

    fn profile_fields(id: u64) -> ProfileFields {
        ProfileFields {
            id,
            pref: pref(),
            account: None,
            name: Name::parse("岩手花子（架空）").unwrap(),
            email: None,
            phone: None,
            doctor: None,
            specialties: vec![Specialty::InternalMedicine, Specialty::GeneralPractice],
            years: 12,
            employment: [Employment::FullTime, Employment::PartTime].into(),
            areas: vec![],
            max_days_per_week: 5,
            max_hours_per_week: 40,
            needs_housing: false,
            needs_childcare: false,
            needs_short_time: false,
            no_on_call: false,
            leave: None,
            visible: true,
            updated: day("2025-05-01"),
            note: String::new(),
        }
    }
    fn profile(id: u64) -> Profile {
        Profile::new(profile_fields(id)).unwrap()
    }

    fn returning(id: u64) -> Profile {
        let mut f = profile_fields(id);
        f.name = Name::parse("盛岡陽子（架空）").unwrap();
        f.leave = Some(Leave {
            months: 18,
            reason: LeaveReason::Childcare,
            support_needed: [ReturnSupport::ShortHours, ReturnSupport::Childcare].into(),
        });
        Profile::new(f).unwrap()
    }

    #[test]
    fn post_validation_errors_name_the_field_in_both_languages() {
        assert!(Post::new(post_fields(1)).is_ok());
        let cases: Vec<(&str, PostFields)> = vec![
            (
                "title",
                PostFields {
                    title: " ".into(),
                    ..post_fields(1)
                },
            ),
            (
                "days_per_week",
                PostFields {
                    days_per_week: 0,
                    ..post_fields(1)
                },
            ),
            (
                "days_per_week",
                PostFields {
                    days_per_week: 8,
                    ..post_fields(1)
                },
            ),
            (
                "hours_per_week",
                PostFields {
                    hours_per_week: 81,
                    ..post_fields(1)
                },
            ),
            (
                "hours_per_week",
                PostFields {
                    days_per_week: 1,
                    hours_per_week: 25,
                    ..post_fields(1)
                },
            ),
            (
                "salary",
                PostFields {
                    salary: Some(SalaryRange { min: 2, max: 1 }),
                    ..post_fields(1)
                },
            ),
            (
                "salary",
                PostFields {
                    salary: Some(SalaryRange { min: -1, max: 1 }),
                    ..post_fields(1)
                },
            ),
            (
                "closes",
                PostFields {
                    closes: Some(day("2025-03-31")),
                    ..post_fields(1)
                },
            ),
            (
                "area",
                PostFields {
                    area: area("1201"),
                    ..post_fields(1)
                },
            ),
        ];
        for (field, f) in cases {
            let e = Post::new(f).unwrap_err();
            assert!(
                e.problem.en.contains(field) || e.fix.en.contains(field),
                "{field}: {e:?}"
            );
            assert!(
                e.problem.ja.contains(field) || e.fix.ja.contains(field),
                "{field}: {e:?}"
            );
            assert!(!e.problem.ja.is_empty() && !e.fix.ja.is_empty());
        }
        let json = serde_json::to_value(post(7)).unwrap();
        assert_eq!(json["employment"], "full_time");
        assert_eq!(
            serde_json::from_value::<Post>(json.clone()).unwrap(),
            post(7)
        );
        let mut bad = json;
        bad["days_per_week"] = serde_json::json!(9);
        assert!(serde_json::from_value::<Post>(bad).is_err());
    }

    #[test]
    fn profile_validation_errors_name_the_field() {
        assert!(Profile::new(profile_fields(1)).is_ok());
        let cases: Vec<(&str, ProfileFields)> = vec![
            (
                "specialties",
                ProfileFields {
                    specialties: vec![],
                    ..profile_fields(1)
                },
            ),
            (
                "specialties",
                ProfileFields {
                    specialties: vec![Specialty::Surgery, Specialty::Surgery],
                    ..profile_fields(1)
                },
            ),
            (
                "years",
                ProfileFields {
                    years: 71,
                    ..profile_fields(1)
                },
            ),
            (
                "employment",
                ProfileFields {
                    employment: BTreeSet::new(),
                    ..profile_fields(1)
                },
            ),
            (
                "areas",
                ProfileFields {
                    areas: vec![area("1301")],
                    ..profile_fields(1)
                },
            ),
            (
                "areas",
                ProfileFields {
                    areas: vec![area("0301"), area("0301")],
                    ..profile_fields(1)
                },
            ),
            (
                "max_days_per_week",
                ProfileFields {
                    max_days_per_week: 0,
                    ..profile_fields(1)
                },
            ),
            (
                "max_hours_per_week",
                ProfileFields {
                    max_hours_per_week: 81,
                    ..profile_fields(1)
                },
            ),
            (
                "leave.months",
                ProfileFields {
                    leave: Some(Leave {
                        months: 0,
                        reason: LeaveReason::Care,
                        support_needed: BTreeSet::new(),
                    }),
                    ..profile_fields(1)
                },
            ),
        ];
        for (field, f) in cases {
            let e = Profile::new(f).unwrap_err();
            assert!(
                e.problem.en.contains(field) || e.fix.en.contains(field),
                "{field}: {e:?}"
            );
            assert!(
                e.problem.ja.contains(field)
                    || e.fix.ja.contains(field)
                    || field == "specialties"
                    || field == "employment"
                    || field == "areas",
                "{field}: {e:?}"
            );
        }
        let mut f = profile_fields(1);
        f.note = "あ".repeat(1001);
        assert!(Profile::new(f).is_err());
    }

    #[test]
    fn profiles_audit_no_personal_data_and_owners_are_keys() {
        for f in ["name", "email", "phone", "note"] {
            assert!(!Profile::AUDITED.contains(&f), "{f}");
        }
        assert!(!Post::AUDITED.contains(&"conditions"));
        assert!(!Application::AUDITED.contains(&"note"));
        let p = profile(5);
        assert_eq!(p.owner(), None, "a profile without an account has no owner");
        assert_eq!(p.scope(), DocScope::Pref(pref()));
        let mut f = profile_fields(5);
        f.account = Some(Username::parse("hanako.doc").unwrap());
        assert_eq!(
            Profile::new(f).unwrap().owner().as_deref(),
            Some("hanako.doc")
        );
        assert_eq!(post(3).owner().as_deref(), Some("F-0301-001"));
        assert_eq!(Post::KIND, "bank_posts");
        assert_eq!(Profile::KIND, "bank_profiles");
        assert_eq!(Application::KIND, "bank_applications");
    }

    #[test]
    fn score_explains_each_criterion_and_hard_failures() {
        let fit = score(&post(1), &profile(1));
        assert!(fit.fits());
        assert_eq!(
            fit.score,
            POINTS_MAIN_SPECIALTY + POINTS_EMPLOYMENT + POINTS_AREA_ANY
        );
        assert!(
            fit.reasons
                .iter()
                .any(|r| r.msg.ja == "常勤を希望" && r.msg.en == "wants full time")
        );
        let mut f = post_fields(2);
        f.specialty = Specialty::Surgery;
        f.employment = Employment::Spot;
        f.state = PostState::Filled;
        f.hours_per_week = 50;
        f.days_per_week = 6;
        f.on_call = true;
        let fit = score(
            &Post::new(f).unwrap(),
            &Profile::new(ProfileFields {
                no_on_call: true,
                ..profile_fields(1)
            })
            .unwrap(),
        );
        let hard: BTreeSet<Criterion> = fit.failures.iter().map(|r| r.criterion).collect();
        assert_eq!(
            hard,
            [
                Criterion::State,
                Criterion::Specialty,
                Criterion::Employment,
                Criterion::Days,
                Criterion::Hours,
                Criterion::OnCall
            ]
            .into()
        );
        assert!(!fit.fits());
        let fit = score(
            &post(1),
            &Profile::new(ProfileFields {
                areas: vec![area("0302")],
                ..profile_fields(1)
            })
            .unwrap(),
        );
        assert_eq!(fit.failures[0].criterion, Criterion::Area);
        assert!(fit.failures[0].msg.en.contains("0301"));
    }

    #[test]
    fn returning_needs_short_time_is_hard_childcare_is_soft() {
        let r = returning(9);
        assert!(r.wants_short_time() && r.wants_childcare() && !r.wants_return_training());
        // No short-time: ruled out.
        let fit = score(&post(1), &r);
        assert!(
            fit.failures
                .iter()
                .any(|x| x.criterion == Criterion::ShortTime)
        );
        // Short-time but no childcare: fits, with a penalty.
        let st = Post::new(PostFields {
            short_time: true,
            ..post_fields(2)
        })
        .unwrap();
        let fit = score(&st, &r);
        assert!(fit.fits());
        assert!(
            fit.reasons
                .iter()
                .any(|x| x.criterion == Criterion::Childcare && x.points == PENALTY_CHILDCARE)
        );
        // Both: more.
        let both = Post::new(PostFields {
            short_time: true,
            childcare: true,
            ..post_fields(3)
        })
        .unwrap();
        assert!(score(&both, &r).score > score(&st, &r).score);
        // Return training needed but missing is soft.
        let mut f = profile_fields(10);
        f.leave = Some(Leave {
            months: 24,
            reason: LeaveReason::Illness,
            support_needed: [ReturnSupport::RefresherTraining].into(),
        });
        let t = Profile::new(f).unwrap();
        let fit = score(&post(1), &t);
        assert!(fit.fits());
        assert!(
            fit.reasons
                .iter()
                .any(|x| x.points == PENALTY_RETURN_TRAINING)
        );
        let rs = Post::new(PostFields {
            returning_support: true,
            ..post_fields(4)
        })
        .unwrap();
        assert_eq!(
            score(&rs, &t).score - score(&post(1), &t).score,
            POINTS_NEED_MET - PENALTY_RETURN_TRAINING
        );
    }

    #[test]
    fn a_returning_doctor_finds_the_post_with_short_hours_and_childcare_first() {
        let r = returning(9);
        let posts = vec![
            post(1),
            Post::new(PostFields {
                short_time: true,
                ..post_fields(2)
            })
            .unwrap(),
            Post::new(PostFields {
                short_time: true,
                childcare: true,
                hours_per_week: 24,
                ..post_fields(7)
            })
            .unwrap(),
            Post::new(PostFields {
                childcare: true,
                ..post_fields(3)
            })
            .unwrap(),
            Post::new(PostFields {
                short_time: true,
                childcare: true,
                specialty: Specialty::Surgery,
                ..post_fields(4)
            })
            .unwrap(),
        ];
        let ranked = rank_posts(&r, &posts, false);
        let ids: Vec<u64> = ranked.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, vec![7, 2]);
        let all = rank_posts(&r, &posts, true);
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].0, 7);
        assert!(all[2..].iter().all(|(_, f)| !f.fits()));
    }

    #[test]
    fn rank_profiles_lists_only_visible_ones_ties_by_id() {
        let hidden = Profile::new(ProfileFields {
            visible: false,
            ..profile_fields(1)
        })
        .unwrap();
        let ranked = rank_profiles(
            &post(1),
            &[profile(4), hidden, profile(2), returning(3)],
            true,
        );
        let ids: Vec<u64> = ranked.iter().map(|(id, _)| *id).collect();
        // 2 and 4 tie and fit; 3 is ruled out (needs short time).
        assert_eq!(ids, vec![2, 4, 3]);
    }

    #[test]
    fn search_filters_and_folds_text() {
        let posts = vec![
            post(1),
            Post::new(PostFields {
                title: "小児科医 ＰＡＲＴ".into(),
                conditions: "週2日から".into(),
                specialty: Specialty::Pediatrics,
                employment: Employment::PartTime,
                childcare: true,
                area: area("0302"),
                ..post_fields(2)
            })
            .unwrap(),
        ];
        let ids = |q: &PostQuery| search(&posts, q).iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(ids(&PostQuery::default()), vec![1, 2]);
        assert_eq!(
            ids(&PostQuery {
                text: "web".into(),
                ..Default::default()
            }),
            vec![1]
        );
        assert_eq!(
            ids(&PostQuery {
                text: "ｐａｒｔ 小児".into(),
                ..Default::default()
            }),
            vec![2]
        );
        assert_eq!(
            ids(&PostQuery {
                childcare: true,
                ..Default::default()
            }),
            vec![2]
        );
        assert_eq!(
            ids(&PostQuery {
                area: Some(area("0301")),
                ..Default::default()
            }),
            vec![1]
        );
        assert_eq!(
            ids(&PostQuery {
                specialty: Some(Specialty::Pediatrics),
                employment: Some(Employment::FullTime),
                ..Default::default()
            }),
            Vec::<u64>::new()
        );
        assert!(
            ids(&PostQuery {
                short_time: true,
                ..Default::default()
            })
            .is_empty()
        );
    }

    fn coordinator() -> Username {
        Username::parse("coord01").unwrap()
    }

    #[test]
    fn applications_go_step_by_step_to_placement() {
        use ApplicationState::*;
        assert!(Applied.can_go(Introduced) && !Applied.can_go(Placed) && !Applied.can_go(Offered));
        assert!(
            Offered.can_go(Declined) && Interview.can_go(Rejected) && Applied.can_go(Withdrawn)
        );
        for s in [Placed, Declined, Rejected, Withdrawn] {
            assert!(s.next().is_empty());
        }
        let a = Application::apply(&post(1), &profile(2), day("2025-05-01")).unwrap();
        assert_eq!(a.parent(), Some(1));
        assert_eq!(a.owner().as_deref(), Some("2"));
        let e = a.clone().advance(Offered, day("2025-05-02")).unwrap_err();
        assert!(e.fix.en.contains("introduced"), "{e:?}");
        let e = a.clone().advance(Placed, day("2025-05-02")).unwrap_err();
        assert!(e.problem.en.contains("placed"));
        let a = a.introduced(day("2025-05-02"), coordinator()).unwrap();
        assert!(
            a.clone().advance(Interview, day("2025-05-01")).is_err(),
            "a day going back"
        );
        let a = a
            .advance(Interview, day("2025-05-10"))
            .unwrap()
            .advance(Offered, day("2025-05-20"))
            .unwrap();
        assert!(
            a.clone()
                .place(day("2025-06-01"), day("2025-07-01"), Some(3))
                .is_err(),
            "cover days at a full-time post"
        );
        let a = a.place(day("2025-06-01"), day("2025-07-01"), None).unwrap();
        assert_eq!(a.state, Placed);
        assert_eq!(a.history.len(), 5);
        assert!(a.clone().advance(Withdrawn, day("2025-07-01")).is_err());
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(
            serde_json::from_value::<Application>(json.clone()).unwrap(),
            a
        );
        let mut bad = json;
        bad["history"].as_array_mut().unwrap().remove(1);
        assert!(
            serde_json::from_value::<Application>(bad).is_err(),
            "a skipped step"
        );
        // A closed or withdrawn post takes no applications.
        let closed = Post::new(PostFields {
            closes: Some(day("2025-04-30")),
            ..post_fields(5)
        })
        .unwrap();
        assert!(Application::apply(&closed, &profile(2), day("2025-05-01")).is_err());
        let withdrawn = post(6).set_state(PostState::Withdrawn).unwrap();
        assert!(Application::apply(&withdrawn, &profile(2), day("2025-05-01")).is_err());
        assert!(withdrawn.set_state(PostState::Filled).is_err());
    }

    #[test]
    fn one_active_application_per_post_and_profile() {
        let a = Application::apply(&post(1), &profile(2), day("2025-05-01"))
            .unwrap()
            .with_id(10);
        let b = Application::introduce(&post(1), &profile(2), day("2025-05-03"), coordinator())
            .unwrap();
        assert!(check_one_active(std::slice::from_ref(&a), &b).is_err());
        assert!(
            check_one_active(
                std::slice::from_ref(&a),
                &a.clone()
                    .advance(ApplicationState::Introduced, day("2025-05-02"))
                    .unwrap()
            )
            .is_ok(),
            "updating itself"
        );
        let other = Application::apply(&post(3), &profile(2), day("2025-05-01")).unwrap();
        assert!(check_one_active(std::slice::from_ref(&a), &other).is_ok());
        let ended = a
            .advance(ApplicationState::Withdrawn, day("2025-05-02"))
            .unwrap();
        assert!(check_one_active(&[ended], &b).is_ok());
    }

    fn placed(
        id: u64,
        post: &Post,
        prof: &Profile,
        applied: &str,
        on: &str,
        cover: Option<u16>,
    ) -> Application {
        Application::apply(post, prof, day(applied))
            .unwrap()
            .with_id(id)
            .introduced(day(applied), coordinator())
            .unwrap()
            .advance(ApplicationState::Interview, day(applied))
            .unwrap()
            .advance(ApplicationState::Offered, day(applied))
            .unwrap()
            .place(day(on), day(on), cover)
            .unwrap()
    }

    #[test]
    fn figures_split_at_the_fiscal_year_boundary() {
        let fy = FiscalYear::new(2025).unwrap();
        let p1 = post(1);
        let spot = Post::new(PostFields {
            id: 2,
            employment: Employment::Spot,
            specialty: Specialty::Pediatrics,
            opened: day("2026-03-01"),
            ..post_fields(2)
        })
        .unwrap();
        let late = Post::new(PostFields {
            opened: day("2026-04-01"),
            ..post_fields(3)
        })
        .unwrap();
        let apps = vec![
            placed(10, &p1, &returning_ok(4), "2026-03-20", "2026-03-31", None),
            placed(
                11,
                &spot,
                &profile_spot(5),
                "2026-03-30",
                "2026-04-01",
                Some(4),
            ),
            placed(
                12,
                &spot,
                &profile_spot(6),
                "2026-03-02",
                "2026-03-05",
                Some(2),
            ),
            Application::apply(&p1, &profile(7), day("2025-03-31")).unwrap_or_else(|_| {
                Application::new(ApplicationFields {
                    history: vec![(ApplicationState::Applied, day("2025-03-31"))],
                    ..Application::apply(&p1, &profile(7), day("2025-04-01"))
                        .unwrap()
                        .into_fields()
                })
                .unwrap()
            }),
        ];
        let p1 = p1.set_state(PostState::Filled).unwrap();
        let posts = vec![p1, spot, late];
        let f = yearly_figures(fy, &posts, &apps);
        assert_eq!(f.posts_opened, 2);
        assert_eq!(f.applications, 3);
        assert_eq!(f.introductions, 3);
        assert_eq!(
            f.placements,
            Placements {
                full_time: 1,
                part_time: 0,
                spot: 1
            }
        );
        assert_eq!(f.returning_doctors_placed, 1);
        assert_eq!(f.cover_days, 2);
        // p1 was filled on 2026-03-31 (not open at the end); spot is open.
        assert_eq!(f.posts_open_at_year_end, 1);
        let next = yearly_figures(fy.next(), &posts, &apps);
        assert_eq!(next.posts_opened, 1);
        assert_eq!(
            next.placements,
            Placements {
                full_time: 0,
                part_time: 0,
                spot: 1
            }
        );
        assert_eq!(next.cover_days, 4);
        let prev = yearly_figures(FiscalYear::new(2024).unwrap(), &posts, &apps);
        assert_eq!(prev.applications, 1);
        assert_eq!(
            f.by_specialty
                .iter()
                .map(|s| s.specialty)
                .collect::<Vec<_>>(),
            vec![Specialty::InternalMedicine, Specialty::Pediatrics]
        );
    }

    fn returning_ok(id: u64) -> Profile {
        let mut f = returning(id).into_fields();
        f.leave = Some(Leave {
            months: 12,
            reason: LeaveReason::Childcare,
            support_needed: BTreeSet::new(),
        });
        Profile::new(f).unwrap()
    }

    fn profile_spot(id: u64) -> Profile {
        let mut f = profile_fields(id);
        f.employment = [Employment::Spot].into();
        f.specialties = vec![Specialty::Pediatrics];
        Profile::new(f).unwrap()
    }

    fn arb_app() -> impl Strategy<Value = (u8, u8, u8, u16, u16, bool, u8)> {
        // (post specialty index, employment index, how far it went, start offset, step, returning, end state)
        (
            0u8..19,
            0u8..3,
            0u8..5,
            0u16..1000,
            0u16..60,
            any::<bool>(),
            0u8..4,
        )
    }

    fn build(
        i: usize,
        (sp, emp, far, off, step, ret, end): (u8, u8, u8, u16, u16, bool, u8),
    ) -> Application {
        use ApplicationState::*;
        let base = day("2024-10-01") + chrono::Duration::days(i64::from(off));
        let at = |k: i64| base + chrono::Duration::days(k * i64::from(step));
        let employment = Employment::ALL[usize::from(emp)];
        let path = [Applied, Introduced, Interview, Offered, Placed];
        let mut history: Vec<(ApplicationState, NaiveDate)> = path[..=usize::from(far)]
            .iter()
            .enumerate()
            .map(|(k, s)| (*s, at(k as i64)))
            .collect();
        if far < 4 && end > 0 {
            history.push((
                [Declined, Rejected, Withdrawn][usize::from(end - 1)],
                at(i64::from(far) + 1),
            ));
        }
        let state = history.last().unwrap().0;
        let placed = state == Placed;
        Application::new(ApplicationFields {
            id: i as u64 + 1,
            pref: pref(),
            post: 1,
            profile: i as u64 + 1,
            employment,
            specialty: Specialty::ALL[usize::from(sp)],
            returning: ret,
            state,
            history,
            introduced_by: None,
            starts: placed.then(|| at(5)),
            cover_days: (placed && employment == Employment::Spot).then_some(step + 1),
            note: String::new(),
        })
        .unwrap()
    }

    proptest! {
            #[test]
            fn figures_count_each_placement_once_and_specialties_sum_to_totals(
                specs in proptest::collection::vec(arb_app(), 0..40)
            ) {
                let apps: Vec<Application> = specs.into_iter().enumerate().map(|(i, s)| build(i, s)).collect();
                let years: Vec<FiscalYear> = (2024..=2030).map(|y| FiscalYear::new(y).unwrap()).collect();
                let mut placed_total = 0;
                for fy in &years {
                    let f = yearly_figures(*fy, &[], &apps);
                    placed_total += f.placements.total();
                    prop_assert_eq!(f.by_specialty.iter().map(|s| s.placements).sum::<u64>(), f.placements.total());
                    prop_assert_eq!(f.by_specialty.iter().map(|s| s.applications).sum::<u64>(), f.applications);
                    prop_assert_eq!(f.by_specialty.iter().map(|s| s.introductions).sum::<u64>(), f.introductions);
                    prop_assert!(f.returning_doctors_placed <= f.placements.total());
                    prop_assert!(f.introductions <= apps.len() as u64);
                }
                let placed = apps.iter().filter(|a| a.state == ApplicationState::Placed).count() as u64;
                prop_assert_eq!(placed_total, placed);
            }

            #[test]
            fn ranking_is_ordered_by_score_then_id(
                flags in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), 0u8..3, 1u16..60), 0..20),
                needs in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
            ) {
                let posts: Vec<Post> = flags.iter().enumerate().map(|(i, &(h, c, s, r, e, hours))| {
                    Post::new(PostFields {
                        housing: h, childcare: c, short_time: s, returning_support: r,
                        employment: Employment::ALL[usize::from(e)], hours_per_week: hours,
                        ..post_fields(100 - i as u64)
                    }).unwrap()
                }).collect();
                let prof = Profile::new(ProfileFields {
                    needs_housing: needs.0, needs_childcare: needs.1, needs_short_time: needs.2,
                    leave: needs.3.then(|| Leave { months: 6, reason: LeaveReason::Childcare, support_needed: [ReturnSupport::RefresherTraining].into() }),
                    ..profile_fields(1)
                }).unwrap();
                let ranked = rank_posts(&prof, &posts, true);
                prop_assert_eq!(ranked.len(), posts.len());
                for w in ranked.windows(2) {
                    let ((a, fa), (b, fb)) = (&w[0], &w[1]);
                    let key_a = (!fa.fits(), -fa.score, *a);
                    let key_b = (!fb.fits(), -fb.score, *b);
                    prop_assert!(key_a < key_b);
                }
                for (id, fit) in &ranked {
                    let p = posts.iter().find(|p| p.id == *id).unwrap();
                    prop_assert_eq!(fit, &score(p, &prof));
                    prop_assert_eq!(fit.score, fit.reasons.iter().map(|r| r.points).sum::<i64>());
                }
                let fitting = rank_posts(&prof, &posts, false);
                prop_assert_eq!(fitting.as_slice(), &ranked[..fitting.len()]);
                prop_assert!(fitting.iter().all(|(_, f)| f.fits()));
            }

            #[test]
            fn every_path_through_the_states_is_a_valid_application(
                steps in proptest::collection::vec((0usize..8, 0i64..40), 0..8)
            ) {
                let mut a = Application::apply(&post(1), &profile(2), day("2025-05-01")).unwrap();
                let mut on = day("2025-05-01");
                for (to, gap) in steps {
                    let to = ApplicationState::ALL[to];
                    on += chrono::Duration::days(gap);
                    let before = a.state;
                    let next = if to == ApplicationState::Placed {
                        a.clone().place(on, on, None)
                    } else {
                        a.clone().advance(to, on)
                    };
                    prop_assert_eq!(next.is_ok(), before.can_go(to));
                    if let Ok(n) = next {
                        let json = serde_json::to_value(&n).unwrap();
                        prop_assert_eq!(serde_json::from_value::<Application>(json).unwrap(), n.clone());
                        a = n;
                    }
                }
                if a.state == ApplicationState::Placed {
                    let path: Vec<ApplicationState> = a.history.iter().map(|(s, _)| *s).collect();
                    prop_assert_eq!(path, vec![
                        ApplicationState::Applied,
                        ApplicationState::Introduced,
                        ApplicationState::Interview,
                        ApplicationState::Offered,
                        ApplicationState::Placed,
                    ]);
                }
            }

            #[test]
            fn search_keeps_exactly_the_posts_meeting_every_filter(
                flags in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), 0u8..3), 0..15),
                q in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), proptest::option::of(0u8..3)),
            ) {
                let posts: Vec<Post> = flags.iter().enumerate().map(|(i, &(h, c, s, r, e))| {
                    Post::new(PostFields {
                        housing: h, childcare: c, short_time: s, returning_support: r,
                        employment: Employment::ALL[usize::from(e)],
                        title: format!("求人{i}"),
                        ..post_fields(i as u64)
                    }).unwrap()
                }).collect();
                let query = PostQuery {
                    housing: q.0, childcare: q.1, short_time: q.2, returning_support: q.3,
                    employment: q.4.map(|e| Employment::ALL[usize::from(e)]),
                    ..Default::default()
                };
                let found: Vec<u64> = search(&posts, &query).iter().map(|p| p.id).collect();
                let expected: Vec<u64> = posts.iter().filter(|p| {
                    (!q.0 || p.housing) && (!q.1 || p.childcare) && (!q.2 || p.short_time)
                        && (!q.3 || p.returning_support)
                        && query.employment.is_none_or(|e| e == p.employment)
                }).map(|p| p.id).collect();
                prop_assert_eq!(&found, &expected);
                // A title in full-width digits finds its own post.
                for p in &posts {
                    let wide: String = p.title.chars().map(|c| if c.is_ascii_digit() {
                        char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()
                    } else { c }).collect();
                    let hits = search(&posts, &PostQuery { text: wide, ..Default::default() });
                    prop_assert!(hits.iter().any(|h| h.id == p.id));
                }
            }
    }
}
