//! Bad scheme files: every error names the file, the key path and the fix, in Japanese and
//! English. Table-driven over mutations of the documented example, which uses every rule.

use chiiki_domain::{Explain, NaiveDate, SchemeId};
use chiiki_obligations::{ErrorKind, Registry, SchemeDefinition, SchemeError};

const EXAMPLE: &str = include_str!("../doc/example.toml");
const FILE: &str = "schemes/example-loan.toml";

/// The example with `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "the example has no {from:?}");
    EXAMPLE.replacen(from, to, 1)
}

fn has_japanese(s: &str) -> bool {
    !s.is_ascii()
}

/// An error says where (file, key) and how to fix it, in both languages.
fn assert_explained(e: &SchemeError, file: &str, key: &str) {
    assert_eq!(e.file, file);
    assert_eq!(e.key, key, "{e}");
    let problem = e.problem();
    for text in [&problem.ja, &problem.en] {
        assert!(text.contains(file), "{text}");
        if !key.is_empty() {
            assert!(text.contains(key), "{text}");
        }
    }
    assert!(
        has_japanese(&e.problem.ja) && has_japanese(&e.fix.ja),
        "{e}"
    );
    assert!(!e.problem.en.is_empty() && !e.fix.en.is_empty(), "{e}");
    let shown = e.to_string();
    assert!(
        shown.contains(&e.fix.ja) && shown.contains(&e.fix.en),
        "{shown}"
    );
}

struct Case {
    what: &'static str,
    text: String,
    kind: ErrorKind,
    key: &'static str,
    /// Words the fix must contain (in the English and the Japanese fix).
    fix_en: &'static str,
    fix_ja: &'static str,
}

fn case(
    what: &'static str,
    text: String,
    kind: ErrorKind,
    key: &'static str,
    fix_en: &'static str,
    fix_ja: &'static str,
) -> Case {
    Case {
        what,
        text,
        kind,
        key,
        fix_en,
        fix_ja,
    }
}

#[test]
fn the_example_is_valid() {
    let def = SchemeDefinition::from_toml(FILE, EXAMPLE).unwrap();
    assert_eq!(def.id.as_str(), "example-loan");
    assert_eq!(def.effective_from, NaiveDate::from_ymd_opt(2020, 4, 1));
    // The same with a 和暦 date and a prefecture name.
    let wareki = edit(
        "effective_from = 2020-04-01",
        "effective_from = \"令和2年4月1日\"",
    )
    .replacen("pref = \"03\"", "pref = \"岩手県\"", 1);
    let same = SchemeDefinition::from_toml(FILE, &wareki).unwrap();
    assert_eq!(same.effective_from, def.effective_from);
    assert_eq!(same.pref, def.pref);
}

