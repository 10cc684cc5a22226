//! Backups: of the embedded (SQLite) database, a consistent copy taken while chiiki runs;
//! of either back end, the logical dump ([`chiiki_store::dump`], gzip-compressed), which
//! restores into either back end (SQLite ↔ PostgreSQL). A restore is checked before it
//! replaces anything, and migrated when an older release wrote it.

use std::path::{Path, PathBuf};

use chiiki_domain::{Entity, Msg};
use chiiki_store::{SqliteStore, Store};

use crate::AppError;

fn refused(ja: String, en: String) -> AppError {
    AppError::Rejected(Msg::new(ja, en))
}

fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The file of a SQLite `--db` value; a PostgreSQL URL is backed up as a logical dump.
fn sqlite_path(db: &str) -> Result<PathBuf, AppError> {
    if is_postgres(db) {
        return Err(refused(
            "PostgreSQL のデータベースは --kind dump（論理ダンプ）か pg_dump でバックアップしてください".into(),
            "back up a PostgreSQL database with --kind dump (the logical dump) or pg_dump".into(),
        ));
    }
    Ok(PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(db)))
}

/// How a backup is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A copy of the SQLite file (SQLite only).
    Sqlite,
    /// The logical dump, gzip-compressed JSON Lines (either back end; restores into either).
    Dump,
}

impl Format {
    /// What a database is backed up as when the user does not say: its own file for SQLite,
    /// the logical dump for PostgreSQL.
    pub fn default_for(db: &str) -> Format {
        if is_postgres(db) {
            Format::Dump
        } else {
            Format::Sqlite
        }
    }
}

/// What a backup or a restore holds: the records of the register, by entity.
pub type Counts = std::collections::BTreeMap<Entity, u64>;

/// Backs up the database `db` to `out` (which must not exist) while it may be in use, in
/// `format`, and returns what it holds. A SQLite copy is checked by opening it; a dump is
/// written beside `out` and renamed into place once whole.
pub async fn backup(db: &str, out: &Path, format: Format) -> Result<Counts, AppError> {
    if format == Format::Dump {
        return dump(db, out).await;
    }
    let path = sqlite_path(db)?;
    if !path.exists() {
        return Err(refused(
            format!("データベース {} がありません", path.display()),
            format!("there is no database {}", path.display()),
        ));
    }
    if out.exists() {
        return Err(refused(
            format!(
                "{} はすでにあります。別の名前を指定してください",
                out.display()
            ),
            format!("{} already exists: give another name", out.display()),
        ));
    }
    let store = SqliteStore::open(&path).await?;
    store.backup(out).await?;
    store.close().await;
    check(out).await
}

fn exists_already(out: &Path) -> AppError {
    refused(
        format!(
            "{} はすでにあります。別の名前を指定してください",
            out.display()
        ),
        format!("{} already exists: give another name", out.display()),
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |source| AppError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The register's records by entity, from a dump's rows by table.
fn entity_counts(rows: &chiiki_store::dump::DumpCounts) -> Counts {
    Entity::ALL
        .iter()
        .map(|e| (*e, rows.get(e.code()).copied().unwrap_or(0)))
        .collect()
}

async fn dump(db: &str, out: &Path) -> Result<Counts, AppError> {
    if out.exists() {
        return Err(exists_already(out));
    }
    if !is_postgres(db) && !sqlite_path(db)?.exists() {
        return Err(refused(
            format!("データベース {db} がありません"),
            format!("there is no database {db}"),
        ));
    }
    let store = chiiki_store::open(db).await?;
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial).map_err(io(&partial))?;
    let mut gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(file),
        flate2::Compression::default(),
    );
    let written = store.dump(&mut gz).await;
    let finished = gz
        .finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .and_then(|f| f.sync_all());
    let rows = match (written, finished) {
        (Ok(rows), Ok(())) => rows,
        (Err(e), _) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
        (_, Err(e)) => {
            let _ = std::fs::remove_file(&partial);
            return Err(io(&partial)(e));
        }
    };
    std::fs::rename(&partial, out).map_err(io(out))?;
    Ok(entity_counts(&rows))
}

