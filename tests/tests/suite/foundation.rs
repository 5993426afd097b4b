//! The gateway skeleton over real HTTP: health, readiness, request ids, problem+json for errors
//! actix produces itself, metrics, the API description, compression and CORS.

use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::Value;

on_both_backends!(
    health_and_readiness_answer,
    readiness_fails_when_the_database_cannot_serve,
    request_ids_are_generated_or_propagated,
    unknown_paths_are_problem_json,
    wrong_methods_are_problem_json,
    metrics_count_requests_by_route,
    openapi_and_docs_are_served,
    responses_are_compressed_on_request,
    cors_allows_only_configured_origins,
);

async fn health_and_readiness_answer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    let expected_db = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"]["backend"], expected_db);
    assert_eq!(body["database"]["ok"], true);
    assert_eq!(body["kv"]["backend"], app.app_state.kv.backend_name());
    assert_eq!(body["kv"]["ok"], true);
}

async fn readiness_fails_when_the_database_cannot_serve(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.db_pool_size = 1;
        config.db_acquire_timeout_ms = 300;
    })
    .await
    else {
        return;
    };
    // Hold the pool's only connection: the probe cannot get one, as when the database is saturated.
    let db = app.app_state.db.clone();
    let held = tokio::task::spawn_blocking(move || db.get().expect("the only connection")).await.unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body = problem(response).await;
    assert_eq!(body["code"], "not_ready");
    assert_eq!(body["checks"]["database"]["ok"], false);
    assert_eq!(body["checks"]["kv"]["ok"], true);
    drop(held);
    assert_eq!(app.get("/readyz").await.status(), 200, "ready again once the connection is back");
}

async fn request_ids_are_generated_or_propagated(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.len() >= 16, "{id}");
    let again = app.get("/healthz").await;
    assert_ne!(again.headers()["x-request-id"], id.as_str(), "each request gets its own id");

    let propagated = app.client.get(app.url("/healthz")).header("x-request-id", "phone-abc-123").send().await.unwrap();
    assert_eq!(propagated.headers()["x-request-id"], "phone-abc-123");

    let hostile = app.client.get(app.url("/healthz")).header("x-request-id", "a b\tc").send().await.unwrap();
    assert_ne!(hostile.headers()["x-request-id"], "a b\tc", "ids unfit for logs are replaced");
}

async fn unknown_paths_are_problem_json(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    for path in ["/nowhere", "/api/v1/nothing/here", "/api/v2/healthz"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.headers().contains_key("x-request-id"));
        let body = problem(response).await;
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["status"], 404);
        assert_eq!(body["type"], "/docs/problems#not_found");
        assert!(body["detail"].as_str().unwrap().contains(path), "{body}");
    }
}

async fn wrong_methods_are_problem_json(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let response = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let body = problem(response).await;
    assert_eq!(body["code"], "method_not_allowed");
}

async fn metrics_count_requests_by_route(backend: Backend) {
    let token = "scraper-token-0123456789";
    let Some(app) = TestApp::spawn_with(backend, |c| c.metrics_token = Some(token.into())).await else { return };
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    app.get("/no/such/page/42").await;
    // Not public: anonymous callers and ordinary users are refused.
    assert_eq!(app.get("/metrics").await.status(), 401);
    let buyer = app.register().await;
    assert_eq!(app.get_as(&buyer, "/metrics").await.status(), 403);
    let admin = app.admin().await;
    assert_eq!(app.get_as(&admin, "/metrics").await.status(), 200);
    let scrape = app.client.get(app.url("/metrics")).bearer_auth(token).send().await.unwrap();
    let text = scrape.text().await.unwrap();
    assert!(text.contains(r#"bazaar_http_requests_total{method="GET",route="/healthz",status="200"} 3"#), "{text}");
    assert!(text.contains(r#"route="unmatched",status="404""#), "paths of 404s are not labels: {text}");
    assert!(text.contains("bazaar_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"bazaar_db_pool_connections{state="max"} 4"#), "{text}");
}

async fn openapi_and_docs_are_served(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let spec: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"), "{}", spec["openapi"]);
    assert!(spec["paths"]["/healthz"]["get"].is_object());
    for path in ["/api/v1/payments", "/api/v1/payments/notify/{provider}", "/api/v1/pay-for-another/{code}/pay"] {
        assert!(spec["paths"][path]["post"].is_object(), "{path} is documented");
    }
    assert!(spec["components"]["schemas"]["PaymentView"].is_object());
    assert!(spec["components"]["schemas"]["Problem"].is_object());

    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/docs/");
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    // HTML pages cannot be sniffed into something else, framed, or run inline script.
    let headers = page.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self';"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script for the policy to break");
    assert!(html.contains("swagger-ui"), "the docs UI is served from the binary");
    let config = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
    assert!(config.contains("/openapi.json"), "{config}");
}

async fn responses_are_compressed_on_request(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    for encoding in ["gzip", "br"] {
        let response =
            app.client.get(app.url("/openapi.json")).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
    let plain = app.get("/openapi.json").await;
    assert!(!plain.headers().contains_key("content-encoding"));
}

async fn cors_allows_only_configured_origins(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.cors_allowed_origins = vec!["https://h5.bazaar.example".into()];
    })
    .await
    else {
        return;
    };
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/healthz"))
        .header("origin", "https://h5.bazaar.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://h5.bazaar.example");

    let allowed =
        app.client.get(app.url("/healthz")).header("origin", "https://h5.bazaar.example").send().await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://h5.bazaar.example");
    let exposed = allowed.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    let refused = app.client.get(app.url("/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
    // A browser asks first (preflight); that question is refused with a code of its own.
    let refused = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/healthz"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body = problem(refused).await;
    assert_eq!(body["code"], "cors_origin_refused");
    assert!(body["detail"].as_str().unwrap().contains("cors_allowed_origins"));
}
