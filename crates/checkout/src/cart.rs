//! The cart. Lines are SKUs with quantities; reading the cart joins live prices and stock, and
//! flags lines whose price changed since they were added, whose stock is short, or that can no
//! longer be bought (delisted or banned product, retired SKU, suspended shop) — flagged, never
//! silently dropped.

use crate::CheckoutError;
use bazaar_core::Money;
use bazaar_core::ids::{CartItemId, ProductId, ShopId, SkuId, UserId};
use bazaar_db::schema::cart_items;
use bazaar_db::{Database, DbConn, LockPurpose, serialize_writers, write_transaction};
use bazaar_identity::Principal;
use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Most of one SKU a line may hold.
pub const MAX_QUANTITY: i32 = 99;
/// Most lines a cart may hold.
pub const MAX_LINES: i64 = 100;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub id: CartItemId,
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub title: String,
    pub specs: BTreeMap<String, String>,
    pub image: Option<String>,
    pub quantity: i32,
    /// The price now.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Money,
    /// The price when the line was added.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_when_added: Money,
    pub price_changed: bool,
    pub stock: i64,
    /// Fewer in stock than the line asks for.
    pub stock_short: bool,
    /// The product, SKU or shop can no longer be bought.
    pub unavailable: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub line_total: Money,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartShop {
    pub shop_id: ShopId,
    pub shop_name: String,
    pub lines: Vec<CartLine>,
    /// Lines that can be bought now.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub subtotal: Money,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartView {
    pub shops: Vec<CartShop>,
    pub total_quantity: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Money,
}

/// Carts; cheap to clone.
#[derive(Clone)]
pub struct Cart {
    db: Database,
}

fn check_quantity(quantity: i32) -> Result<(), CheckoutError> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(CheckoutError::invalid("quantity", format!("must be between 1 and {MAX_QUANTITY}")));
    }
    Ok(())
}

fn view(conn: &mut DbConn, user_id: UserId) -> Result<CartView, CheckoutError> {
    let items: Vec<(CartItemId, i32, i64, SkuId)> = cart_items::table
        .filter(cart_items::user_id.eq(user_id))
        .order(cart_items::id.asc())
        .select((cart_items::id, cart_items::quantity, cart_items::price_at_add, cart_items::sku_id))
        .load(conn)?;
    let skus: Vec<SkuId> = items.iter().map(|(_, _, _, sku)| *sku).collect();
    let offers: HashMap<SkuId, bazaar_catalog::SkuOffer> =
        bazaar_catalog::sku_offers(conn, &skus)?.into_iter().map(|offer| (offer.sku_id, offer)).collect();
    // Lines grouped by shop, each shop's in the order they were added.
    let mut rows: Vec<_> = items
        .into_iter()
        .filter_map(|(id, quantity, price_at_add, sku)| {
            offers.get(&sku).map(|offer| (id, quantity, price_at_add, offer))
        })
        .collect();
    rows.sort_by_key(|(id, _, _, offer)| (offer.shop_id, *id));
    let mut shops_out: Vec<CartShop> = Vec::new();
    let (mut total_quantity, mut total) = (0_i64, 0_i64);
    for (id, quantity, price_at_add, offer) in rows {
        let price = offer.price.to_minor();
        let line_total = price.saturating_mul(i64::from(quantity));
        let line = CartLine {
            id,
            sku_id: offer.sku_id,
            product_id: offer.product_id,
            title: offer.title.clone(),
            specs: serde_json::from_str(&offer.specs).unwrap_or_default(),
            image: offer.image.clone(),
            quantity,
            unit_price: offer.price,
            price_when_added: Money::from_minor(price_at_add),
            price_changed: price != price_at_add,
            stock: offer.stock,
            stock_short: offer.stock < i64::from(quantity),
            unavailable: !offer.buyable,
            line_total: Money::from_minor(line_total),
        };
        let buyable = !line.unavailable && !line.stock_short;
        match shops_out.last_mut() {
            Some(shop) if shop.shop_id == offer.shop_id => shop.lines.push(line),
            _ => shops_out.push(CartShop {
                shop_id: offer.shop_id,
                shop_name: offer.shop_name.clone(),
                lines: vec![line],
                subtotal: Money::ZERO,
            }),
        }
        if buyable {
            if let Some(shop) = shops_out.last_mut() {
                shop.subtotal = Money::from_minor(shop.subtotal.to_minor().saturating_add(line_total));
            }
            total = total.saturating_add(line_total);
        }
        total_quantity += i64::from(quantity);
    }
    Ok(CartView { shops: shops_out, total_quantity, total: Money::from_minor(total) })
}

