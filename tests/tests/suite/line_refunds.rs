//! Refunds of some of an order's units, as a buyer and a shop go through them with real payments:
//! each refund gives back the units' value less exactly their share of each discount, the points
//! share as points, and the shipping fee with the last units; refunding every unit in steps gives
//! back exactly what was paid; the coupon comes back only with the last refund; units that are not
//! left are refused.

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, User, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(refunds_by_line_return_exactly_what_each_line_was_discounted_and_nothing_twice);

fn fen(value: &Value) -> i64 {
    let text = value.as_str().unwrap_or_else(|| panic!("money: {value}"));
    let (yuan, cents) = text.split_once('.').unwrap_or((text, "00"));
    yuan.parse::<i64>().expect("yuan") * 100 + format!("{cents:0<2}").parse::<i64>().expect("fen")
}

async fn refund(app: &TestApp, buyer: &User, seller: &User, order: i64, lines: Option<Value>) -> Value {
    let mut body = json!({ "reason": "买多了" });
    if let Some(lines) = lines {
        body["lines"] = lines;
    }
    let asked = app.post_as(buyer, &format!("/api/v1/orders/{order}/refund-requests"), &body).await;
    let status = asked.status();
    let request: Value = asked.json().await.expect("request");
    assert_eq!(status, 201, "{request}");
    let approved =
        app.post_as(seller, &format!("/api/v1/seller/refund-requests/{}/approve", request["id"]), &json!({})).await;
    let status = approved.status();
    let approved: Value = approved.json().await.expect("approved");
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "refunded", "the money went back: {approved}");
    approved
}

async fn points(app: &TestApp, buyer: &User) -> i64 {
    app.get_as(buyer, "/api/v1/me/points").await.json::<Value>().await.expect("points")["balance"]
        .as_i64()
        .expect("balance")
}

async fn refunds_by_line_return_exactly_what_each_line_was_discounted_and_nothing_twice(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let category = app.category("Snacks").await;
    let tea = app.publish_product(&seller, &simple(shop, category, "龙井", "60.00", 10)).await;
    let cake = app.publish_product(&seller, &simple(shop, category, "月饼", "40.00", 10)).await;
    let (tea_sku, cake_sku) = (tea["skus"][0]["id"].clone(), cake["skus"][0]["id"].clone());
    let now = chrono::Utc::now();
    let template: Value = app
        .post_as(
            &seller,
            &format!("/api/v1/seller/shops/{shop}/coupons"),
            &json!({ "name": "满100减16", "kind": "fixed", "amount_off": "16.00", "min_spend": "100.00", "scope": "shop",
                     "claim_starts_at": now - chrono::Duration::minutes(1), "claim_ends_at": now + chrono::Duration::days(7),
                     "valid_days": 7, "total_quantity": 10, "visibility": "public", "returned_on_refund": true }),
        )
        .await
        .json()
        .await
        .expect("template");
    let buyer = app.register().await;
    let coupon: Value = app
        .post_as(&buyer, &format!("/api/v1/coupons/{}/claim", template["id"]), &json!({}))
        .await
        .json()
        .await
        .expect("c");
    app.post_as(&buyer, "/api/v1/me/check-ins", &json!({})).await;
    let balance = points(&app, &buyer).await;
    assert_eq!(balance, 5);

    // 2 × 60.00 + 40.00, 16.00 off by the coupon and 0.05 by 5 points.
    let address: Value = app
        .post_as(
            &buyer,
            "/api/v1/me/addresses",
            &json!({ "recipient": "孙八", "phone": buyer.phone, "province": "浙江省",
            "city": "杭州市", "district": "上城区", "detail": "河坊街 3 号" }),
        )
        .await
        .json()
        .await
        .expect("address");
    let placed = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&buyer.access_token)
        .header("idempotency-key", "line-refunds")
        .json(&json!({ "address_id": address["id"], "points": 5,
                       "items": [{ "sku_id": tea_sku, "quantity": 2 }, { "sku_id": cake_sku, "quantity": 1 }] }))
        .send()
        .await
        .expect("order");
    let checkout: Value = placed.json().await.expect("checkout");
    let order = checkout["orders"][0].clone();
    let order_id = order["id"].as_i64().expect("order id");
    let total = fen(&order["total"]);
    assert_eq!(total, 16_000 + fen(&order["shipping_fee"]) - 1_600 - 5, "{order}");
    let payment = app.create_payment(&buyer, checkout["checkout_id"].as_i64().expect("checkout"), "alipay", "qr").await;
    app.wallet(&payment, json!({})).await;
    app.payment_when(&buyer, &payment["id"], "paid").await;

    // Units that are not left are refused, naming the field; nothing is written.
    for lines in [json!([{ "sku_id": tea_sku, "quantity": 3 }]), json!([{ "sku_id": 987_654, "quantity": 1 }])] {
        let answer = app
            .post_as(
                &buyer,
                &format!("/api/v1/orders/{order_id}/refund-requests"),
                &json!({ "reason": "x", "lines": lines }),
            )
            .await;
        assert_eq!(answer.status(), 422, "{lines}");
        assert_eq!(problem(answer).await["field"], "lines");
    }

    // One tea: 60.00 less half its coupon share (12.00 of 16.00 → 6.00) and half its points share
    // (0.04 of 0.05 → 0.02, given back as 2 points): 53.98.
    let first = refund(&app, &buyer, &seller, order_id, Some(json!([{ "sku_id": tea_sku, "quantity": 1 }]))).await;
    assert_eq!(
        (fen(&first["amount"]), first["points"].as_i64(), first["whole"].as_bool()),
        (5_398, Some(2), Some(false))
    );
    let after_first: Value =
        app.get_as(&buyer, &format!("/api/v1/orders/{order_id}")).await.json().await.expect("order");
    assert_eq!(after_first["status"], "paid", "a partial refund leaves the order as it was");
    assert_eq!(points(&app, &buyer).await, 2);
    let wallet = app.items_as(&buyer, "/api/v1/me/coupons?status=usable").await;
    assert!(!wallet.as_array().expect("wallet").iter().any(|c| c["id"] == coupon["id"]), "not back yet");

    // The rest: every unit left, with the shipping fee; together exactly what was paid.
    let rest = refund(&app, &buyer, &seller, order_id, None).await;
    assert_eq!(rest["whole"], true);
    assert_eq!(fen(&first["amount"]) + fen(&rest["amount"]), total, "{first} {rest}");
    assert_eq!(points(&app, &buyer).await, 5, "every point spent came back, once");
    let done: Value = app.get_as(&buyer, &format!("/api/v1/orders/{order_id}")).await.json().await.expect("order");
    assert_eq!(done["status"], "refunded");
    let wallet = app.items_as(&buyer, "/api/v1/me/coupons?status=usable").await;
    assert!(
        wallet.as_array().expect("wallet").iter().any(|c| c["id"] == coupon["id"]),
        "returned with the last refund"
    );
    let refunds: Value =
        app.get_as(&buyer, &format!("/api/v1/payments/{}", payment["id"])).await.json().await.expect("p");
    let sent: i64 = refunds["refunds"].as_array().expect("refunds").iter().map(|r| fen(&r["amount"])).sum();
    assert_eq!(sent, total, "the provider paid back exactly the order: {refunds}");
    // Nothing is left to refund.
    let again =
        app.post_as(&buyer, &format!("/api/v1/orders/{order_id}/refund-requests"), &json!({ "reason": "再退" })).await;
    assert_eq!(again.status(), 409);
}
