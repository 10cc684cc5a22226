//! Regional medical alliances (地域医療連携推進法人) in the browser: the alliances a user may
//! read; an alliance's page (its area, policies and member corporations with the day each
//! joined); its staff lending ledger (loans, balances per member, a loan recorded by hand);
//! its shared equipment (a week's booking calendar per device, bookings refused with the one
//! they meet named, the month's use per member). Who may do what is decided in
//! `chiiki_app::alliance::access`; this module shows it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chiiki_app::AppError;
use chiiki_app::alliance::{self as al, AllianceAccess};
use chiiki_app::auth::Session;
use chiiki_app::dispatch::Month;
use chiiki_domain::{
    Alliance, AllianceId, AllianceMember, Booking, BookingFields, DoctorId, Entity, Equipment,
    EquipmentFields, Lang, LoanMonth, LoanRole, Msg, NaiveDate, Name, Record, Role, StaffLoan,
    StaffLoanFields, parse_date,
};
use chiiki_tabular::Format;
use chrono::{Datelike, Duration, NaiveDateTime};
use serde::Deserialize;

use crate::dispatch::{date_time, unknown};
use crate::forms::{Fields, answer, field};
use crate::i18n::T;
use crate::pages::{Chrome, internal, reading, render};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The messages of the alliance pages (part of the catalog in `i18n`).
pub(crate) const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.alliances", "連携推進法人", "Alliances"),
    ("nav.seminars", "研修・セミナー", "Seminars"),
    ("nav.bank", "ドクターバンク", "Doctor bank"),
    (
        "alliance.list",
        "地域医療連携推進法人",
        "Regional medical alliances",
    ),
    (
        "alliance.list.intro",
        "担当する地域医療連携推進法人です。参加法人、職員の相互派遣、共同利用機器を管理します。",
        "The regional medical alliances in your care: their member corporations, staff lending and shared equipment.",
    ),
    (
        "alliance.none",
        "閲覧できる連携推進法人はありません。",
        "There is no alliance you may see.",
    ),
    ("alliance.id", "ID", "Id"),
    ("alliance.pref", "都道府県", "Prefecture"),
    ("alliance.certified", "認定日", "Certified"),
    ("alliance.members", "参加法人", "Member corporations"),
    ("alliance.area", "医療連携推進区域", "Area"),
    (
        "alliance.policies",
        "理念・運営方針・事業",
        "Policies and activities",
    ),
    ("alliance.source", "出典", "Source"),
    (
        "alliance.synthetic",
        "この連携推進法人は架空のデータです。",
        "This alliance is synthetic data.",
    ),
    ("alliance.tab.overview", "概要", "Overview"),
    ("alliance.tab.loans", "相互派遣", "Staff lending"),
    ("alliance.tab.equipment", "共同利用機器", "Shared equipment"),
    ("alliance.tab.procurement", "共同購入", "Joint procurement"),
    ("alliance.tab.training", "共同研修", "Joint training"),
    ("alliance.tab.aid", "相互支援", "Mutual support"),
    ("alliance.corporation", "法人", "Corporation"),
    ("alliance.joined", "参加日", "Joined"),
    ("alliance.left", "脱退日", "Left"),
    ("alliance.facilities", "参加施設", "Facilities"),
    ("alliance.download", "ダウンロード", "Download"),
    (
        "alliance.loans",
        "職員の相互派遣（貸出台帳）",
        "Staff lending ledger",
    ),
    (
        "alliance.loans.intro",
        "参加法人の間で派遣した医師・看護師・療法士などです。派遣された医師の時間外労働は、その医師の労働時間の集計（代診・派遣）に一度だけ入ります。",
        "Doctors, nurses, therapists and others lent between members. A lent doctor's overtime enters that doctor's work-hour totals (dispatch) once.",
    ),
    ("alliance.loan.no", "番号", "No."),
    ("alliance.loan.from", "派遣元", "From"),
    ("alliance.loan.to", "派遣先", "To"),
    ("alliance.loan.person", "氏名", "Person"),
    ("alliance.loan.doctor", "医師ID", "Doctor id"),
    ("alliance.loan.role", "職種", "Role"),
    ("alliance.loan.period", "期間", "Period"),
    ("alliance.loan.hours", "時間", "Hours"),
    ("alliance.loan.overtime", "うち時間外", "Of which overtime"),
    (
        "alliance.loan.none",
        "派遣の記録はありません。",
        "No loans are recorded.",
    ),
    ("alliance.loan.new", "派遣を記録する", "Record a loan"),
    ("alliance.loan.start", "開始日", "Start"),
    ("alliance.loan.end", "終了日", "End"),
    (
        "alliance.loan.months",
        "月ごとの勤務時間",
        "Hours per month",
    ),
    (
        "alliance.loan.months.help",
        "1行に1か月: 「2026-11 40 8」は2026年11月に派遣先で40時間勤務し、うち8時間が時間外・休日労働。",
        "One month a line: '2026-11 40 8' is 40 hours worked at the borrower in November 2026, 8 of them overtime or holiday work.",
    ),
    (
        "alliance.loan.doctor.help",
        "登録されている医師のときだけ。時間外労働がその医師の集計に入ります。",
        "Only for a doctor of the register: their overtime then counts in their totals.",
    ),
    ("alliance.loan.note", "備考", "Note"),
    ("alliance.loan.save", "記録する", "Record"),
    (
        "alliance.balances",
        "参加法人ごとの収支",
        "Balance per member",
    ),
    ("alliance.balance.lent", "派遣した時間", "Hours lent"),
    (
        "alliance.balance.borrowed",
        "受け入れた時間",
        "Hours borrowed",
    ),
    ("alliance.balance.net", "差引", "Net"),
    ("alliance.balance.from", "集計の開始月", "From month"),
    ("alliance.balance.to", "集計の終了月", "To month"),
    ("alliance.show", "表示", "Show"),
    ("alliance.total", "合計", "Total"),
    ("alliance.equipment", "共同利用機器", "Shared equipment"),
    (
        "alliance.equipment.intro",
        "参加法人が所有し、予約して共同で使う機器です。同じ機器の予約が重なると、重なる予約を示して断ります。",
        "Devices a member owns and the members book to share. A booking that overlaps another of the same device is refused, naming it.",
    ),
    (
        "alliance.equipment.none",
        "共同利用機器はまだありません。",
        "No shared equipment yet.",
    ),
    ("alliance.equipment.name", "機器", "Device"),
    ("alliance.equipment.owner", "所有法人", "Owner"),
    ("alliance.equipment.kind", "区分", "Kind"),
    ("alliance.equipment.location", "設置場所", "Location"),
    ("alliance.equipment.new", "機器を登録する", "Add a device"),
    ("alliance.equipment.add", "登録する", "Add"),
    ("alliance.week", "週", "Week"),
    ("alliance.week.prev", "前の週", "Previous week"),
    ("alliance.week.next", "次の週", "Next week"),
    ("alliance.book", "予約する", "Book"),
    ("alliance.book.new", "機器を予約する", "Book a device"),
    ("alliance.book.by", "予約する法人", "Booking member"),
    ("alliance.book.start", "開始", "Start"),
    ("alliance.book.end", "終了", "End"),
    ("alliance.book.purpose", "目的", "Purpose"),
    ("alliance.book.cancel", "取消", "Cancel"),
    ("alliance.book.free", "空き", "Free"),
    ("alliance.usage", "利用状況（月）", "Use in the month"),
    ("alliance.usage.bookings", "予約数", "Bookings"),
    ("alliance.usage.hours", "利用時間", "Hours"),
    ("alliance.usage.by_member", "法人ごと", "By member"),
    ("alliance.date", "日付", "Date"),
    ("alliance.time", "時刻", "Time"),
    (
        "alliance.workbook",
        "一覧の一括入出力（Excel）",
        "All lists as one workbook (Excel)",
    ),
    (
        "alliance.workbook.intro",
        "派遣・機器・予約・共同購入・研修・相互支援の一覧を1つのExcelファイルに書き出します。行を直したり加えたり（番号は0か空欄）して取り込むと、全体を確かめてからまとめて反映します。問題が1つでもあれば何も書き込みません。",
        "Writes the lists of loans, equipment, bookings, procurement, training and mutual support to one Excel file. Edit or add rows (number 0 or empty) and import it: the whole file is checked, then applied at once; with any problem nothing is written.",
    ),
    (
        "alliance.workbook.download",
        "一覧を書き出す（XLSX）",
        "Export the lists (XLSX)",
    ),
    (
        "bank.workbook.intro",
        "ドクターバンク（求人・登録医師・応募）と研修・セミナーの一覧を1つのExcelファイルに書き出します。直して取り込むと、全体を確かめてからまとめて反映します。問題が1つでもあれば何も書き込みません。",
        "Writes the doctor bank's lists (posts, profiles, applications) and the seminars' to one Excel file. Edit it and import it: the whole file is checked, then applied at once; with any problem nothing is written.",
    ),
    (
        "alliance.workbook.file",
        "取り込むファイル",
        "File to import",
    ),
    ("alliance.workbook.import", "取り込む", "Import"),
    ("alliance.workbook.done", "取り込みました", "Imported"),
    ("alliance.workbook.rows", "読んだ行", "rows read"),
    (
        "alliance.workbook.changed",
        "追加・変更",
        "added or changed",
    ),
    (
        "alliance.workbook.nothing",
        "問題があるため、何も書き込んでいません。",
        "Nothing was written: the file has problems.",
    ),
    ("alliance.workbook.sheet", "シート", "Sheet"),
    ("alliance.workbook.row", "行", "Row"),
    ("alliance.workbook.column", "列", "Column"),
    ("alliance.workbook.problem", "問題", "Problem"),
    ("alliance.workbook.fix", "直し方", "How to fix"),
];

