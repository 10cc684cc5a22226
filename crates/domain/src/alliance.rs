//! Regional medical alliances (地域医療連携推進法人): the alliance as the prefecture certified
//! it (area, policies) and its member corporations (参加法人) with the date each joined and
//! the facilities each brings.

use serde::{Deserialize, Serialize};

pub use crate::codes::AllianceId;
use crate::codes::{DoctorId, FacilityId, LgCode, PrefCode};
use crate::date::NaiveDate;
use crate::error::ValueError;
pub use crate::labels::{LoanRole, MemberFacilityKind};
use crate::name::Name;
use crate::text::{Lang, Msg};
use chrono::Datelike;

/// The longest policy (理念・運営方針, 事業), in characters.
pub const MAX_POLICY_CHARS: usize = 200;

/// A regional medical alliance. Its area (医療連携推進区域) is one or more municipalities of its
/// prefecture, each once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AllianceFields", into = "AllianceFields")]
pub struct Alliance(AllianceFields);

/// The fields of an alliance, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllianceFields {
    pub id: AllianceId,
    pub name: Name,
    pub pref: PrefCode,
    /// The day the prefecture certified it (認定日).
    pub certified: NaiveDate,
    /// Its area (医療連携推進区域), in the order the certification lists it.
    pub area: Vec<LgCode>,
    /// Its principles, policies and joint activities, one a line.
    pub policies: Vec<String>,
    /// Where the facts come from (credit line); required unless synthetic.
    pub source: Option<String>,
    /// True for alliances invented for the demo.
    pub synthetic: bool,
}

checked_record!(Alliance, AllianceFields);

pub(crate) fn invalid(input: impl Into<String>, ja: String, en: String, fix: Msg) -> ValueError {
    ValueError::new(input, Msg::new(ja, en), fix)
}

impl Alliance {
    /// Checks the fields: an area of distinct municipalities of its prefecture, policies of 1
    /// to 200 characters without control characters, a source exactly when it is real.
    pub fn new(mut f: AllianceFields) -> Result<Self, ValueError> {
        f.source = f
            .source
            .map(|s| crate::normalize(&s))
            .filter(|s| !s.is_empty());
        if f.area.is_empty() {
            return Err(invalid(
                f.id.to_string(),
                format!("連携推進法人「{}」の区域が空です", f.name),
                format!("alliance '{}' has no area", f.name),
                Msg::new(
                    "医療連携推進区域の市区町村を1つ以上指定してください",
                    "give at least one municipality of its area",
                ),
            ));
        }
        for (i, m) in f.area.iter().enumerate() {
            if m.pref() != f.pref {
                return Err(invalid(
                    m.to_string(),
                    format!("区域の市区町村 {m} が都道府県 {} にありません", f.pref),
                    format!(
                        "municipality {m} of the area is not in prefecture {}",
                        f.pref
                    ),
                    Msg::new(
                        "連携推進法人の都道府県の市区町村を指定してください",
                        "give municipalities of the alliance's prefecture",
                    ),
                ));
            }
            if f.area[..i].contains(m) {
                return Err(invalid(
                    m.to_string(),
                    format!("区域の市区町村 {m} が重複しています"),
                    format!("municipality {m} is listed twice in the area"),
                    Msg::new("1回だけ指定してください", "list it once"),
                ));
            }
        }
        for p in &f.policies {
            let n = p.chars().count();
            if p.trim().is_empty() || n > MAX_POLICY_CHARS || p.chars().any(char::is_control) {
                return Err(invalid(
                    p.clone(),
                    format!("方針「{p}」は使えません"),
                    format!("policy '{p}' is not usable"),
                    Msg::new(
                        "1〜200文字で、制御文字を含めずに書いてください",
                        "write 1 to 200 characters without control characters",
                    ),
                ));
            }
        }
        match (f.synthetic, &f.source) {
            (true, Some(_)) => Err(invalid(
                f.id.to_string(),
                "架空の連携推進法人に出典が付いています".into(),
                "a synthetic alliance carries a source credit".into(),
                Msg::new(
                    "架空（synthetic）の連携推進法人には出典を付けないでください",
                    "leave the source empty for synthetic alliances",
                ),
            )),
            (false, None) => Err(invalid(
                f.id.to_string(),
                format!("実在の連携推進法人「{}」に出典がありません", f.name),
                format!("real alliance '{}' has no source credit", f.name),
                Msg::new(
                    "公表元（例: 都道府県のページ）を出典に書くか、架空として登録してください",
                    "credit where the facts are published, or mark it synthetic",
                ),
            )),
            _ => Ok(Self(f)),
        }
    }
    pub fn into_fields(self) -> AllianceFields {
        self.0
    }
}

