//! What happens around a payment: reconciliation finds payments whose notification never came,
//! trades close at the provider when orders time out, money that arrives for a cancelled order
//! goes back automatically, after-sales refunds (partial and full) go through the provider once.

use bazaar_payments::provider::RefundOrder;
use bazaar_tests::catalog::simple;
use bazaar_tests::payments::PROVIDERS;
use bazaar_tests::{Backend, TestApp, User, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    silent_payments_are_found_by_querying,
    unpaid_trades_close_when_orders_time_out,
    money_for_a_cancelled_order_is_refunded,
    late_money_after_timeout_is_refunded,
    partial_and_full_refunds_go_through_the_provider,
    provider_refunds_are_idempotent_by_refund_number,
);

struct Shop {
    seller: User,
    buyer: User,
    sku: Value,
}

async fn shop(app: &TestApp, price: &str) -> Shop {
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "月饼", price, 100)).await;
    Shop { seller, buyer: app.register().await, sku: product["skus"][0]["id"].clone() }
}

async fn order(app: &TestApp, s: &Shop) -> (i64, i64) {
    let checkout = app.place_checkout(&s.buyer, &[(&s.sku, 1)]).await;
    (checkout["checkout_id"].as_i64().unwrap(), checkout["orders"][0]["id"].as_i64().unwrap())
}

/// A gateway that reconciles every second and queries trades quiet for a second.
async fn reconciling(backend: Backend, adjust: impl FnOnce(&mut bazaar_gateway::Config)) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| {
        c.crates.payments.payment_reconcile_interval_secs = 1;
        c.crates.payments.payment_query_after_secs = 1;
        adjust(c);
    })
    .await
}

/// A gateway whose unpaid orders time out after `seconds` (swept every second) and whose
/// reconciler closes trades every second but never queries quiet ones early.
async fn timing_out(backend: Backend, seconds: u64) -> Option<TestApp> {
    reconciling(backend, |c| {
        c.crates.checkout.order_payment_timeout_secs = seconds;
        c.crates.checkout.order_sweep_interval_secs = 1;
        c.crates.payments.payment_query_after_secs = 3_600;
    })
    .await
}

async fn silent_payments_are_found_by_querying(backend: Backend) {
    let Some(app) = reconciling(backend, |_| {}).await else { return };
    let s = shop(&app, "20.00").await;
    for provider in PROVIDERS {
        let (checkout, order_id) = order(&app, &s).await;
        let payment = app.create_payment(&s.buyer, checkout, provider, "app").await;
        let (status, outcome) = app.wallet(&payment, json!({ "silent": true })).await;
        assert_eq!(status, 200, "{outcome}");
        assert_eq!(outcome["deliveries"].as_array().map(Vec::len), Some(0), "{provider}: no notification sent");
        app.payment_when(&s.buyer, &payment["id"], "paid").await;
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "paid", "{provider}");
    }
}

async fn unpaid_trades_close_when_orders_time_out(backend: Backend) {
    let Some(app) = timing_out(backend, 2).await else { return };
    let s = shop(&app, "20.00").await;
    let mut payments = Vec::new();
    for provider in PROVIDERS {
        let (checkout, order_id) = order(&app, &s).await;
        payments.push((provider, order_id, app.create_payment(&s.buyer, checkout, provider, "qr").await));
    }
    for (provider, order_id, payment) in payments {
        let closed = app.payment_when(&s.buyer, &payment["id"], "closed").await;
        assert!(closed["closed_at"].is_string(), "{provider}");
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "cancelled", "{provider}");
        // Closed at the provider (or past its payment deadline): the phone can no longer pay it.
        let (status, body) = app.wallet(&payment, json!({})).await;
        assert_eq!(status, 409, "{provider}: {body}");
    }
}

async fn money_for_a_cancelled_order_is_refunded(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app, "20.00").await;
    for provider in PROVIDERS {
        let (checkout, order_id) = order(&app, &s).await;
        let payment = app.create_payment(&s.buyer, checkout, provider, "app").await;
        let cancel = app.post_as(&s.buyer, &format!("/api/v1/orders/{order_id}/cancel"), &json!({})).await;
        assert!(cancel.status().is_success(), "{}", cancel.status());
        // The buyer's phone had already opened the payment and pays anyway.
        let (status, _) = app.wallet(&payment, json!({})).await;
        assert_eq!(status, 200);
        let paid = app.payment_when(&s.buyer, &payment["id"], "paid").await;
        let refunds = refunds_when_succeeded(&app, &s.buyer, &paid["id"], 1).await;
        assert_eq!(refunds[0]["amount"], "30.00", "{provider}: the whole payment goes back");
        assert_eq!(refunds[0]["order_id"], order_id);
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "cancelled", "{provider}: never silently paid");
    }
}

