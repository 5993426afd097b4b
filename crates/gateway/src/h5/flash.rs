//! A flash sale's page (`/m/flash-sales/{id}`) and buying from it: one order of the sale's SKU at
//! the flash price, then the provider's H5 page. Checkout and promotions keep the sale's quantity
//! and each buyer's limit; the form's idempotency key makes a double tap (or a retried form after
//! a cut connection) buy once.

use super::browse::chrome;
use super::orders::to_provider;
use super::visitor::{State, Visitor, random_token};
use super::{failure, forged, page, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_checkout::BuyNow;
use bazaar_core::ids::{AddressId, FlashSaleId};
use bazaar_storefront::render;
use bazaar_storefront::views::{FlashSalePage, providers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/flash-sales/{id}", web::get().to(sale)).route("/m/flash-sales/{id}", web::post().to(buy));
}

async fn sale_page(visitor: Visitor, state: &State, id: FlashSaleId, refused: Option<ApiError>) -> HttpResponse {
    let loaded = async {
        let sale = state.promotions.flash_sale(id).await?;
        let addresses = match &visitor.principal {
            Some(principal) => state.identity.addresses(principal).await?,
            None => Vec::new(),
        };
        Ok::<_, ApiError>((sale, addresses))
    };
    match loaded.await {
        Ok((sale, addresses)) => {
            let chrome = chrome(&visitor, state).await;
            let offered = providers(chrome.t, &state.payments.provider_names());
            let mut view = FlashSalePage::new(chrome, &sale, &addresses, offered, random_token());
            let status = refused.as_ref().map_or(StatusCode::OK, ApiError::status);
            view.error = refused.map(|err| err.problem().detail.clone());
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn sale(req: HttpRequest, state: State, id: web::Path<FlashSaleId>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    sale_page(visitor, &state, id.into_inner(), None).await
}

#[derive(serde::Deserialize)]
struct BuyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    address_id: String,
    #[serde(default)]
    provider: String,
}

async fn buy(req: HttpRequest, state: State, id: web::Path<FlashSaleId>, form: web::Form<BuyForm>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let id = id.into_inner();
    let Some(principal) = visitor.principal.clone() else {
        return to_sign_in(visitor, &format!("/m/flash-sales/{id}"));
    };
    let form = form.into_inner();
    let refuse = |field: &'static str, message: &str| ApiError::from(bazaar_core::Refusal::invalid(field, message));
    let Ok(address) = form.address_id.trim().parse::<i64>() else {
        let message = visitor.lang.messages().no_address;
        return sale_page(visitor, &state, id, Some(refuse("address_id", message))).await;
    };
    let Ok(quantity) = form.quantity.trim().parse::<i32>() else {
        let message = visitor.lang.messages().quantity;
        return sale_page(visitor, &state, id, Some(refuse("quantity", message))).await;
    };
    let sale = match state.promotions.flash_sale(id).await {
        Ok(sale) => sale,
        Err(err) => return failure(visitor, err.into()),
    };
    let key = if form.key.is_empty() || form.key.len() > 128 { random_token() } else { form.key };
    let request = BuyNow { sku_id: sale.sku_id, quantity, address_id: AddressId::from(address) };
    let credit = crate::routes::campaigns::credit_alongside(&state, &req);
    let bought = state.orders.buy_now(&principal, key, id, request, credit).await.map_err(ApiError::from);
    match bought {
        Ok((placed, _)) => match placed.orders.first().map(|order| order.id) {
            Some(order) => to_provider(visitor, &state, &principal, placed.checkout_id, &form.provider, order).await,
            None => failure(visitor, ApiError::internal(&"a flash order without its order")),
        },
        Err(err) if err.status().is_client_error() => sale_page(visitor, &state, id, Some(err)).await,
        Err(err) => failure(visitor, err),
    }
}
