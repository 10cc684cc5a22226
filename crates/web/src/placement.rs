//! Placement rounds in the browser: the list of rounds (a coordinator opens one), a round's
//! page — settings, facilities' requests, doctors' preferences, runs side by side, the
//! doctors two runs place differently, the decision — a run's explanations, and the
//! committee pack. The rules are in `chiiki_app::placement`; this module shows forms and
//! their problems.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Uri, header};
use axum::response::{Html, IntoResponse, Response};
use chiiki_app::AppError;
use chiiki_app::access::Principal;
use chiiki_app::placement::{self as pl, Difference, Figures, Outcome, RoundView, Vacancy};
use chiiki_domain::{
    AreaCode, AreaLimit, DoctorId, FacilityId, FiscalYear, Lang, Msg, Name, PriorityRule,
    Rationale, Role, RoundId,
};
use chiiki_placement::Algorithm;
use serde::Deserialize;

use crate::forms::{Fields, answer, field};
use crate::pages::Chrome;
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The catalog key of an area class.
pub(crate) fn class_key(class: &str) -> &'static str {
    match class {
        "shortage" => "placement.class.shortage",
        "intermediate" => "placement.class.intermediate",
        "surplus" => "placement.class.surplus",
        _ => "placement.class.unknown",
    }
}

fn round_id(s: &str) -> Result<RoundId, PageError> {
    RoundId::parse(s).map_err(|_| PageError::NotFound)
}

#[derive(Template)]
#[template(path = "placement_rounds.html")]
struct RoundsPage {
    chrome: Chrome,
    rounds: Vec<(String, String, i32)>,
    can_open: bool,
    next_year: i32,
    error: Option<String>,
}

async fn rounds_page(
    s: &AppState,
    session: &chiiki_app::auth::Session,
    prefs: Prefs,
    uri: &Uri,
    error: Option<Msg>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let rounds = pl::rounds(s.store.as_ref(), who).await?;
    let page = RoundsPage {
        chrome: Chrome::new(session, prefs, "placement", uri),
        rounds: rounds
            .iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.title.to_string(),
                    r.id.fiscal_year().year(),
                )
            })
            .collect(),
        can_open: pl::may_open_rounds(who),
        next_year: FiscalYear::of(chrono::Local::now().date_naive()).year() + 1,
        error: error.map(|m| m.get(prefs.lang).to_string()),
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    rounds_page(&s, &session, prefs, &uri, None).await
}

/// Opens a round for the coordinator's prefecture.
pub(crate) async fn open(
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
    let Some(pref) = who.pref else {
        return Err(PageError::Forbidden);
    };
    let result = async {
        let year = FiscalYear::parse(field(&f, "year")).map_err(AppError::invalid)?;
        let title = Name::parse(field(&f, "title")).map_err(AppError::invalid)?;
        let settings = pl::Settings {
            title,
            priority: PriorityRule::default(),
            lottery_seed: None,
            limits: Vec::new(),
        };
        pl::open_round(s.store.as_ref(), who, pref, year, settings).await
    }
    .await;
    answer(
        result,
        |r| format!("/placement/{}", r.id),
        |m| rounds_page(&s, &session, prefs, &uri, Some(m)),
    )
    .await
}

/// A run's figures as the round page shows them.
struct RunColumn {
    seq: u32,
    label: String,
    algorithm: String,
    by: String,
    figures: Figures,
    chosen: bool,
}

impl RunColumn {
    fn rate(&self, class: &str) -> String {
        let fill = if class.is_empty() {
            Some(self.figures.summary.posts)
        } else {
            self.figures.summary.by_class.get(class).copied()
        };
        fill.and_then(|f| f.rate())
            .map_or("—".into(), crate::pages::percent)
    }
    fn choice(&self, k: usize) -> u32 {
        self.figures.summary.ranks.get(k).copied().unwrap_or(0)
    }
    fn mean_rank(&self) -> String {
        self.figures
            .summary
            .mean_rank
            .map_or("—".into(), |m| format!("{m:.2}"))
    }
    fn promises(&self, lang: &Lang) -> Vec<(String, &'static str)> {
        let lang = *lang;
        self.figures
            .promised
            .iter()
            .map(|p| {
                let text = match lang {
                    Lang::Ja => p.promise.ja(),
                    Lang::En => p.promise.en(),
                };
                let mark = match p.verified {
                    Some(true) => "verified",
                    Some(false) => "broken",
                    None => "theorem",
                };
                (text.to_string(), mark)
            })
            .collect()
    }
}

