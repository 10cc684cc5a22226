//! The store: where the register lives. One [`Store`] trait, two back ends — SQLite
//! (embedded, a file, the default) and PostgreSQL (for many offices) — chosen by the
//! `--db` value, each with its own migrations. Only this crate knows SQL.
//!
//! Every write of the register goes through [`Store::apply`], which runs one transaction that
//! writes the records and, in the same transaction, an audit event per changed record (actor,
//! action, entity, id, before and after as JSON, time). Placement rounds (their settings,
//! requests, preference lists, runs and decision) have their own methods, each one
//! transaction with its audit events too; once a round is decided, the store and the database
//! itself (triggers) refuse to change it. The versions of multi-year rotation plans and their
//! adoptions are kept the same way, and never change once written. Dispatch (facilities'
//! requests for cover, doctors' offers, overtime reports, solved runs and the dispatches
//! confirmed from them) too: one transaction per write with its audit events; runs never
//! change, and a request is dispatched once, all of a confirmation or nothing. The versions
//! of facilities' duty rosters and their publications are kept as rotation plans are: only
//! ever added. Reads return validated domain values: a stored record that no longer validates
//! is reported, never passed on.

mod backend;
pub mod documents;
pub mod dump;
mod rows;
#[cfg(feature = "testing")]
pub mod testing;

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use chiiki_domain::{
    Account, Adoption, Alliance, AllianceId, AllianceMember, AreaCode, Assignment, AssignmentId,
    Booking, Decision, Dispatch, DispatchOffer, DispatchRequest, DispatchRun, Doctor, DoctorId,
    DutyRosterVersion, Entity, Equipment, Facility, FacilityId, FacilityKind, HoursReport, LgCode,
    Municipality, NaiveDate, PlanVersion, PostRequest, PrefCode, PreferenceList, Programme, Record,
    RegisterStatus, RequestState, Round, RoundId, Run, Scheme, SecondaryArea, StaffLoan, Username,
};
use chrono::NaiveDateTime;
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
    /// Write only if the doctor's version is still this one ([`Store::version_of`]): the
    /// optimistic lock of a form made from that version. Otherwise the apply writes nothing
    /// and fails with [`StoreError::Conflict`].
    ExpectDoctor { doctor: DoctorId, version: u64 },
}

/// What carries a version for optimistic locking ([`Store::version_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Versioned {
    /// A doctor: one more for every change to the doctor's record or to any of the doctor's
    /// assignments.
    Doctor(DoctorId),
    /// A placement round: one more for every change to its settings.
    Round(RoundId),
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
    /// This facility only.
    pub id: Option<FacilityId>,
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
    /// This doctor only.
    pub id: Option<DoctorId>,
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
    /// An entity's code (`doctors`, …) or `accounts`, `sessions`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub pref: Option<PrefCode>,
    pub paging: Paging,
}

/// Dispatch requests (and, for [`Store::list_dispatches`], the dispatches to them) by the
/// request: those whose start's date is in `[from, until)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DispatchFilter {
    pub pref: Option<PrefCode>,
    /// The first day (inclusive).
    pub from: Option<NaiveDate>,
    /// The day after the last (exclusive).
    pub until: Option<NaiveDate>,
    pub facility: Option<FacilityId>,
    pub state: Option<RequestState>,
    /// The doctor dispatched: only for [`Store::list_dispatches`] (requests ignore it).
    pub doctor: Option<DoctorId>,
}

/// Staff loans: those of the alliance, of the doctor, and with hours in the month (any day
/// of it), as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoanFilter {
    pub alliance: Option<AllianceId>,
    pub doctor: Option<DoctorId>,
    pub month: Option<NaiveDate>,
}

