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

impl From<diesel::result::Error> for PromotionError {
    fn from(err: diesel::result::Error) -> Self {
        PromotionError::Db(DbError::from(err))
    }
}

impl From<bazaar_identity::IdentityError> for PromotionError {
    fn from(err: bazaar_identity::IdentityError) -> Self {
        PromotionError::Identity(Box::new(err))
    }
}

impl From<bazaar_catalog::CatalogError> for PromotionError {
    fn from(err: bazaar_catalog::CatalogError) -> Self {
        PromotionError::Catalog(Box::new(err))
    }
}

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
