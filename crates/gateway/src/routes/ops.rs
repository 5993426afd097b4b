//! Operations endpoints: Prometheus metrics and the API description with its docs UI.

use crate::auth::bearer_token;
use crate::error::{ApiError, Problem};
use crate::middleware::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_identity::IdentityError;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// Prometheus metrics, for the scraper's bearer token (`metrics_token`) or an administrator's
/// access token: request rates, latencies and pool use are not for the public.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn metrics(
    req: HttpRequest,
    metrics: web::Data<Metrics>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer_token(&req).ok_or(IdentityError::Unauthenticated)?;
    let scraper = state.config.metrics_token.as_deref().is_some_and(|expected| constant_time_eq(expected, &token));
    if !scraper && !state.identity.authenticate(&token).await?.is_admin() {
        return Err(IdentityError::Forbidden("metrics are for administrators and the metrics scraper").into());
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(metrics.render(state.db.status())))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0_u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The OpenAPI 3.1 description of this API, generated from the code.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

/// Swagger UI, its files compiled into the binary (nothing fetched at build or run time).
pub fn docs_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json"))
}
