//! Server-rendered pages of the register: areas, facilities, doctors, and the audit log.
//! Every page runs for the logged-in user through `chiiki_app`, which scopes what it sees.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Html;
use chiiki_app::access::{Permission, Principal};
use chiiki_app::auth::Session;
use chiiki_app::register::{self, ListFilter};
use chiiki_domain::{
    AreaCode, DoctorId, Entity, FacilityId, Lang, NaiveDate, Period, Record, RegisterStatus,
    format_iso, format_wareki,
};
use chiiki_store::{AuditFilter, Paging};
use serde::Deserialize;

use crate::i18n::T;
use crate::session::{Auth, Prefs};
use crate::{AppState, PageError};

const PAGE: u64 = 50;

type PageResult = Result<Html<String>, PageError>;

pub(crate) fn render(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?))
}

/// What every page shows around its content: navigation, the user, the forms' CSRF token,
/// the display preferences.
pub(crate) struct Chrome {
    pub nav: &'static str,
    /// The messages in the user's language.
    pub t: T,
    pub user: Option<(String, &'static str)>,
    pub csrf: String,
    pub prefs: Prefs,
    pub can_audit: bool,
    pub can_write: bool,
    pub can_manage: bool,
    /// Whether the register's obligation views are in the navigation.
    pub can_obligations: bool,
    /// Whether the rotation plans of the prefecture are in the navigation.
    pub can_rotation: bool,
    /// Whether the user's own rotation plan is (a doctor's account).
    pub my_rotation: bool,
    /// Whether the duty rosters are in the navigation: facility accounts (their own) and the
    /// centre's staff (the prefecture's).
    pub can_duty: bool,
    /// Whether the register (areas, facilities, doctors, placement, dispatch) is: everyone
    /// but an alliance's secretariat.
    pub can_register: bool,
    /// Whether the regional medical alliances are.
    pub can_alliances: bool,
    /// Whether the doctor bank is.
    pub can_bank: bool,
    /// The centre's seminars, when they are: their scope's key (the prefecture's code).
    pub seminars: Option<String>,
    /// This page, to come back to after changing a preference.
    pub here: String,
}

impl Chrome {
    pub fn new(session: &Session, prefs: Prefs, nav: &'static str, uri: &Uri) -> Chrome {
        let p = &session.principal;
        Chrome {
            nav,
            t: T(prefs.lang),
            user: Some((p.display_name.clone(), p.role.label(prefs.lang))),
            csrf: session.csrf.clone(),
            prefs,
            can_audit: p.can(Permission::ReadAudit),
            can_write: p.can(Permission::WriteRegister),
            can_manage: p.can(Permission::ManageAccounts),
            can_obligations: chiiki_app::obligations::may_read_register_views(p),
            can_rotation: chiiki_app::rotation::may_read(p),
            my_rotation: p.role == chiiki_domain::Role::Doctor && p.doctor.is_some(),
            can_duty: chiiki_app::duty::may_open(p),
            can_register: p.can(Permission::ReadRegister),
            can_alliances: chiiki_app::alliance::may_open(p),
            can_bank: chiiki_app::doctor_bank::may_open(p),
            seminars: chiiki_app::training::seminar_home(p).map(|s| s.key()),
            here: urlencode(uri.path_and_query().map(|x| x.as_str()).unwrap_or("/")),
        }
    }

    pub fn anonymous() -> Chrome {
        Chrome {
            nav: "",
            t: T(Lang::Ja),
            user: None,
            csrf: String::new(),
            prefs: Prefs {
                lang: Lang::Ja,
                wareki: true,
            },
            can_audit: false,
            can_write: false,
            can_manage: false,
            can_obligations: false,
            can_rotation: false,
            my_rotation: false,
            can_duty: false,
            can_register: false,
            can_alliances: false,
            can_bank: false,
            seminars: None,
            here: "%2F".into(),
        }
    }