/// A facility a member corporation brings to the alliance, as the alliance lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFacility {
    pub name: Name,
    pub kind: MemberFacilityKind,
    /// The facility in the register, when it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<FacilityId>,
}

/// A member corporation (参加法人) of an alliance over its membership: from the day it joined
/// to the day it left (the last day it was a member), if it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AllianceMemberFields", into = "AllianceMemberFields")]
pub struct AllianceMember(AllianceMemberFields);

/// The fields of a member, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllianceMemberFields {
    pub alliance: AllianceId,
    /// The corporation's name (法人名), its key within the alliance.
    pub corporation: Name,
    pub joined: NaiveDate,
    /// The last day it was a member; after `joined`.
    pub left: Option<NaiveDate>,
    /// Its facilities in the alliance, each name once.
    pub facilities: Vec<MemberFacility>,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(AllianceMember, AllianceMemberFields);

impl AllianceMember {
    /// Checks the fields: it leaves after it joins, lists each facility once, and its note
    /// has at most 1,000 characters.
    pub fn new(f: AllianceMemberFields) -> Result<Self, ValueError> {
        if let Some(left) = f.left
            && left <= f.joined
        {
            return Err(invalid(
                format!("{} – {left}", f.joined),
                format!(
                    "「{}」の脱退日（{left}）が参加日（{}）以前です",
                    f.corporation, f.joined
                ),
                format!(
                    "'{}' leaves ({left}) on or before it joins ({})",
                    f.corporation, f.joined
                ),
                Msg::new(
                    "脱退日を参加日より後にしてください",
                    "make the day it left later than the day it joined",
                ),
            ));
        }
        for (i, x) in f.facilities.iter().enumerate() {
            if f.facilities[..i].iter().any(|y| y.name == x.name) {
                return Err(invalid(
                    x.name.to_string(),
                    format!("施設「{}」が重複しています", x.name),
                    format!("facility '{}' is listed twice", x.name),
                    Msg::new("1回だけ指定してください", "list it once"),
                ));
            }
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    /// Whether it is a member on the day: joined on or before it, and not left before it.
    pub fn on(&self, day: NaiveDate) -> bool {
        self.0.joined <= day && self.0.left.is_none_or(|l| day <= l)
    }
}

/// The most minutes a person can work in a month (31 days of 24 hours).
pub const MAX_LOAN_MONTH_MINUTES: i64 = 31 * 24 * 60;

/// The minutes a lent person worked at the borrower in one month, and how many of them were
/// overtime (時間外・休日労働).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanMonth {
    /// The first day of the month.
    pub month: NaiveDate,
    /// 0 to 31 × 24 × 60.
    pub minutes: i64,
    /// 0 to `minutes`.
    pub overtime: i64,
}

/// A staff loan (職員の相互派遣・人事交流): a person lent by one member corporation of an
/// alliance to another over a period, with the minutes worked at the borrower per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StaffLoanFields", into = "StaffLoanFields")]
pub struct StaffLoan(StaffLoanFields);

/// The fields of a staff loan, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffLoanFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The lending member corporation.
    pub from: Name,
    /// The borrowing member corporation; not `from`.
    pub to: Name,
    /// The person's name.
    pub person: Name,
    /// The person in the register, when a doctor of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctor: Option<DoctorId>,
    pub role: LoanRole,
    pub start: NaiveDate,
    /// The last day; on or after `start`, at most two years later.
    pub end: NaiveDate,
    /// Minutes worked at the borrower per month, each month of the period at most once.
    pub hours: Vec<LoanMonth>,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(StaffLoan, StaffLoanFields);

fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

impl StaffLoan {
    /// Checks the fields: two different members, a period of at most two years, months of the
    /// period (first days), each once, with minutes in range and overtime within them, a
    /// doctor's role when a doctor is given, and a note of at most 1,000 characters.
    pub fn new(mut f: StaffLoanFields) -> Result<Self, ValueError> {
        if f.from == f.to {
            return Err(invalid(
                f.to.to_string(),
                format!("貸出元と受入先が同じ法人「{}」です", f.to),
                format!(
                    "the lender and the borrower are the same corporation '{}'",
                    f.to
                ),
                Msg::new(
                    "受入先（to）に貸出元と異なる参加法人を指定してください",
                    "give another member corporation as the borrower (to)",
                ),
            ));
        }
        if f.end < f.start
            || f.start
                .checked_add_months(chrono::Months::new(24))
                .is_none_or(|limit| f.end >= limit)
        {
            return Err(invalid(
                format!("{} – {}", f.start, f.end),
                format!("派遣期間 {} – {} が不正です", f.start, f.end),
                format!("the loan period {} – {} is not valid", f.start, f.end),
                Msg::new(
                    "終了日（end）を開始日以降、2年以内にしてください",
                    "make the end on or after the start and within two years of it",
                ),
            ));
        }
        if f.doctor.is_some() && f.role != LoanRole::Doctor {
            return Err(invalid(
                f.role.code(),
                format!("医師IDがあるのに職種が「{}」です", f.role.label(Lang::Ja)),
                format!(
                    "a doctor id is given but the role is '{}'",
                    f.role.label(Lang::En)
                ),
                Msg::new(
                    "職種（role）を医師にするか、医師IDを外してください",
                    "make the role doctor, or leave the doctor id out",
                ),
            ));
        }
        let (first, last) = (first_of(f.start), first_of(f.end));
        f.hours.sort_by_key(|h| h.month);
        for (i, h) in f.hours.iter().enumerate() {
            let at = h.month.format("%Y-%m").to_string();
            if h.month.day() != 1 || h.month < first || h.month > last {
                return Err(invalid(
                    h.month.to_string(),
                    format!(
                        "月 {} が派遣期間 {} – {} の月ではありません",
                        h.month, f.start, f.end
                    ),
                    format!(
                        "month {} is not a month of the loan {} – {}",
                        h.month, f.start, f.end
                    ),
                    Msg::new(
                        "期間内の月の初日（例: 2025-04-01）を指定してください",
                        "give the first day of a month within the period (e.g. 2025-04-01)",
                    ),
                ));
            }
            if i > 0 && f.hours[i - 1].month == h.month {
                return Err(invalid(
                    at.clone(),
                    format!("{at} の勤務時間が重複しています"),
                    format!("the hours of {at} are given twice"),
                    Msg::new("1か月1回だけ指定してください", "give each month once"),
                ));
            }
            if !(0..=MAX_LOAN_MONTH_MINUTES).contains(&h.minutes)
                || !(0..=h.minutes).contains(&h.overtime)
            {
                return Err(invalid(
                    format!("{}/{}", h.minutes, h.overtime),
                    format!(
                        "{at} の勤務時間（{} 分、うち時間外 {} 分）が範囲外です",
                        h.minutes, h.overtime
                    ),
                    format!(
                        "the minutes of {at} ({}, overtime {}) are out of range",
                        h.minutes, h.overtime
                    ),
                    Msg::new(
                        "勤務時間（minutes）は0〜44640分、時間外（overtime）は0〜勤務時間にしてください",
                        "keep minutes within 0 to 44,640 and overtime within 0 to minutes",
                    ),
                ));
            }
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> StaffLoanFields {
        self.0
    }
    /// The same loan with the id the store gave it.
    pub fn with_id(self, id: u64) -> Self {
        Self(StaffLoanFields { id, ..self.0 })
    }
    /// The minutes worked in the month (0 when none are recorded).
    pub fn month(&self, month: NaiveDate) -> Option<&LoanMonth> {
        let m = first_of(month);
        self.0.hours.iter().find(|h| h.month == m)
    }
    /// Total minutes worked at the borrower in the months `from..=to` (first days or any day
    /// of them).
    pub fn minutes_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (from, to) = (first_of(from), first_of(to));
        self.0
            .hours
            .iter()
            .filter(|h| from <= h.month && h.month <= to)
            .map(|h| h.minutes)
            .sum()
    }
}

/// The most characters of an equipment's kind and location.
pub const MAX_EQUIPMENT_KIND_CHARS: usize = 100;
/// The most characters of a booking's purpose.
pub const MAX_PURPOSE_CHARS: usize = 500;
/// The longest booking, in days.
pub const MAX_BOOKING_DAYS: i64 = 14;

/// A piece of shared equipment (共同利用機器) of an alliance: a device a member corporation
/// owns and lends to the other members by booking (e.g. 移動式X線装置, 超音波診断装置).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EquipmentFields", into = "EquipmentFields")]
pub struct Equipment(EquipmentFields);

/// The fields of a piece of equipment, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquipmentFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The owning member corporation.
    pub owner: Name,
    pub name: Name,
    /// Free text, 1 to 100 characters (e.g. 画像診断).
    pub kind: String,
    /// Where it is kept, up to 100 characters.
    pub location: String,
    /// Up to 1,000 characters.
    pub note: String,
}

checked_record!(Equipment, EquipmentFields);

/// Checks a short free text: at most `max` characters, no control characters, and not blank
/// when `required`.
pub(crate) fn short_text(
    field: &str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), ValueError> {
    let n = s.chars().count();
    if (required && s.trim().is_empty()) || n > max || s.chars().any(char::is_control) {
        return Err(invalid(
            s.to_string(),
            format!("{field}「{s}」は使えません"),
            format!("{field} '{s}' is not usable"),
            Msg::new(
                format!(
                    "{field}は{}{max}文字以内で、制御文字を含めずに書いてください",
                    if required { "1文字以上、" } else { "" }
                ),
                format!(
                    "write {}at most {max} characters without control characters in {field}",
                    if required { "1 to " } else { "" }
                ),
            ),
        ));
    }
    Ok(())
}

impl Equipment {
    /// Checks the fields: a kind of 1 to 100 characters, a location of at most 100, and a
    /// note of at most 1,000, none with control characters.
    pub fn new(f: EquipmentFields) -> Result<Self, ValueError> {
        short_text("kind", &f.kind, MAX_EQUIPMENT_KIND_CHARS, true)?;
        short_text("location", &f.location, MAX_EQUIPMENT_KIND_CHARS, false)?;
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> EquipmentFields {
        self.0
    }
    /// The same equipment with the id the store gave it.
    pub fn with_id(self, id: u64) -> Self {
        Self(EquipmentFields { id, ..self.0 })
    }
}

/// A booking of a piece of shared equipment by a member corporation over a period of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BookingFields", into = "BookingFields")]
pub struct Booking(BookingFields);

/// The fields of a booking, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    /// The equipment's id.
    pub equipment: u64,
    /// The booking member corporation.
    pub by: Name,
    pub start: chrono::NaiveDateTime,
    /// After `start`, at most 14 days later; the booking holds `start..end`.
    pub end: chrono::NaiveDateTime,
    /// Up to 500 characters.
    pub purpose: String,
}

checked_record!(Booking, BookingFields);

impl Booking {
    /// Checks the fields: an end after the start and at most 14 days later, and a purpose of
    /// at most 500 characters without control characters.
    pub fn new(f: BookingFields) -> Result<Self, ValueError> {
        if f.end <= f.start || f.end - f.start > chrono::Duration::days(MAX_BOOKING_DAYS) {
            return Err(invalid(
                format!("{} – {}", f.start, f.end),
                format!("予約期間 {} – {} が不正です", f.start, f.end),
                format!("the booking period {} – {} is not valid", f.start, f.end),
                Msg::new(
                    "終了（end）を開始より後、14日以内にしてください",
                    "make the end later than the start and within 14 days of it",
                ),
            ));
        }
        short_text("purpose", &f.purpose, MAX_PURPOSE_CHARS, false)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> BookingFields {
        self.0
    }
    /// The same booking with the id the store gave it.
    pub fn with_id(self, id: u64) -> Self {
        Self(BookingFields { id, ..self.0 })
    }
    /// Whether it shares time with `other` (touching ends do not).
    pub fn overlaps(&self, other: &Booking) -> bool {
        self.0.start < other.end && other.start < self.0.end
    }
    /// Its minutes within `from..to` (0 outside).
    pub fn minutes_within(&self, from: chrono::NaiveDateTime, to: chrono::NaiveDateTime) -> i64 {
        let (s, e) = (self.0.start.max(from), self.0.end.min(to));
        if e > s { (e - s).num_minutes() } else { 0 }
    }
}

#[cfg(test)]
mod equipment_tests {
    use super::*;

