//! After-sales refunds. A buyer asks for one on a paid order; the shop approves or rejects it.
//! Approval moves the order to `refunded` — restocking it, exactly once, if it had not shipped —
//! and the request waits for the payment provider, whose confirmation (`mark_refunded`, safe to
//! call twice) completes it.

use crate::CheckoutError;
use crate::lifecycle::{Actor, authorize_shop, transition};
use crate::refund_split::{LineDiscounts, PaidLine, RefundShare, SplitError, split};
use bazaar_core::Money;
use bazaar_core::ids::{OrderId, ProductId, RefundRequestId, ShopId, SkuId, UserId};
use bazaar_db::schema::{order_items, orders, refund_requests};
use bazaar_db::{DbConn, write_transaction};
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Units of one order line to refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundLine {
    pub sku_id: SkuId,
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The units refunded (every unit left when the request named none).
    pub lines: Vec<RefundLine>,
    /// The money back: the units' value less exactly their share of each discount, and the
    /// shipping fee with the last units.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
    /// Points given back (the units' share of the points the order spent).
    pub points: i64,
    /// Whether this refund completes the order's: the order becomes `refunded` when approved.
    pub whole: bool,
}

/// Where a refund request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Waiting for the shop's decision.
    Requested,
    /// Approved; the money is on its way back.
    Approved,
    Rejected,
    /// The money is back.
    Refunded,
}

impl RefundRequest {
    pub fn state(&self) -> Option<RefundState> {
        match self.status.as_str() {
            "requested" => Some(RefundState::Requested),
            "approved" => Some(RefundState::Approved),
            "rejected" => Some(RefundState::Rejected),
            "refunded" => Some(RefundState::Refunded),
            _ => None,
        }
    }

    /// Still waiting for the shop's decision.
    pub fn is_open(&self) -> bool {
        self.state() == Some(RefundState::Requested)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refund_requests)]
struct RefundRow {
    id: RefundRequestId,
    order_id: OrderId,
    user_id: UserId,
    status: String,
    reason: String,
    decision_reason: Option<String>,
    decided_by: Option<UserId>,
    created_at: NaiveDateTime,
    lines: String,
    amount: Option<i64>,
    points: i64,
    whole: bool,
}

impl RefundRow {
    /// Requests from before line refunds carry no amount: theirs was the order's total.
    fn view(self, order_total: impl FnOnce() -> Result<i64, CheckoutError>) -> Result<RefundRequest, CheckoutError> {
        let amount = match self.amount {
            Some(amount) => amount,
            None => order_total()?,
        };
        Ok(RefundRequest {
            id: self.id,
            order_id: self.order_id,
            user_id: self.user_id,
            status: self.status,
            reason: self.reason,
            decision_reason: self.decision_reason,
            decided_by: self.decided_by,
            created_at: self.created_at,
            lines: serde_json::from_str(&self.lines).unwrap_or_default(),
            amount: Money::from_minor(amount),
            points: self.points,
            whole: self.whole,
        })
    }
}

fn text(field: &'static str, raw: &str) -> Result<String, CheckoutError> {
    bazaar_core::user_text(raw, 1, 500, true).map_err(|err| CheckoutError::invalid(field, err.to_string()))
}

