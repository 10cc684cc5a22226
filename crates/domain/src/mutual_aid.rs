//! Emergency mutual support (災害時・緊急時の相互支援) between the member corporations of an
//! alliance and their facilities: each facility's call tree (連絡網), what each facility can
//! take in or send (受入・派遣可能な資源), the events (訓練・災害・事故・感染症) during which
//! facilities ask one another for resources (支援要請) and offer them (支援申出), and the
//! pure operations over them: recording an offer, the coverage of a request, who can send a
//! resource, the event's log and the summary of a call-tree drill (連絡網訓練).
//!
//! Every document here is scoped to its alliance. Responses to a request are documents of
//! their own (parent: the request), not a list inside it: facilities answer at the same
//! time, and the store locks checked writes per parent, so that [`respond`] sees every
//! earlier response to the request it checks the new one against.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::alliance::{invalid, short_text};
use crate::codes::AllianceId;
use crate::date::NaiveDate;
use crate::document::{DocScope, Document};
use crate::error::ValueError;
use crate::name::{Email, Name, Phone};
use crate::text::{Lang, Msg};

/// The most contacts of one call tree.
pub const MAX_CONTACTS: usize = 200;
/// The most characters of a contact's position (役職).
pub const MAX_POSITION_CHARS: usize = 50;
/// The most characters of an event's title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The largest count of a capability (beds, staff, generators, hours, days, vehicles).
pub const MAX_COUNT: u32 = 100_000;
/// The largest quantity asked or offered of one resource.
pub const MAX_QUANTITY: u32 = 1_000_000;

crate::labels::labelled_enum!(
    /// When a contact of a call tree can be reached.
    Availability, "連絡可能時間帯", "availability" {
        Always = ("always", "24時間", "Around the clock", "24h", "常時"),
        OfficeHours = ("office_hours", "平日日中", "Weekday office hours", "日中", "平日"),
        Night = ("night", "夜間", "Nights", "夜間・休日"),
    }
);

crate::labels::labelled_enum!(
    /// The staff a facility can send (派遣可能な職種).
    AidJob, "派遣職種", "job" {
        Doctor = ("doctor", "医師", "Doctor"),
        Nurse = ("nurse", "看護師", "Nurse", "看護職員"),
        Pharmacist = ("pharmacist", "薬剤師", "Pharmacist"),
        Therapist = ("therapist", "療法士", "Therapist", "理学療法士", "作業療法士", "言語聴覚士"),
        Technician = ("technician", "技師", "Technician", "臨床検査技師", "診療放射線技師", "臨床工学技士"),
        Clerk = ("clerk", "事務職員", "Clerk", "事務", "業務調整員"),
        Dmat = ("dmat", "DMATチーム", "DMAT team", "DMAT", "災害派遣医療チーム"),
    }
);

crate::labels::labelled_enum!(
    /// What an event of mutual support is.
    AidEventKind, "事象種別", "event kind" {
        Drill = ("drill", "訓練", "Drill", "防災訓練", "連絡網訓練"),
        Disaster = ("disaster", "災害", "Disaster", "自然災害", "地震", "水害"),
        Accident = ("accident", "事故", "Accident", "多数傷病者事故"),
        Infection = ("infection", "感染症", "Infectious disease outbreak", "感染症の流行", "outbreak"),
    }
);

crate::labels::labelled_enum!(
    /// Where a request for support stands: open until something is accepted, partly met,
    /// met when every resource is covered by accepted offers, or withdrawn by the requester.
    AidRequestState, "要請状況", "request state" {
        Open = ("open", "募集中", "Open"),
        PartlyMet = ("partly_met", "一部充足", "Partly met"),
        Met = ("met", "充足", "Met"),
        Withdrawn = ("withdrawn", "取下げ", "Withdrawn", "取り下げ"),
    }
);

// ---------------------------------------------------------------------------------------
// Call trees
// ---------------------------------------------------------------------------------------

/// One person of a facility's call tree (連絡網). Their name and numbers are personal data:
/// none of them is ever audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Their role, 1 to 50 characters (院長, 事務長, 当直責任者, …).
    pub position: String,
    /// Their name (personal data).
    pub name: Name,
    /// The number to call them on.
    pub phone: Phone,
    /// Where to mail them, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    pub available: Availability,
    /// The contacts this one calls next: indices into the tree's list, in calling order.
    #[serde(default)]
    pub calls: Vec<usize>,
}

/// A facility's call tree: an ordered list of contacts, the first of whom is called first
/// and starts the tree; every other contact is called by exactly one contact and reached
/// from the first (no cycles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ContactTreeFields", into = "ContactTreeFields")]
pub struct ContactTree(ContactTreeFields);

/// The fields of a call tree, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactTreeFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The member facility whose tree it is.
    pub facility: Name,
    /// Its member corporation (参加法人).
    pub member: Name,
    /// 1 to 200 contacts; the first starts the tree.
    pub contacts: Vec<Contact>,
}

checked_record!(ContactTree, ContactTreeFields);

fn who(contacts: &[Contact], i: usize) -> String {
    match contacts.get(i) {
        Some(c) => format!("{i}（{}）", c.position),
        None => i.to_string(),
    }
}

fn tree_error(i: usize, ja: String, en: String, fix: Msg) -> ValueError {
    invalid(i.to_string(), ja, en, fix)
}

/// Checks that the contacts' `calls` form a tree rooted at the first contact: every index
/// within the list, nobody calling themselves or the first contact, nobody called twice,
/// no cycle, and every contact reached from the first. Errors name the contact's index (as
/// in `calls`, from 0) and position.
pub fn check_call_tree(contacts: &[Contact]) -> Result<(), ValueError> {
    let n = contacts.len();
    let mut caller: Vec<Option<usize>> = vec![None; n];
    for (i, c) in contacts.iter().enumerate() {
        for &j in &c.calls {
            if j >= n {
                return Err(tree_error(
                    j,
                    format!(
                        "連絡先 {} の連絡先番号 {j} がありません（0〜{}）",
                        who(contacts, i),
                        n.saturating_sub(1)
                    ),
                    format!(
                        "contact {} calls contact {j}, which does not exist (0 to {})",
                        who(contacts, i),
                        n.saturating_sub(1)
                    ),
                    Msg::new(
                        "連絡先の番号は一覧の順（0から）で指定してください",
                        "give contacts by their place in the list, from 0",
                    ),
                ));
            }
            if j == i {
                return Err(tree_error(
                    j,
                    format!("連絡先 {} が自分自身に連絡します（循環）", who(contacts, j)),
                    format!("contact {} calls themselves (a cycle)", who(contacts, j)),
                    Msg::new(
                        "自分以外の連絡先を指定してください",
                        "give contacts other than themselves",
                    ),
                ));
            }
            if j == 0 {
                return Err(tree_error(
                    0,
                    format!(
                        "連絡網の起点（連絡先 {}）が連絡先 {} から連絡されます（循環）",
                        who(contacts, 0),
                        who(contacts, i)
                    ),
                    format!(
                        "the first contact {} is called by contact {} (a cycle)",
                        who(contacts, 0),
                        who(contacts, i)
                    ),
                    Msg::new(
                        "最初の連絡先は連絡網の起点です。誰からも連絡しないでください",
                        "the first contact starts the tree: let nobody call them",
                    ),
                ));
            }
            if let Some(k) = caller[j] {
                return Err(tree_error(
                    j,
                    format!(
                        "連絡先 {} が連絡先 {} と {} の両方から連絡されます（重複）",
                        who(contacts, j),
                        who(contacts, k),
                        who(contacts, i)
                    ),
                    format!(
                        "contact {} is called twice, by contacts {} and {}",
                        who(contacts, j),
                        who(contacts, k),
                        who(contacts, i)
                    ),
                    Msg::new(
                        "各連絡先に連絡するのは1人だけにしてください",
                        "let exactly one contact call each contact",
                    ),
                ));
            }
            caller[j] = Some(i);
        }
    }
    let reached = bfs_levels(contacts)
        .into_iter()
        .flatten()
        .fold(vec![false; n], |mut r, i| {
            r[i] = true;
            r
        });
    if let Some(first) = (0..n).find(|&i| !reached[i]) {
        // Every contact has at most one caller: follow the callers up from the first contact
        // not reached, until one without a caller (an unreachable branch) or a repeat (a
        // cycle, none of whose contacts is reached).
        let mut seen = vec![false; n];
        let mut at = first;
        loop {
            if seen[at] {
                let mut cycle = vec![at];
                let mut k = caller[at];
                while let Some(c) = k.filter(|&c| c != at) {
                    cycle.push(c);
                    k = caller[c];
                }
                let low = cycle.iter().copied().min().unwrap_or(at);
                return Err(tree_error(
                    low,
                    format!(
                        "連絡先 {} が循環の中にあり、起点から連絡されません",
                        who(contacts, low)
                    ),
                    format!(
                        "contact {} is in a cycle and not reached from the first contact",
                        who(contacts, low)
                    ),
                    Msg::new(
                        "循環を断ち、起点から順にたどれるようにしてください",
                        "break the cycle so that every contact is reached from the first",
                    ),
                ));
            }
            seen[at] = true;
            match caller[at] {
                Some(c) => at = c,
                None => break,
            }
        }
        return Err(tree_error(
            first,
            format!("連絡先 {} に起点から連絡が届きません", who(contacts, first)),
            format!(
                "contact {} is not reached from the first contact",
                who(contacts, first)
            ),
            Msg::new(
                "この連絡先（またはその上の連絡先）を、起点から連絡される誰かの連絡先に加えてください",
                "add them (or whoever calls them) to the calls of a contact reached from the first",
            ),
        ));
    }
    Ok(())
}

