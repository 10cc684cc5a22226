//! Realistic, synthetic (invented) records of an Iwate-like prefecture, shared by the tests.
#![allow(dead_code)]

use chiiki_domain::*;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn areas() -> Vec<SecondaryArea> {
    [
        ("0301", "盛岡"),
        ("0302", "岩手中部"),
        ("0309", "宮古"),
        ("0310", "久慈"),
    ]
    .into_iter()
    .map(|(code, name)| SecondaryArea {
        code: AreaCode::parse(code).unwrap(),
        name: Name::parse(name).unwrap(),
    })
    .collect()
}

pub fn municipalities() -> Vec<Municipality> {
    [
        ("03201", "盛岡市", "0301", MunicipalityKind::Municipality),
        ("03202", "宮古市", "0309", MunicipalityKind::Municipality),
        ("03207", "久慈市", "0310", MunicipalityKind::Municipality),
        ("03322", "矢巾町", "0301", MunicipalityKind::Municipality),
    ]
    .into_iter()
    .map(|(code, name, area, kind)| {
        Municipality::new(
            LgCode::parse(code).unwrap(),
            Name::parse(name).unwrap(),
            AreaCode::parse(area).unwrap(),
            kind,
        )
        .unwrap()
    })
    .collect()
}

pub fn schemes() -> Vec<Scheme> {
    vec![
        Scheme {
            id: SchemeId::parse("iwate-kokuho").unwrap(),
            name: Name::parse("岩手県国民健康保険団体連合会医師修学資金").unwrap(),
            pref: PrefCode::parse("03").unwrap(),
            sponsor: Name::parse("岩手県国民健康保険団体連合会").unwrap(),
            service_years: 9,
        },
        Scheme {
            id: SchemeId::parse("iwate-pref").unwrap(),
            name: Name::parse("岩手県医師修学資金").unwrap(),
            pref: PrefCode::parse("03").unwrap(),
            sponsor: Name::parse("岩手県").unwrap(),
            service_years: 9,
        },
    ]
}

pub fn facilities() -> Vec<Facility> {
    let base = FacilityFields {
        id: FacilityId::parse("F-0001").unwrap(),
        name: Name::parse("架空県立中央病院").unwrap(),
        kind: FacilityKind::Hospital,
        municipality: Some(LgCode::parse("03201").unwrap()),
        area: AreaCode::parse("0301").unwrap(),
        coordinates: Some(Coordinates::new(39.7036, 141.1527).unwrap()),
        beds: Beds {
            high_acute: 40,
            acute: 520,
            recovery: 50,
            chronic: 0,
            idle: 3,
        },
        doctors_fulltime: Amount::new(152.0).unwrap(),
        doctors_parttime_fte: Amount::new(20.4).unwrap(),
        emergency: EmergencyLevel::Tertiary,
        group: Some(FacilityGroup::LargeMedium),
        alliance: None,
        synthetic: true,
        source: None,
    };
    let clinic = FacilityFields {
        id: FacilityId::parse("F-0002").unwrap(),
        name: Name::parse("架空町国保診療所").unwrap(),
        kind: FacilityKind::Clinic,
        municipality: Some(LgCode::parse("03207").unwrap()),
        area: AreaCode::parse("0310").unwrap(),
        coordinates: None,
        beds: Beds::default(),
        doctors_fulltime: Amount::new(1.0).unwrap(),
        doctors_parttime_fte: Amount::ZERO,
        emergency: EmergencyLevel::None,
        group: Some(FacilityGroup::DesignatedShortage),
        alliance: Some(Name::parse("架空北部医療連携推進法人").unwrap()),
        synthetic: true,
        source: None,
    };
    let real = chiiki_domain::samples::facility();
    [base, clinic, real]
        .into_iter()
        .map(|f| Facility::new(f).unwrap())
        .collect()
}

pub fn doctor(id: &str, name: &str) -> DoctorFields {
    chiiki_domain::samples::doctor(id, name)
}

pub fn doctors() -> Vec<Doctor> {
    let mut second = doctor("D-0002", "架空 花子");
    second.sex = Sex::Female;
    second.kana = Some(Kana::parse("カクウ ハナコ").unwrap());
    second.birth_date = d(1998, 1, 31);
    second.graduation_date = d(2023, 3, 15);
    second.licence_date = None;
    second.enrolment = Some(Enrolment {
        scheme: SchemeId::parse("iwate-pref").unwrap(),
        loan: Period::open(d(2017, 4, 1)),
    });
    second.work_hour_level = WorkHourLevel::C1;
    second.email = None;
    second.phone = None;
    let mut third = doctor("D-0003", "見本 次郎");
    third.kana = None;
    third.university = None;
    third.enrolment = None;
    third.target_specialty = None;
    third.status = RegisterStatus::Completed;
    [doctor("D-0001", "架空 太郎"), second, third]
        .into_iter()
        .map(|f| Doctor::new(f).unwrap())
        .collect()
}

pub fn assignments() -> Vec<Assignment> {
    let doc = DoctorId::parse("D-0001").unwrap();
    let registered = AssignmentFields {
        id: AssignmentId::parse("A-0001").unwrap(),
        doctor: doc.clone(),
        place: Some(Workplace::Registered {
            facility: FacilityId::parse("F-0001").unwrap(),
        }),
        period: Period::new(d(2020, 4, 1), Some(d(2022, 3, 31))).unwrap(),
        fte: Fte::FULL,
        kind: AssignmentKind::InitialResidency,
    };
    let external = AssignmentFields {
        id: AssignmentId::parse("A-0002").unwrap(),
        doctor: doc.clone(),
        place: Some(Workplace::External {
            name: Name::parse("架空大学病院（東京）").unwrap(),
            pref: Some(PrefCode::parse("13").unwrap()),
        }),
        period: Period::new(d(2022, 4, 1), Some(d(2023, 3, 31))).unwrap(),
        fte: Fte::from_hundredths(50).unwrap(),
        kind: AssignmentKind::SpecialistTraining,
    };
    let leave = AssignmentFields {
        id: AssignmentId::parse("A-0003").unwrap(),
        doctor: doc,
        place: None,
        period: Period::open(d(2024, 4, 1)),
        fte: Fte::FULL,
        kind: AssignmentKind::ChildcareLeave,
    };
    [registered, external, leave]
        .into_iter()
        .map(|a| Assignment::new(a).unwrap())
        .collect()
}
