//! The promotions on an order: what quote asked promotions for, stored with the order so its
//! view, its payment and its cancellation find them again.

use crate::CheckoutError;
use bazaar_core::Money;
use bazaar_core::ids::{CouponId, CouponTemplateId, OrderId, PromotionId, SkuId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::order_adjustments;
use bazaar_promotions::{Discount, DiscountSource};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A line's share of an adjustment: what a refund of that line gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineDiscount {
    pub sku_id: SkuId,
    /// Negative, like the adjustment.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
}

/// A discount on a shop's order, added by [`crate::pricing::quote`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjustment {
    /// `promotion` (an automatic promotion of the shop), `coupon` or `points`.
    pub kind: String,
    pub label: String,
    /// Negative for a discount.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
    /// `shop` or `platform`: who pays for it at settlement.
    pub funder: String,
    pub coupon_id: Option<CouponId>,
    pub template_id: Option<CouponTemplateId>,
    /// For `promotion`: the shop's automatic promotion it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<PromotionId>,
    /// In a preview or a new order: `buyer` when the buyer named the coupon, `best` when checkout
    /// chose the best one for them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub chosen_by: String,
    /// The amount spread over the order's lines; adds up to `amount`.
    pub allocations: Vec<LineDiscount>,
    /// For `points`: how many this order spends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
}

impl Adjustment {
    pub(crate) fn from_discount(discount: &Discount, chosen_by_buyer: bool) -> Adjustment {
        let (kind, label, coupon_id, template_id, promotion_id, chosen_by) = match discount.source {
            DiscountSource::Promotion(id) => {
                ("promotion", format!("店铺活动 Promotion: {}", discount.label), None, None, Some(id), "best")
            }
            DiscountSource::Coupon { coupon_id, template_id } => (
                "coupon",
                match discount.funder {
                    bazaar_promotions::Funder::Shop => format!("优惠券 Coupon: {}", discount.label),
                    bazaar_promotions::Funder::Platform => format!("平台券 Platform coupon: {}", discount.label),
                },
                Some(coupon_id),
                Some(template_id),
                None,
                if chosen_by_buyer { "buyer" } else { "best" },
            ),
        };
        Adjustment {
            kind: kind.into(),
            label,
            amount: Money::from_minor(-discount.amount.to_minor()),
            funder: discount.funder.as_str().into(),
            coupon_id,
            template_id,
            promotion_id,
            chosen_by: chosen_by.into(),
            allocations: discount
                .allocations
                .iter()
                .map(|(sku_id, share)| LineDiscount { sku_id: *sku_id, amount: Money::from_minor(-share.to_minor()) })
                .collect(),
            points: None,
        }
    }
}

