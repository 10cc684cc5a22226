//! Dispatch of substitute doctors (代診医派遣) in the browser. One page per month shows each
//! user their part: a facility asks for cover and follows its requests; a doctor offers
//! days, reports hours, sees their dispatches and their hours against the caps; the centre
//! sees every request of the prefecture, solves the month and opens the runs. A run's page
//! shows who goes where, why each unfilled request is unfilled, and confirms. The fiscal
//! year's statistics and the month's hours are pages and downloads. The rules are in
//! `chiiki_app::dispatch`; this module shows them.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Response};
use chiiki_app::AppError;
use chiiki_app::access::Principal;
use chiiki_app::auth::Session;
use chiiki_app::dispatch::{self as dx, Month};
use chiiki_domain::{
    DoctorId, DutyKind, Explain, FacilityId, FiscalYear, Lang, Msg, NaiveDate, PrefCode,
    RequestState, Role, Specialty, Urgency,
};
use chiiki_roster::hours::Severity;
use chiiki_tabular::Format;
use chrono::{NaiveDateTime, NaiveTime};
use serde::Deserialize;

use crate::forms::{Fields, answer, field};
use crate::pages::{Chrome, internal, percent, pref_name};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// `?month=&pref=&fy=` of the dispatch pages.
#[derive(Deserialize, Default)]
pub(crate) struct DispatchQuery {
    month: Option<String>,
    pref: Option<String>,
    fy: Option<String>,
    by: Option<String>,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The month asked for, else the next one (the one being planned).
pub(crate) fn month_of(asked: Option<&str>) -> Result<Month, PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Month::parse(s).map_err(|_| {
            PageError::BadRequest(Msg::new(
                format!("月「{s}」が読めません。2026-12 のように指定してください"),
                format!("cannot read the month '{s}': give it like 2026-12"),
            ))
        }),
        None => Ok(Month::of(today()).following()),
    }
}

/// The prefecture of the pages: the user's own, or an administrator's `?pref=` (Iwate, the
/// demo's, when they give none). A code that is not one is a page that does not exist.
pub(crate) fn pref_of(who: &Principal, asked: Option<&str>) -> Result<PrefCode, PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => PrefCode::parse(s).map_err(|_| PageError::NotFound),
        None => Ok(who.pref.unwrap_or_else(chiiki_app::demo::iwate)),
    }
}

/// What links carry to stay in a prefecture that is not the user's own: `&pref=03`.
pub(crate) fn suffix(who: &Principal, pref: PrefCode) -> String {
    if who.pref == Some(pref) {
        String::new()
    } else {
        format!("&pref={pref}")
    }
}

