//! A scheme definition: one version of an obligation scheme's rules, read from a TOML file
//! ([`SchemeDefinition::from_toml`]) and valid by construction.
//!
//! Every rule is optional. An absent rule imposes nothing and is not checked: a scheme file
//! writes down only what its source states. Every present rule is [`Cited`]: it carries the
//! passage it comes from and a short description in Japanese and English.
//!
//! The types are plain values for the timeline evaluation to consume; the units and how
//! service is measured are stated in [`crate::span`].

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;

use chiiki_domain::{
    AssignmentKind, FacilityGroup, Fte, Lang, Msg, NaiveDate, Period, PrefCode, SchemeId,
};
use chrono::Months;
use serde::Serialize;

use crate::span::{Span, end_of_year_after_graduation};

/// One version of a scheme's rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemeDefinition {
    pub id: SchemeId,
    /// 1, 2, … A change of rules is a new version; a doctor stays under the version in force
    /// when their loan started (see [`crate::Registry`]).
    pub version: u32,
    /// The first loan-start date this version applies to; `None` for a first version whose
    /// source states no start (it applies to every enrolment before the next version).
    pub effective_from: Option<NaiveDate>,
    /// The last loan-start date this version applies to, when the file states one. A
    /// version otherwise ends the day before the next version's `effective_from`.
    pub effective_until: Option<NaiveDate>,
    pub kind: SchemeKind,
    pub pref: PrefCode,
    pub name: Msg,
    /// Who lends the money or runs the programme, as written.
    pub sponsor: Option<String>,
    /// The document the whole file is drawn from.
    pub source: String,
    /// The name of the file it was read from.
    pub file: String,
    pub rules: Rules,
    /// The words the prefecture's register uses for obligation statuses.
    pub statuses: Option<Cited<StatusLabels>>,
    /// Passages of the source that are not checkable rules (procedures, exceptions).
    pub notes: Vec<Note>,
}

/// What kind of arrangement a scheme is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeKind {
    /// A scholarship loan waived in return for service (修学資金).
    Scholarship,
    /// A regional-quota place tied to a loan and to service in the prefecture (地域枠).
    RegionalQuota,
    /// A training or career programme that loan holders follow (後期研修プログラム).
    Programme,
}

impl SchemeKind {
    pub const ALL: [SchemeKind; 3] = [
        SchemeKind::Scholarship,
        SchemeKind::RegionalQuota,
        SchemeKind::Programme,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SchemeKind::Scholarship => "scholarship",
            SchemeKind::RegionalQuota => "regional_quota",
            SchemeKind::Programme => "programme",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (SchemeKind::Scholarship, Lang::Ja) => "修学資金",
            (SchemeKind::Scholarship, Lang::En) => "Scholarship loan",
            (SchemeKind::RegionalQuota, Lang::Ja) => "地域枠",
            (SchemeKind::RegionalQuota, Lang::En) => "Regional quota",
            (SchemeKind::Programme, Lang::Ja) => "研修プログラム",
            (SchemeKind::Programme, Lang::En) => "Training programme",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<SchemeKind> {
        SchemeKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A rule with the passage it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cited<T> {
    pub rule: T,
    /// The passage of the source, quoted or located.
    pub source: String,
    /// What the rule says, briefly, in Japanese and English.
    pub description: Msg,
}

impl<T> Deref for Cited<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.rule
    }
}

/// A passage of the source that is not a rule the evaluation checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub source: String,
    pub description: Msg,
}

