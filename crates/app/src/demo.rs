//! The demo: Iwate prefecture — its 9 secondary areas, 33 municipalities and 131 real
//! hospitals and clinics with beds from the bundled public data — and a seeded, deterministic synthetic population:
//! three obligation schemes modelled on Iwate's, about 300 obligated doctors graduating from
//! 2012 to 2026 with plausible histories, and about 40 rural clinics. Every invented person
//! and facility is marked synthetic; the same seed always gives the same demo.

use chiiki_domain::{
    Amount, AreaCode, Assignment, AssignmentFields, AssignmentId, AssignmentKind, Beds,
    Coordinates, Doctor, DoctorFields, DoctorId, Email, EmergencyLevel, Enrolment, Facility,
    FacilityFields, FacilityGroup, FacilityId, FacilityKind, Fte, Kana, NaiveDate, Name, Period,
    PrefCode, Programme, ProgrammeId, Record, RegisterStatus, Scheme, SchemeId, Sex, Specialty,
    WorkHourLevel, Workplace,
};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::refdata::{self, RefDataError};

/// The seed of the demo population.
pub const SEED: u64 = 2026;
/// Histories run up to the end of this fiscal year.
pub const LAST_FY: i32 = 2026;

/// Iwate's prefecture code.
pub fn iwate() -> PrefCode {
    PrefCode::new(3).expect("3 is a prefecture")
}

/// Everything the demo loads, in dependency order.
pub fn records() -> Result<Vec<Record>, RefDataError> {
    let reference = refdata::load(Some(iwate()))?;
    let mut out: Vec<Record> = Vec::new();
    out.extend(reference.areas.iter().cloned().map(Record::from));
    out.extend(reference.municipalities.iter().cloned().map(Record::from));
    let schemes = schemes();
    out.extend(schemes.iter().cloned().map(Record::from));
    out.extend(programmes().into_iter().map(Record::from));
    out.extend(reference.hospitals.iter().cloned().map(Record::from));

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let clinics = clinics(&mut rng, &reference);
    out.extend(clinics.iter().cloned().map(Record::from));
    let (doctors, assignments) = population(&mut rng, &reference.hospitals, &schemes);
    out.extend(doctors.into_iter().map(Record::from));
    out.extend(assignments.into_iter().map(Record::from));
    Ok(out)
}

fn name(s: &str) -> Name {
    Name::parse(s).expect("demo names are valid")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("demo dates exist")
}

/// Three schemes modelled on Iwate's scholarship loans (REFERENCES: county medical fund,
/// 9 years; prefectural hospital bureau, 6 years; municipal, 6 years).
pub fn schemes() -> Vec<Scheme> {
    let s = |id: &str, n: &str, sponsor: &str, years: u8| Scheme {
        id: SchemeId::parse(id).expect("valid id"),
        name: name(n),
        pref: iwate(),
        sponsor: name(sponsor),
        service_years: years,
    };
    vec![
        s(
            "iwate-kokuho",
            "市町村医師養成事業（国保医師修学資金、デモ）",
            "岩手県国民健康保険団体連合会",
            9,
        ),
        s(
            "iwate-iryokyoku",
            "医療局医師奨学資金（デモ）",
            "岩手県医療局",
            6,
        ),
        s(
            "iwate-shichoson",
            "市町村医師修学資金（デモ）",
            "岩手県内市町村",
            6,
        ),
    ]
}

