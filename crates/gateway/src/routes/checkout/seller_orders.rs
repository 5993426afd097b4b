//! `/api/v1/seller/orders`: a shop's order inbox, shipping, and cancelling before shipment.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::{Page, PageQuery};
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_checkout::{OrderDetail, RefundRequest};
use bazaar_core::ids::{OrderId, RefundRequestId, ShopId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; inbox, ship, cancel, refunds, approve_refund, reject_refund);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxFilter {
    shop_id: ShopId,
    /// e.g. `paid` for orders waiting to ship.
    status: Option<String>,
    /// Placed on or after this day (UTC), `YYYY-MM-DD`.
    from: Option<chrono::NaiveDate>,
    /// Placed on or before this day (UTC), `YYYY-MM-DD`.
    to: Option<chrono::NaiveDate>,
}

/// The shop's orders, newest first (owner and staff).
#[utoipa::path(get, path = "/api/v1/seller/orders", tag = "seller", security(("bearer" = [])),
    params(InboxFilter, PageQuery), responses((status = 200, body = Page<OrderDetail>), (status = 403, body = Problem)))]
pub async fn inbox(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    filter: Query<InboxFilter>,
    page: Query<PageQuery>,
) -> Result<web::Json<Page<OrderDetail>>, ApiError> {
    let (before, limit) = page.parse::<OrderId>()?;
    let filter = filter.into_inner();
    let from = filter.from.and_then(|day| day.and_hms_opt(0, 0, 0));
    let until = filter.to.and_then(|day| day.succ_opt()).and_then(|day| day.and_hms_opt(0, 0, 0));
    let orders = state
        .orders
        .shop_orders(&principal, filter.shop_id, filter.status, (from, until), before, limit.probe())
        .await?;
    Ok(web::Json(Page::from_probe(orders, limit, |order| order.order.id)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    carrier: String,
    tracking_number: String,
}

/// Ship a paid order.
#[utoipa::path(post, path = "/api/v1/seller/orders/{id}/ship", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Shipment,
    responses((status = 204), (status = 409, description = "invalid_transition", body = Problem), (status = 422, body = Problem)))]
pub async fn ship(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<OrderId>,
    Json(body): Json<Shipment>,
) -> Result<HttpResponse, ApiError> {
    ship_and_tell(&state, &principal, id.into_inner(), body.carrier, body.tracking_number).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ships the order and tells the buyer in chat (the API and the console both ship this way).
pub async fn ship_and_tell(
    state: &AppState,
    principal: &bazaar_identity::Principal,
    order_id: OrderId,
    carrier: String,
    tracking_number: String,
) -> Result<(), ApiError> {
    let notice = format!("订单已发货 Your order has shipped: {} {}", carrier.trim(), tracking_number.trim());
    state.orders.ship(principal, order_id, carrier, tracking_number).await?;
    // The shipment stands either way, so a failure here is logged, not returned.
    if let Err(err) = state.chat.order_notice(order_id, notice).await {
        tracing::warn!(%order_id, error = %err, "could not post the shipping notice to chat");
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShopCancel {
    /// Required: the buyer is told why.
    reason: Option<String>,
}

/// Cancel an order not yet shipped, with a reason; its stock goes back. A paid order is refunded
/// in full (an approved refund request, the money sent back as for any approved request).
#[utoipa::path(post, path = "/api/v1/seller/orders/{id}/cancel", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ShopCancel,
    responses((status = 204), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<OrderId>,
    Json(body): Json<ShopCancel>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refund) = state.orders.cancel_by_shop(&principal, id.into_inner(), body.reason).await? {
        state.payments.send_approved_refund(refund).await;
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopFilter {
    shop_id: ShopId,
}

/// Refund requests on the shop's orders, newest first.
#[utoipa::path(get, path = "/api/v1/seller/refund-requests", tag = "seller", security(("bearer" = [])),
    params(ShopFilter), responses((status = 200, body = Page<RefundRequest>), (status = 403, body = Problem)))]
pub async fn refunds(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    filter: Query<ShopFilter>,
) -> Result<web::Json<Page<RefundRequest>>, ApiError> {
    Ok(web::Json(Page::whole(state.orders.shop_refunds(&principal, filter.shop_id).await?)))
}

/// Approve: the order becomes `refunded`; an order not yet shipped goes back into stock.
#[utoipa::path(post, path = "/api/v1/seller/refund-requests/{id}/approve", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ShopCancel,
    responses((status = 200, body = RefundRequest), (status = 409, body = Problem)))]
pub async fn approve_refund(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<RefundRequestId>,
    Json(body): Json<ShopCancel>,
) -> Result<web::Json<RefundRequest>, ApiError> {
    let request = state.orders.decide_refund(&principal, id.into_inner(), true, body.reason).await?;
    Ok(web::Json(state.payments.send_approved_refund(request).await))
}

/// Reject, with a reason; the buyer may ask again.
#[utoipa::path(post, path = "/api/v1/seller/refund-requests/{id}/reject", tag = "seller", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ShopCancel,
    responses((status = 200, body = RefundRequest), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject_refund(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<RefundRequestId>,
    Json(body): Json<ShopCancel>,
) -> Result<web::Json<RefundRequest>, ApiError> {
    Ok(web::Json(state.orders.decide_refund(&principal, id.into_inner(), false, body.reason).await?))
}
