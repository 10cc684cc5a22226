//! The timeline exchange format: one doctor's service history as JSON, the input of
//! `chiiki obligations check --timeline T.json` and of what-if planning.
//!
//! ```json
//! {"doctor": "d-001", "scheme": "mie-late-training",
//!  "graduation_date": "2015-03-31", "loan_start": "2009-04-01", "loan_end": "2015-03-31",
//!  "specialist_certified_on": null,
//!  "periods": [{"start": "2015-04-01", "end": "2017-03-31", "kind": "initial_residency",
//!               "facility": "三重大学医学部附属病院", "facility_group": "university",
//!               "in_prefecture": true, "fte": 1.0}]}
//! ```
//!
//! `end` is the last day of the period (inclusive, as in Japanese records), `null` while
//! open. Dates are ISO or 和暦 (`令和6年4月1日`, `R6.4.1`). `kind` is an assignment kind of
//! the register (`initial_residency`, `designated_service`, …, or its Japanese label);
//! `facility_group` is `university`, `large_medium`, `small` or `designated`. Optional keys:
//! `facility`, `facility_group`, `in_prefecture` (default true), `in_shortage_area` (default
//! false), `fte` (default 1.0). Unknown keys are errors. Every problem of a file is reported
//! at once, each with its JSON path (`periods[2].end`), in Japanese and English.

use chiiki_domain::{
    AssignmentKind, Explain, FacilityGroup, Fte, Msg, NaiveDate, Period, SchemeId, over_full_time,
    parse_date,
};
use serde::{Deserialize, Serialize};

/// One doctor's history, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub doctor: String,
    pub scheme: SchemeId,
    pub graduation_date: NaiveDate,
    /// The loan, first to last month paid (inclusive); `None` for a programme without one.
    pub loan: Option<Period>,
    pub specialist_certified_on: Option<NaiveDate>,
    /// Whether the source records board certification at all: a timeline file does (`null`
    /// means not certified); the register does not, and then a missed certification is a
    /// risk to check, not a violation.
    pub specialist_recorded: bool,
    /// In the order given; evaluation never depends on it.
    pub periods: Vec<ServicePeriod>,
}

/// One period of the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicePeriod {
    pub period: Period,
    pub kind: AssignmentKind,
    pub facility: Option<String>,
    pub facility_group: Option<FacilityGroup>,
    pub in_prefecture: bool,
    pub in_shortage_area: bool,
    pub fte: Fte,
}

