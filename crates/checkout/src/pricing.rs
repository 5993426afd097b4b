//! An order's money, computed in one place for the preview and for placing alike: checked sums
//! within the configured ceilings, refused rather than wrapped, never at or below zero.

use crate::CheckoutError;
use crate::CheckoutSettings;
use crate::discounts::LineDiscount;
use crate::orders::{Adjustment, Sellable, sellable};
use bazaar_core::ids::{CouponId, ShopId, SkuId, UserId};
use bazaar_core::{Money, MoneyLimits};
use bazaar_db::DbConn;
use bazaar_promotions::{CouponChoice, PricedLine};
use std::collections::BTreeMap;

/// One shop's part of a checkout, priced: what an order would be.
pub(crate) struct ShopQuote {
    pub shop_id: ShopId,
    pub lines: Vec<(Sellable, i32)>,
    pub subtotal: Money,
    pub shipping: Money,
    pub adjustments: Vec<Adjustment>,
    /// Subtotal + shipping + adjustments, checked against the order ceiling and always > 0.
    pub total: Money,
}

fn too_large(field: &'static str, ceiling: Money) -> CheckoutError {
    CheckoutError::conflict("amount_too_large", format!("{field} would exceed {ceiling}"))
}

/// An order's money from its parts, refused instead of wrapped: every line within the line
/// ceiling, the order within the order ceiling, and the total more than zero.
pub(crate) fn price_order(
    lines: &[(Sellable, i32)],
    shipping_rule: (Money, Money),
    adjustments: &[Adjustment],
    limits: &MoneyLimits,
) -> Result<(Money, Money, Money), CheckoutError> {
    let mut subtotal = Money::ZERO;
    for (sku, quantity) in lines {
        let line = Money::from_minor(sku.price)
            .checked_mul(i64::from(*quantity))
            .filter(|line| *line <= limits.max_line)
            .ok_or_else(|| too_large("an order line", limits.max_line))?;
        subtotal = subtotal.checked_add(line).ok_or_else(|| too_large("the order", limits.max_order))?;
    }
    // Each shop's own rule: a flat fee per order, free from a threshold.
    let (fee, free_from) = shipping_rule;
    let shipping = if subtotal >= free_from { Money::ZERO } else { fee };
    let total = Money::checked_sum(
        [subtotal, shipping].into_iter().chain(adjustments.iter().map(|adjustment| adjustment.amount)),
    )
    .filter(|total| *total <= limits.max_order)
    .ok_or_else(|| too_large("the order", limits.max_order))?;
    if total <= Money::ZERO {
        return Err(CheckoutError::conflict("nothing_to_charge", "an order must cost more than 0.00"));
    }
    Ok((subtotal, shipping, total))
}

/// The promotions a buyer asks for: coupons (`None`: the best for each order) and points; or a
/// flash sale's price for its SKU (a buy-now order, which takes no coupons or points).
pub(crate) struct Wanted<'a> {
    pub coupons: Option<&'a [CouponId]>,
    pub points: i64,
    pub flash: Option<&'a bazaar_promotions::FlashTerms>,
}

