//! (being written)

/// Loads this capability's synthetic demo data (being written).
pub async fn load_demo(_store: &dyn chiiki_store::Store) -> Result<(), crate::AppError> {
    Ok(())
}
