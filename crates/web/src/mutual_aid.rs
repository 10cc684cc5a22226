//! An alliance's emergency mutual support (災害時の相互支援) in the browser: the events (drills
//! and incidents) with their requests, coverage and the forms to record an event, a request,
//! an offer and its acceptance (`/alliances/{id}/aid`); an event's printable log with the
//! coverage of each request, who could send what remains and, for a drill, who of each call
//! tree was reached and when (`/alliances/{id}/aid/events/{event}`); the call trees drawn as
//! nested lists in call order and the capabilities, with their forms
//! (`/alliances/{id}/aid/contacts`); XLSX downloads. Who may do what is decided in
//! `chiiki_app::alliance::access`; this module shows it.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{Html, Response};
use axum::routing::{get, post};
use chiiki_app::AppError;
use chiiki_app::auth::Session;
use chiiki_app::mutual_aid::{self as aid, AidFacility, RequestView};
use chiiki_domain::mutual_aid::{
    AidEvent, AidEventFields, AidEventKind, AidJob, AidRequest, AidRequestFields, AidRequestState,
    AidResponse, AidResponseFields, Ask, Capabilities, CapabilitiesFields, JobCount, Resource,
};
use chiiki_domain::{AllianceId, Lang, Msg, NaiveDate, Name, parse_date};
use chiiki_tabular::Format;
use chrono::NaiveDateTime;

