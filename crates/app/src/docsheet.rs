//! Every list to a spreadsheet and back, exactly: a generic codec between a list of serde
//! records (documents of alliance operations and of the doctor bank, staff loans, equipment,
//! bookings, members…) and a sheet.
//!
//! Layout: row 1 names the columns (the records' top-level fields, in first-seen order), row
//! 2 gives each column's type, data from row 3. Types:
//!
//! | type | cell | empty cell |
//! | --- | --- | --- |
//! | `text` | the text; one leading `'` is doubled | `""` |
//! | `number` | a number (integers below 2⁵³ exactly, other numbers as their shortest exact form) | refused |
//! | `int` | an integer too large for a spreadsheet number, as text | refused |
//! | `bool` | TRUE / FALSE | refused |
//! | `json` | the value's JSON text (lists, objects, mixed columns, texts a file cannot hold exactly) | refused |
//!
//! A `?` after the type means an empty cell is `null`; a `*` that the field is left out.
//! Reading a sheet rebuilds each row's JSON object and deserialises it through the record's
//! own checks; every problem is reported with file, sheet, row and column, in Japanese and
//! English, and nothing is returned unless every row is good.

use chiiki_domain::{Msg, format_iso};
use chiiki_tabular::grid::{GridSheet, column_name, read_grid};
use chiiki_tabular::{Cell, ImportIssue, Location, Sheet, sheets_to_xlsx};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::AppError;

/// Integers of at most this magnitude are exact as spreadsheet numbers (2⁵³).
const EXACT: u64 = 1 << 53;
/// At most this many problems are reported for one file.
const MAX_ISSUES: usize = 1_000;
/// The data starts on this row (1-based).
const FIRST_DATA_ROW: usize = 3;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Int,
    Bool,
    Json,
}

/// What an empty cell of a column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Empty {
    /// Nothing special: `""` for text, refused otherwise.
    Plain,
    /// `null`.
    Null,
    /// The field is left out.
    Absent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ColType {
    kind: Kind,
    empty: Empty,
}

impl ColType {
    fn code(self) -> String {
        let base = match self.kind {
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Int => "int",
            Kind::Bool => "bool",
            Kind::Json => "json",
        };
        let suffix = match self.empty {
            Empty::Plain => "",
            Empty::Null => "?",
            Empty::Absent => "*",
        };
        format!("{base}{suffix}")
    }

    fn parse(s: &str) -> Option<ColType> {
        let s = s.trim();
        let (base, empty) = if let Some(b) = s.strip_suffix('?') {
            (b, Empty::Null)
        } else if let Some(b) = s.strip_suffix('*') {
            (b, Empty::Absent)
        } else {
            (s, Empty::Plain)
        };
        let kind = match base.to_ascii_lowercase().as_str() {
            "text" => Kind::Text,
            "number" => Kind::Number,
            "int" => Kind::Int,
            "bool" => Kind::Bool,
            "json" => Kind::Json,
            _ => return None,
        };
        Some(ColType { kind, empty })
    }
}

/// Whether a text survives a cell of both formats as it is: no control characters but line
/// feed (CSV folds `\r`, a tab can make a CSV file look tab-separated, workbooks escape the
/// others), no non-characters.
fn cell_safe(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{FFFE}' || c == '\u{FFFF}')
}

fn small_int(v: &Value) -> bool {
    v.as_i64().is_some_and(|n| n.unsigned_abs() < EXACT) || v.as_u64().is_some_and(|n| n < EXACT)
}

fn is_int(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

/// The type of a column from its values (`None` where a record leaves the field out).
fn plan(values: &[Option<&Value>]) -> ColType {
    let absent = values.iter().any(Option::is_none);
    let null = values.iter().any(|v| v.is_some_and(Value::is_null));
    let present: Vec<&Value> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| !v.is_null())
        .collect();
    let empty = if absent {
        Empty::Absent
    } else if null {
        Empty::Null
    } else {
        Empty::Plain
    };
    let json = ColType {
        kind: Kind::Json,
        empty: if absent { Empty::Absent } else { Empty::Plain },
    };
    if absent && null {
        return json;
    }
    let kind = if present.iter().all(|v| v.is_string()) {
        let texts = present.iter().filter_map(|v| v.as_str());
        let mut ok = true;
        for s in texts {
            if !cell_safe(s) || (s.is_empty() && empty != Empty::Plain) {
                ok = false;
            }
        }
        if ok { Kind::Text } else { Kind::Json }
    } else if present.iter().all(|v| v.is_number()) {
        if present.iter().all(|v| !is_int(v) || small_int(v)) {
            Kind::Number
        } else if present.iter().all(|v| is_int(v)) {
            Kind::Int
        } else {
            Kind::Json
        }
    } else if present.iter().all(|v| v.is_boolean()) {
        Kind::Bool
    } else {
        Kind::Json
    };
    if kind == Kind::Json {
        return json;
    }
    ColType { kind, empty }
}

