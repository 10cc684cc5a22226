//! Server-rendered pages of the register: areas, facilities and doctors.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use chiiki_domain::{
    AreaCode, DoctorId, Entity, FacilityId, Lang, NaiveDate, Period, Record, RegisterStatus,
    Workplace, format_iso, format_wareki,
};
use chiiki_store::{AssignmentFilter, DoctorFilter, FacilityFilter, Paging};
use serde::Deserialize;

use crate::{AppState, PageError};

const PAGE: u64 = 50;

type PageResult = Result<Html<String>, PageError>;

fn render(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?))
}

fn both(d: NaiveDate) -> String {
    format!("{}（{}）", format_wareki(d), format_iso(d))
}

fn period(p: &Period) -> String {
    match p.end() {
        Some(e) => format!("{} – {}", format_wareki(p.start()), format_wareki(e)),
        None => format!("{} –", format_wareki(p.start())),
    }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub title: &'static str,
    pub nav: &'static str,
}

pub(crate) async fn not_found() -> PageError {
    PageError::NotFound
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    nav: &'static str,
    counts: Vec<(&'static str, &'static str, &'static str, u64)>,
    source: &'static str,
}

pub(crate) async fn home(State(s): State<AppState>) -> PageResult {
    let c = s.store.counts().await?;
    let n = |e: Entity| c.get(&e).copied().unwrap_or(0);
    render(&Home {
        nav: "",
        counts: vec![
            ("二次医療圏", "Areas", "/areas", n(Entity::Areas)),
            (
                "医療機関",
                "Facilities",
                "/facilities",
                n(Entity::Facilities),
            ),
            ("医師", "Doctors", "/doctors", n(Entity::Doctors)),
            ("勤務", "Assignments", "/doctors", n(Entity::Assignments)),
        ],
        source: chiiki_app::refdata::HOSPITALS_SOURCE,
    })
}

struct AreaRow {
    code: String,
    name: String,
    pref: &'static str,
    facilities: u64,
}

#[derive(Template)]
#[template(path = "areas.html")]
struct Areas {
    nav: &'static str,
    areas: Vec<AreaRow>,
}

pub(crate) async fn areas(State(s): State<AppState>) -> PageResult {
    let mut areas = Vec::new();
    for a in s.store.list_areas(None).await? {
        let f = s
            .store
            .list_facilities(&FacilityFilter {
                area: Some(a.code),
                paging: Paging {
                    limit: Some(0),
                    offset: 0,
                },
                ..Default::default()
            })
            .await?;
        areas.push(AreaRow {
            code: a.code.to_string(),
            name: a.name.to_string(),
            pref: a.pref().name_ja(),
            facilities: f.total,
        });
    }
    render(&Areas {
        nav: "areas",
        areas,
    })
}

struct FacilityRow {
    id: String,
    name: String,
    kind: &'static str,
    area: String,
    beds: u32,
    doctors: String,
    synthetic: bool,
}

fn facility_row(f: &chiiki_domain::Facility) -> FacilityRow {
    FacilityRow {
        id: f.id.to_string(),
        name: f.name.to_string(),
        kind: f.kind.label(Lang::Ja),
        area: f.area.to_string(),
        beds: f.beds.total(),
        doctors: format!("{:.1}", f.doctors_fte()),
        synthetic: f.synthetic,
    }
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    nav: &'static str,
    code: String,
    name: String,
    municipalities: Vec<(String, String)>,
    facilities: Vec<FacilityRow>,
}

pub(crate) async fn area(State(s): State<AppState>, Path(code): Path<String>) -> PageResult {
    let code = AreaCode::parse(&code).map_err(|_| PageError::NotFound)?;
    let Some(Record::Area(a)) = s.store.get(Entity::Areas, &code.to_string()).await? else {
        return Err(PageError::NotFound);
    };
    let municipalities = s
        .store
        .list_municipalities(None, Some(code))
        .await?
        .into_iter()
        .map(|m| (m.code().to_string(), m.name().to_string()))
        .collect();
    let facilities = s
        .store
        .list_facilities(&FacilityFilter {
            area: Some(code),
            ..Default::default()
        })
        .await?
        .items
        .iter()
        .map(facility_row)
        .collect();
    render(&AreaPage {
        nav: "areas",
        code: code.to_string(),
        name: a.name.to_string(),
        municipalities,
        facilities,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    area: Option<String>,
    q: Option<String>,
    status: Option<String>,
    year: Option<String>,
    page: Option<u64>,
}

impl ListQuery {
    /// The page asked for, `PAGE` rows each.
    fn paging(&self) -> Paging {
        Paging {
            limit: Some(PAGE),
            offset: self.page.unwrap_or(0) * PAGE,
        }
    }
    /// The search text, when one was given.
    fn text(&self) -> Option<String> {
        self.q.clone().filter(|t| !t.is_empty())
    }
    /// The area filter, when a valid one was given.
    fn area(&self) -> Option<AreaCode> {
        self.area
            .as_deref()
            .filter(|a| !a.is_empty())
            .and_then(|a| AreaCode::parse(a).ok())
    }
}

fn pager(base: &str, q: &ListQuery, total: u64) -> (Option<String>, Option<String>) {
    let page = q.page.unwrap_or(0);
    let mut params: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("area", &q.area),
        ("q", &q.q),
        ("status", &q.status),
        ("year", &q.year),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            params.push((k, v.clone()));
        }
    }
    let link = |p: u64| {
        let mut qs: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        qs.push(format!("page={p}"));
        format!("{base}?{}", qs.join("&"))
    };
    let prev = (page > 0).then(|| link(page - 1));
    let next = ((page + 1) * PAGE < total).then(|| link(page + 1));
    (prev, next)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn area_options(s: &AppState) -> Result<Vec<(String, String)>, PageError> {
    Ok(s.store
        .list_areas(None)
        .await?
        .into_iter()
        .map(|a| (a.code.to_string(), a.name.to_string()))
        .collect())
}

#[derive(Template)]
#[template(path = "facilities.html")]
struct Facilities {
    nav: &'static str,
    area_options: Vec<(String, String)>,
    area: String,
    q: String,
    total: u64,
    facilities: Vec<FacilityRow>,
    prev: Option<String>,
    next: Option<String>,
}

pub(crate) async fn facilities(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let area = q.area();
    let page = s
        .store
        .list_facilities(&FacilityFilter {
            area,
            text: q.text(),
            paging: q.paging(),
            ..Default::default()
        })
        .await?;
    let (prev, next) = pager("/facilities", &q, page.total);
    render(&Facilities {
        nav: "facilities",
        area_options: area_options(&s).await?,
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        total: page.total,
        facilities: page.items.iter().map(facility_row).collect(),
        prev,
        next,
    })
}

#[derive(Template)]
#[template(path = "facility.html")]
struct FacilityPage {
    nav: &'static str,
    name: String,
    synthetic: bool,
    facts: Vec<(&'static str, String)>,
    doctors: Vec<(String, String)>,
    source: Option<String>,
}

pub(crate) async fn facility(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let id = FacilityId::parse(&id).map_err(|_| PageError::NotFound)?;
    let Some(Record::Facility(f)) = s.store.get(Entity::Facilities, id.as_str()).await? else {
        return Err(PageError::NotFound);
    };
    let muni = match f.municipality {
        Some(m) => match s.store.get(Entity::Municipalities, &m.to_string()).await? {
            Some(Record::Municipality(m)) => format!("{}（{}）", m.name(), m.code()),
            _ => m.to_string(),
        },
        None => "不明 / unknown".to_string(),
    };
    let mut facts = vec![
        ("ID", f.id.to_string()),
        ("種別 / kind", f.kind.label(Lang::Ja).to_string()),
        ("二次医療圏 / area", f.area.to_string()),
        ("所在地 / municipality", muni),
        (
            "病床 高度急性期・急性期・回復期・慢性期・休棟等 / beds",
            {
                let b = &f.beds;
                format!(
                    "{}・{}・{}・{}・{}（計 {}）",
                    b.high_acute,
                    b.acute,
                    b.recovery,
                    b.chronic,
                    b.idle,
                    b.total()
                )
            },
        ),
        (
            "常勤医師 / full-time doctors",
            format!("{}", f.doctors_fulltime),
        ),
        (
            "非常勤医師（常勤換算） / part-time FTE",
            format!("{}", f.doctors_parttime_fte),
        ),
        ("救急 / emergency", f.emergency.label(Lang::Ja).to_string()),
    ];
    if let Some(c) = f.coordinates {
        facts.push((
            "座標 / coordinates",
            format!("{:.5}, {:.5}", c.lat(), c.lon()),
        ));
    }
    let today = today();
    let doctors = s
        .store
        .list_doctors(&DoctorFilter {
            facility: Some(id.clone()),
            on: Some(today),
            ..Default::default()
        })
        .await?
        .items
        .into_iter()
        .map(|d| (d.id.to_string(), d.name.to_string()))
        .collect();
    render(&FacilityPage {
        nav: "facilities",
        name: f.name.to_string(),
        synthetic: f.synthetic,
        facts,
        doctors,
        source: f.source.clone(),
    })
}

struct DoctorRow {
    id: String,
    name: String,
    graduated: String,
    scheme: String,
    status: &'static str,
    synthetic: bool,
}

#[derive(Template)]
#[template(path = "doctors.html")]
struct Doctors {
    nav: &'static str,
    status_options: Vec<(String, String)>,
    area_options: Vec<(String, String)>,
    status: String,
    area: String,
    year: String,
    q: String,
    total: u64,
    doctors: Vec<DoctorRow>,
    prev: Option<String>,
    next: Option<String>,
}

pub(crate) async fn doctors(State(s): State<AppState>, Query(q): Query<ListQuery>) -> PageResult {
    let status = q
        .status
        .as_deref()
        .filter(|x| !x.is_empty())
        .and_then(|x| RegisterStatus::parse(x).ok());
    let area = q.area();
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok());
    let page = s
        .store
        .list_doctors(&DoctorFilter {
            status,
            area,
            graduation_year: year,
            text: q.text(),
            paging: q.paging(),
            ..Default::default()
        })
        .await?;
    let (prev, next) = pager("/doctors", &q, page.total);
    let doctors = page
        .items
        .iter()
        .map(|d| DoctorRow {
            id: d.id.to_string(),
            name: d.name.to_string(),
            graduated: format_wareki(d.graduation_date),
            scheme: d
                .enrolment
                .as_ref()
                .map(|e| e.scheme.to_string())
                .unwrap_or_default(),
            status: d.status.label(Lang::Ja),
            synthetic: d.synthetic,
        })
        .collect();
    render(&Doctors {
        nav: "doctors",
        status_options: RegisterStatus::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.label(Lang::Ja).to_string()))
            .collect(),
        area_options: area_options(&s).await?,
        status: status.map(|s| s.code().to_string()).unwrap_or_default(),
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        total: page.total,
        doctors,
        prev,
        next,
    })
}