fn time(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

/// A period of duty as the pages show it: `2026-12-10 08:30–17:15`, or across days.
fn when(chrome: &Chrome, start: NaiveDateTime, end: NaiveDateTime) -> String {
    if start.date() == end.date() {
        format!(
            "{} {}–{}",
            chrome.date(start.date()),
            time(start),
            time(end)
        )
    } else {
        format!(
            "{} {} – {} {}",
            chrome.date(start.date()),
            time(start),
            chrome.date(end.date()),
            time(end)
        )
    }
}

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

// ---------------------------------------------------------------------------------------
// The month's page

struct RequestLine {
    id: u64,
    facility: String,
    area: String,
    when: String,
    kind: &'static str,
    urgency: &'static str,
    skills: String,
    state: String,
    open: bool,
    doctor: String,
    travel: String,
    note: String,
}

struct OfferLine {
    id: u64,
    when: String,
    base: String,
    note: String,
}

struct DispatchLine {
    request: u64,
    facility: String,
    when: String,
    kind: &'static str,
    travel: String,
    /// On-call kinds: the minutes worked can be recorded.
    on_call: bool,
    worked: String,
}

struct RunLine {
    seq: u32,
    href: String,
    filled: String,
    cover: String,
    created: String,
}

struct HoursLine {
    month: String,
    year: String,
    month_left: String,
    year_left: String,
    level: &'static str,
    findings: Vec<(String, bool)>,
}

/// The request form as sent, to show it again with its problem.
#[derive(Default)]
struct AskForm {
    facility: String,
    date: String,
    start: String,
    end: String,
    kind: String,
    urgency: String,
    skill: String,
    note: String,
}

#[derive(Default)]
struct OfferForm {
    from_date: String,
    from_time: String,
    to_date: String,
    to_time: String,
    base: String,
    note: String,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct MonthPage {
    chrome: Chrome,
    pref: String,
    pref_name: &'static str,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    suffix: String,
    error: Option<String>,
    /// A facility or the centre: the request form and the requests.
    can_ask: bool,
    /// The facility's own id (a facility account), else the centre chooses.
    own_facility: Option<String>,
    facilities: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    urgencies: Vec<(&'static str, &'static str)>,
    specialties: Vec<(&'static str, &'static str)>,
    ask: AskForm,
    requests: Vec<RequestLine>,
    /// The centre: solve and runs.
    can_plan: bool,
    can_read: bool,
    runs: Vec<RunLine>,
    /// A doctor: offers, dispatches, hours.
    doctor: Option<String>,
    offer: OfferForm,
    offers: Vec<OfferLine>,
    dispatches: Vec<DispatchLine>,
    /// Duties on the published duty rosters of the month: facility, when, shift.
    rostered: Vec<(String, String, String)>,
    my_hours: Option<HoursLine>,
    reports: Vec<(String, String, String, String)>,
}

fn labels<E: Copy>(
    all: &[E],
    code: impl Fn(E) -> &'static str,
    label: impl Fn(E) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|&e| (code(e), label(e))).collect()
}

/// The month's page shown again after a form: the form as it was sent, and its problem.
#[derive(Default)]
struct Again {
    ask: Option<AskForm>,
    offer: Option<OfferForm>,
    error: Option<Msg>,
}

/// What a form of the month's page answers: the month `to` gives on success, else the
/// month's page again with the form as sent and its problem.
#[allow(clippy::too_many_arguments)]
async fn answered<T>(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    pref: PrefCode,
    month: Month,
    result: Result<T, AppError>,
    to: impl FnOnce(&T) -> Month,
    again: Again,
) -> Result<Response, PageError> {
    let who = &session.principal;
    answer(
        result,
        |v| back(who, pref, to(&v)),
        |m| {
            let again = Again {
                error: Some(m),
                ..again
            };
            month_page(s, session, prefs, uri, pref, month, again)
        },
    )
    .await
}

async fn month_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    pref: PrefCode,
    month: Month,
    again: Again,
) -> Result<Html<String>, PageError> {
    let Again { ask, offer, error } = again;
    let who = &session.principal;
    let lang = prefs.lang;
    let chrome = Chrome::new(session, prefs, "dispatch", uri);
    let store = s.store.as_ref();
    let can_read = dx::may_read(who);
    let can_plan = dx::may_plan(who) && who.region_pref(Some(pref)).is_ok();
    let can_ask = who.role == Role::Facility || can_plan;
    if who.role != Role::Doctor && who.role != Role::Facility && !can_read {
        return Err(PageError::Forbidden);
    }
    // Requests: a facility its own, the centre all of the prefecture's.
    let rows = if can_ask || can_read {
        dx::requests(store, who, pref, Some(month)).await?
    } else {
        Vec::new()
    };
    let requests = rows
        .iter()
        .map(|r| RequestLine {
            id: r.request.id,
            facility: r.facility_name.clone(),
            area: r.area.clone(),
            when: when(&chrome, r.request.start, r.request.end),
            kind: r.request.kind.label(lang),
            urgency: r.request.urgency.label(lang),
            skills: r.request.skills.join("・"),
            state: r.request.state.label().get(lang).to_string(),
            open: r.request.state == RequestState::Open,
            doctor: r
                .doctor
                .as_ref()
                .map_or(String::new(), |(id, n)| format!("{n}（{id}）")),
            travel: r.travel_minutes.map_or(String::new(), |m| format!("{m}")),
            note: r.request.note.clone(),
        })
        .collect();
    let facilities = if can_plan {
        let mut list: Vec<(String, String)> = store
            .list_facilities(&chiiki_store::FacilityFilter {
                pref: Some(pref),
                paging: chiiki_store::Paging {
                    offset: 0,
                    limit: None,
                },
                ..Default::default()
            })
            .await
            .map_err(AppError::from)?
            .items
            .into_iter()
            .filter(|f| f.coordinates.is_some())
            .map(|f| (f.id.to_string(), f.name.to_string()))
            .collect();
        list.sort();
        list
    } else {
        Vec::new()
    };
    let runs = if can_read && who.role != Role::Facility {
        dx::runs(store, who, pref)
            .await?
            .into_iter()
            .filter(|r| r.month == month)
            .map(|r| RunLine {
                seq: r.seq,
                href: format!(
                    "/dispatch/runs/{}?month={month}{}",
                    r.seq,
                    suffix(who, pref)
                ),
                filled: format!("{} / {}", r.figures.filled, r.figures.requests),
                cover: percent(r.figures.weighted_cover),
                created: format!(
                    "{} · {}",
                    r.created_by,
                    r.created_at.format("%Y-%m-%d %H:%M UTC")
                ),
            })
            .collect()
    } else {
        Vec::new()
    };
    // A doctor's own part.
    let mut offers = Vec::new();
    let mut dispatches = Vec::new();
    let mut rostered = Vec::new();
    let mut my_hours = None;
    let mut reports = Vec::new();
    let doctor = who.doctor.clone().filter(|_| who.role == Role::Doctor);
    if let Some(me) = &doctor {
        for o in dx::offers(store, who, me, Some(month.first())).await? {
            offers.push(OfferLine {
                id: o.id,
                when: when(&chrome, o.from, o.to),
                base: o.base.map_or(String::new(), |b| b.to_string()),
                note: o.note,
            });
        }
        for d in dx::dispatches_of(store, who, me, Some(month.previous().first())).await? {
            dispatches.push(DispatchLine {
                request: d.request.id,
                facility: d.facility_name,
                when: when(&chrome, d.request.start, d.request.end),
                kind: d.request.kind.label(lang),
                travel: d.dispatch.travel_minutes.to_string(),
                on_call: matches!(
                    d.request.kind,
                    DutyKind::PermittedNightDuty | DutyKind::OnCall
                ),
                worked: d
                    .dispatch
                    .worked_minutes
                    .map_or(String::new(), |m| m.to_string()),
            });
        }
        for d in chiiki_app::duty::duties_of(store, who, me, month).await? {
            rostered.push((
                d.facility,
                when(&chrome, d.start, d.end),
                format!("{} {} · {}", d.code, d.name, d.kind.label(lang)),
            ));
        }
        let (h, list) = dx::my_hours(store, who, me, month).await?;
        my_hours = Some(hours_line(&h, lang));
        reports = list
            .into_iter()
            .map(|r| {
                (
                    r.employer,
                    hours(r.month_minutes),
                    hours(r.year_minutes),
                    r.interview.map_or(String::new(), |d| chrome.date(d)),
                )
            })
            .collect();
    }
    let page = MonthPage {
        pref: pref.to_string(),
        pref_name: pref_name(pref, lang),
        month: month.to_string(),
        month_label: month.label(lang),
        prev: month.previous().to_string(),
        next: month.following().to_string(),
        suffix: suffix(who, pref),
        error: error.map(|m| m.get(lang).to_string()),
        can_ask,
        own_facility: who
            .facility
            .as_ref()
            .filter(|_| who.role == Role::Facility)
            .map(|f| f.to_string()),
        facilities,
        kinds: labels(DutyKind::ALL, DutyKind::code, |k| k.label(lang)),
        urgencies: labels(Urgency::ALL, Urgency::code, |u| u.label(lang)),
        specialties: labels(Specialty::ALL, Specialty::code, |x| x.label(lang)),
        ask: ask.unwrap_or_else(|| AskForm {
            start: "08:30".into(),
            end: "17:15".into(),
            kind: DutyKind::ClinicDay.code().into(),
            urgency: Urgency::Soon.code().into(),
            ..Default::default()
        }),
        requests,
        can_plan,
        can_read,
        runs,
        doctor: doctor.map(|d| d.to_string()),
        offer: offer.unwrap_or_else(|| OfferForm {
            from_time: "07:00".into(),
            to_time: "21:00".into(),
            ..Default::default()
        }),
        offers,
        dispatches,
        rostered,
        my_hours,
        reports,
        chrome,
    };
    Ok(Html(page.render()?))
}

