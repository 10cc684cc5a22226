//! Why a shift is left short: for every person who may work it, what keeps them off it.

use std::collections::{BTreeMap, HashSet};

use chiiki_domain::Msg;
use chrono::{Datelike, Weekday};
use serde::{Deserialize, Serialize};

use super::{DEFAULT_MAX_CONSECUTIVE, Day, Spec, weekends_worked, with_roster};
use crate::hours::{self, Rules};

/// What keeps one person off a shift left short.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum ShortReason {
    /// On leave that day.
    Leave,
    /// Works another shift that day (its code).
    OtherShift { shift: String },
    /// A duty fixed elsewhere overlaps it or leaves no rest (its reference).
    Elsewhere { duty: String },
    /// The rest rules, with a shift of the roster before or after it (its reference).
    Rest { duty: String },
    /// Asked for the day off.
    DayOffRequested,
    /// Has reached the month's most night duties.
    Nights { most: u32 },
    /// Has reached the most weekends.
    Weekends { most: u32 },
    /// Would work more days in a row than allowed.
    Consecutive { most: u32 },
    /// Not enough overtime left to the month's planning cap or the annual cap (minutes).
    Hours { left: i64, needed: i64 },
    /// Free: nothing above applies (the search left them off to keep other costs down).
    Free,
}

impl ShortReason {
    pub fn message(&self) -> Msg {
        match self {
            ShortReason::Leave => Msg::new("休暇", "on leave"),
            ShortReason::OtherShift { shift } => Msg::new(
                format!("同日に「{shift}」勤務"),
                format!("works {shift} that day"),
            ),
            ShortReason::Elsewhere { duty } => Msg::new(
                format!("他の勤務（{duty}）と重なるか休息が取れない"),
                format!("overlaps or leaves no rest with {duty} elsewhere"),
            ),
            ShortReason::Rest { duty } => Msg::new(
                format!("前後の勤務（{duty}）との間で休息の規則に反する"),
                format!("the rest rules, with {duty}"),
            ),
            ShortReason::DayOffRequested => Msg::new("休み希望", "asked for the day off"),
            ShortReason::Nights { most } => Msg::new(
                format!("当直の上限（月{most}回）に達している"),
                format!("has reached the most night duties ({most})"),
            ),
            ShortReason::Weekends { most } => Msg::new(
                format!("週末勤務の上限（{most}回）に達している"),
                format!("has reached the most weekends ({most})"),
            ),
            ShortReason::Consecutive { most } => Msg::new(
                format!("連続勤務が上限（{most}日）を超える"),
                format!("would work more than {most} days in a row"),
            ),
            ShortReason::Hours { left, needed } => Msg::new(
                format!(
                    "時間外労働の残り {} 時間に対し {} 時間が必要",
                    hours_text(*left),
                    hours_text(*needed)
                ),
                format!(
                    "{} h of overtime left, {} h needed",
                    hours_text(*left),
                    hours_text(*needed)
                ),
            ),
            ShortReason::Free => Msg::new(
                "空きあり（他の費用との兼ね合いで未配置）",
                "free (left off to keep other costs down)",
            ),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ShortReason::Leave => "leave",
            ShortReason::OtherShift { .. } => "other_shift",
            ShortReason::Elsewhere { .. } => "elsewhere",
            ShortReason::Rest { .. } => "rest",
            ShortReason::DayOffRequested => "day_off_requested",
            ShortReason::Nights { .. } => "nights",
            ShortReason::Weekends { .. } => "weekends",
            ShortReason::Consecutive { .. } => "consecutive",
            ShortReason::Hours { .. } => "hours",
            ShortReason::Free => "free",
        }
    }
}

fn hours_text(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

/// A shift left short on a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Short {
    pub date: chiiki_domain::NaiveDate,
    pub shift: String,
    pub need: u32,
    pub got: u32,
    /// Each person who may work the shift and is not on it, with what keeps them off.
    pub reasons: Vec<(String, ShortReason)>,
    /// People who may not work this shift at all (its facility or kind is not theirs).
    pub not_qualified: usize,
    /// The main reason in one sentence.
    pub summary: Msg,
}

