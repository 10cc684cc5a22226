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