fn hours_line(h: &dx::DoctorHours, lang: Lang) -> HoursLine {
    HoursLine {
        month: hours(h.month_minutes),
        year: hours(h.year_minutes),
        month_left: hours(h.month_left),
        year_left: hours(h.year_left),
        level: h.level.label(lang),
        findings: h
            .findings
            .iter()
            .map(|b| {
                (
                    b.message.get(lang).to_string(),
                    matches!(b.severity, Severity::Breach | Severity::Action),
                )
            })
            .collect(),
    }
}

/// `GET /dispatch?month=2026-12`: the month, each user's part of it.
pub(crate) async fn page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<DispatchQuery>,
) -> Result<Html<String>, PageError> {
    let pref = pref_of(&session.principal, q.pref.as_deref())?;
    let month = month_of(q.month.as_deref())?;
    month_page(&s, &session, prefs, &uri, pref, month, Again::default()).await
}

/// The month a form was sent from, and the prefecture.
fn form_place(who: &Principal, f: &Fields) -> Result<(PrefCode, Month), PageError> {
    Ok((
        pref_of(who, Some(field(f, "pref")))?,
        month_of(Some(field(f, "month")))?,
    ))
}

fn back(who: &Principal, pref: PrefCode, month: Month) -> String {
    format!("/dispatch?month={month}{}", suffix(who, pref))
}

