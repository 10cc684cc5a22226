//! Why a plan is what it is, in both languages: why a doctor is at a site in a year (a
//! decision already taken, a rule that needs that year, the shortage it covers, the
//! doctor's wishes, staying on) and what the best plan without that year would lose; and why
//! no plan can keep a doctor's rules (which rule, and what the closest plan breaks).

use serde::Serialize;

use crate::instance::{Instance, Slot};
use crate::plan::{Plan, Violation, check_doctor};
use crate::solve::{cover_value, overflow_cost, plan_doctor, remove, values_given};

/// One reason, with its code for machines and its sentence for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// `fixed`, `leave`, `away`, `rule`, `coverage`, `covered`, `preference`,
    /// `continuity`, `alternative`, `no_alternative`.
    pub code: &'static str,
    /// The rule concerned, for `rule` (a rule code of [`crate::plan::check`]).
    pub rule: Option<&'static str>,
    pub ja: String,
    pub en: String,
}

/// Why doctor `doctor` is where the plan puts them in `year`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Why {
    pub doctor: usize,
    pub year: usize,
    pub site: Option<usize>,
    pub reasons: Vec<Reason>,
    /// The best row for the doctor without this site that year, everyone else as planned,
    /// and what it would lose; `None` when the year is not planned or no such row exists.
    pub alternative: Option<Vec<Option<usize>>>,
    pub loss: Option<f64>,
}

fn reason(code: &'static str, ja: String, en: String) -> Reason {
    Reason {
        code,
        rule: None,
        ja,
        en,
    }
}

/// What a row is worth to the doctor for the posts' values (as the planner counts it).
fn row_value(instance: &Instance, d: usize, row: &[Option<usize>], values: &[Vec<f64>]) -> f64 {
    let w = instance.weights;
    let doc = &instance.doctors[d];
    row.iter()
        .enumerate()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .map(|(t, s)| {
            let v = values[s][t];
            let stay = t > 0 && row[t - 1] == Some(s);
            (if v.is_finite() { v } else { 0.0 })
                + w.preference * doc.preference[s]
                + if stay { w.continuity } else { 0.0 }
        })
        .sum()
}

/// The rule families, each with the change to the instance that lifts it for one doctor.
const FAMILIES: [&str; 6] = [
    "programme.groups",
    "programme.min_sites",
    "programme.min_years_per_site",
    "programme.training_years",
    "obligation.designated",
    "fairness.max_designated",
];

fn lift(i: &mut Instance, d: usize, family: &str) {
    let years = i.years as u32;
    let p = i.doctors[d].programme;
    let prog = &mut i.programmes[p];
    let doc = &mut i.doctors[d];
    match family {
        "programme.groups" => prog.groups.clear(),
        "programme.min_sites" => prog.min_sites = 0,
        "programme.min_years_per_site" => prog.min_years_per_site = 1,
        "programme.training_years" => prog.training_years = 0,
        "obligation.designated" => doc.designated_owed = 0,
        _ => doc.max_designated = years,
    }
}

/// The rules the doctor's best row breaks when every rule family is lifted: what stands in
/// the way of any plan for these values. `None` when not even the slots allow a row.
fn closest(instance: &Instance, d: usize, values: &[Vec<f64>]) -> Option<Vec<Violation>> {
    let mut all = instance.clone();
    for family in FAMILIES {
        lift(&mut all, d, family);
    }
    let row = plan_doctor(&all, d, values)?;
    Some(check_doctor(instance, d, &row))
}