/// One demo account per role. Their people are synthetic.
pub fn accounts() -> Vec<chiiki_domain::AccountFields> {
    use chiiki_domain::{AccountFields, Role, Username};
    let a = |user: &str, display: &str, role: Role| AccountFields {
        alliance: None,
        username: Username::parse(user).expect("valid"),
        display_name: name(display),
        role,
        pref: (role != Role::Admin).then(iwate),
        facility: None,
        doctor: None,
        disabled: false,
    };
    let mut facility = a("kamaishi", "岩手県立釜石病院 事務（デモ）", Role::Facility);
    facility.facility = FacilityId::parse("R7-0306-14").ok();
    let mut doctor = a("doctor", "DEMO-2018-001（架空の医師）", Role::Doctor);
    doctor.doctor = DoctorId::parse("DEMO-2018-001").ok();
    vec![
        a("admin", "管理者（デモ）", Role::Admin),
        a(
            "coordinator",
            "岩手県 地域医療支援センター（デモ）",
            Role::Coordinator,
        ),
        facility,
        doctor,
        a("auditor", "監査担当（デモ）", Role::Auditor),
        AccountFields {
            pref: chiiki_domain::PrefCode::new(12).ok(),
            alliance: chiiki_domain::AllianceId::parse("12-TOKATSU-NANBU").ok(),
            ..a(
                "tokatsu",
                "東葛南部メディカルアライアンス 事務局（デモ）",
                Role::Secretariat,
            )
        },
    ]
}

/// Three career-formation programmes (キャリア形成プログラム) modelled on Iwate's: general
/// practice, internal medicine and a common course for the other specialties. Their rotation
/// rules are the shipped programme files of the same ids (`schemes/iwate-career*.toml`).
pub fn programmes() -> Vec<Programme> {
    let p = |id: &str, n: &str, specialty: Option<Specialty>| Programme {
        id: ProgrammeId::parse(id).expect("valid id"),
        name: name(n),
        pref: iwate(),
        scheme: None,
        specialty,
    };
    vec![
        p(
            "iwate-career-gp",
            "岩手県キャリア形成プログラム 総合診療コース（デモ）",
            Some(Specialty::GeneralPractice),
        ),
        p(
            "iwate-career-im",
            "岩手県キャリア形成プログラム 内科コース（デモ）",
            Some(Specialty::InternalMedicine),
        ),
        p(
            "iwate-career",
            "岩手県キャリア形成プログラム 共通コース（デモ）",
            None,
        ),
    ]
}

const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("佐々木", "ササキ"),
    ("高橋", "タカハシ"),
    ("千葉", "チバ"),
    ("菊池", "キクチ"),
    ("阿部", "アベ"),
    ("伊藤", "イトウ"),
    ("鈴木", "スズキ"),
    ("及川", "オイカワ"),
    ("小野寺", "オノデラ"),
    ("藤原", "フジワラ"),
    ("工藤", "クドウ"),
    ("熊谷", "クマガイ"),
    ("村上", "ムラカミ"),
    ("中村", "ナカムラ"),
    ("吉田", "ヨシダ"),
    ("菅原", "スガワラ"),
    ("遠藤", "エンドウ"),
    ("小林", "コバヤシ"),
    ("山本", "ヤマモト"),
];
const MALE_NAMES: &[(&str, &str)] = &[
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("健太", "ケンタ"),
    ("拓也", "タクヤ"),
    ("悠斗", "ユウト"),
    ("亮", "リョウ"),
    ("直樹", "ナオキ"),
    ("陸", "リク"),
    ("蓮", "レン"),
    ("和也", "カズヤ"),
];
const FEMALE_NAMES: &[(&str, &str)] = &[
    ("美咲", "ミサキ"),
    ("彩", "アヤ"),
    ("遥", "ハルカ"),
    ("愛", "アイ"),
    ("七海", "ナナミ"),
    ("結衣", "ユイ"),
    ("真由", "マユ"),
    ("葵", "アオイ"),
    ("菜摘", "ナツミ"),
    ("千尋", "チヒロ"),
];
const UNIVERSITIES: &[(&str, u32)] = &[
    ("岩手医科大学", 70),
    ("東北大学", 8),
    ("弘前大学", 6),
    ("秋田大学", 5),
    ("自治医科大学", 4),
    ("山形大学", 4),
    ("東京医科歯科大学", 3),
];
const SPECIALTIES: &[(Specialty, u32)] = &[
    (Specialty::InternalMedicine, 30),
    (Specialty::GeneralPractice, 14),
    (Specialty::Surgery, 9),
    (Specialty::Pediatrics, 7),
    (Specialty::ObstetricsGynecology, 5),
    (Specialty::Orthopedics, 6),
    (Specialty::EmergencyMedicine, 5),
    (Specialty::Psychiatry, 4),
    (Specialty::Anesthesiology, 4),
    (Specialty::Neurosurgery, 3),
    (Specialty::Radiology, 3),
    (Specialty::Ophthalmology, 2),
    (Specialty::Otolaryngology, 2),
    (Specialty::Urology, 2),
    (Specialty::Dermatology, 2),
    (Specialty::RehabilitationMedicine, 2),
];

fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

/// About 40 rural clinics without beds (無床診療所), invented and marked synthetic, in real
/// municipalities outside the prefectural capital, each with one doctor: the clinics that
/// ask for substitutes when their doctor is away.
fn clinics(rng: &mut ChaCha8Rng, reference: &refdata::ReferenceData) -> Vec<Facility> {
    const PLACES: &[&str] = &["北", "南", "東", "西", "中央", "山間", "川内", "沢口"];
    let mut out = Vec::new();
    let rural: Vec<_> = reference
        .municipalities
        .iter()
        .filter(|m| m.name().as_str() != "盛岡市")
        .collect();
    for i in 0..40 {
        let m = rural[i % rural.len()];
        // Near a hospital of the same municipality, else of the same area.
        let anchors: Vec<Coordinates> = reference
            .hospitals
            .iter()
            .filter(|h| h.municipality == Some(m.code()))
            .chain(reference.hospitals.iter().filter(|h| h.area == m.area()))
            .filter_map(|h| h.coordinates)
            .collect();
        let coordinates = anchors.first().and_then(|c| {
            Coordinates::new(
                c.lat() + rng.random_range(-0.06..0.06),
                c.lon() + rng.random_range(-0.06..0.06),
            )
            .ok()
        });
        let place = PLACES[(i / rural.len() + i) % PLACES.len()];
        out.push(
            Facility::new(FacilityFields {
                id: FacilityId::parse(&format!("DEMO-C{:03}", i + 1)).expect("valid id"),
                name: name(&format!(
                    "{}{}{}診療所（架空）",
                    m.name(),
                    if i % 3 == 0 { "国保" } else { "" },
                    place
                )),
                kind: FacilityKind::Clinic,
                municipality: Some(m.code()),
                area: m.area(),
                coordinates,
                beds: Beds::default(),
                doctors_fulltime: Amount::new(1.0).expect("valid"),
                doctors_parttime_fte: Amount::new(if i % 4 == 0 { 0.2 } else { 0.0 })
                    .expect("valid"),
                emergency: EmergencyLevel::None,
                group: Some(FacilityGroup::Small),
                alliance: None,
                synthetic: true,
                source: None,
            })
            .expect("demo clinics are valid"),
        );
    }
    out
}

/// The hospitals where the histories take place.
struct Posts<'a> {
    residency: Vec<&'a Facility>,
    training: Vec<&'a Facility>,
    service: Vec<&'a Facility>,
}

fn posts(hospitals: &[Facility]) -> Posts<'_> {
    let morioka = AreaCode::parse("0301").expect("valid");
    let residency: Vec<_> = hospitals
        .iter()
        .filter(|h| h.doctors_fulltime.get() >= 30.0)
        .collect();
    let training: Vec<_> = hospitals
        .iter()
        .filter(|h| h.kind == FacilityKind::UniversityHospital || h.doctors_fulltime.get() >= 150.0)
        .collect();
    // Service in shortage areas: hospitals with an emergency role outside 盛岡.
    let service: Vec<_> = hospitals
        .iter()
        .filter(|h| {
            h.area != morioka
                && h.emergency != EmergencyLevel::None
                && h.doctors_fulltime.get() >= 8.0
        })
        .collect();
    Posts {
        residency,
        training,
        service,
    }
}

/// One assignment of a history: kind, place, first and last day, FTE in hundredths.
type Item = (
    AssignmentKind,
    Option<Workplace>,
    NaiveDate,
    Option<NaiveDate>,
    u16,
);

