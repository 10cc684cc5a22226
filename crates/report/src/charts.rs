//! Charts as SVG (plotters' SVG back end: no fonts, no scripts, no external assets), inlined
//! in the pages and the printed report. A missing value is drawn as a gap (a broken line, no
//! bar), never as zero; every chart has a text alternative in the tables beside it.

use chiiki_analytics::{BANDS, CutOffs, Population, population::BAND_LABELS};
use plotters::prelude::*;

/// Drawing failed (a bug: the SVG back end writes to a string).
#[derive(Debug, Clone, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn e(x: impl std::fmt::Display) -> ChartError {
    ChartError(x.to_string())
}

/// The colours of the three classes, shared by the charts and the maps.
pub const SHORTAGE: RGBColor = RGBColor(163, 49, 11);
pub const INTERMEDIATE: RGBColor = RGBColor(11, 92, 173);
pub const SURPLUS: RGBColor = RGBColor(29, 107, 53);

/// The colour of a class.
pub fn class_colour(class: chiiki_analytics::Class) -> RGBColor {
    match class {
        chiiki_analytics::Class::Shortage => SHORTAGE,
        chiiki_analytics::Class::Intermediate => INTERMEDIATE,
        chiiki_analytics::Class::Surplus => SURPLUS,
    }
}

/// The legend of the series, top right on a pale ground.
fn series_labels<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>) -> Result<(), ChartError>
where
    DB: DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)
}

/// `#rrggbb` of a colour.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The index of each area as bars, with the 2024 cut-offs (179.3, 217.6) and the national
/// value as lines. `labels` and `values` are in the same order.
pub fn index_bars(labels: &[String], values: &[f64], national: f64) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let width = (80 + 46 * labels.len() as u32).clamp(480, 1200);
        let root = SVGBackend::with_string(&mut svg, (width, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        let top = values.iter().copied().fold(national, f64::max) * 1.1;
        let n = labels.len() as i32;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(44)
            .build_cartesian_2d((0..n.max(1)).into_segmented(), 0.0..top)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len().max(1))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_desc("医師偏在指標")
            .draw()
            .map_err(e)?;
        let (shortage, surplus) = (SHORTAGE, SURPLUS);
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let colour = class_colour(CutOffs::R6.classify(*v));
                let i = i as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), *v),
                    ],
                    colour.mix(0.85).filled(),
                );
                bar.set_margin(0, 0, 4, 4);
                bar
            }))
            .map_err(e)?;
        for (y, colour) in [
            (CutOffs::R6.shortage_max, shortage),
            (CutOffs::R6.surplus_min, surplus),
            (national, BLACK),
        ] {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![
                        (SegmentValue::Exact(0), y),
                        (SegmentValue::Exact(n.max(1)), y),
                    ],
                    colour.stroke_width(2),
                )))
                .map_err(e)?;
        }
        root.present().map_err(e)?;
    }
    Ok(svg)
}

/// One line of a [`lines`] chart; `None` values break the line.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub colour: RGBColor,
}

/// A palette for lines, told apart also by their dash and markers in print.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(11, 92, 173),
    RGBColor(163, 49, 11),
    RGBColor(29, 107, 53),
    RGBColor(120, 60, 150),
    RGBColor(200, 120, 0),
    RGBColor(0, 130, 140),
    RGBColor(90, 90, 90),
    RGBColor(180, 40, 110),
    RGBColor(110, 110, 0),
    RGBColor(40, 40, 160),
];

