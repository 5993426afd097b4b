use std::path::PathBuf;

/// Everything storage can fail with. The gateway maps these to problem+json once.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {reason}")]
    InvalidUrl { reason: String },
    #[error("cannot use the data directory {}: {source}", path.display())]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("cannot connect to {backend}: {source}")]
    Connect { backend: crate::Backend, source: diesel::ConnectionError },
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("no database connection came free within {0:?}")]
    Busy(std::time::Duration),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database task was cancelled or panicked")]
    TaskFailed,
    /// A value we store as text (JSON snapshots, cached answers) could not be written or read
    /// back: our bug or a damaged row, never the client's fault.
    #[error("stored data could not be encoded or decoded: {0}")]
    Stored(String),
}

impl DbError {
    /// True when the row asked for does not exist (so callers can answer 404, not 500).
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::Query(diesel::result::Error::NotFound))
    }

    /// True when a unique key refused the write: a concurrent request inserted the same key first.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
        )
    }
}

impl bazaar_core::Classify for DbError {
    fn classify(&self) -> bazaar_core::Failure<'_> {
        use bazaar_core::{Failure, Refusal};
        if self.is_not_found() {
            return Failure::Refused(Refusal::not_found("resource"));
        }
        // A unique key lost a race with a concurrent request that got there first: the request can
        // simply be sent again, so it is a 409 with a code, never a 500.
        if self.is_unique_violation() {
            tracing::warn!(cause = %self, "unique-key race answered 409");
            return Failure::Refused(Refusal::conflict(
                "concurrent_change",
                "A simultaneous request changed this first; try again.",
            ));
        }
        match self {
            DbError::Pool(_) | DbError::Busy(_) | DbError::Connect { .. } => Failure::Unavailable {
                code: "database_unavailable",
                message: "The database is busy or unreachable; try again shortly.",
                cause: self,
            },
            other => Failure::Internal(other),
        }
    }
}
