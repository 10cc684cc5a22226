//! Placement rounds: the annual placement of a prefecture's obligated doctors (配属先選定).
//!
//! A coordinator opens a round for a fiscal year with its caps and floors by secondary area
//! and the centre's priority rule; facilities enter how many doctors they request, doctors
//! rank the facilities. Each run builds the instance from what was entered — a facility's
//! own priority order or the centre's (obligation urgency, seniority, a lottery drawn from
//! the round's recorded seed), and each doctor's eligibility from their obligation rules
//! (the what-if evaluation of the post for the year) — solves it with a mechanism, has the
//! independent checker verify the mechanism's promises, and keeps input, result and figures
//! for good. The committee compares runs side by side and records its decision (who, when,
//! why) once; the decision creates the assignments of the new fiscal year.

use std::collections::{BTreeMap, HashMap, HashSet};

use chiiki_domain::{
    AreaCode, AreaLimit, Assignment, AssignmentFields, AssignmentId, AssignmentKind, Decision,
    Doctor, DoctorId, Entity, Facility, FacilityGroup, FacilityId, FiscalYear, Fte, Lang, Msg,
    NaiveDate, Name, Period, PostRequest, PrefCode, PreferenceList, PriorityRule, Rationale,
    Record, RegisterStatus, Role, Round, RoundId, Run, Workplace,
};
use chiiki_obligations::evaluate::{Eligibility, Status, evaluate, slack_days};
use chiiki_obligations::timeline::ServicePeriod;
use chiiki_placement::exchange;
use chiiki_placement::priority::{Standing, centre_order};
use chiiki_placement::{Algorithm, Instance, PromiseCheck, Summary};
use chiiki_store::{AssignmentFilter, DoctorFilter, FacilityFilter, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::access::{Permission, Principal};

pub(crate) fn rejected(ja: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Rejected(Msg::new(ja, en))
}

/// Store refusals (of rounds, of rotation plans) said to the user.
pub(crate) fn said(e: StoreError) -> AppError {
    match e {
        StoreError::RoundDecided { round } => rejected(
            format!("配属ラウンド {round} は決定済みです。入力・実行・決定はもう変更できません"),
            format!(
                "the placement round {round} is decided: its inputs, runs and decision can no longer change"
            ),
        ),
        StoreError::Exists { what } => rejected(
            format!("{what} はすでにあります"),
            format!("{what} already exists"),
        ),
        StoreError::Missing { what } => rejected(
            format!("{what} がありません"),
            format!("{what} does not exist"),
        ),
        StoreError::Refused(msg) => AppError::Rejected(msg),
        other => other.into(),
    }
}

/// The first day and the last day of a fiscal year.
pub fn fiscal_year_days(y: FiscalYear) -> (NaiveDate, NaiveDate) {
    (y.start(), y.end())
}

/// What a principal may do in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoundAccess {
    /// See everything entered, the runs and the decision.
    pub read_all: bool,
    /// Change settings, run, decide (a coordinator of the prefecture, an administrator).
    pub manage: bool,
}

fn access_to(who: &Principal, round: RoundId) -> Result<RoundAccess, AppError> {
    who.require(Permission::ReadRegister)?;
    if who.scope_pref().is_some_and(|p| p != round.pref()) {
        return Err(AppError::Denied(crate::access::Denied(Msg::new(
            "担当外の都道府県の配属ラウンドです",
            "this placement round is outside your prefecture",
        ))));
    }
    let staff = matches!(who.role, Role::Admin | Role::Coordinator | Role::Auditor);
    Ok(RoundAccess {
        read_all: staff,
        manage: who.can(Permission::WriteRegister),
    })
}

fn require_manage(who: &Principal, round: RoundId) -> Result<(), AppError> {
    if access_to(who, round)?.manage {
        Ok(())
    } else {
        Err(AppError::Denied(crate::access::Denied(Msg::new(
            "配属ラウンドを管理する権限がありません",
            "you are not allowed to manage placement rounds",
        ))))
    }
}

/// Whether the principal may open a round: a coordinator, for their prefecture.
pub fn may_open_rounds(who: &Principal) -> bool {
    who.pref.is_some() && who.can(Permission::WriteRegister)
}

/// The rounds the principal may see, newest year first.
pub async fn rounds(store: &dyn Store, who: &Principal) -> Result<Vec<Round>, AppError> {
    who.require(Permission::ReadRegister)?;
    Ok(store.list_rounds(who.scope_pref()).await?)
}

/// The settings of a round as entered in a form.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub title: Name,
    pub priority: PriorityRule,
    /// `None` draws a new seed (recorded).
    pub lottery_seed: Option<u64>,
    pub limits: Vec<AreaLimit>,
}

/// Opens the round of a prefecture for a fiscal year.
pub async fn open_round(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    year: FiscalYear,
    settings: Settings,
) -> Result<Round, AppError> {
    let id = RoundId::new(pref, year);
    require_manage(who, id)?;
    let round = Round {
        id,
        title: settings.title,
        priority: settings.priority,
        lottery_seed: match settings.lottery_seed {
            Some(seed) => seed,
            None => new_seed()?,
        },
        limits: settings.limits,
        created_by: who.actor().to_string(),
        created_at: chrono::Utc::now(),
    };
    round.validate().map_err(AppError::invalid)?;
    store
        .create_round(who.actor(), &round)
        .await
        .map_err(said)?;
    Ok(round)
}

/// A lottery seed drawn from the operating system's randomness.
fn new_seed() -> Result<u64, AppError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("random seed: {e}")))?;
    Ok(u64::from_le_bytes(b))
}

/// Changes a round's settings (before its decision). `made_from` is the round's version the
/// settings form was made from ([`round_version`]): when someone has saved other settings
/// since, nothing is written and the answer is [`AppError::Conflict`].
pub async fn update_round(
    store: &dyn Store,
    who: &Principal,
    id: RoundId,
    settings: Settings,
    made_from: Option<u64>,
) -> Result<Round, AppError> {
    require_manage(who, id)?;
    let mut round = store.get_round(id).await?.ok_or_else(|| {
        said(StoreError::Missing {
            what: id.to_string(),
        })
    })?;
    round.title = settings.title;
    round.priority = settings.priority;
    if let Some(seed) = settings.lottery_seed {
        round.lottery_seed = seed;
    }
    round.limits = settings.limits;
    round.validate().map_err(AppError::invalid)?;
    store
        .update_round(who.actor(), &round, made_from)
        .await
        .map_err(|e| match e {
            StoreError::Conflict {
                expected, found, ..
            } => AppError::Conflict(Msg::new(
                format!(
                    "配属ラウンド {id} の設定は、この画面を開いた後に他の利用者が変更しました（版 {expected} → {found}）。\
                     あなたの設定は保存していません。下に表示した現在の設定を確かめ、必要ならもう一度入力して保存してください。"
                ),
                format!(
                    "Someone else changed the settings of placement round {id} after you opened \
                     this page (version {expected}, now {found}). Your settings were not saved. \
                     Check the current settings shown below, then enter your change again if \
                     it is still needed."
                ),
            )),
            e => said(e),
        })?;
    Ok(round)
}

/// A round's version, for its settings form to carry ([`update_round`]).
pub async fn round_version(store: &dyn Store, id: RoundId) -> Result<Option<u64>, AppError> {
    Ok(store
        .version_of(&chiiki_store::Versioned::Round(id))
        .await?)
}

/// A facility's request with what the committee needs beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    pub request: PostRequest,
    pub facility_name: String,
    pub area: AreaCode,
    pub area_name: String,
    /// The class of the area in the published index (`shortage`, `intermediate`, `surplus`).
    pub class: &'static str,
    pub designated: bool,
}

/// A doctor expected in the round: enrolled, still owing service, without work in the
/// round's fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueDoctor {
    pub id: DoctorId,
    pub name: String,
    pub synthetic: bool,
    pub graduation_year: i32,
    pub scheme: String,
    pub status: String,
    pub slack_days: Option<i64>,
    pub has_preferences: bool,
}

