//! The stylesheet and the script, compiled into the binary. Each is served under a name carrying
//! a hash of its content (`app.3f2a1b9c.css`), so a page can tell browsers to keep it for a year:
//! a changed file gets a new name.

use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct Asset {
    /// The served file name, hash included.
    pub name: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

fn hashed(stem: &str, extension: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let digest = Sha256::digest(body);
    let short: String = digest.iter().take(5).map(|byte| format!("{byte:02x}")).collect();
    Asset { name: format!("{stem}.{short}.{extension}"), content_type, body }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        hashed("app", "css", "text/css; charset=utf-8", include_bytes!("../assets/app.css")),
        hashed("app", "js", "text/javascript; charset=utf-8", include_bytes!("../assets/app.js")),
    ]
});

/// The asset served under `name`, if any.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// Where pages link the stylesheet from.
pub fn css_href() -> String {
    format!("/m/assets/{}", ASSETS[0].name)
}

/// Where pages load the script from.
pub fn js_href() -> String {
    format!("/m/assets/{}", ASSETS[1].name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_found_by_its_hashed_name_and_only_by_it() {
        for href in [css_href(), js_href()] {
            let name = href.trim_start_matches("/m/assets/");
            assert!(find(name).is_some(), "{name}");
            assert_eq!(name.split('.').count(), 3, "{name}: stem.hash.ext");
        }
        assert!(find("app.css").is_none(), "an unhashed name would be cached forever with stale content");
    }
}
