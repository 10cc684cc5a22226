//! Calendar dates as Japanese users write them: ISO 8601 and 和暦 (the Japanese era calendar).
//!
//! [`parse_date`] reads the forms found in spreadsheets and forms filled in by hand —
//! `2024-04-01`, `2024/4/1`, `2024年4月1日`, `20240401`, `令和6年4月1日`, `R6.4.1`,
//! `令和元年5月1日`, full-width `Ｒ６．４．１` and so on — and explains every rejection in
//! Japanese and English through [`Explain`].
//!
//! Dates run from 1873-01-01 (明治6年1月1日, the day Japan adopted the Gregorian calendar;
//! earlier dates were written in the lunisolar calendar and cannot be converted by
//! arithmetic) to 2200-12-31.

use std::fmt;

use chrono::Datelike;
pub use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::text::{Explain, Msg};

/// Builds a date known at compile time to exist.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("constant dates exist")
}

/// The first supported date: Japan adopted the Gregorian calendar on 明治6年1月1日.
const FIRST_DATE: NaiveDate = ymd(1873, 1, 1);
/// The last supported date.
const LAST_DATE: NaiveDate = ymd(2200, 12, 31);
/// The supported range of Gregorian years.
const YEARS: std::ops::RangeInclusive<i32> = 1873..=2200;

/// At most this many characters of an input are quoted back in a message.
const QUOTE_LIMIT: usize = 40;

/// A Japanese era (元号) of the modern calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    /// 明治 (M), 1868-10-23 to 1912-07-29.
    Meiji,
    /// 大正 (T), 1912-07-30 to 1926-12-24.
    Taisho,
    /// 昭和 (S), 1926-12-25 to 1989-01-07.
    Showa,
    /// 平成 (H), 1989-01-08 to 2019-04-30.
    Heisei,
    /// 令和 (R), from 2019-05-01.
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The first day of the era.
    ///
    /// Meiji began on 1868-10-23, but only dates from 1873-01-01 (明治6年) are supported,
    /// because Japan used the lunisolar calendar until then.
    pub fn start(self) -> NaiveDate {
        match self {
            Era::Meiji => const { ymd(1868, 10, 23) },
            Era::Taisho => const { ymd(1912, 7, 30) },
            Era::Showa => const { ymd(1926, 12, 25) },
            Era::Heisei => const { ymd(1989, 1, 8) },
            Era::Reiwa => const { ymd(2019, 5, 1) },
        }
    }

    /// The name of the era in kanji: 明治, 大正, 昭和, 平成 or 令和.
    pub fn name_ja(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The letter of the era in short forms such as `R6.4.1`: M, T, S, H or R.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The era containing `date`, or `None` before 1873-01-01 (the first supported date).
    pub fn of(date: NaiveDate) -> Option<Era> {
        if date < FIRST_DATE {
            return None;
        }
        Era::ALL.into_iter().rev().find(|era| date >= era.start())
    }

    /// The name of the era in English messages.
    fn name_en(self) -> &'static str {
        match self {
            Era::Meiji => "Meiji",
            Era::Taisho => "Taisho",
            Era::Showa => "Showa",
            Era::Heisei => "Heisei",
            Era::Reiwa => "Reiwa",
        }
    }

    /// The last day of the era, or `None` for the current era.
    fn last_day(self) -> Option<NaiveDate> {
        let next = Era::ALL.into_iter().find(|era| *era > self)?;
        next.start().pred_opt()
    }
}

impl fmt::Display for Era {
    /// The kanji name, e.g. `令和`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_ja())
    }
}

/// The era and the year within it of a date: 2024-04-01 is 令和6年.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Wareki {
    pub era: Era,
    /// The year within the era, from 1 (元年).
    pub year: u32,
}

impl fmt::Display for Wareki {
    /// `令和6年`, or `令和元年` for the first year.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year == 1 {
            write!(f, "{}元年", self.era.name_ja())
        } else {
            write!(f, "{}{}年", self.era.name_ja(), self.year)
        }
    }
}

/// The era and era year of `date`, or `None` before 1873-01-01.
pub fn wareki(date: NaiveDate) -> Option<Wareki> {
    let era = Era::of(date)?;
    let year = u32::try_from(date.year() - era.start().year() + 1).ok()?;
    Some(Wareki { era, year })
}

