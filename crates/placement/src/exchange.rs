//! The placement exchange format: the input and the result of
//! `chiiki place --input I.json --output R.json`, as JSON.
//!
//! Input:
//!
//! ```json
//! {"doctors": [{"id": "d1", "preferences": ["f1", "f2"]}],
//!  "facilities": [{"id": "f1", "capacity": 2, "region": "r1", "priority": ["d3", "d1"]}],
//!  "regions": [{"id": "r1", "cap": 10, "floor": 0}],
//!  "couples": [["d1", "d2"]]}
//! ```
//!
//! `regions` and `couples` may be left out, and so may a doctor's `preferences`, a facility's
//! `region` and `priority`, a region's `cap` (no cap) and `floor` (0). Unknown keys are
//! errors. Preferences are best first; a facility's priority is highest first; a doctor and a
//! facility can be matched only when each lists the other.
//!
//! Every problem of a file is reported at once (ids are resolved even when some are wrong),
//! each with its JSON path (`doctors[3].preferences[1]`) and one sentence per language that
//! says what is wrong and how to fix it: a file that is not JSON of this shape, an empty or
//! repeated id, a preference naming an unknown facility, a priority naming an unknown doctor,
//! an entry repeated in a list, a negative or too large capacity, cap or floor, an unknown
//! region, a floor above its cap, a couple that is not two different known doctors or a doctor
//! in two couples. When all that is right, the floors are checked: each region's floor
//! against its posts and against the doctors who can be placed there, then all floors
//! together (a maximum flow), naming the regions whose floors cannot all be met.
//!
//! Result ([`write`]): `{"algorithm", "assignment": {"d1": "f1", "d2": null}, "guarantees",
//! "checker", "explanations", "stats"}`, with ids throughout and doctors in input order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use chiiki_domain::Msg;
use serde::{Deserialize, Serialize};

use crate::check::{BlockingPair, Guarantee, Report};
use crate::explain::Explanations;
use crate::floors::unchecked_floor_report;
use crate::instance::{Doctor, Facility, Instance, InstanceError, Matching, Region};

/// Ids to indices, for everything named in the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    pub doctors: HashMap<String, usize>,
    pub facilities: HashMap<String, usize>,
    pub regions: HashMap<String, usize>,
}

/// An id as read: borrowed from the input when it has no escapes, so that reading a long
/// list allocates nothing per entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
struct Id<'a>(Cow<'a, str>);

impl std::ops::Deref for Id<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Id<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Id<'de>, E> {
                Ok(Id(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visitor)
    }
}

