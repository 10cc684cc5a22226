//! Dispatch of doctors and substitute doctors (代診医): facilities ask for cover, doctors
//! offer days and report their overtime at every employer, the coordinator solves a month,
//! reads why each request is or is not filled, and confirms; the doctor sees the dispatch,
//! and the hours and the statistics count it.
//!
//! A month's problem is read from the register as it stands: open requests of the month at
//! facilities with coordinates; every doctor of the prefecture who offered time in it, with
//! the home base of the facility they work at on the month's first day, their specialty as
//! their skill, their work-hour level, the overtime reported by each employer and the
//! dispatches already confirmed around the month as fixed duties. The solved run is kept as
//! it was; confirming it re-checks its dispatches against the register as it then stands, so
//! that a request filled or cancelled meanwhile, an offer withdrawn or hours reported since
//! make the coordinator solve again instead of confirming a stale plan.

use std::collections::{BTreeMap, HashMap};

use chiiki_domain::dispatch::first_of_month;
use chiiki_domain::{
    Dispatch, DispatchOffer, DispatchRequest, DispatchRun, Doctor, DoctorId, DutyKind, FacilityId,
    FiscalYear, HoursReport, Lang, Msg, NaiveDate, PrefCode, RequestState, Role, Specialty,
    Urgency, WorkHourLevel, Workplace,
};
use chiiki_domain::{Entity, Facility, Record};
use chiiki_roster::dispatch::{self as dp, Limits, Plan};
use chiiki_roster::hours::{self, Baseline, Breach, Duty, Rules, Severity, Timeline};
use chiiki_store::{DispatchFilter, LoanFilter, OfferFilter, Store, StoreError};
use chiiki_tabular::{Cell, Sheet};
use chrono::{Datelike, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::access::{Permission, Principal};
use crate::placement::{rejected, said};

// ---------------------------------------------------------------------------------------
// Who may do what.

/// Whether the principal runs the month: solves and confirms (coordinators, administrators).
pub fn may_plan(who: &Principal) -> bool {
    who.can(Permission::WriteRegister)
}

/// Whether the principal reads the prefecture's dispatch (the centre's staff).
pub fn may_read(who: &Principal) -> bool {
    who.can(Permission::ReadRegisterViews)
}

/// Whether the principal may ask for cover at a facility: its own facility's account, or the
/// centre for any facility of its prefecture.
fn require_ask(who: &Principal, facility: &FacilityId, pref: PrefCode) -> Result<(), AppError> {
    let ok = match who.role {
        Role::Facility => who.facility.as_ref() == Some(facility),
        _ => who.may_write(pref),
    };
    if ok { Ok(()) } else { Err(denied()) }
}

/// Whether the principal may speak for a doctor (offers, hours): the doctor, or the centre.
fn require_doctor(who: &Principal, doctor: &Doctor) -> Result<(), AppError> {
    let ok = match who.role {
        Role::Doctor => who.doctor.as_ref() == Some(&doctor.id),
        _ => who.may_write(doctor.pref),
    };
    if ok { Ok(()) } else { Err(denied()) }
}

/// Whether the principal may read a doctor's dispatches and hours: the doctor, or the
/// centre's staff of their prefecture.
fn require_own_or_centre(who: &Principal, d: &Doctor) -> Result<(), AppError> {
    let ok = match who.role {
        Role::Doctor => who.doctor.as_ref() == Some(&d.id),
        Role::Facility => false,
        _ => may_read(who) && who.region_pref(Some(d.pref)).is_ok(),
    };
    if ok { Ok(()) } else { Err(denied()) }
}

fn require_plan(who: &Principal, pref: PrefCode) -> Result<(), AppError> {
    who.require(Permission::WriteRegister)?;
    who.region_pref(Some(pref))?;
    Ok(())
}

fn require_read(who: &Principal, pref: PrefCode) -> Result<(), AppError> {
    who.require(Permission::ReadRegisterViews)?;
    who.region_pref(Some(pref))?;
    Ok(())
}

fn denied() -> AppError {
    AppError::Denied(crate::access::Denied(Msg::new(
        "この操作の権限がありません",
        "you are not allowed to do this",
    )))
}

// ---------------------------------------------------------------------------------------
// Months.

/// A calendar month, by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month(NaiveDate);

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month(first_of_month(d))
    }

    /// `2026-12` (also `2026-12-01`, `2026/12`).
    pub fn parse(s: &str) -> Result<Month, AppError> {
        let t = s.trim().replace('/', "-");
        let parts: Vec<&str> = t.split('-').collect();
        let number = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
        let (y, m) = match parts.len() {
            2 => (number(0), number(1)),
            // A date: its month (the day must be one of it).
            3 => match (number(0), number(1), number(2)) {
                (Some(y), Some(m), Some(d))
                    if NaiveDate::from_ymd_opt(y as i32, m, d).is_some() =>
                {
                    (Some(y), Some(m))
                }
                _ => (None, None),
            },
            _ => (None, None),
        };
        match (y, m) {
            (Some(y), Some(m)) if (2000..=2100).contains(&y) => {
                NaiveDate::from_ymd_opt(y as i32, m, 1)
                    .map(Month)
                    .ok_or_else(|| bad_month(s))
            }
            _ => Err(bad_month(s)),
        }
    }

    pub fn first(self) -> NaiveDate {
        self.0
    }

    /// The first day of the next month.
    pub fn next(self) -> NaiveDate {
        self.0
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(self.0)
    }

    pub fn previous(self) -> Month {
        Month(
            self.0
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(self.0),
        )
    }

    pub fn following(self) -> Month {
        Month(self.next())
    }

    pub fn label(self, lang: Lang) -> String {
        match lang {
            Lang::Ja => format!("{}年{}月", self.0.year(), self.0.month()),
            Lang::En => self.0.format("%B %Y").to_string(),
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

fn bad_month(s: &str) -> AppError {
    rejected(
        format!("月「{s}」が読めません。2026-12 のように書いてください"),
        format!("cannot read the month '{s}': write it like 2026-12"),
    )
}

// ---------------------------------------------------------------------------------------
// Requests.

/// What a facility asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestInput {
    pub facility: FacilityId,
    pub kind: DutyKind,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// Specialties the doctor must have (codes or labels of [`Specialty`]).
    pub skills: Vec<String>,
    pub urgency: Urgency,
    pub note: String,
}

/// A skill as the solver compares them: the specialty's Japanese label.
fn skill(s: &str) -> Result<String, AppError> {
    Specialty::parse(s.trim())
        .map(|sp| sp.label(Lang::Ja).to_string())
        .map_err(|_| {
            rejected(
                format!("技能「{s}」は基本領域（内科、小児科、総合診療…）ではありません"),
                format!(
                    "skill '{s}' is not a basic specialty (internal medicine, pediatrics, general practice, …)"
                ),
            )
        })
}

/// Submits a request for cover.
pub async fn submit(
    store: &dyn Store,
    who: &Principal,
    input: RequestInput,
) -> Result<DispatchRequest, AppError> {
    let facility = facility_of(store, &input.facility).await?.ok_or_else(|| {
        rejected(
            format!("施設 {} は台帳にありません", input.facility),
            format!("facility {} is not in the register", input.facility),
        )
    })?;
    let pref = facility.pref();
    require_ask(who, &facility.id, pref)?;
    if facility.coordinates.is_none() {
        return Err(rejected(
            format!(
                "施設 {} の所在地（緯度経度）が台帳にないため、移動時間を計算できません。台帳に座標を登録してください",
                facility.id
            ),
            format!(
                "facility {} has no coordinates in the register, so travel cannot be timed: add them to the register",
                facility.id
            ),
        ));
    }
    if input.start.date() < chrono::Local::now().date_naive() {
        return Err(rejected(
            format!(
                "開始 {} は過去です。今日以降の日時にしてください",
                input.start
            ),
            format!(
                "the start {} is in the past: ask for today or later",
                input.start
            ),
        ));
    }
    let mut skills = Vec::new();
    for s in input.skills.iter().filter(|s| !s.trim().is_empty()) {
        let s = skill(s)?;
        if !skills.contains(&s) {
            skills.push(s);
        }
    }
    let request = DispatchRequest {
        id: 0,
        pref,
        facility: facility.id.clone(),
        kind: input.kind,
        start: input.start,
        end: input.end,
        skills,
        urgency: input.urgency,
        note: input.note.trim().to_string(),
        state: RequestState::Open,
        requested_by: who.actor().to_string(),
        requested_at: Utc::now(),
    };
    request.validate().map_err(AppError::invalid)?;
    store
        .put_dispatch_request(who.actor(), &request)
        .await
        .map_err(closed)
}

/// Store refusals of dispatch said to the user.
fn closed(e: StoreError) -> AppError {
    match e {
        StoreError::Closed { what } => rejected(
            format!("{what} は派遣決定済みか取消済みです"),
            format!("{what} is already filled or cancelled"),
        ),
        other => said(other),
    }
}

async fn get_request(store: &dyn Store, id: u64) -> Result<DispatchRequest, AppError> {
    store.get_dispatch_request(id).await?.ok_or_else(|| {
        rejected(
            format!("依頼 {id} はありません"),
            format!("there is no request {id}"),
        )
    })
}

/// Cancels an open request (its facility or the centre).
pub async fn cancel(store: &dyn Store, who: &Principal, id: u64) -> Result<(), AppError> {
    let r = get_request(store, id).await?;
    require_ask(who, &r.facility, r.pref)?;
    store
        .cancel_dispatch_request(who.actor(), id)
        .await
        .map_err(closed)
}

/// A request as the lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    pub request: DispatchRequest,
    pub facility_name: String,
    pub area: String,
    /// The doctor sent, once confirmed: id and name.
    pub doctor: Option<(DoctorId, String)>,
    pub travel_minutes: Option<i64>,
}

