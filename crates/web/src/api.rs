//! The JSON API under `/api`: the same use cases and the same authorisation as the pages
//! (the session cookie; writes also carry the session's CSRF token in `X-CSRF-Token`), and
//! an OpenAPI 3.1 document generated from this code at `/api/openapi.json`.
//!
//! The API's types are its own (a stable contract), built from the domain's records.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chiiki_app::assignments::{self, AssignmentForm, SaveError};
use chiiki_app::register::{self, ListFilter};
use chiiki_domain::{
    AreaCode, DoctorId, Entity, FacilityId, Lang, Record, RegisterStatus, Workplace,
};
use chiiki_store::{AuditFilter, Paging};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::session::{Auth, csrf_ok};

/// An error: what is wrong, in Japanese and English, and for a form the problems per field.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: String,
    pub error_ja: String,
    /// Field → problems (Japanese / English).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, or empty for the request as a whole.
    pub field: String,
    pub ja: String,
    pub en: String,
}

fn error(status: StatusCode, ja: &str, en: &str) -> Response {
    (
        status,
        Json(ApiError {
            error: en.into(),
            error_ja: ja.into(),
            fields: Vec::new(),
        }),
    )
        .into_response()
}

fn app_error(e: chiiki_app::AppError) -> Response {
    match e {
        chiiki_app::AppError::Denied(d) => error(StatusCode::FORBIDDEN, &d.0.ja, &d.0.en),
        other => {
            tracing::error!(error = %other, "api call failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "エラーが発生しました",
                "internal error",
            )
        }
    }
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "見つかりません", "not found")
}

/// A list as JSON: the records the use case returned, in the API's type.
fn page_of<T: Serialize>(
    result: Result<chiiki_store::Page<Record>, chiiki_app::AppError>,
    convert: impl Fn(&Record) -> Option<T>,
) -> Response {
    match result {
        Ok(page) => Json(Page {
            total: page.total,
            items: page.items.iter().filter_map(convert).collect::<Vec<T>>(),
        })
        .into_response(),
        Err(e) => app_error(e),
    }
}

/// A list of the register in the principal's scope, converted for the API.
async fn listed<T: Serialize>(
    s: &AppState,
    who: &chiiki_app::access::Principal,
    entity: Entity,
    filter: &ListFilter,
    paging: Paging,
    convert: impl Fn(&Record) -> Option<T>,
) -> Response {
    page_of(
        register::list(s.store.as_ref(), who, entity, filter, paging).await,
        convert,
    )
}

/// A page of results.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub total: u64,
    pub items: Vec<T>,
}

#[derive(Serialize, ToSchema)]
pub struct Area {
    /// Four digits, e.g. `0301`.
    pub code: String,
    pub name: String,
    pub pref: String,
}

