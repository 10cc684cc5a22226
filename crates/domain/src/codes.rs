//! Codes: prefectures (JIS X 0401), secondary medical areas, municipalities
//! (全国地方公共団体コード) and the identifiers of registered records.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ValueError, normalize};
use crate::text::Msg;

/// The 47 prefectures in JIS X 0401 order: (Japanese name, English name).
pub const PREFECTURES: [(&str, &str); 47] = [
    ("北海道", "Hokkaido"),
    ("青森県", "Aomori"),
    ("岩手県", "Iwate"),
    ("宮城県", "Miyagi"),
    ("秋田県", "Akita"),
    ("山形県", "Yamagata"),
    ("福島県", "Fukushima"),
    ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"),
    ("群馬県", "Gunma"),
    ("埼玉県", "Saitama"),
    ("千葉県", "Chiba"),
    ("東京都", "Tokyo"),
    ("神奈川県", "Kanagawa"),
    ("新潟県", "Niigata"),
    ("富山県", "Toyama"),
    ("石川県", "Ishikawa"),
    ("福井県", "Fukui"),
    ("山梨県", "Yamanashi"),
    ("長野県", "Nagano"),
    ("岐阜県", "Gifu"),
    ("静岡県", "Shizuoka"),
    ("愛知県", "Aichi"),
    ("三重県", "Mie"),
    ("滋賀県", "Shiga"),
    ("京都府", "Kyoto"),
    ("大阪府", "Osaka"),
    ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"),
    ("和歌山県", "Wakayama"),
    ("鳥取県", "Tottori"),
    ("島根県", "Shimane"),
    ("岡山県", "Okayama"),
    ("広島県", "Hiroshima"),
    ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"),
    ("香川県", "Kagawa"),
    ("愛媛県", "Ehime"),
    ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"),
    ("佐賀県", "Saga"),
    ("長崎県", "Nagasaki"),
    ("熊本県", "Kumamoto"),
    ("大分県", "Oita"),
    ("宮崎県", "Miyazaki"),
    ("鹿児島県", "Kagoshima"),
    ("沖縄県", "Okinawa"),
];

/// Implements `Display`, `FromStr` and string (de)serialisation for a code type through
/// its `parse` and `as_string` methods.
macro_rules! string_codec {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_string())
            }
        }
        impl FromStr for $t {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                Self::parse(s)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_string())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// A prefecture code, 01 (北海道) to 47 (沖縄県).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrefCode(u8);

impl PrefCode {
    /// The prefecture of the given number, 1 to 47.
    pub fn new(n: u8) -> Result<Self, ValueError> {
        if (1..=47).contains(&n) {
            Ok(Self(n))
        } else {
            Err(Self::error(&n.to_string()))
        }
    }

    /// Parses a code (`3`, `03`, `０３`) or a prefecture name (`岩手県`, `岩手`, `Iwate`).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        if !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()) {
            let n: u8 = s.parse().map_err(|_| Self::error(input))?;
            return Self::new(n).map_err(|_| Self::error(input));
        }
        PREFECTURES
            .iter()
            .position(|(ja, en)| {
                *ja == s
                    || ja.trim_end_matches(['都', '府', '県']) == s
                    || en.eq_ignore_ascii_case(&s)
            })
            .map(|i| Self(i as u8 + 1))
            .ok_or_else(|| Self::error(input))
    }

    fn error(input: &str) -> ValueError {
        ValueError::new(
            input,
            Msg::new(
                format!("都道府県コード「{input}」は存在しません"),
                format!("'{input}' is not a prefecture code"),
            ),
            Msg::new(
                "01（北海道）から47（沖縄県）までの2桁のコード、または都道府県名を入力してください",
                "use a two-digit code from 01 (Hokkaido) to 47 (Okinawa), or the prefecture's name",
            ),
        )
    }

    pub fn number(self) -> u8 {
        self.0
    }
    pub fn name_ja(self) -> &'static str {
        PREFECTURES[self.0 as usize - 1].0
    }
    pub fn name_en(self) -> &'static str {
        PREFECTURES[self.0 as usize - 1].1
    }
    /// All 47 prefectures in order.
    pub fn all() -> impl Iterator<Item = PrefCode> {
        (1..=47).map(PrefCode)
    }
    fn as_string(&self) -> String {
        format!("{:02}", self.0)
    }
}
string_codec!(PrefCode);

/// A secondary medical area (二次医療圏) code: the prefecture's two digits and two more,
/// e.g. `0301` 盛岡.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(u16);

