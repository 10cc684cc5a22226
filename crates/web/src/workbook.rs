//! Workbooks in the browser: the lists of an alliance or of a prefecture's centre downloaded
//! as one XLSX file and imported back, all or nothing (the rules are in
//! `chiiki_app::workbook`). An alliance's page shows the outcome of an import itself; a
//! centre's imports (`/workbook/03`, from the doctor bank's figures page) have their own page.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chiiki_app::auth::Session;
use chiiki_domain::{DocScope, Msg};
use chiiki_tabular::Format;

use crate::pages::{Chrome, internal};
use crate::session::{Auth, Prefs};
use crate::{AppState, PageError};

/// A workbook import as a page says it.
pub(crate) struct ImportView {
    pub committed: bool,
    pub rows: usize,
    pub changed: usize,
    pub issues: Vec<IssueRow>,
}

pub(crate) struct IssueRow {
    pub sheet: String,
    pub row: String,
    pub column: String,
    pub problem: String,
    pub fix: String,
}

impl ImportView {
    /// 200 when imported, 422 when refused.
    pub fn status(&self) -> StatusCode {
        if self.committed {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// The uploaded file of a multipart form (`csrf`, `file`); `None` when the CSRF token is
/// wrong.
pub(crate) async fn upload(
    session: &Session,
    mut multipart: Multipart,
) -> Result<Option<(String, Vec<u8>)>, PageError> {
    let (mut csrf, mut file) = (None, None);
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("workbook.xlsx").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => {
                        return Err(PageError::BadRequest(Msg::new(
                            "ファイルが大きすぎます（64 MB まで）",
                            "the file is too large (64 MB at most)",
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    if !crate::session::csrf_ok(&session.csrf, csrf.as_deref()) {
        return Ok(None);
    }
    file.map(Some)
        .ok_or_else(|| PageError::BadRequest(Msg::new("ファイルを選んでください", "choose a file")))
}

/// Imports the file into the scope and says what happened, in the user's language.
pub(crate) async fn import(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    scope: &DocScope,
    name: &str,
    bytes: &[u8],
) -> Result<ImportView, PageError> {
    let done =
        chiiki_app::workbook::import(s.store.as_ref(), &session.principal, scope, name, bytes)
            .await
            .map_err(crate::pages::reading)?;
    let lang = prefs.lang;
    Ok(ImportView {
        committed: done.committed,
        rows: done.rows,
        changed: done.changed,
        issues: done
            .issues
            .iter()
            .map(|i| IssueRow {
                sheet: i.location.sheet.clone().unwrap_or_default(),
                row: i.location.row.map(|r| r.to_string()).unwrap_or_default(),
                column: i.location.column.clone().unwrap_or_default(),
                problem: i.problem.get(lang).to_string(),
                fix: i.fix.get(lang).to_string(),
            })
            .collect(),
    })
}

/// A scope from the path: a prefecture's code (`03`) or an alliance's id.
fn scope_of(raw: &str) -> Result<DocScope, PageError> {
    DocScope::parse(raw).map_err(|_| PageError::NotFound)
}

/// Where a scope's lists are kept in the application.
fn back_of(scope: &DocScope) -> String {
    match scope {
        DocScope::Alliance(id) => format!("/alliances/{id}"),
        DocScope::Pref(p) => format!("/bank/figures?pref={p}"),
    }
}

#[derive(Template)]
#[template(path = "workbook_result.html")]
struct ResultPage {
    chrome: Chrome,
    scope: String,
    back: String,
    r: ImportView,
}

/// `GET /workbook/{scope}`: the scope's lists as one XLSX file.
async fn download(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let scope = scope_of(&raw)?;
    let bytes = chiiki_app::workbook::export(s.store.as_ref(), &session.principal, &scope)
        .await
        .map_err(crate::pages::reading)?;
    Ok(crate::files::attachment(
        bytes,
        Format::Xlsx,
        &format!("{}-workbook", scope.key()),
    ))
}

/// `POST /workbook/{scope}` (multipart: `csrf`, `file`): imports it, all or nothing; the
/// outcome's page (422 when refused, with every problem).
async fn upload_page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let Some((name, bytes)) = upload(&session, multipart).await? else {
        return Ok(crate::session::csrf_refused());
    };
    let scope = scope_of(&raw)?;
    let r = import(&s, &session, prefs, &scope, &name, &bytes).await?;
    let status = r.status();
    let page = ResultPage {
        chrome: Chrome::new(&session, prefs, "bank", &uri),
        scope: scope.key(),
        back: back_of(&scope),
        r,
    };
    Ok((
        status,
        axum::response::Html(page.render().map_err(internal)?),
    )
        .into_response())
}

/// The routes of workbooks.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(
        "/workbook/{scope}",
        get(download)
            .post(upload_page)
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::files::MAX_UPLOAD + 64 * 1024,
            )),
    )
}
