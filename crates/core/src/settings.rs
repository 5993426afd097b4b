//! What every crate's settings share: the refusal of a bad value, naming its key, and the list of
//! keys a settings struct reads, so the gateway can refuse a key no crate knows.
//!
//! Each domain crate owns a settings struct whose field names are the configuration keys users
//! write (`bazaar.toml` keys, and `BAZAAR_<KEY>` in the environment); it has defaults, checks its
//! own values, and turns itself into what the crate runs with. The gateway only composes them.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// A crate's settings: its fields are the keys users write, it has defaults, checks its own
/// values, and says how it is shown with its secrets hidden (`bazaar config`). The gateway
/// composes every crate's settings through this trait alone.
pub trait Settings: serde::Serialize + serde::de::DeserializeOwned + Default + Clone {
    /// Refuses a bad value, naming its key.
    fn validate(&self) -> Result<(), SettingsError> {
        Ok(())
    }

    /// These settings as they may be printed: every secret replaced by `<redacted>`.
    fn redacted(&self) -> Self {
        self.clone()
    }
}

/// A secret as it may be printed.
pub fn redact(secret: &Option<String>) -> Option<String> {
    secret.as_ref().map(|_| "<redacted>".to_string())
}

/// A configuration value refused, naming the key users set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}` {problem}")]
pub struct SettingsError {
    pub key: &'static str,
    pub problem: String,
}

impl SettingsError {
    pub fn new(key: &'static str, problem: impl Into<String>) -> SettingsError {
        SettingsError { key, problem: problem.into() }
    }
}

/// `Err` naming `key` unless `value` is at least 1: the common rule for counts and intervals.
pub fn at_least_one(key: &'static str, value: i64) -> Result<(), SettingsError> {
    if value < 1 { Err(SettingsError::new(key, "must be at least 1")) } else { Ok(()) }
}

/// Text as written. The environment provider reads `BAZAAR_WECHATPAY_MCHID=1900000109` as a
/// number, so text keys (merchant ids, secrets, schedules) take numbers and booleans as their text.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(TextVisitor)
}

/// [`text`] for keys that may be unset.
pub fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    text(deserializer).map(Some)
}

/// Lists come as TOML arrays from the file and as `a,b` from the environment.
pub fn list_or_comma_separated<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum ListOrText {
        List(Vec<String>),
        Text(#[serde(deserialize_with = "text")] String),
    }
    Ok(match ListOrText::deserialize(deserializer)? {
        ListOrText::List(list) => list,
        ListOrText::Text(text) => {
            text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(String::from).collect()
        }
    })
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
        Ok(value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<String, E> {
        Ok(value.to_string())
    }
}

/// `Err` naming `key` unless `url` is an http(s) URL.
pub fn http_url(key: &'static str, url: &str) -> Result<(), SettingsError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(SettingsError::new(key, "must be an http(s) URL"))
    }
}

/// The keys a settings struct reads: the field names its `Deserialize` asks for.
pub fn keys_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut keys: &'static [&'static str] = &[];
    // The derive hands its field list to `deserialize_struct`; we keep it and stop there.
    let _ = T::deserialize(FieldNames(&mut keys));
    keys
}

struct FieldNames<'a>(&'a mut &'static [&'static str]);

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names read")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = fields;
        Err(Stop)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Example {
        first_key: u32,
        #[serde(rename = "renamed_key")]
        second: String,
    }

    #[test]
    fn keys_are_the_names_users_write() {
        assert_eq!(keys_of::<Example>(), ["first_key", "renamed_key"]);
    }
}
