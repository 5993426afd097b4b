//! Placing orders. One request is one checkout: its lines are split into one order per shop, the
//! prices and the address are snapshotted, and stock is reserved for every line or none, all in
//! one write transaction. An `Idempotency-Key` makes retries safe: the same key and request return
//! the stored answer; the same key with another request is refused.

use crate::pricing::{grand_total, quote};
use crate::{CheckoutError, CheckoutSettings, hoarding};
use bazaar_catalog::reserve_stock;
use bazaar_core::Money;
use bazaar_core::ids::{AddressId, CheckoutId, CouponId, OrderId, ProductId, ShopId, SkuId, UserId};
use bazaar_db::schema::{cart_items, checkouts, order_events, order_items, orders};
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
    pub sku_id: SkuId,
    pub quantity: i32,
}

/// Buy now in a flash sale: the sale's SKU, how many (within its per-buyer limit), and where to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BuyNow {
    pub sku_id: SkuId,
    pub quantity: i32,
    pub address_id: AddressId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// One of the buyer's addresses; it is copied into the orders.
    pub address_id: AddressId,
    /// What to buy; without it, every line of the cart that can be bought.
    pub items: Option<Vec<OrderLine>>,
    /// The coupons to spend (one per shop order); `[]` for none. Without it, the best coupon
    /// for each shop order is chosen for the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_ids: Option<Vec<CouponId>>,
    /// Points to pay with (100 points = 1 yuan by default, at most half of an order's goods);
    /// none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItemView {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub title: String,
    pub specs: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Money,
    pub quantity: i32,
}

impl OrderItemView {
    /// From the stored snapshot: specs as JSON text, the price in fen.
    fn from_stored(
        sku_id: SkuId,
        product_id: ProductId,
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
    pub id: OrderId,
    pub checkout_id: CheckoutId,
    pub shop_id: ShopId,
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
    /// Coupons taken off (already in `total`).
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutResult {
    pub checkout_id: CheckoutId,
    pub orders: Vec<OrderView>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Money,
}

/// A SKU that can be bought now, with what an order snapshots of it.
pub(crate) struct Sellable {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub shop_id: ShopId,
    pub title: String,
    pub specs: String,
    pub price: i64,
    /// The stock as it stands in this transaction (a preview says whether the line is in stock).
    pub stock: i64,
}

/// The SKU if it can be bought now (catalog's offer: an active SKU of a published product of an
/// open shop).
pub(crate) fn sellable(conn: &mut DbConn, sku_id: SkuId) -> Result<Sellable, CheckoutError> {
    let Some(offer) = bazaar_catalog::sku_offers(conn, &[sku_id])?.pop() else {
        return Err(CheckoutError::not_found("SKU"));
    };
    if !offer.buyable {
        return Err(CheckoutError::conflict("sku_unavailable", format!("SKU {sku_id} cannot be bought now")));
    }
    Ok(Sellable {
        sku_id,
        product_id: offer.product_id,
        shop_id: offer.shop_id,
        title: offer.title,
        specs: offer.specs,
        price: offer.price.to_minor(),
        stock: offer.stock,
    })
}

pub use crate::discounts::Adjustment;

/// What placing led to, and which products' stock changed (for cache invalidation).
pub(crate) enum Placed {
    New(CheckoutResult, Vec<ProductId>),
    Replayed(CheckoutResult),
}

fn request_hash(request: &PlaceOrder) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(request).unwrap_or_default()))
}

pub(crate) fn address_snapshot(
    conn: &mut DbConn,
    user_id: UserId,
    address_id: AddressId,
) -> Result<serde_json::Value, CheckoutError> {
    let address = bazaar_identity::address_of(conn, user_id, address_id)?
        .ok_or(CheckoutError::invalid("address_id", "is not one of your addresses"))?;
    Ok(serde_json::json!({ "recipient": address.recipient, "phone": address.phone, "province": address.province,
                           "city": address.city, "district": address.district, "detail": address.detail,
                           "postal_code": address.postal_code }))
}

/// The lines to order: the request's (merged by SKU), or the cart's buyable lines.
pub(crate) fn lines(
    conn: &mut DbConn,
    user_id: UserId,
    request: &PlaceOrder,
) -> Result<(BTreeMap<SkuId, i32>, bool), CheckoutError> {
    let mut merged = BTreeMap::new();
    let from_cart = request.items.is_none();
    match &request.items {
        Some(items) => {
            for (i, line) in items.iter().enumerate() {
                let total = merged.entry(line.sku_id).or_insert(0_i32);
                *total = total.saturating_add(line.quantity);
                if !(1..=crate::MAX_QUANTITY).contains(&line.quantity) || *total > crate::MAX_QUANTITY {
                    return Err(CheckoutError::invalid("items", format!("item {i}: quantity must be 1 to 99")));
                }
            }
        }
        None => {
            let cart: Vec<(SkuId, i32)> = cart_items::table
                .filter(cart_items::user_id.eq(user_id))
                .select((cart_items::sku_id, cart_items::quantity))
                .load(conn)?;
            merged.extend(cart);
        }
    }
    if merged.is_empty() {
        return Err(CheckoutError::invalid("items", "there is nothing to order"));
    }
    Ok((merged, from_cart))
}

