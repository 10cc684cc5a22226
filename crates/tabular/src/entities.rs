//! The columns of every entity's file and their decoding into domain records.

use chiiki_domain::{
    Amount, AreaCode, Assignment, AssignmentFields, AssignmentId, Beds, Coordinates, Doctor,
    DoctorFields, DoctorId, EmergencyLevel, Enrolment, Facility, FacilityFields, FacilityId, Fte,
    Lang, LgCode, Msg, Municipality, MunicipalityKind, NaiveDate, Name, Period, PrefCode,
    Programme, ProgrammeId, RegisterStatus, Scheme, SchemeId, SecondaryArea, WorkHourLevel,
    Workplace,
};

use crate::cell::{Cell, CellKind};
use crate::issue::ImportIssue;
use crate::row::{Column, Row};
use crate::{Entity, Record};

/// A table of columns, one a line: `req` or `opt`, key, Japanese header, aliases, kind,
/// and help as a (Japanese, English) pair.
macro_rules! columns {
    ($($req:ident $key:literal $ja:literal [$($alias:literal),*] $kind:ident $help:expr;)+) => {
        [$(Column {
            key: $key,
            ja: $ja,
            aliases: &[$($alias),*],
            required: columns!(@$req),
            kind: CellKind::$kind,
            help_ja: $help.0,
            help_en: $help.1,
        }),+]
    };
    (@req) => { true };
    (@opt) => { false };
}

const DATE: (&str, &str) = (
    "2024-04-01、2024/4/1、令和6年4月1日、R6.4.1 など",
    "2024-04-01, 2024/4/1, 令和6年4月1日, R6.4.1 and the like",
);
const PREF: (&str, &str) = (
    "都道府県コード（03）か名称（岩手県）",
    "prefecture code (03) or name (岩手県, Iwate)",
);
const SYNTHETIC: (&str, &str) = (
    "架空のデータなら 1（はい・○）、実在なら 0 か空欄",
    "1 (yes) for invented data, 0 or empty for real",
);
const AREA: (&str, &str) = (
    "都道府県2桁と圏域2桁の4桁（例: 0301）",
    "four digits: prefecture and area (e.g. 0301)",
);
const LG: (&str, &str) = (
    "全国地方公共団体コード5桁（03201）か検査数字付き6桁（032018）",
    "local government code, five digits (03201) or six with the check digit (032018)",
);

fn label<T: Copy>(value: Option<T>, f: impl Fn(T, Lang) -> &'static str) -> Cell {
    Cell::text(value.map(|v| f(v, Lang::Ja)))
}

static DOCTOR_COLUMNS: [Column; 18] = columns![
    req "id" "医師ID" ["貸与者番号", "doctor_id", "番号"] Text (
        "登録簿の番号。英数字・ハイフン・下線・ピリオド（例: D-0001）",
        "the register's number: letters, digits, '-', '_', '.' (e.g. D-0001)");
    req "name" "氏名" ["名前", "医師名"] Text ("漢字の氏名", "full name");
    opt "kana" "フリガナ" ["ふりがな", "カナ氏名"] Text
        ("カタカナかひらがな", "reading in katakana or hiragana");
    req "sex" "性別" [] Text ("男 か 女", "male or female (男/女, M/F)");
    req "birth_date" "生年月日" [] Date DATE;
    opt "university" "出身大学" ["大学"] Text ("大学名", "university");
    req "graduation_date" "卒業年月日" ["卒業日"] Date DATE;
    opt "licence_date" "医籍登録日" ["免許取得日", "license_date"] Date DATE;
    req "pref" "都道府県" ["都道府県コード", "pref_code"] Text PREF;
    opt "scheme" "制度ID" ["貸与制度", "修学資金", "scheme_id"] Text (
        "修学資金の制度ID。入力したら貸与開始日も必要",
        "the loan scheme's id; needs loan_start");
    opt "loan_start" "貸与開始日" [] Date DATE;
    opt "loan_end" "貸与終了日" [] Date (
        "貸与の最終日。続いていれば空欄",
        "last day of the loan; empty while it lasts");
    opt "target_specialty" "基本領域" ["希望診療科", "専門"] Text (
        "19の基本領域のいずれか（例: 内科、総合診療）",
        "one of the 19 basic specialties (e.g. internal_medicine)");
    opt "work_hour_level" "時間外労働水準" ["水準"] Text (
        "A、B、連携B、C-1、C-2。空欄は A",
        "A, B, linked_B, C-1, C-2; empty means A");
    opt "status" "登録状態" ["状態"] Text (
        "在籍、義務明け、返還、辞退。空欄は在籍",
        "active, completed, repaid, withdrawn; empty means active");
    opt "email" "メールアドレス" ["メール"] Text ("name@example.jp", "name@example.jp");
    opt "phone" "電話番号" ["電話"] Text ("例: 019-000-0000", "e.g. 019-000-0000");
    opt "synthetic" "架空" ["架空データ"] Bool SYNTHETIC;
];

