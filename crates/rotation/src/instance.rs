//! The planning problem, validated: sites with their posts and the value of a doctor there
//! year by year, programmes with their rotation rules, and doctors with what is already fixed
//! and what they still owe. Years are numbered from the first fiscal year of the horizon
//! (`0` is `first_year`); sites, programmes and doctors by their position.

use serde::Serialize;

pub use chiiki_domain::FacilityGroup as Group;

/// A site doctors can be planned at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: String,
    pub group: Group,
    /// Service here is designated service (a designated facility or a shortage area).
    pub designated: bool,
    /// Posts open to the cohort, year by year (`capacity[t]`).
    pub capacity: Vec<u32>,
    /// Doctors wanted, year by year: the shortage a planned doctor covers.
    pub need: Vec<u32>,
    /// The value of covering one wanted post here for a year (from the area's shortage:
    /// its index class and its gap to the target).
    pub weight: f64,
}

/// A site requirement of a programme: at least `min_sites` distinct sites of the group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRule {
    pub group: Group,
    pub min_sites: u32,
}

/// A programme's rules (for example Mie's: four sites, the university hospital and one site
/// of each other group, a year or more at each; three years of training at sites accredited
/// for the specialty).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Programme {
    pub id: String,
    /// The fewest distinct sites over the whole rotation (fixed years included).
    pub min_sites: u32,
    pub groups: Vec<GroupRule>,
    /// The fewest consecutive years at a site once there (a stint).
    pub min_years_per_site: u32,
    /// Sites the programme may place its doctors at (`allowed[s]`).
    pub allowed: Vec<bool>,
    /// Sites accredited for the programme's specialty (`accredited[s]`).
    pub accredited: Vec<bool>,
    /// Years of training at accredited sites required before the specialist exam.
    pub training_years: u32,
}

impl Programme {
    /// Mie's pattern: `min_sites` sites including one of each group, a year or more at each,
    /// any of `sites` sites allowed, `accredited` for training.
    pub fn one_of_each_group(
        id: &str,
        min_sites: u32,
        accredited: Vec<bool>,
        training_years: u32,
    ) -> Programme {
        Programme {
            id: id.into(),
            min_sites,
            groups: Group::ALL
                .iter()
                .map(|&group| GroupRule {
                    group,
                    min_sites: 1,
                })
                .collect(),
            min_years_per_site: 1,
            allowed: vec![true; accredited.len()],
            accredited,
            training_years,
        }
    }
}

/// What a doctor's year holds before planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "site", rename_all = "snake_case")]
pub enum Slot {
    /// To be planned.
    Free,
    /// Already decided at a site (a past year, or a decision): counts for rules and uses a
    /// post.
    Fixed(usize),
    /// Approved leave (maternity, childcare, study): no site, and the obligation pauses.
    Leave,
    /// Not in the plan: after the end of the obligation, or work outside the sites.
    Away,
}

/// A doctor of the cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doctor {
    pub id: String,
    pub programme: usize,
    /// One slot per year of the horizon.
    pub slots: Vec<Slot>,
    /// Sites of the rotation before the horizon (they count towards the programme's sites and
    /// groups).
    pub visited: Vec<usize>,
    /// Years of accredited training done before the horizon.
    pub trained_years: u32,
    /// Years of service still owed at the start of the horizon.
    pub service_owed: u32,
    /// Of those, years of designated service still owed.
    pub designated_owed: u32,
    /// The last year (index) by which the owed service must be done; `None`: the horizon.
    pub deadline: Option<usize>,
    /// The last year by which the training must be done (the exam); `None`: the horizon.
    pub training_by: Option<usize>,
    /// The most years of designated service the plan may give the doctor (fairness: no
    /// doctor carries all the remote years); at least `designated_owed`.
    pub max_designated: u32,
    /// The doctor's wishes: a value per site (0 when indifferent).
    pub preference: Vec<f64>,
}

/// A problem of an instance: which record, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {en} / {ja}")]
pub struct InstanceError {
    pub path: String,
    pub ja: String,
    pub en: String,
}

/// The weights of the objective's terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// Per unit of a site's weight covered for a year.
    pub coverage: f64,
    /// Per unit of a doctor's preference for a site, per year there.
    pub preference: f64,
    /// Per year a doctor stays where they were the year before.
    pub continuity: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            coverage: 1.0,
            preference: 0.2,
            continuity: 0.05,
        }
    }
}

/// A validated instance. Build it with [`Instance::new`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instance {
    /// The fiscal year of year 0.
    pub first_year: i32,
    pub years: usize,
    pub sites: Vec<Site>,
    pub programmes: Vec<Programme>,
    pub doctors: Vec<Doctor>,
    pub weights: Weights,
}

