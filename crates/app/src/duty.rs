//! Monthly duty rosters (勤務表) of a facility or an alliance: the facility (or the centre)
//! sets out the month's shifts, cover and staff with their requests, chiiki makes the roster
//! through the roster engine under the 2024 work-hour rules, and the roster is kept as an
//! immutable version; a version may be published, and a published roster's duties then count
//! in its doctors' timelines when dispatch is planned.
//!
//! A draft starts from the latest version of the facility's month, else from the doctors the
//! register places at the facility on the month's first day with three usual shifts. Staff
//! who are doctors of the register are brought up to date from it whenever a roster is made:
//! their level, the overtime every other employer reported, interviews, and the duties fixed
//! elsewhere (confirmed dispatches, other facilities' published rosters).

use std::collections::BTreeMap;

use chiiki_domain::{
    DoctorId, DutyKind, DutyRosterVersion, Facility, FacilityId, Lang, Msg, PrefCode, Role,
};
use chiiki_roster::duty::{self, DutyRoster, Member, Need, Place, ShiftSpec, Spec};
use chiiki_roster::hours::{Baseline, Duty};
use chiiki_store::Store;
use chiiki_tabular::{Cell, Sheet};
use chrono::{Datelike, NaiveTime, Utc};

use crate::AppError;
use crate::access::Principal;
use crate::dispatch::{Effort, Month};
use crate::placement::{rejected, said};

/// Whether the principal may make and publish the rosters of a facility: its own account,
/// or the centre (coordinators, administrators) for any facility of its prefecture.
pub fn may_roster(who: &Principal, facility: &FacilityId, pref: PrefCode) -> bool {
    match who.role {
        Role::Facility => who.facility.as_ref() == Some(facility),
        _ => who.may_write(pref),
    }
}

/// Whether the principal may read a facility's rosters: those who may make them, and the
/// centre's staff of the prefecture.
pub fn may_read(who: &Principal, facility: &FacilityId, pref: PrefCode) -> bool {
    may_roster(who, facility, pref)
        || (who.role != Role::Facility
            && crate::dispatch::may_read(who)
            && who.scope_pref().is_none_or(|p| p == pref))
}

/// Whether the principal may open duty rosters at all: facility accounts (their own
/// facility's) and the centre's staff.
pub fn may_open(who: &Principal) -> bool {
    (who.role == Role::Facility && who.facility.is_some()) || crate::dispatch::may_read(who)
}

fn denied() -> AppError {
    AppError::Denied(crate::access::Denied(Msg::new(
        "この施設の勤務表を扱う権限がありません",
        "you may not work on this facility's duty rosters",
    )))
}

async fn facility(store: &dyn Store, id: &FacilityId) -> Result<Facility, AppError> {
    crate::dispatch::facility_of(store, id)
        .await?
        .ok_or_else(|| {
            rejected(
                format!("施設 {id} は登録されていません"),
                format!("facility {id} is not in the register"),
            )
        })
}

/// A facility's rosters in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub seq: u32,
    pub facility: FacilityId,
    pub month: Month,
    pub title: String,
    pub figures: duty::Figures,
    pub created_by: String,
    pub created_at: chrono::DateTime<Utc>,
    pub published: bool,
}

/// A version read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub version: DutyRosterVersion,
    pub spec: Spec,
    pub roster: DutyRoster,
    /// Names of the staff, by id.
    pub names: BTreeMap<String, String>,
}

fn row(v: &DutyRosterVersion) -> Result<VersionRow, AppError> {
    Ok(VersionRow {
        seq: v.seq,
        facility: v.facility.clone(),
        month: Month::of(v.month),
        title: v.title.clone(),
        figures: crate::from_json(&v.summary, "a stored duty roster")?,
        created_by: v.created_by.clone(),
        created_at: v.created_at,
        published: v.published.is_some(),
    })
}

