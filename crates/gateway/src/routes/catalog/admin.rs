//! `/api/v1/admin/*` for the catalog: categories, banning products, suspending shops.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_catalog::{CategoryInput, CategoryNode, SellerProduct, ShopPage};
use bazaar_core::ids::{CategoryId, ProductId, ShopId};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create_category, delete_category, ban_product, suspend_shop, reinstate_shop);
}

#[utoipa::path(post, path = "/api/v1/admin/categories", tag = "admin", security(("bearer" = [])),
    request_body = CategoryInput, responses((status = 201, body = CategoryNode), (status = 403, body = Problem)))]
pub async fn create_category(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.catalog.create_category(&principal, input).await?))
}

/// Delete an empty leaf category.
#[utoipa::path(delete, path = "/api/v1/admin/categories/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 409, description = "category_in_use", body = Problem)))]
pub async fn delete_category(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CategoryId>,
) -> Result<HttpResponse, ApiError> {
    state.catalog.delete_category(&principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ban a product: buyers no longer see it; its sellers cannot edit or republish it.
#[utoipa::path(post, path = "/api/v1/admin/products/{id}/ban", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = SellerProduct), (status = 403, body = Problem)))]
pub async fn ban_product(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ProductId>,
) -> Result<web::Json<SellerProduct>, ApiError> {
    Ok(web::Json(state.catalog.ban(&principal, id.into_inner()).await?))
}

/// Suspend a shop: its page stays, its products disappear from lists and pages.
#[utoipa::path(post, path = "/api/v1/admin/shops/{id}/suspend", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ShopPage), (status = 403, body = Problem)))]
pub async fn suspend_shop(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<ShopPage>, ApiError> {
    Ok(web::Json(state.catalog.set_shop_suspended(&principal, id.into_inner(), true).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/shops/{id}/reinstate", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ShopPage), (status = 403, body = Problem)))]
pub async fn reinstate_shop(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<ShopPage>, ApiError> {
    Ok(web::Json(state.catalog.set_shop_suspended(&principal, id.into_inner(), false).await?))
}
