//! Documents: the small records of alliance operations and of a centre's doctor bank (a
//! procurement item, a member's demand, a seminar session, a registration, a post, an
//! application, …), each kept whole as JSON in the store's one document table beside the
//! columns that find it: its kind, its id, its scope (an alliance or a prefecture), its
//! parent document and its owner.
//!
//! A document type is validated like every record (deserialised through its checking
//! constructor), so that a stored document that no longer passes its checks reads back as an
//! error rather than as an invalid value.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codes::{AllianceId, PrefCode};
use crate::error::ValueError;

/// Whose a document is: an alliance (the store finds its prefecture, and refuses a document
/// of an alliance it does not hold) or a prefecture's centre. Every document is so confined
/// to one prefecture.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocScope {
    Alliance(AllianceId),
    Pref(PrefCode),
}

impl DocScope {
    /// A scope from its key: a prefecture's code or name (`03`, `岩手`) when the text has no
    /// dash and is one, else an alliance's id (`12-TOKATSU-NANBU`).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if !raw.contains('-')
            && let Ok(p) = PrefCode::parse(raw)
        {
            return Ok(DocScope::Pref(p));
        }
        AllianceId::parse(raw).map(DocScope::Alliance)
    }
    /// Its key in the store: the alliance's id (`12-TOKATSU-NANBU`) or the prefecture's
    /// code (`12`). The two cannot meet: an alliance id always has a dash.
    pub fn key(&self) -> String {
        match self {
            DocScope::Alliance(a) => a.to_string(),
            DocScope::Pref(p) => p.to_string(),
        }
    }
}

impl std::fmt::Display for DocScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

/// A record kept as a document. Its id is given by the store (0 before it is stored).
pub trait Document: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Its kind: the name of its entity in the audit trail and in errors
    /// (`procurement_items`, `seminar_registrations`, `bank_posts`, …).
    const KIND: &'static str;
    /// The fields whose values the audit trail may keep (never a name, a contact or a
    /// free-text note): the rest are left out of its audit events.
    const AUDITED: &'static [&'static str] = &[];
    fn id(&self) -> u64;
    /// The same document with the id the store gave it.
    fn with_id(self, id: u64) -> Self;
    fn scope(&self) -> DocScope;
    /// The document it belongs to, if any (a registration's session, a demand's tender, an
    /// application's post): documents are listed, and checked writes locked, per parent.
    fn parent(&self) -> Option<u64> {
        None
    }
    /// Who it is about or whose it is, if anyone (a member corporation, a doctor id, a
    /// facility id): documents can be listed per owner.
    fn owner(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_their_keys() {
        let iwate = DocScope::parse("03").unwrap();
        assert_eq!(iwate, DocScope::Pref(PrefCode::new(3).unwrap()));
        assert_eq!(DocScope::parse(&iwate.key()).unwrap(), iwate);
        let tokatsu = DocScope::parse("12-TOKATSU-NANBU").unwrap();
        assert_eq!(tokatsu.key(), "12-TOKATSU-NANBU");
        assert!(matches!(
            DocScope::parse("FURANO"),
            Ok(DocScope::Alliance(_))
        ));
        assert!(DocScope::parse("no such scope!").is_err());
    }
}
