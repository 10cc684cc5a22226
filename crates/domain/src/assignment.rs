//! Assignments: where a doctor works (or is on leave) over a period, at what share of full
//! time, and why.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{AssignmentId, DoctorId, FacilityId, PrefCode};
use crate::error::ValueError;
use crate::labels::AssignmentKind;
use crate::name::Name;
use crate::quantity::Fte;
use crate::text::Msg;
use crate::time::Period;

/// Where an assignment takes place: a facility in the register, or one outside it named as
/// written (a hospital in another prefecture, a university abroad).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Workplace {
    Registered { facility: FacilityId },
    External { name: Name, pref: Option<PrefCode> },
}

/// An assignment. Work (anything but leave) names its workplace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AssignmentFields", into = "AssignmentFields")]
pub struct Assignment(AssignmentFields);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentFields {
    pub id: AssignmentId,
    pub doctor: DoctorId,
    pub place: Option<Workplace>,
    pub period: Period,
    pub fte: Fte,
    pub kind: AssignmentKind,
}

impl TryFrom<AssignmentFields> for Assignment {
    type Error = ValueError;
    fn try_from(f: AssignmentFields) -> Result<Self, ValueError> {
        Assignment::new(f)
    }
}
impl From<Assignment> for AssignmentFields {
    fn from(a: Assignment) -> Self {
        a.0
    }
}

impl Assignment {
    pub fn new(f: AssignmentFields) -> Result<Self, ValueError> {
        if f.place.is_none() && !f.kind.is_leave() {
            return Err(ValueError::new(
                f.id.to_string(),
                Msg::new(
                    format!(
                        "勤務「{}」（{}）に勤務先がありません",
                        f.id,
                        f.kind.label(crate::Lang::Ja)
                    ),
                    format!(
                        "assignment '{}' ({}) has no workplace",
                        f.id,
                        f.kind.label(crate::Lang::En)
                    ),
                ),
                Msg::new(
                    "休業以外の勤務には医療機関IDか勤務先名を入力してください",
                    "give a facility id or a workplace name for anything but leave",
                ),
            ));
        }
        Ok(Self(f))
    }
    pub fn fields(&self) -> &AssignmentFields {
        &self.0
    }
    pub fn into_fields(self) -> AssignmentFields {
        self.0
    }
    /// A stable id for an assignment given without one: the doctor, the start date and the
    /// workplace determine it.
    pub fn derive_id(
        doctor: &DoctorId,
        start: NaiveDate,
        place: Option<&Workplace>,
    ) -> AssignmentId {
        let place_key = match place {
            Some(Workplace::Registered { facility }) => facility.to_string(),
            Some(Workplace::External { name, .. }) => name.to_string(),
            None => String::new(),
        };
        // FNV-1a: short, stable across versions and platforms.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in place_key.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        let id = format!(
            "{}.{}.{:06x}",
            doctor,
            start.format("%Y%m%d"),
            h & 0xff_ffff
        );
        AssignmentId::parse(&id)
            .or_else(|_| {
                AssignmentId::parse(&format!(
                    "A.{}.{:06x}",
                    start.format("%Y%m%d"),
                    h & 0xff_ffff
                ))
            })
            .expect("derived ids use only permitted characters and fit in 40 characters")
    }
}

impl std::ops::Deref for Assignment {
    type Target = AssignmentFields;
    fn deref(&self) -> &AssignmentFields {
        &self.0
    }
}

/// A stretch of days on which one doctor's assignments add up to more than full time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overload {
    pub doctor: DoctorId,
    pub period: Period,
    /// The total FTE on those days, in hundredths.
    pub total_hundredths: u32,
    /// The assignments active on those days.
    pub assignments: Vec<AssignmentId>,
}

