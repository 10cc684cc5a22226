//! The doctor bank (ドクターバンク) and return-to-work support (復職支援) in the browser: a
//! doctor's profile (with the returning-doctor section), the posts ranked for them with
//! every reason, a search and their applications; a facility's posts and the applications
//! to them; the centre's posts, profiles, introductions, application states and the year's
//! figures with XLSX/CSV. Who may do what is decided in `chiiki_app::doctor_bank::seat`;
//! this module shows it.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chiiki_app::AppError;
use chiiki_app::auth::Session;
use chiiki_app::doctor_bank::{self as bank, Seat};
use chiiki_domain::doctor_bank::{
    Application, ApplicationState, Employment, Fit, Leave, LeaveReason, Post, PostFields,
    PostQuery, PostState, Profile, ProfileFields, ReturnSupport, SalaryRange,
};
use chiiki_domain::{
    AreaCode, FacilityId, FiscalYear, Lang, Msg, NaiveDate, Name, PrefCode, Specialty, parse_date,
};
use chiiki_tabular::Format;
use serde::Deserialize;

use crate::forms::{Fields, answer, field};
use crate::pages::{Chrome, internal, reading, render};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The messages of these pages (part of the catalog in `i18n`).
pub(crate) const MESSAGES: &[(&str, &str, &str)] = &[
    ("bank.title", "ドクターバンク", "Doctor bank"),
    (
        "bank.intro.doctor",
        "求職登録（プロフィール）を保存すると、県内の求人があなたに合う順に並び、理由（✓ 合う点、✗ 合わない点）が表示されます。育児・介護などから復職する方は「復職の希望」も入力してください。",
        "Save your profile and the posts of the prefecture are ranked for you, each with its reasons (✓ fits, ✗ does not). Returning after childcare, family care or another leave? Fill in the return section too.",
    ),
    (
        "bank.intro.facility",
        "貴院の求人と、その求人への応募です。応募または紹介された医師の登録だけが見られます。",
        "Your facility's posts and the applications to them. You see a doctor's profile only once they applied or were introduced.",
    ),
    (
        "bank.intro.centre",
        "県内の求人、求職登録、紹介と応募の状況です。求人を開くと、合う医師の候補を順に見て紹介できます。",
        "The prefecture's posts, profiles, introductions and applications. Open a post to see the doctors who fit it, best first, and introduce one.",
    ),
    (
        "bank.synthetic",
        "デモの求人・登録は架空のデータです。",
        "The demo's posts and profiles are synthetic data.",
    ),
    ("bank.profile", "求職登録（プロフィール）", "Your profile"),
    (
        "bank.profile.none",
        "まだ登録していません。下のフォームに入力して保存してください。",
        "You have no profile yet: fill in the form below and save it.",
    ),
    ("bank.profile.saved", "登録済み", "Saved"),
    ("bank.name", "氏名", "Name"),
    ("bank.specialty", "専門（主）", "Main specialty"),
    ("bank.specialty2", "専門（その他）", "Other specialty"),
    ("bank.years", "医師としての経験年数", "Years as a doctor"),
    ("bank.employment", "希望する雇用形態", "Employment wanted"),
    ("bank.max_days", "週の勤務日数の上限", "Most days a week"),
    (
        "bank.max_hours",
        "希望する週の勤務時間（上限）",
        "Hours a week wanted (most)",
    ),
    ("bank.needs", "働き方の希望", "How you want to work"),
    ("bank.needs_housing", "住宅が必要", "Needs housing"),
    (
        "bank.needs_childcare",
        "保育が必要（院内保育など）",
        "Needs childcare",
    ),
    (
        "bank.needs_short_time",
        "短時間勤務が必要",
        "Needs short-time work",
    ),
    (
        "bank.no_on_call",
        "オンコールは不可",
        "Cannot take on-call duty",
    ),
    ("bank.returning", "復職の希望", "Returning to work"),
    (
        "bank.returning.check",
        "休職・離職から復職します",
        "I am returning after a leave",
    ),
    (
        "bank.leave_months",
        "休職・離職の期間（月）",
        "Length of the leave (months)",
    ),
    ("bank.leave_reason", "理由", "Reason"),
    ("bank.support", "必要な復職支援", "Support needed"),
    (
        "bank.visible",
        "医療機関に登録を公開する（センターからの紹介の候補になります）",
        "Let facilities see my profile (the centre can then propose me)",
    ),
    ("bank.note", "備考", "Note"),
    ("bank.save", "保存する", "Save"),
    (
        "bank.ranked",
        "あなたに合う求人",
        "Posts for you, best first",
    ),
    (
        "bank.ranked.none",
        "条件に合う求人はありません。",
        "No post meets the search.",
    ),
    ("bank.search", "求人を探す", "Search posts"),
    ("bank.search.text", "キーワード", "Words"),
    ("bank.search.any", "指定なし", "Any"),
    ("bank.search.open_only", "募集中のみ", "Open only"),
    ("bank.search.go", "検索", "Search"),
    ("bank.score", "適合度", "Fit"),
    ("bank.fits", "応募できます", "Fits"),
    ("bank.unfit", "条件が合いません", "Ruled out"),
    ("bank.apply", "応募する", "Apply"),
    ("bank.applied", "応募中", "Applied"),
    ("bank.my_apps", "あなたの応募", "Your applications"),
    ("bank.apps", "応募・紹介", "Applications and introductions"),
    ("bank.apps.none", "応募はありません。", "No applications."),
    ("bank.app.no", "番号", "No."),
    ("bank.app.post", "求人", "Post"),
    ("bank.app.doctor", "医師", "Doctor"),
    ("bank.app.state", "状況", "State"),
    ("bank.app.history", "経過", "History"),
    ("bank.app.move", "状況を変える", "Move to"),
    (
        "bank.app.starts",
        "就任開始日（就任のとき）",
        "First day (when placed)",
    ),
    (
        "bank.app.cover_days",
        "対応日数（スポットの就任）",
        "Days covered (spot)",
    ),
    ("bank.app.go", "変更", "Change"),
    ("bank.returning.mark", "復職", "Returning"),
    ("bank.posts", "求人", "Posts"),
    ("bank.posts.none", "求人はありません。", "No posts."),
    ("bank.post.no", "番号", "No."),
    ("bank.post.title", "求人名", "Title"),
    ("bank.post.facility", "医療機関", "Facility"),
    ("bank.post.facility_id", "医療機関ID", "Facility id"),
    ("bank.post.employment", "雇用形態", "Employment"),
    ("bank.post.specialty", "診療科", "Specialty"),
    ("bank.post.area", "二次医療圏", "Area"),
    ("bank.post.days", "週の勤務日数", "Days a week"),
    ("bank.post.hours", "週の勤務時間", "Hours a week"),
    ("bank.post.conditions", "勤務条件", "Conditions"),
    (
        "bank.post.salary_min",
        "年収（下限、円）",
        "Salary from (yen a year)",
    ),
    (
        "bank.post.salary_max",
        "年収（上限、円）",
        "Salary to (yen a year)",
    ),
    ("bank.post.offers", "特徴", "Offers"),
    ("bank.post.housing", "住宅あり", "Housing"),
    ("bank.post.childcare", "院内保育あり", "Childcare"),
    (
        "bank.post.short_time",
        "短時間勤務可",
        "Short-time possible",
    ),
    ("bank.post.on_call", "オンコールあり", "On-call duty"),
    (
        "bank.post.returning_support",
        "復職研修あり",
        "Return training",
    ),
    ("bank.post.opened", "募集開始日", "Opened"),
    ("bank.post.closes", "締切日", "Closes"),
    ("bank.post.state", "募集状況", "State"),
    ("bank.post.new", "求人を登録する", "Post a vacancy"),
    ("bank.post.edit", "求人を編集する", "Edit the post"),
    ("bank.post.open", "開く", "Open"),
    ("bank.post.fill", "充足にする", "Mark filled"),
    ("bank.post.withdraw", "取り下げる", "Withdraw"),
    ("bank.post.reopen", "募集を再開する", "Reopen"),
    (
        "bank.candidates",
        "紹介の候補（合う順）",
        "Candidates, best first",
    ),
    (
        "bank.candidates.none",
        "公開している登録はありません。",
        "No visible profiles.",
    ),
    ("bank.introduce", "紹介する", "Introduce"),
    ("bank.profiles", "求職登録", "Profiles"),
    (
        "bank.profiles.intro",
        "公開している登録と、応募・紹介のあった登録です。",
        "Visible profiles and those who applied or were introduced.",
    ),
    ("bank.profile.no", "番号", "No."),
    ("bank.profile.specialties", "専門", "Specialties"),
    ("bank.profile.leave", "休職", "Leave"),
    ("bank.profile.visible", "公開", "Visible"),
    ("bank.figures", "年度実績", "Yearly figures"),
    ("bank.figures.fy", "年度", "Fiscal year"),
    ("bank.figures.show", "表示", "Show"),
    ("bank.figures.item", "項目", "Item"),
    ("bank.figures.count", "件数", "Count"),
    ("bank.figures.by_specialty", "診療科別", "By specialty"),
    ("bank.figures.posts_opened", "新規求人数", "Posts opened"),
    (
        "bank.figures.posts_open_at_year_end",
        "年度末の募集中求人数",
        "Posts open at the year's end",
    ),
    (
        "bank.figures.applications",
        "応募・紹介の件数",
        "Applications",
    ),
    ("bank.figures.introductions", "紹介件数", "Introductions"),
    ("bank.figures.placements", "就任件数", "Placements"),
    ("bank.figures.full_time", "うち常勤", "of which full time"),
    ("bank.figures.part_time", "うち非常勤", "of which part time"),
    ("bank.figures.spot", "うちスポット", "of which spot"),
    (
        "bank.figures.returning",
        "うち復職した医師",
        "of which returning doctors",
    ),
    (
        "bank.figures.cover_days",
        "スポットの対応日数",
        "Spot days covered",
    ),
    ("bank.download", "ダウンロード", "Download"),
    ("bank.yes", "○", "Yes"),
];

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, Lang) -> &'static str,
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|x| (code(*x), label(*x, lang))).collect()
}

