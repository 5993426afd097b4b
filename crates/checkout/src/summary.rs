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

/// A paid order of a buyer: what a lucky draw's "a chance per paid order" and its "buyers only"
/// gate ask of checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidOrder {
    pub id: OrderId,
    pub total: Money,
}

/// `buyer`'s orders paid at or after `since` (in `shop`, or anywhere), oldest first, inside the
/// caller's transaction. An order refunded or cancelled after paying still counts as paid here;
/// the caller decides what that earns.
pub fn paid_orders(
    conn: &mut DbConn,
    buyer: UserId,
    shop: Option<ShopId>,
    since: chrono::NaiveDateTime,
) -> Result<Vec<PaidOrder>, CheckoutError> {
    let mut query = orders::table
        .filter(orders::user_id.eq(buyer))
        .filter(orders::paid_at.ge(since))
        .select((orders::id, orders::total))
        .order(orders::id)
        .into_boxed();
    if let Some(shop) = shop {
        query = query.filter(orders::shop_id.eq(shop));
    }
    let rows: Vec<(OrderId, i64)> = query.limit(1000).load(conn)?;
    Ok(rows.into_iter().map(|(id, total)| PaidOrder { id, total: Money::from_minor(total) }).collect())
}

/// Where each of `ids` stands and what it came to, for a campaign's funnel (orders not found are
/// left out).
pub fn order_states(
    conn: &mut DbConn,
    ids: &[OrderId],
) -> Result<Vec<(OrderId, crate::OrderStatus, Money)>, CheckoutError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(OrderId, String, i64)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::status, orders::total))
            .load(conn)?;
        for (id, status, total) in rows {
            if let Some(status) = crate::OrderStatus::parse(&status) {
                found.push((id, status, Money::from_minor(total)));
            }
        }
    }
    Ok(found)
}
