//! Request bodies through the real actix stack (extractor, payload limit, problem middleware):
//! too large → 413, broken JSON → 400 with its position, wrong shape → 422 naming the field.
//! The black-box suite repeats these against real endpoints as they land.

use actix_web::{App, HttpResponse, test, web};
use bazaar_gateway::extract::Json;
use bazaar_gateway::middleware::problem::every_error_as_problem;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct NewAddress {
    recipient: String,
    #[allow(dead_code)]
    phone: String,
}

async fn create(body: Json<NewAddress>) -> HttpResponse {
    HttpResponse::Created().json(serde_json::json!({ "recipient": body.0.recipient }))
}

macro_rules! app {
    () => {
        test::init_service(
            App::new()
                .app_data(web::PayloadConfig::new(1024))
                .route("/addresses", web::post().to(create))
                .wrap(every_error_as_problem()),
        )
        .await
    };
}

async fn send(body: &'static [u8], content_type: &str) -> (u16, String, Value) {
    let app = app!();
    let request = test::TestRequest::post()
        .uri("/addresses")
        .insert_header(("content-type", content_type))
        .set_payload(body)
        .to_request();
    let response = test::call_service(&app, request).await;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body: Value = serde_json::from_slice(&test::read_body(response).await).unwrap_or(Value::Null);
    (status, content_type, body)
}

#[actix_web::test]
async fn a_good_body_passes() {
    let (status, _, body) = send(r#"{"recipient":"张三","phone":"13800138000"}"#.as_bytes(), "application/json").await;
    assert_eq!(status, 201);
    assert_eq!(body["recipient"], "张三");
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let big: &'static [u8] =
        Box::leak(format!(r#"{{"recipient":"{}","phone":"1"}}"#, "x".repeat(2000)).into_bytes().into_boxed_slice());
    let (status, content_type, body) = send(big, "application/json").await;
    assert_eq!((status, content_type.as_str()), (413, "application/problem+json"));
    assert_eq!(body["code"], "payload_too_large");
}

#[actix_web::test]
async fn broken_json_is_400_with_its_position() {
    let (status, content_type, body) = send(b"{\"recipient\": \"a\",\n \"phone\": }", "application/json").await;
    assert_eq!((status, content_type.as_str()), (400, "application/problem+json"));
    assert_eq!(body["code"], "malformed_json");
    assert_eq!(body["line"], 2);
    assert!(body["column"].as_u64().unwrap() > 0);
}

#[actix_web::test]
async fn wrong_shapes_are_422_naming_the_field() {
    let (status, _, body) = send(br#"{"recipient": 5, "phone": "1"}"#, "application/json").await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "invalid_field");
    assert_eq!(body["field"], "recipient");
    let (status, _, body) = send(br#"{"recipient": "a"}"#, "application/json").await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "phone");
}

#[actix_web::test]
async fn other_media_types_are_415() {
    let (status, content_type, body) = send(b"recipient=a", "application/x-www-form-urlencoded").await;
    assert_eq!((status, content_type.as_str()), (415, "application/problem+json"));
    assert_eq!(body["code"], "unsupported_media_type");
}

#[actix_web::test]
async fn actix_own_errors_become_problems() {
    let app = app!();
    let response = test::call_service(&app, test::TestRequest::get().uri("/addresses").to_request()).await;
    // The route exists for POST only: actix answers 404 for the unmatched method at app level.
    assert!(response.status().is_client_error());
    assert_eq!(response.headers().get("content-type").unwrap(), "application/problem+json");
}