/// `?from=&to=` (months) of the ledger, `?week=` (a day of it) and `?month=` of the
/// equipment page.
#[derive(Deserialize, Default)]
pub(crate) struct AllianceQuery {
    from: Option<String>,
    to: Option<String>,
    week: Option<String>,
    month: Option<String>,
}

pub(crate) fn alliance_id(raw: &str) -> Result<AllianceId, PageError> {
    AllianceId::parse(raw).map_err(|_| PageError::NotFound)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn hours(minutes: i64) -> String {
    let h = minutes as f64 / 60.0;
    if minutes % 60 == 0 {
        format!("{h:.0}")
    } else {
        format!("{h:.1}")
    }
}

/// The alliance's header and tabs, shared by its pages.
pub(crate) struct Head {
    pub id: String,
    pub name: String,
    pub pref: &'static str,
    /// The tab shown: overview, loans, equipment, procurement, training, aid.
    pub tab: &'static str,
    pub access: AllianceAccess,
}

impl Head {
    fn new(a: &Alliance, access: AllianceAccess, tab: &'static str, lang: Lang) -> Head {
        Head {
            id: a.id.to_string(),
            name: a.name.to_string(),
            pref: crate::pages::pref_name(a.pref, lang),
            tab,
            access,
        }
    }
}

pub(crate) async fn head_of(
    s: &AppState,
    session: &Session,
    raw: &str,
    tab: &'static str,
    lang: Lang,
) -> Result<(Alliance, Head), PageError> {
    let who = &session.principal;
    let id = alliance_id(raw)?;
    let a = al::in_scope(s.store.as_ref(), who, &id)
        .await
        .map_err(reading)?;
    let head = Head::new(&a, al::access(who, &a), tab, lang);
    Ok((a, head))
}

// ---------------------------------------------------------------------------------------
// The list and the overview

struct AllianceRow {
    id: String,
    name: String,
    pref: &'static str,
    certified: String,
    members: usize,
}

#[derive(Template)]
#[template(path = "alliances.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<AllianceRow>,
}