/// The doctor's enrolment: `Some(None)` without a scheme, `None` after an issue.
fn enrolment(r: &Row<'_>) -> Option<Option<Enrolment>> {
    let scheme: Option<SchemeId> = r.opt("scheme");
    let start: Option<NaiveDate> = r.opt("loan_start");
    let end: Option<NaiveDate> = r.opt("loan_end");
    if !r.has("scheme") {
        if r.has("loan_start") || r.has("loan_end") {
            r.missing(
                "scheme",
                Msg::new(
                    "貸与期間があるときは、貸与した制度が必要です",
                    "loan dates need the scheme that lent the money",
                ),
            );
            return None;
        }
        return Some(None);
    }
    if !r.has("loan_start") {
        r.missing(
            "loan_start",
            Msg::new(
                "制度IDがあるときは貸与開始日が必要です",
                "a scheme needs the day the loan started",
            ),
        );
    }
    let loan = Period::new(start?, end)
        .map_err(|e| r.reject(Some("loan_end"), e))
        .ok()?;
    Some(Some(Enrolment {
        scheme: scheme?,
        loan,
    }))
}

impl Record for Doctor {
    const ENTITY: Entity = Entity::Doctors;

    fn columns() -> &'static [Column] {
        &DOCTOR_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let id = r.get("id");
        let name = r.get("name");
        let kana = r.opt("kana");
        let sex = r.get("sex");
        let birth_date = r.get("birth_date");
        let university = r.opt("university");
        let graduation_date = r.get("graduation_date");
        let licence_date = r.opt("licence_date");
        let pref = r.get("pref");
        let enrolment = enrolment(r);
        let target_specialty = r.opt("target_specialty");
        let work_hour_level = r.opt("work_hour_level").unwrap_or(WorkHourLevel::A);
        let status = r.opt("status").unwrap_or(RegisterStatus::Active);
        let email = r.opt("email");
        let phone = r.opt("phone");
        let synthetic = r.opt("synthetic").unwrap_or(false);
        r.finish(None, || {
            Some(Doctor::new(DoctorFields {
                id: id?,
                synthetic,
                pref: pref?,
                name: name?,
                kana,
                sex: sex?,
                birth_date: birth_date?,
                university,
                graduation_date: graduation_date?,
                licence_date,
                enrolment: enrolment?,
                target_specialty,
                work_hour_level,
                status,
                email,
                phone,
            }))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        let loan = self.enrolment.as_ref().map(|e| e.loan);
        vec![
            Cell::Text(self.id.to_string()),
            Cell::Text(self.name.to_string()),
            Cell::text(self.kana.as_ref()),
            label(Some(self.sex), |v, l| v.label(l)),
            Cell::Date(self.birth_date),
            Cell::text(self.university.as_ref()),
            Cell::Date(self.graduation_date),
            Cell::date(self.licence_date),
            Cell::Text(self.pref.to_string()),
            Cell::text(self.enrolment.as_ref().map(|e| &e.scheme)),
            Cell::date(loan.map(|p| p.start())),
            Cell::date(loan.and_then(|p| p.end())),
            label(self.target_specialty, |v, l| v.label(l)),
            label(Some(self.work_hour_level), |v, l| v.label(l)),
            label(Some(self.status), |v, l| v.label(l)),
            Cell::text(self.email.as_ref()),
            Cell::text(self.phone.as_ref()),
            Cell::Bool(self.synthetic),
        ]
    }

    fn key(&self) -> String {
        self.id.to_string()
    }
}

const BEDS: (&str, &str) = ("病床数（空欄・- は0）", "number of beds (empty or - is 0)");

static FACILITY_COLUMNS: [Column; 19] = columns![
    req "id" "医療機関ID" ["施設ID", "record_id", "facility_id"] Text (
        "英数字・ハイフン（例: R7-0301-14）",
        "letters, digits, hyphens (e.g. R7-0301-14)");
    req "name" "医療機関名" ["施設名", "facility_name"] Text ("正式名称", "official name");
    req "kind" "施設種別" ["種別"] Text (
        "大学病院、病院、有床診療所、無床診療所、介護施設",
        "university_hospital, hospital, clinic_with_beds, clinic, care_facility");
    opt "municipality" "市区町村コード" ["所在地コード", "lg_code"] Text LG;
    req "area" "二次医療圏コード" ["医療圏コード", "area_code"] Text AREA;
    opt "lat" "緯度" ["latitude"] Number (
        "十進の緯度（例: 39.70）。経度と両方入力",
        "decimal latitude (e.g. 39.70), with the longitude");
    opt "lon" "経度" ["longitude"] Number (
        "十進の経度（例: 141.15）。緯度と両方入力",
        "decimal longitude (e.g. 141.15), with the latitude");
    opt "beds_high_acute" "高度急性期病床数" ["高度急性期"] Number BEDS;
    opt "beds_acute" "急性期病床数" ["急性期"] Number BEDS;
    opt "beds_recovery" "回復期病床数" ["回復期"] Number BEDS;
    opt "beds_chronic" "慢性期病床数" ["慢性期"] Number BEDS;
    opt "beds_idle" "休棟等病床数" ["休棟等"] Number BEDS;
    opt "doctors_fulltime" "常勤医師数" [] Number ("人数（空欄は0）", "head count (empty is 0)");
    opt "doctors_parttime_fte" "非常勤医師数（常勤換算）" ["非常勤医師数"] Number (
        "常勤換算の人数（空欄は0）",
        "full-time equivalents (empty is 0)");
    opt "emergency" "救急医療" ["救急"] Text (
        "なし、初期救急、二次救急、三次救急。空欄はなし",
        "none, primary, secondary, tertiary; empty means none");
    opt "group" "施設群" [] Text (
        "大学、中・大規模病院、小規模病院・診療所、医師不足地域の指定医療機関",
        "university, large_medium, small, designated_shortage");
    opt "alliance" "地域医療連携推進法人" ["連携推進法人"] Text (
        "所属する法人の名称",
        "name of the alliance it belongs to");
    opt "synthetic" "架空" ["架空データ"] Bool SYNTHETIC;
    opt "source" "出典" [] Text (
        "実在の施設の数値の出典（架空の施設は空欄）",
        "credit for real facilities' figures (empty for synthetic ones)");
];

/// The facility's coordinates: both or neither; `None` after an issue.
fn coordinates(r: &Row<'_>) -> Option<Option<Coordinates>> {
    let (lat, lon) = (r.opt::<f64>("lat"), r.opt::<f64>("lon"));
    let both = Msg::new(
        "緯度と経度は両方入力するか、両方空欄にしてください",
        "give both latitude and longitude, or neither",
    );
    match (r.has("lat"), r.has("lon")) {
        (false, false) => Some(None),
        (true, false) => {
            r.missing("lon", both);
            None
        }
        (false, true) => {
            r.missing("lat", both);
            None
        }
        (true, true) => Coordinates::new(lat?, lon?)
            .map_err(|e| r.reject(Some("lat"), e))
            .ok()
            .map(Some),
    }
}

impl Record for Facility {
    const ENTITY: Entity = Entity::Facilities;

