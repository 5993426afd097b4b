use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;
use bazaar_kv::KvError;

/// Everything search can refuse or fail with; the gateway gives each a stable code.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// One of the everyday refusals (invalid field, not found, forbidden, conflict).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A query with nothing to search for (empty, or only words like 的 / the).
    #[error("the query has nothing to search for; type a product, brand or category")]
    EmptyQuery,
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Io(String),
    /// Identity refused (the caller is not an administrator): it keeps its kind.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    /// A read through catalog (the index feed): it keeps its kind.
    #[error(transparent)]
    Catalog(Box<bazaar_catalog::CatalogError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

bazaar_db::errors_from_below!(SearchError {
    Identity: bazaar_identity::IdentityError,
    Catalog: bazaar_catalog::CatalogError
});

bazaar_core::refusal_constructors!(SearchError);

impl Classify for SearchError {
    fn classify(&self) -> Failure<'_> {
        match self {
            SearchError::Refused(refusal) => Failure::Refused(refusal.clone()),
            SearchError::EmptyQuery => Failure::Refused(Refusal::BadRequest {
                code: "empty_query",
                field: Some("q"),
                message: self.to_string(),
            }),
            SearchError::Index(_) | SearchError::Io(_) => Failure::Internal(self),
            SearchError::Identity(identity) => identity.classify(),
            SearchError::Catalog(catalog) => catalog.classify(),
            SearchError::Db(db) => db.classify(),
            SearchError::Kv(kv) => kv.classify(),
        }
    }
}
