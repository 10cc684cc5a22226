//! The web application: server-rendered pages over `chiiki-app`, login and sessions, and
//! `GET /health`.
//!
//! Only this crate knows HTTP and HTML. Handlers read the request, call an app use case with
//! the logged-in [`chiiki_app::access::Principal`], and render a template; they hold no
//! business rules and make no authorisation decisions of their own.

mod account;
mod admin;
mod alliance;
pub mod api;
mod assignments;
mod dispatch;
mod doctor_bank;
mod duty;
mod files;
mod forms;
mod i18n;
mod mutual_aid;
mod obligations;
mod pages;
mod placement;
mod procurement;
mod rotation;
mod session;
mod training;
mod workbook;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chiiki_app::auth::Throttle;
use chiiki_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub throttle: Arc<Throttle>,
    pub uploads: Arc<files::Uploads>,
    /// How long the rotation planner may search for a plan or a replan.
    pub rotation_effort: chiiki_app::rotation::Effort,
    /// One rotation plan at a time: the planner uses every core for up to a minute.
    pub planning: Arc<tokio::sync::Semaphore>,
    /// How long the dispatch solver may search a month (`None`: the standard 10 seconds).
    pub dispatch_limit: Option<std::time::Duration>,
    /// See [`Options::behind_proxy`].
    pub behind_proxy: bool,
}

impl AppState {
    /// How long the dispatch solver may search a month.
    pub fn dispatch_effort(&self) -> chiiki_app::dispatch::Effort {
        let mut e = chiiki_app::dispatch::Effort::standard();
        if let Some(limit) = self.dispatch_limit {
            e.limits.time_limit = limit;
        }
        e
    }
}

/// How the application runs, beyond its store.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// How long the rotation planner may search: [`chiiki_app::rotation::Effort::default`]
    /// (up to a minute on the demo) in service, `Effort::quick()` (seconds) in tests.
    pub rotation_effort: chiiki_app::rotation::Effort,
    /// How long the dispatch solver may search a month: 10 seconds when `None` (in
    /// service), a second or less in tests.
    pub dispatch_limit: Option<std::time::Duration>,
    /// Served only through a TLS reverse proxy: cookies are marked `Secure`, and the login
    /// throttle counts failures per client as the proxy reports it (the last address of
    /// `X-Forwarded-For`) rather than per proxy.
    pub behind_proxy: bool,
}

/// The application's routes.
pub fn router(store: Arc<dyn Store>) -> Router {
    router_with(store, Options::default())
}

