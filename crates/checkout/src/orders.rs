//! Placing orders. One request is one checkout: its lines are split into one order per shop, the
//! prices and the address are snapshotted, and stock is reserved for every line or none, all in
//! one write transaction. An `Idempotency-Key` makes retries safe: the same key and request return
//! the stored answer; the same key with another request is refused.

use crate::{CheckoutError, CheckoutSettings, hoarding};
use bazaar_catalog::reserve_stock;
use bazaar_core::{Money, MoneyLimits};
use bazaar_db::schema::{addresses, cart_items, checkouts, order_events, order_items, orders, products, shops, skus};
use bazaar_db::{DbConn, write_transaction};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    pub sku_id: i64,
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// One of the buyer's addresses; it is copied into the orders.
    pub address_id: i64,
    /// What to buy; without it, every line of the cart that can be bought.
    pub items: Option<Vec<OrderLine>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItemView {
    pub sku_id: i64,
    pub product_id: i64,
    pub title: String,
    pub specs: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Money,
    pub quantity: i32,
}

impl OrderItemView {
    /// From the stored snapshot: specs as JSON text, the price in fen.
    fn from_stored(
        sku_id: i64,
        product_id: i64,
        title: String,
        specs: &str,
        price: i64,
        quantity: i32,
    ) -> OrderItemView {
        OrderItemView {
            sku_id,
            product_id,
            title,
            specs: serde_json::from_str(specs).unwrap_or_default(),
            unit_price: Money::from_minor(price),
            quantity,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub id: i64,
    pub checkout_id: i64,
    pub shop_id: i64,
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subtotal: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub shipping_fee: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub address: serde_json::Value,
    pub items: Vec<OrderItemView>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutResult {
    pub checkout_id: i64,
    pub orders: Vec<OrderView>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Money,
}

/// A SKU that can be bought now, with what an order snapshots of it.
pub(crate) struct Sellable {
    pub sku_id: i64,
    pub product_id: i64,
    pub shop_id: i64,
    pub title: String,
    pub specs: String,
    pub price: i64,
}

/// The SKU if it can be bought now: active SKU of an active product of an active shop.
pub(crate) fn sellable(conn: &mut DbConn, sku_id: i64) -> Result<Sellable, CheckoutError> {
    type Row = (i64, String, String, i64, bool, String, i64, String);
    let found: Option<Row> = skus::table
        .inner_join(products::table.inner_join(shops::table))
        .filter(skus::id.eq(sku_id))
        .select((
            skus::product_id,
            products::title,
            skus::spec_values,
            skus::price,
            skus::active,
            products::status,
            shops::id,
            shops::status,
        ))
        .first(conn)
        .optional()?;
    let Some((product_id, title, specs, price, active, product_status, shop_id, shop_status)) = found else {
        return Err(CheckoutError::NotFound("SKU"));
    };
    if !active || product_status != "active" || shop_status != "active" {
        return Err(CheckoutError::Conflict {
            code: "sku_unavailable",
            message: format!("SKU {sku_id} cannot be bought now"),
        });
    }
    Ok(Sellable { sku_id, product_id, shop_id, title, specs, price })
}

/// A discount or surcharge on a shop's order. Promotions (coupons, points) add them in
/// [`quote`]; until then the list is empty and totals are subtotal + shipping.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjustment {
    /// e.g. `coupon`, `points`.
    pub kind: String,
    pub label: String,
    /// Negative for a discount.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub amount: Money,
}

/// One shop's part of a checkout, priced: what an order would be.
pub(crate) struct ShopQuote {
    pub shop_id: i64,
    pub lines: Vec<(Sellable, i32)>,
    pub subtotal: Money,
    pub shipping: Money,
    pub adjustments: Vec<Adjustment>,
    /// Subtotal + shipping + adjustments, checked against the order ceiling and always > 0.
    pub total: Money,
}

fn too_large(field: &'static str, ceiling: Money) -> CheckoutError {
    CheckoutError::Conflict { code: "amount_too_large", message: format!("{field} would exceed {ceiling}") }
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
        return Err(CheckoutError::Conflict {
            code: "nothing_to_charge",
            message: "an order must cost more than 0.00".into(),
        });
    }
    Ok((subtotal, shipping, total))
}

/// Prices the wanted lines: one quote per shop, in shop order. The single place where money for
/// a checkout is computed, for the preview and for placing alike.
pub(crate) fn quote(
    conn: &mut DbConn,
    wanted: &BTreeMap<i64, i32>,
    limits: &MoneyLimits,
) -> Result<Vec<ShopQuote>, CheckoutError> {
    let mut by_shop: BTreeMap<i64, Vec<(Sellable, i32)>> = BTreeMap::new();
    for (&sku_id, &quantity) in wanted {
        let sellable = sellable(conn, sku_id)?;
        by_shop.entry(sellable.shop_id).or_default().push((sellable, quantity));
    }
    let mut quotes = Vec::with_capacity(by_shop.len());
    for (shop_id, lines) in by_shop {
        let (fee, free_from): (i64, i64) =
            shops::table.find(shop_id).select((shops::shipping_fee, shops::free_shipping_from)).get_result(conn)?;
        let adjustments = Vec::new();
        let rule = (Money::from_minor(fee), Money::from_minor(free_from));
        let (subtotal, shipping, total) = price_order(&lines, rule, &adjustments, limits)?;
        quotes.push(ShopQuote { shop_id, lines, subtotal, shipping, adjustments, total });
    }
    Ok(quotes)
}

/// A checkout's grand total: the sum of its orders, refused rather than wrapped.
pub(crate) fn grand_total(totals: impl IntoIterator<Item = Money>) -> Result<Money, CheckoutError> {
    Money::checked_sum(totals).ok_or_else(|| too_large("the checkout", Money::from_minor(i64::MAX)))
}

/// What placing led to, and which products' stock changed (for cache invalidation).
pub(crate) enum Placed {
    New(CheckoutResult, Vec<i64>),
    Replayed(CheckoutResult),
}

fn request_hash(request: &PlaceOrder) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(request).unwrap_or_default()))
}