impl std::fmt::Display for Id<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn id(s: &str) -> Id<'_> {
    Id(Cow::Borrowed(s))
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawInput<'a> {
    #[serde(borrow)]
    doctors: Vec<RawDoctor<'a>>,
    #[serde(borrow)]
    facilities: Vec<RawFacility<'a>>,
    #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
    regions: Vec<RawRegion<'a>>,
    #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
    couples: Vec<Vec<Id<'a>>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawDoctor<'a> {
    #[serde(borrow)]
    id: Id<'a>,
    #[serde(default, borrow)]
    preferences: Vec<Id<'a>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawFacility<'a> {
    #[serde(borrow)]
    id: Id<'a>,
    capacity: i64,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    region: Option<Id<'a>>,
    #[serde(default, borrow)]
    priority: Vec<Id<'a>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRegion<'a> {
    #[serde(borrow)]
    id: Id<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cap: Option<i64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    floor: i64,
}

/// Ids to positions while reading, with a fast multiplicative hash (FxHash's): a file
/// resolves one lookup per list entry. (Not collision-resistant: the input is the centre's
/// own file.)
type IdMap = HashMap<String, usize, BuildHasherDefault<IdHasher>>;

#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn is_zero(x: &i64) -> bool {
    *x == 0
}

/// An error: where, what is wrong and how to fix it, in both languages.
fn error(path: impl Into<String>, problem: Msg, fix: Msg) -> InstanceError {
    InstanceError {
        path: path.into(),
        ja: format!("{}。{}。", problem.ja, fix.ja),
        en: format!("{}; {}.", problem.en, fix.en),
    }
}

/// Reads an input file (UTF-8 JSON, a byte order mark allowed): the validated instance and
/// the ids, or every problem found.
pub fn read(bytes: &[u8]) -> Result<(Instance, Ids), Vec<InstanceError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // UTF-8 checked once for the whole file, faster than string by string.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = before.len()
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |k| k + 1)
                + 1;
            return Err(vec![error(
                format!("line {line}, column {column}"),
                Msg::new(
                    "UTF-8 として読めない文字があります",
                    "a character is not UTF-8",
                ),
                Msg::new(
                    "ファイルを UTF-8 で保存してください（Shift_JIS などは不可）",
                    "save the file as UTF-8 (not Shift_JIS or another encoding)",
                ),
            )]);
        }
    };
    // The fast path reads without tracking paths; on an error, read again to find where.
    let raw: RawInput = match serde_json::from_str(text) {
        Ok(raw) => raw,
        Err(first) => return Err(vec![located_error(text, &first)]),
    };
    let mut errors = Vec::new();

    let regions_ids = index_ids(
        raw.regions.iter().map(|r| &*r.id),
        "regions",
        ("地域", "region"),
        &mut errors,
    );
    let facility_ids = index_ids(
        raw.facilities.iter().map(|f| &*f.id),
        "facilities",
        ("医療機関", "facility"),
        &mut errors,
    );
    let doctor_ids = index_ids(
        raw.doctors.iter().map(|d| &*d.id),
        "doctors",
        ("医師", "doctor"),
        &mut errors,
    );

    let mut regions = Vec::with_capacity(raw.regions.len());
    for (k, r) in raw.regions.iter().enumerate() {
        let cap = r
            .cap
            .and_then(|c| count(c, &format!("regions[{k}].cap"), "上限", "cap", &mut errors));
        let floor = count(
            r.floor,
            &format!("regions[{k}].floor"),
            "下限",
            "floor",
            &mut errors,
        )
        .unwrap_or(0);
        if let Some(c) = cap
            && floor > c
        {
            errors.push(error(
                format!("regions[{k}].floor"),
                Msg::new(
                    format!("地域 {} の下限 {floor} が上限 {c} を超えています", r.id),
                    format!("region {}: the floor {floor} is above the cap {c}", r.id),
                ),
                Msg::new(
                    "下限を上限以下にしてください",
                    "make the floor at most the cap",
                ),
            ));
        }
        regions.push(Region {
            id: r.id.to_string(),
            cap,
            floor,
        });
    }

    // Facilities' lists and doctors' lists resolve independently: on two threads.
    let ((facilities, facility_errors), (doctors, doctor_errors)) = crate::instance::both(
        || {
            resolve_facilities(
                &raw.facilities,
                &regions_ids,
                &doctor_ids,
                raw.doctors.len(),
            )
        },
        || resolve_doctors(&raw.doctors, &facility_ids, raw.facilities.len()),
    );
    errors.extend(facility_errors);
    errors.extend(doctor_errors);

    let mut couples = Vec::with_capacity(raw.couples.len());
    let mut in_couple: HashMap<usize, usize> = HashMap::new();
    for (k, pair) in raw.couples.iter().enumerate() {
        if pair.len() != 2 {
            errors.push(error(
                format!("couples[{k}]"),
                Msg::new(
                    format!("組に {} 人が書かれています", pair.len()),
                    format!("the couple lists {} doctors", pair.len()),
                ),
                Msg::new(
                    "組は [\"d1\", \"d2\"] のように医師2人で書いてください",
                    "write a couple as two doctors, like [\"d1\", \"d2\"]",
                ),
            ));
            continue;
        }
        let mut resolved = [None, None];
        for (j, id) in pair.iter().enumerate() {
            let path = format!("couples[{k}][{j}]");
            match doctor_ids.get(&**id) {
                None => errors.push(error(
                    path,
                    Msg::new(
                        format!("組の {id} が doctors にありません"),
                        format!("the couple names {id}, which is not in doctors"),
                    ),
                    Msg::new(
                        format!("doctors に {id} を加えるか、ID を正してください"),
                        format!("add {id} to doctors or correct the id"),
                    ),
                )),
                Some(&d) => match in_couple.entry(d) {
                    Entry::Occupied(first) if *first.get() != k => errors.push(error(
                        path,
                        Msg::new(
                            format!("{id} は couples[{}] にもいます", first.get()),
                            format!("{id} is also in couples[{}]", first.get()),
                        ),
                        Msg::new(
                            "医師は一つの組にだけ入れてください",
                            "put each doctor in one couple only",
                        ),
                    )),
                    Entry::Occupied(_) => errors.push(error(
                        path,
                        Msg::new(
                            format!("組の二人がどちらも {id} です"),
                            format!("both members of the couple are {id}"),
                        ),
                        Msg::new(
                            "組には異なる2人の医師を書いてください",
                            "name two different doctors",
                        ),
                    )),
                    Entry::Vacant(v) => {
                        v.insert(k);
                        resolved[j] = Some(d);
                    }
                },
            }
        }
        if let [Some(a), Some(b)] = resolved {
            couples.push((a, b));
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let instance = Instance::new(doctors, facilities, regions, couples)?;
    check_floors(&instance, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        instance,
        Ids {
            doctors: doctor_ids.into_iter().collect(),
            facilities: facility_ids.into_iter().collect(),
            regions: regions_ids.into_iter().collect(),
        },
    ))
}

/// Where and why a file does not read: the serde error with its JSON path, or text after the
/// JSON.
fn located_error(text: &str, first: &serde_json::Error) -> InstanceError {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, RawInput>(&mut de) {
        Err(e) => serde_error(&e),
        // The value itself reads: what failed is what follows it.
        Ok(_) => error(
            format!("line {}, column {}", first.line(), first.column()),
            Msg::new(
                "JSON の後ろに余分な文字があります",
                "there is more text after the JSON",
            ),
            Msg::new(
                "ファイルを一つの JSON オブジェクトにしてください",
                "make the file one JSON object",
            ),
        ),
    }
}

/// A count (capacity, cap, floor) read as a signed number: negative or beyond `u32` is an
/// error.
fn count(
    value: i64,
    path: &str,
    what_ja: &str,
    what_en: &str,
    errors: &mut Vec<InstanceError>,
) -> Option<u32> {
    match u32::try_from(value) {
        Ok(v) => Some(v),
        Err(_) if value < 0 => {
            errors.push(error(
                path,
                Msg::new(
                    format!("{what_ja} {value} が負の数です"),
                    format!("the {what_en} {value} is negative"),
                ),
                Msg::new(
                    format!("{what_ja}は 0 以上の人数で書いてください"),
                    format!("give the {what_en} as a number of doctors, 0 or more"),
                ),
            ));
            None
        }
        Err(_) => {
            errors.push(error(
                path,
                Msg::new(
                    format!("{what_ja} {value} が大きすぎます"),
                    format!("the {what_en} {value} is too large"),
                ),
                Msg::new(
                    format!("{what_ja}は {} 以下にしてください", u32::MAX),
                    format!("give a {what_en} of at most {}", u32::MAX),
                ),
            ));
            None
        }
    }
}

