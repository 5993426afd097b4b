//! The sandbox provider retries a notification on its schedule until it is acknowledged: the
//! gateway sits behind a front that answers 503 to the first two notification attempts.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

on_both_backends!(unacknowledged_notifications_are_retried);

#[derive(Default)]
struct Front {
    target: Mutex<String>,
    refused: AtomicUsize,
}

/// Forwards everything to the gateway, except that the first two notifications get a 503.
async fn forward(req: HttpRequest, body: web::Bytes, front: web::Data<Arc<Front>>) -> HttpResponse {
    if req.path().starts_with("/api/v1/payments/notify/") && front.refused.fetch_add(1, Ordering::SeqCst) < 2 {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let target = front.target.lock().unwrap().clone();
    let url = format!("{target}{}", req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url).body(body.to_vec());
    for (name, value) in req.headers() {
        if name != "host" && name != "content-length" {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = request.send().await.unwrap();
    let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(answer.status().as_u16()).unwrap());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response.insert_header((name.as_str(), value.as_bytes()));
        }
    }
    response.body(answer.bytes().await.unwrap())
}

async fn unacknowledged_notifications_are_retried(backend: Backend) {
    let front = Arc::new(Front::default());
    let shared = front.clone();
    let server =
        HttpServer::new(move || App::new().app_data(web::Data::new(shared.clone())).default_service(web::to(forward)))
            .workers(1)
            .bind("127.0.0.1:0")
            .unwrap();
    let front_url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    // Providers (and the adapters' sandbox calls) reach the gateway through the front.
    let Some(app) = TestApp::spawn_with(backend, |c| c.public_url = Some(front_url.clone())).await else { return };
    *front.target.lock().unwrap() = app.url("");

    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "烧卖", "6.00", 10)).await;
    let buyer = app.register().await;
    let checkout = app.place_checkout(&buyer, &[(&product["skus"][0]["id"], 1)]).await;
    let payment = app.create_payment(&buyer, checkout["checkout_id"].as_i64().unwrap(), "wechatpay", "qr").await;
    let (status, _) = app.wallet(&payment, json!({})).await;
    assert_eq!(status, 200);
    let deliveries = app.deliveries_when(&payment["out_trade_no"], 1).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["attempts"], 3, "two refusals, then acknowledged: {deliveries:?}");
    assert_eq!(front.refused.load(Ordering::SeqCst), 3);
    app.payment_when(&buyer, &payment["id"], "paid").await;
    let order = app.order(&buyer, checkout["orders"][0]["id"].as_i64().unwrap()).await;
    assert_eq!(order["status"], "paid");
    let stored: Vec<Value> = serde_json::from_value(
        app.items_as(&admin, &format!("/api/v1/admin/payments/{}/notifications", payment["id"])).await,
    )
    .unwrap_or_default();
    assert_eq!(stored.len(), 1, "only the delivery that got through reached us: {stored:?}");
}