fn parse_date(text: &str) -> Result<NaiveDate, AppError> {
    chiiki_domain::parse_date(text).map_err(|e| AppError::Rejected(e.said()))
}

pub(crate) fn date_time(date: &str, time: &str, what: Msg) -> Result<NaiveDateTime, AppError> {
    let d = parse_date(date)?;
    let t = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| {
        AppError::Rejected(Msg::new(
            format!(
                "{}の時刻「{time}」が読めません。08:30 のように書いてください",
                what.ja
            ),
            format!(
                "cannot read the {} time '{time}': write it like 08:30",
                what.en
            ),
        ))
    })?;
    Ok(d.and_time(t))
}

pub(crate) fn unknown(what: Msg, value: &str) -> AppError {
    AppError::Rejected(Msg::new(
        format!("{}「{value}」は選べません。一覧から選んでください", what.ja),
        format!(
            "{} '{value}' is not one of the choices: pick one from the list",
            what.en
        ),
    ))
}

/// `POST /dispatch/requests`: a facility (or the centre) asks for cover.
pub(crate) async fn ask(
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
    // Refused before reading the form; the app decides again for the facility asked about.
    if who.role != Role::Facility && !dx::may_plan(who) {
        return Err(PageError::Forbidden);
    }
    let (pref, month) = form_place(who, &f)?;
    let result = async {
        let facility = match (&who.role, &who.facility) {
            (Role::Facility, Some(own)) => own.clone(),
            _ => FacilityId::parse(field(&f, "facility")).map_err(AppError::invalid)?,
        };
        let start = date_time(
            field(&f, "date"),
            field(&f, "start"),
            Msg::new("開始", "start"),
        )?;
        let mut end = date_time(field(&f, "date"), field(&f, "end"), Msg::new("終了", "end"))?;
        // An end at or before the start is the next morning (night duty).
        if end <= start {
            end += chrono::Duration::days(1);
        }
        let kind = DutyKind::parse(field(&f, "kind"))
            .map_err(|_| unknown(Msg::new("勤務の種類", "kind of duty"), field(&f, "kind")))?;
        let urgency = Urgency::parse(field(&f, "urgency"))
            .map_err(|_| unknown(Msg::new("緊急度", "urgency"), field(&f, "urgency")))?;
        let skills = match field(&f, "skill") {
            "" => Vec::new(),
            s => vec![s.to_string()],
        };
        dx::submit(
            s.store.as_ref(),
            who,
            dx::RequestInput {
                facility,
                kind,
                start,
                end,
                skills,
                urgency,
                note: field(&f, "note").to_string(),
            },
        )
        .await
    }
    .await;
    let form = AskForm {
        facility: field(&f, "facility").into(),
        date: field(&f, "date").into(),
        start: field(&f, "start").into(),
        end: field(&f, "end").into(),
        kind: field(&f, "kind").into(),
        urgency: field(&f, "urgency").into(),
        skill: field(&f, "skill").into(),
        note: field(&f, "note").into(),
    };
    let again = Again {
        ask: Some(form),
        ..Again::default()
    };
    let to = |r: &chiiki_domain::DispatchRequest| Month::of(r.start.date());
    answered(&s, &session, prefs, &uri, pref, month, result, to, again).await
}

/// `POST /dispatch/requests/{id}/cancel`.
pub(crate) async fn cancel(
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
    let (pref, month) = form_place(who, &f)?;
    let result = dx::cancel(s.store.as_ref(), who, id).await;
    let again = Again::default();
    answered(
        &s,
        &session,
        prefs,
        &uri,
        pref,
        month,
        result,
        |_| month,
        again,
    )
    .await
}

