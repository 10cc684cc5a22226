//! Raw grids: every sheet of a workbook (`.xlsx`, `.xls`, `.xlsb`, `.ods`) or the one sheet
//! of a CSV/TSV file, as rows of cells exactly as the file holds them — no header search,
//! no normalisation — for codecs that read their own header (see `chiiki_app::docsheet`).
//!
//! Bounded: columns beyond Excel's last (XFD, 16,384) are ignored, and a sheet of more
//! than [`MAX_GRID_ROWS`] rows or [`MAX_GRID_CELLS`] cells is refused.

use std::io::{Cursor, Read, Seek};

use calamine::{Ods, Reader, Sheets, Xls, Xlsb, Xlsx};
use chiiki_domain::Msg;

use crate::book::{from_data, from_ref};
use crate::cell::Cell;
use crate::issue::ImportIssue;
use crate::row::Source;
use crate::text::TextRows;

/// Columns beyond Excel's last (XFD) are ignored.
pub const MAX_GRID_COLUMNS: usize = 16_384;
/// A sheet of more rows than this is refused.
pub const MAX_GRID_ROWS: u64 = 200_000;
/// A file of more cells (counting the empty cells before the last of each row) than this is
/// refused, so that a damaged file cannot take unbounded memory.
pub const MAX_GRID_CELLS: usize = 20_000_000;

/// One sheet of a file: its name (the file's name for CSV) and its rows; `rows[i]` is the
/// row the spreadsheet shows as `i + 1`, its cells from column A. Empty rows are kept as
/// empty vectors, so that row numbers stay those of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSheet {
    /// The sheet's tab name; for CSV the file's name.
    pub name: String,
    /// The rows, from row 1.
    pub rows: Vec<Vec<Cell>>,
}

/// The spreadsheet letter of a 0-based column: A, B, …, Z, AA, …
pub fn column_name(index: usize) -> String {
    crate::row::column_letter(index)
}

/// Reads every sheet of a file held in memory: a workbook (by its content) or else CSV/TSV
/// (UTF-8 with or without BOM, Shift_JIS, UTF-16 with BOM; tab-separated for `.tsv`/`.tab`
/// names or tab-looking content). CSV text cells lose the apostrophe that guards a
/// formula-like value ([`crate::sheet_to_csv`] adds it); nothing else is changed.
pub fn read_grid(name: &str, bytes: &[u8]) -> Result<Vec<GridSheet>, ImportIssue> {
    let ext = crate::extension(name);
    let mut budget = Budget::default();
    match bytes.get(..4) {
        // A panic of the workbook parser on damaged content is the file's error.
        Some(b"PK\x03\x04") => {
            return crate::book::shielded(name, || read_zip(name, bytes, &mut budget));
        }
        Some([0xD0, 0xCF, 0x11, 0xE0]) => {
            return crate::book::shielded(name, || {
                let book = Xls::new(Cursor::new(bytes)).map_err(|e| not_a_book(name, &e))?;
                read_ranges(name, Sheets::Xls(book), &mut budget)
            });
        }
        _ if matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => {
            return Err(ImportIssue::file(
                name,
                Msg::new(
                    format!("拡張子は .{ext} ですが、Excel のファイルではありません"),
                    format!("the name ends in .{ext} but the file is not a workbook"),
                ),
                Msg::new(
                    "Excel で開いて .xlsx か CSV で保存し直してください",
                    "open it in Excel and save it again as .xlsx or CSV",
                ),
            ));
        }
        _ => {}
    }
    let source = Source {
        file: name.to_owned(),
        sheet: None,
    };
    let mut rows = TextRows::open(
        Cursor::new(bytes),
        source,
        matches!(ext.as_str(), "tsv" | "tab"),
    )?;
    let mut grid = Vec::new();
    while let Some(raw) = rows.next_row()? {
        let cells = raw.cells.into_iter().map(unguard).collect();
        budget.put_row(name, None, &mut grid, raw.number, cells)?;
    }
    Ok(vec![GridSheet {
        name: name.to_owned(),
        rows: grid,
    }])
}

/// Text written with an apostrophe in front of a formula-like value (CSV injection guard)
/// loses it again.
fn unguard(cell: Cell) -> Cell {
    match cell {
        Cell::Text(s) => match crate::cell::unguard_formula(&s) {
            Some(rest) => Cell::Text(rest.to_owned()),
            None => Cell::Text(s),
        },
        other => other,
    }
}

