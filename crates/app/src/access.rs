//! Who may do what, over which records: the one place where authorisation is decided.
//! Every use case takes a [`Principal`] and asks it; the web server and the CLI never decide.

use chiiki_domain::{
    Account, AllianceId, AreaCode, DoctorId, FacilityId, Msg, PrefCode, Record, Role, Username,
    Workplace,
};
use chiiki_store::{AssignmentFilter, AuditFilter, DoctorFilter, FacilityFilter};

/// The user a use case runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub pref: Option<PrefCode>,
    pub facility: Option<FacilityId>,
    pub doctor: Option<DoctorId>,
    /// A secretariat's alliance.
    pub alliance: Option<AllianceId>,
}

/// Something a role may or may not do, whatever the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read the register (within the scope).
    ReadRegister,
    /// Change the register: assignments, imports.
    WriteRegister,
    /// Read the audit trail.
    ReadAudit,
    /// Create accounts and reset passwords.
    ManageAccounts,
    /// Read the register's obligation views (cohort tables, doctors at risk, deadlines):
    /// the centre's staff (coordinators, auditors) and administrators, not doctors or
    /// facilities.
    ReadRegisterViews,
}

/// A refusal, explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.en)]
pub struct Denied(pub Msg);

impl Principal {
    /// The local operator of the command line: an administrator.
    pub fn system(name: &str) -> Principal {
        Principal {
            alliance: None,
            username: Username::parse(name)
                .unwrap_or_else(|_| Username::parse("system").expect("valid")),
            display_name: name.to_string(),
            role: Role::Admin,
            pref: None,
            facility: None,
            doctor: None,
        }
    }

    pub fn from_account(a: &Account) -> Principal {
        Principal {
            username: a.username.clone(),
            display_name: a.display_name.to_string(),
            role: a.role,
            pref: a.pref,
            facility: a.facility.clone(),
            doctor: a.doctor.clone(),
            alliance: a.alliance.clone(),
        }
    }

    /// The name written in the audit trail.
    pub fn actor(&self) -> &str {
        self.username.as_str()
    }

    pub fn can(&self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        matches!(
            (self.role, p),
            (Admin, _)
                | (Coordinator | Facility | Doctor | Auditor, ReadRegister)
                | (Coordinator, WriteRegister)
                | (Auditor, ReadAudit)
                | (Coordinator | Auditor, ReadRegisterViews)
        )
    }

    pub fn require(&self, p: Permission) -> Result<(), Denied> {
        if self.can(p) {
            Ok(())
        } else {
            Err(Denied(Msg::new(
                "この操作の権限がありません",
                "you are not allowed to do this",
            )))
        }
    }

    /// The prefecture the principal is confined to; `None` for the whole country.
    pub fn scope_pref(&self) -> Option<PrefCode> {
        match self.role {
            Role::Admin => None,
            _ => self.pref,
        }
    }

    /// A prefecture filter narrowed to the scope: a request for another prefecture gives
    /// `Err`, so that it lists nothing rather than everything.
    fn narrow_pref(&self, asked: Option<PrefCode>) -> Result<Option<PrefCode>, Denied> {
        match (self.scope_pref(), asked) {
            (None, a) => Ok(a),
            (Some(s), None) => Ok(Some(s)),
            (Some(s), Some(a)) if s == a => Ok(Some(s)),
            (Some(_), Some(_)) => Err(Denied(Msg::new(
                "担当外の都道府県です",
                "outside your prefecture",
            ))),
        }
    }

    /// Areas and municipalities: the scope's prefecture.
    pub fn region_pref(&self, asked: Option<PrefCode>) -> Result<Option<PrefCode>, Denied> {
        self.narrow_pref(asked)
    }

    /// Facilities the principal may list: a facility account sees only its own.
    pub fn facility_filter(&self, mut f: FacilityFilter) -> Result<FacilityFilter, Denied> {
        f.pref = self.narrow_pref(f.pref)?;
        if self.role == Role::Facility {
            f.id = self.facility.clone();
        }
        Ok(f)
    }

    /// Doctors the principal may list: a facility account sees those working there on the
    /// day; a doctor sees only themselves.
    pub fn doctor_filter(&self, mut f: DoctorFilter) -> Result<DoctorFilter, Denied> {
        f.pref = self.narrow_pref(f.pref)?;
        match self.role {
            Role::Facility => f.facility = self.facility.clone(),
            Role::Doctor => f.id = self.doctor.clone(),
            _ => {}
        }
        Ok(f)
    }

    /// Assignments the principal may list.
    pub fn assignment_filter(&self, mut f: AssignmentFilter) -> Result<AssignmentFilter, Denied> {
        f.pref = self.narrow_pref(f.pref)?;
        match self.role {
            Role::Facility => f.facility = self.facility.clone(),
            Role::Doctor => f.doctors = Some(self.doctor.iter().cloned().collect()),
            _ => {}
        }
        Ok(f)
    }