/// Offers of a doctor, overlapping a window: those that end after `from` and start before
/// `until`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferFilter {
    pub doctor: Option<DoctorId>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
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
        /// The kind of record: an entity's code, or `accounts`.
        entity: String,
        key: String,
        reason: String,
    },
    #[error("a new account needs a password")]
    NoPassword,
    #[error("cannot open the database '{target}': {reason}")]
    Open { target: String, reason: String },
    #[error(
        "the placement round {round} is decided: its inputs, runs and decision can no longer change"
    )]
    RoundDecided {
        /// The round's id, `03-2027`.
        round: String,
    },
    #[error("{what} already exists")]
    Exists {
        /// What, as a phrase: `the placement round 03-2027`.
        what: String,
    },
    #[error("{what} does not exist")]
    Missing {
        /// What, as a phrase: `the placement round 03-2027`, `the facility F-1`.
        what: String,
    },
    /// An item of a batch ([`Store::import_alliance`]) refused: its list, its place in it (from
    /// 0) and why.
    #[error("{list} item {index}: {error}")]
    InBatch {
        list: &'static str,
        index: usize,
        error: Box<StoreError>,
    },
    /// A checked write of documents refused by its plan (a session full, a state that cannot
    /// follow, …), said in both languages.
    #[error("{}", .0.en)]
    Refused(chiiki_domain::Msg),
    /// An optimistic lock failed: the record changed since the version the write was made
    /// from, so the write would have overwritten someone else's change. Nothing was written.
    #[error(
        "{what} was changed by someone else after it was read (version {expected}, now {found}): nothing was saved"
    )]
    Conflict {
        /// What, as a phrase: `the doctor DEMO-2018-001`, `the placement round 03-2027`.
        what: String,
        /// The version the write was made from.
        expected: u64,
        /// The version stored now.
        found: u64,
    },
    #[error("{what} is no longer open: it was filled or cancelled")]
    Closed {
        /// What, as a phrase: `the dispatch request 12`.
        what: String,
    },
}

/// A login session, kept by the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub username: Username,
    /// The session's CSRF token, which every form it submits must carry.
    pub csrf: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
}

/// An event of the audit trail that is not a change of a record (a login, a logout, a
/// refused attempt).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub pref: Option<String>,
    pub details: Option<serde_json::Value>,
}