/// `GET /alliances`: the alliances the user may read; a secretariat goes to its own.
pub(crate) async fn list(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
) -> Result<Response, PageError> {
    let who = &session.principal;
    if !al::may_open(who) {
        return Err(PageError::Forbidden);
    }
    if who.role == Role::Secretariat
        && let Some(id) = &who.alliance
    {
        return Ok(Redirect::to(&format!("/alliances/{id}")).into_response());
    }
    let store = s.store.as_ref();
    let mut rows = Vec::new();
    let chrome = Chrome::new(&session, prefs, "alliances", &uri);
    let today = today();
    for a in al::alliances(store, who, None).await? {
        let members = al::members(store, who, Some(&a.id), Some(today)).await?;
        rows.push(AllianceRow {
            id: a.id.to_string(),
            name: a.name.to_string(),
            pref: crate::pages::pref_name(a.pref, prefs.lang),
            certified: chrome.date(a.certified),
            members: members.len(),
        });
    }
    let page = ListPage { chrome, rows };
    Ok(render(&page)?.into_response())
}

struct MemberRow {
    corporation: String,
    joined: String,
    left: String,
    facilities: Vec<String>,
    current: bool,
}

#[derive(Template)]
#[template(path = "alliance.html")]
struct OverviewPage {
    chrome: Chrome,
    head: Head,
    certified: String,
    area: Vec<(String, String)>,
    policies: Vec<String>,
    source: Option<String>,
    synthetic: bool,
    members: Vec<MemberRow>,
    /// The outcome of a workbook import, when one was just sent.
    imported: Option<crate::workbook::ImportView>,
}

