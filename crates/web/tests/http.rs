//! The web application over HTTP: a real server on port 0 with the demo loaded, on SQLite
//! and on PostgreSQL.

use chiiki_store::testing;

async fn spawn(t: &testing::TestStore) -> String {
    chiiki_app::load_demo(t.store()).await.expect("demo loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = chiiki_web::router(t.shared());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn register_pages_show_the_demo() {
    for t in testing::all().await {
        let base = spawn(&t).await;
        let (s, body) = get(&format!("{base}/health")).await;
        assert_eq!(
            (s, body.as_str()),
            (200, r#"{"status":"ok"}"#),
            "on {}",
            t.name()
        );

        let (s, home) = get(&format!("{base}/")).await;
        assert_eq!(s, 200);
        assert!(
            home.contains(">300<"),
            "300 doctors on the home page ({})",
            t.name()
        );

        let (s, areas) = get(&format!("{base}/areas")).await;
        assert_eq!(s, 200);
        for name in [
            "盛岡",
            "岩手中部",
            "胆江",
            "両磐",
            "気仙",
            "釜石",
            "宮古",
            "久慈",
            "二戸",
        ] {
            assert!(areas.contains(name), "{name}");
        }

        let (s, kamaishi) = get(&format!("{base}/areas/0306")).await;
        assert_eq!(s, 200);
        assert!(kamaishi.contains("岩手県立釜石病院"));
        assert!(kamaishi.contains("釜石市") && kamaishi.contains("大槌町"));

        let (s, hospital) = get(&format!("{base}/facilities/R7-0301-14")).await;
        assert_eq!(s, 200);
        assert!(hospital.contains("岩手医科大学附属病院"));
        assert!(hospital.contains("矢巾町"));
        assert!(hospital.contains("病床機能報告"), "source credit shown");

        let (s, filtered) = get(&format!("{base}/facilities?area=0306")).await;
        assert_eq!(s, 200);
        assert!(
            filtered.contains("岩手県立釜石病院") && !filtered.contains("岩手医科大学附属病院")
        );

        let (s, repaid) = get(&format!("{base}/doctors?status=repaid")).await;
        assert_eq!(s, 200);
        assert!(repaid.contains("<td>返還</td>") && !repaid.contains("<td>在籍</td>"));

        let (s, doctors) = get(&format!("{base}/doctors?year=2018")).await;
        assert_eq!(s, 200);
        assert!(doctors.contains("20人"), "20 doctors graduated in 2018");
        assert!(doctors.contains("DEMO-2018-001"));

        let (s, doctor) = get(&format!("{base}/doctors/DEMO-2018-001")).await;
        assert_eq!(s, 200);
        assert!(doctor.contains("初期臨床研修") && doctor.contains("平成30年4月1日"));
        assert!(doctor.contains("架空 synthetic"));

        for missing in [
            "/doctors/NOPE",
            "/facilities/NOPE",
            "/areas/9999",
            "/areas/x",
            "/nothing",
        ] {
            let (s, body) = get(&format!("{base}{missing}")).await;
            assert_eq!(s, 404, "{missing}");
            assert!(body.contains("見つかりません"));
        }
    }
}

#[tokio::test]
async fn doctors_are_paged() {
    let t = testing::sqlite().await;
    let base = spawn(&t).await;
    let (_, first) = get(&format!("{base}/doctors")).await;
    assert!(first.contains("DEMO-2012-001") && !first.contains("DEMO-2015-001"));
    assert!(first.contains("page=1"));
    let (_, second) = get(&format!("{base}/doctors?page=1")).await;
    assert!(second.contains("DEMO-2014-011") && !second.contains("DEMO-2012-001"));
}
