//! Serving and documenting cannot drift apart: every operation `/openapi.json` documents is
//! routed (a request reaches its handler, not the router's "no such route"), and every handler
//! the API's route tables register is listed in the document's paths.

use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::Value;
use std::path::Path;

on_both_backends!(every_documented_operation_is_served);

/// Route modules whose handlers are not all part of the API document (developer sandboxes).
const UNDOCUMENTED_MODULES: &[&str] = &["sandbox"];

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

/// `fn routes(…) { … }` of a route file: the handler names it registers with `.to(handler)`.
fn registered_handlers(source: &str) -> Vec<String> {
    let Some(start) = source.find("pub fn routes(") else { return Vec::new() };
    let body = &source[start..];
    let end = body.find("\n}\n").unwrap_or(body.len());
    body[..end]
        .split(".to(")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|name| name.trim().to_string())
        .collect()
}

/// Every route file under `dir` with its module path (`checkout::orders`; a `mod.rs` is its folder).
fn route_modules(dir: &Path, prefix: &str, found: &mut Vec<(String, std::path::PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let join = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}::{name}") };
        if path.is_dir() {
            route_modules(&path, &join(&name), found);
        } else if name == "mod.rs" {
            if !prefix.is_empty() {
                found.push((prefix.to_string(), path));
            }
        } else if let Some(module) = name.strip_suffix(".rs") {
            found.push((join(module), path));
        }
    }
}

#[test]
fn every_registered_handler_is_documented() {
    let gateway = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gateway/src");
    let openapi = std::fs::read_to_string(gateway.join("openapi.rs")).unwrap();
    let mut modules = Vec::new();
    route_modules(&gateway.join("routes"), "", &mut modules);
    assert!(modules.len() > 20, "the route files were not found: {modules:?}");
    let mut undocumented = Vec::new();
    for (module, file) in modules {
        if UNDOCUMENTED_MODULES.iter().any(|skip| module == *skip || module.starts_with(&format!("{skip}::"))) {
            continue;
        }
        let source = std::fs::read_to_string(file).unwrap();
        for handler in registered_handlers(&source) {
            if !openapi.contains(&format!("crate::routes::{module}::{handler},")) {
                undocumented.push(format!("{module}::{handler}"));
            }
        }
    }
    assert!(undocumented.is_empty(), "served but missing from the OpenAPI paths: {undocumented:?}");
}
