//! The `chiiki` binary as a user runs it: exit codes, output formats, the demo, round trips.

use std::path::Path;
use std::process::{Command, Output};

fn chiiki(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chiiki"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("CHIIKI_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

fn db_in(dir: &Path) -> String {
    dir.join("x.db").display().to_string()
}

#[test]
fn demo_lists_real_hospitals_and_synthetic_doctors() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let facilities: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["list", "facilities", "--format", "json"],
    )))
    .unwrap();
    let list = facilities.as_array().unwrap();
    assert_eq!(list.len(), 131 + 40);
    let iwa = list
        .iter()
        .find(|f| f["name"] == "岩手医科大学附属病院")
        .expect("a real hospital");
    assert_eq!(iwa["area"], "0301");
    assert!(iwa["coordinates"]["lat"].as_f64().unwrap() > 39.0);
    assert_eq!(iwa["synthetic"], false);

    let doctors: serde_json::Value =
        serde_json::from_str(&ok(&chiiki(&db, &["list", "doctors", "--format", "json"]))).unwrap();
    let doctors = doctors.as_array().unwrap();
    // Iwate's 300 obligated doctors and the Chiba alliance's doctor, all synthetic.
    assert_eq!(doctors.len(), 301);
    assert_eq!(doctors.iter().filter(|d| d["pref"] == "03").count(), 300);
    assert!(doctors.iter().all(|d| d["synthetic"] == true));

    let repaid = ok(&chiiki(
        &db,
        &["list", "doctors", "--status", "repaid", "--format", "csv"],
    ));
    assert!(repaid.lines().count() > 1 && repaid.lines().skip(1).all(|l| l.contains("返還")));

    // Lists are streamed page by page; the bytes are those of an export.
    let listed = dir.path().join("listed.csv");
    let exported = dir.path().join("exported.csv");
    ok(&chiiki(
        &db,
        &[
            "list",
            "doctors",
            "--format",
            "csv",
            "--output",
            listed.to_str().unwrap(),
        ],
    ));
    ok(&chiiki(
        &db,
        &["export", "doctors", exported.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::read(&listed).unwrap(),
        std::fs::read(&exported).unwrap()
    );
    let none: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["list", "doctors", "--format", "json", "--limit", "0"],
    )))
    .unwrap();
    assert_eq!(none, serde_json::json!([]));
    let seven: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["list", "doctors", "--format", "json", "--limit", "7"],
    )))
    .unwrap();
    assert_eq!(seven.as_array().unwrap().len(), 7);
    assert_eq!(seven[0], doctors[0]);

    let table = ok(&chiiki(&db, &["list", "areas"]));
    assert!(table.contains("釜石") && table.contains("9件"));

    // The demo loads only into an empty database.
    let again = chiiki(&db, &["demo"]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn exit_codes_tell_bad_input_from_failure() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    // Usage errors.
    assert_eq!(chiiki(&db, &["list", "nurses"]).status.code(), Some(2));
    assert_eq!(chiiki(&db, &["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        chiiki(&db, &["list", "doctors", "--area", "99x"])
            .status
            .code(),
        Some(2)
    );
    // A file with a problem: exit 2, the problem located on stderr, nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "医師ID,氏名,性別,生年月日,卒業年月日,都道府県\nT-1,架空 太郎,男,令和2年2月30日,2020-03-20,03\n").unwrap();
    let out = chiiki(&db, &["import", "doctors", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv:2:"), "{stderr}");
    assert!(
        stderr.contains("29日") && stderr.contains("29 days"),
        "{stderr}"
    );
    assert_eq!(
        chiiki(&db, &["show", "doctors", "T-1"]).status.code(),
        Some(2)
    );
    // A missing file.
    assert_eq!(
        chiiki(&db, &["import", "doctors", "/nonexistent.csv"])
            .status
            .code(),
        Some(2)
    );
    // A database that cannot be opened: a failure, not bad input.
    let out = chiiki("/proc/no/such/dir/x.db", &["list", "areas"]);
    assert_eq!(out.status.code(), Some(1));
}

fn round_trip(source: &str, target: &str, dir: &Path) {
    ok(&chiiki(source, &["demo"]));
    ok(&chiiki(target, &["init", "--reference", "03"]));
    for e in ["schemes", "doctors"] {
        let first = dir.join(format!("{e}-1.xlsx"));
        let second = dir.join(format!("{e}-2.xlsx"));
        ok(&chiiki(source, &["export", e, first.to_str().unwrap()]));
        let dry = ok(&chiiki(
            target,
            &["import", e, first.to_str().unwrap(), "--dry-run"],
        ));
        assert!(dry.contains("dry run"), "{dry}");
        ok(&chiiki(target, &["import", e, first.to_str().unwrap()]));
        ok(&chiiki(target, &["export", e, second.to_str().unwrap()]));
        assert_eq!(
            std::fs::read(&first).unwrap(),
            std::fs::read(&second).unwrap(),
            "{e}"
        );
    }
}

#[test]
fn doctors_round_trip_through_xlsx_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db").display().to_string();
    let b = dir.path().join("b.db").display().to_string();
    round_trip(&a, &b, dir.path());
}

#[tokio::test(flavor = "multi_thread")]
async fn doctors_round_trip_through_xlsx_on_postgres() {
    let (Some(a), Some(b)) = (
        chiiki_store::testing::pg_url().await,
        chiiki_store::testing::pg_url().await,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || round_trip(&a, &b, dir.path()))
        .await
        .unwrap();
}

/// The published table of the 330 areas, as bundled.
const PUBLISHED: &str =
    include_str!("../../../data/mhlw_physician_maldistribution_index_R6-01_secondary_areas.csv");

#[test]
fn analyze_prints_the_index_of_the_areas() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let rows: serde_json::Value =
        serde_json::from_str(&ok(&chiiki(&db, &["analyze", "--format", "json"]))).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 9, "Iwate's nine areas");
    let kamaishi = rows.iter().find(|r| r["area_code"] == "0306").unwrap();
    assert_eq!(kamaishi["area_name"], "釜石");
    assert_eq!(kamaishi["maldistribution_index"], 107.8);
    assert_eq!(kamaishi["class"], "shortage");
    assert_eq!(kamaishi["rank"], 330);
    assert!(kamaishi["index_deviation"].as_f64().unwrap() < 40.0);
    for r in rows {
        // Deviation scores, targets and projections for every area.
        for key in [
            "index_deviation",
            "index_deviation_national",
            "hospital_doctors_deviation",
            "beds_deviation",
            "target_doctors_2026",
            "doctors_for_national_2036",
        ] {
            assert!(
                r[key].as_f64().is_some_and(f64::is_finite),
                "{key} of {}",
                r["area_name"]
            );
        }
        let years = r["years"].as_array().unwrap();
        assert_eq!(
            years
                .iter()
                .map(|y| y["year"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            [2020, 2025, 2030, 2035, 2040, 2045, 2050]
        );
        assert!(
            years[4]["population"].as_f64().unwrap() < years[1]["population"].as_f64().unwrap()
        );
        assert!(years[4]["gap"].as_f64().is_some());
        assert_eq!(r["beds"].as_array().unwrap().len(), 4);
    }

    // The national table: 330 rows, each as published.
    let csv = ok(&chiiki(&db, &["analyze", "--national", "--format", "csv"]));
    assert_eq!(csv.lines().count(), 331, "a header and the 330 areas");
    let published: Vec<Vec<&str>> = PUBLISHED
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let ours: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(published.len(), 330);
    for (p, o) in published.iter().zip(&ours) {
        // area_code, area_name, index, …, class (6), rank (7).
        assert_eq!((o[0], o[1]), (p[0], p[3]));
        assert_eq!(
            o[2].parse::<f64>().unwrap(),
            p[4].parse::<f64>().unwrap(),
            "{}",
            p[3]
        );
        let class = match p[8] {
            "医師少数" | "医師少数区域" => "shortage",
            "医師多数" | "医師多数区域" => "surplus",
            _ => "intermediate",
        };
        assert_eq!(o[5], class, "{}", p[3]);
        assert_eq!(o[6], p[9], "{}", p[3]);
    }
    assert!(
        csv.lines()
            .any(|l| l.starts_with("0301,盛岡,244.6,") && l.contains(",surplus,78,"))
    );
    assert!(!csv.contains("NaN") && !csv.contains("inf"));

    // Excel needs a file.
    // Excel to a redirected standard output, or to a file.
    let piped = chiiki(&db, &["analyze", "--format", "xlsx"]);
    assert!(piped.status.success() && piped.stdout.starts_with(b"PK"));
    let book = dir.path().join("analysis.xlsx");
    ok(&chiiki(
        &db,
        &[
            "analyze",
            "--format",
            "xlsx",
            "--output",
            book.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&book).unwrap().starts_with(b"PK"));
}

#[test]
fn analyze_refuses_what_it_cannot_answer() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    // A year outside the projection, an area not in the register, a code that is no code.
    for args in [
        &["analyze", "--year", "2036"][..],
        &["analyze", "--year", "2055"],
        &["analyze", "--area", "1301"],
        &["analyze", "--area", "03x6"],
    ] {
        let out = chiiki(&db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(" / "), "both languages: {stderr}");
        assert!(out.stdout.is_empty());
    }
    // A rate table with a bad cell: where, in both languages.
    let rates = dir.path().join("rates.csv");
    std::fs::write(&rates, "age_group,rate\n0,abc\n").unwrap();
    let out = chiiki(&db, &["analyze", "--rates", rates.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2行目") && stderr.contains("row 2, rate"),
        "{stderr}"
    );
    // One area, one year.
    let csv = ok(&chiiki(
        &db,
        &[
            "analyze", "--area", "0306", "--year", "2040", "--format", "csv",
        ],
    ));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with("0306,釜石,2040,"), "{csv}");
    // 福島県浜通り has no IPSS projection: its gaps are said, never a NaN.
    let json = ok(&chiiki(
        &db,
        &[
            "analyze",
            "--national",
            "--area",
            "0706",
            "--format",
            "json",
        ],
    ));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(rows[0]["target_doctors_2026"].is_null());
    assert!(!rows[0]["gaps"].as_array().unwrap().is_empty());
    assert!(!json.contains("NaN"));
}

#[test]
fn analyze_writes_the_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let out = dir.path().join("report");
    let said = ok(&chiiki(&db, &["analyze", "--html", out.to_str().unwrap()]));
    assert!(said.contains("index.html"), "{said}");
    let nation = std::fs::read_to_string(out.join("index.html")).unwrap();
    let iwate = std::fs::read_to_string(out.join("pref-03.html")).unwrap();
    assert_eq!(nation.matches("<tr data-area=").count(), 330);
    assert_eq!(iwate.matches("<tr data-area=").count(), 9);
    assert!(iwate.contains("<svg") && iwate.contains("data-area=\"0306\""));
    // Only Iwate is in the register: the nation's report links to its page alone.
    assert!(nation.contains("href=\"pref-03.html\""));
    assert!(!nation.contains("href=\"pref-13.html\""));
}

#[test]
fn analyze_prefectures() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let out: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["analyze", "--prefectures", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(out["national"], 255.6);
    let rows = out["prefectures"].as_array().unwrap();
    assert_eq!(rows.len(), 47);
    let iwate = rows.iter().find(|r| r["pref_code"] == "03").unwrap();
    assert_eq!(
        (iwate["rank"].as_u64(), iwate["class"].as_str()),
        (Some(47), Some("shortage"))
    );
}

#[test]
fn obligations_check_a_timeline_and_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    // A timeline file in the exchange format: outside Mie for three years.
    let t = dir.path().join("t.json");
    std::fs::write(
        &t,
        r#"{"doctor": "d-001", "scheme": "mie-late-training",
 "graduation_date": "2015-03-31", "loan_start": "2009-04-01", "loan_end": "2015-03-31",
 "specialist_certified_on": null,
 "periods": [{"start": "2015-04-01", "end": "2017-03-31", "kind": "initial_residency",
              "facility": "三重大学医学部附属病院", "facility_group": "university",
              "in_prefecture": true, "fte": 1.0},
             {"start": "2017-04-01", "end": "2020-03-31", "kind": "specialist_training",
              "facility": "名古屋の病院", "facility_group": "large_medium",
              "in_prefecture": false, "fte": 1.0}]}"#,
    )
    .unwrap();
    let out = ok(&chiiki(
        &db,
        &[
            "obligations",
            "check",
            "--timeline",
            t.to_str().unwrap(),
            "--as-of",
            "2020-04-01",
            "--format",
            "json",
        ],
    ));
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(e["compliant"], false);
    assert_eq!(e["status"], "in_service");
    let v = &e["violations"][0];
    assert_eq!(v["rule"], "rules.outside_prefecture");
    assert!(v["explanation_ja"].as_str().unwrap().contains("県外"));
    assert!(
        v["explanation_en"]
            .as_str()
            .unwrap()
            .contains("outside the prefecture")
    );
    for key in ["counted", "remaining", "risks", "deadline"] {
        assert!(e.get(key).is_some(), "{key}");
    }
    // A bad file: every problem with its path, exit 2.
    std::fs::write(&t, r#"{"doctor": "d", "scheme": "mie-late-training", "graduation_date": "2015-02-30", "periods": [{"start": "2016-04-01", "kind": "golf"}]}"#).unwrap();
    let out = chiiki(
        &db,
        &["obligations", "check", "--timeline", t.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("graduation_date") && stderr.contains("periods[0].kind"),
        "{stderr}"
    );

    // Every demo doctor, and the cohort tables as a workbook.
    ok(&chiiki(&db, &["demo"]));
    let out = ok(&chiiki(
        &db,
        &[
            "obligations",
            "check",
            "--as-of",
            "2026-04-01",
            "--format",
            "json",
        ],
    ));
    let all: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 300);
    let book = dir.path().join("cohort.xlsx");
    ok(&chiiki(
        &db,
        &[
            "obligations",
            "cohort",
            "--format",
            "xlsx",
            "--output",
            book.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&book).unwrap().starts_with(b"PK"));
    // As the issue writes it: `chiiki obligations cohort --format xlsx`, redirected.
    let piped = chiiki(&db, &["obligations", "cohort", "--format", "xlsx"]);
    assert!(piped.status.success() && piped.stdout.starts_with(b"PK"));
    assert_eq!(
        chiiki(&db, &["obligations", "check", "--as-of", "2026-02-30"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn obligations_validate_scheme_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "id = \"my-loan\"\nversion = 1\nkind = \"scholarship\"\npref = \"03\"\nname = { ja = \"例\", en = \"Example\" }\nsource = \"条例\"\n[rules.obligation]\nfixed_years = 9\nsource = \"第1条\"\ndescription = { ja = \"9年\", en = \"9 years\" }\n",
    )
    .unwrap();
    let out = ok(&chiiki(
        &db,
        &["obligations", "validate", good.to_str().unwrap()],
    ));
    assert!(out.contains("my-loan"), "{out}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"my-loan\"\nversion = 1\nkind = \"scholarship\"\npref = \"03\"\nname = { ja = \"例\", en = \"Example\" }\nsource = \"条例\"\n[rules.obligation]\nfixed_yeers = 9\nsource = \"第1条\"\ndescription = { ja = \"9年\", en = \"9 years\" }\n",
    )
    .unwrap();
    let out = chiiki(&db, &["obligations", "validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixed_yeers") && stderr.contains("bad.toml"),
        "{stderr}"
    );
    // A centre's own scheme, used to check a timeline; a bad one stops the check.
    let t = dir.path().join("t.json");
    std::fs::write(
        &t,
        r#"{"doctor": "d", "scheme": "my-loan", "graduation_date": "2015-03-31", "periods": []}"#,
    )
    .unwrap();
    let out = ok(&chiiki(
        &db,
        &[
            "obligations",
            "check",
            "--timeline",
            t.to_str().unwrap(),
            "--scheme",
            good.to_str().unwrap(),
            "--as-of",
            "2016-04-01",
            "--format",
            "json",
        ],
    ));
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (e["scheme"].as_str(), e["required_years"].as_f64()),
        (Some("my-loan"), Some(9.0))
    );
    let out = chiiki(
        &db,
        &[
            "obligations",
            "check",
            "--timeline",
            t.to_str().unwrap(),
            "--scheme",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let schemes = ok(&chiiki(&db, &["obligations", "schemes"]));
    assert!(schemes.contains("mie-late-training") && schemes.contains("gifu-type2"));
}

#[test]
fn place_solves_the_exchange_format_with_each_mechanism() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let input = dir.path().join("i.json");
    std::fs::write(
        &input,
        r#"{"doctors": [{"id": "d1", "preferences": ["f1", "f2"]},
                        {"id": "d2", "preferences": ["f1", "f2"]},
                        {"id": "d3", "preferences": ["f2", "f1"]}],
            "facilities": [{"id": "f1", "capacity": 1, "region": "r1", "priority": ["d2", "d1", "d3"]},
                           {"id": "f2", "capacity": 2, "region": "r2", "priority": ["d1", "d3", "d2"]}],
            "regions": [{"id": "r1", "cap": 10, "floor": 0}, {"id": "r2", "cap": 10, "floor": 1}],
            "couples": []}"#,
    )
    .unwrap();
    let out = dir.path().join("r.json");
    // The doctor-optimal stable matching: d2 at f1 (its top priority), d1 and d3 at f2.
    ok(&chiiki(
        &db,
        &[
            "place",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--algorithm",
            "da",
        ],
    ));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(r["assignment"]["d1"], "f2");
    assert_eq!(r["assignment"]["d2"], "f1");
    assert_eq!(r["assignment"]["d3"], "f2");
    assert!(
        r["guarantees"].to_string().contains("stable"),
        "{}",
        r["guarantees"]
    );
    assert!(
        r["promised"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["verified"] != false)
    );
    assert!(r.get("stats").is_some());
    // d1's first choice f1 is full with d2, whom it ranks higher: by default the entry has
    // its structured reason and the sentence is the doctor's only.
    let d1 = &r["explanations"]["doctors"][0];
    assert_eq!(d1["why_not"][0]["facility"], "f1");
    assert_eq!(d1["why_not"][0]["reason"]["kind"], "full");
    assert_eq!(d1["why_not"][0]["reason"]["lowest_holder"], "d2");
    assert!(d1["why_not"][0].get("text").is_none(), "{d1}");
    assert!(
        d1["text"]["en"].as_str().unwrap().contains("2nd choice"),
        "{d1}"
    );
    let every = ok(&chiiki(
        &db,
        &[
            "place",
            "--input",
            input.to_str().unwrap(),
            "--sentences",
            "every",
        ],
    ));
    let every: serde_json::Value = serde_json::from_str(&every).unwrap();
    let why = &every["explanations"]["doctors"][0]["why_not"][0];
    assert!(
        why["text"]["ja"].as_str().unwrap().contains("満員"),
        "{why}"
    );
    assert_eq!(why["reason"], d1["why_not"][0]["reason"]);
    let bad = chiiki(
        &db,
        &[
            "place",
            "--input",
            input.to_str().unwrap(),
            "--sentences",
            "all",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    for algorithm in ["regional-caps", "floors", "couples", "optimise"] {
        let out = ok(&chiiki(
            &db,
            &[
                "place",
                "--input",
                input.to_str().unwrap(),
                "--algorithm",
                algorithm,
            ],
        ));
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["algorithm"], algorithm);
        assert_eq!(r["assignment"].as_object().unwrap().len(), 3, "{algorithm}");
    }
    // Bad input: an unknown facility, a negative capacity — each named by its path.
    std::fs::write(
        &input,
        r#"{"doctors": [{"id": "d1", "preferences": ["f9"]}],
            "facilities": [{"id": "f1", "capacity": -1, "priority": ["d1"]}]}"#,
    )
    .unwrap();
    let out = chiiki(&db, &["place", "--input", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("doctors[0].preferences[0]") && stderr.contains("facilities[0].capacity"),
        "{stderr}"
    );
}

/// `chiiki rotate` plans the demo cohort and reports coverage and the gap; the versions list,
/// the outputs, an explanation, a replan and the adoption.
#[test]
fn rotate_plans_the_demo_and_reports_coverage_and_gap() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let text = ok(&chiiki(&db, &["rotate", "--quick", "--from", "2027"]));
    for expected in [
        "充足 / wanted posts filled",
        "最適性ギャップ / gap",
        "規則違反 / rule violations",
        "宮古",
    ] {
        assert!(text.contains(expected), "{expected} missing in:\n{text}");
    }
    let list: serde_json::Value =
        serde_json::from_str(&ok(&chiiki(&db, &["rotate", "list", "--format", "json"]))).unwrap();
    let v = &list[0];
    assert_eq!(v["seq"], 1);
    assert_eq!(v["first_year"], 2027);
    let f = &v["figures"];
    assert_eq!(f["violations"], 0);
    assert_eq!(f["obligation_failures"], 0);
    let gap = f["gap"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&gap), "{gap}");
    assert!(f["posts_filled"].as_u64().unwrap() > 0);

    // The doctors' timelines as CSV, every sheet as XLSX, the whole version as JSON.
    let csv = ok(&chiiki(&db, &["rotate", "show", "1", "--format", "csv"]));
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("医師ID") && csv.contains("2036年度"));
    assert_eq!(
        csv.lines().count(),
        1 + f["doctors"].as_u64().unwrap() as usize
    );
    let xlsx = dir.path().join("plan.xlsx");
    ok(&chiiki(
        &db,
        &[
            "rotate",
            "show",
            "1",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let whole: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["rotate", "show", "1", "--format", "json"],
    )))
    .unwrap();
    let doctor = whole["input"]["doctors"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Why a doctor is where they are.
    let why = ok(&chiiki(&db, &["rotate", "why", "1", &doctor]));
    assert!(why.contains("2027年度"), "{why}");

    // A replan with nothing changed changes nothing; adoption once.
    let replanned = ok(&chiiki(&db, &["rotate", "replan", "1", "--quick"]));
    assert!(
        replanned.contains("changes from version 1: 0"),
        "{replanned}"
    );
    ok(&chiiki(
        &db,
        &["rotate", "adopt", "2", "--rationale", "委員会で承認"],
    ));
    let again = chiiki(&db, &["rotate", "adopt", "2", "--rationale", "再度"]);
    assert_eq!(again.status.code(), Some(2));
    let unknown = chiiki(&db, &["rotate", "show", "9"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("version 9"));
}

fn benchmark_file(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../benchmarks/shift-scheduling")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn roster_benchmark_solves_writes_and_the_checker_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let instance = benchmark_file("Instance1.txt");
    let roster = dir.path().join("r.json").display().to_string();
    let out = ok(&chiiki(
        &db,
        &[
            "roster",
            "benchmark",
            &instance,
            "--time-limit",
            "5",
            "--format",
            "json",
            "--roster-out",
            &roster,
        ],
    ));
    let result: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    // The fields in the documented order.
    let at = |k: &str| out.find(&format!("\"{k}\"")).unwrap();
    assert!(at("instance") < at("objective") && at("objective") < at("feasible"));
    assert!(at("feasible") < at("seconds"));
    assert_eq!(result.as_object().unwrap().len(), 4);
    assert_eq!(result["instance"], "Instance1");
    assert_eq!(result["feasible"], true);
    let objective = result["objective"].as_i64().unwrap();
    assert!(objective >= 607, "below the proven optimum: {objective}");
    // The roster written is what the checker judges, independently of the solver.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&roster).unwrap()).unwrap();
    assert_eq!(written["instance"], "Instance1");
    let cells = written["assignments"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(
        cells
            .iter()
            .all(|c| c["shift"] == "D" && c["day"].as_u64().unwrap() < 14)
    );
    let checked: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["roster", "check", &instance, &roster, "--format", "json"],
    )))
    .unwrap();
    assert_eq!(checked["feasible"], true);
    assert_eq!(checked["objective"].as_i64(), Some(objective));
    // A roster that breaks a rule (A works day 0, their day off): exit 1 and the rule named.
    let mut broken = written.clone();
    broken["assignments"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"employee": "A", "day": 0, "shift": "D"}));
    let bad_roster = dir.path().join("bad.json");
    std::fs::write(&bad_roster, broken.to_string()).unwrap();
    let out = chiiki(
        &db,
        &[
            "roster",
            "check",
            &instance,
            &bad_roster.display().to_string(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("DayOff"));
    // Bad input is exit code 2 with the line named.
    let garbled = dir.path().join("Garbled.txt");
    std::fs::write(
        &garbled,
        "SECTION_HORIZON\nfourteen\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\n\
         A,D=14,4320,3360,5,2,2,1\n\nSECTION_DAYS_OFF\n\nSECTION_SHIFT_ON_REQUESTS\n\n\
         SECTION_SHIFT_OFF_REQUESTS\n\nSECTION_COVER\n0,D,1,100,1\n",
    )
    .unwrap();
    let out = chiiki(
        &db,
        &[
            "roster",
            "benchmark",
            &garbled.display().to_string(),
            "--time-limit",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("line 2") && said.contains("fourteen"),
        "names the line: {said}"
    );
}

#[test]
fn roster_dispatch_plans_a_synthetic_month_and_checks_hours() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let problem = dir.path().join("p.json").display().to_string();
    ok(&chiiki(
        &db,
        &[
            "roster",
            "generate",
            "--month",
            "2026-12",
            "--sites",
            "12",
            "--doctors",
            "40",
            "-o",
            &problem,
        ],
    ));
    let plan: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster",
            "dispatch",
            "--input",
            &problem,
            "--time-limit",
            "3",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let requests = plan["figures"]["requests"].as_u64().unwrap();
    let filled = plan["assignments"].as_array().unwrap().len() as u64;
    assert!(requests > 0 && filled > 0);
    assert_eq!(
        filled + plan["unfilled"].as_array().unwrap().len() as u64,
        requests
    );
    assert!(
        plan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "due"),
        "no binding finding in a plan"
    );
    // The hours checker on a timeline that breaks the rest rule: exit 1, the rule named.
    let timelines = dir.path().join("t.json");
    std::fs::write(
        &timelines,
        r#"[{"doctor": "DEMO-X", "level": "B", "month": "2026-12-01",
            "duties": [
              {"employer": "F1", "reference": "late", "kind": "clinic_day", "start": "2026-12-01T14:00:00", "end": "2026-12-01T22:00:00"},
              {"employer": "F1", "reference": "early", "kind": "clinic_day", "start": "2026-12-02T06:00:00", "end": "2026-12-02T14:00:00"}
            ]}]"#,
    )
    .unwrap();
    let out = chiiki(
        &db,
        &[
            "roster",
            "hours",
            "--input",
            &timelines.display().to_string(),
            "--as-of",
            "2026-12-31",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["rule"], "rest");
    assert_eq!(found[0]["minutes"], 480);
}

