//! The topological merge on hand-made and random topologies.

use std::collections::{HashMap, HashSet};

use chiiki_maps::{ArcRef, AreaMap, Topology};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Twice the signed area (shoelace) of a closed ring; positive when counter-clockwise.
fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

fn r(index: usize, reversed: bool) -> ArcRef {
    ArcRef { index, reversed }
}

/// 2×2 unit squares; arcs run between junctions, as topojson writes them:
///
/// ```text
///  (0,2)──a1──(1,2)──a2──(2,2)
///    │   c01    a5   c11   │
///  (0,1)──a6──(1,1)──a7──(2,1)
///    │   c00    a4   c10   │
///  (0,0)──a0──(1,0)──a3──(2,0)
/// ```
fn two_by_two() -> Value {
    json!({
        "type": "Topology",
        "arcs": [
            [[1, 0], [0, 0], [0, 1]],
            [[0, 1], [0, 2], [1, 2]],
            [[1, 2], [2, 2], [2, 1]],
            [[2, 1], [2, 0], [1, 0]],
            [[1, 0], [1, 1]],
            [[1, 1], [1, 2]],
            [[0, 1], [1, 1]],
            [[1, 1], [2, 1]]
        ],
        "objects": {"m": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[-1, 4, -7]], "properties": {"N03_001": "北海道", "N03_004": "左下町", "N03_007": "01001"}},
            {"type": "Polygon", "arcs": [[-4, -8, -5]], "properties": {"N03_001": "北海道", "N03_004": "右下町", "N03_007": "01002"}},
            {"type": "Polygon", "arcs": [[6, 5, -2]], "properties": {"N03_001": "北海道", "N03_004": "左上町", "N03_007": "01003"}},
            {"type": "Polygon", "arcs": [[7, -3, -6]], "properties": {"N03_001": "北海道", "N03_004": "右上町", "N03_007": "01004"}}
        ]}}
    })
}

fn columns(code: &str) -> Option<String> {
    match code {
        "01001" | "01003" => Some("L".into()),
        "01002" | "01004" => Some("R".into()),
        _ => None,
    }
}

#[test]
fn two_by_two_dissolves_into_two_rectangles_without_the_interior_arcs() {
    let topo = Topology::from_json(two_by_two().to_string().as_bytes()).unwrap();
    let map = AreaMap::dissolve(&topo, None, columns, None).unwrap();
    assert_eq!(map.areas().collect::<Vec<_>>(), ["L", "R"]);

    let left = map.area("L").unwrap();
    assert_eq!(left.members, ["01001", "01003"]);
    assert_eq!(
        left.rings,
        [vec![r(0, true), r(4, false), r(5, false), r(1, true)]]
    );
    assert_eq!(
        map.rings("L").unwrap(),
        [vec![
            [0.0, 1.0],
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [1.0, 2.0],
            [0.0, 2.0],
            [0.0, 1.0]
        ]]
    );
    let right = map.area("R").unwrap();
    assert_eq!(
        right.rings,
        [vec![r(3, true), r(2, true), r(5, true), r(4, true)]]
    );
    // The arcs inside an area (a6, a7) are gone; the two between the areas are borders.
    for area in ["L", "R"] {
        let used: HashSet<usize> = map.area(area).unwrap().rings[0]
            .iter()
            .map(|a| a.index)
            .collect();
        assert!(!used.contains(&6) && !used.contains(&7));
    }
    assert_eq!(map.area_borders(), [4, 5]);
    assert_eq!(map.coastline(), [0, 1, 2, 3]);
    assert!(map.prefecture_borders().is_empty());
    assert!(map.unmapped().is_empty());
    for area in ["L", "R"] {
        let a: f64 = map
            .rings(area)
            .unwrap()
            .iter()
            .map(|r| signed_area(r))
            .sum();
        assert_eq!(a, 2.0);
    }
}

#[test]
fn one_area_over_all_four_squares_is_the_outer_square() {
    let topo = Topology::from_json(two_by_two().to_string().as_bytes()).unwrap();
    let map = AreaMap::dissolve(&topo, Some("m"), |_| Some("A".into()), None).unwrap();
    let a = map.area("A").unwrap();
    assert_eq!(a.rings.len(), 1);
    let mut idx: Vec<usize> = a.rings[0].iter().map(|r| r.index).collect();
    idx.sort();
    assert_eq!(idx, [0, 1, 2, 3]);
    assert!(map.area_borders().is_empty());
}