use crate::alliance::{Head, alliance_id, head_of};
use crate::dispatch::{date_time, unknown};
use crate::forms::{Fields, answer, field};
use crate::pages::{Chrome, internal, reading, render};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The messages of these pages (part of the catalog in `i18n`).
pub(crate) const MESSAGES: &[(&str, &str, &str)] = &[
    ("aid.title", "災害時の相互支援", "Emergency mutual support"),
    (
        "aid.intro",
        "訓練・災害・事故・感染症のときに、参加施設が互いに人員・病床・物資を要請し、申し出て、受け入れた記録です。要請は受諾された申出で充足します。",
        "Drills and incidents during which member facilities ask one another for staff, beds and supplies, offer them and accept offers. A request is met by accepted offers.",
    ),
    (
        "aid.contacts.link",
        "連絡網と受入・派遣可能資源",
        "Call trees and capabilities",
    ),
    (
        "aid.events",
        "事象（訓練・災害など）",
        "Events (drills and incidents)",
    ),
    (
        "aid.events.none",
        "記録された事象はありません。",
        "No events are recorded.",
    ),
    ("aid.event", "事象", "Event"),
    ("aid.event.kind", "種別", "Kind"),
    ("aid.event.title", "件名", "Title"),
    ("aid.event.started", "開始", "Started"),
    ("aid.event.ended", "終了", "Ended"),
    ("aid.event.ongoing", "継続中", "Ongoing"),
    ("aid.event.description", "概要", "Description"),
    ("aid.event.new", "事象を記録する", "Record an event"),
    ("aid.event.save", "記録する", "Record"),
    ("aid.event.open", "記録と集計を見る", "Open the log"),
    ("aid.event.end", "事象を終了する", "End the event"),
    ("aid.date", "日付", "Date"),
    ("aid.time", "時刻", "Time"),
    ("aid.requests", "支援要請", "Requests for support"),
    ("aid.requests.none", "要請はありません。", "No requests."),
    ("aid.request", "要請", "Request"),
    ("aid.request.new", "支援を要請する", "Ask for support"),
    ("aid.request.from", "要請する施設", "Asking facility"),
    ("aid.request.resource", "必要な資源", "Resource needed"),
    ("aid.request.quantity", "数量", "Quantity"),
    (
        "aid.request.more",
        "ほかに必要な資源（任意）",
        "Other resources needed (optional)",
    ),
    ("aid.request.needed_by", "必要期限", "Needed by"),
    ("aid.request.note", "備考", "Note"),
    ("aid.request.save", "要請を記録する", "Record the request"),
    (
        "aid.request.withdraw",
        "要請を取り下げる",
        "Withdraw the request",
    ),
    ("aid.request.state", "状況", "State"),
    (
        "aid.request.no_event",
        "継続中の事象がありません。先に事象を記録してください。",
        "There is no ongoing event: record an event first.",
    ),
    ("aid.coverage", "充足状況", "Coverage"),
    ("aid.coverage.asked", "要請", "Asked"),
    ("aid.coverage.offered", "申出", "Offered"),
    ("aid.coverage.accepted", "受諾", "Accepted"),
    ("aid.coverage.remaining", "不足", "Remaining"),
    ("aid.responses", "申出", "Offers"),
    ("aid.response.new", "支援を申し出る", "Offer support"),
    ("aid.response.from", "申し出る施設", "Offering facility"),
    ("aid.response.save", "申出を記録する", "Record the offer"),
    ("aid.response.accept", "受諾する", "Accept"),
    (
        "aid.response.unaccept",
        "受諾を取り消す",
        "Withdraw the acceptance",
    ),
    ("aid.response.accepted", "受諾済み", "Accepted"),
    ("aid.response.pending", "未受諾", "Not accepted"),
    (
        "aid.senders",
        "派遣・受入できる施設（最新の登録による）",
        "Who can send (latest capabilities)",
    ),
    (
        "aid.senders.none",
        "登録された施設はありません",
        "No facility recorded it",
    ),
    ("aid.log", "活動記録（時系列）", "Log (in time order)"),
    ("aid.download", "ダウンロード", "Download"),
    ("aid.back", "相互支援に戻る", "Back to mutual support"),
    ("aid.drill", "連絡網訓練の結果", "Call-tree drill"),
    ("aid.drill.contacts", "連絡先", "Contacts"),
    ("aid.drill.reached", "応答", "Reached"),
    (
        "aid.drill.minutes",
        "最後の応答までの分数",
        "Minutes to the last answer",
    ),
    ("aid.drill.complete", "全員応答", "All reached"),
    ("aid.drill.not_reached", "未応答", "Not reached"),
    ("aid.drill.record", "応答を記録する", "Record who answered"),
    (
        "aid.drill.help",
        "応答した人の時刻を入力します（空欄はそのまま）。",
        "Give the time each person answered (blank: left as it is).",
    ),
    ("aid.drill.save", "応答を記録する", "Record"),
    (
        "aid.drill.none",
        "連絡網が登録されていません。",
        "No call trees are recorded.",
    ),
    (
        "aid.trees",
        "連絡網（呼出し順）",
        "Call trees (in calling order)",
    ),
    (
        "aid.trees.intro",
        "最初の人から順に、字下げした人へ連絡します。氏名・電話番号は権限のある人にだけ表示されます。",
        "Each person calls the people indented under them, starting from the first. Names and numbers are shown only to those allowed to read them.",
    ),
    (
        "aid.trees.none",
        "連絡網はまだありません。",
        "No call trees yet.",
    ),
    ("aid.tree.level", "段", "Level"),
    (
        "aid.tree.edit",
        "この連絡網を編集する",
        "Edit this call tree",
    ),
    (
        "aid.tree.new",
        "連絡網を登録・置き換える",
        "Add or replace a call tree",
    ),
    ("aid.tree.facility", "施設", "Facility"),
    (
        "aid.tree.text",
        "連絡網（1行に1人）",
        "Call tree (one person a line)",
    ),
    (
        "aid.tree.help",
        "「役職, 氏名, 電話番号, 連絡可能時間帯（24時間・平日日中・夜間）, 電子メール（任意）」。連絡する人の下に、スペース2つで字下げして書きます。1行目が最初に連絡を受ける人です。同じ施設の連絡網は置き換わります。",
        "'position, name, phone, availability (24h, office hours, nights), e-mail (optional)'. Indent each person two spaces under whoever calls them; the first line is called first. A facility's tree is replaced.",
    ),
    ("aid.tree.save", "連絡網を保存する", "Save the call tree"),
    ("aid.capabilities", "受入・派遣可能資源", "Capabilities"),
    (
        "aid.capabilities.intro",
        "各施設の最新の登録です（基準日が最も新しいもの）。",
        "Each facility's latest record (the latest as-of day).",
    ),
    (
        "aid.capabilities.none",
        "登録はまだありません。",
        "Nothing recorded yet.",
    ),
    ("aid.cap.as_of", "基準日", "As of"),
    ("aid.cap.beds", "受入可能病床", "Beds"),
    ("aid.cap.icu_beds", "うちICU", "Of which ICU"),
    ("aid.cap.generators", "非常用発電機", "Generators"),
    ("aid.cap.fuel_hours", "燃料（時間）", "Fuel (hours)"),
    ("aid.cap.water_days", "備蓄水（日）", "Water (days)"),
    ("aid.cap.ventilators", "人工呼吸器", "Ventilators"),
    ("aid.cap.vehicles", "車両", "Vehicles"),
    ("aid.cap.staff", "派遣可能な職員", "Staff that can be sent"),
    ("aid.cap.note", "備考", "Note"),
    (
        "aid.cap.new",
        "受入・派遣可能資源を登録する",
        "Record capabilities",
    ),
    ("aid.cap.save", "登録する", "Record"),
    ("aid.member", "参加法人", "Member"),
];

/// The routes of these pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alliances/{id}/aid", get(home))
        .route("/alliances/{id}/aid/events", post(add_event))
        .route("/alliances/{id}/aid/requests", post(add_request))
        .route(
            "/alliances/{id}/aid/requests/{request}/responses",
            post(add_response),
        )
        .route(
            "/alliances/{id}/aid/requests/{request}/withdraw",
            post(withdraw),
        )
        .route(
            "/alliances/{id}/aid/responses/{response}/accept",
            post(accept),
        )
        .route("/alliances/{id}/aid/events/{event}", get(event_page))
        .route("/alliances/{id}/aid/events/{event}/end", post(end_event))
        .route("/alliances/{id}/aid/events/{event}/acks", post(record_acks))
        .route("/alliances/{id}/aid/events/{event}/log.xlsx", get(log_file))
        .route("/alliances/{id}/aid/contacts", get(contacts).post(put_tree))
        .route("/alliances/{id}/aid/capabilities", post(put_capabilities))
        .route("/alliances/{id}/aid/{file}", get(file))
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn when(chrome: &Chrome, t: NaiveDateTime) -> String {
    format!("{} {}", chrome.date(t.date()), t.format("%H:%M"))
}