/// The versions of a facility's rosters (of a month, when given), newest first.
pub async fn versions(
    store: &dyn Store,
    who: &Principal,
    facility_id: &FacilityId,
    month: Option<Month>,
) -> Result<Vec<VersionRow>, AppError> {
    let f = facility(store, facility_id).await?;
    let pref = f.area.pref();
    if !may_read(who, facility_id, pref) {
        return Err(denied());
    }
    let mut out = Vec::new();
    for v in store
        .list_duty_rosters(pref, Some(facility_id), month.map(Month::first))
        .await?
    {
        out.push(row(&v)?);
    }
    out.reverse();
    Ok(out)
}

async fn stored(
    store: &dyn Store,
    pref: PrefCode,
    seq: u32,
) -> Result<DutyRosterVersion, AppError> {
    store.get_duty_roster(pref, seq).await?.ok_or_else(|| {
        rejected(
            format!("勤務表 {seq} はありません"),
            format!("there is no duty roster {seq}"),
        )
    })
}

/// One version with its spec and roster.
pub async fn version(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
) -> Result<Version, AppError> {
    let v = stored(store, pref, seq).await?;
    if !may_read(who, &v.facility, pref) {
        return Err(denied());
    }
    let spec: Spec = crate::from_json(&v.spec, "a stored duty roster")?;
    let roster: DutyRoster = crate::from_json(&v.result, "a stored duty roster")?;
    let names = spec
        .staff
        .iter()
        .map(|m| (m.id.clone(), m.name.clone()))
        .collect();
    Ok(Version {
        version: v,
        spec,
        roster,
        names,
    })
}

/// The usual shifts of a hospital's month: contracted weekday days (no overtime), day duty
/// on Saturdays, Sundays and holidays (holiday work), and night duty with an on-call permit.
fn usual_shifts(facility: &str) -> Vec<ShiftSpec> {
    let at = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
    vec![
        ShiftSpec {
            code: "日".to_string(),
            name: "日勤".to_string(),
            facility: facility.to_string(),
            kind: DutyKind::ClinicDay,
            start: at(8, 30),
            end: at(17, 15),
            need: Need {
                weekday: 1,
                saturday: 0,
                holiday: 0,
            },
            max: None,
            overtime: Some(0),
        },
        ShiftSpec {
            code: "直".to_string(),
            name: "日直".to_string(),
            facility: facility.to_string(),
            kind: DutyKind::ClinicDay,
            start: at(8, 30),
            end: at(17, 15),
            need: Need {
                weekday: 0,
                saturday: 1,
                holiday: 1,
            },
            max: Some(1),
            overtime: None,
        },
        ShiftSpec {
            code: "当".to_string(),
            name: "当直".to_string(),
            facility: facility.to_string(),
            kind: DutyKind::PermittedNightDuty,
            start: at(17, 15),
            end: at(8, 30),
            need: Need {
                weekday: 1,
                saturday: 1,
                holiday: 1,
            },
            max: Some(1),
            overtime: None,
        },
    ]
}

/// What the register says of the staff: brings every member who is a doctor of the
/// register up to date (name, level, overtime reported by employers outside the roster,
/// interviews, duties fixed elsewhere).
fn refresh(reg: &crate::dispatch::Register, spec: &mut Spec) {
    let month = Month::of(spec.month);
    let inside: Vec<String> = spec.facilities.iter().map(|f| f.id.clone()).collect();
    for m in &mut spec.staff {
        let Ok(id) = DoctorId::parse(&m.id) else {
            continue;
        };
        let Some(d) = reg.base.doctors.get(&id) else {
            continue;
        };
        let t = crate::dispatch::timeline(reg, d, month);
        m.level = t.level;
        m.initial_resident = t.initial_resident;
        m.baseline = t
            .baseline
            .into_iter()
            .filter(|b| !inside.contains(&b.employer))
            .collect::<Vec<Baseline>>();
        m.interviews = t.interviews;
        // Duties fixed elsewhere: not this roster's own published versions.
        m.fixed = t
            .duties
            .into_iter()
            .filter(|d| !(d.reference.starts_with(ROSTERED) && inside.contains(&d.employer)))
            .collect();
    }
}

