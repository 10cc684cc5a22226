//! Obligations of the register's doctors: each doctor's timeline built from the register
//! (their enrolment and assignments, the facilities' groups and areas), evaluated against
//! the version of their scheme they enrolled under, and the register views a centre reads —
//! cohort tables like Gifu's, doctors at risk, deadlines in the next twelve months, the
//! pipeline of doctors entering service by year and area.

use std::collections::{BTreeMap, HashMap, HashSet};

use chiiki_domain::{
    AreaCode, Assignment, Doctor, Entity, Facility, FacilityId, Lang, NaiveDate, Record, Specialty,
    Workplace,
};
use chiiki_obligations::Registry;
use chiiki_obligations::evaluate::{Evaluation, Status, evaluate};
use chiiki_obligations::timeline::{ServicePeriod, Timeline};
use chiiki_store::{Paging, Store};
use serde::Serialize;

use crate::AppError;
use crate::access::Principal;
use crate::register::{self, ListFilter};

/// The schemes chiiki ships, read once per process.
pub fn registry() -> Result<&'static Registry, AppError> {
    static REGISTRY: std::sync::OnceLock<Result<Registry, String>> = std::sync::OnceLock::new();
    REGISTRY
        .get_or_init(|| Registry::shipped().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(format!("shipped schemes: {e}")))
}

/// One doctor of the register with their evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorObligation {
    pub doctor: String,
    pub name: String,
    pub synthetic: bool,
    pub graduation_year: i32,
    pub specialty: Option<Specialty>,
    /// The area of their assignment on the as-of date, else of their last one.
    pub area: Option<AreaCode>,
    pub scheme_name: String,
    /// The status in the scheme's own words (Japanese).
    pub status_label: String,
    /// The first day of counted service after initial residency, and its area.
    pub service_start: Option<(NaiveDate, Option<AreaCode>)>,
    pub evaluation: Evaluation,
}

/// Why a doctor of the register could not be evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotEvaluated {
    pub doctor: String,
    pub reason: String,
}

/// The areas classed as shortage areas (医師少数区域) in the published index: service there
/// is service in a shortage area.
pub(crate) fn shortage_areas() -> Result<HashSet<AreaCode>, AppError> {
    Ok(crate::refdata::national()?
        .index
        .iter()
        .filter(|i| crate::analysis::published_class(i) == chiiki_analytics::Class::Shortage)
        .map(|i| i.area)
        .collect())
}

/// The version of the timeline's scheme in force when the loan started (at graduation
/// without a loan): a doctor stays under the version they enrolled in.
pub(crate) fn scheme_for<'r>(
    registry: &'r Registry,
    t: &Timeline,
) -> Result<&'r chiiki_obligations::SchemeDefinition, chiiki_domain::Msg> {
    let enrolled = t.loan.map_or(t.graduation_date, |l| l.start());
    registry.version_for(&t.scheme, enrolled).map_err(|e| {
        use chiiki_domain::Explain;
        e.said()
    })
}

/// Adds to `facilities` those of the assignments' registered workplaces it lacks, read whole
/// (a hospital outside the principal's scope): their prefecture and group decide what
/// counts.
pub(crate) async fn add_workplaces(
    store: &dyn Store,
    assignments: &[&Assignment],
    facilities: &mut HashMap<FacilityId, Facility>,
) -> Result<(), AppError> {
    for a in assignments {
        if let Some(Workplace::Registered { facility }) = &a.place
            && !facilities.contains_key(facility)
            && let Some(Record::Facility(f)) =
                store.get(Entity::Facilities, facility.as_str()).await?
        {
            facilities.insert(facility.clone(), f);
        }
    }
    Ok(())
}

