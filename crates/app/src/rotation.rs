//! Multi-year rotation plans (複数年ローテーション計画): the prefecture's obligated doctors
//! planned together over a horizon of fiscal years.
//!
//! [`cohort`] reads the register into the planner's problem ([`Input`]):
//!
//! - **Sites**: the prefecture's hospitals and clinics. A site's facility group is the one
//!   the register gives, else the university hospital's, else *large/medium* from 40
//!   full-time doctors, else *designated* for a facility in a shortage area (医師少数区域,
//!   the published index), else *small*. Service at any site in a shortage area is
//!   designated service, whatever its group. Posts open to the cohort per year come from the
//!   facility's size (one per 4 full-time doctors, 1 to 20; 30 at a university hospital;
//!   1 at a clinic). Designated sites want every post filled; a filled post is worth the
//!   area's class (shortage 2, intermediate 1, surplus 0.5) × (1 + its shortfall to the
//!   target doctors of the medical plan).
//! - **Programmes**: each doctor follows the rotation rules of their own scheme when it has
//!   any (Mie's programme), else of the prefecture's programme for their target specialty
//!   (else its programme for any specialty): the programme file of the same id gives the
//!   sites and groups (`[rules.rotation]`), the years per site (`[rules.tenure]`) and the
//!   training before the exam (`[rules.specialist]`). Training counts at sites accredited
//!   for it: university hospitals and hospitals with 30 or more full-time doctors.
//! - **Doctors**: every enrolled doctor still owing service, evaluated by the obligations
//!   engine on the eve of the horizon: the years still owed (rounded up), of which designated
//!   (all of them when the scheme counts designated service only), the deadline. Years of
//!   the horizon already in the register stay as they are (a decided post, leave, initial
//!   residency); the next free years are planned, as many as the service and training
//!   owed; later years are outside the plan. Wishes are the doctor's ranking in the
//!   prefecture's latest placement round.
//!
//! [`plan`] solves it, verifies every doctor's plan with the obligations engine (the
//! planned years added to the doctor's timeline must complete the service owed), and keeps
//! the input, result and figures as a new plan version; [`replan`] plans the register as it
//! now stands keeping as much of an earlier version as it can, and lists the changes;
//! [`adopt`] records the committee's adoption. Versions never change.

use std::collections::{BTreeMap, HashMap, HashSet};

use chiiki_domain::{
    Adoption, AreaCode, Assignment, AssignmentKind, Doctor, DoctorId, Facility, FacilityGroup,
    FacilityId, FacilityKind, FiscalYear, Fte, Lang, Msg, NaiveDate, Name, Period, PlanVersion,
    PrefCode, Rationale, RegisterStatus, Specialty, Workplace,
};
use chiiki_obligations::evaluate::evaluate;
use chiiki_obligations::timeline::ServicePeriod;
use chiiki_obligations::{Registry, SchemeDefinition};
use chiiki_rotation as rot;
use chiiki_store::Store;
use chiiki_tabular::{Cell, Sheet};
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::access::{Permission, Principal};
use crate::placement::{rejected, said};

/// Full-time doctors per post open to the cohort.
const DOCTORS_PER_POST: f64 = 4.0;
/// Full-time doctors from which a hospital outside a shortage area is large or medium.
const LARGE_MEDIUM_DOCTORS: f64 = 40.0;
/// Full-time doctors from which a hospital is accredited for specialist training.
const ACCREDITED_DOCTORS: f64 = 30.0;
/// Years of training before the specialist exam when the programme does not say: the basic
/// specialties' programmes last at least three years.
const DEFAULT_TRAINING_YEARS: u32 = 3;

// ---------------------------------------------------------------------------------------
// The stored input: the planner's problem with the names people read.

/// A site of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInput {
    pub id: String,
    pub name: String,
    pub area: String,
    pub area_name: String,
    pub group: FacilityGroup,
    pub designated: bool,
    pub accredited: bool,
    pub capacity: Vec<u32>,
    pub need: Vec<u32>,
    pub weight: f64,
}

/// A programme's rotation rules as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeInput {
    pub id: String,
    pub name: String,
    pub min_sites: u32,
    pub groups: Vec<(FacilityGroup, u32)>,
    pub min_years_per_site: u32,
    pub training_years: u32,
    /// The rules in words, each with its source.
    pub rules: Vec<Msg>,
}

/// What a year of a doctor holds before planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "site", rename_all = "snake_case")]
pub enum YearInput {
    Free,
    Fixed(usize),
    Leave,
    Away,
}

/// A doctor of the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorInput {
    pub id: String,
    pub name: String,
    pub synthetic: bool,
    pub scheme: String,
    pub graduation_year: i32,
    pub specialty: Option<Specialty>,
    pub programme: usize,
    pub years: Vec<YearInput>,
    pub visited: Vec<usize>,
    pub trained_years: u32,
    pub service_owed: u32,
    pub designated_owed: u32,
    pub deadline: Option<usize>,
    pub training_by: Option<usize>,
    pub max_designated: u32,
    /// Wishes: (site, value).
    pub preference: Vec<(usize, f64)>,
}

/// A doctor of the register left out of the cohort, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    pub doctor: String,
    pub reason: Msg,
}

/// The planning problem read from the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub pref: String,
    pub first_year: i32,
    pub years: usize,
    pub sites: Vec<SiteInput>,
    pub programmes: Vec<ProgrammeInput>,
    pub doctors: Vec<DoctorInput>,
    pub left_out: Vec<LeftOut>,
}