/// The requests the principal may see: a facility its own, the centre its prefecture's.
pub async fn requests(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    month: Option<Month>,
) -> Result<Vec<RequestRow>, AppError> {
    let mut filter = DispatchFilter {
        pref: Some(pref),
        from: month.map(Month::first),
        until: month.map(Month::next),
        ..Default::default()
    };
    match who.role {
        Role::Facility => {
            let Some(own) = who.facility.clone() else {
                return Err(denied());
            };
            filter.facility = Some(own);
        }
        _ => require_read(who, pref)?,
    }
    let list = store.list_dispatch_requests(&filter).await?;
    let sent: HashMap<u64, Dispatch> = store
        .list_dispatches(&filter)
        .await?
        .into_iter()
        .map(|d| (d.request, d))
        .collect();
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(list.len());
    for r in list {
        let (facility_name, area) = names.facility(store, &r.facility).await?;
        let doctor = match sent.get(&r.id) {
            Some(d) => Some((d.doctor.clone(), names.doctor(store, &d.doctor).await?)),
            None => None,
        };
        rows.push(RequestRow {
            travel_minutes: sent.get(&r.id).map(|d| d.travel_minutes),
            facility_name,
            area,
            doctor,
            request: r,
        });
    }
    Ok(rows)
}

/// Names of facilities and doctors, read once each.
#[derive(Default)]
struct Names {
    facilities: HashMap<FacilityId, (String, String)>,
    doctors: HashMap<DoctorId, String>,
}

impl Names {
    async fn facility(
        &mut self,
        store: &dyn Store,
        id: &FacilityId,
    ) -> Result<(String, String), AppError> {
        if let Some(n) = self.facilities.get(id) {
            return Ok(n.clone());
        }
        let n = match facility_of(store, id).await? {
            Some(f) => (f.name.to_string(), f.area.to_string()),
            None => (id.to_string(), String::new()),
        };
        self.facilities.insert(id.clone(), n.clone());
        Ok(n)
    }

    async fn doctor(&mut self, store: &dyn Store, id: &DoctorId) -> Result<String, AppError> {
        if let Some(n) = self.doctors.get(id) {
            return Ok(n.clone());
        }
        let n = match doctor_of(store, id).await? {
            Some(d) => d.name.to_string(),
            None => id.to_string(),
        };
        self.doctors.insert(id.clone(), n.clone());
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------
// Offers and hours.

pub(crate) async fn facility_of(
    store: &dyn Store,
    id: &FacilityId,
) -> Result<Option<Facility>, AppError> {
    Ok(match store.get(Entity::Facilities, id.as_str()).await? {
        Some(Record::Facility(f)) => Some(f),
        _ => None,
    })
}

pub(crate) async fn doctor_of(
    store: &dyn Store,
    id: &DoctorId,
) -> Result<Option<Doctor>, AppError> {
    Ok(match store.get(Entity::Doctors, id.as_str()).await? {
        Some(Record::Doctor(d)) => Some(d),
        _ => None,
    })
}

async fn get_doctor(store: &dyn Store, id: &DoctorId) -> Result<Doctor, AppError> {
    doctor_of(store, id).await?.ok_or_else(|| {
        rejected(
            format!("医師 {id} は台帳にありません"),
            format!("doctor {id} is not in the register"),
        )
    })
}

/// A doctor's offer of time.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferInput {
    pub doctor: DoctorId,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    /// Where they set out from, when not from their workplace in the register.
    pub base: Option<FacilityId>,
    pub note: String,
}

/// Offers time for dispatch (the doctor, or the centre for them).
pub async fn offer(
    store: &dyn Store,
    who: &Principal,
    input: OfferInput,
) -> Result<DispatchOffer, AppError> {
    let OfferInput {
        doctor,
        from,
        to,
        base,
        note,
    } = input;
    let d = get_doctor(store, &doctor).await?;
    require_doctor(who, &d)?;
    if let Some(b) = &base {
        let known = facility_of(store, b).await?;
        if known.as_ref().and_then(|f| f.coordinates).is_none() {
            return Err(rejected(
                format!("出発地 {b} は座標のある台帳の施設ではありません"),
                format!("the base {b} is not a facility of the register with coordinates"),
            ));
        }
    }
    let offer = DispatchOffer {
        id: 0,
        doctor: d.id.clone(),
        from,
        to,
        base,
        note: note.trim().to_string(),
        offered_at: Utc::now(),
    };
    offer.validate().map_err(AppError::invalid)?;
    let overlapping = store
        .list_offers(&OfferFilter {
            doctor: Some(d.id.clone()),
            from: Some(from),
            until: Some(to),
        })
        .await?;
    if let Some(o) = overlapping.first() {
        return Err(rejected(
            format!(
                "申出 {}（{} – {}）と重なっています。先にそちらを取り下げるか、重ならない時間にしてください",
                o.id, o.from, o.to
            ),
            format!(
                "it overlaps offer {} ({} – {}): withdraw that one first, or offer another time",
                o.id, o.from, o.to
            ),
        ));
    }
    store.put_offer(who.actor(), &offer).await.map_err(said)
}

/// Withdraws an offer.
pub async fn withdraw(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    id: u64,
) -> Result<(), AppError> {
    let d = get_doctor(store, doctor).await?;
    require_doctor(who, &d)?;
    let mine = store
        .list_offers(&OfferFilter {
            doctor: Some(d.id.clone()),
            ..Default::default()
        })
        .await?;
    if !mine.iter().any(|o| o.id == id) {
        return Err(rejected(
            format!("医師 {doctor} の申出 {id} はありません"),
            format!("doctor {doctor} has no offer {id}"),
        ));
    }
    store.delete_offer(who.actor(), id).await.map_err(said)
}

/// A doctor's offers from `from` on.
pub async fn offers(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    from: Option<NaiveDate>,
) -> Result<Vec<DispatchOffer>, AppError> {
    let d = get_doctor(store, doctor).await?;
    if !who.may_see(&chiiki_domain::Record::Doctor(d.clone()), false) || who.role == Role::Facility
    {
        return Err(denied());
    }
    Ok(store
        .list_offers(&OfferFilter {
            doctor: Some(d.id.clone()),
            from: from.map(|f| f.and_time(chrono::NaiveTime::MIN)),
            until: None,
        })
        .await?)
}

/// A report of overtime at one employer in a month.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursInput {
    pub doctor: DoctorId,
    pub employer: String,
    pub month: Month,
    pub month_hours: f64,
    pub year_hours: f64,
    pub interview: Option<NaiveDate>,
}

/// Records a doctor's overtime at an employer (the doctor, the centre, or the employer's
/// facility account for its own doctors' hours).
pub async fn report_hours(
    store: &dyn Store,
    who: &Principal,
    input: HoursInput,
) -> Result<HoursReport, AppError> {
    let d = get_doctor(store, &input.doctor).await?;
    let employer = input.employer.trim().to_string();
    let own_facility = who.role == Role::Facility
        && who.facility.as_ref().map(FacilityId::as_str) == Some(employer.as_str());
    if !own_facility {
        require_doctor(who, &d)?;
    }
    let minutes = |h: f64, what: Msg| -> Result<i64, AppError> {
        if h.is_finite() && (0.0..=9000.0).contains(&h) {
            Ok((h * 60.0).round() as i64)
        } else {
            Err(rejected(
                format!("{}の時間 {h} は範囲外です", what.ja),
                format!("{h} hours is out of range for the {}", what.en),
            ))
        }
    };
    let report = HoursReport {
        doctor: d.id.clone(),
        employer,
        month: input.month.first(),
        month_minutes: minutes(input.month_hours, Msg::new("当月", "month"))?,
        year_minutes: minutes(input.year_hours, Msg::new("年度累計", "fiscal year"))?,
        interview: input.interview,
        reported_by: who.actor().to_string(),
        reported_at: Utc::now(),
    };
    report.validate().map_err(AppError::invalid)?;
    store.put_hours(who.actor(), &report).await.map_err(said)?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// The month's problem, from the register.

/// A request or a doctor the month leaves out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    pub what: String,
    pub reason: Msg,
}

/// What a run solved: the problem and what was left out of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInput {
    pub problem: dp::Problem,
    pub left_out: Vec<LeftOut>,
    /// Names for the pages: facility id → name, doctor id → name.
    pub facility_names: BTreeMap<String, String>,
    pub doctor_names: BTreeMap<String, String>,
}

