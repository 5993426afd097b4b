//! Which discounts a shop order takes: the shop's automatic order promotions live now and the
//! buyer's coupons, combined by the rules of `stacking.rs` — the buyer's named coupon, or the best
//! combination for them.

use crate::PromotionError;
use crate::apply::{Discount, DiscountSource, Funder, PricedLine, coupon_candidate, stacking_lines};
use crate::automatic::{PromotionKind, PromotionRow};
use crate::claims::{CouponStatus, has_bought};
use crate::stacking::{Candidate, Layer, Rule, best};
use crate::templates::{CouponScope, TemplateRow};
use bazaar_core::Money;
use bazaar_core::ids::{CouponId, ProductId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{coupon_templates as t, coupons};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

/// Which coupons the buyer wants.
#[derive(Debug, Clone, Copy)]
pub enum CouponChoice<'a> {
    /// The best combination for each shop order (the default).
    Best,
    /// Exactly these (none at all when empty).
    Only(&'a [CouponId]),
}

/// What the shops of one checkout offer the buyer now — their live order promotions and the
/// buyer's spendable coupons for them — read once, then chosen from shop by shop.
pub struct Offers {
    pub(crate) buyer: UserId,
    pub(crate) coupons: Vec<(CouponId, NaiveDateTime, TemplateRow)>,
    promotions: Vec<PromotionRow>,
}

impl Offers {
    pub fn load(
        conn: &mut DbConn,
        buyer: UserId,
        shops: &[ShopId],
        choice: CouponChoice<'_>,
    ) -> Result<Offers, PromotionError> {
        let promotions = crate::automatic::live_order_promotions(conn, shops)?;
        if let CouponChoice::Only([]) = choice {
            return Ok(Offers { buyer, coupons: Vec::new(), promotions });
        }
        let now = Utc::now().naive_utc();
        let coupons = coupons::table
            .inner_join(t::table)
            .filter(coupons::user_id.eq(buyer))
            .filter(t::shop_id.eq_any(shops).or(t::shop_id.is_null()))
            .filter(coupons::status.eq_any(CouponStatus::SPENDABLE))
            .filter(coupons::valid_from.le(now))
            .filter(coupons::valid_until.gt(now))
            .order((coupons::valid_until.asc(), coupons::id.asc()))
            .select((coupons::id, coupons::valid_until, TemplateRow::as_select()))
            .load(conn)?;
        Ok(Offers { buyer, coupons, promotions })
    }
}

fn promotion_rule(promotion: &PromotionRow) -> Option<Rule> {
    match promotion.kind() {
        PromotionKind::Tiers => Some(Rule::Tiers(promotion.tiers())),
        PromotionKind::ItemsPercent => Some(Rule::ItemsPercent {
            min_items: i64::from(promotion.min_items),
            percent: i64::from(promotion.percent_off),
        }),
        PromotionKind::TimedPrice => None,
    }
}

/// What a shop order's own discounts must allow, given the platform coupon planned above them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beneath {
    /// No platform coupon is planned: anything.
    Anything,
    /// A platform coupon that combines: only discounts that combine too.
    Combinable,
    /// A platform coupon that does not combine: none.
    Nothing,
}

/// The discounts one shop order takes, in stacking order. `cap` is the most they may take off
/// together (the order must still cost something). Coupon ids of `choice` this order took are
/// added to `used`; a named coupon the order cannot take is simply not added.
#[allow(clippy::too_many_arguments)]
pub(crate) fn discounts(
    conn: &mut DbConn,
    offers: &Offers,
    shop: ShopId,
    lines: &[PricedLine],
    choice: CouponChoice<'_>,
    cap: Money,
    used: &mut Vec<CouponId>,
    beneath: Beneath,
) -> Result<Vec<Discount>, PromotionError> {
    if beneath == Beneath::Nothing {
        return Ok(Vec::new());
    }
    let allowed = |combinable: bool| beneath == Beneath::Anything || combinable;
    let promotions: Vec<(&PromotionRow, Rule)> = offers
        .promotions
        .iter()
        .filter(|promotion| promotion.shop_id == shop && allowed(promotion.combinable))
        .filter_map(|promotion| promotion_rule(promotion).map(|rule| (promotion, rule)))
        .collect();
    let mut coupons: Vec<&(CouponId, NaiveDateTime, TemplateRow)> = offers
        .coupons
        .iter()
        .filter(|(id, _, template)| {
            template.shop_id == Some(shop)
                && allowed(template.combinable)
                && match choice {
                    CouponChoice::Best => true,
                    CouponChoice::Only(ids) => ids.contains(id),
                }
        })
        .collect();
    if let CouponChoice::Only(_) = choice
        && coupons.len() > 1
    {
        return Err(PromotionError::invalid("coupon_ids", "one shop coupon per shop order"));
    }
    let mut kept = Vec::with_capacity(coupons.len());
    for coupon in coupons.drain(..) {
        if !(coupon.2.new_customers_only && has_bought(conn, offers.buyer, Some(shop))?) {
            kept.push(coupon);
        }
    }
    let coupons = kept;
    // Where products sit in the category tree matters only to category coupons.
    let facts = if coupons.iter().any(|(_, _, template)| template.scope() == CouponScope::Categories) {
        let product_ids: Vec<ProductId> = lines.iter().map(|line| line.product_id).collect();
        bazaar_catalog::product_facts(conn, &product_ids)?
    } else {
        Vec::new()
    };
    let named = matches!(choice, CouponChoice::Only(_)) && !coupons.is_empty();
    let layers = [
        Layer {
            candidates: promotions
                .iter()
                .map(|(promotion, rule)| Candidate {
                    rule: rule.clone(),
                    covers: vec![true; lines.len()],
                    combinable: promotion.combinable,
                })
                .collect(),
            required: false,
            spends: false,
        },
        Layer {
            candidates: coupons.iter().map(|(_, _, template)| coupon_candidate(template, lines, &facts)).collect(),
            required: named,
            spends: true,
        },
    ];
    let Some(taken) = best(&layers, &stacking_lines(lines), cap.to_minor()) else { return Ok(Vec::new()) };
    let mut discounts = Vec::with_capacity(taken.len());
    for taken in taken {
        let combinable = layers[taken.layer].candidates[taken.candidate].combinable;
        let (source, label, funder) = if taken.layer == 0 {
            let promotion = promotions[taken.candidate].0;
            (DiscountSource::Promotion(promotion.id), format!("{} {}", promotion.name, promotion.label()), Funder::Shop)
        } else {
            let (coupon_id, _, template) = coupons[taken.candidate];
            if named {
                used.push(*coupon_id);
            }
            let funder = if template.shop_id.is_some() { Funder::Shop } else { Funder::Platform };
            (DiscountSource::Coupon { coupon_id: *coupon_id, template_id: template.id }, template.name.clone(), funder)
        };
        discounts.push(Discount {
            source,
            label,
            funder,
            amount: Money::from_minor(taken.off),
            allocations: lines
                .iter()
                .zip(&taken.shares)
                .filter(|(_, share)| **share > 0)
                .map(|(line, share)| (line.sku_id, Money::from_minor(*share)))
                .collect(),
            combinable,
        });
    }
    Ok(discounts)
}
