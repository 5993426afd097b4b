//! Everything checkout can refuse or fail with; the gateway gives each a stable code.

use bazaar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("not enough stock for SKU {sku_id}: {available} available")]
    OutOfStock { sku_id: i64, available: i64 },
    #[error("the order is {current}; it cannot become {wanted}")]
    InvalidTransition { current: String, wanted: String },
    #[error("{0}")]
    Forbidden(&'static str),
    /// Catalog refused (a SKU that vanished under a reservation, say): it keeps its kind.
    #[error(transparent)]
    Catalog(Box<bazaar_catalog::CatalogError>),
    /// Identity refused (a membership check): it keeps its kind.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CheckoutError {
    fn from(err: diesel::result::Error) -> Self {
        CheckoutError::Db(DbError::from(err))
    }
}

impl From<bazaar_catalog::CatalogError> for CheckoutError {
    fn from(err: bazaar_catalog::CatalogError) -> Self {
        match err {
            bazaar_catalog::CatalogError::Db(db) => CheckoutError::Db(db),
            bazaar_catalog::CatalogError::InsufficientStock { sku_id, available } => {
                CheckoutError::OutOfStock { sku_id, available }
            }
            other => CheckoutError::Catalog(Box::new(other)),
        }
    }
}

impl From<bazaar_identity::IdentityError> for CheckoutError {
    fn from(err: bazaar_identity::IdentityError) -> Self {
        match err {
            bazaar_identity::IdentityError::Db(db) => CheckoutError::Db(db),
            other => CheckoutError::Identity(Box::new(other)),
        }
    }
}
