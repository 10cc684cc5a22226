//! Reader for the Curtois–Qu shift scheduling text format.
//!
//! Sections start with a `SECTION_*` line and end at a blank line; `#` starts a comment line.
//! Shift and employee IDs are mapped to indices in order of appearance.

use std::collections::HashMap;

use super::model::{Cover, Employee, Instance, Request, Shift};

/// A line of the input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} ({section}): {message}")]
pub struct ParseError {
    /// 1-based line number (for a missing section: the line after the last one).
    pub line: usize,
    /// The section being read (`SECTION_STAFF`, …), or `(none)` outside any section.
    pub section: String,
    /// What is wrong, in English.
    pub message: String,
    /// The same, in Japanese.
    pub ja: String,
}

const HORIZON: &str = "SECTION_HORIZON";
const SHIFTS: &str = "SECTION_SHIFTS";
const STAFF: &str = "SECTION_STAFF";
const DAYS_OFF: &str = "SECTION_DAYS_OFF";
const ON_REQUESTS: &str = "SECTION_SHIFT_ON_REQUESTS";
const OFF_REQUESTS: &str = "SECTION_SHIFT_OFF_REQUESTS";
const COVER: &str = "SECTION_COVER";
const SECTIONS: [&str; 7] = [
    HORIZON,
    SHIFTS,
    STAFF,
    DAYS_OFF,
    ON_REQUESTS,
    OFF_REQUESTS,
    COVER,
];

/// One data line: its number and its trimmed text.
type Line<'a> = (usize, &'a str);

struct Reader {
    section: &'static str,
}

impl Reader {
    fn err(&self, line: usize, message: String, ja: String) -> ParseError {
        ParseError {
            line,
            section: self.section.to_string(),
            message,
            ja,
        }
    }

    fn fields<'t>(
        &self,
        line: Line<'t>,
        min: usize,
        max: usize,
    ) -> Result<Vec<&'t str>, ParseError> {
        let fields: Vec<&str> = line.1.split(',').map(str::trim).collect();
        if fields.len() < min || fields.len() > max {
            let want = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(self.err(
                line.0,
                format!(
                    "expected {want} comma-separated fields, found {}",
                    fields.len()
                ),
                format!(
                    "カンマ区切りの項目が {want} 個必要ですが、{} 個あります",
                    fields.len()
                ),
            ));
        }
        Ok(fields)
    }

    fn number<T: std::str::FromStr>(
        &self,
        line: usize,
        what: &str,
        text: &str,
    ) -> Result<T, ParseError> {
        text.parse::<T>().map_err(|_| {
            self.err(
                line,
                format!("{what}: '{text}' is not a valid number"),
                format!("{what}: 「{text}」は有効な数値ではありません"),
            )
        })
    }

    /// A count or a length: a non-negative integer (`-0` is read as 0, as in Instance15).
    fn count(&self, line: usize, what: &str, text: &str) -> Result<u32, ParseError> {
        let value: i64 = self.number(line, what, text)?;
        u32::try_from(value).map_err(|_| {
            self.err(
                line,
                format!("{what}: {value} is out of range (0 to {})", u32::MAX),
                format!("{what}: {value} は範囲外です（0–{}）", u32::MAX),
            )
        })
    }

    fn day(&self, line: usize, text: &str, days: usize) -> Result<usize, ParseError> {
        let day: usize = self.number(line, "day", text)?;
        if day >= days {
            return Err(self.err(
                line,
                format!(
                    "day {day} is outside the horizon of {days} days (0–{})",
                    days - 1
                ),
                format!(
                    "日 {day} は計画期間 {days} 日（0–{}）の範囲外です",
                    days - 1
                ),
            ));
        }
        Ok(day)
    }

    fn id(
        &self,
        line: usize,
        text: &str,
        ids: &HashMap<&str, usize>,
        kind: Kind,
    ) -> Result<usize, ParseError> {
        ids.get(text).copied().ok_or_else(|| {
            let (en, ja) = kind.names();
            self.err(
                line,
                format!("unknown {en} ID '{text}'"),
                format!("{ja} ID「{text}」は定義されていません"),
            )
        })
    }

    fn new_id(&self, line: usize, text: &str, kind: Kind) -> Result<(), ParseError> {
        let (en, ja) = kind.names();
        if text.is_empty() {
            return Err(self.err(line, format!("empty {en} ID"), format!("{ja} ID が空です")));
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Shift,
    Employee,
}

impl Kind {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Kind::Shift => ("shift", "シフト"),
            Kind::Employee => ("employee", "職員"),
        }
    }
}

