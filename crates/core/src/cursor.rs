//! Keyset pagination cursors. A cursor is the sort key of the last row a client saw, encoded as an
//! opaque URL-safe string, so pages stay correct while rows are inserted or removed.

use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CursorError {
    #[error("cursor is not one this server issued")]
    Malformed,
    #[error("limit must be between 1 and {max}")]
    LimitOutOfRange { max: u32 },
}

/// An opaque cursor wrapping a sort key `K` (for example `(created_at, id)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    pub fn encode<K: Serialize>(key: &K) -> Cursor {
        // Serialising plain keys (numbers, strings, tuples of them) to JSON cannot fail.
        let json = serde_json::to_vec(key).unwrap_or_default();
        Cursor(hex_encode(&json))
    }

    pub fn decode<K: DeserializeOwned>(raw: &str) -> Result<K, CursorError> {
        let bytes = hex_decode(raw).ok_or(CursorError::Malformed)?;
        serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A page size a client asked for, checked against the endpoint's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl Default for PageLimit {
    /// The size of a page nobody chose a size for.
    fn default() -> PageLimit {
        PageLimit(Self::DEFAULT)
    }
}

impl PageLimit {
    pub const DEFAULT: u32 = 20;
    pub const MAX: u32 = 100;

    pub fn new(requested: Option<u32>) -> Result<PageLimit, CursorError> {
        match requested.unwrap_or(Self::DEFAULT) {
            n @ 1..=Self::MAX => Ok(PageLimit(n)),
            _ => Err(CursorError::LimitOutOfRange { max: Self::MAX }),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// One more than the page, to learn whether another page follows without a COUNT.
    pub fn probe(self) -> i64 {
        i64::from(self.0) + 1
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(raw: &str) -> Option<Vec<u8>> {
    if !raw.len().is_multiple_of(2) || raw.len() > 1024 {
        return None;
    }
    (0..raw.len()).step_by(2).map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_sort_key() {
        let cursor = Cursor::encode(&(1_700_000_000_i64, 42_i64, "手机"));
        let key: (i64, i64, String) = Cursor::decode(cursor.as_str()).unwrap();
        assert_eq!(key, (1_700_000_000, 42, "手机".to_string()));
    }

    #[test]
    fn rejects_tampered_cursors() {
        assert_eq!(Cursor::decode::<i64>("zz"), Err(CursorError::Malformed));
        assert_eq!(Cursor::decode::<i64>("abc"), Err(CursorError::Malformed));
        let text = Cursor::encode(&"x");
        assert_eq!(Cursor::decode::<i64>(text.as_str()), Err(CursorError::Malformed));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(PageLimit::new(None).unwrap().get(), PageLimit::DEFAULT);
        assert_eq!(PageLimit::new(Some(100)).unwrap().probe(), 101);
        assert!(PageLimit::new(Some(0)).is_err());
        assert!(PageLimit::new(Some(101)).is_err());
    }
}
