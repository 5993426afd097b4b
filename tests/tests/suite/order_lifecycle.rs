//! After placing: cancellation (buyer, shop, payment timeout) releases stock exactly once, payment
//! is idempotent, shipping and receipt follow, illegal moves are 409 naming the current state, and
//! every step is on the order's timeline.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(
    buyers_cancel_unpaid_orders_once,
    paid_orders_ship_and_arrive,
    shops_cancel_with_a_reason,
    unpaid_orders_expire,
    refunds_restock_unshipped_orders_once,
    shipped_orders_are_received_automatically,
    two_sweepers_release_stock_once,
    every_illegal_transition_is_refused,
    received_orders_complete_when_the_after_sales_window_closes,
    the_seller_inbox_filters_by_day,
);

struct Setup {
    seller: User,
    buyer: User,
    product: Value,
    shop: i64,
}

async fn setup(app: &TestApp, admin: &User) -> Setup {
    let (seller, shop) = app.seller(admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "青团", "9.00", 10)).await;
    let buyer = app.register().await;
    Setup { seller, buyer, product, shop }
}

async fn place(app: &TestApp, s: &Setup, quantity: i32) -> i64 {
    app.place_order(&s.buyer, &s.product["skus"][0]["id"], quantity).await
}

/// The order's detail once it reaches `status` (the sweeper runs every second in these tests).
async fn when_status(app: &TestApp, buyer: &User, order: i64, status: &str) -> Value {
    for _ in 0..60 {
        let detail: Value = app.get_as(buyer, &format!("/api/v1/orders/{order}")).await.json().await.unwrap();
        if detail["status"] == status {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("order {order} never became {status}");
}

/// A gateway whose sweeper runs every second, with `adjust` setting its waiting periods.
async fn with_sweeper(backend: Backend, adjust: impl FnOnce(&mut bazaar_gateway::Config)) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| {
        c.crates.checkout.order_sweep_interval_secs = 1;
        adjust(c);
    })
    .await
}

/// Pays and ships an order.
async fn pay_and_ship(app: &TestApp, s: &Setup, order: i64) {
    app.app_state.orders.mark_paid(order.into(), "pay".into()).await.unwrap();
    let ship = json!({ "carrier": "中通", "tracking_number": "ZT9" });
    assert_eq!(app.post_as(&s.seller, &format!("/api/v1/seller/orders/{order}/ship"), &ship).await.status(), 204);
}

async fn stock(app: &TestApp, s: &Setup) -> i64 {
    let view: Value =
        app.get_as(&s.seller, &format!("/api/v1/seller/products/{}", s.product["id"])).await.json().await.unwrap();
    view["skus"][0]["stock"].as_i64().unwrap()
}

