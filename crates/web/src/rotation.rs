//! Multi-year rotation plans (複数年ローテーション計画) in the browser: the prefecture's plan
//! versions with their figures (a coordinator plans a new one), a version's page — the
//! cohort's Gantt chart, coverage by area and year, the doctors no plan serves and why,
//! what the checks found, the changes from the version it replans, downloads, the replan
//! and adoption forms — and one doctor's plan with the reasons for every year. A doctor
//! reads their own plan in the version in force. The rules are in `chiiki_app::rotation`;
//! this module shows them.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chiiki_app::AppError;
use chiiki_app::access::Principal;
use chiiki_app::auth::Session;
use chiiki_app::rotation::{self as rt, Finding, SiteInput, Version, YearInput};
use chiiki_domain::{FiscalYear, Lang, Msg, Name, PrefCode, Rationale};
use chiiki_report::gantt::{self, Cell, CellKind, Gantt, GanttRow, Site};
use chiiki_tabular::Format;
use serde::Deserialize;

use crate::forms::{Fields, answer, field};
use crate::i18n::T;
use crate::pages::{Chrome, fy, internal, percent, pref_name};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// An app error on reading: a version or a doctor that is not there is 404.
fn reading(e: AppError) -> PageError {
    match e {
        AppError::Rejected(_) => PageError::NotFound,
        other => other.into(),
    }
}

/// `?pref=` of the rotation pages: the prefecture an administrator looks at. Anyone else's
/// is their own; the app refuses another one.
#[derive(Deserialize, Default)]
pub(crate) struct PrefQuery {
    pref: Option<String>,
}

/// The prefecture asked for, else the user's own; `None` for an administrator who has not
/// chosen one. A code that is not one is a page that does not exist.
fn pref_of(who: &Principal, asked: Option<&str>) -> Result<Option<PrefCode>, PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => PrefCode::parse(s)
            .map(Some)
            .map_err(|_| PageError::NotFound),
        None => Ok(who.pref),
    }
}

/// The prefecture of a version's page: there must be one.
fn pref_needed(who: &Principal, asked: Option<&str>) -> Result<PrefCode, PageError> {
    pref_of(who, asked)?.ok_or(PageError::NotFound)
}

/// What links of the pages carry to stay in the prefecture: nothing for the user's own.
fn pref_suffix(who: &Principal, pref: PrefCode) -> String {
    if who.pref == Some(pref) {
        String::new()
    } else {
        format!("?pref={pref}")
    }
}

/// "2027–2036年度" / "FY2027–2036".
fn span(lang: Lang, first: i32, years: usize) -> String {
    let last = first + years.max(1) as i32 - 1;
    match (lang, years) {
        (Lang::Ja, 1) => format!("{first}年度"),
        (Lang::Ja, _) => format!("{first}–{last}年度"),
        (Lang::En, 1) => format!("FY{first}"),
        (Lang::En, _) => format!("FY{first}–{last}"),
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Another plan is being computed: the planner uses every core.
fn busy() -> AppError {
    AppError::Rejected(Msg::new(
        "別の計画を計算中です。終わってからもう一度お試しください",
        "another plan is being computed: try again when it is done",
    ))
}

/// Runs a planning one at a time (the planner uses every core), to its end even when the
/// browser stops waiting: the version is kept, and the list shows it.
pub(crate) async fn planning<T: Send + 'static>(
    s: &AppState,
    work: impl std::future::Future<Output = Result<T, AppError>> + Send + 'static,
) -> Result<T, AppError> {
    let permit = s.planning.clone().try_acquire_owned().map_err(|_| busy())?;
    tokio::spawn(async move {
        let _one_at_a_time = permit;
        work.await
    })
    .await
    .map_err(|e| AppError::Internal(format!("the planner stopped: {e}")))?
}

// ---------------------------------------------------------------------------------------
// The versions of a prefecture

/// A version in the list.
struct VersionLine {
    seq: u32,
    href: String,
    label: String,
    span: String,
    parent: Option<u32>,
    planned: usize,
    doctors: usize,
    fill: String,
    gap: String,
    proven: bool,
    violations: usize,
    obligation_failures: usize,
    seconds: String,
    adopted: bool,
    in_force: bool,
    created_by: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "rotation_versions.html")]
