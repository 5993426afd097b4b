//! The HTTP contract a generated client relies on: the OpenAPI document describes parameters
//! where they are sent and refers only to schemas it defines; routes that exist answer 405 (with
//! `Allow`) for other methods; actions whose fields are all optional take an empty body.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::Value;

on_both_backends!(
    the_openapi_document_puts_parameters_where_they_are_sent,
    errors_are_documented_as_served,
    existing_routes_answer_405_with_allow,
    bodyless_actions_take_an_empty_body,
    bad_query_parameters_are_named,
    problem_types_link_to_a_page_that_exists,
    the_lists_a_seller_and_a_buyer_app_open_with,
    several_bad_fields_are_reported_at_once,
);

fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|child| refs(child, found));
        }
        Value::Array(items) => items.iter().for_each(|child| refs(child, found)),
        _ => {}
    }
}

async fn the_openapi_document_puts_parameters_where_they_are_sent(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let mut misplaced = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                let in_template = path.contains(&format!("{{{name}}}"));
                let declared_path = parameter["in"] == "path";
                if in_template != declared_path {
                    misplaced.push(format!("{method} {path}: {name} in {}", parameter["in"]));
                }
            }
        }
    }
    assert!(misplaced.is_empty(), "parameters declared where they are not sent: {misplaced:#?}");
    let search = &doc["paths"]["/api/v1/search"]["get"]["parameters"];
    let q = search.as_array().unwrap().iter().find(|p| p["name"] == "q").expect("q is documented");
    assert_eq!((q["in"].as_str(), q["required"].as_bool()), (Some("query"), Some(false)));

    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let missing: Vec<&String> = targets
        .iter()
        .filter(|target| target.strip_prefix("#/components/schemas/").is_none_or(|name| !schemas.contains_key(name)))
        .collect();
    assert!(missing.is_empty(), "references to schemas the document does not define: {missing:?}");
}

async fn existing_routes_answer_405_with_allow(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let buyer = app.register().await;
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/v1/cart/items", "POST"),
        (reqwest::Method::GET, "/api/v1/auth/login", "POST"),
        (reqwest::Method::DELETE, "/api/v1/orders/7/cancel", "POST"),
    ] {
        let response = app.request(method.clone(), path, Some(&buyer), None).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_eq!(problem(response).await["code"], "method_not_allowed");
    }
    assert_eq!(app.get("/api/v1/no-such-thing").await.status(), 404);
}

async fn bodyless_actions_take_an_empty_body(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "粽子", "6.00", 5)).await;
    let buyer = app.register().await;
    let order = app.place_order(&buyer, &product["skus"][0]["id"], 1).await;
    // No body and no content type at all, as many HTTP clients send a bodyless POST.
    let cancel = app
        .client
        .post(app.url(&format!("/api/v1/orders/{order}/cancel")))
        .bearer_auth(&buyer.access_token)
        .send()
        .await;
    let cancel = cancel.unwrap();
    assert!(cancel.status().is_success(), "{}", cancel.status());
    assert_eq!(app.order(&buyer, order).await["status"], "cancelled");
    // A body that needs fields still says so.
    let empty = app.client.post(app.url("/api/v1/auth/login")).send().await.unwrap();
    assert_eq!(empty.status(), 400);
    assert_eq!(problem(empty).await["code"], "malformed_json");
}