/// A round as the principal may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundView {
    pub round: Round,
    pub access: RoundAccess,
    pub requests: Vec<RequestRow>,
    pub preferences: Vec<PreferenceList>,
    /// The centre's staff only.
    pub due: Vec<DueDoctor>,
    pub runs: Vec<Run>,
    pub decision: Option<Decision>,
    pub area_names: BTreeMap<AreaCode, String>,
    /// The names of the doctors with preferences (marked when synthetic), for the staff.
    pub doctor_names: HashMap<DoctorId, String>,
}

/// What the register holds for a prefecture, read once (a round's, a rotation plan's).
pub(crate) struct Register {
    pub(crate) doctors: HashMap<DoctorId, Doctor>,
    pub(crate) facilities: HashMap<FacilityId, Facility>,
    pub(crate) assignments: HashMap<DoctorId, Vec<Assignment>>,
    pub(crate) area_names: BTreeMap<AreaCode, String>,
}

pub(crate) async fn register(store: &dyn Store, pref: PrefCode) -> Result<Register, AppError> {
    let doctors = store
        .list_doctors(&DoctorFilter {
            pref: Some(pref),
            ..Default::default()
        })
        .await?
        .items;
    let mut facilities: HashMap<FacilityId, Facility> = store
        .list_facilities(&FacilityFilter {
            pref: Some(pref),
            ..Default::default()
        })
        .await?
        .items
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let list = store
        .list_assignments(&AssignmentFilter {
            pref: Some(pref),
            ..Default::default()
        })
        .await?;
    let refs: Vec<&Assignment> = list.iter().collect();
    crate::obligations::add_workplaces(store, &refs, &mut facilities).await?;
    let mut assignments: HashMap<DoctorId, Vec<Assignment>> = HashMap::new();
    for a in list {
        assignments.entry(a.doctor.clone()).or_default().push(a);
    }
    let area_names = store
        .list_areas(Some(pref))
        .await?
        .into_iter()
        .map(|a| (a.code, a.name.to_string()))
        .collect();
    Ok(Register {
        doctors: doctors.into_iter().map(|d| (d.id.clone(), d)).collect(),
        facilities,
        assignments,
        area_names,
    })
}

/// The class of each area in the published index.
fn classes() -> Result<HashMap<AreaCode, &'static str>, AppError> {
    Ok(crate::refdata::national()?
        .index
        .iter()
        .map(|i| (i.area, crate::analysis::published_class(i).code()))
        .collect())
}

/// A doctor's standing under their obligation as of the day before the round's year: the
/// evaluation (for urgency) and what each post would do.
struct Obligation<'a> {
    scheme: &'a chiiki_obligations::SchemeDefinition,
    timeline: chiiki_obligations::timeline::Timeline,
    status: Status,
    slack: Option<i64>,
}

fn obligation_of<'r>(
    registry: &'r chiiki_obligations::Registry,
    reg: &Register,
    d: &Doctor,
    shortage: &HashSet<AreaCode>,
    eve: NaiveDate,
) -> Option<Obligation<'r>> {
    let mine: Vec<&Assignment> = reg
        .assignments
        .get(&d.id)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    let timeline = crate::obligations::timeline_of(d, &mine, &reg.facilities, shortage)?;
    let scheme = crate::obligations::scheme_for(registry, &timeline).ok()?;
    let e = evaluate(scheme, &timeline, eve, Some(d.status));
    Some(Obligation {
        scheme,
        slack: slack_days(&e),
        status: e.status,
        timeline,
    })
}

/// Whether a doctor already has work (not leave) in the period.
fn busy_in(reg: &Register, d: &DoctorId, period: &Period) -> bool {
    reg.assignments.get(d).is_some_and(|v| {
        v.iter()
            .any(|a| a.period.overlaps(period) && !a.kind.is_leave())
    })
}

/// Whether service at the facility is designated service (a designated facility, or an
/// area classed as a shortage area).
fn designated_post(f: &Facility, shortage: &HashSet<AreaCode>) -> bool {
    f.group == Some(FacilityGroup::DesignatedShortage) || shortage.contains(&f.area)
}

/// Reads a round the principal may see.
async fn get_round(store: &dyn Store, id: RoundId) -> Result<Round, AppError> {
    store.get_round(id).await?.ok_or_else(|| {
        said(StoreError::Missing {
            what: format!("配属ラウンド / round {id}"),
        })
    })
}

/// A round with what the principal may see of it: the staff everything; a facility its own
/// request; a doctor their own preferences; both the decided outcome once there is one.
pub async fn round_view(
    store: &dyn Store,
    who: &Principal,
    id: RoundId,
) -> Result<RoundView, AppError> {
    let access = access_to(who, id)?;
    let round = get_round(store, id).await?;
    let reg = register(store, id.pref()).await?;
    let classes = classes()?;
    let shortage = crate::obligations::shortage_areas()?;
    // Everyone sees which facilities request doctors and how many; a facility's own
    // priority order and note only the staff and the facility itself.
    let requests: Vec<RequestRow> = store
        .list_requests(id)
        .await?
        .into_iter()
        .filter_map(|mut request| {
            let f = reg.facilities.get(&request.facility)?;
            if !access.read_all && who.facility.as_ref() != Some(&request.facility) {
                request.priority.clear();
                request.note = None;
            }
            Some(RequestRow {
                facility_name: f.name.to_string(),
                area: f.area,
                area_name: reg.area_names.get(&f.area).cloned().unwrap_or_default(),
                class: classes.get(&f.area).copied().unwrap_or(""),
                designated: designated_post(f, &shortage),
                request,
            })
        })
        .collect();
    let preferences: Vec<PreferenceList> = store
        .list_preferences(id)
        .await?
        .into_iter()
        .filter(|p| access.read_all || Some(&p.doctor) == who.doctor.as_ref())
        .collect();
    let mut due = Vec::new();
    if access.read_all {
        let registry = crate::obligations::registry()?;
        let (first, last) = fiscal_year_days(id.fiscal_year());
        let year = Period::new(first, Some(last)).map_err(AppError::invalid)?;
        let eve = first.pred_opt().unwrap_or(first);
        let with_lists: HashSet<&DoctorId> = preferences.iter().map(|p| &p.doctor).collect();
        let mut ids: Vec<&DoctorId> = reg.doctors.keys().collect();
        ids.sort();
        for did in ids {
            let d = &reg.doctors[did];
            if d.status != RegisterStatus::Active || busy_in(&reg, did, &year) {
                continue;
            }
            let Some(o) = obligation_of(registry, &reg, d, &shortage, eve) else {
                continue;
            };
            if matches!(
                o.status,
                Status::Completed | Status::Repaid | Status::Withdrawn | Status::Breached
            ) {
                continue;
            }
            due.push(DueDoctor {
                id: did.clone(),
                name: d.name.to_string(),
                synthetic: d.synthetic,
                graduation_year: FiscalYear::of(d.graduation_date).year(),
                scheme: o.scheme.name.ja.clone(),
                status: o.status.label_in(o.scheme, Lang::Ja),
                slack_days: o.slack,
                has_preferences: with_lists.contains(did),
            });
        }
    }
    let runs = if access.read_all {
        store.list_runs(id).await?
    } else {
        Vec::new()
    };
    let doctor_names = preferences
        .iter()
        .filter(|_| access.read_all)
        .filter_map(|p| {
            let d = reg.doctors.get(&p.doctor)?;
            let mark = if d.synthetic { "（架空）" } else { "" };
            Some((d.id.clone(), format!("{}{mark}", d.name)))
        })
        .collect();
    Ok(RoundView {
        decision: store.get_decision(id).await?,
        round,
        access,
        requests,
        preferences,
        due,
        runs,
        area_names: reg.area_names,
        doctor_names,
    })
}

/// A request as entered.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestInput {
    pub posts: u32,
    pub department: Option<Name>,
    pub priority: Vec<DoctorId>,
    pub note: Option<Name>,
}