/// A doctor's timeline from the register. `None` for a doctor without an enrolment.
pub fn timeline_of(
    doctor: &Doctor,
    assignments: &[&Assignment],
    facilities: &HashMap<FacilityId, Facility>,
    shortage: &HashSet<AreaCode>,
) -> Option<Timeline> {
    let enrolment = doctor.enrolment.as_ref()?;
    let periods = assignments
        .iter()
        .map(|a| {
            let (facility, group, in_prefecture, in_shortage_area) = match &a.place {
                Some(Workplace::Registered { facility }) => match facilities.get(facility) {
                    Some(f) => (
                        Some(f.name.to_string()),
                        f.group,
                        f.area.pref() == doctor.pref,
                        shortage.contains(&f.area),
                    ),
                    None => (Some(facility.to_string()), None, true, false),
                },
                Some(Workplace::External { name, pref }) => (
                    Some(name.to_string()),
                    None,
                    *pref == Some(doctor.pref),
                    false,
                ),
                None => (None, None, true, false),
            };
            ServicePeriod {
                period: a.period,
                kind: a.kind,
                facility,
                facility_group: group,
                in_prefecture,
                in_shortage_area,
                fte: a.fte,
            }
        })
        .collect();
    Some(Timeline {
        doctor: doctor.id.to_string(),
        scheme: enrolment.scheme.clone(),
        graduation_date: doctor.graduation_date,
        loan: Some(enrolment.loan),
        specialist_certified_on: None,
        // The register does not record board certification.
        specialist_recorded: false,
        periods,
    })
}

/// The shipped schemes and the centre's own scheme files (name, text), checked together: a
/// problem in any file is an error naming the file, the key and the fix.
pub fn registry_with(files: &[(String, String)]) -> Result<Registry, AppError> {
    let mut all: Vec<(&str, &str)> = chiiki_obligations::SHIPPED.to_vec();
    all.extend(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    Registry::from_files(all).map_err(|e| {
        AppError::Rejected(chiiki_domain::Msg::new(
            e.iter()
                .map(|x| x.message(Lang::Ja))
                .collect::<Vec<_>>()
                .join("\n"),
            e.iter()
                .map(|x| x.message(Lang::En))
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    })
}

/// Evaluates a timeline given as a file against the shipped schemes.
pub fn check_timeline(t: &Timeline, as_of: NaiveDate) -> Result<Evaluation, AppError> {
    check_timeline_with(registry()?, t, as_of)
}

/// Evaluates a timeline against the schemes of a registry.
pub fn check_timeline_with(
    registry: &Registry,
    t: &Timeline,
    as_of: NaiveDate,
) -> Result<Evaluation, AppError> {
    let scheme = scheme_for(registry, t).map_err(AppError::Rejected)?;
    Ok(evaluate(scheme, t, as_of, None))
}

/// Evaluates every doctor of the register the principal may see, as of a date, against the
/// shipped schemes; doctors without an enrolment or whose scheme is unknown are listed with
/// the reason.
pub async fn evaluate_register(
    store: &dyn Store,
    who: &Principal,
    as_of: NaiveDate,
) -> Result<(Vec<DoctorObligation>, Vec<NotEvaluated>), AppError> {
    evaluate_register_with(store, who, as_of, registry()?).await
}

/// The same against the schemes of a registry (the shipped ones and the centre's own).
pub async fn evaluate_register_with(
    store: &dyn Store,
    who: &Principal,
    as_of: NaiveDate,
    registry: &Registry,
) -> Result<(Vec<DoctorObligation>, Vec<NotEvaluated>), AppError> {
    let all = ListFilter::default();
    let list = |entity| register::list(store, who, entity, &all, Paging::default());
    let doctors: Vec<Doctor> = list(Entity::Doctors)
        .await?
        .items
        .into_iter()
        .filter_map(|r| match r {
            Record::Doctor(d) => Some(d),
            _ => None,
        })
        .collect();
    let assignments: Vec<Assignment> = list(Entity::Assignments)
        .await?
        .items
        .into_iter()
        .filter_map(|r| match r {
            Record::Assignment(a) => Some(a),
            _ => None,
        })
        .collect();
    let mut facilities: HashMap<FacilityId, Facility> = list(Entity::Facilities)
        .await?
        .items
        .into_iter()
        .filter_map(|r| match r {
            Record::Facility(f) => Some((f.id.clone(), f)),
            _ => None,
        })
        .collect();
    let all: Vec<&Assignment> = assignments.iter().collect();
    add_workplaces(store, &all, &mut facilities).await?;
    let mut by_doctor: HashMap<&chiiki_domain::DoctorId, Vec<&Assignment>> = HashMap::new();
    for a in &assignments {
        by_doctor.entry(&a.doctor).or_default().push(a);
    }
    let shortage = &shortage_areas()?;
    let mut out = Vec::with_capacity(doctors.len());
    let mut skipped = Vec::new();
    for d in &doctors {
        let mine = by_doctor.get(&d.id).cloned().unwrap_or_default();
        let Some(t) = timeline_of(d, &mine, &facilities, shortage) else {
            skipped.push(NotEvaluated {
                doctor: d.id.to_string(),
                reason: "修学資金・地域枠の登録がありません / no enrolment in a scheme".into(),
            });
            continue;
        };
        let scheme = match scheme_for(registry, &t) {
            Ok(s) => s,
            Err(reason) => {
                skipped.push(NotEvaluated {
                    doctor: d.id.to_string(),
                    reason: reason.to_string(),
                });
                continue;
            }
        };
        let evaluation = evaluate(scheme, &t, as_of, Some(d.status));
        let area_of = |a: &Assignment| match &a.place {
            Some(Workplace::Registered { facility }) => facilities.get(facility).map(|f| f.area),
            _ => None,
        };
        let area = mine
            .iter()
            .find(|a| a.period.contains(as_of))
            .or_else(|| mine.iter().max_by_key(|a| a.period.start()))
            .and_then(|a| area_of(a));
        let service_start = t
            .periods
            .iter()
            .zip(&mine)
            .filter(|(p, _)| {
                p.kind != chiiki_domain::AssignmentKind::InitialResidency
                    && scheme
                        .rules
                        .service
                        .as_ref()
                        .is_none_or(|s| s.counts(p.kind))
            })
            .min_by_key(|(p, _)| p.period.start())
            .map(|(p, a)| (p.period.start(), area_of(a)));
        out.push(DoctorObligation {
            doctor: d.id.to_string(),
            name: d.name.to_string(),
            synthetic: d.synthetic,
            graduation_year: chiiki_domain::FiscalYear::of(d.graduation_date).year(),
            specialty: d.target_specialty,
            area,
            scheme_name: scheme.name.ja.clone(),
            status_label: evaluation.status.label_in(scheme, Lang::Ja),
            service_start,
            evaluation,
        });
    }
    Ok((out, skipped))
}

/// A cross-table of counts: rows × columns, with totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossTable {
    pub key: &'static str,
    pub title_ja: String,
    pub title_en: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<u32>>,
}

impl CrossTable {
    fn build(
        key: &'static str,
        title: (&str, &str),
        items: impl IntoIterator<Item = (String, String)>,
        columns: Vec<String>,
    ) -> CrossTable {
        let mut counts: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        let mut columns = columns;
        for (row, col) in items {
            if !columns.contains(&col) {
                columns.push(col.clone());
            }
            *counts.entry(row).or_default().entry(col).or_default() += 1;
        }
        let rows: Vec<String> = counts.keys().cloned().collect();
        let cells = rows
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .map(|c| counts[r].get(c).copied().unwrap_or(0))
                    .collect()
            })
            .collect();
        CrossTable {
            key,
            title_ja: title.0.to_string(),
            title_en: title.1.to_string(),
            rows,
            columns,
            cells,
        }
    }

    pub fn row_total(&self, r: usize) -> u32 {
        self.cells.get(r).map_or(0, |row| row.iter().sum())
    }

    pub fn column_total(&self, c: usize) -> u32 {
        self.cells.iter().filter_map(|row| row.get(c)).sum()
    }

    pub fn total(&self) -> u32 {
        self.cells.iter().flatten().sum()
    }
}

