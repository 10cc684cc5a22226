//! Importing files into a real store (SQLite and PostgreSQL): bad input of every kind gives
//! a located, bilingual error and leaves the store exactly as it was; good files round-trip.

use std::path::{Path, PathBuf};

use chiiki_app::access::Principal;
use chiiki_app::register::{self, ImportReport, Source};
use chiiki_app::{AppError, load_demo};
use chiiki_domain::{Entity, Record};
use chiiki_store::testing::{self, TestStore};
use chiiki_store::{AuditFilter, Store};
use chiiki_tabular::Format;

/// Everything a store holds, to compare before and after: every record, the number of audit
/// events, and for SQLite the bytes of the database and its WAL.
async fn snapshot(t: &TestStore) -> (Vec<Record>, u64, Vec<u8>) {
    let s = t.store();
    let mut records = Vec::new();
    for e in Entity::ALL {
        records.extend(
            register::all_records(s, &Principal::system("test"), *e)
                .await
                .unwrap(),
        );
    }
    let audit = s.list_audit(&AuditFilter::default()).await.unwrap().total;
    let mut bytes = Vec::new();
    if t.name() == "sqlite" {
        for suffix in ["", "-wal"] {
            bytes.extend(std::fs::read(format!("{}{suffix}", t.target())).unwrap_or_default());
        }
    }
    (records, audit, bytes)
}