/// Everything of the prefecture a month's problem and its hours are read from.
pub(crate) struct Register {
    pub(crate) base: crate::placement::Register,
    /// Confirmed dispatches near the month, with their requests.
    dispatched: Vec<(Dispatch, DispatchRequest)>,
    /// Duties of the published duty rosters of the month and the month before, by doctor.
    rostered: Vec<(String, Duty)>,
    reports: Vec<HoursReport>,
    /// Staff loans of the prefecture's doctors with hours in the fiscal year up to the month.
    loans: Vec<chiiki_domain::StaffLoan>,
}

/// The days before and after a month whose confirmed dispatches still matter (rest across
/// the month's edges).
const EDGE_DAYS: i64 = 7;

pub(crate) async fn read_register(
    store: &dyn Store,
    pref: PrefCode,
    month: Month,
) -> Result<Register, AppError> {
    let base = crate::placement::register(store, pref).await?;
    let window = DispatchFilter {
        pref: Some(pref),
        from: Some(month.first() - Duration::days(EDGE_DAYS)),
        until: Some(month.next() + Duration::days(EDGE_DAYS)),
        ..Default::default()
    };
    let requests: HashMap<u64, DispatchRequest> = store
        .list_dispatch_requests(&window)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let dispatched = store
        .list_dispatches(&window)
        .await?
        .into_iter()
        .filter_map(|d| requests.get(&d.request).cloned().map(|r| (d, r)))
        .collect();
    let reports = store.list_hours(None, Some(month.first())).await?;
    let mut rostered = Vec::new();
    for m in [month.previous(), month] {
        for v in store.published_duty_rosters(pref, m.first()).await? {
            rostered.extend(crate::duty::published_duties(&v)?);
        }
    }
    // The loans with hours in a month of the fiscal year so far, each once.
    let mut loans: Vec<chiiki_domain::StaffLoan> = Vec::new();
    let mut m = Month::of(FiscalYear::of(month.first()).start());
    while m <= month {
        let filter = LoanFilter {
            month: Some(m.first()),
            ..Default::default()
        };
        for l in store.list_staff_loans(&filter).await? {
            let ours = l
                .doctor
                .as_ref()
                .is_some_and(|d| base.doctors.contains_key(d));
            if ours && !loans.iter().any(|x| x.id == l.id) {
                loans.push(l);
            }
        }
        m = m.following();
    }
    Ok(Register {
        base,
        dispatched,
        rostered,
        reports,
        loans,
    })
}

/// The employer key under which a loan to the corporation counts in the hours.
pub fn loan_employer(to: &chiiki_domain::Name) -> String {
    format!("loan:{to}")
}

/// The doctor's hours at the members of an alliance that borrowed them (staff loans), one
/// baseline per borrowing corporation (employer `loan:{corporation}`): its overtime in the
/// month (0 when none) and in the fiscal year up to and including the month. A corporation
/// that reported hours for the month itself under that employer key is left out: the report
/// wins, so that the hours count once.
fn loan_baselines(
    reg: &Register,
    d: &Doctor,
    month: Month,
    reports: &[&HoursReport],
) -> Vec<Baseline> {
    let fy_start = Month::of(FiscalYear::of(month.first()).start());
    let mut out: Vec<Baseline> = Vec::new();
    for l in reg
        .loans
        .iter()
        .filter(|l| l.doctor.as_ref() == Some(&d.id))
    {
        let employer = loan_employer(&l.to);
        if reports.iter().any(|r| r.employer == employer) {
            continue;
        }
        let in_year: Vec<_> = l
            .hours
            .iter()
            .filter(|h| fy_start.first() <= h.month && h.month <= month.first())
            .collect();
        if in_year.is_empty() {
            continue;
        }
        let (this, year) = in_year.iter().fold((0, 0), |(m, y), h| {
            (
                m + if h.month == month.first() {
                    h.overtime
                } else {
                    0
                },
                y + h.overtime,
            )
        });
        match out.iter_mut().find(|b| b.employer == employer) {
            Some(b) => {
                b.month += this;
                b.year += year;
            }
            None => out.push(Baseline {
                employer,
                month: this,
                year,
            }),
        }
    }
    out
}

/// The duty a confirmed dispatch is on its doctor's timeline.
fn confirmed_duty(d: &Dispatch, r: &DispatchRequest) -> Duty {
    let planned = match r.kind {
        DutyKind::ClinicDay | DutyKind::NightDuty => 0,
        _ => (r.end - r.start).num_minutes() / 4,
    };
    Duty {
        employer: r.facility.to_string(),
        reference: r.id.to_string(),
        kind: r.kind,
        start: r.start,
        end: r.end,
        worked: d.worked_minutes.unwrap_or(planned),
        overtime: None,
    }
}

/// Where the doctor works on the day: the facility of the assignment that holds it, else of
/// the latest assignment begun before it.
fn workplace<'r>(reg: &'r Register, doctor: &DoctorId, day: NaiveDate) -> Option<&'r FacilityId> {
    let list = reg.base.assignments.get(doctor)?;
    let place = |a: &'r chiiki_domain::Assignment| match &a.place {
        Some(Workplace::Registered { facility }) => Some(facility),
        _ => None,
    };
    list.iter()
        .filter(|a| a.period.contains(day))
        .find_map(place)
        .or_else(|| {
            list.iter()
                .filter(|a| a.period.start() <= day)
                .max_by_key(|a| a.period.start())
                .and_then(place)
        })
}

/// A doctor's timeline of the month: level, hours reported by every employer, interviews, the
/// confirmed dispatches around the month and the duties of published duty rosters.
pub(crate) fn timeline(reg: &Register, d: &Doctor, month: Month) -> Timeline {
    let reports: Vec<&HoursReport> = reg.reports.iter().filter(|r| r.doctor == d.id).collect();
    let resident = reg.base.assignments.get(&d.id).is_some_and(|list| {
        list.iter().any(|a| {
            a.kind == chiiki_domain::AssignmentKind::InitialResidency
                && a.period.contains(month.first())
        })
    });
    Timeline {
        doctor: d.id.to_string(),
        level: d.work_hour_level,
        initial_resident: resident && d.work_hour_level == WorkHourLevel::C1,
        month: month.first(),
        baseline: reports
            .iter()
            .map(|r| Baseline {
                employer: r.employer.clone(),
                month: r.month_minutes,
                year: r.year_minutes,
            })
            .chain(loan_baselines(reg, d, month, &reports))
            .collect(),
        interviews: reports.iter().filter_map(|r| r.interview).collect(),
        compensatory: Vec::new(),
        duties: reg
            .dispatched
            .iter()
            .filter(|(x, _)| x.doctor == d.id)
            .map(|(x, r)| confirmed_duty(x, r))
            .chain(
                reg.rostered
                    .iter()
                    .filter(|(doctor, _)| *doctor == d.id.as_str())
                    .map(|(_, duty)| duty.clone()),
            )
            .collect(),
    }
}

/// Builds the month's problem from the register and the offers.
async fn problem(
    store: &dyn Store,
    reg: &Register,
    pref: PrefCode,
    month: Month,
) -> Result<RunInput, AppError> {
    let mut left_out = Vec::new();
    let mut facility_names = BTreeMap::new();
    let mut doctor_names = BTreeMap::new();
    let open = store
        .list_dispatch_requests(&DispatchFilter {
            pref: Some(pref),
            from: Some(month.first()),
            until: Some(month.next()),
            state: Some(RequestState::Open),
            ..Default::default()
        })
        .await?;
    let mut requests = Vec::new();
    for r in open {
        let Some(f) = reg.base.facilities.get(&r.facility) else {
            left_out.push(LeftOut {
                what: r.id.to_string(),
                reason: Msg::new(
                    "施設が都道府県の台帳にありません",
                    "its facility is not in the prefecture's register",
                ),
            });
            continue;
        };
        let Some(location) = f.coordinates else {
            left_out.push(LeftOut {
                what: r.id.to_string(),
                reason: Msg::new(
                    format!("施設 {} の座標が台帳にありません", f.id),
                    format!("facility {} has no coordinates in the register", f.id),
                ),
            });
            continue;
        };
        facility_names.insert(f.id.to_string(), f.name.to_string());
        requests.push(dp::Request {
            id: r.id.to_string(),
            facility: f.id.to_string(),
            facility_name: f.name.to_string(),
            area: f.area.to_string(),
            location,
            island: false,
            snow: false,
            kind: r.kind,
            start: r.start,
            end: r.end,
            skills: r.skills.clone(),
            urgency: r.urgency,
        });
    }
    let offers = store
        .list_offers(&OfferFilter {
            doctor: None,
            from: Some(month.first().and_time(chrono::NaiveTime::MIN)),
            until: Some(month.next().and_time(chrono::NaiveTime::MIN)),
        })
        .await?;
    let mut by_doctor: BTreeMap<DoctorId, (Vec<dp::Offer>, Option<FacilityId>)> = BTreeMap::new();
    for o in offers {
        let entry = by_doctor.entry(o.doctor.clone()).or_default();
        entry.0.push(dp::Offer {
            from: o.from,
            to: o.to,
        });
        if entry.1.is_none() {
            entry.1 = o.base;
        }
    }
    let mut doctors = Vec::new();
    for (id, (offers, base)) in by_doctor {
        // Offers of doctors of other prefectures are not this month's.
        let Some(d) = reg.base.doctors.get(&id) else {
            continue;
        };
        // The base an offer names, else the workplace on the month's first day.
        let home = base
            .as_ref()
            .or_else(|| workplace(reg, &id, month.first()))
            .and_then(|f| reg.base.facilities.get(f))
            .and_then(|f| f.coordinates);
        let Some(home) = home else {
            left_out.push(LeftOut {
                what: id.to_string(),
                reason: Msg::new(
                    "勤務先（座標のある台帳の施設）がなく、申出にも出発地がないため、移動時間を計算できません",
                    "no workplace with coordinates in the register and no base in the offers: travel cannot be timed",
                ),
            });
            continue;
        };
        doctor_names.insert(id.to_string(), d.name.to_string());
        doctors.push(dp::Doctor {
            id: id.to_string(),
            home,
            skills: d
                .target_specialty
                .map(|s| vec![s.label(Lang::Ja).to_string()])
                .unwrap_or_default(),
            source: if d.enrolment.is_some() {
                dp::Source::Obligated
            } else {
                dp::Source::Registered
            },
            timeline: timeline(reg, d, month),
            offers,
        });
    }
    Ok(RunInput {
        problem: dp::Problem {
            month: month.first(),
            requests,
            doctors,
            travel: dp::Travel::default(),
            weights: dp::Weights::default(),
        },
        left_out,
        facility_names,
        doctor_names,
    })
}

