//! A lucky draw's item prize becomes an order of the shop once its winner gives an address:
//! nothing to pay (total 0, placed as `paid`), so it waits under the shop's 待发货 and is shipped,
//! tracked and received like any other order.

use crate::CheckoutError;
use crate::orders::{address_snapshot, record_event};
use bazaar_core::ids::{AddressId, CheckoutId, OrderId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{checkouts, orders};
use chrono::Utc;
use diesel::prelude::*;

/// What the prize order is for: shown in its history.
pub struct Prize<'a> {
    pub shop: ShopId,
    pub name: &'a str,
    /// Unique per prize (e.g. `draw_play:42`): the order is made once.
    pub reference: &'a str,
}

/// Creates the winner's order for `prize`, to be sent to one of the winner's addresses, inside
/// the caller's transaction; its id.
pub fn create_prize_order(
    conn: &mut DbConn,
    winner: UserId,
    address: AddressId,
    prize: &Prize<'_>,
) -> Result<OrderId, CheckoutError> {
    let address = address_snapshot(conn, winner, address)?;
    let now = Utc::now().naive_utc();
    let checkout_id: CheckoutId = diesel::insert_into(checkouts::table)
        .values((
            checkouts::user_id.eq(winner),
            checkouts::idempotency_key.eq(prize.reference),
            checkouts::request_hash.eq("prize"),
            checkouts::response.eq(""),
            checkouts::created_at.eq(now),
        ))
        .returning(checkouts::id)
        .get_result(conn)?;
    let order_id: OrderId = diesel::insert_into(orders::table)
        .values((
            orders::checkout_id.eq(checkout_id),
            orders::user_id.eq(winner),
            orders::shop_id.eq(prize.shop),
            orders::status.eq(crate::OrderStatus::Paid.as_str()),
            orders::subtotal.eq(0i64),
            orders::shipping_fee.eq(0i64),
            orders::total.eq(0i64),
            orders::address.eq(address.to_string()),
            orders::created_at.eq(now),
            orders::updated_at.eq(now),
            orders::paid_at.eq(now),
        ))
        .returning(orders::id)
        .get_result(conn)?;
    let reason = format!("prize: {}", prize.name);
    record_event(conn, order_id, None, crate::OrderStatus::Paid.as_str(), Some(winner), &reason, now)?;
    Ok(order_id)
}
