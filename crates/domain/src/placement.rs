//! Placement rounds: the annual placement of a prefecture's obligated doctors for a fiscal
//! year (配属先選定). A [`Round`] holds its settings (regional caps and floors, the centre's
//! priority rule and its lottery seed); facilities enter [`PostRequest`]s, doctors enter
//! [`PreferenceList`]s; every [`Run`] of a mechanism is kept with its input and result; the
//! committee's [`Decision`] chooses one run, once and for good.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{AreaCode, DoctorId, FacilityId, PrefCode};
use crate::error::{ValueError, normalize};
use crate::name::Name;
use crate::text::Msg;
use crate::time::FiscalYear;

fn invalid(input: impl Into<String>, problem: Msg, fix: Msg) -> ValueError {
    ValueError::new(input, problem, fix)
}

/// The identifier of a round: the prefecture and the fiscal year, `03-2027` (one round per
/// prefecture and year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoundId {
    pref: PrefCode,
    year: FiscalYear,
}

impl RoundId {
    pub fn new(pref: PrefCode, year: FiscalYear) -> RoundId {
        RoundId { pref, year }
    }

    pub fn parse(input: &str) -> Result<RoundId, ValueError> {
        let s = normalize(input);
        let parsed = s.split_once('-').and_then(|(p, y)| {
            let pref = PrefCode::parse(p).ok()?;
            let year = y
                .parse::<i32>()
                .ok()
                .and_then(|y| FiscalYear::new(y).ok())?;
            (p.len() == 2 && y.len() == 4).then_some(RoundId { pref, year })
        });
        parsed.ok_or_else(|| {
            invalid(
                input,
                Msg::new(
                    format!("配属ラウンド「{input}」は読めません"),
                    format!("'{input}' is not a placement round"),
                ),
                Msg::new(
                    "都道府県コード2桁と年度を「-」でつないでください（例: 03-2027）",
                    "write the two-digit prefecture code and the fiscal year joined by '-' (e.g. 03-2027)",
                ),
            )
        })
    }

    pub fn pref(self) -> PrefCode {
        self.pref
    }

    pub fn fiscal_year(self) -> FiscalYear {
        self.year
    }
}

impl std::fmt::Display for RoundId {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}-{}", self.pref, self.year.year())
    }
}

impl Serialize for RoundId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RoundId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RoundId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How facilities that give no priority order of their own rank the doctors: the centre's
/// rules, in order — obligation urgency (least slack before the deadline first), then
/// seniority (earlier graduation first), then a lottery drawn from the round's recorded seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriorityRule {
    /// Urgency, then seniority, then the lottery.
    #[default]
    UrgencySeniorityLottery,
    /// Seniority, then the lottery.
    SeniorityLottery,
    /// The lottery alone.
    Lottery,
}

impl PriorityRule {
    pub const ALL: [PriorityRule; 3] = [
        PriorityRule::UrgencySeniorityLottery,
        PriorityRule::SeniorityLottery,
        PriorityRule::Lottery,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PriorityRule::UrgencySeniorityLottery => "urgency_seniority_lottery",
            PriorityRule::SeniorityLottery => "seniority_lottery",
            PriorityRule::Lottery => "lottery",
        }
    }

    pub fn parse(input: &str) -> Result<PriorityRule, ValueError> {
        let s = normalize(input);
        PriorityRule::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                invalid(
                    input,
                    Msg::new(
                        format!("優先順位の決め方「{input}」はありません"),
                        format!("'{input}' is not a priority rule"),
                    ),
                    Msg::new(
                        "urgency_seniority_lottery・seniority_lottery・lottery のいずれかにしてください",
                        "use urgency_seniority_lottery, seniority_lottery or lottery",
                    ),
                )
            })
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (ja, en) = match self {
            PriorityRule::UrgencySeniorityLottery => (
                "義務の緊急度 → 卒業年次 → 抽選",
                "Obligation urgency, then seniority, then lottery",
            ),
            PriorityRule::SeniorityLottery => ("卒業年次 → 抽選", "Seniority, then lottery"),
            PriorityRule::Lottery => ("抽選のみ", "Lottery only"),
        };
        match lang {
            crate::Lang::Ja => ja,
            crate::Lang::En => en,
        }
    }
}

