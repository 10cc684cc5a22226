//! (being written)

use crate::access::Principal;
use chiiki_domain::Role;

/// Whether the doctor bank is in the principal's navigation: the centre's staff, facilities
/// (their posts) and doctors (their profile and applications); not an alliance's
/// secretariat.
pub fn may_open(who: &Principal) -> bool {
    who.pref.is_some() && who.role != Role::Secretariat
}
