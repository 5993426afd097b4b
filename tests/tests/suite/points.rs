//! Points as a buyer meets them: a daily check-in that counts once however often (and however
//! concurrently) it is asked, points paying part of an order within their share and coming back
//! exactly once when it is cancelled, points earned once an order completes, and the balance
//! always the sum of its ledger.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    a_check_in_counts_once_a_day_however_often_it_is_asked,
    points_pay_part_of_an_order_and_come_back_once_when_it_is_cancelled,
    completed_orders_earn_points_once,
);

async fn points(app: &TestApp, user: &User) -> Value {
    let response = app.get_as(user, "/api/v1/me/points").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("points")
}

/// The balance, after checking it is the sum of the ledger.
async fn balance(app: &TestApp, user: &User) -> i64 {
    let view = points(app, user).await;
    let sum: i64 = view["items"].as_array().expect("ledger").iter().filter_map(|entry| entry["delta"].as_i64()).sum();
    assert_eq!(view["balance"].as_i64(), Some(sum), "the balance is the sum of its ledger: {view}");
    sum
}

async fn a_check_in_counts_once_a_day_however_often_it_is_asked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let buyer = app.register().await;
    let empty = json!({});
    let answers = join_all((0..10).map(|_| app.post_as(&buyer, "/api/v1/me/check-ins", &empty))).await;
    let statuses: Vec<u16> = answers.iter().map(|answer| answer.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|status| *status == 201 || *status == 200), "{statuses:?}");
    let again: Value = app.post_as(&buyer, "/api/v1/me/check-ins", &json!({})).await.json().await.unwrap();
    assert_eq!(
        (again["new"].as_bool(), again["streak"].as_i64(), again["points"].as_i64()),
        (Some(false), Some(1), Some(5))
    );
    assert_eq!(balance(&app, &buyer).await, 5);
    assert_eq!(points(&app, &buyer).await["items"][0]["reason"], "check_in");
}

/// A gateway whose check-in gives 50.00 yuan of points, so a buyer can pay with them.
async fn rich_check_ins(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| c.crates.promotions.check_in_points = 5_000).await
}

async fn order_with(app: &TestApp, buyer: &User, sku: &Value, body: Value, key: &str) -> reqwest::Response {
    let address: Value = app
        .post_as(
            buyer,
            "/api/v1/me/addresses",
            &json!({ "recipient": "周九", "phone": buyer.phone, "province": "广东省", "city": "广州市",
                     "district": "越秀区", "detail": "北京路 9 号" }),
        )
        .await
        .json()
        .await
        .expect("address");
    let mut order = json!({ "address_id": address["id"], "items": [{ "sku_id": sku, "quantity": 1 }] });
    for (key, value) in body.as_object().expect("fields").clone() {
        order[key] = value;
    }
    app.client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&buyer.access_token)
        .header("idempotency-key", key)
        .json(&order)
        .send()
        .await
        .expect("order")
}

async fn points_pay_part_of_an_order_and_come_back_once_when_it_is_cancelled(backend: Backend) {
    let Some(app) = rich_check_ins(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "龙井", "40.00", 50)).await;
    let sku = &product["skus"][0]["id"];
    let buyer = app.register().await;
    app.post_as(&buyer, "/api/v1/me/check-ins", &json!({})).await;
    assert_eq!(balance(&app, &buyer).await, 5_000);

    let quote: Value = app
        .post_as(
            &buyer,
            "/api/v1/checkout/preview",
            &json!({ "items": [{ "sku_id": sku, "quantity": 1 }], "points": 1000 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let adjustment = &quote["shops"][0]["adjustments"][0];
    assert_eq!(
        (adjustment["kind"].as_str(), adjustment["amount"].as_str()),
        (Some("points"), Some("-10.00")),
        "{quote}"
    );
    assert_eq!(adjustment["funder"], "platform");
    // Half of 40.00 at most: 2000 points; and never more than the balance.
    for (asked, why) in [(3000, "at most 2000"), (-5, "negative")] {
        let refused = order_with(&app, &buyer, sku, json!({ "points": asked }), &format!("too-many-{asked}")).await;
        assert_eq!(refused.status(), 422, "{asked}");
        let refusal = problem(refused).await;
        assert_eq!(refusal["field"], "points");
        assert!(refusal["detail"].as_str().unwrap_or_default().contains(why), "{refusal}");
    }
    let poor = app.register().await;
    let refused = order_with(&app, &poor, sku, json!({ "points": 100 }), "poor-1").await;
    assert_eq!(
        (refused.status().as_u16(), problem(refused).await["field"].as_str().map(String::from)),
        (422, Some("points".into()))
    );
    assert_eq!(balance(&app, &buyer).await, 5_000, "refusals take nothing");

    let placed: Value = order_with(&app, &buyer, sku, json!({ "points": 1000 }), "spend-1").await.json().await.unwrap();
    let order = placed["orders"][0].clone();
    assert_eq!(order["adjustments"][0]["amount"], "-10.00", "{placed}");
    assert_eq!(balance(&app, &buyer).await, 4_000);
    for _ in 0..2 {
        app.post_as(&buyer, &format!("/api/v1/orders/{}/cancel", order["id"]), &json!({})).await;
    }
    assert_eq!(balance(&app, &buyer).await, 5_000, "given back once");
    let reasons: Vec<String> = points(&app, &buyer).await["items"]
        .as_array()
        .expect("ledger")
        .iter()
        .filter_map(|entry| entry["reason"].as_str().map(String::from))
        .collect();
    assert_eq!(reasons, ["order_returned", "order_spent", "check_in"]);
}

async fn completed_orders_earn_points_once(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.crates.checkout.order_sweep_interval_secs = 1;
        c.crates.checkout.order_complete_after_secs = 1;
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product =
        app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "碧螺春", "123.45", 5)).await;
    let buyer = app.register().await;
    let order = app.place_order(&buyer, &product["skus"][0]["id"], 1).await;
    app.app_state.orders.mark_paid(order.into(), "pay-points".into()).await.unwrap();
    let shipped = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/orders/{order}/ship"),
            &json!({ "carrier": "顺丰", "tracking_number": "SF1" }),
        )
        .await;
    assert_eq!(shipped.status(), 204);
    app.post_as(&buyer, &format!("/api/v1/orders/{order}/confirm-receipt"), &json!({})).await;
    let mut earned = 0;
    for _ in 0..80 {
        earned = balance(&app, &buyer).await;
        if earned > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let detail: Value = app.get_as(&buyer, &format!("/api/v1/orders/{order}")).await.json().await.unwrap();
    assert_eq!(detail["status"], "completed");
    let paid: f64 = detail["total"].as_str().and_then(|total| total.parse().ok()).expect("total");
    assert_eq!(earned, paid.floor() as i64, "one point per whole yuan paid");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(balance(&app, &buyer).await, earned, "earned once, though the sweeper keeps running");
}