async fn buyers_cancel_unpaid_orders_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let order = place(&app, &s, 4).await;
    assert_eq!(stock(&app, &s).await, 6);
    let cancelled: Value = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{order}/cancel"), &json!({ "reason": "买错了" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(stock(&app, &s).await, 10, "stock back");
    let again = app.post_as(&s.buyer, &format!("/api/v1/orders/{order}/cancel"), &json!({})).await;
    let body = problem(again).await;
    assert_eq!(
        (body["code"].as_str(), body["current_status"].as_str()),
        (Some("invalid_transition"), Some("cancelled"))
    );
    assert_eq!(stock(&app, &s).await, 10, "released exactly once");
    let steps: Vec<&str> =
        cancelled["events"].as_array().unwrap().iter().map(|e| e["to_status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["pending_payment", "cancelled"]);
    assert_eq!(cancelled["events"][1]["actor_id"], s.buyer.id);
    let stranger = app.register().await;
    assert_eq!(app.post_as(&stranger, &format!("/api/v1/orders/{order}/cancel"), &json!({})).await.status(), 404);
}

async fn paid_orders_ship_and_arrive(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let order = place(&app, &s, 1).await;
    assert!(app.app_state.orders.mark_paid(order.into(), "pay-123".into()).await.unwrap());
    assert!(!app.app_state.orders.mark_paid(order.into(), "pay-123".into()).await.unwrap(), "paying twice is harmless");
    let late_cancel = app.post_as(&s.buyer, &format!("/api/v1/orders/{order}/cancel"), &json!({})).await;
    assert_eq!(problem(late_cancel).await["current_status"], "paid");

    let inbox: Value = app
        .get_as(&s.seller, &format!("/api/v1/seller/orders?shop_id={}&status=paid", s.shop))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["id"], order);
    let (rival, _) = app.seller(&admin).await;
    assert_eq!(app.get_as(&rival, &format!("/api/v1/seller/orders?shop_id={}", s.shop)).await.status(), 403);
    let ship = json!({ "carrier": "顺丰", "tracking_number": "SF1234567890" });
    assert_eq!(app.post_as(&rival, &format!("/api/v1/seller/orders/{order}/ship"), &ship).await.status(), 404);
    let clerk = app.register().await;
    app.post_as(&s.seller, &format!("/api/v1/shops/{}/staff", s.shop), &json!({ "phone": clerk.phone })).await;
    assert_eq!(
        app.post_as(&clerk, &format!("/api/v1/seller/orders/{order}/ship"), &ship).await.status(),
        204,
        "staff ship too"
    );
    let twice = app.post_as(&s.seller, &format!("/api/v1/seller/orders/{order}/ship"), &ship).await;
    assert_eq!(problem(twice).await["current_status"], "shipped");

    let received: Value = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{order}/confirm-receipt"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((received["status"].as_str(), received["carrier"].as_str()), (Some("received"), Some("顺丰")));
    let steps: Vec<&str> =
        received["events"].as_array().unwrap().iter().map(|e| e["to_status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["pending_payment", "paid", "shipped", "received"]);
    assert_eq!(stock(&app, &s).await, 9, "a delivered order keeps its stock");
}

async fn shops_cancel_with_a_reason(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    // Unpaid: cancelled. (A paid order is refunded in full instead: see the hardening suite.)
    let order = place(&app, &s, 3).await;
    let no_reason = app.post_as(&s.seller, &format!("/api/v1/seller/orders/{order}/cancel"), &json!({})).await;
    assert_eq!(problem(no_reason).await["field"], "reason");
    assert_eq!(
        app.post_as(&s.seller, &format!("/api/v1/seller/orders/{order}/cancel"), &json!({ "reason": "缺货" }))
            .await
            .status(),
        204
    );
    assert_eq!(stock(&app, &s).await, 10);
    let detail: Value = app.get_as(&s.buyer, &format!("/api/v1/orders/{order}")).await.json().await.unwrap();
    assert_eq!(detail["status"], "cancelled");
    assert_eq!(detail["events"][1]["reason"], "缺货");
    assert!(
        app.app_state.orders.mark_paid(order.into(), "late".into()).await.is_err(),
        "a cancelled order cannot be paid"
    );
}

async fn unpaid_orders_expire(backend: Backend) {
    let Some(app) = with_sweeper(backend, |c| c.crates.checkout.order_payment_timeout_secs = 1).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let unpaid = place(&app, &s, 2).await;
    let paid = place(&app, &s, 1).await;
    app.app_state.orders.mark_paid(paid.into(), "pay-2".into()).await.unwrap();
    let detail = when_status(&app, &s.buyer, unpaid, "cancelled").await;
    assert_eq!(detail["events"][1]["reason"], "payment_timeout");
    assert!(detail["events"][1]["actor_id"].is_null());
    assert_eq!(stock(&app, &s).await, 9, "its 2 are back; the paid order's 1 is not");
    let still: Value = app.get_as(&s.buyer, &format!("/api/v1/orders/{paid}")).await.json().await.unwrap();
    assert_eq!(still["status"], "paid");
}

async fn refunds_restock_unshipped_orders_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let unpaid = place(&app, &s, 1).await;
    let early = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{unpaid}/refund-requests"), &json!({ "reason": "不想要了" }))
        .await;
    assert_eq!(problem(early).await["current_status"], "pending_payment", "nothing paid, nothing to refund");

    let unshipped = place(&app, &s, 2).await;
    app.app_state.orders.mark_paid(unshipped.into(), "pay-u".into()).await.unwrap();
    assert_eq!(stock(&app, &s).await, 7);
    let asked = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{unshipped}/refund-requests"), &json!({ "reason": "拍错规格" }))
        .await;
    assert_eq!(asked.status(), 201);
    let request: Value = asked.json().await.unwrap();
    let twice = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{unshipped}/refund-requests"), &json!({ "reason": "再问" }))
        .await;
    assert_eq!(problem(twice).await["code"], "refund_pending");
    let inbox: Value = app.items_as(&s.seller, &format!("/api/v1/seller/refund-requests?shop_id={}", s.shop)).await;
    assert_eq!(inbox[0]["id"], request["id"]);

    let approve = format!("/api/v1/seller/refund-requests/{}/approve", request["id"]);
    let stranger = app.register().await;
    assert_eq!(app.post_as(&stranger, &approve, &json!({})).await.status(), 404);
    let approved: Value = app.post_as(&s.seller, &approve, &json!({})).await.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(stock(&app, &s).await, 9, "an unshipped order goes back into stock");
    let again = app.post_as(&s.seller, &approve, &json!({})).await;
    assert_eq!(problem(again).await["code"], "invalid_transition");
    assert_eq!(stock(&app, &s).await, 9, "restocked exactly once");
    let order: Value = app.get_as(&s.buyer, &format!("/api/v1/orders/{unshipped}")).await.json().await.unwrap();
    assert_eq!(order["status"], "refunded");
    let id = request["id"].as_i64().unwrap();
    assert!(app.app_state.orders.mark_refunded(id.into()).await.unwrap());
    assert!(!app.app_state.orders.mark_refunded(id.into()).await.unwrap(), "the provider's confirmation is idempotent");

    // A shipped order: refunded without restocking (the goods are with the buyer); rejection needs a reason.
    let shipped = place(&app, &s, 1).await;
    app.app_state.orders.mark_paid(shipped.into(), "pay-s".into()).await.unwrap();
    app.post_as(
        &s.seller,
        &format!("/api/v1/seller/orders/{shipped}/ship"),
        &json!({ "carrier": "圆通", "tracking_number": "YT1" }),
    )
    .await;
    let ask: Value = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{shipped}/refund-requests"), &json!({ "reason": "破损" }))
        .await
        .json()
        .await
        .unwrap();
    let reject = format!("/api/v1/seller/refund-requests/{}/reject", ask["id"]);
    assert_eq!(problem(app.post_as(&s.seller, &reject, &json!({})).await).await["field"], "reason");
    let rejected: Value = app.post_as(&s.seller, &reject, &json!({ "reason": "请先退货" })).await.json().await.unwrap();
    assert_eq!(
        (rejected["status"].as_str(), rejected["decision_reason"].as_str()),
        (Some("rejected"), Some("请先退货"))
    );
    let ask: Value = app
        .post_as(&s.buyer, &format!("/api/v1/orders/{shipped}/refund-requests"), &json!({ "reason": "已退货" }))
        .await
        .json()
        .await
        .unwrap();
    app.post_as(&s.seller, &format!("/api/v1/seller/refund-requests/{}/approve", ask["id"]), &json!({})).await;
    assert_eq!(stock(&app, &s).await, 8, "9 - 1 shipped; nothing restocked for it");
}

async fn shipped_orders_are_received_automatically(backend: Backend) {
    let Some(app) = with_sweeper(backend, |c| c.crates.checkout.order_auto_receive_secs = 1).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let order = place(&app, &s, 1).await;
    pay_and_ship(&app, &s, order).await;
    let detail = when_status(&app, &s.buyer, order, "received").await;
    assert_eq!(detail["events"].as_array().unwrap().last().unwrap()["reason"], "auto_confirmed");
}

async fn two_sweepers_release_stock_once(backend: Backend) {
    let Some(a) = with_sweeper(backend, |c| c.crates.checkout.order_payment_timeout_secs = 1).await else { return };
    let b = a.spawn_sibling().await;
    let admin = a.admin().await;
    let s = setup(&a, &admin).await;
    let order = place(&a, &s, 3).await;
    assert_eq!(stock(&a, &s).await, 7);
    when_status(&b, &s.buyer, order, "cancelled").await;
    // Give the slower sweeper a chance to try too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let detail: Value = a.get_as(&s.buyer, &format!("/api/v1/orders/{order}")).await.json().await.unwrap();
    let cancellations = detail["events"].as_array().unwrap().iter().filter(|e| e["to_status"] == "cancelled").count();
    assert_eq!(cancellations, 1);
    assert_eq!(stock(&a, &s).await, 10, "released once, not twice");
    let sku = s.product["skus"][0]["id"].clone();
    let ledger: Value =
        a.get_as(&s.seller, &format!("/api/v1/seller/skus/{sku}/ledger")).await.json::<Value>().await.unwrap()["items"]
            .clone();
    assert_eq!(ledger.as_array().unwrap().iter().filter(|e| e["reason"] == "release").count(), 1);
}

async fn every_illegal_transition_is_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let ship = json!({ "carrier": "EMS", "tracking_number": "E1" });
    // An order in each state.
    let pending = place(&app, &s, 1).await;
    let paid = place(&app, &s, 1).await;
    app.app_state.orders.mark_paid(paid.into(), "p".into()).await.unwrap();
    let shipped = place(&app, &s, 1).await;
    app.app_state.orders.mark_paid(shipped.into(), "p".into()).await.unwrap();
    assert_eq!(app.post_as(&s.seller, &format!("/api/v1/seller/orders/{shipped}/ship"), &ship).await.status(), 204);
    let received = place(&app, &s, 1).await;
    app.app_state.orders.mark_paid(received.into(), "p".into()).await.unwrap();
    app.post_as(&s.seller, &format!("/api/v1/seller/orders/{received}/ship"), &ship).await;
    app.post_as(&s.buyer, &format!("/api/v1/orders/{received}/confirm-receipt"), &json!({})).await;
    let cancelled = place(&app, &s, 1).await;
    app.post_as(&s.buyer, &format!("/api/v1/orders/{cancelled}/cancel"), &json!({})).await;

    let buyer_cancel = |id: i64| (s.buyer.clone(), format!("/api/v1/orders/{id}/cancel"), json!({}));
    let seller_ship = |id: i64| (s.seller.clone(), format!("/api/v1/seller/orders/{id}/ship"), ship.clone());
    let confirm = |id: i64| (s.buyer.clone(), format!("/api/v1/orders/{id}/confirm-receipt"), json!({}));
    let seller_cancel =
        |id: i64| (s.seller.clone(), format!("/api/v1/seller/orders/{id}/cancel"), json!({ "reason": "x" }));
    let cases = [
        (pending, "pending_payment", vec![seller_ship(pending), confirm(pending)]),
        (paid, "paid", vec![buyer_cancel(paid), confirm(paid)]),
        (shipped, "shipped", vec![buyer_cancel(shipped), seller_ship(shipped), seller_cancel(shipped)]),
        (
            received,
            "received",
            vec![buyer_cancel(received), seller_ship(received), confirm(received), seller_cancel(received)],
        ),
        (
            cancelled,
            "cancelled",
            vec![buyer_cancel(cancelled), seller_ship(cancelled), confirm(cancelled), seller_cancel(cancelled)],
        ),
    ];
    for (order, state, moves) in cases {
        for (user, path, body) in moves {
            let response = app.post_as(&user, &path, &body).await;
            assert_eq!(response.status(), 409, "{path} on a {state} order");
            let problem = problem(response).await;
            assert_eq!(
                (problem["code"].as_str(), problem["current_status"].as_str()),
                (Some("invalid_transition"), Some(state)),
                "{path}"
            );
        }
        let detail: Value = app.get_as(&s.buyer, &format!("/api/v1/orders/{order}")).await.json().await.unwrap();
        assert_eq!(detail["status"], state, "refused moves change nothing");
    }
    assert!(app.app_state.orders.mark_paid(cancelled.into(), "late".into()).await.is_err());
}