/// Reads an instance in the Curtois–Qu text format. `name` becomes [`Instance::name`].
pub fn parse(name: &str, text: &str) -> Result<Instance, ParseError> {
    // Split into sections.
    let mut sections: HashMap<&'static str, (usize, Vec<Line<'_>>)> = HashMap::new();
    let mut current: Option<&'static str> = None;
    let mut last_line = 0;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        last_line = number;
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            current = None;
            continue;
        }
        if line.starts_with("SECTION_") {
            let Some(&known) = SECTIONS.iter().find(|s| **s == line) else {
                return Err(ParseError {
                    line: number,
                    section: current.unwrap_or("(none)").to_string(),
                    message: format!("unknown section '{line}'"),
                    ja: format!("不明なセクション「{line}」です"),
                });
            };
            if let Some((first, _)) = sections.get(known) {
                return Err(ParseError {
                    line: number,
                    section: known.to_string(),
                    message: format!("section {known} appears twice (first on line {first})"),
                    ja: format!("セクション {known} が重複しています（最初は {first} 行目）"),
                });
            }
            sections.insert(known, (number, Vec::new()));
            current = Some(known);
            continue;
        }
        match current.and_then(|c| sections.get_mut(c)) {
            Some((_, lines)) => lines.push((number, line)),
            None => {
                return Err(ParseError {
                    line: number,
                    section: "(none)".to_string(),
                    message: format!("data outside any section: '{line}'"),
                    ja: format!("セクション外にデータがあります：「{line}」"),
                });
            }
        }
    }
    let mut take = |section: &'static str| -> Result<Vec<Line<'_>>, ParseError> {
        sections
            .remove(section)
            .map(|(_, lines)| lines)
            .ok_or_else(|| ParseError {
                line: last_line + 1,
                section: section.to_string(),
                message: format!("missing section {section}"),
                ja: format!("セクション {section} がありません"),
            })
    };
    let horizon = take(HORIZON)?;
    let shift_lines = take(SHIFTS)?;
    let staff_lines = take(STAFF)?;
    let days_off_lines = take(DAYS_OFF)?;
    let on_lines = take(ON_REQUESTS)?;
    let off_lines = take(OFF_REQUESTS)?;
    let cover_lines = take(COVER)?;

    // Horizon.
    let r = Reader { section: HORIZON };
    let days: usize = match horizon.as_slice() {
        [(line, text)] => {
            let days: usize = r.number(*line, "horizon", text)?;
            if days == 0 {
                return Err(r.err(
                    *line,
                    "the horizon must be at least one day".into(),
                    "計画期間は 1 日以上必要です".into(),
                ));
            }
            days
        }
        [] => {
            return Err(r.err(
                last_line + 1,
                "no horizon length given".into(),
                "計画期間の日数がありません".into(),
            ));
        }
        [_, (line, _), ..] => {
            return Err(r.err(
                *line,
                "the horizon section must hold a single number".into(),
                "計画期間のセクションには数値を 1 つだけ書きます".into(),
            ));
        }
    };

    // Shifts: IDs first (CannotFollow may name later shifts).
    let r = Reader { section: SHIFTS };
    let mut shift_ids: HashMap<&str, usize> = HashMap::new();
    let mut shift_rows = Vec::new();
    for &line in &shift_lines {
        let f = r.fields(line, 2, 3)?;
        r.new_id(line.0, f[0], Kind::Shift)?;
        if shift_ids.insert(f[0], shift_rows.len()).is_some() {
            return Err(r.err(
                line.0,
                format!("duplicate shift ID '{}'", f[0]),
                format!("シフト ID「{}」が重複しています", f[0]),
            ));
        }
        let minutes = r.count(line.0, "shift length", f[1])?;
        shift_rows.push((line.0, f[0], minutes, f.get(2).copied().unwrap_or("")));
    }
    if shift_rows.is_empty() {
        return Err(r.err(
            last_line + 1,
            "no shift types defined".into(),
            "シフトが 1 つも定義されていません".into(),
        ));
    }
    let mut shifts = Vec::with_capacity(shift_rows.len());
    for (line, id, minutes, follow) in shift_rows {
        let mut cannot_follow = Vec::new();
        for part in follow.split('|').map(str::trim).filter(|p| !p.is_empty()) {
            let s = r.id(line, part, &shift_ids, Kind::Shift)?;
            if !cannot_follow.contains(&s) {
                cannot_follow.push(s);
            }
        }
        shifts.push(Shift {
            id: id.to_string(),
            minutes,
            cannot_follow,
        });
    }

    // Staff.
    let r = Reader { section: STAFF };
    let mut staff_ids: HashMap<&str, usize> = HashMap::new();
    let mut staff = Vec::new();
    for &line in &staff_lines {
        let f = r.fields(line, 8, 8)?;
        r.new_id(line.0, f[0], Kind::Employee)?;
        if staff_ids.insert(f[0], staff.len()).is_some() {
            return Err(r.err(
                line.0,
                format!("duplicate employee ID '{}'", f[0]),
                format!("職員 ID「{}」が重複しています", f[0]),
            ));
        }
        // Shift types not listed are not limited.
        let unlimited = u32::try_from(days).unwrap_or(u32::MAX);
        let mut max_shifts = vec![unlimited; shifts.len()];
        let mut seen = vec![false; shifts.len()];
        for part in f[1].split('|').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((id, max)) = part.split_once('=') else {
                return Err(r.err(
                    line.0,
                    format!("MaxShifts entry '{part}' is not of the form ShiftID=max"),
                    format!("MaxShifts の項目「{part}」は ShiftID=上限 の形ではありません"),
                ));
            };
            let s = r.id(line.0, id.trim(), &shift_ids, Kind::Shift)?;
            if seen[s] {
                return Err(r.err(
                    line.0,
                    format!("shift '{}' appears twice in MaxShifts", id.trim()),
                    format!("MaxShifts にシフト「{}」が 2 回あります", id.trim()),
                ));
            }
            seen[s] = true;
            max_shifts[s] = r.count(line.0, "MaxShifts", max.trim())?;
        }
        staff.push(Employee {
            id: f[0].to_string(),
            max_shifts,
            max_total_minutes: r.count(line.0, "MaxTotalMinutes", f[2])?,
            min_total_minutes: r.count(line.0, "MinTotalMinutes", f[3])?,
            max_consecutive: r.count(line.0, "MaxConsecutiveShifts", f[4])?,
            min_consecutive: r.count(line.0, "MinConsecutiveShifts", f[5])?,
            min_consecutive_days_off: r.count(line.0, "MinConsecutiveDaysOff", f[6])?,
            max_weekends: r.count(line.0, "MaxWeekends", f[7])?,
            days_off: Vec::new(),
        });
    }
    if staff.is_empty() {
        return Err(r.err(
            last_line + 1,
            "no employees defined".into(),
            "職員が 1 人も定義されていません".into(),
        ));
    }

    // Days off.
    let r = Reader { section: DAYS_OFF };
    for &line in &days_off_lines {
        let f = r.fields(line, 1, usize::MAX)?;
        let e = r.id(line.0, f[0], &staff_ids, Kind::Employee)?;
        for text in f[1..].iter().filter(|t| !t.is_empty()) {
            let day = r.day(line.0, text, days)?;
            if !staff[e].days_off.contains(&day) {
                staff[e].days_off.push(day);
            }
        }
    }

    // Requests.
    let requests =
        |section: &'static str, lines: &[Line<'_>]| -> Result<Vec<Request>, ParseError> {
            let r = Reader { section };
            let mut out = Vec::with_capacity(lines.len());
            for &line in lines {
                let f = r.fields(line, 4, 4)?;
                out.push(Request {
                    employee: r.id(line.0, f[0], &staff_ids, Kind::Employee)?,
                    day: r.day(line.0, f[1], days)?,
                    shift: r.id(line.0, f[2], &shift_ids, Kind::Shift)?,
                    weight: r.number(line.0, "weight", f[3])?,
                });
            }
            Ok(out)
        };
    let on_requests = requests(ON_REQUESTS, &on_lines)?;
    let off_requests = requests(OFF_REQUESTS, &off_lines)?;

    // Cover.
    let r = Reader { section: COVER };
    let mut cover = Vec::with_capacity(cover_lines.len());
    let mut seen_cover: HashMap<(usize, usize), usize> = HashMap::new();
    for &line in &cover_lines {
        let f = r.fields(line, 5, 5)?;
        let day = r.day(line.0, f[0], days)?;
        let shift = r.id(line.0, f[1], &shift_ids, Kind::Shift)?;
        if let Some(first) = seen_cover.insert((day, shift), line.0) {
            return Err(r.err(
                line.0,
                format!(
                    "second cover row for day {day}, shift '{}' (first on line {first})",
                    f[1]
                ),
                format!(
                    "日 {day}・シフト「{}」の必要人数が重複しています（最初は {first} 行目）",
                    f[1]
                ),
            ));
        }
        cover.push(Cover {
            day,
            shift,
            requirement: r.count(line.0, "requirement", f[2])?,
            weight_under: r.number(line.0, "weight for under", f[3])?,
            weight_over: r.number(line.0, "weight for over", f[4])?,
            max: None,
        });
    }

    Ok(Instance {
        name: name.to_string(),
        days,
        first_weekday: 0,
        shifts,
        staff,
        on_requests,
        off_requests,
        cover,
        assignment_costs: Vec::new(),
        unavailable: Vec::new(),
        successions: Vec::new(),
        minute_limits: Vec::new(),
        fairness_weight: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "# comment
SECTION_HORIZON
# days
7

SECTION_SHIFTS
D,480,
L,600,D|L
N,720,

SECTION_STAFF
A,D=7|L=3|N=0,3000,960,5,2,2,1
B,D=7,2400,0,4,1,1,2

SECTION_DAYS_OFF
A,0,6
B,3

SECTION_SHIFT_ON_REQUESTS
A,2,D,2

SECTION_SHIFT_OFF_REQUESTS
B,4,L,3

SECTION_COVER
0,D,1,100,1
1,L,2,50,2
";

    fn with(from: &str, to: &str) -> String {
        assert!(SMALL.contains(from), "{from}");
        SMALL.replacen(from, to, 1)
    }

    fn error(text: &str) -> ParseError {
        match parse("x", text) {
            Err(e) => e,
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn reads_a_small_instance() {
        let inst = parse("Small", SMALL).expect("parses");
        assert_eq!(inst.name, "Small");
        assert_eq!(inst.days, 7);
        assert_eq!(inst.first_weekday, 0);
        assert_eq!(inst.shifts.len(), 3);
        assert_eq!(inst.shifts[1].cannot_follow, vec![0, 1]);
        assert!(inst.shifts[0].cannot_follow.is_empty());
        assert_eq!(inst.staff[0].max_shifts, vec![7, 3, 0]);
        // Shift types not listed are not limited.
        assert_eq!(inst.staff[1].max_shifts, vec![7, 7, 7]);
        assert_eq!(inst.staff[0].days_off, vec![0, 6]);
        assert_eq!(inst.staff[1].min_total_minutes, 0);
        assert_eq!(inst.staff[1].max_weekends, 2);
        assert_eq!(
            inst.on_requests,
            vec![Request {
                employee: 0,
                day: 2,
                shift: 0,
                weight: 2
            }]
        );
        assert_eq!(
            inst.off_requests,
            vec![Request {
                employee: 1,
                day: 4,
                shift: 1,
                weight: 3
            }]
        );
        assert_eq!(inst.cover[1].shift, 1);
        assert_eq!(inst.cover[1].weight_over, 2);
        assert!(inst.validate().is_ok());
    }

    #[test]
    fn unknown_shift_in_cannot_follow() {
        let e = error(&with("L,600,D|L", "L,600,D|X"));
        assert_eq!((e.line, e.section.as_str()), (8, "SECTION_SHIFTS"));
        assert!(e.message.contains("unknown shift ID 'X'"), "{e}");
        assert!(e.ja.contains("X"));
    }

    #[test]
    fn unknown_shift_in_max_shifts() {
        let e = error(&with("A,D=7|L=3|N=0", "A,D=7|Q=3|N=0"));
        assert_eq!((e.line, e.section.as_str()), (12, "SECTION_STAFF"));
        assert!(e.message.contains("'Q'"), "{e}");
    }

    #[test]
    fn malformed_max_shifts_entry() {
        let e = error(&with("A,D=7|L=3|N=0", "A,D7"));
        assert_eq!(e.line, 12);
        assert!(e.message.contains("ShiftID=max"), "{e}");
    }

    #[test]
    fn unknown_employee() {
        let e = error(&with("B,4,L,3", "Z,4,L,3"));
        assert_eq!(
            (e.line, e.section.as_str()),
            (23, "SECTION_SHIFT_OFF_REQUESTS")
        );
        assert!(e.message.contains("unknown employee ID 'Z'"), "{e}");
    }

    #[test]
    fn day_out_of_range() {
        let e = error(&with("B,3\n", "B,7\n"));
        assert_eq!((e.line, e.section.as_str()), (17, "SECTION_DAYS_OFF"));
        assert!(e.message.contains("day 7 is outside"), "{e}");
        let e = error(&with("0,D,1,100,1", "9,D,1,100,1"));
        assert_eq!((e.line, e.section.as_str()), (26, "SECTION_COVER"));
    }

    #[test]
    fn duplicate_ids() {
        let e = error(&with("N,720,", "D,720,"));
        assert_eq!(e.line, 9);
        assert!(e.message.contains("duplicate shift ID 'D'"), "{e}");
        let e = error(&with("B,D=7,", "A,D=7,"));
        assert_eq!(e.line, 13);
        assert!(e.message.contains("duplicate employee ID 'A'"), "{e}");
        let e = error(&with("1,L,2,50,2", "0,D,2,50,2"));
        assert_eq!(e.line, 27);
        assert!(e.message.contains("second cover row"), "{e}");
    }

    #[test]
    fn missing_section() {
        let text = SMALL.replace("SECTION_COVER\n0,D,1,100,1\n1,L,2,50,2\n", "");
        let e = error(&text);
        assert_eq!(e.section, "SECTION_COVER");
        assert!(e.message.contains("missing section"), "{e}");
        let e = error(&with(
            "SECTION_SHIFT_ON_REQUESTS",
            "SECTION_SHIFT_OFF_REQUESTS",
        ));
        assert!(e.message.contains("appears twice"), "{e}");
    }

    #[test]
    fn not_numbers() {
        let e = error(&with("7\n", "seven\n"));
        assert_eq!((e.line, e.section.as_str()), (4, "SECTION_HORIZON"));
        assert!(e.message.contains("'seven' is not a valid number"), "{e}");
        let e = error(&with("A,2,D,2", "A,2,D,two"));
        assert_eq!(e.line, 20);
        let e = error(&with("3000,960", "3000,-5"));
        assert!(
            e.message.contains("MinTotalMinutes: -5 is out of range"),
            "{e}"
        );
        let e = error(&with("3000,960", "3000,x"));
        assert!(e.message.contains("MinTotalMinutes"), "{e}");
        assert!(parse("x", &with("0,D,1,100,1", "0,D,-0,100,1")).is_ok());
        let e = error(&with("D,480,", "D,4.5,"));
        assert!(e.message.contains("shift length"), "{e}");
    }

    #[test]
    fn wrong_field_counts_and_stray_lines() {
        let e = error(&with("A,2,D,2", "A,2,D"));
        assert!(e.message.contains("expected 4"), "{e}");
        let e = error(&with("SECTION_STAFF", "stray\nSECTION_STAFF"));
        assert!(e.message.contains("outside any section"), "{e}");
        let e = error(&with("SECTION_COVER", "SECTION_NOPE"));
        assert!(e.message.contains("unknown section"), "{e}");
        let e = error(&with("7\n", "0\n"));
        assert!(e.message.contains("at least one day"), "{e}");
    }

    #[test]
    fn never_panics_on_garbage() {
        for text in [
            "",
            "\n\n",
            "SECTION_HORIZON",
            "SECTION_HORIZON\n3\n4\n",
            "ÿ,,,\u{0}",
        ] {
            assert!(parse("x", text).is_err());
        }
        for cut in 0..SMALL.len() {
            if SMALL.is_char_boundary(cut) {
                let _ = parse("x", &SMALL[..cut]);
            }
        }
    }
}
