//! Sellers' side of products: create drafts with their SKUs, edit (specs included), publish,
//! unpublish, delete drafts; admins ban. Every change bumps `version`, rewrites the derived fields
//! and appends an outbox event, all in the caller's transaction.

use crate::inventory::{self, Reason};
use crate::product_input::{CheckedSku, check_lists, check_skus, clean_attributes, clean_images, clean_tags, describe};
use crate::specs::{self, SpecDimension};
use crate::text::{bounded, from_json, json, url};
use crate::{Attribute, CatalogError, ProductInput, ProductPatch, categories};
use bazaar_core::Money;
use bazaar_core::MoneyLimits;
use bazaar_core::ids::{CategoryId, ProductId, ShopId, SkuId};
use bazaar_db::DbConn;
use bazaar_db::outbox::{self, NewOutboxEvent};
use bazaar_db::schema::{inventory_ledger, products, skus};
use bazaar_identity::Principal;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    Draft,
    Active,
    Delisted,
    Banned,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Active => "active",
            ProductStatus::Delisted => "delisted",
            ProductStatus::Banned => "banned",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkuView {
    pub id: SkuId,
    pub specs: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub original_price: Option<Money>,
    pub stock: i64,
    pub code: Option<String>,
    pub image_url: Option<String>,
}

/// The descriptive part of a product, the same for buyers and sellers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductText {
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub brand: String,
    pub tags: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub images: Vec<String>,
    pub video_url: Option<String>,
    pub specs: Vec<SpecDimension>,
}

impl ProductText {
    pub(crate) fn from_row(product: &ProductRow) -> ProductText {
        ProductText {
            title: product.title.clone(),
            subtitle: product.subtitle.clone(),
            description: product.description.clone(),
            brand: product.brand.clone(),
            tags: from_json(&product.tags),
            attributes: from_json(&product.attributes),
            images: from_json(&product.images),
            video_url: product.video_url.clone(),
            specs: from_json(&product.specs),
        }
    }
}

/// A product as its sellers see it (any status).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerProduct {
    pub id: ProductId,
    pub shop_id: ShopId,
    pub category_id: CategoryId,
    #[serde(flatten)]
    pub text: ProductText,
    pub status: ProductStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_min: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_max: Money,
    pub total_stock: i64,
    pub sales_count: i64,
    pub version: i64,
    pub skus: Vec<SkuView>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub(crate) struct ProductRow {
    pub id: ProductId,
    pub shop_id: ShopId,
    pub category_id: CategoryId,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub brand: String,
    pub tags: String,
    pub attributes: String,
    pub images: String,
    pub video_url: Option<String>,
    pub specs: String,
    pub status: String,
    pub price_min: i64,
    pub price_max: i64,
    pub total_stock: i64,
    pub sales_count: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = skus)]
pub(crate) struct SkuRow {
    pub id: SkuId,
    pub spec_key: String,
    pub spec_values: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub stock: i64,
    pub code: Option<String>,
    pub image_url: Option<String>,
    pub active: bool,
}

impl SkuRow {
    pub(crate) fn view(&self) -> SkuView {
        SkuView {
            id: self.id,
            specs: from_json(&self.spec_values),
            price: Money::from_minor(self.price),
            original_price: self.original_price.map(Money::from_minor),
            stock: self.stock,
            code: self.code.clone(),
            image_url: self.image_url.clone(),
        }
    }
}

pub(crate) fn status_of(raw: &str) -> ProductStatus {
    match raw {
        "active" => ProductStatus::Active,
        "delisted" => ProductStatus::Delisted,
        "banned" => ProductStatus::Banned,
        _ => ProductStatus::Draft,
    }
}

