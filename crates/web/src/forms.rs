//! What the pages' POST handlers share: the submitted fields, and an app error said on the
//! page when it is the user's to fix.

use std::collections::HashMap;
use std::future::Future;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chiiki_app::AppError;
use chiiki_domain::{Explain, Msg};

use crate::PageError;

/// A submitted form, field by field.
pub(crate) type Fields = HashMap<String, String>;

/// A field's value, trimmed; empty when it was not sent.
pub(crate) fn field<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

/// An app error said on the page (422) when it is the user's to fix, else the error page
/// (403 when the user may not do it).
pub(crate) fn on_page(e: AppError) -> Result<Msg, PageError> {
    match e {
        AppError::Rejected(m) | AppError::Conflict(m) => Ok(m),
        AppError::Invalid(v) => Ok(v.said()),
        other => Err(other.into()),
    }
}

/// What a POST handler answers once the app has acted: a redirect to `to(value)` on
/// success; the page again (`page(message)`) when the error is the user's to fix: 409 when
/// someone else changed it first (optimistic locking), else 422; else the error page (403
/// for a refusal).
pub(crate) async fn answer<T, P>(
    result: Result<T, AppError>,
    to: impl FnOnce(T) -> String,
    page: impl FnOnce(Msg) -> P,
) -> Result<Response, PageError>
where
    P: Future<Output = Result<Html<String>, PageError>>,
{
    match result {
        Ok(v) => Ok(Redirect::to(&to(v)).into_response()),
        Err(e) => {
            let status = match e {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let html = page(on_page(e)?).await?;
            Ok((status, html).into_response())
        }
    }
}

/// The version a form was made from (its hidden `version` field), for optimistic locking:
/// `None` when the form has none (a client that does not lock); a value that is not a whole
/// number is refused, said on the page.
pub(crate) fn made_from(f: &Fields) -> Result<Option<u64>, AppError> {
    parse_version(f.get("version").map(String::as_str)).map_err(AppError::Rejected)
}

/// [`made_from`] for a form read into a struct: a bad value is a 400 saying so.
pub(crate) fn version_field(v: Option<&str>) -> Result<Option<u64>, PageError> {
    parse_version(v).map_err(PageError::BadRequest)
}

fn parse_version(v: Option<&str>) -> Result<Option<u64>, Msg> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            Msg::new(
                format!("フォームの版「{v}」が読めません。ページを開き直してから入力してください"),
                format!(
                    "the form's version '{v}' cannot be read: open the page again and enter your change"
                ),
            )
        }),
    }
}