fn amount(r: Resource, q: u64, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{} {q}{}", r.label(lang), r.unit(lang)),
        Lang::En => format!("{} {q} {}", r.label(lang), r.unit(lang)),
    }
}

/// A facility of the select lists: its name (the value) and its member.
struct FacilityOption {
    name: String,
    member: String,
}

fn facility_options(list: &[AidFacility]) -> Vec<FacilityOption> {
    list.iter()
        .map(|f| FacilityOption {
            name: f.facility.to_string(),
            member: f.member.to_string(),
        })
        .collect()
}

fn resource_options(lang: Lang) -> Vec<(String, String)> {
    Resource::all()
        .into_iter()
        .map(|r| (r.code(), format!("{}（{}）", r.label(lang), r.unit(lang))))
        .collect()
}

struct CoverageRow {
    resource: String,
    asked: u64,
    offered: u64,
    accepted: u64,
    remaining: u64,
}

struct ResponseRow {
    id: u64,
    from: String,
    what: String,
    at: String,
    accepted: bool,
}

struct SenderRow {
    resource: String,
    senders: Vec<String>,
}

struct RequestRow {
    id: u64,
    from: String,
    state_code: &'static str,
    state: &'static str,
    /// Whether it takes offers (open or partly met).
    open: bool,
    asks: String,
    requested_at: String,
    needed_by: String,
    note: String,
    coverage: Vec<CoverageRow>,
    responses: Vec<ResponseRow>,
    senders: Vec<SenderRow>,
    /// The resources asked, for the offer form: (code, label).
    asked: Vec<(String, String)>,
}

fn request_row(v: &RequestView, chrome: &Chrome) -> RequestRow {
    let lang = chrome.prefs.lang;
    let r = &v.request;
    RequestRow {
        id: r.id,
        from: r.from.to_string(),
        state_code: r.state.code(),
        state: r.state.label(lang),
        open: matches!(r.state, AidRequestState::Open | AidRequestState::PartlyMet),
        asks: r
            .resources
            .iter()
            .map(|a| amount(a.resource, u64::from(a.quantity), lang))
            .collect::<Vec<_>>()
            .join(if lang == Lang::Ja { "、" } else { ", " }),
        requested_at: when(chrome, r.requested_at),
        needed_by: when(chrome, r.needed_by),
        note: r.note.clone(),
        coverage: v
            .coverage
            .iter()
            .map(|c| CoverageRow {
                resource: format!("{}（{}）", c.resource.label(lang), c.resource.unit(lang)),
                asked: c.asked,
                offered: c.offered,
                accepted: c.accepted,
                remaining: c.remaining,
            })
            .collect(),
        responses: v
            .responses
            .iter()
            .map(|s| ResponseRow {
                id: s.id,
                from: s.from.to_string(),
                what: amount(s.resource, u64::from(s.quantity), lang),
                at: when(chrome, s.at),
                accepted: s.accepted,
            })
            .collect(),
        senders: v
            .senders
            .iter()
            .map(|(res, list)| SenderRow {
                resource: res.label(lang),
                senders: list
                    .iter()
                    .map(|s| {
                        format!(
                            "{}（{}）{} {}",
                            s.facility,
                            s.member,
                            s.available,
                            res.unit(lang)
                        )
                    })
                    .collect(),
            })
            .collect(),
        asked: r
            .resources
            .iter()
            .map(|a| (a.resource.code(), a.resource.label(lang)))
            .collect(),
    }
}

struct EventRow {
    id: u64,
    kind: &'static str,
    title: String,
    started: String,
    ended: Option<String>,
    description: String,
    requests: Vec<RequestRow>,
}

