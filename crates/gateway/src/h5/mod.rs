//! The H5 storefront's routes: `/m/…` pages rendered by `bazaar-storefront` from the same domain
//! services the API calls, and its embedded assets. Pages are not part of the API contract
//! (`/api/v1`) and are not in the OpenAPI document; their paths are fixed by the issue that QR
//! codes and shared links depend on, and listed in `docs/api.md`.

mod account;
mod admin;
mod browse;
pub mod campaigns;
mod chat;
mod flash;
mod orders;
mod paying;
mod prizes;
mod profile;
mod seller;
mod seller_campaigns;
mod seller_edit;
mod seller_orders;
mod seller_shop;
mod visitor;

use crate::error::ApiError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_identity::Principal;
use bazaar_storefront::RenderError;
use bazaar_storefront::views::ErrorPage;
use visitor::Visitor;

/// The storefront's content security policy, stricter than the one every HTML answer gets
/// (`middleware::security_headers`, which also adds nosniff, no framing and the referrer policy):
/// no inline style either, since the storefront has none.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(|| async { see_other("/m/") }))
        .route("/m", web::get().to(|| async { see_other("/m/") }))
        .route("/m/assets/{name}", web::get().to(asset));
    admin::configure(cfg);
    browse::configure(cfg);
    campaigns::configure(cfg);
    chat::configure(cfg);
    flash::configure(cfg);
    account::configure(cfg);
    orders::configure(cfg);
    paying::configure(cfg);
    prizes::configure(cfg);
    profile::configure(cfg);
    seller::configure(cfg);
    seller_campaigns::configure(cfg);
    seller_edit::configure(cfg);
    seller_orders::configure(cfg);
    seller_shop::configure(cfg);
    cfg.route("/m/{rest:.*}", web::route().to(browse::not_found));
}

/// A redirect after a form or to a canonical path (303: the browser follows with a GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// A rendered page with its status and headers, or the error page if rendering failed.
pub fn page(visitor: Visitor, status: StatusCode, rendered: Result<String, RenderError>) -> HttpResponse {
    let (status, body) = match rendered {
        Ok(body) => (status, body),
        Err(err) => {
            tracing::error!(error = %err, "a storefront page failed to render");
            let fallback = bazaar_storefront::render(&ErrorPage::unavailable(visitor.chrome()));
            (StatusCode::INTERNAL_SERVER_ERROR, fallback.unwrap_or_default())
        }
    };
    let mut response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        // Pages differ by who asks and in which language; a shared cache must not keep them.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::VARY, "Cookie, Accept-Language"))
        .body(body);
    // An error page is for a person: the API's problem+json rewriting leaves it alone.
    response.extensions_mut().insert(crate::middleware::problem::ForeignDialect);
    visitor.finish(response)
}

/// What a failed domain call looks like as a page: a friendly 404 for anything missing, the
/// reason for any other refusal, 503 "busy" for an outage, and the same page with 500 for a bug
/// (whose cause is logged).
pub fn failure(visitor: Visitor, err: ApiError) -> HttpResponse {
    let status = err.status();
    let chrome = visitor.chrome();
    let view = match status {
        StatusCode::NOT_FOUND => ErrorPage::not_found(chrome),
        _ if status.is_client_error() => ErrorPage::refused(chrome, err.problem().detail.clone()),
        _ => ErrorPage::unavailable(chrome),
    };
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), code = %err.problem().code, detail = %err.problem().detail, "storefront page failed");
    }
    page(visitor, status, bazaar_storefront::render(&view))
}

/// A form whose CSRF token did not match: 403 with the "form expired" page (a fresh token is set).
pub fn forged(visitor: Visitor) -> HttpResponse {
    let view = ErrorPage::form_expired(visitor.chrome());
    page(visitor, StatusCode::FORBIDDEN, bazaar_storefront::render(&view))
}

/// A form post's visitor, signed in and sending this browser's CSRF token — or the answer to give
/// instead: the "form expired" page, or sign-in and then back to `back`.
pub async fn signed_in_form(
    req: &HttpRequest,
    state: &visitor::State,
    csrf: &str,
    back: &str,
) -> Result<(Visitor, Principal), HttpResponse> {
    let visitor = Visitor::of(req, state).await;
    if !visitor.csrf_ok(csrf) {
        return Err(forged(visitor));
    }
    match visitor.principal.clone() {
        Some(principal) => Ok((visitor, principal)),
        None => Err(to_sign_in(visitor, back)),
    }
}

/// A page's visitor, signed in — or sign-in and then back to this page.
pub async fn signed_in_page(req: &HttpRequest, state: &visitor::State) -> Result<(Visitor, Principal), HttpResponse> {
    let visitor = Visitor::of(req, state).await;
    match visitor.principal.clone() {
        Some(principal) => Ok((visitor, principal)),
        None => {
            let here = visitor.here.clone();
            Err(to_sign_in(visitor, &here))
        }
    }
}

/// Whether a refusal is shown on the form's own page, next to what it is about, rather than as
/// the friendly error page: any client error but "not found" and "not allowed", which have pages
/// of their own.
pub fn shown_on_form(err: &ApiError) -> bool {
    err.status().is_client_error() && !matches!(err.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN)
}

/// Signed out: to sign-in, and back here afterwards.
pub fn to_sign_in(visitor: Visitor, back: &str) -> HttpResponse {
    let location = format!("/m/login?next={}", bazaar_storefront::views::encode(back));
    visitor.finish(see_other(&location))
}

/// The storefront session's access token, for the chat WebSocket a storefront page opens — only
/// when the handshake comes from this site. A browser sends cookies with a WebSocket handshake
/// whatever page opened it and always names that page's `Origin`: another site's page must not
/// ride on a shopper's session (cross-site WebSocket hijacking). Without an `Origin` the client
/// is not a browser page, and none of those hold our cookie but by choice.
pub fn session_of_same_origin(req: &actix_web::HttpRequest, config: &crate::config::Config) -> Option<String> {
    let token = req.cookie(visitor::SESSION)?.value().to_string();
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|value| value.to_str().ok()) else {
        return Some(token);
    };
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let same_host = req.headers().get(header::HOST).and_then(|value| value.to_str().ok()) == Some(authority);
    let public = config.public_url.as_deref().is_some_and(|url| url.trim_end_matches('/') == origin);
    (same_host || public).then_some(token)
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    match bazaar_storefront::assets::find(&name) {
        Some(asset) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            // The name carries the content's hash: a changed file is a new name.
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.body),
        None => HttpResponse::NotFound().finish(),
    }
}