/// The rules of a scheme version. `None` or empty: the source states no such rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Rules {
    /// How long the obligation is (`rules.obligation`).
    pub obligation: Option<Cited<ObligationLength>>,
    /// What counts as service toward it (`rules.service`).
    pub service: Option<Cited<ServiceCounting>>,
    /// Service required in designated facilities or shortage areas (`rules.designated`).
    pub designated: Option<Cited<DesignatedService>>,
    /// The date by which the obligation must be complete (`rules.deadline`).
    pub deadline: Option<Cited<Deadline>>,
    /// Allowed suspensions, one per kind (`[[rules.suspensions]]`).
    pub suspensions: Vec<Cited<Suspension>>,
    /// The most time allowed outside the prefecture (`rules.outside_prefecture`).
    pub outside_prefecture: Option<Cited<OutsidePrefecture>>,
    /// The shortest stay at one facility (`rules.tenure`).
    pub tenure: Option<Cited<Tenure>>,
    /// Specialist certification by a year after graduation (`rules.specialist`).
    pub specialist: Option<Cited<SpecialistBy>>,
    /// Which sites a rotation must include (`rules.rotation`).
    pub rotation: Option<Cited<Rotation>>,
    /// Caps on time spent in given kinds of assignment (`[[rules.limits]]`).
    pub limits: Vec<Cited<KindLimit>>,
    /// Where initial residency takes place (`rules.initial_residency`).
    pub initial_residency: Option<Cited<InitialResidency>>,
    /// What is repaid when the obligation is broken (`rules.repayment`).
    pub repayment: Option<Cited<Repayment>>,
}

/// The length of the obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationLength {
    /// A fixed length (`fixed_years = 9`).
    Fixed(Span),
    /// A multiple of the loan period (`loan_factor = 1.5`), rounded as stated. The loan
    /// period is measured in calendar months from the loan's first day, a started month
    /// counted whole ([`loan_months`]).
    LoanFactor {
        /// The factor in hundredths (1.5 is 150).
        factor_hundredths: u32,
        rounding: Rounding,
        /// The longest loan the scheme grants, when stated: the validation then checks the
        /// other rules against the longest obligation.
        max_loan: Option<Span>,
    },
}

impl ObligationLength {
    /// The obligation of a doctor whose loan ran over `loan` (an open loan has none yet).
    pub fn for_loan(&self, loan: &Period) -> Option<Span> {
        match *self {
            ObligationLength::Fixed(span) => Some(span),
            ObligationLength::LoanFactor {
                factor_hundredths,
                rounding,
                ..
            } => {
                let months = loan_months(loan)?;
                Some(rounding.apply(months.saturating_mul(factor_hundredths), 100))
            }
        }
    }

    /// The longest obligation the rule can give: the fixed length, or the factor applied to
    /// the longest loan; `None` when the longest loan is not stated.
    pub fn longest(&self) -> Option<Span> {
        match *self {
            ObligationLength::Fixed(span) => Some(span),
            ObligationLength::LoanFactor {
                factor_hundredths,
                rounding,
                max_loan,
            } => max_loan
                .map(|l| rounding.apply(l.in_months().saturating_mul(factor_hundredths), 100)),
        }
    }

    /// The shortest obligation the rule can give to a loan of at least a month.
    pub fn shortest(&self) -> Span {
        match *self {
            ObligationLength::Fixed(span) => span,
            ObligationLength::LoanFactor {
                factor_hundredths,
                rounding,
                ..
            } => rounding.apply(factor_hundredths, 100),
        }
    }
}

/// How a loan-based obligation is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    UpToMonth,
    UpToYear,
    DownToMonth,
    DownToYear,
}

impl Rounding {
    pub const ALL: [Rounding; 4] = [
        Rounding::UpToMonth,
        Rounding::UpToYear,
        Rounding::DownToMonth,
        Rounding::DownToYear,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Rounding::UpToMonth => "up_to_month",
            Rounding::UpToYear => "up_to_year",
            Rounding::DownToMonth => "down_to_month",
            Rounding::DownToYear => "down_to_year",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Rounding> {
        Rounding::ALL.into_iter().find(|r| r.code() == s)
    }
    /// `numerator / denominator` months, rounded.
    fn apply(self, numerator: u32, denominator: u32) -> Span {
        let months = match self {
            Rounding::UpToMonth => numerator.div_ceil(denominator),
            Rounding::DownToMonth => numerator / denominator,
            Rounding::UpToYear => numerator.div_ceil(denominator * 12) * 12,
            Rounding::DownToYear => numerator / (denominator * 12) * 12,
        };
        Span::months(months)
    }
}

/// The months of a loan: calendar months from its first day, a started month counted whole
/// (2014-04-01 – 2020-03-31 is 72; 2014-04-01 – 2014-04-02 is 1). `None` when open-ended.
pub fn loan_months(loan: &Period) -> Option<u32> {
    use chrono::Datelike;
    let (start, end) = (loan.start(), loan.end()?);
    let whole = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    // The smallest m with start + m months > end; it lies within a month of `whole`.
    let mut m = u32::try_from(whole.max(1) - 1).ok()?;
    loop {
        match start.checked_add_months(Months::new(m)) {
            Some(d) if d > end => return Some(m),
            Some(_) => m += 1,
            None => return Some(m),
        }
    }
}

/// What counts as service toward the obligation. Measured in service days
/// ([`crate::span`]); a day's share of full time is the sum over the doctor's counted
/// assignments that day, at most 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCounting {
    /// The kinds of assignment that count (never initial residency or leave).
    pub kinds: Vec<AssignmentKind>,
    /// Whether initial residency (初期臨床研修) counts.
    pub initial_residency_counts: bool,
    /// Only service at facilities in the scheme's prefecture counts.
    pub within_prefecture: bool,
    /// A part-time day counts by its share of full time (0.5 FTE → half a day); otherwise
    /// a day that reaches `min_fte` counts whole.
    pub pro_rata_fte: bool,
    /// Days below this share of full time do not count at all.
    pub min_fte: Option<Fte>,
}