async fn errors_are_documented_as_served(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let (mut as_json, mut without_401, mut ids) = (Vec::new(), Vec::new(), std::collections::HashSet::new());
    let mut without_4xx = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            assert!(ids.insert(operation["operationId"].to_string()), "operation ids are unique: {method} {path}");
            for (status, response) in operation["responses"].as_object().unwrap() {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                if schema == "#/components/schemas/Problem" {
                    as_json.push(format!("{method} {path} {status}"));
                }
            }
            let secured = operation["security"].as_array().is_some_and(|requirements| !requirements.is_empty());
            if secured && operation["responses"].get("401").is_none() {
                without_401.push(format!("{method} {path}"));
            }
            // The extractors' own answers: 400 for a bad body or query, 422 for a bad field.
            let has_body = operation.get("requestBody").is_some();
            let has_query =
                operation["parameters"].as_array().into_iter().flatten().any(|parameter| parameter["in"] == "query");
            for (needed, status) in [(has_body || has_query, "400"), (has_body, "422")] {
                if needed && operation["responses"].get(status).is_none() {
                    without_4xx.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(as_json.is_empty(), "problems documented as application/json: {as_json:?}");
    assert!(without_401.is_empty(), "secured operations without their 401: {without_401:?}");
    assert!(without_4xx.is_empty(), "operations without the 400/422 their extractors answer: {without_4xx:?}");
}

async fn bad_query_parameters_are_named(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    for (path, field, hint) in [
        ("/api/v1/products?limit=ten".to_string(), "limit", "invalid digit"),
        ("/api/v1/products?sort=popular".to_string(), "sort", "newest"),
        ("/api/v1/seller/orders".to_string(), "shop_id", "shop_id"),
        (format!("/api/v1/seller/orders?shop_id={shop}&from=2026-13-01"), "from", ""),
    ] {
        let response = app.get_as(&seller, &path).await;
        assert_eq!(response.status(), 400, "{path}");
        let body = problem(response).await;
        assert_eq!(
            (body["code"].as_str(), body["field"].as_str()),
            (Some("invalid_query"), Some(field)),
            "{path}: {body}"
        );
        assert!(body["detail"].as_str().unwrap().contains(hint), "{path}: {body}");
    }
    // A filter value that does not exist is refused with the ones that do, not answered with [].
    let unknown = app.get_as(&seller, &format!("/api/v1/seller/orders?shop_id={shop}&status=unpaid")).await;
    assert_eq!(unknown.status(), 422);
    let body = problem(unknown).await;
    assert_eq!(body["field"], "status");
    assert!(body["detail"].as_str().unwrap().contains("pending_payment"), "{body}");
}

async fn problem_types_link_to_a_page_that_exists(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let missing = problem(app.get("/api/v1/products/999999").await).await;
    let kind = missing["type"].as_str().unwrap();
    let (page, anchor) = kind.split_once('#').expect("a page and an anchor");
    let response = app.get(page).await;
    assert_eq!(response.status(), 200, "{page}");
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors"));
    let html = response.text().await.unwrap();
    for code in [anchor, "rate_limited", "amount_too_large", "bad_frame", "cors_origin_refused"] {
        assert!(html.contains(&format!("id=\"{code}\"")), "{code} has its anchor");
    }
}

async fn the_lists_a_seller_and_a_buyer_app_open_with(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Snacks").await;
    let draft = app.create_product(&seller, &simple(shop, category, "草稿茶", "5.00", 3)).await;
    let live = app.publish_product(&seller, &simple(shop, category, "上架茶", "7.00", 9)).await;

    let mine: Value = app.get_as(&seller, "/api/v1/me/shops").await.json().await.unwrap();
    let first = &mine["items"][0];
    assert_eq!((first["id"].as_i64(), first["role"].as_str()), (Some(shop), Some("owner")), "{mine}");
    let all: Value =
        app.get_as(&seller, &format!("/api/v1/seller/products?shop_id={shop}")).await.json().await.unwrap();
    let ids: Vec<&Value> = all["items"].as_array().unwrap().iter().map(|item| &item["id"]).collect();
    assert_eq!(ids, [&live["id"], &draft["id"]], "drafts included, newest first");
    let drafts: Value = app
        .get_as(&seller, &format!("/api/v1/seller/products?shop_id={shop}&status=draft"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    assert_eq!(drafts["items"][0]["status"], "draft");
    let buyer = app.register().await;
    assert_eq!(app.get_as(&buyer, &format!("/api/v1/seller/products?shop_id={shop}")).await.status(), 403);
    let none: Value = app.get_as(&buyer, "/api/v1/me/shops").await.json().await.unwrap();
    assert_eq!(none, serde_json::json!({ "items": [], "next_cursor": null }));

    // The buyer's order tabs: 待付款 and 待发货.
    let unpaid = app.place_order(&buyer, &live["skus"][0]["id"], 1).await;
    let paid = app.place_order(&buyer, &live["skus"][0]["id"], 1).await;
    app.app_state.orders.mark_paid(paid.into(), "pay-tab".into()).await.unwrap();
    for (tab, expected) in [("pending_payment", unpaid), ("to_ship", paid)] {
        let page: Value = app.get_as(&buyer, &format!("/api/v1/orders?tab={tab}")).await.json().await.unwrap();
        let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [expected], "{tab}");
    }
    let every: Value = app.get_as(&buyer, "/api/v1/orders").await.json().await.unwrap();
    assert_eq!(every["items"].as_array().unwrap().len(), 2);
    let unknown = app.get_as(&buyer, "/api/v1/orders?tab=unpaid").await;
    assert_eq!(unknown.status(), 400);
    let body = problem(unknown).await;
    assert_eq!(body["field"], "tab");
    assert!(body["detail"].as_str().unwrap().contains("to_ship"), "the allowed values are listed: {body}");
}

/// The `errors` list of a 422, as (field, code).
fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (e["field"].as_str().unwrap_or_default().to_string(), e["code"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

async fn several_bad_fields_are_reported_at_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let buyer = app.register().await;

    // Shape errors: strings where numbers belong, in one body.
    let response =
        app.post_as(&buyer, "/api/v1/cart/items", &serde_json::json!({"sku_id": "one", "quantity": "two"})).await;
    assert_eq!(response.status(), 422);
    let body = problem(response).await;
    let mut fields: Vec<String> = field_errors(&body).into_iter().map(|(field, _)| field).collect();
    assert_eq!(body["field"].as_str(), Some(fields[0].as_str()), "the first stays in `field`: {body}");
    fields.sort();
    assert_eq!(fields, ["quantity", "sku_id"], "{body}");

    // Domain checks: an address with an empty recipient, a bad phone and a bad postal code.
    let address = serde_json::json!({"recipient": " ", "phone": "12", "province": "上海", "city": "上海",
        "district": "黄浦区", "detail": "人民大道 1 号", "postal_code": "abc"});
    let body = problem(app.post_as(&buyer, "/api/v1/me/addresses", &address).await).await;
    assert_eq!(body["status"], 422, "{body}");
    let fields: Vec<String> = field_errors(&body).into_iter().map(|(field, _)| field).collect();
    assert_eq!(fields, ["recipient", "phone", "postal_code"], "{body}");
    assert_eq!(body["field"], "recipient");

    // A product with an empty title and a video link that is not one.
    let category = app.category("Snacks").await;
    let mut product = simple(shop, category, "", "9.90", 5);
    product["video_url"] = serde_json::json!("ftp://nope");
    let body = problem(app.post_as(&seller, "/api/v1/seller/products", &product).await).await;
    assert_eq!(
        field_errors(&body),
        [("title".into(), "invalid_field".into()), ("video_url".into(), "invalid_field".into())],
        "{body}"
    );

    // One bad field is a list of one, so clients read `errors` alone.
    let mut product = simple(shop, category, "", "9.90", 5);
    product["title"] = serde_json::json!("");
    let body = problem(app.post_as(&seller, "/api/v1/seller/products", &product).await).await;
    assert_eq!(field_errors(&body), [("title".into(), "invalid_field".into())], "{body}");
}