fn load(conn: &mut DbConn, id: RefundRequestId) -> Result<RefundRequest, CheckoutError> {
    let row = refund_requests::table
        .find(id)
        .select(RefundRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(CheckoutError::not_found("refund request"))?;
    let order = row.order_id;
    row.view(|| Ok(orders::table.find(order).select(orders::total).first(conn)?))
}

/// What refunding `wanted` (none: every unit left) of `order_id` gives back, given the requests
/// approved or refunded before; with the lines it covers.
fn breakdown(
    conn: &mut DbConn,
    order_id: OrderId,
    wanted: Option<&[RefundLine]>,
) -> Result<(RefundShare, Vec<RefundLine>, i64), CheckoutError> {
    let items: Vec<(SkuId, i64, i32)> = order_items::table
        .filter(order_items::order_id.eq(order_id))
        .select((order_items::sku_id, order_items::unit_price, order_items::quantity))
        .load(conn)?;
    let lines: Vec<PaidLine> = items
        .iter()
        .map(|(sku, price, quantity)| PaidLine {
            sku_id: sku.get(),
            unit_price: *price,
            quantity: i64::from(*quantity),
        })
        .collect();
    let mut discounts: BTreeMap<i64, LineDiscounts> = BTreeMap::new();
    for adjustment in crate::discounts::of_order(conn, order_id)? {
        for share in adjustment.allocations {
            let entry = discounts.entry(share.sku_id.get()).or_default();
            if adjustment.kind == "points" {
                entry.points_fen -= share.amount.to_minor();
            } else {
                entry.money -= share.amount.to_minor();
            }
        }
    }
    // What refunds approved before gave back: their units, and their points.
    let earlier: Vec<(String, i64)> = refund_requests::table
        .filter(refund_requests::order_id.eq(order_id))
        .filter(refund_requests::status.eq_any(["approved", "refunded"]))
        .select((refund_requests::lines, refund_requests::points))
        .load(conn)?;
    let returned: i64 = earlier.iter().map(|(_, points)| points).sum();
    let mut before: BTreeMap<i64, i64> = BTreeMap::new();
    for done in earlier.iter().flat_map(|(lines, _)| serde_json::from_str::<Vec<RefundLine>>(lines).unwrap_or_default())
    {
        *before.entry(done.sku_id.get()).or_default() += i64::from(done.quantity);
    }
    let asked: BTreeMap<i64, i64> = match wanted {
        Some(wanted) => {
            let mut asked = BTreeMap::new();
            for line in wanted {
                *asked.entry(line.sku_id.get()).or_default() += i64::from(line.quantity);
            }
            asked
        }
        None => lines
            .iter()
            .map(|line| (line.sku_id, line.quantity - before.get(&line.sku_id).copied().unwrap_or(0)))
            .filter(|(_, left)| *left > 0)
            .collect(),
    };
    let shipping: i64 = orders::table.find(order_id).select(orders::shipping_fee).first(conn)?;
    let share = split(&lines, &discounts, shipping, &before, &asked).map_err(|err| match err {
        SplitError::NotInOrder(sku) => CheckoutError::invalid("lines", format!("SKU {sku} is not in this order")),
        SplitError::TooMany { sku_id, left } => {
            CheckoutError::invalid("lines", format!("SKU {sku_id}: 1 to {left} units are left to refund"))
        }
        SplitError::Nothing => CheckoutError::conflict("nothing_to_refund", "every unit of this order is refunded"),
    })?;
    // Points back: the order's spent points in proportion to its points share refunded so far,
    // less what earlier refunds gave back, so the last refund returns the rest exactly.
    let spent = bazaar_promotions::points_spent_on(conn, order_id)?;
    let points_fen: i64 = discounts.values().map(|d| d.points_fen).sum();
    let earlier_fen: i64 = lines
        .iter()
        .map(|line| {
            let off = discounts.get(&line.sku_id).map_or(0, |d| d.points_fen);
            off * before.get(&line.sku_id).copied().unwrap_or(0) / line.quantity.max(1)
        })
        .sum::<i64>();
    let points = if points_fen == 0 {
        0
    } else if share.whole {
        spent - returned
    } else {
        (spent * (earlier_fen + share.points_fen) / points_fen - returned).max(0)
    };
    let covered = asked
        .into_iter()
        .map(|(sku, units)| RefundLine { sku_id: SkuId(sku), quantity: i32::try_from(units).unwrap_or(i32::MAX) })
        .collect();
    Ok((share, covered, points))
}

/// Puts the request's units back on the shelf (goods that never left the shop).
fn restock(conn: &mut DbConn, request: &RefundRequest, actor: UserId) -> Result<Vec<ProductId>, CheckoutError> {
    let mut products = Vec::new();
    for line in &request.lines {
        bazaar_catalog::release_stock(
            conn,
            line.sku_id,
            i64::from(line.quantity),
            Some(actor),
            request.order_id,
            true,
        )?;
        let product: ProductId = order_items::table
            .filter(order_items::order_id.eq(request.order_id))
            .filter(order_items::sku_id.eq(line.sku_id))
            .select(order_items::product_id)
            .first(conn)?;
        products.push(product);
    }
    Ok(products)
}

/// The buyer asks for a refund of a paid order (paid, shipped or received): of `lines`, or of
/// every unit left when none are named.
pub(crate) fn request(
    conn: &mut DbConn,
    buyer: UserId,
    order_id: OrderId,
    reason: &str,
    lines: Option<&[RefundLine]>,
) -> Result<RefundRequest, CheckoutError> {
    let reason = text("reason", reason)?;
    write_transaction(conn, |conn| {
        let order: Option<(UserId, String, i64)> = orders::table
            .find(order_id)
            .select((orders::user_id, orders::status, orders::total))
            .get_result(conn)
            .optional()?;
        let (owner, status, total) =
            order.filter(|(owner, ..)| *owner == buyer).ok_or(CheckoutError::not_found("order"))?;
        if !matches!(status.as_str(), "paid" | "shipped" | "received") {
            return Err(CheckoutError::InvalidTransition { current: status, wanted: "refund_requested".into() });
        }
        // A prize order: nothing was paid, so nothing can be refunded.
        if total == 0 {
            return Err(CheckoutError::conflict("nothing_to_refund", "nothing was paid for this order"));
        }
        let (share, covered, points) = breakdown(conn, order_id, lines)?;
        let inserted = diesel::insert_into(refund_requests::table)
            .values((
                refund_requests::order_id.eq(order_id),
                refund_requests::user_id.eq(owner),
                refund_requests::status.eq("requested"),
                refund_requests::reason.eq(&reason),
                refund_requests::created_at.eq(Utc::now().naive_utc()),
                refund_requests::lines.eq(serde_json::to_string(&covered).unwrap_or_else(|_| "[]".into())),
                refund_requests::amount.eq(Some(share.money)),
                refund_requests::points.eq(points),
                refund_requests::whole.eq(share.whole),
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
            let before = if request.whole {
                transition(
                    conn,
                    request.order_id,
                    &Actor::Shop(member),
                    &["paid", "shipped", "received"],
                    "refunded",
                    &reason,
                )?
                .1
            } else {
                let status: String = orders::table.find(request.order_id).select(orders::status).first(conn)?;
                let now = Utc::now().naive_utc();
                crate::orders::record_event(
                    conn,
                    request.order_id,
                    Some(&status),
                    &status,
                    Some(member.user_id),
                    &reason,
                    now,
                )?;
                status
            };
            // Goods that never left the shop go back on the shelf; shipped goods are with the buyer.
            if before == "paid" {
                restocked = restock(conn, &request, member.user_id)?;
            }
        }
        Ok((load(conn, request_id)?, restocked))
    })
}

/// The shop cancels an order the buyer has paid for: that is a refund of every unit left,
/// decided by the shop, so it takes the approved-refund path (one approved request, the order
/// `refunded`, its stock back) and the caller sends the money back as for any approved request.
/// A request the buyer already has open is the one approved, widened to every unit left.
pub(crate) fn refund_paid_order(
    conn: &mut DbConn,
    member: &Principal,
    order_id: OrderId,
    why: &str,
) -> Result<(RefundRequest, Vec<ProductId>), CheckoutError> {
    authorize_shop(conn, order_id, member)?;
    let now = Utc::now().naive_utc();
    let request_reason = format!("cancelled by the shop: {why}");
    let (share, covered, points) = breakdown(conn, order_id, None)?;
    let covered = serde_json::to_string(&covered).unwrap_or_else(|_| "[]".into());
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
                    refund_requests::lines.eq(&covered),
                    refund_requests::amount.eq(Some(share.money)),
                    refund_requests::points.eq(points),
                    refund_requests::whole.eq(true),
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
                    refund_requests::lines.eq(&covered),
                    refund_requests::amount.eq(Some(share.money)),
                    refund_requests::points.eq(points),
                    refund_requests::whole.eq(true),
                ))
                .returning(refund_requests::id)
                .get_result(conn)?
        }
    };
    transition(conn, order_id, &Actor::Shop(member), &["paid"], "refunded", why)?;
    let request = load(conn, request_id)?;
    let restocked = restock(conn, &request, member.user_id)?;
    Ok((request, restocked))
}

