//! The placement instance, validated: every index in range, no duplicates, ranks
//! precomputed so that mechanisms ask "does f prefer d to d'?" in O(1).

use serde::Serialize;

/// A doctor to place, with the facilities they accept, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Doctor {
    pub id: String,
    /// Facility indices, most preferred first; a facility not listed is unacceptable.
    pub preferences: Vec<usize>,
}

impl Doctor {
    pub fn new(id: impl Into<String>, preferences: &[usize]) -> Doctor {
        Doctor {
            id: id.into(),
            preferences: preferences.to_vec(),
        }
    }
}

/// A facility with its posts and its priority order over doctors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facility {
    pub id: String,
    pub capacity: u32,
    pub region: Option<usize>,
    /// Doctor indices, highest priority first; a doctor not listed is unacceptable.
    pub priority: Vec<usize>,
}

impl Facility {
    pub fn new(
        id: impl Into<String>,
        capacity: u32,
        region: Option<usize>,
        priority: &[usize],
    ) -> Facility {
        Facility {
            id: id.into(),
            capacity,
            region,
            priority: priority.to_vec(),
        }
    }
}

/// A region (for example a secondary medical area or a prefecture): at most `cap` doctors in
/// its facilities, and at least `floor` when the mechanism honours floors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub id: String,
    pub cap: Option<u32>,
    pub floor: u32,
}

/// Two doctors who must be placed in the same region (or both unplaced).
pub type Couple = (usize, usize);

/// A problem of an instance, said in Japanese and English with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {en} / {ja}")]
pub struct InstanceError {
    /// Where, as a JSON path (`doctors[3].preferences[1]`).
    pub path: String,
    pub ja: String,
    pub en: String,
}

/// A validated instance. Build it with [`Instance::new`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instance {
    pub doctors: Vec<Doctor>,
    pub facilities: Vec<Facility>,
    pub regions: Vec<Region>,
    pub couples: Vec<Couple>,
    /// `doctor_rank[d]`: the position of each facility in doctor d's list.
    #[serde(skip)]
    doctor_rank: Vec<RankMap>,
    /// `facility_rank[f]`: the position of each doctor in facility f's list.
    #[serde(skip)]
    facility_rank: Vec<RankMap>,
}