pub(crate) fn place(
    conn: &mut DbConn,
    user_id: UserId,
    key: &str,
    request: &PlaceOrder,
    flash: Option<&bazaar_promotions::FlashTerms>,
    settings: &CheckoutSettings,
    alongside: &crate::Alongside,
) -> Result<Placed, CheckoutError> {
    // A buy-now order's key stands for the flash sale too: the same body for another sale is
    // another request.
    let hash = match flash {
        Some(flash) => format!("{}:flash:{}", request_hash(request), flash.id),
        None => request_hash(request),
    };
    write_transaction(conn, |conn| {
        let stored: Option<(String, String)> = checkouts::table
            .filter(checkouts::user_id.eq(user_id))
            .filter(checkouts::idempotency_key.eq(key))
            .select((checkouts::request_hash, checkouts::response))
            .first(conn)
            .optional()?;
        if let Some((stored_hash, response)) = stored {
            if stored_hash != hash {
                return Err(CheckoutError::conflict(
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                ));
            }
            let result = serde_json::from_str(&response)
                .map_err(|err| CheckoutError::Db(bazaar_db::DbError::Stored(err.to_string())))?;
            return Ok(Placed::Replayed(result));
        }
        let now = Utc::now().naive_utc();
        let address = address_snapshot(conn, user_id, request.address_id)?;
        let (wanted, from_cart) = lines(conn, user_id, request)?;
        let checkout_id: CheckoutId = diesel::insert_into(checkouts::table)
            .values((
                checkouts::user_id.eq(user_id),
                checkouts::idempotency_key.eq(key),
                checkouts::request_hash.eq(&hash),
                checkouts::response.eq(""),
                checkouts::created_at.eq(now),
            ))
            .returning(checkouts::id)
            .get_result(conn)?;
        let wanted_promotions = crate::pricing::Wanted {
            coupons: request.coupon_ids.as_deref(),
            points: request.points.unwrap_or(0),
            flash,
        };
        let quotes = quote(conn, user_id, &wanted, &wanted_promotions, settings)?;
        hoarding::check_caps(conn, user_id, quotes.len(), wanted.values(), settings)?;
        let mut views = Vec::new();
        let mut changed_products = Vec::new();
        let mut locked = Vec::new();
        for quote in quotes {
            let (shop_id, subtotal, shipping, total) = (quote.shop_id, quote.subtotal, quote.shipping, quote.total);
            let (lines, adjustments) = (quote.lines, quote.adjustments);
            let order_id: OrderId = diesel::insert_into(orders::table)
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
                // The flash units first: most of a rush is refused there, before the stock row.
                if let Some(flash) = flash.filter(|flash| flash.sku_id == sku_id) {
                    bazaar_promotions::reserve(conn, flash, user_id, i64::from(quantity), order_id, now)?;
                }
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
            crate::discounts::attach(conn, user_id, order_id, &adjustments, &mut locked)?;
            for points in adjustments.iter().filter_map(|adjustment| adjustment.points) {
                bazaar_promotions::spend_points(conn, user_id, order_id, points)?;
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
                adjustments,
                created_at: now.and_utc(),
            });
        }
        if from_cart {
            diesel::delete(cart_items::table.filter(cart_items::user_id.eq(user_id))).execute(conn)?;
        } else if flash.is_none() {
            // Bought from the cart's SKUs: those lines are done. (Buy now leaves the cart alone.)
            let ordered: Vec<SkuId> = wanted.keys().copied().collect();
            diesel::delete(
                cart_items::table.filter(cart_items::user_id.eq(user_id)).filter(cart_items::sku_id.eq_any(ordered)),
            )
            .execute(conn)?;
        }
        let placed: Vec<OrderId> = views.iter().map(|view| view.id).collect();
        alongside.run(conn, user_id, &placed, now);
        let total = grand_total(views.iter().map(|view| view.total))?;
        let result = CheckoutResult { checkout_id, orders: views, total };
        let response = serde_json::to_string(&result).unwrap_or_default();
        diesel::update(checkouts::table.find(checkout_id)).set(checkouts::response.eq(response)).execute(conn)?;
        Ok(Placed::New(result, changed_products))
    })
}

pub(crate) fn record_event(
    conn: &mut DbConn,
    order_id: OrderId,
    from: Option<&str>,
    to: &str,
    actor: Option<UserId>,
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

/// The buyer's orders, newest first, each with its items; only those in `statuses` when given.
pub(crate) fn list(
    conn: &mut DbConn,
    user_id: UserId,
    statuses: &[&'static str],
    before: Option<OrderId>,
    limit: i64,
) -> Result<Vec<OrderView>, CheckoutError> {
    let mut query = orders::table.filter(orders::user_id.eq(user_id)).into_boxed();
    if !statuses.is_empty() {
        query = query.filter(orders::status.eq_any(statuses));
    }
    if let Some(before) = before {
        query = query.filter(orders::id.lt(before));
    }
    let ids: Vec<OrderId> = query.order(orders::id.desc()).limit(limit).select(orders::id).load(conn)?;
    ids.into_iter().map(|id| load(conn, user_id, id)).collect()
}

/// One of the buyer's orders (someone else's answers "not found").
pub(crate) fn load(conn: &mut DbConn, user_id: UserId, order_id: OrderId) -> Result<OrderView, CheckoutError> {
    let owner: Option<UserId> = orders::table.find(order_id).select(orders::user_id).get_result(conn).optional()?;
    if owner != Some(user_id) {
        return Err(CheckoutError::not_found("order"));
    }
    load_any(conn, order_id)
}

/// An order, whoever placed it (callers have checked access).
pub(crate) fn load_any(conn: &mut DbConn, order_id: OrderId) -> Result<OrderView, CheckoutError> {
    type Row = (OrderId, CheckoutId, ShopId, String, i64, i64, i64, String, NaiveDateTime);
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
        .ok_or(CheckoutError::not_found("order"))?;
    let items: Vec<(SkuId, ProductId, String, String, i64, i32)> = order_items::table
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
        adjustments: crate::discounts::of_order(conn, order_id)?,
        created_at: row.8.and_utc(),
    })
}
