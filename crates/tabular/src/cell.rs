//! Cell values as files hold them, and their conversion to domain values.

use chiiki_domain::{
    Amount, AreaCode, AssignmentId, AssignmentKind, DoctorId, Email, EmergencyLevel, FacilityGroup,
    FacilityId, FacilityKind, Fte, Kana, LgCode, Msg, MunicipalityKind, NaiveDate, Name, Phone,
    PrefCode, ProgrammeId, RegisterStatus, SchemeId, Sex, Specialty, ValueError, WorkHourLevel,
};
use chiiki_domain::{format_iso, normalize, parse_count, parse_date};

/// The value of one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, also numbers and dates written as text (all of CSV).
    Text(String),
    /// A date cell of a workbook.
    Date(NaiveDate),
    /// A number cell of a workbook.
    Number(f64),
    /// A boolean cell of a workbook.
    Bool(bool),
    /// Nothing.
    Empty,
}

/// What a column holds; documents the column and chooses how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Text, codes and labels.
    Text,
    /// Dates.
    Date,
    /// Numbers.
    Number,
    /// Yes or no.
    Bool,
}

impl CellKind {
    /// The kind's name in Japanese and English, for documentation.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            CellKind::Text => ("文字", "text"),
            CellKind::Date => ("日付", "date"),
            CellKind::Number => ("数値", "number"),
            CellKind::Bool => ("真偽", "yes/no"),
        }
    }
}

impl Cell {
    /// A text cell, or an empty one for `None`.
    pub fn text<T: ToString>(value: Option<T>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    /// A date cell, or an empty one for `None`.
    pub fn date(value: Option<NaiveDate>) -> Cell {
        value.map_or(Cell::Empty, Cell::Date)
    }

    /// Whether the cell holds nothing.
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The value as text: dates in ISO 8601, whole numbers without a trailing `.0`, booleans
    /// as `1` and `0`.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Date(d) => format_iso(*d),
            Cell::Number(x) => format_number(*x),
            Cell::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
            Cell::Empty => String::new(),
        }
    }

    /// Normalises a cell as read: text is NFKC-normalised and trimmed, becomes empty when
    /// nothing is left, and loses the apostrophe that guards a formula-like value (see
    /// [`guard_formula`]).
    pub(crate) fn normalized(self) -> Cell {
        match self {
            Cell::Text(s) => {
                let s = normalize(&s);
                match unguard_formula(&s) {
                    Some(rest) => Cell::Text(rest.to_owned()),
                    _ if s.is_empty() => Cell::Empty,
                    _ => Cell::Text(s),
                }
            }
            Cell::Number(x) if !x.is_finite() => Cell::Text(x.to_string()),
            other => other,
        }
    }
}

/// Whether spreadsheet programs would take the text for a formula.
fn starts_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Whether the text starts like a formula once its leading apostrophes are set aside: such
/// text is written with one apostrophe more, and read with one fewer, so that text which
/// itself starts with an apostrophe (`'=x`) survives the round trip.
fn guarded_like_formula(s: &str) -> bool {
    starts_like_formula(s.trim_start_matches('\''))
}

