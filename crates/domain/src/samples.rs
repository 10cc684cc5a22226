//! Sample records for tests of this and other crates (feature `samples`). Every person is
//! synthetic; the hospital is real and carries its source.

use chrono::NaiveDate;

use crate::{
    Amount, AreaCode, Beds, Coordinates, DoctorFields, DoctorId, Email, EmergencyLevel, Enrolment,
    FacilityFields, FacilityGroup, FacilityId, FacilityKind, Kana, LgCode, Name, Period, Phone,
    PrefCode, RegisterStatus, SchemeId, Sex, Specialty, WorkHourLevel,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("sample dates exist")
}

/// 岩手医科大学附属病院 as the 2025 bed-function report gives it.
pub fn facility() -> FacilityFields {
    FacilityFields {
        id: FacilityId::parse("R7-0301-14").expect("valid"),
        name: Name::parse("岩手医科大学附属病院").expect("valid"),
        kind: FacilityKind::UniversityHospital,
        municipality: Some(LgCode::parse("03322").expect("valid")),
        area: AreaCode::parse("0301").expect("valid"),
        coordinates: Some(Coordinates::new(39.614, 141.163).expect("valid")),
        beds: Beds {
            high_acute: 880,
            acute: 0,
            recovery: 0,
            chronic: 25,
            idle: 0,
        },
        doctors_fulltime: Amount::new(288.0).expect("valid"),
        doctors_parttime_fte: Amount::new(202.9).expect("valid"),
        emergency: EmergencyLevel::Tertiary,
        group: Some(FacilityGroup::University),
        alliance: None,
        synthetic: false,
        // Free text is NFKC-normalised, so samples use the normalised form.
        source: Some("厚生労働省 病床機能報告(令和7年度公表)".into()),
    }
}

/// A synthetic obligated doctor of Iwate, graduated in 2020, with the given id and name.
pub fn doctor(id: &str, name: &str) -> DoctorFields {
    DoctorFields {
        id: DoctorId::parse(id).expect("valid"),
        synthetic: true,
        pref: PrefCode::parse("03").expect("valid"),
        name: Name::parse(name).expect("valid"),
        kana: Some(Kana::parse("カクウ タロウ").expect("valid")),
        sex: Sex::Male,
        birth_date: d(1995, 6, 1),
        university: Some(Name::parse("岩手医科大学").expect("valid")),
        graduation_date: d(2020, 3, 20),
        licence_date: Some(d(2020, 4, 20)),
        enrolment: Some(Enrolment {
            scheme: SchemeId::parse("iwate-kokuho").expect("valid"),
            loan: Period::new(d(2014, 4, 1), Some(d(2020, 3, 31))).expect("ordered"),
        }),
        target_specialty: Some(Specialty::GeneralPractice),
        work_hour_level: WorkHourLevel::A,
        status: RegisterStatus::Active,
        email: Some(Email::parse("taro@example.jp").expect("valid")),
        phone: Some(Phone::parse("019-000-0000").expect("valid")),
    }
}