pub(crate) fn load(conn: &mut DbConn, product_id: ProductId) -> Result<ProductRow, CatalogError> {
    products::table
        .find(product_id)
        .select(ProductRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(CatalogError::not_found("product"))
}

/// On the product-page path: runs natively (see [`bazaar_db::native`]).
pub(crate) fn active_skus(conn: &mut DbConn, product_id: ProductId) -> Result<Vec<SkuRow>, CatalogError> {
    Ok(bazaar_db::native!(conn, |c| skus::table
        .filter(skus::product_id.eq(product_id))
        .filter(skus::active.eq(true))
        .order(skus::id.asc())
        .select(SkuRow::as_select())
        .load(c))?)
}

/// Only the shop's owner and staff manage its products.
pub(crate) fn require_member(conn: &mut DbConn, shop_id: ShopId, actor: &Principal) -> Result<(), CatalogError> {
    actor.shop_role(conn, shop_id)?;
    Ok(())
}

/// Appends the outbox event for a product change.
pub(crate) fn announce(conn: &mut DbConn, product: &ProductRow, kind: &str) -> Result<(), CatalogError> {
    let payload =
        serde_json::json!({ "product_id": product.id, "shop_id": product.shop_id, "version": product.version });
    outbox::append(
        conn,
        &NewOutboxEvent {
            topic: "product",
            entity_id: product.id.get(),
            kind,
            payload: &payload.to_string(),
            created_at: Utc::now().naive_utc(),
        },
    )?;
    Ok(())
}

/// Rewrites price range and total stock from the active SKUs, bumps the version, and announces it.
pub(crate) fn touch(conn: &mut DbConn, product_id: ProductId, kind: &str) -> Result<ProductRow, CatalogError> {
    let active = active_skus(conn, product_id)?;
    let price_min = active.iter().map(|sku| sku.price).min().unwrap_or(0);
    let price_max = active.iter().map(|sku| sku.price).max().unwrap_or(0);
    let total_stock: i64 = active.iter().map(|sku| sku.stock).sum();
    diesel::update(products::table.find(product_id))
        .set((
            products::price_min.eq(price_min),
            products::price_max.eq(price_max),
            products::total_stock.eq(total_stock),
            products::version.eq(products::version + 1),
            products::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    let product = load(conn, product_id)?;
    announce(conn, &product, kind)?;
    Ok(product)
}

pub(crate) fn seller_view(conn: &mut DbConn, product: ProductRow) -> Result<SellerProduct, CatalogError> {
    let skus = active_skus(conn, product.id)?.iter().map(SkuRow::view).collect();
    Ok(SellerProduct {
        id: product.id,
        shop_id: product.shop_id,
        category_id: product.category_id,
        text: ProductText::from_row(&product),
        status: status_of(&product.status),
        price_min: Money::from_minor(product.price_min),
        price_max: Money::from_minor(product.price_max),
        total_stock: product.total_stock,
        sales_count: product.sales_count,
        version: product.version,
        skus,
        created_at: product.created_at.and_utc(),
        updated_at: product.updated_at.and_utc(),
    })
}

fn insert_sku(
    conn: &mut DbConn,
    product_id: ProductId,
    sku: &CheckedSku,
    actor: &Principal,
    now: NaiveDateTime,
) -> Result<(), CatalogError> {
    let sku_id: SkuId = diesel::insert_into(skus::table)
        .values((
            skus::product_id.eq(product_id),
            skus::spec_key.eq(&sku.key),
            skus::spec_values.eq(json(&sku.values)),
            skus::price.eq(sku.price),
            skus::original_price.eq(sku.original_price),
            skus::stock.eq(0_i64),
            skus::code.eq(&sku.code),
            skus::image_url.eq(&sku.image_url),
            skus::active.eq(true),
            skus::created_at.eq(now),
            skus::updated_at.eq(now),
        ))
        .returning(skus::id)
        .get_result(conn)?;
    if sku.stock > 0 {
        inventory::apply(conn, sku_id, sku.stock, Reason::Initial, None, Some(actor.user_id), None)?;
    }
    Ok(())
}

pub(crate) fn create(
    conn: &mut DbConn,
    actor: &Principal,
    input: ProductInput,
    limits: &MoneyLimits,
) -> Result<SellerProduct, CatalogError> {
    // The descriptive fields, the specs and the SKUs are reported together; the SKUs are checked
    // only against specs that are themselves valid.
    let mut checks = bazaar_core::FieldChecks::new();
    let text = checks.check(describe(&input));
    let specs = specs::validate_dimensions(&input.specs);
    let specs_valid = specs.is_ok();
    let specs = checks.check(specs);
    let checked = if specs_valid { checks.check(check_skus(&specs, &input.skus, limits)) } else { Vec::new() };
    checks.finish()?;
    require_member(conn, input.shop_id, actor)?;
    categories::path_of(conn, input.category_id, "category_id")?;
    let now = Utc::now().naive_utc();
    let product_id: ProductId = diesel::insert_into(products::table)
        .values((
            products::shop_id.eq(input.shop_id),
            products::category_id.eq(input.category_id),
            products::title.eq(&text.title),
            products::subtitle.eq(&text.subtitle),
            products::description.eq(&text.description),
            products::brand.eq(&text.brand),
            products::tags.eq(json(&text.tags)),
            products::attributes.eq(json(&text.attributes)),
            products::images.eq(json(&text.images)),
            products::video_url.eq(&text.video_url),
            products::specs.eq(json(&specs)),
            products::status.eq(ProductStatus::Draft.as_str()),
            (products::price_min.eq(0_i64), products::price_max.eq(0_i64), products::total_stock.eq(0_i64)),
            (products::sales_count.eq(0_i64), products::version.eq(0_i64)),
            (products::created_at.eq(now), products::updated_at.eq(now)),
        ))
        .returning(products::id)
        .get_result(conn)?;
    for sku in &checked {
        insert_sku(conn, product_id, sku, actor, now)?;
    }
    let product = touch(conn, product_id, "created")?;
    seller_view(conn, product)
}

/// The product, if `actor` works for its shop.
pub(crate) fn load_for_seller(
    conn: &mut DbConn,
    actor: &Principal,
    product_id: ProductId,
) -> Result<ProductRow, CatalogError> {
    let product = load(conn, product_id)?;
    require_member(conn, product.shop_id, actor)?;
    Ok(product)
}

pub(crate) fn update(
    conn: &mut DbConn,
    actor: &Principal,
    product_id: ProductId,
    patch: ProductPatch,
    limits: &MoneyLimits,
) -> Result<SellerProduct, CatalogError> {
    let product = load_for_seller(conn, actor, product_id)?;
    if status_of(&product.status) == ProductStatus::Banned {
        return Err(CatalogError::conflict("product_banned", "a banned product cannot be edited"));
    }
    let now = Utc::now().naive_utc();
    let target = products::table.find(product_id);
    if let Some(category_id) = patch.category_id {
        categories::path_of(conn, category_id, "category_id")?;
        diesel::update(target).set(products::category_id.eq(category_id)).execute(conn)?;
    }
    if let Some(title) = &patch.title {
        diesel::update(target).set(products::title.eq(bounded("title", title, 1, 120, false)?)).execute(conn)?;
    }
    if let Some(subtitle) = &patch.subtitle {
        diesel::update(target)
            .set(products::subtitle.eq(bounded("subtitle", subtitle, 0, 200, false)?))
            .execute(conn)?;
    }
    if let Some(description) = &patch.description {
        let description = bounded("description", description, 0, 20_000, true)?;
        diesel::update(target).set(products::description.eq(description)).execute(conn)?;
    }
    if let Some(brand) = &patch.brand {
        diesel::update(target).set(products::brand.eq(bounded("brand", brand, 0, 60, false)?)).execute(conn)?;
    }
    check_lists(
        patch.tags.as_deref().unwrap_or_default(),
        patch.attributes.as_deref().unwrap_or_default(),
        patch.images.as_deref().unwrap_or_default(),
    )?;
    if let Some(tags) = &patch.tags {
        diesel::update(target).set(products::tags.eq(json(&clean_tags(tags)?))).execute(conn)?;
    }
    if let Some(attributes) = &patch.attributes {
        diesel::update(target).set(products::attributes.eq(json(&clean_attributes(attributes)?))).execute(conn)?;
    }
    if let Some(images) = &patch.images {
        diesel::update(target).set(products::images.eq(json(&clean_images(images)?))).execute(conn)?;
    }
    if let Some(video) = &patch.video_url {
        diesel::update(target).set(products::video_url.eq(url("video_url", video)?)).execute(conn)?;
    }
    match (patch.specs, patch.skus) {
        (None, None) => {}
        (specs, Some(skus)) => {
            let specs = match specs {
                Some(specs) => specs::validate_dimensions(&specs)?,
                None => from_json(&product.specs),
            };
            let checked = check_skus(&specs, &skus, limits)?;
            replace_skus(conn, actor, product_id, &checked, now)?;
            diesel::update(target).set(products::specs.eq(json(&specs))).execute(conn)?;
        }
        (Some(_), None) => {
            return Err(CatalogError::invalid("skus", "changing specs needs the SKUs for the new combinations"));
        }
    }
    let product = touch(conn, product_id, "updated")?;
    seller_view(conn, product)
}

/// Keeps SKUs whose combination stays (with their stock and history), adds new ones, and retires
/// those whose combination went away (kept, inactive, so their ledger still adds up).
fn replace_skus(
    conn: &mut DbConn,
    actor: &Principal,
    product_id: ProductId,
    wanted: &[CheckedSku],
    now: NaiveDateTime,
) -> Result<(), CatalogError> {
    let existing: Vec<SkuRow> =
        skus::table.filter(skus::product_id.eq(product_id)).select(SkuRow::as_select()).load(conn)?;
    for sku in wanted {
        match existing.iter().find(|row| row.spec_key == sku.key) {
            Some(row) => {
                diesel::update(skus::table.find(row.id))
                    .set((
                        skus::price.eq(sku.price),
                        skus::original_price.eq(sku.original_price),
                        skus::code.eq(&sku.code),
                        skus::image_url.eq(&sku.image_url),
                        skus::active.eq(true),
                        skus::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            None => insert_sku(conn, product_id, sku, actor, now)?,
        }
    }
    for row in existing.iter().filter(|row| row.active && !wanted.iter().any(|sku| sku.key == row.spec_key)) {
        diesel::update(skus::table.find(row.id))
            .set((skus::active.eq(false), skus::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

fn transition(
    conn: &mut DbConn,
    product_id: ProductId,
    from: &[ProductStatus],
    to: ProductStatus,
    kind: &str,
) -> Result<ProductRow, CatalogError> {
    let product = load(conn, product_id)?;
    let current = status_of(&product.status);
    if !from.contains(&current) {
        return Err(CatalogError::conflict(
            "invalid_status",
            format!("a {} product cannot become {}", current.as_str(), to.as_str()),
        ));
    }
    diesel::update(products::table.find(product_id)).set(products::status.eq(to.as_str())).execute(conn)?;
    if to == ProductStatus::Active {
        diesel::update(products::table.find(product_id))
            .set(products::published_at.eq(Utc::now().naive_utc()))
            .execute(conn)?;
    }
    touch(conn, product_id, kind)
}

pub(crate) fn publish(
    conn: &mut DbConn,
    actor: &Principal,
    product_id: ProductId,
) -> Result<SellerProduct, CatalogError> {
    load_for_seller(conn, actor, product_id)?;
    if active_skus(conn, product_id)?.is_empty() {
        return Err(CatalogError::conflict("no_skus", "a product needs a SKU before it can be published"));
    }
    let product = transition(
        conn,
        product_id,
        &[ProductStatus::Draft, ProductStatus::Delisted],
        ProductStatus::Active,
        "published",
    )?;
    seller_view(conn, product)
}

pub(crate) fn unpublish(
    conn: &mut DbConn,
    actor: &Principal,
    product_id: ProductId,
) -> Result<SellerProduct, CatalogError> {
    load_for_seller(conn, actor, product_id)?;
    let product = transition(conn, product_id, &[ProductStatus::Active], ProductStatus::Delisted, "unpublished")?;
    seller_view(conn, product)
}

pub(crate) fn ban(conn: &mut DbConn, product_id: ProductId) -> Result<SellerProduct, CatalogError> {
    let all = [ProductStatus::Draft, ProductStatus::Active, ProductStatus::Delisted];
    let product = transition(conn, product_id, &all, ProductStatus::Banned, "banned")?;
    seller_view(conn, product)
}

/// Drafts only: nothing was ever sold or shown, so the product and its SKUs go entirely.
pub(crate) fn delete_draft(conn: &mut DbConn, actor: &Principal, product_id: ProductId) -> Result<(), CatalogError> {
    let product = load_for_seller(conn, actor, product_id)?;
    if status_of(&product.status) != ProductStatus::Draft {
        return Err(CatalogError::conflict("invalid_status", "only drafts can be deleted; unpublish instead"));
    }
    let sku_ids: Vec<SkuId> = skus::table.filter(skus::product_id.eq(product_id)).select(skus::id).load(conn)?;
    diesel::delete(inventory_ledger::table.filter(inventory_ledger::sku_id.eq_any(&sku_ids))).execute(conn)?;
    diesel::delete(skus::table.filter(skus::product_id.eq(product_id))).execute(conn)?;
    diesel::delete(
        bazaar_db::schema::product_views::table.filter(bazaar_db::schema::product_views::product_id.eq(product_id)),
    )
    .execute(conn)?;
    diesel::delete(products::table.find(product_id)).execute(conn)?;
    announce(conn, &product, "deleted")
}
