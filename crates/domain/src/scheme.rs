//! Obligation schemes (修学資金制度) and training programmes: identity and references. Their
//! rules are data evaluated by the obligations engine.

use serde::{Deserialize, Serialize};

use crate::Specialty;
use crate::codes::{PrefCode, ProgrammeId, SchemeId};
use crate::name::Name;

/// A scholarship-loan scheme whose loan is waived in return for service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub id: SchemeId,
    pub name: Name,
    pub pref: PrefCode,
    /// Who lends the money (the prefecture, a county medical fund, a municipality…).
    pub sponsor: Name,
    /// The years of service owed, as the scheme states them.
    pub service_years: u8,
}

/// A training or career-formation programme a doctor may follow. Its rotation rules, when
/// it has any, are a scheme file of kind `programme` with the programme's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub id: ProgrammeId,
    pub name: Name,
    pub pref: PrefCode,
    /// The scheme whose doctors it is for; `None`: any obligated doctor of the prefecture.
    pub scheme: Option<SchemeId>,
    /// The basic specialty it trains for; `None`: any (the doctors' own).
    #[serde(default)]
    pub specialty: Option<Specialty>,
}