    fn at(s: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn booking(start: &str, end: &str) -> BookingFields {
        BookingFields {
            id: 0,
            equipment: 1,
            by: Name::parse("医療法人社団誠馨会").unwrap(),
            start: at(start),
            end: at(end),
            purpose: "訪問診療".into(),
        }
    }

    #[test]
    fn equipment_checks_kind_and_location() {
        let f = EquipmentFields {
            id: 0,
            alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
            owner: Name::parse("医療法人社団誠馨会").unwrap(),
            name: Name::parse("移動式X線装置").unwrap(),
            kind: "画像診断".into(),
            location: "放射線科".into(),
            note: String::new(),
        };
        assert!(Equipment::new(f.clone()).is_ok());
        let e = Equipment::new(EquipmentFields {
            kind: " ".into(),
            ..f.clone()
        })
        .unwrap_err();
        assert!(format!("{e:?}").contains("kind"));
        assert!(
            Equipment::new(EquipmentFields {
                kind: "x".repeat(101),
                ..f.clone()
            })
            .is_err()
        );
        let json = serde_json::to_value(Equipment::new(f.clone()).unwrap()).unwrap();
        let back: Equipment = serde_json::from_value(json).unwrap();
        assert_eq!(back.fields(), &f);
    }

    #[test]
    fn bookings_end_after_start_within_fourteen_days() {
        assert!(Booking::new(booking("2025-04-01 09:00", "2025-04-01 12:00")).is_ok());
        assert!(Booking::new(booking("2025-04-01 09:00", "2025-04-15 09:00")).is_ok());
        assert!(Booking::new(booking("2025-04-01 09:00", "2025-04-15 09:01")).is_err());
        assert!(Booking::new(booking("2025-04-01 09:00", "2025-04-01 09:00")).is_err());
        assert!(
            Booking::new(BookingFields {
                purpose: "x".repeat(501),
                ..booking("2025-04-01 09:00", "2025-04-01 12:00")
            })
            .is_err()
        );
    }

    #[test]
    fn overlaps_and_clipping() {
        let a = Booking::new(booking("2025-04-01 09:00", "2025-04-01 12:00")).unwrap();
        let b = Booking::new(booking("2025-04-01 12:00", "2025-04-01 13:00")).unwrap();
        let c = Booking::new(booking("2025-04-01 11:00", "2025-04-01 13:00")).unwrap();
        assert!(!a.overlaps(&b) && !b.overlaps(&a));
        assert!(a.overlaps(&c) && c.overlaps(&a) && b.overlaps(&c));
        assert_eq!(
            a.minutes_within(at("2025-04-01 10:00"), at("2025-04-02 00:00")),
            120
        );
        assert_eq!(
            a.minutes_within(at("2025-04-02 00:00"), at("2025-04-03 00:00")),
            0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields() -> AllianceFields {
        AllianceFields {
            id: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
            name: Name::parse("東葛南部メディカルアライアンス").unwrap(),
            pref: PrefCode::new(12).unwrap(),
            certified: day("2024-09-17"),
            area: vec![
                LgCode::parse("122041").unwrap(),
                LgCode::parse("12216").unwrap(),
            ],
            policies: vec!["共同研修・相互派遣".into()],
            source: Some("千葉県".into()),
            synthetic: false,
        }
    }

    fn member() -> AllianceMemberFields {
        AllianceMemberFields {
            alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
            corporation: Name::parse("医療法人社団誠馨会").unwrap(),
            joined: day("2025-04-01"),
            left: None,
            facilities: vec![MemberFacility {
                name: Name::parse("セコメディック病院").unwrap(),
                kind: MemberFacilityKind::Hospital,
                facility: None,
            }],
            note: String::new(),
        }
    }

    #[test]
    fn alliance_ids_follow_the_identifier_rules() {
        assert!(AllianceId::parse("12-TOKATSU-NANBU").is_ok());
        assert_eq!(
            AllianceId::parse("１２-ＴＯＫＡＴＳＵ").unwrap().as_str(),
            "12-TOKATSU"
        );
        assert!(AllianceId::parse("東葛南部").is_err());
        assert!(AllianceId::parse("").is_err());
    }

    #[test]
    fn an_alliance_has_an_area_in_its_prefecture_and_a_source_when_real() {
        assert!(Alliance::new(fields()).is_ok());
        let mut f = fields();
        f.area.clear();
        assert!(Alliance::new(f).is_err());
        let mut f = fields();
        f.area.push(LgCode::parse("03201").unwrap());
        let e = Alliance::new(f).unwrap_err();
        assert!(e.to_string().contains("not in prefecture"), "{e}");
        let mut f = fields();
        f.area.push(f.area[0]);
        assert!(Alliance::new(f).is_err());
        let mut f = fields();
        f.policies.push(" ".into());
        assert!(Alliance::new(f).is_err());
        let mut f = fields();
        f.source = None;
        assert!(Alliance::new(f).is_err());
        let mut f = fields();
        f.synthetic = true;
        assert!(Alliance::new(f.clone()).is_err());
        f.source = None;
        assert!(Alliance::new(f).is_ok());
    }

    #[test]
    fn invalid_alliances_do_not_deserialise() {
        let a = Alliance::new(fields()).unwrap();
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(serde_json::from_value::<Alliance>(json.clone()).unwrap(), a);
        let mut bad = json;
        bad["area"] = serde_json::json!([]);
        assert!(serde_json::from_value::<Alliance>(bad).is_err());
    }

    #[test]
    fn a_member_leaves_after_it_joins_and_is_a_member_in_between() {
        let m = AllianceMember::new(member()).unwrap();
        assert!(!m.on(day("2025-03-31")));
        assert!(m.on(day("2025-04-01")));
        let mut f = member();
        f.left = Some(day("2025-04-01"));
        assert!(AllianceMember::new(f.clone()).is_err());
        f.left = Some(day("2026-03-31"));
        let m = AllianceMember::new(f).unwrap();
        assert!(m.on(day("2026-03-31")));
        assert!(!m.on(day("2026-04-01")));
        let mut f = member();
        f.facilities.push(f.facilities[0].clone());
        assert!(AllianceMember::new(f).is_err());
        let mut f = member();
        f.note = "あ".repeat(1001);
        assert!(AllianceMember::new(f).is_err());
        let json = serde_json::json!({
            "alliance": "12-TOKATSU-NANBU", "corporation": "", "joined": "2025-04-01",
            "left": null, "facilities": [], "note": ""
        });
        assert!(serde_json::from_value::<AllianceMember>(json).is_err());
    }

    #[test]
    fn member_facility_kinds_read_the_alliance_spellings() {
        assert_eq!(
            MemberFacilityKind::parse("歯科医院").unwrap(),
            MemberFacilityKind::DentalClinic
        );
        assert_eq!(
            MemberFacilityKind::parse("介護老人保健施設").unwrap(),
            MemberFacilityKind::CareFacility
        );
        for k in MemberFacilityKind::ALL {
            assert_eq!(MemberFacilityKind::parse(k.code()).unwrap(), *k);
        }
    }

    fn loan() -> StaffLoanFields {
        StaffLoanFields {
            id: 0,
            alliance: AllianceId::parse("12-TOKATSU-NANBU").unwrap(),
            from: Name::parse("医療法人社団誠馨会").unwrap(),
            to: Name::parse("医療法人沖縄徳洲会").unwrap(),
            person: Name::parse("千葉 花子").unwrap(),
            doctor: Some(DoctorId::parse("D-0001").unwrap()),
            role: LoanRole::Doctor,
            start: day("2025-04-15"),
            end: day("2025-06-30"),
            hours: vec![
                LoanMonth {
                    month: day("2025-05-01"),
                    minutes: 9600,
                    overtime: 1800,
                },
                LoanMonth {
                    month: day("2025-04-01"),
                    minutes: 4800,
                    overtime: 600,
                },
            ],
            note: String::new(),
        }
    }

    #[test]
    fn a_loan_is_between_two_members_over_its_months() {
        let l = StaffLoan::new(loan()).unwrap();
        assert_eq!(
            l.hours[0].month,
            day("2025-04-01"),
            "months are kept in order"
        );
        assert_eq!(l.month(day("2025-05-20")).unwrap().overtime, 1800);
        assert!(l.month(day("2025-06-01")).is_none());
        assert_eq!(
            l.minutes_between(day("2025-04-01"), day("2025-05-01")),
            14400
        );
        assert_eq!(
            l.minutes_between(day("2025-05-01"), day("2025-05-01")),
            9600
        );
        let mut f = loan();
        f.to = f.from.clone();
        let e = StaffLoan::new(f).unwrap_err();
        assert!(e.to_string().contains("borrower"), "{e}");
        let mut f = loan();
        f.end = day("2025-04-14");
        assert!(StaffLoan::new(f).is_err());
        let mut f = loan();
        f.end = day("2027-04-15");
        assert!(StaffLoan::new(f).is_err());
        let mut f = loan();
        f.end = day("2027-04-14");
        f.hours.clear();
        assert!(StaffLoan::new(f).is_ok());
        let mut f = loan();
        f.hours[0].month = day("2025-07-01");
        assert!(StaffLoan::new(f).is_err(), "a month after the period");
        let mut f = loan();
        f.hours[0].month = day("2025-05-02");
        assert!(StaffLoan::new(f).is_err(), "not a first day");
        let mut f = loan();
        f.hours[0].month = day("2025-04-01");
        assert!(StaffLoan::new(f).is_err(), "a month twice");
        let mut f = loan();
        f.hours[0].overtime = 9601;
        assert!(StaffLoan::new(f).is_err());
        let mut f = loan();
        f.hours[0].minutes = MAX_LOAN_MONTH_MINUTES + 1;
        f.hours[0].overtime = 0;
        assert!(StaffLoan::new(f).is_err());
        let mut f = loan();
        f.hours[0].overtime = -1;
        assert!(StaffLoan::new(f).is_err());
        let mut f = loan();
        f.role = LoanRole::Nurse;
        assert!(
            StaffLoan::new(f.clone()).is_err(),
            "a doctor id with another role"
        );
        f.doctor = None;
        assert!(StaffLoan::new(f).is_ok());
        let mut f = loan();
        f.note = "あ".repeat(1001);
        assert!(StaffLoan::new(f).is_err());
    }

    #[test]
    fn invalid_loans_do_not_deserialise_and_roles_read_japanese() {
        let l = StaffLoan::new(loan()).unwrap();
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(
            serde_json::from_value::<StaffLoan>(json.clone()).unwrap(),
            l
        );
        let mut bad = json;
        bad["to"] = bad["from"].clone();
        assert!(serde_json::from_value::<StaffLoan>(bad).is_err());
        assert_eq!(LoanRole::parse("看護師").unwrap(), LoanRole::Nurse);
        assert_eq!(LoanRole::parse("理学療法士").unwrap(), LoanRole::Therapist);
        for r in LoanRole::ALL {
            assert_eq!(LoanRole::parse(r.code()).unwrap(), *r);
        }
    }
}
