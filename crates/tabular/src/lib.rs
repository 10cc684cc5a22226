//! Reading and writing the CSV and Excel files of every entity of chiiki, with every
//! problem located (file, sheet, row, column) and explained in Japanese and English.
//!
//! * Reading accepts CSV and TSV in UTF-8 (with or without BOM), Shift_JIS (CP932) and
//!   UTF-16 with BOM, streamed with bounded memory; and workbooks: `.xlsx` (streamed cell
//!   by cell), `.xls`, `.xlsb`, `.ods`. The header row is found among the first 20 rows
//!   by its Japanese or English headers or their aliases, so title blocks above it are fine.
//! * Each row is decoded through the domain's validating parsers; all problems of a row are
//!   reported, not only the first, up to 1,000 per file.
//! * Writing produces CSV (UTF-8 with BOM, Japanese headers) or `.xlsx` (one sheet, frozen
//!   bold header, autofilter, real dates, codes as text), byte for byte deterministic, and
//!   what is written reads back as the same records.
//!
//! ```no_run
//! use chiiki_domain::Doctor;
//! use std::path::Path;
//!
//! let decoded = chiiki_tabular::read::<Doctor>(Path::new("医師.xlsx"), &mut |_, _| {})?;
//! for issue in &decoded.issues {
//!     eprintln!("{issue}");
//! }
//! let doctors: Vec<Doctor> = decoded.records.into_iter().map(|(_, d)| d).collect();
//! chiiki_tabular::write(Path::new("医師.csv"), &doctors, chiiki_tabular::Format::Csv)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// `ImportIssue` (about 200 bytes: a location and two bilingual messages) is the error of
// the public API by design; it is returned once per file, on a cold path.
#![allow(clippy::result_large_err)]
#![warn(missing_docs)]

mod book;
mod cell;
mod decode;
mod entities;
pub mod grid;
mod issue;
mod row;
mod text;
mod write;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chiiki_domain::{Lang, Msg, normalize};

pub use cell::{Cell, CellKind, FromCell};
pub use issue::{ImportIssue, Location};
pub use row::{Column, Row};
pub use write::{CsvStream, Sheet, sheet_to_csv, sheets_to_xlsx};

/// The kinds of records that have files: the domain's [`chiiki_domain::Entity`], so that
/// the whole workspace shares one type.
pub use chiiki_domain::Entity;

/// The entity a name stands for, as [`Entity::parse`] reads it (`doctors`, `doctor`,
/// `医師`…) and also `制度` for schemes; used to find an entity's sheet in a workbook.
pub fn entity_from_name(s: &str) -> Option<Entity> {
    Entity::parse(s).or_else(|| match normalize(s).as_str() {
        "制度" | "修学資金" => Some(Entity::Schemes),
        _ => None,
    })
}

/// An entity's columns in export order.
pub fn columns(entity: Entity) -> &'static [Column] {
    use chiiki_domain::{
        Assignment, Doctor, Facility, Municipality, Programme, Scheme, SecondaryArea,
    };
    match entity {
        Entity::Areas => SecondaryArea::columns(),
        Entity::Municipalities => Municipality::columns(),
        Entity::Facilities => Facility::columns(),
        Entity::Doctors => Doctor::columns(),
        Entity::Assignments => Assignment::columns(),
        Entity::Schemes => Scheme::columns(),
        Entity::Programmes => Programme::columns(),
    }
}

/// A domain record that has a file: its columns, and its decoding from and encoding to a
/// row of cells.
pub trait Record: Sized {
    /// The entity whose file this is.
    const ENTITY: Entity;

    /// The file's columns, in export order.
    fn columns() -> &'static [Column];

    /// The record of a row, or every problem of the row.
    fn decode(row: &Row<'_>) -> Result<Self, Vec<ImportIssue>>;

    /// One cell per column, in the order of [`Record::columns`].
    fn encode(&self) -> Vec<Cell>;

    /// The natural key (id or code) used to find duplicates and changes.
    fn key(&self) -> String;
}

/// The records of a file, with the rows they came from, and the problems of the rest.
#[derive(Debug, Clone)]
pub struct Decoded<T> {
    /// (row as the spreadsheet shows it, record).
    pub records: Vec<(u64, T)>,
    /// The problems of the rows that were not decoded, and duplicates.
    pub issues: Vec<ImportIssue>,
    /// The row of the header.
    pub header_row: u64,
    /// Data rows read, not counting empty rows.
    pub rows_read: u64,
}

/// What [`read_with`] reports once the records have been handed over.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The problems of the rows that were not decoded, and duplicates.
    pub issues: Vec<ImportIssue>,
    /// The row of the header.
    pub header_row: u64,
    /// Data rows read, not counting empty rows.
    pub rows_read: u64,
}

