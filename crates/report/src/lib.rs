//! What chiiki draws and prints: SVG charts ([`charts`]) and the HTML analytics report
//! ([`html`]), shared by the web application and the command line. Pure: values in, text out.

pub mod charts;
pub mod figures;
pub mod html;
pub mod map;
pub mod tables;
