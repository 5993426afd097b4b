//! Caps on what one buyer may hold unpaid, so that a fresh account cannot reserve a shop's whole
//! stock for the payment timeout, again and again.

use crate::{CheckoutError, CheckoutSettings};
use bazaar_core::ids::UserId;
use bazaar_db::schema::{order_items, orders};
use bazaar_db::{DbConn, LockPurpose, serialize_writers};
use diesel::prelude::*;

/// Inside the placing transaction, before anything is reserved: refuses the new orders if the
/// buyer's unpaid orders or reserved units would exceed the caps. The buyer's placements are
/// serialised first, so two racing checkouts cannot both pass on the same old count.
pub(crate) fn check_caps<'a>(
    conn: &mut DbConn,
    buyer: UserId,
    new_orders: usize,
    new_units: impl Iterator<Item = &'a i32>,
    settings: &CheckoutSettings,
) -> Result<(), CheckoutError> {
    serialize_writers(conn, LockPurpose::BuyerReservations, buyer.get())?;
    let unpaid = orders::table.filter(orders::user_id.eq(buyer)).filter(orders::status.eq("pending_payment"));
    let held_orders: i64 = unpaid.count().get_result(conn)?;
    let held_units: Option<i64> = order_items::table
        .inner_join(orders::table)
        .filter(orders::user_id.eq(buyer))
        .filter(orders::status.eq("pending_payment"))
        .select(diesel::dsl::sum(order_items::quantity))
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten();
    let wanted_units: i64 = new_units.map(|units| i64::from(*units)).sum();
    let orders_after = held_orders.saturating_add(i64::try_from(new_orders).unwrap_or(i64::MAX));
    let units_after = held_units.unwrap_or(0).saturating_add(wanted_units);
    let caps = [
        (orders_after, settings.max_unpaid_orders_per_buyer, "too_many_unpaid_orders", "unpaid orders"),
        (units_after, settings.max_reserved_units_per_buyer, "too_many_reserved_units", "units in unpaid orders"),
    ];
    if let Some((after, cap, code, what)) = caps.into_iter().find(|(after, cap, ..)| after > cap) {
        return Err(CheckoutError::conflict(
            code,
            format!("this would make {after} {what}; at most {cap} may wait for payment: pay or cancel first"),
        ));
    }
    Ok(())
}
