//! Fiscal years (年度, April 1 – March 31) and periods of days with an inclusive end, as
//! Japanese records write them (令和6年4月1日～令和7年3月31日).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::date::{format_iso, wareki};
use crate::error::{ValueError, normalize};
use crate::text::Msg;

/// A fiscal year, named by the calendar year in which it starts: `FiscalYear(2025)` runs
/// from 2025-04-01 to 2026-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct FiscalYear(i32);

impl FiscalYear {
    pub const MIN: i32 = 1873;
    pub const MAX: i32 = 2200;

    pub fn new(year: i32) -> Result<Self, ValueError> {
        if (Self::MIN..=Self::MAX).contains(&year) {
            Ok(Self(year))
        } else {
            Err(ValueError::new(
                year.to_string(),
                Msg::new(
                    format!("年度「{year}」は範囲外です"),
                    format!("fiscal year {year} is out of range"),
                ),
                Msg::new(
                    format!(
                        "{}年度から{}年度までの西暦で入力してください",
                        Self::MIN,
                        Self::MAX
                    ),
                    format!("use a year from {} to {}", Self::MIN, Self::MAX),
                ),
            ))
        }
    }

    /// Parses `2025`, `2025年度`, `FY2025`, `令和7年度`, `R7`.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        let s = s.trim_end_matches("年度").trim_end_matches('年');
        let s = s
            .strip_prefix("FY")
            .or_else(|| s.strip_prefix("fy"))
            .unwrap_or(s);
        if let Ok(y) = s.parse::<i32>() {
            return Self::new(y);
        }
        // An era year: 令和元年度 is FY2019 although 2019-04-01 was still 平成31年, so try the
        // year's last day first, then its April 1st (平成31年度).
        crate::date::parse_date(&format!("{s}年12月31日"))
            .or_else(|_| crate::date::parse_date(&format!("{s}年4月1日")))
            .map(|d| Self(d.year()))
            .map_err(|_| {
                ValueError::new(
                    input,
                    Msg::new(
                        format!("年度「{input}」を読み取れません"),
                        format!("cannot read '{input}' as a fiscal year"),
                    ),
                    Msg::new(
                        "西暦（2025）か和暦（令和7年度）で入力してください",
                        "write it as a year (2025) or in the Japanese era (令和7年度)",
                    ),
                )
            })
    }

    /// The fiscal year containing the date.
    pub fn of(date: NaiveDate) -> Self {
        let y = if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        };
        Self(y)
    }
    pub fn year(self) -> i32 {
        self.0
    }
    /// April 1st.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).expect("April 1st exists in every year")
    }
    /// March 31st of the next calendar year.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).expect("March 31st exists in every year")
    }
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }
    pub fn period(self) -> Period {
        Period {
            start: self.start(),
            end: Some(self.end()),
        }
    }
    /// `令和7年度`. A fiscal year in which the era changed is named by the new era
    /// (FY2019 is 令和元年度, FY1988 昭和63年度), as government documents do.
    pub fn wareki(self) -> String {
        let dec31 = NaiveDate::from_ymd_opt(self.0, 12, 31).expect("December 31st exists");
        match wareki(dec31) {
            Some(w) if w.year == 1 => format!("{}元年度", w.era.name_ja()),
            Some(w) => format!("{}{}年度", w.era.name_ja(), w.year),
            None => format!("{}年度", self.0),
        }
    }
}

impl TryFrom<i32> for FiscalYear {
    type Error = ValueError;
    fn try_from(y: i32) -> Result<Self, ValueError> {
        Self::new(y)
    }
}
impl From<FiscalYear> for i32 {
    fn from(f: FiscalYear) -> i32 {
        f.0
    }
}
impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

