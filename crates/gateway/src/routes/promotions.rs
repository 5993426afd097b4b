//! Coupons: shops offer them (`/seller/...`), buyers find and claim them, the wallet lists them.
//! Checkout applies them (see `orders.rs`: `coupon_ids` on the preview and the order).

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::ids::{CouponTemplateId, ProductId, ShopId};
use bazaar_promotions::{
    CheckIn, PointsView, TemplateInput, TemplatePatch, TemplateStatus, TemplateView, WalletCoupon, WalletFilter,
};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, shop_templates, create_platform, platform_templates, claimable_on_platform, issue, update, pause, resume, end, claimable_in_shop, claimable_for_product, redeem, claim, wallet, points, check_in);
}

/// Offer a coupon (the shop's owner or staff).
#[utoipa::path(post, path = "/api/v1/seller/shops/{id}/coupons", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TemplateInput,
    responses((status = 201, body = TemplateView), (status = 403, body = Problem),
    (status = 409, description = "redeem_code_taken", body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
    Json(input): Json<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.promotions.create_template(&principal, id.into_inner(), input).await?))
}

/// The shop's coupons with what each has given: claimed, used, discount, and the paid orders and GMV
/// that used it.
#[utoipa::path(get, path = "/api/v1/seller/shops/{id}/coupons", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Page<TemplateView>), (status = 403, body = Problem)))]
pub async fn shop_templates(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<TemplateView>>, ApiError> {
    Ok(web::Json(Page::whole(state.orders.shop_coupons(&principal, id.into_inner()).await?)))
}

/// Offer a platform coupon (administrators): funded by the platform, usable in every shop its
/// scope covers (`shop` means everywhere), split across the shops' orders of one checkout.
#[utoipa::path(post, path = "/api/v1/admin/coupons", tag = "promotions", security(("bearer" = [])),
    request_body = TemplateInput,
    responses((status = 201, body = TemplateView), (status = 403, body = Problem),
    (status = 409, description = "redeem_code_taken", body = Problem), (status = 422, body = Problem)))]
pub async fn create_platform(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(input): Json<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.promotions.create_platform_template(&principal, input).await?))
}

/// The platform's coupons with what each has given (administrators).
#[utoipa::path(get, path = "/api/v1/admin/coupons", tag = "promotions", security(("bearer" = [])),
    responses((status = 200, body = Page<TemplateView>), (status = 403, body = Problem)))]
pub async fn platform_templates(
    state: web::Data<AppState>,
    Auth(principal): Auth,
) -> Result<web::Json<Page<TemplateView>>, ApiError> {
    Ok(web::Json(Page::whole(state.orders.platform_coupons(&principal).await?)))
}

/// The platform coupons anyone signed in may claim now.
#[utoipa::path(get, path = "/api/v1/coupons", tag = "promotions", responses((status = 200, body = Page<TemplateView>)))]
pub async fn claimable_on_platform(state: web::Data<AppState>) -> Result<web::Json<Page<TemplateView>>, ApiError> {
    Ok(web::Json(Page::whole(state.promotions.claimable_on_platform().await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTo {
    /// 1 to 100 buyers' phone numbers.
    phones: Vec<String>,
}

/// Give a coupon to chosen buyers (owner or staff; administrators for platform coupons), as for a
/// coupon of `issued` visibility, which no buyer can claim. Within the quantity and per-buyer
/// limits; each phone's outcome is answered, and a refusal for one gives nothing away.
#[utoipa::path(post, path = "/api/v1/seller/coupons/{id}/issue", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = IssueTo,
    responses((status = 200, body = Page<bazaar_promotions::Issued>), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn issue(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CouponTemplateId>,
    Json(body): Json<IssueTo>,
) -> Result<web::Json<Page<bazaar_promotions::Issued>>, ApiError> {
    Ok(web::Json(Page::whole(state.promotions.issue(&principal, id.into_inner(), body.phones).await?)))
}

/// Change what is safe once buyers hold the coupons: the name, the quantity, the claim end.
#[utoipa::path(patch, path = "/api/v1/seller/coupons/{id}", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TemplatePatch,
    responses((status = 200, body = TemplateView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CouponTemplateId>,
    Json(patch): Json<TemplatePatch>,
) -> Result<web::Json<TemplateView>, ApiError> {
    Ok(web::Json(state.promotions.update_template(&principal, id.into_inner(), patch).await?))
}

async fn set_status(
    state: web::Data<AppState>,
    principal: bazaar_identity::Principal,
    id: CouponTemplateId,
    to: TemplateStatus,
) -> Result<web::Json<TemplateView>, ApiError> {
    Ok(web::Json(state.promotions.set_template_status(&principal, id, to).await?))
}

/// Stop claims until resumed (coupons already claimed stay usable).
#[utoipa::path(post, path = "/api/v1/seller/coupons/{id}/pause", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = TemplateView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, description = "coupon_ended", body = Problem)))]
pub async fn pause(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CouponTemplateId>,
) -> Result<web::Json<TemplateView>, ApiError> {
    set_status(state, principal, id.into_inner(), TemplateStatus::Paused).await
}

/// Take claims again.
#[utoipa::path(post, path = "/api/v1/seller/coupons/{id}/resume", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = TemplateView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, description = "coupon_ended", body = Problem)))]
pub async fn resume(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CouponTemplateId>,
) -> Result<web::Json<TemplateView>, ApiError> {
    set_status(state, principal, id.into_inner(), TemplateStatus::Active).await
}

/// End claims for good (coupons already claimed stay usable until their window ends).
#[utoipa::path(post, path = "/api/v1/seller/coupons/{id}/end", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = TemplateView), (status = 403, body = Problem),
    (status = 404, body = Problem)))]
pub async fn end(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CouponTemplateId>,
) -> Result<web::Json<TemplateView>, ApiError> {
    set_status(state, principal, id.into_inner(), TemplateStatus::Ended).await
}

/// The coupons anyone signed in may claim from this shop now.
#[utoipa::path(get, path = "/api/v1/shops/{id}/coupons", tag = "promotions", params(("id" = i64, Path)),
    responses((status = 200, body = Page<TemplateView>)))]
pub async fn claimable_in_shop(
    state: web::Data<AppState>,
    id: web::Path<ShopId>,
) -> Result<web::Json<Page<TemplateView>>, ApiError> {
    Ok(web::Json(Page::whole(state.promotions.claimable_in_shop(id.into_inner()).await?)))
}

/// The claimable coupons that apply to this product.
#[utoipa::path(get, path = "/api/v1/products/{id}/coupons", tag = "promotions", params(("id" = i64, Path)),
    responses((status = 200, body = Page<TemplateView>), (status = 404, body = Problem)))]
