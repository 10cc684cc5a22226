//! Joint procurement (共同購入) of a regional medical alliance: the catalogue of items the
//! members buy together (drugs, materials, devices), a tender (入札) that gathers the members'
//! demands (需要) over a period, the aggregated tender sheet (集約表) handed to suppliers, the
//! awarded unit prices (落札単価) and the savings (削減効果) each member gets from them.
//!
//! Awards are their own documents (`procurement_awards`, one per item of a tender, parent the
//! tender), so that prices can be entered item by item while the tender is closed; awarding
//! the tender (`Tender::award`) checks the whole set and moves the tender to `awarded`.
//!
//! All money is whole yen. Quantities and prices are bounded in the records' constructors, and
//! costs (quantity × unit price) are computed in `i128`, so that every total is exact and
//! reconciles to the yen: the per-item totals of the sheet add up to the demands, and the
//! savings per member, per item and overall add up to the same figures.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::alliance::{invalid, short_text};
use crate::codes::AllianceId;
use crate::date::NaiveDate;
use crate::document::{DocScope, Document};
use crate::error::{ValueError, normalize};
use crate::name::Name;
use crate::text::{Lang, Msg};

/// The most characters of a tender's title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The most characters of an item's unit (箱, 本, 個, …).
pub const MAX_UNIT_CHARS: usize = 10;
/// The most characters of a supplier's name.
pub const MAX_SUPPLIER_CHARS: usize = 100;
/// The largest quantity a member can ask for one item in one tender.
pub const MAX_QUANTITY: u64 = 1_000_000_000;
/// The largest unit price, in yen.
pub const MAX_PRICE_YEN: i64 = 10_000_000_000;

crate::labels::labelled_enum!(
    /// What a catalogue item is.
    ItemKind, "品目区分", "item kind" {
        Drug = ("drug", "医薬品", "Drug", "薬品", "medicine"),
        Material = ("material", "診療材料", "Medical material", "材料", "医療材料"),
        Device = ("device", "医療機器", "Medical device", "機器"),
        Other = ("other", "その他", "Other"),
    }
);

crate::labels::labelled_enum!(
    /// Where a tender stands: open for demands (募集中), closed to demands (締切), awarded
    /// (落札) once prices are fixed, or cancelled (中止). Awarded and cancelled are final.
    TenderState, "入札状況", "tender state" {
        Open = ("open", "募集中", "Open"),
        Closed = ("closed", "締切", "Closed"),
        Awarded = ("awarded", "落札", "Awarded"),
        Cancelled = ("cancelled", "中止", "Cancelled", "canceled"),
    }
);

// ---------------------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------------------

/// A YJ code (薬価基準収載医薬品コード, 個別医薬品コード): 12 characters, seven digits, a
/// capital letter A–Z, and four digits (e.g. `1149019F1560`). Full-width input is accepted.
/// Only the format is checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YjCode(String);