fn event_row(e: &AidEvent, requests: &[RequestView], chrome: &Chrome) -> EventRow {
    EventRow {
        id: e.id,
        kind: e.kind.label(chrome.prefs.lang),
        title: e.title.clone(),
        started: when(chrome, e.started),
        ended: e.ended.map(|t| when(chrome, t)),
        description: e.description.clone(),
        requests: requests.iter().map(|r| request_row(r, chrome)).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The home page: events, requests, offers

#[derive(Default, Clone)]
struct EventForm {
    kind: String,
    title: String,
    start_date: String,
    start_time: String,
    description: String,
}

#[derive(Default, Clone)]
struct RequestForm {
    event: String,
    from: String,
    resource1: String,
    quantity1: String,
    resource2: String,
    quantity2: String,
    resource3: String,
    quantity3: String,
    need_date: String,
    need_time: String,
    note: String,
}

#[derive(Default, Clone)]
struct ResponseForm {
    /// The request it answers (0: none).
    request: u64,
    from: String,
    resource: String,
    quantity: String,
    note: String,
}

#[derive(Default)]
struct Again {
    error: Option<Msg>,
    event: Option<EventForm>,
    request: Option<RequestForm>,
    response: Option<ResponseForm>,
}

#[derive(Template)]
#[template(path = "aid_home.html")]
struct HomePage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    events: Vec<EventRow>,
    /// The events that go on: (id, title), for the request form.
    ongoing: Vec<(u64, String)>,
    facilities: Vec<FacilityOption>,
    kinds: Vec<(&'static str, &'static str)>,
    resources: Vec<(String, String)>,
    ev: EventForm,
    rq: RequestForm,
    rs: ResponseForm,
}

/// `GET /alliances/{id}/aid`.
async fn home(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
) -> Result<Html<String>, PageError> {
    home_page(&s, &session, prefs, &uri, &raw, Again::default()).await
}

/// What a POST of the mutual-support page answers: a redirect to `to(value)`, or the page
/// again with the problem and what was entered (`again`).
#[allow(clippy::too_many_arguments)]
async fn on_home<T>(
    s: &AppState,
    session: &chiiki_app::auth::Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    result: Result<T, AppError>,
    to: impl FnOnce(T) -> String,
    again: Again,
) -> Result<Response, PageError> {
    answer(result, to, |m| {
        home_page(
            s,
            session,
            prefs,
            uri,
            raw,
            Again {
                error: Some(m),
                ..again
            },
        )
    })
    .await
}

async fn home_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    again: Again,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "aid", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let list = aid::events(store, who, &a.id).await?;
    let facilities = aid::facilities(store, who, &a.id).await?;
    let t = now();
    let ongoing: Vec<(u64, String)> = list
        .iter()
        .filter(|v| v.event.ended.is_none())
        .map(|v| (v.event.id, v.event.title.clone()))
        .collect();
    let events = list
        .iter()
        .map(|v| event_row(&v.event, &v.requests, &chrome))
        .collect();
    let ev = again.event.unwrap_or_else(|| EventForm {
        kind: "disaster".into(),
        start_date: t.date().to_string(),
        start_time: t.format("%H:%M").to_string(),
        ..EventForm::default()
    });
    let later = t + chrono::Duration::hours(3);
    let rq = again.request.unwrap_or_else(|| RequestForm {
        event: ongoing.first().map(|e| e.0.to_string()).unwrap_or_default(),
        quantity1: "1".into(),
        need_date: later.date().to_string(),
        need_time: later.format("%H:%M").to_string(),
        ..RequestForm::default()
    });
    render(&HomePage {
        error: again.error.map(|m| m.to_string()),
        events,
        ongoing,
        facilities: facility_options(&facilities),
        kinds: AidEventKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(prefs.lang)))
            .collect(),
        resources: resource_options(prefs.lang),
        ev,
        rq,
        rs: again.response.unwrap_or_default(),
        head,
        chrome,
    })
}

fn name_field(value: &str, what: Msg) -> Result<Name, AppError> {
    Name::parse(value).map_err(|_| unknown(what, value))
}

/// `POST /alliances/{id}/aid/events`.
async fn add_event(
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
    let id = alliance_id(&raw)?;
    let form = EventForm {
        kind: field(&f, "kind").into(),
        title: field(&f, "title").into(),
        start_date: field(&f, "start_date").into(),
        start_time: field(&f, "start_time").into(),
        description: field(&f, "description").into(),
    };
    let result = async {
        let kind = AidEventKind::parse(&form.kind)
            .map_err(|_| unknown(Msg::new("種別", "kind"), &form.kind))?;
        let started = date_time(
            &form.start_date,
            &form.start_time,
            Msg::new("開始", "start"),
        )?;
        let e = AidEvent::new(AidEventFields {
            id: 0,
            alliance: id.clone(),
            kind,
            title: form.title.clone(),
            started,
            ended: None,
            description: form.description.clone(),
            affected: vec![],
        })
        .map_err(AppError::invalid)?;
        aid::create_event(s.store.as_ref(), &session.principal, e).await
    }
    .await;
    let again = Again {
        event: Some(form.clone()),
        ..Again::default()
    };
    on_home(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        result,
        |e| format!("/alliances/{id}/aid#event-{}", e.id),
        again,
    )
    .await
}

fn quantity(text: &str, what: &str) -> Result<u32, AppError> {
    let t = chiiki_domain::normalize(text);
    t.parse::<u32>().map_err(|_| {
        AppError::Rejected(Msg::new(
            format!("{what}の数量「{text}」が読めません。1以上の整数で入力してください"),
            format!("cannot read the quantity '{text}' of {what}: give a whole number from 1"),
        ))
    })
}