/// How the duties of published rosters are named on timelines: `roster 03#2 当@2026-12-05`.
const ROSTERED: &str = "roster ";

/// The duties a published roster gives the doctors of the register on it.
pub(crate) fn published_duties(v: &DutyRosterVersion) -> Result<Vec<(String, Duty)>, AppError> {
    let spec: Spec = crate::from_json(&v.spec, "a stored duty roster")?;
    let roster: DutyRoster = crate::from_json(&v.result, "a stored duty roster")?;
    Ok(roster
        .assignments
        .iter()
        .filter(|a| DoctorId::parse(&a.member).is_ok())
        .filter_map(|a| {
            let s = spec.shifts.iter().find(|s| s.code == a.shift)?;
            let reference = format!("{ROSTERED}{}#{} {}@{}", v.pref, v.seq, a.shift, a.date);
            Some((a.member.clone(), s.duty_on(a.date, reference)))
        })
        .collect())
}

/// A starting spec for a facility's month: the latest version's, else the doctors the
/// register places there on the month's first day with the usual shifts; brought up to date
/// from the register either way.
pub async fn draft(
    store: &dyn Store,
    who: &Principal,
    facility_id: &FacilityId,
    month: Month,
) -> Result<Spec, AppError> {
    let f = facility(store, facility_id).await?;
    let pref = f.area.pref();
    if !may_roster(who, facility_id, pref) {
        return Err(denied());
    }
    let latest = store
        .list_duty_rosters(pref, Some(facility_id), Some(month.first()))
        .await?
        .pop();
    let reg = crate::dispatch::read_register(store, pref, month).await?;
    let mut spec = match latest {
        Some(v) => crate::from_json(&v.spec, "a stored duty roster")?,
        None => {
            let base = &reg.base;
            let mut staff: Vec<Member> = Vec::new();
            let mut ids: Vec<&DoctorId> = base.doctors.keys().collect();
            ids.sort();
            for id in ids {
                let at = base.assignments.get(id).and_then(|list| {
                    list.iter().find(|a| {
                        a.period.contains(month.first())
                            && matches!(&a.place, Some(chiiki_domain::Workplace::Registered { facility }) if facility == facility_id)
                    })
                });
                if at.is_none() {
                    continue;
                }
                let d = &base.doctors[id];
                staff.push(Member {
                    max_nights: Some(6),
                    ..Member::new(id.as_str(), d.name.as_str(), d.work_hour_level)
                });
            }
            Spec {
                title: format!("{} {}", f.name, month.label(Lang::Ja)),
                month: month.first(),
                holidays: None,
                facilities: vec![Place {
                    id: facility_id.to_string(),
                    name: f.name.to_string(),
                }],
                shifts: usual_shifts(facility_id.as_str()),
                staff,
                requests: vec![],
                weights: duty::Weights::default(),
            }
        }
    };
    refresh(&reg, &mut spec);
    Ok(spec)
}

/// Every problem of a spec as one refusal, each with where it is and how to fix it.
fn spec_problems(problems: &[duty::SpecError]) -> AppError {
    let join = |lang: Lang| {
        problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.problem.with_fix(&p.fix).get(lang)))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    AppError::Rejected(Msg::new(join(Lang::Ja), join(Lang::En)))
}

