//! Emergency mutual support (災害時の相互支援) of an alliance: each member facility's call tree
//! (連絡網), what each facility can take in or send (受入・派遣可能資源), the events (drills and
//! incidents) with their requests for support and the offers answering them, the event's log
//! and the summary of a call-tree drill (連絡網訓練).
//!
//! Who may do what is [`crate::alliance::access`]: those who read the alliance read its
//! mutual support (a call tree's names and numbers only with `personal` access; the others
//! see the positions), those who manage it record. Requests are written under their event,
//! offers under their request, and acknowledgements under their drill, through the store's
//! checked writes, with the domain's pure checks (`chiiki_domain::mutual_aid`).

use std::collections::BTreeMap;

use chiiki_domain::mutual_aid::{
    self as ma, Acknowledgement, AidEvent, AidEventFields, AidEventKind, AidJob, AidRequest,
    AidRequestFields, AidRequestState, AidResponse, AidResponseFields, Ask, Availability,
    Capabilities, CapabilitiesFields, Contact, ContactTree, ContactTreeFields, DrillSummary,
    JobCount, LogLine, Resource, ResourceCoverage, Sender,
};
use chiiki_domain::{
    Alliance, AllianceId, DocScope, Document, Explain, Lang, Msg, NaiveDate, Name, Phone,
};
use chiiki_store::documents::{self as docs, Filter, Write};
use chiiki_store::{Store, StoreError};
use chiiki_tabular::{Cell, Sheet};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::access::{Denied, Principal};
use crate::alliance::{AllianceAccess, access, in_scope};

fn scope(id: &AllianceId) -> DocScope {
    DocScope::Alliance(id.clone())
}

fn missing(what: String) -> AppError {
    StoreError::Missing { what }.into()
}

fn rejected(ja: impl Into<String>, en: impl Into<String>) -> AppError {
    crate::placement::rejected(ja, en)
}

/// The alliance and what the principal may do in it; `Missing` when they may not read it.
pub async fn place(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<(Alliance, AllianceAccess), AppError> {
    let a = in_scope(store, who, id).await?;
    let x = access(who, &a);
    Ok((a, x))
}

/// The alliance, when the principal may record its mutual support: `Missing` when they may
/// not read it, `Denied` when they may only read it.
async fn managed(store: &dyn Store, who: &Principal, id: &AllianceId) -> Result<(), AppError> {
    let (_, x) = place(store, who, id).await?;
    if !x.manage {
        return Err(AppError::Denied(Denied(Msg::new(
            "この連携推進法人の相互支援を記録する権限がありません",
            "you may read this alliance's mutual support but not record it",
        ))));
    }
    Ok(())
}

/// A facility of the alliance: its name and its member corporation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AidFacility {
    pub facility: Name,
    pub member: Name,
}

