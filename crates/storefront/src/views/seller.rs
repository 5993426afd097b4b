//! The seller console: a shop's products with publish / unpublish, and a new product with up to
//! two spec dimensions whose every combination becomes a SKU.

use super::{Chrome, yuan};
use crate::Messages;
use askama::Template;
use bazaar_catalog::{CategoryNode, ProductStatus, SellerListing};

pub fn product_status_label(t: &'static Messages, status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Draft => t.status_draft,
        ProductStatus::Active => t.status_active,
        ProductStatus::Delisted => t.status_delisted,
        ProductStatus::Banned => t.status_banned,
    }
}

pub struct ListingRow {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub price: String,
    pub stock: i64,
    pub sold: i64,
    /// `publish` or `unpublish`, whichever the state allows (none for a banned product).
    pub action: Option<(String, &'static str)>,
}

pub struct ShopProducts {
    pub shop_id: i64,
    pub name: String,
    pub rows: Vec<ListingRow>,
    /// The shop's figures above its products (set by the caller).
    pub dashboard: Option<super::dashboard::ShopDashboard>,
}

impl ShopProducts {
    pub fn new(t: &'static Messages, shop_id: i64, name: String, listings: &[SellerListing]) -> ShopProducts {
        let rows = listings
            .iter()
            .map(|listing| {
                let action = match listing.status {
                    ProductStatus::Draft | ProductStatus::Delisted => {
                        Some((format!("/seller/products/{}/publish", listing.id), t.publish))
                    }
                    ProductStatus::Active => Some((format!("/seller/products/{}/unpublish", listing.id), t.unpublish)),
                    ProductStatus::Banned => None,
                };
                let price = if listing.price_min == listing.price_max {
                    yuan(listing.price_min)
                } else {
                    format!("{}–{}", yuan(listing.price_min), yuan(listing.price_max))
                };
                ListingRow {
                    id: listing.id.0,
                    title: listing.title.clone(),
                    status: product_status_label(t, listing.status),
                    price,
                    stock: listing.total_stock,
                    sold: listing.sales_count,
                    action,
                }
            })
            .collect();
        ShopProducts { shop_id, name, rows, dashboard: None }
    }
}

#[derive(Template)]
#[template(path = "seller_products.html")]
pub struct SellerProductsPage {
    pub chrome: Chrome,
    pub shops: Vec<ShopProducts>,
    pub error: Option<String>,
}

/// What the new-product form was sent with, kept when it is refused.
#[derive(Default, Clone)]
pub struct ProductDraft {
    pub title: String,
    pub category_id: String,
    pub brand: String,
    pub description: String,
    pub spec1_name: String,
    pub spec1_values: String,
    pub spec2_name: String,
    pub spec2_values: String,
    pub price: String,
    pub stock: String,
}

#[derive(Template)]
#[template(path = "seller_product_new.html")]
pub struct NewProductPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    /// (id, name) of every category, children indented under their parent.
    pub categories: Vec<(i64, String)>,
    pub draft: ProductDraft,
    pub error: Option<(String, String)>,
}

impl NewProductPage {
    pub fn new(chrome: Chrome, shop_id: i64, tree: &[CategoryNode]) -> NewProductPage {
        let english = chrome.lang == crate::Lang::En;
        let mut categories = Vec::new();
        flatten(tree, 0, english, &mut categories);
        NewProductPage { chrome, shop_id, categories, draft: ProductDraft::default(), error: None }
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        super::message_at(&self.error, field)
    }

    /// The form's text fields: name, label, what was typed.
    pub fn text_fields(&self) -> Vec<(&'static str, &'static str, &str)> {
        let (t, d) = (self.chrome.t, &self.draft);
        vec![
            ("title", t.product_title, d.title.as_str()),
            ("brand", t.brand, d.brand.as_str()),
            ("description", t.description, d.description.as_str()),
            ("spec1_name", t.spec_name, d.spec1_name.as_str()),
            ("spec1_values", t.spec_values, d.spec1_values.as_str()),
            ("spec2_name", t.spec_name, d.spec2_name.as_str()),
            ("spec2_values", t.spec_values, d.spec2_values.as_str()),
            ("price", t.price, d.price.as_str()),
            ("stock", t.stock, d.stock.as_str()),
        ]
    }
}

fn flatten(nodes: &[CategoryNode], depth: usize, english: bool, out: &mut Vec<(i64, String)>) {
    for node in nodes {
        let name = if english { &node.name_en } else { &node.name_zh };
        out.push((node.id.0, format!("{}{name}", "— ".repeat(depth))));
        flatten(&node.children, depth + 1, english, out);
    }
}