/// Values over the years, one line per series, with an optional reference line (such as
/// 100 for an index whose base year is 100). Missing values are gaps.
pub fn lines(
    years: &[i32],
    series: &[Series],
    y_desc: &str,
    reference: Option<f64>,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        let finite = series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .copied()
            .chain(reference)
            .filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let (lo, hi) = if lo.is_finite() && hi.is_finite() {
            let pad = ((hi - lo) * 0.08).max(1.0);
            (lo - pad, hi + pad)
        } else {
            (0.0, 1.0)
        };
        let (x0, x1) = match (years.first(), years.last()) {
            (Some(a), Some(b)) if b > a => (*a, *b),
            (Some(a), _) => (*a, *a + 1),
            _ => (0, 1),
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, lo..hi)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_labels(years.len().clamp(2, 12))
            .x_label_formatter(&|y| y.to_string())
            .y_desc(y_desc)
            .draw()
            .map_err(e)?;
        if let Some(r) = reference {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, r), (x1, r)],
                    BLACK.stroke_width(1),
                )))
                .map_err(e)?;
        }
        for s in series {
            // Runs of present values, each drawn as its own line.
            let mut run: Vec<(i32, f64)> = Vec::new();
            let mut runs = Vec::new();
            for (y, v) in years.iter().zip(&s.values) {
                match v.filter(|v| v.is_finite()) {
                    Some(v) => run.push((*y, v)),
                    None => runs.push(std::mem::take(&mut run)),
                }
            }
            runs.push(run);
            let colour = s.colour;
            let mut first = true;
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                let points = run.clone();
                let drawn = chart
                    .draw_series(LineSeries::new(run, colour.stroke_width(2)))
                    .map_err(e)?;
                if first {
                    drawn.label(s.name.clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                    });
                    first = false;
                }
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 3, colour.filled())),
                    )
                    .map_err(e)?;
            }
        }
        if !series.is_empty() {
            series_labels(&mut chart)?;
        }
        root.present().map_err(e)?;
    }
    Ok(svg)
}

/// A population pyramid: men to the left, women to the right, by five-year band, with an
/// optional second year drawn as an outline over the first.
pub fn pyramid(
    base: &Population,
    base_label: &str,
    other: Option<(&Population, &str)>,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        let max = std::iter::once(base)
            .chain(other.map(|(p, _)| p))
            .flat_map(|p| p.male.iter().chain(&p.female))
            .copied()
            .fold(0.0_f64, f64::max)
            .max(1.0)
            * 1.05;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(52)
            .build_cartesian_2d(-max..max, (0..BANDS as i32).into_segmented())
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(BANDS)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => BAND_LABELS
                    .get(*i as usize)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|x| format!("{:.0}", x.abs()))
            .x_desc("人 (男 ← → 女)")
            .draw()
            .map_err(e)?;
        let men = RGBColor(11, 92, 173);
        let women = RGBColor(190, 60, 90);
        let bar = |b: usize, from: f64, to: f64, style: ShapeStyle| {
            let mut r = Rectangle::new(
                [
                    (from, SegmentValue::Exact(b as i32)),
                    (to, SegmentValue::Exact(b as i32 + 1)),
                ],
                style,
            );
            r.set_margin(1, 1, 0, 0);
            r
        };
        chart
            .draw_series((0..BANDS).flat_map(|b| {
                [
                    bar(b, -base.male[b], 0.0, men.mix(0.75).filled()),
                    bar(b, 0.0, base.female[b], women.mix(0.75).filled()),
                ]
            }))
            .map_err(e)?
            .label(base_label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], men.filled()));
        if let Some((p, label)) = other {
            chart
                .draw_series((0..BANDS).flat_map(|b| {
                    [
                        bar(b, -p.male[b], 0.0, BLACK.stroke_width(1)),
                        bar(b, 0.0, p.female[b], BLACK.stroke_width(1)),
                    ]
                }))
                .map_err(e)?
                .label(label)
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLACK.stroke_width(1))
                });
        }
        series_labels(&mut chart)?;
        root.present().map_err(e)?;
    }
    Ok(svg)
}