/// Prices the wanted lines: one quote per shop, in shop order. The single place where money for
/// a checkout is computed, for the preview and for placing alike. Lines take their limited-time
/// price; each shop's order then takes what promotions' stacking rules give it (its automatic
/// promotion and the coupon the buyer names, or, without a choice, the best combination); then
/// the points the buyer spends, order by order, each within its share.
pub(crate) fn quote(
    conn: &mut DbConn,
    buyer: UserId,
    wanted: &BTreeMap<SkuId, i32>,
    promotions: &Wanted<'_>,
    settings: &CheckoutSettings,
) -> Result<Vec<ShopQuote>, CheckoutError> {
    let limits = &settings.money;
    let coupons = promotions.coupons;
    let choice = coupons.map_or(CouponChoice::Best, CouponChoice::Only);
    let mut by_shop: BTreeMap<ShopId, Vec<(Sellable, i32)>> = BTreeMap::new();
    // A buy-now order is at its flash price alone; otherwise a limited-time price, where one is
    // in force, is the line's price (at most one per SKU).
    let timed = match promotions.flash {
        Some(_) => Vec::new(),
        None => bazaar_promotions::timed_prices(conn, &wanted.keys().copied().collect::<Vec<_>>())?,
    };
    let mut undiscountable = Vec::new();
    for (&sku_id, &quantity) in wanted {
        let mut sellable = sellable(conn, sku_id)?;
        if let Some(flash) = promotions.flash.filter(|flash| flash.sku_id == sku_id) {
            sellable.price = flash.price;
        } else if let Some(timed) = timed.iter().find(|timed| timed.sku_id == sku_id) {
            sellable.price = timed.price;
            if !timed.combinable {
                undiscountable.push(sku_id);
            }
        }
        by_shop.entry(sellable.shop_id).or_default().push((sellable, quantity));
    }
    let mut quotes = Vec::with_capacity(by_shop.len());
    let mut used = Vec::new();
    let shops: Vec<ShopId> = by_shop.keys().copied().collect();
    let offers = bazaar_promotions::Offers::load(conn, buyer, &shops, choice)?;
    let mut points_left = promotions.points;
    if points_left < 0 {
        return Err(CheckoutError::invalid("points", "must not be negative"));
    }
    struct Part {
        shop_id: ShopId,
        lines: Vec<(Sellable, i32)>,
        rule: (Money, Money),
        cap: Money,
        priced: Vec<PricedLine>,
    }
    let mut parts = Vec::with_capacity(by_shop.len());
    for (shop_id, lines) in by_shop {
        let rule = bazaar_catalog::shipping_rule(conn, shop_id)?;
        let (_, _, undiscounted) = price_order(&lines, rule, &[], limits)?;
        // A discount may take the order down to 0.01, never to nothing.
        let cap = undiscounted.checked_sub(Money::from_minor(1)).unwrap_or(Money::ZERO);
        let priced: Vec<PricedLine> = lines
            .iter()
            .map(|(sku, quantity)| PricedLine {
                sku_id: sku.sku_id,
                product_id: sku.product_id,
                quantity: *quantity,
                amount: Money::from_minor(sku.price.saturating_mul(i64::from(*quantity))),
                discountable: promotions.flash.is_none() && !undiscountable.contains(&sku.sku_id),
            })
            .collect();
        parts.push(Part { shop_id, lines, rule, cap, priced });
    }
    // Each order's automatic promotion and shop coupon, and one platform coupon over them all...
    let orders: Vec<bazaar_promotions::ShopOrder<'_>> = parts
        .iter()
        .map(|part| bazaar_promotions::ShopOrder { shop: part.shop_id, lines: &part.priced, cap: part.cap })
        .collect();
    let discounts = bazaar_promotions::checkout_discounts(conn, &offers, &orders, choice, &mut used)?;
    // ...then points, order by order.
    for (part, discounts) in parts.into_iter().zip(discounts) {
        let mut adjustments: Vec<Adjustment> =
            discounts.iter().map(|discount| Adjustment::from_discount(discount, coupons.is_some())).collect();
        if points_left > 0 {
            let taken_off = Money::from_minor(discounts.iter().map(|discount| discount.amount.to_minor()).sum());
            if let Some(adjustment) = points_for(&part.priced, taken_off, part.cap, &mut points_left, &settings.points)
            {
                adjustments.push(adjustment);
            }
        }
        let (subtotal, shipping, total) = price_order(&part.lines, part.rule, &adjustments, limits)?;
        quotes.push(ShopQuote { shop_id: part.shop_id, lines: part.lines, subtotal, shipping, adjustments, total });
    }
    // A coupon the buyer named that no order could take (another buyer's, spent, expired, for
    // another shop, or below its minimum spend) is a mistake to report, not to ignore.
    if let Some(wanted) = coupons
        && let Some(unusable) = wanted.iter().find(|id| !used.contains(id))
    {
        return Err(bazaar_promotions::unusable(conn, buyer, *unusable)?.into());
    }
    if points_left > 0 {
        let usable = promotions.points - points_left;
        return Err(CheckoutError::invalid("points", format!("at most {usable} points can pay for this checkout")));
    }
    Ok(quotes)
}