/// `GET /alliances/{id}`: the alliance, its area and policies, and every member it had.
pub(crate) async fn overview(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
) -> Result<Html<String>, PageError> {
    overview_page(&s, &session, prefs, &uri, &raw, None).await
}

async fn overview_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    imported: Option<crate::workbook::ImportView>,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "overview", prefs.lang).await?;
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let store = s.store.as_ref();
    let mut area = Vec::new();
    for code in &a.area {
        let name = match store.get(Entity::Municipalities, &code.to_string()).await? {
            Some(Record::Municipality(m)) => m.name().to_string(),
            _ => String::new(),
        };
        area.push((code.to_string(), name));
    }
    let today = today();
    let members = al::members(store, &session.principal, Some(&a.id), None)
        .await?
        .iter()
        .map(|m| member_row(m, &chrome, today))
        .collect();
    render(&OverviewPage {
        certified: chrome.date(a.certified),
        area,
        policies: a.policies.clone(),
        source: a.source.clone(),
        synthetic: a.synthetic,
        members,
        imported,
        head,
        chrome,
    })
}

/// `POST /alliances/{id}/import` (multipart: `csrf`, `file`): a workbook of the alliance's
/// lists, imported all or nothing; the overview again with what was done or every problem
/// (422).
pub(crate) async fn import(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let Some((name, bytes)) = crate::workbook::upload(&session, multipart).await? else {
        return Ok(csrf_refused());
    };
    let id = alliance_id(&raw)?;
    let scope = chiiki_domain::DocScope::Alliance(id);
    let view = crate::workbook::import(&s, &session, prefs, &scope, &name, &bytes).await?;
    let status = view.status();
    let html = overview_page(&s, &session, prefs, &uri, &raw, Some(view)).await?;
    Ok((status, html).into_response())
}

fn member_row(m: &AllianceMember, chrome: &Chrome, today: NaiveDate) -> MemberRow {
    MemberRow {
        corporation: m.corporation.to_string(),
        joined: chrome.date(m.joined),
        left: m.left.map(|d| chrome.date(d)).unwrap_or_default(),
        facilities: m
            .facilities
            .iter()
            .map(|f| format!("{}（{}）", f.name, f.kind.label(chrome.prefs.lang)))
            .collect(),
        current: m.on(today),
    }
}

/// `GET /alliances/{id}/{file}`: `members.xlsx|csv`, `loans.xlsx` (loans and balances),
/// `bookings.xlsx|csv?month=`.
pub(crate) async fn file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, file)): Path<(String, String)>,
    Query(q): Query<AllianceQuery>,
) -> Result<Response, PageError> {
    let who = &session.principal;
    let id = alliance_id(&raw)?;
    let store = s.store.as_ref();
    let (stem, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let format = match format {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => return Err(PageError::NotFound),
    };
    if stem == "workbook" && format == Format::Xlsx {
        let bytes = chiiki_app::workbook::export(
            store,
            who,
            &chiiki_domain::DocScope::Alliance(id.clone()),
        )
        .await
        .map_err(reading)?;
        return Ok(crate::files::attachment(
            bytes,
            format,
            &format!("{id}-workbook"),
        ));
    }
    let sheets = match stem {
        "members" => {
            let m = al::members(store, who, Some(&id), None)
                .await
                .map_err(reading)?;
            vec![al::members_sheet(&m)]
        }
        "loans" => {
            let (from, to) = months(&q)?;
            let loans = al::loans(store, who, &id).await.map_err(reading)?;
            let balances = al::balances(store, who, &id, from.first(), to.first())
                .await
                .map_err(reading)?;
            vec![al::loans_sheet(&loans), al::balances_sheet(&balances)]
        }
        "bookings" => {
            let month = month(q.month.as_deref())?;
            let (from, to) = (start(month.first()), start(month.next()));
            let list = al::bookings(store, who, &id, from, to)
                .await
                .map_err(reading)?;
            vec![al::bookings_sheet(&list)]
        }
        _ => return Err(PageError::NotFound),
    };
    let name = format!("{id}-{stem}");
    let bytes = match format {
        Format::Xlsx => chiiki_tabular::sheets_to_xlsx(&name, &sheets).map_err(internal)?,
        Format::Csv => {
            let [sheet] = sheets.as_slice() else {
                return Err(PageError::NotFound);
            };
            chiiki_tabular::sheet_to_csv(sheet).map_err(internal)?
        }
    };
    Ok(crate::files::attachment(bytes, format, &name))
}

// ---------------------------------------------------------------------------------------
// The staff lending ledger

fn month(asked: Option<&str>) -> Result<Month, PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Month::parse(s).map_err(|_| {
            PageError::BadRequest(Msg::new(
                format!("月「{s}」が読めません。2026-12 のように指定してください"),
                format!("cannot read the month '{s}': give it like 2026-12"),
            ))
        }),
        None => Ok(Month::of(today())),
    }
}

