//! The work-hour rules as data: a TOML file (`rules/work-hours-2024.toml`, embedded) read
//! into [`Rules`], every rule with its source. Hours in the file, minutes in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chiiki_domain::{Msg, NaiveDate, WorkHourLevel};
use serde::Deserialize;
use thiserror::Error;

/// The rules shipped with chiiki: the MHLW rules in force from April 2024.
pub const MHLW_2024: &str = include_str!("../../rules/work-hours-2024.toml");

/// The work-hour rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub id: String,
    pub effective_from: NaiveDate,
    pub title: Msg,
    pub source: Msg,
    /// Annual overtime and holiday work caps, one per level.
    pub annual: BTreeMap<WorkHourLevel, Annual>,
    pub monthly: Monthly,
    pub rest: Rest,
    pub permit: Permit,
    pub compensatory: Compensatory,
}

/// The annual cap of one level (minutes per fiscal year, all employers together).
#[derive(Debug, Clone, PartialEq)]
pub struct Annual {
    pub cap: i64,
    /// 連携B: the cap at each facility.
    pub per_facility: Option<i64>,
    /// The last day the level may be applied.
    pub until: Option<NaiveDate>,
    pub source: String,
}

/// Monthly thresholds (minutes per calendar month, all employers together).
#[derive(Debug, Clone, PartialEq)]
pub struct Monthly {
    /// An interview (面接指導) must be held before the month reaches this.
    pub interview_from: i64,
    /// Above this the manager must act to reduce the hours.
    pub action_from: i64,
    pub source: String,
}

/// One continuous-work-and-rest rule (minutes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestRule {
    pub max_continuous: i64,
    pub rest: i64,
    pub within: i64,
}

/// The rest rules and the levels for which they are mandatory.
#[derive(Debug, Clone, PartialEq)]
pub struct Rest {
    pub mandatory: BTreeSet<WorkHourLevel>,
    /// Day work (and permitted on-call duty).
    pub day: RestRule,
    /// Night duty without an on-call permit.
    pub night: RestRule,
    /// C-1 initial residents on night duty.
    pub resident: RestRule,
    pub source: String,
    pub day_source: String,
    pub night_source: String,
    pub resident_source: String,
}

/// Permitted on-call duty (宿日直許可).
#[derive(Debug, Clone, PartialEq)]
pub struct Permit {
    /// A permitted duty this long or longer counts as the rest.
    pub rest_equivalent: i64,
    pub source: String,
}

/// Compensatory rest (代償休息).
#[derive(Debug, Clone, PartialEq)]
pub struct Compensatory {
    /// Months after the month of the intrusion by whose end the rest is given back.
    pub months_after: u32,
    pub source: String,
}

/// A rules file that cannot be used, with where and how to fix it.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{key}: {problem} ({ja})")]
pub struct RulesError {
    /// The key path in the file (`rest.day.rest_hours`), or the TOML error's position.
    pub key: String,
    pub problem: String,
    pub ja: String,
}

impl RulesError {
    fn new(key: impl Into<String>, en: impl Into<String>, ja: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            problem: en.into(),
            ja: ja.into(),
        }
    }
}

