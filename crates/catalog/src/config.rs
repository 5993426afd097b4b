//! The configuration keys catalog reads.

use bazaar_core::settings::SettingsError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogConfig {
    /// Memory for product pages, in MiB (each gateway; invalidated on change across gateways).
    /// List pages get a quarter of this on top.
    pub page_cache_mb: usize,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        // A product page is ~1 KB of JSON: 128 MiB holds a catalog of about 100,000 products.
        CatalogConfig { page_cache_mb: 128 }
    }
}

impl CatalogConfig {
    pub fn page_cache_bytes(&self) -> usize {
        self.page_cache_mb.saturating_mul(1 << 20)
    }
}

impl bazaar_core::settings::Settings for CatalogConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        Ok(())
    }
}