#[test]
fn unmapped_features_are_kept_and_a_prefecture_filter_keeps_neighbours_borders() {
    let mut t = two_by_two();
    // The right column is in prefecture 02; the top-right square has no area.
    for (i, code) in [(1, "02001"), (3, "02002")] {
        t["objects"]["m"]["geometries"][i]["properties"]["N03_007"] = json!(code);
        t["objects"]["m"]["geometries"][i]["properties"]["N03_001"] = json!("青森県");
    }
    let topo = Topology::from_json(t.to_string().as_bytes()).unwrap();
    let area_of = |c: &str| (c != "02002").then(|| c[..2].to_owned());
    let map = AreaMap::dissolve(&topo, None, area_of, None).unwrap();
    assert_eq!(map.areas().collect::<Vec<_>>(), ["01", "02"]);
    assert_eq!(map.unmapped().len(), 1);
    assert_eq!(map.unmapped()[0].code.as_deref(), Some("02002"));
    assert_eq!(map.unmapped()[0].label, "青森県右上町");
    assert_eq!(map.prefecture_borders(), [4, 5]);
    assert_eq!(map.area_borders(), [7]);

    let only = AreaMap::dissolve(&topo, None, area_of, Some(&["01".to_owned()])).unwrap();
    assert_eq!(only.areas().collect::<Vec<_>>(), ["01"]);
    assert!(only.unmapped().is_empty());
    // The border with prefecture 02 is still a prefecture border, not a coast.
    assert_eq!(only.prefecture_borders(), [4, 5]);
    assert_eq!(only.coastline(), [0, 1]);
    let svg = only.render(&HashMap::new(), &Default::default());
    assert_eq!(svg.matches("data-area=").count(), 1);
}

#[test]
fn quantised_arcs_are_dequantised() {
    // The same 2×2 grid, quantised with scale 0.5 and delta-encoded.
    let mut t = two_by_two();
    let arcs: Vec<Value> = t["arcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arc| {
            let pts: Vec<(i64, i64)> = arc
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_i64().unwrap() * 2, p[1].as_i64().unwrap() * 2))
                .collect();
            let mut prev = (0, 0);
            let deltas: Vec<Value> = pts
                .iter()
                .map(|&(x, y)| {
                    let d = json!([x - prev.0, y - prev.1]);
                    prev = (x, y);
                    d
                })
                .collect();
            Value::Array(deltas)
        })
        .collect();
    t["arcs"] = Value::Array(arcs);
    t["transform"] = json!({"scale": [0.5, 0.5], "translate": [140.0, 39.0]});
    let topo = Topology::from_json(t.to_string().as_bytes()).unwrap();
    let map = AreaMap::dissolve(&topo, None, columns, None).unwrap();
    assert_eq!(map.rings("L").unwrap()[0][1], [140.0, 39.0]);
    assert_eq!(map.rings("L").unwrap()[0][4], [141.0, 41.0]);
}

/// A grid of `w × h` unit squares, one feature each, every unit edge its own arc.
/// Cells are numbered row by row; the code of cell `i` is `01` followed by `i` in 3 digits.
fn grid(w: usize, h: usize, quantised: bool) -> Value {
    let hor = |i: usize, j: usize| j * w + i; // (i,j) → (i+1,j)
    let ver = |i: usize, j: usize| (h + 1) * w + j * (w + 1) + i; // (i,j) → (i,j+1)
    let mut arcs = vec![Value::Null; (h + 1) * w + h * (w + 1)];
    let (scale, tx, ty) = (0.25, 130.0, 33.0);
    let pt = |x: usize, y: usize| -> [f64; 2] {
        if quantised {
            [x as f64 * 4.0, y as f64 * 4.0]
        } else {
            [tx + x as f64, ty + y as f64]
        }
    };
    let arc = |a: [f64; 2], b: [f64; 2]| {
        if quantised {
            json!([a, [b[0] - a[0], b[1] - a[1]]])
        } else {
            json!([a, b])
        }
    };
    for j in 0..=h {
        for i in 0..w {
            arcs[hor(i, j)] = arc(pt(i, j), pt(i + 1, j));
        }
    }
    for j in 0..h {
        for i in 0..=w {
            arcs[ver(i, j)] = arc(pt(i, j), pt(i, j + 1));
        }
    }
    let mut geometries = Vec::new();
    for j in 0..h {
        for i in 0..w {
            let ring = [
                hor(i, j) as i64,
                ver(i + 1, j) as i64,
                !(hor(i, j + 1) as i64),
                !(ver(i, j) as i64),
            ];
            geometries.push(json!({
                "type": "Polygon",
                "arcs": [ring],
                "properties": {"N03_001": "北海道", "N03_007": format!("01{:03}", j * w + i)}
            }));
        }
    }
    let mut t = json!({
        "type": "Topology",
        "arcs": arcs,
        "objects": {"grid": {"type": "GeometryCollection", "geometries": geometries}}
    });
    if quantised {
        t["transform"] = json!({"scale": [scale, scale], "translate": [tx, ty]});
    }
    t
}

