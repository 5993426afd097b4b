//! Wiring payments: each provider is the real service when its keys are configured, the sandbox
//! when `sandbox = true` and they are not, and absent otherwise. The adapters are the same either
//! way; only URLs, identifiers and keys differ.

use crate::config::Config;
use bazaar_pay_sandbox::Sandbox;
use bazaar_payments::alipay::{Alipay, AlipaySettings};
use bazaar_payments::crypto::{PrivateKey, PublicKey};
use bazaar_payments::keys::SandboxKeys;
use bazaar_payments::unionpay::{UnionPay, UnionpaySettings};
use bazaar_payments::wechat::{WechatPay, WechatSettings};
use bazaar_payments::{PaymentProvider, PaymentSettings, Payments, http_client};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("payments: {0}")]
pub struct PaymentSetupError(String);

fn read_private(path: &Path, key: &str) -> Result<PrivateKey, PaymentSetupError> {
    let text =
        std::fs::read_to_string(path).map_err(|err| PaymentSetupError(format!("{key} {}: {err}", path.display())))?;
    PrivateKey::from_pem(&text).map_err(|err| PaymentSetupError(format!("{key} {}: {err}", path.display())))
}

fn read_public(path: &Path, key: &str) -> Result<PublicKey, PaymentSetupError> {
    let text =
        std::fs::read_to_string(path).map_err(|err| PaymentSetupError(format!("{key} {}: {err}", path.display())))?;
    PublicKey::from_pem(&text).map_err(|err| PaymentSetupError(format!("{key} {}: {err}", path.display())))
}

fn required<'a, T>(value: &'a Option<T>, key: &str, group: &str) -> Result<&'a T, PaymentSetupError> {
    value.as_ref().ok_or_else(|| PaymentSetupError(format!("`{key}` is required when `{group}` is set")))
}