/// Text written to a CSV file with an apostrophe in front when it starts like a formula,
/// so that Excel shows it instead of evaluating it (CSV injection); also when it starts
/// with apostrophes before a formula-like character. [`unguard_formula`] removes the
/// apostrophe again.
pub(crate) fn guard_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if guarded_like_formula(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The text without the apostrophe [`guard_formula`] put in front, if it has one.
pub(crate) fn unguard_formula(s: &str) -> Option<&str> {
    s.strip_prefix('\'')
        .filter(|rest| guarded_like_formula(rest))
}

/// A number as people write it: `301`, `0.5`, `202.9`.
pub(crate) fn format_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The date of an Excel serial number (1900 date system, with Excel's phantom 1900-02-29),
/// or `None` outside 1900–9999.
pub(crate) fn excel_serial_date(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    let serial = if is_1904 { serial + 1462.0 } else { serial };
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    // Serials before 60 count from 1899-12-31; from 61 on Excel counts a 1900-02-29 that
    // never was, so they count from 1899-12-30.
    let epoch = if days < 60 {
        (1899, 12, 31)
    } else {
        (1899, 12, 30)
    };
    NaiveDate::from_ymd_opt(epoch.0, epoch.1, epoch.2)?
        .checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// The width of a text in columns: CJK and other wide characters count double.
pub(crate) fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF => 2,
            0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// A value that can be read from a cell.
pub trait FromCell: Sized {
    /// Reads a non-empty, normalised cell.
    fn from_cell(cell: &Cell) -> Result<Self, ValueError>;
}

/// Implements [`FromCell`] through the cell's text and a parsing function.
macro_rules! from_text {
    ($($t:ty => $parse:expr),+ $(,)?) => {$(
        impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Result<Self, ValueError> {
                ($parse)(cell.to_text().as_str())
            }
        }
    )+};
}

from_text!(
    DoctorId => DoctorId::parse,
    FacilityId => FacilityId::parse,
    SchemeId => SchemeId::parse,
    ProgrammeId => ProgrammeId::parse,
    AssignmentId => AssignmentId::parse,
    Name => Name::parse,
    Kana => Kana::parse,
    Email => Email::parse,
    Phone => Phone::parse,
    PrefCode => PrefCode::parse,
    AreaCode => AreaCode::parse,
    LgCode => LgCode::parse,
    Sex => Sex::parse,
    Specialty => Specialty::parse,
    WorkHourLevel => WorkHourLevel::parse,
    RegisterStatus => RegisterStatus::parse,
    FacilityKind => FacilityKind::parse,
    EmergencyLevel => EmergencyLevel::parse,
    FacilityGroup => FacilityGroup::parse,
    AssignmentKind => AssignmentKind::parse,
    Fte => Fte::parse,
    Amount => Amount::parse,
    u32 => parse_count,
    String => |s: &str| Ok(s.to_owned()),
    MunicipalityKind => parse_municipality_kind,
    u8 => parse_small_count,
    f64 => parse_decimal,
);

impl FromCell for NaiveDate {
    /// Date cells, Excel serial numbers in cells without a date format, `20240401`, and
    /// every form [`parse_date`] reads (和暦 included).
    fn from_cell(cell: &Cell) -> Result<Self, ValueError> {
        let text = match cell {
            Cell::Date(d) => format_iso(*d),
            Cell::Number(x) if !(10_000_000.0..100_000_000.0).contains(x) => {
                excel_serial_date(*x, false).map_or_else(|| format_number(*x), format_iso)
            }
            other => other.to_text(),
        };
        // Dates from cells go through the parser too, for its range check and messages.
        parse_date(&text).map_err(ValueError::from)
    }
}

impl FromCell for bool {
    /// `1`/`0`, `true`/`false`, `yes`/`no`, `はい`/`いいえ`, `○`/`×` and the like.
    fn from_cell(cell: &Cell) -> Result<Self, ValueError> {
        if let Cell::Bool(b) = cell {
            return Ok(*b);
        }
        let text = cell.to_text();
        match text.to_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "はい" | "○" | "〇" | "◯" | "有" | "あり" => {
                Ok(true)
            }
            "0" | "false" | "no" | "n" | "いいえ" | "×" | "✕" | "無" | "なし" | "-" => {
                Ok(false)
            }
            _ => Err(ValueError::new(
                text.as_str(),
                Msg::new(
                    format!("「{text}」ははい・いいえとして読み取れません"),
                    format!("'{text}' is not a yes or no"),
                ),
                Msg::new(
                    "1 か 0、はい か いいえ、○ か × で入力してください",
                    "write 1 or 0, yes or no, true or false",
                ),
            )),
        }
    }
}

fn parse_municipality_kind(s: &str) -> Result<MunicipalityKind, ValueError> {
    let key = s.to_lowercase().replace([' ', '-'], "_");
    let by_label = match s {
        "市区町村" | "市町村" | "一般" => Some(MunicipalityKind::Municipality),
        "政令指定都市" | "政令市" | "指定都市" => {
            Some(MunicipalityKind::DesignatedCity)
        }
        "区" | "行政区" => Some(MunicipalityKind::Ward),
        _ => None,
    };
    by_label
        .or_else(|| MunicipalityKind::parse(&key))
        .ok_or_else(|| {
            ValueError::new(
                s,
                Msg::new(
                    format!("区分「{s}」は選択肢にありません"),
                    format!("'{s}' is not a known municipality kind"),
                ),
                Msg::new(
                    "municipality（市区町村）、designated_city（政令指定都市）、ward（区）のいずれかを入力してください",
                    "use one of: municipality, designated_city, ward",
                ),
            )
        })
}

fn parse_small_count(s: &str) -> Result<u8, ValueError> {
    let n = parse_count(s)?;
    u8::try_from(n).map_err(|_| {
        ValueError::new(
            s,
            Msg::new(
                format!("「{s}」は大きすぎます"),
                format!("'{s}' is too large"),
            ),
            Msg::new(
                "0から255までの整数を入力してください",
                "give a whole number from 0 to 255",
            ),
        )
    })
}

fn parse_decimal(s: &str) -> Result<f64, ValueError> {
    s.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            ValueError::new(
                s,
                Msg::new(
                    format!("「{s}」は数として読み取れません"),
                    format!("'{s}' is not a number"),
                ),
                Msg::new(
                    "半角または全角の数字で入力してください（例: 39.7）",
                    "give a number in decimal notation (e.g. 39.7)",
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `tests/robustness.rs`: text starting with an apostrophe before a
    /// formula-like character lost the apostrophe on a CSV round trip.
    #[test]
    fn regression_guard_round_trips_text_that_starts_with_an_apostrophe() {
        for text in ["'=x", "''-1", "'@a", "=1", "'a", "'", "a'=b"] {
            let written = guard_formula(text).into_owned();
            assert_eq!(
                Cell::Text(written.clone()).normalized(),
                Cell::Text(text.into()),
                "{text} written as {written}"
            );
        }
        assert_eq!(guard_formula("'=x"), "''=x");
        assert_eq!(guard_formula("'a"), "'a");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(Cell::Number(301.0).to_text(), "301");
        assert_eq!(Cell::Number(-0.0).to_text(), "0");
        assert_eq!(Cell::Number(0.5).to_text(), "0.5");
        assert_eq!(Cell::Number(202.9).to_text(), "202.9");
        assert_eq!(Cell::Number(1e20).to_text(), "100000000000000000000");
        assert_eq!(
            AreaCode::from_cell(&Cell::Number(301.0))
                .unwrap()
                .to_string(),
            "0301"
        );
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_date(1.0, false), Some(d(1900, 1, 1)));
        assert_eq!(excel_serial_date(59.0, false), Some(d(1900, 2, 28)));
        assert_eq!(excel_serial_date(61.0, false), Some(d(1900, 3, 1)));
        assert_eq!(excel_serial_date(45383.0, false), Some(d(2024, 4, 1)));
        assert_eq!(excel_serial_date(45383.75, false), Some(d(2024, 4, 1)));
        assert_eq!(excel_serial_date(43921.0, true), Some(d(2024, 4, 1)));
        for bad in [0.0, -1.0, 3e6, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(excel_serial_date(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn dates_from_cells() {
        let ok = [
            Cell::Date(d(2024, 4, 1)),
            Cell::Number(45383.0),
            Cell::Number(20240401.0),
            Cell::Text("令和6年4月1日".into()),
            Cell::Text("2024/4/1".into()),
        ];
        for cell in ok {
            assert_eq!(NaiveDate::from_cell(&cell), Ok(d(2024, 4, 1)), "{cell:?}");
        }
        assert!(NaiveDate::from_cell(&Cell::Date(d(1872, 1, 1))).is_err());
        assert!(NaiveDate::from_cell(&Cell::Number(-5.0)).is_err());
        assert!(NaiveDate::from_cell(&Cell::Bool(true)).is_err());
    }

    #[test]
    fn booleans() {
        for yes in ["1", "TRUE", "はい", "○", "Yes"] {
            assert!(bool::from_cell(&Cell::Text(yes.into())).unwrap(), "{yes}");
        }
        for no in ["0", "false", "いいえ", "×", "no"] {
            assert!(!bool::from_cell(&Cell::Text(no.into())).unwrap(), "{no}");
        }
        assert!(bool::from_cell(&Cell::Bool(true)).unwrap());
        let e = bool::from_cell(&Cell::Text("maybe".into())).unwrap_err();
        assert!(e.fix.ja.contains("はい") && e.fix.en.contains("yes"));
    }

    #[test]
    fn normalisation_and_formula_guard() {
        assert_eq!(
            Cell::Text("　０３０１ ".into()).normalized(),
            Cell::Text("0301".into())
        );
        assert_eq!(Cell::Text(" \u{3000}".into()).normalized(), Cell::Empty);
        assert_eq!(guard_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(guard_formula("岩手"), "岩手");
        assert_eq!(
            Cell::Text("'=SUM(A1)".into()).normalized(),
            Cell::Text("=SUM(A1)".into())
        );
        assert_eq!(
            Cell::Text("'quote".into()).normalized(),
            Cell::Text("'quote".into())
        );
    }

    #[test]
    fn widths_count_cjk_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("氏名"), 4);
        assert_eq!(display_width("ｲﾜﾃ"), 3);
    }

    #[test]
    fn municipality_kinds() {
        let kind = |s: &str| parse_municipality_kind(s).unwrap();
        assert_eq!(kind("ward"), MunicipalityKind::Ward);
        assert_eq!(kind("Designated city"), MunicipalityKind::DesignatedCity);
        assert_eq!(kind("政令指定都市"), MunicipalityKind::DesignatedCity);
        assert!(parse_municipality_kind("村").is_err());
    }
}