/// The doctor a doctor's form is for: their own.
fn me(who: &Principal) -> Result<DoctorId, PageError> {
    match (&who.role, &who.doctor) {
        (Role::Doctor, Some(d)) => Ok(d.clone()),
        _ => Err(PageError::Forbidden),
    }
}

/// `POST /dispatch/offers`: a doctor offers time.
pub(crate) async fn offer(
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
    let doctor = me(who)?;
    let (pref, month) = form_place(who, &f)?;
    let result = async {
        let from = date_time(
            field(&f, "from_date"),
            field(&f, "from_time"),
            Msg::new("開始", "start"),
        )?;
        let to_date = match field(&f, "to_date") {
            "" => field(&f, "from_date"),
            d => d,
        };
        let to = date_time(to_date, field(&f, "to_time"), Msg::new("終了", "end"))?;
        let base = match field(&f, "base") {
            "" => None,
            b => Some(FacilityId::parse(b).map_err(AppError::invalid)?),
        };
        dx::offer(
            s.store.as_ref(),
            who,
            dx::OfferInput {
                doctor: doctor.clone(),
                from,
                to,
                base,
                note: field(&f, "note").to_string(),
            },
        )
        .await
    }
    .await;
    let form = OfferForm {
        from_date: field(&f, "from_date").into(),
        from_time: field(&f, "from_time").into(),
        to_date: field(&f, "to_date").into(),
        to_time: field(&f, "to_time").into(),
        base: field(&f, "base").into(),
        note: field(&f, "note").into(),
    };
    let again = Again {
        offer: Some(form),
        ..Again::default()
    };
    let to = |o: &chiiki_domain::DispatchOffer| Month::of(o.from.date());
    answered(&s, &session, prefs, &uri, pref, month, result, to, again).await
}

/// `POST /dispatch/offers/{id}/withdraw`.
pub(crate) async fn withdraw(
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
    let doctor = me(who)?;
    let (pref, month) = form_place(who, &f)?;
    let result = dx::withdraw(s.store.as_ref(), who, &doctor, id).await;
    let again = Again::default();
    answered(
        &s,
        &session,
        prefs,
        &uri,
        pref,
        month,
        result,
        |_| month,
        again,
    )
    .await
}

fn number(text: &str, what: Msg) -> Result<f64, AppError> {
    text.parse::<f64>().map_err(|_| {
        AppError::Rejected(Msg::new(
            format!(
                "{}「{text}」は数で入力してください（時間、小数可）",
                what.ja
            ),
            format!("the {} '{text}' must be a number of hours", what.en),
        ))
    })
}

/// `POST /dispatch/hours`: a doctor reports overtime at an employer.
pub(crate) async fn report(
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
    let doctor = me(who)?;
    let (pref, month) = form_place(who, &f)?;
    let result = async {
        let interview = match field(&f, "interview") {
            "" => None,
            d => Some(parse_date(d)?),
        };
        dx::report_hours(
            s.store.as_ref(),
            who,
            dx::HoursInput {
                doctor,
                employer: field(&f, "employer").to_string(),
                month,
                month_hours: number(field(&f, "month_hours"), Msg::new("当月", "month's hours"))?,
                year_hours: number(
                    field(&f, "year_hours"),
                    Msg::new("年度累計", "year's hours"),
                )?,
                interview,
            },
        )
        .await
    }
    .await;
    let again = Again::default();
    answered(
        &s,
        &session,
        prefs,
        &uri,
        pref,
        month,
        result,
        |_| month,
        again,
    )
    .await
}

/// `POST /dispatch/worked/{request}`: the minutes worked during an on-call duty.
pub(crate) async fn worked(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(request): Path<u64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let (pref, month) = form_place(who, &f)?;
    let text = field(&f, "minutes");
    let result = match text.parse::<i64>() {
        Ok(m) => dx::record_worked(s.store.as_ref(), who, request, m).await,
        Err(_) => Err(AppError::Rejected(Msg::new(
            format!("実働「{text}」は分の整数で入力してください"),
            format!("the minutes worked '{text}' must be a whole number"),
        ))),
    };
    let again = Again::default();
    answered(
        &s,
        &session,
        prefs,
        &uri,
        pref,
        month,
        result,
        |_| month,
        again,
    )
    .await
}

