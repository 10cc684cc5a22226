//! Facilities: hospitals, clinics and care facilities.

use serde::{Deserialize, Serialize};

use crate::codes::{AreaCode, FacilityId, LgCode, PrefCode};
use crate::error::ValueError;
use crate::labels::{EmergencyLevel, FacilityGroup, FacilityKind};
use crate::name::Name;
use crate::quantity::{Amount, Beds, Coordinates};
use crate::text::Msg;

/// A facility where doctors work. Its municipality and secondary area are in the same
/// prefecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FacilityFields", into = "FacilityFields")]
pub struct Facility(FacilityFields);

/// The fields of a facility, before the check that binds them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityFields {
    pub id: FacilityId,
    pub name: Name,
    pub kind: FacilityKind,
    /// The municipality it is in; unknown for the few published rows without an address.
    pub municipality: Option<LgCode>,
    pub area: AreaCode,
    pub coordinates: Option<Coordinates>,
    pub beds: Beds,
    /// Full-time doctors (常勤医師数).
    pub doctors_fulltime: Amount,
    /// Part-time doctors in full-time equivalents (非常勤医師数 常勤換算).
    pub doctors_parttime_fte: Amount,
    pub emergency: EmergencyLevel,
    pub group: Option<FacilityGroup>,
    /// The regional medical alliance (地域医療連携推進法人) it belongs to, if any.
    pub alliance: Option<Name>,
    /// True for facilities invented for the demo; real facilities carry their source.
    pub synthetic: bool,
    /// Where the figures come from (credit line), for real facilities.
    pub source: Option<String>,
}

impl TryFrom<FacilityFields> for Facility {
    type Error = ValueError;
    fn try_from(f: FacilityFields) -> Result<Self, ValueError> {
        Facility::new(f)
    }
}
impl From<Facility> for FacilityFields {
    fn from(f: Facility) -> Self {
        f.0
    }
}

impl Facility {
    /// Checks the fields; the source credit is NFKC-normalised like every text read from a file.
    pub fn new(mut f: FacilityFields) -> Result<Self, ValueError> {
        f.source = f
            .source
            .map(|s| crate::normalize(&s))
            .filter(|s| !s.is_empty());
        if let Some(m) = f.municipality
            && m.pref() != f.area.pref()
        {
            return Err(ValueError::new(
                format!("{m} / {}", f.area),
                Msg::new(
                    format!(
                        "「{}」の所在市区町村 {m} と二次医療圏 {} の都道府県が異なります",
                        f.name, f.area
                    ),
                    format!(
                        "'{}' has municipality {m} and secondary area {} in different prefectures",
                        f.name, f.area
                    ),
                ),
                Msg::new(
                    "所在地の市区町村コードと二次医療圏コードを確認してください",
                    "check the municipality code and the area code of the facility",
                ),
            ));
        }
        if f.synthetic && f.source.is_some() {
            return Err(ValueError::new(
                f.id.to_string(),
                Msg::new(
                    "架空の施設に出典が付いています",
                    "a synthetic facility carries a source credit",
                ),
                Msg::new(
                    "架空（synthetic）の施設には出典を付けないでください",
                    "leave the source empty for synthetic facilities",
                ),
            ));
        }
        Ok(Self(f))
    }
    pub fn fields(&self) -> &FacilityFields {
        &self.0
    }
    pub fn into_fields(self) -> FacilityFields {
        self.0
    }
    pub fn id(&self) -> &FacilityId {
        &self.0.id
    }
    pub fn name(&self) -> &Name {
        &self.0.name
    }
    pub fn pref(&self) -> PrefCode {
        self.0.area.pref()
    }
    /// All doctors in full-time equivalents.
    pub fn doctors_fte(&self) -> f64 {
        self.0.doctors_fulltime.get() + self.0.doctors_parttime_fte.get()
    }
}

impl std::ops::Deref for Facility {
    type Target = FacilityFields;
    fn deref(&self) -> &FacilityFields {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::samples::facility as sample;

    #[test]
    fn facility_invariants() {
        let f = Facility::new(sample()).unwrap();
        assert_eq!(f.pref().name_ja(), "岩手県");
        assert!((f.doctors_fte() - 490.9).abs() < 1e-9);
        assert_eq!(f.beds.total(), 905);

        let mut wrong_area = sample();
        wrong_area.area = AreaCode::parse("0401").unwrap();
        assert!(Facility::new(wrong_area).is_err());

        let mut synthetic_with_source = sample();
        synthetic_with_source.synthetic = true;
        assert!(Facility::new(synthetic_with_source).is_err());
    }

    #[test]
    fn serde_checks_invariants() {
        let f = Facility::new(sample()).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        let back: Facility = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        let bad = json.replace("\"0301\"", "\"0401\"");
        assert!(serde_json::from_str::<Facility>(&bad).is_err());
    }
}
