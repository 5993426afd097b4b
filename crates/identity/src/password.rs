//! Passwords: a strength rule, and argon2id hashing off the async workers with bounded concurrency.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// Why a password was refused.
pub fn strength_problem(password: &str, phone_digits: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some("must be at least 8 characters");
    }
    if length > MAX_LENGTH {
        return Some("must be at most 128 characters");
    }
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    let has_other = password.chars().any(|c| !c.is_alphanumeric());
    if [has_letter, has_digit, has_other].iter().filter(|&&kind| kind).count() < 2 {
        return Some("must mix at least two of letters, digits and symbols");
    }
    let digits: String = password.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 7 && phone_digits.contains(&digits) {
        return Some("must not be built from the phone number");
    }
    None
}

/// argon2id cost. The default is OWASP's (19 MiB, 2 passes, 1 lane); tests use cheaper settings.
#[derive(Debug, Clone, Copy)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Hashes and verifies on tokio's blocking pool. At most `concurrency` hashes run at once, so a
/// login storm cannot take every core from the requests that need none.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Arc<Argon2<'static>>,
    permits: Arc<Semaphore>,
    /// A hash of nothing in particular, verified when the phone is unknown so that "no such user"
    /// takes as long as "wrong password".
    decoy: Arc<String>,
}

impl PasswordHasher {
    pub fn new(cost: HashCost, concurrency: usize) -> Result<PasswordHasher, HashError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|err| HashError::Failed(err.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let decoy = hash_with(&argon2, "decoy password that nobody has")?;
        Ok(PasswordHasher {
            argon2: Arc::new(argon2),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy: Arc::new(decoy),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self.permits.acquire().await.map_err(|err| HashError::Failed(err.to_string()))?;
        let argon2 = self.argon2.clone();
        tokio::task::spawn_blocking(move || hash_with(&argon2, &password))
            .await
            .map_err(|err| HashError::Failed(err.to_string()))?
    }

    /// True if `password` matches `stored`; with no stored hash, burns the same time and says no.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, HashError> {
        let _permit = self.permits.acquire().await.map_err(|err| HashError::Failed(err.to_string()))?;
        let argon2 = self.argon2.clone();
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.to_string());
        let matched = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&stored).map_err(|err| HashError::Failed(err.to_string()))?;
            Ok::<_, HashError>(argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(|err| HashError::Failed(err.to_string()))??;
        Ok(known && matched)
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    // A fresh random salt per hash, from the operating system.
    argon2
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| HashError::Failed(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_rule() {
        assert_eq!(strength_problem("short1", ""), Some("must be at least 8 characters"));
        assert!(strength_problem("onlyletters", "").is_some());
        assert!(strength_problem("12345678", "").is_some());
        assert!(strength_problem("pass13800138000", "8613800138000").is_some());
        assert_eq!(strength_problem("shop-2026", ""), None);
        assert_eq!(strength_problem("密码很安全2026", ""), None);
    }

    #[tokio::test]
    async fn hashes_verify_and_decoys_never_match() {
        let hasher = PasswordHasher::new(HashCost { memory_kib: 1024, iterations: 1, parallelism: 1 }, 2).unwrap();
        let stored = hasher.hash("shop-2026".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(hasher.verify("shop-2026".into(), Some(stored.clone())).await.unwrap());
        assert!(!hasher.verify("shop-2027".into(), Some(stored)).await.unwrap());
        assert!(!hasher.verify("decoy password that nobody has".into(), None).await.unwrap());
    }
}