impl Input {
    /// The planner's instance.
    pub fn instance(&self) -> Result<rot::Instance, AppError> {
        let ns = self.sites.len();
        let sites = self
            .sites
            .iter()
            .map(|s| rot::Site {
                // The planner's messages name sites by this: the name people read.
                id: s.name.clone(),
                group: s.group,
                designated: s.designated,
                capacity: s.capacity.clone(),
                need: s.need.clone(),
                weight: s.weight,
            })
            .collect();
        let accredited: Vec<bool> = self.sites.iter().map(|s| s.accredited).collect();
        let programmes = self
            .programmes
            .iter()
            .map(|p| rot::Programme {
                id: p.id.clone(),
                min_sites: p.min_sites,
                groups: p
                    .groups
                    .iter()
                    .map(|&(group, min_sites)| rot::GroupRule { group, min_sites })
                    .collect(),
                min_years_per_site: p.min_years_per_site,
                allowed: vec![true; ns],
                accredited: accredited.clone(),
                training_years: p.training_years,
            })
            .collect();
        let doctors = self
            .doctors
            .iter()
            .map(|d| {
                let mut preference = vec![0.0; ns];
                for &(s, v) in &d.preference {
                    if let Some(p) = preference.get_mut(s) {
                        *p = v;
                    }
                }
                rot::Doctor {
                    id: d.id.clone(),
                    programme: d.programme,
                    slots: d
                        .years
                        .iter()
                        .map(|y| match *y {
                            YearInput::Free => rot::Slot::Free,
                            YearInput::Fixed(s) => rot::Slot::Fixed(s),
                            YearInput::Leave => rot::Slot::Leave,
                            YearInput::Away => rot::Slot::Away,
                        })
                        .collect(),
                    visited: d.visited.clone(),
                    trained_years: d.trained_years,
                    service_owed: d.service_owed,
                    designated_owed: d.designated_owed,
                    deadline: d.deadline,
                    training_by: d.training_by,
                    max_designated: d.max_designated,
                    preference,
                }
            })
            .collect();
        rot::Instance::new(
            self.first_year,
            self.years,
            sites,
            programmes,
            doctors,
            rot::Weights::default(),
        )
        .map_err(|errors| {
            AppError::Internal(format!(
                "rotation input: {}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })
    }

    /// The index of a doctor by id.
    pub fn doctor(&self, id: &str) -> Option<usize> {
        self.doctors.iter().position(|d| d.id == id)
    }

    /// The fiscal year of a year index.
    pub fn fy(&self, t: usize) -> i32 {
        self.first_year + t as i32
    }
}

// ---------------------------------------------------------------------------------------
// Reading the register.

fn first_day(fy: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fy, 4, 1).unwrap_or(NaiveDate::MIN)
}

fn last_day(fy: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fy + 1, 3, 31).unwrap_or(NaiveDate::MAX)
}

/// Days of `p` within the fiscal year.
fn overlap_days(p: &Period, fy: i32) -> i64 {
    let start = p.start().max(first_day(fy));
    let end = p.end().unwrap_or(NaiveDate::MAX).min(last_day(fy));
    (end - start).num_days() + 1
}

/// The class factor and shortfall of each area of the prefecture.
fn area_weights(pref: PrefCode) -> Result<HashMap<AreaCode, f64>, AppError> {
    let reference = crate::refdata::national()?;
    let analyses = crate::analysis::compute(reference)?;
    let mut out = HashMap::new();
    for a in analyses {
        let Ok(code) = AreaCode::parse(&a.area_code) else {
            continue;
        };
        if code.pref() != pref {
            continue;
        }
        let class = match a.class {
            chiiki_analytics::Class::Shortage => 2.0,
            chiiki_analytics::Class::Intermediate => 1.0,
            chiiki_analytics::Class::Surplus => 0.5,
        };
        let shortfall = a
            .target_doctors_2026
            .filter(|t| *t > 0.0)
            .map_or(0.0, |t| ((t - a.standardized_physicians) / t).max(0.0));
        out.insert(code, class * (1.0 + shortfall));
    }
    Ok(out)
}

/// The facility group a site plans under (see the module docs).
pub fn site_group(f: &Facility, shortage: &HashSet<AreaCode>) -> FacilityGroup {
    if let Some(g) = f.group {
        return g;
    }
    if f.kind == FacilityKind::UniversityHospital {
        FacilityGroup::University
    } else if f.doctors_fulltime.get() >= LARGE_MEDIUM_DOCTORS {
        FacilityGroup::LargeMedium
    } else if shortage.contains(&f.area) {
        FacilityGroup::DesignatedShortage
    } else {
        FacilityGroup::Small
    }
}

/// Posts open to the cohort at a facility each year (see the module docs).
pub fn posts(f: &Facility) -> u32 {
    match f.kind {
        FacilityKind::UniversityHospital => 30,
        FacilityKind::Hospital => {
            ((f.doctors_fulltime.get() / DOCTORS_PER_POST).round() as u32).clamp(1, 20)
        }
        _ => 1,
    }
}

fn rule_msgs(def: &SchemeDefinition) -> Vec<Msg> {
    let r = &def.rules;
    let mut out = Vec::new();
    let mut push = |d: &Msg, source: &str| {
        out.push(Msg::new(
            format!("{}（出典: {source}）", d.ja),
            format!("{} (source: {source})", d.en),
        ))
    };
    if let Some(c) = &r.rotation {
        push(&c.description, &c.source);
    }
    if let Some(c) = &r.tenure {
        push(&c.description, &c.source);
    }
    if let Some(c) = &r.specialist {
        push(&c.description, &c.source);
    }
    out
}

/// A programme's rotation rules from its file.
fn programme_input(id: &str, name: &str, def: Option<&SchemeDefinition>) -> ProgrammeInput {
    let Some(def) = def else {
        return ProgrammeInput {
            id: id.into(),
            name: name.into(),
            min_sites: 0,
            groups: vec![],
            min_years_per_site: 1,
            training_years: 0,
            rules: vec![Msg::new(
                "ローテーションの規則なし（義務年数のみ）",
                "no rotation rules (the years owed only)",
            )],
        };
    };
    let r = &def.rules;
    let rotation = r.rotation.as_ref();
    ProgrammeInput {
        id: id.into(),
        name: name.into(),
        min_sites: rotation.map_or(0, |c| c.min_sites),
        groups: rotation
            .map(|c| c.groups.iter().map(|g| (g.group, g.min_sites)).collect())
            .unwrap_or_default(),
        min_years_per_site: r
            .tenure
            .as_ref()
            .map_or(1, |t| (t.min_per_facility.in_years().ceil() as u32).max(1)),
        training_years: r
            .specialist
            .as_ref()
            .map_or(0, |s| s.training_years.unwrap_or(DEFAULT_TRAINING_YEARS)),
        rules: rule_msgs(def),
    }
}

/// The latest version of a programme file, if chiiki has one of that id.
fn programme_file<'r>(registry: &'r Registry, id: &str) -> Option<&'r SchemeDefinition> {
    let id = chiiki_domain::SchemeId::parse(id).ok()?;
    registry.versions(&id).last()
}

/// The register of the prefecture, its programmes, and the doctors' wishes in its latest
/// placement round.
struct Register {
    base: crate::placement::Register,
    programmes: Vec<chiiki_domain::Programme>,
    wishes: HashMap<DoctorId, Vec<FacilityId>>,
}

async fn read_register(store: &dyn Store, pref: PrefCode) -> Result<Register, AppError> {
    let base = crate::placement::register(store, pref).await?;
    let programmes = store.list_programmes(Some(pref)).await?;
    let mut wishes = HashMap::new();
    if let Some(round) = store
        .list_rounds(Some(pref))
        .await?
        .into_iter()
        .max_by_key(|r| r.id.fiscal_year().year())
    {
        for p in store.list_preferences(round.id).await? {
            wishes.insert(p.doctor, p.facilities);
        }
    }
    Ok(Register {
        base,
        programmes,
        wishes,
    })
}

/// The horizon of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    pub first_year: FiscalYear,
    pub years: u8,
}

impl Horizon {
    /// Checks the horizon as a plan version does (1 to 15 years).
    pub fn new(first_year: FiscalYear, years: u8) -> Result<Horizon, AppError> {
        if years == 0 || years > PlanVersion::MAX_YEARS {
            return Err(rejected(
                format!(
                    "計画期間 {years} 年は範囲外です。1〜{} 年にしてください",
                    PlanVersion::MAX_YEARS
                ),
                format!(
                    "a horizon of {years} years is out of range: plan 1 to {} years",
                    PlanVersion::MAX_YEARS
                ),
            ));
        }
        Ok(Horizon { first_year, years })
    }
}

/// Reads the register of a prefecture into the planning problem of the horizon.
pub async fn cohort(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    horizon: Horizon,
) -> Result<Input, AppError> {
    require_read(who, pref)?;
    Ok(problem(store, pref, horizon).await?.1)
}

/// The register of the prefecture, read once, and the planning problem built from it.
async fn problem(
    store: &dyn Store,
    pref: PrefCode,
    horizon: Horizon,
) -> Result<(Register, Input), AppError> {
    let reg = read_register(store, pref).await?;
    let registry = crate::obligations::registry()?;
    let shortage = crate::obligations::shortage_areas()?;
    let weights = area_weights(pref)?;
    let input = build(&reg, registry, &shortage, &weights, pref, horizon)?;
    Ok((reg, input))
}

