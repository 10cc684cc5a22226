//! Why a request is unfilled: every doctor is accounted for by the first thing that keeps
//! them from it.

use chiiki_domain::Msg;
use serde::{Deserialize, Serialize};

use super::{Problem, Unfilled, with_dispatches};
use crate::hours::{self, Rules};

/// What keeps a doctor from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// No offer covers the request's time.
    NotOffered,
    /// The doctor lacks a skill asked for.
    Skills,
    /// Too far.
    Travel,
    /// A duty already fixed (or a confirmed dispatch) leaves no lawful rest, or overlaps.
    Conflict,
    /// The month's or the year's hours are used up.
    Hours,
    /// Sent to another request that day, or resting after one.
    Taken,
    /// Free but not sent (the search found no better use; reported, never hidden).
    Unused,
}

impl ReasonKind {
    pub fn code(self) -> &'static str {
        match self {
            ReasonKind::NotOffered => "not_offered",
            ReasonKind::Skills => "skills",
            ReasonKind::Travel => "travel",
            ReasonKind::Conflict => "conflict",
            ReasonKind::Hours => "hours",
            ReasonKind::Taken => "taken",
            ReasonKind::Unused => "unused",
        }
    }
}

/// A reason and how many doctors it applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub kind: ReasonKind,
    pub doctors: usize,
    /// Up to three of them.
    pub examples: Vec<String>,
    pub message: Msg,
}

pub(super) fn unfilled(
    problem: &Problem,
    rules: &Rules,
    mine: &[Vec<usize>],
    filled: &[bool],
) -> Vec<Unfilled> {
    let mut out = Vec::new();
    for (ri, r) in problem.requests.iter().enumerate() {
        if filled[ri] {
            continue;
        }
        let mut groups: Vec<(ReasonKind, Vec<String>, Vec<String>)> = Vec::new();
        let mut add = |kind: ReasonKind, doctor: &str, detail: String| match groups
            .iter_mut()
            .find(|g| g.0 == kind)
        {
            Some(g) => {
                g.1.push(doctor.to_string());
                if !detail.is_empty() && !g.2.contains(&detail) {
                    g.2.push(detail);
                }
            }
            None => groups.push((
                kind,
                vec![doctor.to_string()],
                if detail.is_empty() {
                    vec![]
                } else {
                    vec![detail]
                },
            )),
        };
        for (d, doctor) in problem.doctors.iter().enumerate() {
            if !doctor.offered(r) {
                add(ReasonKind::NotOffered, &doctor.id, String::new());
                continue;
            }
            if !doctor.skilled(r) {
                let missing: Vec<&str> = r
                    .skills
                    .iter()
                    .filter(|s| !doctor.skills.contains(s))
                    .map(String::as_str)
                    .collect();
                add(ReasonKind::Skills, &doctor.id, missing.join("・"));
                continue;
            }
            let travel = problem.travel.minutes(&doctor.home, r);
            if travel > problem.travel.max_minutes {
                add(ReasonKind::Travel, &doctor.id, String::new());
                continue;
            }
            if let Some(b) = hours::admissible(rules, &doctor.timeline, &r.duty()).first() {
                add(ReasonKind::Conflict, &doctor.id, b.rule.label().ja);
                continue;
            }
            let t = with_dispatches(doctor, problem, &mine[d]);
            let room = hours::headroom(rules, &t, problem.month, Some(&r.facility));
            if room.least() < r.planned_minutes() {
                add(ReasonKind::Hours, &doctor.id, String::new());
                continue;
            }
            if let Some(other) = mine[d]
                .iter()
                .find(|o| problem.requests[**o].start.date() == r.start.date())
            {
                add(
                    ReasonKind::Taken,
                    &doctor.id,
                    problem.requests[*other].id.clone(),
                );
                continue;
            }
            if !hours::admissible(rules, &t, &r.duty()).is_empty() {
                add(ReasonKind::Taken, &doctor.id, String::new());
                continue;
            }
            add(ReasonKind::Unused, &doctor.id, String::new());
        }
        groups.sort_by_key(|g| g.0);
        let reasons: Vec<Reason> = groups
            .into_iter()
            .filter(|g| g.0 != ReasonKind::NotOffered || g.1.len() == problem.doctors.len())
            .map(|(kind, doctors, details)| Reason {
                kind,
                doctors: doctors.len(),
                message: message(kind, doctors.len(), &details),
                examples: doctors.into_iter().take(3).collect(),
            })
            .collect();
        let summary = match reasons.iter().max_by_key(|g| (g.kind, g.doctors)) {
            None => Msg::new("申出のある医師がいません", "no doctor offered any days"),
            Some(g) => g.message.clone(),
        };
        out.push(Unfilled {
            request: r.id.clone(),
            reasons,
            summary,
        });
    }
    out
}

fn message(kind: ReasonKind, n: usize, details: &[String]) -> Msg {
    let list = details
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("、");
    match kind {
        ReasonKind::NotOffered => Msg::new(
            "この日時に勤務を申し出た医師がいません",
            "nobody offered these days and times",
        ),
        ReasonKind::Skills => Msg::new(
            format!("申出のあった{n}人は必要な技能（{list}）がありません"),
            format!("{n} doctor(s) who offered lack the skills asked for ({list})"),
        ),
        ReasonKind::Travel => Msg::new(
            format!("申出のあった{n}人は移動時間が上限を超えます"),
            format!("{n} doctor(s) who offered are too far away"),
        ),
        ReasonKind::Conflict => Msg::new(
            format!("{n}人は既に決まった勤務と重なるか休息が取れません（{list}）"),
            format!("{n} doctor(s) have fixed duties that overlap or leave too little rest"),
        ),
        ReasonKind::Hours => Msg::new(
            format!("{n}人は今月または今年度の時間外労働の上限に達します"),
            format!("{n} doctor(s) would go over their monthly or annual hour caps"),
        ),
        ReasonKind::Taken => Msg::new(
            format!(
                "{n}人は同じ日または前後に、より優先度の高い依頼に派遣されます{}",
                if list.is_empty() {
                    String::new()
                } else {
                    format!("（{list}）")
                }
            ),
            format!(
                "{n} doctor(s) are sent to requests of higher value that day or next to it{}",
                if list.is_empty() {
                    String::new()
                } else {
                    format!(" ({list})")
                }
            ),
        ),
        ReasonKind::Unused => Msg::new(
            format!("{n}人は派遣可能でしたが選ばれませんでした"),
            format!("{n} doctor(s) were free but not chosen"),
        ),
    }
}
