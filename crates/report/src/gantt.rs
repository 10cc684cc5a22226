//! Rotation plans as a Gantt chart in SVG: one row per doctor, one column per fiscal year.
//!
//! The input is plain data ([`Gantt`]), so this module needs nothing from the solver: the
//! caller says, for each doctor and year, where the doctor is ([`Cell`]). [`render`] draws:
//!
//! - consecutive years at the same site (same name and group) as one bar labelled with the
//!   site's name, truncated with … to the bar; the full name, the years, the group and how
//!   each year is drawn are in the bar's `<title>` tooltip. Within a bar, years drawn alike
//!   (kind, designation, change) are one segment;
//! - the facility group as the fill (four colours of Paul Tol's colour-blind-safe "light"
//!   scheme, dark text readable on all of them; pale grey without a group);
//! - designated service (指定勤務) as a thick dark band along the bottom of the bar, so it can
//!   be told without colour;
//! - past years solid without outline, fixed years solid with a solid outline, planned years
//!   in a lighter tint with a dashed outline;
//! - changed cells (a replanning diff) with a thick black outline, and a black corner mark at
//!   the end of their bar;
//! - leave hatched (one pattern in `<defs>`), empty years (outside the plan) not at all;
//! - the doctors on the left, as links when they have one; the years above the columns (in
//!   Japanese with the era year beneath), again below a chart of more than 25 rows; a legend
//!   in the chart's language.
//!
//! Like the maps, the SVG uses presentation attributes only (no `<style>`, no scripts, no
//! external references: it can be inlined under the web application's strict
//! Content-Security-Policy), all text is XML-escaped, links are relative or http(s) only (with
//! the maps' helpers, [`chiiki_maps::svg`]), and the output is deterministic. It is
//! `role="img"`, or `role="group"` when it holds links (they must stay reachable). No input
//! panics: cells are padded or truncated to `years`, at most [`MAX_YEARS`] columns are drawn,
//! and no years or no rows draw a small "no data" SVG.
//! Shared attributes are set once on groups, so 300 doctors × 10 years of [`sample`] make
//! about 390 kB (see the tests and the bench).

use std::borrow::Cow;
use std::fmt::Write as _;

use chiiki_domain::{AssignmentKind, FacilityGroup, FiscalYear, Lang};
use chiiki_maps::svg::{char_width, esc, num, safe_href, sanitize_id, text_width};

/// A Gantt chart of rotation plans.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gantt {
    /// The fiscal year of column 0.
    pub first_year: i32,
    /// Number of columns (fiscal years); at most [`MAX_YEARS`] are drawn.
    pub years: usize,
    pub rows: Vec<GanttRow>,
    /// The language of the legend, the years and the tooltips.
    pub lang: Lang,
    /// The heading, also the accessible name (`aria-label` and `<title>`).
    pub title: String,
    /// Prefix of the ids inside the SVG (the leave pattern), unique per page; made safe with
    /// [`chiiki_maps::svg::sanitize_id`]: empty gives `gantt`, and `gantt` goes before one that
    /// does not start with a letter.
    pub id_prefix: String,
}

/// One doctor's plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GanttRow {
    /// The doctor, drawn left of the row.
    pub label: String,
    /// A link for the label: a relative URL or `http(s)://`; other schemes are dropped.
    pub href: Option<String>,
    /// One cell per year from `first_year`; missing cells are empty, extra cells ignored.
    pub cells: Vec<Cell>,
}

/// Where a doctor is in one fiscal year.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// Not in the plan (e.g. after the obligation).
    #[default]
    Empty,
    /// Approved leave: hatched.
    Leave,
    /// At a site.
    Site(Site),
}

/// A year at a site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The site's name, drawn in the bar (truncated to fit) and in full in the tooltip.
    pub label: String,
    /// The facility group, which colours the bar; `None` is pale grey.
    pub group: Option<FacilityGroup>,
    /// The year counts as designated service (指定勤務, in a shortage area).
    pub designated: bool,
    pub kind: CellKind,
    /// Changed by a replanning (a diff): strong outline and a corner mark.
    pub changed: bool,
    /// Extra tooltip text (e.g. 専門研修2年目); the notes of merged years are listed once each.
    pub note: String,
}

/// How settled a year is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CellKind {
    /// Already served.
    Past,
    /// Decided, not served yet.
    Fixed,
    /// Proposed by the planner.
    #[default]
    Planned,
}

/// Columns beyond this many are not drawn.
pub const MAX_YEARS: usize = 60;

const ROW_H: f64 = 18.0;
const FONT: f64 = 11.0;
const MARGIN: f64 = 8.0;
/// The bar inside its row: from `BAR_TOP` to `BAR_TOP + BAR_H`.
const BAR_TOP: f64 = 1.5;
const BAR_H: f64 = 15.0;
/// Baseline of text in a row.
const TEXT_Y: f64 = 12.0;
/// The designated band at the bottom of a bar.
const BAND_H: f64 = 3.0;
const CHANGED_MARK: f64 = 7.0;
const CHANGED_STROKE: &str = "2.4";
const FONT_FAMILY: &str =
    "'Hiragino Sans','Noto Sans CJK JP','Noto Sans JP','Yu Gothic',Meiryo,sans-serif";

/// The fills of a facility group's bars, solid and (planned years) lighter: Paul Tol's
/// colour-blind-safe "light" scheme, on which dark text reads well; pale grey without a group.
fn fills(group: Option<FacilityGroup>) -> (&'static str, &'static str) {
    match group {
        Some(FacilityGroup::University) => ("#7ad", "#bce"),
        Some(FacilityGroup::LargeMedium) => ("#4b9", "#9dc"),
        Some(FacilityGroup::Small) => ("#ed8", "#eeb"),
        Some(FacilityGroup::DesignatedShortage) => ("#e86", "#eba"),
        None => ("#ddd", "#eee"),
    }
}

fn fill(group: Option<FacilityGroup>, kind: CellKind) -> &'static str {
    let (solid, tint) = fills(group);
    if kind == CellKind::Planned {
        tint
    } else {
        solid
    }
}

/// The outline of bars, dashed by default (planned years): set once on the group of bars,
/// changed where a bar is drawn otherwise (see [`outline`]).
const BARS_STROKE: &str = r##"stroke="#555" stroke-dasharray="3 2""##;

/// The words of the chart in one language.
struct Words {
    lang: Lang,
    leave: &'static str,
    past: &'static str,
    fixed: &'static str,
    planned: &'static str,
    changed: &'static str,
    no_group: &'static str,
    designated: &'static str,
    no_data: &'static str,
    sep: &'static str,
    colon: &'static str,
}