/// The application's routes, run with `options`.
pub fn router_with(store: Arc<dyn Store>, options: Options) -> Router {
    let state = AppState {
        store,
        throttle: Arc::new(Throttle::default()),
        uploads: Arc::new(files::Uploads::default()),
        rotation_effort: options.rotation_effort,
        planning: Arc::new(tokio::sync::Semaphore::new(1)),
        dispatch_limit: options.dispatch_limit,
        behind_proxy: options.behind_proxy,
    };
    Router::new()
        .route("/health", get(health))
        .route("/static/{file}", get(stylesheet))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route("/prefs/{key}/{value}", get(account::set_pref))
        .route("/", get(pages::home))
        .route("/analytics", get(pages::analytics))
        .route("/areas", get(pages::areas))
        .route("/areas/{code}", get(pages::area))
        .route("/municipalities", get(pages::municipalities))
        .route("/facilities", get(pages::facilities))
        .route("/facilities/{id}", get(pages::facility))
        .route("/doctors", get(pages::doctors))
        .route("/doctors/{id}", get(pages::doctor))
        .route("/doctors/{id}/assignments/new", get(assignments::new_form))
        .route("/doctors/{id}/assignments", post(assignments::create))
        .route(
            "/doctors/{id}/assignments/{aid}/edit",
            get(assignments::edit_form),
        )
        .route("/doctors/{id}/assignments/{aid}", post(assignments::update))
        .route(
            "/doctors/{id}/assignments/{aid}/end",
            post(assignments::end),
        )
        .route("/obligations", get(obligations::page))
        .route("/obligations.xlsx", get(obligations::xlsx))
        .route("/obligations.csv", get(obligations::csv))
        .route("/placement", get(placement::list).post(placement::open))
        .route("/placement/{id}", get(placement::round))
        .route("/placement/{id}/settings", post(placement::settings))
        .route("/placement/{id}/requests", post(placement::request))
        .route("/placement/{id}/preferences", post(placement::preferences))
        .route("/placement/{id}/runs", post(placement::run))
        .route("/placement/{id}/runs/{seq}", get(placement::run_page))
        .route("/placement/{id}/decision", post(placement::decide))
        .route("/placement/{id}/pack.xlsx", get(placement::pack))
        .route("/rotation", get(rotation::list).post(rotation::plan))
        .route("/rotation/mine", get(rotation::mine))
        .route("/rotation/{seq}", get(rotation::version))
        .route("/rotation/{seq}/replan", post(rotation::replan))
        .route("/rotation/{seq}/adopt", post(rotation::adopt))
        .route("/rotation/{seq}/doctors/{id}", get(rotation::doctor))
        .route("/dispatch", get(dispatch::page))
        .route("/dispatch/requests", post(dispatch::ask))
        .route("/dispatch/requests/{id}/cancel", post(dispatch::cancel))
        .route("/dispatch/offers", post(dispatch::offer))
        .route("/dispatch/offers/{id}/withdraw", post(dispatch::withdraw))
        .route(
            "/dispatch/hours",
            get(dispatch::hours_page).post(dispatch::report),
        )
        .route("/dispatch/worked/{request}", post(dispatch::worked))
        .route("/dispatch/runs", post(dispatch::solve))
        .route("/dispatch/runs/{seq}", get(dispatch::run))
        .route("/dispatch/runs/{seq}/confirm", post(dispatch::confirm))
        .route("/dispatch/stats", get(dispatch::stats))
        .route("/dispatch/{file}", get(dispatch::file))
        .route("/duty", get(duty::page).post(duty::make))
        .route("/duty/{seq}", get(duty::version))
        .route("/duty/{seq}/publish", post(duty::publish))
        .route("/alliances", get(alliance::list))
        .route("/alliances/{id}", get(alliance::overview))
        .route(
            "/alliances/{id}/loans",
            get(alliance::loans).post(alliance::record_loan),
        )
        .route(
            "/alliances/{id}/equipment",
            get(alliance::equipment).post(alliance::add_equipment),
        )
        .route("/alliances/{id}/bookings", post(alliance::book))
        .route(
            "/alliances/{id}/import",
            post(alliance::import).layer(axum::extract::DefaultBodyLimit::max(
                files::MAX_UPLOAD + 64 * 1024,
            )),
        )
        .route(
            "/alliances/{id}/bookings/{booking}/cancel",
            post(alliance::cancel),
        )
        .route("/alliances/{id}/{file}", get(alliance::file))
        .merge(procurement::routes())
        .merge(training::routes())
        .merge(mutual_aid::routes())
        .merge(doctor_bank::routes())
        .merge(workbook::routes())
        .route("/audit", get(pages::audit))
        .route(
            "/import",
            get(files::form)
                .post(files::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    files::MAX_UPLOAD + 64 * 1024,
                )),
        )
        .route("/import/confirm", post(files::confirm))
        .route("/export/{file}", get(files::download))
        .route("/admin/accounts", get(admin::list).post(admin::create))
        .route("/admin/accounts/{user}/password", post(admin::reset))
        .route("/admin/accounts/{user}/disabled", post(admin::disable))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/me", get(api::me))
        .route("/api/areas", get(api::areas))
        .route("/api/municipalities", get(api::municipalities))
        .route("/api/schemes", get(api::schemes))
        .route("/api/programmes", get(api::programmes))
        .route("/api/assignments", get(api::assignment_list))
        .route("/api/facilities", get(api::facilities))
        .route("/api/facilities/{id}", get(api::facility_one))
        .route("/api/doctors", get(api::doctors))
        .route("/api/doctors/{id}", get(api::doctor_one))
        .route("/api/doctors/{id}/assignments", post(api::add_assignment))
        .route("/api/audit", get(api::audit))
        .route("/api/{*rest}", get(api::unknown).post(api::unknown))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(
            options.behind_proxy,
            secure_cookies,
        ))
        .with_state(state)
}