fn may_act_for_facility(who: &Principal, round: RoundId, f: &FacilityId) -> Result<(), AppError> {
    let access = access_to(who, round)?;
    if access.manage || (who.role == Role::Facility && who.facility.as_ref() == Some(f)) {
        Ok(())
    } else {
        Err(AppError::Denied(crate::access::Denied(Msg::new(
            "この医療機関の要望を入力する権限がありません",
            "you may not enter this facility's request",
        ))))
    }
}

/// Enters (or replaces) a facility's request: the facility itself or the centre.
pub async fn put_request(
    store: &dyn Store,
    who: &Principal,
    round: RoundId,
    facility: FacilityId,
    input: RequestInput,
) -> Result<PostRequest, AppError> {
    may_act_for_facility(who, round, &facility)?;
    let f = match store.get(Entity::Facilities, facility.as_str()).await? {
        Some(Record::Facility(f)) if f.area.pref() == round.pref() => f,
        _ => {
            return Err(rejected(
                format!("医療機関 {facility} はこの都道府県の登録にありません"),
                format!("facility {facility} is not in this prefecture's register"),
            ));
        }
    };
    for d in &input.priority {
        match store.get(Entity::Doctors, d.as_str()).await? {
            Some(Record::Doctor(doc)) if doc.pref == round.pref() => {}
            _ => {
                return Err(rejected(
                    format!("優先順位の医師 {d} はこの都道府県の登録にありません"),
                    format!(
                        "the doctor {d} in the priority order is not in this prefecture's register"
                    ),
                ));
            }
        }
    }
    let request = PostRequest {
        round,
        facility: f.id.clone(),
        posts: input.posts,
        department: input.department,
        priority: input.priority,
        note: input.note,
        updated_by: who.actor().to_string(),
        updated_at: chrono::Utc::now(),
    };
    request.validate().map_err(AppError::invalid)?;
    store
        .put_request(who.actor(), &request)
        .await
        .map_err(said)?;
    Ok(request)
}

/// Withdraws a facility's request.
pub async fn withdraw_request(
    store: &dyn Store,
    who: &Principal,
    round: RoundId,
    facility: FacilityId,
) -> Result<bool, AppError> {
    may_act_for_facility(who, round, &facility)?;
    store
        .delete_request(who.actor(), round, &facility)
        .await
        .map_err(said)
}

/// Enters (or replaces) a doctor's preferences: the doctor themself or the centre. Every
/// facility must have a request in the round; the partner must be a doctor of the
/// prefecture.
pub async fn put_preferences(
    store: &dyn Store,
    who: &Principal,
    round: RoundId,
    doctor: DoctorId,
    facilities: Vec<FacilityId>,
    partner: Option<DoctorId>,
) -> Result<PreferenceList, AppError> {
    let access = access_to(who, round)?;
    if !(access.manage || (who.role == Role::Doctor && who.doctor.as_ref() == Some(&doctor))) {
        return Err(AppError::Denied(crate::access::Denied(Msg::new(
            "この医師の希望を入力する権限がありません",
            "you may not enter this doctor's preferences",
        ))));
    }
    let in_pref =
        |r: Option<Record>| matches!(r, Some(Record::Doctor(d)) if d.pref == round.pref());
    if !in_pref(store.get(Entity::Doctors, doctor.as_str()).await?) {
        return Err(rejected(
            format!("医師 {doctor} はこの都道府県の登録にありません"),
            format!("doctor {doctor} is not in this prefecture's register"),
        ));
    }
    if let Some(p) = &partner
        && !in_pref(store.get(Entity::Doctors, p.as_str()).await?)
    {
        return Err(rejected(
            format!("パートナーの医師 {p} はこの都道府県の登録にありません"),
            format!("the partner {p} is not in this prefecture's register"),
        ));
    }
    let requested: HashSet<FacilityId> = store
        .list_requests(round)
        .await?
        .into_iter()
        .map(|r| r.facility)
        .collect();
    if let Some((k, f)) = facilities
        .iter()
        .enumerate()
        .find(|(_, f)| !requested.contains(*f))
    {
        return Err(rejected(
            format!(
                "第{}希望の {f} はこのラウンドで医師を募集していません",
                k + 1
            ),
            format!(
                "choice {} ({f}) does not request doctors in this round",
                k + 1
            ),
        ));
    }
    let list = PreferenceList {
        round,
        doctor,
        facilities,
        partner,
        updated_by: who.actor().to_string(),
        updated_at: chrono::Utc::now(),
    };
    list.validate().map_err(AppError::invalid)?;
    store
        .put_preference(who.actor(), &list)
        .await
        .map_err(said)?;
    Ok(list)
}

/// A run's figures as stored beside its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub summary: Summary,
    pub promised: Vec<PromiseCheck>,
    pub notes: Vec<Msg>,
    pub priority: PriorityRule,
    pub lottery_seed: u64,
    /// Pairs ruled out by an obligation rule.
    pub ineligible: usize,
    /// Doctors placed in a designated post (a designated facility or a shortage area).
    pub designated_placed: usize,
}

/// The instance of a round as entered now, with what was decided on the way.
pub struct Built {
    pub instance: Instance,
    /// (doctor, facility, rule) pairs ruled out by an obligation rule.
    pub ineligible: Vec<(usize, usize, Msg)>,
    /// The class of each facility's area.
    pub class_of: Vec<&'static str>,
    pub designated: Vec<bool>,
}

