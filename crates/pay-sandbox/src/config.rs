//! The configuration keys the payment sandboxes read.

use bazaar_core::settings::{SettingsError, http_url, text};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxConfig {
    /// Several gateways in sandbox mode: the base URL of the one whose payment sandboxes they all
    /// use (a sandbox keeps its trades in its own process). Unset: each gateway uses its own.
    pub sandbox_payments_url: Option<String>,
    /// The sandbox providers' pauses between notification attempts, in milliseconds.
    #[serde(deserialize_with = "text")]
    pub sandbox_notify_retry_ms: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            sandbox_payments_url: None,
            // WeChat Pay's published schedule: 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h.
            sandbox_notify_retry_ms: "15000,15000,30000,180000,600000,1200000,1800000,1800000,1800000,3600000,\
                                      10800000,10800000,10800000,21600000,21600000"
                .into(),
        }
    }
}

impl SandboxConfig {
    /// The pauses between notification attempts (validated at load time).
    pub fn notify_schedule(&self) -> Vec<Duration> {
        crate::parse_schedule(&self.sandbox_notify_retry_ms).unwrap_or_default()
    }
}

impl bazaar_core::settings::Settings for SandboxConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        if crate::parse_schedule(&self.sandbox_notify_retry_ms).is_none() {
            return Err(SettingsError::new("sandbox_notify_retry_ms", "must be milliseconds separated by commas"));
        }
        match &self.sandbox_payments_url {
            Some(url) => http_url("sandbox_payments_url", url),
            None => Ok(()),
        }
    }
}
