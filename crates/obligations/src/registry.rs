//! The versions of every scheme, and which one a doctor is under.
//!
//! A version applies to the doctors whose loan started within its window: from its
//! `effective_from` (or from the beginning, for a first version that states none) to its
//! `effective_until` or, when it states none, the day before the next version's
//! `effective_from`. Windows never overlap (checked on load), so at most one version
//! applies to a date. The lookup takes the enrolment date only — not an as-of date — so a
//! doctor stays under their version when a later one is published: publishing a version
//! only ever closes the open end of the previous window, after the enrolments it held.

use std::collections::BTreeMap;

use chiiki_domain::{Enrolment, Explain, Msg, NaiveDate, SchemeId, format_iso};

use crate::error::{ErrorKind, SchemeError, SchemeErrors};
use crate::scheme::SchemeDefinition;

/// The loan-start dates a version applies to, both ends included; `None`: unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Window {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date <= u)
    }
}

/// Every version of every scheme, checked against one another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    /// Versions of each scheme in increasing version number, with their windows.
    schemes: BTreeMap<SchemeId, Vec<(SchemeDefinition, Window)>>,
}

/// Why no version could be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown scheme {0}")]
    UnknownScheme(SchemeId),
    #[error("no version of scheme {scheme} applies to an enrolment on {date}")]
    NoVersion { scheme: SchemeId, date: NaiveDate },
}

impl Explain for LookupError {
    fn problem(&self) -> Msg {
        match self {
            LookupError::UnknownScheme(id) => Msg::new(
                format!("制度「{id}」の定義がありません"),
                format!("there is no definition of scheme '{id}'"),
            ),
            LookupError::NoVersion { scheme, date } => Msg::new(
                format!(
                    "制度「{scheme}」には {} に始まった貸与に適用される版がありません",
                    format_iso(*date)
                ),
                format!(
                    "no version of scheme '{scheme}' applies to a loan that started on {}",
                    format_iso(*date)
                ),
            ),
        }
    }
    fn fix(&self) -> Msg {
        match self {
            LookupError::UnknownScheme(_) => Msg::new(
                "制度IDを確認するか、その制度の定義ファイルを追加してください",
                "check the scheme id, or add the scheme's definition file",
            ),
            LookupError::NoVersion { .. } => Msg::new(
                "貸与開始日を確認するか、その日を適用期間に含む版を追加してください",
                "check the loan start date, or add a version whose effective dates include it",
            ),
        }
    }
}

impl Registry {
    /// Checks the versions against one another: no two with the same number, a start
    /// date on every version but the first, start dates increasing with the version
    /// number, and no overlapping windows. Every problem is reported.
    pub fn new(
        definitions: impl IntoIterator<Item = SchemeDefinition>,
    ) -> Result<Self, SchemeErrors> {
        let mut grouped: BTreeMap<SchemeId, Vec<SchemeDefinition>> = BTreeMap::new();
        for def in definitions {
            grouped.entry(def.id.clone()).or_default().push(def);
        }
        let mut errors = Vec::new();
        let mut schemes = BTreeMap::new();
        for (id, mut versions) in grouped {
            versions.sort_by_key(|d| d.version);
            let before = errors.len();
            for v in &versions {
                check_window(v, &mut errors);
            }
            for pair in versions.windows(2) {
                check_pair(&pair[0], &pair[1], &mut errors);
            }
            if errors.len() == before {
                let windows: Vec<Window> = (0..versions.len())
                    .map(|i| Window {
                        from: versions[i].effective_from,
                        until: {
                            let next = versions
                                .get(i + 1)
                                .and_then(|n| n.effective_from)
                                .and_then(|d| d.pred_opt());
                            match (versions[i].effective_until, next) {
                                (Some(a), Some(b)) => Some(a.min(b)),
                                (a, b) => a.or(b),
                            }
                        },
                    })
                    .collect();
                schemes.insert(id, versions.into_iter().zip(windows).collect());
            }
        }
        if errors.is_empty() {
            Ok(Registry { schemes })
        } else {
            Err(SchemeErrors(errors))
        }
    }

    /// Reads, checks and registers scheme files given as (name, content). Problems of every
    /// file are reported together.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SchemeErrors> {
        let mut defs = Vec::new();
        let mut errors = Vec::new();
        for (name, text) in files {
            match SchemeDefinition::from_toml(name, text) {
                Ok(d) => defs.push(d),
                Err(e) => errors.extend(e.into_inner()),
            }
        }
        match Registry::new(defs) {
            Ok(r) if errors.is_empty() => Ok(r),
            Ok(_) => Err(SchemeErrors(errors)),
            Err(e) => {
                errors.extend(e.into_inner());
                Err(SchemeErrors(errors))
            }
        }
    }

    /// The schemes shipped with chiiki ([`crate::SHIPPED`]).
    pub fn shipped() -> Result<Self, SchemeErrors> {
        Registry::from_files(crate::SHIPPED.iter().copied())
    }

    /// The version of `scheme` a doctor whose loan started on `enrolled` is under.
    pub fn version_for(
        &self,
        scheme: &SchemeId,
        enrolled: NaiveDate,
    ) -> Result<&SchemeDefinition, LookupError> {
        let versions = self
            .schemes
            .get(scheme)
            .ok_or_else(|| LookupError::UnknownScheme(scheme.clone()))?;
        versions
            .iter()
            .find(|(_, w)| w.contains(enrolled))
            .map(|(d, _)| d)
            .ok_or_else(|| LookupError::NoVersion {
                scheme: scheme.clone(),
                date: enrolled,
            })
    }

    /// The version a doctor's enrolment is under: the one in force when the loan started.
    pub fn for_enrolment(&self, enrolment: &Enrolment) -> Result<&SchemeDefinition, LookupError> {
        self.version_for(&enrolment.scheme, enrolment.loan.start())
    }

    /// One version of a scheme.
    pub fn get(&self, scheme: &SchemeId, version: u32) -> Option<&SchemeDefinition> {
        self.versions(scheme).find(|d| d.version == version)
    }

    /// The loan-start dates a version applies to.
    pub fn window(&self, scheme: &SchemeId, version: u32) -> Option<Window> {
        self.schemes
            .get(scheme)?
            .iter()
            .find(|(d, _)| d.version == version)
            .map(|(_, w)| *w)
    }

    /// The versions of a scheme in increasing version number.
    pub fn versions(&self, scheme: &SchemeId) -> impl Iterator<Item = &SchemeDefinition> {
        self.schemes
            .get(scheme)
            .into_iter()
            .flat_map(|v| v.iter().map(|(d, _)| d))
    }

    /// The ids of the registered schemes, in order.
    pub fn scheme_ids(&self) -> impl Iterator<Item = &SchemeId> {
        self.schemes.keys()
    }

    /// Every version of every scheme.
    pub fn definitions(&self) -> impl Iterator<Item = &SchemeDefinition> {
        self.schemes.values().flat_map(|v| v.iter().map(|(d, _)| d))
    }

    /// The number of versions registered.
    pub fn len(&self) -> usize {
        self.schemes.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.schemes.is_empty()
    }
}

