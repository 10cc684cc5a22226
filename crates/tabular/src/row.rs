//! Columns, header matching, and [`Row`]: the one decoding path shared by every entity.

use std::cell::RefCell;

use chiiki_domain::{Msg, ValueError};
use unicode_normalization::UnicodeNormalization;

use crate::cell::{Cell, CellKind, FromCell};
use crate::issue::{ImportIssue, Location};

/// One column of an entity's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The English snake_case header, also the column's name in code.
    pub key: &'static str,
    /// The Japanese header, written on export.
    pub ja: &'static str,
    /// Other headers accepted on import.
    pub aliases: &'static [&'static str],
    /// Whether every row must fill it in (and every file must have it).
    pub required: bool,
    /// What the column holds.
    pub kind: CellKind,
    /// What to write in the column, in Japanese.
    pub help_ja: &'static str,
    /// What to write in the column, in English.
    pub help_en: &'static str,
}

impl Column {
    /// Every header accepted for the column: key, Japanese header, aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        [self.key, self.ja]
            .into_iter()
            .chain(self.aliases.iter().copied())
    }

    /// Whether a header, already passed through [`header_key`], names this column.
    pub(crate) fn matches(&self, header: &str) -> bool {
        self.names().any(|name| header_key(name) == header)
    }

    /// `氏名 / name`.
    pub(crate) fn label(&self) -> String {
        format!("{} / {}", self.ja, self.key)
    }
}

/// A header reduced to what matters for matching: NFKC-normalised, lower case, without
/// spaces, underscores, hyphens and marks such as `(必須)` or `※`.
pub(crate) fn header_key(header: &str) -> String {
    const MARKS: [&str; 10] = [
        "(必須)",
        "【必須】",
        "[必須]",
        "<必須>",
        "(任意)",
        "【任意】",
        "[任意]",
        "(required)",
        "※",
        "*",
    ];
    let mut s: String = header
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .collect();
    loop {
        let before = s.len();
        for mark in MARKS {
            if let Some(rest) = s.strip_suffix(mark) {
                s = rest.to_owned();
            }
            if let Some(rest) = s.strip_prefix(mark) {
                s = rest.to_owned();
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// The spreadsheet letter of a 0-based column: A, B, …, Z, AA, …
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The file and sheet being read.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub file: String,
    pub sheet: Option<String>,
}

impl Source {
    pub fn at(&self, row: Option<u64>, column: Option<String>) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
            column,
        }
    }
}

/// One data row being decoded. Its accessors read a column by key, parse it with the
/// domain's validation and collect every problem, so that a record's `decode` reads as a
/// list of its fields and reports all problems of the row at once.
pub struct Row<'a> {
    pub(crate) source: &'a Source,
    pub(crate) number: u64,
    pub(crate) columns: &'static [Column],
    /// For each column, the index of its cell in the row, when the file has the column.
    pub(crate) positions: &'a [Option<usize>],
    pub(crate) cells: &'a [Cell],
    pub(crate) issues: RefCell<Vec<ImportIssue>>,
}