/// The cell of a value in a column of the type (`None`: the field is left out).
fn encode(t: ColType, v: Option<&Value>) -> Cell {
    let Some(v) = v else { return Cell::Empty };
    if t.kind == Kind::Json {
        return Cell::Text(v.to_string());
    }
    match v {
        Value::Null => Cell::Empty,
        Value::String(s) if s.starts_with('\'') => Cell::Text(format!("'{s}")),
        Value::String(s) if s.is_empty() => Cell::Empty,
        Value::String(s) => Cell::Text(s.clone()),
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) if t.kind == Kind::Int => Cell::Text(n.to_string()),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Cell::Number(i as f64),
            (_, Some(u), _) => Cell::Number(u as f64),
            (_, _, Some(x)) => Cell::Number(x),
            _ => Cell::Text(n.to_string()),
        },
        other => Cell::Text(other.to_string()),
    }
}

/// A sheet of the records, laid out as the module says: names, types, then one row per
/// record. Every record must serialise to a JSON object.
pub fn to_sheet<T: Serialize>(name: &str, records: &[T]) -> Result<Sheet, AppError> {
    let mut objects: Vec<Map<String, Value>> = Vec::with_capacity(records.len());
    let mut names: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in records {
        let fields = r
            .serialize(Fields)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut m = Map::new();
        for (k, v) in fields {
            if seen.insert(k.clone()) {
                names.push(k.clone());
            }
            m.insert(k, v);
        }
        objects.push(m);
    }
    let mut types: Vec<ColType> = names
        .iter()
        .map(|n| plan(&objects.iter().map(|m| m.get(n)).collect::<Vec<_>>()))
        .collect();
    // A row of empty cells would be skipped when read: give such a record a cell by writing
    // its first present field's column as JSON (never empty for a present value).
    loop {
        let mut changed = false;
        for m in &objects {
            let row_empty = names
                .iter()
                .zip(&types)
                .all(|(n, t)| encode(*t, m.get(n)).is_empty());
            if !row_empty {
                continue;
            }
            let Some(j) = names.iter().position(|n| m.contains_key(n)) else {
                return Err(AppError::Internal(
                    "an empty record cannot be written to a sheet".into(),
                ));
            };
            types[j].kind = Kind::Json;
            if types[j].empty == Empty::Null {
                types[j].empty = Empty::Plain;
            }
            changed = true;
        }
        if !changed {
            break;
        }
    }
    let mut rows = Vec::with_capacity(objects.len() + 1);
    rows.push(types.iter().map(|t| Cell::Text(t.code())).collect());
    for m in &objects {
        rows.push(
            names
                .iter()
                .zip(&types)
                .map(|(n, t)| encode(*t, m.get(n)))
                .collect(),
        );
    }
    Ok(Sheet {
        name: name.to_owned(),
        headers: names,
        rows,
    })
}

/// A serializer of a record's top-level fields in their order (a JSON object would sort
/// them), each value as JSON.
struct Fields;

/// Why a record cannot be laid out in columns.
#[derive(Debug)]
struct NotAnObject(String);

impl std::fmt::Display for NotAnObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a record of the list is not laid out in columns: {}",
            self.0
        )
    }
}

impl std::error::Error for NotAnObject {}

impl serde::ser::Error for NotAnObject {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        NotAnObject(msg.to_string())
    }
}

type Pairs = Vec<(String, Value)>;

fn not_object<T>(what: &str) -> Result<T, NotAnObject> {
    Err(NotAnObject(format!("it is {what}, not an object")))
}

fn json_of<V: Serialize + ?Sized>(v: &V) -> Result<Value, NotAnObject> {
    serde_json::to_value(v).map_err(|e| NotAnObject(e.to_string()))
}

macro_rules! not_objects {
    ($($method:ident($($arg:ty),*) => $what:literal;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Pairs, NotAnObject> {
            not_object($what)
        })*
    };
}

/// Collects the entries of a struct or map.
struct Entries {
    pairs: Pairs,
    key: Option<String>,
}

impl serde::Serializer for Fields {
    type Ok = Pairs;
    type Error = NotAnObject;
    type SerializeSeq = serde::ser::Impossible<Pairs, NotAnObject>;
    type SerializeTuple = serde::ser::Impossible<Pairs, NotAnObject>;
    type SerializeTupleStruct = serde::ser::Impossible<Pairs, NotAnObject>;
    type SerializeTupleVariant = serde::ser::Impossible<Pairs, NotAnObject>;
    type SerializeMap = Entries;
    type SerializeStruct = Entries;
    type SerializeStructVariant = serde::ser::Impossible<Pairs, NotAnObject>;

