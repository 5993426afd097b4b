//! A new template checked as a whole before anything is written: every bad field at once.

use crate::PromotionError;
use crate::templates::{CouponKind, CouponScope, TemplateInput, Visibility};
use bazaar_core::ids::ShopId;
use bazaar_core::{FieldChecks, Money};
use bazaar_db::DbConn;

/// A template's name: what buyers see on the coupon.
pub(crate) fn name(raw: &str) -> Result<(), PromotionError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 60 { refuse("name", "must be 1 to 60 characters") } else { Ok(()) }
}

pub(crate) fn refuse(field: &'static str, message: &str) -> Result<(), PromotionError> {
    Err(PromotionError::invalid(field, message))
}

fn positive_money(field: &'static str, value: Option<Money>) -> Result<i64, PromotionError> {
    match value {
        Some(money) if money > Money::ZERO => Ok(money.to_minor()),
        Some(_) => Err(PromotionError::invalid(field, "must be more than 0.00")),
        None => Err(PromotionError::invalid(field, "is required for this kind")),
    }
}

/// Every problem of `input` at once; the scope checked against `shop_id`'s own products (a
/// platform coupon, `None`, may name any shop's).
pub(crate) fn check(conn: &mut DbConn, shop_id: Option<ShopId>, input: &TemplateInput) -> Result<(), PromotionError> {
    let mut checks = FieldChecks::new();
    checks.check(name(&input.name));
    let min_spend = input.min_spend.unwrap_or(Money::ZERO);
    checks.check(if min_spend < Money::ZERO { refuse("min_spend", "must not be negative") } else { Ok(()) });
    match input.kind {
        CouponKind::Fixed => {
            let off = checks.check(positive_money("amount_off", input.amount_off));
            // 满 X 减 Y: a threshold below the discount would hand out money.
            if off > 0 && min_spend > Money::ZERO && min_spend.to_minor() < off {
                checks.check(refuse("min_spend", "must not be below amount_off"));
            }
        }
        CouponKind::Percent => {
            checks.check(match input.percent_off {
                Some(1..=99) => Ok(()),
                _ => refuse("percent_off", "must be 1 to 99 for a percent coupon"),
            });
            if input.max_discount.is_some() {
                checks.check(positive_money("max_discount", input.max_discount));
            }
        }
    }
    checks.check(if input.claim_ends_at <= input.claim_starts_at {
        refuse("claim_ends_at", "must be after claim_starts_at")
    } else {
        Ok(())
    });
    checks.check(match (input.use_starts_at, input.use_ends_at, input.valid_days) {
        (Some(start), Some(end), None) if end > start => Ok(()),
        (Some(_), Some(_), None) => refuse("use_ends_at", "must be after use_starts_at"),
        (None, None, Some(1..=365)) => Ok(()),
        (None, None, Some(_)) => refuse("valid_days", "must be 1 to 365"),
        _ => refuse("valid_days", "give either use_starts_at and use_ends_at, or valid_days"),
    });
    checks.check(if (1..=10_000_000).contains(&input.total_quantity) {
        Ok(())
    } else {
        refuse("total_quantity", "must be 1 to 10000000")
    });
    checks.check(match input.per_user_limit {
        None | Some(1..=100) => Ok(()),
        _ => refuse("per_user_limit", "must be 1 to 100"),
    });
    checks.check(match input.per_user_per_day {
        None | Some(1..=100) => Ok(()),
        _ => refuse("per_user_per_day", "must be 1 to 100"),
    });
    checks.check(match (&input.visibility, &input.redeem_code) {
        (Visibility::Code, Some(code))
            if (4..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Ok(())
        }
        (Visibility::Code, _) => refuse("redeem_code", "must be 4 to 32 letters or digits for a code coupon"),
        (Visibility::Public | Visibility::Issued, Some(_)) => refuse("redeem_code", "is only for code coupons"),
        (Visibility::Public | Visibility::Issued, None) => Ok(()),
    });
    checks.check(check_scope(conn, shop_id, input));
    checks.finish()
}

/// The scope names this shop's products, or categories that exist.
fn check_scope(conn: &mut DbConn, shop_id: Option<ShopId>, input: &TemplateInput) -> Result<(), PromotionError> {
    match input.scope {
        CouponScope::Shop if input.product_ids.is_empty() && input.category_ids.is_empty() => Ok(()),
        CouponScope::Shop => refuse("scope", "a whole-shop coupon lists no products or categories"),
        CouponScope::Products | CouponScope::ExceptProducts => {
            if input.product_ids.is_empty() || !input.category_ids.is_empty() {
                return refuse("product_ids", "must list the products (and no categories)");
            }
            let facts = bazaar_catalog::product_facts(conn, &input.product_ids)?;
            let all_ours = input
                .product_ids
                .iter()
                .all(|id| facts.iter().any(|f| f.product_id == *id && shop_id.is_none_or(|shop| f.shop_id == shop)));
            match (all_ours, shop_id) {
                (true, _) => Ok(()),
                (false, Some(_)) => refuse("product_ids", "must all be products of this shop"),
                (false, None) => refuse("product_ids", "must all be products that exist"),
            }
        }
        CouponScope::Categories => {
            if input.category_ids.is_empty() || !input.product_ids.is_empty() {
                return refuse("category_ids", "must list the categories (and no products)");
            }
            let found = bazaar_catalog::existing_categories(conn, &input.category_ids)?;
            if input.category_ids.iter().all(|id| found.contains(id)) {
                Ok(())
            } else {
                refuse("category_ids", "must all exist")
            }
        }
    }
}
