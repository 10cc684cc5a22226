//! Workbooks: `.xlsx` (streamed cell by cell), and `.xls`, `.xlsb` and `.ods` (read whole
//! through calamine's ranges).

use std::io::{Read, Seek};

use calamine::{Data, DataRef, Ods, Reader, Sheets, Xls, Xlsb, Xlsx};
use chiiki_domain::{Msg, NaiveDate};

use crate::cell::Cell;
use crate::decode::{self, Input, Merged, RawRow};
use crate::issue::ImportIssue;
use crate::row::Source;
use crate::{Entity, Record, Summary};

/// Columns beyond Excel's last (XFD) are ignored, so that a damaged file cannot make a row
/// take unbounded memory.
const MAX_COLUMNS: usize = 16_384;

/// How the pipeline reports progress and hands over records.
pub(crate) struct Output<'a, T> {
    pub position: &'a dyn Fn() -> u64,
    pub total: u64,
    pub progress: &'a mut dyn FnMut(u64, u64),
    pub sink: &'a mut dyn FnMut(u64, T),
}

/// Reads the entity's sheet of a workbook. `zip` tells a zip container (xlsx, xlsb, ods)
/// from an OLE one (xls); `open` opens the file afresh for each format tried.
pub(crate) fn read<T: Record, R: Read + Seek>(
    file: &str,
    zip: bool,
    open: &dyn Fn() -> Result<R, ImportIssue>,
    out: Output<'_, T>,
) -> Result<Summary, ImportIssue> {
    shielded(file, || read_book(file, zip, open, out))
}

/// Runs a workbook reader, making a panic inside the workbook parser the file's error
/// instead of the end of the process: a damaged upload must never take the server down.
/// Found by fuzzing (`fuzz/artifacts/tabular_grid/`): calamine 0.38.0 subtracts unchecked
/// in `xlsx::get_dimension`, so a sheet whose `<dimension ref="B2:A1">` is reversed panics
/// ("attempt to subtract with overflow") wherever overflow checks are on (debug and test
/// builds; release builds wrap and read on).
pub(crate) fn shielded<T>(
    file: &str,
    read: impl FnOnce() -> Result<T, ImportIssue>,
) -> Result<T, ImportIssue> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(ImportIssue::file(
            file,
            Msg::new(
                "Excel ファイルの中身が壊れていて読み取れません",
                "the workbook is damaged inside and cannot be read",
            ),
            Msg::new(
                "Excel で開けるか確認し、.xlsx か CSV で保存し直してください",
                "check that Excel opens it, and save it again as .xlsx or CSV",
            ),
        ))
    })
}

fn read_book<T: Record, R: Read + Seek>(
    file: &str,
    zip: bool,
    open: &dyn Fn() -> Result<R, ImportIssue>,
    out: Output<'_, T>,
) -> Result<Summary, ImportIssue> {
    if !zip {
        let book = Xls::new(open()?).map_err(|e| not_a_book(file, &e))?;
        return read_range(file, Sheets::Xls(book), out);
    }
    match Xlsx::new(open()?) {
        Ok(book) => read_xlsx(file, book, out),
        Err(e) => {
            if let Ok(book) = Ods::new(open()?) {
                return read_range(file, Sheets::Ods(book), out);
            }
            if let Ok(book) = Xlsb::new(open()?) {
                return read_range(file, Sheets::Xlsb(book), out);
            }
            Err(not_a_book(file, &e))
        }
    }
}

/// The sheet named after the entity (`医師`, `doctors`…), or else the first sheet.
fn pick_sheet(file: &str, names: &[String], entity: Entity) -> Result<String, ImportIssue> {
    names
        .iter()
        .find(|n| crate::entity_from_name(n) == Some(entity))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| {
            ImportIssue::file(
                file,
                Msg::new("ブックにシートがありません", "the workbook has no sheets"),
                Msg::new(
                    "データの入ったシートのあるファイルを選んでください",
                    "choose a workbook with a sheet of data",
                ),
            )
        })
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

fn sheet_issue(source: &Source, e: &dyn std::fmt::Display) -> ImportIssue {
    not_a_book(&source.file, e).in_sheet(source)
}

fn merged(regions: Vec<calamine::Dimensions>) -> Vec<Merged> {
    regions
        .into_iter()
        .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
        .collect()
}