/// Reported and necessary beds by function as pairs of bars; a missing figure draws no bar.
pub fn bed_bars(
    functions: &[String],
    reported: &[Option<f64>],
    necessary: &[Option<f64>],
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        let top = reported
            .iter()
            .chain(necessary)
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .fold(1.0_f64, f64::max)
            * 1.1;
        let n = functions.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..top)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(functions.len().max(1))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    functions.get(*i as usize).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .y_desc("病床数")
            .draw()
            .map_err(e)?;
        let reported_colour = RGBColor(11, 92, 173);
        let necessary_colour = RGBColor(200, 120, 0);
        for (values, colour, label, left) in [
            (reported, reported_colour, "病床機能報告 (2025)", true),
            (necessary, necessary_colour, "必要病床数 (2025)", false),
        ] {
            chart
                .draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                    let v = v.filter(|v| v.is_finite())?;
                    let i = i as i32;
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (SegmentValue::Exact(i + 1), v),
                        ],
                        colour.mix(0.85).filled(),
                    );
                    // Each function's segment holds the two bars side by side.
                    if left {
                        bar.set_margin(0, 0, 6, 40);
                    } else {
                        bar.set_margin(0, 0, 40, 6);
                    }
                    Some(bar)
                }))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        series_labels(&mut chart)?;
        root.present().map_err(e)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_lines() {
        let svg = index_bars(&["盛岡".into(), "釜石".into()], &[244.6, 107.8], 255.6).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("盛岡") && svg.contains("釜石"));
        for colour in ["#A3310B", "#1D6B35", "#000000"] {
            assert!(
                svg.contains(&format!(r#"stroke="{colour}" stroke-width="2""#)),
                "the line in {colour}: the two cut-offs and the national value"
            );
        }
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn lines_break_at_gaps() {
        let svg = lines(
            &[2020, 2025, 2030, 2035],
            &[Series {
                name: "釜石".into(),
                values: vec![Some(100.0), Some(96.0), None, Some(88.0)],
                colour: PALETTE[0],
            }],
            "2020年 = 100",
            Some(100.0),
        )
        .unwrap();
        assert!(svg.contains("釜石"));
        // Two runs: a line of two points, and a lone point after the gap; no line crosses it.
        let series_lines: Vec<&str> = svg
            .lines()
            .filter(|l| {
                l.starts_with("<polyline") && l.contains(r##"stroke="#0B5CAD" stroke-width="2""##)
            })
            .collect();
        assert!(
            series_lines.iter().any(|l| l.matches(',').count() == 2),
            "{svg}"
        );
        assert!(
            series_lines.iter().all(|l| l.matches(',').count() <= 2),
            "{svg}"
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // No data at all still draws an empty frame.
        assert!(lines(&[], &[], "", None).unwrap().starts_with("<svg"));
    }

    #[test]
    fn pyramid_and_beds() {
        let mut m = [0.0; BANDS];
        let mut f = [0.0; BANDS];
        m[0] = 100.0;
        f[20] = 50.0;
        let p = Population::new(m, f).unwrap();
        let svg = pyramid(&p, "2025", Some((&p, "2040"))).unwrap();
        assert!(svg.contains("100+") && svg.contains("2040"));
        let svg = bed_bars(
            &["高度急性期".into(), "回復期".into()],
            &[Some(100.0), Some(0.0)],
            &[Some(80.0), None],
        )
        .unwrap();
        assert!(svg.contains("回復期") && !svg.contains("NaN"));
    }

    proptest::proptest! {
        #[test]
        fn no_input_draws_nan(values in proptest::collection::vec(proptest::option::of(-1e9f64..1e9), 0..12)) {
            let years: Vec<i32> = (0..values.len() as i32).map(|k| 2020 + 5 * k).collect();
            let svg = lines(&years, &[Series { name: "x".into(), values: values.clone(), colour: PALETTE[1] }], "", None).unwrap();
            proptest::prop_assert!(!svg.contains("NaN") && !svg.contains("inf"));
            let bars: Vec<f64> = values.iter().flatten().map(|v| v.abs()).collect();
            let labels: Vec<String> = bars.iter().map(|_| "a".into()).collect();
            let svg = index_bars(&labels, &bars, 255.6).unwrap();
            proptest::prop_assert!(!svg.contains("NaN"));
        }
    }
}
