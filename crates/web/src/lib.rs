//! The web application: server-rendered pages over `chiiki-app`, and `GET /health`.
//!
//! Only this crate knows HTTP and HTML. Handlers read the request, call the store or an app
//! use case, and render a template; they hold no business rules.

mod pages;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chiiki_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

/// The application's routes.
pub fn router(store: Arc<dyn Store>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/static/chiiki.css", get(css))
        .route("/", get(pages::home))
        .route("/areas", get(pages::areas))
        .route("/areas/{code}", get(pages::area))
        .route("/facilities", get(pages::facilities))
        .route("/facilities/{id}", get(pages::facility))
        .route("/doctors", get(pages::doctors))
        .route("/doctors/{id}", get(pages::doctor))
        .fallback(pages::not_found)
        .with_state(AppState { store })
}

/// Serves the application on the listener until Ctrl-C.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
) -> std::io::Result<()> {
    axum::serve(listener, router(store))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.store.counts().await {
        Ok(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":"ok"}"#,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"unavailable"}"#,
            )
                .into_response()
        }
    }
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/chiiki.css"),
    )
        .into_response()
}

/// A page, or the error page that says what went wrong.
pub(crate) enum PageError {
    NotFound,
    Internal(String),
}

impl<E: std::fmt::Display> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            PageError::NotFound => (StatusCode::NOT_FOUND, "ページが見つかりません / Not found"),
            PageError::Internal(e) => {
                tracing::error!(error = %e, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました / Something went wrong",
                )
            }
        };
        let page = pages::ErrorPage { title, nav: "" };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}