fn address_snapshot(conn: &mut DbConn, user_id: i64, address_id: i64) -> Result<serde_json::Value, CheckoutError> {
    type Row = (String, String, String, String, String, String, Option<String>);
    let row: Option<Row> = addresses::table
        .filter(addresses::id.eq(address_id))
        .filter(addresses::user_id.eq(user_id))
        .select((
            addresses::recipient,
            addresses::phone,
            addresses::province,
            addresses::city,
            addresses::district,
            addresses::detail,
            addresses::postal_code,
        ))
        .first(conn)
        .optional()?;
    let (recipient, phone, province, city, district, detail, postal_code) =
        row.ok_or(CheckoutError::Invalid { field: "address_id", message: "is not one of your addresses".into() })?;
    Ok(serde_json::json!({ "recipient": recipient, "phone": phone, "province": province, "city": city,
                           "district": district, "detail": detail, "postal_code": postal_code }))
}

/// The lines to order: the request's (merged by SKU), or the cart's buyable lines.
pub(crate) fn lines(
    conn: &mut DbConn,
    user_id: i64,
    request: &PlaceOrder,
) -> Result<(BTreeMap<i64, i32>, bool), CheckoutError> {
    let mut merged = BTreeMap::new();
    let from_cart = request.items.is_none();
    match &request.items {
        Some(items) => {
            for (i, line) in items.iter().enumerate() {
                let total = merged.entry(line.sku_id).or_insert(0_i32);
                *total = total.saturating_add(line.quantity);
                if !(1..=crate::MAX_QUANTITY).contains(&line.quantity) || *total > crate::MAX_QUANTITY {
                    return Err(CheckoutError::Invalid {
                        field: "items",
                        message: format!("item {i}: quantity must be 1 to 99"),
                    });
                }
            }
        }
        None => {
            let cart: Vec<(i64, i32)> = cart_items::table
                .filter(cart_items::user_id.eq(user_id))
                .select((cart_items::sku_id, cart_items::quantity))
                .load(conn)?;
            merged.extend(cart);
        }
    }
    if merged.is_empty() {
        return Err(CheckoutError::Invalid { field: "items", message: "there is nothing to order".into() });
    }
    Ok((merged, from_cart))
}

