//! Joint training and seminars in the browser: an alliance's joint training (under its tabs)
//! and a prefecture centre's seminars — courses, upcoming and past sessions with their seats,
//! a session's roster (registered, the waiting list in order, cancelled) with registration,
//! cancellation (saying who was promoted) and attendance, printable certificates of
//! attendance, and each organisation's yearly attendance against its requirements. Who may do
//! what is decided in `chiiki_app::training::access`; this module shows it.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Html, Response};
use axum::routing::{get, post};
use chiiki_app::AppError;
use chiiki_app::auth::Session as UserSession;
use chiiki_app::training::{self as tr, Enrolment, Place, SessionView};
use chiiki_domain::training::{
    Course, CourseFields, CourseTopic, Job, Registration, RegistrationState, Requirement,
    RequirementFields, Session, SessionFields,
};
use chiiki_domain::{DocScope, FiscalYear, Lang, Msg, Name, format_iso};
use chiiki_tabular::Format;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::alliance::head_of;
use crate::dispatch::{date_time, unknown};
use crate::forms::{Fields, answer, field};
use crate::i18n::T;
use crate::pages::{Chrome, internal, reading, render};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The messages of these pages (part of the catalog in `i18n`).
pub(crate) const MESSAGES: &[(&str, &str, &str)] = &[
    ("training.title", "研修・セミナー", "Training and seminars"),
    (
        "training.intro.alliance",
        "参加法人合同の研修（医療安全・感染対策など）です。定員を超えた申込はキャンセル待ちになり、取消があれば申込順に繰り上がります。",
        "The members' joint training (medical safety, infection control, …). Registrations beyond the seats wait in line and move up, in order, as seats free.",
    ),
    (
        "training.intro.pref",
        "地域医療支援センターの研修・セミナーです。定員を超えた申込はキャンセル待ちになり、取消があれば申込順に繰り上がります。",
        "The centre's seminars. Registrations beyond the seats wait in line and move up, in order, as seats free.",
    ),
    (
        "training.tab.sessions",
        "研修・開催回",
        "Courses and sessions",
    ),
    ("training.tab.attendance", "受講状況", "Attendance"),
    ("training.courses", "研修コース", "Courses"),
    (
        "training.courses.none",
        "研修コースはまだありません。",
        "No courses yet.",
    ),
    ("training.course", "研修コース", "Course"),
    ("training.topic", "分野", "Topic"),
    ("training.credit", "受講時間", "Credited time"),
    ("training.description", "内容", "Description"),
    ("training.upcoming", "これからの開催回", "Upcoming sessions"),
    ("training.past", "終了した開催回", "Past sessions"),
    (
        "training.sessions.none",
        "開催回はありません。",
        "No sessions.",
    ),
    ("training.date", "日時", "Date and time"),
    ("training.place", "会場", "Place"),
    ("training.capacity", "定員", "Seats"),
    ("training.taken", "確定", "Taken"),
    ("training.free", "空き", "Free"),
    ("training.waiting", "キャンセル待ち", "Waiting"),
    ("training.attended", "出席", "Attended"),
    ("training.deadline", "申込締切", "Registration deadline"),
    ("training.cancelled.session", "中止", "Cancelled"),
    ("training.open", "開く", "Open"),
    (
        "training.course.new",
        "研修コースを追加する",
        "Add a course",
    ),
    ("training.course.title", "コース名", "Title"),
    ("training.minutes", "受講時間（分）", "Credited minutes"),
    ("training.add", "追加する", "Add"),
    ("training.session.new", "開催回を追加する", "Add a session"),
    ("training.session.day", "開催日", "Day"),
    ("training.session.start", "開始時刻", "Start time"),
    ("training.session.end", "終了時刻", "End time"),
    (
        "training.deadline.help",
        "空欄なら開始日時まで受け付けます。",
        "Left empty, registrations are taken until the start.",
    ),
    ("training.session", "開催回", "Session"),
    ("training.back", "一覧へ戻る", "Back to the list"),
    ("training.registered", "登録済み", "Registered"),
    (
        "training.waiting.list",
        "キャンセル待ち（申込順）",
        "Waiting list (in order)",
    ),
    ("training.cancelled", "取消", "Cancelled"),
    ("training.no", "番号", "No."),
    ("training.order", "順番", "Place in line"),
    ("training.person", "氏名", "Name"),
    ("training.organisation", "所属", "Organisation"),
    ("training.job", "職種", "Job"),
    ("training.state", "状況", "State"),
    ("training.registered_at", "申込日時", "Registered at"),
    ("training.cancelled_at", "取消日時", "Cancelled at"),
    ("training.none", "なし", "None"),
    ("training.cancel", "取り消す", "Cancel"),
    ("training.promoted", "繰り上げ", "Moved up"),
    (
        "training.promoted.help",
        "取消により、キャンセル待ちから次の人が登録されました:",
        "The cancellation moved these people up from the waiting list:",
    ),
    ("training.register", "申し込む", "Register"),
    ("training.register.new", "申込", "Registration"),
    (
        "training.register.self",
        "登録されている氏名（医師ID付き）で申し込みます。所属を入力してください。",
        "You register under your name in the register (with your doctor id). Give your organisation.",
    ),
    (
        "training.register.closed",
        "申込は締め切りました。",
        "Registration is closed.",
    ),
    (
        "training.attendance.record",
        "出欠を記録する",
        "Record attendance",
    ),
    (
        "training.attendance.help",
        "出席した人にチェックを付けて記録してください。チェックのない人は欠席になります。",
        "Tick those who attended and record: those not ticked are absent.",
    ),
    (
        "training.attendance.later",
        "出欠は開始後に記録できます。",
        "Attendance can be recorded once the session has started.",
    ),
    ("training.certificate", "修了証", "Certificate"),
    (
        "training.certificate.title",
        "修了証",
        "Certificate of attendance",
    ),
    ("training.certificate.number", "証書番号", "Certificate no."),
    (
        "training.certificate.text",
        "上記の者は、次の研修を修了したことを証します。",
        "This is to certify that the person named above completed the following training.",
    ),
    ("training.certificate.issuer", "発行者", "Issued by"),
    ("training.print", "印刷する", "Print"),
    ("training.yearly", "年度ごとの受講状況", "Yearly attendance"),
    (
        "training.yearly.intro",
        "所属ごと・分野ごとの出席数と必要回数です。不足は強調して示します。",
        "Attendances per organisation and topic against what is required; shortfalls are highlighted.",
    ),
    ("training.fy", "年度", "Fiscal year"),
    ("training.show", "表示", "Show"),
    ("training.held", "開催数", "Sessions held"),
    ("training.required", "必要回数", "Required"),
    ("training.status", "充足", "Status"),
    ("training.met", "充足", "Met"),
    ("training.shortfall", "不足", "Short by"),
    (
        "training.yearly.none",
        "この年度の記録はありません。",
        "Nothing in this year.",
    ),
    (
        "training.requirement.new",
        "必要回数を設定する",
        "Set a requirement",
    ),
    ("training.download", "ダウンロード", "Download"),
    ("training.issuer", "主催", "Held by"),
];

