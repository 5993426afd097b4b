//! What sellers send for a product, and the checks that turn it into rows: field bounds, list
//! sizes, URLs, and SKUs checked against the declared specs (one per combination).

use crate::CatalogError;
use crate::specs::{self, SpecDimension};
use crate::text::{bounded, url};
use bazaar_core::FieldChecks;
use bazaar_core::ids::{CategoryId, ShopId};
use bazaar_core::{Money, MoneyLimits};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SkuInput {
    /// The SKU's value for each spec dimension, e.g. `{"颜色": "红", "尺码": "M"}`; `{}` without specs.
    #[serde(default)]
    pub specs: BTreeMap<String, String>,
    /// Yuan as a decimal string, e.g. `"99.00"`; more than zero.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub original_price: Option<Money>,
    /// Initial stock of a new SKU (0 by default). Later changes go through the stock endpoint.
    pub stock: Option<i64>,
    pub code: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    pub shop_id: ShopId,
    pub category_id: CategoryId,
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
    /// Image URLs in display order.
    #[serde(default)]
    pub images: Vec<String>,
    pub video_url: Option<String>,
    #[serde(default)]
    pub specs: Vec<SpecDimension>,
    pub skus: Vec<SkuInput>,
}

/// A partial edit. `specs` and `skus` go together: the SKUs for the new set of combinations.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub category_id: Option<CategoryId>,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub brand: Option<String>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<Vec<Attribute>>,
    pub images: Option<Vec<String>>,
    pub video_url: Option<String>,
    pub specs: Option<Vec<SpecDimension>>,
    pub skus: Option<Vec<SkuInput>>,
}

/// Checked, normalised descriptive fields.
#[derive(Default)]
pub(crate) struct Description {
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub brand: String,
    pub tags: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub images: Vec<String>,
    pub video_url: Option<String>,
}

pub(crate) fn check_lists(tags: &[String], attributes: &[Attribute], images: &[String]) -> Result<(), CatalogError> {
    if tags.len() > 20 {
        return Err(CatalogError::invalid("tags", "at most 20 tags"));
    }
    if attributes.len() > 50 {
        return Err(CatalogError::invalid("attributes", "at most 50 attributes"));
    }
    if images.len() > 20 {
        return Err(CatalogError::invalid("images", "at most 20 images"));
    }
    Ok(())
}

/// Checks every text field of a product, reporting all the bad ones at once.
pub(crate) fn describe(input: &ProductInput) -> Result<Description, CatalogError> {
    check_lists(&input.tags, &input.attributes, &input.images)?;
    let mut checks = FieldChecks::new();
    let description = Description {
        title: checks.check(bounded("title", &input.title, 1, 120, false)),
        subtitle: checks.check(bounded("subtitle", &input.subtitle, 0, 200, false)),
        description: checks.check(bounded("description", &input.description, 0, 20_000, true)),
        brand: checks.check(bounded("brand", &input.brand, 0, 60, false)),
        tags: checks.check(clean_tags(&input.tags)),
        attributes: checks.check(clean_attributes(&input.attributes)),
        images: checks.check(clean_images(&input.images)),
        video_url: checks.check(input.video_url.as_deref().map(|v| url("video_url", v)).transpose()),
    };
    checks.finish()?;
    Ok(description)
}

pub(crate) fn clean_tags(tags: &[String]) -> Result<Vec<String>, CatalogError> {
    tags.iter().enumerate().map(|(i, tag)| bounded(&format!("tags[{i}]"), tag, 1, 20, false)).collect()
}

pub(crate) fn clean_attributes(attributes: &[Attribute]) -> Result<Vec<Attribute>, CatalogError> {
    attributes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(Attribute {
                name: bounded(&format!("attributes[{i}].name"), &a.name, 1, 30, false)?,
                value: bounded(&format!("attributes[{i}].value"), &a.value, 1, 200, false)?,
            })
        })
        .collect()
}

pub(crate) fn clean_images(images: &[String]) -> Result<Vec<String>, CatalogError> {
    images.iter().enumerate().map(|(i, image)| url(&format!("images[{i}]"), image)).collect()
}

/// A SKU input checked against the declared specs.
pub(crate) struct CheckedSku {
    pub key: String,
    pub values: BTreeMap<String, String>,
    pub price: i64,
    pub original_price: Option<i64>,
    pub stock: i64,
    pub code: Option<String>,
    pub image_url: Option<String>,
}

pub(crate) fn check_skus(
    specs: &[SpecDimension],
    skus: &[SkuInput],
    limits: &MoneyLimits,
) -> Result<Vec<CheckedSku>, CatalogError> {
    if skus.is_empty() {
        return Err(CatalogError::invalid("skus", "a product needs at least one SKU"));
    }
    let mut checked = Vec::with_capacity(skus.len());
    for (i, sku) in skus.iter().enumerate() {
        let key = specs::combination_key(specs, &sku.specs, &format!("skus[{i}].specs"))?;
        let ceiling = limits.max_price;
        for (field, amount) in [("price", Some(sku.price)), ("original_price", sku.original_price)] {
            if amount.is_some_and(|amount| amount <= Money::ZERO || amount > ceiling) {
                return Err(CatalogError::invalid(
                    format!("skus[{i}].{field}"),
                    format!("must be more than 0 and at most {ceiling}"),
                ));
            }
        }
        let stock = sku.stock.unwrap_or(0);
        if !(0..=crate::inventory::MAX_STOCK).contains(&stock) {
            let message = format!("must be between 0 and {}", crate::inventory::MAX_STOCK);
            return Err(CatalogError::invalid(format!("skus[{i}].stock"), message));
        }
        let values = specs.iter().zip(key.split('/')).map(|(d, v)| (d.name.clone(), v.to_string())).collect();
        checked.push(CheckedSku {
            key,
            values,
            price: sku.price.to_minor(),
            original_price: sku.original_price.map(Money::to_minor),
            stock,
            code: sku.code.as_deref().map(|c| bounded(&format!("skus[{i}].code"), c, 1, 64, false)).transpose()?,
            image_url: sku.image_url.as_deref().map(|u| url(&format!("skus[{i}].image_url"), u)).transpose()?,
        });
    }
    let keys: Vec<String> = checked.iter().map(|sku| sku.key.clone()).collect();
    specs::check_coverage(specs, &keys)?;
    Ok(checked)
}
