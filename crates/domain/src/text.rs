//! Bilingual text: every message a user may see exists in Japanese and English.

use std::fmt;

/// A message in Japanese (the default language) and English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Msg {
    pub ja: String,
    pub en: String,
}

impl Msg {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ja: ja.into(),
            en: en.into(),
        }
    }

    /// The text in the given language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// A problem and its fix as one sentence per language: `problem — fix`.
    pub fn with_fix(&self, fix: &Msg) -> Msg {
        Msg::new(
            format!("{} — {}", self.ja, fix.ja),
            format!("{} — {}", self.en, fix.en),
        )
    }
}

impl fmt::Display for Msg {
    /// Both languages, Japanese first: the form used in terminal output and logs of errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.ja, self.en)
    }
}

/// The language of a user interface.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// Something a user did wrong, explained: what is wrong and how to fix it, in both languages.
pub trait Explain {
    /// What is wrong.
    fn problem(&self) -> Msg;
    /// How to fix it.
    fn fix(&self) -> Msg;
    /// What is wrong and how to fix it, as one message.
    fn said(&self) -> Msg {
        self.problem().with_fix(&self.fix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_both_languages() {
        let m = Msg::new("日付が不正です", "invalid date");
        assert_eq!(m.to_string(), "日付が不正です / invalid date");
        assert_eq!(m.get(Lang::En), "invalid date");
        assert_eq!(m.get(Lang::Ja), "日付が不正です");
    }
}
