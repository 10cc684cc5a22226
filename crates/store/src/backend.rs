//! The SQLite and PostgreSQL back ends. Both run the same SQL (portable: `$n` parameters,
//! `ON CONFLICT … DO UPDATE`, `LIMIT … OFFSET`), so one implementation, written once in
//! [`impl_store!`], is instantiated for each database type; only connecting, migrations and
//! the DDL differ.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chiiki_domain::dispatch::first_of_month;
use chiiki_domain::{
    Account, Adoption, Alliance, AllianceId, AllianceMember, AreaCode, Assignment, Decision,
    Dispatch, DispatchOffer, DispatchRequest, DispatchRun, Doctor, DoctorId, DutyRosterVersion,
    Entity, Facility, FacilityId, HoursReport, Municipality, NaiveDate, PlanVersion, PostRequest,
    PrefCode, PreferenceList, Programme, Publication, Record, RequestState, Round, RoundId, Run,
    Scheme, SecondaryArea, StaffLoan, Username,
};
use chiiki_domain::{Booking, DocScope, Equipment, Msg};
use chrono::NaiveDateTime;
use serde_json::Value;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row as _};

use crate::dump::{self, Kind as DumpKind};
use crate::rows::{
    MAX_WORKED_MINUTES, Placement, Row, Table, Val, corrupt, decode, from_data, placement_data,
    placement_from, table, to_row,
};
/// The columns of a document row, as [`DocRow`] reads them.
const DOC_SELECT: &str =
    "SELECT id, kind, scope, pref, parent, owner, data, version FROM documents";

use crate::{
    AllianceBatch, AllianceWritten, Applied, AssignmentFilter, AuditEvent, AuditFilter, Backend,
    Change, DispatchFilter, DocGroup, DocPlan, DocPut, DocQuery, DocRow, DocWrite, DoctorFilter,
    Event, FacilityFilter, LoanFilter, Mode, OfferFilter, Page, Paging, SessionRecord, Store,
    StoreError, Versioned,
};

/// The name accounts go by in errors and the audit trail.
const ACCOUNTS: &str = "accounts";

/// Rows per multi-row statement: keeps the bound parameters well under SQLite's 32,766 and
/// PostgreSQL's 65,535.
const CHUNK: usize = 500;

