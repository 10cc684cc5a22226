//! The domain model of chiiki: validated values and the invariants between them.
//!
//! Nothing here does I/O. Every type that stands for a value from the outside world
//! (a code, a date, a name, a number of beds) is a newtype that can only be built through
//! validation, so that an invalid value cannot exist anywhere in the program. Records whose
//! fields depend on one another (a facility's municipality and area, a doctor's birth and
//! graduation, a period's start and end) are built through a constructor that checks them,
//! also when deserialised.

/// A record built only through its checking `new` from its fields: deserialised through it,
/// serialised as its fields, read through `Deref` and `fields()`.
macro_rules! checked_record {
    ($record:ident, $fields:ident) => {
        impl TryFrom<$fields> for $record {
            type Error = $crate::ValueError;
            fn try_from(f: $fields) -> Result<Self, $crate::ValueError> {
                $record::new(f)
            }
        }
        impl From<$record> for $fields {
            fn from(r: $record) -> Self {
                r.0
            }
        }
        impl std::ops::Deref for $record {
            type Target = $fields;
            fn deref(&self) -> &$fields {
                &self.0
            }
        }
        impl $record {
            pub fn fields(&self) -> &$fields {
                &self.0
            }
        }
    };
}

pub mod account;
pub mod alliance;
pub mod assignment;
pub mod codes;
pub mod date;
pub mod dispatch;
pub mod doctor;
pub mod doctor_bank;
pub mod document;
pub mod entity;
pub mod error;
pub mod facility;
pub mod labels;
pub mod mutual_aid;
pub mod name;
pub mod placement;
pub mod procurement;
pub mod quantity;
pub mod region;
pub mod rotation;
#[cfg(any(test, feature = "samples"))]
pub mod samples;
pub mod scheme;
pub mod text;
pub mod time;
pub mod training;

pub use account::{Account, AccountFields, Role, Username};
pub use alliance::{
    Alliance, AllianceFields, AllianceMember, AllianceMemberFields, Booking, BookingFields,
    Equipment, EquipmentFields, LoanMonth, MemberFacility, StaffLoan, StaffLoanFields,
};
pub use assignment::{
    Assignment, AssignmentFields, OverFullTime, Overload, Workplace, over_full_time, overloads,
};
pub use codes::{
    AllianceId, AreaCode, AssignmentId, DoctorId, FacilityId, LgCode, PrefCode, ProgrammeId,
    SchemeId,
};
pub use date::{NaiveDate, format_iso, format_wareki, parse_date};
pub use dispatch::{
    Dispatch, DispatchOffer, DispatchRequest, DispatchRun, DutyRosterVersion, HoursReport,
    Publication, RequestState,
};
pub use doctor::{Doctor, DoctorFields, Enrolment};
pub use document::{DocScope, Document};
pub use entity::{Entity, Record};
pub use error::{ValueError, normalize};
pub use facility::{Facility, FacilityFields};
pub use labels::{
    AssignmentKind, DutyKind, EmergencyLevel, FacilityGroup, FacilityKind, LoanRole,
    MemberFacilityKind, RegisterStatus, Sex, Specialty, Urgency, WorkHourLevel,
};
pub use name::{Email, Kana, Name, Phone};
pub use placement::{
    AreaLimit, Decision, PostRequest, PreferenceList, PriorityRule, Rationale, Round, RoundId, Run,
};
pub use quantity::{Amount, Beds, Coordinates, Fte, parse_count};
pub use region::{Municipality, MunicipalityKind, SecondaryArea};
pub use rotation::{Adoption, PlanVersion};
pub use scheme::{Programme, Scheme};
pub use text::{Explain, Lang, Msg};
pub use time::{FiscalYear, Period};
