//! Dispatch of substitute doctors and duty rosters, pure.
//!
//! One roster engine ([`shift`]) assigns people to shifts day by day under hard rules
//! (availability, successions, consecutive days, weekends, minutes) while minimising a soft
//! objective (cover short or over, requests for shifts on and off, assignment costs,
//! fairness). The same engine solves the public Curtois–Qu shift scheduling benchmark, a
//! facility's or an alliance's monthly duty roster, and a month of dispatch requests
//! ([`dispatch`]), which it reaches through the work-hour rules ([`hours`]): caps and rest
//! become the engine's hard rules, and the hours checker verifies every result again on the
//! doctors' whole timelines.

pub mod dispatch;
pub mod duty;
pub mod hours;
pub mod shift;
