//! The lists of an alliance (members, staff loans, equipment, bookings, procurement,
//! training, mutual support) — or of a prefecture's centre (its doctor bank and seminars) — as
//! one workbook: exported to XLSX (a sheet per list, laid out by [`crate::docsheet`] so that it
//! reads back exactly) and imported back, all or nothing — the way an office keeps its lists
//! in Excel: export, edit or add rows, import. A row with id 0 (or empty) is new; a row with an
//! id replaces that record; a row as exported changes nothing, so exporting and importing
//! again leaves every list as it was.

use chiiki_domain::doctor_bank::{Application, Post, Profile};
use chiiki_domain::mutual_aid::{AidEvent, AidRequest, AidResponse, Capabilities, ContactTree};
use chiiki_domain::procurement::{Award, CatalogueItem, Demand, Tender};
use chiiki_domain::training::{Course, Registration, Requirement, Session};
use chiiki_domain::{
    AllianceMember, Booking, DocScope, Document, Equipment, Msg, PrefCode, Role, StaffLoan,
};
use chiiki_store::documents::{self, Filter};
use chiiki_store::{AllianceBatch, Store, StoreError};
use chiiki_tabular::grid::{GridSheet, read_grid};
use chiiki_tabular::{ImportIssue, Location};
use serde::de::DeserializeOwned;

use crate::AppError;
use crate::access::{Denied, Principal};
use crate::alliance::{access, in_scope, managed};
use crate::docsheet::{from_grid, to_sheet};
use crate::mutual_aid::DrillAck;

/// The sheets of the lists that are not documents.
const MEMBERS: &str = "alliance_members";
const LOANS: &str = "staff_loans";
const EQUIPMENT: &str = "equipment";
const BOOKINGS: &str = "equipment_bookings";

/// Calls `$m!(Type)` for every document type an alliance keeps, in the order of the
/// workbook's sheets (parents before the documents under them).
macro_rules! alliance_documents {
    ($m:ident) => {
        $m!(CatalogueItem);
        $m!(Tender);
        $m!(Demand);
        $m!(Award);
        $m!(Course);
        $m!(Session);
        $m!(Registration);
        $m!(Requirement);
        $m!(ContactTree);
        $m!(Capabilities);
        $m!(AidEvent);
        $m!(AidRequest);
        $m!(AidResponse);
        $m!(DrillAck);
    };
}

/// The same for a prefecture's centre: its doctor bank and its seminars.
macro_rules! centre_documents {
    ($m:ident) => {
        $m!(Post);
        $m!(Profile);
        $m!(Application);
        $m!(Course);
        $m!(Session);
        $m!(Registration);
        $m!(Requirement);
    };
}

/// Who may export (`write` false) or import (`write` true) a prefecture centre's lists:
/// administrators, and the centre's coordinators; its auditors export.
fn centre(who: &Principal, pref: PrefCode, write: bool) -> Result<(), AppError> {
    let in_pref = who.scope_pref().is_none_or(|s| s == pref);
    let ok = in_pref
        && match who.role {
            Role::Admin | Role::Coordinator => true,
            Role::Auditor => !write,
            _ => false,
        };
    if ok {
        Ok(())
    } else {
        Err(AppError::Denied(Denied(Msg::new(
            "このセンターの一覧を扱う権限がありません",
            "you may not handle this centre's lists",
        ))))
    }
}