pub(crate) fn place(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    request: &PlaceOrder,
    settings: &CheckoutSettings,
) -> Result<Placed, CheckoutError> {
    let hash = request_hash(request);
    write_transaction(conn, |conn| {
        let stored: Option<(String, String)> = checkouts::table
            .filter(checkouts::user_id.eq(user_id))
            .filter(checkouts::idempotency_key.eq(key))
            .select((checkouts::request_hash, checkouts::response))
            .first(conn)
            .optional()?;
        if let Some((stored_hash, response)) = stored {
            if stored_hash != hash {
                return Err(CheckoutError::Conflict {
                    code: "idempotency_key_reused",
                    message: "this Idempotency-Key was used for a different request".into(),
                });
            }
            let result = serde_json::from_str(&response)
                .map_err(|err| CheckoutError::Db(bazaar_db::DbError::Stored(err.to_string())))?;
            return Ok(Placed::Replayed(result));
        }
        let now = Utc::now().naive_utc();
        let address = address_snapshot(conn, user_id, request.address_id)?;
        let (wanted, from_cart) = lines(conn, user_id, request)?;
        let checkout_id: i64 = diesel::insert_into(checkouts::table)
            .values((
                checkouts::user_id.eq(user_id),
                checkouts::idempotency_key.eq(key),
                checkouts::request_hash.eq(&hash),
                checkouts::response.eq(""),
                checkouts::created_at.eq(now),
            ))
            .returning(checkouts::id)
            .get_result(conn)?;
        let quotes = quote(conn, &wanted, &settings.money)?;
        hoarding::check_caps(conn, user_id, quotes.len(), wanted.values(), settings)?;
        let mut views = Vec::new();
        let mut changed_products = Vec::new();
        for quote in quotes {
            let (shop_id, subtotal, shipping, total) = (quote.shop_id, quote.subtotal, quote.shipping, quote.total);
            let lines = quote.lines;
            let order_id: i64 = diesel::insert_into(orders::table)
                .values((
                    orders::checkout_id.eq(checkout_id),
                    orders::user_id.eq(user_id),
                    orders::shop_id.eq(shop_id),
                    orders::status.eq("pending_payment"),
                    orders::subtotal.eq(subtotal.to_minor()),
                    orders::shipping_fee.eq(shipping.to_minor()),
                    orders::total.eq(total.to_minor()),
                    orders::address.eq(address.to_string()),
                    orders::created_at.eq(now),
                    orders::updated_at.eq(now),
                ))
                .returning(orders::id)
                .get_result(conn)?;
            let mut items = Vec::new();
            for (Sellable { sku_id, product_id, title, specs, price, .. }, quantity) in lines {
                reserve_stock(conn, sku_id, i64::from(quantity), user_id, order_id)?;
                diesel::insert_into(order_items::table)
                    .values((
                        order_items::order_id.eq(order_id),
                        order_items::sku_id.eq(sku_id),
                        order_items::product_id.eq(product_id),
                        order_items::title.eq(&title),
                        order_items::specs.eq(&specs),
                        order_items::unit_price.eq(price),
                        order_items::quantity.eq(quantity),
                    ))
                    .execute(conn)?;
                changed_products.push(product_id);
                items.push(OrderItemView::from_stored(sku_id, product_id, title, &specs, price, quantity));
            }
            record_event(conn, order_id, None, "pending_payment", Some(user_id), "placed", now)?;
            views.push(OrderView {
                id: order_id,
                checkout_id,
                shop_id,
                status: "pending_payment".into(),
                subtotal,
                shipping_fee: shipping,
                total,
                address: address.clone(),
                items,
                created_at: now.and_utc(),
            });
        }
        if from_cart {
            diesel::delete(cart_items::table.filter(cart_items::user_id.eq(user_id))).execute(conn)?;
        } else {
            let ordered: Vec<i64> = wanted.keys().copied().collect();
            diesel::delete(
                cart_items::table.filter(cart_items::user_id.eq(user_id)).filter(cart_items::sku_id.eq_any(ordered)),
            )
            .execute(conn)?;
        }
        let total = grand_total(views.iter().map(|view| view.total))?;
        let result = CheckoutResult { checkout_id, orders: views, total };
        let response = serde_json::to_string(&result).unwrap_or_default();
        diesel::update(checkouts::table.find(checkout_id)).set(checkouts::response.eq(response)).execute(conn)?;
        Ok(Placed::New(result, changed_products))
    })
}