pub async fn claimable_for_product(
    state: web::Data<AppState>,
    id: web::Path<ProductId>,
) -> Result<web::Json<Page<TemplateView>>, ApiError> {
    Ok(web::Json(Page::whole(state.promotions.claimable_for_product(id.into_inner()).await?)))
}

/// Claim a coupon into your wallet (领券).
#[utoipa::path(post, path = "/api/v1/coupons/{id}/claim", tag = "promotions", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 201, body = WalletCoupon), (status = 404, body = Problem),
    (status = 409, description = "coupon_sold_out, claim_limit_reached, coupon_not_claimable, new_customers_only", body = Problem)))]
pub async fn claim(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<CouponTemplateId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.promotions.claim(&principal, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemCode {
    code: String,
}

/// Claim the coupon a redeem code names.
#[utoipa::path(post, path = "/api/v1/coupons/redeem", tag = "promotions", security(("bearer" = [])),
    request_body = RedeemCode,
    responses((status = 201, body = WalletCoupon), (status = 404, body = Problem),
    (status = 409, description = "coupon_sold_out, claim_limit_reached, coupon_not_claimable, new_customers_only", body = Problem)))]
pub async fn redeem(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(body): Json<RedeemCode>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.promotions.redeem(&principal, body.code).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WalletQuery {
    /// `usable` (default: spendable, soonest to expire first), `used` (held by an unpaid order, or
    /// spent) or `expired`.
    #[param(value_type = Option<String>)]
    status: Option<WalletFilter>,
    /// `true`: the usable coupons, each with `usable_for_cart` and `why_not` for the cart as it is
    /// now, those the cart would take first.
    for_cart: Option<bool>,
}

/// Your coupons.
#[utoipa::path(get, path = "/api/v1/me/coupons", tag = "promotions", security(("bearer" = [])), params(WalletQuery),
    responses((status = 200, body = Page<WalletCoupon>), (status = 400, body = Problem)))]
pub async fn wallet(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    query: Query<WalletQuery>,
) -> Result<web::Json<Page<WalletCoupon>>, ApiError> {
    let query = query.into_inner();
    if query.for_cart == Some(true) {
        if query.status.is_some_and(|status| status != WalletFilter::Usable) {
            return Err(
                ApiError::bad_request("invalid_query", "for_cart lists usable coupons only").with_field("status")
            );
        }
        return Ok(web::Json(Page::whole(state.cart.coupons_for_cart(&principal).await?)));
    }
    let filter = query.status.unwrap_or(WalletFilter::Usable);
    Ok(web::Json(Page::whole(state.promotions.wallet(&principal, filter).await?)))
}

/// Your points balance and its newest changes (积分).
#[utoipa::path(get, path = "/api/v1/me/points", tag = "promotions", security(("bearer" = [])),
    responses((status = 200, body = PointsView)))]
pub async fn points(state: web::Data<AppState>, Auth(principal): Auth) -> Result<web::Json<PointsView>, ApiError> {
    Ok(web::Json(state.promotions.points(&principal).await?))
}

/// Check in for today (签到): points once per China-time day, more every seventh day in a row.
/// Asking again the same day answers the same check-in (`new: false`) and gives nothing more.
#[utoipa::path(post, path = "/api/v1/me/check-ins", tag = "promotions", security(("bearer" = [])),
    responses((status = 201, body = CheckIn), (status = 200, description = "already checked in today", body = CheckIn)))]
pub async fn check_in(state: web::Data<AppState>, Auth(principal): Auth) -> Result<HttpResponse, ApiError> {
    let check_in = state.promotions.check_in(&principal).await?;
    Ok(if check_in.new { HttpResponse::Created().json(check_in) } else { HttpResponse::Ok().json(check_in) })
}
