//! Floors: at least `floor` doctors in a region (a shortage area), by reserving seats and then
//! releasing the rest ("reserve, then release").
//!
//! 1. **Run** flexible deferred acceptance ([`crate::caps::flexible_da`]). When it meets
//!    every floor, that is the result.
//! 2. **Reserve**: otherwise choose, for each floored region, `floor` doctors and a post for
//!    each there, by a minimum-cost maximum flow (source → doctor → facility of a floored
//!    region (capacity) → region (floor) → sink): first as many floor seats as can be filled
//!    at all, then the least loss to the doctors against step 1 (a doctor who would have a
//!    worse or no post costs nothing; otherwise the number of places they go down their
//!    list), then the fewest doctors moved from their post of step 1 (so the doctors step 1
//!    placed in a floored region keep their posts where they can). Remaining ties go to the
//!    lower doctor index (a facility-priority tie-break multiplied the flow's phases tenfold
//!    at national scale).
//! 3. **Release**: the reserved doctors keep their posts; every other doctor takes part in
//!    flexible deferred acceptance for the remaining posts and the remaining room under each
//!    cap (targets cut again from what remains).
//!
//! What holds: the floors are met whenever any matching within capacities, caps and
//! acceptability meets them ([`Promise::FloorsMet`]); otherwise the floor seats filled are
//! as many as any matching fills ([`Promise::FloorsBestEffort`]) and [`floor_report`] names
//! the regions that cannot be served together (a Hall violator from the minimum cut). Caps,
//! capacities and acceptability hold. Among the unreserved doctors the result is
//! flexible deferred acceptance of the market that remains (stable up to caps there);
//! blocking pairs with reserved seats are reported. It is not strategy-proof, and no
//! mechanism can be that meets floors while placing doctors only where they applied: a
//! doctor the floor needs avoids it by leaving its facilities off their list. ESDA and MSDA
//! (Fragiadakis et al., ACM TEAC 2016) escape this by assuming every doctor accepts every
//! facility; with truncated lists, floors and strategy-proofness conflict.
//!
//! Complexity: step 1 and 3 as [`crate::caps`]; step 2 a min-cost flow over the doctors'
//! entries for floored regions (see [`crate::optimise`]).

use serde::Serialize;

use crate::caps::{self, FlexibleConfig, Rules};
use crate::instance::{Instance, InstanceError, Matching};
use crate::optimise::Flow;
use crate::promise::{Placement, Promise, intact};
use chiiki_domain::Msg;

/// A region's floor and what can serve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionFloor {
    pub region: usize,
    pub floor: u32,
    /// The posts of its facilities.
    pub capacity: u64,
    /// The doctors who accept, and are accepted by, one of its facilities.
    pub doctors: u64,
    /// Its floor seats filled in the maximum floor flow found (how the seats split between
    /// regions is not unique when the floors cannot all be met; their total is).
    pub covered: u32,
}

/// Regions whose floors cannot be met together: they need `need` doctors and at most
/// `at_most` can be placed in them, whatever the rest of the matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingRegions {
    pub regions: Vec<usize>,
    pub need: u64,
    pub at_most: u64,
    /// The posts of their facilities.
    pub capacity: u64,
    /// The doctors who accept, and are accepted by, one of their facilities.
    pub doctors: u64,
    pub text: Msg,
}

/// Whether the floors can all be met, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloorReport {
    pub feasible: bool,
    /// The sum of the floors.
    pub required: u64,
    /// The most floor seats any matching fills (Σ over regions of min(doctors, floor)).
    pub coverable: u64,
    /// Every region with a floor above zero.
    pub regions: Vec<RegionFloor>,
    /// When infeasible: the regions that cannot be served together (from a minimum cut).
    pub binding: Option<BindingRegions>,
}

/// The result of [`place_with_floors`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloorPlacement {
    pub placement: Placement,
    pub report: FloorReport,
    /// The doctors placed on a reserved floor seat (step 2), by index; empty when flexible
    /// deferred acceptance met the floors by itself.
    pub reserved: Vec<usize>,
}

/// The floor flow: its network, and for each doctor–facility edge (edge, doctor, facility).
struct FloorFlow {
    flow: Flow,
    pairs: Vec<(usize, usize, usize)>,
    region_edges: Vec<(usize, usize)>,
    region_node: Vec<usize>,
}