/// The facilities with their priority lists resolved to doctor indices (`doctors` of them in
/// the file), and the problems.
fn resolve_facilities(
    raw: &[RawFacility<'_>],
    regions_ids: &IdMap,
    doctor_ids: &IdMap,
    doctors: usize,
) -> (Vec<Facility>, Vec<InstanceError>) {
    let mut errors = Vec::new();
    // For each doctor, the list it was last seen in and where: repeated entries are found
    // in O(1) each.
    let mut seen_doctor = vec![(usize::MAX, 0); doctors];
    let mut facilities = Vec::with_capacity(raw.len());
    for (k, f) in raw.iter().enumerate() {
        let capacity = count(
            f.capacity,
            &format!("facilities[{k}].capacity"),
            "定員",
            "capacity",
            &mut errors,
        )
        .unwrap_or(0);
        let region = f.region.as_ref().and_then(|id| {
            let r = regions_ids.get(&**id).copied();
            if r.is_none() {
                errors.push(error(
                    format!("facilities[{k}].region"),
                    Msg::new(
                        format!("{} の地域 {id} が regions にありません", f.id),
                        format!("{} is in region {id}, which is not in regions", f.id),
                    ),
                    Msg::new(
                        format!("regions に {id} を加えるか、地域の ID を正してください"),
                        format!("add {id} to regions or correct the region's id"),
                    ),
                ));
            }
            r
        });
        let priority = resolve_list(
            &f.priority,
            doctor_ids,
            k,
            &f.id,
            ListKind::Priority,
            &mut seen_doctor,
            &mut errors,
        );
        facilities.push(Facility {
            id: f.id.to_string(),
            capacity,
            region,
            priority,
        });
    }
    (facilities, errors)
}

/// The doctors with their preference lists resolved to facility indices (`facilities` of them
/// in the file), and the problems.
fn resolve_doctors(
    raw: &[RawDoctor<'_>],
    facility_ids: &IdMap,
    facilities: usize,
) -> (Vec<Doctor>, Vec<InstanceError>) {
    let mut errors = Vec::new();
    let mut seen_facility = vec![(usize::MAX, 0); facilities];
    let mut doctors = Vec::with_capacity(raw.len());
    for (k, d) in raw.iter().enumerate() {
        let preferences = resolve_list(
            &d.preferences,
            facility_ids,
            k,
            &d.id,
            ListKind::Preferences,
            &mut seen_facility,
            &mut errors,
        );
        doctors.push(Doctor {
            id: d.id.to_string(),
            preferences,
        });
    }
    (doctors, errors)
}

/// Ids to positions; an empty or repeated id is an error (the first one counts).
fn index_ids<'a>(
    ids: impl Iterator<Item = &'a str>,
    key: &str,
    (what_ja, what_en): (&str, &str),
    errors: &mut Vec<InstanceError>,
) -> IdMap {
    let mut map = IdMap::default();
    for (k, id) in ids.enumerate() {
        let path = || format!("{key}[{k}].id");
        if id.trim().is_empty() {
            errors.push(error(
                path(),
                Msg::new(
                    format!("{what_ja}の ID が空です"),
                    format!("the {what_en}'s id is empty"),
                ),
                Msg::new(
                    format!("{what_ja}ごとに異なる ID を書いてください"),
                    format!("give every {what_en} a distinct id"),
                ),
            ));
            continue;
        }
        match map.entry(id.to_string()) {
            Entry::Occupied(first) => errors.push(error(
                path(),
                Msg::new(
                    format!("ID {id} は {key}[{}] でも使われています", first.get()),
                    format!("the id {id} is also used by {key}[{}]", first.get()),
                ),
                Msg::new(
                    format!("{what_ja}ごとに異なる ID を書いてください"),
                    format!("give every {what_en} a distinct id"),
                ),
            )),
            Entry::Vacant(v) => {
                v.insert(k);
            }
        }
    }
    map
}

#[derive(Clone, Copy)]
enum ListKind {
    /// A doctor's list of facilities.
    Preferences,
    /// A facility's list of doctors.
    Priority,
}

/// The list of owner number `k` (a doctor's preferences or a facility's priority), ids to
/// indices; an unknown or repeated entry is an error and left out. `seen[x]` is the owner
/// and position where x was last seen.
#[allow(clippy::too_many_arguments)]
fn resolve_list(
    list: &[Id<'_>],
    ids: &IdMap,
    k: usize,
    owner: &str,
    kind: ListKind,
    seen: &mut [(usize, usize)],
    errors: &mut Vec<InstanceError>,
) -> Vec<usize> {
    let (owners, key, other_ja, other_key) = match kind {
        ListKind::Preferences => ("doctors", "preferences", "医療機関", "facilities"),
        ListKind::Priority => ("facilities", "priority", "医師", "doctors"),
    };
    let mut out = Vec::with_capacity(list.len());
    for (j, id) in list.iter().enumerate() {
        let here = || format!("{owners}[{k}].{key}[{j}]");
        let Some(&x) = ids.get(&**id) else {
            let (ja, en) = match kind {
                ListKind::Preferences => (
                    format!("{owner} の希望にある {id} は {other_key} にありません"),
                    format!("{owner} lists {id}, which is not in {other_key}"),
                ),
                ListKind::Priority => (
                    format!("{owner} の優先順位にある {id} は {other_key} にありません"),
                    format!("{owner} ranks {id}, which is not in {other_key}"),
                ),
            };
            errors.push(error(
                here(),
                Msg::new(ja, en),
                Msg::new(
                    format!("{other_key} に{other_ja} {id} を加えるか、ID を正してください"),
                    format!("add {id} to {other_key} or correct the id"),
                ),
            ));
            continue;
        };
        match seen[x] {
            (owner_seen, first) if owner_seen == k => errors.push(error(
                here(),
                Msg::new(
                    format!("{owner} の {key} に {id} が二度あります（最初は {key}[{first}]）"),
                    format!("{owner} lists {id} again (first at {key}[{first}])"),
                ),
                Msg::new("同じ ID は一度だけ書いてください", "list each id once"),
            )),
            _ => {
                seen[x] = (k, j);
                out.push(x);
            }
        }
    }
    out
}

/// Floors that cannot be met, each region alone and then all together, from
/// [`crate::floors::floor_report`].
fn check_floors(instance: &Instance, errors: &mut Vec<InstanceError>) {
    if instance.regions.iter().all(|r| r.floor == 0) {
        return;
    }
    let report = unchecked_floor_report(instance);
    let mut alone_ok = true;
    for x in &report.regions {
        let (k, r) = (x.region, &instance.regions[x.region]);
        let floor = u64::from(x.floor);
        if floor > x.capacity {
            alone_ok = false;
            errors.push(error(
                format!("regions[{k}].floor"),
                Msg::new(
                    format!(
                        "地域 {} の下限 {floor} 人に対して、その地域の医療機関の定員は合計 {} です",
                        r.id, x.capacity
                    ),
                    format!(
                        "region {} needs at least {floor} doctors, but its facilities have {} posts in all",
                        r.id, x.capacity
                    ),
                ),
                Msg::new(
                    "下限を下げるか、その地域の医療機関の定員を増やしてください",
                    "lower the floor or add posts to the region's facilities",
                ),
            ));
        } else if floor > x.doctors {
            alone_ok = false;
            errors.push(error(
                format!("regions[{k}].floor"),
                Msg::new(
                    format!(
                        "地域 {} の下限 {floor} 人に対して、その地域の医療機関と互いに受け入れ可能な医師は {} 人です",
                        r.id, x.doctors
                    ),
                    format!(
                        "region {} needs at least {floor} doctors, but only {} doctors and its facilities list each other",
                        r.id, x.doctors
                    ),
                ),
                Msg::new(
                    "下限を下げるか、その地域の医療機関の希望・受入名簿への記載を増やしてください",
                    "lower the floor, or have more doctors and the region's facilities list each other",
                ),
            ));
        }
    }
    if !alone_ok {
        return;
    }
    if let Some(short) = &report.binding {
        let names: Vec<&str> = short
            .regions
            .iter()
            .map(|&r| instance.regions[r].id.as_str())
            .collect();
        let names = names.join(", ");
        errors.push(error(
            "regions",
            Msg::new(
                format!(
                    "地域 {names} の下限は同時には満たせません: 合計 {} 人が必要ですが、配属できるのは最大 {} 人です",
                    short.need, short.at_most
                ),
                format!(
                    "the floors of regions {names} cannot all be met: they need {} doctors together, but at most {} can be placed there",
                    short.need, short.at_most
                ),
            ),
            Msg::new(
                "これらの地域の下限を下げるか、定員を増やすか、これらの地域を希望・受入名簿に挙げる医師と医療機関を増やしてください",
                "lower these floors, add posts, or have more doctors and these regions' facilities list each other",
            ),
        ));
    }
}

/// A serde error: its path, what serde found and how to fix it.
fn serde_error(e: &serde_path_to_error::Error<serde_json::Error>) -> InstanceError {
    use serde_path_to_error::Segment;
    let mut path = String::new();
    for seg in e.path().iter() {
        match seg {
            Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    let inner = e.inner();
    let text = inner.to_string();
    let message = match text.rfind(" at line ") {
        Some(k) => &text[..k],
        None => &text,
    };
    let at = format!("line {}, column {}", inner.line(), inner.column());
    let join = |path: &str, key: &str| {
        if path == key || path.ends_with(&format!(".{key}")) {
            path.to_string()
        } else if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    let keys = "doctors (id, preferences), facilities (id, capacity, region, priority), regions (id, cap, floor), couples";
    let (path, problem, fix) = if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        (
            join(&path, name),
            Msg::new(
                format!("「{name}」というキーはここでは使えません（{at}）"),
                format!("there is no key `{name}` here ({at})"),
            ),
            Msg::new(
                format!("綴りを確認するか削除してください。使えるキー: {keys}"),
                format!("check the spelling or remove it; the keys are {keys}"),
            ),
        )
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        (
            join(&path, name),
            Msg::new(
                format!("必須のキー「{name}」がありません（{at}）"),
                format!("the required key `{name}` is missing ({at})"),
            ),
            Msg::new(
                format!("「{name}」を加えてください"),
                format!("add `{name}`"),
            ),
        )
    } else if inner.is_data() {
        (
            if path.is_empty() { at.clone() } else { path },
            Msg::new(
                format!("値が正しくありません: {message}（{at}）"),
                format!("invalid value: {message} ({at})"),
            ),
            Msg::new(
                "ID と一覧は文字列、定員・上限・下限は整数で書いてください",
                "write ids and lists as strings, capacities, caps and floors as whole numbers",
            ),
        )
    } else {
        (
            if path.is_empty() { at.clone() } else { path },
            Msg::new(
                format!("JSON として読めません: {message}（{at}）"),
                format!("not readable as JSON: {message} ({at})"),
            ),
            Msg::new(
                "JSON の書式（括弧、引用符、カンマ）を確認してください",
                "check the JSON syntax (brackets, quotes, commas)",
            ),
        )
    };
    error(path, problem, fix)
}

/// The instance in the input format (compact JSON): what [`read`] reads back to an equal
/// instance.
pub fn input_json(instance: &Instance) -> String {
    let raw = RawInput {
        doctors: instance
            .doctors
            .iter()
            .map(|d| RawDoctor {
                id: id(&d.id),
                preferences: d
                    .preferences
                    .iter()
                    .filter_map(|&f| instance.facilities.get(f).map(|x| id(&x.id)))
                    .collect(),
            })
            .collect(),
        facilities: instance
            .facilities
            .iter()
            .map(|f| RawFacility {
                id: id(&f.id),
                capacity: i64::from(f.capacity),
                region: f
                    .region
                    .and_then(|r| instance.regions.get(r))
                    .map(|r| id(&r.id)),
                priority: f
                    .priority
                    .iter()
                    .filter_map(|&d| instance.doctors.get(d).map(|x| id(&x.id)))
                    .collect(),
            })
            .collect(),
        regions: instance
            .regions
            .iter()
            .map(|r| RawRegion {
                id: id(&r.id),
                cap: r.cap.map(i64::from),
                floor: i64::from(r.floor),
            })
            .collect(),
        couples: instance
            .couples
            .iter()
            .filter_map(|&(a, b)| {
                Some(vec![
                    id(&instance.doctors.get(a)?.id),
                    id(&instance.doctors.get(b)?.id),
                ])
            })
            .collect(),
    };
    serde_json::to_string(&raw).unwrap_or_default()
}

/// The result file: serialise it with `serde_json`.
#[derive(Debug, Clone, Serialize)]
pub struct Output<'a> {
    pub algorithm: &'a str,
    /// Doctor id → facility id or `null`, in the doctors' order.
    pub assignment: Assignment,
    pub guarantees: &'a [Guarantee],
    pub checker: Checker,
    pub explanations: &'a Explanations<'a>,
    pub stats: Stats,
}

/// Doctor id → facility id (or none), serialised as a JSON object in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment(pub Vec<(String, Option<String>)>);

impl Serialize for Assignment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (d, f) in &self.0 {
            map.serialize_entry(d, f)?;
        }
        map.end()
    }
}

/// The checker's report with ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checker {
    pub well_formed: bool,
    pub individually_rational: bool,
    pub capacities_respected: bool,
    pub caps_respected: Option<bool>,
    pub floors_met: Option<bool>,
    pub couples_together: Option<bool>,
    pub non_wasteful: bool,
    pub blocking_pairs: Vec<Pair>,
    pub cap_justified_blocking_pairs: Vec<Pair>,
    pub problems: Vec<Msg>,
}

