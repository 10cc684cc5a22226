//! Synthetic placement instances from a seed, for tests, benchmarks and demonstrations: the
//! same seed and scale give the same instance on every platform (ChaCha8 and integer
//! arithmetic only). Every id starts with `syn-`: nothing here is a real person or facility.
//!
//! - [`prefecture`]: one prefecture like Iwate — 185 doctors, 60 facilities in its 9
//!   secondary medical areas, lists of 3–8, a cap on the Morioka area and floors on the
//!   coastal and northern areas, 4 couples;
//! - [`national`]: `n` doctors, `n / 10` facilities in the 47 prefectures (weighted by
//!   population), every prefecture with a cap (75 % of its posts in the six largest
//!   metropolitan prefectures, 90 % elsewhere), lists of 10–20 with a skew towards popular
//!   facilities.
//!
//! How an instance is drawn ([`generate`]): facilities get a region (each region at least one
//! while there are enough), a capacity and a popularity weight `1 + skew·u³` (u uniform in
//! [0, 1)); each doctor gets a home region, a score and a list drawn by popularity without
//! repetition, `home_percent` of the picks from their home region; each facility lists the
//! doctors who listed it, by score plus its own noise, leaving out `unlisted_percent` of
//! them; a region's cap is a share of its posts; a region's floor is its target, lowered so
//! that the doctors whose first choice is in the region can meet it — so every floor can be
//! met, and all of them together.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::instance::{Doctor, Facility, Instance, Region};

/// A region to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSpec {
    pub id: String,
    /// Its share of facilities and of doctors' homes (relative).
    pub weight: u32,
    /// The cap as a percentage of the region's posts; `None` for no cap.
    pub cap_percent: Option<u32>,
    /// The floor wanted; lowered when the generated lists cannot meet it.
    pub floor: u32,
}

/// The size and shape of a generated instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub doctors: usize,
    pub facilities: usize,
    /// No region: facilities without regions.
    pub regions: Vec<RegionSpec>,
    /// The length of each doctor's list, drawn uniformly in this inclusive range (at most
    /// the number of facilities).
    pub list_len: (usize, usize),
    /// Posts per facility, drawn uniformly in this inclusive range.
    pub capacity: (u32, u32),
    /// Popularity skew: the most popular facility is drawn up to `1 + skew` times as often as
    /// the least (0: uniform).
    pub skew: u32,
    /// Percentage of each list drawn from the doctor's home region.
    pub home_percent: u32,
    /// Percentage of applicants a facility leaves off its list.
    pub unlisted_percent: u32,
    pub couples: usize,
}

/// Iwate's nine secondary medical areas, with a weight by population (ten thousands, 2020).
const IWATE: [(&str, u32); 9] = [
    ("morioka", 47),
    ("iwate-chubu", 22),
    ("tanko", 13),
    ("ryoban", 12),
    ("kesen", 6),
    ("kamaishi", 5),
    ("miyako", 8),
    ("kuji", 6),
    ("ninohe", 5),
];

/// The 47 prefectures in JIS order, with population in ten thousands (2020 census, rounded).
const PREFECTURES: [u32; 47] = [
    522, 124, 121, 230, 96, 107, 183, 287, 193, 194, 734, 628, 1405, 924, 220, 103, 113, 77, 81,
    205, 198, 363, 754, 177, 141, 258, 884, 547, 132, 92, 55, 67, 189, 280, 134, 72, 95, 133, 69,
    514, 81, 131, 174, 112, 107, 159, 147,
];

/// The metropolitan prefectures with a tighter cap (Tokyo, Kanagawa, Aichi, Kyoto, Osaka,
/// Fukuoka).
const METROPOLITAN: [usize; 6] = [13, 14, 23, 26, 27, 40];

impl Scale {
    /// One prefecture like Iwate: 185 doctors, 60 facilities in 9 areas, lists of 3–8.
    pub fn prefecture() -> Scale {
        Scale {
            doctors: 185,
            facilities: 60,
            regions: IWATE
                .iter()
                .enumerate()
                .map(|(k, &(id, weight))| RegionSpec {
                    id: id.to_string(),
                    weight,
                    cap_percent: (k == 0).then_some(85),
                    floor: if k >= 4 { 3 } else { 0 },
                })
                .collect(),
            list_len: (3, 8),
            capacity: (1, 6),
            skew: 10,
            home_percent: 50,
            unlisted_percent: 5,
            couples: 4,
        }
    }

