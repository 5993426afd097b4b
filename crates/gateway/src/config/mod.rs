//! Configuration: built-in defaults that run with nothing set, then an optional `bazaar.toml`,
//! then `BAZAAR_*` environment variables. Every problem names the key at fault.

use bazaar_db::DatabaseUrl;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};

mod settings;

pub const DEFAULT_CONFIG_FILE: &str = "bazaar.toml";
const ENV_PREFIX: &str = "BAZAAR_";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

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
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on; `0.0.0.0` to reach it from a phone on the same network.
    pub host: String,
    pub port: u16,
    /// Where the embedded database, the search index and generated secrets live.
    pub data_dir: PathBuf,
    /// `postgres://…` for production; unset means SQLite at `<data_dir>/bazaar.db`.
    pub database_url: Option<String>,
    pub db_pool_size: u32,
    pub db_acquire_timeout_ms: u64,
    /// `redis://…` to share kv state between gateways; unset means in-process.
    pub redis_url: Option<String>,
    /// Every Redis key and channel starts with this, so deployments can share one Redis.
    pub redis_prefix: String,
    /// HMAC key for access tokens; unset means one generated into `<data_dir>/jwt-secret`.
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `bazaar_gateway=debug,info`.
    pub log_level: String,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Browser (H5) origins allowed to call the API; `*` allows any. Native apps need none.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub cors_allowed_origins: Vec<String>,
    /// Earlier JWT secrets: tokens they signed verify until they expire (secret rotation).
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub jwt_previous_secrets: Vec<String>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u64,
    /// argon2id cost; the defaults are OWASP's (19 MiB, 2 passes).
    pub password_hash_memory_kib: u32,
    pub password_hash_iterations: u32,
    /// Password hashes computed at once; 0 means one per core.
    pub password_hash_concurrency: usize,
    /// How long an SMS login code stays valid.
    pub otp_code_ttl_secs: u64,
    pub otp_per_phone_per_minute: i64,
    pub otp_per_phone_per_day: i64,
    pub otp_per_ip_per_hour: i64,
    pub otp_global_per_minute: i64,
    /// Wrong passwords per phone number per 15 minutes before password logins are refused.
    pub login_failures_per_phone: i64,
    /// Password logins and registrations per client IP per hour.
    pub password_attempts_per_ip_per_hour: i64,
    pub sms_provider: SmsProviderKind,
    /// The SMS gateway endpoint for `sms_provider = "http"`.
    pub sms_http_url: Option<String>,
    /// Bearer token for the SMS gateway.
    pub sms_http_token: Option<String>,
    /// Serve the `/sandbox/...` endpoints (SMS outbox, payment sandboxes). Off in production: the
    /// outbox shows anyone every login code and the sandbox wallet pays any trade. On by default
    /// for the embedded two-command start; the gateway refuses to start with it on PostgreSQL or
    /// on a non-loopback address unless `sandbox_force` is set too.
    pub sandbox: bool,
    /// Start with the sandbox on although the database is PostgreSQL or the address is reachable
    /// from other machines (shared test environments). Loudly warned about at every start.
    pub sandbox_force: bool,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy that appends to it): the
    /// right-most address that is not in `trusted_proxies`.
    pub trust_forwarded_for: bool,
    /// Our own proxies in front of the gateway (addresses or networks such as `10.0.0.0/8`), which
    /// are skipped from the right of `X-Forwarded-For`. Empty: the last hop is the client.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub trusted_proxies: Vec<String>,
    /// Where this gateway keeps its search index (each gateway has its own); `<data_dir>/search`
    /// when unset.
    pub search_index_dir: Option<PathBuf>,
    /// Memory for product pages, in MiB (each gateway; invalidated on change across gateways).
    /// List pages get a quarter of this on top.
    pub page_cache_mb: usize,
    /// Unpaid orders are cancelled (and their stock released) after this long.
    pub order_payment_timeout_secs: u64,
    /// Shipped orders the buyer has not confirmed are confirmed after this long.
    pub order_auto_receive_secs: u64,
    /// Received orders are completed (no more refund requests) after this long.
    pub order_complete_after_secs: u64,
    /// How often the sweeper looks for unpaid orders past their time.
    pub order_sweep_interval_secs: u64,
    /// Ceilings in whole yuan: a SKU price, a shop's shipping fee, one order line, one order.
    pub max_price_yuan: u64,
    pub max_shipping_fee_yuan: u64,
    pub max_line_total_yuan: u64,
    pub max_order_total_yuan: u64,
    /// What one buyer may hold unpaid at once: orders, and units reserved by them.
    pub max_unpaid_orders_per_buyer: i64,
    pub max_reserved_units_per_buyer: i64,
    /// Chat WebSocket: the server pings this often, and closes a connection silent for
    /// `chat_idle_timeout_secs` (a phone that lost its network without closing).
    pub chat_heartbeat_secs: u64,
    pub chat_idle_timeout_secs: u64,
    /// Largest WebSocket frame (or message assembled from continuations) a client may send.
    pub chat_max_frame_bytes: usize,
    /// Per-connection frame rate: a steady rate and the burst above it.
    pub chat_frames_per_sec: u32,
    pub chat_frame_burst: u32,
    /// Messages one user may send per minute, counted over REST and all their connections.
    pub chat_messages_per_minute: i64,
    /// The address phones and payment providers reach this gateway at (notify URLs, share links,
    /// sandbox pages); `http://<host>:<port>` when unset.
    pub public_url: Option<String>,
    /// Where generated sandbox payment keys live; `<data_dir>` when unset.
    pub payment_keys_dir: Option<PathBuf>,
    /// A pending trade with no notification for this long is queried at its provider.
    pub payment_query_after_secs: u64,
    /// How often each gateway reconciles payments (queries, closes, refund resends).
    pub payment_reconcile_interval_secs: u64,
    /// Several gateways in sandbox mode: the base URL of the one whose payment sandboxes they all
    /// use (a sandbox keeps its trades in its own process). Unset: each gateway uses its own.
    pub sandbox_payments_url: Option<String>,
    /// The sandbox providers' pauses between notification attempts, in milliseconds.
    pub sandbox_notify_retry_ms: String,
    /// Real Alipay: set all four to leave the sandbox (PEM files: app private key, Alipay public key).
    pub alipay_gateway_url: Option<String>,
    pub alipay_app_id: Option<String>,
    pub alipay_app_private_key_file: Option<PathBuf>,
    pub alipay_public_key_file: Option<PathBuf>,
    /// Real WeChat Pay (API v3): set all of these to leave the sandbox.
    pub wechatpay_base_url: Option<String>,
    pub wechatpay_mchid: Option<String>,
    pub wechatpay_appid: Option<String>,
    pub wechatpay_merchant_serial_no: Option<String>,
    pub wechatpay_private_key_file: Option<PathBuf>,
    pub wechatpay_platform_public_key_file: Option<PathBuf>,
    pub wechatpay_platform_public_key_id: Option<String>,
    pub wechatpay_apiv3_key: Option<String>,
    /// Real UnionPay (ACP 5.1.0): set all of these to leave the sandbox.
    pub unionpay_gateway_url: Option<String>,
    pub unionpay_mer_id: Option<String>,
    pub unionpay_cert_id: Option<String>,
    pub unionpay_private_key_file: Option<PathBuf>,
    pub unionpay_public_key_file: Option<PathBuf>,
    /// The bearer token Prometheus sends to scrape `/metrics` (administrators' access tokens work
    /// too). Unset: only administrators.
    pub metrics_token: Option<String>,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// How long a stopping server waits for requests in flight.
    pub shutdown_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 8080,
            data_dir: PathBuf::from("data"),
            database_url: None,
            db_pool_size: 8,
            db_acquire_timeout_ms: 5_000,
            redis_url: None,
            redis_prefix: "bazaar".into(),
            jwt_secret: None,
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            body_limit_bytes: 1024 * 1024,
            cors_allowed_origins: Vec::new(),
            jwt_previous_secrets: Vec::new(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            password_hash_memory_kib: 19 * 1024,
            password_hash_iterations: 2,
            password_hash_concurrency: 0,
            otp_code_ttl_secs: 300,
            otp_per_phone_per_minute: 1,
            otp_per_phone_per_day: 10,
            otp_per_ip_per_hour: 30,
            otp_global_per_minute: 600,
            login_failures_per_phone: 10,
            password_attempts_per_ip_per_hour: 60,
            sms_provider: SmsProviderKind::Sandbox,
            sms_http_url: None,
            sms_http_token: None,
            sandbox: true,
            sandbox_force: false,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            search_index_dir: None,
            // A product page is ~1 KB of JSON: 128 MiB holds a catalog of about 100,000 products.
            page_cache_mb: 128,
            order_payment_timeout_secs: 15 * 60,
            order_auto_receive_secs: 10 * 24 * 3600,
            order_complete_after_secs: 7 * 24 * 3600,
            order_sweep_interval_secs: 30,
            max_price_yuan: 1_000_000,
            max_shipping_fee_yuan: 10_000,
            max_line_total_yuan: 1_000_000,
            max_order_total_yuan: 10_000_000,
            max_unpaid_orders_per_buyer: 10,
            max_reserved_units_per_buyer: 200,
            chat_heartbeat_secs: 20,
            chat_idle_timeout_secs: 60,
            chat_max_frame_bytes: 16 * 1024,
            chat_frames_per_sec: 10,
            chat_frame_burst: 30,
            chat_messages_per_minute: 60,
            public_url: None,
            payment_keys_dir: None,
            sandbox_payments_url: None,
            payment_query_after_secs: 120,
            payment_reconcile_interval_secs: 30,
            // WeChat Pay's published schedule: 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h.
            sandbox_notify_retry_ms: "15000,15000,30000,180000,600000,1200000,1800000,1800000,1800000,3600000,\
                                      10800000,10800000,10800000,21600000,21600000"
                .into(),
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
            metrics_token: None,
            workers: 0,
            shutdown_timeout_secs: 10,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Parse(String),
    #[error("invalid configuration: `{key}` {problem}")]
    Invalid { key: &'static str, problem: String },
}

impl Config {
    /// Loads defaults, then `file` (or `BAZAAR_CONFIG`, or `./bazaar.toml` if present), then the
    /// environment. A file named explicitly must exist.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let explicit = file.map(Path::to_path_buf).or_else(|| std::env::var_os("BAZAAR_CONFIG").map(PathBuf::from));
        if let Some(path) = &explicit
            && !path.is_file()
        {
            return Err(ConfigError::MissingFile(path.clone()));
        }
        let path = explicit.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .merge(environment())
            .extract()
            .map_err(|err| ConfigError::Parse(describe(err)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, problem: &str| Err(ConfigError::Invalid { key, problem: problem.to_string() });
        if let Some(url) = &self.database_url
            && let Err(err) = DatabaseUrl::parse(url)
        {
            return invalid("database_url", &err.to_string());
        }
        if let Some(url) = &self.redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://"))
        {
            return invalid("redis_url", "must start with redis://, rediss:// or unix://");
        }
        if !(1..=1000).contains(&self.db_pool_size) {
            return invalid("db_pool_size", "must be between 1 and 1000");
        }
        if self.body_limit_bytes < 1024 {
            return invalid("body_limit_bytes", "must be at least 1024");
        }
        if self.redis_prefix.is_empty() || self.redis_prefix.contains(char::is_whitespace) {
            return invalid("redis_prefix", "must be a non-empty word");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_level).is_err() {
            return invalid("log_level", "is not a tracing filter (try `info` or `debug`)");
        }
        if self.metrics_token.as_ref().is_some_and(|token| token.len() < 16) {
            return invalid("metrics_token", "must be at least 16 characters");
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return invalid("jwt_secret", "must be at least 32 characters");
        }
        if !(60..=86_400).contains(&self.access_token_ttl_secs) {
            return invalid("access_token_ttl_secs", "must be between 60 and 86400");
        }
        if !(1..=365).contains(&self.refresh_token_ttl_days) {
            return invalid("refresh_token_ttl_days", "must be between 1 and 365");
        }
        match (&self.sms_provider, &self.sms_http_url) {
            (SmsProviderKind::Http, None) => {
                return invalid("sms_http_url", "is required when sms_provider = \"http\"");
            }
            (_, Some(url)) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                return invalid("sms_http_url", "must be an http(s) URL");
            }
            _ => {}
        }
        if !(1..=3_600).contains(&self.otp_code_ttl_secs) {
            return invalid("otp_code_ttl_secs", "must be between 1 and 3600");
        }
        if self.order_payment_timeout_secs < 1 || self.order_sweep_interval_secs < 1 {
            return invalid("order_payment_timeout_secs", "and order_sweep_interval_secs must be at least 1");
        }
        if self.chat_heartbeat_secs < 1 || self.chat_idle_timeout_secs <= self.chat_heartbeat_secs {
            return invalid("chat_idle_timeout_secs", "must be longer than chat_heartbeat_secs (at least 1)");
        }
        if !(256..=1024 * 1024).contains(&self.chat_max_frame_bytes) {
            return invalid("chat_max_frame_bytes", "must be between 256 and 1048576");
        }
        if self.chat_frames_per_sec < 1 || self.chat_frame_burst < 1 {
            return invalid("chat_frames_per_sec", "and chat_frame_burst must be at least 1");
        }
        if self.password_hash_memory_kib < 64 {
            return invalid("password_hash_memory_kib", "must be at least 64");
        }
        if self.password_hash_iterations < 1 {
            return invalid("password_hash_iterations", "must be at least 1");
        }
        for (key, value) in [
            ("otp_per_phone_per_minute", self.otp_per_phone_per_minute),
            ("otp_per_phone_per_day", self.otp_per_phone_per_day),
            ("otp_per_ip_per_hour", self.otp_per_ip_per_hour),
            ("otp_global_per_minute", self.otp_global_per_minute),
            ("login_failures_per_phone", self.login_failures_per_phone),
            ("password_attempts_per_ip_per_hour", self.password_attempts_per_ip_per_hour),
            ("chat_messages_per_minute", self.chat_messages_per_minute),
        ] {
            if value < 1 {
                return invalid(key, "must be at least 1");
            }
        }
        if self.money_limits().is_none() {
            return invalid("max_price_yuan", "and the other max_*_yuan ceilings must be between 1 and 10^15");
        }
        for (key, value) in [
            ("max_unpaid_orders_per_buyer", self.max_unpaid_orders_per_buyer),
            ("max_reserved_units_per_buyer", self.max_reserved_units_per_buyer),
        ] {
            if value < 1 {
                return invalid(key, "must be at least 1");
            }
        }
        if self.jwt_previous_secrets.iter().any(|secret| secret.len() < 32) {
            return invalid("jwt_previous_secrets", "each must be at least 32 characters");
        }
        if bazaar_pay_sandbox::parse_schedule(&self.sandbox_notify_retry_ms).is_none() {
            return invalid("sandbox_notify_retry_ms", "must be milliseconds separated by commas");
        }
        if self.payment_query_after_secs < 1 || self.payment_reconcile_interval_secs < 1 {
            return invalid("payment_query_after_secs", "and payment_reconcile_interval_secs must be at least 1");
        }
        for (key, url) in [("public_url", &self.public_url), ("sandbox_payments_url", &self.sandbox_payments_url)] {
            if let Some(url) = url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return invalid(key, "must be an http(s) URL");
            }
        }
        if let Some(bad) = self.trusted_proxies.iter().find(|raw| crate::client_ip::ProxyNet::parse(raw).is_none()) {
            return invalid("trusted_proxies", &format!("`{bad}` is not an IP address or network"));
        }
        for origin in &self.cors_allowed_origins {
            if origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return invalid("cors_allowed_origins", &format!("`{origin}` is not an http(s) origin or `*`"));
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> DatabaseUrl {
        match &self.database_url {
            // Validated at load time; a parse failure here would be a bug, so fall back to SQLite.
            Some(url) => DatabaseUrl::parse(url).unwrap_or_else(|_| self.sqlite_url()),
            None => self.sqlite_url(),
        }
    }

    pub fn search_dir(&self) -> PathBuf {
        self.search_index_dir.clone().unwrap_or_else(|| self.data_dir.join("search"))
    }

    fn sqlite_url(&self) -> DatabaseUrl {
        DatabaseUrl::sqlite_file(self.data_dir.join("bazaar.db"))
    }

    /// The effective configuration as TOML, secrets redacted, for `bazaar config`.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(self.database_url().redacted());
        shown.redis_url = self.redis_url.as_deref().map(bazaar_db::redact_url_password);
        shown.jwt_secret = Some(match &self.jwt_secret {
            Some(_) => "<redacted>".into(),
            None => format!("<generated into {}>", self.data_dir.join("jwt-secret").display()),
        });
        shown.sms_http_token = self.sms_http_token.as_ref().map(|_| "<redacted>".to_string());
        shown.metrics_token = self.metrics_token.as_ref().map(|_| "<redacted>".to_string());
        shown.wechatpay_apiv3_key = self.wechatpay_apiv3_key.as_ref().map(|_| "<redacted>".to_string());
        shown.jwt_previous_secrets = self.jwt_previous_secrets.iter().map(|_| "<redacted>".to_string()).collect();
        toml::to_string_pretty(&shown).unwrap_or_else(|err| format!("# cannot render: {err}"))
    }
}

/// Names each problem by its config key and where the value came from, e.g.
/// "`port` (from BAZAAR_PORT): invalid type: found string \"eighty\", expected u16".
fn describe(errors: figment::Error) -> String {
    errors
        .into_iter()
        .map(|err| {
            let key = err.path.join(".").to_lowercase();
            let source = err.metadata.as_ref().map(|metadata| match &metadata.source {
                Some(figment::Source::File(path)) => path.display().to_string(),
                _ if metadata.name.contains("environment") => format!("{ENV_PREFIX}{}", key.to_uppercase()),
                _ => metadata.name.to_string(),
            });
            match (key.is_empty(), source) {
                (false, Some(source)) => format!("`{key}` (from {source}): {}", err.kind),
                (false, None) => format!("`{key}`: {}", err.kind),
                (true, Some(source)) => format!("{source}: {}", err.kind),
                (true, None) => err.kind.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `BAZAAR_*` variables, minus those that are not configuration: the test suites' backends, the
/// config file's name, and the password `bazaar admin create` reads.
fn environment() -> Env {
    // Keys arrive as written (upper case): compare without case.
    Env::prefixed(ENV_PREFIX).filter(|key| {
        let key = key.as_str().to_ascii_lowercase();
        !key.starts_with("test_") && !matches!(key.as_str(), "config" | "admin_password")
    })
}

/// Lists come as TOML arrays from the file and as `a,b` from the environment.
fn list_or_comma_separated<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrText {
        List(Vec<String>),
        Text(String),
    }
    Ok(match ListOrText::deserialize(deserializer)? {
        ListOrText::List(list) => list,
        ListOrText::Text(text) => {
            text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(String::from).collect()
        }
    })
}
