//! Flash sales (秒杀): shops offer them, admins schedule platform sessions, anyone lists them, and
//! buyers buy now with an `Idempotency-Key`.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::page::Page;
use crate::routes::checkout::orders::{checkout_answer, idempotency_key};
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_checkout::{BuyNow, CheckoutResult};
use bazaar_core::ids::{FlashSaleId, ShopId};
use bazaar_promotions::{FlashSaleInput, FlashSaleReport, FlashSaleView};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; list, get, buy_now, create, shop_sales, create_platform);
}

/// Live and upcoming flash sales, soonest first, with the units left and countdown fields.
#[utoipa::path(get, path = "/api/v1/flash-sales", tag = "promotions",
    responses((status = 200, body = Page<FlashSaleView>)))]
pub async fn list(state: web::Data<AppState>) -> Result<web::Json<Page<FlashSaleView>>, ApiError> {
    Ok(web::Json(Page::whole(state.promotions.flash_sales().await?)))
}

#[utoipa::path(get, path = "/api/v1/flash-sales/{id}", tag = "promotions", params(("id" = i64, Path)),
    responses((status = 200, body = FlashSaleView), (status = 404, body = Problem)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<FlashSaleId>) -> Result<web::Json<FlashSaleView>, ApiError> {
    Ok(web::Json(state.promotions.flash_sale(id.into_inner()).await?))
}

/// Buy now (立即抢购): one order of the sale's SKU at the flash price, without the cart, coupons or
/// points. Repeating the request with the same `Idempotency-Key` returns the same order (200).
/// Before the start and after the end nothing is taken.
#[utoipa::path(post, path = "/api/v1/flash-sales/{id}/orders", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)), request_body = BuyNow,
    responses((status = 201, body = CheckoutResult), (status = 200, description = "replayed", body = CheckoutResult),
    (status = 400, description = "idempotency_key_required", body = Problem),
    (status = 409, description = "flash_sale_not_started, flash_sale_ended, flash_sold_out, flash_limit_reached, out_of_stock", body = Problem),
    (status = 422, body = Problem)))]
pub async fn buy_now(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<FlashSaleId>,
    req: HttpRequest,
    Json(request): Json<BuyNow>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let credit = crate::routes::campaigns::credit_alongside(&state, &req);
    let placed = state.orders.buy_now(&principal, key, id.into_inner(), request, credit).await?;
    Ok(checkout_answer(placed))
}

/// Offer a flash sale of one of the shop's SKUs (owner or staff). At most one flash price per SKU
/// at a time.
#[utoipa::path(post, path = "/api/v1/seller/shops/{id}/flash-sales", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FlashSaleInput,
    responses((status = 201, body = FlashSaleView), (status = 409, description = "flash_sale_overlaps", body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(input): Json<FlashSaleInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.promotions.create_flash_sale(&principal, id.into_inner(), input).await?))
}

/// The shop's flash sales: sold, remaining, held by unpaid orders, paid, and refused at the gate.
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/flash-sales", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<FlashSaleReport>)))]
pub async fn shop_sales(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<FlashSaleReport>>, ApiError> {
    Ok(web::Json(Page::whole(state.promotions.shop_flash_sales(&principal, id.into_inner()).await?)))
}

/// Schedule a platform flash-sale session (秒杀场次) for a shop's SKU (administrators): it starts
/// on the hour at one of `flash_session_hours`, China time.
#[utoipa::path(post, path = "/api/v1/admin/shops/{id}/flash-sales", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FlashSaleInput,
    responses((status = 201, body = FlashSaleView), (status = 409, description = "flash_sale_overlaps", body = Problem)))]
pub async fn create_platform(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(input): Json<FlashSaleInput>,
) -> Result<HttpResponse, ApiError> {
    let sale = state.promotions.create_platform_flash_sale(&principal, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(sale))
}
