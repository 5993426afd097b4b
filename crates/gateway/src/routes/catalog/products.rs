//! Buyers' catalog: the category tree, product lists and pages (with ETag / 304), recently viewed.

use crate::auth::{Auth, bearer_token};
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::page::{Page, PageQuery};
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_catalog::{CategoryNode, ListQuery, ProductCard, ProductDetail, Sort};
use bazaar_core::ids::{CategoryId, ProductId, ShopId};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; categories, list, detail, recently_viewed);
}

/// The category tree, in Chinese and English.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", responses((status = 200, body = Page<CategoryNode>)))]
pub async fn categories(state: web::Data<AppState>) -> Result<web::Json<Page<CategoryNode>>, ApiError> {
    Ok(web::Json(Page::whole(state.catalog.categories().await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// A category id; its subcategories are included.
    category: Option<CategoryId>,
    shop: Option<ShopId>,
    /// `newest` (default), `price_asc`, `price_desc`, `sales`.
    sort: Option<Sort>,
}

/// Products on sale, a page at a time.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ListFilter, PageQuery),
    responses((status = 200, body = Page<ProductCard>), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    filter: Query<ListFilter>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = page.parse::<(i64, i64)>()?;
    let sort = filter.sort.unwrap_or_default();
    let query = ListQuery { category: filter.category, shop: filter.shop, sort, after, limit: limit.probe() };
    let page = state.catalog.list_page(query, limit.get() as usize).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(page.json.clone()))
}

fn etag(id: ProductId, version: i64) -> String {
    format!("\"{id}-{version}\"")
}

/// A product page with its SKUs and shop. Answers 304 to a matching `If-None-Match`. A signed-in
/// buyer's view is recorded for "recently viewed".
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = ProductDetail, headers(("ETag" = String))), (status = 304), (status = 404, body = Problem)))]
pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<ProductId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    remember_view(&state, &req, id).await;
    let page = state.catalog.page(id).await?;
    let current = etag(id, page.version);
    let wanted = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if wanted.is_some_and(|wanted| wanted.split(',').any(|tag| tag.trim() == current || tag.trim() == "*")) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, current)).finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, current))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(page.json.clone()))
}

/// Records the view in the background when a valid token came with the request; viewing never
/// fails because of it.
async fn remember_view(state: &web::Data<AppState>, req: &HttpRequest, product_id: ProductId) {
    let Some(token) = bearer_token(req) else { return };
    let Ok(principal) = state.identity.authenticate(&token).await else { return };
    let catalog = state.catalog.clone();
    actix_web::rt::spawn(async move {
        if let Err(err) = catalog.record_view(&principal, product_id).await {
            tracing::debug!(%product_id, error = %err, "view not recorded");
        }
    });
}

/// The caller's recently viewed products still on sale, most recent first (at most 50).
#[utoipa::path(get, path = "/api/v1/me/recently-viewed", tag = "catalog", security(("bearer" = [])),
    responses((status = 200, body = Page<ProductCard>), (status = 401, body = Problem)))]
pub async fn recently_viewed(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<ProductCard>>, ApiError> {
    Ok(web::Json(Page::whole(state.catalog.recently_viewed(&principal).await?)))
}
