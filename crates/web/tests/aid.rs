//! An alliance's emergency mutual support over HTTP: a real server on port 0 with the demo
//! loaded (on SQLite and, when CHIIKI_TEST_PG_URL is set, PostgreSQL) — the pages per role
//! (404 out of scope, 403 for a reader who tries to write), a refused form said on the page
//! with the input kept (422), CSRF refused, an incident's request met by an accepted offer,
//! a drill's acknowledgements, a call tree replaced, and the XLSX downloads.

mod common;

use common::web::*;

use chiiki_app::access::Principal;
use chiiki_app::mutual_aid as aid;
use chiiki_domain::AllianceId;
use chiiki_domain::mutual_aid::AidRequestState;
use chiiki_store::testing;
use reqwest::StatusCode;

fn tokatsu() -> AllianceId {
    AllianceId::parse(TOKATSU).unwrap()
}

#[tokio::test]
async fn pages_per_role_forms_and_downloads() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let home = format!("{base}/alliances/{TOKATSU}/aid");
        let store = s.t.store();
        let admin = Principal::system("test");
        let drill = aid::events(store, &admin, &tokatsu()).await.unwrap()[0]
            .event
            .id;

        // The secretariat: the demo's drill with its met request, the forms, the trees.
        let sec = logged_in(base, "tokatsu").await;
        let (st, page) = get(&sec, &home).await;
        assert_eq!(st, StatusCode::OK, "on {name}");
        assert!(page.contains("連絡網訓練（防災の日）"), "{page}");
        assert!(page.contains("id=\"event-form\""));
        assert!(page.contains("aria-current=\"page\">相互支援"));
        let (st, page) = get(&sec, &format!("{home}/events/{drill}")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("（受諾）") && page.contains("id=\"drill-summary\""));
        assert!(
            page.contains("夜間当直師長"),
            "the contact not reached is named"
        );
        let (st, page) = get(&sec, &format!("{home}/contacts")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("板倉病院") && page.contains("架空 一郎"));
        assert!(page.contains("0120-000-101"));
        assert!(page.contains("id=\"tree-form\"") && page.contains("id=\"capabilities-form\""));
        for file in [
            format!("{home}/contacts.xlsx"),
            format!("{home}/capabilities.xlsx"),
            format!("{home}/events/{drill}/log.xlsx"),
        ] {
            let r = sec.get(&file).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{file}");
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.contains("spreadsheetml"), "{ct}");
            assert!(r.bytes().await.unwrap().starts_with(b"PK"));
        }
        assert_eq!(
            get(&sec, &format!("{home}/nothing.xlsx")).await.0,
            StatusCode::NOT_FOUND
        );

        // Chiba's auditor reads, with no forms, and may not write.
        let auditor = logged_in(base, "chibaaudit").await;
        let (st, page) = get(&auditor, &home).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("連絡網訓練（防災の日）"));
        assert!(!page.contains("id=\"event-form\"") && !page.contains("id=\"request-form\""));
        let csrf = csrf_of(&page);
        let r = post(
            &auditor,
            &format!("{home}/events"),
            &csrf,
            &[
                ("kind", "disaster"),
                ("title", "監査人の事象"),
                ("start_date", "2026-01-10"),
                ("start_time", "06:00"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            aid::events(store, &admin, &tokatsu()).await.unwrap().len(),
            1
        );

        // Another prefecture's coordinator and a doctor: the alliance does not exist.
        for user in ["iwate", "doctor"] {
            let c = logged_in(base, user).await;
            for path in [
                home.clone(),
                format!("{home}/contacts"),
                format!("{home}/events/{drill}"),
                format!("{home}/contacts.xlsx"),
            ] {
                assert_eq!(
                    get(&c, &path).await.0,
                    StatusCode::NOT_FOUND,
                    "{user} {path}"
                );
            }
        }
        // An event of the alliance read under another alliance's address: missing.
        let (st, _) = get(
            &sec,
            &format!("{base}/alliances/03-NONE/aid/events/{drill}"),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = get(&sec, &format!("{home}/events/999999")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_incident_request_offer_and_acceptance_refused_forms_and_csrf() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let home = format!("{base}/alliances/{TOKATSU}/aid");
        let store = s.t.store();
        let admin = Principal::system("test");
        let sec = logged_in(base, "tokatsu").await;
        let (_, page) = get(&sec, &home).await;
        let csrf = csrf_of(&page);

        // CSRF: refused, nothing written.
        let r = post(
            &sec,
            &format!("{home}/events"),
            "not-the-token",
            &[
                ("kind", "disaster"),
                ("title", "架空の地震"),
                ("start_date", "2026-01-10"),
                ("start_time", "06:00"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "on {name}");
        assert_eq!(
            aid::events(store, &admin, &tokatsu()).await.unwrap().len(),
            1
        );

        // An event with no title: said on the page (422), the input kept.
        let r = post(
            &sec,
            &format!("{home}/events"),
            &csrf,
            &[
                ("kind", "disaster"),
                ("title", ""),
                ("start_date", "2026-01-10"),
                ("start_time", "06:00"),
                ("description", "架空の説明文"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"problem\""));
        assert!(page.contains("架空の説明文"));

        let today = chrono::Local::now().date_naive();
        let r = post(
            &sec,
            &format!("{home}/events"),
            &csrf,
            &[
                ("kind", "disaster"),
                ("title", "架空の地震"),
                ("start_date", &(today - chrono::Days::new(1)).to_string()),
                ("start_time", "06:00"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let events = aid::events(store, &admin, &tokatsu()).await.unwrap();
        let quake = events
            .iter()
            .find(|e| e.event.title == "架空の地震")
            .unwrap();
        let event = quake.event.id.to_string();
        let need = (today + chrono::Days::new(1)).to_string();

        // A quantity that is not a number: 422, the problem and the form kept.
        let r = post(
            &sec,
            &format!("{home}/requests"),
            &csrf,
            &[
                ("event", &event),
                ("from", "板倉病院"),
                ("resource1", "staff:nurse"),
                ("quantity1", "二人"),
                ("need_date", &need),
                ("need_time", "12:00"),
                ("note", "架空の病棟で不足"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(page.contains("二人") && page.contains("架空の病棟で不足"));
        assert!(page.contains("id=\"problem\""));
        let r = post(
            &sec,
            &format!("{home}/requests"),
            &csrf,
            &[
                ("event", &event),
                ("from", "板倉病院"),
                ("resource1", "staff:nurse"),
                ("quantity1", "2"),
                ("need_date", &need),
                ("need_time", "12:00"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let request = location(&r).rsplit_once("#request-").unwrap().1.to_string();

        // The requester offering to itself is refused on the page.
        let url = format!("{home}/requests/{request}/responses");
        let r = post(
            &sec,
            &url,
            &csrf,
            &[
                ("from", "板倉病院"),
                ("resource", "staff:nurse"),
                ("quantity", "2"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("own request"));
        let r = post(
            &sec,
            &url,
            &csrf,
            &[
                ("from", "セコメディック病院"),
                ("resource", "staff:nurse"),
                ("quantity", "2"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = aid::event_log(store, &admin, &tokatsu(), quake.event.id)
            .await
            .unwrap();
        assert_eq!(v.requests[0].request.state, AidRequestState::Open);
        let offer = v.requests[0].responses[0].id;

        // The auditor may not accept it; the secretariat does, and the request is met.
        let auditor = logged_in(base, "chibaaudit").await;
        let (_, apage) = get(&auditor, &home).await;
        let r = post(
            &auditor,
            &format!("{home}/responses/{offer}/accept"),
            &csrf_of(&apage),
            &[("accepted", "1")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post(
            &sec,
            &format!("{home}/responses/{offer}/accept"),
            &csrf,
            &[("accepted", "1")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = aid::event_log(store, &admin, &tokatsu(), quake.event.id)
            .await
            .unwrap();
        assert_eq!(v.requests[0].request.state, AidRequestState::Met);
        let (_, page) = get(&sec, &format!("{home}/events/{event}")).await;
        assert!(page.contains("state-met"), "{page}");
        assert!(page.contains("（受諾）"));
        // A met request can no longer be withdrawn from the page (no button); a new one can.
        let (_, hpage) = get(&sec, &home).await;
        assert!(!hpage.contains(&format!("id=\"withdraw-{request}\"")));
        let r = post(
            &sec,
            &format!("{home}/requests"),
            &csrf,
            &[
                ("event", &event),
                ("from", "セコメディック病院"),
                ("resource1", "beds"),
                ("quantity1", "3"),
                ("need_date", &need),
                ("need_time", "12:00"),
            ],
        )
        .await;
        let second = location(&r).rsplit_once("#request-").unwrap().1.to_string();
        let r = post(
            &sec,
            &format!("{home}/requests/{second}/withdraw"),
            &csrf,
            &[],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = aid::event_log(store, &admin, &tokatsu(), quake.event.id)
            .await
            .unwrap();
        assert_eq!(v.requests[1].request.state, AidRequestState::Withdrawn);
        let r = post(
            &sec,
            &format!("{home}/requests/{second}/withdraw"),
            &csrf,
            &[],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "withdrawn once"
        );
        // An offer under another alliance's address: missing.
        let r = post(
            &sec,
            &format!("{base}/alliances/03-NONE/aid/responses/{offer}/accept"),
            &csrf,
            &[("accepted", "0")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Iwate's coordinator: the alliance's forms do not exist.
        let iwate = logged_in(base, "iwate").await;
        let (_, ipage) = get(&iwate, &format!("{base}/")).await;
        let r = post(
            &iwate,
            &format!("{home}/responses/{offer}/accept"),
            &csrf_of(&ipage),
            &[("accepted", "0")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn trees_capabilities_and_drill_acknowledgements() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let home = format!("{base}/alliances/{TOKATSU}/aid");
        let store = s.t.store();
        let admin = Principal::system("test");
        let sec = logged_in(base, "tokatsu").await;
        let (_, page) = get(&sec, &format!("{home}/contacts")).await;
        let csrf = csrf_of(&page);

        // A line the form cannot read: said with its line, the text kept.
        let bad = "院長, 架空 四郎, 0120-000-301, 24時間\n  事務長, 架空 五郎, 12345, 平日日中";
        let r = post(
            &sec,
            &format!("{home}/contacts"),
            &csrf,
            &[("facility", "高木医院"), ("text", bad)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "on {name}");
        let page = r.text().await.unwrap();
        assert!(page.contains("2行目") && page.contains("line 2"));
        assert!(page.contains("架空 五郎"));
        let good = "院長, 架空 四郎, 0120-000-301, 24時間\n  事務長, 架空 五郎, 0120-000-302, 平日日中\n  看護師長, 架空 六子, 0120-000-303, 夜間";
        let r = post(
            &sec,
            &format!("{home}/contacts"),
            &csrf,
            &[("facility", "高木医院"), ("text", good)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let trees = aid::trees(store, &admin, &tokatsu()).await.unwrap();
        let takagi = trees
            .iter()
            .find(|t| t.facility.as_str() == "高木医院")
            .unwrap();
        assert_eq!(takagi.order, vec![vec![0], vec![1, 2]]);

        // Capabilities: a count that is not a number is refused; the latest one wins.
        let r = post(
            &sec,
            &format!("{home}/capabilities"),
            &csrf,
            &[
                ("facility", "高木医院"),
                ("as_of", "2026-01-01"),
                ("beds", "たくさん"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("たくさん"));
        for (day, beds) in [("2026-01-01", "4"), ("2025-12-01", "9")] {
            let r = post(
                &sec,
                &format!("{home}/capabilities"),
                &csrf,
                &[
                    ("facility", "高木医院"),
                    ("as_of", day),
                    ("beds", beds),
                    ("staff-nurse", "1"),
                ],
            )
            .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        let caps = aid::capabilities(store, &admin, &tokatsu()).await.unwrap();
        let c = caps
            .iter()
            .find(|c| c.facility.as_str() == "高木医院")
            .unwrap();
        assert_eq!(c.beds, 4);

        // The drill: record the contact not reached, and the summary says all reached.
        let drill = aid::events(store, &admin, &tokatsu()).await.unwrap()[0]
            .event
            .id;
        let r = post(
            &sec,
            &format!("{home}/events/{drill}/acks"),
            &csrf,
            &[
                ("facility", "板倉病院"),
                ("date", "2025-09-01"),
                ("c4", "09:20"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let d = aid::drill(store, &admin, &tokatsu(), drill).await.unwrap();
        let itakura = d
            .summary
            .facilities
            .iter()
            .find(|f| f.facility.as_str() == "板倉病院")
            .unwrap();
        assert!(itakura.complete);
        assert_eq!(itakura.minutes_to_last, Some(20));
        // A time outside the drill is refused on the page.
        let r = post(
            &sec,
            &format!("{home}/events/{drill}/acks"),
            &csrf,
            &[
                ("facility", "板倉病院"),
                ("date", "2025-09-02"),
                ("c1", "09:20"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("outside the drill"));
    }
}