/// A regional cap (most doctors placed in the area) and floor (fewest) for a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawLimit", into = "RawLimit")]
pub struct AreaLimit {
    area: AreaCode,
    cap: Option<u32>,
    floor: u32,
}

#[derive(Serialize, Deserialize)]
struct RawLimit {
    area: AreaCode,
    cap: Option<u32>,
    floor: u32,
}

impl TryFrom<RawLimit> for AreaLimit {
    type Error = ValueError;
    fn try_from(r: RawLimit) -> Result<Self, ValueError> {
        AreaLimit::new(r.area, r.cap, r.floor)
    }
}

impl From<AreaLimit> for RawLimit {
    fn from(l: AreaLimit) -> Self {
        RawLimit {
            area: l.area,
            cap: l.cap,
            floor: l.floor,
        }
    }
}

impl AreaLimit {
    /// At most this many doctors in a round.
    pub const MAX: u32 = 10_000;

    pub fn new(area: AreaCode, cap: Option<u32>, floor: u32) -> Result<AreaLimit, ValueError> {
        let input = format!("{area}: cap {cap:?}, floor {floor}");
        if cap.is_some_and(|c| c > Self::MAX) || floor > Self::MAX {
            return Err(invalid(
                input,
                Msg::new(
                    format!("{area} の上限・下限が大きすぎます"),
                    format!("the cap or floor of {area} is too large"),
                ),
                Msg::new(
                    format!("{} 人以下にしてください", Self::MAX),
                    format!("use at most {}", Self::MAX),
                ),
            ));
        }
        if let Some(c) = cap
            && floor > c
        {
            return Err(invalid(
                input,
                Msg::new(
                    format!("{area} の下限 {floor} 人が上限 {c} 人を超えています"),
                    format!("the floor of {area} ({floor}) is above its cap ({c})"),
                ),
                Msg::new(
                    "下限を上限以下にしてください",
                    "make the floor at most the cap",
                ),
            ));
        }
        Ok(AreaLimit { area, cap, floor })
    }

    pub fn area(&self) -> AreaCode {
        self.area
    }
    pub fn cap(&self) -> Option<u32> {
        self.cap
    }
    pub fn floor(&self) -> u32 {
        self.floor
    }
}

/// A placement round: one prefecture, one fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub id: RoundId,
    pub title: Name,
    pub priority: PriorityRule,
    /// The seed of the lottery that breaks the last ties, recorded so that every run can be
    /// repeated.
    pub lottery_seed: u64,
    /// Caps and floors by secondary area (areas not listed have neither).
    pub limits: Vec<AreaLimit>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Round {
    /// Checks the limits: each area of the round's prefecture, listed once.
    pub fn validate(&self) -> Result<(), ValueError> {
        let mut seen = std::collections::HashSet::new();
        for l in &self.limits {
            if l.area.pref() != self.id.pref() {
                return Err(invalid(
                    l.area.to_string(),
                    Msg::new(
                        format!(
                            "二次医療圏 {} は {} の圏域ではありません",
                            l.area,
                            self.id.pref()
                        ),
                        format!("area {} is not in prefecture {}", l.area, self.id.pref()),
                    ),
                    Msg::new(
                        "この都道府県の二次医療圏を指定してください",
                        "name an area of the round's prefecture",
                    ),
                ));
            }
            if !seen.insert(l.area) {
                return Err(invalid(
                    l.area.to_string(),
                    Msg::new(
                        format!("二次医療圏 {} の上限・下限が二度指定されています", l.area),
                        format!("area {} has two limits", l.area),
                    ),
                    Msg::new("一つにまとめてください", "keep one"),
                ));
            }
        }
        Ok(())
    }

    pub fn limit(&self, area: AreaCode) -> Option<&AreaLimit> {
        self.limits.iter().find(|l| l.area == area)
    }
}