// ---------------------------------------------------------------------------------------
// Runs.

/// How long the solver may search a month.
#[derive(Debug, Clone, PartialEq)]
pub struct Effort {
    pub limits: Limits,
}

impl Effort {
    /// The coordinator's default: up to 10 seconds on two threads.
    pub fn standard() -> Effort {
        Effort {
            limits: Limits {
                time_limit: std::time::Duration::from_secs(10),
                seed: 1,
                threads: 2,
            },
        }
    }

    /// A short search, for tests and the demo.
    pub fn quick() -> Effort {
        Effort {
            limits: Limits {
                time_limit: std::time::Duration::from_secs(2),
                seed: 1,
                threads: 1,
            },
        }
    }
}

/// A run, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run: DispatchRun,
    pub input: RunInput,
    pub plan: Plan,
    /// The requests of the run that are now filled, and by whom (confirmed from this run or
    /// another).
    pub confirmed: Vec<Dispatch>,
}

fn from_json<T: for<'de> Deserialize<'de>>(v: &serde_json::Value) -> Result<T, AppError> {
    crate::from_json(v, "a stored dispatch run")
}

/// Solves the prefecture's month as the register now stands and keeps the run.
pub async fn solve_month(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    month: Month,
    effort: Effort,
) -> Result<DispatchRun, AppError> {
    require_plan(who, pref)?;
    let reg = read_register(store, pref, month).await?;
    let input = problem(store, &reg, pref, month).await?;
    if input.problem.requests.is_empty() {
        return Err(rejected(
            format!("{} に募集中の依頼がありません", month.label(Lang::Ja)),
            format!("there are no open requests in {}", month.label(Lang::En)),
        ));
    }
    let p = input.problem.clone();
    let limits = effort.limits;
    let plan = tokio::task::spawn_blocking(move || dp::solve(&p, &limits))
        .await
        .map_err(|e| AppError::Internal(format!("the dispatch solver stopped: {e}")))?;
    let run = DispatchRun {
        pref,
        seq: 0,
        month: month.first(),
        input: crate::to_json(&input)?,
        result: crate::to_json(&plan)?,
        summary: crate::to_json(&plan.figures)?,
        created_by: who.actor().to_string(),
        created_at: Utc::now(),
    };
    store
        .add_dispatch_run(who.actor(), &run)
        .await
        .map_err(said)
}

/// A run in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub seq: u32,
    pub month: Month,
    pub figures: dp::Figures,
    pub created_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// The prefecture's runs, newest first.
pub async fn runs(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
) -> Result<Vec<RunRow>, AppError> {
    require_read(who, pref)?;
    let mut rows = Vec::new();
    for r in store.list_dispatch_runs(pref).await? {
        rows.push(RunRow {
            seq: r.seq,
            month: Month::of(r.month),
            figures: from_json(&r.summary)?,
            created_by: r.created_by,
            created_at: r.created_at,
        });
    }
    rows.reverse();
    Ok(rows)
}

/// One run with its problem and plan.
pub async fn run(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
) -> Result<Run, AppError> {
    require_read(who, pref)?;
    let run = store.get_dispatch_run(pref, seq).await?.ok_or_else(|| {
        rejected(
            format!("派遣計算 {seq} はありません"),
            format!("there is no dispatch run {seq}"),
        )
    })?;
    let input: RunInput = from_json(&run.input)?;
    let plan: Plan = from_json(&run.result)?;
    let ids: Vec<u64> = input
        .problem
        .requests
        .iter()
        .filter_map(|r| r.id.parse().ok())
        .collect();
    let month = Month::of(run.month);
    let confirmed = store
        .list_dispatches(&DispatchFilter {
            pref: Some(pref),
            from: Some(month.first()),
            until: Some(month.next()),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|d| ids.contains(&d.request))
        .collect();
    Ok(Run {
        run,
        input,
        plan,
        confirmed,
    })
}

/// Confirms every dispatch of a run, all or nothing, after checking them again against the
/// register as it now stands. Returns how many were confirmed.
pub async fn confirm(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
) -> Result<usize, AppError> {
    require_plan(who, pref)?;
    let r = run(store, who, pref, seq).await?;
    if r.plan.assignments.is_empty() {
        return Err(rejected(
            format!("派遣計算 {seq} には派遣がありません"),
            format!("dispatch run {seq} sends nobody"),
        ));
    }
    if r.confirmed.iter().any(|d| d.run == seq) {
        return Err(rejected(
            format!("派遣計算 {seq} は確定済みです"),
            format!("dispatch run {seq} is confirmed already"),
        ));
    }
    let month = Month::of(r.run.month);
    let reg = read_register(store, pref, month).await?;
    let now = problem(store, &reg, pref, month).await?;
    let wrong = dp::recheck(&now.problem, &r.plan.assignments);
    if !wrong.is_empty() {
        let shown = wrong.iter().take(5);
        let ja: Vec<&str> = shown.clone().map(|m| m.ja.as_str()).collect();
        let en: Vec<&str> = shown.map(|m| m.en.as_str()).collect();
        return Err(rejected(
            format!(
                "計算 {seq} の後に台帳が変わったため確定できません（{}{}）。もう一度計算してください",
                ja.join("、"),
                if wrong.len() > 5 { "ほか" } else { "" }
            ),
            format!(
                "the register changed after run {seq}, so it cannot be confirmed ({}{}): solve the month again",
                en.join("; "),
                if wrong.len() > 5 { "; and more" } else { "" }
            ),
        ));
    }
    let at = Utc::now();
    let mut list = Vec::new();
    for a in &r.plan.assignments {
        let (Ok(request), Ok(doctor)) = (a.request.parse::<u64>(), DoctorId::parse(&a.doctor))
        else {
            return Err(AppError::Internal(format!(
                "run {seq} names request {} or doctor {} that do not read",
                a.request, a.doctor
            )));
        };
        list.push(Dispatch {
            request,
            doctor,
            run: seq,
            travel_minutes: a.travel_minutes,
            worked_minutes: None,
            confirmed_by: who.actor().to_string(),
            confirmed_at: at,
        });
    }
    store
        .confirm_dispatches(who.actor(), pref, seq, &list)
        .await
        .map_err(|e| match e {
            StoreError::Closed { what } => rejected(
                format!("{what} は他の確定で埋まったか取り消されました。もう一度計算してください"),
                format!("{what} was filled or cancelled meanwhile: solve the month again"),
            ),
            other => said(other),
        })?;
    Ok(list.len())
}

/// Records the minutes actually worked during a permitted night duty or on call.
pub async fn record_worked(
    store: &dyn Store,
    who: &Principal,
    request: u64,
    minutes: i64,
) -> Result<(), AppError> {
    let r = get_request(store, request).await?;
    let sent = store
        .list_dispatches(&DispatchFilter {
            pref: Some(r.pref),
            from: Some(r.start.date()),
            until: Some(r.start.date() + Duration::days(1)),
            ..Default::default()
        })
        .await?
        .into_iter()
        .find(|d| d.request == request)
        .ok_or_else(|| {
            rejected(
                format!("依頼 {request} には確定した派遣がありません"),
                format!("request {request} has no confirmed dispatch"),
            )
        })?;
    let ok = match who.role {
        Role::Doctor => who.doctor.as_ref() == Some(&sent.doctor),
        Role::Facility => who.facility.as_ref() == Some(&r.facility),
        _ => who.may_write(r.pref),
    };
    if !ok {
        return Err(denied());
    }
    if !(0..=(r.end - r.start).num_minutes()).contains(&minutes) {
        return Err(rejected(
            format!("実働 {minutes} 分は勤務の長さを超えているか負です"),
            format!("{minutes} minutes worked is negative or longer than the duty"),
        ));
    }
    store
        .record_worked(who.actor(), request, minutes)
        .await
        .map_err(said)
}

// ---------------------------------------------------------------------------------------
// A doctor's own view.

/// A dispatch as its doctor sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MyDispatch {
    pub dispatch: Dispatch,
    pub request: DispatchRequest,
    pub facility_name: String,
}

