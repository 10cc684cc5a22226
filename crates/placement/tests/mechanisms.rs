//! The mechanisms under caps, floors and couples, and the optimisation mode: constructed
//! cases and properties on random instances, checked by helpers written here from the
//! definitions (sharing no code with the mechanisms), and by the crate's checker.

use chiiki_placement::caps::{FlexibleConfig, flexible_da, jrmp, jrmp_capacities};
use chiiki_placement::check::{Guarantee, check};
use chiiki_placement::couples::{couples_together, place_couples};
use chiiki_placement::floors::{floor_report, place_with_floors};
use chiiki_placement::optimise::{coverage, maximise_shortage_coverage};
use chiiki_placement::promise::instabilities;
use chiiki_placement::{
    Doctor, Facility, InstabilityKind, Instance, Matching, Placement, Promise, Region,
};
use proptest::prelude::*;

// ---------------------------------------------------------------- building instances

fn doc(id: &str, prefs: &[usize]) -> Doctor {
    Doctor::new(id, prefs)
}

fn fac(id: &str, capacity: u32, region: Option<usize>, priority: &[usize]) -> Facility {
    Facility::new(id, capacity, region, priority)
}

fn reg(id: &str, cap: Option<u32>, floor: u32) -> Region {
    Region {
        id: id.into(),
        cap,
        floor,
    }
}

fn default() -> FlexibleConfig {
    FlexibleConfig::default()
}

/// splitmix64: random instances from a seed, so proptest shrinks the seed and sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn shuffled(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            v.swap(i, self.below(i + 1));
        }
        v
    }
}

#[derive(Debug, Clone, Copy)]
struct Shape {
    doctors: usize,
    facilities: usize,
    regions: usize,
    caps: bool,
    floors: bool,
    couples: bool,
}

fn random(seed: u64, s: Shape) -> Instance {
    let mut rng = Rng(seed);
    let facilities: Vec<Facility> = (0..s.facilities)
        .map(|f| {
            let region = (s.regions > 0 && rng.below(5) != 0).then(|| rng.below(s.regions));
            let priority: Vec<usize> = rng
                .shuffled(s.doctors)
                .into_iter()
                .filter(|_| rng.below(6) != 0)
                .collect();
            fac(&format!("f{f}"), rng.below(4) as u32, region, &priority)
        })
        .collect();
    let doctors: Vec<Doctor> = (0..s.doctors)
        .map(|d| {
            let mut prefs = rng.shuffled(s.facilities);
            prefs.truncate(rng.below(s.facilities + 1));
            doc(&format!("d{d}"), &prefs)
        })
        .collect();
    let regions: Vec<Region> = (0..s.regions)
        .map(|r| {
            let cap = (s.caps && rng.below(3) != 0).then(|| rng.below(5) as u32);
            let floor = if s.floors { rng.below(3) as u32 } else { 0 };
            let floor = cap.map_or(floor, |c| floor.min(c));
            reg(&format!("r{r}"), cap, floor)
        })
        .collect();
    let mut couples = Vec::new();
    if s.couples {
        let order = rng.shuffled(s.doctors);
        let k = rng.below(s.doctors / 2 + 1);
        for c in 0..k {
            couples.push((order[2 * c], order[2 * c + 1]));
        }
    }
    Instance::new(doctors, facilities, regions, couples).expect("valid by construction")
}

/// Random shapes for the properties checked without brute force: up to 24 doctors, 7
/// facilities, 3 regions, all with caps drawn.
fn shape() -> impl Strategy<Value = (u64, Shape)> {
    (any::<u64>(), 1usize..25, 1usize..8, 0usize..4).prop_map(|(seed, d, f, r)| {
        (
            seed,
            Shape {
                doctors: d,
                facilities: f,
                regions: r,
                caps: true,
                floors: false,
                couples: false,
            },
        )
    })
}

// ---------------------------------------------------------------- checks from definitions

/// A doctor's position of their post in their list; unplaced is their list's length.
fn rank_of(i: &Instance, d: usize, f: Option<usize>) -> usize {
    let prefs = &i.doctors[d].preferences;
    f.and_then(|f| prefs.iter().position(|&x| x == f))
        .unwrap_or(prefs.len())
}

fn fac_rank(i: &Instance, f: usize, d: usize) -> Option<usize> {
    i.facilities[f].priority.iter().position(|&x| x == d)
}

fn placed(m: &Matching) -> usize {
    m.assignment.iter().flatten().count()
}

/// Individually rational, within capacities and within caps.
fn feasible(i: &Instance, m: &Matching) -> bool {
    let mut at = vec![0u32; i.facilities.len()];
    for (d, f) in m.assignment.iter().enumerate() {
        if let Some(f) = *f {
            if !i.doctors[d].preferences.contains(&f) || fac_rank(i, f, d).is_none() {
                return false;
            }
            at[f] += 1;
        }
    }
    let mut region = vec![0u32; i.regions.len()];
    for (f, &n) in at.iter().enumerate() {
        if n > i.facilities[f].capacity {
            return false;
        }
        if let Some(r) = i.facilities[f].region {
            region[r] += n;
        }
    }
    i.regions
        .iter()
        .zip(&region)
        .all(|(r, &n)| r.cap.is_none_or(|c| n <= c))
}

