//! Pages to add, edit and end a doctor's assignments. The rules are in
//! `chiiki_app::assignments`; this module shows the form and its problems.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chiiki_app::assignments::{self, AssignmentForm, FieldErrors, SaveError};
use chiiki_app::auth::Session;
use chiiki_app::register::{self, ListFilter};
use chiiki_domain::{AssignmentId, AssignmentKind, DoctorId, Entity, Record};
use chiiki_store::Paging;
use serde::Deserialize;

use crate::pages::Chrome;
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

struct Field {
    name: &'static str,
    label: &'static str,
    help: &'static str,
    value: String,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "assignment_form.html")]
struct FormPage {
    chrome: Chrome,
    heading: &'static str,
    action: String,
    doctor_id: String,
    doctor_name: String,
    fields: Vec<Field>,
    general: Vec<String>,
    errors: FieldErrors,
    kinds: Vec<(String, String)>,
    facilities: Vec<(String, String)>,
    /// The doctor's version the form is made from (optimistic locking).
    version: u64,
    /// After a conflict: the doctor's assignments as they are now (period, kind, place,
    /// FTE), to compare with the entry that was not saved.
    current: Vec<[String; 4]>,
}

#[derive(Deserialize)]
pub(crate) struct Posted {
    csrf: Option<String>,
    /// The doctor's version the form was made from.
    version: Option<String>,
    #[serde(flatten)]
    form: AssignmentForm,
}

/// The request a form page answers.
struct Ctx<'a> {
    s: &'a AppState,
    session: &'a Session,
    prefs: Prefs,
    uri: &'a Uri,
    doctor: &'a DoctorId,
}

/// What the form is for: its heading and where it posts.
struct Target {
    heading: &'static str,
    action: String,
}

/// The form page; after a conflict (`conflict`), with the doctor's assignments as they are
/// now.
async fn page(
    cx: &Ctx<'_>,
    target: Target,
    form: &AssignmentForm,
    errors: FieldErrors,
    conflict: bool,
) -> Result<Html<String>, PageError> {
    let Ctx {
        s,
        session,
        prefs,
        uri,
        doctor,
    } = *cx;
    let Target { heading, action } = target;
    let who = &session.principal;
    let store = s.store.as_ref();
    // Read before the record, so that the form never carries a version newer than it shows.
    let version = store
        .version_of(&chiiki_store::Versioned::Doctor(doctor.clone()))
        .await?
        .unwrap_or(1);
    let Some((d, assignments)) = register::doctor_timeline(store, who, doctor).await? else {
        return Err(PageError::NotFound);
    };
    if !who.may_write(d.pref) {
        return Err(PageError::Forbidden);
    }
    let lang = prefs.lang;
    let msgs = |field: &str| {
        errors
            .of(field)
            .iter()
            .map(|m| m.get(lang).to_string())
            .collect::<Vec<_>>()
    };
    let f = |name: &'static str, label: &'static str, help: &'static str, value: &str| Field {
        name,
        label,
        help,
        value: value.to_string(),
        errors: msgs(name),
    };
    let fields = vec![
        f(
            "facility",
            "field.facility",
            "field.facility.help",
            &form.facility,
        ),
        f(
            "workplace_name",
            "field.workplace_name",
            "field.workplace_name.help",
            &form.workplace_name,
        ),
        f(
            "workplace_pref",
            "field.workplace_pref",
            "field.workplace_pref.help",
            &form.workplace_pref,
        ),
        f("start", "field.start", "field.start.help", &form.start),
        f("end", "field.end", "field.end.help", &form.end),
        f("fte", "field.fte", "field.fte.help", &form.fte),
        f("kind", "field.kind", "field.kind.help", &form.kind),
    ];
    let facilities = register::list(
        store,
        who,
        Entity::Facilities,
        &ListFilter {
            pref: Some(d.pref),
            ..Default::default()
        },
        Paging::default(),
    )
    .await?
    .items
    .into_iter()
    .filter_map(|r| match r {
        Record::Facility(f) => Some((f.id.to_string(), f.name.to_string())),
        _ => None,
    })
    .collect();
    let general = errors
        .general()
        .iter()
        .map(|m| m.get(lang).to_string())
        .collect();
    let chrome = Chrome::new(session, prefs, "doctors", uri);
    let current = if conflict {
        assignments
            .iter()
            .map(|(a, place)| {
                [
                    chrome.period(&a.period),
                    a.kind.label(lang).to_string(),
                    place.clone().unwrap_or_default(),
                    a.fte.to_string(),
                ]
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = FormPage {
        chrome,
        heading,
        action,
        doctor_id: d.id.to_string(),
        doctor_name: d.name.to_string(),
        fields,
        general,
        errors,
        kinds: AssignmentKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), k.label(lang).to_string()))
            .collect(),
        facilities,
        version,
        current,
    };
    Ok(Html(page.render()?))
}

fn ids(
    doctor: &str,
    assignment: Option<&str>,
) -> Result<(DoctorId, Option<AssignmentId>), PageError> {
    let d = DoctorId::parse(doctor).map_err(|_| PageError::NotFound)?;
    let a = assignment
        .map(AssignmentId::parse)
        .transpose()
        .map_err(|_| PageError::NotFound)?;
    Ok((d, a))
}

