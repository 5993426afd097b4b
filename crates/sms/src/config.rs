//! The configuration keys SMS sending reads.

use bazaar_core::settings::{SettingsError, http_url, optional_text};
use serde::{Deserialize, Serialize};

/// Where SMS messages (login codes) go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProviderKind {
    /// Stored in the database and shown at `/sandbox/sms/messages`; nothing is sent.
    Sandbox,
    /// POSTed as JSON to `sms_http_url`.
    Http,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsConfig {
    pub sms_provider: SmsProviderKind,
    /// The SMS gateway endpoint for `sms_provider = "http"`.
    pub sms_http_url: Option<String>,
    /// Bearer token for the SMS gateway.
    #[serde(deserialize_with = "optional_text")]
    pub sms_http_token: Option<String>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig { sms_provider: SmsProviderKind::Sandbox, sms_http_url: None, sms_http_token: None }
    }
}

impl bazaar_core::settings::Settings for SmsConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        match (&self.sms_provider, &self.sms_http_url) {
            (SmsProviderKind::Http, None) => {
                Err(SettingsError::new("sms_http_url", "is required when sms_provider = \"http\""))
            }
            (_, Some(url)) => http_url("sms_http_url", url),
            _ => Ok(()),
        }
    }

    fn redacted(&self) -> Self {
        SmsConfig { sms_http_token: bazaar_core::settings::redact(&self.sms_http_token), ..self.clone() }
    }
}
