//! `/api/v1/payments`: open a trade for a checkout, read it, share it for someone else to pay
//! (pay-for-another), and the providers' asynchronous notifications.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::middleware::problem::ForeignDialect;
use crate::page::Page;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_core::ids::{CheckoutId, PaymentId};
use bazaar_payments::provider::RawNotification;
use bazaar_payments::{PaymentView, ShareView, SharedCheckout, StoredNotification};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, notify, get, share, shared, pay_shared, notifications, notifications_with);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    pub checkout_id: CheckoutId,
    /// `alipay`, `wechatpay` or `unionpay`.
    pub provider: String,
    /// `app` (the provider's app), `qr` (face-to-face QR code) or `h5` (mobile web page).
    pub channel: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayWith {
    pub provider: String,
    pub channel: String,
}

/// Open a trade for the checkout's unpaid orders; the answer's `pay` is what the phone hands to the
/// provider's SDK, shows as a QR code, or opens. Asking again with the same provider and channel
/// returns the same trade; another provider or channel replaces it (the old one is closed).
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", security(("bearer" = [])), request_body = CreatePayment,
    responses((status = 201, body = PaymentView), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 410, description = "expired", body = Problem), (status = 422, body = Problem),
    (status = 502, description = "provider_refused, provider_unavailable", body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    Json(body): Json<CreatePayment>,
) -> Result<HttpResponse, ApiError> {
    let payment = state.payments.create(&principal, body.checkout_id, &body.provider, &body.channel).await?;
    Ok(HttpResponse::Created().json(payment))
}

/// A payment, for the buyer whose orders it pays or the friend paying it.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = PaymentView), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<PaymentId>,
) -> Result<web::Json<PaymentView>, ApiError> {
    Ok(web::Json(state.payments.get(&principal, id.into_inner()).await?))
}

/// Pay for another (代付): a code and link for this payment's unpaid orders, valid until they stop
/// waiting for payment.
#[utoipa::path(post, path = "/api/v1/payments/{id}/share", tag = "payments", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 201, body = ShareView), (status = 404, body = Problem),
    (status = 409, body = Problem)))]
pub async fn share(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(state.payments.share(&principal, id.into_inner()).await?))
}

/// What a shared code asks to be paid: the items and the amount (signed-in users).
#[utoipa::path(get, path = "/api/v1/pay-for-another/{code}", tag = "payments", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = SharedCheckout), (status = 404, body = Problem), (status = 410, body = Problem)))]
pub async fn shared(
    state: web::Data<AppState>,
    Auth(_principal): Auth,
    code: web::Path<String>,
) -> Result<web::Json<SharedCheckout>, ApiError> {
    Ok(web::Json(state.payments.shared(code.into_inner()).await?))
}

/// Pay a shared checkout with your own wallet; the orders record you as the payer.
#[utoipa::path(post, path = "/api/v1/pay-for-another/{code}/pay", tag = "payments", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = PayWith,
    responses((status = 201, body = PaymentView), (status = 404, body = Problem), (status = 410, body = Problem),
    (status = 422, body = Problem)))]
pub async fn pay_shared(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    code: web::Path<String>,
    Json(body): Json<PayWith>,
) -> Result<HttpResponse, ApiError> {
    let payment = state.payments.pay_shared(&principal, code.into_inner(), &body.provider, &body.channel).await?;
    Ok(HttpResponse::Created().json(payment))
}

/// A provider's asynchronous notification. Verified (signature over the raw bytes, our merchant
/// id, trade number, amount, currency), applied once, stored whatever it was; answered in the
/// provider's dialect (`success`, 204, `ok`) so it stops retrying, or refused so it does.
#[utoipa::path(post, path = "/api/v1/payments/notify/{provider}", tag = "payments",
    params(("provider" = String, Path)),
    responses((status = 200, description = "acknowledged (Alipay, UnionPay)"), (status = 204, description = "acknowledged (WeChat Pay)"),
    (status = 400, description = "rejected"), (status = 404, body = Problem)))]
pub async fn notify(
    state: web::Data<AppState>,
    provider: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let headers = req
        .headers()
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|value| (name.as_str().to_string(), value.to_string())))
        .collect();
    let raw = RawNotification { headers, body: body.to_vec() };
    let source = crate::auth::client_ip(&req, &state.config);
    let ack = state.payments.notify(&provider, raw, source.as_deref()).await.map_err(|err| match err {
        bazaar_payments::PaymentError::ProviderUnavailable(_) => ApiError::not_found(err.to_string()),
        other => other.into(),
    })?;
    let mut response = HttpResponse::build(StatusCode::from_u16(ack.status).unwrap_or(StatusCode::OK))
        .content_type(ack.content_type)
        .body(ack.body);
    // The provider reads its own dialect (`fail`, `{"code":"FAIL"}`), not problem+json.
    response.extensions_mut().insert(ForeignDialect);
    Ok(response)
}

/// Every notification received for a payment, as it arrived, with what became of it (admins).
#[utoipa::path(get, path = "/api/v1/admin/payments/{id}/notifications", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Page<StoredNotification>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn notifications(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    id: web::Path<PaymentId>,
) -> Result<web::Json<Page<StoredNotification>>, ApiError> {
    Ok(web::Json(Page::whole(state.payments.notifications(&principal, id.into_inner()).await?)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeQuery {
    /// `rejected` (forged or mismatching: the security review queue), `applied`, `duplicate`,
    /// `ignored`, `closed` or `failed`.
    outcome: String,
}

/// The newest stored notifications with an outcome, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/payment-notifications", tag = "admin", security(("bearer" = [])),
    params(OutcomeQuery), responses((status = 200, body = Page<StoredNotification>), (status = 403, body = Problem)))]
pub async fn notifications_with(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    query: Query<OutcomeQuery>,
) -> Result<web::Json<Page<StoredNotification>>, ApiError> {
    Ok(web::Json(Page::whole(state.payments.notifications_with(&principal, query.into_inner().outcome).await?)))
}
