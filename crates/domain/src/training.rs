//! Joint training and seminars: an alliance's joint training (合同研修: 医療安全 and 感染対策,
//! which every hospital must hold at least twice a year) and a prefecture centre's seminars
//! (e.g. a simulation centre's endoscopy and basic surgical skills courses).
//!
//! A course (研修コース) has sessions (開催回); staff of member corporations and facilities
//! register for a session (申込) and are confirmed while seats remain, else put on the waiting
//! list (キャンセル待ち), which is promoted in order of registration as seats free. Attendance
//! (出欠) gives a certificate (修了証) and counts towards an organisation's yearly requirement.
//!
//! The operations on a session's registrations ([`register`], [`cancel`],
//! [`record_attendance`], [`set_capacity`]) are pure: the store calls them under a lock with
//! all registrations of the session and writes back what they return. Together they keep:
//! confirmed seats never exceed the capacity, the waiting list is first in, first out, a
//! person holds at most one live registration per session, and nobody waits while a seat is
//! free (unless the session is cancelled).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::alliance::{invalid, short_text};
use crate::codes::{AllianceId, DoctorId, PrefCode};
use crate::document::{DocScope, Document};
use crate::error::ValueError;
use crate::labels::labelled_enum;
use crate::name::Name;
use crate::text::Msg;
use crate::time::FiscalYear;

/// The most minutes credited for one attendance (12 hours).
pub const MAX_CREDIT_MINUTES: u16 = 720;
/// The longest session, in minutes (12 hours).
pub const MAX_SESSION_MINUTES: i64 = 720;
/// The most seats of a session.
pub const MAX_CAPACITY: u16 = 1000;
/// The longest place (会場), in characters.
pub const MAX_PLACE_CHARS: usize = 100;
/// The most attendances an organisation can be required to make in a year for one topic.
pub const MAX_REQUIRED: u16 = 1000;

labelled_enum!(
    /// What a course is about.
    CourseTopic, "研修分野", "course topic" {
        MedicalSafety = ("medical_safety", "医療安全", "Medical safety", "安全管理"),
        InfectionControl = ("infection_control", "感染対策", "Infection control", "院内感染対策", "感染管理"),
        Simulation = ("simulation", "シミュレーション", "Simulation", "シミュレーション研修"),
        ReturnToWork = ("return_to_work", "復職支援", "Return to work", "復職"),
        Other = ("other", "その他", "Other"),
    }
);

labelled_enum!(
    /// A registered person's occupation (職種).
    Job, "職種", "job" {
        Doctor = ("doctor", "医師", "Doctor"),
        Nurse = ("nurse", "看護師", "Nurse", "看護職", "助産師", "保健師"),
        Pharmacist = ("pharmacist", "薬剤師", "Pharmacist"),
        Therapist = ("therapist", "療法士", "Therapist", "理学療法士", "作業療法士", "言語聴覚士"),
        Technician = ("technician", "技師", "Technician", "臨床検査技師", "診療放射線技師", "臨床工学技士"),
        Clerk = ("clerk", "事務", "Clerk", "事務職員"),
        Other = ("other", "その他", "Other"),
    }
);

labelled_enum!(
    /// Where a registration stands.
    RegistrationState, "申込状況", "registration state" {
        Registered = ("registered", "登録", "Registered", "受付", "確定"),
        Waiting = ("waiting", "キャンセル待ち", "Waiting", "waitlisted"),
        Cancelled = ("cancelled", "取消", "Cancelled", "canceled", "キャンセル"),
        Attended = ("attended", "出席", "Attended"),
        Absent = ("absent", "欠席", "Absent"),
    }
);

impl RegistrationState {
    /// Holds a seat: registered, attended or absent.
    pub fn is_confirmed(self) -> bool {
        matches!(
            self,
            RegistrationState::Registered | RegistrationState::Attended | RegistrationState::Absent
        )
    }
    /// Not cancelled: the person is on the session's list (confirmed or waiting).
    pub fn is_live(self) -> bool {
        self != RegistrationState::Cancelled
    }
}

/// Serialises a [`DocScope`] as `{"alliance": "12-TOKATSU-NANBU"}` or `{"pref": "12"}`.
mod scope_serde {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Repr {
        Alliance(AllianceId),
        Pref(PrefCode),
    }

    pub fn serialize<S: Serializer>(s: &DocScope, ser: S) -> Result<S::Ok, S::Error> {
        match s {
            DocScope::Alliance(a) => Repr::Alliance(a.clone()),
            DocScope::Pref(p) => Repr::Pref(*p),
        }
        .serialize(ser)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DocScope, D::Error> {
        Ok(match Repr::deserialize(d)? {
            Repr::Alliance(a) => DocScope::Alliance(a),
            Repr::Pref(p) => DocScope::Pref(p),
        })
    }
}

fn out_of_range(field: &str, value: impl std::fmt::Display, ja: String, en: String) -> ValueError {
    invalid(
        value.to_string(),
        format!("{field}「{value}」は範囲外です"),
        format!("{field} {value} is out of range"),
        Msg::new(ja, en),
    )
}

// ---------------------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------------------

/// A training course (研修コース): an alliance's joint training or a centre's seminar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CourseFields", into = "CourseFields")]
pub struct Course(CourseFields);

/// The fields of a course, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseFields {
    /// Given by the store; 0 before it is stored.
    #[serde(default)]
    pub id: u64,
    /// The alliance (joint training) or the prefecture's centre (seminars) that holds it.
    #[serde(with = "scope_serde")]
    pub scope: DocScope,
    pub title: Name,
    pub topic: CourseTopic,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub description: String,
    /// Minutes credited per attendance (受講時間), 1 to 720.
    pub minutes: u16,
}

checked_record!(Course, CourseFields);

impl Course {
    /// Checks the fields: 1 to 720 credited minutes and a description of at most 1,000
    /// characters.
    pub fn new(f: CourseFields) -> Result<Self, ValueError> {
        if !(1..=MAX_CREDIT_MINUTES).contains(&f.minutes) {
            return Err(out_of_range(
                "受講時間（分）/ minutes",
                f.minutes,
                format!("受講時間は1〜{MAX_CREDIT_MINUTES}分にしてください"),
                format!("credit 1 to {MAX_CREDIT_MINUTES} minutes per attendance"),
            ));
        }
        crate::dispatch::note(&f.description)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> CourseFields {
        self.0
    }
    /// The credited time as `3時間30分` / `3 h 30 min`.
    pub fn credit(&self) -> Msg {
        credit_text(self.minutes)
    }
}

fn credit_text(minutes: u16) -> Msg {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => Msg::new(format!("{m}分"), format!("{m} min")),
        (h, 0) => Msg::new(format!("{h}時間"), format!("{h} h")),
        (h, m) => Msg::new(format!("{h}時間{m}分"), format!("{h} h {m} min")),
    }
}

impl Document for Course {
    const KIND: &'static str = "training_courses";
    const AUDITED: &'static [&'static str] = &["id", "scope", "title", "topic", "minutes"];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(CourseFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        self.0.scope.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------

/// One session (開催回) of a course: when and where, how many seats, until when one may
/// register, and whether it is cancelled (中止).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SessionFields", into = "SessionFields")]
pub struct Session(SessionFields);

/// The fields of a session, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFields {
    /// Given by the store; 0 before it is stored.
    #[serde(default)]
    pub id: u64,
    /// The course's id.
    pub course: u64,
    /// The course's scope.
    #[serde(with = "scope_serde")]
    pub scope: DocScope,
    pub start: NaiveDateTime,
    /// After the start, at most 12 hours later.
    pub end: NaiveDateTime,
    /// Where (会場), 1 to 100 characters.
    pub place: String,
    /// Seats, 1 to 1,000.
    pub capacity: u16,
    /// The last moment one may register (申込締切), no later than the start.
    pub deadline: NaiveDateTime,
    /// Cancelled (中止): takes no registrations, promotes nobody, records no attendance.
    #[serde(default)]
    pub cancelled: bool,
}

