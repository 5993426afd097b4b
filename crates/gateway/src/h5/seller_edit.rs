//! The console's product editing (words, options, each SKU's price; a kept SKU keeps its stock and
//! history) and
//! bulk import (CSV pasted into the form; catalog checks every product and reports each).

use super::seller_orders::member_shop_name;
use super::visitor::{State, Visitor};
use super::{failure, forged, page, see_other, shown_on_form, signed_in_page, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_catalog::{ProductPatch, SkuInput};
use bazaar_core::Money;
use bazaar_core::ids::{ProductId, ShopId};
use bazaar_identity::Principal;
use bazaar_storefront::render;
use bazaar_storefront::views::{EditProductPage, ImportPage};
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/seller/products/{id}/edit", web::get().to(edit))
        .route("/seller/products/{id}/edit", web::post().to(save))
        .route("/seller/shops/{shop}/import", web::get().to(import_form))
        .route("/seller/shops/{shop}/import", web::post().to(import));
}

#[derive(serde::Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn edit(req: HttpRequest, state: State, id: web::Path<ProductId>, query: web::Query<SavedQuery>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    match state.catalog.seller_product(&principal, id.into_inner()).await {
        Ok(product) => {
            let mut view = EditProductPage::new(visitor.chrome(), &product);
            view.saved = query.saved.is_some();
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

/// A yuan amount of the form, or why not (named by the field).
fn price(field: &str, raw: &str) -> Result<Money, String> {
    Money::parse_str(raw.trim()).map_err(|err| format!("{field}: {err}"))
}

async fn save(
    req: HttpRequest,
    state: State,
    id: web::Path<ProductId>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let form = form.into_inner();
    let field = |name: &str| form.get(name).map(|value| value.trim().to_string()).unwrap_or_default();
    if !visitor.csrf_ok(&field("csrf")) {
        return forged(visitor);
    }
    let id = id.into_inner();
    let back = format!("/seller/products/{id}/edit");
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &back) };
    let product = match state.catalog.seller_product(&principal, id).await {
        Ok(product) => product,
        Err(err) => return failure(visitor, err.into()),
    };
    // The options as edited; every combination a SKU. One that stays is sent with its own options
    // and its price from the form, so catalog keeps its stock and history; a new one takes the
    // form's price and stock for new combinations.
    let named = [1, 2].map(|at| (field(&format!("spec{at}_name")), field(&format!("spec{at}_values"))));
    let specs = super::seller::dimensions(&[(&named[0].0, &named[0].1), (&named[1].0, &named[1].1)]);
    let skus: Result<Vec<SkuInput>, String> = super::seller::combinations(&specs)
        .into_iter()
        .map(|options| match product.skus.iter().find(|sku| sku.specs == options) {
            Some(sku) => {
                let original = field(&format!("original_{}", sku.id));
                Ok(SkuInput {
                    specs: options,
                    price: price(&format!("price_{}", sku.id), &field(&format!("price_{}", sku.id)))?,
                    original_price: if original.is_empty() { None } else { Some(price("original_price", &original)?) },
                    stock: None,
                    code: sku.code.clone(),
                    image_url: sku.image_url.clone(),
                })
            }
            None => {
                let stock = field("new_stock");
                Ok(SkuInput {
                    specs: options,
                    price: price("new_price", &field("new_price"))?,
                    original_price: None,
                    stock: Some(stock.parse().map_err(|_| format!("new_stock: {stock:?} is not a whole number"))?),
                    code: None,
                    image_url: None,
                })
            }
        })
        .collect();
    let typed = |view: &mut EditProductPage| {
        (view.title, view.subtitle, view.brand) = (field("title"), field("subtitle"), field("brand"));
        view.description = form.get("description").cloned().unwrap_or_default();
        for (sku_id, _, price, original) in &mut view.skus {
            (*price, *original) = (field(&format!("price_{sku_id}")), field(&format!("original_{sku_id}")));
        }
        view.specs = named.clone();
        (view.new_price, view.new_stock) = (field("new_price"), field("new_stock"));
    };
    let (status, message) = match skus {
        Err(message) => (StatusCode::UNPROCESSABLE_ENTITY, message),
        Ok(skus) => {
            let patch = ProductPatch {
                title: Some(field("title")),
                subtitle: Some(field("subtitle")),
                brand: Some(field("brand")),
                description: form.get("description").cloned(),
                specs: Some(specs),
                skus: Some(skus),
                ..ProductPatch::default()
            };
            match state.catalog.update_product(&principal, id, patch).await.map_err(ApiError::from) {
                Ok(_) => return visitor.finish(see_other(&format!("{back}?saved=1"))),
                Err(err) if err.status().is_client_error() => {
                    let problem = err.problem();
                    let message = match &problem.field {
                        Some(field) => format!("{field}: {}", problem.detail),
                        None => problem.detail.clone(),
                    };
                    (err.status(), message)
                }
                Err(err) => return failure(visitor, err),
            }
        }
    };
    let mut view = EditProductPage::new(visitor.chrome(), &product);
    typed(&mut view);
    view.error = Some(message);
    page(visitor, status, render(&view))
}

async fn import_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    shop: ShopId,
    filled: impl FnOnce(ImportPage) -> ImportPage,
    status: StatusCode,
) -> HttpResponse {
    match member_shop_name(state, principal, shop).await {
        Ok(name) => {
            let view = filled(ImportPage::new(visitor.chrome(), shop.0, name));
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

async fn import_form(req: HttpRequest, state: State, shop: web::Path<ShopId>) -> HttpResponse {
    let (visitor, principal) = match signed_in_page(&req, &state).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    import_page(visitor, &state, &principal, shop.into_inner(), |view| view, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

async fn import(req: HttpRequest, state: State, shop: web::Path<ShopId>, form: web::Form<ImportForm>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    if !visitor.csrf_ok(&form.csrf) {
        return forged(visitor);
    }
    let shop = shop.into_inner();
    let Some(principal) = visitor.principal.clone() else {
        return to_sign_in(visitor, &format!("/seller/shops/{shop}/import"));
    };
    let csv = form.into_inner().csv;
    match state.catalog.import_csv(&principal, shop, csv.clone()).await.map_err(ApiError::from) {
        Ok(report) => {
            let status = if report.rejected > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            // What was pasted stays only when something needs fixing.
            let kept = if report.rejected > 0 { csv } else { String::new() };
            let fill = move |view: ImportPage| ImportPage { csv: kept, ..view.with_report(&report) };
            import_page(visitor, &state, &principal, shop, fill, status).await
        }
        Err(err) if shown_on_form(&err) => {
            let (status, message) = (err.status(), err.problem().detail.clone());
            let fill = move |view: ImportPage| ImportPage { csv, error: Some(message), ..view };
            import_page(visitor, &state, &principal, shop, fill, status).await
        }
        Err(err) => failure(visitor, err),
    }
}