struct LimitRow {
    area: String,
    name: String,
    cap: String,
    floor: String,
    class: &'static str,
}

struct RequestLine {
    facility: String,
    name: String,
    area: String,
    class: &'static str,
    designated: bool,
    posts: u32,
    department: String,
    priority: String,
    note: String,
    mine: bool,
}

#[derive(Template)]
#[template(path = "placement_round.html")]
struct RoundPage {
    chrome: Chrome,
    id: String,
    title: String,
    year: i32,
    priority: String,
    priority_code: &'static str,
    priorities: Vec<(&'static str, &'static str)>,
    seed: String,
    /// The round's version the settings form was made from (optimistic locking).
    version: u64,
    manage: bool,
    staff: bool,
    decided: bool,
    decision: Option<(u32, String, String, String)>,
    error: Option<String>,
    limits: Vec<LimitRow>,
    requests: Vec<RequestLine>,
    posts_total: u32,
    /// The facility the user enters a request for (facility accounts).
    my_facility: Option<(String, String, u32, String)>,
    /// The doctor the user enters preferences for (doctor accounts), their choices and partner.
    my_doctor: Option<(String, Vec<String>, String)>,
    choice_slots: Vec<usize>,
    facility_options: Vec<(String, String)>,
    due: Vec<pl::DueDoctor>,
    missing: usize,
    preferences: usize,
    runs: Vec<RunColumn>,
    algorithms: Vec<(&'static str, &'static str)>,
    compare: Option<(u32, u32, Vec<Difference>)>,
    names: HashMap<String, String>,
}

impl RoundPage {
    fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }
    fn chosen(&self, choices: &[String], k: &usize, facility: &str) -> bool {
        let k = *k;
        k >= 1 && choices.get(k - 1).is_some_and(|c| c == facility)
    }
    fn choice_of(&self, c: &Option<u32>) -> String {
        c.map_or("—".into(), |c| c.to_string())
    }
}

