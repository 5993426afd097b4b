//! What the promotion suites share: request bodies with some fields changed, and the adjustments
//! of an order or a preview's shop read as text.

use serde_json::Value;

/// `base` with each of `fields` set over it.
pub fn with_fields(mut base: Value, fields: Value) -> Value {
    for (key, value) in fields.as_object().expect("fields is an object").clone() {
        base[key] = value;
    }
    base
}

/// The text of `keys` in each adjustment of `order` (an order, or a preview's shop), in order.
pub fn adjustments(order: &Value, keys: &[&str]) -> Vec<Vec<String>> {
    order["adjustments"]
        .as_array()
        .expect("adjustments")
        .iter()
        .map(|adjustment| keys.iter().map(|key| adjustment[*key].as_str().unwrap_or_default().to_string()).collect())
        .collect()
}

/// One expected row of [`adjustments`].
pub fn row(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|text| text.to_string()).collect()
}
