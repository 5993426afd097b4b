//! Paying for someone else (代付) and paying at a shop's counter (face-to-face QR).

use bazaar_tests::catalog::simple;
use bazaar_tests::{Backend, TestApp, on_both_backends, problem};
use serde_json::{Value, json};

on_both_backends!(a_friend_pays_a_shared_checkout, a_buyer_pays_a_counter_request);

async fn a_friend_pays_a_shared_checkout(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let product = app.publish_product(&seller, &simple(shop, app.category("Snacks").await, "奶茶", "15.00", 10)).await;
    let (owner, friend, stranger) = (app.register().await, app.register().await, app.register().await);
    let checkout = app.place_checkout(&owner, &[(&product["skus"][0]["id"], 2)]).await;
    let (checkout_id, order_id) =
        (checkout["checkout_id"].as_i64().unwrap(), checkout["orders"][0]["id"].as_i64().unwrap());
    let mine = app.create_payment(&owner, checkout_id, "alipay", "app").await;

    // Only the owner may share, and nobody else may open a trade on the owner's checkout directly.
    let refused = app.post_as(&friend, &format!("/api/v1/payments/{}/share", mine["id"]), &json!({})).await;
    assert_eq!(refused.status(), 404);
    let direct = app
        .post_as(
            &friend,
            "/api/v1/payments",
            &json!({ "checkout_id": checkout_id, "provider": "alipay", "channel": "app" }),
        )
        .await;
    assert_eq!(direct.status(), 404);

    let shared: Value =
        app.post_as(&owner, &format!("/api/v1/payments/{}/share", mine["id"]), &json!({})).await.json().await.unwrap();
    let code = shared["code"].as_str().unwrap().to_string();
    assert!(shared["link"].as_str().unwrap().ends_with(&code));
    let seen: Value = app.get_as(&friend, &format!("/api/v1/pay-for-another/{code}")).await.json().await.unwrap();
    assert_eq!(seen["amount"], "40.00", "2 × 15.00 + 10.00 shipping: {seen}");
    assert_eq!(seen["items"][0]["title"], "奶茶");
    assert_eq!(seen["items"][0]["quantity"], 2);
    assert_eq!(app.get(&format!("/api/v1/pay-for-another/{code}")).await.status(), 401, "signed-in users only");
    let unknown = app.get_as(&friend, "/api/v1/pay-for-another/nosuchcode").await;
    assert_eq!(problem(unknown).await["status"], 404);

    let response = app
        .post_as(
            &friend,
            &format!("/api/v1/pay-for-another/{code}/pay"),
            &json!({ "provider": "wechatpay", "channel": "app" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let theirs: Value = response.json().await.unwrap();
    assert_eq!((theirs["payer_id"].as_i64(), theirs["owner_id"].as_i64()), (Some(friend.id), Some(owner.id)));
    // The stranger cannot read the friend's payment; the owner can.
    assert_eq!(app.get_as(&stranger, &format!("/api/v1/payments/{}", theirs["id"])).await.status(), 404);
    let (status, _) = app.wallet(&theirs, json!({})).await;
    assert_eq!(status, 200);
    app.payment_when(&owner, &theirs["id"], "paid").await;
    let order = app.order(&owner, order_id).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(order["payer_id"], friend.id, "the order records who paid");
    // The owner's own trade was replaced and closed; the code ends with the orders.
    app.payment_when(&owner, &mine["id"], "closed").await;
    let gone = app.get_as(&friend, &format!("/api/v1/pay-for-another/{code}")).await;
    assert_eq!(problem(gone).await["code"], "expired");
}

async fn a_buyer_pays_a_counter_request(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let admin = app.admin().await;
    let (seller, shop) = app.seller(&admin).await;
    let (buyer, other) = (app.register().await, app.register().await);
    let path = format!("/api/v1/seller/shops/{shop}/in-store-payments");
    for (body, field) in [
        (json!({ "amount": "0", "note": "x" }), "amount"),
        (json!({ "amount": "1.234", "note": "x" }), "amount"),
        (json!({ "amount": "5.00", "note": "长".repeat(101) }), "note"),
    ] {
        let refused = problem(app.post_as(&seller, &path, &body).await).await;
        assert_eq!((refused["status"].as_i64(), refused["field"].as_str()), (Some(422), Some(field)), "{body}");
    }
    assert_eq!(app.post_as(&buyer, &path, &json!({ "amount": "5.00" })).await.status(), 404, "not their shop");

    let created: Value =
        app.post_as(&seller, &path, &json!({ "amount": "38.50", "note": "两杯咖啡" })).await.json().await.unwrap();
    let code = created["code"].as_str().unwrap();
    assert!(created["qr_content"].as_str().unwrap().ends_with(code));
    let seen: Value = app.get_as(&buyer, &format!("/api/v1/in-store/{code}")).await.json().await.unwrap();
    assert_eq!((seen["amount"].as_str(), seen["note"].as_str()), (Some("38.50"), Some("两杯咖啡")));

    let response = app
        .post_as(&buyer, &format!("/api/v1/in-store/{code}/pay"), &json!({ "provider": "alipay", "channel": "qr" }))
        .await;
    assert_eq!(response.status(), 201);
    let payment: Value = response.json().await.unwrap();
    assert_eq!(payment["amount"], "38.50");
    let taken = app
        .post_as(&other, &format!("/api/v1/in-store/{code}/pay"), &json!({ "provider": "alipay", "channel": "qr" }))
        .await;
    assert_eq!(problem(taken).await["code"], "invalid_payment_state");
    let (status, _) = app.wallet(&payment, json!({})).await;
    assert_eq!(status, 200);
    app.payment_when(&buyer, &payment["id"], "paid").await;

    let inbox = app.get_as(&seller, &format!("/api/v1/seller/orders?shop_id={shop}&status=paid")).await;
    let inbox: Value = inbox.json().await.unwrap();
    let order = inbox["items"].as_array().unwrap().iter().find(|o| o["id"] == payment["order_ids"][0]).cloned();
    let order = order.expect("the counter sale is in the shop's orders");
    assert_eq!(order["total"], "38.50");
    assert_eq!(order["shop_id"], shop);
}
