//! A secretariat runs a joint tender in a real browser (see `tests/common/browser.rs` for
//! what the harness needs): it opens the demo's open tender from its alliance's procurement
//! tab, enters the demands of two member corporations, closes the tender, enters the awarded
//! prices of the items and sees the savings per member with the totals.
#![cfg(unix)]

mod common;

use chiiki_app::access::Principal;
use chiiki_app::procurement as pc;
use chiiki_domain::AllianceId;
use chiiki_domain::procurement::TenderState;
use common::browser::*;

const ALLIANCE: &str = "12-TOKATSU-NANBU";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretariat_runs_a_joint_tender() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = App::start().await;
    let store = app.t.store();
    let admin = Principal::system("test");
    let id = AllianceId::parse(ALLIANCE).unwrap();
    let open = pc::tenders(store, &admin, &id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.tender.state == TenderState::Open)
        .unwrap()
        .tender;
    let items = pc::catalogue(store, &admin, &id).await.unwrap();
    let drug = items
        .iter()
        .find(|i| i.name.as_str().contains("アセトアミノフェン"))
        .unwrap()
        .id;
    let gloves = items
        .iter()
        .find(|i| i.name.as_str().contains("手袋"))
        .unwrap()
        .id;

    // The secretariat reaches the tender from its alliance's tabs.
    b.log_in(&app, "tokatsu").await;
    b.wait_for_path(&format!("/alliances/{ALLIANCE}")).await;
    b.click("#tab-procurement").await;
    b.wait_for_path(&format!("/alliances/{ALLIANCE}/procurement"))
        .await;
    b.wait_for_text("#tenders", "募集中").await;
    b.click(&format!("#tender-{}", open.id)).await;
    let page = format!("/alliances/{ALLIANCE}/procurement/tenders/{}", open.id);
    b.wait_for_path(&page).await;
    assert_eq!(b.text("#tender-state").await, "募集中");

    // Two members' demands: a form row each.
    for (member, item, quantity, price) in [
        ("医療法人弘仁会", drug, "120", "1,480"),
        ("医療法人社団ヨゼフ会", gloves, "100", "1150"),
    ] {
        b.select("#demand-form select[name=member]", member).await;
        b.select("#demand-form select[name=item]", &item.to_string())
            .await;
        b.type_into("#demand-form input[name=quantity]", quantity)
            .await;
        b.type_into("#demand-form input[name=current_price]", price)
            .await;
        b.click("#demand-submit").await;
        b.wait_for_text("#lines", member).await;
    }
    // The aggregated tender: gloves of two members (the demo's 480 of 白羽会 and 100).
    let gloves_row = b.text(&format!("#sheet-item-{gloves}")).await;
    assert!(gloves_row.contains("580"), "{gloves_row}");
    let total = b.text("#sheet-total").await;
    assert!(
        total.contains("700") && total.contains("¥863,800"),
        "{total}"
    );
    b.phone_screenshot("procurement-tender-open", Some("#sheet-items"))
        .await;

    // Close it: no more demands, the award form instead.
    b.click("#close-tender").await;
    b.wait_for_text("#tender-state", "締切").await;
    assert!(b.all("#demand-form").await.is_empty());

    // The awarded prices of the two items.
    for (item, price, supplier) in [
        (drug, "1390", "架空メディカル卸株式会社"),
        (gloves, "1,100", "架空衛生材料株式会社"),
    ] {
        b.type_into(&format!("#price-{item}"), price).await;
        b.type_into(&format!("#supplier-{item}"), supplier).await;
    }
    b.click("#award-submit").await;
    b.wait_for_text("#tender-state", "落札").await;

    // Savings per member: 弘仁会 120 × 90, ヨゼフ会 100 × 50, 白羽会 480 × 90; the totals
    // row adds them up, and the per-item totals agree.
    let rows = b.cells("#savings-members").await;
    let members = b.texts("#savings-members tbody tr").await;
    let line = |name: &str| {
        members
            .iter()
            .find(|l| l.contains(name))
            .cloned()
            .unwrap_or_default()
    };
    assert!(line("医療法人弘仁会").contains("¥10,800"), "{members:?}");
    assert!(
        line("医療法人社団ヨゼフ会").contains("¥5,000"),
        "{members:?}"
    );
    assert!(
        line("医療法人社団白羽会").contains("¥43,200"),
        "{members:?}"
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    let total = b.text("#savings-members-total").await;
    assert!(total.contains("¥59,000"), "{total}");
    assert!(
        b.text("#savings-items-total").await.contains("¥59,000"),
        "the per-item totals agree"
    );
    b.screenshot("procurement-savings").await;
    b.phone_screenshot("procurement-savings", Some("#savings-members"))
        .await;
    b.close().await;
}
