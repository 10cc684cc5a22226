//! What is written reads back as the same records, and writing is deterministic.

mod common;

use std::fmt::Debug;

use chiiki_domain::*;
use chiiki_tabular::{Format, Record, read, read_bytes, write, write_bytes};
use proptest::prelude::*;

/// Writes, reads back, writes again: same records, same bytes, no issues.
fn round_trip<T: Record + PartialEq + Debug>(records: &[T], format: Format) {
    let name = format!("{}.{}", T::ENTITY.code(), format.extension());
    let bytes = write_bytes(records, format).unwrap();
    let back = read_bytes::<T>(&name, &bytes).unwrap();
    assert!(back.issues.is_empty(), "{:#?}", back.issues);
    assert_eq!(back.header_row, 1);
    assert_eq!(back.rows_read, records.len() as u64);
    let rows: Vec<u64> = back.records.iter().map(|(r, _)| *r).collect();
    assert_eq!(rows, (2..2 + records.len() as u64).collect::<Vec<_>>());
    let decoded: Vec<T> = back.records.into_iter().map(|(_, r)| r).collect();
    assert_eq!(decoded, records);
    assert_eq!(
        write_bytes(&decoded, format).unwrap(),
        bytes,
        "{name} is deterministic"
    );
}

fn both_formats<T: Record + PartialEq + Debug>(records: &[T]) {
    round_trip(records, Format::Csv);
    round_trip(records, Format::Xlsx);
}

#[test]
fn areas() {
    both_formats(&common::areas());
}

#[test]
fn municipalities() {
    both_formats(&common::municipalities());
}

#[test]
fn schemes() {
    both_formats(&common::schemes());
}

#[test]
fn facilities() {
    both_formats(&common::facilities());
}

#[test]
fn doctors() {
    both_formats(&common::doctors());
}

#[test]
fn assignments() {
    both_formats(&common::assignments());
}

#[test]
fn files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let doctors = common::doctors();
    for format in [Format::Csv, Format::Xlsx] {
        let path = dir.path().join(format!("医師.{}", format.extension()));
        assert_eq!(Format::from_path(&path), Some(format));
        write(&path, &doctors, format).unwrap();
        let mut calls = Vec::new();
        let back = read::<Doctor>(&path, &mut |done, total| calls.push((done, total))).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert_eq!(calls.first(), Some(&(0, size)));
        assert_eq!(calls.last().map(|c| c.1), Some(size));
        let back: Vec<Doctor> = back.records.into_iter().map(|(_, d)| d).collect();
        assert_eq!(back, doctors);
    }
    assert_eq!(Format::from_path(std::path::Path::new("x.txt")), None);
    assert!(chiiki_tabular::write_path(&dir.path().join("x.txt"), &doctors).is_err());
}

#[test]
fn csv_is_excel_friendly() {
    let bytes = write_bytes(&common::areas(), Format::Csv).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("\u{feff}二次医療圏コード,二次医療圏名\r\n0301,盛岡\r\n"));

    let bytes = write_bytes(&common::doctors()[..1], Format::Csv).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert_eq!(
        row,
        "D-0001,架空 太郎,カクウ タロウ,男,1995-06-01,岩手医科大学,2020-03-20,2020-04-20,03,\
         iwate-kokuho,2014-04-01,2020-03-31,総合診療,A水準,在籍,taro@example.jp,019-000-0000,1"
    );
    let bytes = write_bytes(&common::facilities()[2..], Format::Csv).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(",880,0,0,25,0,288,202.9,"), "{text}");
}

#[test]
fn formula_like_text_is_guarded_in_csv_and_read_back() {
    let area = SecondaryArea {
        code: AreaCode::parse("0301").unwrap(),
        name: Name::parse("=HYPERLINK(\"http://x\")").unwrap(),
    };
    let bytes = write_bytes(std::slice::from_ref(&area), Format::Csv).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    let back = read_bytes::<SecondaryArea>("a.csv", &bytes).unwrap();
    assert_eq!(back.records[0].1, area);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_doctors_round_trip(
        n in 1usize..6,
        birth in 0i64..9_000,
        years in 22i64..40,
        kana in proptest::option::of("[ア-ン]{1,6}( [ア-ン]{1,6})?"),
        name in "[一-龠ぁ-んA-Za-z]{1,8}( [一-龠]{1,4})?",
        level in 0usize..5,
        loan in proptest::option::of((0i64..2_000, proptest::option::of(0i64..3_000))),
        synthetic in any::<bool>(),
    ) {
        let mut doctors = Vec::new();
        for i in 0..n {
            let mut f = common::doctor(&format!("D-{i:04}"), &name);
            f.birth_date = common::d(1950, 1, 1) + chrono::Duration::days(birth);
            f.graduation_date = f.birth_date + chrono::Duration::days(years * 365);
            f.licence_date = Some(f.graduation_date + chrono::Duration::days(30));
            f.kana = kana.as_deref().map(|k| Kana::parse(k).unwrap());
            f.work_hour_level = WorkHourLevel::ALL[level];
            f.synthetic = synthetic;
            f.enrolment = loan.map(|(before, len)| {
                let start = f.graduation_date - chrono::Duration::days(before);
                Enrolment {
                    scheme: SchemeId::parse("iwate-pref").unwrap(),
                    loan: Period::new(start, len.map(|l| start + chrono::Duration::days(l))).unwrap(),
                }
            });
            doctors.push(Doctor::new(f).unwrap());
        }
        both_formats(&doctors);
    }

    #[test]
    fn generated_assignments_round_trip(
        spec in proptest::collection::vec(
            (0i64..20_000, proptest::option::of(0i64..3_000), 1u16..=100, 0usize..10, 0u8..3, any::<bool>()),
            1..8,
        ),
    ) {
        let list: Vec<Assignment> = spec.iter().enumerate().map(|(i, &(start, len, fte, kind, place, with_id))| {
            let start = common::d(1980, 1, 1) + chrono::Duration::days(start);
            let doctor = DoctorId::parse(&format!("D-{i}")).unwrap();
            let place = match place {
                0 => Some(Workplace::Registered { facility: FacilityId::parse("F-0001").unwrap() }),
                1 => Some(Workplace::External { name: Name::parse("架空 病院").unwrap(), pref: PrefCode::new(13).ok() }),
                _ => None,
            };
            let kind = if place.is_none() { AssignmentKind::SickLeave } else { AssignmentKind::ALL[kind] };
            let id = if with_id {
                AssignmentId::parse(&format!("A-{i}")).unwrap()
            } else {
                Assignment::derive_id(&doctor, start, place.as_ref())
            };
            Assignment::new(AssignmentFields {
                id,
                doctor,
                place,
                period: Period::new(start, len.map(|l| start + chrono::Duration::days(l))).unwrap(),
                fte: Fte::from_hundredths(fte).unwrap(),
                kind,
            }).unwrap()
        }).collect();
        both_formats(&list);
    }
}