/// Locks each adjustment's coupon for the new order and stores the adjustments with it. A
/// platform coupon split over several orders of the checkout is locked once, by the first;
/// `locked` carries the coupons this checkout locked so far.
pub(crate) fn attach(
    conn: &mut DbConn,
    buyer: UserId,
    order: OrderId,
    adjustments: &[Adjustment],
    locked: &mut Vec<CouponId>,
) -> Result<(), CheckoutError> {
    for adjustment in adjustments {
        if let Some(coupon) = adjustment.coupon_id
            && !locked.contains(&coupon)
        {
            bazaar_promotions::lock(conn, buyer, coupon, order)?;
            locked.push(coupon);
        }
        diesel::insert_into(order_adjustments::table)
            .values((
                order_adjustments::order_id.eq(order),
                order_adjustments::kind.eq(&adjustment.kind),
                order_adjustments::label.eq(&adjustment.label),
                order_adjustments::amount.eq(adjustment.amount.to_minor()),
                order_adjustments::funder.eq(&adjustment.funder),
                order_adjustments::coupon_id.eq(adjustment.coupon_id),
                order_adjustments::template_id.eq(adjustment.template_id),
                order_adjustments::promotion_id.eq(adjustment.promotion_id),
                order_adjustments::allocations.eq(serde_json::to_string(&adjustment.allocations).unwrap_or_default()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The adjustments stored with an order.
pub(crate) fn of_order(conn: &mut DbConn, order: OrderId) -> Result<Vec<Adjustment>, CheckoutError> {
    type Row = (String, String, i64, String, Option<CouponId>, Option<CouponTemplateId>, Option<PromotionId>, String);
    let rows: Vec<Row> = order_adjustments::table
        .filter(order_adjustments::order_id.eq(order))
        .order(order_adjustments::id.asc())
        .select((
            order_adjustments::kind,
            order_adjustments::label,
            order_adjustments::amount,
            order_adjustments::funder,
            order_adjustments::coupon_id,
            order_adjustments::template_id,
            order_adjustments::promotion_id,
            order_adjustments::allocations,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kind, label, amount, funder, coupon_id, template_id, promotion_id, allocations)| Adjustment {
            kind,
            label,
            amount: Money::from_minor(amount),
            funder,
            coupon_id,
            template_id,
            promotion_id,
            chosen_by: String::new(),
            allocations: serde_json::from_str(&allocations).unwrap_or_default(),
            points: None,
        })
        .collect())
}

/// The order was paid: its coupons are spent, each counted with what it took off across the
/// orders it was split over.
pub(crate) fn spend(conn: &mut DbConn, order: OrderId) -> Result<(), CheckoutError> {
    let coupons: Vec<CouponId> =
        of_order(conn, order)?.into_iter().filter_map(|adjustment| adjustment.coupon_id).collect();
    if coupons.is_empty() {
        return Ok(());
    }
    let shares: Vec<(Option<CouponId>, i64)> = order_adjustments::table
        .filter(order_adjustments::coupon_id.eq_any(&coupons))
        .select((order_adjustments::coupon_id, order_adjustments::amount))
        .load(conn)?;
    let spent: Vec<(CouponId, Money)> = coupons
        .iter()
        .map(|coupon| {
            let off: i64 = shares.iter().filter(|(of, _)| *of == Some(*coupon)).map(|(_, amount)| -amount).sum();
            (*coupon, Money::from_minor(off))
        })
        .collect();
    bazaar_promotions::spend(conn, &spent)?;
    Ok(())
}

/// The coupons of `order` that no other live order still shares (a platform coupon is split
/// over the orders of a checkout): those its cancellation or refund may give back.
pub(crate) fn sole_holders(conn: &mut DbConn, order: OrderId) -> Result<Vec<CouponId>, CheckoutError> {
    use bazaar_db::schema::orders;
    let coupons: Vec<CouponId> =
        of_order(conn, order)?.into_iter().filter_map(|adjustment| adjustment.coupon_id).collect();
    if coupons.is_empty() {
        return Ok(coupons);
    }
    let gone = [crate::OrderStatus::Cancelled.as_str(), crate::OrderStatus::Refunded.as_str()];
    let shared: Vec<Option<CouponId>> = order_adjustments::table
        .inner_join(orders::table)
        .filter(order_adjustments::coupon_id.eq_any(&coupons))
        .filter(orders::id.ne(order))
        .filter(orders::status.ne_all(gone))
        .select(order_adjustments::coupon_id)
        .load(conn)?;
    Ok(coupons.into_iter().filter(|coupon| !shared.contains(&Some(*coupon))).collect())
}

/// What the automatic `promotions` gave: per promotion, the paid orders it discounted (refunded
/// ones left out), what it took off them and the sum of their totals.
pub(crate) fn promotion_sales(
    conn: &mut DbConn,
    promotions: &[PromotionId],
) -> Result<std::collections::HashMap<PromotionId, (i64, Money, Money)>, CheckoutError> {
    use bazaar_db::schema::orders;
    let rows: Vec<(Option<PromotionId>, i64, i64)> = order_adjustments::table
        .inner_join(orders::table)
        .filter(order_adjustments::promotion_id.eq_any(promotions))
        .filter(orders::paid_at.is_not_null())
        .filter(orders::status.ne(crate::OrderStatus::Refunded.as_str()))
        .select((order_adjustments::promotion_id, order_adjustments::amount, orders::total))
        .load(conn)?;
    let mut sales: std::collections::HashMap<PromotionId, (i64, Money, Money)> = std::collections::HashMap::new();
    // One automatic promotion per order: each row is one order.
    for (promotion, amount, total) in rows {
        let Some(promotion) = promotion else { continue };
        let entry = sales.entry(promotion).or_insert((0, Money::ZERO, Money::ZERO));
        entry.0 += 1;
        entry.1 = entry.1.checked_add(Money::from_minor(-amount)).unwrap_or(entry.1);
        entry.2 = entry.2.checked_add(Money::from_minor(total)).unwrap_or(entry.2);
    }
    Ok(sales)
}

/// What orders coupons of `templates` brought: per template, the paid orders using one (refunded
/// ones left out) and the sum of their totals.
pub(crate) fn coupon_sales(
    conn: &mut DbConn,
    templates: &[CouponTemplateId],
) -> Result<std::collections::HashMap<CouponTemplateId, (i64, Money)>, CheckoutError> {
    use bazaar_db::schema::orders;
    let rows: Vec<(Option<CouponTemplateId>, OrderId, i64)> = order_adjustments::table
        .inner_join(orders::table)
        .filter(order_adjustments::template_id.eq_any(templates))
        .filter(orders::paid_at.is_not_null())
        .filter(orders::status.ne(crate::OrderStatus::Refunded.as_str()))
        .select((order_adjustments::template_id, orders::id, orders::total))
        .load(conn)?;
    let mut sales: std::collections::HashMap<CouponTemplateId, (i64, Money)> = std::collections::HashMap::new();
    let mut counted = std::collections::HashSet::new();
    for (template, order, total) in rows {
        let Some(template) = template else { continue };
        if counted.insert((template, order)) {
            let entry = sales.entry(template).or_insert((0, Money::ZERO));
            entry.0 += 1;
            entry.1 = entry.1.checked_add(Money::from_minor(total)).unwrap_or(entry.1);
        }
    }
    Ok(sales)
}