    fn columns() -> &'static [Column] {
        &FACILITY_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let id = r.get("id");
        let name = r.get("name");
        let kind = r.get("kind");
        let municipality = r.opt("municipality");
        let area = r.get("area");
        let coordinates = coordinates(r);
        let beds = Beds {
            high_acute: r.opt("beds_high_acute").unwrap_or(0),
            acute: r.opt("beds_acute").unwrap_or(0),
            recovery: r.opt("beds_recovery").unwrap_or(0),
            chronic: r.opt("beds_chronic").unwrap_or(0),
            idle: r.opt("beds_idle").unwrap_or(0),
        };
        let doctors_fulltime = r.opt("doctors_fulltime").unwrap_or(Amount::ZERO);
        let doctors_parttime_fte = r.opt("doctors_parttime_fte").unwrap_or(Amount::ZERO);
        let emergency = r.opt("emergency").unwrap_or(EmergencyLevel::None);
        let group = r.opt("group");
        let alliance = r.opt("alliance");
        let synthetic = r.opt("synthetic").unwrap_or(false);
        let source = r.opt("source");
        r.finish(None, || {
            Some(Facility::new(FacilityFields {
                id: id?,
                name: name?,
                kind: kind?,
                municipality,
                area: area?,
                coordinates: coordinates?,
                beds,
                doctors_fulltime,
                doctors_parttime_fte,
                emergency,
                group,
                alliance,
                synthetic,
                source,
            }))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        let coordinate = |f: fn(&Coordinates) -> f64| {
            self.coordinates
                .as_ref()
                .map_or(Cell::Empty, |c| Cell::Number(f(c)))
        };
        let beds = |n: u32| Cell::Number(f64::from(n));
        vec![
            Cell::Text(self.id.to_string()),
            Cell::Text(self.name.to_string()),
            label(Some(self.kind), |v, l| v.label(l)),
            Cell::text(self.municipality.map(LgCode::code5)),
            Cell::Text(self.area.to_string()),
            coordinate(Coordinates::lat),
            coordinate(Coordinates::lon),
            beds(self.beds.high_acute),
            beds(self.beds.acute),
            beds(self.beds.recovery),
            beds(self.beds.chronic),
            beds(self.beds.idle),
            Cell::Number(self.doctors_fulltime.get()),
            Cell::Number(self.doctors_parttime_fte.get()),
            label(Some(self.emergency), |v, l| v.label(l)),
            label(self.group, |v, l| v.label(l)),
            Cell::text(self.alliance.as_ref()),
            Cell::Bool(self.synthetic),
            Cell::text(self.source.as_ref()),
        ]
    }

    fn key(&self) -> String {
        self.id.to_string()
    }
}

static ASSIGNMENT_COLUMNS: [Column; 9] = columns![
    opt "id" "勤務ID" ["assignment_id"] Text (
        "空欄なら医師・開始日・勤務先から作ります",
        "made from doctor, start and workplace when empty");
    req "doctor" "医師ID" ["doctor_id", "貸与者番号"] Text (
        "医師の登録簿の番号",
        "the doctor's id in the register");
    opt "facility" "医療機関ID" ["facility_id", "施設ID"] Text (
        "登録済みの医療機関。勤務先名とどちらか一方",
        "a registered facility; either this or workplace_name");
    opt "workplace_name" "勤務先名" ["勤務先"] Text (
        "登録外の勤務先（県外の病院、留学先など）",
        "a workplace outside the register (another prefecture, abroad)");
    opt "workplace_pref" "勤務先都道府県" [] Text PREF;
    req "start" "開始日" ["勤務開始日", "from", "start_date"] Date DATE;
    opt "end" "終了日" ["勤務終了日", "to", "end_date"] Date (
        "勤務の最終日（その日を含む）。続いていれば空欄",
        "the last day worked (inclusive); empty while it lasts");
    opt "fte" "常勤換算" [] Number ("0.01〜1（50% も可）。空欄は1", "0.01 to 1 (or 50%); empty means 1");
    req "kind" "勤務区分" ["区分"] Text (
        "初期臨床研修、専門研修、指定勤務、その他の勤務、大学院、研究、留学、産前産後休業、育児休業、病気休職",
        "initial_residency, specialist_training, designated_service, other_service, \
         graduate_school, research, study_abroad, maternity_leave, childcare_leave, sick_leave");
];

impl Record for Assignment {
    const ENTITY: Entity = Entity::Assignments;