/// `POST /alliances/{id}/aid/requests`.
async fn add_request(
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
    let id = alliance_id(&raw)?;
    let form = RequestForm {
        event: field(&f, "event").into(),
        from: field(&f, "from").into(),
        resource1: field(&f, "resource1").into(),
        quantity1: field(&f, "quantity1").into(),
        resource2: field(&f, "resource2").into(),
        quantity2: field(&f, "quantity2").into(),
        resource3: field(&f, "resource3").into(),
        quantity3: field(&f, "quantity3").into(),
        need_date: field(&f, "need_date").into(),
        need_time: field(&f, "need_time").into(),
        note: field(&f, "note").into(),
    };
    let result = async {
        let event: u64 = form
            .event
            .parse()
            .map_err(|_| unknown(Msg::new("事象", "event"), &form.event))?;
        let from = name_field(&form.from, Msg::new("要請する施設", "asking facility"))?;
        let mut resources = Vec::new();
        for (r, q) in [
            (&form.resource1, &form.quantity1),
            (&form.resource2, &form.quantity2),
            (&form.resource3, &form.quantity3),
        ] {
            if r.is_empty() {
                continue;
            }
            let resource = Resource::parse(r).map_err(AppError::invalid)?;
            let quantity = quantity(q, &resource.label(Lang::Ja))?;
            resources.push(Ask { resource, quantity });
        }
        let needed_by = date_time(
            &form.need_date,
            &form.need_time,
            Msg::new("必要期限", "needed-by"),
        )?;
        let t = now();
        let r = AidRequest::new(AidRequestFields {
            id: 0,
            alliance: id.clone(),
            event,
            from,
            resources,
            requested_at: t,
            needed_by,
            state: AidRequestState::Open,
            note: form.note.clone(),
        })
        .map_err(AppError::invalid)?;
        aid::add_request(s.store.as_ref(), &session.principal, r).await
    }
    .await;
    let again = Again {
        request: Some(form.clone()),
        ..Again::default()
    };
    on_home(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        result,
        |r| format!("/alliances/{id}/aid#request-{}", r.id),
        again,
    )
    .await
}

/// `POST /alliances/{id}/aid/requests/{request}/responses`.
async fn add_response(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, request)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let form = ResponseForm {
        request,
        from: field(&f, "from").into(),
        resource: field(&f, "resource").into(),
        quantity: field(&f, "quantity").into(),
        note: field(&f, "note").into(),
    };
    let result = async {
        let from = name_field(&form.from, Msg::new("申し出る施設", "offering facility"))?;
        let resource = Resource::parse(&form.resource).map_err(AppError::invalid)?;
        let quantity = quantity(&form.quantity, &resource.label(Lang::Ja))?;
        let r = AidResponse::new(AidResponseFields {
            id: 0,
            alliance: id.clone(),
            request,
            from,
            resource,
            quantity,
            at: now(),
            accepted: false,
            note: form.note.clone(),
        })
        .map_err(AppError::invalid)?;
        aid::respond(s.store.as_ref(), &session.principal, r).await
    }
    .await;
    let again = Again {
        response: Some(form.clone()),
        ..Again::default()
    };
    on_home(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        result,
        |r| format!("/alliances/{id}/aid#request-{}", r.request),
        again,
    )
    .await
}

/// `POST /alliances/{id}/aid/responses/{response}/accept` (`accepted=1|0`; back to the
/// event's page when `back=event`).
async fn accept(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, response)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let accepted = field(&f, "accepted") != "0";
    let result = aid::accept(
        s.store.as_ref(),
        &session.principal,
        &id,
        response,
        accepted,
    )
    .await;
    let back_to_event = field(&f, "back") == "event";
    let to = |(_, r): (_, AidRequest)| {
        if back_to_event {
            format!("/alliances/{id}/aid/events/{}#request-{}", r.event, r.id)
        } else {
            format!("/alliances/{id}/aid#request-{}", r.id)
        }
    };
    on_home(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        result,
        to,
        Again::default(),
    )
    .await
}

/// `POST /alliances/{id}/aid/requests/{request}/withdraw`.
async fn withdraw(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, request)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let result = aid::withdraw(s.store.as_ref(), &session.principal, &id, request).await;
    let to = |r: AidRequest| format!("/alliances/{id}/aid#request-{}", r.id);
    on_home(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        result,
        to,
        Again::default(),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// An event's page: the log, coverage, who can send, the drill

struct AckInput {
    index: usize,
    position: String,
    name: String,
    level: usize,
    time: String,
}

struct FacilityDrillRow {
    facility: String,
    member: String,
    contacts: usize,
    reached: usize,
    minutes: String,
    complete: bool,
    not_reached: Vec<String>,
    inputs: Vec<AckInput>,
}

struct DrillBlock {
    contacts: usize,
    reached: usize,
    minutes: String,
    facilities: Vec<FacilityDrillRow>,
    date: String,
}

#[derive(Template)]
#[template(path = "aid_event.html")]
struct EventPage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    ev: EventRow,
    log: Vec<(String, String)>,
    drill: Option<DrillBlock>,
    end_date: String,
    end_time: String,
}

/// `GET /alliances/{id}/aid/events/{event}`.
async fn event_page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, event)): Path<(String, u64)>,
) -> Result<Html<String>, PageError> {
    event_view(&s, &session, prefs, &uri, &raw, event, None).await
}

