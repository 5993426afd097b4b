//! The OpenAPI document. Each endpoint group adds its paths and schemas here.

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
    paths(
        crate::routes::ops::health::healthz,
        crate::routes::ops::health::readyz,
        crate::routes::ops::metrics,
        crate::routes::ops::openapi_json,
        crate::routes::identity::auth::register,
        crate::routes::identity::auth::login,
        crate::routes::identity::auth::send_otp,
        crate::routes::identity::auth::otp_login,
        crate::routes::identity::auth::refresh,
        crate::routes::identity::auth::logout,
        crate::routes::identity::me::me,
        crate::routes::identity::me::update_me,
        crate::routes::identity::me::change_password,
        crate::routes::identity::me::sessions,
        crate::routes::identity::me::revoke_session,
        crate::routes::identity::addresses::list,
        crate::routes::identity::addresses::create,
        crate::routes::identity::addresses::update,
        crate::routes::identity::addresses::delete,
        crate::routes::identity::onboarding::apply,
        crate::routes::identity::onboarding::my_applications,
        crate::routes::identity::onboarding::my_shops,
        crate::routes::identity::onboarding::staff,
        crate::routes::identity::onboarding::add_staff,
        crate::routes::identity::onboarding::remove_staff,
        crate::routes::identity::review::queue,
        crate::routes::identity::review::approve,
        crate::routes::identity::review::reject,
        crate::routes::sandbox::sms::sms_messages,
        crate::routes::catalog::products::categories,
        crate::routes::catalog::products::list,
        crate::routes::catalog::products::detail,
        crate::routes::catalog::products::recently_viewed,
        crate::routes::catalog::shop_pages::page,
        crate::routes::catalog::shop_pages::update,
        crate::routes::catalog::shop_pages::follow,
        crate::routes::catalog::shop_pages::unfollow,
        crate::routes::catalog::listings::listings,
        crate::routes::catalog::listings::create,
        crate::routes::catalog::listings::import,
        crate::routes::catalog::listings::get,
        crate::routes::catalog::listings::update,
        crate::routes::catalog::listings::delete_draft,
        crate::routes::catalog::listings::publish,
        crate::routes::catalog::listings::unpublish,
        crate::routes::catalog::listings::change_stock,
        crate::routes::catalog::listings::ledger,
        crate::routes::catalog::listings::low_stock,
        crate::routes::catalog::admin::create_category,
        crate::routes::catalog::admin::delete_category,
        crate::routes::catalog::admin::ban_product,
        crate::routes::catalog::admin::suspend_shop,
        crate::routes::catalog::admin::reinstate_shop,
        crate::routes::checkout::cart::view,
        crate::routes::checkout::cart::add,
        crate::routes::checkout::cart::set_quantity,
        crate::routes::checkout::cart::remove,
        crate::routes::checkout::orders::place,
        crate::routes::checkout::orders::list,
        crate::routes::checkout::orders::get,
        crate::routes::checkout::orders::cancel,
        crate::routes::checkout::orders::preview,
        crate::routes::checkout::orders::confirm_receipt,
        crate::routes::checkout::seller_orders::inbox,
        crate::routes::checkout::seller_orders::ship,
        crate::routes::checkout::seller_orders::cancel,
        crate::routes::checkout::seller_orders::refunds,
        crate::routes::checkout::seller_orders::approve_refund,
        crate::routes::checkout::seller_orders::reject_refund,
        crate::routes::checkout::orders::request_refund,
        crate::routes::chat::conversations::list,
        crate::routes::chat::conversations::start,
        crate::routes::chat::conversations::get,
        crate::routes::chat::conversations::history,
        crate::routes::chat::conversations::send,
        crate::routes::chat::conversations::read,
        crate::routes::chat::conversations::block,
        crate::routes::chat::conversations::unblock,
        crate::routes::chat::conversations::report,
        crate::routes::chat::ws::connect,
        crate::routes::search::search,
        crate::routes::search::suggest,
        crate::routes::search::voice,
        crate::routes::search::hot,
        crate::routes::search::nearby,
        crate::routes::search::zero_results,
        crate::routes::search::synonyms,
        crate::routes::search::replace_synonyms,
        crate::routes::search::reindex,
        crate::routes::chat::tools::settings,
        crate::routes::chat::tools::update_settings,
        crate::routes::chat::tools::reports,
        crate::routes::chat::tools::reported_messages,
        crate::routes::chat::tools::close_report,
        crate::routes::chat::tools::words,
        crate::routes::chat::tools::replace_words,
        crate::routes::payments::trades::create,
        crate::routes::payments::trades::get,
        crate::routes::payments::trades::share,
        crate::routes::payments::trades::shared,
        crate::routes::payments::trades::pay_shared,
        crate::routes::payments::trades::notify,
        crate::routes::payments::trades::notifications,
        crate::routes::payments::trades::notifications_with,
        crate::routes::payments::in_store::create,
        crate::routes::payments::in_store::get,
        crate::routes::payments::in_store::pay,
        crate::routes::sandbox::payments::wallet_pay,
        crate::routes::sandbox::payments::notifications,
        crate::routes::promotions::create,
        crate::routes::promotions::shop_templates,
        crate::routes::promotions::update,
        crate::routes::promotions::pause,
        crate::routes::promotions::resume,
        crate::routes::promotions::end,
        crate::routes::promotions::claimable_in_shop,
        crate::routes::promotions::claimable_for_product,
        crate::routes::promotions::claim,
        crate::routes::promotions::redeem,
        crate::routes::promotions::wallet,
        crate::routes::promotions::points,
        crate::routes::promotions::check_in,
    ),
    modifiers(&BearerAuth, &UniqueOperationIds),
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
        (name = "admin", description = "Review of shop applications, categories, bans and suspensions"),
        (name = "sandbox", description = "Stand-ins for outside services (development and tests only)"),
        (name = "operations", description = "Health, readiness, metrics and this description"),
    ),
)]
pub struct ApiDoc;
