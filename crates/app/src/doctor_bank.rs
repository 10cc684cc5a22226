//! (being written)

use crate::access::Principal;
use chiiki_domain::Role;

/// Whether the doctor bank is in the principal's navigation: the centre's staff, facilities
/// (their posts) and doctors (their profile and applications); not an alliance's
/// secretariat.
pub fn may_open(who: &Principal) -> bool {
    who.pref.is_some() && who.role != Role::Secretariat
}

/// Loads this capability's synthetic demo data (being written).
pub async fn load_demo(_store: &dyn chiiki_store::Store) -> Result<(), crate::AppError> {
    Ok(())
}