async fn event_view(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    event: u64,
    error: Option<Msg>,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "aid", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let report = aid::event_log(store, who, &a.id, event)
        .await
        .map_err(reading)?;
    let lang = prefs.lang;
    let log = report
        .log
        .iter()
        .map(|l| (when(&chrome, l.at), l.text.get(lang).to_string()))
        .collect();
    let drill = if report.event.is_drill() {
        let d = aid::drill(store, who, &a.id, event).await?;
        let trees = aid::trees(store, who, &a.id).await?;
        let minutes = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
        Some(DrillBlock {
            contacts: d.summary.contacts,
            reached: d.summary.reached,
            minutes: minutes(d.summary.minutes_to_last),
            date: report.event.started.date().to_string(),
            facilities: d
                .summary
                .facilities
                .iter()
                .map(|f| {
                    let tree = trees.iter().find(|t| t.facility == f.facility);
                    let inputs = tree
                        .map(|t| {
                            t.order
                                .iter()
                                .flatten()
                                .filter_map(|&i| t.contacts.get(i))
                                .map(|c| AckInput {
                                    index: c.index,
                                    position: c.position.clone(),
                                    name: c.name.clone().unwrap_or_default(),
                                    level: c.level,
                                    time: d
                                        .acks
                                        .iter()
                                        .find(|a| a.facility == f.facility && a.contact == c.index)
                                        .map(|a| a.at.format("%H:%M").to_string())
                                        .unwrap_or_default(),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    FacilityDrillRow {
                        facility: f.facility.to_string(),
                        member: f.member.to_string(),
                        contacts: f.contacts,
                        reached: f.reached,
                        minutes: minutes(f.minutes_to_last),
                        complete: f.complete,
                        not_reached: f
                            .not_reached
                            .iter()
                            .map(|u| {
                                if d.personal {
                                    format!("{}（{}）", u.position, u.name)
                                } else {
                                    u.position.clone()
                                }
                            })
                            .collect(),
                        inputs,
                    }
                })
                .collect(),
        })
    } else {
        None
    };
    let t = now();
    render(&EventPage {
        error: error.map(|m| m.to_string()),
        ev: event_row(&report.event, &report.requests, &chrome),
        log,
        drill,
        end_date: t.date().to_string(),
        end_time: t.format("%H:%M").to_string(),
        head,
        chrome,
    })
}

/// `POST /alliances/{id}/aid/events/{event}/end`.
async fn end_event(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, event)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let result = async {
        let at = date_time(
            field(&f, "end_date"),
            field(&f, "end_time"),
            Msg::new("終了", "end"),
        )?;
        aid::end_event(s.store.as_ref(), &session.principal, &id, event, at).await
    }
    .await;
    answer(
        result,
        |e| format!("/alliances/{id}/aid/events/{}", e.id),
        |m| event_view(&s, &session, prefs, &uri, &raw, event, Some(m)),
    )
    .await
}

/// `POST /alliances/{id}/aid/events/{event}/acks`: `facility`, `date` and `c{index}` times.
async fn record_acks(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, event)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let result = async {
        let facility = name_field(field(&f, "facility"), Msg::new("施設", "facility"))?;
        let date = field(&f, "date");
        let mut reached = Vec::new();
        for (k, v) in &f {
            let Some(i) = k.strip_prefix('c').and_then(|i| i.parse::<usize>().ok()) else {
                continue;
            };
            if v.trim().is_empty() {
                continue;
            }
            let at = date_time(date, v.trim(), Msg::new("応答", "answer"))?;
            reached.push((i, at));
        }
        reached.sort_unstable();
        aid::record_acks(
            s.store.as_ref(),
            &session.principal,
            &id,
            event,
            &facility,
            reached,
        )
        .await
    }
    .await;
    answer(
        result,
        |_| format!("/alliances/{id}/aid/events/{event}#drill"),
        |m| event_view(&s, &session, prefs, &uri, &raw, event, Some(m)),
    )
    .await
}

/// `GET /alliances/{id}/aid/events/{event}/log.xlsx`: the log and the coverage.
async fn log_file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, event)): Path<(String, u64)>,
) -> Result<Response, PageError> {
    let id = alliance_id(&raw)?;
    let report = aid::event_log(s.store.as_ref(), &session.principal, &id, event)
        .await
        .map_err(reading)?;
    let name = format!("{id}-aid-event-{event}");
    let bytes =
        chiiki_tabular::sheets_to_xlsx(&name, &[aid::log_sheet(&report.log)]).map_err(internal)?;
    Ok(crate::files::attachment(bytes, Format::Xlsx, &name))
}

