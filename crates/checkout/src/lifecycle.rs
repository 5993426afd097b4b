//! What happens to an order after it is placed: pending_payment → paid → shipped → received, or
//! cancelled (by the buyer before payment, by the shop before shipping, or by the sweeper when
//! payment times out). Every step is a conditional update of the status — so two racing steps
//! cannot both win, and stock goes back exactly once — plus an `order_events` row.

use crate::CheckoutError;
use crate::orders::record_event;
use bazaar_catalog::release_stock;
use bazaar_core::Money;
use bazaar_core::ids::{OrderId, ProductId, ShopId, SkuId, UserId};
use bazaar_db::schema::{order_events, order_items, orders};
use bazaar_db::{DbConn, write_transaction};
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, Queryable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<UserId>,
    pub reason: Option<String>,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: NaiveDateTime,
}

/// Who may act on an order.
pub(crate) enum Actor<'a> {
    Buyer(UserId),
    /// A member (owner or staff) of the order's shop.
    Shop(&'a Principal),
    /// Payments and the sweeper.
    System,
}

struct OrderHead {
    user_id: UserId,
    shop_id: ShopId,
    status: String,
}

fn head(conn: &mut DbConn, order_id: OrderId) -> Result<OrderHead, CheckoutError> {
    let row: Option<(UserId, ShopId, String)> = orders::table
        .find(order_id)
        .select((orders::user_id, orders::shop_id, orders::status))
        .get_result(conn)
        .optional()?;
    let (user_id, shop_id, status) = row.ok_or(CheckoutError::not_found("order"))?;
    Ok(OrderHead { user_id, shop_id, status })
}

/// Checks the actor may see the order at all; others are told it does not exist.
fn authorize(conn: &mut DbConn, order: &OrderHead, actor: &Actor) -> Result<Option<UserId>, CheckoutError> {
    match actor {
        Actor::Buyer(user) if *user == order.user_id => Ok(Some(*user)),
        Actor::Shop(member) if member.role_in(conn, order.shop_id)?.is_some() => Ok(Some(member.user_id)),
        Actor::System => Ok(None),
        _ => Err(CheckoutError::not_found("order")),
    }
}

/// Moves the order from one of `from` to `to`. A move the state does not allow is a 409 naming
/// the current state.
pub(crate) fn transition(
    conn: &mut DbConn,
    order_id: OrderId,
    actor: &Actor,
    from: &[&str],
    to: &str,
    reason: &str,
) -> Result<(Option<UserId>, String), CheckoutError> {
    let order = head(conn, order_id)?;
    let actor_id = authorize(conn, &order, actor)?;
    let refuse =
        |current: &str| CheckoutError::InvalidTransition { current: current.to_string(), wanted: to.to_string() };
    if !from.contains(&order.status.as_str()) {
        return Err(refuse(&order.status));
    }
    let now = Utc::now().naive_utc();
    let moved = diesel::update(orders::table.find(order_id).filter(orders::status.eq(&order.status)))
        .set((orders::status.eq(to), orders::updated_at.eq(now)))
        .execute(conn)?;
    if moved == 0 {
        return Err(refuse(&head(conn, order_id)?.status));
    }
    record_event(conn, order_id, Some(&order.status), to, actor_id, reason, now)?;
    Ok((actor_id, order.status))
}

/// Puts every item of the order back in stock (the order's state change guards "once").
pub(crate) fn release_order(
    conn: &mut DbConn,
    order_id: OrderId,
    actor: Option<UserId>,
    refund: bool,
) -> Result<Vec<ProductId>, CheckoutError> {
    let items: Vec<(SkuId, ProductId, i32)> = order_items::table
        .filter(order_items::order_id.eq(order_id))
        .select((order_items::sku_id, order_items::product_id, order_items::quantity))
        .load(conn)?;
    for (sku_id, _, quantity) in &items {
        release_stock(conn, *sku_id, i64::from(*quantity), actor, order_id, refund)?;
    }
    // An unpaid order's coupons go back to the wallet once no other order of its checkout shares
    // them (a paid order's are returned by its refund).
    let held = crate::discounts::sole_holders(conn, order_id)?;
    bazaar_promotions::release(conn, &held)?;
    bazaar_promotions::return_points(conn, order_id)?;
    // An unpaid flash order's units go back to the flash quantity, once.
    bazaar_promotions::release_flash(conn, order_id)?;
    Ok(items.into_iter().map(|(_, product, _)| product).collect())
}

