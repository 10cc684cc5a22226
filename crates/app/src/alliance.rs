//! Regional medical alliances (地域医療連携推進法人): the registry of alliances and their member
//! corporations, read within the principal's prefecture, and the demo's alliance, 東葛南部
//! メディカルアライアンス (Chiba), as the prefecture publishes it.

use chiiki_domain::{
    Alliance, AllianceFields, AllianceId, AllianceMember, AllianceMemberFields, LgCode,
    MemberFacility, MemberFacilityKind, Msg, NaiveDate, Name, PrefCode, Role, StaffLoan,
};
use chiiki_domain::{Booking, Equipment};
use chiiki_store::{LoanFilter, Store, StoreError};
use chiiki_tabular::{Cell, Sheet};
use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;

use crate::AppError;
use crate::access::{Denied, Principal};

/// The credit line of the demo's alliance.
pub const TOKATSU_NANBU_SOURCE: &str =
    "千葉県 健康福祉部 医療整備課『地域医療連携推進法人について』";

/// What a principal may do in an alliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AllianceAccess {
    /// See the alliance, its members, equipment and bookings, and its operations.
    pub read: bool,
    /// Record loans, add equipment and book it, run the alliance's operations.
    pub manage: bool,
    /// Read what names persons (the staff loans).
    pub personal: bool,
}

/// Who may do what in an alliance: administrators everything; the centre's coordinators of
/// its prefecture everything; auditors of its prefecture (or of the whole country) read,
/// persons too; its own secretariat everything; no one else anything (a facility or a
/// doctor account, another alliance's secretariat, another prefecture).
pub fn access(who: &Principal, alliance: &Alliance) -> AllianceAccess {
    let in_pref = who.scope_pref().is_none_or(|p| p == alliance.pref);
    let (read, manage) = match who.role {
        Role::Admin => (true, true),
        Role::Coordinator => (in_pref, in_pref),
        Role::Auditor => (in_pref, false),
        Role::Secretariat => {
            let own = in_pref && who.alliance.as_ref() == Some(&alliance.id);
            (own, own)
        }
        Role::Facility | Role::Doctor => (false, false),
    };
    AllianceAccess {
        read,
        manage,
        personal: read,
    }
}

/// Whether alliances are in the principal's navigation: those who may read some alliance.
pub fn may_open(who: &Principal) -> bool {
    matches!(
        who.role,
        Role::Admin | Role::Coordinator | Role::Auditor | Role::Secretariat
    )
}

/// The alliances of a prefecture (all those in the principal's scope when None) that the
/// principal may read, by id: a secretariat's own.
pub async fn alliances(
    store: &dyn Store,
    who: &Principal,
    pref: Option<PrefCode>,
) -> Result<Vec<Alliance>, AppError> {
    let pref = who.region_pref(pref)?;
    Ok(store
        .list_alliances(pref)
        .await?
        .into_iter()
        .filter(|a| access(who, a).read)
        .collect())
}

/// The member corporations of an alliance (of every alliance in the principal's scope when
/// None), those that are members on the day when given, by alliance, then the day they joined.
/// An alliance outside the scope is missing, as one that does not exist.
pub async fn members(
    store: &dyn Store,
    who: &Principal,
    alliance: Option<&AllianceId>,
    on: Option<NaiveDate>,
) -> Result<Vec<AllianceMember>, AppError> {
    let ids: Vec<AllianceId> = match alliance {
        Some(id) => vec![in_scope(store, who, id).await?.id.clone()],
        None => alliances(store, who, None)
            .await?
            .into_iter()
            .map(|a| a.id.clone())
            .collect(),
    };
    let mut out = Vec::new();
    for id in &ids {
        out.extend(store.list_alliance_members(id, on).await?);
    }
    Ok(out)
}