/// Builds the instance of a round from its requests and preferences: regions are the
/// secondary areas (with the round's caps and floors), facilities without their own order
/// rank doctors by the centre's rule, and a doctor is removed from the list of every
/// facility where their obligation rules make them ineligible.
/// The rules are those of `registry` (the shipped schemes in the application).
async fn build(
    store: &dyn Store,
    round: &Round,
    registry: &chiiki_obligations::Registry,
) -> Result<Built, AppError> {
    let id = round.id;
    let reg = register(store, id.pref()).await?;
    let classes = classes()?;
    let shortage = crate::obligations::shortage_areas()?;
    let (first, last) = fiscal_year_days(id.fiscal_year());
    let eve = first.pred_opt().unwrap_or(first);
    let requests: Vec<PostRequest> = store
        .list_requests(id)
        .await?
        .into_iter()
        .filter(|r| reg.facilities.contains_key(&r.facility))
        .collect();
    let lists: Vec<PreferenceList> = store
        .list_preferences(id)
        .await?
        .into_iter()
        .filter(|p| reg.doctors.contains_key(&p.doctor))
        .collect();
    let f_index: HashMap<&FacilityId, usize> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.facility, i))
        .collect();
    let d_index: HashMap<&DoctorId, usize> = lists
        .iter()
        .enumerate()
        .map(|(i, p)| (&p.doctor, i))
        .collect();
    // Regions: the areas of the requesting facilities and of the limits.
    let mut areas: Vec<AreaCode> = requests
        .iter()
        .map(|r| reg.facilities[&r.facility].area)
        .chain(round.limits.iter().map(|l| l.area()))
        .collect();
    areas.sort();
    areas.dedup();
    let region_of: HashMap<AreaCode, usize> =
        areas.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let regions: Vec<chiiki_placement::Region> = areas
        .iter()
        .map(|a| chiiki_placement::Region {
            id: a.to_string(),
            cap: round.limit(*a).and_then(|l| l.cap()),
            floor: round.limit(*a).map_or(0, |l| l.floor()),
        })
        .collect();
    // Obligations and the centre's order.
    let obligations: Vec<Option<Obligation>> = lists
        .iter()
        .map(|p| obligation_of(registry, &reg, &reg.doctors[&p.doctor], &shortage, eve))
        .collect();
    let standings: Vec<Standing> = lists
        .iter()
        .zip(&obligations)
        .map(|(p, o)| Standing {
            id: p.doctor.to_string(),
            slack_days: o.as_ref().and_then(|o| o.slack),
            graduation_year: FiscalYear::of(reg.doctors[&p.doctor].graduation_date).year(),
        })
        .collect();
    let (centre, _draw) = centre_order(&standings, round.priority, round.lottery_seed);
    // Eligibility: each listed post, as a year of work, against the doctor's rules.
    let mut ineligible: Vec<(usize, usize, Msg)> = Vec::new();
    let mut ruled_out: HashSet<(usize, usize)> = HashSet::new();
    let period = Period::new(first, Some(last)).map_err(AppError::invalid)?;
    for (d, p) in lists.iter().enumerate() {
        let Some(o) = &obligations[d] else { continue };
        let doctor = &reg.doctors[&p.doctor];
        let rules = Eligibility::new(o.scheme, &o.timeline, last);
        for fid in &p.facilities {
            let (Some(&f), Some(fac)) = (f_index.get(fid), reg.facilities.get(fid)) else {
                continue;
            };
            let post = ServicePeriod {
                period,
                kind: kind_at(fac, &shortage),
                facility: Some(fac.name.to_string()),
                facility_group: fac.group,
                in_prefecture: fac.area.pref() == doctor.pref,
                in_shortage_area: shortage.contains(&fac.area),
                fte: Fte::FULL,
            };
            if let Err(finding) = rules.check(&post) {
                ruled_out.insert((d, f));
                ineligible.push((
                    d,
                    f,
                    Msg::new(
                        format!("{}（{}）", finding.explanation_ja, finding.rule),
                        format!("{} ({})", finding.explanation_en, finding.rule),
                    ),
                ));
            }
        }
    }
    let doctors: Vec<chiiki_placement::Doctor> = lists
        .iter()
        .map(|p| {
            let prefs: Vec<usize> = p
                .facilities
                .iter()
                .filter_map(|f| f_index.get(f).copied())
                .collect();
            chiiki_placement::Doctor::new(p.doctor.to_string(), &prefs)
        })
        .collect();
    let facilities: Vec<chiiki_placement::Facility> = requests
        .iter()
        .enumerate()
        .map(|(f, r)| {
            let own: Vec<usize> = r
                .priority
                .iter()
                .filter_map(|d| d_index.get(d).copied())
                .collect();
            let order: Vec<usize> = if own.is_empty() { centre.clone() } else { own }
                .into_iter()
                .filter(|&d| !ruled_out.contains(&(d, f)))
                .collect();
            let area = reg.facilities[&r.facility].area;
            chiiki_placement::Facility::new(
                r.facility.to_string(),
                r.posts,
                region_of.get(&area).copied(),
                &order,
            )
        })
        .collect();
    let mut couples = Vec::new();
    for (d, p) in lists.iter().enumerate() {
        if let Some(partner) = &p.partner
            && let Some(&e) = d_index.get(partner)
            && d < e
            && lists[e].partner.as_ref() == Some(&p.doctor)
        {
            couples.push((d, e));
        }
    }
    let instance = Instance::new(doctors, facilities, regions, couples).map_err(|errors| {
        AppError::Internal(format!(
            "round {id}: {}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let class_of = requests
        .iter()
        .map(|r| {
            classes
                .get(&reg.facilities[&r.facility].area)
                .copied()
                .unwrap_or("")
        })
        .collect();
    let designated = requests
        .iter()
        .map(|r| designated_post(&reg.facilities[&r.facility], &shortage))
        .collect();
    Ok(Built {
        instance,
        ineligible,
        class_of,
        designated,
    })
}

fn kind_at(f: &Facility, shortage: &HashSet<AreaCode>) -> AssignmentKind {
    if designated_post(f, shortage) {
        AssignmentKind::DesignatedService
    } else {
        AssignmentKind::OtherService
    }
}

/// Runs a mechanism on the round as entered now and keeps the run.
pub async fn run(
    store: &dyn Store,
    who: &Principal,
    id: RoundId,
    algorithm: Algorithm,
    label: Name,
) -> Result<Run, AppError> {
    require_manage(who, id)?;
    let round = get_round(store, id).await?;
    if store.get_decision(id).await?.is_some() {
        return Err(said(StoreError::RoundDecided {
            round: id.to_string(),
        }));
    }
    let built = build(store, &round, crate::obligations::registry()?).await?;
    let instance = &built.instance;
    if instance.doctors.is_empty() || instance.facilities.is_empty() {
        return Err(rejected(
            "希望を入力した医師と要望を入力した医療機関がそろってから実行してください",
            "run once doctors have entered preferences and facilities have entered requests",
        ));
    }
    let checked = chiiki_placement::solve_checked(instance, algorithm).map_err(|errors| {
        let all = |f: fn(&chiiki_placement::InstanceError) -> &str| {
            errors.iter().map(f).collect::<Vec<_>>().join(" / ")
        };
        rejected(all(|e| &e.ja), all(|e| &e.en))
    })?;
    let matching = &checked.placement.matching;
    let why = algorithm.context(instance, &built.ineligible);
    let explanations = chiiki_placement::explain(instance, matching, &why);
    let output = exchange::write(
        instance,
        matching,
        algorithm.code(),
        &checked.report,
        &explanations,
    );
    let result = serde_json::to_value(&output).map_err(|e| AppError::Internal(e.to_string()))?;
    let input: serde_json::Value = serde_json::from_str(&exchange::input_json(instance))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let figures = Figures {
        summary: Summary::of(instance, matching, &built.class_of, &checked.report),
        promised: checked.promised.clone(),
        notes: checked.placement.notes.clone(),
        priority: round.priority,
        lottery_seed: round.lottery_seed,
        ineligible: built.ineligible.len(),
        designated_placed: matching
            .assignment
            .iter()
            .flatten()
            .filter(|&&f| built.designated.get(f).copied().unwrap_or(false))
            .count(),
    };
    let run = Run {
        round: id,
        seq: 0,
        label,
        algorithm: algorithm.code().to_string(),
        input,
        result,
        summary: serde_json::to_value(&figures).map_err(|e| AppError::Internal(e.to_string()))?,
        created_by: who.actor().to_string(),
        created_at: chrono::Utc::now(),
    };
    store.add_run(who.actor(), &run).await.map_err(said)
}

/// The figures stored with a run.
pub fn figures(run: &Run) -> Result<Figures, AppError> {
    serde_json::from_value(run.summary.clone()).map_err(|e| {
        AppError::Store(StoreError::Corrupt {
            entity: "placement_runs".into(),
            key: format!("{}#{}", run.round, run.seq),
            reason: e.to_string(),
        })
    })
}

/// One doctor's outcome in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub doctor: String,
    pub facility: Option<String>,
    /// The place of the facility in the doctor's list (1 for the first choice).
    pub choice: Option<u32>,
    pub listed: usize,
    /// Why not better, one sentence per language.
    pub text: Msg,
    /// Each facility ranked higher and why not, one sentence per language.
    pub why_not: Vec<Msg>,
}

/// Why a facility's posts stay empty in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vacancy {
    pub facility: String,
    pub vacant: u64,
    pub text: Msg,
}

fn msg(v: &serde_json::Value) -> Msg {
    let s = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_string()
    };
    Msg::new(s("ja"), s("en"))
}