fn reason(field: &'static str, raw: Option<String>, required: bool) -> Result<String, CheckoutError> {
    let min = usize::from(required);
    bazaar_core::user_text(&raw.unwrap_or_default(), min, 200, true)
        .map_err(|err| CheckoutError::invalid(field, err.to_string()))
}

/// Cancels and releases the stock. Buyers may cancel before payment; shops before shipping.
pub(crate) fn cancel(
    conn: &mut DbConn,
    order_id: OrderId,
    actor: Actor,
    why: Option<String>,
) -> Result<Vec<ProductId>, CheckoutError> {
    let (from, why): (&[&str], String) = match actor {
        Actor::Buyer(_) => (&["pending_payment"], reason("reason", why, false)?),
        Actor::Shop(_) => (&["pending_payment"], reason("reason", why, true)?),
        Actor::System => (&["pending_payment"], why.unwrap_or_else(|| "payment_timeout".into())),
    };
    write_transaction(conn, |conn| {
        let (actor_id, _) = transition(
            conn,
            order_id,
            &actor,
            from,
            "cancelled",
            if why.is_empty() { "cancelled by buyer" } else { &why },
        )?;
        release_order(conn, order_id, actor_id, false)
    })
}

/// What a shop's cancel led to: stock back, and for a paid order the refund to send.
pub(crate) struct ShopCancel {
    pub restocked: Vec<ProductId>,
    pub refund: Option<crate::RefundRequest>,
}

/// The shop cancels an order it has not shipped. Unpaid: cancelled. Paid: refunded in full, in
/// the same transaction (a shop never keeps the money of an order it cancelled).
pub(crate) fn cancel_by_shop(
    conn: &mut DbConn,
    order_id: OrderId,
    member: &Principal,
    why: Option<String>,
) -> Result<ShopCancel, CheckoutError> {
    let why = reason("reason", why, true)?;
    write_transaction(conn, |conn| {
        if head(conn, order_id)?.status == "paid" {
            let (request, restocked) = crate::refunds::refund_paid_order(conn, member, order_id, &why)?;
            return Ok(ShopCancel { restocked, refund: Some(request) });
        }
        let (actor_id, _) = transition(conn, order_id, &Actor::Shop(member), &["pending_payment"], "cancelled", &why)?;
        Ok(ShopCancel { restocked: release_order(conn, order_id, actor_id, false)?, refund: None })
    })
}

/// Records payment. Safe to call twice: an order already paid (or further) is left alone and
/// `false` returned; a cancelled order is a 409 (the payment must then be refunded).
pub fn mark_paid(conn: &mut DbConn, order_id: OrderId, payment_reference: &str) -> Result<bool, CheckoutError> {
    write_transaction(conn, |conn| record_payment(conn, order_id, payment_reference, None))
}

/// As [`mark_paid`], inside the caller's transaction, recording who paid when it was not the
/// buyer (pay-for-another).
pub fn record_payment(
    conn: &mut DbConn,
    order_id: OrderId,
    payment_reference: &str,
    payer_id: Option<UserId>,
) -> Result<bool, CheckoutError> {
    let order = head(conn, order_id)?;
    if matches!(order.status.as_str(), "paid" | "shipped" | "received" | "completed" | "refunded") {
        return Ok(false);
    }
    transition(conn, order_id, &Actor::System, &["pending_payment"], "paid", payment_reference)?;
    diesel::update(orders::table.find(order_id))
        .set((orders::paid_at.eq(Utc::now().naive_utc()), orders::payer_id.eq(payer_id)))
        .execute(conn)?;
    crate::discounts::spend(conn, order_id)?;
    bazaar_promotions::flash_paid(conn, order_id)?;
    bazaar_promotions::record_customer(conn, order.user_id, order.shop_id)?;
    Ok(true)
}