/// The register's storage. Implemented by [`SqliteStore`] and [`PgStore`]; the behaviour test
/// suite in `tests/behaviour.rs` runs against both.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Writes the logical dump ([`dump`]): every table (but login sessions) from one
    /// snapshot, which either back end restores with [`Store::load_dump`]. Returns the rows
    /// per table. The caller compresses (`chiiki backup --kind dump` writes gzip).
    async fn dump(
        &self,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<dump::DumpCounts, StoreError>;

    /// Restores a logical dump into this store, which must hold no rows (`Refused`
    /// otherwise): all or nothing, in one transaction; every line is checked against the
    /// schema, and a file cut short or changed is refused naming its line. Ids keep their
    /// values and the sequences continue after the largest id ever given.
    async fn load_dump(
        &self,
        input: &mut (dyn std::io::BufRead + Send),
    ) -> Result<dump::DumpCounts, StoreError>;

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

    /// The current version of a doctor or a round (`None` when there is none), for a form to
    /// carry and a later write to expect ([`Change::ExpectDoctor`], [`Store::update_round`]).
    async fn version_of(&self, what: &Versioned) -> Result<Option<u64>, StoreError>;

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
    /// How many facilities pass the filter in each area (paging ignored).
    async fn count_facilities_by_area(
        &self,
        filter: &FacilityFilter,
    ) -> Result<BTreeMap<AreaCode, u64>, StoreError>;
    async fn list_doctors(&self, filter: &DoctorFilter) -> Result<Page<Doctor>, StoreError>;
    /// Assignments ordered by doctor and start date.
    async fn list_assignments(
        &self,
        filter: &AssignmentFilter,
    ) -> Result<Vec<Assignment>, StoreError>;
    /// Audit events, newest first.
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Page<AuditEvent>, StoreError>;

    /// Records an event that changes no record (login, logout), by `actor`.
    async fn record_event(&self, actor: &str, event: Event) -> Result<(), StoreError>;

    /// Creates or updates an account, with a new password hash when given (required for a
    /// new account). Audited without the hash; a changed password is its own `password`
    /// event. Changing the password or disabling the account ends its sessions.
    async fn put_account(
        &self,
        actor: &str,
        account: &Account,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError>;
    /// The account and its password hash.
    async fn get_account(
        &self,
        username: &Username,
    ) -> Result<Option<(Account, String)>, StoreError>;
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;

    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn touch_session(
        &self,
        id_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError>;
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    // Placement rounds. Each write is one transaction with its audit event (entity
    // `placement_rounds`, `placement_requests`, `placement_preferences`, `placement_runs` or
    // `placement_decisions`; id `03-2027`, `03-2027/F-1`, `03-2027/D-1`, `03-2027#3`; the
    // round's prefecture as `pref`). A record that does not validate is refused as
    // [`StoreError::Corrupt`], on the way in as on the way out.

    /// Creates a round; `Exists` when the prefecture already has one for the year.
    async fn create_round(&self, actor: &str, round: &Round) -> Result<(), StoreError>;
    /// Replaces a round's settings (title, priority rule, seed, limits), keeping who created
    /// it and when; `Missing`, or `RoundDecided` once decided. Equal settings write nothing.
    /// With `expect`, only when the round's version is still that one (`Conflict`
    /// otherwise). Returns the round's version after the write.
    async fn update_round(
        &self,
        actor: &str,
        round: &Round,
        expect: Option<u64>,
    ) -> Result<u64, StoreError>;
    async fn get_round(&self, id: RoundId) -> Result<Option<Round>, StoreError>;
    /// The rounds of a prefecture (all when None), newest fiscal year first.
    async fn list_rounds(&self, pref: Option<PrefCode>) -> Result<Vec<Round>, StoreError>;
    /// Creates or replaces a facility's request; `Missing` (round or facility),
    /// `RoundDecided`. A request equal to the stored one writes nothing.
    async fn put_request(&self, actor: &str, request: &PostRequest) -> Result<(), StoreError>;
    /// Withdraws a request; Ok(false) when there was none; `RoundDecided`.
    async fn delete_request(
        &self,
        actor: &str,
        round: RoundId,
        facility: &FacilityId,
    ) -> Result<bool, StoreError>;
    /// The requests of a round, by facility id.
    async fn list_requests(&self, round: RoundId) -> Result<Vec<PostRequest>, StoreError>;
    /// Creates or replaces a doctor's preference list; `Missing` (round or doctor),
    /// `RoundDecided`. A list equal to the stored one writes nothing.
    async fn put_preference(&self, actor: &str, list: &PreferenceList) -> Result<(), StoreError>;
    /// The preference lists of a round, by doctor id.
    async fn list_preferences(&self, round: RoundId) -> Result<Vec<PreferenceList>, StoreError>;
    /// Adds a run with the next sequence number of its round (1, 2, …, given in the same
    /// transaction, which holds the round's lock; the `seq` passed is ignored) and returns it
    /// as stored; `Missing`, `RoundDecided`. Its audit event keeps only `seq`, `label`,
    /// `algorithm` and `summary` (input and result are large).
    async fn add_run(&self, actor: &str, run: &Run) -> Result<Run, StoreError>;
    /// The runs of a round, by sequence number.
    async fn list_runs(&self, round: RoundId) -> Result<Vec<Run>, StoreError>;
    async fn get_run(&self, round: RoundId, seq: u32) -> Result<Option<Run>, StoreError>;
    /// Records the committee's decision and, in the same transaction, puts the assignments it
    /// creates (each with its audit event, exactly as `apply` with `Mode::Commit` does);
    /// `RoundDecided` when the round already has a decision, `Missing` when the round or the
    /// run does not exist. All or nothing.
    async fn decide(
        &self,
        actor: &str,
        decision: &Decision,
        assignments: Vec<Assignment>,
    ) -> Result<Applied, StoreError>;
    async fn get_decision(&self, round: RoundId) -> Result<Option<Decision>, StoreError>;

    // Multi-year rotation plans. Versions and adoptions are only ever added: each is one
    // transaction with its audit event (entity `rotation_plans` or `rotation_adoptions`; id
    // `03#2`, the prefecture and the version's number; the prefecture as `pref`), and the
    // database itself (triggers) refuses to change or remove them. A record that does not
    // validate is refused as [`StoreError::Corrupt`], on the way in as on the way out.

    /// Adds a version of a prefecture's plan with the prefecture's next sequence number (1,
    /// 2, …, given in the same transaction, which holds the prefecture's plans locked; the
    /// `seq` passed is ignored) and returns it as stored; `Missing` when its `parent` is not
    /// a version of the same prefecture. Its audit event keeps only `seq`, `label`,
    /// `first_year`, `years`, `parent` and `summary` (input and result are large).
    async fn add_plan_version(
        &self,
        actor: &str,
        version: &PlanVersion,
    ) -> Result<PlanVersion, StoreError>;
    /// The versions of a prefecture's plan, by sequence number.
    async fn list_plan_versions(&self, pref: PrefCode) -> Result<Vec<PlanVersion>, StoreError>;
    async fn get_plan_version(
        &self,
        pref: PrefCode,
        seq: u32,
    ) -> Result<Option<PlanVersion>, StoreError>;
    /// Records the adoption of a version; `Missing` when the version does not exist, `Exists`
    /// when it was adopted before (a version is adopted once; a prefecture adopts further
    /// versions over time).
    async fn adopt_plan_version(&self, actor: &str, adoption: &Adoption) -> Result<(), StoreError>;
    /// The adoptions of a prefecture's plan versions, oldest first (by `adopted_at`, then
    /// version): the last is the plan in force.
    async fn list_adoptions(&self, pref: PrefCode) -> Result<Vec<Adoption>, StoreError>;

    // Dispatch. Each write is one transaction with its audit events (entity
    // `dispatch_requests`, `dispatch_offers`, `hours_reports`, `dispatch_runs` or
    // `dispatches`; id `12` (a request's or an offer's id; a dispatch goes by its request's),
    // `D-1#F-1#2026-12` (doctor, employer, month), `03#2` (prefecture, run); the prefecture as
    // `pref`: the request's, the run's, or the doctor's for offers and hours). Ids of requests
    // and offers are given by the store (unique across prefectures, never reused). A record
    // that does not validate is refused as [`StoreError::Corrupt`], on the way in as on the way
    // out. Runs are only ever added, and the database itself (triggers) refuses to change or
    // remove them, or to remove a confirmed dispatch.

    /// Creates a request (`id` 0: returned with its new id) or updates one (`Missing` when there
    /// is none; `Closed` unless it is still open), keeping who requested it and when. Its
    /// facility must be in the register (`Missing`) and in the request's prefecture, and the
    /// request must be open: it is filled by [`Store::confirm_dispatches`] and cancelled by
    /// [`Store::cancel_dispatch_request`] (`Corrupt` otherwise). Returns it as stored; a request
    /// equal to the stored one writes nothing.
    async fn put_dispatch_request(
        &self,
        actor: &str,
        request: &DispatchRequest,
    ) -> Result<DispatchRequest, StoreError>;
    async fn get_dispatch_request(&self, id: u64) -> Result<Option<DispatchRequest>, StoreError>;
    /// The requests the filter selects (`doctor` ignored), by start, then id.
    async fn list_dispatch_requests(
        &self,
        filter: &DispatchFilter,
    ) -> Result<Vec<DispatchRequest>, StoreError>;
    /// Cancels an open request; `Missing`, or `Closed` when it is filled or cancelled already.
    async fn cancel_dispatch_request(&self, actor: &str, id: u64) -> Result<(), StoreError>;

    /// Creates an offer (`id` 0: returned with its new id) or replaces one (`Missing` when
    /// there is none); its doctor must be in the register (`Missing`). Returns it as stored; an
    /// offer equal to the stored one writes nothing.
    async fn put_offer(
        &self,
        actor: &str,
        offer: &DispatchOffer,
    ) -> Result<DispatchOffer, StoreError>;
    /// Withdraws an offer; `Missing` when there is none.
    async fn delete_offer(&self, actor: &str, id: u64) -> Result<(), StoreError>;
    /// The offers the filter selects, by doctor, then start, then id.
    async fn list_offers(&self, filter: &OfferFilter) -> Result<Vec<DispatchOffer>, StoreError>;

    /// Creates or replaces the report of a doctor's overtime at an employer in a month (its
    /// key); its doctor must be in the register (`Missing`). A report equal to the stored one
    /// writes nothing. Its audit events keep only the key and the figures (`doctor`,
    /// `employer`, `month`, `month_minutes`, `year_minutes`): not the interview's date.
    async fn put_hours(&self, actor: &str, report: &HoursReport) -> Result<(), StoreError>;
    /// The reports of a doctor and of a month (all when None), by doctor, month, employer.
    async fn list_hours(
        &self,
        doctor: Option<&DoctorId>,
        month: Option<NaiveDate>,
    ) -> Result<Vec<HoursReport>, StoreError>;

    /// Adds a run with the prefecture's next sequence number (1, 2, …, given in the same
    /// transaction, which holds the prefecture's runs locked; the `seq` passed is ignored) and
    /// returns it as stored. Its audit event keeps only `seq`, `month` and `summary` (input
    /// and result are large).
    async fn add_dispatch_run(
        &self,
        actor: &str,
        run: &DispatchRun,
    ) -> Result<DispatchRun, StoreError>;
    /// The runs of a prefecture, by sequence number.
    async fn list_dispatch_runs(&self, pref: PrefCode) -> Result<Vec<DispatchRun>, StoreError>;
    async fn get_dispatch_run(
        &self,
        pref: PrefCode,
        seq: u32,
    ) -> Result<Option<DispatchRun>, StoreError>;

    /// Confirms dispatches from the run `run` of the prefecture, in one transaction: all or
    /// nothing. The run must exist (`Missing`); each dispatch must name that run (`Corrupt`
    /// otherwise) and validate; each request must exist in the prefecture (`Missing`), be open
    /// (`Closed`; the requests are locked, so that of two confirmations of a request exactly one
    /// wins) and appear once in the list (`Exists`); each doctor must be in the register
    /// (`Missing`). Writes each dispatch and marks its request filled, with an audit event for
    /// each (`dispatches` create, `dispatch_requests` update).
    async fn confirm_dispatches(
        &self,
        actor: &str,
        pref: PrefCode,
        run: u32,
        dispatches: &[Dispatch],
    ) -> Result<(), StoreError>;
    /// The dispatches whose request the filter selects (and to `doctor` when given), by the
    /// request's start, then its id.
    async fn list_dispatches(&self, filter: &DispatchFilter) -> Result<Vec<Dispatch>, StoreError>;
    /// Records the minutes actually worked (0 to 2,880; `Corrupt` otherwise) on a confirmed
    /// dispatch, by its request's id; `Missing` when the request has no dispatch.
    async fn record_worked(
        &self,
        actor: &str,
        request: u64,
        minutes: i64,
    ) -> Result<(), StoreError>;

    // Duty rosters (勤務表). Versions and their publications are only ever added: each is one
    // transaction with its audit event (entity `duty_rosters`; id `03#2`, the prefecture and
    // the version's number; the prefecture as `pref`), and the database itself (triggers)
    // refuses to change or remove them. A version that does not validate (its month given by
    // its first day, a title of 1 to 200 characters) is refused as [`StoreError::Corrupt`],
    // on the way in as on the way out. A version is read with its publication, if any.

    /// Adds a version with the prefecture's next sequence number (1, 2, …, given in the same
    /// transaction, which holds the prefecture's versions locked; the `seq` passed is ignored)
    /// and returns it as stored, unpublished (the `published` passed is ignored). Its facility
    /// must be in the register (`Missing`) and in the version's prefecture (`Corrupt`). Its
    /// audit event keeps only `seq`, `facility`, `month`, `title` and `summary` (what was
    /// asked and the roster made are large).
    async fn add_duty_roster(
        &self,
        actor: &str,
        version: &DutyRosterVersion,
    ) -> Result<DutyRosterVersion, StoreError>;
    /// The versions of a prefecture, of a facility and of a month (any day of it) when given,
    /// by sequence number.
    async fn list_duty_rosters(
        &self,
        pref: PrefCode,
        facility: Option<&FacilityId>,
        month: Option<NaiveDate>,
    ) -> Result<Vec<DutyRosterVersion>, StoreError>;
    async fn get_duty_roster(
        &self,
        pref: PrefCode,
        seq: u32,
    ) -> Result<Option<DutyRosterVersion>, StoreError>;
    /// Publishes a version, by `actor` and now, and returns it published; `Missing` when the
    /// version does not exist, `Exists` when it was published before (a version is published
    /// once; a facility publishes further versions of a month over time). Audited as an
    /// `update` of the version: `published` goes from null to who and when.
    async fn publish_duty_roster(
        &self,
        actor: &str,
        pref: PrefCode,
        seq: u32,
    ) -> Result<DutyRosterVersion, StoreError>;
    /// The rosters in force in a month (any day of it) in the prefecture: for each facility
    /// with a published version of that month, the version published last (by the time of
    /// publication, then by sequence number), by facility id.
    async fn published_duty_rosters(
        &self,
        pref: PrefCode,
        month: NaiveDate,
    ) -> Result<Vec<DutyRosterVersion>, StoreError>;

    // Regional medical alliances (地域医療連携推進法人) and their member corporations. Each put
    // creates or replaces one record (a record equal to the stored one writes nothing) in one
    // transaction with its audit event (entities `alliances`, id `12-TOKATSU-NANBU`, and
    // `alliance_members`, id `12-TOKATSU-NANBU/医療法人社団誠馨会`; the alliance's prefecture
    // as `pref`). Records are validated when built and again when read back.

    /// Creates or replaces an alliance (by its id).
    async fn put_alliance(&self, actor: &str, alliance: &Alliance) -> Result<(), StoreError>;
    async fn get_alliance(&self, id: &AllianceId) -> Result<Option<Alliance>, StoreError>;
    /// The alliances of a prefecture (all when None), by id.
    async fn list_alliances(&self, pref: Option<PrefCode>) -> Result<Vec<Alliance>, StoreError>;
    /// Creates or replaces a member corporation (by its alliance and corporation); its alliance
    /// must be stored (`Missing`), and so must the facilities it names in the register
    /// (`Missing`), in the alliance's prefecture (`Corrupt`).
    async fn put_alliance_member(
        &self,
        actor: &str,
        member: &AllianceMember,
    ) -> Result<(), StoreError>;
    /// The members of an alliance — those that are members on the day when given (joined on or
    /// before it and not left before it) — by the day they joined, then corporation.
    async fn list_alliance_members(
        &self,
        alliance: &AllianceId,
        on: Option<NaiveDate>,
    ) -> Result<Vec<AllianceMember>, StoreError>;

    // The staff lending ledger (entity `staff_loans`, id the loan's number; the alliance's
    // prefecture as `pref`). The audit events keep ids, the members, role, doctor id, period
    // and total minutes — never the person's name nor the note.

    /// Creates a loan (id 0: the store gives the next id and returns the loan with it) or
    /// replaces the loan of its id (`Missing` when there is none). The alliance must be stored
    /// (`Missing`); both corporations must be members of it on the start day (`Corrupt`); the
    /// doctor, when given, must be in the register (`Missing`).
    async fn put_staff_loan(&self, actor: &str, loan: &StaffLoan) -> Result<StaffLoan, StoreError>;
    async fn get_staff_loan(&self, id: u64) -> Result<Option<StaffLoan>, StoreError>;
    /// The loans the filter selects, by start day, then id.
    async fn list_staff_loans(&self, filter: &LoanFilter) -> Result<Vec<StaffLoan>, StoreError>;
    /// Deletes a loan; `Missing` when there is none.
    async fn delete_staff_loan(&self, actor: &str, id: u64) -> Result<(), StoreError>;

    // Shared equipment (entity `equipment`) and its bookings (entity `equipment_bookings`),
    // ids their numbers; the alliance's prefecture as `pref`. Booking audit events keep the
    // ids, member and times — never the purpose.

    /// Creates a piece of equipment (id 0: the store gives the next id and returns it with
    /// it) or replaces the one of its id (`Missing` when there is none). The alliance must be
    /// stored (`Missing`) and the owner a member of it (`Corrupt`).
    async fn put_equipment(
        &self,
        actor: &str,
        equipment: &Equipment,
    ) -> Result<Equipment, StoreError>;
    async fn get_equipment(&self, id: u64) -> Result<Option<Equipment>, StoreError>;
    /// The equipment of an alliance, by id.
    async fn list_equipment(&self, alliance: &AllianceId) -> Result<Vec<Equipment>, StoreError>;
    /// Stores a new booking (its id is ignored; the store gives the next) and returns it with
    /// its id. The equipment must be stored (`Missing`); the booking member must be a member
    /// of its alliance on the start day (`Corrupt`); a booking that overlaps another of the
    /// same equipment is refused with `Exists`, naming the other booking, its member and its
    /// times. The check and the write run with the equipment locked, so that of two bookings
    /// of one slot exactly one succeeds.
    async fn book(&self, actor: &str, booking: &Booking) -> Result<Booking, StoreError>;
    async fn get_booking(&self, id: u64) -> Result<Option<Booking>, StoreError>;
    /// Deletes a booking; `Missing` when there is none.
    async fn cancel_booking(&self, actor: &str, id: u64) -> Result<(), StoreError>;
    /// The bookings of the equipment that share time with `from..to`, by start, then id.
    async fn list_bookings(
        &self,
        equipment: u64,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<Booking>, StoreError>;

    // Documents (`chiiki_domain::Document`): the records of alliance operations and of the
    // doctor bank, in one table, each whole as JSON beside its kind, id, scope, prefecture,
    // parent and owner. Ids are given by the store, unique across kinds. Each write is one
    // transaction with one audit event per document created, updated or deleted (entity its
    // kind, id its id, the scope's prefecture as `pref`, before and after only the fields
    // the document type lets the audit keep). Typed access is in [`documents`].

    /// Creates (id 0: the store gives the next id and writes it into the JSON's `id`) or
    /// replaces a document. An alliance scope must name a stored alliance (`Missing`); a
    /// document keeps its kind and scope (`Refused` otherwise); replacing a missing document
    /// is `Missing`.
    async fn put_document(&self, actor: &str, doc: DocPut) -> Result<DocRow, StoreError>;
    async fn get_document(&self, kind: &str, id: u64) -> Result<Option<DocRow>, StoreError>;
    /// The documents the query selects, by id.
    async fn list_documents(&self, query: &DocQuery) -> Result<Vec<DocRow>, StoreError>;
    /// Deletes a document; `Missing` when there is none of the kind.
    async fn delete_document(
        &self,
        actor: &str,
        kind: &'static str,
        id: u64,
    ) -> Result<(), StoreError>;
    /// A checked write: locks the group (its kind, scope and parent) so that checked writes
    /// of one group run one after the other, reads its documents, and applies the writes the
    /// plan makes of them, all in one transaction; the plan refuses with `Refused`. Returns
    /// the documents written (with the ids given to new ones).
    async fn change_documents(
        &self,
        actor: &str,
        group: &DocGroup,
        plan: &DocPlan<'_>,
    ) -> Result<Vec<DocRow>, StoreError>;

    /// Writes a batch of alliance lists in one transaction, all or nothing: members created
    /// or replaced, then loans and equipment created (id 0) or replaced, then bookings (id 0: booked, checked for overlap
    /// like [`Store::book`]; a stored one must be unchanged — a booking changes by cancelling
    /// and booking again), then documents as [`Store::put_document`] writes them. Each item is
    /// checked as its own method checks it; the first refused comes back as `InBatch`, naming
    /// its list and place.
    async fn import_alliance(
        &self,
        actor: &str,
        batch: &AllianceBatch,
    ) -> Result<AllianceWritten, StoreError>;
}

/// An alliance's lists to write at once, all or nothing ([`Store::import_alliance`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllianceBatch {
    /// Member corporations created or replaced (by alliance and corporation) first.
    pub members: Vec<AllianceMember>,
    pub loans: Vec<StaffLoan>,
    pub equipment: Vec<Equipment>,
    /// New bookings (id 0), or stored ones unchanged (kept as they are).
    pub bookings: Vec<Booking>,
    pub documents: Vec<DocPut>,
}

/// What a batch became: each item as stored, in the batch's order, and how many were created
/// or changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllianceWritten {
    pub loans: Vec<StaffLoan>,
    pub equipment: Vec<Equipment>,
    pub bookings: Vec<Booking>,
    pub documents: Vec<DocRow>,
    pub changed: usize,
}

/// The plan of a checked write: from the group's documents, the writes to make.
pub type DocPlan<'a> = dyn Fn(Vec<DocRow>) -> Result<Vec<DocWrite>, StoreError> + Send + Sync + 'a;

/// A document as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRow {
    pub kind: String,
    pub id: u64,
    /// [`chiiki_domain::DocScope::key`].
    pub scope: String,
    pub pref: PrefCode,
    pub parent: Option<u64>,
    pub owner: Option<String>,
    pub data: serde_json::Value,
    /// 1 when created, one more at each replacement that changes it (optimistic locking).
    pub version: u64,
}

