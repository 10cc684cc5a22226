//! A plan — each doctor's site year by year — its objective, and the independent checker
//! that verifies a plan against the instance without trusting the solver.

use serde::Serialize;

use crate::instance::{Instance, Slot};

/// Each doctor's site for each year of the horizon (`sites[d][t]`); `None` for leave, for
/// years away and for years after the obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub sites: Vec<Vec<Option<usize>>>,
}

impl Plan {
    /// Doctors at each site in each year (`counts[s][t]`).
    pub fn counts(&self, instance: &Instance) -> Vec<Vec<u32>> {
        let mut n = vec![vec![0u32; instance.years]; instance.sites.len()];
        for row in &self.sites {
            for (t, s) in row.iter().enumerate() {
                if let Some(s) = s
                    && let Some(c) = n.get_mut(*s).and_then(|r| r.get_mut(t))
                {
                    *c += 1;
                }
            }
        }
        n
    }
}

/// The objective of a plan, term by term (already multiplied by the weights).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Score {
    /// Wanted posts covered, weighted by their sites' shortage.
    pub coverage: f64,
    /// The doctors' preferences for the sites they are at.
    pub preference: f64,
    /// Years a doctor stays where they were the year before.
    pub continuity: f64,
}

impl Score {
    pub fn total(&self) -> f64 {
        self.coverage + self.preference + self.continuity
    }
}

/// The objective of a plan.
pub fn score(instance: &Instance, plan: &Plan) -> Score {
    score_counted(instance, plan, &plan.counts(instance))
}

/// The objective of a plan whose counts (`Plan::counts`) are already known.
pub(crate) fn score_counted(instance: &Instance, plan: &Plan, n: &[Vec<u32>]) -> Score {
    let w = instance.weights;
    let mut out = Score::default();
    for (site, at) in instance.sites.iter().zip(n) {
        for (here, need) in at.iter().zip(&site.need) {
            out.coverage += w.coverage * site.weight * f64::from((*here).min(*need));
        }
    }
    for (d, row) in plan.sites.iter().enumerate() {
        let doc = &instance.doctors[d];
        for (t, s) in row.iter().enumerate() {
            if let Some(s) = s {
                out.preference += w.preference * doc.preference[*s];
                if t > 0 && row[t - 1] == Some(*s) {
                    out.continuity += w.continuity;
                }
            }
        }
    }
    out
}

/// A rule a plan breaks: whose, which rule, which year, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The doctor, or `None` for a site's capacity.
    pub doctor: Option<usize>,
    pub rule: &'static str,
    /// The year concerned, when one is.
    pub year: Option<usize>,
    pub ja: String,
    pub en: String,
}

/// Every rule the plan breaks; empty when it keeps them all. Independent of any solver:
/// it reads only the instance and the plan.
pub fn check(instance: &Instance, plan: &Plan) -> Vec<Violation> {
    let mut out = Vec::new();
    let years = instance.years;
    if plan.sites.len() != instance.doctors.len() || plan.sites.iter().any(|r| r.len() != years) {
        out.push(Violation {
            doctor: None,
            rule: "plan.shape",
            year: None,
            ja: "計画の医師数または年数が問題と合いません".into(),
            en: "the plan's doctors or years do not match the instance".into(),
        });
        return out;
    }
    for (d, row) in plan.sites.iter().enumerate() {
        out.extend(check_doctor(instance, d, row));
    }
    let fy = |t: usize| instance.first_year + t as i32;
    let n = plan.counts(instance);
    for (site, at) in instance.sites.iter().zip(&n) {
        for (t, (&here, &cap)) in at.iter().zip(&site.capacity).enumerate() {
            if here > cap {
                out.push(Violation {
                    doctor: None,
                    rule: "capacity",
                    year: Some(t),
                    ja: format!(
                        "{} の{}年度は {} 人で、定員 {} を超えます",
                        site.id,
                        fy(t),
                        here,
                        cap
                    ),
                    en: format!(
                        "{}: {} doctors in fiscal {}, above its {} posts",
                        site.id,
                        here,
                        fy(t),
                        cap
                    ),
                });
            }
        }
    }
    out
}

