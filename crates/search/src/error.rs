use bazaar_db::DbError;
use bazaar_kv::KvError;

/// Everything search can refuse or fail with; the gateway gives each a stable code.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
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
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl From<bazaar_identity::IdentityError> for SearchError {
    fn from(err: bazaar_identity::IdentityError) -> Self {
        match err {
            bazaar_identity::IdentityError::Db(db) => SearchError::Db(db),
            other => SearchError::Identity(Box::new(other)),
        }
    }
}

impl SearchError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> SearchError {
        SearchError::Invalid { field, message: message.into() }
    }
}

impl From<diesel::result::Error> for SearchError {
    fn from(err: diesel::result::Error) -> Self {
        SearchError::Db(DbError::from(err))
    }
}
