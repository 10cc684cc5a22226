//! Obligation schemes as data, pure: what a doctor who took a scholarship loan (修学資金) or a
//! regional-quota place (地域枠) owes, written by the support centre as a TOML file,
//! versioned, and checked when it is read. No file I/O: callers pass the text; the schemes
//! chiiki ships are embedded ([`SHIPPED`]). A doctor's timeline ([`timeline`]) is measured
//! against these rules by [`evaluate`].
//!
//! - [`SchemeDefinition::from_toml`] reads one file into one version of one scheme, or
//!   returns every problem found ([`SchemeErrors`]): each names the file, the key path
//!   (`rules.deadline.years_after_graduation`), the line when known, what is wrong and how
//!   to fix it, in Japanese and English. It never panics, whatever the input.
//! - [`Registry`] holds every version of every scheme and answers which version a doctor
//!   is under: the one in force on the day their loan started, whatever the date of the
//!   question ([`Registry::for_enrolment`]).
//! - [`span`] states the units: a year of service is 365 service days (every day but
//!   29 February), so a fiscal year at one facility is one year, leap day or not.
//!
//! # Writing a scheme file
//!
//! One file is one version of one scheme. Everything under `[rules]` is optional: **write
//! down only what the source states** — an absent rule is not checked — and say in a
//! comment what the source leaves out. Every rule has a `source` (the passage it comes
//! from, quoted) and a `description` in both languages. Unknown keys are errors, so a typo
//! cannot silently drop a rule.
//!
//! Top-level keys:
//!
//! | key | meaning |
//! |---|---|
//! | `id` | the scheme id, as in the register (`iwate-kokuho`) |
//! | `version` | 1, 2, …: a change of rules is a new file with the next number; old files stay as they are |
//! | `effective_from` | the first loan-start date the version applies to (`2020-04-01` or `"令和2年4月1日"`); only version 1 may omit it (then it applies to every earlier loan) |
//! | `effective_until` | optional last loan-start date; otherwise the version ends the day before the next version's `effective_from` |
//! | `kind` | `scholarship`, `regional_quota` or `programme` |
//! | `pref` | the prefecture (`"03"`, `3` or `"岩手県"`) |
//! | `name` | `{ ja = "…", en = "…" }` |
//! | `sponsor`, `source` | who lends the money (optional); the document the file is drawn from |
//!
//! The rules (years are numbers of years, in whole months: `1.5` is 1 year 6 months; kinds
//! of assignment are the register's codes — `designated_service`, `specialist_training`,
//! `other_service`, `graduate_school`, `research`, `study_abroad`, `maternity_leave`,
//! `childcare_leave`, `sick_leave`, `initial_residency` — or their Japanese labels):
//!
//! | table | keys | meaning |
//! |---|---|---|
//! | `[rules.obligation]` | `fixed_years`, or `loan_factor` + `rounding` (`up_to_month`, `up_to_year`, `down_to_month`, `down_to_year`) + optional `max_loan_years` | the length: fixed, or the loan period (calendar months, a started month counted whole) × factor, rounded as stated |
//! | `[rules.service]` | `kinds`, `initial_residency_counts`, `within_prefecture`, `pro_rata_fte`, `min_fte` | what counts toward the obligation; a part-time day counts by its FTE when `pro_rata_fte`, and not at all below `min_fte` |
//! | `[rules.designated]` | `min_years` (optional: "a period" of unstated length), `places` (`designated_facility`, `shortage_area`) | service required there, as part of the obligation |
//! | `[rules.deadline]` | `years_after_graduation`, `extended_by_suspensions` | complete by the end of 卒後N年目 (March 31), moved by allowed suspensions |
//! | `[[rules.suspensions]]` | `kind`, optional `cap_years` | an absence that pauses the obligation instead of breaking it, up to its cap |
//! | `[rules.outside_prefecture]` | `max_years`, `includes_abroad`, `applies_to` | the most time outside the prefecture, in total |
//! | `[rules.tenure]` | `min_years_per_facility`, `applies_to`, `dispatch_allowed` | the shortest stay at each facility |
//! | `[rules.specialist]` | `by_year_after_graduation`, `training_years` (optional) | board certification by the end of 卒後N年目, after so many years of training at accredited sites |
//! | `[rules.rotation]` + `[[rules.rotation.groups]]` | `applies_to`, `min_sites`, `within_prefecture`; per group `group` (`university`, `large_medium`, `small`, `designated_shortage`), `min_sites`, `min_years_per_site`, `source` | the sites a rotation must include |
//! | `[[rules.limits]]` | `kinds`, `max_years` | at most so long in total in these kinds |
//! | `[rules.initial_residency]` | `in_prefecture` | initial residency must be in the prefecture |
//! | `[rules.repayment]` | `principal` (`full`, `unserved`), `interest`, `annual_interest_percent`, `interest_from` (`loan_payment`, `breach`) | what is repaid on breach |
//! | `[statuses]` | `initial_residency`, `in_service`, `suspended`, `completed` | the register's own words for the statuses |
//! | `[[notes]]` | `source`, `description` | passages that are not checkable rules |
//!
//! Rules that cannot all hold are refused: designated years longer than the obligation, a
//! deadline too short for the obligation (plus the two years of initial residency when it
//! does not count), a kind that both counts as service and suspends it, a deadline
//! extended by suspensions when none is allowed, interest details with `interest = false`,
//! and, across the files of one scheme, a version number used twice, start dates out of
//! order or overlapping windows.
//!
//! An example using every rule (the shipped files, in `schemes/`, use only what their
//! sources state):
//!
//! ```toml
#![doc = include_str!("../doc/example.toml")]
//! ```
//!
//! Reading it, and what a typo gives:
//!
//! ```
//! use chiiki_obligations::SchemeDefinition;
//!
//! let text = include_str!("../doc/example.toml");
//! let def = SchemeDefinition::from_toml("example-loan.toml", text).unwrap();
//! assert_eq!(def.version, 2);
//! assert_eq!(def.rules.designated.as_ref().unwrap().min.unwrap().in_months(), 48);
//!
//! let bad = text.replace("years_after_graduation", "years_after_graduaton");
//! let errors = SchemeDefinition::from_toml("example-loan.toml", &bad).unwrap_err();
//! let e = &errors.0[0];
//! assert_eq!(e.key, "rules.deadline.years_after_graduaton");
//! assert!(e.fix.en.contains("years_after_graduation"));
//! assert!(e.fix.ja.contains("years_after_graduation"));
//! ```

