//! Hot paths of alliance operations and the doctor bank, at the scale of a large prefecture:
//! ranking posts for a doctor and doctors for a post, the yearly figures, registering into a
//! full session, yearly attendance, and a joint tender's aggregation and savings.
//! `cargo bench -p chiiki-domain --bench alliance_ops`.

use std::collections::BTreeSet;

use chiiki_domain::doctor_bank::{
    Application, Employment, Leave, LeaveReason, Post, PostFields, PostState, Profile,
    ProfileFields, ReturnSupport, rank_posts, rank_profiles, yearly_figures,
};
use chiiki_domain::procurement::{
    Award, AwardFields, CatalogueItem, CatalogueItemFields, Demand, DemandFields, ItemKind, Tender,
    TenderFields, TenderState, aggregate, savings,
};
use chiiki_domain::training::{
    Course, CourseFields, CourseTopic, Registration, RegistrationFields, RegistrationState,
    Requirement, RequirementFields, Session, SessionFields, register, yearly_attendance,
};
use chiiki_domain::{
    AllianceId, AreaCode, DocScope, FacilityId, FiscalYear, NaiveDate, Name, PrefCode, Specialty,
};

fn main() {
    divan::main();
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn iwate() -> PrefCode {
    PrefCode::new(3).unwrap()
}

/// `n` posts over Iwate's nine areas, specialties and conditions varied deterministically.
fn posts(n: usize) -> Vec<Post> {
    let specialties = Specialty::ALL;
    (0..n)
        .map(|i| {
            Post::new(PostFields {
                id: i as u64 + 1,
                pref: iwate(),
                facility: FacilityId::parse(&format!("F-{}", i % 90)).unwrap(),
                title: format!("架空の求人 {i}"),
                employment: [Employment::FullTime, Employment::PartTime, Employment::Spot][i % 3],
                specialty: specialties[i % specialties.len()],
                area: AreaCode::parse(&format!("03{:02}", 1 + i % 9)).unwrap(),
                days_per_week: 1 + (i % 5) as u8,
                hours_per_week: 8 * (1 + (i % 5) as u16),
                conditions: "架空のデモデータ".into(),
                salary: None,
                housing: i % 2 == 0,
                childcare: i % 3 == 0,
                short_time: i % 4 == 0,
                on_call: i % 5 == 0,
                returning_support: i % 6 == 0,
                opened: day(2026, 4, 1),
                closes: None,
                state: PostState::Open,
            })
            .unwrap()
        })
        .collect()
}

fn profile(id: u64) -> Profile {
    let specialties = Specialty::ALL;
    Profile::new(ProfileFields {
        id,
        pref: iwate(),
        account: None,
        name: Name::parse("架空 花子").unwrap(),
        email: None,
        phone: None,
        doctor: None,
        specialties: vec![specialties[id as usize % specialties.len()]],
        years: 10,
        employment: BTreeSet::from([Employment::FullTime, Employment::PartTime]),
        areas: vec![],
        max_days_per_week: 5,
        max_hours_per_week: 40,
        needs_housing: false,
        needs_childcare: id.is_multiple_of(2),
        needs_short_time: id.is_multiple_of(3),
        no_on_call: id.is_multiple_of(2),
        leave: (id.is_multiple_of(2)).then(|| Leave {
            months: 18,
            reason: LeaveReason::Childcare,
            support_needed: BTreeSet::from([ReturnSupport::RefresherTraining]),
        }),
        visible: true,
        updated: day(2026, 4, 1),
        note: String::new(),
    })
    .unwrap()
}

#[divan::bench(args = [1_000, 10_000])]
fn bank_rank_posts_for_a_doctor(b: divan::Bencher, n: usize) {
    let posts = posts(n);
    let p = profile(2);
    b.counter(divan::counter::ItemsCount::new(n))
        .bench(|| rank_posts(divan::black_box(&p), &posts, false).len());
}

#[divan::bench(args = [1_000, 10_000])]
fn bank_rank_doctors_for_a_post(b: divan::Bencher, n: usize) {
    let profiles: Vec<Profile> = (1..=n as u64).map(profile).collect();
    let post = &posts(1)[0];
    b.counter(divan::counter::ItemsCount::new(n))
        .bench(|| rank_profiles(divan::black_box(post), &profiles, false).len());
}

#[divan::bench]
fn bank_yearly_figures(b: divan::Bencher) {
    let posts = posts(5_000);
    let applications: Vec<Application> = posts
        .iter()
        .filter_map(|post| Application::apply(post, &profile(post.id), day(2026, 5, 1)).ok())
        .collect();
    assert_eq!(applications.len(), posts.len(), "every doctor applies");
    let fy = FiscalYear::new(2026).unwrap();
    b.bench(|| yearly_figures(fy, &posts, divan::black_box(&applications)).applications);
}

fn scope() -> DocScope {
    DocScope::Alliance(AllianceId::parse("12-TOKATSU-NANBU").unwrap())
}

fn session(id: u64, course: u64, capacity: u16, start: NaiveDate) -> Session {
    let at = start.and_hms_opt(13, 0, 0).unwrap();
    Session::new(SessionFields {
        id,
        course,
        scope: scope(),
        start: at,
        end: at + chrono::Duration::hours(2),
        place: "架空の研修室".into(),
        capacity,
        deadline: at,
        cancelled: false,
    })
    .unwrap()
}

fn registration(
    id: u64,
    session: u64,
    organisation: usize,
    state: RegistrationState,
) -> Registration {
    Registration::new(RegistrationFields {
        id,
        session,
        scope: scope(),
        person: Name::parse(&format!("架空 職員{id}")).unwrap(),
        organisation: Name::parse(&format!("架空法人{organisation}")).unwrap(),
        job: None,
        doctor: None,
        registered_at: day(2026, 1, 5).and_hms_opt(9, 0, 0).unwrap(),
        state,
        cancelled_at: None,
    })
    .unwrap()
}

/// Registering one more person into a session of 1,000 seats that 1,000 hold, with 500
/// waiting: the duplicate check and the count over everyone.
#[divan::bench]
fn training_register_into_a_full_session(b: divan::Bencher) {
    let s = session(1, 1, 1_000, day(2026, 2, 1));
    let existing: Vec<Registration> = (1..=1_500)
        .map(|i| {
            let state = if i <= 1_000 {
                RegistrationState::Registered
            } else {
                RegistrationState::Waiting
            };
            registration(i, 1, i as usize % 20, state)
        })
        .collect();
    let new = registration(0, 1, 3, RegistrationState::Registered);
    b.bench(|| register(&s, divan::black_box(&existing), new.clone()).map(|r| r.state));
}

/// A year of an alliance's joint training: 200 sessions of 2 topics, 20,000 registrations
/// (30 members), requirements per member and topic.
#[divan::bench]
fn training_yearly_attendance(b: divan::Bencher) {
    let courses: Vec<Course> = [CourseTopic::MedicalSafety, CourseTopic::InfectionControl]
        .iter()
        .enumerate()
        .map(|(i, topic)| {
            Course::new(CourseFields {
                id: i as u64 + 1,
                scope: scope(),
                title: Name::parse("架空の研修").unwrap(),
                topic: *topic,
                description: String::new(),
                minutes: 90,
            })
            .unwrap()
        })
        .collect();
    let sessions: Vec<Session> = (0..200u64)
        .map(|i| {
            session(
                100 + i,
                1 + i % 2,
                200,
                day(2025, 4, 1) + chrono::Duration::days(i as i64),
            )
        })
        .collect();
    let registrations: Vec<Registration> = (0..20_000u64)
        .map(|i| {
            registration(
                10_000 + i,
                100 + i % 200,
                (i % 30) as usize,
                RegistrationState::Attended,
            )
        })
        .collect();
    let fy = FiscalYear::new(2025).unwrap();
    let requirements: Vec<Requirement> = (0..30)
        .flat_map(|m| {
            [CourseTopic::MedicalSafety, CourseTopic::InfectionControl].map(|topic| {
                Requirement::new(RequirementFields {
                    id: 0,
                    scope: scope(),
                    organisation: Name::parse(&format!("架空法人{m}")).unwrap(),
                    fiscal_year: fy,
                    topic,
                    required: 2,
                })
                .unwrap()
            })
        })
        .collect();
    b.bench(|| {
        yearly_attendance(
            fy,
            &courses,
            &sessions,
            divan::black_box(&registrations),
            &requirements,
        )
        .len()
    });
}

/// A joint tender of 30 members × 2,000 catalogue items (60,000 demands): the aggregated
/// tender, then the savings against an award for every item.
#[divan::bench]
fn procurement_aggregate_and_savings(b: divan::Bencher) {
    let alliance = AllianceId::parse("12-TOKATSU-NANBU").unwrap();
    let items: Vec<CatalogueItem> = (1..=2_000u64)
        .map(|id| {
            CatalogueItem::new(CatalogueItemFields {
                id,
                alliance: alliance.clone(),
                name: Name::parse(&format!("架空の品目{id}")).unwrap(),
                kind: ItemKind::Material,
                yj: None,
                jan: None,
                unit: "箱".into(),
                note: String::new(),
            })
            .unwrap()
        })
        .collect();
    let tender = Tender::new(TenderFields {
        id: 9_999,
        alliance: alliance.clone(),
        title: "架空の共同購入".into(),
        from: day(2026, 4, 1),
        to: day(2027, 3, 31),
        deadline: day(2026, 3, 1),
        state: TenderState::Closed,
        note: String::new(),
    })
    .unwrap();
    let demands: Vec<Demand> = (0..30u64)
        .flat_map(|m| {
            let alliance = alliance.clone();
            items.iter().map(move |item| {
                Demand::new(DemandFields {
                    id: 10_000 + m * 2_000 + item.id,
                    alliance: alliance.clone(),
                    tender: 9_999,
                    member: Name::parse(&format!("架空法人{m}")).unwrap(),
                    item: item.id,
                    quantity: 1 + (m + item.id) % 50,
                    current_price: 100 + (item.id % 900) as i64,
                    note: String::new(),
                })
                .unwrap()
            })
        })
        .collect();
    let awards: Vec<Award> = items
        .iter()
        .map(|item| {
            Award::new(AwardFields {
                id: 200_000 + item.id,
                alliance: alliance.clone(),
                tender: 9_999,
                item: item.id,
                unit_price: 90 + (item.id % 800) as i64,
                supplier: "架空卸".into(),
                note: String::new(),
            })
            .unwrap()
        })
        .collect();
    b.counter(divan::counter::ItemsCount::new(demands.len()))
        .bench(|| {
            let sheet = aggregate(&tender, &items, divan::black_box(&demands)).unwrap();
            savings(&sheet, &awards).overall.saving
        });
}