fn status_columns() -> Vec<String> {
    Status::ALL
        .iter()
        .map(|s| s.label(Lang::Ja).to_string())
        .collect()
}

fn area_label(a: Option<AreaCode>) -> String {
    match a {
        Some(code) => match crate::refdata::national() {
            Ok(r) => r
                .areas
                .iter()
                .find(|x| x.code == code)
                .map(|x| format!("{code} {}", x.name))
                .unwrap_or_else(|| code.to_string()),
            Err(_) => code.to_string(),
        },
        None => "勤務先なし / none".to_string(),
    }
}

/// The cohort tables of the register: status × specialty, status × area, graduation year
/// × status, and the pipeline of doctors entering service by fiscal year × area.
pub fn cohort_tables(list: &[DoctorObligation]) -> Vec<CrossTable> {
    let status = |d: &DoctorObligation| d.evaluation.status.label(Lang::Ja).to_string();
    let specialty = |d: &DoctorObligation| {
        d.specialty
            .map(|s| s.label(Lang::Ja).to_string())
            .unwrap_or_else(|| "未定 / undecided".into())
    };
    vec![
        CrossTable::build(
            "status_by_specialty",
            ("志望診療科 × 状態", "Specialty × status"),
            list.iter().map(|d| (specialty(d), status(d))),
            status_columns(),
        ),
        CrossTable::build(
            "status_by_area",
            ("勤務地（二次医療圏） × 状態", "Area of work × status"),
            list.iter().map(|d| (area_label(d.area), status(d))),
            status_columns(),
        ),
        CrossTable::build(
            "graduation_year_by_status",
            ("卒業年度 × 状態", "Graduation year × status"),
            list.iter()
                .map(|d| (d.graduation_year.to_string(), status(d))),
            status_columns(),
        ),
        CrossTable::build(
            "pipeline",
            (
                "義務勤務の開始年度 × 二次医療圏",
                "Fiscal year entering service × area",
            ),
            list.iter().filter_map(|d| {
                let (start, area) = d.service_start?;
                Some((
                    chiiki_domain::FiscalYear::of(start).year().to_string(),
                    area_label(area),
                ))
            }),
            Vec::new(),
        ),
    ]
}

