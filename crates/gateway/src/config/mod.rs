//! Configuration: built-in defaults that run with nothing set, then an optional `bazaar.toml`,
//! then `BAZAAR_*` environment variables. Every problem names the key at fault.
//!
//! The keys are flat (`otp_code_ttl_secs`, `BAZAAR_OTP_CODE_TTL_SECS`), but each belongs to the
//! crate that uses it: identity, checkout, catalog, search, chat, payments, the payment sandbox
//! and SMS each define their settings struct with its defaults and checks, and [`Config`] composes
//! them with the gateway's own (listening, storage, logging, HTTP). A key no part reads is refused.

use bazaar_core::settings::{SettingsError, keys_of, list_or_comma_separated, optional_text, text};
use bazaar_db::DatabaseUrl;
use figment::providers::{Env, Format, Toml};
use figment::{Figment, Provider};
pub use parts::CrateSettings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use bazaar_sms::SmsProviderKind;

mod parts;
mod settings;
#[cfg(test)]
mod tests;

pub const DEFAULT_CONFIG_FILE: &str = "bazaar.toml";
const ENV_PREFIX: &str = "BAZAAR_";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The gateway's own keys, and each crate's settings (read from the same flat keys).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
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
    #[serde(deserialize_with = "text")]
    pub redis_prefix: String,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `bazaar_gateway=debug,info`.
    #[serde(deserialize_with = "text")]
    pub log_level: String,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Browser (H5) origins allowed to call the API; `*` allows any. Native apps need none.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub cors_allowed_origins: Vec<String>,
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
    /// The address phones and payment providers reach this gateway at (notify URLs, share links,
    /// sandbox pages); `http://<host>:<port>` when unset.
    pub public_url: Option<String>,
    /// The bearer token Prometheus sends to scrape `/metrics` (administrators' access tokens work
    /// too). Unset: only administrators.
    #[serde(deserialize_with = "optional_text")]
    pub metrics_token: Option<String>,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// How long a stopping server waits for requests in flight.
    pub shutdown_timeout_secs: u64,
    /// Every domain crate's own settings (see `parts.rs`).
    #[serde(skip)]
    pub crates: CrateSettings,
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
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            body_limit_bytes: 1024 * 1024,
            cors_allowed_origins: Vec::new(),
            sandbox: true,
            sandbox_force: false,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            public_url: None,
            metrics_token: None,
            workers: 0,
            shutdown_timeout_secs: 10,
            crates: CrateSettings::default(),
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
        let figment = Figment::new().merge(Toml::file(path)).merge(environment());
        refuse_unknown_keys(&figment)?;
        let parse = |err| ConfigError::Parse(describe(err));
        let config = Config { crates: CrateSettings::extract(&figment)?, ..figment.extract().map_err(parse)? };
        config.validate()?;
        Ok(config)
    }

    /// Every key some part reads.
    fn known_keys() -> Vec<&'static str> {
        [keys_of::<Config>(), &CrateSettings::keys()].concat()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.validate_gateway()?;
        self.crates.validate()?;
        Ok(())
    }

    fn validate_gateway(&self) -> Result<(), SettingsError> {
        let invalid = |key, problem: &str| Err(SettingsError::new(key, problem));
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
        if let Some(url) = &self.public_url {
            bazaar_core::settings::http_url("public_url", url)?;
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
        self.crates.search.index_dir(&self.data_dir)
    }

    fn sqlite_url(&self) -> DatabaseUrl {
        DatabaseUrl::sqlite_file(self.data_dir.join("bazaar.db"))
    }

    /// The effective configuration as TOML, one flat table as users write it, secrets redacted,
    /// for `bazaar config`.
    pub fn to_redacted_toml(&self) -> String {
        let mut gateway = self.clone();
        gateway.database_url = Some(self.database_url().redacted());
        gateway.redis_url = self.redis_url.as_deref().map(bazaar_db::redact_url_password);
        gateway.metrics_token = bazaar_core::settings::redact(&self.metrics_token);
        let mut crates = self.crates.redacted();
        if crates.identity.jwt_secret.is_none() {
            // Say where the generated secret lives rather than leave the key out.
            crates.identity.jwt_secret =
                Some(format!("<generated into {}>", self.data_dir.join("jwt-secret").display()));
        }
        let parts = match crates.tables() {
            Ok(parts) => std::iter::once(toml::Table::try_from(&gateway)).chain(parts.into_iter().map(Ok)),
            Err(err) => return format!("# cannot render: {err}"),
        };
        let mut shown = toml::Table::new();
        for part in parts {
            match part {
                Ok(table) => shown.extend(table),
                Err(err) => return format!("# cannot render: {err}"),
            }
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|err| format!("# cannot render: {err}"))
    }
}

impl From<SettingsError> for ConfigError {
    fn from(err: SettingsError) -> ConfigError {
        ConfigError::Invalid { key: err.key, problem: err.problem }
    }
}

/// Refuses a key no part reads (a typo would otherwise be ignored silently), naming the key and
/// where it was set.
fn refuse_unknown_keys(figment: &Figment) -> Result<(), ConfigError> {
    let known = Config::known_keys();
    let data = figment.data().map_err(|err| ConfigError::Parse(describe(err)))?;
    for dict in data.values() {
        if let Some(key) = dict.keys().find(|key| !known.contains(&key.as_str())) {
            let source = figment.find_metadata(key).map(|metadata| match &metadata.source {
                Some(figment::Source::File(path)) => path.display().to_string(),
                _ => format!("{ENV_PREFIX}{}", key.to_uppercase()),
            });
            let source = source.map(|source| format!(" (from {source})")).unwrap_or_default();
            return Err(ConfigError::Parse(format!("`{key}`{source}: unknown key")));
        }
    }
    Ok(())
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