impl Instance {
    /// Checks and indexes an instance: indices in range, no duplicate in a list, capacities
    /// and caps as given (unsigned), each doctor in at most one couple, not with themself.
    /// Every problem is reported.
    pub fn new(
        doctors: Vec<Doctor>,
        facilities: Vec<Facility>,
        regions: Vec<Region>,
        couples: Vec<Couple>,
    ) -> Result<Instance, Vec<InstanceError>> {
        // The doctors' and the facilities' rank tables build independently: on two threads.
        let ((doctor_rank, mut errors), (facility_rank, facility_errors)) = both(
            || doctor_ranks(&doctors, &facilities),
            || facility_ranks(&doctors, &facilities, regions.len()),
        );
        errors.extend(facility_errors);
        let err = |path: String, ja: String, en: String| InstanceError { path, ja, en };
        for (r, reg) in regions.iter().enumerate() {
            if let Some(cap) = reg.cap
                && cap < reg.floor
            {
                errors.push(err(
                    format!("regions[{r}]"),
                    format!("{}: 下限 {} が上限 {cap} を超えています", reg.id, reg.floor),
                    format!("{}: the floor {} is above the cap {cap}", reg.id, reg.floor),
                ));
            }
        }
        let mut in_couple = vec![false; doctors.len()];
        for (k, &(a, b)) in couples.iter().enumerate() {
            if a >= doctors.len() || b >= doctors.len() || a == b {
                errors.push(err(
                    format!("couples[{k}]"),
                    "組は異なる2人の医師です".into(),
                    "a couple is two different doctors".into(),
                ));
                continue;
            }
            for x in [a, b] {
                if std::mem::replace(&mut in_couple[x], true) {
                    errors.push(err(
                        format!("couples[{k}]"),
                        format!("{} は二つの組にいます", doctors[x].id),
                        format!("{} is in two couples", doctors[x].id),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Instance {
            doctors,
            facilities,
            regions,
            couples,
            doctor_rank,
            facility_rank,
        })
    }

    /// The position of facility `f` in doctor `d`'s list; `None` when unacceptable to `d`.
    pub fn doctor_rank(&self, d: usize, f: usize) -> Option<u32> {
        self.doctor_rank.get(d)?.get(f)
    }

    /// The position of doctor `d` in facility `f`'s list; `None` when unacceptable to `f`.
    pub fn facility_rank(&self, f: usize, d: usize) -> Option<u32> {
        self.facility_rank.get(f)?.get(d)
    }

    /// Whether `d` and `f` accept each other.
    pub fn acceptable(&self, d: usize, f: usize) -> bool {
        self.doctor_rank(d, f).is_some() && self.facility_rank(f, d).is_some()
    }

    /// The couple partner of a doctor.
    pub fn partner(&self, d: usize) -> Option<usize> {
        self.couples.iter().find_map(|&(a, b)| {
            if a == d {
                Some(b)
            } else if b == d {
                Some(a)
            } else {
                None
            }
        })
    }
}

/// Runs two independent jobs, one on a second thread, and returns both results (a panic in
/// either is passed on).
pub(crate) fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let first = s.spawn(a);
        let second = b();
        let first = first
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (first, second)
    })
}

/// Each doctor's rank table, and the problems of their lists.
fn doctor_ranks(doctors: &[Doctor], facilities: &[Facility]) -> (Vec<RankMap>, Vec<InstanceError>) {
    rank_tables(
        doctors.iter().map(|d| d.preferences.as_slice()),
        facilities.len(),
        ("doctors", "preferences"),
        ("医療機関", "facility", "希望"),
        |f| facilities.get(f).map(|x| x.id.as_str()),
    )
}

/// Each facility's rank table, and the problems of their lists and regions.
fn facility_ranks(
    doctors: &[Doctor],
    facilities: &[Facility],
    regions: usize,
) -> (Vec<RankMap>, Vec<InstanceError>) {
    let (ranks, mut errors) = rank_tables(
        facilities.iter().map(|f| f.priority.as_slice()),
        doctors.len(),
        ("facilities", "priority"),
        ("医師", "doctor", "優先順位"),
        |d| doctors.get(d).map(|x| x.id.as_str()),
    );
    for (f, fac) in facilities.iter().enumerate() {
        if let Some(r) = fac.region
            && r >= regions
        {
            errors.push(InstanceError {
                path: format!("facilities[{f}].region"),
                ja: format!("地域の番号 {r} がありません"),
                en: format!("no region number {r}"),
            });
        }
    }
    (ranks, errors)
}

/// The rank table of each list over entries `0..bound`, and its problems: an entry out of
/// range (`id_of` gives `None`) or repeated. `(owners, key)` name the lists in paths; `(ja, en, list_ja)` name
/// their entries and the list in messages.
fn rank_tables<'a>(
    lists: impl ExactSizeIterator<Item = &'a [usize]>,
    bound: usize,
    (owners, key): (&str, &str),
    (what_ja, what_en, list_ja): (&str, &str, &str),
    id_of: impl Fn(usize) -> Option<&'a str>,
) -> (Vec<RankMap>, Vec<InstanceError>) {
    let mut errors = Vec::new();
    let mut tables = Vec::with_capacity(lists.len());
    for (owner, list) in lists.enumerate() {
        let (rank, repeated) = RankMap::build(list, bound);
        for (k, &x) in list.iter().enumerate() {
            let path = || format!("{owners}[{owner}].{key}[{k}]");
            match id_of(x) {
                None => errors.push(InstanceError {
                    path: path(),
                    ja: format!("{what_ja}の番号 {x} がありません"),
                    en: format!("no {what_en} number {x}"),
                }),
                Some(id) if repeated[k] => errors.push(InstanceError {
                    path: path(),
                    ja: format!("{id} が{list_ja}に二度あります"),
                    en: format!("{id} is listed twice"),
                }),
                Some(_) => {}
            }
        }
        tables.push(rank);
    }
    (tables, errors)
}

