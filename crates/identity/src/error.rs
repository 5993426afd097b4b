use bazaar_core::{Classify, Failure, Refusal};
use bazaar_db::DbError;
use bazaar_kv::KvError;
use std::time::Duration;

/// Everything identity can refuse or fail with; the gateway gives each a stable code.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// One of the everyday refusals (invalid field, not found, forbidden, conflict).
    #[error(transparent)]
    Refused(#[from] Refusal),
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
    #[error("at most {0} addresses are allowed")]
    TooManyAddresses(usize),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl From<crate::password::HashError> for IdentityError {
    fn from(err: crate::password::HashError) -> Self {
        IdentityError::Hashing(err.to_string())
    }
}

bazaar_db::errors_from_below!(IdentityError {});

bazaar_core::refusal_constructors!(IdentityError);

impl Classify for IdentityError {
    fn classify(&self) -> Failure<'_> {
        use IdentityError as E;
        let detail = self.to_string();
        let refused = match self {
            E::Refused(refusal) => refusal.clone(),
            E::WeakPassword(_) => Refusal::Invalid { field: "password".into(), code: "weak_password", message: detail },
            E::PhoneTaken => Refusal::conflict("phone_taken", detail).at_field("phone"),
            E::InvalidCredentials => Refusal::unauthenticated("invalid_credentials", detail),
            E::InvalidToken(_) => Refusal::unauthenticated("invalid_token", detail),
            E::TokenExpired => Refusal::unauthenticated("token_expired", detail),
            E::Unauthenticated => Refusal::unauthenticated("unauthenticated", detail),
            E::SessionRevoked => Refusal::unauthenticated("session_revoked", detail),
            E::InvalidRefreshToken => Refusal::unauthenticated("invalid_refresh_token", detail),
            E::RefreshTokenReused => Refusal::unauthenticated("refresh_token_reused", detail),
            E::OtpExpired => Refusal::unauthenticated("otp_expired", detail).at_field("code"),
            E::OtpWrong { attempts_left } => {
                Refusal::unauthenticated("otp_invalid", detail).at_field("code").with("attempts_left", *attempts_left)
            }
            E::OtpBurned => Refusal::unauthenticated("otp_burned", detail).at_field("code"),
            E::RateLimited { retry_after } => Refusal::rate_limited(detail, *retry_after),
            E::TooManyAddresses(_) => Refusal::conflict("too_many_addresses", detail),
            E::SmsFailed(_) => {
                return Failure::Unavailable {
                    code: "sms_unavailable",
                    message: "The SMS could not be sent; try again shortly.",
                    cause: self,
                };
            }
            E::Hashing(_) => return Failure::Internal(self),
            E::Db(db) => return db.classify(),
            E::Kv(kv) => return kv.classify(),
        };
        Failure::Refused(refused)
    }
}

/// True for a unique-constraint violation (both backends report it the same way through diesel).
pub(crate) fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(err, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}