/// The doctor's confirmed dispatches from `from` on.
pub async fn dispatches_of(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    from: Option<NaiveDate>,
) -> Result<Vec<MyDispatch>, AppError> {
    let d = get_doctor(store, doctor).await?;
    require_own_or_centre(who, &d)?;
    let filter = DispatchFilter {
        pref: Some(d.pref),
        from,
        doctor: Some(d.id.clone()),
        ..Default::default()
    };
    let list = store.list_dispatches(&filter).await?;
    let mut names = Names::default();
    let mut out = Vec::new();
    for x in list {
        let request = get_request(store, x.request).await?;
        let (facility_name, _) = names.facility(store, &request.facility).await?;
        out.push(MyDispatch {
            dispatch: x,
            request,
            facility_name,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Hours against the caps.

/// A doctor's overtime in a month and its fiscal year against the caps, dispatches included.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorHours {
    pub doctor: DoctorId,
    pub name: String,
    pub level: WorkHourLevel,
    pub dispatches: usize,
    pub month_minutes: i64,
    pub year_minutes: i64,
    /// Minutes left to the month's planning cap (the interview threshold, or the action
    /// threshold once an interview is held) and to the level's annual cap.
    pub month_left: i64,
    pub year_left: i64,
    pub interviewed: bool,
    /// What the hours checker finds on the timeline (breaches, warnings, notices).
    pub findings: Vec<Breach>,
}

impl DoctorHours {
    /// The worst finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .map(|b| b.severity)
            .min_by_key(|s| match s {
                Severity::Breach => 0,
                Severity::Action => 1,
                Severity::Warning => 2,
                Severity::Due => 3,
            })
    }
}

fn hours_of(reg: &Register, d: &Doctor, month: Month) -> DoctorHours {
    let rules = Rules::mhlw_2024();
    let t = timeline(reg, d, month);
    let w = hours::worked(&t, month.first(), None);
    let room = hours::headroom(rules, &t, month.first(), None);
    let findings = hours::check(rules, &t, month.first());
    DoctorHours {
        doctor: d.id.clone(),
        name: d.name.to_string(),
        level: d.work_hour_level,
        dispatches: t
            .duties
            .iter()
            .filter(|x| Month::of(x.start.date()) == month)
            .count(),
        month_minutes: w.month,
        year_minutes: w.year,
        month_left: room.month,
        year_left: room.year,
        interviewed: !t.interviews.is_empty(),
        findings,
    }
}

/// Every doctor of the prefecture with hours reported or a dispatch in the month.
pub async fn hours_month(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    month: Month,
) -> Result<Vec<DoctorHours>, AppError> {
    require_read(who, pref)?;
    let reg = read_register(store, pref, month).await?;
    let mut ids: Vec<&DoctorId> = reg
        .reports
        .iter()
        .map(|r| &r.doctor)
        .chain(
            reg.dispatched
                .iter()
                .filter(|(_, r)| Month::of(r.start.date()) == month)
                .map(|(d, _)| &d.doctor),
        )
        .chain(
            reg.loans
                .iter()
                .filter(|l| l.month(month.first()).is_some())
                .filter_map(|l| l.doctor.as_ref()),
        )
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids
        .into_iter()
        .filter_map(|id| reg.base.doctors.get(id))
        .map(|d| hours_of(&reg, d, month))
        .collect())
}

/// One doctor's hours in the month (the doctor, or the centre).
pub async fn my_hours(
    store: &dyn Store,
    who: &Principal,
    doctor: &DoctorId,
    month: Month,
) -> Result<(DoctorHours, Vec<HoursReport>), AppError> {
    let d = get_doctor(store, doctor).await?;
    require_own_or_centre(who, &d)?;
    let reg = read_register(store, d.pref, month).await?;
    let reports = reg
        .reports
        .iter()
        .filter(|r| r.doctor == d.id)
        .cloned()
        .collect();
    Ok((hours_of(&reg, &d, month), reports))
}

// ---------------------------------------------------------------------------------------
// Statistics.

/// Dispatch-days of a duty: one per started day (a night duty is one, a weekend's 48 hours
/// are two), as dispatch organisations report them.
pub fn dispatch_days(r: &DispatchRequest) -> i64 {
    let minutes = (r.end - r.start).num_minutes().max(1);
    (minutes + 24 * 60 - 1) / (24 * 60)
}

/// Counts in one line of the statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub requests: usize,
    pub filled: usize,
    pub open: usize,
    pub cancelled: usize,
    /// Dispatch-days of the filled requests.
    pub days: i64,
    /// Hours of the filled requests.
    pub hours: f64,
}

impl Counts {
    fn add(&mut self, r: &DispatchRequest) {
        self.requests += 1;
        match r.state {
            RequestState::Open => self.open += 1,
            RequestState::Cancelled => self.cancelled += 1,
            RequestState::Filled => {
                self.filled += 1;
                self.days += dispatch_days(r);
                self.hours += (r.end - r.start).num_minutes() as f64 / 60.0;
            }
        }
    }

    /// Filled over requested, cancelled ones aside.
    pub fn fill_rate(&self) -> Option<f64> {
        let asked = self.requests - self.cancelled;
        (asked > 0).then(|| self.filled as f64 / asked as f64)
    }
}

/// A line of the statistics: a key and its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatLine {
    pub key: String,
    pub label: String,
    pub counts: Counts,
}

/// A fiscal year's dispatch in a prefecture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub pref: PrefCode,
    pub year: FiscalYear,
    pub total: Counts,
    pub by_month: Vec<StatLine>,
    pub by_area: Vec<StatLine>,
    pub by_facility: Vec<StatLine>,
    pub by_kind: Vec<StatLine>,
    pub by_urgency: Vec<StatLine>,
    /// Dispatch-days and dispatches per doctor sent.
    pub by_doctor: Vec<StatLine>,
}

/// The fiscal year's statistics of the prefecture.
pub async fn stats(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    year: FiscalYear,
) -> Result<Stats, AppError> {
    require_read(who, pref)?;
    let filter = DispatchFilter {
        pref: Some(pref),
        from: Some(year.start()),
        until: Some(year.end() + Duration::days(1)),
        ..Default::default()
    };
    let requests = store.list_dispatch_requests(&filter).await?;
    let sent: HashMap<u64, DoctorId> = store
        .list_dispatches(&filter)
        .await?
        .into_iter()
        .map(|d| (d.request, d.doctor))
        .collect();
    let reg = crate::placement::register(store, pref).await?;
    let mut total = Counts::default();
    let mut month: BTreeMap<String, Counts> = BTreeMap::new();
    let mut area: BTreeMap<String, Counts> = BTreeMap::new();
    let mut facility: BTreeMap<String, Counts> = BTreeMap::new();
    let mut kind: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let mut urgency: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let mut doctor: BTreeMap<String, Counts> = BTreeMap::new();
    let mut area_of: HashMap<String, String> = HashMap::new();
    let mut facility_name: HashMap<String, String> = HashMap::new();
    for r in &requests {
        total.add(r);
        month
            .entry(Month::of(r.start.date()).to_string())
            .or_default()
            .add(r);
        let (a, n) = match reg.facilities.get(&r.facility) {
            Some(f) => (f.area.to_string(), f.name.to_string()),
            None => (String::new(), r.facility.to_string()),
        };
        area_of.insert(r.facility.to_string(), a.clone());
        facility_name.insert(r.facility.to_string(), n);
        area.entry(a).or_default().add(r);
        facility.entry(r.facility.to_string()).or_default().add(r);
        kind.entry(r.kind.code()).or_default().add(r);
        urgency.entry(r.urgency.code()).or_default().add(r);
        if let Some(d) = sent.get(&r.id) {
            doctor.entry(d.to_string()).or_default().add(r);
        }
    }
    let lines = |m: BTreeMap<String, Counts>, label: &dyn Fn(&str) -> String| -> Vec<StatLine> {
        m.into_iter()
            .map(|(key, counts)| StatLine {
                label: label(&key),
                key,
                counts,
            })
            .collect()
    };
    let area_name = |k: &str| -> String {
        chiiki_domain::AreaCode::parse(k)
            .ok()
            .and_then(|c| reg.area_names.get(&c).cloned())
            .unwrap_or_else(|| k.to_string())
    };
    let statics = |m: BTreeMap<&'static str, Counts>| -> BTreeMap<String, Counts> {
        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    };
    let kind_label = |k: &str| {
        DutyKind::parse(k)
            .map(|x| x.label(Lang::Ja).to_string())
            .unwrap_or_else(|_| k.to_string())
    };
    let urgency_label = |k: &str| {
        Urgency::parse(k)
            .map(|x| x.label(Lang::Ja).to_string())
            .unwrap_or_else(|_| k.to_string())
    };
    let doctor_name = |k: &str| {
        DoctorId::parse(k)
            .ok()
            .and_then(|id| reg.doctors.get(&id))
            .map(|d| d.name.to_string())
            .unwrap_or_else(|| k.to_string())
    };
    let mut by_facility = lines(facility, &|k| {
        facility_name
            .get(k)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    });
    by_facility.sort_by(|a, b| b.counts.days.cmp(&a.counts.days).then(a.key.cmp(&b.key)));
    let mut by_doctor = lines(doctor, &doctor_name);
    by_doctor.sort_by(|a, b| b.counts.days.cmp(&a.counts.days).then(a.key.cmp(&b.key)));
    Ok(Stats {
        pref,
        year,
        total,
        by_month: lines(month, &|k| k.to_string()),
        by_area: lines(area, &area_name),
        by_facility,
        by_kind: lines(statics(kind), &kind_label),
        by_urgency: lines(statics(urgency), &urgency_label),
        by_doctor,
    })
}

