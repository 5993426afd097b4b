//! A shop's own product list for its owner and staff: every status (drafts included), newest
//! first, one page at a time.

use crate::CatalogError;
use crate::products::{ProductStatus, require_member};
use bazaar_core::Money;
use bazaar_core::ids::{ProductId, ShopId};
use bazaar_db::DbConn;
use bazaar_db::schema::products;
use bazaar_identity::Principal;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// One row of the seller's product list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerListing {
    pub id: ProductId,
    pub title: String,
    pub status: ProductStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_min: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_max: Money,
    pub total_stock: i64,
    pub sales_count: i64,
    #[serde(serialize_with = "bazaar_core::clock::as_utc")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: NaiveDateTime,
}

/// The shop's products (only `status` when given), newest first, ids below `before`.
pub(crate) fn listings(
    conn: &mut DbConn,
    actor: &Principal,
    shop_id: ShopId,
    status: Option<ProductStatus>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<SellerListing>, CatalogError> {
    require_member(conn, shop_id, actor)?;
    let mut query = products::table.filter(products::shop_id.eq(shop_id)).into_boxed();
    if let Some(status) = status {
        query = query.filter(products::status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(products::id.lt(before));
    }
    type Row = (ProductId, String, String, i64, i64, i64, i64, NaiveDateTime);
    let rows: Vec<Row> = query
        .order(products::id.desc())
        .limit(limit)
        .select((
            products::id,
            products::title,
            products::status,
            products::price_min,
            products::price_max,
            products::total_stock,
            products::sales_count,
            products::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, status, price_min, price_max, total_stock, sales_count, updated_at)| SellerListing {
            id,
            title,
            status: crate::products::status_of(&status),
            price_min: Money::from_minor(price_min),
            price_max: Money::from_minor(price_max),
            total_stock,
            sales_count,
            updated_at,
        })
        .collect())
}