/// The routes of these pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/training/{scope}", get(home))
        .route("/training/{scope}/courses", post(add_course))
        .route("/training/{scope}/sessions", post(add_session))
        .route("/training/{scope}/sessions/{id}", get(session_page))
        .route(
            "/training/{scope}/sessions/{id}/registrations",
            post(register),
        )
        .route(
            "/training/{scope}/sessions/{id}/registrations/{reg}/cancel",
            post(cancel),
        )
        .route(
            "/training/{scope}/sessions/{id}/attendance",
            post(attendance_record),
        )
        .route("/training/{scope}/sessions/{id}/{file}", get(roster_file))
        .route("/training/{scope}/certificates/{reg}", get(certificate))
        .route("/training/{scope}/attendance", get(yearly))
        .route("/training/{scope}/requirements", post(set_requirement))
        .route("/training/{scope}/{file}", get(file))
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn scope_of(raw: &str) -> Result<DocScope, PageError> {
    tr::parse_scope(raw).map_err(|_| PageError::NotFound)
}

fn hm(x: NaiveDateTime) -> String {
    x.format("%H:%M").to_string()
}

fn when(chrome: &Chrome, start: NaiveDateTime, end: NaiveDateTime) -> String {
    format!("{} {}–{}", chrome.date(start.date()), hm(start), hm(end))
}

/// The top of every page: an alliance's header and tabs (tab "training"), or the centre's
/// heading and the seminars' own tabs.
pub(crate) struct Top {
    pub scope: String,
    pub heading: String,
    pub sub: String,
    /// The alliance's tabs, when an alliance's: (tab, href, label).
    pub tabs: Vec<(&'static str, String, &'static str)>,
    /// This capability's pages: (id, href, label, current).
    pub pages: Vec<(&'static str, String, &'static str, bool)>,
    pub alliance: bool,
    pub manage: bool,
    pub roster: bool,
    pub enrol_self: bool,
    pub issuer: String,
}