fn build(
    reg: &Register,
    registry: &Registry,
    shortage: &HashSet<AreaCode>,
    weights: &HashMap<AreaCode, f64>,
    pref: PrefCode,
    horizon: Horizon,
) -> Result<Input, AppError> {
    let first = horizon.first_year.year();
    let years = usize::from(horizon.years);
    // Sites: the prefecture's hospitals and clinics, in id order.
    let mut facilities: Vec<&Facility> = reg
        .base
        .facilities
        .values()
        .filter(|f| {
            f.area.pref() == pref
                && matches!(
                    f.kind,
                    FacilityKind::UniversityHospital
                        | FacilityKind::Hospital
                        | FacilityKind::ClinicWithBeds
                        | FacilityKind::Clinic
                )
        })
        .collect();
    facilities.sort_by(|a, b| a.id.cmp(&b.id));
    let site_of: HashMap<&FacilityId, usize> = facilities
        .iter()
        .enumerate()
        .map(|(i, f)| (&f.id, i))
        .collect();
    let sites: Vec<SiteInput> = facilities
        .iter()
        .map(|f| {
            let designated =
                f.group == Some(FacilityGroup::DesignatedShortage) || shortage.contains(&f.area);
            let capacity = posts(f);
            SiteInput {
                id: f.id.to_string(),
                name: f.name.to_string(),
                area: f.area.to_string(),
                area_name: reg
                    .base
                    .area_names
                    .get(&f.area)
                    .cloned()
                    .unwrap_or_default(),
                group: site_group(f, shortage),
                designated,
                accredited: f.kind == FacilityKind::UniversityHospital
                    || f.doctors_fulltime.get() >= ACCREDITED_DOCTORS,
                capacity: vec![capacity; years],
                need: vec![if designated { capacity } else { 0 }; years],
                weight: if designated {
                    weights.get(&f.area).copied().unwrap_or(1.0)
                } else {
                    0.0
                },
            }
        })
        .collect();

    // Programmes: the prefecture's, then the doctors' own schemes' where they carry rules.
    let mut programmes: Vec<ProgrammeInput> = vec![programme_input(
        "none",
        "プログラムなし / no programme",
        None,
    )];
    let mut programme_index: HashMap<String, usize> = HashMap::new();
    let mut programme = |programmes: &mut Vec<ProgrammeInput>,
                         id: &str,
                         make: &dyn Fn() -> ProgrammeInput|
     -> usize {
        *programme_index.entry(id.to_string()).or_insert_with(|| {
            programmes.push(make());
            programmes.len() - 1
        })
    };

    let mut doctors = Vec::new();
    let mut left_out = Vec::new();
    let eve = first_day(first).pred_opt().unwrap_or(NaiveDate::MIN);
    let mut ordered: Vec<&Doctor> = reg.base.doctors.values().collect();
    ordered.sort_by(|a, b| a.id.cmp(&b.id));
    for d in ordered {
        let leave = |ja: &str, en: &str| LeftOut {
            doctor: d.id.to_string(),
            reason: Msg::new(ja, en),
        };
        if d.status != RegisterStatus::Active {
            left_out.push(leave(
                &format!(
                    "登録状態が「{}」のため計画しません",
                    d.status.label(Lang::Ja)
                ),
                &format!(
                    "not planned: the register says {}",
                    d.status.label(Lang::En)
                ),
            ));
            continue;
        }
        let mine: Vec<&Assignment> = reg
            .base
            .assignments
            .get(&d.id)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let Some(timeline) =
            crate::obligations::timeline_of(d, &mine, &reg.base.facilities, shortage)
        else {
            left_out.push(leave(
                "修学資金制度への登録がないため計画しません",
                "not planned: no scheme enrolment",
            ));
            continue;
        };
        let scheme = match crate::obligations::scheme_for(registry, &timeline) {
            Ok(s) => s,
            Err(m) => {
                left_out.push(LeftOut {
                    doctor: d.id.to_string(),
                    reason: m,
                });
                continue;
            }
        };
        let e = evaluate(scheme, &timeline, eve, Some(d.status));
        let owed = (e.remaining.service_years - 1e-6).ceil().max(0.0) as u32;
        let designated_only = scheme.rules.service.as_ref().is_some_and(|s| {
            !s.counts(AssignmentKind::OtherService) && !s.counts(AssignmentKind::SpecialistTraining)
        });
        let designated_owed = if designated_only {
            owed
        } else {
            ((e.remaining.designated_years - 1e-6).ceil().max(0.0) as u32).min(owed)
        };

        // The programme: the scheme's own rotation rules, else the prefecture's for the
        // doctor's specialty, else for any specialty.
        let (p, pdef) = if scheme.rules.rotation.is_some() {
            let name = scheme.name.ja.clone();
            (
                programme(&mut programmes, scheme.id.as_str(), &|| {
                    programme_input(scheme.id.as_str(), &name, Some(scheme))
                }),
                Some(scheme),
            )
        } else {
            let fits =
                |p: &&chiiki_domain::Programme| p.scheme.as_ref().is_none_or(|s| *s == scheme.id);
            let chosen = reg
                .programmes
                .iter()
                .filter(fits)
                .find(|p| p.specialty.is_some() && p.specialty == d.target_specialty)
                .or_else(|| {
                    reg.programmes
                        .iter()
                        .filter(fits)
                        .find(|p| p.specialty.is_none())
                });
            match chosen {
                Some(p) => {
                    let def = programme_file(registry, p.id.as_str());
                    (
                        programme(&mut programmes, p.id.as_str(), &|| {
                            programme_input(p.id.as_str(), p.name.as_str(), def)
                        }),
                        def,
                    )
                }
                None => (0, None),
            }
        };

        // What the register already holds for each year of the horizon.
        let mut slots: Vec<YearInput> = (0..years)
            .map(|t| {
                let fy = first + t as i32;
                let dominant = mine
                    .iter()
                    .filter(|a| overlap_days(&a.period, fy) > 0)
                    .max_by_key(|a| overlap_days(&a.period, fy));
                match dominant {
                    None => YearInput::Free,
                    Some(a) if a.kind.is_leave() || a.kind == AssignmentKind::GraduateSchool => {
                        YearInput::Leave
                    }
                    Some(a) if a.kind == AssignmentKind::InitialResidency => YearInput::Away,
                    Some(a) => match &a.place {
                        Some(Workplace::Registered { facility }) => site_of
                            .get(facility)
                            .map_or(YearInput::Away, |&s| YearInput::Fixed(s)),
                        _ => YearInput::Away,
                    },
                }
            })
            .collect();
        // Past training and sites.
        let trained_days: i64 = mine
            .iter()
            .filter(|a| a.kind == AssignmentKind::SpecialistTraining && a.period.start() <= eve)
            .map(|a| {
                let end = a.period.end().unwrap_or(eve).min(eve);
                (end - a.period.start()).num_days() + 1
            })
            .sum();
        let trained_years = (trained_days / 365) as u32;
        let mut visited: Vec<usize> = mine
            .iter()
            .filter(|a| {
                a.period.start() <= eve
                    && matches!(
                        a.kind,
                        AssignmentKind::SpecialistTraining
                            | AssignmentKind::DesignatedService
                            | AssignmentKind::OtherService
                    )
            })
            .filter_map(|a| match &a.place {
                Some(Workplace::Registered { facility }) => site_of.get(facility).copied(),
                _ => None,
            })
            .collect();
        visited.sort_unstable();
        visited.dedup();
        let training_years = programmes[p].training_years;
        let training_needed = training_years.saturating_sub(trained_years);
        // The rotation's sites and groups are those of the training: once it is done, the
        // years still owed follow the programme's tenure only.
        let p = if training_years > 0 && training_needed == 0 {
            let base = programmes[p].clone();
            programme(
                &mut programmes,
                &format!("{}/after-training", base.id),
                &|| ProgrammeInput {
                    id: format!("{}/after-training", base.id),
                    name: format!("{}（専門研修修了後 / after training）", base.name),
                    min_sites: 0,
                    groups: vec![],
                    training_years: 0,
                    rules: vec![Msg::new(
                        "専門研修を修了：ローテーションの施設・施設群の規則は研修期間のもので、残りの義務年数には1か所あたりの最短年数だけが適用されます",
                        "training done: the rotation's sites and groups are the training's; the years still owed follow the shortest stay per site only",
                    )],
                    ..base.clone()
                },
            )
        } else {
            p
        };
        let training_by = pdef
            .and_then(|def| def.rules.specialist.as_ref())
            .and_then(|s| s.due(d.graduation_date))
            .map(|due| FiscalYear::of(due).year() - first);
        let training_by = match training_by {
            Some(t) if t < 0 => {
                // The exam date has passed: the training that remains is owed at once.
                Some(0)
            }
            Some(t) if (t as usize) < years => Some(t as usize),
            _ => None,
        };
        let fixed = slots
            .iter()
            .filter(|s| matches!(s, YearInput::Fixed(_)))
            .count() as u32;
        let wanted = (owed + training_needed).saturating_sub(fixed);
        if owed == 0 && training_needed == 0 {
            left_out.push(leave(
                &format!("{first}年度の前日までに義務年数を満たしています"),
                &format!("the years owed are served by the eve of fiscal {first}"),
            ));
            continue;
        }
        let mut free = 0;
        for s in slots.iter_mut() {
            if *s == YearInput::Free {
                if free < wanted {
                    free += 1;
                } else {
                    *s = YearInput::Away;
                }
            }
        }
        let deadline = e
            .deadline
            .as_ref()
            .map(|dl| FiscalYear::of(dl.deadline).year() - first);
        let deadline = match deadline {
            Some(t) if t >= 0 && (t as usize) < years => Some(t as usize),
            _ => None,
        };
        let planned = free + fixed;
        let max_designated =
            designated_owed + (planned.saturating_sub(designated_owed)).div_ceil(2);
        let preference = reg
            .wishes
            .get(&d.id)
            .map(|list| {
                let n = list.len() as f64;
                list.iter()
                    .enumerate()
                    .filter_map(|(k, f)| site_of.get(f).map(|&s| (s, (n - k as f64) / n)))
                    .collect()
            })
            .unwrap_or_default();
        use chrono::Datelike;
        doctors.push(DoctorInput {
            id: d.id.to_string(),
            name: d.name.to_string(),
            synthetic: d.synthetic,
            scheme: scheme.id.to_string(),
            graduation_year: d.graduation_date.year(),
            specialty: d.target_specialty,
            programme: p,
            years: slots,
            visited,
            trained_years,
            service_owed: owed,
            designated_owed,
            deadline,
            training_by,
            max_designated,
            preference,
        });
    }
    Ok(Input {
        pref: pref.to_string(),
        first_year: first,
        years,
        sites,
        programmes,
        doctors,
        left_out,
    })
}

