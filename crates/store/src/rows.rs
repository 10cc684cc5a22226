//! How records map to table rows: the one place that knows each table's columns. Both back
//! ends use it, so the two schemas hold the same values.

use chiiki_domain::{
    Adoption, Alliance, AllianceMember, Booking, Decision, Dispatch, DispatchOffer,
    DispatchRequest, DispatchRun, DutyRosterVersion, Entity, Equipment, HoursReport, NaiveDate,
    PlanVersion, PostRequest, PreferenceList, Record, Round, Run, StaffLoan, Workplace,
};
use serde_json::Value;

use crate::StoreError;

/// A value of a column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Text(Option<String>),
    Int(i64),
    Bool(bool),
    Date(Option<NaiveDate>),
    Time(Option<chrono::NaiveDateTime>),
}

/// A table of records: its name, key column and the columns kept beside `data`.
pub(crate) struct Table {
    pub entity: Entity,
    pub name: &'static str,
    pub key: &'static str,
    pub columns: &'static [&'static str],
}

pub(crate) const TABLES: [Table; 7] = [
    Table {
        entity: Entity::Areas,
        name: "areas",
        key: "code",
        columns: &["pref", "name"],
    },
    Table {
        entity: Entity::Municipalities,
        name: "municipalities",
        key: "code",
        columns: &["pref", "area", "name"],
    },
    Table {
        entity: Entity::Schemes,
        name: "schemes",
        key: "id",
        columns: &["pref", "name"],
    },
    Table {
        entity: Entity::Programmes,
        name: "programmes",
        key: "id",
        columns: &["pref", "name", "scheme"],
    },
    Table {
        entity: Entity::Facilities,
        name: "facilities",
        key: "id",
        columns: &["pref", "area", "municipality", "name", "kind", "synthetic"],
    },
    Table {
        entity: Entity::Doctors,
        name: "doctors",
        key: "id",
        columns: &[
            "pref",
            "name",
            "kana",
            "graduation_year",
            "status",
            "scheme",
            "synthetic",
        ],
    },
    Table {
        entity: Entity::Assignments,
        name: "assignments",
        key: "id",
        columns: &["doctor", "facility", "start_date", "end_date", "kind"],
    },
];

pub(crate) fn table(entity: Entity) -> &'static Table {
    TABLES
        .iter()
        .find(|t| t.entity == entity)
        .expect("every entity has a table")
}

/// A record as a row: key, the prefecture it belongs to (for audit scoping), the columns of
/// its table in order, and the whole record as JSON.
pub(crate) struct Row {
    pub key: String,
    pub pref: Option<String>,
    pub columns: Vec<Val>,
    pub data: Value,
}

fn text(s: impl ToString) -> Val {
    Val::Text(Some(s.to_string()))
}

pub(crate) fn to_row(record: &Record) -> Result<Row, StoreError> {
    use chrono::Datelike;
    let (pref, columns) = match record {
        Record::Area(a) => (
            Some(a.pref().to_string()),
            vec![text(a.pref()), text(&a.name)],
        ),
        Record::Municipality(m) => (
            Some(m.pref().to_string()),
            vec![text(m.pref()), text(m.area()), text(m.name())],
        ),
        Record::Scheme(s) => (Some(s.pref.to_string()), vec![text(s.pref), text(&s.name)]),
        Record::Programme(p) => (
            Some(p.pref.to_string()),
            vec![
                text(p.pref),
                text(&p.name),
                Val::Text(p.scheme.as_ref().map(|s| s.to_string())),
            ],
        ),
        Record::Facility(f) => (
            Some(f.pref().to_string()),
            vec![
                text(f.pref()),
                text(f.area),
                Val::Text(f.municipality.map(|m| m.to_string())),
                text(&f.name),
                text(f.kind),
                Val::Bool(f.synthetic),
            ],
        ),
        Record::Doctor(d) => (
            Some(d.pref.to_string()),
            vec![
                text(d.pref),
                text(&d.name),
                Val::Text(d.kana.as_ref().map(|k| k.to_string())),
                Val::Int(d.graduation_date.year() as i64),
                text(d.status),
                Val::Text(d.enrolment.as_ref().map(|e| e.scheme.to_string())),
                Val::Bool(d.synthetic),
            ],
        ),
        Record::Assignment(a) => (
            None,
            vec![
                text(&a.doctor),
                Val::Text(match &a.place {
                    Some(Workplace::Registered { facility }) => Some(facility.to_string()),
                    _ => None,
                }),
                Val::Date(Some(a.period.start())),
                Val::Date(a.period.end()),
                text(a.kind),
            ],
        ),
    };
    let data = serde_json::to_value(record_body(record)).map_err(|e| StoreError::Corrupt {
        entity: record.entity().code().to_string(),
        key: record.key(),
        reason: e.to_string(),
    })?;
    Ok(Row {
        key: record.key(),
        pref,
        columns,
        data,
    })
}

