//! Charts as SVG (plotters' SVG back end: no fonts, no scripts, no external assets), inlined
//! in the pages and readable in print.

use chiiki_analytics::CutOffs;
use plotters::prelude::*;

/// The index of each area as bars, with the 2024 cut-offs (179.3, 217.6) and the national
/// value as lines. `labels` and `values` are in the same order.
pub fn index_bars(labels: &[String], values: &[f64], national: f64) -> Result<String, String> {
    let mut svg = String::new();
    {
        let width = (80 + 46 * labels.len() as u32).clamp(480, 1200);
        let root = SVGBackend::with_string(&mut svg, (width, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top = values.iter().copied().fold(national, f64::max) * 1.1;
        let n = labels.len() as i32;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(44)
            .build_cartesian_2d((0..n.max(1)).into_segmented(), 0.0..top)
            .map_err(|e| e.to_string())?;
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
            .map_err(|e| e.to_string())?;
        let shortage = RGBColor(163, 49, 11);
        let surplus = RGBColor(29, 107, 53);
        let middle = RGBColor(11, 92, 173);
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let colour = match CutOffs::R6.classify(*v) {
                    chiiki_analytics::Class::Shortage => shortage,
                    chiiki_analytics::Class::Intermediate => middle,
                    chiiki_analytics::Class::Surplus => surplus,
                };
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
            .map_err(|e| e.to_string())?;
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
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
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
}