pub(super) fn short(
    spec: &Spec,
    rules: &Rules,
    days: &[Day],
    mine: &[Vec<(usize, usize)>],
    got: &[Vec<u32>],
) -> Vec<Short> {
    let mut out = Vec::new();
    let timelines: Vec<hours::Timeline> = (0..spec.staff.len())
        .map(|m| with_roster(spec, days, m, &mine[m]))
        .collect();
    for (d, day) in days.iter().enumerate() {
        for (s, shift) in spec.shifts.iter().enumerate() {
            let need = shift.need.on(day.kind);
            if got[d][s] >= need {
                continue;
            }
            let mut reasons = Vec::new();
            let mut not_qualified = 0;
            for (m, member) in spec.staff.iter().enumerate() {
                if !spec.may_work(m, s) {
                    not_qualified += 1;
                    continue;
                }
                if mine[m].contains(&(d, s)) {
                    continue;
                }
                let reason = why(spec, rules, days, m, d, s, &mine[m], &timelines[m]);
                reasons.push((member.id.clone(), reason));
            }
            let summary = summary(need - got[d][s], &reasons);
            out.push(Short {
                date: day.date,
                shift: shift.code.clone(),
                need,
                got: got[d][s],
                reasons,
                not_qualified,
                summary,
            });
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn why(
    spec: &Spec,
    rules: &Rules,
    days: &[Day],
    m: usize,
    d: usize,
    s: usize,
    mine: &[(usize, usize)],
    timeline: &hours::Timeline,
) -> ShortReason {
    let member = &spec.staff[m];
    let shift = &spec.shifts[s];
    let date = days[d].date;
    if member.days_off.contains(&date) {
        return ShortReason::Leave;
    }
    if let Some((_, other)) = mine.iter().find(|(day, _)| *day == d) {
        return ShortReason::OtherShift {
            shift: spec.shifts[*other].code.clone(),
        };
    }
    let duty = shift.duty_on(date, String::new());
    let found = hours::admissible(rules, timeline, &duty);
    if let Some(b) = found.first() {
        let other = b
            .duties
            .iter()
            .find(|r| !r.is_empty())
            .cloned()
            .unwrap_or_default();
        let fixed = member.fixed.iter().any(|f| f.reference == other);
        return if fixed {
            ShortReason::Elsewhere { duty: other }
        } else {
            ShortReason::Rest { duty: other }
        };
    }
    let off_requested = spec.requests.iter().any(|r| {
        !r.on
            && r.member == member.id
            && r.date == date
            && r.shift.as_ref().is_none_or(|c| *c == shift.code)
    });
    if off_requested {
        return ShortReason::DayOffRequested;
    }
    if let Some(most) = member.max_nights
        && shift.is_night()
        && mine
            .iter()
            .filter(|(_, o)| spec.shifts[*o].is_night())
            .count() as u32
            >= most
    {
        return ShortReason::Nights { most };
    }
    let worked: HashSet<usize> = mine.iter().map(|(day, _)| *day).collect();
    if let Some(most) = member.max_weekends
        && matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    {
        let mut with = worked.clone();
        with.insert(d);
        if weekends_worked(days, &with) > most {
            return ShortReason::Weekends { most };
        }
    }
    let most = member.max_consecutive.unwrap_or(DEFAULT_MAX_CONSECUTIVE);
    let before = (0..d).rev().take_while(|x| worked.contains(x)).count();
    let after = (d + 1..days.len())
        .take_while(|x| worked.contains(x))
        .count();
    if (before + 1 + after) as u32 > most {
        return ShortReason::Consecutive { most };
    }
    let needed = shift.planned_overtime();
    let left = hours::headroom(rules, timeline, spec.month, None).least();
    if needed > left {
        return ShortReason::Hours { left, needed };
    }
    ShortReason::Free
}

fn summary(missing: u32, reasons: &[(String, ShortReason)]) -> Msg {
    if reasons.is_empty() {
        return Msg::new(
            format!("{missing}人不足: この勤務に就ける職員がいません"),
            format!("{missing} short: nobody on the staff may work this shift"),
        );
    }
    let mut counts: BTreeMap<&'static str, (usize, &ShortReason)> = BTreeMap::new();
    for (_, r) in reasons {
        counts.entry(r.code()).or_insert((0, r)).0 += 1;
    }
    let (n, top) = counts
        .values()
        .max_by_key(|(n, r)| (*n, std::cmp::Reverse((*r).clone())))
        .copied()
        .unwrap_or((0, &ShortReason::Free));
    let m = top.message();
    Msg::new(
        format!(
            "{missing}人不足: 就ける{}人のうち{n}人が「{}」",
            reasons.len(),
            m.ja
        ),
        format!(
            "{missing} short: of {} who may work it, {n}: {}",
            reasons.len(),
            m.en
        ),
    )
}
