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
    /// Connecting failed moments ago; refused at once until a probe connects again.
    #[error("the database is unreachable")]
    Unavailable,
    /// Writes failed a moment ago because the storage refused them (a full disk, a read-only
    /// file system); reported by the readiness check.
    #[error("writes were refused for want of storage a moment ago (a full disk or a read-only file system)")]
    StorageFault,
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

    /// True when the database, not the query, failed: a connection a server restart broke, a full
    /// disk, a file system turned read-only. The same request can succeed once it recovers, so
    /// these are 503s, not 500s.
    pub fn is_outage(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match self {
            DbError::Query(Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _)) => true,
            DbError::Query(Error::DatabaseError(_, info)) => {
                let message = info.message();
                DbError::is_storage_message(message) || message.to_ascii_lowercase().contains("terminating connection")
            }
            DbError::StorageFault => true,
            _ => false,
        }
    }

    /// Whether an error's text says the storage refused a write: a full disk, a read-only file
    /// system, an I/O error.
    pub fn is_storage_message(message: &str) -> bool {
        let message = message.to_ascii_lowercase();
        ["database or disk is full", "readonly database", "disk i/o error", "disk full", "no space left"]
            .iter()
            .any(|sign| message.contains(sign))
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
            other if other.is_outage() => Failure::Unavailable {
                code: "database_unavailable",
                message: "The database is busy or unreachable; try again shortly.",
                cause: other,
            },
            DbError::Pool(_) | DbError::Busy(_) | DbError::Unavailable | DbError::Connect { .. } => {
                Failure::Unavailable {
                    code: "database_unavailable",
                    message: "The database is busy or unreachable; try again shortly.",
                    cause: self,
                }
            }
            other => Failure::Internal(other),
        }
    }
}

/// The conversions every domain crate's error needs, written once: a diesel error becomes its
/// `Db` variant, and each error of a crate below comes in boxed under its variant — except a
/// database error, which joins the caller's own `Db` (so "a unique key raced" reads the same
/// whichever crate ran the statement). The others keep their kind through `classify`.
///
/// `bazaar_db::errors_from_below!(ChatError { Identity: bazaar_identity::IdentityError })`
#[macro_export]
macro_rules! errors_from_below {
    ($outer:ident { $($variant:ident: $($inner:ident)::+),* $(,)? }) => {
        impl From<diesel::result::Error> for $outer {
            fn from(err: diesel::result::Error) -> Self {
                $outer::Db($crate::DbError::from(err))
            }
        }
        $(impl From<$($inner)::+> for $outer {
            fn from(err: $($inner)::+) -> Self {
                match err {
                    $($inner)::+::Db(db) => $outer::Db(db),
                    other => $outer::$variant(Box::new(other)),
                }
            }
        })*
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_core::{Classify, Failure};
    use diesel::result::{DatabaseErrorKind as Kind, Error};

    fn database_error(kind: Kind, message: &str) -> DbError {
        DbError::Query(Error::DatabaseError(kind, Box::new(message.to_string())))
    }

    #[test]
    fn storage_faults_are_503s_and_query_bugs_500s() {
        for outage in [
            database_error(Kind::ClosedConnection, "server closed the connection unexpectedly"),
            database_error(Kind::Unknown, "database or disk is full"),
            database_error(Kind::Unknown, "attempt to write a readonly database"),
            database_error(Kind::Unknown, "terminating connection due to administrator command"),
            DbError::Unavailable,
        ] {
            assert!(matches!(outage.classify(), Failure::Unavailable { .. }), "{outage}");
        }
        let bug = database_error(Kind::Unknown, "syntax error at or near \"SELEC\"");
        assert!(matches!(bug.classify(), Failure::Internal(_)));
    }
}