checked_record!(Session, SessionFields);

impl Session {
    /// Checks the fields: a course, an end after the start at most 12 hours later, a place of
    /// 1 to 100 characters, 1 to 1,000 seats and a deadline no later than the start.
    pub fn new(f: SessionFields) -> Result<Self, ValueError> {
        if f.course == 0 {
            return Err(invalid(
                "0",
                "開催回の研修コース（course）が指定されていません".into(),
                "the session's course is not given".into(),
                Msg::new(
                    "登録済みの研修コースを指定してください",
                    "give a stored course",
                ),
            ));
        }
        let minutes = (f.end - f.start).num_minutes();
        if f.end <= f.start || minutes > MAX_SESSION_MINUTES {
            return Err(invalid(
                format!("{} – {}", f.start, f.end),
                format!(
                    "開催回の終了（end, {}）が開始（{}）より後の12時間以内ではありません",
                    f.end, f.start
                ),
                format!(
                    "the session's end ({}) is not after its start ({}) within 12 hours",
                    f.end, f.start
                ),
                Msg::new(
                    "終了を開始より後、12時間以内にしてください（複数日は開催回を分けてください）",
                    "make the end later than the start by at most 12 hours (split longer events into sessions)",
                ),
            ));
        }
        short_text("place", &f.place, MAX_PLACE_CHARS, true)?;
        check_capacity(f.capacity)?;
        if f.deadline > f.start {
            return Err(invalid(
                f.deadline.to_string(),
                format!(
                    "申込締切（deadline, {}）が開始（{}）より後です",
                    f.deadline, f.start
                ),
                format!(
                    "the registration deadline ({}) is after the start ({})",
                    f.deadline, f.start
                ),
                Msg::new(
                    "申込締切を開始以前にしてください",
                    "make the deadline no later than the start",
                ),
            ));
        }
        Ok(Self(f))
    }
    pub fn into_fields(self) -> SessionFields {
        self.0
    }
    /// The day it is held.
    pub fn date(&self) -> NaiveDate {
        self.0.start.date()
    }
    /// The fiscal year (年度) in which it is held.
    pub fn fiscal_year(&self) -> FiscalYear {
        FiscalYear::of(self.date())
    }
    /// Whether it has started at `now`.
    pub fn started(&self, now: NaiveDateTime) -> bool {
        now >= self.0.start
    }
    /// The same session, cancelled (中止). Its registrations stay as they are.
    pub fn cancel(self) -> Self {
        Self(SessionFields {
            cancelled: true,
            ..self.0
        })
    }
    /// Whether it is a session of the course (same id and scope).
    pub fn of_course(&self, course: &Course) -> bool {
        self.0.course == course.id && self.0.scope == course.scope
    }
}

fn check_capacity(capacity: u16) -> Result<(), ValueError> {
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(out_of_range(
            "定員 / capacity",
            capacity,
            format!("定員は1〜{MAX_CAPACITY}人にしてください"),
            format!("give 1 to {MAX_CAPACITY} seats"),
        ));
    }
    Ok(())
}

impl Document for Session {
    const KIND: &'static str = "training_sessions";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "course",
        "scope",
        "start",
        "end",
        "capacity",
        "deadline",
        "cancelled",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(SessionFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        self.0.scope.clone()
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.course)
    }
}

// ---------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------

/// A person's registration (申込) for a session, on behalf of the member corporation or
/// facility they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RegistrationFields", into = "RegistrationFields")]
pub struct Registration(RegistrationFields);

/// The fields of a registration, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationFields {
    /// Given by the store; 0 before it is stored.
    #[serde(default)]
    pub id: u64,
    /// The session's id.
    pub session: u64,
    /// The session's scope.
    #[serde(with = "scope_serde")]
    pub scope: DocScope,
    /// The person's name (氏名).
    pub person: Name,
    /// The member corporation or facility the person belongs to (所属).
    pub organisation: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    /// The doctor in the register, when the person is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor: Option<DoctorId>,
    /// When it was made; orders the waiting list (then the id).
    pub registered_at: NaiveDateTime,
    pub state: RegistrationState,
    /// When it was cancelled: given exactly when the state is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<NaiveDateTime>,
}

checked_record!(Registration, RegistrationFields);

impl Registration {
    /// Checks the fields: a session, a doctor id only for a doctor (or an unstated job), and
    /// a cancellation time, not before the registration, exactly when cancelled.
    pub fn new(f: RegistrationFields) -> Result<Self, ValueError> {
        if f.session == 0 {
            return Err(invalid(
                "0",
                "申込の開催回（session）が指定されていません".into(),
                "the registration's session is not given".into(),
                Msg::new("開催回を指定してください", "give the session"),
            ));
        }
        if let (Some(d), Some(job)) = (&f.doctor, f.job)
            && job != Job::Doctor
        {
            return Err(invalid(
                d.to_string(),
                format!(
                    "職種（job）が「{}」なのに医師ID {d} が指定されています",
                    job.label(crate::Lang::Ja)
                ),
                format!(
                    "doctor id {d} is given but the job is '{}'",
                    job.label(crate::Lang::En)
                ),
                Msg::new(
                    "医師IDは医師の申込にだけ指定してください",
                    "give a doctor id only for a doctor",
                ),
            ));
        }
        match (f.state, f.cancelled_at) {
            (RegistrationState::Cancelled, None) => {
                return Err(invalid(
                    f.state.code(),
                    "取消された申込に取消日時（cancelled_at）がありません".into(),
                    "a cancelled registration has no cancelled_at".into(),
                    Msg::new("取消日時を指定してください", "give when it was cancelled"),
                ));
            }
            (RegistrationState::Cancelled, Some(at)) if at < f.registered_at => {
                return Err(invalid(
                    at.to_string(),
                    format!(
                        "取消日時（cancelled_at, {at}）が申込日時（{}）より前です",
                        f.registered_at
                    ),
                    format!(
                        "cancelled_at ({at}) is before registered_at ({})",
                        f.registered_at
                    ),
                    Msg::new(
                        "取消日時を申込日時以降にしてください",
                        "make it on or after the registration",
                    ),
                ));
            }
            (s, Some(at)) if s != RegistrationState::Cancelled => {
                return Err(invalid(
                    at.to_string(),
                    format!(
                        "「{}」の申込に取消日時（cancelled_at）があります",
                        s.label(crate::Lang::Ja)
                    ),
                    format!(
                        "a registration that is '{}' has a cancelled_at",
                        s.label(crate::Lang::En)
                    ),
                    Msg::new(
                        "取消日時は取消された申込にだけ指定してください",
                        "give cancelled_at only for a cancelled registration",
                    ),
                ));
            }
            _ => {}
        }
        Ok(Self(f))
    }
    pub fn into_fields(self) -> RegistrationFields {
        self.0
    }
    /// Whether it is the same person: the same doctor id, or the same name (spaces
    /// ignored) in the same organisation.
    pub fn same_person(&self, other: &Registration) -> bool {
        if let (Some(a), Some(b)) = (&self.doctor, &other.doctor)
            && a == b
        {
            return true;
        }
        let key =
            |n: &Name| -> String { n.as_str().chars().filter(|c| !c.is_whitespace()).collect() };
        key(&self.person) == key(&other.person)
            && key(&self.organisation) == key(&other.organisation)
    }
    /// Its place in the waiting list: registered earlier first, then the smaller id.
    fn queue_key(&self) -> (NaiveDateTime, u64) {
        (self.registered_at, self.id)
    }
    fn with_state(self, state: RegistrationState, cancelled_at: Option<NaiveDateTime>) -> Self {
        Self(RegistrationFields {
            state,
            cancelled_at,
            ..self.0
        })
    }
}