/// `GET /alliances/{id}/aid/{file}`: `contacts.xlsx` (the call trees) and
/// `capabilities.xlsx` (the latest of each facility, then every record).
async fn file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = alliance_id(&raw)?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let sheets = match file.as_str() {
        "contacts.xlsx" => vec![aid::trees_sheet(
            &aid::trees(store, who, &id).await.map_err(reading)?,
        )],
        "capabilities.xlsx" => {
            let all = aid::all_capabilities(store, who, &id)
                .await
                .map_err(reading)?;
            let mut all_sheet = aid::capabilities_sheet(&all);
            all_sheet.name = "受入・派遣可能資源（履歴）".into();
            vec![aid::capabilities_sheet(&aid::latest(&all)), all_sheet]
        }
        _ => return Err(PageError::NotFound),
    };
    let stem = file.trim_end_matches(".xlsx");
    let name = format!("{id}-aid-{stem}");
    let bytes = chiiki_tabular::sheets_to_xlsx(&name, &sheets).map_err(internal)?;
    Ok(crate::files::attachment(bytes, Format::Xlsx, &name))
}

// ---------------------------------------------------------------------------------------
// Call trees and capabilities

struct ContactCell {
    index: usize,
    level: usize,
    position: String,
    name: String,
    phone: String,
    available: &'static str,
}

/// A step of drawing a tree as nested lists: `li` (with its contact), `ul`, `/ul`, `/li`.
struct Step {
    tag: &'static str,
    contact: Option<ContactCell>,
}

struct TreeBlock {
    id: u64,
    facility: String,
    member: String,
    steps: Vec<Step>,
    text: String,
}

fn steps(t: &aid::TreeView, lang: Lang) -> Vec<Step> {
    fn walk(t: &aid::TreeView, i: usize, lang: Lang, out: &mut Vec<Step>) {
        let Some(c) = t.contacts.get(i) else { return };
        out.push(Step {
            tag: "li",
            contact: Some(ContactCell {
                index: c.index,
                level: c.level,
                position: c.position.clone(),
                name: c.name.clone().unwrap_or_default(),
                phone: c.phone.clone().unwrap_or_default(),
                available: c.available.label(lang),
            }),
        });
        if !c.calls.is_empty() {
            out.push(Step {
                tag: "ul",
                contact: None,
            });
            for &j in &c.calls {
                walk(t, j, lang, out);
            }
            out.push(Step {
                tag: "/ul",
                contact: None,
            });
        }
        out.push(Step {
            tag: "/li",
            contact: None,
        });
    }
    let mut out = Vec::new();
    walk(t, 0, lang, &mut out);
    out
}

struct CapRow {
    facility: String,
    member: String,
    as_of: String,
    beds: u32,
    icu_beds: u32,
    generators: u32,
    fuel_hours: u32,
    water_days: u32,
    ventilators: u32,
    vehicles: u32,
    staff: String,
    note: String,
}

#[derive(Default, Clone)]
struct TreeForm {
    facility: String,
    text: String,
}

#[derive(Default, Clone)]
struct CapForm {
    facility: String,
    as_of: String,
    beds: String,
    icu_beds: String,
    generators: String,
    fuel_hours: String,
    water_days: String,
    ventilators: String,
    vehicles: String,
    note: String,
    /// (code, label, value) per job.
    staff: Vec<(&'static str, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "aid_contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    trees: Vec<TreeBlock>,
    personal: bool,
    facilities: Vec<FacilityOption>,
    caps: Vec<CapRow>,
    tf: TreeForm,
    cf: CapForm,
}

#[derive(Default)]
struct ContactsAgain {
    error: Option<Msg>,
    tree: Option<TreeForm>,
    cap: Option<CapForm>,
}

/// `GET /alliances/{id}/aid/contacts`.
async fn contacts(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
) -> Result<Html<String>, PageError> {
    contacts_page(&s, &session, prefs, &uri, &raw, ContactsAgain::default()).await
}

fn cap_form(f: Option<&Fields>, lang: Lang) -> CapForm {
    let v = |k: &str| f.map(|f| field(f, k).to_string()).unwrap_or_default();
    CapForm {
        facility: v("facility"),
        as_of: f
            .map(|f| field(f, "as_of").to_string())
            .unwrap_or_else(|| now().date().to_string()),
        beds: v("beds"),
        icu_beds: v("icu_beds"),
        generators: v("generators"),
        fuel_hours: v("fuel_hours"),
        water_days: v("water_days"),
        ventilators: v("ventilators"),
        vehicles: v("vehicles"),
        note: v("note"),
        staff: AidJob::ALL
            .iter()
            .map(|j| (j.code(), j.label(lang), v(&format!("staff-{}", j.code()))))
            .collect(),
    }
}

async fn contacts_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    again: ContactsAgain,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "aid", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let lang = prefs.lang;
    let trees = aid::trees(store, who, &a.id).await?;
    let personal = head.access.personal;
    let caps = aid::capabilities(store, who, &a.id)
        .await?
        .iter()
        .map(|c| CapRow {
            facility: c.facility.to_string(),
            member: c.member.to_string(),
            as_of: chrome.date(c.as_of),
            beds: c.beds,
            icu_beds: c.icu_beds,
            generators: c.generators,
            fuel_hours: c.fuel_hours,
            water_days: c.water_days,
            ventilators: c.ventilators,
            vehicles: c.vehicles,
            staff: c
                .staff
                .iter()
                .filter(|s| s.count > 0)
                .map(|s| format!("{} {}", s.job.label(lang), s.count))
                .collect::<Vec<_>>()
                .join("、"),
            note: c.note.clone(),
        })
        .collect();
    let facilities = aid::facilities(store, who, &a.id).await?;
    render(&ContactsPage {
        error: again.error.map(|m| m.to_string()),
        trees: trees
            .iter()
            .map(|t| TreeBlock {
                id: t.id,
                facility: t.facility.to_string(),
                member: t.member.to_string(),
                steps: steps(t, lang),
                text: if personal {
                    aid::tree_text(t)
                } else {
                    String::new()
                },
            })
            .collect(),
        personal,
        facilities: facility_options(&facilities),
        caps,
        tf: again.tree.unwrap_or_default(),
        cf: again.cap.unwrap_or_else(|| cap_form(None, lang)),
        head,
        chrome,
    })
}