/// The formats files are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 with BOM.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl Format {
    /// The format a path's extension names: `.csv` or `.xlsx`.
    pub fn from_path(path: &Path) -> Option<Format> {
        match extension(&path.to_string_lossy()).as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file could not be created or written.
    #[error("ファイルを書き込めません / cannot write the file: {0}")]
    Io(#[from] io::Error),
    /// The CSV writer failed.
    #[error("CSV を書き込めません / cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The workbook writer failed.
    #[error("Excel ファイルを作れません / cannot make the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// More records than a sheet has rows.
    #[error(
        "{0}行は1シートに入りません。CSV で書き出してください / {0} rows do not fit on a sheet: write CSV instead"
    )]
    TooManyRows(usize),
    /// The path's extension names no format.
    #[error(
        "拡張子から形式がわかりません（.csv か .xlsx にしてください） / unknown format, use .csv or .xlsx: {0}"
    )]
    UnknownFormat(PathBuf),
}

/// Reads the records of a file: CSV/TSV or a workbook, by content and extension.
///
/// `progress` is called from time to time with the bytes read and the file's size.
/// `Err` means the file as a whole cannot be read (it is empty, in an unknown encoding or
/// format, has no header or no data rows, lacks a required column, or has merged header
/// cells); problems of single rows are in [`Decoded::issues`].
pub fn read<T: Record>(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Decoded<T>, ImportIssue> {
    let mut records = Vec::new();
    let summary = read_with(path, progress, &mut |row, record| {
        records.push((row, record))
    })?;
    Ok(Decoded::new(records, summary))
}

/// Like [`read`], handing each record to `sink` as it is decoded instead of collecting
/// them, so that a large file can be processed with bounded memory.
pub fn read_with<T: Record>(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(u64, T),
) -> Result<Summary, ImportIssue> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let total = std::fs::metadata(path)
        .map_err(|e| text::io_issue(&source(&name), &e))?
        .len();
    let open = || File::open(path).map(|f| BufReader::with_capacity(1 << 16, f));
    read_from(&name, total, &open, progress, sink)
}

/// Reads the records of a file held in memory (an upload); the format comes from the
/// content, and from the name's extension for TSV.
pub fn read_bytes<T: Record>(name: &str, bytes: &[u8]) -> Result<Decoded<T>, ImportIssue> {
    let mut records = Vec::new();
    let open = || Ok(Cursor::new(bytes));
    let summary = read_from(
        name,
        bytes.len() as u64,
        &open,
        &mut |_, _| {},
        &mut |row, r| {
            records.push((row, r));
        },
    )?;
    Ok(Decoded::new(records, summary))
}

impl<T> Decoded<T> {
    fn new(records: Vec<(u64, T)>, s: Summary) -> Self {
        Self {
            records,
            issues: s.issues,
            header_row: s.header_row,
            rows_read: s.rows_read,
        }
    }
}

fn source(name: &str) -> row::Source {
    row::Source {
        file: name.to_owned(),
        sheet: None,
    }
}

/// The lower-case extension of a file name.
fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// A reader that counts the bytes read, for progress reports.
struct Tracked<R> {
    inner: R,
    position: Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position.set(self.position.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Tracked<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let p = self.inner.seek(pos)?;
        self.position.set(p);
        Ok(p)
    }
}

