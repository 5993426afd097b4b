//! Keyset pagination on the wire: `?cursor=&limit=` in, `{items, next_cursor}` out.

use crate::error::ApiError;
use bazaar_core::{Cursor, PageLimit};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
}

impl PageQuery {
    /// The decoded position (or `None` for the first page) and the page size.
    pub fn parse<K: DeserializeOwned>(&self) -> Result<(Option<K>, PageLimit), ApiError> {
        let limit = PageLimit::new(self.limit)
            .map_err(|err| ApiError::bad_request("invalid_query", err.to_string()).with_field("limit"))?;
        let position = match &self.cursor {
            Some(raw) => Some(
                Cursor::decode(raw)
                    .map_err(|err| ApiError::bad_request("invalid_cursor", err.to_string()).with_field("cursor"))?,
            ),
            None => None,
        };
        Ok((position, limit))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Present when more items follow.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A list that is always whole (bounded by the domain), in the same envelope as paged lists.
    pub fn whole(items: Vec<T>) -> Page<T> {
        Page { items, next_cursor: None }
    }

    /// Builds a page from up to `limit + 1` rows; the extra row only says another page exists.
    pub fn from_probe<K: Serialize>(mut rows: Vec<T>, limit: PageLimit, key: impl Fn(&T) -> K) -> Page<T> {
        let more = rows.len() > limit.get() as usize;
        rows.truncate(limit.get() as usize);
        let next_cursor =
            if more { rows.last().map(|row| Cursor::encode(&key(row)).as_str().to_string()) } else { None };
        Page { items: rows, next_cursor }
    }
}
