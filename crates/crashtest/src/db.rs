//! Databases of the trials: the template, a fresh copy per trial, and what the checks read
//! past the store (row counts of every table, the audit events added since the template).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chiiki_store::{PgStore, SqliteStore, Store};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn code(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// One audit event as the checks compare it (its time and id left out).
pub type AuditKey = (String, String, String, String);

/// A trial's database.
pub enum TrialDb {
    Sqlite(PathBuf),
    Postgres { name: String, url: String },
}

impl TrialDb {
    /// What `--db` takes.
    pub fn target(&self) -> String {
        match self {
            TrialDb::Sqlite(p) => p.display().to_string(),
            TrialDb::Postgres { url, .. } => url.clone(),
        }
    }
}

/// A store reopened after a trial.
pub enum Opened {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Opened {
    pub fn store(&self) -> &dyn Store {
        match self {
            Opened::Sqlite(s) => s,
            Opened::Postgres(s) => s,
        }
    }

    /// SQLite's `integrity_check` and `foreign_key_check` (problems found); PostgreSQL
    /// checks its constraints on every write, so nothing beyond opening.
    pub async fn integrity(&self) -> anyhow::Result<Vec<String>> {
        match self {
            Opened::Sqlite(s) => Ok(s.integrity().await?),
            Opened::Postgres(_) => Ok(Vec::new()),
        }
    }

    pub async fn close(&self) {
        match self {
            Opened::Sqlite(s) => s.close().await,
            Opened::Postgres(s) => s.close().await,
        }
    }
}

/// Where the trials of one back end make their databases.
pub struct Env {
    pub backend: Backend,
    /// A directory for SQLite files (and the file of doctors).
    dir: PathBuf,
    /// SQLite: the template file.
    template_file: PathBuf,
    /// PostgreSQL: the server's URL (its database is the one we connect to for
    /// administration) and the template database's name.
    pg_base: Option<String>,
    template_db: String,
    next: u32,
}

impl Env {
    /// Prepares the back end's template: an empty database, migrated by the store and
    /// filled by [`crate::ops::prepare_template`].
    pub async fn prepare(
        backend: Backend,
        dir: &Path,
        pg_base: Option<&str>,
    ) -> anyhow::Result<Env> {
        let pid = std::process::id();
        let env = Env {
            backend,
            dir: dir.to_path_buf(),
            template_file: dir.join("template.db"),
            pg_base: pg_base.map(str::to_string),
            template_db: format!("chiiki_crash_{pid}_template"),
            next: 0,
        };
        match backend {
            Backend::Sqlite => {
                let prep = dir.join("prepare.db");
                let store = SqliteStore::open(&prep).await?;
                crate::ops::prepare_template(&store).await?;
                // A consistent single file (no WAL beside it) to copy.
                store.backup(&env.template_file).await?;
                store.close().await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", prep.display()));
                }
            }
            Backend::Postgres => {
                let name = env.template_db.clone();
                env.admin(&format!("CREATE DATABASE {name}")).await?;
                let url = env.pg_url(&name)?;
                let store = PgStore::connect(&url).await?;
                let filled = crate::ops::prepare_template(&store).await;
                store.close().await;
                filled?;
            }
        }
        Ok(env)
    }

    /// A fresh copy of the template.
    pub async fn fresh(&mut self, what: &str) -> anyhow::Result<TrialDb> {
        self.next += 1;
        let n = self.next;
        match self.backend {
            Backend::Sqlite => {
                let path = self.dir.join(format!("{what}-{n}.db"));
                std::fs::copy(&self.template_file, &path)
                    .with_context(|| format!("copying the template to {}", path.display()))?;
                Ok(TrialDb::Sqlite(path))
            }
            Backend::Postgres => {
                let name = format!("chiiki_crash_{}_{what}_{n}", std::process::id());
                let sql = format!("CREATE DATABASE {name} TEMPLATE {}", self.template_db);
                // The template may still show a session that is closing.
                let start = Instant::now();
                loop {
                    match self.admin(&sql).await {
                        Ok(()) => break,
                        Err(e) if start.elapsed() < Duration::from_secs(20) => {
                            if !format!("{e:#}").contains("being accessed by other users") {
                                return Err(e);
                            }
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => return Err(e),
                    }
                }
                let url = self.pg_url(&name)?;
                Ok(TrialDb::Postgres { name, url })
            }
        }
    }

    /// Removes a trial's database.
    pub async fn discard(&self, db: &TrialDb) -> anyhow::Result<()> {
        match db {
            TrialDb::Sqlite(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let f = format!("{}{suffix}", p.display());
                    if Path::new(&f).exists() {
                        std::fs::remove_file(&f).with_context(|| format!("removing {f}"))?;
                    }
                }
                Ok(())
            }
            TrialDb::Postgres { name, .. } => {
                self.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
            }
        }
    }

