//! What checkout asks of promotions, inside its own transaction: which coupon a shop order takes
//! (the buyer's choice, or the best for them), how its discount spreads over the lines, and the
//! coupon's moves with the order — locked when placed, spent when paid, back when cancelled.

use crate::PromotionError;
use crate::claims::{CouponStatus, has_bought};
use crate::stacking::{Candidate, Line, Rule};
use crate::templates::{CouponKind, CouponScope, TemplateRow};
use bazaar_core::Money;
use bazaar_core::ids::{CouponId, CouponTemplateId, OrderId, ProductId, PromotionId, ShopId, SkuId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{coupon_templates as t, coupons};
use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;

/// A line of a shop order as promotions sees it.
#[derive(Debug, Clone)]
pub struct PricedLine {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub quantity: i32,
    /// Unit price × quantity (at a limited-time price when one is in force).
    pub amount: Money,
    /// False for a line at a limited-time price that does not combine: no further discount.
    pub discountable: bool,
}

/// Who pays for a discount when the shop is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Funder {
    Shop,
    Platform,
}

impl Funder {
    pub const fn as_str(self) -> &'static str {
        match self {
            Funder::Shop => "shop",
            Funder::Platform => "platform",
        }
    }
}

/// Where a discount came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountSource {
    /// An automatic order promotion of the shop.
    Promotion(PromotionId),
    /// A coupon from the buyer's wallet.
    Coupon { coupon_id: CouponId, template_id: CouponTemplateId },
}

/// A discount applied to one shop order.
#[derive(Debug, Clone)]
pub struct Discount {
    pub source: DiscountSource,
    pub label: String,
    pub funder: Funder,
    /// Taken off (positive).
    pub amount: Money,
    /// The amount spread over the eligible lines, in line order; adds up to `amount`.
    pub allocations: Vec<(SkuId, Money)>,
    /// Whether later discounts may stack on it.
    pub combinable: bool,
}

/// Splits `total` fen over lines in proportion to `weights` (their value), rounding down; the fen
/// left over go to the largest lines first, never past a line's own value. Deterministic, so a
/// refund of a line returns exactly what it was discounted.
pub fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if sum == 0 || total <= 0 {
        return vec![0; weights.len()];
    }
    let total = i128::from(total).min(sum);
    let mut shares: Vec<i128> = weights.iter().map(|w| total * i128::from((*w).max(0)) / sum).collect();
    let mut left = total - shares.iter().sum::<i128>();
    let mut by_size: Vec<usize> = (0..weights.len()).collect();
    // Largest first; ties by position, so the same cart always splits the same way.
    by_size.sort_by(|a, b| weights[*b].cmp(&weights[*a]).then(a.cmp(b)));
    for index in by_size {
        if left == 0 {
            break;
        }
        let room = i128::from(weights[index].max(0)) - shares[index];
        let given = room.min(left);
        shares[index] += given;
        left -= given;
    }
    shares.into_iter().map(|share| i64::try_from(share).unwrap_or(0)).collect()
}

/// Whether `line` is one `template` covers.
pub(crate) fn in_scope(template: &TemplateRow, line: &PricedLine, facts: &[bazaar_catalog::ProductFacts]) -> bool {
    let ids = template.scope_ids();
    match template.scope() {
        CouponScope::Shop => true,
        CouponScope::Products => ids.contains(&line.product_id.get()),
        CouponScope::ExceptProducts => !ids.contains(&line.product_id.get()),
        CouponScope::Categories => facts
            .iter()
            .find(|fact| fact.product_id == line.product_id)
            .is_some_and(|fact| ids.iter().any(|category| fact.is_in(bazaar_core::ids::CategoryId(*category)))),
    }
}

/// A coupon as the stacking layers see it: its rule, and the lines its scope covers.
pub(crate) fn coupon_candidate(
    template: &TemplateRow,
    lines: &[PricedLine],
    facts: &[bazaar_catalog::ProductFacts],
) -> Candidate {
    let rule = match template.kind() {
        CouponKind::Fixed => Rule::Fixed { min_spend: template.min_spend, off: template.amount_off },
        CouponKind::Percent => Rule::Percent {
            min_spend: template.min_spend,
            percent: i64::from(template.percent_off),
            cap: template.max_discount,
        },
    };
    Candidate {
        rule,
        covers: lines.iter().map(|line| in_scope(template, line, facts)).collect(),
        combinable: template.combinable,
    }
}

