//! Reading a scheme file: TOML → raw structs (serde, unknown keys refused) → checked values.
//!
//! The raw structs take numbers as `i64`/`f64` and names as text, so that every range,
//! spelling and contradiction is checked here with the key path and a fix in both
//! languages, instead of surfacing as a bare serde message. All problems of a file are
//! collected, not only the first; the serde stage (syntax, unknown or missing key, wrong
//! type) stops at its first problem.

use std::collections::BTreeMap;
use std::fmt;

use chiiki_domain::{
    AssignmentKind, Explain, FacilityGroup, Fte, Lang, Msg, NaiveDate, PrefCode, SchemeId,
    parse_date,
};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::error::{ErrorKind, SchemeError, SchemeErrors};
use crate::scheme::{
    Cited, Deadline, DesignatedService, GroupRequirement, InitialResidency, InterestFrom,
    KindLimit, Note, ObligationLength, ObligationStatus, OutsidePrefecture, Place, Principal,
    Repayment, Rotation, Rounding, Rules, SchemeDefinition, SchemeKind, ServiceCounting,
    SpecialistBy, StatusLabels, Suspension, Tenure,
};
use crate::span::Span;

/// The years of initial residency (初期臨床研修) that follow graduation.
const RESIDENCY_YEARS: u32 = 2;

