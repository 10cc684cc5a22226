//! The register's use cases: import a file (all or nothing, with a dry run), export, list.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use chiiki_domain::{
    AreaCode, Assignment, AssignmentId, Doctor, DoctorId, Entity, Facility, FacilityId, Msg,
    Municipality, PrefCode, Programme, Record, RegisterStatus, Scheme, SecondaryArea, Workplace,
    overloads,
};
use chiiki_store::{
    Applied, AssignmentFilter, Change, DoctorFilter, FacilityFilter, Mode, Page, Paging, Store,
};
use chiiki_tabular::{Cell, Decoded, Format, ImportIssue, Location};
use serde::Serialize;

use crate::AppError;
use crate::access::{Permission, Principal};

/// What an import did, or in a dry run would do.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub entity: Entity,
    pub file: String,
    pub rows_read: u64,
    pub header_row: u64,
    /// Records that would be or were added, changed, left as they are.
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// The keys of the records added or changed.
    pub changed_keys: Vec<String>,
    /// Every problem found; when there is any, nothing was written.
    #[serde(serialize_with = "issues_json")]
    pub issues: Vec<ImportIssue>,
    /// Whether the records were written.
    pub committed: bool,
}

fn issues_json<S: serde::Serializer>(issues: &[ImportIssue], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(issues.len()))?;
    for i in issues {
        seq.serialize_element(&serde_json::json!({
            "file": i.location.file,
            "sheet": i.location.sheet,
            "row": i.location.row,
            "column": i.location.column,
            "value": i.value,
            "problem": i.problem,
            "fix": i.fix,
        }))?;
    }
    seq.end()
}

impl ImportReport {
    /// Rows that were rejected (a row may have several issues).
    pub fn rejected_rows(&self) -> usize {
        self.issues
            .iter()
            .filter_map(|i| i.location.row)
            .collect::<HashSet<_>>()
            .len()
    }
}

/// Where the file comes from.
pub enum Source<'a> {
    Path(&'a Path),
    Bytes { name: &'a str, bytes: &'a [u8] },
}

