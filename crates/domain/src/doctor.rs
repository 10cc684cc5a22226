//! Doctors in the register, and their enrolment in an obligation scheme.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::{DoctorId, PrefCode, SchemeId};
use crate::date::format_iso;
use crate::error::ValueError;
use crate::labels::{RegisterStatus, Sex, Specialty, WorkHourLevel};
use crate::name::{Email, Kana, Name, Phone};
use crate::text::Msg;
use crate::time::Period;

/// A doctor's enrolment in a scheme: which scheme lent the money, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub scheme: SchemeId,
    /// The months the loan was paid, first to last day inclusive.
    pub loan: Period,
}

/// A doctor. Birth, graduation and licence follow one another in that order, and a loan
/// starts before graduation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DoctorFields", into = "DoctorFields")]
pub struct Doctor(DoctorFields);

/// The fields of a doctor, before the checks that bind them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorFields {
    pub id: DoctorId,
    /// True for every invented person (demo and test data). Real people are never committed.
    pub synthetic: bool,
    /// The prefecture whose register holds the doctor.
    pub pref: PrefCode,
    pub name: Name,
    pub kana: Option<Kana>,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub university: Option<Name>,
    pub graduation_date: NaiveDate,
    pub licence_date: Option<NaiveDate>,
    pub enrolment: Option<Enrolment>,
    pub target_specialty: Option<Specialty>,
    pub work_hour_level: WorkHourLevel,
    pub status: RegisterStatus,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
}

impl TryFrom<DoctorFields> for Doctor {
    type Error = ValueError;
    fn try_from(f: DoctorFields) -> Result<Self, ValueError> {
        Doctor::new(f)
    }
}
impl From<Doctor> for DoctorFields {
    fn from(d: Doctor) -> Self {
        d.0
    }
}

fn order_error(input: String, ja: String, en: String, fix_ja: &str, fix_en: &str) -> ValueError {
    ValueError::new(input, Msg::new(ja, en), Msg::new(fix_ja, fix_en))
}

impl Doctor {
    pub fn new(f: DoctorFields) -> Result<Self, ValueError> {
        let age_at_graduation = f.graduation_date.year() - f.birth_date.year();
        if !(20..=70).contains(&age_at_graduation) || f.graduation_date <= f.birth_date {
            return Err(order_error(
                format!(
                    "{} / {}",
                    format_iso(f.birth_date),
                    format_iso(f.graduation_date)
                ),
                format!(
                    "生年月日 {} と卒業年月日 {} の間が{}年です",
                    format_iso(f.birth_date),
                    format_iso(f.graduation_date),
                    age_at_graduation
                ),
                format!(
                    "birth date {} and graduation date {} are {} years apart",
                    format_iso(f.birth_date),
                    format_iso(f.graduation_date),
                    age_at_graduation
                ),
                "卒業時の年齢が20〜70歳になるよう、生年月日と卒業年月日を確認してください",
                "check both dates: the doctor must be 20 to 70 years old at graduation",
            ));
        }
        if let Some(l) = f.licence_date
            && l < f.graduation_date
        {
            return Err(order_error(
                format_iso(l),
                format!(
                    "医籍登録日 {} が卒業年月日 {} より前です",
                    format_iso(l),
                    format_iso(f.graduation_date)
                ),
                format!(
                    "licence date {} is before graduation date {}",
                    format_iso(l),
                    format_iso(f.graduation_date)
                ),
                "医師免許の登録日は卒業後の日付です",
                "a licence is registered after graduation",
            ));
        }
        if let Some(e) = &f.enrolment
            && e.loan.start() > f.graduation_date
        {
            return Err(order_error(
                format_iso(e.loan.start()),
                format!(
                    "修学資金の貸与開始 {} が卒業年月日 {} より後です",
                    format_iso(e.loan.start()),
                    format_iso(f.graduation_date)
                ),
                format!(
                    "the loan starts on {}, after graduation on {}",
                    format_iso(e.loan.start()),
                    format_iso(f.graduation_date)
                ),
                "修学資金は在学中に貸与されます。貸与開始日を確認してください",
                "scholarship loans are paid while at medical school: check the loan start",
            ));
        }
        Ok(Self(f))
    }
    pub fn fields(&self) -> &DoctorFields {
        &self.0
    }
    pub fn into_fields(self) -> DoctorFields {
        self.0
    }
    /// Completed years of age on the given day.
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        let b = self.0.birth_date;
        let mut age = day.year() - b.year();
        if (day.month(), day.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age
    }
    /// Years since graduation counted as 卒後N年目 in the fiscal year of `day`
    /// (the fiscal year after graduation is year 1).
    pub fn postgraduate_year(&self, day: NaiveDate) -> i32 {
        crate::time::FiscalYear::of(day).year()
            - crate::time::FiscalYear::of(self.0.graduation_date).year()
    }
}

impl std::ops::Deref for Doctor {
    type Target = DoctorFields;
    fn deref(&self) -> &DoctorFields {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn sample() -> DoctorFields {
        let mut f = crate::samples::doctor("D-0001", "架空 太郎");
        f.email = None;
        f.phone = None;
        f
    }

    #[test]
    fn doctor_dates_follow_each_other() {
        let doc = Doctor::new(sample()).unwrap();
        assert_eq!(doc.age_on(d(2025, 5, 31)), 29);
        assert_eq!(doc.age_on(d(2025, 6, 1)), 30);
        assert_eq!(doc.postgraduate_year(d(2020, 4, 1)), 1);
        assert_eq!(doc.postgraduate_year(d(2026, 3, 31)), 6);

        let mut early_licence = sample();
        early_licence.licence_date = Some(d(2019, 1, 1));
        assert!(
            Doctor::new(early_licence)
                .unwrap_err()
                .problem
                .en
                .contains("licence")
        );

        let mut child = sample();
        child.birth_date = d(2010, 1, 1);
        assert!(Doctor::new(child).is_err());

        let mut late_loan = sample();
        late_loan.enrolment.as_mut().unwrap().loan = Period::open(d(2021, 4, 1));
        assert!(Doctor::new(late_loan).is_err());
    }
}