/// The place and the page's top; the navigation entry (alliances or training).
async fn top(
    s: &AppState,
    session: &UserSession,
    raw: &str,
    page: &'static str,
    lang: Lang,
) -> Result<(Place, Top, &'static str), PageError> {
    let scope = scope_of(raw)?;
    let who = &session.principal;
    let t = T(lang);
    let (heading, sub, tabs, nav) = match &scope {
        DocScope::Alliance(_) => {
            let (_, head) = head_of(s, session, raw, "training", lang).await?;
            let tabs = head.tabs(&t);
            (
                head.name.clone(),
                format!("{} · {}", head.pref, head.id),
                tabs,
                "alliances",
            )
        }
        DocScope::Pref(p) => (
            tr::centre_name(*p).get(lang).to_string(),
            t.get("training.title").to_string(),
            Vec::new(),
            "training",
        ),
    };
    let place = tr::place(s.store.as_ref(), who, &scope)
        .await
        .map_err(reading)?;
    let key = scope.key();
    let mut pages = vec![(
        "sessions",
        format!("/training/{key}"),
        t.get("training.tab.sessions"),
        page == "sessions",
    )];
    if place.access.roster {
        pages.push((
            "attendance",
            format!("/training/{key}/attendance"),
            t.get("training.tab.attendance"),
            page == "attendance",
        ));
    }
    let top = Top {
        scope: key,
        heading,
        sub,
        tabs,
        pages,
        alliance: matches!(scope, DocScope::Alliance(_)),
        manage: place.access.manage,
        roster: place.access.roster,
        enrol_self: place.access.enrol_self,
        issuer: place.issuer.get(lang).to_string(),
    };
    Ok((place, top, nav))
}

// ---------------------------------------------------------------------------------------
// Courses and sessions

struct CourseRow {
    id: u64,
    title: String,
    topic: &'static str,
    credit: String,
    description: String,
}

struct SessionLine {
    id: u64,
    when: String,
    course: String,
    place: String,
    capacity: u16,
    taken: usize,
    free: usize,
    waiting: usize,
    attended: usize,
    cancelled: bool,
}

#[derive(Default, Clone)]
struct CourseForm {
    title: String,
    topic: String,
    minutes: String,
    description: String,
}

#[derive(Default, Clone)]
struct SessionForm {
    course: String,
    day: String,
    start: String,
    end: String,
    place: String,
    capacity: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "training_home.html")]
struct HomePage {
    chrome: Chrome,
    top: Top,
    error: Option<String>,
    courses: Vec<CourseRow>,
    upcoming: Vec<SessionLine>,
    past: Vec<SessionLine>,
    topics: Vec<(&'static str, &'static str)>,
    course_form: CourseForm,
    session_form: SessionForm,
}

#[derive(Default)]
struct HomeAgain {
    error: Option<Msg>,
    course: Option<CourseForm>,
    session: Option<SessionForm>,
}

/// `GET /training/{scope}`.
async fn home(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
) -> Result<Html<String>, PageError> {
    home_page(&s, &session, prefs, &uri, &raw, HomeAgain::default()).await
}

