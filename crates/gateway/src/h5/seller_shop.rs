//! The console's shop pages: settings (catalog's shipping rule and service hours, chat's greeting
//! and away message, saved from one form), staff (identity: add by phone, remove), and a
//! product's stock by SKU with its ledger (catalog). The owning crates decide who may do what.

use super::browse::TokenForm;
use super::seller_orders::member_shop_name;
use super::visitor::{State, Visitor};
use super::{failure, page, see_other, shown_on_form, signed_in_form, signed_in_page};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_catalog::{ShopPatch, StockChange};
use bazaar_chat::ChatSettings;
use bazaar_core::Money;
use bazaar_core::ids::{ProductId, ShopId, SkuId, UserId};
use bazaar_identity::Principal;
use bazaar_storefront::render;
use bazaar_storefront::views::{SettingsDraft, ShopSettingsPage, StaffPage, StockPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/seller/shops/{shop}/settings", web::get().to(settings))
        .route("/seller/shops/{shop}/settings", web::post().to(save_settings))
        .route("/seller/shops/{shop}/staff", web::get().to(staff))
        .route("/seller/shops/{shop}/staff", web::post().to(add_staff))
        .route("/seller/shops/{shop}/staff/{user}/remove", web::post().to(remove_staff))
        .route("/seller/products/{id}/stock", web::get().to(stock))
        .route("/seller/skus/{id}/stock", web::post().to(change_stock));
}

async fn settings_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    shop: ShopId,
    outcome: Result<bool, (StatusCode, (String, String), SettingsDraft)>,
) -> HttpResponse {
    let loaded = async {
        let name = member_shop_name(state, principal, shop).await?;
        let page = state.catalog.shop(shop).await?;
        let chat = state.chat.settings(principal, shop).await?;
        Ok::<_, ApiError>((name, page, chat))
    };
    match loaded.await {
        Ok((shop_name, shop_page, chat)) => {
            let mut view = ShopSettingsPage {
                chrome: visitor.chrome(),
                shop_id: shop.0,
                shop_name,
                draft: SettingsDraft::of(&shop_page, &chat),
                saved: false,
                error: None,
            };
            let status = match outcome {
                Ok(saved) => {
                    view.saved = saved;
                    StatusCode::OK
                }
                Err((status, error, draft)) => {
                    (view.error, view.draft) = (Some(error), draft);
                    status
                }
            };
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

#[derive(serde::Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn settings(
    req: HttpRequest,
    state: State,
    shop: web::Path<ShopId>,
    query: web::Query<SavedQuery>,
) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    settings_page(visitor, &state, &principal, shop.into_inner(), Ok(query.saved.is_some())).await
}

#[derive(serde::Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    shipping_fee: String,
    #[serde(default)]
    free_shipping_from: String,
    #[serde(default)]
    service_hours: String,
    #[serde(default)]
    greeting: String,
    #[serde(default)]
    away_message: String,
}

/// A yuan amount of the form; empty is zero (no fee, no free-shipping threshold).
fn amount(field: &str, raw: &str) -> Result<Money, (String, String)> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Money::ZERO);
    }
    Money::parse_str(raw).map_err(|err| (field.to_string(), err.to_string()))
}

fn text(raw: &str) -> Option<String> {
    Some(raw.trim().to_string()).filter(|text| !text.is_empty())
}

/// Saves both halves or neither: chat's settings first, put back if catalog then refuses the
/// shop's (two owners, two transactions, one form).
async fn save_settings(
    req: HttpRequest,
    state: State,
    shop: web::Path<ShopId>,
    form: web::Form<SettingsForm>,
) -> HttpResponse {
    let shop = shop.into_inner();
    let back = format!("/seller/shops/{shop}/settings");
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let form = form.into_inner();
    let draft = SettingsDraft {
        shipping_fee: form.shipping_fee.clone(),
        free_shipping_from: form.free_shipping_from.clone(),
        service_hours: form.service_hours.clone(),
        greeting: form.greeting.clone(),
        away_message: form.away_message.clone(),
    };
    let amounts = amount("shipping_fee", &form.shipping_fee)
        .and_then(|fee| amount("free_shipping_from", &form.free_shipping_from).map(|free| (fee, free)));
    let (fee, free_from) = match amounts {
        Ok(amounts) => amounts,
        Err(error) => {
            let refused = Err((StatusCode::UNPROCESSABLE_ENTITY, error, draft));
            return settings_page(visitor, &state, &principal, shop, refused).await;
        }
    };
    let before = match state.chat.settings(&principal, shop).await {
        Ok(before) => before,
        Err(err) => return failure(visitor, err.into()),
    };
    let wanted = ChatSettings { greeting: text(&form.greeting), away_message: text(&form.away_message) };
    let patch = ShopPatch {
        shipping_fee: Some(fee),
        free_shipping_from: Some(free_from),
        service_hours: Some(form.service_hours.trim().to_string()),
        ..ShopPatch::default()
    };
    let saved = async {
        state.chat.update_settings(&principal, shop, wanted).await?;
        if let Err(err) = state.catalog.update_shop(&principal, shop, patch).await {
            if let Err(undo) = state.chat.update_settings(&principal, shop, before).await {
                tracing::warn!(%shop, error = %undo, "could not put back the chat settings after the shop's were refused");
            }
            return Err(ApiError::from(err));
        }
        Ok::<_, ApiError>(())
    };
    match saved.await {
        Ok(()) => visitor.finish(see_other(&format!("{back}?saved=1"))),
        Err(err) if shown_on_form(&err) => {
            let field = err.problem().field.clone().unwrap_or_else(|| "greeting".into());
            let refused = Err((err.status(), (field, err.problem().detail.clone()), draft));
            settings_page(visitor, &state, &principal, shop, refused).await
        }
        Err(err) => failure(visitor, err),
    }
}