fn count_cells(c: &Counts) -> Vec<Cell> {
    vec![
        Cell::Number(c.requests as f64),
        Cell::Number(c.filled as f64),
        Cell::Number(c.open as f64),
        Cell::Number(c.cancelled as f64),
        Cell::Number(c.days as f64),
        Cell::Number((c.hours * 10.0).round() / 10.0),
        match c.fill_rate() {
            Some(x) => Cell::Number((x * 1000.0).round() / 1000.0),
            None => Cell::Empty,
        },
    ]
}

/// The statistics as sheets (one per breakdown), in the language asked for.
pub fn stats_sheets(s: &Stats, lang: Lang) -> Vec<Sheet> {
    let ja = lang == Lang::Ja;
    let counts: &[&str] = if ja {
        &[
            "依頼",
            "派遣決定",
            "募集中",
            "取消",
            "派遣日数",
            "派遣時間",
            "充足率",
        ]
    } else {
        &[
            "requests",
            "filled",
            "open",
            "cancelled",
            "dispatch_days",
            "hours",
            "fill_rate",
        ]
    };
    let sheet = |name: (&str, &str), key: (&str, &str), lines: &[StatLine]| {
        let mut headers = vec![
            (if ja { key.0 } else { key.1 }).to_string(),
            (if ja { "名称" } else { "name" }).to_string(),
        ];
        headers.extend(counts.iter().map(|h| h.to_string()));
        Sheet {
            name: (if ja { name.0 } else { name.1 }).to_string(),
            headers,
            rows: lines
                .iter()
                .map(|l| {
                    let mut row = vec![Cell::Text(l.key.clone()), Cell::Text(l.label.clone())];
                    row.extend(count_cells(&l.counts));
                    row
                })
                .collect(),
        }
    };
    let total = StatLine {
        key: s.pref.to_string(),
        label: if ja {
            format!("{} {}年度", s.pref.name_ja(), s.year.year())
        } else {
            format!("{} FY{}", s.pref.name_en(), s.year.year())
        },
        counts: s.total.clone(),
    };
    vec![
        sheet(("合計", "total"), ("都道府県", "pref"), &[total]),
        sheet(("月別", "by month"), ("月", "month"), &s.by_month),
        sheet(("二次医療圏別", "by area"), ("医療圏", "area"), &s.by_area),
        sheet(
            ("施設別", "by facility"),
            ("施設ID", "facility"),
            &s.by_facility,
        ),
        sheet(("種類別", "by kind"), ("種類", "kind"), &s.by_kind),
        sheet(
            ("緊急度別", "by urgency"),
            ("緊急度", "urgency"),
            &s.by_urgency,
        ),
        sheet(("医師別", "by doctor"), ("医師ID", "doctor"), &s.by_doctor),
    ]
}