impl Instance {
    /// Checks an instance: every index in range, every per-year and per-site list of the
    /// right length, values finite and non-negative where they must be. Every problem is
    /// reported.
    pub fn new(
        first_year: i32,
        years: usize,
        sites: Vec<Site>,
        programmes: Vec<Programme>,
        doctors: Vec<Doctor>,
        weights: Weights,
    ) -> Result<Instance, Vec<InstanceError>> {
        let mut errors = Vec::new();
        let mut err = |path: String, ja: String, en: String| {
            errors.push(InstanceError { path, ja, en });
        };
        let ns = sites.len();
        for (s, site) in sites.iter().enumerate() {
            if site.capacity.len() != years || site.need.len() != years {
                err(
                    format!("sites[{s}]"),
                    format!("{} の定員・必要数は {years} 年分が必要です", site.id),
                    format!("{}: capacity and need must give {years} years", site.id),
                );
            }
            if !site.weight.is_finite() || site.weight < 0.0 {
                err(
                    format!("sites[{s}].weight"),
                    format!("{} の重みは 0 以上の数です", site.id),
                    format!("{}: the weight must be a number ≥ 0", site.id),
                );
            }
        }
        for (p, prog) in programmes.iter().enumerate() {
            if prog.allowed.len() != ns || prog.accredited.len() != ns {
                err(
                    format!("programmes[{p}]"),
                    format!("{} の勤務先の指定は {ns} か所分が必要です", prog.id),
                    format!("{}: allowed and accredited must list {ns} sites", prog.id),
                );
            }
            if prog.min_years_per_site == 0 {
                err(
                    format!("programmes[{p}].min_years_per_site"),
                    format!("{} の1か所あたりの最短年数は1以上です", prog.id),
                    format!("{}: the fewest years per site is at least 1", prog.id),
                );
            }
        }
        for (d, doc) in doctors.iter().enumerate() {
            let here = |field: &str| format!("doctors[{d}].{field}");
            if doc.programme >= programmes.len() {
                err(
                    here("programme"),
                    format!("{} のプログラム番号 {} がありません", doc.id, doc.programme),
                    format!("{}: no programme number {}", doc.id, doc.programme),
                );
            }
            if doc.slots.len() != years {
                err(
                    here("slots"),
                    format!("{} の年ごとの予定は {years} 年分が必要です", doc.id),
                    format!("{}: slots must give {years} years", doc.id),
                );
            }
            for (t, slot) in doc.slots.iter().enumerate() {
                if let Slot::Fixed(s) = slot
                    && *s >= ns
                {
                    err(
                        format!("doctors[{d}].slots[{t}]"),
                        format!("{} の勤務先番号 {s} がありません", doc.id),
                        format!("{}: no site number {s}", doc.id),
                    );
                }
            }
            if let Some(s) = doc.visited.iter().find(|&&s| s >= ns) {
                err(
                    here("visited"),
                    format!("{} の勤務先番号 {s} がありません", doc.id),
                    format!("{}: no site number {s}", doc.id),
                );
            }
            if doc.preference.len() != ns || doc.preference.iter().any(|v| !v.is_finite()) {
                err(
                    here("preference"),
                    format!("{} の希望は {ns} か所分の数値が必要です", doc.id),
                    format!("{}: preference must give a number for {ns} sites", doc.id),
                );
            }
            if doc.designated_owed > doc.service_owed {
                err(
                    here("designated_owed"),
                    format!("{} の指定勤務の残りが義務の残りを超えています", doc.id),
                    format!("{}: designated years owed exceed the years owed", doc.id),
                );
            }
            if doc.max_designated < doc.designated_owed {
                err(
                    here("max_designated"),
                    format!("{} の指定勤務の上限が残りの年数より少ない", doc.id),
                    format!("{}: max_designated is below designated_owed", doc.id),
                );
            }
            for (field, y) in [("deadline", doc.deadline), ("training_by", doc.training_by)] {
                if let Some(y) = y
                    && y >= years
                {
                    err(
                        here(field),
                        format!("{} の期限（{y} 年目）が計画期間の外です", doc.id),
                        format!("{}: year {y} is outside the horizon", doc.id),
                    );
                }
            }
        }
        let weights_ok = [weights.coverage, weights.preference, weights.continuity]
            .iter()
            .all(|w| w.is_finite() && *w >= 0.0);
        if !weights_ok {
            err(
                "weights".into(),
                "目的の重みは 0 以上の数です".into(),
                "the objective's weights must be numbers ≥ 0".into(),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Instance {
            first_year,
            years,
            sites,
            programmes,
            doctors,
            weights,
        })
    }

    /// The last year index by which the doctor's service is due.
    pub fn deadline(&self, d: usize) -> usize {
        self.doctors[d].deadline.unwrap_or(self.years - 1)
    }

    /// The doctor's fixed years, nothing else: the row of a doctor not (yet) planned.
    pub fn fixed_row(&self, d: usize) -> Vec<Option<usize>> {
        self.doctors[d]
            .slots
            .iter()
            .map(|s| match s {
                Slot::Fixed(s) => Some(*s),
                _ => None,
            })
            .collect()
    }

    /// The last year index by which the doctor's training is due.
    pub fn training_by(&self, d: usize) -> usize {
        self.doctors[d].training_by.unwrap_or(self.years - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, group: Group) -> Site {
        Site {
            id: id.into(),
            group,
            designated: group == Group::DesignatedShortage,
            capacity: vec![1; 3],
            need: vec![1; 3],
            weight: 1.0,
        }
    }

    #[test]
    fn every_problem_is_named() {
        let sites = vec![
            site("u", Group::University),
            site("r", Group::DesignatedShortage),
        ];
        let programme = Programme {
            id: "p".into(),
            min_sites: 2,
            groups: vec![],
            min_years_per_site: 0,
            allowed: vec![true],
            accredited: vec![true, true],
            training_years: 0,
        };
        let doctor = Doctor {
            id: "d".into(),
            programme: 3,
            slots: vec![Slot::Fixed(9), Slot::Free, Slot::Free],
            visited: vec![],
            trained_years: 0,
            service_owed: 1,
            designated_owed: 2,
            deadline: Some(3),
            training_by: None,
            max_designated: 1,
            preference: vec![0.0, f64::NAN],
        };
        let errors = Instance::new(
            2027,
            3,
            sites,
            vec![programme],
            vec![doctor],
            Weights::default(),
        )
        .unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        for path in [
            "programmes[0]",
            "programmes[0].min_years_per_site",
            "doctors[0].programme",
            "doctors[0].slots[0]",
            "doctors[0].preference",
            "doctors[0].designated_owed",
            "doctors[0].max_designated",
            "doctors[0].deadline",
        ] {
            assert!(paths.contains(&path), "{path} missing from {paths:?}");
        }
    }
}