/// A version's own dates (already checked by `from_toml`; definitions built in code too).
fn check_window(v: &SchemeDefinition, errors: &mut Vec<SchemeError>) {
    if let (Some(from), Some(until)) = (v.effective_from, v.effective_until)
        && until < from
    {
        let (problem, fix) = crate::error::until_before_from(from, until);
        errors.push(SchemeError::new(
            &v.file,
            "effective_until",
            ErrorKind::Contradiction,
            problem,
            fix,
        ));
    }
}

/// Checks two consecutive versions of one scheme (`a.version <= b.version`).
fn check_pair(a: &SchemeDefinition, b: &SchemeDefinition, errors: &mut Vec<SchemeError>) {
    let id = &a.id;
    if a.version == b.version {
        errors.push(SchemeError::new(
            &b.file,
            "version",
            ErrorKind::DuplicateVersion,
            Msg::new(
                format!(
                    "制度「{id}」の版 {} が {} と {} の二つのファイルにあります",
                    b.version, a.file, b.file
                ),
                format!(
                    "version {} of scheme '{id}' is defined twice, in {} and in {}",
                    b.version, a.file, b.file
                ),
            ),
            Msg::new(
                format!(
                    "新しい規則なら version = {} のように番号を上げ、同じものなら片方のファイルを削除してください",
                    b.version.saturating_add(1)
                ),
                format!(
                    "give new rules the next number (version = {}); if the files are the same, remove one",
                    b.version.saturating_add(1)
                ),
            ),
        ));
        return;
    }
    let Some(b_from) = b.effective_from else {
        errors.push(SchemeError::new(
            &b.file,
            "effective_from",
            ErrorKind::MissingKey,
            Msg::new(
                format!(
                    "制度「{id}」の版 {} に適用開始日がありません（省略できるのは最初の版だけです）",
                    b.version
                ),
                format!(
                    "version {} of scheme '{id}' has no effective_from (only the first version may omit it)",
                    b.version
                ),
            ),
            Msg::new(
                "effective_from = 2020-04-01 のように、この版が適用される最初の貸与開始日を書いてください",
                "add effective_from = 2020-04-01: the first loan-start date this version applies to",
            ),
        ));
        return;
    };
    if a.effective_from.is_some_and(|a_from| a_from >= b_from) {
        let a_from = a.effective_from.map(format_iso).unwrap_or_default();
        errors.push(SchemeError::new(
            &b.file,
            "effective_from",
            ErrorKind::VersionOrder,
            Msg::new(
                format!(
                    "版 {} の適用開始日 {} が、前の版 {}（{}）の適用開始日 {} より後ではありません",
                    b.version,
                    format_iso(b_from),
                    a.version,
                    a.file,
                    a_from
                ),
                format!(
                    "version {} takes effect on {}, not after version {} ({}) which takes effect on {}",
                    b.version,
                    format_iso(b_from),
                    a.version,
                    a.file,
                    a_from
                ),
            ),
            Msg::new(
                "番号の大きい版ほど適用開始日を後にしてください",
                "a later version must take effect after the earlier ones",
            ),
        ));
        return;
    }
    if let Some(a_until) = a.effective_until
        && a_until >= b_from
    {
        errors.push(SchemeError::new(
            &a.file,
            "effective_until",
            ErrorKind::OverlappingVersions,
            Msg::new(
                format!(
                    "版 {} の適用終了日 {} が、版 {}（{}）の適用開始日 {} と重なっています",
                    a.version,
                    format_iso(a_until),
                    b.version,
                    b.file,
                    format_iso(b_from)
                ),
                format!(
                    "version {} is in force until {}, overlapping version {} ({}) from {}",
                    a.version,
                    format_iso(a_until),
                    b.version,
                    b.file,
                    format_iso(b_from)
                ),
            ),
            Msg::new(
                format!(
                    "effective_until を {} より前にするか、削除してください（次の版の前日で自動的に終わります）",
                    format_iso(b_from)
                ),
                format!(
                    "make effective_until earlier than {}, or remove it (a version ends the day before the next one)",
                    format_iso(b_from)
                ),
            ),
        ));
    }
}