/// The ISO 8601 form of a date: `2024-04-01`.
pub fn format_iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The full 和暦 form of a date: `令和6年4月1日`, `令和元年5月1日`.
///
/// Dates before 1873-01-01 have no supported 和暦 form and are written in ISO 8601.
pub fn format_wareki(d: NaiveDate) -> String {
    match wareki(d) {
        Some(w) => format!("{w}{}月{}日", d.month(), d.day()),
        None => format_iso(d),
    }
}

/// The short 和暦 form of a date: `R6.4.1`, `R1.5.1`.
///
/// Dates before 1873-01-01 have no supported 和暦 form and are written in ISO 8601.
pub fn format_wareki_short(d: NaiveDate) -> String {
    match wareki(d) {
        Some(w) => format!("{}{}.{}.{}", w.era.letter(), w.year, d.month(), d.day()),
        None => format_iso(d),
    }
}

/// Why a text is not a supported date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.problem().en)]
pub struct DateError {
    /// The text as given.
    pub input: String,
    pub kind: DateErrorKind,
}

/// The kinds of [`DateError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateErrorKind {
    /// Nothing but whitespace.
    Empty,
    /// Not in any of the accepted forms.
    Unrecognised,
    /// A well-formed date that does not exist, such as 2020-02-30 (Gregorian year).
    NoSuchDate { year: i32, month: u32, day: u32 },
    /// An existing date outside the era it was written in, such as 平成31年5月1日.
    /// `suggestion` is the date written in its own era (`令和元年5月1日`); there is none
    /// for year 0.
    OutsideEra {
        era: Era,
        year: u32,
        suggestion: Option<String>,
    },
    /// Before 1873-01-01 or after 2200-12-31.
    OutOfRange,
}

impl Explain for DateError {
    fn problem(&self) -> Msg {
        let q = quote(&self.input);
        match &self.kind {
            DateErrorKind::Empty => Msg::new("日付が入力されていません", "no date was given"),
            DateErrorKind::Unrecognised => Msg::new(
                format!("「{q}」は日付として読み取れません"),
                format!("\"{q}\" is not a date in a form we can read"),
            ),
            DateErrorKind::NoSuchDate { .. } => Msg::new(
                format!("「{q}」という日付は存在しません"),
                format!("\"{q}\" is not a date that exists"),
            ),
            DateErrorKind::OutsideEra { era, year: 0, .. } => Msg::new(
                format!("「{q}」: {}0年という年はありません", era.name_ja()),
                format!("\"{q}\": there is no year 0 of the {} era", era.name_en()),
            ),
            DateErrorKind::OutsideEra { era, .. } => {
                let start = format_iso(era.start());
                let (ja, en) = match era.last_day() {
                    Some(end) => {
                        let end = format_iso(end);
                        (format!("{start}から{end}まで"), format!("{start} to {end}"))
                    }
                    None => (format!("{start}から"), format!("from {start}")),
                };
                Msg::new(
                    format!(
                        "「{q}」は{name}の期間外です({name}は{ja})",
                        name = era.name_ja()
                    ),
                    format!("\"{q}\" is not within the {} era ({en})", era.name_en()),
                )
            }
            DateErrorKind::OutOfRange => Msg::new(
                format!("「{q}」は扱える期間の外の日付です"),
                format!("\"{q}\" is outside the supported range of dates"),
            ),
        }
    }

    fn fix(&self) -> Msg {
        match &self.kind {
            DateErrorKind::Empty | DateErrorKind::Unrecognised => Msg::new(
                "2024-04-01、2024年4月1日、令和6年4月1日、R6.4.1 のような形で入力してください",
                "write the date like 2024-04-01, 2024年4月1日, 令和6年4月1日 or R6.4.1",
            ),
            DateErrorKind::NoSuchDate { year, month, day } => no_such_date_fix(*year, *month, *day),
            DateErrorKind::OutsideEra {
                suggestion: Some(s),
                ..
            } => {
                let en = match parse_date(s) {
                    Ok(d) => format!("did you mean {s} ({})?", format_iso(d)),
                    Err(_) => format!("did you mean {s}?"),
                };
                Msg::new(format!("{s} のことですか"), en)
            }
            DateErrorKind::OutsideEra {
                era,
                suggestion: None,
                ..
            } => Msg::new(
                format!(
                    "{name}の最初の年は{name}元年(1年)です",
                    name = era.name_ja()
                ),
                format!(
                    "the first year of the {} era is {}元年 (year 1)",
                    era.name_en(),
                    era.name_ja()
                ),
            ),
            DateErrorKind::OutOfRange => Msg::new(
                "1873年1月1日(明治6年1月1日、太陽暦の採用日)から2200年12月31日までの日付を、\
                 西暦なら4桁の年で入力してください。明治5年以前は旧暦のため扱えません",
                "enter a date from 1873-01-01 (明治6年1月1日, when Japan adopted the Gregorian \
                 calendar) to 2200-12-31, with a four-digit year; earlier dates used the \
                 lunisolar calendar and are not supported",
            ),
        }
    }
}