struct TimelineRow {
    period: String,
    kind: &'static str,
    place: String,
    facility_id: Option<String>,
    fte: String,
}

#[derive(Template)]
#[template(path = "doctor.html")]
struct DoctorPage {
    nav: &'static str,
    name: String,
    synthetic: bool,
    facts: Vec<(&'static str, String)>,
    timeline: Vec<TimelineRow>,
}

pub(crate) async fn doctor(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let id = DoctorId::parse(&id).map_err(|_| PageError::NotFound)?;
    let Some(Record::Doctor(d)) = s.store.get(Entity::Doctors, id.as_str()).await? else {
        return Err(PageError::NotFound);
    };
    let mut facts = vec![
        ("ID", d.id.to_string()),
        (
            "フリガナ / kana",
            d.kana.as_ref().map(|k| k.to_string()).unwrap_or_default(),
        ),
        ("性別 / sex", d.sex.label(Lang::Ja).to_string()),
        ("生年月日 / born", both(d.birth_date)),
        (
            "出身大学 / university",
            d.university
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
        ),
        ("卒業 / graduated", both(d.graduation_date)),
        ("状態 / status", d.status.label(Lang::Ja).to_string()),
        (
            "時間外労働の水準 / work-hour level",
            d.work_hour_level.label(Lang::Ja).to_string(),
        ),
    ];
    if let Some(e) = &d.enrolment {
        facts.push(("制度 / scheme", e.scheme.to_string()));
        facts.push(("貸与期間 / loan", period(&e.loan)));
    }
    if let Some(sp) = d.target_specialty {
        facts.push(("基本領域 / specialty", sp.label(Lang::Ja).to_string()));
    }
    let assignments = s
        .store
        .list_assignments(&AssignmentFilter {
            doctors: Some(vec![id.clone()]),
            ..Default::default()
        })
        .await?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut timeline = Vec::new();
    for a in &assignments {
        let (place, facility_id) = match &a.place {
            Some(Workplace::Registered { facility }) => {
                let key = facility.to_string();
                if !names.contains_key(&key) {
                    let n = match s.store.get(Entity::Facilities, &key).await? {
                        Some(Record::Facility(f)) => f.name.to_string(),
                        _ => key.clone(),
                    };
                    names.insert(key.clone(), n);
                }
                (names[&key].clone(), Some(key))
            }
            Some(Workplace::External { name, .. }) => (name.to_string(), None),
            None => (String::new(), None),
        };
        timeline.push(TimelineRow {
            period: period(&a.period),
            kind: a.kind.label(Lang::Ja),
            place,
            facility_id,
            fte: a.fte.to_string(),
        });
    }
    render(&DoctorPage {
        nav: "doctors",
        name: d.name.to_string(),
        synthetic: d.synthetic,
        facts,
        timeline,
    })
}
