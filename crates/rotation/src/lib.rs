//! Multi-year rotation plans, pure: an [`Instance`] (sites with posts and the shortage they
//! cover year by year, programmes with their rotation rules, doctors with what is fixed and
//! what they still owe) is planned for the whole cohort together ([`solve`]) into a
//! [`Plan`], which an independent checker ([`check`]) verifies.
//!
//! Indices: sites, programmes and doctors are numbered by their position in the instance,
//! years from the first fiscal year of the horizon; ids are kept for input and output only.

pub mod bound;
pub mod doctor;
pub mod exact;
pub mod explain;
pub mod generate;
pub mod instance;
mod master;
pub mod plan;
mod pool;
pub mod replan;
pub mod solve;

pub use instance::{
    Doctor, Group, GroupRule, Instance, InstanceError, Programme, Site, Slot, Weights,
};
pub use plan::{Plan, Score, Violation, check, score};
pub use solve::{Limits, Overflow, Solved, Unplanned, overflow, solve};
