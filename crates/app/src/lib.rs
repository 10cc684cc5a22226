//! Use cases: every operation a user can perform, written once over the [`Store`] and the
//! algorithms. The web server and the CLI call these and never duplicate them.

pub mod demo;
pub mod refdata;