impl ServiceCounting {
    /// Whether an assignment of this kind counts as service.
    pub fn counts(&self, kind: AssignmentKind) -> bool {
        if kind == AssignmentKind::InitialResidency {
            self.initial_residency_counts
        } else {
            self.kinds.contains(&kind)
        }
    }
}

/// Where designated service takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// A facility the prefecture designates: facility group `designated_shortage`.
    DesignatedFacility,
    /// Any facility in a shortage area (医師少数区域) or shortage spot (医師少数スポット).
    ShortageArea,
}

impl Place {
    pub const ALL: [Place; 2] = [Place::DesignatedFacility, Place::ShortageArea];
    pub fn code(self) -> &'static str {
        match self {
            Place::DesignatedFacility => "designated_facility",
            Place::ShortageArea => "shortage_area",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Place> {
        Place::ALL.into_iter().find(|p| p.code() == s)
    }
}

/// Service required at designated places, part of the obligation (not added to it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignatedService {
    /// The years required; `None` when the source requires "a period" without a length
    /// (the evaluation then asks for more than nothing and says the length is unstated).
    pub min: Option<Span>,
    /// Service at any of these places counts.
    pub places: Vec<Place>,
}

/// The obligation must be complete by the end of 卒後N年目.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub years_after_graduation: u32,
    /// Allowed suspensions ([`Suspension`]) move the deadline by their service days, each
    /// kind up to its cap.
    pub extended_by_suspensions: bool,
}

impl Deadline {
    /// The deadline before any extension.
    pub fn base(&self, graduation: NaiveDate) -> Option<NaiveDate> {
        end_of_year_after_graduation(graduation, self.years_after_graduation)
    }
}

/// A kind of absence the scheme allows: it pauses the obligation instead of breaking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Suspension {
    pub kind: AssignmentKind,
    /// The most of it that is allowed (and extends the deadline); `None`: no cap stated.
    pub cap: Option<Span>,
}

/// The most time allowed outside the prefecture, in total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutsidePrefecture {
    pub max: Span,
    /// Time abroad counts as outside (an external workplace without a prefecture).
    pub includes_abroad: bool,
    /// The kinds of assignment it applies to; empty: all work.
    pub applies_to: Vec<AssignmentKind>,
}

/// The shortest continuous stay at one facility.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tenure {
    pub min_per_facility: Span,
    /// The kinds of assignment it applies to; empty: all work.
    pub applies_to: Vec<AssignmentKind>,
    /// A doctor may stay employed by one facility and be dispatched from it: the facility
    /// where the work is done is the one that counts.
    pub dispatch_allowed: bool,
}

/// Board certification in a basic specialty by the end of 卒後N年目.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SpecialistBy {
    pub year_after_graduation: u32,
    /// Years of training at accredited sites the specialty requires before the exam, when
    /// the scheme states them (the basic specialties' programmes last at least three).
    pub training_years: Option<u32>,
}