#[test]
fn bad_files_get_errors_that_name_the_key_and_the_fix() {
    use ErrorKind::*;
    let cases = [
        case(
            "unknown key (typo)",
            edit("years_after_graduation", "years_after_graduaton"),
            UnknownKey,
            "rules.deadline.years_after_graduaton",
            "years_after_graduation",
            "years_after_graduation",
        ),
        case(
            "unknown table",
            edit("[rules.tenure]", "[rules.tenures]"),
            UnknownKey,
            "rules.tenures",
            "tenure",
            "tenure",
        ),
        case(
            "unknown top-level key",
            format!("title = \"x\"\n{EXAMPLE}"),
            UnknownKey,
            "title",
            "effective_from",
            "effective_from",
        ),
        case(
            "wrong type: text for a number",
            edit(
                "years_after_graduation = 15",
                "years_after_graduation = \"15\"",
            ),
            WrongType,
            "rules.deadline.years_after_graduation",
            "whole number",
            "整数",
        ),
        case(
            "wrong type: number for a boolean",
            edit("pro_rata_fte = true", "pro_rata_fte = 1"),
            WrongType,
            "rules.service.pro_rata_fte",
            "true or false",
            "true",
        ),
        case(
            "wrong type: text for a list",
            edit(
                "kinds = [\"designated_service\", \"specialist_training\"]",
                "kinds = \"designated_service\"",
            ),
            WrongType,
            "rules.service.kinds",
            "array",
            "配列",
        ),
        case(
            "missing key",
            edit("initial_residency_counts = false\n", ""),
            MissingKey,
            "rules.service.initial_residency_counts",
            "initial_residency_counts = true",
            "initial_residency_counts",
        ),
        case(
            "designated years longer than the obligation",
            edit("min_years = 4", "min_years = 10"),
            Contradiction,
            "rules.designated.min_years",
            "at most the obligation",
            "義務年限以下",
        ),
        case(
            "minimum FTE above full time",
            edit("min_fte = 0.5", "min_fte = 1.2"),
            InvalidValue,
            "rules.service.min_fte",
            "0.01 to 1",
            "0.01から1",
        ),
        case(
            "negative cap",
            edit("cap_years = 3", "cap_years = -1"),
            InvalidValue,
            "rules.suspensions[0].cap_years",
            "zero or more",
            "0以上",
        ),
        case(
            "deadline shorter than the obligation and residency",
            edit("years_after_graduation = 15", "years_after_graduation = 10"),
            Contradiction,
            "rules.deadline.years_after_graduation",
            "at least 11 years",
            "11年以上",
        ),
        case(
            "fixed years and a loan factor together",
            edit("loan_factor = 1.5", "loan_factor = 1.5\nfixed_years = 9"),
            Contradiction,
            "rules.obligation.fixed_years",
            "not both",
            "どちらか一方",
        ),
        case(
            "a loan factor without its rounding",
            edit("rounding = \"up_to_month\"\n", ""),
            MissingKey,
            "rules.obligation.rounding",
            "up_to_month",
            "up_to_month",
        ),
        case(
            "an unknown rounding",
            edit("rounding = \"up_to_month\"", "rounding = \"nearest\""),
            InvalidValue,
            "rules.obligation.rounding",
            "up_to_year",
            "up_to_year",
        ),
        case(
            "a kind that counts as service and suspends it",
            edit(
                "[rules.outside_prefecture]",
                "[[rules.suspensions]]\nkind = \"specialist_training\"\nsource = \"x\"\ndescription = { ja = \"x\", en = \"x\" }\n\n[rules.outside_prefecture]",
            ),
            Contradiction,
            "rules.suspensions[1].kind",
            "rules.service.kinds",
            "rules.service.kinds",
        ),
        case(
            "the same suspension twice",
            edit(
                "[rules.outside_prefecture]",
                "[[rules.suspensions]]\nkind = \"育休\"\nsource = \"x\"\ndescription = { ja = \"x\", en = \"x\" }\n\n[rules.outside_prefecture]",
            ),
            InvalidValue,
            "rules.suspensions[1].kind",
            "one entry per kind",
            "一つに",
        ),
        case(
            "leave counted as service",
            edit(
                "kinds = [\"designated_service\", \"specialist_training\"]",
                "kinds = [\"designated_service\", \"maternity_leave\"]",
            ),
            InvalidValue,
            "rules.service.kinds[1]",
            "rules.suspensions",
            "rules.suspensions",
        ),
        case(
            "an unknown kind of assignment",
            edit("kinds = [\"research\"]", "kinds = [\"lab work\"]"),
            InvalidValue,
            "rules.limits[0].kinds[0]",
            "research",
            "研究",
        ),
        case(
            "deadline extended by suspensions but none allowed",
            {
                let at = EXAMPLE.find("[[rules.suspensions]]").unwrap();
                let end = EXAMPLE.find("[rules.outside_prefecture]").unwrap();
                format!("{}{}", &EXAMPLE[..at], &EXAMPLE[end..])
            },
            Contradiction,
            "rules.deadline.extended_by_suspensions",
            "extended_by_suspensions = false",
            "extended_by_suspensions = false",
        ),
        case(
            "effective_until before effective_from",
            edit(
                "effective_from = 2020-04-01",
                "effective_from = 2020-04-01\neffective_until = 2019-03-31",
            ),
            Contradiction,
            "effective_until",
            "on or after effective_from",
            "以降",
        ),
        case(
            "a date outside its era",
            edit(
                "effective_from = 2020-04-01",
                "effective_from = \"平成31年5月1日\"",
            ),
            InvalidValue,
            "effective_from",
            "令和元年5月1日",
            "令和元年5月1日",
        ),
        case(
            "a date with a time",
            edit(
                "effective_from = 2020-04-01",
                "effective_from = 2020-04-01T09:00:00",
            ),
            InvalidValue,
            "effective_from",
            "without a time",
            "時刻",
        ),
        case(
            "interest details without interest",
            edit("interest = true", "interest = false"),
            Contradiction,
            "rules.repayment.annual_interest_percent",
            "interest = true",
            "interest = true",
        ),
        case(
            "an interest rate above 100 %",
            edit(
                "annual_interest_percent = 10",
                "annual_interest_percent = 110",
            ),
            InvalidValue,
            "rules.repayment.annual_interest_percent",
            "0 to 100",
            "0から100",
        ),
        case(
            "version 0",
            edit("version = 2", "version = 0"),
            InvalidValue,
            "version",
            "from 1",
            "1から",
        ),
        case(
            "an empty source",
            edit("source = \"第16条\"", "source = \"  \""),
            InvalidValue,
            "rules.tenure.source",
            "write",
            "書いて",
        ),
        case(
            "a missing English description",
            edit(
                "description = { ja = \"一つの医療機関で1年以上\", en = \"at least 1 year at each facility\" }",
                "description = { ja = \"一つの医療機関で1年以上\", en = \"\" }",
            ),
            InvalidValue,
            "rules.tenure.description.en",
            "write",
            "書いて",
        ),
        case(
            "the same facility group twice",
            edit("group = \"designated_shortage\"", "group = \"university\""),
            InvalidValue,
            "rules.rotation.groups[1].group",
            "one entry per group",
            "一つに",
        ),
        case(
            "an unknown facility group",
            edit("group = \"designated_shortage\"", "group = \"rural\""),
            InvalidValue,
            "rules.rotation.groups[1].group",
            "designated_shortage",
            "医師不足地域",
        ),
        case(
            "a fraction of a month",
            edit(
                "max_years = 2\nincludes_abroad",
                "max_years = 2.05\nincludes_abroad",
            ),
            InvalidValue,
            "rules.outside_prefecture.max_years",
            "whole months",
            "1か月単位",
        ),
        case(
            "not-a-number years",
            edit(
                "max_years = 2\nincludes_abroad",
                "max_years = nan\nincludes_abroad",
            ),
            InvalidValue,
            "rules.outside_prefecture.max_years",
            "whole months",
            "1か月単位",
        ),
        case(
            "an unknown prefecture",
            edit("pref = \"03\"", "pref = 48"),
            InvalidValue,
            "pref",
            "",
            "",
        ),
        case(
            "a bad scheme id",
            edit("id = \"example-loan\"", "id = \"example loan\""),
            InvalidValue,
            "id",
            "letters",
            "英数字",
        ),
        case(
            "a status list with no labels",
            edit(
                "in_service = \"義務履行中\"\ncompleted = \"義務明け\"\n",
                "",
            ),
            InvalidValue,
            "statuses",
            "remove [statuses]",
            "[statuses]",
        ),
        case(
            "a TOML syntax error",
            edit("version = 2", "version = "),
            Syntax,
            "",
            "text goes in",
            "囲み",
        ),
        case(
            "a duplicate key",
            edit("version = 2", "version = 2\nversion = 3"),
            Syntax,
            "",
            "only once",
            "一度だけ",
        ),
    ];
    for c in cases {
        let errors = match SchemeDefinition::from_toml(FILE, &c.text) {
            Ok(_) => panic!("{}: accepted", c.what),
            Err(e) => e,
        };
        let e = errors
            .iter()
            .find(|e| e.key == c.key)
            .unwrap_or_else(|| panic!("{}: no error at {:?}:\n{errors}", c.what, c.key));
        assert_eq!(e.kind, c.kind, "{}: {e}", c.what);
        assert_explained(e, FILE, c.key);
        assert!(e.fix.en.contains(c.fix_en), "{}: {}", c.what, e.fix.en);
        assert!(e.fix.ja.contains(c.fix_ja), "{}: {}", c.what, e.fix.ja);
        // The line is known, and it is the line of the key (or its table).
        let (line, _) = e.position.unwrap_or_else(|| panic!("{}: no line", c.what));
        assert!(
            line >= 1 && line <= c.text.lines().count() + 1,
            "{}",
            c.what
        );
    }
}

