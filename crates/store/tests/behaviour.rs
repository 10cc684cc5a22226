//! One behaviour suite for the Store trait, run against every back end: SQLite always,
//! PostgreSQL when the test command has started a server (CHIIKI_TEST_PG_URL).

use chiiki_domain::*;
use chiiki_store::testing::{self, TestStore};
use chiiki_store::{
    AssignmentFilter, AuditEvent, AuditFilter, Change, DispatchFilter, DoctorFilter,
    FacilityFilter, LoanFilter, Mode, OfferFilter, Paging, StoreError,
};

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn area(code: &str, name: &str) -> Record {
    Record::Area(SecondaryArea {
        code: AreaCode::parse(code).unwrap(),
        name: Name::parse(name).unwrap(),
    })
}

fn muni(code: &str, name: &str, area: &str) -> Record {
    Record::Municipality(
        Municipality::new(
            LgCode::parse(code).unwrap(),
            Name::parse(name).unwrap(),
            AreaCode::parse(area).unwrap(),
            MunicipalityKind::Municipality,
        )
        .unwrap(),
    )
}

fn scheme(id: &str) -> Record {
    Record::Scheme(Scheme {
        id: SchemeId::parse(id).unwrap(),
        name: Name::parse("岩手県医師修学資金（架空テスト）").unwrap(),
        pref: PrefCode::parse("03").unwrap(),
        sponsor: Name::parse("岩手県").unwrap(),
        service_years: 9,
    })
}

fn facility(id: &str, name: &str, muni: &str, area: &str) -> Facility {
    Facility::new(FacilityFields {
        id: FacilityId::parse(id).unwrap(),
        name: Name::parse(name).unwrap(),
        kind: FacilityKind::Hospital,
        municipality: Some(LgCode::parse(muni).unwrap()),
        area: AreaCode::parse(area).unwrap(),
        coordinates: Some(Coordinates::new(39.7, 141.1).unwrap()),
        beds: Beds {
            high_acute: 10,
            acute: 100,
            recovery: 20,
            chronic: 0,
            idle: 0,
        },
        doctors_fulltime: Amount::new(20.0).unwrap(),
        doctors_parttime_fte: Amount::new(2.5).unwrap(),
        emergency: EmergencyLevel::Secondary,
        group: None,
        alliance: None,
        synthetic: true,
        source: None,
    })
    .unwrap()
}

fn doctor(
    id: &str,
    name: &str,
    grad_year: i32,
    status: RegisterStatus,
    scheme: Option<&str>,
) -> Doctor {
    Doctor::new(DoctorFields {
        id: DoctorId::parse(id).unwrap(),
        synthetic: true,
        pref: PrefCode::parse("03").unwrap(),
        name: Name::parse(name).unwrap(),
        kana: Some(Kana::parse("テスト イシ").unwrap()),
        sex: Sex::Female,
        birth_date: NaiveDate::from_ymd_opt(grad_year - 25, 5, 5).unwrap(),
        university: Some(Name::parse("岩手医科大学").unwrap()),
        graduation_date: NaiveDate::from_ymd_opt(grad_year, 3, 20).unwrap(),
        licence_date: None,
        enrolment: scheme.map(|s| Enrolment {
            scheme: SchemeId::parse(s).unwrap(),
            loan: Period::new(
                NaiveDate::from_ymd_opt(grad_year - 6, 4, 1).unwrap(),
                Some(NaiveDate::from_ymd_opt(grad_year, 3, 31).unwrap()),
            )
            .unwrap(),
        }),
        target_specialty: Some(Specialty::GeneralPractice),
        work_hour_level: WorkHourLevel::A,
        status,
        email: None,
        phone: None,
    })
    .unwrap()
}

fn assignment(
    id: &str,
    doctor: &str,
    facility: &str,
    start: &str,
    end: Option<&str>,
) -> Assignment {
    Assignment::new(AssignmentFields {
        id: AssignmentId::parse(id).unwrap(),
        doctor: DoctorId::parse(doctor).unwrap(),
        place: Some(Workplace::Registered {
            facility: FacilityId::parse(facility).unwrap(),
        }),
        period: Period::new(d(start), end.map(d)).unwrap(),
        fte: Fte::FULL,
        kind: AssignmentKind::DesignatedService,
    })
    .unwrap()
}

fn base() -> Vec<Change> {
    vec![
        Change::Put(area("0301", "盛岡")),
        Change::Put(area("0306", "釜石")),
        Change::Put(muni("03201", "盛岡市", "0301")),
        Change::Put(muni("03211", "釜石市", "0306")),
        Change::Put(scheme("S-1")),
        Change::Put(facility("F-1", "テスト中央病院", "03201", "0301").into()),
        Change::Put(facility("F-2", "テスト釜石病院", "03211", "0306").into()),
        Change::Put(
            doctor(
                "D-1",
                "架空 花子",
                2018,
                RegisterStatus::Active,
                Some("S-1"),
            )
            .into(),
        ),
        Change::Put(
            doctor(
                "D-2",
                "架空 次郎",
                2020,
                RegisterStatus::Active,
                Some("S-1"),
            )
            .into(),
        ),
        Change::Put(doctor("D-3", "架空 三郎", 2020, RegisterStatus::Repaid, None).into()),
        Change::Put(assignment("A-1", "D-1", "F-1", "2024-04-01", Some("2025-03-31")).into()),
        Change::Put(assignment("A-2", "D-1", "F-2", "2025-04-01", None).into()),
        Change::Put(assignment("A-3", "D-2", "F-2", "2024-04-01", None).into()),
    ]
}

async fn each_backend<F, Fut>(test: F)
where
    F: Fn(TestStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        test(t).await;
    }
}

#[tokio::test]
async fn records_round_trip_and_are_counted() {
    each_backend(|t| async move {
        let s = t.store();
        let applied = s.apply("test", base(), Mode::Commit).await.unwrap();
        assert_eq!(applied.total_created(), 13);
        let counts = s.counts().await.unwrap();
        assert_eq!(counts[&Entity::Doctors], 3);
        assert_eq!(counts[&Entity::Assignments], 3);
        let got = s.get(Entity::Doctors, "D-1").await.unwrap().unwrap();
        assert_eq!(
            got,
            Record::Doctor(doctor(
                "D-1",
                "架空 花子",
                2018,
                RegisterStatus::Active,
                Some("S-1")
            ))
        );
        let f = s.get(Entity::Facilities, "F-1").await.unwrap().unwrap();
        assert_eq!(
            f,
            Record::Facility(facility("F-1", "テスト中央病院", "03201", "0301"))
        );
        assert!(s.get(Entity::Doctors, "nobody").await.unwrap().is_none());
        assert_eq!(s.keys(Entity::Areas).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn reapplying_changes_nothing_and_writes_no_audit() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("test", base(), Mode::Commit).await.unwrap();
        let audit_before = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        assert_eq!(audit_before, 13);
        let again = s.apply("test", base(), Mode::Commit).await.unwrap();
        assert_eq!(again.total_created() + again.total_updated(), 0);
        assert_eq!(again.total_unchanged(), 13);
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit_before
        );
    })
    .await;
}

#[tokio::test]
async fn updates_are_audited_with_before_and_after() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        let changed = doctor(
            "D-2",
            "架空 次郎",
            2020,
            RegisterStatus::Withdrawn,
            Some("S-1"),
        );
        let applied = s
            .apply("alice", vec![Change::Put(changed.into())], Mode::Commit)
            .await
            .unwrap();
        assert_eq!(applied.total_updated(), 1);
        let events = s
            .list_audit(&AuditFilter {
                entity: Some("doctors".into()),
                entity_id: Some("D-2".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(events.total, 2);
        let latest = &events.items[0];
        assert_eq!(latest.actor, "alice");
        assert_eq!(latest.action, "update");
        assert_eq!(latest.pref.as_deref(), Some("03"));
        assert_eq!(latest.before.as_ref().unwrap()["status"], "active");
        assert_eq!(latest.after.as_ref().unwrap()["status"], "withdrawn");
        assert_eq!(events.items[1].action, "create");
        assert!(events.items[1].before.is_none());
    })
    .await;
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        let plan = s.apply("test", base(), Mode::DryRun).await.unwrap();
        assert_eq!(plan.total_created(), 13);
        assert!(s.counts().await.unwrap().values().all(|n| *n == 0));
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            0
        );
        s.apply("test", base(), Mode::Commit).await.unwrap();
        let mut changes = base();
        changes.push(Change::Put(
            doctor("D-4", "架空 四郎", 2022, RegisterStatus::Active, None).into(),
        ));
        let plan = s.apply("test", changes, Mode::DryRun).await.unwrap();
        assert_eq!(plan.total_created(), 1);
        assert_eq!(plan.total_unchanged(), 13);
        assert_eq!(plan.changed_keys[&Entity::Doctors], vec!["D-4".to_string()]);
        assert_eq!(s.counts().await.unwrap()[&Entity::Doctors], 3);
    })
    .await;
}

#[tokio::test]
async fn a_failing_change_set_writes_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        // A new doctor, then an assignment of a doctor who does not exist.
        let changes = vec![
            Change::Put(doctor("D-9", "架空 九郎", 2021, RegisterStatus::Active, None).into()),
            Change::Put(assignment("A-9", "D-missing", "F-1", "2024-04-01", None).into()),
        ];
        let err = s.apply("test", changes, Mode::Commit).await.unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err}");
        assert!(s.get(Entity::Doctors, "D-9").await.unwrap().is_none());
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit
        );
    })
    .await;
}