/// The lists of an alliance (its loans, equipment, bookings and documents) or of a
/// prefecture's centre (its doctor bank and seminars) as an XLSX workbook. They name persons:
/// an alliance's are read by those with `personal` access to it, a centre's by its staff.
pub async fn export(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
) -> Result<Vec<u8>, AppError> {
    let (title, mut sheets) = match scope {
        DocScope::Alliance(id) => {
            let alliance = in_scope(store, who, id).await?;
            if !access(who, &alliance).personal {
                return Err(AppError::Denied(Denied(Msg::new(
                    "この連携推進法人の一覧を書き出す権限がありません",
                    "you may not export this alliance's lists",
                ))));
            }
            let loans = store
                .list_staff_loans(&chiiki_store::LoanFilter {
                    alliance: Some(id.clone()),
                    ..Default::default()
                })
                .await?;
            let equipment = store.list_equipment(id).await?;
            let mut bookings = Vec::new();
            // Every booking: the years a database's timestamps hold on both back ends.
            let year = |y| {
                chrono::NaiveDate::from_ymd_opt(y, 1, 1).map(|d| d.and_time(chrono::NaiveTime::MIN))
            };
            let (Some(from), Some(to)) = (year(1900), year(10_000)) else {
                return Err(AppError::Internal("the years of bookings".into()));
            };
            for e in &equipment {
                bookings.extend(store.list_bookings(e.id, from, to).await?);
            }
            let members = store.list_alliance_members(id, None).await?;
            let sheets = vec![
                to_sheet(MEMBERS, &members)?,
                to_sheet(LOANS, &loans)?,
                to_sheet(EQUIPMENT, &equipment)?,
                to_sheet(BOOKINGS, &bookings)?,
            ];
            (alliance.name.to_string(), sheets)
        }
        DocScope::Pref(p) => {
            centre(who, *p, false)?;
            (format!("{} 地域医療支援センター", p.name_ja()), Vec::new())
        }
    };
    macro_rules! sheet {
        ($t:ty) => {
            let docs: Vec<$t> = documents::list(store, Filter::scope(scope.clone())).await?;
            sheets.push(to_sheet(<$t as Document>::KIND, &docs)?);
        };
    }
    match scope {
        DocScope::Alliance(_) => {
            alliance_documents!(sheet);
        }
        DocScope::Pref(_) => {
            centre_documents!(sheet);
        }
    }
    Ok(chiiki_tabular::sheets_to_xlsx(&title, &sheets)?)
}

/// What an import did: every problem (then nothing was written), or the rows read and how
/// many records were created or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub committed: bool,
    pub rows: usize,
    pub changed: usize,
    pub issues: Vec<ImportIssue>,
}

/// Where each item of the batch came from: its sheet and row.
#[derive(Default)]
struct Origins {
    members: Vec<u64>,
    loans: Vec<u64>,
    equipment: Vec<u64>,
    bookings: Vec<u64>,
    documents: Vec<(String, u64)>,
}

/// The first data row of a sheet laid out by `docsheet` (names, then types, then data).
const FIRST_ROW: u64 = 3;

