//! Dissolving municipalities into areas: the topological merge, and the border meshes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::MapError;
use crate::topology::{ArcRef, Feature, Topology, point_key, ring_points};

/// One area's dissolved outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// The area key, e.g. `0301`.
    pub key: String,
    /// Codes of the member features, in input order.
    pub members: Vec<String>,
    /// Closed rings of arc references (outer rings and holes alike; drawn with even-odd).
    pub rings: Vec<Vec<ArcRef>>,
}

/// A feature drawn without an area: its code has no area in the mapping, or it has no code.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmapped {
    pub code: Option<String>,
    /// Prefecture and name, e.g. 北海道色丹郡色丹村.
    pub label: String,
    pub prefecture: Option<String>,
    /// The feature's own rings (merged, so a multipolygon's touching parts are one ring).
    pub rings: Vec<Vec<ArcRef>>,
}

/// Areas dissolved from a topology's features, with the arcs of the borders between them.
#[derive(Debug, Clone)]
pub struct AreaMap {
    /// The topology's arcs, shared with it.
    pub(crate) arcs: Arc<[Vec<[f64; 2]>]>,
    pub(crate) areas: BTreeMap<String, Area>,
    pub(crate) unmapped: Vec<Unmapped>,
    pub(crate) area_borders: Vec<usize>,
    pub(crate) prefecture_borders: Vec<usize>,
    pub(crate) coastline: Vec<usize>,
}

/// Which side of a border a feature is on.
#[derive(Clone, PartialEq, Eq)]
enum Group {
    Area(String),
    /// Each unmapped feature is its own group.
    Alone(usize),
}

impl AreaMap {
    /// Dissolves the features of `object` (or of the only object) by area.
    ///
    /// `area_of` maps a municipality code to its area key; a feature without a code or whose
    /// code maps to `None` is kept as [`Unmapped`]. With `prefectures` (two-digit codes such as
    /// `"03"`), only the features of those prefectures are kept; borders are still classified
    /// against the whole topology, so Iwate's border with Akita is a prefecture border.
    pub fn dissolve(
        topology: &Topology,
        object: Option<&str>,
        area_of: impl Fn(&str) -> Option<String>,
        prefectures: Option<&[String]>,
    ) -> Result<AreaMap, MapError> {
        let features = topology.features(object)?;
        let arcs = topology.arcs();
        let groups: Vec<Group> = features
            .iter()
            .enumerate()
            .map(|(i, f)| match f.code.as_deref().and_then(&area_of) {
                Some(key) => Group::Area(key),
                None => Group::Alone(i),
            })
            .collect();
        let selected: Vec<bool> = features
            .iter()
            .map(|f| match prefectures {
                None => true,
                Some(list) => f
                    .prefecture
                    .as_ref()
                    .is_some_and(|p| list.iter().any(|q| q == p)),
            })
            .collect();

        let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut unmapped = Vec::new();
        for (i, f) in features.iter().enumerate() {
            if !selected[i] {
                continue;
            }
            match &groups[i] {
                Group::Area(key) => members.entry(key.clone()).or_default().push(i),
                Group::Alone(_) => {
                    let rings = merge(arcs, feature_rings(f))
                        .ok_or_else(|| MapError::Stitch { area: f.label() })?;
                    unmapped.push(Unmapped {
                        code: f.code.clone(),
                        label: f.label(),
                        prefecture: f.prefecture.clone(),
                        rings,
                    });
                }
            }
        }
        let mut areas = BTreeMap::new();
        for (key, idx) in members {
            let rings = merge(arcs, idx.iter().flat_map(|&i| feature_rings(&features[i])))
                .ok_or_else(|| MapError::Stitch { area: key.clone() })?;
            let area = Area {
                key: key.clone(),
                members: idx
                    .iter()
                    .filter_map(|&i| features[i].code.clone())
                    .collect(),
                rings,
            };
            areas.insert(key, area);
        }

        // Which features use each arc, over the whole object.
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); arcs.len()];
        for (i, f) in features.iter().enumerate() {
            for r in feature_rings(f).flatten() {
                users[r.index].push(i);
            }
        }
        let (mut area_borders, mut prefecture_borders, mut coastline) =
            (Vec::new(), Vec::new(), Vec::new());
        for (arc, u) in users.iter().enumerate() {
            if !u.iter().any(|&i| selected[i]) {
                continue;
            }
            if u.len() == 1 {
                coastline.push(arc);
                continue;
            }
            let first = u[0];
            if u.iter()
                .any(|&b| features[b].prefecture != features[first].prefecture)
            {
                prefecture_borders.push(arc);
            } else if u.iter().any(|&b| groups[b] != groups[first]) {
                area_borders.push(arc);
            }
        }

        Ok(AreaMap {
            arcs: Arc::clone(&topology.arcs),
            areas,
            unmapped,
            area_borders,
            prefecture_borders,
            coastline,
        })
    }

    /// Keys of the areas that have an outline, in order.
    pub fn areas(&self) -> impl Iterator<Item = &str> {
        self.areas.keys().map(String::as_str)
    }

    /// One area's outline and members.
    pub fn area(&self, key: &str) -> Option<&Area> {
        self.areas.get(key)
    }

    /// Features drawn without an area, in input order.
    pub fn unmapped(&self) -> &[Unmapped] {
        &self.unmapped
    }

    /// The rings of an area as closed (longitude, latitude) point lists.
    pub fn rings(&self, key: &str) -> Option<Vec<Vec<[f64; 2]>>> {
        let area = self.areas.get(key)?;
        Some(
            area.rings
                .iter()
                .map(|r| ring_points(&self.arcs, r))
                .collect(),
        )
    }

    /// The points of an arc, (longitude, latitude).
    pub fn arc(&self, index: usize) -> Option<&[[f64; 2]]> {
        self.arcs.get(index).map(Vec::as_slice)
    }

    /// Arcs between two areas of the same prefecture (or between unmapped features).
    pub fn area_borders(&self) -> &[usize] {
        &self.area_borders
    }

    /// Arcs between two prefectures.
    pub fn prefecture_borders(&self) -> &[usize] {
        &self.prefecture_borders
    }

    /// Arcs with a feature on one side only: coasts and the edge of the data.
    pub fn coastline(&self) -> &[usize] {
        &self.coastline
    }

    /// Every ring that is drawn: the areas' and the unmapped features'.
    pub(crate) fn all_rings(&self) -> impl Iterator<Item = &Vec<ArcRef>> {
        self.areas
            .values()
            .flat_map(|a| a.rings.iter())
            .chain(self.unmapped.iter().flat_map(|u| u.rings.iter()))
    }
}

