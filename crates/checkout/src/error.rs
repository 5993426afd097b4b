//! Everything checkout can refuse or fail with; the gateway gives each a stable code.

use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// One of the everyday refusals (invalid field, not found, forbidden, conflict).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the order is {current}; it cannot become {wanted}")]
    InvalidTransition { current: String, wanted: String },
    /// Catalog refused (a SKU that vanished under a reservation, say): it keeps its kind.
    #[error(transparent)]
    Catalog(Box<bazaar_catalog::CatalogError>),
    /// Identity refused (a membership check): it keeps its kind.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    /// Promotions refused (a coupon another order took first, say): it keeps its kind.
    #[error(transparent)]
    Promotion(Box<bazaar_promotions::PromotionError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

bazaar_db::errors_from_below!(CheckoutError {
    Catalog: bazaar_catalog::CatalogError,
    Identity: bazaar_identity::IdentityError,
    Promotion: bazaar_promotions::PromotionError
});

bazaar_core::refusal_constructors!(CheckoutError);

impl Classify for CheckoutError {
    fn classify(&self) -> Failure<'_> {
        match self {
            CheckoutError::Refused(refusal) => Failure::Refused(refusal.clone()),
            CheckoutError::InvalidTransition { current, .. } => Failure::Refused(
                Refusal::conflict("invalid_transition", self.to_string()).with("current_status", current.as_str()),
            ),
            CheckoutError::Catalog(catalog) => catalog.classify(),
            CheckoutError::Identity(identity) => identity.classify(),
            CheckoutError::Promotion(promotion) => promotion.classify(),
            CheckoutError::Db(db) => db.classify(),
        }
    }
}