/// How to fix a date that does not exist: the valid months, or the days in the month.
fn no_such_date_fix(year: i32, month: u32, _day: u32) -> Msg {
    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let days = (28..=31)
        .rev()
        .find(|&day| NaiveDate::from_ymd_opt(year, month, day).is_some());
    match (
        days,
        month.checked_sub(1).and_then(|i| MONTHS_EN.get(i as usize)),
    ) {
        (Some(days), Some(name)) => Msg::new(
            format!("{year}年{month}月は{days}日までです"),
            format!("{name} {year} has {days} days"),
        ),
        _ if !(1..=12).contains(&month) => Msg::new(
            "月は1から12の数で入力してください",
            "the month must be a number from 1 to 12",
        ),
        _ => Msg::new("存在する日付を入力してください", "enter a date that exists"),
    }
}

/// The input as quoted in a message: trimmed, and cut short if long.
fn quote(input: &str) -> String {
    let input = input.trim();
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(QUOTE_LIMIT).collect();
    if chars.next().is_some() {
        head + "…"
    } else {
        head
    }
}

/// Reads a date written in ISO 8601 or 和暦.
///
/// The input is NFKC-normalised first (so full-width digits, letters and punctuation are
/// accepted) and trimmed. Accepted forms, with whitespace allowed between parts:
///
/// - Gregorian: `2024-04-01`, `2024/4/1`, `2024.4.1`, `2024年4月1日`, `20240401`;
/// - 和暦: an era (`令和`, `令`, `R`, `r`, … or the ligature `㋿`), then the era year
///   (a number, or `元` before `年`), then the month and day as above: `令和6年4月1日`,
///   `令和元年5月1日`, `R6.4.1`, `R06/04/01`, `H30-12-1`, `R6年4月1日`, `令6.4.1`.
///
/// The date must exist, fall inside the era it is written in, and lie between
/// 1873-01-01 and 2200-12-31. This function never panics.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let fail = |kind| DateError {
        input: input.to_owned(),
        kind,
    };
    let normalised: String = input.nfkc().collect();
    let text = normalised.trim();
    if text.is_empty() {
        return Err(fail(DateErrorKind::Empty));
    }
    let parts = tokenize(text)
        .as_deref()
        .and_then(Parts::read)
        .ok_or_else(|| fail(DateErrorKind::Unrecognised))?;
    parts.resolve().map_err(fail)
}

/// A separator between the parts of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dash,
    Slash,
    Dot,
    /// 年
    Year,
    /// 月
    Month,
    /// 日
    Day,
}

/// A lexical unit of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A run of ASCII digits; `value` saturates at `u32::MAX`.
    Num {
        value: u32,
        digits: usize,
    },
    /// 元, as in 元年.
    Gan,
    Era(Era),
    Sep(Sep),
}

/// Splits normalised text into tokens, skipping whitespace; `None` on any other character.
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            c if c.is_whitespace() => continue,
            '0'..='9' => {
                let mut value = 0u32;
                let mut digits = 0;
                let mut next = Some(c);
                while let Some(d) = next.and_then(|d| d.to_digit(10)) {
                    value = value.saturating_mul(10).saturating_add(d);
                    digits += 1;
                    next = chars.next_if(char::is_ascii_digit);
                }
                Token::Num { value, digits }
            }
            '元' => Token::Gan,
            '年' => Token::Sep(Sep::Year),
            '月' => Token::Sep(Sep::Month),
            '日' => Token::Sep(Sep::Day),
            // Hyphen-minus and the dashes that IMEs and word processors put in its place.
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー' => Token::Sep(Sep::Dash),
            '/' => Token::Sep(Sep::Slash),
            '.' => Token::Sep(Sep::Dot),
            _ => Token::Era(era_marker(c, &mut chars)?),
        };
        tokens.push(token);
    }
    Some(tokens)
}