/// The cells and rows read so far, against the limits.
#[derive(Default)]
struct Budget {
    cells: usize,
}

impl Budget {
    /// Places a row (1-based `number`) in `grid`, padding skipped rows with empty ones.
    fn put_row(
        &mut self,
        file: &str,
        sheet: Option<&str>,
        grid: &mut Vec<Vec<Cell>>,
        number: u64,
        mut cells: Vec<Cell>,
    ) -> Result<(), ImportIssue> {
        if number > MAX_GRID_ROWS {
            return Err(too_big(file, sheet, number));
        }
        cells.truncate(MAX_GRID_COLUMNS);
        self.cells += cells.len() + 1;
        if self.cells > MAX_GRID_CELLS {
            return Err(too_big(file, sheet, number));
        }
        let index = (number.max(1) - 1) as usize;
        if grid.len() < index {
            grid.resize(index, Vec::new());
        }
        if grid.len() == index {
            grid.push(cells);
        } else {
            // Never happens with ordered rows; keep the cells of both.
            for (j, c) in cells.into_iter().enumerate() {
                place(&mut grid[index], j, c);
            }
        }
        Ok(())
    }
}

fn too_big(file: &str, sheet: Option<&str>, row: u64) -> ImportIssue {
    let mut issue = ImportIssue::file(
        file,
        Msg::new(
            format!(
                "ファイルが大きすぎます（{MAX_GRID_ROWS}行・{MAX_GRID_CELLS}セルまで読み込めます）"
            ),
            format!(
                "the file is too large (at most {MAX_GRID_ROWS} rows and {MAX_GRID_CELLS} cells can be read)"
            ),
        ),
        Msg::new(
            "ファイルをいくつかに分けて、1つずつ読み込んでください",
            "split the file into smaller ones and import them one at a time",
        ),
    );
    issue.location.sheet = sheet.map(str::to_owned);
    issue.location.row = Some(row);
    issue
}

fn not_a_book(file: &str, e: &dyn std::fmt::Display) -> ImportIssue {
    ImportIssue::file(
        file,
        Msg::new(
            format!("Excel ファイルとして読み取れません（{e}）"),
            format!("the file cannot be read as a workbook ({e})"),
        ),
        Msg::new(
            "Excel で開けるか確認し、.xlsx か CSV で保存し直してください。パスワード付きのファイルは解除してください",
            "check that Excel opens it, and save it again as .xlsx or CSV; remove any password",
        ),
    )
}

fn sheet_issue(file: &str, sheet: &str, e: &dyn std::fmt::Display) -> ImportIssue {
    let mut issue = not_a_book(file, e);
    issue.location.sheet = Some(sheet.to_owned());
    issue
}

fn place(cells: &mut Vec<Cell>, col: usize, value: Cell) {
    if col < MAX_GRID_COLUMNS {
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = value;
    }
}

/// A zip container: `.xlsx` streamed cell by cell, else `.ods` or `.xlsb`.
fn read_zip(file: &str, bytes: &[u8], budget: &mut Budget) -> Result<Vec<GridSheet>, ImportIssue> {
    match Xlsx::new(Cursor::new(bytes)) {
        Ok(book) => read_xlsx(file, book, budget),
        Err(e) => {
            if let Ok(book) = Ods::new(Cursor::new(bytes)) {
                return read_ranges(file, Sheets::Ods(book), budget);
            }
            if let Ok(book) = Xlsb::new(Cursor::new(bytes)) {
                return read_ranges(file, Sheets::Xlsb(book), budget);
            }
            Err(not_a_book(file, &e))
        }
    }
}

fn read_xlsx<R: Read + Seek>(
    file: &str,
    mut book: Xlsx<R>,
    budget: &mut Budget,
) -> Result<Vec<GridSheet>, ImportIssue> {
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let mut cells = book
            .worksheet_cells_reader(&name)
            .map_err(|e| sheet_issue(file, &name, &e))?;
        let mut grid: Vec<Vec<Cell>> = Vec::new();
        let mut current: Option<(u64, Vec<Cell>)> = None;
        loop {
            let next = cells
                .next_cell()
                .map_err(|e| sheet_issue(file, &name, &e))?;
            let Some(c) = next else { break };
            let (r, col) = c.get_position();
            let number = u64::from(r) + 1;
            let value = from_ref(c.get_value());
            match &mut current {
                Some((n, row)) if *n == number => place(row, col as usize, value),
                _ => {
                    if let Some((n, row)) = current.take() {
                        budget.put_row(file, Some(&name), &mut grid, n, row)?;
                    }
                    if number > MAX_GRID_ROWS {
                        return Err(too_big(file, Some(&name), number));
                    }
                    let mut row = Vec::new();
                    place(&mut row, col as usize, value);
                    current = Some((number, row));
                }
            }
        }
        if let Some((n, row)) = current.take() {
            budget.put_row(file, Some(&name), &mut grid, n, row)?;
        }
        sheets.push(GridSheet { name, rows: grid });
    }
    Ok(sheets)
}

