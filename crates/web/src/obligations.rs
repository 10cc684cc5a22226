//! Obligations in the browser: the register's page (status counts, the cohort tables, doctors
//! at risk, deadlines within twelve months, doctors not evaluated) with its workbook and CSV,
//! and the obligation section of a doctor's page. Everything is evaluated per request as of
//! a date through `chiiki_app::obligations`, which also decides who may read what.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{Html, Response};
use chiiki_app::access::Principal;
use chiiki_app::obligations::{self as ob, CrossTable, DoctorEvaluation, DoctorObligation};
use chiiki_domain::{DoctorId, Explain, Lang, Msg, NaiveDate, Specialty, format_iso, parse_date};
use chiiki_tabular::Format;
use serde::Deserialize;

use crate::i18n::T;
use crate::pages::Chrome;
use crate::session::{Auth, Prefs};
use crate::{AppState, PageError};

/// `?as_of=` of the obligation pages and downloads.
#[derive(Deserialize, Default)]
pub(crate) struct AsOfQuery {
    as_of: Option<String>,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

impl AsOfQuery {
    /// The date asked for (ISO or 和暦), today when none; a date that is not one is a 400
    /// that says why in both languages.
    pub(crate) fn date(&self) -> Result<NaiveDate, PageError> {
        match self
            .as_of
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(today()),
            Some(text) => parse_date(text).map_err(|e| {
                let (problem, fix) = (e.problem(), e.fix());
                let field = |l| T(l).get("obligations.as_of");
                PageError::BadRequest(Msg::new(
                    format!("{}: {} — {}", field(Lang::Ja), problem.ja, fix.ja),
                    format!("{}: {} — {}", field(Lang::En), problem.en, fix.en),
                ))
            }),
        }
    }
}

/// Years as a short number: at most two decimals, no trailing zeros (6, 2.5, 0.33).
fn years(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The catalog key of a rule's label, from its key in the scheme file (`rules.deadline`).
fn rule_label(rule: &str) -> &'static str {
    match rule.strip_prefix("rules.").unwrap_or(rule) {
        "obligation" => "rule.obligation",
        "service" => "rule.service",
        "designated" => "rule.designated",
        "deadline" => "rule.deadline",
        "suspensions" => "rule.suspensions",
        "outside_prefecture" => "rule.outside_prefecture",
        "tenure" => "rule.tenure",
        "specialist" => "rule.specialist",
        "rotation" => "rule.rotation",
        "limits" => "rule.limits",
        "initial_residency" => "rule.initial_residency",
        "repayment" => "rule.repayment",
        _ => "obligation.rule",
    }
}

/// A violation or a risk, said in the user's language, with the rule and its source.
pub(crate) struct FindingView {
    /// `violation` or `risk` (the class of its badge).
    pub kind: &'static str,
    /// The catalog key of `kind`'s label.
    pub kind_label: &'static str,
    /// The catalog key of the rule's label.
    pub rule: &'static str,
    pub text: String,
    pub source: String,
}

