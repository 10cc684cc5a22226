//! The audit trail, as auditors and administrators read it.

use chiiki_store::{AuditEvent, AuditFilter, Page, Store};

use crate::AppError;
use crate::access::Principal;

/// Audit events in the principal's scope, newest first. Only auditors and administrators.
pub async fn list(
    store: &dyn Store,
    who: &Principal,
    filter: AuditFilter,
) -> Result<Page<AuditEvent>, AppError> {
    let filter = who.audit_filter(filter)?;
    Ok(store.list_audit(&filter).await?)
}