async fn staff_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    shop: ShopId,
    refused: Option<(StatusCode, String, String)>,
) -> HttpResponse {
    let loaded = async {
        let name = member_shop_name(state, principal, shop).await?;
        Ok::<_, ApiError>((name, state.identity.shop_staff(principal, shop).await?))
    };
    match loaded.await {
        Ok((name, members)) => {
            let mut view = StaffPage::new(visitor.chrome(), shop.0, name, &members);
            let mut status = StatusCode::OK;
            if let Some((refused_status, phone, message)) = refused {
                (status, view.phone, view.error) = (refused_status, phone, Some(message));
            }
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn staff(req: HttpRequest, state: State, shop: web::Path<ShopId>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    staff_page(visitor, &state, &principal, shop.into_inner(), None).await
}

#[derive(serde::Deserialize)]
struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phone: String,
}

async fn add_staff(
    req: HttpRequest,
    state: State,
    shop: web::Path<ShopId>,
    form: web::Form<StaffForm>,
) -> HttpResponse {
    let shop = shop.into_inner();
    let back = format!("/seller/shops/{shop}/staff");
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let phone = form.into_inner().phone;
    // "No such user" belongs at the phone field, not on a page of its own.
    match state.identity.add_shop_staff(&principal, shop, phone.clone()).await.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other(&back)),
        Err(err) if err.status().is_client_error() && err.status() != StatusCode::FORBIDDEN => {
            let refused = Some((err.status(), phone, err.problem().detail.clone()));
            staff_page(visitor, &state, &principal, shop, refused).await
        }
        Err(err) => failure(visitor, err),
    }
}

async fn remove_staff(
    req: HttpRequest,
    state: State,
    path: web::Path<(ShopId, UserId)>,
    form: TokenForm,
) -> HttpResponse {
    let (shop, user) = path.into_inner();
    let back = format!("/seller/shops/{shop}/staff");
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match state.identity.remove_shop_staff(&principal, shop, user).await {
        Ok(()) => visitor.finish(see_other(&back)),
        Err(err) => failure(visitor, err.into()),
    }
}

async fn stock_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    product: ProductId,
    refused: Option<(StatusCode, i64, String)>,
) -> HttpResponse {
    let loaded = async {
        let product = state.catalog.seller_product(principal, product).await?;
        let mut ledgers = Vec::with_capacity(product.skus.len());
        for sku in &product.skus {
            ledgers.push(state.catalog.ledger(principal, sku.id).await?);
        }
        Ok::<_, ApiError>((product, ledgers))
    };
    match loaded.await {
        Ok((product, ledgers)) => {
            let mut view = StockPage::new(visitor.chrome(), &product, &ledgers);
            let mut status = StatusCode::OK;
            if let Some((refused_status, sku, message)) = refused {
                (status, view.error) = (refused_status, Some((sku, message)));
            }
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn stock(req: HttpRequest, state: State, id: web::Path<ProductId>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    stock_page(visitor, &state, &principal, id.into_inner(), None).await
}

#[derive(serde::Deserialize)]
struct StockForm {
    #[serde(default)]
    csrf: String,
    product_id: ProductId,
    #[serde(default)]
    adjust: String,
    #[serde(default)]
    note: String,
}

async fn change_stock(
    req: HttpRequest,
    state: State,
    id: web::Path<SkuId>,
    form: web::Form<StockForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let back = format!("/seller/products/{}/stock", form.product_id);
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let sku = id.into_inner();
    let Ok(adjust) = form.adjust.trim().trim_start_matches('+').parse::<i64>() else {
        let refused =
            Some((StatusCode::UNPROCESSABLE_ENTITY, sku.0, visitor.lang.messages().stock_change_hint.to_string()));
        return stock_page(visitor, &state, &principal, form.product_id, refused).await;
    };
    let change = StockChange { set: None, adjust: Some(adjust), note: form.note.trim().to_string() };
    match state.catalog.change_stock(&principal, sku, change).await.map_err(ApiError::from) {
        Ok(_) => visitor.finish(see_other(&back)),
        Err(err) if shown_on_form(&err) => {
            let refused = Some((err.status(), sku.0, err.problem().detail.clone()));
            stock_page(visitor, &state, &principal, form.product_id, refused).await
        }
        Err(err) => failure(visitor, err),
    }
}