async fn home_page(
    s: &AppState,
    session: &UserSession,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    again: HomeAgain,
) -> Result<Html<String>, PageError> {
    let (place, top, nav) = top(s, session, raw, "sessions", prefs.lang).await?;
    let chrome = Chrome::new(session, prefs, nav, uri);
    let who = &session.principal;
    let store = s.store.as_ref();
    let lang = prefs.lang;
    let courses = tr::courses(store, who, &place.scope)
        .await
        .map_err(reading)?;
    let rows = tr::sessions(store, who, &place.scope, now())
        .await
        .map_err(reading)?;
    let line = |r: &tr::SessionRow| SessionLine {
        id: r.session.id,
        when: when(&chrome, r.session.start, r.session.end),
        course: r.course.title.to_string(),
        place: r.session.place.clone(),
        capacity: r.session.capacity,
        taken: r.figures.confirmed,
        free: r.figures.free,
        waiting: r.figures.waiting,
        attended: r.figures.attended,
        cancelled: r.session.cancelled,
    };
    let n = now();
    let upcoming = rows
        .iter()
        .filter(|r| r.session.end > n)
        .map(line)
        .collect();
    let mut past: Vec<SessionLine> = rows
        .iter()
        .filter(|r| r.session.end <= n)
        .map(line)
        .collect();
    past.reverse();
    render(&HomePage {
        error: again.error.map(|m| m.to_string()),
        courses: courses
            .iter()
            .map(|c| CourseRow {
                id: c.id,
                title: c.title.to_string(),
                topic: c.topic.label(lang),
                credit: c.credit().get(lang).to_string(),
                description: c.description.clone(),
            })
            .collect(),
        upcoming,
        past,
        topics: CourseTopic::ALL
            .iter()
            .map(|t| (t.code(), t.label(lang)))
            .collect(),
        course_form: again.course.unwrap_or_else(|| CourseForm {
            minutes: "60".into(),
            ..CourseForm::default()
        }),
        session_form: again.session.unwrap_or_else(|| SessionForm {
            start: "14:00".into(),
            end: "15:30".into(),
            capacity: "20".into(),
            ..SessionForm::default()
        }),
        top,
        chrome,
    })
}

/// `POST /training/{scope}/courses`.
async fn add_course(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let scope = scope_of(&raw)?;
    let form = CourseForm {
        title: field(&f, "title").into(),
        topic: field(&f, "topic").into(),
        minutes: field(&f, "minutes").into(),
        description: field(&f, "description").into(),
    };
    let result = async {
        let title = Name::parse(&form.title).map_err(AppError::invalid)?;
        let topic = CourseTopic::parse(&form.topic)
            .map_err(|_| unknown(Msg::new("分野", "topic"), &form.topic))?;
        let minutes = number(
            &form.minutes,
            Msg::new("受講時間（分）", "credited minutes"),
        )?;
        let course = Course::new(CourseFields {
            id: 0,
            scope: scope.clone(),
            title,
            topic,
            description: form.description.clone(),
            minutes,
        })
        .map_err(AppError::invalid)?;
        tr::add_course(s.store.as_ref(), &session.principal, course).await
    }
    .await;
    let again = HomeAgain {
        course: Some(form.clone()),
        ..HomeAgain::default()
    };
    answer(
        result,
        |c| format!("/training/{raw}#course-{}", c.id),
        |m| {
            home_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                HomeAgain {
                    error: Some(m),
                    ..again
                },
            )
        },
    )
    .await
}

fn number(text: &str, what: Msg) -> Result<u16, AppError> {
    text.trim().parse::<u16>().map_err(|_| {
        AppError::Rejected(Msg::new(
            format!("{}「{text}」が数として読めません", what.ja),
            format!("the {} '{text}' is not a number", what.en),
        ))
    })
}

