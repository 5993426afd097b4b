//! `/api/v1/cart`: the buyer's cart, grouped by shop, with live prices and flags.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::web;
use bazaar_checkout::CartView;
use bazaar_core::ids::{CartItemId, SkuId};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; view, add, set_quantity, remove);
}

/// The cart: lines by shop with live prices, and flags for changed prices, short stock and lines
/// that can no longer be bought (those count in no total).
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = [])),
    responses((status = 200, body = CartView), (status = 401, body = Problem)))]
pub async fn view(state: web::Data<AppState>, Auth(principal): Auth) -> Result<web::Json<CartView>, ApiError> {
    Ok(web::Json(state.cart.view(&principal).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLine {
    sku_id: SkuId,
    /// 1 to 99; added to the line if the SKU is already in the cart.
    quantity: i32,
}

/// Add a SKU to the cart.
#[utoipa::path(post, path = "/api/v1/cart/items", tag = "cart", security(("bearer" = [])), request_body = NewLine,
    responses((status = 200, body = CartView), (status = 404, body = Problem),
    (status = 409, description = "sku_unavailable, cart_full", body = Problem), (status = 422, body = Problem)))]
pub async fn add(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(line): Json<NewLine>,
) -> Result<web::Json<CartView>, ApiError> {
    Ok(web::Json(state.cart.add(&principal, line.sku_id, line.quantity).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    quantity: i32,
}

/// Change a line's quantity.
#[utoipa::path(patch, path = "/api/v1/cart/items/{id}", tag = "cart", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Quantity,
    responses((status = 200, body = CartView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_quantity(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CartItemId>,
    Json(body): Json<Quantity>,
) -> Result<web::Json<CartView>, ApiError> {
    Ok(web::Json(state.cart.set_quantity(&principal, id.into_inner(), body.quantity).await?))
}

/// Remove a line.
#[utoipa::path(delete, path = "/api/v1/cart/items/{id}", tag = "cart", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = CartView), (status = 404, body = Problem)))]
pub async fn remove(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CartItemId>,
) -> Result<web::Json<CartView>, ApiError> {
    Ok(web::Json(state.cart.remove(&principal, id.into_inner()).await?))
}
