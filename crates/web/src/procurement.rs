//! An alliance's joint procurement (共同購入) in the browser: its catalogue (an item added with
//! its YJ and JAN codes checked, the problem said at the field), its tenders with their state
//! and totals; a tender's page — the members' demands entered while it is open, the
//! aggregated tender per item and per member, closing it, the awarded prices per item once
//! closed, and the savings per member and per item with totals that reconcile — and the
//! tender document to download (`tender.xlsx`: 入札集計, 参加法人別, 削減効果; `items.csv`).
//! Who may do what is decided in `chiiki_app::alliance::access`; this module shows it.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chiiki_app::AppError;
use chiiki_app::auth::Session;
use chiiki_app::procurement::{self as pc, AwardInput, DemandInput, TenderView};
use chiiki_domain::procurement::{
    CatalogueItem, CatalogueItemFields, ItemKind, JanCode, SavingTotals, Tender, TenderFields,
    TenderState, YjCode,
};
use chiiki_domain::{AllianceId, Msg, NaiveDate, Name, parse_date};
use chiiki_tabular::Format;

use crate::alliance::{Head, alliance_id, head_of};
use crate::forms::{Fields, field, on_page};
use crate::pages::{Chrome, internal, reading, render};
use crate::session::{Auth, Prefs, csrf_ok, csrf_refused};
use crate::{AppState, PageError};

