//! Account administration: list, create, reset a password, disable. Administrators only;
//! the decisions are in `chiiki_app::auth`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chiiki_app::AppError;
use chiiki_app::access::Permission;
use chiiki_app::auth;
use chiiki_domain::{
    AccountFields, AllianceId, DoctorId, Explain, FacilityId, Name, PrefCode, Role, Username,
};
use serde::Deserialize;

use crate::pages::Chrome;
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

struct Row {
    username: String,
    name: String,
    role: &'static str,
    pref: String,
    scope: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    accounts: Vec<Row>,
    roles: Vec<(String, String)>,
    message: Option<String>,
    error: Option<String>,
}

async fn page(
    s: &AppState,
    session: &chiiki_app::auth::Session,
    prefs: Prefs,
    uri: &Uri,
    message: Option<String>,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let accounts = auth::list_accounts(s.store.as_ref(), &session.principal)
        .await?
        .into_iter()
        .map(|a| Row {
            username: a.username.to_string(),
            name: a.display_name.to_string(),
            role: a.role.label(prefs.lang),
            pref: a.pref.map(|p| p.to_string()).unwrap_or_default(),
            scope: a
                .facility
                .as_ref()
                .map(|f| f.to_string())
                .or(a.doctor.as_ref().map(|d| d.to_string()))
                .unwrap_or_default(),
            disabled: a.disabled,
        })
        .collect();
    let page = AccountsPage {
        chrome: Chrome::new(session, prefs, "accounts", uri),
        accounts,
        roles: Role::ALL
            .iter()
            .map(|r| (r.code().to_string(), r.label(prefs.lang).to_string()))
            .collect(),
        message,
        error,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    page(&s, &session, prefs, &uri, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct NewAccount {
    csrf: Option<String>,
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    pref: String,
    #[serde(default)]
    facility: String,
    #[serde(default)]
    doctor: String,
    #[serde(default)]
    alliance: String,
    password: String,
}

fn opt<T>(
    s: &str,
    parse: impl Fn(&str) -> Result<T, chiiki_domain::ValueError>,
) -> Result<Option<T>, chiiki_domain::ValueError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse(s).map(Some)
    }
}

/// The outcome of an administrative form: the list again, with a message or the problem.
async fn outcome(
    s: &AppState,
    session: &chiiki_app::auth::Session,
    prefs: Prefs,
    uri: &Uri,
    r: Result<String, AppError>,
) -> Result<Response, PageError> {
    match r {
        Ok(done) => Ok(page(s, session, prefs, uri, Some(done), None)
            .await?
            .into_response()),
        Err(AppError::Rejected(m)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                s,
                session,
                prefs,
                uri,
                None,
                Some(m.get(prefs.lang).to_string()),
            )
            .await?,
        )
            .into_response()),
        Err(AppError::Invalid(v)) => {
            let m = v.said().get(prefs.lang).to_string();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(s, session, prefs, uri, None, Some(m)).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn create(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Form(f): Form<NewAccount>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    if !session.principal.can(Permission::ManageAccounts) {
        return Err(PageError::Forbidden);
    }
    let fields = (|| -> Result<AccountFields, chiiki_domain::ValueError> {
        Ok(AccountFields {
            alliance: opt(&f.alliance, AllianceId::parse)?,
            username: Username::parse(&f.username)?,
            display_name: Name::parse(&f.display_name)?,
            role: Role::parse(&f.role)?,
            pref: opt(&f.pref, PrefCode::parse)?,
            facility: opt(&f.facility, FacilityId::parse)?,
            doctor: opt(&f.doctor, DoctorId::parse)?,
            disabled: false,
        })
    })();
    let r = match fields {
        Err(v) => Err(AppError::invalid(v)),
        Ok(fields) => match s.store.get_account(&fields.username).await {
            Ok(Some(_)) => Err(AppError::Rejected(chiiki_domain::Msg::new(
                "そのユーザー名は使われています",
                "that user name is taken",
            ))),
            Ok(None) => auth::put_account(
                s.store.as_ref(),
                &session.principal,
                fields,
                Some(&f.password),
            )
            .await
            .map(|a| format!("{} ✓", a.username)),
            Err(e) => Err(e.into()),
        },
    };
    outcome(&s, &session, prefs, &uri, r).await
}

#[derive(Deserialize)]
pub(crate) struct Reset {
    csrf: Option<String>,
    password: String,
}

pub(crate) async fn reset(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(user): Path<String>,
    Form(f): Form<Reset>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let Ok(user) = Username::parse(&user) else {
        return Err(PageError::NotFound);
    };
    let r = auth::reset_password(s.store.as_ref(), &session.principal, &user, &f.password)
        .await
        .map(|()| format!("{user} ✓"));
    outcome(&s, &session, prefs, &uri, r).await
}

#[derive(Deserialize)]
pub(crate) struct Disable {
    csrf: Option<String>,
    disabled: String,
}

pub(crate) async fn disable(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(user): Path<String>,
    Form(f): Form<Disable>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.csrf.as_deref()) {
        return Ok(csrf_refused());
    }
    let Ok(user) = Username::parse(&user) else {
        return Err(PageError::NotFound);
    };
    let r = auth::set_disabled(
        s.store.as_ref(),
        &session.principal,
        &user,
        f.disabled == "1",
    )
    .await;
    match r {
        Ok(()) => Ok(Redirect::to("/admin/accounts").into_response()),
        Err(e) => outcome(&s, &session, prefs, &uri, Err(e)).await,
    }
}
