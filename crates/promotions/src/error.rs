use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;

/// Everything promotions can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum PromotionError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Identity refused (a membership check): it keeps its own kind and code.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Catalog(Box<bazaar_catalog::CatalogError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

bazaar_db::errors_from_below!(PromotionError {
    Identity: bazaar_identity::IdentityError,
    Catalog: bazaar_catalog::CatalogError
});

bazaar_core::refusal_constructors!(PromotionError);

impl Classify for PromotionError {
    fn classify(&self) -> Failure<'_> {
        match self {
            PromotionError::Refused(refusal) => Failure::Refused(refusal.clone()),
            PromotionError::Identity(identity) => identity.classify(),
            PromotionError::Catalog(catalog) => catalog.classify(),
            PromotionError::Db(db) => db.classify(),
        }
    }
}