impl YjCode {
    /// Parses a YJ code after NFKC normalisation (full-width to ASCII, lower case letters to
    /// capitals).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input).to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 12
            && b.iter().enumerate().all(|(i, c)| {
                if i == 7 {
                    c.is_ascii_uppercase()
                } else {
                    c.is_ascii_digit()
                }
            });
        if !ok {
            return Err(invalid(
                input,
                format!("YJコード（yj）「{input}」の形式が正しくありません"),
                format!("the YJ code (yj) '{input}' is not well formed"),
                Msg::new(
                    "12文字で、1〜7文字目は数字、8文字目は英大文字、9〜12文字目は数字にしてください（例: 1149019F1560）",
                    "give 12 characters: 7 digits, a capital letter, 4 digits (e.g. 1149019F1560)",
                ),
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JAN code (GS1 GTIN-13 or GTIN-8): 13 or 8 digits whose last is the check digit.
/// Full-width digits are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JanCode(String);

/// The GS1 check digit of the digits before it (weights 3, 1, 3, … from the right), or
/// `None` if a character is not an ASCII digit.
pub fn gs1_check_digit(body: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, c) in body.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = u32::from(c - b'0');
        sum += if i % 2 == 0 { 3 * d } else { d };
    }
    // sum % 10 < 10, so the result is a single digit.
    Some(((10 - sum % 10) % 10) as u8)
}

impl JanCode {
    /// Parses a JAN code after NFKC normalisation: 13 or 8 digits with the correct check
    /// digit. The error gives the correct check digit when only it is wrong.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        let well_formed = (s.len() == 13 || s.len() == 8) && s.bytes().all(|c| c.is_ascii_digit());
        if !well_formed {
            return Err(invalid(
                input,
                format!("JANコード（jan）「{input}」は13桁または8桁の数字ではありません"),
                format!("the JAN code (jan) '{input}' is not 13 or 8 digits"),
                Msg::new(
                    "13桁（または短縮8桁）の数字で入力してください（例: 4901234567894）",
                    "give 13 (or 8) digits (e.g. 4901234567894)",
                ),
            ));
        }
        let (body, last) = s.split_at(s.len() - 1);
        let expected = gs1_check_digit(body).unwrap_or(0);
        if last.as_bytes().first().map(|c| c - b'0') != Some(expected) {
            return Err(invalid(
                input,
                format!("JANコード（jan）「{input}」のチェックデジットが合いません"),
                format!("the check digit of the JAN code (jan) '{input}' is wrong"),
                Msg::new(
                    format!(
                        "チェックデジット（最後の桁）は {expected} です（{body}{expected}）。コードを確認してください"
                    ),
                    format!(
                        "the check digit (last digit) should be {expected} ({body}{expected}); check the code"
                    ),
                ),
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! code_serde {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $t {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                Self::parse(s)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
code_serde!(YjCode);
code_serde!(JanCode);

// ---------------------------------------------------------------------------------------
// Catalogue items
// ---------------------------------------------------------------------------------------

/// An item of an alliance's joint-procurement catalogue (共同購入品目).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CatalogueItemFields", into = "CatalogueItemFields")]
pub struct CatalogueItem(CatalogueItemFields);

/// The fields of a catalogue item, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueItemFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// Its name (品名, with strength and package where it matters).
    pub name: Name,
    pub kind: ItemKind,
    /// Its YJ code; drugs only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yj: Option<YjCode>,
    /// Its JAN code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jan: Option<JanCode>,
    /// The unit it is bought and priced in (箱, 本, 個, …); 1 to 10 characters.
    pub unit: String,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub note: String,
}

checked_record!(CatalogueItem, CatalogueItemFields);

impl CatalogueItem {
    /// Checks the fields: a YJ code only for a drug, a unit of 1 to 10 characters and a note
    /// of at most 1,000.
    pub fn new(mut f: CatalogueItemFields) -> Result<Self, ValueError> {
        f.unit = normalize(&f.unit);
        if let Some(yj) = &f.yj
            && f.kind != ItemKind::Drug
        {
            return Err(invalid(
                yj.to_string(),
                format!(
                    "品目「{}」は{}ですが、YJコード（yj）が付いています",
                    f.name,
                    f.kind.label(Lang::Ja)
                ),
                format!(
                    "item '{}' is a {} but carries a YJ code (yj)",
                    f.name,
                    f.kind.label(Lang::En)
                ),
                Msg::new(
                    "YJコードは医薬品だけに付けてください（区分を医薬品にするか、YJコードを外してください）",
                    "give a YJ code only to drugs (make the kind drug, or leave the code out)",
                ),
            ));
        }
        short_text("unit", &f.unit, MAX_UNIT_CHARS, true)?;
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> CatalogueItemFields {
        self.0
    }
}

impl Document for CatalogueItem {
    const KIND: &'static str = "procurement_items";
    const AUDITED: &'static [&'static str] =
        &["id", "alliance", "name", "kind", "yj", "jan", "unit"];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(CatalogueItemFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Tenders
// ---------------------------------------------------------------------------------------

/// A joint tender (共同入札) of an alliance: the members' demands are gathered until the
/// deadline, then the tender is closed, awarded (or cancelled), and the awarded prices apply
/// over its contract period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TenderFields", into = "TenderFields")]
pub struct Tender(TenderFields);

/// The fields of a tender, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// 1 to 200 characters (e.g. 令和7年度上期 医薬品共同購入).
    pub title: String,
    /// The first day of the contract period (契約期間).
    pub from: NaiveDate,
    /// The last day of the contract period: on or after `from`, less than a year later.
    pub to: NaiveDate,
    /// The last day members can give their demands (需要調査の締切); on or before `from`.
    pub deadline: NaiveDate,
    pub state: TenderState,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub note: String,
}

checked_record!(Tender, TenderFields);

fn bad_state(t: &TenderFields, to_ja: &str, to_en: &str, fix: Msg) -> ValueError {
    invalid(
        t.state.code(),
        format!(
            "入札「{}」は{}のため{to_ja}にできません（状況: state）",
            t.title,
            t.state.label(Lang::Ja)
        ),
        format!(
            "tender '{}' is {} and cannot be {to_en} (state)",
            t.title,
            t.state.label(Lang::En).to_lowercase()
        ),
        fix,
    )
}

impl Tender {
    /// Checks the fields: a title of 1 to 200 characters, a contract period of at most one
    /// year (`from` ≤ `to` < `from` + 1 year), a deadline on or before `from`, and a note of
    /// at most 1,000 characters.
    pub fn new(mut f: TenderFields) -> Result<Self, ValueError> {
        f.title = normalize(&f.title);
        short_text("title", &f.title, MAX_TITLE_CHARS, true)?;
        if f.to < f.from
            || f.from
                .checked_add_months(chrono::Months::new(12))
                .is_none_or(|limit| f.to >= limit)
        {
            return Err(invalid(
                format!("{} – {}", f.from, f.to),
                format!("契約期間（from/to）{} – {} が不正です", f.from, f.to),
                format!(
                    "the contract period (from/to) {} – {} is not valid",
                    f.from, f.to
                ),
                Msg::new(
                    "終了日（to）を開始日（from）以降、1年以内にしてください",
                    "make the end (to) on or after the start (from) and within one year of it",
                ),
            ));
        }
        if f.deadline > f.from {
            return Err(invalid(
                f.deadline.to_string(),
                format!(
                    "需要の締切日（deadline）{} が契約開始日 {} より後です",
                    f.deadline, f.from
                ),
                format!(
                    "the demand deadline (deadline) {} is after the contract start {}",
                    f.deadline, f.from
                ),
                Msg::new(
                    "締切日を契約開始日（from）以前にしてください",
                    "make the deadline on or before the start of the contract (from)",
                ),
            ));
        }
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> TenderFields {
        self.0
    }
    /// Whether a member can still give or change a demand on the day: the tender is open and
    /// the deadline has not passed.
    pub fn accepts_demands(&self, day: NaiveDate) -> bool {
        self.0.state == TenderState::Open && day <= self.0.deadline
    }
    /// Closes the tender to demands (募集中 → 締切).
    pub fn close(&self) -> Result<Self, ValueError> {
        if self.0.state != TenderState::Open {
            return Err(bad_state(
                &self.0,
                "締切",
                "closed",
                Msg::new(
                    "締切にできるのは募集中の入札だけです",
                    "only an open tender can be closed",
                ),
            ));
        }
        Ok(Self(TenderFields {
            state: TenderState::Closed,
            ..self.0.clone()
        }))
    }
    /// Awards the tender (締切 → 落札) with its awards: at least one, each of this tender and
    /// alliance, each item once.
    pub fn award(&self, awards: &[Award]) -> Result<Self, ValueError> {
        if self.0.state != TenderState::Closed {
            return Err(bad_state(
                &self.0,
                "落札",
                "awarded",
                Msg::new(
                    "先に入札を締切にしてください（落札にできるのは締切後の入札だけです）",
                    "close the tender first: only a closed tender can be awarded",
                ),
            ));
        }
        if awards.is_empty() {
            return Err(invalid(
                self.0.title.clone(),
                format!("入札「{}」の落札結果（awards）がありません", self.0.title),
                format!("tender '{}' has no awards (awards)", self.0.title),
                Msg::new(
                    "品目ごとの落札単価を1件以上登録してください",
                    "enter the awarded unit price of at least one item",
                ),
            ));
        }
        check_awards(self, awards)?;
        Ok(Self(TenderFields {
            state: TenderState::Awarded,
            ..self.0.clone()
        }))
    }
    /// Cancels the tender (募集中・締切 → 中止).
    pub fn cancel(&self) -> Result<Self, ValueError> {
        if !matches!(self.0.state, TenderState::Open | TenderState::Closed) {
            return Err(bad_state(
                &self.0,
                "中止",
                "cancelled",
                Msg::new(
                    "中止できるのは募集中または締切の入札だけです",
                    "only an open or closed tender can be cancelled",
                ),
            ));
        }
        Ok(Self(TenderFields {
            state: TenderState::Cancelled,
            ..self.0.clone()
        }))
    }
}

impl Document for Tender {
    const KIND: &'static str = "procurement_tenders";
    const AUDITED: &'static [&'static str] =
        &["id", "alliance", "title", "from", "to", "deadline", "state"];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(TenderFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Demands
// ---------------------------------------------------------------------------------------

fn quantity_ok(field: &str, q: u64) -> Result<(), ValueError> {
    if q == 0 || q > MAX_QUANTITY {
        return Err(invalid(
            q.to_string(),
            format!("数量（{field}）{q} が範囲外です"),
            format!("the quantity ({field}) {q} is out of range"),
            Msg::new(
                "1〜1,000,000,000の整数にしてください",
                "give a whole number from 1 to 1,000,000,000",
            ),
        ));
    }
    Ok(())
}

fn price_ok(field: &str, p: i64) -> Result<(), ValueError> {
    if !(0..=MAX_PRICE_YEN).contains(&p) {
        return Err(invalid(
            p.to_string(),
            format!("単価（{field}）{p} 円が範囲外です"),
            format!("the unit price ({field}) {p} yen is out of range"),
            Msg::new(
                "0〜10,000,000,000円の整数（円単位）にしてください",
                "give whole yen from 0 to 10,000,000,000",
            ),
        ));
    }
    Ok(())
}

fn id_ok(field: &str, id: u64) -> Result<(), ValueError> {
    if id == 0 {
        return Err(invalid(
            "0",
            format!("{field} のIDが指定されていません"),
            format!("no id is given for {field}"),
            Msg::new(
                format!("登録済みの{field}のIDを指定してください"),
                format!("give the id of a stored {field}"),
            ),
        ));
    }
    Ok(())
}

/// A member corporation's demand (需要) for one item in one tender: how much it will buy over
/// the contract period and what it pays per unit now, before the tender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DemandFields", into = "DemandFields")]
pub struct Demand(DemandFields);

/// The fields of a demand, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The tender's id (its parent).
    pub tender: u64,
    /// The member corporation (参加法人) that buys.
    pub member: Name,
    /// The catalogue item's id.
    pub item: u64,
    /// 1 to 1,000,000,000 units of the item.
    pub quantity: u64,
    /// The unit price it pays now (現行単価), in yen: 0 to 10,000,000,000.
    pub current_price: i64,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub note: String,
}

checked_record!(Demand, DemandFields);

impl Demand {
    /// Checks the fields: a tender and an item id, a quantity of 1 to 10⁹, a current price of
    /// 0 to 10¹⁰ yen and a note of at most 1,000 characters.
    pub fn new(f: DemandFields) -> Result<Self, ValueError> {
        id_ok("tender", f.tender)?;
        id_ok("item", f.item)?;
        quantity_ok("quantity", f.quantity)?;
        price_ok("current_price", f.current_price)?;
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> DemandFields {
        self.0
    }
    /// Its key: one demand per tender, member and item.
    pub fn key(&self) -> (u64, &Name, u64) {
        (self.0.tender, &self.0.member, self.0.item)
    }
}

impl Document for Demand {
    const KIND: &'static str = "procurement_demands";
    const AUDITED: &'static [&'static str] = &[
        "id",
        "alliance",
        "tender",
        "member",
        "item",
        "quantity",
        "current_price",
    ];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(DemandFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.tender)
    }
    fn owner(&self) -> Option<String> {
        Some(self.0.member.to_string())
    }
}

/// The keys (tender, member, item) given by more than one demand, each once, in order.
pub fn duplicate_demands(demands: &[Demand]) -> Vec<(u64, Name, u64)> {
    let mut seen = BTreeSet::new();
    let mut dup = BTreeSet::new();
    for d in demands {
        let k = (d.tender, d.member.clone(), d.item);
        if !seen.insert(k.clone()) {
            dup.insert(k);
        }
    }
    dup.into_iter().collect()
}

/// Checks that no two demands share a tender, a member and an item; the error names the
/// first such pair.
pub fn check_unique_demands(demands: &[Demand]) -> Result<(), ValueError> {
    match duplicate_demands(demands).first() {
        None => Ok(()),
        Some((tender, member, item)) => Err(invalid(
            format!("{tender}/{member}/{item}"),
            format!("入札 {tender} で「{member}」の品目 {item} の需要（demand）が重複しています"),
            format!(
                "member '{member}' gives two demands (demand) for item {item} in tender {tender}"
            ),
            Msg::new(
                "品目ごとに需要を1件にまとめてください（数量を合算してください）",
                "give one demand per item (add the quantities together)",
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Awards
// ---------------------------------------------------------------------------------------

/// The result of a tender for one item (落札): the unit price the members pay over the
/// contract period and the supplier (落札業者) that won it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AwardFields", into = "AwardFields")]
pub struct Award(AwardFields);

/// The fields of an award, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardFields {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    /// The tender's id (its parent).
    pub tender: u64,
    /// The catalogue item's id.
    pub item: u64,
    /// The awarded unit price (落札単価), in yen: 0 to 10,000,000,000.
    pub unit_price: i64,
    /// The supplier's name (卸・販売業者); 1 to 100 characters.
    pub supplier: String,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub note: String,
}

checked_record!(Award, AwardFields);

impl Award {
    /// Checks the fields: a tender and an item id, a unit price of 0 to 10¹⁰ yen, a supplier
    /// of 1 to 100 characters and a note of at most 1,000.
    pub fn new(mut f: AwardFields) -> Result<Self, ValueError> {
        f.supplier = normalize(&f.supplier);
        id_ok("tender", f.tender)?;
        id_ok("item", f.item)?;
        price_ok("unit_price", f.unit_price)?;
        short_text("supplier", &f.supplier, MAX_SUPPLIER_CHARS, true)?;
        crate::dispatch::note(&f.note)?;
        Ok(Self(f))
    }
    pub fn into_fields(self) -> AwardFields {
        self.0
    }
}

impl Document for Award {
    const KIND: &'static str = "procurement_awards";
    const AUDITED: &'static [&'static str] =
        &["id", "alliance", "tender", "item", "unit_price", "supplier"];
    fn id(&self) -> u64 {
        self.0.id
    }
    fn with_id(self, id: u64) -> Self {
        Self(AwardFields { id, ..self.0 })
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.0.alliance.clone())
    }
    fn parent(&self) -> Option<u64> {
        Some(self.0.tender)
    }
}

/// Checks a tender's awards: each of the tender and its alliance, each item once.
pub fn check_awards(tender: &Tender, awards: &[Award]) -> Result<(), ValueError> {
    let mut items = BTreeSet::new();
    for a in awards {
        if a.tender != tender.id || a.alliance != tender.alliance {
            return Err(invalid(
                a.id.to_string(),
                format!(
                    "落札結果（award）{} は入札「{}」のものではありません",
                    a.id, tender.title
                ),
                format!("award (award) {} is not of tender '{}'", a.id, tender.title),
                Msg::new(
                    "この入札（同じ連携推進法人）の落札結果だけを指定してください",
                    "give only awards of this tender and its alliance",
                ),
            ));
        }
        if !items.insert(a.item) {
            return Err(invalid(
                a.item.to_string(),
                format!("品目 {} の落札結果（award）が重複しています", a.item),
                format!("item {} is awarded (award) twice", a.item),
                Msg::new(
                    "品目ごとに落札結果を1件にしてください",
                    "give one award per item",
                ),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The aggregated tender sheet
// ---------------------------------------------------------------------------------------

/// One item of the aggregated tender sheet (集約表): the alliance's total demand for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetItem {
    /// The catalogue item's id.
    pub item: u64,
    pub name: Name,
    pub kind: ItemKind,
    pub yj: Option<YjCode>,
    pub jan: Option<JanCode>,
    pub unit: String,
    /// The total quantity: Σ of the members' lines of the item.
    pub quantity: u64,
    /// How many members ask for it.
    pub members: usize,
    /// What the members pay for that quantity now: Σ quantity × current price, in yen.
    pub current_cost: i128,
    /// The quantity-weighted average current unit price, in yen, rounded half up (the exact
    /// value is `current_cost / quantity`).
    pub average_price: i64,
}

/// One member's demand for one item on the tender sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetLine {
    /// The catalogue item's id.
    pub item: u64,
    pub member: Name,
    pub quantity: u64,
    /// The unit price the member pays now, in yen.
    pub current_price: i64,
    /// quantity × current price, in yen.
    pub current_cost: i128,
    /// The demand's id.
    pub demand: u64,
}

/// The aggregated tender (集約入札表) given to suppliers: the demanded items by id, and the
/// members' lines by item, then member. Items without demands are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderSheet {
    /// The tender's id.
    pub tender: u64,
    pub alliance: AllianceId,
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// One row per demanded item, by item id.
    pub items: Vec<SheetItem>,
    /// One row per demand, by item id then member name.
    pub lines: Vec<SheetLine>,
    /// Σ of all quantities (of every unit; a check figure).
    pub total_quantity: u64,
    /// Σ of the current costs of all lines, in yen.
    pub total_current_cost: i128,
}

impl TenderSheet {
    /// The members with a demand, by name.
    pub fn members(&self) -> Vec<Name> {
        let set: BTreeSet<&Name> = self.lines.iter().map(|l| &l.member).collect();
        set.into_iter().cloned().collect()
    }
    /// The lines of one item, by member.
    pub fn lines_of(&self, item: u64) -> impl Iterator<Item = &SheetLine> {
        self.lines.iter().filter(move |l| l.item == item)
    }
}

fn demand_error(d: &Demand, ja: String, en: String, fix: Msg) -> ValueError {
    invalid(
        format!("demand {} ({} / item {})", d.id, d.member, d.item),
        format!("需要（demand）{}「{}」: {ja}", d.id, d.member),
        format!("demand (demand) {} of '{}': {en}", d.id, d.member),
        fix,
    )
}

/// Checks that a demand is of the tender and its alliance and names an item of the alliance.
fn demand_refs(
    tender: &Tender,
    catalogue: &BTreeMap<u64, &CatalogueItem>,
    d: &Demand,
) -> Result<(), ValueError> {
    if d.tender != tender.id || d.alliance != tender.alliance {
        return Err(demand_error(
            d,
            format!("入札「{}」の需要ではありません", tender.title),
            format!("it is not a demand of tender '{}'", tender.title),
            Msg::new(
                "この入札（同じ連携推進法人）の需要だけを指定してください",
                "give only demands of this tender and its alliance",
            ),
        ));
    }
    match catalogue.get(&d.item) {
        None => {
            return Err(demand_error(
                d,
                format!("品目 {} が品目一覧にありません", d.item),
                format!("item {} is not in the catalogue", d.item),
                Msg::new(
                    "共同購入品目に登録済みの品目（item）を指定してください",
                    "name an item (item) of the catalogue",
                ),
            ));
        }
        Some(i) if i.alliance != tender.alliance => {
            return Err(demand_error(
                d,
                format!(
                    "品目 {} は別の連携推進法人（{}）の品目です",
                    d.item, i.alliance
                ),
                format!(
                    "item {} belongs to another alliance ({})",
                    d.item, i.alliance
                ),
                Msg::new(
                    "この連携推進法人の品目（item）を指定してください",
                    "name an item (item) of this alliance's catalogue",
                ),
            ));
        }
        Some(_) => {}
    }
    Ok(())
}

/// Checks a demand a member gives or changes on the day: the tender accepts demands (open,
/// deadline not passed), the demand is of the tender and names an item of its alliance, and
/// no other demand (by id) of the tender has the same member and item.
pub fn check_demand(
    tender: &Tender,
    items: &[CatalogueItem],
    existing: &[Demand],
    demand: &Demand,
    day: NaiveDate,
) -> Result<(), ValueError> {
    if !tender.accepts_demands(day) {
        return Err(demand_error(
            demand,
            format!(
                "入札「{}」は需要を受け付けていません（状況: {}、締切: {}）",
                tender.title,
                tender.state.label(Lang::Ja),
                tender.deadline
            ),
            format!(
                "tender '{}' does not accept demands (state: {}, deadline: {})",
                tender.title,
                tender.state.code(),
                tender.deadline
            ),
            Msg::new(
                "募集中で締切日までの入札に需要を登録してください",
                "give demands to an open tender by its deadline",
            ),
        ));
    }
    let catalogue: BTreeMap<u64, &CatalogueItem> = items.iter().map(|i| (i.id, i)).collect();
    demand_refs(tender, &catalogue, demand)?;
    let mut all: Vec<Demand> = existing
        .iter()
        .filter(|d| d.id != demand.id || demand.id == 0)
        .cloned()
        .collect();
    all.push(demand.clone());
    check_unique_demands(&all)
}

/// Aggregates a tender's demands per item. Every demand must be of the tender and its
/// alliance and name a catalogue item of that alliance, and no two may share a member and an
/// item; otherwise the error names the demand. Per item, the quantity is the sum of its
/// members' lines, and the totals of the items add up to all the demands exactly.
pub fn aggregate(
    tender: &Tender,
    items: &[CatalogueItem],
    demands: &[Demand],
) -> Result<TenderSheet, ValueError> {
    let catalogue: BTreeMap<u64, &CatalogueItem> = items.iter().map(|i| (i.id, i)).collect();
    for d in demands {
        demand_refs(tender, &catalogue, d)?;
    }
    check_unique_demands(demands)?;

    let mut lines: Vec<SheetLine> = demands
        .iter()
        .map(|d| SheetLine {
            item: d.item,
            member: d.member.clone(),
            quantity: d.quantity,
            current_price: d.current_price,
            // Both bounded (≤ 10⁹ and ≤ 10¹⁰): the product fits i128 with room to spare.
            current_cost: i128::from(d.quantity) * i128::from(d.current_price),
            demand: d.id,
        })
        .collect();
    lines.sort_by(|a, b| (a.item, &a.member).cmp(&(b.item, &b.member)));

    let too_much = || {
        invalid(
            tender.title.clone(),
            "需要数量の合計が大きすぎます".to_string(),
            "the total quantity is too large".to_string(),
            Msg::new(
                "需要の数量を確認してください",
                "check the demanded quantities",
            ),
        )
    };
    let mut rows: Vec<SheetItem> = Vec::new();
    let mut total_quantity: u64 = 0;
    let mut total_current_cost: i128 = 0;
    for l in &lines {
        total_quantity = total_quantity
            .checked_add(l.quantity)
            .ok_or_else(too_much)?;
        // Each cost is at most 10¹⁹, so i128 cannot overflow for any list that fits memory.
        total_current_cost += l.current_cost;
        match rows.last_mut() {
            Some(r) if r.item == l.item => {
                r.quantity = r.quantity.checked_add(l.quantity).ok_or_else(too_much)?;
                r.members += 1;
                r.current_cost += l.current_cost;
            }
            _ => {
                // Present: every demand's item was checked above.
                let Some(i) = catalogue.get(&l.item) else {
                    continue;
                };
                rows.push(SheetItem {
                    item: l.item,
                    name: i.name.clone(),
                    kind: i.kind,
                    yj: i.yj.clone(),
                    jan: i.jan.clone(),
                    unit: i.unit.clone(),
                    quantity: l.quantity,
                    members: 1,
                    current_cost: l.current_cost,
                    average_price: 0,
                });
            }
        }
    }
    for r in &mut rows {
        r.average_price = rounded_average(r.current_cost, r.quantity);
    }
    Ok(TenderSheet {
        tender: tender.id,
        alliance: tender.alliance.clone(),
        title: tender.title.clone(),
        from: tender.from,
        to: tender.to,
        items: rows,
        lines,
        total_quantity,
        total_current_cost,
    })
}

/// cost / quantity rounded half up (costs are never negative); 0 for no quantity.
fn rounded_average(cost: i128, quantity: u64) -> i64 {
    let q = i128::from(quantity);
    if q == 0 {
        return 0;
    }
    // The average of prices ≤ 10¹⁰ is ≤ 10¹⁰, which fits i64.
    i64::try_from((2 * cost + q) / (2 * q)).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------------------------------
// Savings
// ---------------------------------------------------------------------------------------

/// One member's line for one item, before and after the tender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavingLine {
    pub member: Name,
    /// The catalogue item's id.
    pub item: u64,
    pub quantity: u64,
    /// The unit price before the tender (現行単価), in yen.
    pub before_price: i64,
    /// The awarded unit price (落札単価), in yen; `None` when the item was not awarded.
    pub after_price: Option<i64>,
    /// quantity × before price, in yen.
    pub cost_before: i128,
    /// quantity × after price, in yen; `None` when not awarded.
    pub cost_after: Option<i128>,
    /// cost before − cost after, in yen; negative when the awarded price is higher than what
    /// the member paid before (a loss); `None` when not awarded.
    pub saving: Option<i128>,
}

impl SavingLine {
    /// Whether the item of the line was awarded.
    pub fn awarded(&self) -> bool {
        self.after_price.is_some()
    }
}

/// Totals of savings lines. Costs and savings count the awarded lines only, so that
/// `saving == cost_before − cost_after` exactly; lines without an award are counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SavingTotals {
    /// Lines with an award.
    pub awarded_lines: usize,
    /// Lines without an award.
    pub not_awarded_lines: usize,
    /// Σ cost before of the awarded lines, in yen.
    pub cost_before: i128,
    /// Σ cost after of the awarded lines, in yen.
    pub cost_after: i128,
    /// cost before − cost after, in yen (negative: the tender costs more).
    pub saving: i128,
    /// Σ cost before of the lines without an award, in yen (no saving is reckoned on them).
    pub not_awarded_cost: i128,
}

impl SavingTotals {
    fn add(&mut self, l: &SavingLine) {
        match (l.cost_after, l.saving) {
            (Some(after), Some(saving)) => {
                self.awarded_lines += 1;
                self.cost_before += l.cost_before;
                self.cost_after += after;
                self.saving += saving;
            }
            _ => {
                self.not_awarded_lines += 1;
                self.not_awarded_cost += l.cost_before;
            }
        }
    }
    /// Whether the tender costs more than before over these lines.
    pub fn is_loss(&self) -> bool {
        self.saving < 0
    }
}

/// The savings of one member over all its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSaving {
    pub member: Name,
    pub totals: SavingTotals,
}

/// The savings on one item over all members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSaving {
    /// The catalogue item's id.
    pub item: u64,
    pub name: Name,
    pub unit: String,
    /// The total quantity of the item.
    pub quantity: u64,
    /// The quantity-weighted average price before, in yen, rounded half up.
    pub average_before: i64,
    /// The awarded unit price, in yen; `None` when not awarded (未落札).
    pub after_price: Option<i64>,
    /// The supplier that won it; `None` when not awarded.
    pub supplier: Option<String>,
    pub totals: SavingTotals,
}

/// The savings of a tender (共同購入の削減効果): every member's line, then totals per member
/// (by name), per item (by id) and overall. Σ per member == Σ per item == overall, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Savings {
    /// The tender's id.
    pub tender: u64,
    /// One line per member and item, by member name then item id.
    pub lines: Vec<SavingLine>,
    pub by_member: Vec<MemberSaving>,
    pub by_item: Vec<ItemSaving>,
    pub overall: SavingTotals,
}

/// Reckons the savings of a tender sheet under the awards. Awards of other tenders or
/// alliances are ignored, and when an item has several awards the one with the smallest id
/// counts (`check_awards` refuses both). Items without an award are listed as not awarded,
/// with no saving; awards of items without demands are left out.
pub fn savings(sheet: &TenderSheet, awards: &[Award]) -> Savings {
    let mut by_item_award: BTreeMap<u64, &Award> = BTreeMap::new();
    for a in awards
        .iter()
        .filter(|a| a.tender == sheet.tender && a.alliance == sheet.alliance)
    {
        by_item_award
            .entry(a.item)
            .and_modify(|b| {
                if a.id < b.id {
                    *b = a;
                }
            })
            .or_insert(a);
    }
    let mut lines: Vec<SavingLine> = sheet
        .lines
        .iter()
        .map(|l| {
            let after_price = by_item_award.get(&l.item).map(|a| a.unit_price);
            let cost_after = after_price.map(|p| i128::from(l.quantity) * i128::from(p));
            SavingLine {
                member: l.member.clone(),
                item: l.item,
                quantity: l.quantity,
                before_price: l.current_price,
                after_price,
                cost_before: l.current_cost,
                cost_after,
                saving: cost_after.map(|a| l.current_cost - a),
            }
        })
        .collect();
    lines.sort_by(|a, b| (&a.member, a.item).cmp(&(&b.member, b.item)));

    let mut overall = SavingTotals::default();
    let mut members: BTreeMap<&Name, SavingTotals> = BTreeMap::new();
    let mut items: BTreeMap<u64, SavingTotals> = BTreeMap::new();
    for l in &lines {
        overall.add(l);
        members.entry(&l.member).or_default().add(l);
        items.entry(l.item).or_default().add(l);
    }
    let by_member = members
        .into_iter()
        .map(|(m, totals)| MemberSaving {
            member: m.clone(),
            totals,
        })
        .collect();
    let by_item = sheet
        .items
        .iter()
        .map(|r| {
            let award = by_item_award.get(&r.item);
            ItemSaving {
                item: r.item,
                name: r.name.clone(),
                unit: r.unit.clone(),
                quantity: r.quantity,
                average_before: r.average_price,
                after_price: award.map(|a| a.unit_price),
                supplier: award.map(|a| a.supplier.clone()),
                totals: items.get(&r.item).copied().unwrap_or_default(),
            }
        })
        .collect();
    Savings {
        tender: sheet.tender,
        lines,
        by_member,
        by_item,
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn alliance() -> AllianceId {
        AllianceId::parse("12-TOKATSU-NANBU").unwrap()
    }
    fn other_alliance() -> AllianceId {
        AllianceId::parse("12-KAZUSA").unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }
    fn tender_fields() -> TenderFields {
        TenderFields {
            id: 7,
            alliance: alliance(),
            title: "令和7年度下期 医薬品共同購入（架空）".into(),
            from: d("2025-10-01"),
            to: d("2026-03-31"),
            deadline: d("2025-08-31"),
            state: TenderState::Open,
            note: String::new(),
        }
    }
    fn tender() -> Tender {
        Tender::new(tender_fields()).unwrap()
    }
    fn item(id: u64, n: &str) -> CatalogueItem {
        CatalogueItem::new(CatalogueItemFields {
            id,
            alliance: alliance(),
            name: name(n),
            kind: ItemKind::Material,
            yj: None,
            jan: None,
            unit: "箱".into(),
            note: String::new(),
        })
        .unwrap()
    }
    fn demand(id: u64, member: &str, item: u64, quantity: u64, price: i64) -> Demand {
        Demand::new(DemandFields {
            id,
            alliance: alliance(),
            tender: 7,
            member: name(member),
            item,
            quantity,
            current_price: price,
            note: String::new(),
        })
        .unwrap()
    }
    fn award(id: u64, item: u64, price: i64) -> Award {
        Award::new(AwardFields {
            id,
            alliance: alliance(),
            tender: 7,
            item,
            unit_price: price,
            supplier: "架空医薬品卸株式会社".into(),
            note: String::new(),
        })
        .unwrap()
    }

    #[test]
    fn jan_codes_check_their_digit() {
        assert_eq!(
            JanCode::parse("4901234567894").unwrap().as_str(),
            "4901234567894"
        );
        assert_eq!(gs1_check_digit("490123456789"), Some(4));
        assert_eq!(gs1_check_digit("4912345"), Some(6));
        assert!(JanCode::parse("49123456").is_ok());
        // Full-width digits are accepted.
        assert!(JanCode::parse("４９０１２３４５６７８９４").is_ok());
        let e = JanCode::parse("4901234567890").unwrap_err();
        assert!(e.problem.ja.contains("jan") && e.problem.en.contains("jan"));
        assert!(e.fix.ja.contains('4') && e.fix.en.contains("should be 4"));
        assert!(JanCode::parse("490123456789").is_err());
        assert!(JanCode::parse("49012345678A4").is_err());
        assert!(JanCode::parse("").is_err());
        // Every body has exactly one valid check digit.
        for c in 0..10u8 {
            let code = format!("490123456789{c}");
            assert_eq!(JanCode::parse(&code).is_ok(), c == 4);
        }
    }

    #[test]
    fn yj_codes_check_their_format() {
        assert_eq!(
            YjCode::parse("1149019F1560").unwrap().as_str(),
            "1149019F1560"
        );
        assert_eq!(
            YjCode::parse("１１４９０１９Ｆ１５６０").unwrap().as_str(),
            "1149019F1560"
        );
        assert_eq!(
            YjCode::parse("1149019f1560").unwrap().as_str(),
            "1149019F1560"
        );
        for bad in [
            "1149019F156",
            "11490191F560",
            "114901AF1560",
            "1149019F156X",
            "",
        ] {
            let e = YjCode::parse(bad).unwrap_err();
            assert!(
                e.problem.ja.contains("yj") && e.problem.en.contains("yj"),
                "{bad}"
            );
        }
    }

    #[test]
    fn codes_serialise_as_strings() {
        let j = JanCode::parse("4901234567894").unwrap();
        assert_eq!(serde_json::to_string(&j).unwrap(), "\"4901234567894\"");
        assert!(serde_json::from_str::<JanCode>("\"4901234567890\"").is_err());
        let y: YjCode = serde_json::from_str("\"1149019F1560\"").unwrap();
        assert_eq!(y.to_string(), "1149019F1560");
    }

    #[test]
    fn items_check_their_fields() {
        let mut f = item(1, "ガーゼ（架空）").into_fields();
        f.yj = Some(YjCode::parse("1149019F1560").unwrap());
        let e = CatalogueItem::new(f.clone()).unwrap_err();
        assert!(e.problem.en.contains("yj"));
        f.kind = ItemKind::Drug;
        f.jan = Some(JanCode::parse("4901234567894").unwrap());
        let i = CatalogueItem::new(f.clone()).unwrap();
        let back: CatalogueItem =
            serde_json::from_value(serde_json::to_value(&i).unwrap()).unwrap();
        assert_eq!(back, i);
        f.unit = String::new();
        assert!(
            CatalogueItem::new(f)
                .unwrap_err()
                .problem
                .en
                .contains("unit")
        );
        assert_eq!(ItemKind::parse("医薬品").unwrap(), ItemKind::Drug);
        assert_eq!(i.clone().with_id(9).id(), 9);
        assert_eq!(i.scope(), DocScope::Alliance(alliance()));
    }

    #[test]
    fn tenders_check_their_period() {
        let mut f = tender_fields();
        f.to = d("2026-10-01");
        assert!(
            Tender::new(f.clone())
                .unwrap_err()
                .problem
                .en
                .contains("from/to")
        );
        f.to = d("2026-09-30");
        assert!(Tender::new(f.clone()).is_ok());
        f.to = d("2025-09-30");
        assert!(
            Tender::new(f.clone())
                .unwrap_err()
                .problem
                .ja
                .contains("from/to")
        );
        f = tender_fields();
        f.deadline = d("2025-10-02");
        assert!(
            Tender::new(f.clone())
                .unwrap_err()
                .problem
                .en
                .contains("deadline")
        );
        f = tender_fields();
        f.title = " ".into();
        assert!(Tender::new(f).unwrap_err().problem.en.contains("title"));
        let t = tender();
        assert!(t.accepts_demands(d("2025-08-31")));
        assert!(!t.accepts_demands(d("2025-09-01")));
    }

    #[test]
    fn tender_states_move_forward_only() {
        let t = tender();
        // Not yet closed: cannot be awarded.
        let e = t.award(&[award(1, 1, 10)]).unwrap_err();
        assert!(e.problem.ja.contains("state") && e.problem.en.contains("state"));
        let c = t.close().unwrap();
        assert_eq!(c.state, TenderState::Closed);
        assert!(!c.accepts_demands(d("2025-08-01")));
        assert!(c.close().is_err());
        assert!(c.award(&[]).unwrap_err().problem.en.contains("awards"));
        assert!(c.award(&[award(1, 1, 10), award(2, 1, 9)]).is_err());
        let mut f = award(3, 2, 10).into_fields();
        f.tender = 8;
        assert!(c.award(&[Award::new(f).unwrap()]).is_err());
        let a = c.award(&[award(1, 1, 10), award(2, 2, 9)]).unwrap();
        assert_eq!(a.state, TenderState::Awarded);
        assert!(a.cancel().is_err());
        assert!(a.close().is_err());
        assert_eq!(t.cancel().unwrap().state, TenderState::Cancelled);
        assert_eq!(c.cancel().unwrap().state, TenderState::Cancelled);
        assert!(t.cancel().unwrap().close().is_err());
    }

    #[test]
    fn demands_check_their_fields() {
        let mut f = demand(1, "架空医療法人A", 1, 10, 100).into_fields();
        f.quantity = 0;
        let e = Demand::new(f.clone()).unwrap_err();
        assert!(e.problem.ja.contains("quantity") && e.problem.en.contains("quantity"));
        f.quantity = MAX_QUANTITY + 1;
        assert!(Demand::new(f.clone()).is_err());
        f.quantity = MAX_QUANTITY;
        f.current_price = -1;
        assert!(
            Demand::new(f.clone())
                .unwrap_err()
                .problem
                .en
                .contains("current_price")
        );
        f.current_price = MAX_PRICE_YEN + 1;
        assert!(Demand::new(f.clone()).is_err());
        f.current_price = MAX_PRICE_YEN;
        let ok = Demand::new(f.clone()).unwrap();
        assert_eq!(ok.parent(), Some(7));
        assert_eq!(ok.owner().as_deref(), Some("架空医療法人A"));
        f.item = 0;
        assert!(Demand::new(f).unwrap_err().problem.en.contains("item"));
    }

    #[test]
    fn duplicates_are_found() {
        let ds = [
            demand(1, "架空医療法人A", 1, 10, 100),
            demand(2, "架空医療法人B", 1, 10, 100),
            demand(3, "架空医療法人A", 1, 5, 90),
            demand(4, "架空医療法人A", 2, 5, 90),
        ];
        assert_eq!(duplicate_demands(&ds), vec![(7, name("架空医療法人A"), 1)]);
        assert!(check_unique_demands(&ds).is_err());
        assert!(check_unique_demands(&ds[..2]).is_ok());
    }

    fn sample() -> (Tender, Vec<CatalogueItem>, Vec<Demand>) {
        let items = vec![
            item(2, "滅菌ガーゼ（架空）"),
            item(1, "注射針（架空）"),
            item(3, "手袋（架空）"),
        ];
        let demands = vec![
            demand(10, "架空医療法人B", 1, 300, 12),
            demand(11, "架空医療法人A", 1, 100, 10),
            demand(12, "架空医療法人A", 2, 50, 1_000),
            demand(13, "架空医療法人C", 2, 30, 900),
        ];
        (tender(), items, demands)
    }

    #[test]
    fn aggregation_totals_items_in_order() {
        let (t, items, demands) = sample();
        let s = aggregate(&t, &items, &demands).unwrap();
        assert_eq!(s.items.len(), 2);
        assert_eq!(s.items[0].item, 1);
        assert_eq!(s.items[0].quantity, 400);
        assert_eq!(s.items[0].members, 2);
        assert_eq!(s.items[0].current_cost, 100 * 10 + 300 * 12);
        // (1000 + 3600) / 400 = 11.5 → 12 (half up).
        assert_eq!(s.items[0].average_price, 12);
        assert_eq!(s.items[1].quantity, 80);
        assert_eq!(s.items[1].average_price, 963); // 77000 / 80 = 962.5
        let order: Vec<(u64, &str)> = s
            .lines
            .iter()
            .map(|l| (l.item, l.member.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                (1, "架空医療法人A"),
                (1, "架空医療法人B"),
                (2, "架空医療法人A"),
                (2, "架空医療法人C")
            ]
        );
        assert_eq!(s.total_quantity, 480);
        assert_eq!(s.members().len(), 3);
        assert_eq!(s.lines_of(2).count(), 2);
    }

    #[test]
    fn aggregation_refuses_bad_demands_by_name() {
        let (t, mut items, mut demands) = sample();
        demands.push(demand(14, "架空医療法人D", 99, 1, 1));
        let e = aggregate(&t, &items, &demands).unwrap_err();
        assert!(e.problem.ja.contains("14") && e.problem.en.contains("架空医療法人D"));
        demands.pop();
        let mut f = items[0].clone().into_fields();
        f.alliance = other_alliance();
        items[0] = CatalogueItem::new(f).unwrap();
        let e = aggregate(&t, &items, &demands).unwrap_err();
        assert!(e.problem.en.contains("another alliance") && e.input.contains("demand 12"));
        let (t, items, mut demands) = sample();
        demands.push(demand(15, "架空医療法人A", 1, 1, 1));
        assert!(aggregate(&t, &items, &demands).is_err());
        let mut f = demands[0].clone().into_fields();
        f.tender = 8;
        demands[0] = Demand::new(f).unwrap();
        assert!(
            aggregate(&t, &items, &demands[..4])
                .unwrap_err()
                .input
                .contains("demand 10")
        );
    }

    #[test]
    fn demands_are_checked_on_entry() {
        let (t, items, demands) = sample();
        let new = demand(0, "架空医療法人D", 3, 5, 100);
        assert!(check_demand(&t, &items, &demands, &new, d("2025-08-31")).is_ok());
        let e = check_demand(&t, &items, &demands, &new, d("2025-09-01")).unwrap_err();
        assert!(e.problem.en.contains("deadline"));
        let closed = t.close().unwrap();
        assert!(check_demand(&closed, &items, &demands, &new, d("2025-08-01")).is_err());
        let dup = demand(0, "架空医療法人A", 1, 5, 100);
        assert!(check_demand(&t, &items, &demands, &dup, d("2025-08-01")).is_err());
        // Changing a stored demand does not clash with itself.
        let change = demand(11, "架空医療法人A", 1, 5, 100);
        assert!(check_demand(&t, &items, &demands, &change, d("2025-08-01")).is_ok());
        let unknown = demand(0, "架空医療法人A", 42, 5, 100);
        let e = check_demand(&t, &items, &demands, &unknown, d("2025-08-01")).unwrap_err();
        assert!(e.problem.ja.contains("42"));
    }

    #[test]
    fn savings_with_a_loss_and_an_unawarded_item() {
        let (t, items, mut demands) = sample();
        demands.push(demand(16, "架空医療法人A", 3, 5, 200));
        let sheet = aggregate(&t, &items, &demands).unwrap();
        // Item 1 awarded at 11 yen: A paid 10 (a loss), B paid 12 (a saving). Item 3 not
        // awarded.
        let s = savings(&sheet, &[award(1, 1, 11), award(2, 2, 800)]);
        let a1 = s
            .lines
            .iter()
            .find(|l| l.member.as_str() == "架空医療法人A" && l.item == 1)
            .unwrap();
        assert_eq!(a1.saving, Some(-100));
        assert_eq!(a1.cost_after, Some(1_100));
        let a3 = s.lines.iter().find(|l| l.item == 3).unwrap();
        assert!(!a3.awarded() && a3.saving.is_none());
        let a = &s.by_member[0];
        assert_eq!(a.member.as_str(), "架空医療法人A");
        // -100 on item 1, 50 × 200 = 10,000 on item 2; item 3 apart.
        assert_eq!(a.totals.saving, -100 + 10_000);
        assert_eq!(a.totals.not_awarded_lines, 1);
        assert_eq!(a.totals.not_awarded_cost, 1_000);
        assert_eq!(s.by_item[0].totals.saving, -100 + 300);
        assert_eq!(s.by_item[2].after_price, None);
        assert_eq!(s.overall.saving, -100 + 300 + 10_000 + 3_000);
        assert_eq!(
            s.overall.cost_before - s.overall.cost_after,
            s.overall.saving
        );
        // A loss overall when every price rises.
        let s = savings(&sheet, &[award(1, 1, 20), award(2, 2, 2_000)]);
        assert!(s.overall.is_loss());
        // Awards of another tender are ignored.
        let mut f = award(3, 1, 1).into_fields();
        f.tender = 8;
        let s = savings(&sheet, &[Award::new(f).unwrap()]);
        assert_eq!(s.overall.awarded_lines, 0);
    }

    fn members() -> Vec<Name> {
        [
            "架空医療法人A",
            "架空医療法人B",
            "架空医療法人C",
            "架空医療法人D",
        ]
        .iter()
        .map(|s| name(s))
        .collect()
    }

    proptest! {
        #[test]
        fn aggregation_and_savings_reconcile(
            raw in proptest::collection::vec(
                (0usize..4, 1u64..6, 1u64..=MAX_QUANTITY, 0i64..=MAX_PRICE_YEN), 0..40),
            prices in proptest::collection::vec(proptest::option::of(0i64..=MAX_PRICE_YEN), 5),
        ) {
            let items: Vec<CatalogueItem> = (1..=5).map(|i| item(i, &format!("品目{i}（架空）"))).collect();
            let ms = members();
            let mut seen = BTreeSet::new();
            let demands: Vec<Demand> = raw
                .iter()
                .enumerate()
                .filter(|(_, (m, i, _, _))| seen.insert((*m, *i)))
                .map(|(n, (m, i, q, p))| demand(n as u64 + 1, ms[*m].as_str(), *i, *q, *p))
                .collect();
            let sheet = aggregate(&tender(), &items, &demands).unwrap();
            let all: u64 = demands.iter().map(|d| d.quantity).sum();
            prop_assert_eq!(sheet.items.iter().map(|r| r.quantity).sum::<u64>(), all);
            prop_assert_eq!(sheet.total_quantity, all);
            for r in &sheet.items {
                prop_assert_eq!(sheet.lines_of(r.item).map(|l| l.quantity).sum::<u64>(), r.quantity);
                prop_assert_eq!(sheet.lines_of(r.item).map(|l| l.current_cost).sum::<i128>(), r.current_cost);
                prop_assert_eq!(sheet.lines_of(r.item).count(), r.members);
            }
            prop_assert!(sheet.items.windows(2).all(|w| w[0].item < w[1].item));

            let awards: Vec<Award> = prices
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.map(|p| award(i as u64 + 1, i as u64 + 1, p)))
                .collect();
            let s = savings(&sheet, &awards);
            let sum = |ts: &mut dyn Iterator<Item = SavingTotals>| {
                ts.fold(SavingTotals::default(), |mut a, t| {
                    a.awarded_lines += t.awarded_lines;
                    a.not_awarded_lines += t.not_awarded_lines;
                    a.cost_before += t.cost_before;
                    a.cost_after += t.cost_after;
                    a.saving += t.saving;
                    a.not_awarded_cost += t.not_awarded_cost;
                    a
                })
            };
            prop_assert_eq!(sum(&mut s.by_member.iter().map(|m| m.totals)), s.overall);
            prop_assert_eq!(sum(&mut s.by_item.iter().map(|i| i.totals)), s.overall);
            prop_assert_eq!(s.overall.cost_before - s.overall.cost_after, s.overall.saving);
            prop_assert_eq!(
                s.overall.cost_before + s.overall.not_awarded_cost,
                sheet.total_current_cost
            );
            prop_assert_eq!(s.lines.len(), demands.len());
            prop_assert!(s.by_member.windows(2).all(|w| w[0].member < w[1].member));
        }

        #[test]
        fn code_parsers_never_panic(s in "\\PC{0,16}") {
            let _ = JanCode::parse(&s);
            let _ = YjCode::parse(&s);
        }

        #[test]
        fn every_jan_body_has_one_check_digit(body in "[0-9]{12}") {
            let ok = (0..10).filter(|c| JanCode::parse(&format!("{body}{c}")).is_ok()).count();
            prop_assert_eq!(ok, 1);
        }
    }
}
