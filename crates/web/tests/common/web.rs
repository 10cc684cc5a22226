//! The HTTP harness the web tests share: a server on port 0 with the demo and one account per
//! role, and a client that logs in and posts forms with the session's CSRF token.
#![allow(dead_code)]

use chiiki_app::access::Principal;
use chiiki_domain::{AccountFields, DoctorId, FacilityId, Name, PrefCode, Role, Username};
use chiiki_store::testing;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

pub const PASSWORD: &str = "correct horse battery staple";

/// The demo's alliance, whose secretariat is `tokatsu`.
pub const TOKATSU: &str = "12-TOKATSU-NANBU";

pub struct Server {
    pub base: String,
    pub t: testing::TestStore,
}

/// An account with the test password; a secretariat is the demo alliance's.
pub async fn account(
    t: &testing::TestStore,
    user: &str,
    role: Role,
    pref: Option<u8>,
    facility: Option<&str>,
    doctor: Option<&str>,
) {
    let alliance =
        (role == Role::Secretariat).then(|| chiiki_domain::AllianceId::parse(TOKATSU).unwrap());
    let fields = AccountFields {
        alliance,
        username: Username::parse(user).unwrap(),
        display_name: Name::parse(&format!("{user}（架空）")).unwrap(),
        role,
        pref: pref.and_then(|p| PrefCode::new(p).ok()),
        facility: facility.map(|f| FacilityId::parse(f).unwrap()),
        doctor: doctor.map(|d| DoctorId::parse(d).unwrap()),
        disabled: false,
    };
    chiiki_app::auth::put_account(
        t.store(),
        &Principal::system("test"),
        fields,
        Some(PASSWORD),
    )
    .await
    .unwrap();
}

/// A server with the demo and these accounts: `admin`; coordinators `iwate` (03), `miyagi`
/// (04) and `chiba` (12); `kamaishi` (岩手県立釜石病院); `doctor` (DEMO-2018-001); auditors
/// `auditor` (03) and `chibaaudit` (12); `tokatsu` (the demo alliance's secretariat).
pub async fn spawn(t: testing::TestStore) -> Server {
    spawn_with(t, chiiki_web::Options::default()).await
}

/// [`spawn`], with the rotation planner's short search (seconds, not a minute).
pub async fn spawn_quick(t: testing::TestStore) -> Server {
    spawn_with(
        t,
        chiiki_web::Options {
            rotation_effort: chiiki_app::rotation::Effort::quick(),
            dispatch_limit: Some(std::time::Duration::from_millis(500)),
            behind_proxy: false,
        },
    )
    .await
}

pub async fn spawn_with(t: testing::TestStore, options: chiiki_web::Options) -> Server {
    chiiki_app::load_demo(t.store()).await.expect("demo loads");
    account(&t, "admin", Role::Admin, None, None, None).await;
    account(&t, "iwate", Role::Coordinator, Some(3), None, None).await;
    account(&t, "miyagi", Role::Coordinator, Some(4), None, None).await;
    account(&t, "chiba", Role::Coordinator, Some(12), None, None).await;
    let kamaishi = Some("R7-0306-14");
    account(&t, "kamaishi", Role::Facility, Some(3), kamaishi, None).await;
    let doctor = Some("DEMO-2018-001");
    account(&t, "doctor", Role::Doctor, Some(3), None, doctor).await;
    account(&t, "auditor", Role::Auditor, Some(3), None, None).await;
    account(&t, "chibaaudit", Role::Auditor, Some(12), None, None).await;
    account(&t, "tokatsu", Role::Secretariat, Some(12), None, None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let store = t.shared();
    tokio::spawn(async move {
        chiiki_web::serve_with(listener, store, options)
            .await
            .unwrap()
    });
    Server {
        base: format!("http://{addr}"),
        t,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of the hidden `csrf` input of a page.
pub fn csrf_of(html: &str) -> String {
    let i = html.find(r#"name="csrf" value=""#).expect("a csrf field");
    let rest = &html[i + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

pub async fn login_with(
    c: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let form = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form);
    c.post(format!("{base}/login"))
        .form(&[
            ("username", user),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/doctors"),
        ])
        .send()
        .await
        .unwrap()
}

pub async fn logged_in(base: &str, user: &str) -> reqwest::Client {
    let c = client();
    let r = login_with(&c, base, user, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} logs in");
    assert_eq!(r.headers()["location"], "/doctors");
    c
}

pub async fn get(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Posts a form; its status, `Location` (empty when none) and body.
pub async fn post_form<F: serde::Serialize + ?Sized>(
    c: &reqwest::Client,
    url: &str,
    form: &F,
) -> (StatusCode, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status();
    let location = location(&r);
    (status, location, r.text().await.unwrap())
}

/// Posts the fields with the CSRF token.
pub async fn post(
    c: &reqwest::Client,
    url: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    c.post(url).form(&form).send().await.unwrap()
}

/// A response's `Location`, empty when none.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}
