//! An alliance's emergency mutual support in a real browser (see `tests/common/browser.rs`
//! for what the harness needs): the secretariat records an incident, a request for two
//! nurses from one facility and an offer from another, accepts it, and reads the request met
//! in the event's log.
#![cfg(unix)]

mod common;

use common::browser::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretariat_records_an_incident_a_request_an_offer_and_accepts_it() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = App::start().await;
    let alliance = "/alliances/12-TOKATSU-NANBU";

    b.log_in(&app, "tokatsu").await;
    b.wait_for_path(alliance).await;
    b.click("#tab-aid").await;
    b.wait_for_path(&format!("{alliance}/aid")).await;
    // The demo's past drill is there, its request met.
    b.wait_for_text("#events-h + article", "連絡網訓練").await;

    // An incident, starting now (the form's default time).
    b.select("#event-form select[name=kind]", "disaster").await;
    b.type_into("#event-form input[name=title]", "架空の豪雨災害（訓練用）")
        .await;
    b.click("#event-form button[type=submit]").await;
    b.wait_for_text("main", "架空の豪雨災害（訓練用）").await;

    // A request for two nurses from 板倉病院: first with a quantity the form cannot read.
    b.select("#request-form select[name=from]", "板倉病院")
        .await;
    b.select("#request-form select[name=resource1]", "staff:nurse")
        .await;
    b.type_into("#request-form input[name=quantity1]", "二")
        .await;
    b.type_into("#request-form input[name=note]", "架空の病棟で夜勤が不足")
        .await;
    b.click("#request-form button[type=submit]").await;
    let problem = b.wait_for_text("#problem", "数量").await;
    assert!(problem.contains("quantity"), "{problem}");
    assert_eq!(
        b.value("#request-form input[name=note]").await,
        "架空の病棟で夜勤が不足"
    );
    b.type_into("#request-form input[name=quantity1]", "2")
        .await;
    b.click("#request-form button[type=submit]").await;
    b.wait_for_text("main", "架空の病棟で夜勤が不足").await;
    let state = b.text("[id^='state-']:not(.state-met)").await;
    assert_eq!(state, "募集中");

    // An offer of two nurses from セコメディック病院.
    let form = "form[id^='response-form-']";
    b.select(&format!("{form} select[name=from]"), "セコメディック病院")
        .await;
    b.type_into(&format!("{form} input[name=quantity]"), "2")
        .await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.wait_for_text("main", "未受諾").await;
    b.screenshot("aid-offer").await;

    // Accept it: the request is met.
    b.click("button[id^='accept-']").await;
    b.until("the request met", || {
        let b = &b;
        async move { (b.all(".state-met").await.len() == 2).then_some(()) }
    })
    .await;
    assert!(b.all("form[id^='response-form-']").await.is_empty());

    // The event's log: in time order, the offer accepted, the request met.
    b.click("a[id^='event-link-']").await;
    let log = b.wait_for_text("#log", "（受諾）").await;
    assert!(log.contains("架空の豪雨災害（訓練用）"), "{log}");
    assert!(log.contains("「板倉病院」が支援を要請"), "{log}");
    assert!(
        log.contains("「セコメディック病院」が「板倉病院」の要請"),
        "{log}"
    );
    let lines = b.texts("#log li").await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("開始") && lines[2].contains("（受諾）"));
    let state = b.text(".state-met").await;
    assert_eq!(state, "充足");
    let coverage = b.cells("table[id^='coverage-']").await;
    assert_eq!(coverage, vec![vec!["2", "2", "2", "0"]], "{coverage:?}");
    b.phone_screenshot("aid-event-phone", None).await;

    // The call trees, drawn in calling order: 院長 calls 事務長 and 看護部長 in turn.
    b.resize(DESKTOP).await;
    b.goto(&app.url(&format!("{alliance}/aid/contacts"))).await;
    let tree = b.wait_for_text("ul.tree", "夜間当直師長").await;
    let order: Vec<usize> = ["院長", "事務長", "総務課長", "看護部長", "夜間当直師長"]
        .iter()
        .map(|p| tree.find(p).unwrap_or(usize::MAX))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{tree}");
    b.screenshot("aid-contacts").await;
    b.close().await;
}
