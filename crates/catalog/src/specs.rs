//! Taobao-style specs: a product declares dimensions (颜色: 红/黑; 尺码: S/M/L) and has exactly one
//! SKU per combination. This module checks a declaration and its SKUs and names each combination
//! by a stable key ("红/S"), so an edit can tell the SKUs that stay from those that come or go.

use crate::CatalogError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MAX_DIMENSIONS: usize = 4;
pub const MAX_VALUES: usize = 30;
pub const MAX_COMBINATIONS: usize = 600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SpecDimension {
    /// e.g. `颜色` or `Colour`.
    pub name: String,
    /// e.g. `["红", "黑"]`.
    pub values: Vec<String>,
}

fn clean(text: &str) -> String {
    text.trim().to_string()
}

/// Checks the declaration: named dimensions, unique names, unique non-empty values, bounded size.
pub fn validate_dimensions(specs: &[SpecDimension]) -> Result<Vec<SpecDimension>, CatalogError> {
    if specs.len() > MAX_DIMENSIONS {
        return Err(CatalogError::invalid("specs", format!("at most {MAX_DIMENSIONS} dimensions")));
    }
    let mut names = BTreeSet::new();
    let mut cleaned = Vec::with_capacity(specs.len());
    let mut combinations = 1usize;
    for (i, dimension) in specs.iter().enumerate() {
        let name = clean(&dimension.name);
        if bazaar_core::user_text(&name, 1, 20, false).is_err() || name.contains('/') {
            return Err(CatalogError::invalid(
                format!("specs[{i}].name"),
                "must be 1 to 20 characters without '/' or control characters",
            ));
        }
        if !names.insert(name.clone()) {
            return Err(CatalogError::invalid(format!("specs[{i}].name"), format!("`{name}` is declared twice")));
        }
        if dimension.values.is_empty() || dimension.values.len() > MAX_VALUES {
            return Err(CatalogError::invalid(
                format!("specs[{i}].values"),
                format!("must have 1 to {MAX_VALUES} values"),
            ));
        }
        let mut values = Vec::with_capacity(dimension.values.len());
        for (j, value) in dimension.values.iter().enumerate() {
            let value = clean(value);
            if bazaar_core::user_text(&value, 1, 30, false).is_err() || value.contains('/') {
                return Err(CatalogError::invalid(
                    format!("specs[{i}].values[{j}]"),
                    "must be 1 to 30 characters without '/' or control characters",
                ));
            }
            if values.contains(&value) {
                return Err(CatalogError::invalid(
                    format!("specs[{i}].values[{j}]"),
                    format!("`{value}` is listed twice"),
                ));
            }
            values.push(value);
        }
        combinations = combinations.saturating_mul(values.len());
        cleaned.push(SpecDimension { name, values });
    }
    if combinations > MAX_COMBINATIONS {
        return Err(CatalogError::invalid("specs", format!("at most {MAX_COMBINATIONS} combinations")));
    }
    Ok(cleaned)
}

/// The key of one SKU's combination: its values in dimension order, joined by '/'. The empty
/// string for a product without specs.
pub fn combination_key(
    specs: &[SpecDimension],
    chosen: &BTreeMap<String, String>,
    field: &str,
) -> Result<String, CatalogError> {
    if chosen.len() != specs.len() {
        return Err(CatalogError::invalid(
            field.to_string(),
            format!("must name a value for each of the {} spec dimensions, and nothing else", specs.len()),
        ));
    }
    let mut parts = Vec::with_capacity(specs.len());
    for dimension in specs {
        let value = chosen.get(&dimension.name).map(|value| clean(value)).ok_or_else(|| {
            CatalogError::invalid(field.to_string(), format!("has no value for `{}`", dimension.name))
        })?;
        if !dimension.values.contains(&value) {
            return Err(CatalogError::invalid(
                field.to_string(),
                format!("`{value}` is not a declared value of `{}`", dimension.name),
            ));
        }
        parts.push(value);
    }
    Ok(parts.join("/"))
}

/// Every combination's key, in declaration order.
pub fn all_keys(specs: &[SpecDimension]) -> Vec<String> {
    let mut keys = vec![Vec::<&str>::new()];
    for dimension in specs {
        keys = keys
            .into_iter()
            .flat_map(|prefix| {
                dimension.values.iter().map(move |value| {
                    let mut next = prefix.clone();
                    next.push(value);
                    next
                })
            })
            .collect();
    }
    keys.into_iter().map(|parts| parts.join("/")).collect()
}

/// Checks that `keys` (one per SKU, in input order) cover every combination exactly once.
pub fn check_coverage(specs: &[SpecDimension], keys: &[String]) -> Result<(), CatalogError> {
    let mut seen = BTreeSet::new();
    for (i, key) in keys.iter().enumerate() {
        if !seen.insert(key.as_str()) {
            return Err(CatalogError::invalid(
                format!("skus[{i}].specs"),
                format!("combination `{key}` appears twice"),
            ));
        }
    }
    let missing: Vec<String> = all_keys(specs).into_iter().filter(|key| !seen.contains(key.as_str())).collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        return Err(CatalogError::invalid("skus", format!("missing SKUs for {}", shown.join(", "))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> Vec<SpecDimension> {
        vec![
            SpecDimension { name: "颜色".into(), values: vec!["红".into(), "黑".into()] },
            SpecDimension { name: "尺码".into(), values: vec!["S".into(), "M".into(), "L".into()] },
        ]
    }

    fn chosen(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn keys_follow_dimension_order() {
        assert_eq!(
            combination_key(&dims(), &chosen(&[("尺码", "M"), ("颜色", "黑")]), "skus[0].specs").unwrap(),
            "黑/M"
        );
        assert_eq!(all_keys(&dims()), ["红/S", "红/M", "红/L", "黑/S", "黑/M", "黑/L"]);
        assert_eq!(all_keys(&[]), [""]);
    }

    #[test]
    fn undeclared_values_and_dimensions_are_named() {
        let err = combination_key(&dims(), &chosen(&[("颜色", "蓝"), ("尺码", "S")]), "skus[1].specs").unwrap_err();
        assert_eq!(err.field(), Some("skus[1].specs"));
        assert!(combination_key(&dims(), &chosen(&[("颜色", "红")]), "f").is_err());
        assert!(combination_key(&dims(), &chosen(&[("颜色", "红"), ("尺码", "S"), ("x", "y")]), "f").is_err());
    }

    #[test]
    fn coverage_must_be_exact() {
        let all = all_keys(&dims());
        assert!(check_coverage(&dims(), &all).is_ok());
        let err = check_coverage(&dims(), &all[..5]).unwrap_err();
        assert!(err.to_string().contains("黑/L"), "{err}");
        let mut twice = all.clone();
        twice[5] = "红/S".into();
        assert_eq!(check_coverage(&dims(), &twice).unwrap_err().field(), Some("skus[5].specs"));
    }

    #[test]
    fn declarations_are_checked() {
        let mut duplicate = dims();
        duplicate[1].name = "颜色".into();
        assert_eq!(validate_dimensions(&duplicate).unwrap_err().field(), Some("specs[1].name"));
        let mut empty_value = dims();
        empty_value[0].values.push("  ".into());
        assert_eq!(validate_dimensions(&empty_value).unwrap_err().field(), Some("specs[0].values[2]"));
        let huge = vec![SpecDimension { name: "a".into(), values: (0..30).map(|n| n.to_string()).collect() }; 2];
        assert!(validate_dimensions(&huge).is_err(), "900 combinations is too many");
    }
}
