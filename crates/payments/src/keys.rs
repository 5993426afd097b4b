//! Sandbox key material: generated on first use into one file under the data directory (written
//! whole and renamed into place, so concurrent first runs never mix halves of two key sets), then
//! reused. Real deployments configure their own keys and never touch this file.

use crate::crypto::{CryptoError, generate_key_pair, random_token};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const SANDBOX_KEYS_FILE: &str = "sandbox-payment-keys.json";

/// A key pair as PEM text.
#[derive(Clone, Serialize, Deserialize)]
pub struct PemPair {
    pub private_pem: String,
    pub public_pem: String,
}

impl std::fmt::Debug for PemPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PemPair(<redacted>)")
    }
}

/// Both sides of every sandbox provider: the merchant's (Bazaar's) keys and identifiers, and the
/// provider's own signing keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxKeys {
    pub alipay_app_id: String,
    pub alipay_app: PemPair,
    pub alipay_platform: PemPair,
    pub wechat_mchid: String,
    pub wechat_appid: String,
    pub wechat_merchant_serial: String,
    pub wechat_merchant: PemPair,
    pub wechat_platform_key_id: String,
    pub wechat_platform: PemPair,
    pub wechat_apiv3_key: String,
    pub unionpay_mer_id: String,
    pub unionpay_cert_id: String,
    pub unionpay_merchant: PemPair,
    pub unionpay_platform: PemPair,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot use the sandbox key file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the sandbox key file {} is unreadable ({reason}); delete it to generate new keys", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl SandboxKeys {
    /// Reads `<dir>/sandbox-payment-keys.json`, generating it (owner-only) when missing.
    pub fn load_or_generate(dir: &Path) -> Result<SandboxKeys, KeyFileError> {
        let path = dir.join(SANDBOX_KEYS_FILE);
        let io = |source| KeyFileError::Io { path: path.clone(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return serde_json::from_str(&text)
                    .map_err(|err| KeyFileError::Corrupt { path: path.clone(), reason: err.to_string() });
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(io(err)),
        }
        let keys = SandboxKeys::generate()?;
        std::fs::create_dir_all(dir).map_err(io)?;
        let temporary = dir.join(format!(".{SANDBOX_KEYS_FILE}.{}", random_token(8)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary).map_err(io)?;
        let text = serde_json::to_string_pretty(&keys).map_err(|err| io(std::io::Error::other(err)))?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        // If another process won the race, its file stands and we use it: one key set only.
        if std::fs::hard_link(&temporary, &path).is_err() {
            let _ = std::fs::remove_file(&temporary);
            return SandboxKeys::load_or_generate(dir);
        }
        let _ = std::fs::remove_file(&temporary);
        tracing::info!(path = %path.display(), "generated sandbox payment keys");
        Ok(keys)
    }

    fn generate() -> Result<SandboxKeys, CryptoError> {
        let pair = || generate_key_pair().map(|(private_pem, public_pem)| PemPair { private_pem, public_pem });
        Ok(SandboxKeys {
            alipay_app_id: "2021000000000001".into(),
            alipay_app: pair()?,
            alipay_platform: pair()?,
            wechat_mchid: "1900000001".into(),
            wechat_appid: "wxbazaarsandbox01".into(),
            wechat_merchant_serial: random_token(40).to_uppercase(),
            wechat_merchant: pair()?,
            wechat_platform_key_id: format!("PUB_KEY_ID_{}", random_token(24).to_uppercase()),
            wechat_platform: pair()?,
            wechat_apiv3_key: random_token(32),
            unionpay_mer_id: "777290058110048".into(),
            unionpay_cert_id: format!("{}", 68_759_585_097u64 + u64::from(rand::random::<u16>())),
            unionpay_merchant: pair()?,
            unionpay_platform: pair()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SandboxKeys::load_or_generate(dir.path()).unwrap();
        let second = SandboxKeys::load_or_generate(dir.path()).unwrap();
        assert_eq!(first.alipay_app.private_pem, second.alipay_app.private_pem);
        assert_eq!(first.wechat_apiv3_key.len(), 32);
        assert!(!format!("{first:?}").contains("PRIVATE"));
        std::fs::write(dir.path().join(SANDBOX_KEYS_FILE), "{").unwrap();
        assert!(matches!(SandboxKeys::load_or_generate(dir.path()), Err(KeyFileError::Corrupt { .. })));
    }
}