/// The shop ships a paid order (a member of its shop), with the carrier and tracking number.
pub fn ship_order(
    conn: &mut DbConn,
    order_id: OrderId,
    seller: &Principal,
    carrier: String,
    tracking: String,
) -> Result<(), CheckoutError> {
    let carrier = reason("carrier", Some(carrier), true)?;
    let tracking = reason("tracking_number", Some(tracking), true)?;
    write_transaction(conn, |conn| {
        transition(conn, order_id, &Actor::Shop(seller), &["paid"], "shipped", &format!("{carrier} {tracking}"))?;
        diesel::update(orders::table.find(order_id))
            .set((
                orders::carrier.eq(&carrier),
                orders::tracking_number.eq(&tracking),
                orders::shipped_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

pub(crate) fn confirm_receipt(conn: &mut DbConn, order_id: OrderId, buyer: UserId) -> Result<(), CheckoutError> {
    write_transaction(conn, |conn| {
        transition(conn, order_id, &Actor::Buyer(buyer), &["shipped"], "received", "confirmed by buyer").map(drop)
    })
}

/// Unpaid orders placed before `cutoff`, oldest first.
pub(crate) fn unpaid_before(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderId>, CheckoutError> {
    Ok(orders::table
        .filter(orders::status.eq("pending_payment"))
        .filter(orders::created_at.lt(cutoff))
        .order(orders::created_at.asc())
        .limit(limit)
        .select(orders::id)
        .load(conn)?)
}

pub(crate) fn events(conn: &mut DbConn, order_id: OrderId) -> Result<Vec<OrderEvent>, CheckoutError> {
    Ok(order_events::table
        .filter(order_events::order_id.eq(order_id))
        .order(order_events::id.asc())
        .select((
            order_events::from_status,
            order_events::to_status,
            order_events::actor_id,
            order_events::reason,
            order_events::created_at,
        ))
        .load(conn)?)
}

/// The order, if `member` works for its shop (others are told it does not exist).
pub(crate) fn authorize_shop(conn: &mut DbConn, order_id: OrderId, member: &Principal) -> Result<(), CheckoutError> {
    let order = head(conn, order_id)?;
    authorize(conn, &order, &Actor::Shop(member)).map(drop)
}

/// Shipped orders the buyer never confirmed, shipped before `cutoff`.
pub(crate) fn shipped_before(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderId>, CheckoutError> {
    Ok(orders::table
        .filter(orders::status.eq("shipped"))
        .filter(orders::shipped_at.lt(cutoff))
        .order(orders::shipped_at.asc())
        .limit(limit)
        .select(orders::id)
        .load(conn)?)
}

/// Received orders whose after-sales window closed before `cutoff` (the last change of a received
/// order is its receipt, so `updated_at` is the receipt time).
pub(crate) fn received_before(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OrderId>, CheckoutError> {
    Ok(orders::table
        .filter(orders::status.eq("received"))
        .filter(orders::updated_at.lt(cutoff))
        .order(orders::updated_at.asc())
        .limit(limit)
        .select(orders::id)
        .load(conn)?)
}

/// Closes an order once refunds can no longer be asked for.
/// Completes a received order; no refund can follow, so the buyer earns points on what they paid.
pub(crate) fn complete(
    conn: &mut DbConn,
    order_id: OrderId,
    rules: &bazaar_promotions::PointsRules,
) -> Result<(), CheckoutError> {
    write_transaction(conn, |conn| {
        transition(conn, order_id, &Actor::System, &["received"], "completed", "after_sales_window_closed")?;
        let (buyer, total): (UserId, i64) =
            orders::table.find(order_id).select((orders::user_id, orders::total)).first(conn)?;
        // What was refunded of it (some of its units) earns nothing.
        let kept = total - crate::refunds::refunded_so_far(conn, order_id)?;
        bazaar_promotions::earn_points(conn, buyer, order_id, Money::from_minor(kept.max(0)), rules)?;
        Ok(())
    })
}

/// Confirms receipt on the buyer's behalf after the waiting period.
pub(crate) fn auto_receive(conn: &mut DbConn, order_id: OrderId) -> Result<(), CheckoutError> {
    write_transaction(conn, |conn| {
        transition(conn, order_id, &Actor::System, &["shipped"], "received", "auto_confirmed").map(drop)
    })
}

/// Orders of a shop for its members, newest first, optionally in one state and placed between
/// two times (from inclusive, until exclusive).
pub(crate) fn shop_orders(
    conn: &mut DbConn,
    member: &Principal,
    shop_id: ShopId,
    status: Option<String>,
    placed_between: (Option<NaiveDateTime>, Option<NaiveDateTime>),
    before: Option<OrderId>,
    limit: i64,
) -> Result<Vec<OrderId>, CheckoutError> {
    member.shop_role(conn, shop_id)?;
    let mut query = orders::table.filter(orders::shop_id.eq(shop_id)).into_boxed();
    if let Some(status) = status {
        query = query.filter(orders::status.eq(status));
    }
    if let Some(from) = placed_between.0 {
        query = query.filter(orders::created_at.ge(from));
    }
    if let Some(until) = placed_between.1 {
        query = query.filter(orders::created_at.lt(until));
    }
    if let Some(before) = before {
        query = query.filter(orders::id.lt(before));
    }
    Ok(query.order(orders::id.desc()).limit(limit).select(orders::id).load(conn)?)
}