// ---------------------------------------------------------------------------------------
// The result.

/// A rule a doctor's plan breaks, or why no plan can serve them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub doctor: Option<usize>,
    pub rule: String,
    pub year: Option<usize>,
    pub message: Msg,
}

impl Finding {
    fn of(v: &rot::Violation) -> Finding {
        Finding {
            doctor: v.doctor,
            rule: v.rule.to_string(),
            year: v.year,
            message: Msg::new(v.ja.clone(), v.en.clone()),
        }
    }
}

/// More doctors at a site in a year than it has posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverflowOut {
    pub site: usize,
    pub year: usize,
    pub over: u32,
    pub doctors: Vec<usize>,
}

/// A year of a doctor that changed from the earlier version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeOut {
    pub doctor: usize,
    pub year: usize,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What the planner found, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// For each doctor of the input, the site of each year (index), or none.
    pub rows: Vec<Vec<Option<usize>>>,
    pub objective: f64,
    pub coverage: f64,
    pub preference: f64,
    pub continuity: f64,
    pub bound: Option<f64>,
    pub gap: Option<f64>,
    pub proven: bool,
    /// Doctors no plan can serve, with the rule the closest plan breaks.
    pub unplanned: Vec<usize>,
    pub cannot: Vec<Finding>,
    pub overflow: Vec<OverflowOut>,
    /// The independent checker's findings on the plan (none expected).
    pub violations: Vec<Finding>,
    /// Doctors whose planned years do not complete their service, by the obligations engine.
    pub obligation_failures: Vec<Finding>,
    /// Changes from the version replanned, if any.
    pub changes: Vec<ChangeOut>,
    pub seconds: f64,
}

/// The figures of a version, kept beside it for lists and comparisons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub doctors: usize,
    pub planned: usize,
    pub unplanned: usize,
    pub left_out: usize,
    pub sites: usize,
    pub objective: f64,
    pub bound: Option<f64>,
    pub gap: Option<f64>,
    pub proven: bool,
    /// Wanted posts × years at designated sites, and how many the plan fills.
    pub posts_wanted: u32,
    pub posts_filled: u32,
    /// Planned doctor-years, and of them at designated sites.
    pub doctor_years: u32,
    pub designated_years: u32,
    pub violations: usize,
    pub obligation_failures: usize,
    pub overflow: usize,
    pub changes: usize,
    pub seconds: f64,
}

impl Figures {
    /// Filled share of the wanted posts, 0..=1.
    pub fn fill_rate(&self) -> f64 {
        if self.posts_wanted == 0 {
            1.0
        } else {
            f64::from(self.posts_filled) / f64::from(self.posts_wanted)
        }
    }
}

/// Doctors at each site in each year of rows over the input's sites.
fn counts(input: &Input, rows: &[Vec<Option<usize>>]) -> Vec<Vec<u32>> {
    let mut counts = vec![vec![0u32; input.years]; input.sites.len()];
    for row in rows {
        for (t, s) in row.iter().enumerate() {
            if let Some(c) = s.and_then(|s| counts.get_mut(s)).and_then(|c| c.get_mut(t)) {
                *c += 1;
            }
        }
    }
    counts
}

fn figures(input: &Input, out: &Outcome) -> Figures {
    let counts = counts(input, &out.rows);
    let mut wanted = 0;
    let mut filled = 0;
    let mut designated_years = 0;
    let mut doctor_years = 0;
    for (site, here) in input.sites.iter().zip(&counts) {
        for (need, n) in site.need.iter().zip(here) {
            wanted += need;
            filled += need.min(n);
            doctor_years += n;
            if site.designated {
                designated_years += n;
            }
        }
    }
    Figures {
        doctors: input.doctors.len(),
        planned: input.doctors.len() - out.unplanned.len(),
        unplanned: out.unplanned.len(),
        left_out: input.left_out.len(),
        sites: input.sites.len(),
        objective: out.objective,
        bound: out.bound,
        gap: out.gap,
        proven: out.proven,
        posts_wanted: wanted,
        posts_filled: filled,
        doctor_years,
        designated_years,
        violations: out.violations.len(),
        obligation_failures: out.obligation_failures.len(),
        overflow: out.overflow.len(),
        changes: out.changes.len(),
        seconds: out.seconds,
    }
}

/// Checks each planned doctor with the obligations engine: the planned years, added to their
/// register, must complete the service owed by the end of the last planned year.
fn verify_obligations(
    reg: &Register,
    input: &Input,
    rows: &[Vec<Option<usize>>],
    unplanned: &[usize],
) -> Result<Vec<Finding>, AppError> {
    let registry = crate::obligations::registry()?;
    let shortage = crate::obligations::shortage_areas()?;
    let by_id: HashMap<&str, &Doctor> = reg
        .base
        .doctors
        .values()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let mut out = Vec::new();
    let first = input.first_year;
    let eve = first_day(first).pred_opt().unwrap_or(NaiveDate::MIN);
    for (i, doc) in input.doctors.iter().enumerate() {
        if unplanned.contains(&i) {
            continue;
        }
        let Some(d) = by_id.get(doc.id.as_str()) else {
            continue;
        };
        let past: Vec<&Assignment> = reg
            .base
            .assignments
            .get(&d.id)
            .map(|v| v.iter().filter(|a| a.period.start() <= eve).collect())
            .unwrap_or_default();
        let Some(mut timeline) =
            crate::obligations::timeline_of(d, &past, &reg.base.facilities, &shortage)
        else {
            continue;
        };
        // Cut the register at the eve: the plan decides from the first year on.
        for p in timeline.periods.iter_mut() {
            if p.period.end().is_none_or(|e| e > eve)
                && let Ok(cut) = Period::new(p.period.start(), Some(eve))
            {
                p.period = cut;
            }
        }
        let row = &rows[i];
        let mut last = None;
        let mut trained = doc.trained_years;
        let training = input.programmes[doc.programme].training_years;
        for (t, s) in row.iter().enumerate() {
            let Some(s) = *s else { continue };
            let site = &input.sites[s];
            let kind = if site.designated {
                AssignmentKind::DesignatedService
            } else if site.accredited && trained < training {
                trained += 1;
                AssignmentKind::SpecialistTraining
            } else {
                AssignmentKind::OtherService
            };
            let fy = input.fy(t);
            let Ok(period) = Period::new(first_day(fy), Some(last_day(fy))) else {
                continue;
            };
            timeline.periods.push(ServicePeriod {
                period,
                kind,
                facility: Some(site.name.clone()),
                facility_group: Some(site.group),
                in_prefecture: true,
                in_shortage_area: site.designated,
                fte: Fte::FULL,
            });
            last = Some(fy);
        }
        timeline.periods.sort_by_key(|p| p.period.start());
        let Ok(scheme) = crate::obligations::scheme_for(registry, &timeline) else {
            continue;
        };
        let as_of = last_day(last.unwrap_or(first + input.years as i32 - 1));
        let e = evaluate(scheme, &timeline, as_of, Some(d.status));
        if e.remaining.service_days > 0.5 || e.remaining.designated_days > 0.5 {
            out.push(Finding {
                doctor: Some(i),
                rule: "obligation.evaluate".into(),
                year: last.map(|fy| (fy - first) as usize),
                message: Msg::new(
                    format!(
                        "{} は計画の最終年度（{}年度末）に義務が {:.2} 年（うち指定 {:.2} 年）残ります",
                        doc.id,
                        last.unwrap_or(first),
                        e.remaining.service_years,
                        e.remaining.designated_years
                    ),
                    format!(
                        "{}: {:.2} year(s) of service ({:.2} designated) remain at the end of fiscal {}",
                        doc.id,
                        e.remaining.service_years,
                        e.remaining.designated_years,
                        last.unwrap_or(first)
                    ),
                ),
            });
        }
    }
    Ok(out)
}

