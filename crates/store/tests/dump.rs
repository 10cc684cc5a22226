//! The logical dump: it covers every column of every table on both back ends, and a
//! register moves SQLite → PostgreSQL → SQLite with every row kept, value for value (the
//! dumps of all three are equal), its ids and their sequences with it. A damaged or cut
//! file is refused, naming its line, and writes nothing.

use std::io::{BufReader, Read};

use chiiki_store::dump::{Kind, TABLES};
use chiiki_store::testing::{self, TestStore};
use chiiki_store::{SqliteStore, Store, StoreError};
use sqlx::Row as _;

const FIXTURE: &[u8] = include_bytes!("fixtures/issue8-release.sqlite.gz");

/// The previous release's database (the Iwate demo with a month of dispatch and 8,514
/// audit events), opened and migrated by the current store.
async fn populated() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(FIXTURE)
        .read_to_end(&mut bytes)
        .unwrap();
    let path = dir.path().join("register.db");
    std::fs::write(&path, &bytes).unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    (dir, store)
}

async fn dump_of(s: &dyn Store) -> Vec<String> {
    let mut out = Vec::new();
    s.dump(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    // The header names the back end and the moment; the rest must be equal.
    text.lines().skip(1).map(str::to_string).collect()
}

async fn load(s: &dyn Store, lines: &[u8]) -> Result<chiiki_store::dump::DumpCounts, StoreError> {
    let mut input = BufReader::new(lines);
    s.load_dump(&mut input).await
}

/// The columns of a live table, in order, with the kind its declared type maps to.
async fn live_columns(t: &TestStore, table: &str) -> Vec<(String, String)> {
    let sql = if t.name() == "postgres" {
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position"
    } else {
        "SELECT name, type FROM pragma_table_info($1) ORDER BY cid"
    };
    if t.name() == "postgres" {
        use sqlx::Connection as _;
        let mut c = sqlx::PgConnection::connect(t.target()).await.unwrap();
        sqlx::query(sql)
            .bind(table)
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect()
    } else {
        use sqlx::Connection as _;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.target()))
            .await
            .unwrap();
        sqlx::query(sql)
            .bind(table)
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect()
    }
}

#[tokio::test]
async fn the_dump_covers_every_column_of_every_table_on_both_back_ends() {
    for t in testing::all().await {
        let backend = t.name();
        for table in TABLES {
            let live = live_columns(&t, table.name).await;
            let names: Vec<&str> = live.iter().map(|(n, _)| n.as_str()).collect();
            let dumped: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, dumped, "{backend}: the columns of {}", table.name);
            if backend == "postgres" {
                for ((name, ty), (_, kind)) in live.iter().zip(table.columns) {
                    let want = match kind {
                        Kind::Text => "text",
                        Kind::Int4 => "integer",
                        Kind::Int8 => "bigint",
                        Kind::Bool => "boolean",
                        Kind::Date => "date",
                        Kind::Json => "jsonb",
                        Kind::TimeTz => "timestamp with time zone",
                        Kind::Time => "timestamp without time zone",
                    };
                    assert_eq!(ty, want, "{}.{name}", table.name);
                }
            }
        }
        // And no table is left out but the migrations' own and the login sessions.
        let all: Vec<String> = if backend == "postgres" {
            use sqlx::Connection as _;
            let mut c = sqlx::PgConnection::connect(t.target()).await.unwrap();
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )
            .fetch_all(&mut c)
            .await
            .unwrap()
        } else {
            use sqlx::Connection as _;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.target()))
                .await
                .unwrap();
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut c)
                .await
                .unwrap()
        };
        for name in all {
            let known = TABLES.iter().any(|t| t.name == name)
                || ["_sqlx_migrations", "sessions", "sqlite_sequence"].contains(&name.as_str());
            assert!(known, "{backend}: the table {name} is not in the dump");
        }
    }
}