// ---------------------------------------------------------------------------------------
// Raw structs: the file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScheme {
    id: String,
    version: i64,
    effective_from: Option<RawDate>,
    effective_until: Option<RawDate>,
    kind: String,
    pref: RawCode,
    name: RawMsg,
    sponsor: Option<String>,
    source: String,
    #[serde(default)]
    rules: RawRules,
    statuses: Option<RawStatuses>,
    #[serde(default)]
    notes: Vec<RawNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMsg {
    ja: String,
    en: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    obligation: Option<RawObligation>,
    service: Option<RawService>,
    designated: Option<RawDesignated>,
    deadline: Option<RawDeadline>,
    #[serde(default)]
    suspensions: Vec<RawSuspension>,
    outside_prefecture: Option<RawOutside>,
    tenure: Option<RawTenure>,
    specialist: Option<RawSpecialist>,
    rotation: Option<RawRotation>,
    #[serde(default)]
    limits: Vec<RawLimit>,
    initial_residency: Option<RawResidency>,
    repayment: Option<RawRepayment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObligation {
    fixed_years: Option<f64>,
    loan_factor: Option<f64>,
    rounding: Option<String>,
    max_loan_years: Option<f64>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    kinds: Vec<String>,
    initial_residency_counts: bool,
    #[serde(default)]
    within_prefecture: bool,
    #[serde(default)]
    pro_rata_fte: bool,
    min_fte: Option<f64>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesignated {
    min_years: Option<f64>,
    places: Vec<String>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    years_after_graduation: i64,
    extended_by_suspensions: bool,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuspension {
    kind: String,
    cap_years: Option<f64>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutside {
    max_years: f64,
    #[serde(default)]
    includes_abroad: bool,
    #[serde(default)]
    applies_to: Vec<String>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenure {
    min_years_per_facility: f64,
    #[serde(default)]
    applies_to: Vec<String>,
    #[serde(default)]
    dispatch_allowed: bool,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpecialist {
    by_year_after_graduation: i64,
    #[serde(default)]
    training_years: Option<i64>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRotation {
    #[serde(default)]
    applies_to: Vec<String>,
    min_sites: i64,
    #[serde(default)]
    within_prefecture: bool,
    #[serde(default)]
    groups: Vec<RawGroup>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    group: String,
    min_sites: i64,
    min_years_per_site: Option<f64>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    kinds: Vec<String>,
    max_years: f64,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResidency {
    in_prefecture: bool,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepayment {
    principal: String,
    interest: bool,
    annual_interest_percent: Option<f64>,
    interest_from: Option<String>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatuses {
    initial_residency: Option<String>,
    in_service: Option<String>,
    suspended: Option<String>,
    completed: Option<String>,
    source: String,
    description: RawMsg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNote {
    source: String,
    description: RawMsg,
}

/// A date as a TOML date (`2020-04-01`) or as text in any form `parse_date` reads
/// (`"令和2年4月1日"`).
enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
}

impl<'de> Deserialize<'de> for RawDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDate, E> {
                Ok(RawDate::Text(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDate, A::Error> {
                toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawDate::Toml)
            }
        }
        d.deserialize_any(V)
    }
}

/// A code written as text or as a number (`pref = "24"`, `pref = 24`, `pref = "三重県"`).
struct RawCode(String);

impl<'de> Deserialize<'de> for RawCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawCode, E> {
                Ok(RawCode(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<RawCode, E> {
                Ok(RawCode(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<RawCode, E> {
                Ok(RawCode(n.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------
// Entry point.

/// Reads and checks one scheme file.
pub(crate) fn from_toml(file: &str, text: &str) -> Result<SchemeDefinition, SchemeErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let de = toml::de::Deserializer::parse(text).map_err(|e| syntax_error(file, text, &e))?;
    let raw: RawScheme =
        serde_path_to_error::deserialize(de).map_err(|e| serde_error(file, text, &e))?;
    let mut check = Check {
        file,
        errors: Vec::new(),
    };
    let def = check.scheme(raw);
    match def {
        Some(def) if check.errors.is_empty() => Ok(def),
        _ => {
            let mut errors = check.errors;
            // The text is parsed once for all the errors' positions.
            if let Ok(root) = toml::de::DeTable::parse(text) {
                for e in &mut errors {
                    e.position = locate_in(root.get_ref(), text, &e.key);
                }
            }
            Err(SchemeErrors(errors))
        }
    }
}

/// Reads and checks one scheme file given as bytes (UTF-8, with or without a BOM).
pub(crate) fn from_bytes(file: &str, bytes: &[u8]) -> Result<SchemeDefinition, SchemeErrors> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_toml(file, text),
        Err(e) => Err(SchemeError::new(
            file,
            "",
            ErrorKind::NotUtf8,
            Msg::new(
                format!(
                    "{}バイト目以降がUTF-8の文字として読めません",
                    e.valid_up_to() + 1
                ),
                format!(
                    "the bytes from offset {} are not UTF-8 text",
                    e.valid_up_to()
                ),
            ),
            Msg::new(
                "ファイルをUTF-8で保存し直してください（Shift_JISは使えません）",
                "save the file as UTF-8 (Shift_JIS is not accepted)",
            ),
        )
        .into()),
    }
}

// ---------------------------------------------------------------------------------------
// Serde and syntax errors, in both languages.

fn syntax_error(file: &str, text: &str, e: &toml::de::Error) -> SchemeErrors {
    let mut err = SchemeError::new(
        file,
        "",
        ErrorKind::Syntax,
        Msg::new(
            format!("TOMLとして読めません: {}", e.message()),
            format!("not valid TOML: {}", e.message()),
        ),
        Msg::new(
            "示された行を直してください。文字列は \"…\" で囲み、同じキーは一度だけ書き、表は [rules.deadline] のように書きます",
            "correct the line shown: text goes in \"…\", a key may appear only once, tables are written like [rules.deadline]",
        ),
    );
    err.position = e.span().and_then(|s| position(text, s.start));
    err.into()
}

fn serde_error(
    file: &str,
    text: &str,
    e: &serde_path_to_error::Error<toml::de::Error>,
) -> SchemeErrors {
    let mut path = path_string(e.path());
    let message = e.inner().message();
    let (kind, problem, fix) = if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, expected) = split_quoted(rest);
        if !path.ends_with(&name) {
            path = join(&path, &name);
        }
        let allowed = quoted_list(expected);
        (
            ErrorKind::UnknownKey,
            Msg::new(
                format!("「{name}」というキーはこの場所にはありません"),
                format!("there is no key `{name}` here"),
            ),
            if allowed.is_empty() {
                Msg::new("このキーを削除してください", "remove this key".to_string())
            } else {
                Msg::new(
                    format!(
                        "綴りを確認するか削除してください。ここで使えるキー: {}",
                        allowed.join(", ")
                    ),
                    format!(
                        "check the spelling or remove it; the keys allowed here are: {}",
                        allowed.join(", ")
                    ),
                )
            },
        )
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        let (name, _) = split_quoted(rest);
        path = join(&path, &name);
        (
            ErrorKind::MissingKey,
            Msg::new(
                format!("必須のキー「{name}」がありません"),
                format!("the required key `{name}` is missing"),
            ),
            Msg::new(
                format!(
                    "「{name} = {}」のように追加してください（書式は chiiki-obligations の説明を参照）",
                    example_value(&name)
                ),
                format!(
                    "add `{name} = {}` (the format is described in the chiiki-obligations documentation)",
                    example_value(&name)
                ),
            ),
        )
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        let (found_ja, found_en) = describe_found(found);
        let (want_ja, want_en) = describe_expected(expected);
        (
            ErrorKind::WrongType,
            Msg::new(
                format!(
                    "値の種類が違います（{found_ja} が書かれていますが、{want_ja} が必要です）"
                ),
                format!("wrong type of value: {found_en} where {want_en} is needed"),
            ),
            Msg::new(
                format!("{want_ja} で書いてください"),
                format!("write {want_en}"),
            ),
        )
    } else {
        (
            ErrorKind::InvalidValue,
            Msg::new(
                format!("値が正しくありません: {message}"),
                format!("invalid value: {message}"),
            ),
            Msg::new(
                "値を確認してください（書式は chiiki-obligations の説明を参照）",
                "check the value (the format is described in the chiiki-obligations documentation)",
            ),
        )
    };
    let mut err = SchemeError::new(file, path, kind, problem, fix);
    err.position = e
        .inner()
        .span()
        .and_then(|s| position(text, s.start))
        .or_else(|| locate(text, &err.key));
    err.into()
}

/// An example value for a required key, for the fix of a missing key.
fn example_value(key: &str) -> &'static str {
    match key {
        "id" => "\"example-loan\"",
        "version" => "1",
        "kind" => "\"scholarship\" (scholarship / regional_quota / programme)",
        "pref" => "\"03\"",
        "name" | "description" => "{ ja = \"…\", en = \"…\" }",
        "ja" | "en" | "source" => "\"…\"",
        "kinds" => "[\"designated_service\"]",
        "places" => "[\"designated_facility\"]",
        "initial_residency_counts" | "extended_by_suspensions" | "in_prefecture" | "interest" => {
            "true"
        }
        "years_after_graduation" => "15",
        "by_year_after_graduation" => "10",
        "max_years" | "min_years_per_facility" => "2",
        "min_sites" => "1",
        "group" => "\"designated_shortage\"",
        "principal" => "\"full\"",
        _ => "…",
    }
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// "`name`, expected …" → ("name", "expected …").
fn split_quoted(s: &str) -> (String, &str) {
    let s = s.strip_prefix('`').unwrap_or(s);
    match s.split_once('`') {
        Some((name, rest)) => (name.to_string(), rest),
        None => (s.to_string(), ""),
    }
}

/// The names between backquotes.
fn quoted_list(s: &str) -> Vec<String> {
    s.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// serde's description of what was found ("string \"x\"", "integer `3`", "map", …).
fn describe_found(found: &str) -> (String, String) {
    let table = [
        ("string", "文字列", "text"),
        ("integer", "整数", "an integer"),
        ("floating point", "小数", "a decimal number"),
        ("boolean", "真偽値", "true/false"),
        ("map", "表", "a table"),
        ("sequence", "配列", "an array"),
    ];
    for (prefix, ja, en) in table {
        if let Some(rest) = found.strip_prefix(prefix) {
            let value = rest.trim();
            return if value.is_empty() {
                (ja.to_string(), en.to_string())
            } else {
                (format!("{ja} {value}"), format!("{en} {value}"))
            };
        }
    }
    (found.to_string(), found.to_string())
}

/// serde's description of what was expected ("i64", "a string", "struct RawMsg", …).
fn describe_expected(expected: &str) -> (String, String) {
    match expected {
        "i64" | "u32" | "u64" | "i32" => ("整数（例: 2）".into(), "a whole number (e.g. 2)".into()),
        "f64" => ("数（例: 1.5）".into(), "a number (e.g. 1.5)".into()),
        "a string" => (
            "引用符で囲んだ文字列（例: \"…\"）".into(),
            "text in quotes (e.g. \"…\")".into(),
        ),
        "a boolean" => ("true か false".into(), "true or false".into()),
        "a sequence" => (
            "配列（例: [\"a\", \"b\"]）".into(),
            "an array (e.g. [\"a\", \"b\"])".into(),
        ),
        "a date" => (
            "日付（例: 2020-04-01 または \"令和2年4月1日\"）".into(),
            "a date (e.g. 2020-04-01 or \"令和2年4月1日\")".into(),
        ),
        s if s.starts_with("struct RawMsg") => (
            "日英の表（例: { ja = \"…\", en = \"…\" }）".into(),
            "a table of both languages (e.g. { ja = \"…\", en = \"…\" })".into(),
        ),
        s if s.starts_with("struct") => ("表（[…] または { … }）".into(), "a table".into()),
        s => (s.to_string(), s.to_string()),
    }
}

// ---------------------------------------------------------------------------------------
// Locating a key path in the text, for line numbers.

/// Line and column (from 1, column in characters) of a byte offset.
fn position(text: &str, offset: usize) -> Option<(usize, usize)> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, l)| l)
        .chars()
        .count()
        + 1;
    Some((line, column))
}

/// The position of the deepest key of `path` (`rules.suspensions[1].cap_years`) found in
/// the text.
fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    if path.is_empty() {
        return None;
    }
    let root = toml::de::DeTable::parse(text).ok()?;
    locate_in(root.get_ref(), text, path)
}

/// [`locate`] in the text already parsed as `root`.
fn locate_in(root: &toml::de::DeTable, text: &str, path: &str) -> Option<(usize, usize)> {
    use toml::de::{DeTable, DeValue};
    if path.is_empty() {
        return None;
    }
    let mut table: &DeTable = root;
    let mut found = None;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (key, indices) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == key) else {
            break;
        };
        found = Some(k.span().start);
        let mut value = v;
        for index in indices
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse::<usize>().ok())
        {
            match value.get_ref() {
                DeValue::Array(items) => match items.get(index) {
                    Some(item) => {
                        value = item;
                        found = Some(item.span().start);
                    }
                    None => break,
                },
                _ => break,
            }
        }
        match value.get_ref() {
            DeValue::Table(t) if segments.peek().is_some() => table = t,
            _ => break,
        }
    }
    found.and_then(|offset| position(text, offset))
}

// ---------------------------------------------------------------------------------------
// Checks: each converts a raw value or records an error with its key path.

struct Check<'a> {
    file: &'a str,
    errors: Vec<SchemeError>,
}

fn msg(ja: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new(ja, en)
}

impl Check<'_> {
    fn push(&mut self, key: &str, kind: ErrorKind, problem: Msg, fix: Msg) {
        self.errors
            .push(SchemeError::new(self.file, key, kind, problem, fix));
    }

    fn invalid(&mut self, key: &str, problem: Msg, fix: Msg) {
        self.push(key, ErrorKind::InvalidValue, problem, fix);
    }

    fn contradiction(&mut self, key: &str, problem: Msg, fix: Msg) {
        self.push(key, ErrorKind::Contradiction, problem, fix);
    }

    fn text(&mut self, key: &str, s: String) -> Option<String> {
        let t = s.trim();
        if t.is_empty() {
            self.invalid(
                key,
                msg("空欄です", "it is empty"),
                msg("内容を書いてください", "write the text"),
            );
            None
        } else {
            Some(t.to_string())
        }
    }

    fn msg(&mut self, key: &str, m: RawMsg) -> Option<Msg> {
        let ja = self.text(&format!("{key}.ja"), m.ja);
        let en = self.text(&format!("{key}.en"), m.en);
        Some(Msg::new(ja?, en?))
    }

    /// `source` and `description` of a rule.
    fn cite<T>(
        &mut self,
        key: &str,
        rule: Option<T>,
        source: String,
        d: RawMsg,
    ) -> Option<Cited<T>> {
        let source = self.text(&format!("{key}.source"), source);
        let description = self.msg(&format!("{key}.description"), d);
        Some(Cited {
            rule: rule?,
            source: source?,
            description: description?,
        })
    }

    /// A number of years; `positive` refuses zero.
    fn years(&mut self, key: &str, x: f64, positive: bool) -> Option<Span> {
        let span = Span::from_years_f64(x);
        match span {
            Some(s) if !(positive && s.is_zero()) => Some(s),
            _ => {
                let shown = show_number(x);
                let (problem, fix) = if x.is_finite() && x < 0.0 {
                    (
                        msg(
                            format!("年数が負の値（{shown}）です"),
                            format!("the number of years is negative ({shown})"),
                        ),
                        msg("0以上の年数を書いてください", "give zero or more years"),
                    )
                } else if positive && x == 0.0 {
                    (
                        msg("年数が0です", "the number of years is 0"),
                        msg(
                            "0より大きい年数を書くか、この規則を削除してください",
                            "give more than zero years, or remove the rule",
                        ),
                    )
                } else {
                    (
                        msg(
                            format!("年数「{shown}」は使えません"),
                            format!("{shown} is not a usable number of years"),
                        ),
                        msg(
                            format!(
                                "0から{}までの年数を、1か月単位（1.5 = 1年6か月）で書いてください",
                                Span::MAX_YEARS
                            ),
                            format!(
                                "give years from 0 to {} in whole months (1.5 = 1 year 6 months)",
                                Span::MAX_YEARS
                            ),
                        ),
                    )
                };
                self.invalid(key, problem, fix);
                None
            }
        }
    }

    fn count(&mut self, key: &str, n: i64, min: i64, max: i64) -> Option<u32> {
        if (min..=max).contains(&n) {
            u32::try_from(n).ok()
        } else {
            self.invalid(
                key,
                msg(
                    format!("値 {n} は範囲外です"),
                    format!("{n} is out of range"),
                ),
                msg(
                    format!("{min}から{max}までの整数を書いてください"),
                    format!("give a whole number from {min} to {max}"),
                ),
            );
            None
        }
    }

    /// The value parsed, or its problem and fix recorded at `key`.
    fn parsed<T>(&mut self, key: &str, r: Result<T, impl Explain>) -> Option<T> {
        r.map_err(|e| self.invalid(key, e.problem(), e.fix())).ok()
    }

    fn kind(&mut self, key: &str, s: &str) -> Option<AssignmentKind> {
        self.parsed(key, AssignmentKind::parse(s))
    }

    /// A list of assignment kinds without repeats.
    fn kinds(&mut self, key: &str, list: Vec<String>) -> Option<Vec<AssignmentKind>> {
        let mut out: Vec<AssignmentKind> = Vec::new();
        let mut ok = true;
        for (i, s) in list.iter().enumerate() {
            let k = format!("{key}[{i}]");
            match self.kind(&k, s) {
                Some(kind) if out.contains(&kind) => {
                    self.invalid(
                        &k,
                        msg(
                            format!("「{}」が二度書かれています", kind.label(Lang::Ja)),
                            format!("'{}' is listed twice", kind.code()),
                        ),
                        msg("重複を削除してください", "remove the repeat"),
                    );
                    ok = false;
                }
                Some(kind) => out.push(kind),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn date(&mut self, key: &str, d: RawDate) -> Option<NaiveDate> {
        let text = match d {
            RawDate::Text(s) => s,
            RawDate::Toml(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(date), None, None) => {
                    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
                }
                _ => {
                    self.invalid(
                        key,
                        msg(
                            format!("「{dt}」は日付だけではありません"),
                            format!("{dt} is not a plain date"),
                        ),
                        msg(
                            "時刻を付けずに日付だけを書いてください（例: 2020-04-01）",
                            "write the date alone, without a time (e.g. 2020-04-01)",
                        ),
                    );
                    return None;
                }
            },
        };
        self.parsed(key, parse_date(&text))
    }

    fn choice<T: Copy>(
        &mut self,
        key: &str,
        s: &str,
        parse: impl Fn(&str) -> Option<T>,
        codes: &[&str],
    ) -> Option<T> {
        let found = parse(s.trim());
        if found.is_none() {
            self.invalid(
                key,
                msg(
                    format!("「{s}」は選択肢にありません"),
                    format!("'{s}' is not one of the choices"),
                ),
                msg(
                    format!("次のいずれかを書いてください: {}", codes.join(", ")),
                    format!("use one of: {}", codes.join(", ")),
                ),
            );
        }
        found
    }

    // -- the file --------------------------------------------------------------------

    fn scheme(&mut self, raw: RawScheme) -> Option<SchemeDefinition> {
        let id = self.parsed("id", SchemeId::parse(&raw.id));
        let version = self.count("version", raw.version, 1, 100_000);
        let effective_from = raw.effective_from.map(|d| self.date("effective_from", d));
        let effective_until = raw.effective_until.map(|d| self.date("effective_until", d));
        if let (Some(Some(from)), Some(Some(until))) = (effective_from, effective_until)
            && until < from
        {
            let (problem, fix) = crate::error::until_before_from(from, until);
            self.contradiction("effective_until", problem, fix);
        }
        let kind = self.choice(
            "kind",
            &raw.kind,
            SchemeKind::parse,
            &SchemeKind::ALL.map(SchemeKind::code),
        );
        let pref = self.parsed("pref", PrefCode::parse(&raw.pref.0));
        let name = self.msg("name", raw.name);
        let sponsor = raw.sponsor.map(|s| self.text("sponsor", s));
        let source = self.text("source", raw.source);
        let rules = self.rules(raw.rules);
        let statuses = raw.statuses.map(|s| self.statuses(s));
        let notes: Vec<Option<Note>> = raw
            .notes
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let key = format!("notes[{i}]");
                let source = self.text(&format!("{key}.source"), n.source);
                let description = self.msg(&format!("{key}.description"), n.description);
                Some(Note {
                    source: source?,
                    description: description?,
                })
            })
            .collect();
        Some(SchemeDefinition {
            id: id?,
            version: version?,
            effective_from: effective_from.flatten(),
            effective_until: effective_until.flatten(),
            kind: kind?,
            pref: pref?,
            name: name?,
            sponsor: sponsor.flatten(),
            source: source?,
            file: self.file.to_string(),
            rules,
            statuses: statuses.flatten(),
            notes: notes.into_iter().collect::<Option<Vec<_>>>()?,
        })
    }

    fn statuses(&mut self, raw: RawStatuses) -> Option<Cited<StatusLabels>> {
        let mut labels = BTreeMap::new();
        for (status, word) in [
            (ObligationStatus::InitialResidency, raw.initial_residency),
            (ObligationStatus::InService, raw.in_service),
            (ObligationStatus::Suspended, raw.suspended),
            (ObligationStatus::Completed, raw.completed),
        ] {
            if let Some(word) = word
                && let Some(word) = self.text(&format!("statuses.{}", status.code()), word)
            {
                labels.insert(status, word);
            }
        }
        if labels.is_empty() {
            self.invalid(
                "statuses",
                msg("状態の呼び名が一つもありません", "no status label is given"),
                msg(
                    "initial_residency、in_service、suspended、completed のいずれかに呼び名を書くか、[statuses] を削除してください",
                    "give a label for initial_residency, in_service, suspended or completed, or remove [statuses]",
                ),
            );
        }
        let rule = (!labels.is_empty()).then_some(StatusLabels(labels));
        self.cite("statuses", rule, raw.source, raw.description)
    }

    // -- the rules -------------------------------------------------------------------

    fn rules(&mut self, raw: RawRules) -> Rules {
        let obligation = raw.obligation.and_then(|r| self.obligation(r));
        let service = raw.service.and_then(|r| self.service(r));
        let designated = raw.designated.and_then(|r| self.designated(r));
        let deadline = raw.deadline.and_then(|r| self.deadline(r));
        let suspensions_given = !raw.suspensions.is_empty();
        let suspensions = self.suspensions(raw.suspensions, service.as_deref());
        let outside_prefecture = raw.outside_prefecture.and_then(|r| {
            let key = "rules.outside_prefecture";
            let max = self.years(&format!("{key}.max_years"), r.max_years, false);
            let applies_to = self.kinds(&format!("{key}.applies_to"), r.applies_to);
            let rule = (|| {
                Some(OutsidePrefecture {
                    max: max?,
                    includes_abroad: r.includes_abroad,
                    applies_to: applies_to?,
                })
            })();
            self.cite(key, rule, r.source, r.description)
        });
        let tenure = raw.tenure.and_then(|r| {
            let key = "rules.tenure";
            let min = self.years(
                &format!("{key}.min_years_per_facility"),
                r.min_years_per_facility,
                true,
            );
            let applies_to = self.kinds(&format!("{key}.applies_to"), r.applies_to);
            let rule = (|| {
                Some(Tenure {
                    min_per_facility: min?,
                    applies_to: applies_to?,
                    dispatch_allowed: r.dispatch_allowed,
                })
            })();
            self.cite(key, rule, r.source, r.description)
        });
        let specialist = raw.specialist.and_then(|r| {
            let key = "rules.specialist";
            let year = self.count(
                &format!("{key}.by_year_after_graduation"),
                r.by_year_after_graduation,
                1,
                60,
            );
            let training = r
                .training_years
                .map(|n| self.count(&format!("{key}.training_years"), n, 1, 10));
            let rule = year.zip(training.map_or(Some(None), |t| t.map(Some))).map(
                |(y, training_years)| SpecialistBy {
                    year_after_graduation: y,
                    training_years,
                },
            );
            self.cite(key, rule, r.source, r.description)
        });
        let rotation = raw.rotation.and_then(|r| self.rotation(r));
        let limits = raw
            .limits
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let key = format!("rules.limits[{i}]");
                let kinds = self.kinds(&format!("{key}.kinds"), r.kinds);
                if kinds.as_ref().is_some_and(Vec::is_empty) {
                    self.invalid(
                        &format!("{key}.kinds"),
                        msg(
                            "勤務区分が一つもありません",
                            "no kind of assignment is listed",
                        ),
                        msg(
                            "上限をかける勤務区分を書いてください（例: [\"graduate_school\"]）",
                            "list the kinds the cap applies to (e.g. [\"graduate_school\"])",
                        ),
                    );
                }
                let max = self.years(&format!("{key}.max_years"), r.max_years, false);
                let rule = (|| {
                    Some(KindLimit {
                        kinds: kinds.filter(|k| !k.is_empty())?,
                        max: max?,
                    })
                })();
                self.cite(&key, rule, r.source, r.description)
            })
            .collect();
        let initial_residency = raw.initial_residency.and_then(|r| {
            let rule = Some(InitialResidency {
                in_prefecture: r.in_prefecture,
            });
            self.cite("rules.initial_residency", rule, r.source, r.description)
        });
        let repayment = raw.repayment.and_then(|r| self.repayment(r));
        let rules = Rules {
            obligation,
            service,
            designated,
            deadline,
            suspensions,
            outside_prefecture,
            tenure,
            specialist,
            rotation,
            limits,
            initial_residency,
            repayment,
        };
        self.contradictions(&rules, suspensions_given);
        rules
    }

    fn obligation(&mut self, r: RawObligation) -> Option<Cited<ObligationLength>> {
        let key = "rules.obligation";
        let rule = match (r.fixed_years, r.loan_factor) {
            (Some(_), Some(_)) | (None, None) => {
                let both = r.fixed_years.is_some();
                self.push(
                    &format!("{key}.fixed_years"),
                    if both {
                        ErrorKind::Contradiction
                    } else {
                        ErrorKind::MissingKey
                    },
                    if both {
                        msg(
                            "fixed_years と loan_factor の両方が書かれています",
                            "both fixed_years and loan_factor are given",
                        )
                    } else {
                        msg(
                            "義務年限の長さ（fixed_years か loan_factor）がありません",
                            "the length of the obligation (fixed_years or loan_factor) is missing",
                        )
                    },
                    msg(
                        "固定年数なら fixed_years = 9、貸与期間の倍数なら loan_factor = 1.5 と rounding のどちらか一方を書いてください",
                        "give either fixed_years = 9, or loan_factor = 1.5 with rounding, not both",
                    ),
                );
                None
            }
            (Some(years), None) => {
                for (name, given) in [
                    ("rounding", r.rounding.is_some()),
                    ("max_loan_years", r.max_loan_years.is_some()),
                ] {
                    if given {
                        self.contradiction(
                            &format!("{key}.{name}"),
                            msg(
                                format!("{name} は loan_factor と組で使うもので、fixed_years とは矛盾します"),
                                format!("{name} belongs with loan_factor and contradicts fixed_years"),
                            ),
                            msg(
                                format!("{name} を削除するか、fixed_years の代わりに loan_factor を使ってください"),
                                format!("remove {name}, or use loan_factor instead of fixed_years"),
                            ),
                        );
                    }
                }
                self.years(&format!("{key}.fixed_years"), years, true)
                    .map(ObligationLength::Fixed)
            }
            (None, Some(factor)) => {
                let fkey = format!("{key}.loan_factor");
                let hundredths = (factor * 100.0).round();
                let factor_ok = factor.is_finite()
                    && factor > 0.0
                    && factor <= 10.0
                    && (factor * 100.0 - hundredths).abs() < 1e-6;
                if !factor_ok {
                    self.invalid(
                        &fkey,
                        msg(
                            format!("倍率「{}」は使えません", show_number(factor)),
                            format!("{} is not a usable factor", show_number(factor)),
                        ),
                        msg(
                            "0より大きく10以下の倍率を小数2桁までで書いてください（例: 1.5）",
                            "give a factor above 0 and at most 10, with at most two decimals (e.g. 1.5)",
                        ),
                    );
                }
                let rounding = match r.rounding {
                    Some(s) => self.choice(
                        &format!("{key}.rounding"),
                        &s,
                        Rounding::parse,
                        &Rounding::ALL.map(Rounding::code),
                    ),
                    None => {
                        self.push(
                            &format!("{key}.rounding"),
                            ErrorKind::MissingKey,
                            msg(
                                "loan_factor の端数の扱い（rounding）がありません",
                                "loan_factor needs a rounding rule (rounding)",
                            ),
                            msg(
                                "rounding = \"up_to_month\"（1か月未満切り上げ）などを書いてください。選択肢: up_to_month, up_to_year, down_to_month, down_to_year",
                                "add e.g. rounding = \"up_to_month\"; choices: up_to_month, up_to_year, down_to_month, down_to_year",
                            ),
                        );
                        None
                    }
                };
                let max_loan = match r.max_loan_years {
                    Some(y) => self
                        .years(&format!("{key}.max_loan_years"), y, true)
                        .map(Some),
                    None => Some(None),
                };
                (|| {
                    Some(ObligationLength::LoanFactor {
                        factor_hundredths: factor_ok.then_some(hundredths as u32)?,
                        rounding: rounding?,
                        max_loan: max_loan?,
                    })
                })()
            }
        };
        self.cite(key, rule, r.source, r.description)
    }

    fn service(&mut self, r: RawService) -> Option<Cited<ServiceCounting>> {
        let key = "rules.service";
        let kinds = self.kinds(&format!("{key}.kinds"), r.kinds);
        if let Some(kinds) = &kinds {
            for (i, k) in kinds.iter().enumerate() {
                let ik = format!("{key}.kinds[{i}]");
                if *k == AssignmentKind::InitialResidency {
                    self.invalid(
                        &ik,
                        msg(
                            "初期臨床研修は kinds ではなく initial_residency_counts で指定します",
                            "initial residency is set by initial_residency_counts, not in kinds",
                        ),
                        msg(
                            "kinds から外し、initial_residency_counts = true と書いてください",
                            "remove it from kinds and write initial_residency_counts = true",
                        ),
                    );
                } else if k.is_leave() {
                    self.invalid(
                        &ik,
                        msg(
                            format!("「{}」は休業で、勤務には数えられません", k.label(Lang::Ja)),
                            format!("'{}' is leave, not service", k.code()),
                        ),
                        msg(
                            "kinds から外し、認める休業は [[rules.suspensions]] に書いてください",
                            "remove it from kinds; list allowed leave under [[rules.suspensions]]",
                        ),
                    );
                }
            }
            if kinds.is_empty() && !r.initial_residency_counts {
                self.invalid(
                    &format!("{key}.kinds"),
                    msg(
                        "義務年限に数える勤務が一つもありません",
                        "no kind of assignment counts as service",
                    ),
                    msg(
                        "数える勤務区分を書いてください（例: [\"designated_service\"]）",
                        "list the kinds that count (e.g. [\"designated_service\"])",
                    ),
                );
            }
        }
        let min_fte = r.min_fte.map(|x| {
            let fte = Fte::from_f64(x).ok();
            if fte.is_none() {
                let shown = show_number(x);
                let problem = if x > 1.0 {
                    msg(
                        format!("最低常勤換算 {shown} が1（常勤）を超えています"),
                        format!("min_fte {shown} is more than 1 (full time)"),
                    )
                } else {
                    msg(
                        format!("最低常勤換算 {shown} は使えません"),
                        format!("min_fte {shown} is not usable"),
                    )
                };
                self.invalid(
                    &format!("{key}.min_fte"),
                    problem,
                    msg(
                        "常勤を1として、0.01から1までの数（小数2桁まで）を書いてください（例: 0.5）",
                        "give a share of full time from 0.01 to 1, two decimals at most (e.g. 0.5)",
                    ),
                );
            }
            fte
        });
        let rule = (|| {
            Some(ServiceCounting {
                kinds: kinds?,
                initial_residency_counts: r.initial_residency_counts,
                within_prefecture: r.within_prefecture,
                pro_rata_fte: r.pro_rata_fte,
                min_fte: match min_fte {
                    Some(f) => Some(f?),
                    None => None,
                },
            })
        })();
        self.cite(key, rule, r.source, r.description)
    }

    fn designated(&mut self, r: RawDesignated) -> Option<Cited<DesignatedService>> {
        let key = "rules.designated";
        let min = match r.min_years {
            Some(y) => self.years(&format!("{key}.min_years"), y, true).map(Some),
            None => Some(None),
        };
        let mut places = Vec::new();
        let mut ok = true;
        for (i, p) in r.places.iter().enumerate() {
            let pk = format!("{key}.places[{i}]");
            match self.choice(&pk, p, Place::parse, &Place::ALL.map(Place::code)) {
                Some(place) if places.contains(&place) => {
                    ok = false;
                    self.invalid(
                        &pk,
                        msg(
                            format!("「{p}」が二度書かれています"),
                            format!("'{p}' is listed twice"),
                        ),
                        msg("重複を削除してください", "remove the repeat"),
                    );
                }
                Some(place) => places.push(place),
                None => ok = false,
            }
        }
        if r.places.is_empty() {
            ok = false;
            self.invalid(
                &format!("{key}.places"),
                msg("場所が一つもありません", "no place is listed"),
                msg(
                    "places = [\"designated_facility\"] または [\"shortage_area\"] のように書いてください",
                    "write places = [\"designated_facility\"] or [\"shortage_area\"], or both",
                ),
            );
        }
        let rule = (|| {
            Some(DesignatedService {
                min: min?,
                places: ok.then_some(places)?,
            })
        })();
        self.cite(key, rule, r.source, r.description)
    }

    fn deadline(&mut self, r: RawDeadline) -> Option<Cited<Deadline>> {
        let key = "rules.deadline";
        let years = self.count(
            &format!("{key}.years_after_graduation"),
            r.years_after_graduation,
            1,
            Span::MAX_YEARS as i64,
        );
        let rule = years.map(|y| Deadline {
            years_after_graduation: y,
            extended_by_suspensions: r.extended_by_suspensions,
        });
        self.cite(key, rule, r.source, r.description)
    }

    fn suspensions(
        &mut self,
        raw: Vec<RawSuspension>,
        service: Option<&ServiceCounting>,
    ) -> Vec<Cited<Suspension>> {
        let mut out: Vec<Cited<Suspension>> = Vec::new();
        for (i, r) in raw.into_iter().enumerate() {
            let key = format!("rules.suspensions[{i}]");
            let kkey = format!("{key}.kind");
            let kind = self.kind(&kkey, &r.kind);
            if let Some(k) = kind {
                if out.iter().any(|s| s.kind == k) {
                    self.invalid(
                        &kkey,
                        msg(
                            format!("「{}」の中断が二度定義されています", k.label(Lang::Ja)),
                            format!("a suspension of kind '{}' is defined twice", k.code()),
                        ),
                        msg("一つにまとめてください", "keep one entry per kind"),
                    );
                } else if k == AssignmentKind::InitialResidency
                    || service.is_some_and(|s| s.counts(k))
                {
                    self.contradiction(
                        &kkey,
                        msg(
                            format!(
                                "「{}」は義務年限に数える勤務とされているので、中断にはなりません",
                                k.label(Lang::Ja)
                            ),
                            format!(
                                "'{}' counts as service in rules.service, so it cannot also suspend it",
                                k.code()
                            ),
                        ),
                        msg(
                            "rules.service.kinds とこの中断のどちらか一方から外してください",
                            "remove it either from rules.service.kinds or from the suspensions",
                        ),
                    );
                }
            }
            let cap = match r.cap_years {
                Some(y) => self.years(&format!("{key}.cap_years"), y, true).map(Some),
                None => Some(None),
            };
            let rule = (|| {
                Some(Suspension {
                    kind: kind?,
                    cap: cap?,
                })
            })();
            if let Some(c) = self.cite(&key, rule, r.source, r.description)
                && !out.iter().any(|s| s.kind == c.kind)
            {
                out.push(c);
            }
        }
        out
    }

    fn rotation(&mut self, r: RawRotation) -> Option<Cited<Rotation>> {
        let key = "rules.rotation";
        let applies_to = self.kinds(&format!("{key}.applies_to"), r.applies_to);
        let min_sites = self.count(&format!("{key}.min_sites"), r.min_sites, 1, 50);
        let mut groups: Vec<GroupRequirement> = Vec::new();
        let mut ok = true;
        for (i, g) in r.groups.into_iter().enumerate() {
            let gk = format!("{key}.groups[{i}]");
            let group = self.parsed(&format!("{gk}.group"), FacilityGroup::parse(&g.group));
            if let Some(group) = group
                && groups.iter().any(|x| x.group == group)
            {
                ok = false;
                self.invalid(
                    &format!("{gk}.group"),
                    msg(
                        format!("施設群「{}」が二度書かれています", group.label(Lang::Ja)),
                        format!("facility group '{}' is listed twice", group.code()),
                    ),
                    msg("一つにまとめてください", "keep one entry per group"),
                );
            }
            let sites = self.count(&format!("{gk}.min_sites"), g.min_sites, 1, 50);
            let per_site = match g.min_years_per_site {
                Some(y) => self
                    .years(&format!("{gk}.min_years_per_site"), y, true)
                    .map(Some),
                None => Some(None),
            };
            let source = match g.source {
                Some(s) => self.text(&format!("{gk}.source"), s).map(Some),
                None => Some(None),
            };
            match (group, sites, per_site, source) {
                (Some(group), Some(min_sites), Some(min_per_site), Some(source)) => {
                    groups.push(GroupRequirement {
                        group,
                        min_sites,
                        min_per_site,
                        source,
                    })
                }
                _ => ok = false,
            }
        }
        let rule = (|| {
            Some(Rotation {
                applies_to: applies_to?,
                min_sites: min_sites?,
                within_prefecture: r.within_prefecture,
                groups: ok.then_some(groups)?,
            })
        })();
        self.cite(key, rule, r.source, r.description)
    }

    fn repayment(&mut self, r: RawRepayment) -> Option<Cited<Repayment>> {
        let key = "rules.repayment";
        let principal = self.choice(
            &format!("{key}.principal"),
            &r.principal,
            Principal::parse,
            &Principal::ALL.map(Principal::code),
        );
        let rate = match r.annual_interest_percent {
            Some(p) => {
                let bp = (p * 100.0).round();
                let valid =
                    p.is_finite() && (0.0..=100.0).contains(&p) && (p * 100.0 - bp).abs() < 1e-6;
                if !valid {
                    self.invalid(
                        &format!("{key}.annual_interest_percent"),
                        msg(
                            format!("年利 {}% は使えません", show_number(p)),
                            format!("an annual rate of {}% is not usable", show_number(p)),
                        ),
                        msg(
                            "0から100までの百分率を小数2桁までで書いてください（例: 10.95）",
                            "give a percentage from 0 to 100, two decimals at most (e.g. 10.95)",
                        ),
                    );
                }
                valid.then_some(Some(bp as u32))
            }
            None => Some(None),
        };
        let from = match &r.interest_from {
            Some(s) => self
                .choice(
                    &format!("{key}.interest_from"),
                    s,
                    InterestFrom::parse,
                    &InterestFrom::ALL.map(InterestFrom::code),
                )
                .map(Some),
            None => Some(None),
        };
        if !r.interest {
            for (name, given) in [
                (
                    "annual_interest_percent",
                    r.annual_interest_percent.is_some(),
                ),
                ("interest_from", r.interest_from.is_some()),
            ] {
                if given {
                    self.contradiction(
                        &format!("{key}.{name}"),
                        msg(
                            format!("interest = false（利息なし）なのに {name} が書かれています"),
                            format!("{name} is given but interest = false"),
                        ),
                        msg(
                            format!("利息があるなら interest = true に、ないなら {name} を削除してください"),
                            format!("set interest = true if interest is charged, otherwise remove {name}"),
                        ),
                    );
                }
            }
        }
        let rule = (|| {
            Some(Repayment {
                principal: principal?,
                interest: r.interest,
                annual_rate_bp: rate?,
                interest_from: from?,
            })
        })();
        self.cite(key, rule, r.source, r.description)
    }

    /// Rules that cannot all hold.
    fn contradictions(&mut self, rules: &Rules, suspensions_given: bool) {
        let longest = rules.obligation.as_ref().and_then(|o| o.longest());
        if let (Some(obligation), Some(min)) =
            (longest, rules.designated.as_ref().and_then(|d| d.min))
            && min > obligation
        {
            self.contradiction(
                "rules.designated.min_years",
                msg(
                    format!(
                        "指定医療機関等での勤務（{}）が義務年限（{}）より長くなっています",
                        min.label(Lang::Ja),
                        obligation.label(Lang::Ja)
                    ),
                    format!(
                        "the designated service ({min}) is longer than the whole obligation ({obligation})"
                    ),
                ),
                msg(
                    "指定勤務は義務年限の一部です。min_years を義務年限以下にするか、義務年限を見直してください",
                    "designated service is part of the obligation: make min_years at most the obligation, or correct the obligation",
                ),
            );
        }
        if let Some(deadline) = &rules.deadline {
            let residency_counts = rules.service.as_ref().map(|s| s.initial_residency_counts);
            let residency = if residency_counts == Some(false) {
                Span::years(RESIDENCY_YEARS)
            } else {
                Span::ZERO
            };
            let window = Span::years(deadline.years_after_graduation);
            let needed = rules
                .obligation
                .as_ref()
                .map(|o| o.longest().unwrap_or_else(|| o.shortest()))
                .map(|o| o.saturating_add(residency));
            if let Some(needed) = needed
                && window < needed
            {
                let (why_ja, why_en) = if residency.is_zero() {
                    (String::new(), String::new())
                } else {
                    (
                        "（初期臨床研修2年は数えないため、その分も必要です）".to_string(),
                        " (initial residency does not count, so its 2 years come first)"
                            .to_string(),
                    )
                };
                self.contradiction(
                    "rules.deadline.years_after_graduation",
                    msg(
                        format!(
                            "期限の卒後{}年では義務年限を終えられません。少なくとも{}必要です{why_ja}",
                            deadline.years_after_graduation,
                            needed.label(Lang::Ja)
                        ),
                        format!(
                            "a deadline of {} years after graduation is shorter than the obligation: at least {needed} are needed{why_en}",
                            deadline.years_after_graduation
                        ),
                    ),
                    msg(
                        format!(
                            "years_after_graduation を{}以上にするか、義務年限を見直してください",
                            needed.label(Lang::Ja)
                        ),
                        format!(
                            "make years_after_graduation at least {needed}, or correct the obligation"
                        ),
                    ),
                );
            }
            if deadline.extended_by_suspensions && !suspensions_given {
                self.contradiction(
                    "rules.deadline.extended_by_suspensions",
                    msg(
                        "中断で期限を延長するとされていますが、認める中断が一つもありません",
                        "the deadline is extended by suspensions, but no suspension is allowed",
                    ),
                    msg(
                        "[[rules.suspensions]] に認める中断を書くか、extended_by_suspensions = false にしてください",
                        "list the allowed suspensions under [[rules.suspensions]], or set extended_by_suspensions = false",
                    ),
                );
            }
        }
    }
}

/// A number as written back in a message.
fn show_number(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x}");
        s.chars().take(24).collect()
    } else if x.is_nan() {
        "nan".into()
    } else {
        "inf".into()
    }
}
