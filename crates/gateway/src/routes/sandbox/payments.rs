//! `/sandbox/{alipay,wechatpay,unionpay,wallet}/...`: the payment sandboxes, served only with
//! `sandbox = true`. Requests go to the sandbox as raw parts (the providers sign exact bytes).

use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::middleware::problem::ForeignDialect;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_pay_sandbox::{
    Delivery, GatewayAnswer, NotifyOptions, Sandbox, WalletAction, WalletError, WalletOutcome, WireResponse,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; wallet_pay, notifications);
}

/// The providers' own endpoints the adapters call: not part of the API document.
pub fn providers(cfg: &mut web::ServiceConfig) {
    cfg.route("/sandbox/alipay/gateway.do", web::get().to(alipay))
        .route("/sandbox/alipay/gateway.do", web::post().to(alipay))
        .route("/sandbox/wechatpay/{tail:.*}", web::get().to(wechatpay))
        .route("/sandbox/wechatpay/{tail:.*}", web::post().to(wechatpay))
        .route("/sandbox/unionpay/gateway/api/{endpoint}", web::post().to(unionpay))
        .route("/sandbox/wallet/cashier", web::get().to(cashier))
        .route("/sandbox/wallet/cashier", web::post().to(cashier_submit))
        .route("/sandbox/wallet/scan/{token}", web::get().to(scan));
}

fn sandbox(state: &AppState) -> Result<&Sandbox, ApiError> {
    state.pay_sandbox.as_ref().ok_or_else(|| ApiError::not_found("no payment provider is the sandbox here"))
}

/// A provider's answer exactly as the provider would send it (never rewritten to problem+json).
fn reply(wire: WireResponse) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(wire.status).unwrap_or(StatusCode::OK));
    response.content_type(wire.content_type);
    for (name, value) in wire.headers {
        response.insert_header((name, value));
    }
    let mut response = response.body(wire.body);
    response.extensions_mut().insert(ForeignDialect);
    response
}

fn form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// Alipay's `gateway.do`: query string (GET, as SDKs and wap links use it) and form body alike.
pub async fn alipay(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let mut params = form(req.query_string().as_bytes());
    params.extend(form(&body));
    Ok(match sandbox(&state)?.alipay_gateway(params) {
        GatewayAnswer::Json(wire) => reply(wire),
        GatewayAnswer::Redirect(location) => HttpResponse::Found().insert_header(("location", location)).finish(),
    })
}

/// WeChat Pay API v3; the signed path is the one after `/sandbox/wechatpay`.
pub async fn wechatpay(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let path = req.path().strip_prefix("/sandbox/wechatpay").unwrap_or(req.path());
    let signed_path = match req.query_string() {
        "" => path.to_string(),
        query => format!("{path}?{query}"),
    };
    let authorization = req.headers().get("authorization").and_then(|value| value.to_str().ok());
    Ok(reply(sandbox(&state)?.wechat(req.method().as_str(), &signed_path, authorization, &body)))
}

pub async fn unionpay(
    state: web::Data<AppState>,
    endpoint: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    Ok(reply(sandbox(&state)?.unionpay(&endpoint, form(&body))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletPay {
    /// What the merchant gave the phone: Alipay order string, QR code content, WeChat prepay id or
    /// code URL, UnionPay tn, or a cashier link.
    pub reference: String,
    /// `pay` (default) or `decline`.
    #[schema(value_type = Option<String>)]
    pub action: Option<WalletAction>,
    /// Send no notification at all.
    #[serde(default)]
    pub silent: bool,
    /// Send this many copies of the notification at once.
    #[serde(default)]
    pub duplicates: u32,
    /// Follow the notification with a stale "not paid yet" one.
    #[serde(default)]
    pub out_of_order: bool,
}

/// The sandbox phone pays (or declines) a pending payment; the provider then notifies the merchant
/// over HTTP, retrying on its schedule until acknowledged.
#[utoipa::path(post, path = "/sandbox/wallet/pay", tag = "sandbox", request_body = WalletPay,
    responses((status = 200, body = Object), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)))]
pub async fn wallet_pay(
    state: web::Data<AppState>,
    Json(body): Json<WalletPay>,
) -> Result<web::Json<WalletOutcome>, ApiError> {
    let options =
        NotifyOptions { silent: body.silent, duplicates: body.duplicates.min(50), out_of_order: body.out_of_order };
    let action = body.action.unwrap_or(WalletAction::Pay);
    sandbox(&state)?.wallet(&body.reference, action, &options).map(web::Json).map_err(|err| match err {
        WalletError::UnknownReference => ApiError::not_found(err.to_string()),
        WalletError::BadOrderString(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", err.to_string()).with_field("reference")
        }
        WalletError::NotPayable(_) => ApiError::new(StatusCode::CONFLICT, "not_payable", err.to_string()),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TradeQuery {
    out_trade_no: String,
}

/// The notifications the sandbox providers sent for a trade, with their delivery attempts.
#[utoipa::path(get, path = "/sandbox/wallet/notifications", tag = "sandbox", params(TradeQuery),
    responses((status = 200, body = [Object])))]
pub async fn notifications(
    state: web::Data<AppState>,
    query: Query<TradeQuery>,
) -> Result<web::Json<Vec<Delivery>>, ApiError> {
    Ok(web::Json(sandbox(&state)?.deliveries(&query.out_trade_no)))
}

#[derive(Deserialize)]
pub struct CashierQuery {
    reference: String,
    redirect_url: Option<String>,
}

/// The cashier page a phone browser opens (wap/h5 links, scanned QR codes).
pub async fn cashier(state: web::Data<AppState>, query: Query<CashierQuery>) -> Result<HttpResponse, ApiError> {
    Ok(reply(sandbox(&state)?.cashier_page(&query.reference, query.redirect_url.as_deref())))
}

pub async fn scan(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(reply(sandbox(&state)?.cashier_page(&token, None)))
}

#[derive(Deserialize)]
pub struct CashierForm {
    reference: String,
    action: WalletAction,
    #[serde(default)]
    redirect_url: String,
}

pub async fn cashier_submit(
    state: web::Data<AppState>,
    body: web::Form<CashierForm>,
) -> Result<HttpResponse, ApiError> {
    let back = Some(body.redirect_url.as_str()).filter(|url| !url.is_empty());
    Ok(reply(sandbox(&state)?.cashier_submit(&body.reference, body.action, back)))
}
