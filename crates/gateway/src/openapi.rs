//! The OpenAPI document: the description and tags here, the operations from the same endpoint
//! list the router serves (`routes::documented`), then the document-wide rules below.

use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Declares the bearer scheme the `security(("bearer" = []))` annotations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// Names every operation after its method and path (`get_api_v1_in_store_code`): handler names
/// alone (`get`, `list`) repeat across modules, and the specification requires operation ids to
/// be unique — generated clients name their functions after them.
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let words: String = path
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|word| !word.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
                ("head", &mut item.head),
                ("options", &mut item.options),
                ("trace", &mut item.trace),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    operation.operation_id = Some(format!("{method}_{words}"));
                    problems_as_served(path, operation);
                }
            }
        }
    }
}

/// Errors are served as `application/problem+json`: document them so, and document what every
/// operation of a kind can answer: 401 when secured, 403 on the admin and seller consoles, 400 / 422
/// for a body or query, 404 for a path.
fn problems_as_served(path: &str, operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{Ref, RefOr, ResponseBuilder, content::ContentBuilder};
    const PROBLEM: &str = "#/components/schemas/Problem";
    let is_problem = |content: &utoipa::openapi::Content| matches!(&content.schema, Some(RefOr::Ref(reference)) if reference.ref_location == PROBLEM);
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response
            && let Some(content) = response.content.shift_remove("application/json")
        {
            let media = if is_problem(&content) { crate::error::PROBLEM_JSON } else { "application/json" };
            response.content.insert(media.to_string(), content);
        }
    }
    let mut document = |status: &str, description: &str| {
        if !operation.responses.responses.contains_key(status) {
            let problem = ContentBuilder::new().schema(Some(Ref::new(PROBLEM))).build();
            let response =
                ResponseBuilder::new().description(description).content(crate::error::PROBLEM_JSON, problem).build();
            operation.responses.responses.insert(status.to_string(), RefOr::T(response));
        }
    };
    if operation.security.as_ref().is_some_and(|requirements| !requirements.is_empty()) {
        document("401", "unauthenticated, invalid_token, token_expired, session_revoked");
        // The consoles' routes check a role or a shop membership before anything else.
        if path.starts_with("/api/v1/admin/") || path.starts_with("/api/v1/seller/") {
            document("403", "forbidden: not an administrator, or not the shop's owner or staff");
        }
    }
    // What the extractors answer for any body or query before a handler runs.
    let has_query = operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query);
    if operation.request_body.is_some() || has_query {
        document("400", "malformed_json, invalid_query, unsupported body");
    }
    if operation.request_body.is_some() {
        document("422", "invalid_field: every bad field is listed in `errors`");
    }
    // A path naming no such thing (or no id at all: `/shops/abc`) is not found.
    if operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Path) {
        document("404", "not_found");
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bazaar",
        description = "The phone API of a mobile business district: many shops in one marketplace.\n\n\
            Errors are RFC 9457 problem+json documents with a stable `code` and, where one field is at \
            fault, its JSON path in `field`.",
    ),
    components(schemas(
        crate::error::Problem,
        bazaar_catalog::Sort,
        bazaar_search::SortBy,
        bazaar_identity::ApplicationStatus,
    )),
    tags(
        (name = "identity", description = "Accounts, login by password or SMS code, tokens, profile, addresses, devices"),
        (name = "sellers", description = "Opening a shop and managing its staff"),
        (name = "catalog", description = "Categories, shop pages, products for buyers"),
        (name = "seller", description = "Listings and stock, for a shop's owner and staff"),
        (name = "cart", description = "The buyer's cart"),
        (name = "orders", description = "Placing orders and following them"),
        (name = "search", description = "Product search (text, pinyin, voice), suggestions, hot queries, shops nearby"),
        (name = "payments", description = "Paying with Alipay, WeChat Pay or UnionPay; pay for another; in-store QR payments; provider notifications"),
        (name = "chat", description = "Buyer–shop conversations over REST and WebSocket"),
        (name = "promotions", description = "Coupons: shops offer them, buyers claim them into a wallet, checkout applies the best one"),
        (name = "campaigns", description = "QR-code campaigns with placements and their short links, the campaign funnel, lucky draws (抽奖) with public odds and an auditable seed, prizes"),
        (name = "admin", description = "Review of shop applications, categories, bans and suspensions"),
        (name = "sandbox", description = "Stand-ins for outside services (development and tests only)"),
        (name = "operations", description = "Health, readiness, metrics and this description"),
    ),
)]
pub struct ApiDoc;

/// The document `/openapi.json` serves, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        let mut endpoints = crate::routes::endpoint::Document::default();
        crate::routes::documented(&mut endpoints, true);
        doc.paths = endpoints.paths;
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, schema) in endpoints.schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        // After the operations are in: both rules walk them.
        BearerAuth.modify(&mut doc);
        UniqueOperationIds.modify(&mut doc);
        doc
    })
}