/// The months of the balances: `?from=&to=`, by default the fiscal year of today.
fn months(q: &AllianceQuery) -> Result<(Month, Month), PageError> {
    let t = today();
    let fy = if t.month() >= 4 {
        t.year()
    } else {
        t.year() - 1
    };
    let first = NaiveDate::from_ymd_opt(fy, 4, 1).ok_or(PageError::NotFound)?;
    let from = match q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => month(Some(s))?,
        None => Month::of(first),
    };
    let to = match q.to.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => month(Some(s))?,
        None => Month::of(first + Duration::days(364)),
    };
    Ok((from, to))
}

struct LoanRow {
    id: u64,
    from: String,
    to: String,
    person: String,
    doctor: String,
    role: &'static str,
    period: String,
    hours: String,
    overtime: String,
}

struct BalanceRow {
    corporation: String,
    lent: String,
    borrowed: String,
    net: String,
}

/// The loan form as the user typed it.
#[derive(Default, Clone)]
struct LoanForm {
    from: String,
    to: String,
    person: String,
    doctor: String,
    role: String,
    start: String,
    end: String,
    months: String,
    note: String,
}

#[derive(Template)]
#[template(path = "alliance_loans.html")]
struct LoansPage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    loans: Vec<LoanRow>,
    balances: Vec<BalanceRow>,
    from: String,
    to: String,
    members: Vec<String>,
    roles: Vec<(&'static str, &'static str)>,
    form: LoanForm,
}

/// `GET /alliances/{id}/loans?from=&to=`.
pub(crate) async fn loans(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Query(q): Query<AllianceQuery>,
) -> Result<Html<String>, PageError> {
    loans_page(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        &q,
        None,
        LoanForm::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn loans_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    q: &AllianceQuery,
    error: Option<Msg>,
    form: LoanForm,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "loans", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let (from, to) = months(q)?;
    let list = al::loans(store, who, &a.id).await?;
    let balances = al::balances(store, who, &a.id, from.first(), to.first()).await?;
    let loans = list
        .iter()
        .map(|l| {
            let minutes: i64 = l.hours.iter().map(|m| m.minutes).sum();
            let overtime: i64 = l.hours.iter().map(|m| m.overtime).sum();
            LoanRow {
                id: l.id,
                from: l.from.to_string(),
                to: l.to.to_string(),
                person: l.person.to_string(),
                doctor: l.doctor.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                role: l.role.label(prefs.lang),
                period: format!("{} – {}", chrome.date(l.start), chrome.date(l.end)),
                hours: hours(minutes),
                overtime: hours(overtime),
            }
        })
        .collect();
    let balances = balances
        .iter()
        .map(|b| BalanceRow {
            corporation: b.corporation.to_string(),
            lent: hours(b.lent_minutes),
            borrowed: hours(b.borrowed_minutes),
            net: hours(b.net),
        })
        .collect();
    let members = al::members(store, who, Some(&a.id), None)
        .await?
        .iter()
        .map(|m| m.corporation.to_string())
        .collect();
    render(&LoansPage {
        error: error.map(|m| m.to_string()),
        loans,
        balances,
        from: from.first().format("%Y-%m").to_string(),
        to: to.first().format("%Y-%m").to_string(),
        members,
        roles: LoanRole::ALL
            .iter()
            .map(|r| (r.code(), r.label(prefs.lang)))
            .collect(),
        form,
        head,
        chrome,
    })
}

/// Reads the months of a loan: a line each, `YYYY-MM hours [overtime hours]`, hours with at
/// most one decimal place (full-width digits accepted).
fn loan_months(text: &str) -> Result<Vec<LoanMonth>, AppError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = chiiki_domain::normalize(line);
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        let n = i + 1;
        let bad = || {
            AppError::Rejected(Msg::new(
                format!(
                    "月ごとの勤務時間の{n}行目「{line}」が読めません。「2026-11 40 8」（年-月、時間、うち時間外）のように書いてください"
                ),
                format!(
                    "line {n} of the hours per month, '{line}', cannot be read: write it like '2026-11 40 8' (year-month, hours, of which overtime)"
                ),
            ))
        };
        if parts.len() > 3 || parts.len() < 2 {
            return Err(bad());
        }
        let month = Month::parse(parts[0]).map_err(|_| bad())?.first();
        let minutes = |s: &str| -> Result<i64, AppError> {
            let h: f64 = s.parse().map_err(|_| bad())?;
            if !h.is_finite() || !(0.0..=744.0).contains(&h) {
                return Err(bad());
            }
            Ok((h * 60.0).round() as i64)
        };
        let total = minutes(parts[1])?;
        let overtime = match parts.get(2) {
            Some(o) => minutes(o)?,
            None => 0,
        };
        out.push(LoanMonth {
            month,
            minutes: total,
            overtime,
        });
    }
    Ok(out)
}