fn feature_rings(f: &Feature) -> impl Iterator<Item = &[ArcRef]> {
    f.polygons.iter().flatten().map(Vec::as_slice)
}

/// The topological merge of a set of rings: net arc uses, then stitched into closed rings.
///
/// `None` if the arcs left do not stitch (only possible when the rings were not closed).
fn merge<'a>(
    arcs: &[Vec<[f64; 2]>],
    rings: impl Iterator<Item = &'a [ArcRef]>,
) -> Option<Vec<Vec<ArcRef>>> {
    // Net use of each arc: +1 forward, -1 reversed. An interior arc is used once each way.
    let mut order = Vec::new();
    let mut net: HashMap<usize, i64> = HashMap::new();
    for r in rings.flatten() {
        let n = net.entry(r.index).or_insert_with(|| {
            order.push(r.index);
            0
        });
        *n += if r.reversed { -1 } else { 1 };
    }
    let mut edges = Vec::new();
    for index in order {
        let n = net[&index];
        for _ in 0..n.unsigned_abs() {
            edges.push(ArcRef {
                index,
                reversed: n < 0,
            });
        }
    }
    stitch(arcs, &edges)
}

/// Joins directed arcs into closed rings by matching end points to start points.
///
/// Every vertex has as many arcs leaving as entering (net counts of closed rings), so a walk
/// from any arc can only stop where it began.
fn stitch(arcs: &[Vec<[f64; 2]>], edges: &[ArcRef]) -> Option<Vec<Vec<ArcRef>>> {
    let mut leaving: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, e) in edges.iter().enumerate().rev() {
        leaving
            .entry(point_key(e.start(arcs)?))
            .or_default()
            .push(i);
    }
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let origin = point_key(edges[first].start(arcs)?);
        let mut ring = Vec::new();
        let mut cur = first;
        loop {
            used[cur] = true;
            ring.push(edges[cur]);
            let end = point_key(edges[cur].end(arcs)?);
            if end == origin {
                break;
            }
            let next = leaving.get_mut(&end)?;
            loop {
                let i = next.pop()?;
                if !used[i] {
                    cur = i;
                    break;
                }
            }
        }
        rings.push(ring);
    }
    Some(rings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(pts: &[[f64; 2]]) -> Vec<[f64; 2]> {
        pts.to_vec()
    }

    #[test]
    fn two_squares_merge_into_one_ring_without_the_shared_edge() {
        // Two unit squares side by side; arc 1 is the edge x = 1 they share.
        let arcs = vec![
            arc(&[[1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]), // 0: left outer
            arc(&[[1.0, 0.0], [1.0, 1.0]]),                         // 1: shared
            arc(&[[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]]), // 2: right outer
        ];
        let left = [
            ArcRef {
                index: 0,
                reversed: false,
            },
            ArcRef {
                index: 1,
                reversed: false,
            },
        ];
        let right = [
            ArcRef {
                index: 2,
                reversed: false,
            },
            ArcRef {
                index: 1,
                reversed: true,
            },
        ];
        let rings = merge(&arcs, [&left[..], &right[..]].into_iter()).unwrap();
        assert_eq!(rings.len(), 1);
        let idx: Vec<usize> = rings[0].iter().map(|r| r.index).collect();
        assert_eq!(idx, vec![0, 2]);
    }

    #[test]
    fn an_open_chain_does_not_stitch() {
        let arcs = vec![arc(&[[0.0, 0.0], [1.0, 0.0]])];
        let edges = [ArcRef {
            index: 0,
            reversed: false,
        }];
        assert!(stitch(&arcs, &edges).is_none());
    }
}
