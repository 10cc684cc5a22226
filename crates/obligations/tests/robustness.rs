//! No input makes loading panic: random text, random bytes, and random mutations of valid
//! files give a definition or explained errors.

use chiiki_domain::Explain;
use chiiki_obligations::{Registry, SHIPPED, SchemeDefinition, SchemeErrors};
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../doc/example.toml");

/// Every valid file we have: the example and the shipped schemes.
fn valid_files() -> Vec<&'static str> {
    let mut files = vec![EXAMPLE];
    files.extend(SHIPPED.iter().map(|(_, t)| *t));
    files
}

/// Values that are wrong in many ways.
const TOKENS: &[&str] = &[
    "-1",
    "0",
    "1",
    "1.5",
    "-0.5",
    "1e400",
    "nan",
    "-inf",
    "inf",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "0.001",
    "\"\"",
    "\"x\"",
    "\"令和元年5月1日\"",
    "\"平成31年5月1日\"",
    "2020-02-30",
    "2020-02-29",
    "1800-01-01",
    "2020-04-01T00:00:00Z",
    "true",
    "[]",
    "[1, 2]",
    "[\"maternity_leave\", \"maternity_leave\"]",
    "{}",
    "{ ja = \"\" }",
    "\"designated_service\"",
    "\"university\"",
    "\"\u{0}\"",
    "'''\n'''",
    "[[",
    "=",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceValue(usize, usize),
    Insert(usize, String),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::ReplaceValue(a, b)),
        (any::<usize>(), "\\PC{0,8}|[\\[\\]{}=\"'#\\n.,]{1,4}")
            .prop_map(|(a, s)| Mutation::Insert(a, s)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    match m {
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
        }
        Mutation::DuplicateLine(i) => {
            if let Some(l) = lines.get(i % n).cloned() {
                lines.insert(i % n, l);
            }
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
        }
        Mutation::ReplaceValue(i, t) => {
            if let Some(l) = lines.get_mut(i % n)
                && let Some((key, _)) = l.split_once('=')
            {
                *l = format!("{key}= {}", TOKENS[t % TOKENS.len()]);
            }
        }
        Mutation::Insert(at, s) => {
            let mut text = lines.join("\n");
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            let pos = chars
                .get(at % (chars.len() + 1))
                .map_or(text.len(), |(p, _)| *p);
            text.insert_str(pos, s);
            return text;
        }
        Mutation::Truncate(at) => {
            let text = lines.join("\n");
            let cut: String = text.chars().take(at % (text.chars().count() + 1)).collect();
            return cut;
        }
    }
    lines.join("\n")
}

/// A load either succeeds or explains every problem, with file, problem and fix.
fn check(result: Result<SchemeDefinition, SchemeErrors>, file: &str) -> Result<(), TestCaseError> {
    match result {
        Ok(def) => {
            prop_assert_eq!(def.file.as_str(), file);
            prop_assert!(!def.source.is_empty());
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                prop_assert_eq!(e.file.as_str(), file);
                prop_assert!(!e.problem.ja.is_empty() && !e.problem.en.is_empty());
                prop_assert!(!e.fix.ja.is_empty() && !e.fix.en.is_empty());
                prop_assert!(e.problem().en.contains(file));
                let _ = e.to_string();
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        check(SchemeDefinition::from_toml("random.toml", &text), "random.toml")?;
    }

    #[test]
    fn random_toml_like_text_never_panics(text in "([a-z_.\\[\\]]{1,12} ?= ?[-0-9a-z.\"{}\\[\\], ]{0,16}\n){0,12}") {
        check(SchemeDefinition::from_toml("random.toml", &text), "random.toml")?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(SchemeDefinition::from_bytes("random.toml", &bytes), "random.toml")?;
    }

    #[test]
    fn mutated_valid_files_never_panic(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let files = valid_files();
        let mut text = files[which % files.len()].to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(SchemeDefinition::from_toml("mutated.toml", &text), "mutated.toml")?;
        // And as one of several files of a registry.
        let _ = Registry::from_files([("mutated.toml", text.as_str()), ("example.toml", EXAMPLE)]);
    }
}

#[test]
fn deep_nesting_and_huge_inputs_are_refused_without_panicking() {
    let deep = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(SchemeDefinition::from_toml("deep.toml", &deep).is_err());
    let deep_tables = format!("a = {}{}", "{ b = ".repeat(50_000), "}".repeat(50_000));
    assert!(SchemeDefinition::from_toml("deep.toml", &deep_tables).is_err());
    let long = format!("{EXAMPLE}\n# {}", "x".repeat(1_000_000));
    assert!(SchemeDefinition::from_toml("long.toml", &long).is_ok());
}
