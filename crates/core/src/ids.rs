//! Typed ids. Every table key is a BIGINT; wrapping each in its own type stops a `ShopId` from
//! being passed where a `ProductId` is meant. Each id serializes as the plain number (JSON is
//! unchanged), and with the `diesel` feature it binds and loads as a BIGINT, so queries compare
//! columns with typed ids directly.
//!
//! Swapping two ids does not compile:
//!
//! ```compile_fail
//! use bazaar_core::ids::{ProductId, ShopId};
//! fn publish(_product: ProductId) {}
//! publish(ShopId(7));
//! ```

/// Declares `pub struct $name(pub i64)` with the conversions every id needs.
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[cfg_attr(
            feature = "diesel",
            derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow),
            diesel(sql_type = diesel::sql_types::BigInt)
        )]
        // In the OpenAPI document each id is a named integer schema (`UserId`, `ShopId`, …).
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

        impl From<$name> for serde_json::Value {
            fn from(id: $name) -> serde_json::Value {
                id.0.into()
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.parse().map(Self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        #[cfg(feature = "diesel")]
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        #[cfg(feature = "diesel")]
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>>::from_sql(bytes).map(Self)
            }
        }

    };
}

id_type!(
    /// A row of the outbox: catalog and order changes in commit order.
    EventId
);
id_type!(
    /// A person with an account (buyer, seller, staff or administrator).
    UserId
);
id_type!(
    /// A signed-in session of a user.
    SessionId
);
id_type!(
    /// A shop in the district.
    ShopId
);
id_type!(
    /// An application to open a shop.
    ApplicationId
);
id_type!(
    /// A delivery address in a user's address book.
    AddressId
);
id_type!(
    /// A node of the category tree.
    CategoryId
);
id_type!(
    /// A product listing (its SKUs carry price and stock).
    ProductId
);
id_type!(
    /// One sellable variant of a product: a price and a stock level.
    SkuId
);
id_type!(
    /// A line in a buyer's cart.
    CartItemId
);
id_type!(
    /// One checkout: the buyer's payment covering one order per shop.
    CheckoutId
);
id_type!(
    /// One shop's order inside a checkout.
    OrderId
);
id_type!(
    /// A buyer's request to refund an order.
    RefundRequestId
);
id_type!(
    /// A payment attempt through a provider.
    PaymentId
);
id_type!(
    /// A refund sent (or to be sent) to a provider.
    PaymentRefundId
);
id_type!(
    /// A buyer–shop chat conversation.
    ConversationId
);
id_type!(
    /// A report of abuse in a chat conversation.
    ReportId
);
id_type!(
    /// A coupon a shop or the platform offers (a template of the coupons buyers claim).
    CouponTemplateId
);
id_type!(
    /// One coupon in a buyer's wallet.
    CouponId
);
id_type!(
    /// A flash sale (秒杀): one SKU at a flash price for a limited quantity and time.
    FlashSaleId
);
id_type!(
    /// An automatic promotion of a shop: threshold tiers, N items percent off, or a limited-time price.
    PromotionId
);

id_type!(
    /// A QR-code or link campaign of a shop or the platform.
    CampaignId
);
id_type!(
    /// Where a campaign's code is put (a poster, a flyer, a shelf tag), with its own short link.
    PlacementId
);
id_type!(
    /// A short link (`/s/{code}`).
    ShortLinkId
);
id_type!(
    /// A lucky draw (抽奖).
    DrawId
);
id_type!(
    /// One prize of a lucky draw.
    PrizeId
);
id_type!(
    /// One chance to play a draw, earned once and used once.
    ChanceId
);
id_type!(
    /// One play of a draw and its outcome.
    PlayId
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
