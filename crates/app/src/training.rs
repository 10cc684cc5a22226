//! Joint training and seminars: an alliance's joint training (合同研修: 医療安全, 感染対策) and a
//! prefecture centre's seminars (e.g. a simulation centre's courses). Courses and their
//! sessions; registrations with capacity and a first-in, first-out waiting list; attendance,
//! certificates of attendance and each organisation's yearly attendance against its
//! requirements.
//!
//! Who may do what is decided in one place, [`access`]. Every write of a session's
//! registrations goes through `chiiki_store::documents::change` under the session, with the
//! domain's pure operations, so that seats and the waiting list hold under concurrency.

use std::collections::HashMap;

use chiiki_domain::training::{
    self as tr, AttendanceLine, Certificate, Course, CourseFields, CourseTopic, Job, Registration,
    RegistrationFields, RegistrationState, Requirement, RequirementFields, Session, SessionFields,
    SessionFigures,
};
use chiiki_domain::{
    Alliance, AllianceId, DocScope, Document, Explain, FiscalYear, Lang, Msg, NaiveDate, Name,
    PrefCode, Record, Role,
};
use chiiki_store::documents::{self as docs, Filter, Write};
use chiiki_store::{Store, StoreError};
use chiiki_tabular::{Cell, Sheet};
use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;

use crate::AppError;
use crate::access::{Denied, Principal};

/// The seminars of the principal's navigation: their prefecture's centre for the centre's
/// staff (coordinators, auditors), for doctors and for facility accounts; none for others (an
/// alliance's secretariat reaches its joint training from its alliance's page; an
/// administrator from an alliance or by address).
pub fn seminar_home(who: &Principal) -> Option<DocScope> {
    match who.role {
        Role::Coordinator | Role::Auditor | Role::Doctor | Role::Facility => {
            who.pref.map(DocScope::Pref)
        }
        _ => None,
    }
}

/// What a principal may do with a scope's training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TrainingAccess {
    /// See the courses and the sessions with their figures (seats taken, free, waiting).
    pub read: bool,
    /// See who registered (rosters, certificates, yearly attendance): they name persons.
    pub roster: bool,
    /// Add courses and sessions, register anyone, cancel, record attendance, set
    /// requirements.
    pub manage: bool,
    /// Register oneself and cancel one's own registration (a doctor of the register).
    pub enrol_self: bool,
}

/// Who may do what with a scope's training:
///
/// - an alliance's training: as [`crate::alliance::access`] — administrators, the
///   prefecture's coordinators and the alliance's own secretariat manage; the prefecture's
///   auditors read, rosters too; no one else sees anything (a doctor, a facility, another
///   alliance's secretariat, another prefecture);
/// - a prefecture centre's seminars: administrators and the prefecture's coordinators (the
///   centre) manage; its auditors (or the whole country's) read, rosters too; its doctors
///   see the upcoming sessions and register themselves (and cancel their own registration);
///   its facility accounts see the sessions; a secretariat sees nothing.
pub fn access(who: &Principal, scope: &DocScope, alliance: Option<&Alliance>) -> TrainingAccess {
    match (scope, alliance) {
        (DocScope::Alliance(id), Some(a)) if a.id == *id => {
            let x = crate::alliance::access(who, a);
            TrainingAccess {
                read: x.read,
                roster: x.personal,
                manage: x.manage,
                enrol_self: false,
            }
        }
        (DocScope::Alliance(_), _) => TrainingAccess::default(),
        (DocScope::Pref(p), _) => {
            let in_pref = who.scope_pref().is_none_or(|q| q == *p);
            let none = TrainingAccess::default();
            let all = TrainingAccess {
                read: true,
                roster: true,
                manage: true,
                enrol_self: false,
            };
            match who.role {
                Role::Admin => all,
                Role::Coordinator if in_pref => all,
                Role::Auditor if in_pref => TrainingAccess {
                    manage: false,
                    ..all
                },
                Role::Doctor if in_pref && who.pref == Some(*p) && who.doctor.is_some() => {
                    TrainingAccess {
                        read: true,
                        enrol_self: true,
                        ..none
                    }
                }
                Role::Facility if in_pref && who.pref == Some(*p) => {
                    TrainingAccess { read: true, ..none }
                }
                _ => none,
            }
        }
    }
}

/// A scope's training as the principal may reach it.
#[derive(Debug, Clone)]
pub struct Place {
    pub scope: DocScope,
    /// The alliance, for an alliance's training.
    pub alliance: Option<Alliance>,
    pub access: TrainingAccess,
    /// Who holds the training and issues its certificates: the alliance's name or the
    /// prefecture's centre.
    pub issuer: Msg,
}

/// A scope from its key: an alliance's id (`12-TOKATSU-NANBU`) or a prefecture's code (`03`).
pub fn parse_scope(raw: &str) -> Result<DocScope, AppError> {
    DocScope::parse(raw).map_err(AppError::invalid)
}

fn missing(what: String) -> AppError {
    StoreError::Missing { what }.into()
}

fn denied(ja: &str, en: &str) -> AppError {
    AppError::Denied(Denied(Msg::new(ja, en)))
}

