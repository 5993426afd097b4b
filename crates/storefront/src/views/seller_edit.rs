//! The console's product editing (its words and each SKU's price) and bulk import (CSV pasted
//! into a form, with a report line for every product: created, or the field at fault and why).

use super::Chrome;
use askama::Template;
use bazaar_catalog::{ImportReport, SellerProduct};

/// One SKU's row of the edit form: (id, its options, price, original price), as stored or typed.
pub type SkuPrices = (i64, String, String, String);

#[derive(Template)]
#[template(path = "seller_product_edit.html")]
pub struct EditProductPage {
    pub chrome: Chrome,
    pub product_id: i64,
    pub title: String,
    pub subtitle: String,
    pub brand: String,
    pub description: String,
    pub skus: Vec<SkuPrices>,
    /// Up to two spec dimensions as (name, values separated by commas), as stored or typed.
    pub specs: [(String, String); 2],
    /// Price and stock for combinations the edited specs add, as typed.
    pub new_price: String,
    pub new_stock: String,
    pub saved: bool,
    /// What is wrong (the catalog's message names the field).
    pub error: Option<String>,
}

impl EditProductPage {
    pub fn new(chrome: Chrome, product: &SellerProduct) -> EditProductPage {
        let skus = product
            .skus
            .iter()
            .map(|sku| {
                let options = sku.specs.values().cloned().collect::<Vec<_>>().join(" / ");
                let original = sku.original_price.map(|price| price.to_string()).unwrap_or_default();
                (sku.id.0, options, sku.price.to_string(), original)
            })
            .collect();
        EditProductPage {
            product_id: product.id.0,
            title: product.text.title.clone(),
            subtitle: product.text.subtitle.clone(),
            brand: product.text.brand.clone(),
            description: product.text.description.clone(),
            skus,
            specs: [0, 1].map(|at| {
                product
                    .text
                    .specs
                    .get(at)
                    .map_or_else(Default::default, |dimension| (dimension.name.clone(), dimension.values.join(", ")))
            }),
            new_price: String::new(),
            new_stock: String::new(),
            saved: false,
            error: None,
            chrome,
        }
    }
}

/// A line of the import report: (row, the seller's reference, created product, what went wrong).
pub type ImportLine = (usize, String, Option<i64>, Option<String>);

#[derive(Template)]
#[template(path = "seller_import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub shop_id: i64,
    pub shop_name: String,
    /// What was pasted, kept for fixing and sending again.
    pub csv: String,
    pub created: usize,
    pub rejected: usize,
    pub lines: Vec<ImportLine>,
    pub error: Option<String>,
}

impl ImportPage {
    pub fn new(chrome: Chrome, shop_id: i64, shop_name: String) -> ImportPage {
        ImportPage {
            chrome,
            shop_id,
            shop_name,
            csv: String::new(),
            created: 0,
            rejected: 0,
            lines: Vec::new(),
            error: None,
        }
    }

    pub fn with_report(mut self, report: &ImportReport) -> ImportPage {
        self.created = report.created;
        self.rejected = report.rejected;
        self.lines = report
            .results
            .iter()
            .map(|result| {
                let problem = result.error.as_ref().map(|error| match &result.field {
                    Some(field) => format!("{field}: {error}"),
                    None => error.clone(),
                });
                (result.row, result.reference.clone().unwrap_or_default(), result.product_id.map(|id| id.0), problem)
            })
            .collect();
        self
    }
}
