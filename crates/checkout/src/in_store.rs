//! Face-to-face payments become orders too, so a shop sees its counter sales next to its online
//! ones: an order without items, for the amount the seller asked, waiting for payment.

use crate::CheckoutError;
use crate::orders::record_event;
use bazaar_core::Money;
use bazaar_core::ids::{CheckoutId, OrderId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{checkouts, orders};
use chrono::Utc;
use diesel::prelude::*;

/// Refuses a counter payment for a shop that cannot sell now (suspended or closed), as the cart
/// and checkout refuse its products.
pub fn require_shop_selling(conn: &mut DbConn, shop_id: ShopId) -> Result<(), CheckoutError> {
    match bazaar_identity::shop_status(conn, shop_id)? {
        Some(bazaar_identity::ShopStatus::Active) => Ok(()),
        Some(bazaar_identity::ShopStatus::Suspended) => {
            Err(CheckoutError::conflict("shop_unavailable", "this shop cannot take payments now"))
        }
        None => Err(CheckoutError::not_found("shop")),
    }
}

/// Creates the buyer's order for an in-store request (inside the caller's transaction); its id.
/// `reference` makes the checkout unique (one per request and buyer).
pub fn create_in_store_order(
    conn: &mut DbConn,
    buyer: UserId,
    shop_id: ShopId,
    amount: Money,
    note: &str,
    reference: &str,
) -> Result<(CheckoutId, OrderId), CheckoutError> {
    require_shop_selling(conn, shop_id)?;
    let now = Utc::now().naive_utc();
    let checkout_id: CheckoutId = diesel::insert_into(checkouts::table)
        .values((
            checkouts::user_id.eq(buyer),
            checkouts::idempotency_key.eq(reference),
            checkouts::request_hash.eq("in-store"),
            checkouts::response.eq(""),
            checkouts::created_at.eq(now),
        ))
        .returning(checkouts::id)
        .get_result(conn)?;
    let address = serde_json::json!({ "in_store": true, "note": note });
    let order_id: OrderId = diesel::insert_into(orders::table)
        .values((
            orders::checkout_id.eq(checkout_id),
            orders::user_id.eq(buyer),
            orders::shop_id.eq(shop_id),
            orders::status.eq("pending_payment"),
            orders::subtotal.eq(amount.to_minor()),
            orders::shipping_fee.eq(0i64),
            orders::total.eq(amount.to_minor()),
            orders::address.eq(address.to_string()),
            orders::created_at.eq(now),
            orders::updated_at.eq(now),
        ))
        .returning(orders::id)
        .get_result(conn)?;
    record_event(conn, order_id, None, "pending_payment", Some(buyer), "in-store payment", now)?;
    Ok((checkout_id, order_id))
}