/// A facility's request for doctors in a round: how many posts, and optionally the
/// department and its own priority order over the doctors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRequest {
    pub round: RoundId,
    pub facility: FacilityId,
    pub posts: u32,
    pub department: Option<Name>,
    /// The facility's own order (highest first); empty to use the centre's rule.
    pub priority: Vec<DoctorId>,
    pub note: Option<Name>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl PostRequest {
    /// At most this many posts per facility.
    pub const MAX_POSTS: u32 = 500;

    pub fn validate(&self) -> Result<(), ValueError> {
        if self.posts == 0 || self.posts > Self::MAX_POSTS {
            return Err(invalid(
                self.posts.to_string(),
                Msg::new(
                    format!("{} の募集数 {} は範囲外です", self.facility, self.posts),
                    format!("{} posts at {} is out of range", self.posts, self.facility),
                ),
                Msg::new(
                    format!(
                        "1〜{} にしてください（募集しないときは要望を取り下げてください）",
                        Self::MAX_POSTS
                    ),
                    format!(
                        "use 1 to {} (withdraw the request for none)",
                        Self::MAX_POSTS
                    ),
                ),
            ));
        }
        no_repeats(&self.priority, |d| d.to_string())
    }
}

/// A doctor's ranked preferences over facilities in a round, best first, and the partner
/// they must be placed in the same area with (a couple names each other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferenceList {
    pub round: RoundId,
    pub doctor: DoctorId,
    pub facilities: Vec<FacilityId>,
    pub partner: Option<DoctorId>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl PreferenceList {
    /// At most this many choices.
    pub const MAX_CHOICES: usize = 30;

    pub fn validate(&self) -> Result<(), ValueError> {
        if self.facilities.len() > Self::MAX_CHOICES {
            return Err(invalid(
                self.facilities.len().to_string(),
                Msg::new(
                    format!("希望が {} 件あります", self.facilities.len()),
                    format!("{} choices were given", self.facilities.len()),
                ),
                Msg::new(
                    format!("{} 件以下にしてください", Self::MAX_CHOICES),
                    format!("give at most {}", Self::MAX_CHOICES),
                ),
            ));
        }
        if self.partner.as_ref() == Some(&self.doctor) {
            return Err(invalid(
                self.doctor.to_string(),
                Msg::new(
                    "自分自身をパートナーにはできません",
                    "a doctor cannot be their own partner",
                ),
                Msg::new(
                    "パートナーの医師IDを入力するか、空欄にしてください",
                    "enter the partner's doctor id or leave it empty",
                ),
            ));
        }
        no_repeats(&self.facilities, |f| f.to_string())
    }
}

fn no_repeats<T: Eq + std::hash::Hash>(
    list: &[T],
    show: impl Fn(&T) -> String,
) -> Result<(), ValueError> {
    let mut seen = std::collections::HashSet::new();
    for x in list {
        if !seen.insert(x) {
            let s = show(x);
            return Err(invalid(
                s.clone(),
                Msg::new(
                    format!("「{s}」が二度挙げられています"),
                    format!("'{s}' is listed twice"),
                ),
                Msg::new("一度だけ挙げてください", "list it once"),
            ));
        }
    }
    Ok(())
}

/// One run of a mechanism in a round: its settings, the instance it solved (the placement
/// exchange format), its result and the figures the committee compares. Never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub round: RoundId,
    /// 1, 2, … within the round, given by the store.
    pub seq: u32,
    pub label: Name,
    /// The mechanism's code (`da`, `regional-caps`, `floors`, `couples`, `optimise`).
    pub algorithm: String,
    pub input: serde_json::Value,
    pub result: serde_json::Value,
    pub summary: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The committee's decision: the run it chose, who recorded it, when and why. Recorded
/// once; the store refuses to change or remove it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub round: RoundId,
    pub run: u32,
    pub rationale: Rationale,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// Why the committee chose a run: 1 to 4,000 characters of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rationale(String);

impl Rationale {
    pub const MAX_CHARS: usize = 4000;

