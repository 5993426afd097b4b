//! What search's index reads of the catalog, for search to read it through catalog's functions:
//! products with the parts of their shop a document takes, the category tree, and shops by place.
//! Each read is shaped for the indexer's plans (see each function); search owns the documents.

use crate::CatalogError;
use bazaar_core::ids::{CategoryId, ShopId};
use bazaar_db::DbConn;
use bazaar_db::schema::{categories, products, shops};
use diesel::prelude::*;
use std::collections::HashMap;

/// A product as the index needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct ProductRow {
    pub id: i64,
    pub shop_id: ShopId,
    pub category_id: CategoryId,
    pub title: String,
    pub subtitle: String,
    pub brand: String,
    pub tags: String,
    pub attributes: String,
    pub images: String,
    pub price_min: i64,
    pub total_stock: i64,
    pub sales_count: i64,
    pub created_at: chrono::NaiveDateTime,
    pub status: String,
}

/// What a product's document takes from its shop.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shops)]
pub struct ShopPart {
    pub name: String,
    pub rating_avg: Option<f64>,
    pub status: String,
}

/// Active shops by id, read once for a rebuild: looking a product's shop up here costs far less
/// than joining every product row to its shop in the database.
pub struct ActiveShops(HashMap<i64, ShopPart>);

impl ActiveShops {
    pub fn load(conn: &mut DbConn) -> Result<ActiveShops, CatalogError> {
        let rows: Vec<(i64, ShopPart)> = shops::table
            .filter(shops::status.eq(bazaar_identity::ShopStatus::Active.as_str()))
            .select((shops::id, ShopPart::as_select()))
            .load(conn)?;
        Ok(ActiveShops(rows.into_iter().collect()))
    }

    pub fn get(&self, shop_id: ShopId) -> Option<&ShopPart> {
        self.0.get(&shop_id.get())
    }
}

/// Every category: id, path of ids (`/1/5/`), Chinese and English names.
pub fn category_rows(conn: &mut DbConn) -> Result<Vec<(i64, String, String, String)>, CatalogError> {
    Ok(categories::table
        .select((categories::id, categories::path, categories::name_zh, categories::name_en))
        .load(conn)?)
}

/// How many products the indexer reads at a time.
pub const SELECT_BATCH: i64 = 2_000;

/// Searchable products with ids in `ids`, with their shops (the others are to be removed from the
/// index). Statuses are checked here rather than in SQL, where SQLite would rather walk a whole
/// status index than look the ids up (see [`active_in_batch_after`]).
pub fn searchable(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(ProductRow, ShopPart)>, CatalogError> {
    let mut rows: Vec<(ProductRow, ShopPart)> = products::table
        .inner_join(shops::table)
        .filter(products::id.eq_any(ids.to_vec()))
        .select((ProductRow::as_select(), ShopPart::as_select()))
        .load(conn)?;
    rows.retain(|(product, shop)| {
        product.status == crate::ProductStatus::Active.as_str()
            && shop.status == bazaar_identity::ShopStatus::Active.as_str()
    });
    Ok(rows)
}

/// Active products with ids in `after < id <= after + SELECT_BATCH`, for a full rebuild (their
/// shops come from [`ActiveShops`]), and the id the next batch starts after (`None` at the end).
///
/// A primary-key range is the one plan both databases keep cheap at every depth: a statement that
/// filtered and limited at once let SQLite rescan the table for every batch (quadratic at 1M
/// rows), finding the range's end with an OFFSET walked every row twice, and an `IN (…2000 ids)`
/// list made PostgreSQL scan. The status is checked here, not in SQL: given `status = 'active'`,
/// SQLite walks the whole of a status index for every batch instead of the range. A range that
/// holds no product (ids deleted, or a sequence that jumped) skips ahead to the next id that
/// exists.
pub fn active_in_batch_after(conn: &mut DbConn, after: i64) -> Result<(Vec<ProductRow>, Option<i64>), CatalogError> {
    let end = after.saturating_add(SELECT_BATCH);
    let mut rows: Vec<ProductRow> = products::table
        .filter(products::id.gt(after).and(products::id.le(end)))
        .order(products::id)
        .select(ProductRow::as_select())
        .load(conn)?;
    if !rows.is_empty() {
        rows.retain(|row| row.status == crate::ProductStatus::Active.as_str());
        return Ok((rows, Some(end)));
    }
    let next: Option<i64> =
        products::table.filter(products::id.gt(end)).select(diesel::dsl::min(products::id)).first(conn)?;
    // The next batch starts just before the next product there is.
    Ok((rows, next.map(|id| id - 1)))
}

/// Products of `shop_ids` (a shop change touches every product of the shop).
pub fn products_of_shops(conn: &mut DbConn, shop_ids: &[ShopId]) -> Result<Vec<i64>, CatalogError> {
    Ok(products::table.filter(products::shop_id.eq_any(shop_ids.to_vec())).select(products::id).load(conn)?)
}

pub fn count_searchable(conn: &mut DbConn) -> Result<i64, CatalogError> {
    Ok(products::table
        .inner_join(shops::table)
        .filter(products::status.eq(crate::ProductStatus::Active.as_str()))
        .filter(shops::status.eq(bazaar_identity::ShopStatus::Active.as_str()))
        .count()
        .get_result(conn)?)
}

/// An open shop with a place on the map, as "shops nearby" lists it.
pub type ShopPlace = (i64, String, Option<String>, String, Option<String>, Option<f64>, Option<f64>);

/// Open shops inside a box of latitudes and longitudes (of `category`, if given), at most `cap`:
/// id, name, logo, main category, address, latitude, longitude. Search measures the distances.
pub fn shops_in_box(
    conn: &mut DbConn,
    latitudes: (f64, f64),
    longitudes: (f64, f64),
    category: Option<&str>,
    cap: i64,
) -> Result<Vec<ShopPlace>, CatalogError> {
    let mut sql = shops::table
        .filter(shops::status.eq(bazaar_identity::ShopStatus::Active.as_str()))
        .filter(shops::latitude.between(latitudes.0, latitudes.1))
        .filter(shops::longitude.between(longitudes.0, longitudes.1))
        .into_boxed();
    if let Some(category) = category {
        sql = sql.filter(shops::main_category.eq(category.to_string()));
    }
    Ok(sql
        .select((
            shops::id,
            shops::name,
            shops::logo_url,
            shops::main_category,
            shops::address,
            shops::latitude,
            shops::longitude,
        ))
        .limit(cap)
        .load(conn)?)
}