impl Rules {
    /// The rules shipped with chiiki (parsed once).
    pub fn mhlw_2024() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| {
            // The embedded file is checked by a unit test; it cannot fail at run time.
            Rules::from_toml(MHLW_2024).unwrap_or_else(|e| panic!("embedded rules: {e}"))
        })
    }

    /// Reads and checks a rules file.
    pub fn from_toml(text: &str) -> Result<Rules, RulesError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| {
            RulesError::new(
                e.span()
                    .map(|s| format!("byte {}", s.start))
                    .unwrap_or_else(|| "file".into()),
                e.message().to_string(),
                format!("規則ファイルを読めません: {}", e.message()),
            )
        })?;
        raw.check()
    }

    /// The annual rule of a level.
    pub fn annual(&self, level: WorkHourLevel) -> &Annual {
        // `check` guarantees every level is present.
        &self.annual[&level]
    }

    /// Whether the rest rules bind a level (otherwise they are best effort).
    pub fn rest_mandatory(&self, level: WorkHourLevel) -> bool {
        self.rest.mandatory.contains(&level)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    id: String,
    effective_from: String,
    title: RawMsg,
    source: RawMsg,
    annual: Vec<RawAnnual>,
    monthly: RawMonthly,
    rest: RawRest,
    permit: RawPermit,
    compensatory: RawCompensatory,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMsg {
    ja: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnnual {
    level: String,
    cap_hours: i64,
    per_facility_hours: Option<i64>,
    until: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMonthly {
    interview_from_hours: i64,
    action_from_hours: i64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRest {
    mandatory_levels: Vec<String>,
    source: String,
    day: RawRestRule,
    night: RawRestRule,
    resident: RawRestRule,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRestRule {
    max_continuous_hours: i64,
    rest_hours: i64,
    within_hours: i64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPermit {
    rest_equivalent_hours: i64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompensatory {
    months_after: i64,
    source: String,
}

const MAX_HOURS: i64 = 8_784; // the hours of a leap year

fn hours(key: &str, value: i64) -> Result<i64, RulesError> {
    if (1..=MAX_HOURS).contains(&value) {
        Ok(value * 60)
    } else {
        Err(RulesError::new(
            key,
            format!(
                "{value} hours is not between 1 and {MAX_HOURS}; write a positive number of hours"
            ),
            format!("{value}時間は1〜{MAX_HOURS}の範囲外です。正の時間数を書いてください"),
        ))
    }
}

fn date(key: &str, text: &str) -> Result<NaiveDate, RulesError> {
    chiiki_domain::parse_date(text).map_err(|_| {
        RulesError::new(
            key,
            format!("`{text}` is not a date; write it as 2024-04-01"),
            format!("「{text}」は日付ではありません。2024-04-01 のように書いてください"),
        )
    })
}

fn level(key: &str, text: &str) -> Result<WorkHourLevel, RulesError> {
    WorkHourLevel::parse(text).map_err(|_| {
        RulesError::new(
            key,
            format!("`{text}` is not a work-hour level; use A, B, linked_B, C-1 or C-2"),
            format!("「{text}」は水準ではありません。A, B, linked_B, C-1, C-2 のいずれかです"),
        )
    })
}

fn non_empty(key: &str, text: String) -> Result<String, RulesError> {
    if text.trim().is_empty() {
        Err(RulesError::new(
            key,
            "every rule needs its source; name the document and the passage",
            "規則には出典が必要です。文書名と該当箇所を書いてください",
        ))
    } else {
        Ok(text)
    }
}

impl RawRestRule {
    fn check(self, key: &str) -> Result<(RestRule, String), RulesError> {
        let rule = RestRule {
            max_continuous: hours(
                &format!("{key}.max_continuous_hours"),
                self.max_continuous_hours,
            )?,
            rest: hours(&format!("{key}.rest_hours"), self.rest_hours)?,
            within: hours(&format!("{key}.within_hours"), self.within_hours)?,
        };
        if rule.rest > rule.within {
            return Err(RulesError::new(
                format!("{key}.rest_hours"),
                "the rest is longer than the window it must fit in; rest_hours must not exceed within_hours",
                "休息が期限の時間より長くなっています。rest_hours は within_hours 以下にしてください",
            ));
        }
        Ok((rule, non_empty(&format!("{key}.source"), self.source)?))
    }
}

impl RawRules {
    fn check(self) -> Result<Rules, RulesError> {
        let mut annual = BTreeMap::new();
        for (i, a) in self.annual.into_iter().enumerate() {
            let key = format!("annual[{i}]");
            let lv = level(&format!("{key}.level"), &a.level)?;
            let rule = Annual {
                cap: hours(&format!("{key}.cap_hours"), a.cap_hours)?,
                per_facility: a
                    .per_facility_hours
                    .map(|h| hours(&format!("{key}.per_facility_hours"), h))
                    .transpose()?,
                until: a
                    .until
                    .as_deref()
                    .map(|t| date(&format!("{key}.until"), t))
                    .transpose()?,
                source: non_empty(&format!("{key}.source"), a.source)?,
            };
            if annual.insert(lv, rule).is_some() {
                return Err(RulesError::new(
                    format!("{key}.level"),
                    format!(
                        "level {} appears twice; keep one [[annual]] per level",
                        lv.code()
                    ),
                    format!(
                        "水準 {} が2回あります。水準ごとに1つの [[annual]] にしてください",
                        lv.code()
                    ),
                ));
            }
        }
        if let Some(missing) = WorkHourLevel::ALL.iter().find(|l| !annual.contains_key(*l)) {
            return Err(RulesError::new(
                "annual",
                format!(
                    "no annual cap for level {}; add an [[annual]] entry for it",
                    missing.code()
                ),
                format!(
                    "水準 {} の年間上限がありません。[[annual]] を追加してください",
                    missing.code()
                ),
            ));
        }
        let monthly = Monthly {
            interview_from: hours(
                "monthly.interview_from_hours",
                self.monthly.interview_from_hours,
            )?,
            action_from: hours("monthly.action_from_hours", self.monthly.action_from_hours)?,
            source: non_empty("monthly.source", self.monthly.source)?,
        };
        if monthly.action_from < monthly.interview_from {
            return Err(RulesError::new(
                "monthly.action_from_hours",
                "the action threshold is below the interview threshold; it must be at least as high",
                "措置の基準が面接指導の基準より低くなっています。同じか高くしてください",
            ));
        }
        let mandatory = self
            .rest
            .mandatory_levels
            .iter()
            .enumerate()
            .map(|(i, l)| level(&format!("rest.mandatory_levels[{i}]"), l))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let (day, day_source) = self.rest.day.check("rest.day")?;
        let (night, night_source) = self.rest.night.check("rest.night")?;
        let (resident, resident_source) = self.rest.resident.check("rest.resident")?;
        let months_after = u32::try_from(self.compensatory.months_after)
            .ok()
            .filter(|m| *m <= 12)
            .ok_or_else(|| {
                RulesError::new(
                    "compensatory.months_after",
                    "months_after must be between 0 and 12",
                    "months_after は0〜12の範囲で書いてください",
                )
            })?;
        Ok(Rules {
            id: non_empty("id", self.id)?,
            effective_from: date("effective_from", &self.effective_from)?,
            title: Msg::new(self.title.ja, self.title.en),
            source: Msg::new(self.source.ja, self.source.en),
            annual,
            monthly,
            rest: Rest {
                mandatory,
                day,
                night,
                resident,
                source: non_empty("rest.source", self.rest.source)?,
                day_source,
                night_source,
                resident_source,
            },
            permit: Permit {
                rest_equivalent: hours(
                    "permit.rest_equivalent_hours",
                    self.permit.rest_equivalent_hours,
                )?,
                source: non_empty("permit.source", self.permit.source)?,
            },
            compensatory: Compensatory {
                months_after,
                source: non_empty("compensatory.source", self.compensatory.source)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rules_read_with_the_published_figures() {
        let r = Rules::mhlw_2024();
        assert_eq!(r.annual(WorkHourLevel::A).cap, 960 * 60);
        assert_eq!(r.annual(WorkHourLevel::B).cap, 1860 * 60);
        assert_eq!(
            r.annual(WorkHourLevel::LinkedB).per_facility,
            Some(960 * 60)
        );
        assert_eq!(r.annual(WorkHourLevel::LinkedB).cap, 1860 * 60);
        assert_eq!(r.annual(WorkHourLevel::C1).cap, 1860 * 60);
        assert_eq!(r.annual(WorkHourLevel::C2).cap, 1860 * 60);
        assert_eq!(r.monthly.interview_from, 100 * 60);
        assert_eq!(r.monthly.action_from, 155 * 60);
        assert_eq!(
            r.rest.day,
            RestRule {
                max_continuous: 900,
                rest: 540,
                within: 1440
            }
        );
        assert_eq!(
            r.rest.night,
            RestRule {
                max_continuous: 28 * 60,
                rest: 18 * 60,
                within: 46 * 60
            }
        );
        assert_eq!(r.rest.resident.rest, 24 * 60);
        assert!(r.rest_mandatory(WorkHourLevel::B));
        assert!(!r.rest_mandatory(WorkHourLevel::A));
        assert_eq!(r.compensatory.months_after, 1);
        assert!(r.annual.values().all(|a| !a.source.is_empty()));
    }

    fn without(line: &str) -> String {
        MHLW_2024
            .lines()
            .filter(|l| !l.starts_with(line))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn bad_files_say_which_key_and_how_to_fix_it() {
        let e = Rules::from_toml(&MHLW_2024.replace("rest_hours = 9\n", "rest_hours = 30\n"))
            .unwrap_err();
        assert_eq!(e.key, "rest.day.rest_hours");
        let e =
            Rules::from_toml(&MHLW_2024.replace("level = \"C-2\"", "level = \"C-1\"")).unwrap_err();
        assert!(e.key.ends_with(".level"), "{e}");
        assert!(e.problem.contains("twice"));
        let e =
            Rules::from_toml(&MHLW_2024.replace("cap_hours = 960", "cap_hours = -1")).unwrap_err();
        assert_eq!(e.key, "annual[0].cap_hours");
        let e = Rules::from_toml(&MHLW_2024.replace("level = \"A\"", "level = \"Z\"")).unwrap_err();
        assert!(e.ja.contains("水準"));
        let e = Rules::from_toml(&without("months_after")).unwrap_err();
        assert!(e.problem.contains("months_after"), "{e}");
        let e = Rules::from_toml(&format!("{MHLW_2024}\nextra = 1\n")).unwrap_err();
        assert!(e.problem.contains("extra"), "{e}");
        let e = Rules::from_toml(&MHLW_2024.replace(
            "source = \"手続きガイド: A水準 年960時間\"",
            "source = \" \"",
        ))
        .unwrap_err();
        assert_eq!(e.key, "annual[0].source");
    }
}