/// The providers and, when any of them is the sandbox, the sandbox that stands in for them.
pub fn build_payments(
    config: &Config,
    db: &bazaar_db::Database,
    kv: &bazaar_kv::Kv,
    public_url: &str,
) -> Result<(Payments, Option<Sandbox>), PaymentSetupError> {
    let http = http_client();
    let notify = |provider: &str| format!("{public_url}/api/v1/payments/notify/{provider}");
    let needs_sandbox = config.sandbox && config.crates.payments.needs_sandbox();
    let sandbox_keys = if needs_sandbox {
        let dir = config.crates.payments.payment_keys_dir.clone().unwrap_or_else(|| config.data_dir.clone());
        Some(SandboxKeys::load_or_generate(&dir).map_err(|err| PaymentSetupError(err.to_string()))?)
    } else {
        None
    };
    // Where the sandbox providers are reached (one gateway's, when several share them).
    let sandbox_url =
        config.crates.sandbox_payments.sandbox_payments_url.clone().unwrap_or_else(|| public_url.to_string());
    let key = |pem: &str| PrivateKey::from_pem(pem).map_err(|err| PaymentSetupError(err.to_string()));
    let public = |pem: &str| PublicKey::from_pem(pem).map_err(|err| PaymentSetupError(err.to_string()));
    let mut providers: Vec<Arc<dyn PaymentProvider>> = Vec::new();

    let alipay = match (&config.crates.payments.alipay_app_id, &sandbox_keys) {
        (Some(app_id), _) => Some(AlipaySettings {
            gateway_url: required(&config.crates.payments.alipay_gateway_url, "alipay_gateway_url", "alipay_app_id")?
                .clone(),
            app_id: app_id.clone(),
            app_private_key: read_private(
                required(
                    &config.crates.payments.alipay_app_private_key_file,
                    "alipay_app_private_key_file",
                    "alipay_app_id",
                )?,
                "alipay_app_private_key_file",
            )?,
            alipay_public_key: read_public(
                required(&config.crates.payments.alipay_public_key_file, "alipay_public_key_file", "alipay_app_id")?,
                "alipay_public_key_file",
            )?,
            notify_url: notify("alipay"),
        }),
        (None, Some(keys)) => Some(AlipaySettings {
            gateway_url: format!("{sandbox_url}/sandbox/alipay/gateway.do"),
            app_id: keys.alipay_app_id.clone(),
            app_private_key: key(&keys.alipay_app.private_pem)?,
            alipay_public_key: public(&keys.alipay_platform.public_pem)?,
            notify_url: notify("alipay"),
        }),
        (None, None) => None,
    };
    if let Some(settings) = alipay {
        providers.push(Arc::new(Alipay::new(settings, http.clone())));
    }

    let wechat = match (&config.crates.payments.wechatpay_mchid, &sandbox_keys) {
        (Some(mchid), _) => {
            let group = "wechatpay_mchid";
            Some(WechatSettings {
                base_url: required(&config.crates.payments.wechatpay_base_url, "wechatpay_base_url", group)?.clone(),
                mchid: mchid.clone(),
                appid: required(&config.crates.payments.wechatpay_appid, "wechatpay_appid", group)?.clone(),
                merchant_serial_no: required(
                    &config.crates.payments.wechatpay_merchant_serial_no,
                    "wechatpay_merchant_serial_no",
                    group,
                )?
                .clone(),
                merchant_private_key: read_private(
                    required(&config.crates.payments.wechatpay_private_key_file, "wechatpay_private_key_file", group)?,
                    "wechatpay_private_key_file",
                )?,
                platform_public_key: read_public(
                    required(
                        &config.crates.payments.wechatpay_platform_public_key_file,
                        "wechatpay_platform_public_key_file",
                        group,
                    )?,
                    "wechatpay_platform_public_key_file",
                )?,
                platform_public_key_id: required(
                    &config.crates.payments.wechatpay_platform_public_key_id,
                    "wechatpay_platform_public_key_id",
                    group,
                )?
                .clone(),
                apiv3_key: required(&config.crates.payments.wechatpay_apiv3_key, "wechatpay_apiv3_key", group)?.clone(),
                notify_url: notify("wechatpay"),
            })
        }
        (None, Some(keys)) => Some(WechatSettings {
            base_url: format!("{sandbox_url}/sandbox/wechatpay"),
            mchid: keys.wechat_mchid.clone(),
            appid: keys.wechat_appid.clone(),
            merchant_serial_no: keys.wechat_merchant_serial.clone(),
            merchant_private_key: key(&keys.wechat_merchant.private_pem)?,
            platform_public_key: public(&keys.wechat_platform.public_pem)?,
            platform_public_key_id: keys.wechat_platform_key_id.clone(),
            apiv3_key: keys.wechat_apiv3_key.clone(),
            notify_url: notify("wechatpay"),
        }),
        (None, None) => None,
    };
    if let Some(settings) = wechat {
        providers.push(Arc::new(WechatPay::new(settings, http.clone())));
    }

    let unionpay = match (&config.crates.payments.unionpay_mer_id, &sandbox_keys) {
        (Some(mer_id), _) => {
            let group = "unionpay_mer_id";
            Some(UnionpaySettings {
                gateway_url: required(&config.crates.payments.unionpay_gateway_url, "unionpay_gateway_url", group)?
                    .clone(),
                mer_id: mer_id.clone(),
                cert_id: required(&config.crates.payments.unionpay_cert_id, "unionpay_cert_id", group)?.clone(),
                merchant_private_key: read_private(
                    required(&config.crates.payments.unionpay_private_key_file, "unionpay_private_key_file", group)?,
                    "unionpay_private_key_file",
                )?,
                platform_public_key: read_public(
                    required(&config.crates.payments.unionpay_public_key_file, "unionpay_public_key_file", group)?,
                    "unionpay_public_key_file",
                )?,
                back_url: notify("unionpay"),
            })
        }
        (None, Some(keys)) => Some(UnionpaySettings {
            gateway_url: format!("{sandbox_url}/sandbox/unionpay"),
            mer_id: keys.unionpay_mer_id.clone(),
            cert_id: keys.unionpay_cert_id.clone(),
            merchant_private_key: key(&keys.unionpay_merchant.private_pem)?,
            platform_public_key: public(&keys.unionpay_platform.public_pem)?,
            back_url: notify("unionpay"),
        }),
        (None, None) => None,
    };
    if let Some(settings) = unionpay {
        providers.push(Arc::new(UnionPay::new(settings, http.clone())));
    }

    let settings = PaymentSettings {
        order_payment_timeout: Duration::from_secs(config.crates.checkout.order_payment_timeout_secs),
        query_after: Duration::from_secs(config.crates.payments.payment_query_after_secs),
        public_url: public_url.to_string(),
    };
    let sandbox = match sandbox_keys {
        Some(keys) => {
            let schedule = config.crates.sandbox_payments.notify_schedule();
            Some(
                Sandbox::new(keys, public_url.to_string(), schedule, http)
                    .map_err(|err| PaymentSetupError(err.to_string()))?,
            )
        }
        None => None,
    };
    Ok((Payments::new(db.clone(), providers, settings).with_kv(kv.clone()), sandbox))
}