/// Serves the application on the listener until Ctrl-C.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
) -> std::io::Result<()> {
    serve_with(listener, store, Options::default()).await
}

/// Serves the application, run with `options`, on the listener until Ctrl-C.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    options: Options,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router_with(store, options).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Headers on every response: nothing from other origins, no framing, no sniffing, no
/// caching of pages that hold personal data.
/// Behind a TLS proxy, every cookie set is marked `Secure`: the browser sends it over HTTPS
/// only.
async fn secure_cookies(
    axum::extract::State(behind_proxy): axum::extract::State<bool>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    if behind_proxy {
        let cookies: Vec<HeaderValue> = res
            .headers_mut()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        res.headers_mut().remove(header::SET_COOKIE);
        for c in cookies {
            let text = c.to_str().unwrap_or_default();
            let secured = if text.to_ascii_lowercase().contains("; secure") {
                c.clone()
            } else {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c.clone())
            };
            res.headers_mut().append(header::SET_COOKIE, secured);
        }
    }
    res
}

async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    if !is_static {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
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

/// The stylesheets, built in: the site's, and the print and table rules of some pages (the
/// CSP allows no inline styles).
const STYLESHEETS: &[(&str, &str)] = &[
    ("chiiki.css", include_str!("../static/chiiki.css")),
    ("procurement.css", include_str!("../static/procurement.css")),
    ("training.css", include_str!("../static/training.css")),
    ("aid.css", include_str!("../static/aid.css")),
];

async fn stylesheet(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match STYLESHEETS.iter().find(|(name, _)| *name == file) {
        Some((_, css)) => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *css,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A page, or the error page that says what went wrong.
pub(crate) enum PageError {
    NotFound,
    Forbidden,
    /// A request that cannot be answered as asked (a date that is not one): 400, with
    /// what is wrong and how to fix it in both languages.
    BadRequest(chiiki_domain::Msg),
    /// A write made from an old version of what it changes (optimistic locking): 409, with
    /// what happened and what to do in both languages.
    Conflict(chiiki_domain::Msg),
    Internal(String),
}

/// An app error: a refusal is 403, a conflict 409, something missing (or out of the user's
/// scope) 404, anything else an internal error.
impl From<chiiki_app::AppError> for PageError {
    fn from(e: chiiki_app::AppError) -> Self {
        match e {
            chiiki_app::AppError::Denied(_) => PageError::Forbidden,
            chiiki_app::AppError::Conflict(m) => PageError::Conflict(m),
            // What the user may not see is not there for them (never a server error).
            chiiki_app::AppError::Store(chiiki_store::StoreError::Missing { .. }) => {
                PageError::NotFound
            }
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<chiiki_store::StoreError> for PageError {
    fn from(e: chiiki_store::StoreError) -> Self {
        chiiki_app::AppError::from(e).into()
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "ページが見つかりません / Not found".to_string(),
                None,
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "このページを見る権限がありません / Forbidden".to_string(),
                None,
            ),
            PageError::BadRequest(m) => {
                let says = |l| i18n::T(l).get("error.bad_request");
                (
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{} / {}",
                        says(chiiki_domain::Lang::Ja),
                        says(chiiki_domain::Lang::En)
                    ),
                    Some(m),
                )
            }
            PageError::Conflict(m) => (
                StatusCode::CONFLICT,
                "他の利用者が先に変更しました / Changed by someone else".to_string(),
                Some(m),
            ),
            PageError::Internal(e) => {
                tracing::error!(error = %e, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました / Something went wrong".to_string(),
                    None,
                )
            }
        };
        let page = pages::ErrorPage {
            title: title.clone(),
            message,
            chrome: pages::Chrome::anonymous(),
        };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}
