//! Dispatch of doctors and substitute doctors (代診医) to facilities that ask for cover.
//!
//! A [`Problem`] holds a month's [`Request`]s (a facility, a time, a kind of duty, skills,
//! urgency) and the [`Doctor`]s who offered days (with their home base, skills and what is
//! known of their hours at every employer). [`solve`] turns it into the roster engine's
//! instance — one shift type per kind of request, cover wanted per request, the hour caps as
//! minute limits, the rest rules as forbidden successions, travel as assignment costs — runs
//! the engine, then verifies every doctor's whole timeline with the hours checker: a dispatch
//! that would break a rule is withdrawn (withdrawing work never breaks a rule) and the month
//! solved again without it. Every request left unfilled is explained.

mod build;
mod explain;
pub mod generate;

use std::time::Instant;

use chiiki_domain::{Coordinates, DutyKind, Msg, NaiveDate, Urgency};
use chrono::{Datelike, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::hours::{self, Breach, Rules, Timeline};
use crate::shift;

pub use explain::{Reason, ReasonKind};

/// A facility's request for cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub facility: String,
    pub facility_name: String,
    /// The secondary medical area, for statistics.
    pub area: String,
    pub location: Coordinates,
    /// On an island: travel takes the island penalty.
    #[serde(default)]
    pub island: bool,
    /// In a heavy-snow area: travel is slower in the snow months.
    #[serde(default)]
    pub snow: bool,
    pub kind: DutyKind,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// Skills the doctor must have (all of them).
    #[serde(default)]
    pub skills: Vec<String>,
    pub urgency: Urgency,
}

impl Request {
    /// The request's length in minutes.
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes().max(0)
    }

    /// The minutes the hour caps are planned with: the whole duty for work, a quarter of it
    /// for permitted on-call duty and on call (work done during them counts; how much is
    /// known only afterwards).
    pub fn planned_minutes(&self) -> i64 {
        match self.kind {
            DutyKind::ClinicDay | DutyKind::NightDuty => self.minutes(),
            DutyKind::PermittedNightDuty | DutyKind::OnCall => self.minutes() / 4,
        }
    }

    /// The value of covering it: hours × the urgency's weight (in minutes × weight).
    pub fn value(&self) -> i64 {
        self.minutes() * self.urgency.weight()
    }

    /// The duty a doctor takes on by covering it.
    pub fn duty(&self) -> hours::Duty {
        hours::Duty {
            employer: self.facility.clone(),
            reference: self.id.clone(),
            kind: self.kind,
            start: self.start,
            end: self.end,
            worked: match self.kind {
                DutyKind::ClinicDay | DutyKind::NightDuty => 0,
                _ => self.planned_minutes(),
            },
            overtime: None,
        }
    }
}

/// Where a doctor offering days comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An obligated doctor (修学資金貸与医師・地域枠).
    Obligated,
    /// A registered dispatch doctor.
    Registered,
    /// Staff of an alliance member.
    Alliance,
}

/// A window a doctor offers for dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
}

/// A doctor who offered days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doctor {
    pub id: String,
    pub home: Coordinates,
    #[serde(default)]
    pub skills: Vec<String>,
    pub source: Source,
    /// Level, hours so far at every employer, interviews and the duties already fixed
    /// (confirmed dispatches included).
    pub timeline: Timeline,
    pub offers: Vec<Offer>,
}

impl Doctor {
    /// Whether an offer covers the whole request.
    pub fn offered(&self, r: &Request) -> bool {
        self.offers
            .iter()
            .any(|o| o.from <= r.start && r.end <= o.to)
    }

    /// Whether the doctor has every skill the request asks for.
    pub fn skilled(&self, r: &Request) -> bool {
        r.skills.iter().all(|s| self.skills.contains(s))
    }
}

/// Travel time: straight line × road factor at an average speed, with penalties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Travel {
    /// Road distance over straight-line distance.
    pub road_factor: f64,
    /// Average speed on the road, km/h.
    pub speed_kmh: f64,
    /// Added each way to reach an island.
    pub island_minutes: i64,
    /// Months (1–12) of the snow season.
    pub snow_months: Vec<u32>,
    /// Travel time is multiplied by this in a snow area during the snow season.
    pub snow_factor: f64,
    /// Longest one-way travel a dispatch may take.
    pub max_minutes: i64,
}