#[test]
fn semantic_errors_point_at_their_line() {
    let text = edit("cap_years = 3", "cap_years = -1");
    let errors = SchemeDefinition::from_toml(FILE, &text).unwrap_err();
    let (line, column) = errors.0[0].position.unwrap();
    assert_eq!(text.lines().nth(line - 1), Some("cap_years = -1"));
    assert_eq!(column, 1);
    assert!(
        errors.0[0]
            .problem()
            .en
            .starts_with(&format!("{FILE}:{line}:1: "))
    );
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let text = edit("cap_years = 3", "cap_years = -1")
        .replacen("min_fte = 0.5", "min_fte = 2", 1)
        .replacen(
            "by_year_after_graduation = 10",
            "by_year_after_graduation = 0",
            1,
        );
    let errors = SchemeDefinition::from_toml(FILE, &text).unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    for key in [
        "rules.suspensions[0].cap_years",
        "rules.service.min_fte",
        "rules.specialist.by_year_after_graduation",
    ] {
        assert!(keys.contains(&key), "{keys:?}");
    }
}

#[test]
fn bytes_must_be_utf8() {
    let mut bytes = EXAMPLE.as_bytes().to_vec();
    bytes.insert(10, 0xff);
    let errors = SchemeDefinition::from_bytes(FILE, &bytes).unwrap_err();
    assert_eq!(errors.0[0].kind, ErrorKind::NotUtf8);
    assert_explained(&errors.0[0], FILE, "");
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), EXAMPLE.as_bytes()].concat();
    assert!(SchemeDefinition::from_bytes(FILE, &with_bom).is_ok());
}