/// The name of a prefecture's centre, in both languages.
pub fn centre_name(p: PrefCode) -> Msg {
    Msg::new(
        format!("{}地域医療支援センター", p.name_ja()),
        format!("{} Regional Medical Support Center", p.name_en()),
    )
}

/// The scope's training, when the principal may see it; `Missing` otherwise, as a scope that
/// does not exist.
pub async fn place(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
) -> Result<Place, AppError> {
    let (alliance, issuer) = match scope {
        DocScope::Alliance(id) => {
            let a = crate::alliance::in_scope(store, who, id).await?;
            let n = a.name.to_string();
            (Some(a), Msg::new(n.clone(), n))
        }
        DocScope::Pref(p) => (None, centre_name(*p)),
    };
    let access = access(who, scope, alliance.as_ref());
    if !access.read {
        return Err(missing(format!("the training of {scope}")));
    }
    Ok(Place {
        scope: scope.clone(),
        alliance,
        access,
        issuer,
    })
}

fn require_manage(place: &Place) -> Result<(), AppError> {
    if place.access.manage {
        Ok(())
    } else {
        Err(denied(
            "この研修を管理する権限がありません",
            "you may not manage this training",
        ))
    }
}

fn require_roster(place: &Place) -> Result<(), AppError> {
    if place.access.roster {
        Ok(())
    } else {
        Err(denied(
            "申込者の一覧を読む権限がありません",
            "you may not read who registered",
        ))
    }
}

/// The courses of a scope, by id.
pub async fn courses(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
) -> Result<Vec<Course>, AppError> {
    place(store, who, scope).await?;
    Ok(docs::list(store, Filter::scope(scope.clone())).await?)
}

/// Adds a course to a scope (those who manage it) and returns it as stored.
pub async fn add_course(
    store: &dyn Store,
    who: &Principal,
    input: Course,
) -> Result<Course, AppError> {
    let p = place(store, who, &input.scope).await?;
    require_manage(&p)?;
    if input.id != 0 {
        return Err(crate::placement::rejected(
            "研修コースは新規にだけ追加できます",
            "only new courses can be added",
        ));
    }
    Ok(docs::put(store, who.actor(), &input).await?)
}

/// A session with its course and figures.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    pub session: Session,
    pub course: Course,
    pub figures: SessionFigures,
}

/// The sessions of a scope with their courses and figures, by start: all of them for those
/// who read rosters, the sessions not yet over for the others (a doctor, a facility).
pub async fn sessions(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    now: NaiveDateTime,
) -> Result<Vec<SessionRow>, AppError> {
    let p = place(store, who, scope).await?;
    let courses: HashMap<u64, Course> = docs::list::<Course>(store, Filter::scope(scope.clone()))
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let regs: Vec<Registration> = docs::list(store, Filter::scope(scope.clone())).await?;
    let mut out: Vec<SessionRow> = docs::list::<Session>(store, Filter::scope(scope.clone()))
        .await?
        .into_iter()
        .filter(|s| p.access.roster || s.end > now)
        .filter_map(|s| {
            let course = courses.get(&s.course)?.clone();
            let figures = tr::figures(&s, &regs);
            Some(SessionRow {
                session: s,
                course,
                figures,
            })
        })
        .collect();
    out.sort_by_key(|r| (r.session.start, r.session.id));
    Ok(out)
}

/// Adds a session to a course of the scope (those who manage it) and returns it as stored.
pub async fn add_session(
    store: &dyn Store,
    who: &Principal,
    input: Session,
) -> Result<Session, AppError> {
    let p = place(store, who, &input.scope).await?;
    require_manage(&p)?;
    let course: Course = docs::get(store, input.course)
        .await?
        .filter(|c: &Course| c.scope == input.scope)
        .ok_or_else(|| missing(format!("the course {}", input.course)))?;
    if input.id != 0 || !input.of_course(&course) {
        return Err(crate::placement::rejected(
            "開催回は研修コースに新規にだけ追加できます",
            "only new sessions can be added to a course",
        ));
    }
    Ok(docs::put(store, who.actor(), &input).await?)
}

/// A session as the principal may see it: its place, course, the session and the
/// registrations they may read (all for those who read rosters; a doctor's own; none for
/// others), by registration time.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub place: Place,
    pub course: Course,
    pub session: Session,
    pub figures: SessionFigures,
    pub registrations: Vec<Registration>,
}

fn own(who: &Principal, r: &Registration) -> bool {
    who.role == Role::Doctor && who.doctor.is_some() && r.doctor == who.doctor
}

