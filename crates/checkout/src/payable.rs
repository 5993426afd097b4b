//! What payments may read of orders: which orders of a checkout still wait for payment, who
//! placed them and what they hold. Payments owns its trades; checkout owns the orders and their
//! states, so "still payable" is decided here and nowhere else.

use crate::{CheckoutError, OrderStatus};
use bazaar_core::Money;
use bazaar_core::ids::{CheckoutId, OrderId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{checkouts, order_items, orders};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An order waiting for payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayableOrder {
    pub order_id: OrderId,
    pub buyer: UserId,
    pub total: Money,
    pub placed_at: NaiveDateTime,
}

/// One line of an order waiting for payment (what a friend paying for it is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayableLine {
    pub order_id: OrderId,
    pub title: String,
    pub quantity: i32,
    pub unit_price: Money,
}

fn pending() -> &'static str {
    OrderStatus::PendingPayment.as_str()
}

/// The checkout's orders still waiting for payment, oldest first.
pub fn payable_orders(conn: &mut DbConn, checkout_id: CheckoutId) -> Result<Vec<PayableOrder>, CheckoutError> {
    let rows: Vec<(OrderId, UserId, i64, NaiveDateTime)> = orders::table
        .filter(orders::checkout_id.eq(checkout_id))
        .filter(orders::status.eq(pending()))
        .order(orders::id.asc())
        .select((orders::id, orders::user_id, orders::total, orders::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(order_id, buyer, total, placed_at)| PayableOrder {
            order_id,
            buyer,
            total: Money::from_minor(total),
            placed_at,
        })
        .collect())
}

/// The lines of the checkout's orders still waiting for payment, in the order they were placed.
pub fn payable_lines(conn: &mut DbConn, checkout_id: CheckoutId) -> Result<Vec<PayableLine>, CheckoutError> {
    let rows: Vec<(OrderId, String, i32, i64)> = order_items::table
        .inner_join(orders::table)
        .filter(orders::checkout_id.eq(checkout_id))
        .filter(orders::status.eq(pending()))
        .order(order_items::id.asc())
        .select((orders::id, order_items::title, order_items::quantity, order_items::unit_price))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(order_id, title, quantity, unit_price)| PayableLine {
            order_id,
            title,
            quantity,
            unit_price: Money::from_minor(unit_price),
        })
        .collect())
}

/// Who placed a checkout, whatever its orders' states (`None`: no such checkout).
pub fn checkout_buyer(conn: &mut DbConn, checkout_id: CheckoutId) -> Result<Option<UserId>, CheckoutError> {
    Ok(checkouts::table.find(checkout_id).select(checkouts::user_id).get_result(conn).optional()?)
}

/// Who placed an order, and the checkout it belongs to.
pub fn order_buyer_and_checkout(conn: &mut DbConn, order_id: OrderId) -> Result<(UserId, CheckoutId), CheckoutError> {
    orders::table
        .find(order_id)
        .select((orders::user_id, orders::checkout_id))
        .first(conn)
        .optional()?
        .ok_or_else(|| CheckoutError::not_found("order"))
}

/// Which of `order_ids` still wait for payment.
pub fn still_payable(conn: &mut DbConn, order_ids: &[OrderId]) -> Result<Vec<OrderId>, CheckoutError> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(orders::table
        .filter(orders::id.eq_any(order_ids))
        .filter(orders::status.eq(pending()))
        .select(orders::id)
        .load(conn)?)
}
