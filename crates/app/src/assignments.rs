//! Adding, editing and ending assignments from a form: every field checked, every problem
//! reported beside its field, in both languages.

use chiiki_domain::{
    Assignment, AssignmentFields, AssignmentId, AssignmentKind, DoctorId, Entity, FacilityId, Fte,
    Msg, NaiveDate, Name, Period, PrefCode, Record, Workplace, overloads, parse_date,
};
use chiiki_store::{AssignmentFilter, Change, Mode, Store, Versioned};
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::access::Principal;
use crate::register;

/// An assignment as a form holds it: text, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentForm {
    /// A registered facility's id; or else `workplace_name` (and `workplace_pref`).
    #[serde(default)]
    pub facility: String,
    #[serde(default)]
    pub workplace_name: String,
    #[serde(default)]
    pub workplace_pref: String,
    #[serde(default)]
    pub start: String,
    /// The last day; empty for open-ended.
    #[serde(default)]
    pub end: String,
    /// Empty means full time.
    #[serde(default)]
    pub fte: String,
    #[serde(default)]
    pub kind: String,
}

impl AssignmentForm {
    /// The form of an existing assignment, for editing.
    pub fn of(a: &Assignment) -> AssignmentForm {
        let (facility, workplace_name, workplace_pref) = match &a.place {
            Some(Workplace::Registered { facility }) => {
                (facility.to_string(), String::new(), String::new())
            }
            Some(Workplace::External { name, pref }) => (
                String::new(),
                name.to_string(),
                pref.map(|p| p.to_string()).unwrap_or_default(),
            ),
            None => Default::default(),
        };
        AssignmentForm {
            facility,
            workplace_name,
            workplace_pref,
            start: a.period.start().to_string(),
            end: a.period.end().map(|d| d.to_string()).unwrap_or_default(),
            fte: a.fte.to_string(),
            kind: a.kind.code().to_string(),
        }
    }
}

/// The problems of a form, field by field (`None` for the form as a whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(Option<&'static str>, Msg)>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The problems of one field.
    pub fn of(&self, field: &str) -> Vec<&Msg> {
        self.0
            .iter()
            .filter(|(f, _)| *f == Some(field))
            .map(|(_, m)| m)
            .collect()
    }
    /// The problems of the form as a whole.
    pub fn general(&self) -> Vec<&Msg> {
        self.0
            .iter()
            .filter(|(f, _)| f.is_none())
            .map(|(_, m)| m)
            .collect()
    }
    fn push(&mut self, field: Option<&'static str>, m: Msg) {
        self.0.push((field, m));
    }
}

/// Why a form was not saved.
#[derive(Debug)]
pub enum SaveError {
    /// The form has problems; nothing was written.
    Invalid(FieldErrors),
    /// The doctor or assignment does not exist, or is out of the user's scope.
    NotFound,
    /// The doctor's record or assignments changed after the form was made (version
    /// `expected`, now `found`): nothing was written, so nobody's change is lost.
    Conflict {
        expected: u64,
        found: u64,
    },
    App(AppError),
}

impl From<AppError> for SaveError {
    fn from(e: AppError) -> Self {
        SaveError::App(e)
    }
}

impl From<chiiki_store::StoreError> for SaveError {
    fn from(e: chiiki_store::StoreError) -> Self {
        match e {
            chiiki_store::StoreError::Conflict {
                expected, found, ..
            } => SaveError::Conflict { expected, found },
            e => SaveError::App(e.into()),
        }
    }
}

/// What a user is told when a save finds the doctor changed since the form was made.
pub fn conflict_message(doctor: &DoctorId, expected: u64, found: u64) -> Msg {
    Msg::new(
        format!(
            "医師 {doctor} の記録は、この画面を開いた後に他の利用者が変更しました（版 {expected} → {found}）。\
             あなたの入力は保存していません。下の現在の内容を確かめ、必要なら入力を直してもう一度保存してください。"
        ),
        format!(
            "Someone else changed the record of doctor {doctor} after you opened this page \
             (version {expected}, now {found}). Your entry was not saved. Check the current \
             record below, then correct your entry if needed and save again."
        ),
    )
}

/// The doctor's version now, which a save expects unless the form says which version it
/// was made from.
async fn version_now(store: &dyn Store, doctor: &DoctorId) -> Result<u64, SaveError> {
    store
        .version_of(&Versioned::Doctor(doctor.clone()))
        .await?
        .ok_or(SaveError::NotFound)
}