/// Breadth-first levels from the first contact, following `calls` in order, visiting each
/// contact at most once (tolerant of any input).
fn bfs_levels(contacts: &[Contact]) -> Vec<Vec<usize>> {
    let n = contacts.len();
    if n == 0 {
        return Vec::new();
    }
    let mut seen = vec![false; n];
    seen[0] = true;
    let mut levels = vec![vec![0]];
    loop {
        let mut next = Vec::new();
        for &i in levels.last().map(Vec::as_slice).unwrap_or_default() {
            for &j in &contacts[i].calls {
                if j < n && !seen[j] {
                    seen[j] = true;
                    next.push(j);
                }
            }
        }
        if next.is_empty() {
            return levels;
        }
        levels.push(next);
    }
}

impl ContactTree {
    /// Checks the fields: 1 to 200 contacts with positions of 1 to 50 characters, whose
    /// `calls` form a tree rooted at the first contact (see [`check_call_tree`]).
    pub fn new(f: ContactTreeFields) -> Result<Self, ValueError> {
        if f.contacts.is_empty() || f.contacts.len() > MAX_CONTACTS {
            return Err(invalid(
                f.contacts.len().to_string(),
                format!(
                    "「{}」の連絡網の連絡先が {} 人です",
                    f.facility,
                    f.contacts.len()
                ),
                format!(
                    "the call tree of '{}' has {} contacts",
                    f.facility,
                    f.contacts.len()
                ),
                Msg::new(
                    format!("連絡先を1〜{MAX_CONTACTS}人にしてください"),
                    format!("give 1 to {MAX_CONTACTS} contacts"),
                ),
            ));
        }
        for c in &f.contacts {
            short_text("position", &c.position, MAX_POSITION_CHARS, true)?;
        }
        check_call_tree(&f.contacts)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> ContactTreeFields {
        self.0
    }
    /// The order of calling: breadth-first levels from the first contact (level 0), each
    /// level in the order its callers call. Every contact appears exactly once, after the
    /// contact who calls them.
    pub fn call_order(&self) -> Vec<Vec<usize>> {
        bfs_levels(&self.0.contacts)
    }
    /// The level of contact `i` in the call order (0 for the first contact; none beyond the
    /// list). Levels are derived from `calls`, not stored.
    pub fn level(&self, i: usize) -> Option<usize> {
        self.call_order().iter().position(|l| l.contains(&i))
    }
    /// The contact who calls contact `i`, if any (none for the first, or beyond the list).
    pub fn caller(&self, i: usize) -> Option<usize> {
        self.0.contacts.iter().position(|c| c.calls.contains(&i))
    }
}

impl Document for ContactTree {
    const KIND: &'static str = "aid_contact_trees";
    const AUDITED: &'static [&'static str] = &["id", "alliance", "facility", "member"];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(ContactTreeFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.facility.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------

/// How many of one job a facility can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCount {
    pub job: AidJob,
    /// 0 to 100,000 (for DMAT: teams).
    pub count: u32,
}

/// What a facility can take in, hold out with and send, as of a day (受入・派遣可能資源).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CapabilitiesFields", into = "CapabilitiesFields")]
pub struct Capabilities(CapabilitiesFields);

/// The fields of a facility's capabilities, before the check that binds them together.
/// Every count is 0 to 100,000.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilitiesFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    pub facility: Name,
    /// Its member corporation.
    pub member: Name,
    /// The day the figures hold for.
    pub as_of: NaiveDate,
    /// Beds that can take in patients from other facilities (受入可能病床数).
    pub beds: u32,
    /// Of which ICU beds; at most `beds`.
    pub icu_beds: u32,
    /// Emergency generators (非常用発電機).
    pub generators: u32,
    /// Hours the generators can run on the fuel held.
    pub fuel_hours: u32,
    /// Days the water held lasts.
    pub water_days: u32,
    pub ventilators: u32,
    /// Staff that can be sent, each job at most once.
    pub staff: Vec<JobCount>,
    /// Vehicles that can carry patients or goods.
    pub vehicles: u32,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(Capabilities, CapabilitiesFields);

fn count(field: &str, n: u32) -> Result<(), ValueError> {
    if n > MAX_COUNT {
        return Err(invalid(
            n.to_string(),
            format!("{field} の値 {n} が大きすぎます"),
            format!("{field} {n} is too large"),
            Msg::new(
                format!("0〜{MAX_COUNT}にしてください"),
                format!("give 0 to {MAX_COUNT}"),
            ),
        ));
    }
    Ok(())
}

impl Capabilities {
    /// Checks the fields: counts of 0 to 100,000, ICU beds within the beds, each job once,
    /// and a note of at most 1,000 characters.
    pub fn new(f: CapabilitiesFields) -> Result<Self, ValueError> {
        for (field, n) in [
            ("beds", f.beds),
            ("icu_beds", f.icu_beds),
            ("generators", f.generators),
            ("fuel_hours", f.fuel_hours),
            ("water_days", f.water_days),
            ("ventilators", f.ventilators),
            ("vehicles", f.vehicles),
        ] {
            count(field, n)?;
        }
        if f.icu_beds > f.beds {
            return Err(invalid(
                format!("{}/{}", f.icu_beds, f.beds),
                format!(
                    "「{}」のICU病床（{}）が受入可能病床（{}）を超えています",
                    f.facility, f.icu_beds, f.beds
                ),
                format!(
                    "'{}' has more ICU beds ({}) than beds ({})",
                    f.facility, f.icu_beds, f.beds
                ),
                Msg::new(
                    "ICU病床（icu_beds）は受入可能病床の内数にしてください",
                    "count the ICU beds within the beds",
                ),
            ));
        }
        for (i, s) in f.staff.iter().enumerate() {
            count("staff", s.count)?;
            if f.staff[..i].iter().any(|t| t.job == s.job) {
                return Err(invalid(
                    s.job.code(),
                    format!("職種「{}」が重複しています", s.job.label(Lang::Ja)),
                    format!("job '{}' is listed twice", s.job.label(Lang::En)),
                    Msg::new("1回だけ指定してください", "list it once"),
                ));
            }
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> CapabilitiesFields {
        self.0
    }
    /// How many of the job it can send (0 when not listed).
    pub fn staff_of(&self, job: AidJob) -> u32 {
        self.0
            .staff
            .iter()
            .find(|s| s.job == job)
            .map_or(0, |s| s.count)
    }
    /// How much of the resource it can give, when its capabilities say: beds, staff of the
    /// job, generators or vehicles (transport). Fuel, water, supplies and other resources are
    /// not recorded as something to give (fuel hours and water days are its own reserve).
    pub fn can_give(&self, resource: Resource) -> Option<u32> {
        match resource {
            Resource::Beds => Some(self.0.beds),
            Resource::Staff(job) => Some(self.staff_of(job)),
            Resource::Generator => Some(self.0.generators),
            Resource::Transport => Some(self.0.vehicles),
            Resource::Fuel | Resource::Water | Resource::Supplies | Resource::Other => None,
        }
    }
}

impl Document for Capabilities {
    const KIND: &'static str = "aid_capabilities";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "alliance",
        "facility",
        "member",
        "as_of",
        "beds",
        "icu_beds",
        "generators",
        "fuel_hours",
        "water_days",
        "ventilators",
        "staff",
        "vehicles",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(CapabilitiesFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.facility.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------

/// A resource a facility asks for or offers. Its code is `beds`, `staff:<job>` (e.g.
/// `staff:nurse`), `generator`, `fuel`, `water`, `supplies`, `transport` or `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// Beds to take patients in (床).
    Beds,
    /// Staff of a job (人; DMAT: teams).
    Staff(AidJob),
    /// Generators (台).
    Generator,
    /// Fuel (L).
    Fuel,
    /// Water (L).
    Water,
    /// Medical supplies and drugs (箱・単位).
    Supplies,
    /// Vehicles for patients or goods (台).
    Transport,
    /// Anything else, described in the request's note (単位).
    Other,
}

impl Resource {
    /// Every resource: the staff of each job in the place of `staff`.
    pub fn all() -> Vec<Resource> {
        let mut v = vec![Resource::Beds];
        v.extend(AidJob::ALL.iter().map(|&j| Resource::Staff(j)));
        v.extend([
            Resource::Generator,
            Resource::Fuel,
            Resource::Water,
            Resource::Supplies,
            Resource::Transport,
            Resource::Other,
        ]);
        v
    }
    /// The stable code (`beds`, `staff:nurse`, …).
    pub fn code(self) -> String {
        match self {
            Resource::Staff(j) => format!("staff:{}", j.code()),
            r => r.plain(Lang::En).0.to_string(),
        }
    }
    /// (code or label, unit) of a resource other than staff.
    fn plain(self, lang: Lang) -> (&'static str, &'static str) {
        match (self, lang) {
            (Resource::Beds, Lang::En) => ("beds", "beds"),
            (Resource::Beds, Lang::Ja) => ("病床", "床"),
            (Resource::Generator, Lang::En) => ("generator", "units"),
            (Resource::Generator, Lang::Ja) => ("発電機", "台"),
            (Resource::Fuel, Lang::En) => ("fuel", "L"),
            (Resource::Fuel, Lang::Ja) => ("燃料", "L"),
            (Resource::Water, Lang::En) => ("water", "L"),
            (Resource::Water, Lang::Ja) => ("水", "L"),
            (Resource::Supplies, Lang::En) => ("supplies", "units"),
            (Resource::Supplies, Lang::Ja) => ("医薬品・物資", "単位"),
            (Resource::Transport, Lang::En) => ("transport", "vehicles"),
            (Resource::Transport, Lang::Ja) => ("搬送車両", "台"),
            (Resource::Other, Lang::En) => ("other", "units"),
            (Resource::Other, Lang::Ja) => ("その他", "単位"),
            (Resource::Staff(_), Lang::En) => ("staff", "persons"),
            (Resource::Staff(_), Lang::Ja) => ("職員", "人"),
        }
    }
    /// Its label (`看護師（派遣）`, `Staff: Nurse`, `病床`, …).
    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (Resource::Staff(j), Lang::Ja) => format!("{}（派遣）", j.label(lang)),
            (Resource::Staff(j), Lang::En) => format!("Staff: {}", j.label(lang)),
            (Resource::Beds, Lang::En) => "Beds".into(),
            (Resource::Generator, Lang::En) => "Generators".into(),
            (Resource::Fuel, Lang::En) => "Fuel".into(),
            (Resource::Water, Lang::En) => "Water".into(),
            (Resource::Supplies, Lang::En) => "Supplies".into(),
            (Resource::Transport, Lang::En) => "Transport".into(),
            (Resource::Other, Lang::En) => "Other".into(),
            (r, Lang::Ja) => r.plain(Lang::Ja).0.into(),
        }
    }
    /// The unit its quantities count (`床`, `人`, `L`, `beds`, `persons`, …).
    pub fn unit(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Resource::Staff(AidJob::Dmat), Lang::Ja) => "チーム",
            (Resource::Staff(AidJob::Dmat), Lang::En) => "teams",
            (r, l) => r.plain(l).1,
        }
    }
    /// Reads a code, a label, or a job alone (meaning its staff): `beds`, `病床`,
    /// `staff:nurse`, `看護師`, `DMAT`, ….
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = crate::normalize(input);
        let lower = s.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("staff:")
            .and_then(|_| s.get("staff:".len()..))
            .or_else(|| s.strip_prefix("職員:"))
            .or_else(|| s.strip_suffix("(派遣)"));
        if let Some(job) = rest {
            return AidJob::parse(job).map(Resource::Staff);
        }
        for r in Resource::all() {
            if let Resource::Staff(_) = r {
                continue;
            }
            let (en, _) = r.plain(Lang::En);
            let (ja, _) = r.plain(Lang::Ja);
            if s.eq_ignore_ascii_case(en) || s == ja || s.eq_ignore_ascii_case(&r.label(Lang::En)) {
                return Ok(r);
            }
        }
        if let Ok(job) = AidJob::parse(&s) {
            return Ok(Resource::Staff(job));
        }
        let choices: Vec<String> = Resource::all().into_iter().map(Resource::code).collect();
        Err(ValueError::new(
            input,
            Msg::new(
                format!("資源「{input}」は選択肢にありません"),
                format!("'{input}' is not a known resource"),
            ),
            Msg::new(
                format!("次のいずれかを入力してください: {}", choices.join("、")),
                format!("use one of: {}", choices.join(", ")),
            ),
        ))
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())
    }
}

