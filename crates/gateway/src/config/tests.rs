//! The keys users set keep working now that each crate owns its settings.

// `figment::Jail` closures return figment's own (large) error type.
#![allow(clippy::result_large_err)]

use super::{Config, ConfigError};
use figment::Jail;
use std::path::PathBuf;

/// Every key `bazaar.toml` and `BAZAAR_*` accepted when the configuration was one flat struct.
const KEYS_USERS_SET: &[&str] = &[
    "host",
    "port",
    "data_dir",
    "database_url",
    "db_pool_size",
    "db_acquire_timeout_ms",
    "redis_url",
    "redis_prefix",
    "jwt_secret",
    "log_format",
    "log_level",
    "body_limit_bytes",
    "cors_allowed_origins",
    "jwt_previous_secrets",
    "access_token_ttl_secs",
    "refresh_token_ttl_days",
    "password_hash_memory_kib",
    "password_hash_iterations",
    "password_hash_concurrency",
    "otp_code_ttl_secs",
    "otp_per_phone_per_minute",
    "otp_per_phone_per_day",
    "otp_per_ip_per_hour",
    "otp_global_per_minute",
    "login_failures_per_phone",
    "password_attempts_per_ip_per_hour",
    "sms_provider",
    "sms_http_url",
    "sms_http_token",
    "sandbox",
    "sandbox_force",
    "trust_forwarded_for",
    "trusted_proxies",
    "search_index_dir",
    "page_cache_mb",
    "order_payment_timeout_secs",
    "order_auto_receive_secs",
    "order_complete_after_secs",
    "order_sweep_interval_secs",
    "max_price_yuan",
    "max_shipping_fee_yuan",
    "max_line_total_yuan",
    "max_order_total_yuan",
    "max_unpaid_orders_per_buyer",
    "max_reserved_units_per_buyer",
    "chat_heartbeat_secs",
    "chat_idle_timeout_secs",
    "chat_max_frame_bytes",
    "chat_frames_per_sec",
    "chat_frame_burst",
    "chat_messages_per_minute",
    "public_url",
    "payment_keys_dir",
    "payment_query_after_secs",
    "payment_reconcile_interval_secs",
    "sandbox_payments_url",
    "sandbox_notify_retry_ms",
    "alipay_gateway_url",
    "alipay_app_id",
    "alipay_app_private_key_file",
    "alipay_public_key_file",
    "wechatpay_base_url",
    "wechatpay_mchid",
    "wechatpay_appid",
    "wechatpay_merchant_serial_no",
    "wechatpay_private_key_file",
    "wechatpay_platform_public_key_file",
    "wechatpay_platform_public_key_id",
    "wechatpay_apiv3_key",
    "unionpay_gateway_url",
    "unionpay_mer_id",
    "unionpay_cert_id",
    "unionpay_private_key_file",
    "unionpay_public_key_file",
    "metrics_token",
    "workers",
    "shutdown_timeout_secs",
];

/// Keys added since, by the parts that read them.
const KEYS_ADDED: &[&str] = &[
    "points_per_yuan",
    "points_max_order_share_percent",
    "points_earned_per_yuan",
    "check_in_points",
    "check_in_weekly_bonus",
    "flash_session_hours",
    "flash_gate",
    "short_link_allowed_hosts",
    "short_link_cache_secs",
    "link_visit_flush_ms",
    "attribution_days",
    "link_visit_salt",
];

#[test]
fn every_key_users_set_is_still_read_and_no_key_is_read_twice() {
    let mut known = Config::known_keys();
    known.sort_unstable();
    let before = known.len();
    known.dedup();
    assert_eq!(known.len(), before, "two parts read the same key");
    let mut expected = [KEYS_USERS_SET, KEYS_ADDED].concat();
    expected.sort_unstable();
    assert_eq!(known, expected);
}

/// One key of each part, set to a value that is not its default.
const ONE_KEY_PER_PART: &[(&str, &str)] = &[
    ("port", "9001"),
    ("otp_code_ttl_secs", "120"),
    ("sms_provider", "http"),
    ("sms_http_url", "https://sms.example/send"),
    ("page_cache_mb", "64"),
    ("search_index_dir", "/var/lib/bazaar-index"),
    ("max_price_yuan", "5000"),
    ("chat_heartbeat_secs", "10"),
    ("alipay_app_id", "2021000000000000"),
    ("sandbox_notify_retry_ms", "10,20"),
    ("short_link_allowed_hosts", "partner.example.com,shop.example.com"),
];

fn assert_each_part_read(config: &Config) {
    assert_eq!(config.port, 9001);
    assert_eq!(config.crates.identity.otp_code_ttl_secs, 120);
    assert_eq!(config.crates.sms.sms_provider, bazaar_sms::SmsProviderKind::Http);
    assert_eq!(config.crates.sms.sms_http_url.as_deref(), Some("https://sms.example/send"));
    assert_eq!(config.crates.catalog.page_cache_mb, 64);
    assert_eq!(config.crates.search.search_index_dir, Some(PathBuf::from("/var/lib/bazaar-index")));
    assert_eq!(config.crates.checkout.max_price_yuan, 5000);
    assert_eq!(config.crates.chat.chat_heartbeat_secs, 10);
    assert_eq!(config.crates.payments.alipay_app_id.as_deref(), Some("2021000000000000"));
    assert_eq!(config.crates.sandbox_payments.sandbox_notify_retry_ms, "10,20");
    assert_eq!(config.crates.campaigns.short_link_allowed_hosts, ["partner.example.com", "shop.example.com"]);
}