/// The choices the forms offer.
struct Choices {
    specialties: Vec<(&'static str, &'static str)>,
    employments: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    supports: Vec<(&'static str, &'static str)>,
}

impl Choices {
    fn new(lang: Lang) -> Choices {
        Choices {
            specialties: options(Specialty::ALL, Specialty::code, Specialty::label, lang),
            employments: options(Employment::ALL, Employment::code, Employment::label, lang),
            reasons: options(
                LeaveReason::ALL,
                LeaveReason::code,
                LeaveReason::label,
                lang,
            ),
            supports: options(
                ReturnSupport::ALL,
                ReturnSupport::code,
                ReturnSupport::label,
                lang,
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rows

struct ReasonRow {
    ok: bool,
    text: String,
}

struct PostRow {
    id: u64,
    title: String,
    facility: String,
    employment: &'static str,
    specialty: &'static str,
    area: String,
    days: u8,
    hours: u16,
    offers: String,
    state: &'static str,
    open: bool,
    fits: bool,
    score: i64,
    reasons: Vec<ReasonRow>,
    /// The doctor has an active application to it.
    applied: bool,
}

async fn post_row(s: &AppState, p: &Post, lang: Lang, fit: Option<&Fit>) -> PostRow {
    let facility = match bank::facility_of(s.store.as_ref(), &p.facility).await {
        Ok(f) => format!("{}（{}）", f.name, p.facility),
        Err(_) => p.facility.to_string(),
    };
    let mut offers = Vec::new();
    let t = crate::i18n::T(lang);
    for (on, key) in [
        (p.childcare, "bank.post.childcare"),
        (p.short_time, "bank.post.short_time"),
        (p.returning_support, "bank.post.returning_support"),
        (p.housing, "bank.post.housing"),
        (p.on_call, "bank.post.on_call"),
    ] {
        if on {
            offers.push(t.get(key));
        }
    }
    let reasons = fit
        .map(|f| {
            f.failures
                .iter()
                .map(|r| ReasonRow {
                    ok: false,
                    text: r.msg.get(lang).to_string(),
                })
                .chain(f.reasons.iter().map(|r| ReasonRow {
                    ok: r.points > 0,
                    text: format!("{}（{:+}）", r.msg.get(lang), r.points),
                }))
                .collect()
        })
        .unwrap_or_default();
    PostRow {
        id: p.id,
        title: p.title.clone(),
        facility,
        employment: p.employment.label(lang),
        specialty: p.specialty.label(lang),
        area: p.area.to_string(),
        days: p.days_per_week,
        hours: p.hours_per_week,
        offers: offers.join("・"),
        state: p.state.label(lang),
        open: p.open_on(today()),
        fits: fit.is_some_and(|f| f.fits()),
        score: fit.map(|f| f.score).unwrap_or(0),
        reasons,
        applied: false,
    }
}

struct AppRow {
    id: u64,
    post: u64,
    post_title: String,
    profile: u64,
    doctor: String,
    returning: bool,
    state: &'static str,
    history: String,
    /// The states the user may move it to.
    next: Vec<(&'static str, &'static str)>,
}

fn app_row(
    a: &Application,
    posts: &[Post],
    profiles: &[Profile],
    seat: &Seat,
    chrome: &Chrome,
) -> AppRow {
    let lang = chrome.prefs.lang;
    let post = posts.iter().find(|p| p.id == a.post);
    let prof = profiles.iter().find(|p| p.id == a.profile);
    let next = match (post, prof) {
        (Some(p), Some(pr)) => a
            .state
            .next()
            .into_iter()
            .filter(|to| bank::moves_application(seat, p, pr, *to))
            .map(|to| (to.code(), to.label(lang)))
            .collect(),
        _ => Vec::new(),
    };
    AppRow {
        id: a.id,
        post: a.post,
        post_title: post.map(|p| p.title.clone()).unwrap_or_default(),
        profile: a.profile,
        doctor: prof.map(|p| p.name.to_string()).unwrap_or_default(),
        returning: a.returning,
        state: a.state.label(lang),
        history: a
            .history
            .iter()
            .map(|(s, d)| format!("{} {}", s.label(lang), chrome.date(*d)))
            .collect::<Vec<_>>()
            .join(" → "),
        next,
    }
}

struct ProfileRow {
    id: u64,
    name: String,
    specialties: String,
    years: u8,
    employment: String,
    leave: String,
    visible: bool,
}

fn profile_row(p: &Profile, lang: Lang) -> ProfileRow {
    ProfileRow {
        id: p.id,
        name: p.name.to_string(),
        specialties: p
            .specialties
            .iter()
            .map(|s| s.label(lang))
            .collect::<Vec<_>>()
            .join("、"),
        years: p.years,
        employment: p
            .employment
            .iter()
            .map(|e| e.label(lang))
            .collect::<Vec<_>>()
            .join("、"),
        leave: leave_text(p.leave.as_ref(), lang),
        visible: p.visible,
    }
}

fn leave_text(l: Option<&Leave>, lang: Lang) -> String {
    match l {
        None => String::new(),
        Some(l) => {
            let support: Vec<&str> = l.support_needed.iter().map(|s| s.label(lang)).collect();
            let months = match lang {
                Lang::Ja => format!("{}か月", l.months),
                Lang::En => format!("{} months", l.months),
            };
            if support.is_empty() {
                format!("{} {months}", l.reason.label(lang))
            } else {
                format!(
                    "{} {months}（{}）",
                    l.reason.label(lang),
                    support.join("、")
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The forms as typed

/// The profile form as the user typed it.
#[derive(Default, Clone)]
struct ProfileForm {
    id: u64,
    name: String,
    specialty: String,
    specialty2: String,
    years: String,
    employment: Vec<String>,
    max_days: String,
    max_hours: String,
    needs_housing: bool,
    needs_childcare: bool,
    needs_short_time: bool,
    no_on_call: bool,
    returning: bool,
    leave_months: String,
    leave_reason: String,
    support: Vec<String>,
    visible: bool,
    note: String,
}

impl ProfileForm {
    fn of(p: &ProfileFields) -> ProfileForm {
        ProfileForm {
            id: p.id,
            name: p.name.to_string(),
            specialty: p
                .specialties
                .first()
                .map(|s| s.code().to_string())
                .unwrap_or_default(),
            specialty2: p
                .specialties
                .get(1)
                .map(|s| s.code().to_string())
                .unwrap_or_default(),
            years: p.years.to_string(),
            employment: p.employment.iter().map(|e| e.code().to_string()).collect(),
            max_days: p.max_days_per_week.to_string(),
            max_hours: p.max_hours_per_week.to_string(),
            needs_housing: p.needs_housing,
            needs_childcare: p.needs_childcare,
            needs_short_time: p.needs_short_time,
            no_on_call: p.no_on_call,
            returning: p.leave.is_some(),
            leave_months: p
                .leave
                .as_ref()
                .map(|l| l.months.to_string())
                .unwrap_or_default(),
            leave_reason: p
                .leave
                .as_ref()
                .map(|l| l.reason.code().to_string())
                .unwrap_or_default(),
            support: p
                .leave
                .as_ref()
                .map(|l| {
                    l.support_needed
                        .iter()
                        .map(|s| s.code().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            visible: p.visible,
            note: p.note.clone(),
        }
    }
    fn from_fields(f: &Fields) -> ProfileForm {
        let on = |k: &str| !field(f, k).is_empty();
        ProfileForm {
            id: field(f, "id").parse().unwrap_or(0),
            name: field(f, "name").into(),
            specialty: field(f, "specialty").into(),
            specialty2: field(f, "specialty2").into(),
            years: field(f, "years").into(),
            employment: Employment::ALL
                .iter()
                .filter(|e| on(&format!("emp_{}", e.code())))
                .map(|e| e.code().to_string())
                .collect(),
            max_days: field(f, "max_days").into(),
            max_hours: field(f, "max_hours").into(),
            needs_housing: on("needs_housing"),
            needs_childcare: on("needs_childcare"),
            needs_short_time: on("needs_short_time"),
            no_on_call: on("no_on_call"),
            returning: on("returning"),
            leave_months: field(f, "leave_months").into(),
            leave_reason: field(f, "leave_reason").into(),
            support: ReturnSupport::ALL
                .iter()
                .filter(|s| on(&format!("support_{}", s.code())))
                .map(|s| s.code().to_string())
                .collect(),
            visible: on("visible"),
            note: f.get("note").cloned().unwrap_or_default(),
        }
    }
    fn has_emp(&self, code: &&str) -> bool {
        self.employment.iter().any(|e| e == code)
    }
    fn has_support(&self, code: &&str) -> bool {
        self.support.iter().any(|e| e == code)
    }
}

fn bad(ja: String, en: String) -> AppError {
    AppError::Rejected(Msg::new(ja, en))
}

fn number<N: std::str::FromStr>(raw: &str, what: Msg) -> Result<N, AppError> {
    chiiki_domain::normalize(raw).trim().parse().map_err(|_| {
        bad(
            format!("{}「{raw}」を数字で入力してください", what.ja),
            format!("give the {} '{raw}' as a number", what.en),
        )
    })
}

fn profile_input(
    who: &chiiki_app::access::Principal,
    pref: PrefCode,
    form: &ProfileForm,
) -> Result<Profile, AppError> {
    let mut f = bank::blank_profile(who, pref, today());
    f.id = form.id;
    f.name = Name::parse(&form.name).map_err(AppError::invalid)?;
    let mut specialties = Vec::new();
    for (raw, what) in [
        (&form.specialty, "専門（主）"),
        (&form.specialty2, "専門（その他）"),
    ] {
        if !raw.is_empty() {
            let s = Specialty::parse(raw).map_err(|_| {
                bad(
                    format!("{what}「{raw}」がありません"),
                    format!("there is no specialty '{raw}'"),
                )
            })?;
            if !specialties.contains(&s) {
                specialties.push(s);
            }
        }
    }
    f.specialties = specialties;
    f.years = number(&form.years, Msg::new("経験年数", "years of experience"))?;
    f.employment = form
        .employment
        .iter()
        .filter_map(|e| Employment::parse(e).ok())
        .collect();
    f.max_days_per_week = number(
        &form.max_days,
        Msg::new("週の勤務日数の上限", "most days a week"),
    )?;
    f.max_hours_per_week = number(&form.max_hours, Msg::new("週の勤務時間", "hours a week"))?;
    f.needs_housing = form.needs_housing;
    f.needs_childcare = form.needs_childcare;
    f.needs_short_time = form.needs_short_time;
    f.no_on_call = form.no_on_call;
    f.leave = if form.returning {
        Some(Leave {
            months: number(
                &form.leave_months,
                Msg::new("休職・離職の期間（月）", "length of the leave in months"),
            )?,
            reason: LeaveReason::parse(&form.leave_reason).map_err(|_| {
                bad(
                    "休職・離職の理由を選んでください".into(),
                    "choose the reason of the leave".into(),
                )
            })?,
            support_needed: form
                .support
                .iter()
                .filter_map(|s| ReturnSupport::parse(s).ok())
                .collect(),
        })
    } else {
        None
    };
    f.visible = form.visible;
    f.note = form.note.clone();
    Profile::new(f).map_err(AppError::invalid)
}

/// The post form as the user typed it.
#[derive(Default, Clone)]
struct PostForm {
    facility: String,
    title: String,
    employment: String,
    specialty: String,
    days: String,
    hours: String,
    conditions: String,
    salary_min: String,
    salary_max: String,
    housing: bool,
    childcare: bool,
    short_time: bool,
    on_call: bool,
    returning_support: bool,
    opened: String,
    closes: String,
}

impl PostForm {
    fn blank(facility: Option<&FacilityId>) -> PostForm {
        PostForm {
            facility: facility.map(|f| f.to_string()).unwrap_or_default(),
            days: "5".into(),
            hours: "40".into(),
            opened: today().to_string(),
            ..Default::default()
        }
    }
    fn of(p: &Post) -> PostForm {
        PostForm {
            facility: p.facility.to_string(),
            title: p.title.clone(),
            employment: p.employment.code().into(),
            specialty: p.specialty.code().into(),
            days: p.days_per_week.to_string(),
            hours: p.hours_per_week.to_string(),
            conditions: p.conditions.clone(),
            salary_min: p.salary.map(|s| s.min.to_string()).unwrap_or_default(),
            salary_max: p.salary.map(|s| s.max.to_string()).unwrap_or_default(),
            housing: p.housing,
            childcare: p.childcare,
            short_time: p.short_time,
            on_call: p.on_call,
            returning_support: p.returning_support,
            opened: p.opened.to_string(),
            closes: p.closes.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
    fn from_fields(f: &Fields) -> PostForm {
        let on = |k: &str| !field(f, k).is_empty();
        PostForm {
            facility: field(f, "facility").into(),
            title: field(f, "title").into(),
            employment: field(f, "employment").into(),
            specialty: field(f, "specialty").into(),
            days: field(f, "days").into(),
            hours: field(f, "hours").into(),
            conditions: f.get("conditions").cloned().unwrap_or_default(),
            salary_min: field(f, "salary_min").into(),
            salary_max: field(f, "salary_max").into(),
            housing: on("housing"),
            childcare: on("childcare"),
            short_time: on("short_time"),
            on_call: on("on_call"),
            returning_support: on("returning_support"),
            opened: field(f, "opened").into(),
            closes: field(f, "closes").into(),
        }
    }
}

fn date_of(raw: &str, what: Msg) -> Result<NaiveDate, AppError> {
    parse_date(raw).map_err(|_| {
        bad(
            format!("{}「{raw}」が日付として読めません", what.ja),
            format!("the {} '{raw}' is not a date", what.en),
        )
    })
}

async fn post_input(
    s: &AppState,
    who: &chiiki_app::access::Principal,
    pref: PrefCode,
    id: u64,
    old: Option<&Post>,
    form: &PostForm,
) -> Result<Post, AppError> {
    // A facility posts for itself; an existing post keeps its facility.
    let facility = match (old, &who.facility) {
        (Some(p), _) => p.facility.clone(),
        (None, Some(f)) if who.role == chiiki_domain::Role::Facility => f.clone(),
        _ => FacilityId::parse(&form.facility).map_err(AppError::invalid)?,
    };
    let fac = bank::facility_of(s.store.as_ref(), &facility).await?;
    let area: AreaCode = fac.area;
    let salary = match (form.salary_min.as_str(), form.salary_max.as_str()) {
        ("", "") => None,
        (a, b) => Some(SalaryRange {
            min: number(a, Msg::new("年収（下限）", "salary from"))?,
            max: number(b, Msg::new("年収（上限）", "salary to"))?,
        }),
    };
    let employment = Employment::parse(&form.employment).map_err(AppError::invalid)?;
    let specialty = Specialty::parse(&form.specialty).map_err(AppError::invalid)?;
    Post::new(PostFields {
        id,
        pref,
        facility,
        title: form.title.clone(),
        employment,
        specialty,
        area,
        days_per_week: number(&form.days, Msg::new("週の勤務日数", "days a week"))?,
        hours_per_week: number(&form.hours, Msg::new("週の勤務時間", "hours a week"))?,
        conditions: form.conditions.clone(),
        salary,
        housing: form.housing,
        childcare: form.childcare,
        short_time: form.short_time,
        on_call: form.on_call,
        returning_support: form.returning_support,
        opened: date_of(&form.opened, Msg::new("募集開始日", "opening day"))?,
        closes: match form.closes.as_str() {
            "" => None,
            c => Some(date_of(c, Msg::new("締切日", "closing day"))?),
        },
        state: old.map(|p| p.state).unwrap_or(PostState::Open),
    })
    .map_err(AppError::invalid)
}

// ---------------------------------------------------------------------------------------
// The bank page

/// `?pref=` (administrators) and the search of posts.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct BankQuery {
    pref: Option<String>,
    specialty: Option<String>,
    employment: Option<String>,
    housing: Option<String>,
    childcare: Option<String>,
    short_time: Option<String>,
    returning_support: Option<String>,
    text: Option<String>,
    open_only: Option<String>,
    fy: Option<String>,
}

/// The search as typed, to show it again.
#[derive(Default, Clone)]
struct SearchForm {
    specialty: String,
    employment: String,
    housing: bool,
    childcare: bool,
    short_time: bool,
    returning_support: bool,
    text: String,
    open_only: bool,
}

fn search_of(q: &BankQuery) -> (SearchForm, PostQuery) {
    let on = |x: &Option<String>| x.as_deref().is_some_and(|v| !v.is_empty());
    let text = |x: &Option<String>| x.as_deref().unwrap_or("").trim().to_string();
    let form = SearchForm {
        specialty: text(&q.specialty),
        employment: text(&q.employment),
        housing: on(&q.housing),
        childcare: on(&q.childcare),
        short_time: on(&q.short_time),
        returning_support: on(&q.returning_support),
        text: text(&q.text),
        open_only: on(&q.open_only),
    };
    let query = PostQuery {
        specialty: Specialty::parse(&form.specialty).ok(),
        area: None,
        employment: Employment::parse(&form.employment).ok(),
        housing: form.housing,
        childcare: form.childcare,
        short_time: form.short_time,
        returning_support: form.returning_support,
        text: form.text.clone(),
        open_only: form.open_only,
    };
    (form, query)
}

/// The prefecture of the page: the user's own; an administrator's `?pref=`, or else the
/// only prefecture with posts in the bank.
async fn pref_of(s: &AppState, session: &Session, q: &BankQuery) -> Result<PrefCode, PageError> {
    let asked = match q.pref.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Some(
            p.parse::<u8>()
                .ok()
                .and_then(|n| PrefCode::new(n).ok())
                .ok_or(PageError::NotFound)?,
        ),
        None => None,
    };
    let who = &session.principal;
    let asked = match asked {
        None if who.pref.is_none() => bank::only_pref(s.store.as_ref()).await?,
        a => a,
    };
    bank::bank_pref(who, asked).map_err(|e| match e {
        AppError::Denied(_) => PageError::Forbidden,
        _ => PageError::BadRequest(Msg::new(
            "都道府県を指定してください（例: /bank?pref=03）",
            "give the prefecture (e.g. /bank?pref=03)",
        )),
    })
}

#[derive(Template)]
#[template(path = "bank_home.html")]
struct BankPage {
    chrome: Chrome,
    error: Option<String>,
    pref: String,
    pref_name: &'static str,
    /// doctor, facility or centre.
    role: &'static str,
    write: bool,
    choices: Choices,
    has_profile: bool,
    profile: ProfileForm,
    ranked: Vec<PostRow>,
    search: SearchForm,
    apps: Vec<AppRow>,
    posts: Vec<PostRow>,
    profiles: Vec<ProfileRow>,
    post_form: PostForm,
}

#[derive(Default)]
struct Kept {
    profile: Option<ProfileForm>,
    post: Option<PostForm>,
}

async fn bank_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    q: &BankQuery,
    error: Option<Msg>,
    kept: Kept,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    if !bank::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let pref = pref_of(s, session, q).await?;
    let seat = bank::seat(who, pref);
    let store = s.store.as_ref();
    let lang = prefs.lang;
    let chrome = Chrome::new(session, prefs, "bank", uri);
    let (search, query) = search_of(q);
    let posts = bank::posts(store, who, pref).await?;
    let profiles = bank::profiles(store, who, pref).await?;
    let apps = bank::applications(store, who, pref).await?;
    let mut page = BankPage {
        error: error.map(|m| m.to_string()),
        pref: pref.to_string(),
        pref_name: crate::pages::pref_name(pref, lang),
        role: "centre",
        write: false,
        choices: Choices::new(lang),
        has_profile: false,
        profile: ProfileForm::default(),
        ranked: Vec::new(),
        search,
        apps: Vec::new(),
        posts: Vec::new(),
        profiles: Vec::new(),
        post_form: kept
            .post
            .clone()
            .unwrap_or_else(|| PostForm::blank(who.facility.as_ref())),
        chrome,
    };
    page.apps = apps
        .iter()
        .rev()
        .map(|a| app_row(a, &posts, &profiles, &seat, &page.chrome))
        .collect();
    match &seat {
        Seat::Doctor(_) => {
            page.role = "doctor";
            let mine = bank::my_profile(store, who).await?;
            page.has_profile = mine.is_some();
            page.profile = match (kept.profile, &mine) {
                (Some(k), _) => k,
                (None, Some(p)) => ProfileForm::of(&p.clone().into_fields()),
                (None, None) => ProfileForm::of(&bank::blank_profile(who, pref, today())),
            };
            if let Some(p) = &mine {
                for (post, fit) in bank::ranked_posts(store, who, p.id, &query).await? {
                    let mut row = post_row(s, &post, lang, Some(&fit)).await;
                    row.applied = apps
                        .iter()
                        .any(|a| a.post == post.id && a.state.is_active());
                    page.ranked.push(row);
                }
            }
        }
        Seat::Facility(_) => {
            page.role = "facility";
            page.write = true;
            for p in &posts {
                page.posts.push(post_row(s, p, lang, None).await);
            }
        }
        Seat::Centre { write } => {
            page.write = *write;
            for p in posts.iter().filter(|p| query.matches(p)) {
                page.posts.push(post_row(s, p, lang, None).await);
            }
            page.profiles = profiles
                .iter()
                .filter(|p| p.visible || apps.iter().any(|a| a.profile == p.id))
                .map(|p| profile_row(p, lang))
                .collect();
        }
        Seat::Outside => return Err(PageError::Forbidden),
    }
    render(&page)
}

/// `GET /bank`: the doctor's profile, ranked posts and applications; a facility's posts
/// and applications; the centre's posts, profiles and applications.
pub(crate) async fn home(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<BankQuery>,
) -> Result<Html<String>, PageError> {
    bank_page(&s, &session, prefs, &uri, &q, None, Kept::default()).await
}

/// `POST /bank/profile`: saves the doctor's own profile; the page again with the problem
/// (422) and the input kept.
pub(crate) async fn save_profile(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let q = BankQuery::default();
    let pref = pref_of(&s, &session, &q).await?;
    let who = &session.principal;
    let form = ProfileForm::from_fields(&f);
    let result = async {
        if bank::seat(who, pref) == Seat::Doctor(who.username.clone()) {
            // A doctor's form edits their own profile, whatever id was sent.
            let mut form = form.clone();
            form.id = bank::my_profile(s.store.as_ref(), who)
                .await?
                .map(|p| p.id)
                .unwrap_or(0);
            let input = profile_input(who, pref, &form)?;
            bank::save_profile(s.store.as_ref(), who, input).await
        } else {
            Err(AppError::Denied(chiiki_app::access::Denied(Msg::new(
                "求職登録は医師のアカウントで行います",
                "a profile is kept from a doctor's account",
            ))))
        }
    }
    .await;
    let kept = Kept {
        profile: Some(form),
        post: None,
    };
    answer(
        result,
        |_| "/bank#ranked-h".to_string(),
        |m| bank_page(&s, &session, prefs, &uri, &q, Some(m), kept),
    )
    .await
}

/// `POST /bank/posts`: a new post; the page again with the problem (422) and the input kept.
pub(crate) async fn create_post(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let q = BankQuery {
        pref: f.get("pref").cloned(),
        ..Default::default()
    };
    let pref = pref_of(&s, &session, &q).await?;
    let who = &session.principal;
    let form = PostForm::from_fields(&f);
    let result = async {
        let input = post_input(&s, who, pref, 0, None, &form).await?;
        bank::save_post(s.store.as_ref(), who, input, None).await
    }
    .await;
    let kept = Kept {
        profile: None,
        post: Some(form),
    };
    answer(
        result,
        |p| format!("/bank/posts/{}", p.id),
        |m| bank_page(&s, &session, prefs, &uri, &q, Some(m), kept),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// A post

struct CandidateRow {
    id: u64,
    name: String,
    leave: String,
    fits: bool,
    score: i64,
    reasons: Vec<ReasonRow>,
}

#[derive(Template)]
#[template(path = "bank_post.html")]
struct PostPage {
    chrome: Chrome,
    error: Option<String>,
    post: PostRow,
    conditions: String,
    salary: String,
    opened: String,
    closes: String,
    state_code: &'static str,
    edits: bool,
    /// The post's version the edit form is made from (optimistic locking).
    version: u64,
    doctor: bool,
    applied: bool,
    introduces: bool,
    apps: Vec<AppRow>,
    candidates: Vec<CandidateRow>,
    form: PostForm,
    choices: Choices,
    /// facility or centre (what the post form shows).
    role: &'static str,
}

async fn post_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    id: u64,
    error: Option<Msg>,
    kept: Option<PostForm>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let store = s.store.as_ref();
    // Read before the post, so that the form never carries a version newer than it shows.
    let version = bank::post_version(store, id).await?.unwrap_or(1);
    let p = bank::post(store, who, id).await.map_err(reading)?;
    let seat = bank::seat(who, p.pref);
    let lang = prefs.lang;
    let chrome = Chrome::new(session, prefs, "bank", uri);
    let all_posts = vec![p.clone()];
    let profiles = bank::profiles(store, who, p.pref).await?;
    let apps: Vec<Application> = bank::applications(store, who, p.pref)
        .await?
        .into_iter()
        .filter(|a| a.post == id)
        .collect();
    let introduces = seat == Seat::Centre { write: true };
    let mut candidates = Vec::new();
    if matches!(seat, Seat::Centre { .. }) {
        for (prof, fit) in bank::ranked_profiles(store, who, id).await? {
            candidates.push(CandidateRow {
                id: prof.id,
                name: prof.name.to_string(),
                leave: leave_text(prof.leave.as_ref(), lang),
                fits: fit.fits(),
                score: fit.score,
                reasons: fit
                    .failures
                    .iter()
                    .map(|r| ReasonRow {
                        ok: false,
                        text: r.msg.get(lang).to_string(),
                    })
                    .chain(fit.reasons.iter().map(|r| ReasonRow {
                        ok: r.points > 0,
                        text: format!("{}（{:+}）", r.msg.get(lang), r.points),
                    }))
                    .collect(),
            });
        }
    }
    let row = post_row(s, &p, lang, None).await;
    let page = PostPage {
        error: error.map(|m| m.to_string()),
        conditions: p.conditions.clone(),
        salary: p
            .salary
            .map(|r| format!("{} – {}", r.min, r.max))
            .unwrap_or_default(),
        opened: chrome.date(p.opened),
        closes: p.closes.map(|d| chrome.date(d)).unwrap_or_default(),
        state_code: p.state.code(),
        edits: bank::edits_post(&seat, &p),
        version,
        doctor: matches!(seat, Seat::Doctor(_)),
        applied: apps.iter().any(|a| a.state.is_active()),
        introduces,
        apps: apps
            .iter()
            .map(|a| app_row(a, &all_posts, &profiles, &seat, &chrome))
            .collect(),
        candidates,
        form: kept.unwrap_or_else(|| PostForm::of(&p)),
        choices: Choices::new(lang),
        role: if matches!(seat, Seat::Facility(_)) {
            "facility"
        } else {
            "centre"
        },
        post: row,
        chrome,
    };
    render(&page)
}

/// `GET /bank/posts/{id}`.
pub(crate) async fn show_post(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
) -> Result<Html<String>, PageError> {
    post_page(&s, &session, prefs, &uri, id, None, None).await
}

/// `POST /bank/posts/{id}`: edits the post.
pub(crate) async fn edit_post(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let old = bank::post(s.store.as_ref(), who, id)
        .await
        .map_err(reading)?;
    let form = PostForm::from_fields(&f);
    let result = async {
        let input = post_input(&s, who, old.pref, id, Some(&old), &form).await?;
        let made_from = crate::forms::made_from(&f)?;
        bank::save_post(s.store.as_ref(), who, input, made_from).await
    }
    .await;
    answer(
        result,
        |p| format!("/bank/posts/{}", p.id),
        |m| post_page(&s, &session, prefs, &uri, id, Some(m), Some(form)),
    )
    .await
}

/// `POST /bank/posts/{id}/state`: `state=filled|withdrawn|open`.
pub(crate) async fn post_state(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let result = async {
        let to = PostState::parse(field(&f, "state")).map_err(AppError::invalid)?;
        bank::set_post_state(s.store.as_ref(), who, id, to).await
    }
    .await;
    answer(
        result,
        |p| format!("/bank/posts/{}", p.id),
        |m| post_page(&s, &session, prefs, &uri, id, Some(m), None),
    )
    .await
}

/// `POST /bank/posts/{id}/apply`: the doctor applies.
pub(crate) async fn apply(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let result = bank::apply(s.store.as_ref(), who, id, today()).await;
    let q = BankQuery::default();
    answer(
        result,
        |a| format!("/bank#app-{}", a.id),
        |m| bank_page(&s, &session, prefs, &uri, &q, Some(m), Kept::default()),
    )
    .await
}

/// `POST /bank/posts/{id}/introduce`: `profile=`; the centre introduces a doctor.
pub(crate) async fn introduce(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let result = async {
        let profile: u64 = number(field(&f, "profile"), Msg::new("登録番号", "profile number"))?;
        bank::introduce(s.store.as_ref(), who, id, profile, today()).await
    }
    .await;
    answer(
        result,
        |a| format!("/bank/posts/{}#app-{}", a.post, a.id),
        |m| post_page(&s, &session, prefs, &uri, id, Some(m), None),
    )
    .await
}

/// `POST /bank/applications/{id}/state`: `to=`, with `starts=` and `cover_days=` when
/// placed.
pub(crate) async fn move_application(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let store = s.store.as_ref();
    let a = bank::application(store, who, id).await.map_err(reading)?;
    let result = async {
        let to = ApplicationState::parse(field(&f, "to")).map_err(AppError::invalid)?;
        let starts = match field(&f, "starts") {
            "" => None,
            d => Some(date_of(d, Msg::new("就任開始日", "first day"))?),
        };
        let cover = match field(&f, "cover_days") {
            "" => None,
            n => Some(number(n, Msg::new("対応日数", "days covered"))?),
        };
        bank::advance(store, who, id, to, today(), starts, cover).await
    }
    .await;
    let doctor = matches!(bank::seat(who, a.pref), Seat::Doctor(_));
    let q = BankQuery::default();
    let post = a.post;
    match result {
        Ok(a) if doctor => {
            Ok(axum::response::Redirect::to(&format!("/bank#app-{}", a.id)).into_response())
        }
        r if doctor => {
            answer(
                r,
                |_| String::new(),
                |m| bank_page(&s, &session, prefs, &uri, &q, Some(m), Kept::default()),
            )
            .await
        }
        r => {
            answer(
                r,
                |a| format!("/bank/posts/{}#app-{}", a.post, a.id),
                |m| post_page(&s, &session, prefs, &uri, post, Some(m), None),
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------
// A profile

#[derive(Template)]
#[template(path = "bank_profile.html")]
struct ProfilePage {
    chrome: Chrome,
    p: ProfileRow,
    max_days: u8,
    max_hours: u16,
    needs: String,
    note: String,
    apps: Vec<AppRow>,
}

/// `GET /bank/profiles/{id}`: a profile, for those who may see it.
pub(crate) async fn show_profile(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<u64>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let store = s.store.as_ref();
    let p = bank::profile(store, who, id).await.map_err(reading)?;
    let seat = bank::seat(who, p.pref);
    let lang = prefs.lang;
    let chrome = Chrome::new(&session, prefs, "bank", &uri);
    let posts = bank::posts(store, who, p.pref).await?;
    let apps: Vec<AppRow> = bank::applications(store, who, p.pref)
        .await?
        .iter()
        .filter(|a| a.profile == id)
        .map(|a| app_row(a, &posts, std::slice::from_ref(&p), &seat, &chrome))
        .collect();
    let t = crate::i18n::T(lang);
    let needs: Vec<&str> = [
        (p.wants_short_time(), "bank.needs_short_time"),
        (p.wants_childcare(), "bank.needs_childcare"),
        (p.needs_housing, "bank.needs_housing"),
        (p.no_on_call, "bank.no_on_call"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| t.get(k))
    .collect();
    render(&ProfilePage {
        p: profile_row(&p, lang),
        max_days: p.max_days_per_week,
        max_hours: p.max_hours_per_week,
        needs: needs.join("、"),
        note: p.note.clone(),
        apps,
        chrome,
    })
}

// ---------------------------------------------------------------------------------------
// The figures

fn fy_of(q: &BankQuery) -> Result<FiscalYear, PageError> {
    match q.fy.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => FiscalYear::parse(s).map_err(|_| {
            PageError::BadRequest(Msg::new(
                format!("年度「{s}」が読めません。2026 のように指定してください"),
                format!("cannot read the fiscal year '{s}': give it like 2026"),
            ))
        }),
        None => Ok(FiscalYear::of(today())),
    }
}

#[derive(Template)]
#[template(path = "bank_figures.html")]
struct FiguresPage {
    chrome: Chrome,
    pref: String,
    pref_name: &'static str,
    fy: i32,
    fy_label: String,
    items: Vec<(&'static str, &'static str, u64)>,
    by_specialty: Vec<(&'static str, u64, u64, u64, u64)>,
    /// The centre's workbook of the doctor bank and seminars (coordinators, administrators).
    can_workbook: bool,
}

/// `GET /bank/figures?fy=2026`: the year's figures as the prefecture would publish them.
pub(crate) async fn figures(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<BankQuery>,
) -> Result<Html<String>, PageError> {
    let pref = pref_of(&s, &session, &q).await?;
    let fy = fy_of(&q)?;
    let f = bank::figures(s.store.as_ref(), &session.principal, pref, fy).await?;
    let lang = prefs.lang;
    let chrome = Chrome::new(&session, prefs, "bank", &uri);
    let items = vec![
        ("posts_opened", "bank.figures.posts_opened", f.posts_opened),
        (
            "posts_open_at_year_end",
            "bank.figures.posts_open_at_year_end",
            f.posts_open_at_year_end,
        ),
        ("applications", "bank.figures.applications", f.applications),
        (
            "introductions",
            "bank.figures.introductions",
            f.introductions,
        ),
        (
            "placements",
            "bank.figures.placements",
            f.placements.total(),
        ),
        (
            "placements_full_time",
            "bank.figures.full_time",
            f.placements.full_time,
        ),
        (
            "placements_part_time",
            "bank.figures.part_time",
            f.placements.part_time,
        ),
        ("placements_spot", "bank.figures.spot", f.placements.spot),
        (
            "returning_doctors_placed",
            "bank.figures.returning",
            f.returning_doctors_placed,
        ),
        ("cover_days", "bank.figures.cover_days", f.cover_days),
    ]
    .into_iter()
    .map(|(id, key, n)| (id, chrome.t.get(key), n))
    .collect();
    let can_workbook = matches!(
        session.principal.role,
        chiiki_domain::Role::Admin | chiiki_domain::Role::Coordinator
    );
    render(&FiguresPage {
        can_workbook,
        pref: pref.to_string(),
        pref_name: crate::pages::pref_name(pref, lang),
        fy: fy.year(),
        fy_label: match lang {
            Lang::Ja => fy.wareki(),
            Lang::En => format!("FY{}", fy.year()),
        },
        items,
        by_specialty: f
            .by_specialty
            .iter()
            .map(|x| {
                (
                    x.specialty.label(lang),
                    x.posts_opened,
                    x.applications,
                    x.introductions,
                    x.placements,
                )
            })
            .collect(),
        chrome,
    })
}

/// `GET /bank/{file}`: `figures.xlsx|csv?fy=` (CSV: the totals), `posts.xlsx|csv`.
pub(crate) async fn file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path(file): Path<String>,
    Query(q): Query<BankQuery>,
) -> Result<Response, PageError> {
    let who = &session.principal;
    let store = s.store.as_ref();
    let (stem, ext) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let format = match ext {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => return Err(PageError::NotFound),
    };
    if !bank::may_open(who) {
        return Err(PageError::Forbidden);
    }
    let pref = pref_of(&s, &session, &q).await?;
    let (sheets, name) = match stem {
        "figures" => {
            let fy = fy_of(&q)?;
            let f = bank::figures(store, who, pref, fy).await?;
            (
                bank::figures_sheets(&f),
                format!("bank-figures-{pref}-{}", fy.year()),
            )
        }
        "posts" => {
            let posts = bank::posts(store, who, pref).await?;
            (
                vec![bank::posts_sheet(&posts)],
                format!("bank-posts-{pref}"),
            )
        }
        _ => return Err(PageError::NotFound),
    };
    let bytes = match format {
        Format::Xlsx => chiiki_tabular::sheets_to_xlsx(&name, &sheets).map_err(internal)?,
        Format::Csv => chiiki_tabular::sheet_to_csv(&sheets[0]).map_err(internal)?,
    };
    Ok(crate::files::attachment(bytes, format, &name))
}

/// The routes of these pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bank", get(home))
        .route("/bank/profile", post(save_profile))
        .route("/bank/posts", post(create_post))
        .route("/bank/posts/{id}", get(show_post).post(edit_post))
        .route("/bank/posts/{id}/state", post(post_state))
        .route("/bank/posts/{id}/apply", post(apply))
        .route("/bank/posts/{id}/introduce", post(introduce))
        .route("/bank/applications/{id}/state", post(move_application))
        .route("/bank/profiles/{id}", get(show_profile))
        .route("/bank/figures", get(figures))
        .route("/bank/{file}", get(file))
}