/// Makes the roster a spec asks for and keeps it as the facility's next version.
pub async fn make(
    store: &dyn Store,
    who: &Principal,
    facility_id: &FacilityId,
    mut spec: Spec,
    effort: Effort,
) -> Result<DutyRosterVersion, AppError> {
    let f = facility(store, facility_id).await?;
    let pref = f.area.pref();
    if !may_roster(who, facility_id, pref) {
        return Err(denied());
    }
    // The roster's facilities: the facility itself, and for the centre (an alliance's
    // roster) other facilities of the prefecture.
    if !spec.facilities.iter().any(|p| p.id == facility_id.as_str()) {
        return Err(rejected(
            format!("勤務表の施設に {} が含まれていません", f.name),
            format!("the roster's facilities do not include {}", f.name),
        ));
    }
    for p in &mut spec.facilities {
        let id = FacilityId::parse(&p.id).map_err(|e| AppError::Invalid(Box::new(e)))?;
        let other = facility(store, &id).await?;
        if other.area.pref() != pref || (who.role == Role::Facility && &id != facility_id) {
            return Err(rejected(
                format!("{} は施設 {} の勤務表に加えられません", other.name, f.name),
                format!("{} cannot be on {}'s roster", other.name, f.name),
            ));
        }
        p.name = other.name.to_string();
    }
    let month = Month::of(spec.month);
    if month.first() != spec.month {
        return Err(spec_problems(&spec.validate()));
    }
    let reg = crate::dispatch::read_register(store, pref, month).await?;
    refresh(&reg, &mut spec);
    let problems = spec.validate();
    if !problems.is_empty() {
        return Err(spec_problems(&problems));
    }
    let s = spec.clone();
    let limits = effort.limits;
    let roster = tokio::task::spawn_blocking(move || duty::solve(&s, &limits))
        .await
        .map_err(|e| AppError::Internal(format!("the roster solver stopped: {e}")))?
        .map_err(|p| spec_problems(&p))?;
    let v = DutyRosterVersion {
        pref,
        seq: 0,
        facility: facility_id.clone(),
        month: month.first(),
        title: spec.title.clone(),
        spec: crate::to_json(&spec)?,
        result: crate::to_json(&roster)?,
        summary: crate::to_json(&roster.figures)?,
        created_by: who.actor().to_string(),
        created_at: Utc::now(),
        published: None,
    };
    store.add_duty_roster(who.actor(), &v).await.map_err(said)
}

/// Publishes a version: its doctors' duties then count when dispatch is planned, and it is
/// the facility's roster in force for the month.
pub async fn publish(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
) -> Result<DutyRosterVersion, AppError> {
    let v = stored(store, pref, seq).await?;
    if !may_roster(who, &v.facility, pref) {
        return Err(denied());
    }
    store
        .publish_duty_roster(who.actor(), pref, seq)
        .await
        .map_err(said)
}

/// A duty of a published roster, as its doctor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyDuty {
    pub facility: String,
    pub date: chrono::NaiveDate,
    pub code: String,
    pub name: String,
    pub kind: DutyKind,
    pub start: chrono::NaiveDateTime,
    pub end: chrono::NaiveDateTime,
    /// The roster version it comes from.
    pub seq: u32,
}

/// A doctor's duties in the month on the rosters in force (published) in their prefecture,
/// by start: the doctor themselves, or the centre.
pub async fn duties_of(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    month: Month,
) -> Result<Vec<MyDuty>, AppError> {
    let d = crate::dispatch::doctor_of(store, doctor)
        .await?
        .ok_or_else(|| {
            rejected(
                format!("医師 {doctor} は登録されていません"),
                format!("doctor {doctor} is not in the register"),
            )
        })?;
    let own = who.doctor.as_ref() == Some(doctor);
    let centre = who.role != Role::Facility
        && who.role != Role::Doctor
        && crate::dispatch::may_read(who)
        && who.scope_pref().is_none_or(|p| p == d.pref);
    if !own && !centre {
        return Err(denied());
    }
    let mut out = Vec::new();
    for v in store.published_duty_rosters(d.pref, month.first()).await? {
        let spec: Spec = crate::from_json(&v.spec, "a stored duty roster")?;
        let roster: DutyRoster = crate::from_json(&v.result, "a stored duty roster")?;
        for a in roster
            .assignments
            .iter()
            .filter(|a| a.member == doctor.as_str())
        {
            let Some(s) = spec.shifts.iter().find(|s| s.code == a.shift) else {
                continue;
            };
            let facility = spec
                .facilities
                .iter()
                .find(|p| p.id == s.facility)
                .map_or_else(|| s.facility.clone(), |p| p.name.clone());
            let duty = s.duty_on(a.date, String::new());
            out.push(MyDuty {
                facility,
                date: a.date,
                code: s.code.clone(),
                name: s.name.clone(),
                kind: s.kind,
                start: duty.start,
                end: duty.end,
                seq: v.seq,
            });
        }
    }
    out.sort_by_key(|x| (x.start, x.seq));
    Ok(out)
}