/// For payments: the money went back. Safe to call twice (false the second time). The
/// request's points come back; when it completed the order's refund, so do coupons whose
/// template says so (once no other live order shares them).
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
                let reference = format!("{}/{}", request.order_id, request.id);
                bazaar_promotions::return_refunded_points(conn, request.user_id, &reference, request.points)?;
                if request.whole {
                    let spent = crate::discounts::sole_holders(conn, request.order_id)?;
                    bazaar_promotions::refund(conn, &spent)?;
                }
                Ok(true)
            }
            other => Err(CheckoutError::InvalidTransition { current: other.into(), wanted: "refunded".into() }),
        }
    })
}

/// What refunds of `order` gave back so far (approved or refunded), in fen.
pub(crate) fn refunded_so_far(conn: &mut DbConn, order: OrderId) -> Result<i64, CheckoutError> {
    let amounts: Vec<Option<i64>> = refund_requests::table
        .filter(refund_requests::order_id.eq(order))
        .filter(refund_requests::status.eq_any(["approved", "refunded"]))
        .select(refund_requests::amount)
        .load(conn)?;
    Ok(amounts.into_iter().flatten().sum())
}

/// Refund requests on a shop's orders, newest first, for its members.
pub(crate) fn for_shop(
    conn: &mut DbConn,
    member: &Principal,
    shop_id: ShopId,
) -> Result<Vec<RefundRequest>, CheckoutError> {
    member.shop_role(conn, shop_id)?;
    let rows: Vec<RefundRow> = refund_requests::table
        .inner_join(orders::table)
        .filter(orders::shop_id.eq(shop_id))
        .order(refund_requests::id.desc())
        .limit(200)
        .select(RefundRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let order = row.order_id;
            row.view(|| Ok(orders::table.find(order).select(orders::total).first(conn)?))
        })
        .collect()
}
