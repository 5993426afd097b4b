//! What other crates may know of products without reading catalog's tables themselves: which shop
//! sells a product and where it sits in the category tree (promotions scope coupons by both).

use crate::CatalogError;
use bazaar_core::ids::{CategoryId, ProductId, ShopId, SkuId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{categories, products, skus};
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
        image: serde_json::from_str::<Vec<String>>(&images).ok().and_then(|list| list.into_iter().next()),
        price_min: bazaar_core::Money::from_minor(price_min),
        on_sale: status == crate::ProductStatus::Active.as_str(),
    }))
}

/// Whether `user` follows `shop`, inside the caller's transaction (a draw open to followers asks).
pub fn follows(conn: &mut DbConn, user: UserId, shop: ShopId) -> Result<bool, CatalogError> {
    use bazaar_db::schema::shop_follows;
    Ok(diesel::select(diesel::dsl::exists(shop_follows::table.find((user, shop)))).get_result(conn)?)
}