/// The session of the scope, when the principal may see it: those who read rosters any; the
/// others a session not yet over, or one they registered for. `Missing` otherwise.
pub async fn session(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    id: u64,
    now: NaiveDateTime,
) -> Result<SessionView, AppError> {
    let place = place(store, who, scope).await?;
    let gone = || missing(format!("the session {id}"));
    let session: Session = docs::get::<Session>(store, id)
        .await?
        .filter(|s| s.scope == *scope)
        .ok_or_else(gone)?;
    let course: Course = docs::get::<Course>(store, session.course)
        .await?
        .filter(|c| session.of_course(c))
        .ok_or_else(gone)?;
    let mut all: Vec<Registration> =
        docs::list(store, Filter::scope(scope.clone()).parent(id)).await?;
    all.sort_by_key(|r| (r.registered_at, r.id));
    let figures = tr::figures(&session, &all);
    let registrations: Vec<Registration> = if place.access.roster {
        all
    } else {
        all.into_iter().filter(|r| own(who, r)).collect()
    };
    if !place.access.roster && session.end <= now && registrations.is_empty() {
        return Err(gone());
    }
    Ok(SessionView {
        place,
        course,
        session,
        figures,
        registrations,
    })
}

/// Who registers: a person of an organisation, with their job.
#[derive(Debug, Clone, Default)]
pub struct Enrolment {
    pub person: String,
    pub organisation: String,
    pub job: Option<Job>,
}

fn name_of(text: &str) -> Result<Name, AppError> {
    Name::parse(text).map_err(AppError::invalid)
}

/// The organisations one registers for in an alliance: its member corporations on the day.
pub async fn organisations(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    on: NaiveDate,
) -> Result<Vec<Name>, AppError> {
    Ok(match scope {
        DocScope::Alliance(id) => crate::alliance::members(store, who, Some(id), Some(on))
            .await?
            .into_iter()
            .map(|m| m.corporation.clone())
            .collect(),
        DocScope::Pref(_) => Vec::new(),
    })
}