/// The points one shop order takes of `points_left`: at most its share of the goods (after the
/// coupon), never the whole order, in whole fen; spread over the lines by value.
fn points_for(
    lines: &[PricedLine],
    taken_off: Money,
    cap: Money,
    points_left: &mut i64,
    rules: &bazaar_promotions::PointsRules,
) -> Option<Adjustment> {
    let per = rules.points_per_yuan.max(1);
    let goods: i64 = lines.iter().map(|line| line.amount.to_minor()).sum();
    let room_fen = ((goods - taken_off.to_minor()).max(0) * rules.max_order_share_percent / 100)
        .min(cap.to_minor() - taken_off.to_minor())
        .max(0);
    // One point is 100 / per fen; a spend must make whole fen.
    let unit = per / gcd(per, 100);
    let mut points = (room_fen * per / 100).min(*points_left);
    points -= points % unit;
    if points <= 0 {
        return None;
    }
    let off = points * 100 / per;
    *points_left -= points;
    let weights: Vec<i64> = lines.iter().map(|line| line.amount.to_minor()).collect();
    let shares = bazaar_promotions::allocate(off, &weights);
    Some(Adjustment {
        kind: "points".into(),
        label: format!("积分抵扣 Points: {points}"),
        amount: Money::from_minor(-off),
        funder: bazaar_promotions::Funder::Platform.as_str().into(),
        coupon_id: None,
        template_id: None,
        promotion_id: None,
        chosen_by: "buyer".into(),
        allocations: lines
            .iter()
            .zip(shares)
            .map(|(line, share)| LineDiscount { sku_id: line.sku_id, amount: Money::from_minor(-share) })
            .collect(),
        points: Some(points),
    })
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// A checkout's grand total: the sum of its orders, refused rather than wrapped.
pub(crate) fn grand_total(totals: impl IntoIterator<Item = Money>) -> Result<Money, CheckoutError> {
    Money::checked_sum(totals).ok_or_else(|| too_large("the checkout", Money::from_minor(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_core::ids::ProductId;
    use rand::{Rng, SeedableRng};

    fn line(price: i64, quantity: i32) -> (Sellable, i32) {
        let sku = Sellable {
            sku_id: SkuId(1),
            product_id: ProductId(1),
            shop_id: ShopId(1),
            title: String::new(),
            specs: String::new(),
            price,
            stock: 0,
        };
        (sku, quantity)
    }

    /// For random carts, with prices anywhere in the range a BIGINT can hold, the order total is
    /// the exact sum (computed in i128, which cannot overflow here) or the order is refused: it
    /// never wraps, and it is never accepted at or below zero or above a ceiling.
    #[test]
    fn totals_are_the_exact_sum_or_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let wide = MoneyLimits {
            max_price: Money::from_minor(i64::MAX),
            max_shipping_fee: Money::from_minor(i64::MAX),
            max_line: Money::from_minor(i64::MAX),
            max_order: Money::from_minor(i64::MAX),
        };
        for limits in [MoneyLimits::default(), wide] {
            for _ in 0..20_000 {
                let lines: Vec<_> = (0..rng.random_range(1..6))
                    .map(|_| {
                        let price = match rng.random_range(0..3) {
                            0 => rng.random_range(1..100_000),
                            1 => rng.random_range(1..200_000_000),
                            _ => rng.random_range(1..i64::MAX),
                        };
                        line(price, rng.random_range(1..=99))
                    })
                    .collect();
                let fee = rng.random_range(0..2_000);
                let free_from = rng.random_range(0..1_000_000);
                let rule = (Money::from_minor(fee), Money::from_minor(free_from));
                let exact_lines: Vec<i128> =
                    lines.iter().map(|(sku, q)| i128::from(sku.price) * i128::from(*q)).collect();
                let subtotal: i128 = exact_lines.iter().sum();
                let shipping = if subtotal >= i128::from(free_from) { 0 } else { i128::from(fee) };
                let exact = subtotal + shipping;
                let acceptable = exact_lines.iter().all(|line| *line <= i128::from(limits.max_line.to_minor()))
                    && exact <= i128::from(limits.max_order.to_minor())
                    && exact > 0;
                match price_order(&lines, rule, &[], &limits) {
                    Ok((_, _, total)) => {
                        assert!(acceptable, "accepted {exact} over the limits");
                        assert_eq!(i128::from(total.to_minor()), exact);
                    }
                    Err(_) => assert!(!acceptable, "refused an acceptable order of {exact}"),
                }
            }
        }
    }

    #[test]
    fn a_discount_down_to_zero_or_below_is_refused() {
        let limits = MoneyLimits::default();
        let discount = |amount| Adjustment {
            kind: "coupon".into(),
            label: String::new(),
            amount: Money::from_minor(amount),
            funder: "shop".into(),
            coupon_id: None,
            template_id: None,
            promotion_id: None,
            chosen_by: String::new(),
            allocations: Vec::new(),
            points: None,
        };
        let rule = (Money::ZERO, Money::ZERO);
        assert!(price_order(&[line(500, 1)], rule, &[discount(-499)], &limits).is_ok());
        assert!(price_order(&[line(500, 1)], rule, &[discount(-500)], &limits).is_err());
        assert!(price_order(&[line(500, 1)], rule, &[discount(i64::MIN)], &limits).is_err());
    }
}