/// The stderr of a command, which must have failed with exit code `code`.
fn refused(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The dispatch of the database from the command line: the demo's history loaded, the next
/// month solved and confirmed once, the fiscal year's statistics counting it, the hours.
#[test]
fn roster_solves_confirms_and_counts_the_database_month() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let demo: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster",
            "demo",
            "--today",
            "2026-06-15",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(demo["runs"], 3, "{demo}");
    let history = demo["dispatches"].as_u64().unwrap();
    assert!(history > 0, "{demo}");
    // Once only.
    let again = ok(&chiiki(&db, &["roster", "demo", "--today", "2026-06-15"]));
    assert!(again.contains("nothing done"), "{again}");

    // July waits for the coordinator.
    let july: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster", "requests", "--pref", "03", "--month", "2026-07", "--format", "json",
        ],
    )))
    .unwrap();
    let july = july.as_array().unwrap();
    assert!(!july.is_empty());
    assert!(
        july.iter()
            .all(|r| r["state"] == "open" && r["doctor"].is_null())
    );
    let csv = ok(&chiiki(
        &db,
        &[
            "roster", "requests", "--pref", "03", "--month", "2026-07", "--format", "csv",
        ],
    ));
    assert!(csv.starts_with(
        "\u{feff}依頼ID,施設ID,施設名,種類,開始,終了,緊急度,技能,状態,派遣医師ID,派遣医師"
    ));
    assert_eq!(csv.lines().count(), 1 + july.len());

    // Solved: the figures and the reasons, in both languages.
    let text = ok(&chiiki(
        &db,
        &[
            "roster",
            "solve",
            "--pref",
            "03",
            "--month",
            "2026-07",
            "--time-limit",
            "1",
        ],
    ));
    assert!(
        text.contains("run 4") && text.contains("weighted cover"),
        "{text}"
    );
    let solved: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster",
            "solve",
            "--pref",
            "03",
            "--month",
            "2026-07",
            "--time-limit",
            "1",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let run = solved["run"].as_u64().unwrap();
    assert_eq!(run, 5);
    let f = &solved["figures"];
    let requests = f["requests"].as_u64().unwrap();
    let filled = f["filled"].as_u64().unwrap();
    assert_eq!(requests, july.len() as u64);
    assert!(filled > 0 && filled <= requests, "{f}");
    assert_eq!(
        solved["assignments"].as_array().unwrap().len() as u64,
        filled
    );
    let unfilled = solved["unfilled"].as_array().unwrap();
    assert_eq!(filled + unfilled.len() as u64, requests);
    for u in unfilled {
        assert!(u["summary"]["ja"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(u["summary"]["en"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let cover = f["weighted_cover"].as_f64().unwrap();
    assert!(cover > 0.0 && cover <= 1.0, "{f}");

    // Confirmed once: every dispatch of the run; a second time is refused in both languages.
    let confirmed: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster",
            "confirm",
            "--pref",
            "03",
            "--run",
            &run.to_string(),
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(confirmed["confirmed"].as_u64(), Some(filled));
    let said = refused(
        &chiiki(
            &db,
            &[
                "roster",
                "confirm",
                "--pref",
                "03",
                "--run",
                &run.to_string(),
            ],
        ),
        2,
    );
    assert!(
        said.contains("確定済みです") && said.contains("confirmed already"),
        "{said}"
    );
    let said = refused(&chiiki(&db, &["roster", "confirm", "--run", "99"]), 2);
    assert!(
        said.contains("派遣計算 99") && said.contains("no dispatch run 99"),
        "{said}"
    );
    let sent: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster", "requests", "--month", "2026-07", "--format", "json",
        ],
    )))
    .unwrap();
    let sent = sent.as_array().unwrap();
    assert_eq!(
        sent.iter().filter(|r| r["state"] == "filled").count() as u64,
        filled
    );
    assert!(
        sent.iter()
            .all(|r| (r["state"] == "filled") == r["doctor"].is_string())
    );

    // The fiscal year's statistics count the history and the month confirmed.
    let total = ok(&chiiki(
        &db,
        &[
            "roster", "stats", "--pref", "03", "--fy", "2026", "--by", "total", "--format", "csv",
        ],
    ));
    let lines: Vec<&str> = total.lines().collect();
    assert_eq!(
        lines[0],
        "\u{feff}都道府県,名称,依頼,派遣決定,募集中,取消,派遣日数,派遣時間,充足率"
    );
    assert_eq!(lines.len(), 2, "{total}");
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[0], "03");
    assert_eq!(
        cells[3].parse::<u64>().unwrap(),
        history + filled,
        "{total}"
    );
    let by_area = ok(&chiiki(
        &db,
        &[
            "roster", "stats", "--pref", "03", "--fy", "2026", "--format", "csv",
        ],
    ));
    assert!(
        by_area.starts_with("\u{feff}医療圏,名称,依頼,派遣決定,"),
        "{by_area}"
    );
    let summed: u64 = by_area
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(summed, history + filled);
    assert!(by_area.contains("0306,釜石,"), "{by_area}");
    let table = ok(&chiiki(&db, &["roster", "stats", "--fy", "2026"]));
    assert!(
        table.contains("二次医療圏別") && table.contains("釜石"),
        "{table}"
    );
    let book = dir.path().join("stats.xlsx");
    ok(&chiiki(
        &db,
        &[
            "roster",
            "stats",
            "--fy",
            "2026",
            "-o",
            book.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&book).unwrap().starts_with(b"PK"));
    let wrong = dir.path().join("stats.txt");
    let said = refused(
        &chiiki(&db, &["roster", "stats", "-o", wrong.to_str().unwrap()]),
        2,
    );
    assert!(said.contains(".xlsx") && said.contains(" / "), "{said}");

    // The doctors' hours of the month, the dispatches counted, no binding rule broken.
    let hours: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster",
            "hours-month",
            "--pref",
            "03",
            "--month",
            "2026-07",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let hours = hours.as_array().unwrap();
    assert_eq!(
        hours
            .iter()
            .map(|h| h["dispatches"].as_u64().unwrap())
            .sum::<u64>(),
        filled
    );
    let sheet = dir.path().join("hours.csv");
    ok(&chiiki(
        &db,
        &[
            "roster",
            "hours-month",
            "--month",
            "2026-07",
            "-o",
            sheet.to_str().unwrap(),
        ],
    ));
    let csv = std::fs::read_to_string(&sheet).unwrap();
    assert!(csv.starts_with("\u{feff}医師ID,氏名,水準,派遣,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + hours.len());

    // A month without open requests, a month that does not read.
    let said = refused(
        &chiiki(
            &db,
            &["roster", "solve", "--month", "2026-09", "--time-limit", "1"],
        ),
        2,
    );
    assert!(
        said.contains("no open requests in September 2026"),
        "{said}"
    );
    let said = refused(
        &chiiki(&db, &["roster", "requests", "--month", "2026-13"]),
        2,
    );
    assert!(said.contains("2026-13") && said.contains(" / "), "{said}");
}

/// A duty roster from the documented example file: the roster as JSON, the grid as CSV and
/// the workbook; a spec with mistakes refused with each field named, in both languages.
#[test]
fn roster_duty_makes_the_documented_example_and_names_a_specs_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/duty-roster.toml"
    );
    let roster: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "roster",
            "duty",
            example,
            "--time-limit",
            "2",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let assignments = roster["assignments"].as_array().unwrap();
    assert!(assignments.len() > 100, "{}", assignments.len());
    assert!(
        roster["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "due"),
        "no binding finding in a roster"
    );
    assert_eq!(roster["days"].as_array().unwrap().len(), 31);
    let csv = dir.path().join("r.csv").display().to_string();
    ok(&chiiki(
        &db,
        &["roster", "duty", example, "--time-limit", "1", "-o", &csv],
    ));
    let text = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("31 (日)") && header.contains("当直"),
        "{header}"
    );
    assert_eq!(
        text.lines().count(),
        1 + 8 + 4,
        "eight people and four shifts' cover"
    );
    let xlsx = dir.path().join("r.xlsx").display().to_string();
    ok(&chiiki(
        &db,
        &["roster", "duty", example, "--time-limit", "1", "-o", &xlsx],
    ));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(example)
        .unwrap()
        .replace("shifts = [\"日\", \"当\"]", "shifts = [\"日\", \"夜\"]")
        .replace("date = \"2027-01-15\"", "date = \"2027-02-15\"");
    std::fs::write(&bad, text).unwrap();
    let said = refused(
        &chiiki(&db, &["roster", "duty", &bad.display().to_string()]),
        2,
    );
    assert!(
        said.contains("staff[3].shifts[1]") && said.contains("勤務「夜」"),
        "{said}"
    );
    assert!(
        said.contains("requests[0].date") && said.contains("give a date in 2027-01"),
        "{said}"
    );
}