async fn round_page(
    s: &AppState,
    session: &chiiki_app::auth::Session,
    prefs: Prefs,
    uri: &Uri,
    id: RoundId,
    error: Option<Msg>,
    compare: Option<(u32, u32)>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let lang = prefs.lang;
    // Read before the round, so that the form never carries a version newer than it shows.
    let version = pl::round_version(s.store.as_ref(), id).await?.unwrap_or(1);
    let view: RoundView = match pl::round_view(s.store.as_ref(), who, id).await {
        Ok(v) => v,
        Err(AppError::Rejected(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let names: HashMap<String, String> = view
        .requests
        .iter()
        .map(|r| (r.request.facility.to_string(), r.facility_name.clone()))
        .collect();
    let limits = view
        .area_names
        .iter()
        .map(|(area, name)| {
            let l = view.round.limit(*area);
            LimitRow {
                area: area.to_string(),
                name: name.clone(),
                cap: l
                    .and_then(AreaLimit::cap)
                    .map_or(String::new(), |c| c.to_string()),
                floor: l.map_or(String::new(), |l| {
                    if l.floor() > 0 {
                        l.floor().to_string()
                    } else {
                        String::new()
                    }
                }),
                class: view
                    .requests
                    .iter()
                    .find(|r| r.area == *area)
                    .map_or("", |r| r.class),
            }
        })
        .collect();
    let requests: Vec<RequestLine> = view
        .requests
        .iter()
        .map(|r| RequestLine {
            facility: r.request.facility.to_string(),
            name: r.facility_name.clone(),
            area: r.area_name.clone(),
            class: r.class,
            designated: r.designated,
            posts: r.request.posts,
            department: r
                .request
                .department
                .as_ref()
                .map_or(String::new(), |d| d.to_string()),
            priority: r
                .request
                .priority
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            note: r
                .request
                .note
                .as_ref()
                .map_or(String::new(), |d| d.to_string()),
            mine: who.facility.as_ref() == Some(&r.request.facility),
        })
        .collect();
    let my_facility = match (&who.role, &who.facility) {
        (Role::Facility, Some(f)) => {
            let existing = view.requests.iter().find(|r| &r.request.facility == f);
            Some((
                f.to_string(),
                existing.map_or(f.to_string(), |r| r.facility_name.clone()),
                existing.map_or(0, |r| r.request.posts),
                existing
                    .and_then(|r| r.request.department.as_ref())
                    .map_or(String::new(), |d| d.to_string()),
            ))
        }
        _ => None,
    };
    let my_doctor = match (&who.role, &who.doctor) {
        (Role::Doctor, Some(d)) => {
            let mine = view.preferences.iter().find(|p| &p.doctor == d);
            Some((
                d.to_string(),
                mine.map_or(Vec::new(), |p| {
                    p.facilities.iter().map(|f| f.to_string()).collect()
                }),
                mine.and_then(|p| p.partner.as_ref())
                    .map_or(String::new(), |p| p.to_string()),
            ))
        }
        _ => None,
    };
    let runs = view
        .runs
        .iter()
        .map(|r| {
            Ok(RunColumn {
                seq: r.seq,
                label: r.label.to_string(),
                algorithm: Algorithm::parse(&r.algorithm)
                    .map_or(r.algorithm.clone(), |a| a.label(lang).to_string()),
                by: r.created_by.clone(),
                figures: pl::figures(r)?,
                chosen: view.decision.as_ref().is_some_and(|d| d.run == r.seq),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let compare = match compare {
        Some((a, b)) => {
            let find = |n| view.runs.iter().find(|r| r.seq == n);
            match (find(a), find(b)) {
                (Some(x), Some(y)) => Some((a, b, pl::differences(x, y))),
                _ => None,
            }
        }
        None => None,
    };
    let mut facility_options: Vec<(String, String)> = view
        .requests
        .iter()
        .map(|r| {
            (
                r.request.facility.to_string(),
                format!("{}（{}）", r.facility_name, r.area_name),
            )
        })
        .collect();
    facility_options.sort_by(|a, b| a.1.cmp(&b.1));
    let page = RoundPage {
        chrome: Chrome::new(session, prefs, "placement", uri),
        id: id.to_string(),
        title: view.round.title.to_string(),
        year: id.fiscal_year().year(),
        priority: view.round.priority.label(lang).to_string(),
        priority_code: view.round.priority.code(),
        priorities: PriorityRule::ALL
            .iter()
            .map(|r| (r.code(), r.label(lang)))
            .collect(),
        seed: view.round.lottery_seed.to_string(),
        version,
        manage: view.access.manage && view.decision.is_none(),
        staff: view.access.read_all,
        decided: view.decision.is_some(),
        decision: view.decision.as_ref().map(|d| {
            (
                d.run,
                d.decided_by.clone(),
                d.decided_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                d.rationale.to_string(),
            )
        }),
        error: error.map(|m| m.get(lang).to_string()),
        limits,
        posts_total: view.requests.iter().map(|r| r.request.posts).sum(),
        requests,
        my_facility,
        my_doctor,
        choice_slots: (1..=10).collect(),
        facility_options,
        missing: view.due.iter().filter(|d| !d.has_preferences).count(),
        due: view.due.clone(),
        preferences: view.preferences.len(),
        runs,
        algorithms: Algorithm::ALL
            .iter()
            .map(|a| (a.code(), a.label(lang)))
            .collect(),
        compare,
        names,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize, Default)]
pub(crate) struct CompareQuery {
    a: Option<u32>,
    b: Option<u32>,
}

pub(crate) async fn round(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Html<String>, PageError> {
    let id = round_id(&id)?;
    let compare = q.a.zip(q.b);
    round_page(&s, &session, prefs, &uri, id, None, compare).await
}

/// Runs a form's action on a round: back to the round page when it worked, the page with
/// the problem (422) when the user can fix it.
async fn act<F, Fut, T>(
    s: AppState,
    session: chiiki_app::auth::Session,
    prefs: Prefs,
    uri: Uri,
    id: &str,
    fields: Fields,
    action: F,
) -> Result<Response, PageError>
where
    F: FnOnce(AppState, Principal, RoundId, Fields) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    if !csrf_ok(&session.csrf, fields.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = round_id(id)?;
    let result = action(s.clone(), session.principal.clone(), id, fields).await;
    answer(
        result,
        |_| format!("/placement/{id}"),
        |m| round_page(&s, &session, prefs, &uri, id, Some(m), None),
    )
    .await
}

fn optional_name(s: &str) -> Result<Option<Name>, AppError> {
    if s.is_empty() {
        Ok(None)
    } else {
        Name::parse(s).map(Some).map_err(AppError::invalid)
    }
}

fn number(s: &str, what: &str, what_en: &str) -> Result<Option<u32>, AppError> {
    if s.is_empty() {
        return Ok(None);
    }
    chiiki_domain::parse_count(s).map(Some).map_err(|_| {
        AppError::Rejected(Msg::new(
            format!("{what}「{s}」は0以上の整数で入力してください"),
            format!("{what_en} '{s}' must be a whole number of 0 or more"),
        ))
    })
}

pub(crate) async fn settings(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &id,
        f,
        |s, who, id, fields| async move {
            let mut limits = Vec::new();
            let codes: std::collections::BTreeSet<&str> = fields
                .keys()
                .filter_map(|k| k.strip_prefix("cap_").or_else(|| k.strip_prefix("floor_")))
                .collect();
            for code in codes {
                let area = AreaCode::parse(code).map_err(AppError::invalid)?;
                let cap = number(field(&fields, &format!("cap_{code}")), "上限", "cap")?;
                let floor = number(field(&fields, &format!("floor_{code}")), "下限", "floor")?;
                if cap.is_some() || floor.is_some_and(|f| f > 0) {
                    limits.push(
                        AreaLimit::new(area, cap, floor.unwrap_or(0)).map_err(AppError::invalid)?,
                    );
                }
            }
            let seed = field(&fields, "seed");
            let lottery_seed = if seed.is_empty() {
                None
            } else {
                Some(seed.parse::<u64>().map_err(|_| {
                    AppError::Rejected(Msg::new(
                        format!("抽選の種「{seed}」は0以上の整数で入力してください"),
                        format!("the lottery seed '{seed}' must be a whole number of 0 or more"),
                    ))
                })?)
            };
            let settings = pl::Settings {
                title: Name::parse(field(&fields, "title")).map_err(AppError::invalid)?,
                priority: PriorityRule::parse(field(&fields, "priority"))
                    .map_err(AppError::invalid)?,
                lottery_seed,
                limits,
            };
            let made_from = crate::forms::made_from(&fields)?;
            pl::update_round(s.store.as_ref(), &who, id, settings, made_from).await
        },
    )
    .await
}

pub(crate) async fn request(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &id,
        f,
        |s, who, id, fields| async move {
            let facility =
                FacilityId::parse(field(&fields, "facility")).map_err(AppError::invalid)?;
            let posts = number(field(&fields, "posts"), "募集数", "posts")?.unwrap_or(0);
            if posts == 0 {
                return pl::withdraw_request(s.store.as_ref(), &who, id, facility)
                    .await
                    .map(|_| ());
            }
            let priority = field(&fields, "priority")
                .split(|c: char| c.is_whitespace() || c == ',' || c == '、')
                .filter(|x| !x.is_empty())
                .map(|x| DoctorId::parse(x).map_err(AppError::invalid))
                .collect::<Result<Vec<_>, _>>()?;
            let input = pl::RequestInput {
                posts,
                department: optional_name(field(&fields, "department"))?,
                priority,
                note: optional_name(field(&fields, "note"))?,
            };
            pl::put_request(s.store.as_ref(), &who, id, facility, input)
                .await
                .map(|_| ())
        },
    )
    .await
}

pub(crate) async fn preferences(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &id,
        f,
        |s, who, id, fields| async move {
            let doctor = DoctorId::parse(field(&fields, "doctor")).map_err(AppError::invalid)?;
            let mut choices = Vec::new();
            for k in 1..=chiiki_domain::PreferenceList::MAX_CHOICES {
                let v = field(&fields, &format!("choice_{k}"));
                if !v.is_empty() {
                    choices.push(FacilityId::parse(v).map_err(AppError::invalid)?);
                }
            }
            let partner = field(&fields, "partner");
            let partner = if partner.is_empty() {
                None
            } else {
                Some(DoctorId::parse(partner).map_err(AppError::invalid)?)
            };
            pl::put_preferences(s.store.as_ref(), &who, id, doctor, choices, partner)
                .await
                .map(|_| ())
        },
    )
    .await
}

pub(crate) async fn run(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &id,
        f,
        |s, who, id, fields| async move {
            let algorithm = Algorithm::parse(field(&fields, "algorithm")).ok_or_else(|| {
                AppError::Rejected(Msg::new("方式を選んでください", "choose a mechanism"))
            })?;
            let label = field(&fields, "label");
            let label = Name::parse(if label.is_empty() {
                algorithm.code()
            } else {
                label
            })
            .map_err(AppError::invalid)?;
            pl::run(s.store.as_ref(), &who, id, algorithm, label).await
        },
    )
    .await
}

pub(crate) async fn decide(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &id,
        f,
        |s, who, id, fields| async move {
            let seq =
                number(field(&fields, "run"), "実行番号", "run number")?.ok_or_else(|| {
                    AppError::Rejected(Msg::new(
                        "決定する実行を選んでください",
                        "choose the run to decide",
                    ))
                })?;
            let rationale =
                Rationale::parse(field(&fields, "rationale")).map_err(AppError::invalid)?;
            pl::decide(s.store.as_ref(), &who, id, seq, rationale).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "placement_run.html")]
struct RunPage {
    chrome: Chrome,
    id: String,
    seq: u32,
    label: String,
    algorithm: String,
    outcomes: Vec<Outcome>,
    vacancies: Vec<Vacancy>,
    names: HashMap<String, String>,
    lang: Lang,
}

impl RunPage {
    fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }
    fn say<'a>(&self, m: &'a Msg) -> &'a str {
        m.get(self.lang)
    }
}

pub(crate) async fn run_page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((id, seq)): Path<(String, u32)>,
) -> Result<Html<String>, PageError> {
    let id = round_id(&id)?;
    let view = pl::round_view(s.store.as_ref(), &session.principal, id)
        .await
        .map_err(|e| match e {
            AppError::Rejected(_) => PageError::NotFound,
            e => e.into(),
        })?;
    if !view.access.read_all {
        return Err(PageError::Forbidden);
    }
    let Some(run) = view.runs.iter().find(|r| r.seq == seq) else {
        return Err(PageError::NotFound);
    };
    let page = RunPage {
        chrome: Chrome::new(&session, prefs, "placement", &uri),
        id: id.to_string(),
        seq,
        label: run.label.to_string(),
        algorithm: Algorithm::parse(&run.algorithm)
            .map_or(run.algorithm.clone(), |a| a.label(prefs.lang).to_string()),
        outcomes: pl::outcomes(run),
        vacancies: pl::vacancies(run),
        names: view
            .requests
            .iter()
            .map(|r| (r.request.facility.to_string(), r.facility_name.clone()))
            .collect(),
        lang: prefs.lang,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize, Default)]
pub(crate) struct PackQuery {
    run: Option<u32>,
}

pub(crate) async fn pack(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
    Query(q): Query<PackQuery>,
) -> Result<Response, PageError> {
    let id = round_id(&id)?;
    let bytes = pl::pack(s.store.as_ref(), &session.principal, id, q.run)
        .await
        .map_err(|e| match e {
            AppError::Rejected(_) => PageError::NotFound,
            e => e.into(),
        })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"placement-{id}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
