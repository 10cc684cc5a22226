//! Joint training and seminars over HTTP: a real server on port 0 with the demo loaded (on
//! SQLite and, when CHIIKI_TEST_PG_URL is set, PostgreSQL) — the pages per role (404 out of
//! scope, 403 where a role may not act), registrations kept on a refused form (422), CSRF,
//! cancellation with promotion, attendance, certificates and the yearly attendance.

mod common;

use common::web::*;

use chiiki_app::access::Principal;
use chiiki_app::training as tr;
use chiiki_domain::training::{
    Job, Registration, RegistrationFields, RegistrationState, Session, SessionFields,
};
use chiiki_domain::{DocScope, DoctorId, Name};
use chiiki_store::testing;
use chrono::NaiveDateTime;
use reqwest::StatusCode;

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn scope(raw: &str) -> DocScope {
    tr::parse_scope(raw).unwrap()
}

/// The first session of the scope not yet started.
async fn upcoming(s: &Server, raw: &str) -> u64 {
    tr::sessions(s.t.store(), &Principal::system("test"), &scope(raw), now())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.session.start > now())
        .unwrap()
        .session
        .id
}

/// A session of the alliance's first course that started an hour ago, with two
/// registrations made before it; returns the session and the registrations.
async fn started_session(s: &Server) -> (u64, Vec<Registration>) {
    let store = s.t.store();
    let admin = Principal::system("test");
    let sc = scope(TOKATSU);
    let course = tr::courses(store, &admin, &sc).await.unwrap()[0].clone();
    let start = now() - chrono::Duration::hours(1);
    let session = chiiki_store::documents::put(
        store,
        "test",
        &Session::new(SessionFields {
            id: 0,
            course: course.id,
            scope: sc.clone(),
            start,
            end: start + chrono::Duration::hours(2),
            place: "架空会場".into(),
            capacity: 10,
            deadline: start - chrono::Duration::days(1),
            cancelled: false,
        })
        .unwrap(),
    )
    .await
    .unwrap();
    let members = tr::organisations(store, &admin, &sc, now().date())
        .await
        .unwrap();
    let mut regs = Vec::new();
    for (i, person) in ["架空 出席者", "架空 欠席者"].into_iter().enumerate() {
        let r = Registration::new(RegistrationFields {
            id: 0,
            session: session.id,
            scope: sc.clone(),
            person: Name::parse(person).unwrap(),
            organisation: members[i].clone(),
            job: Some(Job::Nurse),
            doctor: None,
            registered_at: start - chrono::Duration::days(3),
            state: RegistrationState::Registered,
            cancelled_at: None,
        })
        .unwrap();
        regs.push(
            chiiki_store::documents::put(store, "test", &r)
                .await
                .unwrap(),
        );
    }
    (session.id, regs)
}

