//! Fresh stores for tests of this and other crates (feature `testing`).
//!
//! PostgreSQL tests use the server named by `CHIIKI_TEST_PG_URL` (the test command starts a
//! throwaway one); each call makes a new database on it, so tests run in parallel without
//! seeing each other. Without the variable the PostgreSQL half of a test is skipped, unless
//! `CHIIKI_REQUIRE_PG=1`, when it fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::{PgStore, SqliteStore, Store, StoreError};

/// A store for a test, with what keeps it alive. (Its fields are reached through methods,
/// so that a closure using the store captures the whole value, temporary directory included.)
pub struct TestStore {
    store: Arc<dyn Store>,
    target: String,
    name: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl TestStore {
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
    /// The store, shared (for a server under test).
    pub fn shared(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
    /// The database's address: a SQLite path or a PostgreSQL URL.
    pub fn target(&self) -> &str {
        &self.target
    }
    /// `sqlite` or `postgres`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs one SQL statement on the database directly, past the store (on a connection of
    /// its own), with text parameters `$1`, `$2`, …: for tests that play another client, or
    /// a damaged database. Returns the rows affected.
    pub async fn execute_raw(&self, sql: &str, params: &[&str]) -> Result<u64, StoreError> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        let done = if self.name == "postgres" {
            let mut conn = sqlx::PgConnection::connect(&self.target).await?;
            let mut q = sqlx::query(sql);
            for p in params {
                q = q.bind(*p);
            }
            let done = q.execute(&mut conn).await;
            let _ = conn.close().await;
            done?.rows_affected()
        } else {
            let options = SqliteConnectOptions::new()
                .filename(&self.target)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10));
            let mut conn = SqliteConnection::connect_with(&options).await?;
            let mut q = sqlx::query(sql);
            for p in params {
                q = q.bind(*p);
            }
            let done = q.execute(&mut conn).await;
            let _ = conn.close().await;
            done?.rows_affected()
        };
        Ok(done)
    }
}

/// A new, empty SQLite store in a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("chiiki.db");
    let store = SqliteStore::open(&path).await.expect("open SQLite");
    TestStore {
        store: Arc::new(store),
        target: path.display().to_string(),
        name: "sqlite",
        _dir: Some(dir),
    }
}

/// The URL of a new, empty PostgreSQL database, or `None` when no server is configured.
pub async fn pg_url() -> Option<String> {
    let Ok(base) = std::env::var("CHIIKI_TEST_PG_URL") else {
        if std::env::var("CHIIKI_REQUIRE_PG").as_deref() == Ok("1") {
            panic!("CHIIKI_REQUIRE_PG=1 but CHIIKI_TEST_PG_URL is not set: run ./scripts/test");
        }
        eprintln!("CHIIKI_TEST_PG_URL is not set: skipping the PostgreSQL half of this test");
        return None;
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "chiiki_t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to CHIIKI_TEST_PG_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("a URL with a database name");
    Some(format!("{prefix}/{name}"))
}

/// A new, empty PostgreSQL store, or `None` when no server is configured.
pub async fn pg() -> Option<TestStore> {
    let url = pg_url().await?;
    let store = PgStore::connect(&url).await.expect("open PostgreSQL");
    Some(TestStore {
        store: Arc::new(store),
        target: url,
        name: "postgres",
        _dir: None,
    })
}

/// One fresh store per back end: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestStore> {
    let mut v = vec![sqlite().await];
    v.extend(pg().await);
    v
}