pub mod error;
pub mod evaluate;
mod load;
pub mod registry;
pub mod scheme;
pub mod span;
pub mod timeline;

pub use error::{ErrorKind, SchemeError, SchemeErrors};
pub use registry::{LookupError, Registry, Window};
pub use scheme::{
    Cited, Deadline, DesignatedService, GroupRequirement, InitialResidency, InterestFrom,
    KindLimit, Note, ObligationLength, ObligationStatus, OutsidePrefecture, Place, Principal,
    Repayment, Rotation, Rounding, Rules, SchemeDefinition, SchemeKind, ServiceCounting,
    SpecialistBy, StatusLabels, Suspension, Tenure, loan_months,
};
pub use span::Span;

/// The scheme files shipped with chiiki, as (file name, content).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "schemes/mie-late-training.toml",
        include_str!("../schemes/mie-late-training.toml"),
    ),
    (
        "schemes/gifu-type1.toml",
        include_str!("../schemes/gifu-type1.toml"),
    ),
    (
        "schemes/gifu-type2.toml",
        include_str!("../schemes/gifu-type2.toml"),
    ),
    (
        "schemes/iwate-kokuho.toml",
        include_str!("../schemes/iwate-kokuho.toml"),
    ),
    (
        "schemes/iwate-iryokyoku.toml",
        include_str!("../schemes/iwate-iryokyoku.toml"),
    ),
    (
        "schemes/iwate-shichoson.toml",
        include_str!("../schemes/iwate-shichoson.toml"),
    ),
    (
        "schemes/iwate-career.toml",
        include_str!("../schemes/iwate-career.toml"),
    ),
    (
        "schemes/iwate-career-gp.toml",
        include_str!("../schemes/iwate-career-gp.toml"),
    ),
    (
        "schemes/iwate-career-im.toml",
        include_str!("../schemes/iwate-career-im.toml"),
    ),
];

impl SchemeDefinition {
    /// Reads and checks one scheme file. `file` is the name errors give (e.g.
    /// `schemes/mie-late-training.toml`). Never panics.
    pub fn from_toml(file: &str, text: &str) -> Result<SchemeDefinition, SchemeErrors> {
        load::from_toml(file, text)
    }

    /// Like [`SchemeDefinition::from_toml`], from bytes that must be UTF-8 (a BOM is
    /// allowed).
    pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<SchemeDefinition, SchemeErrors> {
        load::from_bytes(file, bytes)
    }
}