/// A period from a start day to an end day that is the last day of the period (inclusive),
/// or open-ended. The end is never before the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPeriod", into = "RawPeriod")]
pub struct Period {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

#[derive(Serialize, Deserialize)]
struct RawPeriod {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

impl TryFrom<RawPeriod> for Period {
    type Error = ValueError;
    fn try_from(r: RawPeriod) -> Result<Self, ValueError> {
        Period::new(r.start, r.end)
    }
}
impl From<Period> for RawPeriod {
    fn from(p: Period) -> Self {
        RawPeriod {
            start: p.start,
            end: p.end,
        }
    }
}

impl Period {
    pub fn new(start: NaiveDate, end: Option<NaiveDate>) -> Result<Self, ValueError> {
        match end {
            Some(e) if e < start => Err(ValueError::new(
                format!("{} – {}", format_iso(start), format_iso(e)),
                Msg::new(
                    format!(
                        "終了日（{}）が開始日（{}）より前です",
                        crate::date::format_wareki(e),
                        crate::date::format_wareki(start)
                    ),
                    format!(
                        "the end date ({}) is before the start date ({})",
                        format_iso(e),
                        format_iso(start)
                    ),
                ),
                Msg::new(
                    "終了日は期間の最終日です。開始日以降の日付にしてください",
                    "the end date is the last day of the period: make it on or after the start date",
                ),
            )),
            _ => Ok(Self { start, end }),
        }
    }
    pub fn open(start: NaiveDate) -> Self {
        Self { start, end: None }
    }
    pub fn start(&self) -> NaiveDate {
        self.start
    }
    /// The last day, inclusive; `None` when open-ended.
    pub fn end(&self) -> Option<NaiveDate> {
        self.end
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.start && self.end.is_none_or(|e| d <= e)
    }
    /// Whether the two periods share at least one day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start <= other.end.unwrap_or(NaiveDate::MAX)
            && other.start <= self.end.unwrap_or(NaiveDate::MAX)
    }
    /// Number of days, both ends counted; `None` when open-ended.
    pub fn days(&self) -> Option<i64> {
        self.end.map(|e| (e - self.start).num_days() + 1)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(e) => write!(f, "{} – {}", format_iso(self.start), format_iso(e)),
            None => write!(f, "{} –", format_iso(self.start)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fiscal_year_bounds() {
        let fy = FiscalYear::new(2025).unwrap();
        assert_eq!(fy.start(), d(2025, 4, 1));
        assert_eq!(fy.end(), d(2026, 3, 31));
        assert_eq!(FiscalYear::of(d(2026, 3, 31)), fy);
        assert_eq!(FiscalYear::of(d(2026, 4, 1)), fy.next());
        assert_eq!(fy.wareki(), "令和7年度");
        assert_eq!(FiscalYear::new(2019).unwrap().wareki(), "令和元年度");
        assert_eq!(fy.to_string(), "FY2025");
        assert!(FiscalYear::new(1800).is_err());
    }

    #[test]
    fn fiscal_year_parsing() {
        for s in ["2025", "2025年度", "FY2025", "令和7年度", "R7", "２０２５"] {
            assert_eq!(FiscalYear::parse(s).unwrap().year(), 2025, "{s}");
        }
        assert_eq!(FiscalYear::parse("平成30年度").unwrap().year(), 2018);
        assert_eq!(FiscalYear::parse("令和元年度").unwrap().year(), 2019);
        assert_eq!(FiscalYear::parse("平成31年度").unwrap().year(), 2019);
        assert_eq!(FiscalYear::new(1988).unwrap().wareki(), "昭和63年度");
        assert_eq!(FiscalYear::new(1989).unwrap().wareki(), "平成元年度");
        assert!(FiscalYear::parse("来年").is_err());
    }

    #[test]
    fn period_end_is_inclusive_and_not_before_start() {
        let p = Period::new(d(2024, 4, 1), Some(d(2025, 3, 31))).unwrap();
        assert_eq!(p.days(), Some(365));
        assert!(p.contains(d(2025, 3, 31)));
        assert!(!p.contains(d(2025, 4, 1)));
        let one_day = Period::new(d(2024, 4, 1), Some(d(2024, 4, 1))).unwrap();
        assert_eq!(one_day.days(), Some(1));
        let e = Period::new(d(2024, 4, 1), Some(d(2024, 3, 31))).unwrap_err();
        assert!(e.problem.ja.contains("終了日"));
        assert!(e.problem.en.contains("before the start"));
        // Deserialisation validates too.
        assert!(
            serde_json::from_str::<Period>(r#"{"start":"2024-04-01","end":"2024-03-01"}"#).is_err()
        );
    }

    #[test]
    fn overlaps_share_a_day() {
        let a = Period::new(d(2024, 4, 1), Some(d(2024, 9, 30))).unwrap();
        let b = Period::new(d(2024, 9, 30), None).unwrap();
        let c = Period::new(d(2024, 10, 1), None).unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c) && !c.overlaps(&a));
        assert!(b.overlaps(&c));
    }

    proptest! {
        #[test]
        fn every_date_is_in_exactly_its_fiscal_year(days in 0i64..100_000) {
            let date = d(1900, 1, 1) + chrono::Duration::days(days);
            let fy = FiscalYear::of(date);
            prop_assert!(fy.period().contains(date));
            prop_assert!(!fy.next().period().contains(date));
        }

        #[test]
        fn overlap_is_symmetric_and_matches_a_common_day(a in 0i64..400, la in 0i64..100, b in 0i64..400, lb in 0i64..100) {
            let base = d(2024, 1, 1);
            let p = Period::new(base + chrono::Duration::days(a), Some(base + chrono::Duration::days(a + la))).unwrap();
            let q = Period::new(base + chrono::Duration::days(b), Some(base + chrono::Duration::days(b + lb))).unwrap();
            let common = (0..600).any(|i| { let x = base + chrono::Duration::days(i); p.contains(x) && q.contains(x) });
            prop_assert_eq!(p.overlaps(&q), common);
            prop_assert_eq!(p.overlaps(&q), q.overlaps(&p));
        }
    }
}
