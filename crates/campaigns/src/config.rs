//! The configuration keys campaigns reads.

use bazaar_core::settings::SettingsError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignsConfig {
    /// Hosts a short link may send to besides this site's own pages (exact names; a link to any
    /// other host is refused, so a short link is never an open redirect).
    #[serde(deserialize_with = "bazaar_core::settings::list_or_comma_separated")]
    pub short_link_allowed_hosts: Vec<String>,
    /// How long a gateway keeps a short link in memory: a disabled or edited link takes effect
    /// within this many seconds on every gateway.
    pub short_link_cache_secs: i64,
    /// How often the visits recorded by redirects are written, in one batch (milliseconds).
    pub link_visit_flush_ms: i64,
    /// The attribution window of a campaign that does not set its own (days).
    pub attribution_days: i64,
    /// The secret the day's visitor hash is salted with. Gateways sharing one database need the
    /// same value for visitors (UV) to be counted once across them; unset, each gateway draws its
    /// own at start.
    #[serde(deserialize_with = "bazaar_core::settings::optional_text")]
    pub link_visit_salt: Option<String>,
}

impl Default for CampaignsConfig {
    fn default() -> Self {
        CampaignsConfig {
            short_link_allowed_hosts: Vec::new(),
            short_link_cache_secs: 10,
            link_visit_flush_ms: 500,
            attribution_days: 7,
            link_visit_salt: None,
        }
    }
}

impl bazaar_core::settings::Settings for CampaignsConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        if !(1..=3600).contains(&self.short_link_cache_secs) {
            return Err(SettingsError::new("short_link_cache_secs", "must be 1 to 3600"));
        }
        if !(10..=60_000).contains(&self.link_visit_flush_ms) {
            return Err(SettingsError::new("link_visit_flush_ms", "must be 10 to 60000"));
        }
        if !(1..=90).contains(&self.attribution_days) {
            return Err(SettingsError::new("attribution_days", "must be 1 to 90"));
        }
        for host in &self.short_link_allowed_hosts {
            if host.is_empty() || host.contains(['/', ':', '@', ' ']) {
                return Err(SettingsError::new("short_link_allowed_hosts", format!("`{host}` is not a host name")));
            }
        }
        Ok(())
    }

    fn redacted(&self) -> Self {
        CampaignsConfig { link_visit_salt: bazaar_core::settings::redact(&self.link_visit_salt), ..self.clone() }
    }
}
