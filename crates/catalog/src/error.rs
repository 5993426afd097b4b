use bazaar_core::ids::SkuId;
use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// One of the everyday refusals (invalid field, not found, forbidden, conflict).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("not enough stock for SKU {sku_id}: {available} available")]
    InsufficientStock { sku_id: SkuId, available: i64 },
    /// Identity refused (a membership check, say): it keeps its own kind and code.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Db(#[from] DbError),
    /// The kv store (the visitor counts) did not answer.
    #[error(transparent)]
    Kv(#[from] bazaar_kv::KvError),
}

bazaar_db::errors_from_below!(CatalogError { Identity: bazaar_identity::IdentityError });

bazaar_core::refusal_constructors!(CatalogError);

impl CatalogError {
    pub fn field(&self) -> Option<&str> {
        match self {
            CatalogError::Refused(refusal) => refusal.field(),
            _ => None,
        }
    }
}

impl Classify for CatalogError {
    fn classify(&self) -> Failure<'_> {
        match self {
            CatalogError::Refused(refusal) => Failure::Refused(refusal.clone()),
            CatalogError::InsufficientStock { sku_id, available } => Failure::Refused(
                Refusal::conflict("out_of_stock", self.to_string())
                    .with("sku_id", *sku_id)
                    .with("available", *available),
            ),
            CatalogError::Identity(identity) => identity.classify(),
            CatalogError::Db(db) => db.classify(),
            CatalogError::Kv(kv) => kv.classify(),
        }
    }
}