fn region_of(i: &Instance, f: usize) -> Option<usize> {
    i.facilities[f].region
}

fn counts(i: &Instance, m: &Matching) -> Vec<u32> {
    let mut region = vec![0u32; i.regions.len()];
    for f in m.assignment.iter().flatten() {
        if let Some(r) = region_of(i, *f) {
            region[r] += 1;
        }
    }
    region
}

fn floors_met(i: &Instance, m: &Matching) -> bool {
    counts(i, m)
        .iter()
        .zip(&i.regions)
        .all(|(&n, r)| n >= r.floor)
}

/// Blocking pair (doctor, facility, has a vacant post, holds someone it ranks below d).
/// Doctors in `skip` are left out.
fn blocking(i: &Instance, m: &Matching, skip: &[bool]) -> Vec<(usize, usize, bool, bool)> {
    let mut held = vec![Vec::new(); i.facilities.len()];
    for (d, f) in m.assignment.iter().enumerate() {
        if let Some(f) = *f {
            held[f].push(d);
        }
    }
    let mut out = Vec::new();
    for d in 0..i.doctors.len() {
        if skip.get(d).copied().unwrap_or(false) {
            continue;
        }
        let mine = rank_of(i, d, m.assignment[d]);
        for (k, &f) in i.doctors[d].preferences.iter().enumerate() {
            if k >= mine {
                break;
            }
            let Some(rd) = fac_rank(i, f, d) else {
                continue;
            };
            let vacant = (held[f].len() as u32) < i.facilities[f].capacity;
            let worse = held[f]
                .iter()
                .any(|&x| fac_rank(i, f, x).is_none_or(|r| r > rd));
            if vacant || worse {
                out.push((d, f, vacant, worse));
            }
        }
    }
    out
}

fn same(a: &Placement, b: &Placement) {
    assert_eq!(a, b, "not deterministic");
}

/// Plain deferred acceptance with the given capacities, written from the definition:
/// rounds in which every free doctor proposes, facilities keep their best.
fn plain_da(i: &Instance, capacity: &[u32]) -> Matching {
    let n = i.doctors.len();
    let mut next = vec![0usize; n];
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); i.facilities.len()];
    let mut at: Vec<Option<usize>> = vec![None; n];
    loop {
        let mut any = false;
        for d in 0..n {
            if at[d].is_some() {
                continue;
            }
            while let Some(&f) = i.doctors[d].preferences.get(next[d]) {
                next[d] += 1;
                if fac_rank(i, f, d).is_some() {
                    held[f].push(d);
                    at[d] = Some(f);
                    any = true;
                    break;
                }
            }
        }
        if !any {
            break;
        }
        for (f, list) in held.iter_mut().enumerate() {
            list.sort_by_key(|&d| fac_rank(i, f, d));
            while list.len() > capacity[f] as usize {
                if let Some(d) = list.pop() {
                    at[d] = None;
                }
            }
        }
    }
    Matching { assignment: at }
}

fn with_list(i: &Instance, d: usize, list: &[usize]) -> Instance {
    let mut doctors = i.doctors.clone();
    doctors[d].preferences = list.to_vec();
    Instance::new(
        doctors,
        i.facilities.clone(),
        i.regions.clone(),
        i.couples.clone(),
    )
    .expect("valid")
}