    not_objects! {
        serialize_bool(bool) => "a boolean";
        serialize_i8(i8) => "a number";
        serialize_i16(i16) => "a number";
        serialize_i32(i32) => "a number";
        serialize_i64(i64) => "a number";
        serialize_u8(u8) => "a number";
        serialize_u16(u16) => "a number";
        serialize_u32(u32) => "a number";
        serialize_u64(u64) => "a number";
        serialize_f32(f32) => "a number";
        serialize_f64(f64) => "a number";
        serialize_char(char) => "a character";
        serialize_str(&str) => "a text";
        serialize_bytes(&[u8]) => "bytes";
        serialize_none() => "nothing";
        serialize_unit() => "nothing";
        serialize_unit_struct(&'static str) => "nothing";
        serialize_unit_variant(&'static str, u32, &'static str) => "a variant";
    }

    fn serialize_some<V: Serialize + ?Sized>(self, value: &V) -> Result<Pairs, NotAnObject> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &V,
    ) -> Result<Pairs, NotAnObject> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<Pairs, NotAnObject> {
        not_object("a variant")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAnObject> {
        not_object("a list")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAnObject> {
        not_object("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAnObject> {
        not_object("a tuple")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAnObject> {
        not_object("a variant")
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Entries, NotAnObject> {
        Ok(Entries {
            pairs: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Entries, NotAnObject> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAnObject> {
        not_object("a variant")
    }
}

impl Entries {
    fn put(&mut self, key: String, value: Value) {
        // A key given twice keeps its last value, as a JSON object would.
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((key, value)),
        }
    }
}

impl serde::ser::SerializeMap for Entries {
    type Ok = Pairs;
    type Error = NotAnObject;
    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), NotAnObject> {
        match json_of(key)? {
            Value::String(s) => self.key = Some(s),
            other => self.key = Some(other.to_string()),
        }
        Ok(())
    }
    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), NotAnObject> {
        let key = self.key.take().unwrap_or_default();
        let value = json_of(value)?;
        self.put(key, value);
        Ok(())
    }
    fn end(self) -> Result<Pairs, NotAnObject> {
        Ok(self.pairs)
    }
}

impl serde::ser::SerializeStruct for Entries {
    type Ok = Pairs;
    type Error = NotAnObject;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), NotAnObject> {
        let value = json_of(value)?;
        self.put(key.to_owned(), value);
        Ok(())
    }
    fn skip_field(&mut self, _: &'static str) -> Result<(), NotAnObject> {
        Ok(())
    }
    fn end(self) -> Result<Pairs, NotAnObject> {
        Ok(self.pairs)
    }
}

/// A workbook of one sheet of the records (see [`to_sheet`]).
pub fn to_xlsx<T: Serialize>(
    title: &str,
    sheet_name: &str,
    records: &[T],
) -> Result<Vec<u8>, AppError> {
    let sheet = to_sheet(sheet_name, records)?;
    Ok(sheets_to_xlsx(title, &[sheet])?)
}

/// The records of a file (a workbook or CSV): the sheet named `sheet_name`, else the first.
pub fn read_file<T: DeserializeOwned>(
    file_name: &str,
    bytes: &[u8],
    sheet_name: &str,
) -> Result<Vec<T>, Vec<ImportIssue>> {
    let sheets = read_grid(file_name, bytes).map_err(|e| vec![e])?;
    let sheet = sheets
        .iter()
        .find(|s| s.name == sheet_name)
        .or_else(|| sheets.first());
    match sheet {
        Some(s) => from_grid(file_name, s),
        None => Err(vec![ImportIssue::new(
            Location {
                file: file_name.to_owned(),
                ..Location::default()
            },
            Msg::new("ブックにシートがありません", "the workbook has no sheets"),
            Msg::new(
                "書き出したファイルをそのまま選んでください",
                "choose the file as it was exported",
            ),
        )]),
    }
}

/// Where a cell is.
struct Place<'a> {
    file: &'a str,
    sheet: &'a str,
    names: &'a [String],
}

impl Place<'_> {
    fn column(&self, j: usize) -> String {
        match self.names.get(j) {
            Some(n) => format!("{}（{n}）", column_name(j)),
            None => column_name(j),
        }
    }

    fn at(&self, row: usize, column: Option<String>) -> Location {
        Location {
            file: self.file.to_owned(),
            // A CSV file's one sheet is named after the file: no sheet to tell.
            sheet: (self.sheet != self.file).then(|| self.sheet.to_owned()),
            row: Some(row as u64),
            column,
        }
    }
}

fn export_again() -> Msg {
    Msg::new(
        "一覧を書き出し直し、1行目（列名）と2行目（型）は変えずにデータを3行目から入力してください",
        "export the list again and keep row 1 (names) and row 2 (types) unchanged; enter data from row 3",
    )
}

fn is_blank(c: &Cell) -> bool {
    match c {
        Cell::Empty => true,
        Cell::Text(s) => s.is_empty(),
        _ => false,
    }
}

/// The records of a sheet laid out by [`to_sheet`]: each row rebuilt as a JSON object from
/// the column names and types and deserialised through the record's checks. Empty rows are
/// skipped. `Err` holds every problem (up to 1,000), each located and explained in both
/// languages; nothing is returned unless every row is good.
pub fn from_grid<T: DeserializeOwned>(
    file: &str,
    sheet: &GridSheet,
) -> Result<Vec<T>, Vec<ImportIssue>> {
    let mut issues = Vec::new();
    let empty_place = Place {
        file,
        sheet: &sheet.name,
        names: &[],
    };
    let header = |row: usize, problem: Msg| {
        ImportIssue::new(empty_place.at(row, None), problem, export_again())
    };
    if sheet.rows.iter().all(|r| r.iter().all(is_blank)) {
        // An empty list is written as an empty sheet.
        return Ok(Vec::new());
    }
    let Some(name_row) = sheet.rows.first().filter(|r| !r.iter().all(is_blank)) else {
        return Err(vec![header(
            1,
            Msg::new(
                "1行目に列名がありません（空のファイルか、書き出した形式ではありません）",
                "row 1 has no column names (the file is empty or not in the exported layout)",
            ),
        )]);
    };
    let width = name_row
        .iter()
        .rposition(|c| !is_blank(c))
        .map_or(0, |i| i + 1);
    let mut names = Vec::with_capacity(width);
    for (j, c) in name_row[..width].iter().enumerate() {
        match c {
            Cell::Text(s) if !s.trim().is_empty() => {
                if names.contains(s) {
                    issues.push(header(
                        1,
                        Msg::new(
                            format!("列名「{s}」が2回あります（{}列）", column_name(j)),
                            format!(
                                "the column name '{s}' appears twice (column {})",
                                column_name(j)
                            ),
                        ),
                    ));
                }
                names.push(s.clone());
            }
            other => {
                issues.push(header(
                    1,
                    Msg::new(
                        format!(
                            "{}列の列名「{}」が使えません",
                            column_name(j),
                            other.to_text()
                        ),
                        format!(
                            "column {} has no usable name ('{}')",
                            column_name(j),
                            other.to_text()
                        ),
                    ),
                ));
                names.push(other.to_text());
            }
        }
    }
    let type_row = sheet.rows.get(1).map_or(&[][..], Vec::as_slice);
    let mut types = Vec::with_capacity(width);
    for (j, name) in names.iter().enumerate() {
        let text = type_row.get(j).map(Cell::to_text).unwrap_or_default();
        match ColType::parse(&text) {
            Some(t) => types.push(t),
            None => {
                issues.push(header(
                    2,
                    Msg::new(
                        format!(
                            "2行目の{}列（{name}）に型がありません（「{text}」）。型は text・number・int・bool・json です",
                            column_name(j)
                        ),
                        format!(
                            "row 2 gives no type for column {} ({name}) ('{text}'): types are text, number, int, bool and json",
                            column_name(j)
                        ),
                    ),
                ));
                types.push(ColType {
                    kind: Kind::Text,
                    empty: Empty::Plain,
                });
            }
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let place = Place {
        file,
        sheet: &sheet.name,
        names: &names,
    };
    let mut records = Vec::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(FIRST_DATA_ROW - 1) {
        if issues.len() >= MAX_ISSUES {
            break;
        }
        let number = i + 1;
        if row.iter().all(is_blank) {
            continue;
        }
        let mut object = Map::new();
        let mut bad = false;
        for (j, cell) in row.iter().enumerate().skip(width) {
            if !is_blank(cell) {
                bad = true;
                issues.push(ImportIssue {
                    value: Some(cell.to_text()),
                    ..ImportIssue::new(
                        place.at(number, Some(place.column(j))),
                        Msg::new(
                            "列名のない列に値があります",
                            "a value in a column without a name",
                        ),
                        Msg::new(
                            "列名のある列（1行目）の中に入力するか、値を消してください",
                            "enter it in a named column (row 1), or remove it",
                        ),
                    )
                });
            }
        }
        for (j, (name, t)) in names.iter().zip(&types).enumerate() {
            let cell = row.get(j).unwrap_or(&Cell::Empty);
            match decode(*t, cell) {
                Ok(Some(v)) => {
                    object.insert(name.clone(), v);
                }
                Ok(None) => {}
                Err((problem, fix)) => {
                    bad = true;
                    issues.push(ImportIssue {
                        value: Some(cell.to_text()),
                        ..ImportIssue::new(place.at(number, Some(place.column(j))), problem, fix)
                    });
                }
            }
        }
        if bad {
            continue;
        }
        match serde_json::from_value::<T>(Value::Object(object)) {
            Ok(r) => records.push(r),
            Err(e) => issues.push(refused(&place, number, row, &e.to_string())),
        }
    }
    if issues.is_empty() {
        return Ok(records);
    }
    // A field every row lacks is a problem of the header: said once.
    let mut out: Vec<ImportIssue> = Vec::new();
    for issue in issues {
        if let Some(field) = issue.problem.en.strip_prefix("missing field ") {
            let field = field.to_owned();
            let said = format!("the column {field} is missing");
            if out.iter().any(|o| o.problem.en == said) {
                continue;
            }
            out.push(ImportIssue::new(
                place.at(1, None),
                Msg::new(
                    format!("列 {field} がありません"),
                    format!("the column {field} is missing"),
                ),
                export_again(),
            ));
            continue;
        }
        out.push(issue);
    }
    if out.len() >= MAX_ISSUES {
        out.truncate(MAX_ISSUES);
        out.push(ImportIssue::new(
            Location {
                file: file.to_owned(),
                sheet: (sheet.name != file).then(|| sheet.name.clone()),
                ..Location::default()
            },
            Msg::new(
                "問題が多すぎるため、ここで確認を止めました",
                "too many problems: the check stopped here",
            ),
            Msg::new(
                "上の問題を直してから、もう一度読み込んでください",
                "fix the problems above and import the file again",
            ),
        ));
    }
    Err(out)
}

/// A row the record's checks refused: the columns the message names (by name or by value),
/// the message, and a fix in both languages.
fn refused(place: &Place<'_>, number: usize, row: &[Cell], message: &str) -> ImportIssue {
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return ImportIssue::new(
            place.at(number, None),
            Msg::new(
                format!("missing field `{field}`"),
                format!("missing field `{field}`"),
            ),
            export_again(),
        );
    }
    let mut columns = Vec::new();
    for (j, name) in place.names.iter().enumerate() {
        let named = [
            format!("`{name}`"),
            format!("({name})"),
            format!("（{name}）"),
        ]
        .iter()
        .any(|n| message.contains(n.as_str()));
        let text = row.get(j).map(Cell::to_text).unwrap_or_default();
        let text = text.strip_prefix('\'').unwrap_or(&text);
        let shown = text.chars().count() >= 3
            && [text.to_owned(), text.replacen('T', " ", 1)]
                .iter()
                .any(|t| message.contains(t.as_str()));
        if named || shown {
            columns.push(place.column(j));
        }
    }
    let column = (!columns.is_empty()).then(|| columns.join(", "));
    let which_ja = column
        .as_deref()
        .map_or_else(|| "この行".to_owned(), |c| format!("{c}列"));
    let which_en = column.as_deref().map_or_else(
        || "this row".to_owned(),
        |c| {
            let s = if columns.len() > 1 { "s" } else { "" };
            format!("column{s} {c}")
        },
    );
    ImportIssue::new(
        place.at(number, column.clone()),
        Msg::new(
            format!("この行の値は受け付けられません: {message}"),
            format!("the row's values are not accepted: {message}"),
        ),
        Msg::new(
            format!("{which_ja}の値を直してください"),
            format!("correct the value in {which_en}"),
        ),
    )
}

type CellError = (Msg, Msg);

fn wanted(ja: &str, en: &str, fix_ja: &str, fix_en: &str) -> CellError {
    (Msg::new(ja, en), Msg::new(fix_ja, fix_en))
}

/// The value of a cell in a column of the type; `None` when the field is left out.
fn decode(t: ColType, cell: &Cell) -> Result<Option<Value>, CellError> {
    if is_blank(cell) {
        return match (t.empty, t.kind) {
            (Empty::Null, _) => Ok(Some(Value::Null)),
            (Empty::Absent, _) => Ok(None),
            (Empty::Plain, Kind::Text) => Ok(Some(Value::String(String::new()))),
            (Empty::Plain, _) => Err(wanted(
                "値がありません",
                "the value is missing",
                "このセルに値を入力してください",
                "enter a value in this cell",
            )),
        };
    }
    let v = match t.kind {
        Kind::Text => Value::String(match cell {
            Cell::Text(s) => s.strip_prefix('\'').unwrap_or(s).to_owned(),
            Cell::Date(d) => format_iso(*d),
            other => other.to_text(),
        }),
        Kind::Number => number(cell)?,
        Kind::Int => {
            let text = cell.to_text();
            let s = text.trim();
            if let Ok(n) = s.parse::<i64>() {
                Value::from(n)
            } else if let Ok(n) = s.parse::<u64>() {
                Value::from(n)
            } else {
                return Err(wanted(
                    "整数ではありません",
                    "not a whole number",
                    "整数を入力してください（例: 12345678901234567890）",
                    "enter a whole number (e.g. 12345678901234567890)",
                ));
            }
        }
        Kind::Bool => match cell {
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Number(x) if *x == 0.0 || *x == 1.0 => Value::Bool(*x == 1.0),
            _ => match cell.to_text().trim().to_lowercase().as_str() {
                "true" | "1" | "yes" | "はい" => Value::Bool(true),
                "false" | "0" | "no" | "いいえ" => Value::Bool(false),
                _ => {
                    return Err(wanted(
                        "TRUE か FALSE ではありません",
                        "not TRUE or FALSE",
                        "TRUE（はい）か FALSE（いいえ）を入力してください",
                        "enter TRUE or FALSE",
                    ));
                }
            },
        },
        Kind::Json => {
            let text = cell.to_text();
            serde_json::from_str::<Value>(&text).map_err(|e| {
                (
                    Msg::new(
                        format!("JSON として読めません（{e}）"),
                        format!("not valid JSON ({e})"),
                    ),
                    Msg::new(
                        "書き出したときの形（[ ] や { } で囲まれた JSON）のまま直してください",
                        "keep the exported JSON form ([…] or {…}) when editing",
                    ),
                )
            })?
        }
    };
    Ok(Some(v))
}

fn number(cell: &Cell) -> Result<Value, CellError> {
    let not = || {
        wanted(
            "数値ではありません",
            "not a number",
            "半角の数字で入力してください（例: 12、3.5）",
            "enter a number in digits (e.g. 12, 3.5)",
        )
    };
    let x = match cell {
        Cell::Number(x) => *x,
        Cell::Text(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<i64>() {
                return Ok(Value::from(n));
            }
            if let Ok(n) = s.parse::<u64>() {
                return Ok(Value::from(n));
            }
            s.parse::<f64>().map_err(|_| not())?
        }
        _ => return Err(not()),
    };
    if !x.is_finite() {
        return Err(not());
    }
    if x.fract() == 0.0 && x.abs() < EXACT as f64 {
        return Ok(Value::from(x as i64));
    }
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(not)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{AllianceId, NaiveDate, Name};
    use chiiki_tabular::sheet_to_csv;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Inner {
        label: String,
        values: Vec<i64>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Probe {
        text: String,
        maybe: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        signed: i64,
        unsigned: u64,
        real: f64,
        flag: bool,
        list: Vec<String>,
        inner: Inner,
        day: NaiveDate,
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-z ]{0,8}",
            "['=+@\\-]?[ -~あ-ん岩手　\t\n\r\u{1}\u{FFFF}_]{0,12}",
            Just("_x0041_".to_owned()),
            Just("'=1+1".to_owned()),
            Just("''".to_owned()),
            Just("null".to_owned()),
            Just("2026-01-01".to_owned()),
        ]
    }

    fn probe() -> impl Strategy<Value = Probe> {
        (
            (
                text(),
                proptest::option::of(text()),
                proptest::option::of(any::<u32>()),
            ),
            (
                any::<i64>(),
                prop_oneof![any::<u64>(), 0u64..100, Just(u64::MAX)],
            ),
            (
                prop_oneof![
                    any::<f64>().prop_filter("finite", |x| x.is_finite()),
                    Just(0.1),
                    Just(-0.0),
                    Just(1e300)
                ],
                any::<bool>(),
            ),
            (
                proptest::collection::vec(text(), 0..3),
                text(),
                proptest::collection::vec(any::<i64>(), 0..3),
            ),
            (0i32..3_000_000).prop_map(|d| {
                NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(i64::from(d))
            }),
        )
            .prop_map(
                |(
                    (text, maybe, skipped),
                    (signed, unsigned),
                    (real, flag),
                    (list, label, values),
                    day,
                )| Probe {
                    text,
                    maybe,
                    skipped,
                    signed,
                    unsigned,
                    real,
                    flag,
                    list,
                    inner: Inner { label, values },
                    day,
                },
            )
    }

    fn through_xlsx<T: Serialize + DeserializeOwned>(records: &[T]) -> Vec<T> {
        let bytes = to_xlsx("t", "一覧", records).unwrap();
        read_file("list.xlsx", &bytes, "一覧").unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn through_csv<T: Serialize + DeserializeOwned>(records: &[T]) -> Vec<T> {
        let bytes = sheet_to_csv(&to_sheet("一覧", records).unwrap()).unwrap();
        read_file("list.csv", &bytes, "一覧").unwrap_or_else(|e| panic!("{e:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn arbitrary_records_round_trip(records in proptest::collection::vec(probe(), 0..6)) {
            prop_assert_eq!(&through_xlsx(&records), &records);
            prop_assert_eq!(&through_csv(&records), &records);
        }

        #[test]
        fn any_grid_gives_records_or_issues(rows in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![
                Just(Cell::Empty),
                any::<bool>().prop_map(Cell::Bool),
                any::<f64>().prop_map(Cell::Number),
                prop::sample::select(vec!["text", "text?", "number*", "int", "bool", "json", "label", "values", "[1]", "x", "1e400", "'a"])
                    .prop_map(|s| Cell::Text(s.to_owned())),
            ], 0..4), 0..6)) {
            let sheet = GridSheet { name: "s".into(), rows };
            if let Err(issues) = from_grid::<Inner>("s.xlsx", &sheet) {
                prop_assert!(!issues.is_empty());
                for i in issues {
                    prop_assert!(!i.problem.ja.is_empty() && !i.problem.en.is_empty());
                    prop_assert!(!i.fix.ja.is_empty() && !i.fix.en.is_empty());
                    prop_assert_eq!(i.location.file, "s.xlsx");
                }
            }
        }

        #[test]
        fn single_text_columns_round_trip(records in proptest::collection::vec(text(), 1..5)) {
            let records: Vec<Inner> = records
                .into_iter()
                .map(|label| Inner { label, values: vec![] })
                .collect();
            #[derive(Debug, PartialEq, Serialize, Deserialize)]
            struct One { label: String }
            let ones: Vec<One> = records.iter().map(|r| One { label: r.label.clone() }).collect();
            prop_assert_eq!(&through_xlsx(&ones), &ones);
            prop_assert_eq!(&through_csv(&ones), &ones);
        }
    }

    #[test]
    fn awkward_texts_round_trip_exactly() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct One {
            label: String,
            maybe: Option<String>,
        }
        let texts = [
            "", " 岩手 ", "'", "''=1", "'=1+1", "=SUM(A1)", "-3", "+81", "@x", "\tタブ", "改\n行",
            "a\r\nb", "\u{1}", "\u{FFFF}", "_x0041_", "null", "0301", "1e5", "TRUE",
        ];
        let records: Vec<One> = texts
            .iter()
            .map(|t| One {
                label: (*t).to_owned(),
                maybe: Some((*t).to_owned()).filter(|t| !t.is_empty()),
            })
            .collect();
        assert_eq!(through_xlsx(&records), records);
        assert_eq!(through_csv(&records), records);
    }

    #[test]
    fn types_are_named_in_row_two() {
        let records = vec![
            Probe {
                text: "a".into(),
                maybe: None,
                skipped: None,
                signed: -3,
                unsigned: u64::MAX,
                real: 0.5,
                flag: true,
                list: vec![],
                inner: Inner {
                    label: "x".into(),
                    values: vec![1],
                },
                day: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            };
            2
        ];
        let sheet = to_sheet("s", &records).unwrap();
        let types: Vec<String> = sheet.rows[0].iter().map(Cell::to_text).collect();
        assert_eq!(
            sheet.headers,
            [
                "text", "maybe", "signed", "unsigned", "real", "flag", "list", "inner", "day"
            ]
        );
        assert_eq!(
            types,
            [
                "text", "text?", "number", "int", "number", "bool", "json", "json", "text"
            ]
        );
        assert_eq!(sheet.rows[1][3], Cell::Text(u64::MAX.to_string()));
    }

    fn tokatsu() -> AllianceId {
        AllianceId::parse("12-TOKATSU-NANBU").unwrap()
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn at(s: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn booking(start: &str, end: &str) -> chiiki_domain::alliance::Booking {
        use chiiki_domain::alliance::{Booking, BookingFields};
        Booking::new(BookingFields {
            id: 7,
            equipment: 3,
            by: name("医療法人社団架空会"),
            start: at(start),
            end: at(end),
            purpose: "訪問診療（架空のデモデータ / synthetic demo data）".into(),
        })
        .unwrap()
    }

    #[test]
    fn domain_records_round_trip() {
        use chiiki_domain::alliance::{
            Equipment, EquipmentFields, LoanMonth, LoanRole, StaffLoan, StaffLoanFields,
        };
        let month = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
        let loan = StaffLoan::new(StaffLoanFields {
            id: 1,
            alliance: tokatsu(),
            from: name("医療法人社団架空会"),
            to: name("社会福祉法人架空福祉会"),
            person: name("架空 花子"),
            doctor: None,
            role: LoanRole::Nurse,
            start: month(4),
            end: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            hours: vec![
                LoanMonth {
                    month: month(4),
                    minutes: 9_600,
                    overtime: 600,
                },
                LoanMonth {
                    month: month(5),
                    minutes: 9_000,
                    overtime: 0,
                },
            ],
            note: "'=架空のデモデータ / synthetic demo data".into(),
        })
        .unwrap();
        let loans = vec![loan.clone(), loan];
        assert_eq!(through_xlsx(&loans), loans);
        assert_eq!(through_csv(&loans), loans);

        let equipment = vec![
            Equipment::new(EquipmentFields {
                id: 3,
                alliance: tokatsu(),
                owner: name("医療法人社団架空会"),
                name: name("移動式X線装置"),
                kind: "画像診断".into(),
                location: String::new(),
                note: "架空のデモデータ / synthetic demo data".into(),
            })
            .unwrap(),
        ];
        assert_eq!(through_xlsx(&equipment), equipment);
        assert_eq!(through_csv(&equipment), equipment);

        let bookings = vec![
            booking("2026-05-01 09:00", "2026-05-01 17:30"),
            booking("2026-05-02 09:00", "2026-05-03 12:00"),
        ];
        assert_eq!(through_xlsx(&bookings), bookings);
        assert_eq!(through_csv(&bookings), bookings);
    }

    #[test]
    fn alliance_members_round_trip_with_and_without_leaving() {
        use chiiki_domain::MemberFacilityKind;
        use chiiki_domain::alliance::{AllianceMember, AllianceMemberFields, MemberFacility};
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let member = |corporation: &str, left| {
            AllianceMember::new(AllianceMemberFields {
                alliance: tokatsu(),
                corporation: name(corporation),
                joined: day(2024, 4, 1),
                left,
                facilities: vec![MemberFacility {
                    name: name("架空中央病院"),
                    kind: MemberFacilityKind::ALL[0],
                    facility: None,
                }],
                note: String::new(),
            })
            .unwrap()
        };
        let members = vec![
            member("医療法人社団架空会", None),
            member("社会福祉法人架空福祉会", Some(day(2026, 3, 31))),
        ];
        let sheet = to_sheet("参加法人", &members).unwrap();
        let left = sheet.headers.iter().position(|h| h == "left").unwrap();
        assert_eq!(sheet.rows[0][left], Cell::Text("text?".into()));
        assert_eq!(through_xlsx(&members), members);
        assert_eq!(through_csv(&members), members);
    }

    #[test]
    fn a_contact_tree_round_trips() {
        use chiiki_domain::mutual_aid::{Availability, Contact, ContactTree, ContactTreeFields};
        let contact = |position: &str, person: &str, calls| Contact {
            position: position.into(),
            name: name(person),
            phone: chiiki_domain::Phone::parse("047-000-0000").unwrap(),
            email: None,
            available: Availability::Always,
            calls,
        };
        let trees = vec![
            ContactTree::new(ContactTreeFields {
                id: 2,
                alliance: tokatsu(),
                facility: name("架空中央病院"),
                member: name("医療法人社団架空会"),
                contacts: vec![
                    contact("院長", "架空 太郎", vec![1]),
                    contact("事務長", "架空 花子", vec![]),
                ],
            })
            .unwrap(),
        ];
        assert_eq!(through_xlsx(&trees), trees);
        assert_eq!(through_csv(&trees), trees);
    }

    fn grid(rows: Vec<Vec<&str>>) -> GridSheet {
        GridSheet {
            name: "一覧".into(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(|s| Cell::Text(s.into())).collect())
                .collect(),
        }
    }

    #[test]
    fn bad_cells_are_located_in_both_languages() {
        let bookings = vec![booking("2026-05-01 09:00", "2026-05-01 17:30")];
        let mut sheet = to_sheet("一覧", &bookings).unwrap();
        let col = |n: &str| sheet.headers.iter().position(|h| h == n).unwrap();
        let (equipment, end) = (col("equipment"), col("end"));
        sheet.rows.push(sheet.rows[1].clone());
        sheet.rows[1][equipment] = Cell::Text("三".into());
        sheet.rows[2][end] = Cell::Text("2026-04-30T09:00:00".into());
        let bytes = sheet_to_csv(&sheet).unwrap();
        let issues =
            read_file::<chiiki_domain::alliance::Booking>("b.csv", &bytes, "x").unwrap_err();
        assert_eq!(issues.len(), 2, "{issues:?}");
        let text = &issues[0];
        assert_eq!(text.location.row, Some(3));
        assert_eq!(text.location.column.as_deref(), Some("B（equipment）"));
        assert!(text.problem.ja.contains("数値ではありません"), "{text}");
        assert!(text.problem.en.contains("not a number"), "{text}");
        let period = &issues[1];
        assert_eq!(period.location.row, Some(4));
        assert_eq!(period.location.sheet, None, "CSV has no sheet");
        assert!(
            period.fix.en.contains("columns D（start）, E（end）"),
            "{period}"
        );
        let column = period.location.column.as_deref().unwrap_or_default();
        assert!(column.contains("（end）"), "{period}");
        assert!(period.problem.en.contains("booking period"), "{period}");
        assert!(period.problem.ja.contains("受け付けられません"), "{period}");
        assert!(period.fix.ja.contains("end"), "{period}");

        let bytes = sheets_to_xlsx("t", &[sheet]).unwrap();
        let issues =
            read_file::<chiiki_domain::alliance::Booking>("b.xlsx", &bytes, "一覧").unwrap_err();
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert_eq!(issues[0].location.sheet.as_deref(), Some("一覧"));
        assert_eq!(issues[0].location.row, Some(3));
        assert_eq!(issues[0].location.column.as_deref(), Some("B（equipment）"));
        assert!(
            issues[1]
                .location
                .column
                .as_deref()
                .unwrap_or_default()
                .contains("（end）")
        );
    }

    #[test]
    fn a_wrong_header_is_refused_clearly() {
        let e = from_grid::<Inner>(
            "x.csv",
            &grid(vec![vec!["label", "values"], vec!["a", "[1]"]]),
        )
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].location.row, Some(2));
        assert!(e[0].problem.ja.contains("型がありません"), "{}", e[0]);
        assert!(e[0].problem.en.contains("types are text"), "{}", e[0]);
        assert!(e[0].fix.en.contains("export the list again"));

        let e = from_grid::<Inner>("x.csv", &grid(vec![vec!["name"], vec!["text"], vec!["a"]]))
            .unwrap_err();
        assert!(
            e.iter()
                .any(|i| i.problem.en.contains("the column `label` is missing")
                    && i.problem.ja.contains("列 `label` がありません")),
            "{e:?}"
        );
        assert_eq!(from_grid::<Inner>("x.csv", &grid(vec![])).unwrap(), vec![]);
        let e = from_grid::<Inner>("x.csv", &grid(vec![vec![], vec![], vec!["a"]])).unwrap_err();
        assert!(e[0].problem.en.contains("row 1 has no column names"));
        let e = from_grid::<Inner>("x.csv", &grid(vec![vec!["a", "a"], vec!["text", "text"]]))
            .unwrap_err();
        assert!(e[0].problem.en.contains("appears twice"));
    }

    #[test]
    fn edited_cells_are_accepted_when_they_mean_the_value() {
        let sheet = GridSheet {
            name: "s".into(),
            rows: vec![
                vec![Cell::Text("label".into()), Cell::Text("values".into())],
                vec![Cell::Text("text".into()), Cell::Text("json".into())],
                vec![
                    Cell::Date(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
                    Cell::Text("[1,2]".into()),
                ],
                vec![],
                vec![Cell::Number(12.0), Cell::Text("[]".into())],
            ],
        };
        let got: Vec<Inner> = from_grid("s.xlsx", &sheet).unwrap();
        assert_eq!(
            got,
            vec![
                Inner {
                    label: "2026-04-01".into(),
                    values: vec![1, 2]
                },
                Inner {
                    label: "12".into(),
                    values: vec![]
                },
            ]
        );
    }
}
