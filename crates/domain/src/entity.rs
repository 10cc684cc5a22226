//! The kinds of records chiiki keeps, and a record of any kind.

use serde::{Deserialize, Serialize};

use crate::text::Lang;
use crate::{Assignment, Doctor, Facility, Municipality, Programme, Scheme, SecondaryArea};

/// A kind of record in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Areas,
    Municipalities,
    Schemes,
    Programmes,
    Facilities,
    Doctors,
    Assignments,
}

impl Entity {
    /// In dependency order: a record refers only to records of kinds before it.
    pub const ALL: &'static [Entity] = &[
        Entity::Areas,
        Entity::Municipalities,
        Entity::Schemes,
        Entity::Programmes,
        Entity::Facilities,
        Entity::Doctors,
        Entity::Assignments,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Entity::Areas => "areas",
            Entity::Municipalities => "municipalities",
            Entity::Schemes => "schemes",
            Entity::Programmes => "programmes",
            Entity::Facilities => "facilities",
            Entity::Doctors => "doctors",
            Entity::Assignments => "assignments",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Entity::Areas, Lang::Ja) => "二次医療圏",
            (Entity::Municipalities, Lang::Ja) => "市区町村",
            (Entity::Schemes, Lang::Ja) => "修学資金制度",
            (Entity::Programmes, Lang::Ja) => "研修プログラム",
            (Entity::Facilities, Lang::Ja) => "医療機関",
            (Entity::Doctors, Lang::Ja) => "医師",
            (Entity::Assignments, Lang::Ja) => "勤務",
            (Entity::Areas, Lang::En) => "Secondary medical areas",
            (Entity::Municipalities, Lang::En) => "Municipalities",
            (Entity::Schemes, Lang::En) => "Schemes",
            (Entity::Programmes, Lang::En) => "Programmes",
            (Entity::Facilities, Lang::En) => "Facilities",
            (Entity::Doctors, Lang::En) => "Doctors",
            (Entity::Assignments, Lang::En) => "Assignments",
        }
    }

    /// Parses the code, its singular, or either label.
    pub fn parse(s: &str) -> Option<Entity> {
        let s = crate::normalize(s).to_lowercase();
        Entity::ALL.iter().copied().find(|e| {
            s == e.code()
                || s == e.code().trim_end_matches('s')
                || (e.code() == "facilities" && s == "facility")
                || (e.code() == "municipalities" && s == "municipality")
                || (e.code() == "programmes"
                    && matches!(s.as_str(), "program" | "programs" | "プログラム"))
                || s == e.label(Lang::Ja)
                || s == e.label(Lang::En).to_lowercase()
        })
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A record of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", content = "record", rename_all = "snake_case")]
pub enum Record {
    Area(SecondaryArea),
    Municipality(Municipality),
    Scheme(Scheme),
    Programme(Programme),
    Facility(Facility),
    Doctor(Doctor),
    Assignment(Assignment),
}

impl Record {
    pub fn entity(&self) -> Entity {
        match self {
            Record::Area(_) => Entity::Areas,
            Record::Municipality(_) => Entity::Municipalities,
            Record::Scheme(_) => Entity::Schemes,
            Record::Programme(_) => Entity::Programmes,
            Record::Facility(_) => Entity::Facilities,
            Record::Doctor(_) => Entity::Doctors,
            Record::Assignment(_) => Entity::Assignments,
        }
    }

    /// The record's key: its code or id.
    pub fn key(&self) -> String {
        match self {
            Record::Area(a) => a.code.to_string(),
            Record::Municipality(m) => m.code().to_string(),
            Record::Scheme(s) => s.id.to_string(),
            Record::Programme(p) => p.id.to_string(),
            Record::Facility(f) => f.id.to_string(),
            Record::Doctor(d) => d.id.to_string(),
            Record::Assignment(a) => a.id.to_string(),
        }
    }
}

macro_rules! record_from {
    ($($variant:ident($t:ty)),+) => {$(
        impl From<$t> for Record {
            fn from(x: $t) -> Record { Record::$variant(x) }
        }
    )+};
}
record_from!(
    Area(SecondaryArea),
    Municipality(Municipality),
    Scheme(Scheme),
    Programme(Programme),
    Facility(Facility),
    Doctor(Doctor),
    Assignment(Assignment)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names() {
        for e in Entity::ALL {
            assert_eq!(Entity::parse(e.code()), Some(*e));
            assert_eq!(Entity::parse(e.label(Lang::Ja)), Some(*e));
        }
        assert_eq!(Entity::parse("doctor"), Some(Entity::Doctors));
        assert_eq!(Entity::parse("Facility"), Some(Entity::Facilities));
        assert_eq!(Entity::parse("municipality"), Some(Entity::Municipalities));
        assert_eq!(Entity::parse("program"), Some(Entity::Programmes));
        assert_eq!(Entity::parse("nurses"), None);
    }
}
