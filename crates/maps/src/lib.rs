//! Choropleth maps of secondary medical areas (二次医療圏) as standalone SVG, pure: the caller
//! passes the bytes of a municipality TopoJSON and a municipality → area mapping, and gets back
//! one outline per area and an SVG string. No file I/O, no network, no scripts in the output.
//!
//! # Pipeline
//!
//! 1. [`Topology::from_json`] decodes a TopoJSON `Topology` with serde into our own structs:
//!    quantised, delta-encoded arcs are dequantised with the `transform`, every arc reference is
//!    checked against the arc table and every ring is checked to be closed (each arc ends where
//!    the next begins). The municipality code, name and prefecture of each feature are read from
//!    the 国土数値情報 N03 properties (`N03_007`, `N03_003`/`N03_004`, `N03_001`).
//! 2. [`AreaMap::dissolve`] groups the features by area and merges each group *topologically*
//!    (as topojson-client's `merge` does): an arc used by two member polygons is an interior
//!    boundary and drops out; the arcs that remain are stitched into closed rings by matching
//!    endpoints. Each arc is classified once more against the whole topology into area borders,
//!    prefecture borders and coastline, so that borders can be drawn with different strokes.
//! 3. [`AreaMap::render`] projects (equirectangular, longitudes scaled by the cosine of the
//!    mid latitude, fitted to the viewport) and writes the SVG.
//!
//! # Why a topological merge
//!
//! Adjacent municipalities share their boundary arcs exactly, so dissolving is bookkeeping on
//! arc indices instead of polygon clipping: no floating-point predicates, no slivers, linear
//! time, and the result shares its boundaries exactly with its neighbours (no gaps or overlaps
//! between areas). The arcs counted are *net*: a forward use counts +1, a reversed use −1, so
//! an interior arc (used once each way) cancels and every vertex keeps as many arcs leaving as
//! entering — which is why stitching always closes.
//!
//! # Invariants
//!
//! - Every dissolved ring is closed: its arcs chain end to start and the last ends where the
//!   first begins. Within one area an arc appears at most once (for valid topologies: each arc
//!   bounds at most two polygons).
//! - The signed (shoelace) area of an area's rings equals the sum over its members' rings.
//! - No feature is dropped: one whose code has no area (e.g. 北方領土, 所属未定地, a city split
//!   between areas such as 川崎市) is kept in [`AreaMap::unmapped`] and drawn hatched grey.
//! - Output is deterministic: areas in key order, unmapped features in input order.
//! - No input makes this crate panic; malformed input is a [`MapError`].
//! - The SVG uses presentation attributes only (no `<style>`, no `style=`, no scripts, no
//!   external references), so it can be inlined under a strict Content-Security-Policy. All
//!   caller text is XML-escaped; colours, class names and links are checked before use.
//!   The escaping, link, id and number helpers are public in [`svg`], for other charts drawn
//!   as SVG by hand.
//!
//! # Example
//!
//! ```
//! use std::collections::HashMap;
//! use chiiki_maps::{AreaMap, AreaStyle, RenderOptions, Topology};
//!
//! // Two unit squares sharing the edge x = 1 (arc 1), both in area 0301.
//! let json = r#"{"type": "Topology",
//!   "arcs": [[[1,1],[0,1],[0,0],[1,0]], [[1,0],[1,1]], [[1,0],[2,0],[2,1],[1,1]]],
//!   "objects": {"m": {"type": "GeometryCollection", "geometries": [
//!     {"type": "Polygon", "arcs": [[0, 1]], "properties": {"N03_007": "03201"}},
//!     {"type": "Polygon", "arcs": [[2, -2]], "properties": {"N03_007": "03202"}}]}}}"#;
//! let topo = Topology::from_json(json.as_bytes())?;
//! let map = AreaMap::dissolve(&topo, None, |_code| Some("0301".to_owned()), None)?;
//! // One ring: the shared arc is gone.
//! assert_eq!(map.area("0301").unwrap().rings.len(), 1);
//! assert_eq!(map.area("0301").unwrap().rings[0].len(), 2);
//!
//! let styles = HashMap::from([("0301".to_owned(), AreaStyle {
//!     fill: "#cb181d".into(),
//!     title: "盛岡".into(),
//!     ..Default::default()
//! })]);
//! let svg = map.render(&styles, &RenderOptions::default());
//! assert!(svg.contains(r#"data-area="0301""#));
//! # Ok::<(), chiiki_maps::MapError>(())
//! ```

mod dissolve;
mod render;
pub mod svg;
mod topology;

pub use dissolve::{Area, AreaMap, Unmapped};
pub use render::{AreaStyle, Bounds, Corner, LegendEntry, RenderOptions, Stroke};
pub use topology::{ArcRef, Feature, Topology};

/// Why a topology could not be read or dissolved.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("not valid TopoJSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a TopoJSON Topology (type is {found:?})")]
    NotTopology { found: String },
    #[error("arc {index} has {points} position(s); an arc needs at least two")]
    ShortArc { index: usize, points: usize },
    #[error("arc {index} has a coordinate that is not a finite number")]
    NonFinite { index: usize },
    #[error(
        "object {object:?}, geometry {geometry}: arc index {index} is out of range (the topology has {arcs} arcs)"
    )]
    ArcIndex {
        object: String,
        geometry: usize,
        index: i64,
        arcs: usize,
    },
    #[error("object {object:?}, geometry {geometry}: {problem}")]
    Geometry {
        object: String,
        geometry: usize,
        problem: String,
    },
    #[error("object {object:?}, geometry {geometry}: ring {ring} is not closed")]
    OpenRing {
        object: String,
        geometry: usize,
        ring: usize,
    },
    #[error("the topology has no object named {name:?} (it has {available:?})")]
    NoSuchObject {
        name: String,
        available: Vec<String>,
    },
    #[error("the topology has {} objects ({available:?}); name the one to use", available.len())]
    AmbiguousObject { available: Vec<String> },
    #[error("the outline of {area:?} could not be stitched into closed rings")]
    Stitch { area: String },
}