async fn import(s: &dyn Store, entity: Entity, path: &Path) -> Result<ImportReport, AppError> {
    register::import(
        s,
        &Principal::system("test"),
        entity,
        Source::Path(path),
        false,
        &mut |_, _| {},
    )
    .await
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const DOCTOR_HEADER: &str =
    "医師ID,氏名,フリガナ,性別,生年月日,卒業年月日,都道府県,制度ID,貸与開始日,架空\n";

/// A doctor row in the demo's prefecture and scheme.
fn doctor_row(id: &str, birth: &str) -> String {
    format!("{id},架空 試験,カクウ シケン,女,{birth},2020-03-20,岩手,iwate-kokuho,2014-04-01,1\n")
}

/// Asserts that importing fails with a located issue whose text contains `ja` and `en`,
/// and that the store did not change at all.
async fn rejected(
    t: &TestStore,
    entity: Entity,
    path: &Path,
    row: Option<u64>,
    ja: &str,
    en: &str,
) {
    let before = snapshot(t).await;
    let text = match import(t.store(), entity, path).await {
        Ok(report) => {
            assert!(
                !report.committed,
                "{}: nothing may be committed",
                path.display()
            );
            assert!(
                !report.issues.is_empty(),
                "{}: an issue is reported",
                path.display()
            );
            if let Some(row) = row {
                assert!(
                    report.issues.iter().any(|i| i.location.row == Some(row)),
                    "{}: an issue on row {row}: {:?}",
                    path.display(),
                    report.issues
                );
            }
            report
                .issues
                .iter()
                .map(|i| format!("{i} {}", i.value.clone().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(AppError::File(issue)) => issue.to_string(),
        Err(e) => panic!("{}: unexpected error {e}", path.display()),
    };
    assert!(
        text.contains(ja),
        "{}: {text}\n should contain {ja}",
        path.display()
    );
    assert!(
        text.contains(en),
        "{}: {text}\n should contain {en}",
        path.display()
    );
    let after = snapshot(t).await;
    assert!(
        before == after,
        "{}: the store changed on {}",
        path.display(),
        t.name()
    );
}

#[tokio::test]
async fn bad_input_is_explained_and_writes_nothing() {
    for t in testing::all().await {
        load_demo(t.store()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();

        let p = write(
            d,
            "no_such_day.csv",
            &format!("{DOCTOR_HEADER}{}", doctor_row("T-1", "令和2年2月30日")),
        );
        rejected(&t, Entity::Doctors, &p, Some(2), "29日", "29 days").await;

        let p = write(
            d,
            "unknown_area.csv",
            "市区町村コード,市区町村名,二次医療圏コード\n03201,盛岡市,0399\n",
        );
        rejected(
            &t,
            Entity::Municipalities,
            &p,
            Some(2),
            "0399",
            "not in the register",
        )
        .await;

        let p = write(
            d,
            "unknown_municipality.csv",
            "医療機関ID,医療機関名,施設種別,市区町村コード,二次医療圏コード\nT-F1,試験診療所（架空）,無床診療所,03999,0301\n",
        );
        rejected(
            &t,
            Entity::Facilities,
            &p,
            Some(2),
            "03999",
            "not in the register",
        )
        .await;

        let p = write(
            d,
            "check_digit.csv",
            "市区町村コード,市区町村名,二次医療圏コード\n032019,盛岡市,0301\n",
        );
        rejected(
            &t,
            Entity::Municipalities,
            &p,
            Some(2),
            "検査数字",
            "check digit",
        )
        .await;

        let p = write(
            d,
            "duplicate.csv",
            &format!(
                "{DOCTOR_HEADER}{}{}",
                doctor_row("T-2", "1995-01-01"),
                doctor_row("T-2", "1995-01-02")
            ),
        );
        rejected(&t, Entity::Doctors, &p, Some(3), "T-2", "T-2").await;

        let p = d.join("neither.csv");
        std::fs::write(
            &p,
            [DOCTOR_HEADER.as_bytes(), b"T-3,\x80\xff\xfd\xff\n"].concat(),
        )
        .unwrap();
        rejected(&t, Entity::Doctors, &p, None, "Shift_JIS", "Shift_JIS").await;

        let p = write(
            d,
            "missing_column.csv",
            "医師ID,氏名,性別,生年月日\nT-4,架空 試験,女,1995-01-01\n",
        );
        rejected(&t, Entity::Doctors, &p, None, "卒業年月日", "graduation").await;

        let p = write(d, "empty.csv", "");
        rejected(&t, Entity::Doctors, &p, None, "空", "empty").await;

        let p = write(d, "no_header.csv", "タイトル\n\n1,2,3\n");
        rejected(&t, Entity::Doctors, &p, None, "20", "20").await;

        let p = write(
            d,
            "ends_before_start.csv",
            "医師ID,医療機関ID,開始日,終了日,勤務区分\nDEMO-2018-001,R7-0301-14,2027-04-01,2027-03-31,指定勤務\n",
        );
        rejected(&t, Entity::Assignments, &p, Some(2), "終了日", "end date").await;

        // DEMO-2018-001 already works full time in FY2026; another full-time post overlaps.
        let p = write(
            d,
            "overload.csv",
            "医師ID,医療機関ID,開始日,終了日,常勤換算,勤務区分\nDEMO-2018-001,R7-0301-14,2026-10-01,2026-12-31,1,その他の勤務\n",
        );
        rejected(
            &t,
            Entity::Assignments,
            &p,
            Some(2),
            "常勤換算の合計が 2",
            "2 FTE",
        )
        .await;

        // Merged header cells in a workbook.
        let p = d.join("merged.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.merge_range(0, 0, 0, 1, "医師ID", &rust_xlsxwriter::Format::new())
            .unwrap();
        for (c, h) in ["氏名", "性別", "生年月日", "卒業年月日", "都道府県"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16 + 2, *h).unwrap();
        }
        ws.write_string(1, 0, "T-5").unwrap();
        wb.save(&p).unwrap();
        rejected(&t, Entity::Doctors, &p, None, "A1:B1", "A1:B1").await;
    }
}

#[tokio::test]
async fn shift_jis_and_title_blocks_import_correctly() {
    for t in testing::all().await {
        load_demo(t.store()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "医師名簿（架空）\n令和7年4月1日現在\n{DOCTOR_HEADER}{}",
            doctor_row("T-SJ", "平成7年1月1日")
        );
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let p = dir.path().join("sjis.csv");
        std::fs::write(&p, &bytes).unwrap();
        let report = import(t.store(), Entity::Doctors, &p).await.unwrap();
        assert!(report.issues.is_empty(), "{:?}", report.issues);
        assert_eq!(
            (report.header_row, report.added, report.committed),
            (3, 1, true)
        );
        let Some(Record::Doctor(doc)) = t.store().get(Entity::Doctors, "T-SJ").await.unwrap()
        else {
            panic!("the doctor was imported")
        };
        assert_eq!(doc.name.as_str(), "架空 試験");
        assert_eq!(doc.birth_date.to_string(), "1995-01-01");
        let events = t
            .store()
            .list_audit(&AuditFilter {
                entity_id: Some("T-SJ".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((events.total, events.items[0].actor.as_str()), (1, "test"));
    }
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    for t in testing::all().await {
        load_demo(t.store()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "new.csv",
            &format!("{DOCTOR_HEADER}{}", doctor_row("T-DRY", "1995-01-01")),
        );
        let before = snapshot(&t).await;
        let report = register::import(
            t.store(),
            &Principal::system("test"),
            Entity::Doctors,
            Source::Path(&p),
            true,
            &mut |_, _| {},
        )
        .await
        .unwrap();
        assert_eq!((report.added, report.committed), (1, false));
        assert_eq!(report.changed_keys, ["T-DRY"]);
        assert!(before == snapshot(&t).await);
    }
}

/// Export to XLSX, import into a fresh database, export again: identical bytes.
#[tokio::test]
async fn xlsx_round_trip_is_identical() {
    for source in testing::all().await {
        load_demo(source.store()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let backend = source.name();
        let target = match backend {
            "sqlite" => testing::sqlite().await,
            _ => testing::pg().await.expect("postgres configured"),
        };
        for e in Entity::ALL {
            let first = dir.path().join(format!("{}-1.xlsx", e.code()));
            let records = register::all_records(source.store(), &Principal::system("test"), *e)
                .await
                .unwrap();
            register::write_records(&first, *e, &records, Format::Xlsx).unwrap();
            let report = import(target.store(), *e, &first).await.unwrap();
            assert!(
                report.issues.is_empty(),
                "{e} on {backend}: {:?}",
                report.issues.first()
            );
            assert_eq!(report.added as usize, records.len(), "{e} on {backend}");
            let second = dir.path().join(format!("{}-2.xlsx", e.code()));
            let again = register::all_records(target.store(), &Principal::system("test"), *e)
                .await
                .unwrap();
            assert_eq!(again, records, "{e} on {backend}");
            register::write_records(&second, *e, &again, Format::Xlsx).unwrap();
            assert_eq!(
                std::fs::read(&first).unwrap(),
                std::fs::read(&second).unwrap(),
                "{e} on {backend}"
            );
        }
    }
}

/// A coordinator of Miyagi can neither import an Iwate doctor nor an assignment of one, nor
/// read Iwate's register; a facility account cannot import at all.
#[tokio::test]
async fn coordinators_stay_in_their_prefecture() {
    use chiiki_domain::{AccountFields, Name, PrefCode, Role, Username};
    for t in testing::all().await {
        load_demo(t.store()).await.unwrap();
        let miyagi = Principal::from_account(
            &chiiki_domain::Account::new(AccountFields {
                alliance: None,
                username: Username::parse("miyagi").unwrap(),
                display_name: Name::parse("宮城（架空）").unwrap(),
                role: Role::Coordinator,
                pref: PrefCode::new(4).ok(),
                facility: None,
                doctor: None,
                disabled: false,
            })
            .unwrap(),
        );
        let dir = tempfile::tempdir().unwrap();
        let before = snapshot(&t).await;
        let p = write(
            dir.path(),
            "iwate.csv",
            &format!("{DOCTOR_HEADER}{}", doctor_row("T-IW", "1995-01-01")),
        );
        let r = register::import(
            t.store(),
            &miyagi,
            Entity::Doctors,
            Source::Path(&p),
            false,
            &mut |_, _| {},
        )
        .await
        .unwrap();
        assert!(
            !r.committed
                && r.issues
                    .iter()
                    .any(|i| i.problem.en.contains("outside your prefecture"))
        );
        let p = write(
            dir.path(),
            "a.csv",
            "医師ID,医療機関ID,開始日,勤務区分\nDEMO-2018-001,R7-0301-14,2030-04-01,指定勤務\n",
        );
        let r = register::import(
            t.store(),
            &miyagi,
            Entity::Assignments,
            Source::Path(&p),
            false,
            &mut |_, _| {},
        )
        .await
        .unwrap();
        assert!(
            r.issues
                .iter()
                .any(|i| i.problem.en.contains("outside your prefecture")),
            "{:?}",
            r.issues
        );
        assert!(before == snapshot(&t).await);
        let seen = register::all_records(t.store(), &miyagi, Entity::Doctors)
            .await
            .unwrap();
        assert!(seen.is_empty());
        assert!(
            register::get(t.store(), &miyagi, Entity::Doctors, "DEMO-2018-001")
                .await
                .unwrap()
                .is_none()
        );
        let mut facility = miyagi.clone();
        facility.role = Role::Facility;
        let denied = register::import(
            t.store(),
            &facility,
            Entity::Doctors,
            Source::Path(&p),
            false,
            &mut |_, _| {},
        )
        .await;
        assert!(matches!(denied, Err(AppError::Denied(_))));
    }
}

/// Parallel imports serialise: eight imports at once, from eight stores on one database (as
/// eight processes would be), four of file A and four of file B, which share 60 doctors with
/// other values and each add 20 of their own. Every import succeeds; afterwards each shared
/// doctor holds the values of one same file (the last import's: no doctor from A beside one
/// from B, as interleaved writes would leave), every doctor of either file is there once,
/// and the audit trail's latest event of each doctor is the stored record.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_imports_serialise() {
    for t in testing::all().await {
        let backend = t.name();
        load_demo(t.store()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = |tag: &str, birth: &str| {
            let mut text = DOCTOR_HEADER.to_string();
            for i in 0..60 {
                text.push_str(&doctor_row(&format!("PAR-{i:03}"), birth));
            }
            for i in 0..20 {
                text.push_str(&doctor_row(&format!("PAR-{tag}-{i:03}"), birth));
            }
            write(dir.path(), &format!("{tag}.csv"), &text)
        };
        let (a, b) = (file("A", "1990-01-01"), file("B", "1991-02-02"));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store: std::sync::Arc<dyn Store> =
                chiiki_store::open(t.target()).await.unwrap().into();
            let path = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                import(store.as_ref(), Entity::Doctors, &path).await
            }));
        }
        for task in tasks {
            let report = task.await.unwrap();
            assert!(
                report.as_ref().is_ok_and(|r| r.issues.is_empty()),
                "{backend}: {:?}",
                report.err()
            );
        }
        let s = t.store();
        let mut births = std::collections::BTreeSet::new();
        for i in 0..60 {
            match s
                .get(Entity::Doctors, &format!("PAR-{i:03}"))
                .await
                .unwrap()
            {
                Some(Record::Doctor(d)) => births.insert(d.birth_date),
                other => panic!("{backend}: PAR-{i:03} is {other:?}"),
            };
        }
        assert_eq!(births.len(), 1, "{backend}: shared doctors from both files");
        for tag in ["A", "B"] {
            for i in 0..20 {
                let id = format!("PAR-{tag}-{i:03}");
                assert!(
                    s.get(Entity::Doctors, &id).await.unwrap().is_some(),
                    "{backend}: {id}"
                );
                let events = s
                    .list_audit(&AuditFilter {
                        entity: Some("doctors".into()),
                        entity_id: Some(id.clone()),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                assert_eq!(events.total, 1, "{backend}: {id} created once");
            }
        }
        for i in 0..60 {
            let id = format!("PAR-{i:03}");
            let events = s
                .list_audit(&AuditFilter {
                    entity: Some("doctors".into()),
                    entity_id: Some(id.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
            let Some(Record::Doctor(d)) = s.get(Entity::Doctors, &id).await.unwrap() else {
                panic!()
            };
            assert_eq!(
                events.items[0].after.as_ref(),
                Some(&serde_json::to_value(&d).unwrap()),
                "{backend}: {id}'s last audit event is what is stored"
            );
        }
    }
}