/// How long the planner may search.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Effort {
    pub limits: rot::Limits,
}

impl Effort {
    /// A short search (a few seconds on the demo): for tests and previews; the gap says how
    /// far from the best the plan can be.
    pub fn quick() -> Effort {
        Effort {
            limits: rot::Limits {
                rounds: 100,
                bound_iterations: 20,
                exact_nodes: 0,
                ..rot::Limits::default()
            },
        }
    }
}

async fn solve_checked(
    reg: &Register,
    input: &Input,
    previous: Option<&Input>,
    previous_rows: Option<&[Vec<Option<usize>>]>,
    effort: Effort,
) -> Result<Outcome, AppError> {
    let instance = input.instance()?;
    let limits = effort.limits;
    // Rows of the earlier version, mapped to this input's doctors and sites by id.
    let before: Option<rot::Plan> = match (previous, previous_rows) {
        (Some(p), Some(rows)) => Some(carry_over(p, rows, input)),
        _ => None,
    };
    let started = std::time::Instant::now();
    let inst = instance.clone();
    let prev = before.clone();
    let (solved, changes) = tokio::task::spawn_blocking(move || match prev {
        Some(prev) => {
            let r = rot::replan::replan(&inst, &prev, &limits);
            let changes = r.changes;
            (r.solved, Some((prev, changes)))
        }
        None => (rot::solve(&inst, &limits), None),
    })
    .await
    .map_err(|e| AppError::Internal(format!("the planner stopped: {e}")))?;
    let seconds = started.elapsed().as_secs_f64();
    let unplanned: Vec<usize> = solved.unplanned.iter().map(|u| u.doctor).collect();
    let mut cannot = programme_problems(input);
    for &d in &unplanned {
        cannot.extend(rot::explain::cannot(&instance, d).iter().map(Finding::of));
    }
    // Posts over capacity are reported as overflow, with the doctors concerned.
    let violations: Vec<Finding> = rot::check(&instance, &solved.plan)
        .iter()
        .filter(|v| v.rule != "capacity")
        .filter(|v| v.doctor.is_none_or(|d| !unplanned.contains(&d)))
        .map(Finding::of)
        .collect();
    let rows = solved.plan.sites.clone();
    let obligation_failures = verify_obligations(reg, input, &rows, &unplanned)?;
    let site_id = |s: Option<usize>| s.map(|s| input.sites[s].id.clone());
    let changes = changes
        .map(|(prev, _)| {
            rot::replan::diff(&prev, &solved.plan)
                .into_iter()
                .map(|c| ChangeOut {
                    doctor: c.doctor,
                    year: c.year,
                    before: site_id(c.before),
                    after: site_id(c.after),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Outcome {
        rows,
        objective: solved.score.total(),
        coverage: solved.score.coverage,
        preference: solved.score.preference,
        continuity: solved.score.continuity,
        bound: solved.bound,
        gap: solved.gap,
        proven: solved.proven,
        unplanned,
        cannot,
        overflow: solved
            .overflow
            .iter()
            .map(|o| OverflowOut {
                site: o.site,
                year: o.year,
                over: o.over,
                doctors: o.doctors.clone(),
            })
            .collect(),
        violations,
        obligation_failures,
        changes,
        seconds,
    })
}

/// Programmes whose rules the sites listed cannot meet: a group with fewer sites than it
/// requires, or fewer sites in all than the rotation needs.
fn programme_problems(input: &Input) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, p) in input.programmes.iter().enumerate() {
        if !input.doctors.iter().any(|d| d.programme == i) {
            continue;
        }
        let finding = |ja: String, en: String| Finding {
            doctor: None,
            rule: "programme.groups".into(),
            year: None,
            message: Msg::new(ja, en),
        };
        for &(group, min) in &p.groups {
            let n = input.sites.iter().filter(|s| s.group == group).count() as u32;
            if n < min {
                out.push(finding(
                    format!(
                        "{} は {} 群の勤務先を {min} か所以上求めますが、登録されているのは {n} か所です。施設群を登録してください",
                        p.name,
                        group.label(Lang::Ja)
                    ),
                    format!(
                        "{} requires {min} site(s) of the {} group but the register lists {n}: record the facilities' groups",
                        p.name,
                        group.code()
                    ),
                ));
            }
        }
        if (input.sites.len() as u32) < p.min_sites {
            out.push(finding(
                format!(
                    "{} は {} か所以上を求めますが、勤務先は {} か所です",
                    p.name,
                    p.min_sites,
                    input.sites.len()
                ),
                format!(
                    "{} requires {} sites but there are {}",
                    p.name,
                    p.min_sites,
                    input.sites.len()
                ),
            ));
        }
    }
    out
}

/// An earlier version's rows in the terms of a new input: by doctor and site id, by fiscal
/// year; a doctor new to the cohort has an empty row.
fn carry_over(previous: &Input, rows: &[Vec<Option<usize>>], input: &Input) -> rot::Plan {
    let site_index: HashMap<&str, usize> = input
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let sites = input
        .doctors
        .iter()
        .map(|d| {
            let old = previous.doctor(&d.id);
            (0..input.years)
                .map(|t| {
                    let fy = input.fy(t);
                    let pt = fy - previous.first_year;
                    let old = old?;
                    if pt < 0 || pt as usize >= previous.years {
                        return None;
                    }
                    let s = rows.get(old)?.get(pt as usize).copied().flatten()?;
                    site_index.get(previous.sites[s].id.as_str()).copied()
                })
                .collect()
        })
        .collect();
    rot::Plan { sites }
}

// ---------------------------------------------------------------------------------------
// Use cases.

fn require_read(who: &Principal, pref: PrefCode) -> Result<(), AppError> {
    who.require(Permission::ReadRegisterViews)?;
    in_scope(who, pref)
}

fn in_scope(who: &Principal, pref: PrefCode) -> Result<(), AppError> {
    who.region_pref(Some(pref))?;
    Ok(())
}

fn require_plan(who: &Principal, pref: PrefCode) -> Result<(), AppError> {
    who.require(Permission::WriteRegister)?;
    in_scope(who, pref)
}

/// Whether the principal may plan and adopt (coordinators and administrators).
pub fn may_plan(who: &Principal) -> bool {
    who.can(Permission::WriteRegister)
}

/// Whether the principal may read the plans of their prefecture.
pub fn may_read(who: &Principal) -> bool {
    who.can(Permission::ReadRegisterViews)
}

fn from_json<T: for<'de> Deserialize<'de>>(v: &serde_json::Value) -> Result<T, AppError> {
    crate::from_json(v, "a stored rotation plan")
}

/// What a new version is: its prefecture, label, horizon and the version it replans.
struct Heading {
    pref: PrefCode,
    label: Name,
    horizon: Horizon,
    parent: Option<u32>,
}

async fn store_version(
    store: &dyn Store,
    who: &Principal,
    heading: Heading,
    input: &Input,
    outcome: &Outcome,
) -> Result<PlanVersion, AppError> {
    let Heading {
        pref,
        label,
        horizon,
        parent,
    } = heading;
    let figures = figures(input, outcome);
    let version = PlanVersion {
        pref,
        seq: 0,
        label,
        first_year: horizon.first_year,
        years: horizon.years,
        parent,
        input: crate::to_json(input)?,
        result: crate::to_json(outcome)?,
        summary: crate::to_json(&figures)?,
        created_by: who.actor().to_string(),
        created_at: chrono::Utc::now(),
    };
    version.validate().map_err(AppError::invalid)?;
    store
        .add_plan_version(who.actor(), &version)
        .await
        .map_err(said)
}

/// Plans the prefecture's cohort over the horizon and keeps the result as a new version.
pub async fn plan(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    horizon: Horizon,
    label: Name,
    effort: Effort,
) -> Result<PlanVersion, AppError> {
    require_plan(who, pref)?;
    require_read(who, pref)?;
    let (reg, input) = problem(store, pref, horizon).await?;
    let outcome = solve_checked(&reg, &input, None, None, effort).await?;
    let heading = Heading {
        pref,
        label,
        horizon,
        parent: None,
    };
    store_version(store, who, heading, &input, &outcome).await
}

/// Plans the register as it now stands again, keeping every year of version `parent` that
/// can stay, and keeps the result (with its changes) as a new version.
pub async fn replan(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    parent: u32,
    label: Name,
    effort: Effort,
) -> Result<PlanVersion, AppError> {
    require_plan(who, pref)?;
    let old = get_version(store, pref, parent).await?;
    let horizon = Horizon::new(old.first_year, old.years)?;
    let previous: Input = from_json(&old.input)?;
    let previous_outcome: Outcome = from_json(&old.result)?;
    require_read(who, pref)?;
    let (reg, input) = problem(store, pref, horizon).await?;
    let outcome = solve_checked(
        &reg,
        &input,
        Some(&previous),
        Some(&previous_outcome.rows),
        effort,
    )
    .await?;
    let heading = Heading {
        pref,
        label,
        horizon,
        parent: Some(parent),
    };
    store_version(store, who, heading, &input, &outcome).await
}

/// Records the committee's adoption of a version: the plan in force from now on.
pub async fn adopt(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
    rationale: Rationale,
) -> Result<Adoption, AppError> {
    require_plan(who, pref)?;
    get_version(store, pref, seq).await?;
    let adoption = Adoption {
        pref,
        seq,
        rationale,
        adopted_by: who.actor().to_string(),
        adopted_at: chrono::Utc::now(),
    };
    store
        .adopt_plan_version(who.actor(), &adoption)
        .await
        .map_err(said)?;
    Ok(adoption)
}

async fn get_version(store: &dyn Store, pref: PrefCode, seq: u32) -> Result<PlanVersion, AppError> {
    store.get_plan_version(pref, seq).await?.ok_or_else(|| {
        rejected(
            format!("ローテーション計画の版 {seq} がありません"),
            format!("there is no rotation plan version {seq}"),
        )
    })
}

/// The demo's first plan (fiscal 2027, ten years), made by the demo coordinator's office when
/// the demo prefecture has no plan yet; `None` when it has one.
pub async fn demo_plan(store: &dyn Store, effort: Effort) -> Result<Option<PlanVersion>, AppError> {
    let pref = crate::demo::iwate();
    if !store.list_plan_versions(pref).await?.is_empty() {
        return Ok(None);
    }
    let who = Principal::system("demo");
    let first = FiscalYear::new(crate::demo::LAST_FY + 1).map_err(AppError::invalid)?;
    let horizon = Horizon::new(first, 10)?;
    let label =
        Name::parse("デモ計画（2027年度から10年） / demo plan").map_err(AppError::invalid)?;
    plan(store, &who, pref, horizon, label, effort)
        .await
        .map(Some)
}

/// A version in a list: its figures and its adoption, if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionRow {
    pub seq: u32,
    pub label: String,
    pub first_year: i32,
    pub years: u8,
    pub parent: Option<u32>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub figures: Figures,
    pub adoption: Option<Adoption>,
    /// The version in force: the latest adopted.
    pub in_force: bool,
}

