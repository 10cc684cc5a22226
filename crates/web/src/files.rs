//! Import and export in the browser: upload a CSV or Excel file, see the dry run (what would
//! be added, changed, rejected, every problem with its row and column), confirm; download any
//! list as CSV or XLSX.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use chiiki_app::access::Permission;
use chiiki_app::register::{self, ImportReport, ListFilter, Source};
use chiiki_domain::{AreaCode, Entity, RegisterStatus, Username};
use chiiki_tabular::Format;
use serde::Deserialize;

use crate::pages::Chrome;
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The largest file accepted.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;
/// How long an uploaded file waits for confirmation.
const KEEP: Duration = Duration::from_secs(30 * 60);

/// Uploaded files awaiting confirmation, each for the user who sent it. Bounded: at most
/// 16 files; the oldest goes first.
#[derive(Default)]
pub struct Uploads {
    files: Mutex<HashMap<String, Upload>>,
}

struct Upload {
    owner: Username,
    entity: Entity,
    name: String,
    bytes: Vec<u8>,
    at: Instant,
}

impl Uploads {
    fn put(&self, u: Upload) -> String {
        let token = chiiki_app::auth::random_token();
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.retain(|_, f| f.at.elapsed() < KEEP);
        while files.len() >= 16 {
            let Some(oldest) = files
                .iter()
                .min_by_key(|(_, f)| f.at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            files.remove(&oldest);
        }
        files.insert(token.clone(), u);
        token
    }

    fn take(&self, token: &str, owner: &Username) -> Option<Upload> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        match files.get(token) {
            Some(f) if &f.owner == owner && f.at.elapsed() < KEEP => files.remove(token),
            _ => None,
        }
    }
}

struct IssueRow {
    row: String,
    column: String,
    value: String,
    problem: String,
    fix: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    entities: Vec<(String, String, bool)>,
    report: Option<ReportView>,
    error: Option<String>,
}

struct ReportView {
    entity: String,
    file: String,
    rows: u64,
    added: u64,
    changed: u64,
    unchanged: u64,
    rejected: usize,
    issues: Vec<IssueRow>,
    committed: bool,
    token: Option<String>,
}

/// The kinds of records to choose from: (code, label, chosen).
fn entities(prefs: Prefs) -> Vec<(String, String, bool)> {
    choose(prefs, None)
}

fn choose(prefs: Prefs, chosen: Option<Entity>) -> Vec<(String, String, bool)> {
    Entity::ALL
        .iter()
        .map(|e| {
            (
                e.code().to_string(),
                e.label(prefs.lang).to_string(),
                Some(*e) == chosen,
            )
        })
        .collect()
}

fn view(r: &ImportReport, prefs: Prefs, token: Option<String>) -> ReportView {
    let lang = prefs.lang;
    ReportView {
        entity: r.entity.label(lang).to_string(),
        file: r.file.clone(),
        rows: r.rows_read,
        added: r.added,
        changed: r.changed,
        unchanged: r.unchanged,
        rejected: r.rejected_rows(),
        issues: r
            .issues
            .iter()
            .map(|i| IssueRow {
                row: i.location.row.map(|r| r.to_string()).unwrap_or_default(),
                column: i.location.column.clone().unwrap_or_default(),
                value: i.value.clone().unwrap_or_default(),
                problem: i.problem.get(lang).to_string(),
                fix: i.fix.get(lang).to_string(),
            })
            .collect(),
        committed: r.committed,
        token,
    }
}

pub(crate) async fn form(
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    if !session.principal.can(Permission::WriteRegister) {
        return Err(PageError::Forbidden);
    }
    let page = ImportPage {
        chrome: Chrome::new(&session, prefs, "import", &uri),
        entities: entities(prefs),
        report: None,
        error: None,
    };
    Ok(Html(page.render()?))
}

