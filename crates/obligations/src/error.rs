//! Errors of scheme files: which file, which key, what is wrong and how to fix it, in
//! Japanese and English.

use std::fmt;

use chiiki_domain::{Explain, Lang, Msg};

/// What kind of problem a scheme file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The bytes are not UTF-8 text.
    NotUtf8,
    /// Not valid TOML (a missing quote, a duplicate key…).
    Syntax,
    /// A key the format does not have (often a typo).
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// A value of the wrong type (text where a number belongs…).
    WrongType,
    /// A value of the right type that is not allowed (a negative cap, an unknown kind…).
    InvalidValue,
    /// Rules that cannot all hold (more designated years than obligation years…).
    Contradiction,
    /// Two files define the same version of a scheme.
    DuplicateVersion,
    /// Two versions of a scheme are in force on the same day.
    OverlappingVersions,
    /// A later version takes effect no later than an earlier one.
    VersionOrder,
}

/// One problem of one scheme file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemeError {
    /// The file, as the loader was told its name (e.g. `schemes/mie-late-training.toml`).
    pub file: String,
    /// The dotted key path (`rules.deadline.years_after_graduation`,
    /// `rules.suspensions[0].cap_years`); empty for the whole file.
    pub key: String,
    /// Line and column (from 1) when known.
    pub position: Option<(usize, usize)>,
    pub kind: ErrorKind,
    /// What is wrong, without the location.
    pub problem: Msg,
    /// How to fix it.
    pub fix: Msg,
}

impl SchemeError {
    pub(crate) fn new(
        file: &str,
        key: impl Into<String>,
        kind: ErrorKind,
        problem: Msg,
        fix: Msg,
    ) -> Self {
        Self {
            file: file.to_string(),
            key: key.into(),
            position: None,
            kind,
            problem,
            fix,
        }
    }

    /// `schemes/x.toml:12:1` or `schemes/x.toml`.
    pub fn location(&self) -> String {
        match self.position {
            Some((line, column)) => format!("{}:{line}:{column}", self.file),
            None => self.file.clone(),
        }
    }

    /// The whole message in one language: where, what, and how to fix it.
    pub fn message(&self, lang: Lang) -> String {
        let problem = self.problem().get(lang).to_string();
        match lang {
            Lang::Ja => format!("{problem}。対処: {}", self.fix.ja),
            Lang::En => format!("{problem}. Fix: {}", self.fix.en),
        }
    }
}

impl Explain for SchemeError {
    /// The problem with its location: file, line, key.
    fn problem(&self) -> Msg {
        let at = self.location();
        if self.key.is_empty() {
            Msg::new(
                format!("{at}: {}", self.problem.ja),
                format!("{at}: {}", self.problem.en),
            )
        } else {
            Msg::new(
                format!("{at}: キー「{}」: {}", self.key, self.problem.ja),
                format!("{at}: key `{}`: {}", self.key, self.problem.en),
            )
        }
    }
    fn fix(&self) -> Msg {
        self.fix.clone()
    }
}

impl fmt::Display for SchemeError {
    /// Both languages, Japanese first, on one line each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.message(Lang::Ja), self.message(Lang::En))
    }
}

/// Every problem found in one or more scheme files (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemeErrors(pub Vec<SchemeError>);

impl SchemeErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, SchemeError> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_inner(self) -> Vec<SchemeError> {
        self.0
    }
}

impl From<SchemeError> for SchemeErrors {
    fn from(e: SchemeError) -> Self {
        SchemeErrors(vec![e])
    }
}

impl<'a> IntoIterator for &'a SchemeErrors {
    type Item = &'a SchemeError;
    type IntoIter = std::slice::Iter<'a, SchemeError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for SchemeErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The problem and fix of a version whose `effective_until` is before its `effective_from`.
pub(crate) fn until_before_from(
    from: chiiki_domain::NaiveDate,
    until: chiiki_domain::NaiveDate,
) -> (Msg, Msg) {
    use chiiki_domain::format_iso;
    (
        Msg::new(
            format!(
                "適用終了日 {} が適用開始日 {} より前です",
                format_iso(until),
                format_iso(from)
            ),
            format!(
                "effective_until {} is before effective_from {}",
                format_iso(until),
                format_iso(from)
            ),
        ),
        Msg::new(
            "適用終了日は適用開始日以降の日付にしてください",
            "make effective_until on or after effective_from",
        ),
    )
}
