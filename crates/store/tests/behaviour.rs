//! One behaviour suite for the Store trait, run against every back end: SQLite always,
//! PostgreSQL when the test command has started a server (CHIIKI_TEST_PG_URL).

use chiiki_domain::*;
use chiiki_store::testing::{self, TestStore};
use chiiki_store::{
    AssignmentFilter, AuditFilter, Change, DoctorFilter, FacilityFilter, Mode, Paging, StoreError,
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
