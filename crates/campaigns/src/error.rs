use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;

/// Everything campaigns can refuse or fail with. Errors of the crates below keep their kind.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Catalog(Box<bazaar_catalog::CatalogError>),
    #[error(transparent)]
    Checkout(Box<bazaar_checkout::CheckoutError>),
    #[error(transparent)]
    Promotions(Box<bazaar_promotions::PromotionError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

bazaar_db::errors_from_below!(CampaignError {
    Identity: bazaar_identity::IdentityError,
    Catalog: bazaar_catalog::CatalogError,
    Checkout: bazaar_checkout::CheckoutError,
    Promotions: bazaar_promotions::PromotionError
});

bazaar_core::refusal_constructors!(CampaignError);

impl Classify for CampaignError {
    fn classify(&self) -> Failure<'_> {
        match self {
            CampaignError::Refused(refusal) => Failure::Refused(refusal.clone()),
            CampaignError::Identity(error) => error.classify(),
            CampaignError::Catalog(error) => error.classify(),
            CampaignError::Checkout(error) => error.classify(),
            CampaignError::Promotions(error) => error.classify(),
            CampaignError::Db(db) => db.classify(),
        }
    }
}

/// A refusal at `field`, as an `Err` for [`bazaar_core::FieldChecks`].
pub(crate) fn refuse(field: &'static str, message: &str) -> Result<(), CampaignError> {
    Err(CampaignError::invalid(field, message))
}