struct History {
    doctor: DoctorId,
    items: Vec<Item>,
}

impl History {
    fn push(
        &mut self,
        kind: AssignmentKind,
        at: Option<&Facility>,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) {
        let place = at.map(|f| Workplace::Registered {
            facility: f.id.clone(),
        });
        self.items.push((kind, place, from, to, 100));
    }
    fn external(
        &mut self,
        kind: AssignmentKind,
        place: &str,
        pref: Option<PrefCode>,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) {
        let place = Workplace::External {
            name: name(place),
            pref,
        };
        self.items.push((kind, Some(place), from, to, 100));
    }
    fn into_assignments(self) -> Vec<Assignment> {
        let doctor = self.doctor;
        self.items
            .into_iter()
            .enumerate()
            .map(|(i, (kind, place, from, to, fte))| {
                Assignment::new(AssignmentFields {
                    id: AssignmentId::parse(&format!("{doctor}-{:02}", i + 1)).expect("valid id"),
                    doctor: doctor.clone(),
                    place,
                    period: Period::new(from, to).expect("demo periods are ordered"),
                    fte: Fte::from_hundredths(fte).expect("valid"),
                    kind,
                })
                .expect("demo assignments are valid")
            })
            .collect()
    }
}

fn fy_start(y: i32) -> NaiveDate {
    date(y, 4, 1)
}
fn fy_end(y: i32) -> NaiveDate {
    date(y + 1, 3, 31)
}

