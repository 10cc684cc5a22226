//! Accounts: who may use chiiki, in which role, over which part of the register.

use serde::{Deserialize, Serialize};

use crate::codes::{AllianceId, DoctorId, FacilityId, PrefCode};
use crate::error::{ValueError, normalize};
use crate::name::Name;
use crate::text::Msg;

/// A login name: 3–64 characters from `a–z 0–9 . _ - @`, lower-cased after NFKC.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input).to_lowercase();
        let ok = (3..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-@".contains(&b));
        if ok {
            Ok(Self(s))
        } else {
            Err(ValueError::new(
                input,
                Msg::new(
                    format!("ユーザー名「{input}」は使えません"),
                    format!("'{input}' is not a valid user name"),
                ),
                Msg::new(
                    "英小文字・数字・「. _ - @」で3〜64文字にしてください",
                    "use 3 to 64 lower-case letters, digits, '.', '_', '-' or '@'",
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        Self::parse(&s)
    }
}
impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}
impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user may do. Each role sees only its scope (see [`Account`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, everywhere, including accounts.
    Admin,
    /// A prefecture's centre: reads and writes that prefecture's register.
    Coordinator,
    /// A hospital or clinic: reads its own facility and who works there.
    Facility,
    /// A doctor: reads their own record.
    Doctor,
    /// Reads the register and the audit log of its scope; writes nothing.
    Auditor,
    /// A regional medical alliance's secretariat (連携推進法人事務局): runs its own alliance's
    /// operations (members' staff loans, shared equipment, joint procurement, training,
    /// mutual support) and sees nothing else of the register.
    Secretariat,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Coordinator,
        Role::Facility,
        Role::Doctor,
        Role::Auditor,
        Role::Secretariat,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Facility => "facility",
            Role::Doctor => "doctor",
            Role::Auditor => "auditor",
            Role::Secretariat => "secretariat",
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Role::Admin, Ja) => "管理者",
            (Role::Coordinator, Ja) => "コーディネーター",
            (Role::Facility, Ja) => "医療機関",
            (Role::Doctor, Ja) => "医師",
            (Role::Auditor, Ja) => "監査",
            (Role::Secretariat, Ja) => "連携法人事務局",
            (Role::Admin, En) => "Administrator",
            (Role::Coordinator, En) => "Coordinator",
            (Role::Facility, En) => "Facility",
            (Role::Doctor, En) => "Doctor",
            (Role::Auditor, En) => "Auditor",
            (Role::Secretariat, En) => "Alliance secretariat",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input).to_lowercase();
        Role::ALL
            .iter()
            .copied()
            .find(|r| {
                r.code() == s
                    || r.label(crate::Lang::Ja) == s
                    || r.label(crate::Lang::En).to_lowercase() == s
            })
            .ok_or_else(|| {
                ValueError::new(
                    input,
                    Msg::new(
                        format!("役割「{input}」はありません"),
                        format!("'{input}' is not a role"),
                    ),
                    Msg::new(
                        "admin、coordinator、facility、doctor、auditor、secretariat のいずれかにしてください",
                        "use admin, coordinator, facility, doctor, auditor or secretariat",
                    ),
                )
            })
    }
}

/// A user account: a role and the part of the register it covers.
///
/// A coordinator belongs to one prefecture; a facility account to one facility (and its
/// prefecture); a doctor account to one doctor (and their prefecture); a secretariat to one
/// alliance (and its prefecture). An admin covers everything; an auditor covers one
/// prefecture or, without one, the whole country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AccountFields", into = "AccountFields")]
pub struct Account(AccountFields);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFields {
    pub username: Username,
    pub display_name: Name,
    pub role: Role,
    pub pref: Option<PrefCode>,
    pub facility: Option<FacilityId>,
    pub doctor: Option<DoctorId>,
    /// The alliance of a secretariat account.
    #[serde(default)]
    pub alliance: Option<AllianceId>,
    pub disabled: bool,
}

impl TryFrom<AccountFields> for Account {
    type Error = ValueError;
    fn try_from(f: AccountFields) -> Result<Self, ValueError> {
        Account::new(f)
    }
}
impl From<Account> for AccountFields {
    fn from(a: Account) -> Self {
        a.0
    }
}

