//! What other crates may know of products, SKUs and shops without reading catalog's tables
//! themselves: which shop sells a product and where it sits in the category tree (promotions
//! scope coupons by both), what a cart or order line offers, a shop's shipping rule, the names and
//! logos a conversation shows.

use crate::CatalogError;
use bazaar_core::ids::{CategoryId, ProductId, ShopId, SkuId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{categories, products, shops, skus};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFacts {
    pub product_id: ProductId,
    pub shop_id: ShopId,
    pub category_id: CategoryId,
    /// The category and its ancestors, root first.
    pub category_path: Vec<CategoryId>,
}

impl ProductFacts {
    /// Whether the product is in `category` or below it.
    pub fn is_in(&self, category: CategoryId) -> bool {
        self.category_path.contains(&category)
    }
}

/// The facts of each product that exists, inside the caller's transaction; unknown ids are left out.
pub fn product_facts(conn: &mut DbConn, ids: &[ProductId]) -> Result<Vec<ProductFacts>, CatalogError> {
    let rows: Vec<(ProductId, ShopId, CategoryId, String)> = products::table
        .inner_join(categories::table)
        .filter(products::id.eq_any(ids))
        .select((products::id, products::shop_id, products::category_id, categories::path))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(product_id, shop_id, category_id, path)| ProductFacts {
            product_id,
            shop_id,
            category_id,
            category_path: path.split('/').filter_map(|part| part.parse().ok()).map(CategoryId).collect(),
        })
        .collect())
}

/// Which of `ids` are categories.
pub fn existing_categories(conn: &mut DbConn, ids: &[CategoryId]) -> Result<Vec<CategoryId>, CatalogError> {
    Ok(categories::table.filter(categories::id.eq_any(ids)).select(categories::id).load(conn)?)
}

/// What a flash sale needs of a SKU: its product, shop, title and list price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuFacts {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub shop_id: ShopId,
    pub title: String,
    /// The list price in fen.
    pub price: i64,
    /// Whether the SKU is on sale at all (active, its product published).
    pub on_sale: bool,
}

/// The facts of `sku`, inside the caller's transaction; `None` if there is no such SKU.
pub fn sku_facts(conn: &mut DbConn, sku: SkuId) -> Result<Option<SkuFacts>, CatalogError> {
    let row: Option<(ProductId, ShopId, String, i64, bool, String)> = skus::table
        .inner_join(products::table)
        .filter(skus::id.eq(sku))
        .select((skus::product_id, products::shop_id, products::title, skus::price, skus::active, products::status))
        .first(conn)
        .optional()?;
    Ok(row.map(|(product_id, shop_id, title, price, active, status)| SkuFacts {
        sku_id: sku,
        product_id,
        shop_id,
        title,
        price,
        on_sale: active && status == crate::ProductStatus::Active.as_str(),
    }))
}

/// A product as another crate shows it (a chat card): its shop, title, first image, lowest price,
/// and whether it is on sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSummary {
    pub shop_id: ShopId,
    pub title: String,
    pub image: Option<String>,
    pub price_min: bazaar_core::Money,
    pub on_sale: bool,
}

/// The product's summary (`None`: no such product), inside the caller's transaction.
pub fn product_summary(conn: &mut DbConn, product_id: ProductId) -> Result<Option<ProductSummary>, CatalogError> {
    let found: Option<(ShopId, String, String, i64, String)> = products::table
        .find(product_id)
        .select((products::shop_id, products::title, products::images, products::price_min, products::status))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(shop_id, title, images, price_min, status)| ProductSummary {
        shop_id,
        title,
        image: first_image(&images),
        price_min: bazaar_core::Money::from_minor(price_min),
        on_sale: status == crate::ProductStatus::Active.as_str(),
    }))
}

/// The first of a product's images (stored as a JSON list).
fn first_image(images: &str) -> Option<String> {
    serde_json::from_str::<Vec<String>>(images).ok().and_then(|list| list.into_iter().next())
}