impl SpecialistBy {
    /// The last day by which the certificate is due.
    pub fn due(&self, graduation: NaiveDate) -> Option<NaiveDate> {
        end_of_year_after_graduation(graduation, self.year_after_graduation)
    }
}

/// The sites a rotation must include.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rotation {
    /// The kinds of assignment that make up the rotation; empty: all work.
    pub applies_to: Vec<AssignmentKind>,
    /// The fewest distinct facilities.
    pub min_sites: u32,
    /// The sites must be in the scheme's prefecture.
    pub within_prefecture: bool,
    /// At least so many sites from each of these facility groups.
    pub groups: Vec<GroupRequirement>,
}

/// At least `min_sites` sites of a facility group, each for at least `min_per_site`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRequirement {
    pub group: FacilityGroup,
    pub min_sites: u32,
    pub min_per_site: Option<Span>,
    /// The passage this requirement comes from, when it is not the rotation's own.
    pub source: Option<String>,
}

/// At most `max` in total in these kinds of assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindLimit {
    pub kinds: Vec<AssignmentKind>,
    pub max: Span,
}

/// Where initial residency must take place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InitialResidency {
    pub in_prefecture: bool,
}

/// What is repaid when the obligation is broken (返還).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Repayment {
    pub principal: Principal,
    /// Whether interest is added.
    pub interest: bool,
    /// The annual rate in hundredths of a percent (10.95 % is 1095), when stated.
    pub annual_rate_bp: Option<u32>,
    /// From when interest runs, when stated.
    pub interest_from: Option<InterestFrom>,
}

/// How much of the loan is repaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// The whole loan.
    Full,
    /// The share of the loan matching the share of the obligation not served.
    Unserved,
}

impl Principal {
    pub const ALL: [Principal; 2] = [Principal::Full, Principal::Unserved];
    pub fn code(self) -> &'static str {
        match self {
            Principal::Full => "full",
            Principal::Unserved => "unserved",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Principal> {
        Principal::ALL.into_iter().find(|p| p.code() == s)
    }
}

/// From when interest runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestFrom {
    /// From the day each instalment of the loan was paid.
    LoanPayment,
    /// From the day the obligation was broken.
    Breach,
}

impl InterestFrom {
    pub const ALL: [InterestFrom; 2] = [InterestFrom::LoanPayment, InterestFrom::Breach];
    pub fn code(self) -> &'static str {
        match self {
            InterestFrom::LoanPayment => "loan_payment",
            InterestFrom::Breach => "breach",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<InterestFrom> {
        InterestFrom::ALL.into_iter().find(|p| p.code() == s)
    }
}

/// An obligation status the evaluation reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    /// In initial residency (初期研修).
    InitialResidency,
    /// Serving the obligation (指定勤務).
    InService,
    /// Suspended (中断中).
    Suspended,
    /// Obligation completed (指定明け).
    Completed,
}

impl ObligationStatus {
    pub const ALL: [ObligationStatus; 4] = [
        ObligationStatus::InitialResidency,
        ObligationStatus::InService,
        ObligationStatus::Suspended,
        ObligationStatus::Completed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ObligationStatus::InitialResidency => "initial_residency",
            ObligationStatus::InService => "in_service",
            ObligationStatus::Suspended => "suspended",
            ObligationStatus::Completed => "completed",
        }
    }
    /// The default label, used when a scheme gives no word of its own.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ObligationStatus::InitialResidency, Lang::Ja) => "初期臨床研修中",
            (ObligationStatus::InitialResidency, Lang::En) => "In initial residency",
            (ObligationStatus::InService, Lang::Ja) => "義務履行中",
            (ObligationStatus::InService, Lang::En) => "Serving",
            (ObligationStatus::Suspended, Lang::Ja) => "中断中",
            (ObligationStatus::Suspended, Lang::En) => "Suspended",
            (ObligationStatus::Completed, Lang::Ja) => "義務明け",
            (ObligationStatus::Completed, Lang::En) => "Completed",
        }
    }
}

impl fmt::Display for ObligationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The register's own words for statuses (Gifu: 初期研修, 指定勤務, 指定明け, 中断中).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StatusLabels(pub BTreeMap<ObligationStatus, String>);