impl Account {
    pub fn new(f: AccountFields) -> Result<Self, ValueError> {
        let bad = |ja: &str, en: &str, fix_ja: &str, fix_en: &str| {
            Err(ValueError::new(
                f.username.to_string(),
                Msg::new(ja, en),
                Msg::new(fix_ja, fix_en),
            ))
        };
        match f.role {
            Role::Coordinator if f.pref.is_none() => {
                return bad(
                    "コーディネーターには都道府県が必要です",
                    "a coordinator needs a prefecture",
                    "担当する都道府県を指定してください（例: 03）",
                    "give the prefecture they work for (e.g. 03)",
                );
            }
            Role::Facility if f.facility.is_none() || f.pref.is_none() => {
                return bad(
                    "医療機関アカウントには医療機関と都道府県が必要です",
                    "a facility account needs a facility and its prefecture",
                    "医療機関IDを指定してください",
                    "give the facility id",
                );
            }
            Role::Doctor if f.doctor.is_none() || f.pref.is_none() => {
                return bad(
                    "医師アカウントには医師IDと都道府県が必要です",
                    "a doctor account needs a doctor id and the doctor's prefecture",
                    "医師IDを指定してください",
                    "give the doctor id",
                );
            }
            Role::Secretariat if f.alliance.is_none() || f.pref.is_none() => {
                return bad(
                    "連携法人事務局アカウントには連携推進法人と都道府県が必要です",
                    "a secretariat account needs an alliance and its prefecture",
                    "連携推進法人IDを指定してください（例: 12-TOKATSU-NANBU）",
                    "give the alliance id (e.g. 12-TOKATSU-NANBU)",
                );
            }
            _ => {}
        }
        if f.alliance.is_some() && f.role != Role::Secretariat {
            return bad(
                "連携推進法人を指定できるのは連携法人事務局アカウントだけです",
                "only secretariat accounts name an alliance",
                "連携推進法人IDを空欄にしてください",
                "leave the alliance empty",
            );
        }
        if (f.facility.is_some() && f.role != Role::Facility)
            || (f.doctor.is_some() && f.role != Role::Doctor)
        {
            return bad(
                "この役割には医療機関・医師を指定できません",
                "only facility and doctor accounts name a facility or a doctor",
                "医療機関IDと医師IDを空欄にしてください",
                "leave the facility and doctor empty",
            );
        }
        Ok(Self(f))
    }
    pub fn fields(&self) -> &AccountFields {
        &self.0
    }
}

impl std::ops::Deref for Account {
    type Target = AccountFields;
    fn deref(&self) -> &AccountFields {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(role: Role) -> AccountFields {
        AccountFields {
            username: Username::parse("Sato.Iwate").unwrap(),
            display_name: Name::parse("佐藤（架空）").unwrap(),
            role,
            pref: None,
            facility: None,
            doctor: None,
            alliance: None,
            disabled: false,
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" Sato.Iwate ").unwrap().as_str(),
            "sato.iwate"
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("佐藤").is_err());
    }

    #[test]
    fn roles_need_their_scope() {
        assert!(Account::new(fields(Role::Admin)).is_ok());
        assert!(Account::new(fields(Role::Auditor)).is_ok());
        assert!(Account::new(fields(Role::Coordinator)).is_err());
        let mut c = fields(Role::Coordinator);
        c.pref = PrefCode::new(3).ok();
        assert!(Account::new(c.clone()).is_ok());
        c.doctor = DoctorId::parse("D-1").ok();
        assert!(Account::new(c).is_err());
        let mut d = fields(Role::Doctor);
        d.pref = PrefCode::new(3).ok();
        assert!(Account::new(d.clone()).is_err());
        d.doctor = DoctorId::parse("D-1").ok();
        assert!(Account::new(d).is_ok());
        assert_eq!(Role::parse("コーディネーター").unwrap(), Role::Coordinator);
        assert_eq!(Role::parse("AUDITOR").unwrap(), Role::Auditor);
        // A secretariat needs its alliance and prefecture; no one else names an alliance.
        let mut s = fields(Role::Secretariat);
        s.pref = PrefCode::new(12).ok();
        assert!(Account::new(s.clone()).is_err());
        s.alliance = AllianceId::parse("12-TOKATSU-NANBU").ok();
        assert!(Account::new(s.clone()).is_ok());
        s.pref = None;
        assert!(Account::new(s).is_err());
        let mut c = fields(Role::Coordinator);
        c.pref = PrefCode::new(12).ok();
        c.alliance = AllianceId::parse("12-TOKATSU-NANBU").ok();
        assert!(Account::new(c).is_err());
        assert_eq!(Role::parse("連携法人事務局").unwrap(), Role::Secretariat);
        // Accounts stored before the role existed read back without an alliance.
        let old = r#"{"username":"abc","display_name":"架空","role":"auditor","pref":null,"facility":null,"doctor":null,"disabled":false}"#;
        let a: Account = serde_json::from_str(old).unwrap();
        assert_eq!(a.alliance, None);
    }
}
