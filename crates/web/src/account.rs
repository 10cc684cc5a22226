//! Login, logout, password change and display preferences.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chiiki_app::auth::{self, LoginError};
use serde::Deserialize;

use crate::pages::Chrome;
use crate::session::{
    Auth, DATES_COOKIE, LANG_COOKIE, LOGIN_CSRF_COOKIE, Prefs, SESSION_COOKIE, csrf_ok,
    csrf_refused, expired, local_path, session_cookie,
};
use crate::{AppState, PageError};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

fn login_page(
    prefs: Prefs,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let mut chrome = Chrome::anonymous();
    chrome.prefs = prefs;
    chrome.csrf = csrf;
    Ok(Html(
        LoginPage {
            chrome,
            next,
            username,
            error,
        }
        .render()?,
    ))
}

/// The login form, with a fresh CSRF token in a cookie and in the form (double submit).
pub(crate) async fn login_form(
    jar: CookieJar,
    prefs: Prefs,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let csrf = auth::random_token();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, csrf.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login")
        .build();
    let page = login_page(
        prefs,
        csrf,
        local_path(q.next.as_deref()),
        String::new(),
        None,
    )?;
    Ok((jar.add(cookie), page).into_response())
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    csrf: Option<String>,
    next: Option<String>,
}

/// The client's address for the login throttle: behind a proxy, the last address of
/// `X-Forwarded-For` (the one the proxy appended: a client cannot forge it), else the
/// connection's.
fn client_ip(
    behind_proxy: bool,
    headers: &axum::http::HeaderMap,
    addr: SocketAddr,
) -> std::net::IpAddr {
    if behind_proxy
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|s| s.trim().parse().ok())
    {
        return ip;
    }
    addr.ip()
}

/// Logs in: a new session id every time (an old session cookie is replaced and its session
/// ended), then back to where the user was going.
pub(crate) async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    prefs: Prefs,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if !csrf_ok(&expected, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let next = local_path(f.next.as_deref());
    match auth::login(
        s.store.as_ref(),
        &s.throttle,
        &f.username,
        &f.password,
        client_ip(s.behind_proxy, &headers, addr),
    )
    .await
    {
        Ok(session) => {
            if let Some(old) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string())
                && let Ok(Some(old)) = auth::resume(s.store.as_ref(), &old).await
            {
                let _ = auth::logout(s.store.as_ref(), &old).await;
            }
            let jar = jar
                .add(session_cookie(session.token))
                .add(expired(LOGIN_CSRF_COOKIE));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(e) => {
            let status = match &e {
                LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                LoginError::Invalid => StatusCode::UNAUTHORIZED,
                LoginError::App(err) => {
                    tracing::error!(error = %err, "login failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            let msg = e.message().get(prefs.lang).to_string();
            let page = login_page(prefs, expected, next, f.username.clone(), Some(msg))?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: Option<String>,
}

pub(crate) async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    Auth(session): Auth,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    auth::logout(s.store.as_ref(), &session).await?;
    Ok((jar.add(expired(SESSION_COOKIE)), Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    error: Option<String>,
    done: bool,
}

pub(crate) async fn password_form(
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    let chrome = Chrome::new(&session, prefs, "", &uri);
    Ok(Html(
        PasswordPage {
            chrome,
            error: None,
            done: false,
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
    csrf: Option<String>,
}

/// Changes one's password. All sessions of the account end; the user logs in again.
pub(crate) async fn change_password(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let chrome = Chrome::new(&session, prefs, "", &uri);
    let error = if f.new != f.confirm {
        Some(chiiki_domain::Msg::new(
            "確認用のパスワードが一致しません",
            "the two new passwords differ",
        ))
    } else {
        match auth::change_password(s.store.as_ref(), &session.principal, &f.current, &f.new).await
        {
            Ok(()) => None,
            Err(chiiki_app::AppError::Rejected(m)) => Some(m),
            Err(e) => return Err(e.into()),
        }
    };
    match error {
        Some(m) => {
            let page = PasswordPage {
                chrome,
                error: Some(m.get(prefs.lang).to_string()),
                done: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        None => {
            let page = PasswordPage {
                chrome,
                error: None,
                done: true,
            };
            Ok((jar.add(expired(SESSION_COOKIE)), Html(page.render()?)).into_response())
        }
    }
}

/// Sets a display preference (language, date style) in a cookie and goes back.
pub(crate) async fn set_pref(
    jar: CookieJar,
    Path((key, value)): Path<(String, String)>,
    Query(q): Query<NextQuery>,
) -> Response {
    let cookie = |name: &'static str, v: &'static str| {
        Cookie::build((name, v))
            .path("/")
            .same_site(SameSite::Lax)
            .permanent()
            .build()
    };
    let jar = match (key.as_str(), value.as_str()) {
        ("lang", "ja") => jar.add(cookie(LANG_COOKIE, "ja")),
        ("lang", "en") => jar.add(cookie(LANG_COOKIE, "en")),
        ("dates", "wareki") => jar.add(cookie(DATES_COOKIE, "wareki")),
        ("dates", "iso") => jar.add(cookie(DATES_COOKIE, "iso")),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (jar, Redirect::to(&local_path(q.next.as_deref()))).into_response()
}
