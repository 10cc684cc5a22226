//! The 2024 work-hour rules (医師の働き方改革) and their checker.
//!
//! A doctor's [`Timeline`] holds what is known of their work: the overtime already worked
//! this month and fiscal year at each employer ([`Baseline`]), the duties chiiki knows of
//! (dispatches, duty rosters), interviews (面接指導) and compensatory rest given. [`check`]
//! reports every breach with the rule, the doctor, the period and the hours; [`headroom`]
//! says how much more a doctor may work, for the planners.
//!
//! Counting (stated, since the law leaves the split between employers to their contracts):
//! - a duty's counted minutes are its whole length for day work and for night duty without
//!   an on-call permit, and only the minutes actually worked for permitted on-call duty
//!   (宿日直許可) and on-call from home;
//! - counted minutes are overtime and holiday work (時間外・休日労働) unless the duty says how
//!   much of it is (`Duty::overtime`): a doctor's regular hours are at their main employer,
//!   so a dispatch or a second job adds overtime (労働基準法38条1項, hours summed);
//! - a duty belongs to the month and the fiscal year in which it starts;
//! - the rest rules see only the duties in the timeline; regular hours known only as totals
//!   cannot be checked for rest.

pub use chiiki_domain::DutyKind;

mod check;
mod rules;

pub use check::{
    Baseline, Breach, Duty, Headroom, RuleKind, Severity, Timeline, Worked, admissible, binding,
    check, forbidden_successions, headroom, month_of, worked,
};
pub use rules::{
    Annual, Compensatory, MHLW_2024, Monthly, Permit, Rest, RestRule, Rules, RulesError,
};

#[cfg(test)]
mod tests;
