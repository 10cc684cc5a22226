//! No input makes the benchmark reader (`shift::parse`, the Curtois–Qu text format of
//! `benchmarks/shift-scheduling`) panic: random text, and the benchmark's own instances
//! with lines dropped, repeated or changed and numbers replaced by extreme ones, give an
//! instance or an error with its line and section. (The fuzz target
//! `fuzz/fuzz_targets/shift_benchmark.rs` checks the same at length.)

use chiiki_roster::shift::parse;
use proptest::prelude::*;

const INSTANCES: [&str; 3] = [
    include_str!("../../../benchmarks/shift-scheduling/Instance1.txt"),
    include_str!("../../../benchmarks/shift-scheduling/Instance2.txt"),
    include_str!("../../../benchmarks/shift-scheduling/Instance3.txt"),
];

/// Numbers and tokens that are wrong in many ways.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1",
    "",
    "99999999999999999999",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967295",
    "4294967296",
    "2147483648",
    "1.5",
    "D=",
    "=",
    "|",
    "D|D|D",
    "Z",
    "SECTION_STAFF",
    "SECTION_COVER",
    "#",
    "１４",
    "\u{FEFF}",
];

fn check(text: &str) -> Result<(), TestCaseError> {
    match parse("fuzz.txt", text) {
        Ok(instance) => {
            let _ = format!("{instance:?}");
        }
        Err(e) => {
            prop_assert!(!e.message.is_empty() && !e.ja.is_empty());
            prop_assert!(e.line >= 1, "line numbers start at 1: {e:?}");
            let _ = e.to_string();
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Change {
    /// Drop a line.
    Drop(prop::sample::Index),
    /// Repeat a line.
    Repeat(prop::sample::Index),
    /// Replace a comma-separated field of a line by a token.
    Field(prop::sample::Index, prop::sample::Index, usize),
    /// Swap two lines.
    Swap(prop::sample::Index, prop::sample::Index),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Change::Drop),
        any::<prop::sample::Index>().prop_map(Change::Repeat),
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            0..TOKENS.len()
        )
            .prop_map(|(l, f, t)| Change::Field(l, f, t)),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Change::Swap(a, b)),
    ]
}

fn apply(text: &str, changes: &[Change]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for c in changes {
        if lines.is_empty() {
            break;
        }
        match c {
            Change::Drop(i) => {
                lines.remove(i.index(lines.len()));
            }
            Change::Repeat(i) => {
                let k = i.index(lines.len());
                lines.insert(k, lines[k].clone());
            }
            Change::Field(l, f, t) => {
                let k = l.index(lines.len());
                let mut fields: Vec<String> = lines[k].split(',').map(str::to_string).collect();
                let j = f.index(fields.len());
                fields[j] = TOKENS[*t].to_string();
                lines[k] = fields.join(",");
            }
            Change::Swap(a, b) => {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn random_text(text in "[A-Z_a-z0-9,=|#\\- \n]{0,400}") {
        check(&text)?;
    }

    #[test]
    fn random_text_with_sections(
        body in prop::collection::vec(("[0-9A-Z,=|\\-]{0,20}", 0..8usize), 0..30),
    ) {
        let sections = [
            "SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
            "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER", "",
        ];
        let text: String = body
            .iter()
            .map(|(line, s)| if *s < 7 { format!("{}\n{line}\n", sections[*s]) } else { format!("{line}\n\n") })
            .collect();
        check(&text)?;
    }

    #[test]
    fn changed_benchmark_instances(
        which in 0..INSTANCES.len(),
        changes in prop::collection::vec(change(), 1..6),
    ) {
        check(&apply(INSTANCES[which], &changes))?;
    }

    #[test]
    fn any_unicode(text in "\\PC{0,200}") {
        check(&text)?;
    }
}

#[test]
fn the_benchmark_instances_read() {
    for text in INSTANCES {
        parse("instance.txt", text).unwrap();
    }
}