impl Default for Travel {
    fn default() -> Self {
        Self {
            road_factor: 1.3,
            speed_kmh: 45.0,
            island_minutes: 120,
            snow_months: vec![12, 1, 2, 3],
            snow_factor: 1.3,
            max_minutes: 180,
        }
    }
}

impl Travel {
    /// One-way minutes from `from` to the request's facility on the request's date.
    pub fn minutes(&self, from: &Coordinates, r: &Request) -> i64 {
        let km = from.distance_km(&r.location) * self.road_factor;
        let mut minutes = km / self.speed_kmh.max(1.0) * 60.0;
        if r.snow && self.snow_months.contains(&r.start.month()) {
            minutes *= self.snow_factor;
        }
        let mut m = minutes.round() as i64;
        if r.island {
            m += self.island_minutes;
        }
        m
    }
}

/// How the objective weighs cover, travel and fairness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Value of a covered minute at routine urgency (multiplied by the urgency's weight).
    pub cover: i64,
    /// Cost of a minute of travel (round trip).
    pub travel: i64,
    /// Fairness: this × Σ (dispatches per doctor)².
    pub fairness: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            cover: 10,
            travel: 1,
            fairness: 200,
        }
    }
}

/// A month of requests and offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// The first day of the month.
    pub month: NaiveDate,
    pub requests: Vec<Request>,
    pub doctors: Vec<Doctor>,
    #[serde(default)]
    pub travel: Travel,
    #[serde(default)]
    pub weights: Weights,
}

/// Limits on the search: the engine's (the time limit is shared by every round of the
/// final check).
pub use crate::shift::Limits;

/// A doctor sent to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub request: String,
    pub doctor: String,
    /// One way.
    pub travel_minutes: i64,
}

/// A request nobody was sent to, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unfilled {
    pub request: String,
    pub reasons: Vec<Reason>,
    /// The main reason in one sentence.
    pub summary: Msg,
}

/// A doctor's hours with the plan, against the caps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursAfter {
    pub doctor: String,
    pub dispatches: usize,
    /// Overtime minutes in the month and fiscal year with the plan.
    pub month_minutes: i64,
    pub year_minutes: i64,
    /// Minutes still free to the month's planning cap and the annual cap.
    pub month_left: i64,
    pub year_left: i64,
}

/// The result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub assignments: Vec<Assignment>,
    pub unfilled: Vec<Unfilled>,
    pub hours: Vec<HoursAfter>,
    /// The hours checker's findings on every doctor's timeline with the plan (no breach of
    /// a binding rule is ever planned; notices such as compensatory rest due remain).
    pub findings: Vec<Breach>,
    pub figures: Figures,
}

/// What the plan achieves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub requests: usize,
    pub filled: usize,
    pub minutes_requested: i64,
    pub minutes_covered: i64,
    /// Covered minutes weighted by urgency, over the requested ones.
    pub weighted_cover: f64,
    pub travel_minutes: i64,
    pub doctors_offering: usize,
    pub doctors_sent: usize,
    pub most_dispatches: usize,
    /// Dispatches withdrawn by the final check and solved again.
    pub withdrawn: usize,
    pub seconds: f64,
}

