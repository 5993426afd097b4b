//! Automatic promotions: shops start them (threshold tiers, N items percent off, limited-time
//! prices); checkout applies them without a claim; product pages show them with their countdowns.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::ids::{ProductId, PromotionId, ShopId};
use bazaar_promotions::{ProductPromotions, PromotionInput, PromotionView};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, shop_promotions, end, product_promotions);
}

/// Start an automatic promotion (owner or staff): `tiers` (满减), `items_percent` (满 N 件 M 折)
/// or `timed_price` (限时折扣 on one SKU; at most one at a time per SKU). `combinable` says whether
/// coupons may be used on top.
#[utoipa::path(post, path = "/api/v1/seller/shops/{id}/promotions", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PromotionInput,
    responses((status = 201, body = PromotionView), (status = 403, body = Problem),
    (status = 409, description = "timed_price_overlaps", body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(input): Json<PromotionInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.promotions.create_promotion(&principal, id.into_inner(), input).await?))
}

/// The shop's automatic promotions, newest first, each with its state and countdowns and what it
/// gave: the paid orders it discounted (refunded ones left out), the discount and their GMV.
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/promotions", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<PromotionView>), (status = 403, body = Problem)))]
pub async fn shop_promotions(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<PromotionView>>, ApiError> {
    Ok(web::Json(Page::whole(state.orders.shop_promotions(&principal, id.into_inner()).await?)))
}

/// End a promotion now; orders already placed keep what it gave them.
#[utoipa::path(post, path = "/api/v1/seller/promotions/{id}/end", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PromotionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn end(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<PromotionId>,
) -> Result<web::Json<PromotionView>, ApiError> {
    Ok(web::Json(state.promotions.end_promotion(&principal, id.into_inner()).await?))
}

/// What the product page shows: its SKUs' limited-time prices (live or upcoming, with
/// `starts_in_seconds` and `ends_in_seconds` for the countdown) and the shop's live order
/// promotions.
#[utoipa::path(get, path = "/api/v1/products/{id}/promotions", tag = "promotions", params(("id" = i64, Path)),
    responses((status = 200, body = ProductPromotions), (status = 404, body = Problem)))]
pub async fn product_promotions(
    state: web::Data<AppState>,
    id: web::Path<ProductId>,
) -> Result<web::Json<ProductPromotions>, ApiError> {
    Ok(web::Json(state.promotions.product_promotions(id.into_inner()).await?))
}