impl std::str::FromStr for Resource {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Self::parse(s)
    }
}

impl Serialize for Resource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn quantity(r: Resource, q: u32) -> Result<(), ValueError> {
    if q == 0 || q > MAX_QUANTITY {
        return Err(invalid(
            q.to_string(),
            format!("{}の数量 {q} が範囲外です", r.label(Lang::Ja)),
            format!("the quantity {q} of {} is out of range", r.label(Lang::En)),
            Msg::new(
                format!("1〜{MAX_QUANTITY}にしてください"),
                format!("give 1 to {MAX_QUANTITY}"),
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------

/// An event of mutual support: a drill (訓練) or an incident (災害・事故・感染症), from its
/// start to its end (none while it goes on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AidEventFields", into = "AidEventFields")]
pub struct AidEvent(AidEventFields);

/// The fields of an event, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AidEventFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    pub kind: AidEventKind,
    /// 1 to 200 characters.
    pub title: String,
    pub started: NaiveDateTime,
    /// On or after `started`; none while it goes on.
    pub ended: Option<NaiveDateTime>,
    /// Up to 1,000 characters.
    pub description: String,
    /// The facilities it affects (or that take part in a drill), each once.
    pub affected: Vec<Name>,
}

checked_record!(AidEvent, AidEventFields);

impl AidEvent {
    /// Checks the fields: a title of 1 to 200 characters, an end on or after the start, a
    /// description of at most 1,000 characters and each affected facility once.
    pub fn new(f: AidEventFields) -> Result<Self, ValueError> {
        short_text("title", &f.title, MAX_TITLE_CHARS, true)?;
        if let Some(end) = f.ended
            && end < f.started
        {
            return Err(invalid(
                format!("{} – {end}", f.started),
                format!(
                    "「{}」の終了（{end}）が開始（{}）より前です",
                    f.title, f.started
                ),
                format!(
                    "'{}' ends ({end}) before it starts ({})",
                    f.title, f.started
                ),
                Msg::new(
                    "終了（ended）を開始以降にしてください",
                    "make the end on or after the start",
                ),
            ));
        }
        crate::dispatch::note(&f.description)?;
        for (i, a) in f.affected.iter().enumerate() {
            if f.affected[..i].contains(a) {
                return Err(invalid(
                    a.to_string(),
                    format!("施設「{a}」が重複しています"),
                    format!("facility '{a}' is listed twice"),
                    Msg::new("1回だけ指定してください", "list it once"),
                ));
            }
        }
        Ok(Self(f))
    }
    pub fn into_fields(self) -> AidEventFields {
        self.0
    }
    /// Whether it is a drill rather than an incident.
    pub fn is_drill(&self) -> bool {
        self.0.kind == AidEventKind::Drill
    }
    /// Whether it goes on at the time: started on or before it and not ended before it.
    pub fn ongoing_at(&self, at: NaiveDateTime) -> bool {
        self.0.started <= at && self.0.ended.is_none_or(|e| at <= e)
    }
    /// The same event ended at the time; refused when it has already ended or the time is
    /// before its start.
    pub fn end(self, at: NaiveDateTime) -> Result<Self, ValueError> {
        if let Some(e) = self.0.ended {
            return Err(invalid(
                e.to_string(),
                format!("「{}」は {e} に終了済みです", self.0.title),
                format!("'{}' already ended at {e}", self.0.title),
                Msg::new(
                    "終了済みの事象は終了できません",
                    "an ended event cannot end again",
                ),
            ));
        }
        AidEvent::new(AidEventFields {
            ended: Some(at),
            ..self.0
        })
    }
}

impl Document for AidEvent {
    const KIND: &'static str = "aid_events";
    const AUDITED: &'static [&'static str] =
        &["id", "alliance", "kind", "started", "ended", "affected"];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(AidEventFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Requests and responses
// ---------------------------------------------------------------------------------------

/// A quantity of one resource asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ask {
    pub resource: Resource,
    /// 1 to 1,000,000 (in the resource's unit).
    pub quantity: u32,
}

/// A facility's request for support during an event (支援要請).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AidRequestFields", into = "AidRequestFields")]
pub struct AidRequest(AidRequestFields);

/// The fields of a request, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AidRequestFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The event's id (its parent).
    pub event: u64,
    /// The asking facility.
    pub from: Name,
    /// What it asks for: 1 or more resources, each once.
    pub resources: Vec<Ask>,
    /// When it was asked.
    pub requested_at: NaiveDateTime,
    /// When it is needed by; on or after `requested_at`.
    pub needed_by: NaiveDateTime,
    /// Kept by [`AidRequest::with_state`] and [`AidRequest::withdraw`].
    pub state: AidRequestState,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(AidRequest, AidRequestFields);

impl AidRequest {
    /// Checks the fields: 1 or more resources, each once, in quantities of 1 to 1,000,000,
    /// needed on or after the time asked, and a note of at most 1,000 characters.
    pub fn new(f: AidRequestFields) -> Result<Self, ValueError> {
        if f.resources.is_empty() {
            return Err(invalid(
                f.from.to_string(),
                format!("「{}」の要請に資源がありません", f.from),
                format!("the request of '{}' asks for nothing", f.from),
                Msg::new(
                    "必要な資源と数量を1つ以上指定してください",
                    "give at least one resource and its quantity",
                ),
            ));
        }
        for (i, a) in f.resources.iter().enumerate() {
            quantity(a.resource, a.quantity)?;
            if f.resources[..i].iter().any(|b| b.resource == a.resource) {
                return Err(invalid(
                    a.resource.code(),
                    format!("資源「{}」が重複しています", a.resource.label(Lang::Ja)),
                    format!("resource '{}' is listed twice", a.resource.label(Lang::En)),
                    Msg::new(
                        "1回だけ指定し、数量をまとめてください",
                        "list it once with the whole quantity",
                    ),
                ));
            }
        }
        if f.needed_by < f.requested_at {
            return Err(invalid(
                f.needed_by.to_string(),
                format!(
                    "必要期限（{}）が要請日時（{}）より前です",
                    f.needed_by, f.requested_at
                ),
                format!(
                    "it is needed by {}, before it was asked ({})",
                    f.needed_by, f.requested_at
                ),
                Msg::new(
                    "必要期限（needed_by）を要請日時以降にしてください",
                    "make needed_by on or after requested_at",
                ),
            ));
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> AidRequestFields {
        self.0
    }
    /// The quantity asked of the resource (0 when not asked).
    pub fn asked(&self, resource: Resource) -> u32 {
        self.0
            .resources
            .iter()
            .find(|a| a.resource == resource)
            .map_or(0, |a| a.quantity)
    }
    /// The same request with the state its responses give it (see [`state_of`]).
    pub fn with_state(self, responses: &[AidResponse]) -> Self {
        let state = state_of(&self, responses);
        Self(AidRequestFields { state, ..self.0 })
    }
    /// The same request withdrawn by the requester; refused when already withdrawn.
    pub fn withdraw(self) -> Result<Self, ValueError> {
        if self.0.state == AidRequestState::Withdrawn {
            return Err(invalid(
                self.0.id.to_string(),
                format!("「{}」の要請は取下げ済みです", self.0.from),
                format!("the request of '{}' is already withdrawn", self.0.from),
                Msg::new(
                    "取下げ済みの要請は取り下げられません",
                    "a withdrawn request cannot be withdrawn again",
                ),
            ));
        }
        Ok(Self(AidRequestFields {
            state: AidRequestState::Withdrawn,
            ..self.0
        }))
    }
}

impl Document for AidRequest {
    const KIND: &'static str = "aid_requests";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "alliance",
        "event",
        "from",
        "resources",
        "requested_at",
        "needed_by",
        "state",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(AidRequestFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.event)
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.from.to_string())
    }
}

/// A facility's offer of one resource in answer to a request (支援申出), and whether the
/// requester accepted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AidResponseFields", into = "AidResponseFields")]
pub struct AidResponse(AidResponseFields);

/// The fields of a response, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AidResponseFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The request's id (its parent).
    pub request: u64,
    /// The offering facility.
    pub from: Name,
    pub resource: Resource,
    /// 1 to 1,000,000 (in the resource's unit).
    pub quantity: u32,
    /// When it was offered.
    pub at: NaiveDateTime,
    pub accepted: bool,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(AidResponse, AidResponseFields);

impl AidResponse {
    /// Checks the fields: a quantity of 1 to 1,000,000 and a note of at most 1,000
    /// characters. (How it fits its request is checked by [`respond`].)
    pub fn new(f: AidResponseFields) -> Result<Self, ValueError> {
        quantity(f.resource, f.quantity)?;
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> AidResponseFields {
        self.0
    }
}

impl Document for AidResponse {
    const KIND: &'static str = "aid_responses";
    const AUDITED: &'static [&'static str] = &[
        "id", "alliance", "request", "from", "resource", "quantity", "at", "accepted",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(AidResponseFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.request)
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.from.to_string())
    }
}

fn refuse(input: impl Into<String>, ja: String, en: String, fix: Msg) -> ValueError {
    invalid(input, ja, en, fix)
}

fn check_open(request: &AidRequest) -> Result<(), ValueError> {
    if request.state == AidRequestState::Withdrawn {
        return Err(refuse(
            request.id.to_string(),
            format!("「{}」の要請は取り下げられています", request.from),
            format!("the request of '{}' is withdrawn", request.from),
            Msg::new(
                "取り下げられた要請には申出・受諾できません",
                "a withdrawn request takes no offers or acceptances",
            ),
        ));
    }
    Ok(())
}

fn check_belongs(request: &AidRequest, r: &AidResponse) -> Result<(), ValueError> {
    if r.request != request.id || r.alliance != request.alliance {
        return Err(refuse(
            r.request.to_string(),
            format!(
                "申出は要請 {} ではなく要請 {} へのものです",
                request.id, r.request
            ),
            format!(
                "the offer answers request {}, not request {}",
                r.request, request.id
            ),
            Msg::new(
                "同じ連携推進法人の該当する要請に申し出てください",
                "offer to the request it answers, in the same alliance",
            ),
        ));
    }
    Ok(())
}

/// Records a new offer against a request and the responses it already has: refused when
/// the request is withdrawn or already met, the offer answers another request, comes from
/// the requester, offers a resource not asked for, is dated before the request, or repeats
/// a resource the same facility already offered (change that offer instead). Returns the
/// offer to store.
pub fn respond(
    request: &AidRequest,
    existing: &[AidResponse],
    new: AidResponse,
) -> Result<AidResponse, ValueError> {
    check_open(request)?;
    check_belongs(request, &new)?;
    if state_of(request, existing) == AidRequestState::Met {
        return Err(refuse(
            request.id.to_string(),
            format!("「{}」の要請はすでに充足しています", request.from),
            format!("the request of '{}' is already met", request.from),
            Msg::new(
                "新たな要請として登録してもらってください",
                "ask the facility to make a new request",
            ),
        ));
    }
    if new.from == request.from {
        return Err(refuse(
            new.from.to_string(),
            format!("要請元「{}」が自らの要請に申し出ています", new.from),
            format!("the requester '{}' offers to its own request", new.from),
            Msg::new(
                "他の施設から申し出てください",
                "offers come from other facilities",
            ),
        ));
    }
    if request.asked(new.resource) == 0 {
        return Err(refuse(
            new.resource.code(),
            format!("要請は「{}」を求めていません", new.resource.label(Lang::Ja)),
            format!(
                "the request does not ask for {}",
                new.resource.label(Lang::En)
            ),
            Msg::new(
                "要請された資源のいずれかを申し出てください",
                "offer one of the resources asked for",
            ),
        ));
    }
    if new.at < request.requested_at {
        return Err(refuse(
            new.at.to_string(),
            format!(
                "申出日時（{}）が要請日時（{}）より前です",
                new.at, request.requested_at
            ),
            format!(
                "the offer ({}) is dated before the request ({})",
                new.at, request.requested_at
            ),
            Msg::new(
                "申出日時を要請日時以降にしてください",
                "date the offer on or after the request",
            ),
        ));
    }
    if existing.iter().any(|r| {
        r.request == request.id
            && r.id != new.id
            && r.from == new.from
            && r.resource == new.resource
    }) {
        return Err(refuse(
            new.from.to_string(),
            format!(
                "「{}」はこの要請に「{}」をすでに申し出ています",
                new.from,
                new.resource.label(Lang::Ja)
            ),
            format!(
                "'{}' already offers {} to this request",
                new.from,
                new.resource.label(Lang::En)
            ),
            Msg::new(
                "既存の申出の数量を変更してください",
                "change the quantity of the existing offer instead",
            ),
        ));
    }
    Ok(new)
}

/// The same response accepted (or no longer accepted) by the requester; refused when the
/// request is withdrawn or the response answers another request.
pub fn accept(
    request: &AidRequest,
    response: AidResponse,
    accepted: bool,
) -> Result<AidResponse, ValueError> {
    check_open(request)?;
    check_belongs(request, &response)?;
    Ok(AidResponse(AidResponseFields {
        accepted,
        ..response.0
    }))
}

/// How far the offers cover one resource of a request. Quantities are exact sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResourceCoverage {
    pub resource: Resource,
    pub asked: u64,
    /// Offered by every response, accepted or not.
    pub offered: u64,
    /// Offered by accepted responses.
    pub accepted: u64,
    /// `asked − accepted`, or 0 when accepted covers it.
    pub remaining: u64,
}

/// The coverage of each resource of the request, in the request's order, from the
/// responses to it (responses to other requests are left out).
pub fn coverage(request: &AidRequest, responses: &[AidResponse]) -> Vec<ResourceCoverage> {
    request
        .resources
        .iter()
        .map(|a| {
            let (mut offered, mut accepted) = (0u64, 0u64);
            for r in responses
                .iter()
                .filter(|r| r.request == request.id && r.resource == a.resource)
            {
                offered += u64::from(r.quantity);
                if r.accepted {
                    accepted += u64::from(r.quantity);
                }
            }
            let asked = u64::from(a.quantity);
            ResourceCoverage {
                resource: a.resource,
                asked,
                offered,
                accepted,
                remaining: asked.saturating_sub(accepted),
            }
        })
        .collect()
}

/// The state a request's responses give it: withdrawn stays withdrawn; met when accepted
/// offers cover every resource; partly met when anything is accepted; open otherwise.
pub fn state_of(request: &AidRequest, responses: &[AidResponse]) -> AidRequestState {
    if request.state == AidRequestState::Withdrawn {
        return AidRequestState::Withdrawn;
    }
    let c = coverage(request, responses);
    if c.iter().all(|c| c.remaining == 0) {
        AidRequestState::Met
    } else if c.iter().any(|c| c.accepted > 0) {
        AidRequestState::PartlyMet
    } else {
        AidRequestState::Open
    }
}

/// A facility that can send some of a resource, by its latest capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sender {
    pub facility: Name,
    pub member: Name,
    /// How much it can give.
    pub available: u32,
    /// Whether that covers the whole quantity asked.
    pub covers: bool,
    /// The day its capabilities hold for.
    pub as_of: NaiveDate,
}

/// The facilities that can send the resource, other than the requester: by each facility's
/// latest capabilities (the latest `as_of`; the higher id among equals), those with some of
/// it, the most first, ties by facility name. Empty for resources capabilities do not
/// record as something to give (see [`Capabilities::can_give`]).
pub fn who_can_send(
    capabilities: &[Capabilities],
    resource: Resource,
    quantity: u32,
    requester: &Name,
) -> Vec<Sender> {
    let mut latest: BTreeMap<&Name, &Capabilities> = BTreeMap::new();
    for c in capabilities.iter().filter(|c| &c.facility != requester) {
        let newer = latest
            .get(&c.facility)
            .is_none_or(|l| (c.as_of, c.id) > (l.as_of, l.id));
        if newer {
            latest.insert(&c.facility, c);
        }
    }
    let mut out: Vec<Sender> = latest
        .values()
        .filter_map(|c| {
            let available = c.can_give(resource)?;
            (available > 0).then(|| Sender {
                facility: c.facility.clone(),
                member: c.member.clone(),
                available,
                covers: available >= quantity,
                as_of: c.as_of,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.available
            .cmp(&a.available)
            .then_with(|| a.facility.cmp(&b.facility))
    });
    out
}

// ---------------------------------------------------------------------------------------
// The event log
// ---------------------------------------------------------------------------------------

/// What a line of an event's log records (in this order at the same time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// The event started.
    EventStart,
    /// A facility asked for support.
    Request,
    /// A facility offered support.
    Response,
    /// The event ended.
    EventEnd,
}

/// A line of an event's log (活動記録), for a printable report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub at: NaiveDateTime,
    pub kind: LogKind,
    /// The request's or response's id (the event's for its start and end).
    pub id: u64,
    pub text: Msg,
}

impl LogLine {
    /// The line as printed: `2025-09-01 09:00 text`.
    pub fn render(&self, lang: Lang) -> String {
        format!(
            "{} {}",
            self.at.format("%Y-%m-%d %H:%M"),
            self.text.get(lang)
        )
    }
}

fn amount(r: Resource, q: u64, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{} {q}{}", r.label(lang), r.unit(lang)),
        Lang::En => format!("{} {q} {}", r.label(lang), r.unit(lang)),
    }
}

