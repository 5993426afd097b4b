//! What other crates may know of an order without reading checkout's tables themselves: who
//! placed it with which shop, where it stands, what it came to and what is in it (a chat card).

use crate::CheckoutError;
use bazaar_core::Money;
use bazaar_core::ids::{OrderId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{order_items, orders};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub buyer_id: UserId,
    pub shop_id: ShopId,
    /// As stored; compare through [`crate::OrderStatus`].
    pub status: String,
    pub total: Money,
    /// Its lines' titles, in order.
    pub titles: Vec<String>,
}

/// The order's summary (`None`: no such order), inside the caller's transaction.
pub fn order_summary(conn: &mut DbConn, order_id: OrderId) -> Result<Option<OrderSummary>, CheckoutError> {
    let found: Option<(UserId, ShopId, String, i64)> = orders::table
        .find(order_id)
        .select((orders::user_id, orders::shop_id, orders::status, orders::total))
        .get_result(conn)
        .optional()?;
    let Some((buyer_id, shop_id, status, total)) = found else { return Ok(None) };
    let titles = order_items::table
        .filter(order_items::order_id.eq(order_id))
        .order(order_items::id)
        .select(order_items::title)
        .load(conn)?;
    Ok(Some(OrderSummary { buyer_id, shop_id, status, total: Money::from_minor(total), titles }))
}
