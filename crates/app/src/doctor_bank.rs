//! The prefecture centre's doctor bank (ドクターバンク) and return-to-work support (復職支援):
//! facilities post vacancies, doctors — among them doctors returning after a leave — keep a
//! profile, find the posts ranked by fit with every reason, and apply; the centre introduces
//! doctors, follows each application to the placement and publishes the year's figures.
//!
//! Who may do what is decided in one place, [`seat`] (and the predicates beside it); every
//! use case below asks it. The records and their checks are the domain's
//! (`chiiki_domain::doctor_bank`); every document is scoped to its prefecture.

use chiiki_domain::doctor_bank::{
    Application, ApplicationState, BankFigures, Employment, Fit, Leave, LeaveReason, Post,
    PostFields, PostQuery, PostState, Profile, ProfileFields, ReturnSupport, check_one_active,
    rank_posts, rank_profiles, yearly_figures,
};
use chiiki_domain::{
    DocScope, Entity, Explain, FacilityId, FiscalYear, Lang, Msg, NaiveDate, Name, PrefCode,
    Record, Role, Specialty, Username,
};
use chiiki_store::documents::{self, Filter, Write};
use chiiki_store::{DocWrite, Store, StoreError};
use chiiki_tabular::{Cell, Sheet};

use crate::AppError;
use crate::access::{Denied, Principal};
use crate::placement::{rejected, said};

// ---------------------------------------------------------------------------------------
// Who may do what
// ---------------------------------------------------------------------------------------

/// Where a principal sits in a prefecture's doctor bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seat {
    /// The centre: a coordinator of the prefecture or an administrator (`write`), or an
    /// auditor of the prefecture (reads everything, writes nothing).
    Centre { write: bool },
    /// A facility account: its own posts and the applications to them.
    Facility(FacilityId),
    /// A doctor account: its own profile (owned by the username) and applications.
    Doctor(Username),
    /// Anyone else (a secretariat, another prefecture): nothing.
    Outside,
}

/// The one rule of the doctor bank, for the prefecture `pref`:
///
/// | who | seat | may |
/// |---|---|---|
/// | administrator | centre (write) | everything, any prefecture |
/// | coordinator of `pref` | centre (write) | posts of any facility, all profiles, introductions, application states, figures |
/// | auditor of `pref` | centre (read) | read everything above, write nothing |
/// | facility of `pref` | facility | its own posts (create, edit, close); the applications to them (offered, rejected); an applicant's profile once they applied or were introduced — never other profiles |
/// | doctor of `pref` | doctor | their own profile (one per account), all posts of the prefecture ranked and searched, apply, decline or withdraw their own applications |
/// | secretariat, other prefectures | outside | nothing |
pub fn seat(who: &Principal, pref: PrefCode) -> Seat {
    let here = who.pref == Some(pref);
    match who.role {
        Role::Admin => Seat::Centre { write: true },
        Role::Coordinator if here => Seat::Centre { write: true },
        Role::Auditor if here || who.pref.is_none() => Seat::Centre { write: false },
        Role::Facility if here => match &who.facility {
            Some(f) => Seat::Facility(f.clone()),
            None => Seat::Outside,
        },
        Role::Doctor if here => Seat::Doctor(who.username.clone()),
        _ => Seat::Outside,
    }
}

/// Whether the doctor bank is in the principal's navigation: the centre's staff,
/// administrators, facilities and doctors; not an alliance's secretariat.
pub fn may_open(who: &Principal) -> bool {
    match who.role {
        Role::Admin => true,
        Role::Secretariat => false,
        Role::Facility => who.pref.is_some() && who.facility.is_some(),
        _ => who.pref.is_some(),
    }
}

fn denied(ja: &str, en: &str) -> AppError {
    AppError::Denied(Denied(Msg::new(ja, en)))
}

fn missing(what: String) -> AppError {
    AppError::Store(StoreError::Missing { what })
}

/// Whether the seat may see the post: the centre and doctors every post of the
/// prefecture, a facility its own.
pub fn sees_post(seat: &Seat, post: &Post) -> bool {
    match seat {
        Seat::Centre { .. } | Seat::Doctor(_) => true,
        Seat::Facility(f) => *f == post.facility,
        Seat::Outside => false,
    }
}

/// Whether the seat may create, edit, close or reopen the post.
pub fn edits_post(seat: &Seat, post: &Post) -> bool {
    match seat {
        Seat::Centre { write } => *write,
        Seat::Facility(f) => *f == post.facility,
        _ => false,
    }
}

/// Whether the seat may see the profile. `applied_here`: the doctor applied or was
/// introduced to one of the facility's posts (asked only for a facility).
pub fn sees_profile(seat: &Seat, profile: &Profile, applied_here: bool) -> bool {
    match seat {
        Seat::Centre { .. } => true,
        Seat::Facility(_) => applied_here,
        Seat::Doctor(u) => profile.account.as_ref() == Some(u),
        Seat::Outside => false,
    }
}

/// Whether the seat may move an application to `to`: the centre (writing) any step; the
/// post's facility to offered or rejected; the doctor of the profile to declined.
pub fn moves_application(
    seat: &Seat,
    post: &Post,
    profile: &Profile,
    to: ApplicationState,
) -> bool {
    match seat {
        Seat::Centre { write } => *write,
        Seat::Facility(f) => {
            *f == post.facility
                && matches!(to, ApplicationState::Offered | ApplicationState::Rejected)
        }
        Seat::Doctor(u) => profile.account.as_ref() == Some(u) && to == ApplicationState::Declined,
        Seat::Outside => false,
    }
}

/// The prefecture a principal works in: their own; an administrator's the one asked (or
/// Iwate's, the demo's, when none is asked and they have none).
pub fn bank_pref(who: &Principal, asked: Option<PrefCode>) -> Result<PrefCode, AppError> {
    match (who.role, who.pref, asked) {
        (Role::Admin, _, Some(a)) => Ok(a),
        (_, Some(p), None) => Ok(p),
        (_, Some(p), Some(a)) if p == a => Ok(p),
        (Role::Admin, None, None) => rejected_pref(),
        (Role::Auditor, None, Some(a)) => Ok(a),
        _ => Err(denied("担当外の都道府県です", "outside your prefecture")),
    }
}

/// The prefecture of an administrator who names none: the only one with posts in the
/// bank, if there is exactly one.
pub async fn only_pref(store: &dyn Store) -> Result<Option<PrefCode>, AppError> {
    let all: Vec<Post> = documents::list(store, Filter::default()).await?;
    let mut prefs: Vec<PrefCode> = all.iter().map(|p| p.pref).collect();
    prefs.sort();
    prefs.dedup();
    Ok(if prefs.len() == 1 { prefs.pop() } else { None })
}

