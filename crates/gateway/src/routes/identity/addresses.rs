//! `/api/v1/me/addresses`: shipping addresses (at most 20, one default).

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::ids::AddressId;
use bazaar_identity::{AddressInput, AddressPatch, AddressView};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; list, create, update, delete);
}

#[utoipa::path(get, path = "/api/v1/me/addresses", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Page<AddressView>)))]
pub async fn list(state: web::Data<AppState>, Auth(principal): Auth) -> Result<web::Json<Page<AddressView>>, ApiError> {
    Ok(web::Json(Page::whole(state.identity.addresses(&principal).await?)))
}

#[utoipa::path(post, path = "/api/v1/me/addresses", tag = "identity", security(("bearer" = [])),
    request_body = AddressInput, responses((status = 201, body = AddressView),
    (status = 409, description = "too_many_addresses", body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<AddressInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.identity.add_address(&principal, input).await?))
}

#[utoipa::path(patch, path = "/api/v1/me/addresses/{id}", tag = "identity", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AddressPatch,
    responses((status = 200, body = AddressView), (status = 404, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<AddressId>,
    Json(patch): Json<AddressPatch>,
) -> Result<web::Json<AddressView>, ApiError> {
    Ok(web::Json(state.identity.update_address(&principal, id.into_inner(), patch).await?))
}

#[utoipa::path(delete, path = "/api/v1/me/addresses/{id}", tag = "identity", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<AddressId>,
) -> Result<HttpResponse, ApiError> {
    state.identity.delete_address(&principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
