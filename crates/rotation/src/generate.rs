//! Seeded synthetic cohorts at a prefecture's scale, for benchmarks and tests: a university
//! hospital, large and small hospitals and designated sites in shortage areas; doctors of a
//! Mie-style programme (four sites, one of each group, a year or more each) at various
//! points of their obligation. Everything is invented.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::instance::{Doctor, Group, Instance, Programme, Site, Slot, Weights};

/// A cohort of `doctors` over `years` at about `sites` sites.
pub fn cohort(doctors: usize, years: usize, sites: usize, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sites = sites.max(4);
    let group_of = |s: usize| match s {
        0 => Group::University,
        s if s <= sites / 4 => Group::LargeMedium,
        s if s <= sites / 2 => Group::Small,
        _ => Group::DesignatedShortage,
    };
    // Posts: about one and a half per doctor-year overall, the university the largest.
    let per_site = (doctors as f64 * 1.5 / sites as f64).ceil() as u32;
    let site_list: Vec<Site> = (0..sites)
        .map(|s| {
            let group = group_of(s);
            let cap = if s == 0 {
                (doctors as u32 / 3).max(1)
            } else {
                rng.random_range(1..=per_site.max(1) + 1)
            };
            let need = if group == Group::DesignatedShortage || group == Group::Small {
                rng.random_range(1..=cap)
            } else {
                rng.random_range(0..=cap / 2)
            };
            Site {
                id: format!("syn-site-{s:03}"),
                group,
                designated: group == Group::DesignatedShortage,
                capacity: vec![cap; years],
                need: vec![need; years],
                weight: match group {
                    Group::DesignatedShortage => rng.random_range(2.0..4.0),
                    Group::Small => rng.random_range(1.0..2.0),
                    _ => rng.random_range(0.0..1.0),
                },
            }
        })
        .collect();
    let programme = Programme::one_of_each_group(
        "syn-programme",
        4,
        (0..sites).map(|s| s <= sites / 4).collect(),
        2,
    );
    let doctor_list: Vec<Doctor> = (0..doctors)
        .map(|k| {
            // Obligation years left: 4 to the whole horizon; a few with a year of leave.
            let designated_owed = rng.random_range(1..=2);
            let left = rng.random_range((3 + designated_owed as usize).min(years)..=years);
            let mut slots: Vec<Slot> = (0..years)
                .map(|t| if t < left { Slot::Free } else { Slot::Away })
                .collect();
            if rng.random_bool(0.1) && left > 6 {
                slots[rng.random_range(1..left - 1)] = Slot::Leave;
            }
            let preference = (0..sites)
                .map(|_| {
                    if rng.random_bool(0.1) {
                        rng.random_range(0.5..2.0)
                    } else {
                        0.0
                    }
                })
                .collect();
            Doctor {
                id: format!("syn-doctor-{k:04}"),
                programme: 0,
                slots,
                visited: vec![],
                trained_years: 0,
                service_owed: (left as u32).min(4),
                designated_owed,
                deadline: None,
                training_by: None,
                max_designated: designated_owed + 2,
                preference,
            }
        })
        .collect();
    Instance::new(
        2027,
        years,
        site_list,
        vec![programme],
        doctor_list,
        Weights::default(),
    )
    .expect("generated cohorts are valid")
}