impl Cart {
    pub fn new(db: Database) -> Cart {
        Cart { db }
    }

    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, CheckoutError> + Send + 'static,
    ) -> Result<T, CheckoutError> {
        self.db.run(move |conn| write_transaction(conn, work)).await
    }

    pub async fn view(&self, principal: &Principal) -> Result<CartView, CheckoutError> {
        let user_id = principal.user_id;
        self.db.run(move |conn| view(conn, user_id)).await
    }

    /// The buyer's usable coupons, each saying whether the cart as it is now would take it off
    /// (and why not): the wallet's `for_cart` view.
    pub async fn coupons_for_cart(
        &self,
        principal: &Principal,
    ) -> Result<Vec<bazaar_promotions::WalletCoupon>, CheckoutError> {
        let user_id = principal.user_id;
        self.db
            .run(move |conn| {
                let cart = view(conn, user_id)?;
                let by_shop: Vec<(ShopId, Vec<bazaar_promotions::PricedLine>)> = cart
                    .shops
                    .iter()
                    .map(|shop| {
                        let lines = shop
                            .lines
                            .iter()
                            .filter(|line| !line.unavailable)
                            .map(|line| bazaar_promotions::PricedLine {
                                sku_id: line.sku_id,
                                product_id: line.product_id,
                                quantity: line.quantity,
                                amount: line.line_total,
                                discountable: true,
                            })
                            .collect();
                        (shop.shop_id, lines)
                    })
                    .collect();
                Ok(bazaar_promotions::wallet_for_cart(conn, user_id, &by_shop)?)
            })
            .await
    }

    /// Adds `quantity` of a SKU; a SKU already in the cart has its line increased.
    pub async fn add(&self, principal: &Principal, sku_id: SkuId, quantity: i32) -> Result<CartView, CheckoutError> {
        let user_id = principal.user_id;
        check_quantity(quantity)?;
        self.write(move |conn| {
            // Two adds of one SKU at once (a double tap) must merge: each reads the line, then
            // inserts or increases it, so they take turns (SQLite's writers always do).
            serialize_writers(conn, LockPurpose::BuyerCart, user_id.get())?;
            let price = crate::orders::sellable(conn, sku_id)?.price;
            let now = Utc::now().naive_utc();
            let existing: Option<(CartItemId, i32)> = cart_items::table
                .filter(cart_items::user_id.eq(user_id))
                .filter(cart_items::sku_id.eq(sku_id))
                .select((cart_items::id, cart_items::quantity))
                .first(conn)
                .optional()?;
            match existing {
                Some((id, current)) => {
                    let wanted = current.saturating_add(quantity);
                    check_quantity(wanted)?;
                    diesel::update(cart_items::table.find(id))
                        .set((cart_items::quantity.eq(wanted), cart_items::updated_at.eq(now)))
                        .execute(conn)?;
                }
                None => {
                    let lines: i64 =
                        cart_items::table.filter(cart_items::user_id.eq(user_id)).count().get_result(conn)?;
                    if lines >= MAX_LINES {
                        return Err(CheckoutError::conflict(
                            "cart_full",
                            format!("a cart holds at most {MAX_LINES} lines"),
                        ));
                    }
                    diesel::insert_into(cart_items::table)
                        .values((
                            cart_items::user_id.eq(user_id),
                            cart_items::sku_id.eq(sku_id),
                            cart_items::quantity.eq(quantity),
                            cart_items::price_at_add.eq(price),
                            cart_items::created_at.eq(now),
                            cart_items::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
            }
            view(conn, user_id)
        })
        .await
    }

    /// Sets a line's quantity (the buyer's own lines only).
    pub async fn set_quantity(
        &self,
        principal: &Principal,
        item_id: CartItemId,
        quantity: i32,
    ) -> Result<CartView, CheckoutError> {
        let user_id = principal.user_id;
        check_quantity(quantity)?;
        self.write(move |conn| {
            let changed = diesel::update(cart_items::table.find(item_id).filter(cart_items::user_id.eq(user_id)))
                .set((cart_items::quantity.eq(quantity), cart_items::updated_at.eq(Utc::now().naive_utc())))
                .execute(conn)?;
            if changed == 0 {
                return Err(CheckoutError::not_found("cart item"));
            }
            view(conn, user_id)
        })
        .await
    }

    pub async fn remove(&self, principal: &Principal, item_id: CartItemId) -> Result<CartView, CheckoutError> {
        let user_id = principal.user_id;
        self.write(move |conn| {
            let removed = diesel::delete(cart_items::table.find(item_id).filter(cart_items::user_id.eq(user_id)))
                .execute(conn)?;
            if removed == 0 {
                return Err(CheckoutError::not_found("cart item"));
            }
            view(conn, user_id)
        })
        .await
    }
}
