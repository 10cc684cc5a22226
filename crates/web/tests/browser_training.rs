//! An alliance's secretariat registers attendance in a real browser (see
//! `tests/common/browser.rs` for what the harness needs): it opens the upcoming joint training
//! session of its alliance, registers two people of two member corporations, records the
//! attendance of a session that has started, and opens the attendee's certificate.
#![cfg(unix)]

mod common;

use chiiki_app::access::Principal;
use chiiki_app::training as tr;
use chiiki_domain::Name;
use chiiki_domain::training::{
    Job, Registration, RegistrationFields, RegistrationState, Session, SessionFields,
};
use common::browser::*;

const ALLIANCE: &str = "12-TOKATSU-NANBU";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretariat_registers_people_and_records_attendance() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = App::start().await;
    let store = app.t.store();
    let admin = Principal::system("test");
    let scope = tr::parse_scope(ALLIANCE).unwrap();
    let now = chrono::Local::now().naive_local();
    let upcoming = tr::sessions(store, &admin, &scope, now)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.session.start > now)
        .unwrap();
    let course = upcoming.course.clone();
    // A session that started an hour ago, with two registrations made before it (a session
    // cannot move into the past in a browser).
    let start = now - chrono::Duration::hours(1);
    let started = chiiki_store::documents::put(
        store,
        "test",
        &Session::new(SessionFields {
            id: 0,
            course: course.id,
            scope: scope.clone(),
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
    let mut regs = Vec::new();
    for (person, org) in [
        ("架空 出席花子", "医療法人弘仁会"),
        ("架空 欠席太郎", "医療法人社団誠馨会"),
    ] {
        let r = Registration::new(RegistrationFields {
            id: 0,
            session: started.id,
            scope: scope.clone(),
            person: Name::parse(person).unwrap(),
            organisation: Name::parse(org).unwrap(),
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

    // The secretariat reaches the joint training from its alliance's tabs.
    b.log_in(&app, "tokatsu").await;
    b.wait_for_path(&format!("/alliances/{ALLIANCE}")).await;
    b.click("#tab-training").await;
    b.wait_for_path(&format!("/training/{ALLIANCE}")).await;
    b.wait_for_text("#upcoming", course.title.as_str()).await;

    // The upcoming session: register two people of two members.
    b.click(&format!("#session-{}", upcoming.session.id)).await;
    b.wait_for_path(&format!(
        "/training/{ALLIANCE}/sessions/{}",
        upcoming.session.id
    ))
    .await;
    let taken: usize = b.text("#taken").await.parse().unwrap();
    for (person, org, job) in [
        ("架空 船橋一郎", "医療法人弘仁会", "doctor"),
        ("架空 習志野二葉", "医療法人社団ヨゼフ会", "nurse"),
    ] {
        b.type_into("#register-form input[name=person]", person)
            .await;
        b.select("#register-form select[name=organisation]", org)
            .await;
        b.select("#register-form select[name=job]", job).await;
        b.click("#register-form button[type=submit]").await;
        b.wait_for_text("#registered", person).await;
    }
    let rows = b.cells("#registered").await;
    assert!(
        rows.iter()
            .any(|r| r.iter().any(|c| c == "医療法人社団ヨゼフ会")),
        "{rows:?}"
    );
    assert_eq!(b.text("#taken").await, (taken + 2).to_string());
    b.phone_screenshot("training-session", Some("#registered"))
        .await;

    // The started session: attendance for one of the two, then their certificate.
    b.goto(&app.url(&format!("/training/{ALLIANCE}/sessions/{}", started.id)))
        .await;
    b.wait_for_text("#registered", "架空 出席花子").await;
    b.click(&format!("#att-{}", regs[0].id)).await;
    b.click("#record-attendance").await;
    b.wait_for_text(&format!("#reg-{} .state", regs[0].id), "出席")
        .await;
    assert_eq!(b.text(&format!("#reg-{} .state", regs[1].id)).await, "欠席");
    assert!(
        b.all(&format!("#cert-{}", regs[1].id)).await.is_empty(),
        "no certificate for the absent"
    );
    b.click(&format!("#cert-{}", regs[0].id)).await;
    b.wait_for_path(&format!("/training/{ALLIANCE}/certificates/{}", regs[0].id))
        .await;
    assert_eq!(b.text("#certificate-person").await, "架空 出席花子");
    assert!(
        b.text("#certificate-course")
            .await
            .contains(course.title.as_str())
    );
    assert!(b.text("#certificate-issuer").await.contains("東葛南部"));
    assert!(b.text("#certificate-date").await.contains("令和"));
    b.screenshot("training-certificate").await;

    // The yearly attendance: FY2025's shortfalls of the demo are highlighted.
    b.goto(&app.url(&format!("/training/{ALLIANCE}/attendance?fy=2025")))
        .await;
    let short = b.wait_for_text("#attendance tr.shortfall", "不足").await;
    assert!(short.contains("医療法人社団"), "{short}");
    b.phone_screenshot("training-attendance", Some("#attendance"))
        .await;
    b.goto(&app.url(&format!("/training/{ALLIANCE}"))).await;
    b.wait_for_text("#past", course.title.as_str()).await;
    b.phone_screenshot("training-home", Some("#upcoming")).await;
    b.close().await;
}