/// Whether a file is a logical dump (gzip) rather than a SQLite file.
fn is_dump(file: &Path) -> Result<bool, AppError> {
    use std::io::Read as _;
    let mut magic = [0u8; 2];
    let mut f = std::fs::File::open(file).map_err(io(file))?;
    let n = f.read(&mut magic).map_err(io(file))?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

/// Restores a dump into the store at `db`.
async fn load(db: &str, from: &Path) -> Result<Counts, AppError> {
    let file = std::fs::File::open(from).map_err(io(from))?;
    let mut input = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let rows = if is_postgres(db) {
        chiiki_store::open(db).await?.load_dump(&mut input).await
    } else {
        // Closed before the file is checked and moved, so that all of it is in the file.
        let store = SqliteStore::open(&sqlite_path(db)?).await?;
        let rows = store.load_dump(&mut input).await;
        store.close().await;
        rows
    };
    Ok(entity_counts(&rows?))
}

/// Opens a copy of a backup (migrating it when an older release wrote it), refuses it when
/// its pages are not sound, and returns what it holds.
async fn check(file: &Path) -> Result<Counts, AppError> {
    let copy = SqliteStore::open(file).await?;
    let problems = copy.integrity().await?;
    if !problems.is_empty() {
        copy.close().await;
        return Err(refused(
            format!("{} は壊れています: {}", file.display(), problems.join("; ")),
            format!("{} is damaged: {}", file.display(), problems.join("; ")),
        ));
    }
    let counts = copy.counts().await?;
    copy.close().await;
    Ok(counts.into_iter().collect())
}

/// Restores the backup `from` as the database `db`: the backup is copied beside `db`, checked
/// (and migrated), then put in place of `db` in one rename. An existing `db` is replaced only
/// with `replace` (stop chiiki first: a running server keeps the old file open).
///
/// A logical dump restores into either back end: into PostgreSQL, the database must be new
/// and empty (nothing is replaced there); into SQLite, a new file is filled and checked
/// beside `db`, then renamed into place as a copy is.
pub async fn restore(db: &str, from: &Path, replace: bool) -> Result<Counts, AppError> {
    if !from.is_file() {
        return Err(refused(
            format!("バックアップ {} がありません", from.display()),
            format!("there is no backup {}", from.display()),
        ));
    }
    let dump = is_dump(from)?;
    if dump && is_postgres(db) {
        return load(db, from).await;
    }
    let path = sqlite_path(db)?;
    if path.exists() && !replace {
        return Err(refused(
            format!(
                "{} はすでにあります。置き換えるには chiiki を止めてから --force を付けてください",
                path.display()
            ),
            format!(
                "{} exists: stop chiiki and add --force to replace it",
                path.display()
            ),
        ));
    }
    let staging = path.with_extension("restoring");
    let _ = std::fs::remove_file(&staging);
    let loaded = if dump {
        let target = staging.display().to_string();
        load(&target, from).await.map(|_| ())
    } else {
        std::fs::copy(from, &staging).map(|_| ()).map_err(io(from))
    };
    if let Err(e) = loaded {
        let _ = std::fs::remove_file(&staging);
        return Err(e);
    }
    let counts = match check(&staging).await {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
    };
    for side in ["-wal", "-shm"] {
        let mut p = staging.clone().into_os_string();
        p.push(side);
        let _ = std::fs::remove_file(PathBuf::from(p));
        let mut p = path.clone().into_os_string();
        p.push(side);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::rename(&staging, &path).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every doctor of the register as CSV: the full export compared before and after.
    async fn export(s: &dyn Store) -> Vec<u8> {
        crate::register::export(
            s,
            &crate::access::Principal::system("test"),
            Entity::Doctors,
            &crate::register::ListFilter::default(),
            chiiki_tabular::Format::Csv,
        )
        .await
        .unwrap()
        .0
    }

    #[tokio::test]
    async fn a_backup_restores_the_same_register_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("chiiki.db");
        let db_s = db.to_str().unwrap();
        let store = SqliteStore::open(&db).await.unwrap();
        crate::load_demo(&store).await.unwrap();
        let before = export(&store as &dyn Store).await;
        store.close().await;

        let out = dir.path().join("backup.db");
        let counts = backup(db_s, &out, Format::Sqlite).await.unwrap();
        assert_eq!(counts[&Entity::Doctors], 301);
        assert!(
            backup(db_s, &out, Format::Sqlite).await.is_err(),
            "an existing file is kept"
        );

        // The database is lost; the backup brings back the same register.
        std::fs::remove_file(&db).unwrap();
        let restored = restore(db_s, &out, false).await.unwrap();
        assert_eq!(restored, counts);
        let store = SqliteStore::open(&db).await.unwrap();
        assert_eq!(export(&store as &dyn Store).await, before);
        store.close().await;
        assert!(
            restore(db_s, &out, false).await.is_err(),
            "no replace without --force"
        );

        // A damaged file is refused and the database left as it was.
        let bad = dir.path().join("bad.db");
        let mut bytes = std::fs::read(&out).unwrap();
        for b in bytes.iter_mut().skip(4096).step_by(97).take(2000) {
            *b ^= 0x5a;
        }
        std::fs::write(&bad, bytes).unwrap();
        assert!(restore(db_s, &bad, true).await.is_err());
        let store = SqliteStore::open(&db).await.unwrap();
        assert_eq!(export(&store as &dyn Store).await, before);
        store.close().await;
        assert!(
            backup("postgres://x/y", &out, Format::Sqlite)
                .await
                .is_err()
        );
    }

    /// The logical dump moves a register between back ends: SQLite → dump → a new SQLite and
    /// (when the test command started one) PostgreSQL → dump → SQLite, the full export of
    /// doctors equal each time; into a store that holds data it is refused.
    #[tokio::test]
    async fn a_dump_restores_into_either_back_end() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("chiiki.db");
        let db_s = db.to_str().unwrap();
        let store = SqliteStore::open(&db).await.unwrap();
        crate::load_demo(&store).await.unwrap();
        let before = export(&store as &dyn Store).await;
        store.close().await;

        let out = dir.path().join("register.jsonl.gz");
        let counts = backup(db_s, &out, Format::Dump).await.unwrap();
        assert_eq!(counts[&Entity::Doctors], 301);
        assert!(!dir.path().join("register.jsonl.gz.partial").exists());

        let copy = dir.path().join("copy.db");
        let copy_s = copy.to_str().unwrap();
        assert_eq!(restore(copy_s, &out, false).await.unwrap(), counts);
        let store = SqliteStore::open(&copy).await.unwrap();
        assert_eq!(export(&store as &dyn Store).await, before);
        store.close().await;

        if let Some(pg) = chiiki_store::testing::pg().await {
            let url = pg.target().to_string();
            assert_eq!(restore(&url, &out, false).await.unwrap(), counts);
            assert_eq!(export(pg.store()).await, before);
            // And back from PostgreSQL into SQLite.
            let again = dir.path().join("from-pg.jsonl.gz");
            assert_eq!(backup(&url, &again, Format::Dump).await.unwrap(), counts);
            let back = dir.path().join("back.db");
            restore(back.to_str().unwrap(), &again, false)
                .await
                .unwrap();
            let store = SqliteStore::open(&back).await.unwrap();
            assert_eq!(export(&store as &dyn Store).await, before);
            store.close().await;
            // PostgreSQL is never replaced: a database with data refuses the dump.
            let err = restore(&url, &out, true).await.unwrap_err();
            assert!(err.to_string().contains("not empty"), "{err}");
        } else if std::env::var("CHIIKI_REQUIRE_PG").is_ok_and(|v| v == "1") {
            panic!("CHIIKI_REQUIRE_PG=1 but no PostgreSQL");
        }
    }
}
