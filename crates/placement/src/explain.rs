//! Why each doctor got what they got and why each empty post is empty, one plain sentence in
//! Japanese and English each.
//!
//! For a doctor, every facility on their list above the one they received (all of it when
//! unplaced) gets one reason, the first that applies of:
//! 1. *ineligible by a rule* — the pair is in the ineligibility list given by the caller;
//! 2. *not on the facility's list* — the facility does not accept the doctor;
//! 3. *no posts* — the facility has a capacity of zero;
//! 4. *full with higher-priority doctors* — naming the lowest-priority doctor it holds;
//! 5. *regional cap reached* (when the mechanism honours caps) — the facility has a vacant
//!    post, holds nobody it ranks below the doctor, and its region has reached its cap (the
//!    checker's cap-justified blocking pairs);
//! 6. *seats held for a floor* (when it honours floors) — the doctor is placed in a region
//!    with a floor that has no doctor to spare, and the facility is elsewhere;
//! 7. *couple* (when it honours couples) — the facility is not where the doctor's partner is
//!    placed (or the partner is unplaced);
//! 8. otherwise nothing explains it: the pair blocks the matching, and the sentence says so.
//!
//! Under deferred acceptance (a stable matching) only 1–4 occur. For a facility with vacant
//! posts: how many doctors ranked it, and of them how many received a post they ranked higher,
//! are not on its list, are ineligible, or were held by a cap, a floor, a couple (or nothing);
//! and whether its region is at its cap.
//!
//! The explanations hold the reasons as data; each sentence is rendered when asked for
//! (`text()`) and when serialised (a `"text": {"ja", "en"}` field next to the data), so
//! explaining 10,000 doctors stores no prose.
//!
//! Any matching is accepted; entries out of range count as unplaced.

use std::collections::HashMap;
use std::fmt;

use chiiki_domain::{Lang, Msg};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

use crate::instance::{Instance, Matching};

/// What the mechanism honoured, and pairs ruled out before matching.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Regional caps: a region at its cap is a reason.
    pub caps: bool,
    /// Regional floors: a region with no doctor to spare is a reason.
    pub floors: bool,
    /// Couples: a partner placed elsewhere is a reason.
    pub couples: bool,
    /// (doctor, facility, the rule that makes the doctor ineligible there).
    pub ineligible: &'a [(usize, usize, Msg)],
}

impl Context<'static> {
    /// The plain model (deferred acceptance): no constraint, no ineligibility.
    pub fn plain() -> Context<'static> {
        Context::default()
    }

    /// Caps, floors and couples all honoured.
    pub fn all() -> Context<'static> {
        Context {
            caps: true,
            floors: true,
            couples: true,
            ineligible: &[],
        }
    }
}

/// Why a doctor did not get a facility they ranked higher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason<'a> {
    Ineligible {
        rule: &'a Msg,
    },
    NotOnList,
    NoPosts,
    Full {
        /// The doctor the facility ranks lowest among those it holds.
        lowest_holder: &'a str,
        #[serde(skip)]
        lowest_holder_index: usize,
    },
    RegionAtCap {
        region: &'a str,
        cap: u32,
    },
    HeldForFloor {
        /// The doctor's own region, at its floor.
        region: &'a str,
        floor: u32,
    },
    Couple {
        partner: &'a str,
        /// Where the partner is placed; `None` when unplaced.
        partner_at: Option<&'a str>,
    },
    /// Nothing explains it: a blocking pair.
    Unexplained,
}

/// One facility a doctor ranked above the one received. Serialised with its sentence:
/// `{"facility", "choice", "reason", "text": {"ja", "en"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhyNot<'a> {
    pub facility: &'a str,
    pub facility_index: usize,
    /// Its place in the doctor's list, 1 for the first choice.
    pub choice: u32,
    pub reason: Reason<'a>,
}

/// A doctor's outcome and why not better. Serialised with its sentence: `{"doctor",
/// "received", "choice", "listed", "text": {"ja", "en"}, "why_not"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorExplanation<'a> {
    pub doctor: &'a str,
    pub received: Option<&'a str>,
    /// The place of the facility received in the doctor's list (1 for the first choice);
    /// `None` when unplaced or placed at a facility not on the list.
    pub choice: Option<u32>,
    /// How many facilities the doctor listed.
    pub listed: usize,
    pub why_not: Vec<WhyNot<'a>>,
}