struct VersionsPage {
    chrome: Chrome,
    /// The prefecture shown (code, name), if one is chosen.
    pref: Option<(String, &'static str)>,
    /// The prefectures an administrator chooses from, when they have none of their own.
    choices: Vec<(String, &'static str)>,
    versions: Vec<VersionLine>,
    can_plan: bool,
    /// The plan form's fields: first fiscal year, years, label.
    first_year: String,
    years: String,
    label: String,
    error: Option<String>,
}

/// The plan form as it was sent, to show it again with its problem.
struct PlanForm {
    first_year: String,
    years: String,
    label: String,
}

async fn versions_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    pref: Option<PrefCode>,
    form: Option<PlanForm>,
    error: Option<Msg>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    let lang = prefs.lang;
    let rows = match pref {
        Some(p) => rt::versions(s.store.as_ref(), who, p).await?,
        None => {
            // Nothing to list until a prefecture is chosen; the app still says who may read.
            if !rt::may_read(who) {
                return Err(PageError::Forbidden);
            }
            Vec::new()
        }
    };
    let suffix = pref.map_or(String::new(), |p| pref_suffix(who, p));
    let versions = rows
        .iter()
        .map(|r| VersionLine {
            seq: r.seq,
            href: format!("/rotation/{}{suffix}", r.seq),
            label: r.label.clone(),
            span: span(lang, r.first_year, usize::from(r.years)),
            parent: r.parent,
            planned: r.figures.planned,
            doctors: r.figures.doctors,
            fill: percent(r.figures.fill_rate()),
            gap: r.figures.gap.map_or("—".into(), percent),
            proven: r.figures.proven,
            violations: r.figures.violations,
            obligation_failures: r.figures.obligation_failures,
            seconds: format!("{:.1}", r.figures.seconds),
            adopted: r.adoption.is_some(),
            in_force: r.in_force,
            created_by: r.created_by.clone(),
            created_at: when(r.created_at),
        })
        .collect();
    let next_year = FiscalYear::of(chrono::Local::now().date_naive()).year() + 1;
    let form = form.unwrap_or(PlanForm {
        first_year: next_year.to_string(),
        years: "10".into(),
        label: String::new(),
    });
    let page = VersionsPage {
        chrome: Chrome::new(session, prefs, "rotation", uri),
        pref: pref.map(|p| (p.to_string(), pref_name(p, lang))),
        choices: if who.pref.is_none() {
            PrefCode::all()
                .map(|p| (p.to_string(), pref_name(p, lang)))
                .collect()
        } else {
            Vec::new()
        },
        versions,
        can_plan: pref.is_some() && rt::may_plan(who),
        first_year: form.first_year,
        years: form.years,
        label: form.label,
        error: error.map(|m| m.get(lang).to_string()),
    };
    Ok(Html(page.render()?))
}

/// `GET /rotation`: the versions of the user's prefecture (an administrator's `?pref=`).
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<PrefQuery>,
) -> Result<Html<String>, PageError> {
    let pref = pref_of(&session.principal, q.pref.as_deref())?;
    versions_page(&s, &session, prefs, &uri, pref, None, None).await
}

