//! (being written)

use crate::access::Principal;
use chiiki_domain::{DocScope, Role};

/// The seminars of the principal's navigation: the centre's (a coordinator's or an auditor's
/// prefecture), none for others (an alliance's secretariat reaches its joint training from
/// its alliance's page).
pub fn seminar_home(who: &Principal) -> Option<DocScope> {
    match who.role {
        Role::Coordinator | Role::Auditor => who.pref.map(DocScope::Pref),
        _ => None,
    }
}

/// Loads this capability's synthetic demo data (being written).
pub async fn load_demo(_store: &dyn chiiki_store::Store) -> Result<(), crate::AppError> {
    Ok(())
}
