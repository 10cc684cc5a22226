//! The logical dump: every row of every table (but login sessions and the migrations' own
//! bookkeeping) as gzip-compressed JSON Lines that either back end writes and either back end
//! reads back, so that a SQLite register moves to PostgreSQL and back with nothing lost.
//!
//! The file: a header line (`{"format":"chiiki-dump","version":1,"schema":13,...}`), then per
//! table a line `{"table":…,"columns":[…],"next_id":…}` followed by one JSON array per row,
//! in key order, and a trailer line with the number of rows of each table, so that a file
//! cut short is refused. Values are typed by [`TABLES`] (the PostgreSQL types; SQLite keeps
//! the same values as text and integers): JSON columns nested as JSON, dates as
//! `YYYY-MM-DD`, times as RFC 3339 to the microsecond (PostgreSQL's precision: a SQLite
//! time's nanoseconds are not kept).
//!
//! [`TABLES`] mirrors the migrations; a test compares it with the live schema of both back
//! ends, so that a new column cannot be left out of dumps unnoticed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The type of a column, as the dump writes and reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// PostgreSQL `INTEGER`.
    Int4,
    /// PostgreSQL `BIGINT`.
    Int8,
    Bool,
    Date,
    Json,
    /// A moment (`TIMESTAMPTZ`).
    TimeTz,
    /// A local date and time (`TIMESTAMP`).
    Time,
}

/// A table of the dump.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// The primary key: rows are written in its order.
    pub key: &'static [&'static str],
    /// The identity column, whose sequence a restore moves past the largest id.
    pub identity: Option<&'static str>,
}