/// A document to write.
#[derive(Debug, Clone, PartialEq)]
pub struct DocPut {
    pub kind: &'static str,
    /// 0 for a new document.
    pub id: u64,
    pub scope: chiiki_domain::DocScope,
    pub parent: Option<u64>,
    pub owner: Option<String>,
    /// The whole document: an object with its `id`.
    pub data: serde_json::Value,
    /// What the audit trail keeps of it.
    pub audited: serde_json::Value,
    /// When replacing: write only if the stored document's version is still this one
    /// (`Conflict` otherwise).
    pub expect: Option<u64>,
}

/// A write of a checked change.
#[derive(Debug, Clone, PartialEq)]
pub enum DocWrite {
    Put(DocPut),
    Delete { kind: &'static str, id: u64 },
}

/// Documents of a kind, narrowed by whichever of scope, prefecture, parent and owner are
/// given.
#[derive(Debug, Clone, PartialEq)]
pub struct DocQuery {
    pub kind: &'static str,
    pub scope: Option<String>,
    pub pref: Option<PrefCode>,
    pub parent: Option<u64>,
    pub owner: Option<String>,
}

impl DocQuery {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            scope: None,
            pref: None,
            parent: None,
            owner: None,
        }
    }
}

/// The documents a checked write locks and reads: those of a kind in a scope, under a parent
/// when given.
#[derive(Debug, Clone, PartialEq)]
pub struct DocGroup {
    pub kind: &'static str,
    pub scope: chiiki_domain::DocScope,
    pub parent: Option<u64>,
    /// The parent's kind, when the plan must see the parent as it is inside the lock too (a
    /// tender's state under its demands, a post's under its applications): the parent's row
    /// is then read after the lock is taken and given to the plan after the group's rows.
    pub parent_kind: Option<&'static str>,
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