/// Every list of distinct facilities of length ≤ 3.
fn lists(facilities: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    let mut frontier = vec![vec![]];
    for _ in 0..facilities.min(3) {
        let mut next = Vec::new();
        for l in &frontier {
            for f in 0..facilities {
                if !l.contains(&f) {
                    let mut x: Vec<usize> = l.clone();
                    x.push(f);
                    next.push(x);
                }
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

/// Every matching within capacities, caps and acceptability (small instances), calling `f`.
fn each_matching(i: &Instance, f: &mut dyn FnMut(&Matching)) {
    fn go(
        i: &Instance,
        d: usize,
        m: &mut Matching,
        at: &mut Vec<u32>,
        region: &mut Vec<u32>,
        f: &mut dyn FnMut(&Matching),
    ) {
        if d == i.doctors.len() {
            f(m);
            return;
        }
        m.assignment[d] = None;
        go(i, d + 1, m, at, region, f);
        for &h in &i.doctors[d].preferences {
            if fac_rank(i, h, d).is_none() || at[h] >= i.facilities[h].capacity {
                continue;
            }
            let r = i.facilities[h].region;
            if let Some(r) = r
                && i.regions[r].cap.is_some_and(|c| region[r] >= c)
            {
                continue;
            }
            at[h] += 1;
            if let Some(r) = r {
                region[r] += 1;
            }
            m.assignment[d] = Some(h);
            go(i, d + 1, m, at, region, f);
            m.assignment[d] = None;
            at[h] -= 1;
            if let Some(r) = r {
                region[r] -= 1;
            }
        }
    }
    let mut m = Matching::empty(i.doctors.len());
    go(
        i,
        0,
        &mut m,
        &mut vec![0; i.facilities.len()],
        &mut vec![0; i.regions.len()],
        f,
    );
}

// ---------------------------------------------------------------- caps

#[test]
fn flexible_da_places_more_than_jrmp() {
    // One region with cap 2 and two hospitals of 2 posts: JRMP cuts each to 1; both doctors
    // want hospital A only, so JRMP wastes a seat the region could fill.
    let i = Instance::new(
        vec![doc("d1", &[0]), doc("d2", &[0])],
        vec![fac("A", 2, Some(0), &[0, 1]), fac("B", 2, Some(0), &[0, 1])],
        vec![reg("R", Some(2), 0)],
        vec![],
    )
    .unwrap();
    assert_eq!(jrmp_capacities(&i), vec![1, 1]);
    let j = jrmp(&i).unwrap();
    let f = flexible_da(&i, &default()).unwrap();
    assert_eq!(placed(&j.matching), 1);
    assert_eq!(placed(&f.matching), 2);
    assert_eq!(f.matching.assignment, vec![Some(0), Some(0)]);
    for p in [
        Promise::StrategyProofForDoctors,
        Promise::StableUpToCaps,
        Promise::CapsRespected,
        Promise::IndividuallyRational,
    ] {
        assert!(f.holds(p), "{p:?}");
    }
    // JRMP is not stable up to caps: d2 and A block, and the region is below its cap.
    assert!(!j.holds(Promise::StableUpToCaps));
    assert_eq!(blocking(&i, &j.matching, &[]), vec![(1, 0, true, false)]);
}

#[test]
fn promises_are_written_out_in_both_languages() {
    let i = Instance::new(
        vec![doc("d1", &[0])],
        vec![fac("A", 1, Some(0), &[0])],
        vec![reg("R", Some(1), 0)],
        vec![],
    )
    .unwrap();
    let p = flexible_da(&i, &default()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"strategy_proof_for_doctors\""), "{json}");
    for promise in [
        Promise::Stable,
        Promise::StableUpToCaps,
        Promise::StrategyProofForDoctors,
        Promise::CapsRespected,
        Promise::FloorsMet,
        Promise::FloorsBestEffort,
        Promise::CouplesTogether,
        Promise::InstabilitiesReported,
        Promise::MaxShortageCoverage,
        Promise::IndividuallyRational,
    ] {
        assert!(
            !promise.ja().is_empty() && !promise.en().is_empty() && !promise.basis().is_empty()
        );
    }
}

#[test]
fn round_robin_follows_the_order() {
    // Cap 3, the JRMP cut gives targets 2 + 1 (a tie of remainders goes to A).
    let i = Instance::new(
        vec![
            doc("a1", &[0]),
            doc("a2", &[0]),
            doc("b1", &[1]),
            doc("b2", &[1]),
        ],
        vec![fac("A", 2, Some(0), &[0, 1]), fac("B", 2, Some(0), &[2, 3])],
        vec![reg("R", Some(3), 0)],
        vec![],
    )
    .unwrap();
    assert_eq!(jrmp_capacities(&i), vec![2, 1]);
    let cut = flexible_da(&i, &default()).unwrap();
    assert_eq!(
        cut.matching.assignment,
        vec![Some(0), Some(0), Some(1), None]
    );
    // Targets 1 + 1, one spare seat: the order decides who gets it.
    let ab = flexible_da(
        &i,
        &FlexibleConfig {
            targets: Some(vec![1, 1]),
            orders: None,
        },
    )
    .unwrap();
    assert_eq!(
        ab.matching.assignment,
        vec![Some(0), Some(0), Some(1), None]
    );
    let ba = flexible_da(
        &i,
        &FlexibleConfig {
            targets: Some(vec![1, 1]),
            orders: Some(vec![vec![1, 0]]),
        },
    )
    .unwrap();
    assert_eq!(
        ba.matching.assignment,
        vec![Some(0), None, Some(1), Some(1)]
    );
    // Targets 2 for A, 0 for B: A fills first, B gets the last seat.
    let t = flexible_da(
        &i,
        &FlexibleConfig {
            targets: Some(vec![2, 0]),
            orders: None,
        },
    )
    .unwrap();
    assert_eq!(t.matching.assignment, vec![Some(0), Some(0), Some(1), None]);
}

#[test]
fn bad_configurations_are_reported_in_both_languages() {
    let i = Instance::new(
        vec![doc("d1", &[0])],
        vec![fac("A", 2, Some(0), &[0]), fac("B", 1, Some(0), &[0])],
        vec![reg("R", Some(2), 0)],
        vec![],
    )
    .unwrap();
    let e = flexible_da(
        &i,
        &FlexibleConfig {
            targets: Some(vec![3, 1]),
            orders: Some(vec![vec![0, 0]]),
        },
    )
    .unwrap_err();
    let paths: Vec<&str> = e.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "orders[0][1]",
            "orders[0]",
            "targets[0]",
            "targets (regions[0])"
        ]
    );
    assert!(e.iter().all(|x| !x.ja.is_empty() && !x.en.is_empty()));
    assert!(
        flexible_da(
            &i,
            &FlexibleConfig {
                targets: Some(vec![1]),
                orders: None
            }
        )
        .is_err()
    );
    assert!(
        flexible_da(
            &i,
            &FlexibleConfig {
                targets: None,
                orders: Some(vec![])
            }
        )
        .is_err()
    );
    assert!(maximise_shortage_coverage(&i, &[]).is_err());
}

#[test]
fn an_instance_changed_after_validation_is_refused() {
    let mut i = Instance::new(
        vec![doc("d1", &[0])],
        vec![fac("A", 1, Some(0), &[0])],
        vec![reg("R", Some(1), 1)],
        vec![],
    )
    .unwrap();
    i.facilities[0].region = Some(7);
    i.doctors[0].preferences.push(9);
    assert!(flexible_da(&i, &default()).is_err());
    assert!(jrmp(&i).is_err());
    assert!(place_with_floors(&i, &default()).is_err());
    assert!(floor_report(&i).is_err());
    assert!(place_couples(&i, &default()).is_err());
    assert!(maximise_shortage_coverage(&i, &[true]).is_err());
    assert!(instabilities(&i, &Matching::empty(1), true).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Flexible DA: within caps; every blocking pair is justified by a cap in Kamada and
    /// Kojima's sense (region at its cap, a vacant post, nobody the facility ranks lower, and
    /// the facility at or above its target); the crate's checker agrees.
    #[test]
    fn flexible_da_is_stable_up_to_caps((seed, s) in shape()) {
        let i = random(seed, s);
        let p = flexible_da(&i, &default()).unwrap();
        let m = &p.matching;
        prop_assert!(feasible(&i, m));
        let target = jrmp_capacities(&i);
        let region = counts(&i, m);
        let at = m.at_facilities(i.facilities.len());
        for (d, f, vacant, worse) in blocking(&i, m, &[]) {
            let r = region_of(&i, f);
            prop_assert!(!worse, "{d} would replace someone at {f}");
            prop_assert!(vacant);
            let r = r.expect("a blocking pair without a region is not justified");
            prop_assert_eq!(Some(region[r]), i.regions[r].cap, "region {} not at its cap", r);
            prop_assert!(at[f].len() as u32 >= target[f]);
        }
        let report = check(&i, m);
        prop_assert!(report.blocking_pairs.is_empty());
        if p.holds(Promise::Stable) {
            prop_assert!(blocking(&i, m, &[]).is_empty());
        }
        same(&p, &flexible_da(&i, &default()).unwrap());
    }

    /// With the JRMP cut as targets, every doctor does at least as well under flexible DA as
    /// under JRMP, so at least as many are placed.
    #[test]
    fn flexible_da_dominates_jrmp((seed, s) in shape()) {
        let i = random(seed, s);
        let f = flexible_da(&i, &default()).unwrap().matching;
        let j = jrmp(&i).unwrap().matching;
        prop_assert!(feasible(&i, &j));
        for d in 0..i.doctors.len() {
            prop_assert!(rank_of(&i, d, f.assignment[d]) <= rank_of(&i, d, j.assignment[d]));
        }
        prop_assert!(placed(&f) >= placed(&j));
        // JRMP is plain DA on the cut capacities.
        prop_assert_eq!(j, plain_da(&i, &jrmp_capacities(&i)));
    }

    /// Without caps, flexible DA is deferred acceptance: the same matching as written from the
    /// definition here and as the crate's `deferred_acceptance`, and promised stable.
    #[test]
    fn without_caps_flexible_da_is_deferred_acceptance((seed, mut s) in shape()) {
        s.caps = false;
        let i = random(seed, s);
        let p = flexible_da(&i, &default()).unwrap();
        let capacity: Vec<u32> = i.facilities.iter().map(|f| f.capacity).collect();
        prop_assert_eq!(&p.matching, &plain_da(&i, &capacity));
        prop_assert_eq!(&p.matching, &chiiki_placement::deferred_acceptance(&i));
        prop_assert!(p.holds(Promise::Stable));
        prop_assert!(blocking(&i, &p.matching, &[]).is_empty());
    }

    /// Strategy-proofness: no doctor gets a post they prefer by stating any list of up to three
    /// facilities instead of their own.
    #[test]
    fn flexible_da_is_strategy_proof(seed in any::<u64>(), d in 1usize..6, f in 1usize..4, r in 1usize..3) {
        let s = Shape { doctors: d, facilities: f, regions: r, caps: true, floors: false, couples: false };
        let i = random(seed, s);
        let truth = flexible_da(&i, &default()).unwrap().matching;
        for d in 0..i.doctors.len() {
            let honest = rank_of(&i, d, truth.assignment[d]);
            for list in lists(i.facilities.len()) {
                let lie = flexible_da(&with_list(&i, d, &list), &default()).unwrap().matching;
                prop_assert!(rank_of(&i, d, lie.assignment[d]) >= honest,
                    "doctor {} gains by stating {:?}", d, list);
            }
        }
    }
}

// ---------------------------------------------------------------- floors

#[test]
fn floors_reserve_seats_that_deferred_acceptance_leaves_empty() {
    // S (region Rural, floor 1) is d1's second choice; A (Urban, 1 post) prefers d1; d2 only
    // wants A. Deferred acceptance leaves Rural empty; the floor needs d1 there, and d2 then
    // takes A.
    let i = Instance::new(
        vec![doc("d1", &[1, 0]), doc("d2", &[1])],
        vec![fac("S", 1, Some(0), &[0, 1]), fac("A", 1, Some(1), &[0, 1])],
        vec![reg("Rural", None, 1), reg("Urban", None, 0)],
        vec![],
    )
    .unwrap();
    let fl = place_with_floors(&i, &default()).unwrap();
    assert!(fl.report.feasible);
    assert_eq!(fl.reserved, vec![0]);
    assert_eq!(fl.placement.matching.assignment, vec![Some(0), Some(1)]);
    assert!(fl.placement.holds(Promise::FloorsMet));
    assert!(fl.placement.holds(Promise::InstabilitiesReported));
    // The floor costs d1 the post A would give them: reported.
    let inst = &fl.placement.instabilities;
    assert_eq!(inst.len(), 1);
    assert_eq!((inst[0].doctors[0], inst[0].facilities[0]), (0, 1));
    assert_eq!(inst[0].kind, InstabilityKind::Replacement);
    assert!(inst[0].describe(&i).ja.contains("d1 → A"));
    assert!(!fl.placement.holds(Promise::StableUpToCaps));
}

#[test]
fn floor_met_by_deferred_acceptance_is_left_alone() {
    let i = Instance::new(
        vec![doc("d1", &[0]), doc("d2", &[1])],
        vec![fac("S", 1, Some(0), &[0]), fac("A", 1, Some(1), &[1])],
        vec![reg("Rural", None, 1), reg("Urban", None, 0)],
        vec![],
    )
    .unwrap();
    let fl = place_with_floors(&i, &default()).unwrap();
    assert!(fl.reserved.is_empty());
    assert_eq!(
        fl.placement.matching,
        flexible_da(&i, &default()).unwrap().matching
    );
    assert!(fl.placement.holds(Promise::Stable));
}

#[test]
fn infeasible_floors_name_the_binding_regions() {
    // Capacity below the floor.
    let i = Instance::new(
        vec![doc("d1", &[0]), doc("d2", &[0]), doc("d3", &[0])],
        vec![fac("S", 2, Some(0), &[0, 1, 2])],
        vec![reg("Iwaizumi", None, 3)],
        vec![],
    )
    .unwrap();
    let r = floor_report(&i).unwrap();
    assert!(!r.feasible);
    assert_eq!((r.required, r.coverable), (3, 2));
    let b = r.binding.unwrap();
    assert_eq!(b.regions, vec![0]);
    assert_eq!((b.need, b.at_most, b.capacity, b.doctors), (3, 2, 2, 3));
    assert!(b.text.ja.contains("Iwaizumi") && b.text.en.contains("Iwaizumi"));
    let fl = place_with_floors(&i, &default()).unwrap();
    assert!(fl.placement.holds(Promise::FloorsBestEffort));
    assert!(!fl.placement.holds(Promise::FloorsMet));
    assert_eq!(placed(&fl.placement.matching), 2);

    // Too few doctors accept the region (d2 does not list it; S does not list d3).
    let i = Instance::new(
        vec![doc("d1", &[0]), doc("d2", &[1]), doc("d3", &[0])],
        vec![
            fac("S", 5, Some(0), &[0, 1]),
            fac("A", 5, Some(1), &[0, 1, 2]),
        ],
        vec![reg("Rural", None, 2), reg("Urban", None, 0)],
        vec![],
    )
    .unwrap();
    let b = floor_report(&i).unwrap().binding.unwrap();
    assert_eq!(b.regions, vec![0]);
    assert_eq!((b.need, b.at_most, b.doctors), (2, 1, 1));

    // Each region can be served alone, not both: one doctor accepts either.
    let i = Instance::new(
        vec![doc("d1", &[0, 1]), doc("d2", &[2])],
        vec![
            fac("S1", 1, Some(0), &[0]),
            fac("S2", 1, Some(1), &[0]),
            fac("A", 1, Some(2), &[1]),
        ],
        vec![reg("R1", None, 1), reg("R2", None, 1), reg("U", Some(1), 1)],
        vec![],
    )
    .unwrap();
    let r = floor_report(&i).unwrap();
    assert!(r.regions.iter().all(|x| x.doctors >= 1 && x.capacity >= 1));
    let b = r.binding.unwrap();
    assert_eq!(b.regions, vec![0, 1]);
    assert_eq!((b.need, b.at_most), (2, 1));
    assert!(b.text.en.contains("R1, R2"));
    assert!(b.text.ja.contains("R1・R2"));
}

/// The largest number of doctors any matching within capacities and acceptability places in
/// the regions of `set`, each counted up to its floor when `to_floor`.
fn best_floor(i: &Instance, set: &[usize], to_floor: bool) -> u32 {
    let mut best = 0;
    each_matching(i, &mut |m| {
        let c = counts(i, m);
        let v: u32 = set
            .iter()
            .map(|&r| {
                if to_floor {
                    c[r].min(i.regions[r].floor)
                } else {
                    c[r]
                }
            })
            .sum();
        best = best.max(v);
    });
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Floors: met whenever the report says feasible; the report's feasibility and coverage
    /// agree with brute force; a binding set is a true obstacle; caps and acceptability hold.
    #[test]
    fn floors_are_met_when_feasible(seed in any::<u64>(), d in 1usize..7, f in 1usize..5, r in 1usize..4) {
        let s = Shape { doctors: d, facilities: f, regions: r, caps: true, floors: true, couples: false };
        let i = random(seed, s);
        let fl = place_with_floors(&i, &default()).unwrap();
        let m = &fl.placement.matching;
        prop_assert!(feasible(&i, m));
        let all: Vec<usize> = (0..i.regions.len()).collect();
        let best = best_floor(&i, &all, true);
        prop_assert_eq!(fl.report.coverable, u64::from(best));
        let required: u32 = i.regions.iter().map(|r| r.floor).sum();
        prop_assert_eq!(fl.report.feasible, best == required);
        let mine: u32 = counts(&i, m).iter().zip(&i.regions).map(|(&c, r)| c.min(r.floor)).sum();
        prop_assert_eq!(mine, best, "floor seats filled");
        if fl.report.feasible {
            prop_assert!(floors_met(&i, m));
            prop_assert!(fl.placement.holds(Promise::FloorsMet));
            prop_assert!(fl.report.binding.is_none());
        } else {
            prop_assert!(fl.placement.holds(Promise::FloorsBestEffort));
            let b = fl.report.binding.clone().unwrap();
            prop_assert!(b.at_most < b.need);
            prop_assert!(u64::from(best_floor(&i, &b.regions, false)) <= b.at_most);
        }
        // Every blocking pair is reported, and only those.
        let mut mine: Vec<(usize, usize)> = blocking(&i, m, &[]).iter().map(|x| (x.0, x.1)).collect();
        let mut theirs: Vec<(usize, usize)> = fl.placement.instabilities.iter()
            .map(|x| (x.doctors[0], x.facilities[0])).collect();
        mine.sort();
        theirs.sort();
        prop_assert_eq!(mine, theirs);
        prop_assert_eq!(&fl, &place_with_floors(&i, &default()).unwrap());
        // The same verdict and binding set from the report alone (the binding set comes from
        // the sink side of the canonical minimum cut, the same for every maximum flow; how the
        // covered seats split between regions may differ when floors cannot all be met).
        let alone = floor_report(&i).unwrap();
        prop_assert_eq!(
            (alone.feasible, alone.required, alone.coverable, &alone.binding),
            (fl.report.feasible, fl.report.required, fl.report.coverable, &fl.report.binding)
        );
    }
}

// ---------------------------------------------------------------- couples

#[test]
fn a_couple_displaces_a_single_and_stays_together() {
    // Couple (c1, c2) wants X and Y of region North; X ranks c1 above s, who held X. s moves
    // to Z.
    let i = Instance::new(
        vec![doc("s", &[0, 2]), doc("c1", &[0, 2]), doc("c2", &[1, 2])],
        vec![
            fac("X", 1, Some(0), &[1, 0]),
            fac("Y", 1, Some(0), &[2]),
            fac("Z", 2, Some(1), &[0, 1, 2]),
        ],
        vec![reg("North", None, 0), reg("South", None, 0)],
        vec![(1, 2)],
    )
    .unwrap();
    let p = place_couples(&i, &default()).unwrap();
    assert_eq!(p.matching.assignment, vec![Some(2), Some(0), Some(1)]);
    assert!(p.holds(Promise::CouplesTogether));
    assert!(p.holds(Promise::Stable));
    assert!(p.instabilities.is_empty());
    assert!(p.notes.is_empty());
}

#[test]
fn a_couple_that_cannot_be_together_stays_unplaced() {
    // c1 only accepts North, c2 only South: no pair in one region.
    let i = Instance::new(
        vec![doc("c1", &[0]), doc("c2", &[1])],
        vec![fac("X", 1, Some(0), &[0]), fac("Y", 1, Some(1), &[1])],
        vec![reg("North", None, 0), reg("South", None, 0)],
        vec![(0, 1)],
    )
    .unwrap();
    let p = place_couples(&i, &default()).unwrap();
    assert_eq!(p.matching.assignment, vec![None, None]);
    assert!(p.holds(Promise::Stable));
    // Flexible DA, which ignores couples, parts them.
    let f = flexible_da(&i, &default()).unwrap();
    assert!(!couples_together(&i, &f.matching));
}

#[test]
fn a_blocking_couple_is_reported() {
    // A matching built by hand: the couple at (Y, X), which it ranks last.
    let i = Instance::new(
        vec![doc("c1", &[0, 1]), doc("c2", &[1, 0])],
        vec![fac("X", 1, Some(0), &[0, 1]), fac("Y", 2, Some(0), &[0, 1])],
        vec![reg("North", Some(2), 0)],
        vec![(0, 1)],
    )
    .unwrap();
    let m = Matching {
        assignment: vec![Some(1), Some(0)],
    };
    let found = instabilities(&i, &m, true).unwrap();
    // (X, Y) and (Y, Y) are both better for the couple than (Y, X); (X, X) has one post.
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].facilities, vec![1, 1]);
    assert_eq!(found[0].doctors, vec![0, 1]);
    assert_eq!(found[0].facilities, vec![0, 1]);
    assert_eq!(found[0].kind, InstabilityKind::FreePost);
    assert!(
        found[0]
            .describe(&i)
            .en
            .starts_with("c1 → X, c2 → Y: the couple")
    );
    let p = place_couples(&i, &default()).unwrap();
    assert_eq!(p.matching.assignment, vec![Some(0), Some(1)]);
}

