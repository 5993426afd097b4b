//! Seller onboarding for users: apply to open a shop, follow the application, and (for owners)
//! manage staff.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::ids::{ShopId, UserId};
use bazaar_identity::{ApplicationInput, ApplicationView, StaffView};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; apply, my_applications, staff, add_staff, remove_staff, my_shops);
}

/// Apply to open a shop. One application may wait for review at a time.
#[utoipa::path(post, path = "/api/v1/shop-applications", tag = "sellers", security(("bearer" = [])),
    request_body = ApplicationInput, responses((status = 201, body = ApplicationView),
    (status = 409, description = "application_pending", body = Problem), (status = 422, body = Problem)))]
pub async fn apply(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<ApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.identity.apply_for_shop(&principal, input).await?))
}

/// The shops the caller owns or staffs, with their role in each (what a seller app opens with).
#[utoipa::path(get, path = "/api/v1/me/shops", tag = "sellers", security(("bearer" = [])),
    responses((status = 200, body = Page<bazaar_identity::MemberShop>)))]
pub async fn my_shops(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<bazaar_identity::MemberShop>>, ApiError> {
    Ok(web::Json(Page::whole(state.identity.my_shops(&principal).await?)))
}

/// The caller's applications, newest first, with their review decisions.
#[utoipa::path(get, path = "/api/v1/shop-applications", tag = "sellers", security(("bearer" = [])),
    responses((status = 200, body = Page<ApplicationView>)))]
pub async fn my_applications(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    Ok(web::Json(Page::whole(state.identity.my_applications(&principal).await?)))
}

/// The shop's owner and staff (members only).
#[utoipa::path(get, path = "/api/v1/shops/{id}/staff", tag = "sellers", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<StaffView>), (status = 403, body = Problem)))]
pub async fn staff(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<StaffView>>, ApiError> {
    Ok(web::Json(Page::whole(state.identity.shop_staff(&principal, id.into_inner()).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// The phone number of an existing Bazaar user.
    phone: String,
}

/// Add a staff member by phone number (owner only).
#[utoipa::path(post, path = "/api/v1/shops/{id}/staff", tag = "sellers", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = NewStaff, responses((status = 201, body = Page<StaffView>),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "already_member", body = Problem)))]
pub async fn add_staff(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(body): Json<NewStaff>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(Page::whole(state.identity.add_shop_staff(&principal, id.into_inner(), body.phone).await?)))
}

/// Remove a staff member (owner only).
#[utoipa::path(delete, path = "/api/v1/shops/{id}/staff/{user_id}", tag = "sellers", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)), responses((status = 204), (status = 403, body = Problem)))]
pub async fn remove_staff(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    path: web::Path<(ShopId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (shop_id, user_id) = path.into_inner();
    state.identity.remove_shop_staff(&principal, shop_id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
