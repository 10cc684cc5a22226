//! Joint procurement (共同購入) of a regional medical alliance: its catalogue of items, its
//! tenders, the member corporations' demands, the aggregated tender sheet (集約表) sent to
//! suppliers, the awarded prices and the savings per member and item.
//!
//! Who may do what is [`crate::alliance::access`]: those who read the alliance read its
//! procurement; those who manage it (the alliance's secretariat, the prefecture's
//! coordinators, administrators) write. A demand is written with
//! `chiiki_store::documents::change` under its tender, checked by the domain's
//! `check_demand` against the tender's other demands, so that the deadline and the one demand
//! per member and item hold under concurrency. Awarding writes the awards and the tender's
//! new state in one batch (`Store::import_alliance`): all or nothing.

use std::collections::BTreeMap;

use chiiki_domain::procurement::{
    self as pr, Award, AwardFields, CatalogueItem, CatalogueItemFields, Demand, DemandFields,
    ItemKind, JanCode, Savings, Tender, TenderFields, TenderSheet, TenderState, YjCode,
};
use chiiki_domain::{Alliance, AllianceId, DocScope, Explain, Msg, NaiveDate, Name};
use chiiki_store::documents::{self as docs, Filter, Write};
use chiiki_store::{Store, StoreError};
use chiiki_tabular::{Cell, Sheet};
use chrono::Datelike;
use serde::Serialize;

use crate::AppError;
use crate::access::Principal;
use crate::alliance::{AllianceAccess, access, in_scope, managed};

fn missing(what: String) -> AppError {
    StoreError::Missing { what }.into()
}

fn scope(id: &AllianceId) -> DocScope {
    DocScope::Alliance(id.clone())
}

/// The alliance's catalogue, by id (those who read the alliance).
pub async fn catalogue(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
) -> Result<Vec<CatalogueItem>, AppError> {
    in_scope(store, who, alliance).await?;
    Ok(docs::list(store, Filter::scope(scope(alliance))).await?)
}