impl FindingView {
    fn new(violation: bool, rule: &str, ja: &str, en: &str, source: &str, lang: Lang) -> Self {
        let (kind, kind_label) = if violation {
            ("violation", "obligation.violation")
        } else {
            ("risk", "obligation.risk")
        };
        FindingView {
            kind,
            kind_label,
            rule: rule_label(rule),
            text: match lang {
                Lang::Ja => ja,
                Lang::En => en,
            }
            .to_string(),
            source: source.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The register's page

struct StatusCard {
    code: &'static str,
    label: &'static str,
    n: u32,
}

/// A cross-table as shown: the columns no doctor falls in are left out (the workbook keeps
/// them all).
struct TableView {
    key: &'static str,
    title: String,
    /// What the rows are (the first column's heading).
    rows_are: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<u32>, u32)>,
    totals: Vec<u32>,
    total: u32,
}

/// A doctor in a list of the page.
struct DoctorRef {
    id: String,
    name: String,
    synthetic: bool,
    /// Their page, as of the page's date.
    href: String,
    scheme: String,
    status: String,
}

struct RiskRow {
    doctor: DoctorRef,
    findings: Vec<FindingView>,
}

struct DeadlineRow {
    doctor: DoctorRef,
    remaining: String,
    deadline: String,
}

#[derive(Template)]
#[template(path = "obligations.html")]
struct RegisterPage {
    chrome: Chrome,
    as_of_iso: String,
    as_of: String,
    evaluated: usize,
    cards: Vec<StatusCard>,
    tables: Vec<TableView>,
    at_risk: Vec<RiskRow>,
    deadlines: Vec<DeadlineRow>,
    skipped: Vec<(String, String)>,
}

/// A label of the cohort tables in the user's language: statuses and specialties by their
/// Japanese labels, `日本語 / English` labels split; area names stay as they are.
fn label_in(label: &str, statuses: &HashMap<&str, &'static str>, lang: Lang) -> String {
    if lang == Lang::Ja {
        return label.split(" / ").next().unwrap_or(label).to_string();
    }
    if let Some(en) = statuses.get(label) {
        return en.to_string();
    }
    if let Some(s) = Specialty::ALL.iter().find(|s| s.label(Lang::Ja) == label) {
        return s.label(Lang::En).to_string();
    }
    match label.split_once(" / ") {
        Some((_, en)) => en.to_string(),
        None => label.to_string(),
    }
}

fn table_view(t: &CrossTable, statuses: &HashMap<&str, &'static str>, lang: Lang) -> TableView {
    let mut keep: Vec<usize> = (0..t.columns.len())
        .filter(|&c| t.column_total(c) > 0)
        .collect();
    // The pipeline's areas come in the order they were met: by code instead.
    if t.key == "pipeline" {
        keep.sort_by(|&a, &b| t.columns[a].cmp(&t.columns[b]));
    }
    let title = match lang {
        Lang::Ja => &t.title_ja,
        Lang::En => &t.title_en,
    };
    TableView {
        key: t.key,
        title: title.clone(),
        rows_are: title.split(" × ").next().unwrap_or_default().to_string(),
        columns: keep
            .iter()
            .map(|&c| label_in(&t.columns[c], statuses, lang))
            .collect(),
        rows: t
            .rows
            .iter()
            .enumerate()
            .map(|(r, label)| {
                (
                    label_in(label, statuses, lang),
                    keep.iter().map(|&c| t.cells[r][c]).collect(),
                    t.row_total(r),
                )
            })
            .collect(),
        totals: keep.iter().map(|&c| t.column_total(c)).collect(),
        total: t.total(),
    }
}

/// A doctor's link (with `dated`, the query of the page's date), scheme and status (the
/// scheme's own word in Japanese).
fn doctor_ref(d: &DoctorObligation, dated: &str, lang: Lang) -> Result<DoctorRef, PageError> {
    let e = &d.evaluation;
    let scheme = ob::registry()?.get(&e.scheme, e.version);
    Ok(DoctorRef {
        id: d.doctor.clone(),
        name: d.name.clone(),
        synthetic: d.synthetic,
        href: format!("/doctors/{}{dated}", d.doctor),
        scheme: scheme.map_or_else(|| d.scheme_name.clone(), |s| s.name.get(lang).to_string()),
        status: match lang {
            Lang::Ja => d.status_label.clone(),
            Lang::En => e.status.label(Lang::En).to_string(),
        },
    })
}

/// `GET /obligations`: the register's obligations as of a date (today unless `?as_of=`).
pub(crate) async fn page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Query(q): Query<AsOfQuery>,
) -> Result<Html<String>, PageError> {
    let who = &session.principal;
    if !ob::may_read_register_views(who) {
        return Err(PageError::Forbidden);
    }
    let as_of = q.date()?;
    let (list, skipped) = ob::register_views(s.store.as_ref(), who, as_of).await?;
    let lang = prefs.lang;
    let chrome = Chrome::new(&session, prefs, "obligations", &uri);

    let mut by_status = BTreeMap::new();
    let mut statuses: HashMap<&str, &'static str> = HashMap::new();
    for d in &list {
        let st = d.evaluation.status;
        *by_status.entry(st).or_insert(0u32) += 1;
        statuses.insert(st.label(Lang::Ja), st.label(Lang::En));
    }
    let cards = by_status
        .into_iter()
        .map(|(st, n)| StatusCard {
            code: st.code(),
            label: st.label(lang),
            n,
        })
        .collect();
    let tables = ob::cohort_tables(&list)
        .iter()
        .map(|t| table_view(t, &statuses, lang))
        .collect();
    // The doctors' pages as of the page's date (today's without a query).
    let dated = if as_of == today() {
        String::new()
    } else {
        format!("?as_of={}", format_iso(as_of))
    };
    let mut at_risk = Vec::new();
    for d in ob::at_risk(&list) {
        let e = &d.evaluation;
        let violations = e.violations.iter().map(|f| {
            let (ja, en) = (&f.explanation_ja, &f.explanation_en);
            FindingView::new(true, f.rule, ja, en, &f.source, lang)
        });
        let risks = e.risks.iter().map(|f| {
            let (ja, en) = (&f.explanation_ja, &f.explanation_en);
            FindingView::new(false, f.rule, ja, en, &f.source, lang)
        });
        at_risk.push(RiskRow {
            doctor: doctor_ref(d, &dated, lang)?,
            findings: violations.chain(risks).collect(),
        });
    }
    let mut deadlines = Vec::new();
    for (d, date) in ob::deadlines_within(&list, 12) {
        deadlines.push(DeadlineRow {
            doctor: doctor_ref(d, &dated, lang)?,
            remaining: years(d.evaluation.remaining.service_years),
            deadline: chrome.date(date),
        });
    }
    let page = RegisterPage {
        as_of_iso: format_iso(as_of),
        as_of: chrome.date(as_of),
        evaluated: list.len(),
        cards,
        tables,
        at_risk,
        deadlines,
        skipped: skipped.into_iter().map(|n| (n.doctor, n.reason)).collect(),
        chrome,
    };
    Ok(Html(page.render()?))
}

/// `GET /obligations.xlsx`: the workbook of the register views.
pub(crate) async fn xlsx(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    Query(q): Query<AsOfQuery>,
) -> Result<Response, PageError> {
    download(&s, &session.principal, prefs, &q, Format::Xlsx).await
}

/// `GET /obligations.csv`: the doctors and their evaluations.
pub(crate) async fn csv(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    Query(q): Query<AsOfQuery>,
) -> Result<Response, PageError> {
    download(&s, &session.principal, prefs, &q, Format::Csv).await
}

/// A download, recorded in the audit trail by the app like every export.
async fn download(
    s: &AppState,
    who: &Principal,
    prefs: Prefs,
    q: &AsOfQuery,
    format: Format,
) -> Result<Response, PageError> {
    if !ob::may_read_register_views(who) {
        return Err(PageError::Forbidden);
    }
    let as_of = q.date()?;
    let (bytes, _) = ob::export(s.store.as_ref(), who, as_of, format, prefs.lang).await?;
    Ok(crate::files::attachment(
        bytes,
        format,
        &format!("obligations-{}", format_iso(as_of)),
    ))
}

// ---------------------------------------------------------------------------------------
// A doctor's page

/// Counted and required years, for a progress bar.
pub(crate) struct Progress {
    pub counted: String,
    /// `None` when the requirement is not known or not stated.
    pub required: Option<String>,
    pub remaining: String,
}

pub(crate) struct DeadlineView {
    pub base: String,
    pub extension_days: u32,
    pub date: String,
}

pub(crate) struct RuleView {
    pub label: &'static str,
    pub key: &'static str,
    pub description: String,
    pub source: String,
}

pub(crate) struct EvaluatedView {
    pub as_of: String,
    pub scheme: String,
    pub scheme_id: String,
    pub version: u32,
    pub scheme_source: String,
    pub status_code: &'static str,
    pub status: String,
    pub compliant: bool,
    pub service: Progress,
    /// Present when the scheme requires designated service.
    pub designated: Option<Progress>,
    pub deadline: Option<DeadlineView>,
    pub violations: Vec<FindingView>,
    pub risks: Vec<FindingView>,
    pub rules: Vec<RuleView>,
}

/// The obligation section of a doctor's page.
pub(crate) enum ObligationView {
    Evaluated(Box<EvaluatedView>),
    /// Why the doctor could not be evaluated.
    NotEvaluated(String),
}

impl ObligationView {
    pub fn evaluated(&self) -> Option<&EvaluatedView> {
        match self {
            ObligationView::Evaluated(v) => Some(v),
            ObligationView::NotEvaluated(_) => None,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            ObligationView::NotEvaluated(r) => Some(r),
            ObligationView::Evaluated(_) => None,
        }
    }
}

/// The obligation of a doctor the principal may see, as of a date; `None` without an
/// enrolment.
pub(crate) async fn doctor_section(
    s: &AppState,
    who: &Principal,
    id: &DoctorId,
    as_of: NaiveDate,
    chrome: &Chrome,
) -> Result<Option<ObligationView>, PageError> {
    let lang = chrome.prefs.lang;
    let Some(found) = ob::evaluate_doctor(s.store.as_ref(), who, id, as_of).await? else {
        return Ok(None);
    };
    let (scheme, e) = match found {
        DoctorEvaluation::Evaluated { scheme, evaluation } => (scheme, evaluation),
        DoctorEvaluation::NotEvaluated(reason) => {
            return Ok(Some(ObligationView::NotEvaluated(
                reason.get(lang).to_string(),
            )));
        }
    };
    let r = &scheme.rules;
    let mut rules = Vec::new();
    let mut rule = |key: &'static str, description: &Msg, source: &str| {
        rules.push(RuleView {
            label: rule_label(key),
            key,
            description: description.get(lang).to_string(),
            source: source.to_string(),
        })
    };
    macro_rules! one {
        ($field:ident) => {
            if let Some(x) = &r.$field {
                rule(
                    concat!("rules.", stringify!($field)),
                    &x.description,
                    &x.source,
                );
            }
        };
    }
    macro_rules! each {
        ($field:ident) => {
            for x in &r.$field {
                rule(
                    concat!("rules.", stringify!($field)),
                    &x.description,
                    &x.source,
                );
            }
        };
    }
    one!(obligation);
    one!(service);
    one!(designated);
    one!(deadline);
    each!(suspensions);
    one!(outside_prefecture);
    one!(tenure);
    one!(specialist);
    one!(rotation);
    each!(limits);
    one!(initial_residency);
    one!(repayment);