/// The facilities of the alliance's current members (those who have not left), by member as
/// the alliance lists them.
pub async fn facilities(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Vec<AidFacility>, AppError> {
    Ok(crate::alliance::members(store, who, Some(id), None)
        .await?
        .into_iter()
        .filter(|m| m.left.is_none())
        .flat_map(|m| {
            let member = m.corporation.clone();
            m.facilities
                .iter()
                .map(move |f| AidFacility {
                    facility: f.name.clone(),
                    member: member.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

/// Refuses a facility that is not one of the alliance's members' (or under another member).
async fn check_facility(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    facility: &Name,
    member: Option<&Name>,
) -> Result<(), AppError> {
    let all = facilities(store, who, id).await?;
    match all.iter().find(|f| &f.facility == facility) {
        Some(f) if member.is_none_or(|m| *m == f.member) => Ok(()),
        Some(f) => Err(rejected(
            format!(
                "施設「{facility}」は「{}」の施設です（「{}」ではありません）",
                f.member,
                member.map(|m| m.to_string()).unwrap_or_default()
            ),
            format!(
                "the facility '{facility}' belongs to '{}', not '{}'",
                f.member,
                member.map(|m| m.to_string()).unwrap_or_default()
            ),
        )),
        None => Err(rejected(
            format!("「{facility}」はこの連携推進法人の参加施設ではありません"),
            format!("'{facility}' is not a facility of this alliance's members"),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Call trees

/// A contact as the principal may see it: the name, phone and e-mail only with `personal`
/// access.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactView {
    /// Its index in the tree (from 0).
    pub index: usize,
    pub position: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub available: Availability,
    pub calls: Vec<usize>,
    /// Its level in the call order (0 for the first contact).
    pub level: usize,
    /// Who calls them (none for the first contact).
    pub caller: Option<usize>,
}

/// A facility's call tree as the principal may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeView {
    pub id: u64,
    pub facility: Name,
    pub member: Name,
    /// Whether the names and numbers are shown.
    pub personal: bool,
    pub contacts: Vec<ContactView>,
    /// The call order: the levels, each in calling order.
    pub order: Vec<Vec<usize>>,
}

fn tree_view(t: &ContactTree, personal: bool) -> TreeView {
    let order = t.call_order();
    TreeView {
        id: t.id,
        facility: t.facility.clone(),
        member: t.member.clone(),
        personal,
        contacts: t
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| ContactView {
                index: i,
                position: c.position.clone(),
                name: personal.then(|| c.name.to_string()),
                phone: personal.then(|| c.phone.as_str().to_string()),
                email: personal
                    .then(|| c.email.as_ref().map(|e| e.as_str().to_string()))
                    .flatten(),
                available: c.available,
                calls: c.calls.clone(),
                level: order.iter().position(|l| l.contains(&i)).unwrap_or(0),
                caller: t.caller(i),
            })
            .collect(),
        order,
    }
}

async fn stored_trees(store: &dyn Store, id: &AllianceId) -> Result<Vec<ContactTree>, AppError> {
    Ok(docs::list(store, Filter::scope(scope(id))).await?)
}

/// The call trees of the alliance's facilities, by facility name.
pub async fn trees(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Vec<TreeView>, AppError> {
    let (_, x) = place(store, who, id).await?;
    let mut list: Vec<TreeView> = stored_trees(store, id)
        .await?
        .iter()
        .map(|t| tree_view(t, x.personal))
        .collect();
    list.sort_by(|a, b| a.facility.cmp(&b.facility));
    Ok(list)
}

/// Puts a facility's call tree (those who manage the alliance), replacing the facility's
/// tree when it has one; returns it as stored. The facility must be one of a member's.
pub async fn put_tree(
    store: &dyn Store,
    who: &Principal,
    tree: ContactTree,
) -> Result<TreeView, AppError> {
    managed(store, who, &tree.alliance).await?;
    check_facility(
        store,
        who,
        &tree.alliance,
        &tree.facility,
        Some(&tree.member),
    )
    .await?;
    let input = tree.clone();
    let written = docs::change::<ContactTree, _>(
        store,
        who.actor(),
        scope(&tree.alliance),
        None,
        move |existing| {
            let id = existing
                .iter()
                .find(|t| t.facility == input.facility)
                .map_or(0, |t| t.id);
            Ok(vec![Write::Put(input.clone().with_id(id))])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    let t = written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the call tree was not written".into()))?;
    Ok(tree_view(&t, true))
}

/// Reads a call tree written as an outline, one contact a line:
/// `position, name, phone, availability[, e-mail]`, each contact indented (spaces, tabs or
/// full-width spaces) under the contact who calls them; the first line starts the tree.
/// Problems name the line.
pub fn parse_tree(
    alliance: &AllianceId,
    facility: &Name,
    member: &Name,
    text: &str,
) -> Result<ContactTree, AppError> {
    let mut contacts: Vec<Contact> = Vec::new();
    // (indent, index) of the contacts that may still call the next line.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let indent: usize = raw
            .chars()
            .take_while(|c| c.is_whitespace())
            .map(|c| match c {
                '\t' => 4,
                '\u{3000}' => 2,
                _ => 1,
            })
            .sum();
        let body = raw.trim();
        let parts: Vec<String> = body
            .split([',', '，', '、'])
            .map(|p| p.trim().to_string())
            .collect();
        let bad = |ja: String, en: String| {
            rejected(
                format!("連絡網の{line_no}行目「{body}」: {ja}"),
                format!("line {line_no} of the call tree, '{body}': {en}"),
            )
        };
        if !(4..=5).contains(&parts.len()) {
            return Err(bad(
                "「役職, 氏名, 電話番号, 連絡可能時間帯」（電子メールは任意）の形で書いてください"
                    .into(),
                "write it as 'position, name, phone, availability' (an e-mail optional)".into(),
            ));
        }
        let name = Name::parse(&parts[1]).map_err(|e| {
            let m = e.said();
            bad(m.ja, m.en)
        })?;
        let phone = Phone::parse(&parts[2]).map_err(|e| {
            let m = e.said();
            bad(m.ja, m.en)
        })?;
        let available = Availability::parse(&parts[3]).map_err(|e| {
            let m = e.said();
            bad(m.ja, m.en)
        })?;
        let email = match parts.get(4).filter(|s| !s.is_empty()) {
            Some(e) => Some(chiiki_domain::Email::parse(e).map_err(|e| {
                let m = e.said();
                bad(m.ja, m.en)
            })?),
            None => None,
        };
        let index = contacts.len();
        while stack.last().is_some_and(|&(d, _)| d >= indent) {
            stack.pop();
        }
        match stack.last() {
            Some(&(_, caller)) => contacts[caller].calls.push(index),
            None if index > 0 => {
                return Err(bad(
                    "最初の連絡先より深く字下げしてください（誰から連絡されるかを字下げで示します）".into(),
                    "indent it below the first contact (the indent says who calls whom)".into(),
                ));
            }
            None => {}
        }
        stack.push((indent, index));
        contacts.push(Contact {
            position: parts[0].clone(),
            name,
            phone,
            email,
            available,
            calls: Vec::new(),
        });
    }
    ContactTree::new(ContactTreeFields {
        id: 0,
        alliance: alliance.clone(),
        facility: facility.clone(),
        member: member.clone(),
        contacts,
    })
    .map_err(AppError::invalid)
}

/// A call tree as the outline [`parse_tree`] reads (for editing), in the tree's order:
/// each contact indented two spaces per level.
pub fn tree_text(t: &TreeView) -> String {
    let mut out = String::new();
    fn walk(t: &TreeView, i: usize, depth: usize, out: &mut String) {
        let Some(c) = t.contacts.get(i) else { return };
        out.push_str(&"  ".repeat(depth));
        out.push_str(&format!(
            "{}, {}, {}, {}",
            c.position,
            c.name.as_deref().unwrap_or(""),
            c.phone.as_deref().unwrap_or(""),
            c.available.label(Lang::Ja)
        ));
        if let Some(e) = &c.email {
            out.push_str(&format!(", {e}"));
        }
        out.push('\n');
        for &j in &c.calls {
            walk(t, j, depth + 1, out);
        }
    }
    walk(t, 0, 0, &mut out);
    out
}

// ---------------------------------------------------------------------------------------
// Capabilities

/// Records a facility's capabilities as of a day (those who manage the alliance); a new
/// record each time, the latest `as_of` winning in views.
pub async fn put_capabilities(
    store: &dyn Store,
    who: &Principal,
    input: Capabilities,
) -> Result<Capabilities, AppError> {
    managed(store, who, &input.alliance).await?;
    check_facility(
        store,
        who,
        &input.alliance,
        &input.facility,
        Some(&input.member),
    )
    .await?;
    if input.id != 0 {
        return Err(rejected(
            "受入・派遣可能資源は新しい記録として追加してください",
            "capabilities are recorded anew, never changed",
        ));
    }
    Ok(docs::put(store, who.actor(), &input).await?)
}

/// Every capabilities record of the alliance, by facility, then as of.
pub async fn all_capabilities(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Vec<Capabilities>, AppError> {
    place(store, who, id).await?;
    let mut list: Vec<Capabilities> = docs::list(store, Filter::scope(scope(id))).await?;
    list.sort_by(|a, b| (&a.facility, a.as_of, a.id).cmp(&(&b.facility, b.as_of, b.id)));
    Ok(list)
}

/// Each facility's latest capabilities (the latest `as_of`; the higher id among equals), by
/// facility.
pub fn latest(list: &[Capabilities]) -> Vec<Capabilities> {
    let mut by: BTreeMap<&Name, &Capabilities> = BTreeMap::new();
    for c in list {
        if by
            .get(&c.facility)
            .is_none_or(|l| (c.as_of, c.id) > (l.as_of, l.id))
        {
            by.insert(&c.facility, c);
        }
    }
    by.into_values().cloned().collect()
}

/// The latest capabilities of each facility of the alliance, by facility.
pub async fn capabilities(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Vec<Capabilities>, AppError> {
    Ok(latest(&all_capabilities(store, who, id).await?))
}

// ---------------------------------------------------------------------------------------
// Events, requests and responses

/// Records an event (those who manage the alliance); returns it as stored.
pub async fn create_event(
    store: &dyn Store,
    who: &Principal,
    input: AidEvent,
) -> Result<AidEvent, AppError> {
    managed(store, who, &input.alliance).await?;
    if input.id != 0 {
        return Err(rejected(
            "事象は新規にだけ登録できます",
            "only new events can be recorded",
        ));
    }
    for f in &input.affected {
        check_facility(store, who, &input.alliance, f, None).await?;
    }
    Ok(docs::put(store, who.actor(), &input).await?)
}

/// The event of the alliance, when the principal may read it; `Missing` otherwise.
pub async fn event(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    event: u64,
) -> Result<AidEvent, AppError> {
    place(store, who, id).await?;
    docs::get::<AidEvent>(store, event)
        .await?
        .filter(|e| e.alliance == *id)
        .ok_or_else(|| missing(format!("the event {event}")))
}

/// Ends an event at the time (those who manage the alliance).
pub async fn end_event(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    event_id: u64,
    at: NaiveDateTime,
) -> Result<AidEvent, AppError> {
    managed(store, who, id).await?;
    event(store, who, id, event_id).await?;
    let written = docs::change::<AidEvent, _>(store, who.actor(), scope(id), None, move |all| {
        let e = all
            .into_iter()
            .find(|e| e.id == event_id)
            .ok_or_else(|| Msg::new("事象がありません", "the event is gone"))?;
        Ok(vec![Write::Put(e.end(at).map_err(|e| e.said())?)])
    })
    .await
    .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the event was not written".into()))
}

/// A request with its responses, coverage and the facilities that could send what remains.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// With the state its responses give it.
    pub request: AidRequest,
    /// By time offered.
    pub responses: Vec<AidResponse>,
    pub coverage: Vec<ResourceCoverage>,
    /// Per resource with some remaining (of an open or partly met request): who can send it.
    pub senders: Vec<(Resource, Vec<Sender>)>,
}

/// An event with its requests, by time asked.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub event: AidEvent,
    pub requests: Vec<RequestView>,
}

fn request_view(r: AidRequest, all: &[AidResponse], caps: &[Capabilities]) -> RequestView {
    let mut responses: Vec<AidResponse> =
        all.iter().filter(|s| s.request == r.id).cloned().collect();
    responses.sort_by_key(|s| (s.at, s.id));
    let request = r.with_state(&responses);
    let coverage = ma::coverage(&request, &responses);
    let open = matches!(
        request.state,
        AidRequestState::Open | AidRequestState::PartlyMet
    );
    let senders = if open {
        coverage
            .iter()
            .filter(|c| c.remaining > 0)
            .map(|c| {
                let q = u32::try_from(c.remaining).unwrap_or(u32::MAX);
                (
                    c.resource,
                    ma::who_can_send(caps, c.resource, q, &request.from),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    RequestView {
        request,
        responses,
        coverage,
        senders,
    }
}

/// The events of the alliance, the latest started first, each with its requests.
pub async fn events(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
) -> Result<Vec<EventView>, AppError> {
    place(store, who, id).await?;
    let sc = Filter::scope(scope(id));
    let mut events: Vec<AidEvent> = docs::list(store, sc.clone()).await?;
    events.sort_by_key(|e| std::cmp::Reverse((e.started, e.id)));
    let requests: Vec<AidRequest> = docs::list(store, sc.clone()).await?;
    let responses: Vec<AidResponse> = docs::list(store, sc.clone()).await?;
    let caps: Vec<Capabilities> = docs::list(store, sc).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let mut rs: Vec<RequestView> = requests
                .iter()
                .filter(|r| r.event == e.id)
                .map(|r| request_view(r.clone(), &responses, &caps))
                .collect();
            rs.sort_by_key(|r| (r.request.requested_at, r.request.id));
            EventView {
                event: e,
                requests: rs,
            }
        })
        .collect())
}

/// Records a facility's request for support during an event (those who manage the
/// alliance), under the event's lock; returns it as stored, open.
pub async fn add_request(
    store: &dyn Store,
    who: &Principal,
    input: AidRequest,
) -> Result<AidRequest, AppError> {
    managed(store, who, &input.alliance).await?;
    let e = event(store, who, &input.alliance, input.event).await?;
    check_facility(store, who, &input.alliance, &input.from, None).await?;
    if input.id != 0 {
        return Err(rejected(
            "支援要請は新規にだけ登録できます",
            "only new requests can be recorded",
        ));
    }
    if input.requested_at < e.started {
        return Err(rejected(
            format!(
                "要請日時（{}）が事象の開始（{}）より前です",
                input.requested_at, e.started
            ),
            format!(
                "the request ({}) is dated before the event started ({})",
                input.requested_at, e.started
            ),
        ));
    }
    let new = AidRequest::new(AidRequestFields {
        state: AidRequestState::Open,
        ..input.fields().clone()
    })
    .map_err(AppError::invalid)?;
    let written = docs::change::<AidRequest, _>(
        store,
        who.actor(),
        scope(&new.alliance),
        Some(new.event),
        move |_| Ok(vec![Write::Put(new.clone())]),
    )
    .await
    .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the request was not written".into()))
}

async fn request_of(
    store: &dyn Store,
    id: &AllianceId,
    request: u64,
) -> Result<AidRequest, AppError> {
    docs::get::<AidRequest>(store, request)
        .await?
        .filter(|r| r.alliance == *id)
        .ok_or_else(|| missing(format!("the request {request}")))
}

async fn responses_of(
    store: &dyn Store,
    id: &AllianceId,
    request: u64,
) -> Result<Vec<AidResponse>, AppError> {
    Ok(docs::list(store, Filter::scope(scope(id)).parent(request)).await?)
}

/// Keeps the stored state of a request in step with its responses (read after the write
/// that changed them; views compute it afresh anyway).
async fn sync_state(
    store: &dyn Store,
    actor: &str,
    id: &AllianceId,
    request: &AidRequest,
) -> Result<AidRequest, AppError> {
    let responses = responses_of(store, id, request.id).await?;
    let rid = request.id;
    let written =
        docs::change::<AidRequest, _>(store, actor, scope(id), Some(request.event), move |all| {
            let Some(r) = all.into_iter().find(|r| r.id == rid) else {
                return Ok(Vec::new());
            };
            let next = r.clone().with_state(&responses);
            Ok(if next.state == r.state {
                Vec::new()
            } else {
                vec![Write::Put(next)]
            })
        })
        .await
        .map_err(crate::placement::said)?;
    match written.into_iter().next() {
        Some(r) => Ok(r),
        None => request_of(store, id, rid).await,
    }
}

/// Records a facility's offer in answer to a request (those who manage the alliance),
/// checked under the request's lock against the offers it already has
/// ([`chiiki_domain::mutual_aid::respond`]); the request's state follows. Returns the offer.
pub async fn respond(
    store: &dyn Store,
    who: &Principal,
    input: AidResponse,
) -> Result<AidResponse, AppError> {
    let id = input.alliance.clone();
    managed(store, who, &id).await?;
    let request = request_of(store, &id, input.request).await?;
    check_facility(store, who, &id, &input.from, None).await?;
    if input.id != 0 {
        return Err(rejected(
            "支援申出は新規にだけ登録できます",
            "only new offers can be recorded",
        ));
    }
    let new = AidResponse::new(AidResponseFields {
        accepted: false,
        ..input.fields().clone()
    })
    .map_err(AppError::invalid)?;
    let r = request.clone();
    let written = docs::change::<AidResponse, _>(
        store,
        who.actor(),
        scope(&id),
        Some(request.id),
        move |existing| {
            let ok = ma::respond(&r, &existing, new.clone()).map_err(|e| e.said())?;
            Ok(vec![Write::Put(ok)])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    let out = written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the offer was not written".into()))?;
    sync_state(store, who.actor(), &id, &request).await?;
    Ok(out)
}

/// Accepts (or no longer accepts) an offer (those who manage the alliance); the request's
/// state follows. Returns the offer and its request, with its new state.
pub async fn accept(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    response: u64,
    accepted: bool,
) -> Result<(AidResponse, AidRequest), AppError> {
    managed(store, who, id).await?;
    let gone = || missing(format!("the offer {response}"));
    let s = docs::get::<AidResponse>(store, response)
        .await?
        .filter(|s| s.alliance == *id)
        .ok_or_else(gone)?;
    let request = request_of(store, id, s.request).await?;
    let r = request.clone();
    let written = docs::change::<AidResponse, _>(
        store,
        who.actor(),
        scope(id),
        Some(request.id),
        move |existing| {
            let s = existing
                .into_iter()
                .find(|s| s.id == response)
                .ok_or_else(|| Msg::new("申出がありません", "the offer is gone"))?;
            Ok(vec![Write::Put(
                ma::accept(&r, s, accepted).map_err(|e| e.said())?,
            )])
        },
    )
    .await
    .map_err(crate::placement::said)?;
    let out = written.into_iter().next().ok_or_else(gone)?;
    let request = sync_state(store, who.actor(), id, &request).await?;
    Ok((out, request))
}

/// Withdraws a request (those who manage the alliance).
pub async fn withdraw(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    request: u64,
) -> Result<AidRequest, AppError> {
    managed(store, who, id).await?;
    let r = request_of(store, id, request).await?;
    let written =
        docs::change::<AidRequest, _>(store, who.actor(), scope(id), Some(r.event), move |all| {
            let r = all
                .into_iter()
                .find(|x| x.id == request)
                .ok_or_else(|| Msg::new("要請がありません", "the request is gone"))?;
            Ok(vec![Write::Put(r.withdraw().map_err(|e| e.said())?)])
        })
        .await
        .map_err(crate::placement::said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| missing(format!("the request {request}")))
}

/// An event's report: the event, its log in time order and its requests.
#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    pub event: AidEvent,
    pub log: Vec<LogLine>,
    pub requests: Vec<RequestView>,
}

/// The event's log and requests (those who read the alliance).
pub async fn event_log(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    event_id: u64,
) -> Result<EventReport, AppError> {
    let e = event(store, who, id, event_id).await?;
    let sc = Filter::scope(scope(id));
    let requests: Vec<AidRequest> = docs::list(store, sc.clone().parent(event_id)).await?;
    let responses: Vec<AidResponse> = docs::list(store, sc.clone()).await?;
    let caps: Vec<Capabilities> = docs::list(store, sc).await?;
    let mut views: Vec<RequestView> = requests
        .into_iter()
        .map(|r| request_view(r, &responses, &caps))
        .collect();
    views.sort_by_key(|r| (r.request.requested_at, r.request.id));
    let reqs: Vec<AidRequest> = views.iter().map(|v| v.request.clone()).collect();
    let log = ma::log(&e, &reqs, &responses);
    Ok(EventReport {
        event: e,
        log,
        requests: views,
    })
}

// ---------------------------------------------------------------------------------------
// Drills

/// A contact's acknowledgement during a drill, as stored (under the drill): the facility,
/// the contact's index in its tree and when they answered. No name: the index points into
/// the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillAck {
    /// Given by the store (0 before it is stored).
    pub id: u64,
    pub alliance: AllianceId,
    pub event: u64,
    pub facility: Name,
    pub contact: usize,
    pub at: NaiveDateTime,
}

impl Document for DrillAck {
    const KIND: &'static str = "aid_acknowledgements";
    const AUDITED: &'static [&'static str] =
        &["id", "alliance", "event", "facility", "contact", "at"];
    fn id(&self) -> u64 {
        self.id
    }
    fn with_id(self, id: u64) -> Self {
        Self { id, ..self }
    }
    fn scope(&self) -> DocScope {
        DocScope::Alliance(self.alliance.clone())
    }
    fn parent(&self) -> Option<u64> {
        Some(self.event)
    }
    fn owner(&self) -> Option<String> {
        Some(self.facility.to_string())
    }
}

/// Records who of a facility's call tree was reached during a drill and when (those who
/// manage the alliance): each `(contact index, time)` replaces that contact's earlier
/// record; the contacts not given are left as they are. Returns the records written.
pub async fn record_acks(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    event_id: u64,
    facility: &Name,
    reached: Vec<(usize, NaiveDateTime)>,
) -> Result<Vec<DrillAck>, AppError> {
    managed(store, who, id).await?;
    let e = event(store, who, id, event_id).await?;
    if !e.is_drill() {
        return Err(rejected(
            "連絡網の応答は訓練にだけ記録できます",
            "acknowledgements are recorded for drills only",
        ));
    }
    let tree = stored_trees(store, id)
        .await?
        .into_iter()
        .find(|t| t.facility == *facility)
        .ok_or_else(|| {
            rejected(
                format!("「{facility}」の連絡網がありません"),
                format!("'{facility}' has no call tree"),
            )
        })?;
    for &(c, at) in &reached {
        if c >= tree.contacts.len() {
            return Err(rejected(
                format!("「{facility}」の連絡網に連絡先 {c} はありません"),
                format!("the call tree of '{facility}' has no contact {c}"),
            ));
        }
        if !e.ongoing_at(at) {
            return Err(rejected(
                format!(
                    "応答時刻 {} が訓練の期間外です（開始 {}）",
                    at.format("%Y-%m-%d %H:%M"),
                    e.started.format("%Y-%m-%d %H:%M")
                ),
                format!(
                    "the time {} is outside the drill (started {})",
                    at.format("%Y-%m-%d %H:%M"),
                    e.started.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
    }
    let (alliance, facility) = (id.clone(), facility.clone());
    docs::change::<DrillAck, _>(
        store,
        who.actor(),
        scope(id),
        Some(event_id),
        move |existing| {
            Ok(reached
                .iter()
                .map(|&(contact, at)| {
                    let old = existing
                        .iter()
                        .find(|a| a.facility == facility && a.contact == contact)
                        .map_or(0, |a| a.id);
                    Write::Put(DrillAck {
                        id: old,
                        alliance: alliance.clone(),
                        event: event_id,
                        facility: facility.clone(),
                        contact,
                        at,
                    })
                })
                .collect())
        },
    )
    .await
    .map_err(crate::placement::said)
}

/// A drill's acknowledgements and its summary. Without `personal` access the names of the
/// contacts not reached are left out (hidden).
#[derive(Debug, Clone, Serialize)]
pub struct DrillView {
    pub summary: DrillSummary,
    /// Each acknowledgement, by facility, contact.
    pub acks: Vec<DrillAck>,
    pub personal: bool,
}

/// The summary of a drill over the alliance's call trees (those who read the alliance).
pub async fn drill(
    store: &dyn Store,
    who: &Principal,
    id: &AllianceId,
    event_id: u64,
) -> Result<DrillView, AppError> {
    let (_, x) = place(store, who, id).await?;
    let e = event(store, who, id, event_id).await?;
    let mut trees = stored_trees(store, id).await?;
    trees.sort_by(|a, b| a.facility.cmp(&b.facility));
    let mut acks: Vec<DrillAck> =
        docs::list(store, Filter::scope(scope(id)).parent(event_id)).await?;
    acks.sort_by(|a, b| (&a.facility, a.contact).cmp(&(&b.facility, b.contact)));
    let list: Vec<Acknowledgement> = acks
        .iter()
        .map(|a| Acknowledgement {
            facility: a.facility.clone(),
            contact: a.contact,
            at: a.at,
        })
        .collect();
    let mut summary = ma::drill_summary(&e, &trees, &list);
    if !x.personal {
        let hidden = Name::parse("非表示").map_err(AppError::invalid)?;
        for f in &mut summary.facilities {
            for u in &mut f.not_reached {
                u.name = hidden.clone();
            }
        }
    }
    Ok(DrillView {
        summary,
        acks,
        personal: x.personal,
    })
}

// ---------------------------------------------------------------------------------------
// Sheets

/// Call trees as a sheet, one row per contact: facility, member, index, level, position,
/// who calls them (index and position), name, phone, e-mail (blank without `personal`
/// access) and availability.
pub fn trees_sheet(trees: &[TreeView]) -> Sheet {
    Sheet {
        name: "連絡網".into(),
        headers: [
            "facility",
            "member",
            "contact",
            "level",
            "position",
            "called_by",
            "called_by_position",
            "name",
            "phone",
            "email",
            "available",
        ]
        .map(String::from)
        .to_vec(),
        rows: trees
            .iter()
            .flat_map(|t| {
                t.order.iter().flatten().filter_map(move |&i| {
                    let c = t.contacts.get(i)?;
                    let caller = c.caller.and_then(|k| t.contacts.get(k));
                    Some(vec![
                        Cell::Text(t.facility.to_string()),
                        Cell::Text(t.member.to_string()),
                        Cell::Number(i as f64),
                        Cell::Number(c.level as f64),
                        Cell::Text(c.position.clone()),
                        c.caller.map_or(Cell::Empty, |k| Cell::Number(k as f64)),
                        Cell::Text(caller.map(|k| k.position.clone()).unwrap_or_default()),
                        Cell::Text(c.name.clone().unwrap_or_default()),
                        Cell::Text(c.phone.clone().unwrap_or_default()),
                        Cell::Text(c.email.clone().unwrap_or_default()),
                        Cell::Text(c.available.label(Lang::Ja).to_string()),
                    ])
                })
            })
            .collect(),
    }
}

/// Capabilities as a sheet: facility, member, as of, beds, ICU beds, generators, fuel hours,
/// water days, ventilators, vehicles, the staff of each job, note.
pub fn capabilities_sheet(list: &[Capabilities]) -> Sheet {
    let mut headers: Vec<String> = [
        "facility",
        "member",
        "as_of",
        "beds",
        "icu_beds",
        "generators",
        "fuel_hours",
        "water_days",
        "ventilators",
        "vehicles",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(AidJob::ALL.iter().map(|j| format!("staff:{}", j.code())));
    headers.push("note".into());
    let n = |x: u32| Cell::Number(f64::from(x));
    Sheet {
        name: "受入・派遣可能資源".into(),
        headers,
        rows: list
            .iter()
            .map(|c| {
                let mut row = vec![
                    Cell::Text(c.facility.to_string()),
                    Cell::Text(c.member.to_string()),
                    Cell::date(Some(c.as_of)),
                    n(c.beds),
                    n(c.icu_beds),
                    n(c.generators),
                    n(c.fuel_hours),
                    n(c.water_days),
                    n(c.ventilators),
                    n(c.vehicles),
                ];
                row.extend(AidJob::ALL.iter().map(|&j| n(c.staff_of(j))));
                row.push(Cell::Text(c.note.clone()));
                row
            })
            .collect(),
    }
}

/// An event's log as a sheet: time (YYYY-MM-DD HH:MM), kind, id, and the line in Japanese
/// and English.
pub fn log_sheet(lines: &[LogLine]) -> Sheet {
    Sheet {
        name: "活動記録".into(),
        headers: ["at", "kind", "id", "ja", "en"].map(String::from).to_vec(),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.at.format("%Y-%m-%d %H:%M").to_string()),
                    Cell::Text(
                        serde_json::to_value(l.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default(),
                    ),
                    Cell::Number(l.id as f64),
                    Cell::Text(l.text.ja.clone()),
                    Cell::Text(l.text.en.clone()),
                ]
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The demo

/// A note on every synthetic demo record.
const SYNTHETIC: &str = "架空のデモデータ / synthetic demo data";

fn name(s: &str) -> Name {
    Name::parse(s).expect("a valid name")
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a valid time")
}

/// The outline of a demo call tree (synthetic people, obviously fake numbers).
fn demo_tree(id: &AllianceId, facility: &str, member: &str, text: &str) -> ContactTree {
    parse_tree(id, &name(facility), &name(member), text).expect("a valid demo tree")
}

/// Loads the synthetic mutual support of the demo's alliance, 12-TOKATSU-NANBU: call trees
/// of 板倉病院 (医療法人弘仁会) and セコメディック病院 (医療法人社団誠馨会) — real facility
/// names; every person, number and figure synthetic — their capabilities, and a past
/// call-tree drill (連絡網訓練) with acknowledgements and one request answered and accepted.
pub async fn load_demo(store: &dyn Store) -> Result<(), AppError> {
    let id = AllianceId::parse("12-TOKATSU-NANBU").expect("a valid id");
    if store.get_alliance(&id).await?.is_none() {
        return Ok(());
    }
    let who = Principal::system("demo");
    let itakura = "板倉病院";
    let seco = "セコメディック病院";
    let kojin = "医療法人弘仁会";
    let seikei = "医療法人社団誠馨会";
    for t in [
        demo_tree(
            &id,
            itakura,
            kojin,
            "院長, 架空 一郎, 0120-000-101, 24時間\n\
             \x20 事務長, 架空 二郎, 0120-000-102, 平日日中\n\
             \x20   総務課長, 架空 三子, 0120-000-103, 平日日中\n\
             \x20 看護部長, 架空 花子, 0120-000-104, 24時間\n\
             \x20   夜間当直師長, 架空 桜, 0120-000-105, 夜間\n",
        ),
        demo_tree(
            &id,
            seco,
            seikei,
            "院長, 架空 太郎, 0120-000-201, 24時間\n\
             \x20 副院長, 架空 次郎, 0120-000-202, 24時間\n\
             \x20   救急科部長, 架空 健, 0120-000-203, 24時間\n\
             \x20 事務部長, 架空 良子, 0120-000-204, 平日日中\n",
        ),
    ] {
        put_tree(store, &who, t).await?;
    }
    let caps = |facility: &str, member: &str, beds, icu, nurses, doctors, note: &str| {
        Capabilities::new(CapabilitiesFields {
            id: 0,
            alliance: id.clone(),
            facility: name(facility),
            member: name(member),
            as_of: NaiveDate::from_ymd_opt(2025, 4, 1).expect("a valid date"),
            beds,
            icu_beds: icu,
            generators: 2,
            fuel_hours: 72,
            water_days: 3,
            ventilators: 4,
            staff: vec![
                JobCount {
                    job: AidJob::Doctor,
                    count: doctors,
                },
                JobCount {
                    job: AidJob::Nurse,
                    count: nurses,
                },
            ],
            vehicles: 1,
            note: format!("{note}{SYNTHETIC}"),
        })
        .map_err(AppError::invalid)
    };
    put_capabilities(store, &who, caps(itakura, kojin, 8, 1, 3, 1, "")?).await?;
    put_capabilities(store, &who, caps(seco, seikei, 20, 2, 6, 2, "")?).await?;
    let drill = create_event(
        store,
        &who,
        AidEvent::new(AidEventFields {
            id: 0,
            alliance: id.clone(),
            kind: AidEventKind::Drill,
            title: "連絡網訓練（防災の日）".into(),
            started: at("2025-09-01 09:00"),
            ended: None,
            description: format!("参加施設の連絡網を順に伝達する訓練。{SYNTHETIC}"),
            affected: vec![name(itakura), name(seco)],
        })
        .map_err(AppError::invalid)?,
    )
    .await?;
    for (facility, times) in [
        (
            itakura,
            vec![(0, "09:01"), (1, "09:05"), (3, "09:06"), (2, "09:12")],
        ),
        (
            seco,
            vec![(0, "09:02"), (1, "09:04"), (2, "09:09"), (3, "09:15")],
        ),
    ] {
        let reached = times
            .into_iter()
            .map(|(c, t)| (c, at(&format!("2025-09-01 {t}"))))
            .collect();
        record_acks(store, &who, &id, drill.id, &name(facility), reached).await?;
    }
    let request = add_request(
        store,
        &who,
        AidRequest::new(AidRequestFields {
            id: 0,
            alliance: id.clone(),
            event: drill.id,
            from: name(itakura),
            resources: vec![Ask {
                resource: Resource::Staff(AidJob::Nurse),
                quantity: 2,
            }],
            requested_at: at("2025-09-01 09:30"),
            needed_by: at("2025-09-01 12:00"),
            state: AidRequestState::Open,
            note: format!("訓練想定: 病棟の看護師不足。{SYNTHETIC}"),
        })
        .map_err(AppError::invalid)?,
    )
    .await?;
    let offer = respond(
        store,
        &who,
        AidResponse::new(AidResponseFields {
            id: 0,
            alliance: id.clone(),
            request: request.id,
            from: name(seco),
            resource: Resource::Staff(AidJob::Nurse),
            quantity: 2,
            at: at("2025-09-01 09:45"),
            accepted: false,
            note: SYNTHETIC.into(),
        })
        .map_err(AppError::invalid)?,
    )
    .await?;
    accept(store, &who, &id, offer.id, true).await?;
    end_event(store, &who, &id, drill.id, at("2025-09-01 11:00")).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{PrefCode, Role, Username};
    use chiiki_store::testing;

    fn tokatsu() -> AllianceId {
        AllianceId::parse("12-TOKATSU-NANBU").unwrap()
    }

    fn principal(role: Role, pref: u8, alliance: Option<&str>) -> Principal {
        Principal {
            alliance: alliance.map(|a| AllianceId::parse(a).unwrap()),
            username: Username::parse("tester").unwrap(),
            display_name: "test".into(),
            role,
            pref: PrefCode::new(pref).ok(),
            facility: None,
            doctor: None,
        }
    }

    fn incident(id: &AllianceId) -> AidEvent {
        AidEvent::new(AidEventFields {
            id: 0,
            alliance: id.clone(),
            kind: AidEventKind::Disaster,
            title: "架空の地震".into(),
            started: at("2026-01-10 06:00"),
            ended: None,
            description: String::new(),
            affected: vec![],
        })
        .unwrap()
    }

    fn ask(id: &AllianceId, event: u64, from: &str, asks: &[(Resource, u32)]) -> AidRequest {
        AidRequest::new(AidRequestFields {
            id: 0,
            alliance: id.clone(),
            event,
            from: name(from),
            resources: asks
                .iter()
                .map(|&(resource, quantity)| Ask { resource, quantity })
                .collect(),
            requested_at: at("2026-01-10 07:00"),
            needed_by: at("2026-01-10 12:00"),
            state: AidRequestState::Open,
            note: String::new(),
        })
        .unwrap()
    }

    fn offer(id: &AllianceId, request: u64, from: &str, r: Resource, q: u32) -> AidResponse {
        AidResponse::new(AidResponseFields {
            id: 0,
            alliance: id.clone(),
            request,
            from: name(from),
            resource: r,
            quantity: q,
            at: at("2026-01-10 07:30"),
            accepted: false,
            note: String::new(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn the_demo_has_trees_capabilities_and_a_drill_with_a_met_request() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = tokatsu();
        let admin = Principal::system("test");
        let trees = trees(store, &admin, &id).await.unwrap();
        assert_eq!(trees.len(), 2);
        let itakura = trees
            .iter()
            .find(|t| t.facility.as_str() == "板倉病院")
            .unwrap();
        assert_eq!(itakura.order, vec![vec![0], vec![1, 3], vec![2, 4]]);
        assert_eq!(itakura.contacts[4].caller, Some(3));
        assert!(
            itakura.contacts[0]
                .name
                .as_deref()
                .unwrap()
                .contains("架空")
        );
        // The outline reads back to the same tree.
        let again =
            parse_tree(&id, &itakura.facility, &itakura.member, &tree_text(itakura)).unwrap();
        assert_eq!(again.call_order(), itakura.order);
        let sheet = trees_sheet(&trees);
        assert_eq!(sheet.rows.len(), 9);
        assert_eq!(capabilities(store, &admin, &id).await.unwrap().len(), 2);
        let events = events(store, &admin, &id).await.unwrap();
        assert_eq!(events.len(), 1);
        assert!(events[0].event.is_drill());
        let r = &events[0].requests[0];
        assert_eq!(r.request.state, AidRequestState::Met);
        let d = drill(store, &admin, &id, events[0].event.id).await.unwrap();
        assert_eq!((d.summary.contacts, d.summary.reached), (9, 8));
        assert_eq!(d.summary.minutes_to_last, Some(15));
        let report = event_log(store, &admin, &id, events[0].event.id)
            .await
            .unwrap();
        assert_eq!(report.log.len(), 4);
        assert!(report.log[2].text.ja.contains("（受諾）"));
        assert_eq!(log_sheet(&report.log).rows.len(), 4);
    }

    #[tokio::test]
    async fn access_others_see_nothing_an_auditor_reads_but_writes_nothing() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = tokatsu();
        let other_secretariat = principal(Role::Secretariat, 12, Some("12-OTHER"));
        let doctor = principal(Role::Doctor, 12, None);
        let iwate = principal(Role::Coordinator, 3, None);
        for who in [&other_secretariat, &doctor, &iwate] {
            assert!(matches!(
                trees(store, who, &id).await,
                Err(AppError::Store(StoreError::Missing { .. }))
            ));
            assert!(events(store, who, &id).await.is_err());
            assert!(capabilities(store, who, &id).await.is_err());
            assert!(matches!(
                create_event(store, who, incident(&id)).await,
                Err(AppError::Store(StoreError::Missing { .. }))
            ));
        }
        let auditor = principal(Role::Auditor, 12, None);
        assert_eq!(trees(store, &auditor, &id).await.unwrap().len(), 2);
        let events_seen = events(store, &auditor, &id).await.unwrap();
        assert_eq!(events_seen.len(), 1);
        assert!(matches!(
            create_event(store, &auditor, incident(&id)).await,
            Err(AppError::Denied(_))
        ));
        let request = events_seen[0].requests[0].clone();
        let o = request.responses[0].id;
        assert!(matches!(
            accept(store, &auditor, &id, o, false).await,
            Err(AppError::Denied(_))
        ));
        let tree = parse_tree(
            &id,
            &name("板倉病院"),
            &name("医療法人弘仁会"),
            "院長, 架空 一郎, 0120-000-101, 24時間",
        )
        .unwrap();
        assert!(matches!(
            put_tree(store, &auditor, tree).await,
            Err(AppError::Denied(_))
        ));
        // Nothing changed.
        let after = events(store, &auditor, &id).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].requests[0].request.state, AidRequestState::Met);
        assert_eq!(
            trees(store, &auditor, &id).await.unwrap()[1].contacts.len(),
            5,
            "板倉病院 keeps its five contacts"
        );
    }

    async fn quake(store: &dyn Store) -> RequestView {
        events(store, &Principal::system("test"), &tokatsu())
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.event.title == "架空の地震")
            .unwrap()
            .requests[0]
            .clone()
    }

    #[tokio::test]
    async fn coverage_and_state_follow_responses_and_acceptances() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = tokatsu();
        let sec = principal(Role::Secretariat, 12, Some("12-TOKATSU-NANBU"));
        let e = create_event(store, &sec, incident(&id)).await.unwrap();
        let r = add_request(
            store,
            &sec,
            ask(
                &id,
                e.id,
                "板倉病院",
                &[(Resource::Staff(AidJob::Nurse), 2), (Resource::Beds, 5)],
            ),
        )
        .await
        .unwrap();
        assert_eq!(r.state, AidRequestState::Open);
        // A facility not of the alliance is refused; the requester cannot offer.
        assert!(matches!(
            respond(
                store,
                &sec,
                offer(&id, r.id, "架空外部病院", Resource::Beds, 1)
            )
            .await,
            Err(AppError::Rejected(_))
        ));
        assert!(matches!(
            respond(store, &sec, offer(&id, r.id, "板倉病院", Resource::Beds, 1)).await,
            Err(AppError::Rejected(_))
        ));
        let n = respond(
            store,
            &sec,
            offer(
                &id,
                r.id,
                "セコメディック病院",
                Resource::Staff(AidJob::Nurse),
                2,
            ),
        )
        .await
        .unwrap();
        let b = respond(store, &sec, offer(&id, r.id, "高木医院", Resource::Beds, 3))
            .await
            .unwrap();
        let v = quake(store).await;
        assert_eq!(v.request.state, AidRequestState::Open);
        assert_eq!((v.coverage[0].offered, v.coverage[0].accepted), (2, 0));
        assert_eq!(v.coverage[1].remaining, 5);
        // Who can send beds: セコメディック病院 first (20), then 板倉病院 is the requester.
        let beds = v
            .senders
            .iter()
            .find(|(r, _)| *r == Resource::Beds)
            .unwrap();
        assert_eq!(beds.1[0].facility.as_str(), "セコメディック病院");
        assert!(beds.1.iter().all(|s| s.facility.as_str() != "板倉病院"));
        let (_, req) = accept(store, &sec, &id, n.id, true).await.unwrap();
        assert_eq!(req.state, AidRequestState::PartlyMet);
        let (_, req) = accept(store, &sec, &id, b.id, true).await.unwrap();
        assert_eq!(req.state, AidRequestState::PartlyMet, "3 of 5 beds");
        let b2 = respond(
            store,
            &sec,
            offer(&id, r.id, "セコメディック病院", Resource::Beds, 2),
        )
        .await
        .unwrap();
        let (_, req) = accept(store, &sec, &id, b2.id, true).await.unwrap();
        assert_eq!(req.state, AidRequestState::Met);
        let stored = docs::get::<AidRequest>(store, r.id).await.unwrap().unwrap();
        assert_eq!(
            stored.state,
            AidRequestState::Met,
            "the stored state follows"
        );
        let v = quake(store).await;
        assert!(v.coverage.iter().all(|c| c.remaining == 0));
        assert!(v.senders.is_empty());
        // Met: a further offer is refused; withdrawing an acceptance reopens it in part.
        assert!(
            respond(
                store,
                &sec,
                offer(&id, r.id, "高木医院", Resource::Staff(AidJob::Nurse), 1)
            )
            .await
            .is_err()
        );
        let (_, req) = accept(store, &sec, &id, n.id, false).await.unwrap();
        assert_eq!(req.state, AidRequestState::PartlyMet);
        // Another alliance's secretariat reaches none of it.
        let other = principal(Role::Secretariat, 12, Some("12-OTHER"));
        assert!(matches!(
            accept(store, &other, &id, n.id, true).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
    }

    #[tokio::test]
    async fn trees_are_replaced_per_facility_and_parsing_names_the_line() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let id = tokatsu();
        let sec = principal(Role::Secretariat, 12, Some("12-TOKATSU-NANBU"));
        let e = parse_tree(
            &id,
            &name("板倉病院"),
            &name("医療法人弘仁会"),
            "院長, 架空 一郎, 0120-000-101, 24時間\n事務長, 架空 二郎, 0120-000-102, 日中",
        )
        .unwrap_err();
        let AppError::Rejected(m) = e else { panic!() };
        assert!(m.ja.contains("2行目") && m.en.contains("line 2"), "{m:?}");
        let e = parse_tree(
            &id,
            &name("板倉病院"),
            &name("医療法人弘仁会"),
            "院長, 架空 一郎, 123, 24時間",
        )
        .unwrap_err();
        assert!(matches!(e, AppError::Rejected(_)));
        let t2 = parse_tree(
            &id,
            &name("板倉病院"),
            &name("医療法人弘仁会"),
            "院長, 架空 一郎, 0120-000-101, 24時間\n  事務長, 架空 二郎, 0120-000-102, 日中",
        )
        .unwrap();
        let v = put_tree(store, &sec, t2).await.unwrap();
        let all = trees(store, &sec, &id).await.unwrap();
        assert_eq!(all.len(), 2);
        let it = all
            .iter()
            .find(|t| t.facility.as_str() == "板倉病院")
            .unwrap();
        assert_eq!((it.id, it.contacts.len()), (v.id, 2));
        // A facility under the wrong member is refused.
        let wrong = parse_tree(
            &id,
            &name("板倉病院"),
            &name("医療法人社団誠馨会"),
            "院長, 架空 一郎, 0120-000-101, 24時間",
        )
        .unwrap();
        assert!(put_tree(store, &sec, wrong).await.is_err());
    }
}