fn read_from<T: Record, R: Read + Seek>(
    name: &str,
    total: u64,
    open: &dyn Fn() -> io::Result<R>,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(u64, T),
) -> Result<Summary, ImportIssue> {
    let src = source(name);
    let position = Rc::new(std::cell::Cell::new(0));
    let open_tracked = || -> Result<Tracked<R>, ImportIssue> {
        position.set(0);
        let inner = open().map_err(|e| text::io_issue(&src, &e))?;
        Ok(Tracked {
            inner,
            position: Rc::clone(&position),
        })
    };
    let mut magic = Vec::with_capacity(4);
    open_tracked()?
        .take(4)
        .read_to_end(&mut magic)
        .map_err(|e| text::io_issue(&src, &e))?;
    let ext = extension(name);
    let out = book::Output {
        position: &|| position.get(),
        total,
        progress,
        sink,
    };
    match magic.as_slice() {
        b"PK\x03\x04" => return book::read(name, true, &open_tracked, out),
        [0xD0, 0xCF, 0x11, 0xE0] => return book::read(name, false, &open_tracked, out),
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
    let mut rows = text::TextRows::open(
        open_tracked()?,
        src.clone(),
        matches!(ext.as_str(), "tsv" | "tab"),
    )?;
    let mut next = || rows.next_row();
    decode::decode(
        decode::Input {
            source: src.clone(),
            next: &mut next,
            merged: Vec::new(),
            position: out.position,
            total,
        },
        out.progress,
        out.sink,
    )
}

/// Writes records to a file in the given format.
pub fn write<T: Record>(path: &Path, records: &[T], format: Format) -> Result<(), WriteError> {
    match format {
        Format::Csv => {
            let mut out = BufWriter::new(File::create(path)?);
            write::csv(records, &mut out)?;
            out.flush()?;
        }
        Format::Xlsx => write::workbook(records)?.save(path)?,
    }
    Ok(())
}

/// Writes records to a file in the format its extension names (`.csv`, `.xlsx`).
pub fn write_path<T: Record>(path: &Path, records: &[T]) -> Result<(), WriteError> {
    let format = Format::from_path(path).ok_or_else(|| WriteError::UnknownFormat(path.into()))?;
    write(path, records, format)
}

/// The bytes of a file of the records in the given format (downloads in the browser).
pub fn write_bytes<T: Record>(records: &[T], format: Format) -> Result<Vec<u8>, WriteError> {
    match format {
        Format::Csv => {
            let mut out = Vec::new();
            write::csv(records, &mut out)?;
            Ok(out)
        }
        Format::Xlsx => Ok(write::workbook(records)?.save_to_buffer()?),
    }
}

/// A Markdown section per entity with a table of its columns: Japanese and English
/// header, accepted aliases, whether required, kind, and what to write.
pub fn columns_markdown() -> String {
    let escape = |s: &str| s.replace('|', "\\|");
    let mut md = String::new();
    for entity in Entity::ALL {
        md.push_str(&format!(
            "### {} / {} (`{}`)\n\n",
            entity.label(Lang::Ja),
            entity.label(Lang::En),
            entity.code()
        ));
        md.push_str("| 見出し | header | 別名 / aliases | 必須 / required | 種類 / kind | 説明 | description |\n");
        md.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
        for c in columns(*entity) {
            let aliases: Vec<String> = c.aliases.iter().map(|a| format!("`{a}`")).collect();
            let (kind_ja, kind_en) = c.kind.label();
            md.push_str(&format!(
                "| {} | `{}` | {} | {} | {kind_ja} / {kind_en} | {} | {} |\n",
                escape(c.ja),
                c.key,
                escape(&aliases.join(", ")),
                if c.required { "✔" } else { "" },
                escape(c.help_ja),
                escape(c.help_en),
            ));
        }
        md.push('\n');
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::header_key;

    #[test]
    fn entity_names() {
        for e in Entity::ALL {
            assert_eq!(entity_from_name(e.code()), Some(*e));
            assert_eq!(entity_from_name(e.label(Lang::Ja)), Some(*e));
        }
        let names = [
            ("doctor", Entity::Doctors),
            (" Ｄｏｃｔｏｒｓ ", Entity::Doctors),
            ("医師", Entity::Doctors),
            ("facility", Entity::Facilities),
            ("医療機関", Entity::Facilities),
            ("assignments", Entity::Assignments),
            ("勤務", Entity::Assignments),
            ("areas", Entity::Areas),
            ("二次医療圏", Entity::Areas),
            ("municipalities", Entity::Municipalities),
            ("市区町村", Entity::Municipalities),
            ("schemes", Entity::Schemes),
            ("制度", Entity::Schemes),
        ];
        for (name, entity) in names {
            assert_eq!(entity_from_name(name), Some(entity), "{name}");
        }
        assert_eq!(entity_from_name("nurses"), None);
    }

    #[test]
    fn headers_name_one_column_each() {
        for entity in Entity::ALL {
            let cols = columns(*entity);
            assert!(cols.first().is_some_and(|c| c.required || c.key == "id"));
            for (i, column) in cols.iter().enumerate() {
                assert!(!column.help_ja.is_empty() && !column.help_en.is_empty());
                for name in column.names() {
                    let key = header_key(name);
                    let clash = cols
                        .iter()
                        .enumerate()
                        .find(|(j, c)| *j != i && c.matches(&key));
                    assert!(clash.is_none(), "{entity}: {name} names two columns");
                }
            }
        }
    }

    #[test]
    fn markdown_documents_every_column() {
        let md = columns_markdown();
        for entity in Entity::ALL {
            assert!(md.contains(&format!("(`{}`)", entity.code())));
            for c in columns(*entity) {
                assert!(
                    md.contains(&format!("| {} | `{}` |", c.ja, c.key)),
                    "{}",
                    c.key
                );
            }
        }
        assert!(
            md.contains("| 医師ID | `id` | `貸与者番号`, `doctor_id`, `番号` | ✔ | 文字 / text |")
        );
    }
}
