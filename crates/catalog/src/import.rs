//! Bulk import of products from JSON or CSV, with a report row for every product. Each product is
//! created in its own transaction: a bad one is rejected whole and never stops the good ones.
//!
//! CSV: one line per SKU; consecutive lines with the same `product_ref` are one product. Columns:
//! `product_ref,title,category_id,price,stock` are required; `subtitle,brand,description,tags,images,
//! spec_names,spec_values,original_price,sku_code` are optional. Lists use `|`: `tags = 夏季|cotton`,
//! `spec_names = 颜色|尺码` with `spec_values = 红|M` on each line.

use crate::CatalogError;
use crate::products;
use crate::specs::SpecDimension;
use crate::{ProductInput, SkuInput};
use bazaar_core::Money;
use bazaar_core::ids::{ProductId, ShopId};
use bazaar_db::{DbConn, write_transaction};
use bazaar_identity::Principal;
use serde::Serialize;
use std::collections::BTreeMap;

pub const MAX_PRODUCTS: usize = 1000;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: usize,
    pub rejected: usize,
    pub results: Vec<ImportResult>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// JSON: the position in `products` (from 1). CSV: the line of the product's first SKU.
    pub row: usize,
    /// The seller's `product_ref` (CSV).
    pub reference: Option<String>,
    /// `created` or `rejected`.
    pub status: &'static str,
    pub product_id: Option<ProductId>,
    /// The field at fault, e.g. `skus[1].price`.
    pub field: Option<String>,
    pub error: Option<String>,
}

/// One product to import, or why it could not even be read.
pub(crate) struct Candidate {
    row: usize,
    reference: Option<String>,
    input: Result<ProductInput, CatalogError>,
}

pub(crate) fn from_json(shop_id: ShopId, items: Vec<serde_json::Value>) -> Vec<Candidate> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, mut item)| {
            if let Some(object) = item.as_object_mut() {
                object.entry("shop_id").or_insert(shop_id.into());
            }
            let input = serde_json::from_value::<ProductInput>(item)
                .map_err(|err| CatalogError::invalid("product", err.to_string()));
            let input = input.and_then(|input| {
                if input.shop_id == shop_id {
                    Ok(input)
                } else {
                    Err(CatalogError::invalid("shop_id", "must be the shop being imported into"))
                }
            });
            Candidate { row: index + 1, reference: None, input }
        })
        .collect()
}

/// Reads CSV into candidates. A header without the required columns is an error for the whole
/// file; a broken line rejects only its product.
pub(crate) fn from_csv(shop_id: ShopId, text: &str) -> Result<Vec<Candidate>, CatalogError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|err| malformed_csv(err.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    for required in ["product_ref", "title", "category_id", "price", "stock"] {
        if column(required).is_none() {
            return Err(malformed_csv(format!("the header has no `{required}` column")));
        }
    }
    let mut groups: Vec<(usize, String, Vec<csv::StringRecord>, Option<CatalogError>)> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        match record {
            Ok(record) => {
                let reference = column("product_ref").and_then(|i| record.get(i)).unwrap_or_default().to_string();
                match groups.last_mut() {
                    Some(group) if group.1 == reference => group.2.push(record),
                    _ => groups.push((line, reference, vec![record], None)),
                }
            }
            Err(err) => groups.push((
                line,
                String::new(),
                Vec::new(),
                Some(CatalogError::invalid("csv", format!("line {line}: {err}"))),
            )),
        }
    }
    if groups.len() > MAX_PRODUCTS {
        return Err(malformed_csv(format!("at most {MAX_PRODUCTS} products per import")));
    }
    Ok(groups
        .into_iter()
        .map(|(line, reference, records, broken)| {
            let input = match broken {
                Some(err) => Err(err),
                None => product_from_rows(shop_id, &headers, &records),
            };
            Candidate { row: line, reference: Some(reference), input }
        })
        .collect())
}

