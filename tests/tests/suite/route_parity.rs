//! Serving and documenting cannot drift apart: every operation `/openapi.json` documents is
//! routed (a request reaches its handler, not the router's "no such route"), and nothing is routed
//! except through the declaration that documents it.

use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::Value;
use std::path::Path;

on_both_backends!(every_documented_operation_is_served);

async fn every_documented_operation_is_served(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let buyer = app.register().await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let mut unrouted = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let concrete = path.split('/').map(|part| if part.starts_with('{') { "1" } else { part }).collect::<Vec<_>>();
        let concrete = concrete.join("/");
        for method in operations.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = app.request(method.clone(), &concrete, Some(&buyer), None).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let router_refused = status == 405
                || (status == 404 && body["detail"].as_str().is_some_and(|detail| detail.starts_with("There is no")));
            if router_refused {
                unrouted.push(format!("{method} {path} → {status}"));
            }
        }
    }
    assert!(unrouted.is_empty(), "documented but not served: {unrouted:#?}");
}

/// Every route file under `dir` (a `mod.rs` included).
fn route_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            route_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Route files get only `Endpoints`, which serves and documents from one declaration. A route
/// registered on actix's `ServiceConfig` directly would be served undocumented, so only the router's
/// own files may touch it: the undocumented pages (`/docs`) and the payment providers' sandbox.
#[test]
fn endpoints_are_served_only_through_their_declaration() {
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gateway/src/routes");
    let mut files = Vec::new();
    route_files(&routes, &mut files);
    assert!(files.len() > 20, "the route files were not found: {files:?}");
    let allowed = [routes.join("mod.rs"), routes.join("endpoint.rs"), routes.join("sandbox/payments.rs")];
    let mut bypassing = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let registers_directly = ["ServiceConfig", "web::resource(", ".route(\"", "web::scope("]
            .iter()
            .any(|pattern| source.contains(pattern));
        if registers_directly && !allowed.contains(&file) {
            bypassing.push(file.display().to_string());
        }
        if allowed.contains(&file) && (source.contains("resource(\"/api") || source.contains("route(\"/api")) {
            bypassing.push(format!("{} (an /api/ path outside a declaration)", file.display()));
        }
    }
    assert!(bypassing.is_empty(), "routes registered without their OpenAPI declaration: {bypassing:?}");
}
