//! A draw's input checked as a whole before anything is written: every bad field at once, the
//! prizes' legal cap, coupons of the shop's own (the platform's for a platform draw), points within
//! the campaign's budget; a platform draw plays for everyone or buyers and gives no items (a shop
//! ships items).

use crate::CampaignError;
use crate::draws::{Audience, DrawInput, PRIZE_VALUE_CAP_FEN, PrizeInput, PrizeKind};
use crate::error::refuse;
use bazaar_core::ids::ShopId;
use bazaar_core::{FieldChecks, Money};
use bazaar_db::DbConn;
use chrono::Utc;

fn check_prize(
    conn: &mut DbConn,
    checks: &mut FieldChecks<CampaignError>,
    shop: Option<ShopId>,
    at: usize,
    prize: &PrizeInput,
) -> Result<(), CampaignError> {
    let field = |name: &str| -> std::borrow::Cow<'static, str> { format!("prizes[{at}].{name}").into() };
    let mut refuse_at =
        |name: &str, message: &str| checks.check::<()>(Err(CampaignError::invalid(field(name), message)));
    if bazaar_core::user_text(&prize.name, 1, 40, false).is_err() {
        refuse_at("name", "must be 1 to 40 characters of text");
    }
    if prize.weight < 1 || prize.weight > 1_000_000_000 {
        refuse_at("weight", "must be 1 to 1000000000");
    }
    if prize.stock.is_some_and(|stock| !(0..=10_000_000).contains(&stock)) {
        refuse_at("stock", "must be 0 to 10000000 (leave it out for unlimited)");
    }
    let value = prize.value.unwrap_or(Money::ZERO);
    if value < Money::ZERO {
        refuse_at("value", "must not be negative");
    } else if value.to_minor() > PRIZE_VALUE_CAP_FEN {
        refuse_at("value", "a prize may be worth at most 50000.00 (Anti-Unfair Competition Law, article 10)");
    }
    match prize.kind {
        PrizeKind::None => {}
        PrizeKind::Points => {
            if !prize.points.is_some_and(|points| (1..=1_000_000).contains(&points)) {
                refuse_at("points", "must be 1 to 1000000 for a points prize");
            }
        }
        PrizeKind::Coupon => match prize.coupon_template_id {
            None => refuse_at("coupon_template_id", "is required for a coupon prize"),
            Some(template) => match bazaar_promotions::coupon_issuer(conn, template)? {
                None => refuse_at("coupon_template_id", "no such coupon"),
                Some(issuer) if issuer != shop && shop.is_none() => {
                    refuse_at("coupon_template_id", "is a shop's coupon: a platform draw gives platform coupons")
                }
                Some(issuer) if issuer != shop => refuse_at("coupon_template_id", "belongs to another shop"),
                Some(_) => {}
            },
        },
        PrizeKind::Item if shop.is_none() => {
            refuse_at("kind", "a platform draw gives points, coupons or no prize: items are shipped by a shop")
        }
        PrizeKind::Item => {
            if prize.value.is_none() {
                refuse_at("value", "is required for an item prize");
            }
        }
    }
    Ok(())
}

/// Every problem of `input` at once.
pub(crate) fn check(conn: &mut DbConn, shop: Option<ShopId>, input: &DrawInput) -> Result<(), CampaignError> {
    let mut checks = FieldChecks::new();
    if shop.is_none() && input.audience == Audience::Followers {
        checks.check(refuse("audience", "a platform draw is for everyone or buyers (followers are a shop's)"));
    }
    if bazaar_core::user_text(&input.name, 1, 60, false).is_err() {
        checks.check(refuse("name", "must be 1 to 60 characters of text"));
    }
    if bazaar_core::user_text(&input.consolation, 1, 60, false).is_err() {
        checks.check(refuse("consolation", "must be 1 to 60 characters of text"));
    }
    if input.ends_at <= input.starts_at {
        checks.check(refuse("ends_at", "must be after starts_at"));
    } else if input.ends_at.naive_utc() <= Utc::now().naive_utc() {
        checks.check(refuse("ends_at", "must be in the future"));
    } else if input.ends_at - input.starts_at > chrono::Duration::days(366) {
        checks.check(refuse("ends_at", "a draw lasts at most a year"));
    }
    if !(0..=10).contains(&input.daily_free_chances) {
        checks.check(refuse("daily_free_chances", "must be 0 to 10"));
    }
    if input.order_min_amount.is_some_and(|amount| amount <= Money::ZERO) {
        checks.check(refuse("order_min_amount", "must be more than 0.00"));
    }
    if input.points_per_chance.is_some_and(|points| !(1..=1_000_000).contains(&points)) {
        checks.check(refuse("points_per_chance", "must be 1 to 1000000"));
    }
    match input.campaign_id {
        Some(campaign) => match crate::campaigns::load(conn, campaign) {
            Ok(row) if row.shop_id == shop => {
                // Points prizes come out of the campaign's points budget: one it cannot pay once
                // is refused now rather than falling back to the consolation at every play.
                for (at, prize) in input.prizes.iter().enumerate() {
                    if prize.kind == PrizeKind::Points && prize.points.is_some_and(|points| points > row.points_budget)
                    {
                        let field = format!("prizes[{at}].points");
                        checks.check::<()>(Err(CampaignError::invalid(
                            field,
                            "is more than the campaign's points_budget",
                        )));
                    }
                }
            }
            Ok(_) | Err(CampaignError::Refused(_)) => {
                checks.check(refuse("campaign_id", "is not a campaign of this draw's shop (or of the platform)"))
            }
            Err(other) => return Err(other),
        },
        None if input.scan_chances => {
            checks.check(refuse("scan_chances", "needs a campaign_id (its placements are scanned)"))
        }
        None => {}
    }
    if input.prizes.is_empty() || input.prizes.len() > 20 {
        checks.check(refuse("prizes", "must list 1 to 20 prizes"));
    }
    for (at, prize) in input.prizes.iter().enumerate() {
        check_prize(conn, &mut checks, shop, at, prize)?;
    }
    checks.finish()
}