    fn columns() -> &'static [Column] {
        &ASSIGNMENT_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let id: Option<AssignmentId> = r.opt("id");
        let doctor: Option<DoctorId> = r.get("doctor");
        let facility: Option<FacilityId> = r.opt("facility");
        let workplace_name: Option<Name> = r.opt("workplace_name");
        let workplace_pref: Option<PrefCode> = r.opt("workplace_pref");
        let start: Option<NaiveDate> = r.get("start");
        let end: Option<NaiveDate> = r.opt("end");
        let fte = r.opt("fte").unwrap_or(Fte::FULL);
        let kind = r.get("kind");
        if r.has("facility") && r.has("workplace_name") {
            r.report(
                Some("workplace_name"),
                Msg::new(
                    "医療機関IDと勤務先名の両方が入力されています",
                    "both a facility id and a workplace name are given",
                ),
                Msg::new(
                    "登録済みの医療機関なら医療機関IDだけ、登録外なら勤務先名だけを入力してください",
                    "give the facility id for a registered facility, or else the workplace name, not both",
                ),
            );
        }
        if r.has("workplace_pref") && !r.has("workplace_name") {
            r.report(
                Some("workplace_pref"),
                Msg::new(
                    "勤務先都道府県は勤務先名のある行にだけ使えます",
                    "workplace_pref is only for rows with a workplace_name",
                ),
                Msg::new(
                    "勤務先名を入力するか、勤務先都道府県を空欄にしてください",
                    "give the workplace name, or leave workplace_pref empty",
                ),
            );
        }
        let place = match (facility, workplace_name) {
            (Some(facility), _) => Some(Workplace::Registered { facility }),
            (None, Some(name)) => Some(Workplace::External {
                name,
                pref: workplace_pref,
            }),
            (None, None) => None,
        };
        let period = start.and_then(|s| {
            Period::new(s, end)
                .map_err(|e| r.reject(Some("end"), e))
                .ok()
        });
        r.finish(Some("facility"), || {
            let (doctor, period) = (doctor?, period?);
            let id = id
                .unwrap_or_else(|| Assignment::derive_id(&doctor, period.start(), place.as_ref()));
            Some(Assignment::new(AssignmentFields {
                id,
                doctor,
                place,
                period,
                fte,
                kind: kind?,
            }))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        let (facility, name, pref) = match &self.place {
            Some(Workplace::Registered { facility }) => (Some(facility), None, None),
            Some(Workplace::External { name, pref }) => (None, Some(name), *pref),
            None => (None, None, None),
        };
        vec![
            Cell::Text(self.id.to_string()),
            Cell::Text(self.doctor.to_string()),
            Cell::text(facility),
            Cell::text(name),
            Cell::text(pref),
            Cell::Date(self.period.start()),
            Cell::date(self.period.end()),
            Cell::Number(self.fte.as_f64()),
            label(Some(self.kind), |v, l| v.label(l)),
        ]
    }

    fn key(&self) -> String {
        self.id.to_string()
    }
}

static AREA_COLUMNS: [Column; 2] = columns![
    req "code" "二次医療圏コード" ["圏域コード", "area_code"] Text AREA;
    req "name" "二次医療圏名" ["圏域名", "area_name", "名称"] Text
        ("圏域の名称（例: 盛岡）", "the area's name (e.g. 盛岡)");
];

impl Record for SecondaryArea {
    const ENTITY: Entity = Entity::Areas;

