//! Use cases: every operation a user can perform, written once over the [`Store`] and the
//! algorithms. The web server and the CLI call these and never duplicate them.

pub mod demo;
pub mod refdata;
pub mod register;

use chiiki_store::Store;
use chiiki_tabular::ImportIssue;

/// An operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] chiiki_store::StoreError),
    /// A file that cannot be read as a whole.
    #[error("{0}")]
    File(Box<ImportIssue>),
    #[error(transparent)]
    Write(#[from] chiiki_tabular::WriteError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    RefData(#[from] refdata::RefDataError),
    #[error("the database is not empty: the demo loads only into an empty database")]
    NotEmpty,
}

/// Loads the demo into an empty store (actor `demo`). Returns how many records were loaded.
pub async fn load_demo(store: &dyn Store) -> Result<u64, AppError> {
    if store.counts().await?.values().any(|n| *n > 0) {
        return Err(AppError::NotEmpty);
    }
    let changes = demo::records()?
        .into_iter()
        .map(chiiki_store::Change::Put)
        .collect();
    let applied = store
        .apply("demo", changes, chiiki_store::Mode::Commit)
        .await?;
    Ok(applied.total_created())
}
