//! Paying orders end to end over HTTP, for every provider and channel: the sandbox wallet pays,
//! the sandbox provider notifies over real HTTP, the order becomes paid once however the
//! notifications arrive; declined payments leave it waiting.

use bazaar_tests::catalog::simple;
use bazaar_tests::payments::{CHANNELS, PROVIDERS};
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(
    every_provider_and_channel_pays_an_order,
    declined_payments_leave_the_order_waiting,
    duplicate_and_out_of_order_notifications_change_state_once,
    asking_again_returns_the_same_trade_and_switching_closes_it,
    the_cashier_page_pays_in_a_phone_browser,
    bad_payment_requests_name_the_field_at_fault,
);

pub struct Shop {
    pub buyer: User,
    pub sku: Value,
    pub admin: User,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "青团", "9.90", 100)).await;
    Shop { buyer: app.register().await, sku: product["skus"][0]["id"].clone(), admin }
}

/// Places an order of `quantity` and returns (checkout id, order id).
async fn order(app: &TestApp, s: &Shop, quantity: i32) -> (i64, i64) {
    let checkout = app.place_checkout(&s.buyer, &[(&s.sku, quantity)]).await;
    (checkout["checkout_id"].as_i64().unwrap(), checkout["orders"][0]["id"].as_i64().unwrap())
}

async fn paid_transitions(app: &TestApp, buyer: &User, order_id: i64) -> usize {
    let order = app.order(buyer, order_id).await;
    order["events"].as_array().unwrap().iter().filter(|event| event["to_status"] == "paid").count()
}

async fn every_provider_and_channel_pays_an_order(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app).await;
    for provider in PROVIDERS {
        for channel in CHANNELS {
            let (checkout, order_id) = order(&app, &s, 2).await;
            let payment = app.create_payment(&s.buyer, checkout, provider, channel).await;
            assert_eq!(payment["amount"], "29.80", "{provider}/{channel}: 2 × 9.90 + 10.00 shipping");
            assert_eq!(payment["status"], "pending");
            let (status, outcome) = app.wallet(&payment, json!({})).await;
            assert_eq!(status, 200, "{provider}/{channel}: {outcome}");
            let paid = app.payment_when(&s.buyer, &payment["id"], "paid").await;
            assert_eq!(paid["payer_id"], s.buyer.id, "{provider}/{channel}");
            let detail = app.order(&s.buyer, order_id).await;
            assert_eq!(detail["status"], "paid", "{provider}/{channel}");
            assert_eq!(paid_transitions(&app, &s.buyer, order_id).await, 1);
            let stored = app.stored_notifications(&s.admin, &payment["id"], 1).await;
            assert_eq!(stored.len(), 1, "{provider}/{channel}: one notification stored: {stored:?}");
            assert_eq!(stored[0]["outcome"], "applied");
        }
    }
}

async fn declined_payments_leave_the_order_waiting(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app).await;
    for provider in PROVIDERS {
        let (checkout, order_id) = order(&app, &s, 1).await;
        let payment = app.create_payment(&s.buyer, checkout, provider, "app").await;
        let (status, outcome) = app.wallet(&payment, json!({ "action": "decline" })).await;
        assert_eq!((status, outcome["status"].as_str()), (200, Some("declined")), "{provider}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "pending_payment", "{provider}");
        // The buyer tries again and pays.
        let again = app.create_payment(&s.buyer, checkout, provider, "app").await;
        let (status, _) = app.wallet(&again, json!({})).await;
        assert_eq!(status, 200, "{provider}");
        app.payment_when(&s.buyer, &again["id"], "paid").await;
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "paid", "{provider}");
    }
}

async fn duplicate_and_out_of_order_notifications_change_state_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app).await;
    for provider in PROVIDERS {
        let (checkout, order_id) = order(&app, &s, 1).await;
        let payment = app.create_payment(&s.buyer, checkout, provider, "qr").await;
        let (status, _) = app.wallet(&payment, json!({ "duplicates": 10, "out_of_order": true })).await;
        assert_eq!(status, 200);
        // Ten copies of "paid" and one stale "not paid yet", every one acknowledged.
        let deliveries = app.deliveries_when(&payment["out_trade_no"], 11).await;
        assert_eq!(deliveries.len(), 11, "{provider}: {deliveries:?}");
        app.payment_when(&s.buyer, &payment["id"], "paid").await;
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "paid", "{provider}: a stale notice does not unpay");
        assert_eq!(paid_transitions(&app, &s.buyer, order_id).await, 1, "{provider}");
        let stored: Vec<Value> = serde_json::from_value(
            app.items_as(&s.admin, &format!("/api/v1/admin/payments/{}/notifications", payment["id"])).await,
        )
        .unwrap_or_default();
        let count = |outcome: &str| stored.iter().filter(|n| n["outcome"] == outcome).count();
        assert_eq!(stored.len(), 11, "{provider}: every notification stored");
        assert_eq!((count("applied"), count("duplicate"), count("ignored")), (1, 9, 1), "{provider}: {stored:?}");
    }
}