/// The prefecture's plan versions, newest first.
pub async fn versions(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
) -> Result<Vec<VersionRow>, AppError> {
    require_read(who, pref)?;
    let adoptions = store.list_adoptions(pref).await?;
    let in_force = adoptions.last().map(|a| a.seq);
    let mut out = Vec::new();
    for v in store.list_plan_versions(pref).await? {
        out.push(VersionRow {
            seq: v.seq,
            label: v.label.to_string(),
            first_year: v.first_year.year(),
            years: v.years,
            parent: v.parent,
            created_by: v.created_by.clone(),
            created_at: v.created_at,
            figures: from_json(&v.summary)?,
            adoption: adoptions.iter().find(|a| a.seq == v.seq).cloned(),
            in_force: in_force == Some(v.seq),
        });
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.seq));
    Ok(out)
}

/// One version, whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub pref: PrefCode,
    pub seq: u32,
    pub label: String,
    pub parent: Option<u32>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub input: Input,
    pub outcome: Outcome,
    pub figures: Figures,
    pub adoption: Option<Adoption>,
    pub in_force: bool,
}

/// Reads one version (the centre's staff; a doctor the version in force, to see their own
/// plan through [`doctor_plan`]).
pub async fn version(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
) -> Result<Version, AppError> {
    require_read(who, pref)?;
    read_version(store, pref, seq).await
}

async fn read_version(store: &dyn Store, pref: PrefCode, seq: u32) -> Result<Version, AppError> {
    let v = get_version(store, pref, seq).await?;
    let adoptions = store.list_adoptions(pref).await?;
    Ok(Version {
        pref,
        seq: v.seq,
        label: v.label.to_string(),
        parent: v.parent,
        created_by: v.created_by.clone(),
        created_at: v.created_at,
        input: from_json(&v.input)?,
        outcome: from_json(&v.result)?,
        figures: from_json(&v.summary)?,
        adoption: adoptions.iter().find(|a| a.seq == seq).cloned(),
        in_force: adoptions.last().map(|a| a.seq) == Some(seq),
    })
}

/// The version in force in the prefecture, if one was adopted.
pub async fn in_force(store: &dyn Store, pref: PrefCode) -> Result<Option<u32>, AppError> {
    Ok(store.list_adoptions(pref).await?.last().map(|a| a.seq))
}

/// One year of a doctor's plan, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearPlan {
    pub year: i32,
    /// The site (index into the input's sites), if any.
    pub site: Option<usize>,
    /// What the year was before planning: free, fixed, leave or away.
    pub slot: YearInput,
    pub reasons: Vec<Msg>,
    /// What the best plan without this year would lose (objective units), if there is one.
    pub loss: Option<f64>,
    pub changed_from: Option<Option<String>>,
}

/// A doctor's plan in a version, with the reasons for every year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorPlan {
    pub seq: u32,
    pub index: usize,
    pub doctor: DoctorInput,
    pub programme: ProgrammeInput,
    pub years: Vec<YearPlan>,
    /// Why no plan serves the doctor, when none does.
    pub cannot: Vec<Finding>,
    pub obligation_failures: Vec<Finding>,
}

/// A doctor's plan in a version with every year explained: the centre's staff any doctor's;
/// a doctor their own, in the version in force.
pub async fn doctor_plan(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    seq: u32,
    doctor: &str,
) -> Result<DoctorPlan, AppError> {
    let own = who.doctor.as_ref().is_some_and(|d| d.as_str() == doctor);
    if !(may_read(who) || own) {
        who.require(Permission::ReadRegisterViews)?;
    }
    in_scope(who, pref)?;
    if !may_read(who) && in_force(store, pref).await? != Some(seq) {
        return Err(rejected(
            "採用された計画だけを見られます",
            "only the adopted plan can be seen",
        ));
    }
    let v = read_version(store, pref, seq).await?;
    let Some(index) = v.input.doctor(doctor) else {
        return Err(rejected(
            format!("版 {seq} に医師 {doctor} はいません"),
            format!("doctor {doctor} is not in version {seq}"),
        ));
    };
    explain_doctor(&v, index)
}