/// Doctors with a violation or a risk, violations first.
pub fn at_risk(list: &[DoctorObligation]) -> Vec<&DoctorObligation> {
    let mut v: Vec<&DoctorObligation> = list
        .iter()
        .filter(|d| !d.evaluation.violations.is_empty() || !d.evaluation.risks.is_empty())
        .collect();
    v.sort_by_key(|d| (d.evaluation.violations.is_empty(), d.doctor.clone()));
    v
}

/// Deadlines falling within `months` after the as-of date, soonest first.
pub fn deadlines_within(
    list: &[DoctorObligation],
    months: u32,
) -> Vec<(&DoctorObligation, NaiveDate)> {
    let mut v: Vec<(&DoctorObligation, NaiveDate)> = list
        .iter()
        .filter_map(|d| {
            let deadline = d.evaluation.deadline.as_ref()?.deadline;
            let until = d
                .evaluation
                .as_of
                .checked_add_months(chrono::Months::new(months))?;
            let open = !matches!(
                d.evaluation.status,
                Status::Completed | Status::Repaid | Status::Withdrawn
            );
            (open && deadline >= d.evaluation.as_of && deadline <= until).then_some((d, deadline))
        })
        .collect();
    v.sort_by_key(|(d, date)| (*date, d.doctor.clone()));
    v
}

/// The columns of the list of doctors and their evaluations (CSV, workbook, terminal).
pub const DOCTOR_COLUMNS: [(&str, &str); 14] = [
    ("doctor", "医師ID"),
    ("name", "氏名"),
    ("scheme", "制度"),
    ("status", "状態"),
    ("compliant", "違反なし"),
    ("required_years", "義務年限"),
    ("served_years", "履行年数"),
    ("remaining_years", "残り年数"),
    ("designated_years", "指定勤務年数"),
    ("remaining_designated_years", "指定勤務の残り"),
    ("deadline", "期限"),
    ("area", "勤務地"),
    ("violations", "違反"),
    ("risks", "リスク"),
];

/// One doctor's row of [`DOCTOR_COLUMNS`], in the language given for the sentences.
pub fn doctor_row(d: &DoctorObligation, lang: Lang) -> Vec<chiiki_tabular::Cell> {
    use chiiki_tabular::Cell;
    let e = &d.evaluation;
    let said = |f: &[chiiki_obligations::evaluate::Finding]| {
        f.iter()
            .map(|x| match lang {
                Lang::Ja => x.explanation_ja.clone(),
                Lang::En => x.explanation_en.clone(),
            })
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let num = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Number);
    vec![
        Cell::Text(d.doctor.clone()),
        Cell::Text(d.name.clone()),
        Cell::Text(d.scheme_name.clone()),
        Cell::Text(match lang {
            Lang::Ja => d.status_label.clone(),
            Lang::En => e.status.label(Lang::En).to_string(),
        }),
        Cell::Bool(e.compliant),
        num(e.required_years),
        Cell::Number(e.counted.service_years),
        Cell::Number(e.remaining.service_years),
        Cell::Number(e.counted.designated_years),
        Cell::Number(e.remaining.designated_years),
        e.deadline
            .as_ref()
            .map_or(Cell::Empty, |d| Cell::Date(d.deadline)),
        Cell::Text(d.area.map(|a| area_label(Some(a))).unwrap_or_default()),
        Cell::Text(said(&e.violations)),
        Cell::Text(said(&e.risks)),
    ]
}

