//! The pages a shared link and a counter QR code open: a friend paying for someone's orders
//! (`/m/pay-for-another/{code}`) and a buyer paying a shop's counter request (`/m/in-store/{code}`).
//! Anyone may look; paying needs a sign-in, which comes back here.

use super::orders::{PayForm, pay_link};
use super::visitor::{State, Visitor};
use super::{failure, forged, page, see_other, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_payments::PaymentView;
use bazaar_storefront::render;
use bazaar_storefront::views::{InStorePage, PayForAnotherPage, PaymentResultPage, china_time, providers, yuan};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/pay-for-another/{code}", web::get().to(shared))
        .route("/m/pay-for-another/{code}", web::post().to(pay_shared))
        .route("/m/in-store/{code}", web::get().to(in_store))
        .route("/m/in-store/{code}", web::post().to(pay_in_store))
        .route("/m/payments/{out_trade_no}", web::get().to(returned));
}

/// Where a provider's H5 page sends the browser back (the trade's `return_url`). The owner goes on
/// to the order, which shows the outcome; a friend who paid sees how the payment stands. The
/// provider's notification, not this visit, is what marks anything paid.
async fn returned(req: HttpRequest, state: State, out_trade_no: web::Path<String>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let here = visitor.here.clone();
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &here) };
    let payment = match state.payments.by_trade_number(&principal, out_trade_no.into_inner()).await {
        Ok(payment) => payment,
        Err(err) => return failure(visitor, err.into()),
    };
    if payment.owner_id == principal.user_id {
        let to = match payment.order_ids.as_slice() {
            [one] => format!("/m/orders/{one}"),
            _ => "/m/orders".to_string(),
        };
        return visitor.finish(see_other(&to));
    }
    let outcome = if payment.is_paid() {
        "paid"
    } else if payment.is_pending() {
        "pending"
    } else {
        "ended"
    };
    let view = PaymentResultPage { chrome: visitor.chrome(), amount: yuan(payment.amount), outcome, here };
    page(visitor, StatusCode::OK, render(&view))
}

async fn shared_page(visitor: Visitor, state: &State, code: String, error: Option<ApiError>) -> HttpResponse {
    match state.payments.shared(code).await {
        Ok(shared) => {
            let chrome = visitor.chrome();
            let view = PayForAnotherPage {
                providers: providers(chrome.t, &state.payments.provider_names()),
                code: shared.code,
                requested_by: shared.requested_by,
                items: shared
                    .items
                    .into_iter()
                    .map(|item| (item.title, item.quantity, yuan(item.unit_price)))
                    .collect(),
                amount: yuan(shared.amount),
                expires_at: china_time(shared.expires_at),
                error: error.as_ref().map(|err| err.problem().detail.clone()),
                chrome,
            };
            let status = error.map_or(StatusCode::OK, |err| err.status());
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

async fn shared(req: HttpRequest, state: State, code: web::Path<String>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    shared_page(visitor, &state, code.into_inner(), None).await
}

async fn pay_shared(req: HttpRequest, state: State, code: web::Path<String>, form: web::Form<PayForm>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let code = code.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let here = format!("/m/pay-for-another/{code}");
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &here) };
    match state.payments.pay_shared(&principal, code.clone(), &form.provider, "h5").await {
        Ok(payment) => {
            to_pay_page(visitor, &state, &payment, |visitor, err| shared_page(visitor, &state, code, Some(err))).await
        }
        Err(err) => refused(visitor, err.into(), |visitor, err| shared_page(visitor, &state, code, Some(err))).await,
    }
}

async fn in_store_page(visitor: Visitor, state: &State, code: String, error: Option<ApiError>) -> HttpResponse {
    match state.payments.in_store(code).await {
        Ok(request) => {
            let chrome = visitor.chrome();
            let view = InStorePage {
                providers: providers(chrome.t, &state.payments.provider_names()),
                code: request.code,
                shop_href: format!("/m/shops/{}", request.shop_id),
                shop_name: request.shop_name,
                amount: yuan(request.amount),
                note: request.note,
                expires_at: china_time(request.expires_at),
                order_href: request.order_id.map(|id| format!("/m/orders/{id}")),
                error: error.as_ref().map(|err| err.problem().detail.clone()),
                chrome,
            };
            let status = error.map_or(StatusCode::OK, |err| err.status());
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

async fn in_store(req: HttpRequest, state: State, code: web::Path<String>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    in_store_page(visitor, &state, code.into_inner(), None).await
}

async fn pay_in_store(
    req: HttpRequest,
    state: State,
    code: web::Path<String>,
    form: web::Form<PayForm>,
) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let code = code.into_inner();
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let here = format!("/m/in-store/{code}");
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &here) };
    match state.payments.pay_in_store(&principal, code.clone(), &form.provider, "h5").await {
        Ok(payment) => {
            to_pay_page(visitor, &state, &payment, |visitor, err| in_store_page(visitor, &state, code, Some(err))).await
        }
        Err(err) => refused(visitor, err.into(), |visitor, err| in_store_page(visitor, &state, code, Some(err))).await,
    }
}

/// To the provider's H5 page, or back to the page with why not.
async fn to_pay_page<F, Fut>(visitor: Visitor, state: &State, payment: &PaymentView, again: F) -> HttpResponse
where
    F: FnOnce(Visitor, ApiError) -> Fut,
    Fut: std::future::Future<Output = HttpResponse>,
{
    match pay_link(state, &payment.pay) {
        Some(link) => visitor.finish(see_other(&link)),
        None => {
            let err = ApiError::new(StatusCode::CONFLICT, "no_h5_page", super::orders::no_page_error());
            again(visitor, err).await
        }
    }
}

/// A refusal shown on the page it came from; an outage or a bug is the error page.
async fn refused<F, Fut>(visitor: Visitor, err: ApiError, again: F) -> HttpResponse
where
    F: FnOnce(Visitor, ApiError) -> Fut,
    Fut: std::future::Future<Output = HttpResponse>,
{
    if err.status().is_server_error() || err.status() == StatusCode::NOT_FOUND || err.status() == StatusCode::GONE {
        return failure(visitor, err);
    }
    again(visitor, err).await
}