/// `POST /training/{scope}/sessions`.
async fn add_session(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let scope = scope_of(&raw)?;
    let form = SessionForm {
        course: field(&f, "course").into(),
        day: field(&f, "day").into(),
        start: field(&f, "start").into(),
        end: field(&f, "end").into(),
        place: field(&f, "place").into(),
        capacity: field(&f, "capacity").into(),
        deadline: field(&f, "deadline").into(),
    };
    let result = async {
        let course: u64 = form
            .course
            .parse()
            .map_err(|_| unknown(Msg::new("研修コース", "course"), &form.course))?;
        let start = date_time(&form.day, &form.start, Msg::new("開始", "start"))?;
        let end = date_time(&form.day, &form.end, Msg::new("終了", "end"))?;
        let deadline = if form.deadline.is_empty() {
            start
        } else {
            date_time(&form.deadline, "23:59", Msg::new("申込締切", "deadline"))?.min(start)
        };
        let capacity = number(&form.capacity, Msg::new("定員", "seats"))?;
        let input = Session::new(SessionFields {
            id: 0,
            course,
            scope: scope.clone(),
            start,
            end,
            place: form.place.clone(),
            capacity,
            deadline,
            cancelled: false,
        })
        .map_err(AppError::invalid)?;
        tr::add_session(s.store.as_ref(), &session.principal, input).await
    }
    .await;
    let again = HomeAgain {
        session: Some(form.clone()),
        ..HomeAgain::default()
    };
    answer(
        result,
        |x| format!("/training/{raw}/sessions/{}", x.id),
        |m| {
            home_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                HomeAgain {
                    error: Some(m),
                    ..again
                },
            )
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------
// A session

struct RegRow {
    id: u64,
    order: usize,
    person: String,
    organisation: String,
    job: &'static str,
    state: &'static str,
    registered_at: String,
    cancelled_at: String,
    can_cancel: bool,
    attended: bool,
    certificate: bool,
}

#[derive(Default, Clone)]
struct RegisterForm {
    person: String,
    organisation: String,
    job: String,
}

#[derive(Template)]
#[template(path = "training_session.html")]
struct SessionPage {
    chrome: Chrome,
    top: Top,
    error: Option<String>,
    id: u64,
    course: String,
    topic: &'static str,
    credit: String,
    when: String,
    place: String,
    deadline: String,
    cancelled: bool,
    capacity: u16,
    taken: usize,
    free: usize,
    waiting_count: usize,
    registered: Vec<RegRow>,
    waiting: Vec<RegRow>,
    cancelled_rows: Vec<RegRow>,
    promoted: Vec<String>,
    started: bool,
    open: bool,
    /// Attendance can be recorded: started, managed, not cancelled.
    marking: bool,
    confirmed_ids: String,
    organisations: Vec<String>,
    jobs: Vec<(&'static str, &'static str)>,
    form: RegisterForm,
}

#[derive(Deserialize, Default)]
struct SessionQuery {
    promoted: Option<String>,
}

/// `GET /training/{scope}/sessions/{id}?promoted=`.
async fn session_page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, id)): Path<(String, u64)>,
    Query(q): Query<SessionQuery>,
) -> Result<Html<String>, PageError> {
    show_session(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        id,
        q.promoted.as_deref(),
        None,
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show_session(
    s: &AppState,
    session: &UserSession,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    id: u64,
    promoted: Option<&str>,
    error: Option<Msg>,
    form: Option<RegisterForm>,
) -> Result<Html<String>, PageError> {
    let (place, top, nav) = top(s, session, raw, "sessions", prefs.lang).await?;
    let chrome = Chrome::new(session, prefs, nav, uri);
    let who = &session.principal;
    let store = s.store.as_ref();
    let lang = prefs.lang;
    let n = now();
    let SessionView {
        course,
        session: x,
        figures,
        registrations,
        ..
    } = tr::session(store, who, &place.scope, id, n)
        .await
        .map_err(reading)?;
    let started = x.started(n);
    let stamp = |t: NaiveDateTime| format!("{} {}", chrome.date(t.date()), hm(t));
    let manage = place.access.manage;
    let row = |r: &Registration, order: usize| {
        let mine = who.doctor.is_some() && r.doctor == who.doctor;
        RegRow {
            id: r.id,
            order,
            person: r.person.to_string(),
            organisation: r.organisation.to_string(),
            job: r.job.map(|j| j.label(lang)).unwrap_or(""),
            state: r.state.label(lang),
            registered_at: stamp(r.registered_at),
            cancelled_at: r.cancelled_at.map(stamp).unwrap_or_default(),
            can_cancel: !started
                && !x.cancelled
                && matches!(
                    r.state,
                    RegistrationState::Registered | RegistrationState::Waiting
                )
                && (manage || (place.access.enrol_self && mine)),
            attended: r.state == RegistrationState::Attended,
            certificate: r.state == RegistrationState::Attended,
        }
    };
    let registered: Vec<RegRow> = registrations
        .iter()
        .filter(|r| r.state.is_confirmed())
        .enumerate()
        .map(|(i, r)| row(r, i + 1))
        .collect();
    let waiting: Vec<RegRow> = chiiki_domain::training::waiting_list(&x, &registrations)
        .into_iter()
        .enumerate()
        .map(|(i, r)| row(r, i + 1))
        .collect();
    let cancelled_rows: Vec<RegRow> = registrations
        .iter()
        .filter(|r| r.state == RegistrationState::Cancelled)
        .enumerate()
        .map(|(i, r)| row(r, i + 1))
        .collect();
    let promoted: Vec<String> = promoted
        .unwrap_or("")
        .split(',')
        .filter_map(|p| p.trim().parse::<u64>().ok())
        .filter_map(|p| registrations.iter().find(|r| r.id == p))
        .map(|r| format!("{}（{}）", r.person, r.organisation))
        .collect();
    let organisations = tr::organisations(store, who, &place.scope, n.date())
        .await
        .map_err(reading)?
        .iter()
        .map(|m| m.to_string())
        .collect();
    let confirmed_ids = registered
        .iter()
        .map(|r| r.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    render(&SessionPage {
        error: error.map(|m| m.to_string()),
        id: x.id,
        course: course.title.to_string(),
        topic: course.topic.label(lang),
        credit: course.credit().get(lang).to_string(),
        when: when(&chrome, x.start, x.end),
        place: x.place.clone(),
        deadline: stamp(x.deadline),
        cancelled: x.cancelled,
        capacity: x.capacity,
        taken: figures.confirmed,
        free: figures.free,
        waiting_count: figures.waiting,
        registered,
        waiting,
        cancelled_rows,
        promoted,
        started,
        open: !x.cancelled && n <= x.deadline,
        marking: started && manage && !x.cancelled,
        confirmed_ids,
        organisations,
        jobs: Job::ALL.iter().map(|j| (j.code(), j.label(lang))).collect(),
        form: form.unwrap_or_default(),
        top,
        chrome,
    })
}

/// `POST /training/{scope}/sessions/{id}/registrations`.
async fn register(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, id)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let scope = scope_of(&raw)?;
    let form = RegisterForm {
        person: field(&f, "person").into(),
        organisation: field(&f, "organisation").into(),
        job: field(&f, "job").into(),
    };
    let result = async {
        let job = match form.job.as_str() {
            "" => None,
            j => Some(Job::parse(j).map_err(|_| unknown(Msg::new("職種", "job"), j))?),
        };
        let input = Enrolment {
            person: form.person.clone(),
            organisation: form.organisation.clone(),
            job,
        };
        tr::register(
            s.store.as_ref(),
            &session.principal,
            &scope,
            id,
            input,
            now(),
        )
        .await
    }
    .await;
    let kept = form.clone();
    answer(
        result,
        |r| format!("/training/{raw}/sessions/{id}#reg-{}", r.id),
        |m| {
            show_session(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                id,
                None,
                Some(m),
                Some(kept),
            )
        },
    )
    .await
}

/// `POST /training/{scope}/sessions/{id}/registrations/{reg}/cancel`: back to the session,
/// saying who moved up.
async fn cancel(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, id, reg)): Path<(String, u64, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let scope = scope_of(&raw)?;
    let result = tr::cancel(s.store.as_ref(), &session.principal, &scope, id, reg, now()).await;
    answer(
        result,
        |changed| {
            let promoted: Vec<String> = changed[1..].iter().map(|r| r.id.to_string()).collect();
            if promoted.is_empty() {
                format!("/training/{raw}/sessions/{id}")
            } else {
                format!(
                    "/training/{raw}/sessions/{id}?promoted={}#promoted",
                    promoted.join(",")
                )
            }
        },
        |m| show_session(&s, &session, prefs, &uri, &raw, id, None, Some(m), None),
    )
    .await
}

/// `POST /training/{scope}/sessions/{id}/attendance`: `ids` the confirmed registrations
/// shown, `att-{id}` ticked for those who attended.
async fn attendance_record(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, id)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let scope = scope_of(&raw)?;
    let marks: Vec<(u64, bool)> = field(&f, "ids")
        .split(',')
        .filter_map(|x| x.trim().parse::<u64>().ok())
        .map(|r| (r, f.contains_key(&format!("att-{r}"))))
        .collect();
    let result = tr::record_attendance(
        s.store.as_ref(),
        &session.principal,
        &scope,
        id,
        marks,
        now(),
    )
    .await;
    answer(
        result,
        |_| format!("/training/{raw}/sessions/{id}#registered"),
        |m| show_session(&s, &session, prefs, &uri, &raw, id, None, Some(m), None),
    )
    .await
}