    /// The country: `doctors` doctors, `doctors / 10` facilities (at least one) in the 47
    /// prefectures, every prefecture capped, lists of 10–20, popularity skew.
    pub fn national(doctors: usize) -> Scale {
        Scale {
            doctors,
            facilities: (doctors / 10).max(1),
            regions: PREFECTURES
                .iter()
                .enumerate()
                .map(|(k, &weight)| RegionSpec {
                    id: format!("pref-{:02}", k + 1),
                    weight,
                    cap_percent: Some(if METROPOLITAN.contains(&(k + 1)) {
                        75
                    } else {
                        90
                    }),
                    floor: 0,
                })
                .collect(),
            list_len: (10, 20),
            capacity: (6, 16),
            skew: 60,
            home_percent: 60,
            unlisted_percent: 3,
            couples: 0,
        }
    }
}

/// [`Scale::prefecture`] from a seed.
pub fn prefecture(seed: u64) -> Instance {
    generate(&Scale::prefecture(), seed)
}

/// [`Scale::national`] from a seed.
pub fn national(doctors: usize, seed: u64) -> Instance {
    generate(&Scale::national(doctors), seed)
}

/// Draws from integer weights by their cumulative sums.
struct Weighted {
    items: Vec<usize>,
    cumulative: Vec<u64>,
}

impl Weighted {
    fn new(items: Vec<usize>, weight: impl Fn(usize) -> u64) -> Weighted {
        let mut total = 0u64;
        let cumulative = items
            .iter()
            .map(|&x| {
                total += weight(x).max(1);
                total
            })
            .collect();
        Weighted { items, cumulative }
    }

    fn draw(&self, rng: &mut ChaCha8Rng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        let x = rng.random_range(0..total);
        let k = self.cumulative.partition_point(|&c| c <= x);
        self.items.get(k).copied()
    }
}