/// The positions of the entries of one list, sorted by entry and found by binary search:
/// smaller and faster to build than a hash map for lists of tens to hundreds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct RankMap(Vec<(u32, u32)>);

impl RankMap {
    /// The map of a list (entries at or above `bound` left out), and for each position
    /// whether it repeats an earlier entry (the first stays).
    fn build(list: &[usize], bound: usize) -> (RankMap, Vec<bool>) {
        let mut pairs: Vec<(u32, u32)> = list
            .iter()
            .enumerate()
            .filter(|(_, e)| **e < bound)
            .filter_map(|(k, &e)| Some((u32::try_from(e).ok()?, u32::try_from(k).ok()?)))
            .collect();
        pairs.sort_unstable();
        let mut repeated = vec![false; list.len()];
        pairs.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                repeated[later.1 as usize] = true;
            }
            same
        });
        (RankMap(pairs), repeated)
    }

    fn get(&self, entry: usize) -> Option<u32> {
        let entry = u32::try_from(entry).ok()?;
        self.0
            .binary_search_by_key(&entry, |p| p.0)
            .ok()
            .map(|i| self.0[i].1)
    }
}

/// A matching: each doctor's facility, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matching {
    pub assignment: Vec<Option<usize>>,
}

impl Matching {
    pub fn empty(doctors: usize) -> Matching {
        Matching {
            assignment: vec![None; doctors],
        }
    }

    /// The doctors at each facility.
    pub fn at_facilities(&self, facilities: usize) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); facilities];
        for (d, f) in self.assignment.iter().enumerate() {
            if let Some(f) = f
                && let Some(list) = out.get_mut(*f)
            {
                list.push(d);
            }
        }
        out
    }

    /// The number of doctors in each region.
    pub fn region_counts(&self, instance: &Instance) -> Vec<u32> {
        let mut out = vec![0u32; instance.regions.len()];
        for f in self.assignment.iter().flatten() {
            if let Some(r) = instance.facilities.get(*f).and_then(|x| x.region)
                && let Some(c) = out.get_mut(r)
            {
                *c += 1;
            }
        }
        out
    }

    /// Entry k: the doctors placed at their (k + 1)-th choice. A doctor placed at a facility
    /// they did not list (or out of range) counts in none.
    pub fn choice_counts(&self, instance: &Instance) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for (d, f) in self.assignment.iter().enumerate() {
            let Some(k) = f.and_then(|f| instance.doctor_rank(d, f)) else {
                continue;
            };
            let k = k as usize;
            if out.len() <= k {
                out.resize(k + 1, 0);
            }
            out[k] += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, prefs: &[usize]) -> Doctor {
        Doctor::new(id, prefs)
    }

    fn fac(id: &str, cap: u32, prio: &[usize]) -> Facility {
        Facility::new(id, cap, None, prio)
    }

    #[test]
    fn ranks_and_errors() {
        let i = Instance::new(
            vec![doc("d1", &[0, 1]), doc("d2", &[1])],
            vec![fac("f1", 1, &[0]), fac("f2", 1, &[1, 0])],
            vec![],
            vec![],
        )
        .unwrap();
        assert_eq!(i.doctor_rank(0, 1), Some(1));
        assert!(i.acceptable(0, 0) && !i.acceptable(1, 0));
        let e = Instance::new(
            vec![doc("d1", &[0, 0, 5])],
            vec![fac("f1", 1, &[3])],
            vec![Region {
                id: "r".into(),
                cap: Some(1),
                floor: 2,
            }],
            vec![(0, 0)],
        )
        .unwrap_err();
        let paths: Vec<&str> = e.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "doctors[0].preferences[1]",
                "doctors[0].preferences[2]",
                "facilities[0].priority[0]",
                "regions[0]",
                "couples[0]"
            ]
        );
    }
}
