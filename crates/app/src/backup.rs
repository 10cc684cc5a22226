//! Backups of the embedded (SQLite) database: a consistent copy taken while chiiki runs, and
//! its restore — checked before it replaces anything, migrated when an older release wrote it.

use std::path::{Path, PathBuf};

use chiiki_domain::{Entity, Msg};
use chiiki_store::{SqliteStore, Store};

use crate::AppError;

fn refused(ja: String, en: String) -> AppError {
    AppError::Rejected(Msg::new(ja, en))
}

/// A `--db` value that is a PostgreSQL URL: backed up with PostgreSQL's own tools.
fn sqlite_path(db: &str) -> Result<PathBuf, AppError> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return Err(refused(
            "PostgreSQL のデータベースは pg_dump / pg_restore でバックアップしてください（運用手順書を参照）".into(),
            "back up a PostgreSQL database with pg_dump and pg_restore (see the operations guide)".into(),
        ));
    }
    Ok(PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(db)))
}

/// What a backup or a restore holds: the records of the register, by entity.
pub type Counts = std::collections::BTreeMap<Entity, u64>;

/// Copies the database `db` to `out` (which must not exist) while it may be in use, checks the
/// copy, and returns what it holds.
pub async fn backup(db: &str, out: &Path) -> Result<Counts, AppError> {
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
pub async fn restore(db: &str, from: &Path, replace: bool) -> Result<Counts, AppError> {
    let path = sqlite_path(db)?;
    if !from.is_file() {
        return Err(refused(
            format!("バックアップ {} がありません", from.display()),
            format!("there is no backup {}", from.display()),
        ));
    }
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
    std::fs::copy(from, &staging).map_err(|e| AppError::Io {
        path: from.display().to_string(),
        source: e,
    })?;
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
        let counts = backup(db_s, &out).await.unwrap();
        assert_eq!(counts[&Entity::Doctors], 301);
        assert!(
            backup(db_s, &out).await.is_err(),
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
        assert!(backup("postgres://x/y", &out).await.is_err());
    }
}