/// A random instance of the given scale; the same scale and seed give the same instance.
pub fn generate(scale: &Scale, seed: u64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nr = scale.regions.len();
    let nf = scale.facilities;
    let n = scale.doctors;
    let range = |(a, b): (u32, u32)| a.min(b)..=b.max(a);

    // Facilities: region, capacity, popularity.
    let region_draw = Weighted::new((0..nr).collect(), |r| u64::from(scale.regions[r].weight));
    let mut facility_region = Vec::with_capacity(nf);
    for f in 0..nf {
        facility_region.push(if f < nr {
            Some(f)
        } else {
            region_draw.draw(&mut rng)
        });
    }
    let capacity: Vec<u32> = (0..nf)
        .map(|_| rng.random_range(range(scale.capacity)))
        .collect();
    let popularity: Vec<u64> = (0..nf)
        .map(|_| {
            let u: u64 = rng.random_range(0..100);
            1 + u64::from(scale.skew) * u * u * u / 1_000_000
        })
        .collect();
    let everywhere = Weighted::new((0..nf).collect(), |f| popularity[f]);
    let by_region: Vec<Weighted> = (0..nr)
        .map(|r| {
            let fs = (0..nf).filter(|&f| facility_region[f] == Some(r)).collect();
            Weighted::new(fs, |f| popularity[f])
        })
        .collect();

    // Doctors: home, score, list.
    let (lo, hi) = (
        scale.list_len.0.min(scale.list_len.1),
        scale.list_len.0.max(scale.list_len.1),
    );
    let mut score = Vec::with_capacity(n);
    let mut lists: Vec<Vec<usize>> = Vec::with_capacity(n);
    let mut used = vec![usize::MAX; nf];
    for d in 0..n {
        let home = region_draw.draw(&mut rng);
        score.push(rng.random_range(0..1_000_000u64));
        let len = rng.random_range(lo..=hi).min(nf);
        let mut list = Vec::with_capacity(len);
        let mut attempts = 0;
        while list.len() < len && attempts < 20 * len + 20 {
            attempts += 1;
            let from_home = rng.random_range(0..100) < scale.home_percent;
            let pool = match home {
                Some(r) if from_home => &by_region[r],
                _ => &everywhere,
            };
            if let Some(f) = pool.draw(&mut rng)
                && used[f] != d
            {
                used[f] = d;
                list.push(f);
            }
        }
        lists.push(list);
    }

    // Facilities' lists: the doctors who listed them, by score and noise, some left out.
    let mut applicants: Vec<Vec<(u64, usize)>> = vec![Vec::new(); nf];
    for (d, list) in lists.iter().enumerate() {
        for &f in list {
            if rng.random_range(0..100) < scale.unlisted_percent {
                continue;
            }
            let key = score[d] + rng.random_range(0..200_000u64);
            applicants[f].push((key, d));
        }
    }
    let facilities: Vec<Facility> = applicants
        .into_iter()
        .enumerate()
        .map(|(f, mut a)| {
            a.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            Facility {
                id: format!("syn-f{:05}", f + 1),
                capacity: capacity[f],
                region: facility_region[f],
                priority: a.into_iter().map(|(_, d)| d).collect(),
            }
        })
        .collect();

    // Regions: caps as a share of the posts, floors the first choices can meet.
    let mut first_choices = vec![0u32; nf];
    for (d, list) in lists.iter().enumerate() {
        if let Some(&f) = list.first()
            && facilities[f].priority.contains(&d)
        {
            first_choices[f] += 1;
        }
    }
    let regions = scale
        .regions
        .iter()
        .enumerate()
        .map(|(r, spec)| {
            let in_r = (0..nf).filter(|&f| facility_region[f] == Some(r));
            let posts: u64 = in_r.clone().map(|f| u64::from(capacity[f])).sum();
            let witness: u64 = in_r
                .map(|f| u64::from(capacity[f].min(first_choices[f])))
                .sum();
            let cap = spec
                .cap_percent
                .map(|p| u32::try_from((posts * u64::from(p)).div_ceil(100)).unwrap_or(u32::MAX));
            let floor = u64::from(spec.floor)
                .min(witness)
                .min(cap.map_or(u64::MAX, u64::from));
            Region {
                id: spec.id.clone(),
                cap,
                floor: u32::try_from(floor).unwrap_or(0),
            }
        })
        .collect();

    // Couples among distinct doctors.
    let k = scale.couples.min(n / 2);
    let chosen = rand::seq::index::sample(&mut rng, n, 2 * k).into_vec();
    let couples = chosen.chunks_exact(2).map(|c| (c[0], c[1])).collect();

    let doctors = lists
        .into_iter()
        .enumerate()
        .map(|(d, preferences)| Doctor {
            id: format!("syn-d{:06}", d + 1),
            preferences,
        })
        .collect();
    // Every index is in range and no list repeats an entry, so validation cannot fail.
    Instance::new(doctors, facilities, regions, couples)
        .expect("generated instances are valid by construction")
}

/// Property-test strategies for small instances.
#[cfg(test)]
pub(crate) mod strategy {
    use proptest::prelude::*;

    use crate::instance::{Doctor, Facility, Instance, Region};