/// The messages of these pages (part of the catalog in `i18n`).
pub(crate) const MESSAGES: &[(&str, &str, &str)] = &[
    ("procurement.title", "共同購入", "Joint procurement"),
    (
        "procurement.intro",
        "参加法人が共同で購入する医薬品・診療材料・医療機器の品目と入札です。入札ごとに参加法人の需要（数量と現行単価）を集め、締切後に落札単価を登録すると、参加法人ごと・品目ごとの削減効果が分かります。",
        "The drugs, materials and devices the member corporations buy together, and their tenders. Each tender gathers the members' demands (quantity and the unit price they pay now); once it is closed and the awarded prices are entered, the savings per member and per item follow.",
    ),
    ("procurement.catalogue", "共同購入品目", "Catalogue"),
    (
        "procurement.catalogue.none",
        "品目はまだありません。",
        "No items yet.",
    ),
    ("procurement.item", "品目", "Item"),
    ("procurement.item.no", "番号", "No."),
    ("procurement.item.name", "品名", "Name"),
    ("procurement.item.kind", "区分", "Kind"),
    ("procurement.item.yj", "YJコード", "YJ code"),
    ("procurement.item.jan", "JANコード", "JAN code"),
    ("procurement.item.unit", "単位", "Unit"),
    ("procurement.item.new", "品目を追加する", "Add an item"),
    (
        "procurement.item.name.help",
        "規格・包装が分かるように（例: アセトアミノフェン錠200mg 100錠）",
        "With strength and package (e.g. Acetaminophen 200 mg, 100 tablets)",
    ),
    (
        "procurement.item.yj.help",
        "医薬品だけ。12文字（例: 1149019F1560）",
        "Drugs only: 12 characters (e.g. 1149019F1560)",
    ),
    (
        "procurement.item.jan.help",
        "13桁（または8桁）。最後の桁はチェックデジット",
        "13 (or 8) digits; the last is the check digit",
    ),
    (
        "procurement.item.unit.help",
        "購入・単価の単位（箱、本、個など）",
        "The unit bought and priced (box, bottle, piece, …)",
    ),
    ("procurement.add", "追加する", "Add"),
    ("procurement.tenders", "入札", "Tenders"),
    (
        "procurement.tenders.none",
        "入札はまだありません。",
        "No tenders yet.",
    ),
    ("procurement.tender.title", "件名", "Title"),
    ("procurement.tender.state", "状況", "State"),
    ("procurement.tender.period", "契約期間", "Contract period"),
    (
        "procurement.tender.deadline",
        "需要の締切日",
        "Demand deadline",
    ),
    ("procurement.tender.from", "契約開始日", "Contract start"),
    ("procurement.tender.to", "契約終了日", "Contract end"),
    ("procurement.tender.demands", "需要件数", "Demands"),
    ("procurement.tender.members", "参加法人数", "Members"),
    ("procurement.tender.new", "入札を作成する", "Open a tender"),
    ("procurement.tender.create", "作成する", "Open"),
    (
        "procurement.tender.period.help",
        "契約期間は1年以内。需要の締切日は契約開始日以前にしてください。",
        "A contract period of at most a year; the demand deadline on or before its start.",
    ),
    (
        "procurement.back",
        "共同購入の一覧へ",
        "Back to joint procurement",
    ),
    ("procurement.download", "ダウンロード", "Download"),
    (
        "procurement.download.xlsx",
        "入札書類（XLSX: 入札集計・参加法人別・削減効果）",
        "Tender document (XLSX: items, members' lines, savings)",
    ),
    (
        "procurement.download.csv",
        "入札集計（CSV）",
        "Aggregated items (CSV)",
    ),
    ("procurement.demand.new", "需要を登録する", "Enter a demand"),
    (
        "procurement.demand.help",
        "参加法人ごと・品目ごとに1件。契約期間中に購入する数量と、現在支払っている単価（円）を入力します。",
        "One per member and item: the quantity it will buy over the contract period and the unit price it pays now (yen).",
    ),
    ("procurement.demand.member", "参加法人", "Member"),
    ("procurement.demand.quantity", "数量", "Quantity"),
    (
        "procurement.demand.price",
        "現行単価（円）",
        "Current unit price (yen)",
    ),
    ("procurement.demand.save", "登録する", "Enter"),
    ("procurement.demand.remove", "取消", "Remove"),
    (
        "procurement.demands.none",
        "需要はまだありません。",
        "No demands yet.",
    ),
    (
        "procurement.sheet",
        "入札集計（品目別）",
        "Aggregated tender (per item)",
    ),
    (
        "procurement.lines",
        "参加法人別の需要",
        "Demands per member",
    ),
    ("procurement.total_quantity", "総数量", "Total quantity"),
    (
        "procurement.average_price",
        "平均現行単価",
        "Average current price",
    ),
    ("procurement.current_cost", "現行金額", "Current cost"),
    ("procurement.total", "合計", "Total"),
    ("procurement.close", "締め切る", "Close to demands"),
    (
        "procurement.close.help",
        "締め切ると需要は登録できなくなり、落札単価を登録できるようになります。",
        "Once closed, no demand can be entered and the awarded prices can be.",
    ),
    ("procurement.cancel", "入札を中止する", "Cancel the tender"),
    (
        "procurement.award",
        "落札単価を登録する",
        "Enter the awards",
    ),
    (
        "procurement.award.help",
        "品目ごとに落札単価（円）と落札業者を入力します。単価を空欄にした品目は未落札になります。登録すると入札は「落札」になります。",
        "Per item, the awarded unit price (yen) and the supplier. An item with no price is not awarded. Entering them marks the tender awarded.",
    ),
    (
        "procurement.award.price",
        "落札単価（円）",
        "Awarded unit price (yen)",
    ),
    ("procurement.award.supplier", "落札業者", "Supplier"),
    ("procurement.award.save", "落札を登録する", "Award"),
    ("procurement.savings", "削減効果", "Savings"),
    (
        "procurement.savings.intro",
        "削減額 = 現行金額 − 落札後金額（落札した品目だけ）。マイナスは落札後の方が高い（損失）ことを示します。参加法人別と品目別の合計は一致します。",
        "Saving = current cost − cost after the award (awarded items only). A negative saving means the award costs more (a loss). The totals per member and per item agree.",
    ),
    ("procurement.savings.members", "参加法人別", "Per member"),
    ("procurement.savings.items", "品目別", "Per item"),
    ("procurement.cost_before", "現行金額", "Cost before"),
    ("procurement.cost_after", "落札後金額", "Cost after"),
    ("procurement.saving", "削減額", "Saving"),
    ("procurement.not_awarded", "未落札分", "Not awarded"),
    ("procurement.loss", "損失", "loss"),
    ("procurement.rate", "削減率", "Rate"),
];