    fn columns() -> &'static [Column] {
        &AREA_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let code: Option<AreaCode> = r.get("code");
        let name: Option<Name> = r.get("name");
        r.finish(None, || {
            Some(Ok(SecondaryArea {
                code: code?,
                name: name?,
            }))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::Text(self.code.to_string()),
            Cell::Text(self.name.to_string()),
        ]
    }

    fn key(&self) -> String {
        self.code.to_string()
    }
}

static MUNICIPALITY_COLUMNS: [Column; 4] = columns![
    req "code" "市区町村コード" ["団体コード", "lg_code", "全国地方公共団体コード"] Text LG;
    req "name" "市区町村名" ["団体名", "名称"] Text
        ("市区町村の名称（例: 盛岡市）", "the municipality's name (e.g. 盛岡市)");
    req "area" "二次医療圏コード" ["医療圏コード", "area_code"] Text AREA;
    opt "kind" "区分" [] Text (
        "municipality（市区町村）、designated_city（政令指定都市）、ward（区）。空欄は municipality",
        "municipality, designated_city or ward; empty means municipality");
];

impl Record for Municipality {
    const ENTITY: Entity = Entity::Municipalities;

    fn columns() -> &'static [Column] {
        &MUNICIPALITY_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let code: Option<LgCode> = r.get("code");
        let name: Option<Name> = r.get("name");
        let area: Option<AreaCode> = r.get("area");
        let kind = r.opt("kind").unwrap_or(MunicipalityKind::Municipality);
        r.finish(Some("area"), || {
            Some(Municipality::new(code?, name?, area?, kind))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::Text(self.code().code5()),
            Cell::Text(self.name().to_string()),
            Cell::Text(self.area().to_string()),
            Cell::Text(self.kind().code().to_owned()),
        ]
    }

