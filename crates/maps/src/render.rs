//! Projection and SVG output.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::dissolve::AreaMap;
use crate::svg::{esc, num, push_tenths, safe_href, sanitize_id, text_width};
use crate::topology::ArcRef;

/// How one area is drawn.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AreaStyle {
    /// A CSS colour: `#rgb`, `#rrggbb`, a name, `rgb(…)`, `hsl(…)`. Anything else (such as
    /// `url(…)`) is refused and the area is drawn as "no data".
    pub fill: String,
    /// Tooltip text (`<title>`), e.g. "釜石 — 医師偏在指標 171.3（医師少数区域）".
    pub title: String,
    /// A link for the area: a relative URL or `http(s)://`; other schemes are dropped.
    pub href: Option<String>,
    /// Extra class names (letters, digits, `-`, `_`; others are dropped).
    pub class: Option<String>,
}

/// One row of the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub color: String,
    pub label: String,
}

/// A stroke for a border mesh, in viewBox units.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub color: String,
    pub width: f64,
}

/// Where the legend sits inside the map frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Corner {
    #[default]
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// A longitude/latitude box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bounds {
    fn valid(self) -> Option<Self> {
        let ok = [self.west, self.south, self.east, self.north]
            .iter()
            .all(|v| v.is_finite())
            && self.east >= self.west
            && self.north >= self.south;
        ok.then_some(self)
    }
}

/// Layout and labels of the SVG. All text is XML-escaped.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// The map frame, in viewBox units (a caption adds a band below it).
    pub width: f64,
    pub height: f64,
    /// Space kept free around the fitted map.
    pub padding: f64,
    /// The accessible name (`aria-label` and `<title>`).
    pub title: String,
    /// A longer accessible description (`<desc>`).
    pub description: Option<String>,
    pub legend_title: Option<String>,
    pub legend: Vec<LegendEntry>,
    pub legend_corner: Corner,
    /// Credit lines under the map, separated by `\n`, e.g.
    /// 「国土数値情報（行政区域データ）」（国土交通省）を加工して作成.
    pub caption: String,
    pub font_size: f64,
    /// Fill of areas without a (valid) style.
    pub no_data_fill: String,
    /// Legend label and tooltip suffix of areas without a style; empty: no legend row.
    pub no_data_label: String,
    /// Legend label and tooltip suffix of features without an area; empty: no legend row.
    pub unmapped_label: String,
    /// Between areas of one prefecture.
    pub area_border: Option<Stroke>,
    pub prefecture_border: Option<Stroke>,
    /// Stroke around every filled shape: it shows as the coastline, since the border meshes
    /// are drawn over it elsewhere (one stroke instead of a coastline mesh keeps the SVG small).
    pub outline: Option<Stroke>,
    /// Path data with absolute coordinates only (`M x y L x y … Z`). By default each subpath
    /// starts absolute and continues relative (`M x y l dx dy … z`): the same points (deltas
    /// of the rounded positions, so nothing drifts), about half the bytes.
    pub absolute_paths: bool,
    /// Fit this box instead of everything drawn; what falls outside is clipped.
    pub fit: Option<Bounds>,
    /// Prefix of the ids inside the SVG (pattern, clip path), unique per page.
    pub id_prefix: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width: 800.0,
            height: 800.0,
            padding: 8.0,
            title: "二次医療圏".to_owned(),
            description: None,
            legend_title: None,
            legend: Vec::new(),
            legend_corner: Corner::TopLeft,
            caption: String::new(),
            font_size: 12.0,
            no_data_fill: "#d9d9d9".to_owned(),
            no_data_label: "データなし".to_owned(),
            unmapped_label: "二次医療圏の割当なし".to_owned(),
            area_border: Some(Stroke {
                color: "#ffffff".to_owned(),
                width: 0.5,
            }),
            prefecture_border: Some(Stroke {
                color: "#404040".to_owned(),
                width: 0.9,
            }),
            outline: Some(Stroke {
                color: "#808080".to_owned(),
                width: 0.3,
            }),
            absolute_paths: false,
            fit: None,
            id_prefix: "chiiki-map".to_owned(),
        }
    }
}

