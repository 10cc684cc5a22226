//! The units every rule is written in, and how a timeline will be measured against them.
//!
//! - A [`Span`] is a length of time as schemes state it: whole months, a year being 12 months
//!   (`1.5` years in a file is 18 months).
//! - Service is counted in **service days**: every calendar day except 29 February. One year
//!   of service is 365 service days, so a fiscal year at one facility (2019-04-01 to
//!   2020-03-31 inclusive, leap day or not) is exactly one year, and so is any period from a
//!   day to the day before its anniversary. A span of `m` months is `⌈m × 365 / 12⌉` service
//!   days (six months are 183), so a requirement is never shortened by rounding.
//! - "卒後N年目" (year N after graduation) is the N-th fiscal year after the one in which the
//!   doctor graduated: a March 2014 graduate's year 1 is FY2014 (2014-04-01 – 2015-03-31),
//!   a September 2014 graduate's is FY2015.
//!   "Within N years of graduation" ends on the last day of year N
//!   ([`end_of_year_after_graduation`]).

use std::fmt;

use chiiki_domain::{FiscalYear, Lang, NaiveDate};
use chrono::Datelike;
use serde::Serialize;

/// Service days in one year of service.
pub const SERVICE_DAYS_PER_YEAR: u32 = 365;

/// A length of time in whole months, as a rule states it (`2` years, `1.5` years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(into = "u32")]
pub struct Span {
    months: u32,
}

impl From<Span> for u32 {
    fn from(s: Span) -> u32 {
        s.months
    }
}

impl Span {
    pub const ZERO: Span = Span { months: 0 };
    /// The longest span a scheme file may state, in years.
    pub const MAX_YEARS: u32 = 100;

    /// Whole years; more than [`Span::MAX_YEARS`] is cut to it.
    pub fn years(years: u32) -> Span {
        Span::months(years.min(Self::MAX_YEARS) * 12)
    }

    /// Whole months; more than [`Span::MAX_YEARS`] years is cut to it.
    pub fn months(months: u32) -> Span {
        Span {
            months: months.min(Self::MAX_YEARS * 12),
        }
    }

    /// A number of years as written in a file: finite, from 0 to [`Span::MAX_YEARS`], and a
    /// whole number of months (`1.5` is 18 months; `0.1` is not a whole month).
    pub fn from_years_f64(years: f64) -> Option<Span> {
        if !years.is_finite() || years < 0.0 || years > Self::MAX_YEARS as f64 {
            return None;
        }
        let months = years * 12.0;
        let whole = months.round();
        if (months - whole).abs() > 1e-6 {
            return None;
        }
        Some(Span {
            months: whole as u32,
        })
    }

    pub fn in_months(self) -> u32 {
        self.months
    }

    /// Years as a number (18 months are 1.5).
    pub fn in_years(self) -> f64 {
        self.months as f64 / 12.0
    }

    /// The service days this span requires: `⌈months × 365 / 12⌉`.
    pub fn service_days(self) -> u32 {
        (self.months * SERVICE_DAYS_PER_YEAR).div_ceil(12)
    }

    pub fn is_zero(self) -> bool {
        self.months == 0
    }

    /// The sum, cut at [`Span::MAX_YEARS`].
    pub fn saturating_add(self, other: Span) -> Span {
        Span::months(self.months.saturating_add(other.months))
    }

    /// `2年`, `1年6か月` / `2 years`, `1 year 6 months`.
    pub fn label(self, lang: Lang) -> String {
        let (y, m) = (self.months / 12, self.months % 12);
        match lang {
            Lang::Ja => match (y, m) {
                (0, m) => format!("{m}か月"),
                (y, 0) => format!("{y}年"),
                (y, m) => format!("{y}年{m}か月"),
            },
            Lang::En => {
                let years = if y == 1 {
                    "1 year".to_string()
                } else {
                    format!("{y} years")
                };
                let months = if m == 1 {
                    "1 month".to_string()
                } else {
                    format!("{m} months")
                };
                match (y, m) {
                    (0, _) => months,
                    (_, 0) => years,
                    _ => format!("{years} {months}"),
                }
            }
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(Lang::En))
    }
}