/// The log of an event: its start, each of its requests, each response to them and its
/// end, in time order (at the same time: start, requests, responses, end; then by id).
/// Requests of other events and responses to other requests are left out.
pub fn log(event: &AidEvent, requests: &[AidRequest], responses: &[AidResponse]) -> Vec<LogLine> {
    let mut lines = vec![LogLine {
        at: event.started,
        kind: LogKind::EventStart,
        id: event.id,
        text: Msg::new(
            format!("{}「{}」開始", event.kind.label(Lang::Ja), event.title),
            format!("{} '{}' started", event.kind.label(Lang::En), event.title),
        ),
    }];
    let ours: Vec<&AidRequest> = requests.iter().filter(|r| r.event == event.id).collect();
    for r in &ours {
        let list = |lang: Lang| {
            r.resources
                .iter()
                .map(|a| amount(a.resource, u64::from(a.quantity), lang))
                .collect::<Vec<_>>()
        };
        lines.push(LogLine {
            at: r.requested_at,
            kind: LogKind::Request,
            id: r.id,
            text: Msg::new(
                format!(
                    "「{}」が支援を要請（要請 {}）: {}（期限 {}）",
                    r.from,
                    r.id,
                    list(Lang::Ja).join("、"),
                    r.needed_by.format("%Y-%m-%d %H:%M")
                ),
                format!(
                    "'{}' asked for support (request {}): {} (needed by {})",
                    r.from,
                    r.id,
                    list(Lang::En).join(", "),
                    r.needed_by.format("%Y-%m-%d %H:%M")
                ),
            ),
        });
    }
    for s in responses {
        let Some(r) = ours.iter().find(|r| r.id == s.request) else {
            continue;
        };
        let q = u64::from(s.quantity);
        lines.push(LogLine {
            at: s.at,
            kind: LogKind::Response,
            id: s.id,
            text: Msg::new(
                format!(
                    "「{}」が「{}」の要請 {} に {} を申出{}",
                    s.from,
                    r.from,
                    r.id,
                    amount(s.resource, q, Lang::Ja),
                    if s.accepted { "（受諾）" } else { "" }
                ),
                format!(
                    "'{}' offered {} to request {} of '{}'{}",
                    s.from,
                    amount(s.resource, q, Lang::En),
                    r.id,
                    r.from,
                    if s.accepted { " (accepted)" } else { "" }
                ),
            ),
        });
    }
    if let Some(end) = event.ended {
        lines.push(LogLine {
            at: end,
            kind: LogKind::EventEnd,
            id: event.id,
            text: Msg::new(
                format!("{}「{}」終了", event.kind.label(Lang::Ja), event.title),
                format!("{} '{}' ended", event.kind.label(Lang::En), event.title),
            ),
        });
    }
    lines.sort_by_key(|l| (l.at, l.kind, l.id));
    lines
}