impl Words {
    fn of(lang: Lang) -> Self {
        let designated = AssignmentKind::DesignatedService.label(lang);
        match lang {
            Lang::Ja => Words {
                lang,
                leave: "休業・休職",
                past: "実績",
                fixed: "確定",
                planned: "計画",
                changed: "変更",
                no_group: "施設群なし",
                designated,
                no_data: "表示する配置計画がありません",
                sep: "・",
                colon: "：",
            },
            Lang::En => Words {
                lang,
                leave: "Leave",
                past: "Past",
                fixed: "Fixed",
                planned: "Planned",
                changed: "Changed",
                no_group: "No facility group",
                designated,
                no_data: "No rotation plan to show",
                sep: " · ",
                colon: ": ",
            },
        }
    }

    fn kind(&self, kind: CellKind) -> &'static str {
        match kind {
            CellKind::Past => self.past,
            CellKind::Fixed => self.fixed,
            CellKind::Planned => self.planned,
        }
    }

    fn group(&self, group: Option<FacilityGroup>) -> &'static str {
        group.map_or(self.no_group, |g| g.label(self.lang))
    }

    /// "2027–2029年度（3年）" / "FY2027–2029 (3 years)".
    fn years(&self, first: i64, n: usize) -> String {
        let last = first + n as i64 - 1;
        match (self.lang, n) {
            (Lang::Ja, 1) => format!("{first}年度"),
            (Lang::Ja, _) => format!("{first}–{last}年度（{n}年）"),
            (Lang::En, 1) => format!("FY{first}"),
            (Lang::En, _) => format!("FY{first}–{last} ({n} years)"),
        }
    }

    fn description(&self, rows: usize, first: i64, years: usize) -> String {
        let span = self.years(first, years);
        match self.lang {
            Lang::Ja => format!("{rows}人の配置計画、{span}"),
            Lang::En if rows == 1 => format!("Rotation plan of one doctor, {span}"),
            Lang::En => format!("Rotation plans of {rows} doctors, {span}"),
        }
    }
}

/// A bar: consecutive years of a row drawn as one.
#[derive(Debug, Clone, PartialEq)]
struct Run<'a> {
    start: usize,
    len: usize,
    what: RunKind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
enum RunKind<'a> {
    Leave,
    /// Consecutive years at one site (same name and group), in segments of years drawn
    /// alike.
    Site {
        site: &'a Site,
        segments: Vec<Segment>,
        /// The distinct non-empty notes of the years, in order.
        notes: Vec<&'a str>,
    },
}

/// Consecutive years of a bar drawn alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: usize,
    len: usize,
    kind: CellKind,
    designated: bool,
    changed: bool,
}

impl Segment {
    fn of(year: usize, s: &Site) -> Self {
        Segment {
            start: year,
            len: 1,
            kind: s.kind,
            designated: s.designated,
            changed: s.changed,
        }
    }
}

/// The bars of a row's first `years` cells (missing cells are empty). Consecutive years at
/// the same site are one bar; within it, years of the same kind, designation and change
/// mark are one segment.
fn runs(cells: &[Cell], years: usize) -> Vec<Run<'_>> {
    let mut out: Vec<Run<'_>> = Vec::new();
    for (year, cell) in cells.iter().take(years).enumerate() {
        if let Some(run) = out.last_mut().filter(|r| r.start + r.len == year) {
            match (&mut run.what, cell) {
                (RunKind::Leave, Cell::Leave) => {
                    run.len += 1;
                    continue;
                }
                (
                    RunKind::Site {
                        site,
                        segments,
                        notes,
                    },
                    Cell::Site(s),
                ) if site.label == s.label && site.group == s.group => {
                    run.len += 1;
                    match segments.last_mut() {
                        Some(g)
                            if g.kind == s.kind
                                && g.designated == s.designated
                                && g.changed == s.changed =>
                        {
                            g.len += 1
                        }
                        _ => segments.push(Segment::of(year, s)),
                    }
                    if !s.note.is_empty() && !notes.contains(&s.note.as_str()) {
                        notes.push(&s.note);
                    }
                    continue;
                }
                _ => {}
            }
        }
        let what = match cell {
            Cell::Empty => continue,
            Cell::Leave => RunKind::Leave,
            Cell::Site(s) => RunKind::Site {
                site: s,
                segments: vec![Segment::of(year, s)],
                notes: if s.note.is_empty() {
                    Vec::new()
                } else {
                    vec![s.note.as_str()]
                },
            },
        };
        out.push(Run {
            start: year,
            len: 1,
            what,
        });
    }
    out
}