#[tokio::test]
async fn pages_per_role_forms_and_certificates() {
    for t in testing::all().await {
        let name = t.name();
        let s = spawn(t).await;
        let base = &s.base;
        let alliance = format!("{base}/training/{TOKATSU}");

        // The secretariat: its alliance's training under the alliance's tabs.
        let tokatsu = logged_in(base, "tokatsu").await;
        let (st, page) = get(&tokatsu, &alliance).await;
        assert_eq!(st, StatusCode::OK, "on {name}");
        assert!(page.contains("合同医療安全研修") && page.contains("合同感染対策研修"));
        assert!(page.contains(r#"id="tab-training" aria-current="page""#));
        assert!(page.contains(r#"id="upcoming""#) && page.contains(r#"id="past""#));
        assert!(page.contains(r#"id="session-form""#) && page.contains(r#"id="course-form""#));
        assert!(page.contains("/static/training.css"));
        // Nothing of the centre's seminars.
        assert_eq!(
            get(&tokatsu, &format!("{base}/training/03")).await.0,
            StatusCode::NOT_FOUND
        );
        // Out of scope: Iwate's coordinator, a doctor and a facility see no alliance of Chiba.
        for user in ["iwate", "doctor", "kamaishi"] {
            let c = logged_in(base, user).await;
            assert_eq!(get(&c, &alliance).await.0, StatusCode::NOT_FOUND, "{user}");
        }
        assert_eq!(
            get(&logged_in(base, "chiba").await, &alliance).await.0,
            StatusCode::OK
        );
        assert_eq!(
            get(&tokatsu, &format!("{base}/training/NO-SUCH")).await.0,
            StatusCode::NOT_FOUND
        );

        // A registration without a name: 422, the problem said, the organisation kept.
        let id = upcoming(&s, TOKATSU).await;
        let url = format!("{alliance}/sessions/{id}");
        let (st, page) = get(&tokatsu, &url).await;
        assert_eq!(st, StatusCode::OK);
        let csrf = csrf_of(&page);
        let r = post(
            &tokatsu,
            &format!("{url}/registrations"),
            &csrf,
            &[
                ("person", ""),
                ("organisation", "医療法人社団誠馨会"),
                ("job", "nurse"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"id="problem""#), "{body}");
        assert!(body.contains(r#"<option value="医療法人社団誠馨会" selected>"#));
        // Without the token: refused, nothing written.
        let r = post(
            &tokatsu,
            &format!("{url}/registrations"),
            "0123",
            &[
                ("person", "架空 無効"),
                ("organisation", "医療法人社団誠馨会"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post(
            &tokatsu,
            &format!("{url}/registrations"),
            &csrf,
            &[
                ("person", "架空 千葉花子"),
                ("organisation", "医療法人社団誠馨会"),
                ("job", "nurse"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = get(&tokatsu, &url).await;
        assert!(page.contains("架空 千葉花子") && !page.contains("架空 無効"));
        // The same person again is refused, said on the page.
        let r = post(
            &tokatsu,
            &format!("{url}/registrations"),
            &csrf,
            &[
                ("person", "架空 千葉花子"),
                ("organisation", "医療法人社団誠馨会"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("申込済み"));

        // The centre's seminars: the doctor registers themselves and sees only their own.
        let iwate = format!("{base}/training/03");
        let doctor = logged_in(base, "doctor").await;
        let (st, page) = get(&doctor, &iwate).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("内視鏡シミュレーション研修"));
        assert!(!page.contains(r#"id="course-form""#));
        let sim = upcoming(&s, "03").await;
        let sim_url = format!("{iwate}/sessions/{sim}");
        let (st, page) = get(&doctor, &sim_url).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains(r#"id="register-form""#));
        assert!(!page.contains(r#"name="person""#));
        let r = post(
            &doctor,
            &format!("{sim_url}/registrations"),
            &csrf_of(&page),
            &[("organisation", "岩手県立釜石病院")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let doctor_name =
            s.t.store()
                .list_doctors(&chiiki_store::DoctorFilter {
                    id: Some(DoctorId::parse("DEMO-2018-001").unwrap()),
                    ..Default::default()
                })
                .await
                .unwrap()
                .items[0]
                .name
                .to_string();
        let (_, page) = get(&doctor, &sim_url).await;
        assert!(page.contains(&doctor_name), "the doctor's register name");
        // The centre registers someone else; the doctor does not see them.
        let iwate_c = logged_in(base, "iwate").await;
        let (_, page) = get(&iwate_c, &sim_url).await;
        let r = post(
            &iwate_c,
            &format!("{sim_url}/registrations"),
            &csrf_of(&page),
            &[("person", "架空 岩手一郎"), ("organisation", "架空病院")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, page) = get(&doctor, &sim_url).await;
        assert!(!page.contains("架空 岩手一郎"));
        let (_, page) = get(&iwate_c, &sim_url).await;
        assert!(page.contains("架空 岩手一郎") && page.contains(&doctor_name));
        // The auditor reads, but neither adds nor registers (403); the facility sees the
        // sessions but no roster or form; the doctor may not read the yearly attendance.
        let auditor = logged_in(base, "auditor").await;
        let (st, page) = get(&auditor, &iwate).await;
        assert_eq!(st, StatusCode::OK);
        let r = post(
            &auditor,
            &format!("{iwate}/courses"),
            &csrf_of(&page),
            &[
                ("title", "架空コース"),
                ("topic", "other"),
                ("minutes", "60"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post(
            &auditor,
            &format!("{sim_url}/registrations"),
            &csrf_of(&page),
            &[("person", "架空 監査"), ("organisation", "架空病院")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            get(&auditor, &format!("{iwate}/attendance")).await.0,
            StatusCode::OK
        );
        let kamaishi = logged_in(base, "kamaishi").await;
        let (st, page) = get(&kamaishi, &sim_url).await;
        assert_eq!(st, StatusCode::OK);
        assert!(!page.contains(&doctor_name) && !page.contains(r#"id="register-form""#));
        assert_eq!(
            get(&doctor, &format!("{iwate}/attendance")).await.0,
            StatusCode::FORBIDDEN
        );
        // A course added by the centre, and a refused one kept with its problem.
        let (_, page) = get(&iwate_c, &iwate).await;
        let csrf = csrf_of(&page);
        let r = post(
            &iwate_c,
            &format!("{iwate}/courses"),
            &csrf,
            &[
                ("title", "架空 腹腔鏡基本手技研修"),
                ("topic", "simulation"),
                ("minutes", "0"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("架空 腹腔鏡基本手技研修") && body.contains(r#"id="problem""#));
        let r = post(
            &iwate_c,
            &format!("{iwate}/courses"),
            &csrf,
            &[
                ("title", "架空 腹腔鏡基本手技研修"),
                ("topic", "simulation"),
                ("minutes", "120"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            get(&iwate_c, &iwate)
                .await
                .1
                .contains("架空 腹腔鏡基本手技研修")
        );

        // Attendance and certificates: only for those who attended.
        let (started, regs) = started_session(&s).await;
        let url = format!("{alliance}/sessions/{started}");
        let (_, page) = get(&tokatsu, &url).await;
        assert!(page.contains(r#"id="attendance-form""#));
        assert!(!page.contains(r#"id="register-form""#) || page.contains("締め切りました"));
        let ids = format!("{},{}", regs[0].id, regs[1].id);
        let att = format!("att-{}", regs[0].id);
        let r = post(
            &tokatsu,
            &format!("{url}/attendance"),
            &csrf_of(&page),
            &[("ids", ids.as_str()), (att.as_str(), "on")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cert = format!("{alliance}/certificates/{}", regs[0].id);
        let (st, page) = get(&tokatsu, &cert).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("架空 出席者") && page.contains("合同医療安全研修"));
        assert!(page.contains("東葛南部メディカルアライアンス") && page.contains("令和"));
        assert!(page.contains(r#"id="certificate-number""#));
        let absent = format!("{alliance}/certificates/{}", regs[1].id);
        assert_eq!(get(&tokatsu, &absent).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            get(&iwate_c, &cert).await.0,
            StatusCode::NOT_FOUND,
            "another prefecture"
        );
        let (st, css) = get(&tokatsu, &format!("{base}/static/training.css")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(css.contains("@media print"));

        // Yearly attendance: shortfalls in FY2025; a download.
        let (st, page) = get(&tokatsu, &format!("{alliance}/attendance?fy=2025")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains(r#"class="shortfall""#) && page.contains(r#"class="met""#));
        assert!(page.contains(r#"id="requirement-form""#));
        let r = tokatsu
            .get(format!("{alliance}/attendance.xlsx?fy=2025"))
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
        let (st, csv) = get(&tokatsu, &format!("{alliance}/attendance.csv?fy=2025")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(csv.contains("医療法人社団誠馨会"));
        assert_eq!(
            get(&tokatsu, &format!("{alliance}/attendance?fy=x"))
                .await
                .0,
            StatusCode::BAD_REQUEST
        );
    }
}

#[tokio::test]
async fn a_cancellation_says_who_moved_up() {
    let s = spawn(testing::sqlite().await).await;
    let base = &s.base;
    let store = s.t.store();
    let admin = Principal::system("test");
    let sc = scope(TOKATSU);
    let course = tr::courses(store, &admin, &sc).await.unwrap()[0].clone();
    let start = now() + chrono::Duration::days(20);
    let session = tr::add_session(
        store,
        &admin,
        Session::new(SessionFields {
            id: 0,
            course: course.id,
            scope: sc.clone(),
            start,
            end: start + chrono::Duration::hours(1),
            place: "架空会場".into(),
            capacity: 1,
            deadline: start,
            cancelled: false,
        })
        .unwrap(),
    )
    .await
    .unwrap();
    let members = tr::organisations(store, &admin, &sc, now().date())
        .await
        .unwrap();
    let mut regs = Vec::new();
    for person in ["架空 一番", "架空 二番"] {
        let input = tr::Enrolment {
            person: person.into(),
            organisation: members[0].to_string(),
            job: None,
        };
        regs.push(
            tr::register(store, &admin, &sc, session.id, input, now())
                .await
                .unwrap(),
        );
    }
    assert_eq!(regs[1].state, RegistrationState::Waiting);
    let tokatsu = logged_in(base, "tokatsu").await;
    let url = format!("{base}/training/{TOKATSU}/sessions/{}", session.id);
    let (_, page) = get(&tokatsu, &url).await;
    assert!(page.contains(&format!(r#"id="cancel-{}""#, regs[0].id)));
    let r = post(
        &tokatsu,
        &format!("{url}/registrations/{}/cancel", regs[0].id),
        &csrf_of(&page),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains(&format!("promoted={}", regs[1].id)), "{to}");
    let (_, page) = get(&tokatsu, &format!("{base}{to}")).await;
    let promoted = &page[page.find(r#"id="promoted""#).unwrap()..];
    assert!(promoted[..promoted.find("</div>").unwrap()].contains("架空 二番"));
    // A registration of another session's number is missing.
    let r = post(
        &tokatsu,
        &format!("{url}/registrations/999999/cancel"),
        &csrf_of(&page),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