fn loan_input(id: &AllianceId, f: &Fields) -> Result<StaffLoan, AppError> {
    let name = |k: &str, what: Msg| {
        Name::parse(field(f, k)).map_err(|_| {
            AppError::Rejected(Msg::new(
                format!("{}を入力してください", what.ja),
                format!("give the {}", what.en),
            ))
        })
    };
    let role = LoanRole::parse(field(f, "role"))
        .map_err(|_| unknown(Msg::new("職種", "role"), field(f, "role")))?;
    let doctor = match field(f, "doctor") {
        "" => None,
        d => Some(DoctorId::parse(d).map_err(AppError::invalid)?),
    };
    let day = |k: &str, what: Msg| {
        parse_date(field(f, k)).map_err(|_| {
            AppError::Rejected(Msg::new(
                format!("{}「{}」が日付として読めません", what.ja, field(f, k)),
                format!("the {} '{}' is not a date", what.en, field(f, k)),
            ))
        })
    };
    StaffLoan::new(StaffLoanFields {
        id: 0,
        alliance: id.clone(),
        from: name("from", Msg::new("派遣元", "lending member"))?,
        to: name("to", Msg::new("派遣先", "borrowing member"))?,
        person: name("person", Msg::new("氏名", "person's name"))?,
        doctor,
        role,
        start: day("start", Msg::new("開始日", "start"))?,
        end: day("end", Msg::new("終了日", "end"))?,
        hours: loan_months(field(f, "months"))?,
        note: field(f, "note").to_string(),
    })
    .map_err(AppError::invalid)
}

