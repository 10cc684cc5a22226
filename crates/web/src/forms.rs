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
        AppError::Rejected(m) => Ok(m),
        AppError::Invalid(v) => Ok(v.said()),
        other => Err(other.into()),
    }
}

/// What a POST handler answers once the app has acted: a redirect to `to(value)` on
/// success; the page again (`page(message)`, 422) when the error is the user's to fix;
/// else the error page (403 for a refusal).
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
            let html = page(on_page(e)?).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}
