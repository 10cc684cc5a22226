//! The error of a value that does not validate.

use crate::text::{Explain, Msg};

/// A value from the outside world that is not valid: what was given, what is wrong with it
/// and how to fix it, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", self.problem.en, self.input)]
pub struct ValueError {
    /// The input as it was given.
    pub input: String,
    pub problem: Msg,
    pub fix: Msg,
}

impl ValueError {
    pub fn new(input: impl Into<String>, problem: Msg, fix: Msg) -> Self {
        Self {
            input: input.into(),
            problem,
            fix,
        }
    }
}

impl Explain for ValueError {
    fn problem(&self) -> Msg {
        self.problem.clone()
    }
    fn fix(&self) -> Msg {
        self.fix.clone()
    }
}

impl From<crate::date::DateError> for ValueError {
    fn from(e: crate::date::DateError) -> Self {
        ValueError::new(e.input.clone(), e.problem(), e.fix())
    }
}

/// Trims and applies Unicode NFKC normalisation, so that full-width digits and letters,
/// half-width katakana and compatibility characters compare equal to their plain forms.
pub fn normalize(input: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let s: String = input.nfkc().collect();
    s.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_width_and_trims() {
        assert_eq!(normalize("　０３０１ "), "0301");
        assert_eq!(normalize("ｲﾜﾃ"), "イワテ");
        assert_eq!(normalize("ＡＢＣ"), "ABC");
    }
}