/// Draws the chart as a standalone SVG document (see the module's documentation).
pub fn render(g: &Gantt) -> String {
    let years = g.years.min(MAX_YEARS);
    let words = Words::of(g.lang);
    let id = sanitize_id(&g.id_prefix, "gantt");
    if years == 0 || g.rows.is_empty() {
        return no_data(g, &words);
    }
    let first = i64::from(g.first_year);

    // Columns.
    let widest = g
        .rows
        .iter()
        .map(|r| text_width(&r.label, FONT))
        .fold(0.0, f64::max);
    let label_w = (widest + 12.0).clamp(64.0, 200.0).ceil();
    let col_w = (840.0 / years as f64).clamp(48.0, 96.0).floor();
    let x0 = MARGIN + label_w;
    let width = x0 + col_w * years as f64 + MARGIN;

    // Bands from the top: heading, legend, years, rows, years again for long charts.
    let mut y = 0.0;
    let heading = (!g.title.trim().is_empty()).then(|| {
        y += 26.0;
        y - 8.0
    });
    let legend_top = y + 4.0;
    let any_changed = g.rows.iter().any(|r| {
        r.cells
            .iter()
            .take(years)
            .any(|c| matches!(c, Cell::Site(s) if s.changed))
    });
    let any_no_group = g.rows.iter().any(|r| {
        r.cells
            .iter()
            .take(years)
            .any(|c| matches!(c, Cell::Site(s) if s.group.is_none()))
    });
    let legend = legend_layout(&words, any_changed, any_no_group, width);
    y = legend_top + legend.height + 6.0;
    let header_h = match g.lang {
        Lang::Ja => 30.0,
        Lang::En => 20.0,
    };
    let header_top = y;
    let rows_top = header_top + header_h;
    let rows_bottom = rows_top + ROW_H * g.rows.len() as f64;
    let footer = (g.rows.len() > 25).then_some(rows_bottom);
    let height = rows_bottom + footer.map_or(0.0, |_| header_h) + MARGIN;

    let mut s = String::with_capacity(
        g.rows
            .len()
            .saturating_mul(years)
            .saturating_mul(150)
            .min(1 << 24)
            + 4096,
    );
    let has_links = g
        .rows
        .iter()
        .any(|r| r.href.as_deref().is_some_and(safe_href));
    // With links the chart is not one image: its links must stay reachable.
    let role = if has_links { "group" } else { "img" };
    let title = esc(&g.title);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chiiki-gantt" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="{role}" aria-label="{title}" font-family="{FONT_FAMILY}" font-size="{f}" fill="#111">"##,
        W = num(width),
        H = num(height),
        f = num(FONT),
    );
    let _ = write!(
        s,
        "<title>{title}</title><desc>{}</desc>",
        esc(&words.description(g.rows.len(), first, years))
    );
    let _ = write!(
        s,
        r##"<defs><pattern id="{id}-leave" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2"/></pattern></defs>"##
    );
    let _ = write!(
        s,
        r##"<rect width="{}" height="{}" fill="#fff"/>"##,
        num(width),
        num(height)
    );
    if let Some(baseline) = heading {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="14" font-weight="bold">{title}</text>"#,
            num(MARGIN),
            num(baseline)
        );
    }
    draw_legend(&mut s, &legend, legend_top, &id);

    // Stripes on every other row, and the year grid.
    s.push_str(r##"<path class="stripes" fill="#f2f4f7" d=""##);
    for i in (1..g.rows.len()).step_by(2) {
        let _ = write!(
            s,
            "M0 {}h{}v{}H0z",
            num(rows_top + ROW_H * i as f64),
            num(width),
            num(ROW_H)
        );
    }
    s.push_str(r#""/>"#);
    s.push_str(r##"<path class="grid" fill="none" stroke="#c8ccd2" stroke-width="1" d=""##);
    for k in 0..=years {
        let _ = write!(
            s,
            "M{} {}V{}",
            num(x0 + col_w * k as f64),
            num(header_top),
            num(rows_bottom)
        );
    }
    s.push_str(r#""/>"#);
    year_header(&mut s, g.lang, first, years, x0, col_w, header_top);
    if let Some(top) = footer {
        year_header(&mut s, g.lang, first, years, x0, col_w, top);
    }

    // Three layers: the doctors (left), the bars with their tooltips, and the names in the
    // bars (which let the pointer through to their bar); then the designated bands and the
    // change marks on top, in one path each.
    let row_top = |i: usize| rows_top + ROW_H * i as f64;
    // Links are blue: set once on the group when every doctor has one.
    let all_links = g
        .rows
        .iter()
        .all(|r| r.href.as_deref().is_some_and(safe_href));
    s.push_str(if all_links {
        r##"<g class="doctors" fill="#0b5cad">"##
    } else {
        r#"<g class="doctors">"#
    });
    for (i, row) in g.rows.iter().enumerate() {
        let href = row.href.as_deref().filter(|h| safe_href(h));
        match href {
            Some(h) if all_links => {
                let _ = write!(s, r#"<a href="{}">"#, esc(h));
            }
            Some(h) => {
                let _ = write!(s, r##"<a href="{}" fill="#0b5cad">"##, esc(h));
            }
            None => {}
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}">"#,
            num(MARGIN),
            num(row_top(i) + TEXT_Y)
        );
        match fit(&row.label, label_w - 8.0, FONT) {
            None if row.label.trim().is_empty() => {}
            Some(Cow::Borrowed(shown)) => s.push_str(&esc(shown)),
            // Truncated: the full label in a tooltip.
            shown => {
                let _ = write!(
                    s,
                    "<title>{}</title>{}",
                    esc(&row.label),
                    esc(shown.as_deref().unwrap_or("…"))
                );
            }
        }
        s.push_str("</text>");
        if href.is_some() {
            s.push_str("</a>");
        }
    }
    s.push_str("</g>");

    let mut labels = String::new();
    let mut bands = String::new();
    let mut marks = String::new();
    let _ = write!(s, r#"<g class="bars" {BARS_STROKE}>"#);
    for (i, row) in g.rows.iter().enumerate() {
        let top = row_top(i);
        let y = top + BAR_TOP;
        for run in runs(&row.cells, years) {
            let bar_x = x0 + col_w * run.start as f64 + 1.0;
            let bar_end = x0 + col_w * (run.start + run.len) as f64 - 1.0;
            let span = words.years(first + run.start as i64, run.len);
            let (site, segments, notes) = match &run.what {
                RunKind::Leave => {
                    let _ = write!(
                        s,
                        r##"<g class="leave"><title>{}&#10;{span}</title><path d="{}" fill="url(#{id}-leave)" stroke="#777" stroke-dasharray="none"/></g>"##,
                        esc(words.leave),
                        rect_d(bar_x, y, bar_end - bar_x, BAR_H),
                    );
                    continue;
                }
                RunKind::Site {
                    site,
                    segments,
                    notes,
                } => (site, segments, notes),
            };
            s.push_str(if segments.iter().any(|g| g.changed) {
                r#"<g class="changed">"#
            } else {
                "<g>"
            });
            // Tooltip: the site; the years and the group; how each segment is drawn (on
            // the same line when there is one); the notes.
            let _ = write!(
                s,
                "<title>{}&#10;{span}{}{}",
                esc(&site.label),
                words.sep,
                esc(words.group(site.group)),
            );
            for g in segments {
                if segments.len() == 1 {
                    s.push_str(words.sep);
                } else {
                    let _ = write!(
                        s,
                        "&#10;{}{}",
                        words.years(first + g.start as i64, g.len),
                        words.colon
                    );
                }
                if g.designated {
                    let _ = write!(s, "{}{}", words.designated, words.sep);
                }
                s.push_str(words.kind(g.kind));
                if g.changed {
                    let _ = write!(s, "{}{}", words.sep, words.changed);
                }
            }
            for note in notes {
                let _ = write!(s, "&#10;{}", esc(note));
            }
            s.push_str("</title>");
            for g in segments {
                let sx = if g.start == run.start {
                    bar_x
                } else {
                    x0 + col_w * g.start as f64
                };
                let ex = if g.start + g.len == run.start + run.len {
                    bar_end
                } else {
                    x0 + col_w * (g.start + g.len) as f64
                };
                let _ = write!(
                    s,
                    r#"<path d="{}" fill="{}""#,
                    rect_d(sx, y, ex - sx, BAR_H),
                    fill(site.group, g.kind),
                );
                outline(&mut s, g.kind, g.changed);
                s.push_str("/>");
                if g.designated {
                    bands.push_str(&rect_d(sx, y + BAR_H - BAND_H, ex - sx, BAND_H));
                }
            }
            s.push_str("</g>");
            // One mark at the end of a bar with changed years (their outline tells which).
            let changed = segments.iter().any(|g| g.changed);
            if changed {
                let _ = write!(
                    marks,
                    "M{} {}h{}v{}z",
                    num(bar_end),
                    num(y),
                    num(-CHANGED_MARK),
                    num(CHANGED_MARK)
                );
            }
            // Room for the name, less the change mark.
            let room = bar_end - bar_x - 6.0 - if changed { CHANGED_MARK } else { 0.0 };
            if let Some(shown) = fit(&site.label, room, FONT) {
                let _ = write!(
                    labels,
                    r#"<text x="{}" y="{}">{}</text>"#,
                    num(bar_x + 3.0),
                    num(top + TEXT_Y),
                    esc(&shown)
                );
            }
        }
    }
    s.push_str("</g>");
    let _ = write!(s, r#"<g class="labels" pointer-events="none">{labels}</g>"#);
    if !bands.is_empty() {
        let _ = write!(
            s,
            r##"<path class="designated" fill="#222" pointer-events="none" d="{bands}"/>"##
        );
    }
    if !marks.is_empty() {
        let _ = write!(
            s,
            r##"<path class="changed-mark" fill="#000" pointer-events="none" d="{marks}"/>"##
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The outline of a bar (or a legend swatch) of this kind inside a group of
/// [`BARS_STROKE`]: none for past years, solid for fixed ones, dashed for planned ones, thick
/// and black when changed.
fn outline(s: &mut String, kind: CellKind, changed: bool) {
    if changed {
        let _ = write!(s, r##" stroke="#000" stroke-width="{CHANGED_STROKE}""##);
    } else if kind == CellKind::Past {
        s.push_str(r#" stroke="none""#);
    }
    if kind != CellKind::Planned && (changed || kind == CellKind::Fixed) {
        s.push_str(r#" stroke-dasharray="none""#);
    }
}

/// The years above (or below) the columns; in Japanese with the era year (令和9) beneath.
fn year_header(
    s: &mut String,
    lang: Lang,
    first: i64,
    years: usize,
    x0: f64,
    col_w: f64,
    top: f64,
) {
    s.push_str(r#"<g class="years" text-anchor="middle">"#);
    for k in 0..years {
        let year = first + k as i64;
        let x = num(x0 + col_w * (k as f64 + 0.5));
        let _ = write!(s, r#"<text x="{x}" y="{}">{year}</text>"#, num(top + 13.0));
        if lang == Lang::Ja
            && let Some(era) = i32::try_from(year)
                .ok()
                .and_then(|y| FiscalYear::new(y).ok())
                .map(FiscalYear::wareki)
        {
            let _ = write!(
                s,
                r##"<text x="{x}" y="{}" font-size="9" fill="#555">{}</text>"##,
                num(top + 25.0),
                esc(era.trim_end_matches("年度"))
            );
        }
    }
    s.push_str("</g>");
}

/// What a legend swatch shows.
#[derive(Debug, Clone, Copy)]
enum Swatch {
    Group(Option<FacilityGroup>),
    Designated,
    Leave,
    Kind(CellKind),
    Changed,
}

struct Legend {
    /// Swatch, label, x, line.
    items: Vec<(Swatch, &'static str, f64, usize)>,
    height: f64,
}

const SWATCH_W: f64 = 22.0;

/// The legend flowed into lines no wider than the chart.
fn legend_layout(words: &Words, changed: bool, no_group: bool, width: f64) -> Legend {
    let mut entries: Vec<(Swatch, &'static str)> = FacilityGroup::ALL
        .iter()
        .map(|g| (Swatch::Group(Some(*g)), g.label(words.lang)))
        .collect();
    if no_group {
        entries.push((Swatch::Group(None), words.no_group));
    }
    entries.extend([
        (Swatch::Designated, words.designated),
        (Swatch::Leave, words.leave),
        (Swatch::Kind(CellKind::Past), words.past),
        (Swatch::Kind(CellKind::Fixed), words.fixed),
        (Swatch::Kind(CellKind::Planned), words.planned),
    ]);
    if changed {
        entries.push((Swatch::Changed, words.changed));
    }
    let mut items = Vec::with_capacity(entries.len());
    let (mut x, mut line) = (MARGIN, 0);
    for (swatch, label) in entries {
        let w = SWATCH_W + 5.0 + text_width(label, FONT) + 14.0;
        if x > MARGIN && x + w > width - MARGIN {
            x = MARGIN;
            line += 1;
        }
        items.push((swatch, label, x, line));
        x += w;
    }
    Legend {
        height: ROW_H * (line + 1) as f64,
        items,
    }
}

/// The legend: the swatches drawn as the bars are (in a group of [`BARS_STROKE`]), then the
/// words.
fn draw_legend(s: &mut String, legend: &Legend, top: f64, id: &str) {
    let _ = write!(s, r#"<g class="legend"><g {BARS_STROKE}>"#);
    let mut words = String::new();
    for &(swatch, label, x, line) in &legend.items {
        let y = top + ROW_H * line as f64;
        let rect = |s: &mut String, fill: &str| {
            let _ = write!(
                s,
                r#"<path d="{}" fill="{fill}""#,
                rect_d(x, y + BAR_TOP, SWATCH_W, BAR_H)
            );
        };
        match swatch {
            Swatch::Group(group) => {
                rect(s, fill(group, CellKind::Past));
                outline(s, CellKind::Past, false);
            }
            Swatch::Designated => {
                rect(s, fill(None, CellKind::Past));
                outline(s, CellKind::Past, false);
                let _ = write!(
                    s,
                    r##"/><path fill="#222" stroke="none" d="{}""##,
                    rect_d(x, y + BAR_TOP + BAR_H - BAND_H, SWATCH_W, BAND_H)
                );
            }
            Swatch::Leave => {
                rect(s, &format!("url(#{id}-leave)"));
                s.push_str(r##" stroke="#777" stroke-dasharray="none""##);
            }
            Swatch::Kind(kind) => {
                rect(s, fill(None, kind));
                outline(s, kind, false);
            }
            Swatch::Changed => {
                rect(s, "#fff");
                outline(s, CellKind::Fixed, true);
                let _ = write!(
                    s,
                    r##"/><path fill="#000" stroke="none" d="M{} {}h{}v{}z""##,
                    num(x + SWATCH_W),
                    num(y + BAR_TOP),
                    num(-CHANGED_MARK),
                    num(CHANGED_MARK)
                );
            }
        }
        s.push_str("/>");
        let _ = write!(
            words,
            r#"<text x="{}" y="{}">{}</text>"#,
            num(x + SWATCH_W + 5.0),
            num(y + TEXT_Y),
            esc(label)
        );
    }
    let _ = write!(s, "</g>{words}</g>");
}

/// The chart of nothing: the title and a line saying there is nothing to show.
fn no_data(g: &Gantt, words: &Words) -> String {
    let title = esc(&g.title);
    let shown = if g.title.trim().is_empty() {
        String::new()
    } else {
        format!(
            r#"<text x="{}" y="18" font-size="14" font-weight="bold">{title}</text>"#,
            num(MARGIN)
        )
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chiiki-gantt no-data" viewBox="0 0 360 64" width="360" height="64" role="img" aria-label="{title}" font-family="{FONT_FAMILY}" font-size="{f}" fill="#111"><title>{title}</title><rect width="360" height="64" fill="#fff"/>{shown}<text x="{m}" y="44" fill="#555">{}</text></svg>
"##,
        esc(words.no_data),
        f = num(FONT),
        m = num(MARGIN),
    )
}

/// The text, or its beginning and "…", in at most `max` wide; `None` when not even one
/// character and the ellipsis fit.
fn fit(s: &str, max: f64, font: f64) -> Option<Cow<'_, str>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if text_width(s, font) <= max {
        return Some(Cow::Borrowed(s));
    }
    let room = max / font - char_width('…');
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        used += char_width(c);
        if used > room {
            break;
        }
        end = i + c.len_utf8();
    }
    (end > 0).then(|| Cow::Owned(format!("{}…", s[..end].trim_end())))
}

/// Path data of a rectangle.
fn rect_d(x: f64, y: f64, w: f64, h: f64) -> String {
    format!("M{} {}h{}v{}h{}z", num(x), num(y), num(w), num(h), num(-w))
}

/// A made-up cohort, the same every time, for benchmarks, tests and previews: `doctors` rows
/// over `years` fiscal years from 2025 (two past years, one fixed, the rest planned), stints
/// of one to three years at twelve sites of the four groups, some leave, some changed years,
/// some rows ending early (the obligation over), every row linked.
pub fn sample(doctors: usize, years: usize, lang: Lang) -> Gantt {
    const SITES: [(&str, FacilityGroup, bool); 12] = [
        ("医科大学附属病院", FacilityGroup::University, false),
        ("県立中央病院", FacilityGroup::LargeMedium, false),
        ("県立胆江総合病院", FacilityGroup::LargeMedium, false),
        ("県立両磐医療センター", FacilityGroup::LargeMedium, false),
        ("市立北上総合病院", FacilityGroup::LargeMedium, false),
        ("県立沿岸中部病院", FacilityGroup::DesignatedShortage, true),
        (
            "県立宮古地域医療センター",
            FacilityGroup::DesignatedShortage,
            true,
        ),
        ("県立久慈病院", FacilityGroup::DesignatedShortage, true),
        ("町立山間診療所", FacilityGroup::Small, true),
        ("国保北部病院", FacilityGroup::Small, true),
        ("市立南部診療所", FacilityGroup::Small, false),
        ("県立遠野地域病院", FacilityGroup::Small, false),
    ];
    const FAMILY: [&str; 10] = [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    ];
    const GIVEN: [&str; 10] = [
        "一郎", "花子", "健太", "美咲", "大輔", "陽子", "翔太", "由美", "拓也", "真理",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) % n.max(1) as u64) as usize
    };
    let rows = (0..doctors)
        .map(|d| {
            let end = years.saturating_sub(if next(4) == 0 { next(3) } else { 0 });
            let mut cells = Vec::with_capacity(years);
            while cells.len() < end {
                let year = cells.len();
                if year > 0 && next(20) == 0 {
                    cells.push(Cell::Leave);
                    continue;
                }
                let (label, group, designated) = if year < 2 {
                    SITES[0]
                } else {
                    SITES[next(SITES.len())]
                };
                let stint = 1 + next(3);
                for _ in 0..stint.min(end - year) {
                    let year = cells.len();
                    cells.push(Cell::Site(Site {
                        label: label.to_owned(),
                        group: Some(group),
                        designated,
                        kind: match year {
                            0 | 1 => CellKind::Past,
                            2 => CellKind::Fixed,
                            _ => CellKind::Planned,
                        },
                        changed: year > 2 && next(25) == 0,
                        note: String::new(),
                    }));
                }
            }
            let name = format!(
                "{} {} ({:03})",
                FAMILY[d % FAMILY.len()],
                GIVEN[(d / FAMILY.len() + d) % GIVEN.len()],
                d + 1
            );
            GanttRow {
                label: name,
                href: Some(format!("/doctors/{}", d + 1)),
                cells,
            }
        })
        .collect();
    Gantt {
        first_year: 2025,
        years,
        rows,
        lang,
        title: match lang {
            Lang::Ja => "配置計画（サンプル）".to_owned(),
            Lang::En => "Rotation plans (sample)".to_owned(),
        },
        id_prefix: "sample".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(label: &str, group: Option<FacilityGroup>, kind: CellKind) -> Cell {
        Cell::Site(Site {
            label: label.to_owned(),
            group,
            designated: false,
            kind,
            changed: false,
            note: String::new(),
        })
    }

    fn one_row(cells: Vec<Cell>, years: usize) -> Gantt {
        Gantt {
            first_year: 2027,
            years,
            rows: vec![GanttRow {
                label: "佐藤 一郎".into(),
                href: None,
                cells,
            }],
            lang: Lang::Ja,
            title: "配置計画".into(),
            id_prefix: String::new(),
        }
    }

    /// Checks that `s` is one well-formed XML element: tags balanced and properly nested,
    /// attributes quoted and unique, no `<` in values, every `&` an entity, nothing but
    /// whitespace outside the root. (No XML parser is a dependency of the workspace.)
    fn well_formed(s: &str) -> Result<(), String> {
        fn entity_ok(rest: &str) -> bool {
            let Some(end) = rest.find(';') else {
                return false;
            };
            let e = &rest[1..end];
            matches!(e, "amp" | "lt" | "gt" | "quot" | "apos")
                || e.strip_prefix("#x")
                    .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                || e.strip_prefix('#')
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
        }
        fn is_name(n: &str) -> bool {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        }
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            if let Some(tail) = rest.strip_prefix("</") {
                let end = tail.find('>').ok_or("unclosed end tag")?;
                let name = tail[..end].trim_end();
                match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?} at {i}")),
                }
                i += 2 + end + 1;
            } else if rest.starts_with("<!--") {
                i += rest.find("-->").ok_or("unclosed comment")? + 3;
            } else if let Some(tail) = rest.strip_prefix('<') {
                let name_end = tail
                    .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                    .ok_or("unclosed tag")?;
                let name = &tail[..name_end];
                if !is_name(name) {
                    return Err(format!("bad tag name {name:?} at {i}"));
                }
                if stack.is_empty() {
                    roots += 1;
                }
                let mut j = 1 + name_end;
                let mut seen: Vec<&str> = Vec::new();
                loop {
                    let r = s[i + j..].trim_start();
                    j = s.len() - i - r.len();
                    if r.starts_with("/>") {
                        j += 2;
                        break;
                    }
                    if r.starts_with('>') {
                        j += 1;
                        stack.push(name);
                        break;
                    }
                    let eq = r
                        .find('=')
                        .ok_or(format!("attribute without value at {i}"))?;
                    let attr = r[..eq].trim();
                    if !is_name(attr) || seen.contains(&attr) {
                        return Err(format!("bad or repeated attribute {attr:?} at {i}"));
                    }
                    seen.push(attr);
                    let v = r[eq + 1..].trim_start();
                    let v = v
                        .strip_prefix('"')
                        .ok_or(format!("unquoted attribute {attr} at {i}"))?;
                    let close = v.find('"').ok_or("unclosed attribute value")?;
                    let value = &v[..close];
                    if value.contains('<') {
                        return Err(format!("< in attribute {attr} at {i}"));
                    }
                    for (k, _) in value.match_indices('&') {
                        if !entity_ok(&value[k..]) {
                            return Err(format!("bare & in attribute {attr} at {i}"));
                        }
                    }
                    j = s.len() - i - v.len() + close + 1;
                }
                i += j;
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = &rest[..end];
                if stack.is_empty() && !text.trim().is_empty() {
                    return Err(format!("text outside the root at {i}"));
                }
                for (k, _) in text.match_indices('&') {
                    if !entity_ok(&text[k..]) {
                        return Err(format!("bare & in text at {}", i + k));
                    }
                }
                i += end;
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed {stack:?}"));
        }
        if roots != 1 {
            return Err(format!("{roots} root elements"));
        }
        Ok(())
    }

    #[test]
    fn the_checker_refuses_broken_xml() {
        assert!(well_formed("<svg><g></g></svg>").is_ok());
        for bad in [
            "<svg><g></svg>",
            "<svg></svg><svg></svg>",
            "<svg a=\"<\"/>",
            "<svg>&</svg>",
            "<svg a=\"1\" a=\"2\"/>",
            "<svg a=1/>",
            "<svg>",
        ] {
            assert!(well_formed(bad).is_err(), "{bad}");
        }
    }

    /// The site bars of an SVG: each `<g>` with a tooltip, up to its `</g>`.
    fn site_bars(svg: &str) -> Vec<&str> {
        svg.match_indices("<title>")
            .filter(|(i, _)| {
                svg[..*i].ends_with("<g>") || svg[..*i].ends_with(r#"<g class="changed">"#)
            })
            .map(|(i, _)| &svg[i..i + svg[i..].find("</g>").unwrap()])
            .collect()
    }

    #[test]
    fn consecutive_years_at_a_site_merge_into_one_bar() {
        let uni = |kind| site("医科大学附属病院", Some(FacilityGroup::University), kind);
        let central = || {
            site(
                "県立中央病院",
                Some(FacilityGroup::LargeMedium),
                CellKind::Planned,
            )
        };
        let cells = vec![
            uni(CellKind::Past),
            uni(CellKind::Past),
            uni(CellKind::Past),
            central(),
            central(),
            site(
                "県立宮古地域医療センター",
                Some(FacilityGroup::DesignatedShortage),
                CellKind::Planned,
            ),
            Cell::Empty,
            // The same site past and fixed: one bar of two segments.
            uni(CellKind::Past),
            uni(CellKind::Fixed),
            Cell::Leave,
            Cell::Leave,
            // The same name in another group is another site.
            site("県立中央病院", None, CellKind::Planned),
        ];
        let bars = runs(&cells, 12);
        let spans: Vec<(usize, usize)> = bars.iter().map(|r| (r.start, r.len)).collect();
        assert_eq!(spans, [(0, 3), (3, 2), (5, 1), (7, 2), (9, 2), (11, 1)]);
        let RunKind::Site { segments, .. } = &bars[3].what else {
            panic!("{:?}", bars[3]);
        };
        assert_eq!(
            segments
                .iter()
                .map(|g| (g.start, g.len, g.kind))
                .collect::<Vec<_>>(),
            [(7, 1, CellKind::Past), (8, 1, CellKind::Fixed)]
        );
        let svg = render(&one_row(cells, 12));
        well_formed(&svg).unwrap();
        let drawn = site_bars(&svg);
        assert_eq!(drawn.len(), 5, "{svg}");
        assert_eq!(svg.matches(r#"<g class="leave">"#).count(), 1);
        // Three columns of 70 px: one bar 1 px inside the grid lines, one label.
        assert!(
            drawn[0].contains(r##"h208v15h-208z" fill="#7ad" stroke="none"/>"##),
            "{}",
            drawn[0]
        );
        assert!(drawn[0].contains("医科大学附属病院&#10;2027–2029年度（3年）・大学・実績</title>"));
        assert!(svg.contains("2030–2031年度（2年）"));
        // The name fits the longer bars, and is cut short in the one-year bar.
        assert_eq!(svg.matches(">医科大学附属病院</text>").count(), 2);
        assert!(svg.contains(">県立宮古…</text>"), "{svg}");
        // One name per bar, in the layer of names.
        let names = svg.split(r#"<g class="labels""#).nth(1).unwrap();
        assert_eq!(
            names[..names.find("</g>").unwrap()]
                .matches("<text")
                .count(),
            5
        );
        // Two segments: past (no outline) and fixed (outlined), each year's kind
        // in the tooltip.
        assert_eq!(drawn[3].matches("<path").count(), 2);
        assert!(
            drawn[3].contains("&#10;2034年度：実績&#10;2035年度：確定</title>"),
            "{}",
            drawn[3]
        );
        assert!(drawn[4].contains("・施設群なし・計画"));
        // Years in both calendars.
        assert!(svg.contains(">2027</text>") && svg.contains(">令和9</text>"));
        let mut g = one_row(vec![Cell::Leave], 1);
        g.first_year = 2019;
        assert!(render(&g).contains(">令和元</text>"));
        g.lang = Lang::En;
        assert!(!render(&g).contains("令和"));
    }

    #[test]
    fn notes_of_merged_years_are_listed_once() {
        let with_note = |note: &str| {
            Cell::Site(Site {
                label: "県立中央病院".into(),
                group: Some(FacilityGroup::LargeMedium),
                designated: true,
                kind: CellKind::Planned,
                changed: false,
                note: note.into(),
            })
        };
        let cells = vec![with_note("専門研修"), with_note("専門研修"), with_note("")];
        let bars = runs(&cells, 3);
        assert_eq!(bars.len(), 1);
        assert!(matches!(&bars[0].what, RunKind::Site { notes, .. } if notes == &["専門研修"]));
        let svg = render(&one_row(cells, 3));
        assert_eq!(svg.matches("専門研修").count(), 1);
        // Designated: the band under the bar, and the word in the tooltip.
        assert!(svg.contains(r#"<path class="designated""#));
        assert!(svg.contains("・指定勤務・計画"), "{svg}");
    }

    #[test]
    fn all_text_is_escaped() {
        let nasty = r#"<&>"'"#;
        let mut g = one_row(
            vec![Cell::Site(Site {
                label: format!("病院{nasty}"),
                group: None,
                designated: false,
                kind: CellKind::Fixed,
                changed: true,
                note: nasty.into(),
            })],
            1,
        );
        g.title = nasty.into();
        g.rows[0].label = format!("医師{nasty}\u{1}");
        g.rows[0].href = Some(format!("/doctors/1?a=1&b={nasty}"));
        g.id_prefix = "\"><script>".into();
        for lang in [Lang::Ja, Lang::En] {
            g.lang = lang;
            let svg = render(&g);
            well_formed(&svg).unwrap();
            assert!(!svg.contains(nasty) && !svg.contains("<script") && !svg.contains('\u{1}'));
            assert!(svg.contains("&lt;&amp;&gt;&quot;&#39;"), "{svg}");
            assert!(svg.contains(r#"href="/doctors/1?a=1&amp;b=&lt;&amp;&gt;&quot;&#39;""#));
            assert!(svg.contains(r#"aria-label="&lt;&amp;&gt;&quot;&#39;""#));
        }
        let empty = Gantt {
            title: nasty.into(),
            ..Gantt::default()
        };
        let svg = render(&empty);
        well_formed(&svg).unwrap();
        assert!(!svg.contains(nasty));
    }

    #[test]
    fn only_changed_years_have_the_strong_outline_and_mark() {
        let cell = |label: &str, changed: bool, kind: CellKind| {
            Cell::Site(Site {
                label: label.into(),
                group: Some(FacilityGroup::Small),
                designated: false,
                kind,
                changed,
                note: String::new(),
            })
        };
        let cells = vec![
            cell("A", false, CellKind::Past),
            cell("B", false, CellKind::Fixed),
            cell("C", true, CellKind::Fixed),
            cell("C", true, CellKind::Fixed),
            cell("D", false, CellKind::Planned),
            cell("E", true, CellKind::Planned),
            // One bar: a fixed year, then a changed planned one.
            cell("F", false, CellKind::Fixed),
            cell("F", true, CellKind::Planned),
        ];
        let svg = render(&one_row(cells, 8));
        well_formed(&svg).unwrap();
        let strong = format!(r##"stroke="#000" stroke-width="{CHANGED_STROKE}""##);
        let bars = site_bars(&svg);
        assert_eq!(bars.len(), 6);
        let paths = |bar: &str| -> Vec<String> {
            bar.split("<path")
                .skip(1)
                .map(|p| p[..p.find("/>").unwrap()].to_owned())
                .collect()
        };
        for (bar, changed) in bars.iter().zip([false, false, true, false, true]) {
            assert_eq!(paths(bar).len(), 1);
            assert_eq!(paths(bar)[0].contains(&strong), changed, "{bar}");
            assert_eq!(bar.contains("・変更"), changed, "{bar}");
        }
        let mixed = paths(bars[5]);
        assert_eq!(mixed.len(), 2);
        assert!(
            !mixed[0].contains(&strong) && mixed[1].contains(&strong),
            "{mixed:?}"
        );
        assert!(bars[5].contains("：計画・変更"), "{}", bars[5]);
        assert_eq!(svg.matches(r#"<g class="changed">"#).count(), 3);
        assert_eq!(
            svg.matches(&strong).count(),
            3 + 1,
            "three bars and the legend"
        );
        // One corner mark per bar with changes, in one path; the legend shows the mark.
        let marks = svg
            .split(r#"<path class="changed-mark""#)
            .nth(1)
            .expect("the marks");
        assert_eq!(marks[..marks.find("/>").unwrap()].matches('M').count(), 3);
        assert!(svg.contains(">変更</text>"));
        // The bars are outlined dashed (planned); past years have no outline, fixed years a
        // solid one.
        assert!(svg.contains(&format!(r#"<g class="bars" {BARS_STROKE}>"#)));
        assert!(paths(bars[0])[0].ends_with(r##"fill="#ed8" stroke="none""##));
        assert!(paths(bars[1])[0].ends_with(r##"fill="#ed8" stroke-dasharray="none""##));
        assert!(paths(bars[3])[0].ends_with(r##"fill="#eeb""##));
        // Without changes there is no mark and no legend entry.
        let svg = render(&one_row(vec![cell("A", false, CellKind::Fixed)], 1));
        assert!(!svg.contains("changed") && !svg.contains(">変更</text>"));
    }

    #[test]
    fn leave_is_hatched_with_one_pattern() {
        let cells = vec![
            Cell::Leave,
            site("A", None, CellKind::Past),
            Cell::Leave,
            Cell::Leave,
        ];
        let mut g = one_row(cells, 4);
        g.rows.push(g.rows[0].clone());
        g.id_prefix = "plan-7".into();
        let svg = render(&g);
        well_formed(&svg).unwrap();
        assert_eq!(svg.matches("<pattern").count(), 1);
        assert!(svg.contains(r#"<defs><pattern id="plan-7-leave""#));
        // Two bars per row and the legend's swatch.
        assert_eq!(svg.matches(r#"fill="url(#plan-7-leave)""#).count(), 5);
        assert!(svg.contains("<title>休業・休職&#10;2029–2030年度（2年）</title>"));
        assert!(svg.contains(">施設群なし</text>"));
    }

    #[test]
    fn row_labels_link_when_given_a_safe_href() {
        let mut g = one_row(vec![site("A", None, CellKind::Past)], 1);
        g.rows[0].href = Some("/doctors/42".into());
        for (label, href) in [
            ("no link", None),
            ("script", Some("javascript:alert(1)")),
            ("data", Some(" DATA:text/html,x")),
            ("absolute", Some("https://example.org/d/1")),
        ] {
            g.rows.push(GanttRow {
                label: label.into(),
                href: href.map(Into::into),
                cells: vec![Cell::Leave],
            });
        }
        let svg = render(&g);
        well_formed(&svg).unwrap();
        assert!(svg.contains(r#"role="group""#));
        assert!(svg.contains(r##"<a href="/doctors/42" fill="#0b5cad"><text x="8" y="##));
        assert!(svg.contains(r#"<a href="https://example.org/d/1""#));
        assert_eq!(svg.matches("<a ").count(), 2);
        assert!(!svg.to_ascii_lowercase().contains("javascript:") && !svg.contains("DATA:"));
        // Without links the chart is one image.
        g.rows.iter_mut().for_each(|r| r.href = None);
        assert!(render(&g).contains(r#"role="img""#));
    }

    #[test]
    fn long_row_labels_are_cut_with_the_full_label_in_a_tooltip() {
        let long = "とても長い名前の医師とても長い名前の医師とても長い名前の医師";
        let mut g = one_row(vec![Cell::Leave], 1);
        g.rows[0].label = long.into();
        let svg = render(&g);
        well_formed(&svg).unwrap();
        assert!(svg.contains(&format!("<title>{long}</title>とても長い")));
        assert!(svg.contains("…</text>"));
    }

    #[test]
    fn odd_input_draws_without_panicking() {
        // No years, no rows: the "no data" chart.
        for g in [
            Gantt::default(),
            one_row(vec![site("A", None, CellKind::Past)], 0),
            Gantt {
                years: 10,
                lang: Lang::En,
                ..Gantt::default()
            },
        ] {
            let svg = render(&g);
            well_formed(&svg).unwrap();
            assert!(svg.contains("no-data"));
            assert!(
                svg.contains("表示する配置計画がありません")
                    || svg.contains("No rotation plan to show")
            );
        }
        // Too few and too many cells, a row without cells, extreme years.
        let mut g = one_row(vec![site("A", None, CellKind::Past); 30], 5);
        g.rows.push(GanttRow::default());
        g.rows.push(GanttRow {
            label: "short".into(),
            href: None,
            cells: vec![Cell::Leave],
        });
        let svg = render(&g);
        well_formed(&svg).unwrap();
        assert_eq!(site_bars(&svg).len(), 1);
        assert!(svg.contains("2027–2031年度（5年）"));
        assert!(!svg.contains(">2032</text>"));
        g.first_year = i32::MAX;
        g.years = usize::MAX;
        let svg = render(&g);
        well_formed(&svg).unwrap();
        assert_eq!(svg.matches(r#"<g class="years""#).count(), 1);
        assert!(svg.contains(&format!(">{}</text>", i64::from(i32::MAX) + 29)));
        g.first_year = i32::MIN;
        well_formed(&render(&g)).unwrap();
    }

    #[test]
    fn a_cohort_of_300_is_well_formed_small_and_deterministic() {
        for lang in [Lang::Ja, Lang::En] {
            let g = sample(300, 10, lang);
            let svg = render(&g);
            well_formed(&svg).unwrap();
            assert_eq!(svg, render(&g));
            assert_eq!(svg.matches("<a href=").count(), 300);
            assert!(
                svg.contains(r##"<g class="doctors" fill="#0b5cad"><a href="/doctors/1"><text"##)
            );
            assert!(svg.contains(r#"<path class="designated""#));
            assert!(svg.contains(r#"<g class="leave">"#));
            assert!(svg.contains(r#"<g class="changed">"#));
            // The years are drawn above and below a long chart.
            assert_eq!(svg.matches(r#"<g class="years""#).count(), 2);
            println!(
                "300 × 10 ({lang:?}): {} bytes, {} site bars",
                svg.len(),
                site_bars(&svg).len()
            );
            assert!(svg.len() < 400_000, "{} bytes", svg.len());
        }
        // Fifteen years fit as well.
        let svg = render(&sample(300, 15, Lang::Ja));
        well_formed(&svg).unwrap();
        println!("300 × 15: {} bytes", svg.len());
        assert!(svg.len() < 600_000);
    }

    /// Writes a small and a 300-row chart for a look:
    /// `cargo test -p chiiki-report gantt::tests::write_samples -- --ignored`.
    #[test]
    #[ignore]
    fn write_samples() {
        let mut small = sample(12, 10, Lang::Ja);
        // A replanning diff and a note, so the sample shows everything.
        if let Some(Cell::Site(s)) = small.rows[0].cells.get_mut(6) {
            s.changed = true;
            s.note = "再計画で変更（前: 県立中央病院）".into();
        }
        small.rows[1].cells.truncate(7);
        std::fs::write("/tmp/gantt-sample.svg", render(&small)).unwrap();
        std::fs::write("/tmp/gantt-300.svg", render(&sample(300, 10, Lang::Ja))).unwrap();
        std::fs::write(
            "/tmp/gantt-sample-en.svg",
            render(&sample(12, 10, Lang::En)),
        )
        .unwrap();
    }

    fn any_cell() -> impl proptest::strategy::Strategy<Value = Cell> {
        use proptest::prelude::*;
        let group = proptest::option::of(proptest::sample::select(FacilityGroup::ALL.to_vec()));
        let kind =
            proptest::sample::select(vec![CellKind::Past, CellKind::Fixed, CellKind::Planned]);
        prop_oneof![
            Just(Cell::Empty),
            Just(Cell::Leave),
            (
                proptest::sample::select(vec!["A", "県立中央病院", "", " <&> ", "x\u{0}y"]),
                group,
                any::<bool>(),
                kind,
                any::<bool>(),
                ".{0,8}",
            )
                .prop_map(|(label, group, designated, kind, changed, note)| {
                    Cell::Site(Site {
                        label: label.to_owned(),
                        group,
                        designated,
                        kind,
                        changed,
                        note,
                    })
                }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_rows_draw_one_well_formed_svg(
            rows in proptest::collection::vec(
                (".{0,30}", proptest::option::of(".{0,20}"), proptest::collection::vec(any_cell(), 0..20)),
                0..8,
            ),
            years in 0usize..18,
            first_year in proptest::prelude::any::<i32>(),
            en in proptest::prelude::any::<bool>(),
            title in ".{0,20}",
            id_prefix in ".{0,10}",
        ) {
            let g = Gantt {
                first_year,
                years,
                rows: rows
                    .into_iter()
                    .map(|(label, href, cells)| GanttRow { label, href, cells })
                    .collect(),
                lang: if en { Lang::En } else { Lang::Ja },
                title,
                id_prefix,
            };
            let svg = render(&g);
            proptest::prop_assert!(svg.starts_with("<svg "));
            proptest::prop_assert_eq!(svg.matches("<svg").count(), 1);
            proptest::prop_assert!(svg.ends_with("</svg>\n"));
            proptest::prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
            if let Err(e) = well_formed(&svg) {
                proptest::prop_assert!(false, "{}: {}", e, svg);
            }
        }
    }
}
