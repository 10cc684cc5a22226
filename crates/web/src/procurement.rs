//! (being written)

use axum::Router;

use crate::AppState;

/// The messages of these pages (part of the catalog in `i18n`).
pub(crate) const MESSAGES: &[(&str, &str, &str)] = &[];

/// The routes of these pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
