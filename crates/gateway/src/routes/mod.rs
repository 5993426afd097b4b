//! Every route, wired in one place. One endpoint group per file; handlers are thin: they extract,
//! call a domain crate, and map its result. Grouped by domain: `identity/`, `catalog/`, `checkout/`,
//! `payments/`, `chat/`, `search`, `promotions`; `ops/` (health, metrics, documents) and `sandbox/`.

pub mod campaigns;
pub mod catalog;
pub mod chat;
pub mod checkout;
pub mod identity;
pub mod ops;
pub mod payments;
pub mod promotions;
pub mod sandbox;
pub mod search;

pub mod endpoint;
pub mod flash_sales;
pub mod shop_promotions;

use crate::config::Config;
use crate::error::ApiError;
use actix_web::web;
use endpoint::{Endpoints, Router};

pub fn configure(cfg: &mut web::ServiceConfig, config: &Config) {
    // The two pages the documentation links to: not operations of the API.
    cfg.service(web::resource("/docs").route(web::get().to(ops::docs_redirect)))
        .service(web::resource("/docs/problems").route(web::get().to(ops::problems_page)));
    documented(&mut Router(cfg), config.sandbox);
    // After the API: its `/docs/{…}` pattern is a regex that API requests need not try.
    cfg.service(ops::docs_ui());
    if config.sandbox {
        cfg.configure(sandbox::payments::providers);
    }
}

/// Every endpoint of the OpenAPI document, in the order the router tries them; the document is
/// built from the same list (with the sandbox's, which is documented even where not served).
pub fn documented(api: &mut impl Endpoints, sandbox: bool) {
    ops::routes(api);
    // actix tries routes in order and a pattern with `{…}` costs a regex match, so the busiest
    // routes (product pages and lists) come first.
    catalog::products::routes(api);
    // Before the shop routes: `/shops/nearby` must not be taken for `/shops/{id}`.
    search::routes(api);
    identity::auth::routes(api);
    identity::me::routes(api);
    identity::addresses::routes(api);
    identity::onboarding::routes(api);
    identity::review::routes(api);
    catalog::shop_pages::routes(api);
    catalog::listings::routes(api);
    catalog::admin::routes(api);
    checkout::cart::routes(api);
    checkout::orders::routes(api);
    checkout::seller_orders::routes(api);
    payments::trades::routes(api);
    payments::in_store::routes(api);
    chat::conversations::routes(api);
    chat::ws::routes(api);
    chat::tools::routes(api);
    promotions::routes(api);
    flash_sales::routes(api);
    shop_promotions::routes(api);
    campaigns::seller::routes(api);
    campaigns::draws::routes(api);
    if sandbox {
        sandbox::sms::routes(api);
        sandbox::payments::routes(api);
    }
}

/// Anything no route matched: 405 with `Allow` when the path is an endpoint's with other
/// methods (`GET /api/v1/auth/login`), else 404.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    if let Some(allowed) = allowed_methods(req.path()) {
        let detail = format!("{} takes {allowed}, not {}.", req.path(), req.method());
        return Err(ApiError::new(actix_web::http::StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", detail)
            .with_header(actix_web::http::header::ALLOW, allowed));
    }
    Err(ApiError::not_found(format!("There is no {} {} here.", req.method(), req.path())))
}

/// The methods the documented endpoint at `path` takes, e.g. `GET, PATCH`. Read from the OpenAPI
/// document, which lists every endpoint. Not for the sandbox's paths: they are documented even
/// where configuration does not serve them.
fn allowed_methods(path: &str) -> Option<String> {
    if path.starts_with("/sandbox/") {
        return None;
    }
    use std::sync::OnceLock;
    static ENDPOINTS: OnceLock<Vec<(Vec<String>, Vec<String>)>> = OnceLock::new();
    let endpoints = ENDPOINTS.get_or_init(|| {
        let doc = serde_json::to_value(crate::openapi::document()).unwrap_or_default();
        let paths = doc.get("paths").and_then(|paths| paths.as_object()).cloned().unwrap_or_default();
        paths
            .into_iter()
            .map(|(template, operations)| {
                let segments = template.split('/').map(str::to_string).collect();
                let methods = operations
                    .as_object()
                    .map(|ops| ops.keys().map(|method| method.to_ascii_uppercase()).collect())
                    .unwrap_or_default();
                (segments, methods)
            })
            .collect()
    });
    let wanted: Vec<&str> = path.split('/').collect();
    let matches = |template: &[String]| {
        template.len() == wanted.len()
            && template.iter().zip(&wanted).all(|(t, w)| (t.starts_with('{') && !w.is_empty()) || t == w)
    };
    let mut methods: Vec<&str> = endpoints
        .iter()
        .filter(|(template, _)| matches(template))
        .flat_map(|(_, methods)| methods.iter().map(String::as_str))
        .collect();
    methods.sort_unstable();
    methods.dedup();
    (!methods.is_empty()).then(|| methods.join(", "))
}