impl Overload {
    pub fn explain(&self) -> (Msg, Msg) {
        let total = self.total_hundredths as f64 / 100.0;
        let ids = self
            .assignments
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        (
            Msg::new(
                format!(
                    "医師 {} の勤務が {} に重なり、常勤換算の合計が {total} です（{ids}）",
                    self.doctor, self.period
                ),
                format!(
                    "doctor {}'s assignments overlap on {} and add up to {total} FTE ({ids})",
                    self.doctor, self.period
                ),
            ),
            Msg::new(
                "重なる勤務の期間を調整するか、常勤換算の合計が1以下になるようにしてください",
                "shorten the overlapping assignments or lower their FTE so that the total is at most 1",
            ),
        )
    }
}

/// Finds the stretches of days on which the assignments of each doctor add up to more than
/// 1.0 FTE. Sweeps over the start and end days: O(n log n).
pub fn overloads<'a>(assignments: impl IntoIterator<Item = &'a Assignment>) -> Vec<Overload> {
    use std::collections::BTreeMap;
    let mut by_doctor: BTreeMap<&DoctorId, Vec<&Assignment>> = BTreeMap::new();
    for a in assignments {
        by_doctor.entry(&a.doctor).or_default().push(a);
    }
    let mut out = Vec::new();
    for (doctor, list) in by_doctor {
        let loads: Vec<(Period, Fte)> = list.iter().map(|a| (a.period, a.fte)).collect();
        for over in over_full_time(&loads) {
            let mut ids: Vec<AssignmentId> =
                over.items.iter().map(|&i| list[i].id.clone()).collect();
            ids.sort();
            out.push(Overload {
                doctor: doctor.clone(),
                period: over.period,
                total_hundredths: over.total_hundredths,
                assignments: ids,
            });
        }
    }
    out
}

/// A stretch of days on which some of one person's periods add up to more than full time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverFullTime {
    pub period: Period,
    /// The total FTE on those days, in hundredths.
    pub total_hundredths: u32,
    /// The indices (into the input) of the periods active on those days.
    pub items: Vec<usize>,
}