pub(crate) fn record_event(
    conn: &mut DbConn,
    order_id: i64,
    from: Option<&str>,
    to: &str,
    actor: Option<i64>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), CheckoutError> {
    diesel::insert_into(order_events::table)
        .values((
            order_events::order_id.eq(order_id),
            order_events::from_status.eq(from),
            order_events::to_status.eq(to),
            order_events::actor_id.eq(actor),
            order_events::reason.eq(reason),
            order_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The buyer's orders, newest first, each with its items.
pub(crate) fn list(
    conn: &mut DbConn,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OrderView>, CheckoutError> {
    let mut query = orders::table.filter(orders::user_id.eq(user_id)).into_boxed();
    if let Some(before) = before {
        query = query.filter(orders::id.lt(before));
    }
    let ids: Vec<i64> = query.order(orders::id.desc()).limit(limit).select(orders::id).load(conn)?;
    ids.into_iter().map(|id| load(conn, user_id, id)).collect()
}

/// One of the buyer's orders (someone else's answers "not found").
pub(crate) fn load(conn: &mut DbConn, user_id: i64, order_id: i64) -> Result<OrderView, CheckoutError> {
    let owner: Option<i64> = orders::table.find(order_id).select(orders::user_id).get_result(conn).optional()?;
    if owner != Some(user_id) {
        return Err(CheckoutError::NotFound("order"));
    }
    load_any(conn, order_id)
}

/// An order, whoever placed it (callers have checked access).
pub(crate) fn load_any(conn: &mut DbConn, order_id: i64) -> Result<OrderView, CheckoutError> {
    type Row = (i64, i64, i64, String, i64, i64, i64, String, NaiveDateTime);
    let row: Row = orders::table
        .filter(orders::id.eq(order_id))
        .select((
            orders::id,
            orders::checkout_id,
            orders::shop_id,
            orders::status,
            orders::subtotal,
            orders::shipping_fee,
            orders::total,
            orders::address,
            orders::created_at,
        ))
        .first(conn)
        .optional()?
        .ok_or(CheckoutError::NotFound("order"))?;
    let items: Vec<(i64, i64, String, String, i64, i32)> = order_items::table
        .filter(order_items::order_id.eq(order_id))
        .order(order_items::id.asc())
        .select((
            order_items::sku_id,
            order_items::product_id,
            order_items::title,
            order_items::specs,
            order_items::unit_price,
            order_items::quantity,
        ))
        .load(conn)?;
    Ok(OrderView {
        id: row.0,
        checkout_id: row.1,
        shop_id: row.2,
        status: row.3,
        subtotal: Money::from_minor(row.4),
        shipping_fee: Money::from_minor(row.5),
        total: Money::from_minor(row.6),
        address: serde_json::from_str(&row.7).unwrap_or_default(),
        items: items
            .into_iter()
            .map(|(sku_id, product_id, title, specs, price, quantity)| {
                OrderItemView::from_stored(sku_id, product_id, title, &specs, price, quantity)
            })
            .collect(),
        created_at: row.8.and_utc(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn line(price: i64, quantity: i32) -> (Sellable, i32) {
        let sku = Sellable { sku_id: 1, product_id: 1, shop_id: 1, title: String::new(), specs: String::new(), price };
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
        let discount =
            |amount| Adjustment { kind: "coupon".into(), label: String::new(), amount: Money::from_minor(amount) };
        let rule = (Money::ZERO, Money::ZERO);
        assert!(price_order(&[line(500, 1)], rule, &[discount(-499)], &limits).is_ok());
        assert!(price_order(&[line(500, 1)], rule, &[discount(-500)], &limits).is_err());
        assert!(price_order(&[line(500, 1)], rule, &[discount(i64::MIN)], &limits).is_err());
    }
}