impl AreaCode {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        // Spreadsheets drop the leading zero of 0301.
        let s = if all_digits(&s, 3) {
            format!("0{s}")
        } else {
            s
        };
        if !all_digits(&s, 4) {
            return Err(Self::error(input));
        }
        let n: u16 = s.parse().map_err(|_| Self::error(input))?;
        let pref = (n / 100) as u8;
        if !(1..=47).contains(&pref) || n.is_multiple_of(100) {
            return Err(Self::error(input));
        }
        Ok(Self(n))
    }

    fn error(input: &str) -> ValueError {
        ValueError::new(
            input,
            Msg::new(
                format!("二次医療圏コード「{input}」の形式が正しくありません"),
                format!("'{input}' is not a secondary medical area code"),
            ),
            Msg::new(
                "都道府県コード2桁と圏域番号2桁の4桁で入力してください（例: 0301 盛岡）",
                "use four digits: the prefecture's two and the area's two (e.g. 0301 Morioka)",
            ),
        )
    }

    pub fn pref(self) -> PrefCode {
        PrefCode((self.0 / 100) as u8)
    }
    fn as_string(&self) -> String {
        format!("{:04}", self.0)
    }
}
string_codec!(AreaCode);

/// A municipality code (全国地方公共団体コード). Stored as its five digits; the sixth, the
/// check digit, is computed. Parsing a six-digit code verifies the check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LgCode(u32);

impl LgCode {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        // Spreadsheets drop the leading zero of 03201.
        let s = if all_digits(&s, 4) {
            format!("0{s}")
        } else {
            s
        };
        let five = if all_digits(&s, 6) {
            let expected = check_digit(&s[..5]);
            let given = (s.as_bytes()[5] - b'0') as u32;
            if expected != given {
                return Err(ValueError::new(
                    input,
                    Msg::new(
                        format!(
                            "市区町村コード「{input}」の検査数字が誤っています（正しくは{expected}）"
                        ),
                        format!(
                            "the check digit of municipality code '{input}' is wrong (it should be {expected})"
                        ),
                    ),
                    Msg::new(
                        format!(
                            "コードを確認してください。先頭5桁が正しければ {}{expected} です",
                            &s[..5]
                        ),
                        format!(
                            "check the code; if the first five digits are right it is {}{expected}",
                            &s[..5]
                        ),
                    ),
                ));
            }
            &s[..5]
        } else if all_digits(&s, 5) {
            &s[..]
        } else {
            return Err(Self::error(input));
        };
        let n: u32 = five.parse().map_err(|_| Self::error(input))?;
        let pref = n / 1000;
        if !(1..=47).contains(&pref) || n.is_multiple_of(1000) {
            return Err(Self::error(input));
        }
        Ok(Self(n))
    }

    fn error(input: &str) -> ValueError {
        ValueError::new(
            input,
            Msg::new(
                format!("市区町村コード「{input}」の形式が正しくありません"),
                format!("'{input}' is not a municipality code"),
            ),
            Msg::new(
                "全国地方公共団体コードを5桁（例: 03201）または検査数字付きの6桁（例: 032018）で入力してください",
                "use the five-digit local government code (e.g. 03201) or six digits with its check digit (e.g. 032018)",
            ),
        )
    }

    pub fn pref(self) -> PrefCode {
        PrefCode((self.0 / 1000) as u8)
    }
    /// The five-digit form, e.g. `03201`.
    pub fn code5(self) -> String {
        format!("{:05}", self.0)
    }
    /// The six-digit form with its check digit, e.g. `032018`.
    pub fn code6(self) -> String {
        let five = self.code5();
        let c = check_digit(&five);
        format!("{five}{c}")
    }
    fn as_string(&self) -> String {
        self.code5()
    }
}
string_codec!(LgCode);

/// The check digit of a five-digit local government code (総務省 告示): weights 6,5,4,3,2,
/// then the last digit of 11 minus the sum modulo 11.
fn check_digit(five: &str) -> u32 {
    let sum: u32 = five
        .bytes()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    (11 - sum % 11) % 10
}

/// Defines an identifier newtype for records: 1–40 characters from `A–Z a–z 0–9 - _ .`,
/// after NFKC normalisation (so full-width input is accepted).
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $ja:literal, $en:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<Self, ValueError> {
                let s = normalize(input);
                let ok = !s.is_empty()
                    && s.len() <= 40
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
                if ok {
                    Ok(Self(s))
                } else {
                    Err(ValueError::new(
                        input,
                        Msg::new(
                            format!("{}「{}」は使えません", $ja, input),
                            format!("'{}' is not a valid {}", input, $en),
                        ),
                        Msg::new(
                            "英数字・ハイフン・下線・ピリオドで1〜40文字にしてください（例: D-0001）",
                            "use 1 to 40 letters, digits, '-', '_' or '.' (e.g. D-0001)",
                        ),
                    ))
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            fn as_string(&self) -> String {
                self.0.clone()
            }
        }
        string_codec!($name);
    };
}