    /// The page's language, for `<html lang>`.
    pub fn lang_code(&self) -> &'static str {
        match self.prefs.lang {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// A date as the user prefers it.
    pub fn date(&self, d: NaiveDate) -> String {
        if self.prefs.wareki {
            format_wareki(d)
        } else {
            format_iso(d)
        }
    }

    pub fn period(&self, p: &Period) -> String {
        match p.end() {
            Some(e) => format!("{} – {}", self.date(p.start()), self.date(e)),
            None => format!("{} –", self.date(p.start())),
        }
    }

    /// Both forms, the preferred first.
    pub fn date_both(&self, d: NaiveDate) -> String {
        if self.prefs.wareki {
            format!("{}（{}）", format_wareki(d), format_iso(d))
        } else {
            format!("{} ({})", format_iso(d), format_wareki(d))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub title: String,
    /// What went wrong and how to fix it, in both languages.
    pub message: Option<chiiki_domain::Msg>,
    pub chrome: Chrome,
}

pub(crate) async fn not_found() -> PageError {
    PageError::NotFound
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
    counts: Vec<(&'static str, &'static str, u64)>,
    /// The classes of the user's areas on a map (none for roles that do not read areas).
    map: Option<String>,
    source: &'static str,
    map_source: &'static str,
    /// A doctor's own plan in the rotation plan in force: the version's number.
    my_rotation: Option<u32>,
}

/// The analysis of the areas the user may see; none for a role that may not read the
/// register (a doctor sees their own record only).
async fn visible_analysis(
    s: &AppState,
    who: &Principal,
) -> Result<Vec<chiiki_app::analysis::AreaAnalysis>, PageError> {
    if !who.can(Permission::ReadRegister) {
        return Ok(Vec::new());
    }
    Ok(chiiki_app::analysis::analyze(s.store.as_ref(), who, false).await?)
}

/// A link from a map to the area's page.
fn area_link(a: &chiiki_app::analysis::AreaAnalysis) -> Option<String> {
    Some(format!("/areas/{}", a.area_code))
}

/// A prefecture's name in the language.
pub(crate) fn pref_name(pref: chiiki_domain::PrefCode, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => pref.name_ja(),
        Lang::En => pref.name_en(),
    }
}

/// A fiscal year as a heading: "2027年度" / "FY2027".
pub(crate) fn fy(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Ja => format!("{year}年度"),
        Lang::En => format!("FY{year}"),
    }
}

/// A share as a percentage with one decimal.
pub(crate) fn percent(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

/// An app error on reading: what is missing (or not the user's) is the missing page.
pub(crate) fn reading(e: chiiki_app::AppError) -> PageError {
    match e {
        chiiki_app::AppError::Rejected(_) => PageError::NotFound,
        // `Missing` is 404 by `From<AppError> for PageError`.
        other => other.into(),
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> PageError {
    PageError::Internal(e.to_string())
}

pub(crate) async fn home(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    // A secretariat's work is its alliance: its home is the alliance's page.
    if let (chiiki_domain::Role::Secretariat, Some(id)) =
        (session.principal.role, &session.principal.alliance)
    {
        return Ok(axum::response::Redirect::to(&format!("/alliances/{id}")).into_response());
    }
    let c = register::counts(s.store.as_ref(), &session.principal).await?;
    let n = |e: Entity| c.get(&e).copied().unwrap_or(0);
    let t = T(prefs.lang);
    let rows = visible_analysis(&s, &session.principal).await?;
    let map = chiiki_report::map::scope_map(&rows, &area_link, "home").map_err(internal)?;
    let who = &session.principal;
    let my_rotation = match (who.role, &who.doctor, who.pref) {
        (chiiki_domain::Role::Doctor, Some(_), Some(pref)) => {
            chiiki_app::rotation::in_force(s.store.as_ref(), pref).await?
        }
        _ => None,
    };
    render(&Home {
        my_rotation,
        map,
        map_source: chiiki_report::map::MAP_SOURCE,
        chrome: Chrome::new(&session, prefs, "", &uri),
        counts: vec![
            (t.get("nav.areas"), "/areas", n(Entity::Areas)),
            (
                t.get("nav.facilities"),
                "/facilities",
                n(Entity::Facilities),
            ),
            (t.get("nav.doctors"), "/doctors", n(Entity::Doctors)),
            (
                t.get("home.assignments"),
                "/doctors",
                n(Entity::Assignments),
            ),
        ],
        source: chiiki_app::refdata::HOSPITALS_SOURCE,
    })
    .map(IntoResponse::into_response)
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
    chrome: Chrome,
    areas: Vec<AreaRow>,
}

pub(crate) async fn areas(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let who = &session.principal;
    let store = s.store.as_ref();
    let areas = register::areas_with_facility_counts(store, who)
        .await?
        .into_iter()
        .map(|(a, facilities)| AreaRow {
            code: a.code.to_string(),
            name: a.name.to_string(),
            pref: pref_name(a.pref(), prefs.lang),
            facilities,
        })
        .collect();
    render(&Areas {
        chrome: Chrome::new(&session, prefs, "areas", &uri),
        areas,
    })
}

struct MunicipalityRow {
    code: String,
    code6: String,
    name: String,
    area: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "municipalities.html")]
struct Municipalities {
    chrome: Chrome,
    area_options: Vec<(String, String)>,
    area: String,
    rows: Vec<MunicipalityRow>,
}

pub(crate) async fn municipalities(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let who = &session.principal;
    let area = q.area();
    let filter = ListFilter {
        area,
        ..Default::default()
    };
    let rows = register::list(
        s.store.as_ref(),
        who,
        Entity::Municipalities,
        &filter,
        Paging::default(),
    )
    .await?
    .items
    .into_iter()
    .filter_map(|r| match r {
        Record::Municipality(m) => Some(MunicipalityRow {
            code: m.code().code5(),
            code6: m.code().code6(),
            name: m.name().to_string(),
            area: m.area().to_string(),
            kind: match m.kind() {
                chiiki_domain::MunicipalityKind::Municipality => "municipality.kind.municipality",
                chiiki_domain::MunicipalityKind::DesignatedCity => {
                    "municipality.kind.designated_city"
                }
                chiiki_domain::MunicipalityKind::Ward => "municipality.kind.ward",
            },
        }),
        _ => None,
    })
    .collect();
    render(&Municipalities {
        chrome: Chrome::new(&session, prefs, "areas", &uri),
        area_options: area_options(&s, who).await?,
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        rows,
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

fn facility_rows(records: Vec<Record>, lang: Lang) -> Vec<FacilityRow> {
    records
        .into_iter()
        .filter_map(|r| match r {
            Record::Facility(f) => Some(FacilityRow {
                id: f.id.to_string(),
                name: f.name.to_string(),
                kind: f.kind.label(lang),
                area: f.area.to_string(),
                beds: f.beds.total(),
                doctors: format!("{:.1}", f.doctors_fte()),
                synthetic: f.synthetic,
            }),
            _ => None,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    chrome: Chrome,
    code: String,
    name: String,
    municipalities: Vec<(String, String)>,
    facilities: Vec<FacilityRow>,
    outlook: Option<AreaOutlookView>,
}

/// An area's figures and charts on its page.
struct AreaOutlookView {
    index: String,
    class_code: &'static str,
    class_label: &'static str,
    rank: u32,
    deviation: String,
    target: String,
    needed: String,
    map: Option<String>,
    charts: Charts,
    years: Vec<YearView>,
    beds: Vec<BedView>,
    gaps: Vec<String>,
    source: &'static str,
    map_source: &'static str,
}

/// The charts of a set of areas (see `chiiki_report::figures`).
struct Charts {
    population: String,
    demand: String,
    doctors: String,
    pyramid: Option<String>,
    beds: String,
}

impl Charts {
    fn of(
        areas: &[chiiki_app::analysis::AreaAnalysis],
        whole: &str,
        each: bool,
    ) -> Result<Charts, PageError> {
        use chiiki_report::figures;
        let sums = figures::sums(areas);
        Ok(Charts {
            population: figures::population_chart(&sums).map_err(internal)?,
            demand: figures::demand_chart(&sums, whole, each.then_some(areas)).map_err(internal)?,
            doctors: figures::doctors_chart(&sums).map_err(internal)?,
            pyramid: figures::pyramid_chart(areas).map_err(internal)?,
            beds: figures::beds_chart(&sums).map_err(internal)?,
        })
    }
}

struct YearView {
    year: i32,
    population: String,
    aged_75: String,
    medical: String,
    care: String,
    needed: String,
    supply: String,
    gap: String,
}

struct BedView {
    function: &'static str,
    reported: String,
    necessary: String,
    necessary_2040: String,
    flag_code: &'static str,
    flag_label: &'static str,
}

pub(crate) async fn area(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(code): Path<String>,
) -> PageResult {
    let who = &session.principal;
    let store = s.store.as_ref();
    let code = AreaCode::parse(&code).map_err(|_| PageError::NotFound)?;
    let Some(Record::Area(a)) = register::get(store, who, Entity::Areas, &code.to_string()).await?
    else {
        return Err(PageError::NotFound);
    };
    let filter = ListFilter {
        area: Some(code),
        ..Default::default()
    };
    let municipalities = register::list(
        store,
        who,
        Entity::Municipalities,
        &filter,
        Paging::default(),
    )
    .await?
    .items
    .into_iter()
    .filter_map(|r| match r {
        Record::Municipality(m) => Some((m.code().to_string(), m.name().to_string())),
        _ => None,
    })
    .collect();
    let facilities = facility_rows(
        register::list(store, who, Entity::Facilities, &filter, Paging::default())
            .await?
            .items,
        prefs.lang,
    );
    let rows = visible_analysis(&s, who).await?;
    let outlook = match rows.iter().find(|r| r.area_code == code.to_string()) {
        None => None,
        Some(r) => {
            let num = chiiki_report::html::num;
            let same_pref: Vec<_> = rows
                .iter()
                .filter(|x| x.pref_code == r.pref_code)
                .cloned()
                .collect();
            Some(AreaOutlookView {
                index: format!("{:.1}", r.maldistribution_index),
                class_code: r.class.code(),
                class_label: r.class.label(prefs.lang),
                rank: r.rank,
                deviation: num(r.index_deviation, 1),
                target: num(r.target_doctors_2026, 0),
                needed: num(r.doctors_for_national_2036, 0),
                map: chiiki_report::map::scope_map(&same_pref, &area_link, "area")
                    .map_err(internal)?,
                charts: Charts::of(std::slice::from_ref(r), &r.area_name, false)?,
                years: r
                    .years
                    .iter()
                    .map(|y| YearView {
                        year: y.year,
                        population: num(y.population, 0),
                        aged_75: num(y.aged_75_plus, 0),
                        medical: num(y.medical_demand_index, 1),
                        care: num(y.care_demand_index, 1),
                        needed: num(y.doctors_needed, 1),
                        supply: num(y.supply, 1),
                        gap: num(y.gap, 1),
                    })
                    .collect(),
                beds: r
                    .beds
                    .iter()
                    .map(|b| BedView {
                        function: b.function.label(prefs.lang),
                        reported: num(b.reported, 0),
                        necessary: num(b.necessary_2025, 0),
                        necessary_2040: num(b.necessary_2040, 0),
                        flag_code: b.flag.code(),
                        flag_label: b.flag.label(prefs.lang),
                    })
                    .collect(),
                gaps: r.gaps.clone(),
                source: chiiki_app::analysis::SOURCES,
                map_source: chiiki_report::map::MAP_SOURCE,
            })
        }
    };
    render(&AreaPage {
        chrome: Chrome::new(&session, prefs, "areas", &uri),
        code: code.to_string(),
        name: a.name.to_string(),
        municipalities,
        facilities,
        outlook,
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
    /// The filters as a query string, for links that keep them.
    fn query(&self) -> String {
        [
            ("area", &self.area),
            ("q", &self.q),
            ("status", &self.status),
            ("year", &self.year),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlencode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

fn pager(base: &str, q: &ListQuery, total: u64) -> (Option<String>, Option<String>) {
    let page = q.page.unwrap_or(0);
    let filters = q.query();
    let link = |p: u64| {
        if filters.is_empty() {
            format!("{base}?page={p}")
        } else {
            format!("{base}?{filters}&page={p}")
        }
    };
    let prev = (page > 0).then(|| link(page - 1));
    let next = ((page + 1) * PAGE < total).then(|| link(page + 1));
    (prev, next)
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn area_options(s: &AppState, who: &Principal) -> Result<Vec<(String, String)>, PageError> {
    Ok(register::list(
        s.store.as_ref(),
        who,
        Entity::Areas,
        &ListFilter::default(),
        Paging::default(),
    )
    .await?
    .items
    .into_iter()
    .filter_map(|r| match r {
        Record::Area(a) => Some((a.code.to_string(), a.name.to_string())),
        _ => None,
    })
    .collect())
}

#[derive(Template)]
#[template(path = "facilities.html")]
struct Facilities {
    chrome: Chrome,
    query: String,
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
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let who = &session.principal;
    let area = q.area();
    let filter = ListFilter {
        area,
        text: q.text(),
        ..Default::default()
    };
    let page = register::list(
        s.store.as_ref(),
        who,
        Entity::Facilities,
        &filter,
        q.paging(),
    )
    .await?;
    let (prev, next) = pager("/facilities", &q, page.total);
    render(&Facilities {
        chrome: Chrome::new(&session, prefs, "facilities", &uri),
        query: q.query(),
        area_options: area_options(&s, who).await?,
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        total: page.total,
        facilities: facility_rows(page.items, prefs.lang),
        prev,
        next,
    })
}

#[derive(Template)]
#[template(path = "facility.html")]
struct FacilityPage {
    chrome: Chrome,
    name: String,
    synthetic: bool,
    facts: Vec<(&'static str, String)>,
    doctors: Vec<(String, String)>,
    source: Option<String>,
}

pub(crate) async fn facility(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
) -> PageResult {
    let who = &session.principal;
    let store = s.store.as_ref();
    let id = FacilityId::parse(&id).map_err(|_| PageError::NotFound)?;
    let Some(Record::Facility(f)) =
        register::get(store, who, Entity::Facilities, id.as_str()).await?
    else {
        return Err(PageError::NotFound);
    };
    let muni = match f.municipality {
        Some(m) => match register::get(store, who, Entity::Municipalities, &m.to_string()).await? {
            Some(Record::Municipality(m)) => format!("{}（{}）", m.name(), m.code()),
            _ => m.to_string(),
        },
        None => T(prefs.lang)
            .get("facility.unknown_municipality")
            .to_string(),
    };
    let mut facts = vec![
        ("facility.id", f.id.to_string()),
        ("facility.kind", f.kind.label(prefs.lang).to_string()),
        ("facility.area", f.area.to_string()),
        ("facility.municipality", muni),
        ("facility.beds", {
            let b = &f.beds;
            format!(
                "{}・{}・{}・{}・{} ({} {})",
                b.high_acute,
                b.acute,
                b.recovery,
                b.chronic,
                b.idle,
                T(prefs.lang).get("facility.total"),
                b.total()
            )
        }),
        ("facility.fulltime", format!("{}", f.doctors_fulltime)),
        ("facility.parttime", format!("{}", f.doctors_parttime_fte)),
        (
            "facility.emergency",
            f.emergency.label(prefs.lang).to_string(),
        ),
    ];
    if let Some(c) = f.coordinates {
        facts.push((
            "facility.coordinates",
            format!("{:.5}, {:.5}", c.lat(), c.lon()),
        ));
    }
    let filter = ListFilter {
        facility: Some(id.clone()),
        ..Default::default()
    };
    let doctors = register::list(store, who, Entity::Doctors, &filter, Paging::default())
        .await?
        .items
        .into_iter()
        .filter_map(|r| match r {
            Record::Doctor(d) => Some((d.id.to_string(), d.name.to_string())),
            _ => None,
        })
        .collect();
    render(&FacilityPage {
        chrome: Chrome::new(&session, prefs, "facilities", &uri),
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
    chrome: Chrome,
    query: String,
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

pub(crate) async fn doctors(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let who = &session.principal;
    let chrome = Chrome::new(&session, prefs, "doctors", &uri);
    let status = q
        .status
        .as_deref()
        .filter(|x| !x.is_empty())
        .and_then(|x| RegisterStatus::parse(x).ok());
    let area = q.area();
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok());
    let filter = ListFilter {
        status,
        area,
        graduation_year: year,
        text: q.text(),
        ..Default::default()
    };
    let page = register::list(s.store.as_ref(), who, Entity::Doctors, &filter, q.paging()).await?;
    let (prev, next) = pager("/doctors", &q, page.total);
    let doctors = page
        .items
        .into_iter()
        .filter_map(|r| match r {
            Record::Doctor(d) => Some(DoctorRow {
                id: d.id.to_string(),
                name: d.name.to_string(),
                graduated: chrome.date(d.graduation_date),
                scheme: d
                    .enrolment
                    .as_ref()
                    .map(|e| e.scheme.to_string())
                    .unwrap_or_default(),
                status: d.status.label(prefs.lang),
                synthetic: d.synthetic,
            }),
            _ => None,
        })
        .collect();
    render(&Doctors {
        query: q.query(),
        status_options: RegisterStatus::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.label(prefs.lang).to_string()))
            .collect(),
        area_options: area_options(&s, who).await?,
        status: status.map(|s| s.code().to_string()).unwrap_or_default(),
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        total: page.total,
        doctors,
        prev,
        next,
        chrome,
    })
}

struct TimelineRow {
    id: String,
    open: bool,
    /// The last day the end form proposes: today, or the first day of a future assignment.
    end_default: String,
    period: String,
    kind: &'static str,
    place: String,
    facility_id: Option<String>,
    fte: String,
}

#[derive(Template)]
#[template(path = "doctor.html")]
struct DoctorPage {
    chrome: Chrome,
    id: String,
    can_write: bool,
    /// The doctor's version the page's forms were made from (optimistic locking).
    version: u64,
    name: String,
    synthetic: bool,
    facts: Vec<(&'static str, String)>,
    /// The obligation, for a doctor enrolled in a scheme.
    obligation: Option<crate::obligations::ObligationView>,
    timeline: Vec<TimelineRow>,
}

pub(crate) async fn doctor(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<crate::obligations::AsOfQuery>,
) -> PageResult {
    let chrome = Chrome::new(&session, prefs, "doctors", &uri);
    let id = DoctorId::parse(&id).map_err(|_| PageError::NotFound)?;
    // Read before the record, so that the forms never carry a version newer than they show.
    let version = s
        .store
        .version_of(&chiiki_store::Versioned::Doctor(id.clone()))
        .await?
        .unwrap_or(1);
    let Some((d, assignments)) =
        register::doctor_timeline(s.store.as_ref(), &session.principal, &id).await?
    else {
        return Err(PageError::NotFound);
    };
    let as_of = q.date()?;
    let obligation =
        crate::obligations::doctor_section(&s, &session.principal, &id, as_of, &chrome).await?;
    let mut facts = vec![
        ("facility.id", d.id.to_string()),
        (
            "doctor.kana",
            d.kana.as_ref().map(|k| k.to_string()).unwrap_or_default(),
        ),
        ("doctor.sex", d.sex.label(prefs.lang).to_string()),
        ("doctor.born", chrome.date_both(d.birth_date)),
        (
            "doctor.university",
            d.university
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
        ),
        ("doctor.graduated", chrome.date_both(d.graduation_date)),
        ("doctor.status", d.status.label(prefs.lang).to_string()),
        (
            "doctor.level",
            d.work_hour_level.label(prefs.lang).to_string(),
        ),
    ];
    if let Some(e) = &d.enrolment {
        facts.push(("doctor.scheme", e.scheme.to_string()));
        facts.push(("doctor.loan", chrome.period(&e.loan)));
    }
    if let Some(sp) = d.target_specialty {
        facts.push(("doctor.specialty", sp.label(prefs.lang).to_string()));
    }
    let today = chrono::Local::now().date_naive();
    let timeline = assignments
        .iter()
        .map(|(a, place)| TimelineRow {
            id: a.id.to_string(),
            open: a.period.end().is_none_or(|e| e >= today),
            end_default: today.max(a.period.start()).to_string(),
            period: chrome.period(&a.period),
            kind: a.kind.label(prefs.lang),
            place: place.clone().unwrap_or_default(),
            facility_id: match &a.place {
                Some(chiiki_domain::Workplace::Registered { facility }) => {
                    Some(facility.to_string())
                }
                _ => None,
            },
            fte: a.fte.to_string(),
        })
        .collect();
    render(&DoctorPage {
        chrome,
        id: d.id.to_string(),
        can_write: session.principal.may_write(d.pref),
        version,
        name: d.name.to_string(),
        synthetic: d.synthetic,
        facts,
        obligation,
        timeline,
    })
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    before: String,
    after: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    entity: Option<String>,
    id: Option<String>,
    actor: Option<String>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    entity: String,
    id: String,
    actor: String,
    total: u64,
    events: Vec<AuditRow>,
    prev: Option<String>,
    next: Option<String>,
}

pub(crate) async fn audit(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let some = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    let filter = AuditFilter {
        entity: some(&q.entity),
        entity_id: some(&q.id),
        actor: some(&q.actor),
        pref: None,
        paging: Paging {
            limit: Some(PAGE),
            offset: q.page.unwrap_or(0) * PAGE,
        },
    };
    let page = chiiki_app::audit::list(s.store.as_ref(), &session.principal, filter).await?;
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let events = page
        .items
        .iter()
        .map(|e| AuditRow {
            at: e
                .at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            before: json(&e.before),
            after: json(&e.after),
        })
        .collect();
    let base = format!(
        "/audit?entity={}&id={}&actor={}",
        urlencode(&q.entity.clone().unwrap_or_default()),
        urlencode(&q.id.clone().unwrap_or_default()),
        urlencode(&q.actor.clone().unwrap_or_default())
    );
    let p = q.page.unwrap_or(0);
    render(&AuditPage {
        chrome: Chrome::new(&session, prefs, "audit", &uri),
        entity: q.entity.clone().unwrap_or_default(),
        id: q.id.clone().unwrap_or_default(),
        actor: q.actor.clone().unwrap_or_default(),
        total: page.total,
        events,
        prev: (p > 0).then(|| format!("{base}&page={}", p - 1)),
        next: ((p + 1) * PAGE < page.total).then(|| format!("{base}&page={}", p + 1)),
    })
}

struct AnalysisRow {
    code: String,
    name: String,
    index: String,
    class_code: &'static str,
    class_label: &'static str,
    rank: u32,
    deviation: String,
    doctors: String,
    beds: String,
}

#[derive(Template)]
#[template(path = "analytics.html")]
struct AnalyticsPage {
    chrome: Chrome,
    chart: String,
    map: Option<String>,
    charts: Option<Charts>,
    rows: Vec<AnalysisRow>,
    source: &'static str,
    map_source: &'static str,
}

/// The shortage analytics of the areas the user may see: table and chart.
pub(crate) async fn analytics(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let rows = chiiki_app::analysis::analyze(s.store.as_ref(), &session.principal, false).await?;
    let map = chiiki_report::map::scope_map(&rows, &area_link, "analytics").map_err(internal)?;
    let charts = if rows.is_empty() {
        None
    } else {
        let whole = match prefs.lang {
            Lang::Ja => "計",
            Lang::En => "all",
        };
        Some(Charts::of(&rows, whole, rows.len() <= 12)?)
    };
    let num = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into());
    let labels: Vec<String> = rows.iter().map(|r| r.area_name.clone()).collect();
    let values: Vec<f64> = rows.iter().map(|r| r.maldistribution_index).collect();
    let chart =
        chiiki_report::charts::index_bars(&labels, &values, chiiki_analytics::NATIONAL_INDEX_2024)
            .map_err(|e| PageError::Internal(e.to_string()))?;
    let rows = rows
        .iter()
        .map(|r| AnalysisRow {
            code: r.area_code.clone(),
            name: r.area_name.clone(),
            index: format!("{:.1}", r.maldistribution_index),
            class_code: r.class.code(),
            class_label: r.class.label(prefs.lang),
            rank: r.rank,
            deviation: num(r.index_deviation),
            doctors: num(r.hospital_doctors_per_100k),
            beds: num(r.beds_per_100k),
        })
        .collect();
    render(&AnalyticsPage {
        chrome: Chrome::new(&session, prefs, "analytics", &uri),
        chart,
        map,
        charts,
        rows,
        source: chiiki_app::analysis::SOURCES,
        map_source: chiiki_report::map::MAP_SOURCE,
    })
}
