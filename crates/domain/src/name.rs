//! Names and contact details.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ValueError, normalize};
use crate::text::Msg;

/// A non-empty name or label of at most 200 characters, NFKC-normalised, with no control
/// characters (facility names, university names, area names, a person's name in kanji).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = collapse_spaces(&normalize(input));
        if s.is_empty() || s.chars().count() > Self::MAX_CHARS || s.chars().any(char::is_control) {
            return Err(ValueError::new(
                input,
                Msg::new(
                    format!("名称「{input}」が空か、長すぎるか、制御文字を含んでいます"),
                    format!("the name '{input}' is empty, too long or contains control characters"),
                ),
                Msg::new(
                    format!("1〜{}文字で入力してください", Self::MAX_CHARS),
                    format!("give 1 to {} characters", Self::MAX_CHARS),
                ),
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name in katakana (フリガナ). Hiragana is converted to katakana; spaces are allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kana(String);

impl Kana {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s: String = collapse_spaces(&normalize(input))
            .chars()
            .map(|c| match c {
                // Hiragana ぁ..ゖ and ゝゞ map to katakana by a fixed offset.
                '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => {
                    char::from_u32(c as u32 + 0x60).unwrap_or(c)
                }
                c => c,
            })
            .collect();
        let ok = !s.is_empty()
            && s.chars().count() <= 100
            && s.chars()
                .all(|c| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | 'ヽ' | 'ヾ' | ' '));
        if !ok {
            return Err(ValueError::new(
                input,
                Msg::new(
                    format!("フリガナ「{input}」にカタカナ・ひらがな以外の文字があります"),
                    format!("the kana reading '{input}' has characters other than kana"),
                ),
                Msg::new(
                    "フリガナはカタカナまたはひらがなで入力してください（例: イワテ タロウ）",
                    "write the reading in katakana or hiragana (e.g. イワテ タロウ)",
                ),
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address: one `@`, a dotted domain, no spaces. (Deliverability is not checked.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        let ok = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && s.len() <= 254
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if ok {
            Ok(Self(s))
        } else {
            Err(ValueError::new(
                input,
                Msg::new(
                    format!("メールアドレス「{input}」の形式が正しくありません"),
                    format!("'{input}' is not an e-mail address"),
                ),
                Msg::new(
                    "name@example.jp の形式で入力してください",
                    "write it as name@example.jp",
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Japanese telephone number: 10 or 11 digits starting with 0, hyphens allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input).replace(['ー', '−', '‐'], "-");
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let ok = s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
            && digits.starts_with('0')
            && (10..=11).contains(&digits.len());
        if ok {
            Ok(Self(s))
        } else {
            Err(ValueError::new(
                input,
                Msg::new(
                    format!("電話番号「{input}」の形式が正しくありません"),
                    format!("'{input}' is not a Japanese telephone number"),
                ),
                Msg::new(
                    "0から始まる10桁または11桁で入力してください（例: 019-000-0000）",
                    "give 10 or 11 digits starting with 0 (e.g. 019-000-0000)",
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

macro_rules! text_codec {
    ($($t:ty),+) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $t {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                Self::parse(s)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    )+};
}
text_codec!(Name, Kana, Email, Phone);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert_eq!(
            Name::parse("  岩手医科大学附属病院 ").unwrap().as_str(),
            "岩手医科大学附属病院"
        );
        assert_eq!(Name::parse("岩手　太郎").unwrap().as_str(), "岩手 太郎");
        assert!(Name::parse("").is_err());
        assert!(Name::parse("a\u{7}b").is_err());
        assert!(Name::parse(&"長".repeat(201)).is_err());
    }

    #[test]
    fn kana() {
        assert_eq!(
            Kana::parse("いわて たろう").unwrap().as_str(),
            "イワテ タロウ"
        );
        assert_eq!(Kana::parse("ｲﾜﾃ ﾀﾛｳ").unwrap().as_str(), "イワテ タロウ");
        assert!(Kana::parse("岩手").is_err());
        assert!(Kana::parse("Iwate").is_err());
    }

    #[test]
    fn contacts() {
        assert!(Email::parse("taro@example.jp").is_ok());
        assert!(Email::parse("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").is_ok());
        for bad in [
            "taro",
            "@example.jp",
            "taro@example",
            "a b@example.jp",
            "a@b@c.jp",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Phone::parse("019-651-5111").is_ok());
        assert!(Phone::parse("０９０ー１２３４ー５６７８").is_ok());
        assert!(Phone::parse("12345").is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Name::parse(&s);
            let _ = Kana::parse(&s);
            let _ = Email::parse(&s);
            let _ = Phone::parse(&s);
        }
    }
}