/// The demo's duty roster: this month's roster of the demo facility account's hospital
/// (岩手県立釜石病院), its doctors from the register with four synthetic on-call doctors
/// added, made and published; the next month is left for the facility. Made once: nothing
/// when the prefecture has a roster already.
pub async fn demo(
    store: &dyn Store,
    today: chrono::NaiveDate,
    effort: Effort,
) -> Result<Option<DutyRosterVersion>, AppError> {
    let pref = crate::demo::iwate();
    if !store.list_duty_rosters(pref, None, None).await?.is_empty() {
        return Ok(None);
    }
    let Ok(facility) = FacilityId::parse(DEMO_FACILITY) else {
        return Ok(None);
    };
    if crate::dispatch::facility_of(store, &facility)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let system = Principal::system("demo");
    let month = Month::of(today);
    let mut spec = draft(store, &system, &facility, month).await?;
    for i in 1..=4 {
        spec.staff.push(Member {
            max_nights: Some(6),
            max_weekends: Some(2),
            ..Member::new(
                &format!("DEMO-LOCAL-{i}"),
                &format!("合成 当直医{i}（デモ）"),
                chiiki_domain::WorkHourLevel::B,
            )
        });
    }
    if let Some(first) = spec.staff.first().map(|m| m.id.clone()) {
        let day = month.first() + chrono::Duration::days(14);
        spec.requests.push(duty::DayRequest {
            member: first,
            date: day,
            shift: None,
            on: false,
            weight: None,
        });
    }
    let v = make(store, &system, &facility, spec, effort).await?;
    Ok(Some(publish(store, &system, pref, v.seq).await?))
}

/// The demo facility account's hospital.
const DEMO_FACILITY: &str = "R7-0306-14";

/// A version's roster as sheets (see [`roster_sheets`]).
pub fn sheets(v: &Version, lang: Lang) -> Vec<Sheet> {
    roster_sheets(&v.spec, &v.roster, lang)
}