#[test]
fn a_cycle_with_no_stable_matching_is_cut_and_reported() {
    // No stable matching exists: with the couple at (h1, h2), s and h2 block; with s at h2,
    // s and the empty h1 block; with s at h1, the couple and (h1, h2) block.
    let i = Instance::new(
        vec![doc("s", &[0, 1]), doc("c1", &[0]), doc("c2", &[1])],
        vec![
            fac("h1", 1, Some(0), &[1, 0]),
            fac("h2", 1, Some(0), &[0, 2]),
        ],
        vec![reg("R", None, 0)],
        vec![(1, 2)],
    )
    .unwrap();
    let p = place_couples(&i, &default()).unwrap();
    assert_eq!(p.matching.assignment, vec![Some(0), None, None]);
    assert_eq!(p.notes.len(), 1);
    assert!(p.notes[0].en.contains("c1"));
    assert!(p.holds(Promise::CouplesTogether));
    assert!(!p.holds(Promise::Stable));
    assert_eq!(p.instabilities.len(), 1);
    assert_eq!(p.instabilities[0].doctors, vec![1, 2]);
    assert_eq!(p.instabilities[0].kind, InstabilityKind::Replacement);
    same(&p, &place_couples(&i, &default()).unwrap());
}

/// Whether facility f takes all of `members` when they join its doctors other than `out`.
fn takes(i: &Instance, m: &Matching, f: usize, members: &[usize], out: &[usize]) -> bool {
    let mut pool: Vec<usize> = (0..i.doctors.len())
        .filter(|d| m.assignment[*d] == Some(f) && !out.contains(d))
        .chain(members.iter().copied())
        .collect();
    if members.iter().any(|&d| fac_rank(i, f, d).is_none()) {
        return false;
    }
    pool.sort_by_key(|&d| fac_rank(i, f, d).unwrap_or(usize::MAX));
    pool.truncate(i.facilities[f].capacity as usize);
    members.iter().all(|d| pool.contains(d))
}

