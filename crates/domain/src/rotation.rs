//! Multi-year rotation plans (複数年ローテーション計画): a prefecture plans which post each of
//! its obligated doctors serves in each year of a horizon of several fiscal years. Every
//! [`PlanVersion`] the centre computes (a first plan, a replanning of an earlier version) is
//! kept with its input, result and figures; the committee's [`Adoption`] puts a version in
//! force. A prefecture adopts versions over time, each at most once; the latest adoption is
//! the plan in force. Versions and adoptions are never changed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::PrefCode;
use crate::error::ValueError;
use crate::name::Name;
use crate::placement::Rationale;
use crate::text::Msg;
use crate::time::FiscalYear;

fn invalid(input: impl Into<String>, problem: Msg, fix: Msg) -> ValueError {
    ValueError::new(input, problem, fix)
}

/// One stored version of a prefecture's rotation plan: its horizon, the instance it solved,
/// its result and the figures the committee compares. Never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanVersion {
    pub pref: PrefCode,
    /// 1, 2, … within the prefecture, given by the store.
    pub seq: u32,
    pub label: Name,
    /// The first fiscal year of the horizon.
    pub first_year: FiscalYear,
    /// How many fiscal years the plan covers, 1 to [`PlanVersion::MAX_YEARS`].
    pub years: u8,
    /// The earlier version of the same prefecture that this one replans, if any.
    pub parent: Option<u32>,
    pub input: serde_json::Value,
    pub result: serde_json::Value,
    pub summary: serde_json::Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl PlanVersion {
    /// The longest horizon, in fiscal years.
    pub const MAX_YEARS: u8 = 15;

    /// The last fiscal year of the horizon (None when it would pass [`FiscalYear::MAX`] or
    /// the horizon is empty).
    pub fn last_year(&self) -> Option<FiscalYear> {
        let years = i32::from(self.years.checked_sub(1)?);
        FiscalYear::new(self.first_year.year() + years).ok()
    }

    /// Checks the horizon (1 to 15 years, ending by [`FiscalYear::MAX`]) and the parent (an
    /// earlier version: numbered from 1 and, once the store has numbered this one, below
    /// its own number).
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.years == 0 || self.years > Self::MAX_YEARS {
            return Err(invalid(
                self.years.to_string(),
                Msg::new(
                    format!("計画期間 {} 年は範囲外です", self.years),
                    format!("a horizon of {} years is out of range", self.years),
                ),
                Msg::new(
                    format!("1〜{} 年にしてください", Self::MAX_YEARS),
                    format!("plan 1 to {} years", Self::MAX_YEARS),
                ),
            ));
        }
        if self.last_year().is_none() {
            return Err(invalid(
                format!("{} + {}", self.first_year.year(), self.years),
                Msg::new(
                    format!(
                        "{}年度から {} 年の計画は{}年度を超えます",
                        self.first_year.year(),
                        self.years,
                        FiscalYear::MAX
                    ),
                    format!(
                        "a plan of {} years from fiscal year {} goes past {}",
                        self.years,
                        self.first_year.year(),
                        FiscalYear::MAX
                    ),
                ),
                Msg::new(
                    "開始年度か計画期間を見直してください",
                    "choose an earlier first year or a shorter horizon",
                ),
            ));
        }
        if let Some(p) = self.parent
            && (p == 0 || (self.seq != 0 && p >= self.seq))
        {
            return Err(invalid(
                p.to_string(),
                Msg::new(
                    format!("版 {p} はこの計画の元になる版ではありません"),
                    format!("version {p} cannot be the one this plan replans"),
                ),
                Msg::new(
                    "見直す元の、これより前の版の番号を指定してください",
                    "name an earlier version of the prefecture's plan",
                ),
            ));
        }
        Ok(())
    }
}

/// The committee's adoption of a version of a prefecture's rotation plan: which version, who
/// recorded it, when and why. Recorded once per version; the store refuses to change or
/// remove it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adoption {
    pub pref: PrefCode,
    /// The version adopted.
    pub seq: u32,
    pub rationale: Rationale,
    pub adopted_by: String,
    pub adopted_at: DateTime<Utc>,
}