    /// Keeps a lost trial's database for inspection: a SQLite file is moved out of the
    /// temporary directory; a PostgreSQL database is left on the server.
    pub fn keep(&self, db: &TrialDb, keep_dir: &Path) -> String {
        match db {
            TrialDb::Sqlite(p) => {
                let _ = std::fs::create_dir_all(keep_dir);
                let mut kept = Vec::new();
                for suffix in ["", "-wal", "-shm"] {
                    let from = PathBuf::from(format!("{}{suffix}", p.display()));
                    if let Some(name) = from.file_name() {
                        let to = keep_dir.join(name);
                        if std::fs::rename(&from, &to).is_ok() || std::fs::copy(&from, &to).is_ok()
                        {
                            kept.push(to.display().to_string());
                        }
                    }
                }
                format!("kept {}", kept.join(", "))
            }
            TrialDb::Postgres { name, .. } => format!("kept the database {name} on the server"),
        }
    }

    /// Drops the PostgreSQL template (nothing for SQLite: its directory is temporary).
    pub async fn finish(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            self.admin(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.template_db
            ))
            .await?;
        }
        Ok(())
    }

    /// Opens a trial's database with the store, as a restarted server would.
    pub async fn open(&self, db: &TrialDb) -> anyhow::Result<Opened> {
        Ok(match db {
            TrialDb::Sqlite(p) => Opened::Sqlite(SqliteStore::open(p).await?),
            TrialDb::Postgres { url, .. } => Opened::Postgres(PgStore::connect(url).await?),
        })
    }

    /// PostgreSQL: waits until no other session is connected to the trial's database —
    /// the killed client's server process ends when it sees the connection gone — so that
    /// what the checks read cannot change under them.
    pub async fn settle(&self, db: &TrialDb) -> anyhow::Result<()> {
        let TrialDb::Postgres { name, .. } = db else {
            return Ok(());
        };
        let base = self.base()?;
        let mut conn = sqlx::PgConnection::connect(base).await?;
        let start = Instant::now();
        loop {
            let n: i64 = sqlx::query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(name)
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
            if n == 0 {
                break;
            }
            if start.elapsed() > Duration::from_secs(60) {
                bail!("{n} sessions still connected to {name} a minute after the kill");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = conn.close().await;
        Ok(())
    }

    /// What shows that the killed victim had begun writing: SQLite, the bytes of the WAL
    /// file beside the database before it is reopened (frames of an uncommitted
    /// transaction when the operation is then absent); PostgreSQL, the transactions rolled
    /// back in the trial's database (the server rolls back the open transaction of a
    /// client that died). Call after [`Env::settle`] and before [`Env::open`].
    pub async fn write_evidence(&self, db: &TrialDb) -> anyhow::Result<u64> {
        match db {
            TrialDb::Sqlite(p) => Ok(std::fs::metadata(format!("{}-wal", p.display()))
                .map(|m| m.len())
                .unwrap_or(0)),
            TrialDb::Postgres { name, .. } => {
                let mut conn = sqlx::PgConnection::connect(self.base()?).await?;
                let n: i64 = sqlx::query(
                    "SELECT COALESCE(SUM(xact_rollback), 0)::bigint FROM pg_stat_database WHERE datname = $1",
                )
                .bind(name)
                .fetch_one(&mut conn)
                .await?
                .try_get(0)?;
                let _ = conn.close().await;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    }

    /// The rows of every table of the database (the store's and the migrations').
    pub async fn counts(&self, db: &TrialDb) -> anyhow::Result<BTreeMap<String, i64>> {
        let mut out = BTreeMap::new();
        match db {
            TrialDb::Sqlite(p) => {
                let mut conn = sqlite_conn(p).await?;
                let tables: Vec<String> = sqlx::query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .fetch_all(&mut conn)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
                for t in tables {
                    let n: i64 = sqlx::query(count_sql(&t)?)
                        .fetch_one(&mut conn)
                        .await?
                        .try_get(0)?;
                    out.insert(t, n);
                }
                let _ = conn.close().await;
            }
            TrialDb::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let tables: Vec<String> = sqlx::query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
                )
                .fetch_all(&mut conn)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
                for t in tables {
                    let n: i64 = sqlx::query(count_sql(&t)?)
                        .fetch_one(&mut conn)
                        .await?
                        .try_get(0)?;
                    out.insert(t, n);
                }
                let _ = conn.close().await;
            }
        }
        Ok(out)
    }

    /// The highest audit event id (0 when none).
    pub async fn audit_max(&self, db: &TrialDb) -> anyhow::Result<i64> {
        const SQL: &str = "SELECT COALESCE(MAX(id), 0) FROM audit_events";
        Ok(match db {
            TrialDb::Sqlite(p) => {
                let mut conn = sqlite_conn(p).await?;
                let n: i64 = sqlx::query(SQL).fetch_one(&mut conn).await?.try_get(0)?;
                let _ = conn.close().await;
                n
            }
            TrialDb::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let n: i64 = sqlx::query(SQL).fetch_one(&mut conn).await?.try_get(0)?;
                let _ = conn.close().await;
                n
            }
        })
    }

    /// The audit events after id `after`, sorted (actor, action, entity, entity id).
    pub async fn audit_since(&self, db: &TrialDb, after: i64) -> anyhow::Result<Vec<AuditKey>> {
        const SQL: &str =
            "SELECT actor, action, entity, entity_id FROM audit_events WHERE id > $1 ORDER BY id";
        let rows = match db {
            TrialDb::Sqlite(p) => {
                let mut conn = sqlite_conn(p).await?;
                let rows = sqlx::query(SQL).bind(after).fetch_all(&mut conn).await?;
                let _ = conn.close().await;
                rows.iter().map(audit_key).collect::<Result<Vec<_>, _>>()?
            }
            TrialDb::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let rows = sqlx::query(SQL).bind(after).fetch_all(&mut conn).await?;
                let _ = conn.close().await;
                rows.iter().map(audit_key).collect::<Result<Vec<_>, _>>()?
            }
        };
        let mut rows = rows;
        rows.sort();
        Ok(rows)
    }

    fn base(&self) -> anyhow::Result<&str> {
        self.pg_base.as_deref().ok_or_else(|| {
            anyhow!(
                "no PostgreSQL server: pass --pg-url postgres://USER@HOST:PORT/DB or set CHIIKI_TEST_PG_URL (./scripts/crash-trials starts one)"
            )
        })
    }

    /// The URL of database `name` on the server of the base URL.
    fn pg_url(&self, name: &str) -> anyhow::Result<String> {
        let base = self.base()?;
        let (head, query) = match base.split_once('?') {
            Some((h, q)) => (h, format!("?{q}")),
            None => (base, String::new()),
        };
        let (prefix, _) = head
            .rsplit_once('/')
            .filter(|(p, _)| p.contains("://") && !p.ends_with('/'))
            .ok_or_else(|| {
                anyhow!("the PostgreSQL URL {head} names no database: end it in /DBNAME")
            })?;
        Ok(format!("{prefix}/{name}{query}"))
    }

    /// One administrative statement (database names are our own: letters, digits, `_`).
    async fn admin(&self, sql: &str) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(self.base()?)
            .await
            .context("connecting to the PostgreSQL server")?;
        let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        done.with_context(|| format!("running `{sql}`"))?;
        Ok(())
    }
}

async fn sqlite_conn(path: &Path) -> anyhow::Result<sqlx::SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    sqlx::SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("opening {}", path.display()))
}

/// `SELECT count(*)` of a table named by the database's own catalog.
fn count_sql(table: &str) -> anyhow::Result<sqlx::AssertSqlSafe<String>> {
    if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("unexpected table name {table:?}");
    }
    Ok(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(count(*) AS BIGINT) FROM \"{table}\""
    )))
}

fn audit_key<R: Row>(r: &R) -> Result<AuditKey, sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    usize: sqlx::ColumnIndex<R>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
}