/// A roster as sheets: the grid (a row per person, a column per day, their totals, then the
/// cover of each shift a day), the shifts left short with their reasons, and the requests.
pub fn roster_sheets(spec: &Spec, r: &DutyRoster, lang: Lang) -> Vec<Sheet> {
    let ja = lang == Lang::Ja;
    let names: BTreeMap<&str, &str> = spec
        .staff
        .iter()
        .map(|m| (m.id.as_str(), m.name.as_str()))
        .collect();
    let weekday = |d: chrono::NaiveDate| {
        let i = d.weekday().num_days_from_monday() as usize;
        if ja {
            ["月", "火", "水", "木", "金", "土", "日"][i]
        } else {
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i]
        }
    };
    let t = |a: &str, b: &str| (if ja { a } else { b }).to_string();
    let mut headers = vec![t("職員ID", "staff id"), t("氏名", "name")];
    headers.extend(
        r.days
            .iter()
            .map(|d| format!("{} ({})", d.date.day(), weekday(d.date))),
    );
    headers.extend([
        t("勤務数", "shifts"),
        t("当直", "nights"),
        t("週末", "weekends"),
        t("時間外 当月（時間）", "overtime this month (h)"),
        t("当月残（時間）", "left this month (h)"),
    ]);
    let h = |m: i64| Cell::Number((m as f64 / 6.0).round() / 10.0);
    let mut rows = Vec::new();
    for (m, totals) in spec.staff.iter().zip(&r.members) {
        let mut cells = vec![Cell::Text(m.id.clone()), Cell::Text(m.name.clone())];
        for d in &r.days {
            cells.push(match r.shift_of(&m.id, d.date) {
                Some(code) => Cell::Text(code.to_string()),
                None if m.days_off.contains(&d.date) => Cell::Text(t("休", "leave")),
                None => Cell::Empty,
            });
        }
        cells.extend([
            Cell::Number(f64::from(totals.shifts)),
            Cell::Number(f64::from(totals.nights)),
            Cell::Number(f64::from(totals.weekends)),
            h(totals.month_overtime),
            h(totals.month_left),
        ]);
        rows.push(cells);
    }
    for s in &spec.shifts {
        let mut cells = vec![
            Cell::Text(s.code.clone()),
            Cell::Text(if ja {
                format!("{} 配置/必要", s.name)
            } else {
                format!("{} placed/needed", s.name)
            }),
        ];
        for d in &r.days {
            let c = r
                .cover
                .iter()
                .find(|c| c.date == d.date && c.shift == s.code);
            cells.push(match c {
                Some(c) => Cell::Text(format!("{}/{}", c.got, c.need)),
                None => Cell::Empty,
            });
        }
        cells.extend(std::iter::repeat_n(Cell::Empty, 5));
        rows.push(cells);
    }
    let grid = Sheet {
        name: t("勤務表", "roster"),
        headers,
        rows,
    };
    let short = Sheet {
        name: t("不足", "short"),
        headers: vec![
            t("日付", "date"),
            t("勤務", "shift"),
            t("必要", "needed"),
            t("配置", "placed"),
            t("理由", "reason"),
            t("職員ごとの理由", "reasons by person"),
        ],
        rows: r
            .short
            .iter()
            .map(|s| {
                let each = s
                    .reasons
                    .iter()
                    .map(|(who, why)| {
                        let name = names.get(who.as_str()).copied().unwrap_or(who.as_str());
                        format!("{name}: {}", why.message().get(lang))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                vec![
                    Cell::Date(s.date),
                    Cell::Text(s.shift.clone()),
                    Cell::Number(f64::from(s.need)),
                    Cell::Number(f64::from(s.got)),
                    Cell::Text(s.summary.get(lang).to_string()),
                    Cell::Text(each),
                ]
            })
            .collect(),
    };
    let requests = Sheet {
        name: t("希望", "requests"),
        headers: vec![
            t("職員ID", "staff id"),
            t("氏名", "name"),
            t("日付", "date"),
            t("勤務", "shift"),
            t("種類", "kind"),
            t("結果", "outcome"),
        ],
        rows: r
            .requests
            .iter()
            .map(|o| {
                let q = &o.request;
                vec![
                    Cell::Text(q.member.clone()),
                    Cell::Text(
                        names
                            .get(q.member.as_str())
                            .copied()
                            .unwrap_or_default()
                            .to_string(),
                    ),
                    Cell::Date(q.date),
                    Cell::Text(q.shift.clone().unwrap_or_else(|| t("終日", "all day"))),
                    Cell::Text(if q.on {
                        t("勤務希望", "on")
                    } else {
                        t("休み希望", "off")
                    }),
                    Cell::Text(if o.granted {
                        t("可", "granted")
                    } else {
                        t("不可", "not granted")
                    }),
                ]
            })
            .collect(),
    };
    vec![grid, short, requests]
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use chiiki_domain::{Username, Workplace};
    use chiiki_roster::duty::{DayRequest, Limits};
    use chiiki_store::testing;

    fn who(role: Role, facility: Option<&FacilityId>) -> Principal {
        Principal {
            alliance: None,
            username: Username::parse(&format!("{}-user", role.code())).unwrap(),
            display_name: "test".into(),
            role,
            pref: Some(crate::demo::iwate()),
            facility: facility.cloned(),
            doctor: None,
        }
    }

    fn effort() -> Effort {
        Effort {
            limits: Limits {
                time_limit: std::time::Duration::from_millis(600),
                seed: 5,
                threads: 1,
            },
        }
    }

    /// The demo facility with the most doctors placed on the month's first day.
    async fn busiest(store: &dyn Store, month: Month) -> FacilityId {
        let reg = crate::placement::register(store, crate::demo::iwate())
            .await
            .unwrap();
        let mut n: HashMap<FacilityId, usize> = HashMap::new();
        for list in reg.assignments.values() {
            for a in list.iter().filter(|a| a.period.contains(month.first())) {
                if let Some(Workplace::Registered { facility }) = &a.place {
                    *n.entry(facility.clone()).or_default() += 1;
                }
            }
        }
        n.into_iter()
            .max_by_key(|(f, c)| (*c, std::cmp::Reverse(f.clone())))
            .unwrap()
            .0
    }

    fn local(id: &str) -> Member {
        Member {
            max_nights: Some(8),
            ..Member::new(
                id,
                &format!("合成 職員{id}"),
                chiiki_domain::WorkHourLevel::A,
            )
        }
    }

    /// A facility drafts its month from the register, makes and publishes the roster; the
    /// roster's doctors then carry its duties into dispatch planning; other facilities and
    /// doctors may not touch it.
    #[tokio::test]
    async fn a_facility_makes_publishes_and_dispatch_sees_its_roster() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let pref = crate::demo::iwate();
        let month = Month::of(Utc::now().date_naive()).following();
        let fid = busiest(store, month).await;
        let facility = who(Role::Facility, Some(&fid));

        let mut spec = draft(store, &facility, &fid, month).await.unwrap();
        assert_eq!(spec.month, month.first());
        assert_eq!(spec.shifts.len(), 3);
        assert!(!spec.staff.is_empty());
        assert!(spec.staff.iter().all(|m| DoctorId::parse(&m.id).is_ok()));
        for i in 1..=4 {
            spec.staff.push(local(&format!("L-{i}")));
        }
        let doctor = spec.staff[0].id.clone();
        let night = spec.month + chrono::Duration::days(9);
        spec.requests.push(DayRequest {
            member: doctor.clone(),
            date: night,
            shift: Some("当".to_string()),
            on: true,
            weight: Some(5000),
        });

        let v = make(store, &facility, &fid, spec.clone(), effort())
            .await
            .unwrap();
        assert_eq!(v.seq, 1);
        assert!(v.published.is_none());
        let read = version(store, &facility, pref, v.seq).await.unwrap();
        assert_eq!(read.roster.shift_of(&doctor, night), Some("当"));
        assert_eq!(read.roster.figures.granted, 1);
        let sheets = sheets(&read, Lang::Ja);
        assert_eq!(sheets[0].rows.len(), spec.staff.len() + 3);
        assert_eq!(sheets[0].headers.len(), 2 + read.roster.days.len() + 5);
        assert_eq!(sheets[2].rows.len(), 1);

        // Another facility, a doctor: no.
        let other = FacilityId::parse("R7-0306-14").unwrap();
        let stranger = if other == fid {
            who(
                Role::Facility,
                Some(&FacilityId::parse("R7-0301-14").unwrap()),
            )
        } else {
            who(Role::Facility, Some(&other))
        };
        assert!(draft(store, &stranger, &fid, month).await.is_err());
        assert!(
            make(store, &stranger, &fid, spec.clone(), effort())
                .await
                .is_err()
        );
        assert!(version(store, &stranger, pref, v.seq).await.is_err());
        assert!(publish(store, &stranger, pref, v.seq).await.is_err());
        let mut doc = who(Role::Doctor, None);
        doc.doctor = DoctorId::parse(&doctor).ok();
        assert!(versions(store, &doc, &fid, None).await.is_err());
        // The centre reads it.
        let centre = who(Role::Coordinator, None);
        assert_eq!(
            versions(store, &centre, &fid, Some(month))
                .await
                .unwrap()
                .len(),
            1
        );

        // Published: its duties count for dispatch.
        let p = publish(store, &facility, pref, v.seq).await.unwrap();
        assert!(p.published.is_some());
        let again = publish(store, &facility, pref, v.seq).await.unwrap_err();
        assert!(again.to_string().contains("already"), "{again}");
        let reg = crate::dispatch::read_register(store, pref, month)
            .await
            .unwrap();
        let d = &reg.base.doctors[&DoctorId::parse(&doctor).unwrap()];
        let t = crate::dispatch::timeline(&reg, d, month);
        assert!(
            t.duties
                .iter()
                .any(|x| x.reference.starts_with(ROSTERED) && x.start.date() == night),
            "{:?}",
            t.duties
        );
        // The doctor sees their duties on the roster in force; another doctor may not.
        let mine = duties_of(store, &doc, &DoctorId::parse(&doctor).unwrap(), month)
            .await
            .unwrap();
        assert!(
            mine.iter().any(|x| x.date == night && x.code == "当"),
            "{mine:?}"
        );
        assert!(mine.iter().all(|x| x.seq == v.seq));
        let mut someone = who(Role::Doctor, None);
        someone.doctor = DoctorId::parse("DEMO-2018-001").ok();
        if someone.doctor != doc.doctor {
            assert!(
                duties_of(store, &someone, &DoctorId::parse(&doctor).unwrap(), month)
                    .await
                    .is_err()
            );
        }
        // A new draft of the same month starts from the version, without its own published
        // duties as fixed ones.
        let next = draft(store, &facility, &fid, month).await.unwrap();
        assert_eq!(next.staff.len(), spec.staff.len());
        assert!(
            next.staff
                .iter()
                .all(|m| m.fixed.iter().all(|d| !d.reference.starts_with(ROSTERED)))
        );
        assert_eq!(
            versions(store, &facility, &fid, None).await.unwrap()[0].seq,
            1
        );
    }

    #[tokio::test]
    async fn the_demo_publishes_this_months_roster_once() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let today = Utc::now().date_naive();
        let v = demo(store, today, effort()).await.unwrap().unwrap();
        assert!(v.published.is_some());
        assert_eq!(v.month, Month::of(today).first());
        let read = version(store, &who(Role::Coordinator, None), v.pref, v.seq)
            .await
            .unwrap();
        assert!(read.spec.staff.len() > 4);
        assert!(read.roster.figures.covered > 0);
        assert!(
            read.roster
                .findings
                .iter()
                .all(|f| f.severity == chiiki_roster::hours::Severity::Due)
        );
        assert!(demo(store, today, effort()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_bad_roster_is_refused_with_every_problem() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let month = Month::of(Utc::now().date_naive()).following();
        let fid = busiest(store, month).await;
        let facility = who(Role::Facility, Some(&fid));
        let mut spec = draft(store, &facility, &fid, month).await.unwrap();
        spec.requests.push(DayRequest {
            member: "nobody".to_string(),
            date: spec.month,
            shift: Some("X".to_string()),
            on: false,
            weight: None,
        });
        let e = make(store, &facility, &fid, spec.clone(), effort())
            .await
            .unwrap_err();
        let AppError::Rejected(m) = &e else {
            panic!("{e:?}")
        };
        assert!(m.en.contains("requests[0].member"), "{}", m.en);
        assert!(m.en.contains("requests[0].shift"), "{}", m.en);
        assert!(
            m.ja.contains("勤務表の職員IDを指定してください"),
            "{}",
            m.ja
        );
        // A facility's account may not put another facility on its roster.
        spec.requests.clear();
        spec.facilities.push(Place {
            id: "R7-0301-14".to_string(),
            name: String::new(),
        });
        if fid.as_str() != "R7-0301-14" {
            let e = make(store, &facility, &fid, spec, effort())
                .await
                .unwrap_err();
            assert!(e.to_string().contains("cannot be on"), "{e}");
        }
    }
}