// ---------------------------------------------------------------------------------------
// Call-tree drills
// ---------------------------------------------------------------------------------------

/// A contact's acknowledgement during a call-tree drill: the facility, the contact's index
/// in its tree and when they answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub facility: Name,
    pub contact: usize,
    pub at: NaiveDateTime,
}

/// A contact not reached in a drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreached {
    /// The contact's index in the tree.
    pub contact: usize,
    pub position: String,
    pub name: Name,
}

/// How one facility's call tree did in a drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacilityDrill {
    pub facility: Name,
    pub member: Name,
    pub contacts: usize,
    pub reached: usize,
    /// Minutes from the event's start to the last acknowledgement (none when nobody answered).
    pub minutes_to_last: Option<i64>,
    /// Whether every contact was reached.
    pub complete: bool,
    /// The contacts not reached, in the tree's order.
    pub not_reached: Vec<Unreached>,
}

/// The summary of a call-tree drill (連絡網訓練).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrillSummary {
    pub event: u64,
    /// One per tree, in the order given.
    pub facilities: Vec<FacilityDrill>,
    pub contacts: usize,
    pub reached: usize,
    /// The longest of the facilities' minutes to their last acknowledgement.
    pub minutes_to_last: Option<i64>,
}

/// Summarises a call-tree drill over the trees given: per facility, how many contacts
/// answered, how long from the event's start until the last answered, and who did not.
/// An acknowledgement counts when it is of a contact of a tree given, at or after the
/// event's start and not after its end; a contact acknowledged more than once counts once,
/// at the earliest.
pub fn drill_summary(
    event: &AidEvent,
    trees: &[ContactTree],
    acknowledgements: &[Acknowledgement],
) -> DrillSummary {
    let facilities: Vec<FacilityDrill> = trees
        .iter()
        .map(|t| {
            let n = t.contacts.len();
            let mut first: Vec<Option<NaiveDateTime>> = vec![None; n];
            for a in acknowledgements {
                if a.facility == t.facility && a.contact < n && event.ongoing_at(a.at) {
                    let slot = &mut first[a.contact];
                    if slot.is_none_or(|s| a.at < s) {
                        *slot = Some(a.at);
                    }
                }
            }
            let reached = first.iter().flatten().count();
            let last = first.iter().flatten().max();
            FacilityDrill {
                facility: t.facility.clone(),
                member: t.member.clone(),
                contacts: n,
                reached,
                minutes_to_last: last.map(|l| (*l - event.started).num_minutes()),
                complete: reached == n,
                not_reached: first
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.is_none())
                    .map(|(i, _)| Unreached {
                        contact: i,
                        position: t.contacts[i].position.clone(),
                        name: t.contacts[i].name.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    DrillSummary {
        event: event.id,
        contacts: facilities.iter().map(|f| f.contacts).sum(),
        reached: facilities.iter().map(|f| f.reached).sum(),
        minutes_to_last: facilities.iter().filter_map(|f| f.minutes_to_last).max(),
        facilities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn alliance() -> AllianceId {
        AllianceId::parse("12-TOKATSU-NANBU").unwrap()
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn contact(position: &str, calls: Vec<usize>) -> Contact {
        Contact {
            position: position.into(),
            name: name("山田花子（架空）"),
            phone: Phone::parse("047-000-0000").unwrap(),
            email: None,
            available: Availability::Always,
            calls,
        }
    }

    fn tree_fields(facility: &str, calls: Vec<Vec<usize>>) -> ContactTreeFields {
        ContactTreeFields {
            id: 0,
            alliance: alliance(),
            facility: name(facility),
            member: name("医療法人社団架空会（架空）"),
            contacts: calls
                .into_iter()
                .enumerate()
                .map(|(i, c)| contact(&format!("役職{i}"), c))
                .collect(),
        }
    }

    fn err_text(e: &ValueError) -> String {
        format!("{} / {}", e.problem, e.fix)
    }

    #[test]
    fn a_call_tree_is_rooted_at_the_first_contact() {
        let t = ContactTree::new(tree_fields(
            "架空第一病院",
            vec![vec![1, 2], vec![3], vec![4, 5], vec![], vec![], vec![]],
        ))
        .unwrap();
        assert_eq!(t.call_order(), vec![vec![0], vec![1, 2], vec![3, 4, 5]]);
        assert_eq!(t.caller(4), Some(2));
        assert_eq!(t.caller(0), None);
        assert_eq!(
            (t.level(0), t.level(5), t.level(6)),
            (Some(0), Some(2), None)
        );
        let single = ContactTree::new(tree_fields("架空第一病院", vec![vec![]])).unwrap();
        assert_eq!(single.call_order(), vec![vec![0]]);
        assert!(ContactTree::new(tree_fields("架空第一病院", vec![])).is_err());
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(serde_json::from_value::<ContactTree>(json).unwrap(), t);
        assert_eq!(t.clone().with_id(7).id(), 7);
        assert_eq!(t.owner().as_deref(), Some("架空第一病院"));
        assert_eq!(t.scope(), DocScope::Alliance(alliance()));
    }

    #[test]
    fn call_tree_errors_name_the_contact() {
        // A cycle among 2 → 3 → 2, away from the root.
        let e = ContactTree::new(tree_fields(
            "架空第一病院",
            vec![vec![1], vec![], vec![3], vec![2]],
        ))
        .unwrap_err();
        assert_eq!(e.input, "2");
        assert!(err_text(&e).contains("循環") && err_text(&e).contains("cycle"));
        assert!(err_text(&e).contains("役職2"));
        // Calling back the first contact.
        let e = ContactTree::new(tree_fields("架空第一病院", vec![vec![1], vec![0]])).unwrap_err();
        assert_eq!(e.input, "0");
        assert!(err_text(&e).contains("cycle"));
        // Self-call.
        let e = ContactTree::new(tree_fields("架空第一病院", vec![vec![1], vec![1]])).unwrap_err();
        assert!(err_text(&e).contains("themselves"));
        // Called twice.
        let e = ContactTree::new(tree_fields(
            "架空第一病院",
            vec![vec![1, 2], vec![2], vec![]],
        ))
        .unwrap_err();
        assert_eq!(e.input, "2");
        assert!(err_text(&e).contains("重複") && err_text(&e).contains("twice"));
        let e =
            ContactTree::new(tree_fields("架空第一病院", vec![vec![1, 1], vec![]])).unwrap_err();
        assert!(err_text(&e).contains("twice"));
        // Unreachable.
        let e = ContactTree::new(tree_fields(
            "架空第一病院",
            vec![vec![1], vec![], vec![3], vec![]],
        ))
        .unwrap_err();
        assert_eq!(e.input, "2");
        assert!(err_text(&e).contains("届きません") && err_text(&e).contains("not reached"));
        // Out of range.
        let e = ContactTree::new(tree_fields("架空第一病院", vec![vec![5]])).unwrap_err();
        assert!(err_text(&e).contains("does not exist"));
        // Blank position.
        let mut f = tree_fields("架空第一病院", vec![vec![]]);
        f.contacts[0].position = " ".into();
        assert!(ContactTree::new(f).is_err());
        // Invalid trees do not deserialise.
        let mut json = serde_json::to_value(
            ContactTree::new(tree_fields("架空第一病院", vec![vec![1], vec![]])).unwrap(),
        )
        .unwrap();
        json["contacts"][1]["calls"] = serde_json::json!([0]);
        assert!(serde_json::from_value::<ContactTree>(json).is_err());
    }

    fn caps(facility: &str, beds: u32, nurses: u32, as_of: &str) -> Capabilities {
        Capabilities::new(CapabilitiesFields {
            id: 0,
            alliance: alliance(),
            facility: name(facility),
            member: name("医療法人社団架空会（架空）"),
            as_of: NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap(),
            beds,
            icu_beds: 0,
            generators: 1,
            fuel_hours: 72,
            water_days: 3,
            ventilators: 2,
            staff: vec![JobCount {
                job: AidJob::Nurse,
                count: nurses,
            }],
            vehicles: 0,
            note: String::new(),
        })
        .unwrap()
    }

    #[test]
    fn capabilities_are_checked() {
        let c = caps("架空第一病院", 10, 4, "2025-04-01");
        assert_eq!(c.staff_of(AidJob::Nurse), 4);
        assert_eq!(c.staff_of(AidJob::Doctor), 0);
        assert_eq!(c.can_give(Resource::Beds), Some(10));
        assert_eq!(c.can_give(Resource::Water), None);
        let mut f = c.fields().clone();
        f.icu_beds = 11;
        assert!(Capabilities::new(f).is_err());
        let mut f = c.fields().clone();
        f.staff.push(f.staff[0]);
        assert!(Capabilities::new(f).is_err());
        let mut f = c.fields().clone();
        f.beds = MAX_COUNT + 1;
        assert!(Capabilities::new(f).is_err());
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(serde_json::from_value::<Capabilities>(json).unwrap(), c);
    }

    #[test]
    fn resources_read_codes_labels_and_jobs() {
        for r in Resource::all() {
            assert_eq!(Resource::parse(&r.code()).unwrap(), r);
            assert_eq!(Resource::parse(&r.label(Lang::En)).unwrap(), r);
            assert_eq!(Resource::parse(&r.label(Lang::Ja)).unwrap(), r);
        }
        assert_eq!(
            Resource::parse("看護師").unwrap(),
            Resource::Staff(AidJob::Nurse)
        );
        assert_eq!(Resource::parse("病床").unwrap(), Resource::Beds);
        assert_eq!(
            Resource::parse("DMAT").unwrap(),
            Resource::Staff(AidJob::Dmat)
        );
        assert!(Resource::parse("staff").is_err());
        assert_eq!(
            serde_json::to_value(Resource::Staff(AidJob::Doctor)).unwrap(),
            serde_json::json!("staff:doctor")
        );
    }

    fn event() -> AidEvent {
        AidEvent::new(AidEventFields {
            id: 1,
            alliance: alliance(),
            kind: AidEventKind::Drill,
            title: "令和7年度 連絡網訓練（架空）".into(),
            started: at("2025-09-01 09:00"),
            ended: None,
            description: String::new(),
            affected: vec![name("架空第一病院"), name("架空第二病院")],
        })
        .unwrap()
    }

    #[test]
    fn events_end_after_they_start() {
        let e = event();
        assert!(e.is_drill());
        assert!(e.ongoing_at(at("2025-09-02 00:00")));
        assert!(e.clone().end(at("2025-09-01 08:59")).is_err());
        let ended = e.clone().end(at("2025-09-01 12:00")).unwrap();
        assert!(!ended.ongoing_at(at("2025-09-01 12:01")));
        assert!(ended.end(at("2025-09-01 13:00")).is_err());
        let mut f = e.fields().clone();
        f.affected.push(f.affected[0].clone());
        assert!(AidEvent::new(f).is_err());
        assert_eq!(
            AidEventKind::parse("感染症").unwrap(),
            AidEventKind::Infection
        );
    }

    fn request() -> AidRequest {
        AidRequest::new(AidRequestFields {
            id: 10,
            alliance: alliance(),
            event: 1,
            from: name("架空第一病院"),
            resources: vec![
                Ask {
                    resource: Resource::Beds,
                    quantity: 5,
                },
                Ask {
                    resource: Resource::Staff(AidJob::Nurse),
                    quantity: 3,
                },
            ],
            requested_at: at("2025-09-01 09:30"),
            needed_by: at("2025-09-01 15:00"),
            state: AidRequestState::Open,
            note: String::new(),
        })
        .unwrap()
    }

    fn offer(id: u64, from: &str, resource: Resource, q: u32, when: &str, ok: bool) -> AidResponse {
        AidResponse::new(AidResponseFields {
            id,
            alliance: alliance(),
            request: 10,
            from: name(from),
            resource,
            quantity: q,
            at: at(when),
            accepted: ok,
            note: String::new(),
        })
        .unwrap()
    }

    #[test]
    fn requests_are_checked() {
        let r = request();
        assert_eq!(r.parent(), Some(1));
        let mut f = r.fields().clone();
        f.resources.clear();
        assert!(AidRequest::new(f).is_err());
        let mut f = r.fields().clone();
        f.resources.push(f.resources[0]);
        assert!(AidRequest::new(f).is_err());
        let mut f = r.fields().clone();
        f.resources[0].quantity = 0;
        assert!(AidRequest::new(f).is_err());
        let mut f = r.fields().clone();
        f.needed_by = at("2025-09-01 09:00");
        assert!(AidRequest::new(f).is_err());
        let w = r.clone().withdraw().unwrap();
        assert_eq!(w.state, AidRequestState::Withdrawn);
        assert!(w.withdraw().is_err());
    }

    #[test]
    fn respond_checks_the_offer_against_the_request() {
        let r = request();
        let a = offer(
            1,
            "架空第二病院",
            Resource::Beds,
            3,
            "2025-09-01 10:00",
            false,
        );
        let a = respond(&r, &[], a).unwrap();
        let existing = vec![a.clone()];
        // The same facility and resource again.
        let e = respond(
            &r,
            &existing,
            offer(
                2,
                "架空第二病院",
                Resource::Beds,
                2,
                "2025-09-01 10:05",
                false,
            ),
        )
        .unwrap_err();
        assert!(err_text(&e).contains("already offers"));
        // From the requester.
        assert!(
            respond(
                &r,
                &existing,
                offer(
                    2,
                    "架空第一病院",
                    Resource::Beds,
                    2,
                    "2025-09-01 10:05",
                    false
                )
            )
            .is_err()
        );
        // Not asked for.
        let e = respond(
            &r,
            &existing,
            offer(
                2,
                "架空第三病院",
                Resource::Water,
                2,
                "2025-09-01 10:05",
                false,
            ),
        )
        .unwrap_err();
        assert!(err_text(&e).contains("does not ask"));
        // Before the request.
        assert!(
            respond(
                &r,
                &existing,
                offer(
                    2,
                    "架空第三病院",
                    Resource::Beds,
                    2,
                    "2025-09-01 09:00",
                    false
                )
            )
            .is_err()
        );
        // Withdrawn.
        assert!(
            respond(
                &r.clone().withdraw().unwrap(),
                &existing,
                offer(
                    2,
                    "架空第三病院",
                    Resource::Beds,
                    2,
                    "2025-09-01 10:05",
                    false
                )
            )
            .is_err()
        );
        // Met.
        let full = vec![
            offer(
                1,
                "架空第二病院",
                Resource::Beds,
                5,
                "2025-09-01 10:00",
                true,
            ),
            offer(
                2,
                "架空第三病院",
                Resource::Staff(AidJob::Nurse),
                3,
                "2025-09-01 10:00",
                true,
            ),
        ];
        let e = respond(
            &r,
            &full,
            offer(
                3,
                "架空第四病院",
                Resource::Beds,
                1,
                "2025-09-01 11:00",
                false,
            ),
        )
        .unwrap_err();
        assert!(err_text(&e).contains("already met"));
        let accepted = accept(&r, a, true).unwrap();
        assert!(accepted.accepted);
    }

    #[test]
    fn coverage_sums_and_state() {
        let r = request();
        let rs = vec![
            offer(
                1,
                "架空第二病院",
                Resource::Beds,
                3,
                "2025-09-01 10:00",
                true,
            ),
            offer(
                2,
                "架空第三病院",
                Resource::Beds,
                4,
                "2025-09-01 10:10",
                false,
            ),
            offer(
                3,
                "架空第三病院",
                Resource::Staff(AidJob::Nurse),
                5,
                "2025-09-01 10:20",
                true,
            ),
        ];
        let c = coverage(&r, &rs);
        assert_eq!(
            c[0],
            ResourceCoverage {
                resource: Resource::Beds,
                asked: 5,
                offered: 7,
                accepted: 3,
                remaining: 2
            }
        );
        assert_eq!(c[1].remaining, 0);
        assert_eq!(c[1].accepted, 5);
        assert_eq!(state_of(&r, &rs), AidRequestState::PartlyMet);
        assert_eq!(state_of(&r, &rs[1..2]), AidRequestState::Open);
        let mut all = rs.clone();
        all[1] = accept(&r, all[1].clone(), true).unwrap();
        assert_eq!(state_of(&r, &all), AidRequestState::Met);
        assert_eq!(r.clone().with_state(&all).state, AidRequestState::Met);
        assert_eq!(
            state_of(&r.withdraw().unwrap(), &all),
            AidRequestState::Withdrawn
        );
    }

    #[test]
    fn who_can_send_excludes_the_requester_and_ranks_by_amount_then_name() {
        let list = vec![
            caps("架空第一病院", 50, 9, "2025-04-01"),
            caps("架空第三病院", 10, 2, "2025-04-01"),
            caps("架空第二病院", 10, 0, "2025-04-01"),
            caps("架空第四病院", 30, 1, "2025-03-01"),
            caps("架空第四病院", 2, 1, "2025-04-01"),
            caps("架空第五病院", 0, 1, "2025-04-01"),
        ];
        let s = who_can_send(&list, Resource::Beds, 10, &name("架空第一病院"));
        let names: Vec<&str> = s.iter().map(|s| s.facility.as_str()).collect();
        assert_eq!(names, vec!["架空第三病院", "架空第二病院", "架空第四病院"]);
        assert!(s[0].covers && s[1].covers && !s[2].covers);
        assert_eq!(s[2].available, 2, "the latest capabilities count");
        let nurses = who_can_send(
            &list,
            Resource::Staff(AidJob::Nurse),
            1,
            &name("架空第二病院"),
        );
        assert_eq!(nurses[0].facility.as_str(), "架空第一病院");
        assert!(nurses.iter().all(|s| s.facility.as_str() != "架空第二病院"));
        assert!(who_can_send(&list, Resource::Water, 1, &name("架空第一病院")).is_empty());
    }

    #[test]
    fn the_log_is_in_time_order_and_bilingual() {
        let e = event().end(at("2025-09-01 16:00")).unwrap();
        let r = request();
        let mut other = r.fields().clone();
        other.id = 11;
        other.event = 2;
        let other = AidRequest::new(other).unwrap();
        let rs = vec![
            offer(
                2,
                "架空第三病院",
                Resource::Beds,
                2,
                "2025-09-01 11:00",
                true,
            ),
            offer(
                1,
                "架空第二病院",
                Resource::Staff(AidJob::Nurse),
                3,
                "2025-09-01 10:00",
                false,
            ),
        ];
        let lines = log(&e, &[other, r], &rs);
        let kinds: Vec<LogKind> = lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            vec![
                LogKind::EventStart,
                LogKind::Request,
                LogKind::Response,
                LogKind::Response,
                LogKind::EventEnd
            ]
        );
        assert!(lines.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(lines[2].id, 1);
        assert!(lines[3].text.ja.contains("（受諾）"));
        assert!(lines[3].text.en.contains("(accepted)"));
        assert!(lines[1].text.ja.contains("病床 5床"));
        assert!(lines[1].text.en.contains("Beds 5 beds"));
        assert!(
            lines[0]
                .render(Lang::Ja)
                .starts_with("2025-09-01 09:00 訓練")
        );
    }

    #[test]
    fn drill_summary_counts_reached_contacts_and_time() {
        let e = event();
        let t1 = ContactTree::new(tree_fields(
            "架空第一病院",
            vec![vec![1, 2], vec![], vec![]],
        ))
        .unwrap();
        let t2 = ContactTree::new(tree_fields("架空第二病院", vec![vec![1], vec![]])).unwrap();
        let ack = |f: &str, c: usize, when: &str| Acknowledgement {
            facility: name(f),
            contact: c,
            at: at(when),
        };
        let acks = vec![
            ack("架空第一病院", 0, "2025-09-01 09:02"),
            ack("架空第一病院", 2, "2025-09-01 09:25"),
            ack("架空第一病院", 2, "2025-09-01 09:10"),
            ack("架空第一病院", 1, "2025-09-01 08:00"), // before the start: ignored
            ack("架空第一病院", 9, "2025-09-01 09:05"), // no such contact
            ack("架空第二病院", 0, "2025-09-01 09:01"),
            ack("架空第二病院", 1, "2025-09-01 09:40"),
            ack("架空第三病院", 0, "2025-09-01 09:01"),
        ];
        let s = drill_summary(&e, &[t1, t2], &acks);
        assert_eq!(s.contacts, 5);
        assert_eq!(s.reached, 4);
        assert_eq!(s.facilities[0].reached, 2);
        assert_eq!(s.facilities[0].minutes_to_last, Some(10));
        assert!(!s.facilities[0].complete);
        assert_eq!(s.facilities[0].not_reached.len(), 1);
        assert_eq!(s.facilities[0].not_reached[0].contact, 1);
        assert_eq!(s.facilities[0].not_reached[0].position, "役職1");
        assert!(s.facilities[1].complete);
        assert_eq!(s.facilities[1].minutes_to_last, Some(40));
        assert_eq!(s.minutes_to_last, Some(40));
        let none = drill_summary(&e, &[], &acks);
        assert_eq!(
            (none.contacts, none.reached, none.minutes_to_last),
            (0, 0, None)
        );
    }

    /// A random valid tree: each contact after the first is called by an earlier one, then
    /// the contacts are relabelled by a permutation that keeps the first in place.
    fn valid_tree() -> impl Strategy<Value = Vec<Vec<usize>>> {
        (1usize..30)
            .prop_flat_map(|n| {
                let parents: Vec<BoxedStrategy<usize>> = (1..n).map(|i| (0..i).boxed()).collect();
                (
                    Just(n),
                    parents,
                    Just((1..n).collect::<Vec<usize>>()).prop_shuffle(),
                )
            })
            .prop_map(|(n, parents, perm)| {
                let label = |i: usize| if i == 0 { 0 } else { perm[i - 1] };
                let mut calls = vec![Vec::new(); n];
                for (k, &p) in parents.iter().enumerate() {
                    calls[label(p)].push(label(k + 1));
                }
                calls
            })
    }

    proptest! {
        #[test]
        fn call_order_lists_each_contact_once_callers_first(calls in valid_tree()) {
            let n = calls.len();
            let t = ContactTree::new(tree_fields("架空第一病院", calls)).unwrap();
            let order = t.call_order();
            let flat: Vec<usize> = order.iter().flatten().copied().collect();
            let mut sorted = flat.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            let pos = |i: usize| flat.iter().position(|&x| x == i).unwrap();
            let level = |i: usize| order.iter().position(|l| l.contains(&i)).unwrap();
            for i in 1..n {
                let p = t.caller(i).unwrap();
                prop_assert!(pos(p) < pos(i));
                prop_assert_eq!(level(p) + 1, level(i));
            }
        }

        #[test]
        fn tree_checks_never_panic(calls in proptest::collection::vec(
            proptest::collection::vec(0usize..12, 0..4), 1..10)) {
            let ok = check_call_tree(
                &calls.iter().cloned().map(|c| contact("役職", c)).collect::<Vec<_>>(),
            ).is_ok();
            if let Ok(t) = ContactTree::new(tree_fields("架空第一病院", calls)) {
                prop_assert!(ok);
                prop_assert_eq!(t.call_order().iter().flatten().count(), t.contacts.len());
            } else {
                prop_assert!(!ok);
            }
        }

        #[test]
        fn coverage_reconciles_exactly(
            asks in proptest::collection::vec(1u32..=MAX_QUANTITY, 3),
            offers in proptest::collection::vec((0usize..4, 1u32..=MAX_QUANTITY, any::<bool>()), 0..40),
        ) {
            let kinds = [Resource::Beds, Resource::Staff(AidJob::Doctor), Resource::Fuel, Resource::Water];
            let mut f = request().fields().clone();
            f.resources = asks.iter().enumerate()
                .map(|(i, &q)| Ask { resource: kinds[i], quantity: q }).collect();
            let r = AidRequest::new(f).unwrap();
            let rs: Vec<AidResponse> = offers.iter().enumerate()
                .map(|(i, &(k, q, ok))| offer(i as u64, "架空第二病院", kinds[k], q, "2025-09-01 10:00", ok))
                .collect();
            let c = coverage(&r, &rs);
            prop_assert_eq!(c.len(), 3);
            for (i, cov) in c.iter().enumerate() {
                let acc: u64 = rs.iter().filter(|x| x.resource == kinds[i] && x.accepted)
                    .map(|x| u64::from(x.quantity)).sum();
                let off: u64 = rs.iter().filter(|x| x.resource == kinds[i])
                    .map(|x| u64::from(x.quantity)).sum();
                prop_assert_eq!(cov.asked, u64::from(asks[i]));
                prop_assert_eq!(cov.accepted, acc);
                prop_assert_eq!(cov.offered, off);
                prop_assert_eq!(cov.remaining, u64::from(asks[i]).saturating_sub(acc));
                prop_assert!(cov.accepted <= cov.offered);
            }
            let state = state_of(&r, &rs);
            prop_assert_eq!(state == AidRequestState::Met, c.iter().all(|x| x.remaining == 0));
        }

        #[test]
        fn who_can_send_is_a_deterministic_ranking(
            figures in proptest::collection::vec((0usize..6, 0u32..20), 0..20),
            requester in 0usize..6,
            q in 1u32..20,
        ) {
            let names = ["架空A病院", "架空B病院", "架空C病院", "架空D病院", "架空E病院", "架空F病院"];
            let list: Vec<Capabilities> = figures.iter().enumerate()
                .map(|(i, &(f, b))| caps(names[f], b, 0, "2025-04-01").with_id(i as u64))
                .collect();
            let s = who_can_send(&list, Resource::Beds, q, &name(names[requester]));
            let mut rev = list.clone();
            rev.reverse();
            prop_assert_eq!(&s, &who_can_send(&rev, Resource::Beds, q, &name(names[requester])));
            prop_assert!(s.iter().all(|x| x.facility.as_str() != names[requester] && x.available > 0));
            prop_assert!(s.windows(2).all(|w| (w[0].available, &w[1].facility) > (w[1].available, &w[0].facility)));
            prop_assert!(s.iter().all(|x| x.covers == (x.available >= q)));
        }
    }
}
