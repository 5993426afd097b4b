use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;
use bazaar_kv::KvError;

/// Everything chat can refuse or fail with; the gateway gives each a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The everyday refusals. Not found is also what an outsider gets for a conversation that
    /// exists: it is private, so its existence is too.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the shop has blocked this conversation; messages to it are refused")]
    Blocked,
    /// The sender's messages per window, counted across REST and all their connections.
    #[error("too many messages; wait before sending more")]
    RateLimited { retry_after: std::time::Duration },
    /// Identity refused: it keeps its own kind and code.
    #[error(transparent)]
    Identity(Box<bazaar_identity::IdentityError>),
    /// Catalog or checkout refused (reading a card's product or order): each keeps its kind.
    #[error(transparent)]
    Catalog(Box<bazaar_catalog::CatalogError>),
    #[error(transparent)]
    Checkout(Box<bazaar_checkout::CheckoutError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl ChatError {
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

bazaar_db::errors_from_below!(ChatError {
    Identity: bazaar_identity::IdentityError,
    Catalog: bazaar_catalog::CatalogError,
    Checkout: bazaar_checkout::CheckoutError
});

bazaar_core::refusal_constructors!(ChatError);

impl Classify for ChatError {
    fn classify(&self) -> Failure<'_> {
        match self {
            ChatError::Refused(refusal) => Failure::Refused(refusal.clone()),
            ChatError::Blocked => {
                Failure::Refused(Refusal::Forbidden { code: "chat_blocked", message: self.to_string().into() })
            }
            ChatError::RateLimited { retry_after } => {
                Failure::Refused(Refusal::rate_limited(self.to_string(), *retry_after))
            }
            ChatError::Identity(identity) => identity.classify(),
            ChatError::Catalog(catalog) => catalog.classify(),
            ChatError::Checkout(checkout) => checkout.classify(),
            ChatError::Db(db) => db.classify(),
            ChatError::Kv(kv) => kv.classify(),
        }
    }
}