/// Imports a workbook of an alliance's or a centre's lists (as [`export`] writes it; sheets
/// may be left out), all or nothing. Who may: those who manage the alliance; a centre's
/// coordinators and administrators. Every row must be of this scope; each record is checked as
/// when entered by hand (members on the day, overlapping bookings, a document's scope), and
/// the first refusal is said at its sheet and row.
pub async fn import(
    store: &dyn Store,
    who: &Principal,
    scope: &DocScope,
    file: &str,
    bytes: &[u8],
) -> Result<Imported, AppError> {
    match scope {
        DocScope::Alliance(id) => {
            managed(store, who, id).await?;
        }
        DocScope::Pref(p) => centre(who, *p, true)?,
    }
    let names = sheet_names(scope);
    let grid = match read_grid(file, bytes) {
        Ok(g) => g,
        Err(issue) => return Ok(refused(vec![issue])),
    };
    // A sheet by its list's name; a CSV file (one sheet) by its file name, `staff_loans.csv`.
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let sheet = |name: &str| {
        grid.iter()
            .find(|s| s.name == name)
            .or_else(|| (grid.len() == 1 && stem == name).then(|| &grid[0]))
    };
    if !names.iter().any(|n| sheet(n).is_some()) {
        return Ok(refused(vec![ImportIssue::new(
            Location {
                file: file.to_string(),
                sheet: None,
                row: None,
                column: None,
            },
            Msg::new(
                format!("このファイルには {scope} の一覧のシートがありません"),
                format!("this file has no sheet of the lists of {scope}"),
            ),
            Msg::new(
                format!(
                    "書き出したファイルを使うか、シート名（CSVはファイル名）を {} のいずれかにしてください",
                    names.join("、")
                ),
                format!(
                    "use an exported file, or name the sheet (a CSV file) one of {}",
                    names.join(", ")
                ),
            ),
        )]));
    }
    let mut issues = Vec::new();
    let mut batch = AllianceBatch::default();
    let mut origins = Origins::default();
    let mut rows = 0;
    let belongs = |ok: bool, sheet: &str, i: usize, issues: &mut Vec<ImportIssue>| {
        if !ok {
            issues.push(ImportIssue::new(
                at(file, sheet, FIRST_ROW + i as u64),
                Msg::new(
                    format!("この行は {scope} のものではありません"),
                    format!("this row is not of {scope}"),
                ),
                Msg::new(
                    format!("{scope} から書き出した一覧を取り込んでください"),
                    format!("import lists exported from {scope}"),
                ),
            ));
        }
    };
    // The lists that are not documents: an alliance's only.
    let alliance = match scope {
        DocScope::Alliance(id) => Some(id),
        DocScope::Pref(_) => None,
    };
    if let Some(id) = alliance
        && let Some(s) = sheet(MEMBERS)
    {
        let list: Vec<AllianceMember> = records(file, s, &mut issues);
        for (i, m) in list.iter().enumerate() {
            belongs(m.alliance == *id, MEMBERS, i, &mut issues);
            origins.members.push(FIRST_ROW + i as u64);
        }
        rows += list.len();
        batch.members = list;
    }
    if let Some(id) = alliance
        && let Some(s) = sheet(LOANS)
    {
        let list: Vec<StaffLoan> = records(file, s, &mut issues);
        for (i, l) in list.iter().enumerate() {
            belongs(l.alliance == *id, LOANS, i, &mut issues);
            origins.loans.push(FIRST_ROW + i as u64);
        }
        rows += list.len();
        batch.loans = list;
    }
    if let Some(id) = alliance
        && let Some(s) = sheet(EQUIPMENT)
    {
        let list: Vec<Equipment> = records(file, s, &mut issues);
        for (i, e) in list.iter().enumerate() {
            belongs(e.alliance == *id, EQUIPMENT, i, &mut issues);
            origins.equipment.push(FIRST_ROW + i as u64);
        }
        rows += list.len();
        batch.equipment = list;
    }
    if let Some(id) = alliance
        && let Some(s) = sheet(BOOKINGS)
    {
        let list: Vec<Booking> = records(file, s, &mut issues);
        for (i, b) in list.iter().enumerate() {
            let ours = match store.get_equipment(b.equipment).await? {
                Some(e) => e.alliance == *id,
                // Equipment of this import, or none: the store says which.
                None => true,
            };
            belongs(ours, BOOKINGS, i, &mut issues);
            origins.bookings.push(FIRST_ROW + i as u64);
        }
        rows += list.len();
        batch.bookings = list;
    }
    macro_rules! docs {
        ($t:ty) => {
            let kind = <$t as Document>::KIND;
            if let Some(s) = sheet(kind) {
                let list: Vec<$t> = records(file, s, &mut issues);
                for (i, d) in list.iter().enumerate() {
                    belongs(d.scope() == *scope, kind, i, &mut issues);
                    origins
                        .documents
                        .push((kind.to_string(), FIRST_ROW + i as u64));
                    match documents::to_put(d) {
                        Ok(put) => batch.documents.push(put),
                        Err(e) => return Err(e.into()),
                    }
                }
                rows += list.len();
            }
        };
    }
    match scope {
        DocScope::Alliance(_) => {
            alliance_documents!(docs);
        }
        DocScope::Pref(_) => {
            centre_documents!(docs);
        }
    }
    if !issues.is_empty() {
        return Ok(refused(issues));
    }
    match store.import_alliance(who.actor(), &batch).await {
        Ok(written) => Ok(Imported {
            committed: true,
            rows,
            changed: written.changed,
            issues: Vec::new(),
        }),
        Err(StoreError::InBatch { list, index, error }) => {
            let (sheet, row) = match list {
                "members" => (MEMBERS.to_string(), origins.members.get(index).copied()),
                "loans" => (LOANS.to_string(), origins.loans.get(index).copied()),
                "equipment" => (EQUIPMENT.to_string(), origins.equipment.get(index).copied()),
                "bookings" => (BOOKINGS.to_string(), origins.bookings.get(index).copied()),
                _ => match origins.documents.get(index) {
                    Some((sheet, row)) => (sheet.clone(), Some(*row)),
                    None => (String::new(), None),
                },
            };
            let said = match crate::placement::said(*error) {
                AppError::Rejected(m) => m,
                other => Msg::new(other.to_string(), other.to_string()),
            };
            let location = Location {
                file: file.to_string(),
                sheet: Some(sheet),
                row,
                column: None,
            };
            Ok(refused(vec![ImportIssue::new(
                location,
                said,
                Msg::new(
                    "この行を直してから、ファイル全体をもう一度取り込んでください（何も書き込んでいません）",
                    "fix this row and import the whole file again (nothing was written)",
                ),
            )]))
        }
        Err(e) => Err(e.into()),
    }
}