pub(crate) async fn new_form(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(doctor): Path<String>,
) -> Result<Html<String>, PageError> {
    let (d, _) = ids(&doctor, None)?;
    let form = AssignmentForm {
        fte: "1".into(),
        ..Default::default()
    };
    let cx = Ctx {
        s: &s,
        session: &session,
        prefs,
        uri: &uri,
        doctor: &d,
    };
    let target = Target {
        heading: "assignment.new",
        action: format!("/doctors/{d}/assignments"),
    };
    page(&cx, target, &form, FieldErrors::default(), false).await
}

pub(crate) async fn edit_form(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((doctor, id)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let (d, a) = ids(&doctor, Some(&id))?;
    let Some(a) = a else {
        return Err(PageError::NotFound);
    };
    let Some(Record::Assignment(existing)) = register::get(
        s.store.as_ref(),
        &session.principal,
        Entity::Assignments,
        a.as_str(),
    )
    .await?
    else {
        return Err(PageError::NotFound);
    };
    if existing.doctor != d {
        return Err(PageError::NotFound);
    }
    let cx = Ctx {
        s: &s,
        session: &session,
        prefs,
        uri: &uri,
        doctor: &d,
    };
    let target = Target {
        heading: "assignment.edit",
        action: format!("/doctors/{d}/assignments/{a}"),
    };
    page(
        &cx,
        target,
        &AssignmentForm::of(&existing),
        FieldErrors::default(),
        false,
    )
    .await
}

async fn saved(
    cx: &Ctx<'_>,
    target: Target,
    form: &AssignmentForm,
    result: Result<chiiki_domain::Assignment, SaveError>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/doctors/{}", cx.doctor)).into_response()),
        Err(SaveError::Invalid(errors)) => {
            let html = page(cx, target, form, errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(SaveError::Conflict { expected, found }) => {
            // The entry as the user typed it, the doctor's assignments as they are now, and
            // the form made from the current version: saving again is a choice made knowingly.
            let said = assignments::conflict_message(cx.doctor, expected, found);
            let html = page(cx, target, form, FieldErrors(vec![(None, said)]), true).await?;
            Ok((StatusCode::CONFLICT, html).into_response())
        }
        Err(SaveError::NotFound) => Err(PageError::NotFound),
        Err(SaveError::App(e)) => Err(e.into()),
    }
}

pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(doctor): Path<String>,
    Form(p): Form<Posted>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, p.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let (d, _) = ids(&doctor, None)?;
    let made_from = crate::forms::version_field(p.version.as_deref())?;
    let result = assignments::save(
        s.store.as_ref(),
        &session.principal,
        &d,
        None,
        &p.form,
        made_from,
    )
    .await;
    let cx = Ctx {
        s: &s,
        session: &session,
        prefs,
        uri: &uri,
        doctor: &d,
    };
    let target = Target {
        heading: "assignment.new",
        action: format!("/doctors/{d}/assignments"),
    };
    saved(&cx, target, &p.form, result).await
}

pub(crate) async fn update(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((doctor, id)): Path<(String, String)>,
    Form(p): Form<Posted>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, p.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let (d, a) = ids(&doctor, Some(&id))?;
    let made_from = crate::forms::version_field(p.version.as_deref())?;
    let result = assignments::save(
        s.store.as_ref(),
        &session.principal,
        &d,
        a.as_ref(),
        &p.form,
        made_from,
    )
    .await;
    let cx = Ctx {
        s: &s,
        session: &session,
        prefs,
        uri: &uri,
        doctor: &d,
    };
    let target = Target {
        heading: "assignment.edit",
        action: format!("/doctors/{d}/assignments/{id}"),
    };
    saved(&cx, target, &p.form, result).await
}

#[derive(Deserialize)]
pub(crate) struct EndForm {
    csrf: Option<String>,
    /// The doctor's version the doctor's page was made from.
    version: Option<String>,
    end: String,
}

pub(crate) async fn end(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((doctor, id)): Path<(String, String)>,
    Form(f): Form<EndForm>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let (d, a) = ids(&doctor, Some(&id))?;
    let Some(a) = a else {
        return Err(PageError::NotFound);
    };
    let made_from = crate::forms::version_field(f.version.as_deref())?;
    let result = assignments::end(
        s.store.as_ref(),
        &session.principal,
        &d,
        &a,
        &f.end,
        made_from,
    )
    .await;
    let form = match s.store.get(Entity::Assignments, a.as_str()).await? {
        Some(Record::Assignment(x)) => AssignmentForm {
            end: f.end.clone(),
            ..AssignmentForm::of(&x)
        },
        _ => AssignmentForm::default(),
    };
    let cx = Ctx {
        s: &s,
        session: &session,
        prefs,
        uri: &uri,
        doctor: &d,
    };
    let target = Target {
        heading: "assignment.edit",
        action: format!("/doctors/{d}/assignments/{id}"),
    };
    saved(&cx, target, &form, result).await
}
