//! The web application over HTTP: a real server on port 0 with the demo loaded, on SQLite
//! and on PostgreSQL — pages, logins, the role × route matrix, prefecture isolation, CSRF,
//! session fixation and the login throttle.

mod common;

use common::web::*;

use chiiki_app::access::Principal;
use chiiki_domain::{DoctorId, FacilityId, PrefCode, Role};
use chiiki_store::testing;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

#[tokio::test]
async fn register_pages_show_the_demo_to_a_coordinator() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let (st, body) = get(&client(), &format!("{base}/health")).await;
        assert_eq!(
            (st, body.as_str()),
            (StatusCode::OK, r#"{"status":"ok"}"#),
            "on {name}"
        );
        let c = logged_in(base, "iwate").await;

        let (st, home) = get(&c, &format!("{base}/")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            home.contains(">300<"),
            "300 doctors on the home page ({name})"
        );

        let (_, areas) = get(&c, &format!("{base}/areas")).await;
        for area in [
            "盛岡",
            "岩手中部",
            "胆江",
            "両磐",
            "気仙",
            "釜石",
            "宮古",
            "久慈",
            "二戸",
        ] {
            assert!(areas.contains(area), "{area}");
        }
        let (st, munis) = get(&c, &format!("{base}/municipalities")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            munis.contains("33件") && munis.contains("<td>032018</td>") && munis.contains("盛岡市")
        );
        let (_, munis) = get(&c, &format!("{base}/municipalities?area=0306")).await;
        assert!(munis.contains("2件") && munis.contains("大槌町"));
        let (_, kamaishi) = get(&c, &format!("{base}/areas/0306")).await;
        assert!(kamaishi.contains("岩手県立釜石病院") && kamaishi.contains("大槌町"));
        let (_, hospital) = get(&c, &format!("{base}/facilities/R7-0301-14")).await;
        assert!(hospital.contains("岩手医科大学附属病院") && hospital.contains("矢巾町"));
        assert!(hospital.contains("病床機能報告"), "source credit shown");
        let (_, filtered) = get(&c, &format!("{base}/facilities?area=0306")).await;
        assert!(
            filtered.contains("岩手県立釜石病院") && !filtered.contains("岩手医科大学附属病院")
        );
        let (_, repaid) = get(&c, &format!("{base}/doctors?status=repaid")).await;
        assert!(repaid.contains("<td>返還</td>") && !repaid.contains("<td>在籍</td>"));
        let (_, y2018) = get(&c, &format!("{base}/doctors?year=2018")).await;
        assert!(y2018.contains("20人") && y2018.contains("DEMO-2018-001"));
        let (_, doctor) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert!(
            doctor.contains("初期臨床研修")
                && doctor.contains("平成30年4月1日")
                && doctor.contains(r#"<span class="badge synthetic">架空</span>"#)
        );
        for missing in [
            "/doctors/NOPE",
            "/facilities/NOPE",
            "/areas/9999",
            "/areas/x",
            "/nothing",
        ] {
            let (st, body) = get(&c, &format!("{base}{missing}")).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{missing}");
            assert!(body.contains("見つかりません"));
        }
        // Dates as ISO when preferred.
        c.get(format!("{base}/prefs/dates/iso?next=/"))
            .send()
            .await
            .unwrap();
        let (_, iso) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert!(iso.contains("2018-04-01 –"), "ISO periods");
        // English: every label from the catalog, no Japanese label left on the page.
        let r = c
            .get(format!(
                "{base}/prefs/lang/en?next=%2Fdoctors%2FDEMO-2018-001"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/doctors/DEMO-2018-001");
        let (_, en) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert!(en.contains(r#"<html lang="en">"#));
        for label in [
            "Assignment timeline",
            "Initial residency",
            "Work-hour level",
            "Log out",
            ">Synthetic<",
        ] {
            assert!(en.contains(label), "{label}");
        }
        for label in ["勤務の経過", "初期臨床研修", "ログアウト"] {
            assert!(!en.contains(label), "{label} left in English");
        }
        let (_, list) = get(&c, &format!("{base}/doctors?year=2018")).await;
        assert!(list.contains("20 doctors"));
    }
}

#[tokio::test]
async fn every_role_sees_only_its_scope() {
    let t = testing::sqlite().await;
    // A doctor who works at 岩手県立釜石病院 today, and one who does not.
    let today = chrono::Local::now().date_naive();
    let at_kamaishi = chiiki_store::DoctorFilter {
        facility: FacilityId::parse("R7-0306-14").ok(),
        on: Some(today),
        ..Default::default()
    };
    let s = spawn(t).await;
    let here = s.t.store().list_doctors(&at_kamaishi).await.unwrap().items;
    let works_here = here.first().map(|d| d.id.to_string());
    let base = &s.base;
    use StatusCode as S;
    const OK: S = S::OK;
    const NO: S = S::NOT_FOUND;
    const FORBIDDEN: S = S::FORBIDDEN;
    let routes = [
        "/",
        "/areas",
        "/areas/0306",
        "/facilities",
        "/facilities/R7-0301-14",
        "/facilities/R7-0306-14",
        "/doctors",
        "/doctors/DEMO-2018-001",
        "/doctors/DEMO-2019-001",
        "/audit",
        "/obligations",
    ];
    let matrix: [(&str, [S; 11]); 6] = [
        ("admin", [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
        ("iwate", [OK, OK, OK, OK, OK, OK, OK, OK, OK, FORBIDDEN, OK]),
        (
            "miyagi",
            [OK, OK, NO, OK, NO, NO, OK, NO, NO, FORBIDDEN, OK],
        ),
        (
            "kamaishi",
            [OK, OK, OK, OK, NO, OK, OK, NO, NO, FORBIDDEN, FORBIDDEN],
        ),
        (
            "doctor",
            [OK, OK, OK, OK, OK, OK, OK, OK, NO, FORBIDDEN, FORBIDDEN],
        ),
        ("auditor", [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    ];
    for (user, expected) in matrix {
        let c = logged_in(base, user).await;
        for (route, want) in routes.iter().zip(expected) {
            let (got, _) = get(&c, &format!("{base}{route}")).await;
            // The demo doctors are not at 釜石病院 today unless `works_here` says so.
            let want = if user == "kamaishi"
                && route.starts_with("/doctors/")
                && Some(route[9..].to_string()) == works_here
            {
                OK
            } else {
                want
            };
            assert_eq!(got, want, "{user} {route}");
        }
    }
    // Lists hold only the scope.
    let miyagi = logged_in(base, "miyagi").await;
    let (_, doctors) = get(&miyagi, &format!("{base}/doctors")).await;
    assert!(doctors.contains("0人") && !doctors.contains("DEMO-"));
    let (_, facilities) = get(&miyagi, &format!("{base}/facilities")).await;
    assert!(!facilities.contains("岩手"));
    let doctor = logged_in(base, "doctor").await;
    let (_, list) = get(&doctor, &format!("{base}/doctors")).await;
    assert!(
        list.contains("1人") && list.contains("DEMO-2018-001") && !list.contains("DEMO-2018-002")
    );
    let kamaishi = logged_in(base, "kamaishi").await;
    let (_, list) = get(&kamaishi, &format!("{base}/doctors")).await;
    assert!(list.contains(&format!("{}人", here.len())));
    let (_, facilities) = get(&kamaishi, &format!("{base}/facilities")).await;
    assert!(facilities.contains("1件") && facilities.contains("岩手県立釜石病院"));
    // Not logged in: to the login page, and back after.
    let (st, _) = get(&client(), &format!("{base}/doctors?year=2018")).await;
    assert_eq!(st, S::SEE_OTHER);
    let r = client()
        .get(format!("{base}/doctors/DEMO-2018-001"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        "/login?next=%2Fdoctors%2FDEMO-2018-001"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    // Login without the token (or with another one).
    let c = client();
    c.get(format!("{base}/login")).send().await.unwrap();
    for token in ["", "0123"] {
        let r = c
            .post(format!("{base}/login"))
            .form(&[
                ("username", "iwate"),
                ("password", PASSWORD),
                ("csrf", token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    // Logout and password change without the session's token.
    let c = logged_in(base, "iwate").await;
    for (path, form) in [
        ("/logout", vec![]),
        (
            "/account/password",
            vec![
                ("current", PASSWORD),
                ("new", "another long password"),
                ("confirm", "another long password"),
            ],
        ),
    ] {
        let r = c
            .post(format!("{base}{path}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (st, _) = get(&c, &format!("{base}/doctors")).await;
    assert_eq!(st, StatusCode::OK, "still logged in: nothing happened");
    // With the token, logout works and the session is gone.
    let page = c
        .get(format!("{base}/doctors"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c
        .post(format!("{base}/logout"))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (st, _) = get(&c, &format!("{base}/doctors")).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_planted_session_id_is_never_adopted() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    let planted = "ab".repeat(32);
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let url: reqwest::Url = base.parse().unwrap();
    jar.add_cookie_str(&format!("chiiki_session={planted}; Path=/"), &url);
    let c = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = login_with(&c, base, "iwate", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let session = set
        .iter()
        .find(|c| c.starts_with("chiiki_session="))
        .expect("a new session cookie");
    assert!(!session.contains(&planted), "a new id on login");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    // The planted id opens nothing.
    let attacker = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = attacker
        .get(format!("{base}/doctors"))
        .header("cookie", format!("chiiki_session={planted}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failed_logins_are_throttled_and_audited() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    let c = client();
    for _ in 0..chiiki_app::auth::MAX_FAILURES_PER_ACCOUNT {
        let r = login_with(&c, base, "iwate", "wrong password!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("ユーザー名またはパスワードが違います")
        );
    }
    // Now even the right password waits.
    let r = login_with(&c, base, "iwate", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("分後"));
    // Another account is not affected.
    logged_in(base, "admin").await;
    let events =
        s.t.store()
            .list_audit(&chiiki_store::AuditFilter {
                entity: Some("sessions".into()),
                ..Default::default()
            })
            .await
            .unwrap();
    let actions: Vec<&str> = events.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "login_failed").count(),
        chiiki_app::auth::MAX_FAILURES_PER_ACCOUNT as usize
    );
    assert_eq!(actions.first(), Some(&"login"));
}

#[tokio::test]
async fn changing_the_password_ends_the_sessions() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    let c = logged_in(base, "doctor").await;
    let other = logged_in(base, "doctor").await;
    let page = c
        .get(format!("{base}/account/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let r = c
        .post(format!("{base}/account/password"))
        .form(&[
            ("current", PASSWORD),
            ("new", "a new long password"),
            ("confirm", "a new long password"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for client in [&c, &other] {
        let (st, _) = get(client, &format!("{base}/doctors")).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "every session ended");
    }
    assert_eq!(
        login_with(&client(), base, "doctor", "a new long password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let events =
        s.t.store()
            .list_audit(&chiiki_store::AuditFilter {
                entity_id: Some("doctor".into()),
                entity: Some("accounts".into()),
                ..Default::default()
            })
            .await
            .unwrap();
    assert_eq!(events.items[0].action, "password");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let r = client()
        .get(format!("{}/login", s.base))
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
}

#[tokio::test]
async fn a_coordinator_adds_edits_and_ends_an_assignment() {
    for t in testing::all().await {
        let s = spawn(t).await;
        let base = &s.base;
        let c = logged_in(base, "iwate").await;
        let (st, doctor) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            doctor.contains("/doctors/DEMO-2018-001/assignments/new"),
            "an add link for a coordinator"
        );
        let (st, form) = get(&c, &format!("{base}/doctors/DEMO-2018-001/assignments/new")).await;
        assert_eq!(st, StatusCode::OK);
        let csrf = csrf_of(&form);
        // Bad input: every problem beside its field, nothing written.
        let audit_before =
            s.t.store()
                .list_audit(&Default::default())
                .await
                .unwrap()
                .total;
        let r = c
            .post(format!("{base}/doctors/DEMO-2018-001/assignments"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("facility", "NOPE"),
                ("start", "令和9年2月30日"),
                ("end", ""),
                ("fte", "1.5"),
                ("kind", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        for (field, text) in [
            ("facility", "NOPE"),
            ("start", "28日"),
            ("fte", "0.01〜1"),
            ("kind", "入力してください"),
        ] {
            let i = html
                .find(&format!(r#"id="e-{field}""#))
                .unwrap_or_else(|| panic!("{field} errors"));
            let span = &html[i..i + html[i..].find("</span></span>").unwrap_or(0)];
            assert!(span.contains(text), "{field}: {span}");
        }
        assert!(html.contains(r#"value="NOPE""#), "the input is kept");
        assert_eq!(
            s.t.store()
                .list_audit(&Default::default())
                .await
                .unwrap()
                .total,
            audit_before
        );
        // A second full-time post overlapping FY2026 is refused on the FTE field.
        let r = c
            .post(format!("{base}/doctors/DEMO-2018-001/assignments"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("facility", "R7-0306-14"),
                ("start", "2026-10-01"),
                ("end", "2026-10-31"),
                ("fte", "1"),
                ("kind", "other_service"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("常勤換算の合計が 2"));
        // A good one: in the timeline and the audit trail.
        let r = c
            .post(format!("{base}/doctors/DEMO-2018-001/assignments"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("facility", "R7-0306-14"),
                ("start", "R9.4.1"),
                ("end", ""),
                ("fte", "0.5"),
                ("kind", "指定勤務"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, doctor) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert!(doctor.contains("令和9年4月1日 –") && doctor.contains("0.5"));
        let events =
            s.t.store()
                .list_audit(&chiiki_store::AuditFilter {
                    entity: Some("assignments".into()),
                    actor: Some("iwate".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
        assert_eq!(events.total, 1);
        let id = events.items[0].entity_id.clone();
        // End it on a day: the period closes, a second audit event.
        let r = c
            .post(format!("{base}/doctors/DEMO-2018-001/assignments/{id}/end"))
            .form(&[("csrf", csrf.as_str()), ("end", "2028-03-31")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, doctor) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert!(doctor.contains("令和9年4月1日 – 令和10年3月31日"));
        let events =
            s.t.store()
                .list_audit(&chiiki_store::AuditFilter {
                    entity_id: Some(id.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
        assert_eq!(events.items[0].action, "update");
        assert_eq!(
            events.items[0].after.as_ref().unwrap()["period"]["end"],
            "2028-03-31"
        );
        // The edit form shows it as stored.
        let (st, edit) = get(
            &c,
            &format!("{base}/doctors/DEMO-2018-001/assignments/{id}/edit"),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert!(edit.contains(r#"value="2028-03-31""#));

        // Other users: a doctor and another prefecture's coordinator cannot.
        let doctor = logged_in(base, "doctor").await;
        let (_, own) = get(&doctor, &format!("{base}/doctors/DEMO-2018-001")).await;
        assert!(
            !own.contains("/assignments/new"),
            "no add link for a doctor"
        );
        let (st, _) = get(
            &doctor,
            &format!("{base}/doctors/DEMO-2018-001/assignments/new"),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let own_csrf = csrf_of(&own);
        let r = doctor
            .post(format!("{base}/doctors/DEMO-2018-001/assignments"))
            .form(&[
                ("csrf", own_csrf.as_str()),
                ("facility", "R7-0306-14"),
                ("start", "2030-04-01"),
                ("kind", "other_service"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let miyagi = logged_in(base, "miyagi").await;
        let (st, _) = get(
            &miyagi,
            &format!("{base}/doctors/DEMO-2018-001/assignments/new"),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // Without the CSRF token: refused.
        let r = c
            .post(format!("{base}/doctors/DEMO-2018-001/assignments"))
            .form(&[
                ("facility", "R7-0306-14"),
                ("start", "2031-04-01"),
                ("kind", "other_service"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

async fn upload(
    c: &reqwest::Client,
    base: &str,
    entity: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let page = c
        .get(format!("{base}/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&page))
        .text("entity", entity.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let r = c
        .post(format!("{base}/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn import_and_export_in_the_browser() {
    for t in testing::all().await {
        let s = spawn(t).await;
        let base = &s.base;
        let c = logged_in(base, "iwate").await;
        let header =
            "医師ID,氏名,フリガナ,性別,生年月日,卒業年月日,都道府県,制度ID,貸与開始日,架空\n";
        // A file with problems: every one listed with its row and column; nothing written.
        let bad = format!(
            "{header}W-1,架空 一郎,カクウ イチロウ,男,令和2年2月30日,2020-03-20,03,iwate-kokuho,2014-04-01,1\nW-2,架空 二郎,カクウ ジロウ,男,1995-01-01,2020-03-20,03,no-such-scheme,2014-04-01,1\n"
        );
        let (st, html) = upload(&c, base, "doctors", "bad.csv", bad.into_bytes()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains(r#"id="issues""#));
        assert!(
            html.contains("<td>2</td>") && html.contains("29日"),
            "row 2: no such day"
        );
        assert!(
            html.contains("<td>3</td>") && html.contains("no-such-scheme"),
            "row 3: unknown scheme"
        );
        assert!(
            !html.contains("/import/confirm"),
            "no confirmation for a file with problems"
        );
        assert!(
            s.t.store()
                .get(chiiki_domain::Entity::Doctors, "W-1")
                .await
                .unwrap()
                .is_none()
        );
        // A good file: the dry run, then the confirmation writes it.
        let good = format!(
            "{header}W-3,架空 三郎,カクウ サブロウ,男,1995-01-01,2020-03-20,03,iwate-kokuho,2014-04-01,1\n"
        );
        let (st, html) = upload(&c, base, "doctors", "good.csv", good.into_bytes()).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains(r#"<dd id="added">1</dd>"#));
        assert!(
            s.t.store()
                .get(chiiki_domain::Entity::Doctors, "W-3")
                .await
                .unwrap()
                .is_none(),
            "a dry run first"
        );
        let token = {
            let i = html.find(r#"name="token" value=""#).unwrap() + r#"name="token" value=""#.len();
            html[i..i + html[i..].find('"').unwrap()].to_string()
        };
        let r = c
            .post(format!("{base}/import/confirm"))
            .form(&[("csrf", csrf_of(&html).as_str()), ("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("取り込みました"));
        assert!(
            s.t.store()
                .get(chiiki_domain::Entity::Doctors, "W-3")
                .await
                .unwrap()
                .is_some()
        );
        // The token is spent.
        let r = c
            .post(format!("{base}/import/confirm"))
            .form(&[("csrf", csrf_of(&html).as_str()), ("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::GONE);
        // Downloads: the list as filtered, in the user's scope.
        let r = c
            .get(format!("{base}/export/doctors.csv?year=2018"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("doctors.csv")
        );
        let csv = r.text().await.unwrap();
        assert_eq!(csv.lines().count(), 21, "header and the 20 doctors of 2018");
        let r = c
            .get(format!("{base}/export/facilities.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"), "an xlsx (zip) file");
        let exports =
            s.t.store()
                .list_audit(&chiiki_store::AuditFilter {
                    actor: Some("iwate".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
        let export = exports
            .items
            .iter()
            .find(|e| e.action == "export" && e.entity == "doctors")
            .expect("the export is audited");
        assert_eq!(export.after.as_ref().unwrap()["records"], 20);
        assert_eq!(
            export.after.as_ref().unwrap()["filter"]["graduation_year"],
            2018
        );
        let miyagi = logged_in(base, "miyagi").await;
        let csv = miyagi
            .get(format!("{base}/export/doctors.csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            csv.lines().count(),
            1,
            "another prefecture downloads nothing of Iwate"
        );
        // Roles that cannot write cannot import.
        let doctor = logged_in(base, "doctor").await;
        let (st, _) = get(&doctor, &format!("{base}/import")).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_json_api_has_the_same_rules_and_an_openapi_document() {
    for t in testing::all().await {
        let s = spawn(t).await;
        let base = &s.base;
        let spec: serde_json::Value = client()
            .get(format!("{base}/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
        for path in [
            "/api/doctors",
            "/api/doctors/{id}",
            "/api/doctors/{id}/assignments",
            "/api/facilities",
            "/api/audit",
            "/api/me",
        ] {
            assert!(spec["paths"][path].is_object(), "{path} documented");
        }
        assert!(spec["components"]["schemas"]["Doctor"].is_object());
        // Without a session: 401 in JSON.
        let r = client()
            .get(format!("{base}/api/doctors"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()["content-type"], "application/json");
        let c = logged_in(base, "iwate").await;
        let me: serde_json::Value = c
            .get(format!("{base}/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (me["role"].as_str(), me["pref"].as_str()),
            (Some("coordinator"), Some("03"))
        );
        let csrf = me["csrf"].as_str().unwrap().to_string();
        let page: serde_json::Value = c
            .get(format!("{base}/api/doctors?year=2018&limit=5"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (
                page["total"].as_u64(),
                page["items"].as_array().unwrap().len()
            ),
            (Some(20), 5)
        );
        let one: serde_json::Value = c
            .get(format!("{base}/api/doctors/DEMO-2018-001"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(one["assignments"][0]["kind"], "initial_residency");
        assert_eq!(one["synthetic"], true);
        let f: serde_json::Value = c
            .get(format!("{base}/api/facilities/R7-0301-14"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(f["name"], "岩手医科大学附属病院");
        // Writes: the CSRF header is required; problems come back per field.
        let body = serde_json::json!({"facility": "R7-0306-14", "start": "2030-04-01", "fte": "0.5", "kind": "designated_service"});
        let r = c
            .post(format!("{base}/api/doctors/DEMO-2018-001/assignments"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let bad = serde_json::json!({"facility": "R7-0306-14", "start": "2030-02-30", "kind": "x"});
        let r = c
            .post(format!("{base}/api/doctors/DEMO-2018-001/assignments"))
            .header("x-csrf-token", &csrf)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: serde_json::Value = r.json().await.unwrap();
        let fields: Vec<&str> = e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"start") && fields.contains(&"kind"),
            "{fields:?}"
        );
        let r = c
            .post(format!("{base}/api/doctors/DEMO-2018-001/assignments"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let a: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            (a["start"].as_str(), a["fte"].as_f64()),
            (Some("2030-04-01"), Some(0.5))
        );
        // Scope and roles as on the pages.
        let miyagi = logged_in(base, "miyagi").await;
        let r = miyagi
            .get(format!("{base}/api/doctors/DEMO-2018-001"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let page: serde_json::Value = miyagi
            .get(format!("{base}/api/doctors"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], 0);
        assert_eq!(
            c.get(format!("{base}/api/audit"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        let auditor = logged_in(base, "auditor").await;
        let events: serde_json::Value = auditor
            .get(format!("{base}/api/audit?entity=assignments"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(events["items"][0]["actor"], "iwate");
        assert_eq!(
            auditor
                .get(format!("{base}/api/nothing"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn an_administrator_manages_accounts_in_the_browser() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    let admin = logged_in(base, "admin").await;
    let (st, page) = get(&admin, &format!("{base}/admin/accounts")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("<td>iwate</td>") && page.contains("<td>miyagi</td>"));
    let csrf = csrf_of(&page);
    // Create: a coordinator without a prefecture is refused, with the reason.
    let r = admin
        .post(format!("{base}/admin/accounts"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "akita"),
            ("display_name", "秋田（架空）"),
            ("role", "coordinator"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("都道府県が必要"));
    let r = admin
        .post(format!("{base}/admin/accounts"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "akita"),
            ("display_name", "秋田（架空）"),
            ("role", "coordinator"),
            ("pref", "05"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    logged_in(base, "akita").await;
    // Reset a password: the old one no longer works, the new one does.
    let r = admin
        .post(format!("{base}/admin/accounts/iwate/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        login_with(&client(), base, "iwate", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_with(&client(), base, "iwate", "a brand new password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // Disable: the account's sessions end and it cannot log in.
    let akita = logged_in(base, "akita").await;
    let r = admin
        .post(format!("{base}/admin/accounts/akita/disabled"))
        .form(&[("csrf", csrf.as_str()), ("disabled", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        get(&akita, &format!("{base}/doctors")).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        login_with(&client(), base, "akita", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // Nobody else may.
    let coordinator = logged_in(base, "miyagi").await;
    assert_eq!(
        get(&coordinator, &format!("{base}/admin/accounts")).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_analytics_page_shows_the_index_chart_and_table() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    let c = logged_in(base, "iwate").await;
    let (st, page) = get(&c, &format!("{base}/analytics")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("</svg>"),
        "an inline SVG chart"
    );
    assert!(!page.contains("NaN") && !page.contains("inf"));
    assert_eq!(page.matches("<tr><td>03").count(), 9, "Iwate's nine areas");
    assert!(
        page.contains("<td>0306</td>")
            && page.contains("107.8")
            && page.contains(r#"<span class="badge shortage">医師少数</span>"#)
    );
    assert!(
        page.contains("医師偏在指標（令和6年1月公表）"),
        "the source credit"
    );
    // The map of Iwate's nine areas, each linking to its page, and the outlook charts.
    assert_eq!(
        page.matches("<path class=\"area ").count(),
        9,
        "nine areas on the map"
    );
    assert!(page.contains(r#"<a href="/areas/0306">"#));
    assert!(page.contains("国土数値情報"));
    assert!(page.matches("<figure class=\"chart\">").count() >= 6);

    // The dashboard has the same map; an area's page has its outlook and beds.
    let (st, home) = get(&c, &format!("{base}/")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(home.matches("<path class=\"area ").count(), 9);
    let (st, area) = get(&c, &format!("{base}/areas/0306")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(area.contains(r#"<table id="years">"#) && area.contains("2050"));
    assert!(
        area.contains(r#"<span class="flag missing">"#),
        "釜石 has no high-acute beds"
    );
    assert!(!area.contains("NaN"));
    // Areas are public figures: a doctor's dashboard shows the map too.
    let doctor = logged_in(base, "doctor").await;
    let (st, home) = get(&doctor, &format!("{base}/")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(home.contains("data-area=\"0306\""));

    let miyagi = logged_in(base, "miyagi").await;
    let (st, page) = get(&miyagi, &format!("{base}/analytics")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        page.matches("<tr><td>03").count(),
        0,
        "no Iwate area for Miyagi"
    );
}

/// A synthetic doctor of Mie under `mie-late-training` (a scheme with checkable rules; the
/// Iwate demo's schemes state none, so no demo doctor is ever at risk) and Mie's
/// coordinator `mie`. Three years of specialist training in Tokyo break the two-year limit
/// on training outside the prefecture, whatever the date.
async fn seed_mie(t: &testing::TestStore) {
    common::import_mie(t).await;
    account(t, "mie", Role::Coordinator, Some(24), None, None).await;
}

/// The `<table>` with this id and everything up to its end.
fn table<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!(r#"<table class="cross" id="{id}""#))
        .unwrap_or_else(|| panic!("a table {id}"));
    let len = page[start..].find("</table>").unwrap();
    &page[start..start + len]
}

/// The number in the grand-total cell of a cross-table.
fn grand_total(table: &str) -> u32 {
    let i = table
        .find(r#"<td class="num grand">"#)
        .expect("a grand total")
        + 22;
    table[i..i + table[i..].find('<').unwrap()].parse().unwrap()
}

#[tokio::test]
async fn the_register_obligations_page_tables_and_downloads() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;
    let c = logged_in(base, "iwate").await;

    // The page, as of today: the navigation, the counts, the four tables, the lists.
    let (st, page) = get(&c, &format!("{base}/obligations")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(r#"<a href="/obligations" aria-current="page">義務履行</a>"#));
    assert!(page.contains(r#"<div class="n" id="evaluated">300</div>"#));
    for id in [
        "status_by_specialty",
        "status_by_area",
        "graduation_year_by_status",
    ] {
        let t = table(&page, id);
        assert_eq!(grand_total(t), 300, "{id}");
        assert!(t.contains(r#"<th scope="col">"#) && t.contains(r#"<th scope="row">"#));
    }
    let pipeline = table(&page, "pipeline");
    assert!(grand_total(pipeline) > 0 && grand_total(pipeline) <= 300);
    assert!(page.contains("卒業年度 × 状態") && page.contains("義務勤務の開始年度"));
    for h2 in [
        "状態別の人数",
        "集計表",
        "要注意の医師",
        "12か月以内に期限を迎える医師",
        "評価できなかった医師",
    ] {
        assert!(page.contains(h2), "{h2}");
    }
    assert!(!page.contains("NaN"));

    // Downloads: a workbook, and the CSV of the 300 doctors; both audited.
    let r = c
        .get(format!("{base}/obligations.xlsx?as_of=2026-04-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("obligations-2026-04-01.xlsx")
    );
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = c
        .get(format!("{base}/obligations.csv?as_of=2026-04-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 301, "the header and 300 doctors");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let keys: Vec<&str> = chiiki_app::obligations::DOCTOR_COLUMNS
        .iter()
        .map(|(k, _)| *k)
        .collect();
    assert_eq!(header, keys);
    let exports =
        s.t.store()
            .list_audit(&chiiki_store::AuditFilter {
                actor: Some("iwate".into()),
                ..Default::default()
            })
            .await
            .unwrap();
    let mine: Vec<_> = exports
        .items
        .iter()
        .filter(|e| e.action == "export" && e.entity == "obligations")
        .collect();
    assert_eq!(mine.len(), 2, "both downloads are audited");
    assert!(mine.iter().all(|e| {
        let d = e.after.as_ref().unwrap();
        d["records"] == 300 && d["as_of"] == "2026-04-01"
    }));

    // A date that is not one: 400, said in both languages; so for the downloads.
    for url in [
        "/obligations?as_of=2026-02-30",
        "/obligations?as_of=someday",
        "/obligations.csv?as_of=2026-13-01",
        "/doctors/DEMO-2018-001?as_of=令和9年2月30日",
    ] {
        let (st, body) = get(&c, &format!("{base}{url}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{url}");
        assert!(
            body.contains("入力が正しくありません / The request is not valid")
                && body.contains("基準日:")
                && body.contains("As of:"),
            "{url}: {body}"
        );
    }
    // Another day, also in 和暦; the links to the doctors keep it.
    let (st, page) = get(&c, &format!("{base}/obligations?as_of=R8.4.1")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(r#"value="2026-04-01""#) && page.contains("令和8年4月1日"));

    // English: the tables' labels and the sentences follow.
    c.get(format!("{base}/prefs/lang/en?next=/"))
        .send()
        .await
        .unwrap();
    let (_, en) = get(&c, &format!("{base}/obligations")).await;
    assert!(en.contains("Obligations of the register") && en.contains("Graduation year × status"));
    for ja in ["状態別の人数", "卒業年度 × 状態", "義務履行中", "未定"] {
        assert!(!en.contains(ja), "{ja} left in English");
    }

    // Who may read it: the centre's staff; a doctor or a facility may not, and has no link.
    let auditor = logged_in(base, "auditor").await;
    let (st, page) = get(&auditor, &format!("{base}/obligations")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(grand_total(table(&page, "status_by_area")), 300);
    let r = auditor
        .get(format!("{base}/obligations.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let miyagi = logged_in(base, "miyagi").await;
    let (st, page) = get(&miyagi, &format!("{base}/obligations")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        page.contains(r#"<div class="n" id="evaluated">0</div>"#),
        "no Iwate doctor"
    );
    for user in ["doctor", "kamaishi"] {
        let c = logged_in(base, user).await;
        for url in ["/obligations", "/obligations.csv", "/obligations.xlsx"] {
            let (st, _) = get(&c, &format!("{base}{url}")).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{user} {url}");
        }
        let (_, home) = get(&c, &format!("{base}/")).await;
        assert!(!home.contains(r#"href="/obligations""#), "{user}");
    }
}

#[tokio::test]
async fn a_doctor_page_shows_the_obligation_and_the_doctor_sees_their_own() {
    let t = testing::sqlite().await;
    let s = spawn(t).await;
    let base = &s.base;

    // The doctor: their own obligation, and nobody else's.
    let doctor = logged_in(base, "doctor").await;
    let (st, own) = get(&doctor, &format!("{base}/doctors/DEMO-2018-001")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(own.contains(r#"<h2 id="obligation-title">義務の履行状況</h2>"#));
    assert!(own.contains(r#"id="obligation-status""#));
    assert!(own.contains("<progress id=\"served\""));
    assert!(own.contains("何が数えられるか（制度の決まり）"));
    assert!(
        own.contains("義務年限"),
        "the rules with their descriptions"
    );
    assert!(own.contains("根拠:"), "and their sources");
    let (st, other) = get(&doctor, &format!("{base}/doctors/DEMO-2018-002")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(!other.contains("DEMO-2018-002") && !other.contains("義務の履行状況"));

    // The coordinator sees the same status on that page as in the register's CSV.
    let c = logged_in(base, "iwate").await;
    let (_, page) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
    let status = |html: &str| {
        let i = html.find(r#"id="obligation-status">"#).unwrap() + 23;
        html[i..i + html[i..].find('<').unwrap()].to_string()
    };
    assert_eq!(status(&page), status(&own));
    let csv = c
        .get(format!("{base}/obligations.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("DEMO-2018-001,"))
        .unwrap();
    assert!(
        row.split(',').nth(3) == Some(status(&page).as_str()),
        "{row} vs {}",
        status(&page)
    );

    // A doctor at risk, for the coordinator of their prefecture: on the register's page
    // with the sentence, linked to their page, which says it with the rule's source.
    seed_mie(&s.t).await;
    let mie = logged_in(base, "mie").await;
    let (st, register) = get(&mie, &format!("{base}/obligations")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(grand_total(table(&register, "status_by_area")), 1);
    let rest = &register[register
        .find(r#"<table class="at-risk">"#)
        .expect("a doctor at risk")..];
    assert!(rest.contains(r#"<a href="/doctors/MIE-2016-001">"#));
    let outside = "県外での勤務は通算 2年 までですが";
    assert!(
        rest.contains(outside),
        "the sentence on the register's page"
    );
    let (st, page) = get(&mie, &format!("{base}/doctors/MIE-2016-001")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(r#"<span class="badge violation">違反あり</span>"#));
    assert!(page.contains(outside) && page.contains("海外又は三重県外の機関において"));
    assert!(page.contains("<progress id=\"served\" max=\"10\""));
    let (st, _) = get(&c, &format!("{base}/doctors/MIE-2016-001")).await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "Iwate's coordinator does not see Mie's doctor"
    );

    // English: the section's labels and the scheme's words in English.
    c.get(format!("{base}/prefs/lang/en?next=/"))
        .send()
        .await
        .unwrap();
    let (_, en) = get(&c, &format!("{base}/doctors/DEMO-2018-001")).await;
    assert!(en.contains(">Obligation</h2>") && en.contains("What counts: the scheme&#39;s rules"));
    assert!(!en.contains("義務の履行状況") && !en.contains("義務年限"));
}

/// A placement round in the browser, on both back ends: a facility enters its request, the
/// coordinator runs two mechanisms, compares them, downloads the committee pack and records
/// the decision, whose assignments appear on the doctors' pages; a doctor sees their own
/// preferences and no runs; a decided round refuses changes.
#[tokio::test]
async fn a_coordinator_runs_a_round_compares_decides_and_downloads_the_pack() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let round = format!("{base}/placement/03-2027");
        let c = logged_in(base, "iwate").await;
        let (st, list) = get(&c, &format!("{base}/placement")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(list.contains(r#"<a href="/placement/03-2027">03-2027</a>"#));

        // The facility's request.
        let f = logged_in(base, "kamaishi").await;
        let (st, page) = get(&f, &round).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains(r#"id="request-form""#) && !page.contains(r#"id="runs""#));
        let r = f
            .post(format!("{round}/requests"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("facility", "R7-0306-14"),
                ("posts", "3"),
                ("department", "内科"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        // Not for another facility.
        let r = f
            .post(format!("{round}/requests"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("facility", "R7-0301-1"),
                ("posts", "3"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name}");

        // Two runs, side by side.
        let (_, page) = get(&c, &round).await;
        assert!(page.contains(r#"<span id="missing">0</span>"#), "{name}");
        let token = csrf_of(&page);
        for (algorithm, label) in [("da", "DA"), ("floors", "下限あり")] {
            let r = c
                .post(format!("{round}/runs"))
                .form(&[
                    ("csrf", token.as_str()),
                    ("algorithm", algorithm),
                    ("label", label),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} {algorithm}");
        }
        let (st, page) = get(&c, &format!("{round}?a=1&b=2")).await;
        assert_eq!(st, StatusCode::OK);
        let runs = table(&page, "runs");
        assert!(
            runs.contains("#1 DA") && runs.contains("#2 下限あり"),
            "{name}"
        );
        assert!(
            runs.contains(r#"class="verified""#),
            "checked guarantees shown"
        );
        assert!(!runs.contains(r#"class="broken""#), "no promise broken");
        assert!(page.contains(r#"id="diff-table""#));
        let (st, detail) = get(&c, &format!("{round}/runs/2")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(detail.contains(r#"id="outcomes""#) && detail.contains("DEMO-"));

        // The pack.
        let r = c.get(format!("{round}/pack.xlsx")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"));

        // A decision needs a reason; then it is recorded once.
        let decide = |why: &'static str| {
            c.post(format!("{round}/decision")).form(&[
                ("csrf", token.clone()),
                ("run", "2".to_string()),
                ("rationale", why.to_string()),
            ])
        };
        let r = decide(" ").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains(r#"id="problem""#));
        let r = decide("下限を満たし、第1希望も多い").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let (_, page) = get(&c, &round).await;
        assert!(page.contains(r#"id="decision""#) && page.contains("下限を満たし"));
        assert!(!page.contains(r#"id="run-form""#), "no more runs");
        let r = decide("もう一度").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("決定済み"));

        // The assignments of the new year are on the doctors' pages.
        let placed = detail
            .split(r#"<tr id="o-"#)
            .skip(1)
            .find(|row| !row.contains("未配置"))
            .map(|row| row[..row.find('"').unwrap()].to_string())
            .expect("someone is placed");
        let (_, doctor_page) = get(&c, &format!("{base}/doctors/{placed}")).await;
        assert!(
            doctor_page.contains(&format!(
                "/doctors/{placed}/assignments/P2027-{placed}/edit"
            )),
            "{name}: {placed}"
        );

        // The doctor sees the round and their own preferences, not the runs.
        let d = logged_in(base, "doctor").await;
        let (st, page) = get(&d, &round).await;
        assert_eq!(st, StatusCode::OK);
        assert!(!page.contains(r#"id="runs""#) && !page.contains(r#"id="due""#));
        let r = d
            .post(format!("{round}/runs"))
            .form(&[("csrf", csrf_of(&page).as_str()), ("algorithm", "da")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (st, _) = get(&d, &format!("{round}/pack.xlsx")).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
}

/// The table with this id, whatever its class, up to its end.
fn the_table<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!(r#" id="{id}""#))
        .unwrap_or_else(|| panic!("a table {id}"));
    let len = page[start..].find("</table>").unwrap();
    &page[start..start + len]
}

/// The `seq` of a redirect to `/rotation/{seq}`.
fn version_of(r: &reqwest::Response) -> u32 {
    let to = r.headers()["location"].to_str().unwrap();
    let seq = to
        .strip_prefix("/rotation/")
        .unwrap_or_else(|| panic!("a version's page: {to}"));
    seq.parse()
        .unwrap_or_else(|_| panic!("a version's page: {to}"))
}

/// The doctors linked from a version's chart, in the chart's order.
fn chart_doctors(page: &str, seq: u32) -> Vec<String> {
    let link = format!(r#"href="/rotation/{seq}/doctors/"#);
    page.split(&link)
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn rotation_plans_are_planned_explained_replanned_and_adopted() {
    let t = testing::sqlite().await;
    let s = spawn_quick(t).await;
    let base = &s.base;
    let c = logged_in(base, "iwate").await;

    // The list, with the plan form and what it takes.
    let (st, list) = get(&c, &format!("{base}/rotation")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains(r#"id="plan-form""#) && list.contains("最大1分"));
    assert!(
        list.contains(r#"href="/rotation" aria-current="page""#),
        "in the navigation"
    );
    let token = csrf_of(&list);
    // A horizon out of range is said on the page, with the form kept.
    let r = c
        .post(format!("{base}/rotation"))
        .form(&[
            ("csrf", token.as_str()),
            ("first_year", "2027"),
            ("years", "40"),
            ("label", "長すぎる"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"id="problem""#) && html.contains("1〜15 年"),
        "{html}"
    );
    assert!(html.contains(r#"value="長すぎる""#));

    // Plan: to the new version's page.
    let started = std::time::Instant::now();
    let r = c
        .post(format!("{base}/rotation"))
        .form(&[
            ("csrf", token.as_str()),
            ("first_year", "2027"),
            ("years", "10"),
            ("label", "第1案"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let first = version_of(&r);
    eprintln!("planned version {first} in {:?}", started.elapsed());

    let (_, list) = get(&c, &format!("{base}/rotation")).await;
    let versions = the_table(&list, "versions");
    assert!(
        versions.contains(&format!(
            r#"<a href="/rotation/{first}">#{first} 第1案</a>"#
        )),
        "{versions}"
    );
    assert!(versions.contains("2027–2036年度"));

    // The version: the chart links every doctor, by id; figures, coverage, checks.
    let (st, page) = get(&c, &format!("{base}/rotation/{first}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" class="chiiki-gantt""#));
    let doctors = chart_doctors(&page, first);
    assert!(doctors.len() > 10, "{} doctors", doctors.len());
    let mut sorted = doctors.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(doctors.len(), sorted.len(), "one row each");
    let chart = &page[page.find(r#"id="gantt""#).unwrap()..];
    assert_eq!(chart_doctors(chart, first)[..], sorted[..], "by id");
    for id in [
        "figures",
        "coverage",
        "f-fill",
        "f-gap",
        "download-csv",
        "replan-form",
        "adopt-form",
    ] {
        assert!(page.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(!page.contains(r#"id="changes""#), "no parent, no changes");
    // What the checks find is said, or "none" (the planner's result is verified).
    let json: serde_json::Value = c
        .get(format!("{base}/rotation/{first}.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let outcome = &json["outcome"];
    for (key, none) in [
        ("violations", "violations-none"),
        ("obligation_failures", "obligation-failures-none"),
    ] {
        let n = outcome[key].as_array().unwrap().len();
        assert_eq!(
            page.contains(&format!(r#"id="{none}">なし<"#)),
            n == 0,
            "{key}: {n}"
        );
    }
    let unplanned: Vec<u64> = outcome["unplanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_u64().unwrap())
        .collect();
    let unplanned_section = &page[page.find(r#"id="unplanned""#).unwrap()..];
    if unplanned.is_empty() {
        assert!(unplanned_section.contains("<p>なし</p>"));
    } else {
        assert!(unplanned_section.contains(r#"id="unplanned-table""#));
    }

    // Downloads.
    let r = c
        .get(format!("{base}/rotation/{first}.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("医師ID") && csv.contains("2027年度"));
    assert_eq!(csv.lines().count(), doctors.len() + 1, "a line per doctor");
    let r = c
        .get(format!("{base}/rotation/{first}.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let (st, _) = get(&c, &format!("{base}/rotation/{first}.pdf")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A doctor with a planned year 2028 (the second of the horizon): their page explains it.
    let input = &json["input"];
    let rows = outcome["rows"].as_array().unwrap();
    let (index, doctor) = input["doctors"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(i, d)| d["years"][1]["kind"] == "free" && !rows[*i][1].is_null())
        .map(|(i, d)| (i, d["id"].as_str().unwrap().to_string()))
        .expect("a doctor planned in 2028");
    let site = &input["sites"][rows[index][1].as_u64().unwrap() as usize];
    let (st, plan) = get(&c, &format!("{base}/rotation/{first}/doctors/{doctor}")).await;
    assert_eq!(st, StatusCode::OK);
    let years = the_table(&plan, "years");
    let row2028 = &years[years.find("2028年度").unwrap()..];
    let row2028 = &row2028[..row2028.find("</tr>").unwrap()];
    assert!(
        row2028.contains(site["name"].as_str().unwrap()),
        "{row2028}"
    );
    assert!(
        row2028.contains(r#"<ul class="reasons"><li>"#),
        "reasons: {row2028}"
    );
    assert!(plan.contains(r#"id="programme-rules""#) && plan.contains("chiiki-gantt"));
    assert!(
        plan.contains(&format!(r#"<a href="/rotation/{first}">"#)),
        "back to the version"
    );
    let (st, _) = get(&c, &format!("{base}/rotation/{first}/doctors/NOPE")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = get(&c, &format!("{base}/rotation/999")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // In English.
    c.get(format!("{base}/prefs/lang/en?next=/"))
        .send()
        .await
        .unwrap();
    let (_, en) = get(&c, &format!("{base}/rotation/{first}/doctors/{doctor}")).await;
    assert!(en.contains("Each year, and why") && en.contains("FY2028"));
    assert!(!en.contains("年度ごとの計画と理由"));
    let (_, en) = get(&c, &format!("{base}/rotation/{first}")).await;
    for label in [
        "Whole version (JSON)",
        "Coverage by area and year",
        "FY2027",
        "Wanted posts filled (%)",
    ] {
        assert!(en.contains(label), "{label}");
    }
    for label in ["医師別の計画", "指標", "定員の充足率"] {
        assert!(!en.contains(label), "{label} left in English");
    }
    c.get(format!("{base}/prefs/lang/ja?next=/"))
        .send()
        .await
        .unwrap();

    // Leave in 2028 for that doctor, through the assignment form; then replan.
    let (_, form) = get(&c, &format!("{base}/doctors/{doctor}/assignments/new")).await;
    let r = c
        .post(format!("{base}/doctors/{doctor}/assignments"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("facility", ""),
            ("start", "2028-04-01"),
            ("end", "2029-03-31"),
            ("fte", "1"),
            ("kind", "childcare_leave"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let r = c
        .post(format!("{base}/rotation/{first}/replan"))
        .form(&[("csrf", token.as_str()), ("label", "育休を反映")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second = version_of(&r);
    assert!(second > first);
    let (_, page) = get(&c, &format!("{base}/rotation/{second}")).await;
    let changes = &page[page.find(r#"id="changes""#).expect("changes")..];
    assert!(changes.contains(&format!("版 {first} からの変更")));
    let table2 = the_table(changes, "changes-table");
    let mine: Vec<&str> = table2
        .split("<tr>")
        .filter(|r| r.contains(&format!("/doctors/{doctor}\"")))
        .collect();
    assert!(mine.iter().any(|r| r.contains(">2028<")), "{table2}");
    let json2: serde_json::Value = c
        .get(format!("{base}/rotation/{second}.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let changes2 = json2["outcome"]["changes"].as_array().unwrap();
    assert!(page.contains(&format!(r#"id="changes-count">{}件"#, changes2.len())));
    if changes2.iter().any(|c| !c["after"].is_null()) {
        assert!(
            page.contains(r#"<g class="changed">"#),
            "changed cells outlined"
        );
    }
    let (_, plan2) = get(&c, &format!("{base}/rotation/{second}/doctors/{doctor}")).await;
    let years = the_table(&plan2, "years");
    let row2028 = &years[years.find("2028年度").unwrap()..];
    let row2028 = &row2028[..row2028.find("</tr>").unwrap()];
    assert!(
        row2028.contains("休業") && row2028.contains("変更前"),
        "{row2028}"
    );

    // The doctor's own plan is not theirs to see before it is adopted.
    account(&s.t, "planned", Role::Doctor, Some(3), None, Some(&doctor)).await;
    let d = logged_in(base, "planned").await;
    let (st, mine_page) = get(&d, &format!("{base}/rotation/mine")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(mine_page.contains(r#"id="no-plan""#));
    let (st, _) = get(&d, &format!("{base}/rotation/{second}/doctors/{doctor}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, home) = get(&d, &format!("{base}/")).await;
    assert!(!home.contains(r#"id="my-rotation""#));

    // Adopt: a reason is required; then in force, once.
    let adopt = |why: &'static str| {
        c.post(format!("{base}/rotation/{second}/adopt"))
            .form(&[("csrf", token.clone()), ("rationale", why.to_string())])
    };
    let r = adopt(" ").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="problem""#));
    let r = adopt("育休を反映した案を採用").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(version_of(&r), second);
    let (_, page) = get(&c, &format!("{base}/rotation/{second}")).await;
    assert!(page.contains(r#"<span class="badge in-force">施行中</span>"#));
    assert!(page.contains("育休を反映した案を採用") && !page.contains(r#"id="adopt-form""#));
    let r = adopt("もう一度").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, list) = get(&c, &format!("{base}/rotation")).await;
    let row = the_table(&list, "versions");
    let row = &row[row.find(&format!(r#"id="v-{second}""#)).unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("施行中"));

    // The doctor now sees their own plan, from the home page, and no one else's.
    let (_, home) = get(&d, &format!("{base}/")).await;
    assert!(home.contains(r#"id="my-rotation""#));
    let r = d.get(format!("{base}/rotation/mine")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let own = format!("/rotation/{second}/doctors/{doctor}");
    assert_eq!(r.headers()["location"], own.as_str());
    let (st, plan) = get(&d, &format!("{base}{own}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(plan.contains(r#"id="years""#) && plan.contains("施行中"));
    assert!(
        !plan.contains(&format!(r#"<a href="/rotation/{second}">"#)),
        "no version page"
    );
    let other = doctors.iter().find(|o| **o != doctor).unwrap();
    for (path, want) in [
        (
            format!("/rotation/{second}/doctors/{other}"),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("/rotation/{first}/doctors/{doctor}"),
            StatusCode::NOT_FOUND,
        ),
        ("/rotation".to_string(), StatusCode::FORBIDDEN),
        (format!("/rotation/{second}"), StatusCode::FORBIDDEN),
        (format!("/rotation/{second}.csv"), StatusCode::FORBIDDEN),
        (format!("/rotation/{second}.json"), StatusCode::FORBIDDEN),
    ] {
        let (st, _) = get(&d, &format!("{base}{path}")).await;
        assert_eq!(st, want, "doctor {path}");
    }
}

#[tokio::test]
async fn rotation_plans_keep_to_roles_prefectures_and_the_csrf_token() {
    let t = testing::sqlite().await;
    let s = spawn_quick(t).await;
    let base = &s.base;
    let c = logged_in(base, "iwate").await;
    let (_, list) = get(&c, &format!("{base}/rotation")).await;
    let token = csrf_of(&list);
    let count = || async {
        s.t.store()
            .list_plan_versions(PrefCode::new(3).unwrap())
            .await
            .unwrap()
            .len()
    };
    let before = count().await;

    // Without the session's token, nothing is planned, replanned or adopted.
    let plan_form = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("first_year", "2027".to_string()),
            ("years", "3".to_string()),
            ("label", "CSRF".to_string()),
        ]
    };
    for csrf in ["", "0123"] {
        let r = c
            .post(format!("{base}/rotation"))
            .form(&plan_form(csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(count().await, before);
    let r = c
        .post(format!("{base}/rotation"))
        .form(&plan_form(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let seq = version_of(&r);
    assert_eq!(count().await, before + 1);
    for action in ["replan", "adopt"] {
        let r = c
            .post(format!("{base}/rotation/{seq}/{action}"))
            .form(&[("label", "x"), ("rationale", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(count().await, before + 1);
    assert_eq!(
        chiiki_app::rotation::in_force(s.t.store(), PrefCode::new(3).unwrap())
            .await
            .unwrap(),
        None
    );
    let doctor = chart_doctors(&get(&c, &format!("{base}/rotation/{seq}")).await.1, seq)
        .first()
        .cloned()
        .expect("a doctor");
    let pages = [
        "/rotation".to_string(),
        format!("/rotation/{seq}"),
        format!("/rotation/{seq}.csv"),
        format!("/rotation/{seq}/doctors/{doctor}"),
    ];

    // A facility may not read the plans; an auditor reads them but plans nothing.
    let kamaishi = logged_in(base, "kamaishi").await;
    for path in &pages {
        let (st, _) = get(&kamaishi, &format!("{base}{path}")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "kamaishi {path}");
    }
    let (_, home) = get(&kamaishi, &format!("{base}/")).await;
    assert!(
        !home.contains(r#"href="/rotation""#),
        "not in the navigation"
    );
    let auditor = logged_in(base, "auditor").await;
    for path in &pages {
        let (st, _) = get(&auditor, &format!("{base}{path}")).await;
        assert_eq!(st, StatusCode::OK, "auditor {path}");
    }
    let (_, list) = get(&auditor, &format!("{base}/rotation")).await;
    assert!(!list.contains(r#"id="plan-form""#));
    let (_, page) = get(&auditor, &format!("{base}/rotation/{seq}")).await;
    assert!(!page.contains(r#"id="replan-form""#) && !page.contains(r#"id="adopt-form""#));
    let token = csrf_of(&page);
    for (path, form) in [
        ("/rotation".to_string(), plan_form(&token)),
        (
            format!("/rotation/{seq}/replan"),
            vec![("csrf", token.clone()), ("label", "x".into())],
        ),
        (
            format!("/rotation/{seq}/adopt"),
            vec![("csrf", token.clone()), ("rationale", "x".into())],
        ),
    ] {
        let r = auditor
            .post(format!("{base}{path}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "auditor POST {path}");
    }
    assert_eq!(count().await, before + 1);

    // Miyagi's coordinator sees Miyagi's plans (none), never Iwate's.
    let miyagi = logged_in(base, "miyagi").await;
    let (st, list) = get(&miyagi, &format!("{base}/rotation")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains("宮城県") && list.contains(r#"id="no-versions""#));
    for (path, want) in [
        (format!("/rotation/{seq}"), StatusCode::NOT_FOUND),
        (format!("/rotation/{seq}?pref=03"), StatusCode::FORBIDDEN),
        (
            format!("/rotation/{seq}.json?pref=03"),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("/rotation/{seq}/doctors/{doctor}?pref=03"),
            StatusCode::FORBIDDEN,
        ),
        ("/rotation?pref=03".to_string(), StatusCode::FORBIDDEN),
    ] {
        let (st, _) = get(&miyagi, &format!("{base}{path}")).await;
        assert_eq!(st, want, "miyagi {path}");
    }
    let token = csrf_of(&list);
    let mut form = plan_form(&token);
    form.push(("pref", "03".into()));
    let r = miyagi
        .post(format!("{base}/rotation"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = miyagi
        .post(format!("{base}/rotation/{seq}/adopt"))
        .form(&[
            ("csrf", token.as_str()),
            ("pref", "03"),
            ("rationale", "越境"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count().await, before + 1);

    // The administrator chooses the prefecture; links keep it.
    let admin = logged_in(base, "admin").await;
    let (st, list) = get(&admin, &format!("{base}/rotation")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains(r#"id="pref-form""#) && !list.contains(r#"id="versions""#));
    let (_, list) = get(&admin, &format!("{base}/rotation?pref=03")).await;
    assert!(list.contains(&format!(r#"href="/rotation/{seq}?pref=03""#)));
    let (st, page) = get(&admin, &format!("{base}/rotation/{seq}?pref=03")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(&format!(
        r#"href="/rotation/{seq}/doctors/{doctor}?pref=03""#
    )));
    let (st, _) = get(&admin, &format!("{base}/rotation/{seq}?pref=99")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// The month after next and a weekday from its 10th (so that the month is the planned one).
fn dispatch_day() -> (String, String) {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    let first = today
        .with_day(1)
        .unwrap()
        .checked_add_months(chrono::Months::new(2))
        .unwrap();
    let mut day = first + chrono::Duration::days(9);
    while day.weekday().num_days_from_monday() >= 5 {
        day += chrono::Duration::days(1);
    }
    (first.format("%Y-%m").to_string(), day.to_string())
}

/// The dispatch capability in the browser's terms, on both back ends: the facility asks,
/// the doctor offers and reports hours, the coordinator solves and confirms, the doctor sees
/// the dispatch and its hours, the facility sees who comes, the statistics count it.
#[tokio::test]
async fn a_substitute_is_asked_for_solved_confirmed_and_counted() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn_quick(t).await;
        let base = &s.base;
        let (month, day) = dispatch_day();

        let facility = logged_in(base, "kamaishi").await;
        let (st, page) = get(&facility, &format!("{base}/dispatch?month={month}")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains(r#"id="ask-form""#) && !page.contains(r#"id="solve-form""#));
        let csrf = csrf_of(&page);
        let ask = [
            ("csrf", csrf.as_str()),
            ("pref", "03"),
            ("month", month.as_str()),
            ("date", day.as_str()),
            ("start", "08:30"),
            ("end", "17:15"),
            ("kind", "clinic_day"),
            ("urgency", "urgent"),
            ("skill", ""),
            ("note", "外来代診（架空）"),
        ];
        let (st, to, _) = post_form(&facility, &format!("{base}/dispatch/requests"), &ask).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(to, format!("/dispatch?month={month}"));
        // A start in the past is said on the page, with the form kept.
        let mut past = ask;
        past[3] = ("date", "2020-01-06");
        let (st, _, body) = post_form(&facility, &format!("{base}/dispatch/requests"), &past).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains("過去") && body.contains("2020-01-06"),
            "{name}"
        );

        let doctor = logged_in(base, "doctor").await;
        let (_, page) = get(&doctor, &format!("{base}/dispatch?month={month}")).await;
        assert!(page.contains(r#"id="offer-form""#) && !page.contains(r#"id="ask-form""#));
        let csrf = csrf_of(&page);
        let offer = [
            ("csrf", csrf.as_str()),
            ("pref", "03"),
            ("month", month.as_str()),
            ("from_date", day.as_str()),
            ("from_time", "07:00"),
            ("to_date", ""),
            ("to_time", "21:00"),
            ("base", "R7-0301-14"),
            ("note", ""),
        ];
        let (st, _, _) = post_form(&doctor, &format!("{base}/dispatch/offers"), &offer).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let hours = [
            ("csrf", csrf.as_str()),
            ("pref", "03"),
            ("month", month.as_str()),
            ("employer", "R7-0301-01"),
            ("month_hours", "20"),
            ("year_hours", "300"),
            ("interview", ""),
        ];
        let (st, _, _) = post_form(&doctor, &format!("{base}/dispatch/hours"), &hours).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");

        let centre = logged_in(base, "iwate").await;
        let (_, page) = get(&centre, &format!("{base}/dispatch?month={month}")).await;
        assert!(page.contains("岩手県立釜石病院") && page.contains(r#"id="solve-form""#));
        let csrf = csrf_of(&page);
        let solve = [
            ("csrf", csrf.as_str()),
            ("pref", "03"),
            ("month", month.as_str()),
        ];
        let (st, to, _) = post_form(&centre, &format!("{base}/dispatch/runs"), &solve).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(to, format!("/dispatch/runs/1?month={month}"));
        let (st, run) = get(&centre, &format!("{base}{to}")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(
            run.contains(r#"<dd id="filled">1 / 1</dd>"#),
            "{name}: {run}"
        );
        assert!(run.contains("DEMO-2018-001") && run.contains(r#"id="confirm-form""#));
        let (st, _, _) =
            post_form(&centre, &format!("{base}/dispatch/runs/1/confirm"), &solve).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let (_, run) = get(&centre, &format!("{base}{to}")).await;
        assert!(run.contains(r#"id="confirmed""#) && !run.contains(r#"id="confirm-form""#));
        // Confirming again is refused on the page, saying why.
        let (st, _, body) =
            post_form(&centre, &format!("{base}/dispatch/runs/1/confirm"), &solve).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("確定済みです"), "{name}");

        // The doctor sees it, with the hours: 20 h reported + 8 h 45 min.
        let (_, page) = get(&doctor, &format!("{base}/dispatch?month={month}")).await;
        assert!(page.contains(r#"id="my-dispatches""#) && page.contains("岩手県立釜石病院"));
        assert!(
            page.contains(r#"<dd id="my-month-hours">28.8</dd>"#),
            "{name}"
        );
        assert!(
            page.contains(r#"<dd id="my-year-hours">308.8</dd>"#),
            "{name}"
        );
        // The facility sees who comes.
        let (_, page) = get(&facility, &format!("{base}/dispatch?month={month}")).await;
        assert!(
            page.contains("派遣決定") && page.contains("DEMO-2018-001"),
            "{name}"
        );

        // Statistics and hours, as pages and files.
        let fy = {
            let d = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap();
            chiiki_domain::FiscalYear::of(d).year()
        };
        let (st, stats) = get(&centre, &format!("{base}/dispatch/stats?fy={fy}")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(stats.contains(r#"id="by-facility""#) && stats.contains("岩手県立釜石病院"));
        let r = centre
            .get(format!("{base}/dispatch/stats.csv?fy={fy}&by=facility"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        let line = csv.lines().find(|l| l.starts_with("R7-0306-14")).unwrap();
        // requests, filled, open, cancelled, days, hours, fill rate.
        assert!(line.ends_with(",1,1,0,0,1,8.8,1"), "{name}: {line}");
        let xlsx = centre
            .get(format!("{base}/dispatch/stats.xlsx?fy={fy}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(xlsx.starts_with(b"PK"));
        let (st, hours) = get(&centre, &format!("{base}/dispatch/hours?month={month}")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(hours.contains(r#"id="h-DEMO-2018-001""#), "{name}");
    }
}

/// Each role does only its part of dispatch; forms without the token change nothing.
#[tokio::test]
async fn dispatch_keeps_to_roles_prefectures_and_the_csrf_token() {
    let t = testing::sqlite().await;
    let s = spawn_quick(t).await;
    let base = &s.base;
    let (month, day) = dispatch_day();
    let count = || async {
        s.t.store()
            .list_dispatch_requests(&chiiki_store::DispatchFilter::default())
            .await
            .unwrap()
            .len()
    };
    let facility = logged_in(base, "kamaishi").await;
    let (_, page) = get(&facility, &format!("{base}/dispatch?month={month}")).await;
    let token = csrf_of(&page);
    let ask = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("pref", "03".into()),
            ("month", month.clone()),
            ("date", day.clone()),
            ("start", "17:15".into()),
            ("end", "08:30".into()),
            ("kind", "night_duty".into()),
            ("urgency", "soon".into()),
        ]
    };
    for csrf in ["", "0123"] {
        let r = facility
            .post(format!("{base}/dispatch/requests"))
            .form(&ask(csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(count().await, 0);
    let r = facility
        .post(format!("{base}/dispatch/requests"))
        .form(&ask(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(count().await, 1);
    // A facility may not solve, read the statistics or another facility's requests.
    let solve = [
        ("csrf", token.as_str()),
        ("pref", "03"),
        ("month", month.as_str()),
    ];
    let (st, _, _) = post_form(&facility, &format!("{base}/dispatch/runs"), &solve).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = get(&facility, &format!("{base}/dispatch/stats")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A doctor may not ask for cover nor read everybody's hours.
    let doctor = logged_in(base, "doctor").await;
    let (_, page) = get(&doctor, &format!("{base}/dispatch?month={month}")).await;
    let dt = csrf_of(&page);
    let r = doctor
        .post(format!("{base}/dispatch/requests"))
        .form(&ask(&dt))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count().await, 1);
    let (st, _) = get(&doctor, &format!("{base}/dispatch/hours?month={month}")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The auditor reads but does not solve.
    let auditor = logged_in(base, "auditor").await;
    let (st, page) = get(&auditor, &format!("{base}/dispatch/stats")).await;
    assert_eq!(st, StatusCode::OK);
    let at = csrf_of(&page);
    let solve = [
        ("csrf", at.as_str()),
        ("pref", "03"),
        ("month", month.as_str()),
    ];
    let (st, _, _) = post_form(&auditor, &format!("{base}/dispatch/runs"), &solve).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Another prefecture's coordinator sees nothing of Iwate's.
    let miyagi = logged_in(base, "miyagi").await;
    let (st, _) = get(&miyagi, &format!("{base}/dispatch?month={month}&pref=03")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = get(&miyagi, &format!("{base}/dispatch/stats.xlsx?pref=03")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A month that does not read is a bad request, said in both languages.
    let iwate = logged_in(base, "iwate").await;
    let (st, body) = get(&iwate, &format!("{base}/dispatch?month=2026-13")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(body.contains("2026-13"));
}

/// Text of an HTML attribute value as the browser reads it.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in a tag's text (`<input name="x" value="y">`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let rest = &tag[i..];
    Some(unescape(&rest[..rest.find('"')?]))
}

/// The fields a browser would send with the form whose opening tag contains `opening`:
/// every named input with its value, every select with its chosen option.
fn form_fields(html: &str, opening: &str) -> Vec<(String, String)> {
    let start = html.find(opening).expect("the form");
    let body = &html[start..start + html[start..].find("</form>").unwrap()];
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if tag.starts_with("input ") {
            if let Some(name) = attribute(tag, "name") {
                out.push((name, attribute(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("select ") {
            let name = attribute(tag, "name").unwrap();
            let select = &rest[..rest.find("</select>").unwrap()];
            let options: Vec<&str> = select.split("<option ").skip(1).collect();
            let chosen = options
                .iter()
                .find(|o| o[..o.find('>').unwrap()].contains("selected"))
                .or(options.first())
                .and_then(|o| attribute(&format!(" {o}"), "value"))
                .unwrap_or_default();
            out.push((name, chosen));
        }
    }
    out
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    let f = form
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    f.1 = value.to_string();
}

fn value_of<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Duty rosters in the browser's terms, on both back ends: the facility opens the month's
/// draft (the register's doctors and the usual shifts), adds three synthetic people with
/// leave and requests, makes the roster and reads its grid, downloads it, publishes it; a
/// wrong day is said where it is with the form kept; forms without the token, another
/// facility and a doctor are refused.
#[tokio::test]
async fn a_duty_roster_is_drafted_made_published_and_downloaded() {
    use chrono::Datelike;
    for t in testing::all().await {
        let name = t.name();
        let s = spawn_quick(t).await;
        let base = &s.base;
        account(
            &s.t,
            "morioka",
            Role::Facility,
            Some(3),
            Some("R7-0301-14"),
            None,
        )
        .await;
        let first = chrono::Local::now()
            .date_naive()
            .with_day(1)
            .unwrap()
            .checked_add_months(chrono::Months::new(1))
            .unwrap();
        let month = first.format("%Y-%m").to_string();
        let days = (first.checked_add_months(chrono::Months::new(1)).unwrap() - first).num_days();

        // A doctor of the facility reported overtime at another employer: the form says so.
        chiiki_app::dispatch::report_hours(
            s.t.store(),
            &Principal::system("test"),
            chiiki_app::dispatch::HoursInput {
                doctor: DoctorId::parse("DEMO-2013-012").unwrap(),
                employer: "R7-0301-01".into(),
                month: chiiki_app::dispatch::Month::of(first),
                month_hours: 20.0,
                year_hours: 200.0,
                interview: None,
            },
        )
        .await
        .unwrap();

        // The facility sees 勤務表 in its navigation, and the next month's draft.
        let facility = logged_in(base, "kamaishi").await;
        let (_, home) = get(&facility, &format!("{base}/")).await;
        assert!(home.contains(r#"<a href="/duty""#), "{name}");
        let (st, page) = get(&facility, &format!("{base}/duty")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains(r#"id="roster-form""#) && page.contains(r#"id="no-versions""#));
        let mut form = form_fields(&page, r#"<form method="post" action="/duty""#);
        assert!(
            page.contains("他の勤務先の時間外 当月 20.0 h / 年度 200.0 h"),
            "{name}: the hours reported elsewhere are noted"
        );
        assert_eq!(value_of(&form, "month"), month, "{name}");
        assert_eq!(value_of(&form, "shift.0.code"), "日");
        assert_eq!(value_of(&form, "shift.2.code"), "当");
        assert_eq!(
            value_of(&form, "shift.3.code"),
            "",
            "blank rows to add shifts"
        );
        let doctors: Vec<String> = (0..)
            .map(|i| value_of(&form, &format!("staff.{i}.id")).to_string())
            .take_while(|id| !id.is_empty())
            .collect();
        assert!(!doctors.is_empty(), "{name}: the register's doctors");
        assert!(
            doctors.iter().all(|d| d.starts_with("DEMO-")),
            "{doctors:?}"
        );
        let n = doctors.len();
        let names: Vec<String> = (0..n)
            .map(|i| value_of(&form, &format!("staff.{i}.name")).to_string())
            .collect();
        // Three synthetic people in the blank rows: leave, a day off asked, a night asked.
        for (k, (id, who)) in [
            ("S-1", "合成 花子"),
            ("S-2", "合成 太郎"),
            ("S-3", "合成 次郎"),
        ]
        .iter()
        .enumerate()
        {
            set(&mut form, &format!("staff.{}.id", n + k), id);
            set(&mut form, &format!("staff.{}.name", n + k), who);
            set(&mut form, &format!("staff.{}.nights", n + k), "4");
        }
        set(&mut form, &format!("staff.{n}.leave"), "3, 4, 21-23");
        set(&mut form, &format!("staff.{}.off", n + 1), "10");
        set(&mut form, &format!("staff.{}.on", n + 2), "12:当");
        set(&mut form, "title", "釜石病院 医局 勤務表（合成）");

        // Without the token: refused, nothing made.
        let no_token: Vec<(String, String)> =
            form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
        let r = facility
            .post(format!("{base}/duty"))
            .form(&no_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name}");
        let count = || async {
            s.t.store()
                .list_duty_rosters(PrefCode::new(3).unwrap(), None, None)
                .await
                .unwrap()
                .len()
        };
        assert_eq!(count().await, 0, "{name}");

        // A day that is not one of the month: said where it is, the form kept (422).
        let mut wrong = form.clone();
        set(&mut wrong, "staff.0.leave", "5, 40");
        let r = facility
            .post(format!("{base}/duty"))
            .form(&wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("職員 1 行目 休暇（日）: 40 はこの月の日ではありません"),
            "{name}: {body}"
        );
        assert!(body.contains(&format!("1〜{days} の日にち")), "{name}");
        assert!(body.contains(r#"value="5, 40""#) && body.contains("合成 花子"));
        // The cell is marked for the eye and for screen readers.
        let cell = &body[body.find(r#"name="staff.0.leave" value="5, 40""#).unwrap()..];
        assert!(cell[..cell.find('>').unwrap()].contains(r#"aria-invalid="true""#));
        // An unknown shift in a request, too.
        let mut wrong = form.clone();
        set(&mut wrong, &format!("staff.{}.on", n + 2), "12:夜");
        let (st, _, body) = post_form(&facility, &format!("{base}/duty"), &wrong).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains(&format!(
                "職員 {} 行目 勤務希望: 勤務「夜」はこの勤務表にありません",
                n + 3
            )),
            "{name}"
        );
        // A problem the roster model finds (an id given twice) is said at its row, too.
        let mut wrong = form.clone();
        set(&mut wrong, &format!("staff.{}.id", n + 1), "S-1");
        let (st, _, body) = post_form(&facility, &format!("{base}/duty"), &wrong).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains(&format!("職員 {} 行目 職員ID: ", n + 2)) && body.contains("重複"),
            "{name}"
        );
        assert_eq!(count().await, 0, "{name}");

        // Made: the version's page with the grid.
        let (st, to, _) = post_form(&facility, &format!("{base}/duty"), &form).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(to, "/duty/1", "{name}");
        let (st, page) = get(&facility, &format!("{base}/duty/1")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains("釜石病院 医局 勤務表（合成）") && page.contains(r#"id="grid""#));
        assert!(page.contains(r#"id="publish-form""#), "{name}");
        let grid = &page[page.find(r#"id="grid""#).unwrap()..];
        let grid = &grid[..grid.find("</table>").unwrap()];
        assert_eq!(
            grid.matches(r#"<th scope="col" class="day"#).count() as i64,
            days,
            "{name}: a column per day"
        );
        for who in names
            .iter()
            .map(String::as_str)
            .chain(["合成 花子", "合成 太郎", "合成 次郎"])
        {
            assert!(grid.contains(who), "{name}: {who} in the grid");
        }
        // Leave shows as 休 on the leave days, the first row of S-1.
        let row = &grid[grid.find(r#"data-member="S-1""#).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert_eq!(row.matches(">休</td>").count(), 5, "{name}: {row}");
        assert!(page.contains(r#"id="requests""#) && page.contains(r#"id="cover""#));

        // Downloads: the workbook, and the grid as CSV with a column per day.
        let r = facility
            .get(format!("{base}/duty/1.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert!(r.bytes().await.unwrap().starts_with(b"PK"), "{name}");
        let r = facility
            .get(format!("{base}/duty/1.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
        assert!(
            header.starts_with("職員ID,氏名,1 (") && header.contains(&format!(",{days} (")),
            "{name}: {header}"
        );
        assert!(csv.contains("S-1,合成 花子,"), "{name}");

        // Another facility reads and publishes none of it; a doctor has no roster pages.
        let other = logged_in(base, "morioka").await;
        let (st, _) = get(&other, &format!("{base}/duty/1")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let (st, _) = get(&other, &format!("{base}/duty/1.csv")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let (_, page) = get(&other, &format!("{base}/duty")).await;
        let token = csrf_of(&page);
        let (st, _, _) = post_form(
            &other,
            &format!("{base}/duty/1/publish"),
            &[("csrf", token.as_str()), ("pref", "03")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let doctor = logged_in(base, "doctor").await;
        let (_, home) = get(&doctor, &format!("{base}/")).await;
        assert!(!home.contains(r#"href="/duty""#), "{name}");
        let (st, _) = get(&doctor, &format!("{base}/duty")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let (st, _) = get(&doctor, &format!("{base}/duty/1")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");

        // Published, with a notice; the button is gone; publishing again is said on the page.
        let token = value_of(&form, "csrf").to_string();
        let (st, _, _) = post_form(
            &facility,
            &format!("{base}/duty/1/publish"),
            &[("pref", "03")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}: no token");
        let publish = [("csrf", token.as_str()), ("pref", "03")];
        let (st, to, _) = post_form(&facility, &format!("{base}/duty/1/publish"), &publish).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(to, "/duty/1?done=published");
        let (_, page) = get(&facility, &format!("{base}{to}")).await;
        assert!(
            page.contains(r#"id="notice""#) && page.contains("公開しました"),
            "{name}"
        );
        assert!(page.contains(r#"id="published""#) && !page.contains(r#"id="publish-form""#));
        let (st, _, body) = post_form(&facility, &format!("{base}/duty/1/publish"), &publish).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains(r#"id="problem""#), "{name}");
        // A doctor on the roster sees their duties of the roster in force on their month's
        // page, as many as the roster gives them.
        account(
            &s.t,
            "dr2013",
            Role::Doctor,
            Some(3),
            None,
            Some("DEMO-2013-012"),
        )
        .await;
        let theirs = chiiki_app::duty::duties_of(
            s.t.store(),
            &Principal::system("test"),
            &DoctorId::parse("DEMO-2013-012").unwrap(),
            chiiki_app::dispatch::Month::of(first),
        )
        .await
        .unwrap();
        assert!(!theirs.is_empty(), "{name}");
        let dr = logged_in(base, "dr2013").await;
        let (st, page) = get(&dr, &format!("{base}/dispatch?month={month}")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        let table = &page[page.find(r#"id="my-rostered""#).expect("the duties")..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr><td>").count(), theirs.len(), "{name}");
        // The month lists the version, published; the centre reads it too.
        let (_, page) = get(&facility, &format!("{base}/duty?month={month}")).await;
        assert!(
            page.contains(r#"id="version-1""#) && page.contains("公開済み"),
            "{name}"
        );
        let centre = logged_in(base, "iwate").await;
        let (st, page) = get(&centre, &format!("{base}/duty")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(
            page.contains(r#"<option value="R7-0306-14""#) && page.contains(r#"id="choose""#),
            "{name}: the centre chooses the facility"
        );
        let (st, page) = get(
            &centre,
            &format!("{base}/duty?facility=R7-0306-14&month={month}"),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains(r#"id="version-1""#) && page.contains(r#"id="roster-form""#));
        let (st, _) = get(&centre, &format!("{base}/duty/1")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        // Another prefecture's coordinator: not theirs.
        let miyagi = logged_in(base, "miyagi").await;
        let (st, _) = get(&miyagi, &format!("{base}/duty/1?pref=03")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let (st, _) = get(
            &miyagi,
            &format!("{base}/duty?facility=R7-0306-14&month={month}"),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(count().await, 1, "{name}");
    }
}

/// The alliance pages by role: a secretariat reaches its own alliance and nothing of the
/// register; the centre of another prefecture, a facility and a doctor do not see the
/// alliance; an administrator sees everything.
#[tokio::test]
async fn a_secretariat_sees_its_alliance_and_nothing_else() {
    let s = spawn(testing::sqlite().await).await;
    let base = &s.base;
    use StatusCode as S;
    const OK: S = S::OK;
    const NO: S = S::NOT_FOUND;
    const FORBIDDEN: S = S::FORBIDDEN;
    const AWAY: S = S::SEE_OTHER;
    let routes = [
        "/",
        "/areas",
        "/facilities",
        "/doctors",
        "/doctors/DEMO-12-001",
        "/dispatch",
        "/audit",
        "/alliances",
        "/alliances/12-TOKATSU-NANBU",
        "/alliances/12-TOKATSU-NANBU/loans",
        "/alliances/12-TOKATSU-NANBU/equipment",
        "/alliances/12-TOKATSU-NANBU/members.csv",
        "/alliances/NO-SUCH",
    ];
    let matrix: [(&str, [S; 13]); 6] = [
        (
            "admin",
            [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, NO],
        ),
        (
            "iwate",
            [OK, OK, OK, OK, NO, OK, FORBIDDEN, OK, NO, NO, NO, NO, NO],
        ),
        (
            "kamaishi",
            [
                OK, OK, OK, OK, NO, OK, FORBIDDEN, FORBIDDEN, NO, NO, NO, NO, NO,
            ],
        ),
        (
            "doctor",
            [
                OK, OK, OK, OK, NO, OK, FORBIDDEN, FORBIDDEN, NO, NO, NO, NO, NO,
            ],
        ),
        (
            "auditor",
            [OK, OK, OK, OK, NO, OK, OK, OK, NO, NO, NO, NO, NO],
        ),
        (
            "tokatsu",
            [
                AWAY, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, AWAY, OK,
                OK, OK, OK, NO,
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (user, expected) in matrix {
        let c = logged_in(base, user).await;
        for (route, want) in routes.iter().zip(expected) {
            let (got, _) = get(&c, &format!("{base}{route}")).await;
            if got != want {
                wrong.push(format!("{user} {route}: {got} (want {want})"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The secretariat's navigation holds its alliance and not the register.
    let c = logged_in(base, "tokatsu").await;
    let (_, page) = get(&c, &format!("{base}/alliances/12-TOKATSU-NANBU")).await;
    assert!(page.contains(r#"href="/alliances""#));
    assert!(!page.contains(r#"href="/doctors""#) && !page.contains(r#"href="/dispatch""#));
    for member in [
        "医療法人社団白羽会",
        "医療法人社団ヨゼフ会",
        "医療法人弘仁会",
        "医療法人社団誠馨会",
    ] {
        assert!(page.contains(member), "{member}");
    }
    assert!(
        page.contains("千葉県 健康福祉部 医療整備課"),
        "the source is credited"
    );
    let (_, csv) = get(
        &c,
        &format!("{base}/alliances/12-TOKATSU-NANBU/members.csv"),
    )
    .await;
    assert_eq!(csv.lines().count(), 5, "a header and four members: {csv}");
}

/// A secretariat records a staff loan, which the lent doctor's hours then count; books
/// shared equipment, a conflicting booking being refused with the other named; and every
/// form refuses a request without its CSRF token — on both back ends.
#[tokio::test]
async fn a_secretariat_records_a_loan_the_doctors_hours_count_and_books_equipment() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let a = format!("{base}/alliances/12-TOKATSU-NANBU");
        let c = logged_in(base, "tokatsu").await;
        let (st, page) = get(&c, &format!("{a}/loans")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        let csrf = csrf_of(&page);
        let month = chrono::Local::now()
            .date_naive()
            .format("%Y-%m")
            .to_string();
        let start = format!("{month}-01");
        let loan = |months: &str, doctor: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("from", "医療法人弘仁会".to_string()),
                ("to", "医療法人社団誠馨会".to_string()),
                ("person", "架空 千葉太郎".to_string()),
                ("role", "doctor".to_string()),
                ("doctor", doctor.to_string()),
                ("start", start.clone()),
                ("end", start.clone()),
                ("months", months.to_string()),
                ("note", String::new()),
            ]
        };
        // A line that cannot be read: 422, the problem said at its line, the input kept.
        let (st, _, body) = post_form(
            &c,
            &format!("{a}/loans"),
            &loan("来月 たくさん", "DEMO-12-001"),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("1行目") && body.contains("line 1"), "{name}");
        assert!(body.contains("来月 たくさん") && body.contains("架空 千葉太郎"));
        // A doctor of another prefecture is refused.
        let (st, _, body) = post_form(
            &c,
            &format!("{a}/loans"),
            &loan(&format!("{month} 40 12"), "DEMO-2018-001"),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("岩手県"), "{name}");
        // Without the token: refused, nothing recorded.
        let mut no_csrf = loan(&format!("{month} 40 12"), "DEMO-12-001");
        no_csrf[0].1 = "forged".into();
        let (st, _, _) = post_form(&c, &format!("{a}/loans"), &no_csrf).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let (st, to, _) = post_form(
            &c,
            &format!("{a}/loans"),
            &loan(&format!("{month} 40 12"), "DEMO-12-001"),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert!(
            to.starts_with("/alliances/12-TOKATSU-NANBU/loans#loan-"),
            "{to}"
        );
        let (_, ledger) = get(&c, &format!("{a}/loans?from={month}&to={month}")).await;
        let balances = &ledger[ledger.find(r#"id="balances""#).unwrap()..];
        assert!(
            balances.contains("医療法人弘仁会</th><td class=\"num\">40</td>"),
            "{name}"
        );
        // The lent doctor's overtime is in their month's hours, once.
        let admin = logged_in(base, "admin").await;
        let (_, hours) = get(
            &admin,
            &format!("{base}/dispatch/hours?month={month}&pref=12"),
        )
        .await;
        let row = &hours[hours
            .find(r#"id="h-DEMO-12-001""#)
            .expect("the doctor's row")..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(">12.0<"), "12 hours of overtime: {row}");
        let (st, xlsx) = admin
            .get(format!("{a}/loans.xlsx?from={month}&to={month}"))
            .send()
            .await
            .map(|r| (r.status(), r.headers()["content-type"].clone()))
            .unwrap();
        assert_eq!(st, StatusCode::OK);
        assert!(xlsx.to_str().unwrap().contains("spreadsheetml"));

        // Equipment: book the X-ray unit, then the same slot again.
        let (_, page) = get(&c, &format!("{a}/equipment")).await;
        let i = page.find(r#"<select name="equipment""#).unwrap();
        let rest = &page[i..];
        let j = rest.find("移動式X線撮影装置").unwrap();
        let option = &rest[..j];
        let k = option.rfind(r#"value=""#).unwrap() + 7;
        let equipment = option[k..k + option[k..].find('"').unwrap()].to_string();
        let day = (chrono::Local::now().date_naive() + chrono::Duration::days(21)).to_string();
        let book = |from: &str, to: &str, by: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("equipment", equipment.clone()),
                ("by", by.to_string()),
                ("start_date", day.clone()),
                ("start_time", from.to_string()),
                ("end_date", day.clone()),
                ("end_time", to.to_string()),
                ("purpose", "架空の健診".to_string()),
            ]
        };
        let (st, to, _) = post_form(
            &c,
            &format!("{a}/bookings"),
            &book("09:00", "12:00", "医療法人社団誠馨会"),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let first = to.rsplit("booking-").next().unwrap().to_string();
        let (st, _, body) = post_form(
            &c,
            &format!("{a}/bookings"),
            &book("11:00", "13:00", "医療法人社団ヨゼフ会"),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains(&format!("予約 {first}")) && body.contains("医療法人社団誠馨会"),
            "the conflict names the booking it meets ({name})"
        );
        // Touching is not overlapping.
        let (st, _, _) = post_form(
            &c,
            &format!("{a}/bookings"),
            &book("12:00", "13:00", "医療法人社団ヨゼフ会"),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let (_, week) = get(&c, &format!("{a}/equipment?week={day}")).await;
        assert!(week.contains(&format!(r#"id="booking-{first}""#)));
        assert!(week.contains("09:00–12:00 医療法人社団誠馨会"), "{name}");
        // An auditor of Iwate does not see Chiba's alliance; the admin reads but the
        // secretariat of another alliance would not (there is none in the demo).
        let auditor = logged_in(base, "auditor").await;
        let (st, _) = get(&auditor, &format!("{a}/equipment")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

/// An alliance's lists as one workbook: the secretariat downloads it, imports it back
/// unchanged, and a file with a bad row is refused whole with the row said; an auditor of
/// another prefecture gets neither — on both back ends.
#[tokio::test]
async fn an_alliance_workbook_exports_and_imports_back_unchanged() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let a = format!("{base}/alliances/12-TOKATSU-NANBU");
        let c = logged_in(base, "tokatsu").await;
        let r = c.get(format!("{a}/workbook.xlsx")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        let book = r.bytes().await.unwrap().to_vec();
        let (_, page) = get(&c, &a).await;
        let csrf = csrf_of(&page);
        let send = |bytes: Vec<u8>, file: &'static str, csrf: String| {
            let c = c.clone();
            let url = format!("{a}/import");
            async move {
                let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(file),
                );
                let r = c.post(url).multipart(form).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let (st, body) = send(book.clone(), "tokatsu.xlsx", csrf.clone()).await;
        assert_eq!(st, StatusCode::OK, "{name}: {body}");
        assert!(
            body.contains(r#"id="imported""#) && body.contains("追加・変更 0"),
            "{name}"
        );
        // A CSV of bookings with an end before its start: refused, the row said.
        let csv = "id,equipment,by,start,end,purpose\n\
                   int,int,text,text,text,text\n\
                   0,1,医療法人弘仁会,2030-01-01T12:00:00,2030-01-01T09:00:00,架空\n";
        let (st, body) = send(
            csv.as_bytes().to_vec(),
            "equipment_bookings.csv",
            csrf.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains(r#"id="issues""#) && body.contains("<td>3</td>"),
            "{name}: {body}"
        );
        let (st, _) = send(book.clone(), "tokatsu.xlsx", "forged".into()).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let auditor = logged_in(base, "auditor").await;
        let r = auditor
            .get(format!("{a}/workbook.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // Iwate's centre: its doctor bank and seminars, from the figures page.
        let iwate = logged_in(base, "iwate").await;
        let (_, figures) = get(&iwate, &format!("{base}/bank/figures")).await;
        assert!(figures.contains(r#"action="/workbook/03""#), "{name}");
        let csrf = csrf_of(&figures);
        let r = iwate
            .get(format!("{base}/workbook/03"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        let book = r.bytes().await.unwrap().to_vec();
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(book).file_name("iwate.xlsx"),
        );
        let r = iwate
            .post(format!("{base}/workbook/03"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert!(r.text().await.unwrap().contains("追加・変更 0"), "{name}");
        for (user, want) in [
            ("miyagi", StatusCode::FORBIDDEN),
            ("doctor", StatusCode::FORBIDDEN),
            ("tokatsu", StatusCode::FORBIDDEN),
            ("auditor", StatusCode::OK),
        ] {
            let c = logged_in(base, user).await;
            let r = c.get(format!("{base}/workbook/03")).send().await.unwrap();
            assert_eq!(r.status(), want, "{user} ({name})");
        }
    }
}

/// Behind a TLS proxy: cookies are `Secure`, and twenty failed logins lock the client the
/// proxy names in `X-Forwarded-For`, not every client that comes through the proxy.
#[tokio::test]
async fn behind_a_proxy_cookies_are_secure_and_the_throttle_is_per_client() {
    let s = spawn_with(
        testing::sqlite().await,
        chiiki_web::Options {
            behind_proxy: true,
            ..chiiki_web::Options::default()
        },
    )
    .await;
    let base = &s.base;
    let attempt = |from: &'static str, user: String, password: &'static str| {
        let base = base.clone();
        async move {
            let c = client();
            let r = c.get(format!("{base}/login")).send().await.unwrap();
            let cookies: Vec<String> = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect();
            assert!(!cookies.is_empty() && cookies.iter().all(|c| c.contains("; Secure")));
            let csrf = csrf_of(&r.text().await.unwrap());
            let r = c
                .post(format!("{base}/login"))
                .header("x-forwarded-for", format!("198.51.100.1, {from}"))
                .form(&[
                    ("username", user.as_str()),
                    ("password", password),
                    ("csrf", &csrf),
                ])
                .send()
                .await
                .unwrap();
            let secure = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .all(|v| v.to_str().unwrap().contains("; Secure"));
            (r.status(), secure)
        }
    };
    for i in 0..chiiki_app::auth::MAX_FAILURES_PER_ADDRESS {
        let (st, _) = attempt("203.0.113.7", format!("nobody{i}"), "wrong password!").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    // That client is locked out; another one behind the same proxy is not.
    let (st, _) = attempt("203.0.113.7", "iwate".into(), PASSWORD).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    let (st, secure) = attempt("203.0.113.8", "iwate".into(), PASSWORD).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(secure, "the session cookie is Secure");
}