/// A blocking pair with ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub doctor: String,
    pub facility: String,
    pub vacant_post: bool,
    pub displaces: Option<String>,
}

/// Counts of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub doctors: usize,
    pub placed: usize,
    pub unplaced: usize,
    /// All facilities' posts.
    pub posts: u64,
    /// Placed doctors over posts, rounded to four decimals; `null` without posts.
    pub fill_rate: Option<f64>,
    /// Placed doctors over doctors, rounded to four decimals; `null` without doctors.
    pub placement_rate: Option<f64>,
    /// `rank_distribution[k]`: doctors placed at their (k + 1)-th choice
    /// ([`Matching::choice_counts`]).
    pub rank_distribution: Vec<u32>,
    /// Doctors placed at a facility they did not list.
    pub outside_list: usize,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| (a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
}

/// Assembles the result file of a placement.
pub fn write<'a>(
    instance: &Instance,
    matching: &Matching,
    algorithm: &'a str,
    report: &'a Report,
    explanations: &'a Explanations<'a>,
) -> Output<'a> {
    let doctor_id = |d: usize| {
        instance
            .doctors
            .get(d)
            .map_or_else(String::new, |x| x.id.clone())
    };
    let facility_id = |f: usize| instance.facilities.get(f).map(|x| x.id.clone());
    let mut placed = 0usize;
    let assignment = instance
        .doctors
        .iter()
        .enumerate()
        .map(|(d, doc)| {
            let f = matching
                .assignment
                .get(d)
                .copied()
                .flatten()
                .and_then(facility_id);
            placed += usize::from(f.is_some());
            (doc.id.clone(), f)
        })
        .collect();
    let rank_distribution = matching.choice_counts(instance);
    let ranked: u32 = rank_distribution.iter().sum();
    let pair = |b: &BlockingPair| Pair {
        doctor: doctor_id(b.doctor),
        facility: facility_id(b.facility).unwrap_or_default(),
        vacant_post: b.vacant_post,
        displaces: b.displaces.map(doctor_id),
    };
    let posts: u64 = instance
        .facilities
        .iter()
        .map(|f| u64::from(f.capacity))
        .sum();
    let n = instance.doctors.len();
    Output {
        algorithm,
        assignment: Assignment(assignment),
        guarantees: &report.guarantees,
        checker: Checker {
            well_formed: report.well_formed,
            individually_rational: report.individually_rational,
            capacities_respected: report.capacities_respected,
            caps_respected: report.caps_respected,
            floors_met: report.floors_met,
            couples_together: report.couples_together,
            non_wasteful: report.non_wasteful,
            blocking_pairs: report.blocking_pairs.iter().map(pair).collect(),
            cap_justified_blocking_pairs: report
                .cap_justified_blocking_pairs
                .iter()
                .map(pair)
                .collect(),
            problems: report.problems.clone(),
        },
        explanations,
        stats: Stats {
            doctors: n,
            placed,
            unplaced: n - placed,
            posts,
            fill_rate: ratio(placed as u64, posts),
            placement_rate: ratio(placed as u64, n as u64),
            rank_distribution,
            outside_list: placed.saturating_sub(ranked as usize),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::da::deferred_acceptance;
    use crate::explain::{Context, explain};
    use crate::generate::{national, prefecture, strategy};
    use proptest::prelude::*;
    use serde_json::json;

    fn errors_of(text: &str) -> Vec<InstanceError> {
        read(text.as_bytes()).err().unwrap_or_default()
    }

    #[test]
    fn reads_the_documented_example() {
        let text = r#"{"doctors": [{"id": "d1", "preferences": ["f1", "f2"]}, {"id": "d2"}, {"id": "d3", "preferences": ["f1"]}],
            "facilities": [{"id": "f1", "capacity": 2, "region": "r1", "priority": ["d3", "d1"]},
                           {"id": "f2", "capacity": 0}],
            "regions": [{"id": "r1", "cap": 10, "floor": 0}],
            "couples": [["d1", "d2"]]}"#;
        let (i, ids) = read(text.as_bytes()).unwrap();
        assert_eq!(i.doctors[0].preferences, [0, 1]);
        assert_eq!(i.facilities[0].priority, [2, 0]);
        assert_eq!(i.facilities[0].region, Some(0));
        assert_eq!(i.regions[0].cap, Some(10));
        assert_eq!(i.couples, [(0, 1)]);
        assert_eq!(ids.doctors["d3"], 2);
        assert_eq!(ids.facilities["f2"], 1);
        assert_eq!(ids.regions["r1"], 0);
        // A byte order mark is fine; regions and couples may be left out.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(br#"{"doctors": [], "facilities": []}"#);
        assert!(read(&bom).is_ok());
    }

    #[test]
    fn every_reference_error_is_named_by_its_path() {
        let v = json!({
            "doctors": [
                {"id": "d1", "preferences": ["f1", "f9", "f1"]},
                {"id": "d1"},
                {"id": " "},
                {"id": "d4"},
                {"id": "d5"},
                {"id": "d6"}
            ],
            "facilities": [
                {"id": "f1", "capacity": 1, "region": "r9", "priority": ["dx", "d4", "d4"]},
                {"id": "f1", "capacity": -1},
                {"id": "f3", "capacity": 5_000_000_000_i64}
            ],
            "regions": [
                {"id": "r1", "cap": -2, "floor": -1},
                {"id": "r1", "cap": 1, "floor": 2}
            ],
            "couples": [["d4"], ["d4", "dz"], ["d5", "d5"], ["d6", "d4"]]
        });
        let e = read(v.to_string().as_bytes()).unwrap_err();
        let got: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            got,
            [
                "regions[1].id",
                "facilities[1].id",
                "doctors[1].id",
                "doctors[2].id",
                "regions[0].cap",
                "regions[0].floor",
                "regions[1].floor",
                "facilities[0].region",
                "facilities[0].priority[0]",
                "facilities[0].priority[2]",
                "facilities[1].capacity",
                "facilities[2].capacity",
                "doctors[0].preferences[1]",
                "doctors[0].preferences[2]",
                "couples[0]",
                "couples[1][1]",
                "couples[2][1]",
                "couples[3][1]",
            ]
        );
        let by = |p: &str| e.iter().find(|e| e.path == p).unwrap();
        assert_eq!(
            by("doctors[0].preferences[1]").en,
            "d1 lists f9, which is not in facilities; add f9 to facilities or correct the id."
        );
        assert_eq!(
            by("doctors[0].preferences[1]").ja,
            "d1 の希望にある f9 は facilities にありません。facilities に医療機関 f9 を加えるか、ID を正してください。"
        );
        assert_eq!(
            by("doctors[1].id").en,
            "the id d1 is also used by doctors[0]; give every doctor a distinct id."
        );
        assert_eq!(
            by("facilities[1].capacity").en,
            "the capacity -1 is negative; give the capacity as a number of doctors, 0 or more."
        );
        assert!(by("facilities[2].capacity").en.contains("too large"));
        assert!(by("facilities[0].region").en.contains("r9"));
        assert!(
            by("facilities[0].priority[2]")
                .en
                .contains("again (first at priority[1])")
        );
        assert!(by("regions[1].floor").en.contains("above the cap"));
        assert!(by("couples[3][1]").en.contains("also in couples[1]"));
        assert!(by("couples[2][1]").en.contains("both members"));
        for x in &e {
            assert!(!x.ja.is_empty() && !x.en.is_empty());
        }
    }

    #[test]
    fn shape_errors_are_named_by_their_path() {
        let cases = [
            (
                r#"{"doctors": [], "facilities": [], "doctor": []}"#,
                "doctor",
            ),
            (
                r#"{"doctors": [{"id": "d1", "name": "x"}], "facilities": []}"#,
                "doctors[0].name",
            ),
            (
                r#"{"doctors": [], "facilities": [{"id": "f1"}]}"#,
                "facilities[0].capacity",
            ),
            (
                r#"{"doctors": [], "facilities": [{"id": "f1", "capacity": "2"}]}"#,
                "facilities[0].capacity",
            ),
            (
                r#"{"doctors": [], "facilities": [{"id": "f1", "capacity": 1.5}]}"#,
                "facilities[0].capacity",
            ),
            (
                r#"{"doctors": [{"id": "d1", "preferences": "f1"}], "facilities": []}"#,
                "doctors[0].preferences",
            ),
            (r#"{"doctors": []}"#, "facilities"),
            (r#"{"doctors": [], "facilities": [],}"#, "line 1, column 34"),
            (
                r#"{"doctors": [], "facilities": []} x"#,
                "line 1, column 35",
            ),
            ("", "line 1, column 0"),
            ("[]", "line 1, column 2"),
        ];
        for (text, path) in cases {
            let e = errors_of(text);
            assert_eq!(e.len(), 1, "{text}: {e:?}");
            assert_eq!(e[0].path, path, "{text}: {e:?}");
            assert!(!e[0].ja.is_empty() && !e[0].en.is_empty());
        }
        let e = read(b"{\"doctors\": [],\n \"facilities\": [\xff]}").unwrap_err();
        assert_eq!(e[0].path, "line 2, column 17");
        assert!(e[0].en.contains("UTF-8"), "{:?}", e[0]);
        let e = errors_of(r#"{"doctors": [{"id": "d1", "name": "x"}], "facilities": []}"#);
        assert_eq!(
            e[0].en,
            "there is no key `name` here (line 1, column 32); check the spelling or remove it; the keys are doctors (id, preferences), facilities (id, capacity, region, priority), regions (id, cap, floor), couples."
        );
    }

    #[test]
    fn floors_that_cannot_be_met() {
        // r1: floor 3 but 2 posts. r2: floor 2 but only d1 and r2's facility accept each
        // other.
        let v = json!({
            "doctors": [{"id": "d1", "preferences": ["f2"]}, {"id": "d2", "preferences": ["f2"]}],
            "facilities": [
                {"id": "f1", "capacity": 2, "region": "r1", "priority": ["d1", "d2"]},
                {"id": "f2", "capacity": 5, "region": "r2", "priority": ["d1"]}
            ],
            "regions": [{"id": "r1", "floor": 3}, {"id": "r2", "cap": 4, "floor": 2}]
        });
        let e = read(v.to_string().as_bytes()).unwrap_err();
        assert_eq!(
            e.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["regions[0].floor", "regions[1].floor"]
        );
        assert!(e[0].en.contains("2 posts in all"), "{}", e[0].en);
        assert!(e[1].en.contains("only 1 doctors"), "{}", e[1].en);
        // Each floor alone can be met, but r1 and r2 compete for the same two doctors; r3
        // has its own doctor and is not named.
        let v = json!({
            "doctors": [
                {"id": "d1", "preferences": ["f1", "f2"]},
                {"id": "d2", "preferences": ["f1", "f2"]},
                {"id": "d3", "preferences": ["f3"]}
            ],
            "facilities": [
                {"id": "f1", "capacity": 2, "region": "r1", "priority": ["d1", "d2"]},
                {"id": "f2", "capacity": 2, "region": "r2", "priority": ["d1", "d2"]},
                {"id": "f3", "capacity": 1, "region": "r3", "priority": ["d3"]}
            ],
            "regions": [{"id": "r1", "floor": 2}, {"id": "r2", "floor": 1}, {"id": "r3", "floor": 1}]
        });
        let e = read(v.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, "regions");
        assert_eq!(
            e[0].en,
            "the floors of regions r1, r2 cannot all be met: they need 3 doctors together, but at most 2 can be placed there; lower these floors, add posts, or have more doctors and these regions' facilities list each other."
        );
    }

    #[test]
    fn result_file() {
        let text = r#"{"doctors": [{"id": "b", "preferences": ["f1", "f2"]}, {"id": "a", "preferences": ["f1"]}, {"id": "c"}],
            "facilities": [{"id": "f1", "capacity": 1, "priority": ["a", "b"]}, {"id": "f2", "capacity": 2, "priority": ["b"]}]}"#;
        let (i, _) = read(text.as_bytes()).unwrap();
        let m = deferred_acceptance(&i);
        let r = check(&i, &m);
        let e = explain(&i, &m, &Context::plain());
        let output = write(&i, &m, "deferred_acceptance", &r, &e);
        // In input order, not sorted (serialised directly: a `serde_json::Value` would sort).
        let text = serde_json::to_string(&output).unwrap();
        assert!(
            text.contains(r#""assignment":{"b":"f2","a":"f1","c":null}"#),
            "{text}"
        );
        let out = serde_json::to_value(&output).unwrap();
        assert_eq!(out["algorithm"], "deferred_acceptance");
        assert!(
            out["guarantees"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["code"] == "stable")
        );
        assert_eq!(out["checker"]["blocking_pairs"], json!([]));
        assert_eq!(out["checker"]["caps_respected"], json!(null));
        assert_eq!(
            out["stats"],
            json!({"doctors": 3, "placed": 2, "unplaced": 1, "posts": 3, "fill_rate": 0.6667,
                   "placement_rate": 0.6667, "rank_distribution": [1, 1], "outside_list": 0})
        );
        assert_eq!(
            out["explanations"]["doctors"][0]["why_not"][0]["reason"],
            json!({"kind": "full", "lowest_holder": "a"})
        );
        // A corrupted matching is written with ids, and its blocking pairs named.
        let bad = Matching {
            assignment: vec![Some(0), None, Some(9)],
        };
        let r = check(&i, &bad);
        let e = explain(&i, &bad, &Context::plain());
        let out = serde_json::to_value(write(&i, &bad, "hand", &r, &e)).unwrap();
        assert_eq!(out["assignment"]["c"], json!(null));
        assert_eq!(
            out["checker"]["blocking_pairs"][0],
            json!({"doctor": "a", "facility": "f1", "vacant_post": false, "displaces": "b"})
        );
        assert_eq!(out["checker"]["well_formed"], false);
    }

    /// All matchings, each doctor unplaced or at a facility they and it accept.
    fn feasible_matchings(i: &Instance) -> Vec<Vec<Option<usize>>> {
        let mut out = vec![vec![]];
        for d in 0..i.doctors.len() {
            let mut next = Vec::new();
            for m in &out {
                let mut none = m.clone();
                none.push(None);
                next.push(none);
                for f in 0..i.facilities.len() {
                    let used = m.iter().filter(|&&x| x == Some(f)).count();
                    if i.acceptable(d, f) && used < i.facilities[f].capacity as usize {
                        let mut x = m.clone();
                        x.push(Some(f));
                        next.push(x);
                    }
                }
            }
            out = next;
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Generated instances (with caps, feasible floors and couples) read back equal.
        #[test]
        fn round_trip_of_generated_instances(seed in any::<u64>()) {
            let i = prefecture(seed);
            let (j, _) = read(input_json(&i).as_bytes()).unwrap();
            prop_assert_eq!(&j, &i);
            let i = national(400, seed);
            let (j, _) = read(input_json(&i).as_bytes()).unwrap();
            prop_assert_eq!(&j, &i);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Floors can all be met exactly when some matching meets them, and the binding
        /// regions' "at most" is the most any matching places in them (up to their floors).
        #[test]
        fn floor_shortfall_against_brute_force(
            i in strategy::instance(5, 3, 2, true),
            floors in prop::collection::vec(0u32..=3, 2),
        ) {
            let regions = i
                .regions
                .iter()
                .zip(&floors)
                .map(|(r, &floor)| Region { cap: None, floor, ..r.clone() })
                .collect();
            let i = Instance::new(i.doctors, i.facilities, regions, vec![]).unwrap();
            let counts = |m: &[Option<usize>]| {
                let mut c = vec![0u32; i.regions.len()];
                for f in m.iter().flatten() {
                    if let Some(r) = i.facilities[*f].region {
                        c[r] += 1;
                    }
                }
                c
            };
            let all = feasible_matchings(&i);
            let meets = all.iter().any(|m| {
                counts(m).iter().zip(&i.regions).all(|(&c, r)| c >= r.floor)
            });
            match unchecked_floor_report(&i).binding {
                None => prop_assert!(meets),
                Some(s) => {
                    prop_assert!(!meets);
                    prop_assert!(!s.regions.is_empty() && s.at_most < s.need);
                    let best = all
                        .iter()
                        .map(|m| {
                            let c = counts(m);
                            s.regions.iter().map(|&r| u64::from(c[r].min(i.regions[r].floor))).sum::<u64>()
                        })
                        .max()
                        .unwrap_or(0);
                    prop_assert_eq!(best, s.at_most);
                }
            }
        }

        #[test]
        fn round_trip_of_small_instances(i in strategy::instance(8, 5, 3, false)) {
            let (j, ids) = read(input_json(&i).as_bytes()).unwrap();
            prop_assert_eq!(&j, &i);
            prop_assert_eq!(ids.doctors.len(), i.doctors.len());
        }


        #[test]
        fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = read(&bytes);
        }

        #[test]
        fn never_panics_on_near_json(text in r#"\{"doctors": \[(\{"id": "d[0-9]", "preferences": \["f[0-9]"(, "f[0-9]")*\]\},? ?){0,4}\], "facilities": \[(\{"id": "f[0-9]", "capacity": -?[0-9]{1,11}, "priority": \["d[0-9]"\]\},? ?){0,4}\]\}"#) {
            match read(text.as_bytes()) {
                Ok((i, _)) => {
                    let m = deferred_acceptance(&i);
                    prop_assert!(check(&i, &m).holds(crate::check::Guarantee::Stable));
                }
                Err(e) => prop_assert!(e.iter().all(|e| !e.path.is_empty() && !e.en.is_empty())),
            }
        }
    }
}