/// The doctors' outcomes of a run, in the order of its input.
pub fn outcomes(run: &Run) -> Vec<Outcome> {
    let doctors = run.result["explanations"]["doctors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    doctors
        .iter()
        .map(|d| Outcome {
            doctor: d["doctor"].as_str().unwrap_or_default().to_string(),
            facility: d["received"].as_str().map(str::to_string),
            choice: d["choice"].as_u64().map(|c| c as u32),
            listed: d["listed"].as_u64().unwrap_or(0) as usize,
            text: msg(&d["text"]),
            why_not: d["why_not"]
                .as_array()
                .map(|w| w.iter().map(|x| msg(&x["text"])).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// The facilities with empty posts in a run, and why.
pub fn vacancies(run: &Run) -> Vec<Vacancy> {
    run.result["explanations"]["facilities"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter(|f| f["vacant"].as_u64().unwrap_or(0) > 0)
                .map(|f| Vacancy {
                    facility: f["facility"].as_str().unwrap_or_default().to_string(),
                    vacant: f["vacant"].as_u64().unwrap_or(0),
                    text: msg(&f["text"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Records the committee's decision for a run and creates the assignments of the new fiscal
/// year: each placed doctor at their facility from 1 April to 31 March, full time, as
/// designated service at a designated post and other service elsewhere. Refused when a
/// placed doctor has since been given work in that year.
pub async fn decide(
    store: &dyn Store,
    who: &Principal,
    id: RoundId,
    seq: u32,
    rationale: Rationale,
) -> Result<Decision, AppError> {
    require_manage(who, id)?;
    get_round(store, id).await?;
    if store.get_decision(id).await?.is_some() {
        return Err(said(StoreError::RoundDecided {
            round: id.to_string(),
        }));
    }
    let run = store.get_run(id, seq).await?.ok_or_else(|| {
        said(StoreError::Missing {
            what: format!("実行 / run #{seq}"),
        })
    })?;
    let reg = register(store, id.pref()).await?;
    let shortage = crate::obligations::shortage_areas()?;
    let (first, last) = fiscal_year_days(id.fiscal_year());
    let period = Period::new(first, Some(last)).map_err(AppError::invalid)?;
    let mut assignments = Vec::new();
    let mut busy = Vec::new();
    for o in outcomes(&run) {
        let Some(fid) = &o.facility else { continue };
        let (Ok(doctor), Ok(facility)) = (DoctorId::parse(&o.doctor), FacilityId::parse(fid))
        else {
            continue;
        };
        let Some(f) = reg.facilities.get(&facility) else {
            return Err(rejected(
                format!("{facility} が登録から消えています"),
                format!("{facility} is no longer in the register"),
            ));
        };
        if busy_in(&reg, &doctor, &period) {
            busy.push(doctor.to_string());
            continue;
        }
        assignments.push(
            Assignment::new(AssignmentFields {
                id: assignment_id(id, &doctor)?,
                doctor,
                place: Some(Workplace::Registered { facility }),
                period,
                fte: Fte::FULL,
                kind: kind_at(f, &shortage),
            })
            .map_err(AppError::invalid)?,
        );
    }
    if !busy.is_empty() {
        return Err(rejected(
            format!(
                "次の医師には実行の後に同じ年度の勤務が登録されています。勤務を確認するか、改めて実行してください: {}",
                busy.join("、")
            ),
            format!(
                "these doctors were given work in the same year after the run; check it or run again: {}",
                busy.join(", ")
            ),
        ));
    }
    let decision = Decision {
        round: id,
        run: seq,
        rationale,
        decided_by: who.actor().to_string(),
        decided_at: chrono::Utc::now(),
    };
    store
        .decide(who.actor(), &decision, assignments)
        .await
        .map_err(said)?;
    Ok(decision)
}

/// The id of the assignment a round creates for a doctor: `P2027-` and the doctor id, or
/// a digest of the doctor id when that would be too long.
fn assignment_id(round: RoundId, doctor: &DoctorId) -> Result<AssignmentId, AppError> {
    let year = round.fiscal_year().year();
    AssignmentId::parse(&format!("P{year}-{doctor}")).or_else(|_| {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(doctor.as_str().as_bytes());
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        AssignmentId::parse(&format!("P{year}-{hex}")).map_err(AppError::invalid)
    })
}

/// The committee pack: a workbook with the round's settings, every run's figures side by
/// side, and the chosen run (or the run asked for, or the latest) doctor by doctor and
/// facility by facility with the reasons.
pub async fn pack(
    store: &dyn Store,
    who: &Principal,
    id: RoundId,
    run: Option<u32>,
) -> Result<Vec<u8>, AppError> {
    let view = round_view(store, who, id).await?;
    if !view.access.read_all {
        return Err(AppError::Denied(crate::access::Denied(Msg::new(
            "委員会資料を読む権限がありません",
            "you may not read the committee pack",
        ))));
    }
    let chosen = run
        .or(view.decision.as_ref().map(|d| d.run))
        .or(view.runs.last().map(|r| r.seq));
    let sheets = pack_sheets(&view, chosen)?;
    let bytes = chiiki_tabular::sheets_to_xlsx(&format!("配属 {id}"), &sheets)?;
    store
        .record_event(
            who.actor(),
            chiiki_store::Event {
                action: "export",
                entity: "placement_rounds",
                entity_id: id.to_string(),
                pref: Some(id.pref().to_string()),
                details: Some(serde_json::json!({"pack": true, "run": chosen})),
            },
        )
        .await?;
    Ok(bytes)
}

fn pack_sheets(
    view: &RoundView,
    chosen: Option<u32>,
) -> Result<Vec<chiiki_tabular::Sheet>, AppError> {
    use chiiki_tabular::{Cell, Sheet};
    let t = |s: &str| Cell::Text(s.to_string());
    let n = |x: f64| Cell::Number(x);
    let round = &view.round;
    let mut settings = vec![
        vec![t("ラウンド"), t(&round.id.to_string())],
        vec![t("名称"), t(round.title.as_str())],
        vec![t("年度"), n(f64::from(round.id.fiscal_year().year()))],
        vec![t("優先順位の決め方"), t(round.priority.label(Lang::Ja))],
        vec![t("抽選の種（記録）"), t(&round.lottery_seed.to_string())],
        vec![t("要望した医療機関"), n(view.requests.len() as f64)],
        vec![
            t("募集数の合計"),
            n(view
                .requests
                .iter()
                .map(|r| f64::from(r.request.posts))
                .sum()),
        ],
        vec![t("希望を入力した医師"), n(view.preferences.len() as f64)],
        vec![
            t("希望が未入力の対象医師"),
            n(view.due.iter().filter(|d| !d.has_preferences).count() as f64),
        ],
    ];
    match &view.decision {
        Some(d) => {
            settings.push(vec![t("決定した実行"), n(f64::from(d.run))]);
            settings.push(vec![t("決定者"), t(&d.decided_by)]);
            settings.push(vec![
                t("決定日時（UTC）"),
                t(&d.decided_at.format("%Y-%m-%d %H:%M").to_string()),
            ]);
            settings.push(vec![t("理由"), t(d.rationale.as_str())]);
        }
        None => settings.push(vec![t("決定"), t("未決定")]),
    }
    for l in &round.limits {
        settings.push(vec![
            t(&format!(
                "上限・下限 {} {}",
                l.area(),
                view.area_names.get(&l.area()).cloned().unwrap_or_default()
            )),
            t(&format!(
                "上限 {} / 下限 {}",
                l.cap().map_or("なし".to_string(), |c| c.to_string()),
                l.floor()
            )),
        ]);
    }
    let mut sheets = vec![Sheet {
        name: "ラウンド".into(),
        headers: vec!["項目".into(), "値".into()],
        rows: settings,
    }];
    // Runs side by side.
    let mut headers = vec!["指標".to_string()];
    let mut all = Vec::new();
    for r in &view.runs {
        headers.push(format!("#{} {}", r.seq, r.label));
        all.push(figures(r)?);
    }
    let row = |name: &str, f: &dyn Fn(&Figures, &Run) -> Cell| {
        let mut row = vec![t(name)];
        row.extend(view.runs.iter().zip(&all).map(|(r, x)| f(x, r)));
        row
    };
    let rate = |x: Option<f64>| {
        x.map_or(Cell::Text("—".into()), |v| {
            Cell::Number((v * 1000.0).round() / 10.0)
        })
    };
    let mut rows = vec![
        row("方式", &|_, r| {
            Cell::Text(
                Algorithm::parse(&r.algorithm)
                    .map_or(r.algorithm.clone(), |a| a.label(Lang::Ja).to_string()),
            )
        }),
        row("実行者", &|_, r| Cell::Text(r.created_by.clone())),
        row("医師", &|x, _| Cell::Number(x.summary.doctors as f64)),
        row("配置", &|x, _| Cell::Number(x.summary.placed as f64)),
        row("充足率（%）", &|x, _| rate(x.summary.posts.rate())),
    ];
    for (class, label) in [
        ("shortage", "充足率 医師少数区域（%）"),
        ("intermediate", "充足率 中間区域（%）"),
        ("surplus", "充足率 医師多数区域（%）"),
    ] {
        rows.push(row(label, &|x, _| {
            rate(x.summary.by_class.get(class).and_then(|f| f.rate()))
        }));
    }
    rows.push(row("指定勤務先への配置", &|x, _| {
        Cell::Number(x.designated_placed as f64)
    }));
    rows.push(row("下限を満たした圏域", &|x, _| {
        Cell::Text(format!("{}/{}", x.summary.floors_met, x.summary.floors))
    }));
    rows.push(row("平均の希望順位", &|x, _| {
        x.summary.mean_rank.map_or(Cell::Text("—".into()), |m| {
            Cell::Number((m * 100.0).round() / 100.0)
        })
    }));
    for k in 0..5 {
        rows.push(row(&format!("第{}希望", k + 1), &|x, _| {
            Cell::Number(f64::from(x.summary.ranks.get(k).copied().unwrap_or(0)))
        }));
    }
    rows.push(row("阻止ペア", &|x, _| {
        Cell::Number(x.summary.blocking_pairs as f64)
    }));
    rows.push(row("上限による阻止ペア", &|x, _| {
        Cell::Number(x.summary.cap_justified_blocking_pairs as f64)
    }));
    rows.push(row("規則で対象外の組", &|x, _| {
        Cell::Number(x.ineligible as f64)
    }));
    rows.push(row("保証（検証済み）", &|x, _| {
        Cell::Text(
            x.promised
                .iter()
                .map(|p| {
                    let mark = match p.verified {
                        Some(true) => "✓",
                        Some(false) => "✗",
                        None => "—",
                    };
                    format!("{}{mark}", p.promise.ja())
                })
                .collect::<Vec<_>>()
                .join("、"),
        )
    }));
    sheets.push(Sheet {
        name: "実行の比較".into(),
        headers,
        rows,
    });
    let Some(seq) = chosen else { return Ok(sheets) };
    let Some(run) = view.runs.iter().find(|r| r.seq == seq) else {
        return Err(said(StoreError::Missing {
            what: format!("実行 / run #{seq}"),
        }));
    };
    let outcomes = outcomes(run);
    let facilities: HashMap<&str, &RequestRow> = view
        .requests
        .iter()
        .map(|r| (r.request.facility.as_str(), r))
        .collect();
    let class_ja = |c: &str| match c {
        "shortage" => "医師少数区域",
        "intermediate" => "中間",
        "surplus" => "医師多数区域",
        _ => "",
    };
    let doctor_rows = outcomes
        .iter()
        .map(|o| {
            let f = o.facility.as_deref().and_then(|f| facilities.get(f));
            vec![
                t(&o.doctor),
                t(DoctorId::parse(&o.doctor)
                    .ok()
                    .and_then(|d| view.doctor_names.get(&d))
                    .map_or("", |s| s.as_str())),
                t(f.map_or("（未配置）", |f| f.facility_name.as_str())),
                t(f.map_or("", |f| f.area_name.as_str())),
                t(f.map_or("", |f| class_ja(f.class))),
                o.choice.map_or(t(""), |c| n(f64::from(c))),
                n(o.listed as f64),
                t(&o.text.ja),
                t(&o.why_not
                    .iter()
                    .map(|w| w.ja.clone())
                    .collect::<Vec<_>>()
                    .join("\n")),
            ]
        })
        .collect();
    sheets.push(Sheet {
        name: format!("配置案 #{seq}"),
        headers: [
            "医師ID",
            "氏名",
            "配置先",
            "二次医療圏",
            "区分",
            "希望順位",
            "希望数",
            "説明",
            "上位の希望がかなわなかった理由",
        ]
        .map(String::from)
        .to_vec(),
        rows: doctor_rows,
    });
    let mut at: HashMap<&str, u64> = HashMap::new();
    for f in outcomes.iter().filter_map(|o| o.facility.as_deref()) {
        *at.entry(f).or_default() += 1;
    }
    let vacancy: HashMap<String, Msg> = vacancies(run)
        .into_iter()
        .map(|v| (v.facility, v.text))
        .collect();
    sheets.push(Sheet {
        name: format!("医療機関 #{seq}"),
        headers: [
            "医療機関ID",
            "名称",
            "二次医療圏",
            "区分",
            "募集",
            "配置",
            "欠員の理由",
        ]
        .map(String::from)
        .to_vec(),
        rows: view
            .requests
            .iter()
            .map(|r| {
                let id = r.request.facility.as_str();
                vec![
                    t(id),
                    t(&r.facility_name),
                    t(&r.area_name),
                    t(class_ja(r.class)),
                    n(f64::from(r.request.posts)),
                    n(at.get(id).copied().unwrap_or(0) as f64),
                    t(vacancy.get(id).map_or("", |m| m.ja.as_str())),
                ]
            })
            .collect(),
    });
    let x = figures(run)?;
    sheets.push(Sheet {
        name: format!("圏域 #{seq}"),
        headers: ["二次医療圏", "名称", "募集", "配置", "上限", "下限"]
            .map(String::from)
            .to_vec(),
        rows: x
            .summary
            .regions
            .iter()
            .map(|r| {
                let name = AreaCode::parse(&r.region)
                    .ok()
                    .and_then(|a| view.area_names.get(&a).cloned())
                    .unwrap_or_default();
                vec![
                    t(&r.region),
                    t(&name),
                    n(r.posts as f64),
                    n(f64::from(r.placed)),
                    r.cap.map_or(t(""), |c| n(f64::from(c))),
                    n(f64::from(r.floor)),
                ]
            })
            .collect(),
    });
    Ok(sheets)
}

/// Two runs of a round compared doctor by doctor: who is placed differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub doctor: String,
    pub a: Option<String>,
    pub a_choice: Option<u32>,
    pub b: Option<String>,
    pub b_choice: Option<u32>,
}

/// The doctors placed differently by two runs.
pub fn differences(a: &Run, b: &Run) -> Vec<Difference> {
    let (a, b) = (outcomes(a), outcomes(b));
    let at_b: HashMap<&str, &Outcome> = b.iter().map(|o| (o.doctor.as_str(), o)).collect();
    let in_a: HashSet<&str> = a.iter().map(|o| o.doctor.as_str()).collect();
    let from_a = a.iter().map(|o| {
        (
            o.doctor.as_str(),
            Some(o),
            at_b.get(o.doctor.as_str()).copied(),
        )
    });
    let only_b = b
        .iter()
        .filter(|o| !in_a.contains(o.doctor.as_str()))
        .map(|o| (o.doctor.as_str(), None, Some(o)));
    from_a
        .chain(only_b)
        .filter_map(|(doctor, x, y)| {
            let (a, a_choice) = x.map_or((None, None), |o| (o.facility.clone(), o.choice));
            let (b, b_choice) = y.map_or((None, None), |o| (o.facility.clone(), o.choice));
            (a != b).then(|| Difference {
                doctor: doctor.to_string(),
                a,
                a_choice,
                b,
                b_choice,
            })
        })
        .collect()
}

/// The demo's round: Iwate, fiscal year 2027 (the year after the demo's histories). Its
/// requests come from the hospitals with 5 or more full-time doctors (about one post per twelve
/// doctors) and the synthetic clinics (one post), its preferences from every doctor due in the round
/// (seeded: most rank hospitals of Morioka and their own area first), two couples, a cap on
/// Morioka and floors on the shortage areas. Nothing is run or decided.
pub async fn demo_round(store: &dyn Store) -> Result<RoundId, AppError> {
    use rand::seq::{IndexedRandom, SliceRandom};
    use rand::{Rng, SeedableRng};
    let system = Principal::system("demo");
    let pref = crate::demo::iwate();
    let year = FiscalYear::new(crate::demo::LAST_FY + 1).map_err(AppError::invalid)?;
    let reg = register(store, pref).await?;
    let classes = classes()?;
    let morioka = AreaCode::parse("0301").map_err(AppError::invalid)?;
    let mut limits = vec![AreaLimit::new(morioka, Some(45), 0).map_err(AppError::invalid)?];
    for area in reg.area_names.keys() {
        if classes.get(area) == Some(&"shortage") {
            limits.push(AreaLimit::new(*area, None, 6).map_err(AppError::invalid)?);
        }
    }
    let title = Name::parse(&format!("令和{}年度 配属（デモ）", year.year() - 2018))
        .map_err(AppError::invalid)?;
    let round = open_round(
        store,
        &system,
        pref,
        year,
        Settings {
            title,
            priority: PriorityRule::UrgencySeniorityLottery,
            lottery_seed: Some(crate::demo::SEED),
            limits,
        },
    )
    .await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(crate::demo::SEED + 6);
    let mut facilities: Vec<&Facility> = reg
        .facilities
        .values()
        .filter(|f| f.area.pref() == pref)
        .filter(|f| f.doctors_fulltime.get() >= 5.0 || f.synthetic)
        .collect();
    facilities.sort_by(|a, b| a.id.cmp(&b.id));
    for f in &facilities {
        let posts = if f.synthetic {
            1
        } else {
            rng.random_range(2..=4)
        };
        put_request(
            store,
            &system,
            round.id,
            f.id.clone(),
            RequestInput {
                posts,
                department: None,
                priority: Vec::new(),
                note: None,
            },
        )
        .await?;
    }
    let view = round_view(store, &system, round.id).await?;
    let hospitals: Vec<&Facility> = facilities
        .iter()
        .copied()
        .filter(|f| !f.synthetic)
        .collect();
    let clinics: Vec<&Facility> = facilities.iter().copied().filter(|f| f.synthetic).collect();
    let home = |d: &DoctorId| -> Option<AreaCode> {
        let list = reg.assignments.get(d)?;
        let last = list.iter().max_by_key(|a| a.period.start())?;
        match &last.place {
            Some(Workplace::Registered { facility }) => {
                reg.facilities.get(facility).map(|f| f.area)
            }
            _ => None,
        }
    };
    let due: Vec<&DueDoctor> = view.due.iter().collect();
    let mut partners: HashMap<DoctorId, DoctorId> = HashMap::new();
    for pair in due.chunks(2).skip(3).step_by(40).take(2) {
        if let [a, b] = pair {
            partners.insert(a.id.clone(), b.id.clone());
            partners.insert(b.id.clone(), a.id.clone());
        }
    }
    for d in due {
        let area = home(&d.id);
        let mut choices: Vec<&Facility> = Vec::new();
        let mut central: Vec<&Facility> = hospitals
            .iter()
            .copied()
            .filter(|f| f.area == morioka)
            .collect();
        central.shuffle(&mut rng);
        let mut near: Vec<&Facility> = hospitals
            .iter()
            .copied()
            .filter(|f| Some(f.area) == area && f.area != morioka)
            .collect();
        near.shuffle(&mut rng);
        let taken = rng.random_range(1..=3);
        choices.extend(central.iter().take(taken));
        choices.extend(near.iter().take(2));
        let want = rng.random_range(5..=9);
        while choices.len() < want {
            let pool = if rng.random_bool(0.3) {
                &clinics
            } else {
                &hospitals
            };
            if let Some(f) = pool.choose(&mut rng)
                && !choices.iter().any(|c| c.id == f.id)
            {
                choices.push(f);
            }
        }
        choices.truncate(want);
        put_preferences(
            store,
            &system,
            round.id,
            d.id.clone(),
            choices.iter().map(|f| f.id.clone()).collect(),
            partners.get(&d.id).cloned(),
        )
        .await?;
    }
    Ok(round.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_store::testing;

    /// The demo round end to end on SQLite: runs of two mechanisms keep their promises,
    /// respect the eligibility rules, and the decision creates the year's assignments once.
    #[tokio::test]
    async fn the_demo_round_runs_compares_and_decides() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = RoundId::parse("03-2027").unwrap();
        let admin = Principal::system("test");
        let view = round_view(store, &admin, id).await.unwrap();
        assert!(view.due.len() > 100, "{} due", view.due.len());
        assert_eq!(view.preferences.len(), view.due.len());
        assert!(view.requests.len() > 40);
        let label = |s: &str| Name::parse(s).unwrap();
        let a = run(store, &admin, id, Algorithm::Da, label("DA"))
            .await
            .unwrap();
        let b = run(store, &admin, id, Algorithm::Floors, label("下限"))
            .await
            .unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
        let (fa, fb) = (figures(&a).unwrap(), figures(&b).unwrap());
        for f in [&fa, &fb] {
            assert!(
                f.promised.iter().all(|p| p.verified != Some(false)),
                "{:?}",
                f.promised
            );
            assert_eq!(f.summary.doctors, view.preferences.len());
            assert!(f.summary.placed > 0);
        }
        eprintln!(
            "demo round: {} due, {} posts; DA placed {} (floors met {}/{}, 1st choice {}), floors placed {} (floors met {}/{}, 1st choice {}), {} pairs ruled out by rules",
            view.due.len(),
            fa.summary.posts.posts,
            fa.summary.placed,
            fa.summary.floors_met,
            fa.summary.floors,
            fa.summary.within_choice(1),
            fb.summary.placed,
            fb.summary.floors_met,
            fb.summary.floors,
            fb.summary.within_choice(1),
            fb.ineligible
        );
        // The floors mechanism meets every floor that DA leaves unmet, where it can.
        assert!(fb.summary.floors_met >= fa.summary.floors_met);
        let input: &serde_json::Value = &b.input;
        assert!(input["doctors"].as_array().unwrap().len() == view.preferences.len());
        let diff = differences(&a, &b);
        assert!(diff.iter().all(|d| d.a != d.b));
        // The pack has the settings, the comparison and the chosen run.
        let bytes = pack(store, &admin, id, Some(2)).await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        // The decision creates the assignments and closes the round.
        let why = Rationale::parse("下限を満たすため").unwrap();
        let d = decide(store, &admin, id, 2, why.clone()).await.unwrap();
        assert_eq!(d.run, 2);
        let (first, _) = fiscal_year_days(id.fiscal_year());
        let created = store
            .list_assignments(&AssignmentFilter {
                pref: Some(id.pref()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|x| x.period.start() == first && x.id.as_str().starts_with("P2027-"))
            .count();
        assert_eq!(created, fb.summary.placed);
        let again = decide(store, &admin, id, 1, why).await.unwrap_err();
        assert!(again.to_string().contains("decided"), "{again}");
        let late = run(store, &admin, id, Algorithm::Da, label("late"))
            .await
            .unwrap_err();
        assert!(late.to_string().contains("decided"), "{late}");
    }

    /// A doctor of a scheme with a deadline (6 years of service within 15 years of
    /// graduation, 4 of them designated; written for this test) who owes two designated years with one year and a fortnight left after fiscal 2027:
    /// only designated posts remain open to them. The pair with a hospital of Morioka (not
    /// designated) is ruled out by `rules.designated`, taken off the hospital's list, never
    /// placed, and explained by the rule.
    #[tokio::test]
    async fn a_doctor_who_must_serve_designated_years_is_eligible_only_for_designated_posts() {
        use chiiki_domain::{DoctorFields, Enrolment, Scheme, SchemeId};
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = RoundId::parse("03-2027").unwrap();
        let admin = Principal::system("test");
        let reg = register(store, id.pref()).await.unwrap();
        let shortage = crate::obligations::shortage_areas().unwrap();
        let requested: Vec<FacilityId> = store
            .list_requests(id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.facility)
            .collect();
        let designated = |f: &FacilityId| designated_post(&reg.facilities[f], &shortage);
        let morioka = requested
            .iter()
            .find(|f| {
                let x = &reg.facilities[*f];
                x.area.to_string() == "0301" && !designated(f) && !x.synthetic
            })
            .unwrap()
            .clone();
        let remote = requested
            .iter()
            .find(|f| designated(f) && !reg.facilities[*f].synthetic)
            .unwrap()
            .clone();
        // The doctor (synthetic): graduated March 2014, so the deadline is in March 2029.
        let scheme = SchemeId::parse("test-deadline").unwrap();
        let mut fields = DoctorFields::from(reg.doctors.values().next().unwrap().clone());
        let me = DoctorId::parse("TEST-TIGHT-01").unwrap();
        fields.id = me.clone();
        fields.graduation_date = NaiveDate::from_ymd_opt(2014, 3, 15).unwrap();
        fields.licence_date = NaiveDate::from_ymd_opt(2014, 4, 20);
        fields.birth_date = NaiveDate::from_ymd_opt(1989, 6, 1).unwrap();
        fields.status = RegisterStatus::Active;
        fields.enrolment = Some(Enrolment {
            scheme: scheme.clone(),
            loan: Period::new(
                NaiveDate::from_ymd_opt(2008, 4, 1).unwrap(),
                NaiveDate::from_ymd_opt(2014, 3, 31),
            )
            .unwrap(),
        });
        let fy = |y: i32| {
            (
                NaiveDate::from_ymd_opt(y, 4, 1).unwrap(),
                NaiveDate::from_ymd_opt(y + 1, 3, 31),
            )
        };
        // Residency 2014–15, specialist training 2016–18 (3 years counted), other work
        // 2019–24 (not counted), designated service 2025–26 (2 of the 4 designated years).
        let history = [
            (AssignmentKind::InitialResidency, &morioka, 2014, 2015),
            (AssignmentKind::SpecialistTraining, &morioka, 2016, 2018),
            (AssignmentKind::OtherService, &morioka, 2019, 2024),
            (AssignmentKind::DesignatedService, &remote, 2025, 2026),
        ];
        let mut records = vec![
            Record::Scheme(Scheme {
                id: scheme,
                name: Name::parse("記載例の制度（テスト）").unwrap(),
                pref: id.pref(),
                sponsor: Name::parse("テスト").unwrap(),
                service_years: 6,
            }),
            Record::Doctor(Doctor::new(fields).unwrap()),
        ];
        for (k, (kind, at, from, to)) in history.into_iter().enumerate() {
            records.push(Record::Assignment(
                Assignment::new(AssignmentFields {
                    id: AssignmentId::parse(&format!("TEST-TIGHT-01-{k}")).unwrap(),
                    doctor: me.clone(),
                    place: Some(Workplace::Registered {
                        facility: at.clone(),
                    }),
                    period: Period::new(fy(from).0, fy(to).1).unwrap(),
                    fte: Fte::FULL,
                    kind,
                })
                .unwrap(),
            ));
        }
        store
            .apply(
                "test",
                records.into_iter().map(chiiki_store::Change::Put).collect(),
                chiiki_store::Mode::Commit,
            )
            .await
            .unwrap();
        put_preferences(
            store,
            &admin,
            id,
            me.clone(),
            vec![morioka.clone(), remote.clone()],
            None,
        )
        .await
        .unwrap();

        let example = [(
            "test-deadline.toml".to_string(),
            r#"
id = "test-deadline"
version = 1
kind = "scholarship"
pref = "03"
name = { ja = "期限つきの制度（テスト）", en = "A scheme with a deadline (test)" }
source = "テスト用の架空の制度"

[rules.obligation]
fixed_years = 6
source = "テスト"
description = { ja = "義務年限は6年", en = "6 years of service" }

[rules.service]
kinds = ["designated_service", "specialist_training"]
initial_residency_counts = false
source = "テスト"
description = { ja = "指定勤務と専門研修を数える", en = "designated service and specialist training count" }

[rules.designated]
min_years = 4
places = ["designated_facility", "shortage_area"]
source = "テスト第12条"
description = { ja = "うち4年は医師少数区域等で", en = "4 of those years in shortage areas or at designated facilities" }

[rules.deadline]
years_after_graduation = 15
extended_by_suspensions = false
source = "テスト"
description = { ja = "卒後15年以内に終える", en = "complete within 15 years of graduation" }
"#
            .to_string(),
        )];
        let registry = crate::obligations::registry_with(&example).unwrap();
        let round = get_round(store, id).await.unwrap();
        let built = build(store, &round, &registry).await.unwrap();
        let instance = &built.instance;
        let d = instance
            .doctors
            .iter()
            .position(|x| x.id == me.as_str())
            .unwrap();
        let f = |id: &FacilityId| {
            instance
                .facilities
                .iter()
                .position(|x| x.id == id.as_str())
                .unwrap()
        };
        let (near, far) = (f(&morioka), f(&remote));
        let mine: Vec<_> = built.ineligible.iter().filter(|x| x.0 == d).collect();
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0].1, near);
        assert!(mine[0].2.en.contains("designated"), "{:?}", mine[0].2);
        assert!(mine[0].2.ja.contains("rules.designated"), "{:?}", mine[0].2);
        assert!(!instance.facilities[near].priority.contains(&d));
        assert!(instance.facilities[far].priority.contains(&d));
        // Every mechanism keeps the doctor off the post they may not take, and says why.
        for algorithm in Algorithm::ALL {
            let checked = chiiki_placement::solve_checked(instance, algorithm).unwrap();
            let matching = &checked.placement.matching;
            for (x, y, _) in &built.ineligible {
                assert_ne!(matching.assignment[*x], Some(*y), "{algorithm:?}");
            }
            let why = chiiki_placement::explain(
                instance,
                matching,
                &algorithm.context(instance, &built.ineligible),
            );
            let first = &why.doctors[d].why_not[0];
            assert_eq!(first.facility, morioka.as_str(), "{algorithm:?}");
            assert!(
                first.text().en.contains("rules.designated"),
                "{algorithm:?}: {:?}",
                first.text()
            );
        }
        // With the shipped schemes only, the test's scheme is unknown: nothing is ruled out
        // for this doctor.
        let shipped = build(store, &round, crate::obligations::registry().unwrap())
            .await
            .unwrap();
        assert!(shipped.ineligible.iter().all(|x| x.0 != d));
    }

    #[tokio::test]
    async fn doctors_and_facilities_enter_only_their_own() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = RoundId::parse("03-2027").unwrap();
        let view = round_view(store, &Principal::system("t"), id)
            .await
            .unwrap();
        let me = view.preferences[0].doctor.clone();
        let other = view.preferences[1].doctor.clone();
        let doctor = Principal {
            alliance: None,
            username: chiiki_domain::Username::parse("doc").unwrap(),
            display_name: "doc".into(),
            role: Role::Doctor,
            pref: Some(id.pref()),
            facility: None,
            doctor: Some(me.clone()),
        };
        let f = view.requests[0].request.facility.clone();
        assert!(
            put_preferences(store, &doctor, id, me.clone(), vec![f.clone()], None)
                .await
                .is_ok()
        );
        assert!(matches!(
            put_preferences(store, &doctor, id, other, vec![f.clone()], None).await,
            Err(AppError::Denied(_))
        ));
        // A doctor sees only their own list and no runs.
        let mine = round_view(store, &doctor, id).await.unwrap();
        assert_eq!(mine.preferences.len(), 1);
        assert!(mine.due.is_empty() && mine.runs.is_empty());
        assert!(mine.requests.iter().all(|r| r.request.priority.is_empty()));
        // A facility that does not request doctors cannot be ranked.
        let none = FacilityId::parse("NOPE").unwrap();
        assert!(
            put_preferences(store, &doctor, id, me, vec![none], None)
                .await
                .is_err()
        );
        assert!(matches!(
            run(store, &doctor, id, Algorithm::Da, Name::parse("x").unwrap()).await,
            Err(AppError::Denied(_))
        ));
    }
}