impl Document for Registration {
    const KIND: &'static str = "training_registrations";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "session",
        "scope",
        "job",
        "registered_at",
        "state",
        "cancelled_at",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(RegistrationFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        self.0.scope.clone()
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.session)
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.organisation.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Operations on one session's registrations
// ---------------------------------------------------------------------------------------

/// The figures of one session's registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionFigures {
    pub capacity: u16,
    /// Registered, not yet marked attended or absent.
    pub registered: usize,
    pub attended: usize,
    pub absent: usize,
    pub waiting: usize,
    pub cancelled: usize,
    /// Confirmed seats: registered + attended + absent.
    pub confirmed: usize,
    /// Seats left: capacity − confirmed (0 when over).
    pub free: usize,
}

/// Counts one session's registrations (those of other sessions are ignored).
pub fn figures(session: &Session, existing: &[Registration]) -> SessionFigures {
    let mut f = SessionFigures {
        capacity: session.capacity,
        ..SessionFigures::default()
    };
    for r in existing.iter().filter(|r| r.session == session.id) {
        match r.state {
            RegistrationState::Registered => f.registered += 1,
            RegistrationState::Attended => f.attended += 1,
            RegistrationState::Absent => f.absent += 1,
            RegistrationState::Waiting => f.waiting += 1,
            RegistrationState::Cancelled => f.cancelled += 1,
        }
    }
    f.confirmed = f.registered + f.attended + f.absent;
    f.free = usize::from(session.capacity).saturating_sub(f.confirmed);
    f
}

/// The session's waiting list, first in line first.
pub fn waiting_list<'a>(session: &Session, existing: &'a [Registration]) -> Vec<&'a Registration> {
    let mut w: Vec<&Registration> = existing
        .iter()
        .filter(|r| r.session == session.id && r.state == RegistrationState::Waiting)
        .collect();
    w.sort_by_key(|r| r.queue_key());
    w
}

fn refuse(input: impl Into<String>, ja: String, en: String, fix: Msg) -> ValueError {
    invalid(input, ja, en, fix)
}

fn session_cancelled(session: &Session) -> ValueError {
    refuse(
        session.id.to_string(),
        format!(
            "開催回 {}（{}）は中止されています",
            session.id, session.start
        ),
        format!("session {} ({}) is cancelled", session.id, session.start),
        Msg::new(
            "中止された開催回は申込・出欠を受け付けません。別の開催回を選んでください",
            "a cancelled session takes no registrations or attendance: choose another session",
        ),
    )
}

fn not_found(session: &Session, id: u64) -> ValueError {
    refuse(
        id.to_string(),
        format!("開催回 {} に申込 {id} がありません", session.id),
        format!("session {} has no registration {id}", session.id),
        Msg::new(
            "この開催回の申込を指定してください",
            "give a registration of this session",
        ),
    )
}

/// Promotes waiting registrations, first in line first, into the free seats; returns the
/// promoted ones (already changed in `regs`).
fn promote(session: &Session, regs: &mut [Registration]) -> Vec<Registration> {
    if session.cancelled {
        return Vec::new();
    }
    let free = figures(session, regs).free;
    let mut order: Vec<usize> = (0..regs.len())
        .filter(|&i| regs[i].session == session.id && regs[i].state == RegistrationState::Waiting)
        .collect();
    order.sort_by_key(|&i| regs[i].queue_key());
    let mut promoted = Vec::new();
    for i in order.into_iter().take(free) {
        let r = regs[i]
            .clone()
            .with_state(RegistrationState::Registered, None);
        regs[i] = r.clone();
        promoted.push(r);
    }
    promoted
}

/// Registers a person for a session: confirmed (registered) while seats remain, else on the
/// waiting list. Refuses a cancelled session, a registration after the deadline, one for
/// another session or scope, and a person already on the session's list (not cancelled).
/// The state and cancellation time of `new` are set here; the store then gives it its id.
pub fn register(
    session: &Session,
    existing: &[Registration],
    new: Registration,
) -> Result<Registration, ValueError> {
    if session.cancelled {
        return Err(session_cancelled(session));
    }
    if new.session != session.id || new.scope != session.scope {
        return Err(refuse(
            new.session.to_string(),
            format!(
                "申込の開催回（session, {} / {}）がこの開催回（{} / {}）と違います",
                new.session, new.scope, session.id, session.scope
            ),
            format!(
                "the registration's session ({} / {}) is not this session ({} / {})",
                new.session, new.scope, session.id, session.scope
            ),
            Msg::new(
                "申込する開催回とその範囲を指定してください",
                "give the session registered for and its scope",
            ),
        ));
    }
    if new.registered_at > session.deadline {
        return Err(refuse(
            new.registered_at.to_string(),
            format!(
                "申込締切（deadline, {}）を過ぎています（申込日時 {}）",
                session.deadline, new.registered_at
            ),
            format!(
                "the registration deadline ({}) has passed (registered_at {})",
                session.deadline, new.registered_at
            ),
            Msg::new(
                "締切前の別の開催回に申し込んでください",
                "register for another session whose deadline has not passed",
            ),
        ));
    }
    if let Some(dup) = existing
        .iter()
        .find(|r| r.session == session.id && r.state.is_live() && r.same_person(&new))
    {
        return Err(refuse(
            new.person.to_string(),
            format!(
                "「{}」（{}）はこの開催回に申込済みです（申込 {}、{}）",
                new.person,
                new.organisation,
                dup.id,
                dup.state.label(crate::Lang::Ja)
            ),
            format!(
                "'{}' ({}) is already registered for this session (registration {}, {})",
                new.person,
                new.organisation,
                dup.id,
                dup.state.label(crate::Lang::En)
            ),
            Msg::new(
                format!(
                    "既存の申込 {} を使うか、取り消してから申し込んでください",
                    dup.id
                ),
                format!(
                    "keep registration {} or cancel it before registering again",
                    dup.id
                ),
            ),
        ));
    }
    let f = figures(session, existing);
    let state = if f.confirmed < usize::from(session.capacity) {
        RegistrationState::Registered
    } else {
        RegistrationState::Waiting
    };
    Ok(new.with_state(state, None))
}

/// Cancels a registration (registered or waiting) before the session starts. Returns the
/// changed registrations: the cancelled one first, then, when a confirmed seat frees, the
/// waiting ones promoted into free seats, first in line first.
pub fn cancel(
    session: &Session,
    existing: &[Registration],
    id: u64,
    at: NaiveDateTime,
) -> Result<Vec<Registration>, ValueError> {
    let mut regs: Vec<Registration> = existing
        .iter()
        .filter(|r| r.session == session.id)
        .cloned()
        .collect();
    let i = regs
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(|| not_found(session, id))?;
    let r = &regs[i];
    if !matches!(
        r.state,
        RegistrationState::Registered | RegistrationState::Waiting
    ) {
        return Err(refuse(
            id.to_string(),
            format!(
                "申込 {id}（{}）は「{}」のため取り消せません",
                r.person,
                r.state.label(crate::Lang::Ja)
            ),
            format!(
                "registration {id} ({}) is '{}' and cannot be cancelled",
                r.person,
                r.state.label(crate::Lang::En)
            ),
            Msg::new(
                "取り消せるのは登録・キャンセル待ちの申込だけです",
                "only registered or waiting registrations can be cancelled",
            ),
        ));
    }
    if session.started(at) {
        return Err(refuse(
            at.to_string(),
            format!(
                "開催回は開始（{}）済みのため申込 {id} を取り消せません（取消日時 {at}）",
                session.start
            ),
            format!(
                "the session has started ({}): registration {id} cannot be cancelled at {at}",
                session.start
            ),
            Msg::new(
                "開始後は出欠（欠席）を記録してください",
                "once started, record attendance (absent) instead",
            ),
        ));
    }
    if at < r.registered_at {
        return Err(refuse(
            at.to_string(),
            format!(
                "取消日時（{at}）が申込日時（{}）より前です",
                r.registered_at
            ),
            format!(
                "the cancellation ({at}) is before the registration ({})",
                r.registered_at
            ),
            Msg::new(
                "取消日時を申込日時以降にしてください",
                "cancel on or after the registration",
            ),
        ));
    }
    let cancelled = regs[i]
        .clone()
        .with_state(RegistrationState::Cancelled, Some(at));
    regs[i] = cancelled.clone();
    let mut changed = vec![cancelled];
    changed.extend(promote(session, &mut regs));
    Ok(changed)
}

