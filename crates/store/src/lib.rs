//! The store: where the register lives. One [`Store`] trait, two back ends — SQLite
//! (embedded, a file, the default) and PostgreSQL (for many offices) — chosen by the
//! `--db` value, each with its own migrations. Only this crate knows SQL.
//!
//! Every write goes through [`Store::apply`], which runs one transaction that writes the
//! records and, in the same transaction, an audit event per changed record (actor, action,
//! entity, id, before and after as JSON, time). Reads return validated domain values: a
//! stored record that no longer validates is reported, never passed on.

mod backend;
mod rows;
#[cfg(feature = "testing")]
pub mod testing;

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use chiiki_domain::{
    AreaCode, Assignment, AssignmentId, Doctor, DoctorId, Entity, Facility, FacilityId,
    FacilityKind, LgCode, Municipality, NaiveDate, PrefCode, Programme, Record, RegisterStatus,
    Scheme, SecondaryArea,
};
use serde::Serialize;

pub use backend::{PgStore, SqliteStore};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A change to the register.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Create the record, or replace the one with the same key.
    Put(Record),
    /// Remove an assignment (recorded in the audit trail with its last state).
    DeleteAssignment(AssignmentId),
}

/// Whether [`Store::apply`] writes or only reports what it would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Commit,
    DryRun,
}

/// What an apply did (or would do), per entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub created: BTreeMap<Entity, u64>,
    pub updated: BTreeMap<Entity, u64>,
    pub unchanged: BTreeMap<Entity, u64>,
    pub deleted: BTreeMap<Entity, u64>,
    /// The keys of the records created or updated, per entity (for reports).
    pub changed_keys: BTreeMap<Entity, Vec<String>>,
}

impl Applied {
    pub fn total_created(&self) -> u64 {
        self.created.values().sum()
    }
    pub fn total_updated(&self) -> u64 {
        self.updated.values().sum()
    }
    pub fn total_unchanged(&self) -> u64 {
        self.unchanged.values().sum()
    }
    pub fn total_deleted(&self) -> u64 {
        self.deleted.values().sum()
    }
}

/// A page of results and the number of all results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Paging: at most `limit` results after skipping `offset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paging {
    pub limit: Option<u64>,
    pub offset: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacilityFilter {
    pub pref: Option<PrefCode>,
    pub area: Option<AreaCode>,
    pub municipality: Option<LgCode>,
    pub kind: Option<FacilityKind>,
    /// Part of the name or id, case-insensitive.
    pub text: Option<String>,
    pub paging: Paging,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DoctorFilter {
    pub pref: Option<PrefCode>,
    pub status: Option<RegisterStatus>,
    pub graduation_year: Option<i32>,
    /// Doctors with an assignment in this area on `on`.
    pub area: Option<AreaCode>,
    /// Doctors with an assignment at this facility on `on`.
    pub facility: Option<FacilityId>,
    /// The day for `area` and `facility` (today when not given).
    pub on: Option<NaiveDate>,
    /// Part of the name, kana or id, case-insensitive.
    pub text: Option<String>,
    pub paging: Paging,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssignmentFilter {
    pub doctors: Option<Vec<DoctorId>>,
    pub facility: Option<FacilityId>,
    pub pref: Option<PrefCode>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub entity: Option<Entity>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub pref: Option<PrefCode>,
    pub paging: Paging,
}

/// One change, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub pref: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the stored {entity} record '{key}' is not valid: {reason}")]
    Corrupt {
        entity: Entity,
        key: String,
        reason: String,
    },
    #[error("cannot open the database '{target}': {reason}")]
    Open { target: String, reason: String },
}

/// The register's storage. Implemented by [`SqliteStore`] and [`PgStore`]; the behaviour test
/// suite in `tests/behaviour.rs` runs against both.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Applies the changes in one transaction, with one audit event per record created,
    /// updated or deleted; a record equal to the stored one is left alone. All or nothing:
    /// on any error nothing is written. In [`Mode::DryRun`] nothing is written either, and
    /// the result says what would have happened.
    async fn apply(
        &self,
        actor: &str,
        changes: Vec<Change>,
        mode: Mode,
    ) -> Result<Applied, StoreError>;

    /// The record of the given kind and key.
    async fn get(&self, entity: Entity, key: &str) -> Result<Option<Record>, StoreError>;

    /// The keys of all records of a kind.
    async fn keys(&self, entity: Entity) -> Result<HashSet<String>, StoreError>;

    /// How many records of each kind there are.
    async fn counts(&self) -> Result<BTreeMap<Entity, u64>, StoreError>;

    async fn list_areas(&self, pref: Option<PrefCode>) -> Result<Vec<SecondaryArea>, StoreError>;
    async fn list_municipalities(
        &self,
        pref: Option<PrefCode>,
        area: Option<AreaCode>,
    ) -> Result<Vec<Municipality>, StoreError>;
    async fn list_schemes(&self, pref: Option<PrefCode>) -> Result<Vec<Scheme>, StoreError>;
    async fn list_programmes(&self, pref: Option<PrefCode>) -> Result<Vec<Programme>, StoreError>;
    async fn list_facilities(&self, filter: &FacilityFilter) -> Result<Page<Facility>, StoreError>;
    async fn list_doctors(&self, filter: &DoctorFilter) -> Result<Page<Doctor>, StoreError>;
    /// Assignments ordered by doctor and start date.
    async fn list_assignments(
        &self,
        filter: &AssignmentFilter,
    ) -> Result<Vec<Assignment>, StoreError>;
    /// Audit events, newest first.
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Page<AuditEvent>, StoreError>;
}

/// Opens the store that `target` names — a `postgres://` or `postgresql://` URL, or else a
/// SQLite file path (created when missing) — and brings its schema up to date.
pub async fn open(target: &str) -> Result<Box<dyn Store>, StoreError> {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        Ok(Box::new(PgStore::connect(target).await?))
    } else {
        let path = target.strip_prefix("sqlite://").unwrap_or(target);
        Ok(Box::new(
            SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    }
}