/// Whether `user` follows `shop`, inside the caller's transaction (a draw open to followers asks).
pub fn follows(conn: &mut DbConn, user: UserId, shop: ShopId) -> Result<bool, CatalogError> {
    use bazaar_db::schema::shop_follows;
    Ok(diesel::select(diesel::dsl::exists(shop_follows::table.find((user, shop)))).get_result(conn)?)
}

/// A SKU as a buyer is offered it — on a cart line or an order line: its product and shop, what
/// the line shows, its price and stock, and whether it can be bought now (an active SKU of a
/// published product of an open shop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuOffer {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub shop_id: ShopId,
    pub shop_name: String,
    pub title: String,
    /// The SKU's spec values as stored (a JSON object, e.g. `{"颜色":"红"}`).
    pub specs: String,
    /// The product's first image.
    pub image: Option<String>,
    pub price: bazaar_core::Money,
    pub stock: i64,
    pub buyable: bool,
}

/// The offers of each SKU in `ids` that exists (unknown ids are left out), inside the caller's
/// transaction, so an order is priced from the same snapshot it reserves against.
pub fn sku_offers(conn: &mut DbConn, ids: &[SkuId]) -> Result<Vec<SkuOffer>, CatalogError> {
    type Row = (SkuId, ProductId, ShopId, String, String, String, String, i64, i64, bool, String, String);
    let rows: Vec<Row> = skus::table
        .inner_join(products::table.inner_join(shops::table))
        .filter(skus::id.eq_any(ids))
        .select((
            skus::id,
            skus::product_id,
            shops::id,
            shops::name,
            products::title,
            skus::spec_values,
            products::images,
            skus::price,
            skus::stock,
            skus::active,
            products::status,
            shops::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(sku_id, product_id, shop_id, shop_name, title, specs, images, price, stock, active, product, shop)| {
            SkuOffer {
                sku_id,
                product_id,
                shop_id,
                shop_name,
                title,
                specs,
                image: first_image(&images),
                price: bazaar_core::Money::from_minor(price),
                stock,
                buyable: active
                    && product == crate::ProductStatus::Active.as_str()
                    && shop == bazaar_identity::ShopStatus::Active.as_str(),
            }
        })
        .collect())
}

/// A shop's shipping rule, inside the caller's transaction: the fee per order, and the order
/// amount from which shipping is free.
pub fn shipping_rule(
    conn: &mut DbConn,
    shop: ShopId,
) -> Result<(bazaar_core::Money, bazaar_core::Money), CatalogError> {
    let (fee, free_from): (i64, i64) = shops::table
        .find(shop)
        .select((shops::shipping_fee, shops::free_shipping_from))
        .first(conn)
        .optional()?
        .ok_or(CatalogError::not_found("shop"))?;
    Ok((bazaar_core::Money::from_minor(fee), bazaar_core::Money::from_minor(free_from)))
}

/// How each of `ids` shows on a conversation — its name and logo; unknown ids are left out.
pub fn shop_faces(
    conn: &mut DbConn,
    ids: &[ShopId],
) -> Result<std::collections::HashMap<ShopId, (String, Option<String>)>, CatalogError> {
    let rows: Vec<(ShopId, String, Option<String>)> =
        shops::table.filter(shops::id.eq_any(ids)).select((shops::id, shops::name, shops::logo_url)).load(conn)?;
    Ok(rows.into_iter().map(|(id, name, logo)| (id, (name, logo))).collect())
}

/// A shop's service hours as its owner wrote them (`None`: always open, or no such shop).
pub fn service_hours(conn: &mut DbConn, shop: ShopId) -> Result<Option<String>, CatalogError> {
    Ok(shops::table.find(shop).select(shops::service_hours).first(conn).optional()?.flatten())
}

/// The SKUs of `product` (none: no such product).
pub fn skus_of_product(conn: &mut DbConn, product: ProductId) -> Result<Vec<SkuId>, CatalogError> {
    Ok(skus::table.filter(skus::product_id.eq(product)).select(skus::id).load(conn)?)
}