impl Adoption {
    /// Checks that it names a version (numbered from 1).
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.seq == 0 {
            return Err(invalid(
                "0",
                Msg::new(
                    "採用する計画の版が指定されていません",
                    "no version of the plan is named to adopt",
                ),
                Msg::new(
                    "1 以上の版番号を指定してください",
                    "name a version, numbered from 1",
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn version(years: u8) -> PlanVersion {
        PlanVersion {
            pref: PrefCode::parse("03").unwrap(),
            seq: 0,
            label: Name::parse("令和9年度からの5か年計画").unwrap(),
            first_year: FiscalYear::new(2027).unwrap(),
            years,
            parent: None,
            input: serde_json::json!({"doctors": ["D-1"]}),
            result: serde_json::json!({"D-1": ["F-1", "F-2"]}),
            summary: serde_json::json!({"shortage": 0}),
            created_by: "centre".into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn horizons_run_from_one_to_fifteen_years() {
        for ok in [1, 5, 15] {
            assert!(version(ok).validate().is_ok(), "{ok}");
        }
        for bad in [0, 16, 255] {
            let e = version(bad).validate().unwrap_err();
            assert!(e.problem.en.contains("out of range"), "{bad}: {e}");
            assert!(e.problem.ja.contains("範囲外"), "{bad}: {e}");
        }
        let v = version(5);
        assert_eq!(v.last_year(), FiscalYear::new(2031).ok());
        assert_eq!(version(1).last_year(), FiscalYear::new(2027).ok());
    }

    #[test]
    fn horizons_end_by_the_last_fiscal_year() {
        let mut v = version(15);
        v.first_year = FiscalYear::new(FiscalYear::MAX - 14).unwrap();
        assert!(v.validate().is_ok());
        v.first_year = FiscalYear::new(FiscalYear::MAX - 13).unwrap();
        assert!(v.validate().unwrap_err().problem.en.contains("goes past"));
    }

    #[test]
    fn parents_are_earlier_versions() {
        let mut v = version(5);
        v.parent = Some(3);
        // Not yet numbered: any version from 1 may be named.
        assert!(v.validate().is_ok());
        v.seq = 4;
        assert!(v.validate().is_ok());
        v.seq = 3;
        assert!(v.validate().is_err());
        v.seq = 0;
        v.parent = Some(0);
        assert!(v.validate().is_err());
    }

    #[test]
    fn adoptions_name_a_version() {
        let mut a = Adoption {
            pref: PrefCode::parse("03").unwrap(),
            seq: 2,
            rationale: Rationale::parse("医師不足地域の充足が最も高い（架空テスト）").unwrap(),
            adopted_by: "committee".into(),
            adopted_at: Utc::now(),
        };
        assert!(a.validate().is_ok());
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["pref"], "03");
        assert_eq!(serde_json::from_value::<Adoption>(json).unwrap(), a);
        a.seq = 0;
        assert!(a.validate().is_err());
        // An empty rationale does not read back.
        let mut json = serde_json::to_value(&a).unwrap();
        json["rationale"] = serde_json::json!(" ");
        assert!(serde_json::from_value::<Adoption>(json).is_err());
    }

    #[test]
    fn versions_round_trip_through_json() {
        let mut v = version(5);
        v.seq = 2;
        v.parent = Some(1);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["first_year"], 2027);
        assert_eq!(json["years"], 5);
        assert_eq!(json["parent"], 1);
        assert_eq!(serde_json::from_value::<PlanVersion>(json).unwrap(), v);
        // A fiscal year out of range does not read back.
        let mut json = serde_json::to_value(&v).unwrap();
        json["first_year"] = serde_json::json!(1500);
        assert!(serde_json::from_value::<PlanVersion>(json).is_err());
    }

    proptest! {
        #[test]
        fn validation_agrees_with_the_horizon(
            years in 0u8..=40,
            first in FiscalYear::MIN..=FiscalYear::MAX,
        ) {
            let mut v = version(years);
            v.first_year = FiscalYear::new(first).unwrap();
            let fits = (1..=PlanVersion::MAX_YEARS).contains(&years)
                && first + i32::from(years) - 1 <= FiscalYear::MAX;
            prop_assert_eq!(v.validate().is_ok(), fits);
        }
    }
}