/// Plans the month.
pub fn solve(problem: &Problem, limits: &Limits) -> Plan {
    let started = Instant::now();
    let rules = Rules::mhlw_2024();
    let mut banned: Vec<(usize, usize)> = Vec::new();
    let mut withdrawn = 0;
    let mut chosen: Vec<(usize, usize)>;
    let mut rounds = 0;
    loop {
        rounds += 1;
        let left = limits.time_limit.saturating_sub(started.elapsed());
        let model = build::model(problem, rules, &banned);
        let engine_limits = shift::Limits {
            time_limit: if rounds == 1 {
                left
            } else {
                left.min(limits.time_limit / 4)
            },
            seed: limits.seed.wrapping_add(rounds),
            threads: limits.threads,
        };
        let solution = shift::solve(&model.instance, &engine_limits);
        chosen = model.assignments(&solution.roster);
        // The final word is the hours checker's, on every doctor's whole timeline.
        let bad = verify(problem, rules, &chosen);
        if bad.is_empty() {
            break;
        }
        withdrawn += bad.len();
        banned.extend(bad.iter().copied());
        chosen.retain(|c| !bad.contains(c));
        if rounds >= 4 || started.elapsed() >= limits.time_limit {
            // Withdrawing is always lawful: keep the rest without solving again.
            while let Some(more) = Some(verify(problem, rules, &chosen)).filter(|b| !b.is_empty()) {
                withdrawn += more.len();
                chosen.retain(|c| !more.contains(c));
            }
            break;
        }
    }
    report(problem, rules, &chosen, withdrawn, started)
}

/// Checks a set of dispatches against the month as it now stands, before they are
/// confirmed: each request is in the month once, each doctor offered its time, has its
/// skills and can reach it, and no doctor's timeline breaks a binding rule. Returns what is
/// wrong, one message per problem (empty when every dispatch can be confirmed).
pub fn recheck(problem: &Problem, assignments: &[Assignment]) -> Vec<Msg> {
    let rules = Rules::mhlw_2024();
    let mut wrong = Vec::new();
    let mut chosen = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in assignments {
        let Some(r) = problem.requests.iter().position(|r| r.id == a.request) else {
            wrong.push(Msg::new(
                format!("依頼 {} は募集中ではありません", a.request),
                format!("request {} is no longer open", a.request),
            ));
            continue;
        };
        if !seen.insert(r) {
            wrong.push(Msg::new(
                format!("依頼 {} に二人が派遣されています", a.request),
                format!("request {} has two doctors", a.request),
            ));
            continue;
        }
        let Some(d) = problem.doctors.iter().position(|d| d.id == a.doctor) else {
            wrong.push(Msg::new(
                format!("医師 {} は申出をしていません", a.doctor),
                format!("doctor {} has no offer", a.doctor),
            ));
            continue;
        };
        let (req, doc) = (&problem.requests[r], &problem.doctors[d]);
        if !doc.offered(req) {
            wrong.push(Msg::new(
                format!(
                    "医師 {} の申出は依頼 {} の時間を含みません",
                    a.doctor, a.request
                ),
                format!(
                    "doctor {}'s offers do not cover request {}",
                    a.doctor, a.request
                ),
            ));
        } else if !doc.skilled(req) {
            wrong.push(Msg::new(
                format!("医師 {} は依頼 {} の技能を持ちません", a.doctor, a.request),
                format!(
                    "doctor {} lacks the skills of request {}",
                    a.doctor, a.request
                ),
            ));
        } else if problem.travel.minutes(&doc.home, req) > problem.travel.max_minutes {
            wrong.push(Msg::new(
                format!("医師 {} から依頼 {} までが遠すぎます", a.doctor, a.request),
                format!("request {} is too far for doctor {}", a.request, a.doctor),
            ));
        } else {
            chosen.push((r, d));
        }
    }
    for (r, d) in verify(problem, rules, &chosen) {
        wrong.push(Msg::new(
            format!(
                "医師 {} を依頼 {} に派遣すると勤務時間の規則に反します",
                problem.doctors[d].id, problem.requests[r].id
            ),
            format!(
                "sending doctor {} to request {} would break a work-hour rule",
                problem.doctors[d].id, problem.requests[r].id
            ),
        ));
    }
    wrong
}

