//! Optimistic locking over HTTP, on both back ends: two officers who open the same doctor or
//! the same placement round and both save do not overwrite each other. The second save is
//! refused with 409 and says what happened and what to do; nothing of it is written; the
//! page shows what is stored now and carries the current version, so that saving again is
//! a choice made knowingly. The JSON API does the same with `ETag` and `If-Match` (412).

mod common;

use chiiki_domain::{Entity, Record};
use chiiki_store::testing;
use common::web::{Server, csrf_of, get, logged_in, post, spawn};
use reqwest::StatusCode;

/// The value of the page's hidden `version` field (the first one).
fn version_of(html: &str) -> String {
    let key = r#"name="version" value=""#;
    let i = html.find(key).expect("a version field");
    let rest = &html[i + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The id of the doctor's first assignment that has an end form on the doctor's page.
fn first_open_assignment(page: &str, doctor: &str) -> String {
    let key = format!("/doctors/{doctor}/assignments/");
    page.match_indices(&key)
        .map(|(i, _)| &page[i + key.len()..])
        .find_map(|rest| {
            let id = &rest[..rest.find('/')?];
            rest[id.len()..].starts_with("/end").then(|| id.to_string())
        })
        .expect("an open assignment with an end form")
}

const DOCTOR: &str = "DEMO-2018-001";

/// A server, and the coordinator `iwate` and `admin` logged in: two officers who may both
/// write Iwate's register.
async fn two_officers(t: testing::TestStore) -> (Server, reqwest::Client, reqwest::Client) {
    let s = spawn(t).await;
    let iwate = logged_in(&s.base, "iwate").await;
    let admin = logged_in(&s.base, "admin").await;
    (s, iwate, admin)
}

/// The assignment as stored.
async fn stored_assignment(s: &Server, id: &str) -> chiiki_domain::Assignment {
    match s.t.store().get(Entity::Assignments, id).await.unwrap() {
        Some(Record::Assignment(a)) => a,
        other => panic!("the assignment {id}: {other:?}"),
    }
}

#[tokio::test]
async fn two_officers_editing_one_assignment_do_not_overwrite_each_other() {
    for t in testing::all().await {
        let name = t.name();
        let (s, iwate, admin) = two_officers(t).await;
        let base = &s.base;
        let (_, page) = get(&iwate, &format!("{base}/doctors/{DOCTOR}")).await;
        let id = first_open_assignment(&page, DOCTOR);
        let edit = format!("{base}/doctors/{DOCTOR}/assignments/{id}/edit");
        let save = format!("{base}/doctors/{DOCTOR}/assignments/{id}");
        // Both open the edit form of the same assignment.
        let (_, form_a) = get(&iwate, &edit).await;
        let (_, form_b) = get(&admin, &edit).await;
        let (va, vb) = (version_of(&form_a), version_of(&form_b));
        assert_eq!(va, vb, "{name}");
        let stored = stored_assignment(&s, &id).await;
        let as_stored = chiiki_app::assignments::AssignmentForm::of(&stored);
        let fields = |end: &'static str, version: &str| {
            vec![
                ("facility".to_string(), as_stored.facility.clone()),
                (
                    "workplace_name".to_string(),
                    as_stored.workplace_name.clone(),
                ),
                (
                    "workplace_pref".to_string(),
                    as_stored.workplace_pref.clone(),
                ),
                ("start".to_string(), as_stored.start.clone()),
                ("end".to_string(), end.to_string()),
                ("fte".to_string(), as_stored.fte.clone()),
                ("kind".to_string(), as_stored.kind.clone()),
                ("version".to_string(), version.to_string()),
            ]
        };
        let send = |c: &reqwest::Client, csrf: String, f: Vec<(String, String)>| {
            let mut form = vec![("csrf".to_string(), csrf)];
            form.extend(f);
            c.post(&save).form(&form).send()
        };
        // The coordinator saves first: an end on 2031-03-31.
        let r = send(&iwate, csrf_of(&form_a), fields("2031-03-31", &va))
            .await
            .unwrap();
        let st = r.status();
        assert_eq!(
            st,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            r.text().await.unwrap()
        );
        let audit_after_first =
            s.t.store()
                .list_audit(&chiiki_store::AuditFilter::default())
                .await
                .unwrap()
                .total;
        // The administrator saves from the form opened before: refused, 409, said in both
        // languages, and the assignment as the coordinator left it is shown.
        let r = send(&admin, csrf_of(&form_b), fields("2032-03-31", &vb))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{name}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("他の利用者が変更しました") && page.contains("保存していません"),
            "{name}: {page}"
        );
        assert!(page.contains(r#"id="current""#), "{name}");
        assert!(
            page.contains("令和13年3月31日"),
            "{name}: the stored end is shown"
        );
        assert!(
            page.contains(r#"value="2032-03-31""#),
            "{name}: the entry typed is kept"
        );
        // Nothing of the refused save was written.
        let now = stored_assignment(&s, &id).await;
        assert_eq!(
            now.period.end().unwrap().to_string(),
            "2031-03-31",
            "{name}"
        );
        assert_eq!(
            s.t.store()
                .list_audit(&chiiki_store::AuditFilter::default())
                .await
                .unwrap()
                .total,
            audit_after_first,
            "{name}: no audit event for a write that did not happen"
        );
        // The form shown with the conflict carries the current version: saving it again is
        // the administrator's informed choice, and it goes through.
        let v_now = version_of(&page);
        assert_ne!(v_now, vb, "{name}");
        let r = send(&admin, csrf_of(&page), fields("2032-03-31", &v_now))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let now = stored_assignment(&s, &id).await;
        assert_eq!(
            now.period.end().unwrap().to_string(),
            "2032-03-31",
            "{name}"
        );
        // A version that is not a number is refused with a message, not a server error.
        let r = send(&admin, csrf_of(&page), fields("2033-03-31", "x"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{name}");
    }
}

#[tokio::test]
async fn an_end_form_from_an_old_doctor_page_and_a_new_assignment_meanwhile_conflict() {
    for t in testing::all().await {
        let name = t.name();
        let (s, iwate, admin) = two_officers(t).await;
        let base = &s.base;
        let doctor_page = format!("{base}/doctors/{DOCTOR}");
        let (_, page_a) = get(&iwate, &doctor_page).await;
        let (_, page_b) = get(&admin, &doctor_page).await;
        let id = first_open_assignment(&page_a, DOCTOR);
        // The coordinator adds an assignment (a new form, made now).
        let (_, new_form) = get(&iwate, &format!("{base}/doctors/{DOCTOR}/assignments/new")).await;
        let r = post(
            &iwate,
            &format!("{base}/doctors/{DOCTOR}/assignments"),
            &csrf_of(&new_form),
            &[
                ("workplace_name", "架空診療所（テスト）"),
                ("start", "2040-04-01"),
                ("end", "2041-03-31"),
                ("fte", "0.2"),
                ("kind", "other_service"),
                ("version", &version_of(&new_form)),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        // The administrator ends an assignment from the page opened before: refused.
        let end = format!("{base}/doctors/{DOCTOR}/assignments/{id}/end");
        let r = post(
            &admin,
            &end,
            &csrf_of(&page_b),
            &[("end", "2030-03-31"), ("version", &version_of(&page_b))],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{name}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("架空診療所(テスト)"),
            "{name}: the new assignment is shown: {}",
            &body[body.find("<main").unwrap_or(0)..]
        );
        let a = stored_assignment(&s, &id).await;
        assert_ne!(
            a.period.end().map(|d| d.to_string()).as_deref(),
            Some("2030-03-31"),
            "{name}"
        );
        // From the page as it is now, it goes through.
        let (_, fresh) = get(&admin, &doctor_page).await;
        let r = post(
            &admin,
            &end,
            &csrf_of(&fresh),
            &[("end", "2030-03-31"), ("version", &version_of(&fresh))],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    }
}

#[tokio::test]
async fn two_managers_saving_a_rounds_settings_do_not_overwrite_each_other() {
    for t in testing::all().await {
        let name = t.name();
        let (s, iwate, admin) = two_officers(t).await;
        let base = &s.base;
        let round = format!("{base}/placement/03-2027");
        let (_, page_a) = get(&iwate, &round).await;
        let (_, page_b) = get(&admin, &round).await;
        let settings = format!("{round}/settings");
        let title = "令和9年度 配属（架空テスト）";
        let r = post(
            &iwate,
            &settings,
            &csrf_of(&page_a),
            &[
                ("title", title),
                ("priority", "lottery"),
                ("seed", "1111"),
                ("version", &version_of(&page_a)),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let r = post(
            &admin,
            &settings,
            &csrf_of(&page_b),
            &[
                ("title", title),
                ("priority", "lottery"),
                ("seed", "2222"),
                ("version", &version_of(&page_b)),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{name}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("配属ラウンド 03-2027 の設定は") && body.contains("保存していません"),
            "{name}: {body}"
        );
        // The page shows the settings as stored, the coordinator's.
        assert!(body.contains(r#"name="seed" value="1111""#), "{name}");
        let id = chiiki_domain::RoundId::parse("03-2027").unwrap();
        let stored = s.t.store().get_round(id).await.unwrap().unwrap();
        assert_eq!(stored.lottery_seed, 1111, "{name}");
        // English says it too.
        let en = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        common::web::login_with(&en, base, "admin", common::web::PASSWORD).await;
        en.get(format!("{base}/prefs/lang/en"))
            .send()
            .await
            .unwrap();
        let (_, page_en) = get(&en, &round).await;
        let stale = version_of(&page_en).parse::<u64>().unwrap() - 1;
        let r = post(
            &en,
            &settings,
            &csrf_of(&page_en),
            &[
                ("title", title),
                ("priority", "lottery"),
                ("seed", "3333"),
                ("version", &stale.to_string()),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{name}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Someone else changed the settings of placement round 03-2027"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_api_tags_a_doctor_and_refuses_a_write_from_an_old_tag() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let c = logged_in(base, "iwate").await;
        let me: serde_json::Value = c
            .get(format!("{base}/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf"].as_str().expect("csrf in /api/me").to_string();
        let url = format!("{base}/api/doctors/{DOCTOR}");
        let r = c.get(&url).send().await.unwrap();
        let tag = r.headers()["etag"].to_str().unwrap().to_string();
        assert!(tag.starts_with("\"v"), "{name}: {tag}");
        let body = serde_json::json!({
            "workplace_name": "架空クリニック（テスト）",
            "start": "2045-04-01",
            "end": "2046-03-31",
            "fte": "0.1",
            "kind": "other_service",
        });
        let add = |tag: &str| {
            c.post(format!("{url}/assignments"))
                .header("x-csrf-token", &token)
                .header("if-match", tag)
                .json(&body)
                .send()
        };
        let r = add(&tag).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{name}");
        // The same tag again: the doctor changed meanwhile (the write just made).
        let r = add(&tag).await.unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED, "{name}");
        let now = r.headers()["etag"].to_str().unwrap().to_string();
        assert_ne!(now, tag, "{name}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert!(
            e["error_ja"]
                .as_str()
                .unwrap()
                .contains("他の利用者が変更しました"),
            "{name}: {e}"
        );
        // A tag that is not one of ours.
        let r = add("*junk*").await.unwrap();
        assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED, "{name}");
        // The current tag goes through; without If-Match the write is not locked.
        assert_eq!(add(&now).await.unwrap().status(), StatusCode::CREATED);
    }
}