/// About 300 obligated doctors, 20 per graduation year from 2012 to 2026, and their
/// assignments up to the end of FY2026.
fn population(
    rng: &mut ChaCha8Rng,
    hospitals: &[Facility],
    schemes: &[Scheme],
) -> (Vec<Doctor>, Vec<Assignment>) {
    let posts = posts(hospitals);
    let scheme_weights: Vec<(&Scheme, u32)> = schemes.iter().zip([15u32, 25, 15]).collect();
    let mut doctors = Vec::new();
    let mut assignments = Vec::new();
    for grad_year in 2012..=2026 {
        for n in 1..=20 {
            let id = DoctorId::parse(&format!("DEMO-{grad_year}-{n:03}")).expect("valid id");
            let sex = if rng.random_bool(0.35) {
                Sex::Female
            } else {
                Sex::Male
            };
            let scheme = *weighted(rng, &scheme_weights);
            let graduation = date(grad_year, 3, rng.random_range(10..=25));
            let loan_years = rng.random_range(4..=6);
            let mut status = RegisterStatus::Active;
            let mut h = History {
                doctor: id.clone(),
                items: Vec::new(),
            };

            // Initial residency: two years.
            let res = *posts.residency.choose(rng).expect("residency hospitals");
            h.push(
                AssignmentKind::InitialResidency,
                Some(res),
                fy_start(grad_year),
                Some(fy_end(grad_year + 1)),
            );
            let mut year = grad_year + 2;
            let breaks = rng.random_range(0..100);
            // A few repay the loan after residency and leave the prefecture.
            if breaks < 4 && year <= LAST_FY {
                status = RegisterStatus::Repaid;
                h.external(
                    AssignmentKind::OtherService,
                    "県外の病院（架空）",
                    PrefCode::new(13).ok(),
                    fy_start(year),
                    None,
                );
                year = LAST_FY + 1;
            } else if breaks < 6 && year <= LAST_FY {
                status = RegisterStatus::Withdrawn;
                h.external(
                    AssignmentKind::OtherService,
                    "県外の病院（架空）",
                    PrefCode::new(4).ok(),
                    fy_start(year),
                    None,
                );
                year = LAST_FY + 1;
            }
            // Specialist training: three years, mostly at the university or the central hospital.
            if year <= LAST_FY {
                let t = *posts.training.choose(rng).expect("training hospitals");
                let end = (year + 2).min(LAST_FY);
                h.push(
                    AssignmentKind::SpecialistTraining,
                    Some(t),
                    fy_start(year),
                    Some(fy_end(end)),
                );
                year += 3;
            }
            // Designated service, a site every one or two years, with leave and study.
            let mut served = 0;
            let owed = scheme.service_years as i32;
            let mut had_leave = false;
            let mut had_school = false;
            while year <= LAST_FY {
                let r = rng.random_range(0..100);
                if sex == Sex::Female && !had_leave && r < 15 {
                    had_leave = true;
                    let birth_day = date(year, rng.random_range(6..=12), rng.random_range(1..=28));
                    let leave_start = birth_day - chrono::Duration::days(42);
                    let leave_end = birth_day + chrono::Duration::days(56);
                    let childcare_end = fy_end(year);
                    let site = *posts.service.choose(rng).expect("service hospitals");
                    if leave_start > fy_start(year) {
                        let before = leave_start.pred_opt().expect("exists");
                        h.push(
                            AssignmentKind::DesignatedService,
                            Some(site),
                            fy_start(year),
                            Some(before),
                        );
                    }
                    h.push(
                        AssignmentKind::MaternityLeave,
                        None,
                        leave_start,
                        Some(leave_end),
                    );
                    if let Some(cc) = leave_end.succ_opt().filter(|d| *d <= childcare_end) {
                        h.push(
                            AssignmentKind::ChildcareLeave,
                            None,
                            cc,
                            Some(childcare_end),
                        );
                    }
                    year += 1;
                    continue;
                }
                if !had_school && r >= 95 {
                    had_school = true;
                    let until = (year + 3).min(LAST_FY);
                    h.external(
                        AssignmentKind::GraduateSchool,
                        "岩手医科大学大学院",
                        Some(iwate()),
                        fy_start(year),
                        Some(fy_end(until)),
                    );
                    year = until + 1;
                    continue;
                }
                if served >= owed {
                    status = RegisterStatus::Completed;
                    let stay = *posts.residency.choose(rng).expect("hospitals");
                    h.push(
                        AssignmentKind::OtherService,
                        Some(stay),
                        fy_start(year),
                        None,
                    );
                    break;
                }
                let span = if rng.random_bool(0.5) { 1 } else { 2 };
                let end = (year + span - 1).min(LAST_FY);
                let site = *posts.service.choose(rng).expect("service hospitals");
                h.push(
                    AssignmentKind::DesignatedService,
                    Some(site),
                    fy_start(year),
                    Some(fy_end(end)),
                );
                served += end - year + 1;
                year = end + 1;
            }

            let in_training = grad_year + 4 >= LAST_FY;
            let level = if in_training {
                WorkHourLevel::C1
            } else if rng.random_bool(0.15) {
                WorkHourLevel::B
            } else {
                WorkHourLevel::A
            };
            let doctor = person(
                rng,
                id.clone(),
                sex,
                graduation,
                scheme,
                loan_years,
                status,
                level,
            );
            doctors.push(doctor);
            assignments.extend(h.into_assignments());
        }
    }
    (doctors, assignments)
}

/// A synthetic obligated doctor of Iwate: name, birth, university, licence, loan, specialty.
#[allow(clippy::too_many_arguments)]
fn person(
    rng: &mut ChaCha8Rng,
    id: DoctorId,
    sex: Sex,
    graduation: NaiveDate,
    scheme: &Scheme,
    loan_years: i32,
    status: RegisterStatus,
    level: WorkHourLevel,
) -> Doctor {
    use chrono::Datelike;
    let grad_year = graduation.year();
    let (sur, sur_kana) = SURNAMES.choose(rng).expect("non-empty");
    let (given, given_kana) = match sex {
        Sex::Female => FEMALE_NAMES.choose(rng),
        Sex::Male => MALE_NAMES.choose(rng),
    }
    .expect("non-empty");
    let birth = date(
        grad_year - rng.random_range(24..=27),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    );
    let university = weighted(rng, UNIVERSITIES);
    Doctor::new(DoctorFields {
        id: id.clone(),
        synthetic: true,
        pref: iwate(),
        name: name(&format!("{sur} {given}")),
        kana: Kana::parse(&format!("{sur_kana} {given_kana}")).ok(),
        sex,
        birth_date: birth,
        university: Some(name(university)),
        graduation_date: graduation,
        licence_date: Some(date(grad_year, 4, rng.random_range(15..=30))),
        enrolment: Some(Enrolment {
            scheme: scheme.id.clone(),
            loan: Period::new(
                date(grad_year - loan_years, 4, 1),
                Some(date(grad_year, 3, 31)),
            )
            .expect("ordered"),
        }),
        target_specialty: Some(*weighted(rng, SPECIALTIES)),
        work_hour_level: level,
        status,
        email: Email::parse(&format!("{}@example.jp", id.as_str().to_lowercase())).ok(),
        phone: None,
    })
    .expect("demo doctors are valid")
}

