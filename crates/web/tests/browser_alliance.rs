//! An alliance's secretariat in a real browser (see `tests/common/browser.rs` for what the
//! harness needs): it records a staff loan that the lent doctor's hours then count, and books
//! shared equipment, a conflicting booking being refused with the other named.
#![cfg(unix)]

mod common;

use common::browser::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretariat_records_a_loan_the_doctors_hours_count_and_books_equipment() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = App::start().await;
    let alliance = "/alliances/12-TOKATSU-NANBU";

    // Home is the alliance: its members, and nothing of the register in the navigation.
    b.log_in(&app, "tokatsu").await;
    b.wait_for_path(alliance).await;
    let members = b.texts("#members tbody tr").await;
    assert_eq!(members.len(), 4, "{members:?}");
    assert!(members[3].contains("医療法人社団誠馨会"));
    assert!(b.all("header.site a[href='/doctors']").await.is_empty());
    b.screenshot("alliance").await;

    // A loan with a line the form cannot read: the problem is said, the input kept.
    b.click("#tab-loans").await;
    b.wait_for_path(&format!("{alliance}/loans")).await;
    let today = chrono::Local::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    let first = format!("{month}-01");
    b.select("#loan-form select[name=from]", "医療法人弘仁会")
        .await;
    b.select("#loan-form select[name=to]", "医療法人社団誠馨会")
        .await;
    b.type_into("#loan-form input[name=person]", "架空 千葉太郎")
        .await;
    b.select("#loan-form select[name=role]", "doctor").await;
    b.type_into("#loan-form input[name=doctor]", "DEMO-12-001")
        .await;
    // Dates go in through script: typing into a date input depends on the locale.
    set_value(&b, "#loan-form input[name=start]", &first).await;
    set_value(&b, "#loan-form input[name=end]", &first).await;
    b.type_into("#loan-form textarea[name=months]", &format!("{month} 四十"))
        .await;
    b.click("#loan-form button[type=submit]").await;
    let problem = b.wait_for_text("#problem", "1行目").await;
    assert!(problem.contains("line 1"), "{problem}");
    assert_eq!(
        b.value("#loan-form input[name=person]").await,
        "架空 千葉太郎"
    );
    b.type_into(
        "#loan-form textarea[name=months]",
        &format!("{month} 40 12"),
    )
    .await;
    b.click("#loan-form button[type=submit]").await;
    b.wait_for_text("#loans tbody", "架空 千葉太郎").await;
    let rows = b.cells("#loans").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].iter().any(|c| c == "DEMO-12-001"), "{rows:?}");
    assert!(rows[0].iter().any(|c| c == "40") && rows[0].iter().any(|c| c == "12"));
    b.log_out().await;

    // The administrator reads the lent doctor's hours: the loan's overtime, once.
    b.log_in(&app, "admin").await;
    b.goto(&app.url(&format!("/dispatch/hours?month={month}&pref=12")))
        .await;
    let row = b.wait_for_text("#h-DEMO-12-001", "DEMO-12-001").await;
    assert!(row.contains("12.0"), "{row}");
    b.log_out().await;

    // Equipment: book the X-ray unit three weeks ahead, then try the same slot.
    b.log_in(&app, "tokatsu").await;
    let day = (today + chrono::Duration::days(21)).to_string();
    b.goto(&app.url(&format!("{alliance}/equipment?week={day}")))
        .await;
    b.wait_for_text("#calendar", "移動式X線撮影装置").await;
    let book = |by: &'static str, from: &'static str, to: &'static str| {
        let b = &b;
        let day = day.clone();
        async move {
            b.select("#book-form select[name=by]", by).await;
            set_value(b, "#book-form input[name=start_date]", &day).await;
            set_value(b, "#book-form input[name=start_time]", from).await;
            set_value(b, "#book-form input[name=end_date]", &day).await;
            set_value(b, "#book-form input[name=end_time]", to).await;
            b.click("#book-form button[type=submit]").await;
        }
    };
    book("医療法人社団誠馨会", "09:00", "12:00").await;
    b.wait_for_text("#calendar", "09:00–12:00 医療法人社団誠馨会")
        .await;
    book("医療法人社団ヨゼフ会", "11:00", "13:00").await;
    let problem = b.wait_for_text("#problem", "重なる").await;
    assert!(
        problem.contains("医療法人社団誠馨会") && problem.contains("overlaps"),
        "{problem}"
    );
    b.screenshot("alliance-equipment-conflict").await;
    b.close().await;
}

/// Sets an input's value as a user's picker would.
async fn set_value(b: &Browser, css: &str, value: &str) {
    b.c.execute(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
         e.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![css.into(), value.into()],
    )
    .await
    .unwrap_or_else(|e| panic!("setting `{css}`: {e}"));
}