/// The embedded back end: one SQLite file in WAL mode with foreign keys enforced.
pub struct SqliteStore {
    pool: SqlitePool,
    write_lock: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    /// Opens (creating when missing) the SQLite file and migrates it.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                target: path.display().to_string(),
                reason: e.to_string(),
            })?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self {
            pool,
            write_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Writes a consistent copy of the database to `out` while it is in use (SQLite's
    /// `VACUUM INTO`: one read transaction, so the copy is the database at one moment, every
    /// committed write in it or not). `out` must not exist.
    pub async fn backup(&self, out: &Path) -> Result<(), StoreError> {
        let target = out.to_str().ok_or_else(|| StoreError::Open {
            target: out.display().to_string(),
            reason: "the path is not UTF-8".into(),
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the database's pages are sound (`PRAGMA integrity_check` and
    /// `foreign_key_check` find nothing): the problems found, none when sound.
    pub async fn integrity(&self) -> Result<Vec<String>, StoreError> {
        let mut problems: Vec<String> = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        problems.retain(|p| p != "ok");
        for r in sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&self.pool)
            .await?
        {
            let table: String = r.try_get(0)?;
            problems.push(format!(
                "a row of {table} refers to a row that does not exist"
            ));
        }
        Ok(problems)
    }

    /// Closes the pool, checkpointing the WAL into the database file.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The server back end: PostgreSQL (or a compatible engine; no extensions are used).
pub struct PgStore {
    pool: PgPool,
    write_lock: tokio::sync::Mutex<()>,
}

impl PgStore {
    /// Connects to the database at `url` and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options =
            sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| StoreError::Open {
                target: redact(url),
                reason: e.to_string(),
            })?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                target: redact(url),
                reason: e.to_string(),
            })?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self {
            pool,
            write_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// SQL assembled only from this crate's constants (table and column names), never from
/// input: values always go through bound parameters.
fn trusted(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

/// A condition of a `WHERE` clause: SQL with `?` where each value goes.
struct Cond {
    sql: &'static str,
    vals: Vec<Val>,
}

fn cond(sql: &'static str, vals: Vec<Val>) -> Cond {
    Cond { sql, vals }
}

fn text(s: impl ToString) -> Val {
    Val::Text(Some(s.to_string()))
}

/// `%text%` for LIKE, lower-cased, with LIKE's wildcards escaped.
fn like(s: &str) -> Val {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Val::Text(Some(format!("%{escaped}%")))
}

fn pref_cond(pref: Option<PrefCode>, conds: &mut Vec<Cond>) {
    if let Some(p) = pref {
        conds.push(cond("pref = ?", vec![text(p)]));
    }
}

fn facility_conds(f: &FacilityFilter) -> Vec<Cond> {
    let mut c = Vec::new();
    if let Some(id) = &f.id {
        c.push(cond("id = ?", vec![text(id)]));
    }
    pref_cond(f.pref, &mut c);
    if let Some(a) = f.area {
        c.push(cond("area = ?", vec![text(a)]));
    }
    if let Some(m) = f.municipality {
        c.push(cond("municipality = ?", vec![text(m)]));
    }
    if let Some(k) = f.kind {
        c.push(cond("kind = ?", vec![text(k)]));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        c.push(cond(
            "(LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(id) LIKE ? ESCAPE '\\')",
            vec![like(t), like(t)],
        ));
    }
    c
}

fn doctor_conds(f: &DoctorFilter) -> Vec<Cond> {
    let mut c = Vec::new();
    if let Some(id) = &f.id {
        c.push(cond("id = ?", vec![text(id)]));
    }
    pref_cond(f.pref, &mut c);
    if let Some(s) = f.status {
        c.push(cond("status = ?", vec![text(s)]));
    }
    if let Some(y) = f.graduation_year {
        c.push(cond("graduation_year = ?", vec![Val::Int(y as i64)]));
    }
    let on = f.on.unwrap_or_else(|| chrono::Local::now().date_naive());
    if let Some(a) = f.area {
        c.push(cond(
            "id IN (SELECT a.doctor FROM assignments a JOIN facilities f ON f.id = a.facility \
             WHERE f.area = ? AND a.start_date <= ? AND (a.end_date IS NULL OR a.end_date >= ?))",
            vec![text(a), Val::Date(Some(on)), Val::Date(Some(on))],
        ));
    }
    if let Some(fac) = &f.facility {
        c.push(cond(
            "id IN (SELECT a.doctor FROM assignments a WHERE a.facility = ? \
             AND a.start_date <= ? AND (a.end_date IS NULL OR a.end_date >= ?))",
            vec![text(fac), Val::Date(Some(on)), Val::Date(Some(on))],
        ));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        c.push(cond(
            "(LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(kana, '')) LIKE ? ESCAPE '\\' \
             OR LOWER(id) LIKE ? ESCAPE '\\')",
            vec![like(t), like(t), like(t)],
        ));
    }
    c
}

/// One audit event about to be written.
struct PendingAudit {
    action: &'static str,
    entity: &'static str,
    key: String,
    pref: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
}

/// Records to put, per entity in dependency order.
type Puts = BTreeMap<Entity, Vec<Record>>;

/// Splits the changes into puts per entity (the last put of a key wins) and deletions.
/// The changes of an apply, sorted: the puts per entity (the last put of a key wins), the
/// assignments to delete, and the doctors' versions expected.
struct Sorted {
    puts: Puts,
    deletes: Vec<String>,
    expects: Vec<(String, u64)>,
}

fn sort_changes(changes: Vec<Change>) -> Sorted {
    let mut puts: BTreeMap<Entity, (Vec<Record>, HashMap<String, usize>)> = BTreeMap::new();
    let mut deletes = Vec::new();
    let mut expects = Vec::new();
    for change in changes {
        match change {
            Change::ExpectDoctor { doctor, version } => expects.push((doctor.to_string(), version)),
            Change::Put(record) => {
                let key = record.key();
                let (records, index) = puts.entry(record.entity()).or_default();
                match index.get(&key) {
                    Some(&i) => records[i] = record,
                    None => {
                        index.insert(key, records.len());
                        records.push(record);
                    }
                }
            }
            Change::DeleteAssignment(id) => deletes.push(id.to_string()),
        }
    }
    let puts = puts
        .into_iter()
        .map(|(e, (records, _))| (e, records))
        .collect();
    Sorted {
        puts,
        deletes,
        expects,
    }
}

/// The doctor an assignment's stored JSON names.
fn assignment_doctor(data: &Value) -> Option<String> {
    data.get("doctor")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// What the placement triggers say when a write would change a decided round (the store
/// checks first; the triggers are the second line of defence, for any client).
const DECIDED_MARK: &str = "placement round is decided";

fn round_phrase(id: RoundId) -> String {
    format!("the placement round {id}")
}

fn missing_round(id: RoundId) -> StoreError {
    StoreError::Missing {
        what: round_phrase(id),
    }
}

fn decided(id: RoundId) -> StoreError {
    StoreError::RoundDecided {
        round: id.to_string(),
    }
}

/// A database error of a write to the round `id`: `RoundDecided` when a trigger refused it
/// because the round is decided.
fn refused(e: sqlx::Error, id: RoundId) -> StoreError {
    match e.as_database_error() {
        Some(d) if d.message().contains(DECIDED_MARK) => decided(id),
        _ => StoreError::Database(e),
    }
}

/// A version of a prefecture's rotation plan, as a phrase for errors.
fn plan_phrase(pref: PrefCode, seq: u32) -> String {
    format!("the version {seq} of the rotation plan of prefecture {pref}")
}

fn missing_plan(pref: PrefCode, seq: u32) -> StoreError {
    StoreError::Missing {
        what: plan_phrase(pref, seq),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// The inputs of a round that facilities and doctors enter: requests and preference lists.
struct Input {
    /// Its table: `placement_requests`, `placement_preferences`.
    table: &'static str,
    /// The column of the one who entered it, and the table it refers to.
    owner: &'static str,
    owners: &'static str,
    /// The owner as a phrase, for `Missing`: `facility`, `doctor`.
    noun: &'static str,
}

const REQUESTS: Input = Input {
    table: "placement_requests",
    owner: "facility",
    owners: "facilities",
    noun: "facility",
};

const PREFERENCES: Input = Input {
    table: "placement_preferences",
    owner: "doctor",
    owners: "doctors",
    noun: "doctor",
};

/// A request's or an offer's id as the database keeps it; `None` for an id that no stored
/// record can have (0, or beyond the column's range).
fn db_id(id: u64) -> Option<i64> {
    i64::try_from(id).ok().filter(|&i| i > 0)
}

/// An id the database gave, as the record keeps it.
fn record_id(table: &str, id: i64) -> Result<u64, StoreError> {
    u64::try_from(id).map_err(|e| corrupt(table, &id.to_string(), e))
}

fn request_phrase(id: u64) -> String {
    format!("the dispatch request {id}")
}

fn missing_request(id: u64) -> StoreError {
    StoreError::Missing {
        what: request_phrase(id),
    }
}

fn missing_offer(id: u64) -> StoreError {
    StoreError::Missing {
        what: format!("the dispatch offer {id}"),
    }
}

fn dispatch_phrase(request: u64) -> String {
    format!("the dispatch of the request {request}")
}

fn missing_doctor(id: &DoctorId) -> StoreError {
    StoreError::Missing {
        what: format!("the doctor {id}"),
    }
}

/// Checks a record on its way in; a new one (id 0) is called `new` in the error.
fn check_in<T: Placement>(x: &T, id: u64) -> Result<(), StoreError> {
    let key = if id == 0 {
        "new".to_string()
    } else {
        x.audit_id()
    };
    x.check().map_err(|e| corrupt(T::TABLE, &key, e))
}

/// The start of a day, for comparing with the timestamps of requests.
fn midnight(d: NaiveDate) -> Val {
    Val::Time(Some(d.and_time(chrono::NaiveTime::MIN)))
}

/// The conditions of a [`DispatchFilter`] on requests `r` (and on dispatches `d` when
/// `dispatches`: the doctor).
fn dispatch_conds(f: &DispatchFilter, dispatches: bool) -> Vec<Cond> {
    let mut c = Vec::new();
    if let Some(p) = f.pref {
        c.push(cond("r.pref = ?", vec![text(p)]));
    }
    if let Some(d) = f.from {
        c.push(cond("r.start_at >= ?", vec![midnight(d)]));
    }
    if let Some(d) = f.until {
        c.push(cond("r.start_at < ?", vec![midnight(d)]));
    }
    if let Some(fac) = &f.facility {
        c.push(cond("r.facility = ?", vec![text(fac)]));
    }
    if let Some(s) = f.state {
        c.push(cond("r.state = ?", vec![text(s.code())]));
    }
    if dispatches && let Some(d) = &f.doctor {
        c.push(cond("d.doctor = ?", vec![text(d)]));
    }
    c
}

/// What the audit trail keeps of an overtime report (stored JSON): its key and figures, no
/// personal data beyond them (not the interview's date, not who reported it).
fn hours_figures(data: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for k in [
        "doctor",
        "employer",
        "month",
        "month_minutes",
        "year_minutes",
    ] {
        if let Some(v) = data.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// A version of a prefecture's duty rosters, as a phrase for errors.
fn roster_phrase(pref: PrefCode, seq: u32) -> String {
    format!("the duty roster version {seq} of prefecture {pref}")
}

/// What the audit trail keeps of a duty roster version: its figures, not what was asked nor
/// the roster made (large); with its publication when `published`.
fn roster_figures(v: &DutyRosterVersion, published: bool) -> Value {
    let mut out = serde_json::json!({
        "seq": v.seq,
        "facility": v.facility,
        "month": v.month,
        "title": v.title,
        "summary": v.summary,
    });
    if published {
        out["published"] = serde_json::json!(v.published);
    }
    out
}

/// What the audit trail keeps of a staff loan: ids, members, role, period and totals — not
/// the person's name nor the note.
fn loan_figures(l: &StaffLoan) -> Value {
    serde_json::json!({
        "id": l.id,
        "alliance": l.alliance,
        "from": l.from,
        "to": l.to,
        "doctor": l.doctor,
        "role": l.role,
        "start": l.start,
        "end": l.end,
        "months": l.hours.len(),
        "minutes": l.hours.iter().map(|h| h.minutes).sum::<i64>(),
        "overtime": l.hours.iter().map(|h| h.overtime).sum::<i64>(),
    })
}

/// The months of a loan's hours as its `months` column keeps them: `YYYY-MM;` each.
fn loan_months(l: &StaffLoan) -> String {
    l.hours
        .iter()
        .map(|h| h.month.format("%Y-%m;").to_string())
        .collect()
}

fn missing_equipment(id: u64) -> StoreError {
    StoreError::Missing {
        what: format!("the equipment {id}"),
    }
}

fn missing_booking(id: u64) -> StoreError {
    StoreError::Missing {
        what: format!("the booking {id}"),
    }
}

/// What the audit keeps of a booking: never its purpose.
fn booking_figures(b: &Booking) -> Value {
    serde_json::json!({
        "id": b.id,
        "equipment": b.equipment,
        "by": b.by,
        "start": b.start,
        "end": b.end,
    })
}

fn missing_loan(id: u64) -> StoreError {
    StoreError::Missing {
        what: format!("the staff loan {id}"),
    }
}

/// The columns a duty roster version is read with (key, data, facility, month, publisher,
/// time of publication): the version `r` and its publication `p`, if any.
const ROSTER_SELECT: &str = "SELECT r.pref || '#' || CAST(r.seq AS TEXT), r.data, r.facility, r.month, \
     p.published_by, p.published_at FROM duty_rosters r \
     LEFT JOIN duty_roster_publications p ON p.pref = r.pref AND p.seq = r.seq";

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:expr) => {
        impl $store {
            fn push_val(qb: &mut QueryBuilder<$db>, v: Val) {
                match v {
                    Val::Text(s) => qb.push_bind(s),
                    Val::Int(i) => qb.push_bind(i),
                    Val::Bool(b) => qb.push_bind(b),
                    Val::Date(d) => qb.push_bind(d),
                    Val::Time(t) => qb.push_bind(t),
                };
            }

            fn push_where(qb: &mut QueryBuilder<$db>, conds: Vec<Cond>) {
                for (i, c) in conds.into_iter().enumerate() {
                    qb.push(if i == 0 { " WHERE " } else { " AND " });
                    let mut vals = c.vals.into_iter();
                    let mut parts = c.sql.split('?').peekable();
                    while let Some(part) = parts.next() {
                        qb.push(part);
                        if parts.peek().is_some() {
                            if let Some(v) = vals.next() {
                                Self::push_val(qb, v);
                            }
                        }
                    }
                }
            }

            /// Key and data of the matching rows in key order (or `order`), and how many match.
            async fn select(
                &self,
                t: &Table,
                conds: impl Fn() -> Vec<Cond>,
                order: &str,
                paging: Paging,
            ) -> Result<(Vec<(String, Value)>, u64), StoreError> {
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT {}, data FROM {}", t.key, t.name));
                Self::push_where(&mut qb, conds());
                qb.push(format!(" ORDER BY {order}"));
                if let Some(limit) = paging.limit {
                    qb.push(" LIMIT ");
                    qb.push_bind(limit as i64);
                    qb.push(" OFFSET ");
                    qb.push_bind(paging.offset as i64);
                }
                let rows = if paging.limit == Some(0) {
                    Vec::new()
                } else {
                    qb.build().fetch_all(&self.pool).await?
                };
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let key: String = r.try_get(0)?;
                    let Json(data): Json<Value> = r.try_get(1)?;
                    out.push((key, data));
                }
                let total = if paging.limit.is_none() && paging.offset == 0 {
                    out.len() as u64
                } else {
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT COUNT(*) FROM {}", t.name));
                    Self::push_where(&mut qb, conds());
                    let n: i64 = qb.build().fetch_one(&self.pool).await?.try_get(0)?;
                    n as u64
                };
                Ok((out, total))
            }

            async fn select_all<T: serde::de::DeserializeOwned>(
                &self,
                entity: Entity,
                conds: impl Fn() -> Vec<Cond>,
                order: &str,
                paging: Paging,
            ) -> Result<Page<T>, StoreError> {
                let (rows, total) = self.select(table(entity), conds, order, paging).await?;
                let items = rows
                    .into_iter()
                    .map(|(k, v)| decode(entity.code(), &k, v))
                    .collect::<Result<Vec<T>, _>>()?;
                Ok(Page { items, total })
            }

            /// The rows of `{select} IN (keys)`, asked in chunks, keyed by their first column.
            async fn lookup<V>(
                tx: &mut sqlx::Transaction<'_, $db>,
                select: &str,
                keys: &[&str],
                value: impl Fn(&<$db as sqlx::Database>::Row) -> Result<V, sqlx::Error>,
            ) -> Result<HashMap<String, V>, StoreError> {
                let mut found = HashMap::new();
                for chunk in keys.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(format!("{select} IN ("));
                    let mut sep = qb.separated(", ");
                    for k in chunk {
                        sep.push_bind(k.to_string());
                    }
                    qb.push(")");
                    for r in qb.build().fetch_all(&mut **tx).await? {
                        found.insert(r.try_get(0)?, value(&r)?);
                    }
                }
                Ok(found)
            }

            /// The stored data of the given keys, inside the transaction.
            async fn existing(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &Table,
                keys: &[&str],
            ) -> Result<HashMap<String, Value>, StoreError> {
                let select = format!("SELECT {}, data FROM {} WHERE {}", t.key, t.name, t.key);
                Self::lookup(tx, &select, keys, |r| r.try_get::<Json<Value>, _>(1).map(|j| j.0)).await
            }

            async fn upsert(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &Table,
                rows: Vec<&Row>,
            ) -> Result<(), StoreError> {
                let mut columns = vec![t.key];
                columns.extend_from_slice(t.columns);
                columns.push("data");
                let updates = columns[1..]
                    .iter()
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                for chunk in rows.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(format!(
                        "INSERT INTO {} ({}) ",
                        t.name,
                        columns.join(", ")
                    ));
                    qb.push_values(chunk.iter(), |mut b, row| {
                        b.push_bind(row.key.clone());
                        for v in &row.columns {
                            match v.clone() {
                                Val::Text(s) => b.push_bind(s),
                                Val::Int(i) => b.push_bind(i),
                                Val::Bool(x) => b.push_bind(x),
                                Val::Date(d) => b.push_bind(d),
                                Val::Time(t) => b.push_bind(t),
                            };
                        }
                        b.push_bind(Json(row.data.clone()));
                    });
                    qb.push(format!(" ON CONFLICT ({}) DO UPDATE SET {updates}", t.key));
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn prefs_of_doctors(
                tx: &mut sqlx::Transaction<'_, $db>,
                ids: &[&str],
            ) -> Result<HashMap<String, String>, StoreError> {
                Self::lookup(tx, "SELECT id, pref FROM doctors WHERE id", ids, |r| r.try_get(1)).await
            }

            async fn write_audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &str,
                at: chrono::DateTime<chrono::Utc>,
                events: &[PendingAudit],
            ) -> Result<(), StoreError> {
                for chunk in events.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO audit_events (at, actor, action, entity, entity_id, pref, before, after) ",
                    );
                    qb.push_values(chunk.iter(), |mut b, e| {
                        b.push_bind(at)
                            .push_bind(actor.to_string())
                            .push_bind(e.action)
                            .push_bind(e.entity)
                            .push_bind(e.key.clone())
                            .push_bind(e.pref.clone())
                            .push_bind(e.before.clone().map(Json))
                            .push_bind(e.after.clone().map(Json));
                    });
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Begins a transaction that writes. On SQLite it takes the write lock at once
            /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout for another writer), so that
            /// what it reads (the records an import compares with, is the round decided, the
            /// next run or version number) still holds when it writes, even against another
            /// process: a deferred transaction that read first would fail with "database is
            /// locked" when another process wrote meanwhile, instead of waiting its turn. On
            /// PostgreSQL [`Self::lock_round`] locks the round's row, [`Self::next_seq`] the
            /// table it numbers, and [`Self::check_doctors`] the doctors a write expects.
            async fn begin_write(&self) -> Result<sqlx::Transaction<'static, $db>, StoreError> {
                let begin = match $backend {
                    Backend::Sqlite => "BEGIN IMMEDIATE",
                    Backend::Postgres => "BEGIN",
                };
                Ok(self.pool.begin_with(begin).await?)
            }

            /// The stored round and whether it is decided, its row locked until the
            /// transaction ends (PostgreSQL: `FOR UPDATE`, so that writes to one round run one
            /// after the other; SQLite: the transaction holds the database's write lock).
            async fn lock_round(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: RoundId,
            ) -> Result<Option<(Round, bool)>, StoreError> {
                let select = match $backend {
                    Backend::Sqlite => "SELECT data FROM placement_rounds WHERE id = $1",
                    Backend::Postgres => "SELECT data FROM placement_rounds WHERE id = $1 FOR UPDATE",
                };
                let key = id.to_string();
                let Some(row) = sqlx::query(select).bind(&key).fetch_optional(&mut **tx).await? else {
                    return Ok(None);
                };
                let Json(data): Json<Value> = row.try_get(0)?;
                let round: Round = placement_from(&key, data)?;
                let decided = sqlx::query("SELECT round FROM placement_decisions WHERE round = $1")
                    .bind(&key)
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some();
                Ok(Some((round, decided)))
            }

            /// The next sequence number of the prefecture in the table of `T` (rotation plan
            /// versions, dispatch runs, duty roster versions, numbered per prefecture), with
            /// that table locked against other writers until the transaction ends, so that
            /// the number is still free when the record is written. PostgreSQL: a table lock
            /// that conflicts with itself and with inserts, not with reads nor with other
            /// tables' foreign-key checks (there is no row per prefecture to lock, and such
            /// records are added rarely); SQLite: the transaction already holds the database's
            /// write lock.
            async fn next_seq<T: Placement>(
                tx: &mut sqlx::Transaction<'_, $db>,
                pref: PrefCode,
            ) -> Result<u32, StoreError> {
                if $backend == Backend::Postgres {
                    sqlx::query(trusted(format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", T::TABLE)))
                        .execute(&mut **tx)
                        .await?;
                }
                let next: i64 = sqlx::query(trusted(format!(
                    "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM {} WHERE pref = $1",
                    T::TABLE
                )))
                .bind(pref.to_string())
                .fetch_one(&mut **tx)
                .await?
                .try_get(0)?;
                u32::try_from(next).map_err(|e| corrupt(T::TABLE, &format!("{pref}#{next}"), e))
            }

            /// Whether the version `seq` of the prefecture's plan exists, inside the transaction.
            async fn plan_exists(
                tx: &mut sqlx::Transaction<'_, $db>,
                pref: PrefCode,
                seq: u32,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query("SELECT seq FROM rotation_plans WHERE pref = $1 AND seq = $2")
                    .bind(pref.to_string())
                    .bind(i64::from(seq))
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some())
            }

            /// The round, locked, which must exist and be undecided.
            async fn open_round(tx: &mut sqlx::Transaction<'_, $db>, id: RoundId) -> Result<Round, StoreError> {
                match Self::lock_round(tx, id).await? {
                    None => Err(missing_round(id)),
                    Some((_, true)) => Err(decided(id)),
                    Some((round, false)) => Ok(round),
                }
            }

            /// What a read that locks its rows until the transaction ends appends: `FOR UPDATE`
            /// on PostgreSQL; nothing on SQLite, whose writing transactions hold the database's
            /// write lock (`BEGIN IMMEDIATE`).
            const FOR_UPDATE: &'static str = match $backend {
                Backend::Postgres => " FOR UPDATE",
                Backend::Sqlite => "",
            };

            /// The next id of a dispatch request or offer (`table`), inside the transaction:
            /// PostgreSQL takes it from the identity column's sequence; SQLite, whose
            /// transaction holds the write lock, after the largest id the table ever had
            /// (AUTOINCREMENT keeps it), so that ids are never reused.
            async fn next_id(tx: &mut sqlx::Transaction<'_, $db>, table: &str) -> Result<i64, StoreError> {
                let select = match $backend {
                    Backend::Sqlite => {
                        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $1), 0) + 1"
                    }
                    Backend::Postgres => "SELECT nextval(pg_get_serial_sequence($1, 'id'))",
                };
                Ok(sqlx::query(select).bind(table).fetch_one(&mut **tx).await?.try_get(0)?)
            }

            /// The dispatch record that `select` (a (key, data) row by `$1` = `id`) finds,
            /// validated, and its stored JSON; locked until the transaction ends.
            async fn locked<T: Placement>(
                tx: &mut sqlx::Transaction<'_, $db>,
                select: &str,
                id: i64,
            ) -> Result<Option<(T, Value)>, StoreError> {
                let row = sqlx::query(trusted(format!("{select}{}", Self::FOR_UPDATE)))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(r) = row else { return Ok(None) };
                let key: String = r.try_get(0)?;
                let Json(data): Json<Value> = r.try_get(1)?;
                Ok(Some((placement_from(&key, data.clone())?, data)))
            }

            async fn lock_dispatch_request(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
            ) -> Result<Option<(DispatchRequest, Value)>, StoreError> {
                Self::locked(tx, "SELECT CAST(id AS TEXT), data FROM dispatch_requests WHERE id = $1", id).await
            }

            async fn lock_offer(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
            ) -> Result<Option<(DispatchOffer, Value)>, StoreError> {
                Self::locked(tx, "SELECT CAST(id AS TEXT), data FROM dispatch_offers WHERE id = $1", id).await
            }

            async fn lock_loan(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
            ) -> Result<Option<(StaffLoan, Value)>, StoreError> {
                Self::locked(tx, "SELECT CAST(id AS TEXT), data FROM staff_loans WHERE id = $1", id).await
            }

            async fn lock_equipment(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: i64,
            ) -> Result<Option<(Equipment, Value)>, StoreError> {
                Self::locked(tx, "SELECT CAST(id AS TEXT), data FROM equipment WHERE id = $1", id).await
            }

            /// The prefecture of a stored alliance, inside the transaction; `Missing` when
            /// there is no such alliance.
            async fn alliance_pref(
                tx: &mut sqlx::Transaction<'_, $db>,
                alliance: &AllianceId,
            ) -> Result<PrefCode, StoreError> {
                let row = sqlx::query("SELECT pref FROM alliances WHERE id = $1")
                    .bind(alliance.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(row) = row else {
                    return Err(StoreError::Missing { what: format!("the alliance {alliance}") });
                };
                let pref: String = row.try_get(0)?;
                PrefCode::parse(&pref).map_err(|e| corrupt("alliances", alliance.as_str(), e))
            }


            /// [`Store::put_staff_loan`] inside a write transaction: the record as stored and its audit
            /// event (none when nothing changed).
            async fn put_loan_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                loan: &StaffLoan,
            ) -> Result<(StaffLoan, Option<PendingAudit>), StoreError> {
                check_in(loan, loan.id)?;
                let key = if loan.id == 0 { "new".to_string() } else { loan.audit_id() };
                let pref = Self::alliance_pref(tx, &loan.alliance).await?;
                for corporation in [&loan.from, &loan.to] {
                    Self::member_on::<StaffLoan>(tx, &loan.alliance, corporation, Some(loan.start), &key).await?;
                }
                if let Some(d) = &loan.doctor
                    && Self::doctor_pref(tx, d).await?.is_none()
                {
                    return Err(StoreError::Missing { what: format!("the doctor {d}") });
                }
                let (stored, before) = if loan.id == 0 {
                    let id = Self::next_id(tx, StaffLoan::TABLE).await?;
                    (loan.clone().with_id(record_id(StaffLoan::TABLE, id)?), None)
                } else {
                    let Some(id) = db_id(loan.id) else { return Err(missing_loan(loan.id)) };
                    let Some((old, _)) = Self::lock_loan(tx, id).await? else {
                        return Err(missing_loan(loan.id));
                    };
                    if old == *loan {
                        return Ok((old, None));
                    }
                    (loan.clone(), Some(loan_figures(&old)))
                };
                let data = placement_data(&stored)?;
                let write = if before.is_none() {
                    "INSERT INTO staff_loans (id, alliance, from_corporation, to_corporation, doctor, start_on, end_on, months, data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                } else {
                    "UPDATE staff_loans SET alliance = $2, from_corporation = $3, to_corporation = $4, doctor = $5, \
                     start_on = $6, end_on = $7, months = $8, data = $9 WHERE id = $1"
                };
                sqlx::query(write)
                    .bind(db_id(stored.id))
                    .bind(stored.alliance.to_string())
                    .bind(stored.from.to_string())
                    .bind(stored.to.to_string())
                    .bind(stored.doctor.as_ref().map(|d| d.to_string()))
                    .bind(stored.start)
                    .bind(stored.end)
                    .bind(loan_months(&stored))
                    .bind(Json(&data))
                    .execute(&mut **tx)
                    .await?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: StaffLoan::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before,
                    after: Some(loan_figures(&stored)),
                };
                Ok((stored, Some(event)))
            }

            /// [`Store::put_equipment`] inside a write transaction: the record as stored and its audit
            /// event (none when nothing changed).
            async fn put_equipment_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                equipment: &Equipment,
            ) -> Result<(Equipment, Option<PendingAudit>), StoreError> {
                check_in(equipment, equipment.id)?;
                let key = if equipment.id == 0 { "new".to_string() } else { equipment.audit_id() };
                let pref = Self::alliance_pref(tx, &equipment.alliance).await?;
                Self::member_on::<Equipment>(tx, &equipment.alliance, &equipment.owner, None, &key).await?;
                let (stored, before) = if equipment.id == 0 {
                    let id = Self::next_id(tx, Equipment::TABLE).await?;
                    (equipment.clone().with_id(record_id(Equipment::TABLE, id)?), None)
                } else {
                    let Some(id) = db_id(equipment.id) else { return Err(missing_equipment(equipment.id)) };
                    let Some((old, data)) = Self::lock_equipment(tx, id).await? else {
                        return Err(missing_equipment(equipment.id));
                    };
                    if old == *equipment {
                        return Ok((old, None));
                    }
                    (equipment.clone(), Some(data))
                };
                let data = placement_data(&stored)?;
                let write = if before.is_none() {
                    "INSERT INTO equipment (id, alliance, owner_corporation, data) VALUES ($1, $2, $3, $4)"
                } else {
                    "UPDATE equipment SET alliance = $2, owner_corporation = $3, data = $4 WHERE id = $1"
                };
                sqlx::query(write)
                    .bind(db_id(stored.id))
                    .bind(stored.alliance.to_string())
                    .bind(stored.owner.to_string())
                    .bind(Json(&data))
                    .execute(&mut **tx)
                    .await?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: Equipment::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before,
                    after: Some(data),
                };
                Ok((stored, Some(event)))
            }

            /// [`Store::book`] inside a write transaction: the record as stored and its audit
            /// event (none when nothing changed).
            async fn book_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                booking: &Booking,
            ) -> Result<(Booking, Option<PendingAudit>), StoreError> {
                check_in(booking, 0)?;
                let Some(eq_id) = db_id(booking.equipment) else { return Err(missing_equipment(booking.equipment)) };
                // The equipment row stays locked until the transaction ends: bookings of one
                // piece of equipment are checked and written one after the other.
                let Some((equipment, _)) = Self::lock_equipment(tx, eq_id).await? else {
                    return Err(missing_equipment(booking.equipment));
                };
                let pref = Self::alliance_pref(tx, &equipment.alliance).await?;
                Self::member_on::<Booking>(tx, &equipment.alliance, &booking.by, Some(booking.start.date()), "new")
                    .await?;
                let others: Vec<Booking> = Self::placements_in(
                        tx,
                        sqlx::query(
                            "SELECT CAST(id AS TEXT), data FROM equipment_bookings \
                             WHERE equipment = $1 AND start_at < $2 AND end_at > $3 ORDER BY start_at, id",
                        )
                        .bind(eq_id)
                        .bind(booking.end)
                        .bind(booking.start),
                    )
                .await?;
                if let Some(other) = others.iter().find(|o| o.overlaps(booking)) {
                    return Err(StoreError::Exists {
                        what: format!(
                            "the overlapping booking {} of the equipment {} ({}) by {}, {} – {},",
                            other.id,
                            equipment.id,
                            equipment.name,
                            other.by,
                            other.start.format("%Y-%m-%d %H:%M"),
                            other.end.format("%Y-%m-%d %H:%M"),
                        ),
                    });
                }
                let id = Self::next_id(tx, Booking::TABLE).await?;
                let stored = booking.clone().with_id(record_id(Booking::TABLE, id)?);
                let data = placement_data(&stored)?;
                sqlx::query(
                    "INSERT INTO equipment_bookings (id, equipment, by_corporation, start_at, end_at, data) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(eq_id)
                .bind(stored.by.to_string())
                .bind(stored.start)
                .bind(stored.end)
                .bind(Json(&data))
                .execute(&mut **tx)
                .await?;
                let event = PendingAudit {
                    action: "create",
                    entity: Booking::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before: None,
                    after: Some(booking_figures(&stored)),
                };
                Ok((stored, Some(event)))
            }

            /// The prefecture of a document's scope: an alliance's, which must be stored.
            async fn scope_pref(
                tx: &mut sqlx::Transaction<'_, $db>,
                scope: &DocScope,
            ) -> Result<PrefCode, StoreError> {
                match scope {
                    DocScope::Alliance(a) => Self::alliance_pref(tx, a).await,
                    DocScope::Pref(p) => Ok(*p),
                }
            }

            /// Documents as stored, from rows of `DOC_COLUMNS`.
            fn doc_rows(rows: Vec<<$db as sqlx::Database>::Row>) -> Result<Vec<DocRow>, StoreError> {
                rows.into_iter()
                    .map(|r| {
                        let id: i64 = r.try_get(0)?;
                        let kind: String = r.try_get(1)?;
                        let pref: String = r.try_get(3)?;
                        let parent: Option<i64> = r.try_get(4)?;
                        let Json(data): Json<Value> = r.try_get(6)?;
                        let version: i64 = r.try_get(7)?;
                        let key = id.to_string();
                        Ok(DocRow {
                            id: record_id(&kind, id)?,
                            scope: r.try_get(2)?,
                            pref: PrefCode::parse(&pref).map_err(|e| corrupt(&kind, &key, e))?,
                            parent: parent.map(|p| record_id(&kind, p)).transpose()?,
                            owner: r.try_get(5)?,
                            data,
                            version: u64::try_from(version).unwrap_or(0),
                            kind,
                        })
                    })
                    .collect()
            }

            /// Writes one document in the transaction: the stored row and its audit event (none
            /// when nothing changed).
            async fn write_document(
                tx: &mut sqlx::Transaction<'_, $db>,
                doc: DocPut,
            ) -> Result<(DocRow, Option<PendingAudit>), StoreError> {
                let pref = Self::scope_pref(tx, &doc.scope).await?;
                let scope = doc.scope.key();
                let (mut data, mut audited) = (doc.data, doc.audited);
                let missing = || StoreError::Missing { what: format!("the document {} of {}", doc.id, doc.kind) };
                let (id, before) = if doc.id == 0 {
                    (Self::next_id(tx, "documents").await?, None)
                } else {
                    let Some(db) = db_id(doc.id) else { return Err(missing()) };
                    let select = trusted(format!("{DOC_SELECT} WHERE id = $1{}", Self::FOR_UPDATE));
                    let rows = sqlx::query(select).bind(db).fetch_all(&mut **tx).await?;
                    let Some(old) = Self::doc_rows(rows)?.into_iter().next().filter(|o| o.kind == doc.kind) else {
                        return Err(missing());
                    };
                    if let Some(expected) = doc.expect
                        && expected != old.version
                    {
                        return Err(StoreError::Conflict {
                            what: format!("the document {} of {}", doc.id, doc.kind),
                            expected,
                            found: old.version,
                        });
                    }
                    if old.scope != scope {
                        return Err(StoreError::Refused(Msg::new(
                            format!("{} {} は {} のもので、{} には移せません", doc.kind, doc.id, old.scope, scope),
                            format!("{} {} belongs to {} and cannot move to {}", doc.kind, doc.id, old.scope, scope),
                        )));
                    }
                    (db, Some(old))
                };
                let stored_id = record_id(doc.kind, id)?;
                for v in [&mut data, &mut audited] {
                    match v {
                        Value::Object(m) => {
                            m.insert("id".into(), Value::from(stored_id));
                        }
                        _ => return Err(corrupt(doc.kind, &id.to_string(), "a document is a JSON object")),
                    }
                }
                let row = DocRow {
                    kind: doc.kind.to_string(),
                    id: stored_id,
                    scope,
                    pref,
                    parent: doc.parent,
                    owner: doc.owner,
                    data,
                    version: before.as_ref().map_or(1, |old| old.version),
                };
                let parent = match row.parent {
                    Some(p) => Some(db_id(p).ok_or_else(|| corrupt(doc.kind, &id.to_string(), "parent 0"))?),
                    None => None,
                };
                let old_audit = match &before {
                    Some(old) if old.data == row.data && old.parent == row.parent && old.owner == row.owner => {
                        return Ok((row, None));
                    }
                    Some(_) => {
                        let r = sqlx::query("SELECT audit FROM documents WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
                        let Json(a): Json<Value> = r.try_get(0)?;
                        Some(a)
                    }
                    None => None,
                };
                let write = if before.is_none() {
                    "INSERT INTO documents (id, kind, scope, pref, parent, owner, data, audit) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                } else {
                    "UPDATE documents SET kind = $2, scope = $3, pref = $4, parent = $5, owner = $6, \
                     data = $7, audit = $8, version = version + 1 WHERE id = $1"
                };
                let mut row = row;
                if before.is_some() {
                    row.version += 1;
                }
                sqlx::query(write)
                    .bind(id)
                    .bind(doc.kind)
                    .bind(&row.scope)
                    .bind(row.pref.to_string())
                    .bind(parent)
                    .bind(row.owner.clone())
                    .bind(Json(&row.data))
                    .bind(Json(&audited))
                    .execute(&mut **tx)
                    .await?;
                let event = PendingAudit {
                    action: if before.is_none() { "create" } else { "update" },
                    entity: doc.kind,
                    key: id.to_string(),
                    pref: Some(row.pref.to_string()),
                    before: old_audit,
                    after: Some(audited),
                };
                Ok((row, Some(event)))
            }

            /// Deletes one document in the transaction and gives its audit event.
            async fn delete_doc_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                kind: &'static str,
                id: u64,
            ) -> Result<PendingAudit, StoreError> {
                let missing = || StoreError::Missing { what: format!("the document {id} of {kind}") };
                let Some(db) = db_id(id) else { return Err(missing()) };
                let select = trusted(format!("SELECT pref, audit FROM documents WHERE id = $1 AND kind = $2{}", Self::FOR_UPDATE));
                let Some(r) = sqlx::query(select).bind(db).bind(kind).fetch_optional(&mut **tx).await? else {
                    return Err(missing());
                };
                let pref: String = r.try_get(0)?;
                let Json(before): Json<Value> = r.try_get(1)?;
                sqlx::query("DELETE FROM documents WHERE id = $1").bind(db).execute(&mut **tx).await?;
                Ok(PendingAudit { action: "delete", entity: kind, key: db.to_string(), pref: Some(pref), before: Some(before), after: None })
            }

            /// Refuses (`Corrupt`, as a `T` keyed `key`) a corporation that is not a member of
            /// the alliance on the day — or ever, without a day.
            async fn member_on<T: Placement>(
                tx: &mut sqlx::Transaction<'_, $db>,
                alliance: &AllianceId,
                corporation: &chiiki_domain::name::Name,
                day: Option<NaiveDate>,
                key: &str,
            ) -> Result<(), StoreError> {
                let member = sqlx::query(
                    "SELECT corporation FROM alliance_members WHERE alliance = $1 AND corporation = $2 \
                     AND ($3 IS NULL OR (joined <= $3 AND (left_on IS NULL OR left_on >= $3)))",
                )
                .bind(alliance.to_string())
                .bind(corporation.to_string())
                .bind(day)
                .fetch_optional(&mut **tx)
                .await?;
                if member.is_none() {
                    let when = day.map(|d| format!(" on {d}")).unwrap_or_default();
                    return Err(corrupt(
                        T::TABLE,
                        key,
                        format!("{corporation} is not a member of the alliance {alliance}{when}"),
                    ));
                }
                Ok(())
            }

            /// The prefecture of a doctor of the register, inside the transaction; `None` when
            /// there is no such doctor.
            async fn doctor_pref(
                tx: &mut sqlx::Transaction<'_, $db>,
                doctor: &DoctorId,
            ) -> Result<Option<String>, StoreError> {
                let row = sqlx::query("SELECT pref FROM doctors WHERE id = $1")
                    .bind(doctor.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get(0)?),
                    None => None,
                })
            }

            /// Checks, inside the transaction, that a facility is in the register (`Missing`)
            /// and in the prefecture `pref` of the record `T` it is entered for (`Corrupt`,
            /// under the record's `key`).
            async fn facility_in<T: Placement>(
                tx: &mut sqlx::Transaction<'_, $db>,
                facility: &FacilityId,
                pref: PrefCode,
                key: &str,
            ) -> Result<(), StoreError> {
                let row = sqlx::query("SELECT pref FROM facilities WHERE id = $1")
                    .bind(facility.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(row) = row else {
                    return Err(StoreError::Missing { what: format!("the facility {facility}") });
                };
                let facility_pref: String = row.try_get(0)?;
                if facility_pref != pref.to_string() {
                    return Err(corrupt(
                        T::TABLE,
                        key,
                        format!("the facility {facility} is in prefecture {facility_pref}, not {pref}"),
                    ));
                }
                Ok(())
            }

            /// Duty roster versions from rows of [`ROSTER_SELECT`], each validated (and its
            /// facility and month those of its columns), with its publication.
            fn rosters(rows: Vec<<$db as sqlx::Database>::Row>) -> Result<Vec<DutyRosterVersion>, StoreError> {
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let key: String = r.try_get(0)?;
                    let Json(data): Json<Value> = r.try_get(1)?;
                    let mut v: DutyRosterVersion = placement_from(&key, data)?;
                    let facility: String = r.try_get(2)?;
                    let month: NaiveDate = r.try_get(3)?;
                    if facility != v.facility.to_string() || month != v.month {
                        return Err(corrupt(
                            DutyRosterVersion::TABLE,
                            &key,
                            format!("the record is of {} for {}, the row of {facility} for {month}", v.facility, v.month),
                        ));
                    }
                    let by: Option<String> = r.try_get(4)?;
                    let at: Option<chrono::DateTime<chrono::Utc>> = r.try_get(5)?;
                    v.published = by.zip(at).map(|(by, at)| Publication { by, at });
                    out.push(v);
                }
                Ok(out)
            }

            /// The version `seq` of the prefecture's duty rosters, with its publication, read
            /// by `db` (the pool, or a transaction).
            async fn roster<'e>(
                db: impl sqlx::Executor<'e, Database = $db>,
                pref: PrefCode,
                seq: u32,
            ) -> Result<Option<DutyRosterVersion>, StoreError> {
                let rows = sqlx::query(trusted(format!("{ROSTER_SELECT} WHERE r.pref = $1 AND r.seq = $2")))
                    .bind(pref.to_string())
                    .bind(i64::from(seq))
                    .fetch_all(db)
                    .await?;
                Ok(Self::rosters(rows)?.into_iter().next())
            }

            /// The placement records that `query` selects as (key, data) rows, each validated.
            async fn placements<T: Placement>(
                &self,
                query: sqlx::query::Query<'_, $db, <$db as sqlx::Database>::Arguments>,
            ) -> Result<Vec<T>, StoreError> {
                Self::placement_rows(query.fetch_all(&self.pool).await?)
            }

            /// The placement records that `query` selects inside the transaction.
            async fn placements_in<T: Placement>(
                tx: &mut sqlx::Transaction<'_, $db>,
                query: sqlx::query::Query<'_, $db, <$db as sqlx::Database>::Arguments>,
            ) -> Result<Vec<T>, StoreError> {
                Self::placement_rows(query.fetch_all(&mut **tx).await?)
            }

            /// (key, data) rows as validated placement records.
            fn placement_rows<T: Placement>(rows: Vec<<$db as sqlx::Database>::Row>) -> Result<Vec<T>, StoreError> {
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let key: String = r.try_get(0)?;
                    let Json(data): Json<Value> = r.try_get(1)?;
                    out.push(placement_from(&key, data)?);
                }
                Ok(out)
            }

            /// Deletes the numbered record `db` of `T::TABLE`, writes its audit event (`before`
            /// what the audit keeps of it, in the prefecture `pref`) and commits.
            async fn delete_numbered<T: Placement>(
                mut tx: sqlx::Transaction<'_, $db>,
                actor: &str,
                db: i64,
                pref: PrefCode,
                before: Value,
            ) -> Result<(), StoreError> {
                sqlx::query(trusted(format!("DELETE FROM {} WHERE id = $1", T::TABLE)))
                    .bind(db)
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: "delete",
                    entity: T::TABLE,
                    key: db.to_string(),
                    pref: Some(pref.to_string()),
                    before: Some(before),
                    after: None,
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            /// The numbered record of `T::TABLE` (a loan, equipment, a booking) of the id, if any.
            async fn numbered<T: Placement>(&self, id: u64) -> Result<Option<T>, StoreError> {
                let Some(id) = db_id(id) else { return Ok(None) };
                let sql = trusted(format!("SELECT CAST(id AS TEXT), data FROM {} WHERE id = $1", T::TABLE));
                let rows = self.placements(sqlx::query(sql).bind(id)).await?;
                Ok(rows.into_iter().next())
            }

            /// The record of `T::TABLE` whose `id` column is `id`, if any.
            async fn placement_by_id<T: Placement>(&self, id: String) -> Result<Option<T>, StoreError> {
                let sql = trusted(format!("SELECT id, data FROM {} WHERE id = $1", T::TABLE));
                let rows = self.placements(sqlx::query(sql).bind(id)).await?;
                Ok(rows.into_iter().next())
            }

            /// Creates or replaces a request or a preference list `x`, entered by `owner`.
            async fn put_input<T: Placement>(
                &self,
                actor: &str,
                input: &Input,
                x: &T,
                round: RoundId,
                owner: String,
            ) -> Result<(), StoreError> {
                let data = placement_data(x)?;
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::open_round(&mut tx, round).await?;
                let owner_exists = sqlx::query(trusted(format!("SELECT id FROM {} WHERE id = $1", input.owners)))
                    .bind(&owner)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if !owner_exists {
                    return Err(StoreError::Missing {
                        what: format!("the {} {owner}", input.noun),
                    });
                }
                let old = sqlx::query(trusted(format!(
                    "SELECT data FROM {} WHERE round = $1 AND {} = $2",
                    input.table, input.owner
                )))
                .bind(round.to_string())
                .bind(&owner)
                .fetch_optional(&mut *tx)
                .await?;
                let before: Option<Value> = match old {
                    Some(r) => Some(r.try_get::<Json<Value>, _>(0)?.0),
                    None => None,
                };
                if before.as_ref() == Some(&data) {
                    return Ok(());
                }
                sqlx::query(trusted(format!(
                    "INSERT INTO {} (round, {}, data) VALUES ($1, $2, $3) \
                     ON CONFLICT (round, {}) DO UPDATE SET data = excluded.data",
                    input.table, input.owner, input.owner
                )))
                .bind(round.to_string())
                .bind(&owner)
                .bind(Json(&data))
                .execute(&mut *tx)
                .await
                .map_err(|e| refused(e, round))?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: T::TABLE,
                    key: x.audit_id(),
                    pref: Some(round.pref().to_string()),
                    before,
                    after: Some(data),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Creates or replaces the keyed record `x` inside the transaction: `keys` are its key
            /// columns and `cols` the other columns kept beside `data`, with their values. A
            /// record equal to the stored one writes nothing; otherwise its audit event (in the
            /// prefecture `pref`) is written too.
            async fn upsert_keyed<T: Placement>(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &str,
                x: &T,
                pref: PrefCode,
                keys: Vec<(&'static str, Val)>,
                cols: Vec<(&'static str, Val)>,
            ) -> Result<bool, StoreError> {
                let data = placement_data(x)?;
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT data FROM {}", T::TABLE));
                for (i, (k, v)) in keys.iter().enumerate() {
                    qb.push(if i == 0 { " WHERE " } else { " AND " });
                    qb.push(*k);
                    qb.push(" = ");
                    Self::push_val(&mut qb, v.clone());
                }
                qb.push(Self::FOR_UPDATE);
                let before: Option<Value> = match qb.build().fetch_optional(&mut **tx).await? {
                    Some(r) => Some(r.try_get::<Json<Value>, _>(0)?.0),
                    None => None,
                };
                if before.as_ref() == Some(&data) {
                    return Ok(false);
                }
                let names: Vec<&str> = keys.iter().chain(&cols).map(|(k, _)| *k).collect();
                let key_names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "INSERT INTO {} ({}, data) VALUES (",
                    T::TABLE,
                    names.join(", ")
                ));
                for (_, v) in keys.into_iter().chain(cols) {
                    Self::push_val(&mut qb, v);
                    qb.push(", ");
                }
                qb.push_bind(Json(data.clone()));
                let updates: Vec<String> = names[key_names.len()..]
                    .iter()
                    .chain(&["data"])
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect();
                qb.push(format!(
                    ") ON CONFLICT ({}) DO UPDATE SET {}",
                    key_names.join(", "),
                    updates.join(", ")
                ));
                qb.build().execute(&mut **tx).await?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: T::TABLE,
                    key: x.audit_id(),
                    pref: Some(pref.to_string()),
                    before,
                    after: Some(data),
                };
                Self::write_audit(tx, actor, chrono::Utc::now(), &[event]).await?;
                Ok(true)
            }

            /// [`Store::put_alliance_member`] inside a write transaction; whether it changed
            /// anything.
            async fn put_member_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &str,
                member: &AllianceMember,
            ) -> Result<bool, StoreError> {
                let pref = Self::alliance_pref(tx, &member.alliance).await?;
                for f in member.facilities.iter().filter_map(|f| f.facility.as_ref()) {
                    Self::facility_in::<AllianceMember>(tx, f, pref, &member.audit_id()).await?;
                }
                Self::upsert_keyed(
                    tx,
                    actor,
                    member,
                    pref,
                    vec![("alliance", text(&member.alliance)), ("corporation", text(&member.corporation))],
                    vec![("joined", Val::Date(Some(member.joined))), ("left_on", Val::Date(member.left))],
                )
                .await
            }

            /// The work of [`Store::apply`] inside its transaction: deletions, then the puts
            /// per entity in dependency order, with their audit events when `commit` (else it
            /// only counts). Also what [`Store::decide`] puts the decided assignments with.
            async fn apply_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &str,
                at: chrono::DateTime<chrono::Utc>,
                puts: &Puts,
                deletes: &[String],
                commit: bool,
            ) -> Result<Applied, StoreError> {
                let mut applied = Applied::default();
                // The doctors whose record or assignments change: their versions go up.
                let mut touched: HashSet<String> = HashSet::new();

                // Prefectures of the doctors written here, for scoping assignments' events.
                let mut doctor_prefs: HashMap<String, String> = HashMap::new();
                for r in puts.get(&Entity::Doctors).into_iter().flatten() {
                    if let Record::Doctor(d) = r {
                        doctor_prefs.insert(d.id.to_string(), d.pref.to_string());
                    }
                }

                let t = table(Entity::Assignments);
                for chunk in deletes.chunks(CHUNK) {
                    let keys: Vec<&str> = chunk.iter().map(String::as_str).collect();
                    let old = Self::existing(tx, t, &keys).await?;
                    let doctors: Vec<String> = old.values().filter_map(assignment_doctor).collect();
                    let refs: Vec<&str> = doctors.iter().map(String::as_str).collect();
                    doctor_prefs.extend(Self::prefs_of_doctors(tx, &refs).await?);
                    let mut audit = Vec::new();
                    for key in chunk {
                        let Some(before) = old.get(key) else { continue };
                        if commit {
                            sqlx::query("DELETE FROM assignments WHERE id = $1").bind(key).execute(&mut **tx).await?;
                        }
                        touched.extend(assignment_doctor(before));
                        *applied.deleted.entry(Entity::Assignments).or_default() += 1;
                        audit.push(PendingAudit {
                            action: "delete",
                            entity: Entity::Assignments.code(),
                            key: key.clone(),
                            pref: assignment_doctor(before).and_then(|d| doctor_prefs.get(&d).cloned()),
                            before: Some(before.clone()),
                            after: None,
                        });
                    }
                    if commit {
                        Self::write_audit(tx, actor, at, &audit).await?;
                    }
                }

                // Chunk by chunk, so that memory stays bounded for large imports.
                for (entity, records) in puts {
                    let t = table(*entity);
                    for chunk in records.chunks(CHUNK) {
                        let rows: Vec<Row> = chunk.iter().map(to_row).collect::<Result<_, _>>()?;
                        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
                        let old = Self::existing(tx, t, &keys).await?;
                        if *entity == Entity::Assignments {
                            let missing: HashSet<String> = rows
                                .iter()
                                .filter_map(|r| assignment_doctor(&r.data))
                                .filter(|d| !doctor_prefs.contains_key(d))
                                .collect();
                            let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
                            doctor_prefs.extend(Self::prefs_of_doctors(tx, &refs).await?);
                        }
                        let mut write = Vec::new();
                        let mut audit = Vec::new();
                        for row in &rows {
                            let before = old.get(&row.key);
                            if before == Some(&row.data) {
                                *applied.unchanged.entry(*entity).or_default() += 1;
                                continue;
                            }
                            let (action, counter) = match before {
                                Some(_) => ("update", &mut applied.updated),
                                None => ("create", &mut applied.created),
                            };
                            *counter.entry(*entity).or_default() += 1;
                            applied.changed_keys.entry(*entity).or_default().push(row.key.clone());
                            let pref = match entity {
                                Entity::Assignments => {
                                    assignment_doctor(&row.data).and_then(|d| doctor_prefs.get(&d).cloned())
                                }
                                _ => row.pref.clone(),
                            };
                            match entity {
                                Entity::Doctors => {
                                    touched.insert(row.key.clone());
                                }
                                Entity::Assignments => {
                                    touched.extend(assignment_doctor(&row.data));
                                    touched.extend(before.and_then(assignment_doctor));
                                }
                                _ => {}
                            }
                            if commit {
                                audit.push(PendingAudit {
                                    action,
                                    entity: entity.code(),
                                    key: row.key.clone(),
                                    pref,
                                    before: before.cloned(),
                                    after: Some(row.data.clone()),
                                });
                                write.push(row);
                            }
                        }
                        if !write.is_empty() {
                            Self::upsert(tx, t, write).await?;
                            Self::write_audit(tx, actor, at, &audit).await?;
                        }
                    }
                }

                if commit {
                    let mut touched: Vec<&str> = touched.iter().map(String::as_str).collect();
                    touched.sort_unstable();
                    for chunk in touched.chunks(CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "UPDATE doctors SET version = version + 1 WHERE id IN (",
                        );
                        let mut ids = qb.separated(", ");
                        for id in chunk {
                            ids.push_bind(*id);
                        }
                        qb.push(")");
                        qb.build().execute(&mut **tx).await?;
                    }
                }

                Ok(applied)
            }

            /// Takes the register's write lock for the rest of the transaction, so that writes
            /// of the register from several processes run one after the other: an apply
            /// reads the stored records it compares with (for its audit events: created or
            /// updated, and before) before it writes them, which two concurrent transactions
            /// would both read as absent. PostgreSQL: a row of `document_locks`, which the
            /// upsert row-locks until commit (no advisory locks, which distributed engines
            /// may lack); SQLite: the transaction already holds the database (`BEGIN
            /// IMMEDIATE`).
            async fn lock_register(tx: &mut sqlx::Transaction<'_, $db>) -> Result<(), StoreError> {
                if $backend == Backend::Postgres {
                    sqlx::query(
                        "INSERT INTO document_locks (kind, scope, parent, n) VALUES ('register', '', 0, 1) \
                         ON CONFLICT (kind, scope, parent) DO UPDATE SET n = document_locks.n + 1",
                    )
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            /// Checks the doctors' versions a write expects, inside its transaction and
            /// before anything is written. The check is itself a write of the doctor's row
            /// (`version = version`), so that it holds the row until the transaction ends:
            /// on PostgreSQL a second writer waits and then sees the version the first one
            /// left; SQLite's writer holds the database.
            async fn check_doctors(
                tx: &mut sqlx::Transaction<'_, $db>,
                expects: &[(String, u64)],
            ) -> Result<(), StoreError> {
                for (id, version) in expects {
                    let held = sqlx::query(
                        "UPDATE doctors SET version = version WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(i64::try_from(*version).unwrap_or(i64::MAX))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if held == 1 {
                        continue;
                    }
                    let found: Option<i64> = sqlx::query_scalar("SELECT version FROM doctors WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    let what = format!("the doctor {id}");
                    return Err(match found {
                        None => StoreError::Missing { what },
                        Some(found) => StoreError::Conflict {
                            what,
                            expected: *version,
                            found: u64::try_from(found).unwrap_or(0),
                        },
                    });
                }
                Ok(())
            }

            /// A column of a fetched row as the dump writes it.
            fn dump_value(row: &<$db as sqlx::Database>::Row, i: usize, kind: DumpKind) -> Result<Value, StoreError> {
                Ok(match kind {
                    DumpKind::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::from),
                    DumpKind::Int4 => row.try_get::<Option<i32>, _>(i)?.map_or(Value::Null, Value::from),
                    DumpKind::Int8 => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::from),
                    DumpKind::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Value::Null, Value::from),
                    DumpKind::Date => row
                        .try_get::<Option<NaiveDate>, _>(i)?
                        .map_or(Value::Null, |d| Value::from(d.format("%Y-%m-%d").to_string())),
                    DumpKind::Json => row.try_get::<Option<Json<Value>>, _>(i)?.map_or(Value::Null, |j| j.0),
                    DumpKind::TimeTz => row
                        .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(i)?
                        .map(|t| chrono::SubsecRound::trunc_subsecs(t, 6))
                        .map_or(Value::Null, |t| {
                            Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                        }),
                    DumpKind::Time => row
                        .try_get::<Option<NaiveDateTime>, _>(i)?
                        .map(|t| chrono::SubsecRound::trunc_subsecs(t, 6))
                        .map_or(Value::Null, |t| Value::from(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string())),
                })
            }

            /// Binds a dumped value as a column of `kind` (checked by [`dump::check`] first).
            fn bind_dumped(b: &mut sqlx::query_builder::Separated<'_, $db, &'static str>, kind: DumpKind, v: &Value) {
                match kind {
                    DumpKind::Text => b.push_bind(v.as_str().map(str::to_string)),
                    DumpKind::Int4 => b.push_bind(v.as_i64().and_then(|i| i32::try_from(i).ok())),
                    DumpKind::Int8 => b.push_bind(v.as_i64()),
                    DumpKind::Bool => b.push_bind(v.as_bool()),
                    DumpKind::Date => b.push_bind(
                        v.as_str().and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
                    ),
                    DumpKind::Json => b.push_bind((!v.is_null()).then(|| Json(v.clone()))),
                    DumpKind::TimeTz => b.push_bind(
                        v.as_str()
                            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                            .map(|t| t.with_timezone(&chrono::Utc)),
                    ),
                    DumpKind::Time => b.push_bind(
                        v.as_str().and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()),
                    ),
                };
            }

            /// The largest id a table's identity ever gave (ids are never reused), when known.
            async fn high_water(tx: &mut sqlx::Transaction<'_, $db>, t: &dump::Table) -> Result<Option<i64>, StoreError> {
                let Some(column) = t.identity else { return Ok(None) };
                let given: Option<i64> = match $backend {
                    Backend::Sqlite => sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = $1")
                        .bind(t.name)
                        .fetch_optional(&mut **tx)
                        .await?,
                    Backend::Postgres => sqlx::query_scalar::<_, Option<i64>>(
                        "SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2))",
                    )
                    .bind(t.name)
                    .bind(column)
                    .fetch_one(&mut **tx)
                    .await?,
                };
                let max: Option<i64> = sqlx::query_scalar(trusted(format!("SELECT MAX({column}) FROM {}", t.name)))
                    .fetch_one(&mut **tx)
                    .await?;
                Ok(given.max(max))
            }

            async fn dump_into(&self, out: &mut (dyn std::io::Write + Send)) -> Result<dump::DumpCounts, StoreError> {
                let io = |e: std::io::Error| StoreError::Open { target: "the dump".into(), reason: e.to_string() };
                // One snapshot for every table: what the dump holds is one moment's database.
                let begin = match $backend {
                    Backend::Sqlite => "BEGIN",
                    Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                };
                let mut tx = self.pool.begin_with(begin).await?;
                let schema: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                    .fetch_one(&mut *tx)
                    .await?;
                let header = dump::DumpHeader {
                    format: "chiiki-dump".into(),
                    version: dump::DUMP_VERSION,
                    schema,
                    backend: match $backend {
                        Backend::Sqlite => "sqlite".into(),
                        Backend::Postgres => "postgres".into(),
                    },
                    at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                };
                dump::write_line(out, &header)?;
                let mut counts = dump::DumpCounts::new();
                for t in dump::TABLES {
                    let next_id = Self::high_water(&mut tx, t).await?.map(|h| h + 1);
                    let columns: Vec<String> = t.columns.iter().map(|(c, _)| c.to_string()).collect();
                    dump::write_line(out, &dump::TableHeader { table: t.name.into(), columns, next_id })?;
                    let order = t
                        .key
                        .iter()
                        .map(|k| match (t.columns.iter().find(|(c, _)| c == k), $backend) {
                            (Some((_, DumpKind::Text)), Backend::Postgres) => format!("{k} COLLATE \"C\""),
                            _ => k.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let names = t.columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
                    let select = trusted(format!("SELECT {names} FROM {} ORDER BY {order}", t.name));
                    let mut rows = sqlx::query(select).fetch(&mut *tx);
                    let mut n = 0u64;
                    use futures_util::TryStreamExt as _;
                    while let Some(row) = rows.try_next().await? {
                        let values = t
                            .columns
                            .iter()
                            .enumerate()
                            .map(|(i, (_, kind))| Self::dump_value(&row, i, *kind))
                            .collect::<Result<Vec<Value>, _>>()?;
                        dump::write_line(out, &Value::Array(values))?;
                        n += 1;
                    }
                    drop(rows);
                    counts.insert(t.name.to_string(), n);
                }
                dump::write_line(out, &dump::Trailer { end: counts.clone() })?;
                out.flush().map_err(io)?;
                tx.rollback().await?;
                Ok(counts)
            }

            async fn load_from(&self, input: &mut (dyn std::io::BufRead + Send)) -> Result<dump::DumpCounts, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                for t in dump::TABLES {
                    let any: Option<i32> = sqlx::query_scalar(trusted(format!("SELECT 1 FROM {} LIMIT 1", t.name)))
                        .fetch_optional(&mut *tx)
                        .await?;
                    if any.is_some() {
                        return Err(StoreError::Refused(Msg::new(
                            format!("復元先のデータベースは空ではありません（{} に行があります）。新しい空のデータベースに復元してください", t.name),
                            format!("the database to restore into is not empty ({} has rows): restore into a new, empty database", t.name),
                        )));
                    }
                }
                let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                    .fetch_one(&mut *tx)
                    .await?;
                let mut reader = dump::Reader::new(input);
                let header = reader.header()?;
                if header.schema > current {
                    return Err(reader.refused(
                        format!(
                            "ダンプのスキーマ {} は、この chiiki の {current} より新しいものです。作ったリリース以降の chiiki で復元してください",
                            header.schema
                        ),
                        format!(
                            "the dump's schema {} is newer than this chiiki's {current}: restore it with the release that made it, or a newer one",
                            header.schema
                        ),
                    ));
                }
                let mut counts = dump::DumpCounts::new();
                let mut next_ids: Vec<(&'static dump::Table, i64)> = Vec::new();
                while let Some((t, columns, next_id)) = reader.table()? {
                    if let Some(next) = next_id {
                        next_ids.push((t, next));
                    }
                    let kinds: Vec<DumpKind> = columns.iter().map(|(_, k)| *k).collect();
                    let names = columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
                    let overriding = match ($backend, t.identity) {
                        (Backend::Postgres, Some(_)) => " OVERRIDING SYSTEM VALUE",
                        _ => "",
                    };
                    // PostgreSQL takes at most 65,535 parameters a statement.
                    let per_chunk = (30_000 / kinds.len().max(1)).max(1);
                    let mut n = 0u64;
                    loop {
                        let chunk = reader.rows(&kinds, per_chunk)?;
                        if chunk.is_empty() {
                            break;
                        }
                        n += chunk.len() as u64;
                        let mut qb = QueryBuilder::<$db>::new(format!("INSERT INTO {} ({names}){overriding} ", t.name));
                        qb.push_values(chunk.iter(), |mut b, row| {
                            for (kind, v) in kinds.iter().zip(row) {
                                Self::bind_dumped(&mut b, *kind, v);
                            }
                        });
                        qb.build().execute(&mut *tx).await.map_err(|e| reader.refused(format!("{} に書けません（{e}）", t.name), format!("{} cannot be written ({e})", t.name)))?;
                    }
                    counts.insert(t.name.to_string(), n);
                }
                reader.trailer(&counts)?;
                for (t, next) in next_ids {
                    let Some(column) = t.identity else { continue };
                    let last = next - 1;
                    match $backend {
                        Backend::Sqlite => {
                            sqlx::query("DELETE FROM sqlite_sequence WHERE name = $1").bind(t.name).execute(&mut *tx).await?;
                            sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                                .bind(t.name)
                                .bind(last)
                                .execute(&mut *tx)
                                .await?;
                        }
                        Backend::Postgres => {
                            if last > 0 {
                                sqlx::query("SELECT setval(pg_get_serial_sequence($1, $2), $3, true)")
                                    .bind(t.name)
                                    .bind(column)
                                    .bind(last)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                }
                tx.commit().await?;
                Ok(counts)
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn dump(&self, out: &mut (dyn std::io::Write + Send)) -> Result<dump::DumpCounts, StoreError> {
                self.dump_into(out).await
            }

            async fn load_dump(&self, input: &mut (dyn std::io::BufRead + Send)) -> Result<dump::DumpCounts, StoreError> {
                self.load_from(input).await
            }

            async fn apply(&self, actor: &str, changes: Vec<Change>, mode: Mode) -> Result<Applied, StoreError> {
                let Sorted { puts, deletes, expects } = sort_changes(changes);
                let _guard = self.write_lock.lock().await;
                let at = chrono::Utc::now();
                let mut tx = self.begin_write().await?;
                let commit = mode == Mode::Commit;
                Self::lock_register(&mut tx).await?;
                Self::check_doctors(&mut tx, &expects).await?;
                let applied = Self::apply_in(&mut tx, actor, at, &puts, &deletes, commit).await?;
                if commit {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                Ok(applied)
            }

            async fn version_of(&self, what: &Versioned) -> Result<Option<u64>, StoreError> {
                let (select, key) = match what {
                    Versioned::Doctor(id) => ("SELECT version FROM doctors WHERE id = $1", id.to_string()),
                    Versioned::Round(id) => ("SELECT version FROM placement_rounds WHERE id = $1", id.to_string()),
                };
                let found: Option<i64> = sqlx::query_scalar(select).bind(key).fetch_optional(&self.pool).await?;
                Ok(found.map(|v| u64::try_from(v).unwrap_or(0)))
            }

            async fn get(&self, entity: Entity, key: &str) -> Result<Option<Record>, StoreError> {
                let t = table(entity);
                let row = sqlx::query(trusted(format!("SELECT data FROM {} WHERE {} = $1", t.name, t.key)))
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let Json(data): Json<Value> = r.try_get(0)?;
                        from_data(entity, key, data).map(Some)
                    }
                }
            }

            async fn keys(&self, entity: Entity) -> Result<HashSet<String>, StoreError> {
                let t = table(entity);
                let rows = sqlx::query(trusted(format!("SELECT {} FROM {}", t.key, t.name)))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(|r| r.try_get::<String, _>(0).map_err(StoreError::from)).collect()
            }

            async fn counts(&self) -> Result<BTreeMap<Entity, u64>, StoreError> {
                let mut out = BTreeMap::new();
                for e in Entity::ALL {
                    let n: i64 = sqlx::query(trusted(format!("SELECT COUNT(*) FROM {}", table(*e).name)))
                        .fetch_one(&self.pool)
                        .await?
                        .try_get(0)?;
                    out.insert(*e, n as u64);
                }
                Ok(out)
            }

            async fn list_areas(&self, pref: Option<PrefCode>) -> Result<Vec<SecondaryArea>, StoreError> {
                let conds = || {
                    let mut c = Vec::new();
                    pref_cond(pref, &mut c);
                    c
                };
                Ok(self.select_all(Entity::Areas, conds, "code", Paging::default()).await?.items)
            }

            async fn list_municipalities(
                &self,
                pref: Option<PrefCode>,
                area: Option<AreaCode>,
            ) -> Result<Vec<Municipality>, StoreError> {
                let conds = || {
                    let mut c = Vec::new();
                    pref_cond(pref, &mut c);
                    if let Some(a) = area {
                        c.push(cond("area = ?", vec![text(a)]));
                    }
                    c
                };
                Ok(self.select_all(Entity::Municipalities, conds, "code", Paging::default()).await?.items)
            }

            async fn list_schemes(&self, pref: Option<PrefCode>) -> Result<Vec<Scheme>, StoreError> {
                let conds = || {
                    let mut c = Vec::new();
                    pref_cond(pref, &mut c);
                    c
                };
                Ok(self.select_all(Entity::Schemes, conds, "id", Paging::default()).await?.items)
            }

            async fn list_programmes(&self, pref: Option<PrefCode>) -> Result<Vec<Programme>, StoreError> {
                let conds = || {
                    let mut c = Vec::new();
                    pref_cond(pref, &mut c);
                    c
                };
                Ok(self.select_all(Entity::Programmes, conds, "id", Paging::default()).await?.items)
            }

            async fn list_facilities(&self, filter: &FacilityFilter) -> Result<Page<Facility>, StoreError> {
                self.select_all(Entity::Facilities, || facility_conds(filter), "area, id", filter.paging).await
            }

            async fn count_facilities_by_area(&self, filter: &FacilityFilter) -> Result<BTreeMap<AreaCode, u64>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new("SELECT area, COUNT(*) FROM facilities");
                Self::push_where(&mut qb, facility_conds(filter));
                qb.push(" GROUP BY area");
                let mut out = BTreeMap::new();
                for r in qb.build().fetch_all(&self.pool).await? {
                    let area: String = r.try_get(0)?;
                    let n: i64 = r.try_get(1)?;
                    let code = AreaCode::parse(&area).map_err(|e| StoreError::Corrupt {
                        entity: Entity::Facilities.code().to_string(),
                        key: area.clone(),
                        reason: e.to_string(),
                    })?;
                    out.insert(code, n as u64);
                }
                Ok(out)
            }

            async fn list_doctors(&self, filter: &DoctorFilter) -> Result<Page<Doctor>, StoreError> {
                self.select_all(Entity::Doctors, || doctor_conds(filter), "id", filter.paging).await
            }

            async fn list_assignments(&self, filter: &AssignmentFilter) -> Result<Vec<Assignment>, StoreError> {
                let conds = || {
                    let mut c = Vec::new();
                    if let Some(f) = &filter.facility {
                        c.push(cond("facility = ?", vec![text(f)]));
                    }
                    if let Some(p) = filter.pref {
                        c.push(cond("doctor IN (SELECT id FROM doctors WHERE pref = ?)", vec![text(p)]));
                    }
                    c
                };
                let Some(doctors) = &filter.doctors else {
                    return Ok(self
                        .select_all(Entity::Assignments, conds, "doctor, start_date, id", Paging::default())
                        .await?
                        .items);
                };
                // Many doctors: ask in chunks, keeping the order.
                let mut out = Vec::new();
                for chunk in doctors.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new("SELECT id, data FROM assignments");
                    let mut c = conds();
                    c.push(cond("1 = 1", vec![]));
                    Self::push_where(&mut qb, c);
                    qb.push(" AND doctor IN (");
                    let mut sep = qb.separated(", ");
                    for d in chunk {
                        sep.push_bind(d.to_string());
                    }
                    qb.push(") ORDER BY doctor, start_date, id");
                    for r in qb.build().fetch_all(&self.pool).await? {
                        let key: String = r.try_get(0)?;
                        let Json(data): Json<Value> = r.try_get(1)?;
                        out.push(decode(Entity::Assignments.code(), &key, data)?);
                    }
                }
                Ok(out)
            }

            async fn list_audit(&self, filter: &AuditFilter) -> Result<Page<AuditEvent>, StoreError> {
                let conds = || {
                    let mut c = Vec::new();
                    if let Some(e) = &filter.entity {
                        c.push(cond("entity = ?", vec![text(e)]));
                    }
                    if let Some(id) = &filter.entity_id {
                        c.push(cond("entity_id = ?", vec![text(id)]));
                    }
                    if let Some(a) = &filter.actor {
                        c.push(cond("actor = ?", vec![text(a)]));
                    }
                    pref_cond(filter.pref, &mut c);
                    c
                };
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT id, at, actor, action, entity, entity_id, pref, before, after FROM audit_events",
                );
                Self::push_where(&mut qb, conds());
                qb.push(" ORDER BY id DESC");
                if let Some(limit) = filter.paging.limit {
                    qb.push(" LIMIT ");
                    qb.push_bind(limit as i64);
                    qb.push(" OFFSET ");
                    qb.push_bind(filter.paging.offset as i64);
                }
                let mut items = Vec::new();
                for r in qb.build().fetch_all(&self.pool).await? {
                    let before: Option<Json<Value>> = r.try_get(7)?;
                    let after: Option<Json<Value>> = r.try_get(8)?;
                    items.push(AuditEvent {
                        id: r.try_get(0)?,
                        at: r.try_get(1)?,
                        actor: r.try_get(2)?,
                        action: r.try_get(3)?,
                        entity: r.try_get(4)?,
                        entity_id: r.try_get(5)?,
                        pref: r.try_get(6)?,
                        before: before.map(|j| j.0),
                        after: after.map(|j| j.0),
                    });
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM audit_events");
                Self::push_where(&mut qb, conds());
                let total: i64 = qb.build().fetch_one(&self.pool).await?.try_get(0)?;
                Ok(Page { items, total: total as u64 })
            }

            async fn record_event(&self, actor: &str, event: Event) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let pending = PendingAudit {
                    action: event.action,
                    entity: event.entity,
                    key: event.entity_id,
                    pref: event.pref,
                    before: None,
                    after: event.details,
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[pending]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn put_account(&self, actor: &str, account: &Account, password_hash: Option<&str>) -> Result<(), StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let data = serde_json::to_value(account).map_err(|e| StoreError::Corrupt {
                    entity: ACCOUNTS.to_string(),
                    key: account.username.to_string(),
                    reason: e.to_string(),
                })?;
                let old = sqlx::query("SELECT data FROM accounts WHERE username = $1")
                    .bind(account.username.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let before: Option<Value> = match &old {
                    Some(r) => Some(r.try_get::<Json<Value>, _>(0)?.0),
                    None => None,
                };
                let pref = account.pref.map(|p| p.to_string());
                match (&before, password_hash) {
                    (None, None) => return Err(StoreError::NoPassword),
                    (None, Some(hash)) => {
                        sqlx::query(
                            "INSERT INTO accounts (username, role, pref, password_hash, disabled, data) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(account.username.as_str())
                        .bind(account.role.code())
                        .bind(pref.clone())
                        .bind(hash)
                        .bind(account.disabled)
                        .bind(Json(&data))
                        .execute(&mut *tx)
                        .await?;
                    }
                    (Some(_), hash) => {
                        sqlx::query(
                            "UPDATE accounts SET role = $2, pref = $3, disabled = $4, data = $5, \
                             password_hash = COALESCE($6, password_hash) WHERE username = $1",
                        )
                        .bind(account.username.as_str())
                        .bind(account.role.code())
                        .bind(pref.clone())
                        .bind(account.disabled)
                        .bind(Json(&data))
                        .bind(hash)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let mut audit = Vec::new();
                if before.as_ref() != Some(&data) {
                    audit.push(PendingAudit {
                        action: if before.is_some() { "update" } else { "create" },
                        entity: "accounts",
                        key: account.username.to_string(),
                        pref: pref.clone(),
                        before: before.clone(),
                        after: Some(data.clone()),
                    });
                }
                if before.is_some() && password_hash.is_some() {
                    audit.push(PendingAudit {
                        action: "password",
                        entity: "accounts",
                        key: account.username.to_string(),
                        pref: pref.clone(),
                        before: None,
                        after: None,
                    });
                }
                if before.is_some() && (password_hash.is_some() || account.disabled) {
                    sqlx::query("DELETE FROM sessions WHERE username = $1")
                        .bind(account.username.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_account(&self, username: &Username) -> Result<Option<(Account, String)>, StoreError> {
                let row = sqlx::query("SELECT data, password_hash FROM accounts WHERE username = $1")
                    .bind(username.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let Json(data): Json<Value> = r.try_get(0)?;
                        let hash: String = r.try_get(1)?;
                        Ok(Some((decode(ACCOUNTS, username.as_str(), data)?, hash)))
                    }
                }
            }

            async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
                let rows = sqlx::query("SELECT username, data FROM accounts ORDER BY username")
                    .fetch_all(&self.pool)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let key: String = r.try_get(0)?;
                    let Json(data): Json<Value> = r.try_get(1)?;
                    out.push(decode(ACCOUNTS, &key, data)?);
                }
                Ok(out)
            }

            async fn create_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, username, csrf, created_at, last_seen_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.id_hash)
                .bind(s.username.as_str())
                .bind(&s.csrf)
                .bind(s.created_at)
                .bind(s.last_seen_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT id_hash, username, csrf, created_at, last_seen_at FROM sessions WHERE id_hash = $1",
                )
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let username: String = r.try_get(1)?;
                let username = Username::parse(&username).map_err(|e| StoreError::Corrupt {
                    entity: ACCOUNTS.to_string(),
                    key: username.clone(),
                    reason: e.to_string(),
                })?;
                Ok(Some(SessionRecord {
                    id_hash: r.try_get(0)?,
                    username,
                    csrf: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    last_seen_at: r.try_get(4)?,
                }))
            }

            async fn touch_session(&self, id_hash: &str, at: chrono::DateTime<chrono::Utc>) -> Result<(), StoreError> {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
                    .bind(id_hash)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_round(&self, actor: &str, round: &Round) -> Result<(), StoreError> {
                let data = placement_data(round)?;
                let exists = || StoreError::Exists { what: round_phrase(round.id) };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let key = round.id.to_string();
                let old = sqlx::query("SELECT id FROM placement_rounds WHERE id = $1")
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
                if old.is_some() {
                    return Err(exists());
                }
                sqlx::query("INSERT INTO placement_rounds (id, pref, fiscal_year, data) VALUES ($1, $2, $3, $4)")
                    .bind(&key)
                    .bind(round.id.pref().to_string())
                    .bind(round.id.fiscal_year().year())
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| if is_unique_violation(&e) { exists() } else { e.into() })?;
                let event = PendingAudit {
                    action: "create",
                    entity: Round::TABLE,
                    key,
                    pref: Some(round.id.pref().to_string()),
                    before: None,
                    after: Some(data),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_round(&self, actor: &str, round: &Round, expect: Option<u64>) -> Result<u64, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let stored = Self::open_round(&mut tx, round.id).await?;
                // The row is locked (open_round): the version read is the one the write replaces.
                let version: i64 = sqlx::query_scalar("SELECT version FROM placement_rounds WHERE id = $1")
                    .bind(round.id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                let version = u64::try_from(version).unwrap_or(0);
                if let Some(expected) = expect
                    && expected != version
                {
                    return Err(StoreError::Conflict {
                        what: format!("the placement round {}", round.id),
                        expected,
                        found: version,
                    });
                }
                let new = Round {
                    title: round.title.clone(),
                    priority: round.priority,
                    lottery_seed: round.lottery_seed,
                    limits: round.limits.clone(),
                    ..stored.clone()
                };
                let before = placement_data(&stored)?;
                let after = placement_data(&new)?;
                if before == after {
                    return Ok(version);
                }
                sqlx::query("UPDATE placement_rounds SET data = $2, version = version + 1 WHERE id = $1")
                    .bind(round.id.to_string())
                    .bind(Json(&after))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| refused(e, round.id))?;
                let event = PendingAudit {
                    action: "update",
                    entity: Round::TABLE,
                    key: round.id.to_string(),
                    pref: Some(round.id.pref().to_string()),
                    before: Some(before),
                    after: Some(after),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(version + 1)
            }

            async fn get_round(&self, id: RoundId) -> Result<Option<Round>, StoreError> {
                self.placement_by_id(id.to_string()).await
            }

            async fn list_rounds(&self, pref: Option<PrefCode>) -> Result<Vec<Round>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new("SELECT id, data FROM placement_rounds");
                let mut conds = Vec::new();
                pref_cond(pref, &mut conds);
                Self::push_where(&mut qb, conds);
                qb.push(" ORDER BY fiscal_year DESC, pref");
                self.placements(qb.build()).await
            }

            async fn put_request(&self, actor: &str, request: &PostRequest) -> Result<(), StoreError> {
                self.put_input(actor, &REQUESTS, request, request.round, request.facility.to_string()).await
            }

            async fn delete_request(&self, actor: &str, round: RoundId, facility: &FacilityId) -> Result<bool, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                match Self::lock_round(&mut tx, round).await? {
                    None => return Ok(false),
                    Some((_, true)) => return Err(decided(round)),
                    Some((_, false)) => {}
                }
                let old = sqlx::query("SELECT data FROM placement_requests WHERE round = $1 AND facility = $2")
                    .bind(round.to_string())
                    .bind(facility.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(old) = old else { return Ok(false) };
                let Json(before): Json<Value> = old.try_get(0)?;
                sqlx::query("DELETE FROM placement_requests WHERE round = $1 AND facility = $2")
                    .bind(round.to_string())
                    .bind(facility.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| refused(e, round))?;
                let event = PendingAudit {
                    action: "delete",
                    entity: PostRequest::TABLE,
                    key: format!("{round}/{facility}"),
                    pref: Some(round.pref().to_string()),
                    before: Some(before),
                    after: None,
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn list_requests(&self, round: RoundId) -> Result<Vec<PostRequest>, StoreError> {
                self.placements(
                    sqlx::query(
                        "SELECT round || '/' || facility, data FROM placement_requests \
                         WHERE round = $1 ORDER BY facility",
                    )
                    .bind(round.to_string()),
                )
                .await
            }

            async fn put_preference(&self, actor: &str, list: &PreferenceList) -> Result<(), StoreError> {
                self.put_input(actor, &PREFERENCES, list, list.round, list.doctor.to_string()).await
            }

            async fn list_preferences(&self, round: RoundId) -> Result<Vec<PreferenceList>, StoreError> {
                self.placements(
                    sqlx::query(
                        "SELECT round || '/' || doctor, data FROM placement_preferences \
                         WHERE round = $1 ORDER BY doctor",
                    )
                    .bind(round.to_string()),
                )
                .await
            }

            async fn add_run(&self, actor: &str, run: &Run) -> Result<Run, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::open_round(&mut tx, run.round).await?;
                // The round's row is locked (or, on SQLite, the database): no other run of the
                // round can take this number before the transaction ends.
                let next: i64 = sqlx::query(
                    "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM placement_runs WHERE round = $1",
                )
                .bind(run.round.to_string())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                let seq = u32::try_from(next).map_err(|e| StoreError::Corrupt {
                    entity: Run::TABLE.to_string(),
                    key: format!("{}#{next}", run.round),
                    reason: e.to_string(),
                })?;
                let stored = Run { seq, ..run.clone() };
                let data = placement_data(&stored)?;
                sqlx::query("INSERT INTO placement_runs (round, seq, algorithm, data) VALUES ($1, $2, $3, $4)")
                    .bind(run.round.to_string())
                    .bind(next)
                    .bind(&stored.algorithm)
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| refused(e, run.round))?;
                let event = PendingAudit {
                    action: "create",
                    entity: Run::TABLE,
                    key: stored.audit_id(),
                    pref: Some(run.round.pref().to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "seq": stored.seq,
                        "label": stored.label,
                        "algorithm": stored.algorithm,
                        "summary": stored.summary,
                    })),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn list_runs(&self, round: RoundId) -> Result<Vec<Run>, StoreError> {
                self.placements(
                    sqlx::query(
                        "SELECT round || '#' || CAST(seq AS TEXT), data FROM placement_runs \
                         WHERE round = $1 ORDER BY seq",
                    )
                    .bind(round.to_string()),
                )
                .await
            }

            async fn get_run(&self, round: RoundId, seq: u32) -> Result<Option<Run>, StoreError> {
                let rows = self
                    .placements(
                        sqlx::query(
                            "SELECT round || '#' || CAST(seq AS TEXT), data FROM placement_runs \
                             WHERE round = $1 AND seq = $2",
                        )
                        .bind(round.to_string())
                        .bind(i64::from(seq)),
                    )
                    .await?;
                Ok(rows.into_iter().next())
            }

            async fn decide(&self, actor: &str, decision: &Decision, assignments: Vec<Assignment>) -> Result<Applied, StoreError> {
                let data = placement_data(decision)?;
                let id = decision.round;
                let Sorted { puts, deletes, .. } = sort_changes(assignments.into_iter().map(|a| Change::Put(a.into())).collect());
                let _guard = self.write_lock.lock().await;
                let at = chrono::Utc::now();
                let mut tx = self.begin_write().await?;
                Self::open_round(&mut tx, id).await?;
                let run = sqlx::query("SELECT seq FROM placement_runs WHERE round = $1 AND seq = $2")
                    .bind(id.to_string())
                    .bind(i64::from(decision.run))
                    .fetch_optional(&mut *tx)
                    .await?;
                if run.is_none() {
                    return Err(StoreError::Missing {
                        what: format!("the run {} of {}", decision.run, round_phrase(id)),
                    });
                }
                sqlx::query("INSERT INTO placement_decisions (round, run, data) VALUES ($1, $2, $3)")
                    .bind(id.to_string())
                    .bind(i64::from(decision.run))
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| if is_unique_violation(&e) { decided(id) } else { e.into() })?;
                let event = PendingAudit {
                    action: "create",
                    entity: Decision::TABLE,
                    key: id.to_string(),
                    pref: Some(id.pref().to_string()),
                    before: None,
                    after: Some(data),
                };
                Self::write_audit(&mut tx, actor, at, &[event]).await?;
                Self::lock_register(&mut tx).await?;
                let applied = Self::apply_in(&mut tx, actor, at, &puts, &deletes, true).await?;
                tx.commit().await?;
                Ok(applied)
            }

            async fn get_decision(&self, round: RoundId) -> Result<Option<Decision>, StoreError> {
                let rows = self
                    .placements(sqlx::query("SELECT round, data FROM placement_decisions WHERE round = $1").bind(round.to_string()))
                    .await?;
                Ok(rows.into_iter().next())
            }

            async fn add_plan_version(&self, actor: &str, version: &PlanVersion) -> Result<PlanVersion, StoreError> {
                let pref = version.pref;
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                // The plans are locked: no other version of the prefecture can take this
                // number before the transaction ends.
                let seq = Self::next_seq::<PlanVersion>(&mut tx, pref).await?;
                if let Some(parent) = version.parent
                    && !Self::plan_exists(&mut tx, pref, parent).await?
                {
                    return Err(missing_plan(pref, parent));
                }
                let stored = PlanVersion { seq, ..version.clone() };
                let data = placement_data(&stored)?;
                sqlx::query(
                    "INSERT INTO rotation_plans (pref, seq, label, first_year, years, parent, data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(pref.to_string())
                .bind(i64::from(seq))
                .bind(stored.label.as_str())
                .bind(stored.first_year.year())
                .bind(i64::from(stored.years))
                .bind(stored.parent.map(i64::from))
                .bind(Json(&data))
                .execute(&mut *tx)
                .await?;
                let event = PendingAudit {
                    action: "create",
                    entity: PlanVersion::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "seq": stored.seq,
                        "label": stored.label,
                        "first_year": stored.first_year,
                        "years": stored.years,
                        "parent": stored.parent,
                        "summary": stored.summary,
                    })),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn list_plan_versions(&self, pref: PrefCode) -> Result<Vec<PlanVersion>, StoreError> {
                self.placements(
                    sqlx::query(
                        "SELECT pref || '#' || CAST(seq AS TEXT), data FROM rotation_plans \
                         WHERE pref = $1 ORDER BY seq",
                    )
                    .bind(pref.to_string()),
                )
                .await
            }

            async fn get_plan_version(&self, pref: PrefCode, seq: u32) -> Result<Option<PlanVersion>, StoreError> {
                let rows = self
                    .placements(
                        sqlx::query(
                            "SELECT pref || '#' || CAST(seq AS TEXT), data FROM rotation_plans \
                             WHERE pref = $1 AND seq = $2",
                        )
                        .bind(pref.to_string())
                        .bind(i64::from(seq)),
                    )
                    .await?;
                Ok(rows.into_iter().next())
            }

            async fn adopt_plan_version(&self, actor: &str, adoption: &Adoption) -> Result<(), StoreError> {
                let data = placement_data(adoption)?;
                let (pref, seq) = (adoption.pref, adoption.seq);
                let adopted = || StoreError::Exists {
                    what: format!("the adoption of {}", plan_phrase(pref, seq)),
                };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                if !Self::plan_exists(&mut tx, pref, seq).await? {
                    return Err(missing_plan(pref, seq));
                }
                let before = sqlx::query("SELECT seq FROM rotation_adoptions WHERE pref = $1 AND seq = $2")
                    .bind(pref.to_string())
                    .bind(i64::from(seq))
                    .fetch_optional(&mut *tx)
                    .await?;
                if before.is_some() {
                    return Err(adopted());
                }
                sqlx::query("INSERT INTO rotation_adoptions (pref, seq, adopted_at, data) VALUES ($1, $2, $3, $4)")
                    .bind(pref.to_string())
                    .bind(i64::from(seq))
                    .bind(adoption.adopted_at)
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| if is_unique_violation(&e) { adopted() } else { e.into() })?;
                let event = PendingAudit {
                    action: "create",
                    entity: Adoption::TABLE,
                    key: adoption.audit_id(),
                    pref: Some(pref.to_string()),
                    before: None,
                    after: Some(data),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_adoptions(&self, pref: PrefCode) -> Result<Vec<Adoption>, StoreError> {
                self.placements(
                    sqlx::query(
                        "SELECT pref || '#' || CAST(seq AS TEXT), data FROM rotation_adoptions \
                         WHERE pref = $1 ORDER BY adopted_at, seq",
                    )
                    .bind(pref.to_string()),
                )
                .await
            }

            async fn put_dispatch_request(&self, actor: &str, request: &DispatchRequest) -> Result<DispatchRequest, StoreError> {
                check_in(request, request.id)?;
                if request.state != RequestState::Open {
                    return Err(corrupt(
                        DispatchRequest::TABLE,
                        &if request.id == 0 { "new".to_string() } else { request.audit_id() },
                        "a request is entered open: it is filled by confirming a dispatch and cancelled by cancelling it",
                    ));
                }
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::facility_in::<DispatchRequest>(&mut tx, &request.facility, request.pref, &request.id.to_string())
                    .await?;
                let (stored, before) = if request.id == 0 {
                    let id = Self::next_id(&mut tx, DispatchRequest::TABLE).await?;
                    let id = record_id(DispatchRequest::TABLE, id)?;
                    (DispatchRequest { id, ..request.clone() }, None)
                } else {
                    let Some(id) = db_id(request.id) else { return Err(missing_request(request.id)) };
                    let Some((old, data)) = Self::lock_dispatch_request(&mut tx, id).await? else {
                        return Err(missing_request(request.id));
                    };
                    if old.state != RequestState::Open {
                        return Err(StoreError::Closed { what: request_phrase(request.id) });
                    }
                    let kept = DispatchRequest {
                        requested_by: old.requested_by,
                        requested_at: old.requested_at,
                        ..request.clone()
                    };
                    (kept, Some(data))
                };
                let data = placement_data(&stored)?;
                if before.as_ref() == Some(&data) {
                    return Ok(stored);
                }
                let write = if before.is_none() {
                    "INSERT INTO dispatch_requests (id, pref, facility, start_at, end_at, state, data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)"
                } else {
                    "UPDATE dispatch_requests SET pref = $2, facility = $3, start_at = $4, end_at = $5, \
                     state = $6, data = $7 WHERE id = $1"
                };
                sqlx::query(write)
                    .bind(db_id(stored.id))
                    .bind(stored.pref.to_string())
                    .bind(stored.facility.to_string())
                    .bind(stored.start)
                    .bind(stored.end)
                    .bind(stored.state.code())
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: DispatchRequest::TABLE,
                    key: stored.audit_id(),
                    pref: Some(stored.pref.to_string()),
                    before,
                    after: Some(data),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn get_dispatch_request(&self, id: u64) -> Result<Option<DispatchRequest>, StoreError> {
                let Some(id) = db_id(id) else { return Ok(None) };
                let rows = self
                    .placements(
                        sqlx::query("SELECT CAST(id AS TEXT), data FROM dispatch_requests WHERE id = $1").bind(id),
                    )
                    .await?;
                Ok(rows.into_iter().next())
            }

            async fn list_dispatch_requests(&self, filter: &DispatchFilter) -> Result<Vec<DispatchRequest>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new("SELECT CAST(r.id AS TEXT), r.data FROM dispatch_requests r");
                Self::push_where(&mut qb, dispatch_conds(filter, false));
                qb.push(" ORDER BY r.start_at, r.id");
                self.placements(qb.build()).await
            }

            async fn cancel_dispatch_request(&self, actor: &str, id: u64) -> Result<(), StoreError> {
                let Some(db) = db_id(id) else { return Err(missing_request(id)) };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some((old, before)) = Self::lock_dispatch_request(&mut tx, db).await? else {
                    return Err(missing_request(id));
                };
                if old.state != RequestState::Open {
                    return Err(StoreError::Closed { what: request_phrase(id) });
                }
                let pref = old.pref.to_string();
                let cancelled = DispatchRequest { state: RequestState::Cancelled, ..old };
                let after = placement_data(&cancelled)?;
                sqlx::query("UPDATE dispatch_requests SET state = $2, data = $3 WHERE id = $1")
                    .bind(db)
                    .bind(cancelled.state.code())
                    .bind(Json(&after))
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: "update",
                    entity: DispatchRequest::TABLE,
                    key: id.to_string(),
                    pref: Some(pref),
                    before: Some(before),
                    after: Some(after),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn put_offer(&self, actor: &str, offer: &DispatchOffer) -> Result<DispatchOffer, StoreError> {
                check_in(offer, offer.id)?;
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some(pref) = Self::doctor_pref(&mut tx, &offer.doctor).await? else {
                    return Err(missing_doctor(&offer.doctor));
                };
                let (stored, before) = if offer.id == 0 {
                    let id = Self::next_id(&mut tx, DispatchOffer::TABLE).await?;
                    let id = record_id(DispatchOffer::TABLE, id)?;
                    (DispatchOffer { id, ..offer.clone() }, None)
                } else {
                    let Some(id) = db_id(offer.id) else { return Err(missing_offer(offer.id)) };
                    let Some((_, data)) = Self::lock_offer(&mut tx, id).await? else {
                        return Err(missing_offer(offer.id));
                    };
                    (offer.clone(), Some(data))
                };
                let data = placement_data(&stored)?;
                if before.as_ref() == Some(&data) {
                    return Ok(stored);
                }
                let write = if before.is_none() {
                    "INSERT INTO dispatch_offers (id, doctor, from_at, to_at, data) VALUES ($1, $2, $3, $4, $5)"
                } else {
                    "UPDATE dispatch_offers SET doctor = $2, from_at = $3, to_at = $4, data = $5 WHERE id = $1"
                };
                sqlx::query(write)
                    .bind(db_id(stored.id))
                    .bind(stored.doctor.to_string())
                    .bind(stored.from)
                    .bind(stored.to)
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: DispatchOffer::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref),
                    before,
                    after: Some(data),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn delete_offer(&self, actor: &str, id: u64) -> Result<(), StoreError> {
                let Some(db) = db_id(id) else { return Err(missing_offer(id)) };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some((old, before)) = Self::lock_offer(&mut tx, db).await? else {
                    return Err(missing_offer(id));
                };
                let pref = Self::doctor_pref(&mut tx, &old.doctor).await?;
                sqlx::query("DELETE FROM dispatch_offers WHERE id = $1")
                    .bind(db)
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: "delete",
                    entity: DispatchOffer::TABLE,
                    key: id.to_string(),
                    pref,
                    before: Some(before),
                    after: None,
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_offers(&self, filter: &OfferFilter) -> Result<Vec<DispatchOffer>, StoreError> {
                let mut conds = Vec::new();
                if let Some(d) = &filter.doctor {
                    conds.push(cond("doctor = ?", vec![text(d)]));
                }
                if let Some(from) = filter.from {
                    conds.push(cond("to_at > ?", vec![Val::Time(Some(from))]));
                }
                if let Some(until) = filter.until {
                    conds.push(cond("from_at < ?", vec![Val::Time(Some(until))]));
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT CAST(id AS TEXT), data FROM dispatch_offers");
                Self::push_where(&mut qb, conds);
                qb.push(" ORDER BY doctor, from_at, id");
                self.placements(qb.build()).await
            }

            async fn put_hours(&self, actor: &str, report: &HoursReport) -> Result<(), StoreError> {
                let data = placement_data(report)?;
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some(pref) = Self::doctor_pref(&mut tx, &report.doctor).await? else {
                    return Err(missing_doctor(&report.doctor));
                };
                let old = sqlx::query(trusted(format!(
                    "SELECT data FROM hours_reports WHERE doctor = $1 AND employer = $2 AND month = $3{}",
                    Self::FOR_UPDATE
                )))
                .bind(report.doctor.to_string())
                .bind(&report.employer)
                .bind(report.month)
                .fetch_optional(&mut *tx)
                .await?;
                let before: Option<Value> = match old {
                    Some(r) => Some(r.try_get::<Json<Value>, _>(0)?.0),
                    None => None,
                };
                if before.as_ref() == Some(&data) {
                    return Ok(());
                }
                sqlx::query(
                    "INSERT INTO hours_reports (doctor, employer, month, month_minutes, year_minutes, data) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (doctor, employer, month) DO UPDATE SET \
                     month_minutes = excluded.month_minutes, year_minutes = excluded.year_minutes, \
                     data = excluded.data",
                )
                .bind(report.doctor.to_string())
                .bind(&report.employer)
                .bind(report.month)
                .bind(report.month_minutes)
                .bind(report.year_minutes)
                .bind(Json(&data))
                .execute(&mut *tx)
                .await?;
                let event = PendingAudit {
                    action: if before.is_some() { "update" } else { "create" },
                    entity: HoursReport::TABLE,
                    key: report.audit_id(),
                    pref: Some(pref),
                    before: before.as_ref().map(hours_figures),
                    after: Some(hours_figures(&data)),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_hours(&self, doctor: Option<&DoctorId>, month: Option<NaiveDate>) -> Result<Vec<HoursReport>, StoreError> {
                let mut conds = Vec::new();
                if let Some(d) = doctor {
                    conds.push(cond("doctor = ?", vec![text(d)]));
                }
                if let Some(m) = month {
                    conds.push(cond("month = ?", vec![Val::Date(Some(m))]));
                }
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT doctor || '#' || employer || '#' || SUBSTR(CAST(month AS TEXT), 1, 7), data \
                     FROM hours_reports",
                );
                Self::push_where(&mut qb, conds);
                qb.push(" ORDER BY doctor, month, employer");
                self.placements(qb.build()).await
            }

            async fn add_dispatch_run(&self, actor: &str, run: &DispatchRun) -> Result<DispatchRun, StoreError> {
                let pref = run.pref;
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                // The runs are locked: no other run of the prefecture can take this number
                // before the transaction ends.
                let seq = Self::next_seq::<DispatchRun>(&mut tx, pref).await?;
                let stored = DispatchRun { seq, ..run.clone() };
                let data = placement_data(&stored)?;
                sqlx::query("INSERT INTO dispatch_runs (pref, seq, month, data) VALUES ($1, $2, $3, $4)")
                    .bind(pref.to_string())
                    .bind(i64::from(seq))
                    .bind(stored.month)
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: "create",
                    entity: DispatchRun::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before: None,
                    after: Some(serde_json::json!({
                        "seq": stored.seq,
                        "month": stored.month,
                        "summary": stored.summary,
                    })),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn list_dispatch_runs(&self, pref: PrefCode) -> Result<Vec<DispatchRun>, StoreError> {
                self.placements(
                    sqlx::query(
                        "SELECT pref || '#' || CAST(seq AS TEXT), data FROM dispatch_runs \
                         WHERE pref = $1 ORDER BY seq",
                    )
                    .bind(pref.to_string()),
                )
                .await
            }

            async fn get_dispatch_run(&self, pref: PrefCode, seq: u32) -> Result<Option<DispatchRun>, StoreError> {
                let rows = self
                    .placements(
                        sqlx::query(
                            "SELECT pref || '#' || CAST(seq AS TEXT), data FROM dispatch_runs \
                             WHERE pref = $1 AND seq = $2",
                        )
                        .bind(pref.to_string())
                        .bind(i64::from(seq)),
                    )
                    .await?;
                Ok(rows.into_iter().next())
            }

            async fn confirm_dispatches(&self, actor: &str, pref: PrefCode, run: u32, dispatches: &[Dispatch]) -> Result<(), StoreError> {
                // Checked before the transaction: each dispatch, from this run, once per request.
                let mut data = Vec::with_capacity(dispatches.len());
                let mut seen = HashSet::new();
                for d in dispatches {
                    if d.run != run {
                        return Err(corrupt(
                            Dispatch::TABLE,
                            &d.audit_id(),
                            format!("the dispatch names the run {} but is confirmed from the run {run}", d.run),
                        ));
                    }
                    data.push(placement_data(d)?);
                    if !seen.insert(d.request) {
                        return Err(StoreError::Exists {
                            what: format!("{} (twice in the list)", dispatch_phrase(d.request)),
                        });
                    }
                }
                // The requests are locked in the order of their ids, so that two confirmations
                // wait for each other rather than deadlock.
                let mut order: Vec<usize> = (0..dispatches.len()).collect();
                order.sort_by_key(|&i| dispatches[i].request);
                let _guard = self.write_lock.lock().await;
                let at = chrono::Utc::now();
                let mut tx = self.begin_write().await?;
                let found = sqlx::query("SELECT seq FROM dispatch_runs WHERE pref = $1 AND seq = $2")
                    .bind(pref.to_string())
                    .bind(i64::from(run))
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::Missing {
                        what: format!("the dispatch run {run} of prefecture {pref}"),
                    });
                }
                let mut audit = Vec::with_capacity(2 * dispatches.len());
                for i in order {
                    let d = &dispatches[i];
                    let Some(id) = db_id(d.request) else { return Err(missing_request(d.request)) };
                    // Locked until the transaction ends (PostgreSQL; SQLite holds the write
                    // lock): a concurrent confirmation of the request waits, then finds it filled.
                    let Some((request, before)) = Self::lock_dispatch_request(&mut tx, id).await? else {
                        return Err(missing_request(d.request));
                    };
                    if request.pref != pref {
                        return Err(StoreError::Missing {
                            what: format!("{} in prefecture {pref}", request_phrase(d.request)),
                        });
                    }
                    if request.state != RequestState::Open {
                        return Err(StoreError::Closed { what: request_phrase(d.request) });
                    }
                    if Self::doctor_pref(&mut tx, &d.doctor).await?.is_none() {
                        return Err(missing_doctor(&d.doctor));
                    }
                    sqlx::query(
                        "INSERT INTO dispatches (request, pref, run, doctor, worked_minutes, data) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(pref.to_string())
                    .bind(i64::from(run))
                    .bind(d.doctor.to_string())
                    .bind(d.worked_minutes)
                    .bind(Json(&data[i]))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Exists { what: dispatch_phrase(d.request) }
                        } else {
                            e.into()
                        }
                    })?;
                    let filled = DispatchRequest { state: RequestState::Filled, ..request };
                    let after = placement_data(&filled)?;
                    sqlx::query("UPDATE dispatch_requests SET state = $2, data = $3 WHERE id = $1")
                        .bind(id)
                        .bind(filled.state.code())
                        .bind(Json(&after))
                        .execute(&mut *tx)
                        .await?;
                    audit.push(PendingAudit {
                        action: "create",
                        entity: Dispatch::TABLE,
                        key: d.audit_id(),
                        pref: Some(pref.to_string()),
                        before: None,
                        after: Some(data[i].clone()),
                    });
                    audit.push(PendingAudit {
                        action: "update",
                        entity: DispatchRequest::TABLE,
                        key: filled.audit_id(),
                        pref: Some(pref.to_string()),
                        before: Some(before),
                        after: Some(after),
                    });
                }
                Self::write_audit(&mut tx, actor, at, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_dispatches(&self, filter: &DispatchFilter) -> Result<Vec<Dispatch>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT CAST(d.request AS TEXT), d.data FROM dispatches d \
                     JOIN dispatch_requests r ON r.id = d.request",
                );
                Self::push_where(&mut qb, dispatch_conds(filter, true));
                qb.push(" ORDER BY r.start_at, r.id");
                self.placements(qb.build()).await
            }

            async fn record_worked(&self, actor: &str, request: u64, minutes: i64) -> Result<(), StoreError> {
                if !(0..=MAX_WORKED_MINUTES).contains(&minutes) {
                    return Err(corrupt(
                        Dispatch::TABLE,
                        &request.to_string(),
                        format!("{minutes} minutes worked is out of range (0 to {MAX_WORKED_MINUTES})"),
                    ));
                }
                let missing = || StoreError::Missing { what: dispatch_phrase(request) };
                let Some(id) = db_id(request) else { return Err(missing()) };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some((old, before)) = Self::locked::<Dispatch>(
                    &mut tx,
                    "SELECT CAST(request AS TEXT), data FROM dispatches WHERE request = $1",
                    id,
                )
                .await?
                else {
                    return Err(missing());
                };
                let worked = Dispatch { worked_minutes: Some(minutes), ..old };
                let after = placement_data(&worked)?;
                if after == before {
                    return Ok(());
                }
                sqlx::query("UPDATE dispatches SET worked_minutes = $2, data = $3 WHERE request = $1")
                    .bind(id)
                    .bind(minutes)
                    .bind(Json(&after))
                    .execute(&mut *tx)
                    .await?;
                let pref: String = sqlx::query("SELECT pref FROM dispatches WHERE request = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                let event = PendingAudit {
                    action: "update",
                    entity: Dispatch::TABLE,
                    key: request.to_string(),
                    pref: Some(pref),
                    before: Some(before),
                    after: Some(after),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_duty_roster(&self, actor: &str, version: &DutyRosterVersion) -> Result<DutyRosterVersion, StoreError> {
                let pref = version.pref;
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::facility_in::<DutyRosterVersion>(&mut tx, &version.facility, pref, "new").await?;
                // The versions are locked: no other version of the prefecture can take this
                // number before the transaction ends.
                let seq = Self::next_seq::<DutyRosterVersion>(&mut tx, pref).await?;
                let stored = DutyRosterVersion { seq, published: None, ..version.clone() };
                let data = placement_data(&stored)?;
                sqlx::query("INSERT INTO duty_rosters (pref, seq, facility, month, data) VALUES ($1, $2, $3, $4, $5)")
                    .bind(pref.to_string())
                    .bind(i64::from(seq))
                    .bind(stored.facility.to_string())
                    .bind(stored.month)
                    .bind(Json(&data))
                    .execute(&mut *tx)
                    .await?;
                let event = PendingAudit {
                    action: "create",
                    entity: DutyRosterVersion::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before: None,
                    after: Some(roster_figures(&stored, false)),
                };
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn list_duty_rosters(
                &self,
                pref: PrefCode,
                facility: Option<&FacilityId>,
                month: Option<NaiveDate>,
            ) -> Result<Vec<DutyRosterVersion>, StoreError> {
                let mut conds = vec![cond("r.pref = ?", vec![text(pref)])];
                if let Some(f) = facility {
                    conds.push(cond("r.facility = ?", vec![text(f)]));
                }
                if let Some(m) = month {
                    conds.push(cond("r.month = ?", vec![Val::Date(Some(first_of_month(m)))]));
                }
                let mut qb = QueryBuilder::<$db>::new(ROSTER_SELECT);
                Self::push_where(&mut qb, conds);
                qb.push(" ORDER BY r.seq");
                Self::rosters(qb.build().fetch_all(&self.pool).await?)
            }

            async fn get_duty_roster(&self, pref: PrefCode, seq: u32) -> Result<Option<DutyRosterVersion>, StoreError> {
                Self::roster(&self.pool, pref, seq).await
            }

            async fn publish_duty_roster(&self, actor: &str, pref: PrefCode, seq: u32) -> Result<DutyRosterVersion, StoreError> {
                let published = || StoreError::Exists {
                    what: format!("the publication of {}", roster_phrase(pref, seq)),
                };
                // As PostgreSQL keeps it (microseconds), so that what is returned is what is read.
                let at = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some(draft) = Self::roster(&mut *tx, pref, seq).await? else {
                    return Err(StoreError::Missing { what: roster_phrase(pref, seq) });
                };
                if draft.published.is_some() {
                    return Err(published());
                }
                sqlx::query(
                    "INSERT INTO duty_roster_publications (pref, seq, published_by, published_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(pref.to_string())
                .bind(i64::from(seq))
                .bind(actor)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(|e| if is_unique_violation(&e) { published() } else { e.into() })?;
                let stored = DutyRosterVersion {
                    published: Some(Publication { by: actor.to_string(), at }),
                    ..draft.clone()
                };
                let event = PendingAudit {
                    action: "update",
                    entity: DutyRosterVersion::TABLE,
                    key: stored.audit_id(),
                    pref: Some(pref.to_string()),
                    before: Some(roster_figures(&draft, true)),
                    after: Some(roster_figures(&stored, true)),
                };
                Self::write_audit(&mut tx, actor, at, &[event]).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn published_duty_rosters(&self, pref: PrefCode, month: NaiveDate) -> Result<Vec<DutyRosterVersion>, StoreError> {
                let rows = sqlx::query(trusted(format!(
                    "{ROSTER_SELECT} WHERE r.pref = $1 AND r.month = $2 AND p.seq IS NOT NULL ORDER BY r.facility, r.seq"
                )))
                .bind(pref.to_string())
                .bind(first_of_month(month))
                .fetch_all(&self.pool)
                .await?;
                // Per facility (consecutive rows), the version published last, then the
                // highest numbered.
                let order = |v: &DutyRosterVersion| (v.published.as_ref().map(|p| p.at), v.seq);
                let mut out: Vec<DutyRosterVersion> = Vec::new();
                for v in Self::rosters(rows)? {
                    match out.last_mut() {
                        Some(last) if last.facility == v.facility => {
                            if order(&v) > order(last) {
                                *last = v;
                            }
                        }
                        _ => out.push(v),
                    }
                }
                Ok(out)
            }

            async fn put_alliance(&self, actor: &str, alliance: &Alliance) -> Result<(), StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::upsert_keyed(
                    &mut tx,
                    actor,
                    alliance,
                    alliance.pref,
                    vec![("id", text(&alliance.id))],
                    vec![("pref", text(alliance.pref))],
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_alliance(&self, id: &AllianceId) -> Result<Option<Alliance>, StoreError> {
                self.placement_by_id(id.to_string()).await
            }

            async fn list_alliances(&self, pref: Option<PrefCode>) -> Result<Vec<Alliance>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new("SELECT id, data FROM alliances");
                Self::push_where(&mut qb, pref.map(|p| cond("pref = ?", vec![text(p)])).into_iter().collect());
                qb.push(" ORDER BY id");
                self.placements(qb.build()).await
            }

            async fn put_alliance_member(&self, actor: &str, member: &AllianceMember) -> Result<(), StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::put_member_in(&mut tx, actor, member).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_alliance_members(
                &self,
                alliance: &AllianceId,
                on: Option<NaiveDate>,
            ) -> Result<Vec<AllianceMember>, StoreError> {
                let mut conds = vec![cond("alliance = ?", vec![text(alliance)])];
                if let Some(d) = on {
                    conds.push(cond("joined <= ?", vec![Val::Date(Some(d))]));
                    conds.push(cond("(left_on IS NULL OR left_on >= ?)", vec![Val::Date(Some(d))]));
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT alliance || '/' || corporation, data FROM alliance_members");
                Self::push_where(&mut qb, conds);
                qb.push(" ORDER BY joined, corporation");
                self.placements(qb.build()).await
            }

            async fn put_staff_loan(&self, actor: &str, loan: &StaffLoan) -> Result<StaffLoan, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let (stored, event) = Self::put_loan_in(&mut tx, loan).await?;
                if let Some(event) = event {
                    Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                    tx.commit().await?;
                }
                Ok(stored)
            }

            async fn get_staff_loan(&self, id: u64) -> Result<Option<StaffLoan>, StoreError> {
                self.numbered(id).await
            }

            async fn list_staff_loans(&self, filter: &LoanFilter) -> Result<Vec<StaffLoan>, StoreError> {
                let mut conds = Vec::new();
                if let Some(a) = &filter.alliance {
                    conds.push(cond("alliance = ?", vec![text(a)]));
                }
                if let Some(d) = &filter.doctor {
                    conds.push(cond("doctor = ?", vec![text(d)]));
                }
                if let Some(m) = filter.month {
                    conds.push(cond("months LIKE ?", vec![text(format!("%{}%", m.format("%Y-%m;")))]));
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT CAST(id AS TEXT), data FROM staff_loans");
                Self::push_where(&mut qb, conds);
                qb.push(" ORDER BY start_on, id");
                self.placements(qb.build()).await
            }

            async fn delete_staff_loan(&self, actor: &str, id: u64) -> Result<(), StoreError> {
                let Some(db) = db_id(id) else { return Err(missing_loan(id)) };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some((old, _)) = Self::lock_loan(&mut tx, db).await? else {
                    return Err(missing_loan(id));
                };
                let pref = Self::alliance_pref(&mut tx, &old.alliance).await?;
                Self::delete_numbered::<StaffLoan>(tx, actor, db, pref, loan_figures(&old)).await
            }

            async fn put_equipment(&self, actor: &str, equipment: &Equipment) -> Result<Equipment, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let (stored, event) = Self::put_equipment_in(&mut tx, equipment).await?;
                if let Some(event) = event {
                    Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                    tx.commit().await?;
                }
                Ok(stored)
            }

            async fn get_equipment(&self, id: u64) -> Result<Option<Equipment>, StoreError> {
                self.numbered(id).await
            }

            async fn list_equipment(&self, alliance: &AllianceId) -> Result<Vec<Equipment>, StoreError> {
                self.placements(
                    sqlx::query("SELECT CAST(id AS TEXT), data FROM equipment WHERE alliance = $1 ORDER BY id")
                        .bind(alliance.to_string()),
                )
                .await
            }

            async fn book(&self, actor: &str, booking: &Booking) -> Result<Booking, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let (stored, event) = Self::book_in(&mut tx, booking).await?;
                if let Some(event) = event {
                    Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                    tx.commit().await?;
                }
                Ok(stored)
            }

            async fn get_booking(&self, id: u64) -> Result<Option<Booking>, StoreError> {
                self.numbered(id).await
            }

            async fn cancel_booking(&self, actor: &str, id: u64) -> Result<(), StoreError> {
                let Some(db) = db_id(id) else { return Err(missing_booking(id)) };
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let Some((old, _)) = Self::locked::<Booking>(
                    &mut tx,
                    "SELECT CAST(id AS TEXT), data FROM equipment_bookings WHERE id = $1",
                    db,
                )
                .await?
                else {
                    return Err(missing_booking(id));
                };
                let Some(eq_id) = db_id(old.equipment) else { return Err(missing_equipment(old.equipment)) };
                let Some((equipment, _)) = Self::lock_equipment(&mut tx, eq_id).await? else {
                    return Err(missing_equipment(old.equipment));
                };
                let pref = Self::alliance_pref(&mut tx, &equipment.alliance).await?;
                Self::delete_numbered::<Booking>(tx, actor, db, pref, booking_figures(&old)).await
            }

            async fn list_bookings(
                &self,
                equipment: u64,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> Result<Vec<Booking>, StoreError> {
                let Some(eq) = db_id(equipment) else { return Ok(Vec::new()) };
                self.placements(
                    sqlx::query(
                        "SELECT CAST(id AS TEXT), data FROM equipment_bookings \
                         WHERE equipment = $1 AND start_at < $2 AND end_at > $3 ORDER BY start_at, id",
                    )
                    .bind(eq)
                    .bind(to)
                    .bind(from),
                )
                .await
            }

            async fn put_document(&self, actor: &str, doc: DocPut) -> Result<DocRow, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let (row, event) = Self::write_document(&mut tx, doc).await?;
                if let Some(event) = event {
                    Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                    tx.commit().await?;
                }
                Ok(row)
            }

            async fn get_document(&self, kind: &str, id: u64) -> Result<Option<DocRow>, StoreError> {
                let Some(db) = db_id(id) else { return Ok(None) };
                let rows = sqlx::query(trusted(format!("{DOC_SELECT} WHERE id = $1 AND kind = $2")))
                    .bind(db)
                    .bind(kind)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(Self::doc_rows(rows)?.into_iter().next())
            }

            async fn list_documents(&self, query: &DocQuery) -> Result<Vec<DocRow>, StoreError> {
                let parent = match query.parent {
                    Some(p) => match db_id(p) {
                        Some(p) => Some(p),
                        None => return Ok(Vec::new()),
                    },
                    None => None,
                };
                let rows = sqlx::query(trusted(format!(
                    "{DOC_SELECT} WHERE kind = $1 AND ($2 IS NULL OR scope = $2) AND ($3 IS NULL OR pref = $3) \
                     AND ($4 IS NULL OR parent = $4) AND ($5 IS NULL OR owner = $5) ORDER BY id"
                )))
                .bind(query.kind)
                .bind(query.scope.clone())
                .bind(query.pref.map(|p| p.to_string()))
                .bind(parent)
                .bind(query.owner.clone())
                .fetch_all(&self.pool)
                .await?;
                Self::doc_rows(rows)
            }

            async fn delete_document(&self, actor: &str, kind: &'static str, id: u64) -> Result<(), StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let event = Self::delete_doc_in(&mut tx, kind, id).await?;
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &[event]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn change_documents(
                &self,
                actor: &str,
                group: &DocGroup,
                plan: &DocPlan<'_>,
            ) -> Result<Vec<DocRow>, StoreError> {
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                Self::scope_pref(&mut tx, &group.scope).await?;
                let scope = group.scope.key();
                let lock_parent = group.parent.and_then(db_id).unwrap_or(0);
                // The group's lock row: held (PostgreSQL: row-locked by the upsert) until the
                // transaction ends, so that checked writes of one group run one at a time.
                sqlx::query(
                    "INSERT INTO document_locks (kind, scope, parent, n) VALUES ($1, $2, $3, 1) \
                     ON CONFLICT (kind, scope, parent) DO UPDATE SET n = document_locks.n + 1",
                )
                .bind(group.kind)
                .bind(&scope)
                .bind(lock_parent)
                .execute(&mut *tx)
                .await?;
                let rows = sqlx::query(trusted(format!(
                    "{DOC_SELECT} WHERE kind = $1 AND scope = $2 AND ($3 IS NULL OR parent = $3) ORDER BY id"
                )))
                .bind(group.kind)
                .bind(&scope)
                .bind(group.parent.map(|_| lock_parent))
                .fetch_all(&mut *tx)
                .await?;
                let mut rows = Self::doc_rows(rows)?;
                if let (Some(kind), Some(parent)) = (group.parent_kind, group.parent.and_then(db_id)) {
                    // Row-locked too: a plain write of the parent waits for this change.
                    let found = sqlx::query(trusted(format!("{DOC_SELECT} WHERE id = $1 AND kind = $2{}", Self::FOR_UPDATE)))
                        .bind(parent)
                        .bind(kind)
                        .fetch_all(&mut *tx)
                        .await?;
                    rows.extend(Self::doc_rows(found)?);
                }
                let writes = plan(rows)?;
                let (mut written, mut events) = (Vec::new(), Vec::new());
                for w in writes {
                    match w {
                        DocWrite::Put(doc) => {
                            let (row, event) = Self::write_document(&mut tx, doc).await?;
                            written.push(row);
                            events.extend(event);
                        }
                        DocWrite::Delete { kind, id } => events.push(Self::delete_doc_in(&mut tx, kind, id).await?),
                    }
                }
                Self::write_audit(&mut tx, actor, chrono::Utc::now(), &events).await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn import_alliance(
                &self,
                actor: &str,
                batch: &AllianceBatch,
            ) -> Result<AllianceWritten, StoreError> {
                fn at(list: &'static str, index: usize) -> impl FnOnce(StoreError) -> StoreError {
                    move |e| StoreError::InBatch { list, index, error: Box::new(e) }
                }
                let _guard = self.write_lock.lock().await;
                let mut tx = self.begin_write().await?;
                let mut out = AllianceWritten::default();
                let mut events = Vec::new();
                // Members first: loans and bookings are checked against them.
                for (i, m) in batch.members.iter().enumerate() {
                    if Self::put_member_in(&mut tx, actor, m).await.map_err(at("members", i))? {
                        out.changed += 1;
                    }
                }
                for (i, loan) in batch.loans.iter().enumerate() {
                    let (stored, event) = Self::put_loan_in(&mut tx, loan).await.map_err(at("loans", i))?;
                    out.loans.push(stored);
                    events.extend(event);
                }
                for (i, e) in batch.equipment.iter().enumerate() {
                    let (stored, event) = Self::put_equipment_in(&mut tx, e).await.map_err(at("equipment", i))?;
                    out.equipment.push(stored);
                    events.extend(event);
                }
                for (i, b) in batch.bookings.iter().enumerate() {
                    if b.id == 0 {
                        let (stored, event) = Self::book_in(&mut tx, b).await.map_err(at("bookings", i))?;
                        out.bookings.push(stored);
                        events.extend(event);
                        continue;
                    }
                    let Some(db) = db_id(b.id) else { return Err(at("bookings", i)(missing_booking(b.id))) };
                    let old = Self::locked::<Booking>(
                        &mut tx,
                        "SELECT CAST(id AS TEXT), data FROM equipment_bookings WHERE id = $1",
                        db,
                    )
                    .await?;
                    match old {
                        Some((old, _)) if old == *b => out.bookings.push(old),
                        Some(_) => {
                            return Err(at("bookings", i)(StoreError::Refused(Msg::new(
                                format!("予約 {} は変更できません。取り消して予約し直してください", b.id),
                                format!("the booking {} cannot change: cancel it and book again", b.id),
                            ))));
                        }
                        None => return Err(at("bookings", i)(missing_booking(b.id))),
                    }
                }
                for (i, d) in batch.documents.iter().enumerate() {
                    let (row, event) = Self::write_document(&mut tx, d.clone()).await.map_err(at("documents", i))?;
                    out.documents.push(row);
                    events.extend(event);
                }
                out.changed += events.len();
                if out.changed > 0 {
                    Self::write_audit(&mut tx, actor, chrono::Utc::now(), &events).await?;
                    tx.commit().await?;
                }
                Ok(out)
            }
        }
    };
}

impl_store!(SqliteStore, sqlx::Sqlite, Backend::Sqlite);
impl_store!(PgStore, sqlx::Postgres, Backend::Postgres);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(like("A_b%"), Val::Text(Some("%a\\_b\\%%".into())));
    }
}
