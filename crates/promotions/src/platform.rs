//! A checkout's discounts across its shop orders: each order's own (its automatic promotion and
//! shop coupon, `choice.rs`), then at most one platform coupon over the whole checkout, split
//! across the orders and their lines in proportion to value and funded by the platform.
//!
//! The best plan for the buyer is found two ways and the better taken: each order's own best,
//! with the platform coupon reaching the orders it stacks on; and, for each platform coupon the
//! buyer holds, the coupon over every order with only the own discounts it combines with (none,
//! for a coupon that does not combine). A buyer who names coupons gets exactly those.

use crate::PromotionError;
use crate::allocate;
use crate::apply::{Discount, DiscountSource, Funder, PricedLine, coupon_candidate};
use crate::choice::{Beneath, CouponChoice, Offers, discounts};
use crate::claims::has_bought;
use crate::stacking::Line;
use crate::templates::{CouponScope, TemplateRow};
use bazaar_core::Money;
use bazaar_core::ids::{CouponId, ProductId, ShopId};
use bazaar_db::DbConn;
use chrono::NaiveDateTime;

/// One shop order of a checkout, priced.
pub struct ShopOrder<'a> {
    pub shop: ShopId,
    pub lines: &'a [PricedLine],
    /// The most its discounts may take off together (it must still cost something).
    pub cap: Money,
}

/// Every shop order's discounts, in stacking order, one list per order. Coupon ids of `choice`
/// that were taken are added to `used` (a named one missing from it could not be used).
pub fn checkout_discounts(
    conn: &mut DbConn,
    offers: &Offers,
    orders: &[ShopOrder<'_>],
    choice: CouponChoice<'_>,
    used: &mut Vec<CouponId>,
) -> Result<Vec<Vec<Discount>>, PromotionError> {
    let (mut chosen, mut chosen_used) = plan(conn, offers, orders, choice, Beneath::Anything, None)?;
    if let CouponChoice::Best = choice {
        let mut best_total = total(&chosen);
        let platform: Vec<(CouponId, bool)> =
            platform_coupons(offers, choice).iter().map(|(id, _, template)| (*id, template.combinable)).collect();
        for (coupon, combinable) in platform {
            let beneath = if combinable { Beneath::Combinable } else { Beneath::Nothing };
            let (other, other_used) = plan(conn, offers, orders, choice, beneath, Some(coupon))?;
            if total(&other) > best_total {
                best_total = total(&other);
                (chosen, chosen_used) = (other, other_used);
            }
        }
    }
    used.extend(chosen_used);
    Ok(chosen)
}

fn total(plan: &[Vec<Discount>]) -> i64 {
    plan.iter().flatten().map(|discount| discount.amount.to_minor()).sum()
}

/// One plan: each order's own discounts as `beneath` allows, then the platform coupon (`only`
/// that one, or the best).
fn plan(
    conn: &mut DbConn,
    offers: &Offers,
    orders: &[ShopOrder<'_>],
    choice: CouponChoice<'_>,
    beneath: Beneath,
    only: Option<CouponId>,
) -> Result<(Vec<Vec<Discount>>, Vec<CouponId>), PromotionError> {
    let mut used = Vec::new();
    let mut own = Vec::with_capacity(orders.len());
    for order in orders {
        own.push(discounts(conn, offers, order.shop, order.lines, choice, order.cap, &mut used, beneath)?);
    }
    let parts: Vec<OrderPart<'_>> =
        orders.iter().zip(&own).map(|(order, taken)| OrderPart { lines: order.lines, taken, cap: order.cap }).collect();
    let (platform, coupon) = platform_discount(conn, offers, &parts, choice, only)?;
    if let (CouponChoice::Only(_), Some(coupon)) = (choice, coupon) {
        used.push(coupon);
    }
    for (taken, platform) in own.iter_mut().zip(platform) {
        taken.extend(platform);
    }
    Ok((own, used))
}

/// The buyer's platform coupons `choice` allows.
fn platform_coupons<'a>(
    offers: &'a Offers,
    choice: CouponChoice<'_>,
) -> Vec<&'a (CouponId, NaiveDateTime, TemplateRow)> {
    offers
        .coupons
        .iter()
        .filter(|(id, _, template)| {
            template.shop_id.is_none()
                && match choice {
                    CouponChoice::Best => true,
                    CouponChoice::Only(ids) => ids.contains(id),
                }
        })
        .collect()
}

/// A shop order of a checkout as the platform coupon sees it: its lines, the discounts it
/// already took, and the most it may take off in all.
struct OrderPart<'a> {
    lines: &'a [PricedLine],
    taken: &'a [Discount],
    cap: Money,
}

