use bazaar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// The request contradicts the current state; `code` is stable for clients.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("not enough stock for SKU {sku_id}: {available} available")]
    InsufficientStock { sku_id: i64, available: i64 },
    /// Identity refused (a membership check, say): it keeps its own kind and code.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CatalogError {
    fn from(err: diesel::result::Error) -> Self {
        CatalogError::Db(DbError::from(err))
    }
}

impl From<bazaar_identity::IdentityError> for CatalogError {
    fn from(err: bazaar_identity::IdentityError) -> Self {
        match err {
            bazaar_identity::IdentityError::Db(db) => CatalogError::Db(db),
            other => CatalogError::Identity(Box::new(other)),
        }
    }
}

impl CatalogError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> CatalogError {
        CatalogError::Invalid { field: field.into(), message: message.into() }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            CatalogError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
