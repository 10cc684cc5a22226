//! What a mechanism promises about the matching it returns, and the blocking pairs it reports
//! instead of promising stability.
//!
//! Every mechanism of this crate returns a [`Placement`]: the matching, the [`Promise`]s that
//! hold for it (each backed by a theorem or by construction, see [`Promise::basis`]), and the
//! [`Instability`]s found in it when the mechanism does not promise stability.

use chiiki_domain::Msg;
use serde::Serialize;

use crate::instance::{Instance, InstanceError, Matching};

/// A guarantee about a returned matching.
///
/// A promise is made only when it holds for this matching: by a theorem about the mechanism
/// (strategy-proofness is a property of the mechanism, promised by the mechanisms that have
/// it on every input), by construction, or because the mechanism checked it on the result.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Promise {
    /// No blocking pair at all: no doctor and facility would both rather be together (the
    /// facility having a free post or a doctor it ranks lower). Gale–Shapley (1962) for
    /// deferred acceptance without binding caps; otherwise checked on the result.
    Stable,
    /// Every blocking pair (d, h) is due to a regional cap: h's region is at its cap and h
    /// ranks every doctor it has above d (h only has a free post it may not fill). This is
    /// the stability of Kamada & Kojima (AER 2015) under regional caps; flexible deferred
    /// acceptance meets it by their theorem (and further, h is at or above its target).
    StableUpToCaps,
    /// No doctor can obtain a better post by stating false preferences, whatever the others
    /// state: Dubins–Freedman (1981) and Roth (1982) for deferred acceptance; Kamada & Kojima
    /// (2015) for flexible deferred acceptance (a generalised deferred acceptance whose
    /// regional choice satisfies substitutes and the law of aggregate demand, Hatfield &
    /// Milgrom 2005).
    StrategyProofForDoctors,
    /// Every facility within its capacity and every region within its cap (by construction).
    CapsRespected,
    /// Every region has at least its floor of doctors (the floors are feasible and the
    /// mechanism reserves a maximum floor flow; by construction).
    FloorsMet,
    /// The floors cannot all be met; the matching covers as much of them as any matching
    /// can (the sum over regions of min(doctors, floor) is maximum: max-flow min-cut).
    FloorsBestEffort,
    /// The two doctors of every couple are in the same region, or both unplaced (by
    /// construction).
    CouplesTogether,
    /// The mechanism does not promise stability; every blocking pair and blocking couple of
    /// the result is listed in [`Placement::instabilities`] (checked exhaustively).
    InstabilitiesReported,
    /// No matching within capacities, caps and acceptability places more doctors in the
    /// shortage regions (min-cost flow optimality: no negative residual cycle).
    MaxShortageCoverage,
    /// Every placed doctor is at a facility they listed and that lists them (by
    /// construction).
    IndividuallyRational,
}

impl Promise {
    /// The promise in Japanese.
    pub fn ja(self) -> &'static str {
        match self {
            Promise::Stable => "安定（阻止ペアなし）",
            Promise::StableUpToCaps => "地域上限による場合を除き安定",
            Promise::StrategyProofForDoctors => "医師にとって耐戦略的（正直な希望が最善）",
            Promise::CapsRespected => "定員と地域上限を守る",
            Promise::FloorsMet => "すべての地域で下限を満たす",
            Promise::FloorsBestEffort => "下限は満たせないが、満たせる限り満たす",
            Promise::CouplesTogether => "組の医師は同じ地域（または二人とも未配置）",
            Promise::InstabilitiesReported => "不安定な組合せをすべて報告する",
            Promise::MaxShortageCoverage => "医師少数区域への配置数が最大",
            Promise::IndividuallyRational => "互いに受け入れ可能な組合せのみ",
        }
    }

    /// The promise in English.
    pub fn en(self) -> &'static str {
        match self {
            Promise::Stable => "stable (no blocking pair)",
            Promise::StableUpToCaps => "stable except where a regional cap binds",
            Promise::StrategyProofForDoctors => {
                "strategy-proof for doctors (honest lists are best)"
            }
            Promise::CapsRespected => "capacities and regional caps respected",
            Promise::FloorsMet => "every region's floor met",
            Promise::FloorsBestEffort => "floors cannot all be met; covered as far as possible",
            Promise::CouplesTogether => "couples in the same region (or both unplaced)",
            Promise::InstabilitiesReported => "every instability reported",
            Promise::MaxShortageCoverage => "maximum placements in shortage regions",
            Promise::IndividuallyRational => "only mutually acceptable pairs",
        }
    }

    /// What backs the promise: a theorem, construction, or a check on the result.
    pub fn basis(self) -> &'static str {
        match self {
            Promise::Stable => "Gale & Shapley 1962 (deferred acceptance), or checked",
            Promise::StableUpToCaps => {
                "Kamada & Kojima, AER 2015 (flexible deferred acceptance), or checked"
            }
            Promise::StrategyProofForDoctors => {
                "Dubins & Freedman 1981; Roth 1982; Hatfield & Milgrom 2005; Kamada & Kojima 2015"
            }
            Promise::CapsRespected => "construction",
            Promise::FloorsMet | Promise::FloorsBestEffort => {
                "max-flow min-cut (Ford & Fulkerson 1956)"
            }
            Promise::CouplesTogether => "construction",
            Promise::InstabilitiesReported => "exhaustive check of the result",
            Promise::MaxShortageCoverage => {
                "min-cost flow optimality (successive shortest paths with potentials)"
            }
            Promise::IndividuallyRational => "construction",
        }
    }
}