/// Registers a person for a session at `now` and returns the registration as stored:
/// registered while seats remain, else on the waiting list. Those who manage the scope
/// register anyone (in an alliance, for one of its member corporations); a doctor of the
/// prefecture registers themselves for a centre's session (their name as the register has
/// it, their doctor id). Checked under the session's lock.
pub async fn register(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    session_id: u64,
    input: Enrolment,
    now: NaiveDateTime,
) -> Result<Registration, AppError> {
    let view = session(store, who, scope, session_id, now).await?;
    let access = view.place.access;
    let (person, doctor, job) = if access.manage {
        (name_of(&input.person)?, None, input.job)
    } else if access.enrol_self {
        let id = who.doctor.clone().ok_or_else(|| {
            denied(
                "医師のアカウントだけが自分を申し込めます",
                "only a doctor's account registers itself",
            )
        })?;
        let name = match store
            .get(chiiki_domain::Entity::Doctors, id.as_str())
            .await?
        {
            Some(Record::Doctor(d)) => d.name.clone(),
            _ => return Err(missing(format!("the doctor {id}"))),
        };
        (name, Some(id), Some(Job::Doctor))
    } else {
        return Err(denied(
            "この開催回に申し込む権限がありません",
            "you may not register for this session",
        ));
    };
    let organisation = name_of(&input.organisation)?;
    if matches!(scope, DocScope::Alliance(_)) {
        let members = organisations(store, who, scope, now.date()).await?;
        if !members.contains(&organisation) {
            return Err(crate::placement::rejected(
                format!("「{organisation}」はこの連携推進法人の参加法人ではありません"),
                format!("'{organisation}' is not a member corporation of this alliance"),
            ));
        }
    }
    let new = Registration::new(RegistrationFields {
        id: 0,
        session: session_id,
        scope: scope.clone(),
        person,
        organisation,
        job,
        doctor,
        registered_at: now,
        state: RegistrationState::Registered,
        cancelled_at: None,
    })
    .map_err(AppError::invalid)?;
    let s = view.session.clone();
    let written = docs::change::<Registration, _>(
        store,
        who.actor(),
        scope.clone(),
        Some(session_id),
        move |existing| {
            let r = tr::register(&s, &existing, new.clone()).map_err(|e| e.said())?;
            Ok(vec![Write::Put(r)])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the registration was not written".into()))
}

/// Cancels a registration before the session starts: those who manage the scope any, a doctor
/// their own. Returns the cancelled registration first, then those promoted from the waiting
/// list into the freed seat, first in line first.
pub async fn cancel(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    session_id: u64,
    registration: u64,
    now: NaiveDateTime,
) -> Result<Vec<Registration>, AppError> {
    let view = session(store, who, scope, session_id, now).await?;
    let allowed = view.place.access.manage
        || (view.place.access.enrol_self
            && view
                .registrations
                .iter()
                .any(|r| r.id == registration && own(who, r)));
    if !allowed {
        if view.registrations.iter().any(|r| r.id == registration) {
            return Err(denied(
                "この申込を取り消す権限がありません",
                "you may not cancel this registration",
            ));
        }
        return Err(missing(format!("the registration {registration}")));
    }
    let s = view.session.clone();
    let changed = docs::change::<Registration, _>(
        store,
        who.actor(),
        scope.clone(),
        Some(session_id),
        move |existing| {
            let changed = tr::cancel(&s, &existing, registration, now).map_err(|e| e.said())?;
            Ok(changed.into_iter().map(Write::Put).collect())
        },
    )
    .await
    .map_err(crate::placement::said)?;
    Ok(changed)
}

/// Records attendance (出席 when true, 欠席 when false) of confirmed registrations once the
/// session has started (those who manage the scope); returns the registrations changed. A
/// registration already so recorded is left as it is.
pub async fn record_attendance(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    session_id: u64,
    marks: Vec<(u64, bool)>,
    now: NaiveDateTime,
) -> Result<Vec<Registration>, AppError> {
    let view = session(store, who, scope, session_id, now).await?;
    require_manage(&view.place)?;
    let s = view.session.clone();
    let changed = docs::change::<Registration, _>(
        store,
        who.actor(),
        scope.clone(),
        Some(session_id),
        move |mut existing| {
            let mut out = Vec::new();
            for &(id, attended) in &marks {
                let target = if attended {
                    RegistrationState::Attended
                } else {
                    RegistrationState::Absent
                };
                if existing.iter().any(|r| r.id == id && r.state == target) {
                    continue;
                }
                let r = tr::record_attendance(&s, &existing, id, attended, now)
                    .map_err(|e| e.said())?;
                if let Some(slot) = existing.iter_mut().find(|x| x.id == id) {
                    *slot = r.clone();
                }
                out.push(Write::Put(r));
            }
            Ok(out)
        },
    )
    .await
    .map_err(crate::placement::said)?;
    Ok(changed)
}

/// A certificate of attendance with who issues it.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCertificate {
    pub certificate: Certificate,
    pub issuer: Msg,
    pub place: String,
}

/// The certificate of an attended registration of the scope: for those who read rosters, and
/// for a doctor their own. Refused (said) when the person did not attend; `Missing` when the
/// registration is not the principal's to see.
pub async fn certificate(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    registration: u64,
) -> Result<IssuedCertificate, AppError> {
    let p = place(store, who, scope).await?;
    let gone = || missing(format!("the registration {registration}"));
    let r: Registration = docs::get::<Registration>(store, registration)
        .await?
        .filter(|r| r.scope == *scope)
        .filter(|r| p.access.roster || own(who, r))
        .ok_or_else(gone)?;
    let s: Session = docs::get::<Session>(store, r.session)
        .await?
        .ok_or_else(gone)?;
    let c: Course = docs::get::<Course>(store, s.course)
        .await?
        .ok_or_else(gone)?;
    let certificate = tr::certificate(&c, &s, &r).map_err(AppError::invalid)?;
    Ok(IssuedCertificate {
        certificate,
        issuer: p.issuer,
        place: s.place.clone(),
    })
}

/// The scope's requirements, by organisation, year and topic (those who read rosters).
pub async fn requirements(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
) -> Result<Vec<Requirement>, AppError> {
    let p = place(store, who, scope).await?;
    require_roster(&p)?;
    let mut out: Vec<Requirement> = docs::list(store, Filter::scope(scope.clone())).await?;
    out.sort_by(|a, b| {
        (&a.organisation, a.fiscal_year.year(), a.topic.code()).cmp(&(
            &b.organisation,
            b.fiscal_year.year(),
            b.topic.code(),
        ))
    });
    Ok(out)
}

/// Sets how many attendances an organisation must make in a fiscal year for a topic (those
/// who manage the scope; in an alliance, for a corporation that is or was a member): replaces
/// the requirement of the same organisation, year and topic.
pub async fn set_requirement(
    store: &dyn Store,
    who: &Principal,
    input: Requirement,
) -> Result<Requirement, AppError> {
    let scope = input.scope.clone();
    let p = place(store, who, &scope).await?;
    require_manage(&p)?;
    if let DocScope::Alliance(id) = &scope {
        let members = crate::alliance::members(store, who, Some(id), None).await?;
        if !members.iter().any(|m| m.corporation == input.organisation) {
            return Err(crate::placement::rejected(
                format!(
                    "「{}」はこの連携推進法人の参加法人ではありません",
                    input.organisation
                ),
                format!(
                    "'{}' is not a member corporation of this alliance",
                    input.organisation
                ),
            ));
        }
    }
    let written =
        docs::change::<Requirement, _>(store, who.actor(), scope, None, move |existing| {
            let same = existing.iter().find(|r| {
                r.organisation == input.organisation
                    && r.fiscal_year == input.fiscal_year
                    && r.topic == input.topic
            });
            let doc = match same {
                Some(old) => input.clone().with_id(old.id),
                None => input.clone().with_id(0),
            };
            Ok(vec![Write::Put(doc)])
        })
        .await
        .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the requirement was not written".into()))
}

/// Each organisation's attendance per topic over the fiscal year against its requirements
/// (those who read rosters), by organisation, then topic.
pub async fn attendance(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    fy: FiscalYear,
) -> Result<Vec<AttendanceLine>, AppError> {
    let p = place(store, who, scope).await?;
    require_roster(&p)?;
    let f = || Filter::scope(scope.clone());
    let courses: Vec<Course> = docs::list(store, f()).await?;
    let sessions: Vec<Session> = docs::list(store, f()).await?;
    let regs: Vec<Registration> = docs::list(store, f()).await?;
    let reqs: Vec<Requirement> = docs::list(store, f()).await?;
    Ok(tr::yearly_attendance(fy, &courses, &sessions, &regs, &reqs))
}

// ---------------------------------------------------------------------------------------
// Sheets

fn t(x: NaiveDateTime) -> Cell {
    Cell::Text(x.format("%Y-%m-%d %H:%M").to_string())
}

/// Sessions as a sheet: id, course, topic, start, end, place, capacity, registered (confirmed),
/// free, waiting, attended, cancelled (the session).
pub fn sessions_sheet(rows: &[SessionRow]) -> Sheet {
    let n = |x: usize| Cell::Number(x as f64);
    Sheet {
        name: "開催回".into(),
        headers: [
            "id",
            "course",
            "topic",
            "start",
            "end",
            "place",
            "capacity",
            "confirmed",
            "free",
            "waiting",
            "attended",
            "cancelled",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Number(r.session.id as f64),
                    Cell::Text(r.course.title.to_string()),
                    Cell::Text(r.course.topic.label(Lang::Ja).to_string()),
                    t(r.session.start),
                    t(r.session.end),
                    Cell::Text(r.session.place.clone()),
                    Cell::Number(f64::from(r.session.capacity)),
                    n(r.figures.confirmed),
                    n(r.figures.free),
                    n(r.figures.waiting),
                    n(r.figures.attended),
                    Cell::Bool(r.session.cancelled),
                ]
            })
            .collect(),
    }
}