/// Records whether a confirmed person attended (出席) or not (欠席), once the session has
/// started at `now`. A recorded attendance may be corrected the same way.
pub fn record_attendance(
    session: &Session,
    existing: &[Registration],
    id: u64,
    attended: bool,
    now: NaiveDateTime,
) -> Result<Registration, ValueError> {
    if session.cancelled {
        return Err(session_cancelled(session));
    }
    let r = existing
        .iter()
        .find(|r| r.session == session.id && r.id == id)
        .ok_or_else(|| not_found(session, id))?;
    if !r.state.is_confirmed() {
        return Err(refuse(
            id.to_string(),
            format!(
                "申込 {id}（{}）は「{}」のため出欠を記録できません",
                r.person,
                r.state.label(crate::Lang::Ja)
            ),
            format!(
                "registration {id} ({}) is '{}': no attendance can be recorded",
                r.person,
                r.state.label(crate::Lang::En)
            ),
            Msg::new(
                "出欠は登録（確定）した申込にだけ記録できます",
                "record attendance only for registered (confirmed) people",
            ),
        ));
    }
    if !session.started(now) {
        return Err(refuse(
            now.to_string(),
            format!(
                "開催回はまだ始まっていません（開始 {}、現在 {now}）",
                session.start
            ),
            format!(
                "the session has not started yet (start {}, now {now})",
                session.start
            ),
            Msg::new(
                "出欠は開始後に記録してください",
                "record attendance once the session has started",
            ),
        ));
    }
    let state = if attended {
        RegistrationState::Attended
    } else {
        RegistrationState::Absent
    };
    Ok(r.clone().with_state(state, None))
}

/// Changes a session's capacity. Raising it promotes waiting registrations, first in line
/// first, into the new seats; lowering it below the confirmed seats is refused. Returns the
/// changed session and the promoted registrations.
pub fn set_capacity(
    session: &Session,
    existing: &[Registration],
    capacity: u16,
) -> Result<(Session, Vec<Registration>), ValueError> {
    check_capacity(capacity)?;
    let confirmed = figures(session, existing).confirmed;
    if usize::from(capacity) < confirmed {
        return Err(refuse(
            capacity.to_string(),
            format!("定員（capacity, {capacity}）が確定済みの{confirmed}人より少なくなります"),
            format!("capacity {capacity} is below the {confirmed} confirmed seats"),
            Msg::new(
                format!("{confirmed}人以上にするか、先に申込を取り消してください"),
                format!("give at least {confirmed}, or cancel registrations first"),
            ),
        ));
    }
    let changed = Session(SessionFields {
        capacity,
        ..session.0.clone()
    });
    let mut regs: Vec<Registration> = existing
        .iter()
        .filter(|r| r.session == session.id)
        .cloned()
        .collect();
    let promoted = promote(&changed, &mut regs);
    Ok((changed, promoted))
}

// ---------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------

/// The data of a certificate of attendance (修了証).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// `{scope}-{fiscal year}-{registration id:06}`, e.g. `12-TOKATSU-NANBU-2025-000042`:
    /// the same for the same registration, different for different registrations.
    pub number: String,
    /// Who issues it: the alliance's id or the prefecture's code.
    pub issuer: String,
    pub person: Name,
    pub organisation: Name,
    pub course: Name,
    pub topic: CourseTopic,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub fiscal_year: FiscalYear,
    /// The day in 和暦, e.g. `令和7年6月14日`.
    pub date_wareki: String,
    /// Minutes credited (受講時間).
    pub minutes: u16,
    /// The credited time, e.g. `3時間30分` / `3 h 30 min`.
    pub credit: Msg,
}

/// The certificate of an attended registration of a stored session of the course.
pub fn certificate(
    course: &Course,
    session: &Session,
    registration: &Registration,
) -> Result<Certificate, ValueError> {
    if !session.of_course(course) || registration.session != session.id || registration.id == 0 {
        return Err(refuse(
            registration.id.to_string(),
            format!(
                "申込 {}（開催回 {}）はこの研修コース {} の開催回 {} のものではありません",
                registration.id, registration.session, course.id, session.id
            ),
            format!(
                "registration {} (session {}) is not of session {} of course {}",
                registration.id, registration.session, session.id, course.id
            ),
            Msg::new(
                "登録済みの申込とその開催回・研修コースを指定してください",
                "give a stored registration with its session and course",
            ),
        ));
    }
    if registration.state != RegistrationState::Attended {
        return Err(refuse(
            registration.id.to_string(),
            format!(
                "申込 {}（{}）は「{}」のため修了証を発行できません",
                registration.id,
                registration.person,
                registration.state.label(crate::Lang::Ja)
            ),
            format!(
                "registration {} ({}) is '{}': no certificate",
                registration.id,
                registration.person,
                registration.state.label(crate::Lang::En)
            ),
            Msg::new(
                "修了証は出席した人にだけ発行できます。先に出席を記録してください",
                "certificates are for attendees only: record the attendance first",
            ),
        ));
    }
    let fy = session.fiscal_year();
    Ok(Certificate {
        number: format!(
            "{}-{}-{:06}",
            session.scope.key(),
            fy.year(),
            registration.id
        ),
        issuer: session.scope.key(),
        person: registration.person.clone(),
        organisation: registration.organisation.clone(),
        course: course.title.clone(),
        topic: course.topic,
        start: session.start,
        end: session.end,
        fiscal_year: fy,
        date_wareki: crate::date::format_wareki(session.date()),
        minutes: course.minutes,
        credit: course.credit(),
    })
}

// ---------------------------------------------------------------------------------------
// Yearly requirements
// ---------------------------------------------------------------------------------------

/// How many attendances an organisation must make in a fiscal year for one topic (e.g. two
/// 医療安全 and two 感染対策 trainings a year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RequirementFields", into = "RequirementFields")]
pub struct Requirement(RequirementFields);

/// The fields of a requirement, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementFields {
    /// Given by the store; 0 before it is stored.
    #[serde(default)]
    pub id: u64,
    #[serde(with = "scope_serde")]
    pub scope: DocScope,
    /// The member corporation or facility, as its staff register.
    pub organisation: Name,
    pub fiscal_year: FiscalYear,
    pub topic: CourseTopic,
    /// Attendances required, 1 to 1,000.
    pub required: u16,
}

checked_record!(Requirement, RequirementFields);

impl Requirement {
    /// Checks the fields: 1 to 1,000 required attendances.
    pub fn new(f: RequirementFields) -> Result<Self, ValueError> {
        if !(1..=MAX_REQUIRED).contains(&f.required) {
            return Err(out_of_range(
                "必要回数 / required",
                f.required,
                format!("必要回数は1〜{MAX_REQUIRED}回にしてください"),
                format!("require 1 to {MAX_REQUIRED} attendances"),
            ));
        }
        Ok(Self(f))
    }
    pub fn into_fields(self) -> RequirementFields {
        self.0
    }
}

impl Document for Requirement {
    const KIND: &'static str = "training_requirements";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "scope",
        "organisation",
        "fiscal_year",
        "topic",
        "required",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(RequirementFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        self.0.scope.clone()
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.organisation.to_string())
    }
}

/// One organisation's attendance for one topic over a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceLine {
    pub organisation: Name,
    pub topic: CourseTopic,
    /// Sessions of the topic held in the year (not cancelled), among those given.
    pub sessions_held: usize,
    /// Attendances of the organisation's staff at sessions of the topic in the year.
    pub attended: usize,
    /// Attendances required (0 when there is no requirement).
    pub required: usize,
    /// Attended at least as often as required.
    pub met: bool,
    /// Attendances still missing: required − attended, at least 0.
    pub shortfall: usize,
}

