//! Every route, wired in one place. One endpoint group per file; handlers are thin: they extract,
//! call a domain crate, and map its result.

pub mod health;
pub mod ops;

use crate::error::ApiError;
use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/readyz").route(web::get().to(health::readyz)))
        .service(web::resource("/metrics").route(web::get().to(ops::metrics)))
        .service(web::resource("/openapi.json").route(web::get().to(ops::openapi_json)))
        .service(web::resource("/docs").route(web::get().to(ops::docs_redirect)))
        .service(ops::docs_ui())
        .service(web::scope("/api/v1"));
}

/// Anything no route matched.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(format!("There is no {} {} here.", req.method(), req.path())))
}
