//! `/api/v1/orders`: place orders (one per shop per checkout) and read them back.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::page::{Page, PageQuery};
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_checkout::{CheckoutResult, OrderDetail, OrderView, PlaceOrder, Preview, PreviewRequest, RefundRequest};
use bazaar_core::ids::OrderId;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; place, list, get, preview, cancel, request_refund, confirm_receipt);
}

/// The client's key for this checkout: required, so a retried request never buys twice.
pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<String, ApiError> {
    let key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 128 {
        return Err(ApiError::bad_request(
            "idempotency_key_required",
            "send an Idempotency-Key header (1 to 128 characters)",
        )
        .with_field("Idempotency-Key"));
    }
    Ok(key.to_string())
}

/// Place orders: the request's items (or the cart's) become one order per shop; stock is reserved
/// for every line or none. Repeating the request with the same `Idempotency-Key` returns the same
/// result (200); the same key with a different body is a 409.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])), request_body = PlaceOrder,
    params(("Idempotency-Key" = String, Header)),
    responses((status = 201, body = CheckoutResult), (status = 200, description = "replayed", body = CheckoutResult),
    (status = 400, description = "idempotency_key_required", body = Problem),
    (status = 409, description = "out_of_stock, sku_unavailable, idempotency_key_reused", body = Problem),
    (status = 422, body = Problem)))]
pub async fn place(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    req: HttpRequest,
    Json(request): Json<PlaceOrder>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let credit = crate::routes::campaigns::credit_alongside(&state, &req);
    let placed = state.orders.place(&principal, key, request, credit).await?;
    Ok(checkout_answer(placed))
}

/// A checkout as placed now (201) or replayed for a repeated key (200).
pub(crate) fn checkout_answer((result, placed_now): (CheckoutResult, bool)) -> HttpResponse {
    if placed_now { HttpResponse::Created().json(result) } else { HttpResponse::Ok().json(result) }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// One tab of the order list: `pending_payment` (待付款), `to_ship` (待发货), `shipped` (待收货),
    /// `to_review` (待评价), `refunded`, `cancelled`. Without it, every order.
    #[param(value_type = Option<String>)]
    tab: Option<bazaar_checkout::OrderTab>,
}

/// The buyer's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])), params(OrderFilter, PageQuery),
    responses((status = 200, body = Page<OrderView>), (status = 400, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    filter: Query<OrderFilter>,
    page: Query<PageQuery>,
) -> Result<web::Json<Page<OrderView>>, ApiError> {
    let (before, limit) = page.parse::<OrderId>()?;
    let orders = state.orders.list(&principal, filter.tab, before, limit.probe()).await?;
    Ok(web::Json(Page::from_probe(orders, limit, |order| order.id)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderDetail), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<OrderId>,
) -> Result<web::Json<OrderDetail>, ApiError> {
    Ok(web::Json(state.orders.get(&principal, id.into_inner()).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    reason: Option<String>,
}

/// Cancel an unpaid order; its stock goes back.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CancelRequest, responses((status = 200, body = OrderDetail),
    (status = 409, description = "invalid_transition (with current_status)", body = Problem)))]
pub async fn cancel(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<OrderId>,
    Json(body): Json<CancelRequest>,
) -> Result<web::Json<OrderDetail>, ApiError> {
    let id = id.into_inner();
    state.orders.cancel_by_buyer(&principal, id, body.reason).await?;
    Ok(web::Json(state.orders.get(&principal, id).await?))
}

/// Confirm a shipped order arrived.
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirm-receipt", tag = "orders", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = OrderDetail), (status = 409, body = Problem)))]
pub async fn confirm_receipt(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<OrderId>,
) -> Result<web::Json<OrderDetail>, ApiError> {
    let id = id.into_inner();
    state.orders.confirm_receipt(&principal, id).await?;
    Ok(web::Json(state.orders.get(&principal, id).await?))
}

/// Totals per shop (subtotal, shipping, adjustments) before placing, computed as placing will.
#[utoipa::path(post, path = "/api/v1/checkout/preview", tag = "orders", security(("bearer" = [])),
    request_body = PreviewRequest, responses((status = 200, body = Preview), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(request): Json<PreviewRequest>,
) -> Result<web::Json<Preview>, ApiError> {
    Ok(web::Json(state.orders.preview(&principal, request).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundAsk {
    reason: String,
    /// The units to refund (SKU and quantity); every unit left when absent.
    #[serde(default)]
    lines: Option<Vec<bazaar_checkout::RefundLine>>,
}

/// Ask the shop for a refund of a paid order, or of some of its units: the answer says what it
/// gives back (`amount`: their value less exactly their share of each discount, and the shipping
/// fee with the last units; `points`), and `whole` whether it completes the order's refund.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refund-requests", tag = "orders", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RefundAsk, responses((status = 201, body = RefundRequest),
    (status = 409, description = "invalid_transition, refund_pending, nothing_to_refund", body = Problem), (status = 422, body = Problem)))]
pub async fn request_refund(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<OrderId>,
    Json(body): Json<RefundAsk>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(state.orders.request_refund(&principal, id.into_inner(), body.reason, body.lines).await?))
}
