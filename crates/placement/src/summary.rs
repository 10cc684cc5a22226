//! The figures a committee compares between runs: how many doctors were placed, at which of
//! their choices, how full the posts are by area class (shortage, middle, abundant), the
//! regions' counts against their caps and floors, and the blocking pairs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::Report;
use crate::instance::{Instance, Matching};

/// Posts and posts filled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub posts: u64,
    pub filled: u64,
}

impl Fill {
    /// Filled posts as a share of posts (0 to 1); `None` without posts.
    pub fn rate(&self) -> Option<f64> {
        (self.posts > 0).then(|| self.filled as f64 / self.posts as f64)
    }
}

/// A region's count against its cap and floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionCount {
    pub region: String,
    pub placed: u32,
    pub cap: Option<u32>,
    pub floor: u32,
    pub posts: u64,
}

/// A run's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub doctors: usize,
    pub placed: usize,
    /// `ranks[k]`: the doctors placed at their (k+1)-th choice.
    pub ranks: Vec<u32>,
    /// The mean choice received by the doctors placed (1 is the first choice).
    pub mean_rank: Option<f64>,
    pub posts: Fill,
    /// By the class of the facility's area, in the order the classes were given.
    pub by_class: BTreeMap<String, Fill>,
    pub regions: Vec<RegionCount>,
    /// Regions whose floor is met, of those with a floor above zero.
    pub floors_met: usize,
    pub floors: usize,
    pub blocking_pairs: usize,
    pub cap_justified_blocking_pairs: usize,
}

impl Summary {
    /// The figures of a matching; `class_of[f]` names the class of facility f's area.
    pub fn of(
        instance: &Instance,
        matching: &Matching,
        class_of: &[&str],
        report: &Report,
    ) -> Summary {
        let ranks = matching.choice_counts(instance);
        let placed = matching.assignment.iter().flatten().count();
        let ranked: u32 = ranks.iter().sum();
        let rank_sum: u64 = ranks
            .iter()
            .zip(1u64..)
            .map(|(&n, k)| u64::from(n) * k)
            .sum();
        let at = matching.at_facilities(instance.facilities.len());
        let mut posts = Fill::default();
        let mut by_class: BTreeMap<String, Fill> = BTreeMap::new();
        let mut region_posts = vec![0u64; instance.regions.len()];
        for (f, fac) in instance.facilities.iter().enumerate() {
            let filled = at[f].len() as u64;
            let cap = u64::from(fac.capacity);
            let fill = Fill {
                posts: cap,
                filled: filled.min(cap),
            };
            posts.posts += fill.posts;
            posts.filled += fill.filled;
            let class = class_of.get(f).copied().unwrap_or("");
            let e = by_class.entry(class.to_string()).or_default();
            e.posts += fill.posts;
            e.filled += fill.filled;
            if let Some(r) = fac.region
                && let Some(p) = region_posts.get_mut(r)
            {
                *p += cap;
            }
        }
        let counts = matching.region_counts(instance);
        let regions: Vec<RegionCount> = instance
            .regions
            .iter()
            .zip(&counts)
            .zip(&region_posts)
            .map(|((r, &placed), &posts)| RegionCount {
                region: r.id.clone(),
                placed,
                cap: r.cap,
                floor: r.floor,
                posts,
            })
            .collect();
        let with_floor = regions.iter().filter(|r| r.floor > 0);
        Summary {
            doctors: matching.assignment.len(),
            placed,
            mean_rank: (ranked > 0).then(|| rank_sum as f64 / f64::from(ranked)),
            ranks,
            posts,
            by_class,
            floors: with_floor.clone().count(),
            floors_met: with_floor.filter(|r| r.placed >= r.floor).count(),
            regions,
            blocking_pairs: report.blocking_pairs.len(),
            cap_justified_blocking_pairs: report.cap_justified_blocking_pairs.len(),
        }
    }

    /// Doctors placed at one of their first `k` choices.
    pub fn within_choice(&self, k: usize) -> u32 {
        self.ranks.iter().take(k).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::instance::{Doctor, Facility, Region};

    #[test]
    fn figures_add_up() {
        // f0 (shortage, region r0 floor 1) 1 post; f1 (abundant, r1 cap 1) 2 posts.
        let instance = Instance::new(
            vec![
                Doctor::new("a", &[1, 0]),
                Doctor::new("b", &[1, 0]),
                Doctor::new("c", &[0]),
            ],
            vec![
                Facility::new("f0", 1, Some(0), &[0, 2, 1]),
                Facility::new("f1", 2, Some(1), &[0, 1]),
            ],
            vec![
                Region {
                    id: "r0".into(),
                    cap: None,
                    floor: 1,
                },
                Region {
                    id: "r1".into(),
                    cap: Some(1),
                    floor: 0,
                },
            ],
            vec![],
        )
        .unwrap();
        let m = Matching {
            assignment: vec![Some(1), Some(0), None],
        };
        let s = Summary::of(
            &instance,
            &m,
            &["shortage", "abundant"],
            &check(&instance, &m),
        );
        assert_eq!((s.doctors, s.placed), (3, 2));
        assert_eq!(s.ranks, vec![1, 1]);
        assert_eq!(s.mean_rank, Some(1.5));
        assert_eq!(
            s.posts,
            Fill {
                posts: 3,
                filled: 2
            }
        );
        assert_eq!(
            s.by_class["shortage"],
            Fill {
                posts: 1,
                filled: 1
            }
        );
        assert_eq!(s.by_class["abundant"].rate(), Some(0.5));
        assert_eq!((s.floors_met, s.floors), (1, 1));
        assert_eq!(s.regions[1].placed, 1);
        assert_eq!(s.within_choice(1), 1);
        // c prefers f0 and f0 prefers c to b: a blocking pair.
        assert_eq!(s.blocking_pairs, 1);
        // b prefers f1, which has a free post, but r1 is at its cap.
        assert_eq!(s.cap_justified_blocking_pairs, 1);
    }
}
