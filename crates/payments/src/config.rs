//! The configuration keys payments reads: reconciliation timing, where sandbox keys live, and the
//! credentials of the real providers (set a provider's group to leave its sandbox).

use bazaar_core::settings::{SettingsError, optional_text};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentsConfig {
    /// Where generated sandbox payment keys live; `<data_dir>` when unset.
    pub payment_keys_dir: Option<PathBuf>,
    /// A pending trade with no notification for this long is queried at its provider.
    pub payment_query_after_secs: u64,
    /// How often each gateway reconciles payments (queries, closes, refund resends).
    pub payment_reconcile_interval_secs: u64,
    /// Real Alipay: set all four to leave the sandbox (PEM files: app private key, Alipay public key).
    #[serde(deserialize_with = "optional_text")]
    pub alipay_gateway_url: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub alipay_app_id: Option<String>,
    pub alipay_app_private_key_file: Option<PathBuf>,
    pub alipay_public_key_file: Option<PathBuf>,
    /// Real WeChat Pay (API v3): set all of these to leave the sandbox.
    #[serde(deserialize_with = "optional_text")]
    pub wechatpay_base_url: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub wechatpay_mchid: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub wechatpay_appid: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub wechatpay_merchant_serial_no: Option<String>,
    pub wechatpay_private_key_file: Option<PathBuf>,
    pub wechatpay_platform_public_key_file: Option<PathBuf>,
    #[serde(deserialize_with = "optional_text")]
    pub wechatpay_platform_public_key_id: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub wechatpay_apiv3_key: Option<String>,
    /// Real UnionPay (ACP 5.1.0): set all of these to leave the sandbox.
    #[serde(deserialize_with = "optional_text")]
    pub unionpay_gateway_url: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub unionpay_mer_id: Option<String>,
    #[serde(deserialize_with = "optional_text")]
    pub unionpay_cert_id: Option<String>,
    pub unionpay_private_key_file: Option<PathBuf>,
    pub unionpay_public_key_file: Option<PathBuf>,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            payment_keys_dir: None,
            payment_query_after_secs: 120,
            payment_reconcile_interval_secs: 30,
            alipay_gateway_url: None,
            alipay_app_id: None,
            alipay_app_private_key_file: None,
            alipay_public_key_file: None,
            wechatpay_base_url: None,
            wechatpay_mchid: None,
            wechatpay_appid: None,
            wechatpay_merchant_serial_no: None,
            wechatpay_private_key_file: None,
            wechatpay_platform_public_key_file: None,
            wechatpay_platform_public_key_id: None,
            wechatpay_apiv3_key: None,
            unionpay_gateway_url: None,
            unionpay_mer_id: None,
            unionpay_cert_id: None,
            unionpay_private_key_file: None,
            unionpay_public_key_file: None,
        }
    }
}

impl PaymentsConfig {
    /// Whether some provider still has no credentials, so its sandbox is needed.
    pub fn needs_sandbox(&self) -> bool {
        self.alipay_app_id.is_none() || self.wechatpay_mchid.is_none() || self.unionpay_mer_id.is_none()
    }
}

impl bazaar_core::settings::Settings for PaymentsConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.payment_query_after_secs < 1 || self.payment_reconcile_interval_secs < 1 {
            return Err(SettingsError::new(
                "payment_query_after_secs",
                "and payment_reconcile_interval_secs must be at least 1",
            ));
        }
        Ok(())
    }

    fn redacted(&self) -> Self {
        let mut shown = self.clone();
        shown.wechatpay_apiv3_key = bazaar_core::settings::redact(&self.wechatpay_apiv3_key);
        shown
    }
}
