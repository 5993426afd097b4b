//! Typed ids. Every table key is a BIGINT; wrapping each in its own type stops a `ShopId` from
//! being passed where a `ProductId` is meant.

/// Declares `pub struct $name(pub i64)` with the conversions every id needs.
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A row of the outbox: catalog and order changes in commit order.
    EventId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_plain_numbers() {
        let json = serde_json::to_string(&EventId(42)).unwrap();
        assert_eq!(json, "42");
        let back: EventId = serde_json::from_str("42").unwrap();
        assert_eq!(back, EventId(42));
    }
}
