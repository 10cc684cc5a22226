//! The centre's priority rules: how a facility that gives no order of its own ranks the
//! doctors of a round. In order — obligation urgency (least slack before the deadline
//! first), seniority (earlier graduation first), then a lottery drawn from a recorded seed —
//! or a prefix of that chain ([`PriorityRule`]).
//!
//! The lottery shuffles the doctors' ids sorted, with ChaCha8 seeded by the round's seed: the
//! same seed and the same doctors always give the same draw, whatever order they were read
//! in, so a run can be repeated and audited.

use chiiki_domain::PriorityRule;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A doctor as the centre's rules see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub id: String,
    /// Service days that could still be worked before the obligation's deadline, less the
    /// days still owed: the smaller, the more urgent. `None` when nothing is owed against a
    /// deadline (least urgent).
    pub slack_days: Option<i64>,
    pub graduation_year: i32,
}

/// Each doctor's draw in the lottery: 1 for the first drawn.
pub fn lottery(standings: &[Standing], seed: u64) -> Vec<u32> {
    let mut by_id: Vec<usize> = (0..standings.len()).collect();
    by_id.sort_by(|&a, &b| standings[a].id.cmp(&standings[b].id).then(a.cmp(&b)));
    by_id.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut draw = vec![0u32; standings.len()];
    for (k, &d) in by_id.iter().enumerate() {
        draw[d] = k as u32 + 1;
    }
    draw
}

/// The doctors (indices into `standings`) in the order of the rule, highest priority first,
/// with each doctor's lottery draw.
pub fn centre_order(
    standings: &[Standing],
    rule: PriorityRule,
    seed: u64,
) -> (Vec<usize>, Vec<u32>) {
    let draw = lottery(standings, seed);
    let mut order: Vec<usize> = (0..standings.len()).collect();
    let urgency = |d: usize| standings[d].slack_days.map_or((1, 0), |s| (0, s));
    order.sort_by(|&a, &b| {
        let by_urgency = urgency(a).cmp(&urgency(b));
        let by_seniority = standings[a]
            .graduation_year
            .cmp(&standings[b].graduation_year);
        let by_lottery = draw[a].cmp(&draw[b]);
        match rule {
            PriorityRule::UrgencySeniorityLottery => by_urgency.then(by_seniority).then(by_lottery),
            PriorityRule::SeniorityLottery => by_seniority.then(by_lottery),
            PriorityRule::Lottery => by_lottery,
        }
    });
    (order, draw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn standing(id: &str, slack: Option<i64>, year: i32) -> Standing {
        Standing {
            id: id.into(),
            slack_days: slack,
            graduation_year: year,
        }
    }

    #[test]
    fn urgency_comes_before_seniority_and_seniority_before_the_lottery() {
        let s = vec![
            standing("a", None, 2015),
            standing("b", Some(400), 2020),
            standing("c", Some(30), 2021),
            standing("d", None, 2016),
            standing("e", Some(400), 2018),
        ];
        let (order, _) = centre_order(&s, PriorityRule::UrgencySeniorityLottery, 1);
        assert_eq!(order, vec![2, 4, 1, 0, 3]);
        let (order, _) = centre_order(&s, PriorityRule::SeniorityLottery, 1);
        assert_eq!(order, vec![0, 3, 4, 1, 2]);
    }

    fn standings() -> impl Strategy<Value = Vec<Standing>> {
        proptest::collection::vec((proptest::option::of(-500i64..2000), 2010i32..2024), 0..40)
            .prop_map(|v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (slack, year))| standing(&format!("D{i:03}"), slack, year))
                    .collect()
            })
    }

    fn rule() -> impl Strategy<Value = PriorityRule> {
        proptest::sample::select(PriorityRule::ALL.to_vec())
    }

    proptest! {
        /// The order is a permutation, respects the rule's keys, and is the same for the same
        /// seed whatever order the doctors were read in.
        #[test]
        fn orders_are_deterministic_permutations_that_respect_the_rule(
            s in standings(), r in rule(), seed in any::<u64>(), rotate in 0usize..40,
        ) {
            let (order, draw) = centre_order(&s, r, seed);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..s.len()).collect::<Vec<_>>());
            let mut draws = draw.clone();
            draws.sort_unstable();
            prop_assert_eq!(draws, (1..=s.len() as u32).collect::<Vec<_>>());
            for w in order.windows(2) {
                let (a, b) = (&s[w[0]], &s[w[1]]);
                let key = |x: &Standing| x.slack_days.map_or((1, 0), |v| (0, v));
                match r {
                    PriorityRule::UrgencySeniorityLottery => {
                        prop_assert!((key(a), a.graduation_year) <= (key(b), b.graduation_year));
                    }
                    PriorityRule::SeniorityLottery => prop_assert!(a.graduation_year <= b.graduation_year),
                    PriorityRule::Lottery => prop_assert!(draw[w[0]] < draw[w[1]]),
                }
            }
            // Read in another order: the same doctors come out in the same order.
            let k = if s.is_empty() { 0 } else { rotate % s.len() };
            let mut moved = s.clone();
            moved.rotate_left(k);
            let (order2, _) = centre_order(&moved, r, seed);
            let ids = |o: &[usize], v: &[Standing]| o.iter().map(|&i| v[i].id.clone()).collect::<Vec<_>>();
            prop_assert_eq!(ids(&order, &s), ids(&order2, &moved));
        }
    }
}
