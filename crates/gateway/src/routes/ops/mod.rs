//! Operations endpoints: Prometheus metrics and the API description with its docs UI.

pub mod health;

use crate::auth::bearer_token;
use crate::error::{ApiError, Problem};
use crate::middleware::metrics::Metrics;
use crate::routes::endpoint::Endpoints;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_identity::IdentityError;
use health::{__path_healthz, __path_readyz, healthz, readyz};
use utoipa_swagger_ui::SwaggerUi;

pub fn routes(api: &mut impl Endpoints) {
    crate::endpoints!(api; healthz, readyz, metrics, openapi_json);
}

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
    if !scraper {
        state.identity.authenticate(&token).await?.require_admin()?;
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
    HttpResponse::Ok().json(crate::openapi::document())
}

/// The page every problem's `type` (`/docs/problems#<code>`) points at: the code table of
/// `docs/api.md`, compiled in, one anchored row per code.
pub async fn problems_page() -> HttpResponse {
    use std::sync::OnceLock;
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| render_problems(include_str!("../../../../../docs/api.md")));
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page.as_str())
}

/// Rows `| `code` | status | when |` of the Errors section, as an HTML table.
fn render_problems(api_md: &str) -> String {
    let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('`', "");
    let section = api_md.split("\n## ").find(|section| section.starts_with("Errors")).unwrap_or_default();
    let mut rows = String::new();
    for line in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [code, status, when] = cells[..] else { continue };
        let code = escape(code);
        rows.push_str(&format!(
            "<tr id=\"{code}\"><td><a href=\"#{code}\"><code>{code}</code></a></td><td>{}</td><td>{}</td></tr>\n",
            escape(status),
            escape(when)
        ));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bazaar problem codes</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head><body><h1>Problem codes</h1>\
         <p>Every error is <code>application/problem+json</code> with one of these stable <code>code</code>s; \
         its <code>type</code> links here.</p><table><tr><th>code</th><th>status</th><th>when</th></tr>\n{rows}</table></body></html>"
    )
}

pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

/// Swagger UI, its files compiled into the binary (nothing fetched at build or run time).
pub fn docs_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json"))
}