/// The promotions' view of priced lines.
pub(crate) fn stacking_lines(lines: &[PricedLine]) -> Vec<Line> {
    lines
        .iter()
        .map(|line| Line {
            amount: line.amount.to_minor(),
            quantity: i64::from(line.quantity),
            discountable: line.discountable,
        })
        .collect()
}

/// What `template` alone takes off `lines`, or `None` when the order does not qualify.
fn worth(template: &TemplateRow, lines: &[PricedLine], facts: &[bazaar_catalog::ProductFacts]) -> Option<i64> {
    let candidate = coupon_candidate(template, lines, facts);
    let off = candidate.rule.off(&stacking_lines(lines), &candidate.covers);
    (off > 0).then_some(off)
}

/// The buyer's usable coupons, each saying whether the cart as it is (`cart`: the lines of each
/// shop) would take it off and, if not, why; those it would take first.
pub fn wallet_for_cart(
    conn: &mut DbConn,
    buyer: UserId,
    cart: &[(ShopId, Vec<PricedLine>)],
) -> Result<Vec<crate::WalletCoupon>, PromotionError> {
    let mut coupons = crate::claims::wallet_with_templates(conn, buyer, crate::WalletFilter::Usable)?;
    let product_ids: Vec<ProductId> =
        cart.iter().flat_map(|(_, lines)| lines.iter().map(|line| line.product_id)).collect();
    let facts = bazaar_catalog::product_facts(conn, &product_ids)?;
    let now = Utc::now();
    for (coupon, template) in &mut coupons {
        // A platform coupon covers the whole cart.
        let all: Vec<PricedLine>;
        let lines = match template.shop_id {
            Some(shop) => cart.iter().find(|(of, _)| *of == shop).map(|(_, lines)| lines.as_slice()),
            None => {
                all = cart.iter().flat_map(|(_, lines)| lines.iter().cloned()).collect();
                (!all.is_empty()).then_some(all.as_slice())
            }
        };
        let bought = template.new_customers_only && has_bought(conn, buyer, template.shop_id)?;
        let why_not = match lines {
            _ if coupon.valid_from > now => Some(format!("usable from {}", coupon.valid_from)),
            None => Some("nothing from this shop is in your cart".to_string()),
            Some(lines) => match worth(template, lines, &facts) {
                None => Some(shortfall(template, lines, &facts)),
                Some(_) if bought => Some("for customers who have not ordered from the shop yet".to_string()),
                Some(_) => None,
            },
        };
        coupon.usable_for_cart = Some(why_not.is_none());
        coupon.why_not = why_not;
    }
    // Usable first; within each, the wallet's own order (soonest to expire first).
    coupons.sort_by_key(|(coupon, _)| coupon.usable_for_cart != Some(true));
    Ok(coupons.into_iter().map(|(coupon, _)| coupon).collect())
}

/// Why lines that `worth` turned down do not qualify.
fn shortfall(template: &TemplateRow, lines: &[PricedLine], facts: &[bazaar_catalog::ProductFacts]) -> String {
    let covered: i64 =
        lines.iter().filter(|line| in_scope(template, line, facts)).map(|line| line.amount.to_minor()).sum();
    if covered == 0 {
        "none of the items in your cart are covered".to_string()
    } else {
        format!("spend {} more on covered items", Money::from_minor(template.min_spend - covered))
    }
}

/// Why `coupon`, named by `buyer`, could not be spent on this checkout: held by another unpaid
/// order (a conflict the buyer can wait out), or not usable here at all (the field is wrong).
pub fn unusable(conn: &mut DbConn, buyer: UserId, coupon: CouponId) -> Result<PromotionError, PromotionError> {
    let status: Option<String> = coupons::table
        .filter(coupons::id.eq(coupon))
        .filter(coupons::user_id.eq(buyer))
        .select(coupons::status)
        .first(conn)
        .optional()?;
    Ok(match status.as_deref() {
        Some(held) if held == CouponStatus::Locked.as_str() => taken(coupon),
        _ => PromotionError::invalid(
            "coupon_ids",
            format!(
                "coupon {coupon} cannot be used for this order (not yours, spent, expired, for another shop or below its minimum spend)"
            ),
        ),
    })
}

fn taken(coupon: CouponId) -> PromotionError {
    bazaar_core::Refusal::conflict("coupon_unavailable", "this coupon is held by another order")
        .at_field("coupon_ids")
        .with("coupon_id", coupon)
        .into()
}