identifier!(
    /// The identifier of a doctor in the register (e.g. the prefecture's 貸与者番号).
    DoctorId, "医師ID", "doctor id"
);
identifier!(
    /// The identifier of a facility (e.g. the 病床機能報告 record id `R7-0301-14`).
    FacilityId, "医療機関ID", "facility id"
);
identifier!(
    /// The identifier of an obligation scheme (修学資金制度).
    SchemeId, "制度ID", "scheme id"
);
identifier!(
    /// The identifier of a training or career programme.
    ProgrammeId, "プログラムID", "programme id"
);
identifier!(
    /// The identifier of a regional medical alliance (地域医療連携推進法人): by convention
    /// the prefecture's two digits and a short romanised name in capitals, `12-TOKATSU-NANBU`
    /// (東葛南部メディカルアライアンス, Chiba); any identifier of 1–40 letters, digits, `-`, `_`
    /// or `.` is accepted.
    AllianceId, "連携推進法人ID", "alliance id"
);
identifier!(
    /// The identifier of an assignment.
    AssignmentId, "勤務ID", "assignment id"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Explain;
    use proptest::prelude::*;

    #[test]
    fn prefectures_parse_by_code_and_name() {
        assert_eq!(PrefCode::parse("03").unwrap().name_ja(), "岩手県");
        assert_eq!(PrefCode::parse("3").unwrap().to_string(), "03");
        assert_eq!(PrefCode::parse("岩手").unwrap().number(), 3);
        assert_eq!(PrefCode::parse("iwate").unwrap().number(), 3);
        assert_eq!(PrefCode::parse("東京都").unwrap().number(), 13);
        assert_eq!(PrefCode::parse("北海道").unwrap().number(), 1);
        assert_eq!(PrefCode::parse("４７").unwrap().name_en(), "Okinawa");
        for bad in ["0", "48", "00", "", "abc", "123"] {
            assert!(PrefCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(PrefCode::all().count(), 47);
    }

    #[test]
    fn area_codes() {
        let a = AreaCode::parse("0301").unwrap();
        assert_eq!(a.to_string(), "0301");
        assert_eq!(a.pref().name_ja(), "岩手県");
        assert_eq!(AreaCode::parse("301").unwrap(), a);
        assert_eq!(AreaCode::parse("０３０１").unwrap(), a);
        for bad in ["4801", "0300", "0001", "03011", "03a1", ""] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn municipality_codes_and_check_digits() {
        let m = LgCode::parse("032018").unwrap();
        assert_eq!(m.code5(), "03201");
        assert_eq!(m.code6(), "032018");
        assert_eq!(LgCode::parse("03201").unwrap(), m);
        assert_eq!(LgCode::parse("3201").unwrap(), m);
        assert_eq!(m.pref().number(), 3);
        // 札幌市 011002, 千代田区 131016, 那覇市 472018
        // 札幌市, 千代田区, 那覇市
        for c in ["011002", "131016", "472018"] {
            assert!(LgCode::parse(c).is_ok(), "{c}");
        }
        // 030007 is the prefecture of Iwate itself, not a municipality.
        assert!(LgCode::parse("030007").is_err());
        let e = LgCode::parse("032019").unwrap_err();
        assert!(e.problem().ja.contains("検査数字"), "{}", e.problem().ja);
        assert!(e.fix().en.contains("032018"));
        for bad in ["48201", "03000", "0320", "abcde", ""] {
            assert!(LgCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        assert_eq!(DoctorId::parse(" Ｄ－０００１").unwrap().as_str(), "D-0001");
        assert!(DoctorId::parse("").is_err());
        assert!(DoctorId::parse("a b").is_err());
        assert!(DoctorId::parse(&"x".repeat(41)).is_err());
        let id: FacilityId = serde_json::from_str("\"R7-0301-14\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"R7-0301-14\"");
        assert!(serde_json::from_str::<FacilityId>("\"?\"").is_err());
    }

    proptest! {
        #[test]
        fn six_digit_form_round_trips(n in 1u32..=47_999) {
            prop_assume!(n / 1000 >= 1 && n % 1000 != 0);
            let c = LgCode::parse(&format!("{n:05}")).unwrap();
            prop_assert_eq!(LgCode::parse(&c.code6()).unwrap(), c);
        }

        #[test]
        fn a_wrong_check_digit_is_always_caught(n in 1000u32..=47_999, wrong in 0u32..10) {
            prop_assume!(n % 1000 != 0);
            let c = LgCode::parse(&format!("{n:05}")).unwrap();
            let right = c.code6().as_bytes()[5] - b'0';
            prop_assume!(wrong != right as u32);
            let six = format!("{n:05}{wrong}");
            prop_assert!(LgCode::parse(&six).is_err());
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,12}") {
            let _ = PrefCode::parse(&s);
            let _ = AreaCode::parse(&s);
            let _ = LgCode::parse(&s);
            let _ = DoctorId::parse(&s);
        }
    }
}