/// The month's hours as a sheet.
pub fn hours_sheet(rows: &[DoctorHours], lang: Lang) -> Sheet {
    let ja = lang == Lang::Ja;
    let h = |m: i64| Cell::Number((m as f64 / 6.0).round() / 10.0);
    Sheet {
        name: (if ja { "時間外労働" } else { "overtime" }).to_string(),
        headers: if ja {
            [
                "医師ID",
                "氏名",
                "水準",
                "派遣",
                "当月（時間）",
                "年度累計（時間）",
                "当月残（時間）",
                "年度残（時間）",
                "面接指導",
                "指摘",
            ]
        } else {
            [
                "doctor",
                "name",
                "level",
                "dispatches",
                "month_hours",
                "year_hours",
                "month_left_hours",
                "year_left_hours",
                "interviewed",
                "findings",
            ]
        }
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|d| {
                vec![
                    Cell::Text(d.doctor.to_string()),
                    Cell::Text(d.name.clone()),
                    Cell::Text(d.level.label(lang).to_string()),
                    Cell::Number(d.dispatches as f64),
                    h(d.month_minutes),
                    h(d.year_minutes),
                    h(d.month_left),
                    h(d.year_left),
                    Cell::Bool(d.interviewed),
                    Cell::Text(
                        d.findings
                            .iter()
                            .map(|b| {
                                if ja {
                                    b.message.ja.clone()
                                } else {
                                    b.message.en.clone()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" / "),
                    ),
                ]
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The demo.

/// What [`demo`] made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoFigures {
    pub requests: usize,
    pub offers: usize,
    pub reports: usize,
    pub runs: usize,
    pub dispatches: usize,
}

/// The demo's dispatch, made once (nothing when the demo prefecture has runs already): for
/// every month of the fiscal year up to `today`'s, synthetic requests from the demo's clinics
/// (one in five a clinic with beds, asking for night duty too), offers and hours from the
/// synthetic doctors working in the prefecture, solved and confirmed as the centre would;
/// and for the next month, requests, offers and hours left for the coordinator to solve.
pub async fn demo(
    store: &dyn Store,
    today: NaiveDate,
    effort: Effort,
) -> Result<DemoFigures, AppError> {
    use dp::generate::{Person, Site};
    let pref = crate::demo::iwate();
    let mut figures = DemoFigures::default();
    // Made once: nothing when the prefecture has any dispatch already (even an interrupted
    // demo's requests), so that a retry never writes them twice.
    let any = DispatchFilter {
        pref: Some(pref),
        ..Default::default()
    };
    if !store.list_dispatch_requests(&any).await?.is_empty()
        || !store.list_dispatch_runs(pref).await?.is_empty()
    {
        return Ok(figures);
    }
    let system = Principal::system("demo");
    let reg = crate::placement::register(store, pref).await?;
    let mut sites: Vec<Site> = reg
        .facilities
        .values()
        .filter(|f| f.synthetic && f.id.as_str().starts_with("DEMO-C"))
        .filter_map(|f| {
            f.coordinates.map(|c| Site {
                id: f.id.to_string(),
                name: f.name.to_string(),
                area: f.area.to_string(),
                location: c,
                island: false,
                snow: false,
                hospital: false,
            })
        })
        .collect();
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    for (i, s) in sites.iter_mut().enumerate() {
        s.hospital = i % 5 == 0;
    }
    let view = Register {
        base: reg,
        dispatched: Vec::new(),
        rostered: Vec::new(),
        reports: Vec::new(),
        loans: Vec::new(),
    };
    let first = Month::of(FiscalYear::of(today).start());
    let last = Month::of(today).following();
    let mut month = first;
    let mut seed = 2024_u64;
    while month <= last {
        let mut people: Vec<Person> = view
            .base
            .doctors
            .values()
            .filter(|d| d.synthetic && d.graduation_date < month.first())
            .filter(|d| {
                view.base.assignments.get(&d.id).is_some_and(|l| {
                    l.iter().any(|a| {
                        a.period.contains(month.first())
                            && a.kind != chiiki_domain::AssignmentKind::InitialResidency
                    })
                })
            })
            .filter_map(|d| {
                let f = workplace(&view, &d.id, month.first())?;
                let home = view.base.facilities.get(f)?.coordinates?;
                Some(Person {
                    id: d.id.to_string(),
                    home,
                    level: d.work_hour_level,
                    employer: f.to_string(),
                    source: dp::Source::Obligated,
                })
            })
            .collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        seed += 1;
        let generated = dp::generate::month(month.first(), &sites, &people, seed);
        for r in &generated.requests {
            let Ok(facility) = FacilityId::parse(&r.facility) else {
                continue;
            };
            let request = DispatchRequest {
                id: 0,
                pref,
                facility,
                kind: r.kind,
                start: r.start,
                end: r.end,
                // Only paediatric requests ask for a specialty: any doctor covers a clinic day.
                skills: r
                    .skills
                    .iter()
                    .filter(|s| s.as_str() == Specialty::Pediatrics.label(Lang::Ja))
                    .cloned()
                    .collect(),
                urgency: r.urgency,
                note: "架空の依頼（デモ） / synthetic demo request".into(),
                state: RequestState::Open,
                requested_by: "demo".into(),
                requested_at: Utc::now(),
            };
            store.put_dispatch_request("demo", &request).await?;
            figures.requests += 1;
        }
        for d in &generated.doctors {
            let Ok(doctor) = DoctorId::parse(&d.id) else {
                continue;
            };
            let mut until = None;
            for o in &d.offers {
                if until.is_some_and(|u| o.from < u) {
                    continue;
                }
                until = Some(o.to);
                let offer = DispatchOffer {
                    id: 0,
                    doctor: doctor.clone(),
                    from: o.from,
                    to: o.to,
                    base: None,
                    note: String::new(),
                    offered_at: Utc::now(),
                };
                store.put_offer("demo", &offer).await?;
                figures.offers += 1;
            }
            for b in &d.timeline.baseline {
                let report = HoursReport {
                    doctor: doctor.clone(),
                    employer: b.employer.clone(),
                    month: month.first(),
                    month_minutes: b.month,
                    year_minutes: b.year,
                    interview: d.timeline.interviews.first().copied(),
                    reported_by: "demo".into(),
                    reported_at: Utc::now(),
                };
                store.put_hours("demo", &report).await?;
                figures.reports += 1;
            }
        }
        if month < last {
            let run = solve_month(store, &system, pref, month, effort.clone()).await?;
            figures.runs += 1;
            let solved: dp::Figures = from_json(&run.summary)?;
            if solved.filled > 0 {
                figures.dispatches += confirm(store, &system, pref, run.seq).await?;
            }
        }
        month = month.following();
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::Username;
    use chiiki_store::testing;

    fn who(role: Role, facility: Option<&str>, doctor: Option<&str>) -> Principal {
        Principal {
            alliance: None,
            username: Username::parse(&format!("{}-user", role.code())).unwrap(),
            display_name: "test".into(),
            role,
            pref: Some(crate::demo::iwate()),
            facility: facility.map(|f| FacilityId::parse(f).unwrap()),
            doctor: doctor.map(|d| DoctorId::parse(d).unwrap()),
        }
    }

    const KAMAISHI: &str = "R7-0306-14";
    /// The demo doctor is at graduate school (outside the register's facilities): they set
    /// out from the university hospital.
    const UNIVERSITY: &str = "R7-0301-14";

    fn offering(doctor: &DoctorId, from: NaiveDateTime, to: NaiveDateTime) -> OfferInput {
        OfferInput {
            doctor: doctor.clone(),
            from,
            to,
            base: Some(FacilityId::parse(UNIVERSITY).unwrap()),
            note: String::new(),
        }
    }
    const DOCTOR: &str = "DEMO-2018-001";

    fn coordinator() -> Principal {
        who(Role::Coordinator, None, None)
    }

    fn effort() -> Effort {
        Effort {
            limits: Limits {
                time_limit: std::time::Duration::from_millis(400),
                seed: 3,
                threads: 1,
            },
        }
    }

    /// A weekday clinic day, 08:30–17:15, from the 10th of the month after next (the day
    /// after it is in the same month too).
    fn ahead() -> (NaiveDateTime, NaiveDateTime) {
        let month = Month::of(Utc::now().date_naive()).following().following();
        let mut day = month.first() + Duration::days(9);
        while day.weekday().num_days_from_monday() >= 5 {
            day += Duration::days(1);
        }
        let at = |h, m| day.and_hms_opt(h, m, 0).unwrap();
        (at(8, 30), at(17, 15))
    }

    fn ask(facility: &str) -> RequestInput {
        let (start, end) = ahead();
        RequestInput {
            facility: FacilityId::parse(facility).unwrap(),
            kind: DutyKind::ClinicDay,
            start,
            end,
            skills: vec![],
            urgency: Urgency::Urgent,
            note: "外来代診".into(),
        }
    }

    /// The capability end to end: a facility asks, a doctor offers and reports hours, the
    /// coordinator solves and confirms, the doctor sees the dispatch, the hours and the
    /// statistics count it.
    #[tokio::test]
    async fn a_request_is_asked_solved_confirmed_seen_and_counted() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let pref = crate::demo::iwate();
        let facility = who(Role::Facility, Some(KAMAISHI), None);
        let doctor = who(Role::Doctor, None, Some(DOCTOR));
        let me = DoctorId::parse(DOCTOR).unwrap();

        let request = submit(store, &facility, ask(KAMAISHI)).await.unwrap();
        assert_eq!(request.state, RequestState::Open);
        assert_eq!(request.pref, pref);
        let month = Month::of(request.start.date());
        let (from, to) = (
            request.start - Duration::hours(2),
            request.end + Duration::hours(3),
        );
        // Without a base, the doctor at graduate school cannot be sent: left out, and why.
        let mut nowhere = offering(&me, from, to);
        nowhere.base = None;
        let o = offer(store, &doctor, nowhere).await.unwrap();
        let run = solve_month(store, &coordinator(), pref, month, effort())
            .await
            .unwrap();
        let left = super::run(store, &coordinator(), pref, run.seq)
            .await
            .unwrap()
            .input
            .left_out;
        assert!(
            left.iter()
                .any(|l| l.what == DOCTOR && l.reason.en.contains("no base in the offers")),
            "{left:?}"
        );
        withdraw(store, &doctor, &me, o.id).await.unwrap();
        offer(store, &doctor, offering(&me, from, to))
            .await
            .unwrap();
        // Offering the same time twice is refused, naming the first offer.
        let e = offer(store, &doctor, offering(&me, from, to))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("overlaps offer"), "{e}");
        report_hours(
            store,
            &doctor,
            HoursInput {
                doctor: me.clone(),
                employer: "R7-0301-01".into(),
                month,
                month_hours: 20.0,
                year_hours: 300.0,
                interview: None,
            },
        )
        .await
        .unwrap();

        let run = solve_month(store, &coordinator(), pref, month, effort())
            .await
            .unwrap();
        let solved = super::run(store, &coordinator(), pref, run.seq)
            .await
            .unwrap();
        let sent: Vec<_> = solved
            .plan
            .assignments
            .iter()
            .filter(|a| a.request == request.id.to_string())
            .collect();
        assert_eq!(
            sent.len(),
            1,
            "{:?} {:?}",
            solved.plan.unfilled,
            solved.input.left_out
        );
        assert_eq!(sent[0].doctor, DOCTOR);
        assert!(solved.confirmed.is_empty());

        assert_eq!(
            confirm(store, &coordinator(), pref, run.seq).await.unwrap(),
            1
        );
        // Confirming twice is refused, saying so.
        let e = confirm(store, &coordinator(), pref, run.seq)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("confirmed already"), "{e}");

        let rows = requests(store, &facility, pref, Some(month)).await.unwrap();
        let row = rows.iter().find(|r| r.request.id == request.id).unwrap();
        assert_eq!(row.request.state, RequestState::Filled);
        assert_eq!(row.doctor.as_ref().map(|d| d.0.as_str()), Some(DOCTOR));

        let mine = dispatches_of(store, &doctor, &me, None).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].request.id, request.id);
        assert!(mine[0].facility_name.contains("釜石"));

        let (hours, reports) = my_hours(store, &doctor, &me, month).await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(hours.dispatches, 1);
        // 20 h reported + the 8 h 45 min clinic day.
        assert_eq!(hours.month_minutes, 20 * 60 + 525);
        assert_eq!(hours.year_minutes, 300 * 60 + 525);
        let all = hours_month(store, &coordinator(), pref, month)
            .await
            .unwrap();
        assert!(all.iter().any(|h| h.doctor == me && h.dispatches == 1));

        let s = stats(store, &coordinator(), pref, FiscalYear::of(month.first()))
            .await
            .unwrap();
        assert_eq!(s.total.filled, 1);
        assert_eq!(s.total.days, 1);
        let kamaishi = s.by_facility.iter().find(|l| l.key == KAMAISHI).unwrap();
        assert_eq!(kamaishi.counts.filled, 1);
        assert!((kamaishi.counts.hours - 8.75).abs() < 1e-9);
        let sheets = stats_sheets(&s, Lang::Ja);
        assert_eq!(sheets.len(), 7);
        assert!(
            sheets
                .iter()
                .all(|sh| sh.rows.iter().all(|r| r.len() == sh.headers.len()))
        );
    }

    fn denied<T>(r: Result<T, AppError>) -> bool {
        matches!(r, Err(AppError::Denied(_)))
    }

    /// Least privilege: each role does only its own part.
    #[tokio::test]
    async fn roles_do_only_their_part() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let pref = crate::demo::iwate();
        let facility = who(Role::Facility, Some(KAMAISHI), None);
        let doctor = who(Role::Doctor, None, Some(DOCTOR));
        let auditor = who(Role::Auditor, None, None);
        // A facility asks only for itself; a doctor and an auditor not at all.
        assert!(denied(submit(store, &facility, ask("DEMO-C001")).await));
        assert!(denied(submit(store, &doctor, ask(KAMAISHI)).await));
        assert!(denied(submit(store, &auditor, ask(KAMAISHI)).await));
        // The centre asks for any facility of its prefecture.
        let r = submit(store, &coordinator(), ask("DEMO-C001"))
            .await
            .unwrap();
        // A facility cancels only its own.
        assert!(denied(cancel(store, &facility, r.id).await));
        // A doctor offers only for themself.
        let (s, e) = ahead();
        let other = DoctorId::parse("DEMO-2018-002").unwrap();
        assert!(denied(offer(store, &doctor, offering(&other, s, e)).await));
        assert!(denied(
            offer(store, &facility, offering(&other, s, e)).await
        ));
        // Solving and confirming are the centre's; the auditor reads.
        let month = Month::of(s.date());
        assert!(denied(
            solve_month(store, &facility, pref, month, effort()).await
        ));
        assert!(denied(
            solve_month(store, &auditor, pref, month, effort()).await
        ));
        assert!(denied(runs(store, &doctor, pref).await));
        assert!(runs(store, &auditor, pref).await.is_ok());
        assert!(denied(
            stats(store, &facility, pref, FiscalYear::of(s.date())).await
        ));
        // Another prefecture's coordinator sees nothing of Iwate's.
        let mut aomori = coordinator();
        aomori.pref = Some(PrefCode::new(2).unwrap());
        assert!(denied(runs(store, &aomori, pref).await));
        assert!(denied(submit(store, &aomori, ask("DEMO-C001")).await));
        // A doctor reads only their own dispatches and hours.
        assert!(denied(dispatches_of(store, &doctor, &other, None).await));
        assert!(denied(my_hours(store, &doctor, &other, month).await));
    }

    /// A run whose request was cancelled after solving is not confirmed, nor any of its other
    /// dispatches; solved again, it is.
    #[tokio::test]
    async fn a_stale_run_is_refused_whole() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let pref = crate::demo::iwate();
        let me = DoctorId::parse(DOCTOR).unwrap();
        let doctor = who(Role::Doctor, None, Some(DOCTOR));
        let a = submit(store, &coordinator(), ask(KAMAISHI)).await.unwrap();
        let mut later = ask(KAMAISHI);
        later.start += Duration::days(1);
        later.end += Duration::days(1);
        if later.start.weekday().num_days_from_monday() >= 5 {
            later.start += Duration::days(2);
            later.end += Duration::days(2);
        }
        let b = submit(store, &coordinator(), later).await.unwrap();
        for r in [&a, &b] {
            let o = offering(
                &me,
                r.start - Duration::hours(1),
                r.end + Duration::hours(1),
            );
            offer(store, &doctor, o).await.unwrap();
        }
        let month = Month::of(a.start.date());
        let first = solve_month(store, &coordinator(), pref, month, effort())
            .await
            .unwrap();
        let plan = super::run(store, &coordinator(), pref, first.seq)
            .await
            .unwrap()
            .plan;
        assert_eq!(plan.assignments.len(), 2, "{:?}", plan.unfilled);
        cancel(store, &coordinator(), a.id).await.unwrap();
        let e = confirm(store, &coordinator(), pref, first.seq)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("solve the month again"), "{e}");
        assert!(
            dispatches_of(store, &doctor, &me, None)
                .await
                .unwrap()
                .is_empty()
        );
        let second = solve_month(store, &coordinator(), pref, month, effort())
            .await
            .unwrap();
        assert_eq!(
            confirm(store, &coordinator(), pref, second.seq)
                .await
                .unwrap(),
            1
        );
        let mine = dispatches_of(store, &doctor, &me, None).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].request.id, b.id);
    }

    /// Bad input is refused with what to do: a past start, an unknown specialty, a facility
    /// without coordinates, hours out of range, a month that does not read.
    #[tokio::test]
    async fn bad_input_is_refused_with_its_fix() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let mut past = ask(KAMAISHI);
        past.start -= Duration::days(400);
        past.end -= Duration::days(400);
        let e = submit(store, &coordinator(), past).await.unwrap_err();
        assert!(e.to_string().contains("in the past"), "{e}");
        let mut skill = ask(KAMAISHI);
        skill.skills = vec!["魔法".into()];
        let e = submit(store, &coordinator(), skill).await.unwrap_err();
        assert!(e.to_string().contains("not a basic specialty"), "{e}");
        let mut long = ask(KAMAISHI);
        long.end = long.start + Duration::hours(60);
        let e = submit(store, &coordinator(), long).await.unwrap_err();
        assert!(e.to_string().contains("longer than 48 h"), "{e}");
        let e = report_hours(
            store,
            &coordinator(),
            HoursInput {
                doctor: DoctorId::parse(DOCTOR).unwrap(),
                employer: "R7-0301-01".into(),
                month: Month::parse("2026-12").unwrap(),
                month_hours: -1.0,
                year_hours: 3.0,
                interview: None,
            },
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("december").is_err());
        assert!(Month::parse("2026-12-garbage").is_err());
        assert!(Month::parse("2026-02-30").is_err());
        assert_eq!(Month::parse("2026-02-28").unwrap().to_string(), "2026-02");
        assert_eq!(Month::parse("2026/12").unwrap().to_string(), "2026-12");
        assert_eq!(
            Month::parse("2027-01-01").unwrap().previous().to_string(),
            "2026-12"
        );
    }

    /// The demo's dispatch: every past month solved and confirmed, no confirmed dispatch
    /// breaking a binding rule, statistics for the fiscal year.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_dispatch_is_lawful_and_counted() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        let f = demo(store, today, effort()).await.unwrap();
        assert_eq!(f.runs, 3, "{f:?}");
        assert!(
            f.requests > 100 && f.offers > 100 && f.dispatches > 50,
            "{f:?}"
        );
        // Made once.
        assert_eq!(
            demo(store, today, effort()).await.unwrap(),
            DemoFigures::default()
        );
        let pref = crate::demo::iwate();
        for m in ["2026-04", "2026-05", "2026-06"] {
            let month = Month::parse(m).unwrap();
            for h in hours_month(store, &coordinator(), pref, month)
                .await
                .unwrap()
            {
                assert!(
                    h.findings
                        .iter()
                        .all(|b| !matches!(b.severity, Severity::Breach)),
                    "{m} {}: {:?}",
                    h.doctor,
                    h.findings
                );
            }
        }
        let s = stats(store, &coordinator(), pref, FiscalYear::of(today))
            .await
            .unwrap();
        assert_eq!(s.total.filled, f.dispatches);
        assert_eq!(s.by_month.len(), 4);
        assert!(s.by_area.len() > 3);
        assert_eq!(
            s.by_area.iter().map(|l| l.counts.days).sum::<i64>(),
            s.total.days
        );
        // July's requests wait for the coordinator.
        let july = requests(
            store,
            &coordinator(),
            pref,
            Some(Month::parse("2026-07").unwrap()),
        )
        .await
        .unwrap();
        assert!(!july.is_empty());
        assert!(july.iter().all(|r| r.request.state == RequestState::Open));
    }

    /// A lent doctor's overtime at the borrower counts once in their hours: in the month, and
    /// in the fiscal year's total; a report under the loan's employer key replaces it.
    #[tokio::test]
    async fn a_lent_doctors_overtime_counts_once_in_their_hours() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let pref = crate::demo::iwate();
        let me = DoctorId::parse(DOCTOR).unwrap();
        let (may, june) = (
            Month::parse("2025-05").unwrap(),
            Month::parse("2025-06").unwrap(),
        );
        let hours = |month: Month| {
            let me = me.clone();
            async move { my_hours(store, &coordinator(), &me, month).await.unwrap().0 }
        };
        let (may0, june0) = (hours(may).await, hours(june).await);
        let id = crate::alliance::iwate_alliance(store).await;
        let loan =
            crate::alliance::test_loan(&id, "法人A", "法人B", Some(DOCTOR), &[(5, 1800), (6, 600)]);
        crate::alliance::record_loan(store, &coordinator(), loan)
            .await
            .unwrap();
        let may1 = hours(may).await;
        assert_eq!(may1.month_minutes - may0.month_minutes, 30 * 60);
        assert_eq!(may1.year_minutes - may0.year_minutes, 30 * 60);
        let june1 = hours(june).await;
        assert_eq!(june1.month_minutes - june0.month_minutes, 600);
        assert_eq!(june1.year_minutes - june0.year_minutes, 1800 + 600);
        // Once, also in the prefecture's list.
        let all = hours_month(store, &coordinator(), pref, may).await.unwrap();
        let mine: Vec<_> = all.iter().filter(|h| h.doctor == me).collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].month_minutes, may1.month_minutes);
        // The borrower reports June itself: the report wins over the ledger.
        report_hours(
            store,
            &coordinator(),
            HoursInput {
                doctor: me.clone(),
                employer: loan_employer(&chiiki_domain::Name::parse("法人B").unwrap()),
                month: june,
                month_hours: 5.0,
                year_hours: 40.0,
                interview: None,
            },
        )
        .await
        .unwrap();
        let june2 = hours(june).await;
        assert_eq!(june2.month_minutes - june0.month_minutes, 300);
        assert_eq!(june2.year_minutes - june0.year_minutes, 2400);
    }
}
