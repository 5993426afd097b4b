//! Face-to-face payments: a seller's counter request (shown as a QR code) and the buyer paying it.

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::routes::endpoint::Endpoints;
use crate::routes::payments::trades::PayWith;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bazaar_core::Money;
use bazaar_core::ids::ShopId;
use bazaar_payments::{InStoreRequest, InStoreView, PaymentView};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; create, get, pay);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInStore {
    /// Yuan with at most two decimals, as a string (`"38.50"`).
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[serde(default)]
    pub note: String,
}

/// A shop member asks for an amount at the counter; show `qr_content` as a QR code.
#[utoipa::path(post, path = "/api/v1/seller/shops/{shop_id}/in-store-payments", tag = "seller", security(("bearer" = [])),
    params(("shop_id" = i64, Path)), request_body = CreateInStore,
    responses((status = 201, body = InStoreView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    shop_id: web::Path<ShopId>,
    Json(body): Json<CreateInStore>,
) -> Result<HttpResponse, ApiError> {
    let amount = Money::parse_exact(body.amount).map_err(|err| {
        ApiError::new(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", err.to_string())
            .with_field("amount")
    })?;
    let request = InStoreRequest { amount, note: body.note };
    let created = state.payments.create_in_store(&principal, shop_id.into_inner(), request).await?;
    Ok(HttpResponse::Created().json(created))
}

/// What the buyer's phone shows after scanning the counter's code.
#[utoipa::path(get, path = "/api/v1/in-store/{code}", tag = "payments", security(("bearer" = [])),
    params(("code" = String, Path)), responses((status = 200, body = InStoreView), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    Auth(_principal): Auth,
    code: web::Path<String>,
) -> Result<web::Json<InStoreView>, ApiError> {
    Ok(web::Json(state.payments.in_store(code.into_inner()).await?))
}

/// Pay the counter request: it becomes the buyer's order in that shop, and a trade opens for it.
#[utoipa::path(post, path = "/api/v1/in-store/{code}/pay", tag = "payments", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = PayWith,
    responses((status = 201, body = PaymentView), (status = 404, body = Problem),
    (status = 409, description = "invalid_payment_state: another buyer took it", body = Problem),
    (status = 410, body = Problem), (status = 422, body = Problem)))]
pub async fn pay(
    state: web::Data<AppState>,
    Auth(principal): Auth,
    code: web::Path<String>,
    Json(body): Json<PayWith>,
) -> Result<HttpResponse, ApiError> {
    let payment = state.payments.pay_in_store(&principal, code.into_inner(), &body.provider, &body.channel).await?;
    Ok(HttpResponse::Created().json(payment))
}