/// A version of the example scheme as its own file.
fn version(n: u32, from: Option<&str>, until: Option<&str>) -> (String, String) {
    let mut text = EXAMPLE.replacen("version = 2", &format!("version = {n}"), 1);
    text = match from {
        Some(f) => text.replacen(
            "effective_from = 2020-04-01",
            &format!("effective_from = {f}"),
            1,
        ),
        None => text.replacen("effective_from = 2020-04-01\n", "", 1),
    };
    if let Some(u) = until {
        text = text.replacen(
            "kind = \"scholarship\"",
            &format!("effective_until = {u}\nkind = \"scholarship\""),
            1,
        );
    }
    (format!("schemes/example-loan.v{n}.toml"), text)
}

fn registry(files: &[(String, String)]) -> Result<Registry, chiiki_obligations::SchemeErrors> {
    Registry::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
}

/// What, the files, the error's kind and key, and words of its fix (English, Japanese).
type VersionCase = (
    &'static str,
    Vec<(String, String)>,
    ErrorKind,
    &'static str,
    &'static str,
    &'static str,
);

#[test]
fn versions_that_clash_get_errors_naming_both_files() {
    use ErrorKind::*;
    let cases: [VersionCase; 5] = [
        (
            "the same version twice",
            vec![version(1, None, None), {
                let (_, t) = version(1, Some("2020-04-01"), None);
                ("schemes/copy.toml".to_string(), t)
            }],
            DuplicateVersion,
            "version",
            "version = 2",
            "version = 2",
        ),
        (
            "overlapping effective dates",
            vec![
                version(1, Some("2010-04-01"), Some("2021-03-31")),
                version(2, Some("2020-04-01"), None),
            ],
            OverlappingVersions,
            "effective_until",
            "earlier than 2020-04-01",
            "2020-04-01 より前",
        ),
        (
            "a later version without a start",
            vec![version(1, None, None), version(2, None, None)],
            MissingKey,
            "effective_from",
            "effective_from = 2020-04-01",
            "effective_from = 2020-04-01",
        ),
        (
            "start dates out of order",
            vec![
                version(1, Some("2020-04-01"), None),
                version(2, Some("2015-04-01"), None),
            ],
            VersionOrder,
            "effective_from",
            "after the earlier ones",
            "後に",
        ),
        (
            "two versions from the same day",
            vec![
                version(1, Some("2020-04-01"), None),
                version(2, Some("2020-04-01"), None),
            ],
            VersionOrder,
            "effective_from",
            "after the earlier ones",
            "後に",
        ),
    ];
    for (what, files, kind, key, fix_en, fix_ja) in cases {
        let errors = match registry(&files) {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => e,
        };
        assert_eq!(errors.len(), 1, "{what}: {errors}");
        let e = &errors.0[0];
        assert_eq!(e.kind, kind, "{what}: {e}");
        let file = e.file.clone();
        assert_explained(e, &file, key);
        // Both files are named when two files clash.
        for (name, _) in files.iter().filter(|_| kind != MissingKey) {
            assert!(
                e.problem.ja.contains(name.as_str()) || e.file == *name,
                "{what}: {e}"
            );
            assert!(
                e.problem.en.contains(name.as_str()) || e.file == *name,
                "{what}: {e}"
            );
        }
        assert!(e.fix.en.contains(fix_en), "{what}: {}", e.fix.en);
        assert!(e.fix.ja.contains(fix_ja), "{what}: {}", e.fix.ja);
    }
}

#[test]
fn problems_of_several_files_are_reported_together() {
    let files = vec![
        (
            "schemes/a.toml".to_string(),
            edit("cap_years = 3", "cap_years = -1"),
        ),
        (
            "schemes/b.toml".to_string(),
            edit("version = 2", "version = 2\nfoo = 1"),
        ),
        (
            "schemes/c.toml".to_string(),
            EXAMPLE.replacen("example-loan", "other", 1),
        ),
    ];
    let errors = registry(&files).unwrap_err();
    let named: Vec<&str> = errors.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(named, ["schemes/a.toml", "schemes/b.toml"]);
    assert!(SchemeId::parse("other").is_ok());
}