fn rejected_pref() -> Result<PrefCode, AppError> {
    Err(rejected(
        "都道府県を指定してください（例: 03）",
        "give the prefecture (e.g. 03)",
    ))
}

fn seat_in(who: &Principal, pref: PrefCode) -> Result<Seat, AppError> {
    match seat(who, pref) {
        Seat::Outside => Err(denied(
            "ドクターバンクを利用する権限がありません",
            "you may not use the doctor bank",
        )),
        s => Ok(s),
    }
}

// ---------------------------------------------------------------------------------------
// Posts
// ---------------------------------------------------------------------------------------

/// The posts of the prefecture the principal may see, by id.
pub async fn posts(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
) -> Result<Vec<Post>, AppError> {
    let seat = seat_in(who, pref)?;
    let all: Vec<Post> = documents::list(store, Filter::scope(DocScope::Pref(pref))).await?;
    Ok(all.into_iter().filter(|p| sees_post(&seat, p)).collect())
}

/// One post, when the principal may see it (`Missing` otherwise, as one that does not exist).
pub async fn post(store: &dyn Store, who: &Principal, id: u64) -> Result<Post, AppError> {
    let p: Option<Post> = documents::get(store, id).await?;
    match p {
        Some(p) if sees_post(&seat(who, p.pref), &p) => Ok(p),
        _ => Err(missing(format!("the post {id}"))),
    }
}

/// Creates (id 0) or replaces a post. Who may: [`edits_post`] — for a replaced post of the
/// stored post too (a facility cannot take over another's post or move its own to another
/// facility). The facility must be in the register, in the post's prefecture. `made_from` is
/// the stored post's version the edit form was made from ([`post_version`]): when someone has
/// saved the post since, nothing is written ([`AppError::Conflict`]).
pub async fn save_post(
    store: &dyn Store,
    who: &Principal,
    input: Post,
    made_from: Option<u64>,
) -> Result<Post, AppError> {
    let s = seat_in(who, input.pref)?;
    if !edits_post(&s, &input) {
        return Err(denied(
            "この求人を登録・編集する権限がありません",
            "you may not post or edit this vacancy",
        ));
    }
    match store
        .get(Entity::Facilities, input.facility.as_str())
        .await?
    {
        Some(Record::Facility(f)) if f.pref() == input.pref => {}
        _ => {
            return Err(rejected(
                format!(
                    "医療機関 {} は{}の登録にありません",
                    input.facility,
                    input.pref.name_ja()
                ),
                format!(
                    "the facility {} is not in the register of {}",
                    input.facility,
                    input.pref.name_en()
                ),
            ));
        }
    }
    if input.id != 0 {
        let old = post(store, who, input.id)
            .await
            .map_err(|_| missing(format!("the post {}", input.id)))?;
        if !edits_post(&seat(who, old.pref), &old) || old.pref != input.pref {
            return Err(denied(
                "この求人を編集する権限がありません",
                "you may not edit this vacancy",
            ));
        }
    }
    match made_from {
        Some(version) if input.id != 0 => {
            documents::put_expecting(store, who.actor(), &input, version)
                .await
                .map(|(p, _)| p)
                .map_err(said)
        }
        _ => documents::put(store, who.actor(), &input)
            .await
            .map_err(said),
    }
}

/// A post's version, for its edit form to carry ([`save_post`]).
pub async fn post_version(store: &dyn Store, id: u64) -> Result<Option<u64>, AppError> {
    Ok(documents::get_versioned::<Post>(store, id)
        .await?
        .map(|(_, v)| v))
}

/// A facility of the register, for a post: its area and name (`Rejected` when it is not
/// in the register).
pub async fn facility_of(
    store: &dyn Store,
    id: &FacilityId,
) -> Result<chiiki_domain::Facility, AppError> {
    match store.get(Entity::Facilities, id.as_str()).await? {
        Some(Record::Facility(f)) => Ok(f),
        _ => Err(rejected(
            format!("医療機関 {id} は登録にありません"),
            format!("the facility {id} is not in the register"),
        )),
    }
}

/// Moves a post to another state (closes it as filled or withdrawn, or reopens it).
pub async fn set_post_state(
    store: &dyn Store,
    who: &Principal,
    id: u64,
    to: PostState,
) -> Result<Post, AppError> {
    let p = post(store, who, id).await?;
    if !edits_post(&seat(who, p.pref), &p) {
        return Err(denied(
            "この求人を変更する権限がありません",
            "you may not change this vacancy",
        ));
    }
    let p = p.set_state(to).map_err(AppError::invalid)?;
    documents::put(store, who.actor(), &p).await.map_err(said)
}

// ---------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------

async fn all_applications(store: &dyn Store, pref: PrefCode) -> Result<Vec<Application>, AppError> {
    Ok(documents::list(store, Filter::scope(DocScope::Pref(pref))).await?)
}

async fn all_profiles(store: &dyn Store, pref: PrefCode) -> Result<Vec<Profile>, AppError> {
    Ok(documents::list(store, Filter::scope(DocScope::Pref(pref))).await?)
}

/// The profile ids that applied or were introduced to a facility's posts.
fn applied_to(posts: &[Post], apps: &[Application], facility: &FacilityId) -> Vec<u64> {
    apps.iter()
        .filter(|a| {
            posts
                .iter()
                .any(|p| p.id == a.post && p.facility == *facility)
        })
        .map(|a| a.profile)
        .collect()
}

/// The profiles of the prefecture the principal may see, by id: the centre all; a
/// facility those who applied or were introduced to its posts; a doctor their own.
pub async fn profiles(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
) -> Result<Vec<Profile>, AppError> {
    let s = seat_in(who, pref)?;
    let all = all_profiles(store, pref).await?;
    let applied = match &s {
        Seat::Facility(f) => {
            let posts: Vec<Post> =
                documents::list(store, Filter::scope(DocScope::Pref(pref))).await?;
            applied_to(&posts, &all_applications(store, pref).await?, f)
        }
        _ => Vec::new(),
    };
    Ok(all
        .into_iter()
        .filter(|p| sees_profile(&s, p, applied.contains(&p.id)))
        .collect())
}

