//! The doctor bank (ドクターバンク) over HTTP: a real server on port 0 with the demo, on SQLite
//! and on PostgreSQL — each role's pages, a doctor's profile saved and kept on a problem
//! (422), applying, CSRF, and what a role may not see (404) or do (403).

mod common;

use common::web::*;

/// Posts a form of text fields: status, `Location` and body (the common `post_form`, typed
/// for the arrays these tests write).
async fn post(
    c: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    post_form(c, url, form).await
}

use chiiki_app::access::Principal;
use chiiki_app::doctor_bank as bank;
use chiiki_domain::PrefCode;
use chiiki_domain::doctor_bank::{Post, PostState};
use chiiki_store::testing;
use reqwest::StatusCode;

async fn logged_in(base: &str, user: &str) -> (reqwest::Client, String) {
    let c = client();
    let form = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form);
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("username", user),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/bank"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} logs in");
    let (_, page) = get(&c, &format!("{base}/bank")).await;
    let csrf = if page.contains(r#"name="csrf" value=""#) {
        csrf_of(&page)
    } else {
        String::new()
    };
    (c, csrf)
}

async fn demo_posts(s: &Server) -> Vec<Post> {
    bank::posts(
        s.t.store(),
        &Principal::system("test"),
        PrefCode::new(3).unwrap(),
    )
    .await
    .unwrap()
}

fn profile_form<'a>(csrf: &'a str, name: &'a str, months: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("specialty", "internal_medicine"),
        ("years", "9"),
        ("emp_part_time", "1"),
        ("emp_full_time", "1"),
        ("max_days", "5"),
        ("max_hours", "30"),
        ("returning", "1"),
        ("leave_months", months),
        ("leave_reason", "childcare"),
        ("support_short_hours", "1"),
        ("support_childcare", "1"),
    ]
}