/// A session's registrations as a sheet: id, person, organisation, job, state (Japanese),
/// registered at, cancelled at.
pub fn roster_sheet(regs: &[Registration]) -> Sheet {
    Sheet {
        name: "申込者".into(),
        headers: [
            "id",
            "person",
            "organisation",
            "job",
            "state",
            "registered_at",
            "cancelled_at",
        ]
        .map(String::from)
        .to_vec(),
        rows: regs
            .iter()
            .map(|r| {
                vec![
                    Cell::Number(r.id as f64),
                    Cell::Text(r.person.to_string()),
                    Cell::Text(r.organisation.to_string()),
                    Cell::Text(
                        r.job
                            .map(|j| j.label(Lang::Ja).to_string())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(r.state.label(Lang::Ja).to_string()),
                    t(r.registered_at),
                    r.cancelled_at.map(t).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    }
}

/// Yearly attendance as a sheet: organisation, topic (Japanese), sessions held, attended,
/// required, met, shortfall.
pub fn attendance_sheet(fy: FiscalYear, lines: &[AttendanceLine]) -> Sheet {
    let n = |x: usize| Cell::Number(x as f64);
    Sheet {
        name: format!("{}年度 受講状況", fy.year()),
        headers: [
            "organisation",
            "topic",
            "sessions_held",
            "attended",
            "required",
            "met",
            "shortfall",
        ]
        .map(String::from)
        .to_vec(),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.organisation.to_string()),
                    Cell::Text(l.topic.label(Lang::Ja).to_string()),
                    n(l.sessions_held),
                    n(l.attended),
                    n(l.required),
                    Cell::Bool(l.met),
                    n(l.shortfall),
                ]
            })
            .collect(),
    }
}

/// A session anywhere, as the command line (an administrator) looks it up by its id: its
/// scope.
pub async fn scope_of_session(store: &dyn Store, id: u64) -> Result<DocScope, AppError> {
    docs::get::<Session>(store, id)
        .await?
        .map(|s| s.scope())
        .ok_or_else(|| missing(format!("the session {id}")))
}

// ---------------------------------------------------------------------------------------
// The demo

/// What marks every demo record of this capability.
pub const SYNTHETIC: &str = "架空のデモデータ / synthetic demo data";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|x| x.and_hms_opt(h, min, 0))
        .expect("a valid time")
}

fn demo_name(s: &str) -> Name {
    Name::parse(s).expect("a valid name")
}

/// The 15th of next month at `h:min`, from today (local time).
fn next_month(h: u32, min: u32) -> NaiveDateTime {
    let today = chrono::Local::now().date_naive();
    let (y, m) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    at(y, m, 15, h, min)
}

fn demo_course(
    scope: &DocScope,
    title: &str,
    topic: CourseTopic,
    minutes: u16,
    what: &str,
) -> Course {
    Course::new(CourseFields {
        id: 0,
        scope: scope.clone(),
        title: demo_name(title),
        topic,
        description: format!("{what}（{SYNTHETIC}）"),
        minutes,
    })
    .expect("a valid course")
}

fn demo_session(
    course: &Course,
    start: NaiveDateTime,
    minutes: i64,
    place: &str,
    capacity: u16,
) -> Session {
    Session::new(SessionFields {
        id: 0,
        course: course.id,
        scope: course.scope.clone(),
        start,
        end: start + chrono::Duration::minutes(minutes),
        place: place.into(),
        capacity,
        deadline: start - chrono::Duration::days(3),
        cancelled: false,
    })
    .expect("a valid session")
}

fn demo_registration(
    session: &Session,
    person: &str,
    organisation: &Name,
    job: Job,
    state: RegistrationState,
) -> Registration {
    Registration::new(RegistrationFields {
        id: 0,
        session: session.id,
        scope: session.scope.clone(),
        person: demo_name(person),
        organisation: organisation.clone(),
        job: Some(job),
        doctor: None,
        registered_at: session.deadline - chrono::Duration::days(10),
        state,
        cancelled_at: None,
    })
    .expect("a valid registration")
}

