//! Upgrades: a database made by the previous release migrates to the current schema with
//! every row kept.
//!
//! `fixtures/issue8-release.sqlite.gz` is the SQLite file that chiiki at the close of issue 8
//! (commit 7a8122a) wrote with `chiiki demo` and `chiiki roster demo`: the Iwate demo's
//! register, placement round, alliance, and a month of dispatch (913 requests, 3,296 offers,
//! 821 hours reports, 8 runs, 693 dispatches), with 8,514 audit events. Every person in it is
//! synthetic; the hospitals are the public 病床機能報告 records the demo credits.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use chiiki_domain::{AllianceId, Entity};
use chiiki_store::{SqliteStore, Store};
use sqlx::Row as _;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const FIXTURE: &[u8] = include_bytes!("fixtures/issue8-release.sqlite.gz");

/// The columns of each table, as a dump was made of them.
type Columns = BTreeMap<String, Vec<String>>;

/// Every row of every table (but the migrations' own), each as the text of its values
/// (SQLite's `quote`), in rowid order; with `only`, the columns it gives (those the previous
/// release had: a column a migration adds is checked apart).
async fn dump(path: &Path, only: Option<&Columns>) -> (Columns, BTreeMap<String, Vec<String>>) {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(path).read_only(true))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN \
         ('_sqlx_migrations', 'sqlite_sequence') ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = BTreeMap::new();
    let mut all_columns = Columns::new();
    for table in tables {
        let mut columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        )))
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
        if let Some(kept) = only.and_then(|o| o.get(&table)) {
            columns.retain(|c| kept.contains(c));
        }
        all_columns.insert(table.clone(), columns.clone());
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {row} FROM \"{table}\" ORDER BY rowid"
        )))
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
        out.insert(table, rows);
    }
    pool.close().await;
    (all_columns, out)
}

async fn migrations(path: &Path) -> i64 {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(path).read_only(true))
        .await
        .unwrap();
    let n = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    pool.close().await;
    n
}

#[tokio::test]
async fn the_previous_releases_database_migrates_with_every_row_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(FIXTURE)
        .read_to_end(&mut bytes)
        .unwrap();
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    std::fs::write(&old, &bytes).unwrap();
    std::fs::write(&new, &bytes).unwrap();
    let (columns, before) = dump(&old, None).await;
    let migrations_before = migrations(&old).await;
    assert_eq!(before["doctors"].len(), 300);
    assert_eq!(before["dispatches"].len(), 693);

    // The current store opens it, migrating it to the current schema.
    let store = SqliteStore::open(&new).await.unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(counts[&Entity::Doctors], 300);
    assert_eq!(counts[&Entity::Facilities], 171);
    // What it reads back validates as the current domain's values.
    let tokatsu = AllianceId::parse("12-TOKATSU-NANBU").unwrap();
    assert!(store.get_alliance(&tokatsu).await.unwrap().is_some());
    assert_eq!(
        store
            .list_alliance_members(&tokatsu, None)
            .await
            .unwrap()
            .len(),
        4
    );
    store.close().await;

    let (_, after) = dump(&new, Some(&columns)).await;
    assert!(
        migrations(&new).await > migrations_before,
        "new migrations applied"
    );
    for (table, rows) in &before {
        let kept = after
            .get(table)
            .unwrap_or_else(|| panic!("{table} is gone"));
        assert_eq!(kept.len(), rows.len(), "{table}: rows");
        assert!(kept == rows, "{table}: a row changed");
    }
    // The versions that optimistic locking added start at 1.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&new).read_only(true))
        .await
        .unwrap();
    for table in ["doctors", "placement_rounds"] {
        let versions: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT version FROM {table}"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(versions, [1], "{table}");
    }
    pool.close().await;
    // The tables of this release are there, empty.
    assert_eq!(after.get("documents").map(Vec::len), Some(0));
}