/// `POST /rotation`: plans the prefecture's cohort as a new version, then its page.
pub(crate) async fn plan(
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
    let pref = pref_needed(who, Some(field(&f, "pref")))?;
    // Refused before waiting for the planner; the app decides again when planning.
    if !rt::may_plan(who) {
        return Err(PageError::Forbidden);
    }
    let result = async {
        let first = FiscalYear::parse(field(&f, "first_year")).map_err(AppError::invalid)?;
        let years_text = field(&f, "years");
        let years: u8 = years_text.parse().map_err(|_| {
            AppError::Rejected(Msg::new(
                format!("年数「{years_text}」は1〜15の整数で入力してください"),
                format!("the years '{years_text}' must be a whole number from 1 to 15"),
            ))
        })?;
        let horizon = rt::Horizon::new(first, years)?;
        let label = match field(&f, "label") {
            // Unnamed: the horizon, in both languages.
            "" => {
                let n = usize::from(years);
                format!(
                    "{} / {}",
                    span(Lang::Ja, first.year(), n),
                    span(Lang::En, first.year(), n)
                )
            }
            l => l.to_string(),
        };
        let label = Name::parse(&label).map_err(AppError::invalid)?;
        let (store, who, effort) = (s.store.clone(), who.clone(), s.rotation_effort);
        planning(&s, async move {
            rt::plan(store.as_ref(), &who, pref, horizon, label, effort).await
        })
        .await
    }
    .await;
    let form = PlanForm {
        first_year: field(&f, "first_year").to_string(),
        years: field(&f, "years").to_string(),
        label: field(&f, "label").to_string(),
    };
    answer(
        result,
        |v| format!("/rotation/{}{}", v.seq, pref_suffix(who, pref)),
        |m| versions_page(&s, &session, prefs, &uri, Some(pref), Some(form), Some(m)),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The Gantt chart

/// A site's cell of the chart.
fn site_cell(site: &SiteInput, kind: CellKind, changed: bool, note: String) -> Cell {
    Cell::Site(Site {
        label: site.name.clone(),
        group: Some(site.group),
        designated: site.designated,
        kind,
        changed,
        note,
    })
}

/// One doctor's years as cells: fixed years as decided, free years as planned, leave
/// hatched, years outside the plan empty; `before(t)` is the site the earlier version had
/// in year `t` when the year changed.
fn cells(
    sites: &[SiteInput],
    slots: &[YearInput],
    row: &[Option<usize>],
    before: &dyn Fn(usize) -> Option<Option<String>>,
    lang: Lang,
) -> Vec<Cell> {
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .map(|id| {
                sites
                    .iter()
                    .find(|s| &s.id == id)
                    .map_or(id.clone(), |s| s.name.clone())
            })
            .unwrap_or_else(|| T(lang).get("common.none").to_string())
    };
    slots
        .iter()
        .enumerate()
        .map(|(t, slot)| {
            let changed = before(t);
            let note = changed.as_ref().map_or(String::new(), |b| match lang {
                Lang::Ja => format!("変更前：{}", name_of(b)),
                Lang::En => format!("before: {}", name_of(b)),
            });
            let at = |s: usize, kind| {
                sites.get(s).map_or(Cell::Empty, |site| {
                    site_cell(site, kind, changed.is_some(), note.clone())
                })
            };
            match (slot, row.get(t).copied().flatten()) {
                (YearInput::Leave, _) => Cell::Leave,
                (YearInput::Fixed(s), _) => at(*s, CellKind::Fixed),
                (_, Some(s)) => at(s, CellKind::Planned),
                (_, None) => Cell::Empty,
            }
        })
        .collect()
}

fn row_label(id: &str, name: &str) -> String {
    format!("{id} {name}")
}

/// The cohort's chart: one row per doctor, by id, each linking to the doctor's plan.
fn cohort_gantt(v: &Version, lang: Lang, suffix: &str) -> String {
    let mut order: Vec<usize> = (0..v.input.doctors.len()).collect();
    order.sort_by(|&a, &b| v.input.doctors[a].id.cmp(&v.input.doctors[b].id));
    let changes: HashMap<(usize, usize), &Option<String>> = v
        .outcome
        .changes
        .iter()
        .map(|c| ((c.doctor, c.year), &c.before))
        .collect();
    let rows = order
        .into_iter()
        .map(|i| {
            let d = &v.input.doctors[i];
            let before = |t: usize| changes.get(&(i, t)).map(|b| (*b).clone());
            GanttRow {
                label: row_label(&d.id, &d.name),
                href: Some(format!("/rotation/{}/doctors/{}{suffix}", v.seq, d.id)),
                cells: cells(
                    &v.input.sites,
                    &d.years,
                    v.outcome.rows.get(i).map_or(&[][..], Vec::as_slice),
                    &before,
                    lang,
                ),
            }
        })
        .collect();
    gantt::render(&Gantt {
        first_year: v.input.first_year,
        years: v.input.years,
        rows,
        lang,
        title: match lang {
            Lang::Ja => format!("{}（版 {}）", v.label, v.seq),
            Lang::En => format!("{} (version {})", v.label, v.seq),
        },
        id_prefix: "cohort".into(),
    })
}

// ---------------------------------------------------------------------------------------
// A version

/// A doctor named on a version's page, linking to their plan.
struct DoctorRef {
    id: String,
    name: String,
    synthetic: bool,
    href: String,
}

struct ChangeLine {
    doctor: DoctorRef,
    year: i32,
    before: String,
    after: String,
}

struct OverflowLine {
    site: String,
    year: i32,
    over: u32,
    doctors: Vec<DoctorRef>,
}

/// A finding of the checks, with its doctor when it has one.
struct FindingLine {
    doctor: Option<DoctorRef>,
    rule: String,
    text: String,
}

struct AreaLine {
    code: String,
    name: String,
    /// Per year: filled, wanted, doctors.
    cells: Vec<(u32, u32, u32)>,
}

#[derive(Template)]
#[template(path = "rotation_version.html")]
struct VersionPage {
    chrome: Chrome,
    seq: u32,
    label: String,
    span: String,
    pref_code: String,
    pref_name: &'static str,
    /// `?pref=…` for an administrator, else empty.
    suffix: String,
    parent: Option<(u32, String)>,
    created: String,
    in_force: bool,
    /// Who adopted it, when, and why.
    adoption: Option<(String, String, String)>,
    error: Option<String>,
    figures: Vec<(&'static str, String, &'static str)>,
    gantt: String,
    years: Vec<String>,
    coverage: Vec<AreaLine>,
    coverage_totals: Vec<(u32, u32, u32)>,
    changes_heading: String,
    changes: Vec<ChangeLine>,
    unplanned: Vec<(DoctorRef, Vec<String>)>,
    overflow: Vec<OverflowLine>,
    violations: Vec<FindingLine>,
    obligation_failures: Vec<FindingLine>,
    left_out: Vec<(String, String)>,
    can_plan: bool,
}

fn finding_text(f: &Finding, lang: Lang) -> String {
    f.message.get(lang).to_string()
}

async fn version_page(
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
    let t = T(lang);
    let v = rt::version(s.store.as_ref(), who, pref, seq)
        .await
        .map_err(reading)?;
    let suffix = pref_suffix(who, pref);
    let input = &v.input;
    let doctor = |i: usize| {
        let d = &input.doctors[i];
        DoctorRef {
            id: d.id.clone(),
            name: d.name.clone(),
            synthetic: d.synthetic,
            href: format!("/rotation/{seq}/doctors/{}{suffix}", d.id),
        }
    };
    let site_name = |id: &Option<String>| match id {
        None => t.get("common.none").to_string(),
        Some(id) => input
            .sites
            .iter()
            .find(|s| &s.id == id)
            .map_or(id.clone(), |s| s.name.clone()),
    };
    let f = &v.figures;
    let figures = vec![
        (
            t.get("rotation.doctors"),
            f.doctors.to_string(),
            "f-doctors",
        ),
        (
            t.get("rotation.planned"),
            f.planned.to_string(),
            "f-planned",
        ),
        (
            t.get("rotation.unplanned"),
            f.unplanned.to_string(),
            "f-unplanned",
        ),
        (
            t.get("rotation.left_out"),
            f.left_out.to_string(),
            "f-left-out",
        ),
        (t.get("rotation.sites"), f.sites.to_string(), "f-sites"),
        (
            t.get("rotation.posts"),
            format!("{} / {}", f.posts_filled, f.posts_wanted),
            "f-posts",
        ),
        (t.get("rotation.fill"), percent(f.fill_rate()), "f-fill"),
        (
            t.get("rotation.doctor_years"),
            f.doctor_years.to_string(),
            "f-doctor-years",
        ),
        (
            t.get("rotation.designated_years"),
            f.designated_years.to_string(),
            "f-designated-years",
        ),
        (
            t.get("rotation.objective"),
            format!("{:.2}", f.objective),
            "f-objective",
        ),
        (
            t.get("rotation.bound"),
            f.bound.map_or("—".into(), |b| format!("{b:.2}")),
            "f-bound",
        ),
        (
            t.get("rotation.gap"),
            f.gap.map_or("—".into(), percent),
            "f-gap",
        ),
        (
            t.get("rotation.proven"),
            if f.proven {
                t.get("rotation.proven_yes")
            } else {
                t.get("rotation.proven_no")
            }
            .to_string(),
            "f-proven",
        ),
        (
            t.get("rotation.violations"),
            f.violations.to_string(),
            "f-violations",
        ),
        (
            t.get("rotation.obligation_failures"),
            f.obligation_failures.to_string(),
            "f-obligation-failures",
        ),
        (
            t.get("rotation.overflow"),
            f.overflow.to_string(),
            "f-overflow",
        ),
        (
            t.get("rotation.changes"),
            f.changes.to_string(),
            "f-changes",
        ),
        (
            t.get("rotation.seconds"),
            format!("{:.1}", f.seconds),
            "f-seconds",
        ),
    ];
    // Coverage: areas as rows, years as columns.
    let mut areas: BTreeMap<String, AreaLine> = BTreeMap::new();
    let mut totals = vec![(0, 0, 0); input.years];
    for a in rt::area_coverage(&v) {
        let k = (a.year - input.first_year) as usize;
        let line = areas.entry(a.area.clone()).or_insert_with(|| AreaLine {
            code: a.area.clone(),
            name: a.area_name.clone(),
            cells: vec![(0, 0, 0); input.years],
        });
        if let (Some(c), Some(tot)) = (line.cells.get_mut(k), totals.get_mut(k)) {
            *c = (a.filled, a.wanted, a.doctors);
            tot.0 += a.filled;
            tot.1 += a.wanted;
            tot.2 += a.doctors;
        }
    }
    let changes = v
        .outcome
        .changes
        .iter()
        .map(|c| ChangeLine {
            doctor: doctor(c.doctor),
            year: input.fy(c.year),
            before: site_name(&c.before),
            after: site_name(&c.after),
        })
        .collect();
    let mut unplanned: Vec<(DoctorRef, Vec<String>)> = v
        .outcome
        .unplanned
        .iter()
        .map(|&i| {
            let why = v
                .outcome
                .cannot
                .iter()
                .filter(|f| f.doctor == Some(i))
                .map(|f| finding_text(f, lang))
                .collect();
            (doctor(i), why)
        })
        .collect();
    unplanned.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let findings = |list: &[Finding]| {
        list.iter()
            .map(|f| FindingLine {
                doctor: f.doctor.filter(|&i| i < input.doctors.len()).map(doctor),
                rule: f.rule.clone(),
                text: finding_text(f, lang),
            })
            .collect::<Vec<_>>()
    };
    let overflow = v
        .outcome
        .overflow
        .iter()
        .map(|o| OverflowLine {
            site: input
                .sites
                .get(o.site)
                .map_or(String::new(), |s| s.name.clone()),
            year: input.fy(o.year),
            over: o.over,
            doctors: o
                .doctors
                .iter()
                .filter(|&&i| i < input.doctors.len())
                .map(|&i| doctor(i))
                .collect(),
        })
        .collect();
    let parent = v.parent.map(|p| (p, format!("/rotation/{p}{suffix}")));
    let page = VersionPage {
        chrome: Chrome::new(session, prefs, "rotation", uri),
        seq,
        label: v.label.clone(),
        span: span(lang, input.first_year, input.years),
        pref_code: pref.to_string(),
        pref_name: pref_name(pref, lang),
        parent,
        created: format!("{} · {}", v.created_by, when(v.created_at)),
        in_force: v.in_force,
        adoption: v.adoption.as_ref().map(|a| {
            (
                a.adopted_by.clone(),
                when(a.adopted_at),
                a.rationale.to_string(),
            )
        }),
        error: error.map(|m| m.get(lang).to_string()),
        figures,
        gantt: cohort_gantt(&v, lang, &suffix),
        years: (0..input.years).map(|k| fy(lang, input.fy(k))).collect(),
        coverage: areas.into_values().collect(),
        coverage_totals: totals,
        changes_heading: v.parent.map_or(String::new(), |p| match lang {
            Lang::Ja => format!("版 {p} からの変更"),
            Lang::En => format!("Changes from version {p}"),
        }),
        changes,
        unplanned,
        overflow,
        violations: findings(&v.outcome.violations),
        obligation_failures: findings(&v.outcome.obligation_failures),
        left_out: input
            .left_out
            .iter()
            .map(|l| (l.doctor.clone(), l.reason.get(lang).to_string()))
            .collect(),
        can_plan: rt::may_plan(who),
        suffix,
    };
    Ok(Html(page.render()?))
}

/// `GET /rotation/{seq}` (the page), `{seq}.csv` (the doctors' sheet), `{seq}.xlsx` (every
/// sheet) and `{seq}.json` (the version whole).
pub(crate) async fn version(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(seq): Path<String>,
    Query(q): Query<PrefQuery>,
) -> Result<Response, PageError> {
    let (number, ext) = match seq.split_once('.') {
        Some((n, e)) => (n, Some(e)),
        None => (seq.as_str(), None),
    };
    let seq: u32 = number.parse().map_err(|_| PageError::NotFound)?;
    let pref = pref_needed(&session.principal, q.pref.as_deref())?;
    match ext {
        None => Ok(version_page(&s, &session, prefs, &uri, pref, seq, None)
            .await?
            .into_response()),
        Some(ext @ ("csv" | "xlsx" | "json")) => {
            download(&s, &session.principal, prefs, pref, seq, ext).await
        }
        Some(_) => Err(PageError::NotFound),
    }
}

async fn download(
    s: &AppState,
    who: &Principal,
    prefs: Prefs,
    pref: PrefCode,
    seq: u32,
    ext: &str,
) -> Result<Response, PageError> {
    let v = rt::version(s.store.as_ref(), who, pref, seq)
        .await
        .map_err(reading)?;
    let stem = format!("rotation-{pref}-{seq}");
    match ext {
        "json" => {
            let bytes = serde_json::to_vec_pretty(&v).map_err(internal)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{stem}.json\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        "csv" => {
            let sheets = rt::sheets(&v, prefs.lang);
            let doctors = sheets.first().ok_or(PageError::NotFound)?;
            let bytes = chiiki_tabular::sheet_to_csv(doctors).map_err(internal)?;
            Ok(crate::files::attachment(bytes, Format::Csv, &stem))
        }
        _ => {
            let sheets = rt::sheets(&v, prefs.lang);
            let title = match prefs.lang {
                Lang::Ja => format!("ローテーション計画 版 {seq}"),
                Lang::En => format!("Rotation plan version {seq}"),
            };
            let bytes = chiiki_tabular::sheets_to_xlsx(&title, &sheets).map_err(internal)?;
            Ok(crate::files::attachment(bytes, Format::Xlsx, &stem))
        }
    }
}

/// Runs a form's action on a version: to the page it leads to when it worked, the
/// version's page with the problem (422) when the user can fix it.
async fn act<F, Fut>(
    s: AppState,
    session: Session,
    prefs: Prefs,
    uri: Uri,
    seq: &str,
    fields: Fields,
    action: F,
) -> Result<Response, PageError>
where
    F: FnOnce(AppState, Principal, PrefCode, u32, Fields) -> Fut,
    Fut: std::future::Future<Output = Result<u32, AppError>>,
{
    if !csrf_ok(&session.csrf, fields.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let seq: u32 = seq.parse().map_err(|_| PageError::NotFound)?;
    let who = session.principal.clone();
    let pref = pref_needed(&who, Some(field(&fields, "pref")))?;
    // Refused before waiting for the planner; the app decides again.
    if !rt::may_plan(&who) {
        return Err(PageError::Forbidden);
    }
    let suffix = pref_suffix(&who, pref);
    let result = action(s.clone(), who, pref, seq, fields).await;
    answer(
        result,
        |to| format!("/rotation/{to}{suffix}"),
        |m| version_page(&s, &session, prefs, &uri, pref, seq, Some(m)),
    )
    .await
}

/// `POST /rotation/{seq}/replan`: plans the register as it now stands, keeping every year
/// of the version that can stay; then the new version's page.
pub(crate) async fn replan(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(seq): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &seq,
        f,
        |s, who, pref, seq, fields| async move {
            let label = match field(&fields, "label") {
                "" => format!("版 {seq} の再計画 / replan of version {seq}"),
                l => l.to_string(),
            };
            let label = Name::parse(&label).map_err(AppError::invalid)?;
            let (store, effort) = (s.store.clone(), s.rotation_effort);
            planning(&s, async move {
                rt::replan(store.as_ref(), &who, pref, seq, label, effort).await
            })
            .await
            .map(|v| v.seq)
        },
    )
    .await
}

/// `POST /rotation/{seq}/adopt`: records the committee's adoption; back to the version.
pub(crate) async fn adopt(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(seq): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    act(
        s,
        session,
        prefs,
        uri,
        &seq,
        f,
        |s, who, pref, seq, fields| async move {
            let rationale =
                Rationale::parse(field(&fields, "rationale")).map_err(AppError::invalid)?;
            rt::adopt(s.store.as_ref(), &who, pref, seq, rationale)
                .await
                .map(|a| a.seq)
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------
// A doctor's plan

/// A fiscal year of the doctor's plan.
struct YearLine {
    year: String,
    /// The site: name, id, facility group, designated.
    site: Option<(String, String, &'static str, bool)>,
    slot: &'static str,
    reasons: Vec<String>,
    loss: String,
    /// The site the earlier version had, when the year changed.
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "rotation_doctor.html")]
struct DoctorPage {
    chrome: Chrome,
    seq: u32,
    label: String,
    /// The version's page, for the centre's staff.
    version_href: Option<String>,
    in_force: bool,
    id: String,
    name: String,
    synthetic: bool,
    facts: Vec<(&'static str, String)>,
    gantt: String,
    years: Vec<YearLine>,
    programme: String,
    rules: Vec<String>,
    unplanned: bool,
    cannot: Vec<String>,
    obligation_failures: Vec<String>,
}

/// What the doctor's page needs of the version beside the doctor's plan: its label and
/// sites. `doctor_plan` has already decided that the user may see this version's row (a
/// doctor their own in the version in force, which `version` does not serve them), and
/// names its sites by index only.
struct Head {
    label: String,
    sites: Vec<SiteInput>,
}

async fn head(s: &AppState, pref: PrefCode, seq: u32) -> Result<Head, PageError> {
    #[derive(Deserialize)]
    struct Sites {
        sites: Vec<SiteInput>,
    }
    let v = s
        .store
        .get_plan_version(pref, seq)
        .await?
        .ok_or(PageError::NotFound)?;
    let sites: Sites = serde_json::from_value(v.input).map_err(internal)?;
    Ok(Head {
        label: v.label.to_string(),
        sites: sites.sites,
    })
}

fn slot_key(slot: YearInput) -> &'static str {
    match slot {
        YearInput::Free => "rotation.slot.free",
        YearInput::Fixed(_) => "rotation.slot.fixed",
        YearInput::Leave => "rotation.slot.leave",
        YearInput::Away => "rotation.slot.away",
    }
}

#[derive(Template)]
#[template(path = "rotation_none.html")]
struct NonePage {
    chrome: Chrome,
    message: String,
}

fn none_page(
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    status: StatusCode,
    message: &Msg,
) -> Result<Response, PageError> {
    let page = NonePage {
        chrome: Chrome::new(session, prefs, "my_rotation", uri),
        message: message.get(prefs.lang).to_string(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /rotation/{seq}/doctors/{id}`: one doctor's plan, every year explained.
pub(crate) async fn doctor(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((seq, id)): Path<(String, String)>,
    Query(q): Query<PrefQuery>,
) -> Result<Response, PageError> {
    let who = &session.principal;
    let lang = prefs.lang;
    let t = T(lang);
    let seq: u32 = seq.parse().map_err(|_| PageError::NotFound)?;
    let pref = pref_needed(who, q.pref.as_deref())?;
    let own = who.doctor.as_ref().is_some_and(|d| d.as_str() == id);
    let plan = match rt::doctor_plan(s.store.as_ref(), who, pref, seq, &id).await {
        Ok(p) => p,
        // A doctor is told why they see no plan (none adopted, or not in it).
        Err(AppError::Rejected(m)) if own && !rt::may_read(who) => {
            return none_page(&session, prefs, &uri, StatusCode::NOT_FOUND, &m);
        }
        Err(e) => return Err(reading(e)),
    };
    let head = head(&s, pref, seq).await?;
    let in_force = rt::in_force(s.store.as_ref(), pref).await? == Some(seq);
    let sites = &head.sites;
    let d = &plan.doctor;
    let name_of = |id: &Option<String>| match id {
        None => t.get("common.none").to_string(),
        Some(id) => sites
            .iter()
            .find(|s| &s.id == id)
            .map_or(id.clone(), |s| s.name.clone()),
    };
    let row: Vec<Option<usize>> = plan.years.iter().map(|y| y.site).collect();
    let before = |k: usize| plan.years.get(k).and_then(|y| y.changed_from.clone());
    let first_year = plan.years.first().map_or(0, |y| y.year);
    let chart = gantt::render(&Gantt {
        first_year,
        years: plan.years.len(),
        rows: vec![GanttRow {
            label: row_label(&d.id, &d.name),
            href: None,
            cells: cells(sites, &d.years, &row, &before, lang),
        }],
        lang,
        title: match lang {
            Lang::Ja => format!("{} の計画（版 {seq}）", d.name),
            Lang::En => format!("Plan of {} (version {seq})", d.name),
        },
        id_prefix: "doctor".into(),
    });
    let years = plan
        .years
        .iter()
        .map(|y| YearLine {
            year: fy(lang, y.year),
            site: y.site.and_then(|s| sites.get(s)).map(|s| {
                (
                    s.name.clone(),
                    s.id.clone(),
                    s.group.label(lang),
                    s.designated,
                )
            }),
            slot: t.get(slot_key(y.slot)),
            reasons: y.reasons.iter().map(|r| r.get(lang).to_string()).collect(),
            loss: y.loss.map_or("—".into(), |l| format!("{l:.2}")),
            before: y.changed_from.as_ref().map(&name_of),
        })
        .collect();
    let fy_of = |k: Option<usize>| k.map_or("—".into(), |k| fy(lang, first_year + k as i32));
    let facts = vec![
        (t.get("doctors.scheme"), d.scheme.clone()),
        (t.get("doctor.graduated"), d.graduation_year.to_string()),
        (
            t.get("rotation.specialty"),
            d.specialty
                .map_or("—".into(), |s| s.label(lang).to_string()),
        ),
        (t.get("rotation.programme"), plan.programme.name.clone()),
        (t.get("rotation.owed"), d.service_owed.to_string()),
        (
            t.get("rotation.designated_owed"),
            d.designated_owed.to_string(),
        ),
        (t.get("rotation.deadline"), fy_of(d.deadline)),
        (t.get("rotation.training_by"), fy_of(d.training_by)),
        (
            t.get("rotation.max_designated"),
            d.max_designated.to_string(),
        ),
    ];
    let page = DoctorPage {
        chrome: Chrome::new(
            &session,
            prefs,
            if rt::may_read(who) {
                "rotation"
            } else {
                "my_rotation"
            },
            &uri,
        ),
        seq,
        label: head.label,
        version_href: rt::may_read(who)
            .then(|| format!("/rotation/{seq}{}", pref_suffix(who, pref))),
        in_force,
        id: d.id.clone(),
        name: d.name.clone(),
        synthetic: d.synthetic,
        facts,
        gantt: chart,
        years,
        programme: plan.programme.name.clone(),
        rules: plan
            .programme
            .rules
            .iter()
            .map(|r| r.get(lang).to_string())
            .collect(),
        // Findings on why no plan serves the doctor come with unplanned doctors only.
        unplanned: !plan.cannot.is_empty(),
        cannot: plan.cannot.iter().map(|f| finding_text(f, lang)).collect(),
        obligation_failures: plan
            .obligation_failures
            .iter()
            .map(|f| finding_text(f, lang))
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /rotation/mine`: a doctor's own plan in the version in force.
pub(crate) async fn mine(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<Response, PageError> {
    let who = &session.principal;
    let (Some(doctor), Some(pref)) = (who.doctor.as_ref(), who.pref) else {
        return Err(PageError::NotFound);
    };
    match rt::in_force(s.store.as_ref(), pref).await? {
        Some(seq) => Ok(Redirect::to(&format!("/rotation/{seq}/doctors/{doctor}")).into_response()),
        None => none_page(
            &session,
            prefs,
            &uri,
            StatusCode::OK,
            &Msg::new(
                "施行中のローテーション計画はまだありません。委員会が計画を採用すると、ここで自分の計画と理由を見られます。",
                "No rotation plan is in force yet: once the committee adopts one, your plan and its reasons are here.",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_planning_at_a_time() {
        let t = chiiki_store::testing::sqlite().await;
        let s = AppState {
            store: t.shared(),
            throttle: Default::default(),
            uploads: Default::default(),
            rotation_effort: rt::Effort::quick(),
            planning: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            dispatch_limit: None,
            behind_proxy: false,
        };
        let held = s.planning.clone().try_acquire_owned().unwrap();
        match planning(&s, async { Ok(1) }).await {
            Err(AppError::Rejected(m)) => assert!(m.ja.contains("計算中"), "{m:?}"),
            other => panic!("refused while another runs: {other:?}"),
        }
        drop(held);
        assert_eq!(planning(&s, async { Ok(2) }).await.unwrap(), 2);
        assert_eq!(s.planning.available_permits(), 1, "released after");
    }

    #[test]
    fn spans_and_percentages() {
        assert_eq!(span(Lang::Ja, 2027, 10), "2027–2036年度");
        assert_eq!(span(Lang::En, 2027, 1), "FY2027");
        assert_eq!(percent(0.6021), "60.2");
    }
}
