//! TopoJSON decoding: our own serde structs, dequantised arcs, checked arc references and
//! closed rings.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde_json::{Map, Value};

use chiiki_domain::codes::PREFECTURES;

use crate::MapError;

/// A reference to an arc from a ring: TopoJSON writes the reversed arc `i` as `!i` (`-i - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArcRef {
    pub index: usize,
    pub reversed: bool,
}

impl ArcRef {
    /// The arc's points in the direction of this reference, (longitude, latitude).
    pub(crate) fn points<'a>(
        self,
        arcs: &'a [Vec<[f64; 2]>],
    ) -> impl DoubleEndedIterator<Item = [f64; 2]> + 'a {
        let pts = arcs.get(self.index).map(Vec::as_slice).unwrap_or(&[]);
        let (fwd, rev) = if self.reversed {
            (None, Some(pts.iter().rev()))
        } else {
            (Some(pts.iter()), None)
        };
        fwd.into_iter()
            .flatten()
            .chain(rev.into_iter().flatten())
            .copied()
    }

    pub(crate) fn start(self, arcs: &[Vec<[f64; 2]>]) -> Option<[f64; 2]> {
        let a = arcs.get(self.index)?;
        if self.reversed { a.last() } else { a.first() }.copied()
    }

    pub(crate) fn end(self, arcs: &[Vec<[f64; 2]>]) -> Option<[f64; 2]> {
        let a = arcs.get(self.index)?;
        if self.reversed { a.first() } else { a.last() }.copied()
    }
}

/// One polygonal geometry of an object: a municipality (or a designated city as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The municipality code (`N03_007`, else the geometry's `id`); `None` for 所属未定地.
    pub code: Option<String>,
    /// `N03_003` and `N03_004` joined (e.g. 色丹郡色丹村, 盛岡市, 所属未定地).
    pub name: String,
    /// `N03_001`, e.g. 岩手県.
    pub prefecture_name: Option<String>,
    /// Two-digit prefecture code: the code's first two digits, else looked up from the name.
    pub prefecture: Option<String>,
    /// Polygons → rings → arc references; every ring is closed.
    pub polygons: Vec<Vec<Vec<ArcRef>>>,
}

impl Feature {
    /// A label for people: prefecture and name.
    pub fn label(&self) -> String {
        format!(
            "{}{}",
            self.prefecture_name.as_deref().unwrap_or(""),
            self.name
        )
    }
}

/// A decoded TopoJSON topology: absolute (longitude, latitude) arcs and the polygonal features
/// of each object.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Shared with every [`crate::AreaMap`] dissolved from it, so a dissolve never copies them.
    pub(crate) arcs: Arc<[Vec<[f64; 2]>]>,
    objects: Vec<(String, Vec<Feature>)>,
}

impl Topology {
    /// Decodes a TopoJSON `Topology` (uncompressed bytes).
    ///
    /// Geometry collections are flattened (the properties of the innermost geometry count);
    /// `Polygon` and `MultiPolygon` geometries become features; points, lines and null
    /// geometries have no area and are skipped. Every arc needs two positions and finite
    /// coordinates, every arc reference must exist and every ring must close.
    pub fn from_json(bytes: &[u8]) -> Result<Self, MapError> {
        let raw: RawTopology = serde_json::from_slice(bytes)?;
        if raw.kind != "Topology" {
            return Err(MapError::NotTopology { found: raw.kind });
        }
        let arcs = decode_arcs(raw.arcs, raw.transform.as_ref())?;
        let mut objects = Vec::with_capacity(raw.objects.len());
        for (name, geometry) in raw.objects {
            let mut features = Vec::new();
            let mut counter = 0usize;
            flatten(&name, geometry, &arcs, &mut counter, &mut features)?;
            objects.push((name, features));
        }
        Ok(Topology {
            arcs: arcs.into(),
            objects,
        })
    }