/// Counts of the doctors who ranked a facility, by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Applicants {
    pub ranked_it: usize,
    pub placed_here: usize,
    pub better_choice: usize,
    pub not_on_list: usize,
    pub ineligible: usize,
    /// The facility was full with doctors it ranks higher.
    pub outranked: usize,
    /// The facility has no posts.
    pub no_posts: usize,
    pub region_at_cap: usize,
    pub held_for_floor: usize,
    pub couple: usize,
    pub unexplained: usize,
}

/// A facility's posts and why some stay empty. Serialised with its sentence
/// (`"text": {"ja", "en"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityExplanation<'a> {
    pub facility: &'a str,
    pub capacity: u32,
    pub filled: usize,
    pub vacant: usize,
    pub applicants: Applicants,
    /// The facility's region and its cap, when the mechanism honours caps and the region has
    /// reached it.
    pub region_at_cap: Option<(&'a str, u32)>,
}

/// Every doctor's and every facility's explanation, in instance order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanations<'a> {
    pub doctors: Vec<DoctorExplanation<'a>>,
    pub facilities: Vec<FacilityExplanation<'a>>,
    /// Which sentences the serialised form carries.
    pub sentences: Sentences,
}

/// Which sentences a serialised explanation carries besides its structured reasons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sentences {
    /// One sentence per doctor and per facility, and one for every facility a doctor ranked
    /// above the one received (what a committee reads; the application keeps these).
    #[default]
    Every,
    /// One sentence per doctor and per facility; each "why not" entry keeps its structured
    /// reason only. Less than half the size at national scale.
    Summary,
}

impl Sentences {
    pub const ALL: [Sentences; 2] = [Sentences::Every, Sentences::Summary];

    pub fn code(self) -> &'static str {
        match self {
            Sentences::Every => "every",
            Sentences::Summary => "summary",
        }
    }

    pub fn parse(s: &str) -> Option<Sentences> {
        Sentences::ALL.into_iter().find(|x| x.code() == s.trim())
    }
}

impl Serialize for Explanations<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Explanations", 2)?;
        st.serialize_field("doctors", &DoctorsIn(&self.doctors, self.sentences))?;
        st.serialize_field("facilities", &self.facilities)?;
        st.end()
    }
}

/// The doctors' explanations with the sentences asked for.
struct DoctorsIn<'s, 'a>(&'s [DoctorExplanation<'a>], Sentences);

impl Serialize for DoctorsIn<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|d| DoctorIn(d, self.1)))
    }
}

/// One doctor's explanation with the sentences asked for.
struct DoctorIn<'s, 'a>(&'s DoctorExplanation<'a>, Sentences);

/// "1st", "2nd", "3rd", "4th", …, "11th", "21st".
struct Ordinal(u32);

impl fmt::Display for Ordinal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.0;
        let suffix = match (k % 10, k % 100) {
            (_, 11..=13) => "th",
            (1, _) => "st",
            (2, _) => "nd",
            (3, _) => "rd",
            _ => "th",
        };
        write!(f, "{k}{suffix}")
    }
}

struct State<'a> {
    instance: &'a Instance,
    ctx: Context<'a>,
    at: Vec<Option<usize>>,
    holders: Vec<usize>,
    /// The holder each facility ranks lowest: (rank, doctor); a holder it does not list
    /// ranks below everyone.
    lowest: Vec<Option<(u32, usize)>>,
    in_region: Vec<usize>,
    ineligible: HashMap<(usize, usize), &'a Msg>,
    partner: Vec<Option<usize>>,
}

impl<'a> State<'a> {
    fn region_of(&self, f: usize) -> Option<usize> {
        self.instance
            .facilities
            .get(f)?
            .region
            .filter(|&r| r < self.instance.regions.len())
    }

    fn at_cap(&self, r: usize) -> Option<u32> {
        let cap = self.instance.regions[r].cap?;
        (self.in_region[r] >= cap as usize).then_some(cap)
    }

    fn together(&self, f: usize, g: usize) -> bool {
        f == g || matches!((self.region_of(f), self.region_of(g)), (Some(a), Some(b)) if a == b)
    }

