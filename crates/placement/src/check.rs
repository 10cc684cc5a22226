//! The independent checker: given an instance and any matching (from any mechanism, or
//! written by hand), what holds. It shares no code with the mechanisms and recomputes
//! everything from the instance, so a bug in a mechanism shows here.
//!
//! Definitions (the plain model):
//! - *individually rational*: every placed doctor and their facility list each other;
//! - *within capacity*: no facility holds more doctors than its posts;
//! - *blocking pair* (d, f): d prefers f to their outcome (any listed facility is better than
//!   being unplaced or placed at a facility d did not list), d and f list each other, and f
//!   has a vacant post or holds a doctor it ranks below d (a doctor it did not list counts as
//!   ranked below everyone);
//! - *stable*: individually rational, within capacity, no blocking pair;
//! - *non-wasteful*: no blocking pair through a vacant post.
//!
//! With regional caps, a blocking pair (d, f) is *justified by a cap* when f's region has
//! reached its cap and f holds nobody it ranks below d — f could only take d on a vacant
//! post, which would exceed the cap when d comes from outside the region (replacing a doctor
//! f ranks lower would not change the count, so such a pair is never justified). A matching
//! within its caps whose other blocking pairs are none is *stable up to caps*: the weak
//! stability of Kamada and Kojima (2017, "Stability concepts in matching under distributional
//! constraints", JET 168), met by their flexible deferred acceptance (AER 2015), whose
//! stability further restricts the pairs within one region by the facilities' targets. Pairs
//! with d already in f's region count as justified too, as in weak stability: a mechanism
//! may keep a region's distribution to targets. Justified pairs are listed apart from the
//! others, in `cap_justified_blocking_pairs`.
//!
//! Any matching is accepted: a wrong length or a facility number out of range makes the
//! matching ill-formed (reported, with the rest checked on what is readable), never a panic.

use chiiki_domain::Msg;
use serde::Serialize;

use crate::instance::{Instance, Matching};

/// A doctor and a facility who would both rather be matched to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct BlockingPair {
    pub doctor: usize,
    pub facility: usize,
    /// Whether the facility has a vacant post.
    pub vacant_post: bool,
    /// The doctor the facility ranks lowest among those it holds, when it ranks them below
    /// `doctor`: the one it would give up.
    pub displaces: Option<usize>,
}

/// A property of a matching the checker verified. Only the properties that hold are listed in
/// [`Report::guarantees`]; the constraint properties only when the instance has the
/// constraint (a cap, a floor, a couple).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Guarantee {
    /// Every entry of the matching is a doctor of the instance and a facility or none.
    WellFormed,
    IndividuallyRational,
    WithinCapacity,
    WithinCaps,
    FloorsMet,
    CouplesTogether,
    NonWasteful,
    /// Individually rational, within capacity and without any blocking pair.
    Stable,
    /// Individually rational, within capacity and within caps, every blocking pair justified
    /// by a cap (weak stability).
    StableUpToCaps,
}

impl Guarantee {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Guarantee::WellFormed => "well_formed",
            Guarantee::IndividuallyRational => "individually_rational",
            Guarantee::WithinCapacity => "within_capacity",
            Guarantee::WithinCaps => "within_caps",
            Guarantee::FloorsMet => "floors_met",
            Guarantee::CouplesTogether => "couples_together",
            Guarantee::NonWasteful => "non_wasteful",
            Guarantee::Stable => "stable",
            Guarantee::StableUpToCaps => "stable_up_to_caps",
        }
    }

    /// What it means, in Japanese and English.
    pub fn label(self) -> Msg {
        match self {
            Guarantee::WellFormed => Msg::new(
                "結果はすべての医師について配属先なしか実在する医療機関です",
                "every doctor has a facility of the instance or none",
            ),
            Guarantee::IndividuallyRational => Msg::new(
                "個人合理的: 配属された医師と医療機関は互いに相手を希望・受入名簿に挙げています",
                "individually rational: every placed doctor and their facility list each other",
            ),
            Guarantee::WithinCapacity => Msg::new(
                "どの医療機関も定員を超えていません",
                "no facility holds more doctors than its posts",
            ),
            Guarantee::WithinCaps => Msg::new(
                "どの地域も上限を超えていません",
                "no region holds more doctors than its cap",
            ),
            Guarantee::FloorsMet => Msg::new(
                "どの地域も下限以上の医師がいます",
                "every region has at least its floor of doctors",
            ),
            Guarantee::CouplesTogether => Msg::new(
                "どの組も同じ地域に配属されている（または二人とも配属なし）",
                "every couple is placed in the same region (or both are unplaced)",
            ),
            Guarantee::NonWasteful => Msg::new(
                "無駄がない: 空いている枠を、互いに受け入れ可能でより希望する医師はいません",
                "non-wasteful: no vacant post is wanted by a doctor it accepts who would rather have it",
            ),
            Guarantee::Stable => Msg::new(
                "安定: 互いに現在の結果より相手を選ぶ医師と医療機関の組（ブロッキングペア）がありません",
                "stable: no doctor and facility would both rather be matched to each other (no blocking pair)",
            ),
            Guarantee::StableUpToCaps => Msg::new(
                "地域上限の範囲で安定: 残るブロッキングペアはすべて地域の上限によるものです",
                "stable up to caps: every remaining blocking pair is due to a region at its cap",
            ),
        }
    }
}

