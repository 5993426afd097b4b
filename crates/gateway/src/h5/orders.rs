//! Checkout, paying, and the buyer's orders: the address picker and form, per-shop totals, the
//! provider's H5 page, and an order's page with the actions its state allows.

use super::browse::{TokenForm, chrome};
use super::profile::{AddressForm, refused_field};
use super::visitor::{State, Visitor, random_token};
use super::{failure, forged, page, see_other, signed_in_form, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_checkout::{OrderTab, PlaceOrder, PreviewRequest};
use bazaar_core::ids::{AddressId, CheckoutId, OrderId};
use bazaar_identity::{AddressInput, Principal};
use bazaar_storefront::render;
use bazaar_storefront::views::{CheckoutPage, OrderPage, OrdersPage, providers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/checkout", web::get().to(checkout))
        .route("/m/checkout", web::post().to(place))
        .route("/m/checkout/address", web::post().to(add_address))
        .route("/m/orders", web::get().to(orders))
        .route("/m/orders/{id}", web::get().to(order))
        .route("/m/orders/{id}/pay", web::post().to(pay))
        .route("/m/orders/{id}/cancel", web::post().to(cancel))
        .route("/m/orders/{id}/receive", web::post().to(receive))
        .route("/m/orders/{id}/refund", web::post().to(refund));
}

/// The checkout page paying `points` (none when `0`), with `error` (field, message) and the
/// address form's `draft` when a form was refused. Points the preview refuses are shown refused
/// at their field, and the page priced without them.
async fn checkout_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    status: StatusCode,
    points: i64,
    refused: Option<((String, String), AddressInput)>,
) -> HttpResponse {
    let preview_with = |points: i64| {
        let points = Some(points).filter(|points| *points > 0);
        state.orders.preview(principal, PreviewRequest { items: None, coupon_ids: None, points })
    };
    let loaded = async {
        let addresses = state.identity.addresses(principal).await?;
        let balance = state.promotions.points(principal).await.map(|points| points.balance).unwrap_or(0);
        let (preview, points_refused) = match preview_with(points).await.map_err(ApiError::from) {
            Ok(preview) => (preview, None),
            Err(err) if points > 0 && err.status().is_client_error() => {
                (preview_with(0).await?, Some(("points".to_string(), err.problem().detail.clone())))
            }
            Err(err) => return Err(err),
        };
        Ok::<_, ApiError>((addresses, balance, preview, points_refused))
    };
    match loaded.await {
        Ok((addresses, balance, preview, points_refused)) => {
            let chrome = chrome(&visitor, state).await;
            let offered = providers(chrome.t, &state.payments.provider_names());
            let mut view = CheckoutPage::new(chrome, &addresses, &preview, offered, random_token());
            view.points_balance = balance;
            view.points_used = if points_refused.is_some() { 0 } else { points };
            let mut status = status;
            if let Some(error) = points_refused {
                (view.error, status) = (Some(error), StatusCode::UNPROCESSABLE_ENTITY);
            }
            if let Some((error, draft)) = refused {
                view.error = Some(error);
                view.draft = draft;
            }
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

#[derive(serde::Deserialize)]
struct CheckoutQuery {
    points: Option<String>,
}

/// Points a form or link asks to pay with: a whole number, else none.
fn points_of(raw: Option<&str>) -> i64 {
    raw.and_then(|raw| raw.trim().parse::<i64>().ok()).filter(|points| *points > 0).unwrap_or(0)
}

async fn checkout(req: HttpRequest, state: State, query: web::Query<CheckoutQuery>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, "/m/checkout") };
    checkout_page(visitor, &state, &principal, StatusCode::OK, points_of(query.points.as_deref()), None).await
}

async fn add_address(req: HttpRequest, state: State, form: web::Form<AddressForm>) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/checkout").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let input = form.into_inner().into_input();
    let draft = input.clone();
    match state.identity.add_address(&principal, input).await.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other("/m/checkout")),
        Err(err) if err.status().is_client_error() => {
            let status = err.status();
            checkout_page(visitor, &state, &principal, status, 0, Some((refused_field(&err), draft))).await
        }
        Err(err) => failure(visitor, err),
    }
}

#[derive(serde::Deserialize)]
struct PlaceForm {
    #[serde(default)]
    csrf: String,
    /// Generated with the page: a double tap, or a reload of the answer, places once.
    #[serde(default)]
    key: String,
    #[serde(default)]
    address_id: String,
    #[serde(default)]
    provider: String,
    /// Points to pay with, as the page priced them.
    #[serde(default)]
    points: String,
}

async fn place(req: HttpRequest, state: State, form: web::Form<PlaceForm>) -> HttpResponse {
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, "/m/checkout").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let refused = |field: &str, message: String| Some(((field.to_string(), message), AddressInput::default()));
    let points = points_of(Some(form.points.as_str()));
    let Ok(address) = form.address_id.trim().parse::<i64>() else {
        let message = visitor.lang.messages().no_address.to_string();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return checkout_page(visitor, &state, &principal, status, points, refused("address_id", message)).await;
    };
    let key = if form.key.is_empty() || form.key.len() > 128 { random_token() } else { form.key.clone() };
    let request = PlaceOrder {
        address_id: AddressId::from(address),
        items: None,
        coupon_ids: None,
        points: Some(points).filter(|points| *points > 0),
    };
    let credit = crate::routes::campaigns::credit_alongside(&state, &req);
    let placed = match state.orders.place(&principal, key, request, credit).await {
        Ok((placed, _)) => placed,
        Err(err) => {
            let err = ApiError::from(err);
            if err.status().is_server_error() {
                return failure(visitor, err);
            }
            let field = if err.problem().field.as_deref() == Some("address_id") { "address_id" } else { "order" };
            let message = err.problem().detail.clone();
            return checkout_page(visitor, &state, &principal, err.status(), points, refused(field, message)).await;
        }
    };
    let first = placed.orders.first().map(|order| order.id);
    let Some(first) = first else { return visitor.finish(see_other("/m/orders")) };
    to_provider(visitor, &state, &principal, placed.checkout_id, &form.provider, first).await
}