    /// Why `d` is not at `f`, a facility on d's list other than the one d holds.
    fn reason(&self, d: usize, f: usize) -> Reason<'a> {
        let inst = self.instance;
        if let Some(&rule) = self.ineligible.get(&(d, f)) {
            return Reason::Ineligible { rule };
        }
        let Some(rank) = inst.facility_rank(f, d) else {
            return Reason::NotOnList;
        };
        let capacity = inst.facilities[f].capacity as usize;
        let lower = self.lowest[f].filter(|&(r, _)| r > rank);
        if capacity == 0 && lower.is_none() {
            return Reason::NoPosts;
        }
        if self.holders[f] >= capacity
            && lower.is_none()
            && let Some((_, w)) = self.lowest[f]
        {
            return Reason::Full {
                lowest_holder: &inst.doctors[w].id,
                lowest_holder_index: w,
            };
        }
        let own_region = self.at[d].and_then(|g| self.region_of(g));
        if self.ctx.caps
            && lower.is_none()
            && let Some(r) = self.region_of(f)
            && let Some(cap) = self.at_cap(r)
        {
            return Reason::RegionAtCap {
                region: &inst.regions[r].id,
                cap,
            };
        }
        if self.ctx.floors
            && let Some(r) = own_region
            && self.region_of(f) != Some(r)
            && inst.regions[r].floor > 0
            && self.in_region[r] <= inst.regions[r].floor as usize
        {
            return Reason::HeldForFloor {
                region: &inst.regions[r].id,
                floor: inst.regions[r].floor,
            };
        }
        if self.ctx.couples
            && let Some(p) = self.partner[d]
        {
            let partner_at = self.at[p];
            if partner_at.is_none_or(|g| !self.together(f, g)) {
                return Reason::Couple {
                    partner: &inst.doctors[p].id,
                    partner_at: partner_at.map(|g| inst.facilities[g].id.as_str()),
                };
            }
        }
        Reason::Unexplained
    }
}

/// Something said in both languages, written straight into a formatter: sentences are
/// rendered when asked for (`text()`) or when serialised, without being stored.
trait Render {
    fn render(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    fn text(&self) -> Msg {
        Msg::new(
            In(self, Lang::Ja).to_string(),
            In(self, Lang::En).to_string(),
        )
    }
}

/// A [`Render`] in one language, as `Display`.
struct In<'a, T: ?Sized>(&'a T, Lang);

impl<T: Render + ?Sized> fmt::Display for In<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.render(self.1, f)
    }
}

/// `{"ja": …, "en": …}`, written without an intermediate string.
struct TextField<'a, T: ?Sized>(&'a T);

impl<T: Render + ?Sized> Serialize for TextField<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("ja", &Collect(In(self.0, Lang::Ja)))?;
        m.serialize_entry("en", &Collect(In(self.0, Lang::En)))?;
        m.end()
    }
}

/// Serialises a `Display` as a string through `collect_str` (no allocation with serde_json).
struct Collect<D>(D);

impl<D: fmt::Display> Serialize for Collect<D> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl Render for WhyNot<'_> {
    fn render(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fac = &self.facility;
        let k = self.choice;
        match lang {
            Lang::Ja => {
                write!(f, "{fac}（第{k}希望）")?;
                match &self.reason {
                    Reason::Ineligible { rule } => write!(f, "は対象外です（{}）。", rule.ja),
                    Reason::NotOnList => f.write_str("の受入名簿にありません。"),
                    Reason::NoPosts => f.write_str("には募集枠がありません。"),
                    Reason::Full { lowest_holder, .. } => write!(
                        f,
                        "は優先順位が上の医師で満員です（最下位は {lowest_holder}）。"
                    ),
                    Reason::RegionAtCap { region, cap } => {
                        write!(f, "のある地域 {region} は上限の{cap}人に達しています。")
                    }
                    Reason::HeldForFloor { region, floor } => write!(
                        f,
                        "に移ると、今の配属先の地域 {region} が下限の{floor}人を下回ります。"
                    ),
                    Reason::Couple {
                        partner,
                        partner_at: Some(g),
                    } => write!(
                        f,
                        "は、組の相手 {partner} の配属先 {g} と同じ地域ではありません（組は同じ地域に配属されます）。"
                    ),
                    Reason::Couple {
                        partner,
                        partner_at: None,
                    } => write!(
                        f,
                        "の地域には組の相手 {partner} が配属されません（組は同じ地域に配属されます）。"
                    ),
                    Reason::Unexplained => f.write_str(
                        "はこの医師を受け入れられ、妨げる規則もありません（ブロッキングペア: この配属はここで安定ではありません）。",
                    ),
                }
            }
            Lang::En => {
                write!(f, "{fac} ({} choice)", Ordinal(k))?;
                match &self.reason {
                    Reason::Ineligible { rule } => write!(f, ": not eligible ({}).", rule.en),
                    Reason::NotOnList => f.write_str(" did not list this doctor."),
                    Reason::NoPosts => f.write_str(" has no posts."),
                    Reason::Full { lowest_holder, .. } => write!(
                        f,
                        " is full with doctors it ranks higher (lowest: {lowest_holder})."
                    ),
                    Reason::RegionAtCap { region, cap } => write!(
                        f,
                        " is in region {region}, which has reached its cap of {cap} doctors."
                    ),
                    Reason::HeldForFloor { region, floor } => write!(
                        f,
                        " would take this doctor out of region {region}, which would fall below its floor of {floor}."
                    ),
                    Reason::Couple {
                        partner,
                        partner_at: Some(g),
                    } => write!(
                        f,
                        " is not in the region of {g}, where the partner {partner} is placed; couples are placed together."
                    ),
                    Reason::Couple {
                        partner,
                        partner_at: None,
                    } => write!(
                        f,
                        ": the partner {partner} has no post in its region; couples are placed together."
                    ),
                    Reason::Unexplained => f.write_str(
                        " would take this doctor and no rule prevents it: a blocking pair, so the placement is not stable here.",
                    ),
                }
            }
        }
    }
}