/// Imports a file of records of one kind. All or nothing: the file is decoded and checked
/// whole — every cell, the references to other records, overlapping assignments — and
/// written in one transaction only when no problem was found. With `dry_run`, nothing is
/// written and the report says what would be.
pub async fn import(
    store: &dyn Store,
    who: &Principal,
    entity: Entity,
    source: Source<'_>,
    dry_run: bool,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<ImportReport, AppError> {
    who.require(Permission::WriteRegister)?;
    match entity {
        Entity::Areas => import_typed::<SecondaryArea>(store, who, source, dry_run, progress).await,
        Entity::Municipalities => {
            import_typed::<Municipality>(store, who, source, dry_run, progress).await
        }
        Entity::Schemes => import_typed::<Scheme>(store, who, source, dry_run, progress).await,
        Entity::Programmes => {
            import_typed::<Programme>(store, who, source, dry_run, progress).await
        }
        Entity::Facilities => import_typed::<Facility>(store, who, source, dry_run, progress).await,
        Entity::Doctors => import_typed::<Doctor>(store, who, source, dry_run, progress).await,
        Entity::Assignments => {
            import_typed::<Assignment>(store, who, source, dry_run, progress).await
        }
    }
}

async fn import_typed<T>(
    store: &dyn Store,
    who: &Principal,
    source: Source<'_>,
    dry_run: bool,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<ImportReport, AppError>
where
    T: chiiki_tabular::Record + Into<Record>,
{
    let (file, decoded): (String, Decoded<T>) = match source {
        Source::Path(p) => (
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            chiiki_tabular::read::<T>(p, progress).map_err(|e| AppError::File(Box::new(e)))?,
        ),
        Source::Bytes { name, bytes } => (
            name.to_string(),
            chiiki_tabular::read_bytes::<T>(name, bytes)
                .map_err(|e| AppError::File(Box::new(e)))?,
        ),
    };
    let mut issues = decoded.issues;
    let records: Vec<(u64, Record)> = decoded
        .records
        .into_iter()
        .map(|(row, r)| (row, r.into()))
        .collect();
    issues.extend(check_scope(store, who, &file, &records).await?);
    issues.extend(check_references(store, &file, &records).await?);
    let mut report = ImportReport {
        entity: T::ENTITY,
        file,
        rows_read: decoded.rows_read,
        header_row: decoded.header_row,
        added: 0,
        changed: 0,
        unchanged: 0,
        changed_keys: Vec::new(),
        issues,
        committed: false,
    };
    if !report.issues.is_empty() {
        report.issues.sort_by_key(|i| i.location.row);
        return Ok(report);
    }
    let changes: Vec<Change> = records.into_iter().map(|(_, r)| Change::Put(r)).collect();
    let mode = if dry_run { Mode::DryRun } else { Mode::Commit };
    let applied = store.apply(who.actor(), changes, mode).await?;
    fill(&mut report, T::ENTITY, &applied);
    report.committed = !dry_run;
    Ok(report)
}

fn fill(report: &mut ImportReport, e: Entity, a: &Applied) {
    report.added = a.created.get(&e).copied().unwrap_or(0);
    report.changed = a.updated.get(&e).copied().unwrap_or(0);
    report.unchanged = a.unchanged.get(&e).copied().unwrap_or(0);
    report.changed_keys = a.changed_keys.get(&e).cloned().unwrap_or_default();
}

fn at(file: &str, row: u64, column: &str) -> Location {
    Location {
        file: file.to_string(),
        sheet: None,
        row: Some(row),
        column: Some(column.to_string()),
    }
}

fn unknown(
    file: &str,
    row: u64,
    column: &str,
    value: String,
    what: (&str, &str),
    fix: (&str, &str),
) -> ImportIssue {
    ImportIssue {
        location: at(file, row, column),
        problem: Msg::new(
            format!("{}「{value}」は登録されていません", what.0),
            format!("{} '{value}' is not in the register", what.1),
        ),
        fix: Msg::new(fix.0, fix.1),
        value: Some(value),
    }
}

/// Records outside the principal's prefecture: a coordinator imports only its own.
async fn check_scope(
    store: &dyn Store,
    who: &Principal,
    file: &str,
    records: &[(u64, Record)],
) -> Result<Vec<ImportIssue>, AppError> {
    let Some(scope) = who.scope_pref() else {
        return Ok(Vec::new());
    };
    let mut own_doctors: Option<HashSet<String>> = None;
    let mut issues = Vec::new();
    for (row, record) in records {
        let (outside, column) = match record {
            Record::Area(a) => (a.pref() != scope, "二次医療圏コード / code"),
            Record::Municipality(m) => (m.pref() != scope, "市区町村コード / code"),
            Record::Scheme(x) => (x.pref != scope, "都道府県 / pref"),
            Record::Programme(x) => (x.pref != scope, "都道府県 / pref"),
            Record::Facility(f) => (f.pref() != scope, "二次医療圏コード / area"),
            Record::Doctor(d) => (d.pref != scope, "都道府県 / pref"),
            Record::Assignment(a) => {
                if own_doctors.is_none() {
                    let filter = DoctorFilter {
                        pref: Some(scope),
                        ..Default::default()
                    };
                    let page = store.list_doctors(&filter).await?;
                    own_doctors = Some(page.items.into_iter().map(|d| d.id.to_string()).collect());
                }
                let own = own_doctors
                    .as_ref()
                    .is_some_and(|o| o.contains(a.doctor.as_str()));
                // An unknown doctor is reported by the reference check instead.
                let known = !own
                    && store
                        .get(Entity::Doctors, a.doctor.as_str())
                        .await?
                        .is_some();
                (known, "医師ID / doctor")
            }
        };
        if outside {
            issues.push(ImportIssue {
                location: at(file, *row, column),
                value: Some(record.key()),
                problem: Msg::new(
                    format!("「{}」は担当する{}の外のデータです", record.key(), scope.name_ja()),
                    format!("'{}' is outside your prefecture ({})", record.key(), scope.name_en()),
                ),
                fix: Msg::new(
                    "担当する都道府県のデータだけを取り込めます。行を削除するか管理者に依頼してください",
                    "you can import only your prefecture's records: remove the row or ask an administrator",
                ),
            });
        }
    }
    Ok(issues)
}

/// The references of the records to records of other kinds, checked against the store (and
/// against the file itself for assignments overlapping beyond full time).
async fn check_references(
    store: &dyn Store,
    file: &str,
    records: &[(u64, Record)],
) -> Result<Vec<ImportIssue>, AppError> {
    let mut issues = Vec::new();
    let mut known: HashMap<Entity, HashSet<String>> = HashMap::new();
    let mut keys = async |e: Entity| -> Result<HashSet<String>, AppError> {
        Ok(match known.get(&e) {
            Some(k) => k.clone(),
            None => {
                let k = store.keys(e).await?;
                known.insert(e, k.clone());
                k
            }
        })
    };
    let areas_fix = (
        "先に二次医療圏を登録するか、コードを確認してください（例: 0301 盛岡）",
        "register the area first or check the code (e.g. 0301 Morioka)",
    );
    let muni_fix = (
        "全国地方公共団体コードを確認してください。先に市区町村を登録する必要があります",
        "check the local government code; the municipality must be registered first",
    );
    let mut file_assignments: Vec<(u64, &Assignment)> = Vec::new();
    for (row, record) in records {
        match record {
            Record::Municipality(m) => {
                if !keys(Entity::Areas).await?.contains(&m.area().to_string()) {
                    issues.push(unknown(
                        file,
                        *row,
                        "二次医療圏コード / area",
                        m.area().to_string(),
                        ("二次医療圏コード", "area code"),
                        areas_fix,
                    ));
                }
            }
            Record::Facility(f) => {
                if !keys(Entity::Areas).await?.contains(&f.area.to_string()) {
                    issues.push(unknown(
                        file,
                        *row,
                        "二次医療圏コード / area",
                        f.area.to_string(),
                        ("二次医療圏コード", "area code"),
                        areas_fix,
                    ));
                }
                if let Some(m) = f.municipality
                    && !keys(Entity::Municipalities).await?.contains(&m.to_string())
                {
                    issues.push(unknown(
                        file,
                        *row,
                        "市区町村コード / municipality",
                        m.to_string(),
                        ("市区町村コード", "municipality code"),
                        muni_fix,
                    ));
                }
            }
            Record::Programme(p) => {
                if let Some(scheme) = &p.scheme
                    && !keys(Entity::Schemes).await?.contains(scheme.as_str())
                {
                    issues.push(unknown(
                        file,
                        *row,
                        "制度ID / scheme",
                        scheme.to_string(),
                        ("制度ID", "scheme id"),
                        (
                            "先に修学資金制度を登録するか、制度IDを確認してください",
                            "register the scheme first or check its id",
                        ),
                    ));
                }
            }
            Record::Doctor(d) => {
                if let Some(e) = &d.enrolment
                    && !keys(Entity::Schemes).await?.contains(e.scheme.as_str())
                {
                    issues.push(unknown(
                        file,
                        *row,
                        "制度ID / scheme",
                        e.scheme.to_string(),
                        ("制度ID", "scheme id"),
                        (
                            "先に修学資金制度を登録するか、制度IDを確認してください",
                            "register the scheme first or check its id",
                        ),
                    ));
                }
            }
            Record::Assignment(a) => {
                if !keys(Entity::Doctors).await?.contains(a.doctor.as_str()) {
                    issues.push(unknown(
                        file,
                        *row,
                        "医師ID / doctor",
                        a.doctor.to_string(),
                        ("医師ID", "doctor id"),
                        (
                            "先に医師を登録するか、医師IDを確認してください",
                            "register the doctor first or check the id",
                        ),
                    ));
                }
                if let Some(Workplace::Registered { facility }) = &a.place
                    && !keys(Entity::Facilities).await?.contains(facility.as_str())
                {
                    issues.push(unknown(
                        file,
                        *row,
                        "医療機関ID / facility",
                        facility.to_string(),
                        ("医療機関ID", "facility id"),
                        (
                            "医療機関IDを確認してください。登録外の勤務先は「勤務先名」に書いてください",
                            "check the facility id; write a workplace outside the register under workplace_name",
                        ),
                    ));
                }
                file_assignments.push((*row, a));
            }
            Record::Area(_) | Record::Scheme(_) => {}
        }
    }
    issues.extend(check_overloads(store, file, &file_assignments).await?);
    Ok(issues)
}

/// Assignments of one doctor adding up to more than full time, counting those already
/// stored (which the file's assignments with the same id replace).
async fn check_overloads(
    store: &dyn Store,
    file: &str,
    rows: &[(u64, &Assignment)],
) -> Result<Vec<ImportIssue>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let doctors: Vec<DoctorId> = rows
        .iter()
        .map(|(_, a)| a.doctor.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let in_file: HashMap<&AssignmentId, u64> = rows.iter().map(|(row, a)| (&a.id, *row)).collect();
    let stored = store
        .list_assignments(&AssignmentFilter {
            doctors: Some(doctors),
            ..Default::default()
        })
        .await?;
    let all: Vec<&Assignment> = stored
        .iter()
        .filter(|a| !in_file.contains_key(&a.id))
        .chain(rows.iter().map(|(_, a)| *a))
        .collect();
    let mut out = Vec::new();
    for o in overloads(all) {
        let Some(row) = o.assignments.iter().filter_map(|id| in_file.get(id)).min() else {
            continue;
        };
        let (problem, fix) = o.explain();
        out.push(ImportIssue {
            location: at(file, *row, "常勤換算 / fte"),
            value: None,
            problem,
            fix,
        });
    }
    Ok(out)
}

/// Which records of a kind to list; each filter applies to the kinds that have the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub pref: Option<PrefCode>,
    /// Areas' municipalities and facilities; doctors working there on the day of listing.
    pub area: Option<AreaCode>,
    /// Doctors working there today; assignments there.
    pub facility: Option<FacilityId>,
    pub status: Option<RegisterStatus>,
    pub graduation_year: Option<i32>,
    /// Part of the name or id of doctors and facilities.
    pub text: Option<String>,
}

/// The records of a kind that pass the filter and that the principal may see, a page of them
/// for doctors and facilities, with the number of all that match.
pub async fn list(
    store: &dyn Store,
    who: &Principal,
    entity: Entity,
    f: &ListFilter,
    paging: Paging,
) -> Result<Page<Record>, AppError> {
    who.require(Permission::ReadRegister)?;
    fn all<T: Into<Record>>(items: Vec<T>) -> Page<Record> {
        let items: Vec<Record> = items.into_iter().map(Into::into).collect();
        Page {
            total: items.len() as u64,
            items,
        }
    }
    fn page<T: Into<Record>>(p: Page<T>) -> Page<Record> {
        Page {
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
    let pref = who.region_pref(f.pref)?;
    Ok(match entity {
        Entity::Areas => all(store.list_areas(pref).await?),
        Entity::Municipalities => all(store.list_municipalities(pref, f.area).await?),
        Entity::Schemes => all(store.list_schemes(pref).await?),
        Entity::Programmes => all(store.list_programmes(pref).await?),
        Entity::Facilities => {
            let filter = who.facility_filter(FacilityFilter {
                pref: f.pref,
                area: f.area,
                text: f.text.clone(),
                paging,
                ..Default::default()
            })?;
            page(store.list_facilities(&filter).await?)
        }
        Entity::Doctors => {
            let filter = who.doctor_filter(DoctorFilter {
                pref: f.pref,
                area: f.area,
                status: f.status,
                graduation_year: f.graduation_year,
                facility: f.facility.clone(),
                text: f.text.clone(),
                paging,
                ..Default::default()
            })?;
            page(store.list_doctors(&filter).await?)
        }
        Entity::Assignments => {
            let filter = who.assignment_filter(AssignmentFilter {
                doctors: None,
                facility: f.facility.clone(),
                pref: f.pref,
            })?;
            all(store.list_assignments(&filter).await?)
        }
    })
}

/// The secondary areas the principal may see, each with the number of facilities in it that
/// the principal may see (one query for all areas).
pub async fn areas_with_facility_counts(
    store: &dyn Store,
    who: &Principal,
) -> Result<Vec<(chiiki_domain::SecondaryArea, u64)>, AppError> {
    who.require(Permission::ReadRegister)?;
    let areas = store.list_areas(who.region_pref(None)?).await?;
    let counts = store
        .count_facilities_by_area(&who.facility_filter(FacilityFilter::default())?)
        .await?;
    Ok(areas
        .into_iter()
        .map(|a| {
            let n = counts.get(&a.code).copied().unwrap_or(0);
            (a, n)
        })
        .collect())
}

/// All records of a kind that the principal may see, for export.
pub async fn all_records(
    store: &dyn Store,
    who: &Principal,
    entity: Entity,
) -> Result<Vec<Record>, AppError> {
    Ok(list(
        store,
        who,
        entity,
        &ListFilter::default(),
        Paging::default(),
    )
    .await?
    .items)
}

/// One record, if it exists and the principal may see it (`None` either way, so that a
/// record out of scope is indistinguishable from a missing one).
pub async fn get(
    store: &dyn Store,
    who: &Principal,
    entity: Entity,
    key: &str,
) -> Result<Option<Record>, AppError> {
    who.require(Permission::ReadRegister)?;
    let Some(record) = store.get(entity, key).await? else {
        return Ok(None);
    };
    let works_here = match (&record, &who.facility) {
        (Record::Doctor(d), Some(f)) => {
            let filter = DoctorFilter {
                id: Some(d.id.clone()),
                facility: Some(f.clone()),
                ..Default::default()
            };
            store.list_doctors(&filter).await?.total > 0
        }
        _ => false,
    };
    Ok(who.may_see(&record, works_here).then_some(record))
}

/// A doctor and their assignments in order, with the names of the facilities, if the
/// principal may see the doctor.
pub async fn doctor_timeline(
    store: &dyn Store,
    who: &Principal,
    id: &DoctorId,
) -> Result<Option<(Doctor, Vec<(Assignment, Option<String>)>)>, AppError> {
    let Some(Record::Doctor(doctor)) = get(store, who, Entity::Doctors, id.as_str()).await? else {
        return Ok(None);
    };
    let assignments = store
        .list_assignments(&AssignmentFilter {
            doctors: Some(vec![id.clone()]),
            ..Default::default()
        })
        .await?;
    let mut names: HashMap<FacilityId, String> = HashMap::new();
    let mut out = Vec::with_capacity(assignments.len());
    for a in assignments {
        let name = match &a.place {
            Some(Workplace::Registered { facility }) => {
                if !names.contains_key(facility) {
                    let n = match store.get(Entity::Facilities, facility.as_str()).await? {
                        Some(Record::Facility(f)) => f.name.to_string(),
                        _ => facility.to_string(),
                    };
                    names.insert(facility.clone(), n);
                }
                names.get(facility).cloned()
            }
            Some(Workplace::External { name, .. }) => Some(name.to_string()),
            None => None,
        };
        out.push((a, name));
    }
    Ok(Some((doctor, out)))
}

/// Exports the records of a kind the principal may see, filtered, as the bytes of a CSV or
/// XLSX file, and records the export in the audit trail (what, how many, with which filter:
/// personal data leaving the system is an action too).
pub async fn export(
    store: &dyn Store,
    who: &Principal,
    entity: Entity,
    filter: &ListFilter,
    format: Format,
) -> Result<(Vec<u8>, usize), AppError> {
    let records = list(store, who, entity, filter, Paging::default())
        .await?
        .items;
    let bytes = records_to_bytes(entity, &records, format)?;
    let details = serde_json::json!({
        "records": records.len(),
        "format": format.extension(),
        "filter": {
            "pref": filter.pref.map(|p| p.to_string()),
            "area": filter.area.map(|a| a.to_string()),
            "facility": filter.facility.as_ref().map(|f| f.to_string()),
            "status": filter.status.map(|s| s.code()),
            "graduation_year": filter.graduation_year,
            "text": filter.text,
        },
    });
    store
        .record_event(
            who.actor(),
            chiiki_store::Event {
                action: "export",
                entity: entity.code(),
                entity_id: format!("{}.{}", entity.code(), format.extension()),
                pref: who.scope_pref().map(|p| p.to_string()),
                details: Some(details),
            },
        )
        .await?;
    Ok((bytes, records.len()))
}

/// Writes records of one kind to a CSV or XLSX file.
pub fn write_records(
    path: &Path,
    entity: Entity,
    records: &[Record],
    format: Format,
) -> Result<(), AppError> {
    let bytes = records_to_bytes(entity, records, format)?;
    std::fs::write(path, bytes).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// The cells of records of one kind, as their file would hold them, with the headers
/// (Japanese) of the entity's columns.
pub fn records_to_cells(entity: Entity, records: &[Record]) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    use chiiki_tabular::Record as _;
    let headers = chiiki_tabular::columns(entity)
        .iter()
        .map(|c| c.ja)
        .collect();
    let rows = records
        .iter()
        .map(|r| match r {
            Record::Area(x) => x.encode(),
            Record::Municipality(x) => x.encode(),
            Record::Scheme(x) => x.encode(),
            Record::Programme(x) => x.encode(),
            Record::Facility(x) => x.encode(),
            Record::Doctor(x) => x.encode(),
            Record::Assignment(x) => x.encode(),
        })
        .collect();
    (headers, rows)
}

/// Records of one kind as the bytes of a CSV or XLSX file (the headers alone when there is
/// none).
pub fn records_to_bytes(
    entity: Entity,
    records: &[Record],
    format: Format,
) -> Result<Vec<u8>, AppError> {
    macro_rules! typed {
        ($variant:ident, $t:ty) => {{
            let typed: Vec<$t> = records
                .iter()
                .filter_map(|r| match r {
                    Record::$variant(x) => Some(x.clone()),
                    _ => None,
                })
                .collect();
            chiiki_tabular::write_bytes(&typed, format)?
        }};
    }
    Ok(match entity {
        Entity::Areas => typed!(Area, SecondaryArea),
        Entity::Municipalities => typed!(Municipality, Municipality),
        Entity::Schemes => typed!(Scheme, Scheme),
        Entity::Programmes => typed!(Programme, Programme),
        Entity::Facilities => typed!(Facility, Facility),
        Entity::Doctors => typed!(Doctor, Doctor),
        Entity::Assignments => typed!(Assignment, Assignment),
    })
}

/// How many records of each kind the principal may see.
pub async fn counts(store: &dyn Store, who: &Principal) -> Result<BTreeMap<Entity, u64>, AppError> {
    if who.scope_pref().is_none() && who.role == chiiki_domain::Role::Admin {
        return Ok(store.counts().await?);
    }
    let mut out = BTreeMap::new();
    let one = Paging {
        limit: Some(1),
        offset: 0,
    };
    for e in Entity::ALL {
        out.insert(
            *e,
            list(store, who, *e, &ListFilter::default(), one)
                .await?
                .total,
        );
    }
    Ok(out)
}