/// Each organisation's attendance per topic over the fiscal year (April to March, by the
/// session's start): a line for every requirement of the year and for every organisation
/// and topic with an attendance, ordered by organisation, then topic. Several requirements
/// for the same organisation and topic count as the largest. Registrations of sessions not
/// given, and sessions of courses not given, are left out.
pub fn yearly_attendance(
    fiscal_year: FiscalYear,
    courses: &[Course],
    sessions: &[Session],
    registrations: &[Registration],
    requirements: &[Requirement],
) -> Vec<AttendanceLine> {
    let topic_of: HashMap<u64, CourseTopic> = courses.iter().map(|c| (c.id, c.topic)).collect();
    // The year's sessions and their topics.
    let in_year: HashMap<u64, CourseTopic> = sessions
        .iter()
        .filter(|s| s.fiscal_year() == fiscal_year)
        .filter_map(|s| topic_of.get(&s.course).map(|t| (s.id, *t)))
        .collect();
    let mut held: HashMap<CourseTopic, usize> = HashMap::new();
    for s in sessions
        .iter()
        .filter(|s| !s.cancelled && in_year.contains_key(&s.id))
    {
        if let Some(t) = in_year.get(&s.id) {
            *held.entry(*t).or_default() += 1;
        }
    }
    // (organisation, topic) -> (attended, required)
    let mut lines: BTreeMap<(Name, CourseTopic), (usize, usize)> = BTreeMap::new();
    for r in requirements.iter().filter(|r| r.fiscal_year == fiscal_year) {
        let e = lines.entry((r.organisation.clone(), r.topic)).or_default();
        e.1 = e.1.max(usize::from(r.required));
    }
    for r in registrations
        .iter()
        .filter(|r| r.state == RegistrationState::Attended)
    {
        if let Some(t) = in_year.get(&r.session) {
            lines.entry((r.organisation.clone(), *t)).or_default().0 += 1;
        }
    }
    lines
        .into_iter()
        .map(
            |((organisation, topic), (attended, required))| AttendanceLine {
                organisation,
                topic,
                sessions_held: held.get(&topic).copied().unwrap_or(0),
                attended,
                required,
                met: attended >= required,
                shortfall: required.saturating_sub(attended),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Explain;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
    fn alliance() -> DocScope {
        DocScope::Alliance(AllianceId::parse("12-TOKATSU-NANBU").unwrap())
    }
    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }
    fn course_fields() -> CourseFields {
        CourseFields {
            id: 7,
            scope: alliance(),
            title: name("合同医療安全研修（架空）"),
            topic: CourseTopic::MedicalSafety,
            description: "インシデント報告の事例検討".into(),
            minutes: 90,
        }
    }
    fn course() -> Course {
        Course::new(course_fields()).unwrap()
    }
    fn session_fields(capacity: u16) -> SessionFields {
        SessionFields {
            id: 3,
            course: 7,
            scope: alliance(),
            start: at("2025-06-14 13:00"),
            end: at("2025-06-14 14:30"),
            place: "架空第一病院 講堂".into(),
            capacity,
            deadline: at("2025-06-10 17:00"),
            cancelled: false,
        }
    }
    fn session(capacity: u16) -> Session {
        Session::new(session_fields(capacity)).unwrap()
    }
    fn reg_fields(person: &str, org: &str, when: &str) -> RegistrationFields {
        RegistrationFields {
            id: 0,
            session: 3,
            scope: alliance(),
            person: name(person),
            organisation: name(org),
            job: Some(Job::Nurse),
            doctor: None,
            registered_at: at(when),
            state: RegistrationState::Registered,
            cancelled_at: None,
        }
    }
    fn reg(person: &str, org: &str, when: &str) -> Registration {
        Registration::new(reg_fields(person, org, when)).unwrap()
    }
    /// Registers and stores (gives the next id).
    fn add(s: &Session, regs: &mut Vec<Registration>, new: Registration) -> Registration {
        let r = register(s, regs, new)
            .unwrap()
            .with_id(regs.len() as u64 + 1);
        regs.push(r.clone());
        r
    }
    fn apply(regs: &mut [Registration], changed: &[Registration]) {
        for c in changed {
            if let Some(r) = regs.iter_mut().find(|r| r.id == c.id) {
                *r = c.clone();
            }
        }
    }
    fn text(e: &ValueError) -> String {
        format!("{} {}", e.problem(), e.fix())
    }

    #[test]
    fn labels_parse_codes_and_japanese() {
        assert_eq!(
            CourseTopic::parse("感染対策").unwrap(),
            CourseTopic::InfectionControl
        );
        assert_eq!(
            CourseTopic::parse("medical_safety").unwrap(),
            CourseTopic::MedicalSafety
        );
        assert_eq!(Job::parse("理学療法士").unwrap(), Job::Therapist);
        assert_eq!(
            RegistrationState::parse("キャンセル待ち").unwrap(),
            RegistrationState::Waiting
        );
        assert_eq!(RegistrationState::Attended.label(crate::Lang::Ja), "出席");
        assert!(CourseTopic::parse("料理").is_err());
    }

    #[test]
    fn courses_credit_bounded_minutes() {
        let c = course();
        assert_eq!(c.credit(), Msg::new("1時間30分", "1 h 30 min"));
        assert_eq!(credit_text(45).ja, "45分");
        assert_eq!(credit_text(120).en, "2 h");
        for bad in [0, 721] {
            let e = Course::new(CourseFields {
                minutes: bad,
                ..course_fields()
            })
            .unwrap_err();
            assert!(e.problem.ja.contains("受講時間"), "{}", text(&e));
            assert!(e.problem.en.contains("minutes"), "{}", text(&e));
        }
        let long = Course::new(CourseFields {
            description: "あ".repeat(1001),
            ..course_fields()
        });
        assert!(long.is_err());
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.contains(r#""scope":{"alliance":"12-TOKATSU-NANBU"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Course>(&json).unwrap(), c);
        let pref = Course::new(CourseFields {
            scope: DocScope::Pref(PrefCode::new(12).unwrap()),
            topic: CourseTopic::Simulation,
            ..course_fields()
        })
        .unwrap();
        let json = serde_json::to_string(&pref).unwrap();
        assert!(json.contains(r#""scope":{"pref":"12"}"#), "{json}");
        assert_eq!(serde_json::from_str::<Course>(&json).unwrap(), pref);
        assert!(serde_json::from_str::<Course>(&json.replace("90", "0")).is_err());
        assert_eq!(Course::KIND, "training_courses");
        assert_eq!(c.clone().with_id(9).id(), 9);
    }

    #[test]
    fn sessions_check_times_place_capacity_and_deadline() {
        let s = session(30);
        assert_eq!(s.parent(), Some(7));
        assert_eq!(s.fiscal_year().year(), 2025);
        assert!(s.of_course(&course()));
        let end_before = Session::new(SessionFields {
            end: at("2025-06-14 12:00"),
            ..session_fields(30)
        })
        .unwrap_err();
        assert!(
            end_before.problem.ja.contains("終了（end"),
            "{}",
            text(&end_before)
        );
        assert!(end_before.problem.en.contains("end"));
        let too_long = Session::new(SessionFields {
            end: at("2025-06-15 01:01"),
            ..session_fields(30)
        });
        assert!(too_long.is_err());
        // Exactly twelve hours, across midnight, is allowed.
        assert!(
            Session::new(SessionFields {
                start: at("2025-06-14 20:00"),
                end: at("2025-06-15 08:00"),
                ..session_fields(30)
            })
            .is_ok()
        );
        for bad in [0, 1001] {
            let e = Session::new(session_fields(bad)).unwrap_err();
            assert!(e.problem.ja.contains("定員"), "{}", text(&e));
            assert!(e.problem.en.contains("capacity"), "{}", text(&e));
        }
        let place = Session::new(SessionFields {
            place: " ".into(),
            ..session_fields(30)
        })
        .unwrap_err();
        assert!(place.problem.en.contains("place"));
        let late = Session::new(SessionFields {
            deadline: at("2025-06-14 13:01"),
            ..session_fields(30)
        })
        .unwrap_err();
        assert!(late.problem.ja.contains("申込締切"), "{}", text(&late));
        assert!(late.problem.en.contains("deadline"));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), s);
        assert!(s.clone().cancel().cancelled);
    }

    #[test]
    fn registrations_check_doctor_and_cancellation_time() {
        let r = reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00");
        assert_eq!(r.owner().as_deref(), Some("架空第一病院"));
        assert_eq!(r.parent(), Some(3));
        assert!(
            Registration::new(RegistrationFields {
                doctor: Some(DoctorId::parse("D-0001").unwrap()),
                ..reg_fields("山田花子（架空）", "架空第一病院", "2025-06-01 09:00")
            })
            .is_err()
        );
        assert!(
            Registration::new(RegistrationFields {
                doctor: Some(DoctorId::parse("D-0001").unwrap()),
                job: Some(Job::Doctor),
                ..reg_fields("佐藤一郎（架空）", "架空第一病院", "2025-06-01 09:00")
            })
            .is_ok()
        );
        let no_time = Registration::new(RegistrationFields {
            state: RegistrationState::Cancelled,
            ..reg_fields("山田花子（架空）", "架空第一病院", "2025-06-01 09:00")
        })
        .unwrap_err();
        assert!(no_time.problem.en.contains("cancelled_at"));
        let stray = Registration::new(RegistrationFields {
            cancelled_at: Some(at("2025-06-02 09:00")),
            ..reg_fields("山田花子（架空）", "架空第一病院", "2025-06-01 09:00")
        })
        .unwrap_err();
        assert!(stray.problem.ja.contains("取消日時"));
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Registration>(&json).unwrap(), r);
    }

    #[test]
    fn register_confirms_until_full_then_waits() {
        let s = session(2);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        let b = add(
            &s,
            &mut regs,
            reg("佐藤一郎（架空）", "架空第一病院", "2025-06-01 10:00"),
        );
        let c = add(
            &s,
            &mut regs,
            reg("鈴木次郎（架空）", "架空第二病院", "2025-06-01 11:00"),
        );
        assert_eq!(a.state, RegistrationState::Registered);
        assert_eq!(b.state, RegistrationState::Registered);
        assert_eq!(c.state, RegistrationState::Waiting);
        let f = figures(&s, &regs);
        assert_eq!((f.confirmed, f.waiting, f.free), (2, 1, 0));
        assert_eq!(waiting_list(&s, &regs)[0].id, c.id);
    }

    #[test]
    fn register_refuses_duplicates_deadline_and_cancelled_sessions() {
        let s = session(5);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        // Same person, spaces differ.
        let dup = register(
            &s,
            &regs,
            reg("山田 花子（架空）", "架空第一病院", "2025-06-02 09:00"),
        )
        .unwrap_err();
        assert!(
            dup.problem.ja.contains(&format!("申込 {}", a.id)),
            "{}",
            text(&dup)
        );
        assert!(dup.problem.en.contains(&format!("registration {}", a.id)));
        // Same name in another organisation is another person.
        assert!(
            register(
                &s,
                &regs,
                reg("山田花子（架空）", "架空第二病院", "2025-06-02 09:00")
            )
            .is_ok()
        );
        // After cancelling, one may register again.
        let changed = cancel(&s, &regs, a.id, at("2025-06-03 09:00")).unwrap();
        apply(&mut regs, &changed);
        assert!(
            register(
                &s,
                &regs,
                reg("山田花子（架空）", "架空第一病院", "2025-06-04 09:00")
            )
            .is_ok()
        );
        let late = register(
            &s,
            &regs,
            reg("高橋三郎（架空）", "架空第一病院", "2025-06-10 17:01"),
        )
        .unwrap_err();
        assert!(late.problem.ja.contains("申込締切"), "{}", text(&late));
        assert!(late.problem.en.contains("deadline"));
        assert!(
            register(
                &s,
                &regs,
                reg("高橋三郎（架空）", "架空第一病院", "2025-06-10 17:00")
            )
            .is_ok()
        );
        let off = s.clone().cancel();
        let e = register(
            &off,
            &regs,
            reg("高橋三郎（架空）", "架空第一病院", "2025-06-05 09:00"),
        )
        .unwrap_err();
        assert!(e.problem.ja.contains("中止"));
        assert!(e.problem.en.contains("cancelled"));
        let other = Registration::new(RegistrationFields {
            session: 4,
            ..reg_fields("高橋三郎（架空）", "架空第一病院", "2025-06-05 09:00")
        })
        .unwrap();
        assert!(register(&s, &regs, other).is_err());
        // The same doctor id is the same person whatever the name.
        let doc = |p: &str| {
            Registration::new(RegistrationFields {
                job: Some(Job::Doctor),
                doctor: Some(DoctorId::parse("D-0009").unwrap()),
                ..reg_fields(p, "架空第三病院", "2025-06-05 09:00")
            })
            .unwrap()
        };
        add(&s, &mut regs, doc("伊藤四郎（架空）"));
        assert!(register(&s, &regs, doc("伊藤 四郎 (架空)")).is_err());
    }

    #[test]
    fn cancel_promotes_the_first_waiting() {
        let s = session(1);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        let b = add(
            &s,
            &mut regs,
            reg("佐藤一郎（架空）", "架空第一病院", "2025-06-01 10:00"),
        );
        let c = add(
            &s,
            &mut regs,
            reg("鈴木次郎（架空）", "架空第二病院", "2025-06-01 10:00"),
        );
        // Cancelling a waiting one promotes nobody.
        let changed = cancel(&s, &regs, c.id, at("2025-06-02 09:00")).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].state, RegistrationState::Cancelled);
        assert_eq!(changed[0].cancelled_at, Some(at("2025-06-02 09:00")));
        apply(&mut regs, &changed);
        let changed = cancel(&s, &regs, a.id, at("2025-06-02 10:00")).unwrap();
        assert_eq!(changed.len(), 2);
        assert_eq!(changed[1].id, b.id);
        assert_eq!(changed[1].state, RegistrationState::Registered);
        apply(&mut regs, &changed);
        let again = cancel(&s, &regs, a.id, at("2025-06-02 11:00")).unwrap_err();
        assert!(again.problem.ja.contains("取消"), "{}", text(&again));
        assert!(again.problem.en.contains("cannot be cancelled"));
        let missing = cancel(&s, &regs, 99, at("2025-06-02 11:00")).unwrap_err();
        assert!(missing.problem.en.contains("99"));
        let started = cancel(&s, &regs, b.id, at("2025-06-14 13:00")).unwrap_err();
        assert!(started.problem.ja.contains("開始"), "{}", text(&started));
        assert!(started.fix.en.contains("absent"));
    }

    #[test]
    fn a_cancelled_session_promotes_nobody() {
        let s = session(1);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        add(
            &s,
            &mut regs,
            reg("佐藤一郎（架空）", "架空第一病院", "2025-06-01 10:00"),
        );
        let off = s.clone().cancel();
        let changed = cancel(&off, &regs, a.id, at("2025-06-02 09:00")).unwrap();
        assert_eq!(changed.len(), 1);
        let (_, promoted) = set_capacity(&off, &regs, 5).unwrap();
        assert!(promoted.is_empty());
        assert_eq!(
            (Session::KIND, Registration::KIND, Requirement::KIND),
            (
                "training_sessions",
                "training_registrations",
                "training_requirements"
            )
        );
        assert!(!Registration::AUDITED.contains(&"person"));
    }

    #[test]
    fn waiting_list_is_ordered_by_time_then_id() {
        let s = session(1);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        // Stored out of time order: the earlier registration comes first in line.
        let late = add(
            &s,
            &mut regs,
            reg("佐藤一郎（架空）", "架空第一病院", "2025-06-03 10:00"),
        );
        let early = add(
            &s,
            &mut regs,
            reg("鈴木次郎（架空）", "架空第二病院", "2025-06-02 10:00"),
        );
        let list: Vec<u64> = waiting_list(&s, &regs).iter().map(|r| r.id).collect();
        assert_eq!(list, vec![early.id, late.id]);
        let changed = cancel(&s, &regs, a.id, at("2025-06-04 09:00")).unwrap();
        assert_eq!(changed[1].id, early.id);
    }

    #[test]
    fn attendance_only_for_confirmed_once_started() {
        let s = session(1);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        let b = add(
            &s,
            &mut regs,
            reg("佐藤一郎（架空）", "架空第一病院", "2025-06-01 10:00"),
        );
        let early = record_attendance(&s, &regs, a.id, true, at("2025-06-14 12:59")).unwrap_err();
        assert!(
            early.problem.ja.contains("始まっていません"),
            "{}",
            text(&early)
        );
        assert!(early.problem.en.contains("not started"));
        let r = record_attendance(&s, &regs, a.id, true, at("2025-06-14 13:00")).unwrap();
        assert_eq!(r.state, RegistrationState::Attended);
        apply(&mut regs, &[r]);
        // A correction.
        let r = record_attendance(&s, &regs, a.id, false, at("2025-06-15 09:00")).unwrap();
        assert_eq!(r.state, RegistrationState::Absent);
        let waiting = record_attendance(&s, &regs, b.id, true, at("2025-06-14 13:00")).unwrap_err();
        assert!(
            waiting.problem.ja.contains("キャンセル待ち"),
            "{}",
            text(&waiting)
        );
        assert!(waiting.problem.en.contains("Waiting"));
        let off = s.clone().cancel();
        assert!(record_attendance(&off, &regs, a.id, true, at("2025-06-14 13:00")).is_err());
    }

    #[test]
    fn capacity_rises_with_promotion_and_never_below_confirmed() {
        let s = session(1);
        let mut regs = Vec::new();
        add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        let b = add(
            &s,
            &mut regs,
            reg("佐藤一郎（架空）", "架空第一病院", "2025-06-01 10:00"),
        );
        let c = add(
            &s,
            &mut regs,
            reg("鈴木次郎（架空）", "架空第二病院", "2025-06-01 11:00"),
        );
        let d = add(
            &s,
            &mut regs,
            reg("高橋三郎（架空）", "架空第二病院", "2025-06-01 12:00"),
        );
        let (s2, promoted) = set_capacity(&s, &regs, 3).unwrap();
        assert_eq!(s2.capacity, 3);
        assert_eq!(
            promoted.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![b.id, c.id]
        );
        apply(&mut regs, &promoted);
        assert_eq!(waiting_list(&s2, &regs)[0].id, d.id);
        let e = set_capacity(&s2, &regs, 2).unwrap_err();
        assert!(e.problem.ja.contains("確定済みの3人"), "{}", text(&e));
        assert!(e.problem.en.contains("capacity"));
        assert!(set_capacity(&s2, &regs, 0).is_err());
        let (same, none) = set_capacity(&s2, &regs, 3).unwrap();
        assert_eq!(same, s2);
        assert!(none.is_empty());
    }

    #[test]
    fn certificates_only_for_attendees() {
        let c = course();
        let s = session(5);
        let mut regs = Vec::new();
        let a = add(
            &s,
            &mut regs,
            reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00"),
        );
        let e = certificate(&c, &s, &a).unwrap_err();
        assert!(e.problem.ja.contains("修了証"), "{}", text(&e));
        assert!(e.problem.en.contains("certificate"));
        let att = record_attendance(&s, &regs, a.id, true, at("2025-06-14 15:00")).unwrap();
        let cert = certificate(&c, &s, &att).unwrap();
        assert_eq!(cert.number, "12-TOKATSU-NANBU-2025-000001");
        assert_eq!(cert.date_wareki, "令和7年6月14日");
        assert_eq!(cert.minutes, 90);
        assert_eq!(cert.credit.ja, "1時間30分");
        assert_eq!(cert.fiscal_year.year(), 2025);
        assert_eq!(certificate(&c, &s, &att).unwrap(), cert);
        let other = certificate(&c, &s, &att.clone().with_id(2)).unwrap();
        assert_ne!(other.number, cert.number);
        let absent = record_attendance(&s, &regs, a.id, false, at("2025-06-14 15:00")).unwrap();
        assert!(certificate(&c, &s, &absent).is_err());
        let wrong_course = course().with_id(8);
        assert!(certificate(&wrong_course, &s, &att).is_err());
        // A session in March belongs to the previous fiscal year.
        let march = Session::new(SessionFields {
            start: at("2026-03-31 13:00"),
            end: at("2026-03-31 15:00"),
            deadline: at("2026-03-20 17:00"),
            ..session_fields(5)
        })
        .unwrap();
        let cert = certificate(&c, &march, &att).unwrap();
        assert_eq!(cert.number, "12-TOKATSU-NANBU-2025-000001");
        assert_eq!(cert.date_wareki, "令和8年3月31日");
    }

    fn yearly_fixture() -> (
        Vec<Course>,
        Vec<Session>,
        Vec<Registration>,
        Vec<Requirement>,
    ) {
        let safety = course();
        let infection = Course::new(CourseFields {
            id: 8,
            title: name("合同感染対策研修（架空）"),
            topic: CourseTopic::InfectionControl,
            ..course_fields()
        })
        .unwrap();
        let sess = |id: u64, course: u64, day: &str, cancelled: bool| {
            Session::new(SessionFields {
                id,
                course,
                start: at(&format!("{day} 13:00")),
                end: at(&format!("{day} 15:00")),
                deadline: at(&format!("{day} 09:00")),
                cancelled,
                ..session_fields(50)
            })
            .unwrap()
        };
        let sessions = vec![
            sess(1, 7, "2025-03-31", false),  // FY2024
            sess(2, 7, "2025-04-01", false),  // FY2025
            sess(3, 7, "2026-03-31", false),  // FY2025
            sess(4, 8, "2025-10-01", false),  // FY2025
            sess(5, 8, "2025-11-01", true),   // FY2025, cancelled
            sess(6, 99, "2025-10-01", false), // course not given
        ];
        let attended = |id: u64, session: u64, org: &str| {
            Registration::new(RegistrationFields {
                id,
                session,
                state: RegistrationState::Attended,
                ..reg_fields(&format!("職員{id}（架空）"), org, "2025-01-01 09:00")
            })
            .unwrap()
        };
        let regs = vec![
            attended(1, 1, "架空第一病院"),
            attended(2, 2, "架空第一病院"),
            attended(3, 3, "架空第一病院"),
            attended(4, 4, "架空第一病院"),
            attended(5, 4, "架空第二病院"),
            attended(6, 6, "架空第二病院"),
            Registration::new(RegistrationFields {
                id: 7,
                session: 2,
                state: RegistrationState::Absent,
                ..reg_fields("職員7（架空）", "架空第二病院", "2025-01-01 09:00")
            })
            .unwrap(),
        ];
        let req = |org: &str, fy: i32, topic: CourseTopic| {
            Requirement::new(RequirementFields {
                id: 0,
                scope: alliance(),
                organisation: name(org),
                fiscal_year: FiscalYear::new(fy).unwrap(),
                topic,
                required: 2,
            })
            .unwrap()
        };
        let reqs = vec![
            req("架空第一病院", 2025, CourseTopic::MedicalSafety),
            req("架空第一病院", 2025, CourseTopic::InfectionControl),
            req("架空第二病院", 2025, CourseTopic::MedicalSafety),
            req("架空第二病院", 2024, CourseTopic::InfectionControl),
        ];
        (vec![safety, infection], sessions, regs, reqs)
    }

    #[test]
    fn yearly_attendance_follows_the_fiscal_year() {
        let (courses, sessions, regs, reqs) = yearly_fixture();
        let lines = yearly_attendance(
            FiscalYear::new(2025).unwrap(),
            &courses,
            &sessions,
            &regs,
            &reqs,
        );
        let got: Vec<(String, CourseTopic, usize, usize, usize, bool, usize)> = lines
            .iter()
            .map(|l| {
                (
                    l.organisation.to_string(),
                    l.topic,
                    l.sessions_held,
                    l.attended,
                    l.required,
                    l.met,
                    l.shortfall,
                )
            })
            .collect();
        use CourseTopic::*;
        assert_eq!(
            got,
            vec![
                // 1 April and 31 March are both in FY2025; 31 March 2025 is not.
                ("架空第一病院".to_string(), MedicalSafety, 2, 2, 2, true, 0),
                (
                    "架空第一病院".to_string(),
                    InfectionControl,
                    1,
                    1,
                    2,
                    false,
                    1
                ),
                ("架空第二病院".to_string(), MedicalSafety, 2, 0, 2, false, 2),
                (
                    "架空第二病院".to_string(),
                    InfectionControl,
                    1,
                    1,
                    0,
                    true,
                    0
                ),
            ]
        );
        let last = yearly_attendance(
            FiscalYear::new(2024).unwrap(),
            &courses,
            &sessions,
            &regs,
            &reqs,
        );
        assert_eq!(last.len(), 2);
        assert_eq!(
            (last[0].topic, last[0].attended, last[0].met),
            (MedicalSafety, 1, true)
        );
        assert_eq!(
            (last[1].organisation.as_str(), last[1].shortfall),
            ("架空第二病院", 2)
        );
        let e = Requirement::new(RequirementFields {
            required: 0,
            ..reqs[0].fields().clone()
        })
        .unwrap_err();
        assert!(e.problem.ja.contains("必要回数"));
        assert!(e.problem.en.contains("required"));
        assert_eq!(reqs[0].owner().as_deref(), Some("架空第一病院"));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Register(usize, usize),
        Cancel(usize),
        Capacity(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0usize..8, 0usize..2).prop_map(|(p, o)| Op::Register(p, o)),
            2 => (0usize..20).prop_map(Op::Cancel),
            1 => (1u16..8).prop_map(Op::Capacity),
        ]
    }

    proptest! {
        #[test]
        fn operations_keep_seats_queue_and_people(cap in 1u16..6, ops in proptest::collection::vec(op(), 0..40)) {
            let mut s = session(cap);
            let mut regs: Vec<Registration> = Vec::new();
            let mut minute = 0u32;
            for o in ops {
                minute += 1;
                let now = at("2025-06-01 00:00") + chrono::Duration::minutes(i64::from(minute));
                let before: Vec<u64> = waiting_list(&s, &regs).iter().map(|r| r.id).collect();
                let promoted: Vec<Registration> = match o {
                    Op::Register(p, org) => {
                        let new = reg(&format!("職員{p}（架空）"), &format!("架空病院{org}"), &now.format("%Y-%m-%d %H:%M").to_string());
                        let dup = regs.iter().any(|r| r.state.is_live() && r.same_person(&new));
                        match register(&s, &regs, new) {
                            Ok(r) => {
                                prop_assert!(!dup);
                                regs.push(r.with_id(regs.len() as u64 + 1));
                            }
                            Err(_) => prop_assert!(dup),
                        }
                        Vec::new()
                    }
                    Op::Cancel(i) => match cancel(&s, &regs, i as u64 + 1, now) {
                        Ok(changed) => {
                            prop_assert_eq!(changed[0].state, RegistrationState::Cancelled);
                            apply(&mut regs, &changed);
                            changed[1..].to_vec()
                        }
                        Err(_) => Vec::new(),
                    },
                    Op::Capacity(c) => {
                        let confirmed = figures(&s, &regs).confirmed;
                        match set_capacity(&s, &regs, c) {
                            Ok((s2, promoted)) => {
                                s = s2;
                                apply(&mut regs, &promoted);
                                promoted
                            }
                            Err(_) => { prop_assert!(usize::from(c) < confirmed); Vec::new() }
                        }
                    }
                };
                // FIFO: the promoted are the head of the waiting list as it was.
                let ids: Vec<u64> = promoted.iter().map(|r| r.id).collect();
                prop_assert_eq!(&ids[..], &before[..ids.len()]);
                let f = figures(&s, &regs);
                prop_assert!(f.confirmed <= usize::from(s.capacity));
                prop_assert!(f.waiting == 0 || f.free == 0);
                for (i, r) in regs.iter().enumerate() {
                    if r.state.is_live() {
                        prop_assert!(!regs[..i].iter().any(|q| q.state.is_live() && q.same_person(r)));
                    }
                }
            }
            // Attendance after the start never changes the seat count.
            let confirmed = figures(&s, &regs).confirmed;
            for i in 0..regs.len() {
                if let Ok(r) = record_attendance(&s, &regs, i as u64 + 1, i % 2 == 0, at("2025-06-14 14:00")) {
                    apply(&mut regs, &[r]);
                }
            }
            prop_assert_eq!(figures(&s, &regs).confirmed, confirmed);
            prop_assert!(regs.iter().all(|r| r.state != RegistrationState::Waiting || figures(&s, &regs).free == 0));
        }

        #[test]
        fn certificate_numbers_are_unique_per_registration(ids in proptest::collection::btree_set(1u64..2_000_000, 1..20)) {
            let c = course();
            let s = session(5);
            let numbers: std::collections::BTreeSet<String> = ids
                .iter()
                .map(|&id| {
                    let r = reg("山田花子（架空）", "架空第一病院", "2025-06-01 09:00")
                        .with_id(id)
                        .with_state(RegistrationState::Attended, None);
                    certificate(&c, &s, &r).unwrap().number
                })
                .collect();
            prop_assert_eq!(numbers.len(), ids.len());
        }

        #[test]
        fn yearly_lines_reconcile(att in proptest::collection::vec((0usize..3, 0usize..2), 0..40), required in 1u16..5) {
            // Sessions spread over two fiscal years; attendance lines sum to the year's.
            let sessions: Vec<Session> = (0..3u64).flat_map(|k| {
                let day = [("2025-03-31"), ("2025-04-01"), ("2026-03-31")][k as usize];
                [Session::new(SessionFields {
                    id: k + 1,
                    start: at(&format!("{day} 13:00")),
                    end: at(&format!("{day} 15:00")),
                    deadline: at(&format!("{day} 09:00")),
                    ..session_fields(50)
                }).unwrap()]
            }).collect();
            let regs: Vec<Registration> = att.iter().enumerate().map(|(i, &(s, o))| {
                Registration::new(RegistrationFields {
                    id: i as u64 + 1,
                    session: s as u64 + 1,
                    state: RegistrationState::Attended,
                    ..reg_fields(&format!("職員{i}（架空）"), &format!("架空病院{o}"), "2025-01-01 09:00")
                }).unwrap()
            }).collect();
            let reqs = vec![Requirement::new(RequirementFields {
                id: 0,
                scope: alliance(),
                organisation: name("架空病院0"),
                fiscal_year: FiscalYear::new(2025).unwrap(),
                topic: CourseTopic::MedicalSafety,
                required,
            }).unwrap()];
            let lines = yearly_attendance(FiscalYear::new(2025).unwrap(), &[course()], &sessions, &regs, &reqs);
            let in_year = att.iter().filter(|a| a.0 >= 1).count();
            prop_assert_eq!(lines.iter().map(|l| l.attended).sum::<usize>(), in_year);
            for l in &lines {
                prop_assert_eq!(l.sessions_held, 2);
                prop_assert_eq!(l.met, l.shortfall == 0);
                prop_assert_eq!(l.attended + l.shortfall >= l.required, true);
            }
        }
    }
}