/// One profile, when the principal may see it (`Missing` otherwise).
pub async fn profile(store: &dyn Store, who: &Principal, id: u64) -> Result<Profile, AppError> {
    let p: Option<Profile> = documents::get(store, id).await?;
    let Some(p) = p else {
        return Err(missing(format!("the profile {id}")));
    };
    let s = seat(who, p.pref);
    let applied = match &s {
        Seat::Facility(f) => {
            let posts: Vec<Post> =
                documents::list(store, Filter::scope(DocScope::Pref(p.pref))).await?;
            let apps: Vec<Application> = documents::list(
                store,
                Filter::scope(DocScope::Pref(p.pref)).owner(id.to_string()),
            )
            .await?;
            applied_to(&posts, &apps, f).contains(&id)
        }
        _ => false,
    };
    if sees_profile(&s, &p, applied) {
        Ok(p)
    } else {
        Err(missing(format!("the profile {id}")))
    }
}

/// The doctor account's own profile in its prefecture, if it has one.
pub async fn my_profile(store: &dyn Store, who: &Principal) -> Result<Option<Profile>, AppError> {
    let Some(pref) = who.pref else {
        return Ok(None);
    };
    let mine: Vec<Profile> = documents::list(
        store,
        Filter::scope(DocScope::Pref(pref)).owner(who.username.as_str()),
    )
    .await?;
    Ok(mine.into_iter().next())
}

/// Creates (id 0) or replaces a profile. A doctor keeps their own: its account is theirs,
/// one per account (a checked write over the prefecture's profiles), and a replaced one must
/// be theirs; the centre (writing) keeps any.
pub async fn save_profile(
    store: &dyn Store,
    who: &Principal,
    input: Profile,
) -> Result<Profile, AppError> {
    let s = seat_in(who, input.pref)?;
    let input = match &s {
        Seat::Centre { write: true } => input,
        Seat::Doctor(u) => {
            if input.account.as_ref() != Some(u) {
                return Err(denied(
                    "自分の登録だけを編集できます",
                    "you may only keep your own profile",
                ));
            }
            input
        }
        _ => {
            return Err(denied(
                "登録を編集する権限がありません",
                "you may not keep profiles",
            ));
        }
    };
    if input.id != 0 {
        let old = profile(store, who, input.id).await?;
        if old.pref != input.pref || (matches!(s, Seat::Doctor(_)) && old.account != input.account)
        {
            return Err(denied(
                "この登録を編集する権限がありません",
                "you may not edit this profile",
            ));
        }
    }
    let doc = input.clone();
    let written = documents::change::<Profile, _>(
        store,
        who.actor(),
        DocScope::Pref(input.pref),
        None,
        move |existing| {
            if let Some(a) = &doc.account
                && existing
                    .iter()
                    .any(|e| e.account.as_ref() == Some(a) && e.id != doc.id)
            {
                return Err(Msg::new(
                    format!("アカウント {a} の登録はすでにあります（1アカウントに1件）"),
                    format!("the account {a} already has a profile (one per account)"),
                ));
            }
            Ok(vec![Write::Put(doc.clone())])
        },
    )
    .await
    .map_err(said)?;
    written
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("the profile was not written".into()))
}

// ---------------------------------------------------------------------------------------
// Matching and search
// ---------------------------------------------------------------------------------------

/// The posts for a profile the principal may see (a doctor their own, the centre any),
/// best first with every reason, the posts ruled out last; only those meeting the query.
pub async fn ranked_posts(
    store: &dyn Store,
    who: &Principal,
    profile_id: u64,
    query: &PostQuery,
) -> Result<Vec<(Post, Fit)>, AppError> {
    let prof = profile(store, who, profile_id).await?;
    if matches!(seat(who, prof.pref), Seat::Facility(_)) {
        return Err(denied(
            "医師ごとの求人の順位は見られません",
            "you may not rank posts for a doctor",
        ));
    }
    let all = posts(store, who, prof.pref).await?;
    let found: Vec<Post> = all.into_iter().filter(|p| query.matches(p)).collect();
    let ranked = rank_posts(&prof, &found, true);
    Ok(ranked
        .into_iter()
        .filter_map(|(id, fit)| found.iter().find(|p| p.id == id).map(|p| (p.clone(), fit)))
        .collect())
}

/// The visible profiles for a post, best first with every reason (the centre only).
pub async fn ranked_profiles(
    store: &dyn Store,
    who: &Principal,
    post_id: u64,
) -> Result<Vec<(Profile, Fit)>, AppError> {
    let p = post(store, who, post_id).await?;
    if !matches!(seat(who, p.pref), Seat::Centre { .. }) {
        return Err(denied(
            "紹介する医師の候補はセンターだけが見られます",
            "only the centre sees the candidates for a post",
        ));
    }
    let all = all_profiles(store, p.pref).await?;
    Ok(rank_profiles(&p, &all, true)
        .into_iter()
        .filter_map(|(id, fit)| all.iter().find(|x| x.id == id).map(|x| (x.clone(), fit)))
        .collect())
}

// ---------------------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------------------

/// The applications of the prefecture the principal may see, by id: the centre all; a
/// facility those to its posts; a doctor those of their own profile.
pub async fn applications(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
) -> Result<Vec<Application>, AppError> {
    let s = seat_in(who, pref)?;
    let all = all_applications(store, pref).await?;
    Ok(match &s {
        Seat::Centre { .. } => all,
        Seat::Facility(f) => {
            let mine: Vec<u64> = posts(store, who, pref)
                .await?
                .iter()
                .filter(|p| p.facility == *f)
                .map(|p| p.id)
                .collect();
            all.into_iter().filter(|a| mine.contains(&a.post)).collect()
        }
        Seat::Doctor(_) => match my_profile(store, who).await? {
            Some(p) => all.into_iter().filter(|a| a.profile == p.id).collect(),
            None => Vec::new(),
        },
        Seat::Outside => Vec::new(),
    })
}

/// One application, when the principal may see it (`Missing` otherwise).
pub async fn application(
    store: &dyn Store,
    who: &Principal,
    id: u64,
) -> Result<Application, AppError> {
    let a: Option<Application> = documents::get(store, id).await?;
    if let Some(a) = a
        && applications(store, who, a.pref)
            .await
            .is_ok_and(|v| v.iter().any(|x| x.id == id))
    {
        return Ok(a);
    }
    Err(missing(format!("the application {id}")))
}