impl Serialize for Guarantee {
    /// `{"code": "stable", "ja": "…", "en": "…"}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let label = self.label();
        let mut st = s.serialize_struct("Guarantee", 3)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("ja", &label.ja)?;
        st.serialize_field("en", &label.en)?;
        st.end()
    }
}

/// What holds of a matching, and each violation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// One entry per doctor, every facility number in range.
    pub well_formed: bool,
    pub individually_rational: bool,
    pub capacities_respected: bool,
    /// `None` when no region has a cap.
    pub caps_respected: Option<bool>,
    /// `None` when no region has a floor above zero.
    pub floors_met: Option<bool>,
    /// `None` when the instance has no couple. A couple is together when both are unplaced,
    /// both are at facilities of the same region, or both are at the same facility.
    pub couples_together: Option<bool>,
    /// The blocking pairs not justified by a regional cap (all of them when no region is at
    /// its cap), by doctor then facility.
    pub blocking_pairs: Vec<BlockingPair>,
    /// The blocking pairs a regional cap justifies (see the module documentation).
    pub cap_justified_blocking_pairs: Vec<BlockingPair>,
    /// No blocking pair through a vacant post (caps not considered).
    pub non_wasteful: bool,
    /// Every violation other than blocking pairs, one sentence each.
    pub problems: Vec<Msg>,
    /// The properties that hold, in the order of [`Guarantee`].
    pub guarantees: Vec<Guarantee>,
}

impl Report {
    pub fn holds(&self, g: Guarantee) -> bool {
        self.guarantees.contains(&g)
    }
}