/// The dispatches (request, doctor) that make a doctor's timeline break a rule: for each
/// doctor with a finding, the least valuable of the dispatches concerned.
fn verify(problem: &Problem, rules: &Rules, chosen: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut bad = Vec::new();
    for (d, (doctor, mine)) in problem
        .doctors
        .iter()
        .zip(by_doctor(problem, chosen))
        .enumerate()
    {
        if mine.is_empty() {
            continue;
        }
        let timeline = with_dispatches(doctor, problem, &mine);
        let before: Vec<Breach> =
            hours::binding(hours::check(rules, &doctor.timeline, problem.month));
        let after = hours::binding(hours::check(rules, &timeline, problem.month));
        let new: Vec<&Breach> = after.iter().filter(|b| !before.contains(b)).collect();
        if new.is_empty() {
            continue;
        }
        let involved: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|r| {
                let id = &problem.requests[*r].id;
                new.iter().any(|b| b.duties.contains(id))
            })
            .collect();
        let pool = if involved.is_empty() {
            &mine
        } else {
            &involved
        };
        if let Some(&worst) = pool.iter().min_by_key(|r| problem.requests[**r].value()) {
            bad.push((worst, d));
        }
    }
    bad
}

/// Each doctor's requests in `chosen`, by doctor index.
fn by_doctor(problem: &Problem, chosen: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut mine = vec![Vec::new(); problem.doctors.len()];
    for &(r, d) in chosen {
        mine[d].push(r);
    }
    mine
}

fn with_dispatches(doctor: &Doctor, problem: &Problem, requests: &[usize]) -> Timeline {
    let mut t = doctor.timeline.clone();
    t.duties
        .extend(requests.iter().map(|r| problem.requests[*r].duty()));
    t
}

fn report(
    problem: &Problem,
    rules: &Rules,
    chosen: &[(usize, usize)],
    withdrawn: usize,
    started: Instant,
) -> Plan {
    let mut assignments: Vec<Assignment> = chosen
        .iter()
        .map(|&(r, d)| Assignment {
            request: problem.requests[r].id.clone(),
            doctor: problem.doctors[d].id.clone(),
            travel_minutes: problem
                .travel
                .minutes(&problem.doctors[d].home, &problem.requests[r]),
        })
        .collect();
    assignments.sort_by(|a, b| a.request.cmp(&b.request));
    let filled: Vec<bool> = {
        let mut f = vec![false; problem.requests.len()];
        for &(r, _) in chosen {
            f[r] = true;
        }
        f
    };
    let mine = by_doctor(problem, chosen);
    let unfilled = explain::unfilled(problem, rules, &mine, &filled);
    let mut hours_after = Vec::new();
    let mut findings = Vec::new();
    for (doctor, requests) in problem.doctors.iter().zip(&mine) {
        let t = with_dispatches(doctor, problem, requests);
        if !requests.is_empty() {
            findings.extend(hours::check(rules, &t, problem.month));
        }
        let worked = hours::worked(&t, problem.month, None);
        let room = hours::headroom(rules, &t, problem.month, None);
        hours_after.push(HoursAfter {
            doctor: doctor.id.clone(),
            dispatches: requests.len(),
            month_minutes: worked.month,
            year_minutes: worked.year,
            month_left: room.month,
            year_left: room.year,
        });
    }
    let covered: i64 = chosen.iter().map(|c| problem.requests[c.0].minutes()).sum();
    let weighted: i64 = chosen.iter().map(|c| problem.requests[c.0].value()).sum();
    let wanted: i64 = problem.requests.iter().map(Request::value).sum();
    let figures = Figures {
        requests: problem.requests.len(),
        filled: chosen.len(),
        minutes_requested: problem.requests.iter().map(Request::minutes).sum(),
        minutes_covered: covered,
        weighted_cover: if wanted > 0 {
            weighted as f64 / wanted as f64
        } else {
            1.0
        },
        travel_minutes: assignments.iter().map(|a| a.travel_minutes).sum(),
        doctors_offering: problem
            .doctors
            .iter()
            .filter(|d| !d.offers.is_empty())
            .count(),
        doctors_sent: mine.iter().filter(|m| !m.is_empty()).count(),
        most_dispatches: mine.iter().map(Vec::len).max().unwrap_or(0),
        withdrawn,
        seconds: started.elapsed().as_secs_f64(),
    };
    Plan {
        assignments,
        unfilled,
        hours: hours_after,
        findings,
        figures,
    }
}