/// `POST /alliances/{id}/loans`: records a loan; the ledger again with the problem (422)
/// when it cannot be.
pub(crate) async fn record_loan(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let who = &session.principal;
    let result = async {
        let input = loan_input(&id, &f)?;
        al::record_loan(s.store.as_ref(), who, input).await
    }
    .await;
    let form = LoanForm {
        from: field(&f, "from").into(),
        to: field(&f, "to").into(),
        person: field(&f, "person").into(),
        doctor: field(&f, "doctor").into(),
        role: field(&f, "role").into(),
        start: field(&f, "start").into(),
        end: field(&f, "end").into(),
        months: f.get("months").cloned().unwrap_or_default(),
        note: field(&f, "note").into(),
    };
    let q = AllianceQuery::default();
    answer(
        result,
        |l| format!("/alliances/{id}/loans#loan-{}", l.id),
        |m| loans_page(&s, &session, prefs, &uri, &raw, &q, Some(m), form),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Shared equipment

fn start(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

/// The Monday of the week of `?week=` (any day of it), else of today.
fn week_of(asked: Option<&str>) -> Result<NaiveDate, PageError> {
    let d = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => parse_date(s).map_err(|_| {
            PageError::BadRequest(Msg::new(
                format!("週「{s}」が日付として読めません。2026-12-07 のように指定してください"),
                format!("cannot read the week '{s}': give a day of it like 2026-12-07"),
            ))
        })?,
        None => today(),
    };
    Ok(d - Duration::days(d.weekday().num_days_from_monday() as i64))
}

struct Slot {
    id: u64,
    by: String,
    time: String,
    purpose: String,
}

struct DeviceWeek {
    id: u64,
    name: String,
    owner: String,
    kind: String,
    location: String,
    /// A cell per day of the week: the bookings touching that day.
    days: Vec<Vec<Slot>>,
}

struct UsageRow {
    name: String,
    bookings: usize,
    hours: String,
    by_member: String,
}

#[derive(Default, Clone)]
struct BookForm {
    equipment: String,
    by: String,
    start_date: String,
    start_time: String,
    end_date: String,
    end_time: String,
    purpose: String,
}

#[derive(Default, Clone)]
struct DeviceForm {
    owner: String,
    name: String,
    kind: String,
    location: String,
}

#[derive(Template)]
#[template(path = "alliance_equipment.html")]
struct EquipmentPage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    week: String,
    prev: String,
    next: String,
    days: Vec<String>,
    devices: Vec<DeviceWeek>,
    month: String,
    usage: Vec<UsageRow>,
    members: Vec<String>,
    book: BookForm,
    device: DeviceForm,
}

/// `GET /alliances/{id}/equipment?week=&month=`.
pub(crate) async fn equipment(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Query(q): Query<AllianceQuery>,
) -> Result<Html<String>, PageError> {
    let again = Again::default();
    equipment_page(&s, &session, prefs, &uri, &raw, &q, again).await
}

/// What the equipment page shows again after a refused form.
#[derive(Default)]
struct Again {
    error: Option<Msg>,
    book: Option<BookForm>,
    device: Option<DeviceForm>,
}

async fn equipment_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    q: &AllianceQuery,
    again: Again,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "equipment", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let monday = week_of(q.week.as_deref())?;
    let (from, to) = (start(monday), start(monday + Duration::days(7)));
    let list = al::bookings(store, who, &a.id, from, to).await?;
    let t = |x: NaiveDateTime| x.format("%H:%M").to_string();
    let devices = list
        .iter()
        .map(|(e, bs)| DeviceWeek {
            id: e.id,
            name: e.name.to_string(),
            owner: e.owner.to_string(),
            kind: e.kind.clone(),
            location: e.location.clone(),
            days: (0..7)
                .map(|i| {
                    let d0 = start(monday + Duration::days(i));
                    let d1 = d0 + Duration::days(1);
                    bs.iter()
                        .filter(|b| b.start < d1 && b.end > d0)
                        .map(|b| Slot {
                            id: b.id,
                            by: b.by.to_string(),
                            time: format!(
                                "{}–{}",
                                if b.start < d0 {
                                    "…".into()
                                } else {
                                    t(b.start)
                                },
                                if b.end > d1 { "…".into() } else { t(b.end) }
                            ),
                            purpose: b.purpose.clone(),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let m = month(
        q.month
            .as_deref()
            .or(Some(&monday.format("%Y-%m").to_string())),
    )?;
    let usage = al::usage(store, who, &a.id, start(m.first()), start(m.next()))
        .await?
        .into_iter()
        .map(|u| UsageRow {
            name: u.name.to_string(),
            bookings: u.bookings,
            hours: format!("{:.1}", u.hours),
            by_member: u
                .by_member
                .iter()
                .map(|(n, h)| format!("{n} {h:.1}"))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    let members = al::members(store, who, Some(&a.id), Some(today()))
        .await?
        .iter()
        .map(|m| m.corporation.to_string())
        .collect();
    let days = (0..7)
        .map(|i| {
            let d = monday + Duration::days(i);
            format!(
                "{}/{}（{}）",
                d.month(),
                d.day(),
                crate::duty::weekday(d, prefs.lang)
            )
        })
        .collect();
    render(&EquipmentPage {
        error: again.error.map(|m| m.to_string()),
        week: monday.to_string(),
        prev: (monday - Duration::days(7)).to_string(),
        next: (monday + Duration::days(7)).to_string(),
        days,
        devices,
        month: m.first().format("%Y-%m").to_string(),
        usage,
        members,
        book: again.book.unwrap_or_else(|| BookForm {
            start_date: monday.to_string(),
            end_date: monday.to_string(),
            ..BookForm::default()
        }),
        device: again.device.unwrap_or_default(),
        head,
        chrome,
    })
}

/// `POST /alliances/{id}/bookings`.
pub(crate) async fn book(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let who = &session.principal;
    let form = BookForm {
        equipment: field(&f, "equipment").into(),
        by: field(&f, "by").into(),
        start_date: field(&f, "start_date").into(),
        start_time: field(&f, "start_time").into(),
        end_date: field(&f, "end_date").into(),
        end_time: field(&f, "end_time").into(),
        purpose: field(&f, "purpose").into(),
    };
    let result = async {
        let equipment: u64 = form
            .equipment
            .parse()
            .map_err(|_| unknown(Msg::new("機器", "device"), &form.equipment))?;
        let by = Name::parse(&form.by)
            .map_err(|_| unknown(Msg::new("予約する法人", "booking member"), &form.by))?;
        let start = date_time(
            &form.start_date,
            &form.start_time,
            Msg::new("開始", "start"),
        )?;
        let end_date = if form.end_date.is_empty() {
            &form.start_date
        } else {
            &form.end_date
        };
        let end = date_time(end_date, &form.end_time, Msg::new("終了", "end"))?;
        let input = Booking::new(BookingFields {
            id: 0,
            equipment,
            by,
            start,
            end,
            purpose: form.purpose.clone(),
        })
        .map_err(AppError::invalid)?;
        al::book(s.store.as_ref(), who, input).await
    }
    .await;
    let q = AllianceQuery {
        week: Some(form.start_date.clone()),
        ..AllianceQuery::default()
    };
    let again = Again {
        book: Some(form.clone()),
        ..Again::default()
    };
    answer(
        result,
        |b| {
            format!(
                "/alliances/{raw}/equipment?week={}#booking-{}",
                b.start.date(),
                b.id
            )
        },
        |m| {
            equipment_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                &q,
                Again {
                    error: Some(m),
                    ..again
                },
            )
        },
    )
    .await
}

/// `POST /alliances/{id}/bookings/{booking}/cancel`.
pub(crate) async fn cancel(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, booking)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    al::cancel_booking(s.store.as_ref(), &session.principal, booking)
        .await
        .map_err(reading)?;
    let week = field(&f, "week");
    Ok(Redirect::to(&format!("/alliances/{id}/equipment?week={week}")).into_response())
}

/// `POST /alliances/{id}/equipment`: adds a device.
pub(crate) async fn add_equipment(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let who = &session.principal;
    let form = DeviceForm {
        owner: field(&f, "owner").into(),
        name: field(&f, "name").into(),
        kind: field(&f, "kind").into(),
        location: field(&f, "location").into(),
    };
    let result = async {
        let owner = Name::parse(&form.owner)
            .map_err(|_| unknown(Msg::new("所有法人", "owner"), &form.owner))?;
        let name = Name::parse(&form.name).map_err(AppError::invalid)?;
        let input = Equipment::new(EquipmentFields {
            id: 0,
            alliance: id.clone(),
            owner,
            name,
            kind: form.kind.clone(),
            location: form.location.clone(),
            note: String::new(),
        })
        .map_err(AppError::invalid)?;
        al::add_equipment(s.store.as_ref(), who, input).await
    }
    .await;
    let q = AllianceQuery::default();
    let again = Again {
        device: Some(form.clone()),
        ..Again::default()
    };
    answer(
        result,
        |e| format!("/alliances/{id}/equipment#device-{}", e.id),
        |m| {
            equipment_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                &q,
                Again {
                    error: Some(m),
                    ..again
                },
            )
        },
    )
    .await
}

/// The texts of the tabs, for the templates.
impl Head {
    pub(crate) fn tabs(&self, t: &T) -> Vec<(&'static str, String, &'static str)> {
        [
            (
                "overview",
                format!("/alliances/{}", self.id),
                "alliance.tab.overview",
            ),
            (
                "loans",
                format!("/alliances/{}/loans", self.id),
                "alliance.tab.loans",
            ),
            (
                "equipment",
                format!("/alliances/{}/equipment", self.id),
                "alliance.tab.equipment",
            ),
            (
                "procurement",
                format!("/alliances/{}/procurement", self.id),
                "alliance.tab.procurement",
            ),
            (
                "training",
                format!("/training/{}", self.id),
                "alliance.tab.training",
            ),
            (
                "aid",
                format!("/alliances/{}/aid", self.id),
                "alliance.tab.aid",
            ),
        ]
        .into_iter()
        .map(|(tab, href, key)| (tab, href, t.get(key)))
        .collect()
    }
}