fn explain_doctor(v: &Version, index: usize) -> Result<DoctorPlan, AppError> {
    let instance = v.input.instance()?;
    let plan = rot::Plan {
        sites: v.outcome.rows.clone(),
    };
    let doc = &v.input.doctors[index];
    let unplanned = v.outcome.unplanned.contains(&index);
    let years = (0..v.input.years)
        .map(|t| {
            let (reasons, loss) = if unplanned {
                (vec![], None)
            } else {
                let why = rot::explain::why(&instance, &plan, index, t);
                (
                    why.reasons
                        .iter()
                        .map(|r| Msg::new(r.ja.clone(), r.en.clone()))
                        .collect(),
                    why.loss,
                )
            };
            let changed_from = v
                .outcome
                .changes
                .iter()
                .find(|c| c.doctor == index && c.year == t)
                .map(|c| c.before.clone());
            YearPlan {
                year: v.input.fy(t),
                site: v.outcome.rows[index][t],
                slot: doc.years[t],
                reasons,
                loss,
                changed_from,
            }
        })
        .collect();
    let mine = |f: &&Finding| f.doctor == Some(index);
    Ok(DoctorPlan {
        seq: v.seq,
        index,
        doctor: doc.clone(),
        programme: v.input.programmes[doc.programme].clone(),
        years,
        cannot: v.outcome.cannot.iter().filter(mine).cloned().collect(),
        obligation_failures: v
            .outcome
            .obligation_failures
            .iter()
            .filter(mine)
            .cloned()
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Outputs.

/// Doctors at a site in a year.
pub fn staffing(v: &Version) -> Vec<Vec<u32>> {
    counts(&v.input, &v.outcome.rows)
}

/// Per secondary area and year: posts wanted and filled at designated sites, doctors planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaYear {
    pub area: String,
    pub area_name: String,
    pub year: i32,
    pub wanted: u32,
    pub filled: u32,
    pub doctors: u32,
}

/// Coverage per area and year.
pub fn area_coverage(v: &Version) -> Vec<AreaYear> {
    let counts = staffing(v);
    let mut by: BTreeMap<(String, usize), AreaYear> = BTreeMap::new();
    for (site, here) in v.input.sites.iter().zip(&counts) {
        for (t, (need, n)) in site.need.iter().zip(here).enumerate() {
            let e = by
                .entry((site.area.clone(), t))
                .or_insert_with(|| AreaYear {
                    area: site.area.clone(),
                    area_name: site.area_name.clone(),
                    year: v.input.fy(t),
                    wanted: 0,
                    filled: 0,
                    doctors: 0,
                });
            e.wanted += need;
            e.filled += need.min(n);
            e.doctors += n;
        }
    }
    by.into_values().collect()
}

/// A sheet's headers in the language asked for.
fn titles(ja: bool, jp: &[&str], en: &[&str]) -> Vec<String> {
    if ja { jp } else { en }
        .iter()
        .map(|h| h.to_string())
        .collect()
}

fn site_label(v: &Version, s: Option<usize>) -> Cell {
    Cell::text(s.map(|s| &v.input.sites[s].name))
}

/// The version as sheets: doctors' timelines, staffing per site and year, coverage per area
/// and year, the figures, and the changes from the version it replans.
pub fn sheets(v: &Version, lang: Lang) -> Vec<Sheet> {
    let ja = lang == Lang::Ja;
    let years: Vec<i32> = (0..v.input.years).map(|t| v.input.fy(t)).collect();
    let fy = |y: &i32| {
        if ja {
            format!("{y}年度")
        } else {
            format!("FY{y}")
        }
    };
    // Timelines.
    let mut headers = titles(
        ja,
        &[
            "医師ID",
            "氏名",
            "架空",
            "制度",
            "プログラム",
            "義務残（年）",
            "うち指定",
        ],
        &[
            "doctor",
            "name",
            "synthetic",
            "scheme",
            "programme",
            "years_owed",
            "designated_owed",
        ],
    );
    headers.extend(years.iter().map(fy));
    let rows = v
        .input
        .doctors
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut row = vec![
                Cell::Text(d.id.clone()),
                Cell::Text(d.name.clone()),
                Cell::Bool(d.synthetic),
                Cell::Text(d.scheme.clone()),
                Cell::Text(v.input.programmes[d.programme].id.clone()),
                Cell::Number(f64::from(d.service_owed)),
                Cell::Number(f64::from(d.designated_owed)),
            ];
            for t in 0..v.input.years {
                row.push(match d.years[t] {
                    YearInput::Leave => Cell::Text(if ja { "休業" } else { "leave" }.into()),
                    _ => site_label(v, v.outcome.rows[i][t]),
                });
            }
            row
        })
        .collect();
    let timeline = Sheet {
        name: (if ja { "医師別" } else { "doctors" }).to_string(),
        headers,
        rows,
    };
    // Staffing.
    let counts = staffing(v);
    let mut headers = titles(
        ja,
        &[
            "施設ID",
            "施設名",
            "二次医療圏",
            "施設群",
            "指定",
            "定員/年",
        ],
        &[
            "facility",
            "name",
            "area",
            "group",
            "designated",
            "posts_per_year",
        ],
    );
    headers.extend(years.iter().map(fy));
    let rows = v
        .input
        .sites
        .iter()
        .enumerate()
        .filter(|(s, site)| site.need.iter().any(|n| *n > 0) || counts[*s].iter().any(|c| *c > 0))
        .map(|(s, site)| {
            let mut row = vec![
                Cell::Text(site.id.clone()),
                Cell::Text(site.name.clone()),
                Cell::Text(site.area_name.clone()),
                Cell::Text(site.group.label(lang).to_string()),
                Cell::Bool(site.designated),
                Cell::Number(f64::from(site.capacity.first().copied().unwrap_or(0))),
            ];
            row.extend(counts[s].iter().map(|c| Cell::Number(f64::from(*c))));
            row
        })
        .collect();
    let staffing = Sheet {
        name: (if ja { "施設別" } else { "facilities" }).to_string(),
        headers,
        rows,
    };
    // Coverage.
    let headers = titles(
        ja,
        &[
            "二次医療圏コード",
            "二次医療圏",
            "年度",
            "必要数",
            "充足",
            "配置医師数",
        ],
        &[
            "area",
            "area_name",
            "fiscal_year",
            "wanted",
            "filled",
            "doctors",
        ],
    );
    let rows = area_coverage(v)
        .into_iter()
        .map(|a| {
            vec![
                Cell::Text(a.area),
                Cell::Text(a.area_name),
                Cell::Number(f64::from(a.year)),
                Cell::Number(f64::from(a.wanted)),
                Cell::Number(f64::from(a.filled)),
                Cell::Number(f64::from(a.doctors)),
            ]
        })
        .collect();
    let coverage = Sheet {
        name: (if ja { "圏域別" } else { "areas" }).to_string(),
        headers,
        rows,
    };
    // Changes.
    let headers = titles(
        ja,
        &["医師ID", "年度", "変更前", "変更後"],
        &["doctor", "fiscal_year", "before", "after"],
    );
    let name_of = |id: &Option<String>| {
        Cell::text(
            id.as_ref()
                .and_then(|id| v.input.sites.iter().find(|s| &s.id == id))
                .map(|s| &s.name),
        )
    };
    let rows = v
        .outcome
        .changes
        .iter()
        .map(|c| {
            vec![
                Cell::Text(v.input.doctors[c.doctor].id.clone()),
                Cell::Number(f64::from(v.input.fy(c.year))),
                name_of(&c.before),
                name_of(&c.after),
            ]
        })
        .collect();
    let changes = Sheet {
        name: (if ja { "変更" } else { "changes" }).to_string(),
        headers,
        rows,
    };
    vec![timeline, staffing, coverage, changes]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{AssignmentFields, AssignmentId, Record};
    use chiiki_store::{Change, Mode, testing};

    fn horizon() -> Horizon {
        Horizon::new(FiscalYear::new(2027).unwrap(), 10).unwrap()
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn coordinator() -> Principal {
        Principal {
            alliance: None,
            username: chiiki_domain::Username::parse("coord").unwrap(),
            display_name: "coord".into(),
            role: chiiki_domain::Role::Coordinator,
            pref: Some(crate::demo::iwate()),
            facility: None,
            doctor: None,
        }
    }

    /// The demo cohort: who is in it and why the others are not, what each year holds, the
    /// programmes each doctor follows.
    #[tokio::test]
    async fn the_demo_register_reads_into_a_cohort() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let input = cohort(store, &coordinator(), crate::demo::iwate(), horizon())
            .await
            .unwrap();
        assert!(input.doctors.len() > 150, "{} doctors", input.doctors.len());
        assert_eq!(input.doctors.len() + input.left_out.len(), 300);
        assert!(input.left_out.iter().all(|l| !l.reason.ja.is_empty()));
        // Every site has its posts and every year; designated sites want doctors.
        assert!(input.sites.len() > 150);
        for s in &input.sites {
            assert_eq!(s.capacity.len(), 10);
            assert!(s.capacity.iter().all(|c| *c >= 1));
            assert_eq!(s.need.iter().any(|n| *n > 0), s.designated, "{}", s.id);
        }
        // Doctors of the demo's three programmes; the after-training variants drop the
        // rotation's groups.
        let ids: Vec<&str> = input.programmes.iter().map(|p| p.id.as_str()).collect();
        for id in ["iwate-career-gp", "iwate-career-im", "iwate-career"] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        for d in &input.doctors {
            let p = &input.programmes[d.programme];
            let free = d.years.iter().filter(|y| **y == YearInput::Free).count() as u32;
            assert!(d.designated_owed <= d.service_owed);
            if p.id.ends_with("/after-training") {
                assert!(p.groups.is_empty());
            }
            // As many free years as owed (the horizon permitting), none after.
            assert!(free <= d.service_owed + DEFAULT_TRAINING_YEARS, "{}", d.id);
            // The demo's schemes count designated service only.
            assert_eq!(d.designated_owed, d.service_owed, "{}", d.id);
        }
        // Graduates of 2026 are in initial residency in FY2027: outside the plan.
        let g = input
            .doctors
            .iter()
            .find(|d| d.graduation_year == 2026)
            .unwrap();
        assert_eq!(g.years[0], YearInput::Away);
    }

    /// Plans the demo (a short search), checks it independently, keeps it as a version;
    /// leave for a doctor, then a replan that changes that doctor's years and keeps
    /// the rest; adoption once.
    #[tokio::test]
    async fn the_demo_plans_replans_and_adopts_on_every_back_end() {
        for t in testing::all().await {
            let store = t.store();
            crate::load_demo(store).await.unwrap();
            let who = coordinator();
            let pref = crate::demo::iwate();
            let v1 = plan(store, &who, pref, horizon(), name("第1版"), Effort::quick())
                .await
                .unwrap();
            assert_eq!(v1.seq, 1);
            let v = version(store, &who, pref, 1).await.unwrap();
            let f = &v.figures;
            assert_eq!(f.violations, 0, "{:?}", v.outcome.violations);
            assert_eq!(f.overflow, 0, "{:?}", v.outcome.overflow);
            assert_eq!(
                f.obligation_failures, 0,
                "{:?}",
                v.outcome.obligation_failures
            );
            assert!(f.planned > 150);
            assert!(
                f.gap.is_some_and(|g| (0.0..1.0).contains(&g)),
                "{:?}",
                f.gap
            );
            assert!(f.bound.unwrap() + 1e-6 >= f.objective);
            assert!(f.posts_filled > 0 && f.posts_filled <= f.posts_wanted);
            // Every unplanned doctor is explained.
            for u in &v.outcome.unplanned {
                assert!(v.outcome.cannot.iter().any(|c| c.doctor == Some(*u)));
            }
            // A planned doctor's plan is explained year by year.
            let d = (0..v.input.doctors.len())
                .find(|d| {
                    !v.outcome.unplanned.contains(d)
                        && v.input.doctors[*d].years[1] == YearInput::Free
                        && v.outcome.rows[*d][1].is_some()
                })
                .unwrap();
            let id = v.input.doctors[d].id.clone();
            let p = doctor_plan(store, &who, pref, 1, &id).await.unwrap();
            assert_eq!(p.years.len(), 10);
            assert!(!p.years[1].reasons.is_empty());

            // Childcare leave in FY2028 for that doctor, then a replan.
            let leave = chiiki_domain::Assignment::new(AssignmentFields {
                id: AssignmentId::parse(&format!("{id}-LEAVE")).unwrap(),
                doctor: DoctorId::parse(&id).unwrap(),
                place: None,
                period: Period::new(first_day(2028), Some(last_day(2028))).unwrap(),
                fte: Fte::FULL,
                kind: AssignmentKind::ChildcareLeave,
            })
            .unwrap();
            store
                .apply(
                    "test",
                    vec![Change::Put(Record::Assignment(leave))],
                    Mode::Commit,
                )
                .await
                .unwrap();
            let v2 = replan(store, &who, pref, 1, name("育休の反映"), Effort::quick())
                .await
                .unwrap();
            assert_eq!(v2.parent, Some(1));
            let v2 = version(store, &who, pref, v2.seq).await.unwrap();
            assert_eq!(v2.figures.violations, 0, "{:?}", v2.outcome.violations);
            assert_eq!(v2.figures.obligation_failures, 0);
            let d2 = v2.input.doctor(&id).unwrap();
            assert_eq!(v2.input.doctors[d2].years[1], YearInput::Leave);
            assert_eq!(v2.outcome.rows[d2][1], None);
            let changes = &v2.outcome.changes;
            assert!(changes.iter().any(|c| c.doctor == d2 && c.year == 1));
            // Few years change: the doctor's own, and what their leave forces.
            let planned_years: usize = v2
                .outcome
                .rows
                .iter()
                .map(|r| r.iter().flatten().count())
                .sum();
            assert!(
                changes.len() * 20 < planned_years,
                "{} of {planned_years} years changed",
                changes.len()
            );

            // Adoption: once per version; the latest is in force.
            adopt(
                store,
                &who,
                pref,
                2,
                Rationale::parse("委員会で承認").unwrap(),
            )
            .await
            .unwrap();
            let again = adopt(store, &who, pref, 2, Rationale::parse("再度").unwrap()).await;
            assert!(matches!(again, Err(AppError::Rejected(_))), "{again:?}");
            let list = versions(store, &who, pref).await.unwrap();
            assert_eq!(list.len(), 2);
            assert!(list[0].in_force && list[0].seq == 2);
            assert!(!list[1].in_force && list[1].adoption.is_none());
            let sheets = sheets(&version(store, &who, pref, 2).await.unwrap(), Lang::Ja);
            assert_eq!(sheets.len(), 4);
            assert_eq!(sheets[0].rows.len(), v2.input.doctors.len());
            assert_eq!(sheets[3].rows.len(), changes.len());
        }
    }

    /// A programme asking for a group the register has no site of is reported by name.
    #[test]
    fn a_programme_the_sites_cannot_meet_is_named() {
        let site = |id: &str, group| SiteInput {
            id: id.into(),
            name: id.into(),
            area: "0301".into(),
            area_name: "盛岡".into(),
            group,
            designated: false,
            accredited: true,
            capacity: vec![1],
            need: vec![0],
            weight: 0.0,
        };
        let programme = ProgrammeInput {
            id: "p".into(),
            name: "テスト".into(),
            min_sites: 3,
            groups: vec![(FacilityGroup::University, 1), (FacilityGroup::Small, 1)],
            min_years_per_site: 1,
            training_years: 0,
            rules: vec![],
        };
        let doctor = DoctorInput {
            id: "D-1".into(),
            name: "架空".into(),
            synthetic: true,
            scheme: "s".into(),
            graduation_year: 2020,
            specialty: None,
            programme: 0,
            years: vec![YearInput::Free],
            visited: vec![],
            trained_years: 0,
            service_owed: 1,
            designated_owed: 0,
            deadline: None,
            training_by: None,
            max_designated: 1,
            preference: vec![],
        };
        let input = Input {
            pref: "03".into(),
            first_year: 2027,
            years: 1,
            sites: vec![
                site("a", FacilityGroup::University),
                site("b", FacilityGroup::LargeMedium),
            ],
            programmes: vec![programme],
            doctors: vec![doctor],
            left_out: vec![],
        };
        let found = programme_problems(&input);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].message.en.contains("small group"));
        assert!(
            found[1]
                .message
                .en
                .contains("requires 3 sites but there are 2")
        );
    }

    /// Who may plan, read and see a doctor's plan.
    #[tokio::test]
    async fn roles_and_prefectures_are_kept_apart() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let pref = crate::demo::iwate();
        let who = coordinator();
        let mut facility = coordinator();
        facility.role = chiiki_domain::Role::Facility;
        let mut auditor = coordinator();
        auditor.role = chiiki_domain::Role::Auditor;
        let mut other = coordinator();
        other.pref = Some(PrefCode::new(24).unwrap());
        for p in [&facility, &other] {
            let r = cohort(store, p, pref, horizon()).await;
            assert!(matches!(r, Err(AppError::Denied(_))), "{r:?}");
        }
        let r = plan(store, &auditor, pref, horizon(), name("x"), Effort::quick()).await;
        assert!(matches!(r, Err(AppError::Denied(_))), "{r:?}");
        plan(store, &who, pref, horizon(), name("v"), Effort::quick())
            .await
            .unwrap();
        assert!(versions(store, &auditor, pref).await.is_ok());
        // A doctor sees their own plan in the version in force only.
        let mut doctor = coordinator();
        doctor.role = chiiki_domain::Role::Doctor;
        let v = version(store, &who, pref, 1).await.unwrap();
        let mine = v.input.doctors[0].id.clone();
        doctor.doctor = Some(DoctorId::parse(&mine).unwrap());
        assert!(doctor_plan(store, &doctor, pref, 1, &mine).await.is_err());
        adopt(store, &who, pref, 1, Rationale::parse("承認").unwrap())
            .await
            .unwrap();
        assert!(doctor_plan(store, &doctor, pref, 1, &mine).await.is_ok());
        let someone_else = v.input.doctors[1].id.clone();
        assert!(
            doctor_plan(store, &doctor, pref, 1, &someone_else)
                .await
                .is_err()
        );
        assert!(version(store, &doctor, pref, 1).await.is_err());
    }
}