/// The rules one doctor's row breaks (everything but the sites' capacities).
pub fn check_doctor(instance: &Instance, d: usize, row: &[Option<usize>]) -> Vec<Violation> {
    let mut out = Vec::new();
    let years = instance.years;
    let fy = |t: usize| instance.first_year + t as i32;
    let doc = &instance.doctors[d];
    let prog = &instance.programmes[doc.programme];
    let mut v = |rule: &'static str, year: Option<usize>, ja: String, en: String| {
        out.push(Violation {
            doctor: Some(d),
            rule,
            year,
            ja,
            en,
        });
    };
    let id = &doc.id;
    // Slots: fixed years kept, leave and away left empty, free years planned at a site
    // the programme allows.
    for (t, (slot, s)) in doc.slots.iter().zip(row).enumerate() {
        match (slot, s) {
            (Slot::Fixed(f), s) if *s != Some(*f) => v(
                "fixed",
                Some(t),
                format!("{id} の{}年度は確定済みの勤務先から変わっています", fy(t)),
                format!("{id}: fiscal {} was fixed and has changed", fy(t)),
            ),
            (Slot::Leave | Slot::Away, Some(_)) => v(
                "leave",
                Some(t),
                format!("{id} の{}年度は休業・計画外ですが勤務先があります", fy(t)),
                format!("{id}: fiscal {} is leave or away but has a site", fy(t)),
            ),
            (Slot::Free, None) => v(
                "free",
                Some(t),
                format!("{id} の{}年度の勤務先がありません", fy(t)),
                format!("{id}: fiscal {} has no site", fy(t)),
            ),
            (Slot::Free, Some(s)) if *s >= instance.sites.len() || !prog.allowed[*s] => v(
                "programme.sites",
                Some(t),
                format!("{id} の{}年度の勤務先はプログラムの対象外です", fy(t)),
                format!(
                    "{id}: fiscal {}'s site is not one of the programme's",
                    fy(t)
                ),
            ),
            _ => {}
        }
    }
    let at: Vec<(usize, usize)> = row
        .iter()
        .enumerate()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .filter(|(_, s)| *s < instance.sites.len())
        .collect();
    // Stints: consecutive years at one site (leave and away years skipped); a stint
    // with a planned year lasts the programme's minimum.
    let mut k = 0;
    while k < at.len() {
        let mut e = k;
        while e + 1 < at.len() && at[e + 1].1 == at[k].1 {
            e += 1;
        }
        let (start, end) = (at[k].0, at[e].0);
        let planned = (k..=e).any(|i| doc.slots[at[i].0] == Slot::Free);
        let length = (e - k + 1) as u32;
        // The first stint may continue one from before the horizon, and the last one
        // may go on after it (unless the obligation ends: away years follow).
        let open_end = e + 1 == at.len() && !doc.slots[end + 1..].contains(&Slot::Away);
        if planned && start > 0 && !open_end && length < prog.min_years_per_site {
            v(
                "programme.min_years_per_site",
                Some(start),
                format!(
                    "{id} は{}年度から {} に {length} 年だけです（最短 {} 年）",
                    fy(start),
                    instance.sites[at[k].1].id,
                    prog.min_years_per_site
                ),
                format!(
                    "{id}: {length} year(s) at {} from fiscal {} (at least {})",
                    instance.sites[at[k].1].id,
                    fy(start),
                    prog.min_years_per_site
                ),
            );
        }
        k = e + 1;
    }
    // Sites and groups over the whole rotation.
    let mut distinct: Vec<usize> = doc
        .visited
        .iter()
        .copied()
        .chain(at.iter().map(|(_, s)| *s))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    if (distinct.len() as u32) < prog.min_sites {
        v(
            "programme.min_sites",
            None,
            format!(
                "{id} の勤務先は {} か所です（{} か所以上）",
                distinct.len(),
                prog.min_sites
            ),
            format!(
                "{id}: {} distinct sites (at least {})",
                distinct.len(),
                prog.min_sites
            ),
        );
    }
    for g in &prog.groups {
        let n = distinct
            .iter()
            .filter(|&&s| instance.sites[s].group == g.group)
            .count() as u32;
        if n < g.min_sites {
            v(
                "programme.groups",
                None,
                format!(
                    "{id} は {} 群の勤務先が {n} か所です（{} か所以上）",
                    g.group.label(chiiki_domain::Lang::Ja),
                    g.min_sites
                ),
                format!(
                    "{id}: {n} site(s) of the {} group (at least {})",
                    g.group.code(),
                    g.min_sites
                ),
            );
        }
    }
    // Training at accredited sites by the exam.
    let by = instance.training_by(d);
    let trained = doc.trained_years
        + at.iter()
            .filter(|(t, s)| *t <= by && prog.accredited[*s])
            .count() as u32;
    if trained < prog.training_years {
        v(
            "programme.training_years",
            Some(by),
            format!(
                "{id} の認定施設での研修は{}年度までに {trained} 年です（{} 年必要）",
                fy(by),
                prog.training_years
            ),
            format!(
                "{id}: {trained} year(s) of accredited training by fiscal {} ({} needed)",
                fy(by),
                prog.training_years
            ),
        );
    }
    // The obligation: service and designated service by the deadline, and no more
    // designated years than the doctor's fair share.
    let deadline = instance.deadline(d);
    let served = at.iter().filter(|(t, _)| *t <= deadline).count() as u32;
    if served < doc.service_owed {
        v(
            "obligation.service",
            Some(deadline),
            format!(
                "{id} は{}年度までの勤務が {served} 年で、義務の残り {} 年に足りません",
                fy(deadline),
                doc.service_owed
            ),
            format!(
                "{id}: {served} year(s) of service by fiscal {}, {} owed",
                fy(deadline),
                doc.service_owed
            ),
        );
    }
    let designated = |upto: usize| {
        at.iter()
            .filter(|(t, s)| *t <= upto && instance.sites[*s].designated)
            .count() as u32
    };
    let by_deadline = designated(deadline);
    if by_deadline < doc.designated_owed {
        v(
            "obligation.designated",
            Some(deadline),
            format!(
                "{id} は{}年度までの指定勤務が {by_deadline} 年で、残り {} 年に足りません",
                fy(deadline),
                doc.designated_owed
            ),
            format!(
                "{id}: {by_deadline} year(s) of designated service by fiscal {}, {} owed",
                fy(deadline),
                doc.designated_owed
            ),
        );
    }
    let all = designated(years);
    if all > doc.max_designated {
        v(
            "fairness.max_designated",
            None,
            format!(
                "{id} の指定勤務は {all} 年で、上限 {} 年を超えます",
                doc.max_designated
            ),
            format!(
                "{id}: {all} designated year(s), more than the {} allowed",
                doc.max_designated
            ),
        );
    }
    out
}
