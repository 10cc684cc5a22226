//! The national map: decoding the municipality TopoJSON and dissolving it into the secondary
//! medical areas, and rendering the SVG. `cargo bench -p chiiki-maps`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;

use chiiki_maps::{AreaMap, AreaStyle, RenderOptions, Topology};

fn main() {
    let (map, styles) = national();
    let svg = map.render(&styles, &RenderOptions::default());
    println!(
        "national SVG (800×800, default options): {} bytes; {} areas, {} unmapped",
        svg.len(),
        map.areas().count(),
        map.unmapped().len()
    );
    divan::main();
}

fn national() -> (AreaMap, HashMap<String, AreaStyle>) {
    let topo = Topology::from_json(&common::national_topojson()).unwrap();
    let mapping = common::area_mapping();
    let map = AreaMap::dissolve(&topo, None, |c| mapping.get(c).cloned(), None).unwrap();
    let styles = map
        .areas()
        .map(|a| {
            (
                a.to_owned(),
                AreaStyle {
                    fill: "#fb6a4a".into(),
                    title: format!("二次医療圏 {a}"),
                    href: Some(format!("/areas/{a}")),
                    class: None,
                },
            )
        })
        .collect();
    (map, styles)
}

/// Decoding the 1.5 MB TopoJSON (already decompressed) and dissolving 1,751 features.
#[divan::bench(sample_count = 20)]
fn decode_and_dissolve_national(b: divan::Bencher) {
    let json = common::national_topojson();
    let mapping = common::area_mapping();
    b.bench(|| {
        let topo = Topology::from_json(divan::black_box(&json)).unwrap();
        AreaMap::dissolve(&topo, None, |c| mapping.get(c).cloned(), None).unwrap()
    });
}

/// Dissolving only (the topology decoded once).
#[divan::bench(sample_count = 20)]
fn dissolve_national(b: divan::Bencher) {
    let topo = Topology::from_json(&common::national_topojson()).unwrap();
    let mapping = common::area_mapping();
    b.bench(|| AreaMap::dissolve(&topo, None, |c| mapping.get(c).cloned(), None).unwrap());
}

#[divan::bench(sample_count = 20)]
fn render_national(b: divan::Bencher) {
    let (map, styles) = national();
    let opts = RenderOptions::default();
    b.bench(|| map.render(divan::black_box(&styles), &opts));
}