/// Equirectangular projection, longitudes scaled by cos(mid latitude), fitted to a frame.
struct Projection {
    k: f64,
    scale: f64,
    x0: f64,
    y0: f64,
    ox: f64,
    oy: f64,
}

impl Projection {
    fn fit(b: Bounds, width: f64, height: f64, padding: f64) -> Self {
        let lat0 = (b.south + b.north) / 2.0;
        let k = lat0.to_radians().cos().abs().max(1e-3);
        let dx = (b.east - b.west) * k;
        let dy = b.north - b.south;
        let sx = (dx > 0.0).then(|| (width - 2.0 * padding) / dx);
        let sy = (dy > 0.0).then(|| (height - 2.0 * padding) / dy);
        let scale = match (sx, sy) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => 1.0,
        };
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Projection {
            k,
            scale,
            x0: b.west * k,
            y0: b.north,
            ox: (width - dx * scale) / 2.0,
            oy: (height - dy * scale) / 2.0,
        }
    }

    /// Projected point in tenths of a unit, rounded.
    fn tenths(&self, p: [f64; 2]) -> (i64, i64) {
        let x = self.ox + (p[0] * self.k - self.x0) * self.scale;
        let y = self.oy + (self.y0 - p[1]) * self.scale;
        ((x * 10.0).round() as i64, (y * 10.0).round() as i64)
    }
}

/// Projected, rounded arcs with consecutive duplicates dropped, computed on first use.
struct ArcCache<'a> {
    map: &'a AreaMap,
    proj: Projection,
    arcs: Vec<Option<Vec<(i64, i64)>>>,
}

impl ArcCache<'_> {
    fn get(&mut self, index: usize) -> &[(i64, i64)] {
        if self.arcs[index].is_none() {
            let mut pts: Vec<(i64, i64)> = Vec::with_capacity(self.map.arcs[index].len());
            for &p in &self.map.arcs[index] {
                let t = self.proj.tenths(p);
                if pts.last() != Some(&t) {
                    pts.push(t);
                }
            }
            self.arcs[index] = Some(pts);
        }
        self.arcs[index].as_deref().unwrap_or(&[])
    }
}

/// The frame in tenths, for skipping what lies wholly outside it.
#[derive(Clone, Copy)]
struct Frame {
    w: i64,
    h: i64,
}

impl Frame {
    fn touches(self, pts: &[(i64, i64)]) -> bool {
        let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for &(x, y) in pts {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        x1 >= 0 && y1 >= 0 && x0 <= self.w && y0 <= self.h
    }
}

impl AreaMap {
    /// The longitude/latitude box of everything drawn (areas and unmapped features).
    pub fn bounds(&self) -> Option<Bounds> {
        let mut b: Option<Bounds> = None;
        let mut seen = vec![false; self.arcs.len()];
        for r in self.all_rings().flatten() {
            if std::mem::replace(&mut seen[r.index], true) {
                continue;
            }
            for &[x, y] in &self.arcs[r.index] {
                let n = b.get_or_insert(Bounds {
                    west: x,
                    south: y,
                    east: x,
                    north: y,
                });
                n.west = n.west.min(x);
                n.east = n.east.max(x);
                n.south = n.south.min(y);
                n.north = n.north.max(y);
            }
        }
        b
    }