    /// Instances of up to `max_d` doctors and `max_f` facilities of up to `max_cap` posts,
    /// with random lists (any subset, any order, on both sides). With `constraints`, also up
    /// to two regions (caps 0–3 or none, floors 0–1) and at most one couple.
    pub fn instance(
        max_d: usize,
        max_f: usize,
        max_cap: u32,
        constraints: bool,
    ) -> impl Strategy<Value = Instance> {
        (0..=max_d, 0..=max_f)
            .prop_flat_map(move |(n, m)| {
                let lists = prop::collection::vec(
                    prop::sample::subsequence((0..m).collect::<Vec<_>>(), 0..=m).prop_shuffle(),
                    n,
                );
                let facilities = prop::collection::vec(
                    (
                        0..=max_cap,
                        prop::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n).prop_shuffle(),
                        any::<u8>(),
                    ),
                    m,
                );
                let regions = prop::collection::vec(
                    (prop::option::of(0..=3u32), 0..=1u32),
                    if constraints { 0..=2 } else { 0..=0 },
                );
                let couple = if constraints {
                    prop::option::of((any::<usize>(), any::<usize>())).boxed()
                } else {
                    Just(None).boxed()
                };
                (Just(n), lists, facilities, regions, couple)
            })
            .prop_map(|(n, lists, facilities, regions, couple)| {
                let nr = regions.len();
                let doctors = lists
                    .into_iter()
                    .enumerate()
                    .map(|(d, preferences)| Doctor {
                        id: format!("d{d}"),
                        preferences,
                    })
                    .collect();
                let facilities = facilities
                    .into_iter()
                    .enumerate()
                    .map(|(f, (capacity, priority, r))| Facility {
                        id: format!("f{f}"),
                        capacity,
                        region: (nr > 0 && usize::from(r) % (nr + 1) < nr)
                            .then(|| usize::from(r) % (nr + 1)),
                        priority,
                    })
                    .collect();
                let regions = regions
                    .into_iter()
                    .enumerate()
                    .map(|(r, (cap, floor))| Region {
                        id: format!("r{r}"),
                        cap,
                        floor: cap.map_or(floor, |c| floor.min(c)),
                    })
                    .collect();
                let couples = match couple {
                    Some((x, y)) if n >= 2 => {
                        let a = x % n;
                        vec![(a, (a + 1 + y % (n - 1)) % n)]
                    }
                    _ => vec![],
                };
                Instance::new(doctors, facilities, regions, couples).expect("valid")
            })
    }

    /// The instance with doctor `d`'s list replaced.
    pub fn rebuild_with_list(i: &Instance, d: usize, list: &[usize]) -> Instance {
        let mut doctors = i.doctors.clone();
        doctors[d].preferences = list.to_vec();
        Instance::new(
            doctors,
            i.facilities.clone(),
            i.regions.clone(),
            i.couples.clone(),
        )
        .expect("valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::da::deferred_acceptance;
    use proptest::prelude::*;

    #[test]
    fn prefecture_shape() {
        let i = prefecture(1);
        assert_eq!(i.doctors.len(), 185);
        assert_eq!(i.facilities.len(), 60);
        assert_eq!(i.regions.len(), 9);
        assert_eq!(i.couples.len(), 4);
        assert!(
            i.doctors
                .iter()
                .all(|d| (3..=8).contains(&d.preferences.len()))
        );
        assert!(i.regions[0].cap.is_some());
        assert!(i.regions[4..].iter().any(|r| r.floor > 0));
        assert!(i.doctors[0].id.starts_with("syn-"));
    }

    #[test]
    fn national_shape() {
        let i = national(20_000, 7);
        assert_eq!(i.doctors.len(), 20_000);
        assert_eq!(i.facilities.len(), 2_000);
        assert_eq!(i.regions.len(), 47);
        assert!(i.regions.iter().all(|r| r.cap.is_some()));
        assert!(
            i.doctors
                .iter()
                .all(|d| (10..=20).contains(&d.preferences.len()))
        );
        // Popularity skew: the most applied-to facility has many times the applicants of
        // the median.
        let mut apps = vec![0usize; i.facilities.len()];
        for d in &i.doctors {
            for &f in &d.preferences {
                apps[f] += 1;
            }
        }
        apps.sort_unstable();
        assert!(apps[apps.len() - 1] > 4 * apps[apps.len() / 2], "{apps:?}");
        let m = deferred_acceptance(&i);
        let r = check(&i, &m);
        assert!(r.blocking_pairs.is_empty() && r.cap_justified_blocking_pairs.is_empty());
    }

    #[test]
    fn degenerate_scales() {
        for scale in [
            Scale {
                doctors: 0,
                facilities: 0,
                regions: vec![],
                list_len: (5, 2),
                capacity: (3, 0),
                skew: 0,
                home_percent: 100,
                unlisted_percent: 100,
                couples: 9,
            },
            Scale {
                doctors: 3,
                facilities: 1,
                couples: 9,
                ..Scale::national(3)
            },
            Scale {
                doctors: 20,
                facilities: 0,
                ..Scale::prefecture()
            },
        ] {
            let i = generate(&scale, 3);
            assert_eq!(i.doctors.len(), scale.doctors);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn deterministic_for_a_seed(seed in any::<u64>()) {
            prop_assert_eq!(prefecture(seed), prefecture(seed));
            prop_assert_eq!(national(300, seed), national(300, seed));
        }

        #[test]
        fn seeds_differ(seed in 0u64..1_000_000) {
            prop_assert_ne!(prefecture(seed), prefecture(seed + 1));
        }
    }
}