/// Adds an item to the alliance's catalogue (those who manage it) and returns it as stored.
/// An item whose YJ or JAN code is already in the catalogue is refused, naming that item.
pub async fn add_item(
    store: &dyn Store,
    who: &Principal,
    input: CatalogueItem,
) -> Result<CatalogueItem, AppError> {
    managed(store, who, &input.alliance).await?;
    if input.id != 0 {
        return Err(crate::placement::rejected(
            "共同購入品目は新規にだけ追加できます",
            "only new items can be added to the catalogue",
        ));
    }
    let new = input.clone();
    let written = docs::change::<CatalogueItem, _>(
        store,
        who.actor(),
        scope(&input.alliance),
        None,
        move |existing| {
            for e in &existing {
                let same_yj = new.yj.is_some() && e.yj == new.yj;
                let same_jan = new.jan.is_some() && e.jan == new.jan;
                if same_yj || same_jan {
                    let (code, what) = if same_jan {
                        (new.jan.as_ref().map(|c| c.to_string()), "JAN")
                    } else {
                        (new.yj.as_ref().map(|c| c.to_string()), "YJ")
                    };
                    let code = code.unwrap_or_default();
                    return Err(Msg::new(
                        format!(
                            "{what}コード {code} は品目 {}「{}」として登録済みです（{}）",
                            e.id,
                            e.name,
                            what.to_lowercase()
                        ),
                        format!(
                            "the {what} code {code} is already in the catalogue as item {} '{}' ({})",
                            e.id,
                            e.name,
                            what.to_lowercase()
                        ),
                    ));
                }
            }
            Ok(vec![Write::Put(new.clone())])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the item was not written".into()))
}

/// A tender with its figures, for the list of tenders.
#[derive(Debug, Clone, Serialize)]
pub struct TenderRow {
    pub tender: Tender,
    /// How many demands it has.
    pub demands: usize,
    /// How many members gave a demand.
    pub members: usize,
    /// How many items are demanded.
    pub items: usize,
    /// Σ quantity × current price of its demands, in yen.
    pub current_cost: i128,
    /// The savings overall, once awarded.
    pub saving: Option<i128>,
}

/// The alliance's tenders with their figures, latest contract period first (those who read
/// the alliance).
pub async fn tenders(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
) -> Result<Vec<TenderRow>, AppError> {
    let items = catalogue(store, who, alliance).await?;
    let sc = scope(alliance);
    let all_demands: Vec<Demand> = docs::list(store, Filter::scope(sc.clone())).await?;
    let all_awards: Vec<Award> = docs::list(store, Filter::scope(sc.clone())).await?;
    let mut out = Vec::new();
    for t in docs::list::<Tender>(store, Filter::scope(sc)).await? {
        let demands: Vec<Demand> = all_demands
            .iter()
            .filter(|d| d.tender == t.id)
            .cloned()
            .collect();
        let sheet = pr::aggregate(&t, &items, &demands).map_err(AppError::invalid)?;
        let saving = (t.state == TenderState::Awarded).then(|| {
            let awards: Vec<Award> = all_awards
                .iter()
                .filter(|a| a.tender == t.id)
                .cloned()
                .collect();
            pr::savings(&sheet, &awards).overall.saving
        });
        out.push(TenderRow {
            demands: demands.len(),
            members: sheet.members().len(),
            items: sheet.items.len(),
            current_cost: sheet.total_current_cost,
            saving,
            tender: t,
        });
    }
    out.sort_by_key(|r| std::cmp::Reverse((r.tender.from, r.tender.id)));
    Ok(out)
}

/// Opens a new tender (state open) of the alliance (those who manage it) and returns it as
/// stored.
pub async fn add_tender(
    store: &dyn Store,
    who: &Principal,
    input: Tender,
) -> Result<Tender, AppError> {
    managed(store, who, &input.alliance).await?;
    if input.id != 0 || input.state != TenderState::Open {
        return Err(crate::placement::rejected(
            "入札は募集中の新規の入札としてだけ追加できます",
            "only a new, open tender can be added",
        ));
    }
    Ok(docs::put(store, who.actor(), &input).await?)
}

/// A tender as its page shows it: the alliance and what the principal may do there, the
/// catalogue, the demands (by id), the awards (by item), the aggregated sheet and the
/// savings under the awards.
#[derive(Debug, Clone, Serialize)]
pub struct TenderView {
    #[serde(skip)]
    pub alliance: Alliance,
    pub access: AllianceAccess,
    pub tender: Tender,
    pub items: Vec<CatalogueItem>,
    pub demands: Vec<Demand>,
    pub awards: Vec<Award>,
    pub sheet: TenderSheet,
    pub savings: Savings,
}

/// The tender of the alliance (those who read it); `Missing` when it is not the alliance's or
/// the alliance is out of the principal's scope.
pub async fn tender(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    id: u64,
) -> Result<TenderView, AppError> {
    let a = in_scope(store, who, alliance).await?;
    let t: Tender = docs::get::<Tender>(store, id)
        .await?
        .filter(|t| t.alliance == *alliance)
        .ok_or_else(|| missing(format!("the tender {id}")))?;
    let sc = scope(alliance);
    let items: Vec<CatalogueItem> = docs::list(store, Filter::scope(sc.clone())).await?;
    let demands: Vec<Demand> = docs::list(store, Filter::scope(sc.clone()).parent(id)).await?;
    let mut awards: Vec<Award> = docs::list(store, Filter::scope(sc).parent(id)).await?;
    awards.sort_by_key(|a| (a.item, a.id));
    let sheet = pr::aggregate(&t, &items, &demands).map_err(AppError::invalid)?;
    let savings = pr::savings(&sheet, &awards);
    Ok(TenderView {
        access: access(who, &a),
        alliance: a,
        tender: t,
        items,
        demands,
        awards,
        sheet,
        savings,
    })
}

/// A tender by its number alone (the command line): of an alliance the principal may read;
/// `Missing` otherwise.
pub async fn tender_by_id(
    store: &dyn Store,
    who: &Principal,
    id: u64,
) -> Result<TenderView, AppError> {
    let t = docs::get::<Tender>(store, id)
        .await?
        .ok_or_else(|| missing(format!("the tender {id}")))?;
    tender(store, who, &t.alliance, id).await
}

/// A demand as entered: the member, the item, the quantity and the current unit price.
#[derive(Debug, Clone)]
pub struct DemandInput {
    pub member: Name,
    pub item: u64,
    pub quantity: u64,
    pub current_price: i64,
    pub note: String,
}

/// Enters a member's demand into an open tender on the day (those who manage the alliance)
/// and returns it as stored. The member must be a member corporation of the alliance on the
/// day; the tender must accept demands (open, the deadline not passed), the item be of the
/// catalogue, and the member have no other demand for the item — checked under the tender's
/// lock.
pub async fn enter_demand(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    tender_id: u64,
    input: DemandInput,
    day: NaiveDate,
) -> Result<Demand, AppError> {
    managed(store, who, alliance).await?;
    let view = tender(store, who, alliance, tender_id).await?;
    let members = store.list_alliance_members(alliance, Some(day)).await?;
    if !members.iter().any(|m| m.corporation == input.member) {
        return Err(crate::placement::rejected(
            format!(
                "「{}」は {day} にこの連携推進法人の参加法人ではありません（member）",
                input.member
            ),
            format!(
                "'{}' is not a member corporation of this alliance on {day} (member)",
                input.member
            ),
        ));
    }
    let demand = Demand::new(DemandFields {
        id: 0,
        alliance: alliance.clone(),
        tender: tender_id,
        member: input.member,
        item: input.item,
        quantity: input.quantity,
        current_price: input.current_price,
        note: input.note,
    })
    .map_err(AppError::invalid)?;
    let items = view.items;
    // The tender as it is under the lock of its demands: a close that comes first is seen.
    let written = docs::change_under::<Tender, Demand, _>(
        store,
        who.actor(),
        scope(alliance),
        tender_id,
        move |t, existing| {
            let t = t.ok_or_else(|| StoreError::Missing {
                what: format!("the tender {tender_id}"),
            })?;
            pr::check_demand(&t, &items, &existing, &demand, day)
                .map_err(|e| StoreError::Refused(e.said()))?;
            Ok(vec![docs::put_of(&demand)?])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .map(docs::from_row::<Demand>)
        .transpose()?
        .ok_or_else(|| AppError::Internal("the demand was not written".into()))
}

/// Removes a demand from a tender that still accepts demands on the day (those who manage
/// the alliance).
pub async fn remove_demand(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    tender_id: u64,
    demand: u64,
    day: NaiveDate,
) -> Result<(), AppError> {
    managed(store, who, alliance).await?;
    tender(store, who, alliance, tender_id).await?;
    docs::change_under::<Tender, Demand, _>(
        store,
        who.actor(),
        scope(alliance),
        tender_id,
        move |t, existing| {
            let t = t.ok_or_else(|| StoreError::Missing {
                what: format!("the tender {tender_id}"),
            })?;
            if !t.accepts_demands(day) {
                return Err(StoreError::Refused(Msg::new(
                    format!(
                        "入札「{}」は需要を受け付けていないため、需要を取り消せません",
                        t.title
                    ),
                    format!(
                        "tender '{}' no longer accepts demands: a demand cannot be removed",
                        t.title
                    ),
                )));
            }
            if !existing.iter().any(|d| d.id == demand) {
                return Err(StoreError::Refused(Msg::new(
                    format!("需要 {demand} はこの入札にありません"),
                    format!("demand {demand} is not of this tender"),
                )));
            }
            Ok(vec![chiiki_store::DocWrite::Delete {
                kind: <Demand as chiiki_domain::Document>::KIND,
                id: demand,
            }])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    Ok(())
}

/// Closes an open tender to demands (those who manage the alliance).
pub async fn close_tender(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    id: u64,
) -> Result<Tender, AppError> {
    managed(store, who, alliance).await?;
    tender(store, who, alliance, id).await?;
    next_state(store, who.actor(), alliance, id, Tender::close).await
}

/// Moves a tender to its next state (`step`) under the lock of its demands, so that no demand
/// slips in after it closes and two moves run one after the other.
async fn next_state(
    store: &dyn Store,
    actor: &str,
    alliance: &AllianceId,
    id: u64,
    step: fn(&Tender) -> Result<Tender, chiiki_domain::ValueError>,
) -> Result<Tender, AppError> {
    let rows =
        docs::change_under::<Tender, Demand, _>(store, actor, scope(alliance), id, move |t, _| {
            let t = t.ok_or_else(|| StoreError::Missing {
                what: format!("the tender {id}"),
            })?;
            let next = step(&t).map_err(|e| StoreError::Refused(e.said()))?;
            Ok(vec![docs::put_of(&next)?])
        })
        .await
        .map_err(crate::placement::said)?;
    rows.into_iter()
        .next()
        .map(docs::from_row::<Tender>)
        .transpose()?
        .ok_or_else(|| AppError::Internal("the tender was not written".into()))
}

/// Cancels an open or closed tender (those who manage the alliance).
pub async fn cancel_tender(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    id: u64,
) -> Result<Tender, AppError> {
    managed(store, who, alliance).await?;
    tender(store, who, alliance, id).await?;
    next_state(store, who.actor(), alliance, id, Tender::cancel).await
}

/// An item's award as entered: the awarded unit price and the supplier.
#[derive(Debug, Clone)]
pub struct AwardInput {
    pub item: u64,
    pub unit_price: i64,
    pub supplier: String,
}

/// Awards a closed tender (those who manage the alliance): the awards of the items (one per
/// demanded item at most; items left out are not awarded) and the tender's state, awarded,
/// written together — all or nothing. Returns the tender and its awards as stored.
pub async fn award_tender(
    store: &dyn Store,
    who: &Principal,
    alliance: &AllianceId,
    id: u64,
    inputs: Vec<AwardInput>,
) -> Result<(Tender, Vec<Award>), AppError> {
    managed(store, who, alliance).await?;
    let view = tender(store, who, alliance, id).await?;
    let mut awards = Vec::new();
    for i in inputs {
        let Some(row) = view.sheet.items.iter().find(|r| r.item == i.item) else {
            return Err(crate::placement::rejected(
                format!(
                    "品目 {} にはこの入札の需要がないため、落札単価を登録できません（item）",
                    i.item
                ),
                format!(
                    "item {} has no demand in this tender: it cannot be awarded (item)",
                    i.item
                ),
            ));
        };
        let stored = view.awards.iter().find(|a| a.item == row.item);
        awards.push(
            Award::new(AwardFields {
                id: stored.map_or(0, |a| a.id),
                alliance: alliance.clone(),
                tender: id,
                item: i.item,
                unit_price: i.unit_price,
                supplier: i.supplier,
                note: String::new(),
            })
            .map_err(AppError::invalid)?,
        );
    }
    // Checked here to say what is wrong at once, and again under the lock, where it counts.
    view.tender.award(&awards).map_err(AppError::invalid)?;
    write_award(store, who.actor(), alliance, id, awards).await
}

/// Writes the awards and the awarded tender together under the lock of the tender's demands:
/// all or nothing, and of two awards at once, the second finds the tender awarded.
async fn write_award(
    store: &dyn Store,
    who: &str,
    alliance: &AllianceId,
    id: u64,
    awards: Vec<Award>,
) -> Result<(Tender, Vec<Award>), AppError> {
    let n = awards.len();
    let rows =
        docs::change_under::<Tender, Demand, _>(store, who, scope(alliance), id, move |t, _| {
            let t = t.ok_or_else(|| StoreError::Missing {
                what: format!("the tender {id}"),
            })?;
            let next = t
                .award(&awards)
                .map_err(|e| StoreError::Refused(e.said()))?;
            let mut out = Vec::new();
            for a in &awards {
                out.push(docs::put_of(a)?);
            }
            out.push(docs::put_of(&next)?);
            Ok(out)
        })
        .await
        .map_err(crate::placement::said)?;
    let mut rows = rows.into_iter();
    let mut stored = Vec::new();
    for _ in 0..n {
        let row = rows
            .next()
            .ok_or_else(|| AppError::Internal("an award was not written".into()))?;
        stored.push(docs::from_row::<Award>(row)?);
    }
    let row = rows
        .next()
        .ok_or_else(|| AppError::Internal("the tender was not written".into()))?;
    Ok((docs::from_row::<Tender>(row)?, stored))
}

// ---------------------------------------------------------------------------------------
// Sheets

/// Whole yen as a cell: a number while a spreadsheet holds it exactly (|v| < 10¹⁵), else the
/// exact digits as text.
pub fn yen_cell(v: i128) -> Cell {
    const EXACT: i128 = 1_000_000_000_000_000;
    if v.abs() < EXACT {
        // Exact: every integer below 2⁵³ is a float.
        Cell::Number(v as f64)
    } else {
        Cell::Text(v.to_string())
    }
}

fn count(n: u64) -> Cell {
    yen_cell(i128::from(n))
}

fn opt_yen(v: Option<i128>) -> Cell {
    v.map_or(Cell::Empty, yen_cell)
}

/// The tenders as a sheet: id, title, state, contract period, deadline, demands, members,
/// items, current cost and saving.
pub fn tenders_sheet(rows: &[TenderRow]) -> Sheet {
    Sheet {
        name: "入札一覧".into(),
        headers: [
            "id",
            "title",
            "state",
            "from",
            "to",
            "deadline",
            "demands",
            "members",
            "items",
            "current_cost_yen",
            "saving_yen",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                let t = &r.tender;
                vec![
                    count(t.id),
                    Cell::Text(t.title.clone()),
                    Cell::Text(t.state.label(chiiki_domain::Lang::Ja).to_string()),
                    Cell::date(Some(t.from)),
                    Cell::date(Some(t.to)),
                    Cell::date(Some(t.deadline)),
                    count(r.demands as u64),
                    count(r.members as u64),
                    count(r.items as u64),
                    yen_cell(r.current_cost),
                    opt_yen(r.saving),
                ]
            })
            .collect(),
    }
}

/// The aggregated items (入札集計): per item its codes, unit, total quantity, members, the
/// average current price and the current cost; a totals row last.
pub fn items_sheet(sheet: &TenderSheet) -> Sheet {
    let mut rows: Vec<Vec<Cell>> = sheet
        .items
        .iter()
        .map(|r| {
            vec![
                count(r.item),
                Cell::Text(r.name.to_string()),
                Cell::Text(r.kind.label(chiiki_domain::Lang::Ja).to_string()),
                Cell::text(r.yj.as_ref()),
                Cell::text(r.jan.as_ref()),
                Cell::Text(r.unit.clone()),
                count(r.quantity),
                count(r.members as u64),
                yen_cell(i128::from(r.average_price)),
                yen_cell(r.current_cost),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Empty,
        Cell::Text("合計".into()),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        count(sheet.total_quantity),
        count(sheet.members().len() as u64),
        Cell::Empty,
        yen_cell(sheet.total_current_cost),
    ]);
    Sheet {
        name: "入札集計".into(),
        headers: [
            "item",
            "name",
            "kind",
            "yj",
            "jan",
            "unit",
            "quantity",
            "members",
            "average_price_yen",
            "current_cost_yen",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The members' lines (参加法人別): per item and member the quantity, current price and cost.
pub fn lines_sheet(sheet: &TenderSheet) -> Sheet {
    let names: BTreeMap<u64, String> = sheet
        .items
        .iter()
        .map(|r| (r.item, r.name.to_string()))
        .collect();
    Sheet {
        name: "参加法人別".into(),
        headers: [
            "item",
            "name",
            "member",
            "quantity",
            "current_price_yen",
            "current_cost_yen",
        ]
        .map(String::from)
        .to_vec(),
        rows: sheet
            .lines
            .iter()
            .map(|l| {
                vec![
                    count(l.item),
                    Cell::Text(names.get(&l.item).cloned().unwrap_or_default()),
                    Cell::Text(l.member.to_string()),
                    count(l.quantity),
                    yen_cell(i128::from(l.current_price)),
                    yen_cell(l.current_cost),
                ]
            })
            .collect(),
    }
}

/// The savings (削減効果): per member, then per item, then overall, each with the cost
/// before and after of the awarded lines, the saving (negative: a loss) and the current cost
/// of the lines not awarded.
pub fn savings_sheet(s: &Savings) -> Sheet {
    let totals = |t: &pr::SavingTotals| {
        vec![
            yen_cell(t.cost_before),
            yen_cell(t.cost_after),
            yen_cell(t.saving),
            yen_cell(t.not_awarded_cost),
        ]
    };
    let mut rows = Vec::new();
    for m in &s.by_member {
        let mut r = vec![
            Cell::Text("参加法人".into()),
            Cell::Text(m.member.to_string()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ];
        r.extend(totals(&m.totals));
        rows.push(r);
    }
    for i in &s.by_item {
        let mut r = vec![
            Cell::Text("品目".into()),
            Cell::Text(i.name.to_string()),
            count(i.quantity),
            opt_yen(i.after_price.map(i128::from)),
            Cell::text(i.supplier.as_ref()),
        ];
        r.extend(totals(&i.totals));
        rows.push(r);
    }
    let mut r = vec![
        Cell::Text("合計".into()),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ];
    r.extend(totals(&s.overall));
    rows.push(r);
    Sheet {
        name: "削減効果".into(),
        headers: [
            "by",
            "name",
            "quantity",
            "awarded_price_yen",
            "supplier",
            "cost_before_yen",
            "cost_after_yen",
            "saving_yen",
            "not_awarded_cost_yen",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The tender document (入札集計, 参加法人別, 削減効果) a secretariat sends to suppliers and the
/// committee.
pub fn tender_sheets(view: &TenderView) -> Vec<Sheet> {
    vec![
        items_sheet(&view.sheet),
        lines_sheet(&view.sheet),
        savings_sheet(&view.savings),
    ]
}

// ---------------------------------------------------------------------------------------
// Demo

fn name(s: &str) -> Name {
    Name::parse(s).expect("a valid name")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The note of every demo record.
pub const DEMO_NOTE: &str = "架空のデモデータ / synthetic demo data";

fn demo_item(
    alliance: &AllianceId,
    n: &str,
    kind: ItemKind,
    yj: Option<&str>,
    jan: &str,
    unit: &str,
) -> Result<CatalogueItem, AppError> {
    CatalogueItem::new(CatalogueItemFields {
        id: 0,
        alliance: alliance.clone(),
        name: name(n),
        kind,
        yj: yj
            .map(YjCode::parse)
            .transpose()
            .map_err(AppError::invalid)?,
        jan: Some(JanCode::parse(jan).map_err(AppError::invalid)?),
        unit: unit.into(),
        note: DEMO_NOTE.into(),
    })
    .map_err(AppError::invalid)
}

/// Loads this capability's synthetic demo data (every item, code, price and supplier
/// invented, and so marked) for 東葛南部メディカルアライアンス: a catalogue of four items, an
/// awarded tender of FY2025's second half with demands of the four members (one line paying
/// more after the tender, a loss), and an open tender whose deadline is a month from today
/// with one demand.
pub async fn load_demo(store: &dyn Store) -> Result<(), AppError> {
    let actor = "demo";
    let id = AllianceId::parse("12-TOKATSU-NANBU").expect("a valid id");
    if store.get_alliance(&id).await?.is_none() {
        return Ok(());
    }
    let members: Vec<Name> = store
        .list_alliance_members(&id, Some(day(2025, 8, 31)))
        .await?
        .into_iter()
        .map(|m| m.corporation.clone())
        .collect();
    let mut items = Vec::new();
    for (n, kind, yj, jan, unit) in [
        (
            "アセトアミノフェン錠200mg（架空）",
            ItemKind::Drug,
            Some("1141999F9990"),
            "4999900000011",
            "箱",
        ),
        (
            "生理食塩液 100mL（架空）",
            ItemKind::Drug,
            Some("3311999A9991"),
            "4999900000028",
            "本",
        ),
        (
            "ニトリル手袋 Mサイズ 100枚入（架空）",
            ItemKind::Material,
            None,
            "4999900000035",
            "箱",
        ),
        (
            "ディスポーザブルシリンジ 10mL 100本入（架空）",
            ItemKind::Material,
            None,
            "4999900000042",
            "箱",
        ),
    ] {
        let item = demo_item(&id, n, kind, yj, jan, unit)?;
        items.push(docs::put(store, actor, &item).await?);
    }

    // FY2025's second half, awarded.
    let past = docs::put(
        store,
        actor,
        &Tender::new(TenderFields {
            id: 0,
            alliance: id.clone(),
            title: "令和7年度下期 医薬品・診療材料 共同購入（架空のデモデータ）".into(),
            from: day(2025, 10, 1),
            to: day(2026, 3, 31),
            deadline: day(2025, 8, 31),
            state: TenderState::Open,
            note: DEMO_NOTE.into(),
        })
        .map_err(AppError::invalid)?,
    )
    .await?;
    // Per item: (quantity, current price) of each member in order, then the award.
    type Row<'a> = ([(u64, i64); 4], i64, &'a str);
    let table: [Row; 4] = [
        (
            [(120, 1_480), (80, 1_520), (200, 1_450), (60, 1_600)],
            1_390,
            "架空メディカル卸株式会社",
        ),
        (
            [(900, 165), (600, 172), (1_500, 160), (400, 180)],
            152,
            "架空メディカル卸株式会社",
        ),
        (
            [(300, 1_200), (240, 1_150), (500, 1_300), (180, 1_250)],
            1_180,
            "架空衛生材料株式会社",
        ),
        (
            [(150, 2_400), (90, 2_550), (260, 2_380), (70, 2_600)],
            2_290,
            "架空衛生材料株式会社",
        ),
    ];
    for (item, (lines, _, _)) in items.iter().zip(&table) {
        for (member, &(quantity, price)) in members.iter().zip(lines) {
            let d = Demand::new(DemandFields {
                id: 0,
                alliance: id.clone(),
                tender: past.id,
                member: member.clone(),
                item: item.id,
                quantity,
                current_price: price,
                note: DEMO_NOTE.into(),
            })
            .map_err(AppError::invalid)?;
            docs::put(store, actor, &d).await?;
        }
    }
    let mut awards = Vec::new();
    for (item, (_, price, supplier)) in items.iter().zip(&table) {
        awards.push(
            Award::new(AwardFields {
                id: 0,
                alliance: id.clone(),
                tender: past.id,
                item: item.id,
                unit_price: *price,
                supplier: (*supplier).into(),
                note: DEMO_NOTE.into(),
            })
            .map_err(AppError::invalid)?,
        );
    }
    next_state(store, actor, &id, past.id, Tender::close).await?;
    write_award(store, actor, &id, past.id, awards).await?;

    // The next one, open: demands until a month from today.
    let today = chrono::Local::now().date_naive();
    let deadline = today + chrono::Days::new(30);
    let from = deadline
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.with_day(1))
        .expect("a valid date");
    let to = from
        .checked_add_months(chrono::Months::new(6))
        .expect("a valid date")
        - chrono::Days::new(1);
    let open = docs::put(
        store,
        actor,
        &Tender::new(TenderFields {
            id: 0,
            alliance: id.clone(),
            title: format!(
                "{}年{}月開始 医薬品・診療材料 共同購入（架空のデモデータ）",
                from.year(),
                from.month()
            ),
            from,
            to,
            deadline,
            state: TenderState::Open,
            note: DEMO_NOTE.into(),
        })
        .map_err(AppError::invalid)?,
    )
    .await?;
    if let (Some(member), Some(item)) = (members.get(2), items.get(2)) {
        let d = Demand::new(DemandFields {
            id: 0,
            alliance: id.clone(),
            tender: open.id,
            member: member.clone(),
            item: item.id,
            quantity: 480,
            current_price: 1_190,
            note: DEMO_NOTE.into(),
        })
        .map_err(AppError::invalid)?;
        docs::put(store, actor, &d).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{PrefCode, Role, Username};
    use chiiki_store::testing;

    const TOKATSU: &str = "12-TOKATSU-NANBU";

    fn principal(role: Role, pref: Option<u8>) -> Principal {
        Principal {
            alliance: (role == Role::Secretariat).then(|| AllianceId::parse(TOKATSU).unwrap()),
            username: Username::parse("tester").unwrap(),
            display_name: "test".into(),
            role,
            pref: pref.and_then(|p| PrefCode::new(p).ok()),
            facility: None,
            doctor: None,
        }
    }
    fn tokatsu() -> AllianceId {
        AllianceId::parse(TOKATSU).unwrap()
    }
    fn today() -> NaiveDate {
        chrono::Local::now().date_naive()
    }
    async fn open_tender(store: &dyn Store) -> TenderRow {
        tenders(store, &Principal::system("test"), &tokatsu())
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.tender.state == TenderState::Open)
            .unwrap()
    }
    fn input(member: &str, item: u64, quantity: u64, price: i64) -> DemandInput {
        DemandInput {
            member: name(member),
            item,
            quantity,
            current_price: price,
            note: String::new(),
        }
    }

    #[tokio::test]
    async fn the_demo_has_a_catalogue_an_awarded_and_an_open_tender() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let items = catalogue(store, &sec, &tokatsu()).await.unwrap();
        assert_eq!(items.len(), 4);
        assert!(items.iter().all(|i| i.name.as_str().contains("架空")));
        let rows = tenders(store, &sec, &tokatsu()).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].tender.state, TenderState::Open);
        let past = &rows[1];
        assert_eq!(past.tender.state, TenderState::Awarded);
        assert_eq!((past.demands, past.members, past.items), (16, 4, 4));
        let v = tender(store, &sec, &tokatsu(), past.tender.id)
            .await
            .unwrap();
        assert_eq!(Some(v.savings.overall.saving), past.saving);
        assert!(v.savings.overall.saving > 0);
        // One line costs more after the tender (gloves at 1,150 before, 1,180 after).
        assert!(
            v.savings
                .lines
                .iter()
                .any(|l| l.saving.is_some_and(|s| s < 0))
        );
        let sheets = tender_sheets(&v);
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["入札集計", "参加法人別", "削減効果"]);
        assert_eq!(sheets[1].rows.len(), 16);
    }

    #[tokio::test]
    async fn rights_follow_the_alliance() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let open = open_tender(store).await;
        let item = catalogue(store, &Principal::system("t"), &tokatsu())
            .await
            .unwrap()[0]
            .id;
        let tid = open.tender.id;
        let enter = move |who: Principal| async move {
            enter_demand(
                store,
                &who,
                &tokatsu(),
                tid,
                input("医療法人弘仁会", item, 10, 100),
                today(),
            )
            .await
        };
        // Iwate's coordinator and a doctor see nothing of Chiba's alliance.
        for who in [
            principal(Role::Coordinator, Some(3)),
            principal(Role::Doctor, Some(12)),
            principal(Role::Facility, Some(12)),
        ] {
            assert!(matches!(
                tenders(store, &who, &tokatsu()).await,
                Err(AppError::Store(StoreError::Missing { .. }))
            ));
            assert!(matches!(
                enter(who).await,
                Err(AppError::Store(StoreError::Missing { .. }))
            ));
        }
        // Chiba's auditor reads but does not write.
        let auditor = principal(Role::Auditor, Some(12));
        assert_eq!(tenders(store, &auditor, &tokatsu()).await.unwrap().len(), 2);
        assert!(matches!(enter(auditor).await, Err(AppError::Denied(_))));
        assert!(matches!(
            close_tender(
                store,
                &principal(Role::Auditor, Some(12)),
                &tokatsu(),
                open.tender.id
            )
            .await,
            Err(AppError::Denied(_))
        ));
        // The secretariat and Chiba's coordinator write.
        enter(principal(Role::Secretariat, Some(12))).await.unwrap();
        let again = enter(principal(Role::Coordinator, Some(12))).await;
        // The same member and item twice: refused under the lock.
        let Err(AppError::Rejected(m)) = again else {
            panic!("a duplicate demand was not refused")
        };
        assert!(m.en.contains("demand"), "{}", m.en);
        // A tender of the alliance is not found under another id.
        let other = AllianceId::parse("12-KAZUSA").unwrap();
        assert!(
            tender(store, &Principal::system("t"), &other, open.tender.id)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn demands_from_non_members_or_after_the_deadline_are_refused() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let open = open_tender(store).await;
        let item = catalogue(store, &sec, &tokatsu()).await.unwrap()[0].id;
        let Err(AppError::Rejected(m)) = enter_demand(
            store,
            &sec,
            &tokatsu(),
            open.tender.id,
            input("架空医療法人（非参加）", item, 10, 100),
            today(),
        )
        .await
        else {
            panic!("a non-member's demand was not refused")
        };
        assert!(m.ja.contains("参加法人ではありません") && m.en.contains("not a member"));
        // 誠馨会 joined on 2025-04-01: not a member the day before.
        let before = enter_demand(
            store,
            &sec,
            &tokatsu(),
            open.tender.id,
            input("医療法人社団誠馨会", item, 10, 100),
            day(2025, 3, 31),
        )
        .await;
        assert!(matches!(before, Err(AppError::Rejected(_))));
        // After the deadline.
        let late = open.tender.deadline + chrono::Days::new(1);
        let Err(AppError::Rejected(m)) = enter_demand(
            store,
            &sec,
            &tokatsu(),
            open.tender.id,
            input("医療法人弘仁会", item, 10, 100),
            late,
        )
        .await
        else {
            panic!("a late demand was not refused")
        };
        assert!(m.en.contains("deadline"), "{}", m.en);
        // An unknown item, a zero quantity.
        assert!(
            enter_demand(
                store,
                &sec,
                &tokatsu(),
                open.tender.id,
                input("医療法人弘仁会", 999_999, 10, 100),
                today()
            )
            .await
            .is_err()
        );
        assert!(matches!(
            enter_demand(
                store,
                &sec,
                &tokatsu(),
                open.tender.id,
                input("医療法人弘仁会", item, 0, 100),
                today()
            )
            .await,
            Err(AppError::Invalid(_))
        ));
        // Nothing was written but the demo's one demand.
        let v = tender(store, &sec, &tokatsu(), open.tender.id)
            .await
            .unwrap();
        assert_eq!(v.demands.len(), 1);
        // Once closed, no demand is taken, even before the deadline.
        close_tender(store, &sec, &tokatsu(), open.tender.id)
            .await
            .unwrap();
        assert!(
            enter_demand(
                store,
                &sec,
                &tokatsu(),
                open.tender.id,
                input("医療法人弘仁会", item, 10, 100),
                today()
            )
            .await
            .is_err()
        );
    }

    #[tokio::test]
    async fn aggregation_and_savings_reconcile_exactly() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let open = open_tender(store).await;
        let items = catalogue(store, &sec, &tokatsu()).await.unwrap();
        let big = pr::MAX_QUANTITY;
        let top = pr::MAX_PRICE_YEN;
        let entries = [
            ("医療法人弘仁会", items[0].id, big, top),
            ("医療法人弘仁会", items[1].id, 7, 333),
            ("医療法人社団ヨゼフ会", items[0].id, big, top - 1),
            ("医療法人社団ヨゼフ会", items[3].id, 13, 2_501),
            ("医療法人社団誠馨会", items[1].id, 5, 299),
        ];
        for (m, i, q, p) in entries {
            enter_demand(
                store,
                &sec,
                &tokatsu(),
                open.tender.id,
                input(m, i, q, p),
                today(),
            )
            .await
            .unwrap();
        }
        let v = tender(store, &sec, &tokatsu(), open.tender.id)
            .await
            .unwrap();
        let all_q: u64 = v.demands.iter().map(|d| d.quantity).sum();
        let all_cost: i128 = v
            .demands
            .iter()
            .map(|d| i128::from(d.quantity) * i128::from(d.current_price))
            .sum();
        assert_eq!(v.sheet.total_quantity, all_q);
        assert_eq!(v.sheet.items.iter().map(|r| r.quantity).sum::<u64>(), all_q);
        assert_eq!(v.sheet.total_current_cost, all_cost);
        assert_eq!(
            v.sheet.items.iter().map(|r| r.current_cost).sum::<i128>(),
            all_cost
        );
        // Beyond what f64 or i64 hold exactly: 2 × 10⁹ × 10¹⁰.
        assert!(all_cost > i128::from(i64::MAX));
        for r in &v.sheet.items {
            let of_item: Vec<&Demand> = v.demands.iter().filter(|d| d.item == r.item).collect();
            assert_eq!(r.quantity, of_item.iter().map(|d| d.quantity).sum::<u64>());
            assert_eq!(r.members, of_item.len());
        }
        close_tender(store, &sec, &tokatsu(), open.tender.id)
            .await
            .unwrap();
        // Item 0 and 1 awarded (1 dearer than some paid), item 3 not.
        let (awarded, awards) = award_tender(
            store,
            &sec,
            &tokatsu(),
            open.tender.id,
            vec![
                AwardInput {
                    item: items[0].id,
                    unit_price: top - 7,
                    supplier: "架空卸A".into(),
                },
                AwardInput {
                    item: items[1].id,
                    unit_price: 300,
                    supplier: "架空卸B".into(),
                },
            ],
        )
        .await
        .unwrap();
        assert_eq!(awarded.state, TenderState::Awarded);
        assert_eq!(awards.len(), 2);
        let v = tender(store, &sec, &tokatsu(), open.tender.id)
            .await
            .unwrap();
        let s = &v.savings;
        let sum = |ts: Vec<pr::SavingTotals>| {
            ts.iter().fold((0i128, 0i128, 0i128, 0i128), |a, t| {
                (
                    a.0 + t.cost_before,
                    a.1 + t.cost_after,
                    a.2 + t.saving,
                    a.3 + t.not_awarded_cost,
                )
            })
        };
        let o = &s.overall;
        let overall = (o.cost_before, o.cost_after, o.saving, o.not_awarded_cost);
        assert_eq!(sum(s.by_member.iter().map(|m| m.totals).collect()), overall);
        assert_eq!(sum(s.by_item.iter().map(|i| i.totals).collect()), overall);
        assert_eq!(o.cost_before - o.cost_after, o.saving);
        assert_eq!(
            o.cost_before + o.not_awarded_cost,
            v.sheet.total_current_cost
        );
        // Exactly: (10¹⁰ − (10¹⁰ − 7)) × 10⁹ + (10¹⁰ − 1 − (10¹⁰ − 7)) × 10⁹ + 7×33 − 5.
        let expected = 7 * i128::from(big) + 6 * i128::from(big) + 7 * 33 - 5;
        assert_eq!(o.saving, expected);
        // Item 3 and the demo's demand for item 2 (480 × 1,190) are not awarded.
        assert_eq!(o.not_awarded_cost, 13 * 2_501 + 480 * 1_190);
        let seikei = s
            .by_member
            .iter()
            .find(|m| m.member.as_str() == "医療法人社団誠馨会")
            .unwrap();
        assert_eq!(seikei.totals.saving, -5);
        assert!(seikei.totals.is_loss());
        // The tenders list says the same saving.
        let row = tenders(store, &sec, &tokatsu())
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.tender.id == open.tender.id)
            .unwrap();
        assert_eq!(row.saving, Some(expected));
        // Big figures stay exact in the sheets.
        let sheets = tender_sheets(&v);
        let total = sheets[0].rows.last().unwrap();
        assert_eq!(total[9], Cell::Text(all_cost.to_string()));
    }

    #[tokio::test]
    async fn a_refused_award_leaves_nothing() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let open = open_tender(store).await;
        let id = open.tender.id;
        let v = tender(store, &sec, &tokatsu(), id).await.unwrap();
        let item = v.sheet.items[0].item;
        let award = |price: i64, supplier: &str| AwardInput {
            item,
            unit_price: price,
            supplier: supplier.into(),
        };
        let nothing_written = || async {
            let v = tender(store, &sec, &tokatsu(), id).await.unwrap();
            assert!(v.awards.is_empty());
            v.tender.state
        };
        // Not closed yet.
        assert!(matches!(
            award_tender(store, &sec, &tokatsu(), id, vec![award(100, "架空卸")]).await,
            Err(AppError::Invalid(_))
        ));
        assert_eq!(nothing_written().await, TenderState::Open);
        close_tender(store, &sec, &tokatsu(), id).await.unwrap();
        // No awards; the same item twice; an empty supplier; an item without demand.
        for inputs in [
            vec![],
            vec![award(100, "架空卸"), award(90, "架空卸")],
            vec![award(100, " ")],
            vec![AwardInput {
                item: 999_999,
                unit_price: 1,
                supplier: "架空卸".into(),
            }],
        ] {
            assert!(
                award_tender(store, &sec, &tokatsu(), id, inputs)
                    .await
                    .is_err()
            );
            assert_eq!(nothing_written().await, TenderState::Closed);
        }
        // A batch whose second document is refused by the store (an award that replaces one
        // that is not there): the first award and the tender are not written either.
        let closed = tender(store, &sec, &tokatsu(), id).await.unwrap().tender;
        let mk = |aid: u64| {
            Award::new(AwardFields {
                id: aid,
                alliance: tokatsu(),
                tender: id,
                item: if aid == 0 { item } else { item + 1 },
                unit_price: 100,
                supplier: "架空卸".into(),
                note: String::new(),
            })
            .unwrap()
        };
        let awards = vec![mk(0), mk(987_654)];
        assert!(
            closed.award(&awards).is_ok(),
            "the domain sees nothing wrong"
        );
        assert!(
            write_award(store, "test", &tokatsu(), id, awards)
                .await
                .is_err()
        );
        assert_eq!(nothing_written().await, TenderState::Closed);
        // Done right, it is awarded; then it cannot be awarded again.
        award_tender(store, &sec, &tokatsu(), id, vec![award(100, "架空卸")])
            .await
            .unwrap();
        let v = tender(store, &sec, &tokatsu(), id).await.unwrap();
        assert_eq!(v.tender.state, TenderState::Awarded);
        assert_eq!(v.awards.len(), 1);
        assert!(
            award_tender(store, &sec, &tokatsu(), id, vec![award(90, "架空卸")])
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn catalogue_items_are_checked_and_unique_by_code() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let sec = principal(Role::Secretariat, Some(12));
        let existing = catalogue(store, &sec, &tokatsu()).await.unwrap();
        let jan = existing[2].jan.clone();
        let new = |jan: Option<JanCode>| {
            CatalogueItem::new(CatalogueItemFields {
                id: 0,
                alliance: tokatsu(),
                name: name("サージカルマスク（架空）"),
                kind: ItemKind::Material,
                yj: None,
                jan,
                unit: "箱".into(),
                note: String::new(),
            })
            .unwrap()
        };
        let Err(AppError::Rejected(m)) = add_item(store, &sec, new(jan)).await else {
            panic!("a duplicate JAN code was not refused")
        };
        assert!(m.ja.contains("登録済み") && m.en.contains("already"));
        let added = add_item(store, &sec, new(None)).await.unwrap();
        assert!(added.id > 0);
        let auditor = principal(Role::Auditor, Some(12));
        assert!(matches!(
            add_item(store, &auditor, new(None)).await,
            Err(AppError::Denied(_))
        ));
        assert_eq!(catalogue(store, &sec, &tokatsu()).await.unwrap().len(), 5);
    }

    #[test]
    fn yen_cells_are_exact() {
        assert_eq!(yen_cell(-12_345), Cell::Number(-12_345.0));
        let big = 20_000_000_000_000_000_000i128;
        assert_eq!(yen_cell(big), Cell::Text(big.to_string()));
    }

    /// Closing and entering demands at once: the tender closes once, and every demand that
    /// was accepted was accepted before the close (those after it are refused), because both
    /// run under the lock of the tender's demands and read the tender inside it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_close_and_demands_at_once_run_one_after_the_other() {
        let t = testing::sqlite().await;
        crate::load_demo(t.store()).await.unwrap();
        let open = open_tender(t.store()).await;
        let id = open.tender.id;
        let items = catalogue(t.store(), &Principal::system("test"), &tokatsu())
            .await
            .unwrap();
        let store = t.shared();
        let before = open.demands;
        let mut tasks = Vec::new();
        for i in 0..8usize {
            let store = store.clone();
            let item = items[i % items.len()].id;
            tasks.push(tokio::spawn(async move {
                let sec = principal(Role::Secretariat, Some(12));
                if i % 2 == 0 {
                    close_tender(store.as_ref(), &sec, &tokatsu(), id)
                        .await
                        .map(|_| "closed")
                } else {
                    let member = ["医療法人弘仁会", "医療法人社団ヨゼフ会"][i % 4 / 2];
                    enter_demand(
                        store.as_ref(),
                        &sec,
                        &tokatsu(),
                        id,
                        input(member, item, 10, 100),
                        today(),
                    )
                    .await
                    .map(|_| "demand")
                }
            }));
        }
        let mut closed = 0;
        let mut demands = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok("closed") => closed += 1,
                Ok(_) => demands += 1,
                Err(AppError::Rejected(_)) | Err(AppError::Invalid(_)) => {}
                Err(e) => panic!("unexpected: {e}"),
            }
        }
        assert_eq!(closed, 1, "the tender closes once");
        let v = tender(store.as_ref(), &Principal::system("test"), &tokatsu(), id)
            .await
            .unwrap();
        assert_eq!(v.tender.state, TenderState::Closed);
        assert_eq!(
            v.demands.len(),
            before + demands,
            "every accepted demand is kept"
        );
    }
}