/// The record alone, without the enum's tag: what `data` holds.
fn record_body(record: &Record) -> Value {
    let r = match record {
        Record::Area(x) => serde_json::to_value(x),
        Record::Municipality(x) => serde_json::to_value(x),
        Record::Scheme(x) => serde_json::to_value(x),
        Record::Programme(x) => serde_json::to_value(x),
        Record::Facility(x) => serde_json::to_value(x),
        Record::Doctor(x) => serde_json::to_value(x),
        Record::Assignment(x) => serde_json::to_value(x),
    };
    r.unwrap_or(Value::Null)
}

/// Validates stored JSON back into a record.
pub(crate) fn from_data(entity: Entity, key: &str, data: Value) -> Result<Record, StoreError> {
    Ok(match entity {
        Entity::Areas => Record::Area(decode(entity.code(), key, data)?),
        Entity::Municipalities => Record::Municipality(decode(entity.code(), key, data)?),
        Entity::Schemes => Record::Scheme(decode(entity.code(), key, data)?),
        Entity::Programmes => Record::Programme(decode(entity.code(), key, data)?),
        Entity::Facilities => Record::Facility(decode(entity.code(), key, data)?),
        Entity::Doctors => Record::Doctor(decode(entity.code(), key, data)?),
        Entity::Assignments => Record::Assignment(decode(entity.code(), key, data)?),
    })
}

/// Decodes stored JSON straight into a record type.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    entity: &str,
    key: &str,
    data: Value,
) -> Result<T, StoreError> {
    serde_json::from_value(data).map_err(|e| StoreError::Corrupt {
        entity: entity.to_string(),
        key: key.to_string(),
        reason: e.to_string(),
    })
}

/// A record of a placement round (the round, a request, a preference list, a run, the
/// decision), of a rotation plan (a version, an adoption) or of dispatch (a request, an
/// offer, an overtime report, a run, a dispatch): kept whole in `data` of its table, beside
/// its key columns.
pub(crate) trait Placement: serde::Serialize + serde::de::DeserializeOwned {
    /// Its table, which is also the entity of its audit events and errors.
    const TABLE: &'static str;
    /// Its id in the audit trail and in errors: `03-2027`, `03-2027/F-1`, `03-2027#3`, `03#2`,
    /// `12`, `D-1#F-1#2026-12`.
    fn audit_id(&self) -> String;
    /// Its invariants.
    fn check(&self) -> Result<(), String>;
}