/// Writes an application as a checked write under its post (one active application per
/// post and profile), and with it the post filled when it is placed (a post is one
/// vacancy), in one transaction.
async fn write_application(
    store: &dyn Store,
    actor: &str,
    post: &Post,
    app: Application,
) -> Result<Application, AppError> {
    let post_id = post.id;
    // The post as it is under the lock of its applications (and row-locked): a post closed or
    // filled meanwhile is seen.
    let plan =
        move |p: Option<Post>, existing: Vec<Application>| -> Result<Vec<DocWrite>, StoreError> {
            let p = p.ok_or_else(|| StoreError::Missing {
                what: format!("the post {post_id}"),
            })?;
            if app.id == 0 && p.state != PostState::Open {
                return Err(StoreError::Refused(chiiki_domain::Msg::new(
                    format!("求人「{}」は募集を終えています", p.title),
                    format!("the post '{}' is no longer open", p.title),
                )));
            }
            check_one_active(&existing, &app).map_err(|e| StoreError::Refused(e.said()))?;
            let mut out = vec![documents::put_of(&app)?];
            if app.state == ApplicationState::Placed && p.state == PostState::Open {
                let filled = p
                    .set_state(PostState::Filled)
                    .map_err(|e| StoreError::Refused(e.said()))?;
                out.push(documents::put_of(&filled)?);
            }
            Ok(out)
        };
    let rows = documents::change_under::<Post, Application, _>(
        store,
        actor,
        DocScope::Pref(post.pref),
        post.id,
        plan,
    )
    .await
    .map_err(said)?;
    rows.into_iter()
        .find(|r| r.kind == <Application as chiiki_domain::Document>::KIND)
        .map(documents::from_row)
        .transpose()?
        .ok_or_else(|| AppError::Internal("the application was not written".into()))
}

/// The doctor applies with their own profile to a post of their prefecture, on the day.
pub async fn apply(
    store: &dyn Store,
    who: &Principal,
    post_id: u64,
    on: NaiveDate,
) -> Result<Application, AppError> {
    let p = post(store, who, post_id).await?;
    if !matches!(seat(who, p.pref), Seat::Doctor(_)) {
        return Err(denied(
            "応募できるのは医師のアカウントだけです",
            "only a doctor's account applies",
        ));
    }
    let Some(prof) = my_profile(store, who).await? else {
        return Err(rejected(
            "先に求職登録（プロフィール）を保存してください",
            "save your profile first",
        ));
    };
    let app = Application::apply(&p, &prof, on).map_err(AppError::invalid)?;
    write_application(store, who.actor(), &p, app).await
}

/// The centre introduces (紹介) a profile to a post on the day: the doctor's active
/// application in the applied state goes to introduced; else a new application starts at
/// introduced.
pub async fn introduce(
    store: &dyn Store,
    who: &Principal,
    post_id: u64,
    profile_id: u64,
    on: NaiveDate,
) -> Result<Application, AppError> {
    let p = post(store, who, post_id).await?;
    if seat(who, p.pref) != (Seat::Centre { write: true }) {
        return Err(denied(
            "紹介できるのはセンターのコーディネーターだけです",
            "only the centre's coordinators introduce doctors",
        ));
    }
    let prof = profile(store, who, profile_id).await?;
    let pending: Vec<Application> = documents::list(
        store,
        Filter::scope(DocScope::Pref(p.pref))
            .parent(p.id)
            .owner(prof.id.to_string()),
    )
    .await?;
    let app = match pending
        .into_iter()
        .find(|a| a.state == ApplicationState::Applied)
    {
        Some(a) => a.introduced(on, who.username.clone()),
        None => Application::introduce(&p, &prof, on, who.username.clone()),
    }
    .map_err(AppError::invalid)?;
    write_application(store, who.actor(), &p, app).await
}

/// Moves an application to `to` on the day ([`moves_application`] decides who may);
/// placed needs the first day at the post (`starts`, the day itself when not given) and
/// fills the post; a spot placement may give the days it covers.
pub async fn advance(
    store: &dyn Store,
    who: &Principal,
    id: u64,
    to: ApplicationState,
    on: NaiveDate,
    starts: Option<NaiveDate>,
    cover_days: Option<u16>,
) -> Result<Application, AppError> {
    let a = application(store, who, id).await?;
    let p: Post = documents::get(store, a.post)
        .await?
        .ok_or_else(|| missing(format!("the post {}", a.post)))?;
    let prof: Profile = documents::get(store, a.profile)
        .await?
        .ok_or_else(|| missing(format!("the profile {}", a.profile)))?;
    if !moves_application(&seat(who, a.pref), &p, &prof, to) {
        return Err(denied(
            "この応募をこの状況にする権限がありません",
            "you may not move this application to that state",
        ));
    }
    let next = match to {
        ApplicationState::Placed => a.place(on, starts.unwrap_or(on), cover_days),
        ApplicationState::Introduced => a.introduced(on, who.username.clone()),
        _ => a.advance(to, on),
    }
    .map_err(AppError::invalid)?;
    write_application(store, who.actor(), &p, next).await
}

// ---------------------------------------------------------------------------------------
// Figures and sheets
// ---------------------------------------------------------------------------------------

/// The year's figures of the prefecture as it would publish them (the centre's staff).
pub async fn figures(
    store: &dyn Store,
    who: &Principal,
    pref: PrefCode,
    fy: FiscalYear,
) -> Result<BankFigures, AppError> {
    if !matches!(seat(who, pref), Seat::Centre { .. }) {
        return Err(denied(
            "年度実績はセンターだけが見られます",
            "only the centre sees the year's figures",
        ));
    }
    let posts: Vec<Post> = documents::list(store, Filter::scope(DocScope::Pref(pref))).await?;
    let apps = all_applications(store, pref).await?;
    Ok(yearly_figures(fy, &posts, &apps))
}