#[test]
fn environment_variables_reach_the_part_that_reads_them() {
    Jail::expect_with(|jail| {
        for (key, value) in ONE_KEY_PER_PART {
            jail.set_env(format!("BAZAAR_{}", key.to_uppercase()), value);
        }
        assert_each_part_read(&Config::load(None).map_err(|err| err.to_string())?);
        Ok(())
    });
}

#[test]
fn file_keys_reach_the_part_that_reads_them() {
    Jail::expect_with(|jail| {
        let numbers = ["port", "otp_code_ttl_secs", "page_cache_mb", "max_price_yuan", "chat_heartbeat_secs"];
        let lines: Vec<String> = ONE_KEY_PER_PART
            .iter()
            .map(
                |(key, value)| {
                    if numbers.contains(key) { format!("{key} = {value}") } else { format!("{key} = \"{value}\"") }
                },
            )
            .collect();
        jail.create_file("bazaar.toml", &lines.join("\n"))?;
        assert_each_part_read(&Config::load(None).map_err(|err| err.to_string())?);
        Ok(())
    });
}

fn load_error() -> String {
    match Config::load(None) {
        Ok(_) => String::new(),
        Err(err) => err.to_string(),
    }
}

#[test]
fn an_unknown_key_is_refused_naming_it_and_where_it_was_set() {
    Jail::expect_with(|jail| {
        jail.set_env("BAZAAR_OTP_CODE_TTL", "120");
        let refused = load_error();
        assert!(refused.contains("`otp_code_ttl`") && refused.contains("BAZAAR_OTP_CODE_TTL"), "{refused}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.create_file("bazaar.toml", "chat_heartbeat = 5\n")?;
        let refused = load_error();
        assert!(refused.contains("`chat_heartbeat`") && refused.contains("bazaar.toml"), "{refused}");
        Ok(())
    });
}

#[test]
fn a_bad_value_in_a_crates_settings_names_its_key() {
    Jail::expect_with(|jail| {
        jail.set_env("BAZAAR_OTP_CODE_TTL_SECS", "soon");
        let refused = load_error();
        assert!(refused.contains("`otp_code_ttl_secs` (from BAZAAR_OTP_CODE_TTL_SECS)"), "{refused}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.set_env("BAZAAR_CHAT_IDLE_TIMEOUT_SECS", "5");
        assert!(matches!(Config::load(None), Err(ConfigError::Invalid { key: "chat_idle_timeout_secs", .. })));
        Ok(())
    });
}

#[test]
fn numeric_merchant_ids_and_secrets_from_the_environment_stay_text() {
    Jail::expect_with(|jail| {
        jail.set_env("BAZAAR_WECHATPAY_MCHID", "1900000109");
        jail.set_env("BAZAAR_UNIONPAY_MER_ID", "777290058110048");
        jail.set_env("BAZAAR_JWT_SECRET", "12345678901234567890123456789012");
        jail.set_env("BAZAAR_SANDBOX_NOTIFY_RETRY_MS", "15000");
        let config = Config::load(None).map_err(|err| err.to_string())?;
        assert_eq!(config.crates.payments.wechatpay_mchid.as_deref(), Some("1900000109"));
        assert_eq!(config.crates.payments.unionpay_mer_id.as_deref(), Some("777290058110048"));
        assert_eq!(config.crates.identity.jwt_secret.as_deref(), Some("12345678901234567890123456789012"));
        assert_eq!(config.crates.sandbox_payments.sandbox_notify_retry_ms, "15000");
        Ok(())
    });
}

/// `bazaar config` prints every part, and no secret a part holds: each crate says which of its
/// keys are secret (`Settings::redacted`), so a part added later cannot leak by being forgotten here.
#[test]
fn the_printed_configuration_hides_every_secret() {
    const SECRETS: &[(&str, &str)] = &[
        ("BAZAAR_JWT_SECRET", "jwt-secret-that-must-not-print-000"),
        ("BAZAAR_JWT_PREVIOUS_SECRETS", "old-jwt-secret-that-must-not-print"),
        ("BAZAAR_SMS_HTTP_TOKEN", "sms-token-that-must-not-print"),
        ("BAZAAR_WECHATPAY_APIV3_KEY", "apiv3-key-that-must-not-print-00"),
        ("BAZAAR_METRICS_TOKEN", "metrics-token-that-must-not-print"),
        ("BAZAAR_LINK_VISIT_SALT", "visit-salt-that-must-not-print"),
        ("BAZAAR_DATABASE_URL", "postgres://bazaar:db-password-not-printed@db.internal/bazaar"),
    ];
    Jail::expect_with(|jail| {
        for (name, value) in SECRETS {
            jail.set_env(name, value);
        }
        jail.set_env("BAZAAR_SMS_PROVIDER", "http");
        jail.set_env("BAZAAR_SMS_HTTP_URL", "https://sms.example.com/send");
        let printed = Config::load(None).map_err(|err| err.to_string())?.to_redacted_toml();
        for (name, value) in SECRETS {
            let secret = value.rsplit(['/', ':', '@']).find(|part| part.contains("not")).unwrap_or(value);
            assert!(!printed.contains(secret), "{name} printed: {printed}");
        }
        for key in [
            "jwt_secret",
            "sms_http_token",
            "wechatpay_apiv3_key",
            "metrics_token",
            "link_visit_salt",
            "chat_heartbeat_secs",
        ] {
            assert!(printed.contains(key), "{key} is missing from the printed configuration: {printed}");
        }
        Ok(())
    });
}