/// The platform coupon a checkout takes, after each shop order's own discounts: the buyer's named
/// one, or the one taking the most off (ties: the soonest to expire). It covers the lines its
/// scope names in the orders it may stack on (an order whose own discounts all combine, when the
/// coupon does too, or one with none), its threshold is met by what those lines still cost, and
/// its discount is split over the orders and then their lines in proportion to value. Answers
/// one entry per order, `None` where it takes nothing.
fn platform_discount(
    conn: &mut DbConn,
    offers: &Offers,
    orders: &[OrderPart<'_>],
    choice: CouponChoice<'_>,
    only: Option<CouponId>,
) -> Result<(Vec<Option<Discount>>, Option<CouponId>), PromotionError> {
    let mut nothing: Vec<Option<Discount>> = orders.iter().map(|_| None).collect();
    let candidates: Vec<&(CouponId, NaiveDateTime, TemplateRow)> =
        platform_coupons(offers, choice).into_iter().filter(|(id, _, _)| only.is_none_or(|only| only == *id)).collect();
    if let CouponChoice::Only(_) = choice
        && candidates.len() > 1
    {
        return Err(PromotionError::invalid("coupon_ids", "one platform coupon per checkout"));
    }
    if candidates.is_empty() {
        return Ok((nothing, None));
    }
    let everything: Vec<PricedLine> = orders.iter().flat_map(|order| order.lines.iter().cloned()).collect();
    let facts = if candidates.iter().any(|(_, _, template)| template.scope() == CouponScope::Categories) {
        let product_ids: Vec<ProductId> = everything.iter().map(|line| line.product_id).collect();
        bazaar_catalog::product_facts(conn, &product_ids)?
    } else {
        Vec::new()
    };
    // What each line still costs after its order's own discounts.
    let net: Vec<Vec<i64>> = orders
        .iter()
        .map(|order| {
            order
                .lines
                .iter()
                .map(|line| {
                    let taken: i64 = order
                        .taken
                        .iter()
                        .flat_map(|discount| discount.allocations.iter())
                        .filter(|(sku, _)| *sku == line.sku_id)
                        .map(|(_, share)| share.to_minor())
                        .sum();
                    (line.amount.to_minor() - taken).max(0)
                })
                .collect()
        })
        .collect();
    let new_customer = has_bought(conn, offers.buyer, None)?;
    let mut best: Option<(i64, Vec<Vec<i64>>, usize)> = None;
    for (index, (_, _, template)) in candidates.iter().enumerate() {
        if template.new_customers_only && new_customer {
            continue;
        }
        let candidate = coupon_candidate(template, &everything, &facts);
        // Per order, per line: what the coupon may reach.
        let mut reach: Vec<Vec<i64>> = Vec::with_capacity(orders.len());
        let mut position = 0;
        for (order, net) in orders.iter().zip(&net) {
            let stacks = order.taken.iter().all(|discount| discount.combinable && candidate.combinable);
            reach.push(
                order
                    .lines
                    .iter()
                    .zip(net)
                    .map(|(line, net)| {
                        let covered = candidate.covers[position] && line.discountable && stacks;
                        position += 1;
                        if covered { *net } else { 0 }
                    })
                    .collect(),
            );
        }
        let lines: Vec<Line> =
            reach.iter().flatten().map(|amount| Line { amount: *amount, quantity: 1, discountable: true }).collect();
        // Units count only where the coupon reaches, as in a shop order.
        let mut lines = lines;
        for (line, priced) in lines.iter_mut().zip(&everything) {
            line.quantity = if line.amount > 0 { i64::from(priced.quantity) } else { 0 };
        }
        let room: i64 = orders.iter().zip(&reach).map(|(order, reach)| order_room(order).min(reach.iter().sum())).sum();
        let off = candidate.rule.off(&lines, &vec![true; lines.len()]).min(room);
        if off > 0 && best.as_ref().is_none_or(|(best_off, ..)| off > *best_off) {
            best = Some((off, reach, index));
        }
    }
    let Some((off, reach, index)) = best else { return Ok((nothing, None)) };
    let (coupon_id, _, template) = candidates[index];
    let weights: Vec<i64> =
        orders.iter().zip(&reach).map(|(order, reach)| order_room(order).min(reach.iter().sum())).collect();
    for ((slot, order), (share, reach)) in
        nothing.iter_mut().zip(orders).zip(allocate(off, &weights).into_iter().zip(&reach))
    {
        if share <= 0 {
            continue;
        }
        let shares = allocate(share, reach);
        *slot = Some(Discount {
            source: DiscountSource::Coupon { coupon_id: *coupon_id, template_id: template.id },
            label: template.name.clone(),
            funder: Funder::Platform,
            amount: Money::from_minor(share),
            allocations: order
                .lines
                .iter()
                .zip(shares)
                .filter(|(_, share)| *share > 0)
                .map(|(line, share)| (line.sku_id, Money::from_minor(share)))
                .collect(),
            combinable: template.combinable,
        });
    }
    Ok((nothing, Some(*coupon_id)))
}

/// What an order may still take off after its own discounts.
fn order_room(order: &OrderPart<'_>) -> i64 {
    let taken: i64 = order.taken.iter().map(|discount| discount.amount.to_minor()).sum();
    (order.cap.to_minor() - taken).max(0)
}