impl WhyNot<'_> {
    /// One sentence in each language.
    pub fn text(&self) -> Msg {
        Render::text(self)
    }
}

impl Serialize for WhyNot<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WhyNotIn(self, Sentences::Every).serialize(s)
    }
}

/// A "why not" entry, with its sentence or without.
struct WhyNotIn<'s, 'a>(&'s WhyNot<'a>, Sentences);

impl Serialize for WhyNotIn<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let w = self.0;
        let text = self.1 == Sentences::Every;
        let mut st = s.serialize_struct("WhyNot", 3 + usize::from(text))?;
        st.serialize_field("facility", &w.facility)?;
        st.serialize_field("choice", &w.choice)?;
        st.serialize_field("reason", &w.reason)?;
        if text {
            st.serialize_field("text", &TextField(w))?;
        }
        st.end()
    }
}

impl Render for DoctorExplanation<'_> {
    fn render(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.doctor;
        let n = self.listed;
        match (lang, &self.received, self.choice) {
            (Lang::Ja, Some(g), Some(k)) => write!(f, "{d} は第{k}希望の {g} に配属されます。"),
            (Lang::En, Some(g), Some(k)) => {
                write!(f, "{d} is placed at {g}, their {} choice.", Ordinal(k))
            }
            (Lang::Ja, Some(g), None) => {
                write!(f, "{d} は希望に挙げていない {g} に配属されています。")
            }
            (Lang::En, Some(g), None) => {
                write!(f, "{d} is placed at {g}, which they did not list.")
            }
            (Lang::Ja, None, _) if n == 0 => {
                write!(f, "{d} は希望先を挙げていないため配属されません。")
            }
            (Lang::En, None, _) if n == 0 => write!(f, "{d} listed no facility and is not placed."),
            (Lang::Ja, None, _) if n == 1 => write!(f, "{d} は希望した1か所に配属されません。"),
            (Lang::En, None, _) if n == 1 => write!(
                f,
                "{d} is not placed: the one facility they listed could not take them."
            ),
            (Lang::Ja, None, _) => write!(f, "{d} は希望した{n}か所のいずれにも配属されません。"),
            (Lang::En, None, _) => write!(
                f,
                "{d} is not placed: none of the {n} facilities they listed could take them."
            ),
        }
    }
}

impl DoctorExplanation<'_> {
    /// One sentence in each language.
    pub fn text(&self) -> Msg {
        Render::text(self)
    }
}

impl Serialize for DoctorExplanation<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DoctorIn(self, Sentences::Every).serialize(s)
    }
}

impl Serialize for DoctorIn<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (d, sentences) = (self.0, self.1);
        let mut st = s.serialize_struct("DoctorExplanation", 6)?;
        st.serialize_field("doctor", &d.doctor)?;
        st.serialize_field("received", &d.received)?;
        st.serialize_field("choice", &d.choice)?;
        st.serialize_field("listed", &d.listed)?;
        st.serialize_field("text", &TextField(d))?;
        st.serialize_field("why_not", &WhyNotsIn(&d.why_not, sentences))?;
        st.end()
    }
}

/// A doctor's "why not" entries with the sentences asked for.
struct WhyNotsIn<'s, 'a>(&'s [WhyNot<'a>], Sentences);

impl Serialize for WhyNotsIn<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|w| WhyNotIn(w, self.1)))
    }
}