/// Why the plan puts `doctor` where it does in `year`.
pub fn why(instance: &Instance, plan: &Plan, doctor: usize, year: usize) -> Why {
    let fy = instance.first_year + year as i32;
    let doc = &instance.doctors[doctor];
    let row = plan.sites[doctor].clone();
    let site = row[year];
    let mut out = Why {
        doctor,
        year,
        site,
        reasons: Vec::new(),
        alternative: None,
        loss: None,
    };
    let name = |s: usize| instance.sites[s].id.as_str();
    match (doc.slots[year], site) {
        (Slot::Fixed(s), _) => {
            out.reasons.push(reason(
                "fixed",
                format!(
                    "{fy}年度の {} は決定済み（過去の勤務または確定した配置）です",
                    name(s)
                ),
                format!(
                    "fiscal {fy} at {} is already decided (a past year or a decision)",
                    name(s)
                ),
            ));
            return out;
        }
        (Slot::Leave, _) => {
            out.reasons.push(reason(
                "leave",
                format!("{fy}年度は承認された休業（産休・育休・研究など）で、義務は中断します"),
                format!("fiscal {fy} is approved leave; the obligation pauses"),
            ));
            return out;
        }
        (Slot::Away, _) => {
            out.reasons.push(reason(
                "away",
                format!("{fy}年度は計画の対象外です（義務の終了後など）"),
                format!("fiscal {fy} is outside the plan (after the obligation, for example)"),
            ));
            return out;
        }
        (Slot::Free, None) => return out,
        (Slot::Free, Some(_)) => {}
    }
    let Some(s) = site else { return out };
    let mut others = plan.counts(instance);
    remove(&mut others, &row);
    let cost = overflow_cost(instance);
    let values = values_given(instance, &others, cost);
    let here = &instance.sites[s];
    let (need, n) = (here.need[year], others[s][year]);
    if n < need {
        out.reasons.push(reason(
            "coverage",
            format!(
                "{} は{fy}年度に {need} 人を必要とし、ほかの医師は {n} 人です。不足の1人分を埋めます（不足の重み {:.2}）",
                name(s),
                cover_value(instance, s)
            ),
            format!(
                "{} wants {need} doctor(s) in fiscal {fy} and has {n} other(s): this year covers a shortage (worth {:.2})",
                name(s),
                cover_value(instance, s)
            ),
        ));
    } else {
        out.reasons.push(reason(
            "covered",
            format!(
                "{} の{fy}年度の必要数 {need} 人はほかの医師で足りています",
                name(s)
            ),
            format!(
                "{}'s {need} wanted post(s) in fiscal {fy} are covered by others",
                name(s)
            ),
        ));
    }
    let pref = doc.preference[s];
    if pref != 0.0 {
        out.reasons.push(reason(
            "preference",
            format!("本人の希望（{}: {pref:.1}）", name(s)),
            format!("the doctor's wish ({}: {pref:.1})", name(s)),
        ));
    }
    if year > 0 && row[year - 1] == Some(s) {
        out.reasons.push(reason(
            "continuity",
            format!("前年度から {} に続けて勤務します", name(s)),
            format!("stays at {} from the year before", name(s)),
        ));
    }
    // The best row without this site this year, within the posts the others leave.
    let mut without: Vec<Vec<f64>> = values
        .iter()
        .map(|v| {
            v.iter()
                .map(|&x| if x <= -cost { f64::NEG_INFINITY } else { x })
                .collect()
        })
        .collect();
    without[s][year] = f64::NEG_INFINITY;
    match plan_doctor(instance, doctor, &without) {
        Some(alt) => {
            let loss = row_value(instance, doctor, &row, &values)
                - row_value(instance, doctor, &alt, &values);
            let moved: Vec<String> = alt
                .iter()
                .enumerate()
                .filter(|(t, a)| **a != row[*t])
                .map(|(t, a)| {
                    format!(
                        "{}: {}",
                        instance.first_year + t as i32,
                        a.map_or("—", |a| name(a))
                    )
                })
                .collect();
            out.reasons.push(reason(
                "alternative",
                format!(
                    "この年を別の勤務先にした最善の計画（{}）は目的値が {loss:.2} 低くなります",
                    moved.join(", ")
                ),
                format!(
                    "the best plan with another site this year ({}) is worth {loss:.2} less",
                    moved.join(", ")
                ),
            ));
            out.alternative = Some(alt);
            out.loss = Some(loss);
        }
        None => {
            let broken = closest(instance, doctor, &without).unwrap_or_default();
            if broken.is_empty() {
                out.reasons.push(reason(
                    "no_alternative",
                    format!(
                        "{fy}年度に {} 以外では、ほかの医師の配置のままでは規則を満たす計画がありません",
                        name(s)
                    ),
                    format!(
                        "with the others as planned, no plan keeps the rules without {} in fiscal {fy}",
                        name(s)
                    ),
                ));
            }
            for v in broken {
                out.reasons.push(Reason {
                    code: "rule",
                    rule: Some(v.rule),
                    ja: format!("この年に {} でなければ: {}", name(s), v.ja),
                    en: format!("without {} this year: {}", name(s), v.en),
                });
            }
        }
    }
    out
}

/// Why no plan keeps doctor `d`'s rules, even with every post free: for each rule that,
/// lifted alone, would allow a plan, what the closest plan then breaks (rule, year and
/// sentence). Empty when the doctor can be planned. When no single rule is to blame, the
/// violations of a plan with every rule family lifted are given.
pub fn cannot(instance: &Instance, d: usize) -> Vec<Violation> {
    let free = vec![vec![0.0; instance.years]; instance.sites.len()];
    if plan_doctor(instance, d, &free).is_some() {
        return Vec::new();
    }
    let mut out: Vec<Violation> = Vec::new();
    for family in FAMILIES {
        let mut lifted = instance.clone();
        lift(&mut lifted, d, family);
        if let Some(row) = plan_doctor(&lifted, d, &free) {
            for v in check_doctor(instance, d, &row) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    if out.is_empty() {
        out = match closest(instance, d, &free) {
            Some(broken) => broken,
            None => {
                // Not even the slots fit: too few years, or fixed years that break a rule.
                let row: Vec<Option<usize>> = instance.fixed_row(d);
                check_doctor(instance, d, &row)
                    .into_iter()
                    .filter(|v| v.rule != "free")
                    .collect()
            }
        };
    }
    out
}