    /// The names of the topology's objects, in key order.
    pub fn object_names(&self) -> impl Iterator<Item = &str> {
        self.objects.iter().map(|(n, _)| n.as_str())
    }

    /// The features of the named object, or of the only object when `object` is `None`.
    pub fn features(&self, object: Option<&str>) -> Result<&[Feature], MapError> {
        let names = || self.object_names().map(str::to_owned).collect::<Vec<_>>();
        match object {
            Some(name) => self
                .objects
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, f)| f.as_slice())
                .ok_or_else(|| MapError::NoSuchObject {
                    name: name.to_owned(),
                    available: names(),
                }),
            None => match self.objects.as_slice() {
                [(_, f)] => Ok(f),
                _ => Err(MapError::AmbiguousObject { available: names() }),
            },
        }
    }

    /// The dequantised arcs, (longitude, latitude).
    pub fn arcs(&self) -> &[Vec<[f64; 2]>] {
        &self.arcs
    }

    /// The points of a ring, closed (the last point equals the first).
    pub fn ring_points(&self, ring: &[ArcRef]) -> Vec<[f64; 2]> {
        ring_points(&self.arcs, ring)
    }
}

pub(crate) fn ring_points(arcs: &[Vec<[f64; 2]>], ring: &[ArcRef]) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for (i, r) in ring.iter().enumerate() {
        // Each arc starts where the previous one ended: skip the repeated point.
        out.extend(r.points(arcs).skip(usize::from(i > 0)));
    }
    out
}

/// Bit pattern of a point, for exact endpoint matching (`-0.0` is folded into `0.0`).
pub(crate) fn point_key(p: [f64; 2]) -> (u64, u64) {
    ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits())
}

#[derive(Deserialize)]
struct RawTopology {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    transform: Option<RawTransform>,
    #[serde(default)]
    arcs: Vec<Vec<RawPosition>>,
    #[serde(default)]
    objects: BTreeMap<String, RawGeometry>,
}

#[derive(Deserialize)]
struct RawTransform {
    scale: [f64; 2],
    translate: [f64; 2],
}

/// A position: the first two numbers; any further ones (elevation…) are ignored.
struct RawPosition([f64; 2]);

