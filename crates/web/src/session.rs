//! Sessions and CSRF over HTTP: the session cookie, the current user, and the checks every
//! form goes through. The decisions themselves (who may log in, what a role may see) are
//! made in `chiiki_app`.

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chiiki_app::auth::{self, Session};
use chiiki_domain::Lang;

use crate::AppState;

/// The session cookie: HttpOnly, SameSite=Lax, the whole site.
pub const SESSION_COOKIE: &str = "chiiki_session";
/// The CSRF cookie of forms sent before login (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "chiiki_csrf";
pub const LANG_COOKIE: &str = "chiiki_lang";
pub const DATES_COOKIE: &str = "chiiki_dates";

pub fn session_cookie(token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .build()
}

pub fn expired(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build((name, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    c.make_removal();
    c
}

/// The user's display preferences, from cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    pub lang: Lang,
    /// Dates in 和暦 (default) or ISO.
    pub wareki: bool,
}

impl Prefs {
    pub fn from_jar(jar: &CookieJar) -> Prefs {
        Prefs {
            lang: match jar.get(LANG_COOKIE).map(|c| c.value()) {
                Some("en") => Lang::En,
                _ => Lang::Ja,
            },
            wareki: jar.get(DATES_COOKIE).map(|c| c.value()) != Some("iso"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Prefs {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_request_parts(parts, state).await?;
        Ok(Prefs::from_jar(&jar))
    }
}

/// The logged-in user of a page. Without a session, a page redirects to the login form and
/// an API call answers 401.
pub struct Auth(pub Session);

/// Why there is no user.
pub enum NoSession {
    Page(String),
    Api,
    Error,
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self {
            NoSession::Page(next) => {
                Redirect::to(&format!("/login?next={}", crate::pages::urlencode(&next)))
                    .into_response()
            }
            NoSession::Api => (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"error":"login required"}"#,
            )
                .into_response(),
            NoSession::Error => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
}

async fn current(parts: &mut Parts, state: &AppState) -> Result<Option<Session>, NoSession> {
    let jar = CookieJar::from_request_parts(parts, state)
        .await
        .unwrap_or_default();
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    match auth::resume(state.store.as_ref(), &token).await {
        Ok(s) => Ok(s),
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            Err(NoSession::Error)
        }
    }
}

impl<S> FromRequestParts<S> for Auth
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = NoSession;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        match current(parts, &state).await? {
            Some(s) => Ok(Auth(s)),
            None if parts.uri.path().starts_with("/api/") => Err(NoSession::Api),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into());
                Err(NoSession::Page(next))
            }
        }
    }
}

impl<S> OptionalFromRequestParts<S> for Auth
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = NoSession;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(current(parts, &state).await?.map(Auth))
    }
}

/// The answer to a form without the right CSRF token: nothing was done.
pub fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::response::Html(
            "<!doctype html><title>403</title><p>フォームの有効期限が切れました。ページを読み込み直してください。 / The form has expired: reload the page and try again.</p>",
        ),
    )
        .into_response()
}

/// A form's CSRF token must equal the session's; compared in constant time.
pub fn csrf_ok(expected: &str, given: Option<&str>) -> bool {
    let Some(given) = given else { return false };
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A path of this site to go to after login: never another site.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.starts_with("/login") =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_comparison() {
        assert!(csrf_ok("abc", Some("abc")));
        assert!(!csrf_ok("abc", Some("abd")));
        assert!(!csrf_ok("abc", Some("ab")));
        assert!(!csrf_ok("abc", None));
        assert!(!csrf_ok("", Some("")));
    }

    #[test]
    fn redirects_stay_on_the_site() {
        assert_eq!(local_path(Some("/doctors?page=2")), "/doctors?page=2");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login?next=/",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