/// The figures as two sheets: the totals (an item a row) and by specialty.
pub fn figures_sheets(f: &BankFigures) -> Vec<Sheet> {
    let n = |x: u64| Cell::Number(x as f64);
    let rows: Vec<(&str, &str, u64)> = vec![
        ("posts_opened", "新規求人数", f.posts_opened),
        (
            "posts_open_at_year_end",
            "年度末の募集中求人数",
            f.posts_open_at_year_end,
        ),
        ("applications", "応募・紹介の件数", f.applications),
        ("introductions", "紹介件数", f.introductions),
        ("placements", "就任件数", f.placements.total()),
        ("placements_full_time", "うち常勤", f.placements.full_time),
        ("placements_part_time", "うち非常勤", f.placements.part_time),
        ("placements_spot", "うちスポット", f.placements.spot),
        (
            "returning_doctors_placed",
            "うち復職した医師",
            f.returning_doctors_placed,
        ),
        ("cover_days", "スポットの対応日数", f.cover_days),
    ];
    vec![
        Sheet {
            name: format!("{}年度実績", f.fiscal_year.year()),
            headers: ["fiscal_year", "item", "項目", "count"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .into_iter()
                .map(|(k, ja, v)| {
                    vec![
                        Cell::Number(f.fiscal_year.year() as f64),
                        Cell::Text(k.into()),
                        Cell::Text(ja.into()),
                        n(v),
                    ]
                })
                .collect(),
        },
        Sheet {
            name: "診療科別".into(),
            headers: [
                "specialty",
                "専門",
                "posts_opened",
                "applications",
                "introductions",
                "placements",
            ]
            .map(String::from)
            .to_vec(),
            rows: f
                .by_specialty
                .iter()
                .map(|s| {
                    vec![
                        Cell::Text(s.specialty.code().into()),
                        Cell::Text(s.specialty.label(Lang::Ja).into()),
                        n(s.posts_opened),
                        n(s.applications),
                        n(s.introductions),
                        n(s.placements),
                    ]
                })
                .collect(),
        },
    ]
}

fn yes(b: bool) -> Cell {
    Cell::Text(if b { "○" } else { "" }.into())
}

/// Posts as a sheet: id, facility, title, employment, specialty, area, days and hours a
/// week, housing, childcare, short-time, on-call, return support, opened, closes, state.
pub fn posts_sheet(posts: &[Post]) -> Sheet {
    Sheet {
        name: "求人".into(),
        headers: [
            "id",
            "facility",
            "title",
            "employment",
            "specialty",
            "area",
            "days_per_week",
            "hours_per_week",
            "housing",
            "childcare",
            "short_time",
            "on_call",
            "returning_support",
            "opened",
            "closes",
            "state",
        ]
        .map(String::from)
        .to_vec(),
        rows: posts
            .iter()
            .map(|p| {
                vec![
                    Cell::Number(p.id as f64),
                    Cell::Text(p.facility.to_string()),
                    Cell::Text(p.title.clone()),
                    Cell::Text(p.employment.label(Lang::Ja).into()),
                    Cell::Text(p.specialty.label(Lang::Ja).into()),
                    Cell::Text(p.area.to_string()),
                    Cell::Number(f64::from(p.days_per_week)),
                    Cell::Number(f64::from(p.hours_per_week)),
                    yes(p.housing),
                    yes(p.childcare),
                    yes(p.short_time),
                    yes(p.on_call),
                    yes(p.returning_support),
                    Cell::date(Some(p.opened)),
                    Cell::date(p.closes),
                    Cell::Text(p.state.label(Lang::Ja).into()),
                ]
            })
            .collect(),
    }
}

/// Ranked posts as a sheet: rank, post id, title, facility, fits, score, and the reasons
/// (Japanese, ✓ met, ✗ missed or ruling out).
pub fn matches_sheet(ranked: &[(Post, Fit)]) -> Sheet {
    Sheet {
        name: "マッチング".into(),
        headers: [
            "rank", "post", "title", "facility", "fits", "score", "reasons",
        ]
        .map(String::from)
        .to_vec(),
        rows: ranked
            .iter()
            .enumerate()
            .map(|(i, (p, f))| {
                vec![
                    Cell::Number((i + 1) as f64),
                    Cell::Number(p.id as f64),
                    Cell::Text(p.title.clone()),
                    Cell::Text(p.facility.to_string()),
                    yes(f.fits()),
                    Cell::Number(f.score as f64),
                    Cell::Text(reasons_text(f, Lang::Ja)),
                ]
            })
            .collect(),
    }
}

/// A fit's reasons on one line: ✓ for points won, ✗ for soft misses and what rules it out.
pub fn reasons_text(f: &Fit, lang: Lang) -> String {
    f.failures
        .iter()
        .map(|r| format!("✗ {}", r.msg.get(lang)))
        .chain(f.reasons.iter().map(|r| {
            let mark = if r.points > 0 { "✓" } else { "✗" };
            format!("{mark} {}（{:+}）", r.msg.get(lang), r.points)
        }))
        .collect::<Vec<_>>()
        .join(" / ")
}

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The note every demo record carries.
pub const DEMO_NOTE: &str = "架空のデモデータ / synthetic demo data";

/// Loads the demo's doctor bank in Iwate (03): seven posts at real hospitals of the demo
/// register (synthetic vacancies, marked so), three synthetic profiles (one returning after
/// 18 months of childcare leave) and applications across FY2025 and FY2026 in various
/// states, so that the figures have numbers. No profile for the demo doctor account: the
/// doctor keeps it themselves. Loads nothing when the register has no Iwate hospitals.
pub async fn load_demo(store: &dyn Store) -> Result<(), AppError> {
    let iwate = crate::demo::iwate();
    let actor = "demo";
    // Real hospitals of the demo register: 岩手県立釜石病院 first, then others by id.
    let mut hospitals = Vec::new();
    if let Some(Record::Facility(f)) = store.get(Entity::Facilities, "R7-0306-14").await? {
        hospitals.push(f);
    }
    let listed = store
        .list_facilities(&chiiki_store::FacilityFilter {
            pref: Some(iwate),
            kind: Some(chiiki_domain::FacilityKind::Hospital),
            ..Default::default()
        })
        .await?;
    for f in listed.items {
        if !f.synthetic && hospitals.len() < 7 && !hospitals.iter().any(|h| h.id == f.id) {
            hospitals.push(f);
        }
    }
    if hospitals.len() < 4 {
        return Ok(());
    }
    struct P {
        title: &'static str,
        employment: Employment,
        specialty: Specialty,
        days: u8,
        hours: u16,
        housing: bool,
        childcare: bool,
        short_time: bool,
        on_call: bool,
        returning: bool,
        opened: NaiveDate,
        /// Which of the hospitals (0: 岩手県立釜石病院).
        at: usize,
    }
    use Employment::*;
    use Specialty::*;
    let plans = [
        P {
            title: "内科医（常勤）・院内保育あり、短時間勤務可（デモ）",
            employment: FullTime,
            specialty: InternalMedicine,
            days: 4,
            hours: 30,
            housing: true,
            childcare: true,
            short_time: true,
            on_call: false,
            returning: true,
            opened: day(2025, 4, 1),
            at: 0,
        },
        P {
            title: "総合診療医（常勤）・住宅あり（デモ）",
            employment: FullTime,
            specialty: GeneralPractice,
            days: 5,
            hours: 40,
            housing: true,
            childcare: false,
            short_time: false,
            on_call: true,
            returning: false,
            opened: day(2025, 5, 15),
            at: 1,
        },
        P {
            title: "小児科医（非常勤・週2日）・短時間勤務可（デモ）",
            employment: PartTime,
            specialty: Pediatrics,
            days: 2,
            hours: 12,
            housing: false,
            childcare: false,
            short_time: true,
            on_call: false,
            returning: true,
            opened: day(2025, 6, 1),
            at: 2,
        },
        P {
            title: "内科 外来（非常勤）・院内保育あり（デモ）",
            employment: PartTime,
            specialty: InternalMedicine,
            days: 3,
            hours: 20,
            housing: false,
            childcare: true,
            short_time: false,
            on_call: false,
            returning: false,
            opened: day(2025, 9, 1),
            at: 3,
        },
        P {
            title: "救急外来 週末当直（スポット）（デモ）",
            employment: Spot,
            specialty: EmergencyMedicine,
            days: 2,
            hours: 24,
            housing: false,
            childcare: false,
            short_time: false,
            on_call: true,
            returning: false,
            opened: day(2025, 10, 1),
            at: 4,
        },
        P {
            title: "整形外科医（常勤）（デモ）",
            employment: FullTime,
            specialty: Orthopedics,
            days: 5,
            hours: 40,
            housing: true,
            childcare: false,
            short_time: false,
            on_call: true,
            returning: false,
            opened: day(2026, 4, 1),
            at: 5,
        },
        P {
            title: "内科 外来（非常勤）・院内保育あり、短時間勤務可、復職研修あり（デモ）",
            employment: PartTime,
            specialty: InternalMedicine,
            days: 3,
            hours: 18,
            housing: false,
            childcare: true,
            short_time: true,
            on_call: false,
            returning: true,
            opened: day(2026, 5, 1),
            at: 0,
        },
    ];
    let mut posts = Vec::new();
    for p in &plans {
        let h = &hospitals[p.at % hospitals.len()];
        let post = Post::new(PostFields {
            id: 0,
            pref: iwate,
            facility: h.id.clone(),
            title: p.title.into(),
            employment: p.employment,
            specialty: p.specialty,
            area: h.area,
            days_per_week: p.days,
            hours_per_week: p.hours,
            conditions: format!("{}（{}） {DEMO_NOTE}", h.name, h.id),
            salary: None,
            housing: p.housing,
            childcare: p.childcare,
            short_time: p.short_time,
            on_call: p.on_call,
            returning_support: p.returning,
            opened: p.opened,
            closes: None,
            state: PostState::Open,
        })
        .map_err(AppError::invalid)?;
        posts.push(documents::put(store, actor, &post).await?);
    }
    let profile = |name: &str,
                   specialties: Vec<Specialty>,
                   years: u8,
                   employment: Vec<Employment>,
                   leave: Option<Leave>,
                   hours: u16,
                   childcare: bool,
                   short: bool| {
        Profile::new(ProfileFields {
            id: 0,
            pref: iwate,
            // Kept by the centre for doctors without an account.
            account: None,
            name: Name::parse(name).expect("a valid name"),
            email: None,
            phone: None,
            doctor: None,
            specialties,
            years,
            employment: employment.into_iter().collect(),
            areas: Vec::new(),
            max_days_per_week: 5,
            max_hours_per_week: hours,
            needs_housing: false,
            needs_childcare: childcare,
            needs_short_time: short,
            no_on_call: short,
            leave,
            visible: true,
            updated: day(2025, 4, 1),
            note: DEMO_NOTE.into(),
        })
        .map_err(AppError::invalid)
    };
    let returning = profile(
        "架空 花子",
        vec![InternalMedicine],
        12,
        vec![FullTime, PartTime],
        Some(Leave {
            months: 18,
            reason: LeaveReason::Childcare,
            support_needed: [
                ReturnSupport::ShortHours,
                ReturnSupport::Childcare,
                ReturnSupport::RefresherTraining,
            ]
            .into(),
        }),
        32,
        true,
        true,
    )?;
    let generalist = profile(
        "架空 一郎",
        vec![GeneralPractice, InternalMedicine],
        20,
        vec![FullTime, Spot],
        None,
        60,
        false,
        false,
    )?;
    let emergency = profile(
        "架空 次郎",
        vec![EmergencyMedicine],
        8,
        vec![Spot, PartTime],
        None,
        40,
        false,
        false,
    )?;
    let mut profs = Vec::new();
    for p in [returning, generalist, emergency] {
        profs.push(documents::put(store, actor, &p).await?);
    }
    let coordinator = Username::parse("coordinator").expect("a valid username");
    let build = |post: &Post,
                 prof: &Profile,
                 path: &[(ApplicationState, NaiveDate)],
                 cover: Option<u16>|
     -> Result<Application, AppError> {
        let (first, on) = path[0];
        let mut a = match first {
            ApplicationState::Introduced => {
                Application::introduce(post, prof, on, coordinator.clone())
            }
            _ => Application::apply(post, prof, on),
        }
        .map_err(AppError::invalid)?;
        for &(to, on) in &path[1..] {
            a = match to {
                ApplicationState::Introduced => a.introduced(on, coordinator.clone()),
                ApplicationState::Placed => a.place(on, on + chrono::Duration::days(14), cover),
                _ => a.advance(to, on),
            }
            .map_err(AppError::invalid)?;
        }
        Ok(a)
    };
    use ApplicationState::*;
    type Plan = (
        usize,
        usize,
        Vec<(ApplicationState, NaiveDate)>,
        Option<u16>,
    );
    let plans: Vec<Plan> = vec![
        // FY2025: the returning doctor placed at the post with childcare and short hours.
        (
            0,
            0,
            vec![
                (Applied, day(2025, 6, 2)),
                (Introduced, day(2025, 6, 5)),
                (Interview, day(2025, 6, 20)),
                (Offered, day(2025, 7, 1)),
                (Placed, day(2025, 7, 15)),
            ],
            None,
        ),
        // FY2025: the generalist introduced, then declined.
        (
            1,
            1,
            vec![
                (Introduced, day(2025, 7, 1)),
                (Interview, day(2025, 7, 20)),
                (Declined, day(2025, 8, 1)),
            ],
            None,
        ),
        // FY2025: spot cover at the emergency department, 12 days.
        (
            4,
            2,
            vec![
                (Applied, day(2025, 11, 4)),
                (Introduced, day(2025, 11, 6)),
                (Interview, day(2025, 11, 10)),
                (Offered, day(2025, 11, 14)),
                (Placed, day(2025, 11, 20)),
            ],
            Some(12),
        ),
        // FY2026: the generalist to the orthopaedics post — rejected (not a fit).
        (
            5,
            1,
            vec![(Applied, day(2026, 4, 10)), (Rejected, day(2026, 4, 20))],
            None,
        ),
        // FY2026: the generalist introduced to general practice again, and placed.
        (
            1,
            1,
            vec![
                (Introduced, day(2026, 5, 12)),
                (Interview, day(2026, 6, 1)),
                (Offered, day(2026, 6, 20)),
                (Placed, day(2026, 7, 1)),
            ],
            None,
        ),
        // FY2026: the emergency doctor applied to the part-time outpatient post.
        (6, 2, vec![(Applied, day(2026, 6, 15))], None),
    ];
    for (pi, fi, path, cover) in plans {
        let post = posts[pi].clone();
        let app = build(&post, &profs[fi], &path, cover)?;
        let stored = write_application(store, actor, &post, app).await?;
        if stored.state == Placed {
            // The stored post is now filled; keep the local copy in step.
            if let Some(p) = documents::get::<Post>(store, post.id).await? {
                posts[pi] = p;
            }
        }
    }
    Ok(())
}

/// A profile's fields for a doctor account with nothing filled in yet (the form's start).
pub fn blank_profile(who: &Principal, pref: PrefCode, today: NaiveDate) -> ProfileFields {
    ProfileFields {
        id: 0,
        pref,
        account: Some(who.username.clone()),
        name: Name::parse(&who.display_name)
            .unwrap_or_else(|_| Name::parse("未入力").expect("valid")),
        email: None,
        phone: None,
        doctor: who.doctor.clone(),
        specialties: Vec::new(),
        years: 0,
        employment: Default::default(),
        areas: Vec::new(),
        max_days_per_week: 5,
        max_hours_per_week: 40,
        needs_housing: false,
        needs_childcare: false,
        needs_short_time: false,
        no_on_call: false,
        leave: None,
        visible: false,
        updated: today,
        note: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{AccountFields, DoctorId};

    fn principal(user: &str, role: Role, pref: Option<u8>) -> Principal {
        let mut f = AccountFields {
            alliance: None,
            username: Username::parse(user).unwrap(),
            display_name: Name::parse("架空 太郎").unwrap(),
            role,
            pref: pref.and_then(|p| PrefCode::new(p).ok()),
            facility: None,
            doctor: None,
            disabled: false,
        };
        if role == Role::Facility {
            f.facility = FacilityId::parse("R7-0306-14").ok();
        }
        if role == Role::Doctor {
            f.doctor = DoctorId::parse("DEMO-2018-001").ok();
        }
        if role == Role::Secretariat {
            f.alliance = chiiki_domain::AllianceId::parse("12-TOKATSU-NANBU").ok();
        }
        Principal::from_account(&chiiki_domain::Account::new(f).unwrap())
    }

    fn iwate() -> PrefCode {
        PrefCode::new(3).unwrap()
    }

    fn today() -> NaiveDate {
        day(2026, 11, 1)
    }

    fn my_profile_fields(who: &Principal) -> ProfileFields {
        let mut f = blank_profile(who, iwate(), today());
        f.specialties = vec![Specialty::InternalMedicine];
        f.years = 10;
        f.employment = [Employment::FullTime, Employment::PartTime].into();
        f.max_hours_per_week = 32;
        f.leave = Some(Leave {
            months: 12,
            reason: LeaveReason::Childcare,
            support_needed: [ReturnSupport::ShortHours, ReturnSupport::Childcare].into(),
        });
        f
    }

    #[tokio::test]
    async fn roles_rights_and_the_way_to_placement() {
        let t = chiiki_store::testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let centre = principal("iwate", Role::Coordinator, Some(3));
        let auditor = principal("audit", Role::Auditor, Some(3));
        let facility = principal("kamaishi", Role::Facility, Some(3));
        let doctor = principal("doctor", Role::Doctor, Some(3));
        let other = principal("other", Role::Doctor, Some(3));
        let miyagi = principal("miyagi", Role::Coordinator, Some(4));
        let sec = principal("tokatsu", Role::Secretariat, Some(12));
        assert!(!may_open(&sec));
        assert!(may_open(&doctor) && may_open(&facility) && may_open(&centre));

        // The demo: 7 posts, 3 profiles, figures in both years.
        let all = posts(store, &centre, iwate()).await.unwrap();
        assert_eq!(all.len(), 7);
        assert_eq!(profiles(store, &centre, iwate()).await.unwrap().len(), 3);
        assert!(posts(store, &miyagi, iwate()).await.is_err());
        assert!(posts(store, &sec, iwate()).await.is_err());
        // A facility sees its own posts only.
        let own = posts(store, &facility, iwate()).await.unwrap();
        assert!(!own.is_empty() && own.iter().all(|p| p.facility.as_str() == "R7-0306-14"));
        assert!(own.len() < all.len());
        // A facility sees only the profiles that applied to its posts.
        let seen = profiles(store, &facility, iwate()).await.unwrap();
        let apps = applications(store, &facility, iwate()).await.unwrap();
        assert!(seen.iter().all(|p| apps.iter().any(|a| a.profile == p.id)));
        assert!(seen.len() < 3);

        // The doctor keeps one profile and sees no one else's.
        assert!(profiles(store, &doctor, iwate()).await.unwrap().is_empty());
        let mine = save_profile(
            store,
            &doctor,
            Profile::new(my_profile_fields(&doctor)).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            profiles(store, &doctor, iwate()).await.unwrap(),
            vec![mine.clone()]
        );
        let someone = profiles(store, &centre, iwate()).await.unwrap()[0].id;
        assert!(profile(store, &doctor, someone).await.is_err());
        assert!(profile(store, &other, mine.id).await.is_err());
        // A second profile of the same account is refused; someone else's account too.
        let again = save_profile(
            store,
            &doctor,
            Profile::new(my_profile_fields(&doctor)).unwrap(),
        )
        .await;
        assert!(matches!(again, Err(AppError::Rejected(_))), "{again:?}");
        let mut theirs = my_profile_fields(&doctor);
        theirs.account = Some(other.username.clone());
        assert!(matches!(
            save_profile(store, &doctor, Profile::new(theirs).unwrap()).await,
            Err(AppError::Denied(_))
        ));
        // The auditor reads but writes nothing.
        assert_eq!(profiles(store, &auditor, iwate()).await.unwrap().len(), 4);
        assert!(matches!(
            set_post_state(store, &auditor, all[0].id, PostState::Withdrawn).await,
            Err(AppError::Denied(_))
        ));

        // Ranked: the post with both short hours and childcare first.
        let ranked = ranked_posts(store, &doctor, mine.id, &PostQuery::default())
            .await
            .unwrap();
        let best = &ranked[0].0;
        assert!(
            best.childcare && best.short_time && best.state == PostState::Open,
            "{best:?}"
        );
        assert!(ranked[0].1.fits());

        // Apply; a second active application to the same post is refused.
        let a = apply(store, &doctor, best.id, today()).await.unwrap();
        assert_eq!(a.state, ApplicationState::Applied);
        assert!(matches!(
            apply(store, &doctor, best.id, today()).await,
            Err(AppError::Rejected(_))
        ));
        // The facility cannot introduce; a doctor cannot move to offered.
        assert!(
            introduce(store, &facility, best.id, mine.id, today())
                .await
                .is_err()
        );
        assert!(matches!(
            advance(
                store,
                &doctor,
                a.id,
                ApplicationState::Offered,
                today(),
                None,
                None
            )
            .await,
            Err(AppError::Denied(_))
        ));
        // The centre introduces (the same application), then interview.
        let a = introduce(store, &centre, best.id, mine.id, today())
            .await
            .unwrap();
        assert_eq!(a.state, ApplicationState::Introduced);
        assert_eq!(a.introduced_by.as_ref().map(|u| u.as_str()), Some("iwate"));
        let a = advance(
            store,
            &centre,
            a.id,
            ApplicationState::Interview,
            today(),
            None,
            None,
        )
        .await
        .unwrap();
        // The facility of the post offers, once it may see the applicant.
        let fac_post = posts(store, &facility, iwate())
            .await
            .unwrap()
            .into_iter()
            .any(|p| p.id == best.id);
        if fac_post {
            assert!(profile(store, &facility, mine.id).await.is_ok());
            let a2 = advance(
                store,
                &facility,
                a.id,
                ApplicationState::Offered,
                today(),
                None,
                None,
            )
            .await
            .unwrap();
            assert_eq!(a2.state, ApplicationState::Offered);
        } else {
            assert!(profile(store, &facility, mine.id).await.is_err());
            advance(
                store,
                &centre,
                a.id,
                ApplicationState::Offered,
                today(),
                None,
                None,
            )
            .await
            .unwrap();
        }
        // Placing fills the post in the same change.
        let placed = advance(
            store,
            &centre,
            a.id,
            ApplicationState::Placed,
            today(),
            Some(day(2026, 12, 1)),
            None,
        )
        .await
        .unwrap();
        assert_eq!(placed.state, ApplicationState::Placed);
        assert_eq!(
            post(store, &centre, best.id).await.unwrap().state,
            PostState::Filled
        );
        // The doctor sees their application; the figures count it.
        let mine_apps = applications(store, &doctor, iwate()).await.unwrap();
        assert_eq!(mine_apps.len(), 1);
        let fy = FiscalYear::new(2026).unwrap();
        let f = figures(store, &centre, iwate(), fy).await.unwrap();
        assert!(f.placements.total() >= 1);
        assert!(f.returning_doctors_placed >= 1);
        assert!(figures(store, &doctor, iwate(), fy).await.is_err());
        assert!(figures(store, &facility, iwate(), fy).await.is_err());
        assert_eq!(figures_sheets(&f).len(), 2);
    }

    #[tokio::test]
    async fn demo_figures_have_numbers_in_both_years() {
        let t = chiiki_store::testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let centre = principal("iwate", Role::Coordinator, Some(3));
        let f25 = figures(store, &centre, iwate(), FiscalYear::new(2025).unwrap())
            .await
            .unwrap();
        assert_eq!(f25.placements.total(), 2);
        assert_eq!(f25.returning_doctors_placed, 1);
        assert_eq!(f25.cover_days, 12);
        assert_eq!(f25.posts_opened, 5);
        let f26 = figures(store, &centre, iwate(), FiscalYear::new(2026).unwrap())
            .await
            .unwrap();
        assert_eq!(f26.applications, 3);
        assert_eq!(f26.posts_opened, 2);
        assert_eq!(f26.introductions, 1);
        assert_eq!(f26.placements.full_time, 1);
        assert_eq!(f26.returning_doctors_placed, 0);
        // The placed posts are filled.
        let filled = posts(store, &centre, iwate())
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.state == PostState::Filled)
            .count();
        assert_eq!(filled, 3);
    }

    #[tokio::test]
    async fn a_facility_edits_only_its_own_posts() {
        let t = chiiki_store::testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let centre = principal("iwate", Role::Coordinator, Some(3));
        let facility = principal("kamaishi", Role::Facility, Some(3));
        let all = posts(store, &centre, iwate()).await.unwrap();
        let foreign = all
            .iter()
            .find(|p| p.facility.as_str() != "R7-0306-14")
            .unwrap();
        assert!(post(store, &facility, foreign.id).await.is_err());
        assert!(
            set_post_state(store, &facility, foreign.id, PostState::Withdrawn)
                .await
                .is_err()
        );
        // Posting for another facility is refused; for its own it works.
        let mut f = foreign.clone().into_fields();
        f.id = 0;
        f.state = PostState::Open;
        assert!(matches!(
            save_post(store, &facility, Post::new(f.clone()).unwrap(), None).await,
            Err(AppError::Denied(_))
        ));
        f.facility = FacilityId::parse("R7-0306-14").unwrap();
        let kamaishi = store.get(Entity::Facilities, "R7-0306-14").await.unwrap();
        let Some(Record::Facility(k)) = kamaishi else {
            panic!()
        };
        f.area = k.area;
        let p = save_post(store, &facility, Post::new(f).unwrap(), None)
            .await
            .unwrap();
        let closed = set_post_state(store, &facility, p.id, PostState::Withdrawn)
            .await
            .unwrap();
        assert_eq!(closed.state, PostState::Withdrawn);
    }

    /// Two officers edit one post from the same version: the second save is refused and
    /// writes nothing; from the current version it goes through.
    #[tokio::test]
    async fn an_edit_of_a_post_from_an_old_version_is_refused() {
        let t = chiiki_store::testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let centre = principal("iwate", Role::Coordinator, Some(3));
        let p = posts(store, &centre, iwate()).await.unwrap().remove(0);
        let seen = post_version(store, p.id).await.unwrap().unwrap();
        let mut a = p.clone().into_fields();
        a.conditions = "当直なし（架空の編集A）".into();
        save_post(store, &centre, Post::new(a).unwrap(), Some(seen))
            .await
            .unwrap();
        let mut b = p.clone().into_fields();
        b.conditions = "当直月2回（架空の編集B）".into();
        let err = save_post(store, &centre, Post::new(b.clone()).unwrap(), Some(seen))
            .await
            .unwrap_err();
        let AppError::Conflict(msg) = &err else {
            panic!("not a conflict: {err}")
        };
        assert!(msg.ja.contains("他の利用者") && msg.en.contains("Someone else"));
        let now = post(store, &centre, p.id).await.unwrap();
        assert_eq!(now.conditions, "当直なし（架空の編集A）");
        let current = post_version(store, p.id).await.unwrap().unwrap();
        assert_eq!(current, seen + 1);
        save_post(store, &centre, Post::new(b).unwrap(), Some(current))
            .await
            .unwrap();
    }
}