fn grid_case() -> impl Strategy<Value = (usize, usize, Vec<u8>, bool)> {
    (1usize..=6, 1usize..=6, 1u8..=4, any::<bool>()).prop_flat_map(|(w, h, k, q)| {
        (
            Just(w),
            Just(h),
            proptest::collection::vec(0..k, w * h),
            Just(q),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn dissolved_grids_are_closed_use_each_arc_once_and_keep_their_area(
        (w, h, owner, quantised) in grid_case()
    ) {
        let topo = Topology::from_json(grid(w, h, quantised).to_string().as_bytes()).unwrap();
        let code_to_area: HashMap<String, String> = owner
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("01{i:03}"), format!("A{a}")))
            .collect();
        let map = AreaMap::dissolve(&topo, None, |c| code_to_area.get(c).cloned(), None).unwrap();
        // Quantised cells are 4 × 4 steps of 0.25: a unit square either way.
        let cell_area = 1.0;

        let mut expected: Vec<String> = code_to_area.values().cloned().collect();
        expected.sort();
        expected.dedup();
        prop_assert_eq!(map.areas().map(str::to_owned).collect::<Vec<_>>(), expected);
        prop_assert!(map.unmapped().is_empty());

        for key in map.areas() {
            let area = map.area(key).unwrap();
            // Closed: each arc ends where the next begins, the last where the first began.
            for (ring, pts) in area.rings.iter().zip(map.rings(key).unwrap()) {
                prop_assert!(!ring.is_empty());
                prop_assert_eq!(pts.first(), pts.last());
                for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
                    let end = |x: &ArcRef| {
                        let p = map.arc(x.index).unwrap();
                        if x.reversed { p[0] } else { p[p.len() - 1] }
                    };
                    let start = |x: &ArcRef| {
                        let p = map.arc(x.index).unwrap();
                        if x.reversed { p[p.len() - 1] } else { p[0] }
                    };
                    prop_assert_eq!(end(a), start(b));
                }
            }
            // Each arc at most once, and exactly the arcs with this area on one side only.
            let used: Vec<usize> = area.rings.iter().flatten().map(|a| a.index).collect();
            let distinct: HashSet<usize> = used.iter().copied().collect();
            prop_assert_eq!(used.len(), distinct.len());
            let mut sides: HashMap<usize, usize> = HashMap::new();
            for f in topo.features(None).unwrap() {
                if code_to_area[f.code.as_deref().unwrap()] == key {
                    for a in f.polygons.iter().flatten().flatten() {
                        *sides.entry(a.index).or_default() += 1;
                    }
                }
            }
            let boundary: HashSet<usize> =
                sides.into_iter().filter(|&(_, n)| n == 1).map(|(a, _)| a).collect();
            prop_assert_eq!(&distinct, &boundary);
            // Shoelace: the dissolved area is the sum of its members' areas.
            let dissolved: f64 = map.rings(key).unwrap().iter().map(|r| signed_area(r)).sum();
            let members = area.members.len() as f64 * cell_area;
            let by_members: f64 = topo
                .features(None)
                .unwrap()
                .iter()
                .filter(|f| area.members.contains(f.code.as_ref().unwrap()))
                .flat_map(|f| f.polygons.iter().flatten())
                .map(|ring| signed_area(&topo.ring_points(ring)))
                .sum();
            prop_assert!((dissolved - by_members).abs() < 1e-6, "{dissolved} vs {by_members}");
            prop_assert!((dissolved - members).abs() < 1e-6, "{dissolved} vs {members}");
        }
        // Borders: every interior edge between different areas, every outer edge a coast.
        let outer = 2 * (w + h);
        prop_assert_eq!(map.coastline().len(), outer);
        let total: usize = map.areas().map(|k| map.area(k).unwrap().rings.iter().flatten().count()).sum();
        prop_assert_eq!(total, outer + 2 * map.area_borders().len());

        let svg = map.render(&HashMap::new(), &Default::default());
        prop_assert_eq!(svg.matches(" data-area=").count(), map.areas().count());
    }
}