/// The routes of these pages.
pub(crate) fn routes() -> Router<AppState> {
    let base = "/alliances/{id}/procurement";
    Router::new()
        .route(base, get(home))
        .route(&format!("{base}/items"), post(add_item))
        .route(&format!("{base}/tenders"), post(add_tender))
        .route(&format!("{base}/tenders/{{t}}"), get(tender_page))
        .route(&format!("{base}/tenders/{{t}}/demands"), post(enter_demand))
        .route(
            &format!("{base}/tenders/{{t}}/demands/{{d}}/remove"),
            post(remove_demand),
        )
        .route(&format!("{base}/tenders/{{t}}/close"), post(close))
        .route(&format!("{base}/tenders/{{t}}/cancel"), post(cancel))
        .route(&format!("{base}/tenders/{{t}}/award"), post(award))
        .route(&format!("{base}/tenders/{{t}}/{{file}}"), get(file))
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Whole yen with thousands separators: `¥12,345`, `−¥1,234`. Exact for every i128.
pub(crate) fn yen(v: i128) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if v < 0 {
        out.push('−');
    }
    out.push('¥');
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separators.
fn grouped(n: u64) -> String {
    yen(i128::from(n)).trim_start_matches('¥').to_string()
}

/// A saving as shown: the amount, and whether it is a loss.
struct Money {
    text: String,
    loss: bool,
}

fn saving(v: i128) -> Money {
    Money {
        text: yen(v),
        loss: v < 0,
    }
}

/// The saving as a share of the cost before, to one decimal (exact integer arithmetic).
fn rate(t: &SavingTotals) -> String {
    if t.cost_before == 0 {
        return "—".into();
    }
    // Per mille, rounded half away from zero.
    let num = t.saving * 2000;
    let den = t.cost_before * 2;
    let pm = (num + num.signum() * t.cost_before) / den;
    let sign = if pm < 0 { "−" } else { "" };
    let pm = pm.unsigned_abs();
    format!("{sign}{}.{}%", pm / 10, pm % 10)
}

/// A number typed in a form: full-width digits, `¥` and thousands separators accepted.
fn number(raw: &str) -> Option<u128> {
    let s = chiiki_domain::normalize(raw);
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | '\\' | ' ' | '円'))
        .collect();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn bad_number(what: Msg, raw: &str, hint: Msg) -> AppError {
    AppError::Rejected(Msg::new(
        format!("{}「{raw}」が数として読めません。{}", what.ja, hint.ja),
        format!("the {} '{raw}' is not a number: {}", what.en, hint.en),
    ))
}

fn quantity_of(raw: &str) -> Result<u64, AppError> {
    number(raw)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| {
            bad_number(
                Msg::new("数量", "quantity"),
                raw,
                Msg::new(
                    "1以上の整数で入力してください",
                    "give a whole number of 1 or more",
                ),
            )
        })
}

fn price_of(what: Msg, raw: &str) -> Result<i64, AppError> {
    number(raw)
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| {
            bad_number(
                what,
                raw,
                Msg::new("円単位の整数で入力してください", "give whole yen"),
            )
        })
}

/// An error said on the page, with the field it is about (empty for none).
struct Said {
    field: &'static str,
    msg: Msg,
}

/// The field a failed step is about, carried with its error.
fn at(field: &'static str) -> impl FnOnce(AppError) -> (&'static str, AppError) {
    move |e| (field, e)
}

