//! What the pages' POST handlers share: the submitted fields, and an app error said on the
//! page when it is the user's to fix.

use std::collections::HashMap;

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
