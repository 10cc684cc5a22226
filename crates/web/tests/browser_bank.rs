//! The doctor bank in a real browser (see `tests/common/browser.rs` for what the harness
//! needs): a doctor returning after 12 months of childcare leave fills in their profile,
//! finds the post offering both short hours and childcare ranked first with its reasons,
//! applies and sees the application as 応募; the centre's coordinator then sees it and
//! introduces the doctor, and moves it on to the interview.
#![cfg(unix)]

mod common;

use common::browser::*;

/// The id attribute of the first row of `table` whose text contains `needle`.
async fn row_with(b: &Browser, table: &str, needle: &str) -> String {
    b.until(&format!("a row of {table} with {needle}"), || async move {
        for row in b.all(&format!("{table} tbody tr")).await {
            if row.text().await.ok()?.contains(needle) {
                return row.attr("id").await.ok()?;
            }
        }
        None
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_doctor_finds_the_post_with_short_hours_and_childcare_and_applies() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = App::start().await;
    let both = "院内保育あり、短時間勤務可、復職研修あり";

    // The doctor has no profile yet: the page says so and shows the form.
    b.log_in(&app, "doctor").await;
    b.click("header.site a[href='/bank']").await;
    b.wait_for_path("/bank").await;
    b.wait_for_text("#no-profile", "まだ登録していません").await;

    // A returning doctor: 12 months of childcare leave, needing short hours and childcare.
    b.select("#p-specialty", "internal_medicine").await;
    b.type_into("#p-years", "9").await;
    b.click("#p-emp-part_time").await;
    b.type_into("#p-max-hours", "30").await;
    b.click("#p-returning").await;
    b.type_into("#p-leave-months", "12").await;
    b.select("#p-leave-reason", "childcare").await;
    b.click("#p-support-short_hours").await;
    b.click("#p-support-childcare").await;
    b.click("#p-save").await;

    // The posts ranked for them: the one with both first, each reason shown.
    let first = b.wait_for_text("#ranked > li:first-child", both).await;
    assert!(first.contains("応募できます"), "{first}");
    assert!(
        first.contains("✓ 短時間勤務が可能") && first.contains("✓ 院内保育あり"),
        "{first}"
    );
    let reasons = b.texts("#ranked > li:first-child .reasons li").await;
    assert!(reasons.iter().all(|r| r.starts_with('✓')), "{reasons:?}");
    // A post without short hours is ruled out, said why.
    let all = b.texts("#ranked > li").await;
    assert!(
        all.iter().any(|p| p.contains("✗ 短時間勤務が必要だが不可")),
        "{all:?}"
    );
    // The profile kept what was typed.
    assert_eq!(b.value("#p-leave-months").await, "12");
    b.screenshot("bank-ranked").await;

    // Apply: the application is there as 応募.
    b.click("#ranked > li:first-child button.apply").await;
    b.wait_for_text("#my-apps tbody", both).await;
    let rows = b.cells("#my-apps").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], "応募", "{rows:?}");
    assert!(
        b.all("#ranked > li:first-child button.apply")
            .await
            .is_empty()
    );
    b.phone_screenshot("bank-doctor", Some("#my-apps")).await;
    b.log_out().await;

    // The coordinator sees the application and introduces the doctor.
    b.log_in(&app, "iwate").await;
    b.goto(&app.url("/bank")).await;
    let id = row_with(&b, "#apps", "doctor(架空)").await;
    let row = b.text(&format!("#{id}")).await;
    assert!(
        row.contains(both) && row.contains("応募") && row.contains("復職"),
        "{row}"
    );
    b.click(&format!("#{id} a[href^='/bank/posts/']")).await;
    b.wait_for_text("#post-title", both).await;
    // The doctor is not visible to facilities, so not a candidate; the application is here.
    b.select(&format!("#{id} select[name=to]"), "introduced")
        .await;
    b.click(&format!("#{id} button[type=submit]")).await;
    b.wait_for_text(&format!("#{id} .state"), "紹介済").await;
    b.select(&format!("#{id} select[name=to]"), "interview")
        .await;
    b.click(&format!("#{id} button[type=submit]")).await;
    b.wait_for_text(&format!("#{id} .state"), "面談").await;
    let history = b.text(&format!("#{id}")).await;
    assert!(
        history.contains("応募") && history.contains("紹介済"),
        "{history}"
    );
    b.phone_screenshot("bank-post", Some(&format!("#{id}")))
        .await;

    // The year's figures as the prefecture would publish them.
    b.goto(&app.url("/bank/figures?fy=2025")).await;
    let placed = b.wait_for_text("#fig-placements", "就任件数").await;
    assert!(placed.ends_with('2'), "{placed}");
    b.screenshot("bank-figures").await;
    b.log_out().await;
    b.close().await;
}
