//! Use cases: every operation a user can perform, written once over the [`Store`] and the
//! algorithms. The web server and the CLI call these and never duplicate them.

pub mod access;
pub mod alliance;
pub mod analysis;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod demo;
pub mod dispatch;
pub mod docsheet;
pub mod doctor_bank;
pub mod duty;
pub mod mutual_aid;
pub mod obligations;
pub mod outlook;
pub mod placement;
pub mod procurement;
pub mod refdata;
pub mod register;
pub mod rotation;
pub mod training;
pub mod workbook;

use chiiki_store::Store;
use chiiki_tabular::ImportIssue;

/// An operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(chiiki_store::StoreError),
    /// A write made from a version of a record that someone else has changed since
    /// (optimistic locking): nothing was written. Said in both languages, with what to do.
    #[error("{}", .0.en)]
    Conflict(chiiki_domain::Msg),
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
    /// Not allowed for this user.
    #[error(transparent)]
    Denied(#[from] access::Denied),
    /// A value that does not validate.
    #[error("{0}")]
    Invalid(Box<chiiki_domain::ValueError>),
    /// A request refused, with the reason in both languages.
    #[error("{}", .0.en)]
    Rejected(chiiki_domain::Msg),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A store error as the app says it: a failed optimistic lock is a [`AppError::Conflict`]
/// the user can act on, anything else passes on as it is.
impl From<chiiki_store::StoreError> for AppError {
    fn from(e: chiiki_store::StoreError) -> Self {
        match e {
            chiiki_store::StoreError::Conflict {
                what,
                expected,
                found,
            } => AppError::Conflict(chiiki_domain::Msg::new(
                format!(
                    "この画面を開いた後に、他の利用者が先に変更を保存しました（版 {expected} → {found}）。\
                     あなたの変更は保存していません。現在の内容を確かめてから、もう一度入力してください。"
                ),
                format!(
                    "Someone else saved a change to {what} after you opened this page (version \
                     {expected}, now {found}). Your change was not saved. Check the current \
                     content, then enter your change again."
                ),
            )),
            e => AppError::Store(e),
        }
    }
}

impl AppError {
    /// A value that does not validate.
    pub fn invalid(v: chiiki_domain::ValueError) -> AppError {
        AppError::Invalid(Box::new(v))
    }
}

/// A value as the JSON a stored run or version keeps.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(format!("json: {e}")))
}

/// A stored run's or version's JSON read back; `what` names it in the error
/// (`a stored rotation plan`).
pub(crate) fn from_json<T: for<'de> serde::Deserialize<'de>>(
    v: &serde_json::Value,
    what: &str,
) -> Result<T, AppError> {
    serde_json::from_value(v.clone())
        .map_err(|e| AppError::Internal(format!("{what} does not read: {e}")))
}

/// A demo account and its new password (random, shown once).
pub type DemoAccount = (chiiki_domain::Username, chiiki_domain::Role, String);

/// Loads the demo into an empty store (actor `demo`) — the register and the placement round
/// of the year after its histories, with requests and preferences, and Chiba's alliance
/// 東葛南部メディカルアライアンス with its four member corporations — and returns how many
/// register records it loaded.
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
    placement::demo_round(store).await?;
    alliance::load_demo(store).await?;
    procurement::load_demo(store).await?;
    training::load_demo(store).await?;
    mutual_aid::load_demo(store).await?;
    doctor_bank::load_demo(store).await?;
    Ok(applied.total_created())
}

/// Creates the demo's accounts — admin, a coordinator of Iwate, 岩手県立釜石病院, the synthetic
/// doctor DEMO-2018-001, an auditor of Iwate and the secretariat of 東葛南部メディカルアライアンス
/// — or, when they exist, gives them new
/// passwords: random, returned to be shown once.
pub async fn demo_accounts(store: &dyn Store) -> Result<Vec<DemoAccount>, AppError> {
    let system = access::Principal::system("demo");
    let mut out = Vec::new();
    for fields in demo::accounts() {
        let password = auth::random_token()[..20].to_string();
        let account = auth::put_account(store, &system, fields, Some(&password)).await?;
        out.push((account.username.clone(), account.role, password));
    }
    Ok(out)
}