/// `POST /dispatch/runs`: the centre solves the month.
pub(crate) async fn solve(
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
    let (pref, month) = form_place(who, &f)?;
    if !dx::may_plan(who) {
        return Err(PageError::Forbidden);
    }
    let (store, w, effort) = (s.store.clone(), who.clone(), s.dispatch_effort());
    let result = crate::rotation::planning(&s, async move {
        dx::solve_month(store.as_ref(), &w, pref, month, effort).await
    })
    .await;
    answer(
        result,
        |r| {
            format!(
                "/dispatch/runs/{}?month={month}{}",
                r.seq,
                suffix(who, pref)
            )
        },
        |m| {
            let again = Again {
                error: Some(m),
                ..Again::default()
            };
            month_page(&s, &session, prefs, &uri, pref, month, again)
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------
// A run

struct SentLine {
    request: String,
    facility: String,
    when: String,
    kind: &'static str,
    urgency: &'static str,
    doctor: String,
    travel: i64,
    confirmed: bool,
}

struct UnfilledLine {
    request: String,
    facility: String,
    when: String,
    summary: String,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "dispatch_run.html")]
struct RunPage {
    chrome: Chrome,
    seq: u32,
    pref: String,
    month: String,
    month_label: String,
    suffix: String,
    error: Option<String>,
    requests: usize,
    filled: usize,
    cover: String,
    hours_covered: String,
    travel: String,
    doctors_offering: usize,
    doctors_sent: usize,
    most: usize,
    withdrawn: usize,
    seconds: String,
    created: String,
    sent: Vec<SentLine>,
    unfilled: Vec<UnfilledLine>,
    left_out: Vec<(String, String)>,
    notices: Vec<String>,
    can_confirm: bool,
    confirmed: usize,
}

#[allow(clippy::too_many_arguments)]
async fn run_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    pref: PrefCode,
    seq: u32,
    error: Option<Msg>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let lang = prefs.lang;
    let chrome = Chrome::new(session, prefs, "dispatch", uri);
    let r = dx::run(s.store.as_ref(), who, pref, seq)
        .await
        .map_err(|e| match e {
            AppError::Rejected(_) => PageError::NotFound,
            other => other.into(),
        })?;
    let month = Month::of(r.run.month);
    let p = &r.input.problem;
    let request = |id: &str| p.requests.iter().find(|q| q.id == id);
    let doctor_name = |id: &str| {
        r.input
            .doctor_names
            .get(id)
            .map_or(id.to_string(), |n| format!("{n}（{id}）"))
    };
    let confirmed: Vec<(String, String)> = r
        .confirmed
        .iter()
        .map(|d| (d.request.to_string(), d.doctor.to_string()))
        .collect();
    let sent = r
        .plan
        .assignments
        .iter()
        .filter_map(|a| {
            let q = request(&a.request)?;
            Some(SentLine {
                request: a.request.clone(),
                facility: q.facility_name.clone(),
                when: when(&chrome, q.start, q.end),
                kind: q.kind.label(lang),
                urgency: q.urgency.label(lang),
                doctor: doctor_name(&a.doctor),
                travel: a.travel_minutes,
                confirmed: confirmed.contains(&(a.request.clone(), a.doctor.clone())),
            })
        })
        .collect();
    let unfilled = r
        .plan
        .unfilled
        .iter()
        .filter_map(|u| {
            let q = request(&u.request)?;
            Some(UnfilledLine {
                request: u.request.clone(),
                facility: q.facility_name.clone(),
                when: when(&chrome, q.start, q.end),
                summary: u.summary.get(lang).to_string(),
                reasons: u
                    .reasons
                    .iter()
                    .map(|x| x.message.get(lang).to_string())
                    .collect(),
            })
        })
        .collect();
    let f = &r.plan.figures;
    let all_confirmed = !r.plan.assignments.is_empty()
        && r.plan
            .assignments
            .iter()
            .all(|a| confirmed.contains(&(a.request.clone(), a.doctor.clone())));
    let page = RunPage {
        seq,
        pref: pref.to_string(),
        month: month.to_string(),
        month_label: month.label(lang),
        suffix: suffix(who, pref),
        error: error.map(|m| m.get(lang).to_string()),
        requests: f.requests,
        filled: f.filled,
        cover: percent(f.weighted_cover),
        hours_covered: format!(
            "{} / {}",
            hours(f.minutes_covered),
            hours(f.minutes_requested)
        ),
        travel: hours(f.travel_minutes),
        doctors_offering: f.doctors_offering,
        doctors_sent: f.doctors_sent,
        most: f.most_dispatches,
        withdrawn: f.withdrawn,
        seconds: format!("{:.1}", f.seconds),
        created: format!(
            "{} · {}",
            r.run.created_by,
            r.run.created_at.format("%Y-%m-%d %H:%M UTC")
        ),
        sent,
        unfilled,
        left_out: r
            .input
            .left_out
            .iter()
            .map(|l| (l.what.clone(), l.reason.get(lang).to_string()))
            .collect(),
        notices: r
            .plan
            .findings
            .iter()
            .map(|b| format!("{}: {}", b.doctor, b.message.get(lang)))
            .collect(),
        can_confirm: dx::may_plan(who) && !r.plan.assignments.is_empty() && !all_confirmed,
        confirmed: r.confirmed.len(),
        chrome,
    };
    Ok(Html(page.render()?))
}

/// `GET /dispatch/runs/{seq}`.
pub(crate) async fn run(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(seq): Path<u32>,
    Query(q): Query<DispatchQuery>,
) -> Result<Html<String>, PageError> {
    let pref = pref_of(&session.principal, q.pref.as_deref())?;
    run_page(&s, &session, prefs, &uri, pref, seq, None).await
}

/// `POST /dispatch/runs/{seq}/confirm`.
pub(crate) async fn confirm(
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
    let pref = pref_of(who, Some(field(&f, "pref")))?;
    let result = dx::confirm(s.store.as_ref(), who, pref, seq).await;
    let suffix = suffix(who, pref);
    answer(
        result,
        |_| format!("/dispatch/runs/{seq}?month={}{suffix}", field(&f, "month")),
        |m| run_page(&s, &session, prefs, &uri, pref, seq, Some(m)),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Statistics and hours

#[derive(Template)]
#[template(path = "dispatch_stats.html")]
struct StatsPage {
    chrome: Chrome,
    pref_name: &'static str,
    fy: i32,
    fy_label: String,
    suffix: String,
    sheets: Vec<StatSheet>,
}

struct StatSheet {
    id: &'static str,
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn fiscal_year(asked: Option<&str>) -> Result<FiscalYear, PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => FiscalYear::parse(s).map_err(|e| PageError::BadRequest(e.said())),
        None => Ok(FiscalYear::of(today())),
    }
}

/// The sheets' keys, in order, for the page's ids and `?by=`.
const BY: [&str; 7] = [
    "total", "month", "area", "facility", "kind", "urgency", "doctor",
];

fn cell_text(c: &chiiki_tabular::Cell) -> String {
    use chiiki_tabular::Cell;
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Number(n) => {
            if n.fract() == 0.0 {
                format!("{n:.0}")
            } else {
                format!("{n}")
            }
        }
        Cell::Bool(b) => if *b { "✓" } else { "" }.into(),
        Cell::Empty => String::new(),
    }
}

/// `GET /dispatch/stats?fy=2026`.
pub(crate) async fn stats(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<DispatchQuery>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let pref = pref_of(who, q.pref.as_deref())?;
    let fy = fiscal_year(q.fy.as_deref())?;
    let st = dx::stats(s.store.as_ref(), who, pref, fy).await?;
    let lang = prefs.lang;
    let sheets = dx::stats_sheets(&st, lang)
        .into_iter()
        .zip(BY)
        .map(|(sh, id)| StatSheet {
            id,
            title: sh.name,
            headers: sh.headers,
            rows: sh
                .rows
                .iter()
                .map(|r| r.iter().map(cell_text).collect())
                .collect(),
        })
        .collect();
    let page = StatsPage {
        chrome: Chrome::new(&session, prefs, "dispatch", &uri),
        pref_name: pref_name(pref, lang),
        fy: fy.year(),
        fy_label: crate::pages::fy(lang, fy.year()),
        suffix: suffix(who, pref),
        sheets,
    };
    Ok(Html(page.render()?))
}

/// `GET /dispatch/{file}`: the statistics (`stats.xlsx`, `stats.csv`) and the hours
/// (`hours.xlsx`, `hours.csv`).
pub(crate) async fn file(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    Path(file): Path<String>,
    Query(q): Query<DispatchQuery>,
) -> Result<Response, PageError> {
    if file.starts_with("hours.") {
        hours_file(&s, &session, prefs, &file, &q).await
    } else if file.starts_with("stats.") {
        stats_file(&s, &session, prefs, &file, &q).await
    } else {
        Err(PageError::NotFound)
    }
}

/// `stats.xlsx?fy=` (every sheet) and `stats.csv?fy=&by=area`.
async fn stats_file(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    file: &str,
    q: &DispatchQuery,
) -> Result<Response, PageError> {
    let who = &session.principal;
    let pref = pref_of(who, q.pref.as_deref())?;
    let fy = fiscal_year(q.fy.as_deref())?;
    let st = dx::stats(s.store.as_ref(), who, pref, fy).await?;
    let sheets = dx::stats_sheets(&st, prefs.lang);
    let stem = format!("dispatch-{pref}-fy{}", fy.year());
    match file {
        "stats.xlsx" => {
            let title = match prefs.lang {
                Lang::Ja => format!("派遣実績 {}年度", fy.year()),
                Lang::En => format!("Dispatch FY{}", fy.year()),
            };
            let bytes = chiiki_tabular::sheets_to_xlsx(&title, &sheets).map_err(internal)?;
            Ok(crate::files::attachment(bytes, Format::Xlsx, &stem))
        }
        "stats.csv" => {
            let by = q.by.as_deref().unwrap_or("area");
            let i = BY
                .iter()
                .position(|b| *b == by)
                .ok_or(PageError::NotFound)?;
            let bytes = chiiki_tabular::sheet_to_csv(&sheets[i]).map_err(internal)?;
            Ok(crate::files::attachment(
                bytes,
                Format::Csv,
                &format!("{stem}-{by}"),
            ))
        }
        _ => Err(PageError::NotFound),
    }
}

struct DoctorHoursLine {
    id: String,
    name: String,
    dispatches: usize,
    h: HoursLine,
    worst: &'static str,
}

#[derive(Template)]
#[template(path = "dispatch_hours.html")]
struct HoursPage {
    chrome: Chrome,
    month: String,
    month_label: String,
    prev: String,
    next: String,
    suffix: String,
    doctors: Vec<DoctorHoursLine>,
}

/// `GET /dispatch/hours?month=`: every doctor's overtime against the caps (the centre).
pub(crate) async fn hours_page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<DispatchQuery>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let pref = pref_of(who, q.pref.as_deref())?;
    let month = month_of(q.month.as_deref())?;
    let lang = prefs.lang;
    let rows = dx::hours_month(s.store.as_ref(), who, pref, month).await?;
    let doctors = rows
        .iter()
        .map(|d| DoctorHoursLine {
            id: d.doctor.to_string(),
            name: d.name.clone(),
            dispatches: d.dispatches,
            h: hours_line(d, lang),
            worst: match d.worst() {
                Some(Severity::Breach) => "breach",
                Some(Severity::Action) => "action",
                Some(Severity::Warning) => "warning",
                Some(Severity::Due) => "due",
                None => "",
            },
        })
        .collect();
    let page = HoursPage {
        chrome: Chrome::new(&session, prefs, "dispatch", &uri),
        month: month.to_string(),
        month_label: month.label(lang),
        prev: month.previous().to_string(),
        next: month.following().to_string(),
        suffix: suffix(who, pref),
        doctors,
    };
    Ok(Html(page.render()?))
}

/// `hours.xlsx?month=` and `hours.csv?month=`.
async fn hours_file(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    file: &str,
    q: &DispatchQuery,
) -> Result<Response, PageError> {
    let who = &session.principal;
    let pref = pref_of(who, q.pref.as_deref())?;
    let month = month_of(q.month.as_deref())?;
    let rows = dx::hours_month(s.store.as_ref(), who, pref, month).await?;
    let sheet = dx::hours_sheet(&rows, prefs.lang);
    let stem = format!("hours-{pref}-{month}");
    let (bytes, format) = match file {
        "hours.xlsx" => (
            chiiki_tabular::sheets_to_xlsx(&sheet.name.clone(), &[sheet]).map_err(internal)?,
            Format::Xlsx,
        ),
        "hours.csv" => (
            chiiki_tabular::sheet_to_csv(&sheet).map_err(internal)?,
            Format::Csv,
        ),
        _ => return Err(PageError::NotFound),
    };
    Ok(crate::files::attachment(bytes, format, &stem).into_response())
}
