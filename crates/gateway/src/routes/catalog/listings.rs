//! `/api/v1/seller/*`: a shop's owner and staff manage its listings and stock.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::{Page, PageQuery};
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use bazaar_catalog::{
    ImportReport, LedgerEntry, LowStockItem, ProductInput, ProductPatch, SellerProduct, SkuView, StockChange,
};
use bazaar_core::ids::{ProductId, ShopId, SkuId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, listings, import, get, update, delete_draft, publish, unpublish, change_stock, ledger, low_stock);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingFilter {
    shop_id: ShopId,
    /// `draft`, `active`, `delisted` or `banned`; every status without it.
    #[param(value_type = Option<String>)]
    status: Option<bazaar_catalog::ProductStatus>,
}

/// The shop's products, drafts included, newest first (owner and staff).
#[utoipa::path(get, path = "/api/v1/seller/products", tag = "seller", security(("bearer" = [])),
    params(ListingFilter, PageQuery), responses((status = 200, body = Page<bazaar_catalog::SellerListing>),
    (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn listings(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    filter: Query<ListingFilter>,
    page: Query<PageQuery>,
) -> Result<web::Json<Page<bazaar_catalog::SellerListing>>, ApiError> {
    let (before, limit) = page.parse::<i64>()?;
    let filter = filter.into_inner();
    let rows = state.catalog.seller_listings(&principal, filter.shop_id, filter.status, before, limit.probe()).await?;
    Ok(web::Json(Page::from_probe(rows, limit, |row| row.id)))
}

/// Create a product (a draft) with one SKU per combination of its specs.
#[utoipa::path(post, path = "/api/v1/seller/products", tag = "seller", security(("bearer" = [])),
    request_body = ProductInput, responses((status = 201, body = SellerProduct), (status = 403, body = Problem),
    (status = 422, description = "invalid_field, naming e.g. skus[2].price", body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<ProductInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.catalog.create_product(&principal, input).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportEnvelope {
    shop_id: ShopId,
    /// Product bodies as for `POST /seller/products`; `shop_id` may be left out of each.
    #[schema(value_type = Vec<Object>)]
    products: Vec<serde_json::Value>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The shop to import into (CSV uploads).
    shop_id: Option<ShopId>,
}

/// Import many products at once: JSON (`{"shop_id", "products": [...]}`) or CSV (`text/csv`,
/// `?shop_id=`; one line per SKU, grouped by `product_ref`). Each product is created or rejected
/// whole; the report has a row for each.
#[utoipa::path(post, path = "/api/v1/seller/products/import", tag = "seller", security(("bearer" = [])),
    params(ImportQuery), request_body(content = ImportEnvelope, description = "or text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, description = "malformed_csv", body = Problem),
    (status = 403, body = Problem)))]
pub async fn import(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    req: HttpRequest,
    query: Query<ImportQuery>,
    body: web::Bytes,
) -> Result<web::Json<ImportReport>, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let report = if content_type.starts_with("text/csv") {
        let shop_id = query.shop_id.ok_or_else(|| {
            ApiError::bad_request("invalid_query", "CSV imports name the shop: ?shop_id=").with_field("shop_id")
        })?;
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::bad_request("malformed_csv", "the CSV is not UTF-8 text"))?;
        state.catalog.import_csv(&principal, shop_id, text).await?
    } else if content_type.starts_with("application/json") {
        let envelope: ImportEnvelope = crate::extract::parse_json(&body)?;
        state.catalog.import_json(&principal, envelope.shop_id, envelope.products).await?
    } else {
        return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    };
    Ok(web::Json(report))
}

#[utoipa::path(get, path = "/api/v1/seller/products/{id}", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = SellerProduct), (status = 403, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ProductId>,
) -> Result<web::Json<SellerProduct>, ApiError> {
    Ok(web::Json(state.catalog.seller_product(&principal, id.into_inner()).await?))
}

/// Edit a product. Sending `specs` with `skus` changes the combinations: SKUs that stay keep their
/// stock and history; new ones start at their `stock`; removed ones are retired.
#[utoipa::path(patch, path = "/api/v1/seller/products/{id}", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ProductPatch,
    responses((status = 200, body = SellerProduct), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ProductId>,
    Json(patch): Json<ProductPatch>,
) -> Result<web::Json<SellerProduct>, ApiError> {
    Ok(web::Json(state.catalog.update_product(&principal, id.into_inner(), patch).await?))
}

/// Delete a draft (published products are unpublished instead).
#[utoipa::path(delete, path = "/api/v1/seller/products/{id}", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 409, description = "invalid_status", body = Problem)))]
pub async fn delete_draft(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ProductId>,
) -> Result<HttpResponse, ApiError> {
    state.catalog.delete_draft(&principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/seller/products/{id}/publish", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = SellerProduct), (status = 409, body = Problem)))]
pub async fn publish(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ProductId>,
) -> Result<web::Json<SellerProduct>, ApiError> {
    Ok(web::Json(state.catalog.publish(&principal, id.into_inner()).await?))
}

#[utoipa::path(post, path = "/api/v1/seller/products/{id}/unpublish", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = SellerProduct), (status = 409, body = Problem)))]
pub async fn unpublish(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ProductId>,
) -> Result<web::Json<SellerProduct>, ApiError> {
    Ok(web::Json(state.catalog.unpublish(&principal, id.into_inner()).await?))
}

/// Set (`set`) or adjust (`adjust`) a SKU's stock, with a reason for the ledger.
#[utoipa::path(patch, path = "/api/v1/seller/skus/{id}/stock", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StockChange,
    responses((status = 200, body = SkuView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn change_stock(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<SkuId>,
    Json(change): Json<StockChange>,
) -> Result<web::Json<SkuView>, ApiError> {
    Ok(web::Json(state.catalog.change_stock(&principal, id.into_inner(), change).await?))
}

/// Every stock change of a SKU, newest first.
#[utoipa::path(get, path = "/api/v1/seller/skus/{id}/ledger", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<LedgerEntry>)))]
pub async fn ledger(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<SkuId>,
) -> Result<web::Json<Page<LedgerEntry>>, ApiError> {
    Ok(web::Json(Page::whole(state.catalog.ledger(&principal, id.into_inner()).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LowStockQuery {
    /// SKUs at or below this stock (default 5).
    threshold: Option<i64>,
}

/// The shop's SKUs running low, lowest first.
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/low-stock", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path), LowStockQuery), responses((status = 200, body = Page<LowStockItem>), (status = 403, body = Problem)))]
pub async fn low_stock(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    query: Query<LowStockQuery>,
) -> Result<web::Json<Page<LowStockItem>>, ApiError> {
    let threshold = query.threshold.unwrap_or(5);
    Ok(web::Json(Page::whole(state.catalog.low_stock(&principal, id.into_inner(), threshold).await?)))
}
