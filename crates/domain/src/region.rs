//! Prefectures, secondary medical areas and municipalities.

use serde::{Deserialize, Serialize};

use crate::codes::{AreaCode, LgCode, PrefCode};
use crate::error::ValueError;
use crate::name::Name;
use crate::text::Msg;

/// A secondary medical area (二次医療圏).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondaryArea {
    pub code: AreaCode,
    pub name: Name,
}

impl SecondaryArea {
    pub fn pref(&self) -> PrefCode {
        self.code.pref()
    }
}

/// What kind of local government a municipality row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MunicipalityKind {
    /// A city, town or village (or a Tokyo special ward).
    Municipality,
    /// A designated city (政令指定都市) as a whole.
    DesignatedCity,
    /// A ward of a designated city.
    Ward,
}

impl MunicipalityKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Municipality => "municipality",
            Self::DesignatedCity => "designated_city",
            Self::Ward => "ward",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "municipality" => Some(Self::Municipality),
            "designated_city" | "designated_city_total" => Some(Self::DesignatedCity),
            "ward" | "designated_city_ward" => Some(Self::Ward),
            _ => None,
        }
    }
}

/// A municipality and the secondary area it belongs to, in the same prefecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawMunicipality", into = "RawMunicipality")]
pub struct Municipality {
    code: LgCode,
    name: Name,
    area: AreaCode,
    kind: MunicipalityKind,
}

#[derive(Serialize, Deserialize)]
struct RawMunicipality {
    code: LgCode,
    name: Name,
    area: AreaCode,
    kind: MunicipalityKind,
}

impl TryFrom<RawMunicipality> for Municipality {
    type Error = ValueError;
    fn try_from(r: RawMunicipality) -> Result<Self, ValueError> {
        Municipality::new(r.code, r.name, r.area, r.kind)
    }
}
impl From<Municipality> for RawMunicipality {
    fn from(m: Municipality) -> Self {
        RawMunicipality {
            code: m.code,
            name: m.name,
            area: m.area,
            kind: m.kind,
        }
    }
}

impl Municipality {
    pub fn new(
        code: LgCode,
        name: Name,
        area: AreaCode,
        kind: MunicipalityKind,
    ) -> Result<Self, ValueError> {
        if code.pref() != area.pref() {
            return Err(ValueError::new(
                format!("{code} / {area}"),
                Msg::new(
                    format!(
                        "市区町村 {code}（{}）と二次医療圏 {area}（{}）の都道府県が異なります",
                        code.pref().name_ja(),
                        area.pref().name_ja()
                    ),
                    format!(
                        "municipality {code} ({}) and secondary area {area} ({}) are in different prefectures",
                        code.pref().name_en(),
                        area.pref().name_en()
                    ),
                ),
                Msg::new(
                    "市区町村コードと二次医療圏コードの先頭2桁（都道府県）を揃えてください",
                    "the first two digits (the prefecture) of both codes must agree",
                ),
            ));
        }
        Ok(Self {
            code,
            name,
            area,
            kind,
        })
    }
    pub fn code(&self) -> LgCode {
        self.code
    }
    pub fn name(&self) -> &Name {
        &self.name
    }
    pub fn area(&self) -> AreaCode {
        self.area
    }
    pub fn kind(&self) -> MunicipalityKind {
        self.kind
    }
    pub fn pref(&self) -> PrefCode {
        self.code.pref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipality_and_area_share_a_prefecture() {
        let code = LgCode::parse("03201").unwrap();
        let name = Name::parse("盛岡市").unwrap();
        let ok = Municipality::new(
            code,
            name.clone(),
            AreaCode::parse("0301").unwrap(),
            MunicipalityKind::Municipality,
        );
        assert_eq!(ok.unwrap().pref().name_ja(), "岩手県");
        let bad = Municipality::new(
            code,
            name,
            AreaCode::parse("0401").unwrap(),
            MunicipalityKind::Municipality,
        );
        assert!(bad.unwrap_err().problem.ja.contains("都道府県が異なります"));
    }
}
