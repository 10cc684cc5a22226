//! No input makes the crate panic: random bytes and random small topologies are an error or a
//! map, and every map renders.

use std::collections::HashMap;

use chiiki_maps::{AreaMap, AreaStyle, Bounds, MapError, RenderOptions, Topology};
use proptest::prelude::*;
use serde_json::{Value, json};

fn exercise(bytes: &[u8], prefectures: Option<&[String]>, fit: Option<Bounds>) {
    let Ok(topo) = Topology::from_json(bytes) else {
        return;
    };
    let names: Vec<String> = topo.object_names().map(str::to_owned).collect();
    for object in names.iter().map(|n| Some(n.as_str())).chain([None]) {
        let area_of = |c: &str| (!c.len().is_multiple_of(3)).then(|| c.chars().take(4).collect());
        let Ok(map) = AreaMap::dissolve(&topo, object, area_of, prefectures) else {
            continue;
        };
        let styles: HashMap<String, AreaStyle> = map
            .areas()
            .map(|a| {
                (
                    a.to_owned(),
                    AreaStyle {
                        fill: format!("#{:06x}", a.len() * 4099),
                        title: format!("<{a}>&\u{0}"),
                        href: Some(format!("javascript:{a}")),
                        class: Some("x y\"z".into()),
                    },
                )
            })
            .collect();
        let svg = map.render(
            &styles,
            &RenderOptions {
                fit,
                caption: "a\nb".into(),
                ..Default::default()
            },
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(!svg.contains("javascript:"));
        let degenerate = RenderOptions {
            width: f64::NAN,
            height: -1.0,
            padding: f64::INFINITY,
            font_size: 0.0,
            absolute_paths: true,
            ..Default::default()
        };
        let svg = map.render(&HashMap::new(), &degenerate);
        assert!(svg.ends_with("</svg>\n"));
    }
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-4i64..5).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(Value::from),
        Just(json!(1e300)),
        Just(json!(-1e300)),
        Just(json!("1")),
        Just(Value::Null),
    ]
}

fn arc() -> impl Strategy<Value = Value> {
    prop_oneof![
        // Closed loops: a ring of one arc, either way round, is valid.
        8 => proptest::collection::vec((-3i64..4, -3i64..4), 1..5).prop_map(|mut pts| {
            pts.push(pts[0]);
            json!(pts.into_iter().map(|(x, y)| json!([x, y])).collect::<Vec<_>>())
        }),
        4 => proptest::collection::vec((-3i64..4, -3i64..4), 0..5)
            .prop_map(|pts| json!(pts.into_iter().map(|(x, y)| json!([x, y])).collect::<Vec<_>>())),
        1 => proptest::collection::vec(proptest::collection::vec(number(), 0..4), 0..4)
            .prop_map(|pts| json!(pts)),
    ]
}

fn ring() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (-4i64..4).prop_map(|i| json!([i])),
        3 => proptest::collection::vec(-7i64..7, 0..5).prop_map(|r| json!(r)),
        1 => proptest::collection::vec(number(), 0..3).prop_map(|r| json!(r)),
    ]
}

fn properties() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            Just(json!("03201")),
            Just(json!("14130")),
            Just(json!("0")),
            Just(json!("")),
            Just(json!(3202)),
            Just(json!(-1)),
            Just(json!(["x"])),
        ]),
        prop::option::of(prop_oneof![Just("岩手県"), Just("沖縄県"), Just("x")]),
    )
        .prop_map(|(code, pref)| json!({"N03_007": code, "N03_001": pref, "N03_004": "町"}))
}

fn geometry() -> impl Strategy<Value = Value> {
    let leaf = (
        prop_oneof![
            Just(json!("Polygon")),
            Just(json!("MultiPolygon")),
            Just(json!("Point")),
            Just(json!("Circle")),
            Just(Value::Null),
        ],
        proptest::collection::vec(ring(), 0..3),
        properties(),
    )
        .prop_map(|(kind, rings, props)| {
            let arcs = if kind == "MultiPolygon" {
                json!([rings])
            } else {
                json!(rings)
            };
            json!({"type": kind, "arcs": arcs, "properties": props})
        });
    leaf.prop_recursive(3, 12, 4, |inner| {
        proptest::collection::vec(inner, 0..4)
            .prop_map(|g| json!({"type": "GeometryCollection", "geometries": g}))
    })
}