/// Why a blocking pair (or couple) is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstabilityKind {
    /// The facility would take the doctor in place of a doctor it ranks lower.
    Replacement,
    /// The facility has a free post and its region is below its cap.
    FreePost,
    /// The facility has a free post but filling it would take its region above its cap as
    /// it stands: allowed by [`Promise::StableUpToCaps`].
    RegionFull,
}

/// A doctor (or a couple) and a facility (or a pair of facilities in one region) who would
/// all rather be together than keep the matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instability {
    /// One doctor, or the two doctors of a couple.
    pub doctors: Vec<usize>,
    /// The facility of each doctor in `doctors`, in the same order.
    pub facilities: Vec<usize>,
    pub kind: InstabilityKind,
}

impl Instability {
    /// Whether a regional cap explains it (see [`InstabilityKind::RegionFull`]).
    pub fn justified_by_cap(&self) -> bool {
        self.kind == InstabilityKind::RegionFull
    }

    /// The instability in words, with the ids of the instance.
    pub fn describe(&self, instance: &Instance) -> Msg {
        let doc = |d: usize| {
            instance
                .doctors
                .get(d)
                .map_or_else(|| format!("#{d}"), |x| x.id.clone())
        };
        let fac = |f: usize| {
            instance
                .facilities
                .get(f)
                .map_or_else(|| format!("#{f}"), |x| x.id.clone())
        };
        let pairs: Vec<String> = self
            .doctors
            .iter()
            .zip(&self.facilities)
            .map(|(&d, &f)| format!("{} → {}", doc(d), fac(f)))
            .collect();
        let pairs = pairs.join(", ");
        let (ja, en) = match self.kind {
            InstabilityKind::Replacement => (
                "医療機関は現在の医師より優先順位の高い医師を受け入れたい",
                "the facility ranks the doctor above someone it has",
            ),
            InstabilityKind::FreePost => (
                "医療機関に空きがあり、地域上限にも余裕がある",
                "the facility has a free post and its region is below its cap",
            ),
            InstabilityKind::RegionFull => (
                "医療機関に空きはあるが、地域が上限に達している",
                "the facility has a free post but its region is at its cap",
            ),
        };
        let who = if self.doctors.len() > 1 {
            ("組", "the couple")
        } else {
            ("医師", "the doctor")
        };
        Msg::new(
            format!("{pairs}: {}は現在よりこちらを希望し、{ja}", who.0),
            format!("{pairs}: {} would rather be there, and {en}", who.1),
        )
    }
}

/// A mechanism's result: the matching, its promises, and what it found wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub matching: Matching,
    /// Sorted, without duplicates.
    pub promises: Vec<Promise>,
    /// Blocking pairs and couples, when the mechanism reports them
    /// ([`Promise::InstabilitiesReported`]); empty otherwise.
    pub instabilities: Vec<Instability>,
    /// Remarks on the run (for example a bound on iterations reached).
    pub notes: Vec<Msg>,
}