async fn received_orders_complete_when_the_after_sales_window_closes(backend: Backend) {
    let Some(app) = with_sweeper(backend, |c| c.crates.checkout.order_complete_after_secs = 1).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let order = place(&app, &s, 1).await;
    pay_and_ship(&app, &s, order).await;
    app.post_as(&s.buyer, &format!("/api/v1/orders/{order}/confirm-receipt"), &json!({})).await;
    when_status(&app, &s.buyer, order, "completed").await;
    let late =
        app.post_as(&s.buyer, &format!("/api/v1/orders/{order}/refund-requests"), &json!({ "reason": "太晚了" })).await;
    assert_eq!(problem(late).await["current_status"], "completed", "no refunds after the window");
}

async fn the_seller_inbox_filters_by_day(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let s = setup(&app, &admin).await;
    let order = place(&app, &s, 1).await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    let inbox = |query: String| {
        let (app, seller) = (&app, s.seller.clone());
        async move { app.get_as(&seller, &format!("/api/v1/seller/orders?shop_id={}&{query}", s.shop)).await }
    };
    let found: Value = inbox(format!("from={today}&to={today}")).await.json().await.unwrap();
    assert_eq!(found["items"][0]["id"], order);
    let before: Value = inbox(format!("to={yesterday}")).await.json().await.unwrap();
    assert_eq!(before["items"], json!([]));
    let after: Value = inbox(format!("from={}", today.succ_opt().unwrap())).await.json().await.unwrap();
    assert_eq!(after["items"], json!([]));
    assert_eq!(inbox("from=not-a-day".into()).await.status(), 400);
}