/// Closed loops only, each ring one of them: always decodes, so dissolving and rendering run.
fn clean_topology() -> impl Strategy<Value = Value> {
    (1usize..6).prop_flat_map(|n| {
        let loop_arc = proptest::collection::vec((-3i64..4, -3i64..4), 1..5).prop_map(|mut pts| {
            pts.push(pts[0]);
            json!(
                pts.into_iter()
                    .map(|(x, y)| json!([x, y]))
                    .collect::<Vec<_>>()
            )
        });
        let n = n as i64;
        let feature = (
            proptest::collection::vec(proptest::collection::vec(-n..n, 1..3), 1..3),
            properties(),
        )
            .prop_map(|(polys, props)| {
                let arcs: Vec<Value> = polys
                    .into_iter()
                    .map(|rings| json!(rings.into_iter().map(|i| json!([i])).collect::<Vec<_>>()))
                    .collect();
                json!({"type": "MultiPolygon", "arcs": arcs, "properties": props})
            });
        (
            proptest::collection::vec(loop_arc, n as usize),
            proptest::collection::vec(feature, 0..6),
        )
            .prop_map(|(arcs, geometries)| {
                json!({"type": "Topology", "arcs": arcs,
                    "objects": {"o": {"type": "GeometryCollection", "geometries": geometries}}})
            })
    })
}

fn topology() -> impl Strategy<Value = Value> {
    prop_oneof![2 => clean_topology(), 1 => wild_topology()]
}

fn wild_topology() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(arc(), 0..8),
        proptest::collection::btree_map("[a-c]", geometry(), 0..3),
        prop::option::of(((-2.0f64..2.0), (-2.0f64..2.0), (-200.0f64..200.0))),
    )
        .prop_map(|(arcs, objects, transform)| {
            let mut t = json!({"type": "Topology", "arcs": arcs, "objects": objects});
            if let Some((sx, sy, tx)) = transform {
                t["transform"] = json!({"scale": [sx, sy], "translate": [tx, 40.0]});
            }
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        exercise(&bytes, None, None);
    }

    #[test]
    fn random_json_never_panics(s in r#"[\[\]{}",:0-9a-zA-Z\- ]{0,120}"#) {
        exercise(s.as_bytes(), None, None);
    }

    #[test]
    fn random_topologies_never_panic(
        t in topology(),
        iwate_only in any::<bool>(),
        fit in prop::option::of((-10.0f64..10.0, -10.0f64..10.0, -1.0f64..20.0, -1.0f64..20.0)),
    ) {
        let prefectures = ["03".to_owned()];
        let fit = fit.map(|(west, south, w, h)| Bounds { west, south, east: west + w, north: south + h });
        exercise(t.to_string().as_bytes(), iwate_only.then_some(&prefectures[..]), fit);
    }
}

#[test]
fn malformed_topologies_are_named_errors() {
    let err = |v: Value| Topology::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(matches!(
        err(json!({"type": "FeatureCollection"})),
        MapError::NotTopology { .. }
    ));
    assert!(matches!(
        err(json!({"type": "Topology", "arcs": [[[0, 0]]], "objects": {}})),
        MapError::ShortArc {
            index: 0,
            points: 1
        }
    ));
    assert!(matches!(
        err(json!({"type": "Topology", "arcs": [[[0, 0], [1, 1]]],
            "objects": {"o": {"type": "Polygon", "arcs": [[5]]}}})),
        MapError::ArcIndex { index: 5, .. }
    ));
    assert!(matches!(
        err(json!({"type": "Topology", "arcs": [[[0, 0], [1, 1]]],
            "objects": {"o": {"type": "Polygon", "arcs": [[0]]}}})),
        MapError::OpenRing { ring: 0, .. }
    ));
    assert!(matches!(
        err(json!({"type": "Topology", "arcs": [[[0, 0], [1e300, 1]]],
            "transform": {"scale": [1e300, 1], "translate": [0, 0]}, "objects": {}})),
        MapError::NonFinite { index: 0 }
    ));
    assert!(matches!(
        err(json!({"type": "Topology", "arcs": [],
            "objects": {"o": {"type": "MultiPolygon", "arcs": [1]}}})),
        MapError::Geometry { .. }
    ));
    assert!(matches!(err(json!([1, 2])), MapError::Json(_)));

    let two = json!({"type": "Topology", "arcs": [], "objects": {"a": {"type": null}, "b": {"type": null}}});
    let topo = Topology::from_json(two.to_string().as_bytes()).unwrap();
    assert!(matches!(
        AreaMap::dissolve(&topo, None, |_| None, None),
        Err(MapError::AmbiguousObject { .. })
    ));
    assert!(matches!(
        AreaMap::dissolve(&topo, Some("c"), |_| None, None),
        Err(MapError::NoSuchObject { .. })
    ));
    let map = AreaMap::dissolve(&topo, Some("a"), |_| None, None).unwrap();
    assert_eq!(map.areas().count(), 0);
    assert!(
        map.render(&HashMap::new(), &Default::default())
            .ends_with("</svg>\n")
    );
}