#[tokio::test]
async fn filters_and_paging() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        let all = s.list_doctors(&DoctorFilter::default()).await.unwrap();
        assert_eq!(all.total, 3);
        let ids = |p: &chiiki_store::Page<Doctor>| {
            p.items.iter().map(|d| d.id.to_string()).collect::<Vec<_>>()
        };
        let active = s
            .list_doctors(&DoctorFilter {
                status: Some(RegisterStatus::Active),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&active), ["D-1", "D-2"]);
        let y2020 = s
            .list_doctors(&DoctorFilter {
                graduation_year: Some(2020),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&y2020), ["D-2", "D-3"]);
        // On 2024-10-01 D-1 is in 盛岡 (F-1); from 2025-04-01 in 釜石.
        let in_morioka = s
            .list_doctors(&DoctorFilter {
                area: AreaCode::parse("0301").ok(),
                on: Some(d("2024-10-01")),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&in_morioka), ["D-1"]);
        let in_kamaishi = s
            .list_doctors(&DoctorFilter {
                area: AreaCode::parse("0306").ok(),
                on: Some(d("2025-04-01")),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&in_kamaishi), ["D-1", "D-2"]);
        let at_f1 = s
            .list_doctors(&DoctorFilter {
                facility: FacilityId::parse("F-1").ok(),
                on: Some(d("2025-03-31")),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&at_f1), ["D-1"]);
        let text = s
            .list_doctors(&DoctorFilter {
                text: Some("次郎".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ids(&text), ["D-2"]);
        let wildcard = s
            .list_doctors(&DoctorFilter {
                text: Some("%".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(wildcard.total, 0);
        let page = s
            .list_doctors(&DoctorFilter {
                paging: Paging {
                    limit: Some(2),
                    offset: 2,
                },
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((ids(&page), page.total), (vec!["D-3".to_string()], 3));

        let kamaishi = s
            .list_facilities(&FacilityFilter {
                area: AreaCode::parse("0306").ok(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(kamaishi.items.len(), 1);
        assert_eq!(kamaishi.items[0].name.as_str(), "テスト釜石病院");
        let per_area = s
            .count_facilities_by_area(&FacilityFilter::default())
            .await
            .unwrap();
        assert_eq!(per_area.values().sum::<u64>(), 2);
        assert_eq!(per_area[&AreaCode::parse("0306").unwrap()], 1);
        let none = s
            .count_facilities_by_area(&FacilityFilter {
                pref: PrefCode::parse("04").ok(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(none.is_empty());
        let iwate_areas = s.list_areas(PrefCode::parse("03").ok()).await.unwrap();
        assert_eq!(iwate_areas.len(), 2);
        assert!(
            s.list_areas(PrefCode::parse("04").ok())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            s.list_municipalities(None, AreaCode::parse("0306").ok())
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(s.list_schemes(None).await.unwrap().len(), 1);

        let of_d1 = s
            .list_assignments(&AssignmentFilter {
                doctors: Some(vec![DoctorId::parse("D-1").unwrap()]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            of_d1.iter().map(|a| a.id.to_string()).collect::<Vec<_>>(),
            ["A-1", "A-2"]
        );
        let at_f2 = s
            .list_assignments(&AssignmentFilter {
                facility: FacilityId::parse("F-2").ok(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(at_f2.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn deleting_an_assignment_is_audited() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        let id = AssignmentId::parse("A-2").unwrap();
        let applied = s
            .apply("bob", vec![Change::DeleteAssignment(id)], Mode::Commit)
            .await
            .unwrap();
        assert_eq!(applied.total_deleted(), 1);
        assert!(s.get(Entity::Assignments, "A-2").await.unwrap().is_none());
        let ev = s
            .list_audit(&AuditFilter {
                actor: Some("bob".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(ev.items.len(), 1);
        assert_eq!(ev.items[0].action, "delete");
        assert_eq!(
            ev.items[0].pref.as_deref(),
            Some("03"),
            "assignments are scoped by their doctor"
        );
        assert!(ev.items[0].after.is_none());
        // Deleting what is not there does nothing.
        let none = s
            .apply(
                "bob",
                vec![Change::DeleteAssignment(
                    AssignmentId::parse("A-2").unwrap(),
                )],
                Mode::Commit,
            )
            .await
            .unwrap();
        assert_eq!(none.total_deleted(), 0);
    })
    .await;
}

#[tokio::test]
async fn thousands_of_records_in_one_change_set() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        let many: Vec<Change> = (0..2_345)
            .map(|i| {
                Change::Put(
                    doctor(
                        &format!("B-{i:05}"),
                        "架空 一括",
                        2015 + i % 10,
                        RegisterStatus::Active,
                        Some("S-1"),
                    )
                    .into(),
                )
            })
            .collect();
        let applied = s.apply("bulk", many, Mode::Commit).await.unwrap();
        assert_eq!(applied.total_created(), 2_345);
        let page = s
            .list_doctors(&DoctorFilter {
                graduation_year: Some(2016),
                paging: Paging {
                    limit: Some(10),
                    offset: 0,
                },
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 10);
        assert_eq!(page.total, 235);
        assert_eq!(
            s.list_audit(&AuditFilter {
                actor: Some("bulk".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .total,
            2_345
        );
    })
    .await;
}

#[tokio::test]
async fn sqlite_data_persists_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    {
        let s = chiiki_store::SqliteStore::open(&path).await.unwrap();
        use chiiki_store::Store;
        s.apply("test", base(), Mode::Commit).await.unwrap();
        s.close().await;
    }
    let s = chiiki_store::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(s.counts().await.unwrap()[&Entity::Doctors], 3);
    assert_eq!(s.backend(), chiiki_store::Backend::Sqlite);
}

fn account(name: &str, role: Role) -> Account {
    Account::new(AccountFields {
        alliance: None,
        username: Username::parse(name).unwrap(),
        display_name: Name::parse("架空 利用者").unwrap(),
        role,
        pref: PrefCode::parse("03").ok(),
        facility: None,
        doctor: None,
        disabled: false,
    })
    .unwrap()
}

#[tokio::test]
async fn accounts_are_audited_without_their_passwords() {
    each_backend(|t| async move {
        let s = t.store();
        let alice = account("alice", Role::Coordinator);
        assert!(matches!(
            s.put_account("admin", &alice, None).await,
            Err(StoreError::NoPassword)
        ));
        s.put_account("admin", &alice, Some("$argon2id$fake-1"))
            .await
            .unwrap();
        let (got, hash) = s.get_account(&alice.username).await.unwrap().unwrap();
        assert_eq!((got, hash.as_str()), (alice.clone(), "$argon2id$fake-1"));
        assert!(
            s.get_account(&Username::parse("nobody").unwrap())
                .await
                .unwrap()
                .is_none()
        );

        // A session, then a password change: the session ends.
        let now = chrono::Utc::now();
        let session = chiiki_store::SessionRecord {
            id_hash: "h1".into(),
            username: alice.username.clone(),
            csrf: "c1".into(),
            created_at: now,
            last_seen_at: now,
        };
        s.create_session(&session).await.unwrap();
        let later = now + chrono::Duration::minutes(5);
        s.touch_session("h1", later).await.unwrap();
        let got = s.get_session("h1").await.unwrap().unwrap();
        assert_eq!(got.csrf, "c1");
        assert!((got.last_seen_at - later).num_seconds().abs() <= 1);
        s.put_account("admin", &alice, Some("$argon2id$fake-2"))
            .await
            .unwrap();
        assert!(
            s.get_session("h1").await.unwrap().is_none(),
            "a new password ends the sessions"
        );
        assert_eq!(
            s.get_account(&alice.username).await.unwrap().unwrap().1,
            "$argon2id$fake-2"
        );

        // Sessions can be ended one by one.
        s.create_session(&session).await.unwrap();
        s.delete_session("h1").await.unwrap();
        assert!(s.get_session("h1").await.unwrap().is_none());

        s.record_event(
            "alice",
            chiiki_store::Event {
                action: "login",
                entity: "sessions",
                entity_id: "alice".into(),
                pref: Some("03".into()),
                details: None,
            },
        )
        .await
        .unwrap();
        let events = s.list_audit(&AuditFilter::default()).await.unwrap();
        let actions: Vec<&str> = events.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["login", "password", "create"]);
        let text = serde_json::to_string(&events.items).unwrap();
        assert!(
            !text.contains("argon2"),
            "no password hash in the audit trail"
        );
        assert_eq!(s.list_accounts().await.unwrap(), vec![alice]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Placement rounds

fn rid(s: &str) -> RoundId {
    RoundId::parse(s).unwrap()
}

fn placement_round(id: &str, seed: u64) -> Round {
    let id = rid(id);
    let limits = if id.pref().to_string() == "03" {
        vec![AreaLimit::new(AreaCode::parse("0306").unwrap(), Some(2), 1).unwrap()]
    } else {
        vec![]
    };
    Round {
        id,
        title: Name::parse("令和9年度 配属（架空テスト）").unwrap(),
        priority: PriorityRule::default(),
        lottery_seed: seed,
        limits,
        created_by: "centre".into(),
        created_at: chrono::Utc::now(),
    }
}

fn request(round: &str, facility: &str, posts: u32) -> PostRequest {
    PostRequest {
        round: rid(round),
        facility: FacilityId::parse(facility).unwrap(),
        posts,
        department: Some(Name::parse("総合診療科").unwrap()),
        priority: vec![DoctorId::parse("D-2").unwrap()],
        note: None,
        updated_by: "facility".into(),
        updated_at: chrono::Utc::now(),
    }
}

fn preference(round: &str, doctor: &str, facilities: &[&str]) -> PreferenceList {
    PreferenceList {
        round: rid(round),
        doctor: DoctorId::parse(doctor).unwrap(),
        facilities: facilities
            .iter()
            .map(|f| FacilityId::parse(f).unwrap())
            .collect(),
        partner: None,
        updated_by: "doctor".into(),
        updated_at: chrono::Utc::now(),
    }
}

fn run(round: &str, label: &str) -> Run {
    Run {
        round: rid(round),
        seq: 99,
        label: Name::parse(label).unwrap(),
        algorithm: "da".into(),
        input: serde_json::json!({"doctors": ["D-1", "D-2"], "facilities": ["F-1", "F-2"]}),
        result: serde_json::json!({"matching": {"D-1": "F-2", "D-2": "F-1"}}),
        summary: serde_json::json!({"placed": 2, "unplaced": 0}),
        created_by: "centre".into(),
        created_at: chrono::Utc::now(),
    }
}

fn decision(round: &str, run: u32) -> Decision {
    Decision {
        round: rid(round),
        run,
        rationale: Rationale::parse("地域枠の充足率が最も高い案（架空テスト）").unwrap(),
        decided_by: "committee".into(),
        decided_at: chrono::Utc::now(),
    }
}

/// The audit events of one record, newest first.
async fn audit_of(s: &dyn chiiki_store::Store, entity: &str, id: &str) -> Vec<AuditEvent> {
    s.list_audit(&AuditFilter {
        entity: Some(entity.into()),
        entity_id: Some(id.into()),
        ..Default::default()
    })
    .await
    .unwrap()
    .items
}

/// The register of `base()` and the round 03-2027.
async fn with_round(s: &dyn chiiki_store::Store) -> Round {
    s.apply("setup", base(), Mode::Commit).await.unwrap();
    let round = placement_round("03-2027", 42);
    s.create_round("centre", &round).await.unwrap();
    round
}

#[tokio::test]
async fn placement_rounds_are_created_listed_and_updated() {
    each_backend(|t| async move {
        let s = t.store();
        let r27 = placement_round("03-2027", 42);
        s.create_round("centre", &r27).await.unwrap();
        s.create_round("centre", &placement_round("03-2026", 1))
            .await
            .unwrap();
        s.create_round("other", &placement_round("04-2027", 2))
            .await
            .unwrap();
        let again = s
            .create_round("centre", &placement_round("03-2027", 7))
            .await
            .unwrap_err();
        assert!(matches!(&again, StoreError::Exists { .. }), "{again}");
        assert_eq!(
            again.to_string(),
            "the placement round 03-2027 already exists"
        );

        assert_eq!(
            s.get_round(rid("03-2027")).await.unwrap(),
            Some(r27.clone())
        );
        assert_eq!(s.get_round(rid("03-2030")).await.unwrap(), None);
        let ids = |rounds: Vec<Round>| rounds.iter().map(|r| r.id.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ids(s.list_rounds(PrefCode::parse("03").ok()).await.unwrap()),
            ["03-2027", "03-2026"]
        );
        assert_eq!(
            ids(s.list_rounds(None).await.unwrap()),
            ["03-2027", "04-2027", "03-2026"]
        );
        assert!(
            s.list_rounds(PrefCode::parse("05").ok())
                .await
                .unwrap()
                .is_empty()
        );

        // New settings; who created the round and when stay.
        let mut changed = r27.clone();
        changed.title = Name::parse("令和9年度 配属（改）").unwrap();
        changed.lottery_seed = 4242;
        changed.priority = PriorityRule::Lottery;
        changed.limits = vec![];
        changed.created_by = "someone else".into();
        s.update_round("chair", &changed, None).await.unwrap();
        let got = s.get_round(rid("03-2027")).await.unwrap().unwrap();
        assert_eq!(
            (got.lottery_seed, got.priority, got.limits.len()),
            (4242, PriorityRule::Lottery, 0)
        );
        assert_eq!(got.title, changed.title);
        assert_eq!(
            (got.created_by.as_str(), got.created_at),
            ("centre", r27.created_at)
        );
        // The same settings again write nothing.
        s.update_round("chair", &changed, None).await.unwrap();
        let events = audit_of(s, "placement_rounds", "03-2027").await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "create"]);
        assert_eq!(events[0].actor, "chair");
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].before.as_ref().unwrap()["lottery_seed"], 42);
        assert_eq!(events[0].after.as_ref().unwrap()["lottery_seed"], 4242);

        let missing = s
            .update_round("chair", &placement_round("03-2030", 1), None)
            .await
            .unwrap_err();
        assert!(matches!(&missing, StoreError::Missing { .. }), "{missing}");
        assert_eq!(
            missing.to_string(),
            "the placement round 03-2030 does not exist"
        );

        // A round that does not validate (an area twice) is not written.
        let mut bad = placement_round("03-2031", 1);
        bad.limits.push(bad.limits[0]);
        let err = s.create_round("centre", &bad).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(s.get_round(rid("03-2031")).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn placement_requests_and_preferences_are_put_replaced_listed_and_withdrawn() {
    each_backend(|t| async move {
        let s = t.store();
        with_round(s).await;

        s.put_request("f2", &request("03-2027", "F-2", 2))
            .await
            .unwrap();
        s.put_request("f1", &request("03-2027", "F-1", 1))
            .await
            .unwrap();
        let replaced = request("03-2027", "F-2", 3);
        s.put_request("f2", &replaced).await.unwrap();
        s.put_request("f2", &replaced).await.unwrap(); // unchanged: no event
        let listed = s.list_requests(rid("03-2027")).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|r| (r.facility.to_string(), r.posts))
                .collect::<Vec<_>>(),
            [("F-1".to_string(), 1), ("F-2".to_string(), 3)]
        );
        assert_eq!(listed[1], replaced);
        let events = audit_of(s, "placement_requests", "03-2027/F-2").await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "create"]);
        assert_eq!(events[0].before.as_ref().unwrap()["posts"], 2);
        assert_eq!(events[0].after.as_ref().unwrap()["posts"], 3);
        assert_eq!(events[0].pref.as_deref(), Some("03"));

        // The facility and the round must exist.
        let err = s
            .put_request("f9", &request("03-2027", "F-9", 1))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(err.to_string(), "the facility F-9 does not exist");
        let err = s
            .put_request("f1", &request("03-2030", "F-1", 1))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        // A request that does not validate is not written.
        let err = s
            .put_request("f1", &request("03-2027", "F-1", 0))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");

        // Withdrawing.
        assert!(
            s.delete_request("f1", rid("03-2027"), &FacilityId::parse("F-1").unwrap())
                .await
                .unwrap()
        );
        assert!(
            !s.delete_request("f1", rid("03-2027"), &FacilityId::parse("F-1").unwrap())
                .await
                .unwrap()
        );
        assert!(
            !s.delete_request("f1", rid("03-2030"), &FacilityId::parse("F-1").unwrap())
                .await
                .unwrap()
        );
        assert_eq!(s.list_requests(rid("03-2027")).await.unwrap().len(), 1);
        let events = audit_of(s, "placement_requests", "03-2027/F-1").await;
        assert_eq!(events[0].action, "delete");
        assert_eq!(events[0].before.as_ref().unwrap()["posts"], 1);
        assert!(events[0].after.is_none());

        // Preference lists.
        let mut d1 = preference("03-2027", "D-1", &["F-2", "F-1"]);
        d1.partner = DoctorId::parse("D-2").ok();
        s.put_preference("d1", &d1).await.unwrap();
        s.put_preference("d2", &preference("03-2027", "D-2", &["F-1"]))
            .await
            .unwrap();
        let d1_new = preference("03-2027", "D-1", &["F-1"]);
        s.put_preference("d1", &d1_new).await.unwrap();
        let lists = s.list_preferences(rid("03-2027")).await.unwrap();
        assert_eq!(
            lists
                .iter()
                .map(|l| l.doctor.to_string())
                .collect::<Vec<_>>(),
            ["D-1", "D-2"]
        );
        assert_eq!(lists[0], d1_new);
        let events = audit_of(s, "placement_preferences", "03-2027/D-1").await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "create"]);
        assert_eq!(events[1].after.as_ref().unwrap()["partner"], "D-2");
        let err = s
            .put_preference("d9", &preference("03-2027", "D-9", &["F-1"]))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "the doctor D-9 does not exist");
        let err = s
            .put_preference("d1", &preference("03-2027", "D-1", &["F-1", "F-1"]))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert!(s.list_preferences(rid("03-2026")).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn placement_runs_are_numbered_within_their_round_and_never_change() {
    each_backend(|t| async move {
        let s = t.store();
        with_round(s).await;
        s.create_round("centre", &placement_round("03-2028", 1))
            .await
            .unwrap();
        let mut seqs = Vec::new();
        for label in ["案A", "案B", "案C"] {
            seqs.push(
                s.add_run("centre", &run("03-2027", label))
                    .await
                    .unwrap()
                    .seq,
            );
        }
        assert_eq!(seqs, [1, 2, 3]);
        let other = s
            .add_run("centre", &run("03-2028", "別年度"))
            .await
            .unwrap();
        assert_eq!(other.seq, 1);

        let runs = s.list_runs(rid("03-2027")).await.unwrap();
        assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(runs[1].label.as_str(), "案B");
        let second = s.get_run(rid("03-2027"), 2).await.unwrap().unwrap();
        assert_eq!(second, runs[1]);
        assert_eq!(second.input, run("03-2027", "x").input);
        assert_eq!(s.get_run(rid("03-2027"), 4).await.unwrap(), None);

        let err = s
            .add_run("centre", &run("03-2030", "なし"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");

        // The audit trail keeps the run's figures, not its input and result.
        let events = audit_of(s, "placement_runs", "03-2027#3").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "create");
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        let after = events[0].after.as_ref().unwrap().as_object().unwrap();
        let mut keys: Vec<&str> = after.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["algorithm", "label", "seq", "summary"]);
        assert_eq!(after["seq"], 3);
        assert_eq!(after["summary"]["placed"], 2);

        // The database itself refuses to change or remove a run, decided or not.
        for sql in [
            "DELETE FROM placement_runs",
            "UPDATE placement_runs SET algorithm = 'optimise'",
        ] {
            let err = t.execute_raw(sql, &[]).await.unwrap_err();
            assert!(err.to_string().contains("never changed"), "{sql}: {err}");
        }
        assert_eq!(s.list_runs(rid("03-2027")).await.unwrap(), runs);
        // The inputs of an undecided round can still change, by any client.
        s.put_request("f1", &request("03-2027", "F-1", 1))
            .await
            .unwrap();
        assert_eq!(
            t.execute_raw(
                "DELETE FROM placement_requests WHERE facility = $1",
                &["F-1"]
            )
            .await
            .unwrap(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn a_decision_creates_its_assignments_and_freezes_the_round() {
    each_backend(|t| async move {
        let s = t.store();
        let round = with_round(s).await;
        s.put_request("f2", &request("03-2027", "F-2", 1))
            .await
            .unwrap();
        s.put_preference("d3", &preference("03-2027", "D-3", &["F-2"]))
            .await
            .unwrap();
        s.add_run("centre", &run("03-2027", "案A")).await.unwrap();
        s.add_run("centre", &run("03-2027", "案B")).await.unwrap();
        assert_eq!(s.get_decision(rid("03-2027")).await.unwrap(), None);

        let chosen = decision("03-2027", 2);
        let placed = assignment("A-10", "D-3", "F-2", "2027-04-01", Some("2028-03-31"));
        let applied = s
            .decide("chair", &chosen, vec![placed.clone()])
            .await
            .unwrap();
        assert_eq!(applied.total_created(), 1);
        assert_eq!(
            applied.changed_keys[&Entity::Assignments],
            vec!["A-10".to_string()]
        );
        assert_eq!(s.get_decision(rid("03-2027")).await.unwrap(), Some(chosen));
        let of_d3 = s
            .list_assignments(&AssignmentFilter {
                doctors: Some(vec![DoctorId::parse("D-3").unwrap()]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(of_d3, vec![placed]);
        let events = audit_of(s, "placement_decisions", "03-2027").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chair")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].after.as_ref().unwrap()["run"], 2);
        let events = audit_of(s, "assignments", "A-10").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chair")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));

        // Decided: nothing of the round changes any more.
        let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        let is_decided = |r: Result<(), StoreError>| match r {
            Err(StoreError::RoundDecided { round }) => assert_eq!(round, "03-2027"),
            other => panic!("expected RoundDecided, got {other:?}"),
        };
        is_decided(s.decide("chair", &decision("03-2027", 1), vec![]).await.map(|_| ()));
        is_decided(s.put_request("f1", &request("03-2027", "F-1", 1)).await);
        is_decided(s.put_request("f2", &request("03-2027", "F-2", 5)).await);
        is_decided(
            s.put_preference("d1", &preference("03-2027", "D-1", &["F-1"]))
                .await,
        );
        is_decided(s.add_run("centre", &run("03-2027", "案C")).await.map(|_| ()));
        let mut changed = round.clone();
        changed.lottery_seed = 1;
        is_decided(s.update_round("chair", &changed, None).await.map(|_| ()));
        is_decided(
            s.delete_request("f2", rid("03-2027"), &FacilityId::parse("F-2").unwrap())
                .await
                .map(|_| ()),
        );
        let err = s
            .decide("chair", &decision("03-2027", 1), vec![])
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the placement round 03-2027 is decided: its inputs, runs and decision can no longer change"
        );
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit
        );
        assert_eq!(s.get_round(rid("03-2027")).await.unwrap(), Some(round));
        assert_eq!(s.list_runs(rid("03-2027")).await.unwrap().len(), 2);

        // The database refuses too, whoever writes.
        let decided_mark = "placement round is decided";
        let refused: [(&str, &[&str], &str); 8] = [
            ("UPDATE placement_decisions SET run = 1", &[], "never changed"),
            ("DELETE FROM placement_decisions", &[], "never changed"),
            ("DELETE FROM placement_runs", &[], "never changed"),
            ("UPDATE placement_rounds SET fiscal_year = fiscal_year", &[], decided_mark),
            ("DELETE FROM placement_requests", &[], decided_mark),
            ("UPDATE placement_preferences SET doctor = doctor", &[], decided_mark),
            (
                "INSERT INTO placement_requests (round, facility, data) VALUES ($1, $2, '{}')",
                &["03-2027", "F-1"],
                decided_mark,
            ),
            (
                "INSERT INTO placement_preferences (round, doctor, data) VALUES ($1, $2, '{}')",
                &["03-2027", "D-1"],
                decided_mark,
            ),
        ];
        for (sql, params, says) in refused {
            let err = t.execute_raw(sql, params).await.unwrap_err();
            assert!(err.to_string().contains(says), "{sql}: {err}");
        }
        assert_eq!(
            s.get_decision(rid("03-2027")).await.unwrap().unwrap().run,
            2
        );
        assert_eq!(s.list_requests(rid("03-2027")).await.unwrap().len(), 1);

        // Other rounds are not frozen.
        s.create_round("centre", &placement_round("03-2028", 1))
            .await
            .unwrap();
        s.put_request("f1", &request("03-2028", "F-1", 1))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_decision_that_fails_writes_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        with_round(s).await;
        s.add_run("centre", &run("03-2027", "案A")).await.unwrap();
        let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        let placed = assignment("A-10", "D-3", "F-2", "2027-04-01", None);

        // A run that does not exist.
        let err = s
            .decide("chair", &decision("03-2027", 7), vec![placed.clone()])
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the run 7 of the placement round 03-2027 does not exist"
        );
        // A round that does not exist.
        let err = s
            .decide("chair", &decision("03-2030", 1), vec![placed.clone()])
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        // An assignment that cannot be written (its doctor does not exist): the decision
        // goes with it.
        let err = s
            .decide(
                "chair",
                &decision("03-2027", 1),
                vec![
                    placed.clone(),
                    assignment("A-11", "D-missing", "F-1", "2027-04-01", None),
                ],
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Database(_)), "{err}");

        assert_eq!(s.get_decision(rid("03-2027")).await.unwrap(), None);
        assert!(s.get(Entity::Assignments, "A-10").await.unwrap().is_none());
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit
        );
        // The round is still open.
        s.put_request("f1", &request("03-2027", "F-1", 1))
            .await
            .unwrap();
        let applied = s
            .decide("chair", &decision("03-2027", 1), vec![placed])
            .await
            .unwrap();
        assert_eq!(applied.total_created(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_stored_placement_record_that_does_not_validate_is_reported() {
    each_backend(|t| async move {
        let s = t.store();
        let round = with_round(s).await;
        let set_data = if t.name() == "postgres" {
            "UPDATE placement_rounds SET data = CAST($1 AS JSONB) WHERE id = $2"
        } else {
            "UPDATE placement_rounds SET data = $1 WHERE id = $2"
        };
        // An area limited twice.
        let mut twice = round.clone();
        twice.limits.push(twice.limits[0]);
        let json = serde_json::to_string(&twice).unwrap();
        t.execute_raw(set_data, &[&json, "03-2027"]).await.unwrap();
        for err in [
            s.get_round(rid("03-2027")).await.unwrap_err(),
            s.list_rounds(None).await.unwrap_err(),
            s.add_run("centre", &run("03-2027", "案A"))
                .await
                .unwrap_err(),
        ] {
            match err {
                StoreError::Corrupt { entity, key, .. } => {
                    assert_eq!(
                        (entity.as_str(), key.as_str()),
                        ("placement_rounds", "03-2027")
                    )
                }
                other => panic!("expected Corrupt, got {other}"),
            }
        }
        // Another round's record under this key.
        let elsewhere = placement_round("03-2028", 1);
        let json = serde_json::to_string(&elsewhere).unwrap();
        t.execute_raw(set_data, &[&json, "03-2027"]).await.unwrap();
        let err = s.get_round(rid("03-2027")).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        // Not JSON of a round at all.
        t.execute_raw(set_data, &["{\"id\": 3}", "03-2027"])
            .await
            .unwrap();
        let err = s.get_round(rid("03-2027")).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
    })
    .await;
}

/// Eight stores on the same database, as eight processes would open it.
async fn eight_stores(t: &testing::TestStore) -> Vec<std::sync::Arc<dyn chiiki_store::Store>> {
    let mut stores = Vec::new();
    for _ in 0..8 {
        let s: std::sync::Arc<dyn chiiki_store::Store> =
            chiiki_store::open(t.target()).await.unwrap().into();
        stores.push(s);
    }
    stores
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_runs_get_distinct_numbers() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        with_round(t.store()).await;
        // Eight stores on the same database (as eight processes would be), one run each.
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                tokio::spawn(async move {
                    s.add_run(&format!("worker-{i}"), &run("03-2027", "並行"))
                        .await
                        .unwrap()
                        .seq
                })
            })
            .collect();
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=8).collect::<Vec<u32>>());
        let stored = t.store().list_runs(rid("03-2027")).await.unwrap();
        assert_eq!(
            stored.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<u32>>()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Rotation plans

fn pref(s: &str) -> PrefCode {
    PrefCode::parse(s).unwrap()
}

fn plan(pref_code: &str, label: &str, parent: Option<u32>) -> PlanVersion {
    PlanVersion {
        pref: pref(pref_code),
        seq: 99,
        label: Name::parse(label).unwrap(),
        first_year: FiscalYear::new(2027).unwrap(),
        years: 5,
        parent,
        input: serde_json::json!({"doctors": ["D-1", "D-2"], "sites": ["F-1", "F-2"]}),
        result: serde_json::json!({"D-1": ["F-1", "F-1", "F-2"], "D-2": ["F-2"]}),
        summary: serde_json::json!({"shortage": 1.5, "wishes_met": 3}),
        created_by: "centre".into(),
        created_at: chrono::Utc::now(),
    }
}

fn adoption(pref_code: &str, seq: u32, at: &str) -> Adoption {
    Adoption {
        pref: pref(pref_code),
        seq,
        rationale: Rationale::parse("医師不足地域の充足が最も高い案（架空テスト）").unwrap(),
        adopted_by: "committee".into(),
        adopted_at: at.parse().unwrap(),
    }
}

fn seqs(versions: &[PlanVersion]) -> Vec<u32> {
    versions.iter().map(|v| v.seq).collect()
}

#[tokio::test]
async fn rotation_plan_versions_are_numbered_per_prefecture_and_kept_whole() {
    each_backend(|t| async move {
        let s = t.store();
        let first = s
            .add_plan_version("centre", &plan("03", "5か年計画 初版", None))
            .await
            .unwrap();
        let given = plan("03", "再計画", Some(1));
        let second = s.add_plan_version("centre", &given).await.unwrap();
        let third = s
            .add_plan_version("chair", &plan("03", "再々計画", Some(2)))
            .await
            .unwrap();
        assert_eq!(
            seqs(&[first.clone(), second.clone(), third.clone()]),
            [1, 2, 3]
        );
        // Numbered per prefecture.
        let other = s
            .add_plan_version("other", &plan("04", "別の県", None))
            .await
            .unwrap();
        assert_eq!(other.seq, 1);

        // Stored as given, but for the number.
        assert_eq!(second, PlanVersion { seq: 2, ..given });
        let listed = s.list_plan_versions(pref("03")).await.unwrap();
        assert_eq!(listed, vec![first, second.clone(), third]);
        assert_eq!(
            s.get_plan_version(pref("03"), 2).await.unwrap(),
            Some(second.clone())
        );
        assert_eq!(second.input, plan("03", "x", None).input);
        assert_eq!(second.result, plan("03", "x", None).result);
        assert_eq!(s.get_plan_version(pref("03"), 4).await.unwrap(), None);
        assert_eq!(s.get_plan_version(pref("05"), 1).await.unwrap(), None);
        assert_eq!(seqs(&s.list_plan_versions(pref("04")).await.unwrap()), [1]);
        assert!(s.list_plan_versions(pref("05")).await.unwrap().is_empty());

        // The audit trail keeps the version's figures, not its input and result.
        let events = audit_of(s, "rotation_plans", "03#3").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chair")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        let after = events[0].after.as_ref().unwrap().as_object().unwrap();
        let mut keys: Vec<&str> = after.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["first_year", "label", "parent", "seq", "summary", "years"]
        );
        assert_eq!(after["seq"], 3);
        assert_eq!(after["parent"], 2);
        assert_eq!(after["first_year"], 2027);
        assert_eq!(after["summary"]["wishes_met"], 3);

        // The parent must be a version of the same prefecture; nothing is written otherwise.
        let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        let err = s
            .add_plan_version("centre", &plan("03", "元がない", Some(7)))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the version 7 of the rotation plan of prefecture 03 does not exist"
        );
        let err = s
            .add_plan_version("other", &plan("04", "他県の版", Some(3)))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        // A version that does not validate (a horizon of 16 years) is not written.
        let mut long = plan("03", "長すぎる", None);
        long.years = 16;
        let err = s.add_plan_version("centre", &long).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(
            seqs(&s.list_plan_versions(pref("03")).await.unwrap()),
            [1, 2, 3]
        );
        assert_eq!(seqs(&s.list_plan_versions(pref("04")).await.unwrap()), [1]);
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit
        );
        // The numbers go on after the refusals.
        let fourth = s
            .add_plan_version("centre", &plan("03", "第4版", Some(1)))
            .await
            .unwrap();
        assert_eq!(fourth.seq, 4);
    })
    .await;
}

#[tokio::test]
async fn rotation_plan_versions_are_adopted_once_each_and_listed_by_time() {
    each_backend(|t| async move {
        let s = t.store();
        for parent in [None, Some(1), Some(2)] {
            s.add_plan_version("centre", &plan("03", "版", parent))
                .await
                .unwrap();
        }
        s.add_plan_version("other", &plan("04", "別の県", None))
            .await
            .unwrap();
        assert!(s.list_adoptions(pref("03")).await.unwrap().is_empty());

        let a2 = adoption("03", 2, "2027-03-10T09:00:00Z");
        s.adopt_plan_version("chair", &a2).await.unwrap();
        // A later adoption of an earlier version: the plan in force goes back to it.
        let a1 = adoption("03", 1, "2028-03-10T09:00:00.123456789Z");
        s.adopt_plan_version("chair", &a1).await.unwrap();
        // Recorded last, but adopted first: listed by time.
        let a3 = adoption("03", 3, "2026-03-10T09:00:00Z");
        s.adopt_plan_version("chair", &a3).await.unwrap();
        let listed = s.list_adoptions(pref("03")).await.unwrap();
        assert_eq!(listed, vec![a3, a2, a1.clone()]);
        assert_eq!(listed.last().unwrap().seq, 1, "the plan in force");
        assert!(s.list_adoptions(pref("04")).await.unwrap().is_empty());

        let events = audit_of(s, "rotation_adoptions", "03#1").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chair")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].after.as_ref().unwrap()["seq"], 1);
        assert_eq!(
            events[0].after.as_ref().unwrap()["rationale"],
            a1.rationale.as_str()
        );

        // A version is adopted once; nothing is written by a refusal.
        let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        let err = s
            .adopt_plan_version("chair", &adoption("03", 2, "2029-03-10T09:00:00Z"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Exists { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the adoption of the version 2 of the rotation plan of prefecture 03 already exists"
        );
        // Only versions that exist, of the prefecture named.
        let err = s
            .adopt_plan_version("chair", &adoption("03", 9, "2029-03-10T09:00:00Z"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the version 9 of the rotation plan of prefecture 03 does not exist"
        );
        let err = s
            .adopt_plan_version("other", &adoption("04", 2, "2029-03-10T09:00:00Z"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        // An adoption that does not validate (no version named) is not written.
        let err = s
            .adopt_plan_version("chair", &adoption("03", 0, "2029-03-10T09:00:00Z"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(s.list_adoptions(pref("03")).await.unwrap(), listed);
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit
        );

        // Another prefecture adopts its own versions.
        s.adopt_plan_version("other", &adoption("04", 1, "2027-03-01T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(s.list_adoptions(pref("04")).await.unwrap().len(), 1);
        assert_eq!(s.list_adoptions(pref("03")).await.unwrap(), listed);
    })
    .await;
}

#[tokio::test]
async fn rotation_plan_versions_and_adoptions_never_change_in_the_database() {
    each_backend(|t| async move {
        let s = t.store();
        s.add_plan_version("centre", &plan("03", "初版", None))
            .await
            .unwrap();
        s.add_plan_version("centre", &plan("03", "再計画", Some(1)))
            .await
            .unwrap();
        s.adopt_plan_version("chair", &adoption("03", 1, "2027-03-10T09:00:00Z"))
            .await
            .unwrap();
        let versions = s.list_plan_versions(pref("03")).await.unwrap();
        let adoptions = s.list_adoptions(pref("03")).await.unwrap();

        // The database itself refuses to change or remove them, whoever writes.
        for sql in [
            "UPDATE rotation_plans SET label = 'changed'",
            "UPDATE rotation_plans SET years = 3 WHERE seq = 2",
            "DELETE FROM rotation_plans WHERE seq = 2",
            "DELETE FROM rotation_plans",
            "UPDATE rotation_adoptions SET seq = 2",
            "DELETE FROM rotation_adoptions",
        ] {
            let err = t.execute_raw(sql, &[]).await.unwrap_err();
            assert!(err.to_string().contains("never changed"), "{sql}: {err}");
        }
        // Nor does it take a version whose parent, or an adoption whose version, is missing.
        let json = if t.name() == "postgres" {
            "CAST('{}' AS JSONB)"
        } else {
            "'{}'"
        };
        for sql in [
            format!(
                "INSERT INTO rotation_plans (pref, seq, label, first_year, years, parent, data) \
                 VALUES ('03', 3, 'x', 2027, 5, 7, {json})"
            ),
            format!(
                "INSERT INTO rotation_adoptions (pref, seq, adopted_at, data) \
                 VALUES ('03', 7, CURRENT_TIMESTAMP, {json})"
            ),
        ] {
            let err = t.execute_raw(&sql, &[]).await.unwrap_err();
            assert!(matches!(&err, StoreError::Database(_)), "{sql}: {err}");
        }
        assert_eq!(s.list_plan_versions(pref("03")).await.unwrap(), versions);
        assert_eq!(s.list_adoptions(pref("03")).await.unwrap(), adoptions);
    })
    .await;
}

#[tokio::test]
async fn a_stored_rotation_record_that_does_not_validate_is_reported() {
    each_backend(|t| async move {
        let s = t.store();
        s.add_plan_version("centre", &plan("03", "初版", None))
            .await
            .unwrap();
        // Written past the store: a horizon of 20 years, and under the key 03#2 a version
        // that says it is 03#5.
        let insert = if t.name() == "postgres" {
            "INSERT INTO rotation_plans (pref, seq, label, first_year, years, parent, data) \
             VALUES ('03', CAST($1 AS INTEGER), 'x', 2027, 5, NULL, CAST($2 AS JSONB))"
        } else {
            "INSERT INTO rotation_plans (pref, seq, label, first_year, years, parent, data) \
             VALUES ('03', $1, 'x', 2027, 5, NULL, $2)"
        };
        let mut long = PlanVersion {
            seq: 2,
            ..plan("03", "長すぎる", None)
        };
        long.years = 20;
        let json = serde_json::to_string(&long).unwrap();
        t.execute_raw(insert, &["2", &json]).await.unwrap();
        for err in [
            s.get_plan_version(pref("03"), 2).await.unwrap_err(),
            s.list_plan_versions(pref("03")).await.unwrap_err(),
        ] {
            match err {
                StoreError::Corrupt { entity, key, .. } => {
                    assert_eq!((entity.as_str(), key.as_str()), ("rotation_plans", "03#2"))
                }
                other => panic!("expected Corrupt, got {other}"),
            }
        }
        let elsewhere = PlanVersion {
            seq: 5,
            ..plan("03", "別の版", None)
        };
        let json = serde_json::to_string(&elsewhere).unwrap();
        t.execute_raw(insert, &["3", &json]).await.unwrap();
        let err = s.get_plan_version(pref("03"), 3).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        // The version that does validate still reads.
        assert_eq!(
            s.get_plan_version(pref("03"), 1)
                .await
                .unwrap()
                .unwrap()
                .seq,
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_plan_versions_get_distinct_numbers() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        // Eight stores on the same database (as eight processes would be), one version each,
        // in two prefectures.
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                tokio::spawn(async move {
                    let p = if i % 2 == 0 { "03" } else { "04" };
                    let v = s
                        .add_plan_version(&format!("worker-{i}"), &plan(p, "並行", None))
                        .await
                        .unwrap();
                    (p, v.seq)
                })
            })
            .collect();
        let mut by_pref: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
        for task in tasks {
            let (p, seq) = task.await.unwrap();
            by_pref.entry(p).or_default().push(seq);
        }
        for (p, mut numbers) in by_pref {
            numbers.sort();
            assert_eq!(numbers, [1, 2, 3, 4], "{p}");
            let stored = t.store().list_plan_versions(pref(p)).await.unwrap();
            assert_eq!(seqs(&stored), [1, 2, 3, 4], "{p}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Dispatch

fn at(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn cover(facility: &str, start: &str, end: &str) -> DispatchRequest {
    DispatchRequest {
        id: 0,
        pref: pref("03"),
        facility: FacilityId::parse(facility).unwrap(),
        kind: DutyKind::ClinicDay,
        start: at(start),
        end: at(end),
        skills: vec!["内科".into()],
        urgency: Urgency::Soon,
        note: "代診（架空テスト）".into(),
        state: RequestState::Open,
        requested_by: "facility".into(),
        requested_at: chrono::Utc::now(),
    }
}

fn offer(doctor: &str, from: &str, to: &str) -> DispatchOffer {
    DispatchOffer {
        id: 0,
        doctor: DoctorId::parse(doctor).unwrap(),
        from: at(from),
        to: at(to),
        base: None,
        note: String::new(),
        offered_at: chrono::Utc::now(),
    }
}

fn hours(doctor: &str, employer: &str, month: &str, month_h: i64, year_h: i64) -> HoursReport {
    HoursReport {
        doctor: DoctorId::parse(doctor).unwrap(),
        employer: employer.into(),
        month: d(month),
        month_minutes: month_h * 60,
        year_minutes: year_h * 60,
        interview: None,
        reported_by: "doctor".into(),
        reported_at: chrono::Utc::now(),
    }
}

fn dispatch_run(pref_code: &str, month: &str) -> DispatchRun {
    DispatchRun {
        pref: pref(pref_code),
        seq: 99,
        month: d(month),
        input: serde_json::json!({"requests": [1, 2], "doctors": ["D-1", "D-2"]}),
        result: serde_json::json!({"1": "D-1", "2": "D-2"}),
        summary: serde_json::json!({"filled": 2, "open": 0}),
        created_by: "centre".into(),
        created_at: chrono::Utc::now(),
    }
}

fn dispatch(request: u64, doctor: &str, run: u32) -> Dispatch {
    Dispatch {
        request,
        doctor: DoctorId::parse(doctor).unwrap(),
        run,
        travel_minutes: 90,
        worked_minutes: None,
        confirmed_by: "centre".into(),
        confirmed_at: chrono::Utc::now(),
    }
}

fn ids(requests: &[DispatchRequest]) -> Vec<u64> {
    requests.iter().map(|r| r.id).collect()
}

/// The register of `base()`, and a facility F-9 in prefecture 04.
async fn with_register(s: &dyn chiiki_store::Store) {
    let mut changes = base();
    changes.push(Change::Put(area("0401", "仙台")));
    changes.push(Change::Put(muni("04100", "仙台市", "0401")));
    changes.push(Change::Put(
        facility("F-9", "テスト仙台病院", "04100", "0401").into(),
    ));
    s.apply("setup", changes, Mode::Commit).await.unwrap();
}

async fn audit_total(s: &dyn chiiki_store::Store) -> u64 {
    s.list_audit(&AuditFilter::default()).await.unwrap().total
}

#[tokio::test]
async fn dispatch_requests_are_numbered_listed_by_their_start_and_updated_while_open() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        let given = cover("F-1", "2026-12-10 08:30", "2026-12-10 17:15");
        let r1 = s.put_dispatch_request("f1", &given).await.unwrap();
        assert!(r1.id > 0);
        assert_eq!(r1, DispatchRequest { id: r1.id, ..given });
        assert_eq!(
            s.get_dispatch_request(r1.id).await.unwrap(),
            Some(r1.clone())
        );
        assert_eq!(s.get_dispatch_request(0).await.unwrap(), None);
        assert_eq!(s.get_dispatch_request(r1.id + 100).await.unwrap(), None);
        assert_eq!(s.get_dispatch_request(u64::MAX).await.unwrap(), None);

        // The window's edges: from the first day's midnight, until (not including) the last.
        let r2 = s
            .put_dispatch_request("f2", &cover("F-2", "2026-12-01 00:00", "2026-12-01 09:00"))
            .await
            .unwrap();
        let r3 = s
            .put_dispatch_request("f1", &cover("F-1", "2026-12-31 23:59", "2027-01-01 08:00"))
            .await
            .unwrap();
        let r4 = s
            .put_dispatch_request("f1", &cover("F-1", "2027-01-01 00:00", "2027-01-01 08:00"))
            .await
            .unwrap();
        // Same start as r1: after it, by id.
        let r5 = s
            .put_dispatch_request("f2", &cover("F-2", "2026-12-10 08:30", "2026-12-10 12:00"))
            .await
            .unwrap();
        // Ids are unique across prefectures.
        let other = s
            .put_dispatch_request(
                "f9",
                &DispatchRequest {
                    pref: pref("04"),
                    ..cover("F-9", "2026-12-10 08:30", "2026-12-10 17:15")
                },
            )
            .await
            .unwrap();
        let all = [&r1, &r2, &r3, &r4, &r5, &other];
        let mut numbers: Vec<u64> = all.iter().map(|r| r.id).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 6);

        let list =
            |f: DispatchFilter| async move { ids(&s.list_dispatch_requests(&f).await.unwrap()) };
        let dec = DispatchFilter {
            pref: Some(pref("03")),
            from: Some(d("2026-12-01")),
            until: Some(d("2027-01-01")),
            ..Default::default()
        };
        assert_eq!(list(dec.clone()).await, [r2.id, r1.id, r5.id, r3.id]);
        assert_eq!(
            list(DispatchFilter {
                from: Some(d("2026-12-02")),
                ..dec.clone()
            })
            .await,
            [r1.id, r5.id, r3.id]
        );
        assert_eq!(
            list(DispatchFilter {
                until: Some(d("2026-12-31")),
                ..dec.clone()
            })
            .await,
            [r2.id, r1.id, r5.id]
        );
        assert_eq!(
            list(DispatchFilter {
                facility: Some(FacilityId::parse("F-2").unwrap()),
                ..dec.clone()
            })
            .await,
            [r2.id, r5.id]
        );
        // The doctor is for dispatches only.
        assert_eq!(
            list(DispatchFilter {
                doctor: Some(DoctorId::parse("D-1").unwrap()),
                ..dec.clone()
            })
            .await,
            [r2.id, r1.id, r5.id, r3.id]
        );
        assert_eq!(
            list(DispatchFilter {
                pref: Some(pref("04")),
                ..Default::default()
            })
            .await,
            [other.id]
        );
        assert_eq!(
            list(DispatchFilter::default()).await,
            [r2.id, r1.id, r5.id, other.id, r3.id, r4.id]
        );

        // Updated while open, keeping who requested it and when.
        let changed = DispatchRequest {
            end: at("2026-12-10 19:00"),
            urgency: Urgency::Critical,
            requested_by: "someone else".into(),
            requested_at: chrono::Utc::now() + chrono::Duration::days(1),
            ..r1.clone()
        };
        let updated = s.put_dispatch_request("centre", &changed).await.unwrap();
        assert_eq!(
            updated,
            DispatchRequest {
                requested_by: r1.requested_by.clone(),
                requested_at: r1.requested_at,
                ..changed.clone()
            }
        );
        assert_eq!(
            s.get_dispatch_request(r1.id).await.unwrap(),
            Some(updated.clone())
        );
        let events = audit_of(s, "dispatch_requests", &r1.id.to_string()).await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "create"]);
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].before.as_ref().unwrap()["urgency"], "soon");
        assert_eq!(events[0].after.as_ref().unwrap()["urgency"], "critical");
        assert_eq!(
            audit_of(s, "dispatch_requests", &other.id.to_string()).await[0]
                .pref
                .as_deref(),
            Some("04")
        );
        // The same again writes nothing.
        let audit = audit_total(s).await;
        s.put_dispatch_request("centre", &updated).await.unwrap();
        assert_eq!(audit_total(s).await, audit);

        // Refused, writing nothing: a request that does not exist, a facility that does not,
        // a facility of another prefecture, a request that does not validate, one that is not
        // entered open.
        let err = s
            .put_dispatch_request(
                "centre",
                &DispatchRequest {
                    id: r1.id + 100,
                    ..r1.clone()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!("the dispatch request {} does not exist", r1.id + 100)
        );
        let err = s
            .put_dispatch_request(
                "f1",
                &cover("F-404", "2026-12-10 08:30", "2026-12-10 17:15"),
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(err.to_string(), "the facility F-404 does not exist");
        let err = s
            .put_dispatch_request("f9", &cover("F-9", "2026-12-10 08:30", "2026-12-10 17:15"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        let mut backwards = cover("F-1", "2026-12-10 08:30", "2026-12-10 08:00");
        let err = s.put_dispatch_request("f1", &backwards).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        backwards.id = r1.id;
        let err = s.put_dispatch_request("f1", &backwards).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        let err = s
            .put_dispatch_request(
                "f1",
                &DispatchRequest {
                    state: RequestState::Filled,
                    ..cover("F-1", "2026-12-10 08:30", "2026-12-10 17:15")
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(list(DispatchFilter::default()).await.len(), 6);
        assert_eq!(s.get_dispatch_request(r1.id).await.unwrap(), Some(updated));

        // Cancelled once; then closed to changes.
        s.cancel_dispatch_request("f2", r2.id).await.unwrap();
        let cancelled = s.get_dispatch_request(r2.id).await.unwrap().unwrap();
        assert_eq!(
            cancelled,
            DispatchRequest {
                state: RequestState::Cancelled,
                ..r2.clone()
            }
        );
        let events = audit_of(s, "dispatch_requests", &r2.id.to_string()).await;
        assert_eq!(events[0].action, "update");
        assert_eq!(events[0].actor, "f2");
        assert_eq!(events[0].after.as_ref().unwrap()["state"], "cancelled");
        let audit = audit_total(s).await;
        let err = s.cancel_dispatch_request("f2", r2.id).await.unwrap_err();
        assert!(matches!(&err, StoreError::Closed { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "the dispatch request {} is no longer open: it was filled or cancelled",
                r2.id
            )
        );
        let err = s.put_dispatch_request("f2", &r2).await.unwrap_err();
        assert!(matches!(&err, StoreError::Closed { .. }), "{err}");
        let err = s
            .cancel_dispatch_request("f2", r1.id + 100)
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(
            s.get_dispatch_request(r2.id).await.unwrap(),
            Some(cancelled)
        );
        assert_eq!(
            list(DispatchFilter {
                state: Some(RequestState::Cancelled),
                ..Default::default()
            })
            .await,
            [r2.id]
        );
        assert_eq!(
            list(DispatchFilter {
                state: Some(RequestState::Open),
                ..dec
            })
            .await,
            [r1.id, r5.id, r3.id]
        );
    })
    .await;
}

#[tokio::test]
async fn dispatch_offers_are_listed_when_they_overlap_the_window() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        let given = offer("D-1", "2026-12-01 07:00", "2026-12-01 21:00");
        let o1 = s.put_offer("d1", &given).await.unwrap();
        assert!(o1.id > 0);
        assert_eq!(o1, DispatchOffer { id: o1.id, ..given });
        let o2 = s
            .put_offer("d1", &offer("D-1", "2026-12-05 08:00", "2026-12-06 08:00"))
            .await
            .unwrap();
        let o3 = s
            .put_offer("d2", &offer("D-2", "2026-12-03 00:00", "2026-12-04 00:00"))
            .await
            .unwrap();
        let list = |f: OfferFilter| async move {
            s.list_offers(&f)
                .await
                .unwrap()
                .iter()
                .map(|o| o.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(list(OfferFilter::default()).await, [o1.id, o2.id, o3.id]);
        assert_eq!(
            s.list_offers(&OfferFilter::default()).await.unwrap(),
            vec![o1.clone(), o2.clone(), o3.clone()]
        );
        // Touching the window is not overlapping it.
        let window = |from: &str, until: &str| OfferFilter {
            from: Some(at(from)),
            until: Some(at(until)),
            ..Default::default()
        };
        assert!(
            list(window("2026-12-01 21:00", "2026-12-03 00:00"))
                .await
                .is_empty()
        );
        assert_eq!(
            list(window("2026-12-01 20:59", "2026-12-03 00:01")).await,
            [o1.id, o3.id]
        );
        assert_eq!(
            list(window("2026-12-05 12:00", "2026-12-05 13:00")).await,
            [o2.id]
        );
        assert_eq!(
            list(OfferFilter {
                from: Some(at("2026-12-04 00:00")),
                ..Default::default()
            })
            .await,
            [o2.id]
        );
        assert_eq!(
            list(OfferFilter {
                until: Some(at("2026-12-03 00:00")),
                ..Default::default()
            })
            .await,
            [o1.id]
        );
        assert_eq!(
            list(OfferFilter {
                doctor: Some(DoctorId::parse("D-1").unwrap()),
                ..Default::default()
            })
            .await,
            [o1.id, o2.id]
        );

        // Replaced; refused when it does not exist, its doctor does not, or it does not validate.
        let longer = DispatchOffer {
            to: at("2026-12-07 08:00"),
            note: "週末可".into(),
            ..o2.clone()
        };
        assert_eq!(s.put_offer("d1", &longer).await.unwrap(), longer);
        let audit = audit_total(s).await;
        for (bad, missing) in [
            (
                DispatchOffer {
                    id: o3.id + 100,
                    ..o3.clone()
                },
                true,
            ),
            (offer("D-404", "2026-12-01 07:00", "2026-12-01 21:00"), true),
            (offer("D-1", "2026-12-01 07:00", "2026-12-20 21:00"), false),
            (
                DispatchOffer {
                    to: o1.from,
                    ..o1.clone()
                },
                false,
            ),
        ] {
            let err = s.put_offer("d1", &bad).await.unwrap_err();
            if missing {
                assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
            } else {
                assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
            }
        }
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(
            s.list_offers(&OfferFilter::default()).await.unwrap(),
            vec![o1.clone(), longer, o3.clone()]
        );

        // Withdrawn; ids are never given again.
        s.delete_offer("d2", o3.id).await.unwrap();
        let err = s.delete_offer("d2", o3.id).await.unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!("the dispatch offer {} does not exist", o3.id)
        );
        assert_eq!(list(OfferFilter::default()).await, [o1.id, o2.id]);
        let o4 = s
            .put_offer("d2", &offer("D-2", "2026-12-03 00:00", "2026-12-04 00:00"))
            .await
            .unwrap();
        assert!(o4.id > o3.id, "{} after {}", o4.id, o3.id);

        let events = audit_of(s, "dispatch_offers", &o3.id.to_string()).await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["delete", "create"]);
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].before.as_ref().unwrap()["doctor"], "D-2");
        assert!(events[0].after.is_none());
        let events = audit_of(s, "dispatch_offers", &o2.id.to_string()).await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "create"]);
    })
    .await;
}

#[tokio::test]
async fn hours_reports_are_kept_per_doctor_employer_and_month_and_audited_without_personal_data() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        let mut h1 = hours("D-1", "F-1", "2026-12-01", 30, 400);
        h1.interview = Some(d("2026-12-15"));
        let h2 = hours("D-1", "F-2", "2026-12-01", 10, 90);
        let h3 = hours("D-1", "F-1", "2026-11-01", 40, 370);
        let h4 = hours("D-2", "F-2", "2026-12-01", 0, 0);
        for h in [&h1, &h2, &h3, &h4] {
            s.put_hours("d", h).await.unwrap();
        }
        assert_eq!(
            s.list_hours(None, None).await.unwrap(),
            vec![h3.clone(), h1.clone(), h2.clone(), h4.clone()]
        );
        let d1 = DoctorId::parse("D-1").unwrap();
        assert_eq!(
            s.list_hours(Some(&d1), Some(d("2026-12-01")))
                .await
                .unwrap(),
            vec![h1.clone(), h2.clone()]
        );
        assert_eq!(
            s.list_hours(None, Some(d("2026-12-01"))).await.unwrap(),
            vec![h1.clone(), h2.clone(), h4.clone()]
        );
        assert_eq!(
            s.list_hours(Some(&d1), None).await.unwrap(),
            vec![h3.clone(), h1.clone(), h2.clone()]
        );
        assert!(
            s.list_hours(None, Some(d("2026-10-01")))
                .await
                .unwrap()
                .is_empty()
        );

        // Replaced by the key; the same again writes nothing.
        let h1b = HoursReport {
            month_minutes: 45 * 60,
            year_minutes: 415 * 60,
            ..h1.clone()
        };
        s.put_hours("d", &h1b).await.unwrap();
        let audit = audit_total(s).await;
        s.put_hours("d", &h1b).await.unwrap();
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(
            s.list_hours(Some(&d1), Some(d("2026-12-01")))
                .await
                .unwrap(),
            vec![h1b.clone(), h2.clone()]
        );

        // Refused, writing nothing.
        let err = s
            .put_hours("d", &hours("D-404", "F-1", "2026-12-01", 1, 1))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(err.to_string(), "the doctor D-404 does not exist");
        for bad in [
            hours("D-1", "F-1", "2026-12-02", 1, 1),
            hours("D-1", "F-1", "2026-12-01", 10, 5),
            hours("D-1", " ", "2026-12-01", 1, 1),
        ] {
            let err = s.put_hours("d", &bad).await.unwrap_err();
            assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        }
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(s.list_hours(None, None).await.unwrap().len(), 4);

        // The audit trail: the key and the figures, nothing more.
        let events = audit_of(s, "hours_reports", "D-1#F-1#2026-12").await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "create"]);
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        for e in &events {
            for v in [&e.before, &e.after].into_iter().flatten() {
                let mut keys: Vec<&str> =
                    v.as_object().unwrap().keys().map(String::as_str).collect();
                keys.sort();
                assert_eq!(
                    keys,
                    [
                        "doctor",
                        "employer",
                        "month",
                        "month_minutes",
                        "year_minutes"
                    ]
                );
                assert!(!v.to_string().contains("2026-12-15"), "{v}");
            }
        }
        assert_eq!(events[0].before.as_ref().unwrap()["month_minutes"], 30 * 60);
        assert_eq!(events[0].after.as_ref().unwrap()["month_minutes"], 45 * 60);
    })
    .await;
}

#[tokio::test]
async fn dispatch_runs_are_numbered_per_prefecture_and_never_change() {
    each_backend(|t| async move {
        let s = t.store();
        let given = dispatch_run("03", "2026-12-01");
        let first = s.add_dispatch_run("centre", &given).await.unwrap();
        let second = s
            .add_dispatch_run("chair", &dispatch_run("03", "2027-01-01"))
            .await
            .unwrap();
        let other = s
            .add_dispatch_run("other", &dispatch_run("04", "2026-12-01"))
            .await
            .unwrap();
        assert_eq!((first.seq, second.seq, other.seq), (1, 2, 1));
        assert_eq!(first, DispatchRun { seq: 1, ..given });
        assert_eq!(
            s.list_dispatch_runs(pref("03")).await.unwrap(),
            vec![first.clone(), second.clone()]
        );
        assert_eq!(s.list_dispatch_runs(pref("04")).await.unwrap(), vec![other]);
        assert!(s.list_dispatch_runs(pref("05")).await.unwrap().is_empty());
        assert_eq!(
            s.get_dispatch_run(pref("03"), 2).await.unwrap(),
            Some(second)
        );
        assert_eq!(s.get_dispatch_run(pref("03"), 3).await.unwrap(), None);
        assert_eq!(s.get_dispatch_run(pref("05"), 1).await.unwrap(), None);

        // The audit trail keeps the figures, not the input and the result.
        let events = audit_of(s, "dispatch_runs", "03#2").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chair")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        let after = events[0].after.as_ref().unwrap().as_object().unwrap();
        let mut keys: Vec<&str> = after.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["month", "seq", "summary"]);
        assert_eq!(after["seq"], 2);
        assert_eq!(after["month"], "2027-01-01");
        assert_eq!(after["summary"]["filled"], 2);

        // A month not given by its first day is refused, writing nothing; the numbers go on.
        let audit = audit_total(s).await;
        let err = s
            .add_dispatch_run("centre", &dispatch_run("03", "2026-12-05"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(
            s.add_dispatch_run("centre", &dispatch_run("03", "2027-02-01"))
                .await
                .unwrap()
                .seq,
            3
        );

        // The database itself refuses to change or remove them, whoever writes.
        let runs = s.list_dispatch_runs(pref("03")).await.unwrap();
        for sql in [
            "UPDATE dispatch_runs SET month = month",
            "UPDATE dispatch_runs SET seq = 7 WHERE seq = 3",
            "DELETE FROM dispatch_runs WHERE seq = 3",
            "DELETE FROM dispatch_runs",
        ] {
            let err = t.execute_raw(sql, &[]).await.unwrap_err();
            assert!(err.to_string().contains("never changed"), "{sql}: {err}");
        }
        assert_eq!(s.list_dispatch_runs(pref("03")).await.unwrap(), runs);
    })
    .await;
}

/// The register, three open requests in 03 (10, 11 and 12 December) and one in 04, and the run
/// 1 of each prefecture.
async fn with_requests(s: &dyn chiiki_store::Store) -> [DispatchRequest; 4] {
    with_register(s).await;
    let mut out = Vec::new();
    for (facility, start, end) in [
        ("F-1", "2026-12-10 08:30", "2026-12-10 17:15"),
        ("F-2", "2026-12-11 08:30", "2026-12-11 17:15"),
        ("F-1", "2026-12-12 17:00", "2026-12-13 09:00"),
    ] {
        out.push(
            s.put_dispatch_request("f", &cover(facility, start, end))
                .await
                .unwrap(),
        );
    }
    let other = DispatchRequest {
        pref: pref("04"),
        ..cover("F-9", "2026-12-10 08:30", "2026-12-10 17:15")
    };
    out.push(s.put_dispatch_request("f9", &other).await.unwrap());
    s.add_dispatch_run("centre", &dispatch_run("03", "2026-12-01"))
        .await
        .unwrap();
    s.add_dispatch_run("other", &dispatch_run("04", "2026-12-01"))
        .await
        .unwrap();
    out.try_into().unwrap()
}

async fn states(s: &dyn chiiki_store::Store, requests: &[&DispatchRequest]) -> Vec<RequestState> {
    let mut out = Vec::new();
    for r in requests {
        out.push(s.get_dispatch_request(r.id).await.unwrap().unwrap().state);
    }
    out
}

#[tokio::test]
async fn confirming_dispatches_fills_their_requests_all_or_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        let [r1, r2, r3, other] = with_requests(s).await;
        let p03 = pref("03");
        let audit = audit_total(s).await;

        // Each batch has one bad dispatch among good ones: nothing is written.
        let cases: Vec<(Vec<Dispatch>, u32, &str)> = vec![
            (
                vec![dispatch(r1.id, "D-1", 1), dispatch(r2.id, "D-404", 1)],
                1,
                "missing",
            ),
            (
                vec![dispatch(r1.id, "D-1", 1), dispatch(r1.id, "D-2", 1)],
                1,
                "exists",
            ),
            (
                vec![dispatch(r1.id, "D-1", 7), dispatch(r2.id, "D-2", 7)],
                7,
                "missing",
            ),
            (
                vec![dispatch(r1.id, "D-1", 1), dispatch(r2.id, "D-2", 2)],
                1,
                "corrupt",
            ),
            (
                vec![dispatch(r1.id, "D-1", 1), dispatch(r2.id + 100, "D-2", 1)],
                1,
                "missing",
            ),
            (
                vec![dispatch(r1.id, "D-1", 1), dispatch(other.id, "D-2", 1)],
                1,
                "missing",
            ),
            (
                vec![
                    dispatch(r1.id, "D-1", 1),
                    Dispatch {
                        travel_minutes: -5,
                        ..dispatch(r2.id, "D-2", 1)
                    },
                ],
                1,
                "corrupt",
            ),
            (
                vec![
                    dispatch(r1.id, "D-1", 1),
                    Dispatch {
                        worked_minutes: Some(3000),
                        ..dispatch(r2.id, "D-2", 1)
                    },
                ],
                1,
                "corrupt",
            ),
        ];
        for (batch, run, expected) in cases {
            let err = s
                .confirm_dispatches("centre", p03, run, &batch)
                .await
                .unwrap_err();
            let kind = match &err {
                StoreError::Missing { .. } => "missing",
                StoreError::Exists { .. } => "exists",
                StoreError::Corrupt { .. } => "corrupt",
                _ => "other",
            };
            assert_eq!(kind, expected, "{err}");
        }
        let err = s
            .confirm_dispatches("centre", p03, 1, &[dispatch(other.id, "D-2", 1)])
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the dispatch request {} in prefecture 03 does not exist",
                other.id
            )
        );
        let err = s
            .confirm_dispatches("centre", p03, 7, &[dispatch(r1.id, "D-1", 7)])
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the dispatch run 7 of prefecture 03 does not exist"
        );
        // A cancelled request among open ones.
        s.cancel_dispatch_request("f", r3.id).await.unwrap();
        let audit_after_cancel = audit_total(s).await;
        assert_eq!(audit_after_cancel, audit + 1);
        let err = s
            .confirm_dispatches(
                "centre",
                p03,
                1,
                &[dispatch(r1.id, "D-1", 1), dispatch(r3.id, "D-2", 1)],
            )
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Closed { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "the dispatch request {} is no longer open: it was filled or cancelled",
                r3.id
            )
        );
        assert_eq!(audit_total(s).await, audit_after_cancel);
        assert!(
            s.list_dispatches(&DispatchFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            states(s, &[&r1, &r2, &r3]).await,
            [
                RequestState::Open,
                RequestState::Open,
                RequestState::Cancelled
            ]
        );

        // Confirmed: the dispatches are written, the requests filled, each audited.
        let d2 = dispatch(r2.id, "D-2", 1);
        let d1 = Dispatch {
            travel_minutes: 0,
            ..dispatch(r1.id, "D-1", 1)
        };
        s.confirm_dispatches("chair", p03, 1, &[d2.clone(), d1.clone()])
            .await
            .unwrap();
        assert_eq!(
            states(s, &[&r1, &r2, &r3]).await,
            [
                RequestState::Filled,
                RequestState::Filled,
                RequestState::Cancelled
            ]
        );
        assert_eq!(
            s.list_dispatches(&DispatchFilter::default()).await.unwrap(),
            vec![d1.clone(), d2.clone()]
        );
        let events = audit_of(s, "dispatches", &r1.id.to_string()).await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chair")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].after.as_ref().unwrap()["doctor"], "D-1");
        let events = audit_of(s, "dispatch_requests", &r1.id.to_string()).await;
        assert_eq!(events[0].action, "update");
        assert_eq!(events[0].before.as_ref().unwrap()["state"], "open");
        assert_eq!(events[0].after.as_ref().unwrap()["state"], "filled");
        assert_eq!(
            s.list_audit(&AuditFilter {
                entity: Some("dispatches".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .total,
            2
        );

        // A filled request is closed to changes.
        let err = s.put_dispatch_request("f", &r1).await.unwrap_err();
        assert!(matches!(&err, StoreError::Closed { .. }), "{err}");
        let err = s.cancel_dispatch_request("f", r1.id).await.unwrap_err();
        assert!(matches!(&err, StoreError::Closed { .. }), "{err}");

        // Filters: by the request (prefecture, window, facility, state) and by the doctor.
        let list = |f: DispatchFilter| async move {
            s.list_dispatches(&f)
                .await
                .unwrap()
                .iter()
                .map(|d| d.request)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            list(DispatchFilter {
                doctor: Some(DoctorId::parse("D-2").unwrap()),
                ..Default::default()
            })
            .await,
            [r2.id]
        );
        assert_eq!(
            list(DispatchFilter {
                from: Some(d("2026-12-11")),
                until: Some(d("2026-12-12")),
                ..Default::default()
            })
            .await,
            [r2.id]
        );
        assert!(
            list(DispatchFilter {
                until: Some(d("2026-12-10")),
                ..Default::default()
            })
            .await
            .is_empty()
        );
        assert_eq!(
            list(DispatchFilter {
                facility: Some(FacilityId::parse("F-1").unwrap()),
                ..Default::default()
            })
            .await,
            [r1.id]
        );
        assert_eq!(
            list(DispatchFilter {
                pref: Some(p03),
                state: Some(RequestState::Filled),
                ..Default::default()
            })
            .await,
            [r1.id, r2.id]
        );
        assert!(
            list(DispatchFilter {
                pref: Some(pref("04")),
                ..Default::default()
            })
            .await
            .is_empty()
        );
        assert!(
            list(DispatchFilter {
                state: Some(RequestState::Open),
                ..Default::default()
            })
            .await
            .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn a_request_is_dispatched_once() {
    each_backend(|t| async move {
        let s = t.store();
        let [r1, r2, _, _] = with_requests(s).await;
        let p03 = pref("03");
        let first = dispatch(r1.id, "D-1", 1);
        s.confirm_dispatches("centre", p03, 1, std::slice::from_ref(&first))
            .await
            .unwrap();
        let audit = audit_total(s).await;

        // The same request again, alone or beside an open one: refused, nothing written.
        for batch in [
            vec![dispatch(r1.id, "D-2", 1)],
            vec![dispatch(r2.id, "D-2", 1), dispatch(r1.id, "D-3", 1)],
        ] {
            let err = s.confirm_dispatches("centre", p03, 1, &batch).await.unwrap_err();
            assert!(matches!(&err, StoreError::Closed { .. }), "{err}");
        }
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(
            states(s, &[&r1, &r2]).await,
            [RequestState::Filled, RequestState::Open]
        );
        assert_eq!(
            s.list_dispatches(&DispatchFilter::default()).await.unwrap(),
            vec![first.clone()]
        );
        assert!(audit_of(s, "dispatches", &r2.id.to_string()).await.is_empty());

        // The database itself refuses a second dispatch of a request, and removing or moving
        // a confirmed one, whoever writes.
        let json = if t.name() == "postgres" { "CAST('{}' AS JSONB)" } else { "'{}'" };
        let second = format!(
            "INSERT INTO dispatches (request, pref, run, doctor, data) VALUES ({}, '03', 1, 'D-2', {json})",
            r1.id
        );
        let err = t.execute_raw(&second, &[]).await.unwrap_err();
        assert!(matches!(&err, StoreError::Database(_)), "{err}");
        // Nor a dispatch of a request to a run of another prefecture.
        let elsewhere = format!(
            "INSERT INTO dispatches (request, pref, run, doctor, data) VALUES ({}, '04', 1, 'D-2', {json})",
            r2.id
        );
        let err = t.execute_raw(&elsewhere, &[]).await.unwrap_err();
        assert!(matches!(&err, StoreError::Database(_)), "{err}");
        for sql in [
            "DELETE FROM dispatches".to_string(),
            "UPDATE dispatches SET doctor = 'D-3'".to_string(),
            format!("UPDATE dispatches SET request = {}", r2.id),
        ] {
            let err = t.execute_raw(&sql, &[]).await.unwrap_err();
            assert!(err.to_string().contains("never removed"), "{sql}: {err}");
        }
        assert_eq!(
            s.list_dispatches(&DispatchFilter::default()).await.unwrap(),
            vec![first]
        );
    })
    .await;
}

#[tokio::test]
async fn the_minutes_worked_are_recorded_on_a_confirmed_dispatch() {
    each_backend(|t| async move {
        let s = t.store();
        let [r1, r2, _, _] = with_requests(s).await;
        let d1 = dispatch(r1.id, "D-1", 1);
        s.confirm_dispatches("centre", pref("03"), 1, std::slice::from_ref(&d1))
            .await
            .unwrap();
        s.record_worked("d1", r1.id, 300).await.unwrap();
        s.record_worked("d1", r1.id, 2880).await.unwrap();
        assert_eq!(
            s.list_dispatches(&DispatchFilter::default()).await.unwrap(),
            vec![Dispatch {
                worked_minutes: Some(2880),
                ..d1.clone()
            }]
        );
        let events = audit_of(s, "dispatches", &r1.id.to_string()).await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["update", "update", "create"]);
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        assert_eq!(events[0].before.as_ref().unwrap()["worked_minutes"], 300);
        assert_eq!(events[0].after.as_ref().unwrap()["worked_minutes"], 2880);

        let audit = audit_total(s).await;
        s.record_worked("d1", r1.id, 2880).await.unwrap();
        assert_eq!(audit_total(s).await, audit, "the same again writes nothing");
        for minutes in [-1, 2881] {
            let err = s.record_worked("d1", r1.id, minutes).await.unwrap_err();
            assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        }
        // Only on a confirmed dispatch.
        for request in [r2.id, r2.id + 100, 0] {
            let err = s.record_worked("d1", request, 60).await.unwrap_err();
            assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        }
        assert_eq!(
            s.record_worked("d1", r2.id, 60)
                .await
                .unwrap_err()
                .to_string(),
            format!("the dispatch of the request {} does not exist", r2.id)
        );
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(
            s.list_dispatches(&DispatchFilter::default()).await.unwrap()[0].worked_minutes,
            Some(2880)
        );
    })
    .await;
}

#[tokio::test]
async fn a_stored_dispatch_record_that_does_not_validate_is_reported() {
    each_backend(|t| async move {
        let s = t.store();
        let [r1, r2, _, _] = with_requests(s).await;
        let set_data = if t.name() == "postgres" {
            "UPDATE dispatch_requests SET data = CAST($1 AS JSONB) WHERE id = CAST($2 AS BIGINT)"
        } else {
            "UPDATE dispatch_requests SET data = $1 WHERE id = $2"
        };
        // Ending before it starts; and under r2's id, r1's record.
        let backwards = DispatchRequest {
            end: at("2026-12-10 08:00"),
            ..r1.clone()
        };
        let json = serde_json::to_string(&backwards).unwrap();
        t.execute_raw(set_data, &[&json, &r1.id.to_string()])
            .await
            .unwrap();
        let json = serde_json::to_string(&r1).unwrap();
        t.execute_raw(set_data, &[&json, &r2.id.to_string()])
            .await
            .unwrap();
        for (id, err) in [
            (r1.id, s.get_dispatch_request(r1.id).await.unwrap_err()),
            (
                r1.id,
                s.cancel_dispatch_request("f", r1.id).await.unwrap_err(),
            ),
            (r2.id, s.get_dispatch_request(r2.id).await.unwrap_err()),
        ] {
            match err {
                StoreError::Corrupt { entity, key, .. } => {
                    assert_eq!(
                        (entity.as_str(), key.as_str()),
                        ("dispatch_requests", id.to_string().as_str())
                    )
                }
                other => panic!("expected Corrupt, got {other}"),
            }
        }
        let err = s
            .list_dispatch_requests(&DispatchFilter::default())
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        // Nothing was dispatched from the damaged requests.
        let err = s
            .confirm_dispatches("centre", pref("03"), 1, &[dispatch(r2.id, "D-1", 1)])
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        assert!(
            s.list_dispatches(&DispatchFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_confirmations_of_a_request_leave_one_dispatch() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        let [r1, r2, _, _] = with_requests(t.store()).await;
        // Eight stores on the same database (as eight processes would be), each confirming
        // the request r1 to another doctor (with r2 for half of them).
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let (r1, r2) = (r1.id, r2.id);
                tokio::spawn(async move {
                    let doctor = ["D-1", "D-2", "D-3"][i % 3];
                    let mut batch = vec![dispatch(r1, doctor, 1)];
                    if i % 2 == 1 {
                        batch.insert(0, dispatch(r2, "D-2", 1));
                    }
                    s.confirm_dispatches(&format!("worker-{i}"), pref("03"), 1, &batch)
                        .await
                        .map(|()| batch.len())
                })
            })
            .collect();
        let mut won = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(n) => won.push(n),
                Err(StoreError::Closed { .. } | StoreError::Exists { .. }) => {}
                Err(other) => panic!("expected Closed or Exists, got {other}"),
            }
        }
        assert_eq!(won.len(), 1, "exactly one confirmation wins");
        let s = t.store();
        let dispatched = s.list_dispatches(&DispatchFilter::default()).await.unwrap();
        assert_eq!(dispatched.len(), won[0]);
        assert!(dispatched.iter().any(|d| d.request == r1.id));
        let events = s
            .list_audit(&AuditFilter {
                entity: Some("dispatches".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(events.total as usize, won[0]);
        // r2 is filled only when the winner's batch held it.
        let expected = if won[0] == 2 {
            RequestState::Filled
        } else {
            RequestState::Open
        };
        assert_eq!(
            states(s, &[&r1, &r2]).await,
            [RequestState::Filled, expected]
        );
    }
}

// ---------------------------------------------------------------------------------------
// Duty rosters

fn roster(pref_code: &str, facility: &str, month: &str, title: &str) -> DutyRosterVersion {
    DutyRosterVersion {
        pref: pref(pref_code),
        seq: 99,
        facility: FacilityId::parse(facility).unwrap(),
        month: d(month),
        title: title.into(),
        spec: serde_json::json!({"shifts": ["day", "night"], "staff": ["D-1", "D-2"]}),
        result: serde_json::json!({"D-1": ["day", "night"], "D-2": ["off", "day"]}),
        summary: serde_json::json!({"filled": 60, "short": 2}),
        created_by: "f1".into(),
        created_at: chrono::Utc::now(),
        published: None,
    }
}

fn roster_seqs(versions: &[DutyRosterVersion]) -> Vec<u32> {
    versions.iter().map(|v| v.seq).collect()
}

/// The register (F-1 and F-2 in 03, F-9 in 04) and the versions 03#1 and 03#2 (F-1, January),
/// 03#3 (F-2, January), 03#4 (F-1, February) and 04#1 (F-9, January).
async fn with_rosters(s: &dyn chiiki_store::Store) -> Vec<DutyRosterVersion> {
    with_register(s).await;
    let mut out = Vec::new();
    for (p, facility, month, title) in [
        ("03", "F-1", "2027-01-01", "1月 初版"),
        ("03", "F-1", "2027-01-01", "1月 改訂版"),
        ("03", "F-2", "2027-01-01", "釜石 1月"),
        ("03", "F-1", "2027-02-01", "2月 初版"),
        ("04", "F-9", "2027-01-01", "仙台 1月"),
    ] {
        out.push(
            s.add_duty_roster("f1", &roster(p, facility, month, title))
                .await
                .unwrap(),
        );
    }
    out
}

#[tokio::test]
async fn duty_roster_versions_are_numbered_per_prefecture_and_listed() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        // The number and the publication passed are the store's to give.
        let given = DutyRosterVersion {
            published: Some(Publication {
                by: "someone".into(),
                at: chrono::Utc::now(),
            }),
            ..roster("03", "F-1", "2027-01-01", "1月 初版")
        };
        let first = s.add_duty_roster("f1", &given).await.unwrap();
        assert_eq!(
            first,
            DutyRosterVersion {
                seq: 1,
                published: None,
                ..given
            }
        );
        let second = s
            .add_duty_roster("chief", &roster("03", "F-1", "2027-01-01", "1月 改訂版"))
            .await
            .unwrap();
        let third = s
            .add_duty_roster("f2", &roster("03", "F-2", "2027-01-01", "釜石 1月"))
            .await
            .unwrap();
        let fourth = s
            .add_duty_roster("f1", &roster("03", "F-1", "2027-02-01", "2月 初版"))
            .await
            .unwrap();
        // Numbered per prefecture.
        let other = s
            .add_duty_roster("f9", &roster("04", "F-9", "2027-01-01", "仙台 1月"))
            .await
            .unwrap();
        assert_eq!(
            roster_seqs(&[first.clone(), second.clone(), third, fourth, other]),
            [1, 2, 3, 4, 1]
        );

        let list = |facility: Option<&'static str>, month: Option<&'static str>| async move {
            let facility = facility.map(|f| FacilityId::parse(f).unwrap());
            roster_seqs(
                &s.list_duty_rosters(pref("03"), facility.as_ref(), month.map(d))
                    .await
                    .unwrap(),
            )
        };
        assert_eq!(list(None, None).await, [1, 2, 3, 4]);
        assert_eq!(list(Some("F-1"), None).await, [1, 2, 4]);
        assert_eq!(list(Some("F-2"), None).await, [3]);
        assert_eq!(list(None, Some("2027-01-01")).await, [1, 2, 3]);
        // Any day names its month.
        assert_eq!(list(None, Some("2027-01-20")).await, [1, 2, 3]);
        assert_eq!(list(Some("F-1"), Some("2027-01-01")).await, [1, 2]);
        assert_eq!(list(Some("F-1"), Some("2027-03-01")).await, [] as [u32; 0]);
        assert_eq!(list(Some("F-9"), None).await, [] as [u32; 0]);
        assert_eq!(
            roster_seqs(&s.list_duty_rosters(pref("04"), None, None).await.unwrap()),
            [1]
        );
        assert!(
            s.list_duty_rosters(pref("05"), None, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            s.list_duty_rosters(pref("03"), None, None).await.unwrap()[..2],
            [first, second.clone()]
        );
        assert_eq!(
            s.get_duty_roster(pref("03"), 2).await.unwrap(),
            Some(second)
        );
        assert_eq!(s.get_duty_roster(pref("03"), 9).await.unwrap(), None);
        assert_eq!(s.get_duty_roster(pref("05"), 1).await.unwrap(), None);

        // The audit trail keeps the figures, not what was asked nor the roster made.
        let events = audit_of(s, "duty_rosters", "03#2").await;
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("create", "chief")
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        let after = events[0].after.as_ref().unwrap().as_object().unwrap();
        let mut keys: Vec<&str> = after.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["facility", "month", "seq", "summary", "title"]);
        assert_eq!(after["seq"], 2);
        assert_eq!(after["facility"], "F-1");
        assert_eq!(after["month"], "2027-01-01");
        assert_eq!(after["title"], "1月 改訂版");
        assert_eq!(after["summary"]["short"], 2);

        // Refused, writing nothing: a facility not in the register, one of another
        // prefecture, a month not given by its first day, no title, too long a title.
        let audit = audit_total(s).await;
        let err = s
            .add_duty_roster("f1", &roster("03", "F-404", "2027-01-01", "なし"))
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        assert_eq!(err.to_string(), "the facility F-404 does not exist");
        let err = s
            .add_duty_roster("f1", &roster("03", "F-9", "2027-01-01", "他県"))
            .await
            .unwrap_err();
        match &err {
            StoreError::Corrupt { entity, reason, .. } => {
                assert_eq!(entity, "duty_rosters");
                assert!(reason.contains("prefecture 04"), "{reason}");
            }
            other => panic!("expected Corrupt, got {other}"),
        }
        for bad in [
            roster("03", "F-1", "2027-01-05", "月の途中"),
            roster("03", "F-1", "2027-01-01", ""),
            roster("03", "F-1", "2027-01-01", "   "),
            roster("03", "F-1", "2027-01-01", &"長".repeat(201)),
        ] {
            let err = s.add_duty_roster("f1", &bad).await.unwrap_err();
            assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        }
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(list(None, None).await, [1, 2, 3, 4]);
        // The numbers go on after the refusals; 200 characters is a title still.
        let fifth = s
            .add_duty_roster("f1", &roster("03", "F-1", "2027-01-01", &"長".repeat(200)))
            .await
            .unwrap();
        assert_eq!(fifth.seq, 5);
    })
    .await;
}

#[tokio::test]
async fn duty_rosters_are_published_once_and_the_last_published_is_in_force() {
    each_backend(|t| async move {
        let s = t.store();
        let versions = with_rosters(s).await;
        let jan = d("2027-01-01");
        assert!(
            s.published_duty_rosters(pref("03"), jan)
                .await
                .unwrap()
                .is_empty()
        );

        let before = chrono::Utc::now();
        let v2 = s.publish_duty_roster("chief", pref("03"), 2).await.unwrap();
        let publication = v2.published.clone().unwrap();
        assert_eq!(publication.by, "chief");
        assert!(
            publication.at >= before - chrono::Duration::seconds(1)
                && publication.at <= chrono::Utc::now()
        );
        assert_eq!(
            v2,
            DutyRosterVersion {
                published: Some(publication.clone()),
                ..versions[1].clone()
            }
        );
        // Read back with its publication; the others are drafts still.
        assert_eq!(
            s.get_duty_roster(pref("03"), 2).await.unwrap(),
            Some(v2.clone())
        );
        let listed = s.list_duty_rosters(pref("03"), None, None).await.unwrap();
        assert_eq!(listed[1], v2);
        assert!(
            listed
                .iter()
                .filter(|v| v.seq != 2)
                .all(|v| v.published.is_none())
        );
        assert_eq!(
            s.published_duty_rosters(pref("03"), jan).await.unwrap(),
            std::slice::from_ref(&v2)
        );

        // Publishing an earlier version later puts it in force; F-2's is its own; any day
        // names the month.
        let v1 = s.publish_duty_roster("chief", pref("03"), 1).await.unwrap();
        let v3 = s.publish_duty_roster("f2", pref("03"), 3).await.unwrap();
        assert!(v1.published.as_ref().unwrap().at >= publication.at);
        assert_eq!(
            s.published_duty_rosters(pref("03"), jan).await.unwrap(),
            [v1.clone(), v3.clone()]
        );
        assert_eq!(
            s.published_duty_rosters(pref("03"), d("2027-01-31"))
                .await
                .unwrap(),
            [v1.clone(), v3]
        );
        // No publication in February (a draft only), in March, or in 04 yet.
        for (p, month) in [
            ("03", "2027-02-01"),
            ("03", "2027-03-01"),
            ("04", "2027-01-01"),
        ] {
            assert!(
                s.published_duty_rosters(pref(p), d(month))
                    .await
                    .unwrap()
                    .is_empty(),
                "{p} {month}"
            );
        }
        let v9 = s.publish_duty_roster("f9", pref("04"), 1).await.unwrap();
        assert_eq!(
            s.published_duty_rosters(pref("04"), jan).await.unwrap(),
            [v9]
        );
        assert_eq!(
            s.published_duty_rosters(pref("03"), jan).await.unwrap(),
            [
                v1.clone(),
                s.get_duty_roster(pref("03"), 3).await.unwrap().unwrap()
            ]
        );

        // Audited as an update of the version: its publication, from none to who and when.
        let events = audit_of(s, "duty_rosters", "03#2").await;
        assert_eq!(
            events
                .iter()
                .map(|e| (e.action.as_str(), e.actor.as_str()))
                .collect::<Vec<_>>(),
            [("update", "chief"), ("create", "f1")]
        );
        assert_eq!(events[0].pref.as_deref(), Some("03"));
        let (b, a) = (
            events[0].before.as_ref().unwrap(),
            events[0].after.as_ref().unwrap(),
        );
        assert_eq!(b["published"], serde_json::Value::Null);
        assert_eq!(a["published"]["by"], "chief");
        assert_eq!(a["published"], serde_json::to_value(&publication).unwrap());
        assert_eq!(
            (a["seq"].clone(), a["title"].clone()),
            (b["seq"].clone(), b["title"].clone())
        );
        assert!(a.get("spec").is_none() && a.get("result").is_none());

        // Once per version; only versions that exist; nothing is written by a refusal.
        let audit = audit_total(s).await;
        let err = s
            .publish_duty_roster("chief", pref("03"), 2)
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Exists { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the publication of the duty roster version 2 of prefecture 03 already exists"
        );
        for (p, seq) in [("03", 9), ("05", 1), ("04", 2)] {
            let err = s
                .publish_duty_roster("chief", pref(p), seq)
                .await
                .unwrap_err();
            assert!(matches!(&err, StoreError::Missing { .. }), "{err}");
        }
        let err = s
            .publish_duty_roster("chief", pref("03"), 9)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the duty roster version 9 of prefecture 03 does not exist"
        );
        assert_eq!(audit_total(s).await, audit);
        assert_eq!(s.get_duty_roster(pref("03"), 2).await.unwrap(), Some(v2));
    })
    .await;
}

#[tokio::test]
async fn duty_rosters_and_their_publications_never_change_in_the_database() {
    each_backend(|t| async move {
        let s = t.store();
        with_rosters(s).await;
        s.publish_duty_roster("chief", pref("03"), 1).await.unwrap();
        let versions = s.list_duty_rosters(pref("03"), None, None).await.unwrap();

        // The database itself refuses to change or remove them, whoever writes.
        for sql in [
            "UPDATE duty_rosters SET month = month",
            "UPDATE duty_rosters SET facility = 'F-2' WHERE seq = 2",
            "DELETE FROM duty_rosters WHERE seq = 4",
            "DELETE FROM duty_rosters",
            "UPDATE duty_roster_publications SET published_by = 'someone'",
            "UPDATE duty_roster_publications SET seq = 2",
            "DELETE FROM duty_roster_publications",
        ] {
            let err = t.execute_raw(sql, &[]).await.unwrap_err();
            assert!(err.to_string().contains("never changed"), "{sql}: {err}");
        }
        // Nor does it take a version of a facility not in the register, or a publication of a
        // version that does not exist.
        let json = if t.name() == "postgres" {
            "CAST('{}' AS JSONB)"
        } else {
            "'{}'"
        };
        for sql in [
            format!(
                "INSERT INTO duty_rosters (pref, seq, facility, month, data) \
                 VALUES ('03', 7, 'F-404', '2027-01-01', {json})"
            ),
            "INSERT INTO duty_roster_publications (pref, seq, published_by, published_at) \
             VALUES ('03', 7, 'x', CURRENT_TIMESTAMP)"
                .to_string(),
        ] {
            let err = t.execute_raw(&sql, &[]).await.unwrap_err();
            assert!(matches!(&err, StoreError::Database(_)), "{sql}: {err}");
        }
        assert_eq!(
            s.list_duty_rosters(pref("03"), None, None).await.unwrap(),
            versions
        );
    })
    .await;
}

#[tokio::test]
async fn a_stored_duty_roster_that_does_not_validate_is_reported() {
    each_backend(|t| async move {
        let s = t.store();
        with_rosters(s).await;
        let insert = if t.name() == "postgres" {
            "INSERT INTO duty_rosters (pref, seq, facility, month, data) \
             VALUES ('03', CAST($1 AS INTEGER), $2, CAST($3 AS DATE), CAST($4 AS JSONB))"
        } else {
            "INSERT INTO duty_rosters (pref, seq, facility, month, data) \
             VALUES ('03', $1, $2, $3, $4)"
        };
        // Written past the store: a version without a title; under the key 03#6 a version
        // that says it is 03#9; under 03#7 a version of F-1 in a row of F-2.
        let untitled = DutyRosterVersion {
            seq: 5,
            ..roster("03", "F-1", "2027-01-01", "")
        };
        let elsewhere = DutyRosterVersion {
            seq: 9,
            ..roster("03", "F-1", "2027-01-01", "別の版")
        };
        let moved = DutyRosterVersion {
            seq: 7,
            ..roster("03", "F-1", "2027-01-01", "移された版")
        };
        for (seq, facility, v) in [
            ("5", "F-1", untitled),
            ("6", "F-1", elsewhere),
            ("7", "F-2", moved),
        ] {
            let json = serde_json::to_string(&v).unwrap();
            t.execute_raw(insert, &[seq, facility, "2027-01-01", &json])
                .await
                .unwrap();
        }
        for seq in [5, 6, 7] {
            let key = format!("03#{seq}");
            for err in [
                s.get_duty_roster(pref("03"), seq).await.unwrap_err(),
                s.publish_duty_roster("chief", pref("03"), seq)
                    .await
                    .unwrap_err(),
            ] {
                match err {
                    StoreError::Corrupt { entity, key: k, .. } => {
                        assert_eq!(
                            (entity.as_str(), k.as_str()),
                            ("duty_rosters", key.as_str())
                        )
                    }
                    other => panic!("expected Corrupt, got {other}"),
                }
            }
        }
        let err = s
            .list_duty_rosters(pref("03"), None, None)
            .await
            .unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { .. }), "{err}");
        // The versions that do validate still read, and publish.
        assert_eq!(
            roster_seqs(
                &s.list_duty_rosters(pref("03"), None, Some(d("2027-02-01")))
                    .await
                    .unwrap()
            ),
            [4]
        );
        s.publish_duty_roster("chief", pref("03"), 4).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duty_rosters_get_distinct_numbers() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        with_register(t.store()).await;
        // Eight stores on the same database (as eight processes would be), one version each,
        // in two prefectures.
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                tokio::spawn(async move {
                    let (p, facility) = if i % 2 == 0 {
                        ("03", "F-1")
                    } else {
                        ("04", "F-9")
                    };
                    let v = s
                        .add_duty_roster(
                            &format!("worker-{i}"),
                            &roster(p, facility, "2027-01-01", "並行"),
                        )
                        .await
                        .unwrap();
                    (p, v.seq)
                })
            })
            .collect();
        let mut by_pref: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
        for task in tasks {
            let (p, seq) = task.await.unwrap();
            by_pref.entry(p).or_default().push(seq);
        }
        for (p, mut numbers) in by_pref {
            numbers.sort();
            assert_eq!(numbers, [1, 2, 3, 4], "{p}");
            let stored = t
                .store()
                .list_duty_rosters(pref(p), None, None)
                .await
                .unwrap();
            assert_eq!(roster_seqs(&stored), [1, 2, 3, 4], "{p}");
        }
    }
}

fn alliance() -> Alliance {
    Alliance::new(AllianceFields {
        id: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
        name: Name::parse("東葛南部メディカルアライアンス").unwrap(),
        pref: PrefCode::parse("12").unwrap(),
        certified: d("2024-09-17"),
        area: vec![
            LgCode::parse("122041").unwrap(),
            LgCode::parse("122165").unwrap(),
        ],
        policies: vec!["共同研修・相互派遣".into()],
        source: Some("千葉県 健康福祉部 医療整備課".into()),
        synthetic: false,
    })
    .unwrap()
}

fn member(corporation: &str, joined: &str, facilities: &[(&str, Option<&str>)]) -> AllianceMember {
    AllianceMember::new(AllianceMemberFields {
        alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
        corporation: Name::parse(corporation).unwrap(),
        joined: d(joined),
        left: None,
        facilities: facilities
            .iter()
            .map(|(name, id)| MemberFacility {
                name: Name::parse(name).unwrap(),
                kind: MemberFacilityKind::Hospital,
                facility: id.map(|id| FacilityId::parse(id).unwrap()),
            })
            .collect(),
        note: String::new(),
    })
    .unwrap()
}

#[tokio::test]
async fn alliances_and_their_members_round_trip_with_their_audit_events() {
    each_backend(|t| async move {
        let s = t.store();
        let a = alliance();
        s.put_alliance("centre", &a).await.unwrap();
        assert_eq!(s.get_alliance(&a.id).await.unwrap(), Some(a.clone()));
        assert_eq!(s.list_alliances(None).await.unwrap(), vec![a.clone()]);
        assert_eq!(
            s.list_alliances(Some(PrefCode::parse("12").unwrap()))
                .await
                .unwrap(),
            vec![a.clone()]
        );
        assert!(
            s.list_alliances(Some(PrefCode::parse("03").unwrap()))
                .await
                .unwrap()
                .is_empty()
        );
        // Putting it again writes nothing; a change is an update with before and after.
        s.put_alliance("centre", &a).await.unwrap();
        let events = audit_of(s, "alliances", "12-TOKATSU-NANBU").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "create");
        assert_eq!(events[0].pref.as_deref(), Some("12"));
        let mut f = a.fields().clone();
        f.policies.push("災害時の情報共有と相互支援".into());
        let changed = Alliance::new(f).unwrap();
        s.put_alliance("centre", &changed).await.unwrap();
        let events = audit_of(s, "alliances", "12-TOKATSU-NANBU").await;
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].action, "update");
        assert!(events[0].before.is_some() && events[0].after.is_some());
        assert_eq!(s.get_alliance(&a.id).await.unwrap(), Some(changed));

        let early = member("医療法人弘仁会", "2024-09-17", &[("板倉病院", None)]);
        let late = member(
            "医療法人社団誠馨会",
            "2025-04-01",
            &[("セコメディック病院", None)],
        );
        let on = |day: &'static str| async move {
            s.list_alliance_members(&alliance().id, Some(d(day)))
                .await
                .unwrap()
        };
        s.put_alliance_member("centre", &late).await.unwrap();
        s.put_alliance_member("centre", &early).await.unwrap();
        s.put_alliance_member("centre", &early).await.unwrap();
        assert_eq!(
            s.list_alliance_members(&a.id, None).await.unwrap(),
            vec![early.clone(), late.clone()]
        );
        assert_eq!(on("2025-03-31").await, vec![early.clone()]);
        assert_eq!(on("2025-04-01").await, vec![early.clone(), late.clone()]);
        // A member that left is listed up to its last day.
        let mut f = early.fields().clone();
        f.left = Some(d("2025-12-31"));
        let left = AllianceMember::new(f).unwrap();
        s.put_alliance_member("centre", &left).await.unwrap();
        assert_eq!(on("2026-01-01").await, vec![late.clone()]);
        assert_eq!(on("2025-12-31").await.len(), 2);
        let events = audit_of(s, "alliance_members", "12-TOKATSU-NANBU/医療法人弘仁会").await;
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].action, "update");
        assert_eq!(events[1].action, "create");
        assert_eq!(events[0].pref.as_deref(), Some("12"));
    })
    .await;
}

#[tokio::test]
async fn alliance_members_of_unknown_alliances_or_facilities_are_refused_and_write_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        let before = audit_total(s).await;
        let m = member("医療法人社団誠馨会", "2025-04-01", &[]);
        assert!(matches!(
            s.put_alliance_member("centre", &m).await,
            Err(StoreError::Missing { .. })
        ));
        s.put_alliance("centre", &alliance()).await.unwrap();
        let before = before + 1;
        let unknown = member(
            "医療法人社団誠馨会",
            "2025-04-01",
            &[("病院", Some("F-404"))],
        );
        assert!(matches!(
            s.put_alliance_member("centre", &unknown).await,
            Err(StoreError::Missing { .. })
        ));
        // F-1 is a facility of Iwate, not of the alliance's Chiba.
        let elsewhere = member("医療法人社団誠馨会", "2025-04-01", &[("病院", Some("F-1"))]);
        assert!(matches!(
            s.put_alliance_member("centre", &elsewhere).await,
            Err(StoreError::Corrupt { .. })
        ));
        assert_eq!(audit_total(s).await, before);
        assert!(
            s.list_alliance_members(&alliance().id, None)
                .await
                .unwrap()
                .is_empty()
        );
        // Invalid values do not construct, nor deserialise.
        let mut f = m.fields().clone();
        f.left = Some(d("2025-03-31"));
        assert!(AllianceMember::new(f).is_err());
        let mut f = alliance().fields().clone();
        f.area = vec![LgCode::parse("03201").unwrap()];
        assert!(Alliance::new(f).is_err());
    })
    .await;
}

fn staff_loan(from: &str, to: &str, start: &str, end: &str, months: &[(&str, i64)]) -> StaffLoan {
    StaffLoan::new(StaffLoanFields {
        id: 0,
        alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
        from: Name::parse(from).unwrap(),
        to: Name::parse(to).unwrap(),
        person: Name::parse("千葉 花子").unwrap(),
        doctor: Some(DoctorId::parse("D-1").unwrap()),
        role: LoanRole::Doctor,
        start: d(start),
        end: d(end),
        hours: months
            .iter()
            .map(|(m, overtime)| LoanMonth {
                month: d(m),
                minutes: 9600,
                overtime: *overtime,
            })
            .collect(),
        note: "本人の希望による".into(),
    })
    .unwrap()
}

/// The alliance with 弘仁会 (from 2024-09-17) and 誠馨会 (from 2025-04-01).
async fn with_alliance(s: &dyn chiiki_store::Store) {
    s.put_alliance("centre", &alliance()).await.unwrap();
    s.put_alliance_member("centre", &member("医療法人弘仁会", "2024-09-17", &[]))
        .await
        .unwrap();
    s.put_alliance_member("centre", &member("医療法人社団誠馨会", "2025-04-01", &[]))
        .await
        .unwrap();
}

#[tokio::test]
async fn staff_loans_are_numbered_listed_updated_and_deleted_with_audit_events_without_names() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        with_alliance(s).await;
        let given = staff_loan(
            "医療法人弘仁会",
            "医療法人社団誠馨会",
            "2025-04-01",
            "2025-05-31",
            &[("2025-04-01", 1800), ("2025-05-01", 600)],
        );
        let l1 = s.put_staff_loan("centre", &given).await.unwrap();
        assert!(l1.id > 0);
        assert_eq!(l1, given.clone().with_id(l1.id));
        assert_eq!(s.get_staff_loan(l1.id).await.unwrap(), Some(l1.clone()));
        assert_eq!(s.get_staff_loan(0).await.unwrap(), None);
        let other = staff_loan(
            "医療法人社団誠馨会",
            "医療法人弘仁会",
            "2025-05-01",
            "2025-06-30",
            &[("2025-06-01", 0)],
        );
        let l2 = s.put_staff_loan("centre", &other).await.unwrap();
        assert!(l2.id > l1.id);
        let list = |f: LoanFilter| async move { s.list_staff_loans(&f).await.unwrap() };
        assert_eq!(
            list(LoanFilter::default()).await,
            vec![l1.clone(), l2.clone()]
        );
        let of_alliance = LoanFilter {
            alliance: Some(alliance().id.clone()),
            ..Default::default()
        };
        assert_eq!(list(of_alliance).await.len(), 2);
        let may = LoanFilter {
            month: Some(d("2025-05-20")),
            ..Default::default()
        };
        assert_eq!(list(may).await, vec![l1.clone()]);
        let june = LoanFilter {
            doctor: DoctorId::parse("D-1").ok(),
            month: Some(d("2025-06-01")),
            ..Default::default()
        };
        assert_eq!(list(june).await, vec![l2.clone()]);
        // Putting it again writes nothing; a change is an update.
        s.put_staff_loan("centre", &l1).await.unwrap();
        let mut f = l1.fields().clone();
        f.hours[1].overtime = 900;
        let changed = StaffLoan::new(f).unwrap();
        assert_eq!(s.put_staff_loan("centre", &changed).await.unwrap(), changed);
        assert_eq!(s.get_staff_loan(l1.id).await.unwrap(), Some(changed));
        let key = l1.id.to_string();
        let events = audit_of(s, "staff_loans", &key).await;
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].action, "update");
        assert_eq!(events[1].action, "create");
        assert_eq!(events[0].pref.as_deref(), Some("12"));
        let after = events[0].after.clone().unwrap();
        assert_eq!(after["overtime"], 2700);
        assert_eq!(after["doctor"], "D-1");
        let text = serde_json::to_string(&events).unwrap();
        assert!(
            !text.contains("花子") && !text.contains("本人の希望"),
            "{text}"
        );
        s.delete_staff_loan("centre", l1.id).await.unwrap();
        assert_eq!(s.get_staff_loan(l1.id).await.unwrap(), None);
        assert!(matches!(
            s.delete_staff_loan("centre", l1.id).await,
            Err(StoreError::Missing { .. })
        ));
        let events = audit_of(s, "staff_loans", &key).await;
        assert_eq!(events[0].action, "delete");
        assert!(events[0].after.is_none());
        // Ids are not reused.
        let l3 = s.put_staff_loan("centre", &given).await.unwrap();
        assert!(l3.id > l2.id);
        assert!(matches!(
            s.put_staff_loan("centre", &given.clone().with_id(l1.id))
                .await,
            Err(StoreError::Missing { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn staff_loans_between_non_members_or_of_unknown_doctors_are_refused_and_write_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        let loan = staff_loan(
            "医療法人弘仁会",
            "医療法人社団誠馨会",
            "2025-04-01",
            "2025-04-30",
            &[],
        );
        assert!(matches!(
            s.put_staff_loan("centre", &loan).await,
            Err(StoreError::Missing { .. })
        ));
        with_alliance(s).await;
        let before = audit_total(s).await;
        // 誠馨会 joined on 2025-04-01: not yet a member on 2025-03-31.
        let early = staff_loan(
            "医療法人弘仁会",
            "医療法人社団誠馨会",
            "2025-03-31",
            "2025-04-30",
            &[],
        );
        assert!(matches!(
            s.put_staff_loan("centre", &early).await,
            Err(StoreError::Corrupt { .. })
        ));
        let stranger = staff_loan(
            "医療法人弘仁会",
            "医療法人徳洲会",
            "2025-04-01",
            "2025-04-30",
            &[],
        );
        assert!(matches!(
            s.put_staff_loan("centre", &stranger).await,
            Err(StoreError::Corrupt { .. })
        ));
        let mut f = loan.fields().clone();
        f.doctor = DoctorId::parse("D-404").ok();
        assert!(matches!(
            s.put_staff_loan("centre", &StaffLoan::new(f).unwrap())
                .await,
            Err(StoreError::Missing { .. })
        ));
        assert_eq!(audit_total(s).await, before);
        assert!(
            s.list_staff_loans(&LoanFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Shared equipment

fn equipment(owner: &str, name: &str) -> Equipment {
    Equipment::new(EquipmentFields {
        id: 0,
        alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
        owner: Name::parse(owner).unwrap(),
        name: Name::parse(name).unwrap(),
        kind: "画像診断".into(),
        location: "放射線科".into(),
        note: String::new(),
    })
    .unwrap()
}

fn booking(equipment: u64, by: &str, start: &str, end: &str) -> Booking {
    Booking::new(BookingFields {
        id: 0,
        equipment,
        by: Name::parse(by).unwrap(),
        start: at(start),
        end: at(end),
        purpose: "訪問診療".into(),
    })
    .unwrap()
}

#[tokio::test]
async fn bookings_that_overlap_are_refused_naming_the_other_and_touching_ones_are_allowed() {
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        with_alliance(s).await;
        let x = s
            .put_equipment("centre", &equipment("医療法人弘仁会", "移動式X線装置"))
            .await
            .unwrap();
        assert!(x.id > 0);
        assert_eq!(
            s.list_equipment(&x.alliance).await.unwrap(),
            vec![x.clone()]
        );
        // An owner that is no member is refused.
        assert!(matches!(
            s.put_equipment("centre", &equipment("医療法人某会", "超音波診断装置"))
                .await,
            Err(StoreError::Corrupt { .. })
        ));
        let b1 = s
            .book(
                "centre",
                &booking(
                    x.id,
                    "医療法人社団誠馨会",
                    "2025-04-01 09:00",
                    "2025-04-01 12:00",
                ),
            )
            .await
            .unwrap();
        // Touching: ends when the next starts.
        let b2 = s
            .book(
                "centre",
                &booking(
                    x.id,
                    "医療法人弘仁会",
                    "2025-04-01 12:00",
                    "2025-04-01 13:00",
                ),
            )
            .await
            .unwrap();
        assert_ne!(b1.id, b2.id);
        let before = audit_total(s).await;
        let err = s
            .book(
                "centre",
                &booking(
                    x.id,
                    "医療法人弘仁会",
                    "2025-04-01 11:00",
                    "2025-04-01 11:30",
                ),
            )
            .await
            .unwrap_err();
        let said = err.to_string();
        assert!(matches!(err, StoreError::Exists { .. }), "{said}");
        assert!(said.contains(&format!("booking {}", b1.id)), "{said}");
        assert!(
            said.contains("2025-04-01 09:00") && said.contains("2025-04-01 12:00"),
            "{said}"
        );
        assert_eq!(audit_total(s).await, before);
        // The booker must be a member on the start day (誠馨会 joined 2025-04-01).
        assert!(matches!(
            s.book(
                "centre",
                &booking(
                    x.id,
                    "医療法人社団誠馨会",
                    "2025-03-01 09:00",
                    "2025-03-01 12:00"
                ),
            )
            .await,
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            s.book(
                "centre",
                &booking(
                    999,
                    "医療法人弘仁会",
                    "2025-04-02 09:00",
                    "2025-04-02 10:00"
                )
            )
            .await,
            Err(StoreError::Missing { .. })
        ));
        let listed = s
            .list_bookings(x.id, at("2025-04-01 00:00"), at("2025-04-02 00:00"))
            .await
            .unwrap();
        assert_eq!(listed, vec![b1.clone(), b2.clone()]);
        assert_eq!(
            s.list_bookings(x.id, at("2025-04-01 12:00"), at("2025-04-02 00:00"))
                .await
                .unwrap(),
            vec![b2.clone()]
        );
        assert_eq!(
            audit_of(s, "equipment_bookings", &b1.id.to_string())
                .await
                .len(),
            1
        );
        s.cancel_booking("centre", b1.id).await.unwrap();
        assert_eq!(
            audit_of(s, "equipment_bookings", &b1.id.to_string())
                .await
                .len(),
            2
        );
        assert!(matches!(
            s.cancel_booking("centre", b1.id).await,
            Err(StoreError::Missing { .. })
        ));
        // The slot is free again.
        s.book(
            "centre",
            &booking(
                x.id,
                "医療法人弘仁会",
                "2025-04-01 11:00",
                "2025-04-01 11:30",
            ),
        )
        .await
        .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bookings_of_one_slot_have_exactly_one_winner() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        with_register(t.store()).await;
        with_alliance(t.store()).await;
        let x = t
            .store()
            .put_equipment("centre", &equipment("医療法人弘仁会", "超音波診断装置"))
            .await
            .unwrap();
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let b = booking(
                    x.id,
                    "医療法人弘仁会",
                    &format!("2025-05-01 09:0{i}"),
                    "2025-05-01 12:00",
                );
                tokio::spawn(async move { s.book(&format!("worker-{i}"), &b).await })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Exists { .. }) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(won, 1);
        let stored = t
            .store()
            .list_bookings(x.id, at("2025-05-01 00:00"), at("2025-05-02 00:00"))
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Documents

/// A document for the tests: a seat in a session (parent) of an alliance, owned by a member.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Seat {
    id: u64,
    alliance: AllianceId,
    session: u64,
    member: String,
    /// Personal: never in the audit trail.
    person: String,
    waiting: bool,
}

impl Document for Seat {
    const KIND: &'static str = "test_seats";
    const AUDITED: &'static [&'static str] = &["session", "waiting"];
    fn id(&self) -> u64 {
        self.id
    }
    fn with_id(self, id: u64) -> Self {
        Self { id, ..self }
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.alliance.clone())
    }
    fn parent(&self) -> Option<u64> {
        Some(self.session)
    }
    fn owner(&self) -> Option<String> {
        Some(self.member.clone())
    }
}

fn seat(session: u64, member: &str, person: &str) -> Seat {
    Seat {
        id: 0,
        alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
        session,
        member: member.into(),
        person: person.into(),
        waiting: false,
    }
}

#[tokio::test]
async fn documents_round_trip_keep_their_scope_and_audit_no_personal_field() {
    use chiiki_store::documents::{self as docs, Filter};
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        // An alliance that is not stored is refused.
        assert!(matches!(
            docs::put(s, "centre", &seat(1, "医療法人弘仁会", "架空 一郎")).await,
            Err(StoreError::Missing { .. })
        ));
        with_alliance(s).await;
        let a = docs::put(s, "centre", &seat(1, "医療法人弘仁会", "架空 一郎"))
            .await
            .unwrap();
        let b = docs::put(s, "centre", &seat(2, "医療法人社団誠馨会", "架空 二郎"))
            .await
            .unwrap();
        assert!(a.id > 0 && b.id > a.id);
        assert_eq!(docs::get::<Seat>(s, a.id).await.unwrap(), Some(a.clone()));
        assert_eq!(docs::get::<Seat>(s, 0).await.unwrap(), None);
        let scope = DocScope::Alliance(a.alliance.clone());
        let all: Vec<Seat> = docs::list(s, Filter::scope(scope.clone())).await.unwrap();
        assert_eq!(all, vec![a.clone(), b.clone()]);
        let of_1: Vec<Seat> = docs::list(s, Filter::scope(scope.clone()).parent(1))
            .await
            .unwrap();
        assert_eq!(of_1, vec![a.clone()]);
        let of_member: Vec<Seat> = docs::list(s, Filter::default().owner("医療法人社団誠馨会"))
            .await
            .unwrap();
        assert_eq!(of_member, vec![b.clone()]);
        let in_pref: Vec<Seat> = docs::list(
            s,
            Filter {
                pref: Some(PrefCode::parse("03").unwrap()),
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert!(in_pref.is_empty(), "the alliance is Chiba's");

        // An update, then the same again: one audit event for the update, none for the
        // repeat; the audit keeps the audited fields and never the person.
        let before = s
            .list_audit(&AuditFilter {
                entity: Some("test_seats".into()),
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .total;
        assert_eq!(before, 2);
        let moved = Seat {
            waiting: true,
            ..a.clone()
        };
        assert_eq!(docs::put(s, "centre", &moved).await.unwrap(), moved);
        docs::put(s, "centre", &moved).await.unwrap();
        let events = s
            .list_audit(&AuditFilter {
                entity: Some("test_seats".into()),
                entity_id: Some(a.id.to_string()),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(events.total, 2);
        let update = events.items.iter().find(|e| e.action == "update").unwrap();
        assert_eq!(update.before.as_ref().unwrap()["waiting"], false);
        assert_eq!(update.after.as_ref().unwrap()["waiting"], true);
        assert_eq!(update.pref.as_deref(), Some("12"));
        for e in &events.items {
            let text = serde_json::to_string(&(&e.before, &e.after)).unwrap();
            assert!(!text.contains("架空"), "{text}");
        }

        // A document keeps its scope; a missing one cannot be replaced.
        let elsewhere = Seat {
            alliance: AllianceId::parse("01-FURANO").unwrap(),
            ..moved.clone()
        };
        assert!(docs::put(s, "centre", &elsewhere).await.is_err());
        assert!(matches!(
            docs::put(
                s,
                "centre",
                &Seat {
                    id: 999_999,
                    ..moved.clone()
                }
            )
            .await,
            Err(StoreError::Missing { .. })
        ));
        docs::delete::<Seat>(s, "centre", a.id).await.unwrap();
        assert!(matches!(
            docs::delete::<Seat>(s, "centre", a.id).await,
            Err(StoreError::Missing { .. })
        ));
        assert_eq!(docs::get::<Seat>(s, a.id).await.unwrap(), None);
    })
    .await;
}

/// Takes a seat of the session, or a place on its waiting list when `capacity` seats are
/// taken; a person takes one place at most.
async fn take_seat(
    s: &dyn chiiki_store::Store,
    actor: &str,
    capacity: usize,
    new: Seat,
) -> Result<Seat, StoreError> {
    use chiiki_store::documents::{self as docs, Write};
    let session = new.session;
    let written = docs::change(
        s,
        actor,
        new.scope(),
        Some(session),
        move |existing: Vec<Seat>| {
            if existing.iter().any(|x| x.person == new.person) {
                return Err(Msg::new("登録済みです", "already registered"));
            }
            let taken = existing.iter().filter(|x| !x.waiting).count();
            Ok(vec![Write::Put(Seat {
                waiting: taken >= capacity,
                ..new.clone()
            })])
        },
    )
    .await?;
    Ok(written.into_iter().next().expect("one written"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checked_document_writes_of_one_group_run_one_at_a_time() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        with_register(t.store()).await;
        with_alliance(t.store()).await;
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                tokio::spawn(async move {
                    let person = format!("架空 {i}");
                    let first = take_seat(&*s, "w", 3, seat(7, "医療法人弘仁会", &person)).await;
                    // The same person again is refused, in both languages.
                    let again = take_seat(&*s, "w", 3, seat(7, "医療法人弘仁会", &person)).await;
                    (first, again)
                })
            })
            .collect();
        let mut seated = 0;
        for task in tasks {
            let (first, again) = task.await.unwrap();
            if !first.unwrap().waiting {
                seated += 1;
            }
            match again {
                Err(StoreError::Refused(m)) => assert_eq!(m.ja, "登録済みです"),
                other => panic!("unexpected: {other:?}"),
            }
        }
        assert_eq!(seated, 3, "exactly the capacity is seated");
        let all: Vec<Seat> = chiiki_store::documents::list(
            t.store(),
            chiiki_store::documents::Filter::default().parent(7),
        )
        .await
        .unwrap();
        assert_eq!(all.len(), 8);
        assert_eq!(all.iter().filter(|x| !x.waiting).count(), 3);
    }
}

/// A batch of an alliance's lists is written whole or not at all: a booking that overlaps
/// another of the batch refuses the batch, naming itself, and nothing is kept; the same batch
/// written again as stored changes nothing.
#[tokio::test]
async fn an_alliance_batch_is_all_or_nothing_and_idempotent() {
    use chiiki_store::{AllianceBatch, documents};
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        with_alliance(s).await;
        let x = s
            .put_equipment("centre", &equipment("医療法人弘仁会", "移動式X線装置"))
            .await
            .unwrap();
        let audit = || async { s.list_audit(&AuditFilter::default()).await.unwrap().total };
        let before = audit().await;
        let loan = staff_loan(
            "医療法人弘仁会",
            "医療法人社団誠馨会",
            "2025-04-01",
            "2025-05-31",
            &[("2025-04-01", 600)],
        );
        let good = booking(
            x.id,
            "医療法人弘仁会",
            "2025-06-01 09:00",
            "2025-06-01 12:00",
        );
        let clash = booking(
            x.id,
            "医療法人社団誠馨会",
            "2025-06-01 11:00",
            "2025-06-01 13:00",
        );
        let mut batch = AllianceBatch {
            members: Vec::new(),
            loans: vec![loan.clone()],
            equipment: vec![equipment("医療法人社団誠馨会", "超音波診断装置")],
            bookings: vec![good.clone(), clash],
            documents: vec![documents::to_put(&seat(3, "医療法人弘仁会", "架空 三郎")).unwrap()],
        };
        match s.import_alliance("centre", &batch).await {
            Err(StoreError::InBatch { list, index, .. }) => {
                assert_eq!((list, index), ("bookings", 1))
            }
            other => panic!("unexpected: {other:?}"),
        }
        assert_eq!(audit().await, before, "nothing written");
        assert!(
            s.list_staff_loans(&LoanFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.list_equipment(&x.alliance).await.unwrap().len(), 1);

        batch.bookings.pop();
        let written = s.import_alliance("centre", &batch).await.unwrap();
        assert_eq!(written.changed, 4);
        assert!(written.loans[0].id > 0 && written.bookings[0].id > 0);
        assert_eq!(written.documents[0].kind, "test_seats");
        assert_eq!(audit().await, before + 4);
        // The batch as stored, written again: nothing changes.
        let again = AllianceBatch {
            members: s
                .list_alliance_members(&AllianceId::parse("12-TOKATSU-NANBU").unwrap(), None)
                .await
                .unwrap(),
            loans: written.loans.clone(),
            equipment: written.equipment.clone(),
            bookings: written.bookings.clone(),
            documents: written
                .documents
                .iter()
                .map(|r| {
                    documents::to_put(&documents::from_row::<Seat>(r.clone()).unwrap()).unwrap()
                })
                .collect(),
        };
        let same = s.import_alliance("centre", &again).await.unwrap();
        assert_eq!(same.changed, 0);
        assert_eq!(same.loans, written.loans);
        assert_eq!(audit().await, before + 4);
        // A stored booking changed in the batch is refused.
        let mut moved = written.bookings[0].clone().into_fields();
        moved.end = at("2025-06-01 12:30");
        let moved = Booking::new(moved).unwrap();
        let r = s
            .import_alliance(
                "centre",
                &AllianceBatch {
                    bookings: vec![moved],
                    ..AllianceBatch::default()
                },
            )
            .await;
        assert!(
            matches!(
                r,
                Err(StoreError::InBatch {
                    list: "bookings",
                    index: 0,
                    ..
                })
            ),
            "{r:?}"
        );
    })
    .await;
}

/// A parent of seats for the tests: a room that opens and closes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Room {
    id: u64,
    alliance: AllianceId,
    open: bool,
}

impl Document for Room {
    const KIND: &'static str = "test_rooms";
    fn id(&self) -> u64 {
        self.id
    }
    fn with_id(self, id: u64) -> Self {
        Self { id, ..self }
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.alliance.clone())
    }
}

/// Under `change_under`, the plan sees the parent as it is inside the lock: of four closes
/// and four seatings at once, one close wins, and every seat taken was taken while the room
/// was open — on both back ends, eight stores as eight processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_parent_read_under_the_lock_orders_a_close_and_the_seats() {
    use chiiki_store::documents::{self as docs, put_of};
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        with_register(t.store()).await;
        with_alliance(t.store()).await;
        let room = docs::put(
            t.store(),
            "centre",
            &Room {
                id: 0,
                alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
                open: true,
            },
        )
        .await
        .unwrap();
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let room = room.clone();
                tokio::spawn(async move {
                    docs::change_under::<Room, Seat, _>(
                        &*s,
                        "w",
                        room.scope(),
                        room.id,
                        move |r: Option<Room>, _seats: Vec<Seat>| {
                            let r = r.expect("the room");
                            if !r.open {
                                return Err(StoreError::Refused(Msg::new("閉室", "closed")));
                            }
                            if i % 2 == 0 {
                                Ok(vec![put_of(&Room { open: false, ..r })?])
                            } else {
                                Ok(vec![put_of(&seat(
                                    r.id,
                                    "医療法人弘仁会",
                                    &format!("架空 {i}"),
                                ))?])
                            }
                        },
                    )
                    .await
                    .map(|rows| rows[0].kind.clone())
                })
            })
            .collect();
        let (mut closes, mut seats) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(kind) if kind == "test_rooms" => closes += 1,
                Ok(_) => seats += 1,
                Err(StoreError::Refused(m)) => assert_eq!(m.en, "closed"),
                Err(e) => panic!("unexpected: {e}"),
            }
        }
        assert_eq!(closes, 1, "one close wins; the others find the room closed");
        let stored: Vec<Seat> = docs::list(t.store(), docs::Filter::default().parent(room.id))
            .await
            .unwrap();
        assert_eq!(stored.len(), seats);
        let now: Room = docs::get(t.store(), room.id).await.unwrap().unwrap();
        assert!(!now.open);
    }
}

// ---------------------------------------------------------------------------------------
// Optimistic locking: versions of doctors, rounds and documents

fn doctor_version(id: &str) -> chiiki_store::Versioned {
    chiiki_store::Versioned::Doctor(DoctorId::parse(id).unwrap())
}

#[tokio::test]
async fn a_doctors_version_counts_changes_to_the_doctor_and_the_doctors_assignments() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        // Created with its assignments in one apply: one change.
        assert_eq!(s.version_of(&doctor_version("D-1")).await.unwrap(), Some(2));
        assert_eq!(s.version_of(&doctor_version("D-3")).await.unwrap(), Some(2));
        assert_eq!(s.version_of(&doctor_version("nobody")).await.unwrap(), None);
        // Reapplying the same records changes nothing, and the version stays.
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        assert_eq!(s.version_of(&doctor_version("D-1")).await.unwrap(), Some(2));
        // An assignment's change is the doctor's change; a dry run is not.
        let ended = assignment("A-2", "D-1", "F-2", "2025-04-01", Some("2026-03-31"));
        s.apply("a", vec![Change::Put(ended.clone().into())], Mode::DryRun)
            .await
            .unwrap();
        assert_eq!(s.version_of(&doctor_version("D-1")).await.unwrap(), Some(2));
        s.apply("a", vec![Change::Put(ended.into())], Mode::Commit)
            .await
            .unwrap();
        assert_eq!(s.version_of(&doctor_version("D-1")).await.unwrap(), Some(3));
        assert_eq!(s.version_of(&doctor_version("D-2")).await.unwrap(), Some(2));
        s.apply(
            "a",
            vec![Change::DeleteAssignment(
                AssignmentId::parse("A-1").unwrap(),
            )],
            Mode::Commit,
        )
        .await
        .unwrap();
        assert_eq!(s.version_of(&doctor_version("D-1")).await.unwrap(), Some(4));
    })
    .await;
}

#[tokio::test]
async fn a_write_made_from_an_old_version_of_a_doctor_is_refused_and_writes_nothing() {
    each_backend(|t| async move {
        let s = t.store();
        s.apply("setup", base(), Mode::Commit).await.unwrap();
        let seen = s.version_of(&doctor_version("D-1")).await.unwrap().unwrap();
        // Alice saves first, from the version she saw.
        let alice = assignment("A-2", "D-1", "F-2", "2025-04-01", Some("2026-03-31"));
        s.apply(
            "alice",
            vec![
                Change::ExpectDoctor {
                    doctor: DoctorId::parse("D-1").unwrap(),
                    version: seen,
                },
                Change::Put(alice.clone().into()),
            ],
            Mode::Commit,
        )
        .await
        .unwrap();
        let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
        // Bob saves from the same version: refused, naming both versions; nothing written.
        let bob = assignment("A-2", "D-1", "F-2", "2025-04-01", Some("2027-03-31"));
        let err = s
            .apply(
                "bob",
                vec![
                    Change::ExpectDoctor {
                        doctor: DoctorId::parse("D-1").unwrap(),
                        version: seen,
                    },
                    Change::Put(bob.into()),
                ],
                Mode::Commit,
            )
            .await
            .unwrap_err();
        match &err {
            StoreError::Conflict {
                what,
                expected,
                found,
            } => {
                assert_eq!(what, "the doctor D-1");
                assert_eq!((*expected, *found), (seen, seen + 1));
            }
            other => panic!("not a conflict: {other}"),
        }
        assert_eq!(
            s.get(Entity::Assignments, "A-2").await.unwrap(),
            Some(Record::Assignment(alice))
        );
        assert_eq!(
            s.list_audit(&AuditFilter::default()).await.unwrap().total,
            audit
        );
        // A doctor that is not there is `Missing`.
        let err = s
            .apply(
                "bob",
                vec![Change::ExpectDoctor {
                    doctor: DoctorId::parse("D-9").unwrap(),
                    version: 1,
                }],
                Mode::Commit,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_writers_from_one_version_of_a_doctor_exactly_one_saves() {
    for t in testing::all().await {
        eprintln!("-- on {}", t.name());
        t.store()
            .apply("setup", base(), Mode::Commit)
            .await
            .unwrap();
        let seen = t
            .store()
            .version_of(&doctor_version("D-2"))
            .await
            .unwrap()
            .unwrap();
        let stores = eight_stores(&t).await;
        let tasks: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                tokio::spawn(async move {
                    let end = format!("2026-03-{:02}", 20 + i);
                    let a = assignment("A-3", "D-2", "F-2", "2024-04-01", Some(&end));
                    let r = s
                        .apply(
                            &format!("worker-{i}"),
                            vec![
                                Change::ExpectDoctor {
                                    doctor: DoctorId::parse("D-2").unwrap(),
                                    version: seen,
                                },
                                Change::Put(a.clone().into()),
                            ],
                            Mode::Commit,
                        )
                        .await;
                    (a, r)
                })
            })
            .collect();
        let mut saved = Vec::new();
        for task in tasks {
            let (a, r) = task.await.unwrap();
            match r {
                Ok(_) => saved.push(a),
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => panic!("neither saved nor a conflict: {e}"),
            }
        }
        assert_eq!(saved.len(), 1, "exactly one writer saves");
        assert_eq!(
            t.store().get(Entity::Assignments, "A-3").await.unwrap(),
            Some(Record::Assignment(saved.remove(0)))
        );
        assert_eq!(
            t.store().version_of(&doctor_version("D-2")).await.unwrap(),
            Some(seen + 1)
        );
    }
}

#[tokio::test]
async fn a_rounds_settings_saved_from_an_old_version_are_refused() {
    each_backend(|t| async move {
        let s = t.store();
        let round = with_round(s).await;
        let v = chiiki_store::Versioned::Round(round.id);
        assert_eq!(s.version_of(&v).await.unwrap(), Some(1));
        let mut alice = round.clone();
        alice.lottery_seed = 7;
        assert_eq!(s.update_round("alice", &alice, Some(1)).await.unwrap(), 2);
        // The same settings again: nothing written, the version stays.
        assert_eq!(s.update_round("alice", &alice, Some(2)).await.unwrap(), 2);
        let mut bob = round.clone();
        bob.lottery_seed = 8;
        let err = s.update_round("bob", &bob, Some(1)).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            s.get_round(round.id).await.unwrap().unwrap().lottery_seed,
            7
        );
        assert_eq!(s.version_of(&v).await.unwrap(), Some(2));
        // Without an expected version (the CLI, imports) the write goes through.
        assert_eq!(s.update_round("bob", &bob, None).await.unwrap(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_document_replaced_from_an_old_version_is_refused() {
    use chiiki_store::documents as docs;
    each_backend(|t| async move {
        let s = t.store();
        with_register(s).await;
        with_alliance(s).await;
        let a = docs::put(s, "centre", &seat(1, "医療法人弘仁会", "架空 一郎"))
            .await
            .unwrap();
        let (read, v1) = docs::get_versioned::<Seat>(s, a.id).await.unwrap().unwrap();
        assert_eq!((read, v1), (a.clone(), 1));
        let (_, v2) = docs::put_expecting(
            s,
            "alice",
            &Seat {
                waiting: true,
                ..a.clone()
            },
            v1,
        )
        .await
        .unwrap();
        assert_eq!(v2, 2);
        let err = docs::put_expecting(
            s,
            "bob",
            &Seat {
                person: "架空 別人".into(),
                ..a.clone()
            },
            v1,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{err}"
        );
        let (now, v) = docs::get_versioned::<Seat>(s, a.id).await.unwrap().unwrap();
        assert_eq!(
            (now.waiting, now.person.as_str(), v),
            (true, "架空 一郎", 2)
        );
    })
    .await;
}