/// The era named by `c` (a letter, or the first kanji of a name whose second kanji is
/// optional and consumed from `rest`), or `None` if `c` names no era.
fn era_marker(c: char, rest: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Era> {
    let (era, second) = match c {
        '明' => (Era::Meiji, '治'),
        '大' => (Era::Taisho, '正'),
        '昭' => (Era::Showa, '和'),
        '平' => (Era::Heisei, '成'),
        '令' => (Era::Reiwa, '和'),
        c => {
            let c = c.to_ascii_uppercase();
            return Era::ALL.into_iter().find(|era| era.letter() == c);
        }
    };
    rest.next_if_eq(&second);
    Some(era)
}

/// The parts of a date as written, not yet checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts {
    /// The era, or `None` for a Gregorian year.
    era: Option<Era>,
    year: u32,
    month: u32,
    day: u32,
}

impl Parts {
    /// Recognises the accepted forms; `None` for anything else.
    fn read(tokens: &[Token]) -> Option<Parts> {
        use Token::{Gan, Num};

        // 20240401
        if let [Num { value, digits: 8 }] = *tokens {
            return Some(Parts {
                era: None,
                year: value / 10_000,
                month: value / 100 % 100,
                day: value % 100,
            });
        }
        let (era, rest) = match *tokens {
            [Token::Era(era), ref rest @ ..] => (Some(era), rest),
            _ => (None, tokens),
        };
        let (year, sep, rest) = match *rest {
            [Gan, Token::Sep(Sep::Year), ref rest @ ..] if era.is_some() => (1, Sep::Year, rest),
            [Num { value, .. }, Token::Sep(sep), ref rest @ ..] => (value, sep, rest),
            _ => return None,
        };
        let (month, day) = match (sep, rest) {
            (
                Sep::Year,
                &[
                    Num { value: m, .. },
                    Token::Sep(Sep::Month),
                    Num { value: d, .. },
                ]
                | &[
                    Num { value: m, .. },
                    Token::Sep(Sep::Month),
                    Num { value: d, .. },
                    Token::Sep(Sep::Day),
                ],
            ) => (m, d),
            (
                Sep::Dash | Sep::Slash | Sep::Dot,
                &[
                    Num { value: m, .. },
                    Token::Sep(second),
                    Num { value: d, .. },
                ],
            ) if second == sep => (m, d),
            _ => return None,
        };
        Some(Parts {
            era,
            year,
            month,
            day,
        })
    }

    /// The date the parts denote, if it exists, lies in the supported range and, for 和暦,
    /// lies inside its era.
    fn resolve(self) -> Result<NaiveDate, DateErrorKind> {
        let Some(era) = self.era else {
            return gregorian(i64::from(self.year), self.month, self.day);
        };
        if self.year == 0 {
            return Err(DateErrorKind::OutsideEra {
                era,
                year: 0,
                suggestion: None,
            });
        }
        let year = i64::from(era.start().year()) + i64::from(self.year) - 1;
        let date = gregorian(year, self.month, self.day)?;
        if Era::of(date) == Some(era) {
            Ok(date)
        } else {
            Err(DateErrorKind::OutsideEra {
                era,
                year: self.year,
                suggestion: Some(format_wareki(date)),
            })
        }
    }
}