/// The register views as workbook sheets: the doctors, the four cohort tables, the doctors
/// at risk and the deadlines of the next twelve months.
pub fn sheets(list: &[DoctorObligation]) -> Vec<chiiki_tabular::Sheet> {
    use chiiki_tabular::{Cell, Sheet};
    let headers = |cols: &[(&str, &str)]| cols.iter().map(|(_, ja)| ja.to_string()).collect();
    let mut out = vec![Sheet {
        name: "医師".into(),
        headers: headers(&DOCTOR_COLUMNS),
        rows: list.iter().map(|d| doctor_row(d, Lang::Ja)).collect(),
    }];
    for t in cohort_tables(list) {
        let mut header = vec![String::new()];
        header.extend(t.columns.iter().cloned());
        header.push("計".into());
        let mut rows: Vec<Vec<Cell>> = t
            .rows
            .iter()
            .enumerate()
            .map(|(r, label)| {
                let mut row = vec![Cell::Text(label.clone())];
                row.extend(t.cells[r].iter().map(|n| Cell::Number(f64::from(*n))));
                row.push(Cell::Number(f64::from(t.row_total(r))));
                row
            })
            .collect();
        let mut totals = vec![Cell::Text("計".into())];
        totals.extend((0..t.columns.len()).map(|c| Cell::Number(f64::from(t.column_total(c)))));
        totals.push(Cell::Number(f64::from(t.total())));
        rows.push(totals);
        out.push(Sheet {
            name: t.title_ja.chars().take(31).collect(),
            headers: header,
            rows,
        });
    }
    out.push(Sheet {
        name: "要注意".into(),
        headers: headers(&DOCTOR_COLUMNS),
        rows: at_risk(list)
            .into_iter()
            .map(|d| doctor_row(d, Lang::Ja))
            .collect(),
    });
    out.push(Sheet {
        name: "12か月以内の期限".into(),
        headers: headers(&DOCTOR_COLUMNS),
        rows: deadlines_within(list, 12)
            .into_iter()
            .map(|(d, _)| doctor_row(d, Lang::Ja))
            .collect(),
    });
    out
}

/// Whether the principal may read the register's obligation views — the cohort tables,
/// doctors at risk, deadlines and their downloads: the centre's staff who read the register
/// of a prefecture (coordinators, auditors) and administrators. A doctor reads their own
/// obligation on their page ([`evaluate_doctor`]); a facility account reads none.
pub fn may_read_register_views(who: &Principal) -> bool {
    who.can(crate::access::Permission::ReadRegisterViews)
}

/// [`evaluate_register`] for the register views, refused to a principal that
/// [`may_read_register_views`] turns away.
pub async fn register_views(
    store: &dyn Store,
    who: &Principal,
    as_of: NaiveDate,
) -> Result<(Vec<DoctorObligation>, Vec<NotEvaluated>), AppError> {
    if !may_read_register_views(who) {
        return Err(crate::access::Denied(chiiki_domain::Msg::new(
            "義務履行の集計を見る権限がありません",
            "you are not allowed to read the obligations of the register",
        ))
        .into());
    }
    evaluate_register(store, who, as_of).await
}

/// The register views as a file, recorded in the audit trail as [`register::export`]
/// records its files: the workbook of [`sheets`], or the doctors as CSV (UTF-8 with BOM,
/// the keys of [`DOCTOR_COLUMNS`] as headers, statuses and sentences in `lang`).
pub async fn export(
    store: &dyn Store,
    who: &Principal,
    as_of: NaiveDate,
    format: chiiki_tabular::Format,
    lang: Lang,
) -> Result<(Vec<u8>, usize), AppError> {
    use chiiki_tabular::{CellKind, Column, CsvStream, Format};
    let (list, skipped) = register_views(store, who, as_of).await?;
    let bytes = match format {
        Format::Xlsx => chiiki_tabular::sheets_to_xlsx("義務履行", &sheets(&list))?,
        Format::Csv => {
            let columns: Vec<Column> = DOCTOR_COLUMNS
                .iter()
                .map(|&(key, ja)| Column {
                    key,
                    ja: key,
                    aliases: &[],
                    required: false,
                    kind: CellKind::Text,
                    help_ja: ja,
                    help_en: key,
                })
                .collect();
            let mut w = CsvStream::new(Vec::new(), &columns)?;
            for d in &list {
                w.write_cells(&doctor_row(d, lang))?;
            }
            w.finish()?
        }
    };
    store
        .record_event(
            who.actor(),
            chiiki_store::Event {
                action: "export",
                entity: "obligations",
                entity_id: format!("obligations.{}", format.extension()),
                pref: who.scope_pref().map(|p| p.to_string()),
                details: Some(serde_json::json!({
                    "records": list.len(),
                    "not_evaluated": skipped.len(),
                    "format": format.extension(),
                    "as_of": chiiki_domain::format_iso(as_of),
                })),
            },
        )
        .await?;
    Ok((bytes, list.len()))
}