    pub fn parse(input: &str) -> Result<Rationale, ValueError> {
        let s = input.trim().replace("\r\n", "\n");
        let bad_control = s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        if s.is_empty() || s.chars().count() > Self::MAX_CHARS || bad_control {
            return Err(invalid(
                input.chars().take(40).collect::<String>(),
                Msg::new(
                    "決定の理由が空か、長すぎるか、制御文字を含んでいます",
                    "the rationale is empty, too long or contains control characters",
                ),
                Msg::new(
                    format!("理由を1〜{}文字で書いてください", Self::MAX_CHARS),
                    format!("write the reason in 1 to {} characters", Self::MAX_CHARS),
                ),
            ));
        }
        Ok(Rationale(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Rationale {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        Rationale::parse(&s)
    }
}

impl From<Rationale> for String {
    fn from(r: Rationale) -> String {
        r.0
    }
}

impl std::fmt::Display for Rationale {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn area(code: &str) -> AreaCode {
        AreaCode::parse(code).unwrap()
    }

    #[test]
    fn round_ids_read_and_print() {
        let id = RoundId::parse("03-2027").unwrap();
        assert_eq!(id.pref().to_string(), "03");
        assert_eq!(id.fiscal_year().year(), 2027);
        assert_eq!(id.to_string(), "03-2027");
        assert_eq!(RoundId::parse("０３-２０２７").unwrap(), id);
        for bad in [
            "",
            "3-2027",
            "03-27",
            "48-2027",
            "03_2027",
            "03-2027-1",
            "03-abcd",
        ] {
            assert!(RoundId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_keep_the_floor_under_the_cap() {
        assert!(AreaLimit::new(area("0301"), Some(3), 2).is_ok());
        assert!(AreaLimit::new(area("0301"), None, 5).is_ok());
        let e = AreaLimit::new(area("0301"), Some(1), 2).unwrap_err();
        assert!(e.problem.en.contains("above its cap"), "{e}");
        assert!(serde_json::from_str::<AreaLimit>(r#"{"area":"0301","cap":1,"floor":2}"#).is_err());
    }

    #[test]
    fn rounds_refuse_foreign_and_repeated_areas() {
        let mut r = Round {
            id: RoundId::parse("03-2027").unwrap(),
            title: Name::parse("令和9年度 配属").unwrap(),
            priority: PriorityRule::default(),
            lottery_seed: 7,
            limits: vec![AreaLimit::new(area("0301"), Some(3), 0).unwrap()],
            created_by: "c".into(),
            created_at: Utc::now(),
        };
        assert!(r.validate().is_ok());
        r.limits
            .push(AreaLimit::new(area("0301"), None, 1).unwrap());
        assert!(r.validate().is_err());
        r.limits.pop();
        r.limits
            .push(AreaLimit::new(area("0401"), None, 1).unwrap());
        assert!(r.validate().is_err());
    }

    #[test]
    fn lists_refuse_repeats_self_partners_and_bad_counts() {
        let round = RoundId::parse("03-2027").unwrap();
        let f = |s: &str| FacilityId::parse(s).unwrap();
        let d = |s: &str| DoctorId::parse(s).unwrap();
        let mut p = PreferenceList {
            round,
            doctor: d("D1"),
            facilities: vec![f("F1"), f("F2")],
            partner: Some(d("D2")),
            updated_by: "d".into(),
            updated_at: Utc::now(),
        };
        assert!(p.validate().is_ok());
        p.facilities.push(f("F1"));
        assert!(p.validate().unwrap_err().problem.en.contains("twice"));
        p.facilities.pop();
        p.partner = Some(d("D1"));
        assert!(p.validate().is_err());
        let mut r = PostRequest {
            round,
            facility: f("F1"),
            posts: 0,
            department: None,
            priority: vec![],
            note: None,
            updated_by: "f".into(),
            updated_at: Utc::now(),
        };
        assert!(r.validate().is_err());
        r.posts = 2;
        assert!(r.validate().is_ok());
        r.priority = vec![d("D1"), d("D1")];
        assert!(r.validate().is_err());
    }

    #[test]
    fn rationales_are_trimmed_text() {
        assert_eq!(
            Rationale::parse("  充足率が最も高い ").unwrap().as_str(),
            "充足率が最も高い"
        );
        assert!(Rationale::parse("  ").is_err());
        assert!(Rationale::parse("a\u{0}b").is_err());
        assert!(Rationale::parse(&"x".repeat(4001)).is_err());
        assert!(
            Rationale::parse("一行目\r\n二行目")
                .unwrap()
                .as_str()
                .contains('\n')
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,16}") {
            let _ = RoundId::parse(&s);
            let _ = PriorityRule::parse(&s);
            let _ = Rationale::parse(&s);
        }

        #[test]
        fn round_ids_round_trip(p in 1u8..=47, y in 1873i32..=2200) {
            let id = RoundId::new(PrefCode::new(p).unwrap(), FiscalYear::new(y).unwrap());
            prop_assert_eq!(RoundId::parse(&id.to_string()).unwrap(), id);
        }
    }
}
