//! What chiiki draws and prints: SVG charts ([`charts`]) and the HTML analytics report
//! ([`html`]), shared by the web application and the command line. Pure: values in, text out.

pub mod charts;
pub mod figures;
pub mod gantt;
pub mod html;
pub mod map;
pub mod tables;

/// The analysis of all 330 areas, computed once for all the tests of the crate from the
/// reference data and outlook the app decodes once per process.
#[cfg(test)]
pub(crate) fn national_areas() -> &'static [chiiki_app::analysis::AreaAnalysis] {
    static AREAS: std::sync::OnceLock<Vec<chiiki_app::analysis::AreaAnalysis>> =
        std::sync::OnceLock::new();
    AREAS.get_or_init(|| {
        chiiki_app::analysis::compute_with(
            chiiki_app::refdata::national().unwrap(),
            chiiki_app::outlook::national().unwrap(),
        )
    })
}