/// What became of a facility's applicants: (count, Japanese, English for one, for more).
fn applicant_parts(a: &Applicants) -> [(usize, &'static str, &'static str, &'static str); 8] {
    [
        (
            a.placed_here,
            "人はここに配属",
            "is placed here",
            "are placed here",
        ),
        (
            a.better_choice,
            "人はより上位の希望先に決まりました",
            "received a post they ranked higher",
            "received a post they ranked higher",
        ),
        (
            a.not_on_list,
            "人は受入名簿にありません",
            "is not on its list",
            "are not on its list",
        ),
        (
            a.ineligible,
            "人は対象外です",
            "is ineligible",
            "are ineligible",
        ),
        (
            a.region_at_cap,
            "人は地域の上限により配属できません",
            "is held back by its region's cap",
            "are held back by its region's cap",
        ),
        (
            a.held_for_floor,
            "人は他地域の下限のために確保されています",
            "is held for another region's floor",
            "are held for another region's floor",
        ),
        (
            a.couple,
            "人は組の相手と同じ地域に配属されます",
            "stays in the region of their couple partner",
            "stay in the region of their couple partner",
        ),
        (
            a.unexplained,
            "人は理由なく配属されていません（ブロッキングペア）",
            "is left out with no reason (a blocking pair)",
            "are left out with no reason (blocking pairs)",
        ),
    ]
}

impl Render for FacilityExplanation<'_> {
    fn render(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.facility;
        let (c, v, a) = (self.capacity, self.vacant, &self.applicants);
        let ja = lang == Lang::Ja;
        if c == 0 {
            return if ja {
                write!(f, "{name} には募集枠がありません。")
            } else {
                write!(f, "{name} has no posts.")
            };
        }
        if v == 0 {
            return if ja {
                write!(
                    f,
                    "{name} は定員{c}がすべて埋まっています（{}人）。",
                    self.filled
                )
            } else {
                write!(
                    f,
                    "{name}: all its posts are filled ({} of {c}).",
                    self.filled
                )
            };
        }
        if ja {
            write!(f, "{name} は定員{c}のうち{v}が空いています。")?;
        } else {
            write!(f, "{name}: {v} of {c} posts are empty")?;
        }
        if a.ranked_it == 0 {
            f.write_str(if ja {
                "希望した医師はいません。"
            } else {
                "; no doctor ranked it"
            })?;
        } else {
            let parts = applicant_parts(a);
            let shown = parts.iter().filter(|p| p.0 > 0).count();
            if ja {
                write!(f, "希望した医師{}人のうち、", a.ranked_it)?;
            } else {
                let who = if a.ranked_it == 1 {
                    "doctor"
                } else {
                    "doctors"
                };
                write!(f, "; {} {who} ranked it, of whom ", a.ranked_it)?;
            }
            for (k, &(count, p_ja, one, many)) in parts.iter().filter(|p| p.0 > 0).enumerate() {
                if ja {
                    if k > 0 {
                        f.write_str("、")?;
                    }
                    write!(f, "{count}{p_ja}")?;
                } else {
                    if k > 0 {
                        f.write_str(if k + 1 == shown { " and " } else { ", " })?;
                    }
                    write!(f, "{count} {}", if count == 1 { one } else { many })?;
                }
            }
            if ja {
                f.write_str("。")?;
            }
        }
        if let Some((region, cap)) = &self.region_at_cap {
            if ja {
                write!(f, "地域 {region} は上限の{cap}人に達しています。")?;
            } else {
                write!(
                    f,
                    "; its region {region} has reached its cap of {cap} doctors"
                )?;
            }
        }
        if !ja {
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl FacilityExplanation<'_> {
    /// One sentence in each language.
    pub fn text(&self) -> Msg {
        Render::text(self)
    }
}

impl Serialize for FacilityExplanation<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("FacilityExplanation", 7)?;
        st.serialize_field("facility", &self.facility)?;
        st.serialize_field("capacity", &self.capacity)?;
        st.serialize_field("filled", &self.filled)?;
        st.serialize_field("vacant", &self.vacant)?;
        st.serialize_field("applicants", &self.applicants)?;
        st.serialize_field("region_at_cap", &self.region_at_cap)?;
        st.serialize_field("text", &TextField(self))?;
        st.end()
    }
}