/// A problem of a timeline file: where (JSON path), what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{file} {path}: {problem} — {fix}")]
pub struct TimelineError {
    pub file: String,
    pub path: String,
    pub problem: Msg,
    pub fix: Msg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeline {
    doctor: String,
    scheme: String,
    graduation_date: String,
    #[serde(default)]
    loan_start: Option<String>,
    #[serde(default)]
    loan_end: Option<String>,
    #[serde(default)]
    specialist_certified_on: Option<String>,
    periods: Vec<RawPeriod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    start: String,
    #[serde(default)]
    end: Option<String>,
    kind: String,
    #[serde(default)]
    facility: Option<String>,
    #[serde(default)]
    facility_group: Option<String>,
    #[serde(default)]
    in_prefecture: Option<bool>,
    #[serde(default)]
    in_shortage_area: Option<bool>,
    #[serde(default)]
    fte: Option<f64>,
}

impl Timeline {
    /// Reads a timeline file (UTF-8 JSON, a BOM allowed). All problems or none.
    pub fn from_json(file: &str, bytes: &[u8]) -> Result<Timeline, Vec<TimelineError>> {
        let err = |path: &str, problem: Msg, fix: Msg| TimelineError {
            file: file.to_string(),
            path: path.to_string(),
            problem,
            fix,
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let raw: RawTimeline = serde_json::from_slice(bytes).map_err(|e| {
            vec![err(
                &format!("line {}, column {}", e.line(), e.column()),
                Msg::new(
                    format!("JSON として読めません: {e}"),
                    format!("not readable as a timeline: {e}"),
                ),
                Msg::new(
                    "キーは doctor, scheme, graduation_date, loan_start, loan_end, specialist_certified_on, periods（各期間は start, end, kind, facility, facility_group, in_prefecture, in_shortage_area, fte）です",
                    "the keys are doctor, scheme, graduation_date, loan_start, loan_end, specialist_certified_on, periods (each with start, end, kind, facility, facility_group, in_prefecture, in_shortage_area, fte)",
                ),
            )]
        })?;
        let mut errors = Vec::new();
        // The value, or its problem and fix recorded at `path`.
        fn ok<T>(
            r: Result<T, impl Explain>,
            errors: &mut Vec<TimelineError>,
            err: impl Fn(&str, Msg, Msg) -> TimelineError,
            path: &str,
        ) -> Option<T> {
            r.map_err(|e| errors.push(err(path, e.problem(), e.fix())))
                .ok()
        }
        let date = |path: &str, text: &str, errors: &mut Vec<TimelineError>| {
            ok(parse_date(text), errors, err, path)
        };
        let scheme = ok(SchemeId::parse(&raw.scheme), &mut errors, err, "scheme");
        if raw.doctor.trim().is_empty() {
            errors.push(err(
                "doctor",
                Msg::new("医師IDが空です", "the doctor id is empty"),
                Msg::new(
                    "登録簿の医師IDを入れてください",
                    "give the doctor's id in the register",
                ),
            ));
        }
        let graduation = date("graduation_date", &raw.graduation_date, &mut errors);
        let loan_start = raw
            .loan_start
            .as_deref()
            .and_then(|t| date("loan_start", t, &mut errors));
        let loan_end = raw
            .loan_end
            .as_deref()
            .and_then(|t| date("loan_end", t, &mut errors));
        let loan = match (loan_start, loan_end) {
            (Some(s), e) => ok(Period::new(s, e), &mut errors, err, "loan_end"),
            (None, Some(_)) => {
                errors.push(err(
                    "loan_start",
                    Msg::new(
                        "loan_end があるのに loan_start がありません",
                        "loan_end without loan_start",
                    ),
                    Msg::new(
                        "貸与の開始日を入れてください",
                        "give the first day of the loan",
                    ),
                ));
                None
            }
            (None, None) => None,
        };
        let specialist = raw
            .specialist_certified_on
            .as_deref()
            .and_then(|t| date("specialist_certified_on", t, &mut errors));
        let mut periods = Vec::with_capacity(raw.periods.len());
        for (i, p) in raw.periods.iter().enumerate() {
            let at = |key: &str| format!("periods[{i}].{key}");
            let start = date(&at("start"), &p.start, &mut errors);
            let end = p
                .end
                .as_deref()
                .and_then(|t| date(&at("end"), t, &mut errors));
            let period = start.and_then(|s| ok(Period::new(s, end), &mut errors, err, &at("end")));
            let kind = ok(
                AssignmentKind::parse(&p.kind),
                &mut errors,
                err,
                &at("kind"),
            );
            let group = p
                .facility_group
                .as_deref()
                .filter(|g| !g.trim().is_empty())
                .and_then(|g| {
                    ok(
                        FacilityGroup::parse(g),
                        &mut errors,
                        err,
                        &at("facility_group"),
                    )
                });
            let fte = ok(
                Fte::from_f64(p.fte.unwrap_or(1.0)),
                &mut errors,
                err,
                &at("fte"),
            );
            if let (Some(period), Some(kind), Some(fte)) = (period, kind, fte) {
                periods.push(ServicePeriod {
                    period,
                    kind,
                    facility: p.facility.clone().filter(|f| !f.trim().is_empty()),
                    facility_group: group,
                    in_prefecture: p.in_prefecture.unwrap_or(true),
                    in_shortage_area: p.in_shortage_area.unwrap_or(false),
                    fte,
                });
            }
        }
        // One doctor cannot work more than full time on any day.
        if periods.len() == raw.periods.len() {
            let loads: Vec<(Period, Fte)> = periods.iter().map(|p| (p.period, p.fte)).collect();
            for over in over_full_time(&loads) {
                let which = over
                    .items
                    .iter()
                    .map(|i| format!("periods[{i}]"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let total = f64::from(over.total_hundredths) / 100.0;
                errors.push(err(
                    &which,
                    Msg::new(
                        format!(
                            "{} に期間が重なり、常勤換算の合計が {total} です",
                            over.period
                        ),
                        format!(
                            "the periods overlap on {} and add up to {total} FTE",
                            over.period
                        ),
                    ),
                    Msg::new(
                        "重なる期間を直すか、常勤換算の合計が1以下になるようにしてください",
                        "correct the overlapping periods or lower their FTE to at most 1 in total",
                    ),
                ));
            }
        }
        match (errors.is_empty(), scheme, graduation) {
            (true, Some(scheme), Some(graduation_date)) => Ok(Timeline {
                doctor: raw.doctor,
                scheme,
                graduation_date,
                loan,
                specialist_certified_on: specialist,
                specialist_recorded: true,
                periods,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"doctor": "d-001", "scheme": "mie-late-training",
 "graduation_date": "2015-03-31", "loan_start": "2009-04-01", "loan_end": "2015-03-31",
 "specialist_certified_on": null,
 "periods": [{"start": "2015-04-01", "end": "2017-03-31", "kind": "initial_residency",
              "facility": "三重大学医学部附属病院", "facility_group": "university",
              "in_prefecture": true, "fte": 1.0},
             {"start": "令和2年4月1日", "end": null, "kind": "指定勤務",
              "facility": "紀南病院", "facility_group": "designated", "in_shortage_area": true}]}"#;

    #[test]
    fn the_example_of_the_format() {
        let t = Timeline::from_json("t.json", EXAMPLE.as_bytes()).unwrap();
        assert_eq!(t.doctor, "d-001");
        assert_eq!(t.scheme.as_str(), "mie-late-training");
        assert_eq!(t.periods.len(), 2);
        assert_eq!(t.periods[0].kind, AssignmentKind::InitialResidency);
        assert_eq!(t.periods[1].kind, AssignmentKind::DesignatedService);
        assert_eq!(
            t.periods[1].facility_group,
            Some(FacilityGroup::DesignatedShortage)
        );
        assert_eq!(t.periods[1].period.end(), None);
        assert!(t.periods[1].in_shortage_area && t.periods[1].in_prefecture);
        assert_eq!(t.periods[1].fte.hundredths(), 100);
        assert!(t.loan.is_some());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let bad = r#"{"doctor": "", "scheme": "mie-late-training", "graduation_date": "2015-02-30",
          "periods": [
            {"start": "2016-04-01", "end": "2016-03-31", "kind": "initial_residency"},
            {"start": "2016-04-01", "kind": "golf"},
            {"start": "2016-04-01", "kind": "other_service", "facility_group": "big"},
            {"start": "2016-04-01", "kind": "other_service", "fte": 1.5}]}"#;
        let errors = Timeline::from_json("bad.json", bad.as_bytes()).unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        for p in [
            "doctor",
            "graduation_date",
            "periods[0].end",
            "periods[1].kind",
            "periods[2].facility_group",
            "periods[3].fte",
        ] {
            assert!(paths.contains(&p), "{p} in {paths:?}");
        }
        for e in &errors {
            let text = e.to_string();
            assert!(text.starts_with("bad.json "), "{text}");
            assert!(!e.problem.ja.is_empty() && !e.problem.en.is_empty() && !e.fix.en.is_empty());
        }
        // Unknown keys and malformed JSON.
        let e = Timeline::from_json("x.json", br#"{"doctor": "a", "scheme": "s", "graduation_date": "2015-03-31", "periods": [], "colour": 1}"#).unwrap_err();
        assert!(e[0].problem.en.contains("colour"), "{:?}", e[0]);
        assert!(Timeline::from_json("x.json", b"[1, 2").is_err());
    }

    #[test]
    fn overlapping_periods_above_full_time_are_refused() {
        let t = r#"{"doctor": "d", "scheme": "s", "graduation_date": "2015-03-31", "periods": [
            {"start": "2016-04-01", "end": "2017-03-31", "kind": "other_service", "facility": "A", "fte": 0.6},
            {"start": "2017-01-01", "end": "2017-06-30", "kind": "other_service", "facility": "B", "fte": 0.6},
            {"start": "2017-04-01", "end": "2017-06-30", "kind": "other_service", "facility": "C", "fte": 0.4}]}"#;
        let errors = Timeline::from_json("o.json", t.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, "periods[0], periods[1]");
        assert!(
            errors[0].problem.en.contains("2017-01-01 – 2017-03-31"),
            "{:?}",
            errors[0]
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = Timeline::from_json("p.json", &bytes);
        }
    }
}
