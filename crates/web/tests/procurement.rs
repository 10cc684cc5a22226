//! Joint procurement over HTTP: a real server on port 0 with the demo loaded (on SQLite and,
//! when CHIIKI_TEST_PG_URL is set, PostgreSQL) — the pages per role (404 out of scope, 403
//! where a role may only read), a catalogue item refused at its field and kept (422), CSRF,
//! demands entered and refused, closing, awarding, the savings and the downloads.

mod common;

use common::web::*;

use chiiki_app::access::Principal;
use chiiki_app::procurement as pc;
use chiiki_domain::procurement::{CatalogueItem, TenderState};
use chiiki_domain::{AllianceId, DocScope};
use chiiki_store::documents::{self as docs, Filter};
use chiiki_store::testing;
use reqwest::StatusCode;

/// The demo's tenders: (awarded, open).
async fn demo_tenders(s: &Server) -> (u64, u64) {
    let rows = pc::tenders(
        s.t.store(),
        &Principal::system("test"),
        &AllianceId::parse(TOKATSU).unwrap(),
    )
    .await
    .unwrap();
    let of = |state| {
        rows.iter()
            .find(|r| r.tender.state == state)
            .unwrap()
            .tender
            .id
    };
    (of(TenderState::Awarded), of(TenderState::Open))
}

async fn items(s: &Server) -> Vec<CatalogueItem> {
    let scope = DocScope::Alliance(AllianceId::parse(TOKATSU).unwrap());
    docs::list(s.t.store(), Filter::scope(scope)).await.unwrap()
}