impl Row<'_> {
    /// The row's number as the spreadsheet shows it.
    pub fn number(&self) -> u64 {
        self.number
    }

    fn column(&self, key: &str) -> Option<(usize, &'static Column)> {
        let found = self.columns.iter().enumerate().find(|(_, c)| c.key == key);
        debug_assert!(found.is_some(), "no column {key}");
        found
    }

    /// The cell of a column; empty when the file does not have the column.
    pub fn cell(&self, key: &str) -> &Cell {
        self.column(key)
            .and_then(|(i, _)| self.positions.get(i).copied().flatten())
            .and_then(|p| self.cells.get(p))
            .unwrap_or(&Cell::Empty)
    }

    /// Whether the column has a value in this row.
    pub fn has(&self, key: &str) -> bool {
        !self.cell(key).is_empty()
    }

    /// Where a column of this row is: `C（氏名 / name）`, or the row alone for `None`.
    pub fn location(&self, key: Option<&str>) -> Location {
        let column = key.and_then(|k| self.column(k)).map(|(i, c)| {
            match self.positions.get(i).copied().flatten() {
                Some(p) => format!("{}（{}）", column_letter(p), c.label()),
                None => format!("（{}）", c.label()),
            }
        });
        self.source.at(Some(self.number), column)
    }

    /// A required value: `None`, with an issue, when it is empty or invalid.
    pub fn get<T: FromCell>(&self, key: &str) -> Option<T> {
        if !self.has(key) {
            if let Some((_, c)) = self.column(key) {
                self.missing(key, Msg::new(c.help_ja, c.help_en));
            }
            return None;
        }
        self.opt(key)
    }

    /// An optional value: `None` when empty, or, with an issue, when invalid.
    pub fn opt<T: FromCell>(&self, key: &str) -> Option<T> {
        let cell = self.cell(key);
        if cell.is_empty() {
            return None;
        }
        T::from_cell(cell)
            .map_err(|e| self.reject(Some(key), e))
            .ok()
    }

    /// Records that a required value is missing; `why` says what it is or why it is needed.
    pub fn missing(&self, key: &str, why: Msg) {
        let ja = self.column(key).map_or(key, |(_, c)| c.ja);
        self.report(
            Some(key),
            Msg::new(
                format!("{ja}が入力されていません"),
                format!("{key} ({ja}) is empty"),
            ),
            Msg::new(
                format!("{ja}を入力してください（{}）", why.ja),
                format!("fill in {key}: {}", why.en),
            ),
        );
    }

    /// Records a problem of a column (or of the row, for `None`).
    pub fn report(&self, key: Option<&str>, problem: Msg, fix: Msg) {
        let value = key.map(|k| self.cell(k)).filter(|c| !c.is_empty());
        let mut issue = ImportIssue::new(self.location(key), problem, fix);
        issue.value = value.map(Cell::to_text);
        self.issues.borrow_mut().push(issue);
    }

    /// Records a value that did not validate.
    pub fn reject(&self, key: Option<&str>, e: ValueError) {
        let issue = ImportIssue::from_value_error(self.location(key), e);
        self.issues.borrow_mut().push(issue);
    }

    /// Ends decoding: every problem found in the row, or else the record `build` makes.
    ///
    /// `build` returns `None` when a required field is missing (use `?` on the fields), and
    /// the checks of the record's constructor as its `Result`; a failure of those is an
    /// issue of column `key` (or of the whole row).
    pub fn finish<T>(
        &self,
        key: Option<&str>,
        build: impl FnOnce() -> Option<Result<T, ValueError>>,
    ) -> Result<T, Vec<ImportIssue>> {
        if self.issues.borrow().is_empty() {
            match build() {
                Some(Ok(record)) => return Ok(record),
                Some(Err(e)) => self.reject(key, e),
                None => self.report(
                    None,
                    Msg::new("行を読み取れません", "the row cannot be read"),
                    Msg::new("必須の列を確認してください", "check the required columns"),
                ),
            }
        }
        Err(self.issues.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        let cases = [
            (0, "A"),
            (2, "C"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (701, "ZZ"),
        ];
        for (i, l) in cases {
            assert_eq!(column_letter(i), l);
        }
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn headers_match_loosely() {
        assert_eq!(header_key(" 氏名(必須)"), "氏名");
        assert_eq!(header_key("※氏名"), "氏名");
        assert_eq!(header_key("氏名 ※"), "氏名");
        assert_eq!(header_key("氏名（必須）*"), "氏名");
        assert_eq!(header_key("Birth Date"), "birthdate");
        assert_eq!(header_key("birth_date"), "birthdate");
        assert_eq!(header_key("ＩＤ"), "id");
        assert_eq!(header_key("生年月日【必須】"), "生年月日");
    }
}