fn refused(issues: Vec<ImportIssue>) -> Imported {
    Imported {
        committed: false,
        rows: 0,
        changed: 0,
        issues,
    }
}

fn at(file: &str, sheet: &str, row: u64) -> Location {
    Location {
        file: file.to_string(),
        sheet: Some(sheet.to_string()),
        row: Some(row),
        column: None,
    }
}

/// The records of a sheet, or none with its problems added to `issues`.
fn records<T: DeserializeOwned>(
    file: &str,
    sheet: &GridSheet,
    issues: &mut Vec<ImportIssue>,
) -> Vec<T> {
    match from_grid(file, sheet) {
        Ok(list) => list,
        Err(mut e) => {
            issues.append(&mut e);
            Vec::new()
        }
    }
}

/// The names of the sheets of a scope's workbook, in order.
pub fn sheet_names(scope: &DocScope) -> Vec<&'static str> {
    let mut names = Vec::new();
    macro_rules! name {
        ($t:ty) => {
            names.push(<$t as Document>::KIND);
        };
    }
    match scope {
        DocScope::Alliance(_) => {
            names.extend([MEMBERS, LOANS, EQUIPMENT, BOOKINGS]);
            alliance_documents!(name);
        }
        DocScope::Pref(_) => {
            centre_documents!(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::AllianceId;
    use chiiki_store::testing;

    fn secretariat() -> Principal {
        let mut p = Principal::system("tokatsu");
        p.role = chiiki_domain::Role::Secretariat;
        p.pref = chiiki_domain::PrefCode::new(12).ok();
        p.alliance = AllianceId::parse("12-TOKATSU-NANBU").ok();
        p
    }

    #[tokio::test]
    async fn the_demo_alliance_exports_and_imports_back_unchanged_and_edits_apply_all_or_nothing() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let who = secretariat();
        let id = AllianceId::parse("12-TOKATSU-NANBU").unwrap();
        let scope = DocScope::Alliance(id.clone());
        let book = export(store, &who, &scope).await.unwrap();
        let grid = read_grid("tokatsu.xlsx", &book).unwrap();
        let names: Vec<&str> = grid.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, sheet_names(&scope));

        // As exported: read back, nothing changes.
        let same = import(store, &who, &scope, "tokatsu.xlsx", &book)
            .await
            .unwrap();
        assert!(
            same.committed && same.issues.is_empty(),
            "{:?}",
            same.issues
        );
        assert!(same.rows > 0);
        assert_eq!(same.changed, 0);
        assert_eq!(export(store, &who, &scope).await.unwrap().len(), book.len());

        // A loan added in the sheet (id 0) is created; a bad row refuses the whole file.
        let loans: Vec<StaffLoan> = crate::docsheet::read_file("t.xlsx", &book, LOANS).unwrap();
        assert!(loans.is_empty(), "the demo lends no one");
        let day = |m: u32, d: u32| chiiki_domain::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let l = StaffLoan::new(chiiki_domain::StaffLoanFields {
            id: 0,
            alliance: id.clone(),
            from: chiiki_domain::Name::parse("医療法人弘仁会").unwrap(),
            to: chiiki_domain::Name::parse("医療法人社団誠馨会").unwrap(),
            person: chiiki_domain::Name::parse("架空 看護師").unwrap(),
            doctor: None,
            role: chiiki_domain::LoanRole::Nurse,
            start: day(5, 1),
            end: day(5, 31),
            hours: vec![chiiki_domain::LoanMonth {
                month: day(5, 1),
                minutes: 2400,
                overtime: 0,
            }],
            note: String::new(),
        })
        .unwrap();
        let edited = chiiki_tabular::sheets_to_xlsx(
            "t",
            &[to_sheet(LOANS, std::slice::from_ref(&l)).unwrap()],
        )
        .unwrap();
        let done = import(store, &who, &scope, "edited.xlsx", &edited)
            .await
            .unwrap();
        assert!(done.committed, "{:?}", done.issues);
        assert_eq!(done.changed, 1);
        let mut stranger = l.into_fields();
        stranger.from = chiiki_domain::Name::parse("医療法人某会").unwrap();
        let bad = chiiki_tabular::sheets_to_xlsx(
            "t",
            &[to_sheet(LOANS, &[StaffLoan::new(stranger).unwrap()]).unwrap()],
        )
        .unwrap();
        let refused = import(store, &who, &scope, "bad.xlsx", &bad).await.unwrap();
        assert!(!refused.committed);
        assert_eq!(refused.issues.len(), 1);
        let issue = &refused.issues[0];
        assert_eq!(issue.location.sheet.as_deref(), Some(LOANS));
        assert_eq!(issue.location.row, Some(3));
        assert_eq!(
            store
                .list_staff_loans(&chiiki_store::LoanFilter::default())
                .await
                .unwrap()
                .len(),
            1,
            "nothing more was written"
        );
        // A member's leaving day entered in the sheet: the registry changes, and the member
        // is gone the day after.
        let mut members: Vec<AllianceMember> =
            crate::docsheet::read_file("t.xlsx", &book, MEMBERS).unwrap();
        assert_eq!(members.len(), 4);
        let mut f = members.remove(1).fields().clone();
        f.left = chiiki_domain::NaiveDate::from_ymd_opt(2026, 3, 31);
        let left = chiiki_tabular::sheets_to_xlsx(
            "t",
            &[to_sheet(MEMBERS, &[AllianceMember::new(f).unwrap()]).unwrap()],
        )
        .unwrap();
        let done = import(store, &who, &scope, "members.xlsx", &left)
            .await
            .unwrap();
        assert!(done.committed && done.changed == 1, "{:?}", done.issues);
        let later = chiiki_domain::NaiveDate::from_ymd_opt(2026, 4, 1);
        assert_eq!(
            store.list_alliance_members(&id, later).await.unwrap().len(),
            3
        );
        // A file with none of the lists is refused, saying which sheets it may hold.
        let none = import(store, &who, &scope, "notes.csv", b"a,b\n1,2\n")
            .await
            .unwrap();
        assert!(!none.committed);
        assert!(none.issues[0].fix.en.contains("staff_loans"));
        // Another alliance's secretariat neither exports nor imports.
        let mut other = secretariat();
        other.alliance = AllianceId::parse("12-OTHER").ok();
        assert!(export(store, &other, &scope).await.is_err());
        assert!(
            import(store, &other, &scope, "t.xlsx", &book)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_centres_doctor_bank_and_seminars_export_and_import_back_unchanged() {
        let t = testing::sqlite().await;
        let store = t.store();
        crate::load_demo(store).await.unwrap();
        let coordinator = Principal::from_account(
            &chiiki_domain::Account::new(crate::demo::accounts().remove(1)).unwrap(),
        );
        let iwate = DocScope::Pref(PrefCode::new(3).unwrap());
        let book = export(store, &coordinator, &iwate).await.unwrap();
        let grid = read_grid("iwate.xlsx", &book).unwrap();
        let posts = grid.iter().find(|s| s.name == "bank_posts").unwrap();
        assert!(
            posts.rows.len() > 3,
            "the demo's posts, below the two header rows"
        );
        let same = import(store, &coordinator, &iwate, "iwate.xlsx", &book)
            .await
            .unwrap();
        assert!(same.committed, "{:?}", same.issues);
        assert_eq!(same.changed, 0);
        // Another prefecture's centre, and a doctor, may not.
        let mut miyagi = coordinator.clone();
        miyagi.pref = PrefCode::new(4).ok();
        assert!(matches!(
            export(store, &miyagi, &iwate).await,
            Err(AppError::Denied(_))
        ));
        let mut doctor = coordinator.clone();
        doctor.role = Role::Doctor;
        assert!(
            import(store, &doctor, &iwate, "iwate.xlsx", &book)
                .await
                .is_err()
        );
    }
}