    fn key(&self) -> String {
        self.code().code5()
    }
}

static SCHEME_COLUMNS: [Column; 5] = columns![
    req "id" "制度ID" ["scheme_id"] Text (
        "英数字・ハイフン（例: iwate-kokuho）",
        "letters, digits, hyphens (e.g. iwate-kokuho)");
    req "name" "制度名" [] Text ("制度の名称", "the scheme's name");
    req "pref" "都道府県" ["都道府県コード", "pref_code"] Text PREF;
    req "sponsor" "貸与元" ["貸与主体"] Text (
        "貸与する団体（県、医師会、市町村など）",
        "who lends the money (prefecture, fund, municipality…)");
    req "service_years" "義務年限" ["義務年数"] Number
        ("義務として勤める年数（整数）", "years of service owed (whole number)");
];

impl Record for Scheme {
    const ENTITY: Entity = Entity::Schemes;

    fn columns() -> &'static [Column] {
        &SCHEME_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let id: Option<SchemeId> = r.get("id");
        let name: Option<Name> = r.get("name");
        let pref: Option<PrefCode> = r.get("pref");
        let sponsor: Option<Name> = r.get("sponsor");
        let service_years: Option<u8> = r.get("service_years");
        r.finish(None, || {
            Some(Ok(Scheme {
                id: id?,
                name: name?,
                pref: pref?,
                sponsor: sponsor?,
                service_years: service_years?,
            }))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::Text(self.id.to_string()),
            Cell::Text(self.name.to_string()),
            Cell::Text(self.pref.to_string()),
            Cell::Text(self.sponsor.to_string()),
            Cell::Number(f64::from(self.service_years)),
        ]
    }

    fn key(&self) -> String {
        self.id.to_string()
    }
}

static PROGRAMME_COLUMNS: [Column; 5] = columns![
    req "id" "プログラムID" ["programme_id", "program_id"] Text (
        "英数字・ハイフン（例: iwate-career-gp）",
        "letters, digits, hyphens (e.g. iwate-career-gp)");
    req "name" "プログラム名" ["program_name"] Text ("プログラムの名称", "the programme's name");
    req "pref" "都道府県" ["都道府県コード", "pref_code"] Text PREF;
    opt "scheme" "制度ID" ["scheme_id", "修学資金"] Text (
        "対象の修学資金制度のID（任意）",
        "the scheme whose doctors it is for (optional)");
    opt "specialty" "基本領域" ["専門", "target_specialty"] Text (
        "養成する基本領域（任意、例: 内科）",
        "the basic specialty it trains for (optional, e.g. internal_medicine)");
];

impl Record for Programme {
    const ENTITY: Entity = Entity::Programmes;

    fn columns() -> &'static [Column] {
        &PROGRAMME_COLUMNS
    }

    fn decode(r: &Row<'_>) -> Result<Self, Vec<ImportIssue>> {
        let id: Option<ProgrammeId> = r.get("id");
        let name: Option<Name> = r.get("name");
        let pref: Option<PrefCode> = r.get("pref");
        let scheme: Option<SchemeId> = r.opt("scheme");
        let specialty = r.opt("specialty");
        r.finish(None, || {
            Some(Ok(Programme {
                id: id?,
                name: name?,
                pref: pref?,
                scheme,
                specialty,
            }))
        })
    }

    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::Text(self.id.to_string()),
            Cell::Text(self.name.to_string()),
            Cell::Text(self.pref.to_string()),
            Cell::text(self.scheme.as_ref()),
            label(self.specialty, |v, l| v.label(l)),
        ]
    }

    fn key(&self) -> String {
        self.id.to_string()
    }
}
