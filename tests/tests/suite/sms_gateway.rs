//! `sms_provider = "http"`: login codes go to a real HTTP SMS gateway (a stand-in server this test
//! runs), with the configured bearer token; a gateway failure is a clear 503 and leaves no code.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bazaar_gateway::config::SmsProviderKind;
use bazaar_tests::{Backend, TestApp, fresh_phone, on_both_backends, problem};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

on_both_backends!(codes_are_delivered_through_the_http_gateway, a_failing_gateway_is_a_503_and_stores_no_code);

/// One message as the gateway saw it: its Authorization header and JSON body.
type Message = (Option<String>, Value);

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Message>>>);

async fn accept(
    req: HttpRequest,
    body: web::Json<Value>,
    received: web::Data<Received>,
    status: web::Data<u16>,
) -> HttpResponse {
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    received.0.lock().unwrap().push((auth, body.into_inner()));
    HttpResponse::build(actix_web::http::StatusCode::from_u16(*status.get_ref()).unwrap()).json(json!({ "ok": true }))
}

/// An SMS gateway answering `status` to every message; returns its URL and what it received.
fn sms_gateway(status: u16) -> (String, Received) {
    let received = Received::default();
    let shared = received.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(shared.clone()))
            .app_data(web::Data::new(status))
            .route("/send", web::post().to(accept))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/send", server.addrs()[0]);
    tokio::spawn(server.run());
    (url, received)
}

async fn codes_are_delivered_through_the_http_gateway(backend: Backend) {
    let (url, received) = sms_gateway(200);
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.sms.sms_provider = SmsProviderKind::Http;
        c.crates.sms.sms_http_url = Some(url);
        c.crates.sms.sms_http_token = Some("gateway-token".into());
    })
    .await
    else {
        return;
    };
    let phone = fresh_phone();
    let sent = app.post_json("/api/v1/auth/otp/send", &json!({ "phone": phone, "purpose": "login" })).await;
    assert_eq!(sent.status(), 202);
    let (auth, message) = received.0.lock().unwrap().last().cloned().expect("the gateway got the message");
    assert_eq!(auth.as_deref(), Some("Bearer gateway-token"));
    assert_eq!(message["phone"], format!("+86{phone}"));
    let code: String = message["text"].as_str().unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
    let login = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": code })).await;
    assert_eq!(login.status(), 201);
    let sandbox: Value = app.get(&format!("/sandbox/sms/messages?phone={phone}")).await.json().await.unwrap();
    assert_eq!(sandbox, json!([]), "the sandbox outbox is not used with a real provider");
}

async fn a_failing_gateway_is_a_503_and_stores_no_code(backend: Backend) {
    let (url, received) = sms_gateway(500);
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.sms.sms_provider = SmsProviderKind::Http;
        c.crates.sms.sms_http_url = Some(url);
    })
    .await
    else {
        return;
    };
    let phone = fresh_phone();
    let sent = app.post_json("/api/v1/auth/otp/send", &json!({ "phone": phone, "purpose": "login" })).await;
    assert_eq!(sent.status(), 503);
    assert_eq!(problem(sent).await["code"], "sms_unavailable");
    let (auth, message) = received.0.lock().unwrap().last().cloned().expect("the gateway was called");
    assert_eq!(auth, None, "no token configured, none sent");
    let code: String = message["text"].as_str().unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
    let login = app.post_json("/api/v1/auth/otp/login", &json!({ "phone": phone, "code": code })).await;
    assert_eq!(problem(login).await["code"], "otp_expired", "an undelivered code is discarded");
}