fn product_from_rows(
    shop_id: ShopId,
    headers: &csv::StringRecord,
    rows: &[csv::StringRecord],
) -> Result<ProductInput, CatalogError> {
    let get = |row: &csv::StringRecord, name: &str| -> String {
        headers.iter().position(|h| h == name).and_then(|i| row.get(i)).unwrap_or_default().to_string()
    };
    let list = |raw: String| -> Vec<String> {
        raw.split('|').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
    };
    let first = &rows[0];
    let category_id =
        get(first, "category_id").parse().map_err(|_| CatalogError::invalid("category_id", "must be a number"))?;
    let spec_names = list(get(first, "spec_names"));
    let mut dimensions: Vec<SpecDimension> =
        spec_names.iter().map(|name| SpecDimension { name: name.clone(), values: Vec::new() }).collect();
    let mut skus = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let values = list(get(row, "spec_values"));
        if values.len() != spec_names.len() {
            return Err(CatalogError::invalid(
                format!("skus[{i}].specs"),
                "spec_values must give one value per spec name",
            ));
        }
        let mut specs = BTreeMap::new();
        for (dimension, value) in dimensions.iter_mut().zip(values) {
            if !dimension.values.contains(&value) {
                dimension.values.push(value.clone());
            }
            specs.insert(dimension.name.clone(), value);
        }
        let money = |field: &str, raw: String| -> Result<Money, CatalogError> {
            Money::parse_str(raw.trim())
                .ok()
                .ok_or_else(|| CatalogError::invalid(format!("skus[{i}].{field}"), "must be an amount such as 12.50"))
        };
        let original = get(row, "original_price");
        let stock = get(row, "stock");
        skus.push(SkuInput {
            specs,
            price: money("price", get(row, "price"))?,
            original_price: if original.is_empty() { None } else { Some(money("original_price", original)?) },
            stock: Some(
                stock
                    .parse()
                    .map_err(|_| CatalogError::invalid(format!("skus[{i}].stock"), "must be a whole number"))?,
            ),
            code: Some(get(row, "sku_code")).filter(|code| !code.is_empty()),
            image_url: None,
        });
    }
    Ok(ProductInput {
        shop_id,
        category_id,
        title: get(first, "title"),
        subtitle: get(first, "subtitle"),
        description: get(first, "description"),
        brand: get(first, "brand"),
        tags: list(get(first, "tags")),
        attributes: Vec::new(),
        images: list(get(first, "images")),
        video_url: None,
        specs: dimensions,
        skus,
    })
}

/// Creates each candidate in its own transaction and reports on every one.
pub(crate) fn run(
    conn: &mut DbConn,
    actor: &Principal,
    shop_id: ShopId,
    candidates: Vec<Candidate>,
    limits: &bazaar_core::MoneyLimits,
) -> Result<ImportReport, CatalogError> {
    products::require_member(conn, shop_id, actor)?;
    if candidates.len() > MAX_PRODUCTS {
        return Err(CatalogError::invalid("products", format!("at most {MAX_PRODUCTS} products per import")));
    }
    let mut report = ImportReport { created: 0, rejected: 0, results: Vec::with_capacity(candidates.len()) };
    for candidate in candidates {
        let outcome = candidate
            .input
            .and_then(|input| write_transaction(conn, |conn| products::create(conn, actor, input, limits)));
        let result = match outcome {
            Ok(product) => {
                report.created += 1;
                ImportResult {
                    row: candidate.row,
                    reference: candidate.reference,
                    status: "created",
                    product_id: Some(product.id),
                    field: None,
                    error: None,
                }
            }
            Err(CatalogError::Db(err)) => return Err(CatalogError::Db(err)),
            Err(err) => {
                report.rejected += 1;
                ImportResult {
                    row: candidate.row,
                    reference: candidate.reference,
                    status: "rejected",
                    product_id: None,
                    field: err.field().map(String::from),
                    error: Some(err.to_string()),
                }
            }
        };
        report.results.push(result);
    }
    Ok(report)
}

/// A CSV upload that cannot be read as a whole (no header, a missing column, too many products):
/// the request itself is malformed, unlike a bad row, which the report lists.
fn malformed_csv(message: impl Into<String>) -> CatalogError {
    bazaar_core::Refusal::BadRequest { code: "malformed_csv", field: None, message: message.into() }.into()
}
