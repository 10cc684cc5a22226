//! The reading pipeline shared by CSV and workbooks: finds the header row, maps columns,
//! decodes each row into a record and collects the issues.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chiiki_domain::Msg;

use crate::cell::Cell;
use crate::issue::{ImportIssue, Issues};
use crate::row::{Column, Row, Source, column_letter, header_key};
use crate::{Record, Summary};

/// The header is looked for in this many rows at the top of a sheet.
pub(crate) const HEADER_SEARCH_ROWS: u64 = 20;

/// A row as read: its number as the spreadsheet shows it, and its cells from column A.
pub(crate) struct RawRow {
    pub number: u64,
    pub cells: Vec<Cell>,
}

/// A merged region, 0-based and inclusive: (first row, first column, last row, last column).
pub(crate) type Merged = (u32, u32, u32, u32);

/// What the pipeline reads from.
pub(crate) struct Input<'a> {
    pub source: Source,
    /// The next row that has any cell, or `None` at the end.
    pub next: &'a mut dyn FnMut() -> Result<Option<RawRow>, ImportIssue>,
    /// Merged regions of the sheet.
    pub merged: Vec<Merged>,
    /// How many bytes of the file have been read so far.
    pub position: &'a dyn Fn() -> u64,
    /// The size of the file.
    pub total: u64,
}

/// Reads every record of `input`, handing each to `sink` with its row number.
pub(crate) fn decode<T: Record>(
    input: Input<'_>,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(u64, T),
) -> Result<Summary, ImportIssue> {
    let Input {
        source,
        next,
        merged,
        position,
        total,
    } = input;
    let columns = T::columns();
    progress(0, total);

    // The header: the first of the top rows that names enough required columns.
    let mut last_seen = None;
    let (header_row, positions) = loop {
        let Some(raw) = next()? else {
            return Err(match last_seen {
                None => ImportIssue::file(
                    &source.file,
                    Msg::new("ファイルが空です", "the file is empty"),
                    Msg::new(
                        "データの入ったファイルを選んでください",
                        "choose a file that has data in it",
                    ),
                )
                .in_sheet(&source),
                Some(last) => no_header(&source, columns, last),
            });
        };
        if raw.number > HEADER_SEARCH_ROWS {
            return Err(no_header(&source, columns, HEADER_SEARCH_ROWS));
        }
        let cells: Vec<Cell> = raw.cells.into_iter().map(Cell::normalized).collect();
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        last_seen = Some(raw.number);
        if looks_like_header(columns, &cells) {
            check_merged(&source, raw.number, &merged)?;
            break (
                raw.number,
                map_columns(&source, columns, raw.number, &cells)?,
            );
        }
    };

    let mut issues = Issues::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut rows_read = 0;
    let step = (total / 200).max(1 << 16);
    let mut reported = 0;
    while let Some(raw) = next()? {
        let cells: Vec<Cell> = raw.cells.into_iter().map(Cell::normalized).collect();
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        rows_read += 1;
        let row = Row {
            source: &source,
            number: raw.number,
            columns,
            positions: &positions,
            cells: &cells,
            issues: RefCell::new(Vec::new()),
        };
        match T::decode(&row) {
            Ok(record) => match seen.entry(record.key()) {
                Entry::Occupied(earlier) => {
                    let (key, first) = (earlier.key(), *earlier.get());
                    let mut issue = ImportIssue::new(
                        row.location(columns.first().map(|c| c.key)),
                        Msg::new(
                            format!("ID {key} は{first}行目にもあります"),
                            format!("ID {key} is already on row {first}"),
                        ),
                        Msg::new(
                            "同じIDの行を1つにまとめるか、この行に別のIDを付けてください",
                            "keep one row per ID, or give this row an ID of its own",
                        ),
                    );
                    issue.value = Some(key.clone());
                    issues.push(issue);
                }
                Entry::Vacant(slot) => {
                    slot.insert(raw.number);
                    sink(raw.number, record);
                }
            },
            Err(list) => list.into_iter().for_each(|i| issues.push(i)),
        }
        let pos = position();
        if pos >= reported + step {
            reported = pos;
            progress(pos, total);
        }
    }
    progress(total, total);
    if rows_read == 0 {
        return Err(ImportIssue::new(
            source.at(Some(header_row), None),
            Msg::new("データ行がありません", "the file has no data rows"),
            Msg::new(
                format!("見出し行（{header_row}行目）の下にデータを入力してください"),
                format!("add data rows below the header row (row {header_row})"),
            ),
        ));
    }
    Ok(Summary {
        issues: issues.finish(&source.file),
        header_row,
        rows_read,
    })
}