impl<'de> Deserialize<'de> for RawPosition {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawPosition;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPosition, A::Error> {
                let x: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawPosition([x, y]))
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
struct RawGeometry {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    arcs: Option<Value>,
    #[serde(default)]
    geometries: Option<Vec<RawGeometry>>,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
    #[serde(default)]
    id: Option<Value>,
}

fn decode_arcs(
    raw: Vec<Vec<RawPosition>>,
    transform: Option<&RawTransform>,
) -> Result<Vec<Vec<[f64; 2]>>, MapError> {
    let mut arcs = Vec::with_capacity(raw.len());
    for (index, arc) in raw.into_iter().enumerate() {
        if arc.len() < 2 {
            return Err(MapError::ShortArc {
                index,
                points: arc.len(),
            });
        }
        let pts: Vec<[f64; 2]> = match transform {
            Some(t) => {
                let (mut x, mut y) = (0.0f64, 0.0f64);
                arc.into_iter()
                    .map(|RawPosition([dx, dy])| {
                        x += dx;
                        y += dy;
                        [
                            x * t.scale[0] + t.translate[0],
                            y * t.scale[1] + t.translate[1],
                        ]
                    })
                    .collect()
            }
            None => arc.into_iter().map(|p| p.0).collect(),
        };
        if pts.iter().flatten().any(|v| !v.is_finite()) {
            return Err(MapError::NonFinite { index });
        }
        arcs.push(pts);
    }
    Ok(arcs)
}

fn flatten(
    object: &str,
    g: RawGeometry,
    arcs: &[Vec<[f64; 2]>],
    counter: &mut usize,
    out: &mut Vec<Feature>,
) -> Result<(), MapError> {
    let geometry = *counter;
    *counter += 1;
    let err = |problem: &str| MapError::Geometry {
        object: object.to_owned(),
        geometry,
        problem: problem.to_owned(),
    };
    let polygons = match g.kind.as_deref() {
        Some("GeometryCollection") => {
            for child in g.geometries.unwrap_or_default() {
                flatten(object, child, arcs, counter, out)?;
            }
            return Ok(());
        }
        Some("Polygon") => {
            let rings = g
                .arcs
                .as_ref()
                .ok_or_else(|| err("a Polygon without arcs"))?;
            vec![polygon(rings).ok_or_else(|| err("Polygon arcs are not a list of rings"))?]
        }
        Some("MultiPolygon") => {
            let list = g
                .arcs
                .as_ref()
                .and_then(Value::as_array)
                .ok_or_else(|| err("MultiPolygon arcs are not a list of polygons"))?;
            list.iter()
                .map(polygon)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| err("MultiPolygon arcs are not a list of polygons"))?
        }
        // Points, lines and null geometries have no area to fill.
        Some("Point" | "MultiPoint" | "LineString" | "MultiLineString") | None => return Ok(()),
        Some(other) => return Err(err(&format!("unknown geometry type {other:?}"))),
    };
    let mut checked = Vec::with_capacity(polygons.len());
    let mut ring_no = 0usize;
    for poly in polygons {
        let mut rings = Vec::with_capacity(poly.len());
        for ring in poly {
            let refs = ring
                .into_iter()
                .map(|i| {
                    let index = if i < 0 { !i } else { i };
                    usize::try_from(index)
                        .ok()
                        .filter(|&ix| ix < arcs.len())
                        .map(|index| ArcRef {
                            index,
                            reversed: i < 0,
                        })
                        .ok_or(MapError::ArcIndex {
                            object: object.to_owned(),
                            geometry,
                            index: i,
                            arcs: arcs.len(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if !is_closed(arcs, &refs) {
                return Err(MapError::OpenRing {
                    object: object.to_owned(),
                    geometry,
                    ring: ring_no,
                });
            }
            ring_no += 1;
            rings.push(refs);
        }
        checked.push(rings);
    }
    let props = g.properties.unwrap_or_default();
    let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
    let code = props
        .get("N03_007")
        .and_then(code_of)
        .or_else(|| g.id.as_ref().and_then(code_of));
    let prefecture_name = text("N03_001");
    let mut name: String = ["N03_003", "N03_004"]
        .iter()
        .filter_map(|k| text(k))
        .collect();
    if name.is_empty() {
        name = code.clone().unwrap_or_default();
    }
    let prefecture = code
        .as_deref()
        .and_then(|c| c.get(..2))
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .or_else(|| {
            let n = prefecture_name.as_deref()?;
            let i = PREFECTURES.iter().position(|(ja, _)| *ja == n)?;
            Some(format!("{:02}", i + 1))
        });
    out.push(Feature {
        code,
        name,
        prefecture_name,
        prefecture,
        polygons: checked,
    });
    Ok(())
}

/// A code property: a string as is, an integer as five digits (3201 → "03201").
fn code_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|n| format!("{n:05}")),
        _ => None,
    }
}

/// Rings of one polygon as raw signed arc indices; `None` if the shape is wrong.
fn polygon(v: &Value) -> Option<Vec<Vec<i64>>> {
    v.as_array()?
        .iter()
        .map(|ring| ring.as_array()?.iter().map(Value::as_i64).collect())
        .collect()
}

fn is_closed(arcs: &[Vec<[f64; 2]>], ring: &[ArcRef]) -> bool {
    let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
        return false;
    };
    let joined = ring.windows(2).all(|w| {
        matches!((w[0].end(arcs), w[1].start(arcs)), (Some(a), Some(b)) if point_key(a) == point_key(b))
    });
    joined
        && matches!((last.end(arcs), first.start(arcs)), (Some(a), Some(b)) if point_key(a) == point_key(b))
}