impl Placement for Round {
    const TABLE: &'static str = "placement_rounds";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

impl Placement for PostRequest {
    const TABLE: &'static str = "placement_requests";
    fn audit_id(&self) -> String {
        format!("{}/{}", self.round, self.facility)
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

impl Placement for PreferenceList {
    const TABLE: &'static str = "placement_preferences";
    fn audit_id(&self) -> String {
        format!("{}/{}", self.round, self.doctor)
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

impl Placement for Run {
    const TABLE: &'static str = "placement_runs";
    fn audit_id(&self) -> String {
        format!("{}#{}", self.round, self.seq)
    }
    fn check(&self) -> Result<(), String> {
        if self.seq == 0 {
            return Err("a run's sequence number starts at 1".to_string());
        }
        Ok(())
    }
}

impl Placement for Decision {
    const TABLE: &'static str = "placement_decisions";
    fn audit_id(&self) -> String {
        self.round.to_string()
    }
    fn check(&self) -> Result<(), String> {
        if self.run == 0 {
            return Err("a decision chooses a run, numbered from 1".to_string());
        }
        Ok(())
    }
}

impl Placement for PlanVersion {
    const TABLE: &'static str = "rotation_plans";
    fn audit_id(&self) -> String {
        format!("{}#{}", self.pref, self.seq)
    }
    fn check(&self) -> Result<(), String> {
        if self.seq == 0 {
            return Err("a plan version's sequence number starts at 1".to_string());
        }
        self.validate().map_err(|e| e.to_string())
    }
}

impl Placement for Adoption {
    const TABLE: &'static str = "rotation_adoptions";
    fn audit_id(&self) -> String {
        format!("{}#{}", self.pref, self.seq)
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

/// The most minutes a dispatch can record as worked: the two days of the longest request (the
/// `dispatches` table checks the same bound).
pub(crate) const MAX_WORKED_MINUTES: i64 = 2880;
/// The longest travel to a dispatch: a day.
pub(crate) const MAX_TRAVEL_MINUTES: i64 = 24 * 60;

impl Placement for DispatchRequest {
    const TABLE: &'static str = "dispatch_requests";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

impl Placement for DispatchOffer {
    const TABLE: &'static str = "dispatch_offers";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

impl Placement for HoursReport {
    const TABLE: &'static str = "hours_reports";
    fn audit_id(&self) -> String {
        format!(
            "{}#{}#{}",
            self.doctor,
            self.employer,
            self.month.format("%Y-%m")
        )
    }
    fn check(&self) -> Result<(), String> {
        self.validate().map_err(|e| e.to_string())
    }
}

/// The invariants of a record numbered within its prefecture (from 1) and made for a month
/// (given by its first day): a dispatch run, a duty roster version (`what`, as a phrase:
/// `a dispatch run`).
fn check_numbered_month(what: &str, seq: u32, month: NaiveDate) -> Result<(), String> {
    use chrono::Datelike;
    if seq == 0 {
        return Err(format!("{what}'s sequence number starts at 1"));
    }
    if month.day() != 1 {
        return Err(format!(
            "{what}'s month is given by its first day, not {month}"
        ));
    }
    Ok(())
}

impl Placement for DispatchRun {
    const TABLE: &'static str = "dispatch_runs";
    fn audit_id(&self) -> String {
        format!("{}#{}", self.pref, self.seq)
    }
    fn check(&self) -> Result<(), String> {
        check_numbered_month("a dispatch run", self.seq, self.month)
    }
}

/// The longest title of a duty roster version, in characters.
const MAX_ROSTER_TITLE: usize = 200;

/// A duty roster version as `data` keeps it: without its publication, which is kept beside
/// it (`duty_roster_publications`) and filled in when it is read.
impl Placement for DutyRosterVersion {
    const TABLE: &'static str = "duty_rosters";
    fn audit_id(&self) -> String {
        format!("{}#{}", self.pref, self.seq)
    }
    fn check(&self) -> Result<(), String> {
        check_numbered_month("a duty roster version", self.seq, self.month)?;
        if self.title.trim().is_empty() {
            return Err("a duty roster version needs a title".to_string());
        }
        let chars = self.title.chars().count();
        if chars > MAX_ROSTER_TITLE {
            return Err(format!(
                "a duty roster version's title has {chars} characters (at most {MAX_ROSTER_TITLE})"
            ));
        }
        Ok(())
    }
}

impl Placement for Dispatch {
    const TABLE: &'static str = "dispatches";
    fn audit_id(&self) -> String {
        self.request.to_string()
    }
    fn check(&self) -> Result<(), String> {
        if self.request == 0 {
            return Err("a dispatch names a stored request (ids start at 1)".to_string());
        }
        if self.run == 0 {
            return Err("a dispatch is confirmed from a run, numbered from 1".to_string());
        }
        if !(0..=MAX_TRAVEL_MINUTES).contains(&self.travel_minutes) {
            return Err(format!(
                "{} minutes of travel is out of range (0 to {MAX_TRAVEL_MINUTES})",
                self.travel_minutes
            ));
        }
        if let Some(m) = self.worked_minutes
            && !(0..=MAX_WORKED_MINUTES).contains(&m)
        {
            return Err(format!(
                "{m} minutes worked is out of range (0 to {MAX_WORKED_MINUTES})"
            ));
        }
        Ok(())
    }
}

/// An alliance: validated whenever it is built or read, so nothing is left to check.
impl Placement for Alliance {
    const TABLE: &'static str = "alliances";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A member corporation, keyed `12-TOKATSU-NANBU/医療法人社団誠馨会`.
impl Placement for AllianceMember {
    const TABLE: &'static str = "alliance_members";
    fn audit_id(&self) -> String {
        format!("{}/{}", self.alliance, self.corporation)
    }
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A staff loan, keyed by its number: validated whenever it is built or read; a stored one
/// has a number.
impl Placement for StaffLoan {
    const TABLE: &'static str = "staff_loans";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A piece of shared equipment, keyed by its number.
impl Placement for Equipment {
    const TABLE: &'static str = "equipment";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A booking of shared equipment, keyed by its number.
impl Placement for Booking {
    const TABLE: &'static str = "equipment_bookings";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

pub(crate) fn corrupt(entity: &str, key: &str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        entity: entity.to_string(),
        key: key.to_string(),
        reason: reason.to_string(),
    }
}

/// A placement record as JSON for `data`, once it validates (a record that would not read
/// back is not written).
pub(crate) fn placement_data<T: Placement>(x: &T) -> Result<Value, StoreError> {
    x.check().map_err(|e| corrupt(T::TABLE, &x.audit_id(), e))?;
    serde_json::to_value(x).map_err(|e| corrupt(T::TABLE, &x.audit_id(), e))
}

/// Reads a placement record back from `data`: it must deserialise, validate and be the record
/// its key columns (`key`, as [`Placement::audit_id`] writes it) name.
pub(crate) fn placement_from<T: Placement>(key: &str, data: Value) -> Result<T, StoreError> {
    let x: T = decode(T::TABLE, key, data)?;
    x.check().map_err(|e| corrupt(T::TABLE, key, e))?;
    let id = x.audit_id();
    if id != key {
        return Err(corrupt(
            T::TABLE,
            key,
            format!("the record stored under this key is {id}"),
        ));
    }
    Ok(x)
}
