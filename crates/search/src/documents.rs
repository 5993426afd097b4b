//! What the index holds for a product: a document built from what catalog's `index_feed` reads
//! (active products of active shops).

use crate::analysis::weighted_text;
use crate::schema::{Fields, WORD_WEIGHTS};
use bazaar_core::ids::CategoryId;
use bazaar_db::DbConn;
use std::collections::HashMap;
use tantivy::TantivyDocument;
use tantivy::schema::Facet;

pub use bazaar_catalog::index_feed::{
    ActiveShops, ProductRow, SELECT_BATCH, ShopPart, active_in_batch_after, count_searchable, products_of_shops,
    searchable,
};

/// Category ids → (path of ids like "/1/5/", names along the path) for building documents.
pub struct Categories(HashMap<i64, (String, String)>);

impl Categories {
    pub fn load(conn: &mut DbConn) -> Result<Categories, bazaar_catalog::CatalogError> {
        let rows = bazaar_catalog::index_feed::category_rows(conn)?;
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