async fn late_money_after_timeout_is_refunded(backend: Backend) {
    let Some(app) = timing_out(backend, 3).await else { return };
    let s = shop(&app, "20.00").await;
    let (checkout, order_id) = order(&app, &s).await;
    let payment = app.create_payment(&s.buyer, checkout, "wechatpay", "app").await;
    // Paid in time, but the notification is lost; the sweeper cancels the order at its deadline and
    // the reconciler's last query before closing finds the money.
    let (status, _) = app.wallet(&payment, json!({ "silent": true })).await;
    assert_eq!(status, 200);
    let paid = app.payment_when(&s.buyer, &payment["id"], "paid").await;
    let refunds = refunds_when_succeeded(&app, &s.buyer, &paid["id"], 1).await;
    assert_eq!(refunds[0]["amount"], "30.00");
    assert_eq!(app.order(&s.buyer, order_id).await["status"], "cancelled");
}

async fn refunds_when_succeeded(app: &TestApp, user: &User, payment_id: &Value, count: usize) -> Vec<Value> {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = app.get_as(user, &format!("/api/v1/payments/{payment_id}")).await.json().await.unwrap();
        let refunds = last["refunds"].as_array().cloned().unwrap_or_default();
        if refunds.iter().filter(|refund| refund["status"] == "succeeded").count() >= count {
            return refunds;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("refunds never succeeded: {last}");
}

async fn partial_and_full_refunds_go_through_the_provider(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let first = shop(&app, "20.00").await;
    let (second_seller, second_shop) = app.seller(&admin).await;
    let tea = app
        .publish_product(&second_seller, &simple(second_shop, app.category("Snacks").await, "龙井", "50.00", 10))
        .await;
    for provider in PROVIDERS {
        // One checkout, two shops, one payment of 30.00 + 60.00.
        let checkout = app.place_checkout(&first.buyer, &[(&first.sku, 1), (&tea["skus"][0]["id"], 1)]).await;
        let orders: Vec<i64> =
            checkout["orders"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
        let payment = app.create_payment(&first.buyer, checkout["checkout_id"].as_i64().unwrap(), provider, "qr").await;
        assert_eq!(payment["amount"], "90.00");
        app.wallet(&payment, json!({})).await;
        app.payment_when(&first.buyer, &payment["id"], "paid").await;
        let sellers = [&first.seller, &second_seller];
        for (index, order_id) in orders.iter().enumerate() {
            let asked = app
                .post_as(
                    &first.buyer,
                    &format!("/api/v1/orders/{order_id}/refund-requests"),
                    &json!({ "reason": "不想要了" }),
                )
                .await;
            assert_eq!(asked.status(), 201, "{provider}");
            let request: Value = asked.json().await.unwrap();
            let approved = app
                .post_as(
                    sellers[index],
                    &format!("/api/v1/seller/refund-requests/{}/approve", request["id"]),
                    &json!({}),
                )
                .await;
            assert_eq!(approved.status(), 200, "{provider}");
            assert_eq!(approved.json::<Value>().await.unwrap()["status"], "refunded", "{provider}: money went back");
            let refunds = refunds_when_succeeded(&app, &first.buyer, &payment["id"], index + 1).await;
            let total: f64 = refunds.iter().map(|r| r["amount"].as_str().unwrap().parse::<f64>().unwrap()).sum();
            // First a partial refund (one shop's order), then the rest: the whole payment.
            assert_eq!(total, if index == 0 { 30.0 } else { 90.0 }, "{provider}: {refunds:?}");
        }
    }
}

async fn provider_refunds_are_idempotent_by_refund_number(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app, "20.00").await;
    for provider_name in PROVIDERS {
        let (checkout, _) = order(&app, &s).await;
        let payment = app.create_payment(&s.buyer, checkout, provider_name, "app").await;
        app.wallet(&payment, json!({})).await;
        let paid = app.payment_when(&s.buyer, &payment["id"], "paid").await;
        let provider = app.app_state.payments.provider(provider_name).unwrap();
        let trade = provider.query(paid["out_trade_no"].as_str().unwrap()).await.unwrap();
        let refund = |number: &str, fen: i64| RefundOrder {
            out_trade_no: paid["out_trade_no"].as_str().unwrap().to_string(),
            provider_trade_no: trade.provider_trade_no.clone(),
            out_refund_no: number.to_string(),
            refund_fen: fen,
            total_fen: 3000,
            reason: "test".into(),
        };
        let first = provider.refund(&refund("R-A", 2000)).await.unwrap();
        let replay = provider.refund(&refund("R-A", 2000)).await.unwrap();
        assert!(first.accepted && replay.accepted, "{provider_name}");
        // Had the replay refunded again, 2000 + 2000 would exceed 3000 and this would succeed
        // only for 1000 more; 1001 more must be refused.
        let over = provider.refund(&refund("R-B", 1001)).await;
        assert!(over.is_err(), "{provider_name}: refunded more than was paid");
        assert!(provider.refund(&refund("R-C", 1000)).await.unwrap().accepted, "{provider_name}");
    }
}