impl Placement {
    pub(crate) fn new(matching: Matching, mut promises: Vec<Promise>) -> Placement {
        promises.sort();
        promises.dedup();
        Placement {
            matching,
            promises,
            instabilities: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Whether the placement carries the promise.
    pub fn holds(&self, promise: Promise) -> bool {
        self.promises.contains(&promise)
    }

    /// Adds the instabilities of the matching and the stability promises they allow.
    pub(crate) fn with_instabilities(mut self, instance: &Instance, couples: bool) -> Placement {
        self.instabilities = unstable(instance, &self.matching, couples);
        self.promises.push(Promise::InstabilitiesReported);
        if self.instabilities.iter().all(Instability::justified_by_cap) {
            self.promises.push(Promise::StableUpToCaps);
        }
        if self.instabilities.is_empty() {
            self.promises.push(Promise::Stable);
        }
        self.promises.sort();
        self.promises.dedup();
        self
    }
}

/// Checks that an instance is still as validated (its fields are public, so it may have been
/// changed after [`Instance::new`]): every mechanism starts here, and indexes freely after.
pub(crate) fn intact(instance: &Instance) -> Result<(), Vec<InstanceError>> {
    let fresh = Instance::new(
        instance.doctors.clone(),
        instance.facilities.clone(),
        instance.regions.clone(),
        instance.couples.clone(),
    )?;
    if fresh != *instance {
        return Err(vec![InstanceError {
            path: "instance".into(),
            ja: "インスタンスが検証の後に変更されています。Instance::new で作り直してください"
                .into(),
            en:
                "the instance was changed after it was validated; build it again with Instance::new"
                    .into(),
        }]);
    }
    Ok(())
}

/// The area of a facility for couples: its region, or the facility itself when it has none.
pub(crate) fn area(instance: &Instance, f: usize) -> usize {
    match instance.facilities.get(f).and_then(|x| x.region) {
        Some(r) => r,
        None => instance.regions.len() + f,
    }
}

/// Every blocking pair of a matching, and with `couples`, every blocking couple (the couple's
/// members then do not block alone: one of them moving away would part them). Doctors and
/// facilities out of range in the matching are ignored.
///
/// A single doctor d blocks with h when d prefers h to their post (any acceptable h when
/// unplaced), h lists d, and h either ranks d above one of its doctors
/// ([`InstabilityKind::Replacement`]) or has a free post ([`InstabilityKind::FreePost`], or
/// [`InstabilityKind::RegionFull`] when h's region is at its cap as the matching stands).
/// A couple blocks with a pair of facilities in one area that it prefers to its pair (order:
/// sum of the two ranks, then the first member's rank) when each facility would take its
/// member(s) in place of lower-ranked doctors or into free posts; it is
/// [`InstabilityKind::RegionFull`] when, replacing as many as possible, the region would
/// exceed its cap (counting the couple's own posts there as given up). For a single doctor
/// the region's count is taken as it stands, as in Kamada & Kojima: a doctor already in the
/// region who wants a free post of another facility there counts as [`InstabilityKind::RegionFull`]
/// when the region is at its cap.
///
/// O(L + Σ couples l₁·l₂) after sorting each facility's doctors, L the total list length.
/// An error only when the instance was changed after validation.
pub fn instabilities(
    instance: &Instance,
    matching: &Matching,
    couples: bool,
) -> Result<Vec<Instability>, Vec<InstanceError>> {
    intact(instance)?;
    Ok(unstable(instance, matching, couples))
}

/// [`instabilities`] of an instance known to be intact.
pub(crate) fn unstable(
    instance: &Instance,
    matching: &Matching,
    couples: bool,
) -> Vec<Instability> {
    let nf = instance.facilities.len();
    let nd = instance.doctors.len();
    let at = |d: usize| -> Option<usize> {
        matching
            .assignment
            .get(d)
            .copied()
            .flatten()
            .filter(|&f| f < nf)
    };
    // Each facility's doctors' ranks there, worst (largest) first.
    let mut ranks: Vec<Vec<(u32, usize)>> = vec![Vec::new(); nf];
    for d in 0..nd.min(matching.assignment.len()) {
        if let Some(f) = at(d) {
            let r = instance.facility_rank(f, d).unwrap_or(u32::MAX);
            ranks[f].push((r, d));
        }
    }
    for list in &mut ranks {
        list.sort_unstable_by(|a, b| b.cmp(a));
    }
    let mut region_count = vec![0u64; instance.regions.len()];
    for (f, list) in ranks.iter().enumerate() {
        if let Some(r) = instance.facilities[f].region {
            region_count[r] += list.len() as u64;
        }
    }
    let region_full = |f: usize, extra: u64| -> bool {
        match instance.facilities[f].region {
            Some(r) => match instance.regions[r].cap {
                Some(cap) => region_count[r] + extra > u64::from(cap),
                None => false,
            },
            None => false,
        }
    };
    let mut in_couple = vec![false; nd];
    if couples {
        for &(a, b) in &instance.couples {
            in_couple[a] = true;
            in_couple[b] = true;
        }
    }
    let mut out = Vec::new();
    for (d, doctor) in instance.doctors.iter().enumerate() {
        if in_couple[d] {
            continue;
        }
        let current = at(d).and_then(|f| instance.doctor_rank(d, f));
        for (k, &f) in doctor.preferences.iter().enumerate() {
            if current.is_some_and(|c| k as u32 >= c) {
                break;
            }
            let Some(rd) = instance.facility_rank(f, d) else {
                continue;
            };
            let held = &ranks[f];
            let kind = if held.first().is_some_and(|&(w, _)| w > rd) {
                InstabilityKind::Replacement
            } else if (held.len() as u64) < u64::from(instance.facilities[f].capacity) {
                if region_full(f, 1) {
                    InstabilityKind::RegionFull
                } else {
                    InstabilityKind::FreePost
                }
            } else {
                continue;
            };
            out.push(Instability {
                doctors: vec![d],
                facilities: vec![f],
                kind,
            });
        }
    }
    if couples {
        for &(a, b) in &instance.couples {
            let current = match (at(a), at(b)) {
                (Some(fa), Some(fb)) => {
                    instance.doctor_rank(a, fa).zip(instance.doctor_rank(b, fb))
                }
                _ => None,
            };
            let mut pairs = JointList::new(instance, a, b);
            while let Some((ra, rb, fa, fb)) = pairs.next_pair() {
                if current.is_some_and(|c| joint_key(ra, rb) >= joint_key(c.0, c.1)) {
                    break;
                }
                // The couple's own posts in the region are given up when it moves.
                let region = instance.facilities[fa].region;
                let inside = [at(a), at(b)]
                    .iter()
                    .filter(|f| f.is_some_and(|f| instance.facilities[f].region == region))
                    .count() as u64;
                if let Some(kind) =
                    couple_blocks(instance, &ranks, &region_count, inside, (a, fa), (b, fb))
                {
                    out.push(Instability {
                        doctors: vec![a, b],
                        facilities: vec![fa, fb],
                        kind,
                    });
                }
            }
        }
    }
    out
}

/// Whether a couple's members a → fa and b → fb would be taken, and why.
fn couple_blocks(
    instance: &Instance,
    ranks: &[Vec<(u32, usize)>],
    region_count: &[u64],
    inside: u64,
    (a, fa): (usize, usize),
    (b, fb): (usize, usize),
) -> Option<InstabilityKind> {
    let (Some(ra), Some(rb)) = (instance.facility_rank(fa, a), instance.facility_rank(fb, b))
    else {
        return None;
    };
    // The facility's doctors other than the couple, worst first.
    let others = |f: usize| -> Vec<u32> {
        ranks[f]
            .iter()
            .filter(|&&(_, d)| d != a && d != b)
            .map(|&(r, _)| r)
            .collect()
    };
    // For a facility and its new members' ranks: can it take them (top `capacity` of the
    // union), and how many of them can replace a lower-ranked doctor.
    let take = |f: usize, members: &[u32]| -> Option<(usize, usize)> {
        let held = others(f);
        let capacity = instance.facilities[f].capacity as usize;
        for &m in members {
            let better = held.iter().filter(|&&r| r < m).count()
                + members.iter().filter(|&&x| x < m).count();
            if better >= capacity {
                return None;
            }
        }
        // Members best first; the worst held doctors go first.
        let mut sorted = members.to_vec();
        sorted.sort_unstable();
        let mut replaced = 0;
        for &m in sorted.iter().rev() {
            if held.get(replaced).is_some_and(|&w| w > m) {
                replaced += 1;
            }
        }
        Some((members.len(), replaced))
    };
    let (added, replaced) = if fa == fb {
        take(fa, &[ra, rb])?
    } else {
        let x = take(fa, &[ra])?;
        let y = take(fb, &[rb])?;
        (x.0 + y.0, x.1 + y.1)
    };
    let growth = (added - replaced) as u64;
    let full = match instance.facilities[fa].region {
        Some(r) => instance.regions[r].cap.is_some_and(|cap| {
            region_count[r] - inside.min(region_count[r]) + growth > u64::from(cap)
        }),
        None => false,
    };
    Some(if full && growth > 0 {
        InstabilityKind::RegionFull
    } else if replaced > 0 {
        InstabilityKind::Replacement
    } else {
        InstabilityKind::FreePost
    })
}

/// The order of a couple's joint list: the sum of the two ranks, then the first member's.
pub(crate) fn joint_key(ra: u32, rb: u32) -> (u64, u32, u32) {
    (u64::from(ra) + u64::from(rb), ra, rb)
}

/// A pair of a joint list not yet given: (its key, index into `firsts`, index into the area's
/// list of the second member).
type Candidate = ((u64, u32, u32), usize, usize);

/// A couple's joint list, generated lazily best first: pairs (fa, fb) of facilities in one
/// area, fa acceptable to a and accepting a, fb likewise for b, in [`joint_key`] order.
/// O(l₁ log l₁) to start, O(log l₁) a pair.
#[derive(Clone)]
pub(crate) struct JointList {
    /// b's mutually acceptable entries (rank, facility) by area, best first.
    by_area: std::collections::BTreeMap<usize, Vec<(u32, usize)>>,
    /// a's mutually acceptable entries (rank, facility, area).
    firsts: Vec<(u32, usize, usize)>,
    /// (key, index into firsts, index into by_area[area]).
    heap: std::collections::BinaryHeap<std::cmp::Reverse<Candidate>>,
}

impl JointList {
    pub(crate) fn new(instance: &Instance, a: usize, b: usize) -> JointList {
        let mut by_area: std::collections::BTreeMap<usize, Vec<(u32, usize)>> =
            std::collections::BTreeMap::new();
        if let Some(doc) = instance.doctors.get(b) {
            for (k, &f) in doc.preferences.iter().enumerate() {
                if instance.facility_rank(f, b).is_some() {
                    by_area
                        .entry(area(instance, f))
                        .or_default()
                        .push((k as u32, f));
                }
            }
        }
        let mut firsts = Vec::new();
        if let Some(doc) = instance.doctors.get(a) {
            for (k, &f) in doc.preferences.iter().enumerate() {
                if instance.facility_rank(f, a).is_some() {
                    firsts.push((k as u32, f, area(instance, f)));
                }
            }
        }
        let mut list = JointList {
            by_area,
            firsts,
            heap: std::collections::BinaryHeap::new(),
        };
        for i in 0..list.firsts.len() {
            list.push(i, 0);
        }
        list
    }

    fn push(&mut self, i: usize, j: usize) {
        let (ra, _, ar) = self.firsts[i];
        if let Some(&(rb, _)) = self.by_area.get(&ar).and_then(|v| v.get(j)) {
            self.heap.push(std::cmp::Reverse((joint_key(ra, rb), i, j)));
        }
    }

    /// The next pair: (rank of a, rank of b, facility of a, facility of b).
    pub(crate) fn next_pair(&mut self) -> Option<(u32, u32, usize, usize)> {
        let std::cmp::Reverse((_, i, j)) = self.heap.pop()?;
        let (ra, fa, ar) = self.firsts[i];
        let (rb, fb) = *self.by_area.get(&ar)?.get(j)?;
        self.push(i, j + 1);
        Some((ra, rb, fa, fb))
    }
}
