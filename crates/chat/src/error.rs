use bazaar_db::DbError;
use bazaar_kv::KvError;

/// Everything chat can refuse or fail with; the gateway gives each a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// Also what an outsider gets for a conversation that exists: it is private, so its existence is too.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("the shop has blocked this conversation; messages to it are refused")]
    Blocked,
    /// The sender's messages per window, counted across REST and all their connections.
    #[error("too many messages; wait before sending more")]
    RateLimited { retry_after: std::time::Duration },
    /// Identity refused: it keeps its own kind and code.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl ChatError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> ChatError {
        ChatError::Invalid { field, message: message.into() }
    }

    /// Two writers raced to create the same row (PostgreSQL reports it at commit); running again
    /// finds the winner's row.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            ChatError::Db(DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            )))
        )
    }
}

impl From<diesel::result::Error> for ChatError {
    fn from(err: diesel::result::Error) -> Self {
        ChatError::Db(DbError::from(err))
    }
}

impl From<bazaar_identity::IdentityError> for ChatError {
    fn from(err: bazaar_identity::IdentityError) -> Self {
        match err {
            bazaar_identity::IdentityError::Db(db) => ChatError::Db(db),
            other => ChatError::Identity(Box::new(other)),
        }
    }
}
