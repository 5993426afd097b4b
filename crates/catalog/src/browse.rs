//! Buyers' side: product lists by category (with descendants) or shop, sorted, with keyset pages
//! that stay correct while products change; product detail; recently viewed.

use crate::products::{self as product_rows, ProductRow, ProductText, SkuRow, status_of};
use crate::text::from_json;
use crate::{CatalogError, ProductStatus, SkuView, categories};
use bazaar_core::Money;
use bazaar_core::ids::{CategoryId, ProductId, ShopId, UserId};
use bazaar_db::DbConn;
use bazaar_db::schema::{product_views, products, shops};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Sales,
}

/// Which products to list. `after` is the sort key of the last product of the previous page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub category: Option<CategoryId>,
    pub shop: Option<ShopId>,
    pub sort: Sort,
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

/// A product in a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductCard {
    pub id: ProductId,
    pub shop_id: ShopId,
    pub title: String,
    pub subtitle: String,
    pub brand: String,
    pub image: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_min: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_max: Money,
    pub sales_count: i64,
    pub in_stock: bool,
    pub created_at: DateTime<Utc>,
}

impl ProductCard {
    /// The keyset position of this card under `sort`.
    pub fn sort_key(&self, sort: Sort) -> (i64, i64) {
        let value = match sort {
            Sort::Newest => self.created_at.timestamp_micros(),
            Sort::PriceAsc | Sort::PriceDesc => self.price_min.to_minor(),
            Sort::Sales => self.sales_count,
        };
        (value, self.id.get())
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopSummary {
    pub id: ShopId,
    pub name: String,
    pub logo_url: Option<String>,
    pub followers_count: i64,
    pub rating_avg: Option<f64>,
}

/// What a product page's shop summary is built from.
#[derive(Queryable, Selectable)]
#[diesel(table_name = shops)]
struct ShopSummaryRow {
    id: ShopId,
    name: String,
    logo_url: Option<String>,
    followers_count: i64,
    rating_avg: Option<f64>,
    status: String,
}

/// A product page for buyers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDetail {
    pub id: ProductId,
    pub category_id: CategoryId,
    #[serde(flatten)]
    pub text: ProductText,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_min: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub price_max: Money,
    pub total_stock: i64,
    pub sales_count: i64,
    pub skus: Vec<SkuView>,
    pub shop: ShopSummary,
    /// Changes whenever the product or one of its SKUs changes (the ETag).
    pub version: i64,
}

/// What a product card is built from.
#[derive(Queryable, Selectable)]
#[diesel(table_name = products)]
struct CardRow {
    id: ProductId,
    shop_id: ShopId,
    title: String,
    subtitle: String,
    brand: String,
    images: String,
    price_min: i64,
    price_max: i64,
    sales_count: i64,
    total_stock: i64,
    created_at: NaiveDateTime,
}

fn card(row: CardRow) -> ProductCard {
    ProductCard {
        id: row.id,
        shop_id: row.shop_id,
        image: from_json::<Vec<String>>(&row.images).into_iter().next(),
        title: row.title,
        subtitle: row.subtitle,
        brand: row.brand,
        price_min: Money::from_minor(row.price_min),
        price_max: Money::from_minor(row.price_max),
        sales_count: row.sales_count,
        in_stock: row.total_stock > 0,
        created_at: row.created_at.and_utc(),
    }
}

fn micros_to_time(micros: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(micros).unwrap_or_default().naive_utc()
}

pub(crate) fn list(conn: &mut DbConn, query: &ListQuery) -> Result<Vec<ProductCard>, CatalogError> {
    let mut select = products::table
        .inner_join(shops::table)
        .filter(products::status.eq(ProductStatus::Active.as_str()))
        .filter(shops::status.eq(bazaar_identity::ShopStatus::Active.as_str()))
        .select(CardRow::as_select())
        .into_boxed();
    if let Some(category) = query.category {
        let ids = categories::with_descendants(conn, category)
            .map_err(|_| CatalogError::invalid("category", "no such category"))?;
        select = select.filter(products::category_id.eq_any(ids));
    }
    if let Some(shop) = query.shop {
        select = select.filter(products::shop_id.eq(shop));
    }
    select = match (query.sort, query.after) {
        (Sort::Newest, after) => {
            if let Some((micros, id)) = after {
                let at = micros_to_time(micros);
                select =
                    select.filter(products::created_at.lt(at).or(products::created_at.eq(at).and(products::id.lt(id))));
            }
            select.order((products::created_at.desc(), products::id.desc()))
        }
        (Sort::PriceAsc, after) => {
            if let Some((price, id)) = after {
                select = select
                    .filter(products::price_min.gt(price).or(products::price_min.eq(price).and(products::id.gt(id))));
            }
            select.order((products::price_min.asc(), products::id.asc()))
        }
        (Sort::PriceDesc, after) => {
            if let Some((price, id)) = after {
                select = select
                    .filter(products::price_min.lt(price).or(products::price_min.eq(price).and(products::id.lt(id))));
            }
            select.order((products::price_min.desc(), products::id.desc()))
        }
        (Sort::Sales, after) => {
            if let Some((sales, id)) = after {
                select = select.filter(
                    products::sales_count.lt(sales).or(products::sales_count.eq(sales).and(products::id.lt(id))),
                );
            }
            select.order((products::sales_count.desc(), products::id.desc()))
        }
    };
    let rows: Vec<CardRow> = select.limit(query.limit).load(conn)?;
    Ok(rows.into_iter().map(card).collect())
}

/// The product page, if buyers may see it (active product of an active shop).
pub(crate) fn detail(conn: &mut DbConn, product_id: ProductId) -> Result<ProductDetail, CatalogError> {
    // Product and shop in one statement: on a page missing from the cache every statement counts.
    // No `.first()`: SQLite re-prepares a statement with `LIMIT ?` on every execution (the bound
    // limit feeds its planner), and an id lookup has at most one row anyway. (Folding the SKUs in
    // as a left join as well measured no faster than this plus one SKU query.)
    let found: Vec<(ProductRow, ShopSummaryRow)> = bazaar_db::native!(conn, |c| products::table
        .inner_join(shops::table)
        .filter(products::id.eq(product_id))
        .select((ProductRow::as_select(), ShopSummaryRow::as_select()))
        .load(c))?;
    let (product, shop) = found.into_iter().next().ok_or(CatalogError::not_found("product"))?;
    if status_of(&product.status) != ProductStatus::Active
        || shop.status != bazaar_identity::ShopStatus::Active.as_str()
    {
        return Err(CatalogError::not_found("product"));
    }
    let skus = product_rows::active_skus(conn, product_id)?.iter().map(SkuRow::view).collect();
    Ok(ProductDetail {
        id: product.id,
        category_id: product.category_id,
        text: ProductText::from_row(&product),
        price_min: Money::from_minor(product.price_min),
        price_max: Money::from_minor(product.price_max),
        total_stock: product.total_stock,
        sales_count: product.sales_count,
        skus,
        shop: ShopSummary {
            id: shop.id,
            name: shop.name,
            logo_url: shop.logo_url,
            followers_count: shop.followers_count,
            rating_avg: shop.rating_avg,
        },
        version: product.version,
    })
}

/// Remembers that `user_id` looked at `product_id` (one row per pair, the latest time).
pub(crate) fn record_view(conn: &mut DbConn, user_id: UserId, product_id: ProductId) -> Result<(), CatalogError> {
    let now = Utc::now().naive_utc();
    let updated = diesel::update(product_views::table.find((user_id, product_id)))
        .set(product_views::viewed_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(product_views::table)
            .values((
                product_views::user_id.eq(user_id),
                product_views::product_id.eq(product_id),
                product_views::viewed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The buyer's recently viewed products that are still on sale, most recent first.
pub(crate) fn recently_viewed(
    conn: &mut DbConn,
    user_id: UserId,
    limit: i64,
) -> Result<Vec<ProductCard>, CatalogError> {
    let rows: Vec<CardRow> = product_views::table
        .inner_join(products::table.inner_join(shops::table))
        .filter(product_views::user_id.eq(user_id))
        .filter(products::status.eq(ProductStatus::Active.as_str()))
        .filter(shops::status.eq(bazaar_identity::ShopStatus::Active.as_str()))
        .order(product_views::viewed_at.desc())
        .select(CardRow::as_select())
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().map(card).collect())
}