/// An upload: checked whole as a dry run; the file is kept for confirmation when it has no
/// problem.
pub(crate) async fn upload(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let who = &session.principal;
    if !who.can(Permission::WriteRegister) {
        return Err(PageError::Forbidden);
    }
    let (mut csrf, mut entity, mut file) = (None, None, None);
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.ok(),
            Some("entity") => entity = field.text().await.ok().and_then(|e| Entity::parse(&e)),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => return Ok((StatusCode::PAYLOAD_TOO_LARGE, "ファイルが大きすぎます（64 MB まで） / the file is too large (64 MB at most)").into_response()),
                }
            }
            _ => {}
        }
    }
    if !csrf_ok(&session.csrf, csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let chrome = Chrome::new(&session, prefs, "import", &uri);
    let (Some(entity), Some((name, bytes))) = (entity, file) else {
        let t = crate::i18n::T(prefs.lang);
        let page = ImportPage {
            chrome,
            entities: entities(prefs),
            report: None,
            error: Some(t.get("import.choose").to_string()),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    };
    let report = register::import(
        s.store.as_ref(),
        who,
        entity,
        Source::Bytes {
            name: &name,
            bytes: &bytes,
        },
        true,
        &mut |_, _| {},
    )
    .await;
    let report = match report {
        Ok(r) => r,
        Err(chiiki_app::AppError::File(issue)) => {
            let msg = issue
                .problem
                .with_fix(&issue.fix)
                .get(prefs.lang)
                .to_string();
            let page = ImportPage {
                chrome,
                entities: choose(prefs, Some(entity)),
                report: None,
                error: Some(msg),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let token = report.issues.is_empty().then(|| {
        s.uploads.put(Upload {
            owner: who.username.clone(),
            entity,
            name,
            bytes,
            at: Instant::now(),
        })
    });
    let status = if report.issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        chrome,
        entities: choose(prefs, Some(entity)),
        report: Some(view(&report, prefs, token)),
        error: None,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Confirm {
    csrf: Option<String>,
    token: String,
}

/// Writes a checked upload, all or nothing (checked again: the register may have changed).
pub(crate) async fn confirm(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Form(f): Form<Confirm>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let chrome = Chrome::new(&session, prefs, "import", &uri);
    let Some(u) = s.uploads.take(&f.token, &who.username) else {
        let t = crate::i18n::T(prefs.lang);
        let page = ImportPage {
            chrome,
            entities: entities(prefs),
            report: None,
            error: Some(t.get("import.expired").to_string()),
        };
        return Ok((StatusCode::GONE, Html(page.render()?)).into_response());
    };
    let report = register::import(
        s.store.as_ref(),
        who,
        u.entity,
        Source::Bytes {
            name: &u.name,
            bytes: &u.bytes,
        },
        false,
        &mut |_, _| {},
    )
    .await?;
    let status = if report.committed {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        chrome,
        entities: choose(prefs, Some(u.entity)),
        report: Some(view(&report, prefs, None)),
        error: None,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize, Default)]
pub(crate) struct ExportQuery {
    area: Option<String>,
    q: Option<String>,
    status: Option<String>,
    year: Option<String>,
}

/// Downloads the records of a kind the user may see, filtered like the list page, as
/// `{entity}.csv` or `{entity}.xlsx`.
pub(crate) async fn download(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let (name, ext) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let entity = Entity::parse(name).ok_or(PageError::NotFound)?;
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return Err(PageError::NotFound),
    };
    let some = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    let filter = ListFilter {
        area: some(&q.area).and_then(|a| AreaCode::parse(&a).ok()),
        text: some(&q.q),
        status: some(&q.status).and_then(|x| RegisterStatus::parse(&x).ok()),
        graduation_year: some(&q.year).and_then(|y| y.trim().parse().ok()),
        ..Default::default()
    };
    let (bytes, _) = register::export(
        s.store.as_ref(),
        &session.principal,
        entity,
        &filter,
        format,
    )
    .await?;
    Ok(attachment(bytes, format, entity.code()))
}

/// A file to download: its content type from the format, its name `<stem>.<extension>`.
pub(crate) fn attachment(bytes: Vec<u8>, format: Format, stem: &str) -> Response {
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.{}\"", format.extension()),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}
