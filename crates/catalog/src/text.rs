//! Field checks shared by the catalog's inputs.

use crate::CatalogError;

/// Trimmed text of `min..=max` characters without spoofing characters (newlines allowed if
/// `multiline`), by the one rule in `bazaar_core::text`.
pub(crate) fn bounded(field: &str, raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, CatalogError> {
    bazaar_core::user_text(raw, min, max, multiline)
        .map_err(|err| CatalogError::invalid(field.to_string(), err.to_string()))
}

pub(crate) fn url(field: &str, raw: &str) -> Result<String, CatalogError> {
    let value = raw.trim();
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= 512
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(CatalogError::invalid(field.to_string(), "must be an http(s) URL of at most 512 characters"));
    }
    Ok(value.to_string())
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned + Default>(raw: &str) -> T {
    serde_json::from_str(raw).unwrap_or_default()
}