/// Builds and solves the floor flow; `cost(d, k)` is the cost of doctor d's k-th entry
/// (compared after the number of floor seats filled).
fn floor_flow(instance: &Instance, cost: &dyn Fn(usize, usize) -> [i64; 2]) -> FloorFlow {
    let nd = instance.doctors.len();
    let nf = instance.facilities.len();
    let nr = instance.regions.len();
    let (s, t) = (0, 1);
    let mut flow = Flow::new(2 + nd + nf + nr);
    let floored = |f: usize| {
        instance.facilities[f]
            .region
            .is_some_and(|r| instance.regions[r].floor > 0)
    };
    let mut pairs = Vec::new();
    for (d, doc) in instance.doctors.iter().enumerate() {
        let mut any = false;
        for (k, &f) in doc.preferences.iter().enumerate() {
            if instance.facility_rank(f, d).is_some()
                && floored(f)
                && instance.facilities[f].capacity > 0
            {
                let [loss, moved] = cost(d, k);
                let e = flow.edge(2 + d, 2 + nd + f, 1, [0, loss, moved]);
                pairs.push((e, d, f));
                any = true;
            }
        }
        if any {
            flow.edge(s, 2 + d, 1, [0, 0, 0]);
        }
    }
    for (f, fac) in instance.facilities.iter().enumerate() {
        if floored(f)
            && let Some(r) = fac.region
        {
            flow.edge(
                2 + nd + f,
                2 + nd + nf + r,
                i64::from(fac.capacity),
                [0, 0, 0],
            );
        }
    }
    let mut region_edges = Vec::new();
    for (r, reg) in instance.regions.iter().enumerate() {
        if reg.floor > 0 {
            let e = flow.edge(2 + nd + nf + r, t, i64::from(reg.floor), [-1, 0, 0]);
            region_edges.push((r, e));
        }
    }
    flow.solve(s, t);
    FloorFlow {
        flow,
        pairs,
        region_edges,
        region_node: (0..nr).map(|r| 2 + nd + nf + r).collect(),
    }
}

/// Whether the floors can be met, with each floored region's figures and, when they
/// cannot, the regions that bind (a set X whose floors add up to more than any matching can
/// place in X: the regions on the sink side of a minimum cut of the floor flow).
pub fn floor_report(instance: &Instance) -> Result<FloorReport, Vec<InstanceError>> {
    intact(instance)?;
    Ok(unchecked_floor_report(instance))
}

/// [`floor_report`] of an instance known to be intact (just built by [`Instance::new`]).
pub(crate) fn unchecked_floor_report(instance: &Instance) -> FloorReport {
    flow_report(instance, &floor_flow(instance, &|_, _| [0, 0]))
}

/// The report from a solved floor flow.
fn flow_report(instance: &Instance, ff: &FloorFlow) -> FloorReport {
    let covered: Vec<(usize, u32)> = ff
        .region_edges
        .iter()
        .map(|&(r, e)| (r, ff.flow.flow(e).max(0) as u32))
        .collect();
    report(instance, &covered, || {
        let reach = ff.flow.reaching(1);
        ff.region_edges
            .iter()
            .map(|&(r, _)| r)
            .filter(|&r| reach[ff.region_node[r]])
            .collect()
    })
}

/// The report from the floor seats each floored region can have (`covered`), and, called
/// only when they fall short, the regions on the sink side of a minimum cut.
fn report(
    instance: &Instance,
    covered: &[(usize, u32)],
    cut: impl FnOnce() -> Vec<usize>,
) -> FloorReport {
    let members = |set: &[usize]| -> (u64, u64) {
        let mut in_set = vec![false; instance.regions.len()];
        for &r in set {
            in_set[r] = true;
        }
        let inside = |f: usize| instance.facilities[f].region.is_some_and(|r| in_set[r]);
        let capacity = (0..instance.facilities.len())
            .filter(|&f| inside(f))
            .map(|f| u64::from(instance.facilities[f].capacity))
            .sum();
        let doctors = instance
            .doctors
            .iter()
            .enumerate()
            .filter(|(d, doc)| {
                doc.preferences
                    .iter()
                    .any(|&f| inside(f) && instance.facility_rank(f, *d).is_some())
            })
            .count() as u64;
        (capacity, doctors)
    };
    // Each region's own figures in one pass (`members` takes a pass per call): its posts, and
    // the doctors who list one of its facilities and are listed by it, each counted once.
    let nr = instance.regions.len();
    let mut posts = vec![0u64; nr];
    for fac in &instance.facilities {
        if let Some(r) = fac.region {
            posts[r] += u64::from(fac.capacity);
        }
    }
    let mut reachable = vec![0u64; nr];
    let mut last_counted = vec![usize::MAX; nr];
    for (d, doc) in instance.doctors.iter().enumerate() {
        for &f in &doc.preferences {
            if let Some(r) = instance.facilities[f].region
                && last_counted[r] != d
                && instance.facility_rank(f, d).is_some()
            {
                last_counted[r] = d;
                reachable[r] += 1;
            }
        }
    }
    let mut regions = Vec::new();
    let mut required = 0u64;
    let mut coverable = 0u64;
    for &(r, covered) in covered {
        let floor = instance.regions[r].floor;
        let (capacity, doctors) = (posts[r], reachable[r]);
        required += u64::from(floor);
        coverable += u64::from(covered);
        regions.push(RegionFloor {
            region: r,
            floor,
            capacity,
            doctors,
            covered,
        });
    }
    let feasible = coverable == required;
    let binding = (!feasible).then(|| {
        let set = cut();
        let need: u64 = set
            .iter()
            .map(|&r| u64::from(instance.regions[r].floor))
            .sum();
        let at_most: u64 = regions
            .iter()
            .filter(|x| set.contains(&x.region))
            .map(|x| u64::from(x.covered))
            .sum();
        let (capacity, doctors) = members(&set);
        let names: Vec<&str> = set
            .iter()
            .map(|&r| instance.regions[r].id.as_str())
            .collect();
        let text = Msg {
            ja: format!(
                "地域 {} の下限は合計 {need} 人ですが、配置できるのは最大 {at_most} 人です\
                 （受け入れ可能な医師 {doctors} 人、定員 {capacity} 人）。\
                 下限を下げるか、これらの地域を希望する医師か定員を増やしてください。",
                names.join("・")
            ),
            en: format!(
                "regions {} need {need} doctors together, but at most {at_most} can be placed \
                 there ({doctors} doctors accept a post there; {capacity} posts). Lower the \
                 floors, or add posts or doctors who list these regions.",
                names.join(", ")
            ),
        };
        BindingRegions {
            regions: set,
            need,
            at_most,
            capacity,
            doctors,
            text,
        }
    });
    FloorReport {
        feasible,
        required,
        coverable,
        regions,
        binding,
    }
}