#[tokio::test]
async fn each_role_sees_its_bank() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let posts = demo_posts(&s).await;
        let both = posts
            .iter()
            .find(|p| p.childcare && p.short_time && p.state == PostState::Open)
            .unwrap();
        let foreign = posts
            .iter()
            .find(|p| p.facility.as_str() != "R7-0306-14")
            .unwrap();

        // The doctor: no profile yet, then saves one; a problem keeps the input (422).
        let (doc, csrf) = logged_in(base, "doctor").await;
        let (st, page) = get(&doc, &format!("{base}/bank")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains(r#"id="no-profile""#) && page.contains(r#"id="profile-form""#));
        let (st, _, page) = post(
            &doc,
            &format!("{base}/bank/profile"),
            &profile_form(&csrf, "架空 復職子", "0"),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: 0 months");
        assert!(page.contains(r#"id="problem""#) && page.contains("架空 復職子"));
        assert!(page.contains("leave.months"), "the field is named");
        // Without the CSRF token: refused, nothing stored.
        let mut no_csrf = profile_form(&csrf, "架空 復職子", "12");
        no_csrf.remove(0);
        let (st, _, _) = post(&doc, &format!("{base}/bank/profile"), &no_csrf).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, to, _) = post(
            &doc,
            &format!("{base}/bank/profile"),
            &profile_form(&csrf, "架空 復職子", "12"),
        )
        .await;
        assert_eq!((st, to.as_str()), (StatusCode::SEE_OTHER, "/bank#ranked-h"));
        let (_, page) = get(&doc, &format!("{base}/bank")).await;
        let ranked = &page[page.find(r#"id="ranked""#).expect("ranked posts")..];
        let first = &ranked[..ranked.find("</li>\n<li").unwrap_or(ranked.len())];
        assert!(first.contains(&both.title), "{name}: both first");
        assert!(first.contains("✓") && first.contains("院内保育あり"));
        // Apply; the application shows as 応募.
        let (st, to, _) = post(
            &doc,
            &format!("{base}/bank/posts/{}/apply", both.id),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert!(to.starts_with("/bank#app-"));
        let (_, page) = get(&doc, &format!("{base}/bank")).await;
        assert!(
            page.contains(r#"id="my-apps""#) && page.contains(r#"<td class="state">応募</td>"#)
        );
        // Twice: refused on the page.
        let (st, _, page) = post(
            &doc,
            &format!("{base}/bank/posts/{}/apply", both.id),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("応募中です"));
        // The doctor sees no one else's profile and cannot offer, nor see figures.
        let others = bank::profiles(
            s.t.store(),
            &Principal::system("test"),
            PrefCode::new(3).unwrap(),
        )
        .await
        .unwrap();
        let someone = others
            .iter()
            .find(|p| p.name.as_str() == "架空 花子")
            .unwrap();
        let (st, _) = get(&doc, &format!("{base}/bank/profiles/{}", someone.id)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (_, page) = get(&doc, &format!("{base}/bank")).await;
        assert!(!page.contains("架空 花子"));
        let app_id: String = to.trim_start_matches("/bank#app-").into();
        let (st, _, _) = post(
            &doc,
            &format!("{base}/bank/applications/{app_id}/state"),
            &[("csrf", &csrf), ("to", "offered")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = get(&doc, &format!("{base}/bank/figures?fy=2025")).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // The facility: its own posts, the applicant's profile, never a foreign post.
        let (fac, fcsrf) = logged_in(base, "kamaishi").await;
        let (st, page) = get(&fac, &format!("{base}/bank")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains(&both.title) && !page.contains(&foreign.title));
        assert!(page.contains("架空 復職子"), "the applicant");
        let (st, _) = get(&fac, &format!("{base}/bank/posts/{}", foreign.id)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _, _) = post(
            &fac,
            &format!("{base}/bank/posts/{}/state", foreign.id),
            &[("csrf", &fcsrf), ("state", "withdrawn")],
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = get(&fac, &format!("{base}/bank/profiles/{}", someone.id)).await;
        assert_eq!(st, StatusCode::OK, "架空 花子 was placed at 釜石");
        // A new post of its own; a bad one keeps the input (422).
        let (st, _, page) = post(
            &fac,
            &format!("{base}/bank/posts"),
            &[
                ("csrf", &fcsrf),
                ("title", "架空の求人・テスト"),
                ("employment", "part_time"),
                ("specialty", "pediatrics"),
                ("days", "2"),
                ("hours", "60"),
                ("opened", "2026-04-01"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("架空の求人・テスト") && page.contains("hours_per_week"));
        let (st, to, _) = post(
            &fac,
            &format!("{base}/bank/posts"),
            &[
                ("csrf", &fcsrf),
                ("title", "架空の求人・テスト"),
                ("employment", "part_time"),
                ("specialty", "pediatrics"),
                ("days", "2"),
                ("hours", "16"),
                ("childcare", "1"),
                ("opened", "2026-04-01"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, page) = get(&fac, &format!("{base}{to}")).await;
        assert!(page.contains("架空の求人・テスト") && page.contains("岩手県立釜石病院"));

        // The centre: posts, profiles (visible and applicants), introduces, figures.
        let (cen, ccsrf) = logged_in(base, "iwate").await;
        let (_, page) = get(&cen, &format!("{base}/bank")).await;
        assert!(page.contains(&foreign.title) && page.contains("架空 花子"));
        assert!(
            page.contains("架空 復職子"),
            "an applicant though not visible"
        );
        let (_, page) = get(&cen, &format!("{base}/bank/posts/{}", both.id)).await;
        assert!(page.contains(r#"id="apps""#) && page.contains(r#"id="candidates""#));
        let (st, to, _) = post(
            &cen,
            &format!("{base}/bank/applications/{app_id}/state"),
            &[("csrf", &ccsrf), ("to", "introduced")],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(to, format!("/bank/posts/{}#app-{app_id}", both.id));
        let (_, page) = get(&doc, &format!("{base}/bank")).await;
        assert!(
            page.contains(r#"<td class="state">紹介済</td>"#),
            "the doctor sees it"
        );
        let (st, page) = get(&cen, &format!("{base}/bank/figures?fy=2025")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            page.contains(
                r#"<tr id="fig-placements"><th scope="row">就任件数</th><td class="num">2</td>"#
            ),
            "{page}"
        );
        assert!(page.contains(r#"<tr id="fig-cover_days"><th scope="row">スポットの対応日数</th><td class="num">12</td>"#));
        let r = cen
            .get(format!("{base}/bank/figures.xlsx?fy=2025"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let (st, csv) = get(&cen, &format!("{base}/bank/figures.csv?fy=2025")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            csv.contains("returning_doctors_placed,うち復職した医師,1"),
            "{csv}"
        );

        // The auditor reads, writes nothing; others are out.
        let (aud, acsrf) = logged_in(base, "auditor").await;
        let (st, page) = get(&aud, &format!("{base}/bank")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(!page.contains(r#"id="post-form""#));
        let (st, _) = get(&aud, &format!("{base}/bank/figures?fy=2026")).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _, _) = post(
            &aud,
            &format!("{base}/bank/posts/{}/state", both.id),
            &[("csrf", &acsrf), ("state", "withdrawn")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (sec, _) = logged_in(base, "tokatsu").await;
        let (st, _) = get(&sec, &format!("{base}/bank")).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (miy, _) = logged_in(base, "miyagi").await;
        let (st, _) = get(&miy, &format!("{base}/bank/posts/{}", both.id)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = get(&cen, &format!("{base}/bank/posts/999999")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // An administrator: the only prefecture with posts, or the one asked.
        let (adm, _) = logged_in(base, "admin").await;
        let (st, page) = get(&adm, &format!("{base}/bank")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains(&foreign.title) && page.contains("岩手県"));
        let (st, page) = get(&adm, &format!("{base}/bank?pref=04")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(!page.contains(&foreign.title));
    }
}