/// The sheets of the other formats, through calamine's ranges.
fn read_ranges<R: Read + Seek>(
    file: &str,
    mut book: Sheets<R>,
    budget: &mut Budget,
) -> Result<Vec<GridSheet>, ImportIssue> {
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| sheet_issue(file, &name, &e))?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut grid = Vec::new();
        for (i, row) in range.rows().enumerate() {
            let number = u64::from(top) + i as u64 + 1;
            let mut cells = vec![Cell::Empty; (left as usize).min(MAX_GRID_COLUMNS)];
            for (j, value) in row.iter().enumerate() {
                place(&mut cells, left as usize + j, from_data(value));
            }
            while cells.last().is_some_and(Cell::is_empty) {
                cells.pop();
            }
            budget.put_row(file, Some(&name), &mut grid, number, cells)?;
        }
        sheets.push(GridSheet { name, rows: grid });
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sheet, sheet_to_csv, sheets_to_xlsx};
    use proptest::prelude::*;

    fn sample() -> Vec<Sheet> {
        vec![
            Sheet {
                name: "一".into(),
                headers: vec!["a".into(), "b".into()],
                rows: vec![
                    vec![Cell::Text("=1+1".into()), Cell::Number(2.5)],
                    vec![Cell::Bool(true), Cell::Empty],
                ],
            },
            Sheet {
                name: "二".into(),
                headers: vec!["x".into()],
                rows: vec![vec![Cell::Text(" 岩手 ".into())]],
            },
        ]
    }

    #[test]
    fn workbook_sheets_read_as_written() {
        let bytes = sheets_to_xlsx("t", &sample()).unwrap();
        let got = read_grid("t.xlsx", &bytes).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].name, "一");
        assert_eq!(
            got[0].rows,
            vec![
                vec![Cell::Text("a".into()), Cell::Text("b".into())],
                vec![Cell::Text("=1+1".into()), Cell::Number(2.5)],
                vec![Cell::Bool(true)],
            ]
        );
        assert_eq!(got[1].rows[1], vec![Cell::Text(" 岩手 ".into())]);
    }

    /// Found by `tests/robustness.rs` (`csv_sheets_read_back_as_the_same_grid`): a text
    /// cell holding a tab, written as CSV, was read back as tab-separated and split.
    #[test]
    fn regression_a_tab_in_a_csv_cell_keeps_the_file_csv() {
        for headers in [vec!["A"], vec!["a", "b"]] {
            let width = headers.len();
            let sheet = Sheet {
                name: "s".into(),
                headers: headers.iter().map(|h| h.to_string()).collect(),
                rows: vec![
                    vec![Cell::Text("\t".into()); width],
                    vec![Cell::Text("x\ty\tz\tw".into()); width],
                ],
            };
            let got = read_grid("s.csv", &sheet_to_csv(&sheet).unwrap()).unwrap();
            assert_eq!(got[0].rows[1], vec![Cell::Text("\t".into()); width]);
            assert_eq!(got[0].rows[2], vec![Cell::Text("x\ty\tz\tw".into()); width]);
        }
        // Tabs inside quoted fields are text, not delimiters, whoever wrote the file.
        let got = read_grid("u.csv", b"a,b\n\"x\ty\tz\tw\",c\n").unwrap();
        assert_eq!(
            got[0].rows[1],
            vec![Cell::Text("x\ty\tz\tw".into()), Cell::Text("c".into())]
        );
        // A quote inside an unquoted field opens nothing: this is still tab-separated.
        let got = read_grid("u.txt", b"a\tb\n5'11\"\t6\"\n").unwrap();
        assert_eq!(
            got[0].rows[1],
            vec![Cell::Text("5'11\"".into()), Cell::Text("6\"".into())]
        );
    }

    /// Found by `tests/robustness.rs` (`csv_sheets_read_back_as_the_same_grid`): text that
    /// itself started with an apostrophe before a formula-like character (`'\t`, `'=x`)
    /// was written unguarded and lost its apostrophe when read back.
    #[test]
    fn regression_text_with_an_apostrophe_before_a_formula_character() {
        let texts = ["'\t", "'=x", "''-1", "'", "'a", "=1", "''"];
        let sheet = Sheet {
            name: "s".into(),
            headers: vec!["'\t".into(), "b".into()],
            rows: texts
                .iter()
                .map(|t| vec![Cell::Text((*t).into()), Cell::Text("x".into())])
                .collect(),
        };
        let got = read_grid("s.csv", &sheet_to_csv(&sheet).unwrap()).unwrap();
        assert_eq!(got[0].rows[0][0], Cell::Text("'\t".into()));
        for (k, t) in texts.iter().enumerate() {
            assert_eq!(got[0].rows[k + 1][0], Cell::Text((*t).into()), "{t}");
        }
    }

    /// Found by fuzzing (`fuzz/fuzz_targets/tabular_grid.rs`, kept as
    /// `tests/fuzz-regressions/reversed-dimension.xlsx`; `dimension-d3-a1.xlsx` is a clean
    /// workbook whose first sheet says `<dimension ref="D3:A1"/>`): calamine panicked
    /// (u32 underflow in `get_dimension`) where overflow checks are on. Now the file is
    /// refused as a damaged workbook, or read where the parser does not panic; for the
    /// record reader too.
    #[test]
    fn regression_a_reversed_sheet_dimension_is_no_panic() {
        let files: [(&str, &[u8]); 2] = [
            (
                "reversed-dimension.xlsx",
                include_bytes!("../tests/fuzz-regressions/reversed-dimension.xlsx"),
            ),
            (
                "dimension-d3-a1.xlsx",
                include_bytes!("../tests/fuzz-regressions/dimension-d3-a1.xlsx"),
            ),
        ];
        for (name, bytes) in files {
            match read_grid(name, bytes) {
                Ok(sheets) => assert!(!sheets.is_empty()),
                Err(e) => {
                    assert!(e.problem.en.contains("workbook"), "{e}");
                    assert!(e.fix.en.contains("save it again"), "{e}");
                    assert_eq!(e.location.file, name);
                }
            }
            if let Err(e) = crate::read_bytes::<chiiki_domain::Doctor>(name, bytes) {
                assert_eq!(e.location.file, name, "{e}");
            }
        }
        if cfg!(debug_assertions) {
            let e = read_grid("d.xlsx", files[1].1).unwrap_err();
            assert!(e.problem.en.contains("damaged inside"), "{e}");
        }
    }

    #[test]
    fn csv_reads_raw_with_guards_removed_and_rows_numbered() {
        let bytes = sheet_to_csv(&sample()[0]).unwrap();
        let got = read_grid("t.csv", &bytes).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].rows[1][0], Cell::Text("=1+1".into()));
        assert_eq!(got[0].rows[2][0], Cell::Text("1".into()));
        let got = read_grid("u.csv", b"a,b\n\n c ,d\n").unwrap();
        assert_eq!(got[0].rows.len(), 3);
        assert_eq!(got[0].rows[2][0], Cell::Text(" c ".into()));
    }

    #[test]
    fn too_many_rows_are_refused_in_both_languages() {
        let text = "a\n".repeat(MAX_GRID_ROWS as usize + 1);
        let e = read_grid("big.csv", text.as_bytes()).unwrap_err();
        assert!(e.problem.ja.contains("大きすぎます"), "{e}");
        assert!(e.problem.en.contains("too large"), "{e}");
        let e = read_grid("fake.xlsx", b"hello").unwrap_err();
        assert!(e.problem.en.contains("not a workbook"), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048),
                                    ext in prop::sample::select(vec!["a.csv", "a.xlsx", "a.tsv", "a.ods", "a"])) {
            let _ = read_grid(ext, &bytes);
            let mut zip = b"PK\x03\x04".to_vec();
            zip.extend_from_slice(&bytes);
            let _ = read_grid(ext, &zip);
            let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0];
            ole.extend_from_slice(&bytes);
            let _ = read_grid(ext, &ole);
        }

        #[test]
        fn damaged_workbooks_never_panic(cut in 0usize..4000, flip in any::<u8>(), at in 0usize..4000) {
            let mut bytes = sheets_to_xlsx("t", &sample()).unwrap();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= flip;
            }
            bytes.truncate(cut.max(4).min(bytes.len()));
            let _ = read_grid("t.xlsx", &bytes);
        }
    }
}