/// The Gregorian date, if the year is supported and the date exists.
fn gregorian(year: i64, month: u32, day: u32) -> Result<NaiveDate, DateErrorKind> {
    let year = i32::try_from(year)
        .ok()
        .filter(|year| YEARS.contains(year))
        .ok_or(DateErrorKind::OutOfRange)?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(DateErrorKind::NoSuchDate {
        year,
        month,
        day,
    })?;
    debug_assert!((FIRST_DATE..=LAST_DATE).contains(&date));
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn kind(input: &str) -> DateErrorKind {
        parse_date(input).expect_err(input).kind
    }

    #[test]
    fn era_starts_names_and_letters() {
        let table = [
            (Era::Meiji, d(1868, 10, 23), "明治", 'M'),
            (Era::Taisho, d(1912, 7, 30), "大正", 'T'),
            (Era::Showa, d(1926, 12, 25), "昭和", 'S'),
            (Era::Heisei, d(1989, 1, 8), "平成", 'H'),
            (Era::Reiwa, d(2019, 5, 1), "令和", 'R'),
        ];
        for (era, start, name, letter) in table {
            assert_eq!(era.start(), start);
            assert_eq!(era.name_ja(), name);
            assert_eq!(era.to_string(), name);
            assert_eq!(era.letter(), letter);
            assert_eq!(Era::of(start), Some(era).filter(|_| start >= FIRST_DATE));
        }
        assert_eq!(Era::Heisei.last_day(), Some(d(2019, 4, 30)));
        assert_eq!(Era::Reiwa.last_day(), None);
    }

    #[test]
    fn era_of_boundaries() {
        assert_eq!(Era::of(d(1872, 12, 31)), None);
        assert_eq!(Era::of(d(1868, 10, 23)), None);
        assert_eq!(Era::of(d(1873, 1, 1)), Some(Era::Meiji));
        assert_eq!(Era::of(d(1912, 7, 29)), Some(Era::Meiji));
        assert_eq!(Era::of(d(1912, 7, 30)), Some(Era::Taisho));
        assert_eq!(Era::of(d(1926, 12, 24)), Some(Era::Taisho));
        assert_eq!(Era::of(d(1926, 12, 25)), Some(Era::Showa));
        assert_eq!(Era::of(d(1989, 1, 7)), Some(Era::Showa));
        assert_eq!(Era::of(d(1989, 1, 8)), Some(Era::Heisei));
        assert_eq!(Era::of(d(2019, 4, 30)), Some(Era::Heisei));
        assert_eq!(Era::of(d(2019, 5, 1)), Some(Era::Reiwa));
        assert_eq!(Era::of(d(2200, 12, 31)), Some(Era::Reiwa));
    }

    #[test]
    fn wareki_years() {
        let w = |era, year| Some(Wareki { era, year });
        assert_eq!(wareki(d(1873, 1, 1)), w(Era::Meiji, 6));
        assert_eq!(wareki(d(1872, 12, 31)), None);
        assert_eq!(wareki(d(1912, 7, 30)), w(Era::Taisho, 1));
        assert_eq!(wareki(d(1989, 1, 7)), w(Era::Showa, 64));
        assert_eq!(wareki(d(1989, 1, 8)), w(Era::Heisei, 1));
        assert_eq!(wareki(d(2019, 4, 30)), w(Era::Heisei, 31));
        assert_eq!(wareki(d(2019, 5, 1)), w(Era::Reiwa, 1));
        assert_eq!(wareki(d(2024, 4, 1)), w(Era::Reiwa, 6));
        assert_eq!(wareki(d(2019, 5, 1)).unwrap().to_string(), "令和元年");
        assert_eq!(wareki(d(2024, 4, 1)).unwrap().to_string(), "令和6年");
    }

    #[test]
    fn formats() {
        let table = [
            (d(2024, 4, 1), "2024-04-01", "令和6年4月1日", "R6.4.1"),
            (d(2019, 5, 1), "2019-05-01", "令和元年5月1日", "R1.5.1"),
            (d(2019, 4, 30), "2019-04-30", "平成31年4月30日", "H31.4.30"),
            (d(1989, 1, 8), "1989-01-08", "平成元年1月8日", "H1.1.8"),
            (d(1989, 1, 7), "1989-01-07", "昭和64年1月7日", "S64.1.7"),
            (
                d(1926, 12, 25),
                "1926-12-25",
                "昭和元年12月25日",
                "S1.12.25",
            ),
            (d(1912, 7, 30), "1912-07-30", "大正元年7月30日", "T1.7.30"),
            (d(1873, 1, 1), "1873-01-01", "明治6年1月1日", "M6.1.1"),
            (d(1872, 12, 31), "1872-12-31", "1872-12-31", "1872-12-31"),
        ];
        for (date, iso, full, short) in table {
            assert_eq!(format_iso(date), iso);
            assert_eq!(format_wareki(date), full);
            assert_eq!(format_wareki_short(date), short);
        }
    }

    #[test]
    fn parses_gregorian_forms() {
        for input in [
            "2024-04-01",
            "2024-4-1",
            "2024/4/1",
            "2024/04/01",
            "2024.4.1",
            "2024年4月1日",
            "2024年4月1",
            "20240401",
            "  2024-04-01\n",
            "２０２４－０４－０１",
            "２０２４年４月１日",
            "2024 年 4 月 1 日",
            "2024−4−1",
        ] {
            assert_eq!(parse_date(input), Ok(d(2024, 4, 1)), "{input:?}");
        }
    }

    #[test]
    fn parses_wareki_forms() {
        let table = [
            ("令和6年4月1日", d(2024, 4, 1)),
            ("令和元年5月1日", d(2019, 5, 1)),
            ("令和1年5月1日", d(2019, 5, 1)),
            ("R6.4.1", d(2024, 4, 1)),
            ("R06/04/01", d(2024, 4, 1)),
            ("R6-4-1", d(2024, 4, 1)),
            ("r6.4.1", d(2024, 4, 1)),
            ("H30.12.1", d(2018, 12, 1)),
            ("平成30年12月1日", d(2018, 12, 1)),
            ("S64.1.7", d(1989, 1, 7)),
            ("昭和64年1月7日", d(1989, 1, 7)),
            ("H1.1.8", d(1989, 1, 8)),
            ("平成元年1月8日", d(1989, 1, 8)),
            ("Ｒ６．４．１", d(2024, 4, 1)),
            ("令和６年４月１日", d(2024, 4, 1)),
            ("R6年4月1日", d(2024, 4, 1)),
            ("令6.4.1", d(2024, 4, 1)),
            ("令和 6 年 4 月 1 日", d(2024, 4, 1)),
            ("令和　元年　5月　1日", d(2019, 5, 1)),
            ("R 6.4.1", d(2024, 4, 1)),
            ("㋿6年4月1日", d(2024, 4, 1)),
            ("㍻31年4月30日", d(2019, 4, 30)),
            ("T1.7.30", d(1912, 7, 30)),
            ("大正15年12月24日", d(1926, 12, 24)),
            ("明治6年1月1日", d(1873, 1, 1)),
            ("M45.7.29", d(1912, 7, 29)),
            ("明45.7.29", d(1912, 7, 29)),
        ];
        for (input, date) in table {
            assert_eq!(parse_date(input), Ok(date), "{input:?}");
        }
    }

    #[test]
    fn empty() {
        for input in ["", "   ", "\u{3000}", "\t\n"] {
            assert_eq!(kind(input), DateErrorKind::Empty, "{input:?}");
        }
        let e = parse_date(" ").unwrap_err();
        assert_eq!(e.input, " ");
        assert_eq!(
            e.problem(),
            Msg::new("日付が入力されていません", "no date was given")
        );
        assert!(e.fix().ja.contains("令和6年4月1日"));
        assert!(e.fix().en.contains("2024-04-01"));
    }

    #[test]
    fn unrecognised() {
        for input in [
            "abc",
            "2024-04",
            "2024/4-1",
            "2024.4/1",
            "2024-4-1日",
            "2024年4-1",
            "元年5月1日",
            "R元.5.1",
            "X6.4.1",
            "RR6.4.1",
            "令和",
            "2024 04 01",
            "202441",
            "2024-04-01-",
            "20 24-04-01",
            "R6.4.1 10:00",
            "4月1日",
        ] {
            assert_eq!(kind(input), DateErrorKind::Unrecognised, "{input:?}");
        }
        let e = parse_date("abc").unwrap_err();
        assert_eq!(e.problem().ja, "「abc」は日付として読み取れません");
        assert_eq!(
            e.problem().en,
            "\"abc\" is not a date in a form we can read"
        );
        assert!(e.fix().ja.contains("R6.4.1"));
        assert!(e.fix().en.contains("R6.4.1"));
        assert_eq!(e.to_string(), e.problem().en);
    }

    #[test]
    fn no_such_date() {
        let e = parse_date("令和2年2月30日").unwrap_err();
        assert_eq!(
            e.kind,
            DateErrorKind::NoSuchDate {
                year: 2020,
                month: 2,
                day: 30
            }
        );
        assert_eq!(e.problem().ja, "「令和2年2月30日」という日付は存在しません");
        assert_eq!(
            e.problem().en,
            "\"令和2年2月30日\" is not a date that exists"
        );
        assert_eq!(
            e.fix(),
            Msg::new("2020年2月は29日までです", "February 2020 has 29 days")
        );

        let e = parse_date("2023-02-29").unwrap_err();
        assert_eq!(
            e.fix(),
            Msg::new("2023年2月は28日までです", "February 2023 has 28 days")
        );

        let e = parse_date("2024/4/31").unwrap_err();
        assert_eq!(
            e.fix(),
            Msg::new("2024年4月は30日までです", "April 2024 has 30 days")
        );

        let e = parse_date("2024-01-00").unwrap_err();
        assert_eq!(
            e.fix(),
            Msg::new("2024年1月は31日までです", "January 2024 has 31 days")
        );

        let e = parse_date("2024-13-01").unwrap_err();
        assert_eq!(
            e.kind,
            DateErrorKind::NoSuchDate {
                year: 2024,
                month: 13,
                day: 1
            }
        );
        assert_eq!(
            e.fix(),
            Msg::new(
                "月は1から12の数で入力してください",
                "the month must be a number from 1 to 12"
            )
        );
        assert!(matches!(
            kind("20240230"),
            DateErrorKind::NoSuchDate { day: 30, .. }
        ));
        assert!(matches!(
            kind("R6.0.1"),
            DateErrorKind::NoSuchDate { month: 0, .. }
        ));
        assert!(matches!(
            kind("2024-1-99999999999"),
            DateErrorKind::NoSuchDate { day: u32::MAX, .. }
        ));
    }

    #[test]
    fn outside_era() {
        let table = [
            (
                "平成31年5月1日",
                Era::Heisei,
                31,
                "令和元年5月1日",
                "2019-05-01",
            ),
            (
                "令和1年4月30日",
                Era::Reiwa,
                1,
                "平成31年4月30日",
                "2019-04-30",
            ),
            (
                "昭和64年1月8日",
                Era::Showa,
                64,
                "平成元年1月8日",
                "1989-01-08",
            ),
            ("R1.1.1", Era::Reiwa, 1, "平成31年1月1日", "2019-01-01"),
            (
                "大正元年7月29日",
                Era::Taisho,
                1,
                "明治45年7月29日",
                "1912-07-29",
            ),
            ("S100.1.1", Era::Showa, 100, "令和7年1月1日", "2025-01-01"),
        ];
        for (input, era, year, suggestion, iso) in table {
            let e = parse_date(input).unwrap_err();
            assert_eq!(
                e.kind,
                DateErrorKind::OutsideEra {
                    era,
                    year,
                    suggestion: Some(suggestion.to_owned())
                },
                "{input:?}"
            );
            assert_eq!(e.fix().ja, format!("{suggestion} のことですか"));
            assert_eq!(e.fix().en, format!("did you mean {suggestion} ({iso})?"));
        }

        let e = parse_date("平成31年5月1日").unwrap_err();
        assert_eq!(e.fix().ja, "令和元年5月1日 のことですか");
        assert_eq!(e.fix().en, "did you mean 令和元年5月1日 (2019-05-01)?");
        assert_eq!(
            e.problem().ja,
            "「平成31年5月1日」は平成の期間外です(平成は1989-01-08から2019-04-30まで)"
        );
        assert_eq!(
            e.problem().en,
            "\"平成31年5月1日\" is not within the Heisei era (1989-01-08 to 2019-04-30)"
        );
        let e = parse_date("令和1年4月30日").unwrap_err();
        assert_eq!(
            e.problem().ja,
            "「令和1年4月30日」は令和の期間外です(令和は2019-05-01から)"
        );
        assert_eq!(
            e.problem().en,
            "\"令和1年4月30日\" is not within the Reiwa era (from 2019-05-01)"
        );
    }

    #[test]
    fn year_zero_of_an_era() {
        let e = parse_date("令和0年5月1日").unwrap_err();
        assert_eq!(
            e.kind,
            DateErrorKind::OutsideEra {
                era: Era::Reiwa,
                year: 0,
                suggestion: None
            }
        );
        assert_eq!(
            e.problem().ja,
            "「令和0年5月1日」: 令和0年という年はありません"
        );
        assert_eq!(
            e.problem().en,
            "\"令和0年5月1日\": there is no year 0 of the Reiwa era"
        );
        assert_eq!(e.fix().ja, "令和の最初の年は令和元年(1年)です");
        assert_eq!(
            e.fix().en,
            "the first year of the Reiwa era is 令和元年 (year 1)"
        );
    }

    #[test]
    fn out_of_range() {
        for input in [
            "1872-12-31",
            "明治5年12月2日",
            "M1.10.23",
            "2201-01-01",
            "22010101",
            "令和183年1月1日",
            "R99999999999.1.1",
            "99999999999-1-1",
            "24-4-1",
            "0000-01-01",
        ] {
            assert_eq!(kind(input), DateErrorKind::OutOfRange, "{input:?}");
        }
        assert_eq!(parse_date("1873-01-01"), Ok(d(1873, 1, 1)));
        assert_eq!(parse_date("2200-12-31"), Ok(d(2200, 12, 31)));
        assert_eq!(parse_date("令和182年12月31日"), Ok(d(2200, 12, 31)));

        let e = parse_date("1872-12-31").unwrap_err();
        assert_eq!(e.problem().ja, "「1872-12-31」は扱える期間の外の日付です");
        assert_eq!(
            e.problem().en,
            "\"1872-12-31\" is outside the supported range of dates"
        );
        assert!(e.fix().ja.contains("1873年1月1日"));
        assert!(e.fix().ja.contains("2200年12月31日"));
        assert!(e.fix().en.contains("1873-01-01"));
        assert!(e.fix().en.contains("2200-12-31"));
    }

    #[test]
    fn long_inputs_are_quoted_short() {
        let input = "x".repeat(100);
        let e = parse_date(&input).unwrap_err();
        assert_eq!(e.input, input);
        assert_eq!(
            e.problem().ja,
            format!("「{}…」は日付として読み取れません", "x".repeat(QUOTE_LIMIT))
        );
    }

    #[test]
    fn error_messages_survive_hand_built_kinds() {
        for kind in [
            DateErrorKind::NoSuchDate {
                year: i32::MAX,
                month: 2,
                day: 30,
            },
            DateErrorKind::NoSuchDate {
                year: 2024,
                month: u32::MAX,
                day: 0,
            },
            DateErrorKind::OutsideEra {
                era: Era::Meiji,
                year: 1,
                suggestion: Some("nonsense".to_owned()),
            },
        ] {
            let e = DateError {
                input: String::new(),
                kind,
            };
            assert!(!e.problem().ja.is_empty() && !e.fix().en.is_empty());
        }
    }

    /// Any date in the supported range.
    fn supported_date() -> impl Strategy<Value = NaiveDate> {
        let first = FIRST_DATE.num_days_from_ce();
        let last = LAST_DATE.num_days_from_ce();
        (first..=last).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    /// ASCII digits and punctuation in their full-width forms.
    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
                c => c,
            })
            .collect()
    }

    /// Everything [`Explain`] and [`fmt::Display`] produce for a result, so that a panic in
    /// them is found too.
    fn explain_all(result: &Result<NaiveDate, DateError>) {
        if let Err(e) = result {
            let _ = (e.problem(), e.fix(), e.to_string());
        }
    }

    proptest! {
        #[test]
        fn iso_round_trip(date in supported_date()) {
            prop_assert_eq!(parse_date(&format_iso(date)), Ok(date));
        }

        #[test]
        fn wareki_round_trip(date in supported_date()) {
            prop_assert_eq!(parse_date(&format_wareki(date)), Ok(date));
        }

        #[test]
        fn wareki_short_round_trip(date in supported_date()) {
            prop_assert_eq!(parse_date(&format_wareki_short(date)), Ok(date));
        }

        #[test]
        fn full_width_round_trip(date in supported_date()) {
            prop_assert_eq!(parse_date(&full_width(&format_wareki(date))), Ok(date));
            prop_assert_eq!(parse_date(&full_width(&format_wareki_short(date))), Ok(date));
            prop_assert_eq!(parse_date(&full_width(&format_iso(date))), Ok(date));
        }

        #[test]
        fn wareki_agrees_with_era_of(date in supported_date()) {
            let w = wareki(date).unwrap();
            prop_assert_eq!(Some(w.era), Era::of(date));
            prop_assert!(w.year >= 1);
            prop_assert!(date >= w.era.start());
        }

        #[test]
        fn never_panics_on_any_string(input in any::<String>()) {
            explain_all(&parse_date(&input));
        }

        #[test]
        fn never_panics_on_near_dates(
            input in "[0-9０-９MTSHRmtshr明大昭平令治正和成元年月日./\\-ー ]{0,16}"
        ) {
            let result = parse_date(&input);
            explain_all(&result);
            if let Ok(date) = result {
                prop_assert!((FIRST_DATE..=LAST_DATE).contains(&date));
            }
        }
    }
}
