//! Problems found while importing a file, located and explained in both languages.

use std::fmt;

use chiiki_domain::{Msg, ValueError};

/// Where a problem is: the file, and where known the sheet, row and column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file's name as the user knows it.
    pub file: String,
    /// The sheet of a workbook; `None` for CSV.
    pub sheet: Option<String>,
    /// The row, 1-based, as the spreadsheet shows it.
    pub row: Option<u64>,
    /// The column letter and its header, e.g. `C（氏名 / name）`.
    pub column: Option<String>,
}

impl fmt::Display for Location {
    /// `file:sheet:row:column`, leaving out the parts that are not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ":{sheet}")?;
        }
        if let Some(row) = self.row {
            write!(f, ":{row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// One problem of an import: where it is, the value concerned, what is wrong and how to fix
/// it, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {problem} — {fix}")]
pub struct ImportIssue {
    /// Where the problem is.
    pub location: Location,
    /// The cell's value as read (after normalisation), when one cell is concerned.
    pub value: Option<String>,
    /// What is wrong.
    pub problem: Msg,
    /// How to fix it.
    pub fix: Msg,
}

impl ImportIssue {
    /// An issue at `location` without a value.
    pub fn new(location: Location, problem: Msg, fix: Msg) -> Self {
        Self {
            location,
            value: None,
            problem,
            fix,
        }
    }

    /// An issue of a value that did not validate.
    pub fn from_value_error(location: Location, e: ValueError) -> Self {
        Self {
            location,
            value: Some(e.input),
            problem: e.problem,
            fix: e.fix,
        }
    }

    /// An issue of the whole file.
    pub(crate) fn file(file: &str, problem: Msg, fix: Msg) -> Self {
        Self::new(
            Location {
                file: file.to_owned(),
                ..Location::default()
            },
            problem,
            fix,
        )
    }
}

impl ImportIssue {
    /// The issue, placed in the sheet being read.
    pub(crate) fn in_sheet(mut self, source: &crate::row::Source) -> Self {
        self.location.sheet.clone_from(&source.sheet);
        self
    }
}

/// The issues of an import, capped at [`Issues::CAP`] so that a large file of garbage stays
/// bounded; the rest are counted and summed up in one last issue.
#[derive(Debug, Default)]
pub(crate) struct Issues {
    list: Vec<ImportIssue>,
    dropped: u64,
}

impl Issues {
    /// At most this many issues are kept.
    pub const CAP: usize = 1_000;

    pub fn push(&mut self, issue: ImportIssue) {
        if self.list.len() < Self::CAP {
            self.list.push(issue);
        } else {
            self.dropped += 1;
        }
    }

    /// The kept issues, followed by "and N more problems" if some were dropped.
    pub fn finish(mut self, file: &str) -> Vec<ImportIssue> {
        if self.dropped > 0 {
            let n = self.dropped;
            self.list.push(ImportIssue::file(
                file,
                Msg::new(
                    format!("ほかに{n}件の問題があります"),
                    format!("and {n} more problems"),
                ),
                Msg::new(
                    "上の問題を直してから、もう一度読み込んでください",
                    "fix the problems above and import the file again",
                ),
            ));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_both_languages() {
        let issue = ImportIssue::new(
            Location {
                file: "doctors.xlsx".into(),
                sheet: Some("医師".into()),
                row: Some(5),
                column: Some("C（氏名 / name）".into()),
            },
            Msg::new("問題", "problem"),
            Msg::new("直し方", "fix"),
        );
        assert_eq!(
            issue.to_string(),
            "doctors.xlsx:医師:5:C（氏名 / name）: 問題 / problem — 直し方 / fix"
        );
        let csv = ImportIssue::file("a.csv", Msg::new("p", "p"), Msg::new("f", "f"));
        assert_eq!(csv.to_string(), "a.csv: p / p — f / f");
    }

    #[test]
    fn issues_are_capped() {
        let mut issues = Issues::default();
        for _ in 0..Issues::CAP + 5 {
            issues.push(ImportIssue::file(
                "x",
                Msg::new("a", "a"),
                Msg::new("b", "b"),
            ));
        }
        let list = issues.finish("x.csv");
        assert_eq!(list.len(), Issues::CAP + 1);
        assert_eq!(list[Issues::CAP].problem.en, "and 5 more problems");
    }
}