    /// Draws the map as a standalone SVG document.
    ///
    /// Each area is one `<path class="area" data-area="…">` with its `<title>`, filled from
    /// `styles` (areas without a style get `no_data_fill`); unmapped features are hatched
    /// grey. Coordinates are rounded to 0.1 and consecutive duplicates dropped.
    pub fn render(&self, styles: &HashMap<String, AreaStyle>, opts: &RenderOptions) -> String {
        let w = positive_or(opts.width, 800.0);
        let h = positive_or(opts.height, 800.0);
        let pad = {
            let p = if opts.padding.is_finite() {
                opts.padding.max(0.0)
            } else {
                0.0
            };
            if 2.0 * p >= w.min(h) { 0.0 } else { p }
        };
        let font = positive_or(opts.font_size, 12.0).min(h / 4.0);
        let id = sanitize_id(&opts.id_prefix, "m");
        let no_data_fill = color_or(&opts.no_data_fill, "#d9d9d9");
        let fit = opts.fit.and_then(Bounds::valid);
        let bounds = fit.or_else(|| self.bounds()).unwrap_or(Bounds {
            west: 0.0,
            south: 0.0,
            east: 0.0,
            north: 0.0,
        });
        let mut cache = ArcCache {
            map: self,
            proj: Projection::fit(bounds, w, h, pad),
            arcs: vec![None; self.arcs.len()],
        };
        let frame = Frame {
            w: (w * 10.0).round() as i64,
            h: (h * 10.0).round() as i64,
        };

        let captions: Vec<&str> = opts
            .caption
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let cap_font = font * 0.85;
        let footer = if captions.is_empty() {
            0.0
        } else {
            cap_font * (0.6 + 1.4 * captions.len() as f64)
        };
        let total_h = h + footer;

        let mut s = String::with_capacity(256 * 1024);
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chiiki-map" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}" font-family="sans-serif">"#,
            W = num(w),
            H = num(total_h),
            t = esc(&opts.title),
        );
        let _ = write!(s, "<title>{}</title>", esc(&opts.title));
        if let Some(d) = &opts.description {
            let _ = write!(s, "<desc>{}</desc>", esc(d));
        }
        let _ = write!(
            s,
            r##"<defs><pattern id="{id}-hatch" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)"><rect width="4" height="4" fill="#f2f2f2"/><line x1="0" y1="0" x2="0" y2="4" stroke="#9a9a9a" stroke-width="1.2"/></pattern>"##
        );
        if fit.is_some() {
            let _ = write!(
                s,
                r#"<clipPath id="{id}-frame"><rect width="{}" height="{}"/></clipPath>"#,
                num(w),
                num(h)
            );
        }
        s.push_str("</defs>");
        let _ = write!(
            s,
            r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
            num(w),
            num(total_h)
        );
        if fit.is_some() {
            let _ = write!(s, r#"<g clip-path="url(#{id}-frame)">"#);
        } else {
            s.push_str("<g>");
        }

        // Areas.
        let mut any_no_data = false;
        s.push_str(r#"<g class="areas" fill-rule="evenodd""#);
        if let Some((color, width)) = opts
            .outline
            .as_ref()
            .and_then(|st| Some((valid_color(&st.color)?, positive_or(st.width, 0.3))))
        {
            let _ = write!(
                s,
                r#" stroke="{color}" stroke-width="{}" stroke-linejoin="round""#,
                num(width)
            );
        }
        s.push('>');
        let abs = opts.absolute_paths;
        let mut d = String::new();
        for area in self.areas.values() {
            d.clear();
            rings_path(&mut d, &mut cache, frame, &area.rings, abs);
            if d.is_empty() {
                continue;
            }
            let style = styles.get(&area.key);
            let fill = style.and_then(|st| valid_color(&st.fill));
            if fill.is_none() {
                any_no_data = true;
            }
            let href = style
                .and_then(|st| st.href.as_deref())
                .filter(|h| safe_href(h));
            let mut class = String::from("area");
            if fill.is_none() {
                class.push_str(" no-data");
            }
            if let Some(extra) = style.and_then(|st| st.class.as_deref()) {
                for token in extra.split_whitespace().filter(|t| is_class(t)) {
                    class.push(' ');
                    class.push_str(token);
                }
            }
            let name = style
                .map(|st| st.title.as_str())
                .filter(|t| !t.is_empty())
                .unwrap_or(&area.key);
            let title = match fill {
                Some(_) => name.to_owned(),
                None => with_note(name, &opts.no_data_label),
            };
            if let Some(href) = href {
                let _ = write!(s, r#"<a href="{}">"#, esc(href));
            }
            let _ = write!(
                s,
                r#"<path class="{class}" data-area="{}" fill="{}" d="{d}"><title>{}</title></path>"#,
                esc(&area.key),
                fill.unwrap_or(&no_data_fill),
                esc(&title),
            );
            if href.is_some() {
                s.push_str("</a>");
            }
        }
        // Features without an area.
        let mut any_unmapped = false;
        for u in &self.unmapped {
            d.clear();
            rings_path(&mut d, &mut cache, frame, &u.rings, abs);
            if d.is_empty() {
                continue;
            }
            any_unmapped = true;
            let code = u
                .code
                .as_deref()
                .map(|c| format!(r#" data-code="{}""#, esc(c)))
                .unwrap_or_default();
            let _ = write!(
                s,
                r#"<path class="unmapped"{code} fill="url(#{id}-hatch)" d="{d}"><title>{}</title></path>"#,
                esc(&with_note(&u.label, &opts.unmapped_label)),
            );
        }
        s.push_str("</g>");

        // Borders, finest first.
        for (class, stroke, arcs) in [
            ("area-borders", &opts.area_border, &self.area_borders),
            (
                "prefecture-borders",
                &opts.prefecture_border,
                &self.prefecture_borders,
            ),
        ] {
            let Some(stroke) = stroke else { continue };
            let Some(color) = valid_color(&stroke.color) else {
                continue;
            };
            d.clear();
            for &a in arcs {
                let pts = cache.get(a);
                if pts.len() < 2 || !frame.touches(pts) {
                    continue;
                }
                subpath(&mut d, pts, false, abs);
            }
            if d.is_empty() {
                continue;
            }
            let _ = write!(
                s,
                r#"<path class="{class}" fill="none" stroke="{color}" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round" pointer-events="none" d="{d}"/>"#,
                num(positive_or(stroke.width, 0.5)),
            );
        }
        s.push_str("</g>");

        // Legend.
        let mut rows: Vec<(String, &str)> = opts
            .legend
            .iter()
            .map(|e| (color_or(&e.color, &no_data_fill), e.label.as_str()))
            .collect();
        if any_no_data && !opts.no_data_label.is_empty() {
            rows.push((no_data_fill.clone(), &opts.no_data_label));
        }
        if any_unmapped && !opts.unmapped_label.is_empty() {
            rows.push((format!("url(#{id}-hatch)"), &opts.unmapped_label));
        }
        if !rows.is_empty() {
            legend(&mut s, opts, &rows, w, h, font);
        }

        // Caption (credit).
        for (i, line) in captions.iter().enumerate() {
            let _ = write!(
                s,
                r##"<text class="caption" x="{}" y="{}" font-size="{}" fill="#333333">{}</text>"##,
                num(pad.max(2.0)),
                num(h + cap_font * (1.2 + 1.4 * i as f64)),
                num(cap_font),
                esc(line),
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

fn legend(
    s: &mut String,
    opts: &RenderOptions,
    rows: &[(String, &str)],
    w: f64,
    h: f64,
    font: f64,
) {
    let row_h = font * 1.5;
    let inner = font * 0.6;
    let swatch = font;
    let gap = font * 0.5;
    let title = opts.legend_title.as_deref().filter(|t| !t.is_empty());
    let text_w = rows
        .iter()
        .map(|(_, l)| swatch + gap + text_width(l, font))
        .chain(title.map(|t| text_width(t, font)))
        .fold(0.0, f64::max);
    let n = rows.len() + usize::from(title.is_some());
    let bw = inner * 2.0 + text_w;
    let bh = inner * 2.0 + row_h * n as f64 - (row_h - font);
    let margin = 4.0;
    let (x, y) = match opts.legend_corner {
        Corner::TopLeft => (margin, margin),
        Corner::TopRight => (w - margin - bw, margin),
        Corner::BottomLeft => (margin, h - margin - bh),
        Corner::BottomRight => (w - margin - bw, h - margin - bh),
    };
    let _ = write!(
        s,
        r##"<g class="legend"><rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb" stroke-width="0.5"/>"##,
        num(x),
        num(y),
        num(bw),
        num(bh)
    );
    let mut row_y = y + inner;
    if let Some(t) = title {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="{}" font-weight="bold" fill="#222222">{}</text>"##,
            num(x + inner),
            num(row_y + font * 0.85),
            num(font),
            esc(t)
        );
        row_y += row_h;
    }
    for (color, label) in rows {
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="{sw}" height="{sw}" fill="{color}" stroke="#888888" stroke-width="0.5"/><text x="{}" y="{}" font-size="{}" fill="#222222">{}</text>"##,
            num(x + inner),
            num(row_y),
            num(x + inner + swatch + gap),
            num(row_y + font * 0.85),
            num(font),
            esc(label),
            sw = num(swatch),
        );
        row_y += row_h;
    }
    s.push_str("</g>");
}

/// Appends the rings as `M x y L x y … Z` subpaths, skipping rings that lie wholly outside the
/// frame, and rings that collapse to fewer than three points unless every ring does: a shape
/// smaller than the rounding still gets its element (and its title), if not any ink.
fn rings_path(
    d: &mut String,
    cache: &mut ArcCache,
    frame: Frame,
    rings: &[Vec<ArcRef>],
    absolute: bool,
) {
    rings_path_min(d, cache, frame, rings, 3, absolute);
    if d.is_empty() {
        rings_path_min(d, cache, frame, rings, 1, absolute);
    }
}

fn rings_path_min(
    d: &mut String,
    cache: &mut ArcCache,
    frame: Frame,
    rings: &[Vec<ArcRef>],
    min_points: usize,
    absolute: bool,
) {
    let mut pts: Vec<(i64, i64)> = Vec::new();
    for ring in rings {
        pts.clear();
        for r in ring {
            let arc = cache.get(r.index);
            let mut push = |p: (i64, i64)| {
                if pts.last() != Some(&p) {
                    pts.push(p);
                }
            };
            if r.reversed {
                arc.iter().rev().copied().for_each(&mut push);
            } else {
                arc.iter().copied().for_each(&mut push);
            }
        }
        while pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if pts.len() < min_points || !frame.touches(&pts) {
            continue;
        }
        subpath(d, &pts, true, absolute);
    }
}

/// One subpath of points in tenths: `M x y L x y … [Z]`, or `M x y l dx dy … [z]`.
fn subpath(d: &mut String, pts: &[(i64, i64)], close: bool, absolute: bool) {
    let Some(&(x0, y0)) = pts.first() else {
        return;
    };
    d.push('M');
    push_tenths(d, x0);
    d.push(' ');
    push_tenths(d, y0);
    if pts.len() > 1 {
        d.push(if absolute { 'L' } else { 'l' });
    }
    let mut prev = (x0, y0);
    for (i, &(x, y)) in pts.iter().enumerate().skip(1) {
        let (vx, vy) = if absolute {
            (x, y)
        } else {
            (x - prev.0, y - prev.1)
        };
        prev = (x, y);
        // A minus sign separates numbers by itself.
        if i > 1 && vx >= 0 {
            d.push(' ');
        }
        push_tenths(d, vx);
        if vy >= 0 {
            d.push(' ');
        }
        push_tenths(d, vy);
    }
    if close {
        d.push(if absolute { 'Z' } else { 'z' });
    }
}

/// "name（note）", or the name alone when there is no note.
fn with_note(name: &str, note: &str) -> String {
    if note.is_empty() {
        name.to_owned()
    } else {
        format!("{name}（{note}）")
    }
}

fn positive_or(v: f64, default: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { default }
}

/// A CSS colour without anything that could reference outside the document.
fn valid_color(c: &str) -> Option<&str> {
    let c = c.trim();
    let ok = !c.is_empty()
        && c.len() <= 64
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "#(),. %-".contains(ch))
        && !c.to_ascii_lowercase().contains("url");
    ok.then_some(c)
}

fn color_or(c: &str, default: &str) -> String {
    valid_color(c).unwrap_or(default).to_owned()
}

fn is_class(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subpaths_are_relative_after_the_first_point_unless_absolute() {
        let pts = [(100, 200), (105, 190), (90, 190), (100, 200)];
        let mut d = String::new();
        subpath(&mut d, &pts[..3], true, false);
        assert_eq!(d, "M10 20l.5-1-1.5 0z");
        d.clear();
        subpath(&mut d, &pts[..3], true, true);
        assert_eq!(d, "M10 20L10.5 19 9 19Z");
        d.clear();
        subpath(&mut d, &pts, false, false);
        assert_eq!(d, "M10 20l.5-1-1.5 0 1 1");
    }

    #[test]
    fn colours_that_could_reference_anything_are_refused() {
        assert_eq!(valid_color("#a1b2c3"), Some("#a1b2c3"));
        assert_eq!(valid_color(" rgb(1, 2, 3) "), Some("rgb(1, 2, 3)"));
        assert_eq!(valid_color("url(http://x/y)"), None);
        assert_eq!(valid_color("red\" onload=\"x"), None);
        assert_eq!(valid_color(""), None);
    }
}
