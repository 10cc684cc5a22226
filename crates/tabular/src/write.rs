//! Writing records: CSV (UTF-8 with BOM) and Excel workbooks.

use std::io::Write;

use chiiki_domain::{Lang, NaiveDate, format_iso};
use rust_xlsxwriter::{DocProperties, Format as XlsxFormat, Workbook};

use crate::cell::{Cell, display_width, format_number, guard_formula};
use crate::{Record, WriteError};

/// Writes a CSV file Excel opens as UTF-8: a BOM, the Japanese headers, CRLF line ends.
pub(crate) fn csv<T: Record>(records: &[T], out: impl Write) -> Result<(), WriteError> {
    let mut w = CsvStream::new(out, T::columns())?;
    for record in records {
        w.write_cells(&record.encode())?;
    }
    w.finish().map(|_| ())
}

/// A CSV file written row by row, so that a long list never sits in memory whole: the same
/// bytes as [`crate::write_bytes`] gives for the same rows.
pub struct CsvStream<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvStream<W> {
    /// Starts the file: the BOM and the Japanese headers of the columns.
    pub fn new(mut out: W, columns: &[crate::Column]) -> Result<Self, WriteError> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(columns.iter().map(|c| c.ja))?;
        Ok(Self { w })
    }

    /// One row: the cells of a record, as [`Record::encode`] gives them.
    pub fn write_cells(&mut self, cells: &[Cell]) -> Result<(), WriteError> {
        self.w.write_record(cells.iter().map(|cell| match cell {
            Cell::Text(s) => guard_formula(s).into_owned(),
            other => other.to_text(),
        }))?;
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.w.flush()?;
        self.w
            .into_inner()
            .map_err(|e| WriteError::Io(e.into_error()))
    }
}

/// The creation date written into every workbook, so that the same records always give
/// the same bytes.
const CREATED: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Builds a workbook of one sheet, named by the entity's Japanese label: see [`sheet`].
pub(crate) fn workbook<T: Record>(records: &[T]) -> Result<Workbook, WriteError> {
    let headers: Vec<&str> = T::columns().iter().map(|c| c.ja).collect();
    let mut book = new_workbook(T::ENTITY.label(Lang::Ja));
    // Each record is encoded as its row is written, not all of them first.
    let rows = records.iter().map(Record::encode);
    sheet(&mut book, T::ENTITY.label(Lang::Ja), &headers, rows)?;
    Ok(book)
}

/// One sheet of a [`sheets_to_xlsx`] workbook: its name, headers and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The sheet's tab name (at most 31 characters, no `[]:*?/\\`).
    pub name: String,
    /// The header row.
    pub headers: Vec<String>,
    /// The rows, each as many cells as headers.
    pub rows: Vec<Vec<Cell>>,
}

/// One sheet as a CSV file (UTF-8 with a BOM, CRLF, formulas guarded), as the register's
/// CSV files are written.
pub fn sheet_to_csv(sheet: &Sheet) -> Result<Vec<u8>, WriteError> {
    let mut out: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    // A tab outside quotes would make a reader take the file for tab-separated (one column
    // holding `a\tb` is indistinguishable from two columns): a sheet with a tab anywhere
    // has every field quoted.
    let has_tab = |s: &str| s.contains('\t');
    let tabs = sheet.headers.iter().any(|h| has_tab(h))
        || sheet
            .rows
            .iter()
            .flatten()
            .any(|c| matches!(c, Cell::Text(s) if has_tab(s)));
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(if tabs {
                csv::QuoteStyle::Always
            } else {
                csv::QuoteStyle::Necessary
            })
            .from_writer(&mut out);
        w.write_record(sheet.headers.iter().map(|h| guard_formula(h).into_owned()))?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(|cell| match cell {
                Cell::Text(s) => guard_formula(s).into_owned(),
                other => other.to_text(),
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// A workbook of several sheets, each laid out as [`sheet`] does; byte-deterministic.
pub fn sheets_to_xlsx(title: &str, sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    let mut book = new_workbook(title);
    for s in sheets {
        let headers: Vec<&str> = s.headers.iter().map(String::as_str).collect();
        sheet(&mut book, &s.name, &headers, &s.rows)?;
    }
    Ok(book.save_to_buffer()?)
}

fn new_workbook(title: &str) -> Workbook {
    let mut book = Workbook::new();
    let created = CREATED.and_hms_opt(0, 0, 0).unwrap_or_default();
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(title)
            .set_author("chiiki"),
    );
    book
}

/// Adds a sheet: a bold, frozen header row with an autofilter, dates as Excel dates
/// (yyyy-mm-dd), text as text cells formatted as text (so `0301` keeps its zero), and widths
/// fitted to the content.
fn sheet<R: AsRef<[Cell]>>(
    book: &mut Workbook,
    name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = R, IntoIter: ExactSizeIterator>,
) -> Result<(), WriteError> {
    let rows = rows.into_iter();
    let count = rows.len();
    if count >= 1_048_576 {
        return Err(WriteError::TooManyRows(count));
    }
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    let header = XlsxFormat::new().set_bold();
    let text = XlsxFormat::new().set_num_format("@");
    let date = XlsxFormat::new().set_num_format("yyyy-mm-dd");

    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for (j, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, *h, &header)?;
    }
    for (i, cells) in rows.enumerate() {
        let row = (i + 1) as u32;
        for (j, cell) in cells.as_ref().iter().enumerate() {
            let col = j as u16;
            let shown = match cell {
                Cell::Text(s) => {
                    sheet.write_string_with_format(row, col, s, &text)?;
                    display_width(s)
                }
                Cell::Date(d) => {
                    sheet.write_date_with_format(row, col, d, &date)?;
                    format_iso(*d).len()
                }
                Cell::Number(x) if x.is_finite() => {
                    sheet.write_number(row, col, *x)?;
                    format_number(*x).len()
                }
                // Never a NaN or infinite number in a cell: nothing instead.
                Cell::Number(_) => 0,
                Cell::Bool(b) => {
                    sheet.write_boolean(row, col, *b)?;
                    5
                }
                Cell::Empty => 0,
            };
            if let Some(w) = widths.get_mut(j) {
                *w = (*w).max(shown);
            }
        }
    }
    for (j, w) in widths.iter().enumerate() {
        sheet.set_column_width(j as u16, (w + 2).clamp(8, 60) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = count as u32;
    let last_col = headers.len().saturating_sub(1) as u16;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_writes_as_csv_with_bom_and_guarded_formulas() {
        let sheet = Sheet {
            name: "s".into(),
            headers: vec!["医師ID".into(), "年".into()],
            rows: vec![
                vec![Cell::Text("=SUM(A1)".into()), Cell::Number(2027.0)],
                vec![Cell::Text("D-1".into()), Cell::Empty],
            ],
        };
        let bytes = sheet_to_csv(&sheet).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "医師ID,年");
        assert_eq!(lines[1], "'=SUM(A1),2027");
        assert_eq!(lines[2], "D-1,");
    }
}