/// Whether a day counts as a service day: every day but 29 February.
pub fn is_service_day(day: NaiveDate) -> bool {
    !(day.month() == 2 && day.day() == 29)
}

/// The service days from `first` to `last`, both included (zero when `last` is before
/// `first`).
pub fn service_days(first: NaiveDate, last: NaiveDate) -> u32 {
    if last < first {
        return 0;
    }
    let days = (last - first).num_days() + 1;
    let leap_days = (first.year()..=last.year())
        .filter_map(|y| NaiveDate::from_ymd_opt(y, 2, 29))
        .filter(|d| (first..=last).contains(d))
        .count() as i64;
    u32::try_from(days - leap_days).unwrap_or(u32::MAX)
}

/// The day `years` years after `day` (29 February moves to 1 March in a common year), so
/// that the period from `day` to the day before it holds `365 × years` service days.
pub fn anniversary(day: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = day.year().checked_add(i32::try_from(years).ok()?)?;
    NaiveDate::from_ymd_opt(year, day.month(), day.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// The last day of 卒後N年目: March 31 ending the N-th fiscal year after the fiscal year of
/// graduation. `None` outside the supported fiscal years.
pub fn end_of_year_after_graduation(graduation: NaiveDate, n: u32) -> Option<NaiveDate> {
    let fy = FiscalYear::of(graduation)
        .year()
        .checked_add(i32::try_from(n).ok()?)?;
    FiscalYear::new(fy).ok().map(FiscalYear::end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_fiscal_year_is_one_year_leap_day_or_not() {
        // FY2019 contains 2020-02-29; FY2018 does not. Both are one year of service.
        assert_eq!(service_days(d(2019, 4, 1), d(2020, 3, 31)), 365);
        assert_eq!(service_days(d(2018, 4, 1), d(2019, 3, 31)), 365);
        assert_eq!(Span::years(1).service_days(), 365);
        assert_eq!(Span::months(6).service_days(), 183);
        assert_eq!(Span::months(18).service_days(), 548);
        assert_eq!(service_days(d(2020, 3, 31), d(2020, 3, 30)), 0);
    }

    #[test]
    fn years_as_written() {
        assert_eq!(Span::from_years_f64(1.5), Some(Span::months(18)));
        assert_eq!(Span::from_years_f64(2.0), Some(Span::years(2)));
        assert_eq!(Span::from_years_f64(0.0), Some(Span::ZERO));
        for bad in [0.1, -1.0, f64::NAN, f64::INFINITY, 101.0] {
            assert_eq!(Span::from_years_f64(bad), None, "{bad}");
        }
        assert_eq!(Span::months(18).label(Lang::Ja), "1年6か月");
        assert_eq!(Span::months(18).label(Lang::En), "1 year 6 months");
        assert_eq!(Span::years(2).to_string(), "2 years");
    }

    #[test]
    fn years_after_graduation_are_fiscal_years() {
        // 卒後10年目 of a March 2014 graduate is FY2023.
        assert_eq!(
            end_of_year_after_graduation(d(2014, 3, 20), 10),
            Some(d(2024, 3, 31))
        );
        // A September graduate's year 1 is the first whole fiscal year after graduation.
        assert_eq!(
            end_of_year_after_graduation(d(2014, 9, 30), 1),
            Some(d(2016, 3, 31))
        );
        assert_eq!(end_of_year_after_graduation(d(2014, 3, 20), 500), None);
    }

    proptest! {
        #[test]
        fn a_year_from_any_day_is_365_service_days(offset in 0i64..80_000, years in 1u32..12) {
            let start = d(1900, 1, 1) + chrono::Duration::days(offset);
            let next = anniversary(start, years).unwrap();
            let last = next.pred_opt().unwrap();
            prop_assert_eq!(service_days(start, last), 365 * years);
        }

        #[test]
        fn service_days_add_up(offset in 0i64..60_000, a in 0i64..2_000, b in 1i64..2_000) {
            let start = d(1950, 1, 1) + chrono::Duration::days(offset);
            let mid = start + chrono::Duration::days(a);
            let end = mid + chrono::Duration::days(b);
            prop_assert_eq!(
                service_days(start, mid) + service_days(mid.succ_opt().unwrap(), end),
                service_days(start, end)
            );
        }
    }
}