/// Explains a matching doctor by doctor and facility by facility.
pub fn explain<'a>(
    instance: &'a Instance,
    matching: &Matching,
    ctx: &Context<'a>,
) -> Explanations<'a> {
    let n = instance.doctors.len();
    let nf = instance.facilities.len();
    let at: Vec<Option<usize>> = (0..n)
        .map(|d| {
            matching
                .assignment
                .get(d)
                .copied()
                .flatten()
                .filter(|&f| f < nf)
        })
        .collect();
    let mut holders = vec![0usize; nf];
    let mut lowest: Vec<Option<(u32, usize)>> = vec![None; nf];
    for (d, f) in at.iter().enumerate() {
        if let Some(f) = *f {
            holders[f] += 1;
            let rank = instance.facility_rank(f, d).unwrap_or(u32::MAX);
            lowest[f] = lowest[f].max(Some((rank, d)));
        }
    }
    let mut in_region = vec![0usize; instance.regions.len()];
    for f in at.iter().flatten() {
        if let Some(r) = instance.facilities[*f].region
            && let Some(c) = in_region.get_mut(r)
        {
            *c += 1;
        }
    }
    let ineligible = ctx
        .ineligible
        .iter()
        .map(|(d, f, rule)| ((*d, *f), rule))
        .collect();
    let mut partner = vec![None; n];
    for &(a, b) in &instance.couples {
        if a < n && b < n {
            partner[a] = Some(b);
            partner[b] = Some(a);
        }
    }
    let state = State {
        instance,
        ctx: *ctx,
        at,
        holders,
        lowest,
        in_region,
        ineligible,
        partner,
    };

    let mut applicants = vec![Applicants::default(); nf];
    let mut doctors = Vec::with_capacity(n);
    for (d, doc) in instance.doctors.iter().enumerate() {
        let prefs = &doc.preferences;
        let got = state.at[d];
        let got_pos = got.and_then(|f| prefs.iter().position(|&x| x == f));
        let mut why_not = Vec::new();
        for (k, &f) in prefs.iter().enumerate() {
            let Some(facility) = instance.facilities.get(f) else {
                continue;
            };
            let a = &mut applicants[f];
            a.ranked_it += 1;
            if got == Some(f) {
                a.placed_here += 1;
                continue;
            }
            if got_pos.is_some_and(|p| p < k) {
                a.better_choice += 1;
                continue;
            }
            let reason = state.reason(d, f);
            match reason {
                Reason::Ineligible { .. } => a.ineligible += 1,
                Reason::NotOnList => a.not_on_list += 1,
                Reason::RegionAtCap { .. } => a.region_at_cap += 1,
                Reason::HeldForFloor { .. } => a.held_for_floor += 1,
                Reason::Couple { .. } => a.couple += 1,
                Reason::Unexplained => a.unexplained += 1,
                Reason::Full { .. } => a.outranked += 1,
                Reason::NoPosts => a.no_posts += 1,
            }
            why_not.push(WhyNot {
                facility: &facility.id,
                facility_index: f,
                choice: u32::try_from(k + 1).unwrap_or(u32::MAX),
                reason,
            });
        }
        doctors.push(DoctorExplanation {
            doctor: &doc.id,
            received: got.map(|f| instance.facilities[f].id.as_str()),
            choice: got_pos.map(|p| u32::try_from(p + 1).unwrap_or(u32::MAX)),
            listed: prefs.len(),
            why_not,
        });
    }

    let facilities = instance
        .facilities
        .iter()
        .enumerate()
        .map(|(f, fac)| {
            let filled = state.holders[f];
            let region_at_cap = if ctx.caps {
                state
                    .region_of(f)
                    .and_then(|r| Some((instance.regions[r].id.as_str(), state.at_cap(r)?)))
            } else {
                None
            };
            FacilityExplanation {
                facility: &fac.id,
                capacity: fac.capacity,
                filled,
                vacant: (fac.capacity as usize).saturating_sub(filled),
                applicants: applicants[f],
                region_at_cap,
            }
        })
        .collect();

    Explanations {
        doctors,
        facilities,
        sentences: Sentences::Every,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::da::deferred_acceptance;
    use crate::generate::strategy::instance;
    use crate::instance::{Doctor, Facility, Region};
    use proptest::prelude::*;

    fn doc(id: &str, prefs: &[usize]) -> Doctor {
        Doctor::new(id, prefs)
    }

    fn fac(id: &str, cap: u32, region: Option<usize>, prio: &[usize]) -> Facility {
        Facility::new(id, cap, region, prio)
    }

    #[test]
    fn ordinals() {
        let v: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .into_iter()
            .map(|k| Ordinal(k).to_string())
            .collect();
        assert_eq!(
            v,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }

    #[test]
    fn every_reason() {
        // d0 wants f0 (full with d1, ranked higher), f1 (does not list d0), f2 (no posts),
        // f3 (ineligible), f4 (region r0 at cap 1), then f5, where d0 is placed.
        // d2 is placed in r1 with floor 1 and wants f6 (vacant, elsewhere).
        // d3 and d4 are a couple: d4 is at f5 (r1), d3 wants f6 (r2, vacant), gets nothing.
        let i = Instance::new(
            vec![
                doc("d0", &[0, 1, 2, 3, 4, 5]),
                doc("d1", &[0]),
                doc("d2", &[6, 7]),
                doc("d3", &[6]),
                doc("d4", &[5]),
                doc("d5", &[8]),
            ],
            vec![
                fac("f0", 1, None, &[1, 0]),
                fac("f1", 1, None, &[]),
                fac("f2", 0, None, &[0]),
                fac("f3", 1, None, &[0]),
                fac("f4", 2, Some(0), &[0, 5]),
                fac("f5", 2, Some(1), &[0, 4]),
                fac("f6", 3, Some(2), &[2, 3]),
                fac("f7", 1, Some(3), &[2]),
                fac("f8", 1, Some(0), &[5]),
            ],
            vec![
                Region {
                    id: "r0".into(),
                    cap: Some(1),
                    floor: 0,
                },
                Region {
                    id: "r1".into(),
                    cap: None,
                    floor: 0,
                },
                Region {
                    id: "r2".into(),
                    cap: None,
                    floor: 0,
                },
                Region {
                    id: "r3".into(),
                    cap: None,
                    floor: 1,
                },
            ],
            vec![(3, 4)],
        )
        .unwrap();
        let m = Matching {
            assignment: vec![Some(5), Some(0), Some(7), None, Some(5), Some(8)],
        };
        let rule = Msg::new("専門外", "outside the specialty");
        let inel = [(0, 3, rule.clone())];
        let ctx = Context {
            ineligible: &inel,
            ..Context::all()
        };
        let e = explain(&i, &m, &ctx);
        let kinds: Vec<&Reason> = e.doctors[0].why_not.iter().map(|w| &w.reason).collect();
        assert_eq!(
            kinds,
            [
                &Reason::Full {
                    lowest_holder: "d1",
                    lowest_holder_index: 1
                },
                &Reason::NotOnList,
                &Reason::NoPosts,
                &Reason::Ineligible { rule: &rule },
                &Reason::RegionAtCap {
                    region: "r0",
                    cap: 1
                },
            ]
        );
        assert_eq!(e.doctors[0].choice, Some(6));
        assert_eq!(
            e.doctors[0].text().en,
            "d0 is placed at f5, their 6th choice."
        );
        assert!(
            e.doctors[0].why_not[0].text().en.contains("d1"),
            "{:?}",
            e.doctors[0].why_not[0].text()
        );
        assert_eq!(
            e.doctors[2].why_not[0].reason,
            Reason::HeldForFloor {
                region: "r3",
                floor: 1
            }
        );
        assert_eq!(
            e.doctors[3].why_not[0].reason,
            Reason::Couple {
                partner: "d4",
                partner_at: Some("f5")
            }
        );
        // Without the constraints, the same pairs are blocking pairs.
        let plain = explain(&i, &m, &Context::plain());
        assert_eq!(plain.doctors[0].why_not[4].reason, Reason::Unexplained);
        assert_eq!(plain.doctors[2].why_not[0].reason, Reason::Unexplained);
        assert!(
            plain.doctors[2].why_not[0]
                .text()
                .en
                .contains("blocking pair")
        );
        // f6 has 3 posts, none filled: two doctors ranked it, one held by a floor, one by
        // the couple.
        let f6 = &e.facilities[6];
        assert_eq!((f6.vacant, f6.applicants.ranked_it), (3, 2));
        assert_eq!((f6.applicants.held_for_floor, f6.applicants.couple), (1, 1));
        assert_eq!(
            f6.text().en,
            "f6: 3 of 3 posts are empty; 2 doctors ranked it, of whom 1 is held for another region's floor and 1 stays in the region of their couple partner."
        );
        // f1 has a post nobody gets: its only applicant is not on its list.
        assert_eq!(e.facilities[1].applicants.not_on_list, 1);
        // f4 is in r0, at its cap.
        assert_eq!(e.facilities[4].region_at_cap, Some(("r0", 1)));
        assert!(e.facilities[4].text().ja.contains("上限"));
        assert_eq!(
            e.facilities[0].text().en,
            "f0: all its posts are filled (1 of 1)."
        );
        assert_eq!(e.facilities[2].text().en, "f2 has no posts.");
        assert_eq!(
            e.doctors[3].text().en,
            "d3 is not placed: the one facility they listed could not take them."
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["doctors"][0]["why_not"][0]["reason"]["kind"], "full");
        assert!(
            json["doctors"][0]["why_not"][0]
                .get("facility_index")
                .is_none()
        );
    }

    #[test]
    fn no_applicants_and_malformed_matching() {
        let i = Instance::new(
            vec![doc("d0", &[])],
            vec![fac("f0", 2, None, &[0])],
            vec![],
            vec![],
        )
        .unwrap();
        let e = explain(
            &i,
            &Matching {
                assignment: vec![Some(9), Some(0)],
            },
            &Context::plain(),
        );
        assert_eq!(
            e.doctors[0].text().en,
            "d0 listed no facility and is not placed."
        );
        assert_eq!(
            e.facilities[0].text().en,
            "f0: 2 of 2 posts are empty; no doctor ranked it."
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Under deferred acceptance every post a doctor ranked higher is explained by a
        /// rule of the plain model, never as a blocking pair; every vacant post's applicants
        /// are all accounted for.
        #[test]
        fn da_is_fully_explained(i in instance(10, 5, 3, true)) {
            let m = deferred_acceptance(&i);
            let e = explain(&i, &m, &Context::plain());
            prop_assert_eq!(e.doctors.len(), i.doctors.len());
            for (d, x) in e.doctors.iter().enumerate() {
                let better = match x.choice {
                    Some(k) => k as usize - 1,
                    None => i.doctors[d].preferences.len(),
                };
                prop_assert_eq!(x.why_not.len(), better);
                for w in &x.why_not {
                    prop_assert!(
                        matches!(w.reason, Reason::NotOnList | Reason::NoPosts | Reason::Full { .. }),
                        "{:?}", w
                    );
                    if let Reason::Full { lowest_holder_index, .. } = w.reason {
                        // The named holder is placed there and ranked above this doctor.
                        prop_assert_eq!(m.assignment[lowest_holder_index], Some(w.facility_index));
                        prop_assert!(
                            i.facility_rank(w.facility_index, lowest_holder_index)
                                < i.facility_rank(w.facility_index, d)
                        );
                    }
                    let t = w.text();
                    prop_assert!(!t.ja.is_empty() && !t.en.is_empty());
                }
            }
            for f in &e.facilities {
                let a = f.applicants;
                prop_assert_eq!(a.unexplained, 0);
                prop_assert_eq!(
                    a.ranked_it,
                    a.placed_here + a.better_choice + a.not_on_list + a.ineligible
                        + a.outranked + a.no_posts + a.region_at_cap + a.held_for_floor + a.couple + a.unexplained
                );
            }
        }

        /// The blocking pairs the explanation calls unexplained are exactly the checker's.
        #[test]
        fn unexplained_are_blocking_pairs(
            i in instance(8, 4, 2, true),
            raw in prop::collection::vec(prop::option::of(0usize..6), 0..10),
        ) {
            let m = Matching { assignment: raw };
            let e = explain(&i, &m, &Context::plain());
            let r = check(&i, &m);
            let mut unexplained: Vec<(usize, usize)> = e
                .doctors
                .iter()
                .enumerate()
                .flat_map(|(d, x)| {
                    x.why_not
                        .iter()
                        .filter(|w| w.reason == Reason::Unexplained)
                        .map(move |w| (d, w.facility_index))
                })
                .collect();
            let mut blocking: Vec<(usize, usize)> = r
                .blocking_pairs
                .iter()
                .chain(&r.cap_justified_blocking_pairs)
                .map(|b| (b.doctor, b.facility))
                .collect();
            unexplained.sort_unstable();
            blocking.sort_unstable();
            prop_assert_eq!(unexplained, blocking);
            // With caps honoured, the cap-justified ones get the cap as their reason.
            let with_caps = explain(&i, &m, &Context { caps: true, ..Context::plain() });
            let capped = with_caps
                .doctors
                .iter()
                .flat_map(|x| &x.why_not)
                .filter(|w| matches!(w.reason, Reason::RegionAtCap { .. }))
                .count();
            prop_assert_eq!(capped, r.cap_justified_blocking_pairs.len());
        }
    }
}