/// `GET /training/{scope}/sessions/{id}/roster.xlsx|csv`.
async fn roster_file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, id, file)): Path<(String, u64, String)>,
) -> Result<Response, PageError> {
    let scope = scope_of(&raw)?;
    let format = match file.as_str() {
        "roster.xlsx" => Format::Xlsx,
        "roster.csv" => Format::Csv,
        _ => return Err(PageError::NotFound),
    };
    let who = &session.principal;
    let place = tr::place(s.store.as_ref(), who, &scope)
        .await
        .map_err(reading)?;
    if !place.access.roster {
        return Err(PageError::Forbidden);
    }
    let view = tr::session(s.store.as_ref(), who, &scope, id, now())
        .await
        .map_err(reading)?;
    let sheet = tr::roster_sheet(&view.registrations);
    download(
        vec![sheet],
        format,
        &format!("{}-session-{id}", scope.key()),
    )
}

fn download(
    sheets: Vec<chiiki_tabular::Sheet>,
    format: Format,
    name: &str,
) -> Result<Response, PageError> {
    let bytes = match format {
        Format::Xlsx => chiiki_tabular::sheets_to_xlsx(name, &sheets).map_err(internal)?,
        Format::Csv => {
            let [sheet] = sheets.as_slice() else {
                return Err(PageError::NotFound);
            };
            chiiki_tabular::sheet_to_csv(sheet).map_err(internal)?
        }
    };
    Ok(crate::files::attachment(bytes, format, name))
}