#[tokio::test]
async fn a_register_moves_between_back_ends_with_every_row_kept() {
    let (_dir, source) = populated().await;
    let first = dump_of(&source).await;
    assert!(first.len() > 15_000, "{} lines", first.len());
    let mut raw = Vec::new();
    source.dump(&mut raw).await.unwrap();

    let mut targets = vec![testing::sqlite().await];
    if let Some(pg) = testing::pg().await {
        targets.push(pg);
    }
    for t in targets {
        let backend = t.name();
        let counts = load(t.store(), &raw).await.unwrap();
        assert_eq!(counts["doctors"], 300, "{backend}");
        assert_eq!(counts["audit_events"], 8_514, "{backend}");
        // Every row, value for value, and each table's next id.
        let second = dump_of(t.store()).await;
        assert_eq!(second.len(), first.len(), "{backend}");
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a, b, "{backend}");
        }
        // Back again into a new SQLite: still the same.
        let mut raw2 = Vec::new();
        t.store().dump(&mut raw2).await.unwrap();
        let back = testing::sqlite().await;
        load(back.store(), &raw2).await.unwrap();
        assert_eq!(dump_of(back.store()).await, first, "{backend} → sqlite");
        // The restored store works: ids continue after the largest ever given.
        let s = t.store();
        let next: i64 = {
            let line = first
                .iter()
                .find(|l| l.starts_with(r#"{"table":"audit_events""#))
                .unwrap();
            serde_json::from_str::<serde_json::Value>(line).unwrap()["next_id"]
                .as_i64()
                .unwrap()
        };
        s.record_event(
            "test",
            chiiki_store::Event {
                action: "test",
                entity: "doctors",
                entity_id: "X".into(),
                pref: None,
                details: None,
            },
        )
        .await
        .unwrap();
        let newest = s
            .list_audit(&chiiki_store::AuditFilter::default())
            .await
            .unwrap()
            .items[0]
            .id;
        assert_eq!(newest as i64, next, "{backend}: the next audit id");
        // A second restore into a store that holds rows is refused.
        let err = load(s, &raw).await.unwrap_err();
        assert!(err.to_string().contains("not empty"), "{backend}: {err}");
    }
}

#[tokio::test]
async fn a_damaged_or_cut_dump_is_refused_naming_its_line_and_writes_nothing() {
    let (_dir, source) = populated().await;
    let mut raw = Vec::new();
    source.dump(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let doctor_row = lines
        .iter()
        .position(|l| l.starts_with(r#"{"table":"doctors""#))
        .unwrap()
        + 1;
    let cut = lines[..lines.len() - 1].join("\n");
    let mut bad_type = lines.clone();
    let changed = lines[doctor_row].replacen("[\"", "[17,\"", 1);
    bad_type[doctor_row] = &changed;
    let bad_type = bad_type.join("\n");
    let mut unknown = lines.clone();
    unknown[doctor_row - 1] = r#"{"table":"patients","columns":["id"]}"#;
    let unknown = unknown.join("\n");
    let cases: [(&str, &str, &str); 4] = [
        (&cut, "cut short", "途中で"),
        (&bad_type, &format!("line {}", doctor_row + 1), "行目"),
        (&unknown, "no table is called patients", "行目"),
        ("{\"format\":\"something\"}", "not a chiiki dump", "ダンプ"),
    ];
    for t in testing::all().await {
        for (input, en, ja) in &cases {
            let err = load(t.store(), input.as_bytes()).await.unwrap_err();
            let StoreError::Refused(msg) = &err else {
                panic!("{}: {err}", t.name())
            };
            assert!(msg.en.contains(en), "{}: {}", t.name(), msg.en);
            assert!(
                msg.ja.contains(ja) || msg.ja.contains("ダンプ"),
                "{}",
                msg.ja
            );
            assert!(
                t.store().counts().await.unwrap().values().all(|n| *n == 0),
                "{}: nothing written",
                t.name()
            );
        }
    }
}