    let designated = r.designated.as_ref().map(|d| Progress {
        counted: years(e.counted.designated_years),
        required: d.min.map(|m| years(m.in_years())),
        remaining: years(e.remaining.designated_years),
    });
    let view = EvaluatedView {
        as_of: chrome.date(e.as_of),
        scheme: scheme.name.get(lang).to_string(),
        scheme_id: scheme.id.to_string(),
        version: scheme.version,
        scheme_source: scheme.source.clone(),
        status_code: e.status.code(),
        status: e.status.label_in(scheme, lang),
        compliant: e.compliant,
        service: Progress {
            counted: years(e.counted.service_years),
            required: e.required_years.map(years),
            remaining: years(e.remaining.service_years),
        },
        designated,
        deadline: e.deadline.as_ref().map(|d| DeadlineView {
            base: chrome.date(d.base),
            extension_days: d.extension_days,
            date: chrome.date(d.deadline),
        }),
        violations: e
            .violations
            .iter()
            .map(|f| {
                let (ja, en) = (&f.explanation_ja, &f.explanation_en);
                FindingView::new(true, f.rule, ja, en, &f.source, lang)
            })
            .collect(),
        risks: e
            .risks
            .iter()
            .map(|f| {
                let (ja, en) = (&f.explanation_ja, &f.explanation_en);
                FindingView::new(false, f.rule, ja, en, &f.source, lang)
            })
            .collect(),
        rules,
    };
    Ok(Some(ObligationView::Evaluated(Box::new(view))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_short() {
        assert_eq!(years(6.0), "6");
        assert_eq!(years(2.5), "2.5");
        assert_eq!(years(0.333), "0.33");
        assert_eq!(years(0.0), "0");
        assert_eq!(years(10.0), "10");
    }

    /// Every rule a scheme or a finding can name has a label in the catalog.
    #[test]
    fn every_rule_has_a_label() {
        for rule in [
            "rules.obligation",
            "rules.service",
            "rules.designated",
            "rules.deadline",
            "rules.suspensions",
            "rules.outside_prefecture",
            "rules.tenure",
            "rules.specialist",
            "rules.rotation",
            "rules.limits",
            "rules.initial_residency",
            "rules.repayment",
            "rules.something_new",
        ] {
            let key = rule_label(rule);
            for lang in [Lang::Ja, Lang::En] {
                assert_ne!(T(lang).get(key), key, "{rule}");
            }
        }
    }

    #[test]
    fn table_labels_follow_the_language() {
        let statuses = HashMap::from([("違反", "Breached")]);
        assert_eq!(label_in("違反", &statuses, Lang::En), "Breached");
        assert_eq!(label_in("違反", &statuses, Lang::Ja), "違反");
        assert_eq!(label_in("未定 / undecided", &statuses, Lang::Ja), "未定");
        assert_eq!(
            label_in("未定 / undecided", &statuses, Lang::En),
            "undecided"
        );
        assert_eq!(label_in("内科", &statuses, Lang::En), "Internal medicine");
        assert_eq!(label_in("0301 盛岡", &statuses, Lang::En), "0301 盛岡");
    }
}