/// Every table a dump holds, in an order that restores without breaking a reference (the
/// order the migrations create them in).
pub const TABLES: &[Table] = &[
    Table {
        name: "areas",
        columns: &[
            ("code", Kind::Text),
            ("pref", Kind::Text),
            ("name", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["code"],
        identity: None,
    },
    Table {
        name: "municipalities",
        columns: &[
            ("code", Kind::Text),
            ("pref", Kind::Text),
            ("area", Kind::Text),
            ("name", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["code"],
        identity: None,
    },
    Table {
        name: "schemes",
        columns: &[
            ("id", Kind::Text),
            ("pref", Kind::Text),
            ("name", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "facilities",
        columns: &[
            ("id", Kind::Text),
            ("pref", Kind::Text),
            ("area", Kind::Text),
            ("municipality", Kind::Text),
            ("name", Kind::Text),
            ("kind", Kind::Text),
            ("synthetic", Kind::Bool),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "doctors",
        columns: &[
            ("id", Kind::Text),
            ("pref", Kind::Text),
            ("name", Kind::Text),
            ("kana", Kind::Text),
            ("graduation_year", Kind::Int4),
            ("status", Kind::Text),
            ("scheme", Kind::Text),
            ("synthetic", Kind::Bool),
            ("data", Kind::Json),
            ("version", Kind::Int8),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "assignments",
        columns: &[
            ("id", Kind::Text),
            ("doctor", Kind::Text),
            ("facility", Kind::Text),
            ("start_date", Kind::Date),
            ("end_date", Kind::Date),
            ("kind", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "audit_events",
        columns: &[
            ("id", Kind::Int8),
            ("at", Kind::TimeTz),
            ("actor", Kind::Text),
            ("action", Kind::Text),
            ("entity", Kind::Text),
            ("entity_id", Kind::Text),
            ("pref", Kind::Text),
            ("before", Kind::Json),
            ("after", Kind::Json),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "programmes",
        columns: &[
            ("id", Kind::Text),
            ("pref", Kind::Text),
            ("name", Kind::Text),
            ("scheme", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "accounts",
        columns: &[
            ("username", Kind::Text),
            ("role", Kind::Text),
            ("pref", Kind::Text),
            ("password_hash", Kind::Text),
            ("disabled", Kind::Bool),
            ("data", Kind::Json),
        ],
        key: &["username"],
        identity: None,
    },
    Table {
        name: "placement_rounds",
        columns: &[
            ("id", Kind::Text),
            ("pref", Kind::Text),
            ("fiscal_year", Kind::Int4),
            ("data", Kind::Json),
            ("version", Kind::Int8),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "placement_requests",
        columns: &[
            ("round", Kind::Text),
            ("facility", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["round", "facility"],
        identity: None,
    },
    Table {
        name: "placement_preferences",
        columns: &[
            ("round", Kind::Text),
            ("doctor", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["round", "doctor"],
        identity: None,
    },
    Table {
        name: "placement_runs",
        columns: &[
            ("round", Kind::Text),
            ("seq", Kind::Int4),
            ("algorithm", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["round", "seq"],
        identity: None,
    },
    Table {
        name: "placement_decisions",
        columns: &[
            ("round", Kind::Text),
            ("run", Kind::Int4),
            ("data", Kind::Json),
        ],
        key: &["round"],
        identity: None,
    },
    Table {
        name: "rotation_plans",
        columns: &[
            ("pref", Kind::Text),
            ("seq", Kind::Int4),
            ("label", Kind::Text),
            ("first_year", Kind::Int4),
            ("years", Kind::Int4),
            ("parent", Kind::Int4),
            ("data", Kind::Json),
        ],
        key: &["pref", "seq"],
        identity: None,
    },
    Table {
        name: "rotation_adoptions",
        columns: &[
            ("pref", Kind::Text),
            ("seq", Kind::Int4),
            ("adopted_at", Kind::TimeTz),
            ("data", Kind::Json),
        ],
        key: &["pref", "seq"],
        identity: None,
    },
    Table {
        name: "dispatch_requests",
        columns: &[
            ("id", Kind::Int8),
            ("pref", Kind::Text),
            ("facility", Kind::Text),
            ("start_at", Kind::Time),
            ("end_at", Kind::Time),
            ("state", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "dispatch_offers",
        columns: &[
            ("id", Kind::Int8),
            ("doctor", Kind::Text),
            ("from_at", Kind::Time),
            ("to_at", Kind::Time),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "hours_reports",
        columns: &[
            ("doctor", Kind::Text),
            ("employer", Kind::Text),
            ("month", Kind::Date),
            ("month_minutes", Kind::Int8),
            ("year_minutes", Kind::Int8),
            ("data", Kind::Json),
        ],
        key: &["doctor", "employer", "month"],
        identity: None,
    },
    Table {
        name: "dispatch_runs",
        columns: &[
            ("pref", Kind::Text),
            ("seq", Kind::Int4),
            ("month", Kind::Date),
            ("data", Kind::Json),
        ],
        key: &["pref", "seq"],
        identity: None,
    },
    Table {
        name: "dispatches",
        columns: &[
            ("request", Kind::Int8),
            ("pref", Kind::Text),
            ("run", Kind::Int4),
            ("doctor", Kind::Text),
            ("worked_minutes", Kind::Int8),
            ("data", Kind::Json),
        ],
        key: &["request"],
        identity: None,
    },
    Table {
        name: "duty_rosters",
        columns: &[
            ("pref", Kind::Text),
            ("seq", Kind::Int4),
            ("facility", Kind::Text),
            ("month", Kind::Date),
            ("data", Kind::Json),
        ],
        key: &["pref", "seq"],
        identity: None,
    },
    Table {
        name: "duty_roster_publications",
        columns: &[
            ("pref", Kind::Text),
            ("seq", Kind::Int4),
            ("published_by", Kind::Text),
            ("published_at", Kind::TimeTz),
        ],
        key: &["pref", "seq"],
        identity: None,
    },
    Table {
        name: "alliances",
        columns: &[
            ("id", Kind::Text),
            ("pref", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: None,
    },
    Table {
        name: "alliance_members",
        columns: &[
            ("alliance", Kind::Text),
            ("corporation", Kind::Text),
            ("joined", Kind::Date),
            ("left_on", Kind::Date),
            ("data", Kind::Json),
        ],
        key: &["alliance", "corporation"],
        identity: None,
    },
    Table {
        name: "staff_loans",
        columns: &[
            ("id", Kind::Int8),
            ("alliance", Kind::Text),
            ("from_corporation", Kind::Text),
            ("to_corporation", Kind::Text),
            ("doctor", Kind::Text),
            ("start_on", Kind::Date),
            ("end_on", Kind::Date),
            ("months", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "equipment",
        columns: &[
            ("id", Kind::Int8),
            ("alliance", Kind::Text),
            ("owner_corporation", Kind::Text),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "equipment_bookings",
        columns: &[
            ("id", Kind::Int8),
            ("equipment", Kind::Int8),
            ("by_corporation", Kind::Text),
            ("start_at", Kind::Time),
            ("end_at", Kind::Time),
            ("data", Kind::Json),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "documents",
        columns: &[
            ("id", Kind::Int8),
            ("kind", Kind::Text),
            ("scope", Kind::Text),
            ("pref", Kind::Text),
            ("parent", Kind::Int8),
            ("owner", Kind::Text),
            ("data", Kind::Json),
            ("audit", Kind::Json),
            ("version", Kind::Int8),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "document_locks",
        columns: &[
            ("kind", Kind::Text),
            ("scope", Kind::Text),
            ("parent", Kind::Int8),
            ("n", Kind::Int8),
        ],
        key: &["kind", "scope", "parent"],
        identity: None,
    },
];

/// The dump format's version.
pub const DUMP_VERSION: u32 = 1;

/// The first line of a dump.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DumpHeader {
    /// Always `chiiki-dump`.
    pub format: String,
    pub version: u32,
    /// The last migration of the database dumped.
    pub schema: i64,
    /// The back end it was dumped from (`sqlite`, `postgres`).
    pub backend: String,
    /// When, RFC 3339.
    pub at: String,
}

/// The line that opens a table's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TableHeader {
    pub table: String,
    pub columns: Vec<String>,
    /// The next id the table's identity would give (ids are never reused), when it has one.
    #[serde(default)]
    pub next_id: Option<i64>,
}

/// The last line: how many rows each table had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Trailer {
    pub end: std::collections::BTreeMap<String, u64>,
}

/// What a dump or a restore counted: rows per table.
pub type DumpCounts = std::collections::BTreeMap<String, u64>;

pub(crate) fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// A JSON value as a column of `kind` holds it, or why not.
pub(crate) fn check(kind: Kind, v: &Value) -> Result<(), String> {
    let ok = match (kind, v) {
        (_, Value::Null) | (Kind::Json, _) => true,
        (Kind::Text, Value::String(_)) => true,
        (Kind::Int4, Value::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        (Kind::Int8, Value::Number(n)) => n.as_i64().is_some(),
        (Kind::Bool, Value::Bool(_)) => true,
        (Kind::Date, Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        (Kind::TimeTz, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        (Kind::Time, Value::String(s)) => {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{v} is not a {kind:?} value"))
    }
}

/// Writes one line of the dump.
pub(crate) fn write_line<T: Serialize + ?Sized>(
    out: &mut (dyn std::io::Write + Send),
    v: &T,
) -> Result<(), crate::StoreError> {
    let io = |e: String| crate::StoreError::Open {
        target: "the dump".into(),
        reason: e,
    };
    serde_json::to_writer(&mut *out, v).map_err(|e| io(e.to_string()))?;
    out.write_all(b"\n").map_err(|e| io(e.to_string()))
}

/// A line of a dump, classified.
enum Line {
    Row(Vec<Value>),
    Table(TableHeader),
    Trailer(Trailer),
}

/// Reads a dump line by line, checking every line against [`TABLES`]; every refusal names
/// the line.
pub(crate) struct Reader<'a> {
    input: &'a mut (dyn std::io::BufRead + Send),
    line_no: usize,
    pending: Option<Line>,
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a mut (dyn std::io::BufRead + Send)) -> Self {
        Reader {
            input,
            line_no: 0,
            pending: None,
        }
    }

    /// A refusal at the current line, in both languages.
    pub fn refused(&self, ja: String, en: String) -> crate::StoreError {
        crate::StoreError::Refused(chiiki_domain::Msg::new(
            format!(
                "ダンプの {} 行目を読めません: {ja}。chiiki backup --kind dump で作ったファイルを、そのまま渡してください",
                self.line_no
            ),
            format!(
                "line {} of the dump cannot be read: {en}. Give the file as chiiki backup --kind dump wrote it, unchanged",
                self.line_no
            ),
        ))
    }

    fn next_value(&mut self) -> Result<Option<Value>, crate::StoreError> {
        let mut buf = String::new();
        loop {
            buf.clear();
            let n = self.input.read_line(&mut buf).map_err(|e| {
                self.refused(format!("読み込みに失敗しました（{e}）"), e.to_string())
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            if !buf.trim().is_empty() {
                break;
            }
        }
        serde_json::from_str(&buf).map(Some).map_err(|e| {
            self.refused(
                format!("JSON ではありません（{e}）"),
                format!("not JSON ({e})"),
            )
        })
    }

    fn next_line(&mut self) -> Result<Option<Line>, crate::StoreError> {
        if let Some(l) = self.pending.take() {
            return Ok(Some(l));
        }
        let Some(v) = self.next_value()? else {
            return Ok(None);
        };
        match v {
            Value::Array(values) => Ok(Some(Line::Row(values))),
            Value::Object(ref o) if o.contains_key("table") => serde_json::from_value(v)
                .map(|t| Some(Line::Table(t)))
                .map_err(|e| {
                    self.refused(
                        format!("表の行が正しくありません（{e}）"),
                        format!("a bad table line ({e})"),
                    )
                }),
            Value::Object(ref o) if o.contains_key("end") => serde_json::from_value(v)
                .map(|t| Some(Line::Trailer(t)))
                .map_err(|e| {
                    self.refused(
                        format!("最後の行が正しくありません（{e}）"),
                        format!("a bad last line ({e})"),
                    )
                }),
            _ => Err(self.refused(
                "行・表・最後の行のどれでもありません".into(),
                "neither a row, a table nor the last line".into(),
            )),
        }
    }

    /// The first line.
    pub fn header(&mut self) -> Result<DumpHeader, crate::StoreError> {
        let v = self
            .next_value()?
            .ok_or_else(|| self.refused("ファイルが空です".into(), "the file is empty".into()))?;
        let h: DumpHeader = serde_json::from_value(v).map_err(|_| {
            self.refused(
                "chiiki のダンプではありません".into(),
                "this is not a chiiki dump".into(),
            )
        })?;
        if h.format != "chiiki-dump" {
            return Err(self.refused(
                "chiiki のダンプではありません".into(),
                "this is not a chiiki dump".into(),
            ));
        }
        if h.version != DUMP_VERSION {
            return Err(self.refused(
                format!(
                    "ダンプ形式 {} は、この chiiki が読む形式 {DUMP_VERSION} ではありません",
                    h.version
                ),
                format!(
                    "dump format {} is not the format {DUMP_VERSION} this chiiki reads",
                    h.version
                ),
            ));
        }
        Ok(h)
    }

    /// The next table: its definition, the columns the dump gives (in its order, each a
    /// column of the table) and its next id; `None` at the last line.
    #[allow(clippy::type_complexity)]
    pub fn table(
        &mut self,
    ) -> Result<Option<(&'static Table, Vec<(&'static str, Kind)>, Option<i64>)>, crate::StoreError>
    {
        match self.next_line()? {
            None => Err(self.refused(
                "最後の行の前でファイルが終わっています（途中で切れています）".into(),
                "the file ends before its last line: it was cut short".into(),
            )),
            Some(Line::Trailer(t)) => {
                self.pending = Some(Line::Trailer(t));
                Ok(None)
            }
            Some(Line::Row(_)) => Err(self.refused(
                "表の行より前に行があります".into(),
                "a row before its table's line".into(),
            )),
            Some(Line::Table(h)) => {
                let t = table(&h.table).ok_or_else(|| {
                    self.refused(
                        format!("表 {} はありません", h.table),
                        format!("no table is called {}", h.table),
                    )
                })?;
                let mut columns = Vec::with_capacity(h.columns.len());
                for c in &h.columns {
                    let col = t.columns.iter().find(|(n, _)| n == c).ok_or_else(|| {
                        self.refused(
                            format!("{} に列 {c} はありません", t.name),
                            format!("{} has no column {c}", t.name),
                        )
                    })?;
                    if columns.iter().any(|(n, _)| n == c) {
                        return Err(self.refused(
                            format!("{} の列 {c} が二度あります", t.name),
                            format!("{c} of {} is given twice", t.name),
                        ));
                    }
                    columns.push(*col);
                }
                Ok(Some((t, columns, h.next_id)))
            }
        }
    }

    /// Up to `max` rows of the current table, each checked against the columns' kinds.
    pub fn rows(
        &mut self,
        kinds: &[Kind],
        max: usize,
    ) -> Result<Vec<Vec<Value>>, crate::StoreError> {
        let mut out = Vec::new();
        while out.len() < max {
            match self.next_line()? {
                Some(Line::Row(values)) => {
                    if values.len() != kinds.len() {
                        return Err(self.refused(
                            format!(
                                "値が {} 個ありますが、表の行の列は {} 個です",
                                values.len(),
                                kinds.len()
                            ),
                            format!(
                                "a row of {} values where the table line names {} columns",
                                values.len(),
                                kinds.len()
                            ),
                        ));
                    }
                    for (k, v) in kinds.iter().zip(&values) {
                        check(*k, v)
                            .map_err(|e| self.refused(format!("列の型に合いません（{e}）"), e))?;
                    }
                    out.push(values);
                }
                other => {
                    self.pending = other;
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The last line, which must count what was read; nothing may follow it.
    pub fn trailer(&mut self, read: &DumpCounts) -> Result<(), crate::StoreError> {
        match self.next_line()? {
            Some(Line::Trailer(t)) => {
                if &t.end != read {
                    return Err(self.refused(
                        "最後の行の行数が、ファイルの行数と合いません".into(),
                        format!(
                            "the last line counts other rows than the file holds ({:?} against {read:?})",
                            t.end
                        ),
                    ));
                }
            }
            _ => {
                return Err(self.refused(
                    "最後の行の前でファイルが終わっています（途中で切れています）".into(),
                    "the file ends before its last line: it was cut short".into(),
                ));
            }
        }
        if self.next_value()?.is_some() {
            return Err(self.refused(
                "最後の行の後に行があります".into(),
                "lines follow the last line".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_its_key_and_identity_among_its_columns() {
        for t in TABLES {
            let has = |c: &str| t.columns.iter().any(|(n, _)| *n == c);
            assert!(t.key.iter().all(|k| has(k)), "{}", t.name);
            assert!(t.identity.is_none_or(has), "{}", t.name);
        }
        let mut names: Vec<_> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
    }

    #[test]
    fn values_are_checked_against_their_kind() {
        assert!(check(Kind::Int4, &Value::from(3_000_000_000_i64)).is_err());
        assert!(check(Kind::Int8, &Value::from(3_000_000_000_i64)).is_ok());
        assert!(check(Kind::Date, &Value::from("2026-02-30")).is_err());
        assert!(check(Kind::Date, &Value::from("2026-02-28")).is_ok());
        assert!(check(Kind::TimeTz, &Value::from("2026-11-25T05:00:00Z")).is_ok());
        assert!(check(Kind::Time, &Value::from("2026-11-25T05:00:00")).is_ok());
        assert!(check(Kind::Text, &Value::from(1)).is_err());
        assert!(check(Kind::Bool, &Value::Null).is_ok());
    }
}
