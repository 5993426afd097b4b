//! What the index holds for a product, read from the database: active products of active shops.

use crate::analysis::weighted_text;
use crate::schema::{Fields, WORD_WEIGHTS};
use bazaar_core::ids::{CategoryId, ShopId};
use bazaar_db::DbConn;
use bazaar_db::schema::{categories, products, shops};
use diesel::prelude::*;
use std::collections::HashMap;
use tantivy::TantivyDocument;
use tantivy::schema::Facet;

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
    pub fn load(conn: &mut DbConn) -> Result<ActiveShops, diesel::result::Error> {
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

/// Category ids → (path of ids like "/1/5/", names along the path) for building documents.
pub struct Categories(HashMap<i64, (String, String)>);

impl Categories {
    pub fn load(conn: &mut DbConn) -> Result<Categories, diesel::result::Error> {
        let rows: Vec<(i64, String, String, String)> = categories::table
            .select((categories::id, categories::path, categories::name_zh, categories::name_en))
            .load(conn)?;
        let names: HashMap<i64, String> = rows.iter().map(|(id, _, zh, en)| (*id, format!("{zh} {en}"))).collect();
        let map = rows
            .into_iter()
            .map(|(id, path, _, _)| {
                let along: Vec<&str> = path
                    .split('/')
                    .filter_map(|p| p.parse::<i64>().ok())
                    .filter_map(|id| names.get(&id).map(String::as_str))
                    .collect();
                (id, (path, along.join(" ")))
            })
            .collect();
        Ok(Categories(map))
    }

    /// The facet for a category (`/1/5`), which matches its descendants' products too.
    pub fn facet(&self, category_id: CategoryId) -> Facet {
        let path = self.0.get(&category_id.get()).map(|(path, _)| path.as_str()).unwrap_or("");
        facet_of_path(path)
    }

    fn names(&self, category_id: CategoryId) -> &str {
        self.0.get(&category_id.get()).map(|(_, names)| names.as_str()).unwrap_or("")
    }
}

/// "/1/5/" → the facet /1/5.
pub fn facet_of_path(path: &str) -> Facet {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    Facet::from_path(parts)
}

pub const SELECT_BATCH: i64 = 2_000;

/// Searchable products with ids in `ids`, with their shops (the others are to be removed from the
/// index). Statuses are checked here rather than in SQL, where SQLite would rather walk a whole
/// status index than look the ids up (see [`active_in_batch_after`]).
pub fn searchable(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(ProductRow, ShopPart)>, diesel::result::Error> {
    let mut rows: Vec<(ProductRow, ShopPart)> = products::table
        .inner_join(shops::table)
        .filter(products::id.eq_any(ids.to_vec()))
        .select((ProductRow::as_select(), ShopPart::as_select()))
        .load(conn)?;
    rows.retain(|(product, shop)| {
        product.status == bazaar_catalog::ProductStatus::Active.as_str()
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
pub fn active_in_batch_after(
    conn: &mut DbConn,
    after: i64,
) -> Result<(Vec<ProductRow>, Option<i64>), diesel::result::Error> {
    let end = after.saturating_add(SELECT_BATCH);
    let mut rows: Vec<ProductRow> = products::table
        .filter(products::id.gt(after).and(products::id.le(end)))
        .order(products::id)
        .select(ProductRow::as_select())
        .load(conn)?;
    if !rows.is_empty() {
        rows.retain(|row| row.status == bazaar_catalog::ProductStatus::Active.as_str());
        return Ok((rows, Some(end)));
    }
    let next: Option<i64> =
        products::table.filter(products::id.gt(end)).select(diesel::dsl::min(products::id)).first(conn)?;
    // The next batch starts just before the next product there is.
    Ok((rows, next.map(|id| id - 1)))
}

/// Products of `shop_ids` (a shop change touches every product of the shop).
pub fn products_of_shops(conn: &mut DbConn, shop_ids: &[ShopId]) -> Result<Vec<i64>, diesel::result::Error> {
    products::table.filter(products::shop_id.eq_any(shop_ids.to_vec())).select(products::id).load(conn)
}

pub fn count_searchable(conn: &mut DbConn) -> Result<i64, diesel::result::Error> {
    products::table
        .inner_join(shops::table)
        .filter(products::status.eq(bazaar_catalog::ProductStatus::Active.as_str()))
        .filter(shops::status.eq(bazaar_identity::ShopStatus::Active.as_str()))
        .count()
        .get_result(conn)
}

/// Gentle: a best seller gains tens of percent, never enough to bury a clearly better match.
pub fn popularity_boost(sales: i64, rating: f64) -> f64 {
    (1.0 + 0.05 * (1.0 + sales.max(0) as f64).ln()) * (1.0 + 0.02 * rating.clamp(0.0, 5.0))
}

#[derive(serde::Deserialize)]
struct Attribute {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

pub fn document(row: &ProductRow, shop: &ShopPart, fields: &Fields, categories: &Categories) -> TantivyDocument {
    let tags: Vec<String> = serde_json::from_str(&row.tags).unwrap_or_default();
    let attributes: Vec<Attribute> = serde_json::from_str(&row.attributes).unwrap_or_default();
    let images: Vec<String> = serde_json::from_str(&row.images).unwrap_or_default();
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, row.id as u64);
    doc.add_text(fields.title, &row.title);
    doc.add_text(fields.brand, &row.brand);
    if !row.brand.trim().is_empty() {
        doc.add_text(fields.brand_key, row.brand.trim().to_lowercase());
    }
    for tag in &tags {
        doc.add_text(fields.tag_keys, tag.trim().to_lowercase());
    }
    let values: Vec<&str> = attributes.iter().flat_map(|a| [a.name.as_str(), a.value.as_str()]).collect();
    let (tag_text, attribute_text) = (tags.join(" "), values.join(" "));
    let w = &WORD_WEIGHTS;
    doc.add_text(
        fields.words,
        weighted_text(&[
            (w.title, &row.title),
            (w.brand, &row.brand),
            (w.tags, &tag_text),
            (w.category_names, categories.names(row.category_id)),
            (w.attributes, &attribute_text),
            (w.subtitle, &row.subtitle),
            (w.shop_name, &shop.name),
        ]),
    );
    doc.add_facet(fields.category, categories.facet(row.category_id));
    doc.add_u64(fields.category_id, row.category_id.get() as u64);
    doc.add_u64(fields.shop_id, row.shop_id.get() as u64);
    doc.add_text(fields.shop_name, &shop.name);
    doc.add_text(fields.pinyin, format!("{} {} {tag_text}", row.title, row.brand));
    doc.add_i64(fields.price, row.price_min);
    doc.add_i64(fields.sales, row.sales_count);
    let rating = shop.rating_avg.unwrap_or(0.0);
    doc.add_f64(fields.rating, rating);
    doc.add_u64(fields.boost, (popularity_boost(row.sales_count, rating) * crate::schema::BOOST_SCALE).round() as u64);
    doc.add_u64(fields.price_bucket, crate::facet_counts::bucket_of(row.price_min) as u64);
    doc.add_i64(fields.stock, row.total_stock);
    doc.add_i64(fields.created, row.created_at.and_utc().timestamp());
    if let Some(image) = images.first() {
        doc.add_text(fields.image, image);
    }
    doc
}