/// One doctor's obligation, for their page.
#[derive(Debug, Clone, PartialEq)]
pub enum DoctorEvaluation {
    /// Evaluated under the version of the scheme in force when their loan started.
    Evaluated {
        scheme: &'static chiiki_obligations::SchemeDefinition,
        evaluation: Evaluation,
    },
    /// Enrolled in a scheme, or at a date, that no shipped scheme version covers.
    NotEvaluated(chiiki_domain::Msg),
}

/// Evaluates one doctor the principal may see as of a date, as [`evaluate_register`]
/// evaluates each; `None` when the doctor is out of scope or has no enrolment. The
/// facilities of their assignments are read whole, as [`register::doctor_timeline`] reads
/// their names: their groups and areas decide what counts.
pub async fn evaluate_doctor(
    store: &dyn Store,
    who: &Principal,
    id: &chiiki_domain::DoctorId,
    as_of: NaiveDate,
) -> Result<Option<DoctorEvaluation>, AppError> {
    let Some((doctor, assignments)) = register::doctor_timeline(store, who, id).await? else {
        return Ok(None);
    };
    let mine: Vec<&Assignment> = assignments.iter().map(|(a, _)| a).collect();
    let mut facilities: HashMap<FacilityId, Facility> = HashMap::new();
    add_workplaces(store, &mine, &mut facilities).await?;
    let Some(t) = timeline_of(&doctor, &mine, &facilities, &shortage_areas()?) else {
        return Ok(None);
    };
    Ok(Some(match scheme_for(registry()?, &t) {
        Ok(scheme) => DoctorEvaluation::Evaluated {
            scheme,
            evaluation: evaluate(scheme, &t, as_of, Some(doctor.status)),
        },
        Err(reason) => DoctorEvaluation::NotEvaluated(reason),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_demo_doctor_is_evaluated() {
        let t = chiiki_store::testing::sqlite().await;
        crate::load_demo(t.store()).await.unwrap();
        // Iwate's centre: the demo's 300 obligated doctors (the demo's doctor of Chiba, lent
        // within its alliance, is another prefecture's).
        let coordinator = crate::demo::accounts().remove(1);
        let who = Principal::from_account(&chiiki_domain::Account::new(coordinator).unwrap());
        let as_of = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let (list, skipped) = evaluate_register(t.store(), &who, as_of).await.unwrap();
        assert_eq!(list.len() + skipped.len(), 300);
        assert!(skipped.is_empty(), "{skipped:?}");
        // The statuses spread as a real register's do.
        let tables = cohort_tables(&list);
        assert_eq!(tables.len(), 4);
        assert_eq!(tables[0].total(), 300);
        assert_eq!(tables[2].total(), 300);
        let by_status: BTreeMap<Status, usize> = list.iter().fold(BTreeMap::new(), |mut m, d| {
            *m.entry(d.evaluation.status).or_default() += 1;
            m
        });
        println!("{by_status:?}");
        assert!(by_status.len() >= 3, "{by_status:?}");
        for d in &list {
            for f in d.evaluation.violations.iter().chain(&d.evaluation.risks) {
                assert!(!f.explanation_ja.is_empty() && !f.explanation_en.is_empty());
            }
            assert!(d.synthetic);
        }
        let risky = at_risk(&list);
        assert!(
            risky
                .iter()
                .all(|d| !d.evaluation.violations.is_empty() || !d.evaluation.risks.is_empty())
        );
        for (d, deadline) in deadlines_within(&list, 12) {
            assert!(
                deadline >= as_of && deadline <= NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
                "{}",
                d.doctor
            );
        }
        let sheets = sheets(&list);
        assert_eq!(sheets.len(), 7);
        assert_eq!(sheets[0].rows.len(), 300);
        assert!(
            chiiki_tabular::sheets_to_xlsx("義務", &sheets)
                .unwrap()
                .starts_with(b"PK")
        );
    }
}
