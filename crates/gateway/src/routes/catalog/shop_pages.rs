//! Shop pages: the public profile, edits by the owner, follows.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::web;
use bazaar_catalog::{ShopPage, ShopPatch};
use bazaar_core::ids::ShopId;
use serde::Serialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; page, update, follow, unfollow);
}

/// A shop's page (its products: `GET /api/v1/products?shop={id}`).
#[utoipa::path(get, path = "/api/v1/shops/{id}", tag = "catalog", params(("id" = i64, Path)),
    responses((status = 200, body = ShopPage), (status = 404, body = Problem)))]
pub async fn page(state: web::Data<AppState>, id: web::Path<ShopId>) -> Result<web::Json<ShopPage>, ApiError> {
    Ok(web::Json(state.catalog.shop(id.into_inner()).await?))
}

/// Edit the shop page (owner only).
#[utoipa::path(patch, path = "/api/v1/shops/{id}", tag = "seller", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ShopPatch, responses((status = 200, body = ShopPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(patch): Json<ShopPatch>,
) -> Result<web::Json<ShopPage>, ApiError> {
    Ok(web::Json(state.catalog.update_shop(&principal, id.into_inner(), patch).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Following {
    following: bool,
    followers_count: i64,
}

/// Follow a shop (idempotent).
#[utoipa::path(post, path = "/api/v1/shops/{id}/follow", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Following), (status = 404, body = Problem)))]
pub async fn follow(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Following>, ApiError> {
    let followers_count = state.catalog.follow(&principal, id.into_inner(), true).await?;
    Ok(web::Json(Following { following: true, followers_count }))
}

/// Stop following a shop (idempotent).
#[utoipa::path(delete, path = "/api/v1/shops/{id}/follow", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Following), (status = 404, body = Problem)))]
pub async fn unfollow(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Following>, ApiError> {
    let followers_count = state.catalog.follow(&principal, id.into_inner(), false).await?;
    Ok(web::Json(Following { following: false, followers_count }))
}