// ---------------------------------------------------------------------------------------
// Certificates

#[derive(Template)]
#[template(path = "training_certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    number: String,
    person: String,
    organisation: String,
    course: String,
    topic: &'static str,
    date_wareki: String,
    date_iso: String,
    time: String,
    credit: String,
    hours: String,
    issuer: String,
    place: String,
    back: String,
}

/// `GET /training/{scope}/certificates/{registration}`: a printable certificate of an
/// attended registration.
async fn certificate(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, reg)): Path<(String, u64)>,
) -> Result<Html<String>, PageError> {
    let scope = scope_of(&raw)?;
    let nav = if matches!(scope, DocScope::Alliance(_)) {
        "alliances"
    } else {
        "training"
    };
    let issued = tr::certificate(s.store.as_ref(), &session.principal, &scope, reg)
        .await
        .map_err(|e| match e {
            AppError::Invalid(_) => PageError::NotFound,
            other => reading(other),
        })?;
    let c = &issued.certificate;
    let chrome = Chrome::new(&session, prefs, nav, &uri);
    let lang = prefs.lang;
    let hours = f64::from(c.minutes) / 60.0;
    render(&CertificatePage {
        number: c.number.clone(),
        person: c.person.to_string(),
        organisation: c.organisation.to_string(),
        course: c.course.to_string(),
        topic: c.topic.label(lang),
        date_wareki: c.date_wareki.clone(),
        date_iso: format_iso(c.start.date()),
        time: format!("{}–{}", hm(c.start), hm(c.end)),
        credit: c.credit.get(lang).to_string(),
        hours: if c.minutes % 60 == 0 {
            format!("{hours:.0}")
        } else {
            format!("{hours:.1}")
        },
        issuer: issued.issuer.get(lang).to_string(),
        place: issued.place.clone(),
        back: format!("/training/{raw}"),
        chrome,
    })
}

// ---------------------------------------------------------------------------------------
// Yearly attendance

struct YearLine {
    organisation: String,
    topic: &'static str,
    held: usize,
    attended: usize,
    required: usize,
    met: bool,
    shortfall: usize,
}

#[derive(Default, Clone)]
struct RequirementForm {
    organisation: String,
    fy: String,
    topic: String,
    required: String,
}

#[derive(Template)]
#[template(path = "training_attendance.html")]
struct YearPage {
    chrome: Chrome,
    top: Top,
    error: Option<String>,
    fy: i32,
    fy_label: String,
    lines: Vec<YearLine>,
    organisations: Vec<String>,
    topics: Vec<(&'static str, &'static str)>,
    form: RequirementForm,
}

#[derive(Deserialize, Default)]
struct FyQuery {
    fy: Option<String>,
}

fn fiscal_year(asked: Option<&str>) -> Result<FiscalYear, PageError> {
    match asked.map(str::trim).filter(|x| !x.is_empty()) {
        None => Ok(FiscalYear::of(now().date())),
        Some(x) => FiscalYear::parse(x).map_err(|_| {
            PageError::BadRequest(Msg::new(
                format!("年度「{x}」が読めません。2025 のように指定してください"),
                format!("cannot read the fiscal year '{x}': give it like 2025"),
            ))
        }),
    }
}

/// `GET /training/{scope}/attendance?fy=2025`.
async fn yearly(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Query(q): Query<FyQuery>,
) -> Result<Html<String>, PageError> {
    let fy = fiscal_year(q.fy.as_deref())?;
    year_page(&s, &session, prefs, &uri, &raw, fy, None, None).await
}