/// Checks a matching against an instance.
pub fn check(instance: &Instance, matching: &Matching) -> Report {
    let n = instance.doctors.len();
    let nf = instance.facilities.len();
    let mut problems = Vec::new();
    let doctor_id = |d: usize| instance.doctors[d].id.as_str();
    let facility_id = |f: usize| instance.facilities[f].id.as_str();

    // The readable part of the matching: facility numbers in range, one per doctor.
    let mut well_formed = true;
    if matching.assignment.len() != n {
        well_formed = false;
        problems.push(Msg::new(
            format!(
                "結果の件数 {} が医師の数 {n} と一致しません",
                matching.assignment.len()
            ),
            format!(
                "the result has {} entries for {n} doctors",
                matching.assignment.len()
            ),
        ));
    }
    let mut at: Vec<Option<usize>> = vec![None; n];
    for (d, entry) in matching.assignment.iter().enumerate().take(n) {
        match *entry {
            Some(f) if f >= nf => {
                well_formed = false;
                problems.push(Msg::new(
                    format!("{} の配属先の番号 {f} に医療機関がありません", doctor_id(d)),
                    format!(
                        "{} is placed at facility number {f}, which does not exist",
                        doctor_id(d)
                    ),
                ));
            }
            x => at[d] = x,
        }
    }

    // Holders of each facility.
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); nf];
    for (d, f) in at.iter().enumerate() {
        if let Some(f) = *f {
            holders[f].push(d);
        }
    }

    // Each facility's list as (doctor, position) sorted by doctor, for lookups in O(log n);
    // the first position counts if a doctor was listed twice.
    let positions: Vec<Vec<(usize, usize)>> = instance
        .facilities
        .iter()
        .map(|fac| {
            let mut v: Vec<(usize, usize)> = fac
                .priority
                .iter()
                .enumerate()
                .map(|(k, &d)| (d, k))
                .collect();
            v.sort_unstable();
            v.dedup_by_key(|x| x.0);
            v
        })
        .collect();
    let position = |f: usize, d: usize| -> Option<usize> {
        let v = &positions[f];
        v.binary_search_by_key(&d, |x| x.0).ok().map(|i| v[i].1)
    };
    let mut individually_rational = true;
    for (d, f) in at.iter().enumerate() {
        let Some(f) = *f else { continue };
        let doctor_lists = instance.doctors[d].preferences.contains(&f);
        let facility_lists = position(f, d).is_some();
        if !doctor_lists || !facility_lists {
            individually_rational = false;
            let (ja, en) = match (doctor_lists, facility_lists) {
                (false, false) => ("互いに相手を挙げていません", "neither lists the other"),
                (false, true) => ("医師の希望にありません", "the doctor did not list it"),
                _ => (
                    "医療機関の受入名簿にありません",
                    "the facility did not list the doctor",
                ),
            };
            problems.push(Msg::new(
                format!(
                    "{} は {} に配属されていますが、{ja}",
                    doctor_id(d),
                    facility_id(f)
                ),
                format!("{} is placed at {}, but {en}", doctor_id(d), facility_id(f)),
            ));
        }
    }

    let mut capacities_respected = true;
    for (f, h) in holders.iter().enumerate() {
        let cap = instance.facilities[f].capacity as usize;
        if h.len() > cap {
            capacities_respected = false;
            problems.push(Msg::new(
                format!(
                    "{} は定員 {cap} に対して {} 人です",
                    facility_id(f),
                    h.len()
                ),
                format!(
                    "{} holds {} doctors for {cap} posts",
                    facility_id(f),
                    h.len()
                ),
            ));
        }
    }

    // Doctors in each region (a facility without a region, or with a region number out of
    // range, counts in none).
    let nr = instance.regions.len();
    let region_of = |f: usize| instance.facilities[f].region.filter(|&r| r < nr);
    let mut in_region = vec![0usize; nr];
    for f in at.iter().flatten() {
        if let Some(r) = region_of(*f) {
            in_region[r] += 1;
        }
    }
    let has_caps = instance.regions.iter().any(|r| r.cap.is_some());
    let caps_respected = has_caps.then(|| {
        let mut ok = true;
        for (r, region) in instance.regions.iter().enumerate() {
            if let Some(cap) = region.cap
                && in_region[r] > cap as usize
            {
                ok = false;
                problems.push(Msg::new(
                    format!(
                        "地域 {} は上限 {cap} に対して {} 人です",
                        region.id, in_region[r]
                    ),
                    format!(
                        "region {} holds {} doctors for a cap of {cap}",
                        region.id, in_region[r]
                    ),
                ));
            }
        }
        ok
    });
    let has_floors = instance.regions.iter().any(|r| r.floor > 0);
    let floors_met = has_floors.then(|| {
        let mut ok = true;
        for (r, region) in instance.regions.iter().enumerate() {
            if in_region[r] < region.floor as usize {
                ok = false;
                problems.push(Msg::new(
                    format!(
                        "地域 {} は下限 {} に対して {} 人です",
                        region.id, region.floor, in_region[r]
                    ),
                    format!(
                        "region {} has {} doctors for a floor of {}",
                        region.id, in_region[r], region.floor
                    ),
                ));
            }
        }
        ok
    });
    let couples_together = (!instance.couples.is_empty()).then(|| {
        let mut ok = true;
        for &(a, b) in &instance.couples {
            let (Some(&fa), Some(&fb)) = (at.get(a), at.get(b)) else {
                continue;
            };
            let together = match (fa, fb) {
                (None, None) => true,
                (Some(x), Some(y)) => {
                    x == y || matches!((region_of(x), region_of(y)), (Some(p), Some(q)) if p == q)
                }
                _ => false,
            };
            if !together {
                ok = false;
                let place = |f: Option<usize>| match f {
                    Some(f) => (facility_id(f).to_string(), facility_id(f).to_string()),
                    None => ("配属なし".to_string(), "unplaced".to_string()),
                };
                let (pa_ja, pa_en) = place(fa);
                let (pb_ja, pb_en) = place(fb);
                problems.push(Msg::new(
                    format!(
                        "組 {} と {} が別の地域です（{pa_ja} と {pb_ja}）",
                        doctor_id(a),
                        doctor_id(b)
                    ),
                    format!(
                        "the couple {} and {} is split ({pa_en} and {pb_en})",
                        doctor_id(a),
                        doctor_id(b)
                    ),
                ));
            }
        }
        ok
    });

    // Blocking pairs. For each facility, the holder it ranks lowest (a holder it does not
    // list ranks below everyone; ties broken towards the larger doctor number).
    let rank_by = |f: usize, d: usize| position(f, d).unwrap_or(usize::MAX);
    let lowest: Vec<Option<(usize, usize)>> = holders
        .iter()
        .enumerate()
        .map(|(f, h)| h.iter().map(|&d| (rank_by(f, d), d)).max())
        .collect();
    let mut blocking_pairs = Vec::new();
    let mut cap_justified = Vec::new();
    let mut non_wasteful = true;
    for (d, (doctor, &current)) in instance.doctors.iter().zip(&at).enumerate() {
        let prefs = &doctor.preferences;
        // The facilities d prefers to their outcome: those listed before it, or all of them
        // when d is unplaced or at a facility they did not list.
        let better = match current.and_then(|f| prefs.iter().position(|&x| x == f)) {
            Some(k) => &prefs[..k],
            None => &prefs[..],
        };
        for &f in better {
            if f >= nf || current == Some(f) {
                continue;
            }
            let Some(rank) = position(f, d) else {
                continue;
            };
            let vacant_post = holders[f].len() < instance.facilities[f].capacity as usize;
            let displaces = lowest[f].filter(|&(r, _)| r > rank).map(|(_, w)| w);
            if !vacant_post && displaces.is_none() {
                continue;
            }
            let pair = BlockingPair {
                doctor: d,
                facility: f,
                vacant_post,
                displaces,
            };
            if vacant_post {
                non_wasteful = false;
            }
            let justified = displaces.is_none()
                && region_of(f).is_some_and(|r| {
                    instance.regions[r]
                        .cap
                        .is_some_and(|cap| in_region[r] >= cap as usize)
                });
            if justified {
                cap_justified.push(pair);
            } else {
                blocking_pairs.push(pair);
            }
        }
    }

    let mut guarantees = Vec::new();
    let basic = well_formed && individually_rational && capacities_respected;
    let mut add = |g: Guarantee, holds: bool| {
        if holds {
            guarantees.push(g);
        }
    };
    add(Guarantee::WellFormed, well_formed);
    add(Guarantee::IndividuallyRational, individually_rational);
    add(Guarantee::WithinCapacity, capacities_respected);
    add(Guarantee::WithinCaps, caps_respected == Some(true));
    add(Guarantee::FloorsMet, floors_met == Some(true));
    add(Guarantee::CouplesTogether, couples_together == Some(true));
    add(Guarantee::NonWasteful, non_wasteful);
    add(
        Guarantee::Stable,
        basic && blocking_pairs.is_empty() && cap_justified.is_empty(),
    );
    add(
        Guarantee::StableUpToCaps,
        has_caps && basic && caps_respected == Some(true) && blocking_pairs.is_empty(),
    );

    Report {
        well_formed,
        individually_rational,
        capacities_respected,
        caps_respected,
        floors_met,
        couples_together,
        blocking_pairs,
        cap_justified_blocking_pairs: cap_justified,
        non_wasteful,
        problems,
        guarantees,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::da::deferred_acceptance;
    use crate::generate::strategy::instance;
    use crate::instance::{Doctor, Facility, Region};
    use proptest::prelude::*;

    fn doc(id: &str, prefs: &[usize]) -> Doctor {
        Doctor::new(id, prefs)
    }

    fn fac(id: &str, cap: u32, region: Option<usize>, prio: &[usize]) -> Facility {
        Facility::new(id, cap, region, prio)
    }

    /// Blocking pairs straight from the definition, in O(doctors × facilities × doctors).
    fn naive_blocking(i: &Instance, m: &Matching) -> Vec<(usize, usize)> {
        let nf = i.facilities.len();
        let at = |d: usize| m.assignment.get(d).copied().flatten().filter(|&f| f < nf);
        let mut out = Vec::new();
        for d in 0..i.doctors.len() {
            for f in 0..nf {
                if !i.acceptable(d, f) || at(d) == Some(f) {
                    continue;
                }
                let prefers = match at(d).and_then(|g| i.doctor_rank(d, g)) {
                    Some(current) => i.doctor_rank(d, f).unwrap() < current,
                    None => true,
                };
                let holders: Vec<usize> =
                    (0..i.doctors.len()).filter(|&x| at(x) == Some(f)).collect();
                let vacant = holders.len() < i.facilities[f].capacity as usize;
                let lower = holders.iter().any(|&x| match i.facility_rank(f, x) {
                    Some(r) => r > i.facility_rank(f, d).unwrap(),
                    None => true,
                });
                if prefers && (vacant || lower) {
                    out.push((d, f));
                }
            }
        }
        out
    }

    #[test]
    fn labels_and_serialisation() {
        let g = serde_json::to_value(Guarantee::StableUpToCaps).unwrap();
        assert_eq!(g["code"], "stable_up_to_caps");
        assert!(g["ja"].as_str().unwrap().contains("上限"));
        assert!(g["en"].as_str().unwrap().contains("cap"));
    }

    #[test]
    fn corrupted_results_are_caught() {
        let i = Instance::new(
            vec![doc("d0", &[0, 1]), doc("d1", &[0, 1]), doc("d2", &[1])],
            vec![fac("f0", 1, None, &[0, 1]), fac("f1", 1, None, &[1, 2, 0])],
            vec![],
            vec![],
        )
        .unwrap();
        let m = deferred_acceptance(&i);
        assert_eq!(m.assignment, [Some(0), Some(1), None]);
        let r = check(&i, &m);
        assert!(r.holds(Guarantee::Stable) && r.problems.is_empty());
        // Swap d0 and d1: f0 would rather have d0, who would rather be there; f1 would
        // rather have d2 than d0.
        let swapped = Matching {
            assignment: vec![Some(1), Some(0), None],
        };
        let r = check(&i, &swapped);
        assert!(!r.holds(Guarantee::Stable));
        assert_eq!(
            r.blocking_pairs,
            [
                BlockingPair {
                    doctor: 0,
                    facility: 0,
                    vacant_post: false,
                    displaces: Some(1)
                },
                BlockingPair {
                    doctor: 2,
                    facility: 1,
                    vacant_post: false,
                    displaces: Some(0)
                }
            ]
        );
        // Put d2 into f1 as well: over capacity.
        let over = Matching {
            assignment: vec![Some(0), Some(1), Some(1)],
        };
        let r = check(&i, &over);
        assert!(!r.capacities_respected && !r.holds(Guarantee::Stable));
        assert_eq!(r.problems[0].en, "f1 holds 2 doctors for 1 posts");
        // d2 at f0, which does not list d2.
        let r = check(
            &i,
            &Matching {
                assignment: vec![Some(0), Some(1), Some(0)],
            },
        );
        assert!(!r.individually_rational);
        // Malformed: short, and a facility that does not exist.
        let r = check(
            &i,
            &Matching {
                assignment: vec![Some(7)],
            },
        );
        assert!(!r.well_formed && !r.holds(Guarantee::WellFormed));
        assert_eq!(r.problems.len(), 2);
    }

    #[test]
    fn caps_floors_couples() {
        // r0 (cap 1) holds d0 at f0; f1 in r0 has a vacant post d1 wants: justified by the
        // cap. r1 has a floor of 1 and nobody. d1 and d2 are a couple, split.
        let i = Instance::new(
            vec![doc("d0", &[0]), doc("d1", &[1, 2]), doc("d2", &[2])],
            vec![
                fac("f0", 1, Some(0), &[0]),
                fac("f1", 1, Some(0), &[1]),
                fac("f2", 2, None, &[1, 2]),
                fac("f3", 1, Some(1), &[]),
            ],
            vec![
                Region {
                    id: "r0".into(),
                    cap: Some(1),
                    floor: 0,
                },
                Region {
                    id: "r1".into(),
                    cap: None,
                    floor: 1,
                },
            ],
            vec![(1, 2)],
        )
        .unwrap();
        let m = Matching {
            assignment: vec![Some(0), Some(2), None],
        };
        let r = check(&i, &m);
        assert_eq!(r.caps_respected, Some(true));
        assert_eq!(r.floors_met, Some(false));
        assert_eq!(r.couples_together, Some(false));
        assert_eq!(
            r.cap_justified_blocking_pairs,
            [BlockingPair {
                doctor: 1,
                facility: 1,
                vacant_post: true,
                displaces: None
            }]
        );
        // d2 would take f2's second post: an unjustified blocking pair.
        assert_eq!(r.blocking_pairs.len(), 1);
        assert!(!r.holds(Guarantee::StableUpToCaps) && !r.non_wasteful);
        let m = Matching {
            assignment: vec![Some(0), Some(2), Some(2)],
        };
        let r = check(&i, &m);
        assert!(r.blocking_pairs.is_empty());
        assert_eq!(r.couples_together, Some(true), "both at f2");
        assert!(r.holds(Guarantee::StableUpToCaps) && !r.holds(Guarantee::Stable));
        assert!(r.holds(Guarantee::WithinCaps) && !r.holds(Guarantee::FloorsMet));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["guarantees"][0]["code"], "well_formed");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The checker's blocking pairs are exactly those of the definition, on any matching.
        #[test]
        fn blocking_pairs_match_the_definition(
            i in instance(7, 4, 2, true),
            raw in prop::collection::vec(prop::option::of(0usize..5), 0..9),
        ) {
            let m = Matching { assignment: raw };
            let r = check(&i, &m);
            let mut got: Vec<(usize, usize)> = r
                .blocking_pairs
                .iter()
                .chain(&r.cap_justified_blocking_pairs)
                .map(|b| (b.doctor, b.facility))
                .collect();
            got.sort_unstable();
            prop_assert_eq!(got, naive_blocking(&i, &m));
            prop_assert_eq!(r.well_formed, m.assignment.len() == i.doctors.len()
                && m.assignment.iter().flatten().all(|&f| f < i.facilities.len()));
            prop_assert_eq!(
                r.holds(Guarantee::Stable),
                r.well_formed && r.individually_rational && r.capacities_respected
                    && naive_blocking(&i, &m).is_empty()
            );
        }

        /// Swapping two doctors of deferred acceptance's result is caught whenever it makes
        /// one of them better off (deferred acceptance is doctor-optimal, so no stable
        /// matching does), and otherwise judged as the definition says (the swap may give
        /// another stable matching); placing a doctor into a full facility is always caught.
        #[test]
        fn corruption_is_caught(i in instance(10, 5, 3, false), a in any::<usize>(), b in any::<usize>()) {
            let m = deferred_acceptance(&i);
            let n = i.doctors.len();
            prop_assume!(n >= 2);
            let (a, b) = (a % n, b % n);
            let value = |d: usize, f: Option<usize>| {
                f.and_then(|f| i.doctor_rank(d, f)).unwrap_or(u32::MAX)
            };
            if m.assignment[a] != m.assignment[b] {
                let mut swapped = m.clone();
                swapped.assignment.swap(a, b);
                let r = check(&i, &swapped);
                let gains = [a, b]
                    .iter()
                    .any(|&d| value(d, swapped.assignment[d]) < value(d, m.assignment[d]));
                if gains {
                    prop_assert!(!r.holds(Guarantee::Stable), "{:?} not caught", swapped);
                } else {
                    prop_assert_eq!(
                        r.holds(Guarantee::Stable),
                        r.individually_rational && naive_blocking(&i, &swapped).is_empty()
                    );
                }
            }
            let full = (0..i.facilities.len()).find(|&f| {
                i.facilities[f].capacity > 0
                    && m.assignment.iter().filter(|&&x| x == Some(f)).count()
                        == i.facilities[f].capacity as usize
            });
            if let Some(f) = full
                && let Some(d) = (0..n).find(|&d| m.assignment[d] != Some(f))
            {
                let mut over = m.clone();
                over.assignment[d] = Some(f);
                let r = check(&i, &over);
                prop_assert!(!r.capacities_respected && !r.holds(Guarantee::Stable));
            }
        }
    }
}