#[tokio::test]
async fn pages_per_role_and_a_tender_from_demands_to_savings() {
    for t in testing::all().await {
        let s = spawn(t).await;
        let base = &s.base;
        let home = format!("{base}/alliances/{TOKATSU}/procurement");
        let (awarded, open) = demo_tenders(&s).await;
        let tender = |id: u64| format!("{home}/tenders/{id}");

        // Who sees what: the secretariat, Chiba's coordinator and auditor and the admin see
        // the pages; Iwate's coordinator finds nothing, as for an alliance that is not there.
        let sec = logged_in(base, "tokatsu").await;
        let (st, html) = get(&sec, &home).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains(r#"id="catalogue""#) && html.contains("ニトリル手袋"));
        assert!(html.contains("4999900000035") && html.contains("1141999F9990"));
        assert!(html.contains(&format!(r#"id="tender-{awarded}""#)));
        assert!(html.contains("¥249,100"), "the awarded tender's saving");
        assert!(
            html.contains(r#"aria-current="page""#) && html.contains(r#"id="tab-procurement""#)
        );
        for user in ["chiba", "chibaaudit", "admin"] {
            let c = logged_in(base, user).await;
            assert_eq!(get(&c, &home).await.0, StatusCode::OK, "{user}");
            assert_eq!(get(&c, &tender(awarded)).await.0, StatusCode::OK, "{user}");
        }
        let iwate = logged_in(base, "iwate").await;
        assert_eq!(get(&iwate, &home).await.0, StatusCode::NOT_FOUND);
        assert_eq!(get(&iwate, &tender(awarded)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            get(&iwate, &format!("{}/tender.xlsx", tender(awarded)))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // A tender under another alliance's address, and one that does not exist.
        let admin = logged_in(base, "admin").await;
        assert_eq!(
            get(
                &admin,
                &format!("{base}/alliances/12-KAZUSA/procurement/tenders/{awarded}")
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&admin, &tender(9_999_999)).await.0,
            StatusCode::NOT_FOUND
        );
        // An auditor reads but has no forms, and a write is refused (403).
        let aud = logged_in(base, "chibaaudit").await;
        let (_, html) = get(&aud, &tender(open)).await;
        assert!(!html.contains(r#"id="demand-form""#) && !html.contains(r#"id="close-form""#));
        let (_, ahome) = get(&aud, &home).await;
        assert!(!ahome.contains(r#"id="item-form""#));
        let csrf = csrf_of(&html);
        let r = post(&aud, &format!("{}/close", tender(open)), &csrf, &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // The awarded tender: savings per member and per item with totals that agree.
        let (_, html) = get(&sec, &tender(awarded)).await;
        assert!(html.contains(r#"id="savings-members-total""#));
        let total_row = |html: &str, id: &str| {
            let i = html.find(&format!(r#"id="{id}""#)).unwrap();
            html[i..i + html[i..].find("</tr>").unwrap()].to_string()
        };
        for id in ["savings-members-total", "savings-items-total"] {
            let row = total_row(&html, id);
            assert!(
                row.contains("¥4,150,200") && row.contains("¥3,901,100"),
                "{row}"
            );
            assert!(row.contains("¥249,100"), "{row}");
        }
        assert!(html.contains("¥45,000") && html.contains("¥107,400"));
        assert!(
            !html.contains(r#"id="award-form""#),
            "awarded: no award form"
        );

        // Catalogue: a wrong check digit is said at the JAN field in both languages, the
        // input kept; CSRF refused; then a good item is added.
        let (_, page) = get(&sec, &home).await;
        let csrf = csrf_of(&page);
        let item = [
            ("name", "サージカルマスク 50枚入（架空）"),
            ("kind", "material"),
            ("yj", ""),
            ("jan", "4999900000050"),
            ("unit", "箱"),
        ];
        let r = post(&sec, &format!("{home}/items"), &csrf, &item).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        let at_field = &html[html.find(r#"id="item-jan-error""#).unwrap()..];
        let at_field = &at_field[..at_field.find("</span></span>").unwrap()];
        assert!(
            at_field.contains("チェックデジット") && at_field.contains("check digit"),
            "{at_field}"
        );
        assert!(
            at_field.contains("9"),
            "the right check digit is given: {at_field}"
        );
        assert!(html.contains(r#"value="4999900000050""#) && html.contains("サージカルマスク"));
        assert!(html.contains(r#"id="problem""#));
        let before = items(&s).await.len();
        let r = post(&sec, &format!("{home}/items"), "wrong", &item).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let mut good = item;
        good[3].1 = "4999900000059";
        let r = post(&sec, &format!("{home}/items"), &csrf, &good).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(items(&s).await.len(), before + 1);
        // A YJ code on a material is said at the YJ field.
        let mut yj = good;
        yj[2].1 = "1141999F9990";
        yj[3].1 = "";
        let r = post(&sec, &format!("{home}/items"), &csrf, &yj).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"id="item-yj-error"><span class="field-error">"#));

        // Demands on the open tender.
        let catalogue = items(&s).await;
        let gloves = catalogue
            .iter()
            .find(|i| i.name.as_str().contains("手袋"))
            .unwrap()
            .id
            .to_string();
        let drug = catalogue[0].id.to_string();
        let demands = format!("{}/demands", tender(open));
        let r = post(
            &sec,
            &demands,
            &csrf,
            &[
                ("member", "架空医療法人（非参加）"),
                ("item", &drug),
                ("quantity", "120"),
                ("current_price", "1,480"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("参加法人ではありません") && html.contains("not a member"));
        assert!(html.contains(r#"value="120""#) && html.contains(r#"value="1,480""#));
        let r = post(
            &sec,
            &demands,
            &csrf,
            &[
                ("member", "医療法人弘仁会"),
                ("item", &drug),
                ("quantity", "abc"),
                ("current_price", "1480"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"id="demand-quantity-error"><span class="field-error">"#));
        for (member, item, q, p) in [
            ("医療法人弘仁会", drug.as_str(), "120", "¥1,480"),
            ("医療法人社団ヨゼフ会", gloves.as_str(), "１００", "1150"),
        ] {
            let r = post(
                &sec,
                &demands,
                &csrf,
                &[
                    ("member", member),
                    ("item", item),
                    ("quantity", q),
                    ("current_price", p),
                ],
            )
            .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{member}");
        }
        // The same member and item again: refused.
        let r = post(
            &sec,
            &demands,
            &csrf,
            &[
                ("member", "医療法人弘仁会"),
                ("item", &drug),
                ("quantity", "5"),
                ("current_price", "1"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (_, html) = get(&sec, &tender(open)).await;
        // Gloves: the demo's 480 of 白羽会 and 100 of ヨゼフ会.
        assert!(html.contains("¥177,600"), "120 × 1,480");
        let total = total_row(&html, "sheet-total");
        assert!(
            total.contains("700") && total.contains("¥863,800"),
            "{total}"
        );

        // Close, then award: a price that is not a number is said, the input kept.
        let r = post(&sec, &format!("{}/close", tender(open)), &csrf, &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&sec, &tender(open)).await;
        assert!(html.contains(r#"id="tender-state" class="state-closed""#));
        assert!(!html.contains(r#"id="demand-form""#) && html.contains(r#"id="award-form""#));
        let award = format!("{}/award", tender(open));
        let (pd, sd) = (format!("price-{drug}"), format!("supplier-{drug}"));
        let (pg, sg) = (format!("price-{gloves}"), format!("supplier-{gloves}"));
        let r = post(
            &sec,
            &award,
            &csrf,
            &[
                (&pd, "1,390"),
                (&sd, "架空メディカル卸"),
                (&pg, "安い"),
                (&sg, "架空衛生材料"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(r#"value="安い""#) && html.contains(r#"value="1,390""#));
        let r = post(
            &sec,
            &award,
            &csrf,
            &[
                (&pd, "1,390"),
                (&sd, "架空メディカル卸"),
                (&pg, "1200"),
                (&sg, "架空衛生材料"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = get(&sec, &tender(open)).await;
        assert!(html.contains(r#"class="state-awarded""#));
        // 弘仁会 saves 120 × 90; ヨゼフ会 pays 50 more per box (a loss), 白羽会 saves −10 × 480.
        let members = total_row(&html, "savings-members-total");
        let expected = 120 * 90 - 100 * 50 - 480 * 10;
        assert_eq!(expected, 1_000);
        assert!(members.contains("¥1,000"), "{members}");
        assert!(html.contains("−¥5,000（損失）"), "a loss is shown as such");

        // Downloads.
        let r = sec
            .get(format!("{}/tender.xlsx", tender(awarded)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        let r = sec
            .get(format!("{}/items.csv", tender(awarded)))
            .send()
            .await
            .unwrap();
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = r.text().await.unwrap();
        assert!(
            csv.contains("ニトリル手袋") && csv.contains("4150200"),
            "{csv}"
        );
        assert_eq!(
            get(&sec, &format!("{}/other.pdf", tender(awarded))).await.0,
            StatusCode::NOT_FOUND
        );
        let (st, css) = get(&sec, &format!("{base}/static/procurement.css")).await;
        assert!(st == StatusCode::OK && css.contains("td.loss"));
    }
}
