//! Payment sandboxes: Alipay, WeChat Pay and UnionPay as a phone and a merchant see them on the
//! wire (signed requests checked, answers and notifications signed with the provider's own keys),
//! and a wallet that pays or declines pending trades and then notifies the merchant over real
//! HTTP on the provider's retry schedule. State lives in this process: it stands in for an outside
//! service during development and tests, and is off in production configuration.
//!
//! The gateway serves it; this crate sees requests only as method, path, headers and bytes.

mod alipay;
mod config;
mod notify;
mod trades;
mod unionpay;
mod wallet;
mod wechat;

pub use alipay::GatewayAnswer;
pub use config::SandboxConfig;
pub use notify::{Delivery, NotifyOptions};
pub use trades::SandboxState;
pub use wallet::{WalletAction, WalletError, WalletOutcome};

use bazaar_payments::crypto::{CryptoError, PrivateKey, PublicKey};
use bazaar_payments::keys::SandboxKeys;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An HTTP answer in the provider's dialect.
#[derive(Debug, Clone)]
pub struct WireResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl WireResponse {
    fn new(status: u16, content_type: &'static str, body: String) -> WireResponse {
        WireResponse { status, content_type, headers: Vec::new(), body }
    }
}

/// The providers' own keys, and the merchant's public keys they verify with.
struct ProviderKeys {
    alipay_platform: PrivateKey,
    alipay_app: PublicKey,
    wechat_platform: PrivateKey,
    wechat_merchant: PublicKey,
    unionpay_platform: PrivateKey,
    unionpay_merchant: PublicKey,
}

#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    ids: SandboxKeys,
    keys: ProviderKeys,
    /// Where links a phone opens point (`<public_url>/sandbox/...`).
    public_url: String,
    /// Pauses between notification attempts (the providers' schedules, compressible for tests).
    retry_schedule: Vec<Duration>,
    http: reqwest::Client,
    state: Mutex<SandboxState>,
}

impl Sandbox {
    pub fn new(
        ids: SandboxKeys,
        public_url: String,
        retry_schedule: Vec<Duration>,
        http: reqwest::Client,
    ) -> Result<Sandbox, CryptoError> {
        let keys = ProviderKeys {
            alipay_platform: PrivateKey::from_pem(&ids.alipay_platform.private_pem)?,
            alipay_app: PublicKey::from_pem(&ids.alipay_app.public_pem)?,
            wechat_platform: PrivateKey::from_pem(&ids.wechat_platform.private_pem)?,
            wechat_merchant: PublicKey::from_pem(&ids.wechat_merchant.public_pem)?,
            unionpay_platform: PrivateKey::from_pem(&ids.unionpay_platform.private_pem)?,
            unionpay_merchant: PublicKey::from_pem(&ids.unionpay_merchant.public_pem)?,
        };
        let inner = Inner { ids, keys, public_url, retry_schedule, http, state: Mutex::new(SandboxState::default()) };
        Ok(Sandbox { inner: Arc::new(inner) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SandboxState> {
        // A panic while holding the lock cannot leave a half-written trade behind (every change is
        // one assignment), so a poisoned lock is still usable.
        self.inner.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.inner.public_url)
    }
}

/// Milliseconds, comma separated (`"15000,15000,30000"`), as a schedule.
pub fn parse_schedule(raw: &str) -> Option<Vec<Duration>> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse::<u64>().ok().map(Duration::from_millis))
        .collect()
}