#[derive(Serialize, ToSchema)]
pub struct Municipality {
    /// Five digits (全国地方公共団体コード without the check digit).
    pub code: String,
    /// Six digits, with the check digit.
    pub code6: String,
    pub name: String,
    pub area: String,
    /// municipality, designated_city, ward
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct Scheme {
    pub id: String,
    pub name: String,
    pub pref: String,
    pub sponsor: String,
    pub service_years: u8,
}

#[derive(Serialize, ToSchema)]
pub struct Programme {
    pub id: String,
    pub name: String,
    pub pref: String,
    pub scheme: Option<String>,
    /// The basic specialty it trains for (code, e.g. internal_medicine); none: any.
    pub specialty: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Facility {
    pub id: String,
    pub name: String,
    /// university_hospital, hospital, clinic_with_beds, clinic, care_facility
    pub kind: String,
    pub area: String,
    pub municipality: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub beds_total: u32,
    pub doctors_fte: f64,
    pub synthetic: bool,
    pub source: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Doctor {
    pub id: String,
    pub name: String,
    pub kana: Option<String>,
    /// male, female
    pub sex: String,
    /// ISO date.
    pub birth_date: String,
    pub graduation_date: String,
    pub pref: String,
    pub scheme: Option<String>,
    /// active, completed, repaid, withdrawn
    pub status: String,
    pub synthetic: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Assignment {
    pub id: String,
    pub doctor: String,
    pub facility: Option<String>,
    /// The workplace's name (the facility's, or one outside the register).
    pub workplace: Option<String>,
    pub start: String,
    /// The last day (inclusive); null when open-ended.
    pub end: Option<String>,
    pub fte: f64,
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct DoctorDetail {
    #[serde(flatten)]
    pub doctor: Doctor,
    pub assignments: Vec<Assignment>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    /// admin, coordinator, facility, doctor, auditor
    pub role: String,
    pub pref: Option<String>,
    /// The token writes must carry in the `X-CSRF-Token` header.
    pub csrf: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

/// A new assignment, as text (dates in ISO or 和暦).
#[derive(Deserialize, ToSchema)]
pub struct NewAssignment {
    #[serde(default)]
    pub facility: String,
    #[serde(default)]
    pub workplace_name: String,
    #[serde(default)]
    pub workplace_pref: String,
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub fte: String,
    pub kind: String,
}

#[derive(Deserialize, IntoParams, Default)]
pub struct ListParams {
    /// Secondary area code.
    pub area: Option<String>,
    /// Part of the name or id.
    pub q: Option<String>,
    /// Doctors: active, completed, repaid, withdrawn.
    pub status: Option<String>,
    /// Doctors: graduation year.
    pub year: Option<i32>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl ListParams {
    fn filter(&self) -> ListFilter {
        ListFilter {
            area: self.area.as_deref().and_then(|a| AreaCode::parse(a).ok()),
            text: self.q.clone().filter(|q| !q.is_empty()),
            status: self
                .status
                .as_deref()
                .and_then(|s| RegisterStatus::parse(s).ok()),
            graduation_year: self.year,
            ..Default::default()
        }
    }
    fn paging(&self) -> Paging {
        Paging {
            limit: Some(self.limit.unwrap_or(100).min(1000)),
            offset: self.offset.unwrap_or(0),
        }
    }
}

fn facility(f: &chiiki_domain::Facility) -> Facility {
    Facility {
        id: f.id.to_string(),
        name: f.name.to_string(),
        kind: f.kind.code().to_string(),
        area: f.area.to_string(),
        municipality: f.municipality.map(|m| m.to_string()),
        lat: f.coordinates.map(|c| c.lat()),
        lon: f.coordinates.map(|c| c.lon()),
        beds_total: f.beds.total(),
        doctors_fte: f.doctors_fte(),
        synthetic: f.synthetic,
        source: f.source.clone(),
    }
}

fn doctor(d: &chiiki_domain::Doctor) -> Doctor {
    Doctor {
        id: d.id.to_string(),
        name: d.name.to_string(),
        kana: d.kana.as_ref().map(|k| k.to_string()),
        sex: d.sex.code().to_string(),
        birth_date: d.birth_date.to_string(),
        graduation_date: d.graduation_date.to_string(),
        pref: d.pref.to_string(),
        scheme: d.enrolment.as_ref().map(|e| e.scheme.to_string()),
        status: d.status.code().to_string(),
        synthetic: d.synthetic,
    }
}

fn assignment(a: &chiiki_domain::Assignment, workplace: Option<String>) -> Assignment {
    Assignment {
        id: a.id.to_string(),
        doctor: a.doctor.to_string(),
        facility: match &a.place {
            Some(Workplace::Registered { facility }) => Some(facility.to_string()),
            _ => None,
        },
        workplace,
        start: a.period.start().to_string(),
        end: a.period.end().map(|d| d.to_string()),
        fte: a.fte.as_f64(),
        kind: a.kind.code().to_string(),
    }
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/me", tag = "account", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
pub(crate) async fn me(Auth(session): Auth) -> Json<Me> {
    let p = &session.principal;
    Json(Me {
        username: p.username.to_string(),
        display_name: p.display_name.clone(),
        role: p.role.code().to_string(),
        pref: p.pref.map(|x| x.to_string()),
        csrf: session.csrf.clone(),
    })
}

/// Secondary medical areas in the user's scope.
#[utoipa::path(get, path = "/api/areas", tag = "register", responses((status = 200, body = Page<Area>), (status = 401, body = ApiError)))]
pub(crate) async fn areas(State(s): State<AppState>, Auth(session): Auth) -> Response {
    listed(
        &s,
        &session.principal,
        Entity::Areas,
        &ListFilter::default(),
        Paging::default(),
        |r| match r {
            Record::Area(a) => Some(Area {
                code: a.code.to_string(),
                name: a.name.to_string(),
                pref: a.pref().to_string(),
            }),
            _ => None,
        },
    )
    .await
}

/// Municipalities in the user's scope (of one area with `area`).
#[utoipa::path(get, path = "/api/municipalities", tag = "register", params(ListParams), responses((status = 200, body = Page<Municipality>), (status = 401, body = ApiError)))]
pub(crate) async fn municipalities(
    State(s): State<AppState>,
    Auth(session): Auth,
    Query(q): Query<ListParams>,
) -> Response {
    listed(
        &s,
        &session.principal,
        Entity::Municipalities,
        &q.filter(),
        Paging::default(),
        |r| match r {
            Record::Municipality(m) => Some(Municipality {
                code: m.code().code5(),
                code6: m.code().code6(),
                name: m.name().to_string(),
                area: m.area().to_string(),
                kind: m.kind().code().to_string(),
            }),
            _ => None,
        },
    )
    .await
}

/// Obligation schemes in the user's scope.
#[utoipa::path(get, path = "/api/schemes", tag = "register", responses((status = 200, body = Page<Scheme>), (status = 401, body = ApiError)))]
pub(crate) async fn schemes(State(s): State<AppState>, Auth(session): Auth) -> Response {
    listed(
        &s,
        &session.principal,
        Entity::Schemes,
        &ListFilter::default(),
        Paging::default(),
        |r| match r {
            Record::Scheme(x) => Some(Scheme {
                id: x.id.to_string(),
                name: x.name.to_string(),
                pref: x.pref.to_string(),
                sponsor: x.sponsor.to_string(),
                service_years: x.service_years,
            }),
            _ => None,
        },
    )
    .await
}

/// Training and career programmes in the user's scope.
#[utoipa::path(get, path = "/api/programmes", tag = "register", responses((status = 200, body = Page<Programme>), (status = 401, body = ApiError)))]
pub(crate) async fn programmes(State(s): State<AppState>, Auth(session): Auth) -> Response {
    listed(
        &s,
        &session.principal,
        Entity::Programmes,
        &ListFilter::default(),
        Paging::default(),
        |r| match r {
            Record::Programme(x) => Some(Programme {
                id: x.id.to_string(),
                name: x.name.to_string(),
                pref: x.pref.to_string(),
                scheme: x.scheme.as_ref().map(|s| s.to_string()),
                specialty: x.specialty.map(|s| s.code().to_string()),
            }),
            _ => None,
        },
    )
    .await
}

#[derive(Deserialize, IntoParams, Default)]
pub struct AssignmentParams {
    /// Assignments at this facility.
    pub facility: Option<String>,
}

/// Assignments in the user's scope (at one facility with `facility`).
#[utoipa::path(get, path = "/api/assignments", tag = "register", params(AssignmentParams), responses((status = 200, body = Page<Assignment>), (status = 401, body = ApiError)))]
pub(crate) async fn assignment_list(
    State(s): State<AppState>,
    Auth(session): Auth,
    Query(q): Query<AssignmentParams>,
) -> Response {
    let filter = ListFilter {
        facility: q
            .facility
            .as_deref()
            .and_then(|f| FacilityId::parse(f).ok()),
        ..Default::default()
    };
    listed(
        &s,
        &session.principal,
        Entity::Assignments,
        &filter,
        Paging::default(),
        |r| {
            if let Record::Assignment(a) = r {
                Some(assignment(a, None))
            } else {
                None
            }
        },
    )
    .await
}

/// Facilities in the user's scope.
#[utoipa::path(get, path = "/api/facilities", tag = "register", params(ListParams), responses((status = 200, body = Page<Facility>), (status = 401, body = ApiError)))]
pub(crate) async fn facilities(
    State(s): State<AppState>,
    Auth(session): Auth,
    Query(q): Query<ListParams>,
) -> Response {
    listed(
        &s,
        &session.principal,
        Entity::Facilities,
        &q.filter(),
        q.paging(),
        |r| {
            if let Record::Facility(f) = r {
                Some(facility(f))
            } else {
                None
            }
        },
    )
    .await
}

/// One facility.
#[utoipa::path(get, path = "/api/facilities/{id}", tag = "register", params(("id" = String, Path, description = "facility id")), responses((status = 200, body = Facility), (status = 404, body = ApiError)))]
pub(crate) async fn facility_one(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = FacilityId::parse(&id) else {
        return not_found();
    };
    match register::get(
        s.store.as_ref(),
        &session.principal,
        Entity::Facilities,
        id.as_str(),
    )
    .await
    {
        Ok(Some(Record::Facility(f))) => Json(facility(&f)).into_response(),
        Ok(_) => not_found(),
        Err(e) => app_error(e),
    }
}

/// Doctors in the user's scope.
#[utoipa::path(get, path = "/api/doctors", tag = "register", params(ListParams), responses((status = 200, body = Page<Doctor>), (status = 401, body = ApiError)))]
pub(crate) async fn doctors(
    State(s): State<AppState>,
    Auth(session): Auth,
    Query(q): Query<ListParams>,
) -> Response {
    listed(
        &s,
        &session.principal,
        Entity::Doctors,
        &q.filter(),
        q.paging(),
        |r| {
            if let Record::Doctor(d) = r {
                Some(doctor(d))
            } else {
                None
            }
        },
    )
    .await
}

/// One doctor with their assignments.
#[utoipa::path(get, path = "/api/doctors/{id}", tag = "register", params(("id" = String, Path, description = "doctor id")), responses((status = 200, body = DoctorDetail), (status = 404, body = ApiError)))]
pub(crate) async fn doctor_one(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = DoctorId::parse(&id) else {
        return not_found();
    };
    // Read before the record, so that the tag is never newer than what it tags.
    let version = match s
        .store
        .version_of(&chiiki_store::Versioned::Doctor(id.clone()))
        .await
    {
        Ok(v) => v.unwrap_or(1),
        Err(e) => return app_error(e.into()),
    };
    match register::doctor_timeline(s.store.as_ref(), &session.principal, &id).await {
        Ok(Some((d, list))) => (
            [(header::ETAG, etag(version))],
            Json(DoctorDetail {
                doctor: doctor(&d),
                assignments: list
                    .iter()
                    .map(|(a, name)| assignment(a, name.clone()))
                    .collect(),
            }),
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => app_error(e),
    }
}

/// Adds an assignment to a doctor. Needs the `X-CSRF-Token` header (from `/api/me`). With
/// `If-Match` set to the `ETag` of `GET /api/doctors/{id}`, the write is refused (412) when
/// the doctor's record or assignments changed since.
#[utoipa::path(post, path = "/api/doctors/{id}/assignments", tag = "register", params(("id" = String, Path, description = "doctor id"), ("If-Match" = Option<String>, Header, description = "the doctor's ETag, for optimistic locking")), request_body = NewAssignment,
    responses((status = 201, body = Assignment), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 412, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn add_assignment(
    State(s): State<AppState>,
    Auth(session): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<NewAssignment>,
) -> Response {
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if !csrf_ok(&session.csrf, token) {
        return error(
            StatusCode::FORBIDDEN,
            "X-CSRF-Token ヘッダーがないか違います",
            "missing or wrong X-CSRF-Token header",
        );
    }
    let Ok(id) = DoctorId::parse(&id) else {
        return not_found();
    };
    let form = AssignmentForm {
        facility: body.facility,
        workplace_name: body.workplace_name,
        workplace_pref: body.workplace_pref,
        start: body.start,
        end: body.end,
        fte: body.fte,
        kind: body.kind,
    };
    let if_match = match if_match_version(&headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match assignments::save(
        s.store.as_ref(),
        &session.principal,
        &id,
        None,
        &form,
        if_match,
    )
    .await
    {
        Ok(a) => (
            StatusCode::CREATED,
            [(header::LOCATION, format!("/api/doctors/{id}"))],
            Json(assignment(&a, None)),
        )
            .into_response(),
        Err(SaveError::Invalid(errors)) => {
            let fields = errors
                .0
                .iter()
                .map(|(f, m)| FieldProblem {
                    field: f.unwrap_or("").to_string(),
                    ja: m.get(Lang::Ja).into(),
                    en: m.get(Lang::En).into(),
                })
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ApiError {
                    error: "the assignment has problems".into(),
                    error_ja: "入力内容に問題があります".into(),
                    fields,
                }),
            )
                .into_response()
        }
        Err(SaveError::NotFound) => not_found(),
        Err(SaveError::Conflict { expected, found }) => {
            let said = assignments::conflict_message(&id, expected, found);
            (
                StatusCode::PRECONDITION_FAILED,
                [(header::ETAG, etag(found))],
                Json(ApiError {
                    error: said.get(Lang::En).into(),
                    error_ja: said.get(Lang::Ja).into(),
                    fields: Vec::new(),
                }),
            )
                .into_response()
        }
        Err(SaveError::App(e)) => app_error(e),
    }
}

/// A doctor's version as an entity tag (`"v3"`): `GET /api/doctors/{id}` gives it, and a
/// write sent with `If-Match` is refused (412) when the doctor has changed since.
fn etag(version: u64) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` header names (`None` without one, so that a client that does
/// not lock is not refused); a header that is not one of our tags is a 412 saying so.
fn if_match_version(headers: &HeaderMap) -> Result<Option<u64>, Box<Response>> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let parsed = v
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|t| t.strip_prefix("\"v"))
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<u64>().ok());
    match parsed {
        Some(v) => Ok(Some(v)),
        None => Err(Box::new(error(
            StatusCode::PRECONDITION_FAILED,
            "If-Match ヘッダーは GET /api/doctors/{id} の ETag（\"v3\" の形）をそのまま送ってください",
            "send the If-Match header as the ETag of GET /api/doctors/{id} (like \"v3\")",
        ))),
    }
}

#[derive(Deserialize, IntoParams, Default)]
pub struct AuditParams {
    pub entity: Option<String>,
    pub id: Option<String>,
    pub actor: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The audit trail (auditors and administrators).
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditParams), responses((status = 200, body = Page<AuditEvent>), (status = 403, body = ApiError)))]
pub(crate) async fn audit(
    State(s): State<AppState>,
    Auth(session): Auth,
    Query(q): Query<AuditParams>,
) -> Response {
    let filter = AuditFilter {
        entity: q.entity.clone(),
        entity_id: q.id.clone(),
        actor: q.actor.clone(),
        pref: None,
        paging: Paging {
            limit: Some(q.limit.unwrap_or(100).min(1000)),
            offset: q.offset.unwrap_or(0),
        },
    };
    match chiiki_app::audit::list(s.store.as_ref(), &session.principal, filter).await {
        Ok(page) => Json(Page {
            total: page.total,
            items: page
                .items
                .into_iter()
                .map(|e| AuditEvent {
                    id: e.id,
                    at: e.at.to_rfc3339(),
                    actor: e.actor,
                    action: e.action,
                    entity: e.entity,
                    entity_id: e.entity_id,
                    before: e.before,
                    after: e.after,
                })
                .collect(),
        })
        .into_response(),
        Err(e) => app_error(e),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "chiiki API", description = "The register of regional medical workforce: areas, facilities, doctors, assignments, audit trail. Authenticated by the session cookie of /login; writes carry the session's CSRF token in X-CSRF-Token."),
    paths(me, areas, municipalities, schemes, programmes, facilities, facility_one, doctors, doctor_one, assignment_list, add_assignment, audit),
    components(schemas(ApiError, FieldProblem, Area, Municipality, Scheme, Programme, Facility, Doctor, Assignment, DoctorDetail, Me, AuditEvent, NewAssignment)),
    tags((name = "account"), (name = "register"), (name = "audit"))
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document of this API.
pub(crate) async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Unknown API paths answer JSON, not the HTML page.
pub(crate) async fn unknown() -> Response {
    not_found()
}
