//! Annual placement of obligated doctors, pure: an [`Instance`] (doctors with ranked
//! preferences over facilities, facilities with capacities and priority orders, regions with
//! caps and floors, couples) is solved by a mechanism into a [`Matching`], which an
//! independent checker verifies and which is explained doctor by doctor and facility by
//! facility.
//!
//! Indices: doctors, facilities and regions are numbered by their position in the instance
//! (`usize`); ids are kept for input and output only.

pub mod caps;
pub mod check;
pub mod couples;
pub mod da;
pub mod exchange;
pub mod explain;
pub mod floors;
pub mod generate;
pub mod instance;
pub mod optimise;
pub mod priority;
pub mod promise;
pub mod run;
pub mod summary;

pub use check::{BlockingPair, Guarantee, Report, check};
pub use da::deferred_acceptance;
pub use explain::{Context, Explanations, Sentences, explain};
pub use instance::{Couple, Doctor, Facility, Instance, InstanceError, Matching, Region};
pub use promise::{Instability, InstabilityKind, Placement, Promise};
pub use run::{Algorithm, Checked, PromiseCheck, solve, solve_checked};
pub use summary::{Fill, Summary};