    /// Audit events the principal may read.
    pub fn audit_filter(&self, mut f: AuditFilter) -> Result<AuditFilter, Denied> {
        self.require(Permission::ReadAudit)?;
        f.pref = self.narrow_pref(f.pref)?;
        Ok(f)
    }

    /// Whether the principal may see this record at all (checked on every single read).
    /// `works_here` tells whether a doctor works at the principal's facility today.
    pub fn may_see(&self, record: &Record, works_here: bool) -> bool {
        let in_scope = |p: PrefCode| self.scope_pref().is_none_or(|s| s == p);
        match record {
            Record::Area(a) => in_scope(a.pref()),
            Record::Municipality(m) => in_scope(m.pref()),
            Record::Scheme(s) => in_scope(s.pref),
            Record::Programme(p) => in_scope(p.pref),
            Record::Facility(f) => match self.role {
                Role::Facility => self.facility.as_ref() == Some(&f.id),
                _ => in_scope(f.pref()),
            },
            Record::Doctor(d) => match self.role {
                Role::Doctor => self.doctor.as_ref() == Some(&d.id),
                Role::Facility => works_here && in_scope(d.pref),
                _ => in_scope(d.pref),
            },
            // Assignments are seen through their doctor.
            Record::Assignment(a) => match self.role {
                Role::Doctor => self.doctor.as_ref() == Some(&a.doctor),
                Role::Facility => {
                    matches!(&a.place, Some(Workplace::Registered { facility }) if Some(facility) == self.facility.as_ref())
                }
                _ => true,
            },
        }
    }

    /// Whether the principal may write this record: a coordinator only in its prefecture.
    pub fn may_write(&self, pref_of_record: PrefCode) -> bool {
        self.can(Permission::WriteRegister) && self.scope_pref().is_none_or(|s| s == pref_of_record)
    }

    /// Whether a facility's area is in scope (for area filters).
    pub fn sees_area(&self, area: AreaCode) -> bool {
        self.scope_pref().is_none_or(|s| s == area.pref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::AccountFields;
    use chiiki_domain::Name;

    pub fn principal(role: Role, pref: Option<u8>) -> Principal {
        let mut f = AccountFields {
            alliance: None,
            username: Username::parse("someone").unwrap(),
            display_name: Name::parse("架空").unwrap(),
            role,
            pref: pref.and_then(|p| PrefCode::new(p).ok()),
            facility: None,
            doctor: None,
            disabled: false,
        };
        if role == Role::Facility {
            f.facility = FacilityId::parse("F-1").ok();
        }
        if role == Role::Doctor {
            f.doctor = DoctorId::parse("D-1").ok();
        }
        Principal::from_account(&Account::new(f).unwrap())
    }

    #[test]
    fn permissions_by_role() {
        use Permission::*;
        let table = [
            (Role::Admin, [true, true, true, true]),
            (Role::Coordinator, [true, true, false, false]),
            (Role::Facility, [true, false, false, false]),
            (Role::Doctor, [true, false, false, false]),
            (Role::Auditor, [true, false, true, false]),
        ];
        for (role, expected) in table {
            let p = principal(role, Some(3));
            let got = [ReadRegister, WriteRegister, ReadAudit, ManageAccounts].map(|x| p.can(x));
            assert_eq!(got, expected, "{role:?}");
        }
    }

    #[test]
    fn scopes_narrow_and_never_widen() {
        let iwate = PrefCode::new(3).ok();
        let miyagi = PrefCode::new(4).ok();
        let c = principal(Role::Coordinator, Some(3));
        assert_eq!(
            c.doctor_filter(DoctorFilter::default()).unwrap().pref,
            iwate
        );
        assert!(
            c.doctor_filter(DoctorFilter {
                pref: miyagi,
                ..Default::default()
            })
            .is_err()
        );
        let a = principal(Role::Admin, None);
        assert_eq!(
            a.doctor_filter(DoctorFilter {
                pref: miyagi,
                ..Default::default()
            })
            .unwrap()
            .pref,
            miyagi
        );
        let d = principal(Role::Doctor, Some(3));
        assert_eq!(
            d.doctor_filter(DoctorFilter::default()).unwrap().id,
            DoctorId::parse("D-1").ok()
        );
        let f = principal(Role::Facility, Some(3));
        assert_eq!(
            f.doctor_filter(DoctorFilter::default()).unwrap().facility,
            FacilityId::parse("F-1").ok()
        );
        assert!(
            principal(Role::Coordinator, Some(3))
                .audit_filter(AuditFilter::default())
                .is_err()
        );
        assert_eq!(
            principal(Role::Auditor, Some(3))
                .audit_filter(AuditFilter::default())
                .unwrap()
                .pref,
            iwate
        );
        assert!(c.may_write(PrefCode::new(3).unwrap()) && !c.may_write(PrefCode::new(4).unwrap()));
    }
}
