use bazaar_db::DbError;
use bazaar_kv::KvError;
use std::time::Duration;

/// Everything identity can refuse or fail with; the gateway gives each a stable code.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("password {0}")]
    WeakPassword(&'static str),
    #[error("this phone number is already registered")]
    PhoneTaken,
    #[error("wrong phone number or password")]
    InvalidCredentials,
    #[error("{0}")]
    InvalidToken(String),
    #[error("the access token has expired")]
    TokenExpired,
    #[error("authentication required")]
    Unauthenticated,
    #[error("this session has been signed out")]
    SessionRevoked,
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    #[error("this refresh token was already used; the session has been signed out everywhere it was used")]
    RefreshTokenReused,
    #[error("there is no valid code for this number; request a new one")]
    OtpExpired,
    #[error("wrong code; {attempts_left} attempts left")]
    OtpWrong { attempts_left: i64 },
    #[error("too many wrong codes; this code no longer works, request a new one")]
    OtpBurned,
    #[error("too many requests; retry in {} s", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("the SMS could not be sent: {0}")]
    SmsFailed(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// A request that contradicts the current state; `code` is stable for clients to branch on.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("at most {0} addresses are allowed")]
    TooManyAddresses(usize),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl From<diesel::result::Error> for IdentityError {
    fn from(err: diesel::result::Error) -> Self {
        IdentityError::Db(DbError::from(err))
    }
}

impl From<crate::password::HashError> for IdentityError {
    fn from(err: crate::password::HashError) -> Self {
        IdentityError::Hashing(err.to_string())
    }
}

impl IdentityError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> IdentityError {
        IdentityError::Invalid { field, message: message.into() }
    }
}

/// True for a unique-constraint violation (both backends report it the same way through diesel).
pub(crate) fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(err, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}