/// Places doctors so that every region gets at least its floor whenever that is possible,
/// within capacities, caps and acceptability (see the module documentation for the steps and
/// what holds). `config` is used for steps 1 and 3 (in step 3, the targets are cut again
/// from the remaining posts and caps; the orders are kept). Couples are treated as two
/// single doctors. Deterministic.
///
/// Promises: [`Promise::FloorsMet`] or [`Promise::FloorsBestEffort`],
/// [`Promise::CapsRespected`], [`Promise::IndividuallyRational`],
/// [`Promise::InstabilitiesReported`] (and [`Promise::StableUpToCaps`] or
/// [`Promise::Stable`] when the check finds it so).
pub fn place_with_floors(
    instance: &Instance,
    config: &FlexibleConfig,
) -> Result<FloorPlacement, Vec<InstanceError>> {
    intact(instance)?;
    let rules = Rules::new(instance, config)?;
    let first = caps::run(instance, &rules, None);
    let counts = first.region_counts(instance);
    let met = instance
        .regions
        .iter()
        .zip(&counts)
        .all(|(r, &c)| c >= r.floor);
    if met {
        let covered: Vec<(usize, u32)> = (0..instance.regions.len())
            .filter(|&r| instance.regions[r].floor > 0)
            .map(|r| (r, instance.regions[r].floor))
            .collect();
        let report = report(instance, &covered, Vec::new);
        let placement = Placement::new(
            first,
            vec![
                Promise::FloorsMet,
                Promise::CapsRespected,
                Promise::IndividuallyRational,
            ],
        )
        .with_instabilities(instance, false);
        return Ok(FloorPlacement {
            placement,
            report,
            reserved: Vec::new(),
        });
    }
    // The loss of moving a doctor to their k-th entry, against step 1.
    let current: Vec<usize> = (0..instance.doctors.len())
        .map(|d| {
            first.assignment[d]
                .and_then(|f| instance.doctor_rank(d, f))
                .map_or(instance.doctors[d].preferences.len(), |r| r as usize)
        })
        .collect();
    let cost = |d: usize, k: usize| {
        [
            k.saturating_sub(current[d]) as i64,
            i64::from(k != current[d]),
        ]
    };
    let ff = floor_flow(instance, &cost);
    let report = flow_report(instance, &ff);
    let floors = if report.feasible {
        Promise::FloorsMet
    } else {
        Promise::FloorsBestEffort
    };
    let base = [
        floors,
        Promise::CapsRespected,
        Promise::IndividuallyRational,
    ];
    // Reserve.
    let mut matching = Matching::empty(instance.doctors.len());
    let mut capacity: Vec<u32> = instance.facilities.iter().map(|f| f.capacity).collect();
    let mut cap: Vec<Option<u32>> = instance.regions.iter().map(|r| r.cap).collect();
    let mut active = vec![true; instance.doctors.len()];
    let mut reserved = Vec::new();
    for &(e, d, f) in &ff.pairs {
        if ff.flow.flow(e) > 0 {
            matching.assignment[d] = Some(f);
            active[d] = false;
            reserved.push(d);
            capacity[f] = capacity[f].saturating_sub(1);
            if let Some(r) = instance.facilities[f].region
                && let Some(c) = cap[r].as_mut()
            {
                *c = c.saturating_sub(1);
            }
        }
    }
    reserved.sort_unstable();
    // Release.
    let again = FlexibleConfig {
        targets: None,
        orders: config.orders.clone(),
    };
    let rest = Rules::with(instance, capacity, cap, &again)?;
    let second = caps::run(instance, &rest, Some(&active));
    for (d, f) in second.assignment.iter().enumerate() {
        if active[d] {
            matching.assignment[d] = *f;
        }
    }
    let placement = Placement::new(matching, base.to_vec()).with_instabilities(instance, false);
    Ok(FloorPlacement {
        placement,
        report,
        reserved,
    })
}