/// Opens the trade for the checkout's unpaid orders and sends the browser to the provider's H5
/// page; if that fails, to the order's page, which says why and offers to pay again.
pub(super) async fn to_provider(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    checkout: CheckoutId,
    provider: &str,
    order: OrderId,
) -> HttpResponse {
    match state.payments.create(principal, checkout, provider, "h5").await {
        Ok(payment) => match pay_link(state, &payment.pay) {
            Some(link) => visitor.finish(see_other(&link)),
            None => order_page(visitor, state, principal, order, Some(no_page_error())).await,
        },
        Err(err) => {
            let err = ApiError::from(err);
            if err.status().is_server_error() {
                return failure(visitor, err);
            }
            order_page(visitor, state, principal, order, Some(err.problem().detail.clone())).await
        }
    }
}

pub(super) fn no_page_error() -> String {
    "this provider has no mobile web page here; choose another".into()
}

/// Where a phone browser pays: Alipay's wap URL, WeChat Pay's `h5_url`; UnionPay answers only a
/// `tn` for its app, which only the sandbox's cashier can open in a browser.
pub(super) fn pay_link(state: &State, pay: &serde_json::Value) -> Option<String> {
    let text = |key: &str| pay.get(key).and_then(|value| value.as_str()).map(str::to_string);
    text("url").or_else(|| text("h5_url")).or_else(|| {
        let tn = text("tn")?;
        state
            .pay_sandbox
            .is_some()
            .then(|| format!("/sandbox/wallet/cashier?reference={}", bazaar_storefront::views::encode(&tn)))
    })
}

#[derive(serde::Deserialize)]
struct OrdersQuery {
    #[serde(default)]
    tab: String,
}

async fn orders(req: HttpRequest, state: State, query: web::Query<OrdersQuery>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, "/m/orders") };
    // An unknown tab (a hand-edited link) shows every order rather than an error page.
    let tab: Option<OrderTab> = serde_json::from_value(serde_json::Value::String(query.tab.clone())).ok();
    let chosen = if tab.is_some() { query.tab.as_str() } else { "" };
    match state.orders.list(&principal, tab, None, 50).await {
        Ok(list) => {
            let view = OrdersPage::new(chrome(&visitor, &state).await, &list, chosen);
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

pub(super) async fn order_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    id: OrderId,
    error: Option<String>,
) -> HttpResponse {
    match state.orders.get(principal, id).await {
        Ok(detail) => {
            let chrome = chrome(&visitor, state).await;
            let offered = providers(chrome.t, &state.payments.provider_names());
            let mut view = OrderPage::new(chrome, &detail, offered);
            let status = if error.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
            view.error = error;
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

async fn order(req: HttpRequest, state: State, id: web::Path<OrderId>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = id.into_inner();
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &format!("/m/orders/{id}")) };
    order_page(visitor, &state, &principal, id, None).await
}

/// A pay button's form: the provider chosen.
#[derive(serde::Deserialize)]
pub(super) struct PayForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub provider: String,
}

async fn pay(req: HttpRequest, state: State, id: web::Path<OrderId>, form: web::Form<PayForm>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = id.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &format!("/m/orders/{id}")) };
    match state.orders.get(&principal, id).await {
        Ok(detail) => to_provider(visitor, &state, &principal, detail.order.checkout_id, &form.provider, id).await,
        Err(err) => failure(visitor, err.into()),
    }
}

/// After an order action: back to the order, or its page with the refusal.
async fn after_action(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    id: OrderId,
    done: Result<(), ApiError>,
) -> HttpResponse {
    match done {
        Ok(()) => visitor.finish(see_other(&format!("/m/orders/{id}"))),
        Err(err) if err.status().is_server_error() => failure(visitor, err),
        Err(err) => order_page(visitor, state, principal, id, Some(err.problem().detail.clone())).await,
    }
}

async fn cancel(req: HttpRequest, state: State, id: web::Path<OrderId>, form: TokenForm) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = id.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &format!("/m/orders/{id}")) };
    let done = state.orders.cancel_by_buyer(&principal, id, None).await.map_err(ApiError::from);
    after_action(visitor, &state, &principal, id, done).await
}

async fn receive(req: HttpRequest, state: State, id: web::Path<OrderId>, form: TokenForm) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = id.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &format!("/m/orders/{id}")) };
    let done = state.orders.confirm_receipt(&principal, id).await.map_err(ApiError::from);
    after_action(visitor, &state, &principal, id, done).await
}

#[derive(serde::Deserialize)]
struct RefundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn refund(req: HttpRequest, state: State, id: web::Path<OrderId>, form: web::Form<RefundForm>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = id.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &format!("/m/orders/{id}")) };
    let reason = form.reason.trim().to_string();
    let done = state.orders.request_refund(&principal, id, reason, None).await.map(|_| ()).map_err(ApiError::from);
    after_action(visitor, &state, &principal, id, done).await
}
