//! Helpers shared by the rotation tests: Mie-style sites and programmes, strategies for
//! small instances, and brute force that uses nothing of the solver but the checker.
#![allow(dead_code)] // each test file uses a part

use chiiki_rotation::{
    Doctor, Group, Instance, Plan, Programme, Site, Slot, Weights, check, plan::check_doctor, score,
};
use proptest::prelude::*;

pub fn site(id: &str, group: Group, years: usize, cap: u32, need: u32, weight: f64) -> Site {
    Site {
        id: id.into(),
        group,
        designated: group == Group::DesignatedShortage,
        capacity: vec![cap; years],
        need: vec![need; years],
        weight,
    }
}

/// Mie's rule: four sites, one of each group, a year or more each.
pub fn mie(sites: usize, training_years: u32) -> Programme {
    Programme::one_of_each_group(
        "mie",
        4,
        (0..sites).map(|s| s < 3).collect(),
        training_years,
    )
}

pub fn doctor(id: &str, slots: Vec<Slot>, sites: usize) -> Doctor {
    Doctor {
        id: id.into(),
        programme: 0,
        slots,
        visited: vec![],
        trained_years: 0,
        service_owed: 0,
        designated_owed: 0,
        deadline: None,
        training_by: None,
        max_designated: 10,
        preference: vec![0.0; sites],
    }
}

pub fn mie_sites(years: usize) -> Vec<Site> {
    vec![
        site("university", Group::University, years, 5, 0, 0.0),
        site("large", Group::LargeMedium, years, 2, 1, 1.0),
        site("small", Group::Small, years, 1, 1, 2.0),
        site("remote-a", Group::DesignatedShortage, years, 1, 1, 4.0),
        site("remote-b", Group::DesignatedShortage, years, 1, 1, 3.0),
    ]
}

pub fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        6 => Just(Slot::Free),
        1 => Just(Slot::Leave),
        1 => Just(Slot::Away),
        1 => (0usize..5).prop_map(Slot::Fixed),
    ]
}

/// Every row of each doctor the checker accepts, then every combination: the best plan
/// within the posts, by brute force (nothing of the solver is used but the checker).
pub fn brute_force(i: &Instance) -> Option<f64> {
    best_by(i, |plan| score(i, plan).total()).map(|(v, _)| v)
}

/// The plan the checker accepts with the highest `key`, by brute force.
pub fn best_by(i: &Instance, key: impl Fn(&Plan) -> f64) -> Option<(f64, Plan)> {
    let ns = i.sites.len();
    let rows: Vec<Vec<Vec<Option<usize>>>> = (0..i.doctors.len())
        .map(|d| {
            let doc = &i.doctors[d];
            let free: Vec<usize> = (0..i.years)
                .filter(|&t| doc.slots[t] == Slot::Free)
                .collect();
            (0..ns.pow(free.len() as u32))
                .filter_map(|code| {
                    let mut row: Vec<Option<usize>> = doc
                        .slots
                        .iter()
                        .map(|s| match s {
                            Slot::Fixed(f) => Some(*f),
                            _ => None,
                        })
                        .collect();
                    let mut c = code;
                    for &t in &free {
                        row[t] = Some(c % ns);
                        c /= ns;
                    }
                    check_doctor(i, d, &row).is_empty().then_some(row)
                })
                .collect()
        })
        .collect();
    let mut best: Option<(f64, Plan)> = None;
    let mut pick = vec![0usize; rows.len()];
    if rows.iter().any(Vec::is_empty) {
        return None;
    }
    loop {
        let plan = Plan {
            sites: pick
                .iter()
                .enumerate()
                .map(|(d, &r)| rows[d][r].clone())
                .collect(),
        };
        if check(i, &plan).is_empty() {
            let v = key(&plan);
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, plan));
            }
        }
        let mut d = 0;
        loop {
            if d == rows.len() {
                return best;
            }
            pick[d] += 1;
            if pick[d] < rows[d].len() {
                break;
            }
            pick[d] = 0;
            d += 1;
        }
    }
}

pub fn small_cohort() -> impl Strategy<Value = Instance> {
    (
        2usize..=3,
        3usize..=4,
        prop::collection::vec((1u32..=2, 0u32..=2, 0.0f64..4.0), 5),
        prop::collection::vec(prop::collection::vec(0.0f64..2.0, 5), 3),
        prop::collection::vec(slot(), 12),
        1u32..=2,
    )
        .prop_map(|(nd, years, posts, prefs, slots, min_sites)| {
            let mut sites = mie_sites(years);
            for (site, (cap, need, weight)) in sites.iter_mut().zip(posts) {
                site.capacity = vec![cap; years];
                site.need = vec![need; years];
                site.weight = weight;
            }
            let mut p = mie(5, 1);
            p.min_sites = min_sites + 1;
            p.groups
                .retain(|g| g.group == Group::University || g.group == Group::DesignatedShortage);
            let doctors = (0..nd)
                .map(|k| {
                    let mut d = doctor(&format!("d{k}"), slots[k * 4..k * 4 + years].to_vec(), 5);
                    d.preference = prefs[k].clone();
                    d.designated_owed = 1;
                    d.service_owed = 2;
                    d.max_designated = 2;
                    d
                })
                .collect();
            Instance::new(2027, years, sites, vec![p], doctors, Weights::default()).unwrap()
        })
}

/// Three doctors of Mie's programme, each owing four years with one designated, at the five
/// Mie-style sites.
pub fn three_doctors(years: usize) -> Instance {
    let sites = mie_sites(years);
    let doctors = (0..3)
        .map(|k| {
            let mut d = doctor(&format!("d{k}"), vec![Slot::Free; years], sites.len());
            d.designated_owed = 1;
            d.service_owed = 4;
            d
        })
        .collect();
    Instance::new(
        2027,
        years,
        sites,
        vec![mie(5, 2)],
        doctors,
        Weights::default(),
    )
    .unwrap()
}