fn value<T>(
    r: Result<T, chiiki_domain::ValueError>,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<T> {
    r.map_err(|e| errors.push(Some(field), e.problem.with_fix(&e.fix)))
        .ok()
}

/// Saves an assignment of `doctor`: a new one when `id` is `None`. The user must be allowed
/// to write the doctor's record; every field is checked, and so is the doctor's total FTE
/// against their other assignments.
///
/// Optimistic locking: `made_from` is the doctor's version the form was made from
/// ([`Store::version_of`]); when the doctor has changed since, nothing is written and the
/// answer is [`SaveError::Conflict`]. Without it, the version read when the save starts is
/// expected, so that a change made while the save checks the form is not overwritten
/// either (and the FTE check holds for what is written).
pub async fn save(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    id: Option<&AssignmentId>,
    form: &AssignmentForm,
    made_from: Option<u64>,
) -> Result<Assignment, SaveError> {
    let Some(Record::Doctor(d)) =
        register::get(store, who, Entity::Doctors, doctor.as_str()).await?
    else {
        return Err(SaveError::NotFound);
    };
    if !who.may_write(d.pref) {
        return Err(SaveError::App(AppError::Denied(crate::access::Denied(
            Msg::new(
                "この医師の記録を変更する権限がありません",
                "you may not change this doctor's record",
            ),
        ))));
    }
    let now = version_now(store, doctor).await?;
    let expected = made_from.unwrap_or(now);
    if expected != now {
        return Err(SaveError::Conflict {
            expected,
            found: now,
        });
    }
    if let Some(id) = id {
        match store.get(Entity::Assignments, id.as_str()).await? {
            Some(Record::Assignment(a)) if a.doctor == *doctor => {}
            _ => return Err(SaveError::NotFound),
        }
    }
    let mut errors = FieldErrors::default();
    let required = |s: &str, field: &'static str, errors: &mut FieldErrors| {
        if s.trim().is_empty() {
            errors.push(Some(field), Msg::new("入力してください", "required"));
            false
        } else {
            true
        }
    };
    let start = required(&form.start, "start", &mut errors)
        .then(|| {
            value(
                parse_date(&form.start).map_err(Into::into),
                "start",
                &mut errors,
            )
        })
        .flatten();
    let end: Option<Option<NaiveDate>> = if form.end.trim().is_empty() {
        Some(None)
    } else {
        value(
            parse_date(&form.end).map_err(Into::into),
            "end",
            &mut errors,
        )
        .map(Some)
    };
    let fte = if form.fte.trim().is_empty() {
        Some(Fte::FULL)
    } else {
        value(Fte::parse(&form.fte), "fte", &mut errors)
    };
    let kind = required(&form.kind, "kind", &mut errors)
        .then(|| value(AssignmentKind::parse(&form.kind), "kind", &mut errors))
        .flatten();
    let place = match (form.facility.trim(), form.workplace_name.trim()) {
        ("", "") => Some(None),
        (f, "") => match value(FacilityId::parse(f), "facility", &mut errors) {
            Some(fid) => match store.get(Entity::Facilities, fid.as_str()).await? {
                Some(_) => Some(Some(Workplace::Registered { facility: fid })),
                None => {
                    errors.push(
                        Some("facility"),
                        Msg::new(
                            format!("医療機関「{fid}」は登録されていません"),
                            format!("facility '{fid}' is not in the register"),
                        ),
                    );
                    None
                }
            },
            None => None,
        },
        ("", name) => {
            let name = value(Name::parse(name), "workplace_name", &mut errors);
            let pref = if form.workplace_pref.trim().is_empty() {
                Some(None)
            } else {
                value(
                    PrefCode::parse(&form.workplace_pref),
                    "workplace_pref",
                    &mut errors,
                )
                .map(Some)
            };
            match (name, pref) {
                (Some(name), Some(pref)) => Some(Some(Workplace::External { name, pref })),
                _ => None,
            }
        }
        (_, _) => {
            errors.push(
                Some("facility"),
                Msg::new(
                    "医療機関IDと勤務先名のどちらか一方を入力してください",
                    "give a facility id or a workplace name, not both",
                ),
            );
            None
        }
    };
    let period = match (start, end) {
        (Some(s), Some(e)) => match Period::new(s, e) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(Some("end"), e.problem.with_fix(&e.fix));
                None
            }
        },
        _ => None,
    };
    let (Some(period), Some(fte), Some(kind), Some(place)) = (period, fte, kind, place) else {
        return Err(SaveError::Invalid(errors));
    };
    let id = id
        .cloned()
        .unwrap_or_else(|| Assignment::derive_id(doctor, period.start(), place.as_ref()));
    let assignment = match Assignment::new(AssignmentFields {
        id,
        doctor: doctor.clone(),
        place,
        period,
        fte,
        kind,
    }) {
        Ok(a) => a,
        Err(e) => {
            errors.push(Some("facility"), e.problem.with_fix(&e.fix));
            return Err(SaveError::Invalid(errors));
        }
    };
    // The doctor's total FTE, this assignment replacing its earlier version.
    let others = store
        .list_assignments(&AssignmentFilter {
            doctors: Some(vec![doctor.clone()]),
            ..Default::default()
        })
        .await?;
    let all: Vec<&Assignment> = others
        .iter()
        .filter(|a| a.id != assignment.id)
        .chain([&assignment])
        .collect();
    for o in overloads(all) {
        if o.assignments.contains(&assignment.id) {
            let (problem, fix) = o.explain();
            errors.push(Some("fte"), problem.with_fix(&fix));
        }
    }
    if !errors.is_empty() {
        return Err(SaveError::Invalid(errors));
    }
    store
        .apply(
            who.actor(),
            vec![
                Change::ExpectDoctor {
                    doctor: doctor.clone(),
                    version: expected,
                },
                Change::Put(assignment.clone().into()),
            ],
            Mode::Commit,
        )
        .await?;
    Ok(assignment)
}

/// Ends an assignment on `last_day` (inclusive), keeping everything else; `made_from` as
/// for [`save`].
pub async fn end(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    id: &AssignmentId,
    last_day: &str,
    made_from: Option<u64>,
) -> Result<Assignment, SaveError> {
    let Some(Record::Assignment(a)) = store.get(Entity::Assignments, id.as_str()).await? else {
        return Err(SaveError::NotFound);
    };
    let mut form = AssignmentForm::of(&a);
    form.end = last_day.to_string();
    if form.end.trim().is_empty() {
        return Err(SaveError::Invalid(FieldErrors(vec![(
            Some("end"),
            Msg::new("終了日を入力してください", "give the last day"),
        )])));
    }
    save(store, who, doctor, Some(id), &form, made_from).await
}