fn area(i: &Instance, f: usize) -> (bool, usize) {
    match i.facilities[f].region {
        Some(r) => (true, r),
        None => (false, f),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Couples: together or both unplaced, within caps, deterministic; the reported
    /// instabilities are exactly the blocking pairs of singles and blocking couples.
    #[test]
    fn couples_are_together((seed, mut s) in shape()) {
        s.couples = true;
        let i = random(seed, s);
        let p = place_couples(&i, &default()).unwrap();
        let m = &p.matching;
        prop_assert!(couples_together(&i, m));
        for &(a, b) in &i.couples {
            match (m.assignment[a], m.assignment[b]) {
                (None, None) => {}
                (Some(x), Some(y)) => prop_assert_eq!(area(&i, x), area(&i, y)),
                _ => prop_assert!(false, "couple parted"),
            }
        }
        prop_assert!(feasible(&i, m));
        prop_assert!(check(&i, m).holds(Guarantee::CouplesTogether) || i.couples.is_empty());
        same(&p, &place_couples(&i, &default()).unwrap());
        // Singles.
        let mut skip = vec![false; i.doctors.len()];
        for &(a, b) in &i.couples {
            skip[a] = true;
            skip[b] = true;
        }
        let mut mine: Vec<(Vec<usize>, Vec<usize>)> = blocking(&i, m, &skip)
            .iter().map(|x| (vec![x.0], vec![x.1])).collect();
        // Couples: every pair of one area both prefer (by sum of ranks, then the first's).
        for &(a, b) in &i.couples {
            let key = |fa: usize, fb: usize| {
                let (ra, rb) = (rank_of(&i, a, Some(fa)), rank_of(&i, b, Some(fb)));
                (ra + rb, ra)
            };
            let now = match (m.assignment[a], m.assignment[b]) {
                (Some(x), Some(y)) => Some(key(x, y)),
                _ => None,
            };
            for &fa in &i.doctors[a].preferences {
                for &fb in &i.doctors[b].preferences {
                    if area(&i, fa) != area(&i, fb) || now.is_some_and(|n| key(fa, fb) >= n) {
                        continue;
                    }
                    let ok = if fa == fb {
                        takes(&i, m, fa, &[a, b], &[a, b])
                    } else {
                        takes(&i, m, fa, &[a], &[a, b]) && takes(&i, m, fb, &[b], &[a, b])
                    };
                    if ok {
                        mine.push((vec![a, b], vec![fa, fb]));
                    }
                }
            }
        }
        let mut theirs: Vec<(Vec<usize>, Vec<usize>)> = p.instabilities.iter()
            .map(|x| (x.doctors.clone(), x.facilities.clone())).collect();
        mine.sort();
        theirs.sort();
        prop_assert_eq!(&mine, &theirs);
        prop_assert_eq!(p.holds(Promise::Stable), mine.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Without couples, the couples mechanism is flexible deferred acceptance.
    #[test]
    fn without_couples_it_is_flexible_da((seed, s) in shape()) {
        let i = random(seed, s);
        let p = place_couples(&i, &default()).unwrap();
        prop_assert_eq!(&p.matching, &flexible_da(&i, &default()).unwrap().matching);
        prop_assert!(p.holds(Promise::StableUpToCaps));
    }

    /// Floors on larger instances: met whenever reported feasible, never above a cap; a
    /// binding set's floors exceed what its facilities could hold or the doctors who accept
    /// them.
    #[test]
    fn floors_hold_on_larger_instances((seed, mut s) in shape()) {
        s.floors = true;
        let i = random(seed, s);
        let fl = place_with_floors(&i, &default()).unwrap();
        let m = &fl.placement.matching;
        prop_assert!(feasible(&i, m));
        prop_assert_eq!(fl.report.feasible, floors_met(&i, m));
        prop_assert_eq!(fl.report.feasible, fl.placement.holds(Promise::FloorsMet));
        if let Some(b) = &fl.report.binding {
            prop_assert!(b.at_most < b.need);
            prop_assert!(b.at_most <= b.capacity.min(b.doctors));
        }
        for &d in &fl.reserved {
            let f = m.assignment[d].expect("a reserved doctor is placed");
            prop_assert!(region_of(&i, f).is_some_and(|r| i.regions[r].floor > 0));
        }
    }
}

// ---------------------------------------------------------------- optimisation

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The optimum equals brute force: the most doctors in shortage regions, then the most
    /// placed, then the least total rank; it covers at least what deferred acceptance and
    /// flexible DA cover; acceptability and caps hold; every blocking pair is reported.
    #[test]
    fn optimisation_is_optimal(seed in any::<u64>(), d in 1usize..7, f in 1usize..5, r in 1usize..4, flags in any::<u8>()) {
        let s = Shape { doctors: d, facilities: f, regions: r, caps: true, floors: false, couples: false };
        let i = random(seed, s);
        let shortage: Vec<bool> = (0..i.regions.len()).map(|r| flags & (1 << r) != 0).collect();
        let p = maximise_shortage_coverage(&i, &shortage).unwrap();
        let m = &p.matching;
        prop_assert!(feasible(&i, m));
        let score = |m: &Matching| {
            let rank: usize = (0..i.doctors.len())
                .filter(|&d| m.assignment[d].is_some())
                .map(|d| rank_of(&i, d, m.assignment[d]))
                .sum();
            (coverage(&i, m, &shortage), placed(m), std::cmp::Reverse(rank))
        };
        let mut best = score(m);
        each_matching(&i, &mut |x| best = best.max(score(x)));
        prop_assert_eq!(score(m), best);
        // Coverage against the mechanisms (deferred acceptance ignores caps: its doctors in a
        // capped shortage region count up to the cap).
        let da = chiiki_placement::deferred_acceptance(&i);
        let da_cover: u64 = counts(&i, &da).iter().zip(&i.regions).zip(&shortage)
            .filter(|(_, s)| **s)
            .map(|((&c, r), _)| u64::from(r.cap.map_or(c, |cap| c.min(cap))))
            .sum();
        prop_assert!(coverage(&i, m, &shortage) >= da_cover);
        let flex = flexible_da(&i, &default()).unwrap().matching;
        prop_assert!(coverage(&i, m, &shortage) >= coverage(&i, &flex, &shortage));
        let mut mine: Vec<(usize, usize)> = blocking(&i, m, &[]).iter().map(|x| (x.0, x.1)).collect();
        let mut theirs: Vec<(usize, usize)> = p.instabilities.iter()
            .map(|x| (x.doctors[0], x.facilities[0])).collect();
        mine.sort();
        theirs.sort();
        prop_assert_eq!(mine, theirs);
        prop_assert!(p.holds(Promise::MaxShortageCoverage));
        same(&p, &maximise_shortage_coverage(&i, &shortage).unwrap());
    }
}

#[test]
fn optimisation_trades_stability_for_coverage() {
    // d1 prefers the city; the shortage area needs someone, and only d1 accepts it.
    let i = Instance::new(
        vec![doc("d1", &[1, 0]), doc("d2", &[1])],
        vec![fac("S", 1, Some(0), &[0]), fac("C", 1, Some(1), &[0, 1])],
        vec![reg("Shortage", None, 0), reg("City", None, 0)],
        vec![],
    )
    .unwrap();
    let p = maximise_shortage_coverage(&i, &[true, false]).unwrap();
    assert_eq!(p.matching.assignment, vec![Some(0), Some(1)]);
    assert_eq!(coverage(&i, &p.matching, &[true, false]), 1);
    assert_eq!(p.instabilities.len(), 1);
    assert!(!p.holds(Promise::StableUpToCaps));
    let da = chiiki_placement::deferred_acceptance(&i);
    assert_eq!(coverage(&i, &da, &[true, false]), 0);
}