/// The stretches of days on which the periods add up to more than 1.0 FTE, in order. A sweep
/// over the start and end days: O(n log n). One person's periods: [`overloads`] groups by
/// doctor first; timelines are one doctor's already.
pub fn over_full_time(loads: &[(Period, Fte)]) -> Vec<OverFullTime> {
    // Events: (day, +fte) at the start, (day after the end, -fte).
    let mut events: Vec<(NaiveDate, i32, usize)> = Vec::with_capacity(loads.len() * 2);
    for (i, (period, fte)) in loads.iter().enumerate() {
        events.push((period.start(), fte.hundredths() as i32, i));
        if let Some(end) = period.end().and_then(|e| e.succ_opt()) {
            events.push((end, -(fte.hundredths() as i32), i));
        }
    }
    events.sort();
    let mut out = Vec::new();
    let mut total = 0i32;
    let mut active: Vec<usize> = Vec::new();
    let mut open: Option<(NaiveDate, i32, Vec<usize>)> = None;
    let mut k = 0;
    while k < events.len() {
        let day = events[k].0;
        while k < events.len() && events[k].0 == day {
            let (_, delta, i) = events[k];
            total += delta;
            if delta > 0 {
                active.push(i);
            } else {
                active.retain(|&x| x != i);
            }
            k += 1;
        }
        // Close the running stretch if the load changed.
        if let Some((from, t, items)) = open.take() {
            if t == total && total > 100 {
                open = Some((from, t, items));
                continue;
            }
            let last = day.pred_opt().unwrap_or(day);
            out.push(OverFullTime {
                period: Period::new(from, Some(last)).unwrap_or(Period::open(from)),
                total_hundredths: t as u32,
                items: sorted(items),
            });
        }
        if total > 100 {
            open = Some((day, total, active.clone()));
        }
    }
    if let Some((from, t, items)) = open {
        // Still over the limit with an open-ended period.
        out.push(OverFullTime {
            period: Period::open(from),
            total_hundredths: t as u32,
            items: sorted(items),
        });
    }
    out
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn a(id: &str, start: NaiveDate, end: Option<NaiveDate>, fte: u16) -> Assignment {
        Assignment::new(AssignmentFields {
            id: AssignmentId::parse(id).unwrap(),
            doctor: DoctorId::parse("D-1").unwrap(),
            place: Some(Workplace::Registered {
                facility: FacilityId::parse("F-1").unwrap(),
            }),
            period: Period::new(start, end).unwrap(),
            fte: Fte::from_hundredths(fte).unwrap(),
            kind: AssignmentKind::DesignatedService,
        })
        .unwrap()
    }

    #[test]
    fn work_needs_a_place_but_leave_does_not() {
        let mut f = a("x", d(2024, 4, 1), None, 100).into_fields();
        f.place = None;
        assert!(Assignment::new(f.clone()).is_err());
        f.kind = AssignmentKind::ChildcareLeave;
        assert!(Assignment::new(f).is_ok());
    }

    #[test]
    fn overlapping_half_times_are_fine_full_times_are_not() {
        let ok = [
            a("a", d(2024, 4, 1), Some(d(2025, 3, 31)), 50),
            a("b", d(2024, 4, 1), Some(d(2025, 3, 31)), 50),
        ];
        assert!(overloads(&ok).is_empty());
        let bad = [
            a("a", d(2024, 4, 1), Some(d(2025, 3, 31)), 100),
            a("b", d(2024, 10, 1), Some(d(2024, 12, 31)), 20),
            a("c", d(2025, 4, 1), None, 100),
        ];
        let o = overloads(&bad);
        assert_eq!(o.len(), 1);
        assert_eq!(
            o[0].period,
            Period::new(d(2024, 10, 1), Some(d(2024, 12, 31))).unwrap()
        );
        assert_eq!(o[0].total_hundredths, 120);
        assert_eq!(o[0].assignments.len(), 2);
        let (problem, _) = o[0].explain();
        assert!(problem.ja.contains("1.2"));
    }

    #[test]
    fn back_to_back_assignments_do_not_overlap() {
        let list = [
            a("a", d(2024, 4, 1), Some(d(2025, 3, 31)), 100),
            a("b", d(2025, 4, 1), None, 100),
        ];
        assert!(overloads(&list).is_empty());
    }

    #[test]
    fn open_ended_overload() {
        let list = [
            a("a", d(2024, 4, 1), None, 100),
            a("b", d(2025, 4, 1), None, 10),
        ];
        let o = overloads(&list);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].period, Period::open(d(2025, 4, 1)));
    }

    #[test]
    fn derived_ids_are_stable_and_valid() {
        let doc = DoctorId::parse("D-0001").unwrap();
        let place = Workplace::Registered {
            facility: FacilityId::parse("R7-0301-14").unwrap(),
        };
        let x = Assignment::derive_id(&doc, d(2024, 4, 1), Some(&place));
        assert_eq!(x, Assignment::derive_id(&doc, d(2024, 4, 1), Some(&place)));
        assert_ne!(x, Assignment::derive_id(&doc, d(2024, 4, 2), Some(&place)));
        let long = DoctorId::parse(&"D".repeat(40)).unwrap();
        let _ = Assignment::derive_id(&long, d(2024, 4, 1), None);
    }

    proptest! {
        /// The sweep agrees with a day-by-day count.
        #[test]
        fn sweep_matches_brute_force(spec in proptest::collection::vec((0i64..200, 0i64..120, 1u16..=100), 1..6)) {
            let base = d(2024, 1, 1);
            let list: Vec<Assignment> = spec.iter().enumerate().map(|(i, (s, len, fte))| {
                let start = base + chrono::Duration::days(*s);
                a(&format!("a{i}"), start, Some(start + chrono::Duration::days(*len)), *fte)
            }).collect();
            let found = overloads(&list);
            for day in 0..400 {
                let x = base + chrono::Duration::days(day);
                let load: u32 = list.iter().filter(|a| a.period.contains(x)).map(|a| a.fte.hundredths() as u32).sum();
                let flagged = found.iter().find(|o| o.period.contains(x));
                prop_assert_eq!(load > 100, flagged.is_some(), "day {} load {}", x, load);
                if let Some(o) = flagged {
                    prop_assert_eq!(o.total_hundredths, load);
                }
            }
        }
    }
}
