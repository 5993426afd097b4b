//! The configuration keys search reads.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchConfig {
    /// Where this gateway keeps its search index (each gateway has its own); `<data_dir>/search`
    /// when unset.
    pub search_index_dir: Option<PathBuf>,
}

impl SearchConfig {
    pub fn index_dir(&self, data_dir: &Path) -> PathBuf {
        self.search_index_dir.clone().unwrap_or_else(|| data_dir.join("search"))
    }
}

impl bazaar_core::settings::Settings for SearchConfig {}