/// Loads this capability's synthetic demo data (every course, session, person and requirement
/// invented, and so marked): 東葛南部メディカルアライアンス's joint 医療安全 and 感染対策 training —
/// two sessions of each in FY2025 with attendance, an upcoming 医療安全 session on the 15th of
/// next month with 20 seats, and two attendances per topic required of each member in FY2025
/// and FY2026 — and Iwate's centre's 内視鏡シミュレーション研修 with a session next month.
pub async fn load_demo(store: &dyn Store) -> Result<(), crate::AppError> {
    let actor = "demo";
    let id = AllianceId::parse("12-TOKATSU-NANBU").expect("a valid id");
    if store.get_alliance(&id).await?.is_some() {
        let scope = DocScope::Alliance(id.clone());
        let members: Vec<Name> = store
            .list_alliance_members(&id, None)
            .await?
            .into_iter()
            .map(|m| m.corporation.clone())
            .collect();
        let safety = docs::put(
            store,
            actor,
            &demo_course(
                &scope,
                "合同医療安全研修",
                CourseTopic::MedicalSafety,
                90,
                "参加法人合同の医療安全研修: インシデント事例の検討",
            ),
        )
        .await?;
        let infection = docs::put(
            store,
            actor,
            &demo_course(
                &scope,
                "合同感染対策研修",
                CourseTopic::InfectionControl,
                60,
                "参加法人合同の院内感染対策研修: 標準予防策と手指衛生",
            ),
        )
        .await?;
        let hall = "参加法人 合同研修室（架空の会場）";
        let past = [
            (&safety, at(2025, 7, 10, 14, 0), 90),
            (&infection, at(2025, 9, 11, 14, 0), 60),
            (&safety, at(2026, 1, 15, 14, 0), 90),
            (&infection, at(2026, 2, 12, 14, 0), 60),
        ];
        let jobs = [Job::Nurse, Job::Doctor, Job::Pharmacist, Job::Technician];
        for (k, (course, start, minutes)) in past.into_iter().enumerate() {
            let s = docs::put(
                store,
                actor,
                &demo_session(course, start, minutes, hall, 40),
            )
            .await?;
            // Every member sends staff to the first two sessions; to the last two, only the
            // first two members attend (the others' staff were absent), so some fall short.
            for (i, org) in members.iter().enumerate() {
                let person = format!("架空 職員{}{}", k + 1, i + 1);
                let state = if k < 2 || i < 2 {
                    RegistrationState::Attended
                } else {
                    RegistrationState::Absent
                };
                let r = demo_registration(&s, &person, org, jobs[i % jobs.len()], state);
                docs::put(store, actor, &r).await?;
            }
        }
        let upcoming = docs::put(
            store,
            actor,
            &demo_session(&safety, next_month(14, 0), 90, hall, 20),
        )
        .await?;
        if let Some(org) = members.first() {
            let r = demo_registration(
                &upcoming,
                "架空 花子",
                org,
                Job::Nurse,
                RegistrationState::Registered,
            );
            let r = Registration::new(RegistrationFields {
                registered_at: (chrono::Local::now().naive_local() - chrono::Duration::days(1))
                    .min(upcoming.deadline),
                ..r.into_fields()
            })
            .expect("a valid registration");
            docs::put(store, actor, &r).await?;
        }
        for fy in [2025, 2026] {
            for org in &members {
                for topic in [CourseTopic::MedicalSafety, CourseTopic::InfectionControl] {
                    let r = Requirement::new(RequirementFields {
                        id: 0,
                        scope: scope.clone(),
                        organisation: org.clone(),
                        fiscal_year: FiscalYear::new(fy).map_err(AppError::invalid)?,
                        topic,
                        required: 2,
                    })
                    .map_err(AppError::invalid)?;
                    docs::put(store, actor, &r).await?;
                }
            }
        }
    }
    let iwate = DocScope::Pref(PrefCode::new(3).expect("Iwate"));
    let sim = docs::put(
        store,
        actor,
        &demo_course(
            &iwate,
            "内視鏡シミュレーション研修",
            CourseTopic::Simulation,
            180,
            "シミュレーターによる上部消化管内視鏡の基本手技",
        ),
    )
    .await?;
    docs::put(
        store,
        actor,
        &demo_session(
            &sim,
            next_month(13, 0),
            180,
            "シミュレーションセンター 実習室（架空の会場）",
            12,
        ),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{DoctorId, Username};
    use chiiki_store::testing;

    fn principal(role: Role, pref: Option<u8>) -> Principal {
        Principal {
            alliance: (role == Role::Secretariat)
                .then(|| AllianceId::parse("12-TOKATSU-NANBU").unwrap()),
            username: Username::parse("tester").unwrap(),
            display_name: "test".into(),
            role,
            pref: pref.and_then(|p| PrefCode::new(p).ok()),
            facility: None,
            doctor: (role == Role::Doctor).then(|| DoctorId::parse("DEMO-2018-001").unwrap()),
        }
    }

    fn tokatsu() -> DocScope {
        DocScope::Alliance(AllianceId::parse("12-TOKATSU-NANBU").unwrap())
    }
    fn iwate() -> DocScope {
        DocScope::Pref(PrefCode::new(3).unwrap())
    }
    fn now() -> NaiveDateTime {
        chrono::Local::now().naive_local()
    }

    fn enrolment(person: &str, organisation: &str) -> Enrolment {
        Enrolment {
            person: person.into(),
            organisation: organisation.into(),
            job: Some(Job::Nurse),
        }
    }

    async fn upcoming(store: &dyn Store, who: &Principal, scope: &DocScope) -> SessionRow {
        sessions(store, who, scope, now())
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.session.start > now())
            .unwrap()
    }

    #[tokio::test]
    async fn who_may_do_what() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let chiba = principal(Role::Coordinator, Some(12));
        let iwate_c = principal(Role::Coordinator, Some(3));
        let auditor = principal(Role::Auditor, Some(3));
        let doctor = principal(Role::Doctor, Some(3));
        let facility = principal(Role::Facility, Some(3));
        // The alliance: its secretariat and Chiba's coordinator manage; Iwate sees nothing.
        assert!(place(store, &sec, &tokatsu()).await.unwrap().access.manage);
        assert!(
            place(store, &chiba, &tokatsu())
                .await
                .unwrap()
                .access
                .manage
        );
        for who in [&iwate_c, &doctor, &facility] {
            assert!(matches!(
                place(store, who, &tokatsu()).await,
                Err(AppError::Store(StoreError::Missing { .. }))
            ));
        }
        // The centre's seminars: a secretariat sees nothing, Chiba's coordinator neither.
        for who in [&sec, &chiba] {
            assert!(place(store, who, &iwate()).await.is_err());
        }
        let a = place(store, &auditor, &iwate()).await.unwrap().access;
        assert!(a.roster && !a.manage);
        let d = place(store, &doctor, &iwate()).await.unwrap().access;
        assert!(d.read && d.enrol_self && !d.roster && !d.manage);
        let f = place(store, &facility, &iwate()).await.unwrap().access;
        assert!(f.read && !f.enrol_self && !f.roster);
        assert_eq!(seminar_home(&sec), None);
        assert_eq!(seminar_home(&doctor), Some(iwate()));

        // A doctor registers themselves under their register name, sees only their own
        // registration, cancels it; an auditor may neither register nor add a course.
        let sim = upcoming(store, &doctor, &iwate()).await;
        let mine = register(
            store,
            &doctor,
            &iwate(),
            sim.session.id,
            enrolment("ignored", "岩手県立釜石病院"),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(mine.doctor.as_ref().unwrap().as_str(), "DEMO-2018-001");
        assert_ne!(mine.person.as_str(), "ignored");
        assert_eq!(mine.state, RegistrationState::Registered);
        let other = register(
            store,
            &iwate_c,
            &iwate(),
            sim.session.id,
            enrolment("架空 岩手太郎", "架空病院"),
            now(),
        )
        .await
        .unwrap();
        let view = session(store, &doctor, &iwate(), sim.session.id, now())
            .await
            .unwrap();
        assert_eq!(view.registrations.len(), 1);
        assert_eq!(view.figures.confirmed, 2);
        assert!(matches!(
            cancel(store, &doctor, &iwate(), sim.session.id, other.id, now()).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        let changed = cancel(store, &doctor, &iwate(), sim.session.id, mine.id, now())
            .await
            .unwrap();
        assert_eq!(changed[0].state, RegistrationState::Cancelled);
        assert!(matches!(
            register(
                store,
                &auditor,
                &iwate(),
                sim.session.id,
                enrolment("架空 監査", "架空病院"),
                now()
            )
            .await,
            Err(AppError::Denied(_))
        ));
        let c = demo_course(&iwate(), "架空研修", CourseTopic::Other, 60, "test");
        assert!(matches!(
            add_course(store, &auditor, c.clone()).await,
            Err(AppError::Denied(_))
        ));
        assert!(matches!(
            add_course(store, &facility, c.clone()).await,
            Err(AppError::Denied(_))
        ));
        assert!(add_course(store, &iwate_c, c).await.unwrap().id > 0);
        // In an alliance, one registers for a member corporation only.
        let up = upcoming(store, &sec, &tokatsu()).await;
        let Err(AppError::Rejected(m)) = register(
            store,
            &sec,
            &tokatsu(),
            up.session.id,
            enrolment("架空 外部", "架空の他法人"),
            now(),
        )
        .await
        else {
            panic!("a non-member was registered")
        };
        assert!(m.en.contains("not a member"), "{m}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn eight_concurrent_registrations_for_three_seats() {
        let t = testing::sqlite().await;
        crate::load_demo(t.store()).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let store = t.shared();
        let members = organisations(store.as_ref(), &sec, &tokatsu(), now().date())
            .await
            .unwrap();
        let course = courses(store.as_ref(), &sec, &tokatsu()).await.unwrap()[0].clone();
        let s = add_session(
            store.as_ref(),
            &sec,
            demo_session(
                &course,
                now() + chrono::Duration::days(30),
                60,
                "架空会場",
                3,
            ),
        )
        .await
        .unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (store, sec) = (store.clone(), sec.clone());
            let org = members[i % members.len()].to_string();
            let id = s.id;
            tasks.push(tokio::spawn(async move {
                register(
                    store.as_ref(),
                    &sec,
                    &tokatsu(),
                    id,
                    enrolment(&format!("架空 並行{i}"), &org),
                    now(),
                )
                .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let view = session(store.as_ref(), &sec, &tokatsu(), s.id, now())
            .await
            .unwrap();
        let count = |st| view.registrations.iter().filter(|r| r.state == st).count();
        assert_eq!(count(RegistrationState::Registered), 3);
        assert_eq!(count(RegistrationState::Waiting), 5);
        assert_eq!((view.figures.free, view.figures.waiting), (0, 5));
        // A cancellation promotes the first in line.
        let first = tr::waiting_list(&view.session, &view.registrations)[0].id;
        let confirmed = view
            .registrations
            .iter()
            .find(|r| r.state == RegistrationState::Registered)
            .unwrap()
            .id;
        let changed = cancel(store.as_ref(), &sec, &tokatsu(), s.id, confirmed, now())
            .await
            .unwrap();
        assert_eq!(changed.len(), 2);
        assert_eq!(changed[1].id, first);
        assert_eq!(changed[1].state, RegistrationState::Registered);
    }

    #[tokio::test]
    async fn certificates_only_for_attendees_and_yearly_attendance() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let members = organisations(store, &sec, &tokatsu(), now().date())
            .await
            .unwrap();
        let course = courses(store, &sec, &tokatsu()).await.unwrap()[0].clone();
        // A session that started an hour ago, registered for before it.
        let start = now() - chrono::Duration::hours(1);
        let s = docs::put(
            store,
            "test",
            &demo_session(&course, start, 120, "架空会場", 10),
        )
        .await
        .unwrap();
        let mut regs = Vec::new();
        for (i, org) in members.iter().take(2).enumerate() {
            let r = demo_registration(
                &s,
                &format!("架空 受講{i}"),
                org,
                Job::Nurse,
                RegistrationState::Registered,
            );
            regs.push(docs::put(store, "test", &r).await.unwrap());
        }
        assert!(matches!(
            certificate(store, &sec, &tokatsu(), regs[0].id).await,
            Err(AppError::Invalid(_))
        ));
        let changed = record_attendance(
            store,
            &sec,
            &tokatsu(),
            s.id,
            vec![(regs[0].id, true), (regs[1].id, false)],
            now(),
        )
        .await
        .unwrap();
        assert_eq!(changed.len(), 2);
        let c = certificate(store, &sec, &tokatsu(), regs[0].id)
            .await
            .unwrap();
        assert_eq!(c.certificate.person.as_str(), "架空 受講0");
        assert_eq!(c.certificate.course, course.title);
        assert!(c.issuer.ja.contains("東葛南部"));
        assert!(
            certificate(store, &sec, &tokatsu(), regs[1].id)
                .await
                .is_err()
        );
        // Iwate's coordinator does not see the alliance's certificates.
        let iwate_c = principal(Role::Coordinator, Some(3));
        assert!(matches!(
            certificate(store, &iwate_c, &tokatsu(), regs[0].id).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        // Cancelling after the start is refused.
        assert!(matches!(
            cancel(store, &sec, &tokatsu(), s.id, regs[0].id, now()).await,
            Err(AppError::Rejected(_))
        ));

        // FY2025 in the demo: the first two members attended all four sessions (two per
        // topic: met); the others only the first of each topic (one short).
        let fy = FiscalYear::new(2025).unwrap();
        let lines = attendance(store, &sec, &tokatsu(), fy).await.unwrap();
        assert_eq!(lines.len(), members.len() * 2);
        let first = members[0].clone();
        for l in &lines {
            let full = members[..2].contains(&l.organisation);
            assert_eq!(l.required, 2);
            assert_eq!(l.sessions_held, 2);
            assert_eq!(l.attended, if full { 2 } else { 1 }, "{l:?}");
            assert_eq!(l.met, full);
        }
        // Raising a requirement replaces it.
        let r = set_requirement(
            store,
            &sec,
            Requirement::new(RequirementFields {
                id: 0,
                scope: tokatsu(),
                organisation: first.clone(),
                fiscal_year: fy,
                topic: CourseTopic::MedicalSafety,
                required: 3,
            })
            .unwrap(),
        )
        .await
        .unwrap();
        assert!(r.id > 0);
        let lines = attendance(store, &sec, &tokatsu(), fy).await.unwrap();
        let l = lines
            .iter()
            .find(|l| l.organisation == first && l.topic == CourseTopic::MedicalSafety)
            .unwrap();
        assert_eq!((l.required, l.met, l.shortfall), (3, false, 1));
        assert_eq!(
            requirements(store, &sec, &tokatsu()).await.unwrap().len(),
            members.len() * 4
        );
        let sheet = attendance_sheet(fy, &lines);
        assert_eq!(sheet.rows.len(), lines.len());
    }
}