impl StatusLabels {
    /// The scheme's word for a status, or the default label.
    pub fn label(&self, status: ObligationStatus, lang: Lang) -> &str {
        match (lang, self.0.get(&status)) {
            (Lang::Ja, Some(word)) => word,
            _ => status.label(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn loan(a: NaiveDate, b: NaiveDate) -> Period {
        Period::new(a, Some(b)).unwrap()
    }

    #[test]
    fn loan_months_count_a_started_month_whole() {
        assert_eq!(loan_months(&loan(d(2014, 4, 1), d(2020, 3, 31))), Some(72));
        assert_eq!(loan_months(&loan(d(2014, 4, 1), d(2014, 4, 1))), Some(1));
        assert_eq!(loan_months(&loan(d(2014, 4, 1), d(2014, 5, 1))), Some(2));
        assert_eq!(loan_months(&loan(d(2014, 1, 31), d(2014, 2, 27))), Some(1));
        assert_eq!(loan_months(&Period::open(d(2014, 4, 1))), None);
    }

    #[test]
    fn a_loan_based_obligation_is_rounded_as_stated() {
        let rule = |rounding| ObligationLength::LoanFactor {
            factor_hundredths: 150,
            rounding,
            max_loan: Some(Span::years(6)),
        };
        // Six years of loan: nine years, whatever the rounding.
        let six = loan(d(2014, 4, 1), d(2020, 3, 31));
        for r in Rounding::ALL {
            assert_eq!(rule(r).for_loan(&six), Some(Span::years(9)), "{r:?}");
        }
        // Four years and seven months (55 months): 82.5 months.
        let odd = loan(d(2015, 9, 1), d(2020, 3, 31));
        assert_eq!(loan_months(&odd), Some(55));
        assert_eq!(
            rule(Rounding::UpToMonth).for_loan(&odd),
            Some(Span::months(83))
        );
        assert_eq!(
            rule(Rounding::DownToMonth).for_loan(&odd),
            Some(Span::months(82))
        );
        assert_eq!(
            rule(Rounding::UpToYear).for_loan(&odd),
            Some(Span::years(7))
        );
        assert_eq!(
            rule(Rounding::DownToYear).for_loan(&odd),
            Some(Span::years(6))
        );
        assert_eq!(rule(Rounding::UpToMonth).longest(), Some(Span::years(9)));
        assert_eq!(
            ObligationLength::Fixed(Span::years(9)).for_loan(&odd),
            Some(Span::years(9))
        );
    }

    #[test]
    fn status_labels_fall_back_to_the_defaults() {
        let mut words = BTreeMap::new();
        words.insert(ObligationStatus::InService, "指定勤務".to_string());
        let labels = StatusLabels(words);
        assert_eq!(
            labels.label(ObligationStatus::InService, Lang::Ja),
            "指定勤務"
        );
        assert_eq!(
            labels.label(ObligationStatus::InService, Lang::En),
            "Serving"
        );
        assert_eq!(
            labels.label(ObligationStatus::Completed, Lang::Ja),
            "義務明け"
        );
    }

    #[test]
    fn initial_residency_counts_only_by_its_flag() {
        let s = ServiceCounting {
            kinds: vec![AssignmentKind::DesignatedService],
            initial_residency_counts: false,
            within_prefecture: false,
            pro_rata_fte: false,
            min_fte: None,
        };
        assert!(s.counts(AssignmentKind::DesignatedService));
        assert!(!s.counts(AssignmentKind::InitialResidency));
        assert!(!s.counts(AssignmentKind::SpecialistTraining));
    }

    proptest! {
        #[test]
        fn loan_months_cover_the_loan_and_no_more(offset in 0i64..40_000, len in 0i64..3_000) {
            let start = d(1950, 1, 1) + chrono::Duration::days(offset);
            let end = start + chrono::Duration::days(len);
            let m = loan_months(&loan(start, end)).unwrap();
            // m months from the start reach past the end; m - 1 do not.
            prop_assert!(start.checked_add_months(Months::new(m)).unwrap() > end);
            prop_assert!(m >= 1);
            prop_assert!(start.checked_add_months(Months::new(m - 1)).unwrap() <= end);
        }
    }
}