async fn asking_again_returns_the_same_trade_and_switching_closes_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app).await;
    let (checkout, order_id) = order(&app, &s, 1).await;
    let first = app.create_payment(&s.buyer, checkout, "wechatpay", "qr").await;
    let again = app.create_payment(&s.buyer, checkout, "wechatpay", "qr").await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["pay"]["code_url"], again["pay"]["code_url"]);
    let switched = app.create_payment(&s.buyer, checkout, "alipay", "qr").await;
    assert_ne!(switched["id"], first["id"]);
    let closed = app.payment_when(&s.buyer, &first["id"], "closed").await;
    assert_eq!(closed["status"], "closed");
    // The replaced trade can no longer be paid at the provider.
    let (status, _) = app.wallet(&first, json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = app.wallet(&switched, json!({})).await;
    assert_eq!(status, 200);
    app.payment_when(&s.buyer, &switched["id"], "paid").await;
    assert_eq!(app.order(&s.buyer, order_id).await["status"], "paid");
}

async fn the_cashier_page_pays_in_a_phone_browser(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app).await;
    for provider in ["alipay", "wechatpay"] {
        let (checkout, order_id) = order(&app, &s, 2).await;
        let payment = app.create_payment(&s.buyer, checkout, provider, "h5").await;
        // Alipay's wap link redirects to the cashier; WeChat's h5_url is the cashier.
        let page_url = app.wallet_reference(&payment).await;
        let page = app.client.get(&page_url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = page.text().await.unwrap();
        assert!(html.contains("¥29.80") && html.contains("<form"), "{provider}: {html}");
        // The link's query also carries the way back (WeChat Pay's `redirect_url`).
        let query = page_url.split_once('?').map(|(_, query)| query).unwrap_or_default();
        let reference = form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "reference")
            .map(|(_, value)| value.into_owned())
            .expect("the cashier link names its trade");
        let submitted = app
            .client
            .post(app.url("/sandbox/wallet/cashier"))
            .form(&[("reference", reference.as_str()), ("action", "pay")])
            .send()
            .await
            .unwrap();
        assert_eq!(submitted.status(), 200, "{provider}");
        app.payment_when(&s.buyer, &payment["id"], "paid").await;
        assert_eq!(app.order(&s.buyer, order_id).await["status"], "paid", "{provider}");
    }
}

async fn bad_payment_requests_name_the_field_at_fault(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let s = shop(&app).await;
    let (checkout, _) = order(&app, &s, 1).await;
    let stranger = app.register().await;
    let cases = [
        (
            &s.buyer,
            json!({ "checkout_id": checkout, "provider": "paypal", "channel": "app" }),
            422,
            "provider_unavailable",
            Some("provider"),
        ),
        (
            &s.buyer,
            json!({ "checkout_id": checkout, "provider": "alipay", "channel": "nfc" }),
            422,
            "invalid_field",
            Some("channel"),
        ),
        (&s.buyer, json!({ "checkout_id": checkout, "provider": "alipay" }), 422, "invalid_field", Some("channel")),
        (
            &s.buyer,
            json!({ "checkout_id": "one", "provider": "alipay", "channel": "app" }),
            422,
            "invalid_field",
            Some("checkout_id"),
        ),
        (&stranger, json!({ "checkout_id": checkout, "provider": "alipay", "channel": "app" }), 404, "not_found", None),
        (&s.buyer, json!({ "checkout_id": 999_999, "provider": "alipay", "channel": "app" }), 404, "not_found", None),
    ];
    for (user, body, status, code, field) in cases {
        let answer = problem(app.post_as(user, "/api/v1/payments", &body).await).await;
        assert_eq!(answer["status"], status, "{body}: {answer}");
        assert_eq!(answer["code"], code, "{body}: {answer}");
        assert_eq!(answer["field"].as_str(), field, "{body}: {answer}");
    }
    assert_eq!(app.post_json("/api/v1/payments", &json!({})).await.status(), 401);
    let unknown = app.client.post(app.url("/api/v1/payments/notify/paypal")).body("x").send().await.unwrap();
    assert_eq!(problem(unknown).await["status"], 404);
    // Paid checkouts have nothing left to pay.
    let payment = app.create_payment(&s.buyer, checkout, "alipay", "app").await;
    app.wallet(&payment, json!({})).await;
    app.payment_when(&s.buyer, &payment["id"], "paid").await;
    let again = app
        .post_as(
            &s.buyer,
            "/api/v1/payments",
            &json!({ "checkout_id": checkout, "provider": "alipay", "channel": "qr" }),
        )
        .await;
    assert_eq!(problem(again).await["code"], "nothing_to_pay");
    // The wallet refuses what it cannot pay, with the field at fault.
    let bad = problem(
        app.post_json("/sandbox/wallet/pay", &json!({ "reference": "app_id=1&method=alipay.trade.app.pay&sign=x" }))
            .await,
    )
    .await;
    assert_eq!((bad["status"].as_i64(), bad["field"].as_str()), (Some(422), Some("reference")));
    let paid_twice = problem(
        app.post_json("/sandbox/wallet/pay", &json!({ "reference": app.wallet_reference(&payment).await })).await,
    )
    .await;
    assert_eq!(paid_twice["code"], "not_payable");
}