/// An app error said on the page (422) with its field, or the error page.
fn said((field, e): (&'static str, AppError)) -> Result<Said, PageError> {
    Ok(Said {
        field,
        msg: on_page(e)?,
    })
}

/// A form as typed, with the problem said at its field.
#[derive(Default, Clone)]
pub(crate) struct Typed {
    values: std::collections::HashMap<String, String>,
    error: Option<(&'static str, String)>,
}

impl Typed {
    fn of(f: &Fields, keys: &[&str]) -> Typed {
        Typed {
            values: keys
                .iter()
                .map(|k| ((*k).to_string(), field(f, k).to_string()))
                .collect(),
            error: None,
        }
    }
    /// The value typed in a field.
    pub fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
    /// The problem said at the field, if it is this one.
    pub fn error_at(&self, k: &str) -> Option<&str> {
        match &self.error {
            Some((f, m)) if *f == k => Some(m.as_str()),
            _ => None,
        }
    }
    fn with(mut self, s: &Said) -> Typed {
        self.error = Some((s.field, s.msg.to_string()));
        self
    }
}

// ---------------------------------------------------------------------------------------
// The catalogue and the tenders

struct ItemRow {
    id: u64,
    name: String,
    kind: &'static str,
    yj: String,
    jan: String,
    unit: String,
}

struct TenderLine {
    id: u64,
    title: String,
    state: &'static str,
    state_code: &'static str,
    period: String,
    deadline: String,
    demands: usize,
    members: usize,
    current_cost: String,
    saving: Option<Money>,
}

#[derive(Template)]
#[template(path = "procurement_home.html")]
struct HomePage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    items: Vec<ItemRow>,
    tenders: Vec<TenderLine>,
    kinds: Vec<(&'static str, &'static str)>,
    item: Typed,
    tender: Typed,
}

/// `GET /alliances/{id}/procurement`.
async fn home(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path(raw): Path<String>,
) -> Result<Html<String>, PageError> {
    home_page(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        None,
        Typed::default(),
        Typed::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn home_page(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    error: Option<Msg>,
    item: Typed,
    tender: Typed,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "procurement", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let lang = prefs.lang;
    let items = pc::catalogue(store, who, &a.id)
        .await
        .map_err(reading)?
        .iter()
        .map(|i| ItemRow {
            id: i.id,
            name: i.name.to_string(),
            kind: i.kind.label(lang),
            yj: i.yj.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            jan: i.jan.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            unit: i.unit.clone(),
        })
        .collect();
    let tenders = pc::tenders(store, who, &a.id)
        .await
        .map_err(reading)?
        .iter()
        .map(|r| TenderLine {
            id: r.tender.id,
            title: r.tender.title.clone(),
            state: r.tender.state.label(lang),
            state_code: r.tender.state.code(),
            period: format!(
                "{} – {}",
                chrome.date(r.tender.from),
                chrome.date(r.tender.to)
            ),
            deadline: chrome.date(r.tender.deadline),
            demands: r.demands,
            members: r.members,
            current_cost: yen(r.current_cost),
            saving: r.saving.map(saving),
        })
        .collect();
    render(&HomePage {
        error: error.map(|m| m.to_string()),
        items,
        tenders,
        kinds: ItemKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(lang)))
            .collect(),
        item,
        tender,
        head,
        chrome,
    })
}

fn item_input(id: &AllianceId, f: &Fields) -> Result<CatalogueItem, (&'static str, AppError)> {
    let name = Name::parse(field(f, "name")).map_err(|e| ("name", AppError::invalid(e)))?;
    let kind = ItemKind::parse(field(f, "kind")).map_err(|_| {
        (
            "kind",
            crate::dispatch::unknown(Msg::new("区分", "kind"), field(f, "kind")),
        )
    })?;
    let yj = match field(f, "yj") {
        "" => None,
        c => Some(YjCode::parse(c).map_err(|e| ("yj", AppError::invalid(e)))?),
    };
    let jan = match field(f, "jan") {
        "" => None,
        c => Some(JanCode::parse(c).map_err(|e| ("jan", AppError::invalid(e)))?),
    };
    CatalogueItem::new(CatalogueItemFields {
        id: 0,
        alliance: id.clone(),
        name,
        kind,
        yj,
        jan,
        unit: field(f, "unit").to_string(),
        note: String::new(),
    })
    .map_err(|e| {
        // The item's own checks: a YJ code on what is not a drug, or the unit.
        let about = if e.problem.en.contains("(yj)") {
            "yj"
        } else if e.problem.en.contains("unit") {
            "unit"
        } else {
            ""
        };
        (about, AppError::invalid(e))
    })
}

/// `POST /alliances/{id}/procurement/items`: adds an item to the catalogue; the page again
/// with the problem at its field (422) when it cannot be.
async fn add_item(
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
    let store = s.store.as_ref();
    let result = match item_input(&id, &f) {
        Ok(input) => pc::add_item(store, &session.principal, input)
            .await
            .map_err(|e| {
                let about = match &e {
                    AppError::Rejected(m) if m.en.contains("(jan)") => "jan",
                    AppError::Rejected(m) if m.en.contains("(yj)") => "yj",
                    _ => "",
                };
                (about, e)
            }),
        Err(e) => Err(e),
    };
    match result {
        Ok(item) => Ok(
            Redirect::to(&format!("/alliances/{id}/procurement#item-{}", item.id)).into_response(),
        ),
        Err(e) => {
            let said = said(e)?;
            let typed = Typed::of(&f, &["name", "kind", "yj", "jan", "unit"]).with(&said);
            let html = home_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                Some(said.msg),
                typed,
                Typed::default(),
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

fn day_of(f: &Fields, k: &'static str, what: Msg) -> Result<NaiveDate, (&'static str, AppError)> {
    parse_date(field(f, k)).map_err(|_| {
        (
            k,
            AppError::Rejected(Msg::new(
                format!("{}「{}」が日付として読めません", what.ja, field(f, k)),
                format!("the {} '{}' is not a date", what.en, field(f, k)),
            )),
        )
    })
}

/// `POST /alliances/{id}/procurement/tenders`: opens a tender.
async fn add_tender(
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
    let result = async {
        let input = Tender::new(TenderFields {
            id: 0,
            alliance: id.clone(),
            title: field(&f, "title").to_string(),
            from: day_of(&f, "from", Msg::new("契約開始日", "contract start"))?,
            to: day_of(&f, "to", Msg::new("契約終了日", "contract end"))?,
            deadline: day_of(&f, "deadline", Msg::new("需要の締切日", "demand deadline"))?,
            state: TenderState::Open,
            note: String::new(),
        })
        .map_err(|e| {
            let about = if e.problem.en.contains("(title)") || e.problem.en.contains("title '") {
                "title"
            } else if e.problem.en.contains("deadline") {
                "deadline"
            } else if e.problem.en.contains("from/to") {
                "to"
            } else {
                ""
            };
            (about, AppError::invalid(e))
        })?;
        pc::add_tender(s.store.as_ref(), &session.principal, input)
            .await
            .map_err(at(""))
    }
    .await;
    match result {
        Ok(t) => Ok(
            Redirect::to(&format!("/alliances/{id}/procurement/tenders/{}", t.id)).into_response(),
        ),
        Err(e) => {
            let said = said(e)?;
            let typed = Typed::of(&f, &["title", "from", "to", "deadline"]).with(&said);
            let html = home_page(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                Some(said.msg),
                Typed::default(),
                typed,
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------
// A tender

struct SheetRow {
    item: u64,
    name: String,
    codes: String,
    unit: String,
    quantity: String,
    members: usize,
    average: String,
    cost: String,
}

struct LineRow {
    demand: u64,
    item: String,
    member: String,
    quantity: String,
    price: String,
    cost: String,
}

struct AwardRow {
    item: u64,
    name: String,
    unit: String,
    quantity: String,
    average: String,
    price: String,
    supplier: String,
}

struct SavingRow {
    name: String,
    /// For items: the quantity, the awarded price and the supplier.
    detail: Option<(String, String, String)>,
    before: String,
    after: String,
    saving: Money,
    rate: String,
    not_awarded: String,
}

fn saving_row(
    name: String,
    detail: Option<(String, String, String)>,
    t: &SavingTotals,
) -> SavingRow {
    SavingRow {
        name,
        detail,
        before: yen(t.cost_before),
        after: yen(t.cost_after),
        saving: saving(t.saving),
        rate: rate(t),
        not_awarded: yen(t.not_awarded_cost),
    }
}

#[derive(Template)]
#[template(path = "procurement_tender.html")]
struct TenderPage {
    chrome: Chrome,
    head: Head,
    error: Option<String>,
    id: u64,
    title: String,
    state: &'static str,
    state_code: &'static str,
    period: String,
    deadline: String,
    note: String,
    /// Demands can be entered (open, the deadline not passed) by this user.
    can_enter: bool,
    /// The user may close or cancel it.
    can_close: bool,
    can_cancel: bool,
    /// The user may enter the awards (closed).
    can_award: bool,
    members: Vec<String>,
    catalogue: Vec<(u64, String)>,
    items: Vec<SheetRow>,
    total_quantity: String,
    total_members: usize,
    total_cost: String,
    lines: Vec<LineRow>,
    awards: Vec<AwardRow>,
    /// Whether savings are shown (some award exists).
    has_savings: bool,
    by_member: Vec<SavingRow>,
    by_item: Vec<SavingRow>,
    overall: SavingRow,
    demand: Typed,
}

/// `GET /alliances/{id}/procurement/tenders/{t}`.
async fn tender_page(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, t)): Path<(String, u64)>,
) -> Result<Html<String>, PageError> {
    show_tender(
        &s,
        &session,
        prefs,
        &uri,
        &raw,
        t,
        None,
        Typed::default(),
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show_tender(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    t: u64,
    error: Option<Msg>,
    demand: Typed,
    award: Option<&Fields>,
) -> Result<Html<String>, PageError> {
    let (a, head) = head_of(s, session, raw, "procurement", prefs.lang).await?;
    let who = &session.principal;
    let store = s.store.as_ref();
    let chrome = Chrome::new(session, prefs, "alliances", uri);
    let lang = prefs.lang;
    let v: TenderView = pc::tender(store, who, &a.id, t).await.map_err(reading)?;
    let manage = v.access.manage;
    let today = today();
    let members = store
        .list_alliance_members(&a.id, Some(today))
        .await?
        .iter()
        .map(|m| m.corporation.to_string())
        .collect();
    let names: std::collections::BTreeMap<u64, String> =
        v.items.iter().map(|i| (i.id, i.name.to_string())).collect();
    let items = v
        .sheet
        .items
        .iter()
        .map(|r| SheetRow {
            item: r.item,
            name: r.name.to_string(),
            codes: [
                r.yj.as_ref().map(|c| format!("YJ {c}")),
                r.jan.as_ref().map(|c| format!("JAN {c}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / "),
            unit: r.unit.clone(),
            quantity: grouped(r.quantity),
            members: r.members,
            average: yen(i128::from(r.average_price)),
            cost: yen(r.current_cost),
        })
        .collect();
    let lines = v
        .sheet
        .lines
        .iter()
        .map(|l| LineRow {
            demand: l.demand,
            item: names.get(&l.item).cloned().unwrap_or_default(),
            member: l.member.to_string(),
            quantity: grouped(l.quantity),
            price: yen(i128::from(l.current_price)),
            cost: yen(l.current_cost),
        })
        .collect();
    let awards = v
        .sheet
        .items
        .iter()
        .map(|r| {
            let stored = v.awards.iter().find(|x| x.item == r.item);
            let typed = |k: &str| award.map(|f| field(f, &format!("{k}-{}", r.item)).to_string());
            AwardRow {
                item: r.item,
                name: r.name.to_string(),
                unit: r.unit.clone(),
                quantity: grouped(r.quantity),
                average: yen(i128::from(r.average_price)),
                price: typed("price").unwrap_or_else(|| {
                    stored.map(|x| x.unit_price.to_string()).unwrap_or_default()
                }),
                supplier: typed("supplier")
                    .unwrap_or_else(|| stored.map(|x| x.supplier.clone()).unwrap_or_default()),
            }
        })
        .collect();
    let sv = &v.savings;
    let by_member = sv
        .by_member
        .iter()
        .map(|m| saving_row(m.member.to_string(), None, &m.totals))
        .collect();
    let by_item = sv
        .by_item
        .iter()
        .map(|i| {
            let detail = (
                format!("{} {}", grouped(i.quantity), i.unit),
                i.after_price
                    .map(|p| yen(i128::from(p)))
                    .unwrap_or_else(|| "—".into()),
                i.supplier.clone().unwrap_or_default(),
            );
            saving_row(i.name.to_string(), Some(detail), &i.totals)
        })
        .collect();
    let state = v.tender.state;
    render(&TenderPage {
        error: error.map(|m| m.to_string()),
        id: v.tender.id,
        title: v.tender.title.clone(),
        state: state.label(lang),
        state_code: state.code(),
        period: format!(
            "{} – {}",
            chrome.date(v.tender.from),
            chrome.date(v.tender.to)
        ),
        deadline: chrome.date(v.tender.deadline),
        note: v.tender.note.clone(),
        can_enter: manage && v.tender.accepts_demands(today),
        can_close: manage && state == TenderState::Open,
        can_cancel: manage && matches!(state, TenderState::Open | TenderState::Closed),
        can_award: manage && state == TenderState::Closed && !v.sheet.items.is_empty(),
        members,
        catalogue: v.items.iter().map(|i| (i.id, i.name.to_string())).collect(),
        items,
        total_quantity: grouped(v.sheet.total_quantity),
        total_members: v.sheet.members().len(),
        total_cost: yen(v.sheet.total_current_cost),
        lines,
        awards,
        has_savings: !v.awards.is_empty(),
        by_member,
        by_item,
        overall: saving_row(String::new(), None, &sv.overall),
        demand,
        head,
        chrome,
    })
}

/// The page again with the problem (422), or the error page.
#[allow(clippy::too_many_arguments)]
async fn again(
    s: &AppState,
    session: &Session,
    prefs: Prefs,
    uri: &Uri,
    raw: &str,
    t: u64,
    e: (&'static str, AppError),
    demand: Typed,
    award: Option<&Fields>,
) -> Result<Response, PageError> {
    let said = said(e)?;
    let demand = if demand.values.is_empty() {
        demand
    } else {
        demand.with(&said)
    };
    let html = show_tender(
        s,
        session,
        prefs,
        uri,
        raw,
        t,
        Some(said.msg),
        demand,
        award,
    )
    .await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

fn back(id: &AllianceId, t: u64, anchor: &str) -> Response {
    Redirect::to(&format!("/alliances/{id}/procurement/tenders/{t}{anchor}")).into_response()
}

/// `POST …/tenders/{t}/demands`: enters a member's demand.
async fn enter_demand(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, t)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let result = async {
        let member = Name::parse(field(&f, "member")).map_err(|_| {
            (
                "member",
                crate::dispatch::unknown(Msg::new("参加法人", "member"), field(&f, "member")),
            )
        })?;
        let item: u64 = field(&f, "item").parse().map_err(|_| {
            (
                "item",
                crate::dispatch::unknown(Msg::new("品目", "item"), field(&f, "item")),
            )
        })?;
        let quantity = quantity_of(field(&f, "quantity")).map_err(at("quantity"))?;
        let current_price = price_of(
            Msg::new("現行単価", "current unit price"),
            field(&f, "current_price"),
        )
        .map_err(at("current_price"))?;
        let input = DemandInput {
            member,
            item,
            quantity,
            current_price,
            note: String::new(),
        };
        pc::enter_demand(s.store.as_ref(), &session.principal, &id, t, input, today())
            .await
            .map_err(|e| {
                let about = match &e {
                    AppError::Invalid(v) if v.problem.en.contains("(quantity)") => "quantity",
                    AppError::Invalid(v) if v.problem.en.contains("(current_price)") => {
                        "current_price"
                    }
                    AppError::Rejected(m) if m.en.contains("(member)") => "member",
                    _ => "",
                };
                (about, e)
            })
    }
    .await;
    match result {
        Ok(d) => Ok(back(&id, t, &format!("#demand-{}", d.id))),
        Err(e) => {
            let typed = Typed::of(&f, &["member", "item", "quantity", "current_price"]);
            again(&s, &session, prefs, &uri, &raw, t, e, typed, None).await
        }
    }
}

/// `POST …/tenders/{t}/demands/{d}/remove`.
async fn remove_demand(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, t, d)): Path<(String, u64, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    match pc::remove_demand(s.store.as_ref(), &session.principal, &id, t, d, today()).await {
        Ok(()) => Ok(back(&id, t, "#lines")),
        Err(e) => {
            again(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                t,
                ("", e),
                Typed::default(),
                None,
            )
            .await
        }
    }
}

/// `POST …/tenders/{t}/close`.
async fn close(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, t)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    next_state(s, session, prefs, uri, raw, t, f, true).await
}

/// `POST …/tenders/{t}/cancel`.
async fn cancel(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, t)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    next_state(s, session, prefs, uri, raw, t, f, false).await
}

/// Closes (`close`) or cancels a tender; back to it, or its page again with the problem.
#[allow(clippy::too_many_arguments)]
async fn next_state(
    s: AppState,
    session: Session,
    prefs: Prefs,
    uri: Uri,
    raw: String,
    t: u64,
    f: Fields,
    close: bool,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let who = &session.principal;
    let done = if close {
        pc::close_tender(s.store.as_ref(), who, &id, t).await
    } else {
        pc::cancel_tender(s.store.as_ref(), who, &id, t).await
    };
    match done {
        Ok(_) => Ok(back(&id, t, "")),
        Err(e) => {
            again(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                t,
                ("", e),
                Typed::default(),
                None,
            )
            .await
        }
    }
}

/// `POST …/tenders/{t}/award`: `price-{item}` and `supplier-{item}` per item; an item whose
/// price is blank is not awarded.
async fn award(
    State(s): State<AppState>,
    Auth(session): Auth,
    prefs: Prefs,
    uri: Uri,
    Path((raw, t)): Path<(String, u64)>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    if !csrf_ok(&session.csrf, f.get("csrf").map(String::as_str)) {
        return Ok(csrf_refused());
    }
    let id = alliance_id(&raw)?;
    let result = async {
        let mut items: Vec<u64> = f
            .keys()
            .filter_map(|k| k.strip_prefix("price-"))
            .filter_map(|k| k.parse().ok())
            .collect();
        items.sort_unstable();
        let mut inputs = Vec::new();
        for item in items {
            let price = field(&f, &format!("price-{item}"));
            if price.is_empty() {
                continue;
            }
            let unit_price =
                price_of(Msg::new("落札単価", "awarded unit price"), price).map_err(at(""))?;
            inputs.push(AwardInput {
                item,
                unit_price,
                supplier: field(&f, &format!("supplier-{item}")).to_string(),
            });
        }
        pc::award_tender(s.store.as_ref(), &session.principal, &id, t, inputs)
            .await
            .map_err(at(""))
    }
    .await;
    match result {
        Ok(_) => Ok(back(&id, t, "#savings")),
        Err(e) => {
            again(
                &s,
                &session,
                prefs,
                &uri,
                &raw,
                t,
                e,
                Typed::default(),
                Some(&f),
            )
            .await
        }
    }
}

/// `GET …/tenders/{t}/tender.xlsx` (入札集計, 参加法人別, 削減効果) and `…/items.csv`.
async fn file(
    State(s): State<AppState>,
    Auth(session): Auth,
    Path((raw, t, file)): Path<(String, u64, String)>,
) -> Result<Response, PageError> {
    let id = alliance_id(&raw)?;
    let v = pc::tender(s.store.as_ref(), &session.principal, &id, t)
        .await
        .map_err(reading)?;
    let stem = format!("{id}-tender-{t}");
    match file.as_str() {
        "tender.xlsx" => {
            let bytes = chiiki_tabular::sheets_to_xlsx(&v.tender.title, &pc::tender_sheets(&v))
                .map_err(internal)?;
            Ok(crate::files::attachment(bytes, Format::Xlsx, &stem))
        }
        "items.csv" => {
            let bytes =
                chiiki_tabular::sheet_to_csv(&pc::items_sheet(&v.sheet)).map_err(internal)?;
            Ok(crate::files::attachment(
                bytes,
                Format::Csv,
                &format!("{stem}-items"),
            ))
        }
        _ => Err(PageError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_groups_thousands_exactly() {
        assert_eq!(yen(0), "¥0");
        assert_eq!(yen(999), "¥999");
        assert_eq!(yen(1_000), "¥1,000");
        assert_eq!(yen(12_345), "¥12,345");
        assert_eq!(yen(-1_234_567), "−¥1,234,567");
        assert_eq!(
            yen(i128::MIN),
            "−¥170,141,183,460,469,231,731,687,303,715,884,105,728"
        );
        assert_eq!(grouped(1_000_000_000), "1,000,000,000");
    }

    #[test]
    fn numbers_are_read_with_separators_and_full_width() {
        assert_eq!(number("¥1,234"), Some(1_234));
        assert_eq!(number("１２３"), Some(123));
        assert_eq!(number("1.5"), None);
        assert_eq!(number("-3"), None);
        assert_eq!(number(""), None);
        assert!(quantity_of("99999999999999999999999").is_err());
    }

    #[test]
    fn rates_round_half_away_from_zero() {
        let t = |before: i128, saving: i128| SavingTotals {
            cost_before: before,
            saving,
            ..SavingTotals::default()
        };
        assert_eq!(rate(&t(1000, 55)), "5.5%");
        assert_eq!(rate(&t(3, 1)), "33.3%");
        assert_eq!(rate(&t(2000, -1)), "−0.1%");
        assert_eq!(rate(&t(0, 0)), "—");
    }
}
