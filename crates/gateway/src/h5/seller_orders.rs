//! The console's orders: a shop's orders by state with a shipping form on each paid one, and its
//! refund requests to approve or reject. Checkout decides who may do what (owner and staff); a
//! refused form comes back with the reason next to the order it was for.

use super::visitor::{State, Visitor};
use super::{failure, page, see_other, shown_on_form, signed_in_form, to_sign_in};
use crate::error::ApiError;
use crate::routes::checkout::seller_orders::ship_and_tell;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_checkout::OrderStatus;
use bazaar_core::ids::{OrderId, RefundRequestId, ShopId};
use bazaar_identity::Principal;
use bazaar_storefront::render;
use bazaar_storefront::views::{SellerOrdersPage, SellerRefundsPage};

/// Orders one page of the console lists.
const LISTED: i64 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/seller/shops/{shop}/orders", web::get().to(orders))
        .route("/seller/orders/{id}/ship", web::post().to(ship))
        .route("/seller/shops/{shop}/refunds", web::get().to(refunds))
        .route("/seller/refund-requests/{id}/decide", web::post().to(decide));
}

/// The name of a shop the visitor works for, as identity answers it ("not found" for any other).
pub async fn member_shop_name(state: &State, principal: &Principal, shop: ShopId) -> Result<String, ApiError> {
    Ok(state.identity.member_shop(principal, shop).await?.shop.name)
}

#[derive(serde::Deserialize)]
struct OrdersQuery {
    status: Option<String>,
}

/// `paid` (to ship) unless the link names another state or `all`; an unknown one shows all.
fn chosen_status(query: Option<&str>) -> Option<OrderStatus> {
    match query {
        None | Some("") => Some(OrderStatus::Paid),
        Some(raw) => OrderStatus::parse(raw),
    }
}

async fn orders_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    shop: ShopId,
    status: Option<OrderStatus>,
    refused: Option<(StatusCode, i64, String)>,
) -> HttpResponse {
    let loaded = async {
        let name = member_shop_name(state, principal, shop).await?;
        let wanted = status.map(|status| status.as_str().to_string());
        let orders = state.orders.shop_orders(principal, shop, wanted, (None, None), None, LISTED).await?;
        Ok::<_, ApiError>((name, orders))
    };
    match loaded.await {
        Ok((name, orders)) => {
            let mut view = SellerOrdersPage::new(visitor.chrome(), shop.0, name, &orders, status);
            let mut code = StatusCode::OK;
            if let Some((refused_status, order, message)) = refused {
                (code, view.error) = (refused_status, Some((order, message)));
            }
            page(visitor, code, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn orders(
    req: HttpRequest,
    state: State,
    shop: web::Path<ShopId>,
    query: web::Query<OrdersQuery>,
) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let shop = shop.into_inner();
    let here = visitor.here.clone();
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &here) };
    orders_page(visitor, &state, &principal, shop, chosen_status(query.status.as_deref()), None).await
}

#[derive(serde::Deserialize)]
struct ShipForm {
    #[serde(default)]
    csrf: String,
    shop_id: ShopId,
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking_number: String,
}

async fn ship(req: HttpRequest, state: State, id: web::Path<OrderId>, form: web::Form<ShipForm>) -> HttpResponse {
    let form = form.into_inner();
    let back = format!("/seller/shops/{}/orders", form.shop_id);
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let order = id.into_inner();
    match ship_and_tell(&state, &principal, order, form.carrier, form.tracking_number).await {
        Ok(()) => visitor.finish(see_other(&back)),
        Err(err) if shown_on_form(&err) => {
            let refused = Some((err.status(), order.0, err.problem().detail.clone()));
            orders_page(visitor, &state, &principal, form.shop_id, Some(OrderStatus::Paid), refused).await
        }
        Err(err) => failure(visitor, err),
    }
}

async fn refunds_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    shop: ShopId,
    refused: Option<(StatusCode, i64, String)>,
) -> HttpResponse {
    let loaded = async {
        let name = member_shop_name(state, principal, shop).await?;
        Ok::<_, ApiError>((name, state.orders.shop_refunds(principal, shop).await?))
    };
    match loaded.await {
        Ok((name, requests)) => {
            let mut view = SellerRefundsPage::new(visitor.chrome(), shop.0, name, &requests);
            let mut code = StatusCode::OK;
            if let Some((refused_status, request, message)) = refused {
                (code, view.error) = (refused_status, Some((request, message)));
            }
            page(visitor, code, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn refunds(req: HttpRequest, state: State, shop: web::Path<ShopId>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let shop = shop.into_inner();
    let here = visitor.here.clone();
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &here) };
    refunds_page(visitor, &state, &principal, shop, None).await
}

#[derive(serde::Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    shop_id: ShopId,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    req: HttpRequest,
    state: State,
    id: web::Path<RefundRequestId>,
    form: web::Form<DecideForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let back = format!("/seller/shops/{}/refunds", form.shop_id);
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let request = id.into_inner();
    let approve = form.decision == "approve";
    let reason = Some(form.reason.trim().to_string()).filter(|reason| !reason.is_empty());
    let decided = async {
        let decided = state.orders.decide_refund(&principal, request, approve, reason).await?;
        if approve {
            state.payments.send_approved_refund(decided).await;
        }
        Ok::<_, ApiError>(())
    };
    match decided.await {
        Ok(()) => visitor.finish(see_other(&back)),
        Err(err) if shown_on_form(&err) => {
            let refused = Some((err.status(), request.0, err.problem().detail.clone()));
            refunds_page(visitor, &state, &principal, form.shop_id, refused).await
        }
        Err(err) => failure(visitor, err),
    }
}