/// A cohort shaped like a prefecture's real one (Iwate's, for instance): about `sites` sites
/// of which two fifths are designated sites in shortage areas, where nearly all the need is;
/// posts from 1 to 20 (the university the largest); doctors owing 0 to 9 years, a third of
/// them with the first one or two years already decided and with sites visited before the
/// horizon. Everything is invented.
pub fn prefecture(doctors: usize, years: usize, sites: usize, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sites = sites.max(8);
    let group_of = |s: usize| match s {
        0 => Group::University,
        s if s <= sites / 5 => Group::LargeMedium,
        s if s < sites * 3 / 5 => Group::Small,
        _ => Group::DesignatedShortage,
    };
    let site_list: Vec<Site> = (0..sites)
        .map(|s| {
            let group = group_of(s);
            let (cap, need, weight) = match group {
                Group::University => (20, 0, 0.2),
                Group::LargeMedium => {
                    let cap = rng.random_range(5..=20);
                    (cap, rng.random_range(0..=1), rng.random_range(0.5..1.0))
                }
                Group::Small => {
                    let cap = rng.random_range(1..=5);
                    let need = u32::from(rng.random_bool(0.2));
                    (cap, need, rng.random_range(1.0..2.0))
                }
                _ => {
                    let cap = rng.random_range(1..=4);
                    (cap, rng.random_range(1..=cap), rng.random_range(2.0..4.0))
                }
            };
            Site {
                id: format!("pref-site-{s:03}"),
                group,
                designated: group == Group::DesignatedShortage,
                capacity: vec![cap; years],
                need: vec![need; years],
                weight,
            }
        })
        .collect();
    let programme = Programme::one_of_each_group(
        "pref-programme",
        4,
        (0..sites).map(|s| s <= sites / 5).collect(),
        2,
    );
    let of_group = |g: Group| -> Vec<usize> { (0..sites).filter(|&s| group_of(s) == g).collect() };
    let mut taken = vec![vec![0u32; years]; sites];
    let doctor_list: Vec<Doctor> = (0..doctors)
        .map(|k| {
            let owed = rng.random_range(0..=9usize).min(years);
            let mut slots: Vec<Slot> = (0..years)
                .map(|t| if t < owed { Slot::Free } else { Slot::Away })
                .collect();
            // A third have their first years decided, where a post is left.
            if owed > 0 && rng.random_bool(1.0 / 3.0) {
                let fixed = rng.random_range(1..=2).min(owed);
                let s = rng.random_range(0..sites);
                if (0..fixed).all(|t| taken[s][t] < site_list[s].capacity[t]) {
                    for (t, slot) in slots.iter_mut().enumerate().take(fixed) {
                        taken[s][t] += 1;
                        *slot = Slot::Fixed(s);
                    }
                }
            }
            if owed > 6 && rng.random_bool(0.1) {
                slots[rng.random_range(3..owed)] = Slot::Leave;
            }
            // The groups the free years can still cover, designated first; the others were
            // done before the horizon. Service owed counts the years with a site.
            let free = slots.iter().filter(|s| **s == Slot::Free).count();
            let served = slots
                .iter()
                .filter(|s| matches!(s, Slot::Free | Slot::Fixed(_)))
                .count();
            let plannable = free.min(4);
            let mut visited = Vec::new();
            let order = [
                Group::DesignatedShortage,
                Group::Small,
                Group::LargeMedium,
                Group::University,
            ];
            for &g in &order[plannable..] {
                let list = of_group(g);
                visited.push(list[rng.random_range(0..list.len())]);
            }
            let designated_owed = if plannable == 0 {
                0
            } else {
                rng.random_range(0..=4usize).min(free + 1 - plannable) as u32
            };
            // Training at the university or a large hospital: done already unless both are
            // still to be planned.
            let trained_years = if plannable == 4 {
                rng.random_range(0..=2)
            } else {
                2
            };
            let preference = (0..sites)
                .map(|_| {
                    if rng.random_bool(0.05) {
                        rng.random_range(0.5..2.0)
                    } else {
                        0.0
                    }
                })
                .collect();
            Doctor {
                id: format!("pref-doctor-{k:04}"),
                programme: 0,
                slots,
                visited,
                trained_years,
                service_owed: served as u32,
                designated_owed,
                deadline: None,
                training_by: None,
                max_designated: designated_owed + 2,
                preference,
            }
        })
        .collect();
    Instance::new(
        2027,
        years,
        site_list,
        vec![programme],
        doctor_list,
        Weights::default(),
    )
    .expect("generated cohorts are valid")
}
