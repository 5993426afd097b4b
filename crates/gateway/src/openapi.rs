//! The OpenAPI document. Each endpoint group adds its paths and schemas here.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bazaar",
        description = "The phone API of a mobile business district: many shops in one marketplace.\n\n\
            Errors are RFC 9457 problem+json documents with a stable `code` and, where one field is at \
            fault, its JSON path in `field`.",
    ),
    paths(
        crate::routes::health::healthz,
        crate::routes::health::readyz,
        crate::routes::ops::metrics,
        crate::routes::ops::openapi_json,
    ),
    components(schemas(crate::error::Problem)),
    tags((name = "operations", description = "Health, readiness, metrics and this description")),
)]
pub struct ApiDoc;