/// The facility chosen and its member.
async fn facility_of(
    s: &AppState,
    session: &Session,
    id: &AllianceId,
    value: &str,
) -> Result<AidFacility, AppError> {
    aid::facilities(s.store.as_ref(), &session.principal, id)
        .await?
        .into_iter()
        .find(|f| f.facility.as_str() == value)
        .ok_or_else(|| unknown(Msg::new("施設", "facility"), value))
}

/// `POST /alliances/{id}/aid/contacts`: adds or replaces a facility's call tree.
async fn put_tree(
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
    let id = alliance_id(&raw)?;
    let form = TreeForm {
        facility: field(&f, "facility").into(),
        text: f.get("text").cloned().unwrap_or_default(),
    };
    let result = async {
        let fac = facility_of(&s, &session, &id, &form.facility).await?;
        let tree = aid::parse_tree(&id, &fac.facility, &fac.member, &form.text)?;
        aid::put_tree(s.store.as_ref(), &session.principal, tree).await
    }
    .await;
    let again = ContactsAgain {
        tree: Some(form.clone()),
        ..ContactsAgain::default()
    };
    answer(
        result,
        |t| format!("/alliances/{id}/aid/contacts#tree-{}", t.id),
        |m| {
            contacts_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                ContactsAgain {
                    error: Some(m),
                    ..again
                },
            )
        },
    )
    .await
}

fn count(f: &Fields, k: &str, what: Msg) -> Result<u32, AppError> {
    let v = chiiki_domain::normalize(field(f, k));
    if v.is_empty() {
        return Ok(0);
    }
    v.parse::<u32>().map_err(|_| {
        AppError::Rejected(Msg::new(
            format!(
                "{}「{v}」が読めません。0以上の整数で入力してください",
                what.ja
            ),
            format!(
                "cannot read the {} '{v}': give a whole number from 0",
                what.en
            ),
        ))
    })
}

/// `POST /alliances/{id}/aid/capabilities`.
async fn put_capabilities(
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
    let id = alliance_id(&raw)?;
    let result = async {
        let fac = facility_of(&s, &session, &id, field(&f, "facility")).await?;
        let as_of: NaiveDate = parse_date(field(&f, "as_of")).map_err(|_| {
            AppError::Rejected(Msg::new(
                format!("基準日「{}」が日付として読めません", field(&f, "as_of")),
                format!("the as-of day '{}' is not a date", field(&f, "as_of")),
            ))
        })?;
        let mut staff = Vec::new();
        for j in AidJob::ALL {
            let n = count(
                &f,
                &format!("staff-{}", j.code()),
                Msg::new(j.label(Lang::Ja), j.label(Lang::En)),
            )?;
            if n > 0 {
                staff.push(JobCount { job: *j, count: n });
            }
        }
        let c = Capabilities::new(CapabilitiesFields {
            id: 0,
            alliance: id.clone(),
            facility: fac.facility,
            member: fac.member,
            as_of,
            beds: count(&f, "beds", Msg::new("受入可能病床", "beds"))?,
            icu_beds: count(&f, "icu_beds", Msg::new("ICU病床", "ICU beds"))?,
            generators: count(&f, "generators", Msg::new("非常用発電機", "generators"))?,
            fuel_hours: count(&f, "fuel_hours", Msg::new("燃料（時間）", "fuel hours"))?,
            water_days: count(&f, "water_days", Msg::new("備蓄水（日）", "water days"))?,
            ventilators: count(&f, "ventilators", Msg::new("人工呼吸器", "ventilators"))?,
            staff,
            vehicles: count(&f, "vehicles", Msg::new("車両", "vehicles"))?,
            note: field(&f, "note").to_string(),
        })
        .map_err(AppError::invalid)?;
        aid::put_capabilities(s.store.as_ref(), &session.principal, c).await
    }
    .await;
    let again = ContactsAgain {
        cap: Some(cap_form(Some(&f), prefs.lang)),
        ..ContactsAgain::default()
    };
    answer(
        result,
        |_| format!("/alliances/{id}/aid/contacts#capabilities"),
        |m| {
            contacts_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                ContactsAgain {
                    error: Some(m),
                    ..again
                },
            )
        },
    )
    .await
}
