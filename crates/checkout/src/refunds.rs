//! After-sales refunds. A buyer asks for one on a paid order; the shop approves or rejects it.
//! Approval moves the order to `refunded` — restocking it, exactly once, if it had not shipped —
//! and the request waits for the payment provider, whose confirmation (`mark_refunded`, safe to
//! call twice) completes it.

use crate::CheckoutError;
use crate::lifecycle::{Actor, authorize_shop, release_order, transition};
use bazaar_core::ids::{OrderId, ProductId, RefundRequestId, ShopId, UserId};
use bazaar_db::schema::{orders, refund_requests};
use bazaar_db::{DbConn, write_transaction};
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = refund_requests)]
pub struct RefundRequest {
    pub id: RefundRequestId,
    pub order_id: OrderId,
    pub user_id: UserId,
    /// `requested`, `approved`, `rejected` or `refunded`.
    pub status: String,
    pub reason: String,
    pub decision_reason: Option<String>,
    pub decided_by: Option<UserId>,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: NaiveDateTime,
}

fn text(field: &'static str, raw: &str) -> Result<String, CheckoutError> {
    bazaar_core::user_text(raw, 1, 500, true).map_err(|err| CheckoutError::invalid(field, err.to_string()))
}

fn load(conn: &mut DbConn, id: RefundRequestId) -> Result<RefundRequest, CheckoutError> {
    refund_requests::table
        .find(id)
        .select(RefundRequest::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(CheckoutError::not_found("refund request"))
}

/// The buyer asks for a refund of a paid order (paid, shipped or received).
pub(crate) fn request(
    conn: &mut DbConn,
    buyer: UserId,
    order_id: OrderId,
    reason: &str,
) -> Result<RefundRequest, CheckoutError> {
    let reason = text("reason", reason)?;
    write_transaction(conn, |conn| {
        let order: Option<(UserId, String)> =
            orders::table.find(order_id).select((orders::user_id, orders::status)).get_result(conn).optional()?;
        let (owner, status) = order.filter(|(owner, _)| *owner == buyer).ok_or(CheckoutError::not_found("order"))?;
        if !matches!(status.as_str(), "paid" | "shipped" | "received") {
            return Err(CheckoutError::InvalidTransition { current: status, wanted: "refund_requested".into() });
        }
        let inserted = diesel::insert_into(refund_requests::table)
            .values((
                refund_requests::order_id.eq(order_id),
                refund_requests::user_id.eq(owner),
                refund_requests::status.eq("requested"),
                refund_requests::reason.eq(&reason),
                refund_requests::created_at.eq(Utc::now().naive_utc()),
            ))
            .returning(refund_requests::id)
            .get_result::<RefundRequestId>(conn);
        match inserted {
            Ok(id) => load(conn, id),
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Err(
                CheckoutError::conflict("refund_pending", "a refund request for this order is waiting for the shop"),
            ),
            Err(err) => Err(err.into()),
        }
    })
}

/// The shop decides. Returns the request and the products whose stock came back.
pub(crate) fn decide(
    conn: &mut DbConn,
    member: &Principal,
    request_id: RefundRequestId,
    approve: bool,
    why: Option<String>,
) -> Result<(RefundRequest, Vec<ProductId>), CheckoutError> {
    let why = match (approve, why) {
        (false, why) => Some(text("reason", why.as_deref().unwrap_or_default())?),
        (true, Some(why)) if !why.trim().is_empty() => Some(text("reason", &why)?),
        (true, _) => None,
    };
    write_transaction(conn, |conn| {
        let request = load(conn, request_id)?;
        authorize_shop(conn, request.order_id, member)?;
        let to = if approve { "approved" } else { "rejected" };
        let decided =
            diesel::update(refund_requests::table.find(request_id).filter(refund_requests::status.eq("requested")))
                .set((
                    refund_requests::status.eq(to),
                    refund_requests::decision_reason.eq(&why),
                    refund_requests::decided_by.eq(member.user_id),
                    refund_requests::decided_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
        if decided == 0 {
            return Err(CheckoutError::InvalidTransition { current: request.status, wanted: to.into() });
        }
        let mut restocked = Vec::new();
        if approve {
            let reason = format!("refund request {request_id} approved");
            let (_, before) = transition(
                conn,
                request.order_id,
                &Actor::Shop(member),
                &["paid", "shipped", "received"],
                "refunded",
                &reason,
            )?;
            // Goods that never left the shop go back on the shelf; shipped goods are with the buyer.
            if before == "paid" {
                restocked = release_order(conn, request.order_id, Some(member.user_id), true)?;
            }
        }
        Ok((load(conn, request_id)?, restocked))
    })
}

/// The shop cancels an order the buyer has paid for: that is a full refund, decided by the shop,
/// so it takes the approved-refund path (one approved request, the order `refunded`, its stock
/// back) and the caller sends the money back as for any approved request. A request the buyer
/// already has open is the one approved.
pub(crate) fn refund_paid_order(
    conn: &mut DbConn,
    member: &Principal,
    order_id: OrderId,
    why: &str,
) -> Result<(RefundRequest, Vec<ProductId>), CheckoutError> {
    authorize_shop(conn, order_id, member)?;
    let now = Utc::now().naive_utc();
    let request_reason = format!("cancelled by the shop: {why}");
    let open: Option<RefundRequestId> = refund_requests::table
        .filter(refund_requests::order_id.eq(order_id))
        .filter(refund_requests::status.eq("requested"))
        .select(refund_requests::id)
        .first(conn)
        .optional()?;
    let request_id = match open {
        Some(id) => {
            diesel::update(refund_requests::table.find(id).filter(refund_requests::status.eq("requested")))
                .set((
                    refund_requests::status.eq("approved"),
                    refund_requests::decision_reason.eq(&request_reason),
                    refund_requests::decided_by.eq(member.user_id),
                    refund_requests::decided_at.eq(now),
                ))
                .execute(conn)?;
            id
        }
        None => {
            let buyer: UserId = orders::table.find(order_id).select(orders::user_id).get_result(conn)?;
            diesel::insert_into(refund_requests::table)
                .values((
                    refund_requests::order_id.eq(order_id),
                    refund_requests::user_id.eq(buyer),
                    refund_requests::status.eq("approved"),
                    refund_requests::reason.eq(&request_reason),
                    refund_requests::decision_reason.eq(&request_reason),
                    refund_requests::decided_by.eq(member.user_id),
                    refund_requests::created_at.eq(now),
                    refund_requests::decided_at.eq(now),
                ))
                .returning(refund_requests::id)
                .get_result(conn)?
        }
    };
    transition(conn, order_id, &Actor::Shop(member), &["paid"], "refunded", why)?;
    let restocked = release_order(conn, order_id, Some(member.user_id), true)?;
    Ok((load(conn, request_id)?, restocked))
}

/// For payments: the money went back. Safe to call twice (false the second time).
pub fn mark_refunded(conn: &mut DbConn, request_id: RefundRequestId) -> Result<bool, CheckoutError> {
    write_transaction(conn, |conn| {
        let request = load(conn, request_id)?;
        match request.status.as_str() {
            "refunded" => Ok(false),
            "approved" => {
                diesel::update(refund_requests::table.find(request_id).filter(refund_requests::status.eq("approved")))
                    .set((
                        refund_requests::status.eq("refunded"),
                        refund_requests::refunded_at.eq(Utc::now().naive_utc()),
                    ))
                    .execute(conn)?;
                // The whole order was refunded: coupons whose template says so come back, once no
                // other live order shares them.
                let spent = crate::discounts::sole_holders(conn, request.order_id)?;
                bazaar_promotions::refund(conn, &spent)?;
                bazaar_promotions::return_points(conn, request.order_id)?;
                Ok(true)
            }
            other => Err(CheckoutError::InvalidTransition { current: other.into(), wanted: "refunded".into() }),
        }
    })
}

/// Refund requests on a shop's orders, newest first, for its members.
pub(crate) fn for_shop(
    conn: &mut DbConn,
    member: &Principal,
    shop_id: ShopId,
) -> Result<Vec<RefundRequest>, CheckoutError> {
    member.shop_role(conn, shop_id)?;
    Ok(refund_requests::table
        .inner_join(orders::table)
        .filter(orders::shop_id.eq(shop_id))
        .order(refund_requests::id.desc())
        .limit(200)
        .select(RefundRequest::as_select())
        .load(conn)?)
}