/// Holds `coupon` for the unpaid `order`; refused when another order got it first (two checkouts
/// racing for one coupon: one wins).
pub fn lock(conn: &mut DbConn, buyer: UserId, coupon: CouponId, order: OrderId) -> Result<(), PromotionError> {
    let locked = diesel::update(coupons::table.find(coupon))
        .filter(coupons::user_id.eq(buyer))
        .filter(coupons::status.eq_any(CouponStatus::SPENDABLE))
        .filter(coupons::valid_until.gt(Utc::now().naive_utc()))
        .set((coupons::status.eq(CouponStatus::Locked.as_str()), coupons::order_id.eq(Some(order))))
        .execute(conn)?;
    if locked == 1 { Ok(()) } else { Err(taken(coupon)) }
}

/// An order holding `discounts` (coupon, what it took off across the checkout's orders) was paid:
/// the coupons are spent, and their templates count them. A platform coupon is shared by the
/// orders of one checkout; whichever is paid first spends it.
pub fn spend(conn: &mut DbConn, discounts: &[(CouponId, Money)]) -> Result<(), PromotionError> {
    let now = Utc::now().naive_utc();
    for (coupon, amount) in discounts {
        let spent = diesel::update(coupons::table.find(*coupon))
            .filter(coupons::status.eq(CouponStatus::Locked.as_str()))
            .set((coupons::status.eq(CouponStatus::Used.as_str()), coupons::used_at.eq(Some(now))))
            .execute(conn)?;
        // Only the change from locked counts, so a repeated payment notice counts nothing twice.
        if spent == 1 {
            let template: CouponTemplateId = coupons::table.find(*coupon).select(coupons::template_id).first(conn)?;
            diesel::update(t::table.find(template))
                .set((t::used_count.eq(t::used_count + 1), t::discount_given.eq(t::discount_given + amount.to_minor())))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The unpaid orders holding `held` were all cancelled or timed out: the coupons go back to the
/// wallet.
pub fn release(conn: &mut DbConn, held: &[CouponId]) -> Result<(), PromotionError> {
    if held.is_empty() {
        return Ok(());
    }
    diesel::update(
        coupons::table.filter(coupons::id.eq_any(held)).filter(coupons::status.eq(CouponStatus::Locked.as_str())),
    )
    .set((coupons::status.eq(CouponStatus::Unused.as_str()), coupons::order_id.eq(None::<OrderId>)))
    .execute(conn)?;
    Ok(())
}

/// The paid orders that spent `spent` were refunded in full: coupons whose template says so come
/// back, once.
pub fn refund(conn: &mut DbConn, spent: &[CouponId]) -> Result<(), PromotionError> {
    if spent.is_empty() {
        return Ok(());
    }
    let returnable: Vec<CouponId> = coupons::table
        .inner_join(t::table)
        .filter(coupons::id.eq_any(spent))
        .filter(coupons::status.eq(CouponStatus::Used.as_str()))
        .filter(t::returned_on_refund.eq(true))
        .select(coupons::id)
        .load(conn)?;
    diesel::update(
        coupons::table.filter(coupons::id.eq_any(returnable)).filter(coupons::status.eq(CouponStatus::Used.as_str())),
    )
    .set((coupons::status.eq(CouponStatus::Returned.as_str()), coupons::order_id.eq(None::<OrderId>)))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::allocate;
    use rand::{Rng, SeedableRng};

    #[test]
    fn allocations_add_up_exactly_and_never_exceed_a_line() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let lines = rng.random_range(1..8);
            let weights: Vec<i64> = (0..lines).map(|_| rng.random_range(1..50_000)).collect();
            let sum: i64 = weights.iter().sum();
            let total = rng.random_range(0..=sum);
            let shares = allocate(total, &weights);
            assert_eq!(shares.iter().sum::<i64>(), total, "{weights:?} {total}");
            for (share, weight) in shares.iter().zip(&weights) {
                assert!((0..=*weight).contains(share), "{weights:?} {total} {shares:?}");
            }
            assert_eq!(allocate(total, &weights), shares, "the same cart splits the same way");
        }
    }

    #[test]
    fn leftover_fen_go_to_the_largest_line_without_passing_any_line() {
        assert_eq!(allocate(100, &[300, 700]), vec![30, 70]);
        assert_eq!(allocate(10, &[1, 1, 1]), vec![1, 1, 1]);
        assert_eq!(allocate(2, &[1, 1, 1]), vec![1, 1, 0]);
        assert_eq!(allocate(5, &[100, 300, 200]), vec![0, 4, 1]);
    }
}