#[test]
fn alliance_members_of_the_demo_are_listed_with_the_day_each_joined() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let csv = ok(&chiiki(
        &db,
        &["list", "alliance-members", "--format", "csv"],
    ));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "alliance,corporation,joined,left,facilities_count,facilities"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    let seikei = lines
        .iter()
        .find(|l| l.contains("医療法人社団誠馨会"))
        .expect("医療法人社団誠馨会 is a member");
    assert!(
        seikei.contains("2025-04-01") && seikei.contains("セコメディック病院"),
        "{seikei}"
    );
    let hakuu = lines.iter().find(|l| l.contains("白羽会")).unwrap();
    assert!(hakuu.contains("2024-09-17,,8,"), "{hakuu}");
    assert!(hakuu.contains("つばさ在宅クリニック、つばさ在宅クリニック西船橋"));

    // The day before 誠馨会 joined, three members; an unknown alliance is bad input.
    let before = ok(&chiiki(
        &db,
        &[
            "list",
            "alliance-members",
            "--alliance",
            "12-TOKATSU-NANBU",
            "--on",
            "令和7年3月31日",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(before.lines().count(), 4, "{before}");
    assert!(!before.contains("誠馨会"));
    let json: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &["list", "alliance-members", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    let table = ok(&chiiki(&db, &["list", "alliance-members"]));
    assert!(table.contains("医療法人弘仁会"), "{table}");
    let missing = chiiki(&db, &["list", "alliance-members", "--alliance", "NONE"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn alliance_loans_and_balances_are_listed_and_reconcile() {
    use chiiki_domain::{
        AllianceId, LoanMonth, LoanRole, NaiveDate, Name, StaffLoan, StaffLoanFields,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let loan = StaffLoan::new(StaffLoanFields {
        id: 0,
        alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
        from: Name::parse("医療法人弘仁会").unwrap(),
        to: Name::parse("医療法人社団誠馨会").unwrap(),
        person: Name::parse("派遣 花子").unwrap(),
        doctor: None,
        role: LoanRole::Nurse,
        start: day(2025, 4, 1),
        end: day(2025, 9, 30),
        hours: vec![LoanMonth {
            month: day(2025, 5, 1),
            minutes: 2400,
            overtime: 600,
        }],
        note: String::new(),
    })
    .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = chiiki_store::open(&db).await.unwrap();
            store.put_staff_loan("test", &loan).await.unwrap();
        });
    let csv = ok(&chiiki(
        &db,
        &[
            "alliance",
            "loans",
            "--alliance",
            "12-TOKATSU-NANBU",
            "--format",
            "csv",
        ],
    ));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains("派遣 花子") && lines[1].contains("看護師"),
        "{csv}"
    );
    let csv = ok(&chiiki(
        &db,
        &[
            "alliance",
            "balances",
            "--alliance",
            "12-TOKATSU-NANBU",
            "--from",
            "2025-04",
            "--to",
            "2026-03",
            "--format",
            "csv",
        ],
    ));
    assert!(csv.contains("医療法人弘仁会,2400,0,2400"), "{csv}");
    assert!(csv.contains("医療法人社団誠馨会,0,2400,-2400"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&ok(&chiiki(
        &db,
        &[
            "alliance",
            "balances",
            "--alliance",
            "12-TOKATSU-NANBU",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    let missing = chiiki(&db, &["alliance", "loans", "--alliance", "NONE"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// An alliance's and a centre's lists as a workbook: exported, imported back unchanged; a
/// CSV of one list with a bad row is refused whole (exit 2), saying the row.
#[test]
fn workbooks_export_and_import_back_unchanged_and_a_bad_row_refuses_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    for scope in ["12-TOKATSU-NANBU", "03"] {
        let file = dir.path().join(format!("{scope}.xlsx"));
        let file = file.to_str().unwrap();
        let out = ok(&chiiki(
            &db,
            &["workbook", "export", "--scope", scope, "-o", file],
        ));
        assert!(out.contains(scope), "{out}");
        let back = ok(&chiiki(
            &db,
            &["workbook", "import", "--scope", scope, file],
        ));
        assert!(back.contains("追加・変更 0"), "{scope}: {back}");
    }
    let csv = dir.path().join("equipment_bookings.csv");
    std::fs::write(
        &csv,
        "id,equipment,by,start,end,purpose\n\
         int,int,text,text,text,text\n\
         0,1,医療法人弘仁会,2030-01-01T12:00:00,2030-01-01T09:00:00,架空\n",
    )
    .unwrap();
    let bad = chiiki(
        &db,
        &[
            "workbook",
            "import",
            "--scope",
            "12-TOKATSU-NANBU",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("nothing was written") && err.contains('3'),
        "{err}"
    );
}

/// A backup taken from the command line restores the same register; an existing database is
/// not replaced without --force.
#[test]
fn a_backup_restores_the_same_register() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let before = ok(&chiiki(&db, &["list", "doctors", "--format", "csv"]));
    let out = dir.path().join("backup.db");
    let said = ok(&chiiki(&db, &["backup", "--out", out.to_str().unwrap()]));
    assert!(said.contains("doctors 301"), "{said}");
    let copy = dir.path().join("restored.db").display().to_string();
    ok(&chiiki(
        &copy,
        &["restore", "--from", out.to_str().unwrap()],
    ));
    let after = ok(&chiiki(&copy, &["list", "doctors", "--format", "csv"]));
    assert_eq!(after, before);
    let again = chiiki(&copy, &["restore", "--from", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    ok(&chiiki(
        &copy,
        &["restore", "--from", out.to_str().unwrap(), "--force"],
    ));
}

/// The logical dump from the command line: `backup --kind dump` from SQLite, `restore`
/// into a new SQLite file gives the same register; so does the way through PostgreSQL when
/// the test command started one.
#[test]
fn a_dump_moves_the_register_between_back_ends() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    ok(&chiiki(&db, &["demo"]));
    let before = ok(&chiiki(&db, &["list", "doctors", "--format", "csv"]));
    let out = dir.path().join("register.jsonl.gz");
    let out_s = out.to_str().unwrap();
    let said = ok(&chiiki(&db, &["backup", "--out", out_s, "--kind", "dump"]));
    assert!(said.contains("doctors 301"), "{said}");
    let copy = dir.path().join("restored.db").display().to_string();
    ok(&chiiki(&copy, &["restore", "--from", out_s]));
    assert_eq!(
        ok(&chiiki(&copy, &["list", "doctors", "--format", "csv"])),
        before
    );
    let Some(pg) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(chiiki_store::testing::pg())
    else {
        return;
    };
    let url = pg.target().to_string();
    ok(&chiiki(&url, &["restore", "--from", out_s]));
    assert_eq!(
        ok(&chiiki(&url, &["list", "doctors", "--format", "csv"])),
        before
    );
    // From PostgreSQL, a dump is the default.
    let from_pg = dir.path().join("from-pg.jsonl.gz");
    ok(&chiiki(
        &url,
        &["backup", "--out", from_pg.to_str().unwrap()],
    ));
    let back = dir.path().join("back.db").display().to_string();
    ok(&chiiki(
        &back,
        &["restore", "--from", from_pg.to_str().unwrap()],
    ));
    assert_eq!(
        ok(&chiiki(&back, &["list", "doctors", "--format", "csv"])),
        before
    );
}