/// The alliance, when the principal may read it; `Missing` otherwise, as one that does not
/// exist.
pub async fn in_scope(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Alliance, AppError> {
    store
        .get_alliance(id)
        .await?
        .filter(|a| access(who, a).read)
        .ok_or_else(|| {
            StoreError::Missing {
                what: format!("the alliance {id}"),
            }
            .into()
        })
}

/// The alliance, when the principal may run its operations: `Missing` when they may not read
/// it, `Denied` when they may only read it.
pub async fn managed(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Alliance, AppError> {
    let a = in_scope(store, who, id).await?;
    if !access(who, &a).manage {
        return Err(AppError::Denied(Denied(Msg::new(
            "この連携推進法人の業務を行う権限がありません",
            "you may read this alliance but not run its operations",
        ))));
    }
    Ok(a)
}

/// Records a staff loan (id 0: a new one, numbered by the store; else replaces that loan) and
/// returns it as stored. Who may: those who manage the alliance ([`access`]), of the replaced
/// loan's alliance too. The members must be members on the start day and the doctor in the
/// register (the store refuses otherwise).
pub async fn record_loan(
    store: &dyn Store,
    who: &Principal,
    input: StaffLoan,
) -> Result<StaffLoan, AppError> {
    let alliance = managed(store, who, &input.alliance).await?;
    // A lent doctor is one of the alliance's prefecture: their hours are counted there.
    if let Some(d) = &input.doctor
        && let Some(chiiki_domain::Record::Doctor(doctor)) = store
            .get(chiiki_domain::Entity::Doctors, d.as_str())
            .await?
        && doctor.pref != alliance.pref
    {
        return Err(crate::placement::rejected(
            format!(
                "医師 {d} は{}の医師です。連携推進法人と同じ{}の医師だけを記録できます",
                doctor.pref.name_ja(),
                alliance.pref.name_ja()
            ),
            format!(
                "the doctor {d} is registered in {}: only doctors of the alliance's prefecture ({}) can be recorded",
                doctor.pref.name_en(),
                alliance.pref.name_en()
            ),
        ));
    }
    // A loan replaced must be of an alliance in scope too (one outside it is missing).
    if input.id != 0 {
        let missing = || StoreError::Missing {
            what: format!("the staff loan {}", input.id),
        };
        let old = store.get_staff_loan(input.id).await?.ok_or_else(missing)?;
        managed(store, who, &old.alliance).await?;
    }
    Ok(store.put_staff_loan(who.actor(), &input).await?)
}

/// The staff loans of an alliance, by start day. They name persons: read by those with
/// [`AllianceAccess::personal`].
pub async fn loans(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
) -> Result<Vec<StaffLoan>, AppError> {
    let a = in_scope(store, who, alliance).await?;
    if !access(who, &a).personal {
        return Err(AppError::Denied(Denied(Msg::new(
            "貸出台帳を読む権限がありません",
            "you may not read the staff loans",
        ))));
    }
    let filter = LoanFilter {
        alliance: Some(alliance.clone()),
        ..Default::default()
    };
    Ok(store.list_staff_loans(&filter).await?)
}

/// A member's balance of staff loans over some months: minutes its staff worked at other
/// members (lent), minutes other members' staff worked at it (borrowed), and lent − borrowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub corporation: Name,
    pub lent_minutes: i64,
    pub borrowed_minutes: i64,
    pub net: i64,
}

impl Balance {
    fn zero(corporation: Name) -> Self {
        Balance {
            corporation,
            lent_minutes: 0,
            borrowed_minutes: 0,
            net: 0,
        }
    }
}

/// The balance of every member of the alliance (all it ever had, by the day they joined) over
/// the months `from_month..=to_month` (any day of them). Across members, Σ lent = Σ borrowed.
pub async fn balances(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    from_month: NaiveDate,
    to_month: NaiveDate,
) -> Result<Vec<Balance>, AppError> {
    let loans = loans(store, who, alliance).await?;
    let mut out: Vec<Balance> = store
        .list_alliance_members(alliance, None)
        .await?
        .into_iter()
        .map(|m| Balance::zero(m.corporation.clone()))
        .collect();
    for l in &loans {
        let minutes = l.minutes_between(from_month, to_month);
        for (corporation, lent) in [(&l.from, true), (&l.to, false)] {
            let i = match out.iter().position(|b| b.corporation == *corporation) {
                Some(i) => i,
                None => {
                    out.push(Balance::zero(corporation.clone()));
                    out.len() - 1
                }
            };
            let b = &mut out[i];
            if lent {
                b.lent_minutes += minutes;
            } else {
                b.borrowed_minutes += minutes;
            }
            b.net = b.lent_minutes - b.borrowed_minutes;
        }
    }
    Ok(out)
}

/// Loans as a sheet: id, alliance, from, to, person, doctor, role (Japanese), start, end,
/// months with hours, minutes and overtime minutes in all.
pub fn loans_sheet(loans: &[StaffLoan]) -> Sheet {
    Sheet {
        name: "職員派遣".into(),
        headers: [
            "id", "alliance", "from", "to", "person", "doctor", "role", "start", "end", "months",
            "minutes", "overtime",
        ]
        .map(String::from)
        .to_vec(),
        rows: loans
            .iter()
            .map(|l| {
                vec![
                    Cell::Number(l.id as f64),
                    Cell::Text(l.alliance.to_string()),
                    Cell::Text(l.from.to_string()),
                    Cell::Text(l.to.to_string()),
                    Cell::Text(l.person.to_string()),
                    Cell::Text(l.doctor.as_ref().map(|d| d.to_string()).unwrap_or_default()),
                    Cell::Text(l.role.label(chiiki_domain::Lang::Ja).to_string()),
                    Cell::date(Some(l.start)),
                    Cell::date(Some(l.end)),
                    Cell::Number(l.hours.len() as f64),
                    Cell::Number(l.hours.iter().map(|h| h.minutes).sum::<i64>() as f64),
                    Cell::Number(l.hours.iter().map(|h| h.overtime).sum::<i64>() as f64),
                ]
            })
            .collect(),
    }
}

/// Bookings as a sheet: id, equipment id, equipment name, member, start, end (YYYY-MM-DD
/// HH:MM) and purpose, by equipment, then start.
pub fn bookings_sheet(list: &[(Equipment, Vec<Booking>)]) -> Sheet {
    let t = |x: NaiveDateTime| Cell::Text(x.format("%Y-%m-%d %H:%M").to_string());
    Sheet {
        name: "機器予約".into(),
        headers: ["id", "equipment", "name", "by", "start", "end", "purpose"]
            .map(String::from)
            .to_vec(),
        rows: list
            .iter()
            .flat_map(|(e, bs)| {
                bs.iter().map(move |b| {
                    vec![
                        Cell::Number(b.id as f64),
                        Cell::Number(e.id as f64),
                        Cell::Text(e.name.to_string()),
                        Cell::Text(b.by.to_string()),
                        t(b.start),
                        t(b.end),
                        Cell::Text(b.purpose.clone()),
                    ]
                })
            })
            .collect(),
    }
}

/// Balances as a sheet: corporation, minutes lent, borrowed and the net.
pub fn balances_sheet(balances: &[Balance]) -> Sheet {
    Sheet {
        name: "派遣収支".into(),
        headers: ["corporation", "lent_minutes", "borrowed_minutes", "net"]
            .map(String::from)
            .to_vec(),
        rows: balances
            .iter()
            .map(|b| {
                vec![
                    Cell::Text(b.corporation.to_string()),
                    Cell::Number(b.lent_minutes as f64),
                    Cell::Number(b.borrowed_minutes as f64),
                    Cell::Number(b.net as f64),
                ]
            })
            .collect(),
    }
}

/// Members as a sheet: alliance, corporation, joined, left, how many facilities and their
/// names joined with 、.
pub fn members_sheet(members: &[AllianceMember]) -> Sheet {
    Sheet {
        name: "参加法人".into(),
        headers: [
            "alliance",
            "corporation",
            "joined",
            "left",
            "facilities_count",
            "facilities",
        ]
        .map(String::from)
        .to_vec(),
        rows: members
            .iter()
            .map(|m| {
                vec![
                    Cell::Text(m.alliance.to_string()),
                    Cell::Text(m.corporation.to_string()),
                    Cell::date(Some(m.joined)),
                    Cell::date(m.left),
                    Cell::Number(m.facilities.len() as f64),
                    Cell::Text(
                        m.facilities
                            .iter()
                            .map(|f| f.name.to_string())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                ]
            })
            .collect(),
    }
}

fn name(s: &str) -> Name {
    Name::parse(s).expect("a valid name")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The demo's alliance and its four member corporations, from the prefecture's page (nothing
/// invented: real, with its source). The first three corporations are taken to have joined on
/// the day of certification, 2024-09-17, as far as the source says; 医療法人社団誠馨会 was added
/// on 令和7年4月1日. Their facilities are as the alliance names them, not in the register.
pub fn tokatsu_nanbu() -> (Alliance, Vec<AllianceMember>) {
    use MemberFacilityKind::*;
    let id = AllianceId::parse("12-TOKATSU-NANBU").expect("a valid id");
    let alliance = Alliance::new(AllianceFields {
        id: id.clone(),
        name: name("地域医療連携推進法人 東葛南部メディカルアライアンス"),
        pref: PrefCode::new(12).expect("Chiba"),
        certified: day(2024, 9, 17),
        // 船橋市・習志野市・市川市・鎌ケ谷市・八千代市・浦安市, in the order of the certification.
        area: ["122041", "122165", "122033", "122246", "122211", "122271"]
            .iter()
            .map(|c| LgCode::parse(c).expect("a valid code"))
            .collect(),
        policies: [
            "地域のニーズに即した医療機能分担及び医療資源の集約化",
            "各法人の専門性や特色を活かし地域の医療水準の向上",
            "業務連携による効率的で持続可能な経営環境・医療提供体制",
            "事業: 共同研修・相互派遣",
            "事業: 医薬品等の共同購入・共同利用",
            "事業: 災害時の情報共有と相互支援",
        ]
        .map(String::from)
        .to_vec(),
        source: Some(TOKATSU_NANBU_SOURCE.into()),
        synthetic: false,
    })
    .expect("a valid alliance");
    let at_certification = "認定時の参加法人（参加日は出典に記載がなく、認定日としています） / a member at certification (the source gives no date of joining; the day of certification is used)";
    let member = |corporation: &str,
                  joined: NaiveDate,
                  note: &str,
                  facilities: &[(&str, MemberFacilityKind)]| {
        AllianceMember::new(AllianceMemberFields {
            alliance: id.clone(),
            corporation: name(corporation),
            joined,
            left: None,
            facilities: facilities
                .iter()
                .map(|(n, kind)| MemberFacility {
                    name: name(n),
                    kind: *kind,
                    facility: None,
                })
                .collect(),
            note: note.into(),
        })
        .expect("a valid member")
    };
    let members = vec![
        member(
            "医療法人社団白羽会",
            day(2024, 9, 17),
            at_certification,
            &[
                ("つばさ在宅クリニック", Clinic),
                ("つばさ在宅クリニック西船橋", Clinic),
                ("つばさ在宅クリニック新鎌ヶ谷", Clinic),
                ("つばさ歯科医院", DentalClinic),
                ("エール訪問看護ステーション", VisitingNursing),
                ("つばさ在宅居宅介護支援センター", HomeCareSupport),
                ("つばさ在宅訪問介護センター", Other),
                ("サービス付き高齢者向け住宅つばさの杜", CareFacility),
            ],
        ),
        member(
            "医療法人社団ヨゼフ会",
            day(2024, 9, 17),
            at_certification,
            &[("高木医院", Clinic)],
        ),
        member(
            "医療法人弘仁会",
            day(2024, 9, 17),
            at_certification,
            &[
                ("板倉病院", Hospital),
                ("板倉サテライトクリニック", Clinic),
                ("いたくら乳腺クリニック", Clinic),
                ("介護老人保健施設ロータスケアセンター", CareFacility),
                ("ロータス訪問看護ステーション", VisitingNursing),
                ("ロータス居宅介護支援事業所", HomeCareSupport),
                ("船橋市塚田地区地域包括支援センター", Other),
            ],
        ),
        member(
            "医療法人社団誠馨会",
            day(2025, 4, 1),
            "令和7年4月1日追加 / added on 2025-04-01",
            &[("セコメディック病院", Hospital)],
        ),
    ];
    (alliance, members)
}

/// The demo's synthetic doctor of Chiba, whom the alliance's members may lend.
pub const DEMO_CHIBA_DOCTOR: &str = "DEMO-12-001";

/// A note on every synthetic demo record of the alliance.
const SYNTHETIC: &str = "架空のデモデータ / synthetic demo data";

/// Loads the demo's alliance and its members (real, with their source), and as synthetic
/// data: a doctor of Chiba in the register ([`DEMO_CHIBA_DOCTOR`]), two pieces of shared
/// equipment and this week's bookings of them — as the actor `demo`.
pub async fn load_demo(store: &dyn Store) -> Result<(), AppError> {
    let (alliance, members) = tokatsu_nanbu();
    store.put_alliance("demo", &alliance).await?;
    for m in &members {
        store.put_alliance_member("demo", m).await?;
    }
    let doctor = chiiki_domain::Doctor::new(chiiki_domain::DoctorFields {
        id: chiiki_domain::DoctorId::parse(DEMO_CHIBA_DOCTOR).expect("a valid id"),
        synthetic: true,
        pref: alliance.pref,
        name: name("架空 千葉太郎"),
        kana: chiiki_domain::Kana::parse("カクウ チバタロウ").ok(),
        sex: chiiki_domain::Sex::Male,
        birth_date: day(1988, 6, 12),
        university: Some(name("架空医科大学")),
        graduation_date: day(2014, 3, 31),
        licence_date: Some(day(2014, 4, 25)),
        enrolment: None,
        target_specialty: Some(chiiki_domain::Specialty::InternalMedicine),
        work_hour_level: chiiki_domain::WorkHourLevel::A,
        status: chiiki_domain::RegisterStatus::Active,
        email: None,
        phone: None,
    })
    .map_err(AppError::invalid)?;
    store
        .apply(
            "demo",
            vec![chiiki_store::Change::Put(chiiki_domain::Record::Doctor(
                doctor,
            ))],
            chiiki_store::Mode::Commit,
        )
        .await?;
    let device = |owner: &str, n: &str, kind: &str, location: &str| {
        Equipment::new(chiiki_domain::EquipmentFields {
            id: 0,
            alliance: alliance.id.clone(),
            owner: name(owner),
            name: name(n),
            kind: kind.into(),
            location: location.into(),
            note: SYNTHETIC.into(),
        })
        .map_err(AppError::invalid)
    };
    let xray = store
        .put_equipment(
            "demo",
            &device(
                "医療法人弘仁会",
                "移動式X線撮影装置",
                "画像診断",
                "板倉病院",
            )?,
        )
        .await?;
    let echo = store
        .put_equipment(
            "demo",
            &device(
                "医療法人社団白羽会",
                "携帯型超音波診断装置",
                "在宅医療",
                "つばさ在宅クリニック",
            )?,
        )
        .await?;
    let today = chrono::Local::now().date_naive();
    let monday = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64);
    let at = |days: i64, h: u32| {
        (monday + chrono::Duration::days(days))
            .and_hms_opt(h, 0, 0)
            .expect("a valid time")
    };
    for (equipment, by, from, to, purpose) in [
        (
            xray.id,
            "医療法人社団誠馨会",
            at(1, 9),
            at(1, 12),
            "病棟撮影の応援",
        ),
        (
            xray.id,
            "医療法人社団ヨゼフ会",
            at(3, 13),
            at(3, 17),
            "健診",
        ),
        (echo.id, "医療法人弘仁会", at(2, 9), at(4, 18), "訪問診療"),
    ] {
        let b = Booking::new(chiiki_domain::BookingFields {
            id: 0,
            equipment,
            by: name(by),
            start: from,
            end: to,
            purpose: format!("{purpose}（{SYNTHETIC}）"),
        })
        .map_err(AppError::invalid)?;
        store.book("demo", &b).await?;
    }
    Ok(())
}

/// A synthetic alliance of Iwate (the demo's prefecture) with members A, B and C from
/// 2025-04-01, for tests.
#[cfg(test)]
pub(crate) async fn iwate_alliance(store: &dyn Store) -> AllianceId {
    let id = AllianceId::parse("03-TEST").expect("a valid id");
    let a = Alliance::new(AllianceFields {
        id: id.clone(),
        name: name("テスト連携推進法人"),
        pref: PrefCode::new(3).expect("Iwate"),
        certified: day(2025, 4, 1),
        area: vec![LgCode::parse("03201").expect("Morioka")],
        policies: vec![],
        source: None,
        synthetic: true,
    })
    .expect("a valid alliance");
    store.put_alliance("test", &a).await.expect("stored");
    for c in ["法人A", "法人B", "法人C"] {
        let m = AllianceMember::new(AllianceMemberFields {
            alliance: id.clone(),
            corporation: name(c),
            joined: day(2025, 4, 1),
            left: None,
            facilities: vec![],
            note: String::new(),
        })
        .expect("a valid member");
        store.put_alliance_member("test", &m).await.expect("stored");
    }
    id
}

/// A loan for tests: the doctor, when given, lent from one member to another, with overtime
/// per month (minutes worked four times it).
#[cfg(test)]
pub(crate) fn test_loan(
    alliance: &AllianceId,
    from: &str,
    to: &str,
    doctor: Option<&str>,
    months: &[(u32, i64)],
) -> StaffLoan {
    use chiiki_domain::{DoctorId, LoanMonth, LoanRole, StaffLoanFields};
    StaffLoan::new(StaffLoanFields {
        id: 0,
        alliance: alliance.clone(),
        from: name(from),
        to: name(to),
        person: name("派遣 太郎"),
        doctor: doctor.map(|d| DoctorId::parse(d).expect("a valid id")),
        role: if doctor.is_some() {
            LoanRole::Doctor
        } else {
            LoanRole::Nurse
        },
        start: day(2025, 4, 1),
        end: day(2026, 3, 31),
        hours: months
            .iter()
            .map(|&(m, overtime)| LoanMonth {
                month: day(if m >= 4 { 2025 } else { 2026 }, m, 1),
                minutes: overtime * 4,
                overtime,
            })
            .collect(),
        note: String::new(),
    })
    .expect("a valid loan")
}

/// Adds a piece of shared equipment to an alliance (id 0: a new one, numbered by the store;
/// else replaces that one) and returns it as stored. Who may: as for [`record_loan`].
pub async fn add_equipment(
    store: &dyn Store,
    who: &Principal,
    input: Equipment,
) -> Result<Equipment, AppError> {
    managed(store, who, &input.alliance).await?;
    if input.id != 0 {
        let old = equipment_in_scope(store, who, input.id).await?;
        managed(store, who, &old.alliance).await?;
    }
    Ok(store.put_equipment(who.actor(), &input).await?)
}

/// The equipment, when its alliance is in the principal's scope; `Missing` otherwise.
async fn equipment_in_scope(
    store: &dyn Store,
    who: &Principal,
    id: u64,
) -> Result<Equipment, AppError> {
    let missing = || StoreError::Missing {
        what: format!("the equipment {id}"),
    };
    let e = store.get_equipment(id).await?.ok_or_else(missing)?;
    in_scope(store, who, &e.alliance)
        .await
        .map_err(|_| missing())?;
    Ok(e)
}

/// Books a piece of shared equipment and returns the booking as stored. Who may: as for
/// [`record_loan`]. A booking that overlaps another of the same equipment is refused, the
/// other booking named (its number, member and times) in Japanese and English.
pub async fn book(store: &dyn Store, who: &Principal, input: Booking) -> Result<Booking, AppError> {
    let equipment = equipment_in_scope(store, who, input.equipment).await?;
    managed(store, who, &equipment.alliance).await?;
    match store.book(who.actor(), &input).await {
        Ok(b) => Ok(b),
        Err(StoreError::Exists { what }) => {
            let other = store
                .list_bookings(input.equipment, input.start, input.end)
                .await?
                .into_iter()
                .find(|o| o.overlaps(&input));
            let Some(o) = other else {
                return Err(crate::placement::said(StoreError::Exists { what }));
            };
            let t = |x: NaiveDateTime| x.format("%Y-%m-%d %H:%M").to_string();
            Err(crate::placement::rejected(
                format!(
                    "「{}」（機器 {}）は予約 {}（{}、{} – {}）と重なるため予約できません",
                    equipment.name,
                    equipment.id,
                    o.id,
                    o.by,
                    t(o.start),
                    t(o.end)
                ),
                format!(
                    "'{}' (equipment {}) cannot be booked: it overlaps booking {} ({}, {} – {})",
                    equipment.name,
                    equipment.id,
                    o.id,
                    o.by,
                    t(o.start),
                    t(o.end)
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancels a booking. Who may: as for [`record_loan`]; a booking of an alliance outside the
/// scope is missing.
pub async fn cancel_booking(store: &dyn Store, who: &Principal, id: u64) -> Result<(), AppError> {
    let missing = || StoreError::Missing {
        what: format!("the booking {id}"),
    };
    let b = store.get_booking(id).await?.ok_or_else(missing)?;
    let e = equipment_in_scope(store, who, b.equipment)
        .await
        .map_err(|_| missing())?;
    managed(store, who, &e.alliance).await?;
    Ok(store.cancel_booking(who.actor(), id).await?)
}

/// The equipment of an alliance, each with its bookings that share time with `from..to`.
pub async fn bookings(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<(Equipment, Vec<Booking>)>, AppError> {
    in_scope(store, who, alliance).await?;
    let mut out = Vec::new();
    for e in store.list_equipment(alliance).await? {
        let b = store.list_bookings(e.id, from, to).await?;
        out.push((e, b));
    }
    Ok(out)
}

/// The use of a piece of equipment over a period: its bookings that share time with it and
/// their hours clipped to it, in all and per booking member (by name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Usage {
    pub equipment: u64,
    pub name: Name,
    pub bookings: usize,
    pub hours: f64,
    pub by_member: Vec<(Name, f64)>,
}

/// The use of each piece of equipment of an alliance over `from..to`, by equipment id.
pub async fn usage(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<Usage>, AppError> {
    let mut out = Vec::new();
    for (e, bs) in bookings(store, who, alliance, from, to).await? {
        let mut minutes = std::collections::BTreeMap::<Name, i64>::new();
        for b in &bs {
            *minutes.entry(b.by.clone()).or_default() += b.minutes_within(from, to);
        }
        let hours = |m: i64| m as f64 / 60.0;
        out.push(Usage {
            equipment: e.id,
            name: e.name.clone(),
            bookings: bs.len(),
            hours: hours(minutes.values().sum()),
            by_member: minutes.into_iter().map(|(n, m)| (n, hours(m))).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{Lang, Role, Username};
    use chiiki_store::testing;

    fn coordinator(pref: u8) -> Principal {
        Principal {
            alliance: None,
            username: Username::parse("coordinator").unwrap(),
            display_name: "test".into(),
            role: Role::Coordinator,
            pref: PrefCode::new(pref).ok(),
            facility: None,
            doctor: None,
        }
    }

    #[tokio::test]
    async fn the_demo_alliance_has_four_members_one_added_in_2025() {
        let t = testing::sqlite().await;
        let store = t.store();
        load_demo(store).await.unwrap();
        let admin = Principal::system("test");
        let all = alliances(store, &admin, None).await.unwrap();
        assert_eq!(all.len(), 1);
        assert!(!all[0].synthetic);
        assert_eq!(all[0].area.len(), 6);
        let id = all[0].id.clone();
        let now = members(store, &admin, Some(&id), None).await.unwrap();
        assert_eq!(now.len(), 4);
        assert_eq!(now[3].corporation.as_str(), "医療法人社団誠馨会");
        let before = members(store, &admin, None, Some(day(2025, 3, 31)))
            .await
            .unwrap();
        assert_eq!(before.len(), 3);
        let sheet = members_sheet(&now);
        assert_eq!(sheet.rows.len(), 4);
        let hakuu = sheet
            .rows
            .iter()
            .find(|r| r[1] == Cell::Text("医療法人社団白羽会".into()))
            .unwrap();
        assert_eq!(hakuu[4], Cell::Number(8.0));
        // Iwate's coordinator sees no alliance of Chiba, and asking for it finds nothing.
        let iwate = coordinator(3);
        assert!(alliances(store, &iwate, None).await.unwrap().is_empty());
        assert!(matches!(
            members(store, &iwate, Some(&id), None).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        let chiba = coordinator(12);
        assert_eq!(members(store, &chiba, None, None).await.unwrap().len(), 4);
    }

    #[tokio::test]
    async fn loans_are_recorded_by_the_prefecture_and_balances_reconcile() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = iwate_alliance(store).await;
        let iwate = coordinator(3);
        let l1 = record_loan(
            store,
            &iwate,
            test_loan(&id, "法人A", "法人B", None, &[(5, 600), (6, 300)]),
        )
        .await
        .unwrap();
        assert!(l1.id > 0);
        record_loan(
            store,
            &iwate,
            test_loan(&id, "法人B", "法人C", None, &[(6, 120)]),
        )
        .await
        .unwrap();
        record_loan(
            store,
            &iwate,
            test_loan(&id, "法人C", "法人A", None, &[(1, 60)]),
        )
        .await
        .unwrap();
        // Chiba's coordinator neither records nor reads Iwate's loans; a doctor reads none.
        let chiba = coordinator(12);
        assert!(matches!(
            record_loan(store, &chiba, test_loan(&id, "法人A", "法人B", None, &[])).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        assert!(loans(store, &chiba, &id).await.is_err());
        let mut doctor = coordinator(3);
        doctor.role = Role::Doctor;
        // To a doctor, as to another prefecture, the alliance does not exist; an auditor
        // reads the loans but records none.
        assert!(matches!(
            record_loan(store, &doctor, test_loan(&id, "法人A", "法人B", None, &[])).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        assert!(matches!(
            loans(store, &doctor, &id).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        let mut auditor = coordinator(3);
        auditor.role = Role::Auditor;
        assert_eq!(loans(store, &auditor, &id).await.unwrap().len(), 3);
        assert!(matches!(
            record_loan(store, &auditor, test_loan(&id, "法人A", "法人B", None, &[])).await,
            Err(AppError::Denied(_))
        ));
        assert_eq!(loans(store, &iwate, &id).await.unwrap().len(), 3);

        let b = balances(store, &iwate, &id, day(2025, 4, 1), day(2026, 3, 1))
            .await
            .unwrap();
        assert_eq!(b.len(), 3);
        let of = |c: &str| {
            b.iter()
                .find(|x| x.corporation.as_str() == c)
                .unwrap()
                .clone()
        };
        assert_eq!(of("法人A").lent_minutes, 3600);
        assert_eq!(of("法人A").borrowed_minutes, 240);
        assert_eq!(of("法人B").borrowed_minutes, 3600);
        assert_eq!(of("法人B").net, 480 - 3600);
        assert_eq!(
            b.iter().map(|x| x.lent_minutes).sum::<i64>(),
            b.iter().map(|x| x.borrowed_minutes).sum::<i64>()
        );
        assert_eq!(b.iter().map(|x| x.net).sum::<i64>(), 0);
        // Only June.
        let june = balances(store, &iwate, &id, day(2025, 6, 1), day(2025, 6, 30))
            .await
            .unwrap();
        let a = june
            .iter()
            .find(|x| x.corporation.as_str() == "法人A")
            .unwrap();
        assert_eq!((a.lent_minutes, a.borrowed_minutes), (1200, 0));
    }
    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn test_booking(equipment: u64, by: &str, start: &str, end: &str) -> Booking {
        Booking::new(chiiki_domain::BookingFields {
            id: 0,
            equipment,
            by: name(by),
            start: at(start),
            end: at(end),
            purpose: "在宅患者の撮影".into(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn booking_conflicts_are_said_naming_the_other_and_usage_reconciles() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = iwate_alliance(store).await;
        let iwate = coordinator(3);
        let x = add_equipment(
            store,
            &iwate,
            Equipment::new(chiiki_domain::EquipmentFields {
                id: 0,
                alliance: id.clone(),
                owner: name("法人A"),
                name: name("移動式X線装置"),
                kind: "画像診断".into(),
                location: "放射線科".into(),
                note: String::new(),
            })
            .unwrap(),
        )
        .await
        .unwrap();
        let mut made = Vec::new();
        for (by, start, end) in [
            ("法人B", "2025-06-01 09:00", "2025-06-01 12:00"),
            ("法人C", "2025-06-01 12:00", "2025-06-02 12:00"),
            ("法人B", "2025-06-30 22:00", "2025-07-01 02:00"),
        ] {
            let b = book(store, &iwate, test_booking(x.id, by, start, end));
            made.push(b.await.unwrap());
        }
        let b1 = made[0].clone();
        let Err(AppError::Rejected(msg)) = book(
            store,
            &iwate,
            test_booking(x.id, "法人C", "2025-06-01 11:00", "2025-06-01 11:30"),
        )
        .await
        else {
            panic!("an overlapping booking was not refused")
        };
        let (ja, en) = (msg.get(Lang::Ja), msg.get(Lang::En));
        assert!(
            ja.contains(&format!("予約 {}", b1.id)) && ja.contains("2025-06-01 09:00"),
            "{ja}"
        );
        assert!(
            en.contains(&format!("booking {}", b1.id)) && en.contains("2025-06-01 12:00"),
            "{en}"
        );
        // Chiba's coordinator neither books nor sees Iwate's equipment.
        let chiba = coordinator(12);
        assert!(matches!(
            book(
                store,
                &chiba,
                test_booking(x.id, "法人B", "2025-06-05 09:00", "2025-06-05 10:00")
            )
            .await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        // June: 3 h + 24 h + 2 h (clipped at the end of June).
        let june = usage(
            store,
            &iwate,
            &id,
            at("2025-06-01 00:00"),
            at("2025-07-01 00:00"),
        )
        .await
        .unwrap();
        assert_eq!(june.len(), 1);
        assert_eq!(june[0].bookings, 3);
        assert_eq!(june[0].hours, 29.0);
        assert_eq!(
            june[0].by_member.iter().map(|(_, h)| h).sum::<f64>(),
            june[0].hours
        );
        assert_eq!(
            june[0].by_member,
            vec![(name("法人B"), 5.0), (name("法人C"), 24.0)]
        );
        cancel_booking(store, &iwate, b1.id).await.unwrap();
        assert!(cancel_booking(store, &chiba, b1.id).await.is_err());
        let june = usage(
            store,
            &iwate,
            &id,
            at("2025-06-01 00:00"),
            at("2025-07-01 00:00"),
        )
        .await
        .unwrap();
        assert_eq!((june[0].bookings, june[0].hours), (2, 26.0));
    }
}