/// Decodes the rows a sheet reader hands out, with the sheet's merged regions.
fn decode_sheet<T: Record>(
    source: Source,
    next: &mut dyn FnMut() -> Result<Option<RawRow>, ImportIssue>,
    regions: Vec<calamine::Dimensions>,
    out: Output<'_, T>,
) -> Result<Summary, ImportIssue> {
    decode::decode(
        Input {
            source,
            next,
            merged: merged(regions),
            position: out.position,
            total: out.total,
        },
        out.progress,
        out.sink,
    )
}

/// Streams the cells of an `.xlsx` sheet, which arrive row by row.
fn read_xlsx<T: Record, R: Read + Seek>(
    file: &str,
    mut book: Xlsx<R>,
    out: Output<'_, T>,
) -> Result<Summary, ImportIssue> {
    let name = pick_sheet(file, &book.sheet_names(), T::ENTITY)?;
    let source = Source {
        file: file.to_owned(),
        sheet: Some(name.clone()),
    };
    let regions = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| sheet_issue(&source, &e))?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| sheet_issue(&source, &e))?;
    let mut pending: Option<(u32, usize, Cell)> = None;
    let mut done = false;
    let mut next = || -> Result<Option<RawRow>, ImportIssue> {
        let mut row: Option<RawRow> = None;
        loop {
            let item = match pending.take() {
                Some(item) => Some(item),
                None if done => None,
                None => match cells.next_cell() {
                    Ok(Some(c)) => {
                        let (r, col) = c.get_position();
                        Some((r, col as usize, from_ref(c.get_value())))
                    }
                    Ok(None) => {
                        done = true;
                        None
                    }
                    Err(e) => return Err(sheet_issue(&source, &e)),
                },
            };
            let Some((r, col, value)) = item else {
                return Ok(row);
            };
            let number = u64::from(r) + 1;
            let current = row.get_or_insert_with(|| RawRow {
                number,
                cells: Vec::new(),
            });
            if current.number != number {
                pending = Some((r, col, value));
                return Ok(row);
            }
            place(&mut current.cells, col, value);
        }
    };
    decode_sheet(source.clone(), &mut next, regions, out)
}

fn place(cells: &mut Vec<Cell>, col: usize, value: Cell) {
    if col < MAX_COLUMNS {
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = value;
    }
}

/// Reads a sheet of the other formats through a range.
fn read_range<T: Record, R: Read + Seek>(
    file: &str,
    mut book: Sheets<R>,
    out: Output<'_, T>,
) -> Result<Summary, ImportIssue> {
    let name = pick_sheet(file, &book.sheet_names(), T::ENTITY)?;
    let source = Source {
        file: file.to_owned(),
        sheet: Some(name.clone()),
    };
    let regions = match &book {
        Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| sheet_issue(&source, &e))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows().enumerate();
    let mut next = || -> Result<Option<RawRow>, ImportIssue> {
        Ok(rows.next().map(|(i, row)| {
            let mut cells = vec![Cell::Empty; (left as usize).min(MAX_COLUMNS)];
            for (j, value) in row.iter().enumerate() {
                place(&mut cells, left as usize + j, from_data(value));
            }
            RawRow {
                number: u64::from(top) + i as u64 + 1,
                cells,
            }
        }))
    };
    decode_sheet(source.clone(), &mut next, regions, out)
}

/// The date of an Excel date cell, if it is a valid calendar date.
fn excel_date(dt: &calamine::ExcelDateTime) -> Option<NaiveDate> {
    if !dt.is_datetime() || !dt.as_f64().is_finite() || dt.as_f64() < 1.0 {
        return None;
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
}

/// An ISO 8601 date or date-time (ODS date cells).
fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// A streamed cell of a workbook as a [`Cell`] (also for `grid`).
pub(crate) fn from_ref(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(x) => Cell::Number(*x),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => excel_date(dt).map_or(Cell::Number(dt.as_f64()), Cell::Date),
        DataRef::DateTimeIso(s) => iso_date(s).map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(e.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

/// A cell of a workbook's range as a [`Cell`] (also for `grid`).
pub(crate) fn from_data(value: &Data) -> Cell {
    match value {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(x) => Cell::Number(*x),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_date(dt).map_or(Cell::Number(dt.as_f64()), Cell::Date),
        Data::DateTimeIso(s) => iso_date(s).map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(e.to_string()),
        Data::Empty => Cell::Empty,
    }
}