#[allow(clippy::too_many_arguments)]
async fn year_page(
    s: &AppState,
    session: &UserSession,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    fy: FiscalYear,
    error: Option<Msg>,
    form: Option<RequirementForm>,
) -> Result<Html<String>, PageError> {
    let (place, top, nav) = top(s, session, raw, "attendance", prefs.lang).await?;
    if !place.access.roster {
        return Err(PageError::Forbidden);
    }
    let chrome = Chrome::new(session, prefs, nav, uri);
    let who = &session.principal;
    let store = s.store.as_ref();
    let lang = prefs.lang;
    let lines = tr::attendance(store, who, &place.scope, fy)
        .await
        .map_err(reading)?
        .into_iter()
        .map(|l| YearLine {
            organisation: l.organisation.to_string(),
            topic: l.topic.label(lang),
            held: l.sessions_held,
            attended: l.attended,
            required: l.required,
            met: l.met,
            shortfall: l.shortfall,
        })
        .collect();
    let organisations = tr::organisations(store, who, &place.scope, now().date())
        .await
        .map_err(reading)?
        .iter()
        .map(|m| m.to_string())
        .collect();
    render(&YearPage {
        error: error.map(|m| m.to_string()),
        fy: fy.year(),
        fy_label: crate::pages::fy(lang, fy.year()),
        lines,
        organisations,
        topics: CourseTopic::ALL
            .iter()
            .map(|t| (t.code(), t.label(lang)))
            .collect(),
        form: form.unwrap_or_else(|| RequirementForm {
            fy: fy.year().to_string(),
            required: "2".into(),
            ..RequirementForm::default()
        }),
        top,
        chrome,
    })
}

/// `POST /training/{scope}/requirements`.
async fn set_requirement(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let scope = scope_of(&raw)?;
    let form = RequirementForm {
        organisation: field(&f, "organisation").into(),
        fy: field(&f, "fy").into(),
        topic: field(&f, "topic").into(),
        required: field(&f, "required").into(),
    };
    let shown = FiscalYear::parse(&form.fy).unwrap_or_else(|_| FiscalYear::of(now().date()));
    let result = async {
        let organisation = Name::parse(&form.organisation).map_err(AppError::invalid)?;
        let fiscal_year = FiscalYear::parse(&form.fy).map_err(AppError::invalid)?;
        let topic = CourseTopic::parse(&form.topic)
            .map_err(|_| unknown(Msg::new("分野", "topic"), &form.topic))?;
        let required = number(&form.required, Msg::new("必要回数", "required attendances"))?;
        let input = Requirement::new(RequirementFields {
            id: 0,
            scope: scope.clone(),
            organisation,
            fiscal_year,
            topic,
            required,
        })
        .map_err(AppError::invalid)?;
        tr::set_requirement(s.store.as_ref(), &session.principal, input).await
    }
    .await;
    let kept = form.clone();
    answer(
        result,
        |r| format!("/training/{raw}/attendance?fy={}", r.fiscal_year.year()),
        |m| year_page(&s, &session, prefs, &uri, &raw, shown, Some(m), Some(kept)),
    )
    .await
}

/// `GET /training/{scope}/{file}`: `attendance.xlsx|csv?fy=`, `sessions.xlsx|csv`.
async fn file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, file)): Path<(String, String)>,
    Query(q): Query<FyQuery>,
) -> Result<Response, PageError> {
    let scope = scope_of(&raw)?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let (stem, ext) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let format = match ext {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => return Err(PageError::NotFound),
    };
    let (sheet, name) = match stem {
        "attendance" => {
            let fy = fiscal_year(q.fy.as_deref())?;
            let lines = tr::attendance(store, who, &scope, fy)
                .await
                .map_err(reading)?;
            (
                tr::attendance_sheet(fy, &lines),
                format!("{}-attendance-{}", scope.key(), fy.year()),
            )
        }
        "sessions" => {
            let rows = tr::sessions(store, who, &scope, now())
                .await
                .map_err(reading)?;
            (
                tr::sessions_sheet(&rows),
                format!("{}-sessions", scope.key()),
            )
        }
        _ => return Err(PageError::NotFound),
    };
    download(vec![sheet], format, &name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_year_of_now_is_a_fiscal_year() {
        let fy = super::fiscal_year(None).ok().unwrap();
        let today = super::now().date();
        assert!(fy.start() <= today && today <= fy.end());
        assert!(super::fiscal_year(Some("2025")).ok().unwrap().year() == 2025);
        assert!(super::fiscal_year(Some("x")).is_err());
    }
}
