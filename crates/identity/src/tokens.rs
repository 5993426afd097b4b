//! Access tokens (short-lived JWT, HS256 pinned, `kid` for key rotation, issuer and audience
//! checked) and refresh tokens (random, long-lived, stored only as a SHA-256 hash).

use crate::Role;
use bazaar_core::ids::{SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

pub const ISSUER: &str = "bazaar";
pub const AUDIENCE: &str = "bazaar-app";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user id, as a string per RFC 7519.
    pub sub: String,
    /// The session (device) this token belongs to; revoking it ends the token early.
    pub sid: SessionId,
    pub roles: Vec<Role>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid: {0}")]
    Invalid(String),
}

/// Signing and verification keys. New tokens are signed with the current secret; tokens signed
/// with a previous secret still verify until they expire, which is how the secret is rotated.
pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    access_ttl: Duration,
}

/// The key id: a short digest of the secret, so it names the key without revealing it.
pub fn key_id(secret: &str) -> String {
    hex::encode(&Sha256::digest(secret.as_bytes())[..6])
}

impl TokenKeys {
    pub fn new(current_secret: &str, previous_secrets: &[String], access_ttl: Duration) -> TokenKeys {
        let mut decoding = HashMap::new();
        for secret in std::iter::once(current_secret).chain(previous_secrets.iter().map(String::as_str)) {
            decoding.insert(key_id(secret), DecodingKey::from_secret(secret.as_bytes()));
        }
        // Pinned to HS256: a token naming any other algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        TokenKeys {
            kid: key_id(current_secret),
            encoding: EncodingKey::from_secret(current_secret.as_bytes()),
            decoding,
            validation,
            access_ttl,
        }
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// Signs an access token; returns it with its lifetime in seconds.
    pub fn issue_access(
        &self,
        user_id: UserId,
        session_id: SessionId,
        roles: Vec<Role>,
        now_unix: i64,
    ) -> (String, u64) {
        let ttl = self.access_ttl.as_secs();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            sid: session_id,
            roles,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now_unix,
            exp: now_unix + i64::try_from(ttl).unwrap_or(i64::MAX / 2),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        // HS256 over serialisable claims cannot fail; an empty token would simply not verify.
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap_or_default();
        (token, ttl)
    }

    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|err| TokenError::Invalid(err.to_string()))?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid("unexpected algorithm".into()));
        }
        let kid = header.kid.ok_or_else(|| TokenError::Invalid("no key id".into()))?;
        let key = self.decoding.get(&kid).ok_or_else(|| TokenError::Invalid("unknown key id".into()))?;
        jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation).map(|data| data.claims).map_err(|err| {
            match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(err.to_string()),
            }
        })
    }
}

/// A new refresh token and the hash to store for it.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The refresh token that replaces `spent` when it is rotated: derived from it under the server's
/// key, so a double-submitted refresh (two taps, a retry after a lost answer) can be answered
/// with the same new token instead of being taken for theft. Unguessable without both the spent
/// token and the key; shaped like [`new_refresh_token`]'s.
pub fn successor_refresh_token(key: &[u8], spent: &str) -> (String, String) {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"bazaar refresh successor|");
    mac.update(spent.as_bytes());
    let token = hex::encode(mac.finalize().into_bytes());
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// Refresh tokens carry 256 random bits, so a plain SHA-256 is enough to make a stolen table useless.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(secret, &[], Duration::from_secs(900))
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trip() {
        let keys = keys("0123456789abcdef0123456789abcdef");
        let (token, ttl) = keys.issue_access(UserId(7), SessionId(3), vec![Role::Buyer], now());
        assert_eq!(ttl, 900);
        let claims = keys.verify_access(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid), ("7", SessionId(3)));
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let keys = keys("0123456789abcdef0123456789abcdef");
        let (old, _) = keys.issue_access(UserId(7), SessionId(3), vec![], now() - 3600);
        assert_eq!(keys.verify_access(&old), Err(TokenError::Expired));
        let other = super::TokenKeys::new("another-secret-another-secret-xx", &[], Duration::from_secs(900));
        let (foreign, _) = other.issue_access(UserId(7), SessionId(3), vec![], now());
        assert!(matches!(keys.verify_access(&foreign), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn rotated_keys_still_verify_old_tokens() {
        let old_secret = "old-secret-old-secret-old-secret";
        let (token, _) = keys(old_secret).issue_access(UserId(1), SessionId(1), vec![], now());
        let rotated = TokenKeys::new("new-secret-new-secret-new-secret", &[old_secret.into()], Duration::from_secs(60));
        assert!(rotated.verify_access(&token).is_ok());
    }

    #[test]
    fn refresh_tokens_are_stored_hashed() {
        let (token, hash) = new_refresh_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, hash);
        assert_eq!(hash_refresh_token(&token), hash);
    }
}