/// `n` synthetic doctors without histories, in the demo's schemes, for benchmarks and load
/// tests at national scale (ids `SYN-0000001`…). Deterministic for a seed.
pub fn synthetic_doctors(n: usize, seed: u64) -> Vec<Doctor> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let schemes = schemes();
    (0..n)
        .map(|i| {
            let grad_year = rng.random_range(1990..=2026);
            let sex = if rng.random_bool(0.35) {
                Sex::Female
            } else {
                Sex::Male
            };
            let graduation = date(grad_year, 3, rng.random_range(10..=25));
            let scheme = &schemes[i % schemes.len()];
            let id = DoctorId::parse(&format!("SYN-{:07}", i + 1)).expect("valid id");
            person(
                &mut rng,
                id,
                sex,
                graduation,
                scheme,
                6,
                RegisterStatus::Active,
                WorkHourLevel::A,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::Entity;

    #[test]
    fn the_demo_is_deterministic_complete_and_synthetic() {
        let a = records().unwrap();
        let b = records().unwrap();
        assert_eq!(a, b, "same seed, same demo");
        let count = |e: Entity| a.iter().filter(|r| r.entity() == e).count();
        assert_eq!(count(Entity::Areas), 9);
        assert_eq!(count(Entity::Municipalities), 33);
        assert_eq!(count(Entity::Schemes), 3);
        assert_eq!(count(Entity::Programmes), 3);
        // 131 hospitals and clinics with beds (R7 report), 40 synthetic clinics.
        assert_eq!(count(Entity::Facilities), 131 + 40);
        assert_eq!(count(Entity::Doctors), 300);
        assert!(count(Entity::Assignments) > 900);
        for r in &a {
            match r {
                Record::Doctor(d) => assert!(d.synthetic),
                Record::Facility(f) => assert_eq!(f.synthetic, f.source.is_none()),
                _ => {}
            }
        }
    }

    #[test]
    fn histories_never_exceed_full_time() {
        let recs = records().unwrap();
        let assignments: Vec<&Assignment> = recs
            .iter()
            .filter_map(|r| match r {
                Record::Assignment(a) => Some(a),
                _ => None,
            })
            .collect();
        let over = chiiki_domain::overloads(assignments.iter().copied());
        assert!(over.is_empty(), "{:?}", over.first());
        let statuses: std::collections::HashSet<_> = recs
            .iter()
            .filter_map(|r| match r {
                Record::Doctor(d) => Some(d.status),
                _ => None,
            })
            .collect();
        assert!(statuses.contains(&RegisterStatus::Repaid));
        assert!(statuses.contains(&RegisterStatus::Withdrawn));
        assert!(statuses.contains(&RegisterStatus::Completed));
        let kinds: std::collections::HashSet<_> = assignments.iter().map(|a| a.kind).collect();
        for k in [
            AssignmentKind::InitialResidency,
            AssignmentKind::SpecialistTraining,
            AssignmentKind::DesignatedService,
            AssignmentKind::ChildcareLeave,
        ] {
            assert!(kinds.contains(&k), "{k:?}");
        }
    }
}