/// The required columns as a list: `医師ID（id）、氏名（name）` and `id (医師ID), name (氏名)`.
fn list_columns<'a>(columns: impl Iterator<Item = &'a Column> + Clone) -> (String, String) {
    let ja: Vec<String> = columns
        .clone()
        .map(|c| format!("{}（{}）", c.ja, c.key))
        .collect();
    let en: Vec<String> = columns.map(|c| format!("{} ({})", c.key, c.ja)).collect();
    (ja.join("、"), en.join(", "))
}

fn no_header(source: &Source, columns: &[Column], searched: u64) -> ImportIssue {
    let (ja, en) = list_columns(columns.iter().filter(|c| c.required));
    ImportIssue::file(
        &source.file,
        Msg::new(
            format!("1〜{searched}行目に見出し行が見つかりません"),
            format!("no header row was found in rows 1–{searched}"),
        ),
        Msg::new(
            format!("上から{HEADER_SEARCH_ROWS}行以内の1行に、必須の列の見出しを並べてください: {ja}"),
            format!(
                "put the headers of the required columns on one row within the first {HEADER_SEARCH_ROWS}: {en}"
            ),
        ),
    )
    .in_sheet(source)
}

/// Whether a row names at least half of the required columns.
fn looks_like_header(columns: &[Column], cells: &[Cell]) -> bool {
    let headers: Vec<String> = cells.iter().map(|c| header_key(&c.to_text())).collect();
    let required = columns.iter().filter(|c| c.required);
    let found = required
        .clone()
        .filter(|c| headers.iter().any(|h| c.matches(h)))
        .count();
    found > 0 && found * 2 >= required.count()
}

/// Fails when a merged region touches the header row.
fn check_merged(source: &Source, header_row: u64, merged: &[Merged]) -> Result<(), ImportIssue> {
    let row = header_row.saturating_sub(1);
    let ranges: Vec<String> = merged
        .iter()
        .filter(|(r0, _, r1, _)| u64::from(*r0) <= row && row <= u64::from(*r1))
        .map(|&(r0, c0, r1, c1)| {
            format!(
                "{}{}:{}{}",
                column_letter(c0 as usize),
                u64::from(r0) + 1,
                column_letter(c1 as usize),
                u64::from(r1) + 1
            )
        })
        .collect();
    if ranges.is_empty() {
        return Ok(());
    }
    let ranges = ranges.join(", ");
    Err(ImportIssue::new(
        source.at(Some(header_row), None),
        Msg::new(
            format!("見出し行に結合されたセルがあります: {ranges}"),
            format!("the header row has merged cells: {ranges}"),
        ),
        Msg::new(
            "セルの結合を解除し、列ごとに1つの見出しを付けてください",
            "unmerge the cells and give each column a header of its own",
        ),
    ))
}

/// For each column, the index of the header cell that names it.
fn map_columns(
    source: &Source,
    columns: &[Column],
    header_row: u64,
    cells: &[Cell],
) -> Result<Vec<Option<usize>>, ImportIssue> {
    let mut positions = vec![None; columns.len()];
    for (p, cell) in cells.iter().enumerate() {
        let header = header_key(&cell.to_text());
        let Some(i) = columns.iter().position(|c| c.matches(&header)) else {
            continue;
        };
        if let Some(first) = positions[i] {
            let (a, b) = (column_letter(first), column_letter(p));
            let label = columns[i].label();
            return Err(ImportIssue::new(
                source.at(Some(header_row), Some(format!("{b}（{label}）"))),
                Msg::new(
                    format!("{a}列と{b}列が同じ列（{label}）の見出しです"),
                    format!("columns {a} and {b} both have a header for {label}"),
                ),
                Msg::new(
                    "どちらかの列を削除するか、見出しを変えてください",
                    "delete one of the two columns or change its header",
                ),
            ));
        }
        positions[i] = Some(p);
    }
    let missing: Vec<&Column> = columns
        .iter()
        .zip(&positions)
        .filter(|(c, p)| c.required && p.is_none())
        .map(|(c, _)| c)
        .collect();
    if missing.is_empty() {
        return Ok(positions);
    }
    let (ja, en) = list_columns(missing.into_iter());
    let found: Vec<String> = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(p, c)| format!("{} {}", column_letter(p), c.to_text()))
        .collect();
    let found = found.join(", ");
    Err(ImportIssue::new(
        source.at(Some(header_row), None),
        Msg::new(
            format!("必須の列がありません: {ja}"),
            format!("required columns are missing: {en}"),
        ),
        Msg::new(
            format!("見出し行（{header_row}行目）にこの列を加えてください。今ある見出し: {found}"),
            format!(
                "add them to the header row (row {header_row}); the headers found are: {found}"
            ),
        ),
    ))
}
